/* viz_live_draw.c: live mode's picture, one row per connection with its
 * kernel queues, and the log of recent events. See viz_draw.h
 * (viz_draw_live).
 */
#include "viz_paint.h"

#include <stdio.h>
#include <string.h>


/* A queue bar: fill of used out of cap, with an optional in-flight part
 * (striped) at its start. */
static void live_bar(const viz_ctx *c, int x, int y, int w, int h, uint32_t solid, uint32_t striped,
                     uint32_t cap, SDL_Color k)
{
    fill(c, x, y, w, h, BAR_BG);
    if (cap) {
        int ws = (int)((double)w * striped / cap), wu = (int)((double)w * solid / cap);
        if (striped && ws < U(c, 4))
            ws = U(c, 4);
        if (solid && wu < U(c, 4))
            wu = U(c, 4);
        if (ws > w)
            ws = w;
        if (ws + wu > w)
            wu = w - ws;
        SDL_Color f = shade(k, 0.62);
        fill(c, x, y, ws, h, f);
        for (int sx = x + U(c, 3); sx<x + ws; sx += U(c, 8)> 0 ? U(c, 8) : 4)
            fill(c, sx, y, U(c, 2) > 0 ? U(c, 2) : 1, h, shade(f, 0.7));
        fill(c, x + ws, y, wu, h, k);
    }
    frame(c, x, y, w, h, 1, EDGE);
}

void viz_draw_live(SDL_Renderer *r, viz_text *t, const char *title, const viz_live_row *rows, int n,
                   int open, const char *const *log, int nlog, const viz_ui *ui, int w, int h)
{
    viz_ctx cc, *c = &cc;
    viz_paint_begin(c, r, t, ui, w, h);
    bool ja = c->lang == VIZ_LANG_JA;
    int m = U(c, 16);
    text(c, title, VIZ_FACE_BOLD, 28, TEXT, m, m, VIZ_ALIGN_LEFT);
    char buf[200];
    snprintf(buf, sizeof buf, ja ? "接続中: %d" : "open connections: %d", open);
    text(c, buf, VIZ_FACE_SANS, 20, DIM, w - m, m + U(c, 6), VIZ_ALIGN_RIGHT);
    int y = m + viz_text_line_height(t, VIZ_FACE_BOLD, T(c, 28)) + U(c, 8);
    int log_lh = viz_text_line_height(t, VIZ_FACE_MONO, T(c, 20)) + U(c, 2);
    int log_h = (nlog > 0 ? nlog : 1) * log_lh + U(c, 16);
    int rows_bottom = h - m - log_h - U(c, 10) - U(c, 20);
    int row_h = U(c, 32) + 2 * viz_text_line_height(t, VIZ_FACE_SANS, T(c, 20)) + U(c, 16);
    int info_w = (int)(w * 0.34);
    int bar_w = (w - 2 * m - info_w - U(c, 30)) / 2;
    if (n == 0)
        text(c, ja ? "接続を待っています…" : "waiting for connections…", VIZ_FACE_SANS, 23, DIM, m,
             y + U(c, 10), VIZ_ALIGN_LEFT);
    int shown = 0;
    for (int i = 0; i < n && y + row_h <= rows_bottom; i++, shown++) {
        const viz_live_row *rw = &rows[i];
        fill(c, m, y, w - 2 * m, row_h - U(c, 8), PANEL);
        SDL_Color k = viz_palette(rw->id - 1);
        fill(c, m, y, U(c, 6), row_h - U(c, 8), k);
        snprintf(buf, sizeof buf, "#%d  %s", rw->id, rw->peer);
        text(c, buf, VIZ_FACE_BOLD, 21, TEXT, m + U(c, 14), y + U(c, 4), VIZ_ALIGN_LEFT);
        char a[24], b[24], p[24];
        viz_fmt_bytes(a, sizeof a, rw->bytes_in);
        viz_fmt_bytes(b, sizeof b, rw->bytes_out);
        viz_fmt_bytes(p, sizeof p, rw->pending_bytes);
        snprintf(buf, sizeof buf, ja ? "受信 %s · 送信 %s · 未送出 %s" : "in %s · out %s · ours %s",
                 a, b, p);
        text(c, buf, VIZ_FACE_SANS, 20, DIM, m + U(c, 14), y + U(c, 32), VIZ_ALIGN_LEFT);
        int tx = m + U(c, 14);
        int ty = y + U(c, 32) + viz_text_line_height(t, VIZ_FACE_SANS, T(c, 20));
        if (rw->probe_valid) {
            text(c, rw->state, VIZ_FACE_MONO, 20, FAINT, tx, ty, VIZ_ALIGN_LEFT);
            tx += text_w(c, rw->state, VIZ_FACE_MONO, 20) + U(c, 10);
        }
        if (!rw->reading) {
            const char *pz = ja ? "読み取り停止 (背圧)" : "reading paused (backpressure)";
            tx += text(c, pz, VIZ_FACE_BOLD, 20, WARN, tx, ty, VIZ_ALIGN_LEFT) + U(c, 10);
        }
        if (rw->eof)
            text(c, ja ? "相手が送信終了" : "peer closed its side", VIZ_FACE_BOLD, 20, DIM, tx, ty,
                 VIZ_ALIGN_LEFT);
        int bx = m + info_w;
        const char *names[2] = {viz_label(c->lang, VIZ_L_SENDBUF),
                                viz_label(c->lang, VIZ_L_RECVBUF)};
        for (int q = 0; q < 2; q++) {
            int qx = bx + q * (bar_w + U(c, 20));
            uint32_t used = q == 0 ? rw->unsent_bytes + rw->in_flight_bytes : rw->recv_queue_bytes;
            uint32_t cap = q == 0 ? rw->sndbuf_bytes : rw->rcvbuf_bytes;
            char u[24], cp[24];
            viz_fmt_bytes(u, sizeof u, used);
            viz_fmt_bytes(cp, sizeof cp, cap);
            snprintf(buf, sizeof buf, "%s / %s", u, cp);
            text(c, names[q], VIZ_FACE_BOLD, 20, TEXT, qx, y + U(c, 4), VIZ_ALIGN_LEFT);
            text(c, rw->probe_valid ? buf : "-", VIZ_FACE_SANS, 20, TEXT, qx + bar_w, y + U(c, 4),
                 VIZ_ALIGN_RIGHT);
            int by = y + U(c, 4) + viz_text_line_height(t, VIZ_FACE_BOLD, T(c, 20)) + U(c, 2);
            if (q == 0)
                live_bar(c, qx, by, bar_w, U(c, 26), rw->unsent_bytes, rw->in_flight_bytes, cap, k);
            else
                live_bar(c, qx, by, bar_w, U(c, 26), rw->recv_queue_bytes, 0, cap, k);
        }
        y += row_h;
    }
    if (shown < n) {
        snprintf(buf, sizeof buf, ja ? "… ほか %d 件" : "… and %d more", n - shown);
        text(c, buf, VIZ_FACE_SANS, 20, DIM, m, y, VIZ_ALIGN_LEFT);
    }
    int ly = h - m - log_h - U(c, 20);
    fill(c, m, ly, w - 2 * m, log_h, PANEL);
    for (int i = 0; i < nlog; i++)
        text(c, log[i], VIZ_FACE_MONO, 20, i == nlog - 1 ? TEXT : DIM, m + U(c, 12),
             ly + U(c, 8) + i * log_lh, VIZ_ALIGN_LEFT);
    text(c,
         ja ? "Esc 終了 · L English · Ctrl+= / Ctrl+- 文字サイズ"
            : "Esc quit · L 日本語 · Ctrl+= / Ctrl+- text size",
         VIZ_FACE_SANS, 20, FAINT, m, h - m - U(c, 16), VIZ_ALIGN_LEFT);
}

