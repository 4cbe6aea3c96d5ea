/* viz_pdf.c: the PDF handout writer. See viz_pdf.h. */
#include "viz_pdf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int viz_pdf_page_encode(const uint32_t *pixels, int w, int h, size_t pitch_bytes,
                        viz_pdf_page *page, char *err, size_t errlen)
{
    *page = (viz_pdf_page){.w = w, .h = h};
    size_t raw_len = (size_t)w * (size_t)h * 3;
    unsigned char *raw = malloc(raw_len);
    uLongf len = compressBound((uLong)raw_len);
    unsigned char *out = malloc(len);
    int rc = -ENOMEM;
    if (!raw || !out) {
        snprintf(err, errlen, "viz_pdf_page_encode(%dx%d): out of memory", w, h);
        goto out;
    }
    unsigned char *d = raw;
    for (int y = 0; y < h; y++) {
        const uint32_t *src = (const uint32_t *)((const char *)pixels + (size_t)y * pitch_bytes);
        for (int x = 0; x < w; x++) {
            d[0] = (unsigned char)(src[x] >> 16);
            d[1] = (unsigned char)(src[x] >> 8);
            d[2] = (unsigned char)src[x];
            d += 3;
        }
    }
    /* Level 6: a handout is written once and read many times. */
    int z = compress2(out, &len, raw, (uLong)raw_len, 6);
    if (z != Z_OK) {
        snprintf(err, errlen, "compress2(%dx%d page): zlib error %d", w, h, z);
        rc = z == Z_MEM_ERROR ? -ENOMEM : -EIO;
        goto out;
    }
    page->data = out;
    page->len = len;
    out = NULL;
    rc = 0;
out:
    free(raw);
    free(out);
    return rc;
}

/* Writes text as a PDF string in UTF-16BE with its byte order mark (the
 * document's title may be Japanese). */
static void put_text_string(FILE *f, const char *utf8)
{
    fputs("<FEFF", f);
    const unsigned char *s = (const unsigned char *)utf8;
    while (*s) {
        uint32_t c = *s++;
        int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
        c &= more == 3 ? 0x07 : more == 2 ? 0x0f : more == 1 ? 0x1f : 0x7f;
        for (; more > 0 && (*s & 0xc0) == 0x80; more--)
            c = c << 6 | (*s++ & 0x3f);
        if (c >= 0x10000) {
            c -= 0x10000;
            fprintf(f, "%04X%04X", 0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff));
        } else {
            fprintf(f, "%04X", c);
        }
    }
    fputs(">", f);
}

int viz_pdf_write(const char *path, const char *title, const viz_pdf_page *pages, int n, char *err,
                  size_t errlen)
{
    if (n < 1) {
        snprintf(err, errlen, "viz_pdf_write(%s): no pages", path);
        return -EINVAL;
    }
    /* Objects: 1 catalog, 2 pages, 3 info, then per page: page, content,
     * image (4 + 3i, 5 + 3i, 6 + 3i). */
    int nobj = 3 + 3 * n;
    long *off = calloc((size_t)nobj + 1, sizeof *off);
    FILE *f = NULL;
    int rc = -EIO;
    if (!off) {
        snprintf(err, errlen, "viz_pdf_write(%s): out of memory", path);
        return -ENOMEM;
    }
    f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "fopen(%s): %s", path, strerror(errno));
        goto out;
    }
    fputs("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", f);
    off[1] = ftell(f);
    fputs("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n", f);
    off[2] = ftell(f);
    fprintf(f, "2 0 obj\n<< /Type /Pages /Count %d /Kids [", n);
    for (int i = 0; i < n; i++)
        fprintf(f, " %d 0 R", 4 + 3 * i);
    fputs(" ] >>\nendobj\n", f);
    off[3] = ftell(f);
    fputs("3 0 obj\n<< /Producer (sockbuf render)", f);
    if (title && *title) {
        fputs(" /Title ", f);
        put_text_string(f, title);
    }
    fputs(" >>\nendobj\n", f);
    for (int i = 0; i < n; i++) {
        const viz_pdf_page *p = &pages[i];
        int page = 4 + 3 * i, content = page + 1, image = page + 2;
        /* The picture at 96 dpi: 0.75 pt a pixel. */
        double pw = p->w * 0.75, ph = p->h * 0.75;
        char ops[128];
        int oplen = snprintf(ops, sizeof ops, "q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q\n", pw, ph);
        off[page] = ftell(f);
        fprintf(f,
                "%d 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] "
                "/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>\nendobj\n",
                page, pw, ph, image, content);
        off[content] = ftell(f);
        fprintf(f, "%d 0 obj\n<< /Length %d >>\nstream\n%sendstream\nendobj\n", content, oplen,
                ops);
        off[image] = ftell(f);
        fprintf(f,
                "%d 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d "
                "/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode /Length %zu "
                ">>\nstream\n",
                image, p->w, p->h, p->len);
        fwrite(p->data, 1, p->len, f);
        fputs("\nendstream\nendobj\n", f);
    }
    long xref = ftell(f);
    fprintf(f, "xref\n0 %d\n0000000000 65535 f \n", nobj + 1);
    for (int i = 1; i <= nobj; i++)
        fprintf(f, "%010ld 00000 n \n", off[i]);
    fprintf(f, "trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R >>\nstartxref\n%ld\n%%%%EOF\n",
            nobj + 1, xref);
    if (ferror(f)) {
        snprintf(err, errlen, "fwrite(%s): %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (f && fclose(f) != 0 && rc == 0) {
        snprintf(err, errlen, "fclose(%s): %s", path, strerror(errno));
        rc = -EIO;
    }
    if (rc < 0 && f)
        remove(path);
    free(off);
    return rc;
}
