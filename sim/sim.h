/* sim.h: a deterministic model of TCP sockets on one host pair.
 *
 * The model is what the window animates and what CI trusts. It knows two
 * sides (client, server), their sockets, and the connections between them:
 * per direction a kernel send queue (unsent | in flight), the wire with a
 * one-way latency and a serialization rate, ACKs flowing back, and a kernel
 * receive queue with its advertised window. It is pure: no I/O, no clock,
 * no global state. Time only moves when the caller advances it, and the
 * same inputs (parameters, seed, calls) give the same states and events.
 *
 * Called by lessons/ (the sim half of the lesson runner), by tests and by
 * the benchmark. Sockets are small integer handles, like file descriptors.
 *
 *   one direction of a connection (the other mirrors it):
 *
 *   app --send()--> +--------- send queue (<= sndbuf) ---------+
 *                   | unsent          | in flight (unacked)    |
 *                   +-----------------+------------------------+
 *                                           |  segments (<= mss)
 *                                           v  latency + len/rate
 *                   ~~~~~~~~~~~~~~~~~~~ wire ~~~~~~~~~~~~~~~~~~~
 *                                           |
 *                   +------ receive queue (<= rcvbuf) ---------+
 *   app <--recv()-- | received, not yet read                    |
 *                   +------------------------------------------+
 *                     ACKs + advertised window flow back on the wire
 *
 * Errors are negative errno values (-EAGAIN, -EPIPE, -ECONNRESET,
 * -ECONNREFUSED, -ENOTCONN, -EINVAL, -EBADF, -ENOMEM...), as the kernel
 * would give them to a non-blocking socket. The caller (the runner) turns
 * -EAGAIN on a blocking socket into a blocked statement and retries.
 *
 * Where Linux on loopback differs in ways no lesson needs (buffer
 * autotuning, per-packet overhead counted against rcvbuf, congestion
 * control), the model stays simple and says so in sim.c.
 */
#ifndef SOCKBUF_SIM_H
#define SOCKBUF_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base_names.h"

/* The two sides of a lesson. */
typedef enum { SIM_CLIENT = 0, SIM_SERVER = 1 } sim_side;

/* Parameters of the model; sim_params_default() gives SPEC.md's defaults. */
typedef struct {
    uint64_t latency_us;     /* one-way wire latency */
    uint64_t rate_bps;       /* wire rate, bits per second; 0 = infinite */
    uint32_t mss_bytes;      /* maximum segment size */
    uint64_t delayed_ack_us; /* delayed-ACK timer; 0 = ACK every segment */
    uint32_t sndbuf_bytes;   /* initial SO_SNDBUF as getsockopt reports it */
    uint32_t rcvbuf_bytes;   /* initial SO_RCVBUF as getsockopt reports it */
    uint32_t wmem_max_bytes; /* net.core.wmem_max (setsockopt clamp) */
    uint32_t rmem_max_bytes; /* net.core.rmem_max (setsockopt clamp) */
} sim_params;

/* latency=5ms rate=10Mbit mss=1460 delayed_ack=40ms sndbuf=16384
 * rcvbuf=131072 wmem_max=rmem_max=212992. */
sim_params sim_params_default(void);

/* TCP states as the lessons name them (SPEC.md section 3): base_names.h's
 * table, same values (SIM_ESTABLISHED == BASE_TCP_ESTABLISHED). */
typedef enum {
#define SIM_X(id, linux_nr, linux_also, conn) SIM_##id = BASE_TCP_##id,
    BASE_TCP_STATES(SIM_X)
#undef SIM_X
} sim_state;


/* Socket options the lessons use (values are the model's own ids). */
typedef enum {
    SIM_SO_SNDBUF = 1,
    SIM_SO_RCVBUF,
    SIM_TCP_NODELAY,
    SIM_TCP_CORK,
    SIM_SO_REUSEADDR, /* a bind may share a port with sockets that are not listening */
    SIM_SO_RCVLOWAT,  /* poll() reads as readable from this many queued bytes (Linux:
                         at least 1, at most half SO_RCVBUF once set, else half
                         tcp_rmem[2]'s default 6291456) */
} sim_opt;

/* Flags for sim_send(). SIM_MSG_MORE is send()'s MSG_MORE. SIM_MSG_CONTINUE
 * is the model's own: the bytes continue the previous call's write and keep
 * its origin (colour), as the later chunks of one sendall() should.
 * SIM_MSG_BORROW, the model's own too: the caller promises the bytes stay
 * where they are, unchanged, until the world is freed, so the model keeps a
 * reference (the write's memory plus an offset) instead of copying them
 * into the send queue. States and events are the same either way. */
enum { SIM_MSG_MORE = 1, SIM_MSG_CONTINUE = 2, SIM_MSG_BORROW = 4 };

/* How sim_shutdown() closes. */
typedef enum { SIM_SHUT_RD = 0, SIM_SHUT_WR = 1, SIM_SHUT_RDWR = 2 } sim_how;

/* What happened, for the animation and the transcript: base_names.h's
 * table of event kinds (what each means is written there), same values
 * (SIM_EV_WRITE == BASE_EV_WRITE == 1). */
typedef enum {
#define SIM_X(id, leaves, arrives, chip) SIM_EV_##id = BASE_EV_##id,
    BASE_EVENT_KINDS(SIM_X)
#undef SIM_X
} sim_event_kind;

/* One entry of the event log. Events come in time order.
 *
 * sock/peer: for what leaves (WRITE, SEGMENT, ACK, WINDOW, PROBE, SYN,
 * FIN, RST) sock is the sender and peer the receiver (-1 for a SYN, whose
 * listener is looked up on arrival; sock is -1 for an RST answering a SYN
 * to a closed port). For what arrives (DELIVER, ACK_ARRIVE, FIN_ARRIVE,
 * RST_ARRIVE) sock is the socket it arrives at and peer the sender. READ
 * and STATE: the socket itself. ACCEPT: sock is the listener, peer the new
 * handle. TIMER: the socket whose timer fired.
 * seq: data events give the stream offset of their first byte (offsets
 * count from 0 in each direction); ACK, ACK_ARRIVE and WINDOW give the
 * acknowledged offset (bytes received in order); FIN its offset (the
 * stream's length). */
typedef struct {
    uint64_t time_us;    /* virtual time the event happened */
    uint64_t arrive_us;  /* for events that travel: when they arrive */
    sim_event_kind kind; /* what happened */
    int sock;            /* socket it happened on (the sender for wire) */
    sim_side side;       /* sock's side; for an RST with sock -1, the side
                            that sends it: every event's direction is known */
    int peer;            /* the other end, or -1 */
    uint32_t bytes;      /* payload bytes moved, 0 if none */
    uint64_t seq;        /* first payload byte's stream offset */
    uint32_t window;     /* advertised window, for ACK/WINDOW/PROBE */
    uint32_t origin;     /* which write the first byte came from (1-based) */
    sim_state state;     /* new state, for SIM_EV_STATE */
    const char *why;     /* static text: "nagle", "delayed-ack", "persist" */
} sim_event;

/* A run of bytes in a queue that came from one write: the window colours
 * each write differently. A byte's offset within its write is its stream
 * offset minus the seq of that write's first SIM_EV_WRITE event. */
typedef struct {
    uint32_t origin; /* the write it came from (1-based, per socket) */
    uint32_t bytes;  /* how many bytes of that write are in the run */
} sim_run;

/* Which queue sim_runs() describes. */
typedef enum { SIM_Q_UNSENT = 0, SIM_Q_IN_FLIGHT, SIM_Q_RECV } sim_queue;

/* A socket's counters, as the lesson expectations read them. */
typedef struct {
    sim_state state;            /* TCP state */
    bool listening;             /* true for a listening socket */
    uint32_t send_queue_bytes;  /* unsent + in flight (SIOCOUTQ) */
    uint32_t unsent_bytes;      /* not yet sent (SIOCOUTQNSD) */
    uint32_t in_flight_bytes;   /* sent, not yet acknowledged */
    uint32_t recv_queue_bytes;  /* received, not yet read (SIOCINQ) */
    uint32_t sndbuf_bytes;      /* getsockopt(SO_SNDBUF) */
    uint32_t rcvbuf_bytes;      /* getsockopt(SO_RCVBUF) */
    uint32_t peer_window_bytes; /* last window the peer advertised */
    uint32_t accept_queue;      /* completed connections waiting (listener) */
    uint64_t bytes_written;     /* total accepted by send() */
    uint64_t bytes_read;        /* total returned by recv() */
    bool eof;                   /* a FIN arrived and everything before it is read */
    int pending_error;          /* negative errno the next call will see, or 0 */
} sim_snapshot;

typedef struct sim_world sim_world;

/* A new world at time 0 with no sockets. seed drives every choice the
 * model makes (initial sequence numbers), so the same seed gives the same
 * run. Returns NULL when out of memory. Free with sim_world_free(). */
sim_world *sim_world_new(const sim_params *params, uint64_t seed);

/* Frees the world and all its sockets. Accepts NULL. */
void sim_world_free(sim_world *w);

/* Current virtual time in microseconds. */
uint64_t sim_now_us(const sim_world *w);

/* Time of the next scheduled event (segment arrival, timer), or UINT64_MAX
 * when nothing is scheduled. */
uint64_t sim_next_event_us(const sim_world *w);

/* Runs every event scheduled at or before until_us and sets the clock to
 * until_us (UINT64_MAX, as sim_next_event_us() returns when nothing is
 * scheduled, runs everything and leaves the clock at the last event).
 * Returns the number of events processed. */
uint64_t sim_advance_to(sim_world *w, uint64_t until_us);

/* Runs events until nothing more would happen without the applications,
 * timers included, or until limit_us of virtual time has passed (a zero
 * window probed forever). Returns the number of events processed.
 * Precisely: it stops when no packet is on the wire, no delayed ACK is
 * pending, every pending persist timer probes a receiver whose window is
 * still zero and every pending SYN retry would meet a full accept queue
 * (they would change nothing); TIME_WAIT expiries (60 s
 * later) are left pending too, so TIME_WAIT stays visible. The clock is
 * left at the last event run; sim_advance_to() still runs the remaining
 * timers when asked. */
uint64_t sim_settle(sim_world *w, uint64_t limit_us);

/* A new TCP socket on a side. Returns a handle >= 0 or -ENOMEM. */
int sim_socket(sim_world *w, sim_side side);

/* bind/listen/connect/accept with the kernel's meaning. Ports are the
 * lesson's numbers (8080); only the server side is connectable, but both
 * sides share one host's ports, as CPython's sockets on 127.0.0.1 do:
 * sim_bind() is -EADDRINUSE while another socket holds the port (held by
 * the application, or a connection the kernel still keeps, TIME_WAIT
 * included) unless both set SO_REUSEADDR and the other does not listen;
 * sim_listen() is -EADDRINUSE while another socket listens on it.
 * sim_connect() starts the handshake and returns -EINPROGRESS; the socket
 * is ESTABLISHED one round trip later (the caller waits for it) or fails
 * with -ECONNREFUSED when nobody listens (snapshot: CLOSED with
 * pending_error set; a second sim_connect() returns it). When more than
 * backlog connections wait, the SYN is dropped and sent again after 1 s,
 * 2 s, 4 s... (-ETIMEDOUT after 6 tries). sim_accept() returns the new
 * handle or -EAGAIN when the accept queue is empty. */
int sim_bind(sim_world *w, int sock, uint16_t port);
int sim_listen(sim_world *w, int sock, int backlog);
int sim_connect(sim_world *w, int sock, uint16_t port);
int sim_accept(sim_world *w, int sock);

/* Capacities (the model's simple rule; see sim.c): the send queue holds at
 * most sndbuf/2 payload bytes and the receive queue at most rcvbuf/2, the
 * other half standing for the kernel's bookkeeping overhead, so
 * setsockopt(SO_SNDBUF, 4096) lets exactly 4096 bytes wait. The advertised
 * window is rcvbuf/2 - recv_queue (0 when that is below min(mss, rcvbuf/4)).
 *
 * Copies up to len bytes into the send queue; returns the count accepted
 * (> 0), or -EAGAIN when the send queue is full, -EPIPE after shutdown or
 * the peer's RST was seen once, -ECONNRESET on the first call after an
 * RST arrived, -ENOTCONN before the connection. flags: SIM_MSG_MORE,
 * SIM_MSG_CONTINUE, SIM_MSG_BORROW (no copy: data must outlive the world,
 * unchanged). The model records where every byte came from (one
 * origin per call, or the previous call's with SIM_MSG_CONTINUE). */
long sim_send(sim_world *w, int sock, const uint8_t *data, size_t len, int flags);

/* Moves up to cap bytes from the receive queue into buf. Returns the
 * count (> 0), 0 at end of stream (FIN read), -EAGAIN when nothing is
 * there yet, -ECONNRESET after an RST. buf may be NULL to discard. */
long sim_recv(sim_world *w, int sock, uint8_t *buf, size_t cap);

/* recv(MSG_PEEK): as sim_recv(), but the bytes stay in the receive queue
 * (no window update, no event). An error it reports is consumed, as
 * Linux's sock_error() does under MSG_PEEK too. */
long sim_peek(sim_world *w, int sock, uint8_t *buf, size_t cap);

/* setsockopt/getsockopt with Linux's rules: SO_SNDBUF stores 2*v clamped
 * to [4608, 2*wmem_max], SO_RCVBUF 2*v clamped to [2304, 2*rmem_max].
 * Return 0 / the value, or -EINVAL / -EBADF. */
int sim_setsockopt(sim_world *w, int sock, sim_opt opt, int value);
int sim_getsockopt(sim_world *w, int sock, sim_opt opt, int *value);

/* shutdown(how) and close(). close() with unread data sends RST; without,
 * FIN. The handle is invalid after close. Return 0 or -ENOTCONN/-EBADF.
 * shutdown() is -ENOTCONN on a socket never connected or whose
 * connection is finished (CLOSED, TIME_WAIT); on a listener SHUT_WR does
 * nothing and SHUT_RD/SHUT_RDWR stop it as close() does (queued
 * connections reset), keeping its port: sim_listen() starts it again. */
int sim_shutdown(sim_world *w, int sock, sim_how how);
int sim_close(sim_world *w, int sock);

/* What poll() says of a socket now, as Linux's tcp_poll(): SIM_POLL_IN
 * (bytes to read, the peer's FIN read or not, shutdown(SHUT_RD), or a
 * listener with a connection waiting), SIM_POLL_OUT (room in the send
 * queue: free at least half of what waits, as sk_stream_is_writeable();
 * or shut for sending), SIM_POLL_HUP (CLOSED, or shut both ways),
 * SIM_POLL_ERR (an error the next call will see). A connecting socket is
 * none of them. Returns the mask, or -EBADF. */
enum { SIM_POLL_IN = 1, SIM_POLL_OUT = 2, SIM_POLL_HUP = 4, SIM_POLL_ERR = 8 };
int sim_poll(const sim_world *w, int sock);

/* Fills *out with the socket's counters. Returns 0 or -EBADF. */
int sim_snapshot_get(const sim_world *w, int sock, sim_snapshot *out);

/* The peer socket of a connected one, or -1. */
int sim_peer(const sim_world *w, int sock);

/* Writes up to max runs of one queue of a socket into out, oldest bytes
 * first, merging neighbours of the same origin. Returns the number of runs
 * there are (may exceed max), or -EBADF. */
int sim_runs(const sim_world *w, int sock, sim_queue q, sim_run *out, int max);

/* The event log since the world began (or the last sim_events_clear()).
 * The pointer stays valid until the next call that changes the world. */
const sim_event *sim_events(const sim_world *w, size_t *count);
void sim_events_clear(sim_world *w);

/* Logging every event costs memory: the benchmark turns it off. */
void sim_events_enable(sim_world *w, bool on);

/* Debug builds check every queue after every event (bytes conserved,
 * capacities kept, sequence numbers growing) and abort with a message when
 * one breaks. Callable in any build; returns 0 or -1 with a message in err. */
int sim_verify(const sim_world *w, char *err, size_t errlen);

#endif
