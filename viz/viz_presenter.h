/* viz_presenter.h: the presenter's view, a second window for the
 * teacher's screen (`sockbuf LESSON --presenter`).
 *
 * The class's window shows only what the class should see (no footer of
 * keys, no messages meant for the teacher); this view shows the teacher
 * the whole narration of the step, the next step's title, the question's
 * answer before it is revealed, the checks that failed, and the window's
 * messages. viz_app.c fills a viz_presenter_view from the step shown;
 * viz_window.c draws it in the second window; the tests draw it offscreen.
 */
#ifndef SOCKBUF_VIZ_PRESENTER_H
#define SOCKBUF_VIZ_PRESENTER_H

#include <SDL.h>
#include <stddef.h>

#include "viz_draw.h"

/* What the presenter's view shows (every string borrowed). */
typedef struct {
    const char *lesson_title; /* the lesson's title in the language */
    int step, nsteps;         /* 0-based step shown (-1: before the first), of nsteps */
    const char *title;        /* the step's title, or NULL before the first */
    const char *const *say;   /* its narration's paragraphs, whole */
    size_t nsay;
    const char *next_title;    /* the next step's title, or NULL after the last */
    char answer;               /* the step's question's right choice, or 0: no question */
    const char *answer_text;   /* that choice's text */
    const char *condition;     /* the answer's condition ("server: data == b''") */
    int votes;                 /* votes counted so far */
    int nexpects;              /* the step's expectations */
    int nexpects_failed;       /* of them, failed */
    const char *const *failed; /* the first failed ones as text */
    int nfailed;
    const char *message; /* the window's message now, or NULL */
} viz_presenter_view;

/* Draws v onto the whole w x h output of r, in ui's language and theme. */
void viz_draw_presenter(SDL_Renderer *r, viz_text *t, const viz_presenter_view *v, const viz_ui *ui,
                        int w, int h);

#endif
