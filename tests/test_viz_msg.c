/* test_viz_msg.c: the parser's diagnostics in Japanese (viz_msg.c), for
 * lines a teacher may type into the what-if prompt: each is parsed by the
 * real parser, so a parser message that changes its wording shows here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lesson.h"
#include "viz_msg.h"

/* The parser's first diagnostic for a lesson whose step holds line. */
static void diag_of(const char *line, char *out, size_t outlen)
{
    char text[1024];
    /* A model line goes before the first step, as the prompt puts it. */
    bool model = !strncmp(line, "model ", 6);
    snprintf(text, sizeof text,
             "lesson t\ntitle T\n%s\nstep S\nsay x\nserver: import socket\n"
             "server: srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
             "client: import socket\n"
             "client: s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n%s\n",
             model ? line : "", model ? "" : line);
    lesson_diag d[LESSON_MAX_DIAGS];
    int nd = 0;
    lesson_doc *doc = lesson_parse("t.lesson", text, strlen(text), d, &nd);
    assert_null(doc);
    assert_true(nd > 0);
    snprintf(out, outlen, "%s", d[0].message);
}

static bool has_non_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

/* Typed mistakes come back in Japanese, keeping the names they quote;
 * the English text is untouched in English mode. */
static void test_msg_prompt_errors_japanese(void **state)
{
    (void)state;
    static const struct {
        const char *line; /* typed */
        const char *keep; /* quoted by the message, kept in the Japanese one */
    } cases[] = {
        {"client: s.frob()", "frob"},
        {"client: x = nosuch", "nosuch"},
        {"client: s.connect(('localhost', 99999))", "65535"},
        {"bogus: s.close()", "bogus"},
        {"client s.close()", "client"},
        {"model speed=3", "speed"},
        {"model latency=fast", "fast"},
        {"client: s.send(b'abc", ""},
        {"client: s.close(1, 2, 3)", "close"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char en[512], out[512];
        diag_of(cases[i].line, en, sizeof en);
        viz_msg_translate(VIZ_LANG_JA, en, out, sizeof out);
        if (!has_non_ascii(out))
            fprintf(stderr, "not translated: '%s' -> '%s'\n", cases[i].line, en);
        assert_true(has_non_ascii(out));
        assert_non_null(strstr(out, cases[i].keep));
        assert_string_equal(viz_msg_translate(VIZ_LANG_EN, en, out, sizeof out), en);
    }
}

/* Quoted parts land in their places, the parser's English words are
 * translated, an unknown message stays as it was, and a short buffer is
 * cut on a character boundary. */
static void test_msg_translate_table(void **state)
{
    (void)state;
    char out[256];
    assert_string_equal(viz_msg_translate(VIZ_LANG_JA, "name 'x' is not defined on the server side",
                                          out, sizeof out),
                        "名前 'x' はサーバー側で定義されていません");
    assert_string_equal(
        viz_msg_translate(VIZ_LANG_JA, "expected ':' after 'client', found end of line", out,
                          sizeof out),
        "'client' の後に ':' が必要ですが、行末がありました");
    assert_string_equal(viz_msg_translate(VIZ_LANG_JA, "send() takes 1 to 2 arguments (3 given)",
                                          out, sizeof out),
                        "send() の引数は 1〜2 個です (3 個を渡しました)");
    assert_string_equal(viz_msg_translate(VIZ_LANG_JA,
                                          "`socket.socketpair` is not supported by sockbuf", out,
                                          sizeof out),
                        "`socket.socketpair` は sockbuf では使えません");
    assert_string_equal(viz_msg_translate(VIZ_LANG_JA, "something new went wrong", out, sizeof out),
                        "something new went wrong");
    char small[8];
    viz_msg_translate(VIZ_LANG_JA, "unknown method 'f'", small, sizeof small);
    assert_true(strlen(small) < sizeof small);
    for (size_t i = 0; small[i]; i++) /* whole characters: no lead byte at the end */
        assert_false(small[i + 1] == 0 && ((unsigned char)small[i] & 0xc0) == 0xc0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msg_prompt_errors_japanese),
        cmocka_unit_test(test_msg_translate_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
