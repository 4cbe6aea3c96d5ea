/* viz_theme.c: the themes' colours and the pairs they must keep apart.
 * See viz_theme.h. The figures are checked by tests/test_viz_theme.c;
 * change a colour here and run it (it prints each failing ratio).
 */
#include "viz_theme.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#define C(r, g, b)                                                                                 \
    {                                                                                              \
        (r), (g), (b), 255                                                                         \
    }

static const viz_theme themes[VIZ_THEME_COUNT] =
    {
        [VIZ_THEME_DARK] =
            {
                .name = "dark",
                .bg = C(24, 29, 40),
                .panel = C(36, 43, 58),
                .panel2 = C(46, 54, 72),
                .bar_bg = C(18, 22, 30),
                .overhead = C(100, 108, 126),
                .edge = C(120, 132, 156),
                .ack_line = C(108, 118, 140),
                .head_client = C(52, 62, 84),
                .head_server = C(64, 56, 80),
                .blocked_hl = C(89, 42, 42),
                .hilite = C(60, 78, 112),
                .text = C(238, 241, 246),
                .dim = C(180, 190, 208),
                .faint = C(160, 170, 190),
                .good = C(80, 200, 140),
                .bad = C(255, 120, 120),
                .warn = C(255, 196, 60),
                .accent = C(86, 180, 233),
                .key = C(240, 228, 66),
                .ink = C(16, 18, 24),
                .good_fill = C(80, 200, 140),
                .bad_fill = C(255, 120, 120),
                .warn_fill = C(255, 196, 60),
                .ack_fill = C(238, 241, 246),
                .right_fill = C(0, 110, 80),
                .stream = C(222, 228, 238),
                .palette = {C(230, 159, 0), C(86, 180, 233), C(0, 158, 115), C(240, 228, 66),
                            C(204, 121, 167), C(226, 110, 30), C(80, 150, 225), C(200, 200, 200)},
                .veil = {0, 0, 0, 170},
            },
        [VIZ_THEME_LIGHT] =
            {
                .name = "light",
                .bg = C(250, 250, 247),
                .panel = C(238, 241, 245),
                .panel2 = C(226, 231, 238),
                .bar_bg = C(255, 255, 255),
                .overhead = C(135, 142, 156),
                .edge = C(96, 106, 124),
                .ack_line = C(130, 138, 152),
                .head_client = C(208, 220, 240),
                .head_server = C(228, 214, 238),
                .blocked_hl = C(250, 205, 205),
                .hilite = C(200, 216, 240),
                .text = C(20, 24, 32),
                .dim = C(58, 66, 82),
                .faint = C(78, 86, 102),
                .good = C(0, 110, 60),
                .bad = C(180, 20, 30),
                .warn = C(140, 78, 0),
                .accent = C(0, 90, 160),
                .key = C(120, 70, 0),
                .ink = C(16, 18, 24),
                .good_fill = C(70, 190, 125),
                .bad_fill = C(242, 110, 100),
                .warn_fill = C(245, 180, 40),
                .ack_fill = C(200, 206, 216),
                .right_fill = C(190, 235, 210),
                .stream = C(222, 228, 238),
                .palette = {C(230, 159, 0), C(86, 180, 233), C(0, 170, 125), C(240, 228, 66),
                            C(210, 130, 175), C(230, 115, 40), C(90, 155, 225), C(190, 190, 190)},
                .veil = {250, 250, 247, 200},
            },
        [VIZ_THEME_CONTRAST] =
            {
                .name = "contrast",
                .bg = C(0, 0, 0),
                .panel = C(14, 14, 14),
                .panel2 = C(28, 28, 28),
                .bar_bg = C(0, 0, 0),
                .overhead = C(96, 96, 96),
                .edge = C(210, 210, 210),
                .ack_line = C(150, 150, 150),
                .head_client = C(0, 40, 90),
                .head_server = C(60, 0, 80),
                .blocked_hl = C(90, 0, 0),
                .hilite = C(0, 60, 140),
                .text = C(255, 255, 255),
                .dim = C(230, 230, 230),
                .faint = C(215, 215, 215),
                .good = C(60, 240, 140),
                .bad = C(255, 120, 120),
                .warn = C(255, 220, 0),
                .accent = C(120, 210, 255),
                .key = C(255, 235, 60),
                .ink = C(0, 0, 0),
                .good_fill = C(60, 240, 140),
                .bad_fill = C(255, 120, 120),
                .warn_fill = C(255, 220, 0),
                .ack_fill = C(255, 255, 255),
                .right_fill = C(0, 90, 40),
                .stream = C(235, 240, 248),
                .palette = {C(255, 170, 0), C(110, 200, 255), C(0, 210, 150), C(255, 240, 70),
                            C(230, 140, 190), C(255, 120, 40), C(110, 170, 255), C(220, 220, 220)},
                .veil = {0, 0, 0, 200},
            },
};

static viz_theme_id current = VIZ_THEME_DARK;

const viz_theme *viz_theme_get(viz_theme_id id)
{
    return &themes[id >= 0 && id < VIZ_THEME_COUNT ? id : VIZ_THEME_DARK];
}

const viz_theme *viz_theme_now(void)
{
    return &themes[current];
}

void viz_theme_use(viz_theme_id id)
{
    current = id >= 0 && id < VIZ_THEME_COUNT ? id : VIZ_THEME_DARK;
}

int viz_theme_parse(const char *name)
{
    for (int i = 0; name && i < VIZ_THEME_COUNT; i++)
        if (!strcmp(name, themes[i].name))
            return i;
    return -1;
}

viz_theme_id viz_theme_next(viz_theme_id id)
{
    return (viz_theme_id)(((int)id + 1) % VIZ_THEME_COUNT);
}

#define F(field) offsetof(viz_theme, field)
#define TXT(fg, bg)                                                                                \
    {                                                                                              \
        F(fg), F(bg), VIZ_PAIR_TEXT, #fg " text on " #bg                                           \
    }
#define PAL(i)                                                                                     \
    {                                                                                              \
        F(ink), F(palette) + (i) * sizeof(SDL_Color), VIZ_PAIR_TEXT, "ink on palette " #i          \
    }

static const viz_theme_pair pairs[] = {
    /* every text colour on every ground it is drawn on */
    TXT(text, bg),
    TXT(text, panel),
    TXT(text, panel2),
    TXT(text, bar_bg),
    TXT(text, overhead),
    TXT(text, hilite),
    TXT(text, blocked_hl),
    TXT(text, head_client),
    TXT(text, head_server),
    TXT(dim, head_client),
    TXT(dim, head_server),
    TXT(text, right_fill),
    TXT(dim, bg),
    TXT(dim, panel),
    TXT(dim, panel2),
    TXT(dim, bar_bg),
    TXT(faint, bg),
    TXT(faint, panel),
    TXT(faint, panel2),
    TXT(faint, bar_bg),
    TXT(good, bg),
    TXT(good, panel),
    TXT(good, panel2),
    TXT(bad, bg),
    TXT(bad, panel),
    TXT(bad, panel2),
    TXT(warn, bg),
    TXT(warn, panel),
    TXT(warn, panel2),
    TXT(accent, bg),
    TXT(accent, panel),
    TXT(key, bg),
    TXT(key, panel),
    TXT(key, panel2),
    /* labels on badges, pills, chips and tiles */
    TXT(ink, good_fill),
    TXT(ink, bad_fill),
    TXT(ink, warn_fill),
    TXT(ink, ack_fill),
    TXT(ink, stream),
    PAL(0),
    PAL(1),
    PAL(2),
    PAL(3),
    PAL(4),
    PAL(5),
    PAL(6),
    PAL(7),
    /* shapes: the bar's two halves, the lanes and frames on their grounds */
    {F(overhead), F(bar_bg), VIZ_PAIR_SHAPE, "a bar's overhead half beside its usable half"},
    {F(edge), F(bg), VIZ_PAIR_SHAPE, "the wire's lane lines on the ground"},
    {F(ack_line), F(bg), VIZ_PAIR_SHAPE, "a lane's ACK row line on the ground"},
    {F(edge), F(panel), VIZ_PAIR_SHAPE, "a bar's frame on its panel"},
    {F(edge), F(panel2), VIZ_PAIR_SHAPE, "a box's frame inside a panel"},
};

const viz_theme_pair *viz_theme_pairs(size_t *n)
{
    *n = sizeof pairs / sizeof pairs[0];
    return pairs;
}

double viz_theme_pair_min(viz_pair_kind kind)
{
    return kind == VIZ_PAIR_TEXT ? 4.5 : 3.0;
}

/* The relative luminance of an sRGB colour (WCAG 2.1). */
static double luminance(SDL_Color c)
{
    double ch[3] = {c.r / 255.0, c.g / 255.0, c.b / 255.0};
    for (int i = 0; i < 3; i++)
        ch[i] = ch[i] <= 0.04045 ? ch[i] / 12.92 : pow((ch[i] + 0.055) / 1.055, 2.4);
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
}

SDL_Color viz_theme_shade(SDL_Color k, double f)
{
    SDL_Color o = {(Uint8)(k.r * f), (Uint8)(k.g * f), (Uint8)(k.b * f), k.a};
    return o;
}

SDL_Color viz_theme_over(SDL_Color under, SDL_Color over)
{
    /* SDL's blend: dst = src * a + dst * (1 - a), a = src alpha / 255 */
    double a = over.a / 255.0;
    SDL_Color o = {(Uint8)lround(over.r * a + under.r * (1 - a)),
                   (Uint8)lround(over.g * a + under.g * (1 - a)),
                   (Uint8)lround(over.b * a + under.b * (1 - a)), 255};
    return o;
}

SDL_Color viz_theme_run_fill(SDL_Color k, int in_flight)
{
    return in_flight ? viz_theme_shade(k, 0.62) : k;
}

SDL_Color viz_theme_run_stripe(SDL_Color run_fill)
{
    return viz_theme_shade(run_fill, 0.7);
}

SDL_Color viz_theme_tile_fill(const viz_theme *t, SDL_Color k, int in_flight)
{
    if (!in_flight)
        return k;
    /* darker by a fifth, less where the character would lose its contrast */
    double f = 0.8;
    while (f < 1 && viz_theme_contrast(t->ink, viz_theme_shade(k, f)) < 4.5)
        f += 0.02;
    return viz_theme_shade(k, f < 1 ? f : 1);
}

SDL_Color viz_theme_tile_stripe(SDL_Color tile_fill)
{
    return viz_theme_shade(tile_fill, 0.45);
}

SDL_Color viz_theme_tile_edge(SDL_Color tile_fill)
{
    return viz_theme_shade(tile_fill, 0.55);
}

SDL_Color viz_theme_spot_veil(const viz_theme *t)
{
    SDL_Color v = t->veil;
    const SDL_Color *texts[] = {&t->text, &t->dim}, *grounds[] = {&t->bg, &t->panel, &t->panel2};
    for (v.a = (Uint8)(t->veil.a * 3 / 4); v.a > 0; v.a--) {
        bool ok = true;
        for (size_t i = 0; ok && i < 2; i++)
            for (size_t g = 0; ok && g < 3; g++)
                ok = viz_theme_contrast(viz_theme_over(*texts[i], v),
                                        viz_theme_over(*grounds[g], v)) >= 4.5;
        if (ok)
            break;
    }
    return v;
}

double viz_theme_contrast(SDL_Color a, SDL_Color b)
{
    double la = luminance(a), lb = luminance(b);
    return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}
