/* test_sim_reference.c: the model against a queue-only reference.
 *
 * In the style of SQLite's Bitvec test: a seeded script of random
 * operations (send with random sizes and flags, recv, options, time
 * passing, settling) drives the model and, side by side, a reference that
 * knows nothing of TCP: per direction, bytes written and bytes read of one
 * FIFO stream whose k-th byte is a known function of k. After every
 * operation the model's totals and the bytes it returns must agree with
 * the reference, and after every settle the bytes in the model's queues
 * must be exactly the reference's outstanding bytes. A deliberately broken
 * reference (it believes send() always takes everything) must be caught,
 * proving the comparison bites. Every other send borrows its bytes
 * (SIM_MSG_BORROW) from a fixed image of the stream instead of handing over
 * a buffer the test reuses, so borrowed and copied bytes mix in one queue.
 * The new calls of #25 join the scripts: sim_poll() must agree with the
 * queues and the reference after every operation, and a listener stopped
 * by shutdown() and started again must leave the accepted streams alone;
 * a peek (MSG_PEEK) must return the stream's next bytes and leave them, and
 * with SO_RCVLOWAT set poll() must wait for that many bytes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sim.h"

/* The reference: one FIFO per direction (0: client->server). */
typedef struct {
    uint64_t written[2];
    uint64_t read[2];
    bool broken; /* counts requested bytes as written, not the accepted count */
} ref;

static uint8_t stream_byte(int dir, uint64_t k)
{
    return (uint8_t)((k * 2654435761u) >> 13) ^ (uint8_t)(dir * 0x5a);
}

/* The first IMAGE bytes of each direction's stream, for borrowed sends:
 * they stay unchanged while the world lives, as SIM_MSG_BORROW asks. */
enum { IMAGE = 1 << 20 };
static uint8_t image[2][IMAGE];

static void image_fill(void)
{
    for (int d = 0; d < 2; d++)
        for (uint64_t k = 0; k < IMAGE; k++)
            image[d][k] = stream_byte(d, k);
}

static uint32_t rnd(uint64_t *x)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*x >> 33);
}

typedef struct {
    sim_world *w;
    int sock[2]; /* client, accepted server socket */
    ref r;
    char why[256];
} run;

/* Compares model and reference; returns false with a reason in why. */
static bool compare(run *x, bool settled)
{
    char err[200];
    if (sim_verify(x->w, err, sizeof(err)) != 0) {
        snprintf(x->why, sizeof(x->why), "sim_verify: %s", err);
        return false;
    }
    for (int dir = 0; dir < 2; dir++) {
        sim_snapshot tx, rx;
        sim_snapshot_get(x->w, x->sock[dir], &tx);
        sim_snapshot_get(x->w, x->sock[!dir], &rx);
        uint64_t outstanding = x->r.written[dir] - x->r.read[dir];
        if (tx.bytes_written != x->r.written[dir] || rx.bytes_read != x->r.read[dir]) {
            snprintf(x->why, sizeof(x->why), "dir %d: totals differ (written %llu vs %llu)", dir,
                     (unsigned long long)tx.bytes_written, (unsigned long long)x->r.written[dir]);
            return false;
        }
        uint64_t lo = (uint64_t)tx.unsent_bytes + rx.recv_queue_bytes;
        uint64_t hi = (uint64_t)tx.send_queue_bytes + rx.recv_queue_bytes;
        if (outstanding < lo || outstanding > hi || (settled && outstanding != hi)) {
            snprintf(x->why, sizeof(x->why),
                     "dir %d: outstanding %llu outside queues [%llu, %llu]%s", dir,
                     (unsigned long long)outstanding, (unsigned long long)lo,
                     (unsigned long long)hi, settled ? " (settled)" : "");
            return false;
        }
    }
    return true;
}

/* Runs one random script; returns true when model and reference agreed
 * throughout. */
static bool run_script(uint64_t seed, bool broken, char *why, size_t whylen, int *ops_done)
{
    bool ok = false;
    uint64_t x = seed;
    static uint8_t buf[70000];
    run r = {0};
    r.r.broken = broken;
    sim_params p = sim_params_default();
    p.latency_us = 1 + rnd(&x) % 20000;
    p.rate_bps = (rnd(&x) % 4 == 0) ? 0 : 1000000ULL * (1 + rnd(&x) % 1000);
    p.mss_bytes = 100 + rnd(&x) % 1400;
    p.delayed_ack_us = (rnd(&x) % 3 == 0) ? 0 : 40000;
    p.sndbuf_bytes = 4608 + rnd(&x) % 60000;
    p.rcvbuf_bytes = 2304 + rnd(&x) % 60000;
    r.w = sim_world_new(&p, seed);
    assert_non_null(r.w);
    int l = sim_socket(r.w, SIM_SERVER);
    sim_bind(r.w, l, 8080);
    sim_listen(r.w, l, 1);
    r.sock[0] = sim_socket(r.w, SIM_CLIENT);
    assert_int_equal(sim_connect(r.w, r.sock[0], 8080), -EINPROGRESS);
    sim_settle(r.w, 10000000);
    r.sock[1] = sim_accept(r.w, l);
    assert_true(r.sock[1] >= 0);

    int op;
    for (op = 0; op < 400; op++) {
        int dir = (int)(rnd(&x) % 2);
        int s = r.sock[dir];
        uint32_t kind = rnd(&x) % 100;
        bool settled = false;
        if (kind < 35) { /* send */
            size_t n = rnd(&x) % 4 == 0 ? rnd(&x) % 70000 : rnd(&x) % 2000;
            for (size_t k = 0; k < n; k++)
                buf[k] = stream_byte(dir, r.r.written[dir] + k);
            int flags = rnd(&x) % 5 == 0 ? SIM_MSG_MORE : 0;
            if (rnd(&x) % 3 == 0)
                flags |= SIM_MSG_CONTINUE;
            const uint8_t *data = buf;
            if (op % 2 == 1 && r.r.written[dir] + n <= IMAGE) { /* borrowed from the image */
                data = image[dir] + r.r.written[dir];
                flags |= SIM_MSG_BORROW;
            }
            long got = sim_send(r.w, s, data, n, flags);
            if (got < 0 && got != -EAGAIN) {
                snprintf(r.why, sizeof(r.why), "send: %ld", got);
                goto out;
            }
            if (r.r.broken)
                r.r.written[dir] += n;
            else if (got > 0)
                r.r.written[dir] += (uint64_t)got;
        } else if (kind < 65) { /* recv: the bytes must be the stream's next ones */
            size_t cap = 1 + rnd(&x) % 70000;
            long got = sim_recv(r.w, r.sock[!dir], buf, cap);
            if (got < 0 && got != -EAGAIN) {
                snprintf(r.why, sizeof(r.why), "recv: %ld", got);
                goto out;
            }
            for (long k = 0; k < got; k++) {
                if (buf[k] != stream_byte(dir, r.r.read[dir] + (uint64_t)k)) {
                    snprintf(r.why, sizeof(r.why), "dir %d: byte %llu differs", dir,
                             (unsigned long long)(r.r.read[dir] + (uint64_t)k));
                    goto out;
                }
            }
            if (got > 0)
                r.r.read[dir] += (uint64_t)got;
        } else if (kind < 70) { /* peek: the stream's next bytes, left in the queue */
            size_t cap = 1 + rnd(&x) % 70000;
            long got = sim_peek(r.w, r.sock[!dir], buf, cap);
            if (got < 0 && got != -EAGAIN) {
                snprintf(r.why, sizeof(r.why), "peek: %ld", got);
                goto out;
            }
            for (long k = 0; k < got; k++) {
                if (buf[k] != stream_byte(dir, r.r.read[dir] + (uint64_t)k)) {
                    snprintf(r.why, sizeof(r.why), "dir %d: peeked byte %llu differs", dir,
                             (unsigned long long)(r.r.read[dir] + (uint64_t)k));
                    goto out;
                }
            }
        } else if (kind < 80) { /* time passes */
            sim_advance_to(r.w, sim_now_us(r.w) + rnd(&x) % 50000);
        } else if (kind < 88) {
            sim_settle(r.w, UINT64_MAX);
            settled = true;
        } else if (kind < 92) {
            sim_setsockopt(r.w, s, SIM_TCP_NODELAY, (int)(rnd(&x) % 2));
        } else if (kind < 95) {
            sim_setsockopt(r.w, s, SIM_TCP_CORK, (int)(rnd(&x) % 2));
        } else if (kind < 96) {
            sim_setsockopt(r.w, s, SIM_SO_SNDBUF, (int)(rnd(&x) % 40000));
        } else if (kind < 98) { /* the reader's low-water mark: what poll() waits for */
            sim_setsockopt(r.w, r.sock[!dir], SIM_SO_RCVLOWAT, (int)(rnd(&x) % 5000));
        } else if (rnd(&x) % 2) {
            sim_advance_to(r.w, sim_next_event_us(r.w));
        } else {
            /* the listener stops and listens again (SO_REUSEADDR set on
             * it): the accepted connection's streams go on untouched */
            sim_setsockopt(r.w, l, SIM_SO_REUSEADDR, 1);
            if (sim_shutdown(r.w, l, SIM_SHUT_RDWR) != 0 || sim_listen(r.w, l, 1) != 0) {
                snprintf(r.why, sizeof(r.why), "listener shutdown and listen again failed");
                goto out;
            }
        }
        if (!compare(&r, settled))
            goto out;
        /* poll() agrees with the queues: readable exactly when as many
         * bytes as SO_RCVLOWAT asks for (1 unless set) wait to be read,
         * never with nothing outstanding in the reference;
         * writable only with room in the send queue; a listener with no
         * connection waiting is not readable */
        for (int d = 0; d < 2; d++) {
            sim_snapshot rs, ws;
            int m = sim_poll(r.w, r.sock[!d]);
            sim_snapshot_get(r.w, r.sock[!d], &rs);
            sim_snapshot_get(r.w, r.sock[d], &ws);
            int lowat = 0;
            sim_getsockopt(r.w, r.sock[!d], SIM_SO_RCVLOWAT, &lowat);
            bool in = m >= 0 && (m & SIM_POLL_IN);
            if (lowat < 1 || in != (rs.recv_queue_bytes >= (uint32_t)lowat) ||
                (in && r.r.written[d] == r.r.read[d])) {
                snprintf(r.why, sizeof(r.why),
                         "dir %d: poll says %s with %u bytes queued, SO_RCVLOWAT %d", d,
                         in ? "readable" : "not readable", rs.recv_queue_bytes, lowat);
                goto out;
            }
            int wm = sim_poll(r.w, r.sock[d]);
            if (wm >= 0 && (wm & SIM_POLL_OUT) && ws.send_queue_bytes >= ws.sndbuf_bytes / 2) {
                snprintf(r.why, sizeof(r.why), "dir %d: writable with a full send queue", d);
                goto out;
            }
        }
        if (sim_poll(r.w, l) & SIM_POLL_IN) {
            snprintf(r.why, sizeof(r.why), "the listener is readable with nothing to accept");
            goto out;
        }
    }
    /* Drain both directions: uncork, read until nothing is left. */
    for (int dir = 0; dir < 2; dir++)
        sim_setsockopt(r.w, r.sock[dir], SIM_TCP_CORK, 0);
    for (int round = 0; round < 10000; round++) {
        long a = sim_recv(r.w, r.sock[1], NULL, 1 << 20);
        long b = sim_recv(r.w, r.sock[0], NULL, 1 << 20);
        if (a > 0)
            r.r.read[0] += (uint64_t)a;
        if (b > 0)
            r.r.read[1] += (uint64_t)b;
        if (sim_settle(r.w, UINT64_MAX) == 0 && a <= 0 && b <= 0)
            break;
    }
    if (!compare(&r, true))
        goto out;
    for (int dir = 0; dir < 2; dir++) {
        if (r.r.written[dir] != r.r.read[dir]) {
            snprintf(r.why, sizeof(r.why), "dir %d: %llu bytes never arrived", dir,
                     (unsigned long long)(r.r.written[dir] - r.r.read[dir]));
            goto out;
        }
    }
    ok = true;
out:
    *ops_done = op;
    snprintf(why, whylen, "%s", r.why);
    sim_world_free(r.w);
    return ok;
}

/* The model agrees with the queue-only reference on 1000 random scripts. */
static void test_reference_random_scripts_agree(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 1000; seed++) {
        char why[256];
        int ops;
        if (!run_script(seed, false, why, sizeof(why), &ops))
            fail_msg("seed %llu, op %d: %s", (unsigned long long)seed, ops, why);
    }
}

/* The broken reference is caught on most scripts, soon. */
static void test_reference_broken_is_detected(void **state)
{
    (void)state;
    int caught = 0;
    for (uint64_t seed = 1; seed <= 50; seed++) {
        char why[256];
        int ops;
        if (!run_script(seed, true, why, sizeof(why), &ops))
            caught++;
    }
    assert_true(caught >= 45);
}

/* Any sequence of calls, with any handles and arguments, keeps the
 * invariants (checked after every call) and never crashes. */
static void test_random_calls_keep_invariants(void **state)
{
    (void)state;
    static uint8_t buf[20000];
    size_t delivered = 0, resets = 0; /* the calls must reach real traffic */
    for (uint64_t seed = 1; seed <= 300; seed++) {
        uint64_t x = seed * 7919;
        sim_params p = sim_params_default();
        p.latency_us = rnd(&x) % 3000;
        p.rate_bps = rnd(&x) % 3 == 0 ? 0 : 100000ULL * (1 + rnd(&x) % 1000);
        p.mss_bytes = 1 + rnd(&x) % 2000;
        p.delayed_ack_us = rnd(&x) % 2 ? 0 : 40000;
        sim_world *w = sim_world_new(&p, seed);
        assert_non_null(w);
        for (int op = 0; op < 300; op++) {
            int h = (int)(rnd(&x) % 8) - 1;
            uint16_t port = (uint16_t)(8080 + rnd(&x) % 2);
            switch (rnd(&x) % 16) {
            case 0:
                sim_socket(w, (sim_side)(rnd(&x) % 2));
                break;
            case 1:
                sim_bind(w, h, port);
                break;
            case 2:
                sim_listen(w, h, (int)(rnd(&x) % 3) - 1);
                break;
            case 3:
                sim_connect(w, h, port);
                break;
            case 4:
                sim_accept(w, h);
                break;
            case 5:
            case 6:
                sim_send(w, h, rnd(&x) % 2 ? buf : NULL, rnd(&x) % sizeof(buf), (int)(rnd(&x) % 4));
                break;
            case 7:
            case 8:
                sim_recv(w, h, rnd(&x) % 2 ? buf : NULL, rnd(&x) % sizeof(buf));
                break;
            case 9:
                sim_setsockopt(w, h, (sim_opt)(rnd(&x) % 6), (int)rnd(&x) - (1 << 30));
                break;
            case 10:
                sim_shutdown(w, h, (sim_how)(rnd(&x) % 4));
                break;
            case 11:
                if (rnd(&x) % 4 == 0)
                    sim_close(w, h);
                break;
            case 12:
                sim_settle(w, rnd(&x) % 3000000);
                break;
            case 13:
                sim_advance_to(w, sim_next_event_us(w));
                break;
            default: {
                sim_run runs[4];
                sim_snapshot sn;
                int v;
                sim_runs(w, h, (sim_queue)(rnd(&x) % 4), runs, 4);
                sim_snapshot_get(w, h, &sn);
                sim_getsockopt(w, h, (sim_opt)(rnd(&x) % 6), &v);
                sim_advance_to(w, sim_now_us(w) + rnd(&x) % 100000);
                break;
            }
            }
            char err[200];
            if (sim_verify(w, err, sizeof(err)) != 0)
                fail_msg("seed %llu op %d: %s", (unsigned long long)seed, op, err);
        }
        size_t n;
        const sim_event *ev = sim_events(w, &n);
        for (size_t i = 0; i < n; i++) {
            delivered += ev[i].kind == SIM_EV_DELIVER;
            resets += ev[i].kind == SIM_EV_RST_ARRIVE;
        }
        sim_world_free(w);
    }
    print_message("random calls: %zu deliveries, %zu resets\n", delivered, resets);
    assert_true(delivered > 1000);
    assert_true(resets > 10);
}

int main(void)
{
    image_fill();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_random_scripts_agree),
        cmocka_unit_test(test_reference_broken_is_detected),
        cmocka_unit_test(test_random_calls_keep_invariants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
