/* test_live_outq.c: live mode's bounded, non-blocking output queue.
 *
 * Pushing never blocks on a pipe nobody reads; when the queue is full the
 * droppable lines go first and are counted; other lines are kept, or
 * counted when even they do not fit; once the reader is back every kept
 * line arrives whole and in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "live_outq.h"

/* Reads everything there is from a non-blocking fd into a new string. */
static char *read_all(int fd, size_t *len)
{
    size_t cap = 1 << 20, n = 0;
    char *b = malloc(cap + 1);
    assert_non_null(b);
    for (;;) {
        ssize_t k = read(fd, b + n, cap - n);
        if (k <= 0)
            break;
        n += (size_t)k;
        assert_true(n < cap);
    }
    b[n] = '\0';
    *len = n;
    return b;
}

/* A full pipe: pushes return at once; samples are dropped, oldest first,
 * to keep events; events beyond the bound are counted, never silent; a
 * partly written line is finished, never cut. */
static void test_outq_full_pipe_drops_samples_first(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    fcntl(p[1], F_SETPIPE_SZ, 4096);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    FILE *f = fdopen(p[1], "w");
    assert_non_null(f);
    live_outq *q = live_outq_new(f, 8192);
    assert_non_null(q);
    char line[128];
    int events = 0;
    /* 100 samples and 100 events of 100 bytes, interleaved: 20 KB into a
     * 4 KB pipe and an 8 KB queue */
    for (int i = 0; i < 200; i++) {
        bool sample = i % 2 == 0;
        int n = snprintf(line, sizeof line, "%s %04d ", sample ? "sample" : "event ", i);
        memset(line + n, '.', 99 - (size_t)n);
        line[99] = '\n';
        int rc = live_outq_push(q, line, 100, sample);
        if (!sample && rc == 0)
            events++;
    }
    live_outq_stats st;
    live_outq_stats_get(q, &st);
    assert_true(st.dropped_droppable >= 50);
    assert_true(st.queued_bytes <= 8192);
    assert_int_equal((uint64_t)events + st.dropped_other, 100);
    assert_true(events >= 40); /* the queue's room went to events */
    assert_true(live_outq_wait_fd(q) == p[1]);
    /* the reader is back */
    size_t total = 0;
    char *all = malloc(1 << 20);
    assert_non_null(all);
    for (int i = 0; i < 200; i++) {
        size_t len = 0;
        char *got = read_all(p[0], &len);
        memcpy(all + total, got, len);
        total += len;
        free(got);
        if (live_outq_drain(q, 5) == 0 && i > 0 && len == 0)
            break;
    }
    all[total] = '\0';
    assert_int_equal(live_outq_wait_fd(q), -1);
    assert_int_equal(total % 100, 0); /* whole lines only */
    int seen_events = 0, last = -1;
    for (size_t o = 0; o < total; o += 100) {
        assert_int_equal(all[o + 99], '\n');
        int idx = atoi(all + o + 7);
        assert_true(idx > last); /* in order */
        last = idx;
        seen_events += !strncmp(all + o, "event ", 6);
    }
    assert_int_equal(seen_events, events);
    live_outq_stats_get(q, &st);
    assert_int_equal(st.written_bytes, total);
    free(all);
    live_outq_free(q);
    fclose(f);
    close(p[0]);
}

/* A reader that never reads: once the queue is full, pushing looks at each
 * queued line at most once in its life to make room (O(1) amortised per
 * push), whether the queue holds samples to drop or only events. */
static void test_outq_stalled_reader_push_is_constant_work(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    fcntl(p[1], F_SETPIPE_SZ, 4096);
    FILE *f = fdopen(p[1], "w");
    assert_non_null(f);
    live_outq *q = live_outq_new(f, 64 * 1024);
    assert_non_null(q);
    char line[64];
    memset(line, 'x', sizeof line);
    line[63] = '\n';
    enum { PUSHES = 40000 };
    /* first samples and events mixed, then events only: the queue's 1,000
     * lines are walked again and again by a scan that restarts each push */
    for (int i = 0; i < PUSHES; i++)
        live_outq_push(q, line, sizeof line, i < PUSHES / 2 && i % 3 != 0);
    live_outq_stats st;
    live_outq_stats_get(q, &st);
    assert_true(st.dropped_droppable > 0);
    assert_true(st.dropped_other > 0);
    assert_true(st.queued_bytes <= 64 * 1024);
    assert_true(st.scanned_lines <= PUSHES);
    live_outq_free(q);
    fclose(f);
    close(p[0]);
}

/* The descriptor's flags come back as they were. */
static void test_outq_restores_blocking(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    FILE *f = fdopen(p[1], "w");
    live_outq *q = live_outq_new(f, 0);
    assert_true(fcntl(p[1], F_GETFL) & O_NONBLOCK);
    assert_int_equal(live_outq_push(q, "x\n", 2, false), 0);
    live_outq_free(q);
    assert_false(fcntl(p[1], F_GETFL) & O_NONBLOCK);
    char b[4] = "";
    assert_int_equal(read(p[0], b, sizeof b), 2);
    fclose(f);
    close(p[0]);
}

/* A broken output (the reader gone) is an error kept for the caller, and
 * pushing afterwards neither blocks nor crashes. */
static void test_outq_broken_pipe_is_an_error(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    FILE *f = fdopen(p[1], "w");
    live_outq *q = live_outq_new(f, 0);
    live_outq_push(q, "x\n", 2, false);
    assert_int_equal(live_outq_error(q), -EPIPE);
    assert_int_equal(live_outq_push(q, "y\n", 2, true), 1);
    assert_int_equal(live_outq_drain(q, 100), -EPIPE);
    live_outq_free(q);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outq_full_pipe_drops_samples_first),
        cmocka_unit_test(test_outq_stalled_reader_push_is_constant_work),
        cmocka_unit_test(test_outq_restores_blocking),
        cmocka_unit_test(test_outq_broken_pipe_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
