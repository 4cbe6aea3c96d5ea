/* test_base_glossary.c: one glossary (base_glossary.h) for the window,
 * live mode and the lessons: its lookups, and no source file or bundled
 * lesson spelling a word it avoids (「回線」 for the wire was live mode's).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base_glossary.h"

/* The words are the lessons': ワイヤ for the wire, and 回線 is found. */
static void test_glossary_words_and_avoided(void **state)
{
    (void)state;
    assert_string_equal(base_term_word(BASE_TERM_WIRE, true), "ワイヤ");
    assert_string_equal(base_term_word(BASE_TERM_WIRE, false), "the wire");
    assert_string_equal(base_term_word(BASE_TERM_COUNT, true), "");
    base_term t = BASE_TERM_COUNT;
    char w[64];
    assert_non_null(base_glossary_avoided("データは回線を通る", &t, w, sizeof w));
    assert_int_equal(t, BASE_TERM_WIRE);
    assert_string_equal(w, "回線");
    assert_non_null(base_glossary_avoided("斜線: 送信済み・ACK 待ち", &t, w, sizeof w));
    assert_int_equal(t, BASE_TERM_IN_FLIGHT);
    assert_null(base_glossary_avoided("データはワイヤを通る", &t, w, sizeof w));
    assert_null(base_glossary_avoided(NULL, &t, w, sizeof w));
}

/* How many files of dir ending in ext spell an avoided word (said on
 * stderr). */
static int scan(const char *dir, const char *ext)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", SOCKBUF_SOURCE_DIR, dir);
    DIR *d = opendir(path);
    assert_non_null(d);
    int bad = 0, files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name), k = strlen(ext);
        if (n <= k || strcmp(e->d_name + n - k, ext) || !strcmp(e->d_name, "base_glossary.h"))
            continue;
        snprintf(path, sizeof path, "%s/%s/%s", SOCKBUF_SOURCE_DIR, dir, e->d_name);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        char line[4096];
        int ln = 0;
        files++;
        while (fgets(line, sizeof line, f)) {
            ln++;
            char w[64];
            if (base_glossary_avoided(line, NULL, w, sizeof w)) {
                fprintf(stderr, "%s:%d: says %s (base_glossary.h avoids it)\n", path, ln, w);
                bad++;
            }
        }
        fclose(f);
    }
    closedir(d);
    assert_true(files > 0);
    return bad;
}

/* The window, live mode and the bundled lessons use the glossary's words. */
static void test_glossary_followed_everywhere(void **state)
{
    (void)state;
    int bad = scan("viz", ".c") + scan("live", ".c") + scan("lessons", ".lesson") +
              scan("base", ".c") + scan("cmd", ".c");
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glossary_words_and_avoided),
        cmocka_unit_test(test_glossary_followed_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
