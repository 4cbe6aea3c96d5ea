/* viz.h: the entry points of the window and the offscreen renderer.
 *
 * main() (viz/main.c) dispatches here after reading the command word.
 * Each function takes the arguments after the command word (argv[0] is
 * the command, or "sockbuf" for the window) and returns an exit status:
 * 0 success, 1 a failure while running, 2 a usage error or a lesson that
 * does not parse (reported as "FILE:LINE:COL: error: ...").
 */
#ifndef SOCKBUF_VIZ_H
#define SOCKBUF_VIZ_H

/* `sockbuf [LESSON] [--lang en|ja] [--size WxH] [--fullscreen]`: the
 * window, or the lesson picker without a LESSON. With no display it says
 * so, points to `run` and `render`, and returns 1. */
int viz_window_main(int argc, char **argv);

/* `sockbuf render LESSON --out DIR [--size WxH] [--lang en|ja]`: one PNG
 * per step, drawn by the window's code on a software surface. */
int viz_render_main(int argc, char **argv);

/* `sockbuf live ...` without --headless: the live connections in a window.
 * With no display it falls back to the headless JSON Lines output. */
int viz_live_main(int argc, char **argv);

#endif
