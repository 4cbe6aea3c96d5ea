/* live_sampler.c: the sampling thread and its ring (see live_sampler.h).
 *
 * Two locks: `watch_mu` guards the watched sockets and is held by the
 * thread while it probes them (so unwatching waits for a round in
 * progress); `ring_mu` guards the ring and the stop flag, and is held
 * only to copy entries in or out. The thread sleeps on a condition
 * variable clocked by CLOCK_MONOTONIC until the round's absolute deadline
 * (or until it is asked to stop): deadlines advance by the interval, so
 * the rate does not drift with the time a round takes; deadlines missed
 * by more than an interval are skipped, not caught up in a burst.
 */
#include "live_sampler.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { SAMPLER_RING_MIN = 1024 /* entries at least; more for many sockets */ };

typedef struct {
    int id, fd;
} sampler_watch;

struct live_sampler {
    int64_t interval_us;

    pthread_mutex_t watch_mu; /* watched[], nwatched, capwatched */
    sampler_watch *watched;
    size_t nwatched, capwatched;

    pthread_mutex_t ring_mu; /* ring, head, n, cap, stop, counters */
    pthread_cond_t wake;     /* signalled to stop */
    net_sample *ring;
    size_t cap, head, n;
    bool stop;
    uint64_t rounds, dropped;

    net_sample *round; /* the thread's own: the round being taken */
    size_t caprounds;
    pthread_t thread;
    bool started;
};

static int64_t sampler_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

live_sampler *live_sampler_new(int64_t interval_us, char *err)
{
    live_sampler *s = calloc(1, sizeof(*s));
    pthread_condattr_t ca;
    if (s == NULL || interval_us <= 0) {
        if (err != NULL)
            snprintf(err, NET_ERR_LEN, "live_sampler_new(%lld us): %s", (long long)interval_us,
                     s == NULL ? "Cannot allocate memory" : "Invalid argument");
        free(s);
        return NULL;
    }
    s->interval_us = interval_us;
    pthread_mutex_init(&s->watch_mu, NULL);
    pthread_mutex_init(&s->ring_mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &ca);
    pthread_condattr_destroy(&ca);
    return s;
}

/* Where allowed, a low real-time priority; else nice -5; else nothing. */
static void sampler_raise_priority(void)
{
    struct sched_param sp = {.sched_priority = 1};
    if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) == 0)
        return;
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), -5);
}

static void sampler_lower_priority(void)
{
    struct sched_param sp = {.sched_priority = 0};
    (void)pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp);
}

/* Probes every watched socket into s->round; returns the entries, the
 * round's end included, or 0 when out of memory. */
static size_t sampler_take_round(live_sampler *s)
{
    size_t k = 0;
    pthread_mutex_lock(&s->watch_mu);
    if (s->nwatched + 1 > s->caprounds) {
        size_t cap = (s->nwatched + 1) * 2;
        net_sample *r = realloc(s->round, cap * sizeof(*r));
        if (r == NULL) {
            pthread_mutex_unlock(&s->watch_mu);
            return 0;
        }
        s->round = r;
        s->caprounds = cap;
    }
    for (size_t i = 0; i < s->nwatched; i++) {
        net_sample *e = &s->round[k++];
        memset(e, 0, sizeof(*e));
        e->id = s->watched[i].id;
        e->valid = net_probe(s->watched[i].fd, &e->probe, NULL) == 0;
        e->t_us = sampler_now_us();
    }
    pthread_mutex_unlock(&s->watch_mu);
    net_sample *end = &s->round[k++];
    memset(end, 0, sizeof(*end));
    end->round_end = true;
    end->t_us = k > 1 ? s->round[0].t_us : sampler_now_us();
    return k;
}

/* Queues a round whole, growing the ring for many sockets, or drops it.
 * Called with ring_mu held. */
static void sampler_queue_round(live_sampler *s, const net_sample *r, size_t k)
{
    size_t want = k * 16 > SAMPLER_RING_MIN ? k * 16 : SAMPLER_RING_MIN;
    if (s->cap < want) {
        net_sample *g = malloc(want * sizeof(*g));
        if (g != NULL) {
            for (size_t i = 0; i < s->n; i++)
                g[i] = s->ring[(s->head + i) % s->cap];
            free(s->ring);
            s->ring = g;
            s->cap = want;
            s->head = 0;
        }
    }
    s->rounds++;
    if (s->cap - s->n < k) {
        s->dropped++;
        return;
    }
    for (size_t i = 0; i < k; i++)
        s->ring[(s->head + s->n + i) % s->cap] = r[i];
    s->n += k;
}

static void *sampler_main(void *arg)
{
    live_sampler *s = arg;
    bool realtime = true;
    sampler_raise_priority();
    int64_t deadline = sampler_now_us() + s->interval_us;
    pthread_mutex_lock(&s->ring_mu);
    while (!s->stop) {
        struct timespec ts = {(time_t)(deadline / 1000000), (long)(deadline % 1000000) * 1000};
        int rc = 0;
        while (!s->stop && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&s->wake, &s->ring_mu, &ts);
        if (s->stop)
            break;
        pthread_mutex_unlock(&s->ring_mu);
        int64_t start = sampler_now_us();
        size_t k = sampler_take_round(s);
        int64_t done = sampler_now_us();
        pthread_mutex_lock(&s->ring_mu);
        if (k > 0)
            sampler_queue_round(s, s->round, k);
        /* Too many sockets for the interval: never hold a core at a
         * real-time priority, and rest at least half an interval. */
        if (realtime && done - start > s->interval_us / 2) {
            sampler_lower_priority();
            realtime = false;
        }
        deadline += s->interval_us;
        if (deadline <= done)
            deadline = done + s->interval_us; /* missed: skip them, no burst */
        if (done - start > s->interval_us / 2 && deadline < done + s->interval_us / 2)
            deadline = done + s->interval_us / 2;
    }
    pthread_mutex_unlock(&s->ring_mu);
    return NULL;
}

int live_sampler_start(live_sampler *s, char *err)
{
    if (s->started)
        return 0;
    int rc = pthread_create(&s->thread, NULL, sampler_main, s);
    if (rc != 0) {
        if (err != NULL)
            snprintf(err, NET_ERR_LEN, "pthread_create: %s", strerror(rc));
        return -rc;
    }
    s->started = true;
    return 0;
}

void live_sampler_free(live_sampler *s)
{
    if (s == NULL)
        return;
    if (s->started) {
        pthread_mutex_lock(&s->ring_mu);
        s->stop = true;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->ring_mu);
        pthread_join(s->thread, NULL);
    }
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->ring_mu);
    pthread_mutex_destroy(&s->watch_mu);
    free(s->watched);
    free(s->ring);
    free(s->round);
    free(s);
}

int live_sampler_watch(live_sampler *s, int id, int fd)
{
    int rc = 0;
    pthread_mutex_lock(&s->watch_mu);
    if (s->nwatched == s->capwatched) {
        size_t cap = s->capwatched ? s->capwatched * 2 : 16;
        sampler_watch *w = realloc(s->watched, cap * sizeof(*w));
        if (w == NULL) {
            rc = -ENOMEM;
            goto out;
        }
        s->watched = w;
        s->capwatched = cap;
    }
    s->watched[s->nwatched++] = (sampler_watch){.id = id, .fd = fd};
out:
    pthread_mutex_unlock(&s->watch_mu);
    return rc;
}

void live_sampler_unwatch(live_sampler *s, int id)
{
    pthread_mutex_lock(&s->watch_mu);
    for (size_t i = 0; i < s->nwatched; i++)
        if (s->watched[i].id == id) {
            /* Keep the order: rounds list sockets as they were watched. */
            memmove(&s->watched[i], &s->watched[i + 1],
                    (s->nwatched - i - 1) * sizeof(*s->watched));
            s->nwatched--;
            break;
        }
    pthread_mutex_unlock(&s->watch_mu);
}

size_t live_sampler_take(live_sampler *s, net_sample *out, size_t max)
{
    pthread_mutex_lock(&s->ring_mu);
    size_t k = s->n < max ? s->n : max;
    for (size_t i = 0; i < k; i++)
        out[i] = s->ring[(s->head + i) % s->cap];
    if (k > 0) {
        s->head = (s->head + k) % s->cap;
        s->n -= k;
    }
    pthread_mutex_unlock(&s->ring_mu);
    return k;
}

uint64_t live_sampler_rounds(live_sampler *s)
{
    pthread_mutex_lock(&s->ring_mu);
    uint64_t n = s->rounds;
    pthread_mutex_unlock(&s->ring_mu);
    return n;
}

uint64_t live_sampler_dropped(live_sampler *s)
{
    pthread_mutex_lock(&s->ring_mu);
    uint64_t n = s->dropped;
    pthread_mutex_unlock(&s->ring_mu);
    return n;
}
