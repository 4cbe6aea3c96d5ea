/* viz_question.c: the question and reveal overlays. See viz_question.h.
 *
 * The question is a centred panel over a dimmed scene: the question, then
 * one row per choice with its key, its text and a bar of its votes. The
 * reveal is a band at the bottom, so the step's animation stays visible:
 * every choice with its votes, the right one filled green, and a line of
 * evidence per mode ("model: len(data) == 8, found 8").
 */
#include "viz_question.h"
#include "viz_theme.h"

#include <stdio.h>
#include <string.h>

enum { LESSON_MAX_CHOICES_Q = VIZ_QUESTION_KEYS }; /* choices drawn at most */

/* The current theme's colours (viz_theme.h). */
#define Q_TEXT  (viz_theme_now()->text)
#define Q_DIM   (viz_theme_now()->dim)
#define Q_PANEL (viz_theme_now()->panel)
#define Q_ROW   (viz_theme_now()->panel2)
#define Q_RIGHT (viz_theme_now()->right_fill) /* the right answer's row */
#define Q_WRONG (viz_theme_now()->bad)
#define Q_KEY   (viz_theme_now()->key)

typedef struct {
    SDL_Renderer *r;
    viz_text *t;
    double s;  /* layout scale: 1 at 1280x720 */
    double ts; /* text scale: layout scale times zoom */
    bool ja;
} qctx;

static int U(const qctx *c, double v)
{
    return (int)(v * c->s + 0.5);
}

static int T(const qctx *c, double v)
{
    int px = (int)(v * c->ts + 0.5);
    return px < 8 ? 8 : px;
}

static void fill(const qctx *c, int x, int y, int w, int h, SDL_Color k)
{
    SDL_SetRenderDrawColor(c->r, k.r, k.g, k.b, k.a);
    SDL_Rect rc = {x, y, w, h};
    SDL_RenderFillRect(c->r, &rc);
}

static void outline(const qctx *c, int x, int y, int w, int h, int th, SDL_Color k)
{
    fill(c, x, y, w, th, k);
    fill(c, x, y + h - th, w, th, k);
    fill(c, x, y, th, h, k);
    fill(c, x + w - th, y, th, h, k);
}

static viz_face face_of(const qctx *c, const char *s, viz_face latin)
{
    (void)c;
    return viz_text_needs_ja(s) ? VIZ_FACE_JA : latin;
}

static const char *choice_text(const qctx *c, const lesson_choice *ch)
{
    return c->ja && ch->text_ja ? ch->text_ja : ch->text;
}

/* Room a choice's votes take at the right of its row, pixels. */
static int votes_w(const qctx *c, int votes, int size, bool compact)
{
    if (!compact)
        return U(c, 12) + U(c, 44) + U(c, 140) + U(c, 12);
    if (votes <= 0)
        return U(c, 12);
    char n[16];
    int nw = 0;
    snprintf(n, sizeof n, "×%d", votes);
    viz_text_size(c->t, n, VIZ_FACE_BOLD, size, &nw, NULL);
    return U(c, 12) + nw + U(c, 10);
}

/* The left edge of a choice's text, from its row's left edge. */
static int choice_text_dx(const qctx *c, bool compact)
{
    return U(c, compact ? 44 : 56);
}

/* The lines a choice's whole text takes in a row w wide (wrapped, never
 * cut: VIZ_WRAP_MAX_LINES at most). */
static int choice_lines(const qctx *c, const lesson_choice *ch, int votes, int w, int size,
                        bool compact)
{
    const char *txt = choice_text(c, ch);
    int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES];
    int tw = w - choice_text_dx(c, compact) - votes_w(c, votes, size, compact);
    if (tw < U(c, 40))
        tw = U(c, 40);
    int n = viz_text_wrap(c->t, txt, face_of(c, txt, VIZ_FACE_SANS), size, tw, starts, lens,
                          VIZ_WRAP_MAX_LINES);
    return n > 0 ? n : 1;
}

/* A row's height for n lines of its text. */
static int choice_h(const qctx *c, const lesson_choice *ch, int n, int size, bool compact)
{
    const char *txt = choice_text(c, ch);
    int plh = viz_text_para_line_height(c->t, face_of(c, txt, VIZ_FACE_SANS), size);
    int h = n * plh + U(c, compact ? 4 : 16);
    int min = compact ? size * 2 : size * 2 + U(c, 8);
    return h > min ? h : min;
}

/* One choice row: [K] text (wrapped inside the row, whole) at text size
 * `size` (px), and the votes as a bar and a count (compact: the count
 * only, when there are votes). mark > 0: the right choice; mark < 0:
 * another choice of a reveal. */
static void draw_choice(const qctx *c, const lesson_choice *ch, int votes, int maxv, int x, int y,
                        int w, int h, int size, int mark, bool compact)
{
    SDL_Color bg = mark > 0 ? Q_RIGHT : Q_ROW;
    fill(c, x, y, w, h, bg);
    if (mark < 0)
        outline(c, x, y, w, h, U(c, 1) > 0 ? U(c, 1) : 1, Q_DIM);
    SDL_Rect row = {x, y, w, h};
    viz_text_set_box(c->t, &row);
    char key[4] = {ch->key, 0};
    int ty = y + (h - viz_text_line_height(c->t, VIZ_FACE_BOLD, size)) / 2;
    viz_text_draw(c->t, key, VIZ_FACE_BOLD, size, mark > 0 ? Q_TEXT : Q_KEY, x + U(c, 14), ty,
                  VIZ_ALIGN_LEFT);
    char n[16];
    snprintf(n, sizeof n, compact ? "×%d" : "%d", votes);
    int right = x + w - U(c, 12);
    if (!compact) {
        int bar_w = U(c, 140);
        int bx = right - U(c, 44) - bar_w, bh = U(c, 16), by = y + (h - bh) / 2;
        fill(c, bx, by, bar_w, bh, viz_theme_now()->bar_bg);
        if (votes > 0 && maxv > 0)
            fill(c, bx, by, bar_w * votes / maxv, bh, Q_KEY);
        viz_text_draw(c->t, n, VIZ_FACE_BOLD, size, Q_TEXT, right, ty, VIZ_ALIGN_RIGHT);
    } else if (votes > 0) {
        viz_text_draw(c->t, n, VIZ_FACE_BOLD, size, Q_TEXT, right, ty, VIZ_ALIGN_RIGHT);
    }
    const char *txt = choice_text(c, ch);
    viz_face f = face_of(c, txt, VIZ_FACE_SANS);
    int nl = choice_lines(c, ch, votes, w, size, compact);
    int tx = x + choice_text_dx(c, compact);
    int tw = w - choice_text_dx(c, compact) - votes_w(c, votes, size, compact);
    if (tw < U(c, 40))
        tw = U(c, 40);
    SDL_Rect tb = {tx, y, tw, h};
    viz_text_set_box(c->t, &tb);
    int th = nl * viz_text_para_line_height(c->t, f, size);
    viz_text_draw_wrapped(c->t, txt, f, size, Q_TEXT, tx, y + (h - th) / 2, tw, VIZ_WRAP_MAX_LINES);
}

/* Draws a paragraph wrapped into max_w from (x, y) with its box, or only
 * measures it (draw false). Returns its height. */
static int para(const qctx *c, const char *s, viz_face latin, int size, SDL_Color k, int x, int y,
                int max_w, bool draw)
{
    viz_face f = face_of(c, s, latin);
    int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES];
    int n = viz_text_wrap(c->t, s, f, size, max_w, starts, lens, VIZ_WRAP_MAX_LINES);
    int hgt = (n > 0 ? n : 1) * viz_text_para_line_height(c->t, f, size);
    if (draw) {
        SDL_Rect b = {x, y, max_w, hgt};
        viz_text_set_box(c->t, &b);
        viz_text_draw_wrapped(c->t, s, f, size, k, x, y, max_w, VIZ_WRAP_MAX_LINES);
    }
    return hgt;
}

void viz_question_draw(SDL_Renderer *r, viz_text *t, const lesson_question *q, const char *cond,
                       const lesson_rec_question *reveal, const int *tally, const viz_ui *ui, int w,
                       int h)
{
    if (!q || !r || !t)
        return;
    qctx cc = {.r = r, .t = t, .ja = ui && ui->lang == VIZ_LANG_JA};
    qctx *c = &cc;
    c->s = (double)w / 1280 < (double)h / 720 ? (double)w / 1280 : (double)h / 720;
    c->ts = c->s * (ui && ui->zoom > 0 ? ui->zoom : 1.0);
    int maxv = 1;
    for (size_t k = 0; k < q->nchoices && tally; k++) {
        int v = tally[(q->choices[k].key - 'A') % VIZ_QUESTION_KEYS];
        if (v > maxv)
            maxv = v;
    }
    const char *ask = c->ja && q->text_ja ? q->text_ja : q->text;
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    if (!reveal) {
        /* Nearly opaque: the step's title, narration and statuses would
         * give the answer away. */
        fill(c, 0, 0, w, h, viz_theme_now()->bg);
        int pw = w - U(c, 160), gap = U(c, 12);
        int cw = pw - U(c, 64);
        int row_h[LESSON_MAX_CHOICES_Q];
        int qsize, csize, ph;
        /* The question and its choices at their size, smaller (down to
         * two thirds) where the card would be taller than the window: a
         * zoomed Japanese question in Noto Sans CJK's taller lines pushed
         * the key hint off the bottom. */
        for (double k = 1.0;; k -= 0.05) {
            qsize = T(c, 30 * k);
            csize = T(c, 24 * k);
            int rows_h = 0;
            for (size_t i = 0; i < q->nchoices && i < LESSON_MAX_CHOICES_Q; i++) {
                const lesson_choice *ch = &q->choices[i];
                int v = tally ? tally[(ch->key - 'A') % VIZ_QUESTION_KEYS] : 0;
                row_h[i] = choice_h(c, ch, choice_lines(c, ch, v, cw, csize, false), csize, false);
                rows_h += row_h[i] + gap;
            }
            int qh = para(c, ask, VIZ_FACE_BOLD, qsize, Q_TEXT, 0, 0, pw - U(c, 64), false);
            ph = U(c, 24) + T(c, 20) + U(c, 16) + qh + U(c, 20) + rows_h + T(c, 20) + U(c, 28);
            if (ph <= h - U(c, 20) || k < 0.7)
                break;
        }
        if (ph > h - U(c, 20))
            ph = h - U(c, 20);
        int px = (w - pw) / 2, py = (h - ph) / 2;
        fill(c, px, py, pw, ph, Q_PANEL);
        outline(c, px, py, pw, ph, U(c, 3), Q_KEY);
        SDL_Rect pb = {px, py, pw, ph};
        viz_text_set_box(t, &pb);
        int y = py + U(c, 20);
        const char *head = c->ja ? "予想してみよう" : "Predict";
        viz_text_draw(t, head, face_of(c, head, VIZ_FACE_BOLD), T(c, 20), Q_KEY, px + U(c, 32), y,
                      VIZ_ALIGN_LEFT);
        y += T(c, 20) + U(c, 16);
        y += para(c, ask, VIZ_FACE_BOLD, qsize, Q_TEXT, px + U(c, 32), y, pw - U(c, 64), true);
        y += U(c, 20);
        for (size_t k = 0; k < q->nchoices && k < LESSON_MAX_CHOICES_Q; k++) {
            const lesson_choice *ch = &q->choices[k];
            int v = tally ? tally[(ch->key - 'A') % VIZ_QUESTION_KEYS] : 0;
            draw_choice(c, ch, v, maxv, px + U(c, 32), y, cw, row_h[k], csize, 0, false);
            y += row_h[k] + gap;
        }
        const char *hint = c->ja ? "A〜D: 投票 (何回でも)   Space: 答えを見る"
                                 : "A-D: vote (press again to count hands)   Space: reveal";
        viz_text_set_box(t, &pb);
        viz_text_draw(t, hint, face_of(c, hint, VIZ_FACE_SANS), T(c, 20), Q_DIM, px + pw / 2, y,
                      VIZ_ALIGN_CENTER);
    } else {
        /* The band takes the place of the panel's lower part (ui->fold:
         * the reverse direction's buffers), just above the narration,
         * which stays whole: the answer and its condition, the choices
         * side by side (one under another when a text would take more
         * than two lines), what each mode found. */
        int size = T(c, 20), pad = U(c, 8), gap = U(c, 10);
        const SDL_Rect *fold = ui && ui->fold && ui->fold->rect.h > 0 ? &ui->fold->rect : NULL;
        int bx = fold ? fold->x : U(c, 16);
        int bw = fold ? fold->w : w - 2 * bx;
        int iw = bw - 2 * pad;
        char line[800], ev[2][400];
        const lesson_choice *right = lesson_question_choice(q, reveal->key);
        (void)right; /* its text is in its chip, filled green */
        snprintf(line, sizeof line, "%s %c   %s %s", c->ja ? "答え:" : "Answer:", reveal->key,
                 c->ja ? "条件" : "because", cond ? cond : "");
        for (int m = 0; m < LESSON_MODE_SLOTS; m++) {
            const char *who = m ? (c->ja ? "カーネル" : "kernel") : (c->ja ? "モデル" : "model");
            if (!reveal->checked[m])
                snprintf(ev[m], sizeof ev[m], "%s: %s", who, c->ja ? "実行していません" : "not run");
            else
                snprintf(ev[m], sizeof ev[m], "%s: %s, %s", who, reveal->got[m],
                         reveal->held[m] ? (c->ja ? "成立" : "holds")
                                         : (c->ja ? "不成立" : "does not hold"));
        }
        /* Measured at the zoomed size first; a band taller than the
         * panel's lower part is measured again smaller, down to the
         * unzoomed size, before it takes room above. */
        int min_size = (int)(20 * c->s + 0.5) > size ? size : (int)(20 * c->s + 0.5);
        bool ev_row, one_line, in_row;
        int head_h, ev_h, n, cw, chips_h, row_h, bh, hw;
        int votes[LESSON_MAX_CHOICES_Q], lines[LESSON_MAX_CHOICES_Q];
        for (;;) {
            /* the evidence on one line when both fit, else one under another */
            int ew[2] = {0, 0};
            for (int m = 0; m < 2; m++)
                viz_text_size(t, ev[m], face_of(c, ev[m], VIZ_FACE_SANS), size, &ew[m], NULL);
            ev_row = ew[0] + U(c, 40) + ew[1] <= iw;
            hw = 0;
            viz_text_size(t, line, face_of(c, line, VIZ_FACE_BOLD), size, &hw, NULL);
            /* the answer and the evidence on one line when they fit */
            one_line = ev_row && hw + U(c, 40) + ew[0] + U(c, 40) + ew[1] <= iw;
            head_h = para(c, line, VIZ_FACE_BOLD, size, Q_TEXT, 0, 0, iw, false);
            ev_h = ev_row ? para(c, ev[0], VIZ_FACE_SANS, size, Q_TEXT, 0, 0, iw, false)
                              : para(c, ev[0], VIZ_FACE_SANS, size, Q_TEXT, 0, 0, iw, false) +
                                    para(c, ev[1], VIZ_FACE_SANS, size, Q_TEXT, 0, 0, iw, false);
            n = (int)q->nchoices < LESSON_MAX_CHOICES_Q ? (int)q->nchoices : LESSON_MAX_CHOICES_Q;
            cw = n > 0 ? (iw - (n - 1) * gap) / n : 0;
            in_row = true;
            for (int k = 0; k < n; k++) {
                const lesson_choice *ch = &q->choices[k];
                votes[k] = tally ? tally[(ch->key - 'A') % VIZ_QUESTION_KEYS] : 0;
                lines[k] = choice_lines(c, ch, votes[k], cw, size, true);
                if (lines[k] > 2)
                    in_row = false;
            }
            chips_h = 0;
            row_h = 0;
            for (int k = 0; k < n; k++) {
                const lesson_choice *ch = &q->choices[k];
                if (in_row) {
                    int rh = choice_h(c, ch, lines[k], size, true);
                    if (rh > row_h)
                        row_h = rh;
                } else {
                    lines[k] = choice_lines(c, ch, votes[k], iw, size, true);
                    chips_h += choice_h(c, ch, lines[k], size, true) + (k ? U(c, 6) : 0);
                }
            }
            if (in_row)
                chips_h = row_h;
            bh = pad + head_h + U(c, 4) + chips_h + (one_line ? 0 : U(c, 4) + ev_h) + pad;
            if (!fold || bh <= fold->h || size <= min_size)
                break;
            size = size - 1 > min_size ? size - 1 : min_size;
        }
        int bottom = fold ? fold->y + fold->h : h - U(c, 120);
        int by = bottom - bh;
        if (fold && by > fold->y) { /* the whole lower part, not a strip of it */
            by = fold->y;
            bh = bottom - by;
        } else if (fold && by < fold->y) {
            /* taller than the lower part: start at the top of a box above
             * it, so no label is cut in two */
            for (int i = 0; i < ui->fold->nclean; i++)
                if (ui->fold->clean_y[i] <= by) {
                    by = ui->fold->clean_y[i];
                    bh = bottom - by;
                    break;
                }
        }
        if (by < 0)
            by = 0;
        if (ui && ui->fold)
            ui->fold->rect = (SDL_Rect){bx, by, bw, bh};
        fill(c, bx, by, bw, bh, Q_PANEL);
        outline(c, bx, by, bw, bh, U(c, 2), Q_RIGHT);
        int x = bx + pad, y = by + pad;
        int hy = y;
        y += para(c, line, VIZ_FACE_BOLD, size, Q_TEXT, x, y, iw, true) + U(c, 4);
        for (int k = 0; k < n; k++) {
            const lesson_choice *ch = &q->choices[k];
            int mark = ch->key == reveal->key ? 1 : -1;
            if (in_row) {
                draw_choice(c, ch, votes[k], maxv, x + k * (cw + gap), y, cw, row_h, size, mark, true);
            } else {
                int rh = choice_h(c, ch, lines[k], size, true);
                draw_choice(c, ch, votes[k], maxv, x, y, iw, rh, size, mark, true);
                y += rh + U(c, 6);
            }
        }
        if (in_row)
            y += row_h + U(c, 4);
        if (one_line) {
            x += hw + U(c, 40);
            y = hy;
        }
        for (int m = 0; m < LESSON_MODE_SLOTS && m < 2; m++) {
            SDL_Color k = !reveal->checked[m] ? Q_DIM : reveal->held[m] ? Q_TEXT : Q_WRONG;
            if (ev_row) {
                SDL_Rect eb = {x, y, iw, ev_h};
                viz_text_set_box(t, &eb);
                x += viz_text_draw(t, ev[m], face_of(c, ev[m], VIZ_FACE_SANS), size, k, x, y,
                                   VIZ_ALIGN_LEFT) +
                     U(c, 40);
            } else {
                y += para(c, ev[m], VIZ_FACE_SANS, size, k, x, y, iw, true);
            }
        }
    }
    viz_text_set_box(t, NULL);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
}
