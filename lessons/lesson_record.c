/* lesson_record.c: the step record's tables (TCP states, exceptions,
 * statuses), its byte queues, and copying. See lesson_record.h.
 *
 * Called by the parser (state and exception names), the runner (which
 * fills records), the backends (Linux state numbers) and every reader of
 * a record: the window, `run` and the transcript.
 */
#include "lesson_record.h"

#include "base_text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ TCP states */

/* Linux's number of each state (include/net/tcp_states.h): the names are
 * base_tcp_state_name()'s, the one table. */
static const int tcp_linux[LESSON_TCP_NSTATES] = {
    [LESSON_TCP_CLOSED] = 7,    [LESSON_TCP_LISTEN] = 10,     [LESSON_TCP_SYN_SENT] = 2,
    [LESSON_TCP_SYN_RECV] = 3,  [LESSON_TCP_ESTABLISHED] = 1, [LESSON_TCP_FIN_WAIT1] = 4,
    [LESSON_TCP_FIN_WAIT2] = 5, [LESSON_TCP_CLOSE_WAIT] = 8,  [LESSON_TCP_CLOSING] = 11,
    [LESSON_TCP_LAST_ACK] = 9,  [LESSON_TCP_TIME_WAIT] = 6,
};

const char *lesson_tcp_state_name(lesson_tcp_state s)
{
    return (unsigned)s < LESSON_TCP_NSTATES ? base_tcp_state_name(tcp_linux[s]) : "?";
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
    for (int s = 0; s < LESSON_TCP_NSTATES; s++)
        if (same_word(name, len, lesson_tcp_state_name((lesson_tcp_state)s))) {
            *out = (lesson_tcp_state)s;
            return 0;
        }
    return -EINVAL;
}

lesson_tcp_state lesson_tcp_state_of_linux(int tcpi_state)
{
    for (int s = 0; s < LESSON_TCP_NSTATES; s++)
        if (tcp_linux[s] == tcpi_state)
            return (lesson_tcp_state)s;
    return tcpi_state == 12 ? LESSON_TCP_SYN_RECV : LESSON_TCP_CLOSED; /* TCP_NEW_SYN_RECV */
}

bool lesson_tcp_state_connected(lesson_tcp_state s)
{
    return s == LESSON_TCP_ESTABLISHED || s == LESSON_TCP_CLOSE_WAIT || s == LESSON_TCP_FIN_WAIT1 ||
           s == LESSON_TCP_FIN_WAIT2;
}

/* ------------------------------------------------------------ exceptions */

static const char *const exc_names[LESSON_EXC_COUNT] = {
    [LESSON_EXC_NONE] = "None",
    [LESSON_EXC_CONNECTION_RESET] = "ConnectionResetError",
    [LESSON_EXC_BROKEN_PIPE] = "BrokenPipeError",
    [LESSON_EXC_BLOCKING_IO] = "BlockingIOError",
    [LESSON_EXC_CONNECTION_REFUSED] = "ConnectionRefusedError",
    [LESSON_EXC_CONNECTION_ABORTED] = "ConnectionAbortedError",
    [LESSON_EXC_TIMEOUT] = "TimeoutError",
    [LESSON_EXC_INTERRUPTED] = "InterruptedError",
    [LESSON_EXC_OS] = "OSError",
    [LESSON_EXC_FILE_NOT_FOUND] = "FileNotFoundError",
    [LESSON_EXC_PERMISSION] = "PermissionError",
    [LESSON_EXC_TYPE] = "TypeError",
    [LESSON_EXC_VALUE] = "ValueError",
    [LESSON_EXC_NAME] = "NameError",
    [LESSON_EXC_ATTRIBUTE] = "AttributeError",
    [LESSON_EXC_OVERFLOW] = "OverflowError",
    [LESSON_EXC_MEMORY] = "MemoryError",
};

const char *lesson_exc_name(lesson_exc e)
{
    return (unsigned)e < LESSON_EXC_COUNT ? exc_names[e] : "OSError";
}

int lesson_exc_parse(const char *name, size_t len, lesson_exc *out)
{
    for (int e = 1; e < LESSON_EXC_COUNT; e++)
        if (same_word(name, len, exc_names[e])) {
            *out = (lesson_exc)e;
            return 0;
        }
    return -EINVAL;
}

lesson_exc lesson_exc_of_errno(int neg_errno)
{
    /* The runner's own allocations: MemoryError, as Python raises. */
    if (neg_errno == -ENOMEM || neg_errno == ENOMEM)
        return LESSON_EXC_MEMORY;
    const char *name = base_exception_name(neg_errno);
    lesson_exc e;
    return lesson_exc_parse(name, strlen(name), &e) == 0 ? e : LESSON_EXC_OS;
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
    return k == LESSON_EV_SEGMENT || k == LESSON_EV_ACK || k == LESSON_EV_WINDOW ||
           k == LESSON_EV_PROBE || k == LESSON_EV_SYN || k == LESSON_EV_FIN || k == LESSON_EV_RST;
}

const char *lesson_wire_name(lesson_wire w)
{
    return w == LESSON_WIRE_EMULATED ? "emulated"
                                     : (w == LESSON_WIRE_LOOPBACK ? "loopback" : "none");
}

char *lesson_segment_flags_text(uint8_t flags, char *out, size_t outlen)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } names[] = {{LESSON_SEG_SYN, "SYN"},
                 {LESSON_SEG_FIN, "FIN"},
                 {LESSON_SEG_RST, "RST"},
                 {LESSON_SEG_PSH, "PSH"},
                 {LESSON_SEG_ACK, "ACK"}};
    size_t len = 0;
    if (outlen == 0)
        return out;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (flags & names[i].bit) {
            int n = snprintf(out + len, outlen - len, "%s%s", len ? "|" : "", names[i].name);
            if (n < 0 || (size_t)n >= outlen - len)
                break;
            len += (size_t)n;
        }
    return out;
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
