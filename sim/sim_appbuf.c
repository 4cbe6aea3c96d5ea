/* sim_appbuf.c: Python's BufferedWriter rule for s.makefile('wb').
 *
 * Decides which bytes of a write must go to the socket now and keeps the
 * rest in a user-space buffer, exactly as CPython's _bufferedwriter_write
 * does for a blocking raw stream (where a raw write takes everything).
 * Used by the lesson runner in front of both the model and real sockets.
 */
#include "sim_appbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct sim_appbuf {
    uint8_t *buf;    /* buffered bytes, oldest first */
    size_t used;     /* bytes in buf */
    size_t capacity; /* size of buf */
};

sim_appbuf *sim_appbuf_new(long capacity_bytes)
{
    sim_appbuf *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    b->capacity = capacity_bytes <= 0 ? SIM_APPBUF_DEFAULT_BYTES : (size_t)capacity_bytes;
    b->buf = malloc(b->capacity);
    if (b->buf == NULL) {
        free(b);
        return NULL;
    }
    return b;
}

void sim_appbuf_free(sim_appbuf *b)
{
    if (b == NULL)
        return;
    free(b->buf);
    free(b);
}

/* Appends n bytes to *out; returns 0 or -ENOMEM (then *out unchanged). */
static int out_append(uint8_t **out, size_t *out_len, const uint8_t *data, size_t n)
{
    if (n == 0)
        return 0;
    uint8_t *p = realloc(*out, *out_len + n);
    if (p == NULL)
        return -ENOMEM;
    memcpy(p + *out_len, data, n);
    *out = p;
    *out_len += n;
    return 0;
}

int sim_appbuf_write(sim_appbuf *b, const uint8_t *data, size_t len, uint8_t **out, size_t *out_len)
{
    int rc = 0;
    size_t old_len = *out_len;

    if (len <= b->capacity - b->used) { /* fits: only buffered */
        if (len > 0)
            memcpy(b->buf + b->used, data, len);
        b->used += len;
        goto out;
    }
    /* Does not fit: what is buffered goes first. */
    rc = out_append(out, out_len, b->buf, b->used);
    if (rc < 0)
        goto out;
    if (len > b->capacity) { /* larger than the whole buffer: straight through */
        rc = out_append(out, out_len, data, len);
        if (rc < 0) {
            *out_len = old_len; /* nothing changed: the buffer still holds its bytes */
            goto out;
        }
        b->used = 0;
        goto out;
    }
    b->used = 0;
    memcpy(b->buf, data, len);
    b->used = len;
out:
    return rc;
}

int sim_appbuf_flush(sim_appbuf *b, uint8_t **out, size_t *out_len)
{
    int rc = out_append(out, out_len, b->buf, b->used);
    if (rc == 0)
        b->used = 0;
    return rc;
}

const uint8_t *sim_appbuf_data(const sim_appbuf *b)
{
    return b->buf;
}

void sim_appbuf_consume(sim_appbuf *b, size_t n)
{
    if (n > b->used)
        n = b->used;
    memmove(b->buf, b->buf + n, b->used - n);
    b->used -= n;
}

size_t sim_appbuf_put(sim_appbuf *b, const uint8_t *data, size_t len)
{
    size_t n = b->capacity - b->used;
    if (n > len)
        n = len;
    if (n > 0)
        memcpy(b->buf + b->used, data, n);
    b->used += n;
    return n;
}

size_t sim_appbuf_buffered_bytes(const sim_appbuf *b)
{
    return b->used;
}

size_t sim_appbuf_capacity_bytes(const sim_appbuf *b)
{
    return b->capacity;
}
