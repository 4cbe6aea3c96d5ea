/* viz_overlay.c: what is drawn over or instead of a lesson: the lesson
 * picker, the key help and the spotlight on one buffer (B). See viz_draw.h.
 */
#include "viz_keys.h"
#include "viz_paint.h"

#include <stdio.h>
#include <string.h>

void viz_draw_picker(SDL_Renderer *r, viz_text *t, const viz_pick_item *items, int n, int selected,
                     const viz_ui *ui, int w, int h)
{
    viz_ctx cc, *c = &cc;
    viz_paint_begin(c, r, t, ui, w, h);
    int m = U(c, 40);
    text(c, "sockbuf", VIZ_FACE_BOLD, 40, ACCENT, m, m, VIZ_ALIGN_LEFT);
    int y = m + viz_text_line_height(t, VIZ_FACE_BOLD, T(c, 40));
    text(c, viz_label(c->lang, VIZ_L_PICKER_TITLE), VIZ_FACE_BOLD, 30, TEXT, m, y, VIZ_ALIGN_LEFT);
    y += viz_text_line_height(t, VIZ_FACE_BOLD, T(c, 30)) + U(c, 16);
    int lh = viz_text_line_height(t, VIZ_FACE_JA, T(c, 26)) + U(c, 26);
    for (int i = 0; i < n; i++) {
        if (y + lh > h - m - U(c, 30))
            break;
        if (i == selected)
            fill(c, m - U(c, 10), y - U(c, 12), w - 2 * m + U(c, 20), lh - U(c, 2), HILITE);
        char num[16];
        snprintf(num, sizeof num, "%d", i + 1);
        fill(c, m, y, U(c, 34), viz_text_line_height(t, VIZ_FACE_BOLD, T(c, 24)) + U(c, 2),
             viz_palette(i));
        text(c, num, VIZ_FACE_BOLD, 24, DARK, m + U(c, 17), y + U(c, 2), VIZ_ALIGN_CENTER);
        const char *title =
            c->lang == VIZ_LANG_JA && items[i].title_ja ? items[i].title_ja : items[i].title;
        text(c, title ? title : items[i].name, VIZ_FACE_SANS, 26, TEXT, m + U(c, 52), y,
             VIZ_ALIGN_LEFT);
        text(c, items[i].name ? items[i].name : "", VIZ_FACE_MONO, 20, FAINT, w - m, y + U(c, 6),
             VIZ_ALIGN_RIGHT);
        y += lh;
    }
    /* A message (a key with no lesson) takes the hint's place while it lasts. */
    text(c, ui && ui->toast ? ui->toast : viz_label(c->lang, VIZ_L_PICKER_HINT), VIZ_FACE_SANS,
         20, ui && ui->toast ? WARN : DIM, m, h - m - U(c, 10),
         VIZ_ALIGN_LEFT);
    if (ui && ui->help)
        viz_draw_help(r, t, ui, w, h);
}

/* The pitch of the help list's rows at text size sz: a row is one line
 * as drawn (its Japanese in the Latin face's line box, viz_font.h), not
 * the Japanese font's own line skip, which for Noto Sans CJK is a
 * quarter taller and pushed the last rows out of a zoomed window. */
static int help_row_h(const viz_ctx *c, int sz)
{
    int w = 0, h = 0;
    viz_text_size(c->t, c->lang == VIZ_LANG_JA ? "A\xe3\x81\x82" : "A", VIZ_FACE_SANS, T(c, sz), &w,
                  &h);
    return h + U(c, 4);
}

void viz_draw_help(SDL_Renderer *r, viz_text *t, const viz_ui *ui, int w, int h)
{
    viz_draw_help_in(r, t, ui, VIZ_KEYS_LESSON_WINDOW, w, h);
}

void viz_draw_help_in(SDL_Renderer *r, viz_text *t, const viz_ui *ui, unsigned window, int w, int h)
{
    /* The lines are the key table's (viz_keys.c), in its order. */
    const char *keys[VIZ_KEYS_HELP_MAX][3];
    int n = viz_keys_help_lines_in(window, keys, VIZ_KEYS_HELP_MAX);
    viz_ctx cc, *c = &cc;
    viz_paint_ctx(c, r, t, ui, w, h);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    fill(c, 0, 0, w, h, viz_theme_now()->veil);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
    /* Under the keys, what the wire's colours mean (a zoomed, narrow
     * wire has no room for its legend and points here). */
    const viz_label_id legend[] = {VIZ_L_LEGEND_WRITES, VIZ_L_LEGEND_STRIPES, VIZ_L_LEGEND_OVERHEAD};
    int nl = window & VIZ_KEYS_LESSON ? (int)(sizeof legend / sizeof legend[0]) : 0;
    /* Every row fits: a zoomed or short window draws the list smaller
     * rather than cutting its last rows off. */
    int sz = 23;
    int lh = help_row_h(c, sz);
    while (sz > 9 && lh * (n + nl) + U(c, 100) > h - U(c, 20)) {
        sz--;
        lh = help_row_h(c, sz);
    }
    int kw = 0, dw = 0;
    for (int i = 0; i < n; i++) {
        int k = text_w(c, keys[i][0], VIZ_FACE_BOLD, sz);
        int d = text_w(c, keys[i][c->lang == VIZ_LANG_JA ? 2 : 1], VIZ_FACE_SANS, sz);
        kw = k > kw ? k : kw;
        dw = d > dw ? d : dw;
    }
    int sw = viz_text_line_height(t, VIZ_FACE_SANS, T(c, sz)) * 2 / 3;
    kw = kw > 4 * sw + U(c, 6) ? kw : 4 * sw + U(c, 6);
    for (int i = 0; i < nl; i++) {
        int d = text_w(c, viz_label(c->lang, legend[i]), VIZ_FACE_SANS, sz);
        dw = d > dw ? d : dw;
    }
    int pw = U(c, 24) + kw + U(c, 20) + dw + U(c, 24), ph = lh * (n + nl) + U(c, 100);
    if (pw < U(c, 760))
        pw = U(c, 760);
    if (pw > w - U(c, 20))
        pw = w - U(c, 20);
    if (ph > h - U(c, 20))
        ph = h - U(c, 20);
    int px = (w - pw) / 2, py = (h - ph) / 2;
    fill(c, px, py, pw, ph, PANEL);
    frame(c, px, py, pw, ph, U(c, 2), ACCENT);
    box(c, px, py, pw, ph);
    text(c, viz_label(c->lang, VIZ_L_HELP_TITLE), VIZ_FACE_BOLD, 30, TEXT, px + U(c, 24),
         py + U(c, 14), VIZ_ALIGN_LEFT);
    int y = py + U(c, 64);
    /* The descriptions start after the widest key, cut where the panel
     * ends (never run into the keys). */
    int dx = px + U(c, 24) + kw + U(c, 20);
    for (int i = 0; i < n; i++) {
        char d[128];
        snprintf(d, sizeof d, "%s", keys[i][c->lang == VIZ_LANG_JA ? 2 : 1]);
        viz_paint_fit(c, d, VIZ_FACE_SANS, sz, px + pw - U(c, 12) - dx);
        text(c, keys[i][0], VIZ_FACE_BOLD, sz, KEYC, px + U(c, 24), y, VIZ_ALIGN_LEFT);
        text(c, d, VIZ_FACE_SANS, sz, TEXT, dx, y, VIZ_ALIGN_LEFT);
        y += lh;
    }
    y += U(c, 10);
    for (int i = 0; i < nl; i++) {
        char d[128];
        snprintf(d, sizeof d, "%s", viz_label(c->lang, legend[i]));
        viz_paint_fit(c, d, VIZ_FACE_SANS, sz, px + pw - U(c, 12) - dx);
        viz_paint_legend_swatch(c, i, px + U(c, 24), y + (lh - U(c, 4) - sw) / 2, sw);
        text(c, d, VIZ_FACE_SANS, sz, TEXT, dx, y, VIZ_ALIGN_LEFT);
        y += lh;
    }
}

void viz_draw_spotlight(SDL_Renderer *r, viz_text *t, const viz_ui *ui, SDL_Rect rect,
                        const char *label, int w, int h)
{
    if (rect.w <= 0 || rect.h <= 0)
        return;
    viz_ctx cc, *c = &cc;
    viz_paint_ctx(c, r, t, ui, w, h);
    /* Dimmed around the buffer, four bands: the buffer itself untouched. */
    SDL_Color veil = viz_theme_spot_veil(viz_theme_now());
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    fill(c, 0, 0, w, rect.y, veil);
    fill(c, 0, rect.y + rect.h, w, h - rect.y - rect.h, veil);
    fill(c, 0, rect.y, rect.x, rect.h, veil);
    fill(c, rect.x + rect.w, rect.y, w - rect.x - rect.w, rect.h, veil);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
    frame(c, rect.x, rect.y, rect.w, rect.h, U(c, 4), KEYC);
    if (!label || !*label)
        return;
    int lh = viz_text_line_height(t, VIZ_FACE_BOLD, T(c, 22)) + U(c, 6);
    int lw = text_w(c, label, VIZ_FACE_BOLD, 22) + U(c, 16);
    int ly = rect.y - lh - U(c, 4) >= 0 ? rect.y - lh - U(c, 4) : rect.y + rect.h + U(c, 4);
    int lx = rect.x + lw <= w ? rect.x : w - lw;
    box(c, lx, ly, lw, lh);
    fill(c, lx, ly, lw, lh, WARN_FILL);
    text(c, label, VIZ_FACE_BOLD, 22, DARK, lx + lw / 2, ly + U(c, 3), VIZ_ALIGN_CENTER);
    box(c, 0, 0, w, h);
}
