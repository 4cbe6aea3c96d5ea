/* viz_appbox.c: the application as a buffer. See viz_appbox.h. */
#include "viz_appbox.h"

#include "viz_code.h"

#include "viz_tiles.h"

#include <stdio.h>
#include <string.h>

/* ---- pure helpers ---- */

void viz_appbox_call_text(char *out, size_t len, const char *code, const char *call)
{
    if (!len)
        return;
    size_t cl = call ? strlen(call) : 0;
    const char *at = NULL;
    /* the call as a method: ".sendall(" (or at the start) */
    for (const char *p = code ? strstr(code, call ? call : "") : NULL; cl && p;
         p = strstr(p + 1, call)) {
        bool start = p == code || p[-1] == '.';
        if (start && p[cl] == '(') {
            at = p;
            break;
        }
    }
    if (!at) {
        snprintf(out, len, "%s()", call ? call : "");
        return;
    }
    /* up to its closing parenthesis (nested ones counted) */
    int depth = 0;
    size_t n = cl;
    for (; at[n]; n++) {
        if (at[n] == '(')
            depth++;
        else if (at[n] == ')' && --depth == 0) {
            n++;
            break;
        }
    }
    snprintf(out, len, "%.*s", (int)n, at);
}

uint32_t viz_appbox_pending_at(const viz_pending *before, const viz_pending *after, uint32_t later)
{
    uint64_t n;
    uint32_t total;
    if (after->bytes) {
        n = (uint64_t)after->bytes + later;
        total = after->total;
    } else if (before->bytes) {
        n = later < before->bytes ? later : before->bytes;
        total = before->total;
    } else {
        return 0;
    }
    if (total && n > total)
        n = total;
    return (uint32_t)n;
}

bool viz_appbox_is_receive(const char *code)
{
    static const char *const calls[] = {".recv(", ".recv_into(", ".recvfrom(", ".read(",
                                        ".readline("};
    if (!code)
        return false;
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
        if (strstr(code, calls[i]))
            return true;
    return false;
}

void viz_appbox_fmt_count(char *out, size_t len, uint64_t bytes)
{
    char d[32];
    int n = snprintf(d, sizeof d, "%llu", (unsigned long long)bytes);
    char g[48];
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            g[k++] = ',';
        g[k++] = d[i];
    }
    g[k] = '\0';
    snprintf(out, len, "%s B", g);
}

bool viz_appbox_file_queue(const viz_sock *before, const viz_sock *after, uint32_t n,
                           lesson_queue *q, lesson_write_log *log)
{
    memset(q, 0, sizeof *q);
    memset(log, 0, sizeof *log);
    uint32_t nb = before->has_file ? before->file_buffered_bytes : 0;
    uint32_t na = after->has_file ? after->file_buffered_bytes : 0;
    const viz_sock *from = after;
    uint32_t offset = 0;
    if (!n)
        return false;
    if (n != na && before->has_file && (n == nb || n < nb)) {
        from = before; /* emptying from its front: its last n bytes */
        offset = nb - n;
    }
    const lesson_write_bytes *wb = &from->file_content;
    if (!wb->origin || (uint64_t)offset + n > wb->bytes)
        return false;
    log->w[0] = *wb;
    log->n = 1;
    q->run[0] = (lesson_byte_run){.origin = wb->origin, .bytes = n, .offset_bytes = offset};
    q->n = 1;
    q->bytes = n;
    return true;
}

/* ---- reading the frame ---- */

/* Has the side's code cursor reached the statement at line (running or
 * done: the code panel's own rule, viz_code_cursor, on the side's own
 * timeline)? One carried over from an earlier step already ran. */
static bool line_reached(const viz_side *vs, const viz_frame *f, int side, int line)
{
    double at = f->progress >= 1.0 ? 1.0 : f->code_at[side];
    if (at >= 1)
        return true;
    int cur, blocked;
    viz_code_cursor(vs->code, vs->ncode, at, &cur, &blocked);
    for (int i = 0; i < vs->ncode; i++)
        if (vs->code[i].line == line)
            return i <= cur;
    return false;
}

uint32_t viz_appbox_pending_bytes(const viz_scene *s, const viz_frame *f, int side)
{
    const viz_side *vs = &s->side[side];
    if (!vs->pend.bytes && !vs->pend_before.bytes)
        return 0;
    /* A call that starts in this step holds nothing until it runs. */
    int line = vs->pend.bytes ? vs->pend.line : vs->pend_before.line;
    if (!vs->pend_before.bytes && !line_reached(vs, f, side, line))
        return 0;
    uint64_t later = 0;
    if (f->progress < 1.0) {
        for (size_t i = 0; i < s->nevents; i++) {
            const lesson_event *e = &s->events[i];
            if (e->kind == LESSON_EV_WRITE && e->from_side == side &&
                e->sock_id == vs->after.sock_id && e->time_us > f->now_us)
                later += e->bytes;
        }
        for (int i = 0; i < f->nflying; i++)
            if (f->flying[i].side == side && f->flying[i].to_kernel)
                later += f->flying[i].bytes;
    }
    return viz_appbox_pending_at(&vs->pend_before, &vs->pend,
                                 later > UINT32_MAX ? UINT32_MAX : (uint32_t)later);
}

/* The statement of a result, and whether its value came out of the
 * kernel (a file's read() did not). */
static bool result_received(const viz_side *vs, const lesson_result *r)
{
    const char *code = NULL;
    for (int i = 0; i < vs->ncode && !code; i++)
        if (vs->code[i].line == r->line)
            code = vs->code[i].code;
    return r->is_bytes && viz_appbox_is_receive(code) && !strstr(code, "open(");
}

bool viz_appbox_result_landed(const viz_scene *s, const viz_frame *f, int side, int k)
{
    const viz_side *vs = &s->side[side];
    if (f->progress >= 1.0 || k < 0 || k >= vs->nresults)
        return true;
    /* Bytes, not reads: the value of recv(n, MSG_WAITALL) waits for all
     * n, not its first chunk, and every value received before it (and
     * any row after it) waits for those first, by the frame's own count
     * of what its reads have brought into the application. */
    uint64_t need = 0;
    for (int i = 0; i <= k; i++)
        if (result_received(vs, &vs->results[i]))
            need += vs->results[i].length;
    return need <= f->app_landed[side];
}

/* ---- drawing ---- */

/* The colour of the call's bytes: its write's, as the send buffer shows
 * them (the newest unsent run of the side's socket). */
static SDL_Color pending_colour(const viz_scene *s, const viz_frame *f, int side)
{
    const lesson_queue *q = &f->q[side][LESSON_Q_UNSENT];
    if (!q->n)
        q = &s->side[side].after.q[LESSON_Q_UNSENT];
    if (q->n)
        return viz_palette(viz_origin_colour(side, q->run[q->n - 1].origin));
    return viz_palette(7);
}

int viz_appbox_draw_pending(const viz_ctx *c, const viz_scene *s, const viz_frame *f, int side,
                            int x, int y, int w, int row_h, int head_y, int head_w)
{
    const viz_side *vs = &s->side[side];
    uint32_t n = viz_appbox_pending_bytes(s, f, side);
    if (!n || w <= 0 || row_h <= 0)
        return 0;
    const viz_pending *p = vs->pend.bytes ? &vs->pend : &vs->pend_before;
    const char *code = "";
    for (int i = 0; i < vs->ncode; i++)
        if (vs->code[i].line == p->line)
            code = vs->code[i].code;
    char call[96], count[32], total_s[32], buf[256];
    viz_appbox_call_text(call, sizeof call, code, p->call);
    viz_appbox_fmt_count(count, sizeof count, n);
    uint32_t total = p->total > n ? p->total : n;
    viz_appbox_fmt_count(total_s, sizeof total_s, total);

    /* The title line, after "Application": the call that holds them. */
    int room = w - head_w - U(c, 12);
    double size = 20;
    while (size > 12 && text_w(c, call, VIZ_FACE_MONO, size) > room)
        size -= 0.5;
    char *paren = strchr(call, '(');
    if (text_w(c, call, VIZ_FACE_MONO, size) > room && paren && (size_t)(paren - call) + 3 < sizeof call) {
        /* a narrow (zoomed) title line: the call's name, "sendall()" */
        strcpy(paren, "()");
        size = 20;
        while (size > 12 && text_w(c, call, VIZ_FACE_MONO, size) > room)
            size -= 0.5;
    }
    if (room > 0 && text_w(c, call, VIZ_FACE_MONO, size) <= room) {
        SDL_Rect r1 = {x + head_w + U(c, 12), head_y, room, y - head_y};
        viz_text_set_box(c->t, &r1);
        int lh = viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, 20));
        int lh1 = viz_text_line_height(c->t, VIZ_FACE_MONO, T(c, size));
        text(c, call, VIZ_FACE_MONO, size, WARN, x + w, head_y + (lh - lh1) / 2, VIZ_ALIGN_RIGHT);
    }

    /* The row: a bar as long as the call's data, filled for what is still
     * held (it empties as the bytes go to the kernel), the exact count in
     * it, and the whole at its end where there is room. */
    int by = y + U(c, 1), bh = row_h - U(c, 2);
    int fw = (int)lround((double)w * n / total);
    if (fw < U(c, 6))
        fw = U(c, 6);
    SDL_Color k = pending_colour(s, f, side);
    fill(c, x, by, w, bh, BAR_BG);
    fill(c, x, by, fw, bh, k);
    frame(c, x, by, w, bh, U(c, 2), WARN);
    SDL_Rect r2 = {x, by, w, bh};
    viz_text_set_box(c->t, &r2);
    int inner = w - 2 * U(c, 6);
    double cs = 20;
    while (cs > 12 && text_w(c, count, VIZ_FACE_BOLD, cs) > inner)
        cs -= 0.5;
    int cw = text_w(c, count, VIZ_FACE_BOLD, cs);
    SDL_Color tk = fw >= cw + U(c, 12) ? DARK : TEXT;
    int lhc = viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, cs));
    text(c, count, VIZ_FACE_BOLD, cs, tk, x + U(c, 6), by + (bh - lhc) / 2, VIZ_ALIGN_LEFT);
    /* after the count, what it means, "still to hand to the kernel"
     * (shorter where the bar is short), then the whole at the bar's end */
    int lx = x + U(c, 6) + cw + U(c, 10);
    int lh2 = viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, 20));
    int right = x + w - U(c, 6);
    const char *labs[2] = {viz_label(c->lang, VIZ_L_APP_PENDING),
                           viz_label(c->lang, VIZ_L_APP_PENDING_SHORT)};
    /* the kernel run's own count beside the model's, once the step is
     * drawn to its end (the record has it after the step only), where
     * room allows it after the label (the short one if need be): like
     * the whole below, on the bar's empty part or at the fill's end,
     * never across the edge */
    char kbuf[64] = "";
    int kw = 0, kx = -1, li = 0;
    SDL_Color kk = DIM;
    if (vs->pend_real_bytes && vs->pend.bytes && f->progress >= 1.0) {
        char kc[32];
        viz_appbox_fmt_count(kc, sizeof kc, vs->pend_real_bytes);
        kc[strlen(kc) - 2] = '\0'; /* "194,580": the model's count has the unit */
        snprintf(kbuf, sizeof kbuf, "%s %s", viz_label(c->lang, VIZ_L_REAL), kc);
        kw = text_w(c, kbuf, VIZ_FACE_SANS, 20);
        for (li = 0; li < 2 && kx < 0; li++) {
            int after = lx + text_w(c, labs[li], VIZ_FACE_SANS, 20) + U(c, 16);
            int lo = after > x + fw + U(c, 6) ? after : x + fw + U(c, 6);
            if (right - kw >= lo) {
                kx = right - kw;
                kk = TEXT;
            } else if (x + fw - U(c, 6) - kw >= after) {
                kx = x + fw - U(c, 6) - kw;
                kk = DARK;
            }
        }
        li = kx >= 0 ? li - 1 : 0;
    }
    const char *lab = labs[li];
    if (lx + text_w(c, lab, VIZ_FACE_SANS, 20) > right)
        lab = labs[1];
    int labw = text_w(c, lab, VIZ_FACE_SANS, 20);
    if (lx + labw <= right) {
        text(c, lab, VIZ_FACE_SANS, 20, fw >= lx - x + labw + U(c, 4) ? DARK : TEXT, lx,
             by + (bh - lh2) / 2, VIZ_ALIGN_LEFT);
        lx += labw + U(c, 16);
    }
    if (kx >= 0) {
        text(c, kbuf, VIZ_FACE_SANS, 20, kk, kx, by + (bh - lh2) / 2, VIZ_ALIGN_LEFT);
        return room > 0 ? room : 1; /* the whole has no room left */
    }
    snprintf(buf, sizeof buf, "%s %s", c->lang == VIZ_LANG_JA ? "/" : "of", total_s);
    int tw = text_w(c, buf, VIZ_FACE_SANS, 20);
    /* at the bar's end on the empty part, else at the fill's end inside
     * it: never across the edge, where neither colour reads */
    int tx = x + w - U(c, 6) - tw;
    kk = DIM;
    if (tx < x + fw + U(c, 6)) {
        tx = x + fw - U(c, 6) - tw;
        kk = DARK;
    }
    if (tx >= lx)
        text(c, buf, VIZ_FACE_SANS, 20, kk, tx, by + (bh - lh2) / 2, VIZ_ALIGN_LEFT);
    return room > 0 ? room : 1;
}

/* ---- the makefile() buffer ---- */

int viz_appbox_file_h(const viz_ctx *c)
{
    return viz_text_line_height(c->t, VIZ_FACE_MONO, T(c, 20));
}

int viz_appbox_draw_file(const viz_ctx *c, const viz_scene *s, const viz_frame *f, int side,
                         int x, int y, int w, int head_y, int head_w)
{
    const viz_side *vs = &s->side[side];
    const viz_sock *k = vs->after.has_file ? &vs->after : &vs->before;
    uint32_t cap = vs->after.file_capacity_bytes ? vs->after.file_capacity_bytes
                                                 : vs->before.file_capacity_bytes;
    uint32_t n = f->appbuf_bytes[side];
    bool reader = k->file_reader;
    int rh = viz_appbox_file_h(c);

    /* What the buffer is: on the title line after "Application" while no
     * waiting call has it, else (shorter) at the row's start. */
    const char *lab = NULL;
    int lx = x, gap = U(c, 12);
    if (head_y >= 0) {
        lab = viz_label(c->lang, reader ? VIZ_L_APPBUF_READ : VIZ_L_APPBUF);
        if (head_w + gap + text_w(c, lab, VIZ_FACE_SANS, 20) > w)
            lab = viz_label(c->lang, reader ? VIZ_L_APPBUF_READ_SHORT : VIZ_L_APPBUF_SHORT);
        int lw = text_w(c, lab, VIZ_FACE_SANS, 20);
        if (head_w + gap + lw <= w) {
            SDL_Rect r = {x + head_w + gap, head_y, w - head_w - gap, y - head_y};
            viz_text_set_box(c->t, &r);
            int lh = viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, 20));
            int lh1 = viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, 20));
            text(c, lab, VIZ_FACE_SANS, 20, DIM, x + w, head_y + (lh - lh1) / 2,
                 VIZ_ALIGN_RIGHT);
            head_w = w;
        } else {
            lab = NULL;
        }
    }
    SDL_Rect row = {x, y, w, rh};
    viz_text_set_box(c->t, &row);
    int lh = viz_text_line_height(c->t, VIZ_FACE_SANS, T(c, 20));
    /* its fill at the row's end, "5 B / 8,192 B" */
    char a[24], b[24], count[64];
    viz_fmt_bytes(a, sizeof a, n);
    viz_fmt_bytes(b, sizeof b, cap);
    snprintf(count, sizeof count, "%s / %s", a, b);
    int cw = text_w(c, count, VIZ_FACE_BOLD, 20);
    if (!lab) {
        const char *sl = viz_label(c->lang, reader ? VIZ_L_APPBUF_READ_SHORT : VIZ_L_APPBUF_SHORT);
        int sw = text_w(c, sl, VIZ_FACE_SANS, 20);
        /* (in a narrow, zoomed row the bytes come first: no words) */
        if (sw * 2 < w && w - cw - gap - sw - U(c, 8) >= U(c, 24) * 3) {
            text(c, sl, VIZ_FACE_SANS, 20, DIM, x, y + (rh - lh) / 2, VIZ_ALIGN_LEFT);
            lx = x + sw + U(c, 8);
        }
    }
    double cs = 20;
    if (x + w - cw - gap - lx < U(c, 24) * 3) {
        /* a narrow (zoomed) row: the count smaller, the tiles their room */
        while (cs > 13 && x + w - cw - gap - lx < U(c, 24) * 3)
            cw = text_w(c, count, VIZ_FACE_BOLD, cs -= 1);
    }
    int lhb = viz_text_line_height(c->t, VIZ_FACE_BOLD, T(c, cs));
    text(c, count, VIZ_FACE_BOLD, cs, n ? WARN : DIM, x + w, y + (rh - lhb) / 2,
         VIZ_ALIGN_RIGHT);

    /* its bytes before it: few as tiles, more as a bar with their ends */
    int bx = lx, bw = x + w - cw - gap - lx;
    if (bw < U(c, 24))
        return head_w;
    lesson_queue q;
    lesson_write_log log;
    bool known = viz_appbox_file_queue(&vs->before, &vs->after, n, &q, &log);
    if (known && viz_tiles_use(n)) {
        viz_tiles_part part = {&q, &log, side, false};
        if (viz_tiles_draw(c, &part, 1, true, bx, y, bw, rh, NULL) >= 0)
            return head_w;
    }
    fill(c, bx, y, bw, rh, BAR_BG);
    int fw = 0;
    if (cap && n) {
        fw = (int)lround((double)bw * n / cap);
        if (fw < U(c, 6))
            fw = U(c, 6); /* a few bytes must still be seen */
        if (fw > bw)
            fw = bw;
        fill(c, bx, y, fw, rh, viz_palette(7));
    }
    frame(c, bx, y, bw, rh, 1, EDGE);
    if (known) {
        /* its first and last bytes, magnified: after the fill where they
         * fit, else over it */
        int sx = bx + fw + U(c, 6);
        if (bx + bw - sx < bw / 2)
            sx = bx + U(c, 4);
        viz_tiles_draw_strip(c, &q, &log, sx, y, bx + bw - U(c, 4) - sx, rh);
    }
    return head_w;
}
