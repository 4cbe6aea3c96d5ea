/* trace_hold.h: holding a traced program's socket calls in the kernel,
 * through seccomp user notification (SECCOMP_RET_USER_NOTIF).
 *
 * In stepped mode each run's child installs, before it executes the
 * shell, a filter that stops every socket system call (socket, bind,
 * listen, accept, accept4, connect, sendto, sendmsg, recvfrom, recvmsg,
 * setsockopt, getsockopt, shutdown, close) until the supervisor
 * answers, except the preload library's own: those on its channel
 * (TRACE_CHAN_FD) and its getsockopt(TCP_INFO). close() is any
 * descriptor's: the supervisor lets a close() of what is not a socket go
 * at once (trace.c). The filter is inherited
 * by every thread, fork and exec of the run, and holds calls made without
 * libc or by a static program too. It needs PR_SET_NO_NEW_PRIVS (no
 * privileges for an unprivileged user): a setuid program then runs
 * without its privileges. Where the kernel refuses (older than 5.5, no
 * seccomp, another filter forbids it) the preload library holds the calls
 * instead. x86-64 and AArch64 only (elsewhere: -ENOSYS).
 *
 * Called by trace.c only. libc and kernel headers only.
 */
#ifndef SOCKBUF_TRACE_HOLD_H
#define SOCKBUF_TRACE_HOLD_H

#include <stdint.h>

#include "trace_proto.h"

/* In the child of a fork, before execve: async-signal-safe. Sets
 * PR_SET_NO_NEW_PRIVS and installs the filter. Returns the listener
 * descriptor (hand it to the supervisor), or a negative errno. */
int trace_hold_install(void);

/* One held system call, as the supervisor received it. */
typedef struct {
    uint64_t id;     /* the notification's cookie, for trace_hold_continue() */
    int tid;         /* the calling thread (in the supervisor's pid namespace) */
    trace_call call; /* which call */
    int fd;          /* its first argument: the socket (socket(): -1) */
    int64_t arg[3];  /* socket(): domain, type, protocol; listen(): backlog;
                        send/recv: length, flags; shutdown(): how; *sockopt: level, name */
} trace_hold_call;

/* Receives one held call from listener (which poll() said is readable).
 * Returns 0, or a negative errno (-ENOENT: the caller was interrupted or
 * is gone; nothing to answer). */
int trace_hold_recv(int listener, trace_hold_call *out);

/* Lets held call id run as it asked (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
 * Returns 0 or a negative errno (-ENOENT: the caller is gone). */
int trace_hold_continue(int listener, uint64_t id);

#endif
