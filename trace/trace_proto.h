/* trace_proto.h: one message from the preload library to sockbuf trace.
 *
 * The preload library (trace_preload.c, loaded into a traced program by
 * LD_PRELOAD) sends one trace_msg per socket call over a SOCK_SEQPACKET
 * socket it inherited ($SOCKBUF_TRACE_FD): TRACE_BEGIN before the call
 * (the queues as they were), TRACE_END after it (its result and the
 * queues as it left them). In stepped mode ($SOCKBUF_TRACE_STEP=1, where
 * seccomp cannot hold the calls) the library waits, after each
 * TRACE_BEGIN, for one byte back ('g') before it makes the call (where
 * seccomp holds them, close() too, $SOCKBUF_TRACE_STEP is 0). Read by
 * trace.c. Fixed size, native byte order: both ends run on this machine.
 * libc only (the preload library may link nothing else).
 */
#ifndef SOCKBUF_TRACE_PROTO_H
#define SOCKBUF_TRACE_PROTO_H

#include <errno.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

enum { TRACE_PROTO_MAGIC = 0x53425431u }; /* "SBT1" */

/* The preload library's file name (beside the core library). */
#define TRACE_PRELOAD_NAME "libsockbuf-trace-preload.so"

/* The channel's descriptor in a traced program ($SOCKBUF_TRACE_FD). */
enum { TRACE_CHAN_FD = 900 };

/* What a message says. */
enum {
    TRACE_BEGIN = 1, /* a call is about to be made */
    TRACE_END = 2,   /* a call returned */
    TRACE_HELLO = 3,  /* a process (or a fork's child) makes its first socket call: its
                         command line in where */
    TRACE_LOADED = 4, /* the library was loaded into a program (at each exec) */
    TRACE_SECCOMP = 5, /* before exec: the seccomp listener comes with it (SCM_RIGHTS) */
    TRACE_NOSECCOMP = 6, /* before exec: no seccomp (err: why); the library holds calls */
};

/* The calls the library knows; TRACE_C_UNTRACED is a socket call it saw
 * but does not follow (its name in name). */
#define TRACE_CALLS(X)                                                                             \
    X(SOCKET, "socket")                                                                            \
    X(BIND, "bind")                                                                                \
    X(LISTEN, "listen")                                                                            \
    X(ACCEPT, "accept")                                                                            \
    X(CONNECT, "connect")                                                                          \
    X(SEND, "send")                                                                                \
    X(RECV, "recv")                                                                                \
    X(SETSOCKOPT, "setsockopt")                                                                    \
    X(GETSOCKOPT, "getsockopt")                                                                    \
    X(SHUTDOWN, "shutdown")                                                                        \
    X(CLOSE, "close")                                                                              \
    X(UNTRACED, "untraced")

typedef enum {
#define TRACE_X(id, name) TRACE_C_##id,
    TRACE_CALLS(TRACE_X)
#undef TRACE_X
        TRACE_C_COUNT
} trace_call;

enum { TRACE_DATA_MAX = 256, TRACE_WHERE_MAX = 128, TRACE_ADDR_MAX = 48 };

/* The kernel's view of one TCP socket, read in the traced process. */
typedef struct {
    int32_t have;         /* 1: the fields below were read */
    int32_t outq_bytes;   /* SIOCOUTQ: sent but not acknowledged, plus unsent */
    int32_t unsent_bytes; /* SIOCOUTQNSD: not yet sent */
    int32_t inq_bytes;    /* SIOCINQ: received, not yet read (-1: a listener) */
    uint32_t state;       /* tcpi_state (Linux's TCP_ESTABLISHED = 1...) */
    uint32_t snd_wnd;     /* tcpi_snd_wnd: the peer's advertised window, bytes */
    uint32_t rcv_space;   /* tcpi_rcv_space: the receive space it aims for, bytes */
    uint32_t rtt_us;      /* tcpi_rtt, us */
    uint32_t snd_mss;     /* tcpi_snd_mss, bytes */
    uint32_t snd_cwnd;    /* tcpi_snd_cwnd, segments */
} trace_queues;

/* Reads fd's queues into *q (q->have 0 when fd is no TCP socket). gso is
 * getsockopt (the preload library passes libc's own, not its wrapper).
 * errno is kept. */
static inline void trace_queues_read(int fd, trace_queues *q,
                                     int (*gso)(int, int, int, void *, socklen_t *))
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(q, 0, sizeof *q);
    memset(&ti, 0, sizeof ti);
    if (fd < 0)
        return;
    int saved = errno;
    if (gso(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0) {
        q->have = 1;
        q->state = ti.tcpi_state;
        q->snd_wnd = len > offsetof(struct tcp_info, tcpi_snd_wnd) ? ti.tcpi_snd_wnd : 0;
        q->rcv_space = ti.tcpi_rcv_space;
        q->rtt_us = ti.tcpi_rtt;
        q->snd_mss = ti.tcpi_snd_mss;
        q->snd_cwnd = ti.tcpi_snd_cwnd;
        int v = 0;
        q->outq_bytes = ioctl(fd, SIOCOUTQ, &v) == 0 ? v : -1;
        v = 0;
        q->unsent_bytes = ioctl(fd, SIOCOUTQNSD, &v) == 0 ? v : -1;
        v = 0;
        q->inq_bytes = ioctl(fd, SIOCINQ, &v) == 0 ? v : -1;
    }
    errno = saved;
}

typedef struct {
    uint32_t magic;               /* TRACE_PROTO_MAGIC */
    uint32_t kind;                /* TRACE_BEGIN, TRACE_END, TRACE_HELLO */
    int32_t pid, tid;             /* the caller */
    int32_t ppid;                 /* HELLO: the parent process */
    int32_t fd;                   /* the socket (-1: socket() before it returns) */
    uint32_t call;                /* trace_call */
    int32_t err;                  /* END: errno when ret < 0, else 0 */
    int64_t ret;                  /* END: the call's return (a count, a new fd, 0) */
    int64_t arg[3];               /* the call's numbers: see trace.c's writer */
    uint64_t t_us;                /* CLOCK_MONOTONIC, us */
    uint32_t nbytes;              /* bytes the call moved (END) or asked to (BEGIN) */
    uint32_t ndata;               /* of them copied into data (at most TRACE_DATA_MAX) */
    trace_queues q;               /* the socket's queues at this moment */
    char name[16];                /* UNTRACED: the call's name ("sendfile") */
    char addr[TRACE_ADDR_MAX];    /* an address argument or result: "127.0.0.1:8080" */
    char where[TRACE_WHERE_MAX];  /* "client.py:12", or "" (HELLO: the program) */
    uint8_t data[TRACE_DATA_MAX]; /* the first bytes sent or received */
} trace_msg;

#endif
