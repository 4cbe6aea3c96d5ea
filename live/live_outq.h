/* live_outq.h: a bounded queue of output lines, written without blocking.
 *
 * Live mode prints JSON Lines from inside its poll() loop. A reader that
 * stops reading (a paused `| less`, Ctrl+S in a terminal) must never stop
 * the loop, so lines go into this queue and are written with non-blocking
 * write()s whenever the output can take them (live_watch_fd() makes
 * the loop wake for that). The queue holds at most cap_bytes: when a line
 * does not fit, droppable lines (live mode's `sample`s) already queued are
 * dropped first, oldest first; a droppable line that still does not fit is
 * dropped; any other line (an event) that does not fit is dropped too, but
 * counted apart, so nothing is lost without a word. A line is never cut:
 * one partly written stays until it is written whole.
 *
 * Used by cmd_live.c. Knows nothing of JSON or sockets.
 */
#ifndef SOCKBUF_LIVE_OUTQ_H
#define SOCKBUF_LIVE_OUTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { NET_OUTQ_CAP_DEFAULT = 4 * 1024 * 1024 /* bytes queued at most */ };

typedef struct live_outq live_outq;

/* Counts since live_outq_new. */
typedef struct {
    uint64_t dropped_droppable; /* droppable lines dropped (samples) */
    uint64_t dropped_other;     /* other lines dropped (events) */
    uint64_t written_bytes;     /* bytes written out */
    uint64_t scanned_lines;     /* queued lines looked at to make room (work done) */
    size_t queued_bytes;        /* bytes waiting now */
} live_outq_stats;

/* A queue writing to f (borrowed; it must outlive the queue), at most
 * cap_bytes queued (0: NET_OUTQ_CAP_DEFAULT). f is flushed first; when it
 * has a file descriptor, that descriptor is made non-blocking until
 * live_outq_free() (and written with write()); otherwise (a memory stream)
 * lines go through fwrite(). Returns NULL when out of memory. */
live_outq *live_outq_new(FILE *f, size_t cap_bytes);

/* Restores the descriptor's flags and frees the queue; lines still queued
 * are lost (call live_outq_drain() first). Accepts NULL. */
void live_outq_free(live_outq *q);

/* Queues len bytes (one line, its '\n' included); droppable marks a line
 * that may be dropped when the queue is full. Returns 0 when queued, 1 when
 * this line was dropped (and counted). Then writes what it can. */
int live_outq_push(live_outq *q, const char *line, size_t len, bool droppable);

/* Writes what the output takes now, never waiting. Returns 0, or a
 * negative errno when the output failed for good (EPIPE, ENOSPC...): then
 * every queued line is discarded and later ones too, and the error is kept
 * for live_outq_error(). */
int live_outq_flush(live_outq *q);

/* Waits at most timeout_ms for the queue to be written out (poll() on the
 * descriptor; an interrupting signal ends the wait). Returns 0 when empty,
 * -ETIMEDOUT, -EINTR, or the output's error. */
int live_outq_drain(live_outq *q, int timeout_ms);

/* The descriptor to wait on for POLLOUT while lines are queued, or -1
 * when nothing is queued (or there is no descriptor). */
int live_outq_wait_fd(const live_outq *q);

/* The output's error (a negative errno) once it failed, else 0. */
int live_outq_error(const live_outq *q);

void live_outq_stats_get(const live_outq *q, live_outq_stats *out);

#endif
