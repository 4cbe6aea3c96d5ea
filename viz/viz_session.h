/* viz_session.h: the lesson text of a "what if" session in the window.
 *
 * A statement the teacher types becomes a new step after the current
 * one: the session's text is the lesson's text up to the next step's
 * line, then "step What if: ..." and the typed line, so the lesson
 * language parses it (errors at the typed line's columns) and the result
 * is a lesson file `sockbuf check` reads. A `model KEY=VALUE` line goes
 * before the first step (a later model line overrides an earlier key).
 * Plain text in, malloc'd text out; called by viz_app.c.
 */
#ifndef SOCKBUF_VIZ_SESSION_H
#define SOCKBUF_VIZ_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "lesson.h"

/* Reads a whole file into *text (malloc'd, NUL-terminated). Returns 0 or
 * a negative errno. */
int viz_session_read(const char *path, char **text);

/* text with every line from line cut_line on dropped (cut_line 0: none
 * dropped), then a step titled after typed (with a line of narration) and
 * the typed line. The typed line's number goes to *typed_line. Returns
 * NULL when out of memory. */
char *viz_session_add_step(const char *text, int cut_line, const char *typed, int *typed_line);

/* text with model_line ("model latency=50ms") inserted before line
 * first_step_line; its number goes to *model_line_no. NULL: no memory. */
char *viz_session_add_model(const char *text, int first_step_line, const char *model_line,
                            int *model_line_no);

/* Whether a typed line starts with a directive of the lesson language
 * ("client:", "server:", "wait", "expect...", "model", "say"...), so it
 * needs no side added. */
bool viz_session_has_directive(const char *line);

/* The side a statement typed without one runs on: the side that owns the
 * name it acts on (the first NAME of "NAME." or, failing that, the line's
 * first name), owning meaning that a statement of doc's steps 0..upto_step
 * on that side assigns it (NAME = ..., A, NAME = ..., with ... as NAME,
 * for NAME in ...) or calls a method of it. Returns LESSON_CLIENT or
 * LESSON_SERVER; -1 when neither side owns it, -2 when both do. The name
 * goes to name (cap bytes; "" when the line has none). */
int viz_session_infer_side(const lesson_doc *doc, int upto_step, const char *line, char *name,
                           size_t cap);

/* Writes text to the first free DIR/sockbuf-session-N.lesson (N from 1)
 * and its path to path (cap bytes). Returns 0 or a negative errno. */
int viz_session_save(const char *dir, const char *text, char *path, size_t cap);

#endif
