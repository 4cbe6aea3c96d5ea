/* test_viz_app.c: the presenter keys, on the real runner, no window.
 *
 * SDL_KEYDOWN events go straight into viz_app_handle_event(), the same
 * function the window loop calls, and the step, language, zoom and
 * picker are checked. The bundled basics lesson runs in the model only
 * (sim_only), so the test needs neither a display nor loopback (one
 * case runs a typed step on the kernel too, skipped without loopback).
 * The question keys and the what-if prompt are driven the same way, with
 * SDL_TEXTINPUT and SDL_TEXTEDITING events for the typed text.
 * Also: `sockbuf` with no display says so and exits 1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SDL_ttf.h>

#include <cmocka.h>

#include "lesson.h"
#include "lesson_run.h"
#include "viz_anim.h"
#include "viz_app.h"
#include "viz_canvas.h"
#include "viz_font.h"
#include "viz_scene.h"
#include "viz_session.h"

static SDL_Event key(SDL_Keycode sym, Uint16 mod)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = sym;
    e.key.keysym.mod = mod;
    return e;
}

static viz_app_info press(viz_app *a, SDL_Keycode sym, Uint16 mod)
{
    SDL_Event e = key(sym, mod);
    viz_app_handle_event(a, &e);
    assert_int_equal(viz_app_wait(a), 0); /* the worker has run the step */
    viz_app_info i;
    viz_app_get(a, &i);
    return i;
}

static viz_app *open_app(const char *lesson)
{
    char err[1024] = "";
    int status = -1;
    viz_app *a = viz_app_new(lesson, VIZ_LANG_EN, true, NULL, err, sizeof err, &status);
    if (!a)
        fprintf(stderr, "viz_app_new: %s\n", err);
    assert_non_null(a);
    assert_int_equal(status, 0);
    assert_int_equal(viz_app_wait(a), 0);
    return a;
}

/* Down / PageDown turn the narration's pages of a step whose narration
 * does not fit (05 step 5, zoomed three times at 1280x720), then go to the
 * next step; Up / PageUp turn back, then go to the previous step. */
static void test_keys_narration_pages(void **state)
{
    (void)state;
    viz_app *a = open_app("nagle-delayed-ack");
    char err[256];
    viz_canvas *c = viz_canvas_new(1280, 720, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(viz_app_goto(a, 4), 0);
    assert_int_equal(viz_app_wait(a), 0);
    for (int i = 0; i < 3; i++)
        press(a, SDLK_EQUALS, KMOD_LCTRL);
    viz_app_draw(a, viz_canvas_renderer(c), viz_canvas_text(c), 1280, 720);
    viz_app_info i;
    viz_app_get(a, &i);
    assert_int_equal(i.step, 4);
    assert_int_equal(i.nar_page, 0);
    assert_true(i.nar_pages >= 2);
    int pages = i.nar_pages;
    i = press(a, SDLK_DOWN, 0);
    assert_int_equal(i.step, 4);
    assert_int_equal(i.nar_page, 1);
    i = press(a, SDLK_UP, 0);
    assert_int_equal(i.step, 4);
    assert_int_equal(i.nar_page, 0);
    for (int k = 1; k < pages; k++) {
        viz_app_draw(a, viz_canvas_renderer(c), viz_canvas_text(c), 1280, 720);
        i = press(a, SDLK_PAGEDOWN, 0);
        assert_int_equal(i.step, 4);
        assert_int_equal(i.nar_page, k);
    }
    viz_app_draw(a, viz_canvas_renderer(c), viz_canvas_text(c), 1280, 720);
    i = press(a, SDLK_PAGEDOWN, 0); /* past the last page: the next step, on its first page */
    assert_int_equal(i.step, 5);
    assert_int_equal(i.nar_page, 0);
    viz_app_draw(a, viz_canvas_renderer(c), viz_canvas_text(c), 1280, 720);
    i = press(a, SDLK_UP, 0); /* on the first page: the previous step */
    assert_int_equal(i.step, 4);
    viz_canvas_free(c);
    viz_app_free(a);
}

/* Next, previous, Home and End move between steps and stay in range. */
static void test_keys_step_navigation(void **state)
{
    (void)state;
    viz_app *a = open_app("basics");
    viz_app_info i;
    viz_app_get(a, &i);
    assert_int_equal(i.step, 0);
    assert_true(i.nsteps >= 3);
    assert_int_equal(press(a, SDLK_SPACE, 0).step, 1);
    assert_int_equal(press(a, SDLK_RIGHT, 0).step, 2);
    assert_int_equal(press(a, SDLK_LEFT, 0).step, 1);
    assert_int_equal(press(a, SDLK_PAGEDOWN, 0).step, 2);
    assert_int_equal(press(a, SDLK_PAGEUP, 0).step, 1);
    i = press(a, SDLK_END, 0);
    assert_int_equal(i.step, i.nsteps - 1);
    assert_int_equal(press(a, SDLK_SPACE, 0).step, i.nsteps - 1); /* stays at the end */
    assert_int_equal(press(a, SDLK_HOME, 0).step, 0);
    assert_int_equal(press(a, SDLK_LEFT, 0).step, 0); /* stays at the start */
    press(a, SDLK_RIGHT, 0);
    assert_int_equal(press(a, SDLK_r, 0).step, 0);
    viz_app_free(a);
}

/* Going back is a replay: step k reached backwards draws the same
 * picture as step k reached forwards. */
static void test_keys_back_is_deterministic_replay(void **state)
{
    (void)state;
    viz_app *a = open_app("basics");
    char err[256];
    viz_canvas *c = viz_canvas_new(640, 360, err, sizeof err);
    assert_non_null(c);
    SDL_Surface *s = viz_canvas_surface(c);
    press(a, SDLK_RIGHT, 0);
    press(a, SDLK_RIGHT, 0);
    viz_app_tick(a, 5000); /* animation done */
    viz_app_draw(a, viz_canvas_renderer(c), viz_canvas_text(c), s->w, s->h);
    SDL_RenderFlush(viz_canvas_renderer(c));
    SDL_Surface *fwd = SDL_ConvertSurfaceFormat(s, s->format->format, 0);
    press(a, SDLK_RIGHT, 0);
    assert_int_equal(press(a, SDLK_LEFT, 0).step, 2);
    viz_app_tick(a, 5000);
    viz_app_draw(a, viz_canvas_renderer(c), viz_canvas_text(c), s->w, s->h);
    SDL_RenderFlush(viz_canvas_renderer(c));
    assert_int_equal(memcmp(fwd->pixels, s->pixels, (size_t)s->pitch * (size_t)s->h), 0);
    SDL_FreeSurface(fwd);
    viz_canvas_free(c);
    viz_app_free(a);
}

/* L switches the language, + and - the speed, Ctrl+= and Ctrl+- the text
 * zoom, P autoplay, F fullscreen, F1 help; Esc closes help and never
 * quits; Q asks, Q again quits. */
static void test_keys_presenter_toggles(void **state)
{
    (void)state;
    viz_app *a = open_app("basics");
    assert_int_equal(press(a, SDLK_l, 0).lang, VIZ_LANG_JA);
    assert_int_equal(press(a, SDLK_l, 0).lang, VIZ_LANG_EN);
    assert_true(press(a, SDLK_PLUS, 0).speed > 1.0);
    press(a, SDLK_MINUS, 0);
    assert_true(press(a, SDLK_MINUS, 0).speed < 1.0);
    assert_true(press(a, SDLK_EQUALS, KMOD_LCTRL).zoom > 1.0);
    assert_true(press(a, SDLK_MINUS, KMOD_LCTRL).zoom < 1.0001);
    assert_true(press(a, SDLK_MINUS, KMOD_LCTRL).zoom < 1.0);
    assert_true(press(a, SDLK_p, 0).autoplay);
    assert_true(press(a, SDLK_f, 0).fullscreen);
    assert_false(press(a, SDLK_F11, 0).fullscreen);
    assert_true(press(a, SDLK_F1, 0).help);
    viz_app_info i = press(a, SDLK_ESCAPE, 0);
    assert_false(i.help);
    assert_false(i.quit);
    assert_false(press(a, SDLK_ESCAPE, 0).quit);
    assert_false(press(a, SDLK_q, 0).quit);
    assert_true(press(a, SDLK_q, 0).quit);
    viz_app_free(a);
}

/* K freezes the animation where it is (time passing moves nothing, not
 * even autoplay); , and . move it one frame back and forward; K plays on;
 * Backspace replays the step from its start, playing. */
static void test_keys_freeze_scrub_replay(void **state)
{
    (void)state;
    viz_app *a = open_app("basics");
    assert_int_equal(viz_app_goto(a, 2), 0); /* step 3: the 12 bytes and their ACK */
    assert_int_equal(viz_app_wait(a), 0);
    viz_app_tick(a, 600);
    viz_app_info i = press(a, SDLK_k, 0);
    assert_true(i.frozen);
    double at = i.progress;
    assert_true(at > 0 && at < 1);
    press(a, SDLK_p, 0); /* autoplay waits while frozen */
    for (int k = 0; k < 100; k++)
        viz_app_tick(a, 50);
    viz_app_get(a, &i);
    assert_int_equal(i.step, 2);
    assert_true(i.progress == at);
    press(a, SDLK_p, 0);
    i = press(a, SDLK_PERIOD, 0);
    double frame = i.progress - at;
    assert_true(frame > 0 && frame < 0.05); /* one frame, not a jump */
    i = press(a, SDLK_COMMA, 0);
    i = press(a, SDLK_COMMA, 0);
    assert_true(i.frozen);
    assert_true(fabs(i.progress - (at - frame)) < 1e-9);
    i = press(a, SDLK_k, 0);
    assert_false(i.frozen);
    viz_app_tick(a, 100);
    viz_app_get(a, &i);
    assert_true(i.progress > at - frame);
    i = press(a, SDLK_BACKSPACE, 0);
    assert_int_equal(i.step, 2);
    assert_true(i.progress == 0);
    assert_false(i.frozen);
    viz_app_tick(a, 100);
    viz_app_get(a, &i);
    assert_true(i.progress > 0);
    viz_app_free(a);
}

/* Autoplay walks through the steps by itself as time passes. */
static void test_autoplay_advances(void **state)
{
    (void)state;
    viz_app *a = open_app("basics");
    press(a, SDLK_p, 0);
    /* Ticks are virtual time; the worker runs in real time, so wait for a
     * step autoplay asked for instead of counting on the worker's speed. */
    for (int i = 0; i < 1000; i++) {
        viz_app_tick(a, 16.7);
        assert_int_equal(viz_app_wait(a), 0);
    }
    viz_app_info i;
    viz_app_get(a, &i);
    assert_true(i.step >= 2);
    viz_app_free(a);
}

/* Without a lesson: the picker; 0 returns to it, 1 opens the first
 * bundled lesson, Down and Enter the second (when there is one). */
static void test_keys_picker(void **state)
{
    (void)state;
    char err[256];
    int status;
    viz_app *a = viz_app_new(NULL, VIZ_LANG_JA, true, NULL, err, sizeof err, &status);
    assert_non_null(a);
    viz_app_info i;
    viz_app_get(a, &i);
    assert_true(i.picker);
    i = press(a, SDLK_1, 0);
    assert_false(i.picker);
    assert_int_equal(i.lesson, 0);
    assert_int_equal(i.step, 0);
    assert_true(press(a, SDLK_0, 0).picker);
    i = press(a, SDLK_DOWN, 0);
    int n = i.picker_selected + 1;
    i = press(a, SDLK_RETURN, 0);
    assert_false(i.picker);
    assert_int_equal(i.lesson, n - 1);
    viz_app_free(a);
}

/* A lesson that does not parse is exit status 2 with FILE:LINE:COL. */
static void test_app_bad_lesson(void **state)
{
    (void)state;
    char path[] = "/tmp/test_viz_app_XXXXXX.lesson";
    int fd = mkstemps(path, 7);
    assert_true(fd >= 0);
    const char bad[] = "lesson x\nstep one\nclient: s.send(\n";
    assert_int_equal(write(fd, bad, sizeof bad - 1), (ssize_t)(sizeof bad - 1));
    close(fd);
    char err[1024] = "";
    int status = 0;
    viz_app *a = viz_app_new(path, VIZ_LANG_EN, true, NULL, err, sizeof err, &status);
    assert_null(a);
    assert_int_equal(status, 2);
    assert_non_null(strstr(err, ": error: "));
    assert_non_null(strstr(err, path));
    unlink(path);
}

/* A socket closed during a step still animates: both sides keep their
 * handles, so the server's last 2 bytes are seen on the wire (from the
 * server) and in its send buffer before the step ends. */
static void test_capture_closed_socket_animates(void **state)
{
    (void)state;
    static const char text[] = "lesson closing\n"
                               "title Closing\n"
                               "step Connect\n"
                               "server: srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
                               "server: srv.bind(('localhost', 8080))\n"
                               "server: srv.listen(1)\n"
                               "client: s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
                               "client: s.connect(('localhost', 8080))\n"
                               "server: conn, addr = srv.accept()\n"
                               "step Answer and close\n"
                               "server: conn.sendall(b'ok')\n"
                               "server: conn.close()\n"
                               "client: reply = s.recv(1024)\n"
                               "client: s.close()\n";
    lesson_diag diags[LESSON_MAX_DIAGS];
    int nd = 0;
    lesson_doc *doc = lesson_parse("closing.lesson", text, sizeof text - 1, diags, &nd);
    assert_non_null(doc);
    char err[256];
    lesson_runner *r = lesson_runner_new(doc, LESSON_MODE_SIM, err, sizeof err);
    assert_non_null(r);
    viz_scene *sc = calloc(1, sizeof *sc);
    viz_frame *f = calloc(1, sizeof *f);
    viz_anim *an = viz_anim_new();
    assert_non_null(sc);
    assert_non_null(f);
    assert_non_null(an);
    viz_scene_init(sc, doc);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(lesson_runner_step(r), 0);
        assert_int_equal(viz_scene_next(sc, lesson_runner_record(r)), 0);
    }
    /* The server's socket closed in the step is still the one shown. */
    for (int side = 0; side < 2; side++)
        assert_true(sc->side[side].after.sock_id >= 0);
    assert_int_equal(viz_anim_build(an, sc), 0);
    bool on_wire = false, in_sendbuf = false;
    for (int i = 0; i <= 200; i++) {
        viz_anim_seek(an, sc, i / 200.0, f);
        for (int w = 0; w < f->nwire; w++)
            if (f->wire[w].kind == LESSON_EV_SEGMENT && f->wire[w].from_side == 1 &&
                f->wire[w].bytes == 2)
                on_wire = true;
        if (f->q[1][LESSON_Q_UNSENT].bytes + f->q[1][LESSON_Q_IN_FLIGHT].bytes == 2)
            in_sendbuf = true;
    }
    assert_true(on_wire);
    assert_true(in_sendbuf);
    viz_anim_free(an);
    viz_scene_free(sc);
    free(sc);
    free(f);
    lesson_runner_free(r);
    lesson_doc_free(doc);
}

/* The window answers keys while a step's sockets are still busy: Space
 * asks for a step the worker is still running (a 2 s sleep on real
 * sockets), Left is answered at once from the recorded steps, and the
 * worker is still busy afterwards, so neither key waited for it. */
static void test_keys_answered_while_sockets_settle(void **state)
{
    (void)state;
    static const char text[] = "lesson slow\n"
                               "title Slow\n"
                               "step One\n"
                               "client: x = 1\n"
                               "step Two\n"
                               "client: time.sleep(2)\n"
                               "step Three\n"
                               "client: y = 2\n";
    char path[] = "/tmp/sockbuf-slow-XXXXXX.lesson";
    int fd = mkstemps(path, 7);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    char err[1024] = "";
    int status = -1;
    viz_app *a = viz_app_new(path, VIZ_LANG_EN, false, NULL, err, sizeof err, &status);
    assert_non_null(a);
    assert_int_equal(viz_app_wait(a), 0); /* step one is shown */
    SDL_Event e = key(SDLK_SPACE, 0);
    viz_app_handle_event(a, &e);
    viz_app_info i;
    viz_app_get(a, &i);
    assert_true(i.real); /* loopback works here: step two sleeps 2 s for real */
    assert_int_equal(i.pending_step, 1);
    assert_int_equal(i.step, 0);
    assert_true(i.computing);
    e = key(SDLK_LEFT, 0);
    viz_app_handle_event(a, &e);
    viz_app_get(a, &i);
    assert_int_equal(i.step, 0);
    assert_int_equal(i.pending_step, -1);
    assert_true(i.computing);
    viz_app_free(a);
    unlink(path);
}

/* Runs fn on the record, scene and timeline of every step of every
 * bundled lesson (the model only). */
static void each_bundled_step(void (*fn)(const char *path, const lesson_record *rec,
                                         const viz_scene *sc,
                                         viz_anim *an, void *ud),
                              void *ud)
{
    char *paths[16];
    int np = lesson_list_bundled(paths, 16);
    assert_true(np >= 6);
    viz_scene *sc = calloc(1, sizeof *sc);
    viz_anim *an = viz_anim_new();
    assert_non_null(sc);
    assert_non_null(an);
    for (int l = 0; l < np; l++) {
        lesson_diag diags[LESSON_MAX_DIAGS];
        int nd = 0;
        lesson_doc *doc = lesson_parse_file(paths[l], diags, &nd);
        assert_non_null(doc);
        char err[256];
        lesson_runner *r = lesson_runner_new(doc, LESSON_MODE_SIM, err, sizeof err);
        assert_non_null(r);
        viz_scene_init(sc, doc);
        while (lesson_runner_step(r) == 0) {
            const lesson_record *rec = lesson_runner_record(r);
            assert_int_equal(viz_scene_next(sc, rec), 0);
            assert_int_equal(viz_anim_build(an, sc), 0);
            fn(paths[l], rec, sc, an, ud);
        }
        viz_scene_free(sc);
        lesson_runner_free(r);
        lesson_doc_free(doc);
        free(paths[l]);
    }
    viz_anim_free(an);
    free(sc);
}

/* The replay test's state: the queues it replays into, and a count. */
typedef struct {
    lesson_queue q[2][LESSON_NQUEUES];
    int checked;
} replay_state;

static void replay_matches(const char *path, const lesson_record *rec, const viz_scene *sc,
                           viz_anim *an, void *ud)
{
    replay_state *st = ud;
    viz_anim_replayed(an, sc, st->q);
    for (int side = 0; side < 2; side++) {
        int id = sc->side[side].after.sock_id;
        if (id < 0 || sc->side[side].after.listening)
            continue;
        for (int k = 0; k < LESSON_NQUEUES; k++) {
            const lesson_queue *want = &rec->socks[id].queue[k];
            const lesson_queue *got = &st->q[side][k];
            if (got->bytes != want->bytes || got->n != want->n)
                fail_msg("%s step %d %s queue %d: replay %u bytes in %d runs, record %u in %d",
                         path, rec->step + 1, side ? "server" : "client", k, got->bytes, got->n,
                         want->bytes, want->n);
            for (int i = 0; i < want->n; i++) {
                assert_int_equal(got->run[i].origin, want->run[i].origin);
                assert_int_equal(got->run[i].bytes, want->run[i].bytes);
            }
            st->checked++;
        }
    }
}

/* For every step of every bundled lesson, replaying the step's events
 * from the step before leaves each side's shown queues exactly as the
 * record has them: the animation and the model never disagree. */
static void test_anim_replay_matches_record(void **state)
{
    (void)state;
    replay_state *st = calloc(1, sizeof *st);
    assert_non_null(st);
    each_bundled_step(replay_matches, st);
    assert_true(st->checked > 50);
    free(st);
}


static void chips_long_enough(const char *path, const lesson_record *rec, const viz_scene *sc, viz_anim *an,
                              void *ud)
{
    int step = rec->step;
    int *chips = ud;
    double ms = viz_anim_duration_ms(an);
    /* A step at the cap would squeeze its chips: no bundled lesson may. */
    if (ms >= VIZ_ANIM_MAX_MS - 1)
        chips[1]++;
    if (getenv("SOCKBUF_TEST_VERBOSE"))
        printf("%s step %d: %.0f ms, %zu events\n", path, step + 1, ms, sc->nevents);
    for (size_t i = 0; i < sc->nevents; i++) {
        double p0, p1;
        if (!viz_anim_event_span(an, sc, i, &p0, &p1))
            continue;
        chips[0]++;
        if ((p1 - p0) * ms < 500.0 - 1.0)
            fail_msg("%s step %d event %zu (%s): on screen %.0f ms of a %.0f ms step", path,
                     step + 1, i, lesson_event_chip(sc->events[i].kind)
                                      ? lesson_event_chip(sc->events[i].kind)
                                      : "data",
                     (p1 - p0) * ms, ms);
    }
}

/* Every chip of every step of every bundled lesson (segments, ACKs, SYNs,
 * FINs, the writes and reads flying) stays on screen at least 0.5 s at
 * speed 1, by the timeline's own numbers, the bulk transfer (04 step 5,
 * 140 round trips) too: no step plays at the cap. */
static void test_anim_chips_visible_half_a_second(void **state)
{
    (void)state;
    int chips[2] = {0, 0};
    each_bundled_step(chips_long_enough, chips);
    assert_true(chips[0] > 100);
    assert_int_equal(chips[1], 0);
}

static void synack_named(const char *path, const lesson_record *rec, const viz_scene *sc, viz_anim *an, void *ud)
{
    int step = rec->step;
    (void)path;
    (void)step;
    int *n = ud;
    viz_frame *f = calloc(1, sizeof *f);
    assert_non_null(f);
    for (size_t i = 0; i < sc->nevents; i++) {
        const lesson_event *e = &sc->events[i];
        double p0, p1;
        if (e->kind != LESSON_EV_SYN || !viz_anim_event_span(an, sc, i, &p0, &p1))
            continue;
        viz_anim_seek(an, sc, (p0 + p1) / 2, f);
        bool seen = false;
        for (int k = 0; k < f->nwire; k++) {
            const viz_wire_item *it = &f->wire[k];
            if (it->kind != LESSON_EV_SYN || it->from_side != e->from_side)
                continue;
            /* the listener's side answers: its SYN is the SYN-ACK */
            const char *want = e->from_side == LESSON_SERVER ? "SYN-ACK" : "SYN";
            assert_non_null(it->chip);
            assert_string_equal(it->chip, want);
            assert_int_equal(viz_wire_lane(it), e->from_side);
            seen = true;
        }
        assert_true(seen);
        n[e->from_side]++;
    }
    free(f);
}

/* The handshake's two chips are named as they are: the client's SYN is
 * "SYN", the server's answer "SYN-ACK", each in its sender's lane. */
static void test_anim_synack_named(void **state)
{
    (void)state;
    int n[2] = {0, 0};
    each_bundled_step(synack_named, n);
    assert_true(n[LESSON_CLIENT] > 0);
    assert_true(n[LESSON_SERVER] > 0);
}

static void acks_own_lane(const char *path, const lesson_record *rec, const viz_scene *sc, viz_anim *an,
                          void *ud)
{
    int step = rec->step;
    (void)path;
    (void)step;
    int *n = ud;
    viz_frame *f = calloc(1, sizeof *f);
    assert_non_null(f);
    for (int k = 0; k <= 400; k++) {
        viz_anim_seek(an, sc, k / 400.0, f);
        for (int w = 0; w < f->nwire; w++) {
            const viz_wire_item *it = &f->wire[w];
            if (it->kind != LESSON_EV_ACK && it->kind != LESSON_EV_WINDOW)
                continue;
            /* lane 0 is labelled client -> server, lane 1 server -> client */
            assert_int_equal(viz_wire_lane(it), it->from_side == LESSON_SERVER ? 1 : 0);
            (*n)++;
        }
    }
    free(f);
}

/* An ACK travels in its own direction's lane (the server's ACK of the
 * client's data goes right to left, under "server → client"), not in
 * the lane of the data it acknowledges. */
static void test_anim_ack_in_own_lane(void **state)
{
    (void)state;
    int n = 0;
    each_bundled_step(acks_own_lane, &n);
    assert_true(n > 0);
}

/* The end of a lesson says so and offers the next one (N opens it); a
 * digit key opens a lesson from the picker; W with no kernel log says so in the
 * wire's title, not by taking the footer's key hints. */
static void test_end_of_lesson_and_feedback(void **state)
{
    (void)state;
    viz_app *a = open_app("basics");
    viz_app_info i = press(a, SDLK_END, 0);
    assert_int_equal(i.step, i.nsteps - 1);
    assert_null(i.message);
    /* (a question on the last step takes one Space to reveal first) */
    for (int k = 0; k < 3 && !i.message; k++)
        i = press(a, SDLK_SPACE, 0);
    assert_non_null(i.message);
    assert_non_null(strstr(i.message, "End of the lesson"));
    int first = i.lesson;
    assert_true(first >= 0);
    i = press(a, SDLK_n, 0);
    assert_int_equal(i.lesson, first + 1);
    assert_int_equal(i.step, 0);
    viz_app_tick(a, 5000); /* the message has had its time */
    /* W on the model alone: no message in the footer */
    i = press(a, SDLK_w, 0);
    assert_null(i.message);
    i = press(a, SDLK_0, 0);
    assert_true(i.picker);
    /* ten bundled lessons: every digit key has one (9 opens the ninth;
     * the tenth is reached with the arrows) */
    i = press(a, SDLK_9, 0);
    assert_false(i.picker);
    assert_int_equal(i.lesson, 8);
    viz_app_free(a);
}

/* `sockbuf basics` with no display: a message pointing to run and render,
 * exit status 1, no window. */
static void test_window_no_display(void **state)
{
    (void)state;
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER %s basics 2>&1",
             SOCKBUF_BINARY);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char out[4096];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    int st = pclose(p);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    assert_non_null(strstr(out, "sockbuf run"));
    assert_non_null(strstr(out, "sockbuf render"));
}

static SDL_Event text_ev(const char *utf8)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_TEXTINPUT;
    snprintf(e.text.text, sizeof e.text.text, "%s", utf8);
    return e;
}

/* Types a line as SDL_TEXTINPUT events of a few bytes each (an IME
 * commits Japanese in one event; the split keeps UTF-8 whole). */
static void type(viz_app *a, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t k = 1;
        while (i + k < n && ((unsigned char)s[i + k] & 0xC0) == 0x80)
            k++;
        char chunk[16];
        memcpy(chunk, s + i, k);
        chunk[k] = 0;
        SDL_Event e = text_ev(chunk);
        assert_true(viz_app_handle_event(a, &e));
        i += k;
    }
}

static viz_app_info info(viz_app *a)
{
    viz_app_info i;
    viz_app_get(a, &i);
    return i;
}

/* A question holds its step: A-D count votes, other letters of no choice
 * count nothing, the animation does not run; Space reveals and plays. */
static void test_question_holds_votes_reveals(void **state)
{
    (void)state;
    viz_app *a = open_app("chat");
    while (info(a).step < 3)
        press(a, SDLK_SPACE, 0);
    viz_app_info i = info(a);
    assert_int_equal(i.step, 3); /* "One recv returns both messages" */
    assert_true(i.asking);
    press(a, SDLK_b, 0);
    press(a, SDLK_b, 0);
    press(a, SDLK_a, 0);
    i = press(a, SDLK_d, 0); /* no choice D in this question */
    assert_int_equal(i.votes[0], 1);
    assert_int_equal(i.votes[1], 2);
    assert_int_equal(i.votes[3], 0);
    viz_app_tick(a, 5000);
    assert_true(info(a).progress < 0.01); /* held */
    i = press(a, SDLK_SPACE, 0);
    assert_false(i.asking);
    assert_int_equal(i.step, 3);
    viz_app_tick(a, 5000);
    assert_true(info(a).progress > 0.99);
    assert_int_equal(press(a, SDLK_SPACE, 0).step, 4);
    viz_app_free(a);
}

/* The prompt edits like a shell line: text events insert at the cursor,
 * Left/Right/Home/End move by characters (UTF-8 kept whole), Backspace
 * and Delete remove one, Up/Down walk the history; keys typed into it
 * (q, l, Space) do not reach the presenter. */
static void test_prompt_editing(void **state)
{
    (void)state;
    viz_app *a = open_app("basics");
    viz_app_info i = press(a, SDLK_TAB, 0);
    assert_true(i.prompt_open);
    press(a, SDLK_q, 0); /* the key of the q in the text: not quit */
    type(a, "qé");
    i = info(a);
    assert_false(i.quit);
    assert_string_equal(i.prompt_text, "qé");
    assert_int_equal(i.prompt_cursor, 3);
    press(a, SDLK_LEFT, 0);
    assert_int_equal(info(a).prompt_cursor, 1); /* before é, not inside it */
    type(a, "日本");
    assert_string_equal(info(a).prompt_text, "q日本é");
    press(a, SDLK_HOME, 0);
    type(a, "x");
    press(a, SDLK_END, 0);
    press(a, SDLK_BACKSPACE, 0);
    assert_string_equal(info(a).prompt_text, "xq日本");
    press(a, SDLK_HOME, 0);
    press(a, SDLK_DELETE, 0);
    press(a, SDLK_RIGHT, 0);
    i = press(a, SDLK_RIGHT, 0);
    assert_string_equal(i.prompt_text, "q日本");
    assert_int_equal(i.prompt_cursor, 4);
    assert_int_equal(i.step, 0);
    assert_false(i.quit);
    /* An IME's composition is shown, not inserted, and Enter then
     * belongs to the IME; the committed text arrives as SDL_TEXTINPUT. */
    SDL_Event ed;
    memset(&ed, 0, sizeof ed);
    ed.type = SDL_TEXTEDITING;
    snprintf(ed.edit.text, sizeof ed.edit.text, "%s", "にほ");
    assert_true(viz_app_handle_event(a, &ed));
    i = press(a, SDLK_RETURN, 0);
    assert_true(i.prompt_open);
    assert_null(i.prompt_error);
    assert_string_equal(i.prompt_text, "q日本");
    type(a, "語"); /* at the cursor, after 日 */
    assert_string_equal(info(a).prompt_text, "q日語本");
    press(a, SDLK_ESCAPE, 0);
    i = info(a);
    assert_false(i.prompt_open);
    assert_false(i.quit);
    viz_app_free(a);
}

/* Enter runs the typed statement as a new step after the current one in
 * the model; a parse error is shown at its column and changes nothing;
 * Up brings the line back; Ctrl+Z undoes the step; Ctrl+S saves a lesson
 * that `sockbuf check` passes. */
static void test_prompt_runs_undo_save(void **state)
{
    (void)state;
    char dir[] = "/tmp/sockbuf-session-XXXXXX", old[4096];
    assert_non_null(mkdtemp(dir));
    assert_non_null(getcwd(old, sizeof old));
    assert_int_equal(chdir(dir), 0);
    viz_app *a = open_app("basics");
    press(a, SDLK_SPACE, 0); /* step 2: connected */
    int nsteps = info(a).nsteps;
    press(a, SDLK_TAB, 0);
    type(a, "client: s.send(b'x' * 5000"); /* no ')' */
    viz_app_info i = press(a, SDLK_RETURN, 0);
    assert_true(i.prompt_open);
    assert_non_null(i.prompt_error);
    assert_int_equal(i.prompt_error_col, 27); /* the end of the line */
    assert_int_equal(i.step, 1);
    assert_int_equal(i.nsteps, nsteps);
    type(a, ")");
    i = press(a, SDLK_RETURN, 0);
    assert_false(i.prompt_open);
    assert_int_equal(i.session_steps, 1);
    assert_int_equal(i.step, 2);
    assert_int_equal(i.nsteps, 3); /* steps up to the current one, then the typed one */
    /* and it says so: the rest of the lesson is replaced, Ctrl+Z brings it back */
    assert_non_null(i.message);
    assert_non_null(strstr(i.message, "replaced the lesson's last"));
    assert_non_null(strstr(i.message, "Ctrl+Z"));
    press(a, SDLK_TAB, 0);
    i = press(a, SDLK_UP, 0);
    assert_string_equal(i.prompt_text, "client: s.send(b'x' * 5000)");
    press(a, SDLK_ESCAPE, 0);
    i = press(a, SDLK_s, KMOD_LCTRL);
    assert_non_null(strstr(i.saved, "sockbuf-session-1.lesson"));
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s check %s/%s >/dev/null 2>&1", SOCKBUF_BINARY, dir, i.saved);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(i.saved, "r");
    assert_non_null(f);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    assert_non_null(strstr(buf, "\nclient: s.send(b'x' * 5000)\n"));
    i = press(a, SDLK_z, KMOD_LCTRL);
    assert_int_equal(i.session_steps, 0);
    assert_int_equal(i.nsteps, nsteps);
    assert_int_equal(i.step, 1);
    viz_app_free(a);
    assert_int_equal(chdir(old), 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* A statement typed without a side runs on the side that owns its name
 * (s is the client's, conn the server's); a name no side has, or both,
 * gets "say which side runs it" with the line to type; a misspelt side
 * gets the list of what a prompt takes, not the file's directives. */
static void test_prompt_infers_the_side(void **state)
{
    (void)state;
    viz_app *a = open_app("basics");
    press(a, SDLK_SPACE, 0); /* step 2: connected; s is the client's, conn the server's */
    press(a, SDLK_TAB, 0);
    type(a, "s.send(b'x'*5000)");
    viz_app_info i = press(a, SDLK_RETURN, 0);
    assert_false(i.prompt_open);
    assert_int_equal(i.session_steps, 1);
    assert_int_equal(i.step, 2);
    press(a, SDLK_TAB, 0);
    type(a, "data = conn.recv(10)");
    i = press(a, SDLK_RETURN, 0);
    assert_false(i.prompt_open);
    assert_int_equal(i.session_steps, 2);
    press(a, SDLK_TAB, 0);
    i = press(a, SDLK_UP, 0); /* the history holds what was typed */
    assert_string_equal(i.prompt_text, "data = conn.recv(10)");
    press(a, SDLK_ESCAPE, 0);
    press(a, SDLK_TAB, 0);
    type(a, "zz.send(b'x')");
    i = press(a, SDLK_RETURN, 0);
    assert_true(i.prompt_open);
    assert_non_null(i.prompt_error);
    assert_non_null(strstr(i.prompt_error, "say which side runs it: `client: zz.send(b'x')`"));
    assert_non_null(strstr(i.prompt_error, "a prompt takes client: or server: STATEMENT"));
    assert_null(strstr(i.prompt_error, "title"));
    assert_int_equal(i.session_steps, 2);
    press(a, SDLK_ESCAPE, 0);
    press(a, SDLK_TAB, 0);
    type(a, "socket.socket()"); /* both sides use the module */
    i = press(a, SDLK_RETURN, 0);
    assert_non_null(strstr(i.prompt_error, "both sides have socket"));
    press(a, SDLK_ESCAPE, 0);
    press(a, SDLK_TAB, 0);
    type(a, "clint: s.send(b'x')"); /* a side misspelt: the parser says which sides there are */
    i = press(a, SDLK_RETURN, 0);
    assert_non_null(i.prompt_error);
    assert_non_null(strstr(i.prompt_error, "'client' or 'server'"));
    viz_app_free(a);
}

/* The side found is the one that owns the name: assigned, bound by
 * `as`, or a method called on it, in the steps so far only. */
static void test_session_infer_side(void **state)
{
    (void)state;
    const char *text = "lesson t\n"
                       "step one\n"
                       "client: import socket\n"
                       "client: s = socket.socket()\n"
                       "server: conn = socket.socket()\n"
                       "step two\n"
                       "server: late = 1\n";
    lesson_diag d[LESSON_MAX_DIAGS];
    int nd = 0;
    lesson_doc *doc = lesson_parse("t.lesson", text, strlen(text), d, &nd);
    assert_non_null(doc);
    char name[64];
    assert_int_equal(viz_session_infer_side(doc, 0, "s.send(b'x')", name, sizeof name),
                     LESSON_CLIENT);
    assert_string_equal(name, "s");
    assert_int_equal(viz_session_infer_side(doc, 0, "n = conn.recv(4)", name, sizeof name),
                     LESSON_SERVER);
    assert_string_equal(name, "conn");
    assert_int_equal(viz_session_infer_side(doc, 0, "print('s.x', late)", name, sizeof name), -1);
    assert_int_equal(viz_session_infer_side(doc, 1, "print(late)", name, sizeof name),
                     LESSON_SERVER);
    assert_true(viz_session_has_directive("client: s.send(b'x')"));
    assert_true(viz_session_has_directive("  wait 50ms"));
    assert_true(viz_session_has_directive("model latency=5ms"));
    assert_false(viz_session_has_directive("s.send(b'x')"));
    assert_false(viz_session_has_directive("waiting = 1"));
    lesson_doc_free(doc);
}

/* `model rcvbuf=4096` at the prompt and M rerun the lesson with the new
 * model, at the same step, undoable. */
static void test_prompt_model_and_latency(void **state)
{
    (void)state;
    viz_app *a = open_app("basics");
    press(a, SDLK_SPACE, 0);
    int nsteps = info(a).nsteps;
    press(a, SDLK_TAB, 0);
    type(a, "model rcvbuf=4096");
    viz_app_info i = press(a, SDLK_RETURN, 0);
    assert_false(i.prompt_open);
    assert_null(i.prompt_error);
    assert_int_equal(i.step, 1);
    assert_int_equal(i.nsteps, nsteps);
    press(a, SDLK_TAB, 0);
    type(a, "model rcvbuf=lots");
    i = press(a, SDLK_RETURN, 0);
    assert_non_null(i.prompt_error);
    assert_true(i.prompt_error_col > 1);
    press(a, SDLK_ESCAPE, 0);
    i = press(a, SDLK_m, 0);
    assert_int_equal(i.step, 1);
    assert_int_equal(press(a, SDLK_z, KMOD_LCTRL).step, 1);
    viz_app_free(a);
}

/* A paste (SDL clipboard) inserts its first line at the cursor. */
static void test_prompt_paste(void **state)
{
    (void)state;
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) < 0 || SDL_SetClipboardText("b'x'\nrest") < 0) {
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        skip(); /* no video driver with a clipboard here */
    }
    viz_app *a = open_app("basics");
    press(a, SDLK_TAB, 0);
    type(a, "client: s.send()");
    press(a, SDLK_LEFT, 0);
    viz_app_info i = press(a, SDLK_v, KMOD_LCTRL);
    assert_string_equal(i.prompt_text, "client: s.send(b'x')");
    viz_app_free(a);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
}

/* render draws a question frame and a reveal frame, and they differ. */
static void test_render_question_frames(void **state)
{
    (void)state;
    char dir[] = "/tmp/sockbuf-render-q-XXXXXX", cmd[8192];
    assert_non_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, "%s render chat --sim --size 640x360 --out %s >/dev/null",
             SOCKBUF_BINARY, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "test -s %s/step-04-question.png && test -s %s/step-04-reveal.png",
             dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "cmp -s %s/step-04-question.png %s/step-04-reveal.png", dir, dir);
    assert_int_not_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "test ! -e %s/step-03-question.png", dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* render draws a narration longer than its box page by page (05 step 5
 * zoomed: step-05.png, step-05-p2.png, different pictures), and a step
 * whose picture fits once (unzoomed). */
static void test_render_narration_pages(void **state)
{
    (void)state;
    char dir[] = "/tmp/sockbuf-render-p-XXXXXX", cmd[8192];
    assert_non_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd,
             "%s render nagle-delayed-ack --sim --size 1280x720 --zoom 1.52 --out %s >/dev/null",
             SOCKBUF_BINARY, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "test -s %s/step-05.png && test -s %s/step-05-p2.png", dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "cmp -s %s/step-05.png %s/step-05-p2.png", dir, dir);
    assert_int_not_equal(system(cmd), 0);
    /* (zoomed, every step of it is taller than 1280x720 and pages: the
     * step that fits once is drawn unzoomed) */
    snprintf(cmd, sizeof cmd,
             "rm -rf %s/* && %s render nagle-delayed-ack --sim --size 1280x720 --out %s >/dev/null",
             dir, SOCKBUF_BINARY, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "test -s %s/step-01.png && test ! -e %s/step-01-p2.png", dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* Draws the app on c and returns a copy of the pixels (caller frees). */
static SDL_Surface *snap(viz_app *a, viz_canvas *c)
{
    SDL_Surface *s = viz_canvas_surface(c);
    viz_app_draw(a, viz_canvas_renderer(c), viz_canvas_text(c), s->w, s->h);
    SDL_RenderFlush(viz_canvas_renderer(c));
    return SDL_ConvertSurfaceFormat(s, s->format->format, 0);
}

static bool same(SDL_Surface *x, SDL_Surface *y)
{
    return !memcmp(x->pixels, y->pixels, (size_t)x->pitch * (size_t)x->h);
}

/* The prompt and its error are drawn over the scene (the picture
 * changes with each), in both languages and sizes. With
 * SOCKBUF_DOCS_DIR set it writes the README's prompt picture there. */
static void test_prompt_draws(void **state)
{
    (void)state;
    static const struct {
        int w, h;
        viz_lang lang;
        const char *name;
    } sizes[] = {{1280, 720, VIZ_LANG_EN, "prompt-en.png"},
                 {1024, 768, VIZ_LANG_JA, "prompt-ja.png"}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        viz_app *a = open_app("chat");
        if (sizes[k].lang == VIZ_LANG_JA)
            press(a, SDLK_l, 0);
        char err[256];
        viz_canvas *c = viz_canvas_new(sizes[k].w, sizes[k].h, err, sizeof err);
        assert_non_null(c);
        press(a, SDLK_SPACE, 0);
        viz_app_tick(a, 5000);
        SDL_Surface *plain = snap(a, c);
        press(a, SDLK_TAB, 0);
        type(a, "client: s.send(b'x' * 5000");
        SDL_Surface *typed = snap(a, c);
        press(a, SDLK_RETURN, 0);
        viz_app_info i = info(a);
        assert_non_null(i.prompt_error);
        SDL_Surface *error = snap(a, c);
        assert_false(same(plain, typed));
        assert_false(same(typed, error));
        const char *docs = getenv("SOCKBUF_DOCS_DIR");
        if (docs) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", docs, sizes[k].name);
            assert_int_equal(viz_canvas_save_png(c, path, err, sizeof err), 0);
        }
        SDL_FreeSurface(plain);
        SDL_FreeSurface(typed);
        SDL_FreeSurface(error);
        viz_canvas_free(c);
        viz_app_free(a);
    }
}

typedef struct {
    int answer_at, help_at, toast_at, n; /* draw order of the first such text, -1: none */
} drawn_order;

static void order_hook(void *ud, const SDL_Rect *drawn, const SDL_Rect *box, const char *utf8,
                       int size_px)
{
    (void)drawn;
    (void)box;
    (void)size_px;
    drawn_order *o = ud;
    if (o->answer_at < 0 && !strncmp(utf8, "Answer:", 7))
        o->answer_at = o->n;
    if (o->toast_at < 0 && !strncmp(utf8, "answer: ", 8))
        o->toast_at = o->n;
    if (!strcmp(utf8, "Keys"))
        o->help_at = o->n;
    o->n++;
}

static drawn_order draw_order(viz_app *a, viz_canvas *c)
{
    drawn_order o = {-1, -1, -1, 0};
    viz_text_set_hook(viz_canvas_text(c), order_hook, &o);
    SDL_FreeSurface(snap(a, c));
    viz_text_set_hook(viz_canvas_text(c), NULL, NULL);
    return o;
}

/* Overlays never hide each other or the step's traffic: revealed, the
 * answer's band (over the lower lanes) waits until the step has played,
 * the footer naming the answer meanwhile, and while the prompt is open;
 * the help is drawn after the band, over it. */
static void test_overlays_keep_out_of_the_way(void **state)
{
    (void)state;
    viz_app *a = open_app("chat");
    while (info(a).step < 3)
        press(a, SDLK_SPACE, 0);
    assert_true(info(a).asking);
    char err[256];
    viz_canvas *c = viz_canvas_new(1280, 720, err, sizeof err);
    assert_non_null(c);
    press(a, SDLK_a, 0);
    press(a, SDLK_SPACE, 0); /* reveal: the step plays */
    viz_app_tick(a, 40);
    assert_true(info(a).progress < 1.0);
    drawn_order o = draw_order(a, c);
    assert_int_equal(o.answer_at, -1);
    assert_true(o.toast_at >= 0);
    viz_app_tick(a, 600000);
    assert_true(info(a).progress >= 1.0);
    o = draw_order(a, c);
    assert_true(o.answer_at >= 0);
    press(a, SDLK_TAB, 0); /* the prompt: the band waits until it closes */
    o = draw_order(a, c);
    assert_int_equal(o.answer_at, -1);
    press(a, SDLK_ESCAPE, 0);
    assert_true(draw_order(a, c).answer_at >= 0);
    press(a, SDLK_F1, 0);
    o = draw_order(a, c);
    assert_true(o.answer_at >= 0);
    assert_true(o.help_at > o.answer_at);
    viz_canvas_free(c);
    viz_app_free(a);
}

typedef struct {
    char all[8192];
} drawn_all;

static void all_hook(void *ud, const SDL_Rect *drawn, const SDL_Rect *box, const char *utf8,
                     int size_px)
{
    (void)drawn;
    (void)box;
    (void)size_px;
    drawn_all *d = ud;
    size_t n = strlen(d->all);
    snprintf(d->all + n, sizeof d->all - n, "%s\n", utf8);
}

/* The presenter's view shows the teacher the step's narration, the
 * question's answer before it is revealed, the next step and the
 * window's messages; the class's window then shows no key hints and no
 * messages. */
static void test_presenter_view(void **state)
{
    (void)state;
    viz_app *a = open_app("chat");
    while (info(a).step < 3)
        press(a, SDLK_SPACE, 0);
    assert_true(info(a).asking);
    char err[256];
    viz_canvas *c = viz_canvas_new(1280, 720, err, sizeof err);
    assert_non_null(c);
    viz_app_set_presenter(a, true);
    press(a, SDLK_q, 0); /* a message for the teacher: "Quit? ..." */
    static drawn_all d;
    d.all[0] = 0;
    viz_text_set_hook(viz_canvas_text(c), all_hook, &d);
    SDL_Surface *s = viz_canvas_surface(c);
    viz_app_draw_presenter(a, viz_canvas_renderer(c), viz_canvas_text(c), s->w, s->h);
    viz_text_set_hook(viz_canvas_text(c), NULL, NULL);
    assert_non_null(strstr(d.all, "Answer: ")); /* before the reveal: the teacher's only */
    assert_non_null(strstr(d.all, "Next: "));
    assert_non_null(strstr(d.all, "Quit?"));
    assert_non_null(strstr(d.all, "Step 4 / "));
    /* the class's window: no "Quit?", no key hints, no answer */
    d.all[0] = 0;
    viz_text_set_hook(viz_canvas_text(c), all_hook, &d);
    viz_app_draw(a, viz_canvas_renderer(c), viz_canvas_text(c), s->w, s->h);
    viz_text_set_hook(viz_canvas_text(c), NULL, NULL);
    assert_null(strstr(d.all, "Quit?"));
    assert_null(strstr(d.all, "Space next"));
    assert_null(strstr(d.all, "Answer: "));
    /* without the view, the same window has its hints */
    viz_app_set_presenter(a, false);
    d.all[0] = 0;
    viz_text_set_hook(viz_canvas_text(c), all_hook, &d);
    viz_app_draw(a, viz_canvas_renderer(c), viz_canvas_text(c), s->w, s->h);
    viz_text_set_hook(viz_canvas_text(c), NULL, NULL);
    assert_non_null(strstr(d.all, "Quit?"));
    viz_canvas_free(c);
    viz_app_free(a);
}

/* With the kernel beside the model, a typed step runs in both modes. */
static void test_prompt_runs_on_the_kernel(void **state)
{
    (void)state;
    char err[1024] = "";
    int status = -1;
    viz_app *a = viz_app_new("chat", VIZ_LANG_EN, false, NULL, err, sizeof err, &status);
    assert_non_null(a);
    assert_int_equal(viz_app_wait(a), 0);
    if (!info(a).real) {
        viz_app_free(a);
        skip(); /* no loopback here */
    }
    press(a, SDLK_SPACE, 0);
    press(a, SDLK_TAB, 0);
    type(a, "client: s.send(b'x' * 5000)");
    viz_app_info i = press(a, SDLK_RETURN, 0);
    assert_null(i.prompt_error);
    assert_int_equal(i.step, 2);
    assert_true(i.real);
    assert_int_equal(i.session_steps, 1);
    viz_app_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_step_navigation),
        cmocka_unit_test(test_keys_narration_pages),
        cmocka_unit_test(test_keys_back_is_deterministic_replay),
        cmocka_unit_test(test_keys_presenter_toggles),
        cmocka_unit_test(test_autoplay_advances),
        cmocka_unit_test(test_keys_freeze_scrub_replay),
        cmocka_unit_test(test_keys_picker),
        cmocka_unit_test(test_app_bad_lesson),
        cmocka_unit_test(test_capture_closed_socket_animates),
        cmocka_unit_test(test_keys_answered_while_sockets_settle),
        cmocka_unit_test(test_anim_replay_matches_record),
        cmocka_unit_test(test_anim_chips_visible_half_a_second),
        cmocka_unit_test(test_anim_synack_named),
        cmocka_unit_test(test_anim_ack_in_own_lane),
        cmocka_unit_test(test_end_of_lesson_and_feedback),
        cmocka_unit_test(test_window_no_display),
        cmocka_unit_test(test_question_holds_votes_reveals),
        cmocka_unit_test(test_prompt_editing),
        cmocka_unit_test(test_prompt_infers_the_side),
        cmocka_unit_test(test_session_infer_side),
        cmocka_unit_test(test_overlays_keep_out_of_the_way),
        cmocka_unit_test(test_presenter_view),
        cmocka_unit_test(test_prompt_runs_undo_save),
        cmocka_unit_test(test_prompt_model_and_latency),
        cmocka_unit_test(test_prompt_paste),
        cmocka_unit_test(test_render_question_frames),
        cmocka_unit_test(test_render_narration_pages),
        cmocka_unit_test(test_prompt_draws),
        cmocka_unit_test(test_prompt_runs_on_the_kernel),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    TTF_Quit();
    viz_font_shutdown();
    return rc;
}
