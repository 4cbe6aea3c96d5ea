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
 * SOCKBUF_BENCH_FIRST_FRAME=1 prints "first-frame T" (CLOCK_MONOTONIC
 * seconds) on stderr once the first frame (the window's background) is
 * presented, "first-content T" once the first drawn frame is, and quits:
 * the start-up benchmark (bench/bench_startup.c) times them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <SDL.h>
#include <SDL_ttf.h>

#include "base_opt.h"
#include "live.h"
#include "viz.h"
#include "viz_app.h"
#include "viz_canvas.h"
#include "viz_font.h"
#include "viz_keys.h"
#include "viz_paint.h"
#include "viz_png.h"
#include "viz_theme.h"
#include "viz_trace.h"

/* The help and the usage lines are in the command table (cmd/cmd_table.c),
 * which main() parses the command line with before this module is loaded:
 * here, a pointer to them. */
static const char window_usage[] = "try 'sockbuf --help'\n";

/* The window's options: the same names, values and codes as the window's
 * rows of the command table (tests/test_cmd_table.c fails when they
 * differ). --demo-steps and --screenshot are hidden ones. */
extern const struct option viz_window_options[];
const struct option viz_window_options[] = {
    {"help", no_argument, NULL, 'h'},
    {"lang", required_argument, NULL, 'l'},
    {"size", required_argument, NULL, 'z'},
    {"fullscreen", no_argument, NULL, 'f'},
    {"sim", no_argument, NULL, 's'},
    {"theme", required_argument, NULL, 'T'},
    {"presenter", no_argument, NULL, 'V'},
    {"demo-steps", required_argument, NULL, 'd'},
    {"screenshot", required_argument, NULL, 'P'},
    {NULL, 0, NULL, 0},
};

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
    char err[512] = "";
    if (SDL_RenderReadPixels(r, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) != 0)
        fprintf(stderr, "sockbuf: screenshot %s: SDL_RenderReadPixels: %s\n", path, SDL_GetError());
    else if (viz_png_write(path, s->pixels, w, h, (size_t)s->pitch, VIZ_PNG_FAST, err, sizeof err) <
             0)
        fprintf(stderr, "sockbuf: screenshot: %s\n", err);
    else
        rc = 0;
    SDL_FreeSurface(s);
    return rc;
}

/* For bench/bench_startup.c: "WHAT T" on stderr, T the CLOCK_MONOTONIC
 * seconds now. */
static void bench_stamp(const char *what)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    fprintf(stderr, "%s %ld.%09ld\n", what, (long)t.tv_sec, t.tv_nsec);
}

/* The window's text cache, opened on a thread at start-up (no renderer
 * yet: viz_text_set_renderer() once there is one). */
typedef struct {
    viz_text *text; /* the cache, or NULL */
    char err[512];  /* why not */
} font_job;

static void *open_fonts(void *arg)
{
    font_job *j = arg;
    j->text = viz_text_new(NULL, j->err, sizeof j->err);
    /* The Japanese faces the first frame draws: the regular one in
     * either language (the English footer's "L 日本語"), the bold one
     * for the titles in a Japanese locale. Without one, the window still
     * opens (its Japanese drawn as boxes, said once on stderr). */
    if (j->text) {
        viz_text_open_face(j->text, VIZ_FACE_JA);
        if (base_locale_is_japanese())
            viz_text_open_face(j->text, VIZ_FACE_JA_BOLD);
    }
    return NULL;
}

/* What viz_window_early() started for the window's first frame. */
static struct {
    bool tried;        /* viz_window_early() ran its course */
    int ttf_rc;        /* TTF_Init()'s result */
    int sdl_rc;        /* SDL_Init()'s result */
    char sdl_err[512]; /* SDL_GetError() when sdl_rc < 0 */
    font_job fonts;    /* the fonts' thread's result */
    pthread_t thread;  /* that thread, while running */
    bool running;      /* thread is to be joined */
} early;

void viz_window_early(void)
{
    if (early.tried || !have_display())
        return;
    early.tried = true;
    /* The fonts open on a thread of their own while SDL connects to the
     * display: fontconfig's set-up and the font files cost about as much
     * as SDL_Init, and the first frame with text waits for both
     * (bench/bench_startup.c). */
    if ((early.ttf_rc = TTF_Init()) < 0)
        return;
    early.running = pthread_create(&early.thread, NULL, open_fonts, &early.fonts) == 0;
    if (!early.running)
        open_fonts(&early.fonts);
    SDL_SetHint(SDL_HINT_VIDEO_HIGHDPI_DISABLED, "0");
    if ((early.sdl_rc = SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS)) < 0)
        snprintf(early.sdl_err, sizeof early.sdl_err, "%s", SDL_GetError());
}

/* The text cache viz_window_early()'s thread opened (the caller's now),
 * or NULL with why in err. */
static viz_text *early_fonts(char *err, size_t errlen)
{
    if (early.running)
        pthread_join(early.thread, NULL);
    early.running = false;
    viz_text *t = early.fonts.text;
    early.fonts.text = NULL;
    if (!t)
        snprintf(err, errlen, "%s", early.fonts.err);
    return t;
}

/* Ends what a window entry point set up, newest first: the text cache,
 * renderer and window (each may be NULL), then SDL_ttf, SDL and the font
 * lookup. */
static void window_close(SDL_Window *win, SDL_Renderer *ren, viz_text *text)
{
    viz_text_free(text);
    if (ren)
        SDL_DestroyRenderer(ren);
    if (win)
        SDL_DestroyWindow(win);
    if (TTF_WasInit())
        TTF_Quit();
    SDL_Quit();
    viz_font_shutdown();
}

/* The window's renderer. SDL_FRAMEBUFFER_ACCELERATION=0 (or false, or
 * software) asks for the software path: then no OpenGL is loaded at all
 * (Xvfb, remote X, the smoke tests). Otherwise the accelerated renderer
 * with vsync, falling back to software. NULL with SDL's error on failure. */
static SDL_Renderer *window_renderer(SDL_Window *win)
{
    const char *accel = SDL_GetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION);
    bool software = accel && (!strcmp(accel, "0") || !SDL_strcasecmp(accel, "false") ||
                              !SDL_strcasecmp(accel, "software"));
    SDL_Renderer *ren = NULL;
    if (!software)
        ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_PRESENTVSYNC);
    if (!ren)
        ren = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
    return ren;
}

/* SDL, a resizable window titled "sockbuf WHO", its renderer and its text,
 * for the live and trace windows; on failure says why on stderr, as
 * "sockbuf WHO: ...", and returns -1 (what was made is the caller's to
 * free, as on success). */
static int open_window(const char *who, int w, int h, SDL_Window **win, SDL_Renderer **ren,
                       viz_text **text)
{
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) < 0 || TTF_Init() < 0) {
        fprintf(stderr, "sockbuf %s: SDL_Init: %s\n", who, SDL_GetError());
        return -1;
    }
    char title[64];
    snprintf(title, sizeof title, "sockbuf %s", who);
    *win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h,
                            SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (*win)
        *ren = window_renderer(*win);
    char terr[512];
    if (*ren)
        *text = viz_text_new(*ren, terr, sizeof terr);
    if (!*win || !*ren || !*text) {
        fprintf(stderr, "sockbuf %s: window: %s\n", who, *text || !*ren ? SDL_GetError() : terr);
        return -1;
    }
    SDL_StopTextInput();
    return 0;
}

int viz_window_main(int argc, char **argv, lesson_wire_handle *wire)
{
    const char *lesson = NULL, *shot = getenv("SOCKBUF_SCREENSHOT");
    int w = 1280, h = 720, demo_steps = -1, rc = 1, theme = VIZ_THEME_DARK;
    bool fullscreen = false, sim_only = false, sized = false, presenter = false;
    viz_lang lang = base_locale_is_japanese() ? VIZ_LANG_JA : VIZ_LANG_EN;
    base_opt p = {.cmd = "sockbuf", .usage = window_usage, .longopts = viz_window_options, .shortopts = "h",
                 .errout = stderr, .argc = argc, .argv = argv};
    const char *v;
    long n;
    int c;
    while ((c = base_opt_next(&p, &v)) != -1) {
        switch (c) {
        case 'h':
            fputs(window_usage, stdout);
            return 0;
        case 'l':
            if (strcmp(v, "en") && strcmp(v, "ja")) {
                fprintf(stderr, "sockbuf: bad --lang '%s' (want en or ja)\n", v);
                return 2;
            }
            lang = !strcmp(v, "ja") ? VIZ_LANG_JA : VIZ_LANG_EN;
            break;
        case 'z':
            if (viz_parse_size(v, &w, &h) < 0) {
                fprintf(stderr, "sockbuf: bad --size '%s' (want WxH)\n", v);
                return 2;
            }
            sized = true;
            break;
        case 'f':
            fullscreen = true;
            break;
        case 's':
            sim_only = true;
            break;
        case 'T':
            if ((theme = viz_theme_parse(v)) < 0) {
                fprintf(stderr, "sockbuf: bad --theme '%s' (want dark, light or contrast)\n", v);
                return 2;
            }
            break;
        case 'V':
            presenter = true;
            break;
        case 'd':
            if (base_opt_long(&p, "--demo-steps", v, 0, 100000, &n) < 0)
                return 2;
            demo_steps = (int)n;
            break;
        case 'P':
            shot = v;
            break;
        default:
            return 2;
        }
    }
    for (int i = base_opt_operands(&p); i < argc; i++) {
        if (lesson) {
            fprintf(stderr, "sockbuf: one lesson at a time ('%s' and '%s')\n%s", lesson, argv[i],
                    window_usage);
            return 2;
        }
        lesson = argv[i];
    }
    if (!have_display()) {
        fprintf(stderr,
                "sockbuf: no display (DISPLAY and WAYLAND_DISPLAY are not set), so no window.\n"
                "  Run the lesson headless:  sockbuf run %s\n"
                "  Draw each step as a PNG:  sockbuf render %s --out pictures\n",
                lesson ? lesson : "basics", lesson ? lesson : "basics");
        return 1;
    }

    SDL_Window *win = NULL, *pwin = NULL; /* pwin: the presenter's view */
    SDL_Renderer *ren = NULL, *pren = NULL;
    viz_text *text = NULL, *ptext = NULL;
    viz_app *app = NULL;
    char err[2048] = "";
    int status = 1;

    /* SDL and the fonts: started by main() while the wire's helper set
     * itself up, else now. */
    viz_window_early();
    if (early.ttf_rc < 0) {
        fprintf(stderr, "sockbuf: TTF_Init: %s\n", TTF_GetError());
        goto out;
    }
    if (early.sdl_rc < 0) {
        fprintf(stderr, "sockbuf: SDL_Init(VIDEO): %s\n  try: sockbuf run %s\n", early.sdl_err,
                lesson ? lesson : "basics");
        goto out;
    }
    /* Parse the lesson before the window: a broken lesson is exit 2,
     * before any window shows. */
    app = viz_app_new(lesson, lang, sim_only, wire, err, sizeof err, &status);
    if (!app) {
        fprintf(stderr, "%s\n", err);
        rc = status;
        goto out;
    }
    viz_app_set_theme(app, theme);
    Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
    if (fullscreen)
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    /* Without --size the window fits the screen it opens on: 1280x720,
     * or the usable part of a smaller screen (its panels left free). */
    SDL_Rect usable;
    if (!sized && SDL_GetDisplayUsableBounds(0, &usable) == 0 && usable.w > 0 && usable.h > 0) {
        if (w > usable.w)
            w = usable.w;
        if (h > usable.h)
            h = usable.h;
    }
    win = SDL_CreateWindow("sockbuf", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h, flags);
    if (!win) {
        fprintf(stderr, "sockbuf: SDL_CreateWindow(%dx%d): %s\n", w, h, SDL_GetError());
        goto out;
    }
    SDL_SetWindowMinimumSize(win, 640, 360);
    ren = window_renderer(win);
    if (!ren) {
        fprintf(stderr, "sockbuf: SDL_CreateRenderer: %s\n", SDL_GetError());
        goto out;
    }
    /* The window shows its background at once, while the fonts finish
     * opening and the first frame is drawn (about 10-20 ms more). */
    viz_theme_use((viz_theme_id)theme); /* the first frame's ground is the theme's */
    SDL_SetRenderDrawColor(ren, BG.r, BG.g, BG.b, 255);
    SDL_RenderClear(ren);
    SDL_RenderPresent(ren);
    const char *bff = getenv("SOCKBUF_BENCH_FIRST_FRAME");
    bool bench_first_frame = bff && *bff && strcmp(bff, "0");
    if (bench_first_frame)
        bench_stamp("first-frame");
    text = early_fonts(err, sizeof err);
    if (text)
        viz_text_set_renderer(text, ren);
    if (!text) {
        fprintf(stderr, "sockbuf: %s\n", err);
        goto out;
    }
    /* The presenter's view: a second window, on the second screen when
     * there is one; the class's window then shows the picture only. */
    if (presenter) {
        int pd = SDL_GetNumVideoDisplays() > 1 ? 1 : 0;
        pwin = SDL_CreateWindow("sockbuf: presenter", SDL_WINDOWPOS_CENTERED_DISPLAY(pd),
                                SDL_WINDOWPOS_CENTERED_DISPLAY(pd), 960, 720,
                                SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
        pren = pwin ? window_renderer(pwin) : NULL;
        ptext = pren ? viz_text_new(pren, err, sizeof err) : NULL;
        if (!ptext) { /* the class's window goes on alone */
            fprintf(stderr, "sockbuf: the presenter's view: %s\n", pren ? err : SDL_GetError());
            if (pren)
                SDL_DestroyRenderer(pren);
            if (pwin)
                SDL_DestroyWindow(pwin);
            pwin = NULL;
            pren = NULL;
        }
        viz_app_set_presenter(app, ptext != NULL);
        SDL_RaiseWindow(win); /* the keys go to the class's window first */
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
            /* Two windows: closing one is no SDL_QUIT. The presenter's
             * view closes alone; the class's window quits. */
            if (ev.type == SDL_WINDOWEVENT && ev.window.event == SDL_WINDOWEVENT_CLOSE) {
                if (pwin && ev.window.windowID == SDL_GetWindowID(pwin)) {
                    viz_text_free(ptext);
                    SDL_DestroyRenderer(pren);
                    SDL_DestroyWindow(pwin);
                    pwin = NULL;
                    pren = NULL;
                    ptext = NULL;
                    viz_app_set_presenter(app, false);
                    continue;
                }
                if (ev.window.windowID == SDL_GetWindowID(win))
                    break;
            }
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
            if (info.picker) {
                /* The demo starts from the picker like a presenter: key 1. */
                SDL_Event k;
                memset(&k, 0, sizeof k);
                k.type = SDL_KEYDOWN;
                k.key.keysym.sym = SDLK_1;
                viz_app_handle_event(app, &k);
                viz_app_get(app, &info);
            }
            if (info.progress >= 1.0 && !info.picker) {
                demo_done++;
                if (demo_done >= demo_steps || info.step + 1 >= info.nsteps) {
                    int ow, oh;
                    SDL_GetRendererOutputSize(ren, &ow, &oh);
                    viz_app_draw(app, ren, text, ow, oh);
                    if (shot)
                        save_screenshot(ren, shot);
                    SDL_RenderPresent(ren);
                    /* tests/xvfb_smoke.sh compares this with `run`'s wire */
                    fprintf(stderr, "sockbuf: demo: %d steps, the real mode on the %s wire\n",
                            demo_done, lesson_wire_name((lesson_wire)info.wire));
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
            if (pren) {
                SDL_GetRendererOutputSize(pren, &ow, &oh);
                viz_app_draw_presenter(app, pren, ptext, ow, oh);
                SDL_RenderPresent(pren);
            }
            dirty = false;
            if (bench_first_frame) { /* bench/bench_startup.c */
                bench_stamp("first-content");
                break;
            }
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
    viz_text_free(early_fonts(err, sizeof err)); /* a failure while the fonts opened */
    viz_app_free(app); /* holds no SDL objects */
    viz_text_free(ptext);
    if (pren)
        SDL_DestroyRenderer(pren);
    if (pwin)
        SDL_DestroyWindow(pwin);
    window_close(win, ren, text);
    memset(&early, 0, sizeof early);
    return rc;
}

/* ---- the live and trace windows' shared keys ------------------------- */

/* Runs action act of the key table's rows the live and trace windows
 * share (language, fullscreen, text size); the help, Esc and Q are
 * viz_keys_window_event()'s. */
static void small_window_key(SDL_Window *win, viz_ui *ui, viz_key_action act)
{
    switch (act) {
    case VIZ_KEY_LANG:
        ui->lang = ui->lang == VIZ_LANG_JA ? VIZ_LANG_EN : VIZ_LANG_JA;
        break;
    case VIZ_KEY_ZOOM_IN:
        ui->zoom = viz_zoom_step(ui->zoom, +1);
        break;
    case VIZ_KEY_ZOOM_OUT:
        ui->zoom = viz_zoom_step(ui->zoom, -1);
        break;
    case VIZ_KEY_ZOOM_RESET:
        ui->zoom = 1.0;
        break;
    case VIZ_KEY_FULLSCREEN:
        SDL_SetWindowFullscreen(win, (SDL_GetWindowFlags(win) & SDL_WINDOW_FULLSCREEN_DESKTOP)
                                         ? 0
                                         : SDL_WINDOW_FULLSCREEN_DESKTOP);
        break;
    default:
        break;
    }
}

/* The keys' state as the picture shows it: the help overlay, and the
 * footer's question or word in the window's language. */
static void window_ui_keys(viz_ui *ui, const viz_keys_window *keys)
{
    ui->help = keys->help;
    ui->toast = ui->lang == VIZ_LANG_JA ? keys->message_ja : keys->message_en;
}

/* ---- live mode in a window ------------------------------------------- */

enum { LIVE_LOG = 10, LIVE_ROWS = 64, LIVE_CHIPS = NET_LIVE_TRAIL_CAP };

/* The latest events, each line in both languages (L switches at once). */
typedef struct {
    char lines[LIVE_LOG][160];
    char lines_ja[LIVE_LOG][200];
    int n;
} lv_log;

static void lv_on_event(const live_event *ev, void *user)
{
    lv_log *lg = user;
    char line[160], ja[200];
    double t = (double)ev->t_ms / 1000.0;
    switch (ev->type) {
    case NET_LIVE_EV_LISTEN:
        snprintf(line, sizeof line, "%7.2f s  listening on %s", t, ev->peer);
        snprintf(ja, sizeof ja, "%7.2f 秒  %s で待ち受け開始", t, ev->peer);
        break;
    case NET_LIVE_EV_ACCEPT:
    case NET_LIVE_EV_CONNECT:
        snprintf(line, sizeof line, "%7.2f s  #%d %s %s", t, ev->id,
                 ev->type == NET_LIVE_EV_ACCEPT ? "accepted" : "connected to", ev->peer);
        snprintf(ja, sizeof ja, "%7.2f 秒  #%d %s %s", t, ev->id,
                 ev->type == NET_LIVE_EV_ACCEPT ? "接続を受け付け:" : "接続:", ev->peer);
        break;
    case NET_LIVE_EV_RECV:
    case NET_LIVE_EV_SEND: {
        char repr[64] = "";
        bool rv = ev->type == NET_LIVE_EV_RECV;
        if (ev->data)
            live_bytes_repr(ev->data, ev->bytes, 24, repr, sizeof repr);
        snprintf(line, sizeof line, "%7.2f s  #%d %s %zu B %s", t, ev->id, rv ? "recv" : "send",
                 ev->bytes, repr);
        snprintf(ja, sizeof ja, "%7.2f 秒  #%d %s %zu B %s", t, ev->id,
                 rv ? "recv で受信" : "send で送信", ev->bytes, repr);
        break;
    }
    case NET_LIVE_EV_CLOSE:
        snprintf(line, sizeof line, "%7.2f s  #%d closed (in %llu B, out %llu B)", t, ev->id,
                 (unsigned long long)ev->bytes_in, (unsigned long long)ev->bytes_out);
        snprintf(ja, sizeof ja, "%7.2f 秒  #%d 切断 (受信 %llu B, 送信 %llu B)", t, ev->id,
                 (unsigned long long)ev->bytes_in, (unsigned long long)ev->bytes_out);
        break;
    case NET_LIVE_EV_ERROR:
        snprintf(line, sizeof line, "%7.2f s  #%d %s: %s", t, ev->id,
                 ev->exception ? ev->exception : "error", ev->message ? ev->message : "");
        snprintf(ja, sizeof ja, "%7.2f 秒  #%d %s: %s", t, ev->id,
                 ev->exception ? ev->exception : "エラー", ev->message ? ev->message : "");
        break;
    case NET_LIVE_EV_EVICT:
        snprintf(line, sizeof line, "%7.2f s  #%d closed by us (%s)", t, ev->id,
                 ev->message ? ev->message : "");
        snprintf(ja, sizeof ja, "%7.2f 秒  #%d をこちらから切断 (%s)", t, ev->id,
                 ev->message && !strcmp(ev->message, "idle-timeout") ? "無通信" : "接続数の上限");
        break;
    default:
        return; /* samples redraw the bars, not the log */
    }
    if (lg->n == LIVE_LOG) {
        memmove(lg->lines[0], lg->lines[1], sizeof lg->lines[0] * (LIVE_LOG - 1));
        memmove(lg->lines_ja[0], lg->lines_ja[1], sizeof lg->lines_ja[0] * (LIVE_LOG - 1));
        lg->n--;
    }
    snprintf(lg->lines_ja[lg->n], sizeof lg->lines_ja[0], "%s", ja);
    snprintf(lg->lines[lg->n++], sizeof lg->lines[0], "%s", line);
}

/* The trail's chunks as the window draws them (values, with their reprs). */
static int lv_chips(const live *l, live_trail_entry *tr, viz_live_chip *out, int max)
{
    int n = live_trail_of(l, VIZ_LIVE_TRAIL_MS, tr, max);
    for (int i = 0; i < n; i++) {
        viz_live_chip *ch = &out[i];
        memset(ch, 0, sizeof *ch);
        ch->conn_id = tr[i].conn_id;
        ch->outbound = tr[i].outbound;
        ch->bytes = tr[i].bytes;
        ch->t_ms = tr[i].t_ms;
        ch->wire_t_ms = tr[i].wire_t_ms;
        ch->acked_t_ms = tr[i].acked_t_ms;
        if (tr[i].head_len > 0) {
            /* a chunk longer than its head (24 B) always exceeds these
             * widths, so its repr ends in "..." */
            live_bytes_repr(tr[i].head, tr[i].head_len, tr[i].head_len, ch->repr, 22);
            live_bytes_repr(tr[i].head, tr[i].head_len, tr[i].head_len, ch->repr_short, 12);
        }
    }
    return n;
}

int viz_live_window(const live_opts *o)
{
    live_config cfg = o->cfg;
    char err[NET_ERR_LEN] = "", addr[320];
    const char *host = cfg.host ? cfg.host : "";
    int w = o->width, h = o->height, rc = 1;
    double max_s = o->max_seconds;
    const char *shot = o->screenshot;
    viz_ui ui = {.lang = !strcmp(o->lang, "ja") ? VIZ_LANG_JA : VIZ_LANG_EN, .zoom = 1.0,
                 .speed = 1.0};
    lv_log lg = {.n = 0};
    cfg.on_event = lv_on_event;
    cfg.user = &lg;
    if (!o->sample_ms_given)
        cfg.sample_ms = 50;
    SDL_Window *win = NULL;
    SDL_Renderer *ren = NULL;
    viz_text *text = NULL;
    live *l = live_new(&cfg, err);
    live_conn *conns = calloc(LIVE_ROWS, sizeof *conns);
    viz_live_row *rows = calloc(LIVE_ROWS, sizeof *rows);
    live_trail_entry *trail = calloc(LIVE_CHIPS, sizeof *trail);
    viz_live_chip *chips = calloc(LIVE_CHIPS, sizeof *chips);
    if (!l || !conns || !rows || !trail || !chips) {
        fprintf(stderr, "sockbuf live: %s\n", err[0] ? err : "out of memory");
        goto out;
    }
    snprintf(addr, sizeof addr, "%s:%d", host[0] ? host : "127.0.0.1", live_port(l));
    if (open_window("live", w, h, &win, &ren, &text) < 0)
        goto out;
    Uint64 start = SDL_GetTicks64();
    bool done = false;
    viz_keys_window keys = {.help = false};
    while (!done) {
        SDL_Event ev;
        while (SDL_PollEvent(&ev)) {
            if (ev.type == SDL_QUIT)
                done = true;
            /* The key table's live rows (viz_keys.c): Esc never quits. */
            viz_key_action act = viz_keys_window_event(&keys, VIZ_KEYS_LIVE, &ev);
            if (act != VIZ_KEY_NONE)
                small_window_key(win, &ui, act);
            done |= keys.quit;
        }
        window_ui_keys(&ui, &keys);
        int prc = live_poll(l, 15);
        if (prc < 0) {
            fprintf(stderr, "sockbuf live: poll: %s\n", strerror(-prc));
            goto out;
        }
        if (max_s > 0 && (double)(SDL_GetTicks64() - start) / 1000.0 >= max_s)
            done = true;
        int open = live_conns(l, conns, LIVE_ROWS);
        int n = open < LIVE_ROWS ? open : LIVE_ROWS;
        for (int i = 0; i < n; i++) {
            const live_conn *cn = &conns[i];
            viz_live_row *rw = &rows[i];
            memset(rw, 0, sizeof *rw);
            rw->id = cn->id;
            snprintf(rw->peer, sizeof rw->peer, "%s", cn->peer);
            snprintf(rw->state, sizeof rw->state, "%s", cn->probe.state);
            rw->bytes_in = cn->bytes_in;
            rw->bytes_out = cn->bytes_out;
            rw->pending_bytes = cn->pending_bytes;
            rw->reading = cn->reading;
            rw->eof = cn->eof;
            rw->probe_valid = cn->probe_valid;
            rw->unsent_bytes = cn->probe.unsent_bytes;
            rw->in_flight_bytes = cn->probe.in_flight_bytes;
            rw->recv_queue_bytes = cn->probe.recv_queue_bytes;
            rw->sndbuf_bytes = cn->probe.sndbuf_bytes;
            rw->rcvbuf_bytes = cn->probe.rcvbuf_bytes;
        }
        const char *log[LIVE_LOG], *log_ja[LIVE_LOG];
        for (int i = 0; i < lg.n; i++) {
            log[i] = lg.lines[i];
            log_ja[i] = lg.lines_ja[i];
        }
        viz_live_view view = {.listening = cfg.mode == NET_LIVE_LISTEN, .addr = addr,
                              .rows = rows, .n = n, .open = open, .chips = chips,
                              .nchips = lv_chips(l, trail, chips, LIVE_CHIPS),
                              .now_ms = live_elapsed_ms(l), .log_en = log,
                              .log_ja = log_ja, .nlog = lg.n};
        int ow = 0, oh = 0;
        SDL_GetRendererOutputSize(ren, &ow, &oh);
        viz_draw_live(ren, text, &view, &ui, ow, oh);
        if (ui.help)
            viz_draw_help_in(ren, text, &ui, VIZ_KEYS_LIVE, ow, oh);
        if (done && shot)
            save_screenshot(ren, shot);
        SDL_RenderPresent(ren);
        if (prc == 0)
            SDL_Delay(15); /* connect finished: keep showing until Q, Q */
    }
    rc = 0;
out:
    live_free(l);
    free(conns);
    free(rows);
    free(trail);
    free(chips);
    window_close(win, ren, text);
    return rc;
}

int viz_trace_window(trace_session *s, const viz_trace_opts *o)
{
    int w = o->width > 0 ? o->width : 1280, h = o->height > 0 ? o->height : 720, rc = 1;
    viz_ui ui = {.lang = o->lang && !strcmp(o->lang, "ja") ? VIZ_LANG_JA : VIZ_LANG_EN,
                 .zoom = 1.0,
                 .speed = 1.0};
    SDL_Window *win = NULL;
    SDL_Renderer *ren = NULL;
    viz_text *text = NULL;
    viz_trace_view v = {.s = s, .o = o, .src = viz_trace_src_new()};
    bool follow = true; /* the view is "now" */
    viz_keys_window keys = {.help = false};
    if (open_window("trace", w, h, &win, &ren, &text) < 0)
        goto out;
    Uint64 last_release = 0;
    bool done = false;
    while (!done) {
        SDL_Event ev;
        size_t n = trace_event_count(s);
        while (SDL_PollEvent(&ev)) {
            if (ev.type == SDL_QUIT)
                done = true;
            /* The key table's trace rows (viz_keys.c): Esc never quits. */
            viz_key_action act = viz_keys_window_event(&keys, VIZ_KEYS_TRACE, &ev);
            done |= keys.quit;
            if (act == VIZ_KEY_NONE || ev.type != SDL_KEYDOWN)
                continue;
            SDL_Keycode k = ev.key.keysym.sym;
            if (act == VIZ_KEY_NEXT) {
                if (!follow && v.view + 1 < n)
                    v.view++;
                else if (!follow)
                    follow = true;
                else if (k == SDLK_SPACE || trace_held(s))
                    trace_release(s);
            } else if (act == VIZ_KEY_PREV) {
                if (follow) {
                    follow = false;
                    v.view = n ? n - 1 : 0;
                } else if (v.view > 0) {
                    v.view--;
                }
            } else if (act == VIZ_KEY_FIRST) {
                follow = false;
                v.view = 0;
            } else if (act == VIZ_KEY_LAST) {
                follow = true;
            } else if (act == VIZ_KEY_AUTOPLAY) {
                v.playing = !v.playing;
                follow = true;
            } else {
                small_window_key(win, &ui, act);
            }
        }
        window_ui_keys(&ui, &keys);
        int prc = v.ended ? 0 : trace_pump(s, 10);
        if (prc < 0) {
            fprintf(stderr, "sockbuf trace: %s\n", strerror(-prc));
            goto out;
        }
        if (prc == 0)
            v.ended = true;
        Uint64 now = SDL_GetTicks64();
        n = trace_event_count(s);
        bool demo = o->demo_calls > 0;
        if ((v.playing || demo) && trace_held(s) && now - last_release >= (demo ? 60u : 400u) &&
            (!demo || n < (size_t)o->demo_calls)) {
            trace_release(s);
            last_release = now;
        }
        if (follow)
            v.view = n; /* "now" */
        if (demo && (n >= (size_t)o->demo_calls || v.ended)) {
            /* Let a held call's queues be read once more, then draw. */
            trace_pump(s, 50);
            done = true;
        }
        int ow = 0, oh = 0;
        SDL_GetRendererOutputSize(ren, &ow, &oh);
        viz_draw_trace(ren, text, &v, &ui, ow, oh);
        if (ui.help)
            viz_draw_help_in(ren, text, &ui, VIZ_KEYS_TRACE, ow, oh);
        if (done && o->screenshot)
            save_screenshot(ren, o->screenshot);
        SDL_RenderPresent(ren);
        SDL_Delay(10);
    }
    rc = 0;
out:
    viz_trace_src_free(v.src);
    window_close(win, ren, text);
    return rc;
}
