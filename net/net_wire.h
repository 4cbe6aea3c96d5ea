/* net_wire.h: an emulated link for the real mode, with the lesson's
 * latency, rate and MSS, whose TCP segments are logged.
 *
 * net_wire_start() forks a helper process that makes two network
 * namespaces of its own (A for the client, B for the server), each with a
 * TUN device on a private /30 (10.80.0.1 and 10.80.0.2), and forwards the
 * IP packets between the two devices: one FIFO per direction, serialized
 * at the link's rate, delivered after its one-way latency, dropped at the
 * tail when the queue is full. On request it makes a TCP socket inside A
 * or B and passes it back over a SOCK_SEQPACKET socketpair (SCM_RIGHTS),
 * so the calling process never leaves its own namespaces. Every TCP
 * segment it forwards is logged (times, direction, ports, seq, ack,
 * length, window, flags) and streamed back on a second socketpair.
 *
 * Privileges: as root the helper calls unshare(CLONE_NEWNET); otherwise
 * unshare(CLONE_NEWUSER|CLONE_NEWNET) with "deny" in setgroups and the
 * caller's uid and gid mapped onto themselves, which needs user
 * namespaces and a TUN node the user can open (mode 0666).
 *
 * Call net_wire_start() before any thread exists (before SDL_Init): the
 * child of a fork in a threaded process may only call async-signal-safe
 * functions, and the helper allocates. The helper dies with its parent
 * (PR_SET_PDEATHSIG) and when its socketpairs close; its namespaces go
 * with it. The setup is probed step by step; on any failure the helper
 * exits and nothing is left behind.
 *
 * Called by the lesson runner's real mode (lessons/lesson_backend_real.c),
 * its tests and bench/bench_wire.c. Knows nothing of the model or SDL.
 */
#ifndef SOCKBUF_NET_WIRE_H
#define SOCKBUF_NET_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct net_wire net_wire;

/* Which namespace a socket is made in. */
typedef enum { NET_WIRE_CLIENT = 0, NET_WIRE_SERVER = 1 } net_wire_side;

/* The link's parameters. */
typedef struct {
    uint64_t latency_us; /* one-way latency */
    uint64_t rate_bps;   /* serialization rate, bits per second; 0: infinite */
    uint32_t mss_bytes;  /* tcpi_snd_mss the sockets get (MTU = mss + 52) */
} net_wire_link;

/* TCP flags as on the wire. */
enum {
    NET_WIRE_FIN = 0x01,
    NET_WIRE_SYN = 0x02,
    NET_WIRE_RST = 0x04,
    NET_WIRE_PSH = 0x08,
    NET_WIRE_ACK = 0x10,
};

/* One TCP segment the helper forwarded (or dropped). */
typedef struct {
    uint64_t sent_us;      /* CLOCK_MONOTONIC, us: read from the sender's TUN */
    uint64_t arrive_us;    /* CLOCK_MONOTONIC, us: written to the receiver's TUN */
    uint32_t seq;          /* sequence number, raw */
    uint32_t ack;          /* acknowledgement number, raw */
    uint32_t len_bytes;    /* payload bytes */
    uint32_t window_bytes; /* advertised window, scaled when both SYNs offered scaling */
    uint16_t src_port;     /* sender's port */
    uint16_t dst_port;     /* receiver's port */
    uint8_t dir;           /* 0: client (A) to server (B); 1: back */
    uint8_t flags;         /* NET_WIRE_FIN | ... */
    uint8_t dropped;       /* 1: the queue was full, never delivered */
    uint8_t pad;
} net_wire_segment;

enum { NET_WIRE_MSG_LEN = 512 };

/* Forks the helper and waits (up to 5 s) until both namespaces and TUN
 * devices are up. tun_path: the TUN node (NULL: $SOCKBUF_TUN, else
 * /dev/net/tun). Returns 0 with *out, or a negative errno with *out NULL
 * and msg (NET_WIRE_MSG_LEN bytes, may be NULL) naming the step that
 * failed and its error, as "open /dev/net/tun: Permission denied", then
 * "; fix: ..." for the known causes. */
int net_wire_start(net_wire **out, const char *tun_path, char *msg);

/* net_wire_start(), calling meanwhile(arg) (may be NULL) in this process
 * once the helper is forked, while it sets its namespaces up, before
 * waiting for it: the window loads its module then, and its first frame
 * comes sooner. meanwhile is called exactly once, also when the fork
 * failed. */
int net_wire_start_then(net_wire **out, const char *tun_path, void (*meanwhile)(void *), void *arg,
                        char *msg);

/* Ends the helper (its namespaces go with it) and frees. Accepts NULL. */
void net_wire_free(net_wire *w);

/* Sets the link's parameters (the MTU of both devices from mss_bytes).
 * Sockets made before keep their MSS. Returns 0 or a negative errno. */
int net_wire_configure(net_wire *w, const net_wire_link *link, char *msg);

/* A new non-blocking close-on-exec TCP socket inside side's namespace:
 * fd >= 0 (the caller owns it) or a negative errno. Bind it to
 * net_wire_addr(side). */
int net_wire_socket(net_wire *w, net_wire_side side, char *msg);

/* "10.80.0.1" (client) or "10.80.0.2" (server). Static storage. */
const char *net_wire_addr(net_wire_side side);

/* Reads what the helper has logged since the last call into the log.
 * Never blocks. Returns the number of new segments or a negative errno
 * (-EPIPE: the helper is gone). */
int net_wire_poll(net_wire *w);

/* The whole log so far (*count entries), oldest first; valid until the
 * next net_wire_poll(). Positions are stable: a caller remembers the
 * count it has seen and reads on from there. */
const net_wire_segment *net_wire_log(const net_wire *w, size_t *count);

/* Segments the helper could not stream (the reader was too slow). */
uint64_t net_wire_lost(const net_wire *w);

/* Packets waiting in the helper's queues as last reported: 0 when the
 * wire is idle. */
uint32_t net_wire_queued(const net_wire *w);

/* A barrier: the helper reads its devices dry, so every packet the
 * kernels sent before this call is counted, and answers how many packets
 * it holds (*queued). "Last reported" (net_wire_queued) can be older
 * than a packet a statement sent just now. Blocks for one round trip to
 * the helper. Returns 0 or a negative errno (msg says why). */
int net_wire_sync(net_wire *w, uint32_t *queued, char *msg);

/* Descriptors of the helper's user namespace (*userns_fd: -1 when the
 * helper runs as root and made none) and of side's network namespace,
 * both close-on-exec and owned by the caller, so that a process forked
 * later can enter side's network with net_wire_join() and run a program
 * there (sockbuf trace). Returns 0, or a negative errno (msg says why)
 * with both set to -1. */
int net_wire_ns_fds(net_wire *w, net_wire_side side, int *userns_fd, int *netns_fd, char *msg);

/* In a single-threaded process (the child of a fork): enters the user
 * namespace (when userns_fd >= 0: the same uid, mapped onto itself) and
 * then the network namespace. Returns 0 or a negative errno (setns's). */
int net_wire_join(int userns_fd, int netns_fd);

/* How the helper has kept time since the last reset (bench_net_wire). */
typedef struct {
    uint64_t packets;        /* packets delivered */
    uint64_t dropped;        /* packets dropped at the tail */
    uint32_t late_p50_us;    /* delivery later than planned: median, us */
    uint32_t late_p99_us;    /* 99th percentile, us (capped at 100000) */
    uint32_t late_max_us;    /* worst, us (capped at 100000) */
    uint64_t cpu_ns;         /* the helper's CPU time, ns (schedstat) */
} net_wire_stats;

/* Reads the helper's counters into *out and, when reset, starts them
 * again. Returns 0 or a negative errno. */
int net_wire_stats_read(net_wire *w, net_wire_stats *out, bool reset, char *msg);

/* CLOCK_MONOTONIC in microseconds, the log's clock. */
uint64_t net_wire_now_us(void);

/* The helper's process id (tests). */
int net_wire_pid(const net_wire *w);

#endif
