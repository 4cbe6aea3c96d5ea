/* test_sim_heap.c: the model's event heap against a sorted reference.
 *
 * Random pushes and pops must come out in (time, send order) order, exactly
 * as a stable sort of the same packets would give them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sim_heap.h"

static int by_time_then_order(const void *a, const void *b)
{
    const sim_pkt *x = a, *y = b;
    if (x->time_us != y->time_us)
        return x->time_us < y->time_us ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Pops come out in the order a sort of the pending packets gives. */
static void test_heap_pops_in_time_then_send_order(void **state)
{
    (void)state;
    enum { N = 2000 };
    static sim_pkt ref[N];
    size_t nref = 0;
    sim_heap h = {0};
    uint64_t x = 99, order = 0;
    assert_int_equal(sim_heap_next_us(&h), UINT64_MAX);
    for (int op = 0; op < 20000; op++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        if (nref < N && ((x >> 40) % 3 != 0 || nref == 0)) {
            sim_pkt p = {.time_us = (x >> 20) % 50, .order = order++, .len = (uint32_t)op};
            assert_int_equal(sim_heap_push(&h, &p), 0);
            ref[nref++] = p;
        } else {
            qsort(ref, nref, sizeof(ref[0]), by_time_then_order);
            assert_int_equal(sim_heap_next_us(&h), ref[0].time_us);
            sim_pkt got = sim_heap_pop(&h);
            assert_int_equal(got.time_us, ref[0].time_us);
            assert_int_equal(got.order, ref[0].order);
            assert_int_equal(got.len, ref[0].len);
            ref[0] = ref[--nref];
        }
        assert_int_equal(h.n, nref);
    }
    sim_heap_free(&h);
    assert_int_equal(h.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heap_pops_in_time_then_send_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
