/* viz_theme.h: the window's colour themes, one table.
 *
 * Every colour the window, `render` and the live window paint with is a
 * field of a theme here: dark (the default), light (for a bright room and
 * a washed-out projector) and contrast (black and white, for the back row
 * and for low vision). viz_paint.h names the current theme's fields (BG,
 * TEXT, ...) so the drawing code reads as before; viz_paint_ctx() makes
 * the ui's theme current at the start of each frame. The pairs of colours
 * drawn on each other are a table too (viz_theme_pairs), from which
 * tests/test_viz_theme.c computes every contrast ratio: text at least
 * 4.5:1 against what it is drawn on, the two halves of a buffer bar and
 * the wire's lanes at least 3:1 (WCAG 2.1's AA figures).
 */
#ifndef SOCKBUF_VIZ_THEME_H
#define SOCKBUF_VIZ_THEME_H

#include <SDL.h>
#include <stddef.h>

typedef enum {
    VIZ_THEME_DARK = 0, /* light text on a dark blue-grey (the default) */
    VIZ_THEME_LIGHT,    /* dark text on near-white: a bright room, a projector */
    VIZ_THEME_CONTRAST, /* white on black, saturated states */
    VIZ_THEME_COUNT
} viz_theme_id;

/* One theme. The text colours (text .. key) are drawn on bg, panel,
 * panel2 and bar_bg; ink is drawn on the fills (*_fill, palette, stream). */
typedef struct {
    const char *name;   /* "dark", "light", "contrast" (--theme) */
    SDL_Color bg;       /* the window's ground, and the wire's */
    SDL_Color panel;    /* a side's column, the narration's box */
    SDL_Color panel2;   /* a box inside a panel (code, application) */
    SDL_Color bar_bg;   /* a buffer bar's usable, empty half */
    SDL_Color overhead; /* a buffer bar's kernel-overhead half, which data never fills */
    SDL_Color edge;     /* frames, and the wire's lane lines */
    SDL_Color ack_line; /* the thin line of a lane's ACK row */
    SDL_Color head_client, head_server; /* a side's title row (text on it) */
    SDL_Color blocked_hl;  /* the running statement's highlight when it is blocked (text on it) */
    SDL_Color hilite; /* the running statement, the picker's selection (text on it) */
    SDL_Color text;   /* body text */
    SDL_Color dim;    /* secondary text (captions, the kernel's figures) */
    SDL_Color faint;  /* tertiary text (lane labels, the footer's key hints) */
    SDL_Color good;   /* text: done, checks passed */
    SDL_Color bad;    /* text: blocked, zero window, checks failed */
    SDL_Color warn;   /* text: an exception, a page mark, a message */
    SDL_Color accent; /* text: titles ("sockbuf") */
    SDL_Color key;    /* text: a key's name in the help, a question's choice letter */
    SDL_Color ink;    /* text drawn on the fills below */
    SDL_Color good_fill, bad_fill, warn_fill; /* badges, pills and banners of those states */
    SDL_Color ack_fill;                       /* a plain ACK's chip on the wire */
    SDL_Color right_fill;                     /* a question's right answer, revealed (text on it) */
    SDL_Color stream;                         /* a tile of a byte stream (character tiles) */
    SDL_Color palette[8]; /* one colour per write (Okabe-Ito, adjusted per theme) */
    SDL_Color veil;       /* what dims the picture under an overlay (its alpha too) */
} viz_theme;

/* The theme id (clamped into range). Never NULL; static storage. */
const viz_theme *viz_theme_get(viz_theme_id id);

/* The theme drawn now (set by viz_theme_use; dark until then). */
const viz_theme *viz_theme_now(void);

/* Makes theme id the current one (viz_paint_ctx() calls it per frame). */
void viz_theme_use(viz_theme_id id);

/* The id of the theme named name ("dark", "light", "contrast"), or -1. */
int viz_theme_parse(const char *name);

/* The theme after id, in the table's order (the T key cycles). */
viz_theme_id viz_theme_next(viz_theme_id id);

/* What a theme's pair is checked for: text (4.5:1) or a shape (3:1). */
typedef enum { VIZ_PAIR_TEXT = 0, VIZ_PAIR_SHAPE = 1 } viz_pair_kind;

/* A pair of colours drawn on each other: fg and bg are byte offsets of
 * SDL_Color fields in viz_theme (offsetof), what names the pair. */
typedef struct {
    size_t fg, bg;
    viz_pair_kind kind;
    const char *what; /* "text on panel", "overhead beside the usable half" */
} viz_theme_pair;

/* The pairs every theme must keep apart (static storage), *n of them. */
const viz_theme_pair *viz_theme_pairs(size_t *n);

/* The least contrast ratio a pair of that kind needs (4.5 or 3). */
double viz_theme_pair_min(viz_pair_kind kind);

/* The WCAG 2.1 contrast ratio of two opaque colours, 1..21. */
double viz_theme_contrast(SDL_Color a, SDL_Color b);

/* ---- colours computed from a theme's --------------------------------
 * The painter draws these, never the arithmetic itself, so that
 * tests/test_viz_theme.c checks exactly the colours on screen. */

/* k darkened to f (0..1) of each channel, alpha kept. */
SDL_Color viz_theme_shade(SDL_Color k, double f);

/* What SDL_BLENDMODE_BLEND paints when over (with its alpha) is drawn on
 * the opaque under: opaque. */
SDL_Color viz_theme_over(SDL_Color under, SDL_Color over);

/* A run of bytes in a buffer bar (and the live and trace views' bars)
 * in its write's colour k: as is, or in flight (sent, not yet ACKed)
 * darker, under stripes of viz_theme_run_stripe(). */
SDL_Color viz_theme_run_fill(SDL_Color k, int in_flight);
SDL_Color viz_theme_run_stripe(SDL_Color run_fill);

/* A character tile of a few bytes (viz_tiles.c) in colour k (its write's,
 * or stream) in theme t: its fill (in flight a little darker, but never
 * so dark that t's ink, its character, falls under 4.5:1 on it), the
 * striped foot of one in flight, the line between two tiles. */
SDL_Color viz_theme_tile_fill(const viz_theme *t, SDL_Color k, int in_flight);
SDL_Color viz_theme_tile_stripe(SDL_Color tile_fill);
SDL_Color viz_theme_tile_edge(SDL_Color tile_fill);

/* The veil that dims the picture around the spotlit buffer (B): the
 * theme's overlay veil, lighter, and no stronger than leaves body and
 * secondary text (text, dim) at 4.5:1 on the dimmed grounds. */
SDL_Color viz_theme_spot_veil(const viz_theme *t);

#endif
