/* net_live.h: live mode, real sockets talking to peers outside the program.
 *
 * `sockbuf live --listen` is the article's chat server: any number of
 * clients, each recv(1024) reported and answered with b'Got your message'.
 * `sockbuf live --connect` is the article's client and file sender: it
 * sends TEXT or a FILE's contents, half-closes, and reads the answers until
 * the server closes (or stays quiet for a second).
 *
 * One net_live object is one poll() loop: the caller runs net_live_poll()
 * as often as it likes (the window once a frame, the headless CLI in a
 * loop, the tests beside their own clients) and it never blocks longer
 * than it is told. Everything is non-blocking; a client that never reads,
 * floods or resets never stalls the others: each connection has its own
 * bounded answer buffer, and a connection whose buffer is full is not read
 * from until it drains (backpressure onto that client's own socket).
 *
 * What happens is reported twice: as events through the callback (the
 * headless CLI turns them into JSON Lines) and as a snapshot of every
 * connection, net_live_conns(), with the kernel's queues from the last
 * sample, for the window to draw. Nothing here knows of SDL or the model.
 */
#ifndef SOCKBUF_NET_LIVE_H
#define SOCKBUF_NET_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "net.h"
#include "net_trail.h"

enum {
    NET_LIVE_PEER_LEN = 64,                   /* "[ffff:...]:65535" fits */
    NET_LIVE_MAX_CONNS_DEFAULT = 1024,        /* listen: connections at once */
    NET_LIVE_OUT_CAP_DEFAULT = 64 * 1024,     /* answer buffer per connection */
    NET_LIVE_RECV_DEFAULT = 1024,             /* the article's recv(1024) */
    NET_LIVE_QUIET_MS_DEFAULT = 1000,         /* connect: quiet time before done */
    NET_LIVE_IDLE_MS_DEFAULT = 120000,        /* listen: a connection idle this long is closed */
    NET_LIVE_MAX_CONNS_LIMIT = 65536,         /* upper bound accepted in config */
    NET_LIVE_RECV_LIMIT = 4 * 1024 * 1024,    /* upper bound of recv_bytes */
    NET_LIVE_OUT_CAP_LIMIT = 64 * 1024 * 1024, /* upper bound of out_cap_bytes */
    NET_LIVE_TRAIL_CAP = 256                   /* chunks the trail of recent bytes holds */
};

typedef enum {
    NET_LIVE_LISTEN = 0, /* the chat server */
    NET_LIVE_CONNECT,    /* the client / file sender */
} net_live_mode;

typedef enum {
    NET_LIVE_EV_LISTEN = 0, /* listening: peer is the local address */
    NET_LIVE_EV_ACCEPT,     /* a client connected: id, peer */
    NET_LIVE_EV_CONNECT,    /* our connect completed: id, peer */
    NET_LIVE_EV_RECV,       /* bytes read: bytes, data */
    NET_LIVE_EV_SEND,       /* bytes the kernel took: bytes, data (NULL for files) */
    NET_LIVE_EV_CLOSE,      /* a connection closed: bytes_in/out in conn */
    NET_LIVE_EV_ERROR,      /* err, exception, message (id 0: not a connection) */
    NET_LIVE_EV_SAMPLE,     /* the kernel queues were just probed: see net_live_conns */
    NET_LIVE_EV_EVICT,      /* a connection is closed to make room or for idling:
                               id, peer, message ("idle-timeout" or "max-conns"),
                               bytes (ms it was idle); its CLOSE follows */
} net_live_ev_type;

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
    int64_t probe_t_ms;           /* when probe was read, ms since net_live_new */
} net_live_conn;

/* One event. Pointers are valid during the callback only. */
typedef struct {
    net_live_ev_type type;
    int64_t t_ms;        /* ms since net_live_new */
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
} net_live_event;

typedef void (*net_live_event_fn)(const net_live_event *ev, void *user);

typedef struct {
    net_live_mode mode;
    const char *host;           /* NULL: 127.0.0.1; "localhost" also listens on ::1 */
    uint16_t port;              /* listen: 0 for a free port; connect: the server's */
    const char *send_text;      /* connect: bytes to send (NUL-terminated) */
    const char *send_file;      /* connect: a file to send instead (sendfile) */
    int max_conns;              /* listen: at most this many at once (0: 1024) */
    uint32_t out_cap_bytes;     /* per-connection answer buffer bound (0: 64 KiB) */
    uint32_t recv_bytes;        /* bytes asked of each recv() (0: 1024) */
    int sample_ms;              /* probe every connection this often; 0: never */
    int quiet_ms;               /* connect: done after this long without answers
                                   once everything is sent (0: 1000) */
    int idle_timeout_ms;        /* listen: close a connection that moved no byte
                                   this long (0: 120000; negative: never). At
                                   max_conns, a new client makes room by closing
                                   the longest-idle connection. */
    net_live_event_fn on_event; /* may be NULL */
    void *user;                 /* passed to on_event */
} net_live_config;

/* Totals since net_live_new. */
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
} net_live_stats;

typedef struct net_live net_live;

/* A config with the defaults filled in (listen on 127.0.0.1:8080). */
net_live_config net_live_config_default(void);

/* Listens, or starts connecting and opens the file to send. Returns the
 * object or NULL with a message in err (NET_ERR_LEN bytes), e.g.
 * "bind(127.0.0.1:8080): Address already in use". cfg is copied; its
 * strings must outlive the object. */
net_live *net_live_new(const net_live_config *cfg, char *err);

/* Frees everything and closes every socket. Accepts NULL. */
void net_live_free(net_live *l);

/* The port listened on (listen mode) or connected to, or -1. */
int net_live_port(const net_live *l);

/* One iteration of the loop: waits at most timeout_ms (0: not at all) for
 * any socket to become ready, serves every ready one, reports the samples
 * taken since the last call, and reports events. With sample_ms > 0 the
 * first call starts a thread that probes every sample_ms on its own clock
 * (net_sampler.h): fork before the first call, not after; its samples are
 * reported at least every max(sample_ms, 10 ms), each with the time it was
 * read. Where the thread cannot start the loop probes when a sample is
 * due. Returns 1 while running,
 * 0 when a connect-mode run is finished, or a negative errno when poll()
 * itself fails. An interrupting signal makes it return 1 early. It also
 * returns early when a sample is due and, while a client is sending, after
 * 1 ms (the kernel wakes a writer late; retrying keeps the pipe full). The
 * window can call it once a frame with timeout 0 and sample_ms 10..16. */
int net_live_poll(net_live *l, int timeout_ms);

/* Probes every connection now (also done by net_live_poll every
 * sample_ms) and reports a NET_LIVE_EV_SAMPLE. */
void net_live_sample(net_live *l);

/* Also waits for POLLOUT on fd (-1: none) in the next net_live_poll()
 * calls, which return early once it is writable: the headless CLI's
 * output queue is written from the loop this way, never blocking it. */
void net_live_watch_fd(net_live *l, int fd);

/* Copies up to max open connections (oldest first) into out and returns
 * how many are open (which may be more than max). */
int net_live_conns(const net_live *l, net_live_conn *out, int max);

/* The listener's kernel view (state LISTEN, accept queue), from the last
 * sample. Returns false in connect mode. */
bool net_live_listener_probe(const net_live *l, net_probe_t *out);

void net_live_stats_get(const net_live *l, net_live_stats *out);

/* Asks to stop: connect mode closes its connection and net_live_poll
 * returns 0; listen mode closes everything. */
void net_live_stop(net_live *l);

/* `sockbuf live ...` headless. argv[0] is "live". Options:
 *   --listen [HOST:]PORT | --connect HOST:PORT
 *   --send TEXT | --send-file FILE   (connect; default "Hello, world")
 *   --headless                       (accepted; this is always headless)
 *   --max-seconds N                  stop after N seconds
 *   --sample-ms N                    sample interval (default 100)
 *   --recv-size N                    bytes per recv (default 1024)
 *   --max-conns N                    listen: connections at once (1024); at the
 *                                    limit the longest-idle one makes room
 *   --idle-timeout SECONDS           listen: close idle connections (120; 0 never)
 * Prints JSON Lines on out through a bounded queue written without
 * blocking (a reader that stops reading never stalls the loop; when the
 * queue is full `sample` lines are dropped first, and the `summary` counts
 * every dropped line); a `summary` line ends every run. Raises the soft
 * limit on open files to the hard one. Runs until SIGINT/SIGTERM (exit 0,
 * within a second whatever the output does), --max-seconds, or for
 * --connect until done (0; 1 if the connection failed or --max-seconds
 * ended it before everything was sent). A usage error
 * prints a message on errout and returns 2; a setup error (bind, connect,
 * file) prints one and returns 1. */
int net_live_cli(int argc, char **argv, FILE *out, FILE *errout);

/* Every option of `sockbuf live`, parsed once for the headless run and the
 * window alike (the window's own options are checked here too, and only
 * the window uses them). */
typedef struct {
    net_live_config cfg;    /* mode, address, what to send, sample_ms, limits */
    char host[256];         /* storage cfg.host points into */
    double max_seconds;     /* stop after this long; 0: run until stopped */
    bool headless;          /* --headless: JSON Lines even with a display */
    bool sample_ms_given;   /* --sample-ms was given (the window's default is 50) */
    const char *lang;       /* window: "en" or "ja" */
    int width, height;      /* window: size in pixels (1280x720) */
    const char *screenshot; /* window: save the last frame here (NULL: no) */
} net_live_opts;

/* Parses argv (argv[0] is "live") into o, whose strings point into argv.
 * Returns 0, 1 when --help was printed on out (exit 0), or 2 after a
 * usage message on errout naming the bad option or value. */
int net_live_cli_parse(int argc, char **argv, net_live_opts *o, FILE *out, FILE *errout);

/* Runs headless live mode with parsed options (as net_live_cli does after
 * parsing). Returns the exit status (0, or 1 on a setup error). */
int net_live_cli_run(const net_live_opts *o, FILE *out, FILE *errout);

/* Writes s (len bytes) as a Python bytes repr, "b'Hello, world'", into buf
 * (cap bytes, always NUL-terminated), at most max_bytes of s; returns the
 * length written. For previews in events and windows. */
size_t net_live_bytes_repr(const uint8_t *s, size_t len, size_t max_bytes, char *buf, size_t cap);

/* The trail of recent bytes: the chunks send() and recv() really moved on
 * every connection (net_trail_entry: its first bytes, and when samples
 * saw it leave the send queue and ACKed), recorded at most max_age_ms ago
 * (all held when negative), oldest first, at most max (the newest). The
 * ring holds NET_LIVE_TRAIL_CAP chunks whatever the run's length. Returns
 * how many were copied into out. */
int net_live_trail(const net_live *l, int64_t max_age_ms, net_trail_entry *out, int max);

/* Milliseconds since net_live_new: the clock of events, samples and the
 * trail (net_trail_entry.t_ms). */
int64_t net_live_elapsed_ms(const net_live *l);

#endif
