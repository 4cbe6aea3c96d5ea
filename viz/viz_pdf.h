/* viz_pdf.h: a one-file PDF handout, one picture a page, written by hand.
 *
 * `sockbuf render --format pdf` puts every step's end picture (with its
 * narration, which the picture already shows, one picture per narration
 * page stacked on one PDF page) into one PDF. Each page's picture is an
 * RGB image XObject compressed with zlib (/FlateDecode, no JPEG: text
 * stays sharp), drawn to fill the page; the page is the picture's size
 * at 96 dpi. No library beyond zlib: the format needs only objects, a
 * content stream per page and a cross-reference table. Pages are
 * compressed with viz_pdf_page_encode() (on render's writer threads, in
 * any order) and the file is written at the end by viz_pdf_write().
 */
#ifndef SOCKBUF_VIZ_PDF_H
#define SOCKBUF_VIZ_PDF_H

#include <stddef.h>
#include <stdint.h>

/* One page, compressed. */
typedef struct {
    unsigned char *data; /* zlib stream of the RGB rows (owned; free()) */
    size_t len;          /* its length in bytes */
    int w, h;            /* the picture in pixels */
} viz_pdf_page;

/* Compresses w x h ARGB8888 words (pitch_bytes apart per row; alpha
 * ignored) into *page (data owned by the caller: free(page->data)).
 * Returns 0, or -ENOMEM / -EIO with a message in err. */
int viz_pdf_page_encode(const uint32_t *pixels, int w, int h, size_t pitch_bytes,
                        viz_pdf_page *page, char *err, size_t errlen);

/* Writes the n pages to path, titled title (UTF-8; may be NULL). Returns
 * 0, or -EIO / -EINVAL with a message in err ("fopen(PATH): ..."); a file
 * that failed is removed. */
int viz_pdf_write(const char *path, const char *title, const viz_pdf_page *pages, int n, char *err,
                  size_t errlen);

#endif
