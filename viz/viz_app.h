/* viz_app.h: the presenter's state machine: lessons, steps, keys.
 *
 * The app owns the lesson being shown, its runner and the scene of the
 * current step, and turns SDL events into steps forward and back, language,
 * speed, zoom and the picker. It never touches a window itself, so the
 * tests feed it SDL_KEYDOWN events and check the step, and the window loop
 * (viz_window_main in viz_main.c) only pumps events, ticks and draws.
 *
 * The steps run on a worker thread (viz_steps.h), ahead of the teacher;
 * the app shows the recorded scene of a step at once, forward or back,
 * and never waits on sockets. R starts a fresh worker with fresh sockets.
 * The runner runs the model and, when loopback works, the real sockets.
 */
#ifndef SOCKBUF_VIZ_APP_H
#define SOCKBUF_VIZ_APP_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>

#include "lesson_run.h"
#include "viz_draw.h"

enum { VIZ_MAX_LESSONS = 16 };

typedef struct viz_app viz_app;

/* What the app shows now, for the window loop and the tests. */
typedef struct {
    bool picker;         /* the lesson picker is shown */
    int picker_selected; /* highlighted lesson in the picker */
    int lesson;          /* bundled lesson index shown, or -1 (a path) */
    int step;            /* 0-based step shown, -1 before the first */
    int pending_step;    /* step asked for that the worker still runs, or -1 */
    int nsteps;          /* steps of the lesson */
    double progress;     /* animation of the step, 0..1 */
    viz_lang lang;       /* language */
    double zoom;         /* text zoom */
    int theme;           /* viz_theme_id (viz_theme.h): --theme, T cycles */
    double speed;        /* animation speed factor */
    bool autoplay;       /* P */
    bool frozen;         /* K: the animation stands still (, . move it a frame) */
    bool kernel_wire;    /* W: the wire shows the kernel's segments */
    int nar_page;        /* the narration's page shown (0: the first; Down / Up) */
    int nar_pages;       /* its pages as last drawn (1: it fits; 0: not drawn yet) */
    bool help;           /* help overlay */
    bool fullscreen;     /* F / F11 asked for fullscreen */
    bool quit;           /* Esc / Q */
    bool real;           /* the real sockets run beside the model */
    int wire;            /* the lesson_wire the shown step's real mode ran on
                            (LESSON_WIRE_NONE: none shown, or the model only) */
    bool computing;      /* the worker is still running the lesson's steps */
    const char *message; /* the footer's message now, or NULL (the key hints) */
    bool asking;         /* the step's question holds it (Space reveals) */
    int votes[26];       /* votes per choice key, votes[key - 'A'] */
    bool prompt_open;    /* the what-if prompt (Tab) is open */
    const char *prompt_text;  /* its line (valid until the next event) */
    int prompt_cursor;        /* its cursor, a byte offset */
    const char *prompt_error; /* the parse error it shows, or NULL */
    int prompt_error_col;     /* that error's column in the line (0: none) */
    int session_steps;        /* typed steps in the lesson shown */
    const char *saved;        /* the last session file saved (Ctrl+S), or "" */
    int key_action;           /* the key table's action (viz_key_action, viz_keys.h) the
                                 last event was looked up to, or 0 (VIZ_KEY_NONE) */
    bool asking_leave;        /* a key that leaves the lesson asked first (work would be
                                 lost): the same key again leaves */
    bool asking_quit;         /* Q asked first: Q again quits */
    bool goto_open;           /* G: a step number is being typed */
    const char *goto_text;    /* its digits so far (valid until the next event) */
    int spotlight;            /* B: 0 off, else 1 + the buffer lit (viz_spot's index) */
} viz_app_info;

/* A new app showing lesson_path (a path or a bundled name; NULL: the
 * picker) in lang, with its first step run. Returns NULL with a message
 * in err when the lesson cannot be found or parsed (the diagnostics as
 * "FILE:LINE:COL: error: MESSAGE" lines) or out of memory; *status gets
 * the exit status to use (2 for a lesson error, 1 otherwise). sim_only
 * skips the real sockets; else they run on wire (borrowed; must outlive
 * the app and its workers, see viz_steps_join_all()), or on plain
 * loopback when it is NULL. */
viz_app *viz_app_new(const char *lesson_path, viz_lang lang, bool sim_only,
                     lesson_wire_handle *wire, char *err, size_t errlen, int *status);

/* Frees everything. Accepts NULL. */
void viz_app_free(viz_app *a);

/* The model alone (sim_only): each lesson's kernel half comes from
 * dir/NAME.jsonl, its transcript recorded on a real machine
 * (lesson_run_opts.recorded_dir), for the steps that are the recorded
 * ones; NULL or "": none. The lesson shown is run again from its first
 * step (the browser build calls it once, after viz_app_new). Returns 0 or
 * a negative errno. */
int viz_app_set_recorded(viz_app *a, const char *dir);

/* Handles one SDL event (keys; window events are the caller's). Returns
 * true when it changed what is shown. */
bool viz_app_handle_event(viz_app *a, const SDL_Event *ev);

/* Advances the animation and autoplay by dt_ms of wall time. Returns true
 * while something moves (the caller keeps drawing frames). */
bool viz_app_tick(viz_app *a, double dt_ms);

/* Draws the current picture (scene, picker, help) on r. */
void viz_app_draw(viz_app *a, SDL_Renderer *r, viz_text *t, int w, int h);

/* Shows step k (clamped): at once when the worker has run it, else on a
 * later tick once it has. Never waits. Returns 0 or a negative errno. */
int viz_app_goto(viz_app *a, int k);

/* Waits until the step asked for is shown (tests and `render` only: the
 * window never calls it). Returns 0 or a negative errno. */
int viz_app_wait(viz_app *a);

void viz_app_get(const viz_app *a, viz_app_info *out);

/* Shows the app in theme id (viz_theme_id; out of range: dark). */
void viz_app_set_theme(viz_app *a, int id);

/* on: a presenter's view is open, so viz_app_draw draws the class's
 * picture only (no key hints, no messages: they go to the view). */
void viz_app_set_presenter(viz_app *a, bool on);

/* Draws the presenter's view (viz_presenter.h) of the step shown: its
 * whole narration, the next step, the question's answer, the failed
 * checks and the window's message. */
void viz_app_draw_presenter(viz_app *a, SDL_Renderer *r, viz_text *t, int w, int h);

#endif
