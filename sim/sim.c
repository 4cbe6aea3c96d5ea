/* sim.c: the deterministic model of TCP sockets behind sim.h.
 *
 * Each socket owns its outgoing stream (a send queue indexed by stream
 * offset: acknowledged < snd_una <= in flight < snd_nxt <= unsent <
 * wr_total) and its incoming stream (a receive queue: rcv_head <= unread <
 * rcv_nxt). Packets (SYN, data, ACK, FIN, RST, probes) travel on one wire
 * per direction (client->server, server->client): a packet waits for the
 * wire to be free, takes len*8/rate to serialize (payload bytes only, so
 * ACKs and other bare packets take none but still queue behind data; the
 * arrival is rounded up to a whole microsecond), then arrives latency
 * later. Arrivals sit in a queue ordered by (time, send order), one lane
 * a direction (sim_heap.h);
 * timers (delayed ACK, persist, TIME_WAIT, SYN retry) live on the sockets,
 * with the earliest one cached. Called through sim.h by the lesson runner, the tests and the
 * benchmark.
 *
 * Where the model deliberately differs from Linux (kept simple so that a
 * student can predict every number; no lesson depends on the difference):
 *   - Buffer accounting. Linux doubles SO_SNDBUF/SO_RCVBUF "to allow space
 *     for bookkeeping overhead" and charges each packet's overhead against
 *     it. The model takes that literally: half the reported size is for
 *     payload. The send queue holds at most sndbuf/2 payload bytes; the
 *     receive queue at most rcvbuf/2, and the advertised window is
 *     rcvbuf/2 - recv_queue. So setsockopt(SO_SNDBUF, 4096) lets exactly
 *     4096 bytes wait in the send queue. No autotuning: sizes only change
 *     through setsockopt.
 *   - send() accepts min(len, free space) bytes and returns that count;
 *     -EAGAIN only when the send queue is completely full (Linux waits for
 *     a third of the buffer to free up before waking a blocked writer).
 *   - Receiver silly-window avoidance: a free space smaller than
 *     min(mss, rcvbuf/4) is advertised as 0; the right edge of an
 *     advertised window never moves back. After a read, a window update is
 *     sent when the new window is at least twice the one the peer still
 *     has and that one is at most half the capacity (Linux's
 *     tcp_cleanup_rbuf rule).
 *   - Sender: segments of min(mss, unsent, window) bytes. A tail smaller
 *     than mss waits while TCP_CORK or MSG_MORE is set, or (Nagle on, no
 *     TCP_NODELAY) while a small segment is unacknowledged (Linux's
 *     Minshall variant). MSG_MORE holds only at its own send(): like
 *     Linux, the next push (an ACK arriving, a send, TCP_NODELAY, uncork)
 *     may send the tail. A segment cut short by the window is sent only
 *     when nothing is in flight. A FIN pushes everything and is sent once
 *     all data is sent, whatever the window. No congestion window (loopback
 *     opens it at once), no loss, hence no retransmission timer. The 200 ms
 *     TCP_CORK ceiling of tcp(7) is not modelled: corked data waits.
 *     Nor is autocorking (Linux may hold a small write while an earlier
 *     packet still sits in the device queue) or TSO/GSO batching.
 *   - Delayed ACK: fixed delayed_ack_us (Linux adapts it between 40 ms and
 *     200 ms). ACK at once for the first min(16, max(2, window/(2*mss)))
 *     data segments of a connection (quick ACKs), when more than one full
 *     segment is unacknowledged (Linux also wants the window's right edge
 *     to advance, so its ACKs get delayed while a receive buffer fills; the
 *     model has no rcv_ssthresh and does not), for a probe, and for a FIN
 *     in FIN_WAIT (a FIN in ESTABLISHED enters pingpong mode, as Linux's
 *     tcp_fin() does: its ACK is delayed or rides on the reply). Data
 *     segments carry the ACK. A socket that sends data within
 *     delayed_ack_us of receiving some enters Linux's interactive
 *     ("pingpong") mode: no more quick ACKs, its ACKs wait to ride on its
 *     replies; a delayed-ACK timer that fires ends the mode (threshold 1,
 *     as mainline Linux).
 *   - Persist timer: first probe 200 ms (Linux's minimum RTO) after the
 *     window closed with nothing in flight, then doubling up to 120 s. A
 *     probe carries no data; its ACK carries the current window.
 *   - Connection: a SYN finding more than backlog connections waiting
 *     (half-open ones included) is dropped, as Linux does; the client sends
 *     it again after 1 s, 2 s, 4 s... and gives up with ETIMEDOUT after 6
 *     retries. Linux's other overflow (the final ACK dropped) cannot
 *     happen in the model. TIME_WAIT lasts 60 s; an orphaned FIN_WAIT2
 *     waits for the peer's FIN (no tcp_fin_timeout). As in Linux, close()
 *     with unread data sends RST, and data arriving after close() is
 *     answered with RST. Segments still on the wire when their sender
 *     aborts (RST) still arrive, before the RST, as in Linux.
 *   - Sequence numbers: events report stream offsets from 0; the seed
 *     picks each socket's initial sequence number, kept only for show.
 */
#include "sim.h"
#include "sim_heap.h"
#include "sim_queue.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEVER UINT64_MAX
enum { T_DELACK = 0, T_PERSIST, T_TIME_WAIT, T_SYN, T_COUNT };
#define PERSIST_MIN_US  200000ULL
#define PERSIST_MAX_US  120000000ULL
#define SYN_RTO_US      1000000ULL /* TCP_TIMEOUT_INIT */
#define SYN_RETRIES     6          /* net.ipv4.tcp_syn_retries */
#define TIME_WAIT_US    60000000ULL
#define MAX_QUICKACKS   16
#define SOCK_MIN_SNDBUF 4608
#define SOCK_MIN_RCVBUF 2304
#define SIM_TCP_RMEM_MAX_BYTES 6291456u /* net.ipv4.tcp_rmem[2], Linux's default */

typedef sim_pkt pkt;
typedef sim_pkt_kind pkt_kind;

typedef struct sock {
    int id;
    sim_side side;
    sim_state state;
    bool app_open;  /* the application holds the handle */
    bool listening; /* listen() was called */
    bool connected; /* reached ESTABLISHED once */
    bool connecting; /* Linux's SS_CONNECTING: connect() said EINPROGRESS, and no
                        connect() since has seen the connection made */
    bool orphan;    /* closed by the app while the connection lives on */
    uint16_t port;  /* bound port, 0 if none */
    int backlog;    /* listen() backlog (recorded) */
    int parent;     /* listener that created it, or -1 */
    int peer;       /* other end, or -1 */
    int *acceptq;   /* listener: completed children, oldest first */
    int acceptq_len, acceptq_cap;

    uint32_t sndbuf, rcvbuf;           /* as getsockopt reports them */
    uint64_t snd_cap_max, rcv_cap_max; /* largest payload capacities so far */
    bool nodelay, cork, more;
    bool reuse;   /* SO_REUSEADDR (children inherit the listener's) */
    uint32_t rcvlowat;  /* SO_RCVLOWAT; 0 is Linux's default, 1 (children inherit it) */
    bool rcvbuf_locked; /* SO_RCVBUF was set (Linux's SOCK_RCVBUF_LOCK) */
    uint64_t isn; /* initial sequence number (from the seed) */

    /* outgoing stream */
    uint64_t wr_total;  /* bytes accepted by send() */
    uint64_t snd_una;   /* acknowledged */
    uint64_t snd_nxt;   /* sent */
    uint64_t snd_sml;   /* end of the last segment smaller than mss */
    uint64_t peer_edge; /* right edge of the peer's window */
    uint32_t peer_wnd;  /* last window the peer advertised */
    uint32_t origins;   /* writes so far (origin of the last one) */
    sim_ring sbuf;   /* bytes [ring_low(s), wr_total): the peer reads them here */
    sim_extq sext;   /* the borrowed ones among them (SIM_MSG_BORROW): not in sbuf */
    sim_runq sruns;  /* origins of [snd_una, wr_total) */
    sim_cursor scur; /* at snd_nxt */
    sim_cursor dcur; /* at the next byte the peer receives */
    bool fin_pending, fin_sent, fin_acked;
    uint64_t wire_bytes; /* sent, still on the wire */
    uint64_t lost_bytes; /* written but never delivered (RST) */
    uint64_t last_seg_seq;

    /* incoming stream */
    uint64_t rcv_nxt;   /* bytes received */
    uint64_t rcv_head;  /* read or discarded */
    uint64_t rd_total;  /* returned by recv() */
    uint64_t discarded; /* dropped unread (RST on close) */
    uint64_t adv_edge;  /* right edge of the window we advertised */
    /* The unread bytes [rcv_head, rcv_nxt) are not copied here: they are
     * read in the peer's send ring, at the same stream offsets. */
    sim_runq rruns; /* origins of [rcv_head, rcv_nxt) */
    bool fin_rcvd, shut_rd, reset;
    uint32_t unacked; /* bytes received since our last ACK */
    int quick;        /* quick ACKs left */
    bool quick_init;
    bool pingpong;        /* interactive: replies carry the ACKs, no quick ACKs */
    uint64_t last_rcv_us; /* when data last arrived */
    bool got_data;        /* data has arrived at least once */
    int pending_error;

    /* debug builds: offsets at the last check (they only grow) */
    uint64_t seen_una, seen_nxt, seen_rcv;

    /* timers (absolute virtual time, NEVER when off) */
    uint64_t timer_at[T_COUNT]; /* T_DELACK, T_PERSIST, T_TIME_WAIT, T_SYN */
    int syn_retries;            /* SYNs sent again (connect) */
    uint16_t dst_port;          /* port connect() aims at */
    int persist_backoff;
} sock;

struct sim_world {
    sim_params p;
    uint64_t now_us;
    uint64_t rng;
    sock **socks;
    int nsocks, capsocks;
    sim_heap heap; /* packets on the wire, by arrival */
    uint64_t order;
    uint64_t wire_free_ns[2]; /* per sending side */
    uint32_t tx_len;          /* payload length whose serialization time is cached */
    uint64_t tx_len_ns;       /* that time, ns (0 for tx_len 0) */
    sim_event *log;
    size_t nlog, caplog;
    bool log_on;
    bool oom; /* an allocation failed inside an event: state may be short */
    /* Cache of the earliest timer (valid when timer_ok). */
    bool timer_ok;
    uint64_t timer_min;
    int timer_sock, timer_which;
    int timers_on; /* timers set (not NEVER) on all sockets: with none
                      left, stopping the earliest keeps the cache right */
};

/* ---- small helpers ---------------------------------------------------- */

sim_params sim_params_default(void)
{
    sim_params p = {
        .latency_us = 5000,
        .rate_bps = 10000000,
        .mss_bytes = 1460,
        .delayed_ack_us = 40000,
        .sndbuf_bytes = 16384,
        .rcvbuf_bytes = 131072,
        .wmem_max_bytes = 212992,
        .rmem_max_bytes = 212992,
    };
    return p;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static sock *sock_any(const sim_world *w, int id)
{
    if ((unsigned)id >= (unsigned)w->nsocks) /* negative ones too */
        return NULL;
    return w->socks[id];
}

/* A socket the application may use. */
static sock *sock_app(const sim_world *w, int id)
{
    sock *s = sock_any(w, id);
    return s != NULL && s->app_open ? s : NULL;
}

static uint32_t mss(const sim_world *w)
{
    return w->p.mss_bytes == 0 ? 1 : w->p.mss_bytes;
}

static uint64_t snd_cap(const sock *s)
{
    return s->sndbuf / 2;
}

static uint64_t rcv_cap(const sock *s)
{
    return s->rcvbuf / 2;
}

static uint64_t recv_queue(const sock *s)
{
    return s->rcv_nxt - s->rcv_head;
}

static uint64_t send_queue(const sock *s)
{
    return s->wr_total - s->snd_una;
}

/* True when s's unread bytes are in its peer's send ring: the peer is
 * connected back to s, so s's stream offsets are the peer's. */
static bool reads_from(const sim_world *w, const sock *s)
{
    const sock *p = sock_any(w, s->peer);
    return p != NULL && p->peer == s->id;
}

/* The oldest byte s's send ring must keep: the first unacknowledged one,
 * or the first one the peer has received but not read yet, whichever is
 * older. Both only grow, so bytes before it are never needed again. */
static uint64_t ring_low(const sim_world *w, const sock *s)
{
    const sock *r = sock_any(w, s->peer);
    if (r != NULL && r->peer == s->id && r->rcv_head < s->snd_una)
        return r->rcv_head;
    return s->snd_una;
}

#if defined(__GNUC__)
#define SIM_NOINLINE __attribute__((noinline))
#else
#define SIM_NOINLINE
#endif

/* log_event()'s body, out of line: with the log off (the benchmark) the
 * hot paths pay one test, not a call with ten arguments. */
static SIM_NOINLINE void log_event_on(sim_world *w, sim_event_kind kind, int sockid, int peer,
                                      uint32_t bytes, uint64_t seq, uint32_t window,
                                      uint32_t origin, const char *why, uint64_t arrive_us)
{
    if (w->nlog == w->caplog) {
        size_t ncap = w->caplog == 0 ? 256 : w->caplog * 2;
        sim_event *n = realloc(w->log, ncap * sizeof(*n));
        if (n == NULL) {
            w->oom = true;
            return;
        }
        w->log = n;
        w->caplog = ncap;
    }
    sim_event *e = &w->log[w->nlog++];
    e->time_us = w->now_us;
    e->arrive_us = arrive_us;
    e->kind = kind;
    e->sock = sockid;
    e->peer = peer;
    const sock *me = sockid >= 0 ? sock_any(w, sockid) : NULL;
    const sock *other = peer >= 0 ? sock_any(w, peer) : NULL;
    e->side = me ? me->side : other ? (sim_side)!other->side : SIM_SERVER;
    e->bytes = bytes;
    e->seq = seq;
    e->window = window;
    e->origin = origin;
    e->state = SIM_CLOSED;
    e->why = why;
}

static inline void log_event(sim_world *w, sim_event_kind kind, int sockid, int peer,
                             uint32_t bytes, uint64_t seq, uint32_t window, uint32_t origin,
                             const char *why, uint64_t arrive_us)
{
    if (w->log_on)
        log_event_on(w, kind, sockid, peer, bytes, seq, window, origin, why, arrive_us);
}

/* Sets (or with NEVER stops) one of s's timers, keeping the cache of the
 * earliest timer right. */
static void set_timer(sim_world *w, sock *s, int which, uint64_t at)
{
    uint64_t old = s->timer_at[which];
    if (old == at)
        return;
    s->timer_at[which] = at;
    w->timers_on += (at != NEVER) - (old != NEVER);
    if (!w->timer_ok)
        return;
    if (at < w->timer_min) {
        w->timer_min = at;
        w->timer_sock = s->id;
        w->timer_which = which;
    } else if (w->timer_sock == s->id && w->timer_which == which) {
        if (w->timers_on == 0) { /* it was the only one */
            w->timer_min = NEVER;
            w->timer_sock = -1;
            w->timer_which = 0;
        } else {
            w->timer_ok = false; /* the earliest one moved later or stopped */
        }
    }
}

static void set_state(sim_world *w, sock *s, sim_state st, const char *why)
{
    if (s->state == st)
        return;
    s->state = st;
    if (w->log_on) {
        log_event(w, SIM_EV_STATE, s->id, s->peer, 0, 0, 0, 0, why, w->now_us);
        if (w->nlog > 0)
            w->log[w->nlog - 1].state = st;
    }
    if (st == SIM_TIME_WAIT)
        set_timer(w, s, T_TIME_WAIT, w->now_us + TIME_WAIT_US);
    if (st == SIM_CLOSED || st == SIM_TIME_WAIT) {
        set_timer(w, s, T_DELACK, NEVER);
        set_timer(w, s, T_PERSIST, NEVER);
    }
    if (st != SIM_SYN_SENT)
        set_timer(w, s, T_SYN, NEVER);
    if (st == SIM_CLOSED)
        set_timer(w, s, T_TIME_WAIT, NEVER);
}

/* ---- the receive side: windows and ACKs ------------------------------- */

/* The window the receive queue has room for (0 below the SWS threshold),
 * never moving the advertised right edge back. */
static uint32_t rcv_window(const sim_world *w, const sock *s)
{
    uint64_t cap = rcv_cap(s), q = recv_queue(s);
    uint64_t free_bytes = cap > q ? cap - q : 0;
    uint64_t thr = min64(mss(w), cap / 2);
    uint64_t win = free_bytes < thr ? 0 : free_bytes;
    if (s->adv_edge > s->rcv_nxt && s->adv_edge - s->rcv_nxt > win)
        win = s->adv_edge - s->rcv_nxt;
    return win > UINT32_MAX ? UINT32_MAX : (uint32_t)win;
}

/* Puts a packet on the wire from s (or from nobody when s is NULL).
 * Fills in the ACK fields from s's receive side. Returns the arrival time. */
static uint64_t wire_send(sim_world *w, sock *s, sim_side side, pkt *p)
{
    uint64_t tx_ns = 0;
    if (w->p.rate_bps > 0 && p->len > 0) {
        if (p->len != w->tx_len) { /* most segments are mss-sized: skip the division */
            w->tx_len = p->len;
            w->tx_len_ns =
                ((uint64_t)p->len * 8ULL * 1000000000ULL + w->p.rate_bps - 1) / w->p.rate_bps;
        }
        tx_ns = w->tx_len_ns;
    }
    uint64_t now_ns = w->now_us * 1000ULL;
    uint64_t start = w->wire_free_ns[side] > now_ns ? w->wire_free_ns[side] : now_ns;
    w->wire_free_ns[side] = start + tx_ns;
    p->time_us = (start + tx_ns + 999) / 1000 + w->p.latency_us;
    p->order = w->order++;
    p->lane = (uint8_t)side;
    if (s != NULL && p->kind != PK_SYN && p->kind != PK_RST && s->connected) {
        p->has_ack = true;
        p->ack = s->rcv_nxt;
        p->ack_fin = s->fin_rcvd;
        p->wnd = rcv_window(w, s);
        s->adv_edge = s->rcv_nxt + p->wnd;
        s->unacked = 0;
        set_timer(w, s, T_DELACK, NEVER);
        if (s->quick > 0)
            s->quick--;
    } else if (s != NULL && p->kind == PK_SYNACK) {
        p->has_ack = true;
        p->wnd = rcv_window(w, s);
        s->adv_edge = s->rcv_nxt + p->wnd;
    }
    if (sim_heap_push_fast(&w->heap, p) < 0)
        w->oom = true;
    return p->time_us;
}

static void send_ack(sim_world *w, sock *s, sim_event_kind kind, const char *why)
{
    sock *peer = sock_any(w, s->peer);
    if (peer == NULL)
        return;
    pkt p = {.from = s->id, .to = s->peer, .kind = PK_ACK, .why = why};
    uint64_t at = wire_send(w, s, s->side, &p);
    log_event(w, kind, s->id, s->peer, 0, p.ack, p.wnd, 0, why, at);
}

static void send_rst(sim_world *w, sock *s, int to, sim_side side, const char *why)
{
    pkt p = {.from = s != NULL ? s->id : -1, .to = to, .kind = PK_RST, .why = why};
    uint64_t at = wire_send(w, s, side, &p);
    log_event(w, SIM_EV_RST, p.from, to, 0, s != NULL ? s->snd_nxt : 0, 0, 0, why, at);
}

/* Sends a window update when a read opened the window enough. */
static void maybe_window_update(sim_world *w, sock *s)
{
    if (!s->connected || s->fin_rcvd || s->reset || s->state == SIM_CLOSED ||
        sock_any(w, s->peer) == NULL)
        return;
    uint64_t left = s->adv_edge > s->rcv_nxt ? s->adv_edge - s->rcv_nxt : 0;
    uint64_t cap = rcv_cap(s), q = recv_queue(s);
    uint64_t free_bytes = cap > q ? cap - q : 0;
    uint64_t win = free_bytes < min64(mss(w), cap / 2) ? 0 : free_bytes;
    if (win > 0 && win >= 2 * left && 2 * left <= cap)
        send_ack(w, s, SIM_EV_WINDOW, "drained");
}

/* ---- the send side ---------------------------------------------------- */

static void abort_conn(sim_world *w, sock *s, bool send_reset, const char *why);

static void send_fin(sim_world *w, sock *s)
{
    pkt p = {.from = s->id, .to = s->peer, .kind = PK_FIN, .seq = s->wr_total, .why = "fin"};
    s->fin_sent = true;
    uint64_t at = wire_send(w, s, s->side, &p);
    log_event(w, SIM_EV_FIN, s->id, s->peer, 0, s->wr_total, p.wnd, 0, "fin", at);
}

/* Sends every segment the window, Nagle, cork and MSG_MORE allow; arms or
 * stops the persist timer. */
static SIM_NOINLINE void try_output_send(sim_world *w, sock *s);

static inline void try_output(sim_world *w, sock *s)
{
    if (s->peer < 0 || !s->connected || s->state == SIM_CLOSED || s->state == SIM_TIME_WAIT ||
        s->reset)
        return;
    /* Nothing to send and no persist timer (an ACK arriving at a receiver,
     * most of the time): what try_output_send() would do. */
    if (s->wr_total == s->snd_nxt && (!s->fin_pending || s->fin_sent) &&
        s->timer_at[T_PERSIST] == NEVER) {
        if (s->peer_edge > s->snd_nxt)
            s->persist_backoff = 0;
        return;
    }
    try_output_send(w, s);
}

/* try_output() with something to send or a persist timer to see to. */
static SIM_NOINLINE void try_output_send(sim_world *w, sock *s)
{
    uint32_t m = mss(w);
    for (;;) {
        uint64_t unsent = s->wr_total - s->snd_nxt;
        if (unsent == 0) {
            if (s->fin_pending && !s->fin_sent)
                send_fin(w, s);
            break;
        }
        uint64_t room = s->peer_edge > s->snd_nxt ? s->peer_edge - s->snd_nxt : 0;
        uint64_t len = min64(m, unsent);
        uint64_t in_flight = s->snd_nxt - s->snd_una;
        const char *why;
        if (len > room) {
            if (room == 0 || in_flight > 0)
                break;
            len = room;
            why = "window";
        } else if (len < m) {
            bool held =
                s->cork || s->more || (!s->nodelay && in_flight > 0 && s->snd_sml > s->snd_una);
            if (held && !s->fin_pending)
                break;
            why = s->fin_pending ? "fin-push" : "push";
        } else {
            why = "mss";
        }
        pkt p = {.from = s->id,
                 .to = s->peer,
                 .kind = PK_DATA,
                 .len = (uint32_t)len,
                 .seq = s->snd_nxt,
                 .why = why};
        uint32_t origin = sim_runq_walk_fast(&s->sruns, &s->scur, len, NULL, NULL);
        uint64_t at = wire_send(w, s, s->side, &p);
        log_event(w, SIM_EV_SEGMENT, s->id, s->peer, (uint32_t)len, s->snd_nxt, p.wnd, origin, why,
                  at);
        s->last_seg_seq = s->snd_nxt;
        /* A reply within the delayed-ACK time of the last data received:
         * Linux's interactive (pingpong) mode. */
        if (s->got_data && w->p.delayed_ack_us > 0 &&
            w->now_us - s->last_rcv_us < w->p.delayed_ack_us)
            s->pingpong = true;
        s->snd_nxt += len;
        s->wire_bytes += len;
        if (len < m)
            s->snd_sml = s->snd_nxt;
    }
    uint64_t unsent = s->wr_total - s->snd_nxt;
    uint64_t room = s->peer_edge > s->snd_nxt ? s->peer_edge - s->snd_nxt : 0;
    if (unsent > 0 && room == 0 && s->snd_nxt == s->snd_una) {
        if (s->timer_at[T_PERSIST] == NEVER) {
            uint64_t d = min64(PERSIST_MIN_US << s->persist_backoff, PERSIST_MAX_US);
            set_timer(w, s, T_PERSIST, w->now_us + d);
        }
    } else {
        set_timer(w, s, T_PERSIST, NEVER);
        if (room > 0)
            s->persist_backoff = 0;
    }
}

#if defined(__GNUC__)
#define SIM_INLINE static inline __attribute__((always_inline))
#else
#define SIM_INLINE static inline
#endif

/* The peer's ACK fields arrive at s (inline: on every arrival). */
SIM_INLINE void process_ack(sim_world *w, sock *s, const pkt *p, bool pure)
{
    if (!p->has_ack || s->reset)
        return;
    uint64_t newly = 0;
    if (p->ack > s->snd_una && p->ack <= s->snd_nxt) {
        newly = p->ack - s->snd_una;
        sim_runq_pop_fast(&s->sruns, newly);
        s->snd_una = p->ack;
    }
    s->peer_wnd = p->wnd;
    s->peer_edge = p->ack + p->wnd;
    if (pure || newly > 0)
        log_event(w, SIM_EV_ACK_ARRIVE, s->id, s->peer, (uint32_t)newly, p->ack, p->wnd, 0, p->why,
                  w->now_us);
    if (s->fin_sent && !s->fin_acked && p->ack_fin) {
        s->fin_acked = true;
        if (s->state == SIM_FIN_WAIT1)
            set_state(w, s, SIM_FIN_WAIT2, "fin-acked");
        else if (s->state == SIM_CLOSING)
            set_state(w, s, SIM_TIME_WAIT, "fin-acked");
        else if (s->state == SIM_LAST_ACK)
            set_state(w, s, SIM_CLOSED, "fin-acked");
    }
    try_output(w, s);
}

static void init_quick(sim_world *w, sock *s)
{
    if (s->quick_init)
        return;
    s->quick_init = true;
    uint64_t q = rcv_window(w, s) / (2ULL * mss(w));
    if (q < 2)
        q = 2;
    if (q > MAX_QUICKACKS)
        q = MAX_QUICKACKS;
    s->quick = (int)q;
}

static void become_established(sim_world *w, sock *s, const char *why)
{
    s->connected = true;
    set_state(w, s, SIM_ESTABLISHED, why);
}

static int acceptq_push(sock *l, int id)
{
    if (l->acceptq_len == l->acceptq_cap) {
        int ncap = l->acceptq_cap == 0 ? 8 : l->acceptq_cap * 2;
        int *n = realloc(l->acceptq, (size_t)ncap * sizeof(*n));
        if (n == NULL)
            return -ENOMEM;
        l->acceptq = n;
        l->acceptq_cap = ncap;
    }
    l->acceptq[l->acceptq_len++] = id;
    return 0;
}

static int new_sock(sim_world *w, sim_side side);

/* Purges s's queues and closes it; with send_reset, tells the peer. */
static void abort_conn(sim_world *w, sock *s, bool send_reset, const char *why)
{
    if (send_reset && s->peer >= 0)
        send_rst(w, s, s->peer, s->side, why);
    /* Unsent bytes are lost. Segments already on the wire still arrive, as
     * in Linux: the ring and the run-list keep their bytes and origins
     * (nothing is written or acknowledged any more), and the delivery
     * cursor goes on reading them. The queues themselves are empty. */
    s->lost_bytes += s->wr_total - s->snd_nxt;
    s->snd_nxt = s->wr_total;
    s->snd_una = s->wr_total;
    s->reset = true;
    set_state(w, s, SIM_CLOSED, why);
}

/* ---- arrivals --------------------------------------------------------- */

/* The listener on a server port, or NULL. */
static sock *find_listener(const sim_world *w, uint16_t port)
{
    for (int i = 0; i < w->nsocks; i++) {
        sock *s = w->socks[i];
        if (s->side == SIM_SERVER && s->listening && s->state == SIM_LISTEN && s->port == port)
            return s;
    }
    return NULL;
}

/* Linux's sk_acceptq_is_full(): more than backlog connections wait (the
 * model counts half-open ones too, so a completed handshake always finds
 * room). */
static bool acceptq_full(const sim_world *w, const sock *l)
{
    int waiting = l->acceptq_len;
    for (int i = 0; i < w->nsocks; i++) {
        const sock *s = w->socks[i];
        if (s->parent == l->id && s->state == SIM_SYN_RECV)
            waiting++;
    }
    int backlog = l->backlog < 0 ? 0 : l->backlog > 4096 ? 4096 : l->backlog;
    return waiting > backlog;
}

static void send_syn(sim_world *w, sock *s, const char *why)
{
    /* A SYN offers the client's window too (the server learns it again
     * from the handshake's ACK, so the packet does not need to carry it). */
    pkt p = {.from = s->id, .to = -1, .kind = PK_SYN, .port = s->dst_port, .why = why};
    uint64_t at = wire_send(w, s, s->side, &p);
    log_event(w, SIM_EV_SYN, s->id, -1, 0, 0, rcv_window(w, s), 0, why, at);
    set_timer(w, s, T_SYN, w->now_us + (SYN_RTO_US << s->syn_retries));
}

static void arrive_syn(sim_world *w, const pkt *p)
{
    sock *c = sock_any(w, p->from);
    sock *l = find_listener(w, p->port);
    if (c == NULL || c->state != SIM_SYN_SENT)
        return;
    if (l == NULL) {
        send_rst(w, NULL, c->id, SIM_SERVER, "refused");
        return;
    }
    const sock *half = sock_any(w, c->peer);
    if (half != NULL && half->peer == c->id && half->state == SIM_SYN_RECV)
        return;             /* a SYN sent again while the SYN-ACK travels: already answered */
    if (acceptq_full(w, l)) /* Linux drops the SYN; the client sends it again */
        return;
    int id = new_sock(w, SIM_SERVER);
    if (id < 0) {
        w->oom = true;
        return;
    }
    sock *ch = w->socks[id];
    ch->parent = l->id;
    ch->peer = c->id;
    ch->port = l->port;
    ch->sndbuf = l->sndbuf;
    ch->rcvbuf = l->rcvbuf;
    ch->snd_cap_max = snd_cap(ch);
    ch->rcv_cap_max = rcv_cap(ch);
    ch->nodelay = l->nodelay;
    ch->reuse = l->reuse;
    ch->rcvlowat = l->rcvlowat;
    ch->rcvbuf_locked = l->rcvbuf_locked;
    c->peer = ch->id;
    set_state(w, ch, SIM_SYN_RECV, "syn");
    pkt sa = {.from = ch->id, .to = c->id, .kind = PK_SYNACK, .why = "syn-ack"};
    uint64_t at = wire_send(w, ch, ch->side, &sa);
    log_event(w, SIM_EV_SYN, ch->id, c->id, 0, 0, sa.wnd, 0, "syn-ack", at);
}

static void arrive_synack(sim_world *w, const pkt *p)
{
    sock *c = sock_any(w, p->to);
    if (c == NULL)
        return;
    if (c->state != SIM_SYN_SENT) { /* closed meanwhile: reset the half-open one */
        if (!(c->connected && c->peer == p->from))
            send_rst(w, c, p->from, c->side, "no-connection");
        return;
    }
    c->peer = p->from;
    c->peer_wnd = p->wnd;
    c->peer_edge = p->wnd;
    become_established(w, c, "syn-ack");
    send_ack(w, c, SIM_EV_ACK, "handshake");
    try_output(w, c);
}

/* Data from a socket whose connection is gone: answer with RST. */
static void refuse(sim_world *w, sock *r, const pkt *p)
{
    sock *from = sock_any(w, p->from);
    if (from != NULL && p->kind == PK_DATA) {
        from->wire_bytes -= p->len;
        from->lost_bytes += p->len;
    }
    if (p->kind != PK_RST && p->kind != PK_ACK && from != NULL)
        send_rst(w, r, p->from, r != NULL ? r->side : (sim_side)!from->side, "no-connection");
}

static void arrive_data(sim_world *w, sock *r, const pkt *p)
{
    sock *from = sock_any(w, p->from);
    if (r->orphan && p->len > 0) { /* data after close(): Linux resets */
        from->wire_bytes -= p->len;
        from->lost_bytes += p->len;
        abort_conn(w, r, true, "data-after-close");
        return;
    }
    /* The payload stays in the sender's ring (see ring_low()): delivering
     * it only moves rcv_nxt. */
    int err = 0;
    uint32_t origin = sim_runq_walk_fast(&from->sruns, &from->dcur, p->len, &r->rruns, &err);
    if (err < 0)
        w->oom = true;
    r->rcv_nxt += p->len;
    r->last_rcv_us = w->now_us;
    r->got_data = true;
    from->wire_bytes -= p->len;
    r->unacked += p->len;
    log_event(w, SIM_EV_DELIVER, r->id, from->id, p->len, p->seq, 0, origin, p->why, w->now_us);
    process_ack(w, r, p, false);
    if (r->state == SIM_CLOSED)
        return;
    init_quick(w, r);
    if (w->p.delayed_ack_us == 0)
        send_ack(w, r, SIM_EV_ACK, "every-segment");
    else if (r->quick > 0 && !r->pingpong)
        send_ack(w, r, SIM_EV_ACK, "quickack");
    else if (r->unacked > mss(w))
        send_ack(w, r, SIM_EV_ACK, "two-segments");
    else if (r->timer_at[T_DELACK] == NEVER)
        set_timer(w, r, T_DELACK, w->now_us + w->p.delayed_ack_us);
}

static void arrive_fin(sim_world *w, sock *r, const pkt *p)
{
    r->fin_rcvd = true;
    log_event(w, SIM_EV_FIN_ARRIVE, r->id, p->from, 0, p->seq, 0, 0, "fin", w->now_us);
    process_ack(w, r, p, false);
    if (r->state == SIM_ESTABLISHED) {
        /* Linux's tcp_fin(): CLOSE_WAIT enters pingpong mode, so the ACK
         * waits for the delayed-ACK timer or rides on the reply (the
         * application's own FIN, typically), unless more than one full
         * segment (the FIN counts one) is unacknowledged. */
        set_state(w, r, SIM_CLOSE_WAIT, "fin");
        if (w->p.delayed_ack_us > 0 && r->unacked + 1 <= mss(w)) {
            r->pingpong = true;
            if (r->timer_at[T_DELACK] == NEVER)
                set_timer(w, r, T_DELACK, w->now_us + w->p.delayed_ack_us);
            return;
        }
    } else if (r->state == SIM_FIN_WAIT1) { /* simultaneous close: ACK at once */
        set_state(w, r, SIM_CLOSING, "fin");
    } else if (r->state == SIM_FIN_WAIT2) {
        set_state(w, r, SIM_TIME_WAIT, "fin");
    }
    send_ack(w, r, SIM_EV_ACK, "fin");
}

static void arrive_rst(sim_world *w, sock *r, const pkt *p)
{
    log_event(w, SIM_EV_RST_ARRIVE, r->id, p->from, 0, 0, 0, 0, p->why, w->now_us);
    if (r->state == SIM_CLOSED || r->state == SIM_TIME_WAIT || r->state == SIM_LISTEN)
        return;
    /* As Linux's tcp_reset(): refused during connect, EPIPE once the peer
     * had already sent its FIN (CLOSE_WAIT), a reset otherwise. */
    if (r->state == SIM_SYN_SENT)
        r->pending_error = -ECONNREFUSED;
    else if (r->state == SIM_CLOSE_WAIT)
        r->pending_error = -EPIPE;
    else
        r->pending_error = -ECONNRESET;
    abort_conn(w, r, false, "rst");
}

static void arrive(sim_world *w, const pkt *p)
{
    if (p->kind == PK_SYN) {
        arrive_syn(w, p);
        return;
    }
    sock *r = sock_any(w, p->to);
    if (r == NULL)
        return;
    if (p->kind == PK_SYNACK) {
        arrive_synack(w, p);
        return;
    }
    if (p->kind == PK_RST) {
        arrive_rst(w, r, p);
        return;
    }
    if (r->state == SIM_CLOSED || r->reset) {
        refuse(w, r, p);
        return;
    }
    switch ((pkt_kind)p->kind) {
    case PK_DATA:
        arrive_data(w, r, p);
        break;
    case PK_FIN:
        arrive_fin(w, r, p);
        break;
    case PK_PROBE:
        process_ack(w, r, p, false);
        send_ack(w, r, SIM_EV_ACK, "probe");
        break;
    case PK_ACK:
        if (r->state == SIM_SYN_RECV) {
            sock *l = sock_any(w, r->parent);
            r->peer_wnd = p->wnd;
            r->peer_edge = p->wnd;
            become_established(w, r, "handshake");
            if (l != NULL && l->listening && l->state == SIM_LISTEN) {
                if (acceptq_push(l, r->id) < 0)
                    w->oom = true;
            } else {
                abort_conn(w, r, true, "listener-closed");
                return;
            }
        }
        process_ack(w, r, p, true);
        break;
    default:
        break;
    }
}

/* ---- timers ----------------------------------------------------------- */

/* The earliest timer of any socket; *who gets the socket, *which the timer
 * (T_DELACK, T_PERSIST, T_TIME_WAIT, T_SYN). Cached in the world: set_timer()
 * keeps the cache right or marks it stale. */
static uint64_t next_timer(const sim_world *w, int *who, int *which)
{
    if (w->timer_ok) {
        *who = w->timer_sock;
        *which = w->timer_which;
        return w->timer_min;
    }
    uint64_t best = NEVER;
    for (int i = 0; i < w->nsocks; i++) {
        const sock *s = w->socks[i];
        for (int k = 0; k < T_COUNT; k++) {
            if (s->timer_at[k] < best) {
                best = s->timer_at[k];
                *who = i;
                *which = k;
            }
        }
    }
    sim_world *mw = (sim_world *)w; /* the cache is not part of the state */
    mw->timer_ok = true;
    mw->timer_min = best;
    mw->timer_sock = best == NEVER ? -1 : *who;
    mw->timer_which = best == NEVER ? 0 : *which;
    return best;
}

static void fire_timer(sim_world *w, sock *s, int which)
{
    if (which == T_DELACK) {
        set_timer(w, s, T_DELACK, NEVER);
        s->pingpong = false; /* the ACK found no reply to ride: leave pingpong */
        log_event(w, SIM_EV_TIMER, s->id, s->peer, 0, 0, 0, 0, "delayed-ack", w->now_us);
        send_ack(w, s, SIM_EV_ACK, "delayed-ack");
    } else if (which == T_PERSIST) {
        set_timer(w, s, T_PERSIST, NEVER);
        log_event(w, SIM_EV_TIMER, s->id, s->peer, 0, 0, 0, 0, "persist", w->now_us);
        uint64_t room = s->peer_edge > s->snd_nxt ? s->peer_edge - s->snd_nxt : 0;
        if (s->wr_total > s->snd_nxt && room == 0 && s->snd_nxt == s->snd_una && !s->reset) {
            pkt p = {.from = s->id,
                     .to = s->peer,
                     .kind = PK_PROBE,
                     .seq = s->snd_nxt,
                     .why = "persist"};
            uint64_t at = wire_send(w, s, s->side, &p);
            log_event(w, SIM_EV_PROBE, s->id, s->peer, 0, s->snd_nxt, p.wnd, 0, "persist", at);
            if (s->persist_backoff < 30)
                s->persist_backoff++;
            set_timer(w, s, T_PERSIST,
                      w->now_us + min64(PERSIST_MIN_US << s->persist_backoff, PERSIST_MAX_US));
        }
    } else if (which == T_TIME_WAIT) {
        set_timer(w, s, T_TIME_WAIT, NEVER);
        log_event(w, SIM_EV_TIMER, s->id, s->peer, 0, 0, 0, 0, "time-wait", w->now_us);
        set_state(w, s, SIM_CLOSED, "time-wait");
    } else {
        set_timer(w, s, T_SYN, NEVER);
        log_event(w, SIM_EV_TIMER, s->id, s->peer, 0, 0, 0, 0, "syn-retry", w->now_us);
        if (s->syn_retries >= SYN_RETRIES) {
            s->pending_error = -ETIMEDOUT;
            s->reset = true;
            set_state(w, s, SIM_CLOSED, "timeout");
        } else {
            s->syn_retries++;
            send_syn(w, s, "syn-retry");
        }
    }
}

#ifdef SOCKBUF_VERIFY
/* Debug builds: the invariants after every event, plus sequence numbers
 * that only grow (which needs the previous values, kept on the socket). */
static void verify_or_die(sim_world *w)
{
    char err[256];
    int rc = sim_verify(w, err, sizeof(err));
    for (int i = 0; rc == 0 && i < w->nsocks; i++) {
        sock *s = w->socks[i];
        if (s->snd_una < s->seen_una || s->snd_nxt < s->seen_nxt || s->rcv_nxt < s->seen_rcv) {
            snprintf(err, sizeof(err), "sock %d: a sequence number went back", i);
            rc = -1;
        }
        s->seen_una = s->snd_una;
        s->seen_nxt = s->snd_nxt;
        s->seen_rcv = s->rcv_nxt;
    }
    if (rc < 0) {
        fprintf(stderr, "sim: invariant broken at t=%" PRIu64 " us: %s\n", w->now_us, err);
        abort();
    }
}
#define VERIFY(w) verify_or_die(w)
#else
#define VERIFY(w) ((void)0)
#endif

/* Runs the earliest event if it is at or before until_us. The packet is
 * read where it lies on the wire (sim_heap_pop_ptr()), not copied out. */
static inline bool run_one(sim_world *w, uint64_t until_us)
{
    int who = -1, which = 0;
    uint64_t tt = w->timer_ok ? w->timer_min : next_timer(w, &who, &which);
    uint64_t th = sim_heap_next_us(&w->heap);
    if (th <= tt) {
        if (th > until_us || th == NEVER)
            return false;
        if (th > w->now_us)
            w->now_us = th;
        arrive(w, sim_heap_pop_ptr(&w->heap));
    } else {
        if (tt > until_us) /* tt < th: not NEVER */
            return false;
        if (tt > w->now_us)
            w->now_us = tt;
        (void)next_timer(w, &who, &which);
        fire_timer(w, w->socks[who], which);
    }
    VERIFY(w);
    return true;
}

/* ---- the world -------------------------------------------------------- */

sim_world *sim_world_new(const sim_params *params, uint64_t seed)
{
    sim_world *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->p = params != NULL ? *params : sim_params_default();
    w->rng = seed;
    w->log_on = true;
    return w;
}

static void sock_free(sock *s)
{
    if (s == NULL)
        return;
    sim_ring_free(&s->sbuf);
    sim_extq_free(&s->sext);
    sim_runq_free(&s->sruns);
    sim_runq_free(&s->rruns);
    free(s->acceptq);
    free(s);
}

void sim_world_free(sim_world *w)
{
    if (w == NULL)
        return;
    for (int i = 0; i < w->nsocks; i++)
        sock_free(w->socks[i]);
    free(w->socks);
    sim_heap_free(&w->heap);
    free(w->log);
    free(w);
}

uint64_t sim_now_us(const sim_world *w)
{
    return w->now_us;
}

uint64_t sim_next_event_us(const sim_world *w)
{
    int who, which;
    uint64_t tt = next_timer(w, &who, &which);
    uint64_t th = sim_heap_next_us(&w->heap);
    return th < tt ? th : tt;
}

uint64_t sim_advance_to(sim_world *w, uint64_t until_us)
{
    uint64_t n = 0;
    while (run_one(w, until_us))
        n++;
    if (until_us > w->now_us && until_us != NEVER) /* NEVER: nothing was scheduled */
        w->now_us = until_us;
    return n;
}

/* True when nothing can change without the applications: no packet on the
 * wire, no delayed ACK, and every persist timer probes a receiver whose
 * window is still closed (TIME_WAIT expiries do not count). */
static bool idle(const sim_world *w)
{
    if (w->heap.n > 0)
        return false;
    for (int i = 0; i < w->nsocks; i++) {
        const sock *s = w->socks[i];
        if (s == NULL)
            continue;
        if (s->timer_at[T_DELACK] != NEVER)
            return false;
        if (s->timer_at[T_SYN] != NEVER) { /* idle only against a full queue */
            const sock *l = find_listener(w, s->dst_port);
            if (l == NULL || !acceptq_full(w, l))
                return false;
        }
        if (s->timer_at[T_PERSIST] != NEVER) {
            const sock *r = sock_any(w, s->peer);
            if (r != NULL && r->state != SIM_CLOSED && rcv_window(w, r) > 0)
                return false;
        }
    }
    return true;
}

uint64_t sim_settle(sim_world *w, uint64_t limit_us)
{
    uint64_t n = 0;
    uint64_t end = w->now_us + limit_us < w->now_us ? NEVER : w->now_us + limit_us;
    while (!idle(w) && run_one(w, end))
        n++;
    return n;
}

static int new_sock(sim_world *w, sim_side side)
{
    if (w->nsocks == w->capsocks) {
        int ncap = w->capsocks == 0 ? 8 : w->capsocks * 2;
        sock **n = realloc(w->socks, (size_t)ncap * sizeof(*n));
        if (n == NULL)
            return -ENOMEM;
        w->socks = n;
        w->capsocks = ncap;
    }
    sock *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    s->id = w->nsocks;
    s->side = side;
    s->state = SIM_CLOSED;
    s->parent = -1;
    s->peer = -1;
    s->sndbuf = w->p.sndbuf_bytes;
    s->rcvbuf = w->p.rcvbuf_bytes;
    s->snd_cap_max = snd_cap(s);
    s->rcv_cap_max = rcv_cap(s);
    s->isn = splitmix(&w->rng) & 0xffffffffu;
    for (int k = 0; k < T_COUNT; k++)
        s->timer_at[k] = NEVER;
    w->socks[w->nsocks++] = s;
    return s->id;
}

int sim_socket(sim_world *w, sim_side side)
{
    int id = new_sock(w, side);
    if (id >= 0)
        w->socks[id]->app_open = true;
    return id;
}

/* Whether o holds its port against a bind of s, as Linux's
 * inet_csk_bind_conflict() on one host (CPython's lessons run both sides
 * on 127.0.0.1): a socket holds the port it was bound to while the
 * application holds it (an explicit bind keeps the port even when the
 * socket is CLOSED) or while the kernel still keeps its connection
 * (FIN_WAIT, TIME_WAIT, a child not yet accepted...). Both with
 * SO_REUSEADDR share it unless o listens. */
static bool holds_port(const sock *o, const sock *s, uint16_t port)
{
    if (o == s || o->port != port || (!o->app_open && o->state == SIM_CLOSED))
        return false;
    return !(s->reuse && o->reuse && o->state != SIM_LISTEN);
}

int sim_bind(sim_world *w, int sockid, uint16_t port)
{
    sock *s = sock_app(w, sockid);
    if (s == NULL)
        return -EBADF;
    if (s->port != 0)
        return -EINVAL;
    for (int i = 0; port != 0 && i < w->nsocks; i++)
        if (w->socks[i] != NULL && holds_port(w->socks[i], s, port))
            return -EADDRINUSE;
    s->port = port;
    return 0;
}

int sim_listen(sim_world *w, int sockid, int backlog)
{
    sock *s = sock_app(w, sockid);
    if (s == NULL)
        return -EBADF;
    if (s->state != SIM_CLOSED && s->state != SIM_LISTEN)
        return -EINVAL;
    if (s->connected || s->reset)
        return -EINVAL;
    /* Sockets that share a port (SO_REUSEADDR) may not both listen. */
    for (int i = 0; s->port != 0 && s->state != SIM_LISTEN && i < w->nsocks; i++) {
        const sock *o = w->socks[i];
        if (o != NULL && o != s && o->port == s->port && o->state == SIM_LISTEN)
            return -EADDRINUSE;
    }
    s->listening = true;
    s->backlog = backlog;
    set_state(w, s, SIM_LISTEN, "listen");
    return 0;
}

int sim_connect(sim_world *w, int sockid, uint16_t port)
{
    sock *s = sock_app(w, sockid);
    if (s == NULL)
        return -EBADF;
    if (s->pending_error != 0 && !s->connected) {
        int e = s->pending_error;
        s->pending_error = 0;
        return e;
    }
    if (s->listening)
        return -EINVAL;
    if (s->state == SIM_SYN_SENT)
        return -EALREADY;
    /* The connect() after a non-blocking one that has since completed
     * returns 0, once, as Linux's inet_stream_connect() does (SS_CONNECTING
     * becomes SS_CONNECTED); any later one is EISCONN. */
    if (s->connecting && s->connected) {
        s->connecting = false;
        return 0;
    }
    if (s->connected || s->state != SIM_CLOSED)
        return -EISCONN;
    if (s->reset) /* a refused socket connects again */
        s->reset = false;
    set_state(w, s, SIM_SYN_SENT, "connect");
    s->dst_port = port;
    s->syn_retries = 0;
    s->connecting = true;
    send_syn(w, s, "syn");
    return -EINPROGRESS;
}

int sim_accept(sim_world *w, int sockid)
{
    sock *l = sock_app(w, sockid);
    if (l == NULL)
        return -EBADF;
    if (!l->listening || l->state != SIM_LISTEN)
        return -EINVAL;
    if (l->acceptq_len == 0)
        return -EAGAIN;
    int id = l->acceptq[0];
    memmove(l->acceptq, l->acceptq + 1, (size_t)(l->acceptq_len - 1) * sizeof(int));
    l->acceptq_len--;
    sock *c = w->socks[id];
    c->app_open = true;
    log_event(w, SIM_EV_ACCEPT, l->id, id, 0, 0, 0, 0, "accept", w->now_us);
    return id;
}

static long send_bytes(sim_world *w, sock *s, const uint8_t *data, size_t len, int flags);

long sim_send(sim_world *w, int sockid, const uint8_t *data, size_t len, int flags)
{
    long rc;
    sock *s = sock_app(w, sockid);
    if (s == NULL)
        return -EBADF;
    /* The common cases first, as the checks below would find them: an open
     * connection whose send queue is full, or has room. */
    if (s->state == SIM_ESTABLISHED && s->pending_error == 0 && !s->reset && !s->fin_pending &&
        len > 0) {
        if (send_queue(s) >= snd_cap(s)) {
            VERIFY(w);
            return -EAGAIN;
        }
        return send_bytes(w, s, data, len, flags);
    }
    if (s->pending_error != 0) {
        rc = s->pending_error;
        s->pending_error = 0;
        goto out;
    }
    if (s->reset || s->fin_pending) {
        rc = -EPIPE;
        goto out;
    }
    if (s->state == SIM_SYN_SENT || s->state == SIM_SYN_RECV) {
        rc = -EAGAIN;
        goto out;
    }
    if (s->state != SIM_ESTABLISHED && s->state != SIM_CLOSE_WAIT) {
        rc = -EPIPE; /* Linux: never connected or listening is EPIPE too */
        goto out;
    }
    if (len == 0) {
        rc = 0;
        goto out;
    }
    if (send_queue(s) >= snd_cap(s)) {
        rc = -EAGAIN;
        goto out;
    }
    return send_bytes(w, s, data, len, flags);
out:
    VERIFY(w);
    return rc;
}

/* sim_send() once the queue has room for some of len > 0 bytes. */
static SIM_NOINLINE long send_bytes(sim_world *w, sock *s, const uint8_t *data, size_t len,
                                    int flags)
{
    long rc;
    uint64_t q = send_queue(s), cap = snd_cap(s);
    uint64_t n = min64(len, cap - q);
    if (n > UINT32_MAX)
        n = UINT32_MAX;
    /* SIM_MSG_CONTINUE: the rest of the previous write (sendall's chunks). */
    bool cont = (flags & SIM_MSG_CONTINUE) != 0 && s->origins > 0;
    uint32_t origin = cont ? s->origins : s->origins + 1;
    uint64_t low = ring_low(w, s);
    /* Borrowed bytes keep their place in the ring (offsets, capacity) but
     * are read where the caller keeps them. */
    bool borrow = (flags & SIM_MSG_BORROW) != 0 && data != NULL;
    sim_extq_drop_before_fast(&s->sext, low);
    if (sim_ring_reserve_fast(&s->sbuf, s->wr_total + n - low, low, s->wr_total) < 0 ||
        (borrow && sim_extq_reserve_fast(&s->sext) < 0) ||
        sim_runq_push_fast(&s->sruns, origin, (uint32_t)n, true) < 0) {
        rc = -ENOMEM;
        goto out;
    }
    if (borrow) {
        (void)sim_extq_push_fast(&s->sext, s->wr_total, s->wr_total + n, data); /* room reserved */
    } else {
        sim_ring_put(&s->sbuf, s->wr_total, data, (size_t)n);
    }
    s->origins = origin;
    log_event(w, SIM_EV_WRITE, s->id, s->peer, (uint32_t)n, s->wr_total, 0, origin,
              cont ? "send-continued" : "send", w->now_us);
    s->wr_total += n;
    /* MSG_MORE holds the tail during this call only, as Linux pushes with
     * TCP_NAGLE_CORK just here: the next ACK, send or uncork may send it. */
    s->more = (flags & SIM_MSG_MORE) != 0;
    try_output(w, s);
    s->more = false;
    rc = (long)n;
out:
    VERIFY(w);
    return rc;
}

static long recv_or_peek(sim_world *w, int sockid, uint8_t *buf, size_t cap, bool peek);

/* sim_recv() with q > 0 bytes queued and cap > 0. */
static SIM_NOINLINE long recv_bytes(sim_world *w, sock *s, uint64_t q, uint8_t *buf, size_t cap)
{
    uint64_t n = min64(q, cap);
    sim_run first = {0}; /* for the log only */
    if (w->log_on)
        sim_runq_describe(&s->rruns, 0, 1, &first, 1);
    const sock *from = sock_any(w, s->peer);
    if (buf != NULL)
        sim_ring_get_ext(&from->sbuf, &from->sext, s->rcv_head, buf, (size_t)n);
    sim_runq_pop_fast(&s->rruns, n);
    log_event(w, SIM_EV_READ, s->id, s->peer, (uint32_t)n, s->rd_total, 0, first.origin, "recv",
              w->now_us);
    s->rcv_head += n;
    s->rd_total += n;
    maybe_window_update(w, s);
    VERIFY(w);
    return (long)n;
}

/* sim_peek() with q > 0 bytes queued and cap > 0: a copy, the queue kept. */
static long peek_bytes(sim_world *w, sock *s, uint64_t q, uint8_t *buf, size_t cap)
{
    uint64_t n = min64(q, cap);
    const sock *from = sock_any(w, s->peer);
    if (buf != NULL)
        sim_ring_get_ext(&from->sbuf, &from->sext, s->rcv_head, buf, (size_t)n);
    VERIFY(w);
    return (long)n;
}

long sim_recv(sim_world *w, int sockid, uint8_t *buf, size_t cap)
{
    return recv_or_peek(w, sockid, buf, cap, false);
}

long sim_peek(sim_world *w, int sockid, uint8_t *buf, size_t cap)
{
    return recv_or_peek(w, sockid, buf, cap, true);
}

/* sim_recv(), or sim_peek() when peek: the same answers, as Linux's
 * tcp_recvmsg() gives them with and without MSG_PEEK. */
static long recv_or_peek(sim_world *w, int sockid, uint8_t *buf, size_t cap, bool peek)
{
    long rc;
    sock *s = sock_app(w, sockid);
    if (s == NULL)
        return -EBADF;
    if (s->listening) {
        rc = -ENOTCONN;
        goto out;
    }
    uint64_t q = recv_queue(s);
    if (cap > 0) {
        if (q > 0)
            return peek ? peek_bytes(w, s, q, buf, cap) : recv_bytes(w, s, q, buf, cap);
        /* nothing yet on an open connection, as the checks below find it */
        if (s->connected && s->pending_error == 0 && !s->fin_rcvd && !s->reset && !s->shut_rd) {
            VERIFY(w);
            return -EAGAIN;
        }
    }
    if (cap == 0 && (q > 0 || s->connected)) {
        rc = 0;
        goto out;
    }
    if (s->pending_error != 0) {
        rc = s->pending_error;
        s->pending_error = 0;
        goto out;
    }
    if (s->fin_rcvd || s->reset || s->shut_rd) {
        rc = 0;
        goto out;
    }
    if (s->connected || s->state == SIM_SYN_SENT || s->state == SIM_SYN_RECV) {
        rc = -EAGAIN;
        goto out;
    }
    rc = -ENOTCONN;
out:
    VERIFY(w);
    return rc;
}

/* Linux's sock_setsockopt(): min(v, max) as unsigned, doubled, floored. */
static uint32_t linux_buf(int value, uint32_t max, uint32_t floor)
{
    uint64_t v = (uint32_t)value;
    if (v > max)
        v = max;
    v *= 2;
    if (v < floor)
        v = floor;
    return v > INT32_MAX ? INT32_MAX : (uint32_t)v;
}

int sim_setsockopt(sim_world *w, int sockid, sim_opt opt, int value)
{
    sock *s = sock_app(w, sockid);
    if (s == NULL)
        return -EBADF;
    switch (opt) {
    case SIM_SO_SNDBUF:
        s->sndbuf = linux_buf(value, w->p.wmem_max_bytes, SOCK_MIN_SNDBUF);
        if (snd_cap(s) > s->snd_cap_max)
            s->snd_cap_max = snd_cap(s);
        try_output(w, s);
        return 0;
    case SIM_SO_RCVBUF:
        s->rcvbuf = linux_buf(value, w->p.rmem_max_bytes, SOCK_MIN_RCVBUF);
        s->rcvbuf_locked = true;
        if (rcv_cap(s) > s->rcv_cap_max)
            s->rcv_cap_max = rcv_cap(s);
        return 0;
    case SIM_TCP_NODELAY:
        s->nodelay = value != 0;
        if (s->nodelay) /* Linux pushes what Nagle was holding */
            try_output(w, s);
        return 0;
    case SIM_TCP_CORK:
        s->cork = value != 0;
        if (!s->cork)
            try_output(w, s);
        return 0;
    case SIM_SO_REUSEADDR:
        s->reuse = value != 0;
        return 0;
    case SIM_SO_RCVLOWAT: {
        /* Linux: a negative value is INT_MAX (sock_setsockopt), then
         * tcp_set_rcvlowat() caps it at half the receive buffer the
         * socket may reach, and 0 becomes 1 */
        uint32_t cap = (s->rcvbuf_locked ? s->rcvbuf : SIM_TCP_RMEM_MAX_BYTES) >> 1;
        uint32_t v = value < 0 ? INT32_MAX : (uint32_t)value;
        s->rcvlowat = v > cap ? cap : (v ? v : 1);
        return 0;
    }
    }
    return -EINVAL;
}

int sim_getsockopt(sim_world *w, int sockid, sim_opt opt, int *value)
{
    sock *s = sock_app(w, sockid);
    if (s == NULL)
        return -EBADF;
    switch (opt) {
    case SIM_SO_SNDBUF:
        *value = (int)s->sndbuf;
        return 0;
    case SIM_SO_RCVBUF:
        *value = (int)s->rcvbuf;
        return 0;
    case SIM_TCP_NODELAY:
        *value = s->nodelay;
        return 0;
    case SIM_TCP_CORK:
        *value = s->cork;
        return 0;
    case SIM_SO_REUSEADDR:
        *value = s->reuse;
        return 0;
    case SIM_SO_RCVLOWAT:
        *value = s->rcvlowat ? (int)s->rcvlowat : 1;
        return 0;
    }
    return -EINVAL;
}

/* A listener stops (close(), or shutdown() that reads): connections
 * nobody accepted are reset, half-open ones too (Linux's
 * inet_csk_listen_stop()). */
static void stop_listener(sim_world *w, sock *s, const char *why)
{
    for (int i = 0; i < s->acceptq_len; i++) {
        sock *c = sock_any(w, s->acceptq[i]);
        if (c != NULL && c->state != SIM_CLOSED)
            abort_conn(w, c, true, "listener-closed");
    }
    for (int i = 0; i < w->nsocks; i++) {
        sock *c = w->socks[i];
        if (c != NULL && c->parent == s->id && c->state == SIM_SYN_RECV) {
            abort_conn(w, c, true, "listener-closed");
            c->parent = -1;
        }
    }
    s->acceptq_len = 0;
    s->listening = false;
    set_state(w, s, SIM_CLOSED, why);
}

/* Queues a FIN behind the data (shutdown(SHUT_WR) and close()). */
static void shut_wr(sim_world *w, sock *s, const char *why)
{
    if (s->fin_pending)
        return;
    if (s->state == SIM_ESTABLISHED)
        set_state(w, s, SIM_FIN_WAIT1, why);
    else if (s->state == SIM_CLOSE_WAIT)
        set_state(w, s, SIM_LAST_ACK, why);
    else
        return;
    s->fin_pending = true;
    try_output(w, s);
}

int sim_shutdown(sim_world *w, int sockid, sim_how how)
{
    int rc = 0;
    sock *s = sock_app(w, sockid);
    if (s == NULL)
        return -EBADF;
    if (how != SIM_SHUT_RD && how != SIM_SHUT_WR && how != SIM_SHUT_RDWR) {
        rc = -EINVAL;
        goto out;
    }
    if (s->listening && s->state == SIM_LISTEN) {
        /* Linux's inet_shutdown(): SHUT_WR leaves a listener alone; a
         * shutdown that reads stops it (tcp_disconnect): queued
         * connections are reset, accept() is EINVAL, listen() may start
         * it again on the same port. */
        if (how != SIM_SHUT_WR)
            stop_listener(w, s, "shutdown");
        goto out;
    }
    /* Never connected, or finished (both FINs, or a reset): Linux's
     * TCP_CLOSE is ENOTCONN; its socket has left TIME_WAIT to a
     * timewait sock, so the application's is CLOSED there too. */
    if ((!s->connected && s->state != SIM_SYN_SENT) || s->state == SIM_CLOSED ||
        s->state == SIM_TIME_WAIT) {
        rc = -ENOTCONN;
        goto out;
    }
    if (how == SIM_SHUT_RD || how == SIM_SHUT_RDWR)
        s->shut_rd = true;
    if (how == SIM_SHUT_WR || how == SIM_SHUT_RDWR)
        shut_wr(w, s, "shutdown");
out:
    VERIFY(w);
    return rc;
}

int sim_close(sim_world *w, int sockid)
{
    sock *s = sock_app(w, sockid);
    if (s == NULL)
        return -EBADF;
    s->app_open = false;
    if (s->listening) {
        stop_listener(w, s, "close");
        goto out;
    }
    if (!s->connected) {
        set_state(w, s, SIM_CLOSED, "close");
        goto out;
    }
    s->orphan = true;
    s->shut_rd = true;
    if (recv_queue(s) > 0 && s->state != SIM_CLOSED) {
        s->discarded += recv_queue(s);
        s->rcv_head = s->rcv_nxt;
        sim_runq_clear(&s->rruns);
        abort_conn(w, s, true, "close-unread");
        goto out;
    }
    shut_wr(w, s, "close");
out:
    VERIFY(w);
    return 0;
}

int sim_poll(const sim_world *w, int sockid)
{
    const sock *s = sock_any(w, sockid);
    if (s == NULL || !s->app_open)
        return -EBADF;
    int mask = s->pending_error != 0 ? SIM_POLL_ERR : 0;
    if (s->state == SIM_LISTEN)
        return mask | (s->acceptq_len > 0 ? SIM_POLL_IN : 0);
    bool rd_shut = s->fin_rcvd || s->shut_rd || s->reset;
    bool wr_shut = s->fin_pending || s->reset;
    if (s->state == SIM_CLOSED || (rd_shut && wr_shut))
        mask |= SIM_POLL_HUP;
    if (rd_shut)
        mask |= SIM_POLL_IN;
    if (s->state == SIM_SYN_SENT || s->state == SIM_SYN_RECV || s->state == SIM_CLOSED)
        return mask;
    if (recv_queue(s) >= (s->rcvlowat ? s->rcvlowat : 1)) /* tcp_poll()'s target */
        mask |= SIM_POLL_IN;
    uint64_t q = send_queue(s), cap = snd_cap(s);
    if (wr_shut || (q < cap && cap - q >= q / 2))
        mask |= SIM_POLL_OUT;
    return mask;
}

int sim_snapshot_get(const sim_world *w, int sockid, sim_snapshot *out)
{
    const sock *s = sock_any(w, sockid);
    if (s == NULL)
        return -EBADF;
    memset(out, 0, sizeof(*out));
    out->state = s->state;
    out->listening = s->listening;
    out->send_queue_bytes = (uint32_t)send_queue(s);
    out->unsent_bytes = (uint32_t)(s->wr_total - s->snd_nxt);
    out->in_flight_bytes = (uint32_t)(s->snd_nxt - s->snd_una);
    out->recv_queue_bytes = (uint32_t)recv_queue(s);
    out->sndbuf_bytes = s->sndbuf;
    out->rcvbuf_bytes = s->rcvbuf;
    out->peer_window_bytes = s->peer_wnd;
    out->accept_queue = (uint32_t)s->acceptq_len;
    out->bytes_written = s->wr_total;
    out->bytes_read = s->rd_total;
    out->eof = (s->fin_rcvd || s->reset) && recv_queue(s) == 0;
    out->pending_error = s->pending_error;
    return 0;
}

int sim_peer(const sim_world *w, int sockid)
{
    const sock *s = sock_any(w, sockid);
    return s == NULL ? -1 : s->peer;
}

int sim_runs(const sim_world *w, int sockid, sim_queue q, sim_run *out, int max)
{
    const sock *s = sock_any(w, sockid);
    if (s == NULL)
        return -EBADF;
    if (max < 0)
        max = 0;
    switch (q) {
    case SIM_Q_UNSENT:
        return sim_runq_describe(&s->sruns, s->snd_nxt - s->snd_una, s->wr_total - s->snd_nxt, out,
                                 max);
    case SIM_Q_IN_FLIGHT:
        return sim_runq_describe(&s->sruns, 0, s->snd_nxt - s->snd_una, out, max);
    case SIM_Q_RECV:
        return sim_runq_describe(&s->rruns, 0, recv_queue(s), out, max);
    }
    return -EINVAL;
}

const sim_event *sim_events(const sim_world *w, size_t *count)
{
    *count = w->nlog;
    return w->log;
}

void sim_events_clear(sim_world *w)
{
    w->nlog = 0;
}

void sim_events_enable(sim_world *w, bool on)
{
    w->log_on = on;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        return -1;                                                                                 \
    } while (0)

int sim_verify(const sim_world *w, char *err, size_t errlen)
{
    if (w->oom)
        FAIL("out of memory inside an event");
    if (w->timer_ok) {
        uint64_t best = NEVER;
        for (int i = 0; i < w->nsocks; i++)
            for (int k = 0; k < T_COUNT; k++)
                best = min64(best, w->socks[i]->timer_at[k]);
        if (best != w->timer_min)
            FAIL("timer cache says %" PRIu64 ", the earliest timer is %" PRIu64, w->timer_min,
                 best);
    }
    for (int i = 0; i < w->nsocks; i++) {
        const sock *s = w->socks[i];
        if (s == NULL)
            continue;
        if (!(s->snd_una <= s->snd_nxt && s->snd_nxt <= s->wr_total))
            FAIL("sock %d: send offsets out of order (una %" PRIu64 " nxt %" PRIu64 " end %" PRIu64
                 ")",
                 i, s->snd_una, s->snd_nxt, s->wr_total);
        if (!(s->rcv_head <= s->rcv_nxt))
            FAIL("sock %d: receive offsets out of order", i);
        if (s->last_seg_seq > s->snd_nxt)
            FAIL("sock %d: a segment's sequence went past snd_nxt", i);
        if (send_queue(s) > s->snd_cap_max)
            FAIL("sock %d: send queue %" PRIu64 " over its capacity %" PRIu64, i, send_queue(s),
                 s->snd_cap_max);
        if (s->wr_total - ring_low(w, s) > sim_ring_capacity(&s->sbuf))
            FAIL("sock %d: send queue and the peer's unread bytes larger than its ring", i);
        if (recv_queue(s) > 0 && !reads_from(w, s))
            FAIL("sock %d: unread bytes without a peer holding them", i);
        if (recv_queue(s) > s->rcv_cap_max)
            FAIL("sock %d: receive queue %" PRIu64 " over its capacity %" PRIu64, i, recv_queue(s),
                 s->rcv_cap_max);
        if (!s->reset && s->sruns.bytes != send_queue(s))
            FAIL("sock %d: send origins cover %" PRIu64 " bytes, queue holds %" PRIu64, i,
                 s->sruns.bytes, send_queue(s));
        if (s->rruns.bytes != recv_queue(s))
            FAIL("sock %d: receive origins cover %" PRIu64 " bytes, queue holds %" PRIu64, i,
                 s->rruns.bytes, recv_queue(s));
        if (s->rcv_nxt != s->rd_total + s->discarded + recv_queue(s))
            FAIL("sock %d: received bytes not conserved", i);
        const sock *p = sock_any(w, s->peer);
        if (p != NULL && p->peer == s->id) {
            /* Every byte written is delivered, on the wire, or lost. */
            if (s->wr_total !=
                p->rcv_nxt + s->wire_bytes + s->lost_bytes + (s->wr_total - s->snd_nxt))
                FAIL("sock %d -> %d: bytes not conserved (written %" PRIu64 ", delivered %" PRIu64
                     ", wire %" PRIu64 ", lost %" PRIu64 ", unsent %" PRIu64 ")",
                     i, p->id, s->wr_total, p->rcv_nxt, s->wire_bytes, s->lost_bytes,
                     s->wr_total - s->snd_nxt);
            if (!s->reset && s->snd_una > p->rcv_nxt)
                FAIL("sock %d: acknowledged bytes the peer never received", i);
        } else if (s->wire_bytes != 0) {
            FAIL("sock %d: bytes on the wire without a peer", i);
        }
    }
    return 0;
}
