/* viz_movie.h: animated pictures of a step, as WebP or GIF files.
 *
 * `sockbuf render --format webp|gif` draws each step's animation frame by
 * frame (the frames `render --at` would draw across the step) and adds
 * them here, one at a time, in order; viz_movie_finish() writes the file.
 * WebP goes through libwebp's animation encoder (WebPAnimEncoder,
 * lossless: text and flat colours stay crisp, and the encoder stores only
 * the part of a frame that changed). GIF goes through giflib: each frame
 * stores only the rectangle that changed since the frame before, with its
 * own 256-colour palette chosen from that rectangle (its most frequent
 * colours exactly, the theme's flat fills and the text's colours, then a
 * small colour cube for the rest; no dithering, so text stays sharp).
 * Called by viz_render.c, on its writer threads (one movie is used by
 * one thread at a time).
 */
#ifndef SOCKBUF_VIZ_MOVIE_H
#define SOCKBUF_VIZ_MOVIE_H

#include <stddef.h>
#include <stdint.h>

/* The file's kind. */
typedef enum { VIZ_MOVIE_WEBP, VIZ_MOVIE_GIF } viz_movie_kind;

typedef struct viz_movie viz_movie;

/* A movie of w x h frames written to path: a WebP when it is finished, a
 * GIF frame by frame as they are added (viz_movie_finish ends it). Returns NULL with a message in
 * err
 * ("viz_movie_new(PATH): out of memory", "WebPAnimEncoderNew: ..."). */
viz_movie *viz_movie_new(viz_movie_kind kind, const char *path, int w, int h, char *err,
                         size_t errlen);

/* Adds a frame: w x h ARGB8888 words (alpha ignored), pitch_bytes apart
 * per row, shown for duration_ms (at least 20). The pixels are copied.
 * Returns 0, or -ENOMEM / -EIO with a message in err. */
int viz_movie_add(viz_movie *m, const uint32_t *pixels, size_t pitch_bytes, int duration_ms,
                  char *err, size_t errlen);

/* Writes the file (looping forever). Returns 0, or -EIO / -ENOMEM with a
 * message in err ("fopen(PATH): ...", "EGifPutImageDesc(PATH): ...");
 * a file that failed is removed. */
int viz_movie_finish(viz_movie *m, char *err, size_t errlen);

/* Frees the movie; an unfinished movie's file is removed. Accepts NULL. */
void viz_movie_free(viz_movie *m);

#endif
