/* sim_heap.h: the packets on the model's wire, earliest arrival first
 * (internal to sim/).
 *
 * Packets come out ordered by (arrival time, send order), so packets that
 * arrive at the same microsecond come out in the order they were sent and
 * every run is deterministic. Each wire direction is a lane: a queue kept
 * sorted by that order. A wire delivers in the order it sends (the model's
 * arrival times only grow per direction), so a push lands at its lane's
 * tail and a pop takes the earlier of the two heads: O(1) for the model,
 * where a binary heap moved packets up and down. A push out of order is
 * still put in its place (sorted insertion), so any sequence of pushes pops
 * in (time, order) order. Memory grows with the packets in flight at once
 * (bounded by the windows), never with the bytes transferred.
 */
#ifndef SOCKBUF_SIM_HEAP_H
#define SOCKBUF_SIM_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { PK_DATA, PK_SYN, PK_SYNACK, PK_ACK, PK_FIN, PK_RST, PK_PROBE } sim_pkt_kind;

/* A packet on the wire, waiting in the heap for its arrival time. */
typedef struct {
    uint64_t time_us; /* arrival */
    uint64_t order;   /* send order: ties arrive in the order sent */
    int from;         /* sending socket, or -1 (RST for a closed port) */
    int to;           /* receiving socket, or -1 (SYN: look up port) */
    uint8_t kind;     /* sim_pkt_kind */
    uint8_t lane;     /* wire direction (the sending side), 0 or 1 */
    bool has_ack;     /* ack/ack_fin/wnd are meaningful */
    bool ack_fin;     /* the sender has received our FIN */
    uint16_t port;    /* SYN: destination port */
    uint32_t len;     /* payload bytes (PK_DATA) */
    uint32_t wnd;     /* advertised window */
    uint64_t seq;     /* stream offset of the payload */
    uint64_t ack;     /* bytes of our stream the sender has received */
    const char *why;  /* for the log at arrival */
} sim_pkt;

enum { SIM_HEAP_LANES = 2 };

/* One lane: a ring of packets sorted by (time, order). */
typedef struct {
    sim_pkt *v;         /* cap entries (a power of two, or 0), index & (cap - 1) */
    size_t head, n, cap; /* index of the earliest, packets held, capacity */
} sim_lane;

typedef struct {
    sim_lane lane[SIM_HEAP_LANES];
    size_t n;         /* packets in all lanes */
    uint64_t next_us; /* arrival of the earliest packet when n > 0 (kept by
                         push and pop: the model asks for it often) */
    int next_lane;    /* the lane whose head is that packet, when n > 0 */
    bool any_retired; /* retired[] holds an array */
    /* A lane's array replaced by a bigger one, freed at the next pop: the
     * packet sim_heap_pop_ptr() returned may still live in it. */
    sim_pkt *retired[SIM_HEAP_LANES];
} sim_heap;

/* Adds a copy of p to lane p->lane (taken modulo the lanes). Returns 0 or
 * -ENOMEM (then the heap is unchanged). */
int sim_heap_push(sim_heap *h, const sim_pkt *p);
/* Removes and returns the earliest packet; the heap must not be empty. */
sim_pkt sim_heap_pop(sim_heap *h);
/* Removes the earliest packet and returns where it still lies, so the
 * model reads it in place instead of copying it out: the pointer stays
 * valid, whatever is pushed meanwhile, until the next pop (a lane keeps a
 * free slot behind its head and a replaced array lives until the next
 * pop). The heap must not be empty. */
static inline const sim_pkt *sim_heap_pop_ptr(sim_heap *h);

static inline bool sim_heap_before(const sim_pkt *a, const sim_pkt *b)
{
    return a->time_us < b->time_us || (a->time_us == b->time_us && a->order < b->order);
}

/* Frees the retired arrays (sim_heap_pop_ptr()'s slow part). */
void sim_heap_drop_retired(sim_heap *h);

/* Points next_us and next_lane at the earlier of the lanes' heads; the
 * heap must not be empty. */
static inline void sim_heap_find_next(sim_heap *h)
{
    const sim_lane *a = &h->lane[0], *b = &h->lane[1];
    int k = a->n == 0 || (b->n > 0 && sim_heap_before(&b->v[b->head], &a->v[a->head]));
    h->next_lane = k;
    h->next_us = h->lane[k].v[h->lane[k].head].time_us;
}

static inline const sim_pkt *sim_heap_pop_ptr(sim_heap *h)
{
    if (h->any_retired)
        sim_heap_drop_retired(h);
    sim_lane *l = &h->lane[h->next_lane];
    const sim_pkt *top = &l->v[l->head];
    l->head = (l->head + 1) & (l->cap - 1);
    l->n--;
    if (--h->n > 0)
        sim_heap_find_next(h);
    return top;
}

/* sim_heap_push()'s common case, inline: the lane has room (one slot is
 * always kept free, see sim_heap_pop_ptr()) and p arrives after its tail.
 * Anything else goes to sim_heap_push(), with the same result. */
static inline int sim_heap_push_fast(sim_heap *h, const sim_pkt *p)
{
    sim_lane *l = &h->lane[p->lane % SIM_HEAP_LANES];
    if (l->n + 1 < l->cap) {
        size_t mask = l->cap - 1;
        if (l->n == 0) { /* the earliest packet if the other lane's head is later */
            l->v[l->head] = *p;
            l->n = 1;
            const sim_lane *e = &h->lane[h->next_lane];
            if (h->n++ == 0 || sim_heap_before(p, &e->v[e->head])) {
                h->next_lane = (int)(l - h->lane);
                h->next_us = p->time_us;
            }
            return 0;
        }
        if (!sim_heap_before(p, &l->v[(l->head + l->n - 1) & mask])) { /* behind its lane's head */
            l->v[(l->head + l->n) & mask] = *p;
            l->n++;
            h->n++;
            return 0;
        }
    }
    return sim_heap_push(h, p);
}
/* Arrival time of the earliest packet, or UINT64_MAX when empty (inline:
 * the model asks before every event). */
static inline uint64_t sim_heap_next_us(const sim_heap *h)
{
    return h->n > 0 ? h->next_us : UINT64_MAX;
}
void sim_heap_free(sim_heap *h);

#endif
