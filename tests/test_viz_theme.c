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

#include <stdio.h>
#include <string.h>

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
        cmocka_unit_test(test_theme_names_and_cycle),
        cmocka_unit_test(test_theme_light_is_light),
        cmocka_unit_test(test_states_carry_a_symbol),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
