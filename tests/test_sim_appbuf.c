/* test_sim_appbuf.c: Python's BufferedWriter rules in sim_appbuf.
 *
 * Each case writes through the buffer and checks which bytes went to the
 * socket and which stayed, against CPython's _bufferedwriter_write rules;
 * a random case compares with a tiny independent reference of the rules.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_appbuf.h"

typedef struct {
    uint8_t *out;
    size_t len;
} sink;

static void write_bytes(sim_appbuf *b, sink *s, const char *data, size_t n)
{
    assert_int_equal(sim_appbuf_write(b, (const uint8_t *)data, n, &s->out, &s->len), 0);
}

/* The default capacity is 8192, also for 0 and negative sizes. */
static void test_appbuf_default_capacity(void **state)
{
    (void)state;
    sim_appbuf *b = sim_appbuf_new(0);
    assert_int_equal(sim_appbuf_capacity_bytes(b), SIM_APPBUF_DEFAULT_BYTES);
    assert_int_equal(SIM_APPBUF_DEFAULT_BYTES, 8192);
    sim_appbuf_free(b);
    b = sim_appbuf_new(-1);
    assert_int_equal(sim_appbuf_capacity_bytes(b), 8192);
    sim_appbuf_free(b);
    b = sim_appbuf_new(100);
    assert_int_equal(sim_appbuf_capacity_bytes(b), 100);
    sim_appbuf_free(b);
    sim_appbuf_free(NULL);
}

/* A write that fits is only buffered. */
static void test_appbuf_write_that_fits_is_buffered(void **state)
{
    (void)state;
    sim_appbuf *b = sim_appbuf_new(16);
    sink s = {0};
    write_bytes(b, &s, "Hello", 5);
    write_bytes(b, &s, ", world!!!!", 11); /* exactly fills 16 */
    assert_int_equal(s.len, 0);
    assert_int_equal(sim_appbuf_buffered_bytes(b), 16);
    free(s.out);
    sim_appbuf_free(b);
}

/* A write that does not fit pushes out the buffered bytes first, then is
 * buffered itself when it fits the whole buffer. */
static void test_appbuf_overflow_pushes_buffered_first(void **state)
{
    (void)state;
    sim_appbuf *b = sim_appbuf_new(10);
    sink s = {0};
    write_bytes(b, &s, "abcdef", 6);
    write_bytes(b, &s, "ghijkl", 6);
    assert_int_equal(s.len, 6);
    assert_memory_equal(s.out, "abcdef", 6);
    assert_int_equal(sim_appbuf_buffered_bytes(b), 6);
    assert_int_equal(sim_appbuf_flush(b, &s.out, &s.len), 0);
    assert_int_equal(s.len, 12);
    assert_memory_equal(s.out, "abcdefghijkl", 12);
    assert_int_equal(sim_appbuf_buffered_bytes(b), 0);
    free(s.out);
    sim_appbuf_free(b);
}

/* A write larger than the buffer goes straight through, after the buffered bytes. */
static void test_appbuf_large_write_goes_through(void **state)
{
    (void)state;
    sim_appbuf *b = sim_appbuf_new(4);
    sink s = {0};
    write_bytes(b, &s, "ab", 2);
    write_bytes(b, &s, "0123456789", 10);
    assert_int_equal(s.len, 12);
    assert_memory_equal(s.out, "ab0123456789", 12);
    assert_int_equal(sim_appbuf_buffered_bytes(b), 0);
    /* Exactly the capacity is not larger: it is buffered. */
    write_bytes(b, &s, "wxyz", 4);
    assert_int_equal(s.len, 12);
    assert_int_equal(sim_appbuf_buffered_bytes(b), 4);
    free(s.out);
    sim_appbuf_free(b);
}

/* buffering=1 is a one-byte buffer: only 1-byte writes wait. */
static void test_appbuf_one_byte_buffer(void **state)
{
    (void)state;
    sim_appbuf *b = sim_appbuf_new(1);
    sink s = {0};
    write_bytes(b, &s, "a", 1);
    assert_int_equal(s.len, 0);
    assert_int_equal(sim_appbuf_buffered_bytes(b), 1);
    write_bytes(b, &s, "bc", 2);
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.out, "abc", 3);
    assert_int_equal(sim_appbuf_buffered_bytes(b), 0);
    free(s.out);
    sim_appbuf_free(b);
}

/* Random writes agree with a two-line reference of CPython's rule. */
static void test_appbuf_random_matches_reference(void **state)
{
    (void)state;
    uint32_t x = 12345;
    for (int round = 0; round < 50; round++) {
        size_t cap = 1 + (x = x * 1103515245u + 12345u) % 64;
        sim_appbuf *b = sim_appbuf_new((long)cap);
        sink s = {0};
        size_t ref_buffered = 0, ref_out = 0, total = 0;
        uint8_t data[200];
        for (int op = 0; op < 200; op++) {
            x = x * 1103515245u + 12345u;
            if ((x >> 16) % 10 == 0) {
                assert_int_equal(sim_appbuf_flush(b, &s.out, &s.len), 0);
                ref_out += ref_buffered;
                ref_buffered = 0;
                continue;
            }
            size_t n = (x >> 8) % 150;
            for (size_t k = 0; k < n; k++)
                data[k] = (uint8_t)(total + k);
            assert_int_equal(sim_appbuf_write(b, data, n, &s.out, &s.len), 0);
            total += n;
            if (ref_buffered + n <= cap) {
                ref_buffered += n;
            } else {
                ref_out += ref_buffered;
                ref_buffered = 0;
                if (n > cap)
                    ref_out += n;
                else
                    ref_buffered = n;
            }
            assert_int_equal(s.len, ref_out);
            assert_int_equal(sim_appbuf_buffered_bytes(b), ref_buffered);
        }
        assert_int_equal(sim_appbuf_flush(b, &s.out, &s.len), 0);
        assert_int_equal(s.len, total);
        for (size_t k = 0; k < total; k++)
            assert_int_equal(s.out[k], (uint8_t)k);
        free(s.out);
        sim_appbuf_free(b);
    }
}

/* put() buffers what fits; consume() drops the oldest bytes only. */
static void test_appbuf_put_consume_keep_order(void **state)
{
    (void)state;
    sim_appbuf *b = sim_appbuf_new(4);
    assert_non_null(b);
    assert_int_equal(sim_appbuf_put(b, (const uint8_t *)"abcdef", 6), 4);
    assert_int_equal(sim_appbuf_buffered_bytes(b), 4);
    sim_appbuf_consume(b, 1);
    assert_memory_equal(sim_appbuf_data(b), "bcd", 3);
    assert_int_equal(sim_appbuf_put(b, (const uint8_t *)"xy", 2), 1);
    assert_memory_equal(sim_appbuf_data(b), "bcdx", 4);
    sim_appbuf_consume(b, 10);
    assert_int_equal(sim_appbuf_buffered_bytes(b), 0);
    sim_appbuf_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appbuf_default_capacity),
        cmocka_unit_test(test_appbuf_write_that_fits_is_buffered),
        cmocka_unit_test(test_appbuf_overflow_pushes_buffered_first),
        cmocka_unit_test(test_appbuf_large_write_goes_through),
        cmocka_unit_test(test_appbuf_one_byte_buffer),
        cmocka_unit_test(test_appbuf_random_matches_reference),
        cmocka_unit_test(test_appbuf_put_consume_keep_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
