/* viz_anim.c: the step's timeline and the replay of its event log. See
 * viz_anim.h for the time mapping.
 *
 * The replay keeps, per side, the queues of the socket the side shows and,
 * per direction, the runs of bytes on the wire, so a segment's bytes keep
 * the colour of their write from the send buffer to the receive buffer.
 * Every event arrives with its sender and receiver resolved by the runner
 * (lesson_event.from_side / to_side): nothing here infers a direction. At
 * progress 1 the frame is the scene's "after" state; viz_anim_replayed()
 * gives what the replay itself reached, which the tests hold against the
 * record.
 */
#include "viz_anim.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LEAD 0.18 /* of the step: the writes fly into the send buffer */
#define TAIL 0.06 /* of the step: nothing moves, the eye catches up */
#define FLY  0.12 /* how long a write or read chunk flies */

struct viz_anim {
    size_t nevents;
    size_t cap;
    float *dstart;  /* per event: progress when it happens */
    float *darrive; /* per event: progress when it arrives (travellers) */
    uint64_t *keys; /* sorted unique times */
    float *dkeys;   /* their progress */
    size_t nkeys;
    size_t cap_keys;
    double lead; /* progress of the step's start time */
    /* replay state */
    size_t applied;
    double at;
    lesson_queue q[2][LESSON_NQUEUES];
    lesson_queue wireq[2]; /* per sending side: bytes on the wire, in order */
    uint32_t window[2];
};

viz_anim *viz_anim_new(void)
{
    return calloc(1, sizeof(viz_anim));
}

void viz_anim_free(viz_anim *a)
{
    if (!a)
        return;
    free(a->dstart);
    free(a->darrive);
    free(a->keys);
    free(a->dkeys);
    free(a);
}

int viz_origin_colour(int side, uint32_t origin)
{
    uint32_t o = origin ? origin - 1 : 0;
    return (int)((o + (side ? 4u : 0u)) % 8u);
}

static bool travels(lesson_event_kind k)
{
    return lesson_event_travels(k);
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static float map_time(const viz_anim *a, uint64_t t)
{
    size_t lo = 0, hi = a->nkeys;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->keys[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= a->nkeys)
        return a->nkeys ? a->dkeys[a->nkeys - 1] : 1.0f;
    return a->dkeys[lo];
}

int viz_anim_build(viz_anim *a, const viz_scene *s)
{
    size_t n = s->nevents;
    if (n > a->cap) {
        float *ds = realloc(a->dstart, n * sizeof *ds);
        if (!ds)
            return -ENOMEM;
        a->dstart = ds;
        float *da = realloc(a->darrive, n * sizeof *da);
        if (!da)
            return -ENOMEM;
        a->darrive = da;
        a->cap = n;
    }
    if (2 * n + 1 > a->cap_keys) {
        uint64_t *k = realloc(a->keys, (2 * n + 1) * sizeof *k);
        if (!k)
            return -ENOMEM;
        a->keys = k;
        float *dk = realloc(a->dkeys, (2 * n + 1) * sizeof *dk);
        if (!dk)
            return -ENOMEM;
        a->dkeys = dk;
        a->cap_keys = 2 * n + 1;
    }
    a->nevents = n;
    size_t nk = 0;
    a->keys[nk++] = s->t0_us;
    for (size_t i = 0; i < n; i++) {
        const lesson_event *e = &s->events[i];
        a->keys[nk++] = e->time_us < s->t0_us ? s->t0_us : e->time_us;
        if (travels(e->kind) && e->arrive_us > e->time_us)
            a->keys[nk++] = e->arrive_us;
    }
    qsort(a->keys, nk, sizeof *a->keys, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < nk; i++)
        if (u == 0 || a->keys[i] != a->keys[u - 1])
            a->keys[u++] = a->keys[i];
    a->nkeys = u;
    /* Gaps take sqrt(length) each; then the lead-in and tail, normalised. */
    double g = 0;
    for (size_t i = 1; i < u; i++)
        g += sqrt((double)(a->keys[i] - a->keys[i - 1]));
    /* Everything at one instant (a recv of queued bytes): it happens
     * mid-way, so writes fly in before it and reads fly out after it. */
    double lead = g > 0 ? LEAD * g / (1.0 - LEAD - TAIL) : 0.5;
    double tail = g > 0 ? TAIL * g / (1.0 - LEAD - TAIL) : 0.5;
    double total = lead + g + tail;
    double acc = lead;
    a->dkeys[0] = (float)(lead / total);
    for (size_t i = 1; i < u; i++) {
        acc += sqrt((double)(a->keys[i] - a->keys[i - 1]));
        a->dkeys[i] = (float)(acc / total);
    }
    a->lead = lead / total;
    for (size_t i = 0; i < n; i++) {
        const lesson_event *e = &s->events[i];
        a->dstart[i] = map_time(a, e->time_us);
        a->darrive[i] = travels(e->kind) && e->arrive_us > e->time_us ? map_time(a, e->arrive_us)
                                                                      : a->dstart[i];
    }
    a->applied = (size_t)-1; /* force a reset on the next seek */
    return 0;
}

static bool is_shown(const viz_scene *s, int side, int sock_id)
{
    return side >= 0 && side < 2 && sock_id >= 0 && s->side[side].after.sock_id == sock_id;
}

static bool connected(const viz_sock *k)
{
    return k->present && !k->listening && lesson_tcp_state_connected(k->state);
}

static void reset(viz_anim *a, const viz_scene *s)
{
    memset(a->q, 0, sizeof a->q);
    memset(a->wireq, 0, sizeof a->wireq);
    for (int side = 0; side < 2; side++) {
        int id = s->side[side].after.sock_id;
        if (id >= 0 && id < LESSON_MAX_SOCKS && s->pre_valid[id])
            memcpy(a->q[side], s->pre[id], sizeof a->q[side]);
        const viz_sock *peer = &s->side[!side].before;
        a->window[side] =
            connected(peer) ? peer->peer_window_bytes : s->side[side].after.rcvbuf_bytes;
    }
    a->applied = 0;
}

static void apply(viz_anim *a, const viz_scene *s, const lesson_event *e)
{
    int from = e->from_side, to = e->to_side;
    switch (e->kind) {
    case LESSON_EV_WRITE:
        if (is_shown(s, from, e->sock_id))
            lesson_queue_push(&a->q[from][LESSON_Q_UNSENT], e->origin, e->bytes);
        break;
    case LESSON_EV_SEGMENT:
        if (from < 0 || from > 1)
            break;
        if (is_shown(s, from, e->sock_id)) {
            lesson_queue moved = {0};
            lesson_queue_pop(&a->q[from][LESSON_Q_UNSENT], e->bytes, &moved);
            if (moved.bytes < e->bytes) /* a retransmission: colour by origin */
                lesson_queue_push(&moved, e->origin, e->bytes - moved.bytes);
            for (int i = 0; i < moved.n; i++) {
                lesson_queue_push_at(&a->q[from][LESSON_Q_IN_FLIGHT], moved.run[i].origin,
                                     moved.run[i].offset_bytes, moved.run[i].bytes);
                lesson_queue_push_at(&a->wireq[from], moved.run[i].origin,
                                     moved.run[i].offset_bytes, moved.run[i].bytes);
            }
        } else {
            lesson_queue_push(&a->wireq[from], e->origin, e->bytes);
        }
        break;
    case LESSON_EV_DELIVER: {
        if (from < 0 || from > 1 || to < 0 || to > 1)
            break;
        lesson_queue moved = {0};
        lesson_queue_pop(&a->wireq[from], e->bytes, &moved);
        if (moved.bytes < e->bytes)
            lesson_queue_push(&moved, e->origin, e->bytes - moved.bytes);
        for (int i = 0; i < moved.n; i++)
            lesson_queue_push_at(&a->q[to][LESSON_Q_RECV], moved.run[i].origin,
                                 moved.run[i].offset_bytes, moved.run[i].bytes);
        break;
    }
    case LESSON_EV_READ:
        if (is_shown(s, from, e->sock_id))
            lesson_queue_pop(&a->q[from][LESSON_Q_RECV], e->bytes, NULL);
        break;
    case LESSON_EV_ACK_ARRIVE:
        /* It arrives at the data sender. */
        if (to >= 0 && to < 2)
            lesson_queue_pop(&a->q[to][LESSON_Q_IN_FLIGHT], e->bytes, NULL);
        break;
    case LESSON_EV_ACK:
    case LESSON_EV_WINDOW:
        if (from >= 0 && from < 2)
            a->window[from] = e->window;
        break;
    case LESSON_EV_STATE:
        /* A connection that ends (close with unread bytes, an RST) takes
         * its queued bytes with it, as the model discards them. */
        if (e->state == LESSON_TCP_CLOSED && is_shown(s, from, e->sock_id))
            memset(a->q[from], 0, sizeof a->q[from]);
        break;
    default:
        break;
    }
}

/* Applies every event up to progress p (rewinding when p goes back). */
static void replay_to(viz_anim *a, const viz_scene *s, double p)
{
    if (a->applied == (size_t)-1 || p < a->at || a->nevents != s->nevents)
        reset(a, s);
    a->at = p;
    while (a->applied < a->nevents && a->applied < s->nevents && a->dstart[a->applied] <= p) {
        apply(a, s, &s->events[a->applied]);
        a->applied++;
    }
}

void viz_anim_replayed(viz_anim *a, const viz_scene *s, lesson_queue q[2][LESSON_NQUEUES])
{
    replay_to(a, s, 1.0);
    memcpy(q, a->q, sizeof a->q);
}

void viz_anim_seek(viz_anim *a, const viz_scene *s, double p, viz_frame *f)
{
    if (p < 0)
        p = 0;
    if (p > 1)
        p = 1;
    replay_to(a, s, p);
    f->progress = p;
    memcpy(f->q, a->q, sizeof f->q);
    for (int side = 0; side < 2; side++) {
        const viz_side *vs = &s->side[side];
        double k = a->lead > 0 ? p / a->lead : 1.0;
        if (k > 1)
            k = 1;
        double b0 = vs->before.has_file ? vs->before.file_buffered_bytes : 0;
        double b1 = vs->after.has_file ? vs->after.file_buffered_bytes : 0;
        f->appbuf_bytes[side] = (uint32_t)(b0 + (b1 - b0) * k + 0.5);
        f->window[side] = a->window[side];
    }
    if (p >= 1.0) {
        for (int side = 0; side < 2; side++) {
            memcpy(f->q[side], s->side[side].after.q, sizeof f->q[side]);
            const viz_sock *peer = &s->side[!side].after;
            if (connected(peer))
                f->window[side] = peer->peer_window_bytes;
        }
    }
    for (int side = 0; side < 2; side++)
        f->zero_window[side] = f->window[side] == 0 && connected(&s->side[side].after) &&
                               connected(&s->side[!side].after);
    /* Virtual time: invert the key mapping. */
    f->now_us = s->t0_us;
    for (size_t i = 0; i < a->nkeys; i++) {
        if (a->dkeys[i] > p) {
            if (i > 0) {
                double span = a->dkeys[i] - a->dkeys[i - 1];
                double k = span > 0 ? (p - a->dkeys[i - 1]) / span : 1;
                f->now_us = a->keys[i - 1] + (uint64_t)(k * (double)(a->keys[i] - a->keys[i - 1]));
            }
            break;
        }
        f->now_us = a->keys[i];
    }
    if (p >= 1.0 && s->t1_us > f->now_us)
        f->now_us = s->t1_us;
    /* What is on the wire; close neighbours merge into one chunk. */
    f->nwire = 0;
    f->nflying = 0;
    for (size_t i = 0; i < a->nevents && i < s->nevents; i++) {
        const lesson_event *e = &s->events[i];
        float d0 = a->dstart[i];
        if (d0 > p + FLY)
            break;
        int side = e->from_side;
        if (side < 0 || side > 1)
            continue;
        if (travels(e->kind)) {
            float d1 = a->darrive[i];
            if (!(d0 <= p && p < d1))
                continue;
            float frac = (float)((p - d0) / (d1 - d0));
            if (f->nwire > 0) {
                viz_wire_item *last = &f->wire[f->nwire - 1];
                if (last->from_side == side && last->kind == e->kind && e->kind == LESSON_EV_SEGMENT &&
                    fabsf(last->frac - frac) < 0.035f) {
                    last->bytes += e->bytes;
                    last->count++;
                    continue;
                }
            }
            if (f->nwire == VIZ_MAX_WIRE)
                continue;
            f->wire[f->nwire++] =
                (viz_wire_item){side, e->kind, e->bytes, e->window, e->origin, 1, frac, e->seq};
        } else if ((e->kind == LESSON_EV_WRITE || e->kind == LESSON_EV_READ) && e->bytes &&
                   is_shown(s, side, e->sock_id)) {
            bool w = e->kind == LESSON_EV_WRITE;
            double from = w ? d0 - FLY : d0, to = w ? d0 : d0 + FLY;
            if (w && from < 0) {
                from = 0;
                to = d0 > 0.02 ? d0 : 0.02;
            }
            if (!(from <= p && p < to) || p >= 1.0)
                continue; /* at 1 the step is over: nothing flies */
            float frac = (float)((p - from) / (to - from));
            /* Writes (or reads) close together fly as one chunk. */
            bool merged = false;
            for (int k = 0; k < f->nflying && !merged; k++) {
                viz_flying *o = &f->flying[k];
                if (o->side == side && o->to_kernel == w && fabsf(o->frac - frac) < 0.3f) {
                    o->bytes += e->bytes;
                    merged = true;
                }
            }
            if (merged)
                continue;
            if (f->nflying < VIZ_MAX_FLYING)
                f->flying[f->nflying++] = (viz_flying){side, w, e->bytes, e->origin, frac};
        }
    }
    f->code_progress = a->lead > 0 ? p / (a->lead + 0.25) : 1.0;
    if (f->code_progress > 1)
        f->code_progress = 1;
}

/* The kind a kernel segment is drawn as, from its TCP flags. */
static lesson_event_kind segment_kind(const lesson_segment *g)
{
    if (g->flags & LESSON_SEG_RST)
        return LESSON_EV_RST;
    if (g->flags & LESSON_SEG_SYN)
        return LESSON_EV_SYN;
    if (g->flags & LESSON_SEG_FIN)
        return LESSON_EV_FIN;
    return g->bytes ? LESSON_EV_SEGMENT : LESSON_EV_ACK;
}

int viz_anim_kernel_wire(const viz_scene *s, double p, viz_frame *f)
{
    f->nwire = 0;
    if (s->wire != LESSON_WIRE_EMULATED)
        return -ENODATA;
    /* The step's real time, from its start to its last arrival, spread
     * over the same stretch of the animation as the model's events. */
    uint64_t t0 = s->real_t0_us, t1 = s->real_t1_us;
    for (size_t i = 0; i < s->nsegments; i++)
        if (s->segments[i].arrive_us > t1)
            t1 = s->segments[i].arrive_us;
    double span = t1 > t0 ? (double)(t1 - t0) : 1.0;
    for (size_t i = 0; i < s->nsegments && f->nwire < VIZ_MAX_WIRE; i++) {
        const lesson_segment *g = &s->segments[i];
        if (g->dropped || g->arrive_us <= g->time_us)
            continue;
        double d0 = LEAD + (1.0 - LEAD - TAIL) * (double)(g->time_us - t0) / span;
        double d1 = LEAD + (1.0 - LEAD - TAIL) * (double)(g->arrive_us - t0) / span;
        if (!(d0 <= p && p < d1))
            continue;
        f->wire[f->nwire++] = (viz_wire_item){g->from_side, segment_kind(g), g->bytes,
                                              g->window, 0, 1, (float)((p - d0) / (d1 - d0)),
                                              0 /* the kernel's bytes are not known */};
    }
    return 0;
}
