/* viz_trace.h: the picture of `sockbuf trace`, one socket call at a time.
 *
 * Both programs side by side, the server on the left and the client on
 * the right, each with its Python source around the line that made its
 * newest call, that call and what it returned (or "waiting", held), and
 * its kernel's queues then (send buffer: unsent and in flight; receive
 * buffer); between them the wire with the segments logged since the call
 * before; under them the calls so far. Drawn with the lesson window's
 * colours, text and bars (viz_paint.h). Called by the trace window
 * (viz_window.c) and its test.
 */
#ifndef SOCKBUF_VIZ_TRACE_H
#define SOCKBUF_VIZ_TRACE_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>

#include "trace.h"
#include "viz.h"
#include "viz_draw.h"
#include "viz_font.h"

typedef struct viz_trace_src viz_trace_src;

/* What to draw. */
typedef struct {
    const trace_session *s;  /* the session (borrowed) */
    const viz_trace_opts *o; /* its commands (borrowed) */
    viz_trace_src *src;      /* the source files read so far (viz_trace_src_new) */
    size_t view;             /* the ring's event shown (trace_event_at), or
                                trace_event_count() for "now" */
    bool playing;            /* P: calls are released by themselves */
    bool ended;              /* every program has exited */
} viz_trace_view;

/* A cache of the programs' source files, read when first named. */
viz_trace_src *viz_trace_src_new(void);
void viz_trace_src_free(viz_trace_src *c);

/* Line `line` (1-based) of the file a where ("client.py:12") names,
 * looked for among the words of the commands, then in the current
 * folder; NULL when there is none. Static until the cache is freed. */
const char *viz_trace_src_line(viz_trace_src *c, const viz_trace_opts *o, const char *where,
                               int line);

/* Draws v into a w x h renderer. */
void viz_draw_trace(SDL_Renderer *r, viz_text *t, const viz_trace_view *v, const viz_ui *ui, int w,
                    int h);

#endif
