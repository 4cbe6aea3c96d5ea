/* viz_app.c: lessons, steps and keys for the window. See viz_app.h.
 *
 * Keys follow presentation software; which key does what is the table in
 * viz_keys.c (the help overlay lists the same rows): an event is looked
 * up there in the contexts that hold now and its action runs here
 * (run_action). A step with a question holds before it plays: A-D vote,
 * Space reveals. "What if": Tab opens the prompt (viz_prompt.c), Enter
 * runs the typed line as a new step (viz_session.c builds its lesson
 * text), Ctrl+Z undoes it, Ctrl+S saves the session, M cycles the
 * latency 1/5/50 ms.
 */
#include "viz_app.h"
#include "viz_msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lesson.h"
#include "viz_anim.h"
#include "viz_keys.h"
#include "viz_presenter.h"
#include "viz_prompt.h"
#include "viz_question.h"
#include "viz_scene.h"
#include "viz_session.h"
#include "viz_steps.h"
#include "viz_theme.h"

#define AUTOPLAY_PAUSE 1800   /* ms between the end of a step and the next */
#define FRAME_MS       40.0   /* , and . move the frozen animation this much (speed 1) */
#define TOAST_MS       3500
#define REPLACED_MS    10000 /* "the typed line replaced the rest" stays this long */

typedef struct {
    char *path;
    lesson_doc *doc; /* parsed for its titles; NULL when it does not parse */
    bool parsed;     /* doc and its item are set (parse_bundled) */
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
    char recorded_dir[1024];  /* the model's recorded kernel half (viz_app_set_recorded), or "" */
    lesson_wire_handle *wire; /* the real mode's (borrowed), or NULL: loopback */
    int cur;          /* step shown, -1 before the first */
    int want;         /* step asked for and not computed yet, or -1 */
    double want_ms;   /* how long it has been waited for */
    viz_scene scene;  /* the shown step's picture */
    viz_anim *anim;
    viz_frame *frame;
    double anim_ms;  /* wall time into the step's animation */
    double pause_ms; /* autoplay: wall time since the animation ended */
    bool frozen;     /* K: time stands still; , . move it a frame */
    viz_ui ui;
    int nar_pages;   /* pages of the shown step's narration, as last drawn (0: not drawn yet) */
    bool fullscreen;
    bool quit;
    char toast[2][400]; /* the message in English and in Japanese (L switches it too) */
    double toast_ms;
    /* Prefetch of the next step's text (viz_draw_prefetch), for the step,
     * language, zoom and size it was started for; cursor -1: done. */
    int pf_step, pf_cursor, pf_w, pf_h;
    viz_lang pf_lang;
    double pf_zoom;
    /* Questions: the shown step's question is held until Space. */
    bool asking;
    int tally[VIZ_QUESTION_KEYS];
    /* What if: the prompt, the session's lesson text and its undo stack. */
    viz_prompt *prompt;
    char *session;               /* the lesson text now shown, or NULL: the file's */
    char *undo[VIZ_MAX_LESSONS]; /* earlier session texts (NULL: the file's) */
    int undo_step[VIZ_MAX_LESSONS];
    int nundo;
    int session_steps; /* typed steps in the session */
    char saved[512];   /* the last session file written */
    viz_key_action key_action; /* the table's action of the last event, or VIZ_KEY_NONE */
    /* Safe keys: an action that would lose the class's work waits for
     * the same key again (confirm_*); Q waits for a second Q. */
    viz_key_action confirm_act; /* the action asked about, or VIZ_KEY_NONE */
    SDL_Keycode confirm_sym;    /* its key */
    bool quit_asked;            /* Q was pressed once: Q again quits */
    char vote_log[64];          /* the votes of the question shown, in order ('A'..) */
    int nvote_log;
    /* G: the step number being typed ("" when G was just pressed). */
    bool goto_open;
    char goto_text[8];
    int spotlight; /* B: 0 off, else 1 + the buffer (viz_spot.rect's index) */
    bool presenter; /* a presenter's view is open: this window is the class's */
};

/* A message for a while at the bottom, in both languages (en, ja), so
 * that L switches a message already shown. */
static void set_toast2(viz_app *a, const char *en, const char *ja)
{
    snprintf(a->toast[VIZ_LANG_EN], sizeof a->toast[0], "%s", en);
    snprintf(a->toast[VIZ_LANG_JA], sizeof a->toast[0], "%s", ja);
    a->toast_ms = TOAST_MS;
}

/* A message that is the same in both languages (the system's or the
 * runner's words). */
static void set_toast(viz_app *a, const char *msg)
{
    set_toast2(a, msg, msg);
}

static void drop_steps(viz_app *a)
{
    viz_steps_free(a->steps); /* never waits: the worker ends on its own */
    a->steps = NULL;
    a->cur = a->want = -1;
}

/* A new worker for a->doc, from fresh sockets (the old one dropped);
 * the scene on screen is left as it is. -ENOMEM, said in a message. */
static int start_worker(viz_app *a)
{
    char err[256] = "";
    drop_steps(a);
    unsigned modes = a->sim_only ? LESSON_MODE_SIM : LESSON_MODE_BOTH;
    a->steps = viz_steps_new(a->doc, NULL, modes, a->wire,
                             a->recorded_dir[0] ? a->recorded_dir : NULL, err, sizeof err);
    if (!a->steps) {
        set_toast(a, err);
        return -ENOMEM;
    }
    return 0;
}

/* Fresh sockets: a new worker runs the lesson from its first step. */
static int new_steps(viz_app *a)
{
    int rc = start_worker(a);
    if (rc < 0)
        return rc;
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
        char ja[400];
        /* The worker's message already names the step; the detail is the
         * system's (strerror) or the runner's, in English. */
        snprintf(ja, sizeof ja, "ステップ %d を実行できません: %s", k + 1,
                 m[0] ? m : strerror(-rc));
        set_toast2(a, m[0] ? m : strerror(-rc), ja);
        return rc;
    }
    bool forward = k > a->cur;
    if (k != a->cur)
        a->nvote_log = 0; /* the votes counted stay; only the question shown's are at stake */
    viz_scene_free(&a->scene);
    a->scene = sc;
    a->cur = k;
    a->asking = forward && a->doc && a->doc->steps[k].question;
    if (a->asking) {
        memset(a->tally, 0, sizeof a->tally);
        a->nvote_log = 0;
    }
    if (viz_anim_build(a->anim, &a->scene) < 0)
        return -ENOMEM;
    a->anim_ms = 0;
    a->pause_ms = 0;
    a->frozen = false; /* a new step plays (K freezes it again) */
    a->ui.nar_page = 0; /* a step opens on its narration's first page */
    a->nar_pages = 0;   /* counted when it is drawn */
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

/* The bundled lessons' files; each is parsed when first needed
 * (parse_bundled): the window opening one lesson shows its first frame
 * without parsing the other nine (bench/bench_startup.c). */
static void load_bundled(viz_app *a)
{
    char *paths[VIZ_MAX_LESSONS];
    int n = lesson_list_bundled(paths, VIZ_MAX_LESSONS);
    if (n < 0)
        n = 0;
    for (int i = 0; i < n; i++)
        a->lessons[i].path = paths[i];
    a->nlessons = n;
}

/* Parses bundled lesson i (once) for its doc and its picker item. */
static void parse_bundled(viz_app *a, int i)
{
    lesson_entry *e = &a->lessons[i];
    if (i < 0 || i >= a->nlessons || e->parsed)
        return;
    lesson_diag diags[LESSON_MAX_DIAGS];
    int nd = 0;
    e->parsed = true;
    e->doc = lesson_parse_file(e->path, diags, &nd);
    const lesson_doc *d = e->doc;
    const char *base = strrchr(e->path, '/');
    a->items[i].name = d ? d->name : base ? base + 1 : e->path;
    a->items[i].title = d ? d->title : NULL;
    a->items[i].title_ja = d ? d->title_ja : NULL;
}

static void session_clear(viz_app *a)
{
    free(a->session);
    a->session = NULL;
    for (int i = 0; i < a->nundo; i++)
        free(a->undo[i]);
    a->nundo = 0;
    a->session_steps = 0;
}

static int open_doc(viz_app *a, const lesson_doc *doc, int index)
{
    session_clear(a);
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
    parse_bundled(a, i);
    if (!a->lessons[i].doc) {
        char en[400], ja[400];
        snprintf(en, sizeof en, "%s does not parse: sockbuf check %s", a->lessons[i].path,
                 a->lessons[i].path);
        snprintf(ja, sizeof ja, "%s を読み込めません: sockbuf check %s で確認",
                 a->lessons[i].path, a->lessons[i].path);
        set_toast2(a, en, ja);
        return;
    }
    retire_doc(a);
    a->selected = i;
    open_doc(a, a->lessons[i].doc, i);
}

static void show_picker(viz_app *a)
{
    session_clear(a);
    drop_steps(a);
    for (int i = 0; i < a->nlessons; i++)
        parse_bundled(a, i);
    a->picker = true;
    a->doc = NULL;
    viz_scene_free(&a->scene);
    viz_scene_init(&a->scene, NULL);
}

viz_app *viz_app_new(const char *lesson_path, viz_lang lang, bool sim_only,
                     lesson_wire_handle *wire, char *err, size_t errlen, int *status)
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
    a->prompt = viz_prompt_new();
    if (!a->anim || !a->frame || !a->prompt) {
        snprintf(err, errlen, "viz_app_new: out of memory");
        goto fail;
    }
    a->ui = (viz_ui){.lang = lang, .zoom = 1.0, .speed = 1.0};
    a->sim_only = sim_only;
    a->wire = wire;
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

int viz_app_set_recorded(viz_app *a, const char *dir)
{
    snprintf(a->recorded_dir, sizeof a->recorded_dir, "%s", dir ? dir : "");
    if (!a->doc || a->picker)
        return 0;
    int k = a->cur < 0 ? 0 : a->cur;
    int rc = new_steps(a);
    return rc < 0 ? rc : viz_app_goto(a, k);
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
    viz_prompt_free(a->prompt);
    session_clear(a);
    lesson_doc_free(a->own_doc);
    for (int i = 0; i < a->nretired; i++)
        lesson_doc_free(a->retired[i]);
    for (int i = 0; i < a->nlessons; i++) {
        free(a->lessons[i].path);
        lesson_doc_free(a->lessons[i].doc);
    }
    free(a);
}

/* A step's animation: what its chips need to be seen (viz_anim.h), or
 * the longer time the lesson gives it (`pace`), at the presenter's speed. */
static double step_ms(const viz_app *a)
{
    double ms = viz_anim_duration_ms(a->anim);
    int k = a->scene.step;
    if (a->doc && k >= 0 && (size_t)k < a->doc->nsteps &&
        (double)a->doc->steps[k].pace_us / 1000.0 > ms)
        ms = (double)a->doc->steps[k].pace_us / 1000.0;
    return ms / (a->ui.speed > 0 ? a->ui.speed : 1.0);
}

/* ---- what if: a session of typed steps ------------------------------- */

/* Shows doc (a session's, owned by the app from now on) from fresh
 * sockets at step k; the old scene stays on screen until k is computed. */
static int switch_doc(viz_app *a, lesson_doc *doc, int k)
{
    retire_doc(a);
    a->own_doc = doc;
    a->doc = doc;
    int rc = start_worker(a);
    if (rc < 0)
        return rc;
    return viz_app_goto(a, k);
}

/* The session's text now: the typed one, or the lesson file's. */
static int session_text(viz_app *a, char **text)
{
    *text = NULL;
    if (a->session) {
        *text = strdup(a->session);
        return *text ? 0 : -ENOMEM;
    }
    return viz_session_read(a->doc->path, text);
}

/* Parses text as the new session and shows step k of it; on a parse
 * error at line err_line the prompt shows it at its column. Takes text. */
static int session_apply(viz_app *a, char *text, int err_line, int k)
{
    lesson_diag d[LESSON_MAX_DIAGS];
    int nd = 0;
    lesson_doc *doc = lesson_parse(a->doc->path, text, strlen(text), d, &nd);
    if (!doc) {
        char msg[300];
        bool here = nd > 0 && d[0].line == err_line;
        if (here && strstr(d[0].message, "unknown directive"))
            /* What a prompt takes, not a lesson file's header directives. */
            snprintf(msg, sizeof msg, "%s",
                     a->ui.lang == VIZ_LANG_JA
                         ? "入力できるもの: client: / server: 文、wait 50ms、expect SIDE: 式 "
                           "演算子 値、model KEY=VALUE"
                         : "a prompt takes client: or server: STATEMENT, wait 50ms, expect "
                           "SIDE: EXPR OP VALUE, model KEY=VALUE");
        else if (nd > 0)
            viz_msg_translate(a->ui.lang, d[0].message, msg, sizeof msg);
        else
            snprintf(msg, sizeof msg, "%s",
                     a->ui.lang == VIZ_LANG_JA ? "文として読めません" : "does not parse");
        viz_prompt_set_error(a->prompt, here ? d[0].col : 0, msg);
        free(text);
        return -EINVAL;
    }
    if (a->nundo == VIZ_MAX_LESSONS) {
        free(a->undo[0]);
        memmove(a->undo, a->undo + 1, sizeof a->undo[0] * (VIZ_MAX_LESSONS - 1));
        memmove(a->undo_step, a->undo_step + 1, sizeof a->undo_step[0] * (VIZ_MAX_LESSONS - 1));
        a->nundo--;
    }
    a->undo_step[a->nundo] = a->cur;
    a->undo[a->nundo++] = a->session; /* NULL: the lesson file */
    a->session = text;
    return switch_doc(a, doc, k);
}

/* The teacher's line: a statement, wait or expectation becomes a step
 * after the current one; `model KEY=VALUE` reruns the lesson with it. */
static int run_typed(viz_app *a, const char *line)
{
    if (!a->doc)
        return -ENOENT;
    char *text;
    int rc = session_text(a, &text);
    if (rc < 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s: %s", a->doc->path, strerror(-rc));
        viz_prompt_set_error(a->prompt, 0, msg);
        return rc;
    }
    const char *l = line;
    while (*l == ' ' || *l == '\t')
        l++;
    int at = 0, cur = a->cur < 0 ? 0 : a->cur;
    /* A statement without a side runs on the side that owns the name it
     * acts on (s.send(...): the side whose s it is); else the prompt says
     * what to type. */
    char sided[VIZ_PROMPT_LEN + 16];
    if (*l && !viz_session_has_directive(l)) {
        char name[64], msg[VIZ_PROMPT_LEN * 2 + 200];
        int side = viz_session_infer_side(a->doc, cur, l, name, sizeof name);
        bool ja = a->ui.lang == VIZ_LANG_JA;
        if (side == -2)
            snprintf(msg, sizeof msg,
                     ja ? "%s は両側にあります。どちらで実行するか書いてください: `client: %s` "
                          "または `server: %s`"
                        : "both sides have %s: say which side runs it: `client: %s` or "
                          "`server: %s`",
                     name, l, l);
        else if (side < 0)
            snprintf(msg, sizeof msg,
                     ja ? "どちらの側で実行するか書いてください: `client: %s` (入力できるもの: "
                          "client: / server: 文、wait 50ms、expect SIDE: 式 演算子 値、model "
                          "KEY=VALUE)"
                        : "say which side runs it: `client: %s` (a prompt takes client: or "
                          "server: STATEMENT, wait 50ms, expect SIDE: EXPR OP VALUE, model "
                          "KEY=VALUE)",
                     l);
        if (side < 0) {
            free(text);
            viz_prompt_set_error(a->prompt, 0, msg);
            return -EINVAL;
        }
        snprintf(sided, sizeof sided, "%s: %s", side == LESSON_SERVER ? "server" : "client", l);
        line = l = sided;
    }
    int dropped = (int)a->doc->nsteps - (cur + 1); /* the lesson's steps the typed one replaces */
    char *next;
    bool model = !strncmp(l, "model", 5) && (l[5] == ' ' || l[5] == '\t');
    if (model) {
        next = viz_session_add_model(text, a->doc->steps[0].line, line, &at);
    } else {
        int cut = cur + 1 < (int)a->doc->nsteps ? a->doc->steps[cur + 1].line : 0;
        next = viz_session_add_step(text, cut, line, &at);
    }
    free(text);
    if (!next)
        return -ENOMEM;
    rc = session_apply(a, next, at, model ? cur : cur + 1);
    if (rc == -EINVAL)
        return rc;
    if (!model)
        a->session_steps++;
    if (rc == 0 && !model && dropped > 0) {
        /* Said, and for longer than a toast: the rest is not lost. */
        char en[300], ja[300];
        snprintf(en, sizeof en,
                 "Step %d is the typed line: it replaced the lesson's last %d step%s. Ctrl+Z "
                 "brings them back",
                 cur + 2, dropped, dropped == 1 ? "" : "s");
        snprintf(ja, sizeof ja,
                 "ステップ %d は入力した文です。レッスンの残り %d ステップの代わりです。"
                 "Ctrl+Z で元に戻せます",
                 cur + 2, dropped);
        set_toast2(a, en, ja);
        a->toast_ms = REPLACED_MS;
    }
    return rc;
}

static void undo_typed(viz_app *a)
{
    if (a->nundo == 0) {
        set_toast2(a, "nothing to undo", "元に戻すものはありません");
        return;
    }
    char *text = a->undo[--a->nundo];
    int k = a->undo_step[a->nundo];
    char *owned = text;
    if (!text && viz_session_read(a->doc->path, &owned) < 0) {
        set_toast2(a, "cannot read the lesson again", "レッスンのファイルを読み直せません");
        return;
    }
    lesson_diag d[LESSON_MAX_DIAGS];
    int nd = 0;
    lesson_doc *doc = lesson_parse(a->doc->path, owned, strlen(owned), d, &nd);
    if (!text)
        free(owned);
    if (!doc) {
        free(text);
        return;
    }
    free(a->session);
    a->session = text;
    if (a->session_steps > 0)
        a->session_steps--;
    switch_doc(a, doc, k);
    set_toast2(a, "undone", "元に戻しました");
}

static void save_session(viz_app *a)
{
    char *text;
    if (!a->doc || session_text(a, &text) < 0) {
        set_toast2(a, "nothing to save", "保存するものはありません");
        return;
    }
    char path[160], en[400], ja[400];
    int rc = viz_session_save(".", text, path, sizeof path);
    free(text);
    if (rc < 0) {
        snprintf(en, sizeof en, "save %s: %s", path, strerror(-rc));
        snprintf(ja, sizeof ja, "%s を保存できません: %s", path, strerror(-rc));
    } else {
        snprintf(a->saved, sizeof a->saved, "%s", path);
        snprintf(en, sizeof en, "saved %s (sockbuf check %s)", path, path);
        snprintf(ja, sizeof ja, "保存しました: %s (sockbuf check %s)", path, path);
    }
    set_toast2(a, en, ja);
}

/* M: the model's latency 1 -> 5 -> 50 -> 1 ms, the lesson rerun. */
static void cycle_latency(viz_app *a)
{
    static const int ms[] = {1, 5, 50};
    uint64_t now = a->doc->model.latency_us ? a->doc->model.latency_us : 5000;
    int i = 0;
    while (i < 3 && (uint64_t)ms[i] * 1000 != now)
        i++;
    char line[64];
    snprintf(line, sizeof line, "model latency=%dms", ms[i < 3 ? (i + 1) % 3 : 0]);
    if (run_typed(a, line) == 0) {
        char ja[160];
        int next_ms = ms[i < 3 ? (i + 1) % 3 : 0];
        snprintf(ja, sizeof ja, "モデルの遅延: %d ms (%s)", next_ms, line);
        set_toast2(a, line, ja);
    }
}

static bool prompt_event(viz_app *a, const SDL_Event *ev)
{
    viz_prompt_result pr = viz_prompt_handle_event(a->prompt, ev);
    if (pr == VIZ_PROMPT_SUBMIT) {
        char line[VIZ_PROMPT_LEN];
        snprintf(line, sizeof line, "%s", viz_prompt_text(a->prompt));
        viz_prompt_history_add(a->prompt, line);
        if (!line[0])
            viz_prompt_close(a->prompt);
        else if (run_typed(a, line) != -EINVAL)
            viz_prompt_close(a->prompt);
    }
    return pr != VIZ_PROMPT_IGNORED;
}

/* Space on the last step: the lesson is over; say so and offer the next. */
static void end_of_lesson(viz_app *a)
{
    char en[200], ja[200];
    bool next = a->lesson >= 0 && a->lesson + 1 < a->nlessons;
    if (next)
        parse_bundled(a, a->lesson + 1);
    const char *name = next ? a->items[a->lesson + 1].name : "";
    if (next) {
        snprintf(en, sizeof en, "End of the lesson. N: the next one (%s) · 0: the list", name);
        snprintf(ja, sizeof ja, "レッスンはここまでです。N: 次のレッスン (%s) · 0: 一覧", name);
    } else {
        snprintf(en, sizeof en, "End of the lesson. 0: the list");
        snprintf(ja, sizeof ja, "レッスンはここまでです。0: レッスン一覧");
    }
    set_toast2(a, en, ja);
}

/* Whether leaving the lesson shown would lose the class's work: votes
 * on the question shown, or typed steps. */
static bool work_at_stake(const viz_app *a)
{
    return a->doc && (a->session_steps > 0 || a->nvote_log > 0);
}

/* Safe keys: an action act (key sym) that leaves the lesson asks first
 * when work would be lost. Returns true when it asked (the action waits
 * for the same key again), false to go ahead. */
static bool ask_first(viz_app *a, viz_key_action act, SDL_Keycode sym)
{
    if (a->confirm_act == act && a->confirm_sym == sym) {
        a->confirm_act = VIZ_KEY_NONE;
        return false;
    }
    if (!work_at_stake(a))
        return false;
    a->confirm_act = act;
    a->confirm_sym = sym;
    char en[300], ja[300], what_en[120] = "", what_ja[120] = "";
    if (a->session_steps > 0) {
        snprintf(what_en, sizeof what_en, "%d typed step%s", a->session_steps,
                 a->session_steps == 1 ? "" : "s");
        snprintf(what_ja, sizeof what_ja, "入力した %d ステップ", a->session_steps);
    }
    if (a->nvote_log > 0) {
        size_t l = strlen(what_en), lj = strlen(what_ja);
        snprintf(what_en + l, sizeof what_en - l, "%s%d vote%s", l ? " and " : "", a->nvote_log,
                 a->nvote_log == 1 ? "" : "s");
        snprintf(what_ja + lj, sizeof what_ja - lj, "%s%d 票", lj ? "と" : "", a->nvote_log);
    }
    const char *key = SDL_GetKeyName(sym);
    snprintf(en, sizeof en,
             "Leave this lesson? %s would be lost (Ctrl+S saves). %s again: leave · "
             "any other key: stay",
             what_en, key);
    snprintf(ja, sizeof ja,
             "このレッスンを離れますか？ %sが失われます (Ctrl+S で保存)。"
             "もう一度 %s: 離れる · ほかのキー: とどまる",
             what_ja, key);
    set_toast2(a, en, ja);
    a->toast_ms = REPLACED_MS;
    return true;
}

/* The names of the spotlight's buffers, viz_spot.rect's order. */
static void spot_name(const viz_app *a, int i, char *out, size_t len)
{
    viz_lang l = a->ui.lang;
    snprintf(out, len, "%s: %s", viz_label(l, i / 2 ? VIZ_L_SERVER : VIZ_L_CLIENT),
             viz_label(l, i % 2 ? VIZ_L_RECVBUF : VIZ_L_SENDBUF));
}

/* G's number entry: digits, Backspace, Enter goes, Esc (or any other
 * key) stays. Returns true when the event was the entry's. */
static bool goto_event(viz_app *a, const SDL_Event *ev)
{
    if (ev->type == SDL_TEXTINPUT)
        return ev->text.text[0] >= '0' && ev->text.text[0] <= '9'; /* the keys below have it */
    if (ev->type != SDL_KEYDOWN)
        return false;
    SDL_Keycode sym = ev->key.keysym.sym;
    size_t n = strlen(a->goto_text);
    int digit = sym >= SDLK_0 && sym <= SDLK_9         ? (int)(sym - SDLK_0)
                : sym >= SDLK_KP_1 && sym <= SDLK_KP_9 ? (int)(sym - SDLK_KP_1) + 1
                : sym == SDLK_KP_0                     ? 0
                                                       : -1;
    int last = a->doc ? (int)a->doc->nsteps : 0;
    if (digit >= 0 && n + 1 < sizeof a->goto_text) {
        a->goto_text[n] = (char)('0' + digit);
        a->goto_text[n + 1] = 0;
    } else if (sym == SDLK_BACKSPACE && n > 0) {
        a->goto_text[n - 1] = 0;
    } else if (sym == SDLK_RETURN || sym == SDLK_KP_ENTER) {
        a->goto_open = false;
        int k = atoi(a->goto_text);
        if (k >= 1 && k <= last) {
            a->toast_ms = 0;
            viz_app_goto(a, k - 1);
        } else {
            char en[120], ja[120];
            snprintf(en, sizeof en, "no step %s: the steps are 1-%d", a->goto_text, last);
            snprintf(ja, sizeof ja, "ステップ %s はありません (1〜%d)", a->goto_text, last);
            set_toast2(a, en, ja);
        }
        return true;
    } else if (digit < 0) {
        a->goto_open = false; /* Esc or another key: stay where we are */
        a->toast_ms = 0;
        return sym == SDLK_ESCAPE;
    }
    char en[120], ja[120];
    snprintf(en, sizeof en, "go to step: %s_  (1-%d, Enter: go, Esc: stay)", a->goto_text, last);
    snprintf(ja, sizeof ja, "ステップへ移動: %s_  (1〜%d、Enter: 移動、Esc: やめる)", a->goto_text,
             last);
    set_toast2(a, en, ja);
    a->toast_ms = 60000;
    return true;
}

/* Runs the table's action act for key sym (0 for a typed '?'). Returns
 * false when the action does not apply now (the key is then not taken). */
static bool run_action(viz_app *a, viz_key_action act, SDL_Keycode sym)
{
    /* Keys act on the step asked for, so pressing ahead of the worker
     * is remembered (Space twice while step 5 runs: step 6 next). */
    int cur = a->want >= 0 ? a->want : a->cur;
    int last = a->doc ? (int)a->doc->nsteps - 1 : -1;
    switch (act) {
    case VIZ_KEY_ZOOM_IN:
        a->ui.zoom = viz_zoom_step(a->ui.zoom, +1);
        return true;
    case VIZ_KEY_ZOOM_OUT:
        a->ui.zoom = viz_zoom_step(a->ui.zoom, -1);
        return true;
    case VIZ_KEY_ZOOM_RESET:
        a->ui.zoom = 1.0;
        return true;
    case VIZ_KEY_THEME: {
        a->ui.theme = (int)viz_theme_next((viz_theme_id)a->ui.theme);
        const char *name = viz_theme_get((viz_theme_id)a->ui.theme)->name;
        char en[80], ja[80];
        snprintf(en, sizeof en, "theme: %s (T: the next one)", name);
        snprintf(ja, sizeof ja, "テーマ: %s (T: 次のテーマ)", name);
        set_toast2(a, en, ja);
        return true;
    }
    case VIZ_KEY_ESCAPE:
        /* Esc closes what is open, and never quits (Esc, Esc after the
         * help used to end the class). */
        if (a->ui.help)
            a->ui.help = false;
        else if (a->spotlight)
            a->spotlight = 0;
        else
            set_toast2(a, "Esc closes what is open; to quit: Q, then Q again",
                       "Esc は開いているものを閉じます。終了は Q を2回");
        return true;
    case VIZ_KEY_QUIT:
        if (a->quit_asked) {
            a->quit = true;
            return true;
        }
        a->quit_asked = true;
        if (work_at_stake(a))
            set_toast2(a,
                       "Quit? Typed steps and votes will be lost (Ctrl+S saves). Q again: quit "
                       "· any other key: stay",
                       "終了しますか？ 入力したステップと票は失われます (Ctrl+S で保存)。"
                       "もう一度 Q: 終了 · ほかのキー: 続ける");
        else
            set_toast2(a, "Quit? Q again: quit · any other key: stay",
                       "終了しますか？ もう一度 Q: 終了 · ほかのキー: 続ける");
        return true;
    case VIZ_KEY_GOTO:
        if (!a->doc)
            return false;
        a->goto_open = true;
        a->goto_text[0] = 0;
        {
            char en[120], ja[120];
            snprintf(en, sizeof en, "go to step: _  (1-%d, Enter: go, Esc: stay)", last + 1);
            snprintf(ja, sizeof ja, "ステップへ移動: _  (1〜%d、Enter: 移動、Esc: やめる)",
                     last + 1);
            set_toast2(a, en, ja);
            a->toast_ms = 60000;
        }
        return true;
    case VIZ_KEY_SPOTLIGHT: {
        a->spotlight = (a->spotlight + 1) % (VIZ_SPOT_BUFFERS + 1);
        char name[160];
        if (a->spotlight) {
            spot_name(a, a->spotlight - 1, name, sizeof name);
            set_toast2(a, name, name);
        } else {
            a->toast_ms = 0;
        }
        return true;
    }
    case VIZ_KEY_UNVOTE:
        if (a->nvote_log > 0) {
            char c = a->vote_log[--a->nvote_log];
            if (a->tally[c - 'A'] > 0)
                a->tally[c - 'A']--;
            char en[80], ja[80];
            snprintf(en, sizeof en, "a vote for %c taken back", c);
            snprintf(ja, sizeof ja, "%c への1票を取り消しました", c);
            set_toast2(a, en, ja);
        } else {
            set_toast2(a, "no vote to take back", "取り消す票はありません");
        }
        return true;
    case VIZ_KEY_HELP:
        /* With text input on, '?' arrives as SDL_TEXTINPUT instead. */
        if ((sym == SDLK_QUESTION || sym == SDLK_SLASH) && SDL_IsTextInputActive())
            return false;
        a->ui.help = !a->ui.help;
        return true;
    case VIZ_KEY_LANG:
        a->ui.lang = a->ui.lang == VIZ_LANG_JA ? VIZ_LANG_EN : VIZ_LANG_JA;
        return true;
    case VIZ_KEY_FULLSCREEN:
        a->fullscreen = !a->fullscreen;
        return true;
    case VIZ_KEY_PICKER:
        if (ask_first(a, act, sym))
            return true;
        show_picker(a);
        return true;
    case VIZ_KEY_LESSON: {
        int i = sym >= SDLK_KP_1 && sym <= SDLK_KP_9 ? (int)(sym - SDLK_KP_1) : (int)(sym - SDLK_1);
        if (i < a->nlessons) {
            if (ask_first(a, act, sym))
                return true;
            open_bundled(a, i);
        } else {
            char en[160], ja[160];
            snprintf(ja, sizeof ja, "レッスン %d はありません (1〜%d を押してください)", i + 1,
                     a->nlessons);
            snprintf(en, sizeof en, "no lesson %d: there are %d (keys 1-%d)", i + 1,
                     a->nlessons, a->nlessons);
            set_toast2(a, en, ja);
        }
        return true;
    }
    case VIZ_KEY_PICK_UP:
        if (a->selected > 0)
            a->selected--;
        return true;
    case VIZ_KEY_PICK_DOWN:
        if (a->selected + 1 < a->nlessons)
            a->selected++;
        return true;
    case VIZ_KEY_PICK_OPEN:
        open_bundled(a, a->selected);
        return true;
    case VIZ_KEY_VOTE: {
        char key = (char)('A' + (sym - SDLK_a));
        if (lesson_question_choice(a->doc->steps[a->cur].question, key)) {
            a->tally[key - 'A']++;
            if (a->nvote_log < (int)sizeof a->vote_log)
                a->vote_log[a->nvote_log++] = key;
        }
        return true;
    }
    case VIZ_KEY_REVEAL:
        a->asking = false;
        a->anim_ms = 0;
        a->pause_ms = 0;
        return true;
    case VIZ_KEY_PROMPT:
        if (!a->doc || !a->prompt)
            return false;
        viz_prompt_open(a->prompt);
        return true;
    case VIZ_KEY_UNDO:
        if (!a->doc)
            return false;
        undo_typed(a);
        return true;
    case VIZ_KEY_SAVE:
        if (!a->doc)
            return false;
        save_session(a);
        return true;
    case VIZ_KEY_LATENCY:
        if (!a->doc)
            return false;
        cycle_latency(a);
        return true;
    /* Down / PageDown turn the narration's page while it has more (a
     * presenter's clicker sends PageDown), then go on to the next step;
     * Up / PageUp turn back, then go to the previous step. */
    case VIZ_KEY_PAGE_NEXT:
        if (a->want < 0 && a->ui.nar_page + 1 < a->nar_pages) {
            a->ui.nar_page++;
            return true;
        }
        return run_action(a, VIZ_KEY_NEXT, sym);
    case VIZ_KEY_PAGE_PREV:
        if (a->want < 0 && a->ui.nar_page > 0) {
            if (a->ui.nar_page >= a->nar_pages)
                a->ui.nar_page = a->nar_pages - 1;
            a->ui.nar_page = a->ui.nar_page > 0 ? a->ui.nar_page - 1 : 0;
            return true;
        }
        return run_action(a, VIZ_KEY_PREV, sym);
    case VIZ_KEY_NEXT:
        if (cur < last) {
            viz_app_goto(a, cur + 1);
        } else {
            a->anim_ms = step_ms(a); /* at the end: finish the animation */
            end_of_lesson(a);
        }
        return true;
    case VIZ_KEY_NEXT_LESSON:
        /* After the last step: the next bundled lesson. */
        if (cur == last && a->lesson >= 0 && a->lesson + 1 < a->nlessons) {
            if (ask_first(a, act, sym))
                return true;
            open_bundled(a, a->lesson + 1);
            return true;
        }
        return false;
    case VIZ_KEY_PREV:
        viz_app_goto(a, cur > 0 ? cur - 1 : 0);
        return true;
    case VIZ_KEY_FIRST:
        viz_app_goto(a, 0);
        return true;
    case VIZ_KEY_RESTART:
        drop_steps(a);
        viz_app_goto(a, 0);
        return true;
    case VIZ_KEY_LAST:
        viz_app_goto(a, last);
        return true;
    case VIZ_KEY_WIRE:
        a->ui.kernel_wire = !a->ui.kernel_wire;
        return true;
    case VIZ_KEY_AUTOPLAY:
        a->ui.autoplay = !a->ui.autoplay;
        a->pause_ms = 0;
        return true;
    case VIZ_KEY_FASTER:
        a->ui.speed = a->ui.speed * 1.5 > 8 ? 8 : a->ui.speed * 1.5;
        return true;
    case VIZ_KEY_SLOWER:
        a->ui.speed = a->ui.speed / 1.5 < 0.125 ? 0.125 : a->ui.speed / 1.5;
        return true;
    case VIZ_KEY_FREEZE:
        a->frozen = !a->frozen;
        if (a->frozen)
            set_toast2(a, "frozen: , and . move a frame, K plays on, Backspace replays",
                       "一時停止: , と . で1コマずつ、K で再開、Backspace でもう一度");
        else
            a->toast_ms = 0;
        return true;
    case VIZ_KEY_FRAME_BACK:
    case VIZ_KEY_FRAME_FWD: {
        /* One frame of the animation at speed 1, whatever the speed. */
        a->frozen = true;
        double total = step_ms(a), d = FRAME_MS / (a->ui.speed > 0 ? a->ui.speed : 1.0);
        a->anim_ms += act == VIZ_KEY_FRAME_FWD ? d : -d;
        a->anim_ms = a->anim_ms < 0 ? 0 : a->anim_ms > total ? total : a->anim_ms;
        return true;
    }
    case VIZ_KEY_REPLAY:
        a->anim_ms = 0;
        a->pause_ms = 0;
        a->frozen = false;
        return true;
    case VIZ_KEY_NONE:
    case VIZ_KEY_NACTIONS:
        break;
    }
    return false;
}

/* The contexts of the key table (viz_keys.h) that hold now. */
static unsigned key_contexts(const viz_app *a)
{
    unsigned ctx = VIZ_KEYS_ANYWHERE;
    if (a->picker)
        return ctx | VIZ_KEYS_PICKER;
    if (a->asking && a->want < 0)
        ctx |= VIZ_KEYS_QUESTION;
    return ctx | VIZ_KEYS_LESSON;
}

bool viz_app_handle_event(viz_app *a, const SDL_Event *ev)
{
    a->key_action = VIZ_KEY_NONE;
    if (ev->type == SDL_QUIT) {
        a->quit = true;
        return true;
    }
    if (a->prompt && viz_prompt_is_open(a->prompt) && prompt_event(a, ev))
        return true;
    if (a->goto_open && goto_event(a, ev))
        return true;
    if (ev->type == SDL_TEXTINPUT) {
        /* '?' comes as text on every layout: the table's '?' key. */
        if (strcmp(ev->text.text, "?"))
            return false;
        a->key_action = viz_keys_find(key_contexts(a), SDLK_QUESTION, 0);
        return run_action(a, a->key_action, 0);
    }
    if (ev->type != SDL_KEYDOWN)
        return false;
    SDL_Keycode sym = ev->key.keysym.sym;
    a->key_action = viz_keys_find(key_contexts(a), sym, ev->key.keysym.mod);
    /* A question asked (leave the lesson? quit?) is answered by the same
     * key again; any other key stays, and Esc does nothing more. */
    if (a->key_action != VIZ_KEY_QUIT)
        a->quit_asked = false;
    if (a->confirm_act != VIZ_KEY_NONE &&
        (a->key_action != a->confirm_act || sym != a->confirm_sym)) {
        a->confirm_act = VIZ_KEY_NONE;
        set_toast2(a, "stayed in the lesson", "レッスンにとどまります");
        if (a->key_action == VIZ_KEY_ESCAPE)
            return true;
    }
    return run_action(a, a->key_action, sym);
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
    if (a->asking)
        return moving; /* the question holds the step before it plays */
    if (a->frozen)
        return moving; /* K: nothing moves, autoplay waits too */
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
            if (a->ui.nar_page + 1 < a->nar_pages) {
                a->ui.nar_page++; /* the narration's next page first */
                a->pause_ms = 0;
            } else if (a->doc && cur + 1 < (int)a->doc->nsteps)
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
    a->ui.toast = a->toast_ms > 0 ? a->toast[a->ui.lang == VIZ_LANG_JA] : NULL;
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
    const lesson_question *q =
        a->doc && a->cur >= 0 && a->scene.doc == a->doc ? a->doc->steps[a->cur].question : NULL;
    /* Revealed, the step plays first: the answer's band lies over the
     * lower lanes, where the reply and the FIN travel, so it waits for the
     * traffic to end (the footer names the answer meanwhile). */
    if (q && !a->asking && p < 1.0) {
        snprintf(running, sizeof running,
                 a->ui.lang == VIZ_LANG_JA ? "答え: %c (ステップの再生後に説明)"
                                           : "answer: %c (explained once the step has played)",
                 q->answer);
        a->ui.toast = a->ui.toast ? a->ui.toast : running;
        q = NULL;
    }
    /* The prompt, open, lies where the answer's band would: the band
     * waits until it closes, rather than lie under it half hidden. */
    if (q && !a->asking && viz_prompt_is_open(a->prompt))
        q = NULL;
    /* Where the kernel has no segment log the wire's title says so; the
     * footer's key hints stay. */
    a->ui.kernel_wire_none =
        a->ui.kernel_wire && viz_anim_kernel_wire(a->anim, &a->scene, p, a->frame) < 0;
    viz_fold fold = {0}; /* where the reveal goes (viz_ui.fold) */
    a->ui.fold = &fold;
    viz_spot spot = {0}; /* where the buffers are (the spotlight's) */
    a->ui.spot = &spot;
    /* The help is drawn last, over the question and the prompt: no
     * overlay hides it (the answer band used to). */
    bool help = a->ui.help;
    a->ui.help = false;
    const char *toast = a->ui.toast;
    a->ui.class_view = a->presenter;
    if (a->presenter)
        a->ui.toast = NULL; /* the teacher's messages are in the presenter's view */
    viz_draw_scene_pages(r, t, &a->scene, a->frame, &a->ui, w, h, &a->nar_pages);
    a->ui.toast = toast;
    if (q) {
        const lesson_line *al = &a->doc->steps[a->cur].lines[q->answer_index];
        char cond[300];
        snprintf(cond, sizeof cond, "%s: %s", lesson_side_name(al->side), al->code);
        viz_question_draw(r, t, q, cond, a->asking ? NULL : &a->scene.question, a->tally, &a->ui, w,
                          h);
    }
    a->ui.fold = NULL;
    a->ui.spot = NULL;
    if (a->spotlight) {
        char name[160];
        spot_name(a, a->spotlight - 1, name, sizeof name);
        viz_draw_spotlight(r, t, &a->ui, spot.rect[a->spotlight - 1], name, w, h);
    }
    viz_prompt_draw(a->prompt, r, t, &a->ui, w, h);
    a->ui.help = help;
    if (help)
        viz_draw_help(r, t, &a->ui, w, h);
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
    out->theme = a->ui.theme;
    out->speed = a->ui.speed;
    out->autoplay = a->ui.autoplay;
    out->frozen = a->frozen;
    out->kernel_wire = a->ui.kernel_wire;
    out->nar_page = a->ui.nar_page;
    out->nar_pages = a->nar_pages;
    out->help = a->ui.help;
    out->fullscreen = a->fullscreen;
    out->quit = a->quit;
    out->real = a->steps && (viz_steps_modes(a->steps) & LESSON_MODE_REAL);
    out->wire = (int)a->scene.wire;
    out->computing = a->steps && viz_steps_busy(a->steps);
    out->message = a->toast_ms > 0 ? a->toast[a->ui.lang == VIZ_LANG_JA] : NULL;
    out->asking = a->asking;
    memcpy(out->votes, a->tally, sizeof out->votes);
    out->prompt_open = viz_prompt_is_open(a->prompt);
    out->prompt_text = a->prompt ? viz_prompt_text(a->prompt) : "";
    out->prompt_cursor = a->prompt ? viz_prompt_cursor(a->prompt) : 0;
    out->prompt_error = a->prompt ? viz_prompt_error(a->prompt, &out->prompt_error_col) : NULL;
    out->session_steps = a->session_steps;
    out->saved = a->saved;
    out->key_action = (int)a->key_action;
    out->asking_leave = a->confirm_act != VIZ_KEY_NONE;
    out->asking_quit = a->quit_asked;
    out->goto_open = a->goto_open;
    out->goto_text = a->goto_text;
    out->spotlight = a->spotlight;
}

void viz_app_set_theme(viz_app *a, int id)
{
    a->ui.theme = id >= 0 && id < VIZ_THEME_COUNT ? id : VIZ_THEME_DARK;
}

void viz_app_set_presenter(viz_app *a, bool on)
{
    a->presenter = on;
}

void viz_app_draw_presenter(viz_app *a, SDL_Renderer *r, viz_text *t, int w, int h)
{
    bool ja = a->ui.lang == VIZ_LANG_JA;
    viz_presenter_view v = {.step = a->cur, .nsteps = a->doc ? (int)a->doc->nsteps : 0};
    const char *failed[VIZ_SCENE_FAILED];
    char cond[300] = "";
    if (a->doc) {
        v.lesson_title = ja && a->doc->title_ja ? a->doc->title_ja : a->doc->title;
        if (a->cur >= 0 && (size_t)a->cur < a->doc->nsteps) {
            const lesson_step *st = &a->doc->steps[a->cur];
            v.title = ja && st->title_ja ? st->title_ja : st->title;
            bool own = ja && st->nsay_ja > 0;
            v.say = (const char *const *)(own ? st->say_ja : st->say);
            v.nsay = own ? st->nsay_ja : st->nsay;
            const lesson_question *q = st->question;
            if (q) {
                const lesson_choice *ch = lesson_question_choice(q, q->answer);
                const lesson_line *al = &st->lines[q->answer_index];
                v.answer = q->answer;
                v.answer_text = ch ? (ja && ch->text_ja ? ch->text_ja : ch->text) : "";
                snprintf(cond, sizeof cond, "%s: %s", lesson_side_name(al->side), al->code);
                v.condition = cond;
                for (int k = 0; k < VIZ_QUESTION_KEYS; k++)
                    v.votes += a->tally[k];
            }
            if (a->scene.doc == a->doc && a->scene.step == a->cur) {
                v.nexpects = a->scene.nexpects;
                v.nexpects_failed = a->scene.nexpects_failed;
                for (int k = 0; k < a->scene.nfailed; k++)
                    failed[k] = a->scene.failed[k];
                v.failed = failed;
                v.nfailed = a->scene.nfailed;
            }
        }
        int next = a->cur + 1;
        if (next >= 0 && (size_t)next < a->doc->nsteps) {
            const lesson_step *ns = &a->doc->steps[next];
            v.next_title = ja && ns->title_ja ? ns->title_ja : ns->title;
        }
    }
    v.message = a->toast_ms > 0 ? a->toast[ja] : NULL;
    viz_draw_presenter(r, t, &v, &a->ui, w, h);
}
