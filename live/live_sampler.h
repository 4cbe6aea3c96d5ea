/* live_sampler.h: probes sockets on a thread of its own, on the clock.
 *
 * Live mode asks for the kernel's queues every sample_ms (1 ms in
 * bench_net). Taken from the poll() loop, samples came late whenever the
 * loop was busy sending or the scheduler ran someone else: a loop that
 * never sleeps is the last to be woken. Here a thread that does nothing
 * but sleep until an absolute deadline on CLOCK_MONOTONIC and read a few
 * counters per socket (net_probe) keeps the rate: a thread that mostly
 * sleeps is woken first. Where allowed it runs at a low real-time
 * priority (SCHED_FIFO 1), else at nice -5, else as it is; a round that
 * takes more than half the interval drops the real-time priority, so a
 * flood of sockets never monopolizes a core.
 *
 * Each round is stamped with CLOCK_MONOTONIC and queued, one entry per
 * watched socket and an end-of-round entry, in a bounded ring the owner
 * drains when it likes (live_sampler_take). A round that does not fit is
 * dropped whole and counted. Sockets are watched by an id; unwatching one
 * returns only once the thread no longer uses its descriptor, so the
 * owner may close it right after.
 *
 * One owner thread calls everything here; the sampling thread is the
 * only other. Start the thread after any fork(): it does not survive one.
 * Used by live.c.
 */
#ifndef SOCKBUF_LIVE_SAMPLER_H
#define SOCKBUF_LIVE_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net.h"

/* One entry of a round. */
typedef struct {
    int64_t t_us;      /* CLOCK_MONOTONIC, us, when this probe was read */
    int id;            /* the watched socket's id; meaningless at round_end */
    bool round_end;    /* the round's last entry: every socket of it came before */
    bool valid;        /* net_probe() succeeded: probe holds the sample */
    net_probe_t probe; /* the kernel's counters */
} net_sample;

typedef struct live_sampler live_sampler;

/* A sampler probing every interval_us (> 0) once started. Returns NULL
 * with a message in err (NET_ERR_LEN bytes, may be NULL) when out of
 * memory. */
live_sampler *live_sampler_new(int64_t interval_us, char *err);

/* Starts the sampling thread; its first round is one interval from now.
 * Returns 0 or a negative errno with a message in err (may be NULL), e.g.
 * "pthread_create: Resource temporarily unavailable". */
int live_sampler_start(live_sampler *s, char *err);

/* Stops and joins the thread, frees everything. Accepts NULL. */
void live_sampler_free(live_sampler *s);

/* Probes fd as id from the next round on. The caller keeps fd open until
 * live_sampler_unwatch(id). Returns 0 or -ENOMEM. */
int live_sampler_watch(live_sampler *s, int id, int fd);

/* Stops probing id; when it returns the thread no longer touches its fd.
 * An unknown id is ignored. */
void live_sampler_unwatch(live_sampler *s, int id);

/* Moves up to max queued entries, oldest first, into out; returns how
 * many. A round may be split between two calls: its round_end entry then
 * comes with the next one. */
size_t live_sampler_take(live_sampler *s, net_sample *out, size_t max);

/* Rounds taken by the thread, and rounds dropped because the ring was full. */
uint64_t live_sampler_rounds(live_sampler *s);
uint64_t live_sampler_dropped(live_sampler *s);

#endif
