/* sim_queue.c: byte rings and origin run-lists for the model's queues.
 *
 * See sim_queue.h. Rings are indexed by absolute stream offset, so the
 * sender's send queue and the receiver's receive queue can copy a segment
 * without any per-byte bookkeeping; run-lists say which write each byte
 * came from so the window can colour every message.
 */
#include "sim_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t pow2_at_least(uint64_t n)
{
    uint64_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

uint64_t sim_ring_capacity(const sim_ring *r)
{
    return r->buf == NULL ? 0 : r->mask + 1;
}

int sim_ring_reserve(sim_ring *r, uint64_t need, uint64_t from, uint64_t to)
{
    if (need <= sim_ring_capacity(r))
        return 0;
    uint64_t cap = pow2_at_least(need < 64 ? 64 : need);
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return -ENOMEM;
    sim_ring n = {buf, cap - 1};
    if (r->buf != NULL && to > from)
        sim_ring_copy(&n, from, r, from, (size_t)(to - from));
    free(r->buf);
    *r = n;
    return 0;
}

/* How many of n bytes from stream offset off lie before r's end, where
 * the ring wraps: min(n, room to the end). */
static size_t ring_span(const sim_ring *r, uint64_t off, size_t n)
{
    uint64_t room = r->mask + 1 - (off & r->mask);
    return room < n ? (size_t)room : n;
}

void sim_ring_put(sim_ring *r, uint64_t off, const uint8_t *data, size_t n)
{
    while (n > 0) {
        uint64_t pos = off & r->mask;
        size_t chunk = ring_span(r, off, n);
        if (data != NULL) {
            memcpy(r->buf + pos, data, chunk);
            data += chunk;
        } else {
            memset(r->buf + pos, 0, chunk);
        }
        off += chunk;
        n -= chunk;
    }
}

void sim_ring_get(const sim_ring *r, uint64_t off, uint8_t *out, size_t n)
{
    if (out == NULL)
        return;
    while (n > 0) {
        uint64_t pos = off & r->mask;
        size_t chunk = ring_span(r, off, n);
        memcpy(out, r->buf + pos, chunk);
        out += chunk;
        off += chunk;
        n -= chunk;
    }
}

void sim_ring_copy(sim_ring *dst, uint64_t dst_off, const sim_ring *src, uint64_t off, size_t n)
{
    while (n > 0) {
        size_t chunk = ring_span(dst, dst_off, ring_span(src, off, n));
        memcpy(dst->buf + (dst_off & dst->mask), src->buf + (off & src->mask), chunk);
        off += chunk;
        dst_off += chunk;
        n -= chunk;
    }
}

void sim_ring_free(sim_ring *r)
{
    free(r->buf);
    r->buf = NULL;
    r->mask = 0;
}

static sim_extent *ext_at(const sim_extq *q, uint64_t i)
{
    return &q->v[i & (q->cap - 1)];
}

int sim_extq_reserve(sim_extq *q)
{
    if (q->tail - q->head == q->cap) {
        uint32_t ncap = q->cap == 0 ? 8 : q->cap * 2;
        sim_extent *v = malloc(sizeof(*v) * ncap);
        if (v == NULL)
            return -ENOMEM;
        for (uint64_t i = q->head; i < q->tail; i++)
            v[i & (ncap - 1)] = *ext_at(q, i);
        free(q->v);
        q->v = v;
        q->cap = ncap;
    }
    return 0;
}

int sim_extq_push(sim_extq *q, uint64_t start, uint64_t end, const uint8_t *data)
{
    if (end <= start)
        return 0;
    if (q->tail > q->head) {
        sim_extent *last = ext_at(q, q->tail - 1);
        if (last->end == start && last->data + (last->end - last->start) == data) {
            last->end = end;
            return 0;
        }
    }
    if (sim_extq_reserve(q) < 0)
        return -ENOMEM;
    *ext_at(q, q->tail++) = (sim_extent){start, end, data};
    return 0;
}

void sim_extq_drop_before(sim_extq *q, uint64_t low)
{
    while (q->head < q->tail && ext_at(q, q->head)->end <= low)
        q->head++;
}

void sim_extq_free(sim_extq *q)
{
    free(q->v);
    memset(q, 0, sizeof(*q));
}

void sim_ring_get_ext(const sim_ring *r, const sim_extq *x, uint64_t off, uint8_t *out, size_t n)
{
    if (out == NULL)
        return;
    uint64_t i = x->head;
    while (n > 0) {
        while (i < x->tail && ext_at(x, i)->end <= off)
            i++;
        const sim_extent *e = i < x->tail ? ext_at(x, i) : NULL;
        size_t chunk;
        if (e != NULL && e->start <= off) { /* borrowed */
            chunk = e->end - off < n ? (size_t)(e->end - off) : n;
            memcpy(out, e->data + (off - e->start), chunk);
        } else { /* in the ring, up to the next extent */
            chunk = e != NULL && e->start - off < n ? (size_t)(e->start - off) : n;
            sim_ring_get(r, off, out, chunk);
        }
        out += chunk;
        off += chunk;
        n -= chunk;
    }
}

static sim_run *run_at(const sim_runq *q, uint64_t i)
{
    return &q->v[i & (q->cap - 1)];
}

int sim_runq_push(sim_runq *q, uint32_t origin, uint32_t bytes, bool merge)
{
    if (bytes == 0)
        return 0;
    if (merge && q->tail > q->head) {
        sim_run *last = run_at(q, q->tail - 1);
        if (last->origin == origin && (uint64_t)last->bytes + bytes <= UINT32_MAX) {
            last->bytes += bytes;
            q->bytes += bytes;
            return 0;
        }
    }
    if (q->tail - q->head == q->cap) {
        uint32_t ncap = q->cap == 0 ? 8 : q->cap * 2;
        sim_run *v = malloc(sizeof(*v) * ncap);
        if (v == NULL)
            return -ENOMEM;
        for (uint64_t i = q->head; i < q->tail; i++)
            v[i & (ncap - 1)] = *run_at(q, i);
        free(q->v);
        q->v = v;
        q->cap = ncap;
    }
    sim_run *r = run_at(q, q->tail++);
    r->origin = origin;
    r->bytes = bytes;
    q->bytes += bytes;
    return 0;
}

void sim_runq_pop(sim_runq *q, uint64_t n)
{
    q->bytes -= n;
    while (n > 0 && q->head < q->tail) {
        sim_run *r = run_at(q, q->head);
        uint64_t left = r->bytes - q->head_off;
        if (n < left) {
            q->head_off += (uint32_t)n;
            return;
        }
        n -= left;
        q->head++;
        q->head_off = 0;
    }
}

void sim_runq_clear(sim_runq *q)
{
    q->head = q->tail;
    q->head_off = 0;
    q->bytes = 0;
}

uint32_t sim_runq_walk(const sim_runq *q, sim_cursor *c, uint64_t n, sim_runq *to, int *err)
{
    uint32_t first = 0;
    if (c->run < q->head) { /* its run was removed: everything before was passed */
        c->run = q->head;
        c->off = q->head_off;
    }
    while (n > 0 && c->run < q->tail) {
        const sim_run *r = run_at(q, c->run);
        uint64_t left = r->bytes - c->off;
        if (left == 0) {
            c->run++;
            c->off = 0;
            continue;
        }
        uint64_t take = n < left ? n : left;
        if (first == 0)
            first = r->origin;
        if (to != NULL && sim_runq_push(to, r->origin, (uint32_t)take, true) < 0 && err)
            *err = -ENOMEM;
        c->off += (uint32_t)take;
        n -= take;
        /* At the end of the newest run the cursor stays there: a push that
         * merges into that run extends what lies ahead of it. */
        if (c->off == r->bytes && c->run + 1 < q->tail) {
            c->run++;
            c->off = 0;
        }
    }
    return first;
}

int sim_runq_describe(const sim_runq *q, uint64_t skip, uint64_t n, sim_run *out, int max)
{
    int count = 0;
    uint32_t last = 0; /* origin of the newest run described (origins are >= 1) */
    uint32_t off = q->head_off;
    for (uint64_t i = q->head; i < q->tail && n > 0; i++, off = 0) {
        const sim_run *r = run_at(q, i);
        uint64_t len = r->bytes - off;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        len -= skip;
        skip = 0;
        if (len > n)
            len = n;
        n -= len;
        if (count > 0 && last == r->origin) {
            if (count <= max)
                out[count - 1].bytes += (uint32_t)len;
            continue;
        }
        last = r->origin;
        if (count < max) {
            out[count].origin = r->origin;
            out[count].bytes = (uint32_t)len;
        }
        count++;
    }
    return count;
}

void sim_runq_free(sim_runq *q)
{
    free(q->v);
    memset(q, 0, sizeof(*q));
}
