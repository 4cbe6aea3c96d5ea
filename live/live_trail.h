/* live_trail.h: the trail of recent bytes, a bounded ring of chunks.
 *
 * Live mode records every chunk that really passed one of its sockets:
 * what send() handed to the kernel and what recv() returned, with its
 * first bytes, and later the sample that saw the chunk leave the send
 * queue and the one that saw it ACKed. On loopback the kernel's queues
 * drain in microseconds, so the queue bars stay at 0 B for the article's
 * small messages; the trail is what the window draws instead (live
 * fills it, live_trail() copies it out). The ring holds a fixed number
 * of entries, allocated once: a long run overwrites the oldest, never
 * grows. Nothing here does I/O or knows of SDL.
 */
#ifndef SOCKBUF_LIVE_TRAIL_H
#define SOCKBUF_LIVE_TRAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    NET_TRAIL_HEAD_BYTES = 24, /* first bytes kept of each chunk, for its repr */
    NET_TRAIL_CAP_LIMIT = 1 << 16
};

/* One chunk. A value: copying it is the snapshot. */
typedef struct {
    uint64_t seq;                       /* 1, 2, ... in the order recorded (set by push) */
    int conn_id;                        /* the connection, live_conn.id */
    bool outbound;                      /* true: send() gave these bytes to the kernel;
                                           false: recv() returned them to us */
    int64_t t_ms;                       /* when send()/recv() returned, ms since live_new */
    uint32_t bytes;                     /* the chunk's length */
    uint64_t end_bytes;                 /* the connection's bytes_out (outbound) or bytes_in
                                           (inbound) once the chunk was counted: its end
                                           in the stream */
    uint8_t head[NET_TRAIL_HEAD_BYTES]; /* its first head_len bytes */
    uint8_t head_len;                   /* 0: a sendfile() chunk, never in our memory */
    int64_t wire_t_ms;                  /* outbound: the first sample that saw it no longer
                                           unsent (on the wire or further), or -1 */
    int64_t acked_t_ms;                 /* outbound: the first sample that saw it ACKed (the
                                           peer's kernel has it), or -1 */
} live_trail_entry;

typedef struct live_trail live_trail;

/* A ring of cap entries (1..NET_TRAIL_CAP_LIMIT, clamped), allocated now.
 * Returns NULL when out of memory. */
live_trail *live_trail_new(int cap);

/* Frees the ring. Accepts NULL. */
void live_trail_free(live_trail *t);

/* The ring's capacity in entries, and its size in bytes (for accounting). */
int live_trail_cap(const live_trail *t);
size_t live_trail_alloc_bytes(const live_trail *t);

/* Appends a copy of *e with the next seq (e->seq is ignored), overwriting
 * the oldest entry when the ring is full. */
void live_trail_push(live_trail *t, const live_trail_entry *e);

/* Entries held now (at most the capacity). */
int live_trail_count(const live_trail *t);

/* Copies the entries recorded at or after now_ms - max_age_ms (all of
 * them when max_age_ms < 0), oldest first, into out: at most max, the
 * newest max when there are more. Returns how many were copied. */
int live_trail_recent(const live_trail *t, int64_t now_ms, int64_t max_age_ms,
                      live_trail_entry *out, int max);

/* What a sample saw of connection conn_id: sent_bytes of its stream have
 * left the send queue's unsent part, acked_bytes were ACKed. Returns
 * false when the connection is gone or has no sample. */
typedef bool (*live_trail_seen_fn)(void *user, int conn_id, uint64_t *sent_bytes,
                                   uint64_t *acked_bytes);

/* After a sample at t_ms: every outbound entry not yet ACKed asks seen()
 * about its connection and gets wire_t_ms / acked_t_ms = t_ms once the
 * sample's counts reach its end. */
void live_trail_mark(live_trail *t, int64_t t_ms, live_trail_seen_fn seen, void *user);

#endif
