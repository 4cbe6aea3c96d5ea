/* test_viz_movie.c: the animated-step writers (viz_movie.c) and the PDF
 * handout writer (viz_pdf.c). The files are read back with the libraries'
 * own decoders (giflib's DGifSlurp, libwebp's WebPAnimDecoder), so a frame
 * lost, a rectangle misplaced or a colour changed fails here; the PDF's
 * cross-reference table is checked against the objects it points at.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <gif_lib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <webp/demux.h>

#include "viz_movie.h"
#include "viz_pdf.h"

enum { W = 64, H = 48 };

static const uint32_t BACK = 0xff181d28u, INK = 0xffe8ecf4u, CHIP = 0xffe0a020u;

/* Frame i: the background, a line of "text" and a chip at x = 8 + 12 i. */
static void frame(uint32_t *px, int i)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            px[y * W + x] = (y == 5 && x % 3) ? INK : BACK;
    for (int y = 20; y < 28; y++)
        for (int x = 8 + 12 * i; x < 18 + 12 * i; x++)
            px[y * W + x] = CHIP;
}

static char *tmp_path(const char *ext)
{
    static char path[128];
    snprintf(path, sizeof path, "/tmp/test_viz_movie-%d.%s", (int)getpid(), ext);
    return path;
}

static void write_movie(viz_movie_kind kind, const char *path, int n)
{
    char err[256] = "";
    uint32_t px[W * H];
    viz_movie *m = viz_movie_new(kind, path, W, H, err, sizeof err);
    assert_non_null(m);
    for (int i = 0; i < n; i++) {
        frame(px, i);
        assert_int_equal(viz_movie_add(m, px, W * 4, 100, err, sizeof err), 0);
    }
    assert_int_equal(viz_movie_finish(m, err, sizeof err), 0);
    viz_movie_free(m);
}

/* A GIF has every frame, each composed over the last shows the frame's
 * flat colours exactly, and it loops. */
static void test_movie_gif_frames_exact(void **state)
{
    (void)state;
    const char *path = tmp_path("gif");
    write_movie(VIZ_MOVIE_GIF, path, 3);
    int err = 0;
    GifFileType *g = DGifOpenFileName(path, &err);
    assert_non_null(g);
    assert_int_equal(DGifSlurp(g), GIF_OK);
    assert_int_equal(g->SWidth, W);
    assert_int_equal(g->SHeight, H);
    assert_int_equal(g->ImageCount, 3);
    bool loops = false;
    for (int e = 0; e < g->SavedImages[0].ExtensionBlockCount; e++) {
        ExtensionBlock *b = &g->SavedImages[0].ExtensionBlocks[e];
        if (b->Function == APPLICATION_EXT_FUNC_CODE && b->ByteCount == 11 &&
            !memcmp(b->Bytes, "NETSCAPE2.0", 11))
            loops = true;
    }
    assert_true(loops);
    uint32_t canvas[W * H] = {0}, want[W * H];
    for (int i = 0; i < g->ImageCount; i++) {
        SavedImage *si = &g->SavedImages[i];
        GraphicsControlBlock gcb;
        assert_int_equal(DGifSavedExtensionToGCB(g, i, &gcb), GIF_OK);
        assert_int_equal(gcb.DelayTime, 10); /* 100 ms */
        ColorMapObject *cm = si->ImageDesc.ColorMap ? si->ImageDesc.ColorMap : g->SColorMap;
        assert_non_null(cm);
        for (int y = 0; y < si->ImageDesc.Height; y++)
            for (int x = 0; x < si->ImageDesc.Width; x++) {
                int c = si->RasterBits[y * si->ImageDesc.Width + x];
                if (c == gcb.TransparentColor)
                    continue;
                GifColorType col = cm->Colors[c];
                canvas[(y + si->ImageDesc.Top) * W + x + si->ImageDesc.Left] =
                    0xff000000u | (uint32_t)col.Red << 16 | (uint32_t)col.Green << 8 | col.Blue;
            }
        if (i > 0) /* only the chip's rectangle is stored again */
            assert_true(si->ImageDesc.Width * si->ImageDesc.Height < W * H / 4);
        frame(want, i);
        assert_memory_equal(canvas, want, sizeof want);
    }
    DGifCloseFile(g, &err);
    remove(path);
}

/* A WebP has every frame, lossless: each decodes to its pixels. */
static void test_movie_webp_frames_lossless(void **state)
{
    (void)state;
    const char *path = tmp_path("webp");
    write_movie(VIZ_MOVIE_WEBP, path, 3);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    WebPData data = {buf, n};
    WebPAnimDecoderOptions opt;
    assert_true(WebPAnimDecoderOptionsInit(&opt));
    opt.color_mode = MODE_BGRA; /* little-endian ARGB words */
    WebPAnimDecoder *dec = WebPAnimDecoderNew(&data, &opt);
    assert_non_null(dec);
    WebPAnimInfo info;
    assert_true(WebPAnimDecoderGetInfo(dec, &info));
    assert_int_equal(info.canvas_width, W);
    assert_int_equal(info.frame_count, 3);
    assert_int_equal(info.loop_count, 0);
    uint32_t want[W * H];
    for (int i = 0; WebPAnimDecoderHasMoreFrames(dec); i++) {
        uint8_t *px;
        int ts;
        assert_true(WebPAnimDecoderGetNext(dec, &px, &ts));
        assert_int_equal(ts, 100 * (i + 1));
        frame(want, i);
        assert_memory_equal(px, want, sizeof want);
    }
    WebPAnimDecoderDelete(dec);
    remove(path);
}

/* A file that cannot be made is an error naming the call and the path,
 * and leaves no file behind. */
static void test_movie_bad_path_says_so(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(viz_movie_new(VIZ_MOVIE_GIF, "/nonexistent-dir/x.gif", W, H, err, sizeof err));
    assert_non_null(strstr(err, "open(/nonexistent-dir/x.gif)"));
    uint32_t px[W * H];
    frame(px, 0);
    viz_movie *m = viz_movie_new(VIZ_MOVIE_WEBP, "/nonexistent-dir/x.webp", W, H, err, sizeof err);
    assert_non_null(m);
    assert_int_equal(viz_movie_add(m, px, W * 4, 100, err, sizeof err), 0);
    assert_int_equal(viz_movie_finish(m, err, sizeof err), -EIO);
    assert_non_null(strstr(err, "fopen(/nonexistent-dir/x.webp)"));
    viz_movie_free(m);
}

/* The PDF has one page per picture, and every offset in its
 * cross-reference table points at the object it names. */
static void test_pdf_xref_points_at_objects(void **state)
{
    (void)state;
    char err[256] = "";
    uint32_t px[W * H];
    viz_pdf_page pages[2];
    for (int i = 0; i < 2; i++) {
        frame(px, i);
        assert_int_equal(viz_pdf_page_encode(px, W, H, W * 4, &pages[i], err, sizeof err), 0);
        assert_true(pages[i].len > 0 && pages[i].len < (size_t)W * H * 3);
    }
    const char *path = tmp_path("pdf");
    assert_int_equal(viz_pdf_write(path, "ソケット", pages, 2, err, sizeof err), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_memory_equal(buf, "%PDF-1.4\n", 9);
    assert_non_null(strstr(buf, "/Type /Pages /Count 2 "));
    char *sx = NULL;
    for (char *p = buf; (p = memmem(p, n - (size_t)(p - buf), "startxref\n", 10)); p++)
        sx = p;
    assert_non_null(sx);
    long xref = atol(sx + 10);
    assert_memory_equal(buf + xref, "xref\n0 ", 7);
    int count = atoi(buf + xref + 7);
    assert_int_equal(count, 1 + 3 + 3 * 2);
    const char *entry = strchr(buf + xref + 7, '\n') + 1 + 20; /* after entry 0 */
    for (int obj = 1; obj < count; obj++, entry += 20) {
        long off = atol(entry);
        char head[32];
        int len = snprintf(head, sizeof head, "%d 0 obj\n", obj);
        assert_memory_equal(buf + off, head, (size_t)len);
    }
    assert_int_equal(viz_pdf_write("/nonexistent-dir/x.pdf", NULL, pages, 2, err, sizeof err),
                     -EIO);
    assert_non_null(strstr(err, "fopen(/nonexistent-dir/x.pdf)"));
    for (int i = 0; i < 2; i++)
        free(pages[i].data);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_movie_gif_frames_exact),
        cmocka_unit_test(test_movie_webp_frames_lossless),
        cmocka_unit_test(test_movie_bad_path_says_so),
        cmocka_unit_test(test_pdf_xref_points_at_objects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
