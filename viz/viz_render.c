/* viz_render.c: `sockbuf render LESSON --out DIR [--size WxH] [--lang en|ja]`.
 *
 * Runs the lesson step by step (the model, and the real sockets when
 * loopback works) and draws each step with the window's own code on a
 * software canvas, writing DIR/step-01.png, DIR/step-02.png, ... No display
 * is needed and OpenGL is never loaded. --at P (0..1, default 1) draws each
 * step at that point of its animation instead of its end, to catch bytes
 * on the wire; --zoom Z scales the text as Ctrl+= does in the window;
 * --sim draws the model only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <SDL_ttf.h>

#include "lesson.h"
#include "lesson_run.h"
#include "viz.h"
#include "viz_anim.h"
#include "viz_canvas.h"
#include "viz_draw.h"
#include "viz_font.h"
#include "viz_scene.h"

static const char render_usage[] =
    "usage: sockbuf render LESSON --out DIR [--size WxH] [--lang en|ja] [--at P] [--zoom Z] "
    "[--sim]\n";

/* mkdir -p: creates dir and its missing parents. Returns 0 or -1 (errno). */
static int mkdir_p(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(path, 0777) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(path, 0777) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

int viz_render_main(int argc, char **argv)
{
    const char *lesson = NULL, *out = NULL;
    int w = 1280, h = 720, rc = 1;
    double at = 1.0, zoom = 1.0;
    viz_lang lang = VIZ_LANG_EN;
    unsigned modes = LESSON_MODE_BOTH;
    lesson_doc *doc = NULL;
    lesson_runner *runner = NULL;
    viz_canvas *canvas = NULL;
    viz_anim *anim = NULL;
    viz_frame *frame = NULL;
    viz_scene scene;
    viz_scene_init(&scene, NULL);
    char err[512] = "";

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--out") && v) {
            out = v;
            i++;
        } else if (!strcmp(a, "--size") && v) {
            if (viz_parse_size(v, &w, &h) < 0) {
                fprintf(stderr, "sockbuf render: bad --size '%s' (WxH, 64..8192)\n", v);
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--lang") && v) {
            if (strcmp(v, "en") && strcmp(v, "ja")) {
                fprintf(stderr, "sockbuf render: bad --lang '%s' (en or ja)\n", v);
                return 2;
            }
            lang = !strcmp(v, "ja") ? VIZ_LANG_JA : VIZ_LANG_EN;
            i++;
        } else if (!strcmp(a, "--at") && v) {
            char *end;
            at = strtod(v, &end);
            if (*end || at < 0 || at > 1) {
                fprintf(stderr, "sockbuf render: bad --at '%s' (0..1)\n", v);
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--zoom") && v) {
            char *end;
            zoom = strtod(v, &end);
            if (*end || zoom < 0.5 || zoom > 3) {
                fprintf(stderr, "sockbuf render: bad --zoom '%s' (0.5..3)\n", v);
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--sim")) {
            modes = LESSON_MODE_SIM;
        } else if (a[0] == '-' || lesson) {
            fprintf(stderr, "sockbuf render: unexpected '%s'\n%s", a, render_usage);
            return 2;
        } else {
            lesson = a;
        }
    }
    if (!lesson || !out) {
        fputs(render_usage, stderr);
        return 2;
    }
    char path[4096];
    if (lesson_find(lesson, path, sizeof path) < 0) {
        fprintf(stderr, "sockbuf render: no lesson '%s'\n", lesson);
        return 2;
    }
    lesson_diag diags[LESSON_MAX_DIAGS];
    int nd = 0;
    doc = lesson_parse_file(path, diags, &nd);
    if (!doc) {
        for (int i = 0; i < nd; i++)
            fprintf(stderr, "%s:%d:%d: error: %s\n", path, diags[i].line, diags[i].col,
                    diags[i].message);
        return 2;
    }
    if (mkdir_p(out) < 0) {
        fprintf(stderr, "sockbuf render: mkdir(%s): %s\n", out, strerror(errno));
        goto out;
    }
    runner = lesson_runner_new(doc, modes, err, sizeof err);
    if (!runner && modes != LESSON_MODE_SIM) {
        fprintf(stderr, "sockbuf render: real sockets off (%s); drawing the model only\n", err);
        runner = lesson_runner_new(doc, LESSON_MODE_SIM, err, sizeof err);
    }
    if (!runner) {
        fprintf(stderr, "sockbuf render: %s\n", err);
        goto out;
    }
    canvas = viz_canvas_new(w, h, err, sizeof err);
    anim = viz_anim_new();
    frame = calloc(1, sizeof *frame);
    if (!canvas || !anim || !frame) {
        fprintf(stderr, "sockbuf render: %s\n", err[0] ? err : "out of memory");
        goto out;
    }
    viz_scene_init(&scene, doc);
    viz_ui ui = {.lang = lang, .zoom = zoom, .speed = 1.0};
    for (size_t k = 0; k < doc->nsteps; k++) {
        int s = lesson_runner_step(runner);
        if (s < 0) {
            fprintf(stderr, "sockbuf render: step %zu: %s\n", k + 1, strerror(-s));
            goto out;
        }
        if (s > 0)
            break;
        if (viz_scene_next(&scene, lesson_runner_record(runner)) < 0 ||
            viz_anim_build(anim, &scene) < 0) {
            fprintf(stderr, "sockbuf render: out of memory\n");
            goto out;
        }
        viz_anim_seek(anim, &scene, at, frame);
        viz_draw_scene(viz_canvas_renderer(canvas), viz_canvas_text(canvas), &scene, frame, &ui, w,
                       h);
        char file[4200];
        snprintf(file, sizeof file, "%s/step-%02zu.png", out, k + 1);
        if (viz_canvas_save_png(canvas, file, err, sizeof err) < 0) {
            fprintf(stderr, "sockbuf render: %s\n", err);
            goto out;
        }
        printf("%s\n", file);
    }
    rc = 0;
out:
    viz_scene_free(&scene);
    free(frame);
    viz_anim_free(anim);
    viz_canvas_free(canvas);
    lesson_runner_free(runner);
    lesson_doc_free(doc);
    if (TTF_WasInit())
        TTF_Quit();
    viz_font_shutdown();
    return rc;
}
