/* test_base_opt.c: the one option parser (base/base_opt.c).
 *
 * Options anywhere with operands moved last, unknown options and missing
 * values named as typed, a second parse in the same process starting
 * afresh, finite numbers only, colour only on a terminal without NO_COLOR,
 * and the nearest word for a typo.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base_opt.h"

static const struct option opts[] = {
    {"sim", no_argument, NULL, 's'},
    {"out", required_argument, NULL, 'o'},
    {NULL, 0, NULL, 0},
};

typedef struct {
    int rc;   /* the last base_opt_next result */
    int sims; /* --sim seen */
    char out[64];
    char err[512];
    int first; /* first operand index */
} parsed;

static parsed parse(int argc, char **argv)
{
    parsed r = {0};
    char *buf = NULL;
    size_t len = 0;
    FILE *e = open_memstream(&buf, &len);
    base_opt p = {.cmd = "sockbuf t",
                  .longopts = opts,
                  .shortopts = "j:",
                  .errout = e,
                  .argc = argc,
                  .argv = argv};
    const char *v;
    while ((r.rc = base_opt_next(&p, &v)) != -1 && r.rc != '?') {
        if (r.rc == 's')
            r.sims++;
        if (r.rc == 'o')
            snprintf(r.out, sizeof r.out, "%s", v);
    }
    r.first = base_opt_operands(&p);
    fclose(e);
    snprintf(r.err, sizeof r.err, "%s", buf ? buf : "");
    free(buf);
    return r;
}

/* Options after operands are parsed; operands end up last, in order. */
static void test_base_opt_permutes_operands(void **state)
{
    (void)state;
    char *argv[] = {"t", "a", "--out", "d", "b", "--sim", NULL};
    parsed r = parse(6, argv);
    assert_int_equal(r.rc, -1);
    assert_int_equal(r.sims, 1);
    assert_string_equal(r.out, "d");
    assert_int_equal(r.first, 4);
    assert_string_equal(argv[4], "a");
    assert_string_equal(argv[5], "b");
}

/* An unknown option and a missing value are named as typed; a value
 * given to a flag is refused; a second parse starts afresh. */
static void test_base_opt_names_bad_options(void **state)
{
    (void)state;
    char *a1[] = {"t", "--frob=3", NULL};
    parsed r = parse(2, a1);
    assert_int_equal(r.rc, '?');
    assert_non_null(strstr(r.err, "sockbuf t: unknown option '--frob'"));
    char *a2[] = {"t", "x", "--out", NULL};
    r = parse(3, a2);
    assert_int_equal(r.rc, '?');
    assert_non_null(strstr(r.err, "option '--out' needs a value"));
    char *a3[] = {"t", "-j", NULL};
    r = parse(2, a3);
    assert_non_null(strstr(r.err, "option '-j' needs a value"));
    char *a4[] = {"t", "--sim=1", NULL};
    r = parse(2, a4);
    assert_non_null(strstr(r.err, "option '--sim' takes no value"));
    char *a5[] = {"t", "--si", "--ou=z", NULL}; /* unique prefixes */
    r = parse(3, a5);
    assert_int_equal(r.rc, -1);
    assert_int_equal(r.sims, 1);
    assert_string_equal(r.out, "z");
}

/* NaN, infinities, junk and out-of-range values are refused. */
static void test_base_opt_double_finite_only(void **state)
{
    (void)state;
    FILE *e = fopen("/dev/null", "w");
    base_opt p = {.cmd = "t", .errout = e};
    double d = -1;
    const char *bad[] = {"nan",   "NAN", "inf",  "-inf", "infinity",
                         "1e999", "",    "0.5x", "-0.1", "1.01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (base_opt_double(&p, "--at", bad[i], 0, 1, "0..1", &d) != -1)
            fail_msg("'%s' accepted", bad[i]);
    assert_int_equal(base_opt_double(&p, "--at", "0.25", 0, 1, "0..1", &d), 0);
    assert_true(d == 0.25);
    long l = 0;
    assert_int_equal(base_opt_long(&p, "-j", "0", 1, 8, &l), -1);
    assert_int_equal(base_opt_long(&p, "-j", "99999999999999999999", 1, 8, &l), -1);
    assert_int_equal(base_opt_long(&p, "-j", "3", 1, 8, &l), 0);
    assert_int_equal(l, 3);
    fclose(e);
}

/* Colour on a terminal only, and never with NO_COLOR set. */
static void test_base_colour_tty_and_no_color(void **state)
{
    (void)state;
    unsetenv("NO_COLOR");
    setenv("TERM", "xterm", 1);
    FILE *pipe_end = tmpfile();
    assert_false(base_colour(pipe_end));
    fclose(pipe_end);
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
        if (m >= 0)
            close(m);
        skip();
    }
    FILE *tty = fopen(ptsname(m), "w");
    assert_non_null(tty);
    assert_true(base_colour(tty));
    setenv("NO_COLOR", "1", 1);
    assert_false(base_colour(tty));
    setenv("NO_COLOR", "", 1); /* empty: as if unset (no-color.org) */
    assert_true(base_colour(tty));
    unsetenv("NO_COLOR");
    setenv("TERM", "dumb", 1);
    assert_false(base_colour(tty));
    fclose(tty);
    close(m);
}

/* A typo finds its command; a far word finds nothing. */
static void test_base_nearest_suggests(void **state)
{
    (void)state;
    const char *const words[] = {"check", "run", "render", "live"};
    assert_string_equal(base_nearest("chek", words, 4), "check");
    assert_string_equal(base_nearest("rnder", words, 4), "render");
    assert_string_equal(base_nearest("li", words, 4), "live");
    assert_null(base_nearest("frobnicate", words, 4));
}

/* The locale asks for Japanese through the first of LC_ALL, LC_MESSAGES
 * and LANG that is set and not empty. */
static void test_base_locale_japanese_follows_posix_order(void **state)
{
    (void)state;
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    setenv("LANG", "ja_JP.UTF-8", 1);
    assert_true(base_locale_is_japanese());
    setenv("LC_MESSAGES", "C.UTF-8", 1);
    assert_false(base_locale_is_japanese());
    setenv("LC_ALL", "ja_JP.UTF-8", 1);
    assert_true(base_locale_is_japanese());
    setenv("LC_ALL", "", 1);
    assert_false(base_locale_is_japanese()); /* empty: LC_MESSAGES decides */
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    unsetenv("LANG");
    assert_false(base_locale_is_japanese());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_opt_permutes_operands),
        cmocka_unit_test(test_base_opt_names_bad_options),
        cmocka_unit_test(test_base_opt_double_finite_only),
        cmocka_unit_test(test_base_colour_tty_and_no_color),
        cmocka_unit_test(test_base_nearest_suggests),
        cmocka_unit_test(test_base_locale_japanese_follows_posix_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
