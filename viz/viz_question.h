/* viz_question.h: a step's question, drawn over the scene.
 *
 * Before a step with a question plays, the window holds it and shows the
 * question and its choices, each with the class's vote tally (keys A-D);
 * after Space the step plays and a band shows the right choice marked,
 * with what the model and the kernel found for its condition (the
 * record's lesson_rec_question). `sockbuf render` draws both frames.
 * Called by viz_app.c and viz_render.c; draws with viz_font only.
 */
#ifndef SOCKBUF_VIZ_QUESTION_H
#define SOCKBUF_VIZ_QUESTION_H

#include <SDL.h>

#include "lesson.h"
#include "lesson_record.h"
#include "viz_draw.h"
#include "viz_font.h"

enum { VIZ_QUESTION_KEYS = 26 }; /* one tally per key 'A'..'Z' */

/* Draws question q of step over the whole w x h output of r. reveal NULL:
 * the question with its choices and votes (tally[key - 'A'], may be
 * NULL); else the reveal: the right choice (reveal->key) marked, with the
 * condition (cond, the answer's expectation as written, may be NULL) and
 * what each mode found. Text follows ui->lang and ui->zoom. */
void viz_question_draw(SDL_Renderer *r, viz_text *t, const lesson_question *q, const char *cond,
                       const lesson_rec_question *reveal, const int *tally, const viz_ui *ui, int w,
                       int h);

#endif
