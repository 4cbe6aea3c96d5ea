/* lesson_backend_sim.c: the lesson runner's sim mode, on the model (sim.h).
 *
 * A thin adapter: the model already speaks in non-blocking calls and
 * negative errnos. The world is made with the lesson's `model` line over
 * SPEC.md's defaults and a fixed seed, so every run gives the same
 * transcript. Called by lesson_run.c only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson_backend.h"
#include "sim.h"

enum { SIM_SEED = 1 };

/* The record's event kinds and states are the model's, one for one: both
 * enums are expanded from base_names.h's tables. Every row, checked. */
#define SB_X(id, ...) _Static_assert((int)LESSON_EV_##id == (int)SIM_EV_##id, "event kind " #id);
BASE_EVENT_KINDS(SB_X)
#undef SB_X
#define SB_X(id, ...) _Static_assert((int)LESSON_TCP_##id == (int)SIM_##id, "TCP state " #id);
BASE_TCP_STATES(SB_X)
#undef SB_X
#define SIM_SETTLE_LIMIT_US ((uint64_t)60 * 1000000)

/* Where a write began in its socket's stream (from the WRITE events), so
 * a run of a queue knows its offset within its write. */
typedef struct {
    int h;           /* the writing socket */
    uint32_t origin; /* its write */
    uint64_t seq;    /* the stream offset of the write's first byte */
} sb_start;

/* The bytes of a socket's newest writes (the record's write log), kept
 * as sb_send() hands them over: the model numbers writes the same way
 * (a continued write keeps its origin), so origins agree. */
typedef struct {
    int h;            /* the writing socket */
    uint32_t origins; /* its writes so far */
    lesson_write_log log;
} sb_wlog;

typedef struct {
    lesson_backend base;
    sb_wlog *wlogs; /* one per socket that wrote */
    size_t nwlogs;
    sim_world *w;
    sb_start *starts; /* every write seen so far */
    size_t nstarts, cap_starts;
    size_t scanned;       /* events of the step's log already looked at */
    lesson_event *events; /* the step's events, converted for the runner */
    size_t cap_events;
} sim_backend;

static sim_world *W(lesson_backend *b)
{
    return ((sim_backend *)b)->w;
}

static void sb_free(lesson_backend *b)
{
    if (!b)
        return;
    sim_world_free(W(b));
    free(((sim_backend *)b)->events);
    free(((sim_backend *)b)->starts);
    free(((sim_backend *)b)->wlogs);
    free(b);
}

static int sb_socket(lesson_backend *b, lesson_side side)
{
    return sim_socket(W(b), side == LESSON_SERVER ? SIM_SERVER : SIM_CLIENT);
}

static int sb_bind(lesson_backend *b, int h, uint16_t port)
{
    return sim_bind(W(b), h, port);
}

static int sb_listen(lesson_backend *b, int h, int backlog)
{
    return sim_listen(W(b), h, backlog);
}

static int sb_connect(lesson_backend *b, int h, uint16_t port)
{
    return sim_connect(W(b), h, port);
}

static int sb_connect_result(lesson_backend *b, int h)
{
    sim_snapshot s;
    int rc = sim_snapshot_get(W(b), h, &s);
    if (rc < 0)
        return rc;
    switch (s.state) {
    case SIM_SYN_SENT:
    case SIM_SYN_RECV:
        return -EINPROGRESS;
    case SIM_CLOSED:
        return s.pending_error ? s.pending_error : -ECONNREFUSED;
    default:
        return 0;
    }
}

static int sb_accept(lesson_backend *b, int h, uint16_t *peer_port)
{
    int c = sim_accept(W(b), h);
    if (c >= 0 && peer_port) {
        int p = sim_peer(W(b), c);
        *peer_port = (uint16_t)(40000 + (p >= 0 ? p : 0));
    }
    return c;
}

static long sb_send(lesson_backend *b, int h, const uint8_t *data, size_t len, int flags)
{
    int f = ((flags & LESSON_SEND_MORE) ? SIM_MSG_MORE : 0) |
            ((flags & LESSON_SEND_CONTINUE) ? SIM_MSG_CONTINUE : 0);
    sim_snapshot before;
    uint64_t start = sim_snapshot_get(W(b), h, &before) == 0 ? before.bytes_written : 0;
    long n = sim_send(W(b), h, data, len, f);
    if (n <= 0 || !data)
        return n;
    sim_backend *sb = (sim_backend *)b;
    sb_wlog *l = NULL;
    for (size_t i = 0; i < sb->nwlogs && !l; i++)
        if (sb->wlogs[i].h == h)
            l = &sb->wlogs[i];
    if (!l) {
        sb_wlog *g = realloc(sb->wlogs, (sb->nwlogs + 1) * sizeof *g);
        if (!g)
            return n; /* out of memory loses only the characters */
        sb->wlogs = g;
        l = &g[sb->nwlogs++];
        memset(l, 0, sizeof *l);
        l->h = h;
    }
    bool fresh = !((f & SIM_MSG_CONTINUE) && l->origins > 0); /* sim_send()'s rule */
    if (fresh)
        l->origins++;
    lesson_write_log_add(&l->log, l->origins, data, (uint32_t)n);
    if (fresh && l->log.n > 0)
        l->log.w[l->log.n - 1].seq = start;
    return n;
}

static void sb_write_log(lesson_backend *b, int h, lesson_write_log *out)
{
    sim_backend *sb = (sim_backend *)b;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sb->nwlogs; i++)
        if (sb->wlogs[i].h == h)
            *out = sb->wlogs[i].log;
}

static long sb_recv(lesson_backend *b, int h, uint8_t *buf, size_t cap)
{
    return sim_recv(W(b), h, buf, cap);
}

static long sb_peek(lesson_backend *b, int h, uint8_t *buf, size_t cap)
{
    return sim_peek(W(b), h, buf, cap);
}

static sim_opt sb_opt(lesson_const c)
{
    switch (c) {
    case LC_SO_SNDBUF:
        return SIM_SO_SNDBUF;
    case LC_SO_RCVBUF:
        return SIM_SO_RCVBUF;
    case LC_TCP_NODELAY:
        return SIM_TCP_NODELAY;
    case LC_SO_REUSEADDR:
        return SIM_SO_REUSEADDR;
    case LC_SO_RCVLOWAT:
        return SIM_SO_RCVLOWAT;
    default:
        return SIM_TCP_CORK;
    }
}

static int sb_setsockopt(lesson_backend *b, int h, lesson_const opt, int value)
{
    return sim_setsockopt(W(b), h, sb_opt(opt), value);
}

static int sb_getsockopt(lesson_backend *b, int h, lesson_const opt, int *value)
{
    int rc = sim_getsockopt(W(b), h, sb_opt(opt), value);
    return rc < 0 ? rc : 0;
}

static int sb_shutdown(lesson_backend *b, int h, lesson_const how)
{
    sim_how sh =
        how == LC_SHUT_RD ? SIM_SHUT_RD : (how == LC_SHUT_WR ? SIM_SHUT_WR : SIM_SHUT_RDWR);
    return sim_shutdown(W(b), h, sh);
}

static int sb_ready(lesson_backend *b, int h)
{
    int m = sim_poll(W(b), h);
    return m; /* SIM_POLL_* are LESSON_READY_*'s values */
}

static int sb_close(lesson_backend *b, int h)
{
    return sim_close(W(b), h);
}

static lesson_tcp_state sb_state(sim_state s)
{
    return (lesson_tcp_state)s; /* same values, asserted above */
}

static int sb_probe(lesson_backend *b, int h, lesson_probe *p)
{
    sim_snapshot s;
    int rc = sim_snapshot_get(W(b), h, &s);
    if (rc < 0)
        return rc;
    /* A socket the program still holds never shows TIME_WAIT: Linux hands
     * that state to a timewait sock and the socket itself reports CLOSE
     * (TCP_INFO), as CPython sees it. */
    p->state = sb_state(s.state == SIM_TIME_WAIT ? SIM_CLOSED : s.state);
    p->listening = s.listening;
    p->send_queue_bytes = s.send_queue_bytes;
    p->unsent_bytes = s.unsent_bytes;
    p->in_flight_bytes = s.in_flight_bytes;
    p->recv_queue_bytes = s.recv_queue_bytes;
    p->sndbuf_bytes = s.sndbuf_bytes;
    p->rcvbuf_bytes = s.rcvbuf_bytes;
    /* sim.h: the queues hold at most half of each buffer. */
    p->sndbuf_usable_bytes = s.sndbuf_bytes / 2;
    p->rcvbuf_usable_bytes = s.rcvbuf_bytes / 2;
    p->peer_window_bytes = s.peer_window_bytes;
    p->peer_window_known = true;
    return 0;
}

/* Notes where the writes of the step's log began. Out of memory only
 * loses offsets. */
static void sb_note_writes(sim_backend *sb)
{
    size_t n = 0;
    const sim_event *ev = sim_events(sb->w, &n);
    for (; sb->scanned < n; sb->scanned++) {
        const sim_event *e = &ev[sb->scanned];
        if (e->kind != SIM_EV_WRITE)
            continue;
        /* A socket's writes come in order: only a later origin than its
         * last one noted is a new write (a sendall's chunks share one). */
        bool known = false;
        for (size_t i = sb->nstarts; i-- > 0;)
            if (sb->starts[i].h == e->sock) {
                known = sb->starts[i].origin >= e->origin;
                break;
            }
        if (known)
            continue;
        if (sb->nstarts == sb->cap_starts) {
            size_t nc = sb->cap_starts ? sb->cap_starts * 2 : 64;
            sb_start *g = realloc(sb->starts, nc * sizeof *g);
            if (!g)
                return;
            sb->starts = g;
            sb->cap_starts = nc;
        }
        sb->starts[sb->nstarts++] = (sb_start){e->sock, e->origin, e->seq};
    }
}

/* The stream offset where write origin of socket h began, or -1. */
static int64_t sb_write_start(const sim_backend *sb, int h, uint32_t origin)
{
    for (size_t i = sb->nstarts; i-- > 0;)
        if (sb->starts[i].h == h && sb->starts[i].origin == origin)
            return (int64_t)sb->starts[i].seq;
    return -1;
}

static void sb_queue_runs(lesson_backend *b, int h, lesson_qid q, lesson_queue *out)
{
    sim_backend *sb = (sim_backend *)b;
    sim_run runs[LESSON_MAX_RUNS * 4];
    int max = (int)(sizeof runs / sizeof runs[0]);
    memset(out, 0, sizeof *out);
    int n = sim_runs(W(b), h, (sim_queue)q, runs, max);
    if (n > max)
        n = max;
    /* The queue's first byte in its stream: the send queue holds the last
     * bytes written (in flight, then unsent), the receive queue the
     * peer's bytes from the first one not yet read. */
    sb_note_writes(sb);
    sim_snapshot snap;
    int writer = q == LESSON_Q_RECV ? sim_peer(W(b), h) : h;
    uint64_t head = 0;
    if (sim_snapshot_get(W(b), h, &snap) == 0)
        head = q == LESSON_Q_RECV     ? snap.bytes_read
               : q == LESSON_Q_UNSENT ? snap.bytes_written - snap.unsent_bytes
                                      : snap.bytes_written - snap.send_queue_bytes;
    for (int i = 0; i < n; i++) {
        int64_t start = writer >= 0 ? sb_write_start(sb, writer, runs[i].origin) : -1;
        uint32_t off =
            start >= 0 && (int64_t)head >= start ? (uint32_t)(head - (uint64_t)start) : 0;
        lesson_queue_push_at(out, runs[i].origin, off, runs[i].bytes);
        head += runs[i].bytes;
    }
}

static const lesson_event *sb_events(lesson_backend *b, size_t *count)
{
    sim_backend *sb = (sim_backend *)b;
    size_t n = 0;
    const sim_event *ev = sim_events(sb->w, &n);
    *count = 0;
    if (n > sb->cap_events) {
        lesson_event *grown = realloc(sb->events, n * sizeof *grown);
        if (!grown)
            return NULL;
        sb->events = grown;
        sb->cap_events = n;
    }
    for (size_t i = 0; i < n; i++) {
        const sim_event *e = &ev[i];
        lesson_event *o = &sb->events[i];
        lesson_event_kind k = (lesson_event_kind)e->kind; /* same order, asserted above */
        int side = (int)e->side;
        *o = (lesson_event){.time_us = e->time_us,
                            .arrive_us = e->arrive_us,
                            .kind = k,
                            .sock_id = e->sock,
                            .bytes = e->bytes,
                            .seq = e->seq,
                            .window = e->window,
                            .origin = e->origin,
                            .state = sb_state(e->state),
                            .why = e->why};
        if (lesson_event_travels(k)) {
            o->from_side = side;
            o->to_side = !side;
        } else if (base_event_arrives((base_event_kind)e->kind)) {
            o->from_side = !side;
            o->to_side = side;
        } else {
            o->from_side = side;
            o->to_side = -1;
        }
    }
    *count = n;
    return sb->events;
}

static void sb_keep_events(lesson_backend *b, bool on)
{
    sim_events_enable(W(b), on);
}

static double sb_monotonic_s(lesson_backend *b)
{
    return (double)sim_now_us(W(b)) / 1e6;
}

static uint64_t sb_now_us(lesson_backend *b)
{
    return sim_now_us(W(b));
}

static int sb_advance(lesson_backend *b, uint64_t until_us)
{
    sim_world *w = W(b);
    uint64_t next = sim_next_event_us(w);
    if (until_us <= sim_now_us(w))
        return 0;
    if (next > until_us) {
        sim_advance_to(w, until_us);
        return 0;
    }
    /* An event due now (or, by a fault, in the past) runs at the present. */
    sim_advance_to(w, next > sim_now_us(w) ? next : sim_now_us(w));
    return 1;
}

static uint64_t sb_next_event_us(lesson_backend *b)
{
    return sim_next_event_us(W(b));
}

static int sb_settle_step(lesson_backend *b, uint64_t until_us)
{
    sim_world *w = W(b);
    uint64_t now = sim_now_us(w), next = sim_next_event_us(w);
    if (next == UINT64_MAX || next > until_us)
        return 0;
    /* sim_settle runs nothing when the model is idle by its own rule. */
    return sim_settle(w, next > now ? next - now : 0) > 0;
}

static void sb_step_begin(lesson_backend *b)
{
    sb_note_writes((sim_backend *)b); /* the writes of the step before */
    ((sim_backend *)b)->scanned = 0;
    sim_events_clear(W(b));
}

static void sb_settle(lesson_backend *b)
{
    sim_settle(W(b), SIM_SETTLE_LIMIT_US);
}

static const lesson_backend_ops sim_ops = {
    .mode = LESSON_MODE_SIM,
    .free = sb_free,
    .socket = sb_socket,
    .bind = sb_bind,
    .listen = sb_listen,
    .connect = sb_connect,
    .connect_result = sb_connect_result,
    .accept = sb_accept,
    .send = sb_send,
    .recv = sb_recv,
    .peek = sb_peek,
    .setsockopt = sb_setsockopt,
    .getsockopt = sb_getsockopt,
    .shutdown = sb_shutdown,
    .ready = sb_ready,
    .close = sb_close,
    .settle_budget_us = SIM_SETTLE_LIMIT_US,
    .probe = sb_probe,
    .queue_runs = sb_queue_runs,
    .write_log = sb_write_log,
    .events = sb_events,
    .monotonic_s = sb_monotonic_s,
    .keep_events = sb_keep_events,
    .now_us = sb_now_us,
    .advance = sb_advance,
    .next_event_us = sb_next_event_us,
    .settle_step = sb_settle_step,
    .step_begin = sb_step_begin,
    .settle = sb_settle,
};

lesson_backend *lesson_backend_sim_new(const lesson_model *m)
{
    sim_params p = sim_params_default();
    if (m->latency_us)
        p.latency_us = m->latency_us;
    if (m->rate_bps)
        p.rate_bps = m->rate_bps;
    if (m->mss_bytes)
        p.mss_bytes = m->mss_bytes;
    if (m->delayed_ack_us >= 0)
        p.delayed_ack_us = (uint64_t)m->delayed_ack_us;
    if (m->sndbuf_bytes)
        p.sndbuf_bytes = m->sndbuf_bytes;
    if (m->rcvbuf_bytes)
        p.rcvbuf_bytes = m->rcvbuf_bytes;
    sim_backend *sb = calloc(1, sizeof *sb);
    if (!sb)
        return NULL;
    sb->base.ops = &sim_ops;
    sb->w = sim_world_new(&p, SIM_SEED);
    if (!sb->w) {
        free(sb);
        return NULL;
    }
    return &sb->base;
}
