/* viz_canvas.c: the offscreen canvas. See viz_canvas.h. */
#include "viz_canvas.h"
#include "viz_png.h"

#include <SDL_ttf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct viz_canvas {
    SDL_Surface *surface;
    SDL_Renderer *renderer;
    viz_text *text;
};

viz_canvas *viz_canvas_new(int w, int h, char *err, size_t errlen)
{
    viz_canvas *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "viz_canvas_new: out of memory");
        return NULL;
    }
    /* The software path must never pull in OpenGL. */
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
    if (!TTF_WasInit() && TTF_Init() < 0) {
        snprintf(err, errlen, "TTF_Init: %s", TTF_GetError());
        goto fail;
    }
    c->surface = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!c->surface) {
        snprintf(err, errlen, "SDL_CreateRGBSurfaceWithFormat(%dx%d): %s", w, h, SDL_GetError());
        goto fail;
    }
    c->renderer = SDL_CreateSoftwareRenderer(c->surface);
    if (!c->renderer) {
        snprintf(err, errlen, "SDL_CreateSoftwareRenderer: %s", SDL_GetError());
        goto fail;
    }
    c->text = viz_text_new(c->renderer, err, errlen);
    if (!c->text)
        goto fail;
    return c;
fail:
    viz_canvas_free(c);
    return NULL;
}

void viz_canvas_free(viz_canvas *c)
{
    if (!c)
        return;
    viz_text_free(c->text);
    if (c->renderer)
        SDL_DestroyRenderer(c->renderer);
    if (c->surface)
        SDL_FreeSurface(c->surface);
    free(c);
}

SDL_Renderer *viz_canvas_renderer(viz_canvas *c)
{
    return c->renderer;
}

viz_text *viz_canvas_text(viz_canvas *c)
{
    return c->text;
}

SDL_Surface *viz_canvas_surface(viz_canvas *c)
{
    return c->surface;
}

int viz_canvas_save_png(viz_canvas *c, const char *path, char *err, size_t errlen)
{
    SDL_RenderFlush(c->renderer);
    return viz_png_write(path, c->surface->pixels, c->surface->w, c->surface->h,
                         (size_t)c->surface->pitch, VIZ_PNG_FAST, err, errlen);
}

int viz_parse_size(const char *s, int *w, int *h)
{
    int a = 0, b = 0;
    char x = 0, extra = 0;
    if (!s || sscanf(s, "%d%c%d%c", &a, &x, &b, &extra) != 3 || (x != 'x' && x != 'X'))
        return -EINVAL;
    if (a < 64 || b < 64 || a > 8192 || b > 8192)
        return -EINVAL;
    *w = a;
    *h = b;
    return 0;
}
