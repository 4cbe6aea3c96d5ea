/* cmd_viz.h: the commands that open the window module (libsockbuf-viz.so).
 *
 * The window, render and the live window live in a module that main()'s
 * commands load with dlopen() only when they need it, so check, run and
 * live --headless load no SDL. These are the run functions of their rows
 * in the command table (cmd_table.c). Each returns an exit status: 0 ok,
 * 1 a failure (also: the module is there but cannot be loaded, said on
 * stderr), 2 a usage error (also: the module is not installed, and stderr
 * names the package sockbuf-gui). wire: the real mode's wire main() made, or NULL (loopback).
 */
#ifndef SOCKBUF_CMD_VIZ_H
#define SOCKBUF_CMD_VIZ_H

#include "lesson_run.h"
#include "viz.h"

/* Loads the window's module now (once; a failure is said on stderr and
 * said again by no one): main() calls it while the wire's helper starts,
 * so that the two overlap. The argument is unused (a callback's). */
void cmd_viz_preload(void *unused);

/* cmd_viz_preload(), then the window's early start (viz_window_early():
 * SDL_Init and the fonts' thread) while the helper still starts: for the
 * window only, whose first frame waits for them. */
void cmd_viz_preload_window(void *unused);

/* `sockbuf [LESSON] ...`: argv[0] is "sockbuf", the whole command line. */
int cmd_viz_window(int argc, char **argv, lesson_wire_handle *wire);

/* `sockbuf render ...`: argv[0] is "render". */
int cmd_viz_render(int argc, char **argv, lesson_wire_handle *wire);

/* `sockbuf live ...`: argv[0] is "live". Parses the options (cmd_live.c),
 * then opens the live window when there is a display and no --headless,
 * else prints JSON Lines. */
int cmd_viz_live(int argc, char **argv, lesson_wire_handle *wire);

/* `sockbuf trace` in the window, session s started in stepped mode.
 * Returns the window's exit status, or -1 (said on stderr) when there is
 * no display or no module: the caller then prints one line per call. */
int cmd_viz_trace(trace_session *s, const viz_trace_opts *o);

#endif
