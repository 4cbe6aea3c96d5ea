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

static void pair_open(pair *p, const sim_params *params, uint64_t seed)
{
    p->w = sim_world_new(params, seed);
    assert_non_null(p->w);
    p->l = sim_socket(p->w, SIM_SERVER);
    assert_true(p->l >= 0);
    assert_int_equal(sim_bind(p->w, p->l, PORT), 0);
    assert_int_equal(sim_listen(p->w, p->l, 5), 0);
    p->c = sim_socket(p->w, SIM_CLIENT);
    assert_true(p->c >= 0);
    assert_int_equal(sim_connect(p->w, p->c, PORT), -EINPROGRESS);
    sim_settle(p->w, 10000000);
    p->conn = sim_accept(p->w, p->l);
    assert_true(p->conn >= 0);
    verify_ok(p->w);
}

static void pair_close(pair *p)
{
    verify_ok(p->w);
    sim_world_free(p->w);
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
    sim_world *w = sim_world_new(&pr, 1);
    int l = sim_socket(w, SIM_SERVER);
    assert_int_equal(sim_bind(w, l, PORT), 0);
    assert_int_equal(sim_listen(w, l, 1), 0);
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
    assert_int_equal(sim_connect(w, c, PORT), -EISCONN);

    size_t i = 0;
    const sim_event *e = find_ev(w, &i, SIM_EV_SYN);
    assert_int_equal(e->time_us, 0);
    assert_int_equal(e->arrive_us, 5000);
    e = find_ev(w, &i, SIM_EV_SYN); /* SYN-ACK */
    assert_int_equal(e->time_us, 5000);
    assert_int_equal(e->arrive_us, 10000);
    assert_int_equal(e->window, 65536);
    e = find_ev(w, &i, SIM_EV_ACK);
    assert_int_equal(e->time_us, 10000);
    assert_int_equal(e->arrive_us, 15000);
    e = find_ev(w, &i, SIM_EV_ACCEPT);
    assert_int_equal(e->peer, conn);
    verify_ok(w);
    sim_world_free(w);
}

/* Nobody listening: the SYN meets an RST and connect fails. */
static void test_connect_refused_by_rst(void **state)
{
    (void)state;
    sim_params pr = sim_params_default();
    sim_world *w = sim_world_new(&pr, 1);
    int c = sim_socket(w, SIM_CLIENT);
    assert_int_equal(sim_connect(w, c, PORT), -EINPROGRESS);
    sim_settle(w, 1000000);
    assert_int_equal(sim_now_us(w), 10000);
    sim_snapshot s = snap(w, c);
    assert_int_equal(s.state, SIM_CLOSED);
    assert_int_equal(s.pending_error, -ECONNREFUSED);
    assert_int_equal(count_ev(w, SIM_EV_RST), 1);
    assert_int_equal(count_ev(w, SIM_EV_RST_ARRIVE), 1);
    assert_int_equal(sim_connect(w, c, PORT), -ECONNREFUSED);
    verify_ok(w);
    sim_world_free(w);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params_default_match_spec),
        cmocka_unit_test(test_connect_established_after_one_rtt),
        cmocka_unit_test(test_connect_refused_by_rst),
        cmocka_unit_test(test_send_hello_lands_in_receive_queue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
