/* test_lesson_transcript_read.c: a recorded transcript read back into the
 * kernel half of a model-only run (lesson_transcript_read.h), as the
 * browser build draws the bundled lessons (web/recorded/).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "lesson.h"
#include "lesson_run.h"
#include "lesson_transcript_read.h"

#define RECORDED SOCKBUF_SOURCE_DIR "/web/recorded"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

/* Every bundled lesson run on the model with its recorded kernel half
 * writes its recorded transcript again, byte for byte: every kernel
 * figure, segment, statement status and expectation was read back. */
static void test_transcript_apply_rewrites_every_recording(void **state)
{
    (void)state;
    char *paths[64];
    int n = lesson_list_bundled(paths, 64);
    assert_true(n >= 10);
    for (int i = 0; i < n; i++) {
        lesson_diag d[LESSON_MAX_DIAGS];
        int nd = 0;
        lesson_doc *doc = lesson_parse_file(paths[i], d, &nd);
        assert_non_null(doc);
        const char *base = strrchr(paths[i], '/') + 1;
        char tpath[1024];
        snprintf(tpath, sizeof tpath, "%s/%.*s.jsonl", RECORDED, (int)(strlen(base) - 7), base);
        char *want = slurp(tpath);
        char err[256] = "";
        lesson_run_opts o = {.modes = LESSON_MODE_SIM, .recorded_dir = RECORDED};
        lesson_runner *r = lesson_runner_new_opts(doc, &o, err, sizeof err);
        if (!r)
            fail_msg("%s: %s", paths[i], err);
        lesson_runner_keep_events(r, true);
        char *got = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&got, &len);
        while (lesson_runner_step(r) == 0) {
            assert_true(lesson_runner_record(r)->modes & LESSON_MODE_REAL);
            assert_int_equal(lesson_runner_write_transcript(r, out), 0);
        }
        fclose(out);
        if (strcmp(got, want) != 0)
            fail_msg("%s: the transcript written from the recording differs from %s", paths[i],
                     tpath);
        free(got);
        free(want);
        lesson_runner_free(r);
        lesson_doc_free(doc);
        free(paths[i]);
    }
}

/* A step whose statements are not the recorded ones (a typed what-if
 * line) has no kernel half, nor has any step after it; the steps before
 * keep theirs. */
static void test_transcript_apply_changed_step_unrecorded(void **state)
{
    (void)state;
    char path[1024];
    assert_int_equal(lesson_find("basics", path, sizeof path), 0);
    char *text = slurp(path);
    /* Step 3's send, changed. */
    char *at = strstr(text, "s.sendall(b'Hello, world')");
    assert_non_null(at);
    memcpy(at, "s.sendall(b'Hello, WORLD')", 26);
    lesson_diag d[LESSON_MAX_DIAGS];
    int nd = 0;
    lesson_doc *doc = lesson_parse(path, text, strlen(text), d, &nd);
    assert_non_null(doc);
    char err[256] = "";
    lesson_run_opts o = {.modes = LESSON_MODE_SIM, .recorded_dir = RECORDED};
    lesson_runner *r = lesson_runner_new_opts(doc, &o, err, sizeof err);
    assert_non_null(r);
    int k = 0;
    while (lesson_runner_step(r) == 0) {
        const lesson_record *rec = lesson_runner_record(r);
        bool real = rec->modes & LESSON_MODE_REAL;
        assert_int_equal(real, k < 2);
        for (int i = 0; i < rec->nsocks; i++)
            assert_int_equal(rec->socks[i].mode[1].present, real);
        if (!real)
            assert_int_equal(rec->nsegments, 0);
        k++;
    }
    assert_true(k > 3);
    lesson_runner_free(r);
    lesson_doc_free(doc);
    free(text);
}

/* A line that is not a step's JSON object is an error naming the file
 * and its line. */
static void test_transcript_parse_bad_line(void **state)
{
    (void)state;
    const char *text = "{\"step\":1,\"statements\":[]}\n{\"step\":2,\"real\":{\"sockets\":{]}}\n";
    lesson_transcript *t = (lesson_transcript *)1;
    char err[256] = "";
    assert_int_equal(lesson_transcript_parse("x.jsonl", text, strlen(text), &t, err, sizeof err),
                     -EINVAL);
    assert_null(t);
    assert_non_null(strstr(err, "x.jsonl:2: error: "));
    const char *nostep = "[1,2]\n";
    assert_int_equal(
        lesson_transcript_parse("y.jsonl", nostep, strlen(nostep), &t, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "y.jsonl:1: error: "));
}

/* Strings are unescaped (\n, \", \u00e9, a surrogate pair); a missing file
 * is -ENOENT, and the runner then runs without a recording. */
static void test_transcript_parse_strings_and_missing_file(void **state)
{
    (void)state;
    char path[1024];
    assert_int_equal(lesson_find("basics", path, sizeof path), 0);
    lesson_diag d[LESSON_MAX_DIAGS];
    int nd = 0;
    lesson_doc *doc = lesson_parse_file(path, d, &nd);
    assert_non_null(doc);
    lesson_transcript *t = NULL;
    char err[256] = "";
    assert_int_equal(lesson_transcript_load("/nonexistent/x.jsonl", &t, err, sizeof err), -ENOENT);
    lesson_run_opts o = {.modes = LESSON_MODE_SIM, .recorded_dir = "/nonexistent"};
    lesson_runner *r = lesson_runner_new_opts(doc, &o, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(lesson_runner_step(r), 0);
    assert_false(lesson_runner_record(r)->modes & LESSON_MODE_REAL);
    lesson_runner_free(r);
    /* Step 1 of basics, recorded with an escaped expectation text. */
    const char *text =
        "{\"step\":1,\"statements\":[{\"side\":\"server\",\"code\":\"import socket\"},"
        "{\"side\":\"server\",\"code\":\"srv = socket.socket(socket.AF_INET, "
        "socket.SOCK_STREAM)\"},"
        "{\"side\":\"server\",\"code\":\"srv.bind(('localhost', 8080))\"},"
        "{\"side\":\"server\",\"code\":\"srv.listen(1)\"}],"
        "\"real\":{\"sockets\":{\"server.srv\":{\"state\":\"LISTEN\",\"recv_queue\":7,"
        "\"peer_window\":null}},\"wire\":\"emulated\",\"segments\":[]},"
        "\"expects\":[{\"line\":19,\"mode\":\"real\",\"ok\":false,\"expr\":\"a\\\"b\\n\","
        "\"got\":\"\\u00e9\\ud83d\\ude00\"}]}\n";
    assert_int_equal(lesson_transcript_parse("z.jsonl", text, strlen(text), &t, err, sizeof err),
                     0);
    assert_int_equal(lesson_transcript_steps(t), 1);
    r = lesson_runner_new(doc, LESSON_MODE_SIM, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(lesson_runner_step(r), 0);
    lesson_record rec;
    assert_int_equal(lesson_record_copy(&rec, lesson_runner_record(r)), 0);
    int nexp = rec.nexpects;
    assert_int_equal(lesson_transcript_apply(t, doc, &rec, err, sizeof err), 1);
    assert_true(rec.modes & LESSON_MODE_REAL);
    assert_int_equal(rec.wire, LESSON_WIRE_EMULATED);
    assert_int_equal(rec.socks[0].mode[1].probe.recv_queue_bytes, 7);
    assert_false(rec.socks[0].mode[1].probe.peer_window_known);
    assert_int_equal(rec.nexpects, nexp + 1);
    assert_string_equal(rec.expects[nexp].expr, "a\"b\n");
    assert_string_equal(rec.expects[nexp].got, "\xc3\xa9\xf0\x9f\x98\x80");
    /* Step 2 is not in it: no recording. */
    lesson_record_free(&rec);
    assert_int_equal(lesson_runner_step(r), 0);
    assert_int_equal(lesson_record_copy(&rec, lesson_runner_record(r)), 0);
    assert_int_equal(lesson_transcript_apply(t, doc, &rec, err, sizeof err), 0);
    assert_false(rec.modes & LESSON_MODE_REAL);
    lesson_record_free(&rec);
    lesson_runner_free(r);
    lesson_transcript_free(t);
    lesson_doc_free(doc);
}

/* A recording naming a socket the model's record does not have is an
 * error (a stale recording), not a silent half. */
static void test_transcript_apply_stale_socket(void **state)
{
    (void)state;
    char path[1024];
    assert_int_equal(lesson_find("basics", path, sizeof path), 0);
    lesson_diag d[LESSON_MAX_DIAGS];
    int nd = 0;
    lesson_doc *doc = lesson_parse_file(path, d, &nd);
    assert_non_null(doc);
    const char *text =
        "{\"step\":1,\"statements\":[{\"side\":\"server\",\"code\":\"import socket\"},"
        "{\"side\":\"server\",\"code\":\"srv = socket.socket(socket.AF_INET, "
        "socket.SOCK_STREAM)\"},"
        "{\"side\":\"server\",\"code\":\"srv.bind(('localhost', 8080))\"},"
        "{\"side\":\"server\",\"code\":\"srv.listen(1)\"}],"
        "\"real\":{\"sockets\":{\"server.other\":{\"state\":\"LISTEN\"}}}}\n";
    lesson_transcript *t = NULL;
    char err[256] = "";
    assert_int_equal(lesson_transcript_parse("s.jsonl", text, strlen(text), &t, err, sizeof err),
                     0);
    lesson_runner *r = lesson_runner_new(doc, LESSON_MODE_SIM, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(lesson_runner_step(r), 0);
    lesson_record rec;
    assert_int_equal(lesson_record_copy(&rec, lesson_runner_record(r)), 0);
    assert_int_equal(lesson_transcript_apply(t, doc, &rec, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "server.other"));
    lesson_record_free(&rec);
    lesson_runner_free(r);
    lesson_transcript_free(t);
    lesson_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transcript_apply_rewrites_every_recording),
        cmocka_unit_test(test_transcript_apply_changed_step_unrecorded),
        cmocka_unit_test(test_transcript_parse_bad_line),
        cmocka_unit_test(test_transcript_parse_strings_and_missing_file),
        cmocka_unit_test(test_transcript_apply_stale_socket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
