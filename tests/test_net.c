/* test_net.c: net/ on real loopback sockets.
 *
 * Every test binds port 0, so ctest can run them in parallel with other
 * suites. Each probe is checked against what the kernel must report after
 * a real exchange, and each error mapping is produced by a real failure
 * (a refused connect, a reset, a broken pipe, an empty queue). Python's own
 * errno-to-exception table is the reference for net_exception_name() when
 * python3 is installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"

/* A connected pair on loopback, with its listener. */
typedef struct {
    int lfd, cfd, sfd; /* listener, client end, server end */
    int port;
} pair;

static void pair_open(pair *p)
{
    char err[NET_ERR_LEN] = "";
    p->lfd = net_socket(err);
    assert_true(p->lfd >= 0);
    assert_int_equal(net_bind(p->lfd, NULL, 0, err), 0);
    assert_int_equal(net_listen(p->lfd, 16, err), 0);
    p->port = net_local_port(p->lfd, err);
    assert_true(p->port > 0);
    p->cfd = net_socket(err);
    assert_true(p->cfd >= 0);
    int rc = net_connect(p->cfd, "127.0.0.1", (uint16_t)p->port, err);
    assert_true(rc == 0 || rc == -EINPROGRESS);
    assert_int_equal(net_wait(p->cfd, true, 2000), 1);
    assert_int_equal(net_connect_result(p->cfd, err), 0);
    assert_int_equal(net_wait(p->lfd, false, 2000), 1);
    p->sfd = net_accept(p->lfd, err);
    assert_true(p->sfd >= 0);
}

static void pair_close(pair *p)
{
    net_close(p->cfd);
    net_close(p->sfd);
    net_close(p->lfd);
}

/* Probes fd until pred(probe) holds or 2 s pass; returns the last probe. */
static net_probe_t probe_until(int fd, bool (*pred)(const net_probe_t *))
{
    net_probe_t pr;
    char err[NET_ERR_LEN] = "";
    for (int i = 0; i < 2000; i++) {
        assert_int_equal(net_probe(fd, &pr, err), 0);
        if (pred(&pr))
            break;
        usleep(1000);
    }
    return pr;
}

static bool send_queue_empty(const net_probe_t *p)
{
    return p->send_queue_bytes == 0;
}

static bool in_fin_wait2(const net_probe_t *p)
{
    return strcmp(p->state, "FIN_WAIT2") == 0;
}

/* Sockets are created and accepted non-blocking and close-on-exec. */
static void test_socket_flags_nonblock_cloexec(void **state)
{
    (void)state;
    pair p;
    pair_open(&p);
    int fds[3] = {p.lfd, p.cfd, p.sfd};
    for (int i = 0; i < 3; i++) {
        int fl = fcntl(fds[i], F_GETFL);
        int fdfl = fcntl(fds[i], F_GETFD);
        assert_true(fl >= 0 && fdfl >= 0);
        assert_true(fl & O_NONBLOCK);
        assert_true(fdfl & FD_CLOEXEC);
    }
    pair_close(&p);
}

/* 12 bytes sent show up in the peer's SIOCINQ, and leave the sender's
 * SIOCOUTQ once acknowledged. */
static void test_probe_recv_queue_counts_bytes(void **state)
{
    (void)state;
    pair p;
    char err[NET_ERR_LEN] = "";
    pair_open(&p);
    assert_int_equal(net_send(p.cfd, (const uint8_t *)"Hello, world", 12, 0, err), 12);
    assert_int_equal(net_wait(p.sfd, false, 2000), 1);
    net_probe_t pr;
    assert_int_equal(net_probe(p.sfd, &pr, err), 0);
    assert_string_equal(pr.state, "ESTABLISHED");
    assert_int_equal(pr.recv_queue_bytes, 12);
    assert_int_equal(pr.send_queue_bytes, 0);
    pr = probe_until(p.cfd, send_queue_empty);
    assert_int_equal(pr.send_queue_bytes, 0);
    assert_int_equal(pr.unsent_bytes, 0);
    assert_string_equal(pr.state, "ESTABLISHED");
    assert_true(pr.snd_cwnd > 0);
    assert_true(pr.rcv_space_bytes > 0);
    assert_true(pr.rtt_us > 0); /* measured from the ACK of the 12 bytes */
    assert_int_equal(pr.unacked, 0);
    assert_int_equal(pr.in_flight_bytes, 0);
    assert_int_equal(pr.notsent_bytes, 0);
    /* Reading empties the queue. */
    uint8_t buf[64];
    assert_int_equal(net_recv(p.sfd, buf, sizeof(buf), err), 12);
    assert_memory_equal(buf, "Hello, world", 12);
    assert_int_equal(net_probe(p.sfd, &pr, err), 0);
    assert_int_equal(pr.recv_queue_bytes, 0);
    pair_close(&p);
}

/* With the receiver not reading, a sender with small buffers fills up:
 * its queue splits into unsent + in flight, and SIOCOUTQNSD matches
 * TCP_INFO's notsent bytes; the receiver's queue holds what arrived. */
static void test_probe_full_queues_split(void **state)
{
    (void)state;
    pair p;
    char err[NET_ERR_LEN] = "";
    pair_open(&p);
    assert_int_equal(net_setsockopt(p.cfd, NET_SO_SNDBUF, 16384, err), 0);
    assert_int_equal(net_setsockopt(p.sfd, NET_SO_RCVBUF, 4096, err), 0);
    static uint8_t chunk[65536];
    memset(chunk, 'x', sizeof(chunk));
    long total = 0, n;
    while ((n = net_send(p.cfd, chunk, sizeof(chunk), 0, err)) > 0)
        total += n;
    assert_int_equal(n, -EAGAIN);
    /* Let the receiver's window close and the last ACKs come back. */
    net_probe_t cp, sp;
    for (int i = 0; i < 100; i++) {
        usleep(10000);
        assert_int_equal(net_probe(p.cfd, &cp, err), 0);
        assert_int_equal(net_probe(p.sfd, &sp, err), 0);
        if ((long)cp.send_queue_bytes + (long)sp.recv_queue_bytes == total)
            break;
    }
    assert_true(cp.send_queue_bytes > 0);
    assert_int_equal(cp.in_flight_bytes, cp.send_queue_bytes - cp.unsent_bytes);
    assert_int_equal(cp.notsent_bytes, cp.unsent_bytes);
    assert_true(sp.recv_queue_bytes > 0);
    /* Every byte sent is in one of the two queues. */
    assert_int_equal((long)cp.send_queue_bytes + (long)sp.recv_queue_bytes, total);
    pair_close(&p);
}

/* On a listener SIOCINQ/SIOCOUTQ fail with EINVAL, yet the probe gives
 * the state, the buffer sizes and the accept queue. */
static void test_probe_listener_state_and_accept_queue(void **state)
{
    (void)state;
    char err[NET_ERR_LEN] = "";
    int lfd = net_socket(err);
    assert_true(lfd >= 0);
    assert_int_equal(net_bind(lfd, NULL, 0, err), 0);
    assert_int_equal(net_listen(lfd, 8, err), 0);
    int port = net_local_port(lfd, err);
    net_probe_t pr;
    assert_int_equal(net_probe(lfd, &pr, err), 0);
    assert_string_equal(pr.state, "LISTEN");
    assert_int_equal(pr.accept_queue, 0);
    assert_true(pr.sndbuf_bytes > 0 && pr.rcvbuf_bytes > 0);
    int c[2];
    for (int i = 0; i < 2; i++) {
        c[i] = net_socket(err);
        int rc = net_connect(c[i], NULL, (uint16_t)port, err);
        assert_true(rc == 0 || rc == -EINPROGRESS);
        assert_int_equal(net_wait(c[i], true, 2000), 1);
        assert_int_equal(net_connect_result(c[i], err), 0);
    }
    for (int i = 0; i < 200; i++) {
        assert_int_equal(net_probe(lfd, &pr, err), 0);
        if (pr.accept_queue == 2)
            break;
        usleep(1000);
    }
    assert_int_equal(pr.accept_queue, 2);
    int a = net_accept(lfd, err);
    assert_true(a >= 0);
    assert_int_equal(net_probe(lfd, &pr, err), 0);
    assert_int_equal(pr.accept_queue, 1);
    net_close(a);
    net_close(c[0]);
    net_close(c[1]);
    net_close(lfd);
}

/* Linux doubles SO_SNDBUF/SO_RCVBUF and clamps them: 1 -> 4608 (2304 for
 * the receive side), 4096 -> 8192; the probe reports the same. */
static void test_setsockopt_buffers_linux_doubling(void **state)
{
    (void)state;
    char err[NET_ERR_LEN] = "";
    int fd = net_socket(err);
    int v = 0;
    assert_int_equal(net_setsockopt(fd, NET_SO_SNDBUF, 1, err), 0);
    assert_int_equal(net_getsockopt(fd, NET_SO_SNDBUF, &v, err), 0);
    assert_int_equal(v, 4608);
    assert_int_equal(net_setsockopt(fd, NET_SO_SNDBUF, 4096, err), 0);
    assert_int_equal(net_getsockopt(fd, NET_SO_SNDBUF, &v, err), 0);
    assert_int_equal(v, 8192);
    assert_int_equal(net_setsockopt(fd, NET_SO_RCVBUF, 1, err), 0);
    assert_int_equal(net_getsockopt(fd, NET_SO_RCVBUF, &v, err), 0);
    assert_int_equal(v, 2304);
    assert_int_equal(net_setsockopt(fd, NET_SO_RCVBUF, 4096, err), 0);
    net_probe_t pr;
    assert_int_equal(net_probe(fd, &pr, err), 0);
    assert_string_equal(pr.state, "CLOSED");
    assert_int_equal(pr.sndbuf_bytes, 8192);
    assert_int_equal(pr.rcvbuf_bytes, 8192);
    assert_int_equal(net_setsockopt(fd, NET_TCP_NODELAY, 1, err), 0);
    assert_int_equal(net_getsockopt(fd, NET_TCP_NODELAY, &v, err), 0);
    assert_int_equal(v, 1);
    net_close(fd);
}

/* A failing setsockopt names the option, the value and the reason. */
static void test_setsockopt_error_message(void **state)
{
    (void)state;
    char err[NET_ERR_LEN] = "";
    assert_int_equal(net_setsockopt(-1, NET_SO_RCVBUF, 4096, err), -EBADF);
    assert_string_equal(err, "setsockopt(SO_RCVBUF=4096): Bad file descriptor");
    assert_int_equal(net_setsockopt(-1, (net_opt)99, 1, err), -ENOPROTOOPT);
    assert_string_equal(net_exception_name(-EBADF), "OSError");
}

/* A socket never connected is not "in progress": ENOTCONN, not EAGAIN. */
static void test_connect_result_unconnected(void **state)
{
    (void)state;
    char err[NET_ERR_LEN] = "";
    int fd = net_socket(err);
    assert_int_equal(net_connect_result(fd, err), -ENOTCONN);
    assert_string_equal(net_exception_name(-ENOTCONN), "OSError");
    net_close(fd);
}

/* Connecting to a port nobody listens on gives ECONNREFUSED, raised as
 * ConnectionRefusedError, with the address in the message. */
static void test_connect_refused(void **state)
{
    (void)state;
    char err[NET_ERR_LEN] = "", want[NET_ERR_LEN];
    /* A port that was free a moment ago and is bound but not listening. */
    int hold = net_socket(err);
    assert_int_equal(net_bind(hold, NULL, 0, err), 0);
    int port = net_local_port(hold, err);
    int fd = net_socket(err);
    int rc = net_connect(fd, "127.0.0.1", (uint16_t)port, err);
    if (rc == -EINPROGRESS) {
        assert_int_equal(net_wait(fd, true, 2000), 1);
        rc = net_connect_result(fd, err);
    } else {
        snprintf(want, sizeof(want), "connect(127.0.0.1:%d): Connection refused", port);
        assert_string_equal(err, want);
    }
    assert_int_equal(rc, -ECONNREFUSED);
    assert_string_equal(net_exception_name(rc), "ConnectionRefusedError");
    assert_non_null(strstr(err, "Connection refused"));
    net_close(fd);
    net_close(hold);
}

/* A peer closed with unread data sends RST: the next send raises
 * ConnectionResetError, the one after BrokenPipeError, and SIGPIPE does
 * not kill the process. */
static void test_send_after_reset_then_broken_pipe(void **state)
{
    (void)state;
    pair p;
    char err[NET_ERR_LEN] = "";
    pair_open(&p);
    assert_int_equal(net_send(p.cfd, (const uint8_t *)"unread", 6, 0, err), 6);
    assert_int_equal(net_wait(p.sfd, false, 2000), 1);
    net_close(p.sfd); /* unread data: RST */
    p.sfd = -1;
    assert_int_equal(net_wait(p.cfd, false, 2000), 1);
    long rc = net_send(p.cfd, (const uint8_t *)"x", 1, 0, err);
    assert_int_equal(rc, -ECONNRESET);
    assert_string_equal(net_exception_name((int)rc), "ConnectionResetError");
    assert_string_equal(err, "send(1 bytes): Connection reset by peer");
    rc = net_send(p.cfd, (const uint8_t *)"x", 1, 0, err);
    assert_int_equal(rc, -EPIPE);
    assert_string_equal(net_exception_name((int)rc), "BrokenPipeError");
    net_probe_t pr;
    assert_int_equal(net_probe(p.cfd, &pr, err), 0);
    assert_string_equal(pr.state, "CLOSED");
    pair_close(&p);
}

/* recv on an empty queue gives EAGAIN (BlockingIOError); after the peer's
 * FIN it gives 0, and the probe shows CLOSE_WAIT. */
static void test_recv_empty_then_eof(void **state)
{
    (void)state;
    pair p;
    char err[NET_ERR_LEN] = "";
    uint8_t buf[1024];
    pair_open(&p);
    long rc = net_recv(p.sfd, buf, sizeof(buf), err);
    assert_int_equal(rc, -EAGAIN);
    assert_string_equal(net_exception_name((int)rc), "BlockingIOError");
    assert_string_equal(err, "recv(1024): Resource temporarily unavailable");
    assert_int_equal(net_wait(p.sfd, false, 20), 0);
    assert_int_equal(net_shutdown(p.cfd, NET_SHUT_WR, err), 0);
    assert_int_equal(net_wait(p.sfd, false, 2000), 1);
    assert_int_equal(net_recv(p.sfd, buf, sizeof(buf), err), 0);
    net_probe_t pr;
    assert_int_equal(net_probe(p.sfd, &pr, err), 0);
    assert_string_equal(pr.state, "CLOSE_WAIT");
    pr = probe_until(p.cfd, in_fin_wait2);
    assert_string_equal(pr.state, "FIN_WAIT2");
    pair_close(&p);
}

/* accept with nobody waiting gives EAGAIN; binding a port in use gives
 * EADDRINUSE with the address in the message. */
static void test_accept_empty_and_bind_in_use(void **state)
{
    (void)state;
    char err[NET_ERR_LEN] = "", want[NET_ERR_LEN];
    int lfd = net_socket(err);
    assert_int_equal(net_bind(lfd, "localhost", 0, err), 0);
    assert_int_equal(net_listen(lfd, 4, err), 0);
    int port = net_local_port(lfd, err);
    assert_int_equal(net_accept(lfd, err), -EAGAIN);
    int fd = net_socket(err);
    assert_int_equal(net_bind(fd, NULL, (uint16_t)port, err), -EADDRINUSE);
    snprintf(want, sizeof(want), "bind(127.0.0.1:%d): Address already in use", port);
    assert_string_equal(err, want);
    assert_string_equal(net_exception_name(-EADDRINUSE), "OSError");
    assert_int_equal(net_bind(fd, "no.such.host.invalid", 0, err), -EADDRNOTAVAIL);
    assert_non_null(strstr(err, "getaddrinfo(no.such.host.invalid)"));
    net_close(fd);
    net_close(lfd);
}

/* The peer's address reads back as "127.0.0.1:PORT". */
static void test_peer_name_format(void **state)
{
    (void)state;
    pair p;
    char err[NET_ERR_LEN] = "", name[64], want[64];
    pair_open(&p);
    assert_int_equal(net_peer_name(p.cfd, name, sizeof(name), err), 0);
    snprintf(want, sizeof(want), "127.0.0.1:%d", p.port);
    assert_string_equal(name, want);
    assert_int_equal(net_local_name(p.cfd, name, sizeof(name), err), 0);
    char peer[64];
    assert_int_equal(net_peer_name(p.sfd, peer, sizeof(peer), err), 0);
    assert_string_equal(name, peer);
    assert_int_equal(net_peer_name(p.lfd, name, sizeof(name), err), -ENOTCONN);
    pair_close(&p);
}

/* IPv6 loopback works the same way ("localhost" is ::1 there). */
static void test_ipv6_localhost_pair(void **state)
{
    (void)state;
    char err[NET_ERR_LEN] = "", name[64];
    int lfd = net_socket6(err);
    if (lfd < 0 || net_bind(lfd, "localhost", 0, err) < 0) {
        net_close(lfd);
        skip(); /* no IPv6 on this machine */
    }
    assert_int_equal(net_listen(lfd, 4, err), 0);
    int port = net_local_port(lfd, err);
    int c = net_socket6(err);
    int rc = net_connect(c, "[::1]", (uint16_t)port, err);
    assert_true(rc == 0 || rc == -EINPROGRESS);
    assert_int_equal(net_wait(c, true, 2000), 1);
    assert_int_equal(net_connect_result(c, err), 0);
    assert_int_equal(net_peer_name(c, name, sizeof(name), err), 0);
    char want[64];
    snprintf(want, sizeof(want), "[::1]:%d", port);
    assert_string_equal(name, want);
    net_close(c);
    net_close(lfd);
}

/* net_exception_name agrees with Python's own OSError(errno) subclass for
 * every errno the lessons can meet (reference: python3, when installed). */
static void test_exception_name_matches_python(void **state)
{
    (void)state;
    static const int errs[] = {ECONNRESET,   EPIPE,        EAGAIN,    EINPROGRESS, EALREADY,
                               ECONNREFUSED, ECONNABORTED, ETIMEDOUT, EINTR,       ENOENT,
                               EACCES,       EPERM,        EBADF,     ENOTCONN,    EINVAL,
                               EADDRINUSE,   ESHUTDOWN,    EEXIST,    EISDIR,      ECHILD,
                               ESRCH,        EMFILE,       ENOTDIR,   EHOSTUNREACH};
    /* Known answers first, so the test means something without Python. */
    assert_string_equal(net_exception_name(-ECONNRESET), "ConnectionResetError");
    assert_string_equal(net_exception_name(-EPIPE), "BrokenPipeError");
    assert_string_equal(net_exception_name(-EWOULDBLOCK), "BlockingIOError");
    assert_string_equal(net_exception_name(-EINPROGRESS), "BlockingIOError");
    assert_string_equal(net_exception_name(-ECONNREFUSED), "ConnectionRefusedError");
    assert_string_equal(net_exception_name(-ECONNABORTED), "ConnectionAbortedError");
    assert_string_equal(net_exception_name(-ETIMEDOUT), "TimeoutError");
    assert_string_equal(net_exception_name(-EINTR), "InterruptedError");
    assert_string_equal(net_exception_name(-ENOENT), "FileNotFoundError");
    assert_string_equal(net_exception_name(-EACCES), "PermissionError");
    assert_string_equal(net_exception_name(-EPERM), "PermissionError");
    assert_string_equal(net_exception_name(-ENOTCONN), "OSError");
    assert_string_equal(net_exception_name(-12345), "OSError");

    char cmd[1024];
    int off = snprintf(cmd, sizeof(cmd),
                       "python3 -c 'import sys\nfor e in sys.argv[1:]: "
                       "print(type(OSError(int(e), \"\")).__name__)'");
    for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
        off += snprintf(cmd + off, sizeof(cmd) - (size_t)off, " %d", errs[i]);
    snprintf(cmd + off, sizeof(cmd) - (size_t)off, " 2>/dev/null");
    FILE *py = popen(cmd, "r");
    assert_non_null(py);
    char line[128];
    size_t i = 0;
    while (i < sizeof(errs) / sizeof(errs[0]) && fgets(line, sizeof(line), py) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(net_exception_name(-errs[i]), line) != 0)
            fail_msg("errno %d: net says %s, Python says %s", errs[i], net_exception_name(-errs[i]),
                     line);
        i++;
    }
    int st = pclose(py);
    if (i == 0 && st != 0)
        skip(); /* no python3: the known answers above stand */
    assert_int_equal(i, sizeof(errs) / sizeof(errs[0]));
}

/* net_wait times out on a quiet socket and reports an invalid fd. */
static void test_wait_timeout_and_bad_fd(void **state)
{
    (void)state;
    pair p;
    pair_open(&p);
    assert_int_equal(net_wait(p.sfd, false, 10), 0);
    assert_int_equal(net_wait(p.cfd, true, 10), 1);
    pair_close(&p);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    close(fds[1]);
    assert_int_equal(net_wait(fds[0], false, 10), -EBADF);
}

/* net_send_fd/net_recv_fd: the message arrives whole and the descriptor
 * passed with it is a working copy, close-on-exec; without one, *fd is -1. */
static void test_send_fd_passes_a_descriptor(void **state)
{
    (void)state;
    int sp[2], pp[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
    assert_int_equal(pipe2(pp, O_CLOEXEC), 0);
    assert_int_equal(net_send_fd(sp[0], "hello", 5, pp[1]), 5);
    char buf[16] = {0};
    int got = -2;
    assert_int_equal(net_recv_fd(sp[1], buf, sizeof buf, 0, &got), 5);
    assert_memory_equal(buf, "hello", 5);
    assert_true(got >= 0 && got != pp[1]);
    assert_true(fcntl(got, F_GETFD) & FD_CLOEXEC);
    assert_int_equal(write(got, "x", 1), 1);
    char c = 0;
    assert_int_equal(read(pp[0], &c, 1), 1);
    assert_int_equal(c, 'x');
    close(got);
    /* no descriptor: *fd says so */
    assert_int_equal(net_send_fd(sp[0], "ab", 2, -1), 2);
    assert_int_equal(net_recv_fd(sp[1], buf, sizeof buf, 0, &got), 2);
    assert_int_equal(got, -1);
    /* nothing waiting, non-blocking: -EAGAIN */
    assert_int_equal(net_recv_fd(sp[1], buf, sizeof buf, MSG_DONTWAIT, &got), -EAGAIN);
    close(sp[0]);
    close(sp[1]);
    close(pp[0]);
    close(pp[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_socket_flags_nonblock_cloexec),
        cmocka_unit_test(test_probe_recv_queue_counts_bytes),
        cmocka_unit_test(test_probe_full_queues_split),
        cmocka_unit_test(test_probe_listener_state_and_accept_queue),
        cmocka_unit_test(test_setsockopt_buffers_linux_doubling),
        cmocka_unit_test(test_setsockopt_error_message),
        cmocka_unit_test(test_connect_result_unconnected),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_send_after_reset_then_broken_pipe),
        cmocka_unit_test(test_recv_empty_then_eof),
        cmocka_unit_test(test_accept_empty_and_bind_in_use),
        cmocka_unit_test(test_peer_name_format),
        cmocka_unit_test(test_ipv6_localhost_pair),
        cmocka_unit_test(test_exception_name_matches_python),
        cmocka_unit_test(test_wait_timeout_and_bad_fd),
        cmocka_unit_test(test_send_fd_passes_a_descriptor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
