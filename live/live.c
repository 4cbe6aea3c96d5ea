/* live.c: live mode's poll() loop, the chat server and the client.
 *
 * One thread, one poll() per live_poll(). Listen mode accepts up to
 * max_conns clients; each recv() is reported and answered with
 * b'Got your message' through the connection's own answer buffer, which
 * never grows past out_cap_bytes: while it cannot take another answer the
 * connection is not read from, so a client that never reads fills its own
 * socket buffers and nobody else's. Connect mode sends text or a file
 * (sendfile(), so a 1 GiB file costs one copy, as iperf3 does), half-closes
 * and reads the answers until the server closes or goes quiet.
 *
 * Every sample_ms the kernel's queues of every connection are probed
 * (net_probe: a few system calls each) by a thread of their own
 * (live_sampler.h, started by the first live_poll), which keeps the
 * rate when this loop is busy or the machine is loaded; each poll hands
 * the rounds taken since to the connections' public snapshots and reports
 * them, stamped with the time they were read. Where the thread cannot be
 * started the loop probes when a sample is due, as before. See
 * live.h for the callers.
 */
#include "live.h"

#include "base_text.h"
#include "live_sampler.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/sockios.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char lv_answer[] = "Got your message";
enum {
    LIVE_ANSWER_LEN = sizeof(lv_answer) - 1,
    LIVE_RECV_PER_TURN = 16,         /* recv() calls per connection per poll */
    LIVE_SEND_PER_TURN = 16,         /* send()/sendfile() calls per poll */
    LIVE_ACCEPT_PER_TURN = 64,       /* accept() calls per poll */
    LIVE_ACCEPT_PAUSE_US = 100000,   /* after EMFILE, accept again 100 ms later */
    LIVE_SEND_RETRY_US = 1000,       /* connect: retry a full socket this often */
    LIVE_SEND_BACKOFF_US = 64000,    /* ... backing off to this while it stays full */
    LIVE_OUT_MIN = 256,              /* first allocation of an answer buffer */
    LIVE_OUT_KEEP = 4096,            /* a drained buffer larger than this is freed */
    LIVE_SENDFILE_CHUNK = 1 << 20,   /* per sendfile(): about 0.2 ms on loopback */
    LIVE_SENDFILE_SAMPLED = 1 << 18, /* ... while sampling: well inside 1 ms */
    LIVE_SAMPLE_DELIVER_US = 10000,  /* sampler thread: report its rounds this often at least */
    LIVE_SAMPLE_TAKE = 64,           /* entries taken from the sampler at once */
};

typedef struct {
    live_conn pub;
    int fd;
    bool connecting;        /* connect mode: the connect is in progress */
    bool closed;            /* closed this turn: removed at the end of the turn */
    int64_t last_active_us; /* when a byte last moved (or it was accepted) */
    uint8_t *out;           /* listen: queued answers at out[out_off..out_off+out_len) */
    uint32_t out_off, out_len, out_cap;
} lv_conn;

struct live {
    live_config cfg;
    int64_t t0_us;
    int lfd[2];
    int nlfd;
    char laddr[2][NET_LIVE_PEER_LEN];
    bool listen_reported;
    bool accept_err_reported;      /* an accept error (EMFILE...) was given */
    int64_t accept_pause_until_us; /* after such an error, accept again then */
    net_probe_t lprobe;
    bool lprobe_valid;

    lv_conn **conns;
    int nconns, capconns;
    int open_now;          /* conns not closed (nconns counts closed ones until reaped) */
    int64_t next_idle_us;  /* the next idle timeout due, or INT64_MAX */
    int watch_fd;          /* live_watch_fd(), or -1 */
    int64_t send_retry_us; /* connect: current retry interval of a full socket */
    int send_full_outq;    /* connect: SIOCOUTQ at the last EAGAIN, or -1 */
    int next_id;

    uint8_t *rbuf;
    struct pollfd *pfds;
    lv_conn **pmap;
    int pcap;
    int64_t next_sample_us;
    live_sampler *sampler; /* the sampling thread, once started; NULL: the loop samples */
    bool sampler_tried;    /* live_poll tried to start it */
    int find_hint;         /* where the last sampled connection was found in conns */

    /* connect mode */
    char *text;
    size_t text_len, text_off;
    int file_fd;
    uint64_t file_size, file_off;
    bool send_done;
    int64_t quiet_since_us;
    int port;

    bool stopping;
    live_stats st;

    live_trail *trail; /* the chunks that passed, for the window (live_trail_of) */
};

static int64_t lv_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t lv_t_ms(const live *l)
{
    return (lv_now_us() - l->t0_us) / 1000;
}

static void lv_account(live *l, int64_t delta)
{
    l->st.alloc_bytes = (uint64_t)((int64_t)l->st.alloc_bytes + delta);
    if (l->st.alloc_bytes > l->st.peak_alloc_bytes)
        l->st.peak_alloc_bytes = l->st.alloc_bytes;
}

/* Reports ev as happening at at_us (lv_now_us()'s clock). */
static void lv_emit_at(live *l, live_event *ev, int64_t at_us)
{
    ev->t_us = at_us - l->t0_us;
    ev->t_ms = ev->t_us / 1000;
    if (ev->peer == NULL)
        ev->peer = "";
    if (l->cfg.on_event != NULL)
        l->cfg.on_event(ev, l->cfg.user);
}

/* ---- the trail of recent bytes (live_trail.h) ---------------------------- */

/* Records a chunk send() gave the kernel (outbound) or recv() returned,
 * after c's counters were updated; data is NULL for a sendfile() chunk. */
static void lv_trail_record(live *l, const lv_conn *c, bool outbound, const uint8_t *data, long n)
{
    if (l->trail == NULL || n <= 0)
        return;
    live_trail_entry e = {.conn_id = c->pub.id,
                          .outbound = outbound,
                          .t_ms = lv_t_ms(l),
                          .bytes = (uint32_t)n,
                          .wire_t_ms = -1,
                          .acked_t_ms = -1};
    e.end_bytes = outbound ? c->pub.bytes_out : c->pub.bytes_in;
    if (data != NULL) {
        e.head_len = (uint8_t)(n < NET_TRAIL_HEAD_BYTES ? n : NET_TRAIL_HEAD_BYTES);
        memcpy(e.head, data, e.head_len);
    }
    live_trail_push(l->trail, &e);
}

/* live_trail_seen_fn: what the last sample saw of connection id (the
 * connections are kept in id order). */
static bool lv_trail_seen(void *user, int id, uint64_t *sent, uint64_t *acked)
{
    const live *l = user;
    int lo = 0, hi = l->nconns - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        const lv_conn *c = l->conns[mid];
        if (c->pub.id < id) {
            lo = mid + 1;
        } else if (c->pub.id > id) {
            hi = mid - 1;
        } else {
            if (!c->pub.probe_valid)
                return false;
            uint64_t unsent = c->pub.probe.unsent_bytes;
            uint64_t queued = unsent + c->pub.probe.in_flight_bytes;
            *sent = c->pub.bytes_out > unsent ? c->pub.bytes_out - unsent : 0;
            *acked = c->pub.bytes_out > queued ? c->pub.bytes_out - queued : 0;
            return true;
        }
    }
    return false;
}

/* After a sample: the chunks it saw leave the send queue or ACKed. */
static void lv_trail_sampled(live *l, int64_t t_ms)
{
    if (l->trail != NULL)
        live_trail_mark(l->trail, t_ms, lv_trail_seen, l);
}

static void lv_emit(live *l, live_event *ev)
{
    lv_emit_at(l, ev, lv_now_us());
}

static void lv_error(live *l, lv_conn *c, int err, const char *msg)
{
    live_event ev = {.type = NET_LIVE_EV_ERROR};
    ev.id = c != NULL ? c->pub.id : 0;
    ev.peer = c != NULL ? c->pub.peer : "";
    ev.err = err;
    ev.exception = net_exception_name(err);
    ev.message = msg;
    l->st.errors++;
    l->st.last_err = err;
    lv_emit(l, &ev);
}

live_config live_config_default(void)
{
    live_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.mode = NET_LIVE_LISTEN;
    cfg.port = 8080;
    cfg.max_conns = NET_LIVE_MAX_CONNS_DEFAULT;
    cfg.out_cap_bytes = NET_LIVE_OUT_CAP_DEFAULT;
    cfg.recv_bytes = NET_LIVE_RECV_DEFAULT;
    cfg.quiet_ms = NET_LIVE_QUIET_MS_DEFAULT;
    return cfg;
}

/* ---- connections ------------------------------------------------------ */

static lv_conn *lv_conn_add(live *l, int fd)
{
    if (l->nconns == l->capconns) {
        int cap = l->capconns ? l->capconns * 2 : 16;
        lv_conn **n = realloc(l->conns, (size_t)cap * sizeof(*n));
        if (n == NULL)
            return NULL;
        lv_account(l, (int64_t)(cap - l->capconns) * (int64_t)sizeof(*n));
        l->conns = n;
        l->capconns = cap;
    }
    lv_conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    lv_account(l, (int64_t)sizeof(*c));
    c->fd = fd;
    c->pub.id = ++l->next_id;
    c->pub.reading = true;
    c->last_active_us = lv_now_us();
    l->conns[l->nconns++] = c;
    if (l->cfg.mode == NET_LIVE_LISTEN)
        l->st.connections++; /* connect mode counts once connected */
    l->open_now++;
    l->st.open = l->open_now;
    return c;
}

static void lv_out_free(live *l, lv_conn *c)
{
    if (c->out != NULL) {
        lv_account(l, -(int64_t)c->out_cap);
        free(c->out);
    }
    l->st.buffered_bytes -= c->out_len;
    c->out = NULL;
    c->out_cap = c->out_off = c->out_len = 0;
}

/* Closes c (reporting it) and marks it for removal at the end of the turn. */
static void lv_conn_close(live *l, lv_conn *c)
{
    if (c->closed)
        return;
    if (l->sampler != NULL)
        live_sampler_unwatch(l->sampler, c->pub.id); /* before its fd goes */
    net_close(c->fd);
    c->fd = -1;
    c->closed = true;
    l->open_now--;
    l->st.open = l->open_now;
    lv_out_free(l, c);
    live_event ev = {.type = NET_LIVE_EV_CLOSE};
    ev.id = c->pub.id;
    ev.peer = c->pub.peer;
    ev.bytes_in = c->pub.bytes_in;
    ev.bytes_out = c->pub.bytes_out;
    lv_emit(l, &ev);
}

static void lv_conn_fail(live *l, lv_conn *c, int err, const char *msg)
{
    lv_error(l, c, err, msg);
    lv_conn_close(l, c);
}

/* Drops the connections closed this turn, keeping the others in order. */
static void lv_reap(live *l)
{
    int j = 0;
    for (int i = 0; i < l->nconns; i++) {
        lv_conn *c = l->conns[i];
        if (c->closed) {
            lv_account(l, -(int64_t)sizeof(*c));
            free(c);
        } else {
            l->conns[j++] = c;
        }
    }
    l->nconns = j;
    l->open_now = j;
    l->st.open = j;
}

/* Closes c to make room or because it idled (reason says which), with an
 * EVICT event before its CLOSE. */
static void lv_evict(live *l, lv_conn *c, const char *reason, int64_t now)
{
    live_event ev = {.type = NET_LIVE_EV_EVICT};
    ev.id = c->pub.id;
    ev.peer = c->pub.peer;
    ev.message = reason;
    ev.bytes = (size_t)((now - c->last_active_us) / 1000);
    l->st.evictions++;
    lv_emit(l, &ev);
    lv_conn_close(l, c);
}

/* The open connection that moved no byte for the longest, or NULL. */
static lv_conn *lv_longest_idle(const live *l)
{
    lv_conn *best = NULL;
    for (int i = 0; i < l->nconns; i++) {
        lv_conn *c = l->conns[i];
        if (!c->closed && (best == NULL || c->last_active_us < best->last_active_us))
            best = c;
    }
    return best;
}

/* Closes every connection idle past the idle timeout; keeps when the
 * next one is due for the poll's wait. */
static void lv_idle_sweep(live *l, int64_t now)
{
    l->next_idle_us = INT64_MAX;
    if (l->cfg.mode != NET_LIVE_LISTEN || l->cfg.idle_timeout_ms <= 0)
        return;
    int64_t idle_us = (int64_t)l->cfg.idle_timeout_ms * 1000;
    for (int i = 0; i < l->nconns; i++) {
        lv_conn *c = l->conns[i];
        if (c->closed)
            continue;
        if (now - c->last_active_us >= idle_us)
            lv_evict(l, c, "idle-timeout", now);
        else if (c->last_active_us + idle_us < l->next_idle_us)
            l->next_idle_us = c->last_active_us + idle_us;
    }
}

/* Appends len bytes to c's answer buffer; the caller checked the bound. */
static int lv_out_append(live *l, lv_conn *c, const uint8_t *data, uint32_t len)
{
    if (c->out_off + c->out_len + len > c->out_cap && c->out_off > 0) {
        memmove(c->out, c->out + c->out_off, c->out_len);
        c->out_off = 0;
    }
    if (c->out_len + len > c->out_cap) {
        uint32_t cap = c->out_cap ? c->out_cap : LIVE_OUT_MIN;
        while (cap < c->out_len + len)
            cap *= 2;
        if (cap > l->cfg.out_cap_bytes)
            cap = l->cfg.out_cap_bytes;
        uint8_t *n = realloc(c->out, cap);
        if (n == NULL)
            return -ENOMEM;
        lv_account(l, (int64_t)cap - (int64_t)c->out_cap);
        c->out = n;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_off + c->out_len, data, len);
    c->out_len += len;
    l->st.buffered_bytes += len;
    c->pub.pending_bytes = c->out_len;
    return 0;
}

/* Counts n bytes the kernel took from c (data: them, or NULL after a
 * sendfile()), sets what c still has to send and reports a SEND event. */
static void lv_sent(live *l, lv_conn *c, const uint8_t *data, long n, uint32_t pending)
{
    c->last_active_us = lv_now_us();
    c->pub.bytes_out += (uint64_t)n;
    l->st.bytes_out += (uint64_t)n;
    c->pub.pending_bytes = pending;
    lv_trail_record(l, c, true, data, n);
    live_event ev = {.type = NET_LIVE_EV_SEND};
    ev.id = c->pub.id;
    ev.peer = c->pub.peer;
    ev.bytes = (size_t)n;
    ev.data = data;
    lv_emit(l, &ev);
}

/* Sends queued answers until the kernel takes no more. */
static void lv_flush(live *l, lv_conn *c)
{
    char err[NET_ERR_LEN];
    while (c->out_len > 0) {
        long n = net_send(c->fd, c->out + c->out_off, c->out_len, 0, err);
        if (n == -EAGAIN)
            break;
        if (n < 0) {
            lv_conn_fail(l, c, (int)n, err);
            return;
        }
        const uint8_t *sent = c->out + c->out_off;
        c->out_off += (uint32_t)n;
        c->out_len -= (uint32_t)n;
        l->st.buffered_bytes -= (uint64_t)n;
        lv_sent(l, c, sent, n, c->out_len);
    }
    if (c->out_len == 0) {
        c->out_off = 0;
        if (c->out_cap > LIVE_OUT_KEEP)
            lv_out_free(l, c);
    }
}

static bool lv_has_room(const live *l, const lv_conn *c)
{
    return c->out_len + LIVE_ANSWER_LEN <= l->cfg.out_cap_bytes;
}

/* One recv() of up to recv_bytes from c into l->rbuf, counted and
 * reported as a RECV event (in connect mode it also restarts the quiet
 * timer). Returns the bytes read; 0 at end of stream, with c->pub.eof set;
 * -EAGAIN when nothing is waiting; another negative errno after c was
 * failed with it. Both modes' read loops call it up to LIVE_RECV_PER_TURN
 * times a turn. */
static long lv_recv_chunk(live *l, lv_conn *c)
{
    char err[NET_ERR_LEN];
    long n = net_recv(c->fd, l->rbuf, l->cfg.recv_bytes, err);
    if (n == -EAGAIN)
        return n;
    if (n < 0) {
        lv_conn_fail(l, c, (int)n, err);
        return n;
    }
    if (n == 0) {
        c->pub.eof = true;
        return 0;
    }
    c->pub.bytes_in += (uint64_t)n;
    l->st.bytes_in += (uint64_t)n;
    c->last_active_us = lv_now_us();
    if (l->cfg.mode == NET_LIVE_CONNECT)
        l->quiet_since_us = c->last_active_us;
    lv_trail_record(l, c, false, l->rbuf, n);
    live_event ev = {.type = NET_LIVE_EV_RECV};
    ev.id = c->pub.id;
    ev.peer = c->pub.peer;
    ev.bytes = (size_t)n;
    ev.data = l->rbuf;
    lv_emit(l, &ev);
    return n;
}

static bool lv_sample_due(const live *l);

/* Listen mode: reads what c has (while its answers fit) and answers; a
 * sample that falls due ends the turn early, so samples keep time. */
static void lv_serve_read(live *l, lv_conn *c)
{
    for (int i = 0; i < LIVE_RECV_PER_TURN && !c->closed && lv_has_room(l, c); i++) {
        if (i > 0 && lv_sample_due(l))
            return; /* the rest waits a turn (poll says so at once) */
        if (lv_recv_chunk(l, c) <= 0)
            return; /* nothing more now, end of stream, or c failed */
        if (lv_out_append(l, c, (const uint8_t *)lv_answer, LIVE_ANSWER_LEN) < 0) {
            lv_conn_fail(l, c, -ENOMEM, "answer buffer: Cannot allocate memory");
            return;
        }
        if (c->out_len >= 4096)
            lv_flush(l, c); /* keep the buffer small when the peer reads */
    }
}

static void lv_accept(live *l, int lfd)
{
    char err[NET_ERR_LEN];
    for (int i = 0; i < LIVE_ACCEPT_PER_TURN; i++) {
        int fd = net_accept(lfd, err);
        if (fd == -EAGAIN || fd == -ECONNABORTED)
            break;
        if (fd < 0) {
            /* EMFILE and friends: the client stays in the backlog. Report
             * once, and pause accepting for a while rather than spin on a
             * listener that stays readable. */
            if (!l->accept_err_reported)
                lv_error(l, NULL, fd, err);
            l->accept_err_reported = true;
            l->accept_pause_until_us = lv_now_us() + LIVE_ACCEPT_PAUSE_US;
            break;
        }
        l->accept_err_reported = false;
        /* At the limit a new client is still served: the connection idle
         * the longest makes room, so idle clients cannot lock others out. */
        lv_conn *victim = l->open_now >= l->cfg.max_conns ? lv_longest_idle(l) : NULL;
        if (victim != NULL)
            lv_evict(l, victim, "max-conns", lv_now_us());
        lv_conn *c = lv_conn_add(l, fd);
        if (c == NULL) {
            net_close(fd);
            lv_error(l, NULL, -ENOMEM, "accept: Cannot allocate memory");
            break;
        }
        net_peer_name(fd, c->pub.peer, sizeof(c->pub.peer), NULL);
        if (l->sampler != NULL)
            live_sampler_watch(l->sampler, c->pub.id, c->fd);
        live_event ev = {.type = NET_LIVE_EV_ACCEPT};
        ev.id = c->pub.id;
        ev.peer = c->pub.peer;
        lv_emit(l, &ev);
    }
}

/* What a server connection waits for: room to read (its answers not too
 * far behind), and room to write its answers. */
static short lv_server_events(live *l, lv_conn *c)
{
    short ev = 0;
    c->pub.reading = !c->pub.eof && lv_has_room(l, c);
    if (c->pub.reading)
        ev |= POLLIN;
    if (c->out_len > 0)
        ev |= POLLOUT;
    return ev;
}

/* One ready server connection: answers out, requests in, done when the
 * client has ended and has all its answers. */
static void lv_server_io(live *l, lv_conn *c, short re)
{
    char err[NET_ERR_LEN];
    if (re & (POLLOUT | POLLERR | POLLHUP))
        lv_flush(l, c);
    if (!c->closed && c->pub.reading && (re & (POLLIN | POLLERR | POLLHUP)))
        lv_serve_read(l, c);
    if (!c->closed && c->out_len > 0)
        lv_flush(l, c);
    if (!c->closed && (re & POLLERR) && c->out_len == 0 && !c->pub.reading) {
        /* An error on a socket we are neither reading nor writing. */
        int rc = net_connect_result(c->fd, err);
        if (rc < 0)
            lv_conn_fail(l, c, rc, err);
    }
    if (!c->closed && c->pub.eof && c->out_len == 0)
        lv_conn_close(l, c); /* the client is done and has its answers */
    if (!c->closed)
        c->pub.reading = !c->pub.eof && lv_has_room(l, c);
}

/* ---- connect mode ----------------------------------------------------- */

/* sendfile() has no MSG_NOSIGNAL: block SIGPIPE around it and swallow the
 * one a reset peer raises, so the process never dies of it. */
static long lv_sendfile(int sock, int file, uint64_t *off, size_t len, char *err)
{
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    off_t o = (off_t)*off;
    ssize_t n;
    do {
        n = sendfile(sock, file, &o, len);
    } while (n < 0 && errno == EINTR);
    long rc = n < 0 ? -errno : (long)n;
    if (rc == -EPIPE) {
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe_set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == -EWOULDBLOCK)
        rc = -EAGAIN;
    if (rc < 0) {
        if (err != NULL)
            snprintf(err, NET_ERR_LEN, "sendfile(%zu bytes): %s", len, strerror((int)-rc));
        return rc;
    }
    *off = (uint64_t)o;
    return rc;
}

/* Whether a sample is due: long turns end early so samples keep time. */
static bool lv_sample_due(const live *l)
{
    return l->cfg.sample_ms > 0 && l->sampler == NULL && lv_now_us() >= l->next_sample_us;
}

static uint64_t lv_client_left(const live *l)
{
    if (l->file_fd >= 0)
        return l->file_size - l->file_off;
    return l->text_len - l->text_off;
}

static void lv_client_send(live *l, lv_conn *c)
{
    char err[NET_ERR_LEN];
    for (int i = 0; i < LIVE_SEND_PER_TURN && !l->send_done; i++) {
        if (i > 0 && lv_sample_due(l))
            break;
        uint64_t left = lv_client_left(l);
        long n = 0;
        const uint8_t *data = NULL;
        if (left > 0 && l->file_fd >= 0) {
            size_t most = l->cfg.sample_ms > 0 ? LIVE_SENDFILE_SAMPLED : LIVE_SENDFILE_CHUNK;
            size_t chunk = left > most ? most : (size_t)left;
            n = lv_sendfile(c->fd, l->file_fd, &l->file_off, chunk, err);
            if (n == 0) {
                /* The file shrank: send what there was. */
                l->file_size = l->file_off;
            }
        } else if (left > 0) {
            data = (const uint8_t *)l->text + l->text_off;
            n = net_send(c->fd, data, (size_t)left, 0, err);
            if (n > 0)
                l->text_off += (size_t)n;
        }
        if (n == -EAGAIN) {
            /* Full. Back off (retry less and less often, so a stalled
             * peer does not wake us 1000 times a second) only when the
             * queue did not move since the last EAGAIN: a zero window, a
             * slow reader. A queue that drains is a pipe the kernel has
             * not woken us for yet (POLLOUT waits for a third of the
             * buffer to be free, which can take milliseconds while the
             * peer reads): backing off there was the wait that made
             * sampling at 1 kHz (which wakes the loop every millisecond)
             * faster than not sampling. */
            int outq = -1;
            if (ioctl(c->fd, SIOCOUTQ, &outq) < 0)
                outq = -1;
            bool drained = outq >= 0 && l->send_full_outq >= 0 && outq < l->send_full_outq;
            if (i == 0 && !drained) {
                l->send_retry_us *= 2;
                if (l->send_retry_us > LIVE_SEND_BACKOFF_US)
                    l->send_retry_us = LIVE_SEND_BACKOFF_US;
            } else if (drained) {
                l->send_retry_us = LIVE_SEND_RETRY_US;
            }
            l->send_full_outq = outq;
            break;
        }
        if (n < 0) {
            lv_conn_fail(l, c, (int)n, err);
            return;
        }
        if (n > 0)
            l->send_retry_us = LIVE_SEND_RETRY_US;
        if (n > 0)
            lv_sent(l, c, data, n,
                    lv_client_left(l) > UINT32_MAX ? UINT32_MAX : (uint32_t)lv_client_left(l));
        if (lv_client_left(l) == 0) {
            /* Everything is with the kernel: half-close, so the server
             * sees the end, answers and closes. */
            l->send_done = true;
            l->quiet_since_us = lv_now_us();
            int rc = net_shutdown(c->fd, NET_SHUT_WR, err);
            if (rc < 0 && rc != -ENOTCONN)
                lv_error(l, c, rc, err);
        }
    }
}

/* Connect mode: reads the server's answers; closes c at end of stream. */
static void lv_client_read(live *l, lv_conn *c)
{
    for (int i = 0; i < LIVE_RECV_PER_TURN && !c->closed; i++) {
        long n = lv_recv_chunk(l, c);
        if (n == 0)
            lv_conn_close(l, c);
        if (n <= 0)
            return;
    }
}

/* ---- setup ------------------------------------------------------------ */

static bool lv_is_v6(const char *host)
{
    return host != NULL && strchr(host, ':') != NULL;
}

static int lv_listen_on(live *l, const char *host, bool v6, uint16_t port, char *err)
{
    int fd = v6 ? net_socket6(err) : net_socket(err);
    int rc = fd;
    if (fd < 0)
        goto out;
    rc = net_bind(fd, host, port, err);
    if (rc < 0)
        goto out;
    rc = net_listen(fd, 511, err);
    if (rc < 0)
        goto out;
    net_local_name(fd, l->laddr[l->nlfd], sizeof(l->laddr[0]), NULL);
    l->lfd[l->nlfd++] = fd;
    rc = net_local_port(fd, err);
    fd = -1;
out:
    net_close(fd);
    return rc;
}

static int lv_setup_listen(live *l, char *err)
{
    const char *host = l->cfg.host;
    int rc = lv_listen_on(l, host, lv_is_v6(host), l->cfg.port, err);
    if (rc < 0)
        return rc;
    l->port = rc;
    /* "localhost" may mean ::1 to some clients: listen there too, on the
     * same port, if this machine has IPv6 (best effort). */
    if (host != NULL && strcmp(host, "localhost") == 0)
        lv_listen_on(l, "::1", true, (uint16_t)l->port, NULL);
    return 0;
}

static int lv_setup_connect(live *l, char *err)
{
    int rc = 0;
    if (l->cfg.send_file != NULL) {
        /* O_NONBLOCK: a FIFO must not hang the open (it is refused below). */
        l->file_fd = open(l->cfg.send_file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        struct stat sb;
        if (l->file_fd < 0 || fstat(l->file_fd, &sb) < 0) {
            rc = -errno;
            snprintf(err, NET_ERR_LEN, "open(%.200s): %s", l->cfg.send_file, strerror(-rc));
            return rc;
        }
        if (!S_ISREG(sb.st_mode)) {
            snprintf(err, NET_ERR_LEN, "open(%.200s): not a regular file", l->cfg.send_file);
            return -EINVAL;
        }
        l->file_size = (uint64_t)sb.st_size;
        posix_fadvise(l->file_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    } else {
        const char *t = l->cfg.send_text != NULL ? l->cfg.send_text : "Hello, world";
        l->text_len = strlen(t);
        l->text = malloc(l->text_len + 1);
        if (l->text == NULL) {
            snprintf(err, NET_ERR_LEN, "malloc(%zu): Cannot allocate memory", l->text_len + 1);
            return -ENOMEM;
        }
        memcpy(l->text, t, l->text_len + 1);
        lv_account(l, (int64_t)l->text_len + 1);
    }
    const char *host = l->cfg.host;
    int fd = lv_is_v6(host) ? net_socket6(err) : net_socket(err);
    if (fd < 0)
        return fd;
    rc = net_connect(fd, host, l->cfg.port, err);
    if (rc < 0 && rc != -EINPROGRESS) {
        net_close(fd);
        return rc;
    }
    lv_conn *c = lv_conn_add(l, fd);
    if (c == NULL) {
        net_close(fd);
        snprintf(err, NET_ERR_LEN, "connect: Cannot allocate memory");
        return -ENOMEM;
    }
    c->connecting = true;
    c->pub.pending_bytes =
        (uint32_t)(lv_client_left(l) > UINT32_MAX ? UINT32_MAX : lv_client_left(l));
    l->port = l->cfg.port;
    return 0;
}

live *live_new(const live_config *cfg, char *err)
{
    char scratch[NET_ERR_LEN];
    if (err == NULL)
        err = scratch;
    err[0] = '\0';
    live *l = calloc(1, sizeof(*l));
    if (l == NULL) {
        snprintf(err, NET_ERR_LEN, "live_new: Cannot allocate memory");
        return NULL;
    }
    l->cfg = *cfg;
    l->file_fd = -1;
    l->watch_fd = -1;
    l->send_full_outq = -1;
    l->next_idle_us = INT64_MAX;
    l->send_retry_us = LIVE_SEND_RETRY_US;
    l->lfd[0] = l->lfd[1] = -1;
    l->t0_us = lv_now_us();
    lv_account(l, (int64_t)sizeof(*l));
    if (l->cfg.max_conns <= 0)
        l->cfg.max_conns = NET_LIVE_MAX_CONNS_DEFAULT;
    if (l->cfg.max_conns > NET_LIVE_MAX_CONNS_LIMIT)
        l->cfg.max_conns = NET_LIVE_MAX_CONNS_LIMIT;
    if (l->cfg.out_cap_bytes == 0)
        l->cfg.out_cap_bytes = NET_LIVE_OUT_CAP_DEFAULT;
    if (l->cfg.out_cap_bytes < LIVE_ANSWER_LEN)
        l->cfg.out_cap_bytes = LIVE_ANSWER_LEN;
    if (l->cfg.out_cap_bytes > NET_LIVE_OUT_CAP_LIMIT)
        l->cfg.out_cap_bytes = NET_LIVE_OUT_CAP_LIMIT;
    if (l->cfg.recv_bytes == 0)
        l->cfg.recv_bytes = NET_LIVE_RECV_DEFAULT;
    if (l->cfg.recv_bytes > NET_LIVE_RECV_LIMIT)
        l->cfg.recv_bytes = NET_LIVE_RECV_LIMIT;
    if (l->cfg.quiet_ms <= 0)
        l->cfg.quiet_ms = NET_LIVE_QUIET_MS_DEFAULT;
    if (l->cfg.idle_timeout_ms == 0)
        l->cfg.idle_timeout_ms = NET_LIVE_IDLE_MS_DEFAULT;
    if (l->cfg.sample_ms < 0)
        l->cfg.sample_ms = 0;
    l->rbuf = malloc(l->cfg.recv_bytes);
    if (l->rbuf == NULL) {
        snprintf(err, NET_ERR_LEN, "malloc(%u): Cannot allocate memory", l->cfg.recv_bytes);
        goto fail;
    }
    lv_account(l, l->cfg.recv_bytes);
    l->trail = live_trail_new(NET_LIVE_TRAIL_CAP);
    if (l->trail == NULL) {
        snprintf(err, NET_ERR_LEN, "live_trail_new(%d): Cannot allocate memory",
                 NET_LIVE_TRAIL_CAP);
        goto fail;
    }
    lv_account(l, (int64_t)live_trail_alloc_bytes(l->trail));
    int rc = l->cfg.mode == NET_LIVE_CONNECT ? lv_setup_connect(l, err) : lv_setup_listen(l, err);
    if (rc < 0)
        goto fail;
    l->next_sample_us = l->t0_us;
    return l;
fail:
    live_free(l);
    return NULL;
}

void live_free(live *l)
{
    if (l == NULL)
        return;
    live_sampler_free(l->sampler); /* first: it probes the descriptors closed below */
    for (int i = 0; i < l->nconns; i++) {
        net_close(l->conns[i]->fd);
        free(l->conns[i]->out);
        free(l->conns[i]);
    }
    for (int i = 0; i < l->nlfd; i++)
        net_close(l->lfd[i]);
    if (l->file_fd >= 0)
        close(l->file_fd);
    free(l->conns);
    free(l->pfds);
    free(l->pmap);
    free(l->rbuf);
    free(l->text);
    live_trail_free(l->trail);
    free(l);
}

int live_port(const live *l)
{
    return l != NULL ? l->port : -1;
}

/* What the client's connection waits for: the connect, room to send
 * what is left, and the answers. */
static short lv_client_events(live *l, lv_conn *c)
{
    short ev = 0;
    if (c->connecting || (!l->send_done && lv_client_left(l) > 0))
        ev |= POLLOUT;
    if (!c->connecting)
        ev |= POLLIN;
    return ev;
}

/* The connect completed (or failed): say so. Returns false when it is
 * still under way or failed. */
static bool lv_client_connected(live *l, lv_conn *c)
{
    char err[NET_ERR_LEN];
    int rc = net_connect_result(c->fd, err);
    if (rc == -EINPROGRESS)
        return false;
    if (rc < 0) {
        /* Name the address, as connect() would have. */
        const char *h = l->cfg.host != NULL ? l->cfg.host : "127.0.0.1";
        bool v6 = lv_is_v6(h) && h[0] != '[';
        snprintf(err, sizeof(err), "connect(%s%.100s%s:%u): %s", v6 ? "[" : "", h, v6 ? "]" : "",
                 (unsigned)l->cfg.port, strerror(-rc));
        lv_conn_fail(l, c, rc, err);
        return false;
    }
    c->connecting = false;
    l->st.connections++;
    if (l->sampler != NULL)
        live_sampler_watch(l->sampler, c->pub.id, c->fd);
    net_peer_name(c->fd, c->pub.peer, sizeof(c->pub.peer), NULL);
    live_event ev = {.type = NET_LIVE_EV_CONNECT};
    ev.id = c->pub.id;
    ev.peer = c->pub.peer;
    lv_emit(l, &ev);
    l->quiet_since_us = lv_now_us();
    return true;
}

/* One ready client connection: the connect, the answers, the sending.
 * Returns whether it sent. */
static bool lv_client_io(live *l, lv_conn *c, short re)
{
    if (c->connecting && !lv_client_connected(l, c))
        return false;
    if (re & (POLLIN | POLLERR | POLLHUP))
        lv_client_read(l, c);
    if (!c->closed && (re & (POLLOUT | POLLERR))) {
        lv_client_send(l, c);
        return true;
    }
    return false;
}

/* After a turn: the retry the wait cap is for (a sender the kernel has not
 * woken yet may well have room; sendfile() says EAGAIN if not), and the
 * end once the server went quiet. */
static void lv_client_turn_end(live *l, bool sent)
{
    if (!sent && l->nconns > 0 && !l->conns[0]->closed && !l->conns[0]->connecting &&
        !l->send_done && lv_client_left(l) > 0)
        lv_client_send(l, l->conns[0]);
    lv_reap(l);
    if (l->send_done && l->nconns > 0 &&
        lv_now_us() - l->quiet_since_us >= (int64_t)l->cfg.quiet_ms * 1000)
        lv_conn_close(l, l->conns[0]); /* the server went quiet */
}

/* ---- the loop --------------------------------------------------------- */

void live_sample(live *l)
{
    int64_t t = lv_t_ms(l);
    for (int i = 0; i < l->nconns; i++) {
        lv_conn *c = l->conns[i];
        if (c->closed || c->connecting)
            continue;
        c->pub.probe_valid = net_probe(c->fd, &c->pub.probe, NULL) == 0;
        c->pub.probe_t_ms = t;
    }
    if (l->nlfd > 0)
        l->lprobe_valid = net_probe(l->lfd[0], &l->lprobe, NULL) == 0;
    lv_trail_sampled(l, t);
    live_event ev = {.type = NET_LIVE_EV_SAMPLE};
    lv_emit(l, &ev);
}

static int lv_grow_poll(live *l, int n)
{
    if (n <= l->pcap)
        return 0;
    int cap = l->pcap ? l->pcap : 16;
    while (cap < n)
        cap *= 2;
    struct pollfd *p = realloc(l->pfds, (size_t)cap * sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    l->pfds = p;
    lv_conn **m = realloc(l->pmap, (size_t)cap * sizeof(*m));
    if (m == NULL)
        return -ENOMEM;
    l->pmap = m;
    lv_account(l, (int64_t)(cap - l->pcap) * (int64_t)(sizeof(*p) + sizeof(*m)));
    l->pcap = cap;
    return 0;
}

/* The connection with this id, or NULL; looks near the last one found
 * first (a round lists connections in the order they came). */
static lv_conn *lv_find(live *l, int id)
{
    for (int k = 0; k < l->nconns; k++) {
        int i = (l->find_hint + k) % l->nconns;
        if (l->conns[i]->pub.id == id) {
            l->find_hint = i + 1 < l->nconns ? i + 1 : 0;
            return l->conns[i];
        }
    }
    return NULL;
}

/* Hands the sampler's rounds to the snapshots and reports each as a
 * SAMPLE at the time it was taken. */
static void lv_sample_drain(live *l)
{
    net_sample buf[LIVE_SAMPLE_TAKE];
    size_t k;
    while ((k = live_sampler_take(l->sampler, buf, LIVE_SAMPLE_TAKE)) > 0) {
        for (size_t i = 0; i < k; i++) {
            const net_sample *e = &buf[i];
            if (e->round_end) {
                /* the trail is the loop's: marked here, not on the sampler */
                lv_trail_sampled(l, (e->t_us - l->t0_us) / 1000);
                live_event ev = {.type = NET_LIVE_EV_SAMPLE};
                lv_emit_at(l, &ev, e->t_us);
            } else if (e->id == 0) {
                l->lprobe = e->probe;
                l->lprobe_valid = e->valid;
            } else {
                lv_conn *c = lv_find(l, e->id);
                if (c == NULL || c->closed)
                    continue;
                c->pub.probe = e->probe;
                c->pub.probe_valid = e->valid;
                c->pub.probe_t_ms = (e->t_us - l->t0_us) / 1000;
            }
        }
    }
}

/* Starts the sampling thread at the first poll (not in live_new: a
 * caller may fork in between, and threads do not survive a fork), gives
 * it the sockets open now and takes the first sample here. Where it
 * cannot start the loop samples. */
static void lv_sampler_start(live *l)
{
    l->sampler_tried = true;
    if (l->cfg.sample_ms <= 0)
        return;
    live_sampler *s = live_sampler_new((int64_t)l->cfg.sample_ms * 1000, NULL);
    if (s == NULL)
        return;
    int rc = l->nlfd > 0 ? live_sampler_watch(s, 0, l->lfd[0]) : 0;
    for (int i = 0; i < l->nconns && rc == 0; i++) {
        lv_conn *c = l->conns[i];
        if (!c->closed && !c->connecting)
            rc = live_sampler_watch(s, c->pub.id, c->fd);
    }
    if (rc == 0)
        rc = live_sampler_start(s, NULL);
    if (rc < 0) {
        live_sampler_free(s);
        return;
    }
    l->sampler = s;
    live_sample(l); /* the first sample at once, as the loop took it */
}

/* Takes the sample when it is due and sets the next one; long turns call
 * it between connections, so samples keep their interval under a flood. */
static void lv_sample_tick(live *l)
{
    if (l->cfg.sample_ms <= 0)
        return;
    if (l->sampler != NULL) {
        lv_sample_drain(l);
        return;
    }
    int64_t now = lv_now_us();
    if (now < l->next_sample_us)
        return;
    live_sample(l);
    l->next_sample_us += (int64_t)l->cfg.sample_ms * 1000;
    if (l->next_sample_us <= now)
        l->next_sample_us = now + (int64_t)l->cfg.sample_ms * 1000;
}

void live_watch_fd(live *l, int fd)
{
    l->watch_fd = fd;
}

static void lv_report_listen(live *l)
{
    l->listen_reported = true;
    for (int i = 0; i < l->nlfd; i++) {
        live_event ev = {.type = NET_LIVE_EV_LISTEN};
        ev.peer = l->laddr[i];
        lv_emit(l, &ev);
    }
}

static void lv_finish(live *l)
{
    if (l->sampler != NULL)
        lv_sample_drain(l); /* the last rounds too */
    for (int i = 0; i < l->nconns; i++)
        lv_conn_close(l, l->conns[i]);
    lv_reap(l);
    if (l->sampler != NULL)
        live_sampler_unwatch(l->sampler, 0);
    for (int i = 0; i < l->nlfd; i++)
        net_close(l->lfd[i]);
    l->nlfd = 0;
    l->st.done = true;
}

/* Fills l->pfds with what each socket waits for; returns how many are
 * sockets (the watched output, if any, comes after them) in *nsock and
 * the count of all. */
static int lv_poll_set(live *l, int64_t now, int *nsock)
{
    bool client = l->cfg.mode == NET_LIVE_CONNECT;
    int n = 0;
    bool accepting =
        now >= l->accept_pause_until_us; /* at max_conns too: the longest-idle makes room */
    for (int i = 0; i < l->nlfd; i++) {
        l->pfds[n] = (struct pollfd){.fd = accepting ? l->lfd[i] : -1, .events = POLLIN};
        l->pmap[n++] = NULL;
    }
    for (int i = 0; i < l->nconns; i++) {
        lv_conn *c = l->conns[i];
        short ev = client ? lv_client_events(l, c) : lv_server_events(l, c);
        l->pfds[n] = (struct pollfd){.fd = c->fd, .events = ev};
        l->pmap[n++] = c;
    }
    *nsock = n;
    if (l->watch_fd >= 0) {
        l->pfds[n] = (struct pollfd){.fd = l->watch_fd, .events = POLLOUT};
        l->pmap[n++] = NULL;
    }
    return n;
}

/* How long ppoll() may sleep: never past the next sample, the client's
 * quiet deadline, the end of an accept pause or the next idle timeout. */
static int64_t lv_poll_wait_us(const live *l, int timeout_ms, int64_t now)
{
    bool client = l->cfg.mode == NET_LIVE_CONNECT;
    int64_t wait_us = timeout_ms < 0 ? INT64_MAX : (int64_t)timeout_ms * 1000;
    if (now < l->accept_pause_until_us && l->accept_pause_until_us - now < wait_us)
        wait_us = l->accept_pause_until_us - now;
    if (l->cfg.sample_ms > 0 && l->sampler == NULL && l->next_sample_us - now < wait_us)
        wait_us = l->next_sample_us - now;
    /* The sampler's rounds are reported at least this often. */
    int64_t deliver_us = (int64_t)l->cfg.sample_ms * 1000;
    if (deliver_us < LIVE_SAMPLE_DELIVER_US)
        deliver_us = LIVE_SAMPLE_DELIVER_US;
    if (l->sampler != NULL && deliver_us < wait_us)
        wait_us = deliver_us;
    int64_t quiet_end = l->quiet_since_us + (int64_t)l->cfg.quiet_ms * 1000;
    if (client && l->send_done && quiet_end - now < wait_us)
        wait_us = quiet_end - now;
    if (l->next_idle_us != INT64_MAX && l->next_idle_us - now < wait_us)
        wait_us = l->next_idle_us - now;
    /* While a client is sending, the kernel wakes a writer only once about
     * a third of its send buffer is free; retrying every millisecond keeps
     * the pipe fuller. */
    if (client && !l->send_done && l->nconns > 0 && !l->conns[0]->connecting &&
        wait_us > l->send_retry_us)
        wait_us = l->send_retry_us;
    return wait_us < 0 ? 0 : wait_us;
}

int live_poll(live *l, int timeout_ms)
{
    bool client = l->cfg.mode == NET_LIVE_CONNECT;
    if (l->st.done)
        return 0;
    if (!l->listen_reported)
        lv_report_listen(l);
    if (l->stopping || (client && l->nconns == 0)) {
        lv_finish(l);
        return 0;
    }
    if (lv_grow_poll(l, l->nlfd + l->nconns + 1) < 0)
        return -ENOMEM;
    if (!l->sampler_tried)
        lv_sampler_start(l);
    int64_t now = lv_now_us();
    int nsock;
    int n = lv_poll_set(l, now, &nsock);
    int64_t wait_us = lv_poll_wait_us(l, timeout_ms, now);
    struct timespec ts = {(time_t)(wait_us / 1000000), (long)(wait_us % 1000000) * 1000};
    int ready = ppoll(l->pfds, (nfds_t)n, wait_us == INT64_MAX ? NULL : &ts, NULL);
    if (ready < 0) {
        if (errno == EINTR)
            return 1;
        return -errno;
    }
    bool sent = false;
    for (int i = 0; i < nsock && ready > 0; i++) {
        short re = l->pfds[i].revents;
        if (re == 0)
            continue;
        lv_sample_tick(l);
        lv_conn *c = l->pmap[i];
        if (c == NULL)
            lv_accept(l, l->pfds[i].fd);
        else if (!c->closed && client)
            sent |= lv_client_io(l, c, re);
        else if (!c->closed)
            lv_server_io(l, c, re);
    }
    if (client)
        lv_client_turn_end(l, sent);
    lv_reap(l);
    now = lv_now_us();
    lv_idle_sweep(l, now);
    lv_reap(l);
    lv_sample_tick(l);
    if (client && l->nconns == 0) {
        lv_finish(l);
        return 0;
    }
    return 1;
}

int live_conns(const live *l, live_conn *out, int max)
{
    int k = 0;
    for (int i = 0; i < l->nconns; i++) {
        if (l->conns[i]->closed)
            continue;
        if (k < max)
            out[k] = l->conns[i]->pub;
        k++;
    }
    return k;
}

bool live_listener_probe(const live *l, net_probe_t *out)
{
    if (l->cfg.mode != NET_LIVE_LISTEN || !l->lprobe_valid)
        return false;
    *out = l->lprobe;
    return true;
}

void live_stats_get(const live *l, live_stats *out)
{
    *out = l->st;
    out->unsent_bytes = l->cfg.mode == NET_LIVE_CONNECT ? lv_client_left(l) : 0;
}

void live_stop(live *l)
{
    l->stopping = true;
}

size_t live_bytes_repr(const uint8_t *s, size_t len, size_t max_bytes, char *buf, size_t cap)
{
    return base_repr(buf, cap, s, len < max_bytes ? len : max_bytes, true, cap);
}

int live_trail_of(const live *l, int64_t max_age_ms, live_trail_entry *out, int max)
{
    return live_trail_recent(l->trail, lv_t_ms(l), max_age_ms, out, max);
}

int64_t live_elapsed_ms(const live *l)
{
    return lv_t_ms(l);
}
