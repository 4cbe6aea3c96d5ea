/* live_trail.c: the trail of recent bytes, a fixed ring of value entries.
 * live pushes a chunk at every send()/recv() result and marks the
 * outbound ones after every sample; the window copies the recent ones.
 * See live_trail.h.
 */
#include "live_trail.h"

#include <stdlib.h>

struct live_trail {
    live_trail_entry *e; /* cap slots; the oldest held is at (head - n) mod cap */
    int cap;
    int head;    /* where the next push goes */
    int n;       /* entries held */
    int unacked; /* outbound entries held without acked_t_ms: mark skips when 0 */
    uint64_t next_seq;
};

live_trail *live_trail_new(int cap)
{
    if (cap < 1)
        cap = 1;
    if (cap > NET_TRAIL_CAP_LIMIT)
        cap = NET_TRAIL_CAP_LIMIT;
    live_trail *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->e = calloc((size_t)cap, sizeof(*t->e));
    if (t->e == NULL) {
        free(t);
        return NULL;
    }
    t->cap = cap;
    t->next_seq = 1;
    return t;
}

void live_trail_free(live_trail *t)
{
    if (t == NULL)
        return;
    free(t->e);
    free(t);
}

int live_trail_cap(const live_trail *t)
{
    return t->cap;
}

size_t live_trail_alloc_bytes(const live_trail *t)
{
    return sizeof(*t) + (size_t)t->cap * sizeof(*t->e);
}

static bool trail_unacked(const live_trail_entry *e)
{
    return e->outbound && e->acked_t_ms < 0;
}

void live_trail_push(live_trail *t, const live_trail_entry *e)
{
    live_trail_entry *slot = &t->e[t->head];
    if (t->n == t->cap && trail_unacked(slot))
        t->unacked--; /* the oldest is overwritten */
    *slot = *e;
    slot->seq = t->next_seq++;
    if (trail_unacked(slot))
        t->unacked++;
    t->head = (t->head + 1) % t->cap;
    if (t->n < t->cap)
        t->n++;
}

int live_trail_count(const live_trail *t)
{
    return t->n;
}

/* The i-th entry held, 0 the oldest. */
static live_trail_entry *trail_at(const live_trail *t, int i)
{
    return &t->e[(t->head - t->n + i + t->cap) % t->cap];
}

int live_trail_recent(const live_trail *t, int64_t now_ms, int64_t max_age_ms,
                      live_trail_entry *out, int max)
{
    if (max <= 0)
        return 0;
    int first = t->n; /* the oldest young enough: entries are in time order */
    for (int i = t->n - 1; i >= 0; i--) {
        if (max_age_ms >= 0 && trail_at(t, i)->t_ms < now_ms - max_age_ms)
            break;
        first = i;
    }
    if (t->n - first > max)
        first = t->n - max;
    int k = 0;
    for (int i = first; i < t->n; i++)
        out[k++] = *trail_at(t, i);
    return k;
}

void live_trail_mark(live_trail *t, int64_t t_ms, live_trail_seen_fn seen, void *user)
{
    for (int i = 0; i < t->n && t->unacked > 0; i++) {
        live_trail_entry *e = trail_at(t, i);
        uint64_t sent = 0, acked = 0;
        if (!trail_unacked(e) || !seen(user, e->conn_id, &sent, &acked))
            continue;
        if (e->wire_t_ms < 0 && e->end_bytes <= sent)
            e->wire_t_ms = t_ms;
        if (e->end_bytes <= acked) {
            if (e->wire_t_ms < 0)
                e->wire_t_ms = t_ms;
            e->acked_t_ms = t_ms;
            t->unacked--;
        }
    }
}
