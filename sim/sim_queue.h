/* sim_queue.h: the byte queues of the model (internal to sim/).
 *
 * A queue is two parts: a ring of bytes indexed by absolute stream offset
 * (offset & mask, so a queue's bytes never move), and a run-list of origins
 * (which write each byte came from) kept as a deque of sim_run. Memory is
 * proportional to the queue's capacity and to the number of writes in it,
 * never to the bytes that have passed through. Used by sim.c only.
 */
#ifndef SOCKBUF_SIM_QUEUE_H
#define SOCKBUF_SIM_QUEUE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

/* Bytes addressed by absolute stream offset. */
typedef struct {
    uint8_t *buf;  /* capacity = mask + 1 (a power of two) bytes, or NULL */
    uint64_t mask; /* capacity - 1 */
} sim_ring;

/* Makes room for at least need bytes, keeping the bytes of [from, to).
 * Returns 0 or -ENOMEM (then the ring is unchanged). */
int sim_ring_reserve(sim_ring *r, uint64_t need, uint64_t from, uint64_t to);
uint64_t sim_ring_capacity(const sim_ring *r);
/* Copies n bytes at stream offset off into / out of the ring (out may be NULL). */
void sim_ring_put(sim_ring *r, uint64_t off, const uint8_t *data, size_t n);
void sim_ring_get(const sim_ring *r, uint64_t off, uint8_t *out, size_t n);
/* Copies n bytes at offset off of src into dst at offset dst_off. */
void sim_ring_copy(sim_ring *dst, uint64_t dst_off, const sim_ring *src, uint64_t off, size_t n);
void sim_ring_free(sim_ring *r);

/* Borrowed bytes: stream offsets [start, end) live at data (the caller's
 * memory, sim_send() with SIM_MSG_BORROW), not in the ring. */
typedef struct {
    uint64_t start, end; /* stream offsets */
    const uint8_t *data; /* the byte at start */
} sim_extent;

/* Extents oldest first, indices absolute (they only grow). */
typedef struct {
    sim_extent *v;       /* cap entries, index & (cap - 1) */
    uint32_t cap;        /* a power of two, or 0 */
    uint64_t head, tail; /* oldest, one past the newest */
} sim_extq;

/* Appends [start, end) at data (start >= the newest extent's end); joins
 * the newest extent when both the offsets and the memory continue it.
 * Returns 0 or -ENOMEM. */
int sim_extq_push(sim_extq *q, uint64_t start, uint64_t end, const uint8_t *data);
/* Makes room for one more extent, so that the next push cannot fail.
 * Returns 0 or -ENOMEM. */
int sim_extq_reserve(sim_extq *q);
/* Forgets the extents that end at or before low (bytes nobody reads again). */
void sim_extq_drop_before(sim_extq *q, uint64_t low);
void sim_extq_free(sim_extq *q);
/* Copies n bytes at stream offset off out of the ring, or out of the
 * borrowed memory where an extent of x covers them (out may be NULL). */
void sim_ring_get_ext(const sim_ring *r, const sim_extq *x, uint64_t off, uint8_t *out, size_t n);

/* A deque of runs; indices are absolute (they only grow). */
typedef struct {
    sim_run *v;        /* cap entries, index & (cap - 1) */
    uint32_t cap;      /* a power of two, or 0 */
    uint64_t head;     /* index of the oldest run */
    uint64_t tail;     /* one past the newest run */
    uint32_t head_off; /* bytes of the oldest run already removed */
    uint64_t bytes;    /* bytes the deque describes */
} sim_runq;

/* A position inside a run-list: run index and byte offset in that run. */
typedef struct {
    uint64_t run;
    uint32_t off;
} sim_cursor;

/* Appends bytes of origin (merging with the newest run when merge is true
 * and the origin is the same; cursors keep their place, one at the end of
 * the newest run then has the new bytes ahead of it). Returns 0 or -ENOMEM. */
int sim_runq_push(sim_runq *q, uint32_t origin, uint32_t bytes, bool merge);
/* Removes n bytes from the front (n <= q->bytes). */
void sim_runq_pop(sim_runq *q, uint64_t n);
/* Empties the deque (indices keep growing). */
void sim_runq_clear(sim_runq *q);
/* Moves c forward by n bytes; when to is not NULL, appends the runs passed
 * over to it (merging). Returns the origin of the first byte passed over,
 * or 0. Returns -ENOMEM through *err when pushing to to fails. */
uint32_t sim_runq_walk(const sim_runq *q, sim_cursor *c, uint64_t n, sim_runq *to, int *err);

/* Inline fast paths of the three calls above, for the model's every
 * segment and ACK: the common case (the bytes stay inside one run, which
 * is one write, often megabytes long) touches one run; anything else goes
 * to the full function, so both give the same result. */
static inline sim_run *sim_runq_at(const sim_runq *q, uint64_t i)
{
    return &q->v[i & (q->cap - 1)];
}

static inline int sim_runq_push_fast(sim_runq *q, uint32_t origin, uint32_t bytes, bool merge)
{
    if (merge && bytes > 0 && q->tail > q->head) {
        sim_run *last = sim_runq_at(q, q->tail - 1);
        if (last->origin == origin && (uint64_t)last->bytes + bytes <= UINT32_MAX) {
            last->bytes += bytes;
            q->bytes += bytes;
            return 0;
        }
    }
    if (bytes > 0 && q->tail - q->head < q->cap) { /* a new run, room enough */
        sim_run *r = sim_runq_at(q, q->tail++);
        r->origin = origin;
        r->bytes = bytes;
        q->bytes += bytes;
        return 0;
    }
    return sim_runq_push(q, origin, bytes, merge);
}

static inline void sim_runq_pop_fast(sim_runq *q, uint64_t n)
{
    if (q->head < q->tail) {
        const sim_run *r = sim_runq_at(q, q->head);
        uint64_t left = r->bytes - q->head_off;
        if (n < left) {
            q->head_off += (uint32_t)n;
            q->bytes -= n;
            return;
        }
        if (n == left) { /* the whole oldest run */
            q->head++;
            q->head_off = 0;
            q->bytes -= n;
            return;
        }
    }
    sim_runq_pop(q, n);
}

static inline uint32_t sim_runq_walk_fast(const sim_runq *q, sim_cursor *c, uint64_t n,
                                          sim_runq *to, int *err)
{
    if (n > 0 && c->run >= q->head && c->run < q->tail) {
        const sim_run *r = sim_runq_at(q, c->run);
        uint64_t left = r->bytes - c->off;
        if (n <= left) {
            if (to != NULL && sim_runq_push_fast(to, r->origin, (uint32_t)n, true) < 0 && err)
                *err = -ENOMEM;
            c->off += (uint32_t)n;
            /* to the end of a run: the next one, unless it is the newest
             * (a merging push extends what lies ahead of the cursor) */
            if (n == left && c->run + 1 < q->tail) {
                c->run++;
                c->off = 0;
            }
            return r->origin;
        }
    }
    return sim_runq_walk(q, c, n, to, err);
}
/* Inline fast paths of the ring and extent calls sim_send() makes on
 * every write: nothing to do (room enough, nothing to drop), or a write
 * continuing the newest extent; anything else goes to the full function. */
static inline int sim_ring_reserve_fast(sim_ring *r, uint64_t need, uint64_t from, uint64_t to)
{
    if (r->buf != NULL && need <= r->mask + 1)
        return 0;
    return sim_ring_reserve(r, need, from, to);
}

static inline int sim_extq_reserve_fast(sim_extq *q)
{
    if (q->tail - q->head < q->cap)
        return 0;
    return sim_extq_reserve(q);
}

static inline void sim_extq_drop_before_fast(sim_extq *q, uint64_t low)
{
    while (q->head < q->tail && q->v[q->head & (q->cap - 1)].end <= low)
        q->head++;
}

/* sim_extq_push() when the newest extent does not continue and there is
 * room (sim_extq_reserve_fast() made it): a new extent. */
static inline int sim_extq_push_fast(sim_extq *q, uint64_t start, uint64_t end, const uint8_t *data)
{
    if (end > start && q->tail - q->head < q->cap) {
        if (q->tail > q->head) {
            const sim_extent *last = &q->v[(q->tail - 1) & (q->cap - 1)];
            if (last->end == start && last->data + (last->end - last->start) == data)
                return sim_extq_push(q, start, end, data); /* joins it */
        }
        q->v[q->tail++ & (q->cap - 1)] = (sim_extent){start, end, data};
        return 0;
    }
    return sim_extq_push(q, start, end, data);
}

/* The number of merged runs covering bytes [skip, skip + n) of q (from the
 * front), writing the first max of them to out. */
int sim_runq_describe(const sim_runq *q, uint64_t skip, uint64_t n, sim_run *out, int max);
void sim_runq_free(sim_runq *q);

#endif
