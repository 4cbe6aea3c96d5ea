/* trace_hold.c: seccomp user notification for stepped mode (see
 * trace_hold.h). The filter is a constant BPF program: the child of a
 * fork in a threaded process (the window's) may not allocate.
 */
#include "trace_hold.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define HOLD_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define HOLD_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef HOLD_ARCH

#define NR offsetof(struct seccomp_data, nr)
#define ARCH offsetof(struct seccomp_data, arch)
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))

/* The system calls held, in trace_call terms. */
static const struct {
    int nr;
    trace_call call;
} held[] = {
    {SYS_socket, TRACE_C_SOCKET},         {SYS_bind, TRACE_C_BIND},
    {SYS_listen, TRACE_C_LISTEN},         {SYS_accept, TRACE_C_ACCEPT},
    {SYS_accept4, TRACE_C_ACCEPT},        {SYS_connect, TRACE_C_CONNECT},
    {SYS_sendto, TRACE_C_SEND},           {SYS_sendmsg, TRACE_C_SEND},
    {SYS_recvfrom, TRACE_C_RECV},         {SYS_recvmsg, TRACE_C_RECV},
    {SYS_setsockopt, TRACE_C_SETSOCKOPT}, {SYS_getsockopt, TRACE_C_GETSOCKOPT},
    {SYS_shutdown, TRACE_C_SHUTDOWN},     {SYS_close, TRACE_C_CLOSE},
};
enum { NHELD = sizeof held / sizeof held[0] };

/* The program: arch check; for each held call, jump to "check"; else
 * allow. check: the preload library's channel and its getsockopt
 * (IPPROTO_TCP, TCP_INFO) are allowed, the rest notify. */
static struct sock_filter prog[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, HOLD_ARCH, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
    /* 14 comparisons: jump to check (at index 4 + 14 + 1) when equal */
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 14, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_bind, 13, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_listen, 12, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_accept, 11, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_accept4, 10, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_connect, 9, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendto, 8, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendmsg, 7, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_recvfrom, 6, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_recvmsg, 5, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_setsockopt, 4, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getsockopt, 3, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_shutdown, 2, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    /* check: */
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TRACE_CHAN_FD, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getsockopt, 0, 5),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 3),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 11 /* TCP_INFO */, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
};

int trace_hold_install(void)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -errno;
    struct sock_fprog fp = {.len = (unsigned short)(sizeof prog / sizeof prog[0]), .filter = prog};
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fp);
    return fd < 0 ? -errno : (int)fd;
}

int trace_hold_recv(int listener, trace_hold_call *out)
{
    struct seccomp_notif_sizes sz;
    memset(out, 0, sizeof *out);
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
        return -errno;
    /* The kernel's struct may be larger than this header's. */
    size_t n = sz.seccomp_notif > sizeof(struct seccomp_notif) ? sz.seccomp_notif
                                                               : sizeof(struct seccomp_notif);
    struct seccomp_notif *req = calloc(1, n);
    if (!req)
        return -ENOMEM;
    int rc = 0;
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
        rc = -errno;
        goto out;
    }
    out->id = req->id;
    out->tid = (int)req->pid;
    out->call = TRACE_C_UNTRACED;
    for (int i = 0; i < NHELD; i++)
        if ((int)req->data.nr == held[i].nr)
            out->call = held[i].call;
    out->fd = out->call == TRACE_C_SOCKET ? -1 : (int)req->data.args[0];
    if (out->call == TRACE_C_SOCKET) {
        for (int i = 0; i < 3; i++)
            out->arg[i] = (int64_t)req->data.args[i];
    } else if (out->call == TRACE_C_SEND || out->call == TRACE_C_RECV) {
        out->arg[0] = (int64_t)req->data.args[2];
        out->arg[1] = (int64_t)req->data.args[3];
    } else if (out->call == TRACE_C_SETSOCKOPT || out->call == TRACE_C_GETSOCKOPT) {
        out->arg[0] = (int64_t)req->data.args[1];
        out->arg[1] = (int64_t)req->data.args[2];
    } else if (out->call != TRACE_C_CLOSE) {
        out->arg[0] = (int64_t)req->data.args[1];
    }
out:
    free(req);
    return rc;
}

int trace_hold_continue(int listener, uint64_t id)
{
    struct seccomp_notif_sizes sz;
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
        return -errno;
    size_t n = sz.seccomp_notif_resp > sizeof(struct seccomp_notif_resp)
                   ? sz.seccomp_notif_resp
                   : sizeof(struct seccomp_notif_resp);
    struct seccomp_notif_resp *resp = calloc(1, n);
    if (!resp)
        return -ENOMEM;
    resp->id = id;
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    int rc = ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 ? -errno : 0;
    free(resp);
    return rc;
}

#else

int trace_hold_install(void)
{
    return -ENOSYS;
}

int trace_hold_recv(int listener, trace_hold_call *out)
{
    (void)listener;
    memset(out, 0, sizeof *out);
    return -ENOSYS;
}

int trace_hold_continue(int listener, uint64_t id)
{
    (void)listener;
    (void)id;
    return -ENOSYS;
}

#endif
