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

#include "lesson.h"
#include "lesson_run.h"
#include "viz_anim.h"
#include "viz_scene.h"

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
    const lesson_doc *doc;
    lesson_runner *runner;
    unsigned modes;
    bool sim_only;
    viz_scene scene;
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

void viz_app_toast(viz_app *a, const char *msg)
{
    set_toast(a, msg);
}

static void drop_runner(viz_app *a)
{
    lesson_runner_free(a->runner);
    a->runner = NULL;
}

static int new_runner(viz_app *a)
{
    char err[256] = "";
    drop_runner(a);
    a->modes = a->sim_only ? LESSON_MODE_SIM : LESSON_MODE_BOTH;
    a->runner = lesson_runner_new(a->doc, a->modes, err, sizeof err);
    if (!a->runner && a->modes != LESSON_MODE_SIM) {
        /* No loopback (a sandbox): the model alone still teaches. */
        char msg[320];
        snprintf(msg, sizeof msg, "real sockets off: %s", err);
        set_toast(a, msg);
        a->modes = LESSON_MODE_SIM;
        a->runner = lesson_runner_new(a->doc, a->modes, err, sizeof err);
    }
    if (!a->runner) {
        set_toast(a, err[0] ? err : "lesson_runner_new failed");
        return -ENOMEM;
    }
    viz_scene_free(&a->scene);
    viz_scene_init(&a->scene, a->doc);
    return 0;
}

/* Runs one more step and captures the scene around it (every step, so a
 * replay shows what stepping forward showed: a side blocked since an
 * earlier step keeps its statement); animate builds the timeline. */
static int run_step(viz_app *a, bool animate)
{
    viz_scene_capture_before(&a->scene, a->runner);
    int rc = lesson_runner_step(a->runner);
    if (rc != 0)
        return rc;
    int crc = viz_scene_capture_after(&a->scene, a->runner);
    if (crc < 0)
        return crc;
    if (animate) {
        if (viz_anim_build(a->anim, &a->scene) < 0)
            return -ENOMEM;
        a->anim_ms = 0;
        a->pause_ms = 0;
    }
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
    int cur = a->runner ? lesson_runner_step_index(a->runner) : -1;
    int rc = 0;
    if (!a->runner || k <= cur) {
        rc = new_runner(a);
        if (rc < 0)
            return rc;
        cur = -1;
    }
    while (cur < k) {
        rc = run_step(a, cur + 1 == k);
        if (rc != 0)
            break;
        cur++;
    }
    if (rc < 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "step %d: %s", cur + 2, strerror(-rc));
        set_toast(a, msg);
    }
    return rc < 0 ? rc : 0;
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
    drop_runner(a);
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
    lesson_doc_free(a->own_doc);
    a->own_doc = NULL;
    a->selected = i;
    open_doc(a, a->lessons[i].doc, i);
}

static void show_picker(viz_app *a)
{
    drop_runner(a);
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
    drop_runner(a);
    viz_scene_free(&a->scene);
    viz_anim_free(a->anim);
    free(a->frame);
    lesson_doc_free(a->own_doc);
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
        a->ui.zoom = a->ui.zoom * 1.15 > 2.5 ? 2.5 : a->ui.zoom * 1.15;
        return true;
    }
    if (ctrl && (sym == SDLK_MINUS || sym == SDLK_KP_MINUS)) {
        a->ui.zoom = a->ui.zoom / 1.15 < 0.6 ? 0.6 : a->ui.zoom / 1.15;
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

    int cur = a->runner ? lesson_runner_step_index(a->runner) : -1;
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
    case SDLK_r:
        drop_runner(a);
        viz_app_goto(a, 0);
        return true;
    case SDLK_END:
        viz_app_goto(a, last);
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
    if (a->picker || !a->runner)
        return moving;
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
        int cur = lesson_runner_step_index(a->runner);
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
    a->ui.toast = a->toast_ms > 0 ? a->toast : NULL;
    if (a->picker) {
        viz_draw_picker(r, t, a->items, a->nlessons, a->selected, &a->ui, w, h);
        return;
    }
    double p = a->anim_ms / step_ms(a);
    viz_anim_seek(a->anim, &a->scene, p, a->frame);
    viz_draw_scene(r, t, &a->scene, a->frame, &a->ui, w, h);
    /* A text of the next step a frame, so changing step renders nothing
     * new (viz_app_tick asks for frames until it is done). */
    int next = a->runner ? lesson_runner_step_index(a->runner) + 1 : 0;
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
    out->step = a->runner ? lesson_runner_step_index(a->runner) : -1;
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
    out->real = a->runner && (a->modes & LESSON_MODE_REAL);
}
