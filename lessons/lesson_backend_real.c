/* lesson_backend_real.c: the lesson runner's real mode, on kernel sockets.
 *
 * Every socket is a non-blocking socket from net.h; the runner emulates
 * blocking by retrying, so the process never blocks. Where the emulated
 * wire is up (net_wire.h; the handle lesson_wire_new() made, which the
 * runner's options carry) the client's sockets are made in the wire's namespace A and bound to
 * 10.80.0.1, the server's in B on 10.80.0.2, and the link carries the
 * lesson's latency, rate and MSS; its segment log gives each step the
 * kernel's segments. Otherwise they are plain sockets on 127.0.0.1. Either
 * way the lesson's port (8080) is mapped to the free port the kernel gave
 * the bind (so lessons run in parallel) and connect() goes to the address
 * of the side that bound it; what the lesson sees is unchanged: accept()
 * returns ('127.0.0.1', the client's real port).
 *
 * Time is the monotonic clock since the backend was made. The kernel moves
 * on its own, so "settled" is observed: the counters of every open socket
 * are sampled about every millisecond until they stop changing (a few
 * samples when nothing can move, longer when bytes still wait for an
 * ACK that a delayed-ACK timer may send or unsent bytes have an open
 * window; bytes behind a zero window cannot move), at most 500 ms.
 *
 * A step keeps time (keep_time, lag_us): the runner's thread runs at
 * SCHED_FIFO 9 where it may, sleeps to absolute times, and every time it
 * was held back (a sleep that woke late, a long gap between two looks at
 * the clock) adds to the step's lag, with the latest packet of the wire
 * (the helper's own count of deliveries after their planned time).
 * Called by lesson_run.c only.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lesson_backend.h"
#include "lesson_run.h"
#include "net.h"
#include "net_wire.h"

enum {
    /* A lesson's sockets, and the lesson ports it binds (one socket each
     * at least): the same bound as the runner's and the record's. */
    REAL_MAX_FDS = LESSON_MAX_SOCKS,
    REAL_MAX_PORTS = LESSON_MAX_SOCKS,
    REAL_STABLE_QUIET = 3,   /* samples when nothing is in flight */
    REAL_STABLE_FLIGHT = 60, /* samples while bytes wait for an ACK */
    REAL_STABLE_EXACT = 3,   /* samples at rest on the wire (rb_at_rest) */
    REAL_TICK_US = 1000,
    REAL_MAX_FLOWS = 32,
    REAL_MAX_WATCH = 2,        /* blocked statements: one per side */
    REAL_READY_WAKES_IDLE = 2, /* ready wakes in a row with nothing changed:
                                  then sleep whole ticks again */
    /* SPEC.md's model defaults, for a `model` line that leaves them out. */
    REAL_DEFAULT_MSS = 1460,
};
#define REAL_DEFAULT_RATE_BPS     10000000
#define REAL_SETTLE_LIMIT_US      500000
#define REAL_WIRE_SETTLE_LIMIT_US 30000000
/* keep_time()'s SCHED_FIFO priority: just below the wire helper's (10,
 * net_wire.c), which must forward the packets the runner waits for, and
 * above the live sampler's (1). */
#define REAL_KEEP_TIME_PRIORITY 9
/* A wake-up later than this is the runner held back, not the cost of
 * waking (tens of us at SCHED_FIFO, a few hundred on a quiet machine). */
#define REAL_WAKE_SLACK_US 500

typedef struct {
    uint32_t q[5];
    char state[16];
} real_sample;

/* Where a step's real time went (printed with SOCKBUF_SETTLE_TRACE=1). */
typedef struct {
    bool on;               /* the variable is set */
    int step;              /* steps begun */
    uint64_t begin_us;     /* when the step began */
    uint64_t samples;      /* settle samples taken in the step */
    uint64_t sleep_us;     /* real time slept in advance() */
    const char *ended;     /* how the last settle ended */
    bool timed;            /* the runner asked the step's lag (lag_us) */
    uint64_t lag_us;       /* ... and this is what it was told */
    bool realtime;         /* ... the step running at SCHED_FIFO */
    uint64_t wire_late_us; /* ... of which the wire's packets delivered late */
} real_trace;

/* A stretch the lesson's timing relies on (keep_time). */
typedef struct {
    bool on;        /* keep_time(true) began one */
    bool raised;    /* the thread runs at REAL_KEEP_TIME_PRIORITY */
    int old_policy; /* ... and this is what it ran at before */
    struct sched_param old_param;
    uint64_t last_look_us; /* the runner last looked at the clock (woke or began) */
    uint64_t lag_us;       /* all the time it was held back so far */
} real_keep;

typedef struct {
    lesson_backend base;
    struct timespec t0;
    int fds[REAL_MAX_FDS];
    int nfds;
    uint16_t lport[REAL_MAX_PORTS], rport[REAL_MAX_PORTS];
    int nports;
    real_sample last[REAL_MAX_FDS];
    int stable;
    bool have_last;
    net_wire *wire;                    /* the emulated link, or NULL: loopback */
    int quiet_samples;                 /* still samples that mean "settled" */
    int blocked_quiet_samples;         /* the same while a statement waits */
    uint64_t t0_abs_us;                /* t0 on net_wire_now_us()'s clock */
    uint8_t fd_side[REAL_MAX_FDS];     /* the side each fds[i] was made for */
    uint8_t port_side[REAL_MAX_PORTS]; /* the side that bound lport[i] */
    uint16_t ours[REAL_MAX_PORTS * 2]; /* local ports of this lesson's sockets */
    int nours;
    struct pollfd watch[REAL_MAX_WATCH]; /* what the blocked statements wait on */
    int nwatch;
    int idle_ready_wakes; /* advance() woke on readiness and no sample changed since */
    bool woke_ready;      /* the last advance() ended on readiness */
    size_t log_seen; /* entries of the wire's log looked at */
    struct {
        uint16_t cport, sport; /* client's and server's port */
        uint32_t isn[2];       /* each direction's SYN sequence number */
        bool have[2];
        uint32_t end[2];   /* each direction's highest seq + len (+ SYN, FIN) */
        uint32_t acked[2]; /* each direction's highest ack */
        bool have_end[2], have_ack[2];
        bool reset; /* an RST ended the flow: nothing is owed */
    } flows[REAL_MAX_FLOWS];
    int nflows;
    lesson_segment *segs; /* the step's segments */
    size_t nsegs, capsegs;
    real_trace trace; /* SOCKBUF_SETTLE_TRACE: where each step's time went */
    int rest_samples; /* samples in a row at rest on the wire (rb_at_rest) */
    real_keep keep;   /* keep_time()'s stretch */
    int refuse_fd;    /* bound on the server's host, never listening: a port that
                         refuses (-1 until a connect() needs one) */
    uint16_t refuse_port;
} real_backend;

/* A wire handle (lesson_run.h): the emulated link and its helper. */
struct lesson_wire_handle {
    net_wire *w;
};

net_wire *lesson_wire_net(lesson_wire_handle *w)
{
    return w ? w->w : NULL;
}

/* The number of threads of this process (/proc/self/status), or 1 when
 * it cannot be read. */
static int process_threads(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    int n = 1;
    if (!f)
        return 1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    fclose(f);
    return n;
}

int lesson_wire_new(const char *choice, FILE *note, lesson_wire_handle **out)
{
    return lesson_wire_new_then(choice, note, out, NULL, NULL);
}

int lesson_wire_new_then(const char *choice, FILE *note, lesson_wire_handle **out,
                         void (*meanwhile)(void *), void *arg)
{
    char msg[NET_WIRE_MSG_LEN] = "";
    *out = NULL;
    if (!choice || !*choice)
        choice = getenv("SOCKBUF_WIRE");
    if (!choice || !*choice)
        choice = "auto";
    if (!strcmp(choice, "loopback") || strcmp(choice, "auto")) {
        if (meanwhile)
            meanwhile(arg);
        return !strcmp(choice, "loopback") ? 0 : -EINVAL;
    }
    int threads = process_threads();
    lesson_wire_handle *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(msg, sizeof msg, "lesson_wire_new: out of memory");
    } else if (threads > 1) {
        /* A fork now could copy a lock another thread holds: refuse. */
        snprintf(msg, sizeof msg,
                 "fork: the process already runs %d threads; fix: make the wire before the "
                 "first thread (lesson_wire_new() in main)",
                 threads);
    } else {
        int rc = net_wire_start_then(&h->w, NULL, meanwhile, arg, msg);
        meanwhile = NULL; /* called by net_wire_start_then */
        if (rc == 0) {
            *out = h;
            return 0;
        }
    }
    if (meanwhile)
        meanwhile(arg);
    free(h);
    if (note) {
        /* "STEP: ERROR; fix: FIX" from net_wire: the fix goes last. */
        char *fix = strstr(msg, "; fix: ");
        if (fix)
            *fix = '\0';
        fprintf(note,
                "sockbuf: real wire unavailable (%s): real mode uses plain loopback, with no "
                "latency or rate%s%s\n",
                msg, fix ? "; fix: " : "", fix ? fix + 7 : "");
    }
    return 0;
}

void lesson_wire_free(lesson_wire_handle *w)
{
    if (!w)
        return;
    net_wire_free(w->w);
    free(w);
}

lesson_wire_handle *lesson_wire_after_fork(lesson_wire_handle *parent)
{
    if (!parent)
        return NULL;
    /* Not this process's helper: net_wire_free() only closes our copies
     * of its sockets, the parent keeps it. */
    lesson_wire_free(parent);
    lesson_wire_handle *mine = NULL;
    lesson_wire_new("auto", NULL, &mine);
    return mine;
}

static real_backend *R(lesson_backend *b)
{
    return (real_backend *)b;
}

static void rb_track_side(real_backend *r, int fd, lesson_side side)
{
    if (fd >= 0 && r->nfds < REAL_MAX_FDS) {
        r->fd_side[r->nfds] = (uint8_t)side;
        r->fds[r->nfds++] = fd;
    }
    r->have_last = false;
}

static void rb_untrack(real_backend *r, int fd)
{
    for (int i = 0; i < r->nfds; i++)
        if (r->fds[i] == fd) {
            r->fds[i] = r->fds[--r->nfds];
            r->fd_side[i] = r->fd_side[r->nfds];
            break;
        }
    r->have_last = false;
}

/* The side a tracked socket was made for. */
static lesson_side rb_side_of(const real_backend *r, int fd)
{
    for (int i = 0; i < r->nfds; i++)
        if (r->fds[i] == fd)
            return (lesson_side)r->fd_side[i];
    return LESSON_CLIENT;
}

/* The address a socket of this side binds: its namespace's, or loopback. */
static const char *rb_host(const real_backend *r, lesson_side side)
{
    if (!r->wire)
        return "127.0.0.1";
    return net_wire_addr(side == LESSON_SERVER ? NET_WIRE_SERVER : NET_WIRE_CLIENT);
}

/* Remembers a local port of this lesson: segments to or from it are ours. */
static void rb_own_port(real_backend *r, int fd)
{
    int port = net_local_port(fd, NULL);
    if (!r->wire || port <= 0)
        return;
    for (int i = 0; i < r->nours; i++)
        if (r->ours[i] == port)
            return;
    if (r->nours < (int)(sizeof r->ours / sizeof r->ours[0]))
        r->ours[r->nours++] = (uint16_t)port;
}

static uint64_t rb_now_us(lesson_backend *b);
static void rb_keep_time(lesson_backend *b, bool on);

/* SOCKBUF_SETTLE_TRACE=1: one line on stderr per step, when the next
 * begins (and for the last at the end): its real time, the time slept in
 * settle loops, the samples taken and what ended the last settle. */
static void rb_trace_step_end(real_backend *r)
{
    real_trace *t = &r->trace;
    if (!t->on || t->step == 0)
        return;
    uint64_t now = rb_now_us(&r->base);
    char lag[80] = "";
    if (t->timed)
        snprintf(lag, sizeof lag, ", snapshot %.1f ms late (wire %.1f ms)%s",
                 (double)t->lag_us / 1000.0, (double)t->wire_late_us / 1000.0,
                 t->realtime ? ", SCHED_FIFO" : "");
    fprintf(stderr, "settle: step %d: %.1f ms, slept %.1f ms, %llu samples, ended: %s%s\n", t->step,
            (double)(now - t->begin_us) / 1000.0, (double)t->sleep_us / 1000.0,
            (unsigned long long)t->samples, t->ended ? t->ended : "-", lag);
}

static void rb_trace_step_begin(real_backend *r)
{
    real_trace *t = &r->trace;
    rb_trace_step_end(r);
    t->step++;
    t->begin_us = rb_now_us(&r->base);
    t->samples = t->sleep_us = t->lag_us = t->wire_late_us = 0;
    t->ended = NULL;
    t->timed = t->realtime = false;
}

static void rb_free(lesson_backend *b)
{
    if (!b)
        return;
    rb_keep_time(b, false); /* the thread's scheduling as it was */
    rb_trace_step_end(R(b));
    for (int i = 0; i < R(b)->nfds; i++)
        net_close(R(b)->fds[i]);
    if (R(b)->refuse_fd >= 0)
        net_close(R(b)->refuse_fd);
    free(R(b)->segs);
    free(b);
}

static int rb_socket(lesson_backend *b, lesson_side side)
{
    real_backend *r = R(b);
    if (r->nfds >= REAL_MAX_FDS)
        return -EMFILE;
    int fd = r->wire ? net_wire_socket(
                           r->wire, side == LESSON_SERVER ? NET_WIRE_SERVER : NET_WIRE_CLIENT, NULL)
                     : net_socket(NULL);
    if (fd >= 0)
        rb_track_side(r, fd, side);
    return fd;
}

/* A socket of side's host, for a look at its ports. */
static int rb_host_socket(real_backend *r, lesson_side side)
{
    if (!r->wire)
        return net_socket(NULL);
    return net_wire_socket(r->wire, side == LESSON_SERVER ? NET_WIRE_SERVER : NET_WIRE_CLIENT,
                           NULL);
}

/* On the wire the sides are two hosts, where CPython's lesson runs on one:
 * whether other's host holds real, as a bind of h's (with h's
 * SO_REUSEADDR) there would find it: 0 or -EADDRINUSE. */
static int rb_port_free_on(real_backend *r, lesson_side other, int h, uint16_t real)
{
    int reuse = 0;
    net_getsockopt(h, NET_SO_REUSEADDR, &reuse, NULL);
    int fd = rb_host_socket(r, other);
    if (fd < 0)
        return 0;
    int rc = net_setsockopt(fd, NET_SO_REUSEADDR, reuse, NULL);
    if (rc == 0)
        rc = net_bind_as_is(fd, rb_host(r, other), real, NULL);
    net_close(fd);
    return rc == -EADDRINUSE ? rc : 0;
}

/* Binds h to a free port named explicitly, as a lesson's bind of 8080
 * does in CPython: Linux keeps an explicitly bound port (SOCK_BINDPORT_LOCK)
 * when a listener stops (shutdown(SHUT_RD)) and listen() goes on there,
 * where a bind of port 0 would move to a new ephemeral one. The port is
 * one the kernel just gave a scratch socket of the same host. */
static int rb_bind_fresh(real_backend *r, int h, lesson_side side)
{
    int rc = -EADDRINUSE;
    for (int tries = 0; tries < 8 && rc == -EADDRINUSE; tries++) {
        int fd = rb_host_socket(r, side);
        if (fd < 0)
            return fd;
        int got = net_bind_as_is(fd, rb_host(r, side), 0, NULL) == 0 ? net_local_port(fd, NULL)
                                                                     : -EADDRINUSE;
        net_close(fd);
        if (got < 0)
            return got;
        rc = net_bind_as_is(h, rb_host(r, side), (uint16_t)got, NULL);
    }
    return rc;
}

static int rb_bind(lesson_backend *b, int h, uint16_t port)
{
    real_backend *r = R(b);
    lesson_side side = rb_side_of(r, h);
    /* SO_REUSEADDR stays as the lesson set it (CPython sets none): a port
     * held by another socket, TIME_WAIT included, is EADDRINUSE. A lesson
     * port bound before maps to the same kernel port: the kernel says
     * whether it is still in use. On the wire the port is bound again in
     * this side's namespace, after a look at the other side's. */
    for (int i = 0; port != 0 && i < r->nports; i++)
        if (r->lport[i] == port) {
            int rc = 0;
            if (r->wire && r->port_side[i] != side)
                rc = rb_port_free_on(r, (lesson_side)r->port_side[i], h, r->rport[i]);
            if (rc == 0)
                rc = net_bind_as_is(h, rb_host(r, side), r->rport[i], NULL);
            if (rc == 0) {
                r->port_side[i] = (uint8_t)side;
                rb_own_port(r, h);
            }
            return rc;
        }
    int rc = port ? rb_bind_fresh(r, h, side) : net_bind_as_is(h, rb_host(r, side), 0, NULL);
    if (rc < 0 || port == 0)
        return rc;
    int real = net_local_port(h, NULL);
    if (real < 0)
        return real;
    rb_own_port(r, h);
    if (r->nports < REAL_MAX_PORTS) {
        r->port_side[r->nports] = (uint8_t)side;
        r->lport[r->nports] = port;
        r->rport[r->nports++] = (uint16_t)real;
    }
    return 0;
}

static int rb_listen(lesson_backend *b, int h, int backlog)
{
    (void)b;
    return net_listen(h, backlog, NULL);
}

static int rb_connect(lesson_backend *b, int h, uint16_t port)
{
    real_backend *r = R(b);
    for (int i = 0; i < r->nports; i++)
        if (r->lport[i] == port) {
            int rc = net_connect(h, rb_host(r, (lesson_side)r->port_side[i]), r->rport[i], NULL);
            rb_own_port(r, h);
            return rc;
        }
    /* Nobody in this lesson bound that port: the kernel is asked to
     * connect to a port that refuses (bound, never listening), so the
     * refusal comes as CPython sees it: -EINPROGRESS now and
     * ECONNREFUSED from the next connect() (or the wait of a blocking
     * one), not at once. */
    if (r->refuse_fd < 0) {
        int fd = r->wire ? net_wire_socket(r->wire, NET_WIRE_SERVER, NULL) : net_socket(NULL);
        if (fd < 0)
            return -ECONNREFUSED;
        int got =
            net_bind(fd, rb_host(r, LESSON_SERVER), 0, NULL) == 0 ? net_local_port(fd, NULL) : -1;
        if (got <= 0) {
            net_close(fd);
            return -ECONNREFUSED;
        }
        r->refuse_fd = fd;
        r->refuse_port = (uint16_t)got;
    }
    int rc = net_connect(h, rb_host(r, LESSON_SERVER), r->refuse_port, NULL);
    rb_own_port(r, h);
    return rc;
}

static int rb_connect_result(lesson_backend *b, int h)
{
    (void)b;
    int ready = net_wait(h, true, 0);
    if (ready < 0)
        return ready;
    if (ready == 0)
        return -EINPROGRESS;
    return net_connect_result(h, NULL);
}

static int rb_accept(lesson_backend *b, int h, uint16_t *peer_port)
{
    int fd = net_accept(h, NULL);
    if (fd < 0)
        return fd;
    if (R(b)->nfds >= REAL_MAX_FDS) {
        net_close(fd);
        return -EMFILE;
    }
    rb_track_side(R(b), fd, rb_side_of(R(b), h));
    if (peer_port) {
        int port = net_peer_port(fd, NULL);
        *peer_port = port > 0 ? (uint16_t)port : 0;
    }
    return fd;
}

static long rb_send(lesson_backend *b, int h, const uint8_t *data, size_t len, int flags)
{
    (void)b;
    return net_send(h, data, len, (flags & LESSON_SEND_MORE) ? NET_MSG_MORE : 0, NULL);
}

static long rb_recv(lesson_backend *b, int h, uint8_t *buf, size_t cap)
{
    (void)b;
    return net_recv(h, buf, cap, NULL);
}

static long rb_peek(lesson_backend *b, int h, uint8_t *buf, size_t cap)
{
    (void)b;
    return net_peek(h, buf, cap, NULL);
}

static net_opt rb_opt(lesson_const c)
{
    switch (c) {
    case LC_SO_SNDBUF:
        return NET_SO_SNDBUF;
    case LC_SO_RCVBUF:
        return NET_SO_RCVBUF;
    case LC_TCP_NODELAY:
        return NET_TCP_NODELAY;
    case LC_SO_REUSEADDR:
        return NET_SO_REUSEADDR;
    case LC_SO_RCVLOWAT:
        return NET_SO_RCVLOWAT;
    default:
        return NET_TCP_CORK;
    }
}

static int rb_setsockopt(lesson_backend *b, int h, lesson_const opt, int value)
{
    (void)b;
    return net_setsockopt(h, rb_opt(opt), value, NULL);
}

static int rb_getsockopt(lesson_backend *b, int h, lesson_const opt, int *value)
{
    (void)b;
    return net_getsockopt(h, rb_opt(opt), value, NULL);
}

static int rb_shutdown(lesson_backend *b, int h, lesson_const how)
{
    (void)b;
    net_how nh =
        how == LC_SHUT_RD ? NET_SHUT_RD : (how == LC_SHUT_WR ? NET_SHUT_WR : NET_SHUT_RDWR);
    return net_shutdown(h, nh, NULL);
}

static int rb_ready(lesson_backend *b, int h)
{
    (void)b;
    struct pollfd pfd = {.fd = h, .events = POLLIN | POLLOUT};
    int n;
    do
        n = poll(&pfd, 1, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    return ((pfd.revents & POLLIN) ? LESSON_READY_READ : 0) |
           ((pfd.revents & POLLOUT) ? LESSON_READY_WRITE : 0) |
           ((pfd.revents & POLLHUP) ? LESSON_READY_HUP : 0) |
           ((pfd.revents & POLLERR) ? LESSON_READY_ERR : 0);
}

static int rb_close(lesson_backend *b, int h)
{
    rb_untrack(R(b), h);
    net_close(h);
    return 0;
}

static int rb_probe(lesson_backend *b, int h, lesson_probe *out)
{
    (void)b;
    net_probe_t p;
    int rc = net_probe(h, &p, NULL);
    if (rc < 0)
        return rc;
    out->state = lesson_tcp_state_of_linux(p.tcpi_state);
    out->listening = out->state == LESSON_TCP_LISTEN;
    out->send_queue_bytes = p.send_queue_bytes;
    out->unsent_bytes = p.unsent_bytes;
    out->in_flight_bytes = p.in_flight_bytes;
    out->recv_queue_bytes = p.recv_queue_bytes;
    out->sndbuf_bytes = p.sndbuf_bytes;
    out->rcvbuf_bytes = p.rcvbuf_bytes;
    /* The doubling rule's half (lesson_record.h): Linux has no fixed
     * payload share to report; its queues are charged each packet's true
     * size and its window starts at half of the receive buffer. */
    out->sndbuf_usable_bytes = p.sndbuf_bytes / 2;
    out->rcvbuf_usable_bytes = p.rcvbuf_bytes / 2;
    /* Kernels before 5.4 have no tcpi_snd_wnd: their 0 is unknown, not a
     * zero window. */
    out->peer_window_bytes = p.snd_wnd_bytes;
    out->peer_window_known = p.snd_wnd_known;
    return 0;
}

static double rb_monotonic_s(lesson_backend *b)
{
    (void)b;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rb_now_us(lesson_backend *b)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    int64_t us =
        (int64_t)(t.tv_sec - R(b)->t0.tv_sec) * 1000000 + (t.tv_nsec - R(b)->t0.tv_nsec) / 1000;
    return us < 0 ? 0 : (uint64_t)us;
}

/* keep_time()'s lag: the runner was held back held_us once more. The
 * times add up: a send issued 3 ms late and a snapshot 3 ms late are
 * 6 ms off the lesson's timeline. */
static void rb_keep_lag(real_backend *r, uint64_t held_us)
{
    if (r->keep.on)
        r->keep.lag_us += held_us;
}

/* The runner's work since its last look at the clock (pump, probes)
 * beyond one tick, which is what a look may cost: time it was held back
 * (preempted, or not scheduled at all). */
static uint64_t rb_keep_work_lag(const real_backend *r, uint64_t now_us)
{
    uint64_t since = r->keep.last_look_us + REAL_TICK_US;
    return r->keep.on && now_us > since ? now_us - since : 0;
}

static void rb_watch(lesson_backend *b, const lesson_watch *w, int n)
{
    real_backend *r = R(b);
    r->nwatch = 0;
    for (int i = 0; i < n && r->nwatch < REAL_MAX_WATCH; i++)
        if (w[i].handle >= 0)
            r->watch[r->nwatch++] =
                (struct pollfd){.fd = w[i].handle, .events = w[i].write ? POLLOUT : POLLIN};
}

/* Waits until the absolute time abs_us on the monotonic clock (wait_us
 * from now), or until a watched socket is ready, whichever is first.
 * Returns whether it woke on readiness. */
static bool rb_wait(real_backend *r, uint64_t abs_us, uint64_t wait_us)
{
    /* A readiness that moves nothing (a socket ready for a call that
     * still cannot complete) must not spin: after a few such wakes the
     * runner sleeps whole ticks until a sample changes. */
    if (r->nwatch > 0 && r->idle_ready_wakes < REAL_READY_WAKES_IDLE) {
        struct timespec rel = {.tv_sec = (time_t)(wait_us / 1000000u),
                               .tv_nsec = (long)(wait_us % 1000000u) * 1000};
        int n = ppoll(r->watch, (nfds_t)r->nwatch, &rel, NULL);
        if (n > 0)
            return true;
        if (n == 0)
            return false;
        /* EINTR or an error: finish the wait by the clock. */
    }
    struct timespec ts = {.tv_sec = (time_t)(abs_us / 1000000u),
                          .tv_nsec = (long)(abs_us % 1000000u) * 1000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
    return false;
}

static int rb_advance(lesson_backend *b, uint64_t until_us)
{
    real_backend *r = R(b);
    uint64_t now = rb_now_us(b);
    rb_keep_lag(r, rb_keep_work_lag(r, now));
    if (until_us <= now)
        return 0;
    uint64_t wake = until_us - now > REAL_TICK_US ? now + REAL_TICK_US : until_us;
    /* To an absolute time on the monotonic clock: a sleep that is cut
     * short (EINTR) or began late still ends when it should. A blocked
     * statement's socket that becomes ready ends it at once. */
    r->woke_ready = rb_wait(r, r->t0_abs_us + wake, wake - now);
    if (r->woke_ready)
        r->idle_ready_wakes++;
    uint64_t woke = rb_now_us(b);
    /* A sleep that woke late: beyond what a wake-up costs, it was held back. */
    rb_keep_lag(r, woke > wake + REAL_WAKE_SLACK_US ? woke - wake : 0);
    r->keep.last_look_us = woke;
    if (r->trace.on)
        r->trace.sleep_us += woke - now;
    return 1;
}

static void rb_keep_time(lesson_backend *b, bool on)
{
    real_backend *r = R(b);
    real_keep *k = &r->keep;
    if (on && !k->on) {
        k->raised = false;
        if (pthread_getschedparam(pthread_self(), &k->old_policy, &k->old_param) == 0 &&
            k->old_policy != SCHED_FIFO && k->old_policy != SCHED_RR) {
            struct sched_param sp = {.sched_priority = REAL_KEEP_TIME_PRIORITY};
            /* Not permitted (no CAP_SYS_NICE, an RT budget of 0): the
             * runner keeps its priority and the lag says how that went. */
            k->raised = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0;
        }
        /* The wire's lateness counts from here (net_wire_stats). */
        net_wire_stats st;
        if (r->wire)
            net_wire_stats_read(r->wire, &st, true, NULL);
        k->on = true;
        k->lag_us = 0;
        k->last_look_us = rb_now_us(b);
    } else if (!on && k->on) {
        if (k->raised)
            pthread_setschedparam(pthread_self(), k->old_policy, &k->old_param);
        k->raised = k->on = false;
        k->lag_us = 0;
    }
}

static uint64_t rb_lag_us(lesson_backend *b)
{
    real_backend *r = R(b);
    uint64_t lag = r->keep.on ? r->keep.lag_us + rb_keep_work_lag(r, rb_now_us(b)) : 0;
    /* The wire is the lesson's clock too: a packet its helper delivered
     * later than the link's latency and rate plan (a helper the machine
     * did not run in time) is the same lag. Asked twice: the helper
     * answers before it delivers what is due, so the second answer
     * counts a packet overdue at the first. */
    net_wire_stats st;
    uint64_t wire_late = 0;
    for (int i = 0; r->keep.on && r->wire && i < 2; i++)
        if (net_wire_stats_read(r->wire, &st, false, NULL) == 0 && st.late_max_us > wire_late)
            wire_late = st.late_max_us;
    r->trace.wire_late_us = wire_late;
    lag += wire_late;
    /* The runner asks at a snapshot it relies on: the trace shows it. */
    r->trace.timed = r->keep.on;
    r->trace.lag_us = lag;
    r->trace.realtime = r->keep.raised;
    return lag;
}

static bool rb_ours(const real_backend *r, const net_wire_segment *s)
{
    for (int i = 0; i < r->nours; i++)
        if (r->ours[i] == s->src_port || r->ours[i] == s->dst_port)
            return true;
    return false;
}

/* The flow of a segment (by client and server port); a SYN starts one. */
static int rb_flow(real_backend *r, const net_wire_segment *s)
{
    uint16_t cport = s->dir == 0 ? s->src_port : s->dst_port;
    uint16_t sport = s->dir == 0 ? s->dst_port : s->src_port;
    for (int i = r->nflows - 1; i >= 0; i--)
        if (r->flows[i].cport == cport && r->flows[i].sport == sport)
            return i;
    if (!(s->flags & NET_WIRE_SYN) || r->nflows >= REAL_MAX_FLOWS)
        return -1;
    int i = r->nflows++;
    memset(&r->flows[i], 0, sizeof r->flows[i]);
    r->flows[i].cport = cport;
    r->flows[i].sport = sport;
    return i;
}

/* a is after b in sequence space. */
static bool rb_seq_after(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

/* Keeps what flow f's segment s says of the bytes each side still owes
 * an acknowledgement: the highest sequence sent and the highest ack. */
static void rb_flow_account(real_backend *r, int f, const net_wire_segment *s)
{
    int d = s->dir;
    uint32_t end = s->seq + s->len_bytes + ((s->flags & NET_WIRE_SYN) ? 1u : 0u) +
                   ((s->flags & NET_WIRE_FIN) ? 1u : 0u);
    if (!r->flows[f].have_end[d] || rb_seq_after(end, r->flows[f].end[d]))
        r->flows[f].end[d] = end;
    r->flows[f].have_end[d] = true;
    /* A dropped segment's ack never reached the other side. */
    if ((s->flags & NET_WIRE_ACK) && !s->dropped &&
        (!r->flows[f].have_ack[d] || rb_seq_after(s->ack, r->flows[f].acked[d]))) {
        r->flows[f].acked[d] = s->ack;
        r->flows[f].have_ack[d] = true;
    }
    if (s->flags & NET_WIRE_RST)
        r->flows[f].reset = true;
}

/* Reads the wire's new log entries; this lesson's join the step's
 * segments, sequence numbers made relative to each direction's SYN.
 * Returns how many joined. */
static int rb_read_wire(real_backend *r)
{
    if (!r->wire || net_wire_poll(r->wire) < 0)
        return 0;
    size_t n;
    const net_wire_segment *log = net_wire_log(r->wire, &n);
    int added = 0;
    for (; r->log_seen < n; r->log_seen++) {
        const net_wire_segment *s = &log[r->log_seen];
        if (!rb_ours(r, s))
            continue;
        if (r->nsegs == r->capsegs) {
            size_t nc = r->capsegs ? r->capsegs * 2 : 64;
            lesson_segment *g = realloc(r->segs, nc * sizeof *g);
            if (!g)
                return added;
            r->segs = g;
            r->capsegs = nc;
        }
        int f = rb_flow(r, s);
        int d = s->dir, o = 1 - s->dir;
        if (f >= 0 && (s->flags & NET_WIRE_SYN)) {
            r->flows[f].isn[d] = s->seq;
            r->flows[f].have[d] = true;
        }
        if (f >= 0)
            rb_flow_account(r, f, s);
        lesson_segment *g = &r->segs[r->nsegs++];
        memset(g, 0, sizeof *g);
        g->time_us = s->sent_us > r->t0_abs_us ? s->sent_us - r->t0_abs_us : 0;
        g->arrive_us =
            s->dropped ? 0 : (s->arrive_us > r->t0_abs_us ? s->arrive_us - r->t0_abs_us : 0);
        g->from_side = d == 0 ? LESSON_CLIENT : LESSON_SERVER;
        g->to_side = d == 0 ? LESSON_SERVER : LESSON_CLIENT;
        g->flags = s->flags;
        g->dropped = s->dropped;
        g->bytes = s->len_bytes;
        /* The first data byte is offset 0: one past the SYN's number. */
        g->seq = f >= 0 && r->flows[f].have[d] && !(s->flags & NET_WIRE_SYN)
                     ? s->seq - r->flows[f].isn[d] - 1
                     : 0;
        g->ack = f >= 0 && r->flows[f].have[o] && (s->flags & NET_WIRE_ACK)
                     ? s->ack - r->flows[f].isn[o] - 1
                     : 0;
        g->window = s->window_bytes;
        g->src_port = s->src_port;
        g->dst_port = s->dst_port;
        added++;
    }
    return added;
}

static const lesson_segment *rb_segments(lesson_backend *b, size_t *count, lesson_wire *wire)
{
    real_backend *r = R(b);
    rb_read_wire(r);
    *count = r->nsegs;
    if (wire)
        *wire = r->wire ? LESSON_WIRE_EMULATED : LESSON_WIRE_LOOPBACK;
    return r->nsegs ? r->segs : NULL;
}

/* Whether one socket's kernel has nothing that can still move by itself:
 * nothing sent waits for an ACK, and what is unsent waits behind a zero
 * window (a reader, not a timer, opens it) or there is none. Unsent bytes
 * with an open window may be held by Nagle or TCP_CORK, whose timers the
 * probe cannot see: not at rest. */
static bool rb_probe_at_rest(const net_probe_t *p)
{
    bool zero_window = p->snd_wnd_known && p->snd_wnd_bytes == 0;
    return p->in_flight_bytes == 0 && (p->unsent_bytes == 0 || zero_window);
}

/* Whether the emulated wire is known to be empty and owes nothing: the
 * helper holds no packet (it reports at once when its queues empty, after
 * reading its devices dry), its log is whole, and in every flow of this
 * lesson each side has acknowledged everything the other sent (so no
 * delayed ACK is pending, not even one a closed socket waits for). */
static bool rb_wire_at_rest(const real_backend *r)
{
    if (!r->wire || net_wire_queued(r->wire) != 0 || net_wire_lost(r->wire) != 0)
        return false;
    for (int i = 0; i < r->nflows; i++) {
        if (r->flows[i].reset)
            continue;
        for (int d = 0; d < 2; d++) {
            if (!r->flows[i].have_end[d])
                continue;
            if (!r->flows[i].have_ack[1 - d] ||
                rb_seq_after(r->flows[i].end[d], r->flows[i].acked[1 - d]))
                return false;
        }
    }
    return true;
}

/* The exact settle rule on the emulated wire: the step has settled once
 * the wire is empty and owes nothing, every socket's kernel is at rest
 * (kernel_rest) and a few samples in a row saw nothing change (changed:
 * this sample saw a change). Then no timer but a zero-window probe, a
 * keepalive or TIME_WAIT can fire, and none of those changes what a step
 * shows. Instead of waiting for a latency (two while a statement blocks)
 * of stillness. Returns true when settled. */
static bool rb_at_rest(real_backend *r, bool changed, bool kernel_rest, int need)
{
    if (changed || !kernel_rest || !rb_wire_at_rest(r)) {
        r->rest_samples = 0;
        return false;
    }
    if (++r->rest_samples < need)
        return false;
    /* The helper's "idle" may predate a packet just sent (the RST of a
     * close() with unread data, on a machine too busy for the helper to
     * have read it yet): ask it once, after it has read its devices. */
    uint32_t queued = 0;
    char msg[NET_WIRE_MSG_LEN];
    if (net_wire_sync(r->wire, &queued, msg) == 0 && queued > 0) {
        r->rest_samples = 0;
        return false;
    }
    return true;
}

/* Samples every open socket; returns UINT64_MAX once they have been still
 * for quiet samples (more while bytes can still move), else the time of
 * the next sample. blocked: a statement waits (settle_step). */
static uint64_t rb_sample(lesson_backend *b, int quiet, bool blocked)
{
    real_backend *r = R(b);
    bool changed = !r->have_last, flight = false, kernel_rest = true;
    /* Packets still on the emulated wire will change something. */
    if (rb_read_wire(r) > 0 || (r->wire && net_wire_queued(r->wire) > 0))
        changed = true;
    for (int i = 0; i < r->nfds; i++) {
        net_probe_t p;
        real_sample s = {{0}, ""};
        if (net_probe(r->fds[i], &p, NULL) == 0) {
            s.q[0] = p.send_queue_bytes;
            s.q[1] = p.unsent_bytes;
            s.q[2] = p.recv_queue_bytes;
            s.q[3] = p.snd_wnd_bytes;
            s.q[4] = p.accept_queue;
            snprintf(s.state, sizeof s.state, "%s", p.state);
            /* Only bytes that can still move keep the loop waiting: sent
             * and unacknowledged, or unsent with an open window. Unsent
             * bytes behind a zero window wait for the reader, not for a
             * timer (an unknown window, on an old kernel, counts as open). */
            bool open_window = p.snd_wnd_bytes > 0 || !p.snd_wnd_known;
            if (p.in_flight_bytes || (p.unsent_bytes && open_window))
                flight = true;
            kernel_rest = kernel_rest && rb_probe_at_rest(&p);
        } else {
            kernel_rest = false;
        }
        if (memcmp(&s, &r->last[i], sizeof s))
            changed = true;
        r->last[i] = s;
    }
    r->have_last = true;
    if (changed)
        r->idle_ready_wakes = 0;
    /* Stillness is counted in ticks: a wake on readiness came before its
     * tick, so a sample after it that found nothing changed is not a
     * tick of stillness. */
    r->stable = changed ? 0 : r->woke_ready ? r->stable : r->stable + 1;
    r->woke_ready = false;
    r->trace.samples++;
    /* While a statement is blocked, a packet the helper delivered may not
     * have reached its socket yet: a busy machine leaves the kernel's
     * receive work (softirq) to ksoftirqd, which the wire cannot see, and
     * the handshake's last ACK or the data a recv waits for would land
     * after the step ended with the side still blocked. Then rest must
     * last as long as stillness does (a round trip), not a few samples. */
    int need = blocked && quiet > REAL_STABLE_EXACT ? quiet : REAL_STABLE_EXACT;
    if (rb_at_rest(r, changed, kernel_rest, need)) {
        r->trace.ended = "at rest";
        return UINT64_MAX;
    }
    if (r->stable >= (flight ? REAL_STABLE_FLIGHT : quiet)) {
        r->trace.ended = flight ? "still, bytes in flight" : "still";
        return UINT64_MAX;
    }
    return rb_now_us(b) + REAL_TICK_US;
}

static uint64_t rb_next_event_us(lesson_backend *b)
{
    return rb_sample(b, R(b)->quiet_samples, false);
}

static int rb_settle_step(lesson_backend *b, uint64_t until_us)
{
    /* A side waits (accept, recv, connect): what it waits for may be one
     * round trip away (the handshake's last ACK, an answer), so stillness
     * must outlast a round trip on the emulated wire. */
    uint64_t next = rb_sample(b, R(b)->blocked_quiet_samples, true);
    if (next == UINT64_MAX || rb_now_us(b) >= until_us)
        return 0;
    rb_advance(b, next < until_us ? next : until_us);
    return 1;
}

static void rb_step_begin(lesson_backend *b)
{
    rb_trace_step_begin(R(b));
    R(b)->stable = 0;
    R(b)->rest_samples = 0;
    R(b)->have_last = false;
    /* What the wire logged before the step (a late ACK) belongs to the
     * step before; this step's segments start now. */
    rb_read_wire(R(b));
    R(b)->nsegs = 0;
}

static void rb_settle(lesson_backend *b)
{
    uint64_t end = rb_now_us(b) + b->ops->settle_budget_us;
    while (rb_now_us(b) < end) {
        uint64_t next = rb_next_event_us(b);
        if (next == UINT64_MAX)
            break;
        rb_advance(b, next);
    }
}

/* Both tables: plain loopback, and the emulated wire, whose link is slow
 * enough that settling may take longer (a lesson's 200 KB through a small
 * window takes 0.6 s at 10 Mbit/s, a probe's 3 MB through 8 KiB buffers
 * 9 s: as long as the model says, bounded by check --timeout). */
#define REAL_OPS_COMMON                                                                            \
    .mode = LESSON_MODE_REAL, .free = rb_free, .socket = rb_socket, .bind = rb_bind,               \
    .listen = rb_listen, .connect = rb_connect, .connect_result = rb_connect_result,               \
    .accept = rb_accept, .send = rb_send, .recv = rb_recv, .peek = rb_peek,                        \
    .setsockopt = rb_setsockopt, .getsockopt = rb_getsockopt, .shutdown = rb_shutdown,             \
    .ready = rb_ready, .close = rb_close, .probe = rb_probe, .segments = rb_segments,              \
    .monotonic_s = rb_monotonic_s, .now_us = rb_now_us, .advance = rb_advance,                     \
    .next_event_us = rb_next_event_us, .settle_step = rb_settle_step, .step_begin = rb_step_begin, \
    .settle = rb_settle, .keep_time = rb_keep_time, .lag_us = rb_lag_us, .watch = rb_watch,

static const lesson_backend_ops real_ops = {
    REAL_OPS_COMMON.settle_budget_us = REAL_SETTLE_LIMIT_US,
};

static const lesson_backend_ops real_wire_ops = {
    REAL_OPS_COMMON.settle_budget_us = REAL_WIRE_SETTLE_LIMIT_US,
};

lesson_backend *lesson_backend_real_new(const lesson_model *m, lesson_wire_handle *wire, char *err,
                                        size_t errlen)
{
    real_backend *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* Loopback must work: one socket, bound to 127.0.0.1. */
    char nerr[NET_ERR_LEN] = "";
    int fd = net_socket(nerr);
    if (fd < 0 || net_bind(fd, "127.0.0.1", 0, nerr) < 0) {
        snprintf(err, errlen, "real sockets unavailable: %s", nerr);
        net_close(fd);
        free(r);
        return NULL;
    }
    net_close(fd);
    r->refuse_fd = -1;
    r->base.ops = &real_ops;
    r->quiet_samples = r->blocked_quiet_samples = REAL_STABLE_QUIET;
    if (wire && wire->w) {
        /* The link of this lesson; the next runner's replaces it. */
        net_wire_link link = {
            .latency_us = m && m->latency_us ? m->latency_us : LESSON_DEFAULT_LATENCY_US,
            .rate_bps = m && m->rate_bps ? m->rate_bps : REAL_DEFAULT_RATE_BPS,
            .mss_bytes = m && m->mss_bytes ? m->mss_bytes : REAL_DEFAULT_MSS,
        };
        if (net_wire_configure(wire->w, &link, NULL) == 0) {
            r->wire = wire->w;
            /* A packet the helper has not logged yet (its log lags under
             * load) arrives within one latency: stillness must outlast it. */
            r->quiet_samples = REAL_STABLE_QUIET + (int)(link.latency_us / REAL_TICK_US);
            r->blocked_quiet_samples =
                REAL_STABLE_QUIET + (int)(2 * link.latency_us / REAL_TICK_US);
            r->base.ops = &real_wire_ops;
            /* Older entries are another runner's. */
            net_wire_poll(r->wire);
            net_wire_log(r->wire, &r->log_seen);
        }
    }
    const char *trace = getenv("SOCKBUF_SETTLE_TRACE");
    r->trace.on = trace && *trace && strcmp(trace, "0");
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    r->t0_abs_us = (uint64_t)r->t0.tv_sec * 1000000u + (uint64_t)r->t0.tv_nsec / 1000u;
    return &r->base;
}
