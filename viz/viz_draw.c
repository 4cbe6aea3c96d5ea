/* viz_draw.c: one step's scene (the sides, the application boxes, the
 * wire). The picker and help are in viz_overlay.c, live mode in
 * viz_live_draw.c, the words in viz_labels.c. See viz_draw.h.
 *
 * Layout, in units u = min(w/1280, h/720) pixels:
 *
 *   lesson title                                           step 3 / 7
 *   STEP TITLE
 *   +-- CLIENT ------+                           +-- SERVER ------+
 *   | code           |                           | code           |
 *   | application    |                           | application    |
 *   | send buffer  ==|==> segments ==>  <== ACK ==|== recv buffer  |
 *   | recv buffer  <=|<== segments <==  ACK ==>  ==|== send buffer  |
 *   +----------------+                           +----------------+
 *   narration
 *
 * The client's send buffer and the server's receive buffer share the top
 * lane of the wire, the other direction the bottom lane, so every byte
 * moves in a straight line. Every buffer bar reads the same way: its
 * usable part on the left, where the bytes fill from (the oldest byte
 * first: in flight before unsent, the next byte recv() returns first),
 * and the grey kernel overhead on the right; the header says how much of
 * the buffer is usable ("4,096 B · usable 4,096 of 8,192 B").
 */
#include "viz_code.h"
#include "viz_paint.h"
#include "viz_tiles.h"
#include "viz_wrap.h"

#include "viz_appbox.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The hooks' rectangles on a page of a taller scene: moved by view_dy,
 * and none for what lies wholly on another page. */
static _Thread_local int view_dy, view_y1;

/* On a page of a taller scene, the canvas rows it shows [page_y0,
 * page_y1): a code statement is drawn there only when it lies wholly
 * inside (else on the page before or after, whole). page_y1 0: no page. */
static _Thread_local int page_y0, page_y1;

static bool hook_view(SDL_Rect *r)
{
    if (!view_y1)
        return true;
    r->y += view_dy;
    return r->y < view_y1 && r->y + r->h > 0;
}

/* The largest text size up to `size` (design units) at which s is at most
 * max_w wide, not below min_size. */
static double fit_size(const viz_ctx *c, const char *s, viz_face face, double size, int max_w,
                       double min_size)
{
    while (size > min_size && text_w(c, s, face, size) > max_w)
        size -= 0.5;
    return size;
}

static int draw_runs(const viz_ctx *c, const lesson_queue *q, int side, int x0, int dir, int y, int h,
                     double px_per_byte, int max_px, bool faded)
{
    int used = 0;
    for (int i = 0; i < q->n && used < max_px; i++) {
        int len = (int)lround(q->run[i].bytes * px_per_byte);
        int minw = U(c, 10); /* a few bytes in a big buffer still show */
        if (len < minw)
            len = minw;
        if (used + len > max_px)
            len = max_px - used;
        SDL_Color k =
            viz_theme_run_fill(viz_palette(viz_origin_colour(side, q->run[i].origin)), faded);
        int x = dir > 0 ? x0 + used : x0 - used - len;
        fill(c, x, y, len, h, k);
        if (faded) {
            /* In flight: stripes, so the state reads without colour too. */
            SDL_Color st = viz_theme_run_stripe(k);
            for (int sx = x + U(c, 3); sx<x + len; sx += U(c, 8)> 0 ? U(c, 8) : 4)
                fill(c, sx, y, U(c, 2) > 0 ? U(c, 2) : 1, h, st);
        }
        if (i > 0 || used > 0)
            fill(c, dir > 0 ? x : x + len - 1, y, 1, h, DARK);
        used += len;
    }
    return used;
}

/* The byte count at the right edge of a bar's fill, after it, so a few
 * bytes in a large buffer are still seen; inside the fill when there is
 * no room after it or `inside` asks (the ZERO WINDOW pill takes the
 * empty end). */
static int bar_fill_label(const viz_ctx *c, uint32_t bytes, int edge, int y, int h, int bx, int bw,
                          bool inside)
{
    if (!bytes)
        return edge;
    char b[32];
    viz_fmt_bytes(b, sizeof b, bytes);
    int tw = text_w(c, b, VIZ_FACE_BOLD, 20);
    int lh = viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, 20));
    int x = edge + U(c, 6);
    SDL_Color k = TEXT;
    if (inside || x + tw > bx + bw - U(c, 4)) {
        x = edge - U(c, 6) - tw;
        k = DARK;
        if (x < bx + U(c, 4))
            return edge; /* a fill too short for its count: the lines below say it */
        text(c, b, VIZ_FACE_BOLD, 20, k, x, y + (h - lh) / 2, VIZ_ALIGN_LEFT);
        return edge;
    }
    text(c, b, VIZ_FACE_BOLD, 20, k, x, y + (h - lh) / 2, VIZ_ALIGN_LEFT);
    return x + tw; /* where the bar is free again */
}

/* Room for a fill's count after it (bar_fill_label's text and gaps). */
static int bar_fill_label_w(const viz_ctx *c, uint32_t bytes)
{
    char b[32];
    viz_fmt_bytes(b, sizeof b, bytes);
    return text_w(c, b, VIZ_FACE_BOLD, 20) + U(c, 10);
}

/* ---- the side columns ------------------------------------------------ */

typedef struct {
    int x, w;        /* column */
    int top_lane_y;  /* centre y of the upper buffer bar */
    int bot_lane_y;  /* centre y of the lower buffer bar */
    int app_y;       /* centre y of the application box */
    int send_bar_x0; /* where the send bar's wire end is */
    int recv_bar_x0; /* where the receive bar's app end is */
    int bar_x, bar_w;
    int kern_y;      /* top of the kernel box: its title row carries the
                      * bytes passing between application and kernel */
    int kern_label_x1; /* where the kernel box's title ends */
} column;

static const char *status_label(const viz_ctx *c, lesson_status status, SDL_Color *k)
{
    switch (status.state) {
    case LESSON_STMT_DONE:
        *k = GOOD;
        return viz_label(c->lang, VIZ_L_DONE);
    case LESSON_STMT_BLOCKED:
        *k = BAD;
        return viz_label(c->lang, VIZ_L_BLOCKED);
    case LESSON_STMT_ERROR:
        *k = WARN;
        return lesson_exc_name(status.exc);
    default:
        *k = FAINT;
        return viz_label(c->lang, VIZ_L_PENDING);
    }
}

/* The fill of a state's pill for its text colour k (GOOD, BAD, WARN). */
static SDL_Color state_fill(SDL_Color k)
{
    SDL_Color g = GOOD, b = BAD, w = WARN;
    if (k.r == g.r && k.g == g.g && k.b == g.b)
        return GOOD_FILL;
    if (k.r == b.r && k.g == b.g && k.b == b.b)
        return BAD_FILL;
    if (k.r == w.r && k.g == w.g && k.b == w.b)
        return WARN_FILL;
    return k;
}

/* The code panel's text size (20: the smallest the back row reads). */
enum { CODE_SIZE = 20 };

/* The code rows the panel keeps room for at least (when the lesson's
 * longest step has that many): a wrapped call and its neighbour. */
enum { CODE_MIN_ROWS = 4 };

/* The smallest the code is drawn, in a panel zoomed text left short. */
enum { CODE_SIZE_LEAST = 13 };

/* Width of the status pill a statement carries ("BLOCKED", an error), or
 * 0; its text goes in *label and colour in *k. */
static int code_pill(const viz_ctx *c, const viz_code *vc, const char **label, SDL_Color *k)
{
    *label = status_label(c, vc->status, k);
    if (vc->status.state != LESSON_STMT_BLOCKED && vc->status.state != LESSON_STMT_ERROR)
        return 0;
    return text_w(c, *label, VIZ_FACE_BOLD, 20) + U(c, 10);
}

/* A statement's rows in a code panel w wide at design size `size`: long
 * statements wrap onto indented continuation rows, nothing is cut. The
 * status pill goes at the right end of the last row when it fits there,
 * else on a row of its own below (counted in the return value, with no
 * text); *pill_row gets its row, or -1 without a pill. */
static int code_rows(const viz_ctx *c, const viz_code *vc, int w, int size, int *starts, int *lens,
                     int *pill_row)
{
    const char *label;
    SDL_Color k;
    int avail = w - U(c, 10) - U(c, 12);
    int indent = text_w(c, "  ", VIZ_FACE_MONO, size);
    int n = viz_text_wrap_code(c->t, vc->code, VIZ_FACE_MONO, T(c, size), avail, indent, starts,
                               lens, VIZ_WRAP_MAX_LINES - 1);
    int sw = code_pill(c, vc, &label, &k);
    *pill_row = -1;
    if (!sw)
        return n;
    int last_w = 0;
    if (n > 0) {
        char row[VIZ_TEXT_LEN];
        int l = lens[n - 1] < (int)sizeof row - 1 ? lens[n - 1] : (int)sizeof row - 1;
        memcpy(row, vc->code + starts[n - 1], (size_t)l);
        row[l] = 0;
        last_w = text_w(c, row, VIZ_FACE_MONO, size) + (n > 1 ? indent : 0);
    }
    if (n > 0 && last_w + sw + U(c, 8) <= avail) {
        *pill_row = n - 1;
        return n;
    }
    starts[n] = (int)strlen(vc->code);
    lens[n] = 0;
    *pill_row = n;
    return n + 1;
}

/* All of a side's statements' rows at `size`. */
static int code_total_rows(const viz_ctx *c, const viz_side *vs, int w, int size)
{
    int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES], n = 0;
    for (int i = 0; i < vs->ncode; i++) {
        int pr;
        int r = code_rows(c, &vs->code[i], w, size, starts, lens, &pr);
        n += r > 0 ? r : 1;
    }
    return n;
}

static viz_code_hook code_hook_fn;
static void *code_hook_ud;

void viz_draw_set_code_hook(viz_code_hook fn, void *ud)
{
    code_hook_fn = fn;
    code_hook_ud = ud;
}

static void code_cursor(const viz_side *vs, const viz_frame *f, int side, int *cur, int *blocked);
static double code_at(const viz_frame *f, int side);

/* The code's text size in a panel w x h: CODE_SIZE, or smaller, down to
 * CODE_SIZE_LEAST, in a panel too short for its tallest statement on a
 * page (zoomed text in a short window). Sets the row pitch *lh, the rows
 * the panel holds *rows, each statement's first row r0[] (r0[ncode] =
 * *total) and row count nrows[]. The layout pass and draw_code share it. */
static int code_fit(const viz_ctx *c, const viz_side *vs, int w, int h, int *lh, int *rows,
                    int *r0, int *nrows, int *total)
{
    int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES];
    int size = CODE_SIZE;
    for (;; size--) {
        *lh = viz_text_line_height(c->t, VIZ_FACE_MONO, T(c, size)) + U(c, 3);
        *rows = (h - U(c, 8)) / *lh;
        int tallest = 0;
        r0[0] = 0;
        for (int i = 0; i < vs->ncode; i++) {
            int pr;
            int n = code_rows(c, &vs->code[i], w, size, starts, lens, &pr);
            nrows[i] = n > 0 ? n : 1;
            r0[i + 1] = r0[i] + nrows[i];
            tallest = nrows[i] > tallest ? nrows[i] : tallest;
        }
        *total = r0[vs->ncode];
        /* (a page shares its mark with its last row only in a panel of
         * three rows or more: a shorter one keeps a row for the mark) */
        if (*total <= *rows || tallest <= *rows - 1 || (*rows >= 3 && tallest <= *rows))
            break;
        if (size <= CODE_SIZE_LEAST && (*rows >= 2 || size <= CODE_SIZE_LEAST - 3))
            break; /* a one-row panel goes a little smaller for its mark's row */
    }
    return size;
}

static void draw_code(const viz_ctx *c, const viz_side *vs, const viz_frame *f, int side, int x,
                      int y, int w, int h)
{
    fill(c, x, y, w, h, PANEL2);
    box(c, x, y, w, h);
    SDL_Rect code_r = {x, y, w, h};
    if (code_hook_fn && hook_view(&code_r))
        code_hook_fn(code_hook_ud, vs, &code_r);
    if (vs->ncode == 0)
        return;
    /* Which line is running: the animation walks the executed lines and
     * rests on the blocked one, or the last one done. */
    int cur, blocked;
    code_cursor(vs, f, side, &cur, &blocked);
    /* Every statement whole, wrapped at its arguments; when the panel
     * cannot hold them all, whole statements go on pages and the page
     * with the running statement shows, a mark below it or at the right
     * end of its last row ("▼ 1/2"),
     * as the narration pages. Nothing scrolls half a statement away. */
    int lh = 0, rows = 0, total = 0;
    int r0[VIZ_MAX_CODE + 1], nrows[VIZ_MAX_CODE];
    int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES];
    int size = code_fit(c, vs, w, h, &lh, &rows, r0, nrows, &total);
    if (rows < 1)
        return;
    int pfirst[VIZ_MAX_CODE + 1], pages = 1, page = 0;
    int s0 = 0, s1 = vs->ncode; /* the statements shown */
    if (total > rows) {
        /* The mark shares a full page's last row where that row leaves it
         * room; else the pages are a row shorter. */
        for (int room = rows; room >= 1 && room >= rows - 1; room--) {
            pages = viz_code_paginate(nrows, vs->ncode, room, pfirst, VIZ_MAX_CODE);
            page = viz_code_page_of(pfirst, pages, cur);
            s0 = viz_code_page_start(nrows, vs->ncode, room, pfirst, pages, page);
            s1 = pfirst[page + 1];
            if (room < rows || r0[s1] - r0[s0] < rows)
                break;
            int pr, n = code_rows(c, &vs->code[s1 - 1], w, size, starts, lens, &pr);
            char row[VIZ_TEXT_LEN];
            int l = n > 0 && lens[n - 1] < (int)sizeof row - 1 ? lens[n - 1] : 0;
            memcpy(row, vs->code[s1 - 1].code + (n > 0 ? starts[n - 1] : 0), (size_t)l);
            row[l] = 0;
            /* ...and never with a status pill (BLOCKED, an exception's
             * name), whose width the fonts of each language change */
            const char *pst;
            SDL_Color psk;
            int psw = code_pill(c, &vs->code[s1 - 1], &pst, &psk);
            int row_w = U(c, 14) + text_w(c, row, VIZ_FACE_MONO, size) +
                        (n > 1 ? text_w(c, "  ", VIZ_FACE_MONO, size) : 0);
            if (psw == 0 &&
                row_w + text_w(c, "\xe2\x96\xbc 10/10", VIZ_FACE_BOLD, size) + U(c, 16) <= w)
                break;
            if (rows < 2)
                break;
        }
    }
    int first = r0[s0];
    if (pages > 1) {
        char mark[32];
        snprintf(mark, sizeof mark, "%s %d/%d",
                 page + 1 < pages ? "\xe2\x96\xbc" : "\xe2\x96\xb2", page + 1, pages);
        /* below the page's statements, else at the right end of its
         * last row */
        int used = r0[s1] - r0[s0];
        int mrow = used < rows ? used : rows - 1;
        if (used >= rows) {
            /* a statement as tall as the panel: the mark at the end of
             * its shortest row */
            int best_w = INT_MAX;
            for (int i = s0; i < s1; i++) {
                int pr, n = code_rows(c, &vs->code[i], w, size, starts, lens, &pr);
                for (int j = 0; j < n && r0[i] + j - r0[s0] < rows; j++) {
                    char row[VIZ_TEXT_LEN];
                    int l = lens[j] < (int)sizeof row - 1 ? lens[j] : (int)sizeof row - 1;
                    memcpy(row, vs->code[i].code + starts[j], (size_t)l);
                    row[l] = 0;
                    int rw = text_w(c, row, VIZ_FACE_MONO, size) +
                             (j ? text_w(c, "  ", VIZ_FACE_MONO, size) : 0) +
                             (pr == j ? text_w(c, "BLOCKED", VIZ_FACE_BOLD, 20) : 0);
                    if (rw < best_w) {
                        best_w = rw;
                        mrow = r0[i] + j - r0[s0];
                    }
                }
            }
        }
        text(c, mark, VIZ_FACE_BOLD, size, WARN, x + w - U(c, 8), y + U(c, 4) + mrow * lh,
             VIZ_ALIGN_RIGHT);
    }
    int pill_w = U(c, 10);
    int indent = text_w(c, "  ", VIZ_FACE_MONO, size);
    for (int i = s0; i < s1; i++) {
        int vis0 = r0[i] > first ? r0[i] : first;
        int vis1 = r0[i + 1] < first + rows ? r0[i + 1] : first + rows;
        if (vis0 >= vis1)
            continue;
        const viz_code *vc = &vs->code[i];
        int ly = y + U(c, 4) + (vis0 - first) * lh;
        int bh = (vis1 - vis0) * lh;
        if (page_y1 && (ly - U(c, 1) < page_y0 || ly - U(c, 1) + bh > page_y1))
            continue; /* not whole on this page of the scene: whole on another */
        bool shown_done = i < cur || (i == cur && code_at(f, side) >= 1);
        bool reached = i <= cur;
        const char *st;
        SDL_Color sk;
        int sw = code_pill(c, vc, &st, &sk);
        /* the running statement's highlight covers all of its rows */
        if (i == cur)
            fill(c, x + U(c, 2), ly - U(c, 1), w - U(c, 4), bh,
                 i == blocked ? viz_theme_now()->blocked_hl : HILITE);
        /* status marker at the left edge, as tall as the statement */
        SDL_Color mk = reached ? sk : FAINT;
        if (!shown_done && i != blocked)
            mk = reached ? TEXT : FAINT;
        fill(c, x + U(c, 4), ly + U(c, 2), U(c, 5), bh - U(c, 6), mk);
        int pill_row;
        int n = code_rows(c, vc, w, size, starts, lens, &pill_row);
        int pr = r0[i] + pill_row;
        if (sw && reached && pill_row >= 0 && pr >= vis0 && pr < vis1) {
            int py = y + U(c, 4) + (pr - first) * lh;
            fill(c, x + w - sw - U(c, 4), py + U(c, 1), sw, lh - U(c, 4), state_fill(sk));
            text(c, st, VIZ_FACE_BOLD, 20, DARK, x + w - sw / 2 - U(c, 4), py + U(c, 2),
                 VIZ_ALIGN_CENTER);
        }
        int tx = x + pill_w + U(c, 4);
        for (int j = 0; j < n; j++) {
            int rr = r0[i] + j;
            if (rr < vis0 || rr >= vis1)
                continue;
            char row[VIZ_TEXT_LEN];
            int l = lens[j] < (int)sizeof row - 1 ? lens[j] : (int)sizeof row - 1;
            memcpy(row, vc->code + starts[j], (size_t)l);
            row[l] = 0;
            text(c, row, VIZ_FACE_MONO, size, reached ? TEXT : DIM, tx + (j ? indent : 0),
                 y + U(c, 4) + (rr - first) * lh, VIZ_ALIGN_LEFT);
        }
    }
}

static viz_bar_hook bar_hook_fn;
static void *bar_hook_ud;

void viz_draw_set_bar_hook(viz_bar_hook fn, void *ud)
{
    bar_hook_fn = fn;
    bar_hook_ud = ud;
}

/* "usable 4,096 of 8,192 B" ("使用可能 4,096 / 8,192 B"): the part of
 * the buffer that holds payload, of the size getsockopt reports, the unit
 * said once when both share it. Without a usable part (or a size):
 * "12 B / 16,384 B", what it holds of its size. */
static void bar_figures(const viz_ctx *c, char *out, size_t len, uint32_t used, uint32_t usable,
                        uint32_t cap)
{
    char u[32], b[32];
    viz_fmt_bytes(b, sizeof b, cap);
    if (!usable || !cap) {
        viz_fmt_bytes(u, sizeof u, used);
        snprintf(out, len, "%s / %s", u, b);
        return;
    }
    viz_fmt_bytes(u, sizeof u, usable);
    const char *us = strrchr(u, ' '), *bs = strrchr(b, ' ');
    if (us && bs && !strcmp(us, bs))
        u[us - u] = '\0';
    else if (bs && !strcmp(bs, " KiB") && usable >= 1024) /* "64 of 128 KiB" */
        snprintf(u, sizeof u, "%.0f", usable / 1024.0);
    else if (bs && !strcmp(bs, " MiB") && usable >= 1024 * 1024)
        snprintf(u, sizeof u, usable % (1024 * 1024) ? "%.1f" : "%.0f", usable / 1048576.0);
    snprintf(out, len, "%s %s %s %s", viz_label(c->lang, VIZ_L_USABLE), u,
             viz_label(c->lang, VIZ_L_USABLE_OF), b);
}

/* A labelled bar: "send buffer      usable 4,096 of 8,192 B" above it
 * (what it holds is written at the bar's fill), and where the kernel's
 * buffer has another size (autotuned on loopback, 4 MiB where the model
 * keeps 16 KiB) that size too, dimmed, so a "model and kernel differ"
 * step can point at it. kernel_cap 0: unknown or the same. In a narrow
 * column the figures shrink to fit rather than lose a word; fig (when not
 * NULL) gets the text drawn. */
static bool bar_header(const viz_ctx *c, const char *label, uint32_t used, uint32_t usable,
                       uint32_t cap, uint32_t kernel_cap, int x, int y, int w, char *fig,
                       size_t figlen, bool two_rows)
{
    char k[32], buf[160], kbuf[80];
    bar_figures(c, buf, sizeof buf, used, usable, cap);
    int lw = text(c, label, VIZ_FACE_BOLD, 20, TEXT, x, y, VIZ_ALIGN_LEFT);
    int lh = viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, 20));
    if (two_rows) {
        /* a narrow (zoomed) column: the figures on a row of their own */
        y += viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, 20));
        lw = 0;
    }
    double size = fit_size(c, buf, VIZ_FACE_SANS, 20, w - lw - U(c, 8), 12);
    int dy = lh - viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, size));
    int bw = text(c, buf, VIZ_FACE_SANS, size, TEXT, x + w, y + dy / 2, VIZ_ALIGN_RIGHT);
    if (fig)
        snprintf(fig, figlen, "%s", buf);
    if (kernel_cap == 0 || kernel_cap == cap)
        return true;
    viz_fmt_bytes(k, sizeof k, kernel_cap);
    snprintf(kbuf, sizeof kbuf, "%s %s \xc2\xb7", viz_label(c->lang, VIZ_L_REAL), k);
    int kw = text_w(c, kbuf, VIZ_FACE_SANS, 20);
    if (lw + kw + bw + U(c, 16) > w)
        return false; /* bar_kernel_figure() puts it in the bar */
    text(c, kbuf, VIZ_FACE_SANS, 20, DIM, x + w - bw - U(c, 6), y + U(c, 2), VIZ_ALIGN_RIGHT);
    return true;
}

/* Whether a column w wide puts its bars' figures on a row of their own:
 * the widest label and figures do not fit on one row even at 16. */
static bool bar_two_rows(const viz_ctx *c, int w)
{
    int pad = U(c, 8);
    int lw = text_w(c, viz_label(c->lang, VIZ_L_RECVBUF), VIZ_FACE_BOLD, 20);
    int lw2 = text_w(c, viz_label(c->lang, VIZ_L_SENDBUF), VIZ_FACE_BOLD, 20);
    char buf[160];
    bar_figures(c, buf, sizeof buf, 0, 64 * 1024, 128 * 1024);
    int fw = text_w(c, buf, VIZ_FACE_SANS, 16);
    bar_figures(c, buf, sizeof buf, 0, 8192, 16384);
    int fw2 = text_w(c, buf, VIZ_FACE_SANS, 16);
    return (lw > lw2 ? lw : lw2) + (fw > fw2 ? fw : fw2) + U(c, 8) > w - 2 * pad;
}

/* The kernel's size of a buffer where the header has no room for it: in
 * the bar's free end, right-aligned before x1 ("kernel 2,626,560 B"),
 * shrunk to fit down to min_size (design units) at worst. Returns where it
 * begins (x1: not drawn). */
static int bar_kernel_figure(const viz_ctx *c, uint32_t kernel_cap, int x0, int x1, int y, int h,
                             double min_size);

/* bar_kernel_figure() on the grey end of a bar (from usable_x), else,
 * in a narrow or zoomed column, on all but the first third of it that
 * the bytes keep (all of it for an empty buffer). */
static int bar_kernel_figure_fit(const viz_ctx *c, uint32_t kernel_cap, int bx, int bw, int usable_x,
                                 uint32_t held, int x1, int y, int h)
{
    int kx = bar_kernel_figure(c, kernel_cap, usable_x, x1, y, h, 14);
    if (kx < x1)
        return kx;
    int x0 = held ? bx + bw / 3 : bx + U(c, 4);
    double min_size = 14;
    if (viz_tiles_use(held)) {
        /* a few bytes drawn as characters: the figure at its smallest
         * (zoomed, not under the unzoomed smallest), leaving the
         * characters what it does not need */
        char k[32], kbuf[80];
        viz_fmt_bytes(k, sizeof k, kernel_cap);
        snprintf(kbuf, sizeof kbuf, "%s %s", viz_label(c->lang, VIZ_L_REAL), k);
        if (c->ui && c->ui->zoom > 1)
            min_size = 14 / c->ui->zoom > 10 ? 14 / c->ui->zoom : 10;
        int small = x1 - text_w(c, kbuf, VIZ_FACE_SANS, min_size) - U(c, 9);
        if (small > x0)
            x0 = small;
    }
    return bar_kernel_figure(c, kernel_cap, x0, x1, y, h, min_size);
}

static int bar_kernel_figure(const viz_ctx *c, uint32_t kernel_cap, int x0, int x1, int y, int h,
                             double min_size)
{
    char k[32], kbuf[80];
    viz_fmt_bytes(k, sizeof k, kernel_cap);
    snprintf(kbuf, sizeof kbuf, "%s %s", viz_label(c->lang, VIZ_L_REAL), k);
    double size = fit_size(c, kbuf, VIZ_FACE_SANS, 20, x1 - x0 - U(c, 8), min_size);
    int kw = text_w(c, kbuf, VIZ_FACE_SANS, size);
    if (kw > x1 - x0 - U(c, 8))
        return x1;
    int lh = viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, size));
    /* a label's backing, so it reads as a figure, not as bytes */
    fill(c, x1 - U(c, 8) - kw, y + 1, kw + U(c, 8), h - 2, PANEL2);
    text(c, kbuf, VIZ_FACE_SANS, size, TEXT, x1 - U(c, 4), y + (h - lh) / 2, VIZ_ALIGN_RIGHT);
    return x1 - U(c, 8) - kw;
}

/* Room a chip leaving the client's send bar may take over the bar's
 * wire end (its label is centred on the wire's edge). */
static int wire_end_room(const viz_ctx *c, int side)
{
    return side == 0 ? text_w(c, "00\xc3\x97 000,000 B", VIZ_FACE_BOLD, 20) / 2 + U(c, 8) : 0;
}

/* One line of compare_line: "Model: what a · in flight b" (b only when
 * two), or with what NULL the numbers alone when the words do not fit. */
static void compare_text(const viz_ctx *c, char *buf, size_t len, viz_label_id who, const char *what,
                         const char *a, const char *b, bool two)
{
    const char *label = viz_label(c->lang, who);
    if (what && two)
        snprintf(buf, len, "%s: %s %s · %s %s", label, what, a, viz_label(c->lang, VIZ_L_INFLIGHT),
                 b);
    else if (what)
        snprintf(buf, len, "%s: %s %s", label, what, a);
    else if (two)
        snprintf(buf, len, "%s: %s · %s", label, a, b);
    else
        snprintf(buf, len, "%s: %s", label, a);
}

/* The model's and the kernel's numbers for one bar, side by side. */
static void compare_line(const viz_ctx *c, const char *what, uint32_t model_a, uint32_t model_b,
                         bool two, const viz_real *real, uint32_t real_a, uint32_t real_b,
                         bool final, int x, int y, int w)
{
    char m1[24], m2[24], k1[24], k2[24], buf[160];
    viz_fmt_bytes(m1, sizeof m1, model_a);
    viz_fmt_bytes(m2, sizeof m2, model_b);
    compare_text(c, buf, sizeof buf, VIZ_L_MODEL, what, m1, m2, two);
    if (text_w(c, buf, VIZ_FACE_SANS, 20) > w)
        compare_text(c, buf, sizeof buf, VIZ_L_MODEL, NULL, m1, m2, two);
    text(c, buf, VIZ_FACE_SANS, fit_size(c, buf, VIZ_FACE_SANS, 20, w, 12), DIM, x, y,
         VIZ_ALIGN_LEFT);
    int ly = y + viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, 20));
    if (!real || !real->present) {
        text(c, viz_label(c->lang, VIZ_L_NO_REAL), VIZ_FACE_SANS, 20, FAINT, x, ly, VIZ_ALIGN_LEFT);
        return;
    }
    viz_fmt_bytes(k1, sizeof k1, real_a);
    viz_fmt_bytes(k2, sizeof k2, real_b);
    /* The kernel is read once the step has settled: while the step plays
     * its figures are the step's end, and say so. */
    viz_label_id who = final ? VIZ_L_REAL : VIZ_L_REAL_AFTER;
    compare_text(c, buf, sizeof buf, who, what, k1, k2, two);
    bool differs = final && (model_a != real_a || (two && model_b != real_b));
    int pill_w = differs ? text_w(c, "\xe2\x89\xa0 ", VIZ_FACE_BOLD, 20) +
                               text_w(c, viz_label(c->lang, VIZ_L_DIFFERS), VIZ_FACE_BOLD, 20) +
                               U(c, 16)
                         : 0;
    if (text_w(c, buf, VIZ_FACE_SANS, 20) + pill_w > w)
        compare_text(c, buf, sizeof buf, who, NULL, k1, k2, two);
    if (text_w(c, buf, VIZ_FACE_SANS, 20) + pill_w > w)
        compare_text(c, buf, sizeof buf, VIZ_L_REAL, NULL, k1, k2, two);
    /* a narrow (zoomed) column: the figures a little smaller beside the pill */
    double ks = fit_size(c, buf, VIZ_FACE_SANS, 20, w - pill_w, 12);
    int tw = text(c, buf, VIZ_FACE_SANS, ks, final ? TEXT : DIM, x, ly, VIZ_ALIGN_LEFT);
    if (differs) {
        char d[48];
        snprintf(d, sizeof d, "\xe2\x89\xa0 %s", viz_label(c->lang, VIZ_L_DIFFERS));
        int dw = text_w(c, d, VIZ_FACE_BOLD, 20) + U(c, 8);
        int dx = x + tw + U(c, 8);
        if (dx + dw > x + w)
            dx = x + w - dw;
        fill(c, dx, ly, dw, viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, 20)), BAD_FILL);
        box(c, dx, ly, dw, viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, 20)));
        text(c, d, VIZ_FACE_BOLD, 20, DARK, dx + dw / 2, ly + U(c, 1), VIZ_ALIGN_CENTER);
    }
}

/* ---- the application box: what the step produced ----------------- */

/* Rows of results the application box keeps room for; more scroll, the
 * earlier ones counted in a mark. */
enum { APP_ROWS = 3, APP_ROWS_MAX = 5, BIG_BYTES = 4096 /* a bytes value this long is drawn as a bar */ };

static int result_row_h(const viz_ctx *c)
{
    return viz_text_line_height(c->t, VIZ_FACE_MONO, T(c, 20)) + U(c, 2);
}

/* How far the side's code cursor is: the animation's timeline (a
 * statement runs until its call's bytes have landed); a frame at the
 * step's end has run everything. */
static double code_at(const viz_frame *f, int side)
{
    return f->progress >= 1.0 ? 1.0 : f->code_at[side];
}

/* Which of the side's statements the animation has run: *cur the one
 * running (-1 none), *blocked the first blocked one (-1 none). */
static void code_cursor(const viz_side *vs, const viz_frame *f, int side, int *cur, int *blocked)
{
    viz_code_cursor(vs->code, vs->ncode, code_at(f, side), cur, blocked);
}

/* A result shows once the animation has run its statement. */
static bool result_reached(const viz_side *vs, const viz_frame *f, int side, const lesson_result *r)
{
    if (code_at(f, side) >= 1)
        return true;
    int cur, blocked;
    code_cursor(vs, f, side, &cur, &blocked);
    for (int i = 0; i < vs->ncode; i++)
        if (vs->code[i].line == r->line)
            return i < cur;
    return false;
}

/* One result as a row: "first = b'Hi\n'  len 3", "→ 16384" (with its
 * statement when it fits), "printed: Hi", "raised BlockingIOError"; a
 * long bytes value as a bar with its size. */
static void draw_result(const viz_ctx *c, const viz_side *vs, const lesson_result *r, int x, int y,
                        int w)
{
    char buf[320], len[48] = "";
    SDL_Color k = TEXT;
    bool ja = c->lang == VIZ_LANG_JA;
    if (r->has_length && r->kind != LESSON_RESULT_PRINT && r->is_bytes)
        viz_fmt_bytes(len, sizeof len, r->length); /* bytes: "12 B", the buffers' unit */
    else if (r->has_length && r->kind != LESSON_RESULT_PRINT)
        snprintf(len, sizeof len, ja ? "長さ %llu" : "len %llu", (unsigned long long)r->length);
    int lw = len[0] ? text_w(c, len, VIZ_FACE_SANS, 20) + U(c, 10) : 0;
    switch (r->kind) {
    case LESSON_RESULT_ASSIGN:
        if (r->is_bytes && r->length >= BIG_BYTES) {
            /* A big bytes object: its name, then a bar as long as the row
             * with its size in it. */
            char size[32], nm[80];
            snprintf(nm, sizeof nm, "%s =", r->name);
            int nw = text(c, nm, VIZ_FACE_MONO, 20, TEXT, x, y, VIZ_ALIGN_LEFT) + U(c, 8);
            int bh = result_row_h(c) - U(c, 4);
            viz_fmt_bytes(size, sizeof size, r->length);
            snprintf(buf, sizeof buf, "bytes · %s", size);
            fill(c, x + nw, y + U(c, 1), w - nw, bh, viz_palette(7));
            SDL_Rect in = {x + nw, y + U(c, 1), w - nw, bh};
            viz_text_set_box(c->t, &in);
            /* a narrow (zoomed) row: the size alone, smaller if it must */
            if (text_w(c, buf, VIZ_FACE_BOLD, 20) > w - nw - U(c, 8))
                snprintf(buf, sizeof buf, "%s", size);
            double bs = fit_size(c, buf, VIZ_FACE_BOLD, 20, w - nw - U(c, 8), 12);
            if (text_w(c, buf, VIZ_FACE_BOLD, bs) <= w - nw - U(c, 8))
                text(c, buf, VIZ_FACE_BOLD, bs, DARK, x + nw + U(c, 6), y, VIZ_ALIGN_LEFT);
            return;
        }
        snprintf(buf, sizeof buf, "%.47s = %.240s", r->name, r->repr);
        break;
    case LESSON_RESULT_RETURN: {
        const char *code = "";
        for (int i = 0; i < vs->ncode; i++)
            if (vs->code[i].line == r->line)
                code = vs->code[i].code;
        snprintf(buf, sizeof buf, "%.120s \xe2\x86\x92 %.180s", code, r->repr);
        if (text_w(c, buf, VIZ_FACE_MONO, 20) + lw > w)
            snprintf(buf, sizeof buf, "\xe2\x86\x92 %.240s", r->repr);
        break;
    }
    case LESSON_RESULT_PRINT:
        snprintf(buf, sizeof buf, "%s: %.240s", viz_label(c->lang, VIZ_L_PRINTED), r->repr);
        k = GOOD;
        break;
    default:
        snprintf(buf, sizeof buf, "%s %s", ja ? "例外" : "raised", lesson_exc_name(r->exc));
        k = WARN;
        break;
    }
    /* A value's repr may be shortened (its length is beside it); an
     * exception's name or a printed line shrinks to fit first. */
    double size = r->kind == LESSON_RESULT_ASSIGN || r->kind == LESSON_RESULT_RETURN
                      ? 20
                      : fit_size(c, buf, VIZ_FACE_MONO, 20, w - lw, 13);
    if (r->kind == LESSON_RESULT_ASSIGN && len[0]) {
        /* A narrow (zoomed) row keeps "name = " and the repr's start: the
         * length goes first, then the text shrinks a little. */
        char head[128];
        snprintf(head, sizeof head, "%.47s = %.6s", r->name, r->repr);
        if (text_w(c, head, VIZ_FACE_MONO, 20) + lw > w) {
            len[0] = 0;
            lw = 0;
            if (text_w(c, head, VIZ_FACE_MONO, 20) > w)
                size = fit_size(c, head, VIZ_FACE_MONO, 20, w, 13);
        }
    }
    if (r->kind == LESSON_RESULT_PRINT && text_w(c, buf, VIZ_FACE_MONO, size) > w - lw) {
        /* a printed line too long even small: the line alone (its colour
         * says it was printed) */
        snprintf(buf, sizeof buf, "%.300s", r->repr);
        size = fit_size(c, buf, VIZ_FACE_MONO, 20, w - lw, 13);
    }
    viz_paint_fit(c, buf, VIZ_FACE_MONO, size, w - lw);
    int tw = text(c, buf, VIZ_FACE_MONO, size, k, x, y, VIZ_ALIGN_LEFT);
    if (len[0])
        text(c, len, VIZ_FACE_SANS, 20, DIM, x + tw + U(c, 10), y, VIZ_ALIGN_LEFT);
}

/* The step's results the animation has reached, newest last; when more
 * than `rows` have, the first row says how many earlier ones scrolled
 * away ("↑ 2 more"), so nothing leaves silently. With one row, the mark
 * goes to the right end of the box's title line (at head_y, whose title
 * is head_w wide) where it fits, so the row keeps its whole width for a
 * long printed line; else it takes the row's right end. */
static viz_result_hook result_hook_fn;
static void *result_hook_ud;

void viz_draw_set_result_hook(viz_result_hook fn, void *ud)
{
    result_hook_fn = fn;
    result_hook_ud = ud;
}

static void draw_results(const viz_ctx *c, const viz_scene *s, int side, const viz_frame *f, int x,
                         int y, int w, int rows, int head_y, int head_w)
{
    const viz_side *vs = &s->side[side];
    int shown = 0;
    /* a received value: once its bytes have landed in the application */
    while (shown < vs->nresults && result_reached(vs, f, side, &vs->results[shown]) &&
           viz_appbox_result_landed(s, f, side, shown))
        shown++;
    if (rows < 1 || shown == 0)
        return;
    int hidden = vs->nresults_total - vs->nresults; /* dropped by the scene */
    int first = 0;
    if (shown > rows || hidden > 0) {
        first = shown - (rows > 1 ? rows - 1 : 1);
        if (first < 0)
            first = 0;
        char mark[64];
        snprintf(mark, sizeof mark, c->lang == VIZ_LANG_JA ? "\xe2\x86\x91 ほか %d 件" : "\xe2\x86\x91 %d more",
                 first + hidden);
        if (rows == 1) {
            /* one row: the newest result, the mark at its right end */
            int mw = text_w(c, mark, VIZ_FACE_SANS, 20) + U(c, 8);
            if (head_w + U(c, 12) + mw <= w) {
                SDL_Rect head = {x, head_y, w, y - head_y};
                viz_text_set_box(c->t, &head);
                text(c, mark, VIZ_FACE_SANS, 20, FAINT, x + w, head_y, VIZ_ALIGN_RIGHT);
                SDL_Rect row = {x, y, w, result_row_h(c)};
                viz_text_set_box(c->t, &row);
                draw_result(c, vs, &vs->results[shown - 1], x, y, w);
                if (result_hook_fn)
                    result_hook_fn(result_hook_ud, side, shown - 1);
                return;
            }
            SDL_Rect row = {x, y, w, result_row_h(c)};
            viz_text_set_box(c->t, &row);
            /* the row's end is the result's room: the mark short, "↑ +2" */
            snprintf(mark, sizeof mark, "\xe2\x86\x91 +%d", first + hidden);
            mw = text_w(c, mark, VIZ_FACE_SANS, 20) + U(c, 8);
            text(c, mark, VIZ_FACE_SANS, 20, FAINT, x + w, y, VIZ_ALIGN_RIGHT);
            draw_result(c, vs, &vs->results[shown - 1], x, y, w - mw);
            if (result_hook_fn)
                result_hook_fn(result_hook_ud, side, shown - 1);
            return;
        }
        text(c, mark, VIZ_FACE_SANS, 20, FAINT, x, y, VIZ_ALIGN_LEFT);
        y += result_row_h(c);
    }
    SDL_Rect box;
    for (int i = first; i < shown; i++) {
        box = (SDL_Rect){x, y, w, result_row_h(c)};
        viz_text_set_box(c->t, &box);
        draw_result(c, vs, &vs->results[i], x, y, w);
        if (result_hook_fn)
            result_hook_fn(result_hook_ud, side, i);
        y += result_row_h(c);
    }
}

/* The vertical layout of a side column, the same for both sides so the
 * buffers line up with the wire's lanes. */
typedef struct {
    int hh, code_h, app_h, kern_h, bar_h, block_h, gap;
    int app_rows; /* result rows the application box has */
    bool has_file;
    bool bar_two_rows; /* a bar's figures on a row under its name (a narrow column) */
} side_layout;

/* The most code rows one side's statements take in any step of the
 * lesson, wrapped for a column col_w wide: the panel keeps room for them
 * through the lesson, so every step's code shows whole where it can. */
static int lesson_max_code_rows(const viz_ctx *c, const lesson_doc *doc, int col_w)
{
    /* Wrapping every statement of the lesson is the same work on every
     * frame of a lesson at one size: the last answer is kept per thread
     * (the window and render draw on one thread each). */
    static _Thread_local struct {
        const viz_text *t;
        const lesson_doc *doc;
        const lesson_step *steps;
        size_t nsteps;
        int col_w;
        double tu;
        int rows;
    } memo;
    if (doc && memo.doc == doc && memo.steps == doc->steps && memo.nsteps == doc->nsteps &&
        memo.t == c->t && memo.col_w == col_w && memo.tu == c->tu)
        return memo.rows;
    int best = 0;
    for (size_t k = 0; doc && k < doc->nsteps; k++) {
        const lesson_step *st = &doc->steps[k];
        int n[2] = {0, 0};
        for (size_t i = 0; i < st->nlines; i++) {
            const lesson_line *ln = &st->lines[i];
            if (ln->kind == LESSON_LINE_EXPECT)
                continue;
            viz_code vc;
            viz_code_of_line(&vc, ln);
            int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES], pr;
            int r = code_rows(c, &vc, col_w, CODE_SIZE, starts, lens, &pr);
            for (int side = 0; side < 2; side++)
                if (ln->kind == LESSON_LINE_WAIT || (int)ln->side == side)
                    n[side] += r > 0 ? r : 1;
        }
        for (int side = 0; side < 2; side++)
            if (n[side] > best)
                best = n[side];
    }
    if (doc) {
        memo.t = c->t;
        memo.doc = doc;
        memo.steps = doc->steps;
        memo.nsteps = doc->nsteps;
        memo.col_w = col_w;
        memo.tu = c->tu;
        memo.rows = best;
    }
    return best;
}

/* step_only: room for this step's code alone, not the lesson's longest
 * (a long narration takes the rest). */
static side_layout layout_sides(const viz_ctx *c, const viz_scene *s, int h, int col_w,
                                bool step_only)
{
    side_layout L;
    memset(&L, 0, sizeof L);
    /* (a statement takes one row at least: as many as the most statements
     * one side runs in a step, so the buffers and the wire stay where they
     * are from step to step) */
    int ncode = step_only ? 0 : lesson_max_code_rows(c, s->doc, col_w);
    for (int i = 0; i < 2; i++) {
        const viz_side *vs = &s->side[i];
        int n = code_total_rows(c, vs, col_w, CODE_SIZE);
        if (n > ncode)
            ncode = n;
        L.has_file = L.has_file || vs->after.has_file || vs->before.has_file;
    }
    L.hh = viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, 24));
    int lh15 = viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, 20));
    int lh17 = viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, 20));
    L.bar_h = U(c, 24);
    L.bar_two_rows = bar_two_rows(c, col_w);
    L.block_h = lh17 + U(c, 3) + L.bar_h + U(c, 4) + 2 * lh15 + U(c, 4) +
                (L.bar_two_rows ? lh15 : 0);
    L.kern_h = lh17 + U(c, 6) + 2 * L.block_h + U(c, 8);
    int row_h = result_row_h(c);
    /* (Python's buffer: a row of tiles as tall as a line of code, the
     * box's foot a little shorter for it) */
    int app_fixed = lh17 + U(c, 4) + U(c, 8) + (L.has_file ? viz_appbox_file_h(c) - U(c, 2) : 0);
    int code_lh = viz_text_line_height(c->t, VIZ_FACE_MONO, T(c, CODE_SIZE)) + U(c, 3);
    int avail = h - (L.hh + U(c, 10)) - app_fixed - L.kern_h - U(c, 16);
    /* Room first for two code rows, then for every row of the lesson's
     * longest step (up to 6), the results giving up rows for them down to
     * two (what does not fit pages, with a mark; results scroll). */
    int code_min = ncode < 2 ? 2 : ncode > CODE_MIN_ROWS ? CODE_MIN_ROWS : ncode;
    L.app_rows = APP_ROWS;
    while (L.app_rows > 1 && avail - L.app_rows * row_h < code_min * code_lh + U(c, 8))
        L.app_rows--;
    L.code_h = avail - L.app_rows * row_h;
    int rows = ncode < 3 ? 3 : ncode > 10 ? 10 : ncode;
    int code_want = rows * code_lh + U(c, 8);
    if (L.code_h > code_want) {
        /* Spare room: more result rows, taller bars, air between the
         * boxes; what is left goes to the code panel, never to a band. */
        int spare = L.code_h - code_want;
        while (L.app_rows < APP_ROWS_MAX && spare >= row_h) {
            L.app_rows++;
            spare -= row_h;
        }
        int grow = spare / 3 < U(c, 20) ? spare / 3 : U(c, 20);
        L.bar_h += grow;
        L.block_h += grow;
        L.kern_h += 2 * grow;
        spare -= 2 * grow;
        int air = spare / 2 < U(c, 12) ? spare / 2 : U(c, 12);
        spare -= 2 * air;
        L.code_h = code_want + (spare > 0 ? spare : 0);
    }
    /* The panel never has fewer rows than the lesson's longest step needs
     * (up to CODE_MIN_ROWS): the columns' need grows with it, and the
     * narration above the footer gives the room (it pages if it must). */
    L.app_h = app_fixed + L.app_rows * row_h;
    int floor_rows = code_min;
    if (L.code_h < floor_rows * code_lh + U(c, 8))
        L.code_h = floor_rows * code_lh + U(c, 8);
    /* Laying out for a height the narration left too short (zoomed, its
     * least is two lines): the panel gives the rows back, down to one,
     * and pages. */
    int over = L.hh + U(c, 10) + L.code_h + L.app_h + L.kern_h + 2 * U(c, 8) - h;
    if (h > 0 && over > 0)
        L.code_h = L.code_h - over > code_lh + U(c, 8) ? L.code_h - over : code_lh + U(c, 8);
    L.gap = h - (L.hh + U(c, 10)) - L.code_h - L.app_h - L.kern_h;
    L.gap = L.gap / 2 > U(c, 8) ? L.gap / 2 : U(c, 8);
    return L;
}

/* The columns' height at text unit tu, to shrink zoomed text that would
 * not fit (the narration and titles keep the full zoom). */
static int sides_need(const viz_ctx *c, const viz_scene *s, int col_w, bool step_only)
{
    side_layout L = layout_sides(c, s, 0, col_w, step_only);
    return L.hh + U(c, 10) + L.code_h + L.app_h + L.kern_h + 2 * U(c, 8);
}

static void draw_side(const viz_ctx *c, const viz_scene *s, const viz_frame *f, int side, int x, int y,
                      int w, const side_layout *L, column *col)
{
    const viz_side *vs = &s->side[side];
    const viz_sock *k = &vs->after;
    bool final = f->progress >= 1.0;
    int pad = U(c, 8);
    col->x = x;
    col->w = w;

    /* header: the socket's name and state, when there is room for them */
    int hh = L->hh;
    fill(c, x, y, w, hh + U(c, 6),
         side == 0 ? viz_theme_now()->head_client : viz_theme_now()->head_server);
    box(c, x, y, w, hh + U(c, 6));
    int title_w = text(c, viz_label(c->lang, side == 0 ? VIZ_L_CLIENT : VIZ_L_SERVER),
                       VIZ_FACE_BOLD, 24, TEXT, x + pad, y + U(c, 3), VIZ_ALIGN_LEFT);
    if (k->present) {
        char buf[96];
        const viz_sock *b = &vs->before;
        bool same = b->present && b->sock_id == k->sock_id && !final;
        const char *state = lesson_tcp_state_name(same ? b->state : k->state);
        snprintf(buf, sizeof buf, "%s  %s", k->name, state);
        if (text_w(c, buf, VIZ_FACE_MONO, 20) + title_w + 3 * pad > w)
            snprintf(buf, sizeof buf, "%s", state);
        if (text_w(c, buf, VIZ_FACE_MONO, 20) + title_w + 3 * pad <= w)
            text(c, buf, VIZ_FACE_MONO, 20, DIM, x + w - pad, y + U(c, 7), VIZ_ALIGN_RIGHT);
    }
    y += hh + U(c, 10);

    int lh17 = viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, 20));
    int bar_h = L->bar_h, block_h = L->block_h, kern_h = L->kern_h, app_h = L->app_h;
    int code_h = L->code_h, gap = L->gap;

    draw_code(c, vs, f, side, x, y, w, code_h);
    y += code_h + gap;

    /* application box */
    fill(c, x, y, w, app_h, PANEL);
    box(c, x, y, w, app_h);
    int app_title_w = text(c, viz_label(c->lang, VIZ_L_APP), VIZ_FACE_BOLD, 20, TEXT, x + pad,
                           y + U(c, 3), VIZ_ALIGN_LEFT);
    col->app_y = y + app_h / 2;
    int ay = y + lh17 + U(c, 4);
    int rows = L->app_rows, head_w = app_title_w;
    if (k->has_file || vs->before.has_file) {
        /* Python's own buffer: its bytes and fill, what it is on the
         * title line unless a waiting call's text needs it */
        bool call_waits = viz_appbox_pending_bytes(s, f, side) > 0;
        head_w = viz_appbox_draw_file(c, s, f, side, x + pad, ay, w - 2 * pad,
                                      call_waits ? -1 : y + U(c, 3), app_title_w);
        ay += viz_appbox_file_h(c) + U(c, 2);
        SDL_Rect rest = {x + pad, ay, w - 2 * pad, y + app_h - ay};
        viz_text_set_box(c->t, &rest); /* the rows below: not the tiles' */
    }
    /* the bytes a blocked call still holds for the kernel: the first row,
     * what they are on the title line */
    int label_w = viz_appbox_draw_pending(c, s, f, side, x + pad, ay, w - 2 * pad,
                                          result_row_h(c), y + U(c, 3), app_title_w);
    if (label_w > 0) {
        ay += result_row_h(c);
        rows--;
        head_w = w - 2 * pad; /* the title line is taken */
    }
    draw_results(c, s, side, f, x + pad, ay, w - 2 * pad, rows, y + U(c, 3), head_w);
    y += app_h + gap;

    /* kernel box */
    bool zero = f->zero_window[side];
    fill(c, x, y, w, kern_h, PANEL);
    box(c, x, y, w, kern_h);
    col->kern_y = y;
    col->kern_label_x1 = x + pad +
                         text(c, viz_label(c->lang, VIZ_L_KERNEL), VIZ_FACE_BOLD, 20, TEXT, x + pad,
                              y + U(c, 3), VIZ_ALIGN_LEFT);
    int by = y + lh17 + U(c, 6);
    col->bar_x = x + pad;
    col->bar_w = w - 2 * pad;
    if (!k->present || k->listening) {
        /* (wrapped in a narrow, zoomed column: never past its edge) */
        viz_text_draw_wrapped(c->t, viz_label(c->lang, k->present ? VIZ_L_LISTENING : VIZ_L_NO_SOCKET),
                              VIZ_FACE_SANS, T(c, 20), DIM, x + pad, by + U(c, 10), w - 2 * pad, 3);
        col->top_lane_y = by + lh17 + U(c, 3) + bar_h / 2 +
                          (L->bar_two_rows ? viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, 20)) : 0);
        col->bot_lane_y = col->top_lane_y + block_h;
        return;
    }
    /* A socket closed in this step reports no buffers: until the step's
     * end its buffers are the ones it had. */
    const viz_sock *b = &vs->before;
    bool same_sock = b->present && b->sock_id == k->sock_id;
    uint32_t sndbuf = k->sndbuf_bytes || final || !same_sock ? k->sndbuf_bytes : b->sndbuf_bytes;
    uint32_t rcvbuf = k->rcvbuf_bytes || final || !same_sock ? k->rcvbuf_bytes : b->rcvbuf_bytes;
    for (int blk = 0; blk < 2; blk++) {
        /* client: send on top; server: receive on top (lanes line up). */
        bool is_send = (side == 0) == (blk == 0);
        int yb = by + blk * block_h;
        box(c, x, y, w, kern_h);
        int bx = x + pad, bw = w - 2 * pad;
        int bar_y = yb + lh17 + U(c, 3) +
                    (L->bar_two_rows ? viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, 20)) : 0);
        if (blk == 0)
            col->top_lane_y = bar_y + bar_h / 2;
        else
            col->bot_lane_y = bar_y + bar_h / 2;
        fill(c, bx, bar_y, bw, bar_h, BAR_BG);
        /* Every bar the same way round: the usable part on the left, the
         * bytes filling it from the left edge, oldest first; the rest of
         * the buffer, the kernel's bookkeeping overhead, grey on the right
         * (the record says how much is usable: the model keeps half). */
        uint32_t cap = is_send ? sndbuf : rcvbuf; /* a closed socket has no buffer */
        uint32_t usable = is_send ? (k->sndbuf_usable_bytes ? k->sndbuf_usable_bytes
                                                            : b->sndbuf_usable_bytes)
                                  : (k->rcvbuf_usable_bytes ? k->rcvbuf_usable_bytes
                                                            : b->rcvbuf_usable_bytes);
        if (!cap || usable > cap)
            usable = cap;
        int usable_w = cap ? (int)lround((double)bw * usable / cap) : bw;
        if (cap && usable < cap)
            fill(c, bx + usable_w, bar_y, bw - usable_w, bar_h, OVERHEAD);
        double ppb = cap ? (double)bw / cap : 0;
        char fig[160] = "";
        uint32_t kernel_cap = 0; /* the kernel's size where it differs */
        bool kernel_shown = true;
        if (is_send) {
            uint32_t un = f->q[side][LESSON_Q_UNSENT].bytes, fl = f->q[side][LESSON_Q_IN_FLIGHT].bytes;
            kernel_cap = final && vs->real.present ? vs->real.sndbuf_bytes : 0;
            kernel_shown = bar_header(c, viz_label(c->lang, VIZ_L_SENDBUF), un + fl, usable,
                                      sndbuf, kernel_cap, bx, yb, bw, fig, sizeof fig,
                                      L->bar_two_rows);
            col->send_bar_x0 = bx;
            /* A few bytes: their characters, each in its write's colour
             * (viz_tiles.h); more: the proportional bar and a strip. */
            viz_tiles_part parts[2] = {
                {&f->q[side][LESSON_Q_IN_FLIGHT], &k->writes, side, true},
                {&f->q[side][LESSON_Q_UNSENT], &k->writes, side, false}};
            int end_x = bx + bw - U(c, 4);
            if (!kernel_shown) /* on the grey end, which bytes never fill */
                kernel_shown = (end_x = bar_kernel_figure_fit(c, kernel_cap, bx, bw, bx + usable_w,
                                                              un + fl, end_x, bar_y, bar_h)) <
                               bx + bw - U(c, 4);
            int lim_w = end_x - bx; /* what the bytes and their count may take */
            int split_x = -1;
            int tiles_w = viz_tiles_draw(c, parts, 2, false, bx, bar_y,
                                         lim_w - bar_fill_label_w(c, un + fl), bar_h, &split_x);
            int used = 0, used2 = 0;
            if (tiles_w < 0) {
                used = draw_runs(c, &f->q[side][LESSON_Q_IN_FLIGHT], side, bx, 1, bar_y, bar_h,
                                 ppb, bw, true);
                used2 = draw_runs(c, &f->q[side][LESSON_Q_UNSENT], side, bx + used, 1, bar_y,
                                  bar_h, ppb, bw - used, false);
            } else {
                used2 = tiles_w;
            }
            int free_x =
                bar_fill_label(c, un + fl, bx + used + used2, bar_y, bar_h, bx, lim_w, false);
            int wire_x = bx + bw - U(c, 4) - wire_end_room(c, side);
            if (wire_x < end_x)
                end_x = wire_x;
            if (tiles_w < 0 && un + fl > 0) {
                lesson_queue all = f->q[side][LESSON_Q_IN_FLIGHT];
                for (int i = 0; i < f->q[side][LESSON_Q_UNSENT].n; i++)
                    lesson_queue_push_at(&all, f->q[side][LESSON_Q_UNSENT].run[i].origin,
                                         f->q[side][LESSON_Q_UNSENT].run[i].offset_bytes,
                                         f->q[side][LESSON_Q_UNSENT].run[i].bytes);
                if (free_x > bx + used + used2)
                    viz_tiles_draw_strip(c, &all, &k->writes, free_x + U(c, 10), bar_y,
                                         end_x - free_x - U(c, 10), bar_h);
            }
            if (used > 0 && used2 > 0)
                fill(c, bx + used, bar_y - U(c, 3), U(c, 2), bar_h + U(c, 6), TEXT);
            if (split_x > bx) /* in flight | unsent, as between the runs */
                fill(c, split_x - 1, bar_y - U(c, 3), U(c, 2), bar_h + U(c, 6), TEXT);
            frame(c, bx, bar_y, bw, bar_h, U(c, 2), vs->after.blocked && final ? BAD : EDGE);
            compare_line(c, viz_label(c->lang, VIZ_L_UNSENT), un, fl, true, &vs->real,
                         vs->real.unsent_bytes, vs->real.in_flight_bytes, final, bx,
                         bar_y + bar_h + U(c, 4), bw);
        } else {
            uint32_t rq = f->q[side][LESSON_Q_RECV].bytes;
            kernel_cap = final && vs->real.present ? vs->real.rcvbuf_bytes : 0;
            kernel_shown = bar_header(c, viz_label(c->lang, VIZ_L_RECVBUF), rq, usable, rcvbuf,
                                      kernel_cap, bx, yb, bw, fig, sizeof fig, L->bar_two_rows);
            col->recv_bar_x0 = bx;
            /* A few bytes: one stream of characters, no border between
             * writes (the kernel keeps none); more: the bar and a strip.
             * The bytes are the other side's writes. */
            const lesson_write_log *wl = &s->side[!side].after.writes;
            int zw_room = zero ? text_w(c, viz_label(c->lang, VIZ_L_ZERO_WINDOW), VIZ_FACE_BOLD,
                                        20) + U(c, 16)
                               : 0;
            int end_x = bx + bw - U(c, 4) - zw_room;
            if (!kernel_shown) /* on the grey end, which bytes never fill */
                kernel_shown = (end_x = bar_kernel_figure_fit(c, kernel_cap, bx, bw, bx + usable_w,
                                                              rq, end_x, bar_y, bar_h)) <
                               bx + bw - U(c, 4) - zw_room;
            int lim_w = end_x - bx;
            viz_tiles_part part = {&f->q[side][LESSON_Q_RECV], wl, !side, false};
            int used = viz_tiles_draw(c, &part, 1, true, bx, bar_y,
                                      lim_w - bar_fill_label_w(c, rq), bar_h, NULL);
            bool tiles = used >= 0;
            if (!tiles)
                used = draw_runs(c, &f->q[side][LESSON_Q_RECV], side == 0 ? 1 : 0, bx, 1, bar_y,
                                 bar_h, ppb, bw, false);
            /* A full window's count ends before the ZERO WINDOW label. */
            int fill_end = zero && bx + used > bx + bw - zw_room ? bx + bw - zw_room : bx + used;
            int free_x = bar_fill_label(c, rq, fill_end, bar_y, bar_h, bx, zero ? bw : lim_w,
                                        zero && !tiles);
            int wire_x = bx + bw - U(c, 4) - zw_room - wire_end_room(c, side);
            if (wire_x < end_x)
                end_x = wire_x;
            if (!tiles && rq > 0 && free_x > bx + used)
                viz_tiles_draw_strip(c, &f->q[side][LESSON_Q_RECV], wl, free_x + U(c, 10), bar_y,
                                     end_x - free_x - U(c, 10), bar_h);
            frame(c, bx, bar_y, bw, bar_h, zero ? U(c, 4) : U(c, 2), zero ? BAD : EDGE);
            if (zero) {
                /* On the grey end of the bar, which the full usable part
                 * has reached. */
                const char *zw = viz_label(c->lang, VIZ_L_ZERO_WINDOW);
                int zw_w = text_w(c, zw, VIZ_FACE_BOLD, 20) + U(c, 12);
                int zh = viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, 20)) + U(c, 2);
                int zx = bx + bw - zw_w; /* flush with the red frame: no sliver of grey after it */
                fill(c, zx, bar_y + (bar_h - zh) / 2, zw_w, zh, BAD_FILL);
                box(c, zx, bar_y + (bar_h - zh) / 2, zw_w, zh);
                text(c, zw, VIZ_FACE_BOLD, 20, DARK, zx + zw_w / 2,
                     bar_y + (bar_h - zh) / 2 + U(c, 1), VIZ_ALIGN_CENTER);
            }
            box(c, x, y, w, kern_h);
            compare_line(c, viz_label(c->lang, VIZ_L_RECEIVED), rq, 0, false, &vs->real,
                         vs->real.recv_queue_bytes, 0, final, bx, bar_y + bar_h + U(c, 4), bw);
        }
        if (c->ui && c->ui->spot) {
            int lh20 = viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, 20));
            /* the figures above the bar, the bar, the model's and the kernel's lines */
            int top = yb - U(c, 4), bottom = bar_y + bar_h + U(c, 8) + 2 * lh20;
            SDL_Rect spot = {bx - U(c, 8), top, bw + U(c, 16), bottom - top};
            (void)hook_view(&spot); /* on a zoomed page: where the page shows it */
            c->ui->spot->rect[side * 2 + !is_send] = spot;
        }
        SDL_Rect bar_r = {bx, bar_y, bw, bar_h};
        if (bar_hook_fn && hook_view(&bar_r)) {
            int bdy = bar_r.y - bar_y;
            bar_y += bdy;
            viz_bar_drawn d = {.side = side, .send = is_send, .capacity_bytes = cap,
                               .usable_bytes = usable, .fill_x0 = bx};
            d.bar = (SDL_Rect){bx, bar_y, bw, bar_h};
            d.usable = (SDL_Rect){bx, bar_y, usable_w, bar_h};
            d.overhead = (SDL_Rect){bx + usable_w, bar_y, cap ? bw - usable_w : 0, bar_h};
            d.held_bytes = is_send ? f->q[side][LESSON_Q_UNSENT].bytes +
                                         f->q[side][LESSON_Q_IN_FLIGHT].bytes
                                   : f->q[side][LESSON_Q_RECV].bytes;
            d.kernel_capacity_bytes = kernel_cap != cap ? kernel_cap : 0;
            d.kernel_shown = kernel_shown;
            snprintf(d.header, sizeof d.header, "%s", fig);
            bar_hook_fn(bar_hook_ud, &d);
        }
    }
}

/* ---- the wire -------------------------------------------------------- */

/* A chip on the wire (a segment, an ACK) is as tall as its text; ACKs
 * travel in a row just below their lane's data. */
static int chip_h(const viz_ctx *c)
{
    return viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, 20)) + U(c, 2);
}

static int ack_row_dy(const viz_ctx *c)
{
    return chip_h(c) + U(c, 2);
}

/* An item's chip name: "SYN-ACK" for the answer to a SYN (viz_anim.h). */
static const char *kind_name(const viz_wire_item *it)
{
    if (it->chip)
        return it->chip;
    const char *chip = lesson_event_chip(it->kind);
    return chip ? chip : "ACK";
}

/* A legend's words from x to x1, wrapped onto up to three lines at text
 * size `size`; returns their height (INT_MAX / 4: more lines, or, when
 * whole, a Latin word cut). Draws nothing when !draw. */
static int legend_text(const viz_ctx *c, const char *s, int x, int y, int x1, double size,
                       bool draw, bool whole)
{
    int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES];
    if (!draw) {
        int n = viz_text_wrap(c->t, s, VIZ_FACE_SANS, T(c, size), x1 - x, starts, lens,
                              VIZ_WRAP_MAX_LINES);
        if (n > 3 || (whole && viz_wrap_cuts_word(s, (int)strlen(s), starts, lens, n)))
            return INT_MAX / 4; /* it would be cut: this size does not fit */
        /* (in the pitch it is drawn in: a Japanese font's lines are taller) */
        return viz_text_wrapped_height(c->t, s, VIZ_FACE_SANS, T(c, size), x1 - x, 3);
    }
    return viz_text_draw_wrapped(c->t, s, VIZ_FACE_SANS, T(c, size), DIM, x, y, x1 - x, 3);
}

/* The wire's title and what the colours and stripes mean, from y down to
 * y + room at most: the words wrap, and shrink when even wrapped they
 * would not fit. The swatch stands on its own row above the words in a
 * narrow wire. With items false, the title and a line saying where the
 * colours are explained (the help list), for a wire too narrow for them. */
static int legend_pass(const viz_ctx *c, int x0, int span, int y, double size, bool draw,
                       bool items, bool whole, const int *cut_y)
{
    int y_start = y, cx = x0 + span / 2;
    /* W switches the wire between the model's events and the kernel's
     * segments; the title always says whose they are. */
    bool kernel = c->ui && c->ui->kernel_wire;
    const char *lab = viz_label(c->lang, !kernel                         ? VIZ_L_WIRE
                                         : c->ui->kernel_wire_none ? VIZ_L_WIRE_KERNEL_NONE
                                                                   : VIZ_L_WIRE_KERNEL);
    int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES];
    /* the title wraps onto two lines with its words whole ("ワイヤ" /
     * "(モデル)"), and shrinks where they would not be: never cut */
    double tsize = size * 22 / 20;
    int n, tl = (int)strlen(lab);
    for (;;) {
        n = viz_text_wrap(c->t, lab, VIZ_FACE_BOLD, T(c, tsize), span - U(c, 8), starts, lens,
                          VIZ_WRAP_MAX_LINES);
        if (tsize <= 8 || (n <= 2 && !viz_wrap_cuts_word(lab, tl, starts, lens, n)))
            break;
        tsize -= 0.5;
    }
    int tlh = viz_text_para_line_height(c->t, VIZ_FACE_BOLD, T(c, tsize));
    if (draw)
        for (int i = 0; i < n; i++) {
            char row[VIZ_TEXT_LEN];
            int l = lens[i] < (int)sizeof row - 1 ? lens[i] : (int)sizeof row - 1;
            memcpy(row, lab + starts[i], (size_t)l);
            row[l] = 0;
            text(c, row, VIZ_FACE_BOLD, tsize, DIM, cx, y + i * tlh, VIZ_ALIGN_CENTER);
        }
    y += n * tlh + U(c, 10);
    if (!items) {
        int th = legend_text(c, viz_label(c->lang, VIZ_L_LEGEND_HINT), x0 + U(c, 8), y,
                             x0 + span - U(c, 4), size, draw, whole);
        return y + th - y_start;
    }
    int sw = U(c, 18), lh = viz_text_line_height(c->t, VIZ_FACE_JA, T(c, size)) + U(c, 6);
    int lx = x0 + U(c, 12), x1 = x0 + span - U(c, 4);
    /* four swatches side by side stay inside the wire (a zoomed, narrow
     * wire: smaller swatches) */
    if (4 * sw + 3 * U(c, 2) > x1 - lx)
        sw = (x1 - lx - 3 * U(c, 2)) / 4 > 4 ? (x1 - lx - 3 * U(c, 2)) / 4 : 4;
    int tx = lx + 4 * (sw + U(c, 2)) + U(c, 8);
    bool own_row = x1 - tx < span / 2; /* swatch above the words */
    viz_label_id ids[3] = {VIZ_L_LEGEND_WRITES, VIZ_L_LEGEND_STRIPES, VIZ_L_LEGEND_OVERHEAD};
    for (int it = 0; it < 3; it++) {
        /* An item that would straddle cut_y starts below it instead. */
        int th = legend_text(c, viz_label(c->lang, ids[it]), own_row ? lx : tx, y, x1, size, false,
                             whole);
        int ink = own_row ? sw + U(c, 6) + th : (th > sw + U(c, 2) ? th : sw + U(c, 2));
        for (int k = 0; cut_y[k] != INT_MAX; k++)
            if (y < cut_y[k] && y + ink > cut_y[k])
                y = cut_y[k] + U(c, 6);
        if (draw)
            viz_paint_legend_swatch(c, it, lx, y + U(c, 2), sw);
        if (own_row)
            y += sw + U(c, 6);
        legend_text(c, viz_label(c->lang, ids[it]), own_row ? lx : tx, y, x1, size, draw, whole);
        y += (th + U(c, 6) > lh ? th + U(c, 6) : lh);
    }
    return y - y_start;
}

/* The legend at the largest size that fits with its words whole, down to
 * the unzoomed size (20 px at 1280x720); where even that does not fit (a
 * zoomed, narrow wire), the title and where the colours are explained
 * (the help list), its words whole ("colours:", not "colou|rs:"), then,
 * as a last resort, cut; at worst nothing rather than words over the
 * lanes. No item straddles a line of cut_y (rising, ending with INT_MAX). */
static void draw_legend(const viz_ctx *c, int x0, int span, int y, int room, const int *cut_y)
{
    double min = c->ui && c->ui->zoom > 1 ? 20 / c->ui->zoom : 20;
    static const struct {
        bool items, whole;
    } tries[] = {{true, true}, {false, true}, {false, false}};
    for (size_t k = 0; k < sizeof tries / sizeof tries[0]; k++) {
        bool items = tries[k].items, whole = tries[k].whole;
        double size = 20;
        while (size > min && legend_pass(c, x0, span, y, size, false, items, whole, cut_y) > room)
            size -= 1;
        if (legend_pass(c, x0, span, y, size, false, items, whole, cut_y) <= room) {
            legend_pass(c, x0, span, y, size, true, items, whole, cut_y);
            return;
        }
    }
}

/* Segments on the wire that would overlap are drawn as one chunk; a
 * SYN, FIN, RST or probe among them joins the chunk ("3× 4,380 B + FIN")
 * rather than printing over it. */
typedef struct {
    int x0, x1;      /* pixel extent */
    uint32_t count;  /* segments */
    uint32_t bytes;  /* their payload */
    int side;        /* sender */
    uint32_t origin; /* the first one's write */
    const char *ctl; /* the control segment riding with them, or NULL */
    SDL_Color ctl_k; /* its colour (a chunk of control segments only wears it) */
    uint64_t seq;    /* the first one's stream offset */
    const lesson_write_log *log; /* the sender's writes: a lone segment's bytes */
    int lim0, lim1;  /* the wire's span: a chip widened for its bytes stays in it */
} seg_group;

/* A train's words: "12× 17,520 B + FIN", "1176", "SYN-ACK". */
static void group_label(const viz_ctx *c, const seg_group *g, char *buf, size_t len)
{
    char b[24];
    if (g->count > 1) {
        viz_fmt_bytes(b, sizeof b, g->bytes);
        snprintf(buf, len, "%u× %s", g->count, b);
    } else if (g->count == 1) {
        /* a lone segment: its first bytes too, as Python shows them */
        char t[48];
        snprintf(buf, len, "%u", g->bytes);
        if (g->log && !g->ctl && viz_tiles_seq_text(g->log, g->seq, g->bytes, 6, t, sizeof t)) {
            char wide[64];
            snprintf(wide, sizeof wide, "%u b'%s'", g->bytes, t);
            int ww = text_w(c, wide, VIZ_FACE_BOLD, 20) + U(c, 10), gw = g->x1 - g->x0;
            int wx = ww > gw ? g->x0 - (ww - gw) / 2 : g->x0;
            if (wx >= g->lim0 && wx + (ww > gw ? ww : gw) <= g->lim1) /* as room allows */
                snprintf(buf, len, "%s", wide);
        }
    } else {
        buf[0] = 0;
    }
    if (g->ctl) {
        size_t l = strlen(buf);
        snprintf(buf + l, len - l, "%s%s", l ? " + " : "", g->ctl);
    }
}

/* Its extent as drawn (*x, *w) and its words' size (*size): wider than
 * its segments when its words are, but never wider than the wire (a
 * zoomed, narrow wire: the words shrink to fit) nor out of it (the chip
 * slides back in), so it never covers a column's labels. */
static void group_extent(const viz_ctx *c, const seg_group *g, char *buf, size_t len, int *x,
                         int *w, double *size)
{
    int room = g->lim1 - g->lim0;
    *size = fit_size(c, buf, VIZ_FACE_BOLD, 20, room - U(c, 10), 12);
    if (room > 0 && text_w(c, buf, VIZ_FACE_BOLD, *size) > room - U(c, 10) && g->count > 1) {
        /* still too wide: the count alone ("3× + FIN"); the bars show the bytes */
        snprintf(buf, len, "%u\xc3\x97%s%s", g->count, g->ctl ? " + " : "", g->ctl ? g->ctl : "");
    }
    *size = fit_size(c, buf, VIZ_FACE_BOLD, 20, room - U(c, 10), 8);
    int gw = g->x1 - g->x0, tw = text_w(c, buf, VIZ_FACE_BOLD, *size) + U(c, 10);
    *x = g->x0;
    *w = gw;
    if (tw > gw) {
        *x -= (tw - gw) / 2;
        *w = tw;
    }
    if (room > 0 && *w > room)
        *w = room;
    if (room > 0 && *x + *w > g->lim1)
        *x = g->lim1 - *w;
    if (room > 0 && *x < g->lim0)
        *x = g->lim0;
}

static int group_x0(const viz_ctx *c, const seg_group *g)
{
    char buf[64];
    int x, w;
    double size;
    group_label(c, g, buf, sizeof buf);
    group_extent(c, g, buf, sizeof buf, &x, &w, &size);
    return x;
}

static int group_x1(const viz_ctx *c, const seg_group *g)
{
    char buf[64];
    int x, w;
    double size;
    group_label(c, g, buf, sizeof buf);
    group_extent(c, g, buf, sizeof buf, &x, &w, &size);
    return x + w;
}

static void flush_group(const viz_ctx *c, seg_group *g, int y, int seg_h)
{
    if (g->count == 0 && !g->ctl)
        return;
    char buf[64];
    int x, w;
    double size;
    group_label(c, g, buf, sizeof buf);
    group_extent(c, g, buf, sizeof buf, &x, &w, &size);
    SDL_Color k = g->count ? viz_palette(viz_origin_colour(g->side, g->origin)) : g->ctl_k;
    fill(c, x, y - seg_h / 2, w, seg_h, k);
    frame(c, x, y - seg_h / 2, w, seg_h, 1, DARK);
    box(c, x, y - seg_h / 2, w, seg_h);
    int dy = (viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, 20)) -
              viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, size))) /
             2;
    text(c, buf, VIZ_FACE_BOLD, size, DARK, x + w / 2, y - seg_h / 2 + U(c, 1) + dy,
         VIZ_ALIGN_CENTER);
    g->count = 0;
    g->ctl = NULL;
}

/* The ZERO WINDOW banner's height in a wire span wide: its title, and
 * its note on one line or two. */
/* The ZERO WINDOW banner's title in a wire span wide: a little smaller,
 * then on two lines ("ZERO" / "WINDOW") in a narrow, zoomed wire, never
 * cut. Returns its line count; *size its text size, *lh its pitch. */
static int zero_title(const viz_ctx *c, int span, double *size, int *lh, int *starts, int *lens)
{
    const char *zl = viz_label(c->lang, VIZ_L_ZERO_WINDOW);
    *size = fit_size(c, zl, VIZ_FACE_BOLD, 21, span - U(c, 16), 15);
    *lh = viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, *size));
    return viz_text_wrap(c->t, zl, VIZ_FACE_BOLD, T(c, *size), span - U(c, 16), starts, lens, 2);
}

/* The ZERO WINDOW banner's height in a wire span wide: its title, and
 * its note on up to three lines. */
static int zero_banner_h(const viz_ctx *c, int span)
{
    int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES], tlh;
    double ts;
    int nt = zero_title(c, span, &ts, &tlh, starts, lens);
    const char *note = viz_label(c->lang, VIZ_L_ZERO_WINDOW_NOTE);
    double zs = fit_size(c, note, VIZ_FACE_SANS, 20, span - U(c, 16), 15);
    int n = viz_text_wrap(c->t, note, VIZ_FACE_SANS, T(c, zs), span - U(c, 16), starts, lens, 3);
    return nt * tlh + n * viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, zs)) + U(c, 4);
}

static void draw_wire(const viz_ctx *c, const viz_scene *s, const viz_frame *f, int x0, int x1,
                      const column *cl, const column *sv, int wire_top, const int *legend_cut)
{
    (void)s;
    int lanes[2] = {cl->top_lane_y, cl->bot_lane_y};
    int span = x1 - x0;
    if (span < U(c, 40))
        return;
    box(c, x0, wire_top, span, c->h - wire_top);
    /* the lanes */
    for (int l = 0; l < 2; l++) {
        int y = lanes[l];
        fill(c, x0, y - U(c, 1), span, U(c, 3) > 0 ? U(c, 3) : 1, EDGE);
        int ay = y + ack_row_dy(c);
        fill(c, x0, ay, span, 1, viz_theme_now()->ack_line);
        /* The ZERO WINDOW banner takes the stalled lane's label place. */
        if (f->zero_window[!l])
            continue;
        char dirl[128];
        snprintf(dirl, sizeof dirl, "%s", viz_label(c->lang, l == 0 ? VIZ_L_LANE_C2S : VIZ_L_LANE_S2C));
        /* a narrow wire: smaller words, then the arrow alone */
        double ds = fit_size(c, dirl, VIZ_FACE_SANS, 20, span - U(c, 8), 14);
        if (text_w(c, dirl, VIZ_FACE_SANS, ds) > span - U(c, 8)) {
            snprintf(dirl, sizeof dirl, "%s", l == 0 ? "\xe2\x86\x92" : "\xe2\x86\x90");
            ds = 20;
        }
        viz_paint_fit(c, dirl, VIZ_FACE_SANS, ds, span - U(c, 8));
        text(c, dirl, VIZ_FACE_SANS, ds, FAINT, x0 + span / 2,
             y - chip_h(c) / 2 - U(c, 1) - viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, ds)),
             VIZ_ALIGN_CENTER);
    }
    /* the legend ends above the top lane's label, or its ZERO WINDOW banner */
    int above = chip_h(c) / 2 + U(c, 4) + viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, 20));
    if (f->zero_window[1])
        above = chip_h(c) / 2 + U(c, 6) + zero_banner_h(c, span);
    draw_legend(c, x0, span, wire_top, lanes[0] - above - wire_top, legend_cut);
    /* joins from the buffers to the lanes */
    fill(c, cl->x + cl->w, lanes[0] - U(c, 1), x0 - (cl->x + cl->w), U(c, 3), EDGE);
    fill(c, cl->x + cl->w, lanes[1] - U(c, 1), x0 - (cl->x + cl->w), U(c, 3), EDGE);
    fill(c, x1, lanes[0] - U(c, 1), sv->x - x1, U(c, 3), EDGE);
    fill(c, x1, lanes[1] - U(c, 1), sv->x - x1, U(c, 3), EDGE);

    int seg_h = chip_h(c), seg_w = U(c, 58);
    enum { MAX_GROUPS = 32 };
    seg_group groups[2][MAX_GROUPS];
    int ngroups[2] = {0, 0};
    int shown_n[4] = {0}, shown_x0[4] = {0}, shown_x1[4] = {0}; /* last label per lane row */
    for (int i = 0; i < f->nwire; i++) {
        const viz_wire_item *it = &f->wire[i];
        bool data = it->kind == LESSON_EV_SEGMENT || it->kind == LESSON_EV_SYN ||
                    it->kind == LESSON_EV_FIN || it->kind == LESSON_EV_RST || it->kind == LESSON_EV_PROBE;
        /* Everything travels in its sender's lane, under that lane's
         * direction label: data on the lane, ACKs in the row below it. */
        int lane = viz_wire_lane(it);
        bool rightward = it->from_side == 0;
        int y = lanes[lane];
        float fr = it->frac;
        if (data) {
            /* A segment, or a control segment travelling with the data:
             * both join the train they overlap. */
            bool seg = it->kind == LESSON_EV_SEGMENT;
            const char *ctl = seg ? NULL : kind_name(it);
            int iw = seg ? seg_w : text_w(c, ctl, VIZ_FACE_BOLD, 20) + U(c, 12);
            int x = rightward ? x0 + (int)(fr * (span - iw)) : x1 - iw - (int)(fr * (span - iw));
            /* It joins any train it overlaps ("12× 17,520"); a train
             * carries one control segment's name. */
            seg_group *g = NULL;
            for (int k = 0; k < ngroups[lane] && !g; k++) {
                seg_group *o = &groups[lane][k];
                if (x < o->x1 + U(c, 2) && x + iw > o->x0 - U(c, 2))
                    g = o;
            }
            if (!g && ngroups[lane] < MAX_GROUPS) {
                g = &groups[lane][ngroups[lane]++];
                *g = (seg_group){x, x + iw, 0, 0, it->from_side, it->origin, NULL,
                                 it->kind == LESSON_EV_RST ? BAD
                                 : it->kind == LESSON_EV_PROBE ? TEXT : WARN,
                                 /* the kernel's wire: its bytes are not known */
                                 it->seq,
                                 c->ui && c->ui->kernel_wire ? NULL
                                                             : &s->side[it->from_side].after.writes,
                                 x0, x1};
            }
            if (!g)
                continue;
            if (x < g->x0)
                g->x0 = x;
            if (x + iw > g->x1)
                g->x1 = x + iw;
            if (seg) {
                if (!g->count) {
                    g->origin = it->origin;
                    g->seq = it->seq;
                }
                g->count += it->count;
                g->bytes += it->bytes;
            } else if (!g->ctl) {
                g->ctl = ctl;
                g->ctl_k = it->kind == LESSON_EV_RST ? BAD : it->kind == LESSON_EV_PROBE ? TEXT : WARN;
            }
        } else {
            char buf[48], b[24];
            if (it->window >= 10000)
                snprintf(b, sizeof b, "%uK", it->window / 1024);
            else
                snprintf(b, sizeof b, "%u", it->window);
            /* "ACK win 2636"; a window update is named once, by what it
             * does ("win update 4096"), not "WIN win 4096" */
            if (it->kind == LESSON_EV_WINDOW)
                snprintf(buf, sizeof buf, "%s %s", c->lang == VIZ_LANG_JA ? "窓の更新" : "win update",
                         b);
            else
                snprintf(buf, sizeof buf, "%s %s %s", kind_name(it),
                         viz_label(c->lang, VIZ_L_WINDOW), b);
            int ah = chip_h(c);
            double as = 20;
            int w = text_w(c, buf, VIZ_FACE_BOLD, as) + U(c, 12);
            if (w > span) { /* a narrow wire: "ACK 63K" */
                snprintf(buf, sizeof buf, "%s %s", kind_name(it), b);
                w = text_w(c, buf, VIZ_FACE_BOLD, as) + U(c, 12);
            }
            if (w > span) { /* narrower still (zoomed): smaller words, inside the wire */
                as = fit_size(c, buf, VIZ_FACE_BOLD, 20, span - U(c, 12), 8);
                w = text_w(c, buf, VIZ_FACE_BOLD, as) + U(c, 12);
                if (w > span)
                    w = span;
            }
            int ay = y + ack_row_dy(c) - ah / 2;
            int x = rightward ? x0 + (int)(fr * (span - w)) : x1 - w - (int)(fr * (span - w));
            SDL_Color bg = it->kind == LESSON_EV_WINDOW ? GOOD_FILL : ACK_FILL;
            if (it->window == 0)
                bg = BAD_FILL;
            /* ACKs close together would print over each other: the one
             * ahead is shown; one that matters more (a window update, a
             * zero window) takes the row below instead. */
            bool plain = bg.r == ACK_FILL.r && bg.g == ACK_FILL.g && bg.b == ACK_FILL.b;
            int row = 0;
            while (row < 2 && shown_n[lane * 2 + row] && x < shown_x1[lane * 2 + row] + U(c, 2) &&
                   x + w > shown_x0[lane * 2 + row] - U(c, 2))
                row++;
            if (row == 2 || (plain && row > 0))
                continue;
            int slot = lane * 2 + row;
            ay += row * ack_row_dy(c);
            shown_n[slot] = 1;
            shown_x0[slot] = x;
            shown_x1[slot] = x + w;
            fill(c, x, ay, w, ah, bg);
            box(c, x, ay, w, ah);
            int ady = (viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, 20)) -
                       viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, as))) /
                      2;
            text(c, buf, VIZ_FACE_BOLD, as, DARK, x + w / 2, ay + U(c, 1) + ady, VIZ_ALIGN_CENTER);
        }
    }
    /* Trains that grew into each other become one, then each is drawn. */
    for (int l = 0; l < 2; l++) {
        for (int k = 0; k < ngroups[l]; k++)
            for (int j = k + 1; j < ngroups[l]; j++) {
                seg_group *a = &groups[l][k], *b = &groups[l][j];
                if (!(group_x1(c, b) > group_x0(c, a) - U(c, 2) &&
                      group_x0(c, b) < group_x1(c, a) + U(c, 2)))
                    continue;
                a->x0 = a->x0 < b->x0 ? a->x0 : b->x0;
                a->x1 = a->x1 > b->x1 ? a->x1 : b->x1;
                if (b->count && !a->count)
                    a->origin = b->origin;
                a->count += b->count;
                a->bytes += b->bytes;
                if (!a->ctl) {
                    a->ctl = b->ctl;
                    a->ctl_k = b->ctl_k;
                }
                groups[l][j] = groups[l][--ngroups[l]];
                j = k; /* a grew: look at the others again */
            }
        for (int k = 0; k < ngroups[l]; k++)
            flush_group(c, &groups[l][k], lanes[l], seg_h);
    }
    /* A zero window is unmistakable: a banner across the stalled lane. */
    for (int rx = 0; rx < 2; rx++) {
        if (!f->zero_window[rx])
            continue;
        int lane = !rx; /* the sender's lane */
        int zstarts[VIZ_WRAP_MAX_LINES], zlens[VIZ_WRAP_MAX_LINES];
        int bh = zero_banner_h(c, span);
        int y = lanes[lane] - chip_h(c) / 2 - U(c, 2) - bh;
        fill(c, x0 + U(c, 4), y, span - U(c, 8), bh, BAD_FILL);
        box(c, x0 + U(c, 4), y, span - U(c, 8), bh);
        char zl[128];
        double zs;
        int tlh;
        const char *title = viz_label(c->lang, VIZ_L_ZERO_WINDOW);
        int nt = zero_title(c, span, &zs, &tlh, zstarts, zlens);
        for (int i = 0; i < nt; i++) {
            int l = zlens[i] < (int)sizeof zl - 1 ? zlens[i] : (int)sizeof zl - 1;
            memcpy(zl, title + zstarts[i], (size_t)l);
            zl[l] = 0;
            text(c, zl, VIZ_FACE_BOLD, zs, DARK, x0 + span / 2, y + U(c, 2) + i * tlh,
                 VIZ_ALIGN_CENTER);
        }
        int l1 = nt * tlh;
        /* the note shrinks a little, then wraps onto a second line */
        const char *note = viz_label(c->lang, VIZ_L_ZERO_WINDOW_NOTE);
        zs = fit_size(c, note, VIZ_FACE_SANS, 20, span - U(c, 16), 15);
        int n = viz_text_wrap(c->t, note, VIZ_FACE_SANS, T(c, zs), span - U(c, 16), zstarts, zlens, 3);
        int nlh = viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, zs));
        for (int i = 0; i < n; i++) {
            int l = zlens[i] < (int)sizeof zl - 1 ? zlens[i] : (int)sizeof zl - 1;
            memcpy(zl, note + zstarts[i], (size_t)l);
            zl[l] = 0;
            text(c, zl, VIZ_FACE_SANS, zs, DARK, x0 + span / 2, y + U(c, 2) + l1 + i * nlh,
                 VIZ_ALIGN_CENTER);
        }
    }
}

static viz_badge_hook badge_hook_fn;
static void *badge_hook_ud;

void viz_draw_set_badge_hook(viz_badge_hook fn, void *ud)
{
    badge_hook_fn = fn;
    badge_hook_ud = ud;
}

/* Bytes passing between an application and its kernel ride in the
 * kernel box's title row, the seam between the two boxes, so they never
 * cross a result row or a buffer's figures: "↓ 12,288 B to the kernel"
 * written (sliding from the title towards the wire), "↑ 3 B read"
 * (sliding back). A side's writes in flight together are one badge
 * counting them all, and so are its reads: two badges alike side by side
 * would read as the same bytes drawn twice, and a bare count does not say
 * which way or what it is. Where the words do not fit, no badge: the bars
 * show the bytes. */
static void draw_flying(const viz_ctx *c, const viz_frame *f, const column *cols)
{
    int right[2] = {cols[0].x + cols[0].w - U(c, 6), cols[1].x + cols[1].w - U(c, 6)};
    int left[2] = {cols[0].kern_label_x1 + U(c, 10), cols[1].kern_label_x1 + U(c, 10)};
    bool ja = c->lang == VIZ_LANG_JA;
    /* one badge per side and way: [side][to_kernel] */
    uint64_t bytes[2][2] = {{0, 0}, {0, 0}};
    int lead[2][2] = {{-1, -1}, {-1, -1}}; /* the chip that places it (the furthest along) */
    for (int i = 0; i < f->nflying; i++) {
        const viz_flying *fl = &f->flying[i];
        if (fl->side < 0 || fl->side > 1)
            continue;
        int w = fl->to_kernel ? 1 : 0;
        bytes[fl->side][w] += fl->bytes;
        if (lead[fl->side][w] < 0 || fl->frac > f->flying[lead[fl->side][w]].frac)
            lead[fl->side][w] = i;
    }
    for (int side = 0; side < 2; side++)
        for (int w = 1; w >= 0; w--) { /* writes first, as the row has them */
            if (lead[side][w] < 0)
                continue;
            const viz_flying *fl = &f->flying[lead[side][w]];
            const column *col = &cols[side];
            double t = fl->frac;
            t = t * t * (3 - 2 * t); /* ease in and out */
            char b[24], buf[64];
            viz_fmt_bytes(b, sizeof b, bytes[side][w] > UINT32_MAX ? UINT32_MAX
                                                                   : bytes[side][w]);
            if (w)
                snprintf(buf, sizeof buf, ja ? "\xe2\x86\x93 %s カーネルへ" : "\xe2\x86\x93 %s to the kernel", b);
            else
                snprintf(buf, sizeof buf, ja ? "\xe2\x86\x91 %s 読み出し" : "\xe2\x86\x91 %s read", b);
            int bw = text_w(c, buf, VIZ_FACE_BOLD, 20) + U(c, 14);
            int h = chip_h(c);
            int room = right[side] - left[side] - bw;
            if (room < 0)
                continue; /* no room left in the row: the bars show the bytes */
            int slide = (int)(room * (w ? t : 1 - t));
            int x = left[side] + slide;
            int y = col->kern_y + U(c, 2);
            SDL_Color k = viz_palette(viz_origin_colour(side, fl->origin));
            fill(c, x, y, bw, h, k);
            frame(c, x, y, bw, h, 1, DARK);
            box(c, x, y, bw, h);
            text(c, buf, VIZ_FACE_BOLD, 20, DARK, x + bw / 2, y + U(c, 1), VIZ_ALIGN_CENTER);
            left[side] = x + bw + U(c, 4);
            if (badge_hook_fn) {
                viz_badge_drawn d = {.side = side, .to_kernel = w != 0,
                                     .bytes = bytes[side][w] > UINT32_MAX ? UINT32_MAX
                                                                          : (uint32_t)bytes[side][w]};
                snprintf(d.text, sizeof d.text, "%s", buf);
                badge_hook_fn(badge_hook_ud, &d);
            }
        }
}

/* ---- the whole scene ------------------------------------------------- */

static const char *step_title(const lesson_doc *doc, int step, viz_lang lang)
{
    if (!doc || step < 0 || (size_t)step >= doc->nsteps)
        return "";
    const lesson_step *st = &doc->steps[step];
    if (lang == VIZ_LANG_JA && st->title_ja)
        return st->title_ja;
    return st->title ? st->title : "";
}

/* The narration of a step in a language (English when it has no
 * Japanese); returns the paragraph count. */
static size_t step_say(const lesson_doc *doc, int step, viz_lang lang, char ***say)
{
    *say = NULL;
    if (!doc || step < 0 || (size_t)step >= doc->nsteps)
        return 0;
    const lesson_step *st = &doc->steps[step];
    if (lang == VIZ_LANG_JA && st->nsay_ja > 0) {
        *say = st->say_ja;
        return st->nsay_ja;
    }
    *say = st->say;
    return st->nsay;
}

/* The narration's width and a side column's width: the scene and the
 * prefetch share them. */
static int narration_w(const viz_ctx *c)
{
    return c->w - 2 * U(c, 14) - U(c, 24);
}

/* ---- the narration's pages ------------------------------------------- */

/* The narration is never cut: its box grows with it, down to the
 * columns' smallest height; what still does not fit is cut into pages as
 * tall as the box, as many as it takes, with a mark at the bottom right
 * of each ("▼ more: ↓  1/2"), which the window pages with Down / Up and
 * `render` draws one picture each. A paragraph is wrapped whole however
 * long it is (VIZ_WRAP_MAX_LINES lines at a time, each run going on
 * where the one before stopped), and every paragraph of the step is
 * shown. Pages start at a paragraph where that costs no extra page.
 * Heights are in pixels: each paragraph keeps its own line pitch (a
 * paragraph with Japanese the Japanese font's). */

/* One wrapped line: bytes [start, start + len) of paragraph para. */
typedef struct {
    int para;
    int start, len;
} nar_row;

typedef struct {
    int npara;     /* paragraphs */
    int *plines;   /* of the lines, each paragraph's */
    int *pitch;    /* each paragraph's line pitch, pixels */
    nar_row *line; /* every line, in order */
    int nlines;    /* wrapped lines of every paragraph */
    int cap_para;  /* plines' and pitch's size */
    int cap_lines; /* line's size */
    int total_px;  /* the height of every line together */
    int height_px; /* the box's text height (a page) */
    int mark_h;    /* the mark's line height */
    int pages;     /* 1: it fits whole */
    int *start;    /* first line of each page; start[pages] = nlines (nlines + 1 of them) */
} nar_pages;

static void nar_pages_free(nar_pages *n)
{
    free(n->plines);
    free(n->pitch);
    free(n->line);
    free(n->start);
    memset(n, 0, sizeof *n);
}

/* Makes room for npara paragraphs and nlines lines (and their page
 * starts). Returns false out of memory. */
static bool nar_reserve(nar_pages *n, int npara, int nlines)
{
    if (npara > n->cap_para) {
        int *pl = realloc(n->plines, (size_t)npara * sizeof *pl);
        if (pl)
            n->plines = pl;
        int *pi = pl ? realloc(n->pitch, (size_t)npara * sizeof *pi) : NULL;
        if (pi)
            n->pitch = pi;
        if (!pl || !pi)
            return false;
        n->cap_para = npara;
    }
    if (nlines > n->cap_lines) {
        int nc = n->cap_lines ? n->cap_lines : 64;
        while (nc < nlines)
            nc *= 2;
        nar_row *l = realloc(n->line, (size_t)nc * sizeof *l);
        if (l)
            n->line = l;
        int *st = l ? realloc(n->start, (size_t)(nc + 1) * sizeof *st) : NULL;
        if (st)
            n->start = st;
        if (!l || !st)
            return false;
        n->cap_lines = nc;
    }
    return true;
}

/* The mark of page `page` of `pages` in a language. */
static void nar_mark(viz_lang lang, int page, int pages, char *out, size_t len)
{
    if (page + 1 < pages)
        snprintf(out, len, "%s  %d/%d", lang == VIZ_LANG_JA ? "\xe2\x96\xbc 続き: \xe2\x86\x93"
                                                            : "\xe2\x96\xbc more: \xe2\x86\x93",
                 page + 1, pages);
    else
        snprintf(out, len, "\xe2\x96\xb2 \xe2\x86\x91  %d/%d", page + 1, pages);
}

/* Cuts the lines into pages n->height_px tall, into start (nlines + 1
 * entries); a line beside the mark (in the bottom mark_h pixels) must
 * leave room for it (fits[line]). aligned: a paragraph that does not fit
 * in what is left of a page but would on a page of its own starts the
 * next one. Returns the number of pages. */
static int nar_paginate(const nar_pages *n, const bool *fits, bool aligned, int *start)
{
    int np = 0, y = 0, g = 0, hp = n->height_px;
    start[np++] = 0;
    for (int p = 0; p < n->npara; p++) {
        int ph = n->plines[p] * n->pitch[p];
        if (aligned && y > 0 && y + ph > hp && ph <= hp - n->mark_h) {
            start[np++] = g;
            y = 0;
        }
        for (int i = 0; i < n->plines[p]; i++, g++) {
            int y1 = y + n->pitch[p];
            if (y > 0 && (y1 > hp || (y1 > hp - n->mark_h && !fits[g]))) {
                start[np++] = g;
                y = 0;
                y1 = n->pitch[p];
            }
            y = y1;
        }
    }
    start[np] = g;
    return np;
}

/* Line g of n, as text, into out (len >= 8). */
static void nar_text(const nar_pages *n, char *const *say, int g, char *out, size_t len)
{
    const nar_row *l = &n->line[g];
    size_t k = (size_t)l->len < len - 1 ? (size_t)l->len : len - 1;
    memcpy(out, say[l->para] + l->start, k);
    out[k] = 0;
}

/* Wraps paragraph s at cn's narration size, whole: calls fn(ud, start,
 * len) for each line, in order. */
static void nar_wrap_para(const viz_ctx *cn, const char *s, int nar_w,
                          void (*fn)(void *ud, int start, int len), void *ud)
{
    int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES];
    size_t off = 0, total = strlen(s);
    for (;;) {
        int k = viz_text_wrap(cn->t, s + off, VIZ_FACE_SANS, T(cn, 23), nar_w, starts, lens,
                              VIZ_WRAP_MAX_LINES);
        size_t rest = k > 0 ? off + (size_t)starts[k - 1] + (size_t)lens[k - 1] : total;
        while (rest < total && (s[rest] == ' ' || s[rest] == '\n'))
            rest++;
        /* Wrapping stopped at its most lines with text left: keep all but
         * the last line and go on from where that one starts. */
        bool more = k == VIZ_WRAP_MAX_LINES && rest < total && starts[k - 1] > 0;
        int keep = more ? k - 1 : k;
        for (int j = 0; j < keep; j++)
            fn(ud, (int)off + starts[j], lens[j]);
        if (!more)
            return;
        off += (size_t)starts[k - 1];
    }
}

typedef struct {
    nar_pages *n;
    int para;
    bool oom;
} nar_add_ctx;

static void nar_add_line(void *ud, int start, int len)
{
    nar_add_ctx *a = ud;
    nar_pages *n = a->n;
    if (a->oom || !nar_reserve(n, n->npara, n->nlines + 1)) {
        a->oom = true;
        return;
    }
    n->line[n->nlines++] = (nar_row){a->para, start, len};
    n->plines[a->para]++;
}

/* Wraps the paragraphs at cn's narration size into n (lines, pitches). */
static void nar_wrap(const viz_ctx *cn, char *const *say, size_t nsay, int nar_w, nar_pages *n)
{
    n->nlines = 0;
    n->total_px = 0;
    n->npara = 0;
    if (!nar_reserve(n, nsay > 0 ? (int)nsay : 1, 1))
        return;
    n->npara = (int)nsay;
    nar_add_ctx a = {n, 0, false};
    for (size_t i = 0; i < nsay; i++) {
        a.para = (int)i;
        n->plines[i] = 0;
        nar_wrap_para(cn, say[i], nar_w, nar_add_line, &a);
        n->pitch[i] = viz_text_para_line_height(
            cn->t, viz_text_needs_ja(say[i]) ? VIZ_FACE_JA : VIZ_FACE_SANS, T(cn, 23));
        n->total_px += n->plines[i] * n->pitch[i];
    }
}

/* Pages n (wrapped by nar_wrap, n->height_px set): one page when it
 * fits, else the fewest pages, starting at paragraphs where that costs
 * none. */
static void nar_pages_make(const viz_ctx *cn, char *const *say, int nar_w, nar_pages *n)
{
    n->mark_h = viz_text_line_height(cn->t, VIZ_FACE_BOLD, T(cn, 23));
    n->pages = 1;
    if (!n->start)
        return; /* out of memory: nothing was wrapped */
    n->start[0] = 0;
    n->start[1] = n->nlines;
    if (n->total_px <= n->height_px)
        return;
    bool *fits = malloc((size_t)n->nlines + 1);
    int *fill_only = malloc(((size_t)n->nlines + 1) * sizeof *fill_only);
    /* The mark's widest for a page count of so many digits ("▼ more: ↓
     * 9/10"; "99/100" once there are ten pages or more). */
    for (int most = 10; fits && fill_only; most *= 10) {
        char mark[64];
        nar_mark(cn->lang, most - 2, most, mark, sizeof mark);
        int room = nar_w - text_w(cn, mark, VIZ_FACE_BOLD, 23) - U(cn, 16);
        for (int g = 0; g < n->nlines; g++) {
            char line[1024];
            nar_text(n, say, g, line, sizeof line);
            fits[g] = text_w(cn, line, VIZ_FACE_SANS, 23) <= room;
        }
        int fill_pages = nar_paginate(n, fits, false, fill_only);
        n->pages = nar_paginate(n, fits, true, n->start);
        if (n->pages > fill_pages) {
            memcpy(n->start, fill_only, ((size_t)fill_pages + 1) * sizeof *fill_only);
            n->pages = fill_pages;
        }
        if (n->pages < most || most > n->nlines)
            break;
    }
    free(fits);
    free(fill_only);
}

/* Draws page `page` of n from (x, y): each line in its paragraph's
 * pitch (a paragraph with Japanese keeps the Japanese font's). */
static void nar_draw(const viz_ctx *cn, char *const *say, const nar_pages *n, int page, int x,
                     int y)
{
    if (!n->start)
        return;
    for (int g = n->start[page]; g < n->start[page + 1]; g++) {
        int p = n->line[g].para;
        char line[1024];
        nar_text(n, say, g, line, sizeof line);
        viz_text_draw(cn->t, line, viz_text_needs_ja(say[p]) ? VIZ_FACE_JA : VIZ_FACE_SANS,
                      T(cn, 23), TEXT, x, y, VIZ_ALIGN_LEFT);
        y += n->pitch[p];
    }
}

/* Where draw_side stacks a column's boxes (c: the context the sides
 * were laid out with): the kernel box's top, the code's and the
 * application's into *code_y and *app_y. */
static int kernel_box_y(const viz_ctx *c, const side_layout *L, int top, int *code_y, int *app_y)
{
    *code_y = top + L->hh + U(c, 10);
    *app_y = *code_y + L->code_h + L->gap;
    return *app_y + L->app_h + L->gap;
}

/* The panel's lower part (see viz_ui.fold): from the top of the columns'
 * lower kernel blocks (as draw_side places them) to just above the
 * narration; the question's reveal takes its place. Above it, the tops
 * of the kernel, application and code boxes, where a taller band starts. */
static void note_fold(const viz_ctx *c, const side_layout *L, int top, int nar_y)
{
    if (!c->ui || !c->ui->fold)
        return;
    int lh17 = viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, 20));
    int code_y, app_y;
    int kern_y = kernel_box_y(c, L, top, &code_y, &app_y);
    int y = kern_y + lh17 + U(c, 6) + L->block_h - U(c, 4);
    int m = U(c, 14);
    *c->ui->fold = (viz_fold){.rect = {m, y, c->w - 2 * m, nar_y - U(c, 4) - y},
                              .clean_y = {kern_y, app_y, code_y},
                              .nclean = 3};
}

/* The side columns' width: zoomed, they take a little room from the
 * wire, as their text (and everything else) grows. (Wider columns for
 * long statements were tried: at 0.40 of 16:9 the wire loses its legend
 * and the longest calls still take two rows.) */
static int column_w(const viz_ctx *c, const lesson_doc *doc)
{
    (void)doc;
    double z = c->ui && c->ui->zoom > 1 ? c->ui->zoom : 1.0;
    double f = 0.345 * (1 + (z - 1) * 0.35);
    if (f > 0.40)
        f = 0.40;
    return (int)(c->w * f);
}

/* ---- the scene: a layout pass, then a paint pass --------------------- */

/* The mark of page `page` of `pages` of a scene taller than the window,
 * at the window's bottom right: a strip that tall is kept free on every
 * page. */
static int scene_mark_h(const viz_ctx *c)
{
    return viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, 23)) + U(c, 8);
}

enum { SCENE_MAX_PAGES = 32 };

/* What the layout pass measured, for the paint pass: every rectangle and
 * text size comes from the record and the fonts' metrics, nothing is
 * drawn. (say[] points into whybuf: a plan is never copied.) */
typedef struct {
    viz_ctx c;      /* the scene's context: its unit includes the zoom */
    viz_ctx cs, cn; /* the columns' and the narration's */
    int m;          /* the margin */
    int w, h;       /* the window */
    /* header */
    char counter[160]; /* "Step 3 / 8    t = 68.3 ms" */
    int counter_w;
    char ltitle[256];  /* the lesson's title, cut with "…" where it must be */
    double ltitle_size;
    int ltitle_room, ltitle_lines; /* its width, and 2 where it wraps */
    const char *stitle; /* the step's title */
    double tsize;       /* its size */
    int title_y, title_room, title_h;
    char checks[96]; /* "6/6 checks passed" or "" */
    int checks_w;
    /* narration */
    char **say;          /* the paragraphs (owned: plan_free) */
    char whybuf[6][400]; /* at most one a side and figure (unsent, in flight, received) */
    size_t nsay;
    nar_pages np;
    int nar_w, nar_y, nar_h;
    /* columns and wire */
    int col_w, top, wx0, wx1;
    side_layout L;
    bool step_only; /* the code panel holds this step's code only */
    const viz_side *scene_side; /* the scene's two sides (borrowed) */
    int foot_h;
    int canvas_h; /* the scene's height: h, or more when zoomed content pages */
    /* pages: the narration's, or (scene_paged) slices of the canvas */
    bool scene_paged;
    int pages, page;
    int page_y[SCENE_MAX_PAGES + 1]; /* scene_paged: each page's top; [pages] = canvas_h */
    /* scene_paged: each page's bottom: the next page's top, or below it
     * where a page ends inside a code panel (the next page starts again
     * at the first statement this one could not show whole) */
    int page_end[SCENE_MAX_PAGES];
} scene_plan;

/* The checks badge's words: "✓ 6/6 checks passed", or the failures
 * counted: "× 1 of 9 checks failed" (never "8/9 checks failed"). */
static void checks_text(const viz_ctx *c, const viz_scene *s, char *cbuf, size_t len)
{
    cbuf[0] = 0;
    if (s->nexpects <= 0)
        return;
    int checked = s->nexpects - s->nexpects_skipped;
    if (!s->nexpects_failed && s->nexpects_skipped)
        /* "8/8 checks passed · 1 not checked" (the machine was busy) */
        snprintf(cbuf, len, "%s %d/%d %s · %d %s", viz_label(c->lang, VIZ_L_SYM_OK), checked,
                 checked, viz_label(c->lang, VIZ_L_CHECKS_OK), s->nexpects_skipped,
                 viz_label(c->lang, VIZ_L_CHECKS_SKIPPED));
    else if (!s->nexpects_failed)
        snprintf(cbuf, len, "%s %d/%d %s", viz_label(c->lang, VIZ_L_SYM_OK), s->nexpects,
                 s->nexpects, viz_label(c->lang, VIZ_L_CHECKS_OK));
    else if (c->lang == VIZ_LANG_JA)
        snprintf(cbuf, len, "%s %d 件中 %d 件 %s", viz_label(c->lang, VIZ_L_SYM_FAILED),
                 s->nexpects, s->nexpects_failed, viz_label(c->lang, VIZ_L_CHECKS_FAILED));
    else
        snprintf(cbuf, len, "%s %d of %d %s", viz_label(c->lang, VIZ_L_SYM_FAILED),
                 s->nexpects_failed, s->nexpects, viz_label(c->lang, VIZ_L_CHECKS_FAILED));
}

/* The narration and, where the model and the kernel differ at the step's
 * end, the lesson's reason after it ("≠ client, unsent: ..."). */
static void plan_say(scene_plan *p, const viz_scene *s, const viz_frame *f)
{
    const viz_ctx *c = &p->c;
    const lesson_doc *doc = s->doc;
    char **say0 = NULL;
    size_t nsay = step_say(doc, s->step, c->lang, &say0);
    size_t nwhy = 0;
    p->say = malloc((nsay + 6) * sizeof *p->say);
    if (!p->say)
        nsay = 0; /* out of memory: the frame without its narration */
    for (size_t i = 0; i < nsay; i++)
        p->say[i] = say0[i];
    for (int side = 0; side < 2 && f->progress >= 1.0 && doc && s->step >= 0; side++) {
        const viz_side *vs = &s->side[side];
        if (!vs->real.present || !vs->after.present || vs->after.listening)
            continue;
        uint32_t model[3] = {f->q[side][LESSON_Q_UNSENT].bytes, f->q[side][LESSON_Q_IN_FLIGHT].bytes,
                             f->q[side][LESSON_Q_RECV].bytes};
        uint32_t kern[3] = {vs->real.unsent_bytes, vs->real.in_flight_bytes,
                            vs->real.recv_queue_bytes};
        static const viz_label_id fig_label[3] = {VIZ_L_UNSENT, VIZ_L_INFLIGHT, VIZ_L_RECEIVED};
        for (int fg = 0; fg < 3 && nwhy < 6; fg++) {
            if (model[fg] == kern[fg])
                continue;
            const lesson_why *wy =
                lesson_step_why(&doc->steps[s->step], (lesson_side)side, (lesson_figure)fg);
            const char *why = wy ? (c->lang == VIZ_LANG_JA && wy->text_ja ? wy->text_ja : wy->text)
                                 : NULL;
            if (!why)
                continue;
            snprintf(p->whybuf[nwhy], sizeof p->whybuf[nwhy], "\xe2\x89\xa0 %s, %s: %s",
                     viz_label(c->lang, side ? VIZ_L_SERVER : VIZ_L_CLIENT),
                     viz_label(c->lang, fig_label[fg]), why);
            if (p->say)
                p->say[nsay++] = p->whybuf[nwhy];
            nwhy++;
        }
    }
    p->nsay = nsay;
}

/* The slices of a canvas taller than the window: each page ends at the
 * lowest clean line (between boxes, between narration lines) that leaves
 * the mark's strip free, so no text is cut in two. */
static void plan_scene_pages(scene_plan *p, const viz_frame *f)
{
    const viz_ctx *c = &p->c;
    int ncuts = 0, cap_cuts = p->np.nlines + 8 + VIZ_WRAP_MAX_LINES * VIZ_MAX_CODE;
    int *cuts = malloc((size_t)cap_cuts * sizeof *cuts);
    if (!cuts) { /* out of memory: one page, as tall as the window */
        p->page_y[0] = 0;
        p->page_y[1] = p->canvas_h;
        p->page_end[0] = p->canvas_h;
        p->pages = 1;
        return;
    }
    int code_y, app_y;
    int kern_y = kernel_box_y(&p->cs, &p->L, p->top, &code_y, &app_y);
    cuts[ncuts++] = p->top;
    cuts[ncuts++] = app_y;
    /* (the kernel boxes' top, or higher where the wire's ZERO WINDOW
     * banner over the upper lane reaches above it) */
    int lane_y = kern_y + 2 * viz_text_line_height(c->t, VIZ_FACE_BOLD, T(&p->cs, 20)) +
                 U(&p->cs, 9) + p->L.bar_h / 2 +
                 (p->L.bar_two_rows ? viz_text_line_height(c->t, VIZ_FACE_SANS, T(&p->cs, 20)) : 0);
    int banner_y = lane_y - chip_h(&p->cs) / 2 - U(&p->cs, 2) - zero_banner_h(&p->cs, p->wx1 - p->wx0) -
                   U(&p->cs, 2);
    cuts[ncuts++] = f->zero_window[1] && banner_y < kern_y ? banner_y : kern_y;
    /* between the kernel's two blocks: the upper lane on one page, the
     * lower on the next */
    int lh17 = viz_text_line_height(c->t, VIZ_FACE_BOLD, T(&p->cs, 20));
    if (!f->zero_window[0]) /* (the lower lane's banner would straddle it) */
        cuts[ncuts++] = kern_y + lh17 + U(&p->cs, 6) + p->L.block_h - U(&p->cs, 2);
    cuts[ncuts++] = p->nar_y;
    int ly = p->nar_y + U(c, 10);
    for (int para = 0, g = 0; para < p->np.npara && g < p->np.nlines; para++)
        for (int i = 0; i < p->np.plines[para] && g < p->np.nlines; i++, g++) {
            if (g > 0 && ncuts < cap_cuts - 1)
                cuts[ncuts++] = ly;
            ly += p->np.pitch[para];
        }
    cuts[ncuts++] = p->canvas_h - p->m - p->foot_h;
    /* A code panel taller than a page: between statements where both
     * sides have one ending (strong), else between rows (weak). */
    /* (weak cuts: where the next page starts again, at the top of the
     * statements the cut runs through, so each is shown whole on one) */
    int weak[2 * VIZ_WRAP_MAX_LINES * VIZ_MAX_CODE],
        weak_top[2 * VIZ_WRAP_MAX_LINES * VIZ_MAX_CODE];
    int nweak = 0;
    {
        int lh, rows, total, r0[2][VIZ_MAX_CODE + 1], nrows[VIZ_MAX_CODE], nst[2];
        bool start[2][VIZ_WRAP_MAX_LINES * VIZ_MAX_CODE + 1];
        memset(start, 0, sizeof start);
        int most = 0;
        for (int side = 0; side < 2; side++) {
            const viz_side *vs = &p->scene_side[side];
            code_fit(&p->cs, vs, p->col_w, p->L.code_h, &lh, &rows, r0[side], nrows, &total);
            nst[side] = vs->ncode;
            for (int i = 0; i <= vs->ncode && r0[side][i] < (int)(sizeof start[0]); i++)
                start[side][r0[side][i]] = true;
            most = total > most ? total : most;
        }
        for (int r = 1; r < most && r < rows; r++) {
            int y = code_y + U(&p->cs, 4) + r * lh - U(&p->cs, 1);
            bool both = (start[0][r] || r >= r0[0][nst[0]]) && (start[1][r] || r >= r0[1][nst[1]]);
            if (both && ncuts < cap_cuts)
                cuts[ncuts++] = y;
            else if (nweak < (int)(sizeof weak / sizeof weak[0])) {
                int top_r = r; /* the first row of a statement the cut runs through */
                for (int side = 0; side < 2; side++)
                    for (int i = 0; i < nst[side]; i++)
                        if (r0[side][i] < r && r < r0[side][i + 1] && r0[side][i] < top_r)
                            top_r = r0[side][i];
                weak_top[nweak] = code_y + U(&p->cs, 4) + top_r * lh - U(&p->cs, 1);
                weak[nweak++] = y;
            }
        }
    }
    int strip = scene_mark_h(c);
    int o = 0, n = 0;
    while (n < SCENE_MAX_PAGES) {
        p->page_y[n] = o;
        if (o + p->h - strip >= p->canvas_h) {
            p->page_end[n++] = p->canvas_h;
            break;
        }
        int limit = o + p->h - strip, best = -1, next = -1;
        for (int i = 0; i < ncuts; i++)
            if (cuts[i] > o && cuts[i] <= limit && cuts[i] > best)
                best = cuts[i];
        /* A page that would stay less than half full (a code panel taller
         * than the rest of the page) ends inside the panel, between rows:
         * the statements cut there are left off and start the next page. */
        bool want_weak = best < 0 || best - o < (limit - o) / 2;
        for (int i = 0; want_weak && i < nweak; i++)
            if (weak[i] > o && weak[i] <= limit && weak[i] > best && weak_top[i] > o) {
                best = weak[i];
                next = weak_top[i];
            }
        if (best <= 0)
            best = limit; /* a block taller than a page: cut */
        p->page_end[n++] = best;
        o = next > o ? next : best;
    }
    p->page_y[n] = p->canvas_h;
    p->pages = n;
    free(cuts);
}

/* The layout pass: where everything goes, measured with t's fonts. */
static void plan_scene(scene_plan *p, viz_text *t, const viz_scene *s, const viz_frame *f,
                       const viz_ui *ui, int w, int h)
{
    viz_ctx *c = &p->c;
    viz_paint_ctx(c, NULL, t, ui, w, h);
    /* The zoom scales every shape with the text (U as T): the scene is
     * laid out as on a smaller window, and what no longer fits pages. */
    double zoom = ui && ui->zoom > 0 ? ui->zoom : 1.0;
    bool zoomed = zoom > 1.001;
    c->u *= zoom;
    c->tu = c->u;
    p->w = w;
    p->h = h;
    int m = p->m = U(c, 14);
    const lesson_doc *doc = s->doc;

    /* header */
    const char *ltitle =
        doc ? (c->lang == VIZ_LANG_JA && doc->title_ja ? doc->title_ja : doc->title) : "";
    int nsteps = doc ? (int)doc->nsteps : 0;
    double ms = (double)f->now_us / 1000.0;
    snprintf(p->counter, sizeof p->counter, "%s %d / %d    t = %.1f ms%s",
             viz_label(c->lang, VIZ_L_STEP), s->step + 1, nsteps, ms,
             ui && ui->autoplay ? (c->lang == VIZ_LANG_JA ? "    ▶ 自動" : "    ▶ auto") : "");
    p->counter_w = text_w(c, p->counter, VIZ_FACE_SANS, 20);
    snprintf(p->ltitle, sizeof p->ltitle, "%s", ltitle ? ltitle : "");
    int lroom = w - 2 * m - p->counter_w - U(c, 16);
    p->ltitle_size = fit_size(c, p->ltitle, VIZ_FACE_SANS, 20, lroom, 12);
    p->ltitle_room = lroom;
    p->ltitle_lines = 1;
    if (text_w(c, p->ltitle, VIZ_FACE_SANS, p->ltitle_size) > lroom) {
        /* zoomed: on two lines at the labels' size rather than cut */
        p->ltitle_size = 20;
        p->ltitle_lines = 2;
    }
    int y = m + viz_text_line_height(t, VIZ_FACE_SANS, T(c, 20));
    if (p->ltitle_lines > 1)
        y = m + viz_text_wrapped_height(t, p->ltitle, VIZ_FACE_SANS, T(c, p->ltitle_size), lroom,
                                        p->ltitle_lines);
    p->stitle =
        s->step >= 0 ? step_title(doc, s->step, c->lang) : viz_label(c->lang, VIZ_L_BEFORE_FIRST);
    checks_text(c, s, p->checks, sizeof p->checks);
    p->checks_w = p->checks[0] ? text_w(c, p->checks, VIZ_FACE_BOLD, 20) + U(c, 14) : 0;
    /* A long title is drawn smaller, then on two lines, never cut. */
    p->tsize = 30;
    p->title_room = w - 2 * m - (p->checks_w ? p->checks_w + U(c, 12) : 0);
    while (p->tsize > 20 && text_w(c, p->stitle, VIZ_FACE_BOLD, p->tsize) > p->title_room)
        p->tsize -= 1;
    p->title_y = y;
    p->title_h = viz_text_wrapped_height(t, p->stitle, VIZ_FACE_BOLD, T(c, p->tsize), p->title_room, 3);
    int one_line = viz_text_line_height(t, VIZ_FACE_BOLD, T(c, 30));
    y += (p->title_h > one_line ? p->title_h : one_line) + U(c, 6);

    /* narration: measure first, it sets how much room the columns get */
    plan_say(p, s, f);
    p->foot_h = viz_text_line_height(t, VIZ_FACE_SANS, T(c, 20)) + U(c, 4);
    p->nar_w = narration_w(c);
    p->col_w = column_w(c, doc);
    p->top = y + U(c, 4);
    p->cs = *c;
    p->cn = *c;
    viz_ctx *cs = &p->cs, *cn = &p->cn;
    nar_pages *np = &p->np;
    memset(np, 0, sizeof *np);
    /* Room the narration has under the columns at their smallest. */
    int fixed = h - m - p->foot_h - U(c, 22) - U(c, 10) - p->top;
    int need = sides_need(cs, s, p->col_w, false);
    int nlh = viz_text_para_line_height(t, VIZ_FACE_JA, T(cn, 23));
    int nlh_sans = viz_text_para_line_height(t, VIZ_FACE_SANS, T(cn, 23));
    if (nlh_sans > nlh)
        nlh = nlh_sans;
    nar_wrap(cn, p->say, p->nsay, p->nar_w, np);
    /* A narration that would not fit beside the room kept for the
     * lesson's longest code gets the room this step's code does not
     * need (steps that fit keep one layout, so nothing moves). */
    if (np->total_px > fixed - need) {
        int need_s = sides_need(cs, s, p->col_w, true);
        if (need_s < need) {
            need = need_s;
            p->step_only = true;
        }
    }
    int short_of = np->total_px < 2 * nlh ? np->total_px : 2 * nlh;
    p->canvas_h = h;
    if (zoomed && fixed - need < short_of) {
        /* Zoomed content taller than the window: the scene is laid out
         * whole on a taller canvas, the narration unpaged, and the window
         * shows it a page at a time. */
        p->scene_paged = true;
        np->height_px = np->total_px > nlh ? np->total_px : nlh;
        nar_pages_make(cn, p->say, p->nar_w, np);
        p->canvas_h = h + need - fixed + np->height_px;
    } else {
        /* The narration box grows with its text, down to the columns'
         * smallest height. A narration that does not fit whole is drawn
         * smaller, down to the labels' size (20; zoomed, never below the
         * zoomed size); what still does not fit goes on further pages. */
        double nar_floor = zoomed ? c->tu : c->u * 20.0 / 23.0;
        int nar_room = fixed - need;
        for (int pass = 0;; pass++) {
            if (pass > 0 && cn->tu > nar_floor)
                cn->tu = cn->tu * 0.94 > nar_floor ? cn->tu * 0.94 : nar_floor;
            /* A paragraph with any character outside Latin keeps the
             * Japanese font's pitch: count every line at the larger. */
            nlh = viz_text_para_line_height(t, VIZ_FACE_JA, T(cn, 23));
            nlh_sans = viz_text_para_line_height(t, VIZ_FACE_SANS, T(cn, 23));
            if (nlh_sans > nlh)
                nlh = nlh_sans;
            nar_wrap(cn, p->say, p->nsay, p->nar_w, np);
            np->height_px = np->total_px < nar_room ? np->total_px : nar_room;
            if (np->total_px <= nar_room || cn->tu <= nar_floor)
                break;
        }
        /* At least a line (two beside a page's mark) */
        if (np->height_px < nlh)
            np->height_px = nlh;
        if (np->total_px > np->height_px && np->height_px < 2 * nlh)
            np->height_px = 2 * nlh;
        nar_pages_make(cn, p->say, p->nar_w, np);
        /* Paged anyway: the largest size that takes no more pages. */
        for (double tu = c->tu; np->pages > 1 && tu > cn->tu * 1.001; tu *= 0.94) {
            viz_ctx ct = *cn;
            nar_pages big;
            memset(&big, 0, sizeof big);
            ct.tu = tu;
            nar_wrap(&ct, p->say, p->nsay, p->nar_w, &big);
            big.height_px = np->height_px;
            nar_pages_make(&ct, p->say, p->nar_w, &big);
            if (big.pages <= np->pages) {
                *cn = ct;
                nar_pages_free(np);
                *np = big;
                break;
            }
            nar_pages_free(&big);
        }
    }
    c->h = cs->h = cn->h = p->canvas_h;
    p->nar_h = np->height_px + U(c, 22);
    p->nar_y = p->canvas_h - m - p->foot_h - p->nar_h;
    int col_h = p->nar_y - U(c, 10) - p->top;
    p->scene_side = s->side;
    p->L = layout_sides(cs, s, col_h, p->col_w, p->step_only);
    for (int i = 0; p->scene_paged && i < 8; i++) {
        /* the canvas grows for every row of this step's code at full size
         * (layout_sides gives the code part of each growth: several passes,
         * 3 were too few for 07-chat-many's server at 1280x720, whose
         * panel then paged itself and the scene's page cut a statement) */
        int code_lh = viz_text_line_height(t, VIZ_FACE_MONO, T(cs, CODE_SIZE)) + U(cs, 3);
        int rows = 0;
        for (int side = 0; side < 2; side++) {
            int r = code_total_rows(cs, &s->side[side], p->col_w, CODE_SIZE);
            rows = r > rows ? r : rows;
        }
        int want = rows * code_lh + U(cs, 8);
        if (p->L.code_h >= want)
            break;
        p->canvas_h += want - p->L.code_h;
        c->h = cs->h = cn->h = p->canvas_h;
        p->nar_y = p->canvas_h - m - p->foot_h - p->nar_h;
        col_h = p->nar_y - U(c, 10) - p->top;
        p->L = layout_sides(cs, s, col_h, p->col_w, p->step_only);
    }
    p->wx0 = m + p->col_w + U(c, 16);
    p->wx1 = w - m - p->col_w - U(c, 16);
    if (p->scene_paged) {
        plan_scene_pages(p, f);
    } else {
        p->pages = np->pages;
        p->page_y[0] = 0;
        p->page_y[1] = p->canvas_h;
    }
    int page = ui && ui->nar_page > 0 ? ui->nar_page : 0;
    p->page = page >= p->pages ? p->pages - 1 : page;
}

/* Frees what plan_scene allocated, and p. Accepts NULL. */
static void plan_free(scene_plan *p)
{
    if (!p)
        return;
    nar_pages_free(&p->np);
    free(p->say);
    free(p);
}

void viz_draw_layout(viz_text *t, const viz_scene *s, const viz_frame *f, const viz_ui *ui, int w,
                     int h, viz_scene_layout *out)
{
    scene_plan *p = calloc(1, sizeof *p);
    memset(out, 0, sizeof *out);
    if (!p)
        return;
    plan_scene(p, t, s, f, ui, w, h);
    out->unit_px = p->c.u;
    out->canvas_h = p->canvas_h;
    out->scene_paged = p->scene_paged;
    out->pages = p->pages;
    out->page = p->page;
    out->page_top = p->scene_paged ? p->page_y[p->page] : 0;
    out->title = (SDL_Rect){p->m, p->title_y, p->title_room, p->title_h};
    out->title_px = T(&p->c, p->tsize);
    int code_y, app_y;
    int kern_y = kernel_box_y(&p->cs, &p->L, p->top, &code_y, &app_y);
    out->code_px = 0;
    for (int side = 0; side < 2; side++) {
        int x = side ? w - p->m - p->col_w : p->m;
        out->column[side] = (SDL_Rect){x, p->top, p->col_w, kern_y + p->L.kern_h - p->top};
        out->code[side] = (SDL_Rect){x, code_y, p->col_w, p->L.code_h};
        out->app[side] = (SDL_Rect){x, app_y, p->col_w, p->L.app_h};
        out->kernel[side] = (SDL_Rect){x, kern_y, p->col_w, p->L.kern_h};
        const viz_side *vs = &s->side[side];
        int lh, rows, total, r0[VIZ_MAX_CODE + 1], nrows[VIZ_MAX_CODE];
        int size = code_fit(&p->cs, vs, p->col_w, p->L.code_h, &lh, &rows, r0, nrows, &total);
        out->code_rows[side] = rows;
        if (vs->ncode > 0 && (out->code_px == 0 || T(&p->cs, size) < out->code_px))
            out->code_px = T(&p->cs, size);
    }
    out->wire = (SDL_Rect){p->wx0, p->top, p->wx1 - p->wx0, kern_y + p->L.kern_h - p->top};
    out->narration = (SDL_Rect){p->m, p->nar_y, w - 2 * p->m, p->nar_h};
    out->narration_px = T(&p->cn, 23);
    out->narration_lines = p->np.nlines;
    plan_free(p);
}

/* The paint pass: draws what plan_scene laid out, on the page it chose. */
static void paint_scene(const scene_plan *p, SDL_Renderer *r, viz_text *t, const viz_scene *s,
                        const viz_frame *f, const viz_ui *ui)
{
    viz_ctx cc = p->c, *c = &cc;
    c->r = r;
    viz_ctx cs = p->cs, cn = p->cn;
    cs.r = cn.r = r;
    int m = p->m, w = p->w, h = p->canvas_h;
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
    color(c, BG);
    SDL_RenderClear(r);
    int o = 0, cut = p->h;
    if (p->scene_paged) {
        o = p->page_y[p->page];
        cut = p->page_end[p->page];
        page_y0 = o;
        page_y1 = cut;
        SDL_Rect vp = {0, -o, w, p->canvas_h};
        SDL_RenderSetViewport(r, &vp);
        SDL_Rect clip = {0, o, w, cut - o};
        SDL_RenderSetClipRect(r, &clip);
        viz_text_set_view(t, -o, 0, cut - o);
        view_dy = -o;
        view_y1 = cut - o;
    }
    box(c, 0, 0, w, h);

    /* header */
    text(c, p->counter, VIZ_FACE_SANS, 20, DIM, w - m, m, VIZ_ALIGN_RIGHT);
    viz_text_draw_wrapped(t, p->ltitle, VIZ_FACE_SANS, T(c, p->ltitle_size), DIM, m, m,
                          p->ltitle_room, p->ltitle_lines);
    viz_text_draw_wrapped(t, p->stitle, VIZ_FACE_BOLD, T(c, p->tsize), TEXT, m, p->title_y,
                          p->title_room, 3);
    if (p->checks_w && f->progress >= 1.0) {
        int y = p->title_y, cbw = p->checks_w;
        int bh = viz_text_line_height(t, VIZ_FACE_BOLD, T(c, 20)) + U(c, 4);
        fill(c, w - m - cbw, y + U(c, 6), cbw, bh, s->nexpects_failed ? BAD_FILL : GOOD_FILL);
        box(c, w - m - cbw, y + U(c, 6), cbw, bh);
        text(c, p->checks, VIZ_FACE_BOLD, 20, DARK, w - m - cbw / 2, y + U(c, 8), VIZ_ALIGN_CENTER);
        box(c, 0, 0, w, h);
    }

    box(c, 0, 0, w, h);
    /* columns and wire */
    column cols[2];
    memset(cols, 0, sizeof cols);
    int top = p->top, col_w = p->col_w;
    draw_side(&cs, s, f, 0, m, top, col_w, &p->L, &cols[0]);
    draw_side(&cs, s, f, 1, w - m - col_w, top, col_w, &p->L, &cols[1]);
    /* A step with a question: the reveal's band, once taller than the
     * panel's lower part, starts at the kernel boxes' top (viz_question.c),
     * so no legend item straddles that line: the band hides an item
     * whole or not at all. */
    int code_y, app_y, legend_cut[2 * SCENE_MAX_PAGES + 2], ncut = 0;
    if (s->question.present)
        legend_cut[ncut++] = kernel_box_y(&cs, &p->L, top, &code_y, &app_y);
    /* on a page of a taller scene, no legend item straddles the page's
     * end either (a cut between boxes crosses the wire) */
    for (int i = 1; p->scene_paged && i < p->pages; i++) {
        if (p->page_y[i] > top)
            legend_cut[ncut++] = p->page_y[i];
        if (p->page_end[i - 1] > top && p->page_end[i - 1] != p->page_y[i])
            legend_cut[ncut++] = p->page_end[i - 1];
    }
    for (int i = 1; i < ncut; i++) /* rising */
        for (int j = i; j > 0 && legend_cut[j - 1] > legend_cut[j]; j--) {
            int tmp = legend_cut[j];
            legend_cut[j] = legend_cut[j - 1];
            legend_cut[j - 1] = tmp;
        }
    legend_cut[ncut] = INT_MAX;
    draw_wire(&cs, s, f, p->wx0, p->wx1, &cols[0], &cols[1], top, legend_cut);
    draw_flying(&cs, f, cols);
    note_fold(&cs, &p->L, top, p->nar_y);
    if (p->scene_paged && ui && ui->fold) {
        /* The band lies over the window, not the canvas: over the whole of
         * this page's columns and wire, which it hides whole. */
        int y0 = top - o > 0 ? top - o : 0;
        *ui->fold = (viz_fold){.rect = {m, y0, w - 2 * m, cut - o - y0}, .nclean = 0};
    }

    /* narration panel */
    int nar_y = p->nar_y, nar_h = p->nar_h;
    int npage = p->scene_paged ? 0 : p->page;
    fill(c, m, nar_y, w - 2 * m, nar_h, PANEL);
    box(c, m, nar_y, w - 2 * m, nar_h);
    fill(c, m, nar_y, U(c, 5), nar_h, viz_palette(1));
    nar_draw(&cn, p->say, &p->np, npage, m + U(c, 16), nar_y + U(c, 10));
    if (p->np.pages > 1) {
        char mark[64];
        nar_mark(c->lang, npage, p->np.pages, mark, sizeof mark);
        int mlh = viz_text_line_height(t, VIZ_FACE_BOLD, T(&cn, 23));
        viz_text_draw(t, mark, VIZ_FACE_BOLD, T(&cn, 23), WARN, m + U(c, 16) + p->nar_w,
                      nar_y + U(c, 10) + p->np.height_px - mlh, VIZ_ALIGN_RIGHT);
    }

    /* footer */
    box(c, 0, 0, w, h);
    char buf[160];
    int fy = h - m - p->foot_h + U(c, 4);
    const char *keys = ui && ui->toast ? ui->toast : viz_label(c->lang, VIZ_L_FOOTER);
    if (ui && ui->class_view)
        keys = ""; /* the presenter's view has the keys and the messages */
    buf[0] = 0;
    if (ui)
        snprintf(buf, sizeof buf, "×%.2g%s", ui->speed > 0 ? ui->speed : 1.0,
                 s->real ? "" : c->lang == VIZ_LANG_JA ? "   (カーネル: オフ)" : "   (kernel: off)");
    /* The key hints and the speed share the line: both smaller (not under
     * 15) where together they would run into each other, as the model-only
     * "(kernel: off)" did at 1024x768 in Japanese, zoomed. */
    double fs = 20;
    for (; fs > 15; fs -= 0.5) {
        int foot_need = text_w(c, keys, VIZ_FACE_SANS, fs) + U(c, 16);
        if (buf[0])
            foot_need += text_w(c, buf, VIZ_FACE_SANS, fs);
        if (foot_need <= w - 2 * m)
            break;
    }
    text(c, keys, VIZ_FACE_SANS, fs, ui && ui->toast ? WARN : FAINT, m, fy, VIZ_ALIGN_LEFT);
    if (buf[0])
        text(c, buf, VIZ_FACE_SANS, fs, FAINT, w - m, fy, VIZ_ALIGN_RIGHT);

    if (p->scene_paged) {
        SDL_RenderSetClipRect(r, NULL);
        SDL_RenderSetViewport(r, NULL);
        viz_text_set_view(t, 0, 0, 0);
        view_dy = view_y1 = 0;
        page_y0 = page_y1 = 0;
        /* the page's mark in the strip kept free at the window's bottom */
        char mark[64];
        nar_mark(c->lang, p->page, p->pages, mark, sizeof mark);
        c->h = p->h;
        box(c, 0, cut - o, w, p->h - (cut - o));
        text(c, mark, VIZ_FACE_BOLD, 23, WARN, w - m, p->h - scene_mark_h(c) + U(c, 4),
             VIZ_ALIGN_RIGHT);
    }
}

void viz_draw_scene(SDL_Renderer *r, viz_text *t, const viz_scene *s, const viz_frame *f,
                    const viz_ui *ui, int w, int h)
{
    viz_draw_scene_pages(r, t, s, f, ui, w, h, NULL);
}

void viz_draw_scene_pages(SDL_Renderer *r, viz_text *t, const viz_scene *s, const viz_frame *f,
                          const viz_ui *ui, int w, int h, int *pages_out)
{
    scene_plan *p = calloc(1, sizeof *p);
    if (!p)
        return;
    plan_scene(p, t, s, f, ui, w, h);
    if (pages_out)
        *pages_out = p->pages;
    paint_scene(p, r, t, s, f, ui);
    plan_free(p);
    if (ui && ui->help)
        viz_draw_help(r, t, ui, w, h);
}

typedef struct {
    const viz_ctx *c;
    const char *para;
    bool ja;
} prefetch_para;

static void prefetch_line(void *ud, int start, int len)
{
    const prefetch_para *pp = ud;
    char line[1024];
    size_t k = (size_t)len < sizeof line - 1 ? (size_t)len : sizeof line - 1;
    memcpy(line, pp->para + start, k);
    line[k] = 0;
    viz_text_prepare(pp->c->t, line, pp->ja ? VIZ_FACE_JA : VIZ_FACE_SANS, T(pp->c, 23), TEXT);
}

/* Prefetch item idx of a step: 0 the title, then each narration
 * paragraph, then each statement (in both colours it is drawn in).
 * Returns false past the last item. */
static bool prefetch_item(const viz_ctx *c, const lesson_doc *doc, int step, int idx)
{
    const lesson_step *st = &doc->steps[step];
    if (idx == 0) {
        viz_text_prepare(c->t, step_title(doc, step, c->lang), VIZ_FACE_BOLD, T(c, 30), TEXT);
        return true;
    }
    idx--;
    char **say;
    size_t nsay = step_say(doc, step, c->lang, &say);
    if ((size_t)idx < nsay) {
        /* Its lines, as nar_draw draws them at the default narration size. */
        prefetch_para pp = {c, say[idx], viz_text_needs_ja(say[idx])};
        nar_wrap_para(c, say[idx], narration_w(c), prefetch_line, &pp);
        return true;
    }
    idx -= (int)nsay;
    for (size_t i = 0; i < st->nlines; i++) {
        const lesson_line *ln = &st->lines[i];
        if (ln->kind == LESSON_LINE_EXPECT || idx-- > 0)
            continue;
        viz_code vc;
        viz_code_of_line(&vc, ln);
        int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES];
        int pill_row;
        int n = code_rows(c, &vc, column_w(c, doc), CODE_SIZE, starts, lens, &pill_row);
        for (int j = 0; j < n; j++) {
            char row[VIZ_TEXT_LEN];
            int l = lens[j] < (int)sizeof row - 1 ? lens[j] : (int)sizeof row - 1;
            memcpy(row, vc.code + starts[j], (size_t)l);
            row[l] = 0;
            viz_text_prepare(c->t, row, VIZ_FACE_MONO, T(c, CODE_SIZE), TEXT);
            viz_text_prepare(c->t, row, VIZ_FACE_MONO, T(c, CODE_SIZE), DIM);
        }
        return true;
    }
    return false;
}

bool viz_draw_prefetch(viz_text *t, const lesson_doc *doc, int step, const viz_ui *ui, int w, int h,
                       int *cursor, int budget)
{
    if (*cursor < 0)
        return true;
    if (!doc || step < 0 || (size_t)step >= doc->nsteps) {
        *cursor = -1;
        return true;
    }
    viz_ctx cc, *c = &cc;
    viz_paint_ctx(c, NULL, t, ui, w, h);
    c->u = c->tu; /* the zoom scales the layout as the scene's (plan_scene) */
    for (int done = 0; done < budget; done++) {
        if (!prefetch_item(c, doc, step, *cursor)) {
            *cursor = -1; /* finished */
            return true;
        }
        (*cursor)++;
    }
    return false;
}

double viz_zoom_step(double zoom, int dir)
{
    const double step = 1.15, lo = 0.6, hi = 2.5;
    double z = dir > 0 ? zoom * step : zoom / step;
    return z > hi ? hi : z < lo ? lo : z;
}
