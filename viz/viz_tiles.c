/* viz_tiles.c: a kernel buffer's bytes as characters. See viz_tiles.h. */
#include "viz_tiles.h"

#include "viz_anim.h"

#include <stdio.h>
#include <string.h>

char *viz_tiles_byte_text(uint8_t b, char *out, size_t len)
{
    if (!len)
        return out;
    if (b == '\\')
        snprintf(out, len, "\\\\");
    else if (b == '\n')
        snprintf(out, len, "\\n");
    else if (b == '\r')
        snprintf(out, len, "\\r");
    else if (b == '\t')
        snprintf(out, len, "\\t");
    else if (b >= 0x20 && b < 0x7f)
        snprintf(out, len, "%c", (char)b);
    else
        snprintf(out, len, "\\x%02x", b);
    return out;
}

bool viz_tiles_use(uint32_t held)
{
    return held > 0 && held <= VIZ_TILES_MAX;
}

int viz_tiles_queue_byte(const lesson_queue *q, const lesson_write_log *log, uint32_t i)
{
    if (!q || !log)
        return -1;
    for (int r = 0; r < q->n; r++) {
        const lesson_byte_run *run = &q->run[r];
        if (i < run->bytes)
            return lesson_write_log_byte(log, run->origin, run->offset_bytes + i);
        i -= run->bytes;
    }
    return -1;
}

/* Appends byte i of q's text to out; false when unknown or no room. */
static bool append_byte(const lesson_queue *q, const lesson_write_log *log, uint32_t i, char *out,
                        size_t len)
{
    int b = viz_tiles_queue_byte(q, log, i);
    if (b < 0)
        return false;
    char t[VIZ_TILES_TEXT_LEN];
    viz_tiles_byte_text((uint8_t)b, t, sizeof t);
    size_t l = strlen(out);
    if (l + strlen(t) + 1 > len)
        return false;
    memcpy(out + l, t, strlen(t) + 1);
    return true;
}

bool viz_tiles_strip_text(const lesson_queue *q, const lesson_write_log *log, int nhead,
                          int ntail, char *out, size_t len)
{
    if (!len)
        return false;
    out[0] = 0;
    if (!q || q->bytes == 0 || nhead < 0 || ntail < 0)
        return false;
    uint32_t n = q->bytes;
    bool whole = (uint64_t)nhead + (uint64_t)ntail >= n;
    uint32_t h = whole ? n : (uint32_t)nhead;
    for (uint32_t i = 0; i < h; i++)
        if (!append_byte(q, log, i, out, len)) {
            out[0] = 0;
            return false;
        }
    if (whole)
        return true;
    size_t l = strlen(out);
    if (l + 4 > len) {
        out[0] = 0;
        return false;
    }
    memcpy(out + l, "\xe2\x80\xa6", 4);
    for (uint32_t i = n - (uint32_t)ntail; i < n; i++)
        if (!append_byte(q, log, i, out, len)) {
            out[0] = 0;
            return false;
        }
    return true;
}

/* The first max of the bytes bytes of q as Python writes them, then "…"
 * when there are more; false (and "") when out cannot hold them. */
static bool head_text(const lesson_queue *q, const lesson_write_log *log, uint32_t bytes, int max,
                      char *out, size_t len)
{
    uint32_t n = bytes < (uint32_t)max ? bytes : (uint32_t)max;
    for (uint32_t i = 0; i < n; i++)
        if (!append_byte(q, log, i, out, len)) {
            out[0] = 0;
            return false;
        }
    if (n < bytes) {
        size_t l = strlen(out);
        if (l + 4 > len) {
            out[0] = 0;
            return false;
        }
        memcpy(out + l, "\xe2\x80\xa6", 4);
    }
    return true;
}

bool viz_tiles_run_text(const lesson_write_log *log, uint32_t origin, uint32_t offset,
                        uint32_t bytes, int max, char *out, size_t len)
{
    lesson_queue q = {0};
    lesson_queue_push_at(&q, origin, offset, bytes);
    if (!len)
        return false;
    out[0] = 0;
    if (!bytes || max <= 0)
        return false;
    return head_text(&q, log, bytes, max, out, len);
}

bool viz_tiles_seq_text(const lesson_write_log *log, uint64_t seq, uint32_t bytes, int max,
                        char *out, size_t len)
{
    if (len)
        out[0] = 0;
    if (!log || !len || !bytes || max <= 0)
        return false;
    /* the segment's bytes as runs of the writes they came from */
    lesson_queue q = {0};
    uint64_t at = seq, end = seq + bytes;
    for (int i = 0; i < log->n && at < end; i++) {
        const lesson_write_bytes *w = &log->w[i];
        if (at < w->seq || at >= w->seq + w->bytes)
            continue;
        uint64_t take = w->seq + w->bytes - at;
        if (take > end - at)
            take = end - at;
        lesson_queue_push_at(&q, w->origin, (uint32_t)(at - w->seq), (uint32_t)take);
        at += take;
    }
    if (q.bytes < (bytes < (uint32_t)max ? bytes : (uint32_t)max))
        return false;
    return head_text(&q, log, bytes, max, out, len);
}

/* ---- drawing -------------------------------------------------------- */

/* A receive buffer's stream is drawn in STREAM (viz_theme.h): light,
 * neutral, the same for every write. */

/* The text size (design units) of tiles in a bar row h px tall: the
 * code's size, smaller only when the row is too short for it. */
static double tile_size(const viz_ctx *c, int h)
{
    double size = 20;
    while (size > 8 && viz_text_line_height(c->t, VIZ_FACE_MONO, T(c, size)) > h)
        size -= 0.5;
    return size;
}

typedef struct {
    char text[VIZ_TILES_TEXT_LEN];
    int part;
    uint32_t origin; /* its write: a send buffer's tiles wear its colour */
    int w;
} tile;

static int tile_pad(const viz_ctx *c)
{
    return U(c, 4) > 2 ? U(c, 4) : 2;
}

static void draw_tile(const viz_ctx *c, const tile *t, const viz_tiles_part *p, bool stream,
                      int x, int y, int h, double size)
{
    SDL_Color k = viz_theme_tile_fill(
        viz_theme_now(), stream ? STREAM : viz_palette(viz_origin_colour(p->side, t->origin)),
        p->faded);
    fill(c, x, y, t->w, h, k);
    if (p->faded) {
        /* In flight: darker, with a striped foot (the bar's stripes,
         * kept off the character). */
        SDL_Color st = viz_theme_tile_stripe(k);
        int fh = U(c, 3) > 2 ? U(c, 3) : 2;
        for (int sx = x + 1; sx < x + t->w - 1; sx += U(c, 6) > 3 ? U(c, 6) : 3)
            fill(c, sx, y + h - fh, U(c, 3) > 1 ? U(c, 3) : 1, fh, st);
    }
    /* the same thin line between every two tiles: no write stands out */
    fill(c, x + t->w - 1, y, 1, h, viz_theme_tile_edge(k));
    int lh = viz_text_line_height(c->t, VIZ_FACE_MONO, T(c, size));
    text(c, t->text, VIZ_FACE_MONO, size, DARK, x + t->w / 2, y + (h - lh) / 2, VIZ_ALIGN_CENTER);
}

int viz_tiles_draw(const viz_ctx *c, const viz_tiles_part *parts, int nparts, bool stream, int x,
                   int y, int max_w, int h, int *split_x)
{
    if (split_x)
        *split_x = -1;
    uint32_t held = 0;
    for (int p = 0; p < nparts; p++)
        held += parts[p].q ? parts[p].q->bytes : 0;
    if (!viz_tiles_use(held))
        return -1;
    tile tiles[VIZ_TILES_MAX];
    int n = 0;
    double size = tile_size(c, h);
    int pad = tile_pad(c);
    int cell = text_w(c, "M", VIZ_FACE_MONO, size) + 2 * pad;
    for (int p = 0; p < nparts; p++)
        for (uint32_t i = 0; parts[p].q && i < parts[p].q->bytes; i++) {
            int b = viz_tiles_queue_byte(parts[p].q, parts[p].log, i);
            if (b < 0 || n >= VIZ_TILES_MAX)
                return -1;
            tile *t = &tiles[n++];
            viz_tiles_byte_text((uint8_t)b, t->text, sizeof t->text);
            t->part = p;
            t->origin = 0;
            for (int r = 0, at = 0; r < parts[p].q->n; at += (int)parts[p].q->run[r].bytes, r++)
                if ((int)i >= at && (int)i < at + (int)parts[p].q->run[r].bytes)
                    t->origin = parts[p].q->run[r].origin;
            int tw = text_w(c, t->text, VIZ_FACE_MONO, size) + 2 * pad;
            t->w = tw > cell ? tw : cell;
        }
    int total = 0;
    for (int i = 0; i < n; i++)
        total += tiles[i].w;
    int head = n, tail = 0;
    int dots = 3 * (U(c, 4) > 2 ? U(c, 4) : 2) + 4 * pad;
    if (total > max_w) {
        /* The first bytes and the last ones, three dots between: a third
         * of the room for the last ones. */
        int room = max_w - dots;
        int tail_room = room / 3, used = 0;
        tail = 0;
        while (tail < n && used + tiles[n - 1 - tail].w <= tail_room)
            used += tiles[n - 1 - tail++].w;
        head = 0;
        while (head < n - tail && used + tiles[head].w <= room)
            used += tiles[head++].w;
        if (head == 0 && tail == 0)
            return -1;
    }
    int cx = x;
    for (int i = 0; i < head; i++) {
        if (split_x && i > 0 && tiles[i].part == nparts - 1 && tiles[i - 1].part != nparts - 1)
            *split_x = cx;
        draw_tile(c, &tiles[i], &parts[tiles[i].part], stream, cx, y, h, size);
        cx += tiles[i].w;
    }
    if (head < n) {
        int d = U(c, 4) > 2 ? U(c, 4) : 2;
        int dx = cx + 2 * pad;
        for (int k = 0; k < 3; k++)
            fill(c, dx + k * 2 * d, y + h / 2 - d / 2, d, d, TEXT);
        cx += dots;
        for (int i = n - tail; i < n; i++) {
            draw_tile(c, &tiles[i], &parts[tiles[i].part], stream, cx, y, h, size);
            cx += tiles[i].w;
        }
    }
    return cx - x;
}

int viz_tiles_draw_strip(const viz_ctx *c, const lesson_queue *q, const lesson_write_log *log,
                         int x, int y, int max_w, int h)
{
    double size = tile_size(c, h);
    int pad = tile_pad(c);
    char s[256];
    /* as many bytes as fit: the last ones a third of them */
    for (int nb = 16; nb >= 3; nb--) {
        int ntail = nb / 3, nhead = nb - ntail;
        if (!viz_tiles_strip_text(q, log, nhead, ntail, s, sizeof s))
            return 0;
        int w = text_w(c, s, VIZ_FACE_MONO, size) + 2 * pad;
        if (w > max_w)
            continue;
        fill(c, x, y + 1, w, h - 2, STREAM);
        frame(c, x, y + 1, w, h - 2, 1, DARK);
        int lh = viz_text_line_height(c->t, VIZ_FACE_MONO, T(c, size));
        text(c, s, VIZ_FACE_MONO, size, DARK, x + pad, y + (h - lh) / 2, VIZ_ALIGN_LEFT);
        return w;
    }
    return 0;
}
