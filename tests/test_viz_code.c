/* test_viz_code.c: the code panel's pure parts (viz_code.c): statements
 * broken into rows at argument boundaries, the animation's statement
 * cursor and the panel's pages, over fixed widths (every character
 * 10 px). No fonts, no SDL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "viz_code.h"

static int fixed_width(void *ud, const char *s, int len)
{
    (void)ud;
    int w = 0;
    for (int i = 0; i < len;) {
        int n;
        viz_utf8_next(s + i, len - i, &n);
        w += 10;
        i += n;
    }
    return w;
}

/* The rows of code wrapped at max_w with a 20 px indent, joined by '|';
 * also checks every row fits (indented after the first) and that the
 * rows put back together, spaces aside, are the statement. */
static const char *wrap(const char *code, int max_w)
{
    static char out[1024];
    int starts[16], lens[16];
    int len = (int)strlen(code);
    int n = viz_code_wrap(code, len, max_w, 20, fixed_width, NULL, starts, lens, 16);
    size_t o = 0;
    char joined[512], want[512];
    size_t jn = 0, wn = 0;
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        if (fixed_width(NULL, code + starts[i], lens[i]) > max_w - (i ? 20 : 0)) {
            /* only a row with no break place in it may overflow */
            assert_null(memchr(code + starts[i], ',', (size_t)lens[i]));
        }
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%.*s", i ? "|" : "", lens[i],
                              code + starts[i]);
        for (int k = 0; k < lens[i]; k++)
            if (code[starts[i] + k] != ' ')
                joined[jn++] = code[starts[i] + k];
    }
    for (const char *p = code; *p; p++)
        if (*p != ' ')
            want[wn++] = *p;
    joined[jn] = want[wn] = 0;
    assert_string_equal(joined, want);
    return out;
}

/* A statement that fits stays one row. */
static void test_code_wrap_fits_one_row(void **state)
{
    (void)state;
    assert_string_equal(wrap("data = conn.recv(1024)", 300), "data = conn.recv(1024)");
}

/* A long call breaks after "(" and ", ", never inside a name or number. */
static void test_code_wrap_breaks_at_arguments(void **state)
{
    (void)state;
    assert_string_equal(wrap("s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1)", 360),
                        "s.setsockopt(socket.SOL_SOCKET,|socket.SO_SNDBUF, 1)");
    assert_string_equal(wrap("s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1)", 200),
                        "s.setsockopt(|socket.SOL_SOCKET,|socket.SO_SNDBUF,|1)");
}

/* A comma inside a string literal is no break place. */
static void test_code_wrap_skips_literals(void **state)
{
    (void)state;
    assert_string_equal(wrap("conn.sendall(b'a, b, c, d, e')", 240),
                        "conn.sendall(|b'a, b, c, d, e')");
}

/* Continuation rows have the indent less room. */
static void test_code_wrap_indent_takes_room(void **state)
{
    (void)state;
    /* "f(aaaa, bbbb, cccc)": 19 chars. At 100 px the first row holds
     * "f(aaaa," (7 = 70 px); later rows have 80 px: "bbbb," then "cccc)". */
    assert_string_equal(wrap("f(aaaa, bbbb, cccc)", 100), "f(aaaa,|bbbb,|cccc)");
}

/* With nowhere to break, a row is cut where it is full (nothing lost). */
static void test_code_wrap_no_break_place_cuts_full(void **state)
{
    (void)state;
    assert_string_equal(wrap("abcdefghij", 50), "abcde|fgh|ij");
}

/* A name wider than the rest of its row keeps its punctuation: no row is
 * a lone "," or ")" (zoom 2 drew "socket.SOL_SOCKET" / "," / ...). A
 * dotted name breaks after a dot, else the row gives up its last
 * character so the "," has company. */
static void test_code_wrap_no_lone_punctuation(void **state)
{
    (void)state;
    /* the first row holds "s.setsockopt(" (13); rows after it 150 px:
     * "socket.SOL_SOCKET" is 17 characters, with its "," 18 */
    assert_string_equal(wrap("s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)", 170),
                        "s.setsockopt(|socket.|SOL_SOCKET,|socket.|SO_SNDBUF,|4096)");
    assert_string_equal(wrap("f(abcdefgh, 1)", 100), "f(|abcdefg|h, 1)");
    assert_string_equal(wrap("abcdefghij)", 100), "abcdefghi|j)");
}

static viz_code stmt(lesson_stmt_state st)
{
    viz_code c;
    memset(&c, 0, sizeof c);
    c.status.state = st;
    return c;
}

/* The cursor walks the statements that ran and rests on a blocked one. */
static void test_code_cursor_walks_and_rests_on_blocked(void **state)
{
    (void)state;
    viz_code code[3] = {stmt(LESSON_STMT_DONE), stmt(LESSON_STMT_BLOCKED),
                        stmt(LESSON_STMT_PENDING)};
    int cur, blocked;
    viz_code_cursor(code, 3, 0.0, &cur, &blocked);
    assert_int_equal(cur, 0);
    assert_int_equal(blocked, 1);
    viz_code_cursor(code, 3, 0.7, &cur, &blocked);
    assert_int_equal(cur, 1);
    viz_code_cursor(code, 3, 1.0, &cur, &blocked);
    assert_int_equal(cur, 1);
    viz_code pending = stmt(LESSON_STMT_PENDING);
    viz_code_cursor(&pending, 1, 0.5, &cur, &blocked);
    assert_int_equal(cur, -1);
}

/* Whole statements go on pages; one taller than a page gets its own. */
static void test_code_paginate_keeps_statements_whole(void **state)
{
    (void)state;
    int rows[5] = {1, 2, 2, 5, 1}, first[8];
    assert_int_equal(viz_code_paginate(rows, 5, 11, first, 7), 1); /* 11 rows in all */
    int pages = viz_code_paginate(rows, 5, 4, first, 7);
    assert_int_equal(pages, 4);
    assert_int_equal(first[0], 0); /* 1 + 2 */
    assert_int_equal(first[1], 2); /* 2 */
    assert_int_equal(first[2], 3); /* 5, alone */
    assert_int_equal(first[3], 4); /* 1: fills back with nothing (5 + 1 > 4) */
    assert_int_equal(first[4], 5);
    assert_int_equal(viz_code_page_of(first, pages, 3), 2);
    assert_int_equal(viz_code_page_of(first, pages, -1), 0);
}

/* The last page is filled back with statements from the page before. */
static void test_code_paginate_last_page_fills_back(void **state)
{
    (void)state;
    int rows[5] = {1, 1, 1, 1, 1}, first[8];
    assert_int_equal(viz_code_paginate(rows, 5, 4, first, 7), 2);
    assert_int_equal(first[1], 4);
    assert_int_equal(viz_code_page_start(rows, 5, 4, first, 2, 1), 1); /* 1..4 fill it */
    assert_int_equal(viz_code_page_start(rows, 5, 4, first, 2, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_wrap_fits_one_row),
        cmocka_unit_test(test_code_wrap_breaks_at_arguments),
        cmocka_unit_test(test_code_wrap_skips_literals),
        cmocka_unit_test(test_code_wrap_indent_takes_room),
        cmocka_unit_test(test_code_wrap_no_break_place_cuts_full),
        cmocka_unit_test(test_code_wrap_no_lone_punctuation),
        cmocka_unit_test(test_code_cursor_walks_and_rests_on_blocked),
        cmocka_unit_test(test_code_paginate_keeps_statements_whole),
        cmocka_unit_test(test_code_paginate_last_page_fills_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
