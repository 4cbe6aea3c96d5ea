/* test_viz.c: the window's drawing, fonts, animation and keys, headless.
 *
 * Pictures are drawn on viz_canvas (a software renderer on a surface), so
 * no display is needed. Scenes are built by hand here (a small lesson and
 * the model's events of one step), so these tests check the drawing and
 * the timeline on their own; test_viz_app.c drives the real runner.
 * Set VIZ_TEST_DUMP=DIR to keep the pictures for a look.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <SDL_ttf.h>
#include <errno.h>
#include <png.h>
#include <unistd.h>

#include "viz_anim.h"
#include "viz_canvas.h"
#include "viz_draw.h"
#include "viz_font.h"
#include "viz_png.h"
#include "viz_scene.h"

/* ---- a hand-made lesson and scene ------------------------------------ */

static char *say_en[] = {"sendall() returns as soon as every byte is in the send buffer; the "
                         "kernel sends them when it can."};
static char *say_ja[] = {"sendall() は全てのバイトが送信バッファに入った時点で戻ります。"
                         "カーネルは送れるときに送ります。"};

static lesson_step steps[2] = {
    {.line = 5,
     .title = "sendall() hands the bytes to the kernel",
     .title_ja = "sendall() はバイトをカーネルに渡す",
     .say = say_en,
     .nsay = 1,
     .say_ja = say_ja,
     .nsay_ja = 1},
    {.line = 12,
     .title = "The reader is slow: the window closes",
     .title_ja = "読み手が遅い: ウィンドウが閉じる",
     .say = say_en,
     .nsay = 1,
     .say_ja = say_ja,
     .nsay_ja = 1},
};

static lesson_doc doc = {
    .name = "basics",
    .title = "Socket buffers: the basics",
    .title_ja = "ソケットバッファの基本",
    .steps = steps,
    .nsteps = 2,
};

static void sock_init(viz_sock *k, const char *name, int h)
{
    memset(k, 0, sizeof *k);
    k->present = true;
    snprintf(k->name, sizeof k->name, "%s", name);
    k->state = LESSON_TCP_ESTABLISHED;
    k->sock_id = h;
    k->sndbuf_bytes = 16384;
    k->rcvbuf_bytes = 131072;
    k->peer_window_bytes = 65535;
}

/* An event at record socket sock (0 is the client's, any other the
 * server's), its direction resolved as the runner resolves it. */
static lesson_event ev(uint64_t t, uint64_t arrive, lesson_event_kind kind, int sock, int peer,
                       uint32_t bytes, uint64_t seq, uint32_t window, uint32_t origin)
{
    (void)peer;
    int side = sock == 0 ? 0 : 1;
    bool arrives = base_event_arrives((base_event_kind)kind);
    lesson_event e = {.time_us = t,
                      .arrive_us = arrive,
                      .kind = kind,
                      .sock_id = sock,
                      .from_side = arrives ? !side : side,
                      .to_side = lesson_event_travels(kind) ? !side : arrives ? side : -1,
                      .bytes = bytes,
                      .seq = seq,
                      .window = window,
                      .origin = origin};
    return e;
}

/* Step 0: the client sends 12 bytes; they travel, land in the server's
 * receive queue, a delayed ACK comes back. Handles: client 0, server 2. */
static void scene_basics(viz_scene *s)
{
    viz_scene_init(s, &doc);
    s->step = 0;
    for (int side = 0; side < 2; side++) {
        sock_init(&s->side[side].before, side ? "server.conn" : "client.s", side ? 2 : 0);
        s->side[side].after = s->side[side].before;
    }
    s->pre_valid[0] = s->pre_valid[2] = true;
    lesson_queue_push(&s->side[1].after.q[LESSON_Q_RECV], 1, 12);
    s->side[1].after.recv_queue_bytes = 12;
    s->side[0].real.present = true;
    s->side[1].real.present = true;
    s->side[1].real.recv_queue_bytes = 12;
    s->side[0].ncode = 1;
    snprintf(s->side[0].code[0].code, VIZ_TEXT_LEN, "s.sendall(b'Hello, world')");
    s->side[0].code[0].status.state = LESSON_STMT_DONE;
    s->side[1].ncode = 1;
    snprintf(s->side[1].code[0].code, VIZ_TEXT_LEN, "data = conn.recv(1024)");
    s->side[1].code[0].status.state = LESSON_STMT_BLOCKED;
    s->t0_us = 10000;
    s->t1_us = 60000;
    static lesson_event evs[5];
    evs[0] = ev(10000, 0, LESSON_EV_WRITE, 0, 2, 12, 1, 0, 1);
    evs[1] = ev(10000, 15010, LESSON_EV_SEGMENT, 0, 2, 12, 1, 0, 1);
    evs[2] = ev(15010, 0, LESSON_EV_DELIVER, 2, 0, 12, 1, 0, 1);
    evs[3] = ev(55010, 60010, LESSON_EV_ACK, 2, 0, 0, 1, 131060, 0);
    evs[4] = ev(60010, 0, LESSON_EV_ACK_ARRIVE, 0, 2, 12, 13, 131060, 0);
    s->events = malloc(sizeof evs);
    memcpy(s->events, evs, sizeof evs);
    s->nevents = s->cap_events = 5;
    s->t1_us = 60010;
    s->nexpects = 2;
    s->real = true;
}

/* Step 1: the server's receive buffer is full, the client's send buffer
 * too: a zero window. */
static void scene_full(viz_scene *s)
{
    viz_scene_init(s, &doc);
    s->step = 1;
    for (int side = 0; side < 2; side++) {
        sock_init(&s->side[side].after, side ? "server.conn" : "client.s", side ? 2 : 0);
        s->side[side].before = s->side[side].after;
    }
    s->side[1].after.rcvbuf_bytes = 4608;
    s->side[0].after.peer_window_bytes = 0;
    lesson_queue_push(&s->side[1].after.q[LESSON_Q_RECV], 1, 2304);
    lesson_queue_push(&s->side[1].after.q[LESSON_Q_RECV], 2, 2304);
    lesson_queue_push(&s->side[0].after.q[LESSON_Q_UNSENT], 2, 9000);
    lesson_queue_push(&s->side[0].after.q[LESSON_Q_UNSENT], 3, 7384);
    s->side[0].after.blocked = true;
    s->side[0].real.present = true;
    s->side[0].real.unsent_bytes = 16000; /* differs from the model */
    s->side[0].ncode = 2;
    snprintf(s->side[0].code[0].code, VIZ_TEXT_LEN, "s.sendall(b'x' * 100000)");
    s->side[0].code[0].status.state = LESSON_STMT_BLOCKED;
    snprintf(s->side[0].code[1].code, VIZ_TEXT_LEN, "s.close()");
    s->side[0].code[1].status.state = LESSON_STMT_PENDING;
    s->t0_us = s->t1_us = 100000;
    s->nexpects = 1;
    s->nexpects_failed = 1;
}

/* ---- helpers ---------------------------------------------------------- */

static viz_canvas *canvas(int w, int h)
{
    char err[256] = "";
    viz_canvas *c = viz_canvas_new(w, h, err, sizeof err);
    if (!c)
        fprintf(stderr, "viz_canvas_new: %s\n", err);
    assert_non_null(c);
    return c;
}

static void draw(viz_canvas *c, const viz_scene *s, double p, viz_lang lang)
{
    viz_anim *a = viz_anim_new();
    viz_frame *f = calloc(1, sizeof *f);
    assert_non_null(a);
    assert_non_null(f);
    assert_int_equal(viz_anim_build(a, s), 0);
    viz_anim_seek(a, s, p, f);
    viz_ui ui = {.lang = lang, .zoom = 1.0, .speed = 1.0};
    SDL_Surface *sf = viz_canvas_surface(c);
    viz_draw_scene(viz_canvas_renderer(c), viz_canvas_text(c), s, f, &ui, sf->w, sf->h);
    SDL_RenderFlush(viz_canvas_renderer(c));
    free(f);
    viz_anim_free(a);
}

static void dump(viz_canvas *c, const char *name)
{
    const char *dir = getenv("VIZ_TEST_DUMP");
    if (!dir)
        return;
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/%s.png", dir, name);
    assert_int_equal(viz_canvas_save_png(c, path, err, sizeof err), 0);
}

/* Pixels that differ between two same-sized surfaces. */
static long diff_pixels(SDL_Surface *a, SDL_Surface *b)
{
    long n = 0;
    for (int y = 0; y < a->h; y++) {
        const uint32_t *pa = (const uint32_t *)((const uint8_t *)a->pixels + y * a->pitch);
        const uint32_t *pb = (const uint32_t *)((const uint8_t *)b->pixels + y * b->pitch);
        for (int x = 0; x < a->w; x++)
            n += pa[x] != pb[x];
    }
    return n;
}

static SDL_Surface *copy_surface(SDL_Surface *s)
{
    return SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0);
}

/* ---- tests ------------------------------------------------------------ */

/* A picture has exactly the size asked for, at both classroom sizes. */
static void test_canvas_size_requested(void **state)
{
    (void)state;
    static const int sizes[][2] = {{1280, 720}, {1920, 1080}, {800, 600}};
    for (size_t i = 0; i < 3; i++) {
        viz_canvas *c = canvas(sizes[i][0], sizes[i][1]);
        viz_scene s;
        scene_basics(&s);
        draw(c, &s, 1.0, VIZ_LANG_EN);
        assert_int_equal(viz_canvas_surface(c)->w, sizes[i][0]);
        assert_int_equal(viz_canvas_surface(c)->h, sizes[i][1]);
        viz_scene_free(&s);
        viz_canvas_free(c);
    }
}

/* Two different steps give different pictures; the same step twice the
 * same picture. */
static void test_draw_step_changes_picture(void **state)
{
    (void)state;
    viz_canvas *c = canvas(1280, 720);
    viz_scene a, b;
    scene_basics(&a);
    scene_full(&b);
    draw(c, &a, 1.0, VIZ_LANG_EN);
    dump(c, "basics-en");
    SDL_Surface *pa = copy_surface(viz_canvas_surface(c));
    draw(c, &a, 1.0, VIZ_LANG_EN);
    assert_int_equal(diff_pixels(pa, viz_canvas_surface(c)), 0);
    draw(c, &b, 1.0, VIZ_LANG_EN);
    dump(c, "full-en");
    assert_true(diff_pixels(pa, viz_canvas_surface(c)) > 1000);
    draw(c, &b, 1.0, VIZ_LANG_JA);
    dump(c, "full-ja");
    draw(c, &a, 0.5, VIZ_LANG_JA);
    dump(c, "basics-mid-ja");
    SDL_FreeSurface(pa);
    viz_scene_free(&a);
    viz_scene_free(&b);
    viz_canvas_free(c);
}

/* The texts one frame drew, joined by newlines (viz_text_hook). */
typedef struct {
    char all[16384];
} drawn_texts;

static void collect_text(void *ud, const SDL_Rect *drawn, const SDL_Rect *box, const char *utf8,
                         int size_px)
{
    (void)drawn;
    (void)box;
    (void)size_px;
    drawn_texts *d = ud;
    size_t n = strlen(d->all);
    snprintf(d->all + n, sizeof d->all - n, "%s\n", utf8);
}

/* An expectation not checked (the kernel's snapshot came late on a busy
 * machine) is neither passed nor failed: the badge counts it apart. */
static void test_draw_checks_not_checked(void **state)
{
    (void)state;
    viz_canvas *c = canvas(1280, 720);
    viz_scene a;
    scene_basics(&a); /* 2 expectations */
    static drawn_texts d;
    viz_text_set_hook(viz_canvas_text(c), collect_text, &d);
    a.nexpects_skipped = 1;
    d.all[0] = 0;
    draw(c, &a, 1.0, VIZ_LANG_EN);
    assert_non_null(strstr(d.all, "1/1 checks passed \xc2\xb7 1 not checked"));
    assert_null(strstr(d.all, "checks failed"));
    a.nexpects_skipped = 0;
    d.all[0] = 0;
    draw(c, &a, 1.0, VIZ_LANG_EN);
    assert_non_null(strstr(d.all, "2/2 checks passed"));
    assert_null(strstr(d.all, "not checked"));
    viz_text_set_hook(viz_canvas_text(c), NULL, NULL);
    viz_scene_free(&a);
    viz_canvas_free(c);
}

/* Mid-step, the segment is on the wire: the picture differs from both
 * ends, and the animation moves continuously (small steps, small change). */
static void test_draw_animation_moves(void **state)
{
    (void)state;
    viz_canvas *c = canvas(1280, 720);
    viz_scene s;
    scene_basics(&s);
    draw(c, &s, 0.0, VIZ_LANG_EN);
    SDL_Surface *p0 = copy_surface(viz_canvas_surface(c));
    draw(c, &s, 0.3, VIZ_LANG_EN);
    dump(c, "basics-0.3");
    SDL_Surface *p1 = copy_surface(viz_canvas_surface(c));
    draw(c, &s, 1.0, VIZ_LANG_EN);
    assert_true(diff_pixels(p0, p1) > 500);
    assert_true(diff_pixels(p1, viz_canvas_surface(c)) > 500);
    SDL_FreeSurface(p0);
    SDL_FreeSurface(p1);
    viz_scene_free(&s);
    viz_canvas_free(c);
}

/* The Japanese font really covers the labels and draws glyphs: distinct
 * characters give distinct pictures (tofu boxes would all be equal). */
static void test_font_japanese_real_glyphs(void **state)
{
    (void)state;
    char path[1024];
    assert_int_equal(viz_font_find(VIZ_FACE_JA, path, sizeof path), 0);
    assert_true(viz_font_covers(path, "送信バッファ 受信バッファ アプリのバッファ カーネル"));
    assert_true(viz_font_covers(path, viz_label(VIZ_LANG_JA, VIZ_L_ZERO_WINDOW)));
    assert_true(viz_text_needs_ja("送信"));
    assert_false(viz_text_needs_ja("send buffer → wire"));
    /* A font without Japanese must not pass the coverage check. */
    char latin[1024];
    assert_int_equal(viz_font_find(VIZ_FACE_MONO, latin, sizeof latin), 0);
    assert_false(viz_font_covers(latin, "送信"));

    viz_canvas *c = canvas(200, 80);
    SDL_Renderer *r = viz_canvas_renderer(c);
    const char *glyphs[] = {"あ", "ソ", "漢"};
    SDL_Surface *pics[3];
    for (int i = 0; i < 3; i++) {
        SDL_SetRenderDrawColor(r, 0, 0, 0, 255);
        SDL_RenderClear(r);
        int w = viz_text_draw(viz_canvas_text(c), glyphs[i], VIZ_FACE_SANS, 48,
                              (SDL_Color){255, 255, 255, 255}, 10, 10, VIZ_ALIGN_LEFT);
        assert_true(w > 20);
        SDL_RenderFlush(r);
        pics[i] = copy_surface(viz_canvas_surface(c));
        SDL_Surface *blank = copy_surface(pics[i]);
        SDL_FillRect(blank, NULL, SDL_MapRGB(blank->format, 0, 0, 0));
        assert_true(diff_pixels(pics[i], blank) > 100);
        SDL_FreeSurface(blank);
    }
    assert_true(diff_pixels(pics[0], pics[1]) > 50);
    assert_true(diff_pixels(pics[1], pics[2]) > 50);
    for (int i = 0; i < 3; i++)
        SDL_FreeSurface(pics[i]);
    viz_canvas_free(c);
}

/* A repeated frame renders no new text: the per-frame path is cached. */
static void test_text_cache_repeated_frame_free(void **state)
{
    (void)state;
    viz_canvas *c = canvas(1280, 720);
    viz_scene s;
    scene_full(&s);
    draw(c, &s, 1.0, VIZ_LANG_JA);
    uint64_t misses = viz_text_misses(viz_canvas_text(c));
    assert_true(misses > 10);
    draw(c, &s, 1.0, VIZ_LANG_JA);
    assert_int_equal(viz_text_misses(viz_canvas_text(c)), misses);
    viz_scene_free(&s);
    viz_canvas_free(c);
}

/* Wrapping keeps every line inside the width, in both languages, and
 * loses no character. */
static void test_text_wrap_fits(void **state)
{
    (void)state;
    viz_canvas *c = canvas(400, 200);
    viz_text *t = viz_canvas_text(c);
    const char *texts[] = {
        say_en[0], say_ja[0],
        "クライアントがメッセージを送り、サーバーの recv(1024) がそれを受け取り、"
        "b'Got your message' と返します。"};
    for (int k = 0; k < 3; k++) {
        int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES];
        int n = viz_text_wrap(t, texts[k], VIZ_FACE_SANS, 20, 300, starts, lens, 12);
        assert_true(n >= 2);
        size_t chars = 0;
        for (int i = 0; i < n; i++) {
            char line[512];
            memcpy(line, texts[k] + starts[i], (size_t)lens[i]);
            line[lens[i]] = 0;
            int w = 0;
            viz_text_size(t, line, viz_text_needs_ja(texts[k]) ? VIZ_FACE_JA : VIZ_FACE_SANS, 20,
                          &w, NULL);
            assert_true(w <= 300);
            for (int j = 0; j < lens[i]; j++)
                chars += line[j] != ' ';
        }
        size_t want = 0;
        for (const char *p = texts[k]; *p; p++)
            want += *p != ' ';
        assert_int_equal(chars, want);
    }
    viz_canvas_free(c);
}

/* A long statement wraps onto indented rows and is never cut: every
 * row fits its width (continuation rows less the indent), the rows hold
 * every character in order, no row carries an ellipsis, and rows break
 * after "," or "(" where they can, never inside a string literal. */
static void test_text_wrap_code_whole(void **state)
{
    (void)state;
    viz_canvas *c = canvas(400, 200);
    viz_text *t = viz_canvas_text(c);
    const char *codes[] = {
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1)",
        "size = s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)",
        "s.sendall(b'Hello, world, and a long tail, too' * 4096)",
        "srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)",
        "f = s.makefile('wb', buffering=65536); data = "
        "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'",
        "s.sendall('送信バッファに入るまで待つ'.encode(), b'and ASCII too\\n')",
    };
    int widths[] = {180, 260, 330};
    for (size_t k = 0; k < sizeof codes / sizeof codes[0]; k++) {
        for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
            int max_w = widths[wi], indent = 20;
            int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES];
            int n = viz_text_wrap_code(t, codes[k], VIZ_FACE_MONO, 17, max_w, indent, starts, lens,
                                       VIZ_WRAP_MAX_LINES);
            int full = 0;
            viz_text_size(t, codes[k], VIZ_FACE_MONO, 17, &full, NULL);
            assert_true(n >= 1);
            if (full > max_w)
                assert_true(n >= 2);
            char joined[512] = "";
            size_t jl = 0;
            for (int i = 0; i < n; i++) {
                char row[256];
                memcpy(row, codes[k] + starts[i], (size_t)lens[i]);
                row[lens[i]] = 0;
                assert_null(strstr(row, "\xe2\x80\xa6"));
                int w = 0;
                viz_text_size(t, row, VIZ_FACE_MONO, 17, &w, NULL);
                assert_true(w <= (i ? max_w - indent : max_w));
                assert_true(i == 0 || starts[i] >= starts[i - 1] + lens[i - 1]);
                /* Only spaces lie between two rows. */
                if (i > 0)
                    for (int p = starts[i - 1] + lens[i - 1]; p < starts[i]; p++)
                        assert_int_equal(codes[k][p], ' ');
                memcpy(joined + jl, row, (size_t)lens[i]);
                jl += (size_t)lens[i];
                joined[jl] = 0;
            }
            /* every non-space character, in order */
            char want[512];
            size_t wl = 0, gl = 0;
            for (const char *p = codes[k]; *p; p++)
                if (*p != ' ')
                    want[wl++] = *p;
            want[wl] = 0;
            char got[512];
            for (const char *p = joined; *p; p++)
                if (*p != ' ')
                    got[gl++] = *p;
            got[gl] = 0;
            assert_string_equal(got, want);
        }
    }
    /* The article's line, in the panel of a 1280x720 window: two rows,
     * the first ending after "SOL_SOCKET,", the second holding the rest. */
    const char *line = codes[0];
    int cw = 0;
    viz_text_size(t, "s.setsockopt(socket.SOL_SOCKET, ", VIZ_FACE_MONO, 17, &cw, NULL);
    int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES];
    int n = viz_text_wrap_code(t, line, VIZ_FACE_MONO, 17, cw + 30, 20, starts, lens,
                               VIZ_WRAP_MAX_LINES);
    assert_int_equal(n, 2);
    assert_int_equal(lens[0], (int)strlen("s.setsockopt(socket.SOL_SOCKET,"));
    assert_string_equal(line + starts[1], "socket.SO_SNDBUF, 1)");
    /* A string literal's ", " is no break place. */
    const char *lit = codes[2];
    n = viz_text_wrap_code(t, lit, VIZ_FACE_MONO, 17, 330, 20, starts, lens, VIZ_WRAP_MAX_LINES);
    const char *open = strchr(lit, '\''), *close = strrchr(lit, '\'');
    for (int i = 1; i < n; i++) {
        int wide = 0;
        viz_text_size(t, "b'Hello, world, and a long tail, too'", VIZ_FACE_MONO, 17, &wide, NULL);
        if (wide <= 330 - 20)
            assert_false(starts[i] > open - lit && starts[i] <= close - lit);
    }
    viz_canvas_free(c);
}

/* Prefetching the next step renders exactly the title and narration that
 * step's first frame needs: the misses it takes are the misses the frame
 * saves, and it finishes (cursor -1) without touching the picture. */
static void test_draw_prefetch_saves_next_frame(void **state)
{
    (void)state;
    uint64_t frame_misses[2] = {0, 0}, pre_misses = 0;
    for (int with = 0; with < 2; with++) {
        viz_canvas *c = canvas(1280, 720);
        viz_text *t = viz_canvas_text(c);
        viz_scene s0, s1;
        scene_basics(&s0);
        scene_full(&s1);
        draw(c, &s0, 1.0, VIZ_LANG_EN);
        if (with) {
            SDL_Surface *sf = viz_canvas_surface(c);
            SDL_Surface *before = copy_surface(sf);
            viz_ui ui = {.lang = VIZ_LANG_JA, .zoom = 1.0, .speed = 1.0};
            int cursor = 0, calls = 0;
            uint64_t m0 = viz_text_misses(t);
            while (!viz_draw_prefetch(t, &doc, 1, &ui, 1280, 720, &cursor, 1))
                calls++;
            assert_int_equal(cursor, -1);
            assert_true(calls >= 2); /* one text a call: title, narration */
            pre_misses = viz_text_misses(t) - m0;
            assert_true(pre_misses >= 2);
            assert_int_equal(diff_pixels(before, sf), 0);
            SDL_FreeSurface(before);
        }
        uint64_t m1 = viz_text_misses(t);
        draw(c, &s1, 0.0, VIZ_LANG_JA);
        frame_misses[with] = viz_text_misses(t) - m1;
        viz_scene_free(&s0);
        viz_scene_free(&s1);
        viz_canvas_free(c);
    }
    assert_int_equal(frame_misses[1] + pre_misses, frame_misses[0]);
}

/* The picture of utf8 drawn in white at (x, y) on a black canvas; the
 * caller frees it. */
static SDL_Surface *text_picture(viz_canvas *c, const char *utf8, viz_face face, int size_px, int x,
                                 int y)
{
    SDL_Renderer *r = viz_canvas_renderer(c);
    SDL_SetRenderDrawColor(r, 0, 0, 0, 255);
    SDL_RenderClear(r);
    viz_text_draw(viz_canvas_text(c), utf8, face, size_px, (SDL_Color){255, 255, 255, 255}, x, y,
                  VIZ_ALIGN_LEFT);
    SDL_RenderFlush(r);
    return copy_surface(viz_canvas_surface(c));
}

/* Pixels inside rect whose channels differ by more than tol. */
static long diff_rect(SDL_Surface *a, SDL_Surface *b, SDL_Rect rect, int tol)
{
    long n = 0;
    for (int y = rect.y; y < rect.y + rect.h && y < a->h; y++) {
        const uint8_t *pa = (const uint8_t *)a->pixels + y * a->pitch;
        const uint8_t *pb = (const uint8_t *)b->pixels + y * b->pitch;
        for (int x = rect.x; x < rect.x + rect.w && x < a->w; x++)
            for (int k = 0; k < 4; k++) {
                int d = pa[4 * x + k] - pb[4 * x + k];
                if (d > tol || d < -tol) {
                    n++;
                    break;
                }
            }
    }
    return n;
}

/* How far the ASCII tail of ja + ascii, drawn as one string, is from
 * ascii drawn alone in the Latin face at the same place: the fewest
 * differing pixels over a few vertical offsets (the baselines of the
 * two drawings may differ, the glyphs must not). Also checks that the
 * mixed string is as wide as its two parts measured alone. */
static long ascii_run_diff(viz_canvas *c, const char *ja, const char *ascii, viz_face face,
                           int size_px)
{
    viz_text *t = viz_canvas_text(c);
    char mixed[256];
    snprintf(mixed, sizeof mixed, "%s%s", ja, ascii);
    int w_ja = 0, w_ascii = 0, w_mixed = 0;
    viz_text_size(t, ja, face, size_px, &w_ja, NULL);
    viz_text_size(t, ascii, face, size_px, &w_ascii, NULL);
    viz_text_size(t, mixed, face, size_px, &w_mixed, NULL);
    assert_true(w_ja > 0 && w_ascii > 0);
    assert_int_equal(w_mixed, w_ja + w_ascii);
    SDL_Surface *pm = text_picture(c, mixed, face, size_px, 10, 20);
    SDL_Rect tail = {10 + w_ja, 0, w_ascii, pm->h};
    long best = -1;
    for (int dy = -8; dy <= 8; dy++) {
        SDL_Surface *pa = text_picture(c, ascii, face, size_px, 10 + w_ja, 20 + dy);
        long d = diff_rect(pm, pa, tail, 8);
        if (best < 0 || d < best)
            best = d;
        SDL_FreeSurface(pa);
    }
    SDL_FreeSurface(pm);
    return best;
}

/* In a string mixing Japanese and ASCII, the ASCII is drawn in the Latin
 * font of the face asked for (the Japanese font draws ' as a curly
 * quote): same width and same pixels as the ASCII alone, in the sans and
 * the code face; the Japanese part still has real, distinct glyphs. */
static void test_text_mixed_ascii_latin(void **state)
{
    (void)state;
    viz_canvas *c = canvas(400, 120);
    assert_int_equal(ascii_run_diff(c, "送", "b'x'", VIZ_FACE_SANS, 32), 0);
    assert_int_equal(ascii_run_diff(c, "受信", " recv(1024) ", VIZ_FACE_SANS, 21), 0);
    assert_int_equal(ascii_run_diff(c, "送", "b'x'", VIZ_FACE_MONO, 32), 0);
    assert_int_equal(ascii_run_diff(c, "送", "b'x'", VIZ_FACE_BOLD, 32), 0);

    int w_ja = 0;
    viz_text_size(viz_canvas_text(c), "送", VIZ_FACE_SANS, 32, &w_ja, NULL);
    SDL_Surface *a = text_picture(c, "送b'x'", VIZ_FACE_SANS, 32, 10, 20);
    SDL_Surface *b = text_picture(c, "信b'x'", VIZ_FACE_SANS, 32, 10, 20);
    SDL_Surface *blank = copy_surface(a);
    SDL_FillRect(blank, NULL, SDL_MapRGB(blank->format, 0, 0, 0));
    SDL_Rect head = {10, 0, w_ja, a->h};
    assert_true(diff_rect(a, blank, head, 8) > 100);
    assert_true(diff_rect(a, b, head, 8) > 50);
    SDL_FreeSurface(a);
    SDL_FreeSurface(b);
    SDL_FreeSurface(blank);
    viz_canvas_free(c);
}

/* A backslash in Japanese text is drawn as one, by the Latin font, not
 * as the yen sign the Japanese font has at U+005C: the ASCII run around
 * it matches the Latin text alone, and wrapping loses no character. */
static void test_text_ja_backslash(void **state)
{
    (void)state;
    viz_canvas *c = canvas(400, 200);
    viz_text *t = viz_canvas_text(c);
    assert_int_equal(ascii_run_diff(c, "各メッセージを", " b'\\n'", VIZ_FACE_SANS, 20), 0);
    assert_int_equal(ascii_run_diff(c, "各", "\\ \\\\", VIZ_FACE_SANS, 32), 0);
    const char *para = "ここでは各メッセージを b'\\n' で終え、サーバーは makefile('rb') の "
                       "readline() で読みます。\\ も \\\\ もそのまま。";
    int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES];
    int n = viz_text_wrap(t, para, VIZ_FACE_SANS, 20, 200, starts, lens, VIZ_WRAP_MAX_LINES);
    assert_true(n >= 2);
    size_t chars = 0, want = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < lens[i]; j++)
            chars += para[starts[i] + j] != ' ';
    for (const char *p = para; *p; p++)
        want += *p != ' ';
    assert_int_equal(chars, want);
    viz_canvas_free(c);
}

/* The timeline replays the events: at 0 the queues are the "before"
 * state, mid-way the segment is on the wire and the bytes in flight, at 1
 * the "after" state; progress maps monotonically to virtual time. */
static void test_anim_replays_events(void **state)
{
    (void)state;
    viz_scene s;
    scene_basics(&s);
    viz_anim *a = viz_anim_new();
    viz_frame *f = calloc(1, sizeof *f);
    assert_int_equal(viz_anim_build(a, &s), 0);
    viz_anim_seek(a, &s, 0.0, f);
    assert_int_equal(f->q[0][LESSON_Q_UNSENT].bytes + f->q[0][LESSON_Q_IN_FLIGHT].bytes, 0);
    assert_int_equal(f->nwire, 0);
    viz_anim_seek(a, &s, 0.1, f);
    assert_int_equal(f->nflying, 1); /* the write flies into the send buffer */
    assert_true(f->flying[0].to_kernel);
    assert_int_equal(f->flying[0].bytes, 12);
    uint64_t last = 0;
    bool seen_wire = false;
    for (int i = 1; i <= 100; i++) {
        viz_anim_seek(a, &s, i / 100.0, f);
        assert_true(f->now_us >= last);
        last = f->now_us;
        if (f->nwire > 0 && f->wire[0].kind == LESSON_EV_SEGMENT) {
            seen_wire = true;
            assert_int_equal(f->wire[0].bytes, 12);
            assert_int_equal(f->q[0][LESSON_Q_IN_FLIGHT].bytes, 12);
            assert_int_equal(f->q[1][LESSON_Q_RECV].bytes, 0);
        }
    }
    assert_true(seen_wire);
    assert_int_equal(f->q[1][LESSON_Q_RECV].bytes, 12);
    assert_int_equal(f->q[0][LESSON_Q_IN_FLIGHT].bytes, 0);
    assert_int_equal(f->now_us, s.t1_us);
    /* Seeking back replays from the start. */
    viz_anim_seek(a, &s, 0.0, f);
    assert_int_equal(f->q[1][LESSON_Q_RECV].bytes, 0);
    free(f);
    viz_anim_free(a);
    viz_scene_free(&s);
}

/* A zero window is flagged on the receiver whose window is 0. */
static void test_anim_zero_window(void **state)
{
    (void)state;
    viz_scene s;
    scene_full(&s);
    viz_anim *a = viz_anim_new();
    viz_frame *f = calloc(1, sizeof *f);
    assert_int_equal(viz_anim_build(a, &s), 0);
    viz_anim_seek(a, &s, 1.0, f);
    assert_true(f->zero_window[1]);
    assert_false(f->zero_window[0]);
    s.side[0].after.peer_window_bytes = 100;
    viz_anim_seek(a, &s, 1.0, f);
    assert_false(f->zero_window[1]);
    free(f);
    viz_anim_free(a);
    viz_scene_free(&s);
}

/* W shows the kernel's segments on the wire: each where its real send
 * and arrival times put it, with its sender and kind; a step that ran on
 * plain loopback has none to show, and says so. */
static void test_anim_kernel_wire(void **state)
{
    (void)state;
    viz_scene s;
    scene_basics(&s);
    viz_frame *f = calloc(1, sizeof *f);
    viz_anim *an = viz_anim_new();
    assert_non_null(f);
    assert_non_null(an);
    s.wire = LESSON_WIRE_LOOPBACK;
    assert_int_equal(viz_anim_build(an, &s), 0);
    assert_int_equal(viz_anim_kernel_wire(an, &s, 0.5, f), -ENODATA);
    assert_int_equal(f->nwire, 0);
    static lesson_segment segs[2] = {
        {.time_us = 1000, .arrive_us = 6000, .from_side = 0, .to_side = 1,
         .flags = LESSON_SEG_ACK | LESSON_SEG_PSH, .bytes = 12},
        {.time_us = 6000, .arrive_us = 11000, .from_side = 1, .to_side = 0,
         .flags = LESSON_SEG_ACK, .window = 65000},
    };
    s.wire = LESSON_WIRE_EMULATED;
    s.real_t0_us = 1000;
    s.real_t1_us = 11000;
    s.segments = segs;
    s.nsegments = 2;
    assert_int_equal(viz_anim_build(an, &s), 0);
    /* the data segment is half-way early in the step, the ACK later */
    assert_int_equal(viz_anim_kernel_wire(an, &s, 0.3, f), 0);
    assert_int_equal(f->nwire, 1);
    assert_int_equal(f->wire[0].from_side, 0);
    assert_int_equal(f->wire[0].kind, LESSON_EV_SEGMENT);
    assert_int_equal(f->wire[0].bytes, 12);
    assert_int_equal(viz_anim_kernel_wire(an, &s, 0.7, f), 0);
    assert_int_equal(f->nwire, 1);
    assert_int_equal(f->wire[0].from_side, 1);
    assert_int_equal(f->wire[0].kind, LESSON_EV_ACK);
    assert_int_equal(f->wire[0].window, 65000);
    assert_true(f->wire[0].frac > 0 && f->wire[0].frac < 1);
    s.segments = NULL; /* static: not the scene's to free */
    s.nsegments = 0;
    viz_anim_free(an);
    free(f);
    viz_scene_free(&s);
}

/* Queues move bytes with their origins, oldest first. */
static void test_queue_push_pop_keeps_origins(void **state)
{
    (void)state;
    lesson_queue q = {0}, moved = {0};
    lesson_queue_push(&q, 1, 10);
    lesson_queue_push(&q, 1, 5);
    lesson_queue_push(&q, 2, 7);
    assert_int_equal(q.n, 2);
    assert_int_equal(q.bytes, 22);
    lesson_queue_pop(&q, 17, &moved);
    assert_int_equal(q.bytes, 5);
    assert_int_equal(q.run[0].origin, 2);
    assert_int_equal(q.run[0].bytes, 5);
    assert_int_equal(moved.n, 2);
    assert_int_equal(moved.run[0].bytes, 15);
    assert_int_equal(moved.run[1].origin, 2);
    assert_int_equal(moved.run[1].bytes, 2);
}

/* The picker lists the lessons with their titles in the current
 * language; the help overlay covers the picture; both differ by language. */
static void test_draw_picker_and_help(void **state)
{
    (void)state;
    viz_pick_item items[2] = {{"Socket buffers: the basics", "ソケットバッファの基本", "basics"},
                              {"The chat", NULL, "chat"}};
    viz_canvas *c = canvas(1280, 720);
    SDL_Renderer *r = viz_canvas_renderer(c);
    viz_ui ui = {.lang = VIZ_LANG_EN, .zoom = 1.0, .speed = 1.0};
    viz_draw_picker(r, viz_canvas_text(c), items, 2, 0, &ui, 1280, 720);
    SDL_RenderFlush(r);
    dump(c, "picker-en");
    SDL_Surface *en = copy_surface(viz_canvas_surface(c));
    ui.lang = VIZ_LANG_JA;
    viz_draw_picker(r, viz_canvas_text(c), items, 2, 0, &ui, 1280, 720);
    SDL_RenderFlush(r);
    dump(c, "picker-ja");
    assert_true(diff_pixels(en, viz_canvas_surface(c)) > 1000);
    SDL_Surface *ja = copy_surface(viz_canvas_surface(c));
    ui.help = true;
    viz_draw_picker(r, viz_canvas_text(c), items, 2, 0, &ui, 1280, 720);
    SDL_RenderFlush(r);
    dump(c, "help-ja");
    assert_true(diff_pixels(ja, viz_canvas_surface(c)) > 100000);
    ui.lang = VIZ_LANG_EN;
    viz_scene s;
    scene_basics(&s);
    viz_frame *f = calloc(1, sizeof *f);
    viz_anim *a = viz_anim_new();
    viz_anim_build(a, &s);
    viz_anim_seek(a, &s, 1.0, f);
    viz_draw_scene(r, viz_canvas_text(c), &s, f, &ui, 1280, 720);
    SDL_RenderFlush(r);
    dump(c, "help-en");
    free(f);
    viz_anim_free(a);
    viz_scene_free(&s);
    SDL_FreeSurface(en);
    SDL_FreeSurface(ja);
    viz_canvas_free(c);
}

/* Live mode draws one row per connection: the picture changes when a
 * connection's receive queue fills. */
static void test_draw_live_rows(void **state)
{
    (void)state;
    viz_canvas *c = canvas(1280, 720);
    SDL_Renderer *r = viz_canvas_renderer(c);
    viz_ui ui = {.lang = VIZ_LANG_EN, .zoom = 1.0, .speed = 1.0};
    viz_live_row rows[2] = {
        {.id = 1,
         .peer = "127.0.0.1:50000",
         .state = "ESTABLISHED",
         .reading = true,
         .probe_valid = true,
         .sndbuf_bytes = 16384,
         .rcvbuf_bytes = 131072},
        {.id = 2,
         .peer = "127.0.0.1:50002",
         .state = "ESTABLISHED",
         .reading = false,
         .probe_valid = true,
         .sndbuf_bytes = 16384,
         .rcvbuf_bytes = 131072},
    };
    const char *log[1] = {"   0.10 s  #1 accepted 127.0.0.1:50000"};
    viz_live_view v = {.listening = true, .addr = "127.0.0.1:8080", .rows = rows, .n = 2,
                       .open = 2, .now_ms = 1000, .log_en = log, .log_ja = log, .nlog = 1};
    viz_draw_live(r, viz_canvas_text(c), &v, &ui, 1280, 720);
    SDL_RenderFlush(r);
    SDL_Surface *a = copy_surface(viz_canvas_surface(c));
    rows[1].recv_queue_bytes = 100000;
    rows[1].unsent_bytes = 8000;
    viz_draw_live(r, viz_canvas_text(c), &v, &ui, 1280, 720);
    SDL_RenderFlush(r);
    dump(c, "live");
    assert_true(diff_pixels(a, viz_canvas_surface(c)) > 2000);
    SDL_FreeSurface(a);
    viz_canvas_free(c);
}

/* A 6-byte message the kernel queues never showed is drawn on its
 * connection's trail: the picture changes with the chip and without it. */
static void test_draw_live_trail_shows_small_message(void **state)
{
    (void)state;
    viz_canvas *c = canvas(1280, 720);
    SDL_Renderer *r = viz_canvas_renderer(c);
    viz_ui ui = {.lang = VIZ_LANG_JA, .zoom = 1.0, .speed = 1.0};
    viz_live_row row = {.id = 1, .peer = "127.0.0.1:50000", .state = "ESTABLISHED",
                        .reading = true, .probe_valid = true, .sndbuf_bytes = 16384,
                        .rcvbuf_bytes = 131072};
    viz_live_chip chip = {.conn_id = 1, .outbound = false, .bytes = 6, .repr = "b'hello\\n'",
                          .repr_short = "b'hello\\n'", .t_ms = 0, .wire_t_ms = -1,
                          .acked_t_ms = -1};
    viz_live_view v = {.listening = true, .addr = "127.0.0.1:8080", .rows = &row, .n = 1,
                       .open = 1, .now_ms = 2000};
    viz_draw_live(r, viz_canvas_text(c), &v, &ui, 1280, 720);
    SDL_RenderFlush(r);
    SDL_Surface *a = copy_surface(viz_canvas_surface(c));
    v.chips = &chip;
    v.nchips = 1;
    viz_draw_live(r, viz_canvas_text(c), &v, &ui, 1280, 720);
    SDL_RenderFlush(r);
    dump(c, "live-trail");
    assert_true(diff_pixels(a, viz_canvas_surface(c)) > 500);
    SDL_FreeSurface(a);
    viz_canvas_free(c);
}

/* An outbound chip stops in our kernel until a sample saw it on the wire,
 * then goes on as the samples saw it, each stop held for a while; an
 * inbound one is replayed from the other end to our program; both fade. */
static void test_live_chip_place_follows_samples(void **state)
{
    (void)state;
    viz_live_chip out = {.conn_id = 1, .outbound = true, .bytes = 16, .t_ms = 1000,
                         .wire_t_ms = -1, .acked_t_ms = -1};
    int stop;
    double mv, br;
    viz_live_chip_place(&out, 1000, &stop, &mv, &br);
    assert_int_equal(stop, 0);
    assert_true(mv == 1.0 && br == 1.0);
    viz_live_chip_place(&out, 3000, &stop, &mv, &br);
    assert_int_equal(stop, 1); /* no sample saw it leave: it stays in the send buffer */
    out.wire_t_ms = 1010;
    out.acked_t_ms = 1010;
    viz_live_chip_place(&out, 1500, &stop, &mv, &br);
    assert_int_equal(stop, 1); /* seen ACKed at once, but each stop lasts */
    assert_true(mv > 0.0 && mv < 1.0);
    viz_live_chip_place(&out, 2000, &stop, &mv, &br);
    assert_int_equal(stop, 2);
    viz_live_chip_place(&out, 2800, &stop, &mv, &br);
    assert_int_equal(stop, 3);
    assert_true(mv == 1.0);
    viz_live_chip_place(&out, 1000 + VIZ_LIVE_TRAIL_MS, &stop, &mv, &br);
    assert_true(br < 0.5);
    viz_live_chip in = {.conn_id = 1, .outbound = false, .bytes = 6, .t_ms = 0};
    viz_live_chip_place(&in, 0, &stop, &mv, &br);
    assert_int_equal(stop, 3);
    viz_live_chip_place(&in, 700, &stop, &mv, &br);
    assert_int_equal(stop, 2);
    viz_live_chip_place(&in, 5000, &stop, &mv, &br);
    assert_int_equal(stop, 0);
    assert_true(mv == 1.0);
}

/* Byte counts read as a teacher says them: exact below 100 kB, KiB, then
 * whole or tenths of MiB (the kernel's autotuned 4 MiB send buffer). */
static void test_fmt_bytes_units(void **state)
{
    (void)state;
    char b[32];
    viz_fmt_bytes(b, sizeof b, 12);
    assert_string_equal(b, "12 B");
    viz_fmt_bytes(b, sizeof b, 16384);
    assert_string_equal(b, "16,384 B");
    viz_fmt_bytes(b, sizeof b, 131072);
    assert_string_equal(b, "128 KiB");
    viz_fmt_bytes(b, sizeof b, 4194304);
    assert_string_equal(b, "4 MiB");
    viz_fmt_bytes(b, sizeof b, 3939840);
    assert_string_equal(b, "3.8 MiB");
}

/* "WxH" sizes parse; nonsense does not. */
static void test_parse_size(void **state)
{
    (void)state;
    int w = 0, h = 0;
    assert_int_equal(viz_parse_size("1920x1080", &w, &h), 0);
    assert_int_equal(w, 1920);
    assert_int_equal(h, 1080);
    assert_true(viz_parse_size("1920", &w, &h) < 0);
    assert_true(viz_parse_size("10x10", &w, &h) < 0);
    assert_true(viz_parse_size("1280x720junk", &w, &h) < 0);
}

/* A PNG written fast or at the defaults reads back with every pixel's
 * colour intact, and a file that cannot be made is an error naming it. */
static void test_png_write_roundtrip(void **state)
{
    (void)state;
    enum { W = 97, H = 31, PITCH = W + 3 };
    uint32_t *px = malloc(sizeof *px * PITCH * H);
    assert_non_null(px);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < PITCH; x++)
            px[y * PITCH + x] = 0xff000000u | (uint32_t)(x * 2654435761u ^ y * 40503u) >> 8;
    char path[] = "/tmp/sockbuf-test-png-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[256] = "";
    for (int e = 0; e < 2; e++) {
        viz_png_effort effort = e ? VIZ_PNG_DEFAULT : VIZ_PNG_FAST;
        assert_int_equal(viz_png_write(path, px, W, H, PITCH * 4, effort, err, sizeof err), 0);
        /* read back with libpng's own reader (BGRA bytes: ARGB words) */
        png_image img = {.version = PNG_IMAGE_VERSION};
        assert_true(png_image_begin_read_from_file(&img, path));
        assert_int_equal(img.width, W);
        assert_int_equal(img.height, H);
        img.format = PNG_FORMAT_BGRA;
        uint32_t *back = malloc(PNG_IMAGE_SIZE(img));
        assert_non_null(back);
        assert_true(png_image_finish_read(&img, NULL, back, 0, NULL));
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                assert_int_equal(back[y * W + x] & 0xffffff, px[y * PITCH + x] & 0xffffff);
        free(back);
    }
    remove(path);
    assert_int_equal(viz_png_write("/nonexistent-dir/x.png", px, W, H, PITCH * 4, VIZ_PNG_FAST,
                                   err, sizeof err),
                     -EIO);
    assert_non_null(strstr(err, "fopen(/nonexistent-dir/x.png)"));
    free(px);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canvas_size_requested),
        cmocka_unit_test(test_draw_step_changes_picture),
        cmocka_unit_test(test_draw_checks_not_checked),
        cmocka_unit_test(test_draw_animation_moves),
        cmocka_unit_test(test_font_japanese_real_glyphs),
        cmocka_unit_test(test_text_cache_repeated_frame_free),
        cmocka_unit_test(test_text_wrap_fits),
        cmocka_unit_test(test_text_wrap_code_whole),
        cmocka_unit_test(test_text_mixed_ascii_latin),
        cmocka_unit_test(test_text_ja_backslash),
        cmocka_unit_test(test_draw_prefetch_saves_next_frame),
        cmocka_unit_test(test_anim_replays_events),
        cmocka_unit_test(test_anim_zero_window),
        cmocka_unit_test(test_anim_kernel_wire),
        cmocka_unit_test(test_queue_push_pop_keeps_origins),
        cmocka_unit_test(test_draw_picker_and_help),
        cmocka_unit_test(test_draw_live_rows),
        cmocka_unit_test(test_draw_live_trail_shows_small_message),
        cmocka_unit_test(test_live_chip_place_follows_samples),
        cmocka_unit_test(test_fmt_bytes_units),
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_png_write_roundtrip),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    TTF_Quit();
    viz_font_shutdown();
    return rc;
}
