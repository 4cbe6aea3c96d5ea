/* test_live_trail.c: the trail of recent bytes, a bounded ring.
 *
 * Pure: entries are pushed with made-up times and counts, no sockets. The
 * ring must stay at its capacity, keep its order, age entries out by
 * their time, and mark outbound chunks from a sample's counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "live_trail.h"

static live_trail_entry chunk(int id, bool out, int64_t t_ms, uint32_t bytes, uint64_t end)
{
    live_trail_entry e = {.conn_id = id,
                          .outbound = out,
                          .t_ms = t_ms,
                          .bytes = bytes,
                          .end_bytes = end,
                          .wire_t_ms = -1,
                          .acked_t_ms = -1};
    return e;
}

/* Pushing ten times the capacity holds the capacity, the newest ones. */
static void test_trail_bounded(void **state)
{
    (void)state;
    live_trail *t = live_trail_new(8);
    assert_non_null(t);
    assert_int_equal(live_trail_cap(t), 8);
    size_t bytes = live_trail_alloc_bytes(t);
    for (int i = 0; i < 80; i++) {
        live_trail_entry e = chunk(1, false, i, 6, (uint64_t)(i + 1) * 6);
        live_trail_push(t, &e);
        assert_true(live_trail_count(t) <= 8);
    }
    assert_int_equal(live_trail_count(t), 8);
    assert_int_equal(live_trail_alloc_bytes(t), bytes);
    live_trail_entry out[16];
    assert_int_equal(live_trail_recent(t, 80, -1, out, 16), 8);
    assert_int_equal(out[0].t_ms, 72);
    assert_int_equal(out[7].t_ms, 79);
    live_trail_free(t);
    live_trail_free(NULL);
}

/* Entries come out oldest first with increasing seq; a short out gets
 * the newest. */
static void test_trail_ordered(void **state)
{
    (void)state;
    live_trail *t = live_trail_new(5);
    assert_non_null(t);
    for (int i = 0; i < 7; i++) {
        live_trail_entry e = chunk(i % 2 + 1, i % 2 == 0, 100 + i, (uint32_t)i + 1, 0);
        e.seq = 999; /* ignored */
        live_trail_push(t, &e);
    }
    live_trail_entry out[5];
    int n = live_trail_recent(t, 200, -1, out, 5);
    assert_int_equal(n, 5);
    for (int i = 0; i < n; i++) {
        assert_int_equal(out[i].seq, (uint64_t)i + 3);
        assert_int_equal(out[i].bytes, (uint32_t)i + 3);
    }
    assert_int_equal(live_trail_recent(t, 200, -1, out, 2), 2);
    assert_int_equal(out[0].seq, 6);
    assert_int_equal(out[1].seq, 7);
    assert_int_equal(live_trail_recent(t, 200, -1, out, 0), 0);
    live_trail_free(t);
}

/* Only entries recorded within max_age of now come out. */
static void test_trail_ages_out(void **state)
{
    (void)state;
    live_trail *t = live_trail_new(16);
    assert_non_null(t);
    int64_t times[] = {0, 1000, 2500, 4000, 5900};
    for (int i = 0; i < 5; i++) {
        live_trail_entry e = chunk(1, true, times[i], 6, 0);
        live_trail_push(t, &e);
    }
    live_trail_entry out[16];
    assert_int_equal(live_trail_recent(t, 6000, 6000, out, 16), 5);
    assert_int_equal(live_trail_recent(t, 7000, 6000, out, 16), 4);
    assert_int_equal(out[0].t_ms, 1000);
    assert_int_equal(live_trail_recent(t, 9000, 4000, out, 16), 1);
    assert_int_equal(out[0].t_ms, 5900);
    assert_int_equal(live_trail_recent(t, 20000, 6000, out, 16), 0);
    assert_int_equal(live_trail_count(t), 5); /* aged out of the view, still held */
    live_trail_free(t);
}

typedef struct {
    int id;
    uint64_t sent, acked;
    int asked;
} seen_ctx;

static bool seen(void *user, int id, uint64_t *sent, uint64_t *acked)
{
    seen_ctx *s = user;
    s->asked++;
    if (id != s->id)
        return false;
    *sent = s->sent;
    *acked = s->acked;
    return true;
}

/* A sample marks a chunk on the wire once its end is sent and ACKed once
 * it is acknowledged; inbound chunks and other connections are left. */
static void test_trail_mark_from_sample(void **state)
{
    (void)state;
    live_trail *t = live_trail_new(8);
    assert_non_null(t);
    live_trail_entry a = chunk(1, true, 10, 16, 16), b = chunk(1, true, 11, 16, 32),
                     in = chunk(1, false, 12, 6, 6), other = chunk(2, true, 13, 4, 4);
    live_trail_push(t, &a);
    live_trail_push(t, &b);
    live_trail_push(t, &in);
    live_trail_push(t, &other);
    seen_ctx s = {.id = 1, .sent = 32, .acked = 16};
    live_trail_mark(t, 50, seen, &s);
    live_trail_entry out[8];
    assert_int_equal(live_trail_recent(t, 60, -1, out, 8), 4);
    assert_int_equal(out[0].wire_t_ms, 50);
    assert_int_equal(out[0].acked_t_ms, 50);
    assert_int_equal(out[1].wire_t_ms, 50);
    assert_int_equal(out[1].acked_t_ms, -1);
    assert_int_equal(out[2].wire_t_ms, -1);
    assert_int_equal(out[3].acked_t_ms, -1);
    s.acked = 32;
    live_trail_mark(t, 100, seen, &s);
    live_trail_recent(t, 120, -1, out, 8);
    assert_int_equal(out[0].acked_t_ms, 50); /* the first sample that saw it */
    assert_int_equal(out[1].wire_t_ms, 50);
    assert_int_equal(out[1].acked_t_ms, 100);
    /* only #2's chunk is left unacked: a sample asks about it alone */
    s.asked = 0;
    live_trail_mark(t, 150, seen, &s);
    assert_int_equal(s.asked, 1);
    live_trail_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trail_bounded),
        cmocka_unit_test(test_trail_ordered),
        cmocka_unit_test(test_trail_ages_out),
        cmocka_unit_test(test_trail_mark_from_sample),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
