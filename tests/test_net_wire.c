/* test_net_wire.c: the emulated link (net_wire.h) with real kernel TCP.
 *
 * Each test starts its own helper, so its namespaces are private and
 * tests run in parallel. The kernel is the judge: its own TCP_INFO must
 * see the link's round trip and MSS, a transfer must take as long as the
 * rate says, and a zero window must show on the kernel and in the log.
 * CI runs as root with /dev/net/tun: nothing here is skipped there; on a
 * machine without the wire a test fails with the helper's message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net.h"
#include "net_wire.h"

typedef struct {
    net_wire *w;
    int lfd, cfd, sfd;
    int port;
} wpair;

static void wait_fd(int fd, short ev, int ms)
{
    struct pollfd p = {.fd = fd, .events = ev};
    poll(&p, 1, ms);
}

/* Starts a wire with link and connects a client (A) to a server (B). */
static int wpair_open(wpair *p, const net_wire_link *link, int server_rcvbuf)
{
    char msg[NET_WIRE_MSG_LEN] = "";
    memset(p, 0, sizeof *p);
    p->lfd = p->cfd = p->sfd = -1;
    int rc = net_wire_start(&p->w, NULL, msg);
    if (rc < 0) {
        fprintf(stderr, "net_wire_start: %s\n", msg);
        return rc;
    }
    assert_int_equal(net_wire_configure(p->w, link, msg), 0);
    p->lfd = net_wire_socket(p->w, NET_WIRE_SERVER, msg);
    assert_true(p->lfd >= 0);
    if (server_rcvbuf)
        assert_int_equal(net_setsockopt(p->lfd, NET_SO_RCVBUF, server_rcvbuf, NULL), 0);
    assert_int_equal(net_bind(p->lfd, net_wire_addr(NET_WIRE_SERVER), 0, NULL), 0);
    assert_int_equal(net_listen(p->lfd, 8, NULL), 0);
    p->port = net_local_port(p->lfd, NULL);
    p->cfd = net_wire_socket(p->w, NET_WIRE_CLIENT, msg);
    assert_true(p->cfd >= 0);
    assert_int_equal(net_bind(p->cfd, net_wire_addr(NET_WIRE_CLIENT), 0, NULL), 0);
    rc = net_connect(p->cfd, net_wire_addr(NET_WIRE_SERVER), (uint16_t)p->port, NULL);
    assert_true(rc == 0 || rc == -EINPROGRESS);
    wait_fd(p->cfd, POLLOUT, 3000);
    assert_int_equal(net_connect_result(p->cfd, NULL), 0);
    wait_fd(p->lfd, POLLIN, 3000);
    p->sfd = net_accept(p->lfd, NULL);
    assert_true(p->sfd >= 0);
    return 0;
}

static void wpair_close(wpair *p)
{
    net_close(p->cfd);
    net_close(p->sfd);
    net_close(p->lfd);
    net_wire_free(p->w);
}

static struct tcp_info tinfo(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
    return ti;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Sends all of buf[0..n) from a to b, reading on b; returns seconds from
 * the first send to the last byte read. */
static double transfer(int a, int b, size_t n)
{
    static uint8_t buf[65536], sink[65536];
    size_t sent = 0, got = 0;
    double t0 = now_s();
    while (got < n) {
        if (sent < n) {
            size_t k = n - sent < sizeof buf ? n - sent : sizeof buf;
            long r = net_send(a, buf, k, 0, NULL);
            if (r > 0)
                sent += (size_t)r;
        }
        long r = net_recv(b, sink, sizeof sink, NULL);
        if (r > 0)
            got += (size_t)r;
        else {
            struct pollfd pf[2] = {{.fd = b, .events = POLLIN},
                                   {.fd = a, .events = sent < n ? POLLOUT : 0}};
            poll(pf, 2, 100);
        }
        if (now_s() - t0 > 20)
            fail_msg("transfer of %zu bytes stuck at %zu", n, got);
    }
    return now_s() - t0;
}

/* The kernel's own smallest round trip is twice the link's latency. */
static void test_wire_min_rtt_is_two_latencies(void **state)
{
    (void)state;
    net_wire_link link = {.latency_us = 10000, .rate_bps = 10000000, .mss_bytes = 1460};
    wpair p;
    assert_int_equal(wpair_open(&p, &link, 0), 0);
    for (int i = 0; i < 10; i++)
        transfer(p.cfd, p.sfd, 100);
    struct tcp_info ti = tinfo(p.cfd);
    if (ti.tcpi_min_rtt < 16000 || ti.tcpi_min_rtt > 24000)
        fail_msg("min_rtt %u us for a 10 ms latency", ti.tcpi_min_rtt);
    wpair_close(&p);
}

/* net_wire_sync is a barrier: a segment sent just before it is counted
 * (the link holds it for its latency), and once it and its ACK have been
 * delivered the helper holds nothing. */
static void test_wire_sync_counts_what_was_just_sent(void **state)
{
    (void)state;
    net_wire_link link = {.latency_us = 100000, .rate_bps = 10000000, .mss_bytes = 1460};
    wpair p;
    char msg[NET_WIRE_MSG_LEN] = "";
    uint32_t queued = 99;
    assert_int_equal(wpair_open(&p, &link, 0), 0);
    usleep(300000); /* the handshake's last ACK is through */
    assert_int_equal(net_wire_sync(p.w, &queued, msg), 0);
    assert_int_equal(queued, 0);
    assert_int_equal(send(p.cfd, "hello", 5, 0), 5);
    assert_int_equal(net_wire_sync(p.w, &queued, msg), 0);
    assert_true(queued >= 1);
    usleep(600000); /* delivered, and its (maybe delayed) ACK back */
    assert_int_equal(net_wire_sync(p.w, &queued, msg), 0);
    assert_int_equal(queued, 0);
    wpair_close(&p);
}

/* tcpi_snd_mss is the link's mss on both ends, whatever the mss. */
static void test_wire_snd_mss_is_link_mss(void **state)
{
    (void)state;
    uint32_t mss[] = {1460, 536, 4000};
    for (size_t i = 0; i < 3; i++) {
        net_wire_link link = {.latency_us = 1000, .rate_bps = 0, .mss_bytes = mss[i]};
        wpair p;
        assert_int_equal(wpair_open(&p, &link, 0), 0);
        transfer(p.cfd, p.sfd, 20000);
        assert_int_equal(tinfo(p.cfd).tcpi_snd_mss, mss[i]);
        assert_int_equal(tinfo(p.sfd).tcpi_snd_mss, mss[i]);
        /* The log saw full segments of exactly mss bytes. */
        assert_true(net_wire_poll(p.w) >= 0);
        size_t n, full = 0;
        const net_wire_segment *s = net_wire_log(p.w, &n);
        for (size_t k = 0; k < n; k++) {
            assert_true(s[k].len_bytes <= mss[i]);
            full += s[k].len_bytes == mss[i];
        }
        assert_true(full > 0);
        wpair_close(&p);
    }
}

/* A 1 MB transfer takes size/rate, within 15%. */
static void test_wire_transfer_takes_size_over_rate(void **state)
{
    (void)state;
    net_wire_link link = {.latency_us = 1000, .rate_bps = 20000000, .mss_bytes = 1460};
    wpair p;
    assert_int_equal(wpair_open(&p, &link, 0), 0);
    /* Buffers that hold the whole megabyte: the kernels (driven by the
     * helper's deliveries) move it even while this process waits for a
     * core, so the figure is the link's, not the scheduler's. */
    assert_int_equal(net_setsockopt(p.cfd, NET_SO_SNDBUF, 2 << 20, NULL), 0);
    assert_int_equal(net_setsockopt(p.sfd, NET_SO_RCVBUF, 2 << 20, NULL), 0);
    size_t n = 1 << 20;
    double secs = transfer(p.cfd, p.sfd, n);
    /* The wire's own account: first data segment out to last one in. */
    assert_true(net_wire_poll(p.w) >= 0);
    size_t cnt;
    const net_wire_segment *s = net_wire_log(p.w, &cnt);
    uint64_t first = 0, last = 0, bytes = 0;
    for (size_t k = 0; k < cnt; k++)
        if (s[k].dir == 0 && s[k].len_bytes > 0 && !s[k].dropped) {
            if (!first)
                first = s[k].sent_us;
            last = s[k].arrive_us;
            bytes += s[k].len_bytes;
        }
    double wire_s = (double)(last - first) / 1e6;
    double want = (double)n * 8 / (double)link.rate_bps;
    fprintf(stderr, "1 MB at 20 Mbit/s: %.3f s on the wire, %.3f s in this process (size/rate %.3f s)\n",
            wire_s, secs, want);
    assert_true(bytes >= n);
    assert_true(wire_s > want * 0.85 && wire_s < want * 1.15);
    assert_true(secs > want * 0.85);
    wpair_close(&p);
}

/* The log shows the handshake first, in order, with the right windows. */
static void test_wire_log_shows_handshake(void **state)
{
    (void)state;
    net_wire_link link = {.latency_us = 2000, .rate_bps = 10000000, .mss_bytes = 1460};
    wpair p;
    assert_int_equal(wpair_open(&p, &link, 0), 0);
    transfer(p.cfd, p.sfd, 12);
    usleep(20000);
    assert_true(net_wire_poll(p.w) >= 3);
    size_t n;
    const net_wire_segment *s = net_wire_log(p.w, &n);
    assert_true(n >= 4);
    assert_int_equal(s[0].flags, NET_WIRE_SYN);
    assert_int_equal(s[0].dir, 0);
    assert_int_equal(s[1].flags, NET_WIRE_SYN | NET_WIRE_ACK);
    assert_int_equal(s[1].dir, 1);
    assert_int_equal(s[1].ack, s[0].seq + 1);
    assert_int_equal(s[2].flags & (NET_WIRE_SYN | NET_WIRE_ACK), NET_WIRE_ACK);
    assert_int_equal(s[2].dst_port, p.port);
    /* Every arrival is a latency after it was sent, or later. */
    for (size_t k = 0; k < n; k++)
        assert_true(s[k].arrive_us >= s[k].sent_us + link.latency_us);
    size_t data = 0;
    for (size_t k = 0; k < n; k++)
        if (s[k].len_bytes == 12 && s[k].dir == 0)
            data++;
    assert_int_equal(data, 1);
    wpair_close(&p);
}

/* A receiver that does not read closes its window: the kernel's sender
 * sees 0, the log has a window-0 segment and then the sender's probes. */
static void test_wire_zero_window_shows(void **state)
{
    (void)state;
    net_wire_link link = {.latency_us = 2000, .rate_bps = 50000000, .mss_bytes = 1460};
    wpair p;
    assert_int_equal(wpair_open(&p, &link, 4096), 0);
    static uint8_t buf[200000];
    for (int i = 0; i < 200; i++) {
        net_send(p.cfd, buf, sizeof buf, 0, NULL);
        usleep(5000);
    }
    usleep(800000); /* long enough for probes after the RTO */
    struct tcp_info ti = tinfo(p.cfd);
    assert_int_equal(ti.tcpi_snd_wnd, 0);
    assert_true(net_wire_poll(p.w) > 0);
    size_t n, zero_at = 0;
    const net_wire_segment *s = net_wire_log(p.w, &n);
    for (size_t k = 0; k < n && !zero_at; k++)
        if (s[k].dir == 1 && s[k].window_bytes == 0 && !(s[k].flags & NET_WIRE_SYN))
            zero_at = k + 1;
    assert_true(zero_at > 0);
    size_t probes = 0;
    for (size_t k = zero_at; k < n; k++)
        if (s[k].dir == 0 && s[k].len_bytes <= 1)
            probes++;
    assert_true(probes >= 1);
    wpair_close(&p);
}

/* A TUN node that cannot be opened: the helper fails at that step, says
 * so with the errno and a fix, and is gone. */
static void test_wire_start_fails_cleanly(void **state)
{
    (void)state;
    char msg[NET_WIRE_MSG_LEN] = "";
    net_wire *w = (net_wire *)1;
    int rc = net_wire_start(&w, "/nonexistent/tun", msg);
    assert_int_equal(rc, -ENOENT);
    assert_null(w);
    assert_non_null(strstr(msg, "open /nonexistent/tun: No such file or directory"));
    assert_non_null(strstr(msg, "fix: "));
    /* The helper was reaped: no child is left. */
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

/* The helper dies when its owner frees the wire. */
static void test_wire_free_ends_helper(void **state)
{
    (void)state;
    net_wire *w = NULL;
    assert_int_equal(net_wire_start(&w, NULL, NULL), 0);
    int pid = net_wire_pid(w);
    assert_int_equal(kill(pid, 0), 0);
    net_wire_free(w);
    assert_int_equal(kill(pid, 0), -1);
    net_wire_free(NULL);
}

/* As an ordinary user (nobody) with a TUN node of mode 0666 made for the
 * test: user namespaces give the helper its rights. The node path comes
 * from SOCKBUF_TUN. */
static void test_wire_unprivileged_user(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        /* Already unprivileged: the plain run is the test. */
        net_wire *w = NULL;
        char msg[NET_WIRE_MSG_LEN] = "";
        int rc = net_wire_start(&w, NULL, msg);
        if (rc < 0)
            fail_msg("unprivileged wire: %s", msg);
        net_wire_free(w);
        return;
    }
    char dir[] = "/tmp/sockbuf-tun-XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chmod(dir, 0755), 0);
    char node[64];
    snprintf(node, sizeof node, "%s/tun", dir);
    assert_int_equal(mknod(node, S_IFCHR | 0666, makedev(10, 200)), 0);
    assert_int_equal(chmod(node, 0666), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setgid(65534) < 0 || setuid(65534) < 0)
            _exit(10);
        /* setuid() made us undumpable, so /proc/self/uid_map is root's;
         * a program the user starts (exec) is dumpable, as here. */
        prctl(PR_SET_DUMPABLE, 1);
        setenv("SOCKBUF_TUN", node, 1);
        wpair p;
        net_wire_link link = {.latency_us = 5000, .rate_bps = 10000000, .mss_bytes = 1460};
        char msg[NET_WIRE_MSG_LEN] = "";
        if (net_wire_start(&p.w, NULL, msg) < 0) {
            fprintf(stderr, "unprivileged: %s\n", msg);
            _exit(11);
        }
        net_wire_free(p.w);
        if (wpair_open(&p, &link, 0) < 0)
            _exit(12);
        for (int i = 0; i < 10; i++)
            transfer(p.cfd, p.sfd, 100);
        struct tcp_info ti = tinfo(p.cfd);
        int ok = ti.tcpi_min_rtt >= 8000 && ti.tcpi_min_rtt <= 12000 && ti.tcpi_snd_mss == 1460;
        if (!ok)
            fprintf(stderr, "unprivileged: min_rtt %u us, snd_mss %u\n", ti.tcpi_min_rtt,
                    ti.tcpi_snd_mss);
        wpair_close(&p);
        _exit(ok ? 0 : 13);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    unlink(node);
    rmdir(dir);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_start_fails_cleanly),
        cmocka_unit_test(test_wire_free_ends_helper),
        cmocka_unit_test(test_wire_min_rtt_is_two_latencies),
        cmocka_unit_test(test_wire_sync_counts_what_was_just_sent),
        cmocka_unit_test(test_wire_snd_mss_is_link_mss),
        cmocka_unit_test(test_wire_log_shows_handshake),
        cmocka_unit_test(test_wire_transfer_takes_size_over_rate),
        cmocka_unit_test(test_wire_zero_window_shows),
        cmocka_unit_test(test_wire_unprivileged_user),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
