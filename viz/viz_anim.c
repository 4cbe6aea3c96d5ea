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

#include "viz_appbox.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Milliseconds at speed 1. The step's length follows from them: the
 * lead-in, the motion, the tail, each chip's minimum (see viz_anim.h). */
#define LEAD_MS   600.0 /* the writes fly into the send buffer */
#define MOTION_MS 700.0 /* the log's gaps, before any chip is stretched */
#define TAIL_MS   520.0 /* the last reads fly out; then nothing moves */
#define FLY_MS    520.0 /* how long a write or read chunk flies */
#define CHIP_MS   520.0 /* the least time a chip crosses the wire in */
#define MAX_MS    VIZ_ANIM_MAX_MS

/* Times mapped onto milliseconds of the step: sorted unique keys, each
 * with its ms from the step's start (the lead-in included). */
typedef struct {
    uint64_t *keys;
    double *ms;
    size_t n, cap;
    double end_ms; /* the last key's ms */
} timeline;

struct viz_anim {
    size_t nevents;
    size_t cap;
    float *dstart;  /* per event: progress when it happens */
    float *darrive; /* per event: progress when it arrives (travellers) */
    timeline model; /* the model's events */
    timeline kern;  /* the kernel's segments (emulated wire) */
    size_t nsegs, cap_segs;
    float *kstart, *karrive; /* per kernel segment: progress it leaves, arrives */
    double lead;   /* progress of the step's start time */
    double dur_ms; /* the step's length at speed 1 */
    double fly;    /* FLY_MS as progress */
    double mm;     /* the model's stretch: (ms - LEAD_MS) * mm from its timeline */
    /* per side: the statements that ran, and the progress each one ends
     * at (the code cursor leaves it) */
    int ran[2];
    double stmt_end[2][VIZ_MAX_CODE];
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
    free(a->model.keys);
    free(a->model.ms);
    free(a->kern.keys);
    free(a->kern.ms);
    free(a->kstart);
    free(a->karrive);
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

/* The first key at or after t (n: none). */
static size_t key_index(const timeline *T, uint64_t t)
{
    size_t lo = 0, hi = T->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (T->keys[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ms of time t on the timeline. */
static double map_ms(const timeline *T, uint64_t t)
{
    size_t lo = key_index(T, t);
    if (lo >= T->n)
        return T->n ? T->ms[T->n - 1] : LEAD_MS;
    return T->ms[lo];
}

/* One moment of a log: when it happens, when it arrives (travellers on
 * the wire; 0: it does not travel). */
typedef struct {
    uint64_t t, arrive;
} moment;

typedef bool (*moment_fn)(const viz_scene *s, size_t i, moment *m);

static bool event_moment(const viz_scene *s, size_t i, moment *m)
{
    const lesson_event *e = &s->events[i];
    m->t = e->time_us < s->t0_us ? s->t0_us : e->time_us;
    m->arrive = travels(e->kind) && e->arrive_us > e->time_us ? e->arrive_us : 0;
    return true;
}

static bool segment_moment(const viz_scene *s, size_t i, moment *m)
{
    const lesson_segment *g = &s->segments[i];
    if (g->dropped || g->arrive_us <= g->time_us)
        return false;
    m->t = g->time_us < s->real_t0_us ? s->real_t0_us : g->time_us;
    m->arrive = g->arrive_us;
    return true;
}

/* Builds T from n moments starting at t0: the lead-in, then every gap
 * between two moments takes time growing with the square root of its
 * length (MOTION_MS together), then every traveller that would cross in
 * less than CHIP_MS stretches the gaps it spans. Returns 0 or -ENOMEM. */
static int build_timeline(timeline *T, const viz_scene *s, size_t n, uint64_t t0, moment_fn fn)
{
    if (2 * n + 1 > T->cap) {
        uint64_t *k = realloc(T->keys, (2 * n + 1) * sizeof *k);
        if (!k)
            return -ENOMEM;
        T->keys = k;
        double *ms = realloc(T->ms, (2 * n + 1) * sizeof *ms);
        if (!ms)
            return -ENOMEM;
        T->ms = ms;
        T->cap = 2 * n + 1;
    }
    size_t nk = 0;
    T->keys[nk++] = t0;
    for (size_t i = 0; i < n; i++) {
        moment m;
        if (!fn(s, i, &m))
            continue;
        T->keys[nk++] = m.t;
        if (m.arrive)
            T->keys[nk++] = m.arrive;
    }
    qsort(T->keys, nk, sizeof *T->keys, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < nk; i++)
        if (u == 0 || T->keys[i] != T->keys[u - 1])
            T->keys[u++] = T->keys[i];
    T->n = u;
    /* ms[] holds each key's gap from the one before, then the sums. */
    double g = 0;
    T->ms[0] = 0;
    for (size_t i = 1; i < u; i++)
        g += T->ms[i] = sqrt((double)(T->keys[i] - T->keys[i - 1]));
    for (size_t i = 1; i < u; i++)
        T->ms[i] *= MOTION_MS / g;
    /* Stretching only lengthens the other travellers: one pass is enough. */
    for (size_t i = 0; i < n; i++) {
        moment m;
        if (!fn(s, i, &m) || !m.arrive)
            continue;
        size_t k0 = key_index(T, m.t), k1 = key_index(T, m.arrive);
        double ms = 0;
        for (size_t k = k0 + 1; k <= k1 && k < u; k++)
            ms += T->ms[k];
        if (ms > 0 && ms < CHIP_MS)
            for (size_t k = k0 + 1; k <= k1 && k < u; k++)
                T->ms[k] *= CHIP_MS / ms;
    }
    double acc = LEAD_MS;
    T->ms[0] = acc;
    for (size_t i = 1; i < u; i++)
        T->ms[i] = acc += T->ms[i];
    T->end_ms = acc;
    return 0;
}

static int grow_floats(float **x, float **y, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    float *nx = realloc(*x, n * sizeof *nx);
    if (!nx)
        return -ENOMEM;
    *x = nx;
    float *ny = realloc(*y, n * sizeof *ny);
    if (!ny)
        return -ENOMEM;
    *y = ny;
    *cap = n;
    return 0;
}

/* The progress at which read event i's bytes are in the application: the
 * end of its chip's flight (a read of a socket the side does not show
 * flies no chip: at its moment). */
static double read_lands(const viz_anim *a, const viz_scene *s, size_t i)
{
    double p0, p1;
    if (viz_anim_event_span(a, s, i, &p0, &p1))
        return p1;
    return a->dstart[i];
}

/* Does statement vc take bytes out of the kernel (a file's read() does
 * not)? */
static bool stmt_receives(const viz_code *vc)
{
    return viz_appbox_is_receive(vc->code) && !strstr(vc->code, "open(");
}

/* Each statement's end on the timeline: the statements share the lead-in
 * (and a quarter second after it) as before, but a receive runs until
 * the reads have brought the bytes of its value (and of every value
 * before it) into the application: recv(n, MSG_WAITALL) until its last
 * chunk lands, not its first. */
static void build_code(viz_anim *a, const viz_scene *s)
{
    double lead = a->lead + 250.0 / a->dur_ms;
    for (int side = 0; side < 2; side++) {
        const viz_side *vs = &s->side[side];
        int ran = 0;
        for (int i = 0; i < vs->ncode && i < VIZ_MAX_CODE; i++)
            if (vs->code[i].status.state != LESSON_STMT_PENDING)
                ran = i + 1;
        a->ran[side] = ran;
        double step = ran > 0 ? lead / ran : lead, end = 0, landed_at = 0;
        uint64_t need = 0, got = 0;
        size_t ev = 0;
        for (int i = 0; i < ran; i++) {
            const viz_code *vc = &vs->code[i];
            double lands = 0;
            if (stmt_receives(vc)) {
                for (int r = 0; r < vs->nresults; r++)
                    if (vs->results[r].line == vc->line && vs->results[r].is_bytes)
                        need += vs->results[r].length;
                while (got < need && ev < a->nevents && ev < s->nevents) {
                    const lesson_event *e = &s->events[ev];
                    if (e->kind == LESSON_EV_READ && e->from_side == side && e->bytes) {
                        got += e->bytes;
                        double l = read_lands(a, s, ev);
                        if (l > landed_at)
                            landed_at = l;
                    }
                    ev++;
                }
                /* bytes this step never brings: it runs to the step's end */
                lands = got >= need ? landed_at : 1.0;
            }
            end += step;
            if (lands > end)
                end = lands;
            a->stmt_end[side][i] = end;
        }
    }
}

int viz_anim_build(viz_anim *a, const viz_scene *s)
{
    size_t n = s->nevents;
    size_t ns = s->wire == LESSON_WIRE_EMULATED ? s->nsegments : 0;
    if (grow_floats(&a->dstart, &a->darrive, &a->cap, n) < 0 ||
        grow_floats(&a->kstart, &a->karrive, &a->cap_segs, ns) < 0 ||
        build_timeline(&a->model, s, n, s->t0_us, event_moment) < 0 ||
        build_timeline(&a->kern, s, ns, s->real_t0_us, segment_moment) < 0) {
        a->nevents = a->nsegs = 0;
        a->model.n = a->kern.n = 0;
        return -ENOMEM;
    }
    a->nevents = n;
    a->nsegs = ns;
    /* The step lasts what the longer of the two logs needs; the shorter
     * one plays on the same stretch, slower. */
    double end = a->model.end_ms > a->kern.end_ms ? a->model.end_ms : a->kern.end_ms;
    /* A transfer of hundreds of segments, each crossing after the ACK of
     * the one before, would take minutes: it plays in MAX_MS, its chips
     * travelling as a stream (the presenter slows it down with -). */
    if (end + TAIL_MS > MAX_MS)
        end = MAX_MS - TAIL_MS;
    a->dur_ms = end + TAIL_MS;
    a->lead = LEAD_MS / a->dur_ms;
    a->fly = FLY_MS / a->dur_ms;
    double km = a->kern.end_ms > LEAD_MS ? (end - LEAD_MS) / (a->kern.end_ms - LEAD_MS) : 1;
    double mm = a->model.end_ms > LEAD_MS ? (end - LEAD_MS) / (a->model.end_ms - LEAD_MS) : 1;
    a->mm = mm;
    for (size_t i = 0; i < n; i++) {
        moment m;
        event_moment(s, i, &m);
        double t0 = LEAD_MS + (map_ms(&a->model, m.t) - LEAD_MS) * mm;
        double t1 = m.arrive ? LEAD_MS + (map_ms(&a->model, m.arrive) - LEAD_MS) * mm : t0;
        a->dstart[i] = (float)(t0 / a->dur_ms);
        a->darrive[i] = (float)(t1 / a->dur_ms);
    }
    for (size_t i = 0; i < ns; i++) {
        moment m;
        if (!segment_moment(s, i, &m)) {
            a->kstart[i] = a->karrive[i] = -1;
            continue;
        }
        a->kstart[i] = (float)((LEAD_MS + (map_ms(&a->kern, m.t) - LEAD_MS) * km) / a->dur_ms);
        a->karrive[i] = (float)((LEAD_MS + (map_ms(&a->kern, m.arrive) - LEAD_MS) * km) / a->dur_ms);
    }
    build_code(a, s);
    a->applied = (size_t)-1; /* force a reset on the next seek */
    return 0;
}

double viz_anim_duration_ms(const viz_anim *a)
{
    return a->dur_ms > 0 ? a->dur_ms : LEAD_MS + TAIL_MS;
}

static bool is_shown(const viz_scene *s, int side, int sock_id);

bool viz_anim_event_span(const viz_anim *a, const viz_scene *s, size_t i, double *p0, double *p1)
{
    if (i >= a->nevents || i >= s->nevents)
        return false;
    const lesson_event *e = &s->events[i];
    double d0 = a->dstart[i];
    if (travels(e->kind)) {
        if (a->darrive[i] <= d0)
            return false;
        *p0 = d0;
        *p1 = a->darrive[i];
        return true;
    }
    if ((e->kind == LESSON_EV_WRITE || e->kind == LESSON_EV_READ) && e->bytes &&
        is_shown(s, e->from_side, e->sock_id)) {
        bool w = e->kind == LESSON_EV_WRITE;
        *p0 = w ? d0 - a->fly : d0;
        *p1 = w ? d0 : d0 + a->fly;
        if (*p0 < 0)
            *p0 = 0;
        if (*p1 > 1)
            *p1 = 1;
        return true;
    }
    return false;
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
        /* Bytes for another connection of that side (a server with two
         * clients) land in a receive queue that is not the one shown. */
        for (int i = 0; is_shown(s, to, e->sock_id) && i < moved.n; i++)
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
    const timeline *T = &a->model;
    for (size_t i = 0; i < T->n; i++) {
        double di = (LEAD_MS + (T->ms[i] - LEAD_MS) * a->mm) / a->dur_ms;
        if (di > p) {
            if (i > 0) {
                double dp = (LEAD_MS + (T->ms[i - 1] - LEAD_MS) * a->mm) / a->dur_ms;
                double span = di - dp;
                double k = span > 0 ? (p - dp) / span : 1;
                f->now_us = T->keys[i - 1] + (uint64_t)(k * (double)(T->keys[i] - T->keys[i - 1]));
            }
            break;
        }
        f->now_us = T->keys[i];
    }
    if (p >= 1.0 && s->t1_us > f->now_us)
        f->now_us = s->t1_us;
    /* What is on the wire; close neighbours merge into one chunk. */
    f->nwire = 0;
    f->nflying = 0;
    for (size_t i = 0; i < a->nevents && i < s->nevents; i++) {
        const lesson_event *e = &s->events[i];
        float d0 = a->dstart[i];
        if (d0 > p + a->fly)
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
                (viz_wire_item){side,  e->kind, e->bytes, e->window, e->origin, 1, frac,
                                viz_anim_event_chip(e), e->seq};
        } else if ((e->kind == LESSON_EV_WRITE || e->kind == LESSON_EV_READ) && e->bytes &&
                   is_shown(s, side, e->sock_id)) {
            bool w = e->kind == LESSON_EV_WRITE;
            double from = w ? d0 - a->fly : d0, to = w ? d0 : d0 + a->fly;
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
    f->code_progress = a->lead > 0 ? p / (a->lead + 250.0 / a->dur_ms) : 1.0;
    if (f->code_progress > 1)
        f->code_progress = 1;
    /* What each application holds, and where its code is, by the same
     * timeline: a read's bytes are in once its chip has landed. */
    for (int side = 0; side < 2; side++) {
        f->app_landed[side] = 0;
        for (size_t i = 0; i < a->nevents && i < s->nevents; i++) {
            const lesson_event *e = &s->events[i];
            if (e->kind == LESSON_EV_READ && e->from_side == side && e->bytes &&
                (p >= 1.0 || read_lands(a, s, i) <= p))
                f->app_landed[side] += e->bytes;
        }
        int ran = a->ran[side], cur = 0;
        while (cur < ran && a->stmt_end[side][cur] <= p)
            cur++;
        if (p >= 1.0 || cur >= ran)
            f->code_at[side] = ran > 0 || p >= 1.0 ? 1.0 : f->code_progress;
        else
            f->code_at[side] = (cur + 0.5) / ran;
    }
}

const char *viz_anim_event_chip(const lesson_event *e)
{
    /* The model's SYN event is both the client's SYN and the listener's
     * answer; the model names the answer "syn-ack". */
    if (e->kind == LESSON_EV_SYN && e->why && !strcmp(e->why, "syn-ack"))
        return "SYN-ACK";
    return lesson_event_chip(e->kind);
}

int viz_wire_lane(const viz_wire_item *it)
{
    /* Lane 0 carries client -> server, lane 1 server -> client: whatever
     * travels, data or ACK, rides its own sender's lane. */
    return it->from_side == 1;
}

/* The chip of a kernel segment, from its TCP flags. */
static const char *segment_chip(const lesson_segment *g)
{
    if (g->flags & LESSON_SEG_RST)
        return "RST";
    if (g->flags & LESSON_SEG_SYN)
        return g->flags & LESSON_SEG_ACK ? "SYN-ACK" : "SYN";
    if (g->flags & LESSON_SEG_FIN)
        return "FIN";
    return g->bytes ? NULL : "ACK";
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

int viz_anim_kernel_wire(const viz_anim *a, const viz_scene *s, double p, viz_frame *f)
{
    f->nwire = 0;
    if (s->wire != LESSON_WIRE_EMULATED)
        return -ENODATA;
    /* Each segment on the kernel's own timeline (viz_anim_build). */
    for (size_t i = 0; i < a->nsegs && i < s->nsegments && f->nwire < VIZ_MAX_WIRE; i++) {
        const lesson_segment *g = &s->segments[i];
        double d0 = a->kstart[i], d1 = a->karrive[i];
        if (d0 < 0 || !(d0 <= p && p < d1))
            continue;
        f->wire[f->nwire++] = (viz_wire_item){g->from_side, segment_kind(g), g->bytes,
                                              g->window, 0, 1, (float)((p - d0) / (d1 - d0)),
                                              segment_chip(g),
                                              0 /* the kernel's bytes are not known */};
    }
    return 0;
}
