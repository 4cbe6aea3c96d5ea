/* viz_app.c: lessons, steps and keys for the window. See viz_app.h.
 *
 * Keys follow presentation software: Space / Right / PageDown next step,
 * Left / PageUp previous, Home / End, P autoplay, + and - speed, L
 * language, F / F11 fullscreen, Ctrl+= / Ctrl+- text zoom, R restart,
 * 1-9 a bundled lesson, 0 the picker, ? / F1 help, Esc / Q quit.
 */
#include "viz_app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lesson.h"
#include "viz_anim.h"
#include "viz_scene.h"
#include "viz_steps.h"

#define STEP_MS        1000.0 /* a step's animation at speed 1 */
#define AUTOPLAY_PAUSE 1800   /* ms between the end of a step and the next */
#define TOAST_MS       3500

typedef struct {
    char *path;
    lesson_doc *doc; /* parsed for its titles; NULL when it does not parse */
} lesson_entry;

struct viz_app {
    lesson_entry lessons[VIZ_MAX_LESSONS];
    int nlessons;
    viz_pick_item items[VIZ_MAX_LESSONS];
    bool picker;
    int selected;
    int lesson;          /* index into lessons, or -1 */
    lesson_doc *own_doc; /* a lesson given by path, not bundled */
    lesson_doc *retired[VIZ_MAX_LESSONS]; /* earlier own_docs, freed at the end */
    int nretired;
    const lesson_doc *doc;
    viz_steps *steps; /* the lesson's steps, run on a worker thread */
    bool sim_only;
    int cur;          /* step shown, -1 before the first */
    int want;         /* step asked for and not computed yet, or -1 */
    double want_ms;   /* how long it has been waited for */
    viz_scene scene;  /* the shown step's picture */
    viz_anim *anim;
    viz_frame *frame;
    double anim_ms;  /* wall time into the step's animation */
    double pause_ms; /* autoplay: wall time since the animation ended */
    viz_ui ui;
    bool fullscreen;
    bool quit;
    char toast[400];
    double toast_ms;
    /* Prefetch of the next step's text (viz_draw_prefetch), for the step,
     * language, zoom and size it was started for; cursor -1: done. */
    int pf_step, pf_cursor, pf_w, pf_h;
    viz_lang pf_lang;
    double pf_zoom;
};

static void set_toast(viz_app *a, const char *msg)
{
    snprintf(a->toast, sizeof a->toast, "%s", msg);
    a->toast_ms = TOAST_MS;
}

static void drop_steps(viz_app *a)
{
    viz_steps_free(a->steps); /* never waits: the worker ends on its own */
    a->steps = NULL;
    a->cur = a->want = -1;
}

/* Fresh sockets: a new worker runs the lesson from its first step. */
static int new_steps(viz_app *a)
{
    char err[256] = "";
    drop_steps(a);
    unsigned modes = a->sim_only ? LESSON_MODE_SIM : LESSON_MODE_BOTH;
    a->steps = viz_steps_new(a->doc, NULL, modes, err, sizeof err);
    if (!a->steps) {
        set_toast(a, err);
        return -ENOMEM;
    }
    viz_scene_free(&a->scene);
    viz_scene_init(&a->scene, a->doc);
    return 0;
}

/* Shows step k when it has been computed; else remembers to. */
static int show_step(viz_app *a, int k)
{
    viz_scene sc;
    int rc = viz_steps_get(a->steps, k, &sc);
    if (rc == -EAGAIN) {
        if (a->want != k)
            a->want_ms = 0;
        a->want = k;
        return 0;
    }
    a->want = -1;
    if (rc < 0) {
        const char *m = viz_steps_message(a->steps);
        char msg[400];
        snprintf(msg, sizeof msg, "step %d: %s", k + 1, m[0] ? m : strerror(-rc));
        set_toast(a, msg);
        return rc;
    }
    viz_scene_free(&a->scene);
    a->scene = sc;
    a->cur = k;
    if (viz_anim_build(a->anim, &a->scene) < 0)
        return -ENOMEM;
    a->anim_ms = 0;
    a->pause_ms = 0;
    return 0;
}

int viz_app_goto(viz_app *a, int k)
{
    if (!a->doc || a->doc->nsteps == 0)
        return 0;
    if (k < 0)
        k = 0;
    if (k >= (int)a->doc->nsteps)
        k = (int)a->doc->nsteps - 1;
    if (!a->steps) {
        int rc = new_steps(a);
        if (rc < 0)
            return rc;
    }
    return show_step(a, k) < 0 ? -EIO : 0;
}

int viz_app_wait(viz_app *a)
{
    while (a->steps && a->want >= 0) {
        int rc = show_step(a, a->want);
        if (rc < 0)
            return rc;
        if (a->want >= 0) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    return 0;
}

/* A lesson given by path that is no longer shown: workers may still read
 * it, so it is freed at the end (or once they are all gone). */
static void retire_doc(viz_app *a)
{
    if (!a->own_doc)
        return;
    if (a->nretired == VIZ_MAX_LESSONS) {
        viz_steps_join_all();
        for (int i = 0; i < a->nretired; i++)
            lesson_doc_free(a->retired[i]);
        a->nretired = 0;
    }
    a->retired[a->nretired++] = a->own_doc;
    a->own_doc = NULL;
}

static void load_bundled(viz_app *a)
{
    char *paths[VIZ_MAX_LESSONS];
    int n = lesson_list_bundled(paths, VIZ_MAX_LESSONS);
    if (n < 0)
        n = 0;
    for (int i = 0; i < n; i++) {
        lesson_diag diags[LESSON_MAX_DIAGS];
        int nd = 0;
        a->lessons[i].path = paths[i];
        a->lessons[i].doc = lesson_parse_file(paths[i], diags, &nd);
        const lesson_doc *d = a->lessons[i].doc;
        const char *base = strrchr(paths[i], '/');
        a->items[i].name = d ? d->name : base ? base + 1 : paths[i];
        a->items[i].title = d ? d->title : NULL;
        a->items[i].title_ja = d ? d->title_ja : NULL;
    }
    a->nlessons = n;
}

static int open_doc(viz_app *a, const lesson_doc *doc, int index)
{
    a->doc = doc;
    a->lesson = index;
    a->picker = false;
    a->ui.help = false;
    drop_steps(a);
    return viz_app_goto(a, 0);
}

static void open_bundled(viz_app *a, int i)
{
    if (i < 0 || i >= a->nlessons)
        return;
    if (!a->lessons[i].doc) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s does not parse: sockbuf check %s", a->lessons[i].path,
                 a->lessons[i].path);
        set_toast(a, msg);
        return;
    }
    retire_doc(a);
    a->selected = i;
    open_doc(a, a->lessons[i].doc, i);
}

static void show_picker(viz_app *a)
{
    drop_steps(a);
    a->picker = true;
    a->doc = NULL;
    viz_scene_free(&a->scene);
    viz_scene_init(&a->scene, NULL);
}

viz_app *viz_app_new(const char *lesson_path, viz_lang lang, bool sim_only, char *err,
                     size_t errlen, int *status)
{
    *status = 1;
    viz_app *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "viz_app_new: out of memory");
        return NULL;
    }
    viz_scene_init(&a->scene, NULL);
    a->cur = a->want = -1;
    a->anim = viz_anim_new();
    a->frame = calloc(1, sizeof *a->frame);
    if (!a->anim || !a->frame) {
        snprintf(err, errlen, "viz_app_new: out of memory");
        goto fail;
    }
    a->ui = (viz_ui){.lang = lang, .zoom = 1.0, .speed = 1.0};
    a->sim_only = sim_only;
    a->lesson = -1;
    load_bundled(a);
    if (!lesson_path) {
        show_picker(a);
        return a;
    }
    char path[4096];
    if (lesson_find(lesson_path, path, sizeof path) < 0) {
        snprintf(err, errlen, "sockbuf: no lesson '%s' (a path, or a bundled name such as basics)",
                 lesson_path);
        *status = 2;
        goto fail;
    }
    lesson_diag diags[LESSON_MAX_DIAGS];
    int nd = 0;
    a->own_doc = lesson_parse_file(path, diags, &nd);
    if (!a->own_doc) {
        size_t off = 0;
        err[0] = 0;
        for (int i = 0; i < nd && off < errlen; i++)
            off += (size_t)snprintf(err + off, errlen - off, "%s%s:%d:%d: error: %s", i ? "\n" : "",
                                    path, diags[i].line, diags[i].col, diags[i].message);
        *status = 2;
        goto fail;
    }
    int index = -1;
    for (int i = 0; i < a->nlessons; i++)
        if (!strcmp(a->lessons[i].path, path))
            index = i;
    open_doc(a, a->own_doc, index);
    if (index >= 0)
        a->selected = index;
    *status = 0;
    return a;
fail:
    viz_app_free(a);
    return NULL;
}

void viz_app_free(viz_app *a)
{
    if (!a)
        return;
    drop_steps(a);
    viz_steps_join_all(); /* the workers borrow the documents freed below */
    viz_scene_free(&a->scene);
    viz_anim_free(a->anim);
    free(a->frame);
    lesson_doc_free(a->own_doc);
    for (int i = 0; i < a->nretired; i++)
        lesson_doc_free(a->retired[i]);
    for (int i = 0; i < a->nlessons; i++) {
        free(a->lessons[i].path);
        lesson_doc_free(a->lessons[i].doc);
    }
    free(a);
}

static double step_ms(const viz_app *a)
{
    return STEP_MS / (a->ui.speed > 0 ? a->ui.speed : 1.0);
}

static bool picker_key(viz_app *a, SDL_Keycode sym)
{
    switch (sym) {
    case SDLK_UP:
        if (a->selected > 0)
            a->selected--;
        return true;
    case SDLK_DOWN:
        if (a->selected + 1 < a->nlessons)
            a->selected++;
        return true;
    case SDLK_RETURN:
    case SDLK_KP_ENTER:
    case SDLK_SPACE:
    case SDLK_RIGHT:
        open_bundled(a, a->selected);
        return true;
    default:
        return false;
    }
}

bool viz_app_handle_event(viz_app *a, const SDL_Event *ev)
{
    if (ev->type == SDL_QUIT) {
        a->quit = true;
        return true;
    }
    if (ev->type == SDL_TEXTINPUT) {
        /* '?' and '+' come as text on every layout. */
        if (!strcmp(ev->text.text, "?")) {
            a->ui.help = !a->ui.help;
            return true;
        }
        return false;
    }
    if (ev->type != SDL_KEYDOWN)
        return false;
    SDL_Keycode sym = ev->key.keysym.sym;
    Uint16 mod = ev->key.keysym.mod;
    bool ctrl = (mod & KMOD_CTRL) != 0;
    bool shift = (mod & KMOD_SHIFT) != 0;

    /* keys that work everywhere */
    if (ctrl && (sym == SDLK_EQUALS || sym == SDLK_PLUS || sym == SDLK_KP_PLUS)) {
        a->ui.zoom = viz_zoom_step(a->ui.zoom, +1);
        return true;
    }
    if (ctrl && (sym == SDLK_MINUS || sym == SDLK_KP_MINUS)) {
        a->ui.zoom = viz_zoom_step(a->ui.zoom, -1);
        return true;
    }
    if (ctrl && sym == SDLK_0) {
        a->ui.zoom = 1.0;
        return true;
    }
    switch (sym) {
    case SDLK_ESCAPE:
        if (a->ui.help)
            a->ui.help = false;
        else
            a->quit = true;
        return true;
    case SDLK_q:
        a->quit = true;
        return true;
    case SDLK_F1:
        a->ui.help = !a->ui.help;
        return true;
    case SDLK_QUESTION:
    case SDLK_SLASH:
        /* With text input on, '?' arrives as SDL_TEXTINPUT instead. */
        if ((sym == SDLK_QUESTION || shift) && !SDL_IsTextInputActive()) {
            a->ui.help = !a->ui.help;
            return true;
        }
        return false;
    case SDLK_l:
        a->ui.lang = a->ui.lang == VIZ_LANG_JA ? VIZ_LANG_EN : VIZ_LANG_JA;
        return true;
    case SDLK_f:
    case SDLK_F11:
        a->fullscreen = !a->fullscreen;
        return true;
    case SDLK_0:
    case SDLK_KP_0:
        show_picker(a);
        return true;
    default:
        break;
    }
    if ((sym >= SDLK_1 && sym <= SDLK_9) || (sym >= SDLK_KP_1 && sym <= SDLK_KP_9)) {
        int i = sym >= SDLK_KP_1 ? (int)(sym - SDLK_KP_1) : (int)(sym - SDLK_1);
        if (i < a->nlessons)
            open_bundled(a, i);
        else
            set_toast(a, "no such lesson");
        return true;
    }
    if (a->picker)
        return picker_key(a, sym);

    /* Keys act on the step asked for, so pressing ahead of the worker
     * is remembered (Space twice while step 5 runs: step 6 next). */
    int cur = a->want >= 0 ? a->want : a->cur;
    int last = a->doc ? (int)a->doc->nsteps - 1 : -1;
    switch (sym) {
    case SDLK_SPACE:
    case SDLK_RIGHT:
    case SDLK_PAGEDOWN:
    case SDLK_DOWN:
        if (cur < last)
            viz_app_goto(a, cur + 1);
        else
            a->anim_ms = step_ms(a); /* at the end: finish the animation */
        return true;
    case SDLK_LEFT:
    case SDLK_PAGEUP:
    case SDLK_UP:
        if (cur > 0)
            viz_app_goto(a, cur - 1);
        else
            viz_app_goto(a, 0);
        return true;
    case SDLK_HOME:
        viz_app_goto(a, 0);
        return true;
    case SDLK_r:
        drop_steps(a);
        viz_app_goto(a, 0);
        return true;
    case SDLK_END:
        viz_app_goto(a, last);
        return true;
    case SDLK_w:
        a->ui.kernel_wire = !a->ui.kernel_wire;
        return true;
    case SDLK_p:
        a->ui.autoplay = !a->ui.autoplay;
        a->pause_ms = 0;
        return true;
    case SDLK_PLUS:
    case SDLK_KP_PLUS:
    case SDLK_EQUALS:
        a->ui.speed = a->ui.speed * 1.5 > 8 ? 8 : a->ui.speed * 1.5;
        return true;
    case SDLK_MINUS:
    case SDLK_KP_MINUS:
        a->ui.speed = a->ui.speed / 1.5 < 0.125 ? 0.125 : a->ui.speed / 1.5;
        return true;
    default:
        return false;
    }
}

bool viz_app_tick(viz_app *a, double dt_ms)
{
    bool moving = false;
    if (a->toast_ms > 0) {
        a->toast_ms -= dt_ms;
        moving = true;
    }
    if (a->picker || !a->steps)
        return moving;
    if (a->want >= 0) {
        /* The step asked for is still running: ask again each frame. */
        a->want_ms += dt_ms;
        show_step(a, a->want);
        return true;
    }
    if (a->pf_cursor >= 0)
        moving = true; /* idle frames finish the next step's prefetch */
    double total = step_ms(a);
    if (a->anim_ms < total) {
        a->anim_ms += dt_ms;
        if (a->anim_ms > total)
            a->anim_ms = total;
        return true;
    }
    if (a->ui.autoplay) {
        a->pause_ms += dt_ms;
        int cur = a->cur;
        if (a->pause_ms >= AUTOPLAY_PAUSE / (a->ui.speed > 0 ? a->ui.speed : 1.0)) {
            if (a->doc && cur + 1 < (int)a->doc->nsteps)
                viz_app_goto(a, cur + 1);
            else
                a->ui.autoplay = false;
        }
        return true;
    }
    return moving;
}

void viz_app_draw(viz_app *a, SDL_Renderer *r, viz_text *t, int w, int h)
{
    char running[96];
    a->ui.toast = a->toast_ms > 0 ? a->toast : NULL;
    if (a->want >= 0) {
        /* Said at once, so the key is seen to be taken. */
        snprintf(running, sizeof running,
                 a->ui.lang == VIZ_LANG_JA ? "ステップ %d を実行中…" : "running step %d…",
                 a->want + 1);
        a->ui.toast = running;
    }
    if (a->picker) {
        viz_draw_picker(r, t, a->items, a->nlessons, a->selected, &a->ui, w, h);
        return;
    }
    double p = a->anim_ms / step_ms(a);
    viz_anim_seek(a->anim, &a->scene, p, a->frame);
    if (a->ui.kernel_wire && viz_anim_kernel_wire(&a->scene, p, a->frame) < 0 && !a->ui.toast)
        a->ui.toast = viz_label(a->ui.lang, VIZ_L_WIRE_KERNEL_NONE);
    viz_draw_scene(r, t, &a->scene, a->frame, &a->ui, w, h);
    /* A text of the next step a frame, so changing step renders nothing
     * new (viz_app_tick asks for frames until it is done). */
    int next = a->cur + 1;
    if (next != a->pf_step || a->ui.lang != a->pf_lang || a->ui.zoom != a->pf_zoom ||
        w != a->pf_w || h != a->pf_h) {
        a->pf_step = next;
        a->pf_lang = a->ui.lang;
        a->pf_zoom = a->ui.zoom;
        a->pf_w = w;
        a->pf_h = h;
        a->pf_cursor = 0;
    }
    viz_draw_prefetch(t, a->doc, next, &a->ui, w, h, &a->pf_cursor, 1);
}

void viz_app_get(const viz_app *a, viz_app_info *out)
{
    memset(out, 0, sizeof *out);
    out->picker = a->picker;
    out->picker_selected = a->selected;
    out->lesson = a->lesson;
    out->step = a->cur;
    out->pending_step = a->want;
    out->nsteps = a->doc ? (int)a->doc->nsteps : 0;
    double total = step_ms(a);
    out->progress = total > 0 ? a->anim_ms / total : 1.0;
    out->lang = a->ui.lang;
    out->zoom = a->ui.zoom;
    out->speed = a->ui.speed;
    out->autoplay = a->ui.autoplay;
    out->help = a->ui.help;
    out->fullscreen = a->fullscreen;
    out->quit = a->quit;
    out->real = a->steps && (viz_steps_modes(a->steps) & LESSON_MODE_REAL);
    out->computing = a->steps && viz_steps_busy(a->steps);
}
