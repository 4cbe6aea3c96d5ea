/* test_viz_truth.c: every frame is true at its own moment.
 *
 * Each bundled lesson runs on the model with the kernel's half of every
 * step read from its recorded transcript (tests/layout/, as the layout
 * test: layout_fixture.h), and every step is drawn offscreen at points
 * 0.1, 0.2 .. 1.0 of its animation, at 1920x1080 and 1280x720, in English
 * and Japanese. Every text drawn is collected through viz_text's hook,
 * the badges, result rows and buffer bars through viz_draw's. A frame is
 * false when, at its moment:
 *  - a result row is drawn whose statement the animation has not reached
 *    (the code cursor, f->code_progress), or that follows a receive whose
 *    bytes have not all reached the application;
 *  - a received value is drawn before its bytes reached the application
 *    (the step's reads, placed on viz_anim's timeline, have landed);
 *  - the model's figures under a bar differ from the frame's queues
 *    (viz_anim_seek's per-frame contents);
 *  - the kernel's figures are drawn as "kernel:" while the step still
 *    plays (they are read after it: "kernel, after the step:");
 *  - a badge of bytes between application and kernel is drawn twice, does
 *    not say what it counts, or counts other than the frame's flying bytes;
 *  - a chip names its kind twice ("WIN win 4096").
 * The checker is shown to find a frame drawn with the end-of-step values
 * early, and the old badges (two alike, bare counts, "WIN win").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>

#include <cmocka.h>

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <SDL_ttf.h>

#include "layout_fixture.h"
#include "lesson.h"
#include "lesson_run.h"
#include "viz_anim.h"
#include "viz_appbox.h"
#include "viz_canvas.h"
#include "viz_code.h"
#include "viz_draw.h"
#include "viz_font.h"
#include "viz_scene.h"

enum { MAX_TEXTS = 1024, MAX_STEPS = 32, MAX_ROWS = 64, MAX_BARS = 8, NSAMPLES = 10 };

typedef struct {
    SDL_Rect drawn;
    char s[256];
} drawn_text;

typedef struct {
    drawn_text t[MAX_TEXTS];
    int nt;
    viz_badge_drawn badge[16];
    int nbadge;
    int rside[MAX_ROWS], rk[MAX_ROWS];
    int nrows;
    viz_bar_drawn bar[MAX_BARS];
    int nbar;
} frame_drawn;

static void text_hook(void *ud, const SDL_Rect *drawn, const SDL_Rect *box, const char *utf8,
                      int size_px)
{
    (void)box;
    (void)size_px;
    frame_drawn *d = ud;
    if (d->nt >= MAX_TEXTS)
        return;
    d->t[d->nt].drawn = *drawn;
    snprintf(d->t[d->nt].s, sizeof d->t[d->nt].s, "%s", utf8);
    d->nt++;
}

static void badge_hook(void *ud, const viz_badge_drawn *b)
{
    frame_drawn *d = ud;
    if (d->nbadge < (int)(sizeof d->badge / sizeof d->badge[0]))
        d->badge[d->nbadge++] = *b;
}

static void result_hook(void *ud, int side, int k)
{
    frame_drawn *d = ud;
    if (d->nrows < MAX_ROWS) {
        d->rside[d->nrows] = side;
        d->rk[d->nrows] = k;
        d->nrows++;
    }
}

static void bar_hook(void *ud, const viz_bar_drawn *b)
{
    frame_drawn *d = ud;
    if (d->nbar < MAX_BARS)
        d->bar[d->nbar++] = *b;
}

static void reset_drawn(frame_drawn *d)
{
    d->nt = d->nbadge = d->nrows = d->nbar = 0;
}

/* ---- the truth at a moment ---- */

static const char *code_of(const viz_side *vs, int line)
{
    for (int i = 0; i < vs->ncode; i++)
        if (vs->code[i].line == line)
            return vs->code[i].code;
    return NULL;
}

static int stmt_index(const viz_side *vs, int line)
{
    for (int i = 0; i < vs->ncode; i++)
        if (vs->code[i].line == line)
            return i;
    return -1;
}

static bool is_received(const viz_side *vs, const lesson_result *r)
{
    const char *code = code_of(vs, r->line); /* a file's read() is no receive */
    return r->is_bytes && viz_appbox_is_receive(code) && !strstr(code, "open(");
}

/* The bytes the side's reads have brought into its application by
 * progress p: reads whose chip has landed on viz_anim's timeline. */
static uint64_t landed_read_bytes(const viz_anim *a, const viz_scene *s, int side, double p)
{
    uint64_t n = 0;
    for (size_t i = 0; i < s->nevents; i++) {
        const lesson_event *e = &s->events[i];
        if (e->kind != LESSON_EV_READ || e->from_side != side || !e->bytes)
            continue;
        double p0, p1;
        if (p >= 1.0 || !viz_anim_event_span(a, s, i, &p0, &p1) || p1 <= p)
            n += e->bytes;
    }
    return n;
}

/* Has side's code cursor reached the statement at index i by frame f? */
static bool stmt_reached(const viz_side *vs, const viz_frame *f, int side, int i)
{
    if (f->progress >= 1 || f->code_at[side] >= 1)
        return true;
    int cur, blocked;
    viz_code_cursor(vs->code, vs->ncode, f->code_at[side], &cur, &blocked);
    return i >= 0 && i < cur;
}

static bool starts(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

static bool ends(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    return n >= m && !memcmp(s + n - m, suffix, m);
}

/* A badge of bytes between application and kernel: "↑ " or "↓ " and a
 * byte count ("↑ 2 more" is a scroll mark, not a badge). */
static bool is_badge(const char *s)
{
    if (!starts(s, "\xe2\x86\x91 ") && !starts(s, "\xe2\x86\x93 "))
        return false;
    const char *p = s + 4;
    if (*p < '0' || *p > '9')
        return false;
    while ((*p >= '0' && *p <= '9') || *p == ',' || *p == '.')
        p++;
    return starts(p, " B") || starts(p, " KiB") || starts(p, " MiB");
}

/* "WIN win 4096": the first two words the same. */
static bool names_twice(const char *s)
{
    const char *sp = strchr(s, ' ');
    if (!sp || sp == s)
        return false;
    size_t n = (size_t)(sp - s);
    return !strncasecmp(s, sp + 1, n) && (sp[1 + n] == ' ' || sp[1 + n] == 0);
}

static int problem(int *printed, const char *where, const char *fmt, ...)
{
    if ((*printed)++ < 25 || getenv("VIZ_TRUTH_VERBOSE")) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "%s: ", where);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    return 1;
}

/* Counts what frame d, drawn for moment f of scene s (timeline a), shows
 * that is not true at f. */
static int check_truth(const frame_drawn *d, const viz_scene *s, const viz_anim *a,
                       const viz_frame *f, viz_lang lang, const char *where, int *printed)
{
    int bad = 0;
    /* result rows: their statement reached, their bytes (and those of any
     * receive before them) in the application */
    for (int r = 0; r < d->nrows; r++) {
        const viz_side *vs = &s->side[d->rside[r]];
        int k = d->rk[r];
        const lesson_result *res = &vs->results[k];
        if (!stmt_reached(vs, f, d->rside[r], stmt_index(vs, res->line)))
            bad += problem(printed, where, "side %d shows result %d (line %d) before its statement "
                           "ran (code cursor %.2f)", d->rside[r], k, res->line,
                           f->code_at[d->rside[r]]);
        uint64_t need = 0;
        for (int j = 0; j <= k; j++)
            if (is_received(vs, &vs->results[j]))
                need += vs->results[j].length;
        uint64_t got = landed_read_bytes(a, s, d->rside[r], f->progress);
        if (need > got)
            bad += problem(printed, where, "side %d shows result %d (line %d, %s) while %llu of the "
                           "%llu B received by then reached the application", d->rside[r], k,
                           res->line, res->name[0] ? res->name : res->repr,
                           (unsigned long long)got, (unsigned long long)need);
    }
    /* the model's figures under each bar: the frame's queues */
    char model[64], real_now[64], real_after[64];
    snprintf(model, sizeof model, "%s: ", viz_label(lang, VIZ_L_MODEL));
    snprintf(real_now, sizeof real_now, "%s: ", viz_label(lang, VIZ_L_REAL));
    snprintf(real_after, sizeof real_after, "%s: ", viz_label(lang, VIZ_L_REAL_AFTER));
    int models = 0;
    for (int i = 0; i < d->nt; i++) {
        const char *t = d->t[i].s;
        if (f->progress < 1.0 && starts(t, real_now))
            bad += problem(printed, where, "the kernel's figures drawn as now while the step plays: "
                           "\"%s\"", t);
        if (!starts(t, model))
            continue;
        const viz_bar_drawn *b = NULL;
        for (int j = 0; j < d->nbar && !b; j++) {
            const SDL_Rect *br = &d->bar[j].bar;
            int below = d->t[i].drawn.y - (br->y + br->h);
            if (below >= -2 && below < d->t[i].drawn.h && d->t[i].drawn.x >= br->x - 2 &&
                d->t[i].drawn.x < br->x + br->w)
                b = &d->bar[j];
        }
        if (!b) {
            bad += problem(printed, where, "model figures under no bar: \"%s\"", t);
            continue;
        }
        models++;
        const lesson_queue *q = f->q[b->side];
        char want1[32], want2[32];
        const char *dot = strstr(t, " \xc2\xb7 ");
        if (b->send) {
            viz_fmt_bytes(want1, sizeof want1, q[LESSON_Q_UNSENT].bytes);
            viz_fmt_bytes(want2, sizeof want2, q[LESSON_Q_IN_FLIGHT].bytes);
            if (!dot || !ends(t, (size_t)(dot - t), want1) || !ends(t, strlen(t), want2))
                bad += problem(printed, where, "side %d's send figures \"%s\", the frame holds %s "
                               "unsent, %s in flight", b->side, t, want1, want2);
        } else {
            viz_fmt_bytes(want1, sizeof want1, q[LESSON_Q_RECV].bytes);
            if (!ends(t, strlen(t), want1))
                bad += problem(printed, where, "side %d's receive figures \"%s\", the frame holds "
                               "%s", b->side, t, want1);
        }
    }
    (void)models;
    /* badges: each once, saying what it counts, counting the frame's
     * flying bytes; chips name their kind once */
    for (int i = 0; i < d->nt; i++) {
        if (names_twice(d->t[i].s))
            bad += problem(printed, where, "a chip names its kind twice: \"%s\"", d->t[i].s);
        if (!is_badge(d->t[i].s))
            continue;
        for (int j = 0; j < i; j++)
            if (!strcmp(d->t[i].s, d->t[j].s))
                bad += problem(printed, where, "the badge \"%s\" drawn twice", d->t[i].s);
    }
    const char *wrote = lang == VIZ_LANG_JA ? "カーネルへ" : "to the kernel";
    const char *read = lang == VIZ_LANG_JA ? "読み出し" : "read";
    for (int i = 0; i < d->nt; i++)
        if (is_badge(d->t[i].s) && !strstr(d->t[i].s, wrote) && !strstr(d->t[i].s, read))
            bad += problem(printed, where, "a badge that does not say what it counts: \"%s\"",
                           d->t[i].s);
    for (int i = 0; i < d->nbadge; i++) {
        const viz_badge_drawn *b = &d->badge[i];
        uint64_t sum = 0;
        for (int j = 0; j < f->nflying; j++)
            if (f->flying[j].side == b->side && f->flying[j].to_kernel == b->to_kernel)
                sum += f->flying[j].bytes;
        if (sum != b->bytes)
            bad += problem(printed, where, "badge \"%s\" counts %u B, %llu B fly that way",
                           b->text, b->bytes, (unsigned long long)sum);
        if (!strstr(b->text, b->to_kernel ? wrote : read))
            bad += problem(printed, where, "badge \"%s\" says the wrong way", b->text);
    }
    return bad;
}

/* ---- running the lessons (as test_viz_layout does) ---- */

/* A lesson's scenes: the model's run, the kernel's half recorded. */
static int run_lesson(const char *path, lesson_doc **doc_out, viz_scene *scenes, int max)
{
    return layout_lesson_scenes(path, false, NULL, doc_out, scenes, max);
}

static frame_drawn drawn;

static viz_canvas *hooked_canvas(int w, int h)
{
    char err[256];
    viz_canvas *cv = viz_canvas_new(w, h, err, sizeof err);
    assert_non_null(cv);
    viz_text_set_hook(viz_canvas_text(cv), text_hook, &drawn);
    return cv;
}

static void hooks_on(void)
{
    viz_draw_set_badge_hook(badge_hook, &drawn);
    viz_draw_set_result_hook(result_hook, &drawn);
    viz_draw_set_bar_hook(bar_hook, &drawn);
}

static void hooks_off(void)
{
    viz_draw_set_badge_hook(NULL, NULL);
    viz_draw_set_result_hook(NULL, NULL);
    viz_draw_set_bar_hook(NULL, NULL);
}

/* Draws `shown` (a frame of s) in cv and checks it against `truth`. */
static int draw_and_check(viz_canvas *cv, int w, int h, const viz_scene *s, const viz_anim *a,
                          const viz_frame *shown, const viz_frame *truth, viz_lang lang,
                          const char *where, int *printed)
{
    reset_drawn(&drawn);
    viz_ui ui = {.lang = lang, .zoom = 1, .speed = 1};
    viz_draw_scene(viz_canvas_renderer(cv), viz_canvas_text(cv), s, shown, &ui, w, h);
    return check_truth(&drawn, s, a, truth, lang, where, printed);
}

static const int sizes[][2] = {{1920, 1080}, {1280, 720}};

/* Every sampled frame of every step of every bundled lesson holds at its
 * own moment. */
static void test_truth_lessons_every_frame_true(void **state)
{
    (void)state;
    glob_t g;
    assert_int_equal(glob(SOCKBUF_SOURCE_DIR "/lessons/*.lesson", 0, NULL, &g), 0);
    assert_true(g.gl_pathc >= 6);
    static viz_scene scenes[MAX_STEPS];
    viz_anim *anim = viz_anim_new();
    viz_frame *f = calloc(1, sizeof *f);
    assert_non_null(anim);
    assert_non_null(f);
    int bad = 0, printed = 0, frames = 0, rows = 0, badges = 0;
    hooks_on();
    for (size_t li = 0; li < g.gl_pathc; li++) {
        lesson_doc *doc = NULL;
        int n = run_lesson(g.gl_pathv[li], &doc, scenes, MAX_STEPS);
        assert_true(n > 0);
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
            viz_canvas *cv = hooked_canvas(sizes[si][0], sizes[si][1]);
            for (int lang = 0; lang < 2; lang++)
                for (int k = 0; k < n; k++) {
                    assert_int_equal(viz_anim_build(anim, &scenes[k]), 0);
                    for (int sm = 1; sm <= NSAMPLES; sm++) {
                        double p = (double)sm / NSAMPLES;
                        viz_anim_seek(anim, &scenes[k], p, f);
                        char where[160];
                        snprintf(where, sizeof where, "%s step %d at %.1f, %dx%d %s", doc->name,
                                 k + 1, p, sizes[si][0], sizes[si][1], lang ? "ja" : "en");
                        bad += draw_and_check(cv, sizes[si][0], sizes[si][1], &scenes[k], anim, f,
                                              f, (viz_lang)lang, where, &printed);
                        rows += drawn.nrows;
                        badges += drawn.nbadge;
                        frames++;
                    }
                }
            viz_canvas_free(cv);
        }
        for (int k = 0; k < n; k++)
            viz_scene_free(&scenes[k]);
        lesson_doc_free(doc);
    }
    hooks_off();
    fprintf(stderr, "%d frames, %d result rows, %d badges: %d untrue\n", frames, rows, badges,
            bad);
    assert_true(rows > 0);   /* the hooks saw the rows */
    assert_true(badges > 0); /* and the badges */
    free(f);
    viz_anim_free(anim);
    globfree(&g);
    assert_int_equal(bad, 0);
}

/* The scenes of 04-file-send, for the cases below. */
static int file_send(lesson_doc **doc, viz_scene *scenes)
{
    return run_lesson(SOCKBUF_SOURCE_DIR "/lessons/04-file-send.lesson", doc, scenes, MAX_STEPS);
}

/* The checker finds a frame drawn with the end of the step's values
 * early (04-file-send step 5 drawn as at 1.0, checked at 0.2). */
static void test_truth_check_finds_early_values(void **state)
{
    (void)state;
    static viz_scene scenes[MAX_STEPS];
    lesson_doc *doc = NULL;
    int n = file_send(&doc, scenes);
    assert_true(n >= 5);
    viz_anim *anim = viz_anim_new();
    viz_frame *now = calloc(1, sizeof *now), *end = calloc(1, sizeof *end);
    assert_non_null(anim);
    assert_non_null(now);
    assert_non_null(end);
    assert_int_equal(viz_anim_build(anim, &scenes[4]), 0);
    viz_anim_seek(anim, &scenes[4], 1.0, end);
    viz_anim_seek(anim, &scenes[4], 0.2, now);
    viz_canvas *cv = hooked_canvas(1920, 1080);
    hooks_on();
    int printed = 25; /* quiet */
    int honest = draw_and_check(cv, 1920, 1080, &scenes[4], anim, now, now, VIZ_LANG_EN,
                                "honest", &printed);
    int early = draw_and_check(cv, 1920, 1080, &scenes[4], anim, end, now, VIZ_LANG_EN, "early",
                               &printed);
    /* the step's end with only the code cursor at the end: values early */
    viz_frame *cursor = calloc(1, sizeof *cursor);
    assert_non_null(cursor);
    *cursor = *now;
    cursor->progress = 1.0;
    cursor->code_at[0] = cursor->code_at[1] = 1.0;
    int values = draw_and_check(cv, 1920, 1080, &scenes[4], anim, cursor, now, VIZ_LANG_EN,
                                "values", &printed);
    hooks_off();
    assert_int_equal(honest, 0);
    assert_true(early > 0);
    assert_true(values > 0);
    viz_canvas_free(cv);
    free(cursor);
    free(now);
    free(end);
    viz_anim_free(anim);
    for (int k = 0; k < n; k++)
        viz_scene_free(&scenes[k]);
    lesson_doc_free(doc);
}

/* The checker finds the old badges: two alike, bare counts, "WIN win". */
static void test_truth_check_finds_old_badges(void **state)
{
    (void)state;
    static viz_scene scene;
    viz_scene_init(&scene, NULL);
    viz_frame *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->progress = 0.4;
    f->nflying = 2;
    f->flying[0] = (viz_flying){1, false, 4096, 0, 0.2f};
    f->flying[1] = (viz_flying){1, false, 4096, 0, 0.7f};
    reset_drawn(&drawn);
    const char *old[] = {"\xe2\x86\x91 4,096 B", "\xe2\x86\x91 4,096 B", "\xe2\x86\x93 9,368 B",
                         "WIN win 4096", "\xe2\x86\x91 1 more"};
    for (size_t i = 0; i < sizeof old / sizeof old[0]; i++) {
        snprintf(drawn.t[drawn.nt].s, sizeof drawn.t[0].s, "%s", old[i]);
        drawn.t[drawn.nt++].drawn = (SDL_Rect){10 + 200 * (int)i, 10, 150, 20};
    }
    drawn.badge[drawn.nbadge++] = (viz_badge_drawn){1, false, 4096, "\xe2\x86\x91 4,096 B"};
    int printed = 0;
    /* twice alike (1), three bare counts (3), WIN win (1), the badge
     * counting 4,096 of 8,192 B flying (1) and not saying "read" (1);
     * the scroll mark "↑ 1 more" is no badge */
    assert_int_equal(check_truth(&drawn, &scene, NULL, f, VIZ_LANG_EN, "old badges", &printed), 7);
    reset_drawn(&drawn);
    const char *now[] = {"\xe2\x86\x91 8,192 B read", "\xe2\x86\x93 4,096 B to the kernel",
                         "win update 4096", "ACK win 2636"};
    for (size_t i = 0; i < sizeof now / sizeof now[0]; i++)
        snprintf(drawn.t[drawn.nt++].s, sizeof drawn.t[0].s, "%s", now[i]);
    drawn.badge[drawn.nbadge++] = (viz_badge_drawn){1, false, 8192, "\xe2\x86\x91 8,192 B read"};
    assert_int_equal(check_truth(&drawn, &scene, NULL, f, VIZ_LANG_EN, "new badges", &printed), 0);
    free(f);
    viz_scene_free(&scene);
}

int main(void)
{
    char err[512];
    if (layout_fonts_pin(LAYOUT_FONTS_DEPENDS, "fonts-truth", err, sizeof err) != 0) {
        fprintf(stderr, "test_viz_truth: %s\n", err);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truth_check_finds_old_badges),
        cmocka_unit_test(test_truth_check_finds_early_values),
        cmocka_unit_test(test_truth_lessons_every_frame_true),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (TTF_WasInit())
        TTF_Quit();
    viz_font_shutdown();
    return rc;
}
