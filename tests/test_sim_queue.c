/* test_sim_queue.c: the model's byte rings and origin run-lists.
 *
 * Random operations on a ring and a run-list are compared with the
 * simplest possible reference: a flat array holding one byte, and one
 * origin, per stream offset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_queue.h"

enum { STREAM = 1 << 16 };

static uint32_t rnd(uint64_t *x)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*x >> 33);
}

/* A ring holds [head, tail) of a stream across wrap-arounds and growth. */
static void test_ring_matches_flat_stream(void **state)
{
    (void)state;
    static uint8_t flat[STREAM], out[STREAM];
    sim_ring r = {0}, copy = {0};
    uint64_t head = 0, tail = 0, x = 5;
    for (size_t k = 0; k < STREAM; k++)
        flat[k] = (uint8_t)rnd(&x);
    while (tail < STREAM - 3000) {
        uint32_t n = rnd(&x) % 3000;
        assert_int_equal(sim_ring_reserve(&r, tail + n - head, head, tail), 0);
        sim_ring_put(&r, tail, flat + tail, n);
        tail += n;
        uint32_t drop = rnd(&x) % 2500;
        if (drop > tail - head)
            drop = (uint32_t)(tail - head);
        head += drop;
        sim_ring_get(&r, head, out, (size_t)(tail - head));
        assert_memory_equal(out, flat + head, (size_t)(tail - head));
        /* copy to a second ring at the same offsets, as a delivery does */
        assert_int_equal(sim_ring_reserve(&copy, tail - head, 0, 0), 0);
        sim_ring_copy(&copy, head, &r, head, (size_t)(tail - head));
        sim_ring_get(&copy, head, out, (size_t)(tail - head));
        assert_memory_equal(out, flat + head, (size_t)(tail - head));
    }
    assert_true(sim_ring_capacity(&r) >= 2048);
    sim_ring_free(&r);
    sim_ring_free(&copy);
}

/* Run-lists keep each byte's origin through push, pop, walk and describe. */
static void test_runq_matches_per_byte_origins(void **state)
{
    (void)state;
    static uint32_t origin_of[STREAM];
    sim_runq q = {0}, to = {0};
    sim_cursor cur = {0};
    uint64_t head = 0, tail = 0, walked = 0, x = 7;
    uint32_t origin = 0;
    while (tail < STREAM - 500) {
        uint32_t n = rnd(&x) % 500;
        if (n > 0) {
            origin++;
            assert_int_equal(sim_runq_push(&q, origin, n, false), 0);
            for (uint32_t k = 0; k < n; k++)
                origin_of[tail + k] = origin;
            tail += n;
        }
        /* walk part of what is there, copying the runs to another list */
        uint64_t step = rnd(&x) % 400;
        if (step > tail - walked)
            step = tail - walked;
        int err = 0;
        uint32_t first = sim_runq_walk(&q, &cur, step, &to, &err);
        assert_int_equal(err, 0);
        if (step > 0)
            assert_int_equal(first, origin_of[walked]);
        walked += step;
        /* pop only what was walked (as ACKs only cover delivered bytes) */
        uint64_t drop = rnd(&x) % 450;
        if (drop > walked - head)
            drop = walked - head;
        sim_runq_pop(&q, drop);
        head += drop;
        assert_int_equal(q.bytes, tail - head);
        /* describe [head+skip, head+skip+len) and compare byte by byte */
        uint64_t skip = (tail - head) ? rnd(&x) % (tail - head) : 0;
        uint64_t len = tail - head - skip;
        sim_run runs[64];
        int nr = sim_runq_describe(&q, skip, len, runs, 64);
        assert_true(nr >= 0);
        uint64_t off = head + skip;
        for (int i = 0; i < nr && i < 64; i++) {
            assert_true(runs[i].bytes > 0);
            if (i > 0)
                assert_int_not_equal(runs[i].origin, runs[i - 1].origin);
            for (uint32_t k = 0; k < runs[i].bytes; k++)
                assert_int_equal(runs[i].origin, origin_of[off + k]);
            off += runs[i].bytes;
        }
        if (nr <= 64)
            assert_int_equal(off, tail);
    }
    /* everything walked so far landed in `to`, merged, in order */
    assert_int_equal(to.bytes, walked);
    sim_run all[1];
    assert_true(sim_runq_describe(&to, 0, walked, all, 1) >= 1);
    assert_int_equal(all[0].origin, origin_of[0]);
    sim_runq_free(&q);
    sim_runq_free(&to);
}

/* A cursor at the end of the newest run sees bytes merged into that run:
 * a walk after the merging push returns their origin, not 0. */
static void test_runq_walk_after_merge_at_end(void **state)
{
    (void)state;
    sim_runq q = {0}, to = {0};
    sim_cursor cur = {0};
    int err = 0;
    assert_int_equal(sim_runq_push(&q, 1, 100, true), 0);
    assert_int_equal(sim_runq_walk(&q, &cur, 100, &to, &err), 1);
    assert_int_equal(sim_runq_push(&q, 1, 50, true), 0); /* merges into the run */
    assert_int_equal(sim_runq_walk_fast(&q, &cur, 20, &to, &err), 1);
    assert_int_equal(sim_runq_walk(&q, &cur, 30, &to, &err), 1);
    assert_int_equal(sim_runq_push(&q, 2, 10, true), 0); /* a new run after the end */
    assert_int_equal(sim_runq_walk(&q, &cur, 10, &to, &err), 2);
    assert_int_equal(err, 0);
    assert_int_equal(to.bytes, 160);
    sim_runq_free(&q);
    sim_runq_free(&to);
}

/* Reading through extents gives borrowed bytes where an extent covers the
 * offsets and the ring's bytes between them, for any cut of the range. */
static void test_ring_get_ext_mixes_borrowed_and_ring(void **state)
{
    (void)state;
    static uint8_t flat[4096], borrowed[4096], out[4096];
    sim_ring r = {0};
    sim_extq x = {0};
    assert_int_equal(sim_ring_reserve(&r, 1024, 0, 0), 0);
    uint64_t x7 = 7, off = 3000; /* stream offsets start past the ring's size: it wraps */
    for (int k = 0; k < 4096; k++)
        borrowed[k] = (uint8_t)(rnd(&x7) | 1);
    uint64_t start = off;
    for (int piece = 0; piece < 8; piece++) { /* alternate ring and borrowed pieces */
        uint32_t n = 50 + rnd(&x7) % 70;
        if (piece % 2 == 0) {
            for (uint32_t k = 0; k < n; k++)
                flat[off - start + k] = (uint8_t)(off + k) & 0xfe;
            sim_ring_put(&r, off, flat + (off - start), n);
        } else {
            assert_int_equal(sim_extq_push(&x, off, off + n, borrowed + piece * 200), 0);
            memcpy(flat + (off - start), borrowed + piece * 200, n);
        }
        off += n;
    }
    uint64_t len = off - start;
    for (uint64_t a = 0; a < len; a += 13)
        for (uint64_t b = a; b <= len; b += 29) {
            memset(out, 0, sizeof(out));
            sim_ring_get_ext(&r, &x, start + a, out, (size_t)(b - a));
            assert_memory_equal(out, flat + a, (size_t)(b - a));
        }
    sim_extq_drop_before(&x, start + len);
    assert_int_equal(x.head, x.tail);
    sim_extq_free(&x);
    sim_ring_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_matches_flat_stream),
        cmocka_unit_test(test_runq_matches_per_byte_origins),
        cmocka_unit_test(test_runq_walk_after_merge_at_end),
        cmocka_unit_test(test_ring_get_ext_mixes_borrowed_and_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
