/* net.c: real TCP sockets and the kernel's counters (see net.h).
 *
 * Thin, anet-style wrappers over the socket calls. Every socket is created
 * non-blocking and close-on-exec, every error comes back as a negative
 * errno with a message that names the call and its arguments, and every
 * failure path closes what it opened. net_probe() reads the kernel's own
 * queue sizes (SIOCINQ, SIOCOUTQ, SIOCOUTQNSD), TCP_INFO and the buffer
 * sizes; the lesson runner calls it after each step and live mode at up
 * to 1 kHz, so it does a handful of system calls and nothing else.
 *
 * TCP_INFO is read into the kernel's own struct (linux/tcp.h), whose tail
 * grows with kernel versions: the length the kernel returns says which
 * fields it filled, and a field past that length reads as 0.
 */
#include "net.h"

#include "base_names.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Writes "CALL(ARGS): strerror" into err (when not NULL). */
static void net_seterr(char *err, int neg_errno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void net_seterr(char *err, int neg_errno, const char *fmt, ...)
{
    if (err == NULL)
        return;
    char what[NET_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    char buf[128];
    const char *msg = strerror_r(-neg_errno, buf, sizeof(buf));
    snprintf(err, NET_ERR_LEN, "%.160s: %.90s", what, msg);
}

/* A socket's address family (SO_DOMAIN), or a negative errno. */
static int net_family(int fd)
{
    int family = 0;
    socklen_t len = sizeof(family);
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) < 0)
        return -errno;
    return family;
}

/* Parses host for family into *ss. NULL, "" and "localhost" are the
 * loopback address; numeric addresses are taken as they are (IPv6 ones
 * with or without brackets); other names go through getaddrinfo(). */
static int net_resolve(int family, const char *host, uint16_t port, struct sockaddr_storage *ss,
                       socklen_t *sslen, char *err)
{
    char name[256];
    memset(ss, 0, sizeof(*ss));
    if (host == NULL || host[0] == '\0' || strcmp(host, "localhost") == 0)
        host = family == AF_INET6 ? "::1" : "127.0.0.1";
    size_t n = strlen(host);
    if (n >= sizeof(name)) {
        net_seterr(err, -ENAMETOOLONG, "getaddrinfo(%.32s...)", host);
        return -ENAMETOOLONG;
    }
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        memcpy(name, host + 1, n - 2);
        name[n - 2] = '\0';
    } else {
        memcpy(name, host, n + 1);
    }
    if (family == AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        *sslen = sizeof(*sin6);
        if (inet_pton(AF_INET6, name, &sin6->sin6_addr) == 1)
            return 0;
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        *sslen = sizeof(*sin);
        if (inet_pton(AF_INET, name, &sin->sin_addr) == 1)
            return 0;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(name, NULL, &hints, &res);
    if (rc != 0 || res == NULL) {
        if (err != NULL)
            snprintf(err, NET_ERR_LEN, "getaddrinfo(%.160s): %.80s", name, gai_strerror(rc));
        if (res != NULL)
            freeaddrinfo(res);
        return -EADDRNOTAVAIL;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sslen = res->ai_addrlen;
    if (family == AF_INET6)
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
    else
        ((struct sockaddr_in *)ss)->sin_port = htons(port);
    freeaddrinfo(res);
    return 0;
}

/* "127.0.0.1:8080" or "[::1]:8080" into buf. */
static int net_format_addr(const struct sockaddr *sa, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN];
    if (cap == 0)
        return -EINVAL;
    buf[0] = '\0';
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
        snprintf(buf, cap, "%s:%u", host, (unsigned)ntohs(sin->sin_port));
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
        snprintf(buf, cap, "[%s]:%u", host, (unsigned)ntohs(sin6->sin6_port));
        return 0;
    }
    return -EAFNOSUPPORT;
}

static int net_socket_of(int family, char *err)
{
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int rc = -errno;
        net_seterr(err, rc, "socket(%s, SOCK_STREAM)", family == AF_INET6 ? "AF_INET6" : "AF_INET");
        return rc;
    }
    return fd;
}

int net_socket(char *err)
{
    return net_socket_of(AF_INET, err);
}

int net_socket6(char *err)
{
    return net_socket_of(AF_INET6, err);
}

int net_bind(int fd, const char *host, uint16_t port, char *err)
{
    int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0) {
        int rc = -errno;
        net_seterr(err, rc, "setsockopt(SO_REUSEADDR=1)");
        return rc;
    }
    return net_bind_as_is(fd, host, port, err);
}

int net_bind_as_is(int fd, const char *host, uint16_t port, char *err)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    char where[80];
    int on = 1, rc = 0;
    int family = net_family(fd);
    if (family < 0) {
        rc = family;
        net_seterr(err, rc, "getsockopt(SO_DOMAIN)");
        goto out;
    }
    rc = net_resolve(family, host, port, &ss, &sslen, err);
    if (rc < 0)
        goto out;
    if (family == AF_INET6) {
        /* An IPv6 socket here is one address, not the IPv4 ones too. */
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0) {
            rc = -errno;
            net_seterr(err, rc, "setsockopt(IPV6_V6ONLY=1)");
            goto out;
        }
    }
    if (bind(fd, (struct sockaddr *)&ss, sslen) < 0) {
        rc = -errno;
        net_format_addr((struct sockaddr *)&ss, where, sizeof(where));
        net_seterr(err, rc, "bind(%s)", where);
        goto out;
    }
out:
    return rc;
}

/* net_local_port() (peer false) and net_peer_port(): one port of fd. */
static int net_sock_port(int fd, bool peer, char *err)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    const char *call = peer ? "getpeername" : "getsockname";
    int rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                  : getsockname(fd, (struct sockaddr *)&ss, &len);
    if (rc < 0) {
        rc = -errno;
        net_seterr(err, rc, "%s(fd %d)", call, fd);
        return rc;
    }
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    net_seterr(err, -EAFNOSUPPORT, "%s(fd %d)", call, fd);
    return -EAFNOSUPPORT;
}

int net_local_port(int fd, char *err)
{
    return net_sock_port(fd, false, err);
}

int net_peer_port(int fd, char *err)
{
    return net_sock_port(fd, true, err);
}

/* net_peer_name() (peer true) and net_local_name(): one address of fd,
 * formatted into buf. */
static int net_sock_name(int fd, bool peer, char *buf, size_t cap, char *err)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (cap > 0)
        buf[0] = '\0';
    int rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
                  : getsockname(fd, (struct sockaddr *)&ss, &len);
    if (rc < 0) {
        rc = -errno;
        net_seterr(err, rc, "%s(fd %d)", peer ? "getpeername" : "getsockname", fd);
        return rc;
    }
    return net_format_addr((struct sockaddr *)&ss, buf, cap);
}

int net_peer_name(int fd, char *buf, size_t cap, char *err)
{
    return net_sock_name(fd, true, buf, cap, err);
}

int net_local_name(int fd, char *buf, size_t cap, char *err)
{
    return net_sock_name(fd, false, buf, cap, err);
}

int net_listen(int fd, int backlog, char *err)
{
    if (listen(fd, backlog) < 0) {
        int rc = -errno;
        net_seterr(err, rc, "listen(%d)", backlog);
        return rc;
    }
    return 0;
}

int net_connect(int fd, const char *host, uint16_t port, char *err)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    char where[80];
    int rc = net_family(fd);
    if (rc < 0) {
        net_seterr(err, rc, "getsockopt(SO_DOMAIN)");
        goto out;
    }
    rc = net_resolve(rc, host, port, &ss, &sslen, err);
    if (rc < 0)
        goto out;
    /* EINTR on a connect leaves it in progress: report that, as the
     * caller polls for writable either way. */
    if (connect(fd, (struct sockaddr *)&ss, sslen) < 0) {
        rc = errno == EINTR ? -EINPROGRESS : -errno;
        net_format_addr((struct sockaddr *)&ss, where, sizeof(where));
        net_seterr(err, rc, "connect(%s)", where);
        goto out;
    }
    rc = 0;
out:
    return rc;
}

int net_connect_result(int fd, char *err)
{
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) {
        int rc = -errno;
        net_seterr(err, rc, "getsockopt(SO_ERROR)");
        return rc;
    }
    if (soerr != 0) {
        net_seterr(err, -soerr, "connect(fd %d)", fd);
        return -soerr;
    }
    /* No error may still be a connect in progress when the caller did not
     * wait (SYN_SENT), or a socket that is not connected at all. */
    struct sockaddr_storage ss;
    len = sizeof(ss);
    if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0) {
        int rc = -errno;
        if (rc == -ENOTCONN) {
            struct tcp_info ti;
            socklen_t tilen = sizeof(ti);
            memset(&ti, 0, sizeof(ti));
            if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tilen) == 0 &&
                base_tcp_state_of_linux(ti.tcpi_state) == BASE_TCP_SYN_SENT)
                rc = -EINPROGRESS;
        }
        net_seterr(err, rc, "connect(fd %d)", fd);
        return rc;
    }
    return 0;
}

int net_accept(int fd, char *err)
{
    int cfd;
    do {
        cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    } while (cfd < 0 && errno == EINTR);
    if (cfd < 0) {
        int rc = errno == EWOULDBLOCK ? -EAGAIN : -errno;
        net_seterr(err, rc, "accept(fd %d)", fd);
        return rc;
    }
    return cfd;
}

long net_send(int fd, const uint8_t *data, size_t len, int flags, char *err)
{
    int f = MSG_NOSIGNAL | MSG_DONTWAIT;
    if (flags & NET_MSG_MORE)
        f |= MSG_MORE;
    ssize_t n;
    do {
        n = send(fd, data, len, f);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        long rc = errno == EWOULDBLOCK ? -EAGAIN : -errno;
        net_seterr(err, (int)rc, "send(%zu bytes)", len);
        return rc;
    }
    return (long)n;
}

long net_recv(int fd, uint8_t *buf, size_t cap, char *err)
{
    ssize_t n;
    do {
        n = recv(fd, buf, cap, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        long rc = errno == EWOULDBLOCK ? -EAGAIN : -errno;
        net_seterr(err, (int)rc, "recv(%zu)", cap);
        return rc;
    }
    return (long)n;
}

long net_peek(int fd, uint8_t *buf, size_t cap, char *err)
{
    ssize_t n;
    do {
        n = recv(fd, buf, cap, MSG_DONTWAIT | MSG_PEEK);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        long rc = errno == EWOULDBLOCK ? -EAGAIN : -errno;
        net_seterr(err, (int)rc, "recv(%zu, MSG_PEEK)", cap);
        return rc;
    }
    return (long)n;
}

/* The level, option number and name of a net_opt; false if unknown. */
static bool net_opt_info(net_opt opt, int *level, int *name, const char **label)
{
    switch (opt) {
    case NET_SO_SNDBUF:
        *level = SOL_SOCKET, *name = SO_SNDBUF, *label = "SO_SNDBUF";
        return true;
    case NET_SO_RCVBUF:
        *level = SOL_SOCKET, *name = SO_RCVBUF, *label = "SO_RCVBUF";
        return true;
    case NET_TCP_NODELAY:
        *level = IPPROTO_TCP, *name = TCP_NODELAY, *label = "TCP_NODELAY";
        return true;
    case NET_TCP_CORK:
        *level = IPPROTO_TCP, *name = TCP_CORK, *label = "TCP_CORK";
        return true;
    case NET_SO_REUSEADDR:
        *level = SOL_SOCKET, *name = SO_REUSEADDR, *label = "SO_REUSEADDR";
        return true;
    case NET_SO_RCVLOWAT:
        *level = SOL_SOCKET, *name = SO_RCVLOWAT, *label = "SO_RCVLOWAT";
        return true;
    }
    return false;
}

int net_setsockopt(int fd, net_opt opt, int value, char *err)
{
    int level, name;
    const char *label;
    if (!net_opt_info(opt, &level, &name, &label)) {
        net_seterr(err, -ENOPROTOOPT, "setsockopt(option %d=%d)", (int)opt, value);
        return -ENOPROTOOPT;
    }
    if (setsockopt(fd, level, name, &value, sizeof(value)) < 0) {
        int rc = -errno;
        net_seterr(err, rc, "setsockopt(%s=%d)", label, value);
        return rc;
    }
    return 0;
}

int net_getsockopt(int fd, net_opt opt, int *value, char *err)
{
    int level, name;
    const char *label;
    if (!net_opt_info(opt, &level, &name, &label)) {
        net_seterr(err, -ENOPROTOOPT, "getsockopt(option %d)", (int)opt);
        return -ENOPROTOOPT;
    }
    int v = 0;
    socklen_t len = sizeof(v);
    if (getsockopt(fd, level, name, &v, &len) < 0) {
        int rc = -errno;
        net_seterr(err, rc, "getsockopt(%s)", label);
        return rc;
    }
    *value = v;
    return 0;
}

int net_shutdown(int fd, net_how how, char *err)
{
    static const char *names[] = {"SHUT_RD", "SHUT_WR", "SHUT_RDWR"};
    int h;
    switch (how) {
    case NET_SHUT_RD:
        h = SHUT_RD;
        break;
    case NET_SHUT_WR:
        h = SHUT_WR;
        break;
    case NET_SHUT_RDWR:
        h = SHUT_RDWR;
        break;
    default:
        net_seterr(err, -EINVAL, "shutdown(%d)", (int)how);
        return -EINVAL;
    }
    if (shutdown(fd, h) < 0) {
        int rc = -errno;
        net_seterr(err, rc, "shutdown(%s)", names[how]);
        return rc;
    }
    return 0;
}

void net_close(int fd)
{
    if (fd >= 0)
        close(fd);
}

/* The control buffer of one passed descriptor, aligned for cmsghdr. */
typedef union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
} fd_cmsg;

ssize_t net_send_fd(int sock, const void *buf, size_t len, int fd)
{
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    fd_cmsg cm;
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (fd >= 0) {
        memset(&cm, 0, sizeof cm);
        mh.msg_control = cm.buf;
        mh.msg_controllen = sizeof cm.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t n;
    do {
        n = sendmsg(sock, &mh, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

ssize_t net_recv_fd(int sock, void *buf, size_t len, int flags, int *fd)
{
    struct iovec iov = {.iov_base = buf, .iov_len = len};
    fd_cmsg cm;
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cm.buf;
    mh.msg_controllen = sizeof cm.buf;
    if (fd)
        *fd = -1;
    ssize_t n;
    do {
        n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int passed;
            memcpy(&passed, CMSG_DATA(c), sizeof passed);
            if (fd && *fd < 0)
                *fd = passed;
            else
                close(passed);
        }
    return n;
}

static int64_t net_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int net_wait(int fd, bool want_write, int timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = want_write ? POLLOUT : POLLIN};
    int64_t deadline = timeout_ms < 0 ? -1 : net_now_ms() + timeout_ms;
    for (;;) {
        int left = timeout_ms < 0 ? -1 : (int)(deadline - net_now_ms());
        if (timeout_ms >= 0 && left < 0)
            left = 0;
        int n = poll(&pfd, 1, left);
        if (n > 0)
            return (pfd.revents & POLLNVAL) ? -EBADF : 1;
        if (n == 0)
            return 0;
        if (errno != EINTR)
            return -errno;
    }
}

/* Whether the first len bytes TCP_INFO returned cover field. */
#define NET_TI_HAS(len, field)                                                                     \
    ((size_t)(len) >= offsetof(struct tcp_info, field) + sizeof(((struct tcp_info *)0)->field))

/* One ioctl queue size; EINVAL (a listener, a socket not connected) is 0. */
static int net_ioctl_queue(int fd, unsigned long req, const char *label, uint32_t *out, char *err)
{
    int v = 0;
    if (ioctl(fd, req, &v) < 0) {
        int rc = -errno;
        if (rc == -EINVAL) {
            *out = 0;
            return 0;
        }
        net_seterr(err, rc, "ioctl(%s)", label);
        return rc;
    }
    *out = v < 0 ? 0 : (uint32_t)v;
    return 0;
}

int net_probe(int fd, net_probe_t *out, char *err)
{
    struct tcp_info ti;
    socklen_t tilen = sizeof(ti);
    int v = 0, rc = 0;
    socklen_t vlen;
    memset(out, 0, sizeof(*out));
    memset(&ti, 0, sizeof(ti));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tilen) < 0) {
        rc = -errno;
        net_seterr(err, rc, "getsockopt(TCP_INFO)");
        goto out;
    }
    snprintf(out->state, sizeof(out->state), "%s",
             base_tcp_state_name(base_tcp_state_of_linux(ti.tcpi_state)));
    out->tcpi_state = ti.tcpi_state;
    bool listening = base_tcp_state_of_linux(ti.tcpi_state) == BASE_TCP_LISTEN;
    if (NET_TI_HAS(tilen, tcpi_rtt))
        out->rtt_us = ti.tcpi_rtt;
    if (NET_TI_HAS(tilen, tcpi_snd_cwnd))
        out->snd_cwnd = ti.tcpi_snd_cwnd;
    if (NET_TI_HAS(tilen, tcpi_rcv_space))
        out->rcv_space_bytes = ti.tcpi_rcv_space;
    if (NET_TI_HAS(tilen, tcpi_notsent_bytes))
        out->notsent_bytes = ti.tcpi_notsent_bytes;
    out->snd_wnd_known = NET_TI_HAS(tilen, tcpi_snd_wnd);
    if (out->snd_wnd_known)
        out->snd_wnd_bytes = ti.tcpi_snd_wnd;
    /* On a listener tcpi_unacked is the accept queue's length. */
    if (listening)
        out->accept_queue = ti.tcpi_unacked;
    else
        out->unacked = ti.tcpi_unacked;

    if (!listening) {
        rc = net_ioctl_queue(fd, SIOCOUTQ, "SIOCOUTQ", &out->send_queue_bytes, err);
        if (rc < 0)
            goto out;
        rc = net_ioctl_queue(fd, SIOCOUTQNSD, "SIOCOUTQNSD", &out->unsent_bytes, err);
        if (rc < 0)
            goto out;
        rc = net_ioctl_queue(fd, SIOCINQ, "SIOCINQ", &out->recv_queue_bytes, err);
        if (rc < 0)
            goto out;
        out->in_flight_bytes = out->send_queue_bytes > out->unsent_bytes
                                   ? out->send_queue_bytes - out->unsent_bytes
                                   : 0;
    }
    vlen = sizeof(v);
    if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &vlen) < 0) {
        rc = -errno;
        net_seterr(err, rc, "getsockopt(SO_SNDBUF)");
        goto out;
    }
    out->sndbuf_bytes = (uint32_t)v;
    vlen = sizeof(v);
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &vlen) < 0) {
        rc = -errno;
        net_seterr(err, rc, "getsockopt(SO_RCVBUF)");
        goto out;
    }
    out->rcvbuf_bytes = (uint32_t)v;
out:
    return rc;
}

const char *net_exception_name(int neg_errno)
{
    return base_exception_name(neg_errno);
}
