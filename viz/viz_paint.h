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
#include "viz_theme.h"

/* The current theme's colours (viz_theme.h), by their old names. */
#define BG        (viz_theme_now()->bg)
#define PANEL     (viz_theme_now()->panel)
#define PANEL2    (viz_theme_now()->panel2)
#define BAR_BG    (viz_theme_now()->bar_bg)
#define OVERHEAD  (viz_theme_now()->overhead) /* the half of a buffer data never fills */
#define EDGE      (viz_theme_now()->edge)
#define TEXT      (viz_theme_now()->text)
#define DIM       (viz_theme_now()->dim)
#define FAINT     (viz_theme_now()->faint)
#define GOOD      (viz_theme_now()->good)
#define BAD       (viz_theme_now()->bad)
#define WARN      (viz_theme_now()->warn)
#define HILITE    (viz_theme_now()->hilite)
#define ACCENT    (viz_theme_now()->accent)
#define KEYC      (viz_theme_now()->key)
#define DARK      (viz_theme_now()->ink) /* text on the fills below and on the palette */
#define GOOD_FILL (viz_theme_now()->good_fill)
#define BAD_FILL  (viz_theme_now()->bad_fill)
#define WARN_FILL (viz_theme_now()->warn_fill)
#define ACK_FILL  (viz_theme_now()->ack_fill)
#define STREAM    (viz_theme_now()->stream)

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
    return viz_theme_shade(k, f);
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
 * NULL: English, zoom 1, the dark theme); makes the ui's theme current. */
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
