/* bench_lesson.c: how long the bundled lessons take, per lesson and mode.
 *
 * Issue 4 asks for `sockbuf check` on every bundled lesson, both modes,
 * in under 2 seconds on a 2-core machine; the window replays a lesson from
 * the start on every step back, so the model's run must be quick too.
 * Prints, per lesson: parse time, a sim-only run, a real-only run, and a
 * run in both modes (best of N), then the total. Then two 1 MB lessons
 * (issue 15): one line of 250000 subtractions, against its peer, one line
 * of a 1 MB bytes literal; the target is under 100 ms for the chain, and
 * linear time means the two stay within a small factor. Not a timed test.
 *
 *   build/bench/bench_lesson [REPEATS]
 */
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lesson.h"
#include "lesson_run.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Runs doc in modes to its end; returns milliseconds, or -1. */
static double run_once(const lesson_doc *doc, unsigned modes)
{
    char err[256];
    double t0 = now_ms();
    lesson_runner *r = lesson_runner_new(doc, modes, err, sizeof err);
    if (!r) {
        fprintf(stderr, "%s: %s\n", doc->path, err);
        return -1;
    }
    while (lesson_runner_step(r) == 0)
        ;
    lesson_runner_free(r);
    return now_ms() - t0;
}

/* Best-of-repeats parse time of a 1 MB lesson, one statement line: a
 * chain of subtractions when chain, else one bytes literal. ms or -1. */
static double parse_big(bool chain, int repeats)
{
    size_t n = 1u << 20, cap = n + 200;
    char *t = malloc(cap);
    if (!t)
        return -1;
    int k = snprintf(t, cap, "lesson big\nstep s\nclient: x = %s", chain ? "1" : "b'");
    size_t body = n - (size_t)k - 16;
    if (chain) {
        for (size_t i = 0; i + 4 <= body; i += 4)
            memcpy(t + k + i, " - 1", 4);
        body -= body % 4;
    } else {
        memset(t + k, 'a', body);
    }
    snprintf(t + (size_t)k + body, cap - (size_t)k - body, "%s\n", chain ? "" : "'");
    double best = 1e18;
    for (int r = 0; r < repeats; r++) {
        lesson_diag d[LESSON_MAX_DIAGS];
        int nd = 0;
        double t0 = now_ms();
        lesson_doc *doc = lesson_parse("big.lesson", t, strlen(t), d, &nd);
        double ms = now_ms() - t0;
        if (!doc) {
            fprintf(stderr, "big.lesson:%d:%d: error: %s\n", d[0].line, d[0].col, d[0].message);
            best = -1;
            break;
        }
        lesson_doc_free(doc);
        if (ms < best)
            best = ms;
    }
    free(t);
    return best;
}

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 5;
    if (repeats < 1)
        repeats = 1;
    char *paths[64];
    int n = lesson_list_bundled(paths, 64);
    if (n <= 0) {
        fprintf(stderr, "bench_lesson: no bundled lessons found\n");
        return 1;
    }
    printf("%-28s %6s %10s %10s %10s %10s   (ms, best of %d)\n", "lesson", "steps", "parse", "sim",
           "real", "both", repeats);
    double total_sim = 0, total_real = 0, total_both = 0;
    for (int i = 0; i < n; i++) {
        const char *path = paths[i];
        lesson_diag diags[LESSON_MAX_DIAGS];
        int nd;
        double best[4] = {1e18, 1e18, 1e18, 1e18};
        lesson_doc *doc = NULL;
        for (int k = 0; k < repeats; k++) {
            double t0 = now_ms();
            lesson_doc_free(doc);
            doc = lesson_parse_file(path, diags, &nd);
            double tp = now_ms() - t0;
            if (!doc) {
                fprintf(stderr, "%s:%d:%d: error: %s\n", path, diags[0].line, diags[0].col,
                        diags[0].message);
                break;
            }
            if (tp < best[0])
                best[0] = tp;
            unsigned modes[3] = {LESSON_MODE_SIM, LESSON_MODE_REAL, LESSON_MODE_BOTH};
            for (int m = 0; m < 3; m++) {
                double t = run_once(doc, modes[m]);
                if (t >= 0 && t < best[m + 1])
                    best[m + 1] = t;
            }
        }
        if (doc) {
            printf("%-28s %6zu %10.3f %10.3f %10.3f %10.3f\n", basename(paths[i]), doc->nsteps,
                   best[0], best[1], best[2], best[3]);
            total_sim += best[1];
            total_real += best[2];
            total_both += best[3];
        }
        lesson_doc_free(doc);
        free(paths[i]);
    }
    printf("%-28s %6s %10s %10.3f %10.3f %10.3f\n", "total", "", "", total_sim, total_real,
           total_both);
    double chain = parse_big(true, repeats), literal = parse_big(false, repeats);
    printf("1 MB lesson, parse: 250000 subtractions %.3f ms, peer (one 1 MB bytes literal) "
           "%.3f ms, ratio %.1f (target < 100 ms)\n",
           chain, literal, literal > 0 ? chain / literal : 0.0);
    return 0;
}
