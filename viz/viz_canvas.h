/* viz_canvas.h: an offscreen picture: a surface, a software renderer on
 * it and a text cache, with no display and no OpenGL.
 *
 * `sockbuf render`, the tests and the benchmark draw here with the same
 * code the window uses (viz_draw.h). SDL is not initialised for video:
 * only TTF_Init() is needed, so it works with DISPLAY unset.
 */
#ifndef SOCKBUF_VIZ_CANVAS_H
#define SOCKBUF_VIZ_CANVAS_H

#include <SDL.h>
#include <stddef.h>

#include "viz_font.h"

typedef struct viz_canvas viz_canvas;

/* A w x h ARGB canvas. Initialises SDL_ttf if needed. Returns NULL with a
 * message in err ("SDL_CreateSoftwareRenderer: ...", a missing font). */
viz_canvas *viz_canvas_new(int w, int h, char *err, size_t errlen);

/* Frees the canvas, its renderer and its text cache. Accepts NULL. */
void viz_canvas_free(viz_canvas *c);

SDL_Renderer *viz_canvas_renderer(viz_canvas *c);
viz_text *viz_canvas_text(viz_canvas *c);
SDL_Surface *viz_canvas_surface(viz_canvas *c);

/* Writes the canvas as an RGB PNG, fast (viz_png.h). Returns 0 or a
 * negative errno (-EIO, -ENOMEM) with a message in err. */
int viz_canvas_save_png(viz_canvas *c, const char *path, char *err, size_t errlen);

/* Parses "WxH" (each 64..8192). Returns 0 or -EINVAL. */
int viz_parse_size(const char *s, int *w, int *h);

#endif
