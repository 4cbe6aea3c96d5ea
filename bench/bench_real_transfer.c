/* bench_real_transfer.c: real mode on a big transfer, beside the kernel
 * alone on the same wire (issue 26, item 10).
 *
 * A lesson sends SIZE MiB with sendall() to a recv(SIZE, MSG_WAITALL)
 * through a 4 KiB receive buffer (as bench/lessons/big-send.lesson does),
 * on the emulated wire at LATENCY and 10 Gbit/s. The real mode's time for
 * that step (the runner retrying its two blocked calls) is printed beside
 * the same transfer done by a plain loop of non-blocking send() and recv()
 * calls between two sockets with the same buffer, on the same wire, in the
 * same run, best of RUNS each. The target is a ratio of at most 1.5.
 *
 * Usage: bench_real_transfer [SIZE_MIB [LATENCY_US [RUNS]]]   (16 20 3)
 * Needs the wire (root, or user namespaces and a TUN node of mode 0666);
 * without it both run on plain loopback, and it says so.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lesson.h"
#include "lesson_run.h"
#include "net.h"
#include "net_wire.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The lesson's text for n bytes at latency_us. */
static int lesson_text(char *out, size_t cap, size_t mib, unsigned long latency_us)
{
    size_t n = mib << 20;
    return snprintf(out, cap,
                    "lesson bench-transfer\n"
                    "title    %zu MiB through a 4 KiB receive buffer\n"
                    "model    latency=%luus rate=10Gbit\n"
                    "file     big.bin %zuMiB\n"
                    "step     Connect with a small receive buffer\n"
                    "server:  srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
                    "server:  srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)\n"
                    "server:  srv.bind(('localhost', 8080))\n"
                    "server:  srv.listen(1)\n"
                    "client:  s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
                    "client:  s.connect(('localhost', 8080))\n"
                    "server:  conn, addr = srv.accept()\n"
                    "step     Send it all, receive it all\n"
                    "client:  with open('big.bin', 'rb') as f: data = f.read()\n"
                    "client:  s.sendall(data)\n"
                    "server:  rest = conn.recv(%zu, socket.MSG_WAITALL)\n"
                    "expect   server: len(rest) == %zu\n",
                    mib, latency_us, mib, n, n);
}

/* The real mode's seconds for the transfer step, or -1. */
static double runner_once(const lesson_doc *doc, lesson_wire_handle *wire, size_t n)
{
    char err[256];
    lesson_run_opts o = {.modes = LESSON_MODE_REAL, .wire = wire};
    lesson_runner *r = lesson_runner_new_opts(doc, &o, err, sizeof err);
    if (!r) {
        fprintf(stderr, "bench_real_transfer: %s\n", err);
        return -1;
    }
    double t = -1;
    if (lesson_runner_step(r) != 0)
        goto out;
    double t0 = now_s();
    if (lesson_runner_step(r) != 0)
        goto out;
    t = now_s() - t0;
    const lesson_record *rec = lesson_runner_record(r);
    for (int i = 0; i < rec->nexpects; i++)
        if (!rec->expects[i].ok) {
            fprintf(stderr, "bench_real_transfer: %zu bytes did not arrive: got %s\n", n,
                    rec->expects[i].got);
            t = -1;
        }
out:
    lesson_runner_free(r);
    return t;
}

/* The kernel alone: a connected pair on w (NULL: loopback) whose
 * receiver has SO_RCVBUF 4096, n bytes moved by one thread's loop of
 * non-blocking calls waiting in poll(). Seconds, or -1. */
static double kernel_once(net_wire *w, size_t n)
{
    char msg[NET_WIRE_MSG_LEN] = "";
    const char *shost = w ? net_wire_addr(NET_WIRE_SERVER) : "127.0.0.1";
    const char *chost = w ? net_wire_addr(NET_WIRE_CLIENT) : "127.0.0.1";
    int lfd = w ? net_wire_socket(w, NET_WIRE_SERVER, msg) : net_socket(NULL);
    int cfd = w ? net_wire_socket(w, NET_WIRE_CLIENT, msg) : net_socket(NULL);
    int sfd = -1;
    double t = -1;
    uint8_t *data = calloc(1, n), *sink = malloc(n);
    if (!data || !sink || lfd < 0 || cfd < 0 ||
        net_setsockopt(lfd, NET_SO_RCVBUF, 4096, NULL) < 0 || net_bind(lfd, shost, 0, NULL) < 0 ||
        net_listen(lfd, 1, NULL) < 0 || net_bind(cfd, chost, 0, NULL) < 0)
        goto out;
    int rc = net_connect(cfd, shost, (uint16_t)net_local_port(lfd, NULL), NULL);
    if (rc < 0 && rc != -EINPROGRESS)
        goto out;
    net_wait(cfd, true, 3000);
    net_wait(lfd, false, 3000);
    sfd = net_accept(lfd, NULL);
    if (sfd < 0)
        goto out;
    size_t sent = 0, got = 0;
    double t0 = now_s();
    while (got < n) {
        if (sent < n) {
            long r = net_send(cfd, data + sent, n - sent, 0, NULL);
            if (r > 0)
                sent += (size_t)r;
        }
        long r = net_recv(sfd, sink + got, n - got, NULL);
        if (r > 0) {
            got += (size_t)r;
        } else if (r == 0 || r != -EAGAIN) {
            goto out;
        } else {
            struct pollfd pf[2] = {{.fd = sfd, .events = POLLIN},
                                   {.fd = cfd, .events = sent < n ? POLLOUT : 0}};
            poll(pf, 2, 100);
        }
        if (now_s() - t0 > 300)
            goto out;
    }
    t = now_s() - t0;
out:
    free(data);
    free(sink);
    net_close(cfd);
    net_close(sfd);
    net_close(lfd);
    return t;
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? (size_t)atol(argv[1]) : 16;
    unsigned long latency_us = argc > 2 ? strtoul(argv[2], NULL, 10) : 20;
    int runs = argc > 3 ? atoi(argv[3]) : 3;
    if (mib == 0 || mib > 64 || latency_us == 0 || runs <= 0) {
        fprintf(stderr, "usage: bench_real_transfer [SIZE_MIB (1..64) [LATENCY_US [RUNS]]]\n");
        return 2;
    }
    size_t n = mib << 20;
    lesson_wire_handle *wire = NULL;
    lesson_wire_new("auto", stderr, &wire);
    net_wire *w = lesson_wire_net(wire);
    char text[4096];
    lesson_text(text, sizeof text, mib, latency_us);
    lesson_diag diags[LESSON_MAX_DIAGS];
    int nd = 0;
    lesson_doc *doc = lesson_parse("bench-transfer.lesson", text, strlen(text), diags, &nd);
    int status = 1;
    if (!doc) {
        fprintf(stderr, "bench_real_transfer: %d:%d: %s\n", diags[0].line, diags[0].col,
                diags[0].message);
        goto out;
    }
    double best_run = -1, best_kernel = -1;
    net_wire_link link = {.latency_us = latency_us, .rate_bps = 10000000000ull, .mss_bytes = 1460};
    for (int i = 0; i < runs; i++) {
        double a = runner_once(doc, wire, n);
        if (w && net_wire_configure(w, &link, NULL) < 0)
            goto out;
        double b = kernel_once(w, n);
        if (w)
            net_wire_poll(w); /* drain the log */
        if (a < 0 || b < 0) {
            fprintf(stderr, "bench_real_transfer: run %d failed\n", i + 1);
            goto out;
        }
        printf("  run %d: real mode %.3f s, kernel alone %.3f s\n", i + 1, a, b);
        if (best_run < 0 || a < best_run)
            best_run = a;
        if (best_kernel < 0 || b < best_kernel)
            best_kernel = b;
    }
    printf("%zu MiB through a 4 KiB receive buffer, %s at %lu us, best of %d:\n", mib,
           w ? "the emulated wire" : "plain loopback (no wire here)", latency_us, runs);
    printf("  real mode (sendall + recv MSG_WAITALL)  %7.3f s  %6.1f MB/s\n", best_run,
           (double)n / best_run / 1e6);
    printf("  the kernel alone, same wire and buffer  %7.3f s  %6.1f MB/s\n", best_kernel,
           (double)n / best_kernel / 1e6);
    printf("  ratio real mode / kernel: %.2f (target: at most 1.5)\n", best_run / best_kernel);
    status = 0;
out:
    lesson_doc_free(doc);
    lesson_wire_free(wire);
    return status;
}
