/* viz_png.c: the PNG writer. See viz_png.h. */
#include "viz_png.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct {
    char *err;     /* where libpng's message goes */
    size_t errlen; /* its size */
    const char *path;
} png_ctx;

static void on_error(png_structp png, png_const_charp msg)
{
    png_ctx *c = png_get_error_ptr(png);
    snprintf(c->err, c->errlen, "libpng(%s): %s", c->path, msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

int viz_png_write(const char *path, const uint32_t *pixels, int w, int h, size_t pitch_bytes,
                  viz_png_effort effort, char *err, size_t errlen)
{
    png_ctx ctx = {err, errlen, path};
    png_structp png = NULL;
    png_infop info = NULL;
    unsigned char *volatile row = NULL;
    FILE *volatile f = NULL;
    volatile int rc = -EIO;
    if (w <= 0 || h <= 0) {
        snprintf(err, errlen, "viz_png_write(%s): empty picture %dx%d", path, w, h);
        return -EINVAL;
    }
    row = malloc((size_t)w * 3);
    if (!row) {
        snprintf(err, errlen, "viz_png_write(%s): out of memory", path);
        return -ENOMEM;
    }
    f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "fopen(%s): %s", path, strerror(errno));
        goto out;
    }
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        snprintf(err, errlen, "libpng(%s): out of memory", path);
        rc = -ENOMEM;
        goto out;
    }
    if (setjmp(png_jmpbuf(png)))
        goto out;
    png_init_io(png, f);
    if (effort == VIZ_PNG_FAST) {
        /* Flat colours and text: unfiltered rows keep the repeats zlib
         * finds at level 2 (measured on the bundled lessons: smaller than
         * the default's files at 1/10 of the time; "up", "sub" and Z_RLE
         * make the files 20-150% bigger and are no faster). */
        png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
        png_set_compression_level(png, 2);
    }
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
    png_write_info(png, info);
    for (int y = 0; y < h; y++) {
        const uint32_t *src = (const uint32_t *)((const char *)pixels + (size_t)y * pitch_bytes);
        unsigned char *d = row;
        for (int x = 0; x < w; x++) {
            uint32_t p = src[x];
            d[0] = (unsigned char)(p >> 16);
            d[1] = (unsigned char)(p >> 8);
            d[2] = (unsigned char)p;
            d += 3;
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    rc = 0;
out:
    if (png)
        png_destroy_write_struct(&png, info ? &info : NULL);
    if (f && fclose(f) != 0 && rc == 0) {
        snprintf(err, errlen, "fclose(%s): %s", path, strerror(errno));
        rc = -EIO;
    }
    if (rc < 0 && f)
        remove(path);
    free(row);
    return rc;
}
