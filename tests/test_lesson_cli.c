/* test_lesson_cli.c: `sockbuf check` and `sockbuf run` (SPEC.md section 2).
 *
 * The exact output lines and exit statuses: failed expectations, the
 * closing "N passed, N failed", parse errors as FILE:LINE:COL, folders,
 * bundled short names, --sim/--real, usage errors, a lesson ending
 * blocked, and run's transcript file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lesson_cli.h"

static char dir[64];

#define GOOD "lesson good\nstep s\nclient: x = b'abc'\nexpect client: len(x) == 3\n"
#define BAD                                                                                        \
    "lesson bad\nstep s\n"                                                                         \
    "server: srv = socket.socket()\nserver: srv.bind(('localhost', 8080))\n"                       \
    "server: srv.listen(1)\nclient: s = socket.socket()\nclient: s.connect(('localhost', 8080))\n" \
    "server: conn, addr = srv.accept()\nclient: s.sendall(b'x' * 12)\n"                            \
    "expect server: conn.recv_queue == 13\n"                                                       \
    "expect.sim server: conn.recv_queue == 12\n"

static void put(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

typedef struct {
    int rc;
    char *out, *err;
} result;

static result run_cli(int (*fn)(int, char **, FILE *, FILE *), int argc, char **argv)
{
    result r = {0};
    size_t ol, el;
    FILE *o = open_memstream(&r.out, &ol), *e = open_memstream(&r.err, &el);
    r.rc = fn(argc, argv, o, e);
    fclose(o);
    fclose(e);
    return r;
}

static void done(result *r)
{
    free(r->out);
    free(r->err);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sockbuf-cli-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    put("a-good.lesson", GOOD);
    put("b-bad.lesson", BAD);
    put("c-broken.lesson", "lesson broken\nstep s\nclient: x = (1,\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The basics lesson passes in both modes: "1 passed, 0 failed", exit 0. */
static void test_check_basics_passes(void **state)
{
    (void)state;
    char *argv[] = {"check", SOCKBUF_SOURCE_DIR "/lessons/01-basics.lesson"};
    result r = run_cli(lesson_cli_check, 2, argv);
    assert_string_equal(r.out, "1 passed, 0 failed\n");
    assert_string_equal(r.err, "");
    assert_int_equal(r.rc, 0);
    done(&r);
    char *argv2[] = {"check", "basics"};
    r = run_cli(lesson_cli_check, 2, argv2);
    assert_string_equal(r.out, "1 passed, 0 failed\n");
    assert_int_equal(r.rc, 0);
    done(&r);
}

/* One line per failed expectation per mode, exactly as SPEC.md shows. */
static void test_check_failure_lines(void **state)
{
    (void)state;
    char path[256], want[1024];
    snprintf(path, sizeof path, "%s/b-bad.lesson", dir);
    char *argv[] = {"check", path};
    result r = run_cli(lesson_cli_check, 2, argv);
    snprintf(want, sizeof want,
             "%s:10: expect failed (sim): conn.recv_queue == 13 (got 12)\n"
             "%s:10: expect failed (real): conn.recv_queue == 13 (got 12)\n"
             "0 passed, 1 failed\n",
             path, path);
    assert_string_equal(r.out, want);
    assert_int_equal(r.rc, 1);
    done(&r);
    char *argv2[] = {"check", "--sim", path};
    r = run_cli(lesson_cli_check, 3, argv2);
    snprintf(want, sizeof want,
             "%s:10: expect failed (sim): conn.recv_queue == 13 (got 12)\n0 passed, 1 failed\n",
             path);
    assert_string_equal(r.out, want);
    done(&r);
    char *argv3[] = {"check", "--real", path};
    r = run_cli(lesson_cli_check, 3, argv3);
    assert_non_null(strstr(r.out, "(real)"));
    assert_null(strstr(r.out, "(sim)"));
    done(&r);
}

/* A folder expands to its lessons, sorted; a parse error goes to stderr
 * as FILE:LINE:COL and makes the exit status 2. */
static void test_check_folder_and_parse_error(void **state)
{
    (void)state;
    char *argv[] = {"check", dir};
    result r = run_cli(lesson_cli_check, 2, argv);
    char want[512];
    snprintf(want, sizeof want,
             "%s/c-broken.lesson:3:16: error: expected an expression, found end of line\n", dir);
    assert_string_equal(r.err, want);
    assert_non_null(strstr(r.out, "1 passed, 2 failed\n"));
    char *bad = strstr(r.out, "b-bad.lesson:10:");
    assert_non_null(bad);
    assert_int_equal(r.rc, 2);
    done(&r);
}

/* Usage errors exit 2 with a message. */
static void test_check_usage_errors(void **state)
{
    (void)state;
    char *a1[] = {"check"};
    result r = run_cli(lesson_cli_check, 1, a1);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "usage: sockbuf check"));
    done(&r);
    char *a2[] = {"check", "--fast", "basics"};
    r = run_cli(lesson_cli_check, 3, a2);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "unknown option '--fast'"));
    done(&r);
    char *a3[] = {"check", "no-such-lesson"};
    r = run_cli(lesson_cli_check, 2, a3);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "no lesson 'no-such-lesson'"));
    done(&r);
    char *a4[] = {"run"};
    r = run_cli(lesson_cli_run, 1, a4);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "usage: sockbuf run"));
    done(&r);
}

/* A lesson that ends with a side blocked fails with a clear line. */
static void test_check_ended_blocked(void **state)
{
    (void)state;
    put("blocked.lesson", "lesson blocked\nstep s\n"
                          "server: srv = socket.socket()\nserver: srv.bind(('localhost', 8080))\n"
                          "server: srv.listen(1)\nserver: conn, addr = srv.accept()\n");
    char path[256], want[512];
    snprintf(path, sizeof path, "%s/blocked.lesson", dir);
    char *argv[] = {"check", "--sim", path};
    result r = run_cli(lesson_cli_check, 3, argv);
    snprintf(want, sizeof want,
             "%s:6: lesson ended with the server blocked (sim): conn, addr = srv.accept()\n"
             "0 passed, 1 failed\n",
             path);
    assert_string_equal(r.out, want);
    assert_int_equal(r.rc, 1);
    done(&r);
}

/* run prints the steps and writes one transcript line per step. */
static void test_run_writes_transcript(void **state)
{
    (void)state;
    char tpath[256];
    snprintf(tpath, sizeof tpath, "%s/t.jsonl", dir);
    char *argv[] = {"run", "basics", "--transcript", tpath};
    result r = run_cli(lesson_cli_run, 4, argv);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "== step 3/8"));
    assert_non_null(strstr(r.out, "server.conn"));
    FILE *f = fopen(tpath, "r");
    assert_non_null(f);
    char line[65536];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        assert_int_equal(strncmp(line, "{\"lesson\":\"basics\",\"step\":", 26), 0);
        assert_non_null(strstr(line, "\"real\":{\"sockets\":"));
        n++;
    }
    fclose(f);
    assert_int_equal(n, 8);
    done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_basics_passes),
        cmocka_unit_test(test_check_failure_lines),
        cmocka_unit_test(test_check_folder_and_parse_error),
        cmocka_unit_test(test_check_usage_errors),
        cmocka_unit_test(test_check_ended_blocked),
        cmocka_unit_test(test_run_writes_transcript),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
