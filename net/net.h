/* net.h: real TCP sockets on loopback and the kernel's own counters.
 *
 * The lesson runner's real half runs each statement on these sockets and
 * reads the kernel's queues after each step, so the window can show the
 * kernel's numbers beside the model's. Every socket is non-blocking and
 * close-on-exec; blocking is emulated by the caller (the runner retries
 * when poll() says the socket is ready), so the process never blocks.
 * EINTR is retried here. SIGPIPE never fires (MSG_NOSIGNAL).
 *
 * Addresses: 127.0.0.1 unless the caller asks for another host. Port 0
 * asks the kernel for a free port (tests and lessons run in parallel).
 *
 * Errors: functions return 0 (or a count / fd) on success and a negative
 * errno on failure; when err is not NULL a message naming the call and its
 * arguments is written there, as "setsockopt(SO_RCVBUF=4096): Invalid
 * argument". Nothing here knows of the model or of SDL.
 */
#ifndef SOCKBUF_NET_H
#define SOCKBUF_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum { NET_ERR_LEN = 256 };

/* Socket options, independent of the platform's numbers. */
typedef enum {
    NET_SO_SNDBUF = 1,
    NET_SO_RCVBUF,
    NET_TCP_NODELAY,
    NET_TCP_CORK,
    NET_SO_REUSEADDR,
    NET_SO_RCVLOWAT, /* bytes a blocking recv() and poll() wait for */
} net_opt;

/* Flags for net_send(). */
enum { NET_MSG_MORE = 1 };

/* How net_shutdown() closes (SHUT_RD, SHUT_WR, SHUT_RDWR). */
typedef enum { NET_SHUT_RD = 0, NET_SHUT_WR = 1, NET_SHUT_RDWR = 2 } net_how;

/* The kernel's view of one socket, read by net_probe(). */
typedef struct {
    char state[16];            /* "ESTABLISHED", "LISTEN", ... from TCP_INFO */
    int tcpi_state;            /* TCP_INFO tcpi_state, Linux's number (TCP_ESTABLISHED = 1) */
    uint32_t send_queue_bytes; /* SIOCOUTQ: unsent + unacknowledged */
    uint32_t unsent_bytes;     /* SIOCOUTQNSD: not yet sent */
    uint32_t in_flight_bytes;  /* send_queue - unsent */
    uint32_t recv_queue_bytes; /* SIOCINQ: received, not yet read */
    uint32_t sndbuf_bytes;     /* getsockopt(SO_SNDBUF) */
    uint32_t rcvbuf_bytes;     /* getsockopt(SO_RCVBUF) */
    uint32_t rtt_us;           /* TCP_INFO tcpi_rtt */
    uint32_t snd_cwnd;         /* TCP_INFO tcpi_snd_cwnd, segments */
    uint32_t unacked;          /* TCP_INFO tcpi_unacked, segments */
    uint32_t notsent_bytes;    /* TCP_INFO tcpi_notsent_bytes */
    uint32_t rcv_space_bytes;  /* TCP_INFO tcpi_rcv_space */
    uint32_t snd_wnd_bytes;    /* TCP_INFO tcpi_snd_wnd where the kernel has it, else 0 */
    bool snd_wnd_known;        /* the kernel's tcp_info has tcpi_snd_wnd (Linux 5.4+) */
    uint32_t accept_queue;     /* listener: connections waiting (tcpi_unacked) */
} net_probe_t;

/* A new non-blocking, close-on-exec TCP socket. Returns fd >= 0 or a
 * negative errno. */
int net_socket(char *err);

/* The same for IPv6 (AF_INET6): live mode also listens on ::1 when asked
 * for "localhost", where Python's clients may try ::1 first. net_bind()
 * and net_connect() take the socket's family into account ("localhost"
 * and NULL are ::1 there; numeric addresses may be written "[::1]"). */
int net_socket6(char *err);

/* Binds host:port (host NULL: 127.0.0.1; port 0: any free one) with
 * SO_REUSEADDR. Returns 0 or a negative errno. */
int net_bind(int fd, const char *host, uint16_t port, char *err);

/* The same bind with the socket's SO_REUSEADDR as it is (off unless set),
 * as a Python program's bind(): a port another socket holds, a TIME_WAIT
 * connection's included, is -EADDRINUSE. Returns 0 or a negative errno. */
int net_bind_as_is(int fd, const char *host, uint16_t port, char *err);

/* The local port a socket is bound to, or a negative errno. */
int net_local_port(int fd, char *err);

/* The peer's port of a connected socket, or a negative errno. */
int net_peer_port(int fd, char *err);

/* The peer's / local address as "127.0.0.1:53422" or "[::1]:53422" into
 * buf (cap bytes, 64 is always enough). Returns 0 or a negative errno
 * (-ENOTCONN for net_peer_name on an unconnected socket). */
int net_peer_name(int fd, char *buf, size_t cap, char *err);
int net_local_name(int fd, char *buf, size_t cap, char *err);

int net_listen(int fd, int backlog, char *err);

/* Starts a non-blocking connect to host:port (NULL host: 127.0.0.1).
 * Returns 0 when connected at once, -EINPROGRESS while it completes (poll
 * for writable, then net_connect_result()), or another negative errno. */
int net_connect(int fd, const char *host, uint16_t port, char *err);

/* After a pending connect became writable: 0, or the negative errno it
 * failed with (-ECONNREFUSED...). */
int net_connect_result(int fd, char *err);

/* Accepts one connection: a new non-blocking close-on-exec fd, or -EAGAIN
 * when none is waiting, or another negative errno. */
int net_accept(int fd, char *err);

/* send()/recv(): a count, 0 for end of stream (recv), or a negative errno
 * (-EAGAIN when it would block, -EPIPE, -ECONNRESET...). flags:
 * NET_MSG_MORE. */
long net_send(int fd, const uint8_t *data, size_t len, int flags, char *err);
long net_recv(int fd, uint8_t *buf, size_t cap, char *err);
/* recv(MSG_PEEK): as net_recv(), the bytes left in the receive queue. */
long net_peek(int fd, uint8_t *buf, size_t cap, char *err);

int net_setsockopt(int fd, net_opt opt, int value, char *err);
int net_getsockopt(int fd, net_opt opt, int *value, char *err);
int net_shutdown(int fd, net_how how, char *err);

/* Closes fd (EINTR is not retried for close, as POSIX advises). Accepts -1. */
void net_close(int fd);

/* Sends len bytes of buf as one message on sock, with fd (>= 0) passed as
 * SCM_RIGHTS (-1: none; fd stays the caller's). MSG_NOSIGNAL; retries
 * EINTR. Async-signal-safe: a forked child may call it. Returns the bytes
 * sent, or a negative errno. (The wire helper's replies, trace's channel.) */
ssize_t net_send_fd(int sock, const void *buf, size_t len, int fd);

/* Receives one message of at most len bytes on sock into buf, with
 * recvmsg's flags (MSG_CMSG_CLOEXEC is added). A descriptor passed with
 * it (SCM_RIGHTS) goes to *fd, which the caller then owns (-1: none
 * came); with fd NULL it is closed. Retries EINTR. Returns the bytes
 * received (0: the peer is gone), or a negative errno. */
ssize_t net_recv_fd(int sock, void *buf, size_t len, int flags, int *fd);

/* Waits up to timeout_ms for fd to become readable (want_write false) or
 * writable. Returns 1 ready, 0 timeout, or a negative errno. */
int net_wait(int fd, bool want_write, int timeout_ms);

/* Reads the kernel's counters for fd into *out. Cheap: a few ioctls and
 * getsockopts, fine at 1 kHz. Returns 0 or a negative errno. */
int net_probe(int fd, net_probe_t *out, char *err);

/* The Python exception a negative errno raises: -ECONNRESET gives
 * "ConnectionResetError", -EPIPE "BrokenPipeError", -EAGAIN
 * "BlockingIOError", -ECONNREFUSED "ConnectionRefusedError", -ETIMEDOUT
 * "TimeoutError", -EBADF/-ENOTCONN/-EINVAL "OSError"... Never NULL. */
const char *net_exception_name(int neg_errno);

#endif
