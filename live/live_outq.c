/* live_outq.c: a bounded queue of output lines, written without blocking.
 *
 * The lines wait in an array used as a queue (head .. head+n); the head
 * line may be partly written (off bytes of it). Writes gather up to
 * OUTQ_IOV lines in one writev(). See live_outq.h for the policy and the
 * caller (live mode's JSON Lines).
 *
 *   v: [ written | head: partial | line | dead | line | ... ]  vcap
 *                  ^ head          scan ^ (no droppable line before it)
 *
 * A dropped line is not taken out of the array (that moves every line
 * after it): it is left dead (buf NULL, len 0) and skipped by the writes.
 * Dropping scans forward from `scan`, where the last drop stopped, and a
 * full queue that holds no droppable line is known at once (ndrop == 0),
 * so a push costs O(1) amortised however long a reader stalls.
 */
#include "live_outq.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum { OUTQ_IOV = 64 };

typedef struct {
    char *buf;
    size_t len;
    bool droppable;
} outq_line;

struct live_outq {
    FILE *f;
    int fd;        /* -1: write through f */
    int old_flags; /* the descriptor's flags before, restored at free */
    size_t cap;
    outq_line *v;
    size_t head, n, vcap;
    size_t scan;   /* index in v: no droppable line in [head, scan) */
    size_t ndrop;  /* droppable lines queued */
    size_t off;    /* bytes of v[head] already written */
    size_t queued; /* bytes of every queued line, written part included */
    int err;
    live_outq_stats st;
};

live_outq *live_outq_new(FILE *f, size_t cap_bytes)
{
    live_outq *q = calloc(1, sizeof *q);
    if (q == NULL)
        return NULL;
    q->f = f;
    q->cap = cap_bytes ? cap_bytes : NET_OUTQ_CAP_DEFAULT;
    fflush(f);
    q->fd = fileno(f);
    q->old_flags = -1;
    if (q->fd >= 0) {
        q->old_flags = fcntl(q->fd, F_GETFL);
        if (q->old_flags < 0 || fcntl(q->fd, F_SETFL, q->old_flags | O_NONBLOCK) < 0)
            q->old_flags = -1; /* a descriptor we cannot change: still works, may block */
    }
    return q;
}

static void outq_discard_all(live_outq *q)
{
    for (size_t i = 0; i < q->n; i++)
        free(q->v[q->head + i].buf);
    q->head = q->n = q->off = q->queued = q->scan = q->ndrop = 0;
}

/* Takes the head line out (written whole, or dead). */
static void outq_pop(live_outq *q)
{
    outq_line *l = &q->v[q->head];
    if (l->droppable && l->buf)
        q->ndrop--;
    free(l->buf);
    q->head++;
    q->n--;
    q->off = 0;
    if (q->scan < q->head)
        q->scan = q->head;
    if (q->n == 0)
        q->head = q->scan = 0;
}

/* Dead lines at the head go at once: nothing is left to write of them. */
static void outq_pop_dead(live_outq *q)
{
    while (q->n > 0 && q->v[q->head].buf == NULL)
        outq_pop(q);
}

void live_outq_free(live_outq *q)
{
    if (q == NULL)
        return;
    if (q->fd >= 0 && q->old_flags >= 0)
        fcntl(q->fd, F_SETFL, q->old_flags);
    outq_discard_all(q);
    free(q->v);
    free(q);
}

int live_outq_flush(live_outq *q)
{
    outq_pop_dead(q);
    while (q->err == 0 && q->n > 0) {
        struct iovec iov[OUTQ_IOV];
        int k = 0;
        for (size_t i = 0; i < q->n && k < OUTQ_IOV; i++) {
            outq_line *l = &q->v[q->head + i];
            if (l->buf == NULL)
                continue;
            size_t skip = i == 0 ? q->off : 0;
            iov[k].iov_base = l->buf + skip;
            iov[k++].iov_len = l->len - skip;
        }
        ssize_t w = writev(q->fd, iov, k);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (w < 0) {
            q->err = -errno;
            outq_discard_all(q);
            break;
        }
        size_t left = (size_t)w;
        q->st.written_bytes += left;
        q->queued -= left;
        while (left > 0 && q->n > 0) {
            outq_line *l = &q->v[q->head];
            size_t rest = l->len - q->off;
            if (left < rest) {
                q->off += left;
                break;
            }
            left -= rest;
            outq_pop(q);
        }
        outq_pop_dead(q);
    }
    return q->err;
}

/* Drops queued droppable lines, oldest first, until need more bytes fit
 * (never the head line once partly written). Each line is passed over by
 * `scan` once in its life, so the cost is O(1) amortised per push. */
static void outq_make_room(live_outq *q, size_t need)
{
    if (q->scan < q->head)
        q->scan = q->head;
    while (q->ndrop > 0 && q->queued + need > q->cap && q->scan < q->head + q->n) {
        outq_line *l = &q->v[q->scan];
        bool partial = q->scan == q->head && q->off > 0;
        q->st.scanned_lines++;
        if (l->droppable && l->buf && !partial) {
            q->queued -= l->len;
            free(l->buf);
            l->buf = NULL;
            l->len = 0;
            q->ndrop--;
            q->st.dropped_droppable++;
        }
        q->scan++;
    }
}

int live_outq_push(live_outq *q, const char *line, size_t len, bool droppable)
{
    if (q->err != 0)
        return 1; /* the output is gone; its error is reported once */
    if (q->fd < 0) {
        if (fwrite(line, 1, len, q->f) != len || fflush(q->f) != 0)
            q->err = -(errno ? errno : EIO);
        else
            q->st.written_bytes += len;
        return 0;
    }
    live_outq_flush(q);
    if (q->queued > 0 && q->queued + len > q->cap)
        outq_make_room(q, len);
    if (q->err != 0 || (q->queued > 0 && q->queued + len > q->cap)) {
        if (droppable)
            q->st.dropped_droppable++;
        else
            q->st.dropped_other++;
        return 1;
    }
    if (q->head + q->n == q->vcap) {
        if (q->head > 0) {
            memmove(q->v, q->v + q->head, q->n * sizeof *q->v);
            q->scan -= q->head;
            q->head = 0;
        }
        if (q->n == q->vcap) {
            size_t nc = q->vcap ? q->vcap * 2 : 64;
            outq_line *nv = realloc(q->v, nc * sizeof *nv);
            if (nv == NULL)
                goto dropped;
            q->v = nv;
            q->vcap = nc;
        }
    }
    char *copy = malloc(len ? len : 1);
    if (copy == NULL)
        goto dropped;
    memcpy(copy, line, len);
    q->v[q->head + q->n++] = (outq_line){copy, len, droppable};
    q->queued += len;
    q->ndrop += droppable;
    live_outq_flush(q);
    return 0;
dropped:
    if (droppable)
        q->st.dropped_droppable++;
    else
        q->st.dropped_other++;
    return 1;
}

static int64_t outq_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int live_outq_drain(live_outq *q, int timeout_ms)
{
    int64_t end = outq_now_ms() + timeout_ms;
    for (;;) {
        int rc = live_outq_flush(q);
        if (rc < 0)
            return rc;
        if (q->n == 0)
            return 0;
        int64_t left = end - outq_now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd p = {.fd = q->fd, .events = POLLOUT};
        if (poll(&p, 1, (int)left) < 0 && errno == EINTR)
            return -EINTR;
    }
}

int live_outq_wait_fd(const live_outq *q)
{
    return q->n > 0 && q->err == 0 ? q->fd : -1;
}

int live_outq_error(const live_outq *q)
{
    return q->err;
}

void live_outq_stats_get(const live_outq *q, live_outq_stats *out)
{
    *out = q->st;
    out->queued_bytes = q->queued;
}
