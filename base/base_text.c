/* base_text.c: Python's repr of bytes and str, and JSON strings. See
 * base_text.h. The repr follows CPython's bytes_repr() and
 * unicode_repr(): the same quote choice and escapes.
 */
#include "base_text.h"

#include <errno.h>
#include <string.h>

/* The escaped form of one byte into e (at most 4 characters); its length. */
static size_t repr_char(char *e, unsigned char c, char quote, bool is_bytes)
{
    static const char hex[] = "0123456789abcdef";
    if (c == (unsigned char)quote || c == '\\') {
        e[0] = '\\', e[1] = (char)c;
        return 2;
    }
    if (c == '\n' || c == '\r' || c == '\t') {
        e[0] = '\\', e[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        return 2;
    }
    if ((c >= 0x20 && c < 0x7F) || (!is_bytes && c >= 0x80)) {
        e[0] = (char)c; /* str: UTF-8 passes through */
        return 1;
    }
    e[0] = '\\', e[1] = 'x', e[2] = hex[c >> 4], e[3] = hex[c & 15];
    return 4;
}

size_t base_repr(char *out, size_t outlen, const uint8_t *d, size_t n, bool is_bytes,
                 size_t max_chars)
{
    if (outlen == 0)
        return 0;
    bool sq = n && memchr(d, '\'', n) != NULL, dq = n && memchr(d, '"', n) != NULL;
    char quote = (sq && !dq) ? '"' : '\'';
    size_t o = 0;
    bool cut = false;
    if (is_bytes && o + 1 < outlen)
        out[o++] = 'b';
    if (o + 1 < outlen)
        out[o++] = quote;
    for (size_t i = 0; i < n; i++) {
        char e[4];
        size_t el = repr_char(e, d[i], quote, is_bytes);
        /* Room for this character, then "..." unless it is the last one,
         * the closing quote and the NUL. */
        size_t need = o + el + (i + 1 < n ? 3 : 0) + 2;
        if (o >= max_chars || need > outlen) {
            cut = true;
            break;
        }
        memcpy(out + o, e, el);
        o += el;
    }
    if (cut)
        for (int k = 0; k < 3 && o + 2 < outlen; k++)
            out[o++] = '.';
    if (o + 1 < outlen)
        out[o++] = quote;
    out[o] = '\0';
    return o;
}

void base_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    const unsigned char *run = (const unsigned char *)s;
    for (const unsigned char *p = run;; p++) {
        /* Plain characters go out in runs, one fwrite() each: a live
         * event's bytes are mostly plain. */
        if (*p >= 0x20 && *p != '"' && *p != '\\')
            continue;
        if (p > run)
            fwrite(run, 1, (size_t)(p - run), f);
        run = p + 1;
        switch (*p) {
        case '\0':
            fputc('"', f);
            return;
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            fprintf(f, "\\u%04x", *p);
        }
    }
}

int base_fputs_safe(const char *s, FILE *f)
{
    int rc = 0;
    const unsigned char *p = (const unsigned char *)s, *run = p;
    for (; *p; p++) {
        unsigned cp = 0;
        size_t n = 0;
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7F)
            cp = *p, n = 1;
        else if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            cp = p[1], n = 2;
        if (!n)
            continue;
        if (p > run && fwrite(run, 1, (size_t)(p - run), f) != (size_t)(p - run))
            rc = EOF;
        if (fprintf(f, "\\x%02x", cp) < 0)
            rc = EOF;
        p += n - 1;
        run = p + 1;
    }
    if (p > run && fwrite(run, 1, (size_t)(p - run), f) != (size_t)(p - run))
        rc = EOF;
    return rc;
}

static int g_flush_errno;

int base_flush(FILE *f)
{
    errno = 0;
    int rc = fflush(f);
    if (rc != 0 && g_flush_errno == 0)
        g_flush_errno = errno ? errno : EIO;
    return rc;
}

int base_flush_errno(void)
{
    return g_flush_errno;
}
