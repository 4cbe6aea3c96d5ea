/* sim_heap.c: the packets on the model's wire, one sorted lane a direction.
 *
 * See sim_heap.h. Ordered by (time_us, order); used by sim.c only.
 */
#include "sim_heap.h"

#include <errno.h>
#include <stdlib.h>

static bool before(const sim_pkt *a, const sim_pkt *b)
{
    return sim_heap_before(a, b);
}

static sim_pkt *at(const sim_lane *l, size_t i)
{
    return &l->v[(l->head + i) & (l->cap - 1)];
}

int sim_heap_push(sim_heap *h, const sim_pkt *p)
{
    sim_lane *l = &h->lane[p->lane % SIM_HEAP_LANES];
    if (l->n + 1 >= l->cap) { /* one slot stays free (see sim_heap_pop_ptr()) */
        size_t ncap = l->cap == 0 ? 64 : l->cap * 2;
        sim_pkt *v = malloc(ncap * sizeof(*v));
        if (v == NULL)
            return -ENOMEM;
        for (size_t i = 0; i < l->n; i++)
            v[i] = *at(l, i);
        sim_pkt **old = &h->retired[l - h->lane];
        if (*old == NULL) { /* the popped packet may live in it */
            *old = l->v;
            h->any_retired = true;
        } else { /* a newer array, made after the pop */
            free(l->v);
        }
        l->v = v;
        l->cap = ncap;
        l->head = 0;
    }
    /* At the tail, unless it arrives before packets already there. */
    size_t i = l->n++;
    while (i > 0 && before(p, at(l, i - 1))) {
        *at(l, i) = *at(l, i - 1);
        i--;
    }
    *at(l, i) = *p;
    h->n++;
    sim_heap_find_next(h);
    return 0;
}

void sim_heap_drop_retired(sim_heap *h)
{
    for (int k = 0; k < SIM_HEAP_LANES; k++) {
        free(h->retired[k]);
        h->retired[k] = NULL;
    }
    h->any_retired = false;
}

sim_pkt sim_heap_pop(sim_heap *h)
{
    return *sim_heap_pop_ptr(h);
}

void sim_heap_free(sim_heap *h)
{
    for (int k = 0; k < SIM_HEAP_LANES; k++) {
        free(h->lane[k].v);
        free(h->retired[k]);
    }
    *h = (sim_heap){0};
}
