/* test_viz_appbox.c: the application box's pure helpers (viz_appbox.c):
 * the call's text, the exact byte count, how many bytes a call holds at a
 * moment of the step, and when a received value may show. No SDL drawing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "viz_appbox.h"
#include "viz_tiles.h"

/* The receiver before the call is dropped; its arguments are kept whole. */
static void test_call_text_drops_receiver(void **state)
{
    (void)state;
    char out[64];
    viz_appbox_call_text(out, sizeof out, "s.sendall(data)", "sendall");
    assert_string_equal(out, "sendall(data)");
    viz_appbox_call_text(out, sizeof out, "conn.sendall(b'x' * (2 * 1024))", "sendall");
    assert_string_equal(out, "sendall(b'x' * (2 * 1024))");
    viz_appbox_call_text(out, sizeof out, "n = f.write(big)", "write");
    assert_string_equal(out, "write(big)");
}

/* A statement without the call (or a name that only contains it) gives
 * the bare call. */
static void test_call_text_missing_call(void **state)
{
    (void)state;
    char out[64];
    viz_appbox_call_text(out, sizeof out, "x = resend(data)", "send");
    assert_string_equal(out, "send()");
    viz_appbox_call_text(out, sizeof out, NULL, "sendall");
    assert_string_equal(out, "sendall()");
}

/* Counts are exact, grouped by thousands: the narration's numbers. */
static void test_fmt_count_groups_thousands(void **state)
{
    (void)state;
    char out[32];
    viz_appbox_fmt_count(out, sizeof out, 196608);
    assert_string_equal(out, "196,608 B");
    viz_appbox_fmt_count(out, sizeof out, 12);
    assert_string_equal(out, "12 B");
    viz_appbox_fmt_count(out, sizeof out, 1000);
    assert_string_equal(out, "1,000 B");
    viz_appbox_fmt_count(out, sizeof out, 4294967295u);
    assert_string_equal(out, "4,294,967,295 B");
}

/* A call still waiting after the step holds its remaining bytes plus what
 * it writes later in the step, never more than its data. */
static void test_pending_at_waiting_call(void **state)
{
    (void)state;
    viz_pending none = {0}, after = {.bytes = 196608, .total = 204800, .call = "sendall"};
    assert_int_equal(viz_appbox_pending_at(&none, &after, 0), 196608);
    assert_int_equal(viz_appbox_pending_at(&none, &after, 4096), 200704);
    assert_int_equal(viz_appbox_pending_at(&none, &after, 999999), 204800);
}

/* A call that finished in the step holds only what it still writes; none
 * at all holds nothing. */
static void test_pending_at_finished_call(void **state)
{
    (void)state;
    viz_pending none = {0}, before = {.bytes = 196608, .total = 204800, .call = "sendall"};
    assert_int_equal(viz_appbox_pending_at(&before, &none, 50000), 50000);
    assert_int_equal(viz_appbox_pending_at(&before, &none, 300000), 196608);
    assert_int_equal(viz_appbox_pending_at(&before, &none, 0), 0);
    assert_int_equal(viz_appbox_pending_at(&none, &none, 100), 0);
}

/* recv, recv_into, recvfrom, read and readline take bytes in; send and
 * the rest do not. */
static void test_is_receive_names_reads(void **state)
{
    (void)state;
    assert_true(viz_appbox_is_receive("data = conn.recv(1024)"));
    assert_true(viz_appbox_is_receive("n = s.recv_into(buf)"));
    assert_true(viz_appbox_is_receive("line = f.readline()"));
    assert_true(viz_appbox_is_receive("x = f.read(5)"));
    assert_false(viz_appbox_is_receive("s.sendall(data)"));
    /* a file's read() matches too: harmless, no socket read is waited for */
    assert_true(viz_appbox_is_receive("with open('a', 'rb') as f: data = f.read()"));
    assert_false(viz_appbox_is_receive(NULL));
}

/* A makefile() buffer's bytes at a count between two steps': the first
 * ones of after's while it grows, the last ones of before's while it
 * empties; none where the record has none. */
static void file_sock(viz_sock *v, const char *bytes)
{
    memset(v, 0, sizeof *v);
    v->has_file = true;
    v->file_buffered_bytes = (uint32_t)strlen(bytes);
    lesson_write_log l;
    memset(&l, 0, sizeof l);
    lesson_write_log_add(&l, 1, (const uint8_t *)bytes, (uint32_t)strlen(bytes));
    if (l.n)
        v->file_content = l.w[0];
}

static void test_file_queue_grows_and_empties(void **state)
{
    (void)state;
    viz_sock before, after;
    lesson_queue q;
    lesson_write_log log;
    file_sock(&before, "");
    file_sock(&after, "Hello");
    assert_false(viz_appbox_file_queue(&before, &after, 0, &q, &log));
    assert_true(viz_appbox_file_queue(&before, &after, 5, &q, &log));
    assert_int_equal(q.bytes, 5);
    assert_int_equal(viz_tiles_queue_byte(&q, &log, 0), 'H');
    assert_int_equal(viz_tiles_queue_byte(&q, &log, 4), 'o');
    assert_true(viz_appbox_file_queue(&before, &after, 2, &q, &log)); /* growing */
    assert_int_equal(viz_tiles_queue_byte(&q, &log, 1), 'e');
    /* flush(): from "Hello" to empty, the last bytes stay */
    assert_true(viz_appbox_file_queue(&after, &before, 2, &q, &log));
    assert_int_equal(viz_tiles_queue_byte(&q, &log, 0), 'l');
    assert_int_equal(viz_tiles_queue_byte(&q, &log, 1), 'o');
    /* a record without the bytes */
    after.file_content.origin = 0;
    assert_false(viz_appbox_file_queue(&before, &after, 5, &q, &log));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_text_drops_receiver),
        cmocka_unit_test(test_call_text_missing_call),
        cmocka_unit_test(test_fmt_count_groups_thousands),
        cmocka_unit_test(test_pending_at_waiting_call),
        cmocka_unit_test(test_pending_at_finished_call),
        cmocka_unit_test(test_is_receive_names_reads),
        cmocka_unit_test(test_file_queue_grows_and_empties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
