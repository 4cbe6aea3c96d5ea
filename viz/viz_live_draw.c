/* viz_live_draw.c: live mode's picture, one row per connection with its
 * kernel queues and its trail of recent bytes (the chunks send() and
 * recv() really moved, replayed slowly: on loopback the queues drain in
 * microseconds), a legend of the labels, and the log of recent events,
 * in English or Japanese. See viz_draw.h (viz_draw_live).
 */
#include "viz_paint.h"

#include "base_glossary.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>


/* A queue bar: fill of used out of cap, with an optional in-flight part
 * (striped) at its start. */
static void lv_bar(const viz_ctx *c, int x, int y, int w, int h, uint32_t solid, uint32_t striped,
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
        SDL_Color f = viz_theme_run_fill(k, 1);
        fill(c, x, y, ws, h, f);
        for (int sx = x + U(c, 3); sx<x + ws; sx += U(c, 8)> 0 ? U(c, 8) : 4)
            fill(c, sx, y, U(c, 2) > 0 ? U(c, 2) : 1, h, viz_theme_run_stripe(f));
        fill(c, x + ws, y, wu, h, k);
    }
    frame(c, x, y, w, h, 1, EDGE);
}

enum { LIVE_STOP_MS = 450, LIVE_MOVE_MS = 300, LIVE_BRIGHT_MS = 3500, LIVE_STOPS = 4 };

void viz_live_chip_place(const viz_live_chip *ch, int64_t now_ms, int *stop, double *move,
                         double *bright)
{
    /* d[k]: when the chip is shown arriving at stop k (INT64_MAX: not seen there yet) */
    int64_t d[LIVE_STOPS];
    int at = 0;
    if (ch->outbound) {
        d[0] = ch->t_ms;
        d[1] = ch->t_ms + LIVE_STOP_MS;
        d[2] = ch->wire_t_ms < 0 ? INT64_MAX
                                  : (ch->wire_t_ms > d[1] + LIVE_STOP_MS ? ch->wire_t_ms
                                                                         : d[1] + LIVE_STOP_MS);
        d[3] = ch->acked_t_ms < 0 || d[2] == INT64_MAX
                   ? INT64_MAX
                   : (ch->acked_t_ms > d[2] + LIVE_STOP_MS ? ch->acked_t_ms : d[2] + LIVE_STOP_MS);
        for (int k = 0; k < LIVE_STOPS; k++)
            if (d[k] <= now_ms)
                at = k;
    } else {
        for (int k = 0; k < LIVE_STOPS; k++)
            d[k] = ch->t_ms + (int64_t)(LIVE_STOPS - 1 - k) * LIVE_STOP_MS;
        at = LIVE_STOPS - 1;
        for (int k = LIVE_STOPS - 1; k >= 0; k--)
            if (d[k] <= now_ms)
                at = k;
    }
    bool first = ch->outbound ? at == 0 : at == LIVE_STOPS - 1;
    double mv = first ? 1.0 : (double)(now_ms - d[at]) / LIVE_MOVE_MS;
    *stop = at;
    *move = mv < 0 ? 0 : mv > 1 ? 1 : mv;
    int64_t age = now_ms - ch->t_ms;
    double b = 1.0;
    if (age > LIVE_BRIGHT_MS)
        b = 1.0 - 0.7 * (double)(age - LIVE_BRIGHT_MS) / (VIZ_LIVE_TRAIL_MS - LIVE_BRIGHT_MS);
    *bright = b < 0.3 ? 0.3 : b > 1 ? 1 : b;
}

/* The names of the trail's stops, long and short. */
static const char *lv_stop_name(bool ja, int k, bool shrt)
{
    static const char *en[LIVE_STOPS][2] = {{"our program", "program"},
                                           {"our kernel's buffers", "kernel"},
                                           {"the wire", "wire"},
                                           {"the other end", "peer"}};
    static const char *jp[LIVE_STOPS][2] = {{"こちらのアプリ", "アプリ"},
                                            {"こちらのカーネル", "カーネル"},
                                            {NULL, NULL}, /* the glossary's */
                                            {"相手", "相手"}};
    if (ja && k == 2) /* the lessons' word for the wire (base_glossary.h) */
        return base_term_word(BASE_TERM_WIRE, true);
    return (ja ? jp : en)[k][shrt ? 1 : 0];
}

/* The three lines of the legend. */
static const char *lv_legend(bool ja, int i)
{
    static const char *en[3] = {
        "in: bytes recv() gave us · out: bytes send() gave our kernel · ours: bytes we hold "
        "that send() has not taken yet",
        "send buffer: kept until the peer ACKs (striped: sent, not ACKed) · receive buffer: "
        "arrived, not yet read by recv()",
        "Loopback empties both in microseconds, so they read 0 B: the trail replays each chunk "
        "(→ sent, ← received).",
    };
    static const char *jp[3] = {
        "受信: recv() が渡したバイト · 送信: send() がカーネルに渡したバイト · "
        "未送出: アプリにあり send() がまだ受け取っていないバイト",
        "送信バッファ: 相手の ACK まで保持 (斜線: 送信済み・未ACK) · "
        "受信バッファ: 届いたが recv() がまだ読んでいない",
        "ループバックでは両方とも数マイクロ秒で空になり 0 B と出ます。"
        "軌跡が各チャンクをゆっくり再生します (→ 送信、← 受信)。",
    };
    return (ja ? jp : en)[i];
}

/* One connection's trail lane at (x, y), lw x lh: the stops as slots,
 * the chips of connection id arrived at a stop side by side (newest
 * first, "+N" for those that do not fit), chips on the move as blocks. */
static void lv_lane(const viz_ctx *c, const viz_live_view *v, int id, SDL_Color k, int x, int y,
                      int lw, int lh)
{
    int slot_w = lw / LIVE_STOPS, gap = U(c, 6);
    fill(c, x, y, lw, lh, BAR_BG);
    for (int s = 1; s < LIVE_STOPS; s++)
        fill(c, x + s * slot_w, y, 1, lh, EDGE);
    int cur[LIVE_STOPS], hidden[LIVE_STOPS] = {0};
    char more[16];
    snprintf(more, sizeof more, "+%d", 99);
    int more_w = text_w(c, more, VIZ_FACE_SANS, 20) + U(c, 8);
    for (int s = 0; s < LIVE_STOPS; s++)
        cur[s] = x + s * slot_w + gap;
    int ch_h = lh - U(c, 4);
    /* two passes: the blocks on the move first, the chips that arrived
     * (with their text) over them */
    for (int pass = 0; pass < 2; pass++)
    for (int i = v->nchips - 1; i >= 0; i--) {
        const viz_live_chip *ch = &v->chips[i];
        if (ch->conn_id != id)
            continue;
        int stop;
        double mv, br;
        viz_live_chip_place(ch, v->now_ms, &stop, &mv, &br);
        SDL_Color f = shade(k, br > 0.8 ? 1.0 : br > 0.5 ? 0.7 : 0.45);
        SDL_Color tk = br > 0.5 ? DARK : TEXT;
        if ((mv < 1.0) != (pass == 0))
            continue;
        if (mv < 1.0) {
            /* on the move: a block between the slots, no text */
            int from = ch->outbound ? stop - 1 : stop + 1;
            double fx = (from + (stop - from) * mv) * slot_w + gap;
            fill(c, x + (int)fx, y + U(c, 2), U(c, 34), ch_h, f);
            continue;
        }
        char sz[24], lab[80];
        viz_fmt_bytes(sz, sizeof sz, ch->bytes);
        const char *arrow = ch->outbound ? "→" : "←";
        int room = x + (stop + 1) * slot_w - gap - cur[stop] - more_w;
        const char *reprs[3] = {ch->repr, ch->repr_short, ""};
        bool drawn = false;
        for (int ri = 0; ri < 3 && !drawn; ri++) {
            if (ri < 2 && !reprs[ri][0])
                continue;
            if (reprs[ri][0])
                snprintf(lab, sizeof lab, "%s %s %s", arrow, reprs[ri], sz);
            else
                snprintf(lab, sizeof lab, "%s %s", arrow, sz);
            int tw = text_w(c, lab, VIZ_FACE_SANS, 20) + U(c, 10);
            if (tw > room)
                continue;
            fill(c, cur[stop], y + U(c, 2), tw, ch_h, f);
            box(c, cur[stop], y + U(c, 2), tw, ch_h);
            int ty = y + U(c, 2) + (ch_h - viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, 20))) / 2;
            text(c, lab, VIZ_FACE_SANS, 20, tk, cur[stop] + U(c, 5), ty, VIZ_ALIGN_LEFT);
            cur[stop] += tw + gap;
            drawn = true;
        }
        if (!drawn)
            hidden[stop]++;
    }
    box(c, x, y, lw, lh);
    for (int s = 0; s < LIVE_STOPS; s++) {
        if (!hidden[s])
            continue;
        snprintf(more, sizeof more, "+%d", hidden[s] > 99 ? 99 : hidden[s]);
        int ty = y + (lh - viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, 20))) / 2;
        int xr = x + (s + 1) * slot_w - gap, tw = text_w(c, more, VIZ_FACE_SANS, 20);
        /* on its own ground: a block on the move passes under the count */
        fill(c, xr - tw - U(c, 4), y + 1, tw + U(c, 4) + gap - 1, lh - 2, BAR_BG);
        text(c, more, VIZ_FACE_SANS, 20, DIM, xr, ty, VIZ_ALIGN_RIGHT);
    }
}

/* The legend's lines wrapped to max_w: how many, for the layout. */
static int lv_legend_lines(const viz_ctx *c, bool ja, int max_w)
{
    int st[VIZ_WRAP_MAX_LINES], ln[VIZ_WRAP_MAX_LINES], n = 0;
    for (int i = 0; i < 3; i++)
        n += viz_text_wrap(c->t, lv_legend(ja, i), VIZ_FACE_SANS, T(c, 20), max_w, st, ln,
                           VIZ_WRAP_MAX_LINES);
    return n;
}

void viz_draw_live(SDL_Renderer *r, viz_text *t, const viz_live_view *v, const viz_ui *ui, int w,
                   int h)
{
    viz_ctx cc, *c = &cc;
    viz_paint_begin(c, r, t, ui, w, h);
    bool ja = c->lang == VIZ_LANG_JA;
    int m = U(c, 16);
    char buf[400];
    snprintf(buf, sizeof buf, "%s %s",
             v->listening ? (ja ? "ライブ: 待ち受け中" : "Live: listening on")
                          : (ja ? "ライブ: 接続先" : "Live: connected to"),
             v->addr);
    int title_w = text(c, buf, VIZ_FACE_BOLD, 28, TEXT, m, m, VIZ_ALIGN_LEFT);
    int y = m + viz_text_line_height(t, VIZ_FACE_BOLD, T(c, 28)) + U(c, 8);
    int lh20 = viz_text_line_height(t, VIZ_FACE_SANS, T(c, 20));
    snprintf(buf, sizeof buf, ja ? "接続中: %d" : "open connections: %d", v->open);
    if (title_w + U(c, 20) + text_w(c, buf, VIZ_FACE_SANS, 20) <= w - 2 * m) {
        text(c, buf, VIZ_FACE_SANS, 20, DIM, w - m, m + U(c, 6), VIZ_ALIGN_RIGHT);
    } else { /* a zoomed title leaves no room beside it: under it */
        text(c, buf, VIZ_FACE_SANS, 20, DIM, w - m, y - U(c, 4), VIZ_ALIGN_RIGHT);
        y += lh20;
    }
    int lh20s = viz_text_line_height(t, VIZ_FACE_SANS, T(c, 20));
    /* the legend's pitch as viz_text_draw_wrapped draws it: Japanese
     * lines keep the Japanese font's (Noto Sans CJK's is taller) */
    int plh20s = viz_text_para_line_height(t, ja ? VIZ_FACE_JA : VIZ_FACE_SANS, T(c, 20));
    int log_lh = viz_text_line_height(t, VIZ_FACE_MONO, T(c, 20)) + U(c, 2);
    /* bottom up: the footer, the log, the legend; the rows get the rest */
    int foot_y = h - U(c, 6) - lh20;
    int leg_w = w - 2 * m - U(c, 24);
    int leg_n = lv_legend_lines(c, ja, leg_w);
    int leg_h = leg_n * plh20s + U(c, 12);
    int lane_h = lh20s + U(c, 8);
    int row_h = U(c, 32) + 2 * lh20 + U(c, 8) + lane_h + U(c, 8);
    int head_h = lh20s + U(c, 4);
    int min_log = v->nlog < 2 ? v->nlog : 2;
    int fixed = foot_y - U(c, 8) - U(c, 16) - U(c, 8) - leg_h - U(c, 8) - lh20 - head_h - y;
    int want_rows = v->n > 0 ? v->n : 1;
    int fit = (fixed - min_log * log_lh) / row_h;
    if (fit < 1)
        fit = 1;
    int shown_max = want_rows < fit ? want_rows : fit;
    int nlog = (fixed - shown_max * row_h) / log_lh;
    if (nlog > v->nlog)
        nlog = v->nlog;
    if (nlog < 1 && v->nlog > 0)
        nlog = 1;
    int log_h = (nlog > 0 ? nlog : 1) * log_lh + U(c, 16);
    int log_y = foot_y - U(c, 8) - log_h;
    int leg_y = log_y - U(c, 8) - leg_h;
    int rows_bottom = leg_y - U(c, 8) - lh20; /* the "and N more" line fits under them */
    int info_w = (int)(w * 0.34);
    int bar_w = (w - 2 * m - info_w - U(c, 30)) / 2;
    int lane_x = m + U(c, 14), lane_w = w - 2 * m - U(c, 28);
    /* the trail's stops, once, over the lanes */
    int slot_w = lane_w / LIVE_STOPS;
    for (int s = 0; s < LIVE_STOPS; s++) {
        const char *nm = lv_stop_name(ja, s, false);
        if (text_w(c, nm, VIZ_FACE_SANS, 20) > slot_w - U(c, 12))
            nm = lv_stop_name(ja, s, true);
        text(c, nm, VIZ_FACE_SANS, 20, FAINT, lane_x + s * slot_w + U(c, 6), y, VIZ_ALIGN_LEFT);
    }
    y += head_h;
    if (v->n == 0)
        text(c, ja ? "クライアントの接続を待っています" : "waiting for a client to connect", VIZ_FACE_SANS, 23, DIM, m,
             y + U(c, 10), VIZ_ALIGN_LEFT);
    int shown = 0;
    for (int i = 0; i < v->n && y + row_h <= rows_bottom + U(c, 10); i++, shown++) {
        const viz_live_row *rw = &v->rows[i];
        fill(c, m, y, w - 2 * m, row_h - U(c, 8), PANEL);
        box(c, m, y, w - 2 * m, row_h - U(c, 8));
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
        int ty = y + U(c, 32) + lh20;
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
            int nw = text(c, names[q], VIZ_FACE_BOLD, 20, TEXT, qx, y + U(c, 4), VIZ_ALIGN_LEFT);
            const char *val = rw->probe_valid ? buf : "-";
            int by = y + U(c, 4) + viz_text_line_height(t, VIZ_FACE_BOLD, T(c, 20)) + U(c, 2);
            /* the figures beside the name, or under the bar when zoomed */
            bool beside = nw + U(c, 10) + text_w(c, val, VIZ_FACE_SANS, 20) <= bar_w;
            text(c, val, VIZ_FACE_SANS, 20, TEXT, qx + bar_w,
                 beside ? y + U(c, 4) : by + U(c, 26) + U(c, 2), VIZ_ALIGN_RIGHT);
            if (q == 0)
                lv_bar(c, qx, by, bar_w, U(c, 26), rw->unsent_bytes, rw->in_flight_bytes, cap, k);
            else
                lv_bar(c, qx, by, bar_w, U(c, 26), rw->recv_queue_bytes, 0, cap, k);
        }
        lv_lane(c, v, rw->id, k, lane_x, y + U(c, 32) + 2 * lh20 + U(c, 6), lane_w, lane_h);
        box(c, 0, 0, w, h);
        y += row_h;
    }
    if (shown < v->n) {
        snprintf(buf, sizeof buf, ja ? "… ほか %d 件" : "… and %d more", v->n - shown);
        text(c, buf, VIZ_FACE_SANS, 20, DIM, m, y, VIZ_ALIGN_LEFT);
    }
    fill(c, m, leg_y, w - 2 * m, leg_h, PANEL2);
    box(c, m, leg_y, w - 2 * m, leg_h);
    int ly = leg_y + U(c, 6);
    for (int i = 0; i < 3; i++)
        ly += viz_text_draw_wrapped(t, lv_legend(ja, i), VIZ_FACE_SANS, T(c, 20), DIM,
                                    m + U(c, 12), ly, leg_w, VIZ_WRAP_MAX_LINES);
    fill(c, m, log_y, w - 2 * m, log_h, PANEL);
    box(c, m, log_y, w - 2 * m, log_h);
    const char *const *log = ja ? v->log_ja : v->log_en;
    for (int i = 0; i < nlog; i++) {
        int li = v->nlog - nlog + i; /* the newest nlog */
        char line[200];
        snprintf(line, sizeof line, "%s", log[li]);
        viz_paint_fit(c, line, VIZ_FACE_MONO, 20, w - 2 * m - U(c, 24));
        text(c, line, VIZ_FACE_MONO, 20, li == v->nlog - 1 ? TEXT : DIM, m + U(c, 12),
             log_y + U(c, 8) + i * log_lh, VIZ_ALIGN_LEFT);
    }
    box(c, 0, 0, w, h);
    /* The keys are the key table's live rows (viz_keys.c); a question or
     * a word about them (ui->toast: "Quit? Q again ...") takes their place. */
    if (ui->toast)
        text(c, ui->toast, VIZ_FACE_SANS, 20, TEXT, m, foot_y, VIZ_ALIGN_LEFT);
    else
        text(c, viz_label(c->lang, VIZ_L_LIVE_FOOTER), VIZ_FACE_SANS, 20, FAINT, m, foot_y,
             VIZ_ALIGN_LEFT);
}
