/* viz_steps.h: a lesson's steps computed off the window's thread.
 *
 * The window must never wait on sockets: a step of real mode settles for
 * up to half a second, and a step that sends 64 MiB takes longer still.
 * viz_steps runs the lesson's runner on a worker thread of its own, ahead
 * of the teacher, and keeps the scene of every step it has run. The
 * window asks for step k: when it is there it is shown at once (forward,
 * back, Home and End alike, with no replay); when it is not yet, the
 * window shows that it is running and asks again on the next frame.
 *
 *   window thread                      worker thread
 *   viz_steps_get(k) --lock--> [ scene 0 | scene 1 | ... ] <-- runner step
 *
 * Ending one (R restarts with fresh sockets, another lesson is opened)
 * never blocks: viz_steps_free() tells the worker to stop after the step
 * it is in, and the worker frees what it owns when it is done. Called by
 * viz_app.c.
 */
#ifndef SOCKBUF_VIZ_STEPS_H
#define SOCKBUF_VIZ_STEPS_H

#include <stdbool.h>
#include <stddef.h>

#include "lesson.h"
#include "lesson_run.h"
#include "viz_scene.h"

typedef struct viz_steps viz_steps;

/* Starts running doc in modes (a lesson_mode bit set) on a new thread,
 * the real mode on wire (borrowed, must outlive the worker; NULL: plain
 * loopback); the model alone takes its kernel half from recorded_dir's
 * transcript of the lesson when there is one (lesson_run_opts; copied;
 * NULL: none). doc is borrowed and must outlive the worker: pass owned_doc
 * (may be NULL) to have the worker free it when it ends. When the real sockets
 * cannot start, it falls back to the model and says so in
 * viz_steps_message(). Returns NULL with a message in err when out of
 * memory or no thread can be made. */
viz_steps *viz_steps_new(const lesson_doc *doc, lesson_doc *owned_doc, unsigned modes,
                         lesson_wire_handle *wire, const char *recorded_dir, char *err,
                         size_t errlen);

/* Stops the worker after its current step, without waiting for it; what
 * it owns is freed by whichever side finishes last. Accepts NULL. */
void viz_steps_free(viz_steps *s);

/* Waits until every worker ever started has ended (at exit, so the
 * documents they borrow can be freed). */
void viz_steps_join_all(void);

/* Copies the scene of step k (0-based) into out (a fresh scene; free it
 * with viz_scene_free). Returns 0, -EAGAIN when it is not computed yet,
 * -ENOENT when the lesson has no step k, or the negative errno the runner
 * failed with at that step. */
int viz_steps_get(viz_steps *s, int k, viz_scene *out);

/* Steps computed so far. */
int viz_steps_ready(viz_steps *s);

/* Is the worker still running steps? */
bool viz_steps_busy(viz_steps *s);

/* The modes that really run (the model alone after a fallback). */
unsigned viz_steps_modes(viz_steps *s);

/* A message for the footer ("real sockets off: ..."), or "". Valid until
 * viz_steps_free(). */
const char *viz_steps_message(viz_steps *s);

#endif
