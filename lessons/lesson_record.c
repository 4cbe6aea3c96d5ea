/* lesson_record.c: the step record's lookups (TCP states, exceptions and
 * event kinds over base_names.h's tables; statuses), its byte queues, and
 * copying. See lesson_record.h.
 *
 * Called by the parser (state and exception names), the runner (which
 * fills records), the backends (Linux state numbers) and every reader of
 * a record: the window, `run` and the transcript.
 */
#include "lesson_record.h"

#include "base_names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ TCP states */

/* The names, Linux's numbers and the errnos are base_names.h's tables;
 * lesson_tcp_state and lesson_exc have their values. */

const char *lesson_tcp_state_name(lesson_tcp_state s)
{
    return base_tcp_state_name((base_tcp_state)s);
}

static bool same_word(const char *a, size_t alen, const char *b)
{
    return strlen(b) == alen && !memcmp(a, b, alen);
}

int lesson_tcp_state_parse(const char *name, size_t len, lesson_tcp_state *out, bool *any_fin_wait)
{
    if (any_fin_wait)
        *any_fin_wait = false;
    if (same_word(name, len, "FIN_WAIT")) {
        *out = LESSON_TCP_FIN_WAIT1;
        if (any_fin_wait)
            *any_fin_wait = true;
        return 0;
    }
    base_tcp_state s;
    int rc = base_tcp_state_parse(name, len, &s);
    if (rc == 0)
        *out = (lesson_tcp_state)s;
    return rc;
}

lesson_tcp_state lesson_tcp_state_of_linux(int tcpi_state)
{
    base_tcp_state s = base_tcp_state_of_linux(tcpi_state);
    return s == BASE_TCP_NSTATES ? LESSON_TCP_CLOSED : (lesson_tcp_state)s;
}

bool lesson_tcp_state_connected(lesson_tcp_state s)
{
    return base_tcp_state_connected((base_tcp_state)s);
}

/* ------------------------------------------------------------ exceptions */

const char *lesson_exc_name(lesson_exc e)
{
    return base_exc_name((base_exc)e);
}

int lesson_exc_parse(const char *name, size_t len, lesson_exc *out)
{
    base_exc e;
    int rc = base_exc_parse(name, len, &e);
    if (rc == 0)
        *out = (lesson_exc)e;
    return rc;
}

lesson_exc lesson_exc_of_errno(int neg_errno)
{
    /* The runner's own allocations: MemoryError, as Python raises. */
    if (neg_errno == -ENOMEM || neg_errno == ENOMEM)
        return LESSON_EXC_MEMORY;
    return (lesson_exc)base_exc_of_errno(neg_errno);
}

/* ------------------------------------------------------------ statuses */

const char *lesson_stmt_state_name(lesson_stmt_state s)
{
    switch (s) {
    case LESSON_STMT_DONE:
        return "done";
    case LESSON_STMT_BLOCKED:
        return "blocked";
    case LESSON_STMT_ERROR:
        return "error";
    default:
        return "pending";
    }
}

char *lesson_status_text(lesson_status st, char *out, size_t outlen)
{
    if (st.state == LESSON_STMT_ERROR)
        snprintf(out, outlen, "error: %s", lesson_exc_name(st.exc));
    else
        snprintf(out, outlen, "%s", lesson_stmt_state_name(st.state));
    return out;
}

/* ---------------------------------------------------------- byte queues */

void lesson_queue_push(lesson_queue *q, uint32_t origin, uint32_t bytes)
{
    lesson_queue_push_at(q, origin, 0, bytes);
}

void lesson_queue_push_at(lesson_queue *q, uint32_t origin, uint32_t offset_bytes, uint32_t bytes)
{
    if (!bytes)
        return;
    q->bytes += bytes;
    if (q->n > 0 && q->run[q->n - 1].origin == origin) {
        q->run[q->n - 1].bytes += bytes;
        return;
    }
    if (q->n == LESSON_MAX_RUNS) {
        /* Full: the newest bytes join the last run (its colour wins). */
        q->run[q->n - 1].bytes += bytes;
        return;
    }
    q->run[q->n++] = (lesson_byte_run){origin, bytes, offset_bytes};
}

void lesson_queue_pop(lesson_queue *q, uint32_t bytes, lesson_queue *moved)
{
    int i = 0;
    while (bytes > 0 && i < q->n) {
        uint32_t take = q->run[i].bytes < bytes ? q->run[i].bytes : bytes;
        if (moved)
            lesson_queue_push_at(moved, q->run[i].origin, q->run[i].offset_bytes, take);
        q->run[i].bytes -= take;
        q->run[i].offset_bytes += take;
        q->bytes -= take;
        bytes -= take;
        if (q->run[i].bytes == 0)
            i++;
    }
    if (i > 0) {
        memmove(q->run, q->run + i, sizeof(lesson_byte_run) * (size_t)(q->n - i));
        q->n -= i;
    }
    if (bytes > 0 && q->n == 0)
        q->bytes = 0;
}

void lesson_write_log_add(lesson_write_log *l, uint32_t origin, const uint8_t *data, uint32_t n)
{
    if (!n || !data || !origin)
        return;
    lesson_write_bytes *w = l->n > 0 ? &l->w[l->n - 1] : NULL;
    if (!w || w->origin != origin) {
        if (l->n == LESSON_MAX_WRITES) {
            memmove(l->w, l->w + 1, sizeof l->w[0] * (LESSON_MAX_WRITES - 1));
            l->n--;
        }
        w = &l->w[l->n++];
        memset(w, 0, sizeof *w);
        w->origin = origin;
        w->uniform = true;
        w->head[0] = data[0];
    }
    for (uint32_t i = 0; i < n && w->uniform; i++)
        w->uniform = data[i] == w->head[0];
    for (uint32_t i = 0; w->bytes + i < LESSON_WRITE_HEAD && i < n; i++)
        w->head[w->bytes + i] = data[i];
    /* the tail: the last TAIL bytes of what was there and what comes */
    uint32_t keep = n >= LESSON_WRITE_TAIL ? 0 : LESSON_WRITE_TAIL - n;
    uint32_t had = w->bytes < LESSON_WRITE_TAIL ? w->bytes : LESSON_WRITE_TAIL;
    if (keep > had)
        keep = had;
    uint8_t t[LESSON_WRITE_TAIL];
    memcpy(t, w->tail + had - keep, keep);
    uint32_t take = n < LESSON_WRITE_TAIL ? n : LESSON_WRITE_TAIL;
    memcpy(t + keep, data + n - take, take);
    memcpy(w->tail, t, keep + take);
    w->bytes += n;
}

int lesson_write_log_byte(const lesson_write_log *l, uint32_t origin, uint32_t offset)
{
    for (int i = l->n; i-- > 0;) {
        const lesson_write_bytes *w = &l->w[i];
        if (w->origin != origin)
            continue;
        if (offset >= w->bytes)
            return -1;
        if (w->uniform)
            return w->head[0];
        if (offset < LESSON_WRITE_HEAD)
            return w->head[offset];
        uint32_t tn = w->bytes < LESSON_WRITE_TAIL ? w->bytes : LESSON_WRITE_TAIL;
        if (offset >= w->bytes - tn)
            return w->tail[offset - (w->bytes - tn)];
        return -1;
    }
    return -1;
}

/* -------------------------------------------------------------- copies */

static void *dup_array(const void *src, size_t n, size_t size, int *fail)
{
    if (!n || !src)
        return NULL;
    void *d = malloc(n * size);
    if (!d) {
        *fail = 1;
        return NULL;
    }
    memcpy(d, src, n * size);
    return d;
}

int lesson_record_copy(lesson_record *dst, const lesson_record *src)
{
    int fail = 0;
    *dst = *src;
    dst->stmts = dup_array(src->stmts, (size_t)src->nstmts, sizeof *src->stmts, &fail);
    dst->expects = dup_array(src->expects, (size_t)src->nexpects, sizeof *src->expects, &fail);
    dst->events = dup_array(src->events, src->nevents, sizeof *src->events, &fail);
    dst->segments = dup_array(src->segments, src->nsegments, sizeof *src->segments, &fail);
    for (int m = 0; m < LESSON_MODE_SLOTS; m++)
        dst->results[m] =
            dup_array(src->results[m], (size_t)src->nresults[m], sizeof *src->results[m], &fail);
    if (fail) {
        lesson_record_free(dst);
        return -ENOMEM;
    }
    return 0;
}

void lesson_record_free(lesson_record *r)
{
    if (!r)
        return;
    free(r->stmts);
    free(r->expects);
    free(r->events);
    free(r->segments);
    for (int m = 0; m < LESSON_MODE_SLOTS; m++)
        free(r->results[m]);
    memset(r, 0, sizeof *r);
    r->step = -1;
}

int lesson_record_shown_sock(const lesson_record *r, lesson_side side)
{
    int open = -1, closed = -1, listener = -1;
    if (!r)
        return -1;
    int slot = (r->modes & LESSON_MODE_SIM) ? 0 : 1;
    for (int i = 0; i < r->nsocks; i++) {
        const lesson_rec_sock *s = &r->socks[i];
        const lesson_sock_mode *m = &s->mode[slot];
        if (s->side != side || !m->present)
            continue;
        if (m->probe.state == LESSON_TCP_LISTEN) {
            if (listener < 0)
                listener = i;
        } else if (m->closed || m->probe.state == LESSON_TCP_CLOSED) {
            closed = i;
        } else if (open < 0) {
            open = i;
        }
    }
    return open >= 0 ? open : closed >= 0 ? closed : listener;
}

int lesson_record_find_sock(const lesson_record *r, const char *name)
{
    for (int i = 0; r && i < r->nsocks; i++)
        if (!strcmp(r->socks[i].name, name))
            return i;
    return -1;
}

bool lesson_event_travels(lesson_event_kind k)
{
    return base_event_leaves((base_event_kind)k);
}

const char *lesson_event_chip(lesson_event_kind k)
{
    return base_event_kind_chip((base_event_kind)k);
}

const char *lesson_wire_name(lesson_wire w)
{
    return w == LESSON_WIRE_EMULATED ? "emulated"
                                     : (w == LESSON_WIRE_LOOPBACK ? "loopback" : "none");
}

/* The segment flags' names, in the order the transcript writes them. */
static const struct {
    uint8_t bit;
    const char *name;
} seg_flag_names[] = {{LESSON_SEG_SYN, "SYN"},
                      {LESSON_SEG_FIN, "FIN"},
                      {LESSON_SEG_RST, "RST"},
                      {LESSON_SEG_PSH, "PSH"},
                      {LESSON_SEG_ACK, "ACK"}};
enum { N_SEG_FLAGS = sizeof seg_flag_names / sizeof seg_flag_names[0] };

char *lesson_segment_flags_text(uint8_t flags, char *out, size_t outlen)
{
    size_t len = 0;
    if (outlen == 0)
        return out;
    out[0] = '\0';
    for (size_t i = 0; i < N_SEG_FLAGS; i++)
        if (flags & seg_flag_names[i].bit) {
            int n = snprintf(out + len, outlen - len, "%s%s", len ? "|" : "",
                             seg_flag_names[i].name);
            if (n < 0 || (size_t)n >= outlen - len)
                break;
            len += (size_t)n;
        }
    return out;
}

uint8_t lesson_segment_flags_parse(const char *text)
{
    uint8_t f = 0;
    while (*text) {
        size_t n = strcspn(text, "|");
        for (size_t i = 0; i < N_SEG_FLAGS; i++)
            if (strlen(seg_flag_names[i].name) == n && !strncmp(text, seg_flag_names[i].name, n))
                f |= seg_flag_names[i].bit;
        text += n;
        if (*text)
            text++;
    }
    return f;
}

void lesson_record_set_question(lesson_record *rec, const lesson_step *step)
{
    memset(&rec->question, 0, sizeof rec->question);
    const lesson_question *q = step ? step->question : NULL;
    if (!q)
        return;
    rec->question.present = true;
    rec->question.key = q->answer;
    rec->question.line = q->answer_line;
    for (int e = 0; e < rec->nexpects; e++) {
        const lesson_expect_result *x = &rec->expects[e];
        if (x->line != q->answer_line)
            continue;
        int m = lesson_mode_slot(x->mode);
        rec->question.checked[m] = true;
        rec->question.held[m] = x->ok;
        rec->question.skipped[m] = x->skipped;
        snprintf(rec->question.got[m], sizeof rec->question.got[m], "%s", x->got);
    }
}
