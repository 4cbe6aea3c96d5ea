/* test_lesson_golden.c: golden transcripts of the bundled lessons.
 *
 * The model is deterministic, so each bundled lesson's sim transcript
 * (SPEC.md section 4) is compared byte for byte with
 * tests/golden/<lesson>.sim.jsonl. The real half cannot be fixed in
 * advance; it is checked for shape (every socket the model shows, the
 * kernel shows too, with the same keys) and for its expectations (one
 * not checked, its snapshot late on a busy machine, is no failure).
 *
 * After an intended change to the model or to a lesson, regenerate:
 *   SOCKBUF_UPDATE_GOLDEN=1 build/tests/test_lesson_golden
 * and review the diff of tests/golden/ before committing it.
 */
#include <libgen.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lesson.h"
#include "lesson_run.h"

#define LESSON_DIR SOCKBUF_SOURCE_DIR "/lessons"
#define GOLDEN_DIR SOCKBUF_SOURCE_DIR "/tests/golden"

static char *transcript(const char *path, unsigned modes, int *failed)
{
    lesson_diag d[LESSON_MAX_DIAGS];
    int nd = 0;
    lesson_doc *doc = lesson_parse_file(path, d, &nd);
    if (!doc)
        fail_msg("%s:%d:%d: error: %s", path, d[0].line, d[0].col, d[0].message);
    char err[256];
    lesson_runner *r = lesson_runner_new(doc, modes, err, sizeof err);
    if (!r)
        fail_msg("%s: %s", path, err);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    *failed = 0;
    while (lesson_runner_step(r) == 0) {
        assert_int_equal(lesson_runner_write_transcript(r, f), 0);
        const lesson_record *rec = lesson_runner_record(r);
        for (int e = 0; e < rec->nexpects; e++) {
            const lesson_expect_result *x = &rec->expects[e];
            /* Not checked (a late snapshot on a busy machine) is no failure. */
            if (x->ok || x->skipped)
                continue;
            print_error("%s:%d: expect failed (%s): %s (got %s)\n", path, x->line,
                        x->mode == LESSON_MODE_SIM ? "sim" : "real", x->expr, x->got);
            (*failed)++;
        }
    }
    *failed += lesson_runner_ended_blocked(r);
    fclose(f);
    lesson_runner_free(r);
    lesson_doc_free(doc);
    return buf;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(f);
    fclose(m);
    return buf;
}

static int count(const char *s, const char *end, const char *needle)
{
    int n = 0;
    size_t nl = strlen(needle);
    for (const char *p = s; (p = strstr(p, needle)) && p < end; p += nl)
        n++;
    return n;
}

/* Each bundled lesson's model transcript matches its golden file; returns
 * 1 when it does not (after saying where), so every lesson is reported. */
static int check_lesson(const char *file)
{
    char path[1024], golden[1024], base[256];
    snprintf(path, sizeof path, "%s/%s", LESSON_DIR, file);
    snprintf(base, sizeof base, "%.*s", (int)(strlen(file) - 7), file);
    snprintf(golden, sizeof golden, "%s/%s.sim.jsonl", GOLDEN_DIR, base);
    int failed;
    char *sim = transcript(path, LESSON_MODE_SIM, &failed);
    assert_int_equal(failed, 0);
    const char *upd = getenv("SOCKBUF_UPDATE_GOLDEN");
    if (upd && !strcmp(upd, "1")) {
        FILE *f = fopen(golden, "wb");
        assert_non_null(f);
        fputs(sim, f);
        assert_int_equal(fclose(f), 0);
        print_message("updated %s\n", golden);
    }
    char *want = slurp(golden);
    int bad = 0;
    if (!want) {
        print_error("no golden transcript %s: run SOCKBUF_UPDATE_GOLDEN=1 "
                    "build/tests/test_lesson_golden\n",
                    golden);
        bad = 1;
    } else if (strcmp(sim, want)) {
        size_t i = 0, line = 1;
        while (sim[i] && sim[i] == want[i])
            line += sim[i++] == '\n';
        print_error("%s: the model's transcript differs from %s at line %zu, byte %zu:\n"
                    "  got:  %.160s\n  want: %.160s\n",
                    file, golden, line, i, sim + i, want + i);
        bad = 1;
    }
    /* Both modes: the real half has the model's shape, expectations hold. */
    char *both = transcript(path, LESSON_MODE_BOTH, &failed);
    assert_int_equal(failed, 0);
    int lines = 0;
    for (char *line = both; *line; lines++) {
        char *end = strchr(line, '\n');
        assert_non_null(end);
        char *real = strstr(line, ",\"real\":{\"sockets\":{");
        char *sim_part = strstr(line, ",\"sim\":{\"time_us\":");
        assert_true(sim_part && real && sim_part < real && real < end);
        assert_int_equal(count(sim_part, real, "\"state\":"), count(real, end, "\"state\":"));
        assert_int_equal(count(sim_part, real, "\"recv_queue\":"),
                         count(real, end, "\"recv_queue\":"));
        /* Only what was not checked may be false. */
        assert_int_equal(count(line, end, "\"ok\":false"), count(line, end, "\"skipped\":true"));
        line = end + 1;
    }
    assert_int_equal(lines, count(sim, sim + strlen(sim), "\n"));
    free(both);
    free(want);
    free(sim);
    return bad;
}

static void test_golden_bundled_lessons(void **state)
{
    (void)state;
    char *paths[64];
    int n = lesson_list_bundled(paths, 64);
    assert_true(n >= 1);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        const char *name = basename(paths[i]);
        print_message("golden: %s\n", name);
        bad += check_lesson(name);
        free(paths[i]);
    }
    if (bad)
        fail_msg("%d lesson(s) differ from their golden transcript (see above)", bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_bundled_lessons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
