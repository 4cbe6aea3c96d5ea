/* live.h: live mode, real sockets talking to peers outside the program.
 *
 * `sockbuf live --listen` is the article's chat server: any number of
 * clients, each recv(1024) reported and answered with b'Got your message'.
 * `sockbuf live --connect` is the article's client and file sender: it
 * sends TEXT or a FILE's contents, half-closes, and reads the answers until
 * the server closes (or stays quiet for a second).
 *
 * One live object is one poll() loop: the caller runs live_poll()
 * as often as it likes (the window once a frame, the headless CLI in a
 * loop, the tests beside their own clients) and it never blocks longer
 * than it is told. Everything is non-blocking; a client that never reads,
 * floods or resets never stalls the others: each connection has its own
 * bounded answer buffer, and a connection whose buffer is full is not read
 * from until it drains (backpressure onto that client's own socket).
 *
 * What happens is reported twice: as events through the callback (the
 * headless CLI turns them into JSON Lines) and as a snapshot of every
 * connection, live_conns(), with the kernel's queues from the last
 * sample, for the window to draw. Nothing here knows of SDL or the model.
 */
#ifndef SOCKBUF_LIVE_H
#define SOCKBUF_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "live_trail.h"
#include "net.h"

enum {
    NET_LIVE_PEER_LEN = 64,                    /* "[ffff:...]:65535" fits */
    NET_LIVE_MAX_CONNS_DEFAULT = 1024,         /* listen: connections at once */
    NET_LIVE_OUT_CAP_DEFAULT = 64 * 1024,      /* answer buffer per connection */
    NET_LIVE_RECV_DEFAULT = 1024,              /* the article's recv(1024) */
    NET_LIVE_QUIET_MS_DEFAULT = 1000,          /* connect: quiet time before done */
    NET_LIVE_IDLE_MS_DEFAULT = 120000,         /* listen: a connection idle this long is closed */
    NET_LIVE_MAX_CONNS_LIMIT = 65536,          /* upper bound accepted in config */
    NET_LIVE_RECV_LIMIT = 4 * 1024 * 1024,     /* upper bound of recv_bytes */
    NET_LIVE_OUT_CAP_LIMIT = 64 * 1024 * 1024, /* upper bound of out_cap_bytes */
    NET_LIVE_TRAIL_CAP = 256                   /* chunks the trail of recent bytes holds */
};

typedef enum {
    NET_LIVE_LISTEN = 0, /* the chat server */
    NET_LIVE_CONNECT,    /* the client / file sender */
} live_mode;

typedef enum {
    NET_LIVE_EV_LISTEN = 0, /* listening: peer is the local address */
    NET_LIVE_EV_ACCEPT,     /* a client connected: id, peer */
    NET_LIVE_EV_CONNECT,    /* our connect completed: id, peer */
    NET_LIVE_EV_RECV,       /* bytes read: bytes, data */
    NET_LIVE_EV_SEND,       /* bytes the kernel took: bytes, data (NULL for files) */
    NET_LIVE_EV_CLOSE,      /* a connection closed: bytes_in/out in conn */
    NET_LIVE_EV_ERROR,      /* err, exception, message (id 0: not a connection) */
    NET_LIVE_EV_SAMPLE,     /* the kernel queues were just probed: see live_conns */
    NET_LIVE_EV_EVICT,      /* a connection is closed to make room or for idling:
                               id, peer, message ("idle-timeout" or "max-conns"),
                               bytes (ms it was idle); its CLOSE follows */
} live_ev_type;

/* One connection as the window and the tests see it. A value: copying it
 * is the snapshot. */
typedef struct {
    int id;                       /* 1, 2, ... in accept order, never reused */
    char peer[NET_LIVE_PEER_LEN]; /* "127.0.0.1:53422" */
    uint64_t bytes_in;            /* bytes read from the socket */
    uint64_t bytes_out;           /* bytes the kernel accepted from us */
    uint32_t pending_bytes;       /* ours, not yet handed to the kernel: queued
                                     answers (listen), or text/file left (connect) */
    bool reading;                 /* false while backpressure pauses reading */
    bool eof;                     /* the peer half-closed (recv gave 0) */
    bool probe_valid;             /* probe holds a sample */
    net_probe_t probe;            /* the kernel's queues at the last sample */
    int64_t probe_t_ms;           /* when probe was read, ms since live_new */
} live_conn;

/* One event. Pointers are valid during the callback only. */
typedef struct {
    live_ev_type type;
    int64_t t_ms;        /* ms since live_new */
    int64_t t_us;        /* the same in us (a sample: when its probes were read) */
    int id;              /* connection id, 0 for none */
    const char *peer;    /* the peer's address ("" for none) */
    size_t bytes;        /* recv/send: count */
    const uint8_t *data; /* recv/send: the bytes, or NULL */
    uint64_t bytes_in;   /* close: the connection's totals */
    uint64_t bytes_out;
    int err;               /* error: negative errno */
    const char *exception; /* error: Python's exception name */
    const char *message;   /* error: "recv(1024): Connection reset by peer" */
} live_event;

typedef void (*live_event_fn)(const live_event *ev, void *user);

typedef struct {
    live_mode mode;
    const char *host;       /* NULL: 127.0.0.1; "localhost" also listens on ::1 */
    uint16_t port;          /* listen: 0 for a free port; connect: the server's */
    const char *send_text;  /* connect: bytes to send (NUL-terminated) */
    const char *send_file;  /* connect: a file to send instead (sendfile) */
    int max_conns;          /* listen: at most this many at once (0: 1024) */
    uint32_t out_cap_bytes; /* per-connection answer buffer bound (0: 64 KiB) */
    uint32_t recv_bytes;    /* bytes asked of each recv() (0: 1024) */
    int sample_ms;          /* probe every connection this often; 0: never */
    int quiet_ms;           /* connect: done after this long without answers
                               once everything is sent (0: 1000) */
    int idle_timeout_ms;    /* listen: close a connection that moved no byte
                               this long (0: 120000; negative: never). At
                               max_conns, a new client makes room by closing
                               the longest-idle connection. */
    live_event_fn on_event; /* may be NULL */
    void *user;             /* passed to on_event */
} live_config;

/* Totals since live_new. */
typedef struct {
    uint64_t connections;      /* accepted (or connected) in all */
    int open;                  /* connections open now */
    uint64_t bytes_in;         /* read from every connection */
    uint64_t bytes_out;        /* handed to the kernel on every connection */
    uint64_t buffered_bytes;   /* answer bytes queued in our buffers now */
    uint64_t alloc_bytes;      /* bytes of buffers allocated now */
    uint64_t peak_alloc_bytes; /* the most alloc_bytes ever was */
    uint64_t errors;           /* error events */
    uint64_t evictions;        /* connections closed for idling or to make room */
    uint64_t unsent_bytes;     /* connect: text or file bytes not yet sent */
    int last_err;              /* the last error's negative errno, 0 if none */
    bool done;                 /* connect: finished */
} live_stats;

typedef struct live live;

/* A config with the defaults filled in (listen on 127.0.0.1:8080). */
live_config live_config_default(void);

/* Listens, or starts connecting and opens the file to send. Returns the
 * object or NULL with a message in err (NET_ERR_LEN bytes), e.g.
 * "bind(127.0.0.1:8080): Address already in use". cfg is copied; its
 * strings must outlive the object. */
live *live_new(const live_config *cfg, char *err);

/* Frees everything and closes every socket. Accepts NULL. */
void live_free(live *l);

/* The port listened on (listen mode) or connected to, or -1. */
int live_port(const live *l);

/* One iteration of the loop: waits at most timeout_ms (0: not at all) for
 * any socket to become ready, serves every ready one, reports the samples
 * taken since the last call, and reports events. With sample_ms > 0 the
 * first call starts a thread that probes every sample_ms on its own clock
 * (live_sampler.h): fork before the first call, not after; its samples are
 * reported at least every max(sample_ms, 10 ms), each with the time it was
 * read. Where the thread cannot start the loop probes when a sample is
 * due. Returns 1 while running,
 * 0 when a connect-mode run is finished, or a negative errno when poll()
 * itself fails. An interrupting signal makes it return 1 early. It also
 * returns early when a sample is due and, while a client is sending, after
 * 1 ms (the kernel wakes a writer late; retrying keeps the pipe full). The
 * window can call it once a frame with timeout 0 and sample_ms 10..16. */
int live_poll(live *l, int timeout_ms);

/* Probes every connection now (also done by live_poll every
 * sample_ms) and reports a NET_LIVE_EV_SAMPLE. */
void live_sample(live *l);

/* Also waits for POLLOUT on fd (-1: none) in the next live_poll()
 * calls, which return early once it is writable: the headless CLI's
 * output queue is written from the loop this way, never blocking it. */
void live_watch_fd(live *l, int fd);

/* Copies up to max open connections (oldest first) into out and returns
 * how many are open (which may be more than max). */
int live_conns(const live *l, live_conn *out, int max);

/* The listener's kernel view (state LISTEN, accept queue), from the last
 * sample. Returns false in connect mode. */
bool live_listener_probe(const live *l, net_probe_t *out);

void live_stats_get(const live *l, live_stats *out);

/* Asks to stop: connect mode closes its connection and live_poll
 * returns 0; listen mode closes everything. */
void live_stop(live *l);

/* Every option of `sockbuf live`, parsed once for the headless run and the
 * window alike (the window's own options are checked here too, and only
 * the window uses them). */
typedef struct {
    live_config cfg;        /* mode, address, what to send, sample_ms, limits */
    char host[256];         /* storage cfg.host points into */
    double max_seconds;     /* stop after this long; 0: run until stopped */
    bool headless;          /* --headless: JSON Lines even with a display */
    bool sample_ms_given;   /* --sample-ms was given (the window's default is 50) */
    const char *lang;       /* window: "en" or "ja" */
    int width, height;      /* window: size in pixels (1280x720) */
    const char *screenshot; /* window: save the last frame here (NULL: no) */
} live_opts;

/* Writes s (len bytes) as a Python bytes repr, "b'Hello, world'", into buf
 * (cap bytes, always NUL-terminated), at most max_bytes of s; returns the
 * length written. For previews in events and windows. */
size_t live_bytes_repr(const uint8_t *s, size_t len, size_t max_bytes, char *buf, size_t cap);

/* The trail of recent bytes: the chunks send() and recv() really moved on
 * every connection (live_trail_entry: its first bytes, and when samples
 * saw it leave the send queue and ACKed), recorded at most max_age_ms ago
 * (all held when negative), oldest first, at most max (the newest). The
 * ring holds NET_LIVE_TRAIL_CAP chunks whatever the run's length. Returns
 * how many were copied into out. */
int live_trail_of(const live *l, int64_t max_age_ms, live_trail_entry *out, int max);

/* Milliseconds since live_new: the clock of events, samples and the
 * trail (live_trail_entry.t_ms). */
int64_t live_elapsed_ms(const live *l);

#endif
