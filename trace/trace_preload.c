/* trace_preload.c: libsockbuf-trace-preload.so, the library sockbuf trace
 * puts into each traced program with LD_PRELOAD.
 *
 * It wraps libc's socket calls (socket, bind, listen, accept, connect,
 * send/sendto/sendmsg, recv/recvfrom/recvmsg, setsockopt, getsockopt,
 * shutdown, close), makes each call exactly as the program asked, and
 * reports it to sockbuf over the SOCK_SEQPACKET socket $SOCKBUF_TRACE_FD
 * (trace_proto.h): a TRACE_BEGIN before, a TRACE_END after, each with the
 * socket's kernel queues read in this process (SIOCOUTQ, SIOCOUTQNSD,
 * SIOCINQ, TCP_INFO). In a CPython process it reads the interpreter's
 * current frame (through the C API the interpreter exports, found with
 * dlsym; nothing is imported into the program) for the source line. In
 * stepped mode ($SOCKBUF_TRACE_STEP=1) each call waits after its
 * TRACE_BEGIN until sockbuf answers.
 *
 * Addresses ($SOCKBUF_TRACE_PEER, $SOCKBUF_TRACE_SELF, set when the
 * program runs in one of the emulated wire's namespaces): connect() to
 * 127.0.0.0/8 goes to the peer's namespace address, bind() to
 * 127.0.0.0/8 binds every address of the namespace, and the wire's
 * addresses come back to the program as 127.0.0.1, so ('localhost', PORT)
 * reaches the peer across the link and the program sees what it would see
 * on loopback. Anything else passes through untouched.
 *
 * libc only (and libdl's dlsym, which is libc's since glibc 2.34). Not part
 * of the core library: it is loaded into programs that know nothing of
 * sockbuf.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "trace_proto.h"

#define EXPORT __attribute__((visibility("default")))

enum {
    TRACE_FDS = 65536,
    FD_TRACED = 1, /* made by socket() or accept() here */
    FD_TCP = 2,    /* AF_INET/AF_INET6 SOCK_STREAM */
    FD_ANY = 4,    /* bind() to 127.x was made INADDR_ANY */
};

static uint8_t fd_flags[TRACE_FDS];
static int trace_fd = -1;
static int trace_step; /* 0: never wait (seccomp holds, or not stepped); 1: before every call */
static bool trace_ready;
static pid_t trace_pid;
static in_addr_t trace_peer, trace_self; /* network order; 0: none */
static pthread_mutex_t trace_step_mu = PTHREAD_MUTEX_INITIALIZER;
static __thread int trace_busy;

/* libc's own functions. */
static int (*real_socket)(int, int, int);
static int (*real_bind)(int, const struct sockaddr *, socklen_t);
static int (*real_listen)(int, int);
static int (*real_accept)(int, struct sockaddr *, socklen_t *);
static int (*real_accept4)(int, struct sockaddr *, socklen_t *, int);
static int (*real_connect)(int, const struct sockaddr *, socklen_t);
static ssize_t (*real_send)(int, const void *, size_t, int);
static ssize_t (*real_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
static ssize_t (*real_recv)(int, void *, size_t, int);
static ssize_t (*real_recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);
static int (*real_setsockopt)(int, int, int, const void *, socklen_t);
static int (*real_getsockopt)(int, int, int, void *, socklen_t *);
static int (*real_shutdown)(int, int);
static int (*real_close)(int);
static int (*real_getsockname)(int, struct sockaddr *, socklen_t *);
static int (*real_getpeername)(int, struct sockaddr *, socklen_t *);
static ssize_t (*real_sendfile)(int, int, off_t *, size_t);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);

/* CPython's C API, when this process is CPython (all NULL otherwise). */
static struct {
    int (*is_initialized)(void);
    int (*is_finalizing)(void);
    int (*gil_ensure)(void);
    void (*gil_release)(int);
    void *(*get_frame)(void);    /* PyEval_GetFrame: borrowed */
    void *(*frame_back)(void *); /* PyFrame_GetBack: new reference */
    void *(*frame_code)(void *); /* PyFrame_GetCode: new reference */
    int (*frame_line)(void *);   /* PyFrame_GetLineNumber */
    void *(*getattr)(void *, const char *);
    const char *(*utf8)(void *);
    void (*decref)(void *);
    void (*err_fetch)(void **, void **, void **);
    void (*err_restore)(void *, void *, void *);
    bool ok;
} py;

static void *sym(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

static void python_api(void)
{
    py.is_initialized = (int (*)(void))dlsym(RTLD_DEFAULT, "Py_IsInitialized");
    py.is_finalizing = (int (*)(void))dlsym(RTLD_DEFAULT, "_Py_IsFinalizing");
    py.gil_ensure = (int (*)(void))dlsym(RTLD_DEFAULT, "PyGILState_Ensure");
    py.gil_release = (void (*)(int))dlsym(RTLD_DEFAULT, "PyGILState_Release");
    py.get_frame = (void *(*)(void))dlsym(RTLD_DEFAULT, "PyEval_GetFrame");
    py.frame_back = (void *(*)(void *))dlsym(RTLD_DEFAULT, "PyFrame_GetBack");
    py.frame_code = (void *(*)(void *))dlsym(RTLD_DEFAULT, "PyFrame_GetCode");
    py.frame_line = (int (*)(void *))dlsym(RTLD_DEFAULT, "PyFrame_GetLineNumber");
    py.getattr = (void *(*)(void *, const char *))dlsym(RTLD_DEFAULT, "PyObject_GetAttrString");
    py.utf8 = (const char *(*)(void *))dlsym(RTLD_DEFAULT, "PyUnicode_AsUTF8");
    py.decref = (void (*)(void *))dlsym(RTLD_DEFAULT, "Py_DecRef");
    py.err_fetch = (void (*)(void **, void **, void **))dlsym(RTLD_DEFAULT, "PyErr_Fetch");
    py.err_restore = (void (*)(void *, void *, void *))dlsym(RTLD_DEFAULT, "PyErr_Restore");
    py.ok = py.is_initialized && py.gil_ensure && py.gil_release && py.get_frame && py.frame_back &&
            py.frame_code && py.frame_line && py.getattr && py.utf8 && py.decref && py.err_fetch &&
            py.err_restore;
}

static void emit(trace_msg *m);

__attribute__((constructor)) static void trace_init(void)
{
    real_socket = sym("socket");
    real_bind = sym("bind");
    real_listen = sym("listen");
    real_accept = sym("accept");
    real_accept4 = sym("accept4");
    real_connect = sym("connect");
    real_send = sym("send");
    real_sendto = sym("sendto");
    real_sendmsg = sym("sendmsg");
    real_recv = sym("recv");
    real_recvfrom = sym("recvfrom");
    real_recvmsg = sym("recvmsg");
    real_setsockopt = sym("setsockopt");
    real_getsockopt = sym("getsockopt");
    real_shutdown = sym("shutdown");
    real_close = sym("close");
    real_getsockname = sym("getsockname");
    real_getpeername = sym("getpeername");
    real_sendfile = sym("sendfile");
    real_read = sym("read");
    real_write = sym("write");
    const char *s = getenv("SOCKBUF_TRACE_FD");
    if (s && *s)
        trace_fd = atoi(s);
    s = getenv("SOCKBUF_TRACE_STEP");
    trace_step = s && !strcmp(s, "1") ? 1 : 0;
    s = getenv("SOCKBUF_TRACE_PEER");
    if (s && *s)
        inet_pton(AF_INET, s, &trace_peer);
    s = getenv("SOCKBUF_TRACE_SELF");
    if (s && *s)
        inet_pton(AF_INET, s, &trace_self);
    python_api();
    trace_ready = trace_fd >= 0 && real_send && real_sendmsg && real_close;
    if (trace_ready) {
        trace_msg m;
        memset(&m, 0, sizeof m);
        m.kind = TRACE_LOADED;
        m.fd = -1;
        emit(&m);
    }
}

static uint64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static bool traced(int fd)
{
    return trace_ready && fd >= 0 && fd < TRACE_FDS && (fd_flags[fd] & FD_TRACED) &&
           fd != trace_fd && !trace_busy;
}

static void emit(trace_msg *m)
{
    m->magic = TRACE_PROTO_MAGIC;
    m->pid = getpid();
    m->tid = (int32_t)syscall(SYS_gettid);
    m->t_us = now_us();
    ssize_t n;
    do {
        n = real_send(trace_fd, m, sizeof *m, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
}

/* A fork's child (or the first message of this process) says hello first:
 * the supervisor names processes by what they run and who made them. */
static void hello_if_new(void)
{
    pid_t me = getpid();
    if (me == trace_pid)
        return;
    trace_pid = me;
    trace_msg m;
    memset(&m, 0, sizeof m);
    m.kind = TRACE_HELLO;
    m.ppid = getppid();
    m.fd = -1;
    char buf[TRACE_WHERE_MAX];
    int f = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (f >= 0) {
        ssize_t n = real_read(f, buf, sizeof buf - 1);
        real_close(f);
        if (n > 0) {
            buf[n] = '\0';
            for (ssize_t i = 0; i + 1 < n; i++)
                if (!buf[i])
                    buf[i] = ' ';
            snprintf(m.where, sizeof m.where, "%s", buf);
        }
    }
    emit(&m);
}

/* The frame's file name ends in name (a module of the standard library
 * whose frames are not the program's own line). */
static bool ends_with(const char *s, const char *name)
{
    size_t a = strlen(s), b = strlen(name);
    return a >= b && !strcmp(s + a - b, name) && (a == b || s[a - b - 1] == '/');
}

/* "client.py:12": the innermost frame of the program's own code. */
static void python_where(char *out, size_t cap)
{
    out[0] = '\0';
    if (!py.ok || !py.is_initialized() || (py.is_finalizing && py.is_finalizing()))
        return;
    int g = py.gil_ensure();
    void *et, *ev, *tb;
    py.err_fetch(&et, &ev, &tb);
    void *f = py.get_frame();
    bool own = false; /* f is a new reference */
    for (int depth = 0; f && depth < 64; depth++) {
        void *code = py.frame_code(f);
        const char *file = NULL;
        void *name = code ? py.getattr(code, "co_filename") : NULL;
        if (name)
            file = py.utf8(name);
        bool lib = !file || ends_with(file, "socket.py") || ends_with(file, "selectors.py") ||
                   ends_with(file, "ssl.py") || strstr(file, "/asyncio/");
        if (!lib) {
            const char *base = strrchr(file, '/');
            snprintf(out, cap, "%s:%d", base ? base + 1 : file, py.frame_line(f));
        }
        if (name)
            py.decref(name);
        if (code)
            py.decref(code);
        if (!lib)
            break;
        void *back = py.frame_back(f);
        if (own)
            py.decref(f);
        f = back;
        own = true;
    }
    if (own && f)
        py.decref(f);
    py.err_restore(et, ev, tb);
    py.gil_release(g);
}

static void read_queues(int fd, trace_queues *q)
{
    memset(q, 0, sizeof *q);
    if (fd < 0 || fd >= TRACE_FDS || !(fd_flags[fd] & FD_TCP))
        return;
    trace_queues_read(fd, q, real_getsockopt);
}

static void addr_text(const struct sockaddr *sa, socklen_t len, char *out, size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "";
    out[0] = '\0';
    if (!sa)
        return;
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        snprintf(out, cap, "%s:%u", host, ntohs(in->sin_port));
    } else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in->sin6_addr, host, sizeof host);
        snprintf(out, cap, "[%s]:%u", host, ntohs(in->sin6_port));
    } else if (sa->sa_family == AF_UNIX) {
        snprintf(out, cap, "unix");
    }
}

/* Starts a message for call on fd: the where, the queues before it. */
static void begin(trace_msg *m, trace_call call, int fd, bool python)
{
    memset(m, 0, sizeof *m);
    m->call = call;
    m->fd = fd;
    hello_if_new();
    if (python) {
        trace_busy = 1;
        python_where(m->where, sizeof m->where);
        trace_busy = 0;
    }
    read_queues(fd, &m->q);
}

/* Sends the TRACE_BEGIN (and in stepped mode waits to be released). */
static void send_begin(trace_msg *m)
{
    m->kind = TRACE_BEGIN;
    emit(m);
    if (!trace_step)
        return;
    pthread_mutex_lock(&trace_step_mu);
    char go;
    ssize_t n;
    do {
        n = real_recv(trace_fd, &go, 1, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0)
        trace_step = 0; /* sockbuf is gone: run on */
    pthread_mutex_unlock(&trace_step_mu);
}

static void send_end(trace_msg *m, int64_t ret, int err)
{
    m->kind = TRACE_END;
    m->ret = ret;
    m->err = ret < 0 ? err : 0;
    int fd = m->call == TRACE_C_SOCKET || m->call == TRACE_C_ACCEPT ? (int)ret : m->fd;
    if (m->call == TRACE_C_CLOSE)
        memset(&m->q, 0, sizeof m->q);
    else
        read_queues(fd, &m->q);
    emit(m);
    errno = err;
}

static void copy_data(trace_msg *m, const void *p, size_t n)
{
    m->ndata = (uint32_t)(n < TRACE_DATA_MAX ? n : TRACE_DATA_MAX);
    if (p && m->ndata)
        memcpy(m->data, p, m->ndata);
}

static void copy_iov(trace_msg *m, const struct msghdr *mh, size_t n)
{
    size_t left = n < TRACE_DATA_MAX ? n : TRACE_DATA_MAX, at = 0;
    for (size_t i = 0; mh && i < mh->msg_iovlen && left; i++) {
        size_t k = mh->msg_iov[i].iov_len < left ? mh->msg_iov[i].iov_len : left;
        memcpy(m->data + at, mh->msg_iov[i].iov_base, k);
        at += k;
        left -= k;
    }
    m->ndata = (uint32_t)at;
}

static bool in_loop(in_addr_t a)
{
    return (ntohl(a) >> 24) == 127;
}

/* The wire's own addresses (10.80.0.0/30) read as 127.0.0.1. */
static void addr_back(struct sockaddr *sa, socklen_t *len)
{
    if (!trace_self || !sa || !len || *len < sizeof(struct sockaddr_in) || sa->sa_family != AF_INET)
        return;
    struct sockaddr_in *in = (struct sockaddr_in *)sa;
    if (in->sin_addr.s_addr == trace_self || in->sin_addr.s_addr == trace_peer ||
        in->sin_addr.s_addr == htonl(INADDR_ANY))
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

EXPORT int socket(int domain, int type, int protocol)
{
    if (!trace_ready || trace_busy)
        return real_socket(domain, type, protocol);
    trace_msg m;
    begin(&m, TRACE_C_SOCKET, -1, true);
    m.arg[0] = domain;
    m.arg[1] = type;
    m.arg[2] = protocol;
    send_begin(&m);
    int fd = real_socket(domain, type, protocol);
    int err = errno;
    if (fd >= 0 && fd < TRACE_FDS) {
        fd_flags[fd] = FD_TRACED;
        if ((domain == AF_INET || domain == AF_INET6) && (type & 0xf) == SOCK_STREAM)
            fd_flags[fd] |= FD_TCP;
    }
    send_end(&m, fd, err);
    return fd;
}

EXPORT int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
    if (!traced(fd))
        return real_bind(fd, sa, len);
    trace_msg m;
    begin(&m, TRACE_C_BIND, fd, true);
    addr_text(sa, len, m.addr, sizeof m.addr);
    send_begin(&m);
    struct sockaddr_in any;
    const struct sockaddr *use = sa;
    if (trace_self && sa && len >= sizeof any && sa->sa_family == AF_INET &&
        in_loop(((const struct sockaddr_in *)sa)->sin_addr.s_addr)) {
        memcpy(&any, sa, sizeof any);
        any.sin_addr.s_addr = htonl(INADDR_ANY);
        use = (const struct sockaddr *)&any;
        fd_flags[fd] |= FD_ANY;
    }
    int rc = real_bind(fd, use, len);
    send_end(&m, rc, errno);
    return rc;
}

EXPORT int listen(int fd, int backlog)
{
    if (!traced(fd))
        return real_listen(fd, backlog);
    trace_msg m;
    begin(&m, TRACE_C_LISTEN, fd, true);
    m.arg[0] = backlog;
    send_begin(&m);
    int rc = real_listen(fd, backlog);
    send_end(&m, rc, errno);
    return rc;
}

static int do_accept(int fd, struct sockaddr *sa, socklen_t *len, int flags, bool four)
{
    if (!traced(fd))
        return four ? real_accept4(fd, sa, len, flags) : real_accept(fd, sa, len);
    trace_msg m;
    begin(&m, TRACE_C_ACCEPT, fd, true);
    send_begin(&m);
    int nfd = four ? real_accept4(fd, sa, len, flags) : real_accept(fd, sa, len);
    int err = errno;
    if (nfd >= 0 && nfd < TRACE_FDS)
        fd_flags[nfd] = FD_TRACED | (fd_flags[fd] & FD_TCP);
    if (nfd >= 0) {
        addr_back(sa, len);
        if (sa && len)
            addr_text(sa, *len, m.addr, sizeof m.addr);
    }
    send_end(&m, nfd, err);
    return nfd;
}

EXPORT int accept(int fd, struct sockaddr *sa, socklen_t *len)
{
    return do_accept(fd, sa, len, 0, false);
}

EXPORT int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
    return do_accept(fd, sa, len, flags, true);
}

EXPORT int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    if (!traced(fd))
        return real_connect(fd, sa, len);
    trace_msg m;
    begin(&m, TRACE_C_CONNECT, fd, true);
    addr_text(sa, len, m.addr, sizeof m.addr);
    send_begin(&m);
    struct sockaddr_in peer;
    const struct sockaddr *use = sa;
    if (trace_peer && sa && len >= sizeof peer && sa->sa_family == AF_INET &&
        in_loop(((const struct sockaddr_in *)sa)->sin_addr.s_addr)) {
        memcpy(&peer, sa, sizeof peer);
        peer.sin_addr.s_addr = trace_peer;
        use = (const struct sockaddr *)&peer;
    }
    int rc = real_connect(fd, use, len);
    send_end(&m, rc, errno);
    return rc;
}

static ssize_t traced_send(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
                           socklen_t tolen)
{
    trace_msg m;
    begin(&m, TRACE_C_SEND, fd, true);
    m.arg[0] = (int64_t)n;
    m.arg[1] = flags;
    m.nbytes = (uint32_t)n;
    if (to)
        addr_text(to, tolen, m.addr, sizeof m.addr);
    copy_data(&m, buf, n); /* what a held send is about to send */
    send_begin(&m);
    ssize_t r = to ? real_sendto(fd, buf, n, flags, to, tolen) : real_send(fd, buf, n, flags);
    int err = errno;
    m.nbytes = r > 0 ? (uint32_t)r : 0;
    copy_data(&m, buf, r > 0 ? (size_t)r : 0);
    send_end(&m, r, err);
    return r;
}

EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    if (!traced(fd))
        return real_send(fd, buf, n, flags);
    return traced_send(fd, buf, n, flags, NULL, 0);
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to,
                      socklen_t tolen)
{
    if (!traced(fd))
        return real_sendto(fd, buf, n, flags, to, tolen);
    if (!to)
        return traced_send(fd, buf, n, flags, NULL, 0);
    return traced_send(fd, buf, n, flags, to, tolen);
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *mh, int flags)
{
    if (!traced(fd))
        return real_sendmsg(fd, mh, flags);
    trace_msg m;
    begin(&m, TRACE_C_SEND, fd, true);
    size_t total = 0;
    for (size_t i = 0; i < mh->msg_iovlen; i++)
        total += mh->msg_iov[i].iov_len;
    m.arg[0] = (int64_t)total;
    m.arg[1] = flags;
    copy_iov(&m, mh, total);
    send_begin(&m);
    ssize_t r = real_sendmsg(fd, mh, flags);
    int err = errno;
    m.nbytes = r > 0 ? (uint32_t)r : 0;
    copy_iov(&m, mh, r > 0 ? (size_t)r : 0);
    send_end(&m, r, err);
    return r;
}

static ssize_t traced_recv(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
                           socklen_t *fromlen, bool with_from)
{
    trace_msg m;
    begin(&m, TRACE_C_RECV, fd, true);
    m.arg[0] = (int64_t)n;
    m.arg[1] = flags;
    send_begin(&m);
    ssize_t r =
        with_from ? real_recvfrom(fd, buf, n, flags, from, fromlen) : real_recv(fd, buf, n, flags);
    int err = errno;
    m.nbytes = r > 0 ? (uint32_t)r : 0;
    copy_data(&m, buf, r > 0 ? (size_t)r : 0);
    if (r >= 0 && with_from)
        addr_back(from, fromlen);
    send_end(&m, r, err);
    return r;
}

EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    if (!traced(fd))
        return real_recv(fd, buf, n, flags);
    return traced_recv(fd, buf, n, flags, NULL, NULL, false);
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
                        socklen_t *fromlen)
{
    if (!traced(fd))
        return real_recvfrom(fd, buf, n, flags, from, fromlen);
    return traced_recv(fd, buf, n, flags, from, fromlen, true);
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *mh, int flags)
{
    if (!traced(fd))
        return real_recvmsg(fd, mh, flags);
    trace_msg m;
    begin(&m, TRACE_C_RECV, fd, true);
    size_t total = 0;
    for (size_t i = 0; i < mh->msg_iovlen; i++)
        total += mh->msg_iov[i].iov_len;
    m.arg[0] = (int64_t)total;
    m.arg[1] = flags;
    send_begin(&m);
    ssize_t r = real_recvmsg(fd, mh, flags);
    int err = errno;
    m.nbytes = r > 0 ? (uint32_t)r : 0;
    copy_iov(&m, mh, r > 0 ? (size_t)r : 0);
    send_end(&m, r, err);
    return r;
}

EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    if (!traced(fd))
        return real_setsockopt(fd, level, name, val, len);
    trace_msg m;
    begin(&m, TRACE_C_SETSOCKOPT, fd, true);
    m.arg[0] = level;
    m.arg[1] = name;
    int v = 0;
    if (val && len == sizeof v) {
        memcpy(&v, val, sizeof v);
        m.arg[2] = v;
    }
    send_begin(&m);
    int rc = real_setsockopt(fd, level, name, val, len);
    send_end(&m, rc, errno);
    return rc;
}

EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    if (!traced(fd))
        return real_getsockopt(fd, level, name, val, len);
    trace_msg m;
    begin(&m, TRACE_C_GETSOCKOPT, fd, true);
    m.arg[0] = level;
    m.arg[1] = name;
    send_begin(&m);
    int rc = real_getsockopt(fd, level, name, val, len);
    int err = errno;
    int v = 0;
    if (rc == 0 && val && len && *len == sizeof v) {
        memcpy(&v, val, sizeof v);
        m.arg[2] = v;
    }
    send_end(&m, rc, err);
    return rc;
}

EXPORT int shutdown(int fd, int how)
{
    if (!traced(fd))
        return real_shutdown(fd, how);
    trace_msg m;
    begin(&m, TRACE_C_SHUTDOWN, fd, true);
    m.arg[0] = how;
    send_begin(&m);
    int rc = real_shutdown(fd, how);
    send_end(&m, rc, errno);
    return rc;
}

EXPORT int close(int fd)
{
    if (trace_ready && fd == trace_fd)
        return 0; /* sockbuf's channel stays open: the program never knew of it */
    if (!traced(fd))
        return real_close(fd);
    trace_msg m;
    begin(&m, TRACE_C_CLOSE, fd, true);
    send_begin(&m);
    fd_flags[fd] = 0;
    int rc = real_close(fd);
    send_end(&m, rc, errno);
    return rc;
}

EXPORT int getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
    int rc = real_getsockname(fd, sa, len);
    if (rc == 0 && trace_ready && fd >= 0 && fd < TRACE_FDS && (fd_flags[fd] & FD_TRACED))
        addr_back(sa, len);
    return rc;
}

EXPORT int getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
    int rc = real_getpeername(fd, sa, len);
    if (rc == 0 && trace_ready && fd >= 0 && fd < TRACE_FDS && (fd_flags[fd] & FD_TRACED))
        addr_back(sa, len);
    return rc;
}

/* A socket call sockbuf does not follow: made as asked, reported by name. */
static void untraced(const char *name, int fd, int64_t ret, int err, size_t n)
{
    trace_msg m;
    begin(&m, TRACE_C_UNTRACED, fd, true);
    snprintf(m.name, sizeof m.name, "%s", name);
    m.arg[0] = (int64_t)n;
    m.kind = TRACE_END;
    m.ret = ret;
    m.err = ret < 0 ? err : 0;
    read_queues(fd, &m.q);
    emit(&m);
    errno = err;
}

EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t n)
{
    ssize_t r = real_sendfile(out, in, off, n);
    if (traced(out))
        untraced("sendfile", out, r, errno, n);
    return r;
}

EXPORT ssize_t sendfile64(int out, int in, off_t *off, size_t n)
{
    ssize_t r = real_sendfile(out, in, off, n); /* the same call on 64-bit Linux */
    if (traced(out))
        untraced("sendfile", out, r, errno, n);
    return r;
}

EXPORT ssize_t read(int fd, void *buf, size_t n)
{
    ssize_t r = real_read(fd, buf, n);
    if (traced(fd))
        untraced("read", fd, r, errno, n);
    return r;
}

EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
    ssize_t r = real_write(fd, buf, n);
    if (traced(fd))
        untraced("write", fd, r, errno, n);
    return r;
}
