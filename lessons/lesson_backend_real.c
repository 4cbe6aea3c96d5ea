/* lesson_backend_real.c: the lesson runner's real mode, on loopback sockets.
 *
 * Every socket is a non-blocking socket from net.h on 127.0.0.1; the
 * runner emulates blocking by retrying, so the process never blocks. The
 * lesson's port (8080) is mapped to the free port the kernel gave the
 * server's bind, so lessons run in parallel; only loopback is reachable.
 *
 * Time is the monotonic clock since the backend was made. The kernel moves
 * on its own, so "settled" is observed: the counters of every open socket
 * are sampled about every millisecond until they stop changing (a few
 * samples when nothing is in flight, longer when bytes still wait for an
 * ACK that a delayed-ACK timer may send), at most 500 ms.
 * Called by lesson_run.c only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lesson_backend.h"
#include "net.h"

enum {
    REAL_MAX_FDS = 64,
    REAL_MAX_PORTS = 16,
    REAL_STABLE_QUIET = 3,   /* samples when nothing is in flight */
    REAL_STABLE_FLIGHT = 60, /* samples while bytes wait for an ACK */
    REAL_TICK_US = 1000,
};
#define REAL_SETTLE_LIMIT_US 500000

typedef struct {
    uint32_t q[4];
    char state[16];
} real_sample;

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
} real_backend;

static real_backend *R(lesson_backend *b)
{
    return (real_backend *)b;
}

static void rb_track(real_backend *r, int fd)
{
    if (fd >= 0 && r->nfds < REAL_MAX_FDS)
        r->fds[r->nfds++] = fd;
    r->have_last = false;
}

static void rb_untrack(real_backend *r, int fd)
{
    for (int i = 0; i < r->nfds; i++)
        if (r->fds[i] == fd) {
            r->fds[i] = r->fds[--r->nfds];
            break;
        }
    r->have_last = false;
}

static void rb_free(lesson_backend *b)
{
    if (!b)
        return;
    for (int i = 0; i < R(b)->nfds; i++)
        net_close(R(b)->fds[i]);
    free(b);
}

static int rb_socket(lesson_backend *b, lesson_side side)
{
    (void)side;
    if (R(b)->nfds >= REAL_MAX_FDS)
        return -EMFILE;
    int fd = net_socket(NULL);
    if (fd >= 0)
        rb_track(R(b), fd);
    return fd;
}

static int rb_bind(lesson_backend *b, int h, uint16_t port)
{
    real_backend *r = R(b);
    int rc = net_bind(h, "127.0.0.1", 0, NULL);
    if (rc < 0 || port == 0)
        return rc;
    int real = net_local_port(h, NULL);
    if (real < 0)
        return real;
    for (int i = 0; i < r->nports; i++)
        if (r->lport[i] == port) {
            r->rport[i] = (uint16_t)real;
            return 0;
        }
    if (r->nports < REAL_MAX_PORTS) {
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
        if (r->lport[i] == port)
            return net_connect(h, "127.0.0.1", r->rport[i], NULL);
    /* Nobody in this lesson bound that port: nothing may be reached. */
    return -ECONNREFUSED;
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
    rb_track(R(b), fd);
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

static net_opt rb_opt(lesson_const c)
{
    switch (c) {
    case LC_SO_SNDBUF:
        return NET_SO_SNDBUF;
    case LC_SO_RCVBUF:
        return NET_SO_RCVBUF;
    case LC_TCP_NODELAY:
        return NET_TCP_NODELAY;
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

static int rb_advance(lesson_backend *b, uint64_t until_us)
{
    uint64_t now = rb_now_us(b);
    if (until_us <= now)
        return 0;
    uint64_t d = until_us - now;
    if (d > REAL_TICK_US)
        d = REAL_TICK_US;
    struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)d * 1000};
    nanosleep(&ts, NULL);
    return 1;
}

/* Samples every open socket; returns UINT64_MAX once they have been still
 * long enough, else the time of the next sample. */
static uint64_t rb_next_event_us(lesson_backend *b)
{
    real_backend *r = R(b);
    bool changed = !r->have_last, flight = false;
    for (int i = 0; i < r->nfds; i++) {
        net_probe_t p;
        real_sample s = {{0}, ""};
        if (net_probe(r->fds[i], &p, NULL) == 0) {
            s.q[0] = p.send_queue_bytes;
            s.q[1] = p.unsent_bytes;
            s.q[2] = p.recv_queue_bytes;
            s.q[3] = p.snd_wnd_bytes;
            snprintf(s.state, sizeof s.state, "%s", p.state);
            if (p.send_queue_bytes)
                flight = true;
        }
        if (memcmp(&s, &r->last[i], sizeof s))
            changed = true;
        r->last[i] = s;
    }
    r->have_last = true;
    r->stable = changed ? 0 : r->stable + 1;
    if (r->stable >= (flight ? REAL_STABLE_FLIGHT : REAL_STABLE_QUIET))
        return UINT64_MAX;
    return rb_now_us(b) + REAL_TICK_US;
}

static int rb_settle_step(lesson_backend *b, uint64_t until_us)
{
    uint64_t next = rb_next_event_us(b);
    if (next == UINT64_MAX || rb_now_us(b) >= until_us)
        return 0;
    rb_advance(b, next < until_us ? next : until_us);
    return 1;
}

static void rb_step_begin(lesson_backend *b)
{
    R(b)->stable = 0;
    R(b)->have_last = false;
}

static void rb_settle(lesson_backend *b)
{
    uint64_t end = rb_now_us(b) + REAL_SETTLE_LIMIT_US;
    while (rb_now_us(b) < end) {
        uint64_t next = rb_next_event_us(b);
        if (next == UINT64_MAX)
            break;
        rb_advance(b, next);
    }
}

static const lesson_backend_ops real_ops = {
    .mode = LESSON_MODE_REAL,
    .free = rb_free,
    .socket = rb_socket,
    .bind = rb_bind,
    .listen = rb_listen,
    .connect = rb_connect,
    .connect_result = rb_connect_result,
    .accept = rb_accept,
    .send = rb_send,
    .recv = rb_recv,
    .setsockopt = rb_setsockopt,
    .getsockopt = rb_getsockopt,
    .shutdown = rb_shutdown,
    .close = rb_close,
    .settle_budget_us = REAL_SETTLE_LIMIT_US,
    .probe = rb_probe,
    .monotonic_s = rb_monotonic_s,
    .now_us = rb_now_us,
    .advance = rb_advance,
    .next_event_us = rb_next_event_us,
    .settle_step = rb_settle_step,
    .step_begin = rb_step_begin,
    .settle = rb_settle,
};

lesson_backend *lesson_backend_real_new(char *err, size_t errlen)
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
    r->base.ops = &real_ops;
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    return &r->base;
}
