/* bench_viz.c: how fast the picture is drawn, headless, at 1920x1080.
 *
 * Picks the busiest bundled lesson (the most model events in one step),
 * then draws every step frame by frame (60 frames a step, as the window
 * at 60 Hz would) on the software canvas, the same code path as the
 * window and `sockbuf render`, half the steps in Japanese so the Japanese
 * font is loaded. Prints the median and p99 frame time, the time from
 * start to the first frame and the peak resident memory.
 * As the window does, each frame also prefetches a little of the next
 * step's text (viz_draw_prefetch, one text a frame), counted in its time;
 * --no-prefetch measures without it. --steps N plays only the first N
 * steps (a short lesson, where a step's first frame weighs on the p99).
 * Peers, measured in the same run: a bare SDL loop on the same renderer
 * that only copies the finished frame (a texture of its pixels) as many
 * times, the floor of any drawing; and for `sockbuf render`, each step's
 * last frame at 1280x720 written as a PNG by viz_png's fast path, beside
 * libpng's defaults (zlib level 6, adaptive filters: what render used
 * before, through SDL2_image).
 * Targets: p99 < 4 ms on one core, first frame < 100 ms, < 60 MB; a PNG
 * at 1280x720 in at most 15 ms.
 * Usage: bench_viz [--size WxH] [--lesson NAME] [--frames N] [--steps N] [--no-prefetch]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <SDL_ttf.h>

#include "lesson.h"
#include "lesson_run.h"
#include "viz_anim.h"
#include "viz_canvas.h"
#include "viz_draw.h"
#include "viz_font.h"
#include "viz_png.h"
#include "viz_scene.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of this thread: what a frame costs, without the time the
 * scheduler gave to other processes (the wall time is printed too). */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The largest event log of any step of a lesson, in the model. */
static size_t busiest_step(const lesson_doc *doc)
{
    char err[256];
    size_t best = 0;
    lesson_runner *r = lesson_runner_new(doc, LESSON_MODE_SIM, err, sizeof err);
    if (!r)
        return 0;
    while (lesson_runner_step(r) == 0) {
        size_t n = lesson_runner_record(r)->nevents;
        if (n > best)
            best = n;
    }
    lesson_runner_free(r);
    return best;
}

/* The bare SDL loop: the finished frame as a texture, copied opaque over
 * the whole of the same renderer `frames` times (copy, flush): what any
 * frame costs at least. Median ms a frame. */
static double bare_loop_ms(SDL_Renderer *ren, SDL_Surface *frame, int frames)
{
    SDL_Surface *copy = SDL_ConvertSurface(frame, frame->format, 0);
    SDL_Texture *tex = copy ? SDL_CreateTextureFromSurface(ren, copy) : NULL;
    double *t = malloc(sizeof *t * (size_t)frames), med = -1;
    if (tex && t) {
        SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_NONE);
        for (int i = 0; i < frames; i++) {
            double t0 = now_ms();
            SDL_RenderCopy(ren, tex, NULL, NULL);
            SDL_RenderFlush(ren);
            t[i] = now_ms() - t0;
        }
        qsort(t, (size_t)frames, sizeof *t, cmp_d);
        med = t[frames / 2];
    }
    free(t);
    if (tex)
        SDL_DestroyTexture(tex);
    SDL_FreeSurface(copy);
    return med;
}

typedef struct {
    double ms[2];     /* summed ms: fast, libpng defaults */
    double bytes[2];  /* summed file sizes, same order */
    int n;            /* pictures written */
} png_stats;

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    if (f)
        fclose(f);
    return n;
}

/* Writes one picture both ways, in turn, adding to st. */
static void png_measure(SDL_Surface *sf, png_stats *st)
{
    char path[64], err[256];
    snprintf(path, sizeof path, "/tmp/bench_viz-%d.png", (int)getpid());
    for (int way = 0; way < 2; way++) {
        double t0 = now_ms();
        int rc = viz_png_write(path, sf->pixels, sf->w, sf->h, (size_t)sf->pitch,
                               way ? VIZ_PNG_DEFAULT : VIZ_PNG_FAST, err, sizeof err);
        st->ms[way] += now_ms() - t0;
        st->bytes[way] += rc == 0 ? (double)file_size(path) : 0;
    }
    st->n++;
    remove(path);
}

int main(int argc, char **argv)
{
    double t_start = now_ms();
    int w = 1920, h = 1080, frames = 60;
    const char *want = NULL;
    size_t max_steps = (size_t)-1;
    bool prefetch = true;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-prefetch")) {
            prefetch = false;
            continue;
        }
        if (i + 1 >= argc)
            break;
        if (!strcmp(argv[i], "--steps"))
            max_steps = atoi(argv[i + 1]) > 0 ? (size_t)atoi(argv[i + 1]) : max_steps;
        else if (!strcmp(argv[i], "--size"))
            viz_parse_size(argv[i + 1], &w, &h);
        else if (!strcmp(argv[i], "--lesson"))
            want = argv[i + 1];
        else if (!strcmp(argv[i], "--frames"))
            frames = atoi(argv[i + 1]) > 0 ? atoi(argv[i + 1]) : 60;
        i++;
    }
    char path[4096] = "";
    lesson_diag diags[LESSON_MAX_DIAGS];
    int nd;
    if (want) {
        if (lesson_find(want, path, sizeof path) < 0) {
            fprintf(stderr, "bench_viz: no lesson '%s'\n", want);
            return 1;
        }
    } else {
        char *paths[32];
        int n = lesson_list_bundled(paths, 32);
        size_t best = 0;
        for (int i = 0; i < n; i++) {
            lesson_doc *d = lesson_parse_file(paths[i], diags, &nd);
            size_t ev = d ? busiest_step(d) : 0;
            if (ev >= best) {
                best = ev;
                snprintf(path, sizeof path, "%s", paths[i]);
            }
            lesson_doc_free(d);
            free(paths[i]);
        }
        t_start = now_ms(); /* the search is not the window's startup */
    }
    lesson_doc *doc = lesson_parse_file(path, diags, &nd);
    if (!doc) {
        fprintf(stderr, "bench_viz: %s does not parse\n", path);
        return 1;
    }
    char err[512];
    lesson_runner *r = lesson_runner_new(doc, LESSON_MODE_SIM, err, sizeof err);
    viz_canvas *c = viz_canvas_new(w, h, err, sizeof err);
    viz_anim *anim = viz_anim_new();
    viz_frame *f = calloc(1, sizeof *f);
    viz_scene *s = calloc(1, sizeof *s);
    if (!r || !c || !anim || !f || !s) {
        fprintf(stderr, "bench_viz: %s\n", err);
        return 1;
    }
    viz_scene_init(s, doc);
    /* The render path's pictures, 1280x720 as `sockbuf render` draws. */
    viz_canvas *pc = viz_canvas_new(1280, 720, err, sizeof err);
    png_stats png = {{0}, {0}, 0};
    size_t nsteps = doc->nsteps < max_steps ? doc->nsteps : max_steps;
    size_t cap = nsteps * (size_t)frames, n = 0, max_events = 0;
    double *t = malloc(cap * sizeof *t), *tc = malloc(cap * sizeof *tc), first = -1;
    viz_ui ui = {.lang = VIZ_LANG_EN, .zoom = 1.0, .speed = 1.0};
    SDL_Renderer *ren = viz_canvas_renderer(c);
    for (size_t k = 0; k < nsteps; k++) {
        int cursor = 0;
        viz_ui next_ui = ui;
        next_ui.lang = (k + 1) % 2 ? VIZ_LANG_JA : VIZ_LANG_EN;
        if (lesson_runner_step(r) != 0)
            break;
        viz_scene_next(s, lesson_runner_record(r));
        viz_anim_build(anim, s);
        if (s->nevents > max_events)
            max_events = s->nevents;
        ui.lang = k % 2 ? VIZ_LANG_JA : VIZ_LANG_EN;
        for (int i = 0; i < frames; i++) {
            double t0 = now_ms(), c0 = cpu_ms();
            viz_anim_seek(anim, s, (double)i / (frames - 1), f);
            viz_draw_scene(ren, viz_canvas_text(c), s, f, &ui, w, h);
            SDL_RenderFlush(ren);
            if (prefetch && k + 1 < nsteps)
                viz_draw_prefetch(viz_canvas_text(c), doc, (int)(k + 1), &next_ui, w, h, &cursor,
                                  1);
            double t1 = now_ms();
            if (first < 0)
                first = t1 - t_start;
            tc[n] = cpu_ms() - c0;
            t[n++] = t1 - t0;
            if (getenv("BENCH_VIZ_TRACE") && t1 - t0 > 2)
                fprintf(stderr, "step %zu frame %d: %.2f ms misses %llu\n", k, i, t1 - t0,
                        (unsigned long long)viz_text_misses(viz_canvas_text(c)));
        }
        if (pc) {
            viz_draw_scene(viz_canvas_renderer(pc), viz_canvas_text(pc), s, f, &ui, 1280, 720);
            SDL_RenderFlush(viz_canvas_renderer(pc));
            png_measure(viz_canvas_surface(pc), &png);
        }
    }
    double bare = bare_loop_ms(ren, viz_canvas_surface(c), n > 600 ? 600 : (int)n);
    qsort(t, n, sizeof *t, cmp_d);
    qsort(tc, n, sizeof *tc, cmp_d);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("bench_viz: lesson %s (%s), %zu steps, busiest step %zu events, %dx%d, %zu frames, "
           "prefetch %s\n",
           doc->name, path, nsteps, max_events, w, h, n, prefetch ? "on" : "off");
    printf("frame time (wall): median %.3f ms, p99 %.3f ms, max %.3f ms\n", t[n / 2],
           t[(size_t)(n * 0.99)], t[n - 1]);
    printf("frame time (cpu):  median %.3f ms, p99 %.3f ms, max %.3f ms\n", tc[n / 2],
           tc[(size_t)(n * 0.99)], tc[n - 1]);
    printf("bare SDL loop (copy of the same frame): median %.3f ms; a frame costs %.1fx that\n",
           bare, bare > 0 ? t[n / 2] / bare : 0);
    if (png.n > 0) {
        const char *way[2] = {"viz_png fast", "libpng defaults"};
        for (int i = 0; i < 2; i++)
            printf("PNG 1280x720 %-16s %7.2f ms a picture, %6.1f KB (%.2fx the time, %.2fx the "
                   "size of libpng's defaults)\n",
                   way[i], png.ms[i] / png.n, png.bytes[i] / png.n / 1024,
                   png.ms[1] > 0 ? png.ms[i] / png.ms[1] : 0,
                   png.bytes[1] > 0 ? png.bytes[i] / png.bytes[1] : 0);
    }
    printf("startup to first frame: %.1f ms\n", first);
    printf("peak resident memory: %.1f MB\n", ru.ru_maxrss / 1024.0);
    free(t);
    free(tc);
    viz_scene_free(s);
    free(s);
    free(f);
    viz_anim_free(anim);
    viz_canvas_free(c);
    viz_canvas_free(pc);
    lesson_runner_free(r);
    lesson_doc_free(doc);
    TTF_Quit();
    viz_font_shutdown();
    return 0;
}
