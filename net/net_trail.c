/* net_trail.c: the trail of recent bytes, a fixed ring of value entries.
 * net_live pushes a chunk at every send()/recv() result and marks the
 * outbound ones after every sample; the window copies the recent ones.
 * See net_trail.h.
 */
#include "net_trail.h"

#include <stdlib.h>

struct net_trail {
    net_trail_entry *e; /* cap slots; the oldest held is at (head - n) mod cap */
    int cap;
    int head;           /* where the next push goes */
    int n;              /* entries held */
    int unacked;        /* outbound entries held without acked_t_ms: mark skips when 0 */
    uint64_t next_seq;
};

net_trail *net_trail_new(int cap)
{
    if (cap < 1)
        cap = 1;
    if (cap > NET_TRAIL_CAP_LIMIT)
        cap = NET_TRAIL_CAP_LIMIT;
    net_trail *t = calloc(1, sizeof(*t));
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

void net_trail_free(net_trail *t)
{
    if (t == NULL)
        return;
    free(t->e);
    free(t);
}

int net_trail_cap(const net_trail *t)
{
    return t->cap;
}

size_t net_trail_alloc_bytes(const net_trail *t)
{
    return sizeof(*t) + (size_t)t->cap * sizeof(*t->e);
}

static bool trail_unacked(const net_trail_entry *e)
{
    return e->outbound && e->acked_t_ms < 0;
}

void net_trail_push(net_trail *t, const net_trail_entry *e)
{
    net_trail_entry *slot = &t->e[t->head];
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

int net_trail_count(const net_trail *t)
{
    return t->n;
}

/* The i-th entry held, 0 the oldest. */
static net_trail_entry *trail_at(const net_trail *t, int i)
{
    return &t->e[(t->head - t->n + i + t->cap) % t->cap];
}

int net_trail_recent(const net_trail *t, int64_t now_ms, int64_t max_age_ms,
                     net_trail_entry *out, int max)
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

void net_trail_mark(net_trail *t, int64_t t_ms, net_trail_seen_fn seen, void *user)
{
    for (int i = 0; i < t->n && t->unacked > 0; i++) {
        net_trail_entry *e = trail_at(t, i);
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
