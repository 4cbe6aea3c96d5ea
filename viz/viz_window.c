/* viz_window.c: `sockbuf [LESSON]`, the window, and `sockbuf live`.
 *
 * Opens a resizable, HiDPI-aware window (the renderer draws in pixels,
 * the layout scales to them), pumps SDL events into viz_app and draws a
 * frame whenever something moves; idle, it sleeps in SDL_WaitEvent. With
 * no display (neither DISPLAY nor WAYLAND_DISPLAY, and no SDL_VIDEODRIVER
 * chosen by hand) it says so and points to `run` and `render` instead of
 * letting SDL open an invisible offscreen window.
 *
 * Hidden options for tests and screenshots: --demo-steps N advances a step
 * each time the animation ends and quits after N steps; --screenshot FILE
 * (or SOCKBUF_SCREENSHOT=FILE) saves the last frame before quitting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>

#include "net_live.h"
#include "viz.h"
#include "viz_app.h"
#include "viz_canvas.h"
#include "viz_font.h"

static const char window_usage[] =
    "usage: sockbuf [LESSON] [--lang en|ja] [--size WxH] [--fullscreen] [--sim]\n";

static bool have_display(void)
{
    const char *d = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY"),
               *drv = getenv("SDL_VIDEODRIVER");
    return (d && *d) || (wl && *wl) || (drv && *drv);
}

static int save_screenshot(SDL_Renderer *r, const char *path)
{
    int w = 0, h = 0, rc = -1;
    SDL_GetRendererOutputSize(r, &w, &h);
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return -1;
    if (SDL_RenderReadPixels(r, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) == 0 &&
        IMG_SavePNG(s, path) == 0)
        rc = 0;
    else
        fprintf(stderr, "sockbuf: screenshot %s: %s\n", path, SDL_GetError());
    SDL_FreeSurface(s);
    return rc;
}

int viz_window_main(int argc, char **argv)
{
    const char *lesson = NULL, *shot = getenv("SOCKBUF_SCREENSHOT");
    int w = 1280, h = 720, demo_steps = -1, rc = 1;
    bool fullscreen = false, sim_only = false;
    viz_lang lang = VIZ_LANG_EN;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--lang") && v) {
            if (strcmp(v, "en") && strcmp(v, "ja")) {
                fprintf(stderr, "sockbuf: bad --lang '%s' (en or ja)\n", v);
                return 2;
            }
            lang = !strcmp(v, "ja") ? VIZ_LANG_JA : VIZ_LANG_EN;
            i++;
        } else if (!strcmp(a, "--size") && v) {
            if (viz_parse_size(v, &w, &h) < 0) {
                fprintf(stderr, "sockbuf: bad --size '%s' (WxH)\n", v);
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--fullscreen")) {
            fullscreen = true;
        } else if (!strcmp(a, "--sim")) {
            sim_only = true;
        } else if (!strcmp(a, "--demo-steps") && v) {
            demo_steps = atoi(v);
            i++;
        } else if (!strcmp(a, "--screenshot") && v) {
            shot = v;
            i++;
        } else if (a[0] == '-' || lesson) {
            fprintf(stderr, "sockbuf: unexpected '%s'\n%s", a, window_usage);
            return 2;
        } else {
            lesson = a;
        }
    }
    if (!have_display()) {
        fprintf(stderr,
                "sockbuf: no display (DISPLAY and WAYLAND_DISPLAY are not set), so no window.\n"
                "  Run the lesson headless:  sockbuf run %s\n"
                "  Draw each step as a PNG:  sockbuf render %s --out pictures\n",
                lesson ? lesson : "basics", lesson ? lesson : "basics");
        return 1;
    }

    SDL_Window *win = NULL;
    SDL_Renderer *ren = NULL;
    viz_text *text = NULL;
    viz_app *app = NULL;
    char err[2048] = "";
    int status = 1;

    /* Parse the lesson first: a broken lesson is exit 2, before any window. */
    app = viz_app_new(lesson, lang, sim_only, err, sizeof err, &status);
    if (!app) {
        fprintf(stderr, "%s\n", err);
        return status;
    }
    SDL_SetHint(SDL_HINT_VIDEO_HIGHDPI_DISABLED, "0");
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) < 0) {
        fprintf(stderr, "sockbuf: SDL_Init(VIDEO): %s\n  try: sockbuf run %s\n", SDL_GetError(),
                lesson ? lesson : "basics");
        goto out;
    }
    if (TTF_Init() < 0) {
        fprintf(stderr, "sockbuf: TTF_Init: %s\n", TTF_GetError());
        goto out;
    }
    Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
    if (fullscreen)
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    win = SDL_CreateWindow("sockbuf", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h, flags);
    if (!win) {
        fprintf(stderr, "sockbuf: SDL_CreateWindow(%dx%d): %s\n", w, h, SDL_GetError());
        goto out;
    }
    SDL_SetWindowMinimumSize(win, 640, 360);
    /* SDL_FRAMEBUFFER_ACCELERATION=0 asks for the software path: then
     * no OpenGL is loaded at all (Xvfb, remote X, the smoke test). */
    const char *accel = SDL_GetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION);
    bool software = accel && (!strcmp(accel, "0") || !SDL_strcasecmp(accel, "false") ||
                              !SDL_strcasecmp(accel, "software"));
    if (!software)
        ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_PRESENTVSYNC);
    if (!ren)
        ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
    if (!ren) {
        fprintf(stderr, "sockbuf: SDL_CreateRenderer: %s\n", SDL_GetError());
        goto out;
    }
    text = viz_text_new(ren, err, sizeof err);
    if (!text) {
        fprintf(stderr, "sockbuf: %s\n", err);
        goto out;
    }
    /* Keys, not an input method: a Japanese IME must not eat Space. */
    SDL_StopTextInput();
    bool is_full = fullscreen, dirty = true;
    int demo_done = 0;
    Uint64 last = SDL_GetPerformanceCounter();
    double freq = (double)SDL_GetPerformanceFrequency();
    for (;;) {
        viz_app_info info;
        viz_app_get(app, &info);
        bool moving = info.progress < 1.0 || info.autoplay || demo_steps >= 0;
        SDL_Event ev;
        int got = moving || dirty ? SDL_PollEvent(&ev) : SDL_WaitEventTimeout(&ev, 500);
        if (got) {
            if (ev.type == SDL_WINDOWEVENT)
                dirty = true;
            if (viz_app_handle_event(app, &ev))
                dirty = true;
            viz_app_get(app, &info);
            if (info.quit)
                break;
            if (info.fullscreen != is_full) {
                SDL_SetWindowFullscreen(win, info.fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
                is_full = info.fullscreen;
            }
            continue; /* drain the queue before drawing */
        }
        Uint64 now = SDL_GetPerformanceCounter();
        double dt = (double)(now - last) * 1000.0 / freq;
        last = now;
        if (dt > 100)
            dt = 100; /* after a long stall, no jump */
        if (viz_app_tick(app, dt))
            dirty = true;
        if (demo_steps >= 0) {
            viz_app_get(app, &info);
            if (info.progress >= 1.0 && !info.picker) {
                demo_done++;
                if (demo_done >= demo_steps || info.step + 1 >= info.nsteps) {
                    int ow, oh;
                    SDL_GetRendererOutputSize(ren, &ow, &oh);
                    viz_app_draw(app, ren, text, ow, oh);
                    if (shot)
                        save_screenshot(ren, shot);
                    SDL_RenderPresent(ren);
                    break;
                }
                viz_app_goto(app, info.step + 1);
            }
        }
        if (dirty) {
            int ow = 0, oh = 0;
            SDL_GetRendererOutputSize(ren, &ow, &oh);
            viz_app_draw(app, ren, text, ow, oh);
            SDL_RenderPresent(ren);
            dirty = false;
            Uint64 spent = SDL_GetPerformanceCounter() - now;
            double ms = (double)spent * 1000.0 / freq;
            if (ms < 15)
                SDL_Delay((Uint32)(15 - ms)); /* no vsync (Xvfb): about 60 Hz */
        }
    }
    if (shot && demo_steps < 0) {
        int ow, oh;
        SDL_GetRendererOutputSize(ren, &ow, &oh);
        viz_app_draw(app, ren, text, ow, oh);
        save_screenshot(ren, shot);
    }
    rc = 0;
out:
    viz_text_free(text);
    if (ren)
        SDL_DestroyRenderer(ren);
    if (win)
        SDL_DestroyWindow(win);
    viz_app_free(app);
    if (TTF_WasInit())
        TTF_Quit();
    SDL_Quit();
    viz_font_shutdown();
    return rc;
}

int viz_live_main(int argc, char **argv)
{
    bool headless = false;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--headless"))
            headless = true;
    if (!headless)
        fprintf(stderr, "sockbuf live: %s; printing JSON Lines (as with --headless)\n",
                have_display() ? "the live window is not built yet"
                               : "no display (DISPLAY is not set)");
    return net_live_cli(argc, argv, stdout, stderr);
}
