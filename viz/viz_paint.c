/* viz_paint.c: the drawing context and the palette. See viz_paint.h.
 *
 * The layout unit is min(w/1280, h/720): a 1280x720 window draws at
 * design size. A screen taller than 16:9 (1024x768) spends some of its
 * height on larger text instead of empty bands.
 */
#include "viz_paint.h"

#include <string.h>

SDL_Color viz_palette(int i)
{
    /* Okabe & Ito (2008), adjusted per theme (viz_theme.c). */
    return viz_theme_now()->palette[((i % 8) + 8) % 8];
}

void viz_paint_ctx(viz_ctx *c, SDL_Renderer *r, viz_text *t, const viz_ui *ui, int w, int h)
{
    c->r = r;
    c->t = t;
    c->ui = ui;
    c->lang = ui ? ui->lang : VIZ_LANG_EN;
    viz_theme_use(ui ? ui->theme : VIZ_THEME_DARK);
    c->w = w;
    c->h = h;
    double uw = w / 1280.0, uh = h / 720.0;
    c->u = uw < uh ? uw : uh;
    /* A screen taller than 16:9 (1024x768) spends some of its height on
     * larger text instead of empty bands. */
    if (uh > uw)
        c->u = uw * (uh / uw < 1.15 ? uh / uw : 1.15);
    if (c->u < 0.4)
        c->u = 0.4;
    c->tu = c->u * (ui && ui->zoom > 0 ? ui->zoom : 1.0);
}

void viz_paint_begin(viz_ctx *c, SDL_Renderer *r, viz_text *t, const viz_ui *ui, int w, int h)
{
    viz_paint_ctx(c, r, t, ui, w, h);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
    color(c, BG);
    SDL_RenderClear(r);
    box(c, 0, 0, w, h);
}

void viz_paint_fit(const viz_ctx *c, char *s, viz_face face, double size, int max_w)
{
    if (text_w(c, s, face, size) <= max_w)
        return;
    size_t n = strlen(s);
    while (n > 0) {
        n--;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
        memcpy(s + n, "\xe2\x80\xa6", 4);
        if (text_w(c, s, face, size) <= max_w)
            return;
    }
}

void viz_paint_legend_swatch(const viz_ctx *c, int item, int x, int y, int sw)
{
    if (item == 0) {
        for (int i = 0; i < 4; i++)
            fill(c, x + i * (sw + U(c, 2)), y, sw, sw, viz_palette(i));
    } else if (item == 1) {
        SDL_Color k = viz_theme_run_fill(viz_palette(1), 1);
        fill(c, x, y, 4 * sw, sw, k);
        for (int sx = x + U(c, 3); sx < x + 4 * sw; sx += U(c, 8) > 0 ? U(c, 8) : 4)
            fill(c, sx, y, U(c, 2) > 0 ? U(c, 2) : 1, sw, viz_theme_run_stripe(k));
    } else {
        fill(c, x, y, 2 * sw, sw, BAR_BG);
        fill(c, x + 2 * sw, y, 2 * sw, sw, OVERHEAD);
        frame(c, x, y, 4 * sw, sw, 1, EDGE);
    }
}
