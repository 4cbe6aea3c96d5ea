/* viz_presenter.c: the presenter's view. See viz_presenter.h.
 *
 * Plain text from top to bottom, in the theme's colours: where the lesson
 * is, the narration to say, what comes next, the answer and the failed
 * checks. Sizes follow the window like the class's picture does.
 */
#include "viz_presenter.h"

#include <stdio.h>

#include "viz_paint.h"

/* One wrapped paragraph at y; returns the y under it. */
static int para(const viz_ctx *c, const char *s, viz_face face, double size, SDL_Color k, int x,
                int y, int w)
{
    viz_face f =
        viz_text_needs_ja(s) ? (face == VIZ_FACE_BOLD ? VIZ_FACE_JA_BOLD : VIZ_FACE_JA) : face;
    return y + viz_text_draw_wrapped(c->t, s, f, T(c, size), k, x, y, w, 12) + U(c, 6);
}

void viz_draw_presenter(SDL_Renderer *r, viz_text *t, const viz_presenter_view *v, const viz_ui *ui,
                        int w, int h)
{
    viz_ctx cc, *c = &cc;
    viz_paint_begin(c, r, t, ui, w, h);
    bool ja = c->lang == VIZ_LANG_JA;
    int m = U(c, 20), x = m, tw = w - 2 * m, y = m;
    char buf[512];
    snprintf(buf, sizeof buf, "%s  ·  %s %d / %d", v->lesson_title ? v->lesson_title : "",
             ja ? "ステップ" : "Step", v->step + 1, v->nsteps);
    y = para(c, buf, VIZ_FACE_SANS, 20, DIM, x, y, tw);
    if (v->title)
        y = para(c, v->title, VIZ_FACE_BOLD, 28, TEXT, x, y, tw);
    fill(c, x, y, tw, U(c, 2) > 0 ? U(c, 2) : 1, EDGE);
    y += U(c, 10);
    for (size_t i = 0; i < v->nsay; i++)
        y = para(c, v->say[i], VIZ_FACE_SANS, 22, TEXT, x, y, tw);
    y += U(c, 8);
    if (v->answer) {
        snprintf(buf, sizeof buf, "%s %c  %s", ja ? "答え:" : "Answer:", v->answer,
                 v->answer_text ? v->answer_text : "");
        y = para(c, buf, VIZ_FACE_BOLD, 22, KEYC, x, y, tw);
        snprintf(buf, sizeof buf, ja ? "確かめる式: %s  (票: %d)" : "checked by: %s  (votes: %d)",
                 v->condition ? v->condition : "", v->votes);
        y = para(c, buf, VIZ_FACE_SANS, 20, DIM, x, y, tw);
    }
    if (v->nexpects > 0) {
        if (v->nexpects_failed == 0)
            snprintf(buf, sizeof buf, ja ? "✓ チェック %d 件すべて合格" : "✓ all %d checks passed",
                     v->nexpects);
        else
            snprintf(buf, sizeof buf,
                     ja ? "× %d 件中 %d 件のチェックが失敗:" : "× %d of %d checks failed:",
                     ja ? v->nexpects : v->nexpects_failed, ja ? v->nexpects_failed : v->nexpects);
        y = para(c, buf, VIZ_FACE_BOLD, 20, v->nexpects_failed ? BAD : GOOD, x, y, tw);
        for (int i = 0; i < v->nfailed; i++)
            y = para(c, v->failed[i], VIZ_FACE_MONO, 18, BAD, x + U(c, 16), y, tw - U(c, 16));
    }
    snprintf(buf, sizeof buf, "%s %s", ja ? "次:" : "Next:",
             v->next_title ? v->next_title : (ja ? "(最後のステップ)" : "(the last step)"));
    y = para(c, buf, VIZ_FACE_SANS, 20, DIM, x, y + U(c, 8), tw);
    if (v->message) {
        int lh = viz_text_line_height(t, VIZ_FACE_JA, T(c, 20));
        para(c, v->message, VIZ_FACE_SANS, 20, WARN, x, h - m - lh, tw);
    }
}
