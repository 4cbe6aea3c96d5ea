/* test_viz_font.c: which fonts viz_font.c picks for Japanese, checked
 * against fontconfig's own list and against the pixels drawn: a bold
 * Japanese font is used for bold Japanese text whenever one is installed,
 * the regular one otherwise, and mixing Japanese into a title keeps its
 * line box. Latin faces are found by family name, whatever fontconfig
 * calls "sans"; a missing family falls back and says so. The Japanese
 * font is opened only once Japanese is drawn. Headless (SDL's offscreen driver).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <SDL.h>
#include <SDL_ttf.h>
#include <errno.h>
#include <fontconfig/fontconfig.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lesson.h"
#include "viz_canvas.h"
#include "viz_font.h"

static viz_canvas *canvas(int w, int h)
{
    char err[256] = "";
    viz_canvas *c = viz_canvas_new(w, h, err, sizeof err);
    if (!c)
        fprintf(stderr, "viz_canvas_new: %s\n", err);
    assert_non_null(c);
    return c;
}

/* The weight a font file gives itself (its first face), or -1. */
static int file_weight(const char *path)
{
    int count = 0, weight = -1;
    FcPattern *p = FcFreeTypeQuery((const FcChar8 *)path, 0, NULL, &count);
    if (p && FcPatternGetInteger(p, FC_WEIGHT, 0, &weight) != FcResultMatch)
        weight = -1;
    if (p)
        FcPatternDestroy(p);
    return weight;
}

/* Is a scalable, proportional, bold font covering あ ソ 漢 installed?
 * Asked of fontconfig's whole list, not of viz_font_find(). */
static bool bold_ja_installed(void)
{
    assert_true(FcInit());
    FcPattern *pat = FcPatternCreate();
    FcObjectSet *os = FcObjectSetBuild(FC_WEIGHT, FC_CHARSET, FC_SCALABLE, FC_SPACING, NULL);
    FcFontSet *fs = FcFontList(NULL, pat, os);
    bool found = false;
    for (int i = 0; fs && i < fs->nfont && !found; i++) {
        FcPattern *f = fs->fonts[i];
        int weight = 0, spacing = FC_PROPORTIONAL;
        FcBool scalable = FcFalse;
        FcCharSet *cs = NULL;
        if (FcPatternGetInteger(f, FC_WEIGHT, 0, &weight) != FcResultMatch ||
            weight < FC_WEIGHT_BOLD)
            continue;
        if (FcPatternGetBool(f, FC_SCALABLE, 0, &scalable) != FcResultMatch || !scalable)
            continue;
        if (FcPatternGetInteger(f, FC_SPACING, 0, &spacing) == FcResultMatch &&
            spacing >= FC_MONO)
            continue;
        if (FcPatternGetCharSet(f, FC_CHARSET, 0, &cs) != FcResultMatch)
            continue;
        found = FcCharSetHasChar(cs, 0x3042) && FcCharSetHasChar(cs, 0x30bd) &&
                FcCharSetHasChar(cs, 0x6f22);
    }
    if (fs)
        FcFontSetDestroy(fs);
    FcObjectSetDestroy(os);
    FcPatternDestroy(pat);
    return found;
}

/* How much ink utf8 leaves, white on black: the sum of a channel. */
static long ink(viz_canvas *c, const char *utf8, viz_face face, int size_px)
{
    SDL_Renderer *r = viz_canvas_renderer(c);
    SDL_SetRenderDrawColor(r, 0, 0, 0, 255);
    SDL_RenderClear(r);
    int w = viz_text_draw(viz_canvas_text(c), utf8, face, size_px, (SDL_Color){255, 255, 255, 255},
                          10, 10, VIZ_ALIGN_LEFT);
    assert_true(w > 0);
    SDL_RenderFlush(r);
    SDL_Surface *s = SDL_ConvertSurfaceFormat(viz_canvas_surface(c), SDL_PIXELFORMAT_ARGB8888, 0);
    assert_non_null(s);
    long sum = 0;
    for (int y = 0; y < s->h; y++)
        for (int x = 0; x < s->w; x++)
            sum += ((uint32_t *)((char *)s->pixels + y * s->pitch))[x] & 0xff;
    SDL_FreeSurface(s);
    return sum;
}

/* Bold Japanese text is drawn in a bold Japanese font whenever one is
 * installed: the font drawing it is bold by its own weight, and its
 * strokes leave clearly more ink than the regular face's. Without one it
 * falls back to the regular Japanese font and still draws glyphs. */
static void test_font_ja_bold_used(void **state)
{
    (void)state;
    viz_canvas *c = canvas(400, 100);
    viz_text *t = viz_canvas_text(c);
    const char *title = "送信バッファが満杯";
    long regular = ink(c, title, VIZ_FACE_SANS, 32);
    long bold = ink(c, title, VIZ_FACE_BOLD, 32);
    assert_true(regular > 1000);
    if (bold_ja_installed()) {
        char path[1024];
        int index = -1;
        assert_int_equal(viz_font_find_index(VIZ_FACE_JA_BOLD, path, sizeof path, &index), 0);
        assert_true(index >= 0);
        assert_string_equal(viz_text_ja_font_path(t, VIZ_FACE_BOLD), path);
        assert_true(file_weight(viz_text_ja_font_path(t, VIZ_FACE_BOLD)) >= FC_WEIGHT_BOLD);
        assert_true(viz_font_covers(path, title));
        assert_true(bold * 10 > regular * 12);
    } else {
        assert_string_equal(viz_text_ja_font_path(t, VIZ_FACE_BOLD),
                            viz_text_ja_font_path(t, VIZ_FACE_SANS));
        assert_true(bold * 10 > regular * 9);
    }
    /* The regular face is never the bold one. */
    assert_true(file_weight(viz_text_ja_font_path(t, VIZ_FACE_SANS)) < FC_WEIGHT_BOLD);
    viz_canvas_free(c);
}

/* Whether this process has path mapped (/proc/self/maps): the text
 * cache maps each font file it opens. */
static bool mapped(const char *path)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[2048];
    bool found = false;
    assert_non_null(f);
    while (!found && fgets(line, sizeof line, f)) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        size_t n = strlen(line), k = strlen(path);
        found = n >= k && !strcmp(line + n - k, path);
    }
    fclose(f);
    return found;
}

/* The Japanese font is opened only when Japanese text is first drawn: a
 * text cache drawing English never maps the CJK file (the window's
 * start-up, bench/bench_startup.c), and one drawing Japanese does. */
static void test_font_ja_opened_when_needed(void **state)
{
    (void)state;
    char ja[1024];
    assert_int_equal(viz_font_find(VIZ_FACE_JA, ja, sizeof ja), 0);
    viz_canvas *c = canvas(400, 100);
    assert_true(ink(c, "Send buffer full", VIZ_FACE_BOLD, 32) > 1000);
    assert_true(ink(c, "sock.send(data)", VIZ_FACE_MONO, 20) > 1000);
    assert_false(mapped(ja));
    assert_true(ink(c, "送信バッファ", VIZ_FACE_SANS, 32) > 1000);
    assert_true(mapped(ja));
    viz_canvas_free(c);
    assert_false(mapped(ja));
}

/* Japanese in a title keeps the Latin face's line box at every size: a
 * CJK font's tall ascent (room for its own Latin accents) neither makes
 * the line taller nor pushes its baseline down. */
static void test_font_ja_bold_line_box(void **state)
{
    (void)state;
    viz_canvas *c = canvas(400, 100);
    viz_text *t = viz_canvas_text(c);
    for (int size = 14; size <= 48; size += 2) {
        int wl = 0, hl = 0, wm = 0, hm = 0;
        assert_int_equal(viz_text_size(t, "Client", VIZ_FACE_BOLD, size, &wl, &hl), 0);
        assert_int_equal(viz_text_size(t, "Client クライアント", VIZ_FACE_BOLD, size, &wm, &hm), 0);
        assert_true(wm > wl);
        assert_int_equal(hm, hl);
        assert_int_equal(viz_text_size(t, "送信 recv", VIZ_FACE_SANS, size, &wm, &hm), 0);
        assert_int_equal(viz_text_size(t, "recv", VIZ_FACE_SANS, size, &wl, &hl), 0);
        assert_int_equal(hm, hl);
    }
    viz_canvas_free(c);
}

/* With no bold Japanese font installed (a fontconfig setup holding only
 * IPAGothic and DejaVu), viz_font_find() says so and the window draws
 * bold Japanese in the regular Japanese font instead of failing. */
static void test_font_ja_bold_fallback(void **state)
{
    (void)state;
    const char *ipa = "/usr/share/fonts/opentype/ipafont-gothic";
    const char *dejavu = "/usr/share/fonts/truetype/dejavu";
    if (access(ipa, R_OK) != 0 || access(dejavu, R_OK) != 0) {
        skip();
        return;
    }
    char dir[] = "/tmp/sockbuf-fc-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char conf[256];
    snprintf(conf, sizeof conf, "%s/fonts.conf", dir);
    FILE *f = fopen(conf, "w");
    assert_non_null(f);
    fprintf(f,
            "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n"
            "<fontconfig><dir>%s</dir><dir>%s</dir><cachedir>%s</cachedir></fontconfig>\n",
            ipa, dejavu, dir);
    fclose(f);
    FcFini();
    setenv("FONTCONFIG_FILE", conf, 1);
    assert_true(FcInit());

    char path[1024];
    assert_int_equal(viz_font_find(VIZ_FACE_JA_BOLD, path, sizeof path), -ENOENT);
    viz_canvas *c = canvas(400, 100);
    viz_text *t = viz_canvas_text(c);
    assert_string_equal(viz_text_ja_font_path(t, VIZ_FACE_BOLD),
                        viz_text_ja_font_path(t, VIZ_FACE_SANS));
    assert_true(ink(c, "送信バッファ", VIZ_FACE_BOLD, 32) > 1000);
    viz_canvas_free(c);

    FcFini();
    unsetenv("FONTCONFIG_FILE");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Points fontconfig at a private fonts.conf in a new temporary folder
 * holding the given font folders and extra XML; returns the folder (to
 * pass to fc_private_end). The folders' packages must be installed. */
static char *fc_private(const char *dirs[], int ndirs, const char *extra)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/sockbuf-fc-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char conf[128];
    snprintf(conf, sizeof conf, "%s/fonts.conf", dir);
    FILE *f = fopen(conf, "w");
    assert_non_null(f);
    fprintf(f, "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig>");
    for (int i = 0; i < ndirs; i++) {
        if (access(dirs[i], R_OK) != 0)
            fail_msg("%s is missing: install fonts-dejavu-core and fonts-ipafont-gothic "
                     "(scripts/setup)",
                     dirs[i]);
        fprintf(f, "<dir>%s</dir>", dirs[i]);
    }
    fprintf(f, "<cachedir>%s</cachedir>%s</fontconfig>\n", dir, extra);
    fclose(f);
    FcFini();
    setenv("FONTCONFIG_FILE", conf, 1);
    assert_true(FcInit());
    return dir;
}

static void fc_private_end(const char *dir)
{
    FcFini();
    unsetenv("FONTCONFIG_FILE");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* With no Japanese font installed, a text cache still opens (the Latin
 * faces are all an English window needs first) and a label mixing
 * Japanese into Latin is drawn whole by the Latin font, its Japanese as
 * boxes: the window's footer ("L 日本語") does not vanish. */
static void test_font_no_japanese_font_draws_latin(void **state)
{
    (void)state;
    const char *dirs[] = {"/usr/share/fonts/truetype/dejavu"};
    char *dir = fc_private(dirs, 1, "");
    char path[1024];
    assert_int_equal(viz_font_find(VIZ_FACE_JA, path, sizeof path), -ENOENT);
    viz_canvas *c = canvas(400, 100);
    long latin = ink(c, "L", VIZ_FACE_SANS, 24);
    long mixed = ink(c, "L 日本語", VIZ_FACE_SANS, 24);
    assert_true(latin > 100);
    assert_true(mixed > latin * 2); /* the boxes leave ink too */
    viz_canvas_free(c);
    fc_private_end(dir);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The families are asked for by name: where fontconfig's "sans" and
 * "monospace" mean IPAGothic, the window still draws Latin in DejaVu
 * Sans (and its bold) and code in DejaVu Sans Mono. */
static void test_font_named_family_wins(void **state)
{
    (void)state;
    const char *dirs[] = {"/usr/share/fonts/opentype/ipafont-gothic",
                          "/usr/share/fonts/truetype/dejavu"};
    char *dir = fc_private(dirs, 2,
                           "<alias><family>sans</family><prefer><family>IPAGothic</family>"
                           "</prefer></alias><alias><family>monospace</family><prefer>"
                           "<family>IPAGothic</family></prefer></alias>");
    /* the setup means it: fontconfig's own "sans" is IPAGothic here */
    FcResult res;
    FcPattern *pat = FcNameParse((const FcChar8 *)"sans");
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcPattern *m = FcFontMatch(NULL, pat, &res);
    FcChar8 *file = NULL;
    assert_non_null(m);
    assert_int_equal(FcPatternGetString(m, FC_FILE, 0, &file), FcResultMatch);
    assert_string_equal(base_name((const char *)file), "ipag.ttf");
    FcPatternDestroy(m);
    FcPatternDestroy(pat);

    char path[1024];
    assert_int_equal(viz_font_find(VIZ_FACE_SANS, path, sizeof path), 0);
    assert_string_equal(base_name(path), "DejaVuSans.ttf");
    assert_int_equal(viz_font_find(VIZ_FACE_BOLD, path, sizeof path), 0);
    assert_string_equal(base_name(path), "DejaVuSans-Bold.ttf");
    assert_int_equal(viz_font_find(VIZ_FACE_MONO, path, sizeof path), 0);
    assert_string_equal(base_name(path), "DejaVuSansMono.ttf");
    assert_int_equal(viz_font_find(VIZ_FACE_JA, path, sizeof path), 0);
    assert_string_equal(base_name(path), "ipag.ttf");
    fc_private_end(dir);
}

/* A named family that is missing: fontconfig chooses, and stderr says
 * once which family was wanted (and its package) and which file came. */
static void test_font_missing_family_says_so(void **state)
{
    (void)state;
    const char *dirs[] = {"/usr/share/fonts/opentype/ipafont-gothic"};
    char *dir = fc_private(dirs, 1, "");
    char log[128], path[1024], said[1024] = "";
    snprintf(log, sizeof log, "%s/stderr", dir);
    fflush(stderr);
    int saved = dup(2);
    FILE *f = fopen(log, "w+");
    assert_non_null(f);
    dup2(fileno(f), 2);
    int rc = viz_font_find(VIZ_FACE_MONO, path, sizeof path);
    int rc2 = viz_font_find(VIZ_FACE_MONO, path, sizeof path);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(f);
    size_t n = fread(said, 1, sizeof said - 1, f);
    said[n] = 0;
    fclose(f);
    assert_int_equal(rc, 0);
    assert_int_equal(rc2, 0);
    assert_string_equal(base_name(path), "ipag.ttf");
    assert_non_null(strstr(said, "\"DejaVu Sans Mono\""));
    assert_non_null(strstr(said, "fonts-dejavu-core"));
    assert_non_null(strstr(said, path));
    assert_non_null(strchr(said, '\n'));
    assert_null(strstr(strchr(said, '\n') + 1, "DejaVu")); /* once */
    fc_private_end(dir);
}

/* The first code point of s and its length. */
static unsigned first_cp(const char *s, int len, int *n)
{
    const unsigned char *u = (const unsigned char *)s;
    *n = 1;
    if (len >= 3 && (u[0] & 0xf0) == 0xe0) {
        *n = 3;
        return (unsigned)(u[0] & 0x0f) << 12 | (unsigned)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
    }
    return u[0];
}

/* Every bundled lesson's Japanese narration, wrapped with the real fonts
 * at many widths, keeps the rules: no line starts with 、。」 or a small
 * kana, none ends with 「（, a number's line does not leave its unit
 * ("バイト") to the next, and no paragraph ends on a line of one
 * character and its full stop ("す。") when the line before has
 * characters to spare. */
static void test_font_wrap_kinsoku_lessons(void **state)
{
    (void)state;
    viz_canvas *c = canvas(400, 100);
    viz_text *t = viz_canvas_text(c);
    static const char *const lessons[] = {"01-basics", "02-flush", "03-chat", "04-file-send",
                                          "05-nagle-delayed-ack", "06-close-and-reset"};
    static const unsigned no_start[] = {0x3001, 0x3002, 0x300d, 0xff09, 0x30fc, 0x3063, 0x30c3,
                                        0x3083, 0x3085, 0x3087, 0x30e3, 0x30e5, 0x30e7};
    int checked = 0;
    for (size_t l = 0; l < sizeof lessons / sizeof lessons[0]; l++) {
        char path[512];
        snprintf(path, sizeof path, "%s/lessons/%s.lesson", SOCKBUF_SOURCE_DIR, lessons[l]);
        lesson_diag d[LESSON_MAX_DIAGS];
        int nd = 0;
        lesson_doc *doc = lesson_parse_file(path, d, &nd);
        assert_non_null(doc);
        for (size_t k = 0; k < doc->nsteps; k++)
            for (size_t p = 0; p < doc->steps[k].nsay_ja; p++) {
                const char *say = doc->steps[k].say_ja[p];
                for (int width = 240; width <= 1400; width += 37) {
                    int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES];
                    int n = viz_text_wrap(t, say, VIZ_FACE_SANS, 23, width, starts, lens,
                                          VIZ_WRAP_MAX_LINES);
                    for (int i = 0; i < n; i++) {
                        const char *line = say + starts[i];
                        int cl;
                        unsigned cp = first_cp(line, lens[i], &cl);
                        for (size_t j = 0; i > 0 && j < sizeof no_start / sizeof no_start[0]; j++)
                            assert_true(cp != no_start[j]);
                        assert_false(lens[i] >= 3 && (!memcmp(line + lens[i] - 3, "「", 3) ||
                                                      !memcmp(line + lens[i] - 3, "（", 3)));
                        if (i > 0 && !strncmp(line, "バイト", strlen("バイト"))) {
                            /* its number is not left on the line before */
                            const char *e = say + starts[i - 1] + lens[i - 1];
                            assert_false(e[-1] >= '0' && e[-1] <= '9');
                        }
                        checked++;
                    }
                    if (n >= 2 && starts[n - 1] + lens[n - 1] == (int)strlen(say)) {
                        /* a lone character and its full stop */
                        int cl;
                        first_cp(say + starts[n - 1], lens[n - 1], &cl);
                        bool lone = lens[n - 1] == cl + 3 &&
                                    !memcmp(say + starts[n - 1] + cl, "。", 3);
                        assert_false(lone && lens[n - 2] >= 4 * 3);
                    }
                }
            }
        lesson_doc_free(doc);
    }
    assert_true(checked > 1000);
    viz_canvas_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_font_ja_opened_when_needed),
        cmocka_unit_test(test_font_ja_bold_used),
        cmocka_unit_test(test_font_no_japanese_font_draws_latin),
        cmocka_unit_test(test_font_ja_bold_line_box),
        cmocka_unit_test(test_font_ja_bold_fallback),
        cmocka_unit_test(test_font_wrap_kinsoku_lessons),
        cmocka_unit_test(test_font_named_family_wins),
        cmocka_unit_test(test_font_missing_family_says_so),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    TTF_Quit();
    viz_font_shutdown();
    return rc;
}
