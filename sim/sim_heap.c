/* sim_heap.c: the binary heap of packets on the model's wire.
 *
 * See sim_heap.h. Ordered by (time_us, order); used by sim.c only.
 */
#include "sim_heap.h"

#include <errno.h>
#include <stdlib.h>

static bool before(const sim_pkt *a, const sim_pkt *b)
{
    return a->time_us < b->time_us || (a->time_us == b->time_us && a->order < b->order);
}

int sim_heap_push(sim_heap *h, const sim_pkt *p)
{
    if (h->n == h->cap) {
        size_t ncap = h->cap == 0 ? 64 : h->cap * 2;
        sim_pkt *v = realloc(h->v, ncap * sizeof(*v));
        if (v == NULL)
            return -ENOMEM;
        h->v = v;
        h->cap = ncap;
    }
    size_t i = h->n++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!before(p, &h->v[up]))
            break;
        h->v[i] = h->v[up];
        i = up;
    }
    h->v[i] = *p;
    return 0;
}

sim_pkt sim_heap_pop(sim_heap *h)
{
    sim_pkt top = h->v[0];
    sim_pkt last = h->v[--h->n];
    size_t n = h->n, i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && before(&h->v[c + 1], &h->v[c]))
            c++;
        if (!before(&h->v[c], &last))
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (n > 0)
        h->v[i] = last;
    return top;
}

uint64_t sim_heap_next_us(const sim_heap *h)
{
    return h->n > 0 ? h->v[0].time_us : UINT64_MAX;
}

void sim_heap_free(sim_heap *h)
{
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}
