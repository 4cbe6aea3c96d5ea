/* test_sim.c: the model's connection life, data path, timers and options.
 *
 * Each case drives sim/ through sim.h and checks exact states, counters,
 * event sequences and virtual times against numbers worked out by hand
 * from the parameters (latency, rate, mss), as SPEC.md states them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim.h"

#define PORT 8080

/* A connected pair: client socket c, server listener l, accepted conn. */
typedef struct {
    sim_world *w;
    int c, l, conn;
} pair;

static void verify_ok(const sim_world *w)
{
    char err[256];
    int rc = sim_verify(w, err, sizeof(err));
    if (rc != 0)
        fail_msg("sim_verify: %s", err);
}

/* A new world with the given parameters and seed; world_close() ends it. */
static sim_world *world_open(const sim_params *params, uint64_t seed)
{
    sim_world *w = sim_world_new(params, seed);
    assert_non_null(w);
    return w;
}

/* Checks the invariants one last time and frees the world. */
static void world_close(sim_world *w)
{
    verify_ok(w);
    sim_world_free(w);
}

/* A server socket bound to PORT and listening with the given backlog. */
static int listener_open(sim_world *w, int backlog)
{
    int l = sim_socket(w, SIM_SERVER);
    assert_true(l >= 0);
    assert_int_equal(sim_bind(w, l, PORT), 0);
    assert_int_equal(sim_listen(w, l, backlog), 0);
    return l;
}

/* A client socket whose non-blocking connect to PORT is under way. */
static int client_connect(sim_world *w)
{
    int c = sim_socket(w, SIM_CLIENT);
    assert_true(c >= 0);
    assert_int_equal(sim_connect(w, c, PORT), -EINPROGRESS);
    return c;
}

/* A world with one established, accepted connection (listen backlog 5). */
static void pair_open(pair *p, const sim_params *params, uint64_t seed)
{
    p->w = world_open(params, seed);
    p->l = listener_open(p->w, 5);
    p->c = client_connect(p->w);
    sim_settle(p->w, 10000000);
    p->conn = sim_accept(p->w, p->l);
    assert_true(p->conn >= 0);
    verify_ok(p->w);
}

static void pair_close(pair *p)
{
    world_close(p->w);
}

static sim_snapshot snap(const sim_world *w, int s)
{
    sim_snapshot out;
    assert_int_equal(sim_snapshot_get(w, s, &out), 0);
    return out;
}

/* The first event of kind at or after index *from; fails when missing. */
static const sim_event *find_ev(const sim_world *w, size_t *from, sim_event_kind kind)
{
    size_t n;
    const sim_event *ev = sim_events(w, &n);
    for (size_t i = *from; i < n; i++) {
        if (ev[i].kind == kind) {
            *from = i + 1;
            return &ev[i];
        }
    }
    fail_msg("no event of kind %d after index %zu", kind, *from);
    return NULL;
}

static size_t count_ev(const sim_world *w, sim_event_kind kind)
{
    size_t n, c = 0;
    const sim_event *ev = sim_events(w, &n);
    for (size_t i = 0; i < n; i++)
        c += ev[i].kind == kind;
    return c;
}

/* Defaults are SPEC.md's. */
static void test_params_default_match_spec(void **state)
{
    (void)state;
    sim_params p = sim_params_default();
    assert_int_equal(p.latency_us, 5000);
    assert_int_equal(p.rate_bps, 10000000);
    assert_int_equal(p.mss_bytes, 1460);
    assert_int_equal(p.delayed_ack_us, 40000);
    assert_int_equal(p.sndbuf_bytes, 16384);
    assert_int_equal(p.rcvbuf_bytes, 131072);
    assert_int_equal(p.wmem_max_bytes, 212992);
    assert_int_equal(p.rmem_max_bytes, 212992);
}

/* connect completes one round trip later: SYN, SYN-ACK, ACK on the wire. */
static void test_connect_established_after_one_rtt(void **state)
{
    (void)state;
    sim_params pr = sim_params_default();
    sim_world *w = world_open(&pr, 1);
    int l = listener_open(w, 1);
    assert_int_equal(snap(w, l).state, SIM_LISTEN);
    int c = sim_socket(w, SIM_CLIENT);
    assert_int_equal(sim_accept(w, l), -EAGAIN);
    assert_int_equal(sim_connect(w, c, PORT), -EINPROGRESS);
    assert_int_equal(snap(w, c).state, SIM_SYN_SENT);
    assert_int_equal(sim_connect(w, c, PORT), -EALREADY);
    assert_int_equal(sim_next_event_us(w), 5000);
    sim_advance_to(w, 9999);
    assert_int_equal(snap(w, c).state, SIM_SYN_SENT);
    sim_advance_to(w, 10000);
    assert_int_equal(snap(w, c).state, SIM_ESTABLISHED);
    assert_int_equal(sim_accept(w, l), -EAGAIN); /* the ACK is still on the wire */
    sim_advance_to(w, 15000);
    assert_int_equal(snap(w, l).accept_queue, 1);
    int conn = sim_accept(w, l);
    assert_true(conn >= 0);
    assert_int_equal(snap(w, conn).state, SIM_ESTABLISHED);
    assert_int_equal(sim_peer(w, conn), c);
    assert_int_equal(sim_peer(w, c), conn);
    /* as Linux: the connect() after EINPROGRESS that finds the connection
     * made returns 0, once; then EISCONN */
    assert_int_equal(sim_connect(w, c, PORT), 0);
    assert_int_equal(sim_connect(w, c, PORT), -EISCONN);

    size_t i = 0;
    const sim_event *e = find_ev(w, &i, SIM_EV_SYN);
    assert_int_equal(e->time_us, 0);
    assert_int_equal(e->arrive_us, 5000);
    assert_int_equal(e->window, 65536);
    e = find_ev(w, &i, SIM_EV_SYN); /* SYN-ACK */
    assert_int_equal(e->time_us, 5000);
    assert_int_equal(e->arrive_us, 10000);
    assert_int_equal(e->window, 65536);
    e = find_ev(w, &i, SIM_EV_ACK);
    assert_int_equal(e->time_us, 10000);
    assert_int_equal(e->arrive_us, 15000);
    e = find_ev(w, &i, SIM_EV_ACCEPT);
    assert_int_equal(e->peer, conn);
    world_close(w);
}

/* Nobody listening: the SYN meets an RST and connect fails. */
static void test_connect_refused_by_rst(void **state)
{
    (void)state;
    sim_params pr = sim_params_default();
    sim_world *w = world_open(&pr, 1);
    int c = client_connect(w);
    sim_settle(w, 1000000);
    assert_int_equal(sim_now_us(w), 10000);
    sim_snapshot s = snap(w, c);
    assert_int_equal(s.state, SIM_CLOSED);
    assert_int_equal(s.pending_error, -ECONNREFUSED);
    assert_int_equal(count_ev(w, SIM_EV_RST), 1);
    assert_int_equal(count_ev(w, SIM_EV_RST_ARRIVE), 1);
    assert_int_equal(sim_connect(w, c, PORT), -ECONNREFUSED);
    world_close(w);
}

/* The basics lesson: 12 bytes land in the server's receive queue. */
static void test_send_hello_lands_in_receive_queue(void **state)
{
    (void)state;
    pair p;
    sim_params pr = sim_params_default();
    pair_open(&p, &pr, 7);
    uint64_t t0 = sim_now_us(p.w);
    sim_events_clear(p.w);
    const uint8_t msg[] = "Hello, world";
    assert_int_equal(sim_send(p.w, p.c, msg, 12, 0), 12);
    sim_snapshot cs = snap(p.w, p.c);
    assert_int_equal(cs.send_queue_bytes, 12);
    assert_int_equal(cs.in_flight_bytes, 12);
    assert_int_equal(cs.unsent_bytes, 0);
    size_t i = 0;
    const sim_event *e = find_ev(p.w, &i, SIM_EV_WRITE);
    assert_int_equal(e->bytes, 12);
    assert_int_equal(e->origin, 1);
    e = find_ev(p.w, &i, SIM_EV_SEGMENT);
    assert_int_equal(e->bytes, 12);
    assert_int_equal(e->time_us, t0);
    /* 12 bytes at 10 Mbit/s = 9.6 us, rounded up to 10 us, plus 5 ms. */
    assert_int_equal(e->arrive_us, t0 + 5000 + 10);
    sim_settle(p.w, 10000000);
    assert_int_equal(snap(p.w, p.conn).recv_queue_bytes, 12);
    assert_int_equal(snap(p.w, p.c).send_queue_bytes, 0);
    sim_run run;
    assert_int_equal(sim_runs(p.w, p.conn, SIM_Q_RECV, &run, 1), 1);
    assert_int_equal(run.origin, 1);
    assert_int_equal(run.bytes, 12);
    uint8_t buf[1024];
    assert_int_equal(sim_recv(p.w, p.conn, buf, sizeof(buf)), 12);
    assert_memory_equal(buf, msg, 12);
    assert_int_equal(sim_recv(p.w, p.conn, buf, sizeof(buf)), -EAGAIN);
    sim_snapshot ss = snap(p.w, p.conn);
    assert_int_equal(ss.bytes_read, 12);
    assert_int_equal(snap(p.w, p.c).bytes_written, 12);
    /* close: FIN, recv returns b'' on the other side. */
    assert_int_equal(sim_close(p.w, p.c), 0);
    assert_int_equal(sim_send(p.w, p.c, msg, 1, 0), -EBADF);
    sim_settle(p.w, 10000000);
    assert_int_equal(sim_recv(p.w, p.conn, buf, sizeof(buf)), 0);
    assert_true(snap(p.w, p.conn).eof);
    assert_int_equal(snap(p.w, p.conn).state, SIM_CLOSE_WAIT);
    assert_int_equal(snap(p.w, p.c).state, SIM_FIN_WAIT2);
    pair_close(&p);
}

/* recv(MSG_PEEK): the bytes come back, stay queued (no READ event, no
 * window change), and the next recv returns them; on an empty queue and
 * after FIN it answers as recv does. */
static void test_peek_leaves_bytes_queued(void **state)
{
    (void)state;
    pair p;
    sim_params pr = sim_params_default();
    pair_open(&p, &pr, 7);
    uint8_t buf[64];
    assert_int_equal(sim_peek(p.w, p.conn, buf, sizeof(buf)), -EAGAIN);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"hello world", 11, 0), 11);
    sim_settle(p.w, 10000000);
    sim_events_clear(p.w);
    assert_int_equal(sim_peek(p.w, p.conn, buf, 5), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(sim_peek(p.w, p.conn, buf, sizeof(buf)), 11);
    assert_int_equal(snap(p.w, p.conn).recv_queue_bytes, 11);
    assert_int_equal(snap(p.w, p.conn).bytes_read, 0);
    assert_int_equal(count_ev(p.w, SIM_EV_READ), 0);
    memset(buf, 0, sizeof buf);
    assert_int_equal(sim_recv(p.w, p.conn, buf, sizeof(buf)), 11);
    assert_memory_equal(buf, "hello world", 11);
    assert_int_equal(sim_close(p.w, p.c), 0);
    sim_settle(p.w, 10000000);
    assert_int_equal(sim_peek(p.w, p.conn, buf, sizeof(buf)), 0);
    pair_close(&p);
}

/* SO_RCVLOWAT as Linux keeps it: 1 by default and for 0, capped at half
 * tcp_rmem[2]'s default (a negative value too), at half SO_RCVBUF once
 * that is set, inherited by accepted sockets; poll() reads as readable
 * only from that many queued bytes, or at the end of the stream. */
static void test_rcvlowat_rules_and_poll(void **state)
{
    (void)state;
    pair p;
    sim_params pr = sim_params_default();
    pair_open(&p, &pr, 7);
    int v = -1;
    assert_int_equal(sim_getsockopt(p.w, p.conn, SIM_SO_RCVLOWAT, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(sim_setsockopt(p.w, p.conn, SIM_SO_RCVLOWAT, 0), 0);
    assert_int_equal(sim_getsockopt(p.w, p.conn, SIM_SO_RCVLOWAT, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(sim_setsockopt(p.w, p.conn, SIM_SO_RCVLOWAT, -1), 0);
    assert_int_equal(sim_getsockopt(p.w, p.conn, SIM_SO_RCVLOWAT, &v), 0);
    assert_int_equal(v, 6291456 / 2);
    assert_int_equal(sim_setsockopt(p.w, p.c, SIM_SO_RCVBUF, 4096), 0);
    assert_int_equal(sim_setsockopt(p.w, p.c, SIM_SO_RCVLOWAT, 1000000), 0);
    assert_int_equal(sim_getsockopt(p.w, p.c, SIM_SO_RCVLOWAT, &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(sim_setsockopt(p.w, p.conn, SIM_SO_RCVLOWAT, 10), 0);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"abc", 3, 0), 3);
    sim_settle(p.w, 10000000);
    assert_false(sim_poll(p.w, p.conn) & SIM_POLL_IN);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"1234567", 7, 0), 7);
    sim_settle(p.w, 10000000);
    assert_true(sim_poll(p.w, p.conn) & SIM_POLL_IN);
    uint8_t buf[64];
    assert_int_equal(sim_recv(p.w, p.conn, buf, 8), 8);
    assert_false(sim_poll(p.w, p.conn) & SIM_POLL_IN);
    assert_int_equal(sim_close(p.w, p.c), 0);
    sim_settle(p.w, 10000000);
    assert_true(sim_poll(p.w, p.conn) & SIM_POLL_IN); /* the FIN */
    pair_close(&p);
}

static const char *kind_name(sim_event_kind k)
{
    static const char *const names[] = {"?",     "WRITE",      "SEGMENT", "DELIVER",    "READ",
                                        "ACK",   "ACK_ARRIVE", "WINDOW",  "PROBE",      "SYN",
                                        "FIN",   "FIN_ARRIVE", "RST",     "RST_ARRIVE", "STATE",
                                        "TIMER", "ACCEPT"};
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

/* SIM_DUMP=1 prints the event log (to debug a failing case). */
static void dump(const sim_world *w)
{
    if (getenv("SIM_DUMP") == NULL)
        return;
    size_t n;
    const sim_event *ev = sim_events(w, &n);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%8llu %-10s sock %d peer %d bytes %u seq %llu win %u origin %u state %d %s\n",
                (unsigned long long)ev[i].time_us, kind_name(ev[i].kind), ev[i].sock, ev[i].peer,
                ev[i].bytes, (unsigned long long)ev[i].seq, ev[i].window, ev[i].origin,
                ev[i].kind == SIM_EV_STATE ? (int)ev[i].state : -1,
                ev[i].why ? ev[i].why : "");
}

static sim_params fast_params(void)
{
    sim_params p = sim_params_default();
    p.rate_bps = 0; /* infinite: times are latencies only */
    return p;
}

/* Back-to-back segments queue for the wire: each waits for the previous
 * one's serialization (1460 bytes at 10 Mbit/s = 1168 us). */
static void test_wire_serialization_queues_segments(void **state)
{
    (void)state;
    pair p;
    sim_params pr = sim_params_default();
    pair_open(&p, &pr, 3);
    uint64_t t0 = sim_now_us(p.w);
    sim_events_clear(p.w);
    static uint8_t data[4000];
    assert_int_equal(sim_send(p.w, p.c, data, 3000, 0), 3000);
    size_t i = 0;
    const sim_event *e1 = find_ev(p.w, &i, SIM_EV_SEGMENT);
    const sim_event *e2 = find_ev(p.w, &i, SIM_EV_SEGMENT);
    const sim_event *e3 = find_ev(p.w, &i, SIM_EV_SEGMENT);
    assert_int_equal(e1->bytes, 1460);
    assert_int_equal(e2->bytes, 1460);
    assert_int_equal(e3->bytes, 80);
    assert_int_equal(e1->arrive_us, t0 + 1168 + 5000);
    assert_int_equal(e2->arrive_us, t0 + 2336 + 5000);
    assert_int_equal(e3->arrive_us, t0 + 2400 + 5000); /* 80 bytes = 64 us */
    assert_int_equal(e3->seq, 2920);
    assert_string_equal(e3->why, "push");
    pair_close(&p);
}

/* Nagle: a small segment waits while a small one is unacknowledged, and
 * leaves when the ACK arrives; TCP_NODELAY sends it at once. */
static void test_nagle_holds_small_segment_until_ack(void **state)
{
    (void)state;
    for (int nodelay = 0; nodelay <= 1; nodelay++) {
        pair p;
        sim_params pr = fast_params();
        pair_open(&p, &pr, 3);
        assert_int_equal(sim_setsockopt(p.w, p.c, SIM_TCP_NODELAY, nodelay), 0);
        int v = -1;
        assert_int_equal(sim_getsockopt(p.w, p.c, SIM_TCP_NODELAY, &v), 0);
        assert_int_equal(v, nodelay);
        uint64_t t0 = sim_now_us(p.w);
        sim_events_clear(p.w);
        assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"a", 1, 0), 1);
        assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"b", 1, 0), 1);
        sim_snapshot s = snap(p.w, p.c);
        assert_int_equal(s.unsent_bytes, nodelay ? 0 : 1);
        assert_int_equal(s.in_flight_bytes, nodelay ? 2 : 1);
        sim_settle(p.w, 1000000);
        dump(p.w);
        size_t i = 0;
        find_ev(p.w, &i, SIM_EV_SEGMENT);
        const sim_event *second = find_ev(p.w, &i, SIM_EV_SEGMENT);
        /* The first segment's quick ACK is back after one round trip. */
        assert_int_equal(second->time_us, nodelay ? t0 : t0 + 10000);
        assert_int_equal(second->origin, 2);
        assert_int_equal(snap(p.w, p.conn).recv_queue_bytes, 2);
        pair_close(&p);
    }
}

/* TCP_CORK holds a partial segment until uncorked; full segments go. */
static void test_cork_holds_until_uncork(void **state)
{
    (void)state;
    pair p;
    sim_params pr = fast_params();
    pair_open(&p, &pr, 3);
    assert_int_equal(sim_setsockopt(p.w, p.c, SIM_TCP_CORK, 1), 0);
    static uint8_t data[2000];
    assert_int_equal(sim_send(p.w, p.c, data, 1500, 0), 1500);
    sim_settle(p.w, 10000000);
    sim_snapshot s = snap(p.w, p.c);
    assert_int_equal(s.unsent_bytes, 40);
    assert_int_equal(snap(p.w, p.conn).recv_queue_bytes, 1460);
    uint64_t t = sim_now_us(p.w);
    assert_int_equal(sim_setsockopt(p.w, p.c, SIM_TCP_CORK, 0), 0);
    assert_int_equal(snap(p.w, p.c).unsent_bytes, 0);
    sim_settle(p.w, 10000000);
    assert_int_equal(snap(p.w, p.conn).recv_queue_bytes, 1500);
    assert_true(sim_now_us(p.w) >= t + 5000);
    pair_close(&p);
}

/* MSG_MORE holds the tail until a send without it. */
static void test_msg_more_holds_tail(void **state)
{
    (void)state;
    pair p;
    sim_params pr = fast_params();
    pair_open(&p, &pr, 3);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"GET ", 4, SIM_MSG_MORE), 4);
    sim_settle(p.w, 10000000);
    assert_int_equal(snap(p.w, p.c).unsent_bytes, 4);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"/\r\n", 3, 0), 3);
    assert_int_equal(snap(p.w, p.c).unsent_bytes, 0);
    sim_settle(p.w, 10000000);
    sim_run runs[4];
    assert_int_equal(sim_runs(p.w, p.conn, SIM_Q_RECV, runs, 4), 2);
    assert_int_equal(runs[0].origin, 1);
    assert_int_equal(runs[0].bytes, 4);
    assert_int_equal(runs[1].origin, 2);
    assert_int_equal(runs[1].bytes, 3);
    assert_int_equal(count_ev(p.w, SIM_EV_SEGMENT), 1);
    pair_close(&p);
}

/* The first 16 data segments are ACKed at once; after that a lone small
 * segment is ACKed by the 40 ms delayed-ACK timer. */
static void test_delayed_ack_after_quickacks(void **state)
{
    (void)state;
    pair p;
    sim_params pr = fast_params();
    pair_open(&p, &pr, 3);
    for (int k = 0; k < 16; k++) {
        sim_events_clear(p.w);
        assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"x", 1, 0), 1);
        sim_settle(p.w, 10000000);
        size_t i = 0;
        const sim_event *a = find_ev(p.w, &i, SIM_EV_ACK);
        assert_string_equal(a->why, "quickack");
    }
    sim_events_clear(p.w);
    uint64_t t0 = sim_now_us(p.w);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"x", 1, 0), 1);
    sim_settle(p.w, 10000000);
    dump(p.w);
    size_t i = 0;
    const sim_event *tm = find_ev(p.w, &i, SIM_EV_TIMER);
    assert_string_equal(tm->why, "delayed-ack");
    assert_int_equal(tm->time_us, t0 + 5000 + 40000);
    const sim_event *a = find_ev(p.w, &i, SIM_EV_ACK);
    assert_string_equal(a->why, "delayed-ack");
    assert_int_equal(a->time_us, t0 + 45000);
    const sim_event *arr = find_ev(p.w, &i, SIM_EV_ACK_ARRIVE);
    assert_int_equal(arr->time_us, t0 + 50000);
    assert_int_equal(arr->bytes, 1);
    assert_int_equal(sim_now_us(p.w), t0 + 50000);
    pair_close(&p);
}

/* Two full segments unacknowledged: the second one is ACKed at once. */
static void test_ack_every_second_full_segment(void **state)
{
    (void)state;
    pair p;
    sim_params pr = fast_params();
    pair_open(&p, &pr, 3);
    static uint8_t data[8192];
    /* Use up the quick ACKs. */
    for (int k = 0; k < 16; k++) {
        assert_int_equal(sim_send(p.w, p.c, data, 1, 0), 1);
        sim_settle(p.w, 10000000);
    }
    sim_events_clear(p.w);
    uint64_t t0 = sim_now_us(p.w);
    assert_int_equal(sim_send(p.w, p.c, data, 2920, 0), 2920);
    sim_settle(p.w, 10000000);
    dump(p.w);
    size_t i = 0;
    const sim_event *a = find_ev(p.w, &i, SIM_EV_ACK);
    assert_string_equal(a->why, "two-segments");
    assert_int_equal(a->time_us, t0 + 5000);
    assert_int_equal(a->seq, 2920 + 16);
    assert_int_equal(count_ev(p.w, SIM_EV_TIMER), 0);
    pair_close(&p);
}

/* SO_SNDBUF / SO_RCVBUF: Linux doubles and clamps (SPEC.md section 3). */
static void test_sockopt_buffers_double_and_clamp(void **state)
{
    (void)state;
    sim_params pr = sim_params_default();
    sim_world *w = world_open(&pr, 1);
    int s = sim_socket(w, SIM_CLIENT);
    int v = 0;
    assert_int_equal(sim_getsockopt(w, s, SIM_SO_SNDBUF, &v), 0);
    assert_int_equal(v, 16384);
    assert_int_equal(sim_getsockopt(w, s, SIM_SO_RCVBUF, &v), 0);
    assert_int_equal(v, 131072);
    const struct {
        sim_opt opt;
        int set, get;
    } cases[] = {
        {SIM_SO_SNDBUF, 1, 4608},         {SIM_SO_SNDBUF, 4096, 8192},
        {SIM_SO_SNDBUF, 2303, 4608},      {SIM_SO_SNDBUF, 2305, 4610},
        {SIM_SO_SNDBUF, 1 << 20, 425984}, {SIM_SO_SNDBUF, -1, 425984},
        {SIM_SO_RCVBUF, 1, 2304},         {SIM_SO_RCVBUF, 1000, 2304},
        {SIM_SO_RCVBUF, 4096, 8192},      {SIM_SO_RCVBUF, 1 << 30, 425984},
        {SIM_SO_SNDBUF, 0, 4608},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        assert_int_equal(sim_setsockopt(w, s, cases[k].opt, cases[k].set), 0);
        assert_int_equal(sim_getsockopt(w, s, cases[k].opt, &v), 0);
        assert_int_equal(v, cases[k].get);
        sim_snapshot sn = snap(w, s);
        assert_int_equal(cases[k].opt == SIM_SO_SNDBUF ? sn.sndbuf_bytes : sn.rcvbuf_bytes,
                         cases[k].get);
    }
    assert_int_equal(sim_setsockopt(w, 99, SIM_SO_SNDBUF, 1), -EBADF);
    assert_int_equal(sim_setsockopt(w, s, (sim_opt)77, 1), -EINVAL);
    world_close(w);
}

/* A non-blocking send takes what fits (sndbuf/2 payload) and then
 * -EAGAIN; sending resumes as ACKs free the queue. */
static void test_send_partial_then_eagain(void **state)
{
    (void)state;
    pair p;
    sim_params pr = sim_params_default();
    pair_open(&p, &pr, 3);
    static uint8_t data[100000];
    assert_int_equal(sim_send(p.w, p.c, data, sizeof(data), 0), 8192);
    assert_int_equal(sim_send(p.w, p.c, data, sizeof(data), 0), -EAGAIN);
    assert_int_equal(snap(p.w, p.c).send_queue_bytes, 8192);
    assert_int_equal(sim_setsockopt(p.w, p.c, SIM_SO_SNDBUF, 4096), 0);
    assert_int_equal(sim_send(p.w, p.c, data, 1, 0), -EAGAIN); /* 8192 > 4096 */
    sim_advance_to(p.w, sim_next_event_us(p.w));
    while (snap(p.w, p.c).send_queue_bytes >= 4096)
        sim_advance_to(p.w, sim_next_event_us(p.w));
    long n = sim_send(p.w, p.c, data, sizeof(data), 0);
    assert_true(n > 0);
    assert_int_equal(snap(p.w, p.c).send_queue_bytes, 4096);
    pair_close(&p);
}

/* A reader that never reads: the window closes, persist probes back off
 * (200, 400, 800 ms...), and reading opens the window again. */
static void test_zero_window_probes_and_update(void **state)
{
    (void)state;
    pair p;
    sim_params pr = fast_params();
    pr.rcvbuf_bytes = 8192; /* window 4096 */
    pair_open(&p, &pr, 3);
    static uint8_t data[8192];
    assert_int_equal(sim_send(p.w, p.c, data, 8192, 0), 8192);
    uint64_t t0 = sim_now_us(p.w);
    sim_settle(p.w, 100000000);
    dump(p.w);
    sim_snapshot s = snap(p.w, p.c);
    assert_int_equal(s.peer_window_bytes, 0);
    assert_int_equal(s.unsent_bytes, 4096);
    assert_int_equal(s.in_flight_bytes, 0);
    assert_int_equal(snap(p.w, p.conn).recv_queue_bytes, 4096);
    /* settle stopped at the zero window: nothing more without the app. */
    uint64_t closed_at = sim_now_us(p.w);
    assert_true(closed_at < t0 + 100000);
    sim_events_clear(p.w);
    sim_advance_to(p.w, closed_at + 1500000);
    size_t i = 0;
    const sim_event *pr1 = find_ev(p.w, &i, SIM_EV_PROBE);
    assert_int_equal(pr1->time_us, closed_at + 200000);
    const sim_event *ack = find_ev(p.w, &i, SIM_EV_ACK);
    assert_string_equal(ack->why, "probe");
    assert_int_equal(ack->window, 0);
    const sim_event *pr2 = find_ev(p.w, &i, SIM_EV_PROBE);
    assert_int_equal(pr2->time_us, closed_at + 600000);
    const sim_event *pr3 = find_ev(p.w, &i, SIM_EV_PROBE);
    assert_int_equal(pr3->time_us, closed_at + 1400000);
    /* Reading opens the window: a window update, the rest flows. */
    sim_events_clear(p.w);
    uint8_t buf[8192];
    assert_int_equal(sim_recv(p.w, p.conn, buf, sizeof(buf)), 4096);
    i = 0;
    const sim_event *wu = find_ev(p.w, &i, SIM_EV_WINDOW);
    assert_int_equal(wu->window, 4096);
    sim_settle(p.w, 100000000);
    assert_int_equal(snap(p.w, p.c).send_queue_bytes, 0);
    assert_int_equal(snap(p.w, p.conn).recv_queue_bytes, 4096);
    assert_int_equal(sim_recv(p.w, p.conn, buf, sizeof(buf)), 4096);
    pair_close(&p);
}

/* Short and coalesced reads: recv returns at most cap bytes, and bytes of
 * several writes come back together. */
static void test_recv_short_and_coalesced(void **state)
{
    (void)state;
    pair p;
    sim_params pr = fast_params();
    pair_open(&p, &pr, 3);
    assert_int_equal(sim_setsockopt(p.w, p.c, SIM_TCP_NODELAY, 1), 0);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"abc", 3, 0), 3);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"defg", 4, 0), 4);
    sim_settle(p.w, 10000000);
    uint8_t buf[16];
    assert_int_equal(sim_recv(p.w, p.conn, buf, 2), 2);
    assert_memory_equal(buf, "ab", 2);
    sim_run runs[4];
    assert_int_equal(sim_runs(p.w, p.conn, SIM_Q_RECV, runs, 4), 2);
    assert_int_equal(runs[0].bytes, 1);
    assert_int_equal(runs[1].origin, 2);
    assert_int_equal(sim_recv(p.w, p.conn, buf, 16), 5);
    assert_memory_equal(buf, "cdefg", 5);
    pair_close(&p);
}

/* close() with unread data sends RST; the peer's next send raises
 * ConnectionResetError, the one after BrokenPipeError. */
static void test_close_unread_resets_peer(void **state)
{
    (void)state;
    pair p;
    sim_params pr = sim_params_default();
    pair_open(&p, &pr, 3);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"hello", 5, 0), 5);
    sim_settle(p.w, 10000000);
    assert_int_equal(sim_close(p.w, p.conn), 0);
    size_t i = 0;
    const sim_event *r = find_ev(p.w, &i, SIM_EV_RST);
    assert_string_equal(r->why, "close-unread");
    sim_settle(p.w, 10000000);
    assert_int_equal(snap(p.w, p.c).state, SIM_CLOSED);
    assert_int_equal(snap(p.w, p.c).pending_error, -ECONNRESET);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"x", 1, 0), -ECONNRESET);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"x", 1, 0), -EPIPE);
    uint8_t buf[8];
    assert_int_equal(sim_recv(p.w, p.c, buf, 8), 0);
    pair_close(&p);
}

/* Data sent to a socket closed without unread data is answered with RST;
 * the sender had seen the FIN (CLOSE_WAIT), so Linux's tcp_reset() reports
 * EPIPE, not ECONNRESET: BrokenPipeError both times, as on a real kernel. */
static void test_send_after_peer_close_resets(void **state)
{
    (void)state;
    pair p;
    sim_params pr = sim_params_default();
    pair_open(&p, &pr, 3);
    assert_int_equal(sim_close(p.w, p.conn), 0);
    sim_settle(p.w, 10000000);
    assert_int_equal(snap(p.w, p.c).state, SIM_CLOSE_WAIT);
    uint8_t buf[8];
    assert_int_equal(sim_recv(p.w, p.c, buf, 8), 0);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"late", 4, 0), 4);
    sim_settle(p.w, 10000000);
    assert_int_equal(snap(p.w, p.c).state, SIM_CLOSED);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"x", 1, 0), -EPIPE);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"x", 1, 0), -EPIPE);
    pair_close(&p);
}

/* shutdown(SHUT_WR) sends FIN after the data; the states walk through
 * FIN_WAIT1, FIN_WAIT2, TIME_WAIT (60 s) and CLOSE_WAIT, LAST_ACK. */
static void test_shutdown_states_and_time_wait(void **state)
{
    (void)state;
    pair p;
    sim_params pr = fast_params();
    pair_open(&p, &pr, 3);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"bye", 3, 0), 3);
    assert_int_equal(sim_shutdown(p.w, p.c, SIM_SHUT_WR), 0);
    assert_int_equal(snap(p.w, p.c).state, SIM_FIN_WAIT1);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"x", 1, 0), -EPIPE);
    sim_settle(p.w, 10000000);
    assert_int_equal(snap(p.w, p.c).state, SIM_FIN_WAIT2);
    assert_int_equal(snap(p.w, p.conn).state, SIM_CLOSE_WAIT);
    uint8_t buf[8];
    assert_int_equal(sim_recv(p.w, p.conn, buf, 8), 3);
    assert_int_equal(sim_recv(p.w, p.conn, buf, 8), 0);
    /* The half-closed peer can still send. */
    assert_int_equal(sim_send(p.w, p.conn, (const uint8_t *)"ok", 2, 0), 2);
    sim_settle(p.w, 10000000);
    assert_int_equal(sim_recv(p.w, p.c, buf, 8), 2);
    assert_int_equal(sim_close(p.w, p.conn), 0);
    assert_int_equal(snap(p.w, p.conn).state, SIM_LAST_ACK);
    sim_settle(p.w, 10000000);
    /* The client entered TIME_WAIT when the FIN arrived, one latency
     * before its ACK closed the server side. */
    uint64_t t = sim_now_us(p.w) - 5000;
    assert_int_equal(snap(p.w, p.c).state, SIM_TIME_WAIT);
    assert_int_equal(snap(p.w, p.conn).state, SIM_CLOSED);
    assert_int_equal(sim_next_event_us(p.w), t + 60000000);
    sim_advance_to(p.w, t + 60000000 - 1);
    assert_int_equal(snap(p.w, p.c).state, SIM_TIME_WAIT);
    sim_advance_to(p.w, t + 60000000);
    assert_int_equal(snap(p.w, p.c).state, SIM_CLOSED);
    pair_close(&p);
}

/* Every byte keeps its origin through unsent, in flight and receive queue. */
static void test_origins_follow_bytes(void **state)
{
    (void)state;
    pair p;
    sim_params pr = sim_params_default();
    pr.rcvbuf_bytes = 8192;
    pair_open(&p, &pr, 3);
    static uint8_t data[3000];
    assert_int_equal(sim_send(p.w, p.c, data, 1000, 0), 1000);
    assert_int_equal(sim_send(p.w, p.c, data, 3000, 0), 3000);
    assert_int_equal(sim_send(p.w, p.c, data, 2000, 0), 2000);
    sim_run runs[8];
    int n = sim_runs(p.w, p.c, SIM_Q_IN_FLIGHT, runs, 8);
    assert_int_equal(n, 2); /* 1000 of write 1, two full segments of write 2 */
    assert_int_equal(runs[0].origin, 1);
    assert_int_equal(runs[0].bytes, 1000);
    assert_int_equal(runs[1].origin, 2);
    assert_int_equal(runs[1].bytes, 2920);
    n = sim_runs(p.w, p.c, SIM_Q_UNSENT, runs, 8);
    assert_int_equal(n, 2);
    assert_int_equal(runs[0].origin, 2);
    assert_int_equal(runs[0].bytes, 80); /* Nagle holds the tail */
    assert_int_equal(runs[1].origin, 3);
    assert_int_equal(runs[1].bytes, 2000);
    assert_int_equal(sim_runs(p.w, p.c, SIM_Q_UNSENT, runs, 1), 2); /* count beyond max */
    sim_settle(p.w, 10000000);
    n = sim_runs(p.w, p.conn, SIM_Q_RECV, runs, 8);
    assert_int_equal(n, 3);
    assert_int_equal(runs[0].bytes + runs[1].bytes + runs[2].bytes, 4096);
    assert_int_equal(runs[2].origin, 3);
    assert_int_equal(sim_runs(p.w, 99, SIM_Q_RECV, runs, 8), -EBADF);
    pair_close(&p);
}

/* One fixed run of calls on a fresh pair (seed 42): bulk data, a partial
 * read, a reply and a close. */
static void script(pair *p)
{
    sim_params pr = sim_params_default();
    pair_open(p, &pr, 42);
    sim_world *w = p->w;
    static uint8_t data[50000];
    sim_send(w, p->c, data, sizeof(data), 0);
    sim_advance_to(w, sim_now_us(w) + 30000);
    sim_recv(w, p->conn, NULL, 3000);
    sim_send(w, p->conn, data, 100, 0);
    sim_settle(w, 10000000);
    sim_close(w, p->c);
    sim_settle(w, 10000000);
}

/* Same seed and calls, same event log; the log is not empty. */
static void test_determinism_same_log(void **state)
{
    (void)state;
    pair a, b;
    script(&a);
    script(&b);
    size_t na, nb;
    const sim_event *ea = sim_events(a.w, &na), *eb = sim_events(b.w, &nb);
    assert_true(na > 20);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(ea[i].time_us, eb[i].time_us);
        assert_int_equal(ea[i].arrive_us, eb[i].arrive_us);
        assert_int_equal(ea[i].kind, eb[i].kind);
        assert_int_equal(ea[i].sock, eb[i].sock);
        assert_int_equal(ea[i].bytes, eb[i].bytes);
        assert_int_equal(ea[i].seq, eb[i].seq);
        assert_int_equal(ea[i].window, eb[i].window);
        assert_int_equal(ea[i].origin, eb[i].origin);
        assert_string_equal(ea[i].why ? ea[i].why : "", eb[i].why ? eb[i].why : "");
        if (i > 0)
            assert_true(ea[i].time_us >= ea[i - 1].time_us);
    }
    pair_close(&a);
    pair_close(&b);
}

/* settle stops at a zero window probed forever, within the limit. */
static void test_settle_terminates_on_zero_window(void **state)
{
    (void)state;
    pair p;
    sim_params pr = sim_params_default();
    pr.rcvbuf_bytes = 4608;
    pair_open(&p, &pr, 3);
    static uint8_t data[8192];
    assert_true(sim_send(p.w, p.c, data, sizeof(data), 0) > 0);
    uint64_t n = sim_settle(p.w, UINT64_MAX);
    assert_true(n > 0);
    assert_true(sim_now_us(p.w) < 1000000);
    assert_int_equal(sim_settle(p.w, UINT64_MAX), 0);
    assert_int_not_equal(sim_next_event_us(p.w), UINT64_MAX); /* the persist timer */
    pair_close(&p);
}

/* sendall() as the runner does it: send, and on -EAGAIN let time pass to
 * the next event; every byte arrives in order and the wire rate bounds the
 * time taken. */
static void test_sendall_loop_delivers_everything(void **state)
{
    (void)state;
    pair p;
    sim_params pr = sim_params_default();
    pair_open(&p, &pr, 5);
    enum { TOTAL = 200 * 1024 };
    static uint8_t out[TOTAL], in[TOTAL];
    for (size_t k = 0; k < TOTAL; k++)
        out[k] = (uint8_t)(k * 7 + k / 251);
    uint64_t t0 = sim_now_us(p.w);
    size_t sent = 0, got = 0;
    int eagains = 0;
    while (got < TOTAL) {
        if (sent < TOTAL) {
            long n = sim_send(p.w, p.c, out + sent, TOTAL - sent, 0);
            if (n == -EAGAIN)
                eagains++;
            else
                sent += (size_t)n;
        }
        long r = 0;
        while (got < TOTAL && (r = sim_recv(p.w, p.conn, in + got, TOTAL - got)) > 0)
            got += (size_t)r;
        if (got < TOTAL)
            assert_int_equal(r, -EAGAIN);
        if (got < TOTAL) {
            uint64_t next = sim_next_event_us(p.w);
            assert_int_not_equal(next, UINT64_MAX);
            sim_advance_to(p.w, next);
        }
        verify_ok(p.w);
    }
    assert_true(eagains > 0);
    assert_memory_equal(in, out, TOTAL);
    /* 200 KiB at 10 Mbit/s take at least 167.8 ms on the wire. */
    assert_true(sim_now_us(p.w) - t0 >= (uint64_t)TOTAL * 8 / 10);
    sim_settle(p.w, 10000000);
    assert_int_equal(snap(p.w, p.c).send_queue_bytes, 0);
    assert_int_equal(snap(p.w, p.c).bytes_written, TOTAL);
    assert_int_equal(snap(p.w, p.conn).bytes_read, TOTAL);
    pair_close(&p);
}

/* Two clients are accepted in the order their handshakes completed. */
static void test_accept_queue_in_order(void **state)
{
    (void)state;
    pair p;
    sim_params pr = sim_params_default();
    pair_open(&p, &pr, 5);
    int c2 = sim_socket(p.w, SIM_CLIENT);
    sim_advance_to(p.w, sim_now_us(p.w) + 100);
    int c3 = sim_socket(p.w, SIM_CLIENT);
    assert_int_equal(sim_connect(p.w, c3, PORT), -EINPROGRESS);
    sim_advance_to(p.w, sim_now_us(p.w) + 100);
    assert_int_equal(sim_connect(p.w, c2, PORT), -EINPROGRESS);
    sim_settle(p.w, 10000000);
    assert_int_equal(snap(p.w, p.l).accept_queue, 2);
    int a = sim_accept(p.w, p.l), b = sim_accept(p.w, p.l);
    assert_int_equal(sim_peer(p.w, a), c3);
    assert_int_equal(sim_peer(p.w, b), c2);
    assert_int_equal(sim_accept(p.w, p.l), -EAGAIN);
    assert_int_equal(sim_accept(p.w, p.c), -EINVAL);
    pair_close(&p);
}

/* A second connection through the same listener, accepted at once and
 * written on in the same breath as the first: the bytes of both arrive
 * exactly when latency and rate say (the accept waits three one-way trips,
 * the data a fourth plus its serialization), and none stay in flight. The
 * probe behind README's old "known model bug": a `wait 20ms` ends 5 us
 * before the data lands, on one connection as on two. */
static void test_second_connection_data_arrives_on_time(void **state)
{
    (void)state;
    pair p;
    sim_params pr = sim_params_default(); /* 5 ms, 10 Mbit/s */
    pair_open(&p, &pr, 11);
    sim_advance_to(p.w, sim_now_us(p.w) + 1000);
    uint64_t t0 = sim_now_us(p.w);
    int c2 = client_connect(p.w);
    sim_advance_to(p.w, t0 + 14999);
    assert_int_equal(sim_accept(p.w, p.l), -EAGAIN);
    sim_advance_to(p.w, t0 + 15000); /* SYN, SYN-ACK, ACK */
    int conn2 = sim_accept(p.w, p.l);
    assert_true(conn2 >= 0);
    assert_int_equal(sim_peer(p.w, conn2), c2);
    assert_int_equal(sim_send(p.w, conn2, (const uint8_t *)"unread", 6, 0), 6); /* 4.8 us */
    assert_int_equal(sim_send(p.w, p.conn, (const uint8_t *)"first", 5, 0), 5); /* 4.0 us after */
    sim_advance_to(p.w, t0 + 20000);
    assert_int_equal(snap(p.w, c2).recv_queue_bytes, 0);
    assert_int_equal(snap(p.w, conn2).in_flight_bytes, 6);
    assert_int_equal(snap(p.w, p.conn).in_flight_bytes, 5);
    sim_advance_to(p.w, t0 + 20005);
    assert_int_equal(snap(p.w, c2).recv_queue_bytes, 6);
    assert_int_equal(snap(p.w, p.c).recv_queue_bytes, 0);
    sim_advance_to(p.w, t0 + 20009);
    assert_int_equal(snap(p.w, p.c).recv_queue_bytes, 5);
    sim_settle(p.w, 10000000);
    assert_int_equal(snap(p.w, conn2).in_flight_bytes, 0);
    assert_int_equal(snap(p.w, p.conn).in_flight_bytes, 0);
    uint8_t buf[16];
    assert_int_equal(sim_recv(p.w, c2, buf, sizeof buf), 6);
    assert_memory_equal(buf, "unread", 6);
    assert_int_equal(sim_recv(p.w, p.c, buf, sizeof buf), 5);
    assert_memory_equal(buf, "first", 5);
    pair_close(&p);
}

/* Closing a listener resets the connections nobody accepted. */
static void test_listener_close_resets_unaccepted(void **state)
{
    (void)state;
    sim_params pr = sim_params_default();
    sim_world *w = world_open(&pr, 9);
    int l = listener_open(w, 4);
    int c = client_connect(w);
    sim_settle(w, 1000000);
    assert_int_equal(snap(w, c).state, SIM_ESTABLISHED);
    assert_int_equal(sim_close(w, l), 0);
    sim_settle(w, 1000000);
    assert_int_equal(snap(w, c).state, SIM_CLOSED);
    uint8_t buf[4];
    assert_int_equal(sim_recv(w, c, buf, 4), -ECONNRESET);
    assert_int_equal(sim_recv(w, c, buf, 4), 0);
    world_close(w);
}

/* Bad handles and calls out of place give the kernel's errors. */
static void test_errors_for_bad_calls(void **state)
{
    (void)state;
    sim_params pr = sim_params_default();
    sim_world *w = world_open(&pr, 9);
    uint8_t buf[4];
    assert_int_equal(sim_send(w, 3, buf, 1, 0), -EBADF);
    assert_int_equal(sim_recv(w, -1, buf, 1), -EBADF);
    assert_int_equal(sim_close(w, 0), -EBADF);
    int s = sim_socket(w, SIM_CLIENT);
    /* Linux: send() on a stream socket that is no connection is EPIPE
     * (tcp_sendmsg -> sk_stream_wait_connect), recv() is ENOTCONN */
    assert_int_equal(sim_send(w, s, buf, 1, 0), -EPIPE);
    assert_int_equal(sim_send(w, s, buf, 0, 0), -EPIPE);
    assert_int_equal(sim_recv(w, s, buf, 1), -ENOTCONN);
    assert_int_equal(sim_shutdown(w, s, SIM_SHUT_WR), -ENOTCONN);
    sim_snapshot sn;
    assert_int_equal(sim_snapshot_get(w, 42, &sn), -EBADF);
    assert_int_equal(sim_close(w, s), 0);
    assert_int_equal(sim_close(w, s), -EBADF);
    world_close(w);
}

/* A shutdown that reads stops a listener (queued connection reset,
 * accept() EINVAL, listen() again on the same port); SHUT_WR leaves it
 * listening (#25 difference 12). */
static void test_shutdown_listener_stops_it(void **state)
{
    (void)state;
    sim_params pr = sim_params_default();
    sim_world *w = world_open(&pr, 9);
    int l = listener_open(w, 4);
    assert_int_equal(sim_shutdown(w, l, SIM_SHUT_WR), 0);
    assert_int_equal(snap(w, l).state, SIM_LISTEN);
    int c = client_connect(w);
    sim_settle(w, 1000000);
    assert_int_equal(snap(w, c).state, SIM_ESTABLISHED);
    assert_int_equal(sim_shutdown(w, l, SIM_SHUT_RD), 0);
    assert_int_equal(snap(w, l).state, SIM_CLOSED);
    assert_int_equal(sim_accept(w, l), -EINVAL);
    sim_settle(w, 1000000);
    assert_int_equal(snap(w, c).state, SIM_CLOSED);
    uint8_t buf[4];
    assert_int_equal(sim_recv(w, c, buf, 4), -ECONNRESET);
    /* a new connection is refused until the listener listens again */
    int d = client_connect(w);
    sim_settle(w, 1000000);
    assert_int_equal(sim_connect(w, d, PORT), -ECONNREFUSED);
    assert_int_equal(sim_listen(w, l, 4), 0);
    int e = client_connect(w);
    sim_settle(w, 1000000);
    assert_int_equal(snap(w, e).state, SIM_ESTABLISHED);
    assert_true(sim_accept(w, l) >= 0);
    world_close(w);
}

/* Binds conflict as on one host: across sides, with a socket bound but
 * not listening, with TIME_WAIT, unless both set SO_REUSEADDR and the
 * other does not listen; shutdown() of a finished connection is ENOTCONN
 * (#25 difference 13). */
static void test_bind_conflicts_as_one_host(void **state)
{
    (void)state;
    pair p;
    sim_params pr = fast_params();
    pair_open(&p, &pr, 3);
    /* the client side cannot bind the server's port */
    int cb = sim_socket(p.w, SIM_CLIENT);
    assert_int_equal(sim_bind(p.w, cb, PORT), -EADDRINUSE);
    assert_int_equal(sim_setsockopt(p.w, cb, SIM_SO_REUSEADDR, 1), 0);
    assert_int_equal(sim_bind(p.w, cb, PORT), -EADDRINUSE); /* a listener: even so */
    /* the server closes first: its connection ends in TIME_WAIT */
    assert_int_equal(sim_close(p.w, p.l), 0);
    assert_int_equal(sim_close(p.w, p.conn), 0);
    sim_settle(p.w, 10000000);
    assert_int_equal(sim_close(p.w, p.c), 0);
    sim_settle(p.w, 10000000);
    assert_int_equal(snap(p.w, p.conn).state, SIM_TIME_WAIT);
    int again = sim_socket(p.w, SIM_SERVER);
    assert_int_equal(sim_bind(p.w, again, PORT), -EADDRINUSE);
    /* SO_REUSEADDR on the new socket alone is not enough: both must
     * have it, and the connection in TIME_WAIT did not */
    assert_int_equal(sim_setsockopt(p.w, again, SIM_SO_REUSEADDR, 1), 0);
    assert_int_equal(sim_bind(p.w, again, PORT), -EADDRINUSE);
    /* once TIME_WAIT is over, the port is free */
    sim_advance_to(p.w, sim_now_us(p.w) + 61000000);
    assert_int_equal(snap(p.w, p.conn).state, SIM_CLOSED);
    assert_int_equal(sim_bind(p.w, again, PORT), 0);
    /* a bound socket that does not listen holds the port too */
    int other = sim_socket(p.w, SIM_CLIENT);
    assert_int_equal(sim_bind(p.w, other, PORT), -EADDRINUSE);
    /* ...but both with SO_REUSEADDR share it, and only one may listen */
    assert_int_equal(sim_setsockopt(p.w, other, SIM_SO_REUSEADDR, 1), 0);
    assert_int_equal(sim_bind(p.w, other, PORT), 0);
    assert_int_equal(sim_listen(p.w, again, 1), 0);
    assert_int_equal(sim_listen(p.w, other, 1), -EADDRINUSE);
    pair_close(&p);
}

/* shutdown() on a connection that is finished or reset is ENOTCONN, as
 * Linux's inet_shutdown() on TCP_CLOSE (#25 difference 13). */
static void test_shutdown_finished_is_enotconn(void **state)
{
    (void)state;
    pair p;
    sim_params pr = fast_params();
    pair_open(&p, &pr, 3);
    assert_int_equal(sim_shutdown(p.w, p.c, SIM_SHUT_WR), 0);
    sim_settle(p.w, 10000000);
    assert_int_equal(sim_shutdown(p.w, p.conn, SIM_SHUT_WR), 0);
    sim_settle(p.w, 10000000);
    assert_int_equal(snap(p.w, p.conn).state, SIM_CLOSED);
    assert_int_equal(sim_shutdown(p.w, p.conn, SIM_SHUT_RDWR), -ENOTCONN);
    assert_int_equal(sim_shutdown(p.w, p.c, SIM_SHUT_RD), -ENOTCONN);
    pair_close(&p);
    /* a reset connection */
    pair_open(&p, &pr, 4);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"x", 1, 0), 1);
    sim_settle(p.w, 10000000);
    assert_int_equal(sim_close(p.w, p.conn), 0); /* unread: RST */
    sim_settle(p.w, 10000000);
    assert_int_equal(snap(p.w, p.c).state, SIM_CLOSED);
    assert_int_equal(sim_shutdown(p.w, p.c, SIM_SHUT_WR), -ENOTCONN);
    pair_close(&p);
}

/* A server that replies within the delayed-ACK time enters pingpong mode:
 * its next ACK waits 40 ms for a reply to ride on instead of a quick ACK. */
static void test_pingpong_delays_acks_after_reply(void **state)
{
    (void)state;
    pair p;
    sim_params pr = fast_params();
    pair_open(&p, &pr, 5);
    uint8_t buf[16];
    sim_events_clear(p.w);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"ping", 4, 0), 4);
    sim_settle(p.w, 10000000);
    size_t i = 0;
    assert_string_equal(find_ev(p.w, &i, SIM_EV_ACK)->why, "quickack");
    assert_int_equal(sim_recv(p.w, p.conn, buf, sizeof(buf)), 4);
    assert_int_equal(sim_send(p.w, p.conn, (const uint8_t *)"pong", 4, 0), 4);
    sim_settle(p.w, 10000000);
    assert_int_equal(sim_recv(p.w, p.c, buf, sizeof(buf)), 4);
    sim_events_clear(p.w);
    uint64_t t0 = sim_now_us(p.w);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"ping", 4, 0), 4);
    sim_settle(p.w, 10000000);
    dump(p.w);
    i = 0;
    const sim_event *a = find_ev(p.w, &i, SIM_EV_ACK);
    assert_int_equal(a->sock, p.conn);
    assert_string_equal(a->why, "delayed-ack");
    assert_int_equal(a->time_us, t0 + 5000 + 40000);
    /* The timer ended pingpong: the next segment is quick-ACKed again. */
    sim_events_clear(p.w);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"ping", 4, 0), 4);
    sim_settle(p.w, 10000000);
    i = 0;
    assert_string_equal(find_ev(p.w, &i, SIM_EV_ACK)->why, "quickack");
    pair_close(&p);
}

/* The basics lesson's whole event log, time by time, worked out by hand:
 * 12 bytes take 10 us to serialize at 10 Mbit/s and 5 ms to cross. */
static void test_event_sequence_basics_exact(void **state)
{
    (void)state;
    static const struct {
        uint64_t time, arrive;
        sim_event_kind kind;
        int sock; /* 0 listener, 1 client, 2 server conn */
        uint32_t bytes;
        const char *why;
        sim_state st;
    } want[] = {
        {15000, 15000, SIM_EV_WRITE, 1, 12, "send", 0},
        {15000, 20010, SIM_EV_SEGMENT, 1, 12, "push", 0},
        {20010, 20010, SIM_EV_DELIVER, 2, 12, "push", 0},
        {20010, 25010, SIM_EV_ACK, 2, 0, "quickack", 0},
        {25010, 25010, SIM_EV_ACK_ARRIVE, 1, 12, "quickack", 0},
        {25010, 25010, SIM_EV_READ, 2, 12, "recv", 0},
        {25010, 25010, SIM_EV_STATE, 1, 0, "close", SIM_FIN_WAIT1},
        {25010, 30010, SIM_EV_FIN, 1, 0, "fin", 0},
        {30010, 30010, SIM_EV_FIN_ARRIVE, 2, 0, "fin", 0},
        {30010, 30010, SIM_EV_STATE, 2, 0, "fin", SIM_CLOSE_WAIT},
        /* CLOSE_WAIT is pingpong: the ACK of the FIN waits 40 ms */
        {70010, 70010, SIM_EV_TIMER, 2, 0, "delayed-ack", 0},
        {70010, 75010, SIM_EV_ACK, 2, 0, "delayed-ack", 0},
        {75010, 75010, SIM_EV_ACK_ARRIVE, 1, 0, "delayed-ack", 0},
        {75010, 75010, SIM_EV_STATE, 1, 0, "fin-acked", SIM_FIN_WAIT2},
    };
    sim_params pr = sim_params_default();
    sim_world *w = world_open(&pr, 1);
    int l = listener_open(w, 1);
    int c = client_connect(w);
    sim_settle(w, 1000000);
    int conn = sim_accept(w, l);
    assert_int_equal(l, 0);
    assert_int_equal(c, 1);
    assert_int_equal(conn, 2);
    sim_events_clear(w);
    assert_int_equal(sim_send(w, c, (const uint8_t *)"Hello, world", 12, 0), 12);
    sim_settle(w, 1000000);
    uint8_t buf[100];
    assert_int_equal(sim_recv(w, conn, buf, sizeof(buf)), 12);
    assert_int_equal(sim_close(w, c), 0);
    sim_settle(w, 1000000);
    size_t n;
    const sim_event *ev = sim_events(w, &n);
    size_t nwant = sizeof(want) / sizeof(want[0]);
    assert_int_equal(n, nwant);
    for (size_t i = 0; i < nwant; i++) {
        assert_int_equal(ev[i].time_us, want[i].time);
        assert_int_equal(ev[i].arrive_us, want[i].arrive);
        assert_int_equal(ev[i].kind, want[i].kind);
        assert_int_equal(ev[i].sock, want[i].sock);
        assert_int_equal(ev[i].bytes, want[i].bytes);
        assert_string_equal(ev[i].why, want[i].why);
        if (ev[i].kind == SIM_EV_STATE)
            assert_int_equal(ev[i].state, want[i].st);
    }
    /* The server reads b'' and closes: LAST_ACK, then the client's TIME_WAIT. */
    sim_events_clear(w);
    assert_int_equal(sim_recv(w, conn, buf, sizeof(buf)), 0);
    assert_int_equal(sim_close(w, conn), 0);
    sim_settle(w, 1000000);
    ev = sim_events(w, &n);
    assert_int_equal(n, 7);
    assert_int_equal(ev[0].kind, SIM_EV_STATE);
    assert_int_equal(ev[0].state, SIM_LAST_ACK);
    assert_int_equal(ev[1].kind, SIM_EV_FIN);
    assert_int_equal(ev[1].arrive_us, 80010);
    assert_int_equal(ev[3].state, SIM_TIME_WAIT);
    assert_int_equal(ev[3].time_us, 80010);
    assert_int_equal(ev[6].kind, SIM_EV_STATE);
    assert_int_equal(ev[6].state, SIM_CLOSED);
    assert_int_equal(ev[6].time_us, 85010);
    world_close(w);
}

/* Linux's close as the kernel's wire shows it: the ACK of the client's FIN
 * is delayed (CLOSE_WAIT is pingpong), so a server that closes at once
 * sends its FIN carrying that ACK: three packets, not four. The client, in
 * FIN_WAIT2, ACKs the server's FIN at once. */
static void test_fin_ack_rides_on_reply_fin(void **state)
{
    (void)state;
    pair p;
    sim_params pr = sim_params_default();
    pair_open(&p, &pr, 1);
    uint64_t t0 = sim_now_us(p.w);
    sim_events_clear(p.w);
    assert_int_equal(sim_close(p.w, p.c), 0);
    sim_advance_to(p.w, t0 + 5000); /* the FIN arrives */
    assert_int_equal(snap(p.w, p.conn).state, SIM_CLOSE_WAIT);
    assert_int_equal(count_ev(p.w, SIM_EV_ACK), 0);
    assert_true(sim_next_event_us(p.w) == t0 + 5000 + pr.delayed_ack_us);
    uint8_t buf[8];
    assert_int_equal(sim_recv(p.w, p.conn, buf, sizeof buf), 0);
    assert_int_equal(sim_close(p.w, p.conn), 0);
    sim_settle(p.w, 1000000);
    assert_int_equal(count_ev(p.w, SIM_EV_FIN), 2);
    assert_int_equal(count_ev(p.w, SIM_EV_ACK), 1); /* the client's, for the server's FIN */
    assert_int_equal(count_ev(p.w, SIM_EV_TIMER), 0);
    size_t i = 0;
    const sim_event *ack = find_ev(p.w, &i, SIM_EV_ACK);
    assert_int_equal(ack->sock, p.c);
    assert_int_equal(ack->time_us, t0 + 10000);
    assert_string_equal(ack->why, "fin");
    assert_int_equal(snap(p.w, p.c).state, SIM_TIME_WAIT);
    assert_int_equal(snap(p.w, p.conn).state, SIM_CLOSED);
    pair_close(&p);
}

/* listen(1): two connections wait, a third client's SYN is dropped and
 * sent again 1 s later; after an accept it gets in. */
static void test_backlog_full_drops_syn_until_accept(void **state)
{
    (void)state;
    sim_params pr = sim_params_default();
    sim_world *w = world_open(&pr, 9);
    int l = listener_open(w, 1);
    int c[3];
    for (int k = 0; k < 3; k++)
        c[k] = client_connect(w);
    uint64_t n = sim_settle(w, 100000000);
    assert_true(n > 0);
    assert_true(sim_now_us(w) < 1000000); /* settle does not wait for the retry */
    assert_int_equal(snap(w, l).accept_queue, 2);
    assert_int_equal(snap(w, c[0]).state, SIM_ESTABLISHED);
    assert_int_equal(snap(w, c[1]).state, SIM_ESTABLISHED);
    assert_int_equal(snap(w, c[2]).state, SIM_SYN_SENT);
    assert_int_equal(sim_next_event_us(w), 1000000);
    assert_true(sim_accept(w, l) >= 0);
    sim_events_clear(w);
    sim_settle(w, 100000000);
    size_t i = 0;
    const sim_event *e = find_ev(w, &i, SIM_EV_SYN);
    assert_string_equal(e->why, "syn-retry");
    assert_int_equal(e->time_us, 1000000);
    assert_int_equal(snap(w, c[2]).state, SIM_ESTABLISHED);
    assert_int_equal(sim_now_us(w), 1015000);
    assert_int_equal(snap(w, l).accept_queue, 2);
    world_close(w);
}

/* A SYN nobody ever accepts: retries at 1, 3, 7... s, ETIMEDOUT at 127 s. */
static void test_syn_retries_then_timeout(void **state)
{
    (void)state;
    sim_params pr = sim_params_default();
    sim_world *w = world_open(&pr, 9);
    listener_open(w, 0);
    int a = client_connect(w), b = client_connect(w);
    sim_advance_to(w, 200000000);
    assert_int_equal(snap(w, a).state, SIM_ESTABLISHED);
    assert_int_equal(snap(w, b).state, SIM_CLOSED);
    assert_int_equal(sim_connect(w, b, PORT), -ETIMEDOUT);
    uint64_t want[] = {0, 1000000, 3000000, 7000000, 15000000, 31000000, 63000000};
    size_t i = 0, k = 0;
    size_t nev;
    const sim_event *ev = sim_events(w, &nev);
    for (i = 0; i < nev; i++) {
        if (ev[i].kind == SIM_EV_SYN && ev[i].sock == b) {
            assert_true(k < 7);
            assert_int_equal(ev[i].time_us, want[k]);
            k++;
        }
        if (ev[i].kind == SIM_EV_STATE && ev[i].sock == b && ev[i].state == SIM_CLOSED)
            assert_int_equal(ev[i].time_us, 127000000);
    }
    assert_int_equal(k, 7);
    world_close(w);
}

/* A client closed during its handshake resets the half-open server side,
 * which then no longer counts against the backlog. */
static void test_close_during_handshake_resets_half_open(void **state)
{
    (void)state;
    sim_params pr = sim_params_default();
    sim_world *w = world_open(&pr, 9);
    int l = listener_open(w, 0);
    int c = client_connect(w);
    sim_advance_to(w, 6000); /* the SYN-ACK is on its way */
    assert_int_equal(sim_close(w, c), 0);
    sim_settle(w, 10000000);
    int half = sim_peer(w, c);
    assert_true(half >= 0);
    assert_int_equal(snap(w, half).state, SIM_CLOSED);
    assert_int_equal(snap(w, l).accept_queue, 0);
    int c2 = client_connect(w);
    sim_settle(w, 10000000);
    assert_int_equal(snap(w, c2).state, SIM_ESTABLISHED);
    world_close(w);
}

/* SIM_MSG_CONTINUE keeps the previous write's origin (one sendall, one
 * colour); without it each call is a new write. */
static void test_send_continue_keeps_origin(void **state)
{
    (void)state;
    pair p;
    sim_params pr = fast_params();
    pair_open(&p, &pr, 3);
    assert_int_equal(sim_setsockopt(p.w, p.c, SIM_TCP_CORK, 1), 0);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"ab", 2, 0), 2);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"cd", 2, SIM_MSG_CONTINUE), 2);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"ef", 2, 0), 2);
    sim_run runs[4];
    assert_int_equal(sim_runs(p.w, p.c, SIM_Q_UNSENT, runs, 4), 2);
    assert_int_equal(runs[0].origin, 1);
    assert_int_equal(runs[0].bytes, 4);
    assert_int_equal(runs[1].origin, 2);
    assert_int_equal(runs[1].bytes, 2);
    assert_int_equal(sim_setsockopt(p.w, p.c, SIM_TCP_CORK, 0), 0);
    sim_settle(p.w, 10000000);
    assert_int_equal(sim_runs(p.w, p.conn, SIM_Q_RECV, runs, 4), 2);
    assert_int_equal(runs[0].bytes, 4);
    pair_close(&p);
}

/* One sendall-like transfer of 200000 bytes through 4 KiB buffers, every
 * write borrowed or every write copied; the reader reads 3000 bytes at a
 * time into *got. Returns the world (still open) for the caller to compare. */
static sim_world *transfer_borrowed(bool borrow, const uint8_t *data, size_t total, uint8_t *got)
{
    pair p;
    sim_params pr = sim_params_default();
    pr.sndbuf_bytes = 4608;
    pr.rcvbuf_bytes = 4608;
    pair_open(&p, &pr, 5);
    size_t sent = 0, read = 0;
    while (read < total) {
        while (sent < total) {
            int f = (sent > 0 ? SIM_MSG_CONTINUE : 0) | (borrow ? SIM_MSG_BORROW : 0);
            long n = sim_send(p.w, p.c, data + sent, total - sent, f);
            if (n <= 0)
                break;
            sent += (size_t)n;
        }
        long r;
        while ((r = sim_recv(p.w, p.conn, got + read, read + 3000 < total ? 3000 : total - read)) >
               0)
            read += (size_t)r;
        assert_true(r == -EAGAIN || read == total);
        if (read < total) {
            uint64_t next = sim_next_event_us(p.w);
            assert_true(next != UINT64_MAX);
            sim_advance_to(p.w, next);
        }
        verify_ok(p.w);
    }
    return p.w;
}

/* Borrowed writes (SIM_MSG_BORROW) deliver the same bytes with the same
 * events at the same times as copied ones. */
static void test_send_borrow_same_bytes_and_events(void **state)
{
    (void)state;
    enum { TOTAL = 200000 };
    static uint8_t data[TOTAL], got_b[TOTAL], got_c[TOTAL];
    for (size_t k = 0; k < TOTAL; k++)
        data[k] = (uint8_t)(k * 131 + (k >> 9));
    sim_world *wb = transfer_borrowed(true, data, TOTAL, got_b);
    sim_world *wc = transfer_borrowed(false, data, TOTAL, got_c);
    assert_memory_equal(got_b, data, TOTAL);
    assert_memory_equal(got_c, data, TOTAL);
    size_t nb, nc;
    const sim_event *eb = sim_events(wb, &nb), *ec = sim_events(wc, &nc);
    assert_int_equal(nb, nc);
    assert_true(nb > 400); /* 200000 / 2304 writes at least, with their segments */
    for (size_t i = 0; i < nb; i++) {
        assert_int_equal(eb[i].time_us, ec[i].time_us);
        assert_int_equal(eb[i].kind, ec[i].kind);
        assert_int_equal(eb[i].seq, ec[i].seq);
        assert_int_equal(eb[i].bytes, ec[i].bytes);
        assert_int_equal(eb[i].origin, ec[i].origin);
        assert_string_equal(eb[i].why ? eb[i].why : "", ec[i].why ? ec[i].why : "");
    }
    world_close(wb);
    world_close(wc);
}

/* A reply still on the wire when its sender resets arrives before the RST:
 * the client reads b'bye', then gets ConnectionResetError, then b''. */
static void test_reply_on_wire_arrives_before_rst(void **state)
{
    (void)state;
    pair p;
    sim_params pr = sim_params_default();
    pair_open(&p, &pr, 3);
    assert_int_equal(sim_send(p.w, p.c, (const uint8_t *)"unread", 6, 0), 6);
    sim_settle(p.w, 10000000);
    assert_int_equal(sim_send(p.w, p.conn, (const uint8_t *)"bye", 3, 0), 3);
    assert_int_equal(sim_close(p.w, p.conn), 0); /* unread data: RST */
    sim_settle(p.w, 10000000);
    uint8_t buf[16];
    assert_int_equal(sim_recv(p.w, p.c, buf, sizeof(buf)), 3);
    assert_memory_equal(buf, "bye", 3);
    sim_run run;
    assert_int_equal(sim_runs(p.w, p.c, SIM_Q_RECV, &run, 1), 0);
    assert_int_equal(sim_recv(p.w, p.c, buf, sizeof(buf)), -ECONNRESET);
    assert_int_equal(sim_recv(p.w, p.c, buf, sizeof(buf)), 0);
    assert_int_equal(snap(p.w, p.conn).send_queue_bytes, 0);
    pair_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params_default_match_spec),
        cmocka_unit_test(test_connect_established_after_one_rtt),
        cmocka_unit_test(test_rcvlowat_rules_and_poll),
        cmocka_unit_test(test_connect_refused_by_rst),
        cmocka_unit_test(test_peek_leaves_bytes_queued),
        cmocka_unit_test(test_send_hello_lands_in_receive_queue),
        cmocka_unit_test(test_wire_serialization_queues_segments),
        cmocka_unit_test(test_nagle_holds_small_segment_until_ack),
        cmocka_unit_test(test_cork_holds_until_uncork),
        cmocka_unit_test(test_msg_more_holds_tail),
        cmocka_unit_test(test_delayed_ack_after_quickacks),
        cmocka_unit_test(test_ack_every_second_full_segment),
        cmocka_unit_test(test_sockopt_buffers_double_and_clamp),
        cmocka_unit_test(test_send_partial_then_eagain),
        cmocka_unit_test(test_zero_window_probes_and_update),
        cmocka_unit_test(test_recv_short_and_coalesced),
        cmocka_unit_test(test_close_unread_resets_peer),
        cmocka_unit_test(test_send_after_peer_close_resets),
        cmocka_unit_test(test_shutdown_states_and_time_wait),
        cmocka_unit_test(test_origins_follow_bytes),
        cmocka_unit_test(test_determinism_same_log),
        cmocka_unit_test(test_settle_terminates_on_zero_window),
        cmocka_unit_test(test_sendall_loop_delivers_everything),
        cmocka_unit_test(test_accept_queue_in_order),
        cmocka_unit_test(test_second_connection_data_arrives_on_time),
        cmocka_unit_test(test_listener_close_resets_unaccepted),
        cmocka_unit_test(test_errors_for_bad_calls),
        cmocka_unit_test(test_shutdown_listener_stops_it),
        cmocka_unit_test(test_bind_conflicts_as_one_host),
        cmocka_unit_test(test_shutdown_finished_is_enotconn),
        cmocka_unit_test(test_pingpong_delays_acks_after_reply),
        cmocka_unit_test(test_event_sequence_basics_exact),
        cmocka_unit_test(test_fin_ack_rides_on_reply_fin),
        cmocka_unit_test(test_backlog_full_drops_syn_until_accept),
        cmocka_unit_test(test_syn_retries_then_timeout),
        cmocka_unit_test(test_close_during_handshake_resets_half_open),
        cmocka_unit_test(test_send_continue_keeps_origin),
        cmocka_unit_test(test_reply_on_wire_arrives_before_rst),
        cmocka_unit_test(test_send_borrow_same_bytes_and_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
