/* test_lesson_lint.c: the narration lint (lessons/lesson_lint.h).
 *
 * A number in a step's say / say.ja that names a buffer figure must be
 * one a buffer or value on screen holds; which numbers count (a byte
 * unit after them, or 1000 and more without a time or rate unit), which
 * values count (the records before and after the step, the files, the
 * step's literals), and the line each finding names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lesson.h"
#include "lesson_lint.h"
#include "lesson_run.h"

static lesson_doc *parse(const char *text)
{
    lesson_diag d[LESSON_MAX_DIAGS];
    int nd = 0;
    lesson_doc *doc = lesson_parse("t.lesson", text, strlen(text), d, &nd);
    if (!doc)
        for (int i = 0; i < nd; i++)
            fprintf(stderr, "%d:%d: %s\n", d[i].line, d[i].col, d[i].message);
    assert_non_null(doc);
    return doc;
}

/* Step 0 of text linted against no record: literals and files only. */
static int lint0(const char *text, lesson_lint_finding *out, int max)
{
    lesson_doc *doc = parse(text);
    int n = lesson_lint_step(doc, 0, NULL, NULL, out, max);
    lesson_doc_free(doc);
    return n;
}

static void test_a_number_nothing_holds_is_found(void **state)
{
    (void)state;
    lesson_lint_finding f[4];
    int n = lint0("lesson t\nstep s\n"
                  "say      Hello.\n"
                  "say      At most 8192 bytes fit in each buffer.\n"
                  "say.ja   各バッファには 8192 バイトまで。\n"
                  "client:  x = b'Hello'\n",
                  f, 4);
    assert_int_equal(n, 2);
    assert_int_equal(f[0].line, 4);
    assert_int_equal(f[0].value, 8192);
    assert_string_equal(f[0].said, "8192 bytes");
    assert_int_equal(f[1].line, 5);
    assert_string_equal(f[1].said, "8192 バイト");
}

static void test_units_and_separators(void **state)
{
    (void)state;
    lesson_lint_finding f[8];
    int n = lint0("lesson t\nstep s\n"
                  "say      8 KiB, a 4096-byte buffer, 12 B and kernel: 69,120 shown.\n"
                  "client:  x = 1\n",
                  f, 8);
    assert_int_equal(n, 4);
    assert_int_equal(f[0].value, 8192);
    assert_string_equal(f[0].said, "8 KiB");
    assert_int_equal(f[1].value, 4096);
    assert_string_equal(f[1].said, "4096-byte");
    assert_int_equal(f[2].value, 12);
    assert_int_equal(f[3].value, 69120);
    assert_string_equal(f[3].said, "69,120");
}

/* Times, rates, small counts, decimals, names with digits, figures under
 * 1000 without a unit and 0 or 1 byte are no buffer figure. */
static void test_what_is_no_figure(void **state)
{
    (void)state;
    lesson_lint_finding f[4];
    int n = lint0("lesson t\nstep s\n"
                  "say      40 ms, 1000 ms, 2000ms, 10 Mbit, 3 sends, Linux 5.4, SO_SNDBUF, FIN_WAIT2.\n"
                  "say      In step 5, lesson 04, not 1 byte, 0 bytes, 99.5% and 1.5 seconds.\n"
                  "say.ja   カーネルはまだ 1 バイトも受け取っていません。20 ms 後。\n"
                  "client:  x = 1\n",
                  f, 4);
    assert_int_equal(n, 0);
}

/* The step's literals: ints, a bytes value's length, a repeat's count
 * and its length; the lesson's files. */
static void test_literals_and_files_count(void **state)
{
    (void)state;
    lesson_lint_finding f[4];
    int n = lint0("lesson t\nfile big.bin 200KiB\nstep s\n"
                  "say      Port 8080; 5000 bytes of 'x', 10000 bytes of 'ab', 5 bytes of Hello, "
                  "and the 204800-byte file (200 KiB).\n"
                  "client:  s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
                  "client:  s.bind(('localhost', 8080))\n"
                  "client:  x = b'x' * 5000\n"
                  "client:  y = b'ab' * 5000\n"
                  "client:  z = b'Hello'\n"
                  "expect   client: len(z) == 77777\n",
                  f, 4);
    assert_int_equal(n, 0);
    /* an expectation's value is not drawn: it counts for nothing */
    n = lint0("lesson t\nstep s\nsay 77777 bytes\nclient: z = b'Hello'\n"
              "expect client: len(z) == 77777\n",
              f, 4);
    assert_int_equal(n, 1);
}

/* The records' figures count: the model's default buffers (16384,
 * 131072, their usable halves), the queues, the values a step produced,
 * before the step and after it. */
static void test_records_count(void **state)
{
    (void)state;
    const char *text = "lesson t\nstep s\n"
                       "server: srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
                       "server: srv.bind(('localhost', 8080))\nserver: srv.listen(1)\n"
                       "client: s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
                       "client: s.connect(('localhost', 8080))\n"
                       "server: conn, addr = srv.accept()\n"
                       "client: s.sendall(b'Hello, world')\n"
                       "step t\n"
                       "say  The 12 bytes wait among 16384 and 131072 bytes (usable 8192, 65536); "
                       "not 12345 bytes.\n"
                       "server: data = conn.recv(3)\n";
    lesson_doc *doc = parse(text);
    char err[200] = "";
    lesson_runner *r = lesson_runner_new(doc, LESSON_MODE_SIM, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(lesson_runner_step(r), 0);
    lesson_record before = {0};
    assert_int_equal(lesson_record_copy(&before, lesson_runner_record(r)), 0);
    assert_int_equal(lesson_runner_step(r), 0);
    const lesson_record *after = lesson_runner_record(r);
    lesson_lint_finding f[4];
    int n = lesson_lint_step(doc, 1, &before, after, f, 4);
    assert_int_equal(n, 1);
    assert_int_equal(f[0].value, 12345);
    assert_int_equal(f[0].line, 11);
    /* 12 bytes sat in the queue before the step: without that record,
     * only the 9 left after it and the 3 read are on screen */
    n = lesson_lint_step(doc, 1, NULL, after, f, 4);
    assert_int_equal(n, 2);
    assert_int_equal(f[0].value, 12);
    lesson_record_free(&before);
    lesson_runner_free(r);
    lesson_doc_free(doc);
}

/* Every bundled lesson is lint-clean in the model (check adds the
 * kernel's figures, which only widen what counts). */
static void test_bundled_lessons_are_clean(void **state)
{
    (void)state;
    static const char *const names[] = {"01-basics", "02-flush", "03-chat", "04-file-send",
                                        "05-nagle-delayed-ack", "06-close-and-reset"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/lessons/%s.lesson", SOCKBUF_SOURCE_DIR, names[k]);
        lesson_diag d[LESSON_MAX_DIAGS];
        int nd = 0;
        lesson_doc *doc = lesson_parse_file(path, d, &nd);
        assert_non_null(doc);
        char err[200] = "";
        lesson_runner *r = lesson_runner_new(doc, LESSON_MODE_SIM, err, sizeof err);
        assert_non_null(r);
        lesson_record prev = {0};
        bool have = false;
        while (lesson_runner_step(r) == 0) {
            const lesson_record *rec = lesson_runner_record(r);
            lesson_lint_finding f[4];
            int n = lesson_lint_step(doc, rec->step, have ? &prev : NULL, rec, f, 4);
            for (int i = 0; i < n && i < 4; i++)
                fprintf(stderr, "%s:%d: narration says %s\n", path, f[i].line, f[i].said);
            assert_int_equal(n, 0);
            lesson_record_free(&prev);
            have = lesson_record_copy(&prev, rec) == 0;
        }
        lesson_record_free(&prev);
        lesson_runner_free(r);
        lesson_doc_free(doc);
    }
}

/* A step without its Japanese title, narration or question is found,
 * and so are a Western '?' right after Japanese and a word the glossary
 * avoids; a translated step and code's commas are not. */
static void test_japanese_text_missing_or_western(void **state)
{
    (void)state;
    lesson_doc *doc = parse("lesson t\n"
                            "step One\n"
                            "step.ja 一つ目\n"
                            "say Hello.\n"
                            "say.ja setsockopt(SO_SNDBUF, 1) を呼ぶ。\n"
                            "client: x = 1\n"
                            "step Two\n"
                            "say Only English.\n"
                            "client: y = 2\n"
                            "step Three\n"
                            "step.ja 三つ目\n"
                            "say Three.\n"
                            "say.ja 何を返すでしょう?\n"
                            "client: z = 3\n"
                            "step Four\n"
                            "step.ja 四つ目\n"
                            "say The wire.\n"
                            "say.ja 回線の上。\n"
                            "client: w = 4\n");
    assert_int_equal(lesson_lint_japanese(doc, 0, NULL, NULL, 0), 0);
    assert_int_equal(lesson_lint_japanese(doc, 1, NULL, NULL, 0),
                     LESSON_LINT_NO_TITLE_JA | LESSON_LINT_NO_SAY_JA);
    assert_int_equal(lesson_lint_japanese(doc, 2, NULL, NULL, 0), LESSON_LINT_WESTERN_PUNCT);
    char avoided[64], instead[64];
    assert_int_equal(lesson_lint_japanese(doc, 3, avoided, instead, sizeof avoided),
                     LESSON_LINT_GLOSSARY);
    assert_string_equal(avoided, "回線");
    assert_string_equal(instead, "ワイヤ");
    assert_int_equal(lesson_lint_japanese(doc, 4, NULL, NULL, 0), 0); /* no such step */
    lesson_doc_free(doc);
}

/* Every bundled step has its Japanese text, in Japanese punctuation. */
static void test_bundled_lessons_are_translated(void **state)
{
    (void)state;
    static const char *const names[] = {
        "01-basics",         "02-flush", "03-chat", "04-file-send", "05-nagle-delayed-ack",
        "06-close-and-reset"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/lessons/%s.lesson", SOCKBUF_SOURCE_DIR, names[k]);
        lesson_diag d[LESSON_MAX_DIAGS];
        int nd = 0;
        lesson_doc *doc = lesson_parse_file(path, d, &nd);
        assert_non_null(doc);
        for (size_t si = 0; si < doc->nsteps; si++) {
            unsigned ja = lesson_lint_japanese(doc, (int)si, NULL, NULL, 0);
            if (ja)
                fprintf(stderr, "%s step %zu: Japanese lint 0x%x\n", path, si + 1, ja);
            assert_int_equal(ja, 0);
        }
        lesson_doc_free(doc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_number_nothing_holds_is_found),
        cmocka_unit_test(test_units_and_separators),
        cmocka_unit_test(test_what_is_no_figure),
        cmocka_unit_test(test_literals_and_files_count),
        cmocka_unit_test(test_records_count),
        cmocka_unit_test(test_bundled_lessons_are_clean),
        cmocka_unit_test(test_japanese_text_missing_or_western),
        cmocka_unit_test(test_bundled_lessons_are_translated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
