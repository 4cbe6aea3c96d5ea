/* test_viz_tiles.c: the pure parts of viz_tiles.h (a byte's tile text,
 * tiles or bar, the magnified strip) and the record's write log. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>

#include <cmocka.h>

#include <stdint.h>
#include <string.h>

#include "lesson_record.h"
#include "viz_tiles.h"

/* A log holding the given writes, origins 1, 2, ... */
static void log_of(lesson_write_log *l, const char *const *writes, int n)
{
    memset(l, 0, sizeof *l);
    for (int i = 0; i < n; i++)
        lesson_write_log_add(l, (uint32_t)i + 1, (const uint8_t *)writes[i],
                             (uint32_t)strlen(writes[i]));
}

/* A newline, NUL and backslash show as Python's escapes; a quote and a
 * letter as themselves. */
static void test_byte_text_python_escapes(void **state)
{
    (void)state;
    char t[VIZ_TILES_TEXT_LEN];
    assert_string_equal(viz_tiles_byte_text('\n', t, sizeof t), "\\n");
    assert_string_equal(viz_tiles_byte_text(0, t, sizeof t), "\\x00");
    assert_string_equal(viz_tiles_byte_text('\'', t, sizeof t), "'");
    assert_string_equal(viz_tiles_byte_text('\\', t, sizeof t), "\\\\");
    assert_string_equal(viz_tiles_byte_text('\t', t, sizeof t), "\\t");
    assert_string_equal(viz_tiles_byte_text('H', t, sizeof t), "H");
    assert_string_equal(viz_tiles_byte_text(0xff, t, sizeof t), "\\xff");
    assert_string_equal(viz_tiles_byte_text(0x7f, t, sizeof t), "\\x7f");
}

/* Tiles from one byte up to VIZ_TILES_MAX; none for an empty buffer or more. */
static void test_use_tiles_up_to_max(void **state)
{
    (void)state;
    assert_false(viz_tiles_use(0));
    assert_true(viz_tiles_use(1));
    assert_true(viz_tiles_use(16));
    assert_true(viz_tiles_use(VIZ_TILES_MAX));
    assert_false(viz_tiles_use(VIZ_TILES_MAX + 1));
    assert_false(viz_tiles_use(131072));
}

/* Two writes in one queue read as one stream: 03-chat's receive buffer. */
static void test_queue_byte_two_writes_one_stream(void **state)
{
    (void)state;
    const char *w[] = {"Hi\n", "How are you?\n"};
    lesson_write_log l;
    log_of(&l, w, 2);
    lesson_queue q = {0};
    lesson_queue_push(&q, 1, 3);
    lesson_queue_push(&q, 2, 13);
    char s[128];
    assert_true(viz_tiles_strip_text(&q, &l, 64, 0, s, sizeof s));
    assert_string_equal(s, "Hi\\nHow are you?\\n");
    assert_int_equal(viz_tiles_queue_byte(&q, &l, 3), 'H');
    assert_int_equal(viz_tiles_queue_byte(&q, &l, 16), -1); /* past the queue */
}

/* A run that starts inside its write reads from that offset. */
static void test_queue_byte_offset_in_write(void **state)
{
    (void)state;
    const char *w[] = {"Hello, world"};
    lesson_write_log l;
    log_of(&l, w, 1);
    lesson_queue q = {0};
    lesson_queue_push_at(&q, 1, 7, 5);
    assert_int_equal(viz_tiles_queue_byte(&q, &l, 0), 'w');
    assert_int_equal(viz_tiles_queue_byte(&q, &l, 4), 'd');
}

/* The strip shows the first and last bytes with "…" between. */
static void test_strip_text_head_and_tail(void **state)
{
    (void)state;
    const char *w[] = {"Hello, world\n"};
    lesson_write_log l;
    log_of(&l, w, 1);
    lesson_queue q = {0};
    lesson_queue_push(&q, 1, 13);
    char s[128];
    assert_true(viz_tiles_strip_text(&q, &l, 9, 3, s, sizeof s));
    assert_string_equal(s, "Hello, wo\xe2\x80\xa6ld\\n");
    assert_true(viz_tiles_strip_text(&q, &l, 10, 3, s, sizeof s)); /* all of it: no "…" */
    assert_string_equal(s, "Hello, world\\n");
}

/* A long write keeps its first and last bytes: the middle is unknown,
 * and a strip that needs it says so. */
static void test_strip_text_long_write_keeps_ends(void **state)
{
    (void)state;
    static char big[1000];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = (char)('a' + i % 26);
    const char *w[] = {big};
    lesson_write_log l;
    log_of(&l, w, 1);
    lesson_queue q = {0};
    lesson_queue_push(&q, 1, 999);
    char s[128];
    assert_true(viz_tiles_strip_text(&q, &l, 4, 2, s, sizeof s));
    assert_string_equal(s, "abcd\xe2\x80\xa6jk"); /* bytes 997, 998: 9, 10 */
    lesson_queue mid = {0};
    lesson_queue_push_at(&mid, 1, 500, 10);
    assert_false(viz_tiles_strip_text(&mid, &l, 4, 2, s, sizeof s));
    assert_string_equal(s, "");
}

/* b'x' * N: every byte of the write is known, wherever the run starts. */
static void test_write_log_uniform_write_known_everywhere(void **state)
{
    (void)state;
    static char xs[5000];
    memset(xs, 'x', sizeof xs - 1);
    lesson_write_log l = {0};
    lesson_write_log_add(&l, 1, (const uint8_t *)xs, 2000);
    lesson_write_log_add(&l, 1, (const uint8_t *)xs, 2999); /* sendall's next chunk */
    assert_int_equal(l.n, 1);
    assert_int_equal(l.w[0].bytes, 4999);
    assert_int_equal(lesson_write_log_byte(&l, 1, 3000), 'x');
    assert_int_equal(lesson_write_log_byte(&l, 1, 4999), -1);
}

/* A continued write's tail is the last bytes of all its chunks. */
static void test_write_log_tail_spans_chunks(void **state)
{
    (void)state;
    static uint8_t a[100], b[10];
    for (int i = 0; i < 100; i++)
        a[i] = (uint8_t)i;
    for (int i = 0; i < 10; i++)
        b[i] = (uint8_t)(200 + i);
    lesson_write_log l = {0};
    lesson_write_log_add(&l, 1, a, 100);
    lesson_write_log_add(&l, 1, b, 10);
    assert_int_equal(lesson_write_log_byte(&l, 1, 99), 99);   /* in the tail, from a */
    assert_int_equal(lesson_write_log_byte(&l, 1, 109), 209); /* from b */
    assert_int_equal(lesson_write_log_byte(&l, 1, 50), 50);   /* in the head */
    assert_int_equal(lesson_write_log_byte(&l, 1, 64), 64);   /* tail starts at 46 */
}

/* The log keeps the newest writes: the oldest is forgotten. */
static void test_write_log_forgets_oldest(void **state)
{
    (void)state;
    lesson_write_log l = {0};
    for (uint32_t o = 1; o <= LESSON_MAX_WRITES + 2; o++) {
        uint8_t c = (uint8_t)('A' + o);
        lesson_write_log_add(&l, o, &c, 1);
    }
    assert_int_equal(l.n, LESSON_MAX_WRITES);
    assert_int_equal(lesson_write_log_byte(&l, 1, 0), -1);
    assert_int_equal(lesson_write_log_byte(&l, LESSON_MAX_WRITES + 2, 0), 'A' + LESSON_MAX_WRITES + 2);
}

/* A segment's first bytes for its chip, "…" when it is longer. */
static void test_run_text_first_bytes(void **state)
{
    (void)state;
    const char *w[] = {"How are you?\n"};
    lesson_write_log l;
    log_of(&l, w, 1);
    char s[64];
    assert_true(viz_tiles_run_text(&l, 1, 0, 13, 4, s, sizeof s));
    assert_string_equal(s, "How \xe2\x80\xa6");
    assert_true(viz_tiles_run_text(&l, 1, 10, 3, 4, s, sizeof s));
    assert_string_equal(s, "u?\\n");
    assert_false(viz_tiles_run_text(&l, 2, 0, 3, 4, s, sizeof s)); /* no such write */
}

/* A segment's bytes by stream offset, across the end of one write into
 * the next (a coalesced segment). */
static void test_seq_text_spans_writes(void **state)
{
    (void)state;
    const char *w[] = {"Hi\n", "How are you?\n"};
    lesson_write_log l;
    log_of(&l, w, 2);
    l.w[0].seq = 0;
    l.w[1].seq = 3;
    char s[64];
    assert_true(viz_tiles_seq_text(&l, 1, 15, 5, s, sizeof s));
    assert_string_equal(s, "i\\nHow\xe2\x80\xa6");
    assert_true(viz_tiles_seq_text(&l, 13, 3, 6, s, sizeof s));
    assert_string_equal(s, "u?\\n");
    assert_false(viz_tiles_seq_text(&l, 16, 1, 6, s, sizeof s)); /* past the writes */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_byte_text_python_escapes),
        cmocka_unit_test(test_use_tiles_up_to_max),
        cmocka_unit_test(test_queue_byte_two_writes_one_stream),
        cmocka_unit_test(test_queue_byte_offset_in_write),
        cmocka_unit_test(test_strip_text_head_and_tail),
        cmocka_unit_test(test_strip_text_long_write_keeps_ends),
        cmocka_unit_test(test_write_log_uniform_write_known_everywhere),
        cmocka_unit_test(test_write_log_tail_spans_chunks),
        cmocka_unit_test(test_write_log_forgets_oldest),
        cmocka_unit_test(test_run_text_first_bytes),
        cmocka_unit_test(test_seq_text_spans_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
