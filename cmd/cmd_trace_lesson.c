/* cmd_trace_lesson.c: --save-lesson, a traced run written as a lesson
 * (see cmd_trace.h).
 *
 * Each socket call of a run's first process and thread becomes a
 * statement on its side (the server's first socket is `srv`, what it
 * accepts `conn`, `conn2`...; the client's sockets `s`, `s2`...), in the
 * order the calls returned. The sends one Python line made (sendall's
 * sends) are one `sendall()`; bytes beyond what the preload library
 * copied come from a generated `file` of the same size. A step ends after
 * a call that blocked, so each step holds the calls between two waits.
 * What the kernel returned becomes the step's expectations (the bytes a
 * recv returned, when all of them were copied), so `check --sim` shows
 * where the model and the student's kernel agree. Other processes and
 * threads, and calls a lesson cannot make, are comments.
 */
#include "cmd_trace.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base_text.h"

enum { LESSON_SOCKS = 32, STEP_MAX_LINES = 12, LESSON_BREAKS = 64 };

/* A step ends where a call that waited returned. */
typedef struct {
    uint64_t end_us;
    char title[400];
} brk;

typedef struct {
    int run, fd;
    char name[16];
} sock_name;

typedef struct {
    sock_name socks[LESSON_SOCKS];
    int nsocks;
    int count[3]; /* the server's own sockets, its accepted ones, the client's */
    int lines_in_step;
    int step;
    /* Expectations not yet written: each goes at the end of the step in
     * which its call returned (end_us), the newest of a side's `data`. */
    char expect[8][640];
    uint64_t expect_end_us[8];
    int expect_run[8];
    int nexpect;
    bool filler;               /* some bytes sent are b'x' in the lesson: recv's bytes differ */
    brk breaks[LESSON_BREAKS]; /* the waits not yet made a step's end */
    int nbreaks;
} writer;

static const char *name_of(writer *w, int run, int fd)
{
    for (int i = w->nsocks - 1; i >= 0; i--)
        if (w->socks[i].run == run && w->socks[i].fd == fd)
            return w->socks[i].name;
    return NULL;
}

static const char *add_name(writer *w, int run, int fd, bool accepted)
{
    if (w->nsocks == LESSON_SOCKS)
        return NULL;
    sock_name *n = &w->socks[w->nsocks++];
    n->run = run;
    n->fd = fd;
    int k = ++w->count[run == 0 ? (accepted ? 1 : 0) : 2];
    if (run == 0 && !accepted && k == 1)
        snprintf(n->name, sizeof n->name, "srv");
    else if (run == 0 && !accepted)
        snprintf(n->name, sizeof n->name, "srv%d", k);
    else if (run == 0)
        snprintf(n->name, sizeof n->name, k == 1 ? "conn" : "conn%d", k);
    else
        snprintf(n->name, sizeof n->name, k == 1 ? "s" : "s%d", k);
    return n->name;
}

/* Writes the expectations of calls that returned by upto_us (all when
 * UINT64_MAX): per side, the newest. */
static void flush_step(writer *w, FILE *f, uint64_t upto_us)
{
    for (int run = 0; run < 2; run++) {
        int newest = -1;
        for (int i = 0; i < w->nexpect; i++)
            if (w->expect_run[i] == run && w->expect_end_us[i] <= upto_us &&
                (newest < 0 || w->expect_end_us[i] >= w->expect_end_us[newest]))
                newest = i;
        if (newest >= 0)
            fprintf(f, "%s\n", w->expect[newest]);
    }
    int k = 0;
    for (int i = 0; i < w->nexpect; i++)
        if (w->expect_end_us[i] > upto_us) {
            memmove(w->expect[k], w->expect[i], sizeof w->expect[0]);
            w->expect_end_us[k] = w->expect_end_us[i];
            w->expect_run[k] = w->expect_run[i];
            k++;
        }
    w->nexpect = k;
}

static void new_step_at(writer *w, FILE *f, const char *why, uint64_t at_us)
{
    flush_step(w, f, at_us);
    w->step++;
    fprintf(f, "\nstep     %s\n", why);
    w->lines_in_step = 0;
}

static void new_step(writer *w, FILE *f, const char *why)
{
    new_step_at(w, f, why, 0);
}

/* When the call began, since the run's start. */
static uint64_t begin_us(const trace_event *e)
{
    return e->t_us > e->took_us ? e->t_us - e->took_us : 0;
}

static const trace_session *sort_s; /* qsort's comparator has no context */

static int by_begin(const void *a, const void *b)
{
    const trace_event *x = trace_event_at(sort_s, *(const size_t *)a);
    const trace_event *y = trace_event_at(sort_s, *(const size_t *)b);
    uint64_t bx = begin_us(x), by = begin_us(y);
    if (bx != by)
        return bx < by ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A statement that began at begin_us: a new step first when a call that
 * waited returned before it. */
static void take_break(writer *w, FILE *f, uint64_t at_us)
{
    int last = -1;
    for (int i = 0; i < w->nbreaks; i++)
        if (w->breaks[i].end_us <= at_us &&
            (last < 0 || w->breaks[i].end_us > w->breaks[last].end_us))
            last = i;
    if (last < 0)
        return;
    char title[400];
    snprintf(title, sizeof title, "%s", w->breaks[last].title);
    int k = 0;
    for (int i = 0; i < w->nbreaks; i++)
        if (w->breaks[i].end_us > at_us)
            w->breaks[k++] = w->breaks[i];
    w->nbreaks = k;
    new_step_at(w, f, title, at_us);
}

static const char *side_of(int run)
{
    return run == 0 ? "server" : "client";
}

/* ('localhost', PORT) from "127.0.0.1:PORT"; other hosts as written. */
static void addr_arg(const char *a, char *buf, size_t cap)
{
    const char *colon = strrchr(a, ':');
    if (!colon) {
        snprintf(buf, cap, "('localhost', 8080)");
        return;
    }
    if (!strncmp(a, "127.", 4) || !strncmp(a, "0.0.0.0", 7))
        snprintf(buf, cap, "('localhost', %s)", colon + 1);
    else
        snprintf(buf, cap, "('%.*s', %s)", (int)(colon - a), a, colon + 1);
}

static const char *sol_name(int64_t level, int64_t name)
{
    if (level == 1 && name == 7)
        return "socket.SOL_SOCKET, socket.SO_SNDBUF";
    if (level == 1 && name == 8)
        return "socket.SOL_SOCKET, socket.SO_RCVBUF";
    if (level == 1 && name == 2)
        return "socket.SOL_SOCKET, socket.SO_REUSEADDR";
    if (level == 6 && name == 1)
        return "socket.IPPROTO_TCP, socket.TCP_NODELAY";
    return NULL;
}

/* The lesson's NAME: the file's base name in [a-z0-9-]. */
static void lesson_name(const char *path, char *buf, size_t cap)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = 0;
    for (; *b && *b != '.' && n + 1 < cap; b++) {
        char c = (char)tolower((unsigned char)*b);
        buf[n++] = isalnum((unsigned char)c) ? c : '-';
    }
    buf[n] = '\0';
    if (!n)
        snprintf(buf, cap, "traced");
}

int cmd_trace_save_lesson(const trace_session *s, const trace_opts *o, const char *path,
                          FILE *errout)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(errout, "sockbuf trace: --save-lesson %s: %s\n", path, strerror(errno));
        return -1;
    }
    writer w;
    memset(&w, 0, sizeof w);
    char name[64], text[300], rep[600];
    lesson_name(path, name, sizeof name);
    size_t n = trace_event_count(s);
    if (trace_events_dropped(s))
        fprintf(errout,
                "sockbuf trace: --save-lesson: the first %llu calls left the ring; the lesson "
                "starts after them\n",
                (unsigned long long)trace_events_dropped(s));
    fprintf(f, "# Written by sockbuf trace from a run of:\n");
    for (int r = 0; r < o->nruns; r++)
        fprintf(f, "#   %s: %s\n", trace_run_name(s, r), o->runs[r]);
    fprintf(f, "# Each socket call is a statement; a step ends where a call blocked.\n");
    fprintf(f, "# The expectations are what the kernel returned in that run.\n");
    fprintf(f, "lesson   %s\n", name);
    fprintf(f, "title    Traced: %s\n", o->nruns >= 2 ? "your server and client" : "your program");
    uint64_t bps = o->link.rate_bps;
    const char *unit = bps % 1000000000 == 0 ? "Gbit"
                       : bps % 1000000 == 0  ? "Mbit"
                       : bps % 1000 == 0     ? "kbit"
                                             : "bit";
    uint64_t div = bps % 1000000000 == 0 ? 1000000000
                   : bps % 1000000 == 0  ? 1000000
                   : bps % 1000 == 0     ? 1000
                                         : 1;
    fprintf(f, "model    latency=%lluus rate=%llu%s mss=%u\n",
            (unsigned long long)o->link.latency_us, (unsigned long long)(bps / div), unit,
            o->link.mss_bytes);
    bool *used = calloc(n ? n : 1, sizeof *used);
    if (!used) {
        fclose(f);
        fprintf(errout, "sockbuf trace: --save-lesson: out of memory\n");
        return -1;
    }
    size_t *order = calloc(n ? n : 1, sizeof *order);
    if (!order) {
        free(used);
        fclose(f);
        fprintf(errout, "sockbuf trace: --save-lesson: out of memory\n");
        return -1;
    }
    /* The statements in the order the calls began: a call that waits
     * comes before the other side's call that ends its wait. */
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sort_s = s;
    qsort(order, n, sizeof *order, by_begin);
    uint64_t last_end[2] = {0, 0};
    new_step(&w, f, "The programs start");
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        const trace_event *e = trace_event_at(s, i);
        if (used[i])
            continue;
        if (e->done || e->call == TRACE_C_SEND)
            take_break(&w, f, begin_us(e));
        /* A process that made no socket call for a while (a sleep, work)
         * waited: a step ends there too. */
        if (e->done && e->proc == 0 && e->thread == 0 && e->run < 2 && last_end[e->run] &&
            begin_us(e) > last_end[e->run] + 100000 && w.lines_in_step) {
            char title[80];
            snprintf(title, sizeof title, "The %s goes on after %.1f s without a socket call",
                     side_of(e->run), (double)(begin_us(e) - last_end[e->run]) / 1e6);
            new_step_at(&w, f, title, begin_us(e));
        }
        if (e->done && e->proc == 0 && e->thread == 0 && e->run < 2)
            last_end[e->run] = e->t_us;
        const char *side = side_of(e->run);
        bool mine = e->proc == 0 && e->thread == 0 && o->nruns >= 2 && e->run < 2;
        const char *var = e->fd >= 0 ? name_of(&w, e->run, e->fd) : NULL;
        if (!e->done && e->call != TRACE_C_SEND)
            continue; /* the call's end comes later */
        if (!mine ||
            (e->done && e->ret < 0 && e->call != TRACE_C_RECV && e->call != TRACE_C_SEND)) {
            trace_call_text(e, text, sizeof text);
            trace_result_text(e, rep, sizeof rep);
            fprintf(f, "# %s %d/%d %s: %s -> %s\n", side, e->proc, e->thread,
                    e->where[0] ? e->where : "-", text, rep);
            continue;
        }
        if (w.lines_in_step >= STEP_MAX_LINES)
            new_step_at(&w, f, "The programs go on", begin_us(e));
        bool blocked = !e->done || e->took_us >= 200000;
        uint64_t end_us = e->t_us;
        switch (e->call) {
        case TRACE_C_SOCKET:
            var = add_name(&w, e->run, (int)e->ret, false);
            if (!var)
                continue;
            fprintf(f, "%s:  %s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n", side, var);
            break;
        case TRACE_C_BIND:
        case TRACE_C_CONNECT:
            if (!var)
                continue;
            addr_arg(e->addr, text, sizeof text);
            fprintf(f, "%s:  %s.%s(%s)\n", side, var, e->call == TRACE_C_BIND ? "bind" : "connect",
                    text);
            break;
        case TRACE_C_LISTEN:
            if (!var)
                continue;
            fprintf(f, "%s:  %s.listen(%lld)\n", side, var, (long long)e->arg[0]);
            break;
        case TRACE_C_ACCEPT: {
            const char *c = add_name(&w, e->run, (int)e->ret, true);
            if (!var || !c)
                continue;
            fprintf(f, "%s:  %s, addr = %s.accept()\n", side, c, var);
            break;
        }
        case TRACE_C_SEND: {
            if (!var)
                continue;
            /* One Python line's sends (and its blocked reports): one
             * sendall, until that process makes another call (the other
             * side's calls come in between). */
            uint64_t total = 0;
            bool all_copied = true, any_blocked = false;
            uint8_t bytes[TRACE_DATA_MAX];
            size_t nb = 0;
            for (size_t j = i; j < n; j++) {
                const trace_event *g = trace_event_at(s, j);
                if (g->run != e->run || g->proc != e->proc || g->thread != e->thread)
                    continue;
                if (g->fd != e->fd || g->call != TRACE_C_SEND || strcmp(g->where, e->where))
                    break;
                used[j] = true;
                if (!g->done || g->took_us >= 200000)
                    any_blocked = true;
                if (!g->done)
                    continue;
                end_us = g->t_us;
                if (g->ret > 0) {
                    total += (uint64_t)g->ret;
                    if (g->ndata < g->ret || nb + g->ndata > sizeof bytes)
                        all_copied = false;
                    else {
                        memcpy(bytes + nb, g->data, g->ndata);
                        nb += g->ndata;
                    }
                }
            }
            blocked = any_blocked;
            if (!total)
                continue;
            if (all_copied) {
                base_repr(rep, sizeof rep, bytes, nb, true, sizeof rep);
                fprintf(f, "%s:  %s.sendall(%s)\n", side, var, rep);
            } else {
                /* Only the first bytes were copied: the same count. */
                w.filler = true;
                fprintf(f, "%s:  %s.sendall(b'x' * %llu)\n", side, var, (unsigned long long)total);
            }
            break;
        }
        case TRACE_C_RECV:
            if (!var)
                continue;
            fprintf(f, "%s:  data = %s.recv(%lld)\n", side, var, (long long)e->arg[0]);
            if (e->done && e->ret >= 0 && (uint64_t)e->ret == e->ndata && !w.filler &&
                w.nexpect < 8) {
                base_repr(rep, sizeof rep, e->data, e->ndata, true, sizeof rep);
                w.expect_end_us[w.nexpect] = e->t_us;
                w.expect_run[w.nexpect] = e->run;
                snprintf(w.expect[w.nexpect++], sizeof w.expect[0], "expect   %s: data == %s", side,
                         rep);
            }
            break;
        case TRACE_C_SETSOCKOPT: {
            const char *opt = sol_name(e->arg[0], e->arg[1]);
            if (!var || !opt) {
                trace_call_text(e, text, sizeof text);
                fprintf(f, "# %s %s: %s\n", side, e->where, text);
                continue;
            }
            fprintf(f, "%s:  %s.setsockopt(%s, %lld)\n", side, var, opt, (long long)e->arg[2]);
            break;
        }
        case TRACE_C_SHUTDOWN:
            if (!var)
                continue;
            fprintf(f, "%s:  %s.shutdown(%s)\n", side, var,
                    e->arg[0] == 0   ? "socket.SHUT_RD"
                    : e->arg[0] == 1 ? "socket.SHUT_WR"
                                     : "socket.SHUT_RDWR");
            break;
        case TRACE_C_CLOSE:
            if (!var)
                continue;
            fprintf(f, "%s:  %s.close()\n", side, var);
            break;
        default:
            trace_call_text(e, text, sizeof text);
            fprintf(f, "# %s %s: %s\n", side, e->where[0] ? e->where : "-", text);
            continue;
        }
        w.lines_in_step++;
        if (blocked && w.nbreaks < LESSON_BREAKS) {
            brk *b = &w.breaks[w.nbreaks++];
            trace_call_text(e, text, sizeof text);
            snprintf(b->title, sizeof b->title, "After the %s's %.300s, which waited", side,
                     e->call == TRACE_C_SEND ? "sendall()" : text);
            b->end_us = end_us;
        }
    }
    flush_step(&w, f, UINT64_MAX);
    free(order);
    free(used);
    int rc = 0;
    if (fclose(f) != 0) {
        fprintf(errout, "sockbuf trace: --save-lesson %s: %s\n", path, strerror(errno));
        rc = -1;
    }
    return rc;
}
