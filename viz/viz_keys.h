/* viz_keys.h: the window's one key table.
 *
 * Every key the presenter window answers is a row here: its keys (with
 * the modifiers they need), the action each key runs, the contexts in
 * which it applies, the help overlay's line in English and Japanese, and
 * the row of the key table in docs/manual.md (and, for the main keys, in
 * README.md). viz_app_handle_event() (viz_app.c) looks keys up here and
 * dispatches on the action; viz_draw_help() (viz_overlay.c) lists the
 * rows; viz_keys_man() writes the man page's KEYS list from the manual's
 * rows (run at build time by viz/viz_keys_man.c); tests/test_viz_keys.c
 * checks that the handler, the overlay and the three documents agree
 * with the table. The live and trace windows' keys (viz_window.c) are
 * rows of the same table in contexts of their own (VIZ_KEYS_LIVE,
 * VIZ_KEYS_TRACE); viz_keys_window_event() runs the keys they share
 * (the help, Esc, Q) the way the lesson window does: Esc never quits, Q
 * asks first.
 */
#ifndef SOCKBUF_VIZ_KEYS_H
#define SOCKBUF_VIZ_KEYS_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* What a key does. viz_app.c runs each one. */
typedef enum {
    VIZ_KEY_NONE = 0,    /* no action: the key is not in the table */
    VIZ_KEY_NEXT,        /* the next step (at the end: the end-of-lesson note) */
    VIZ_KEY_PREV,        /* the previous step */
    VIZ_KEY_PAGE_NEXT,   /* the narration's next page, else the next step */
    VIZ_KEY_PAGE_PREV,   /* the narration's previous page, else the previous step */
    VIZ_KEY_FIRST,       /* the first step */
    VIZ_KEY_LAST,        /* the last step */
    VIZ_KEY_AUTOPLAY,    /* autoplay on / off */
    VIZ_KEY_WIRE,        /* the wire: the model's events / the kernel's segments */
    VIZ_KEY_FASTER,      /* animation faster (x1.5, at most 8) */
    VIZ_KEY_SLOWER,      /* animation slower (/1.5, at least 1/8) */
    VIZ_KEY_FREEZE,      /* the animation stops where it is / plays on */
    VIZ_KEY_FRAME_BACK,  /* frozen: one frame back (freezes first) */
    VIZ_KEY_FRAME_FWD,   /* frozen: one frame forward (freezes first) */
    VIZ_KEY_REPLAY,      /* the step's animation again from its start */
    VIZ_KEY_GOTO,        /* go to step N: the number typed, then Enter */
    VIZ_KEY_SPOTLIGHT,   /* the spotlight on the next kernel buffer (then off) */
    VIZ_KEY_LANG,        /* English / Japanese */
    VIZ_KEY_FULLSCREEN,  /* fullscreen on / off */
    VIZ_KEY_ZOOM_IN,     /* bigger text */
    VIZ_KEY_ZOOM_OUT,    /* smaller text */
    VIZ_KEY_ZOOM_RESET,  /* text back to its normal size */
    VIZ_KEY_THEME,       /* the next theme: dark -> light -> contrast */
    VIZ_KEY_RESTART,     /* the lesson again from fresh sockets */
    VIZ_KEY_VOTE,        /* a question: one vote for the key's choice (A-D) */
    VIZ_KEY_UNVOTE,      /* a question: the last vote taken back */
    VIZ_KEY_REVEAL,      /* a question: reveal, the step plays */
    VIZ_KEY_PROMPT,      /* what if: open the prompt */
    VIZ_KEY_UNDO,        /* what if: undo the typed step */
    VIZ_KEY_SAVE,        /* what if: save the session */
    VIZ_KEY_LATENCY,     /* the model's latency 1 -> 5 -> 50 ms */
    VIZ_KEY_NEXT_LESSON, /* after the last step: the next bundled lesson */
    VIZ_KEY_LESSON,      /* bundled lesson 1-9 (the key's digit) */
    VIZ_KEY_PICKER,      /* the lesson picker */
    VIZ_KEY_HELP,        /* the help overlay on / off */
    VIZ_KEY_ESCAPE,      /* close what is open (help, spotlight, a question asked); never quits */
    VIZ_KEY_QUIT,        /* quit, asked first: Q again quits */
    VIZ_KEY_PICK_UP,     /* picker: the lesson above */
    VIZ_KEY_PICK_DOWN,   /* picker: the lesson below */
    VIZ_KEY_PICK_OPEN,   /* picker: open the highlighted lesson */
    VIZ_KEY_NACTIONS
} viz_key_action;

/* Where a row applies (bits). A key is looked up in the contexts that
 * hold now, in this order, the first match winning: anywhere, the
 * picker, a question holding its step, a lesson shown. */
enum {
    VIZ_KEYS_ANYWHERE = 1u << 0, /* picker or lesson */
    VIZ_KEYS_PICKER = 1u << 1,   /* the lesson picker is shown */
    VIZ_KEYS_QUESTION = 1u << 2, /* a question holds the step shown */
    VIZ_KEYS_LESSON = 1u << 3,   /* a lesson is shown */
    VIZ_KEYS_LIVE = 1u << 4,     /* the live window (`sockbuf live` with a display) */
    VIZ_KEYS_TRACE = 1u << 5,    /* the trace window (`sockbuf trace`) */
};

/* The contexts of the lesson window, whose help, manual table ("### Keys")
 * and man page list are the table's rows in them. */
#define VIZ_KEYS_LESSON_WINDOW                                                                     \
    (VIZ_KEYS_ANYWHERE | VIZ_KEYS_PICKER | VIZ_KEYS_QUESTION | VIZ_KEYS_LESSON)

/* The modifiers a key needs. 0: any (Shift+P is P); a binding that
 * needs Ctrl is found before one that takes any modifiers. */
enum { VIZ_KEY_CTRL = 1u << 0, VIZ_KEY_SHIFT = 1u << 1 };

enum { VIZ_KEY_MAX_BINDINGS = 8 };

/* One key, or a range of keys (sym..last, e.g. SDLK_1..SDLK_9), and the
 * action it runs. last 0: the one key sym. */
typedef struct {
    SDL_Keycode sym, last;
    unsigned mods; /* VIZ_KEY_CTRL, VIZ_KEY_SHIFT, or 0 */
    viz_key_action action;
} viz_key_binding;

/* One row: its keys (the list ends at sym 0), where they apply, the help
 * overlay's line (keys, English, Japanese; NULL keys: not listed, as the
 * picker's own keys, which its footer names), and the row of the key
 * table in docs/manual.md ("| doc_keys | doc |"), also in README.md when
 * readme is set. */
typedef struct {
    unsigned contexts;
    viz_key_binding keys[VIZ_KEY_MAX_BINDINGS];
    const char *help_keys, *help_en, *help_ja;
    const char *doc_keys, *doc;
    bool readme;
} viz_key_row;

/* The table (static storage) and its row count in *n. */
const viz_key_row *viz_keys_table(size_t *n);

/* The action of key sym with modifiers mod (SDL's KMOD_* bits) in the
 * contexts that hold (VIZ_KEYS_* bits), or VIZ_KEY_NONE. */
viz_key_action viz_keys_find(unsigned contexts, SDL_Keycode sym, Uint16 mod);

enum { VIZ_KEYS_HELP_MAX = 32 };

/* The lesson window's help overlay lines, in the table's order: lines[i]
 * is {keys, English, Japanese} of each row the overlay lists (strings in
 * static storage), at most max of them. Returns the count. */
int viz_keys_help_lines(const char *lines[][3], int max);

/* The same for the rows of any of the contexts in window
 * (VIZ_KEYS_LESSON_WINDOW, VIZ_KEYS_LIVE, VIZ_KEYS_TRACE). */
int viz_keys_help_lines_in(unsigned window, const char *lines[][3], int max);

/* The keys every small window (live, trace) shares, as the lesson window
 * runs them: ? and F1 show / hide the help; Esc closes the help, else
 * says how to quit, and never quits; Q asks, Q again quits, any other key
 * stays. */
typedef struct {
    bool help;                           /* the help overlay is shown */
    bool asking_quit;                    /* Q was pressed once: Q again quits */
    bool quit;                           /* Q twice: the window ends */
    const char *message_en, *message_ja; /* what the footer says now, or NULL (static) */
} viz_keys_window;

/* Looks the event up in the contexts window (a SDL_KEYDOWN, or '?' as
 * SDL_TEXTINPUT), runs HELP, ESCAPE and QUIT on *st, and returns the
 * action for the caller to run the others (VIZ_KEY_NONE: no key of the
 * table, or a modifier alone, which changes nothing). */
viz_key_action viz_keys_window_event(viz_keys_window *st, unsigned window, const SDL_Event *ev);

/* The man page's KEYS list in roff: one .TP paragraph per row with
 * manual text, in the table's order (the lesson window's rows, then the
 * live window's and the trace window's after a line naming each), its keys bold, its text the
 * manual's with a capital first letter (`code` italic; non-ASCII
 * characters as groff escapes, the page being ASCII). What fills
 * docs/sockbuf.1's region `.\" BEGIN GENERATED keys`. */
void viz_keys_man(FILE *out);

/* The action's name, for messages ("next", "help"; "?" out of range). */
const char *viz_keys_action_name(viz_key_action action);

#endif
