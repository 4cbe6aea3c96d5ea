/* viz.h: the entry points of the window and the offscreen renderer.
 *
 * They live in a shared module, libsockbuf-viz.so, that main()
 * (cmd/main.c) loads with dlopen() only for the window, `render` and the
 * live window, so the headless commands (check, run, live --headless)
 * never load SDL. The module exports one symbol, viz_module_get (see
 * viz_module.c), and links the same core library as the executable
 * (libsockbuf-core.so); tests and benchmarks link viz's code statically.
 * Each entry point returns an exit status: 0 success, 1 a failure while
 * running, 2 a usage error or a lesson that does not parse (reported as
 * "FILE:LINE:COL: error: ...").
 */
#ifndef SOCKBUF_VIZ_H
#define SOCKBUF_VIZ_H

#include <stddef.h>

#include "lesson_run.h"
#include "live.h"
#include "trace.h"

/* `sockbuf [LESSON] [--lang en|ja] [--size WxH] [--fullscreen]`: the
 * window, or the lesson picker without a LESSON; argv[0] is "sockbuf".
 * The real mode runs on wire (borrowed; main() made it with
 * lesson_wire_new() before any thread), or on plain loopback when NULL.
 * With no display it says so, points to `run` and `render`, and returns 1. */
int viz_window_main(int argc, char **argv, lesson_wire_handle *wire);

/* What the window's first frame waits for and that needs neither the
 * lesson nor the wire: TTF_Init, a thread opening the fonts, SDL_Init.
 * main() calls it (through the module's table) while the wire's helper
 * sets itself up, so the window shows sooner (bench/bench_startup.c);
 * viz_window_main() does it itself when it was not called. Does nothing
 * without a display or when called again; failures are said by
 * viz_window_main(). */
void viz_window_early(void);

/* `sockbuf render LESSON --out DIR [--size WxH] [--lang en|ja]`: one PNG
 * per step, drawn by the window's code on a software surface. argv[0] is
 * "render"; wire as for viz_window_main(). */
int viz_render_main(int argc, char **argv, lesson_wire_handle *wire);

/* `sockbuf live ...` in a window, with options already parsed (and checked)
 * by cmd_live_parse, the same ones the headless run takes. */
int viz_live_window(const live_opts *o);

/* How `sockbuf trace` opens its window (cmd/cmd_trace.c fills it). */
typedef struct {
    const char *lang;                 /* "en" or "ja" */
    int width, height;                /* window size, px */
    const char *screenshot;           /* save the last frame here on closing, or NULL */
    int demo_calls;                   /* > 0: release calls by themselves until this
                                         many events, draw, save, close (pictures) */
    const char *runs[TRACE_MAX_RUNS]; /* the commands, for their source files */
    int nruns;
} viz_trace_opts;

/* `sockbuf trace` in a window: steps through session s (started in
 * stepped mode), Space releasing the next call. Returns 0, or 1 when the
 * window cannot be opened. The session stays the caller's. */
int viz_trace_window(trace_session *s, const viz_trace_opts *o);

/* What the module offers main(). */
typedef struct {
    size_t abi;                                /* VIZ_MODULE_ABI of the module's build */
    int (*window_main)(int argc, char **argv, lesson_wire_handle *wire); /* viz_window_main */
    void (*window_early)(void);                                          /* viz_window_early */
    int (*render_main)(int argc, char **argv, lesson_wire_handle *wire); /* viz_render_main */
    int (*live_window)(const live_opts *o); /* viz_live_window */
    int (*trace_window)(trace_session *s, const viz_trace_opts *o); /* viz_trace_window */
} viz_module;

/* Changes whenever the table or the options' layout does: a module from
 * another build is refused rather than called. The last term counts the
 * changes sizes do not show (2: the entry points take the wire). */
#define VIZ_MODULE_ABI                                                                             \
    (sizeof(viz_module) * 1000u + sizeof(live_opts) + sizeof(viz_trace_opts) * 7u + 2u)

/* The module's file name, and the one symbol main() looks up in it. */
#define VIZ_MODULE_FILE "libsockbuf-viz.so"
#define VIZ_MODULE_SYMBOL "viz_module_get"

/* The table (static storage). */
const viz_module *viz_module_get(void);

#endif
