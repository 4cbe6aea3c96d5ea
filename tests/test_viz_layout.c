/* test_viz_layout.c: nothing the window draws overlaps or leaves its box.
 *
 * Every text drawn goes through viz_text's hook (viz_font.h), with the box
 * the drawer meant it to stay in (a panel, a chip, the window). Each
 * bundled lesson runs once (below: the model live, the kernel recorded);
 * every step is then drawn at several points of its animation, at
 * 1920x1080, 1280x720 and 1024x768, in English and Japanese, at the
 * default zoom and three Ctrl+= presses (where the scene is taller than
 * the window and pages), with and without the help
 * overlay. The fonts and the kernel's numbers are pinned
 * (layout_fixture.h): the test draws with exactly the font files of a
 * font set the package supports (argument "depends", the default: the
 * .deb's Depends; "noto": with its Recommends fonts-noto-cjk, which only
 * Japanese text uses, so that run draws the Japanese frames alone), on
 * a private fontconfig setup, and prints the files it used; a file the
 * set needs that is missing fails the test naming its package. Each
 * lesson runs on the model, and the kernel's half of every step comes
 * from a committed transcript (tests/layout/LESSON.kernel; re-record
 * with --record), never a live kernel: every run draws the same frames.
 * A frame fails when two texts intersect, a text leaves its box
 * or the window, or (at 1280x720, default zoom) a text is smaller than
 * 20 px, or a text other than a value's repr is cut short with "…"
 * (nothing is dropped silently, zoomed three times too). A narration
 * longer than its box is drawn page by page (viz_draw_scene_pages), every
 * page checked, and its pages together must tell every paragraph of the
 * step's narration whole. Chips in motion
 * (segments, ACKs, bytes flying to the kernel) count like any text: they
 * must not pile up on each other or on labels. Set VIZ_LAYOUT_VERBOSE=1
 * to see every problem.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <SDL_ttf.h>
#include <glob.h>
#include <limits.h>

#include "layout_fixture.h"
#include "lesson.h"
#include "lesson_run.h"
#include "viz_anim.h"
#include "viz_appbox.h"
#include "viz_canvas.h"
#include "viz_code.h"
#include "viz_draw.h"
#include "viz_font.h"
#include "viz_question.h"
#include "viz_scene.h"
#include "viz_tiles.h"
#include "viz_wrap.h"

enum { MAX_BOXES = 1024, MAX_STEPS = 32, NSAMPLES = 6 };

typedef struct {
    SDL_Rect drawn, box;
    int size_px;
    bool cut;      /* the whole text ends cut short (cut_short) */
    char text[64]; /* its start, for the messages */
    char whole[512]; /* the text (up to 511 bytes), for the narration's pages */
} text_box;

typedef struct {
    text_box b[MAX_BOXES];
    int n;
    int w, h;
} collector;

static bool cut_short(const char *s);
static void squeeze(const char *s, char *out, size_t len);

static void hook(void *ud, const SDL_Rect *drawn, const SDL_Rect *box, const char *utf8,
                 int size_px)
{
    collector *c = ud;
    if (c->n >= MAX_BOXES)
        return;
    text_box *t = &c->b[c->n++];
    t->drawn = *drawn;
    t->box = *box;
    t->size_px = size_px;
    t->cut = cut_short(utf8);
    snprintf(t->text, sizeof t->text, "%s", utf8);
    snprintf(t->whole, sizeof t->whole, "%s", utf8);
}

/* A text's ink, roughly: its rectangle without the line's leading. */
static SDL_Rect ink(const SDL_Rect *r)
{
    int dy = r->h / 5;
    return (SDL_Rect){r->x + 1, r->y + dy, r->w - 2, r->h - 2 * dy};
}

static bool inside(const SDL_Rect *in, const SDL_Rect *out)
{
    return in->x >= out->x && in->y >= out->y && in->x + in->w <= out->x + out->w &&
           in->y + in->h <= out->y + out->h;
}

/* A text in a chip (a segment, an ACK, a chunk flying to the kernel):
 * its box is about as tall as the text. */
static bool in_chip(const text_box *t)
{
    return t->box.w > 0 && t->box.h < 2 * t->drawn.h && t->box.w < 600;
}

static int chip_overlaps; /* overlaps involving a moving chip (failed, and counted apart) */

/* Cut short with "…": a value's repr may be (its length is shown beside
 * it, "x = b'xxxx…'  len 4096", "→ …"); nothing else may. */
static bool cut_short(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || strcmp(s + n - 3, "\xe2\x80\xa6") != 0)
        return false;
    return !strstr(s, " = ") && !strstr(s, "\xe2\x86\x92");
}

/* Counts the problems of one frame, printing the first few with where. */
static int check_frame(const collector *c, const char *where, bool min_size, int *printed)
{
    int bad = 0;
    bool verbose = getenv("VIZ_LAYOUT_VERBOSE") != NULL;
    SDL_Rect win = {0, 0, c->w, c->h};
    for (int i = 0; i < c->n; i++) {
        const text_box *a = &c->b[i];
        SDL_Rect ia = ink(&a->drawn);
        const char *why = NULL;
        if (!inside(&ia, &win))
            why = "leaves the window";
        else if (a->box.w > 0 && !inside(&ia, &a->box))
            why = "leaves its box";
        else if (min_size && a->size_px < 20)
            why = "is smaller than 20 px";
        else if (a->cut)
            why = "is cut short";
        if (why) {
            bad++;
            if (verbose || (*printed)++ < 12)
                fprintf(stderr, "%s: \"%s\" %s (text %d,%d %dx%d, box %d,%d %dx%d, %d px)\n", where,
                        a->text, why, a->drawn.x, a->drawn.y, a->drawn.w, a->drawn.h, a->box.x,
                        a->box.y, a->box.w, a->box.h, a->size_px);
        }
        for (int j = i + 1; j < c->n; j++) {
            const text_box *b = &c->b[j];
            SDL_Rect ib = ink(&b->drawn), x;
            if (!SDL_IntersectRect(&ia, &ib, &x))
                continue;
            if (in_chip(a) || in_chip(b))
                chip_overlaps++;
            bad++;
            if (verbose || (*printed)++ < 12)
                fprintf(stderr, "%s: \"%s\" overlaps \"%s\" (%d,%d %dx%d and %d,%d %dx%d)\n", where,
                        a->text, b->text, a->drawn.x, a->drawn.y, a->drawn.w, a->drawn.h,
                        b->drawn.x, b->drawn.y, b->drawn.w, b->drawn.h);
        }
    }
    return bad;
}

/* A text on a side's half of the frame containing needle. */
static bool side_says(const collector *c, int side, const char *needle)
{
    for (int i = 0; i < c->n; i++) {
        const text_box *t = &c->b[i];
        int mid = t->drawn.x + t->drawn.w / 2;
        if ((side == 0) == (mid < c->w / 2) && strstr(t->whole, needle))
            return true;
    }
    return false;
}

/* The application figures a side must show once its step is drawn to the
 * end: the bytes a blocked call still holds for the kernel, to the byte
 * ("196,608 B"), and an app buffer's fill ("0 B / 8,192 B"). Counts the
 * missing ones, printing the first few. */
static int check_appbox(const collector *c, const viz_scene *s, const viz_frame *f,
                        const char *where, int *printed)
{
    int bad = 0;
    for (int side = 0; side < 2; side++) {
        const viz_side *vs = &s->side[side];
        char want[96] = "";
        if (vs->pend.bytes) {
            viz_appbox_fmt_count(want, sizeof want, vs->pend.bytes);
            if (!side_says(c, side, want)) {
                bad++;
                if ((*printed)++ < 12)
                    fprintf(stderr, "%s: side %d holds %s for the kernel, its application box "
                                    "does not show it\n", where, side, want);
            }
        }
        if (vs->after.has_file) {
            char a[32], b[32];
            viz_fmt_bytes(a, sizeof a, f->appbuf_bytes[side]);
            viz_fmt_bytes(b, sizeof b, vs->after.file_capacity_bytes);
            snprintf(want, sizeof want, "%s / %s", a, b);
            if (!side_says(c, side, want)) {
                bad++;
                if ((*printed)++ < 12)
                    fprintf(stderr, "%s: side %d's app buffer (%s) is not drawn\n", where, side,
                            want);
            }
        }
    }
    return bad;
}

/* A side's makefile() buffer holding VIZ_TILES_MAX bytes or fewer draws
 * them as character tiles: on the row of its fill ("5 B / 8,192 B"),
 * before it, a text that is its first byte's tile ("H"). Counts the sides that do not (files_seen
 * counts the sides checked), printing the first few. */
static int check_file_tiles(const collector *c, const viz_scene *s, const viz_frame *f,
                            const char *where, int *printed, int *files_seen)
{
    int bad = 0;
    for (int side = 0; side < 2; side++) {
        const viz_side *vs = &s->side[side];
        uint32_t n = f->appbuf_bytes[side];
        if (!(vs->after.has_file || vs->before.has_file) || !viz_tiles_use(n))
            continue;
        (*files_seen)++;
        const char *why = NULL;
        char a[32], b[32], count[80], want[VIZ_TILES_TEXT_LEN] = "";
        viz_fmt_bytes(a, sizeof a, n);
        viz_fmt_bytes(b, sizeof b, vs->after.file_capacity_bytes ? vs->after.file_capacity_bytes
                                                                 : vs->before.file_capacity_bytes);
        snprintf(count, sizeof count, "%s / %s", a, b);
        lesson_queue q;
        lesson_write_log log;
        int first = viz_appbox_file_queue(&vs->before, &vs->after, n, &q, &log)
                        ? viz_tiles_queue_byte(&q, &log, 0)
                        : -1;
        const text_box *fill = NULL;
        for (int i = 0; i < c->n && !fill; i++) {
            int mid = c->b[i].drawn.x + c->b[i].drawn.w / 2;
            if ((side == 0) == (mid < c->w / 2) && strstr(c->b[i].whole, count))
                fill = &c->b[i];
        }
        if (first >= 0)
            viz_tiles_byte_text((uint8_t)first, want, sizeof want);
        if (first < 0)
            why = "the record holds none of its bytes";
        else if (!fill)
            why = "its fill is not drawn";
        else {
            why = "draws no character tiles for them";
            for (int i = 0; i < c->n; i++) {
                const text_box *t = &c->b[i];
                int mid = t->drawn.x + t->drawn.w / 2;
                int dy = (t->drawn.y + t->drawn.h / 2) - (fill->drawn.y + fill->drawn.h / 2);
                if ((side == 0) == (mid < c->w / 2) && !strcmp(t->whole, want) &&
                    abs(dy) < fill->drawn.h / 2 && t->drawn.x + t->drawn.w <= fill->drawn.x)
                    why = NULL;
            }
        }
        if (!why)
            continue;
        bad++;
        if ((*printed)++ < 12)
            fprintf(stderr, "%s: side %d's makefile buffer holds %u B (first \"%s\"): %s\n",
                    where, side, n, want, why);
    }
    return bad;
}

/* The buffer bars of one frame (viz_draw_set_bar_hook). */
typedef struct {
    viz_bar_drawn b[16];
    int n;
} bar_collector;

static void bar_hook(void *ud, const viz_bar_drawn *bar)
{
    bar_collector *c = ud;
    if (c->n < (int)(sizeof c->b / sizeof c->b[0]))
        c->b[c->n++] = *bar;
}

/* Every bar reads the same way round: bytes fill from its left edge, the
 * usable part is on the left, the grey overhead (as wide as the part of
 * the buffer that is not usable) on the right; and its header says how
 * much is usable ("usable 4,096 of 8,192 B"). Counts the bars that do
 * not. */
static int check_bars(const bar_collector *c, viz_lang lang, const char *where, int *printed)
{
    int bad = 0;
    for (int i = 0; i < c->n; i++) {
        const viz_bar_drawn *b = &c->b[i];
        const char *why = NULL;
        char want[64];
        if (!b->capacity_bytes)
            continue; /* a closed socket: an empty bar */
        snprintf(want, sizeof want, "%s ", viz_label(lang, VIZ_L_USABLE));
        int bar_x1 = b->bar.x + b->bar.w;
        int expect_w = (int)((double)b->bar.w * (b->capacity_bytes - b->usable_bytes) /
                             b->capacity_bytes + 0.5);
        if (b->fill_x0 != b->bar.x)
            why = "does not fill from its left edge";
        else if (b->usable.x != b->bar.x)
            why = "has its usable part away from the left";
        else if (b->usable_bytes < b->capacity_bytes &&
                 (b->overhead.x != b->usable.x + b->usable.w ||
                  b->overhead.x + b->overhead.w != bar_x1))
            why = "has its overhead elsewhere than on the right";
        else if (abs(b->overhead.w - expect_w) > 1)
            why = "has an overhead of another size than the record's";
        else if (b->usable_bytes && !strstr(b->header, want))
            why = "does not say how much is usable";
        if (!why)
            continue;
        bad++;
        if ((*printed)++ < 12)
            fprintf(stderr, "%s: %s %s buffer (\"%s\") %s\n", where,
                    b->side == LESSON_CLIENT ? "client" : "server", b->send ? "send" : "receive",
                    b->header, why);
    }
    return bad;
}

/* Where a kernel buffer holds VIZ_TILES_MAX bytes or fewer, the first
 * text drawn in its bar (leftmost) is its first byte's tile ("H", "\n"):
 * the bytes are characters, not a sliver. Where the kernel's buffer has
 * another size than the model's, its figure is drawn somewhere in the
 * frame, at every size. Counts the bars that break either. */
static int check_tiles_and_kernel(const bar_collector *bars, const collector *col,
                                  const viz_scene *s, const viz_frame *f, const char *where,
                                  int *printed)
{
    int bad = 0;
    for (int i = 0; i < bars->n; i++) {
        const viz_bar_drawn *b = &bars->b[i];
        const char *why = NULL;
        char want[64] = "";
        if (b->capacity_bytes && viz_tiles_use(b->held_bytes)) {
            lesson_queue q = b->send ? f->q[b->side][LESSON_Q_IN_FLIGHT] : f->q[b->side][LESSON_Q_RECV];
            const lesson_queue *un = &f->q[b->side][LESSON_Q_UNSENT];
            for (int r = 0; b->send && r < un->n; r++)
                lesson_queue_push_at(&q, un->run[r].origin, un->run[r].offset_bytes,
                                     un->run[r].bytes);
            const lesson_write_log *log = &s->side[b->send ? b->side : !b->side].after.writes;
            int first = viz_tiles_queue_byte(&q, log, 0);
            const text_box *left = NULL;
            for (int t = 0; t < col->n; t++) {
                SDL_Rect in = ink(&col->b[t].drawn);
                if (inside(&in, &b->bar) && (!left || col->b[t].drawn.x < left->drawn.x))
                    left = &col->b[t];
            }
            if (first < 0)
                why = "holds bytes the record's write log does not have";
            else if (!left ||
                     strcmp(left->text, viz_tiles_byte_text((uint8_t)first, want, sizeof want))) {
                why = "draws no character tiles for its few bytes";
                if (left)
                    fprintf(stderr, "(its leftmost text: \"%s\" at %d,%d)\n", left->text,
                            left->drawn.x, left->drawn.y);
            }
        }
        if (!why && b->kernel_capacity_bytes) {
            char k[32];
            viz_fmt_bytes(k, sizeof k, b->kernel_capacity_bytes);
            bool found = false;
            for (int t = 0; t < col->n && !found; t++)
                found = strstr(col->b[t].whole, k) != NULL;
            snprintf(want, sizeof want, "%s", k);
            if (!found)
                why = "does not show the kernel's own size";
        }
        if (!why)
            continue;
        bad++;
        if ((*printed)++ < 12)
            fprintf(stderr, "%s: %s %s buffer (%u B held, want \"%s\") %s\n", where,
                    b->side == LESSON_CLIENT ? "client" : "server", b->send ? "send" : "receive",
                    b->held_bytes, want, why);
    }
    return bad;
}

/* The wire's title and legend (#23's leftover: at zoom 2 the Japanese
 * legend read "色の意 / 味" and the title "ワイヤ (モ / デル)"): every
 * row drawn of one of them that ends before the label does ends between
 * words (viz_wrap_cuts_word, the wrapping's own rule), and a title whose
 * first row is drawn is drawn whole over its rows. Counts the failures. */
static int check_wire_words(const collector *c, const SDL_Rect *wire, viz_lang lang,
                            const char *where, int *printed)
{
    static const viz_label_id ids[] = {
        VIZ_L_WIRE,           VIZ_L_WIRE_KERNEL,     VIZ_L_WIRE_KERNEL_NONE, VIZ_L_LEGEND_WRITES,
        VIZ_L_LEGEND_STRIPES, VIZ_L_LEGEND_OVERHEAD, VIZ_L_LEGEND_HINT};
    int bad = 0;
    char rows[1024] = ""; /* the title's rows */
    bool title_start = false;
    const size_t nids = sizeof ids / sizeof ids[0];
    for (int i = 0; i < c->n; i++) {
        const text_box *t = &c->b[i];
        if (t->drawn.x < wire->x || t->drawn.x + t->drawn.w > wire->x + wire->w || !t->whole[0] ||
            in_chip(t))
            continue; /* not in the wire's column, or a chip on it ("1", a byte count) */
        /* a row may be part of several labels ("kernel"): it breaks
         * inside a word only if it does so in every label it is part of */
        bool in_any = false, whole_somewhere = false, in_legend = false, starts_title = false;
        const char *cut_in = NULL;
        for (size_t k = 0; k < nids; k++) {
            const char *label = viz_label(lang, ids[k]);
            const char *at = strstr(label, t->whole);
            if (!at)
                continue;
            in_any = true;
            in_legend |= k >= 3;
            starts_title |= k < 3 && at == label;
            int llen = (int)strlen(label), start = (int)(at - label), n = (int)strlen(t->whole);
            if (start + n >= llen || !viz_wrap_cuts_word(label, llen, &start, &n, 1))
                whole_somewhere = true;
            else
                cut_in = label;
        }
        if (!in_any)
            continue;
        if (!in_legend) {
            title_start |= starts_title;
            if (strlen(rows) + strlen(t->whole) + 1 < sizeof rows)
                strcat(rows, t->whole);
        }
        if (whole_somewhere)
            continue;
        bad++;
        if ((*printed)++ < 12)
            fprintf(stderr, "%s: the wire's \"%s\" breaks inside a word after \"%s\"\n", where,
                    cut_in, t->whole);
    }
    if (title_start) { /* one of the titles is drawn whole */
        char got[1024];
        bool whole = false;
        squeeze(rows, got, sizeof got);
        for (size_t k = 0; k < 3 && !whole; k++) {
            char want[256];
            squeeze(viz_label(lang, ids[k]), want, sizeof want);
            whole = strstr(got, want) != NULL;
        }
        if (!whole) {
            bad++;
            if ((*printed)++ < 12)
                fprintf(stderr, "%s: the wire's title is cut (drawn: \"%s\")\n", where, rows);
        }
    }
    return bad;
}

/* Appends to out (len bytes) the texts drawn in the narration's box (the
 * wide box at the bottom, inside the window's margins), spaces left out,
 * so the pages of one step can be read together. */
static void narration_text(const collector *c, char *out, size_t len)
{
    size_t n = strlen(out);
    for (int i = 0; i < c->n; i++) {
        const SDL_Rect *b = &c->b[i].box;
        /* (a page of a zoomed scene taller than the window shows the
         * narration's box anywhere, even from above the window's top) */
        if (!(b->w > c->w * 9 / 10 && b->w < c->w && b->x > 0))
            continue;
        if (!strncmp(c->b[i].whole, "\xe2\x96\xbc", 3) || !strncmp(c->b[i].whole, "\xe2\x96\xb2", 3))
            continue; /* a page's mark (▼ more: ↓  1/2, ▲ ↑  2/2) */
        for (const char *p = c->b[i].whole; *p && n + 1 < len; p++)
            if (*p != ' ')
                out[n++] = *p;
    }
    out[n] = 0;
}

/* Every paragraph of step k's narration (in lang, as the window picks
 * it) is in told, the narration boxes' texts of all its pages. Counts
 * the paragraphs missing. */
static int check_told(const lesson_doc *doc, int k, viz_lang lang, const char *told, int *printed)
{
    const lesson_step *st = &doc->steps[k];
    char **say = lang == VIZ_LANG_JA && st->nsay_ja ? st->say_ja : st->say;
    size_t nsay = lang == VIZ_LANG_JA && st->nsay_ja ? st->nsay_ja : st->nsay;
    int bad = 0;
    for (size_t i = 0; i < nsay; i++) {
        char *want = malloc(strlen(say[i]) + 1); /* the whole paragraph, however long */
        assert_non_null(want);
        size_t n = 0;
        for (const char *p = say[i]; *p; p++)
            if (*p != ' ' && *p != '\n')
                want[n++] = *p;
        want[n] = 0;
        bool found = strstr(told, want) != NULL;
        free(want);
        if (found)
            continue;
        bad++;
        if ((*printed)++ < 12)
            fprintf(stderr, "%s step %d %s: narration not told whole on its pages: \"%.60s\"\n",
                    doc->name, k + 1, lang ? "ja" : "en", say[i]);
    }
    return bad;
}

/* How many statements not shown whole are told (VIZ_LAYOUT_VERBOSE: all). */
static int code_print_max = 12;

/* The code panels of one frame (viz_draw_set_code_hook). */
typedef struct {
    const viz_side *vs[4];
    SDL_Rect panel[4];
    int n;
} code_collector;

static void code_hook(void *ud, const viz_side *vs, const SDL_Rect *panel)
{
    code_collector *cc = ud;
    if (cc->n < 4) {
        cc->vs[cc->n] = vs;
        cc->panel[cc->n++] = *panel;
    }
}

/* s without spaces into out. */
static void squeeze(const char *s, char *out, size_t len)
{
    size_t n = 0;
    for (; *s && n + 1 < len; s++)
        if (*s != ' ')
            out[n++] = *s;
    out[n] = 0;
}

/* Statements of a step's side seen whole, over the frames of a step. */
typedef struct {
    bool seen[4][VIZ_MAX_CODE];
    bool paged[4]; /* some frame showed one page of the panel */
} code_seen;

/* In each code panel of the frame, every statement of the step is drawn
 * whole: its text, spaces aside, is in the texts drawn inside the panel
 * read in order (its wrapped rows put together); a panel with a page's
 * mark may show one page, which holds the statement the animation is at.
 * Marks in seen every statement drawn whole. Counts the statements
 * failing. */
static int check_code(const collector *c, const code_collector *cc, const viz_scene *s,
                      const viz_frame *f, bool scene_paged, code_seen *seen, const char *where,
                      int *printed)
{
    int bad = 0;
    for (int p = 0; p < cc->n; p++) {
        static char drawn[8192];
        size_t n = 0;
        const SDL_Rect *r = &cc->panel[p];
        for (int i = 0; i < c->n; i++) {
            const SDL_Rect *d = &c->b[i].drawn;
            int cx = d->x + d->w / 2, cy = d->y + d->h / 2;
            if (cx < r->x || cx >= r->x + r->w || cy < r->y || cy >= r->y + r->h)
                continue;
            char sq[512];
            squeeze(c->b[i].whole, sq, sizeof sq);
            size_t l = strlen(sq);
            if (n + l + 1 < sizeof drawn) {
                memcpy(drawn + n, sq, l);
                n += l;
            }
        }
        drawn[n] = 0;
        /* a page's mark (▼ 1/2, ▲ 2/2): the panel shows one page */
        /* a zoomed scene's page (scene_paged) shows part of a tall panel,
         * all of whose rows are drawn at full size (the scene's mark may
         * fall inside it): the page breaks between statements, so a
         * statement it shows a part of (its first or last characters) it
         * shows whole */
        bool cut = scene_paged;
        bool paged = !cut && (strstr(drawn, "\xe2\x96\xbc") || strstr(drawn, "\xe2\x96\xb2"));
        if (paged)
            seen->paged[p % 4] = true;
        const viz_side *vs = cc->vs[p];
        int cur, blocked; /* each side's cursor on its own timeline */
        double at = f->progress >= 1.0 ? 1.0 : f->code_at[vs == &s->side[1]];
        viz_code_cursor(vs->code, vs->ncode, at, &cur, &blocked);
        /* the text left once the statements drawn whole are taken out:
         * a part of a statement is looked for there (two statements
         * ending alike, "one = rfile.readline()" and "two = ...", are
         * not parts of each other) */
        static char rest[8192];
        memcpy(rest, drawn, n + 1);
        for (int k = 0; k < vs->ncode; k++) {
            char want[VIZ_TEXT_LEN];
            squeeze(vs->code[k].code, want, sizeof want);
            char *hit = want[0] ? strstr(rest, want) : NULL;
            if (hit)
                memset(hit, ' ', strlen(want));
        }
        for (int k = 0; k < vs->ncode; k++) {
            char want[VIZ_TEXT_LEN];
            squeeze(vs->code[k].code, want, sizeof want);
            bool whole = strstr(drawn, want) != NULL;
            if (whole)
                seen->seen[p % 4][k] = true;
            bool part = true;
            if (cut) {
                size_t wl = strlen(want), el = wl < 12 ? wl : 12;
                char head[16], *tail = want + wl - el;
                memcpy(head, want, el);
                head[el] = 0;
                part = strstr(rest, head) || strstr(rest, tail);
            }
            if ((!paged || k == (cur < 0 ? 0 : cur)) && part && !whole) {
                bad++;
                if ((*printed)++ < code_print_max)
                    fprintf(stderr, "%s: %s statement not shown whole: \"%s\"\n", where,
                            paged ? "the running" : "a", vs->code[k].code);
            }
        }
    }
    return bad;
}

static const int sizes[][2] = {{1920, 1080}, {1280, 720}, {1024, 768}};
static const double zooms[] = {1.0, 1.15 * 1.15 * 1.15};
/* The zooms the lessons are drawn at: zoom 2 (#23) at 1920x1080 and
 * 1280x720, where the scene pages. */
static const double lesson_zooms[] = {1.0, 1.15 * 1.15 * 1.15, 2.0};

/* Whether sample sm of a step (of NSAMPLES, start to end) is drawn at
 * lesson_zooms[zi]. Zoom 2 draws each frame on three to six pages, so it
 * takes the start, the two middle samples and the end: the layout's
 * checks on every page, at about the cost of zoom 1. Under ASan, which
 * looks for memory errors rather than layout, only the end of each step
 * (the pages are the same code at every sample). */
static bool sample_drawn(size_t zi, int sm)
{
    if (lesson_zooms[zi] < 2.0)
        return true;
#ifdef __SANITIZE_ADDRESS__
    return sm == NSAMPLES - 1;
#else
    return sm == 0 || sm == NSAMPLES / 2 - 1 || sm == NSAMPLES / 2 || sm == NSAMPLES - 1;
#endif
}

/* A canvas of sizes[si] whose texts go to col. */
static viz_canvas *hooked_canvas(collector *col, size_t si)
{
    char err[256];
    viz_canvas *cv = viz_canvas_new(sizes[si][0], sizes[si][1], err, sizeof err);
    assert_non_null(cv);
    viz_text_set_hook(viz_canvas_text(cv), hook, col);
    col->w = sizes[si][0];
    col->h = sizes[si][1];
    return cv;
}

/* The first language drawn: 1 (Japanese only) for the noto font set,
 * whose extra fonts draw nothing else. */
static int lang_first;

/* --record: run the real mode and write the kernel transcripts. */
static bool recording;

/* --record: the emulated wire the real mode runs on, as `run` has it. */
static lesson_wire_handle *record_wire;

static int run_lesson(const char *path, lesson_doc **doc_out, viz_scene *scenes, int max)
{
    return layout_lesson_scenes(path, recording, record_wire, doc_out, scenes, max);
}

/* --record: every bundled lesson's kernel transcript, written anew. */
static int record_transcripts(void)
{
    glob_t g;
    lesson_wire_new(NULL, stderr, &record_wire);
    if (glob(SOCKBUF_SOURCE_DIR "/lessons/*.lesson", 0, NULL, &g) != 0) {
        lesson_wire_free(record_wire);
        return 1;
    }
    static viz_scene scenes[MAX_STEPS];
    for (size_t li = 0; li < g.gl_pathc; li++) {
        lesson_doc *doc = NULL;
        int n = run_lesson(g.gl_pathv[li], &doc, scenes, MAX_STEPS);
        fprintf(stderr, "recorded %s: %d steps\n", doc->name, n);
        for (int k = 0; k < n; k++)
            viz_scene_free(&scenes[k]);
        lesson_doc_free(doc);
    }
    globfree(&g);
    lesson_wire_free(record_wire);
    record_wire = NULL;
    return 0;
}

/* Every step of every bundled lesson, every sample, size, language and
 * zoom: no text overlaps another or leaves its box. */
static void test_layout_lessons_no_overlap(void **state)
{
    (void)state;
    glob_t g;
    assert_int_equal(glob(SOCKBUF_SOURCE_DIR "/lessons/*.lesson", 0, NULL, &g), 0);
    assert_true(g.gl_pathc >= 6);
    static viz_scene scenes[MAX_STEPS];
    static collector col;
    static bar_collector bars;
    int bad = 0, printed = 0, frames = 0, zoomed_bad = 0, zoom_printed = 0;
    int bar_bad = 0, bar_printed = 0, nbars = 0, tile_bad = 0, tile_printed = 0;
    int told_bad = 0, told_printed = 0, pages_seen = 0;
    int app_bad = 0, app_printed = 0, apps_seen = 0;
    int file_bad = 0, file_printed = 0, files_seen = 0;
    static char told[16384];
    static code_collector codes;
    int code_bad = 0, code_printed = 0, wire_bad = 0, wire_printed = 0;
    viz_draw_set_bar_hook(bar_hook, &bars);
    viz_draw_set_code_hook(code_hook, &codes);
    viz_anim *anim = viz_anim_new();
    viz_frame *f = calloc(1, sizeof *f);
    assert_non_null(anim);
    assert_non_null(f);
    for (size_t li = 0; li < g.gl_pathc; li++) {
        if (getenv("VIZ_LAYOUT_LESSON") && !strstr(g.gl_pathv[li], getenv("VIZ_LAYOUT_LESSON")))
            continue; /* one lesson while iterating */
        lesson_doc *doc = NULL;
        int n = run_lesson(g.gl_pathv[li], &doc, scenes, MAX_STEPS);
        assert_true(n > 0);
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
            viz_canvas *cv = hooked_canvas(&col, si);
            for (int lang = lang_first; lang < 2; lang++)
                for (size_t zi = 0; zi < sizeof lesson_zooms / sizeof lesson_zooms[0]; zi++)
                    for (int k = 0; k < n; k++) {
                        if (zi == 2 && sizes[si][0] < 1280)
                            break; /* zoom 2: at 1920x1080 and 1280x720, as #23 asks */
                        if (getenv("VIZ_LAYOUT_ZOOM") &&
                            atof(getenv("VIZ_LAYOUT_ZOOM")) != lesson_zooms[zi])
                            break; /* one zoom while iterating */
                        assert_int_equal(viz_anim_build(anim, &scenes[k]), 0);
                        code_seen seen;
                        memset(&seen, 0, sizeof seen);
                        for (int sm = 0; sm < NSAMPLES; sm++) {
                            if (!sample_drawn(zi, sm))
                                continue;
                            double p = (double)sm / (NSAMPLES - 1);
                            viz_anim_seek(anim, &scenes[k], p, f);
                            int npages = 1;
                            bool file_done = false, app_done = false;
                            told[0] = 0;
                            for (int pg = 0; pg < npages; pg++) {
                                viz_ui ui = {.lang = (viz_lang)lang, .zoom = lesson_zooms[zi], .speed = 1,
                                             .nar_page = pg};
                                col.n = 0;
                                bars.n = 0;
                                codes.n = 0;
                                viz_draw_scene_pages(viz_canvas_renderer(cv), viz_canvas_text(cv),
                                                     &scenes[k], f, &ui, col.w, col.h, &npages);
                                char where[256];
                                snprintf(where, sizeof where,
                                         "%s step %d at %.1f, %dx%d %s zoom %.2f, page %d/%d",
                                         doc->name, k + 1, p, col.w, col.h, lang ? "ja" : "en",
                                         lesson_zooms[zi], pg + 1, npages);
                                pages_seen += pg > 0;
                                narration_text(&col, told, sizeof told);
                                int nb = check_frame(&col, where,
                                                     col.w == 1280 && col.h == 720 && zi == 0,
                                                     zi == 0 ? &printed : &zoom_printed);
                                bad += nb;
                                if (zi > 0)
                                    zoomed_bad += nb;
                                nbars += bars.n;
                                bar_bad += check_bars(&bars, (viz_lang)lang, where, &bar_printed);
                                viz_scene_layout wl;
                                viz_draw_layout(viz_canvas_text(cv), &scenes[k], f, &ui, col.w,
                                                col.h, &wl);
                                wire_bad += check_wire_words(&col, &wl.wire, (viz_lang)lang, where,
                                                             &wire_printed);
                                if (sm == NSAMPLES - 1 && !app_done) {
                                    /* (as the makefile row below: the first page
                                     * that shows it) */
                                    int quiet = INT_MAX / 2;
                                    int ab = check_appbox(&col, &scenes[k], f, where,
                                                          pg + 1 < npages ? &quiet : &app_printed);
                                    if (ab == 0 || pg + 1 == npages) {
                                        app_bad += ab;
                                        app_done = true;
                                    }
                                }
                                apps_seen += sm == NSAMPLES - 1 && pg == 0 && scenes[k].side[0].pend.bytes;
                                /* (a zoomed scene taller than the window shows
                                 * the application box on some page: the first
                                 * page where it shows whole is checked) */
                                if (!file_done) {
                                    int quiet = INT_MAX / 2, seen0 = files_seen;
                                    int fb = check_file_tiles(&col, &scenes[k], f, where,
                                                              pg + 1 < npages ? &quiet : &file_printed,
                                                              &files_seen);
                                    if (fb == 0 || pg + 1 == npages) {
                                        file_bad += fb;
                                        file_done = true;
                                    } else {
                                        files_seen = seen0;
                                    }
                                }
                                tile_bad += check_tiles_and_kernel(&bars, &col, &scenes[k], f,
                                                                   where, &tile_printed);
                                viz_scene_layout lay;
                                viz_draw_layout(viz_canvas_text(cv), &scenes[k], f, &ui, col.w,
                                                col.h, &lay);
                                code_bad += check_code(&col, &codes, &scenes[k], f,
                                                       lay.scene_paged, &seen, where,
                                                       &code_printed);

                                frames++;
                            }
                            told_bad += check_told(doc, k, (viz_lang)lang, told, &told_printed);
                        }
                        /* over the step's frames, every statement shown whole
                         * (a paged panel shows each as it runs: the frames
                         * sampled may fall between, check_code checks those) */
                        for (int sd = 0; sd < 2; sd++)
                            for (int q = 0; q < scenes[k].side[sd].ncode; q++) {
                                if (seen.seen[sd][q] || seen.paged[sd])
                                    continue;
                                code_bad++;
                                if (code_printed++ < code_print_max)
                                    fprintf(stderr,
                                            "%s step %d, %dx%d %s zoom %.2f: statement never "
                                            "shown whole: \"%s\"\n",
                                            doc->name, k + 1, col.w, col.h, lang ? "ja" : "en",
                                            lesson_zooms[zi], scenes[k].side[sd].code[q].code);
                            }
                    }
            viz_canvas_free(cv);
        }
        for (int k = 0; k < n; k++)
            viz_scene_free(&scenes[k]);
        lesson_doc_free(doc);
    }
    viz_draw_set_bar_hook(NULL, NULL);
    viz_draw_set_code_hook(NULL, NULL);
    fprintf(stderr, "%d statements not shown whole\n", code_bad);
    fprintf(stderr,
            "%d frames: %d problems (of them zoomed: %d; moving chips overlapping: %d); "
            "%d buffer bars: %d the wrong way round or unlabelled; %d narration pages after "
            "the first; %d narrations not told whole\n",
            frames, bad, zoomed_bad, chip_overlaps, nbars, bar_bad, pages_seen, told_bad);
    assert_true(pages_seen > 0); /* long narration at zoom was paged, and its pages drawn */
    assert_int_equal(told_bad, 0);
    fprintf(stderr, "%d frames with a sendall() waiting on the client: %d application figures "
                    "missing\n", apps_seen, app_bad);
    assert_true(apps_seen > 0); /* 04-file-send's sendall() waits in the record */
    assert_int_equal(app_bad, 0);
    assert_int_equal(code_bad, 0);
    fprintf(stderr, "%d rows of the wire's title and legend breaking inside a word or cut\n",
            wire_bad);
    assert_int_equal(wire_bad, 0);
    assert_true(nbars > frames); /* the hook saw the bars */
    assert_int_equal(bar_bad, 0);
    fprintf(stderr, "%d buffer bars without tiles for their few bytes or without the kernel's "
                    "own size\n", tile_bad);
    assert_int_equal(tile_bad, 0);
    fprintf(stderr, "%d makefile buffers of few bytes: %d without their character tiles\n",
            files_seen, file_bad);
    assert_true(files_seen > 0); /* 02-flush's f.write(b'Hello') waits in Python's buffer */
    assert_int_equal(file_bad, 0);
    free(f);
    viz_anim_free(anim);
    globfree(&g);
    assert_int_equal(bad, 0);
}

/* A narration far longer than its box (#26 item 9): 30 paragraphs, one
 * of them 2000 words, in English and Japanese. It is drawn on as many
 * pages as it takes, every page without overlaps or a text cut short
 * with "…", and its pages together tell every paragraph whole. Before:
 * a paragraph stopped after VIZ_WRAP_MAX_LINES lines with "…" (about 3
 * pages) and a step's narration after 16 paragraphs. */
static void test_layout_long_narration_paged(void **state)
{
    (void)state;
    size_t cap = 1 << 20, k = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    k += (size_t)snprintf(text + k, cap - k, "lesson long\nstep A long narration\n");
    for (int i = 0; i < 30; i++) {
        k += (size_t)snprintf(text + k, cap - k, "say Paragraph %d tells part %d.", i, i);
        for (int w = 0; i == 7 && w < 2000; w++)
            k += (size_t)snprintf(text + k, cap - k, " word%d", w);
        k += (size_t)snprintf(text + k, cap - k, "\nsay.ja 段落 %d は長い説明の一部です。", i);
        for (int w = 0; i == 7 && w < 600; w++)
            k += (size_t)snprintf(text + k, cap - k, "ソケットのバッファ%dを見る。", w);
        k += (size_t)snprintf(text + k, cap - k, "\n");
    }
    snprintf(text + k, cap - k, "client: x = 1\n");
    lesson_diag d[LESSON_MAX_DIAGS];
    int nd = 0;
    lesson_doc *doc = lesson_parse("long.lesson", text, strlen(text), d, &nd);
    if (!doc)
        fail_msg("long.lesson:%d:%d: %s", d[0].line, d[0].col, d[0].message);
    char err[256];
    lesson_runner *r = lesson_runner_new(doc, LESSON_MODE_SIM, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(lesson_runner_step(r), 0);
    viz_scene scene;
    viz_scene_init(&scene, doc);
    assert_int_equal(viz_scene_next(&scene, lesson_runner_record(r)), 0);
    viz_anim *anim = viz_anim_new();
    viz_frame *f = calloc(1, sizeof *f);
    assert_non_null(anim);
    assert_non_null(f);
    assert_int_equal(viz_anim_build(anim, &scene), 0);
    viz_anim_seek(anim, &scene, 1.0, f);
    static collector col;
    static char told[1 << 18];
    int bad = 0, printed = 0, told_bad = 0, told_printed = 0;
    for (int lang = lang_first; lang < 2; lang++) {
        viz_canvas *cv = hooked_canvas(&col, 1); /* 1280x720 */
        int npages = 1;
        told[0] = 0;
        for (int pg = 0; pg < npages; pg++) {
            viz_ui ui = {.lang = (viz_lang)lang, .zoom = 1, .speed = 1, .nar_page = pg};
            col.n = 0;
            viz_draw_scene_pages(viz_canvas_renderer(cv), viz_canvas_text(cv), &scene, f, &ui,
                                 col.w, col.h, &npages);
            char where[128];
            snprintf(where, sizeof where, "long narration %s, page %d/%d", lang ? "ja" : "en",
                     pg + 1, npages);
            narration_text(&col, told, sizeof told);
            bad += check_frame(&col, where, true, &printed);
        }
        fprintf(stderr, "long narration, %s: %d pages\n", lang ? "ja" : "en", npages);
        assert_true(npages > 4);
        told_bad += check_told(doc, 0, (viz_lang)lang, told, &told_printed);
        viz_canvas_free(cv);
    }
    assert_int_equal(told_bad, 0);
    assert_int_equal(bad, 0);
    free(f);
    viz_anim_free(anim);
    viz_scene_free(&scene);
    lesson_runner_free(r);
    lesson_doc_free(doc);
    free(text);
}

/* ---- the layout pass alone -------------------------------------------- */

typedef struct {
    SDL_Rect panel[2]; /* the code panels the paint pass drew */
    int n;
} panel_seen;

static void panel_hook(void *ud, const viz_side *vs, const SDL_Rect *panel)
{
    panel_seen *ps = ud;
    (void)vs;
    if (ps->n < 2)
        ps->panel[ps->n] = *panel;
    ps->n++;
}

static int texts_drawn;

static void count_hook(void *ud, const SDL_Rect *drawn, const SDL_Rect *box, const char *utf8,
                       int size_px)
{
    (void)ud;
    (void)drawn;
    (void)box;
    (void)utf8;
    (void)size_px;
    texts_drawn++;
}

static bool rect_eq(const SDL_Rect *a, const SDL_Rect *b)
{
    return a->x == b->x && a->y == b->y && a->w == b->w && a->h == b->h;
}

/* The layout pass (viz_draw_layout) measures with the fonts and draws
 * nothing; its rectangles stack as the picture reads (title, columns
 * with code over application over kernel, the wire between them, the
 * narration under them, all inside the canvas), and the paint pass draws
 * the code panels exactly where the layout put them. */
static void test_layout_pass_is_the_paint_pass_plan(void **state)
{
    (void)state;
    static viz_scene scenes[MAX_STEPS];
    lesson_doc *doc = NULL;
    int n = run_lesson(SOCKBUF_SOURCE_DIR "/lessons/04-file-send.lesson", &doc, scenes, MAX_STEPS);
    assert_true(n >= 5);
    viz_anim *anim = viz_anim_new();
    viz_frame *f = calloc(1, sizeof *f);
    assert_non_null(anim);
    assert_non_null(f);
    int checked = 0;
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        char err[256];
        int w = sizes[si][0], h = sizes[si][1];
        viz_canvas *cv = viz_canvas_new(w, h, err, sizeof err);
        assert_non_null(cv);
        viz_text *t = viz_canvas_text(cv);
        for (size_t zi = 0; zi < 3; zi++)
            for (int k = 0; k < n; k++) {
                double zoom = zi < 2 ? lesson_zooms[zi] : 2.0;
                assert_int_equal(viz_anim_build(anim, &scenes[k]), 0);
                viz_anim_seek(anim, &scenes[k], 0.5, f);
                viz_ui ui = {.lang = VIZ_LANG_EN, .zoom = zoom, .speed = 1};
                viz_scene_layout L;
                texts_drawn = 0;
                viz_text_set_hook(t, count_hook, NULL);
                viz_draw_layout(t, &scenes[k], f, &ui, w, h, &L);
                viz_text_set_hook(t, NULL, NULL);
                assert_int_equal(texts_drawn, 0);
                assert_true(L.pages >= 1);
                assert_true(L.canvas_h >= h);
                assert_true(L.scene_paged || L.canvas_h == h);
                assert_true(L.title.y + L.title.h <= L.column[0].y);
                for (int side = 0; side < 2; side++) {
                    assert_true(L.code[side].y + L.code[side].h <= L.app[side].y);
                    assert_true(L.app[side].y + L.app[side].h <= L.kernel[side].y);
                    assert_true(L.kernel[side].y + L.kernel[side].h <= L.narration.y);
                    assert_true(L.code[side].x >= 0 && L.code[side].x + L.code[side].w <= w);
                }
                assert_true(L.column[0].x + L.column[0].w <= L.wire.x);
                assert_true(L.wire.x + L.wire.w <= L.column[1].x);
                assert_true(L.narration.y + L.narration.h <= L.canvas_h);
                assert_true(L.narration_px > 0);
                /* the paint pass draws the panels where the layout put them
                 * (moved by the page's top on a page of a taller canvas) */
                panel_seen ps = {0};
                viz_draw_set_code_hook(panel_hook, &ps);
                viz_draw_scene(viz_canvas_renderer(cv), t, &scenes[k], f, &ui, w, h);
                viz_draw_set_code_hook(NULL, NULL);
                if (!L.scene_paged) {
                    assert_int_equal(ps.n, 2);
                    for (int side = 0; side < 2; side++)
                        if (!rect_eq(&ps.panel[side], &L.code[side]))
                            fail_msg("step %d %dx%d zoom %.2f: side %d's code panel painted at "
                                     "%d,%d %dx%d, laid out at %d,%d %dx%d",
                                     k + 1, w, h, zoom, side, ps.panel[side].x, ps.panel[side].y,
                                     ps.panel[side].w, ps.panel[side].h, L.code[side].x,
                                     L.code[side].y, L.code[side].w, L.code[side].h);
                    checked++;
                }
            }
        viz_canvas_free(cv);
    }
    assert_true(checked > 10);
    free(f);
    viz_anim_free(anim);
    for (int k = 0; k < n; k++)
        viz_scene_free(&scenes[k]);
    lesson_doc_free(doc);
}

/* Zoom zooms the content (#23): at zoom 2 at 1920x1080 the narration's
 * and the code's lines are at least 1.8 times as tall as at zoom 1, at
 * every step of every bundled lesson, in both languages; what no longer
 * fits pages (more pages, never smaller text). */
static void test_layout_zoom_two_doubles_text(void **state)
{
    (void)state;
    glob_t g;
    assert_int_equal(glob(SOCKBUF_SOURCE_DIR "/lessons/*.lesson", 0, NULL, &g), 0);
    static viz_scene scenes[MAX_STEPS];
    char err[256];
    viz_canvas *cv = viz_canvas_new(1920, 1080, err, sizeof err);
    assert_non_null(cv);
    viz_text *t = viz_canvas_text(cv);
    viz_anim *anim = viz_anim_new();
    viz_frame *f = calloc(1, sizeof *f);
    assert_non_null(anim);
    assert_non_null(f);
    int steps = 0, paged = 0;
    for (size_t li = 0; li < g.gl_pathc; li++) {
        lesson_doc *doc = NULL;
        int n = run_lesson(g.gl_pathv[li], &doc, scenes, MAX_STEPS);
        for (int k = 0; k < n; k++) {
            assert_int_equal(viz_anim_build(anim, &scenes[k]), 0);
            viz_anim_seek(anim, &scenes[k], 1.0, f);
            for (int lang = lang_first; lang < 2; lang++) {
                viz_scene_layout one, two;
                viz_ui u1 = {.lang = (viz_lang)lang, .zoom = 1.0, .speed = 1};
                viz_ui u2 = {.lang = (viz_lang)lang, .zoom = 2.0, .speed = 1};
                viz_draw_layout(t, &scenes[k], f, &u1, 1920, 1080, &one);
                viz_draw_layout(t, &scenes[k], f, &u2, 1920, 1080, &two);
                double nar = (double)viz_text_line_height(t, VIZ_FACE_SANS, two.narration_px) /
                             viz_text_line_height(t, VIZ_FACE_SANS, one.narration_px);
                if (nar < 1.8)
                    fail_msg("%s step %d %s: zoom 2 narration %d px, zoom 1 %d px (x%.2f)",
                             doc->name, k + 1, lang ? "ja" : "en", two.narration_px,
                             one.narration_px, nar);
                if (one.code_px > 0) {
                    double code = (double)viz_text_line_height(t, VIZ_FACE_MONO, two.code_px) /
                                  viz_text_line_height(t, VIZ_FACE_MONO, one.code_px);
                    if (code < 1.8)
                        fail_msg("%s step %d %s: zoom 2 code %d px, zoom 1 %d px (x%.2f)",
                                 doc->name, k + 1, lang ? "ja" : "en", two.code_px, one.code_px,
                                 code);
                }
                assert_true(two.unit_px >= 1.8 * one.unit_px); /* the shapes grow too */
                assert_true(two.pages >= one.pages);
                paged += two.scene_paged;
                steps++;
            }
        }
        for (int k = 0; k < n; k++)
            viz_scene_free(&scenes[k]);
        lesson_doc_free(doc);
    }
    assert_true(steps > 40);
    assert_true(paged > 0); /* zoom 2 at 1080 lines does page the scene */
    free(f);
    viz_anim_free(anim);
    viz_canvas_free(cv);
    globfree(&g);
}

/* The help overlay at every size, in both languages, zoomed or not:
 * keys never run into what they do. */
static void test_layout_help_no_overlap(void **state)
{
    (void)state;
    static collector col;
    int bad = 0, printed = 0;
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        char err[256];
        viz_canvas *cv = hooked_canvas(&col, si);
        for (int lang = lang_first; lang < 2; lang++)
            for (size_t zi = 0; zi < sizeof zooms / sizeof zooms[0]; zi++) {
                viz_ui ui = {.lang = (viz_lang)lang, .zoom = zooms[zi], .speed = 1};
                col.n = 0;
                viz_draw_help(viz_canvas_renderer(cv), viz_canvas_text(cv), &ui, col.w, col.h);
                char where[128];
                snprintf(where, sizeof where, "help %dx%d %s zoom %.2f", col.w, col.h,
                         lang ? "ja" : "en", zooms[zi]);
                assert_true(col.n > 10);
                bad += check_frame(&col, where, false, &printed);
                if (getenv("VIZ_LAYOUT_DUMP")) {
                    char path[400];
                    snprintf(path, sizeof path, "%s/help-%dx%d-%s-z%zu.png",
                             getenv("VIZ_LAYOUT_DUMP"), col.w, col.h, lang ? "ja" : "en", zi);
                    viz_canvas_save_png(cv, path, err, sizeof err);
                }
            }
        viz_canvas_free(cv);
    }
    assert_int_equal(bad, 0);
}

/* Live mode with one to six connections (flags on, the article's small
 * messages on their trails at every stop, a full log), at every size, in
 * both languages, zoomed or not, at several moments of the trail: no text
 * overlaps or leaves its box, the 4th connection or "… and N more" is
 * never cut off. */
static void test_layout_live_no_overlap(void **state)
{
    (void)state;
    static collector col;
    int bad = 0, printed = 0, frames = 0;
    viz_live_row rows[6];
    for (int i = 0; i < 6; i++) {
        rows[i] = (viz_live_row){.id = i + 1, .reading = i != 2, .eof = i == 1,
                                 .probe_valid = true, .bytes_in = 6u * (i + 1),
                                 .bytes_out = 16u * (i + 1), .pending_bytes = i == 3 ? 16 : 0,
                                 .sndbuf_bytes = 2626560, .rcvbuf_bytes = 131072,
                                 .recv_queue_bytes = i == 2 ? 65536 : 0};
        snprintf(rows[i].peer, sizeof rows[i].peer, "127.0.0.1:%d", 53420 + i);
        snprintf(rows[i].state, sizeof rows[i].state, "%s", i == 1 ? "CLOSE_WAIT" : "ESTABLISHED");
    }
    viz_live_chip chips[48];
    int nch = 0;
    for (int id = 1; id <= 6; id++)
        for (int k = 0; k < 8; k++) {
            bool out = k % 2 == 1;
            viz_live_chip *ch = &chips[nch++];
            *ch = (viz_live_chip){.conn_id = id, .outbound = out, .bytes = out ? 16 : 6,
                                  .t_ms = 400 * k, .wire_t_ms = out ? 400 * k + 5 : -1,
                                  .acked_t_ms = out ? 400 * k + 5 : -1};
            snprintf(ch->repr, sizeof ch->repr, "%s", out ? "b'Got your mes...'" : "b'hello\\n'");
            snprintf(ch->repr_short, sizeof ch->repr_short, "%s", out ? "b'Got...'" : "b'hel...'");
        }
    const char *log_en[10], *log_ja[10];
    for (int i = 0; i < 10; i++) {
        log_en[i] = i % 2 ? "   1.25 s  #4 send 16 B b'Got your message'"
                          : "   1.24 s  #4 recv 6 B b'hello\\n'";
        log_ja[i] = i % 2 ? "   1.25 秒  #4 send で送信 16 B b'Got your message'"
                          : "   1.24 秒  #4 recv で受信 6 B b'hello\\n'";
    }
    const int nconns[] = {0, 1, 4, 6};
    const int64_t moments[] = {3000, 3150, 3600, 7000};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        char err[256];
        viz_canvas *cv = hooked_canvas(&col, si);
        for (int lang = lang_first; lang < 2; lang++)
            for (size_t zi = 0; zi < sizeof zooms / sizeof zooms[0]; zi++)
                for (size_t ci = 0; ci < sizeof nconns / sizeof nconns[0]; ci++)
                    for (size_t mi = 0; mi < sizeof moments / sizeof moments[0]; mi++) {
                        viz_ui ui = {.lang = (viz_lang)lang, .zoom = zooms[zi], .speed = 1};
                        viz_live_view v = {.listening = true, .addr = "127.0.0.1:8080",
                                           .rows = rows, .n = nconns[ci], .open = nconns[ci],
                                           .chips = chips, .nchips = nch,
                                           .now_ms = moments[mi], .log_en = log_en,
                                           .log_ja = log_ja, .nlog = 10};
                        col.n = 0;
                        viz_draw_live(viz_canvas_renderer(cv), viz_canvas_text(cv), &v, &ui,
                                      col.w, col.h);
                        char where[160];
                        snprintf(where, sizeof where, "live %d conns at %lld ms, %dx%d %s zoom %.2f",
                                 nconns[ci], (long long)moments[mi], col.w, col.h,
                                 lang ? "ja" : "en", zooms[zi]);
                        int nb = check_frame(&col, where, col.w == 1280 && zi == 0, &printed);
                        /* the rows not shown are counted on screen */
                        bool more = false, fourth = false;
                        for (int i = 0; i < col.n; i++) {
                            if (strstr(col.b[i].text, "\xe2\x80\xa6 and ") ||
                                strstr(col.b[i].text, "\xe2\x80\xa6 \xe3\x81\xbb\xe3\x81\x8b"))
                                more = true;
                            if (!strncmp(col.b[i].text, "#4  ", 4))
                                fourth = true;
                        }
                        if (nconns[ci] >= 4 && !more && !fourth) {
                            nb++;
                            fprintf(stderr, "%s: the 4th connection is neither drawn nor counted\n",
                                    where);
                        }
                        if (getenv("VIZ_LAYOUT_DUMP") && zi == 0 && mi == 0 && ci == 2) {
                            char path[300];
                            snprintf(path, sizeof path, "%s/live-%dx%d-%s.png",
                                     getenv("VIZ_LAYOUT_DUMP"), col.w, col.h, lang ? "ja" : "en");
                            viz_canvas_save_png(cv, path, err, sizeof err);
                        }
                        bad += nb;
                        frames++;
                    }
        viz_canvas_free(cv);
    }
    fprintf(stderr, "live: %d frames, %d problems\n", frames, bad);
    assert_int_equal(bad, 0);
}

/* The hook sees a text drawn outside its box and two texts on top of each
 * other: the check can fail. */
static void test_layout_check_finds_overlap(void **state)
{
    (void)state;
    static collector col;
    char err[256];
    viz_canvas *cv = viz_canvas_new(640, 360, err, sizeof err);
    assert_non_null(cv);
    viz_text *t = viz_canvas_text(cv);
    viz_text_set_hook(t, hook, &col);
    col.w = 640;
    col.h = 360;
    col.n = 0;
    SDL_Rect small = {10, 10, 60, 100};
    viz_text_set_box(t, &small);
    viz_text_draw(t, "a long label", VIZ_FACE_SANS, 20, (SDL_Color){255, 255, 255, 255}, 12, 12,
                  VIZ_ALIGN_LEFT);
    viz_text_set_box(t, NULL);
    viz_text_draw(t, "another", VIZ_FACE_SANS, 20, (SDL_Color){255, 255, 255, 255}, 20, 14,
                  VIZ_ALIGN_LEFT);
    int printed = 100; /* quiet */
    assert_int_equal(col.n, 2);
    assert_int_equal(check_frame(&col, "self-test", false, &printed), 2);
    /* a narration line cut short fails; a repr cut short does not */
    col.n = 0;
    viz_text_draw(t, "the buffers are\xe2\x80\xa6", VIZ_FACE_SANS, 20,
                  (SDL_Color){255, 255, 255, 255}, 12, 100, VIZ_ALIGN_LEFT);
    viz_text_draw(t, "x = b'xxxx\xe2\x80\xa6", VIZ_FACE_SANS, 20, (SDL_Color){255, 255, 255, 255},
                  12, 200, VIZ_ALIGN_LEFT);
    assert_int_equal(check_frame(&col, "self-test", false, &printed), 1);
    viz_canvas_free(cv);
}

/* check_bars fails a bar with its overhead on the left, one whose
 * header does not say what is usable, and passes a right one. */
static void test_layout_bar_check_finds_wrong_side(void **state)
{
    (void)state;
    bar_collector c = {.n = 1};
    viz_bar_drawn *b = &c.b[0];
    *b = (viz_bar_drawn){.side = LESSON_CLIENT, .send = true, .bar = {10, 50, 400, 30},
                         .usable = {10, 50, 200, 30}, .overhead = {210, 50, 200, 30},
                         .fill_x0 = 10, .capacity_bytes = 8192, .usable_bytes = 4096};
    snprintf(b->header, sizeof b->header, "%s 4,096 of 8,192 B", viz_label(VIZ_LANG_EN, VIZ_L_USABLE));
    int printed = 100; /* quiet */
    assert_int_equal(check_bars(&c, VIZ_LANG_EN, "self-test", &printed), 0);
    b->overhead.x = 10; /* grey on the left, usable on the right */
    b->usable.x = 210;
    assert_int_equal(check_bars(&c, VIZ_LANG_EN, "self-test", &printed), 1);
    b->overhead.x = 210;
    b->usable.x = 10;
    snprintf(b->header, sizeof b->header, "4,096 B / 8,192 B");
    assert_int_equal(check_bars(&c, VIZ_LANG_EN, "self-test", &printed), 1);
    /* the Japanese header needs the Japanese word */
    snprintf(b->header, sizeof b->header, "%s 4,096 / 8,192 B", viz_label(VIZ_LANG_JA, VIZ_L_USABLE));
    assert_int_equal(check_bars(&c, VIZ_LANG_JA, "self-test", &printed), 0);
    assert_int_equal(check_bars(&c, VIZ_LANG_EN, "self-test", &printed), 1);
}

/* ---- question and reveal frames ---------------------------------------- */

/* The clip rectangle in force when each text was drawn (the renderer's,
 * beside the collector's boxes): a text the renderer clips is cut
 * without a mark. */
typedef struct {
    collector *col;
    SDL_Renderer *r;
    SDL_Rect clip[MAX_BOXES];
    bool clipped[MAX_BOXES];
} clip_collector;

static void clip_hook(void *ud, const SDL_Rect *drawn, const SDL_Rect *box, const char *utf8,
                      int size_px)
{
    clip_collector *cc = ud;
    int i = cc->col->n;
    hook(cc->col, drawn, box, utf8, size_px);
    if (i >= MAX_BOXES || cc->col->n == i)
        return;
    cc->clipped[i] = SDL_RenderIsClipEnabled(cc->r);
    SDL_RenderGetClipRect(cc->r, &cc->clip[i]);
}

/* Texts the renderer's clip rectangle cuts (their ink wider or taller
 * than what is shown, with no mark). Counts them. */
static int check_clipped(const clip_collector *cc, const char *where, int *printed)
{
    int bad = 0;
    for (int i = 0; i < cc->col->n; i++) {
        const text_box *a = &cc->col->b[i];
        SDL_Rect ia = ink(&a->drawn);
        if (!cc->clipped[i] || inside(&ia, &cc->clip[i]))
            continue;
        bad++;
        if ((*printed)++ < 12)
            fprintf(stderr, "%s: \"%s\" is clipped without a mark (text %d,%d %dx%d, clip %d,%d %dx%d)\n",
                    where, a->text, a->drawn.x, a->drawn.y, a->drawn.w, a->drawn.h,
                    cc->clip[i].x, cc->clip[i].y, cc->clip[i].w, cc->clip[i].h);
    }
    return bad;
}

/* The scene's texts [0, n0) under the reveal's band: one wholly under it
 * is hidden (the band takes the place of the panel's lower part) and
 * dropped from the frame; one partly under it, or any of the narration,
 * is half hidden. Counts those. */
static int drop_covered(collector *c, clip_collector *cc, int n0, const SDL_Rect *band,
                        const char *where, int *printed)
{
    int bad = 0, out = 0;
    for (int i = 0; i < c->n; i++) {
        text_box *a = &c->b[i];
        SDL_Rect ia = ink(&a->drawn), x;
        if (i < n0 && SDL_IntersectRect(&ia, band, &x)) {
            if (inside(&ia, band))
                continue;
            bad++;
            if ((*printed)++ < 12)
                fprintf(stderr, "%s: \"%s\" is half hidden under the reveal (text %d,%d %dx%d, band %d,%d %dx%d)\n",
                        where, a->text, a->drawn.x, a->drawn.y, a->drawn.w, a->drawn.h, band->x,
                        band->y, band->w, band->h);
            continue;
        }
        if (cc) { /* its clip state stays beside it */
            cc->clipped[out] = cc->clipped[i];
            cc->clip[out] = cc->clip[i];
        }
        c->b[out++] = *a;
    }
    c->n = out;
    return bad;
}

/* Every question frame and every reveal frame of every bundled lesson,
 * at every size, in both languages, zoomed or not, with votes drawn (3
 * on the first choice, 12 on the third): no text overlaps, leaves its
 * box, is under 20 px at 1280x720, is cut with "…" or clipped without a
 * mark; the reveal covers no narration and nothing partly. */
static void test_layout_questions_no_overlap(void **state)
{
    (void)state;
    glob_t g;
    assert_int_equal(glob(SOCKBUF_SOURCE_DIR "/lessons/*.lesson", 0, NULL, &g), 0);
    static viz_scene scenes[MAX_STEPS];
    static collector col;
    static clip_collector cc;
    int bad = 0, printed = 0, frames = 0, questions = 0, zoomed_hidden = 0, hidden_printed = 0;
    int tally[VIZ_QUESTION_KEYS] = {0};
    tally[0] = 3;
    tally[2] = 12;
    viz_anim *anim = viz_anim_new();
    viz_frame *f = calloc(1, sizeof *f);
    assert_non_null(anim);
    assert_non_null(f);
    for (size_t li = 0; li < g.gl_pathc; li++) {
        lesson_doc *doc = NULL;
        int n = run_lesson(g.gl_pathv[li], &doc, scenes, MAX_STEPS);
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
            char err[256];
            viz_canvas *cv = viz_canvas_new(sizes[si][0], sizes[si][1], err, sizeof err);
            assert_non_null(cv);
            cc.col = &col;
            cc.r = viz_canvas_renderer(cv);
            viz_text_set_hook(viz_canvas_text(cv), clip_hook, &cc);
            col.w = sizes[si][0];
            col.h = sizes[si][1];
            for (int lang = lang_first; lang < 2; lang++)
                for (size_t zi = 0; zi < sizeof zooms / sizeof zooms[0]; zi++)
                    for (int k = 0; k < n; k++) {
                        const lesson_question *q = doc->steps[k].question;
                        if (!q)
                            continue;
                        if (si == 0 && lang == lang_first && zi == 0)
                            questions++;
                        assert_int_equal(viz_anim_build(anim, &scenes[k]), 0);
                        const lesson_line *al = &doc->steps[k].lines[q->answer_index];
                        char cond[300];
                        snprintf(cond, sizeof cond, "%s: %s", lesson_side_name(al->side), al->code);
                        for (int pass = 0; pass < 2; pass++) {
                            viz_fold fold = {0};
                            viz_ui ui = {.lang = (viz_lang)lang, .zoom = zooms[zi], .speed = 1,
                                         .fold = &fold};
                            viz_anim_seek(anim, &scenes[k], pass ? 1.0 : 0.0, f);
                            SDL_Renderer *r = viz_canvas_renderer(cv);
                            col.n = 0;
                            viz_draw_scene(r, viz_canvas_text(cv), &scenes[k], f, &ui, col.w,
                                           col.h);
                            char where[256];
                            snprintf(where, sizeof where, "%s step %d %s, %dx%d %s zoom %.2f",
                                     doc->name, k + 1, pass ? "reveal" : "question", col.w, col.h,
                                     lang ? "ja" : "en", zooms[zi]);
                            int n0 = col.n;
                            if (!pass)
                                col.n = n0 = 0; /* the card hides the whole scene */
                            viz_question_draw(r, viz_canvas_text(cv), q, cond,
                                              pass ? &scenes[k].question : NULL, tally, &ui,
                                              col.w, col.h);
                            assert_true(col.n > n0 + (int)q->nchoices);
                            /* The band hides whole labels (the lower kernel
                             * blocks it takes the place of), never half of one. */
                            if (pass)
                                zoomed_hidden += drop_covered(&col, &cc, n0, &fold.rect, where, &hidden_printed);
                            bad += check_clipped(&cc, where, &printed);
                            bad += check_frame(&col, where,
                                               col.w == 1280 && col.h == 720 && zi == 0, &printed);
                            if (getenv("VIZ_LAYOUT_DUMP")) {
                                char path[400];
                                snprintf(path, sizeof path, "%s/%s-%02d-%s-%dx%d-%s-z%d.png",
                                         getenv("VIZ_LAYOUT_DUMP"), doc->name, k + 1,
                                         pass ? "reveal" : "question", col.w, col.h,
                                         lang ? "ja" : "en", (int)zi);
                                viz_canvas_save_png(cv, path, err, sizeof err);
                            }
                            frames++;
                        }
                    }
            viz_canvas_free(cv);
        }
        for (int k = 0; k < n; k++)
            viz_scene_free(&scenes[k]);
        lesson_doc_free(doc);
    }
    fprintf(stderr, "questions: %d asked, %d frames, %d problems, %d labels half hidden under the "
                    "reveal\n", questions, frames, bad, zoomed_hidden);
    bad += zoomed_hidden;
    assert_true(questions >= 6);
    free(f);
    viz_anim_free(anim);
    globfree(&g);
    assert_int_equal(bad, 0);
}

/* check_clipped fails a text the renderer clips and passes one inside
 * its clip rectangle. */
static void test_layout_clip_check_finds_clipped(void **state)
{
    (void)state;
    static collector col;
    static clip_collector cc;
    char err[256];
    viz_canvas *cv = viz_canvas_new(640, 360, err, sizeof err);
    assert_non_null(cv);
    viz_text *t = viz_canvas_text(cv);
    cc.col = &col;
    cc.r = viz_canvas_renderer(cv);
    viz_text_set_hook(t, clip_hook, &cc);
    col.w = 640;
    col.h = 360;
    col.n = 0;
    SDL_Rect clip = {10, 10, 60, 100};
    SDL_RenderSetClipRect(cc.r, &clip);
    viz_text_draw(t, "a long label", VIZ_FACE_SANS, 20, (SDL_Color){255, 255, 255, 255}, 12, 12,
                  VIZ_ALIGN_LEFT);
    viz_text_draw(t, "ab", VIZ_FACE_SANS, 20, (SDL_Color){255, 255, 255, 255}, 12, 60,
                  VIZ_ALIGN_LEFT);
    SDL_RenderSetClipRect(cc.r, NULL);
    int printed = 100; /* quiet */
    assert_int_equal(col.n, 2);
    assert_int_equal(check_clipped(&cc, "self-test", &printed), 1);
    viz_canvas_free(cv);
}

/* The kernel transcript gives back the kernel half it was written from
 * (counters, expectations, segments, the question's answer) over a
 * model-only record, and refuses a transcript of other sockets. */
static void test_layout_kernel_transcript_roundtrip(void **state)
{
    (void)state;
    lesson_record both = {.step = 2,
                          .modes = LESSON_MODE_SIM | LESSON_MODE_REAL,
                          .nsocks = 1,
                          .wire = LESSON_WIRE_EMULATED,
                          .real_t0_us = 5,
                          .real_late_us = 7};
    both.time_us[1] = 900;
    snprintf(both.socks[0].name, sizeof both.socks[0].name, "client.s");
    both.socks[0].mode[1] = (lesson_sock_mode){.present = true,
                                               .probe = {.state = LESSON_TCP_FIN_WAIT2,
                                                         .unsent_bytes = 3,
                                                         .in_flight_bytes = 4,
                                                         .recv_queue_bytes = 5,
                                                         .sndbuf_bytes = 16384,
                                                         .rcvbuf_bytes = 131072,
                                                         .sndbuf_usable_bytes = 8192,
                                                         .peer_window_bytes = 65535,
                                                         .peer_window_known = true},
                                               .blocked = true};
    lesson_expect_result x = {
        .line = 12, .mode = LESSON_MODE_REAL, .ok = true, .expr = "s.unsent == 3", .got = "3"};
    lesson_segment g = {.time_us = 10,
                        .arrive_us = 20,
                        .from_side = 1,
                        .to_side = 0,
                        .flags = LESSON_SEG_ACK | LESSON_SEG_PSH,
                        .bytes = 1460,
                        .seq = 1,
                        .ack = 2,
                        .window = 3,
                        .src_port = 4,
                        .dst_port = 5};
    both.nexpects = 1;
    both.expects = &x;
    both.nsegments = 1;
    both.segments = &g;
    both.question = (lesson_rec_question){.present = true, .key = 'B'};
    both.question.checked[1] = both.question.held[1] = true;
    snprintf(both.question.got[1], sizeof both.question.got[1], "b'Hi'");
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(layout_kernel_write(f, &both), 0);

    lesson_record sim = {.step = 2, .modes = LESSON_MODE_SIM, .nsocks = 1};
    snprintf(sim.socks[0].name, sizeof sim.socks[0].name, "client.s");
    sim.question.present = true;
    char err[256];
    rewind(f);
    assert_int_equal(layout_kernel_read(f, &sim, err, sizeof err), 0);
    assert_int_equal(sim.modes, LESSON_MODE_SIM | LESSON_MODE_REAL);
    const lesson_sock_mode *km = &sim.socks[0].mode[1];
    assert_true(km->present && km->blocked && !km->closed);
    assert_int_equal(km->probe.state, LESSON_TCP_FIN_WAIT2);
    assert_int_equal(km->probe.unsent_bytes, 3);
    assert_int_equal(km->probe.in_flight_bytes, 4);
    assert_int_equal(km->probe.recv_queue_bytes, 5);
    assert_int_equal(km->probe.sndbuf_bytes, 16384);
    assert_int_equal(km->probe.sndbuf_usable_bytes, 8192);
    assert_int_equal(km->probe.peer_window_bytes, 65535);
    assert_true(km->probe.peer_window_known);
    assert_int_equal(sim.nexpects, 1);
    assert_string_equal(sim.expects[0].expr, "s.unsent == 3");
    assert_string_equal(sim.expects[0].got, "3");
    assert_true(sim.expects[0].ok && sim.expects[0].mode == LESSON_MODE_REAL);
    assert_int_equal(sim.nsegments, 1);
    const lesson_segment *kg = &sim.segments[0];
    assert_true(kg->time_us == 10 && kg->arrive_us == 20 && kg->from_side == 1 &&
                kg->to_side == 0 && kg->flags == g.flags && !kg->dropped && kg->bytes == 1460 &&
                kg->seq == 1 && kg->ack == 2 && kg->window == 3 && kg->src_port == 4 &&
                kg->dst_port == 5);
    assert_int_equal(sim.wire, LESSON_WIRE_EMULATED);
    assert_int_equal(sim.time_us[1], 900);
    assert_int_equal(sim.real_late_us, 7);
    assert_string_equal(sim.question.got[1], "b'Hi'");
    assert_true(sim.question.held[1]);
    free(sim.expects);
    free(sim.segments);

    /* a transcript of other sockets (a lesson changed since) is refused */
    lesson_record other = {.step = 2, .modes = LESSON_MODE_SIM, .nsocks = 1};
    snprintf(other.socks[0].name, sizeof other.socks[0].name, "client.t");
    rewind(f);
    assert_int_equal(layout_kernel_read(f, &other, err, sizeof err), -1);
    assert_non_null(strstr(err, "stale"));
    free(other.expects);
    free(other.segments);
    fclose(f);
}

/* Usage: test_viz_layout [depends|noto] | --record */
int main(int argc, char **argv)
{
    layout_fonts set = LAYOUT_FONTS_DEPENDS;
    char err[512], dir[64];
    if (argc > 1 && !strcmp(argv[1], "--record")) {
        recording = true;
        return record_transcripts();
    }
    if (argc > 1 && layout_fonts_parse(argv[1], &set) != 0) {
        fprintf(stderr, "test_viz_layout: unknown font set '%s' (known: depends noto)\n", argv[1]);
        return 2;
    }
    lang_first = set == LAYOUT_FONTS_NOTO;
    if (getenv("VIZ_LAYOUT_VERBOSE"))
        code_print_max = INT_MAX;
    snprintf(dir, sizeof dir, "fonts-%s", layout_fonts_name(set));
    if (layout_fonts_pin(set, dir, err, sizeof err) != 0 ||
        layout_fonts_check(set, stderr, err, sizeof err) != 0) {
        fprintf(stderr, "test_viz_layout: %s\n", err);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_live_no_overlap),
        cmocka_unit_test(test_layout_check_finds_overlap),
        cmocka_unit_test(test_layout_kernel_transcript_roundtrip),
        cmocka_unit_test(test_layout_bar_check_finds_wrong_side),
        cmocka_unit_test(test_layout_help_no_overlap),
        cmocka_unit_test(test_layout_pass_is_the_paint_pass_plan),
        cmocka_unit_test(test_layout_zoom_two_doubles_text),
        cmocka_unit_test(test_layout_lessons_no_overlap),
        cmocka_unit_test(test_layout_clip_check_finds_clipped),
        cmocka_unit_test(test_layout_questions_no_overlap),
        cmocka_unit_test(test_layout_long_narration_paged),
    };
    if (getenv("VIZ_LAYOUT_ONLY")) /* e.g. "*questions*": one case while iterating */
        cmocka_set_test_filter(getenv("VIZ_LAYOUT_ONLY"));
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (TTF_WasInit())
        TTF_Quit();
    viz_font_shutdown();
    return rc;
}
