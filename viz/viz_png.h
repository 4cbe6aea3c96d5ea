/* viz_png.h: writes an ARGB8888 picture as a PNG with libpng directly.
 *
 * `sockbuf render` spent 91% of its time in PNG compression at libpng's
 * and zlib's defaults (IMG_SavePNG). The pictures are flat colours and
 * text, so unfiltered rows at zlib level 2 compress them as well (the
 * files come out smaller) in about a tenth of the time. The
 * picture is opaque, so it is written as RGB (no alpha channel).
 * Called by viz_canvas.c (and bench_viz, which compares the levels).
 */
#ifndef SOCKBUF_VIZ_PNG_H
#define SOCKBUF_VIZ_PNG_H

#include <stddef.h>
#include <stdint.h>

/* How hard to compress: VIZ_PNG_FAST is what render uses; VIZ_PNG_DEFAULT
 * is libpng's own choice (zlib level 6, adaptive filters), for comparison. */
typedef enum { VIZ_PNG_FAST, VIZ_PNG_DEFAULT } viz_png_effort;

/* Writes w x h pixels (ARGB8888 words, pitch_bytes apart per row; alpha is
 * ignored) to path. Returns 0, or -EIO / -ENOMEM with a message in err
 * ("fopen(PATH): ...", "libpng(PATH): ..."); a failed file is removed. */
int viz_png_write(const char *path, const uint32_t *pixels, int w, int h, size_t pitch_bytes,
                  viz_png_effort effort, char *err, size_t errlen);

#endif
