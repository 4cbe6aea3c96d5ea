/* viz_trace.c: the picture of `sockbuf trace` (see viz_trace.h). */
#include "viz_trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base_names.h"
#include "viz_paint.h"

enum { SRC_FILES = 8, SRC_MAX_LINES = 20000, LOG_MAX = 40 };

typedef struct {
    char name[TRACE_WHERE_MAX]; /* the base name a where names */
    char *text;                 /* the file, its newlines made NULs; NULL: not found */
    char **lines;
    int nlines;
} src_file;

struct viz_trace_src {
    src_file files[SRC_FILES];
    int n;
};

viz_trace_src *viz_trace_src_new(void)
{
    return calloc(1, sizeof(viz_trace_src));
}

void viz_trace_src_free(viz_trace_src *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n; i++) {
        free(c->files[i].text);
        free(c->files[i].lines);
    }
    free(c);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            if (cap > (size_t)8 << 20)
                break;
            char *nb = realloc(buf, cap);
            if (!nb)
                break;
            buf = nb;
        }
        size_t k = fread(buf + n, 1, 4096, f);
        n += k;
        if (k < 4096)
            break;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* The file for a base name: a word of the commands that ends in it, else
 * the name itself in the current folder. */
static void load(src_file *sf, const viz_trace_opts *o)
{
    char path[1024];
    for (int r = 0; r < o->nruns && !sf->text; r++) {
        const char *p = o->runs[r];
        while (p && *p && !sf->text) {
            while (*p == ' ' || *p == '\t' || *p == '\'' || *p == '"')
                p++;
            size_t l = strcspn(p, " \t'\"");
            if (l && l < sizeof path) {
                memcpy(path, p, l);
                path[l] = '\0';
                const char *b = strrchr(path, '/');
                if (!strcmp(b ? b + 1 : path, sf->name))
                    sf->text = slurp(path);
            }
            p += l;
        }
    }
    if (!sf->text)
        sf->text = slurp(sf->name);
    if (!sf->text)
        return;
    int cap = 0;
    for (char *p = sf->text; p && sf->nlines < SRC_MAX_LINES;) {
        if (sf->nlines == cap) {
            cap = cap ? cap * 2 : 256;
            char **nl = realloc(sf->lines, (size_t)cap * sizeof *nl);
            if (!nl)
                return;
            sf->lines = nl;
        }
        sf->lines[sf->nlines++] = p;
        char *e = strchr(p, '\n');
        if (e)
            *e = '\0';
        p = e ? e + 1 : NULL;
    }
}

const char *viz_trace_src_line(viz_trace_src *c, const viz_trace_opts *o, const char *where,
                               int line)
{
    char name[TRACE_WHERE_MAX];
    const char *colon = strrchr(where, ':');
    if (!c || !colon || colon == where)
        return NULL;
    snprintf(name, sizeof name, "%.*s", (int)(colon - where), where);
    src_file *sf = NULL;
    for (int i = 0; i < c->n && !sf; i++)
        if (!strcmp(c->files[i].name, name))
            sf = &c->files[i];
    if (!sf) {
        if (c->n == SRC_FILES)
            return NULL;
        sf = &c->files[c->n++];
        snprintf(sf->name, sizeof sf->name, "%s", name);
        load(sf, o);
    }
    return line >= 1 && line <= sf->nlines ? sf->lines[line - 1] : NULL;
}

static int where_line(const char *where)
{
    const char *colon = strrchr(where, ':');
    return colon ? atoi(colon + 1) : 0;
}

/* The newest event of run at or before the view (the held call when the
 * view is "now" and one is held). */
static const trace_event *side_event(const viz_trace_view *v, int run, bool *held)
{
    *held = false;
    size_t n = trace_event_count(v->s);
    if (v->view >= n) {
        const trace_event *h = trace_held_run(v->s, run);
        if (h) {
            *held = true;
            return h;
        }
    }
    size_t last = v->view < n ? v->view : (n ? n - 1 : 0);
    for (size_t i = last + 1; i-- > 0 && n;) {
        const trace_event *e = trace_event_at(v->s, i);
        if (e->run == run && e->proc == 0 && e->thread == 0)
            return e;
    }
    return NULL;
}

static void bar(const viz_ctx *c, int x, int y, int w, int h, uint64_t solid, uint64_t striped,
                uint64_t cap, SDL_Color k)
{
    fill(c, x, y, w, h, BAR_BG);
    frame(c, x, y, w, h, 1, EDGE);
    if (!cap)
        return;
    int a = (int)((double)w * (double)(solid < cap ? solid : cap) / (double)cap);
    uint64_t rest = solid < cap ? cap - solid : 0;
    int b = (int)((double)w * (double)(striped < rest ? striped : rest) / (double)cap);
    if (solid && a < 2)
        a = 2;
    if (striped && b < 2)
        b = 2;
    fill(c, x, y, a, h, k);
    SDL_Color f = viz_theme_run_fill(k, 1);
    fill(c, x + a, y, b, h, f);
    for (int sx = x + a + U(c, 3); sx<x + a + b; sx += U(c, 8)> 0 ? U(c, 8) : 4)
        fill(c, sx, y, U(c, 2) > 0 ? U(c, 2) : 1, h, viz_theme_run_stripe(f));
}

static void side_panel(const viz_ctx *c, const viz_trace_view *v, int run, int x, int y, int w,
                       int h, uint64_t cap)
{
    bool ja = c->lang == VIZ_LANG_JA;
    char buf[600], res[200];
    SDL_Color k = viz_palette(run);
    fill(c, x, y, w, h, PANEL);
    fill(c, x, y, U(c, 6), h, k);
    box(c, x, y, w, h);
    int px = x + U(c, 16), pw = w - U(c, 28);
    int lh = viz_text_line_height(c->t, VIZ_FACE_MONO, T(c, 20));
    int yy = y + U(c, 8);
    snprintf(buf, sizeof buf, "%s", trace_run_name(v->s, run));
    int nw = text(c, buf, VIZ_FACE_BOLD, 24, TEXT, px, yy, VIZ_ALIGN_LEFT);
    snprintf(buf, sizeof buf, "%s", run < v->o->nruns ? v->o->runs[run] : "");
    viz_paint_fit(c, buf, VIZ_FACE_MONO, 18, pw - nw - U(c, 12));
    text(c, buf, VIZ_FACE_MONO, 18, DIM, px + nw + U(c, 12), yy + U(c, 4), VIZ_ALIGN_LEFT);
    yy += viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, 24)) + U(c, 6);
    bool held = false;
    const trace_event *e = side_event(v, run, &held);
    /* The source around the line. */
    int code_h = 5 * lh + U(c, 12);
    fill(c, px - U(c, 4), yy, pw + U(c, 8), code_h, DARK);
    int line = e && e->where[0] ? where_line(e->where) : 0;
    if (line > 0) {
        char name[TRACE_WHERE_MAX];
        snprintf(name, sizeof name, "%s", e->where);
        for (int d = -2; d <= 2; d++) {
            const char *src = viz_trace_src_line(v->src, v->o, e->where, line + d);
            if (!src)
                continue;
            int ly = yy + U(c, 6) + (d + 2) * lh;
            if (d == 0)
                fill(c, px - U(c, 4), ly - U(c, 1), pw + U(c, 8), lh + U(c, 2),
                     held ? shade(WARN, 0.35) : HILITE);
            snprintf(buf, sizeof buf, "%4d  %s", line + d, src);
            for (char *p = buf; *p; p++)
                if (*p == '\t')
                    *p = ' ';
            viz_paint_fit(c, buf, VIZ_FACE_MONO, 20, pw);
            text(c, buf, VIZ_FACE_MONO, 20, d == 0 ? TEXT : FAINT, px, ly, VIZ_ALIGN_LEFT);
        }
    } else {
        text(c,
             e ? (ja ? "(Python のソース行なし)" : "(no Python source line)")
               : (ja ? "(まだソケット呼び出しなし)" : "(no socket call yet)"),
             VIZ_FACE_SANS, 20, FAINT, px, yy + U(c, 6), VIZ_ALIGN_LEFT);
    }
    yy += code_h + U(c, 8);
    /* The call and its result. */
    if (e) {
        trace_call_text(e, buf, sizeof buf);
        trace_result_text(e, res, sizeof res);
        char line2[800];
        SDL_Color rk = TEXT;
        if (held) {
            snprintf(line2, sizeof line2, "%.400s  %s", buf,
                     ja ? "… 待機中 (Space で実行)" : "… held (Space runs it)");
            rk = WARN;
        } else if (!e->done) {
            snprintf(line2, sizeof line2, "%.400s  %s %.0f ms", buf,
                     ja ? "… ブロック中" : "… blocked", (double)e->took_us / 1000.0);
            rk = WARN;
        } else {
            snprintf(line2, sizeof line2, "%.400s → %.200s", buf, res);
            rk = e->ret < 0 ? BAD : GOOD;
        }
        char shown[800];
        snprintf(shown, sizeof shown, "%s", line2);
        viz_paint_fit(c, shown, VIZ_FACE_MONO, 21, pw);
        text(c, shown, VIZ_FACE_MONO, 21, rk, px, yy, VIZ_ALIGN_LEFT);
    }
    yy += viz_text_line_height(c->t, VIZ_FACE_MONO, T(c, 21)) + U(c, 10);
    /* The kernel's buffers: now (when the view is now), else as the call
     * left them. */
    trace_queues nowq;
    const trace_queues *q = e ? &e->after : NULL;
    if (e && v->view >= trace_event_count(v->s) && !held && !v->ended) {
        int sock = e->call == TRACE_C_ACCEPT || e->call == TRACE_C_SOCKET ? (int)e->ret : e->fd;
        if (e->call != TRACE_C_CLOSE && sock >= 0 && trace_peek_queues(e->pid, sock, &nowq) == 0)
            q = &nowq;
    }
    bool have = q && q->have && q->state != 10; /* a listener has no data queues */
    int bh = U(c, 24);
    int lh20 = viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, 20));
    uint64_t unsent = have && q->unsent_bytes > 0 ? (uint64_t)q->unsent_bytes : 0;
    uint64_t outq = have && q->outq_bytes > 0 ? (uint64_t)q->outq_bytes : 0;
    uint64_t inflight = outq > unsent ? outq - unsent : 0;
    uint64_t inq = have && q->inq_bytes > 0 ? (uint64_t)q->inq_bytes : 0;
    char a[24], b2[24];
    text(c, viz_label(c->lang, VIZ_L_SENDBUF), VIZ_FACE_BOLD, 20, TEXT, px, yy, VIZ_ALIGN_LEFT);
    viz_fmt_bytes(a, sizeof a, unsent);
    viz_fmt_bytes(b2, sizeof b2, inflight);
    snprintf(buf, sizeof buf, ja ? "未送信 %s · 送信中 %s" : "unsent %s · in flight %s", a, b2);
    text(c, have ? buf : "-", VIZ_FACE_SANS, 20, DIM, px + pw, yy, VIZ_ALIGN_RIGHT);
    yy += lh20 + U(c, 2);
    bar(c, px, yy, pw, bh, unsent, inflight, cap, k);
    yy += bh + U(c, 8);
    text(c, viz_label(c->lang, VIZ_L_RECVBUF), VIZ_FACE_BOLD, 20, TEXT, px, yy, VIZ_ALIGN_LEFT);
    viz_fmt_bytes(a, sizeof a, inq);
    snprintf(buf, sizeof buf, ja ? "未読 %s" : "not read yet %s", a);
    text(c, have ? buf : "-", VIZ_FACE_SANS, 20, DIM, px + pw, yy, VIZ_ALIGN_RIGHT);
    yy += lh20 + U(c, 2);
    bar(c, px, yy, pw, bh, inq, 0, cap, k);
    yy += bh + U(c, 8);
    if (q && q->have) {
        char w1[24];
        viz_fmt_bytes(w1, sizeof w1, q->snd_wnd);
        snprintf(buf, sizeof buf,
                 ja ? "%s · 相手のウィンドウ %s · RTT %.1f ms"
                    : "%s · peer window %s · RTT %.1f ms",
                 base_tcp_state_name(base_tcp_state_of_linux((int)q->state)), w1,
                 (double)q->rtt_us / 1000.0);
        viz_paint_fit(c, buf, VIZ_FACE_SANS, 20, pw);
        text(c, buf, VIZ_FACE_SANS, 20, q->snd_wnd == 0 && q->state == 1 ? WARN : DIM, px, yy,
             VIZ_ALIGN_LEFT);
    }
}

/* The wire: the segments logged since the call before the one shown. */
static void wire_band(const viz_ctx *c, const viz_trace_view *v, const trace_event *e, int x, int y,
                      int w, int h)
{
    bool ja = c->lang == VIZ_LANG_JA;
    fill(c, x, y, w, h, PANEL2);
    box(c, x, y, w, h);
    size_t nseg = 0;
    const net_wire_segment *log = trace_segments(v->s, &nseg);
    char buf[160];
    size_t first = e ? e->seg_first : 0, count = e ? e->seg_count : 0;
    bool now = v->view >= trace_event_count(v->s);
    if (now) {
        /* Now: the newest segments the wire carried. */
        first = nseg > 14 ? nseg - 14 : 0;
        count = nseg - first;
    }
    if (!log)
        snprintf(buf, sizeof buf, "%s",
                 ja ? "ワイヤー: ループバック (セグメントは見えません)"
                    : "the wire: plain loopback (no segments to see)");
    else if (now)
        snprintf(buf, sizeof buf, "%s",
                 ja ? "ワイヤー: 最新のセグメント" : "the wire: the newest segments");
    else
        snprintf(buf, sizeof buf,
                 ja ? "ワイヤー: この呼び出しまでのセグメント %zu 個"
                    : "the wire: %zu segments since the call before",
                 count);
    text(c, buf, VIZ_FACE_BOLD, 20, TEXT, x + U(c, 12), y + U(c, 6), VIZ_ALIGN_LEFT);
    int lane_h = (h - U(c, 40)) / 2;
    int l0 = y + U(c, 34);
    text(c,
         ja ? "上: クライアント → サーバー · 下: サーバー → クライアント"
            : "upper: client → server · lower: server → client · oldest first",
         VIZ_FACE_SANS, 18, FAINT, x + w - U(c, 12), y + U(c, 8), VIZ_ALIGN_RIGHT);
    if (!log || !count)
        return;
    size_t shown = count > 14 ? 14 : count;
    size_t from = first + count - shown; /* the newest */
    int cw = (w - U(c, 24)) / 14;
    for (size_t i = 0; i < shown && from + i < nseg; i++) {
        const net_wire_segment *g = &log[from + i];
        int lane = g->dir == 0 ? 0 : 1;      /* 0: client to server, right to left */
        int cx = x + U(c, 12) + (int)i * cw; /* oldest at the left */
        int cy = l0 + lane * lane_h;
        SDL_Color k = viz_palette(g->dir == 0 ? 1 : 0);
        const char *flag = (g->flags & NET_WIRE_SYN)   ? "SYN"
                           : (g->flags & NET_WIRE_FIN) ? "FIN"
                           : (g->flags & NET_WIRE_RST) ? "RST"
                                                       : NULL;
        if (flag)
            snprintf(buf, sizeof buf, "%s", flag);
        else if (g->len_bytes)
            snprintf(buf, sizeof buf, "%u B", g->len_bytes);
        else if (g->window_bytes == 0)
            snprintf(buf, sizeof buf, "win 0");
        else
            snprintf(buf, sizeof buf, "ACK");
        SDL_Color bg = g->len_bytes ? k : g->window_bytes == 0 ? BAD : shade(k, 0.45);
        fill(c, cx + U(c, 2), cy, cw - U(c, 4), lane_h - U(c, 6), bg);
        viz_paint_fit(c, buf, VIZ_FACE_BOLD, 17, cw - U(c, 8));
        text(c, buf, VIZ_FACE_BOLD, 17, DARK, cx + cw / 2, cy + U(c, 2), VIZ_ALIGN_CENTER);
    }
}

void viz_draw_trace(SDL_Renderer *r, viz_text *t, const viz_trace_view *v, const viz_ui *ui, int w,
                    int h)
{
    viz_ctx cc, *c = &cc;
    viz_paint_begin(c, r, t, ui, w, h);
    bool ja = c->lang == VIZ_LANG_JA;
    int m = U(c, 16);
    char buf[600];
    size_t n = trace_event_count(v->s);
    uint64_t dropped = trace_events_dropped(v->s);
    text(c, ja ? "sockbuf trace: あなたのプログラム" : "sockbuf trace: your own programs",
         VIZ_FACE_BOLD, 28, TEXT, m, m, VIZ_ALIGN_LEFT);
    const trace_event *held = v->view >= n ? trace_held(v->s) : NULL;
    if (v->view < n)
        snprintf(buf, sizeof buf,
                 ja ? "記録された呼び出し %llu / %llu (← →)"
                    : "recorded call %llu of %llu (Left / Right)",
                 (unsigned long long)(dropped + v->view + 1), (unsigned long long)(dropped + n));
    else if (held)
        snprintf(buf, sizeof buf,
                 ja ? "%s の呼び出しを止めています: Space で実行"
                    : "holding the %s's call: Space runs it",
                 trace_run_name(v->s, held->run));
    else if (v->ended)
        snprintf(buf, sizeof buf, "%s",
                 ja ? "プログラムは終了しました" : "the programs have ended");
    else
        snprintf(buf, sizeof buf, "%s",
                 v->playing ? (ja ? "再生中 (P で止める)" : "playing (P pauses)")
                            : (ja ? "実行中" : "running"));
    text(c, buf, VIZ_FACE_SANS, 21, held ? WARN : DIM, w - m, m + U(c, 6), VIZ_ALIGN_RIGHT);
    int y0 = m + viz_text_line_height(t, VIZ_FACE_BOLD, T(c, 28)) + U(c, 10);
    /* One scale for every bar: the largest queue seen so far, rounded up
     * to a power of two, at least 64 bytes (the footer says which). */
    uint64_t cap = 64;
    for (size_t i = 0; i < n; i++) {
        const trace_queues *q = &trace_event_at(v->s, i)->after;
        if (q->have && q->outq_bytes > 0 && (uint64_t)q->outq_bytes > cap)
            cap = (uint64_t)q->outq_bytes;
        if (q->have && q->inq_bytes > 0 && (uint64_t)q->inq_bytes > cap)
            cap = (uint64_t)q->inq_bytes;
    }
    for (const trace_event *hh = trace_held(v->s); hh && hh->after.have;) {
        if (hh->after.inq_bytes > 0 && (uint64_t)hh->after.inq_bytes > cap)
            cap = (uint64_t)hh->after.inq_bytes;
        if (hh->after.outq_bytes > 0 && (uint64_t)hh->after.outq_bytes > cap)
            cap = (uint64_t)hh->after.outq_bytes;
        break;
    }
    uint64_t p2 = 64;
    while (p2 < cap && p2 < ((uint64_t)1 << 40))
        p2 <<= 1;
    cap = p2;
    int foot_y = h - U(c, 6) - viz_text_line_height(t, VIZ_FACE_SANS, T(c, 20));
    int log_lh = viz_text_line_height(t, VIZ_FACE_MONO, T(c, 18)) + U(c, 2);
    int log_lines = 4;
    int log_h = log_lines * log_lh + U(c, 12);
    int log_y = foot_y - U(c, 8) - log_h;
    int wire_h = U(c, 110);
    int wire_y = log_y - U(c, 10) - wire_h;
    int panel_h = wire_y - U(c, 10) - y0;
    int pw = (w - 3 * m) / 2;
    int sides = v->o->nruns >= 2 ? 2 : 1;
    if (sides == 1)
        side_panel(c, v, 0, m, y0, w - 2 * m, panel_h, cap);
    else {
        side_panel(c, v, 0, m, y0, pw, panel_h, cap);
        side_panel(c, v, 1, 2 * m + pw, y0, pw, panel_h, cap);
    }
    const trace_event *cur = v->view < n ? trace_event_at(v->s, v->view)
                             : held      ? held
                             : n         ? trace_event_at(v->s, n - 1)
                                         : NULL;
    wire_band(c, v, cur, m, wire_y, w - 2 * m, wire_h);
    /* The calls: the one shown and those before it. */
    fill(c, m, log_y, w - 2 * m, log_h, PANEL);
    box(c, m, log_y, w - 2 * m, log_h);
    size_t last = v->view < n ? v->view : n;
    size_t start = last + 1 > (size_t)log_lines ? last + 1 - (size_t)log_lines : 0;
    for (size_t i = start, row = 0; i <= last && row < (size_t)log_lines; i++, row++) {
        const trace_event *e = i < n ? trace_event_at(v->s, i) : held;
        if (!e)
            break;
        char call[300], res[120];
        trace_call_text(e, call, sizeof call);
        trace_result_text(e, res, sizeof res);
        snprintf(buf, sizeof buf, "#%-4llu %-7s %-18s %s%s%s",
                 (unsigned long long)(i < n ? e->seq : dropped + n + 1),
                 trace_run_name(v->s, e->run), e->where[0] ? e->where : "-", call,
                 e->done ? " → " : (i < n ? " … blocked" : " … held"), e->done ? res : "");
        viz_paint_fit(c, buf, VIZ_FACE_MONO, 18, w - 2 * m - U(c, 24));
        text(c, buf, VIZ_FACE_MONO, 18, i == last ? TEXT : FAINT, m + U(c, 12),
             log_y + U(c, 6) + (int)row * log_lh, VIZ_ALIGN_LEFT);
    }
    box(c, 0, 0, w, h);
    /* The keys are the key table's trace rows (viz_keys.c); a question or
     * a word about them (ui->toast: "Quit? Q again ...") takes their place. */
    if (ui->toast)
        text(c, ui->toast, VIZ_FACE_SANS, 20, TEXT, m, foot_y, VIZ_ALIGN_LEFT);
    else
        text(c, viz_label(c->lang, VIZ_L_TRACE_FOOTER), VIZ_FACE_SANS, 20, FAINT, m, foot_y,
             VIZ_ALIGN_LEFT);
    char cb[24];
    viz_fmt_bytes(cb, sizeof cb, cap);
    snprintf(buf, sizeof buf, ja ? "バーの全幅 = %s" : "a full bar = %s", cb);
    text(c, buf, VIZ_FACE_SANS, 20, FAINT, w - m, foot_y, VIZ_ALIGN_RIGHT);
}
