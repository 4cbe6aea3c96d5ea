/* test_viz_keys.c: the key table (viz_keys.c) is the only word on keys.
 *
 * The window's handler, its help overlay, the key tables of
 * docs/manual.md and README.md and the KEYS region of the man page
 * (docs/sockbuf.1) must all say what the table says: every
 * action has a key; every key of a sweep (letters, digits, keypad,
 * function keys, arrows...), with no modifier, Ctrl or Shift, sent as an
 * SDL_KEYDOWN to a fresh app in the picker, in a lesson and on a
 * question, is taken exactly when the table binds it there, and then
 * does what its action says; the overlay draws exactly the table's lines
 * in both languages; the documents' rows are the table's rows, and the
 * man page's KEYS region is what viz_keys_man() writes. The app
 * runs the model only (sim_only), offscreen, as in test_viz_app.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <SDL_ttf.h>

#include "viz_app.h"
#include "viz_canvas.h"
#include "viz_font.h"
#include "viz_keys.h"

/* The states a key is tried in. */
typedef enum { IN_PICKER, IN_LESSON, IN_QUESTION, NSTATES } app_state;

static viz_app_info info(viz_app *a)
{
    viz_app_info i;
    viz_app_get(a, &i);
    return i;
}

/* A fresh app: the picker; basics on its last step (N has a next
 * lesson), its question revealed; chat on its step 4, whose question
 * holds it. */
static viz_app *app_in(app_state s)
{
    char err[1024] = "";
    int status = -1;
    const char *lesson = s == IN_PICKER ? NULL : s == IN_LESSON ? "basics" : "chat";
    viz_app *a = viz_app_new(lesson, VIZ_LANG_EN, true, NULL, err, sizeof err, &status);
    if (!a)
        fprintf(stderr, "viz_app_new(%s): %s\n", lesson ? lesson : "NULL", err);
    assert_non_null(a);
    assert_int_equal(viz_app_wait(a), 0);
    if (s == IN_LESSON)
        assert_int_equal(viz_app_goto(a, info(a).nsteps - 1), 0);
    if (s == IN_QUESTION)
        assert_int_equal(viz_app_goto(a, 3), 0);
    assert_int_equal(viz_app_wait(a), 0);
    if (s == IN_LESSON && info(a).asking) {
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = SDL_KEYDOWN;
        e.key.keysym.sym = SDLK_SPACE; /* reveal: the lesson's keys, not the question's */
        viz_app_handle_event(a, &e);
        assert_false(info(a).asking);
    }
    if (s == IN_QUESTION)
        assert_true(info(a).asking);
    return a;
}

static unsigned contexts_of(const viz_app_info *i)
{
    if (i->picker)
        return VIZ_KEYS_ANYWHERE | VIZ_KEYS_PICKER;
    unsigned c = VIZ_KEYS_ANYWHERE | VIZ_KEYS_LESSON;
    return i->asking && i->pending_step < 0 ? c | VIZ_KEYS_QUESTION : c;
}

/* Whether going from b to i is what action act of key sym does. */
static bool did(viz_key_action act, SDL_Keycode sym, const viz_app_info *b, const viz_app_info *i)
{
    int last = b->nsteps - 1;
    switch (act) {
    case VIZ_KEY_NEXT:
    case VIZ_KEY_PAGE_NEXT:
        return b->step < last ? i->step == b->step + 1 : i->message != NULL;
    case VIZ_KEY_PREV:
    case VIZ_KEY_PAGE_PREV:
        return i->step == (b->step > 0 ? b->step - 1 : 0);
    case VIZ_KEY_FIRST:
    case VIZ_KEY_RESTART:
        return i->step == 0;
    case VIZ_KEY_LAST:
        return i->step == last;
    case VIZ_KEY_AUTOPLAY:
        return i->autoplay != b->autoplay;
    case VIZ_KEY_WIRE:
        return i->kernel_wire != b->kernel_wire;
    case VIZ_KEY_FASTER:
        return i->speed > b->speed;
    case VIZ_KEY_SLOWER:
        return i->speed < b->speed;
    case VIZ_KEY_FREEZE:
        return i->frozen != b->frozen && i->step == b->step;
    case VIZ_KEY_FRAME_BACK:
        return i->frozen && (b->progress > 0 ? i->progress < b->progress : i->progress == 0);
    case VIZ_KEY_FRAME_FWD:
        return i->frozen && i->progress > b->progress;
    case VIZ_KEY_REPLAY:
        return !i->frozen && i->progress == 0 && i->step == b->step;
    case VIZ_KEY_LANG:
        return i->lang != b->lang;
    case VIZ_KEY_FULLSCREEN:
        return i->fullscreen != b->fullscreen;
    case VIZ_KEY_ZOOM_IN:
        return i->zoom > b->zoom;
    case VIZ_KEY_ZOOM_OUT:
        return i->zoom < b->zoom;
    case VIZ_KEY_ZOOM_RESET:
        return i->zoom == 1.0;
    case VIZ_KEY_THEME:
        return i->theme != b->theme;
    case VIZ_KEY_VOTE: {
        int v = 0, w = 0;
        for (int k = 0; k < 26; k++) {
            v += b->votes[k];
            w += i->votes[k];
        }
        /* a letter of no choice counts nothing, and still holds the step */
        return i->asking && (w == v + 1 ? i->votes[sym - SDLK_a] == 1 : w == v);
    }
    case VIZ_KEY_REVEAL:
        return !i->asking && i->step == b->step;
    case VIZ_KEY_PROMPT:
        return i->prompt_open;
    case VIZ_KEY_UNDO:
        return i->message && strstr(i->message, "undo");
    case VIZ_KEY_SAVE:
        return i->saved[0] && strstr(i->message, "saved");
    case VIZ_KEY_LATENCY:
        return i->message && strstr(i->message, "latency");
    case VIZ_KEY_NEXT_LESSON:
        return i->lesson == b->lesson + 1 && i->step == 0;
    case VIZ_KEY_LESSON: {
        int n = sym >= SDLK_KP_1 && sym <= SDLK_KP_9 ? (int)(sym - SDLK_KP_1) : (int)(sym - SDLK_1);
        /* past the last lesson: a message that says so */
        return (!i->picker && i->lesson == n) || (i->message && strstr(i->message, "no lesson"));
    }
    case VIZ_KEY_PICKER:
        return i->picker;
    case VIZ_KEY_HELP:
        return i->help != b->help;
    case VIZ_KEY_ESCAPE: /* closes what is open, never quits */
        return b->help ? !i->help && !i->quit : !i->quit;
    case VIZ_KEY_QUIT: /* asks first */
        return !i->quit && i->asking_quit;
    case VIZ_KEY_GOTO:
        return i->goto_open && !i->goto_text[0];
    case VIZ_KEY_SPOTLIGHT:
        return i->spotlight != b->spotlight;
    case VIZ_KEY_UNVOTE: {
        int v = 0, w = 0;
        for (int k = 0; k < 26; k++) {
            v += b->votes[k];
            w += i->votes[k];
        }
        return i->asking && (v ? w == v - 1 : i->message && strstr(i->message, "no vote"));
    }
    case VIZ_KEY_PICK_UP:
        return i->picker_selected == (b->picker_selected > 0 ? b->picker_selected - 1 : 0);
    case VIZ_KEY_PICK_DOWN:
        return i->picker_selected == b->picker_selected + 1;
    case VIZ_KEY_PICK_OPEN:
        return !i->picker && i->lesson == b->picker_selected;
    case VIZ_KEY_NONE:
    case VIZ_KEY_NACTIONS:
        break;
    }
    return false;
}

/* Whether action act applies in state b: N only after the last step
 * (viz_keys.h says so); every other action always does. */
static bool applies(viz_key_action act, const viz_app_info *b)
{
    if (act == VIZ_KEY_NEXT_LESSON)
        return b->step == b->nsteps - 1 && b->lesson >= 0;
    return act != VIZ_KEY_NONE;
}

/* Every action of the table has at least one key. */
static void test_viz_keys_every_action_has_a_key(void **state)
{
    (void)state;
    size_t n;
    const viz_key_row *rows = viz_keys_table(&n);
    for (int act = VIZ_KEY_NONE + 1; act < VIZ_KEY_NACTIONS; act++) {
        bool found = false;
        for (size_t r = 0; r < n; r++)
            for (int k = 0; k < VIZ_KEY_MAX_BINDINGS && rows[r].keys[k].sym; k++)
                found |= rows[r].keys[k].action == (viz_key_action)act;
        if (!found)
            fprintf(stderr, "action %s has no key in viz_keys.c\n", viz_keys_action_name(act));
        assert_true(found);
    }
}

/* Sends one key to a fresh app in state s; checks that the app looks it
 * up to the table's action there, takes it exactly when that action
 * applies, and that it then does what the action says. Returns the
 * action done (VIZ_KEY_NONE: none). */
static viz_key_action try_key(app_state s, SDL_Keycode sym, Uint16 mod)
{
    viz_app *a = app_in(s);
    viz_app_info b = info(a);
    viz_key_action want = viz_keys_find(contexts_of(&b), sym, mod);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = sym;
    e.key.keysym.mod = mod;
    bool taken = viz_app_handle_event(a, &e);
    assert_int_equal(viz_app_wait(a), 0);
    viz_app_info i = info(a);
    bool take = applies(want, &b);
    if (taken != take || i.key_action != (int)want || (take && !did(want, sym, &b, &i)))
        fprintf(stderr, "state %d, key %s (0x%x) mod 0x%x: table says %s; the app %s it as %s%s\n",
                (int)s, SDL_GetKeyName(sym), (unsigned)sym, (unsigned)mod,
                viz_keys_action_name(want), taken ? "took" : "did not take",
                viz_keys_action_name((viz_key_action)i.key_action),
                take && !did(want, sym, &b, &i) ? ", without its effect" : "");
    assert_int_equal(taken, take);
    assert_int_equal(i.key_action, (int)want);
    if (take)
        assert_true(did(want, sym, &b, &i));
    viz_app_free(a);
    return take ? want : VIZ_KEY_NONE;
}

static const Uint16 mods[] = {0, KMOD_LCTRL, KMOD_LSHIFT};

/* The keys a sweep tries (at most 128) into out; returns their count. */
static int sweep_keys(SDL_Keycode *out)
{
    int n = 0;
    for (SDL_Keycode k = SDLK_a; k <= SDLK_z; k++)
        out[n++] = k;
    for (SDL_Keycode k = SDLK_0; k <= SDLK_9; k++)
        out[n++] = k;
    for (SDL_Keycode k = SDLK_KP_1; k <= SDLK_KP_0; k++)
        out[n++] = k;
    for (SDL_Keycode k = SDLK_F1; k <= SDLK_F12; k++)
        out[n++] = k;
    const SDL_Keycode other[] = {
        SDLK_SPACE,  SDLK_RETURN,  SDLK_KP_ENTER, SDLK_TAB,      SDLK_ESCAPE,   SDLK_BACKSPACE,
        SDLK_DELETE, SDLK_INSERT,  SDLK_LEFT,     SDLK_RIGHT,    SDLK_UP,       SDLK_DOWN,
        SDLK_HOME,   SDLK_END,     SDLK_PAGEUP,   SDLK_PAGEDOWN, SDLK_PLUS,     SDLK_MINUS,
        SDLK_EQUALS, SDLK_KP_PLUS, SDLK_KP_MINUS, SDLK_SLASH,    SDLK_QUESTION, SDLK_KP_DIVIDE,
        SDLK_PERIOD, SDLK_COMMA,
    };
    for (size_t k = 0; k < sizeof other / sizeof other[0]; k++)
        out[n++] = other[k];
    return n;
}

/* The handler takes a key exactly when the table binds it in the
 * contexts that hold, and runs the table's action. */
static void test_viz_keys_handler_follows_table(void **state)
{
    (void)state;
    /* Ctrl+S writes the session into the current folder. */
    char dir[] = "/tmp/sockbuf-keys-XXXXXX", old[4096], cmd[4200];
    assert_non_null(mkdtemp(dir));
    assert_non_null(getcwd(old, sizeof old));
    assert_int_equal(chdir(dir), 0);
    SDL_StopTextInput(); /* else '?' comes as text, not as a key */
    SDL_Keycode sweep[128];
    int n = sweep_keys(sweep);
    bool seen[VIZ_KEY_NACTIONS] = {false};
    for (int s = 0; s < NSTATES; s++)
        for (int k = 0; k < n; k++)
            for (size_t m = 0; m < sizeof mods / sizeof mods[0]; m++)
                seen[try_key((app_state)s, sweep[k], mods[m])] = true;
    /* The sweep reached every action, so each was seen to work. */
    for (int act = VIZ_KEY_NONE + 1; act < VIZ_KEY_NACTIONS; act++) {
        if (!seen[act])
            fprintf(stderr, "action %s not reached by the sweep\n", viz_keys_action_name(act));
        assert_true(seen[act]);
    }
    /* '?' typed as text is the table's '?' key. */
    viz_app *a = app_in(IN_LESSON);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_TEXTINPUT;
    snprintf(e.text.text, sizeof e.text.text, "?");
    assert_true(viz_app_handle_event(a, &e));
    assert_int_equal(info(a).key_action, (int)viz_keys_find(VIZ_KEYS_ANYWHERE, SDLK_QUESTION, 0));
    assert_true(info(a).help);
    viz_app_free(a);
    assert_int_equal(chdir(old), 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

typedef struct {
    char text[64][200];
    int n;
} drawn_texts;

static void collect(void *ud, const SDL_Rect *drawn, const SDL_Rect *box, const char *utf8,
                    int size_px)
{
    (void)drawn;
    (void)box;
    (void)size_px;
    drawn_texts *d = ud;
    if (d->n < 64)
        snprintf(d->text[d->n++], sizeof d->text[0], "%s", utf8);
}

/* The help overlay draws the title, then exactly the table's listed rows
 * of its window (keys and the language's text) in its order, then, in
 * the lesson window, the wire's legend. */
static void test_viz_keys_overlay_lists_table(void **state)
{
    (void)state;
    char err[256];
    viz_canvas *c = viz_canvas_new(1920, 1080, err, sizeof err);
    if (!c)
        fprintf(stderr, "viz_canvas_new: %s\n", err);
    assert_non_null(c);
    size_t n;
    const viz_key_row *rows = viz_keys_table(&n);
    /* the lesson window's (with the wire's legend), the live and the trace
     * window's (without) */
    static const unsigned windows[] = {VIZ_KEYS_LESSON_WINDOW, VIZ_KEYS_LIVE, VIZ_KEYS_TRACE};
    for (size_t wi = 0; wi < sizeof windows / sizeof windows[0]; wi++)
        for (int lang = VIZ_LANG_EN; lang <= VIZ_LANG_JA; lang++) {
            unsigned window = windows[wi];
            drawn_texts d = {.n = 0};
            viz_ui ui = {.lang = (viz_lang)lang, .zoom = 1.0, .speed = 1.0, .help = true};
            viz_text_set_hook(viz_canvas_text(c), collect, &d);
            if (window == VIZ_KEYS_LESSON_WINDOW)
                viz_draw_help(viz_canvas_renderer(c), viz_canvas_text(c), &ui, 1920, 1080);
            else
                viz_draw_help_in(viz_canvas_renderer(c), viz_canvas_text(c), &ui, window, 1920,
                                 1080);
            viz_text_set_hook(viz_canvas_text(c), NULL, NULL);
            int at = 1; /* after the title */
            for (size_t r = 0; r < n; r++) {
                if (!rows[r].help_keys || !(rows[r].contexts & window))
                    continue;
                const char *want = lang == VIZ_LANG_JA ? rows[r].help_ja : rows[r].help_en;
                assert_true(at + 1 < d.n);
                assert_string_equal(d.text[at], rows[r].help_keys);
                assert_string_equal(d.text[at + 1], want);
                at += 2;
            }
            /* the legend's three lines, no more keys */
            assert_int_equal(d.n - at, window == VIZ_KEYS_LESSON_WINDOW ? 3 : 0);
        }
    viz_canvas_free(c);
}

/* The rows of the first Markdown table after the line `heading` in the
 * file at path, as "KEYS\tTEXT" lines in out. Returns the row count. */
static int doc_rows(const char *path, const char *heading, char out[][600], int max)
{
    FILE *f = fopen(path, "r");
    if (!f)
        fprintf(stderr, "fopen %s failed\n", path);
    assert_non_null(f);
    char line[2048];
    bool in_section = false, in_table = false;
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!in_section) {
            in_section = !strcmp(line, heading);
            continue;
        }
        if (!strncmp(line, "|---", 4)) {
            in_table = true;
            continue;
        }
        if (!in_table)
            continue;
        if (line[0] != '|')
            break;
        /* "| KEYS | TEXT |": the keys hold no " | " */
        char *sep = strstr(line + 2, " | ");
        size_t len = strlen(line);
        assert_non_null(sep);
        assert_true(len > 4 && !strcmp(line + len - 2, " |"));
        line[len - 2] = 0;
        *sep = 0;
        assert_true(n < max && strlen(line + 2) + strlen(sep + 3) + 2 <= sizeof out[0]);
        strcpy(out[n], line + 2);
        strcat(out[n], "\t");
        strcat(out[n++], sep + 3);
    }
    fclose(f);
    assert_true(in_section);
    return n;
}

/* Compares a document's key table with the table's rows of the contexts
 * in window (readme_only: those marked for the README). */
static void check_doc(const char *file, const char *heading, unsigned window, bool readme_only)
{
    char path[4096], got[64][600], want[600];
    snprintf(path, sizeof path, "%s/%s", SOCKBUF_SOURCE_DIR, file);
    int nd = doc_rows(path, heading, got, 64);
    size_t n;
    const viz_key_row *rows = viz_keys_table(&n);
    int at = 0;
    for (size_t r = 0; r < n; r++) {
        if (!rows[r].doc || !(rows[r].contexts & window) || (readme_only && !rows[r].readme))
            continue;
        snprintf(want, sizeof want, "%s\t%s", rows[r].doc_keys, rows[r].doc);
        if (at >= nd || strcmp(got[at], want))
            fprintf(stderr, "%s, row %d of \"%s\": has \"%s\", viz_keys.c says \"%s\"\n", file,
                    at + 1, heading, at < nd ? got[at] : "(none)", want);
        assert_true(at < nd);
        assert_string_equal(got[at], want);
        at++;
    }
    if (at != nd)
        fprintf(stderr, "%s: row %d \"%s\" is not in viz_keys.c\n", file, at + 1, got[at]);
    assert_int_equal(at, nd);
}

/* docs/manual.md's key table is the table's rows, in its order. */
static void test_viz_keys_manual_matches_table(void **state)
{
    (void)state;
    check_doc("docs/manual.md", "### Keys", VIZ_KEYS_LESSON_WINDOW, false);
}

/* docs/manual.md's tables of the live and trace windows' keys are the
 * table's live and trace rows, in its order. */
static void test_viz_keys_manual_live_trace_match_table(void **state)
{
    (void)state;
    check_doc("docs/manual.md", "**The live window's keys:**", VIZ_KEYS_LIVE, false);
    check_doc("docs/manual.md", "**The trace window's keys:**", VIZ_KEYS_TRACE, false);
}

/* README.md's key table is the table's main rows, in its order. */
static void test_viz_keys_readme_matches_table(void **state)
{
    (void)state;
    check_doc("README.md", "## The window's keys", VIZ_KEYS_LESSON_WINDOW, true);
}

/* The lines of docs/sockbuf.1 between `.\" BEGIN GENERATED keys` and
 * the END line after it (free it), or NULL without such a region. */
static char *man_keys_region(void)
{
    FILE *f = fopen(SOCKBUF_SOURCE_DIR "/docs/sockbuf.1", "r");
    assert_non_null(f);
    char *buf = NULL, line[4096];
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    int at = 0; /* 0 before the region, 1 in it, 2 after its END */
    while (at < 2 && fgets(line, sizeof line, f)) {
        if (at == 0)
            at = !strcmp(line, ".\\\" BEGIN GENERATED keys\n");
        else if (!strncmp(line, ".\\\" END GENERATED", 17))
            at = 2;
        else
            fputs(line, m);
    }
    fclose(m);
    fclose(f);
    if (at != 2) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* docs/sockbuf.1's KEYS region is what viz_keys_man() writes from the
 * table now. */
static void test_viz_keys_manpage_matches_table(void **state)
{
    (void)state;
    char *want = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&want, &len);
    viz_keys_man(m);
    fclose(m);
    char *got = man_keys_region();
    if (!got)
        fail_msg("docs/sockbuf.1 has no region '.\\\" BEGIN GENERATED keys' ... END GENERATED");
    if (strcmp(got, want))
        fprintf(stderr,
                "docs/sockbuf.1's KEYS region is not what viz_keys.c writes: copy "
                "build/sockbuf.1 there. viz_keys_man() writes:\n%s",
                want);
    assert_string_equal(got, want);
    free(got);
    free(want);
}

static viz_app_info key(viz_app *a, SDL_Keycode sym, Uint16 mod)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = sym;
    e.key.keysym.mod = mod;
    viz_app_handle_event(a, &e);
    assert_int_equal(viz_app_wait(a), 0);
    return info(a);
}

/* Esc never quits: not in the picker, a lesson or a question, not after
 * closing the help (Esc, Esc), not pressed many times. */
static void test_viz_keys_escape_never_quits(void **state)
{
    (void)state;
    for (int s = 0; s < NSTATES; s++) {
        viz_app *a = app_in((app_state)s);
        key(a, SDLK_F1, 0);
        assert_true(info(a).help);
        viz_app_info i = key(a, SDLK_ESCAPE, 0);
        assert_false(i.help);
        for (int k = 0; k < 5; k++)
            assert_false(key(a, SDLK_ESCAPE, 0).quit);
        assert_non_null(info(a).message); /* it says how to quit */
        assert_non_null(strstr(info(a).message, "Q"));
        viz_app_free(a);
    }
}

/* Q asks first; any other key stays; Q twice quits. */
static void test_viz_keys_quit_asks_first(void **state)
{
    (void)state;
    viz_app *a = app_in(IN_LESSON);
    viz_app_info i = key(a, SDLK_q, 0);
    assert_false(i.quit);
    assert_true(i.asking_quit);
    i = key(a, SDLK_ESCAPE, 0);
    assert_false(i.asking_quit);
    assert_false(key(a, SDLK_q, 0).quit);
    assert_false(key(a, SDLK_w, 0).quit); /* another key: the question is gone */
    assert_false(key(a, SDLK_q, 0).quit);
    assert_true(key(a, SDLK_q, 0).quit);
    viz_app_free(a);
}

/* A lesson switch with votes asks first: 1 stays in the lesson and asks,
 * another key keeps the votes, 1 twice switches. Without votes or typed
 * steps, 1 switches at once. */
static void test_viz_keys_switch_with_votes_asks(void **state)
{
    (void)state;
    viz_app *a = app_in(IN_QUESTION);
    int lesson = info(a).lesson;
    key(a, SDLK_a, 0);
    viz_app_info i = key(a, SDLK_1, 0);
    assert_int_equal(i.lesson, lesson);
    assert_true(i.asking_leave);
    assert_int_equal(i.votes[0], 1);
    assert_non_null(strstr(i.message, "1 vote"));
    i = key(a, SDLK_w, 0); /* not 1: stays (W does what it does) */
    assert_false(i.asking_leave);
    assert_int_equal(i.lesson, lesson);
    assert_int_equal(i.votes[0], 1);
    key(a, SDLK_0, 0); /* the picker asks too */
    assert_false(info(a).picker);
    key(a, SDLK_ESCAPE, 0);
    key(a, SDLK_1, 0);
    i = key(a, SDLK_1, 0);
    assert_int_equal(i.lesson, 0);
    assert_false(i.asking_leave);
    /* nothing to lose: at once */
    i = key(a, SDLK_2, 0);
    assert_int_equal(i.lesson, 1);
    viz_app_free(a);
}

/* A vote can be taken back: Backspace removes the last one, then the
 * one before; with none left it says so. The question still holds. */
static void test_viz_keys_vote_undo(void **state)
{
    (void)state;
    viz_app *a = app_in(IN_QUESTION);
    key(a, SDLK_a, 0);
    key(a, SDLK_a, 0);
    viz_app_info i = key(a, SDLK_b, 0);
    assert_int_equal(i.votes[0], 2);
    assert_int_equal(i.votes[1], 1);
    i = key(a, SDLK_BACKSPACE, 0);
    assert_int_equal(i.votes[0], 2);
    assert_int_equal(i.votes[1], 0);
    assert_true(i.asking);
    i = key(a, SDLK_BACKSPACE, 0);
    assert_int_equal(i.votes[0], 1);
    key(a, SDLK_BACKSPACE, 0);
    i = key(a, SDLK_BACKSPACE, 0);
    assert_int_equal(i.votes[0], 0);
    assert_non_null(strstr(i.message, "no vote"));
    assert_true(i.asking);
    /* no votes left: leaving asks nothing */
    assert_int_equal(key(a, SDLK_1, 0).lesson, 0);
    viz_app_free(a);
}

/* G, digits, Enter jump to that step; a step out of range is said and
 * nothing moves; Esc leaves the entry; Backspace replays the step from
 * its start and K , . scrub within it. */
static void test_viz_keys_jump_replay_scrub(void **state)
{
    (void)state;
    viz_app *a = app_in(IN_LESSON); /* basics, last step */
    key(a, SDLK_g, 0);
    key(a, SDLK_2, 0);
    viz_app_info i = key(a, SDLK_RETURN, 0);
    assert_int_equal(i.step, 1);
    assert_false(i.goto_open);
    key(a, SDLK_g, 0);
    key(a, SDLK_9, 0);
    i = key(a, SDLK_9, 0);
    assert_string_equal(i.goto_text, "99");
    i = key(a, SDLK_KP_ENTER, 0);
    assert_int_equal(i.step, 1);
    assert_non_null(strstr(i.message, "no step 99"));
    key(a, SDLK_g, 0);
    key(a, SDLK_1, 0); /* a digit here is the step's, not lesson 1 */
    i = key(a, SDLK_ESCAPE, 0);
    assert_false(i.goto_open);
    assert_int_equal(i.step, 1);
    assert_int_equal(i.lesson, info(a).lesson);
    assert_false(i.quit);
    /* replay and scrub */
    viz_app_tick(a, 100000);
    assert_true(info(a).progress >= 1.0);
    i = key(a, SDLK_BACKSPACE, 0);
    assert_true(i.progress == 0.0);
    viz_app_tick(a, 50);
    i = key(a, SDLK_k, 0);
    assert_true(i.frozen);
    double p = i.progress;
    viz_app_tick(a, 500);
    assert_true(info(a).progress == p);
    assert_true(key(a, SDLK_PERIOD, 0).progress > p);
    assert_true(key(a, SDLK_COMMA, 0).progress == p);
    viz_app_free(a);
}

/* B lights each kernel buffer in turn, then none; Esc puts it out. */
static void test_viz_keys_spotlight(void **state)
{
    (void)state;
    viz_app *a = app_in(IN_LESSON);
    for (int k = 1; k <= 4; k++)
        assert_int_equal(key(a, SDLK_b, 0).spotlight, k);
    assert_int_equal(key(a, SDLK_b, 0).spotlight, 0);
    key(a, SDLK_b, 0);
    assert_int_equal(key(a, SDLK_ESCAPE, 0).spotlight, 0);
    viz_app_free(a);
}

/* ---- the live and trace windows ------------------------------------- */

static SDL_Event keydown(SDL_Keycode sym, Uint16 mod)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = sym;
    e.key.keysym.mod = mod;
    return e;
}

static viz_key_action press(viz_keys_window *st, unsigned window, SDL_Keycode sym, Uint16 mod)
{
    SDL_Event e = keydown(sym, mod);
    return viz_keys_window_event(st, window, &e);
}

/* Whether the live (or, with trace, the trace) window runs action act:
 * the shared keys (viz_window.c's small_window_key and
 * viz_keys_window_event), and the trace window's steps. */
static bool small_window_runs(viz_key_action act, bool trace)
{
    switch (act) {
    case VIZ_KEY_LANG:
    case VIZ_KEY_FULLSCREEN:
    case VIZ_KEY_ZOOM_IN:
    case VIZ_KEY_ZOOM_OUT:
    case VIZ_KEY_ZOOM_RESET:
    case VIZ_KEY_HELP:
    case VIZ_KEY_ESCAPE:
    case VIZ_KEY_QUIT:
        return true;
    case VIZ_KEY_NEXT:
    case VIZ_KEY_PREV:
    case VIZ_KEY_FIRST:
    case VIZ_KEY_LAST:
    case VIZ_KEY_AUTOPLAY:
        return trace;
    default:
        return false;
    }
}

/* The live and trace windows take a key of the sweep exactly when the
 * table binds it in their context, with the table's action, an action
 * they run; every action of their rows is reached; ? / F1, Esc and Q do
 * what the table says, and no other key shows the help or quits. */
static void test_viz_keys_small_windows_follow_table(void **state)
{
    (void)state;
    SDL_Keycode sweep[128];
    int n = sweep_keys(sweep);
    size_t nrows;
    const viz_key_row *rows = viz_keys_table(&nrows);
    static const unsigned windows[] = {VIZ_KEYS_LIVE, VIZ_KEYS_TRACE};
    for (size_t wi = 0; wi < 2; wi++) {
        unsigned window = windows[wi];
        bool seen[VIZ_KEY_NACTIONS] = {false};
        for (int k = 0; k < n; k++)
            for (size_t m = 0; m < sizeof mods / sizeof mods[0]; m++) {
                viz_keys_window st = {.help = false};
                viz_key_action want = viz_keys_find(window, sweep[k], mods[m]);
                viz_key_action got = press(&st, window, sweep[k], mods[m]);
                if (got != want)
                    fprintf(stderr, "window 0x%x, key %s mod 0x%x: table says %s, got %s\n", window,
                            SDL_GetKeyName(sweep[k]), (unsigned)mods[m], viz_keys_action_name(want),
                            viz_keys_action_name(got));
                assert_int_equal(got, want);
                assert_true(got == VIZ_KEY_NONE || small_window_runs(got, wi == 1));
                assert_int_equal(st.help, got == VIZ_KEY_HELP);
                assert_int_equal(st.asking_quit, got == VIZ_KEY_QUIT);
                assert_false(st.quit);     /* one key never quits */
                if (got == VIZ_KEY_ESCAPE) /* it says how to quit */
                    assert_non_null(strstr(st.message_en, "Q"));
                seen[got] = true;
            }
        for (size_t r = 0; r < nrows; r++)
            for (int b = 0;
                 (rows[r].contexts & window) && b < VIZ_KEY_MAX_BINDINGS && rows[r].keys[b].sym;
                 b++) {
                if (!seen[rows[r].keys[b].action])
                    fprintf(stderr, "window 0x%x: %s not reached by the sweep\n", window,
                            viz_keys_action_name(rows[r].keys[b].action));
                assert_true(seen[rows[r].keys[b].action]);
            }
        /* the window's keys have a help line each, and Esc, Q and ? are among them */
        assert_int_equal(viz_keys_find(window, SDLK_ESCAPE, 0), VIZ_KEY_ESCAPE);
        assert_int_equal(viz_keys_find(window, SDLK_q, 0), VIZ_KEY_QUIT);
        assert_int_equal(viz_keys_find(window, SDLK_F1, 0), VIZ_KEY_HELP);
    }
}

/* In the live and trace windows Esc never quits (not after the help,
 * not pressed many times); Q asks, any other key stays, Q twice quits;
 * Shift on its way to '?' answers no question; '?' typed as text is the
 * help. */
static void test_viz_keys_small_windows_quit_rules(void **state)
{
    (void)state;
    static const unsigned windows[] = {VIZ_KEYS_LIVE, VIZ_KEYS_TRACE};
    for (size_t wi = 0; wi < 2; wi++) {
        unsigned w = windows[wi];
        viz_keys_window st = {.help = false};
        press(&st, w, SDLK_F1, 0);
        assert_true(st.help);
        press(&st, w, SDLK_ESCAPE, 0);
        assert_false(st.help);
        for (int k = 0; k < 5; k++) {
            press(&st, w, SDLK_ESCAPE, 0);
            assert_false(st.quit);
        }
        assert_non_null(st.message_ja);
        /* Q, then another key: stays */
        press(&st, w, SDLK_q, 0);
        assert_true(st.asking_quit);
        assert_non_null(strstr(st.message_en, "Q again"));
        press(&st, w, SDLK_l, 0);
        assert_false(st.asking_quit);
        press(&st, w, SDLK_q, 0);
        assert_false(st.quit);
        /* Esc answers the question "no" */
        press(&st, w, SDLK_ESCAPE, 0);
        assert_false(st.asking_quit);
        assert_false(st.quit);
        /* Q, Shift alone, Q: quits */
        press(&st, w, SDLK_q, 0);
        assert_int_equal(press(&st, w, SDLK_LSHIFT, KMOD_LSHIFT), VIZ_KEY_NONE);
        assert_true(st.asking_quit);
        press(&st, w, SDLK_q, 0);
        assert_true(st.quit);
        /* '?' as text */
        viz_keys_window t = {.help = false};
        SDL_Event e;
        memset(&e, 0, sizeof e);
        e.type = SDL_TEXTINPUT;
        snprintf(e.text.text, sizeof e.text.text, "?");
        assert_int_equal(viz_keys_window_event(&t, w, &e), VIZ_KEY_HELP);
        assert_true(t.help);
    }
}

/* The live and trace windows' footers name the help (?) and quitting
 * (Q), and no Esc that would quit; a question or word about the keys
 * (ui.toast) takes the footer's place in the live window. */
static void test_viz_keys_small_windows_footers(void **state)
{
    (void)state;
    static const viz_label_id footers[] = {VIZ_L_LIVE_FOOTER, VIZ_L_TRACE_FOOTER};
    for (size_t f = 0; f < 2; f++)
        for (int lang = VIZ_LANG_EN; lang <= VIZ_LANG_JA; lang++) {
            const char *s = viz_label((viz_lang)lang, footers[f]);
            assert_null(strstr(s, "Esc"));
            assert_non_null(strstr(s, "? "));
            assert_non_null(strstr(s, "Q "));
        }
    char err[256];
    viz_canvas *c = viz_canvas_new(1280, 720, err, sizeof err);
    assert_non_null(c);
    viz_live_view v = {.listening = true, .addr = "127.0.0.1:8080"};
    viz_keys_window st = {.help = false};
    press(&st, VIZ_KEYS_LIVE, SDLK_q, 0);
    for (int asked = 0; asked < 2; asked++) {
        drawn_texts d = {.n = 0};
        viz_ui ui = {
            .lang = VIZ_LANG_EN, .zoom = 1.0, .speed = 1.0, .toast = asked ? st.message_en : NULL};
        viz_text_set_hook(viz_canvas_text(c), collect, &d);
        viz_draw_live(viz_canvas_renderer(c), viz_canvas_text(c), &v, &ui, 1280, 720);
        viz_text_set_hook(viz_canvas_text(c), NULL, NULL);
        bool keys = false, question = false;
        for (int i = 0; i < d.n; i++) {
            keys |= !strcmp(d.text[i], viz_label(VIZ_LANG_EN, VIZ_L_LIVE_FOOTER));
            question |= !strcmp(d.text[i], st.message_en);
        }
        assert_int_equal(keys, !asked);
        assert_int_equal(question, asked);
    }
    viz_canvas_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_viz_keys_every_action_has_a_key),
        cmocka_unit_test(test_viz_keys_overlay_lists_table),
        cmocka_unit_test(test_viz_keys_manual_matches_table),
        cmocka_unit_test(test_viz_keys_manual_live_trace_match_table),
        cmocka_unit_test(test_viz_keys_readme_matches_table),
        cmocka_unit_test(test_viz_keys_manpage_matches_table),
        cmocka_unit_test(test_viz_keys_handler_follows_table),
        cmocka_unit_test(test_viz_keys_escape_never_quits),
        cmocka_unit_test(test_viz_keys_quit_asks_first),
        cmocka_unit_test(test_viz_keys_switch_with_votes_asks),
        cmocka_unit_test(test_viz_keys_vote_undo),
        cmocka_unit_test(test_viz_keys_jump_replay_scrub),
        cmocka_unit_test(test_viz_keys_spotlight),
        cmocka_unit_test(test_viz_keys_small_windows_follow_table),
        cmocka_unit_test(test_viz_keys_small_windows_quit_rules),
        cmocka_unit_test(test_viz_keys_small_windows_footers),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    TTF_Quit();
    viz_font_shutdown();
    return rc;
}
