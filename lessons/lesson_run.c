/* lesson_run.c: runs a lesson on the model and on real sockets in lockstep.
 *
 * One interpreter per mode, each over a lesson_backend (the model or real
 * loopback sockets), each with its own variables, sockets and files. A step
 * runs its lines in file order in every mode:
 *
 *   - a statement joins its side's queue; the head of each queue runs as
 *     soon as it can. A call that would block (accept, recv, connect,
 *     sendall into a full buffer, a BufferedWriter pushing bytes, sleep)
 *     leaves its statement at the head, keeping its progress (bytes already
 *     sent, calls already made: every call's result is memoized, so the
 *     statement is re-evaluated without repeating a call); the side's
 *     later statements wait behind it, the other side goes on;
 *   - blocked heads are retried whenever anything makes progress: the
 *     other side, or time (the model's next event; the real kernel, polled
 *     every millisecond). Statements take no time of their own;
 *   - `wait D` lets D pass at its place; otherwise the step ends by
 *     settling the connection, then the expectations are checked.
 *
 * An exception is a value: the statement's status becomes an error with
 * its lesson_exc, the side's `error` is that, and the side goes on. The real mode never
 * blocks the process (every socket is non-blocking).
 *
 * After each step the runner writes one lesson_record from both modes
 * (build_record): the sockets joined by name, the model's byte runs and
 * events with their sockets mapped to the record's ids, the statements'
 * statuses and the values the step produced. Readers see nothing else.
 *
 * Called by the CLI, the window (on a thread of its own) and the tests.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base_text.h"
#include "lesson_interp.h"
#include "lesson_transcript_read.h"

struct lesson_runner {
    const lesson_doc *doc;
    unsigned modes;
    interp *in[2]; /* [0] sim, [1] real */
    int step;
    lesson_record rec;   /* the last step's record */
    size_t cap_events;   /* rec.events' capacity */
    size_t cap_segments; /* rec.segments' capacity */
    int cap_stmts, cap_expects, cap_results[LESSON_MODE_SLOTS];
    uint64_t budget_us; /* real time the steps may take in all; 0: no limit */
    uint64_t used_us;   /* real time the steps took so far */
    bool timed_out;     /* the budget ran out: no more steps */
    lesson_transcript *recorded; /* the kernel half recorded (model alone), or NULL */
    bool recorded_off;           /* a step had no recording: none for the later ones either */
};

rc_t lesson_raise(interp *in, lesson_exc e)
{
    in->raised = e;
    return R_RAISED;
}

/* lesson_raise() with the text an expectation's "got" shows for it. */
rc_t lesson_raise_msg(interp *in, lesson_exc e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
rc_t lesson_raise_msg(interp *in, lesson_exc e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->detail, sizeof in->detail, fmt, ap);
    va_end(ap);
    return lesson_raise(in, e);
}

rc_t lesson_raise_errno(interp *in, int neg)
{
    return lesson_raise(in, lesson_exc_of_errno(neg));
}

/* Appends a value the step produced (kept for the window). Out of memory
 * only loses the display of it, never the lesson's own state. */
lesson_result *lesson_add_result(interp *in, lesson_result_kind kind, lesson_side side, int line)
{
    lesson_view *v = &in->view;
    if (v->nresults == v->cap_results) {
        int nc = v->cap_results ? v->cap_results * 2 : 16;
        lesson_result *g = realloc(v->results, (size_t)nc * sizeof *g);
        if (!g)
            return NULL;
        v->results = g;
        v->cap_results = nc;
    }
    lesson_result *r = &v->results[v->nresults++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->side = side;
    r->line = line;
    return r;
}

var *lesson_var_get(interp *in, lesson_side side, const char *name)
{
    for (int i = 0; i < in->nvars[side]; i++)
        if (!strcmp(in->vars[side][i].name, name))
            return &in->vars[side][i];
    return NULL;
}

/* Is a socket or writer already shown under name? (The one being named
 * still has an empty name while this runs... or the candidate itself.) */
static bool name_taken(const interp *in, const char *name)
{
    int hits = 0;
    for (int i = 0; i < in->nsocks; i++)
        hits += !strcmp(in->socks[i].name, name);
    for (int i = 0; i < in->nwriters; i++)
        hits += !strcmp(in->writers[i].name, name);
    for (int i = 0; i < in->nreaders; i++)
        hits += !strcmp(in->readers[i].name, name);
    return hits > 1;
}

/* Takes ownership of *v. */
rc_t lesson_var_set(interp *in, lesson_side side, const char *name, value *v)
{
    var *x = lesson_var_get(in, side, name);
    if (!x) {
        if (in->nvars[side] >= LESSON_MAX_VARS) {
            lesson_value_free(v);
            return lesson_raise(in, LESSON_EXC_MEMORY);
        }
        x = &in->vars[side][in->nvars[side]];
        x->name = strdup(name);
        if (!x->name) {
            lesson_value_free(v);
            return lesson_raise(in, LESSON_EXC_MEMORY);
        }
        in->nvars[side]++;
    } else {
        lesson_value_free(&x->v);
    }
    x->v = *v;
    memset(v, 0, sizeof *v);
    /* A socket or writer takes the name of its first variable. */
    char *nm = NULL;
    if (x->v.k == V_SOCK && !in->socks[x->v.i].name[0])
        nm = in->socks[x->v.i].name;
    else if (x->v.k == V_WRITER && !in->writers[x->v.i].name[0])
        nm = in->writers[x->v.i].name;
    else if (x->v.k == V_READER && !in->readers[x->v.i].name[0])
        nm = in->readers[x->v.i].name;
    if (nm) {
        /* Unique in the view: a second socket in `s` is "client.s#2". */
        char base[LESSON_NAME_LEN];
        snprintf(base, sizeof base, "%s.%.*s", lesson_side_name(side), LESSON_NAME_LEN - 12, name);
        snprintf(nm, LESSON_NAME_LEN, "%s", base);
        for (int k = 2; k < 1000 && name_taken(in, nm); k++)
            snprintf(nm, LESSON_NAME_LEN, "%.*s#%d", LESSON_NAME_LEN - 8, base, k);
    }
    return R_OK;
}

/* Records a value the step produced: its short repr, and its length for
 * bytes and str (a 200 KiB bytes object shows as a bar with its size). */
void lesson_note_value(interp *in, lesson_result_kind kind, lesson_side side, int line,
                       const char *name, const value *v)
{
    lesson_result *r = lesson_add_result(in, kind, side, line);
    if (!r)
        return;
    if (name)
        snprintf(r->name, sizeof r->name, "%s", name);
    if ((v->k == V_BYTES || v->k == V_STR) && v->len > GOT_SHORT_BYTES)
        base_repr(r->repr, sizeof r->repr, v->data, v->len, v->k == V_BYTES, GOT_SHORT_BYTES);
    else
        lesson_print_value(r->repr, sizeof r->repr, v, false);
    r->has_length = v->k == V_BYTES || v->k == V_STR;
    r->length = v->len;
    r->is_bytes = v->k == V_BYTES;
}

/* Whether a blocked call waits for room to write (or a connection) rather
 * than for bytes to read. */
static bool waits_to_write(const pending *p)
{
    switch (p->op) {
    case LF_SEND:
    case LF_SENDALL:
    case LF_CONNECT:
    case LF_CREATE_CONNECTION:
    case LF_WRITE:
    case LF_FLUSH:
    case LF_CLOSE:
        return true;
    default:
        return false;
    }
}

/* Runs every queue head that can run, until nothing moves. Returns
 * whether anything completed. */
static bool pump(interp *in)
{
    bool progress = false;
    for (int guard = 0; guard < LOOP_GUARD; guard++) {
        bool any = false;
        for (int side = 0; side < 2; side++) {
            sidequeue *q = &in->queue[side];
            while (q->n > 0) {
                pending *p = q->q[0];
                in->raised = LESSON_EXC_NONE;
                rc_t rc = lesson_exec_stmt(in, p, (lesson_side)side);
                if (rc == R_BLOCKED) {
                    if (p->status)
                        p->status->st = (lesson_status){LESSON_STMT_BLOCKED, LESSON_EXC_NONE};
                    break;
                }
                if (rc == R_RAISED) {
                    in->view.error[side] = in->raised;
                    if (p->status)
                        p->status->st = (lesson_status){LESSON_STMT_ERROR, in->raised};
                    lesson_result *r = lesson_add_result(in, LESSON_RESULT_EXCEPTION,
                                                         (lesson_side)side, p->ln->line);
                    if (r) {
                        r->exc = in->raised;
                        snprintf(r->repr, sizeof r->repr, "%s", lesson_exc_name(in->raised));
                    }
                } else if (p->status) {
                    p->status->st = (lesson_status){LESSON_STMT_DONE, LESSON_EXC_NONE};
                }
                lesson_pending_free(p);
                memmove(q->q, q->q + 1, (size_t)(q->n - 1) * sizeof *q->q);
                q->n--;
                any = true;
            }
        }
        if (!any)
            break;
        progress = true;
    }
    /* Which sockets are blocked: those a queue head waits on; the real
     * mode wakes as soon as one of them is ready (lesson_backend.h). */
    lesson_watch w[2];
    int nw = 0;
    for (int i = 0; i < in->nsocks; i++)
        in->socks[i].blocked = false;
    for (int side = 0; side < 2; side++) {
        sidequeue *q = &in->queue[side];
        in->view.blocked[side] = q->n > 0;
        if (q->n > 0 && q->q[0]->op_active && q->q[0]->op != LF_SLEEP && q->q[0]->op != LF_SELECT &&
            q->q[0]->op != LF_SEL_SELECT) {
            pending *p = q->q[0];
            int so = p->obj;
            if (p->op == LF_WRITE || p->op == LF_FLUSH || p->op == LF_CLOSE)
                so = in->writers[p->obj].sock;
            else if (p->op == LF_READ || p->op == LF_READLINE)
                so = in->readers[p->obj].sock;
            if (so >= 0 && so < in->nsocks) {
                in->socks[so].blocked = true;
                if (in->socks[so].h >= 0)
                    w[nw++] = (lesson_watch){in->socks[so].h, waits_to_write(p)};
            }
        }
    }
    if (in->be->ops->watch)
        in->be->ops->watch(in->be, w, nw);
    return progress;
}

static bool any_blocked(const interp *in)
{
    return in->queue[0].n > 0 || in->queue[1].n > 0;
}

/* The earliest deadline of a sleeping side, or of a call that times out
 * (settimeout), or UINT64_MAX. */
static uint64_t sleep_deadline(const interp *in)
{
    uint64_t t = UINT64_MAX;
    for (int side = 0; side < 2; side++) {
        const sidequeue *q = &in->queue[side];
        const pending *h = q->n > 0 ? q->q[0] : NULL;
        if (h && h->op_active && (h->op == LF_SLEEP || h->timed) && h->until_us < t)
            t = h->until_us;
    }
    return t;
}

/* `wait D`: until D after the line before it (in->mark_us), an absolute
 * time, so work and lateness before it do not lengthen it. */
static void wait_for(interp *in, uint64_t d_us)
{
    lesson_backend *be = in->be;
    uint64_t target = in->mark_us + d_us;
    if (target > in->budget_end_us)
        target = in->budget_end_us; /* the real clock cannot wait past the budget */
    for (int guard = 0; guard < LOOP_GUARD; guard++) {
        pump(in);
        if (be->ops->now_us(be) >= target)
            break;
        uint64_t next = be->ops->next_event_us(be);
        uint64_t sl = sleep_deadline(in);
        if (sl < next)
            next = sl;
        if (next > target)
            next = target;
        be->ops->advance(be, next);
    }
    pump(in);
    in->mark_us = target;
}

/* settle() reached its deadline with a side still blocked: when that was
 * the mode's own settle limit (the model's 60 s of its time, the kernel's
 * 30 s on the wire; not the lesson's time budget, not a sleep), the step
 * is noted as overrun with the size of the call that kept it busy, for
 * what its expectations then say (overrun_got). */
static void note_overrun(interp *in, uint64_t allow_us, uint64_t deadline_us)
{
    if (!any_blocked(in) || deadline_us >= in->budget_end_us || sleep_deadline(in) != UINT64_MAX)
        return;
    in->overran_us = allow_us;
    in->overran_bytes = 0;
    for (int side = 0; side < 2; side++) {
        const sidequeue *q = &in->queue[side];
        if (q->n == 0 || !q->q[0]->op_active)
            continue;
        const pending *p = q->q[0];
        uint64_t n = waits_to_write(p) ? p->len : p->cap;
        if (n > in->overran_bytes)
            in->overran_bytes = n;
    }
}

/* A size as a person says it: "64 MiB", "200 KiB", "1500 bytes". */
static void say_bytes(char *out, size_t cap, uint64_t n)
{
    if (n >= ((uint64_t)1 << 20) && n % ((uint64_t)1 << 20) == 0)
        snprintf(out, cap, "%llu MiB", (unsigned long long)(n >> 20));
    else if (n >= ((uint64_t)1 << 20))
        snprintf(out, cap, "%.1f MiB", (double)n / (1 << 20));
    else if (n >= 1024 && n % 1024 == 0)
        snprintf(out, cap, "%llu KiB", (unsigned long long)(n >> 10));
    else
        snprintf(out, cap, "%llu bytes", (unsigned long long)n);
}

/* A duration as a lesson writes it: "1 ms", "20 us", "2.5 ms", "30 s". */
static void say_us(char *out, size_t cap, uint64_t us)
{
    if (us >= 1000000 && us % 1000000 == 0)
        snprintf(out, cap, "%llu s", (unsigned long long)(us / 1000000));
    else if (us >= 1000 && us % 1000 == 0)
        snprintf(out, cap, "%llu ms", (unsigned long long)(us / 1000));
    else if (us >= 1000)
        snprintf(out, cap, "%.1f ms", (double)us / 1000);
    else
        snprintf(out, cap, "%llu us", (unsigned long long)us);
}

/* What a failed expectation of an overrun step found: the plain reason,
 * "step 3 took over 30 s on the kernel (64 MiB at 1 ms)" (or "on the
 * model"), instead of the NameError of a variable its still-blocked call
 * never assigned. */
static void overrun_got(const interp *in, int step, char *out, size_t cap)
{
    char limit[32], size[32], lat[32];
    const char *whose = in->mode == LESSON_MODE_REAL ? "kernel" : "model";
    uint64_t latency =
        in->doc->model.latency_us ? in->doc->model.latency_us : LESSON_DEFAULT_LATENCY_US;
    say_us(limit, sizeof limit, in->overran_us);
    say_us(lat, sizeof lat, latency);
    if (in->overran_bytes > 0) {
        say_bytes(size, sizeof size, in->overran_bytes);
        snprintf(out, cap, "step %d took over %s on the %s (%s at %s)", step + 1, limit, whose,
                 size, lat);
    } else {
        snprintf(out, cap, "step %d took over %s on the %s (at %s)", step + 1, limit, whose, lat);
    }
}

static void settle(interp *in)
{
    lesson_backend *be = in->be;
    uint64_t allow = be->ops->settle_budget_us;
    uint64_t deadline = be->ops->now_us(be) + allow;
    if (deadline > in->budget_end_us)
        deadline = in->budget_end_us;
    uint64_t last_moved_us = UINT64_MAX; /* when a blocked call last moved bytes */
    for (int guard = 0; guard < LOOP_GUARD; guard++) {
        in->moved = false;
        pump(in);
        if (in->moved)
            last_moved_us = be->ops->now_us(be);
        if (!any_blocked(in)) {
            be->ops->settle(be);
            if (!pump(in))
                break;
            continue;
        }
        /* A side waits: let the connection move one event at a time and
         * retry after each, until it rests (the model idle, the kernel's
         * counters still) or a sleeping side's time comes. */
        uint64_t sl = sleep_deadline(in);
        /* A sleep is waited for whole in both modes (time.sleep(1) takes
         * a second), and what follows it gets the usual time to settle;
         * only the lesson's time budget cuts it short. */
        if (sl != UINT64_MAX && sl + allow > deadline) {
            deadline = sl + allow;
            if (deadline > in->budget_end_us)
                deadline = in->budget_end_us;
        }
        uint64_t until = sl < deadline ? sl : deadline;
        /* A blocked call that still moves bytes (a sendall filling the
         * send buffer, a MSG_WAITALL recv draining the receive buffer) is
         * progress even when the counters look the same between samples. */
        bool moved = in->moved;
        if (be->ops->settle_step(be, until) || moved)
            continue;
        if (sl > deadline || be->ops->now_us(be) >= deadline) {
            /* At rest with a side blocked for good is no overrun; the
             * limit's last tenth reached by a call still moving bytes in
             * it is (the model stops short of the deadline when its next
             * event lies beyond it). */
            uint64_t tail = allow / 10, now = be->ops->now_us(be);
            if (last_moved_us != UINT64_MAX && now + tail >= deadline &&
                last_moved_us + tail >= deadline)
                note_overrun(in, allow, deadline);
            break;
        }
        be->ops->advance(be, sl);
    }
}

/* ----------------------------------------------------------- views */

/* The ends of a makefile() object's buffer, as one write (origin 1). */
static void file_content(lesson_write_bytes *out, const uint8_t *data, uint32_t n)
{
    lesson_write_log l;
    memset(&l, 0, sizeof l);
    lesson_write_log_add(&l, 1, data, n);
    if (l.n)
        *out = l.w[0];
    else
        memset(out, 0, sizeof *out);
}

static void build_view(interp *in)
{
    lesson_view *v = &in->view;
    v->time_us = in->be->ops->now_us(in->be);
    v->nsocks = 0;
    for (int i = 0; i < in->nsocks && v->nsocks < LESSON_MAX_SOCKS; i++) {
        sockobj *s = &in->socks[i];
        sock_view *sv = &v->socks[v->nsocks++];
        memset(sv, 0, sizeof *sv);
        if (s->name[0])
            snprintf(sv->name, sizeof sv->name, "%s", s->name);
        else
            snprintf(sv->name, sizeof sv->name, "%s.#%d", lesson_side_name(s->side), i + 1);
        sv->side = s->side;
        sv->blocked = s->blocked;
        sv->closed = s->h < 0;
        sv->handle = s->handle;
        if (s->h < 0 || in->be->ops->probe(in->be, s->h, &sv->probe) < 0)
            memset(&sv->probe, 0, sizeof sv->probe); /* CLOSED */
    }
    v->nfiles = 0;
    for (int i = 0; i < in->nwriters && v->nfiles < LESSON_MAX_FILES; i++) {
        writerobj *w = &in->writers[i];
        file_view *fv = &v->files[v->nfiles++];
        memset(fv, 0, sizeof *fv);
        if (w->name[0])
            snprintf(fv->name, sizeof fv->name, "%s", w->name);
        else
            snprintf(fv->name, sizeof fv->name, "%s.#w%d", lesson_side_name(w->side), i + 1);
        fv->side = w->side;
        fv->buffered_bytes = w->ab ? (uint32_t)lesson_appbuf_buffered_bytes(w->ab) : 0;
        fv->capacity_bytes = w->ab ? (uint32_t)lesson_appbuf_capacity_bytes(w->ab) : 0;
        fv->sock = w->sock < v->nsocks ? w->sock : -1;
        if (w->ab)
            file_content(&fv->content, lesson_appbuf_data(w->ab), fv->buffered_bytes);
    }
    /* makefile('rb') readers: the bytes BufferedReader has read ahead. */
    for (int i = 0; i < in->nreaders && v->nfiles < LESSON_MAX_FILES; i++) {
        readerobj *rd = &in->readers[i];
        file_view *fv = &v->files[v->nfiles++];
        memset(fv, 0, sizeof *fv);
        if (rd->name[0])
            snprintf(fv->name, sizeof fv->name, "%s", rd->name);
        else
            snprintf(fv->name, sizeof fv->name, "%s.#r%d", lesson_side_name(rd->side), i + 1);
        fv->side = rd->side;
        fv->reader = true;
        fv->buffered_bytes = (uint32_t)rd->len;
        fv->capacity_bytes = rd->len > READER_CHUNK_BYTES ? (uint32_t)rd->len : READER_CHUNK_BYTES;
        fv->sock = rd->sock < v->nsocks ? rd->sock : -1;
        file_content(&fv->content, rd->buf, fv->buffered_bytes);
    }
}

/* Both sides evaluated by the statements' evaluator, compared by
 * lesson_value_compare(); got shows the left side, or why it has no value. */
static void check_expect(interp *in, const lesson_line *ln, lesson_expect_result *res)
{
    const struct lesson_ast *a = ln->ast;
    value lhs = {0}, rhs = {0};
    pending *p = calloc(1, sizeof *p); /* memo for len(): calls of the expectation */
    res->line = ln->line;
    res->mode = in->mode;
    res->ok = false;
    snprintf(res->expr, sizeof res->expr, "%s", ln->code);
    in->detail[0] = '\0';
    rc_t rc = p ? lesson_eval(in, p, ln->side, a->lhs, &lhs) : lesson_raise(in, LESSON_EXC_MEMORY);
    if (rc == R_OK)
        rc = lesson_eval(in, p, ln->side, a->rhs, &rhs);
    if (rc != R_OK) {
        snprintf(res->got, sizeof res->got, "%s",
                 in->detail[0] ? in->detail : lesson_exc_name(in->raised));
    } else {
        lesson_got_value(res->got, sizeof res->got, &lhs);
        res->ok = lesson_value_compare(&lhs, a->op, &rhs);
    }
    lesson_value_free(&lhs);
    lesson_value_free(&rhs);
    lesson_pending_free(p);
}

/* ----------------------------------------------------------- stepping */

/* An `expect.wire` line is not checked on the kernel off the emulated
 * wire (plain loopback has no latency or rate to confirm). */
static bool wire_skips(interp *in, const lesson_line *ln)
{
    lesson_wire wire = LESSON_WIRE_LOOPBACK;
    size_t n;
    if (in->mode != LESSON_MODE_REAL || !(ln->modes & LESSON_MODE_WIRE))
        return false;
    if (in->be->ops->segments)
        in->be->ops->segments(in->be, &n, &wire);
    return wire != LESSON_WIRE_EMULATED;
}

static int run_step(interp *in, int step)
{
    const lesson_step *st = &in->doc->steps[step];
    lesson_view *v = &in->view;
    lesson_backend *be = in->be;
    bool has_wait = false;
    /* Every real step keeps time and is measured: a late look at a
     * blocked call (a reply sent late) changes what the kernel does next
     * (Linux's delayed-ACK mode), and a clock reading may span steps. */
    bool keep = in->mode == LESSON_MODE_REAL && be->ops->keep_time && be->ops->lag_us;
    for (size_t i = 0; i < st->nlines; i++)
        has_wait = has_wait || st->lines[i].kind == LESSON_LINE_WAIT;
    be->ops->step_begin(be);
    in->overran_us = 0;
    if (keep)
        be->ops->keep_time(be, true);
    in->mark_us = be->ops->now_us(be);
    v->nresults = 0;
    v->stmts = in->status[step];
    v->nstmts = in->nstatus[step];
    int k = 0;
    for (size_t i = 0; i < st->nlines; i++) {
        const lesson_line *ln = &st->lines[i];
        if (ln->kind == LESSON_LINE_STMT) {
            stmt_status *ss = &in->status[step][k++];
            sidequeue *q = &in->queue[ln->side];
            pending *p = calloc(1, sizeof *p);
            if (p && q->n == q->cap) {
                int nc = q->cap ? q->cap * 2 : 8;
                pending **nq = realloc(q->q, (size_t)nc * sizeof *nq);
                if (nq) {
                    q->q = nq;
                    q->cap = nc;
                }
            }
            if (!p || q->n == q->cap) {
                free(p);
                if (keep)
                    be->ops->keep_time(be, false);
                return -ENOMEM;
            }
            p->ln = ln;
            p->status = ss;
            q->q[q->n++] = p;
            in->mark_us = be->ops->now_us(be);
            pump(in);
        } else if (ln->kind == LESSON_LINE_WAIT) {
            wait_for(in, ln->wait_us);
        }
    }
    if (!has_wait)
        settle(in);
    else
        pump(in);
    if (keep && has_wait && in->test_delay_us) {
        /* The test hook: held back before the snapshot, as by a busy machine. */
        struct timespec ts = {.tv_sec = (time_t)(in->test_delay_us / 1000000),
                              .tv_nsec = (long)(in->test_delay_us % 1000000) * 1000};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
    }
    build_view(in);
    /* A step with a wait relies on its timing; the one after it may read
     * what it began (05 takes time.monotonic() in step 4 and the stall in
     * step 5), so its lag counts there too. A step that settles does not
     * rely on its own timing: its lag (long settles add up many small
     * ones) is no evidence against it. */
    uint64_t own_us = keep && has_wait ? be->ops->lag_us(be) : 0;
    uint64_t late_us = own_us + in->prev_late_us;
    in->prev_late_us = own_us;
    in->late_us = late_us;
    if (keep)
        be->ops->keep_time(be, false);
    v->nexpects = 0;
    for (size_t i = 0; i < st->nlines; i++) {
        const lesson_line *ln = &st->lines[i];
        if (ln->kind == LESSON_LINE_EXPECT && (ln->modes & in->mode) && !wire_skips(in, ln)) {
            lesson_expect_result *res = &v->expects[v->nexpects++];
            check_expect(in, ln, res);
            if (!res->ok && in->overran_us > 0)
                overrun_got(in, step, res->got, sizeof res->got);
            /* A late snapshot of a timed step cannot tell a wrong
             * expectation from a busy machine: not checked (lesson_run.h). */
            res->skipped = !res->ok && late_us > LESSON_LATE_BOUND_US;
            res->late_us = res->skipped ? late_us : 0;
        }
    }
    return 0;
}

static void interp_free(interp *in)
{
    if (!in)
        return;
    for (int side = 0; side < 2; side++) {
        for (int i = 0; i < in->nvars[side]; i++) {
            free(in->vars[side][i].name);
            lesson_value_free(&in->vars[side][i].v);
        }
        for (int i = 0; i < in->queue[side].n; i++)
            lesson_pending_free(in->queue[side].q[i]);
        free(in->queue[side].q);
    }
    for (int i = 0; i < in->nwriters; i++)
        lesson_appbuf_free(in->writers[i].ab);
    for (int i = 0; i < in->nreaders; i++)
        free(in->readers[i].buf);
    for (int i = 0; i < in->nsels; i++)
        for (int k = 0; k < in->sels[i].n; k++)
            lesson_value_free(&in->sels[i].data[k]);
    for (int i = 0; i < in->nsocks; i++)
        if (in->socks[i].h >= 0)
            in->be->ops->close(in->be, in->socks[i].h);
    if (in->be)
        in->be->ops->free(in->be);
    if (in->status)
        for (size_t s = 0; s < in->doc->nsteps; s++)
            free(in->status[s]);
    free(in->status);
    free(in->nstatus);
    free(in->view.expects);
    free(in->view.results);
    free(in);
}

static interp *interp_new(const lesson_doc *doc, lesson_mode mode, lesson_wire_handle *wire,
                          char *err, size_t errlen)
{
    interp *in = calloc(1, sizeof *in);
    if (in)
        in->budget_bytes = LESSON_MEMORY_BUDGET_BYTES;
    if (!in)
        goto oom;
    in->doc = doc;
    in->mode = mode;
    in->budget_end_us = UINT64_MAX;
    in->view.mode = mode;
    in->status = calloc(doc->nsteps ? doc->nsteps : 1, sizeof *in->status);
    in->nstatus = calloc(doc->nsteps ? doc->nsteps : 1, sizeof *in->nstatus);
    if (!in->status || !in->nstatus)
        goto oom;
    size_t maxexp = 0;
    for (size_t s = 0; s < doc->nsteps; s++) {
        const lesson_step *st = &doc->steps[s];
        size_t ns = 0, ne = 0;
        for (size_t i = 0; i < st->nlines; i++) {
            ns += st->lines[i].kind == LESSON_LINE_STMT;
            ne += st->lines[i].kind == LESSON_LINE_EXPECT;
        }
        in->status[s] = calloc(ns ? ns : 1, sizeof **in->status);
        if (!in->status[s])
            goto oom;
        in->nstatus[s] = (int)ns;
        size_t k = 0;
        for (size_t i = 0; i < st->nlines; i++)
            if (st->lines[i].kind == LESSON_LINE_STMT) {
                in->status[s][k].line = st->lines[i].line;
                in->status[s][k].side = st->lines[i].side;
                in->status[s][k].st = (lesson_status){LESSON_STMT_PENDING, LESSON_EXC_NONE};
                k++;
            }
        if (ne > maxexp)
            maxexp = ne;
    }
    in->view.expects = calloc(maxexp ? maxexp : 1, sizeof *in->view.expects);
    if (!in->view.expects)
        goto oom;
    if (mode == LESSON_MODE_SIM) {
        in->be = lesson_backend_sim_new(&doc->model);
        if (!in->be)
            goto oom;
    } else {
        in->be = lesson_backend_real_new(&doc->model, wire, err, errlen);
        if (!in->be) {
            interp_free(in);
            return NULL;
        }
        const char *delay = getenv("SOCKBUF_TEST_SNAPSHOT_DELAY_MS");
        if (delay && *delay)
            in->test_delay_us = (uint64_t)strtoul(delay, NULL, 10) * 1000;
    }
    return in;
oom:
    snprintf(err, errlen, "out of memory");
    interp_free(in);
    return NULL;
}

lesson_runner *lesson_runner_new(const lesson_doc *doc, unsigned modes, char *err, size_t errlen)
{
    lesson_run_opts o = {.modes = modes, .wire = NULL};
    return lesson_runner_new_opts(doc, &o, err, errlen);
}

/* Reads dir/NAME.jsonl, the transcript recorded for doc's file. Returns
 * 0 (none there is no error) or a negative errno with the message in err. */
static int load_recorded(lesson_runner *r, const char *dir, char *err, size_t errlen)
{
    const char *base = strrchr(r->doc->path, '/');
    base = base ? base + 1 : r->doc->path;
    size_t n = strlen(base);
    if (n > 7 && !strcmp(base + n - 7, ".lesson"))
        n -= 7;
    char path[4096];
    snprintf(path, sizeof path, "%s/%.*s.jsonl", dir, (int)n, base);
    int rc = lesson_transcript_load(path, &r->recorded, err, errlen);
    return rc == -ENOENT ? 0 : rc;
}

lesson_runner *lesson_runner_new_opts(const lesson_doc *doc, const lesson_run_opts *o, char *err,
                                      size_t errlen)
{
    unsigned modes = o->modes;
    char dummy[8];
    if (!err) {
        err = dummy;
        errlen = sizeof dummy;
    }
    lesson_runner *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->doc = doc;
    r->modes = modes;
    r->step = -1;
    r->rec.step = -1;
    r->budget_us = LESSON_TIME_BUDGET_US_DEFAULT;
    if ((modes & LESSON_MODE_SIM) &&
        !(r->in[0] = interp_new(doc, LESSON_MODE_SIM, NULL, err, errlen)))
        goto fail;
    if ((modes & LESSON_MODE_REAL) &&
        !(r->in[1] = interp_new(doc, LESSON_MODE_REAL, o->wire, err, errlen)))
        goto fail;
    if (modes == LESSON_MODE_SIM && o->recorded_dir && doc->path &&
        load_recorded(r, o->recorded_dir, err, errlen) < 0)
        goto fail;
    return r;
fail:
    lesson_runner_free(r);
    return NULL;
}

void lesson_runner_free(lesson_runner *r)
{
    if (!r)
        return;
    interp_free(r->in[0]);
    interp_free(r->in[1]);
    lesson_record_free(&r->rec);
    lesson_transcript_free(r->recorded);
    free(r);
}

/* ------------------------------------------------------------ the record */

/* Grows *arr to hold need items of size bytes. Returns 0 or -ENOMEM. */
static int grow(void **arr, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return 0;
    int nc = *cap ? *cap : 8;
    while (nc < need)
        nc *= 2;
    void *g = realloc(*arr, (size_t)nc * size);
    if (!g)
        return -ENOMEM;
    *arr = g;
    *cap = nc;
    return 0;
}

/* The record socket for a mode's socket, joined by name; -1 when full. */
static int rec_sock(lesson_record *rec, const sock_view *sv)
{
    int id = lesson_record_find_sock(rec, sv->name);
    if (id >= 0 || rec->nsocks >= LESSON_MAX_SOCKS)
        return id;
    id = rec->nsocks++;
    lesson_rec_sock *rs = &rec->socks[id];
    memset(rs, 0, sizeof *rs);
    rs->id = id;
    snprintf(rs->name, sizeof rs->name, "%s", sv->name);
    rs->side = sv->side;
    return id;
}

/* The bytes a side's blocked call still holds for the kernel: sendall()
 * and a blocking send() keep their data until every byte is in the send
 * buffer; a writer's write() larger than its buffer goes straight through
 * the same way once the buffer is out (what the buffer holds is the file's
 * own figure). The socket is the interpreter's index here; rec_mode maps
 * it to the record's once the sockets are in. */
static void rec_app_pending(const interp *in, int side, lesson_rec_side *rs)
{
    rs->app_pending_bytes = 0;
    rs->app_pending_total = 0;
    rs->app_pending_sock = -1;
    rs->app_pending_call[0] = '\0';
    if (in->queue[side].n == 0)
        return;
    const pending *p = in->queue[side].q[0];
    if (!p->op_active || p->off >= p->len || !p->data)
        return;
    const char *call = NULL;
    int so = p->obj;
    if (p->op == LF_SENDALL)
        call = "sendall";
    else if (p->op == LF_SEND)
        call = "send";
    else if (p->op == LF_WRITE && p->wdirect) {
        call = "write";
        so = in->writers[p->obj].sock;
    }
    if (!call)
        return;
    size_t left = p->len - p->off;
    rs->app_pending_bytes = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
    rs->app_pending_total = p->len > UINT32_MAX ? UINT32_MAX : (uint32_t)p->len;
    rs->app_pending_sock = so;
    snprintf(rs->app_pending_call, sizeof rs->app_pending_call, "%s", call);
}

/* One mode's sockets and files into the record; map[i] gets the record
 * id of the mode's socket i. */
static void rec_mode(lesson_record *rec, interp *in, int slot, int *map)
{
    const lesson_view *v = &in->view;
    lesson_backend *be = in->be;
    rec->time_us[slot] = v->time_us;
    for (int side = 0; side < 2; side++) {
        lesson_rec_side *rs = &rec->sides[slot][side];
        rs->blocked = v->blocked[side];
        rs->blocked_line = 0;
        if (in->queue[side].n > 0)
            rs->blocked_line = in->queue[side].q[0]->ln->line;
        rs->last_exc = v->error[side];
        rec_app_pending(in, side, rs);
    }
    for (int i = 0; i < v->nsocks; i++) {
        const sock_view *sv = &v->socks[i];
        int id = map[i] = rec_sock(rec, sv);
        if (id < 0)
            continue;
        lesson_rec_sock *rs = &rec->socks[id];
        lesson_sock_mode *sm = &rs->mode[slot];
        memset(sm, 0, sizeof *sm);
        sm->present = true;
        sm->probe = sv->probe;
        sm->blocked = sv->blocked;
        sm->closed = sv->closed;
        if (slot == 0) {
            memset(rs->queue, 0, sizeof rs->queue);
            if (!sv->closed && be->ops->queue_runs)
                for (int q = 0; q < LESSON_NQUEUES; q++)
                    be->ops->queue_runs(be, sv->handle, (lesson_qid)q, &rs->queue[q]);
            /* a closed socket too: its peer may still hold its bytes
             * (the model never reuses a handle) */
            if (be->ops->write_log)
                be->ops->write_log(be, sv->handle, &rs->writes);
        }
    }
    for (int side = 0; side < 2; side++) {
        lesson_rec_side *rs = &rec->sides[slot][side];
        int so = rs->app_pending_sock;
        rs->app_pending_sock = so >= 0 && so < v->nsocks ? map[so] : -1;
    }
    for (int i = 0; i < v->nfiles; i++) {
        const file_view *fv = &v->files[i];
        int f = -1;
        for (int k = 0; k < rec->nfiles && f < 0; k++)
            if (!strcmp(rec->files[k].name, fv->name))
                f = k;
        if (f < 0) {
            if (rec->nfiles >= LESSON_MAX_FILES)
                continue;
            f = rec->nfiles++;
            memset(&rec->files[f], 0, sizeof rec->files[f]);
            snprintf(rec->files[f].name, sizeof rec->files[f].name, "%s", fv->name);
            rec->files[f].side = fv->side;
            rec->files[f].reader = fv->reader;
            rec->files[f].sock_id = -1;
        }
        lesson_rec_file *rf = &rec->files[f];
        rf->present[slot] = true;
        rf->buffered_bytes[slot] = fv->buffered_bytes;
        rf->capacity_bytes = fv->capacity_bytes;
        if (slot == 0 || !rf->present[0])
            rf->content = fv->content; /* Python's buffer: the model's where it ran */
        int sid = fv->sock >= 0 ? map[fv->sock] : -1;
        if (sid >= 0) {
            rf->sock_id = sid;
            lesson_sock_mode *sm = &rec->socks[sid].mode[slot];
            /* A writer feeds its socket; a reader shows when no writer does. */
            if (!fv->reader || !sm->has_file) {
                sm->has_file = true;
                sm->file_buffered_bytes = fv->buffered_bytes;
                sm->file_capacity_bytes = fv->capacity_bytes;
            }
        }
    }
}

/* The model's events, their handles mapped to record ids. */
static int rec_events(lesson_runner *r, const int *map)
{
    lesson_record *rec = &r->rec;
    interp *in = r->in[0];
    rec->nevents = 0;
    if (!in || !in->be->ops->events)
        return 0;
    size_t n = 0;
    const lesson_event *ev = in->be->ops->events(in->be, &n);
    if (n > r->cap_events) {
        lesson_event *g = realloc(rec->events, n * sizeof *g);
        if (!g)
            return -ENOMEM;
        rec->events = g;
        r->cap_events = n;
    }
    for (size_t i = 0; i < n; i++) {
        lesson_event e = ev[i];
        int id = -1;
        for (int k = 0; k < in->view.nsocks && id < 0; k++)
            if (in->view.socks[k].handle == e.sock_id && e.sock_id >= 0)
                id = map[k];
        e.sock_id = id;
        rec->events[i] = e;
    }
    rec->nevents = n;
    return 0;
}

/* The kernel's segments of the step, and the wire they went on. */
static int rec_segments(lesson_runner *r)
{
    lesson_record *rec = &r->rec;
    interp *in = r->in[1];
    rec->nsegments = 0;
    rec->wire = in ? LESSON_WIRE_LOOPBACK : LESSON_WIRE_NONE;
    if (!in || !in->be->ops->segments)
        return 0;
    size_t n = 0;
    const lesson_segment *sg = in->be->ops->segments(in->be, &n, &rec->wire);
    if (n > r->cap_segments) {
        lesson_segment *g = realloc(rec->segments, n * sizeof *g);
        if (!g)
            return -ENOMEM;
        rec->segments = g;
        r->cap_segments = n;
    }
    if (n)
        memcpy(rec->segments, sg, n * sizeof *sg);
    rec->nsegments = n;
    return 0;
}

static int build_record(lesson_runner *r, uint64_t t0_us)
{
    lesson_record *rec = &r->rec;
    const lesson_step *st = &r->doc->steps[r->step];
    int map[LESSON_MODE_SLOTS][LESSON_MAX_SOCKS];
    rec->step = r->step;
    rec->modes = r->modes;
    rec->nsocks = rec->nfiles = 0;
    memset(rec->sides, 0, sizeof rec->sides);
    memset(rec->time_us, 0, sizeof rec->time_us);
    rec->real_late_us = r->in[1] ? r->in[1]->late_us : 0;
    rec->t0_us = t0_us;
    rec->t1_us = r->in[0] ? r->in[0]->view.time_us : 0;
    int nstmts = 0, nexp = 0;
    for (size_t i = 0; i < st->nlines; i++)
        nstmts += st->lines[i].kind == LESSON_LINE_STMT;
    for (int m = 0; m < LESSON_MODE_SLOTS; m++)
        if (r->in[m]) {
            rec_mode(rec, r->in[m], m, map[m]);
            nexp += r->in[m]->view.nexpects;
        }
    if (grow((void **)&rec->stmts, &r->cap_stmts, nstmts, sizeof *rec->stmts) < 0 ||
        grow((void **)&rec->expects, &r->cap_expects, nexp, sizeof *rec->expects) < 0)
        return -ENOMEM;
    rec->nstmts = nstmts;
    int k = 0;
    for (size_t i = 0; i < st->nlines; i++) {
        const lesson_line *ln = &st->lines[i];
        if (ln->kind != LESSON_LINE_STMT)
            continue;
        lesson_rec_stmt *rs = &rec->stmts[k];
        rs->line = ln->line;
        rs->side = ln->side;
        for (int m = 0; m < LESSON_MODE_SLOTS; m++)
            rs->status[m] = r->in[m] ? r->in[m]->status[r->step][k].st
                                     : (lesson_status){LESSON_STMT_PENDING, LESSON_EXC_NONE};
        k++;
    }
    rec->nexpects = 0;
    for (int m = 0; m < LESSON_MODE_SLOTS; m++) {
        const interp *in = r->in[m];
        for (int e = 0; in && e < in->view.nexpects; e++)
            rec->expects[rec->nexpects++] = in->view.expects[e];
        int nres = in ? in->view.nresults : 0;
        if (grow((void **)&rec->results[m], &r->cap_results[m], nres, sizeof *rec->results[m]) < 0)
            return -ENOMEM;
        if (nres)
            memcpy(rec->results[m], in->view.results, (size_t)nres * sizeof *rec->results[m]);
        rec->nresults[m] = nres;
    }
    if (rec_segments(r) < 0)
        return -ENOMEM;
    lesson_record_set_question(rec, st);
    return rec_events(r, map[0]);
}

static uint64_t wall_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

void lesson_runner_set_time_budget(lesson_runner *r, uint64_t budget_us)
{
    r->budget_us = budget_us;
}

bool lesson_runner_timed_out(const lesson_runner *r)
{
    return r->timed_out;
}

int lesson_runner_step(lesson_runner *r)
{
    if (r->timed_out)
        return -ETIMEDOUT;
    if ((size_t)(r->step + 1) >= r->doc->nsteps)
        return 1;
    r->step++;
    uint64_t model_t0 = r->in[0] ? r->in[0]->be->ops->now_us(r->in[0]->be) : 0;
    /* Only the time spent in steps counts: a teacher pausing between
     * steps in the window spends none of the budget. */
    uint64_t t0 = wall_us();
    for (int m = 0; m < 2; m++) {
        interp *in = r->in[m];
        if (!in)
            continue;
        in->budget_end_us = UINT64_MAX;
        if (r->budget_us > 0 && in->mode == LESSON_MODE_REAL) {
            uint64_t spent = r->used_us + (wall_us() - t0);
            uint64_t left = spent < r->budget_us ? r->budget_us - spent : 0;
            in->budget_end_us = in->be->ops->now_us(in->be) + left;
        }
        if (m == 1)
            r->rec.real_t0_us = in->be->ops->now_us(in->be);
        int rc = run_step(in, r->step);
        if (rc < 0)
            return rc;
    }
    int brc = build_record(r, model_t0);
    if (brc == 0 && r->recorded && !r->recorded_off) {
        /* The kernel half recorded for this step; a step the recording
         * never ran (a typed what-if line) ends it for the rest. */
        char err[256];
        int arc = lesson_transcript_apply(r->recorded, r->doc, &r->rec, err, sizeof err);
        if (arc == -ENOMEM)
            brc = arc;
        r->recorded_off = arc <= 0;
        /* It grew the expectations and segments to what they hold. */
        r->cap_expects = r->rec.nexpects;
        r->cap_segments = r->rec.nsegments;
        r->cap_results[1] = r->rec.nresults[1];
    }
    r->used_us += wall_us() - t0;
    if (r->budget_us > 0 && r->used_us >= r->budget_us) {
        r->timed_out = true;
        return -ETIMEDOUT;
    }
    return brc;
}

/* The pause before the second look: longer than Linux's shortest
 * delayed ACK (40 ms), so an ACK a busy machine held back has gone. */
#define REPROBE_PAUSE_US 60000

int lesson_runner_reprobe(lesson_runner *r)
{
    interp *in = r->in[1];
    if (!in || r->step < 0)
        return -ENOENT;
    lesson_backend *be = in->be;
    uint64_t t0 = wall_us(), now = be->ops->now_us(be);
    uint64_t end = now + LESSON_REPROBE_LIMIT_US;
    if (r->budget_us > 0) {
        uint64_t left = r->used_us < r->budget_us ? r->budget_us - r->used_us : 0;
        if (now + left < end)
            end = now + left;
    }
    uint64_t pause = now + REPROBE_PAUSE_US < end ? now + REPROBE_PAUSE_US : end;
    while (be->ops->now_us(be) < pause)
        be->ops->advance(be, pause);
    while ((now = be->ops->now_us(be)) < end) {
        uint64_t next = be->ops->next_event_us(be);
        if (next == UINT64_MAX)
            break;
        be->ops->advance(be, next < end ? next : end);
    }
    for (int i = 0; i < in->nsocks; i++) {
        const sockobj *so = &in->socks[i];
        sock_view *sv = &in->view.socks[i];
        if (i >= in->view.nsocks || so->h < 0)
            continue;
        int id = lesson_record_find_sock(&r->rec, sv->name);
        if (id < 0 || !r->rec.socks[id].mode[1].present)
            continue;
        lesson_probe p;
        if (be->ops->probe(be, so->h, &p) == 0)
            sv->probe = r->rec.socks[id].mode[1].probe = p;
    }
    r->used_us += wall_us() - t0;
    return 0;
}

int lesson_runner_step_index(const lesson_runner *r)
{
    return r->step;
}

const lesson_record *lesson_runner_record(const lesson_runner *r)
{
    return r->step >= 0 ? &r->rec : NULL;
}

unsigned lesson_runner_modes(const lesson_runner *r)
{
    return r->modes;
}

void lesson_runner_set_memory_budget(lesson_runner *r, size_t bytes)
{
    for (int m = 0; m < 2; m++)
        if (r->in[m])
            r->in[m]->budget_bytes = bytes;
}

void lesson_runner_keep_events(lesson_runner *r, bool on)
{
    for (int m = 0; m < 2; m++)
        if (r->in[m] && r->in[m]->be->ops->keep_events)
            r->in[m]->be->ops->keep_events(r->in[m]->be, on);
}

const lesson_doc *lesson_runner_doc(const lesson_runner *r)
{
    return r->doc;
}

bool lesson_runner_ended_blocked(const lesson_runner *r)
{
    if (r->step < 0)
        return false;
    const lesson_step *st = &r->doc->steps[r->step];
    for (int m = 0; m < 2; m++) {
        const interp *in = r->in[m];
        if (!in || !any_blocked(in))
            continue;
        bool expected_blocked = false;
        for (size_t i = 0; i < st->nlines; i++) {
            const lesson_line *ln = &st->lines[i];
            const struct lesson_ast *a = ln->ast;
            if (ln->kind == LESSON_LINE_EXPECT && (ln->modes & in->mode) &&
                a->lhs->kind == LX_ATTR && a->lhs->i == LA_BLOCKED && a->rhs->kind == LX_BOOL &&
                a->rhs->i == 1 && a->op == LO_EQ)
                expected_blocked = true;
        }
        if (!expected_blocked)
            return true;
    }
    return false;
}

int lesson_runner_blocked_line(const lesson_runner *r, lesson_mode mode, lesson_side side,
                               const char **code)
{
    /* The record says which line; the document has its code. */
    const lesson_record *rec = lesson_runner_record(r);
    if (!rec || !(rec->modes & mode))
        return 0;
    int line = rec->sides[lesson_mode_slot(mode)][side].blocked_line;
    for (size_t s = 0; code && line && s < r->doc->nsteps; s++)
        for (size_t i = 0; i < r->doc->steps[s].nlines; i++)
            if (r->doc->steps[s].lines[i].line == line)
                *code = r->doc->steps[s].lines[i].code;
    return line;
}
