/* viz_paint.h: the drawing context and primitives every view paints with.
 *
 * Private to viz/: the scene (viz_draw.c), the picker and the help
 * overlay (viz_overlay.c) and live mode (viz_live_draw.c) draw with the
 * same colours, the same layout unit and the same text calls. Sizes are
 * given in design units: U() turns layout units into pixels for the
 * window's size, T() text sizes (times the presenter's zoom).
 */
#ifndef SOCKBUF_VIZ_PAINT_H
#define SOCKBUF_VIZ_PAINT_H

#include <SDL.h>
#include <math.h>

#include "viz_draw.h"
#include "viz_font.h"

static const SDL_Color BG = {24, 29, 40, 255};
static const SDL_Color PANEL = {36, 43, 58, 255};
static const SDL_Color PANEL2 = {46, 54, 72, 255};
static const SDL_Color BAR_BG = {18, 22, 30, 255};
static const SDL_Color OVERHEAD = {52, 58, 72, 255}; /* the half of a buffer data never fills */
static const SDL_Color EDGE = {92, 104, 128, 255};
static const SDL_Color TEXT = {238, 241, 246, 255};
static const SDL_Color DIM = {165, 176, 196, 255};
static const SDL_Color FAINT = {110, 121, 142, 255};
static const SDL_Color GOOD = {80, 200, 140, 255};
static const SDL_Color BAD = {255, 92, 92, 255};
static const SDL_Color WARN = {255, 196, 60, 255};
static const SDL_Color HILITE = {60, 78, 112, 255};
static const SDL_Color DARK = {16, 18, 24, 255};


typedef struct {
    SDL_Renderer *r;
    viz_text *t;
    const viz_ui *ui;
    viz_lang lang;
    double u;  /* layout unit */
    double tu; /* text unit (layout unit times zoom) */
    int w, h;
} viz_ctx;

static inline int U(const viz_ctx *c, double v)
{
    return (int)lround(v * c->u);
}

static inline int T(const viz_ctx *c, double v)
{
    int px = (int)lround(v * c->tu);
    return px < 8 ? 8 : px;
}

static inline void color(const viz_ctx *c, SDL_Color k)
{
    SDL_SetRenderDrawColor(c->r, k.r, k.g, k.b, k.a);
}

static inline void fill(const viz_ctx *c, int x, int y, int w, int h, SDL_Color k)
{
    if (w <= 0 || h <= 0)
        return;
    SDL_Rect rc = {x, y, w, h};
    color(c, k);
    SDL_RenderFillRect(c->r, &rc);
}

static inline void frame(const viz_ctx *c, int x, int y, int w, int h, int thick, SDL_Color k)
{
    if (thick < 1)
        thick = 1;
    fill(c, x, y, w, thick, k);
    fill(c, x, y + h - thick, w, thick, k);
    fill(c, x, y, thick, h, k);
    fill(c, x + w - thick, y, thick, h, k);
}

/* The box the texts drawn next must stay in (only the layout hook reads
 * it: see viz_text_set_box). */
static inline void box(const viz_ctx *c, int x, int y, int w, int h)
{
    SDL_Rect rc = {x, y, w, h};
    viz_text_set_box(c->t, &rc);
}

static inline SDL_Color shade(SDL_Color k, double f)
{
    SDL_Color o = {(Uint8)(k.r * f), (Uint8)(k.g * f), (Uint8)(k.b * f), k.a};
    return o;
}

static inline int text(const viz_ctx *c, const char *s, viz_face face, double size, SDL_Color k, int x, int y,
                viz_align a)
{
    return viz_text_draw(c->t, s, face, T(c, size), k, x, y, a);
}

static inline int text_w(const viz_ctx *c, const char *s, viz_face face, double size)
{
    int w = 0;
    viz_text_size(c->t, s, face, T(c, size), &w, NULL);
    return w;
}

/* A context for a w x h window with the presenter's settings (ui may be
 * NULL: English, zoom 1). */
void viz_paint_ctx(viz_ctx *c, SDL_Renderer *r, viz_text *t, const viz_ui *ui, int w, int h);

/* The start of every full-window view: the context, opaque drawing, and
 * the window cleared to the background colour. */
void viz_paint_begin(viz_ctx *c, SDL_Renderer *r, viz_text *t, const viz_ui *ui, int w, int h);

/* Cuts s (UTF-8, in place) so that it is at most max_w wide, ending in
 * "…" when cut. */
void viz_paint_fit(const viz_ctx *c, char *s, viz_face face, double size, int max_w);

/* The legend's swatch for item 0 (one colour per write), 1 (striped: in
 * flight) or 2 (grey: kernel overhead), sw px tall and 4 sw wide at
 * (x, y); the wire's legend and the help list draw the same. */
void viz_paint_legend_swatch(const viz_ctx *c, int item, int x, int y, int sw);

#endif
