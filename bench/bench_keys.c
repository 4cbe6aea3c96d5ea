/* bench_keys.c: how long a step key takes to change the picture.
 *
 * Opens a lesson in the presenter (viz_app, both modes, as the window
 * does) on an offscreen canvas, and for every step presses Space the way
 * a teacher does: after the previous step's animation has ended. It
 * measures the wall time from the key to the end of the first frame that
 * differs from the one before (median and max), and, as the peer measured
 * in the same run, the time of one plain frame with no key. Also how many
 * keys found their step already run by the worker (then the animation
 * starts in that first frame; otherwise it says "running step N").
 *
 * Usage: bench_keys [LESSON...]   (default: 04-file-send and
 * bench/lessons/big-send.lesson, 64 MiB through a 4 KiB receive buffer)
 */
#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <SDL_ttf.h>

#include "viz_app.h"
#include "viz_canvas.h"
#include "viz_font.h"

enum { W = 1280, H = 720, MAX_STEPS = 256 };

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Draws one frame; returns whether it differs from prev (then copies it). */
static bool frame(viz_app *a, viz_canvas *c, unsigned char *prev, size_t len)
{
    SDL_Surface *s = viz_canvas_surface(c);
    viz_app_draw(a, viz_canvas_renderer(c), viz_canvas_text(c), W, H);
    SDL_RenderFlush(viz_canvas_renderer(c));
    bool changed = memcmp(prev, s->pixels, len) != 0;
    if (changed)
        memcpy(prev, s->pixels, len);
    return changed;
}

static int bench(const char *lesson, viz_canvas *c)
{
    char err[1024] = "";
    int status = 0;
    viz_app *a = viz_app_new(lesson, VIZ_LANG_EN, false, NULL, err, sizeof err, &status);
    if (!a) {
        fprintf(stderr, "bench_keys: %s\n", err);
        return 1;
    }
    viz_app_wait(a);
    SDL_Surface *s = viz_canvas_surface(c);
    size_t len = (size_t)s->pitch * (size_t)s->h;
    unsigned char *prev = calloc(1, len);
    double key[MAX_STEPS], plain[MAX_STEPS];
    int n = 0, ready = 0;
    viz_app_info info;
    viz_app_get(a, &info);
    while (info.step + 1 < info.nsteps && n < MAX_STEPS) {
        /* The previous step's animation ends and the picture rests. */
        viz_app_tick(a, 60000);
        frame(a, c, prev, len);
        double p0 = now_ms();
        frame(a, c, prev, len);
        plain[n] = now_ms() - p0;
        SDL_Event ev = {0};
        ev.type = SDL_KEYDOWN;
        ev.key.keysym.sym = SDLK_SPACE;
        double t0 = now_ms();
        viz_app_handle_event(a, &ev);
        viz_app_get(a, &info);
        ready += info.pending_step < 0;
        while (!frame(a, c, prev, len))
            viz_app_tick(a, 16);
        key[n++] = now_ms() - t0;
        viz_app_wait(a); /* the teacher talks; the worker catches up */
        viz_app_get(a, &info);
    }
    qsort(key, (size_t)n, sizeof key[0], cmp_d);
    qsort(plain, (size_t)n, sizeof plain[0], cmp_d);
    if (n > 0)
        printf("%-28s %3d keys  key->frame median %6.2f ms  max %6.2f ms   plain frame "
               "median %6.2f ms  (ratio %.2f)  step ready at the key: %d/%d\n",
               lesson, n, key[n / 2], key[n - 1], plain[n / 2],
               plain[n / 2] > 0 ? key[n / 2] / plain[n / 2] : 0.0, ready, n);
    free(prev);
    viz_app_free(a);
    return 0;
}

int main(int argc, char **argv)
{
    const char *def[] = {"file-send", SOCKBUF_SOURCE_DIR "/bench/lessons/big-send.lesson"};
    const char **lessons = argc > 1 ? (const char **)(argv + 1) : def;
    int nl = argc > 1 ? argc - 1 : 2;
    char err[512];
    viz_canvas *c = viz_canvas_new(W, H, err, sizeof err);
    if (!c) {
        fprintf(stderr, "bench_keys: %s\n", err);
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < nl; i++)
        rc |= bench(lessons[i], c);
    viz_canvas_free(c);
    TTF_Quit();
    viz_font_shutdown();
    return rc;
}
