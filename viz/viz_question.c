/* viz_question.c: the question and reveal overlays. See viz_question.h.
 *
 * The question is a centred panel over a dimmed scene: the question, then
 * one row per choice with its key, its text and a bar of its votes. The
 * reveal is a band at the bottom, so the step's animation stays visible:
 * every choice with its votes, the right one filled green, and a line of
 * evidence per mode ("model: len(data) == 8, found 8").
 */
#include "viz_question.h"

#include <stdio.h>
#include <string.h>

static const SDL_Color Q_TEXT = {235, 238, 242, 255};
static const SDL_Color Q_DIM = {160, 168, 180, 255};
static const SDL_Color Q_PANEL = {28, 32, 40, 255};
static const SDL_Color Q_ROW = {44, 50, 62, 255};
static const SDL_Color Q_RIGHT = {0, 158, 115, 255}; /* Okabe-Ito bluish green */
static const SDL_Color Q_WRONG = {213, 94, 0, 255};  /* vermillion */
static const SDL_Color Q_KEY = {240, 228, 66, 255};  /* yellow */

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

/* One choice row: [K] text, and the votes as a bar and a count (compact:
 * the count only, when there are votes). mark > 0: the right choice;
 * mark < 0: another choice of a reveal. */
static void draw_choice(const qctx *c, const lesson_choice *ch, int votes, int maxv, int x, int y,
                        int w, int h, int mark, bool compact)
{
    SDL_Color bg = mark > 0 ? Q_RIGHT : Q_ROW;
    fill(c, x, y, w, h, bg);
    if (mark < 0)
        outline(c, x, y, w, h, U(c, 1) > 0 ? U(c, 1) : 1, Q_DIM);
    char key[4] = {ch->key, 0};
    int size = T(c, compact ? 20 : 24);
    int ty = y + (h - viz_text_line_height(c->t, VIZ_FACE_BOLD, size)) / 2;
    viz_text_draw(c->t, key, VIZ_FACE_BOLD, size, mark > 0 ? Q_TEXT : Q_KEY, x + U(c, 14), ty,
                  VIZ_ALIGN_LEFT);
    char n[16];
    snprintf(n, sizeof n, compact ? "×%d" : "%d", votes);
    int right = x + w - U(c, 12); /* the text ends before the votes */
    if (!compact) {
        int bar_w = U(c, 140);
        int bx = right - U(c, 44) - bar_w, bh = h / 3, by = y + (h - bh) / 2;
        fill(c, bx, by, bar_w, bh, (SDL_Color){20, 22, 28, 255});
        if (votes > 0 && maxv > 0)
            fill(c, bx, by, bar_w * votes / maxv, bh, Q_KEY);
        viz_text_draw(c->t, n, VIZ_FACE_BOLD, size, Q_TEXT, right, ty, VIZ_ALIGN_RIGHT);
        right = bx - U(c, 12);
    } else if (votes > 0) {
        int nw = viz_text_draw(c->t, n, VIZ_FACE_BOLD, size, Q_TEXT, right, ty, VIZ_ALIGN_RIGHT);
        right -= nw + U(c, 10);
    }
    const char *txt = choice_text(c, ch);
    viz_face f = face_of(c, txt, VIZ_FACE_SANS);
    int tyt = y + (h - viz_text_line_height(c->t, f, size)) / 2;
    int tx = x + U(c, compact ? 44 : 56);
    SDL_Rect clip = {tx, y, right > tx ? right - tx : 0, h};
    SDL_RenderSetClipRect(c->r, &clip);
    viz_text_draw(c->t, txt, f, size, Q_TEXT, tx, tyt, VIZ_ALIGN_LEFT);
    SDL_RenderSetClipRect(c->r, NULL);
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
        fill(c, 0, 0, w, h, (SDL_Color){14, 16, 22, 255});
        int pw = w - U(c, 160), row_h = T(c, 24) * 2 + U(c, 8), gap = U(c, 12);
        int qsize = T(c, 30);
        viz_face qf = face_of(c, ask, VIZ_FACE_BOLD);
        int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES];
        int nl = viz_text_wrap(t, ask, qf, qsize, pw - U(c, 64), starts, lens, 3);
        int qh = nl * viz_text_para_line_height(t, qf, qsize);
        int ph = U(c, 24) + T(c, 20) + U(c, 16) + qh + U(c, 20) + (int)q->nchoices * (row_h + gap) +
                 T(c, 20) + U(c, 28);
        if (ph > h - U(c, 20))
            ph = h - U(c, 20);
        int px = (w - pw) / 2, py = (h - ph) / 2;
        fill(c, px, py, pw, ph, Q_PANEL);
        outline(c, px, py, pw, ph, U(c, 3), Q_KEY);
        int y = py + U(c, 20);
        const char *head = c->ja ? "予想してみよう" : "Predict";
        viz_text_draw(t, head, face_of(c, head, VIZ_FACE_BOLD), T(c, 20), Q_KEY, px + U(c, 32), y,
                      VIZ_ALIGN_LEFT);
        y += T(c, 20) + U(c, 16);
        y += viz_text_draw_wrapped(t, ask, qf, qsize, Q_TEXT, px + U(c, 32), y, pw - U(c, 64), 3);
        y += U(c, 20);
        for (size_t k = 0; k < q->nchoices; k++) {
            const lesson_choice *ch = &q->choices[k];
            int v = tally ? tally[(ch->key - 'A') % VIZ_QUESTION_KEYS] : 0;
            draw_choice(c, ch, v, maxv, px + U(c, 32), y, pw - U(c, 64), row_h, 0, false);
            y += row_h + gap;
        }
        const char *hint = c->ja ? "A〜D: 投票 (何回でも)   Space: 答えを見る"
                                 : "A-D: vote (press again to count hands)   Space: reveal";
        viz_text_draw(t, hint, face_of(c, hint, VIZ_FACE_SANS), T(c, 20), Q_DIM, px + pw / 2, y,
                      VIZ_ALIGN_CENTER);
    } else {
        /* The band, above the narration: the answer and its condition,
         * the choices side by side, what each mode found. */
        int size = T(c, 19);
        int lh = viz_text_line_height(t, VIZ_FACE_JA, size);
        int row_h = T(c, 20) * 2;
        int bh = U(c, 10) + lh + U(c, 6) + row_h + U(c, 6) + lh + U(c, 10);
        int bx = U(c, 16), bw = w - 2 * bx, by = h - bh - U(c, 120);
        fill(c, bx, by, bw, bh, Q_PANEL);
        outline(c, bx, by, bw, bh, U(c, 2), Q_RIGHT);
        int y = by + U(c, 10);
        char line[800];
        const lesson_choice *right = lesson_question_choice(q, reveal->key);
        snprintf(line, sizeof line, "%s %c  %s   %s %s", c->ja ? "答え:" : "Answer:", reveal->key,
                 right ? choice_text(c, right) : "", c->ja ? "条件" : "because", cond ? cond : "");
        viz_text_draw(t, line, face_of(c, line, VIZ_FACE_BOLD), size, Q_TEXT, bx + U(c, 16), y,
                      VIZ_ALIGN_LEFT);
        y += lh + U(c, 6);
        int n = (int)q->nchoices, gap = U(c, 10);
        int cw = n > 0 ? (bw - U(c, 32) - (n - 1) * gap) / n : 0;
        for (int k = 0; k < n; k++) {
            const lesson_choice *ch = &q->choices[k];
            int v = tally ? tally[(ch->key - 'A') % VIZ_QUESTION_KEYS] : 0;
            draw_choice(c, ch, v, maxv, bx + U(c, 16) + k * (cw + gap), y, cw, row_h,
                        ch->key == reveal->key ? 1 : -1, true);
        }
        y += row_h + U(c, 6);
        int x = bx + U(c, 16);
        for (int m = 0; m < LESSON_MODE_SLOTS; m++) {
            const char *who = m ? (c->ja ? "カーネル" : "kernel") : (c->ja ? "モデル" : "model");
            if (!reveal->checked[m])
                snprintf(line, sizeof line, "%s: %s", who, c->ja ? "実行していません" : "not run");
            else
                snprintf(line, sizeof line, "%s: %s %s, %s", who, c->ja ? "結果" : "found",
                         reveal->got[m],
                         reveal->held[m] ? (c->ja ? "成立" : "holds")
                                         : (c->ja ? "不成立" : "does not hold"));
            SDL_Color k = !reveal->checked[m] ? Q_DIM : reveal->held[m] ? Q_TEXT : Q_WRONG;
            x += viz_text_draw(t, line, face_of(c, line, VIZ_FACE_SANS), size, k, x, y,
                               VIZ_ALIGN_LEFT) +
                 U(c, 40);
        }
    }
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
}
