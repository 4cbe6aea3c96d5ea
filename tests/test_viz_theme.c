/* test_viz_theme.c: the themes' colour table (viz_theme.c). Every
 * contrast ratio is computed from the table: text at least 4.5:1 against
 * each ground it is drawn on, a bar's two halves and the wire's lanes at
 * least 3:1, in every theme; and the states a colour-blind viewer or a
 * washed-out projector could confuse carry a symbol as well as a hue.
 * No fonts, no window.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>

#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "viz_anim.h"
#include "viz_draw.h"
#include "viz_theme.h"

static SDL_Color field(const viz_theme *t, size_t off)
{
    SDL_Color c;
    memcpy(&c, (const char *)t + off, sizeof c);
    return c;
}

/* The ratio is WCAG's: black on white 21, a colour on itself 1, and
 * #767676 on white just passes 4.5. */
static void test_contrast_known_values(void **state)
{
    (void)state;
    SDL_Color black = {0, 0, 0, 255}, white = {255, 255, 255, 255}, grey = {118, 118, 118, 255};
    assert_true(viz_theme_contrast(black, white) > 20.99);
    assert_true(viz_theme_contrast(white, black) < 21.01);
    assert_true(viz_theme_contrast(grey, grey) < 1.0001);
    double g = viz_theme_contrast(grey, white);
    assert_true(g > 4.5 && g < 4.6);
}

/* Every theme keeps every listed pair apart: text 4.5:1, shapes 3:1. */
static void test_theme_every_pair_reaches_its_ratio(void **state)
{
    (void)state;
    size_t n;
    const viz_theme_pair *p = viz_theme_pairs(&n);
    assert_true(n >= 40);
    int failed = 0;
    for (int id = 0; id < VIZ_THEME_COUNT; id++) {
        const viz_theme *t = viz_theme_get((viz_theme_id)id);
        for (size_t i = 0; i < n; i++) {
            double r = viz_theme_contrast(field(t, p[i].fg), field(t, p[i].bg));
            if (r < viz_theme_pair_min(p[i].kind)) {
                fprintf(stderr, "theme %s: %s: %.2f:1, needs %.1f:1\n", t->name, p[i].what, r,
                        viz_theme_pair_min(p[i].kind));
                failed++;
            }
        }
    }
    assert_int_equal(failed, 0);
}

/* Counts a derived pair under its least ratio, printing it. */
static int derived(const viz_theme *t, const char *what, int i, SDL_Color fg, SDL_Color bg,
                   viz_pair_kind kind)
{
    double r = viz_theme_contrast(fg, bg);
    if (r >= viz_theme_pair_min(kind))
        return 0;
    fprintf(stderr, "theme %s: %s %d: %.2f:1, needs %.1f:1\n", t->name, what, i, r,
            viz_theme_pair_min(kind));
    return 1;
}

/* The colours the painter computes from the table (#23's leftover): the
 * character tiles of every write, sent and in flight (darker), with the
 * ink's character on them, 4.5:1; every write's chip on the wire, its
 * words 4.5:1; around the spotlit buffer, body and secondary text still
 * 4.5:1 on the dimmed grounds, and the spotlight's frame 3:1 on them.
 * Each is computed with the function the painter draws with
 * (viz_theme_tile_fill, viz_palette(viz_origin_colour()),
 * viz_theme_spot_veil and viz_theme_over, as SDL blends). Before: the
 * in-flight tiles of writes 2, 4, 5 and 6 were at 3.7 to 4.3:1 in the
 * dark and light themes, and the spotlight left text at 2.5:1 in the
 * light one. */
static void test_theme_derived_colours_reach_their_ratio(void **state)
{
    (void)state;
    int failed = 0, checked = 0;
    for (int id = 0; id < VIZ_THEME_COUNT; id++) {
        const viz_theme *t = viz_theme_get((viz_theme_id)id);
        viz_theme_use((viz_theme_id)id);
        for (int fl = 0; fl < 2; fl++) {
            for (int i = 0; i < 8; i++, checked++)
                failed += derived(
                    t, fl ? "ink on the in-flight tile of palette" : "ink on the tile of palette",
                    i, t->ink, viz_theme_tile_fill(t, t->palette[i], fl), VIZ_PAIR_TEXT);
            failed += derived(t, "ink on a stream tile, in flight", fl, t->ink,
                              viz_theme_tile_fill(t, t->stream, fl), VIZ_PAIR_TEXT);
        }
        /* every write of either side: its chip and its tiles */
        for (int side = 0; side < 2; side++)
            for (uint32_t origin = 0; origin < 24; origin++, checked++) {
                SDL_Color k = viz_palette(viz_origin_colour(side, origin));
                failed +=
                    derived(t, "ink on the chip of write", (int)origin, t->ink, k, VIZ_PAIR_TEXT);
                failed += derived(t, "ink on the in-flight tile of write", (int)origin, t->ink,
                                  viz_theme_tile_fill(t, k, 1), VIZ_PAIR_TEXT);
            }
        /* the spotlight's veil over the picture */
        SDL_Color v = viz_theme_spot_veil(t);
        assert_true(v.a > 0); /* it does dim */
        const SDL_Color texts[] = {t->text, t->dim}, grounds[] = {t->bg, t->panel, t->panel2};
        for (size_t g = 0; g < 3; g++) {
            SDL_Color under = viz_theme_over(grounds[g], v);
            for (size_t k = 0; k < 2; k++, checked++)
                failed += derived(t, "dimmed text on dimmed ground", (int)(g * 2 + k),
                                  viz_theme_over(texts[k], v), under, VIZ_PAIR_TEXT);
            failed += derived(t, "spotlight frame on dimmed ground", (int)g, t->key, under,
                              VIZ_PAIR_SHAPE);
        }
    }
    viz_theme_use(VIZ_THEME_DARK);
    assert_true(checked > 100);
    assert_int_equal(failed, 0);
}

/* Blending is SDL's: opaque over anything is itself, transparent leaves
 * the ground, half black over white is mid grey; a shade scales each
 * channel. */
static void test_theme_blend_and_shade(void **state)
{
    (void)state;
    SDL_Color white = {255, 255, 255, 255}, black = {0, 0, 0, 255}, clear = {0, 0, 0, 0};
    SDL_Color half = {0, 0, 0, 128}, o;
    o = viz_theme_over(white, black);
    assert_int_equal(o.r, 0);
    o = viz_theme_over(white, clear);
    assert_int_equal(o.g, 255);
    o = viz_theme_over(white, half);
    assert_true(o.b >= 126 && o.b <= 128);
    assert_int_equal(o.a, 255);
    o = viz_theme_shade((SDL_Color){200, 100, 50, 255}, 0.5);
    assert_int_equal(o.r, 100);
    assert_int_equal(o.g, 50);
    assert_int_equal(o.b, 25);
}

/* The pairs name the fields the issue measured: lane labels and the
 * footer (faint on the ground), the bar's halves, the lane lines. */
static void test_theme_pairs_cover_what_was_measured(void **state)
{
    (void)state;
    size_t n;
    const viz_theme_pair *p = viz_theme_pairs(&n);
    bool faint = false, halves = false, lanes = false;
    for (size_t i = 0; i < n; i++) {
        faint |= p[i].fg == offsetof(viz_theme, faint) && p[i].bg == offsetof(viz_theme, bg) &&
                 p[i].kind == VIZ_PAIR_TEXT;
        halves |= p[i].fg == offsetof(viz_theme, overhead) &&
                  p[i].bg == offsetof(viz_theme, bar_bg);
        lanes |= p[i].fg == offsetof(viz_theme, edge) && p[i].bg == offsetof(viz_theme, bg);
    }
    assert_true(faint);
    assert_true(halves);
    assert_true(lanes);
}

/* --theme's names parse, in the order T cycles, and come back round. */
static void test_theme_names_and_cycle(void **state)
{
    (void)state;
    assert_int_equal(viz_theme_parse("dark"), VIZ_THEME_DARK);
    assert_int_equal(viz_theme_parse("light"), VIZ_THEME_LIGHT);
    assert_int_equal(viz_theme_parse("contrast"), VIZ_THEME_CONTRAST);
    assert_int_equal(viz_theme_parse("Light"), -1);
    assert_int_equal(viz_theme_parse(NULL), -1);
    viz_theme_id id = VIZ_THEME_DARK;
    for (int i = 0; i < VIZ_THEME_COUNT; i++)
        id = viz_theme_next(id);
    assert_int_equal(id, VIZ_THEME_DARK);
    assert_int_equal(viz_theme_next(VIZ_THEME_DARK), VIZ_THEME_LIGHT);
}

/* The light theme is light: its ground is brighter than its text, the
 * dark theme's the other way round (so --theme light changes the picture). */
static void test_theme_light_is_light(void **state)
{
    (void)state;
    const viz_theme *l = viz_theme_get(VIZ_THEME_LIGHT), *d = viz_theme_get(VIZ_THEME_DARK);
    assert_true(l->bg.r + l->bg.g + l->bg.b > l->text.r + l->text.g + l->text.b);
    assert_true(d->bg.r + d->bg.g + d->bg.b < d->text.r + d->text.g + d->text.b);
    viz_theme_use(VIZ_THEME_LIGHT);
    assert_memory_equal(&viz_theme_now()->bg, &l->bg, sizeof l->bg);
    SDL_Color p0 = viz_palette(0);
    assert_memory_equal(&p0, &l->palette[0], sizeof p0);
    viz_theme_use(VIZ_THEME_DARK);
    assert_memory_equal(&viz_theme_now()->bg, &d->bg, sizeof d->bg);
}

/* Red and green states are told apart by a symbol too, in both
 * languages: BLOCKED, ZERO WINDOW and the failed checks' badge each
 * start with a symbol, and the passed checks' badge with another. */
static void test_states_carry_a_symbol(void **state)
{
    (void)state;
    const viz_label_id bad[] = {VIZ_L_BLOCKED, VIZ_L_ZERO_WINDOW, VIZ_L_SYM_FAILED};
    for (int lang = 0; lang < 2; lang++) {
        const char *ok = viz_label((viz_lang)lang, VIZ_L_SYM_OK);
        assert_true((unsigned char)ok[0] >= 0x80);
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            const char *s = viz_label((viz_lang)lang, bad[i]);
            assert_true((unsigned char)s[0] >= 0x80);
            /* not the same symbol as "passed" */
            assert_true(strncmp(s, ok, 3) != 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contrast_known_values),
        cmocka_unit_test(test_theme_every_pair_reaches_its_ratio),
        cmocka_unit_test(test_theme_pairs_cover_what_was_measured),
        cmocka_unit_test(test_theme_derived_colours_reach_their_ratio),
        cmocka_unit_test(test_theme_blend_and_shade),
        cmocka_unit_test(test_theme_names_and_cycle),
        cmocka_unit_test(test_theme_light_is_light),
        cmocka_unit_test(test_states_carry_a_symbol),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
