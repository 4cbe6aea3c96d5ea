/* test_live_sampler.c: the sampling thread of live_sampler.h on a real
 * loopback connection: rounds list the watched sockets then end, carry
 * the kernel's counters and their times, and an unwatched socket is no
 * longer probed (so it may be closed at once).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "live_sampler.h"
#include "net.h"

/* A connected pair on 127.0.0.1 (port 0): fds[0] client, fds[1] server. */
static void pair_open(int fds[2], int *lfd)
{
    char err[NET_ERR_LEN];
    *lfd = net_socket(err);
    assert_true(*lfd >= 0);
    assert_int_equal(net_bind(*lfd, NULL, 0, err), 0);
    assert_int_equal(net_listen(*lfd, 4, err), 0);
    fds[0] = net_socket(err);
    int rc = net_connect(fds[0], NULL, (uint16_t)net_local_port(*lfd, err), err);
    assert_true(rc == 0 || rc == -EINPROGRESS);
    assert_int_equal(net_wait(*lfd, false, 2000), 1);
    fds[1] = net_accept(*lfd, err);
    assert_true(fds[1] >= 0);
    assert_int_equal(net_wait(fds[0], true, 2000), 1);
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Rounds come on the clock, each lists every watched socket before its
 * end, and a probe shows bytes waiting in the server's receive queue. */
static void test_sampler_rounds_list_watched_sockets(void **state)
{
    (void)state;
    int fds[2], lfd;
    char err[NET_ERR_LEN];
    pair_open(fds, &lfd);
    assert_int_equal(net_send(fds[0], (const uint8_t *)"abcdef", 6, 0, err), 6);
    live_sampler *s = live_sampler_new(2000, err);
    assert_non_null(s);
    assert_int_equal(live_sampler_watch(s, 1, fds[0]), 0);
    assert_int_equal(live_sampler_watch(s, 2, fds[1]), 0);
    int64_t t0 = mono_us();
    assert_int_equal(live_sampler_start(s, err), 0);
    usleep(60000);
    static net_sample out[4096];
    size_t n = live_sampler_take(s, out, 4096);
    int rounds = 0, seen = 0;
    bool recv6 = false;
    int64_t first = 0, last = 0;
    for (size_t i = 0; i < n; i++) {
        if (out[i].round_end) {
            assert_int_equal(seen, 2); /* both sockets, then the end */
            if (rounds == 0)
                first = out[i].t_us;
            assert_true(out[i].t_us >= last);
            /* never early: round k comes at its deadline, (k + 1)
             * intervals after the start, or later (a late round, on a
             * loaded machine, moves no later one earlier) */
            assert_true(out[i].t_us >= t0 + 2000 * (int64_t)(rounds + 1));
            last = out[i].t_us;
            rounds++;
            seen = 0;
            continue;
        }
        assert_int_equal(out[i].id, seen + 1); /* in the order they were watched */
        assert_true(out[i].valid);
        if (out[i].id == 2 && out[i].probe.recv_queue_bytes == 6)
            recv6 = true;
        seen++;
    }
    /* 60 ms at 2 ms: about 30 rounds; at least 5 on a loaded machine. */
    assert_true(rounds >= 5);
    assert_true(recv6);
    assert_true(last >= first);
    live_sampler_free(s);
    net_close(fds[0]);
    net_close(fds[1]);
    net_close(lfd);
}

/* After unwatch returns no later round names the socket (only the round
 * it waited for may still be queued). */
static void test_sampler_unwatch_stops_probing(void **state)
{
    (void)state;
    int fds[2], lfd;
    char err[NET_ERR_LEN];
    pair_open(fds, &lfd);
    live_sampler *s = live_sampler_new(1000, err);
    assert_non_null(s);
    assert_int_equal(live_sampler_watch(s, 7, fds[0]), 0);
    assert_int_equal(live_sampler_start(s, err), 0);
    usleep(10000);
    live_sampler_unwatch(s, 7);
    static net_sample out[4096];
    live_sampler_take(s, out, 4096); /* what came before */
    net_close(fds[0]);
    usleep(20000);
    size_t n = live_sampler_take(s, out, 4096);
    int ends = 0;
    for (size_t i = 0; i < n; i++) {
        if (out[i].round_end)
            ends++;
        else if (ends > 0) /* the first may be the round unwatch waited for */
            fail_msg("round after unwatch probed id %d", out[i].id);
    }
    assert_true(ends > 0); /* rounds went on, empty */
    live_sampler_free(s);
    net_close(fds[1]);
    net_close(lfd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sampler_rounds_list_watched_sockets),
        cmocka_unit_test(test_sampler_unwatch_stops_probing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
