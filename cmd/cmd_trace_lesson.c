/* cmd_trace_lesson.c: --save-lesson, a traced run written as a lesson
 * (see cmd_trace.h).
 *
 * Each socket call of every run's first process and thread becomes a
 * statement on its side: the server's (the first socket `srv`, what it
 * accepts `conn`, `conn2`...) and the client's, which every client run
 * shares as 07-chat-many's clients do (the first client's sockets `s`,
 * `s2`..., its bytes `data`; client 2's `c2`, `c2_2`..., `data2`...).
 * Statements come in the order the calls began; with two clients or
 * more, a client's recv comes where it returned (the client side runs its
 * statements one after another: a recv that waited for another client's
 * send must come after it). The sends one Python line made (sendall's
 * sends) are one `sendall()`; bytes beyond what the preload library
 * copied come from b'x' of the same count. The recvs one line made in a
 * row (a loop reading until it has all) are one recv(TOTAL, MSG_WAITALL):
 * how many recvs a loop takes depends on timing, their total does not.
 *
 * A step ends where a call that waited returned, and before a recv that
 * read what had arrived when the peer's sends are in the same step (the
 * step settles first, so the recv finds them in both modes). Only
 * expectations that do not depend on the run's timing are written: the
 * bytes of a recv that took everything its peer had sent (or their count,
 * where b'x' stands for them), the total a collapsed loop read, b'' after
 * the peer closed; each when every byte and FIN it needs is sent by the
 * lesson's statements so far. Where a step ends with a send waiting or
 * bytes unread beyond one segment, how many bytes each buffer holds is
 * the kernel's own sizing (autotuning, each segment's overhead): the step
 * says why the model's figures differ. Other processes and threads, and
 * calls a lesson cannot make, are comments.
 */
#include "cmd_trace.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base_text.h"

enum {
    LESSON_SOCKS = 32,
    STEP_MAX_LINES = 12,
    LESSON_BREAKS = 64,
    LESSON_EXPECTS = 16,
    LESSON_CONNS = 16,
    WAITALL_MAX = 64 << 20, /* a lesson's bytes value is at most 64 MiB */
};

/* A step ends where a call that waited returned. */
typedef struct {
    uint64_t end_us; /* when the call returned, since the run's start */
    char title[400]; /* the next step's title */
} brk;

/* One connection, as the lesson's statements have used it so far; its
 * ends are 0 (the server's) and 1 (the client's). */
typedef struct {
    uint64_t sent[2];      /* bytes each end's sendall()s put in */
    uint64_t rcvd[2];      /* bytes each end's recv()s took */
    bool closed[2];        /* the end closed or shut down for writing */
    int sent_step[2];      /* the step of the end's latest sendall (0: none) */
    uint64_t last_send[2]; /* the bytes of the end's latest sendall */
    uint64_t open_us[2];   /* the end's latest sendall returned then in the run */
} conn_use;

typedef struct {
    int run, fd;   /* whose descriptor */
    char name[16]; /* the lesson's name for it */
    int conn;      /* its connection in conns, or -1 */
} sock_name;

/* An expectation written at the end of the first step in which what it
 * needs is in the statements: the peer's bytes (need) and its FIN (eof).
 * A later recv into the same variable drops it. */
typedef struct {
    char var[16];   /* the variable the recv bound */
    int conn, end;  /* its connection, and which end read */
    uint64_t need;  /* the peer end's bytes sent that it read (all up to them) */
    bool eof;       /* it returned b'': the peer's close must be in too */
    uint64_t one;   /* > 0: valid only if the peer's bytes up to need came in
                       one sendall of this many bytes */
    char text[640]; /* the expect line */
} pending_expect;

typedef struct {
    sock_name socks[LESSON_SOCKS];         /* the sockets named so far */
    int nsocks;                            /* of them */
    int own[TRACE_MAX_RUNS];               /* sockets each run made */
    int accepted;                          /* the server's accepted sockets */
    conn_use conns[LESSON_CONNS];          /* the connections, by pair_ends() */
    int naccepts, nconnects;               /* the k-th accept is the k-th connect's peer */
    int lines_in_step;                     /* statements in the current step */
    int step;                              /* the current step's number (1...) */
    pending_expect expect[LESSON_EXPECTS]; /* expectations not written yet */
    int nexpect;                           /* of them */
    bool filler;               /* some bytes sent are b'x' in the lesson: recv's bytes differ */
    brk breaks[LESSON_BREAKS]; /* the waits not yet made a step's end */
    int nbreaks;               /* of them */
    uint32_t mss_bytes;        /* the link's: more unread than this is the kernel's sizing */
} writer;

static const char *side_of(int run)
{
    return run == 0 ? "server" : "client";
}

static const sock_name *sock_of(writer *w, int run, int fd)
{
    for (int i = w->nsocks - 1; i >= 0; i--)
        if (w->socks[i].run == run && w->socks[i].fd == fd)
            return &w->socks[i];
    return NULL;
}

static sock_name *add_sock(writer *w, int run, int fd, bool accepted)
{
    if (w->nsocks == LESSON_SOCKS)
        return NULL;
    sock_name *n = &w->socks[w->nsocks++];
    n->run = run;
    n->fd = fd;
    n->conn = -1;
    int k = accepted ? ++w->accepted : ++w->own[run];
    if (run == 0 && !accepted)
        snprintf(n->name, sizeof n->name, k == 1 ? "srv" : "srv%d", k);
    else if (run == 0)
        snprintf(n->name, sizeof n->name, k == 1 ? "conn" : "conn%d", k);
    else if (run == 1)
        snprintf(n->name, sizeof n->name, k == 1 ? "s" : "s%d", k);
    else if (k == 1)
        snprintf(n->name, sizeof n->name, "c%d", run);
    else
        snprintf(n->name, sizeof n->name, "c%d_%d", run, k);
    return n;
}

/* The variable a run's recv() binds: data, data2... */
static void data_var(int run, char *buf, size_t cap)
{
    if (run <= 1)
        snprintf(buf, cap, "data");
    else
        snprintf(buf, cap, "data%d", run);
}

static bool expect_ready(const writer *w, const pending_expect *x)
{
    const conn_use *c = &w->conns[x->conn];
    int peer = 1 - x->end;
    return c->sent[peer] >= x->need && (!x->eof || c->closed[peer]);
}

/* A ready expectation that holds whatever the timing (else dropped). */
static bool expect_valid(const writer *w, const pending_expect *x)
{
    const conn_use *c = &w->conns[x->conn];
    int peer = 1 - x->end;
    return !x->one || (c->sent[peer] == x->need && c->last_send[peer] == x->one);
}

/* Before a recv into var: what an earlier one expected of it is gone. */
static void drop_expect(writer *w, const char *var, int side)
{
    int k = 0;
    for (int i = 0; i < w->nexpect; i++)
        if (strcmp(w->expect[i].var, var) || w->expect[i].end != side)
            w->expect[k++] = w->expect[i];
    w->nexpect = k;
}

static void add_expect(writer *w, const char *var, int conn, int end, uint64_t need, bool eof,
                       uint64_t one, const char *text)
{
    drop_expect(w, var, end);
    if (conn < 0 || w->nexpect == LESSON_EXPECTS)
        return;
    pending_expect *x = &w->expect[w->nexpect++];
    snprintf(x->var, sizeof x->var, "%s", var);
    x->conn = conn;
    x->end = end;
    x->need = need;
    x->eof = eof;
    x->one = one;
    snprintf(x->text, sizeof x->text, "%s", text);
}

/* The end of a step at at_us in the run: why the figures may differ, then
 * the expectations whose bytes are sent (all of them at the lesson's end). */
static void flush_step(writer *w, FILE *f, uint64_t at_us, bool last)
{
    bool why[2] = {false, false}; /* a sender's figures; its peer's received */
    int nconns = w->naccepts > w->nconnects ? w->naccepts : w->nconnects;
    for (int c = 0; c < nconns && c < LESSON_CONNS; c++)
        for (int end = 0; end < 2 && !last; end++) {
            const conn_use *u = &w->conns[c];
            uint64_t unread =
                u->sent[end] - (u->rcvd[1 - end] < u->sent[end] ? u->rcvd[1 - end] : u->sent[end]);
            if (u->open_us[end] > at_us || unread > w->mss_bytes)
                why[end] = true;
        }
    for (int end = 0; end < 2; end++) {
        if (!why[end])
            continue;
        const char *me = end == 0 ? "server" : "client", *peer = end == 0 ? "client" : "server";
        fprintf(f,
                "why      %s.unsent the kernel sizes its buffers itself (autotuning, each "
                "segment's overhead): a full buffer holds another count than the model's\n",
                me);
        fprintf(f,
                "why      %s.in_flight the kernel's window follows its own buffer sizes, not "
                "the model's\n",
                me);
        fprintf(f,
                "why      %s.received the kernel's receive buffer is sized by the kernel "
                "(autotuning, overhead), not as the model's\n",
                peer);
    }
    int k = 0;
    for (int i = 0; i < w->nexpect; i++) {
        if (expect_ready(w, &w->expect[i])) {
            if (expect_valid(w, &w->expect[i]))
                fprintf(f, "%s\n", w->expect[i].text);
        } else if (!last)
            w->expect[k++] = w->expect[i];
    }
    w->nexpect = k;
}

static void new_step_at(writer *w, FILE *f, const char *why, uint64_t at_us)
{
    if (w->step)
        flush_step(w, f, at_us, false);
    w->step++;
    fprintf(f, "\nstep     %s\n", why);
    w->lines_in_step = 0;
}

/* When the call began, since the run's start. */
static uint64_t begin_us(const trace_event *e)
{
    return e->t_us > e->took_us ? e->t_us - e->took_us : 0;
}

static const trace_session *sort_s; /* qsort's comparator has no context */
static bool sort_shared;            /* several client runs share the client side */

/* Where the call's statement goes in the run's time: when it began; with
 * a shared client side, a client's recv where it returned. */
static uint64_t place_us(const trace_event *e)
{
    if (sort_shared && e->run >= 1 && e->done && e->call == TRACE_C_RECV)
        return e->t_us;
    return begin_us(e);
}

static int by_place(const void *a, const void *b)
{
    const trace_event *x = trace_event_at(sort_s, *(const size_t *)a);
    const trace_event *y = trace_event_at(sort_s, *(const size_t *)b);
    uint64_t bx = place_us(x), by = place_us(y);
    if (bx != by)
        return bx < by ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A statement placed at at_us: a new step first when a call that waited
 * returned before it. */
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

/* The connection each accept and connect of the runs' first processes
 * is an end of, in conn_of (-1: none): the k-th accept to return and the
 * k-th connect to return are the two ends of one (the server accepts in
 * the order the handshakes completed). */
static void pair_ends(writer *w, const trace_session *s, int nruns, int *conn_of)
{
    size_t n = trace_event_count(s);
    for (size_t i = 0; i < n; i++) {
        const trace_event *e = trace_event_at(s, i);
        conn_of[i] = -1;
        if (!e->done || e->ret < 0 || e->proc || e->thread || e->run >= nruns)
            continue;
        int *k = e->call == TRACE_C_ACCEPT    ? &w->naccepts
                 : e->call == TRACE_C_CONNECT ? &w->nconnects
                                              : NULL;
        if (k && *k < LESSON_CONNS)
            conn_of[i] = (*k)++;
    }
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
    w.mss_bytes = o->link.mss_bytes ? o->link.mss_bytes : 1460;
    char name[64], text[300], rep[600], var[16], line[640];
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
    fprintf(f, "# Each socket call is a statement (every client's on the client side); a step\n"
               "# ends where a call waited. The expectations are what the kernel returned in\n"
               "# that run, where that does not depend on the run's timing.\n");
    fprintf(f, "lesson   %s\n", name);
    fprintf(f, "title    Traced: %s\n",
            o->nruns > 2    ? "your server and clients"
            : o->nruns == 2 ? "your server and client"
                            : "your program");
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
    size_t *order = calloc(n ? n : 1, sizeof *order);
    int *conn_of = calloc(n ? n : 1, sizeof *conn_of);
    if (!used || !order || !conn_of) {
        free(used);
        free(order);
        free(conn_of);
        fclose(f);
        fprintf(errout, "sockbuf trace: --save-lesson: out of memory\n");
        return -1;
    }
    /* The statements in the order the calls began: a call that waits
     * comes before the other side's call that ends its wait. */
    pair_ends(&w, s, o->nruns, conn_of);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sort_s = s;
    sort_shared = o->nruns > 2;
    qsort(order, n, sizeof *order, by_place);
    uint64_t last_end[TRACE_MAX_RUNS] = {0};
    new_step_at(&w, f, "The programs start", 0);
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        const trace_event *e = trace_event_at(s, i);
        if (used[i])
            continue;
        uint64_t at_us = place_us(e);
        if (e->done || e->call == TRACE_C_SEND)
            take_break(&w, f, at_us);
        bool mine = e->proc == 0 && e->thread == 0 && o->nruns >= 2 && e->run >= 0 &&
                    e->run < o->nruns && e->run < TRACE_MAX_RUNS;
        /* A process that made no socket call for a while (a sleep, work)
         * waited: a step ends there too. */
        if (e->done && mine && last_end[e->run] && begin_us(e) > last_end[e->run] + 100000 &&
            w.lines_in_step) {
            char title[80];
            snprintf(title, sizeof title, "The %s goes on after %.1f s without a socket call",
                     side_of(e->run), (double)(begin_us(e) - last_end[e->run]) / 1e6);
            new_step_at(&w, f, title, at_us);
        }
        if (e->done && mine)
            last_end[e->run] = e->t_us;
        const char *side = side_of(e->run);
        int end = e->run == 0 ? 0 : 1;
        const sock_name *sn = mine && e->fd >= 0 ? sock_of(&w, e->run, e->fd) : NULL;
        const char *v = sn ? sn->name : NULL;
        if (!e->done && e->call != TRACE_C_SEND)
            continue; /* the call's end comes later */
        if (!mine ||
            (e->done && e->ret < 0 && e->call != TRACE_C_RECV && e->call != TRACE_C_SEND)) {
            trace_call_text(e, text, sizeof text);
            trace_result_text(e, rep, sizeof rep);
            fprintf(f, "# %s %d/%d %s: %s -> %s\n", trace_run_name(s, e->run), e->proc, e->thread,
                    e->where[0] ? e->where : "-", text, rep);
            continue;
        }
        if (w.lines_in_step >= STEP_MAX_LINES)
            new_step_at(&w, f, "The programs go on", at_us);
        bool blocked = !e->done || e->took_us >= 200000;
        uint64_t end_us = e->t_us;
        switch (e->call) {
        case TRACE_C_SOCKET: {
            sock_name *m = add_sock(&w, e->run, (int)e->ret, false);
            if (!m)
                continue;
            fprintf(f, "%s:  %s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n", side,
                    m->name);
            break;
        }
        case TRACE_C_BIND:
        case TRACE_C_CONNECT:
            if (!v)
                continue;
            addr_arg(e->addr, text, sizeof text);
            fprintf(f, "%s:  %s.%s(%s)\n", side, v, e->call == TRACE_C_BIND ? "bind" : "connect",
                    text);
            if (e->call == TRACE_C_CONNECT)
                ((sock_name *)sn)->conn = conn_of[i];
            break;
        case TRACE_C_LISTEN:
            if (!v)
                continue;
            fprintf(f, "%s:  %s.listen(%lld)\n", side, v, (long long)e->arg[0]);
            break;
        case TRACE_C_ACCEPT: {
            sock_name *c = v ? add_sock(&w, e->run, (int)e->ret, true) : NULL;
            if (!c)
                continue;
            c->conn = conn_of[i];
            fprintf(f, "%s:  %s, addr = %s.accept()\n", side, c->name, v);
            break;
        }
        case TRACE_C_SEND: {
            if (!v)
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
                fprintf(f, "%s:  %s.sendall(%s)\n", side, v, rep);
            } else {
                /* Only the first bytes were copied: the same count. */
                w.filler = true;
                fprintf(f, "%s:  %s.sendall(b'x' * %llu)\n", side, v, (unsigned long long)total);
            }
            if (sn->conn >= 0) {
                conn_use *u = &w.conns[sn->conn];
                u->sent[end] += total;
                u->sent_step[end] = w.step;
                u->last_send[end] = total;
                u->open_us[end] = end_us;
            }
            break;
        }
        case TRACE_C_RECV: {
            if (!v)
                continue;
            data_var(e->run, var, sizeof var);
            conn_use *u = sn->conn >= 0 ? &w.conns[sn->conn] : NULL;
            /* What the previous recv into var returned is shown at the end
             * of its own step, before this one changes it. */
            for (int x = 0; x < w.nexpect; x++)
                if (!strcmp(w.expect[x].var, var) && w.expect[x].end == end &&
                    expect_ready(&w, &w.expect[x]) && w.lines_in_step) {
                    snprintf(text, sizeof text, "The %s calls recv() again", side);
                    new_step_at(&w, f, text, at_us);
                    break;
                }
            /* A loop's recvs in a row on one line: their total at once. */
            uint64_t total = e->ret > 0 ? (uint64_t)e->ret : 0;
            size_t m = 1;
            if (e->ret > 0)
                for (size_t j = i + 1; j < n; j++) {
                    const trace_event *g = trace_event_at(s, j);
                    if (g->run != e->run || g->proc != e->proc || g->thread != e->thread)
                        continue;
                    if (g->fd != e->fd || g->call != TRACE_C_RECV || strcmp(g->where, e->where) ||
                        (g->done && g->ret <= 0) ||
                        (g->done && total + (uint64_t)g->ret > WAITALL_MAX))
                        break;
                    if (!g->done)
                        continue;
                    total += (uint64_t)g->ret;
                    m++;
                }
            if (m >= 2) {
                size_t left = m;
                for (size_t j = i; j < n && left; j++) {
                    const trace_event *g = trace_event_at(s, j);
                    if (g->run == e->run && g->proc == e->proc && g->thread == e->thread &&
                        g->call == TRACE_C_RECV && g->fd == e->fd && !strcmp(g->where, e->where)) {
                        used[j] = true;
                        left -= g->done;
                        if (g->done) {
                            end_us = g->t_us;
                            blocked = blocked || g->took_us >= 200000;
                        }
                    }
                }
                fprintf(f, "# %s %s: recv(%lld) %zu times took %llu bytes in all: one recv here\n",
                        side, e->where[0] ? e->where : "-", (long long)e->arg[0], m,
                        (unsigned long long)total);
                fprintf(f, "%s:  %s = %s.recv(%llu, socket.MSG_WAITALL)\n", side, var, v,
                        (unsigned long long)total);
                if (u) {
                    u->rcvd[end] += total;
                    snprintf(line, sizeof line, "expect   %s: len(%s) == %llu", side, var,
                             (unsigned long long)total);
                    add_expect(&w, var, sn->conn, end, u->rcvd[end], false, 0, line);
                } else
                    drop_expect(&w, var, end);
                break;
            }
            /* It took what had arrived, and that was all its peer sent:
             * a step between the peer's sends and it lets them all
             * arrive in the lesson too. */
            bool all = u && e->done && e->ret > 0 && e->before.have &&
                       e->before.inq_bytes >= e->ret &&
                       u->rcvd[end] + (uint64_t)e->ret == u->sent[1 - end];
            /* Or it took at most a segment, all its peer had sent: valid
             * if one sendall brought those bytes when nothing else was
             * unread (they arrive whole). */
            uint64_t one = u && e->done && e->ret > 0 && !all && e->ret <= w.mss_bytes &&
                                   u->rcvd[end] + (uint64_t)e->ret >= u->sent[1 - end]
                               ? (uint64_t)e->ret
                               : 0;
            if (all && u->sent_step[1 - end] == w.step && w.lines_in_step) {
                snprintf(text, sizeof text, "The %s reads what has arrived", side);
                new_step_at(&w, f, text, at_us);
            }
            fprintf(f, "%s:  %s = %s.recv(%lld)\n", side, var, v, (long long)e->arg[0]);
            if (u && e->done && e->ret > 0)
                u->rcvd[end] += (uint64_t)e->ret;
            if ((all || one) && e->ndata == (uint64_t)e->ret && !w.filler) {
                base_repr(rep, sizeof rep, e->data, e->ndata, true, sizeof rep);
                snprintf(line, sizeof line, "expect   %s: %s == %s", side, var, rep);
                add_expect(&w, var, sn->conn, end, u->rcvd[end], false, one, line);
            } else if (all || one) {
                snprintf(line, sizeof line, "expect   %s: len(%s) == %lld", side, var,
                         (long long)e->ret);
                add_expect(&w, var, sn->conn, end, u->rcvd[end], false, one, line);
            } else if (u && e->done && e->ret == 0 && u->rcvd[end] == u->sent[1 - end]) {
                snprintf(line, sizeof line, "expect   %s: %s == b''", side, var);
                add_expect(&w, var, sn->conn, end, u->rcvd[end], true, 0, line);
            } else
                drop_expect(&w, var, end);
            break;
        }
        case TRACE_C_SETSOCKOPT: {
            const char *opt = sol_name(e->arg[0], e->arg[1]);
            if (!v || !opt) {
                trace_call_text(e, text, sizeof text);
                fprintf(f, "# %s %s: %s\n", side, e->where, text);
                continue;
            }
            fprintf(f, "%s:  %s.setsockopt(%s, %lld)\n", side, v, opt, (long long)e->arg[2]);
            break;
        }
        case TRACE_C_SHUTDOWN:
            if (!v)
                continue;
            fprintf(f, "%s:  %s.shutdown(%s)\n", side, v,
                    e->arg[0] == 0   ? "socket.SHUT_RD"
                    : e->arg[0] == 1 ? "socket.SHUT_WR"
                                     : "socket.SHUT_RDWR");
            if (sn->conn >= 0 && e->arg[0] != 0)
                w.conns[sn->conn].closed[end] = true;
            break;
        case TRACE_C_CLOSE:
            if (!v)
                continue;
            fprintf(f, "%s:  %s.close()\n", side, v);
            if (sn->conn >= 0)
                w.conns[sn->conn].closed[end] = true;
            break;
        default:
            trace_call_text(e, text, sizeof text);
            fprintf(f, "# %s %s: %s\n", side, e->where[0] ? e->where : "-", text);
            continue;
        }
        w.lines_in_step++;
        last_end[e->run] = end_us; /* a loop's last recv, a sendall's last send */
        if (blocked && w.nbreaks < LESSON_BREAKS) {
            brk *b = &w.breaks[w.nbreaks++];
            trace_call_text(e, text, sizeof text);
            snprintf(b->title, sizeof b->title, "After the %s's %.300s, which waited", side,
                     e->call == TRACE_C_SEND ? "sendall()" : text);
            b->end_us = end_us;
        }
    }
    flush_step(&w, f, UINT64_MAX, true);
    free(conn_of);
    free(order);
    free(used);
    int rc = 0;
    if (fclose(f) != 0) {
        fprintf(errout, "sockbuf trace: --save-lesson %s: %s\n", path, strerror(errno));
        rc = -1;
    }
    return rc;
}
