/* web_main.c: the browser page's main (scripts/web; SOCKBUF_WEB=ON).
 *
 * What viz_window.c's loop does for the window, as the browser wants it:
 * one frame per requestAnimationFrame (emscripten_set_main_loop), never a
 * blocking wait. The app (viz_app.h) is the window's own: the same keys,
 * picture, questions, what-if prompt, themes, zoom and languages; only
 * the model runs (the browser has no sockets). The canvas follows the
 * page's size unless --size fixes it (the Chromium test does).
 *
 * main(argc, argv) takes the window's options: [--lang en|ja] [--size WxH]
 * [LESSON]; index.html builds them from the URL (?lesson=, ?lang=,
 * ?size=) and the browser's language. web_open(path) opens another lesson
 * (a file the student picked, written into the page's file system). Esc
 * and Q, which quit the window, go back to the lesson picker. Nothing is
 * sent anywhere. web_step(), web_progress() and web_asking()
 * say what is shown.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_ttf.h>
#include <emscripten.h>
#include <emscripten/html5.h>

#include "lesson.h"
#include "viz_app.h"
#include "viz_font.h"

/* Where scripts/web puts the recorded transcripts in the page's files. */
#define WEB_RECORDED_DIR "/recorded"

/* The page's one window and app. */
static struct {
    SDL_Window *win;
    SDL_Renderer *ren;
    viz_text *text;
    viz_app *app;
    viz_lang lang;
    bool fixed_size; /* --size: the canvas keeps it */
    bool dirty;      /* draw the next frame */
    double last_ms;  /* the previous frame's time */
    bool is_full;
    char opened[1024]; /* the lesson asked for by name or path ("": the picker) */
} W;

/* A new app for lesson (NULL: the picker), replacing the one shown.
 * Returns 0, or 2 (a lesson error) / 1 with the message on stderr (the
 * page shows it). */
static int open_app(const char *lesson)
{
    char err[2048] = "";
    int status = 1;
    viz_app *a = viz_app_new(lesson, W.lang, true, NULL, err, sizeof err, &status);
    if (!a) {
        fprintf(stderr, "%s\n", err);
        return status;
    }
    if (W.app) {
        viz_app_info info;
        viz_app_get(W.app, &info);
        W.lang = info.lang;
    }
    /* The kernel's half of each bundled lesson, recorded on a real
     * machine (scripts/web --record): drawn in the picture. */
    viz_app_set_recorded(a, WEB_RECORDED_DIR);
    viz_app_free(W.app);
    W.app = a;
    snprintf(W.opened, sizeof W.opened, "%s", lesson ? lesson : "");
    W.dirty = true;
    return 0;
}

/* Called by the page: opens a lesson file it wrote into the file system
 * (a file the student picked). 0, or 1/2 with the message on stderr. */
EMSCRIPTEN_KEEPALIVE int web_open(const char *path)
{
    return open_app(path);
}

/* For the page and its test (tests/web_chromium.py): the step shown
 * (0-based; -1 before the first or in the picker) and how far its
 * animation has played, 0..1. */
EMSCRIPTEN_KEEPALIVE int web_step(void)
{
    viz_app_info info;
    if (!W.app)
        return -1;
    viz_app_get(W.app, &info);
    return info.picker ? -1 : info.step;
}

EMSCRIPTEN_KEEPALIVE double web_progress(void)
{
    viz_app_info info;
    if (!W.app)
        return 0;
    viz_app_get(W.app, &info);
    return info.progress;
}

/* The shown lesson's file name without ".lesson" ("01-basics"): the
 * name of its recorded kernel half (recorded/NAME.jsonl, what
 * recorded.json labels), or "" (the picker). A file the student picked
 * is looked up by its name too: its steps get the recording only where
 * their statements are the recorded ones (lesson_transcript_read.h), as
 * web_recorded() says. A static buffer. */
EMSCRIPTEN_KEEPALIVE const char *web_lesson_name(void)
{
    static char name[256];
    char path[1024] = "";
    char *paths[VIZ_MAX_LESSONS];
    viz_app_info info;
    name[0] = 0;
    if (!W.app)
        return name;
    viz_app_get(W.app, &info);
    if (info.picker)
        return name;
    if (info.lesson >= 0) {
        int n = lesson_list_bundled(paths, VIZ_MAX_LESSONS);
        for (int i = 0; i < n; i++) {
            if (i == info.lesson)
                snprintf(path, sizeof path, "%s", paths[i]);
            free(paths[i]);
        }
    } else if (W.opened[0] && lesson_find(W.opened, path, sizeof path) < 0) {
        path[0] = 0;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 7 && !strcmp(base + len - 7, ".lesson"))
        len -= 7;
    snprintf(name, sizeof name, "%.*s", (int)len, base);
    return name;
}

/* 1 when the picture's kernel half at the shown step is the recording
 * (its kernel rows and W's segments), else 0 (no recording of the lesson,
 * or a step a typed what-if line made, or one after it). */
EMSCRIPTEN_KEEPALIVE int web_recorded(void)
{
    viz_app_info info;
    if (!W.app)
        return 0;
    viz_app_get(W.app, &info);
    return !info.picker && info.step >= 0 && info.wire != 0;
}

/* 1 when the app speaks Japanese (L switches), else 0. */
EMSCRIPTEN_KEEPALIVE int web_lang_ja(void)
{
    viz_app_info info;
    if (!W.app)
        return W.lang == VIZ_LANG_JA;
    viz_app_get(W.app, &info);
    return info.lang == VIZ_LANG_JA;
}

/* Typed what-if steps in the shown lesson (their lines have no recording). */
EMSCRIPTEN_KEEPALIVE int web_session_steps(void)
{
    viz_app_info info;
    if (!W.app)
        return 0;
    viz_app_get(W.app, &info);
    return info.session_steps;
}

/* 1 while the step's question holds it (Space reveals), else 0. */
EMSCRIPTEN_KEEPALIVE int web_asking(void)
{
    viz_app_info info;
    if (!W.app)
        return 0;
    viz_app_get(W.app, &info);
    return info.asking;
}

/* The canvas's size in CSS pixels, as the page lays it out. */
static void canvas_size(int *w, int *h)
{
    double cw = 0, ch = 0;
    if (emscripten_get_element_css_size("#canvas", &cw, &ch) == EMSCRIPTEN_RESULT_SUCCESS &&
        cw >= 320 && ch >= 200) {
        *w = (int)cw;
        *h = (int)ch;
    }
}

static void frame(void)
{
    viz_app_info info;
    SDL_Event ev;
    while (SDL_PollEvent(&ev)) {
        if (ev.type == SDL_WINDOWEVENT)
            W.dirty = true;
        if (viz_app_handle_event(W.app, &ev))
            W.dirty = true;
        viz_app_get(W.app, &info);
        if (info.quit) {
            /* A page is not quit: back to the picker. */
            open_app(NULL);
            viz_app_get(W.app, &info);
        }
        if (info.fullscreen != W.is_full) {
            SDL_SetWindowFullscreen(W.win, info.fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
            W.is_full = info.fullscreen;
        }
    }
    if (!W.fixed_size && !W.is_full) {
        int w = 0, h = 0, cw = 0, ch = 0;
        SDL_GetWindowSize(W.win, &w, &h);
        cw = w;
        ch = h;
        canvas_size(&cw, &ch);
        if (cw != w || ch != h) {
            SDL_SetWindowSize(W.win, cw, ch);
            W.dirty = true;
        }
    }
    double now = emscripten_get_now();
    double dt = W.last_ms > 0 ? now - W.last_ms : 0;
    W.last_ms = now;
    if (dt > 100)
        dt = 100; /* a hidden tab: no jump */
    if (viz_app_tick(W.app, dt))
        W.dirty = true;
    if (W.dirty) {
        int ow = 0, oh = 0;
        SDL_GetRendererOutputSize(W.ren, &ow, &oh);
        viz_app_draw(W.app, W.ren, W.text, ow, oh);
        SDL_RenderPresent(W.ren);
        W.dirty = false;
    }
}

int main(int argc, char **argv)
{
    const char *lesson = NULL;
    int w = 1280, h = 720;
    char err[2048] = "";
    W.lang = VIZ_LANG_EN;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--lang") && i + 1 < argc) {
            W.lang = !strcmp(argv[++i], "ja") ? VIZ_LANG_JA : VIZ_LANG_EN;
        } else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
            char x = 0, tail = 0;
            if (sscanf(argv[++i], "%d%c%d%c", &w, &x, &h, &tail) != 3 || x != 'x' || w < 320 ||
                h < 200 || w > 8192 || h > 8192) {
                fprintf(stderr, "sockbuf: bad size '%s' (want WxH)\n", argv[i]);
                return 2;
            }
            W.fixed_size = true;
        } else {
            lesson = argv[i];
        }
    }
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) < 0) {
        fprintf(stderr, "sockbuf: SDL_Init(VIDEO): %s\n", SDL_GetError());
        return 1;
    }
    if (TTF_Init() < 0) {
        fprintf(stderr, "sockbuf: TTF_Init: %s\n", TTF_GetError());
        return 1;
    }
    if (!W.fixed_size)
        canvas_size(&w, &h);
    W.win = SDL_CreateWindow("sockbuf", 0, 0, w, h, SDL_WINDOW_RESIZABLE);
    /* The software renderer: the same pixels as the native `render`. */
    W.ren = W.win ? SDL_CreateRenderer(W.win, -1, SDL_RENDERER_SOFTWARE) : NULL;
    if (!W.ren) {
        fprintf(stderr, "sockbuf: SDL_CreateWindow/Renderer(%dx%d): %s\n", w, h, SDL_GetError());
        return 1;
    }
    W.text = viz_text_new(W.ren, err, sizeof err);
    if (!W.text) {
        fprintf(stderr, "sockbuf: %s\n", err);
        return 1;
    }
    SDL_StopTextInput();
    if (open_app(lesson) != 0 && (!lesson || open_app(NULL) != 0))
        return 1;
    emscripten_set_main_loop(frame, 0, 0);
    return 0;
}
