/* viz_movie.c: the WebP and GIF writers. See viz_movie.h. */
#include "viz_movie.h"

#include <errno.h>
#include <fcntl.h>
#include <gif_lib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <webp/encode.h>
#include <webp/mux.h>

enum {
    GIF_POPULAR = 200, /* palette entries taken by a frame's most frequent colours */
    GIF_BINS = 32768,  /* colours counted at 5 bits a channel */
    GIF_CLEAR = 255,   /* the transparent index (the palette uses at most 248) */
};

struct viz_movie {
    viz_movie_kind kind;
    char *path;
    int w, h;
    int nframes;
    bool finished;
    /* WebP */
    WebPAnimEncoder *enc;
    WebPConfig config;
    int t_ms; /* the next frame's start */
    /* GIF */
    GifFileType *gif;
    uint32_t *prev;       /* the last frame, w*h words (0xffRRGGBB) */
    uint32_t *cur;        /* the frame being added */
    GifByteType *indexed; /* one palette index a pixel of the rectangle */
    uint32_t *count;      /* GIF_BINS counts */
    uint32_t (*sum)[3];   /* GIF_BINS sums of r, g, b */
    int16_t *nearest;     /* GIF_BINS: palette index, -1 not yet known */
};

viz_movie *viz_movie_new(viz_movie_kind kind, const char *path, int w, int h, char *err,
                         size_t errlen)
{
    viz_movie *m = calloc(1, sizeof *m);
    if (!m || !(m->path = strdup(path))) {
        snprintf(err, errlen, "viz_movie_new(%s): out of memory", path);
        free(m);
        return NULL;
    }
    m->kind = kind;
    m->w = w;
    m->h = h;
    size_t px = (size_t)w * (size_t)h;
    if (kind == VIZ_MOVIE_WEBP) {
        WebPAnimEncoderOptions opt;
        if (!WebPAnimEncoderOptionsInit(&opt) || !WebPConfigInit(&m->config)) {
            snprintf(err, errlen, "WebPAnimEncoderOptionsInit: libwebp version mismatch");
            goto fail;
        }
        opt.anim_params.loop_count = 0; /* forever */
        opt.anim_params.bgcolor = 0xff000000u;
        /* Lossless keeps text and flat colours exact, and the encoder
         * stores only the rectangle that changed. Method 1 at quality 50:
         * on the basics lesson a tenth of method 0's bytes (84 KB against
         * 1.4 MB for step 3's 25 frames at 1280x720) for the same time;
         * lossy at quality 90 was twice the size and blurred the text. */
        m->config.lossless = 1;
        m->config.method = 1;
        m->config.quality = 50;
        m->config.thread_level = 0;
        m->enc = WebPAnimEncoderNew(w, h, &opt);
        if (!m->enc) {
            snprintf(err, errlen, "WebPAnimEncoderNew(%dx%d): out of memory", w, h);
            goto fail;
        }
        return m;
    }
    m->prev = malloc(px * sizeof *m->prev);
    m->cur = malloc(px * sizeof *m->cur);
    m->indexed = malloc(px);
    m->count = malloc(GIF_BINS * sizeof *m->count);
    m->sum = malloc(GIF_BINS * sizeof *m->sum);
    m->nearest = malloc(GIF_BINS * sizeof *m->nearest);
    if (!m->prev || !m->cur || !m->indexed || !m->count || !m->sum || !m->nearest) {
        snprintf(err, errlen, "viz_movie_new(%s): out of memory for %dx%d", path, w, h);
        goto fail;
    }
    /* Opened here, not by EGifOpenFileName, which makes the file 0600. */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        snprintf(err, errlen, "open(%s): %s", path, strerror(errno));
        goto fail;
    }
    int gerr = 0;
    m->gif = EGifOpenFileHandle(fd, &gerr); /* closes fd from now on */
    if (!m->gif) {
        close(fd);
        snprintf(err, errlen, "EGifOpenFileHandle(%s): %s", path, GifErrorString(gerr));
        remove(path);
        goto fail;
    }
    EGifSetGifVersion(m->gif, true);
    /* No global palette: each frame brings its own. */
    if (EGifPutScreenDesc(m->gif, w, h, 8, 0, NULL) == GIF_ERROR) {
        snprintf(err, errlen, "EGifPutScreenDesc(%s): %s", path, GifErrorString(m->gif->Error));
        goto fail;
    }
    /* NETSCAPE2.0: loop forever. */
    unsigned char loop[3] = {1, 0, 0};
    if (EGifPutExtensionLeader(m->gif, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
        EGifPutExtensionBlock(m->gif, 11, "NETSCAPE2.0") == GIF_ERROR ||
        EGifPutExtensionBlock(m->gif, 3, loop) == GIF_ERROR ||
        EGifPutExtensionTrailer(m->gif) == GIF_ERROR) {
        snprintf(err, errlen, "EGifPutExtension(%s, NETSCAPE2.0): %s", path,
                 GifErrorString(m->gif->Error));
        goto fail;
    }
    return m;
fail:
    viz_movie_free(m);
    return NULL;
}

static int webp_add(viz_movie *m, const uint32_t *pixels, size_t pitch, int ms, char *err,
                    size_t errlen)
{
    WebPPicture pic;
    int rc = -ENOMEM;
    if (!WebPPictureInit(&pic)) {
        snprintf(err, errlen, "WebPPictureInit: libwebp version mismatch");
        return -EIO;
    }
    pic.use_argb = 1;
    pic.width = m->w;
    pic.height = m->h;
    if (!WebPPictureAlloc(&pic)) {
        snprintf(err, errlen, "WebPPictureAlloc(%dx%d): out of memory", m->w, m->h);
        goto out;
    }
    for (int y = 0; y < m->h; y++) {
        const uint32_t *src = (const uint32_t *)((const char *)pixels + (size_t)y * pitch);
        uint32_t *dst = pic.argb + (size_t)y * (size_t)pic.argb_stride;
        for (int x = 0; x < m->w; x++)
            dst[x] = src[x] | 0xff000000u; /* opaque: the same word layout */
    }
    if (!WebPAnimEncoderAdd(m->enc, &pic, m->t_ms, &m->config)) {
        snprintf(err, errlen, "WebPAnimEncoderAdd(%s, frame %d): %s", m->path, m->nframes + 1,
                 WebPAnimEncoderGetError(m->enc));
        rc = -EIO;
        goto out;
    }
    m->t_ms += ms;
    rc = 0;
out:
    WebPPictureFree(&pic);
    return rc;
}

static int bin_of(uint32_t p)
{
    return (int)(((p >> 19) & 0x1f) << 10 | ((p >> 11) & 0x1f) << 5 | ((p >> 3) & 0x1f));
}

/* The palette of the rectangle (x0, y0, rw, rh) of m->cur: its GIF_POPULAR
 * most frequent 5-bit colours (each the mean of its pixels), then a
 * 4x4x3 cube. Fills map with n colours; resets m->nearest. */
static int gif_palette(viz_movie *m, int x0, int y0, int rw, int rh, GifColorType *map)
{
    memset(m->count, 0, GIF_BINS * sizeof *m->count);
    memset(m->sum, 0, GIF_BINS * sizeof *m->sum);
    for (int y = y0; y < y0 + rh; y++) {
        const uint32_t *row = m->cur + (size_t)y * (size_t)m->w;
        for (int x = x0; x < x0 + rw; x++) {
            uint32_t p = row[x];
            int b = bin_of(p);
            m->count[b]++;
            m->sum[b][0] += (p >> 16) & 0xff;
            m->sum[b][1] += (p >> 8) & 0xff;
            m->sum[b][2] += p & 0xff;
        }
    }
    int n = 0;
    /* The most frequent bins, by selection: GIF_POPULAR passes over the
     * bins that are in use (few: flat colours and text edges). */
    int used[GIF_BINS];
    int nused = 0;
    for (int b = 0; b < GIF_BINS; b++)
        if (m->count[b])
            used[nused++] = b;
    while (n < GIF_POPULAR && nused > 0) {
        int best = 0;
        for (int i = 1; i < nused; i++)
            if (m->count[used[i]] > m->count[used[best]])
                best = i;
        int b = used[best];
        uint32_t c = m->count[b];
        map[n].Red = (GifByteType)(m->sum[b][0] / c);
        map[n].Green = (GifByteType)(m->sum[b][1] / c);
        map[n].Blue = (GifByteType)(m->sum[b][2] / c);
        n++;
        used[best] = used[--nused];
    }
    for (int r = 0; r < 4; r++)
        for (int g = 0; g < 4; g++)
            for (int b = 0; b < 3; b++) {
                map[n].Red = (GifByteType)(r * 85);
                map[n].Green = (GifByteType)(g * 85);
                map[n].Blue = (GifByteType)(b * 127);
                n++;
            }
    for (int i = 0; i < GIF_BINS; i++)
        m->nearest[i] = -1;
    return n;
}

static int gif_nearest(viz_movie *m, const GifColorType *map, int n, uint32_t p)
{
    int b = bin_of(p);
    if (m->nearest[b] >= 0)
        return m->nearest[b];
    int r = (int)((p >> 16) & 0xff), g = (int)((p >> 8) & 0xff), bl = (int)(p & 0xff);
    int best = 0, bestd = 1 << 30;
    for (int i = 0; i < n; i++) {
        int dr = r - map[i].Red, dg = g - map[i].Green, db = bl - map[i].Blue;
        int d = 3 * dr * dr + 4 * dg * dg + 2 * db * db; /* the eye weighs green most */
        if (d < bestd) {
            bestd = d;
            best = i;
        }
    }
    m->nearest[b] = (int16_t)best;
    return best;
}

static int gif_add(viz_movie *m, const uint32_t *pixels, size_t pitch, int ms, char *err,
                   size_t errlen)
{
    for (int y = 0; y < m->h; y++) {
        const uint32_t *src = (const uint32_t *)((const char *)pixels + (size_t)y * pitch);
        uint32_t *dst = m->cur + (size_t)y * (size_t)m->w;
        for (int x = 0; x < m->w; x++)
            dst[x] = src[x] | 0xff000000u;
    }
    /* The rectangle that changed since the frame before (all of the first). */
    int x0 = 0, y0 = 0, x1 = m->w - 1, y1 = m->h - 1;
    if (m->nframes > 0) {
        x0 = m->w;
        y0 = m->h;
        x1 = y1 = -1;
        for (int y = 0; y < m->h; y++) {
            const uint32_t *a = m->cur + (size_t)y * (size_t)m->w;
            const uint32_t *b = m->prev + (size_t)y * (size_t)m->w;
            if (!memcmp(a, b, (size_t)m->w * sizeof *a))
                continue;
            if (y < y0)
                y0 = y;
            y1 = y;
            for (int x = 0; x < m->w; x++)
                if (a[x] != b[x]) {
                    if (x < x0)
                        x0 = x;
                    break;
                }
            for (int x = m->w - 1; x >= 0; x--)
                if (a[x] != b[x]) {
                    if (x > x1)
                        x1 = x;
                    break;
                }
        }
        if (y1 < 0) /* nothing changed: one pixel, to carry the delay */
            x0 = y0 = x1 = y1 = 0;
    }
    int rw = x1 - x0 + 1, rh = y1 - y0 + 1;
    GifColorType colors[256];
    int n = gif_palette(m, x0, y0, rw, rh, colors);
    /* After the first frame, a pixel the frame before already shows is
     * transparent (GIF_CLEAR): long runs of it compress to little. */
    bool see_through = m->nframes > 0;
    GifByteType *d = m->indexed;
    for (int y = y0; y <= y1; y++) {
        const uint32_t *row = m->cur + (size_t)y * (size_t)m->w;
        const uint32_t *old = m->prev + (size_t)y * (size_t)m->w;
        for (int x = x0; x <= x1; x++)
            *d++ = see_through && row[x] == old[x] ? GIF_CLEAR
                                                   : (GifByteType)gif_nearest(m, colors, n, row[x]);
    }
    while (n < 256) /* a colour map's size is a power of two */
        colors[n++] = (GifColorType){0, 0, 0};
    ColorMapObject *cmap = GifMakeMapObject(256, colors);
    if (!cmap) {
        snprintf(err, errlen, "GifMakeMapObject(%s): out of memory", m->path);
        return -ENOMEM;
    }
    int rc = -EIO;
    GraphicsControlBlock gcb = {.DisposalMode = DISPOSE_DO_NOT,
                                .UserInputFlag = false,
                                .DelayTime = (ms + 5) / 10,
                                .TransparentColor = see_through ? GIF_CLEAR : NO_TRANSPARENT_COLOR};
    GifByteType ext[4];
    size_t len = EGifGCBToExtension(&gcb, ext);
    if (EGifPutExtension(m->gif, GRAPHICS_EXT_FUNC_CODE, (int)len, ext) == GIF_ERROR ||
        EGifPutImageDesc(m->gif, x0, y0, rw, rh, false, cmap) == GIF_ERROR) {
        snprintf(err, errlen, "EGifPutImageDesc(%s, frame %d): %s", m->path, m->nframes + 1,
                 GifErrorString(m->gif->Error));
        goto out;
    }
    for (int y = 0; y < rh; y++)
        if (EGifPutLine(m->gif, m->indexed + (size_t)y * (size_t)rw, rw) == GIF_ERROR) {
            snprintf(err, errlen, "EGifPutLine(%s, frame %d): %s", m->path, m->nframes + 1,
                     GifErrorString(m->gif->Error));
            goto out;
        }
    uint32_t *t = m->prev;
    m->prev = m->cur;
    m->cur = t;
    rc = 0;
out:
    GifFreeMapObject(cmap);
    return rc;
}

int viz_movie_add(viz_movie *m, const uint32_t *pixels, size_t pitch_bytes, int duration_ms,
                  char *err, size_t errlen)
{
    if (duration_ms < 20)
        duration_ms = 20;
    int rc = m->kind == VIZ_MOVIE_WEBP ? webp_add(m, pixels, pitch_bytes, duration_ms, err, errlen)
                                       : gif_add(m, pixels, pitch_bytes, duration_ms, err, errlen);
    if (rc == 0)
        m->nframes++;
    return rc;
}

static int webp_finish(viz_movie *m, char *err, size_t errlen)
{
    WebPData data;
    WebPDataInit(&data);
    FILE *f = NULL;
    int rc = -EIO;
    if (!WebPAnimEncoderAdd(m->enc, NULL, m->t_ms, NULL) ||
        !WebPAnimEncoderAssemble(m->enc, &data)) {
        snprintf(err, errlen, "WebPAnimEncoderAssemble(%s): %s", m->path,
                 WebPAnimEncoderGetError(m->enc));
        goto out;
    }
    f = fopen(m->path, "wb");
    if (!f) {
        snprintf(err, errlen, "fopen(%s): %s", m->path, strerror(errno));
        goto out;
    }
    if (fwrite(data.bytes, 1, data.size, f) != data.size) {
        snprintf(err, errlen, "fwrite(%s): %s", m->path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (f && fclose(f) != 0 && rc == 0) {
        snprintf(err, errlen, "fclose(%s): %s", m->path, strerror(errno));
        rc = -EIO;
    }
    if (rc < 0 && f)
        remove(m->path);
    WebPDataClear(&data);
    return rc;
}

int viz_movie_finish(viz_movie *m, char *err, size_t errlen)
{
    int rc;
    if (m->kind == VIZ_MOVIE_WEBP) {
        rc = webp_finish(m, err, errlen);
    } else {
        int gerr = 0;
        rc = EGifCloseFile(m->gif, &gerr) == GIF_ERROR ? -EIO : 0;
        m->gif = NULL;
        if (rc < 0) {
            snprintf(err, errlen, "EGifCloseFile(%s): %s", m->path, GifErrorString(gerr));
            remove(m->path);
        }
    }
    m->finished = true;
    return rc;
}

void viz_movie_free(viz_movie *m)
{
    if (!m)
        return;
    if (m->enc)
        WebPAnimEncoderDelete(m->enc);
    if (m->gif) {
        int gerr = 0;
        EGifCloseFile(m->gif, &gerr);
    }
    if (m->kind == VIZ_MOVIE_GIF && !m->finished)
        remove(m->path);
    free(m->prev);
    free(m->cur);
    free(m->indexed);
    free(m->count);
    free(m->sum);
    free(m->nearest);
    free(m->path);
    free(m);
}
