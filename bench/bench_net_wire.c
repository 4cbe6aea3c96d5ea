/* bench_net_wire.c: what the emulated wire (net_wire.h) costs and how
 * well it keeps time.
 *
 * Prints numbers (it is not a timed test), each beside a peer measured in
 * the same run:
 *  1. throughput of a SIZE MiB transfer over the wire set to 1 Gbit/s
 *     (latency 0.5 ms, mss 1460), best of RUNS, as a share of the rate,
 *     beside the same transfer on plain loopback;
 *  2. the helper's CPU time per forwarded packet during (1), beside the
 *     CPU the two endpoints (this process: both kernels' TCP work and the
 *     copies) spent per packet in the same transfer;
 *  3. how late the helper delivers (median, p99, worst; the time a packet
 *     was written after the moment the link says it arrives) at 1 Gbit/s
 *     and at 10 Mbit/s, beside how late a plain 1 ms nanosleep() wakes up
 *     in this process, in the same run.
 *
 * Usage: bench_net_wire [SIZE_MIB [RUNS]]   (64 3)
 * Needs the wire (root, or user namespaces and a TUN node of mode 0666).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "net.h"
#include "net_wire.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

typedef struct {
    int lfd, cfd, sfd;
} conn3;

/* A connected pair: on the wire when w is not NULL, else on loopback. */
static int conn_open(net_wire *w, conn3 *c)
{
    char msg[NET_WIRE_MSG_LEN] = "";
    const char *shost = w ? net_wire_addr(NET_WIRE_SERVER) : "127.0.0.1";
    const char *chost = w ? net_wire_addr(NET_WIRE_CLIENT) : "127.0.0.1";
    c->lfd = w ? net_wire_socket(w, NET_WIRE_SERVER, msg) : net_socket(NULL);
    c->cfd = w ? net_wire_socket(w, NET_WIRE_CLIENT, msg) : net_socket(NULL);
    c->sfd = -1;
    if (c->lfd < 0 || c->cfd < 0 || net_bind(c->lfd, shost, 0, NULL) < 0 ||
        net_listen(c->lfd, 4, NULL) < 0 || net_bind(c->cfd, chost, 0, NULL) < 0)
        return -1;
    int rc = net_connect(c->cfd, shost, (uint16_t)net_local_port(c->lfd, NULL), NULL);
    if (rc < 0 && rc != -EINPROGRESS)
        return -1;
    net_wait(c->cfd, true, 3000);
    net_wait(c->lfd, false, 3000);
    c->sfd = net_accept(c->lfd, NULL);
    return c->sfd >= 0 ? 0 : -1;
}

static void conn_close(conn3 *c)
{
    net_close(c->cfd);
    net_close(c->sfd);
    net_close(c->lfd);
}

/* Moves n bytes from c->cfd to c->sfd; seconds taken, or -1. */
static double transfer(conn3 *c, size_t n)
{
    static uint8_t buf[1 << 16], sink[1 << 16];
    size_t sent = 0, got = 0;
    double t0 = now_s();
    while (got < n) {
        if (sent < n) {
            size_t k = n - sent < sizeof buf ? n - sent : sizeof buf;
            long r = net_send(c->cfd, buf, k, 0, NULL);
            if (r > 0)
                sent += (size_t)r;
        }
        long r = net_recv(c->sfd, sink, sizeof sink, NULL);
        if (r > 0) {
            got += (size_t)r;
        } else if (r == 0 || (r < 0 && r != -EAGAIN)) {
            return -1;
        } else {
            struct pollfd pf[2] = {{.fd = c->sfd, .events = POLLIN},
                                   {.fd = c->cfd, .events = sent < n ? POLLOUT : 0}};
            poll(pf, 2, 100);
        }
        if (now_s() - t0 > 120)
            return -1;
    }
    return now_s() - t0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* How late a 1 ms nanosleep() wakes up here: median and p99, us. */
static void sleep_lateness(int n, uint32_t *p50, uint32_t *p99)
{
    uint32_t *late = calloc((size_t)n, sizeof *late);
    if (!late)
        return;
    for (int i = 0; i < n; i++) {
        double t0 = now_s();
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
        double over = (now_s() - t0 - 0.001) * 1e6;
        late[i] = over < 0 ? 0 : (uint32_t)over;
    }
    qsort(late, (size_t)n, sizeof *late, cmp_u32);
    *p50 = late[n / 2];
    *p99 = late[(n * 99) / 100];
    free(late);
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? (size_t)atol(argv[1]) : 64;
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    if (mib == 0 || runs <= 0) {
        fprintf(stderr, "usage: bench_net_wire [SIZE_MIB [RUNS]]\n");
        return 2;
    }
    size_t n = mib << 20;
    char msg[NET_WIRE_MSG_LEN] = "";
    net_wire *w = NULL;
    if (net_wire_start(&w, NULL, msg) < 0) {
        fprintf(stderr, "bench_net_wire: the wire is unavailable: %s\n", msg);
        return 1;
    }
    int status = 1;
    net_wire_link gig = {.latency_us = 500, .rate_bps = 1000000000, .mss_bytes = 1460};
    if (net_wire_configure(w, &gig, msg) < 0) {
        fprintf(stderr, "bench_net_wire: %s\n", msg);
        goto out;
    }

    /* 1 and 2: best of runs at 1 Gbit/s, and on loopback. */
    double best_wire = 0, best_lo = 0, helper_ns_pkt = 0, ends_ns_pkt = 0;
    net_wire_stats st1 = {0};
    for (int r = 0; r < runs; r++) {
        conn3 c;
        net_wire_stats a, b;
        if (conn_open(w, &c) < 0) {
            fprintf(stderr, "bench_net_wire: cannot connect over the wire\n");
            goto out;
        }
        net_wire_stats_read(w, &a, true, NULL);
        double cpu0 = cpu_s();
        double t = transfer(&c, n);
        double cpu1 = cpu_s();
        net_wire_stats_read(w, &b, false, NULL);
        conn_close(&c);
        if (t <= 0) {
            fprintf(stderr, "bench_net_wire: the transfer over the wire failed\n");
            goto out;
        }
        double mbps = (double)n * 8 / t / 1e6;
        if (mbps > best_wire && b.packets) {
            best_wire = mbps;
            helper_ns_pkt = (double)(b.cpu_ns - a.cpu_ns) / (double)b.packets;
            ends_ns_pkt = (cpu1 - cpu0) * 1e9 / (double)b.packets;
            st1 = b;
        }
        /* Drain the log so the helper never has to drop it. */
        net_wire_poll(w);
        conn3 l;
        if (conn_open(NULL, &l) < 0) {
            fprintf(stderr, "bench_net_wire: cannot connect on loopback\n");
            goto out;
        }
        t = transfer(&l, n);
        conn_close(&l);
        if (t > 0 && (double)n * 8 / t / 1e6 > best_lo)
            best_lo = (double)n * 8 / t / 1e6;
    }
    printf("throughput, %zu MiB, best of %d:\n", mib, runs);
    printf("  wire at 1 Gbit/s   %8.0f Mbit/s  (%.0f%% of the rate)\n", best_wire,
           best_wire / 10.0);
    printf("  plain loopback     %8.0f Mbit/s  (the wire runs at %.1f%% of it)\n", best_lo,
           best_lo > 0 ? 100.0 * best_wire / best_lo : 0.0);
    printf("cpu per forwarded packet (%llu packets, %llu dropped):\n",
           (unsigned long long)st1.packets, (unsigned long long)st1.dropped);
    printf("  wire helper        %8.0f ns\n", helper_ns_pkt);
    printf("  both endpoints     %8.0f ns  (the helper adds %.0f%% to them)\n", ends_ns_pkt,
           ends_ns_pkt > 0 ? 100.0 * helper_ns_pkt / ends_ns_pkt : 0.0);

    /* 3: lateness at 10 Mbit/s too (paced, as lessons run). */
    net_wire_link ten = {.latency_us = 5000, .rate_bps = 10000000, .mss_bytes = 1460};
    net_wire_configure(w, &ten, NULL);
    conn3 c;
    net_wire_stats s10;
    if (conn_open(w, &c) < 0)
        goto out;
    net_wire_stats_read(w, &s10, true, NULL);
    transfer(&c, n / 32 > (1u << 20) ? n / 32 : (1u << 20));
    net_wire_stats_read(w, &s10, false, NULL);
    conn_close(&c);
    net_wire_poll(w);
    uint32_t sp50 = 0, sp99 = 0;
    sleep_lateness(1000, &sp50, &sp99);
    printf("delivery lateness (after the planned arrival):\n");
    printf("  wire at 1 Gbit/s   median %5u us  p99 %5u us  worst %6u us\n", st1.late_p50_us,
           st1.late_p99_us, st1.late_max_us);
    printf("  wire at 10 Mbit/s  median %5u us  p99 %5u us  worst %6u us  (%llu packets)\n",
           s10.late_p50_us, s10.late_p99_us, s10.late_max_us, (unsigned long long)s10.packets);
    printf("  1 ms nanosleep     median %5u us  p99 %5u us  (this process, same run)\n", sp50,
           sp99);
    status = 0;
out:
    net_wire_free(w);
    return status;
}
