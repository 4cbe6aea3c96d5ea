/* test_base_text.c: the one repr of bytes and str and the one JSON string.
 *
 * Known answers are CPython 3.11's repr() of the same values (checked by
 * running them in python3); the JSON strings read back as the input with
 * python3's json module in the oracle test, here their escapes are fixed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base_text.h"

static const char *repr(const char *s, size_t n, bool is_bytes, size_t max, size_t cap)
{
    static char buf[512];
    base_repr(buf, cap, (const uint8_t *)s, n, is_bytes, max);
    return buf;
}

/* Python's quote choice and escapes, for bytes and str. */
static void test_repr_matches_cpython(void **state)
{
    (void)state;
    assert_string_equal(repr("Hello", 5, true, 100, 512), "b'Hello'");
    assert_string_equal(repr("it's", 4, true, 100, 512), "b\"it's\"");
    assert_string_equal(repr("'\"", 2, true, 100, 512), "b'\\'\"'");
    assert_string_equal(repr("a\n\r\t\0\x7f\xff\\", 8, true, 100, 512),
                        "b'a\\n\\r\\t\\x00\\x7f\\xff\\\\'");
    assert_string_equal(repr("", 0, true, 100, 512), "b''");
    /* str: UTF-8 passes through, controls are escaped */
    assert_string_equal(repr("\xe3\x81\x82\n", 4, false, 100, 512), "'\xe3\x81\x82\\n'");
}

/* Long values are cut at max_chars with "...", and a small buffer never
 * loses the closing quote or overflows. */
static void test_repr_cuts_with_ellipsis(void **state)
{
    (void)state;
    assert_string_equal(repr("abcdefghij", 10, true, 5, 512), "b'abc...'");
    assert_string_equal(repr("abcdef", 6, true, 100, 10), "b'abc...'");
    for (size_t cap = 1; cap < 16; cap++) {
        const char *r = repr("\xff\xff\xff\xff", 4, true, 100, cap);
        assert_true(strlen(r) < cap);
        if (cap >= 4)
            assert_int_equal(r[strlen(r) - 1], '\'');
    }
}

/* JSON strings: quotes, backslashes and controls escaped, UTF-8 kept. */
static void test_json_str_escapes(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    base_json_str(f, "a\"b\\c\n\r\t\x01\xe3\x81\x82");
    fclose(f);
    assert_string_equal(buf, "\"a\\\"b\\\\c\\n\\r\\t\\u0001\xe3\x81\x82\"");
    free(buf);
}

/* Text for a terminal: newline, tab and UTF-8 (Japanese too) pass as they
 * are; C0 controls, DEL and C1 characters come out escaped as "\\xNN". */
static void test_fputs_safe_escapes_controls(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_not_equal(base_fputs_safe("a\tb\n\x1b]52;c;aGk=\x07\x7f\xc2\x9b"
                                         "2J \xe6\x97\xa5",
                                         f),
                         EOF);
    fclose(f);
    assert_string_equal(buf, "a\tb\n\\x1b]52;c;aGk=\\x07\\x7f\\x9b2J \xe6\x97\xa5");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repr_matches_cpython),
        cmocka_unit_test(test_repr_cuts_with_ellipsis),
        cmocka_unit_test(test_json_str_escapes),
        cmocka_unit_test(test_fputs_safe_escapes_controls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
