/* bench_sim.c: how fast the model runs a long transfer.
 *
 * Models a 1 GiB transfer (MSS 1460, 64 KiB SO_SNDBUF and SO_RCVBUF as
 * getsockopt reports them, 1 Gbit/s, 1 ms one-way latency), the client
 * sending as fast as the send queue allows and the server reading
 * everything as soon as it arrives. Runs it twice: with the event log off
 * (the model's own events: packet arrivals and timers), then with the log
 * on and emptied as it is read, as the window does (every logged event:
 * writes, segments, deliveries, ACKs, reads...). Prints events per second,
 * wall time and peak memory, which must not grow with the transfer.
 * Not a timed test: it prints numbers.
 * Usage: bench_sim [MiB]   (default 1024)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "sim.h"

static double wall_s(void)
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

/* One transfer of total bytes; returns 0 or -1 with a message. */
static int transfer(uint64_t total, bool log_on)
{
    int rc = -1;
    static uint8_t chunk[1 << 16];
    sim_params p = sim_params_default();
    p.mss_bytes = 1460;
    p.rate_bps = 1000000000ULL;
    p.latency_us = 1000;
    p.sndbuf_bytes = 65536;
    p.rcvbuf_bytes = 65536;
    sim_world *w = sim_world_new(&p, 1);
    if (w == NULL) {
        fprintf(stderr, "bench_sim: sim_world_new: out of memory\n");
        goto out;
    }
    sim_events_enable(w, log_on);
    int l = sim_socket(w, SIM_SERVER);
    int c = sim_socket(w, SIM_CLIENT);
    if (l < 0 || c < 0 || sim_bind(w, l, 8080) < 0 || sim_listen(w, l, 1) < 0 ||
        sim_connect(w, c, 8080) != -EINPROGRESS) {
        fprintf(stderr, "bench_sim: could not set up the connection\n");
        goto out;
    }
    uint64_t events = sim_settle(w, 1000000), logged = 0;
    int conn = sim_accept(w, l);
    if (conn < 0) {
        fprintf(stderr, "bench_sim: accept: %d\n", conn);
        goto out;
    }

    double t0 = wall_s(), c0 = cpu_s();
    uint64_t sent = 0, got = 0, calls = 0;
    while (got < total) {
        while (sent < total) {
            uint64_t want = total - sent < sizeof(chunk) ? total - sent : sizeof(chunk);
            long n = sim_send(w, c, chunk, (size_t)want, sent > 0 ? SIM_MSG_CONTINUE : 0);
            calls++;
            if (n <= 0)
                break;
            sent += (uint64_t)n;
        }
        long r;
        while ((r = sim_recv(w, conn, NULL, 1 << 20)) > 0) {
            got += (uint64_t)r;
            calls++;
        }
        if (log_on) {
            size_t n;
            sim_events(w, &n);
            logged += n;
            sim_events_clear(w);
        }
        if (got >= total)
            break;
        uint64_t next = sim_next_event_us(w);
        if (next == UINT64_MAX) {
            fprintf(stderr, "bench_sim: stalled at %" PRIu64 " of %" PRIu64 " bytes\n", got, total);
            goto out;
        }
        events += sim_advance_to(w, next);
    }
    double dt = wall_s() - t0, dc = cpu_s() - c0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%s\n", log_on ? "event log on (emptied as read)" : "event log off");
    printf("  virtual time  %.3f s (%.1f MB/s modelled)\n", (double)sim_now_us(w) / 1e6,
           (double)total / ((double)sim_now_us(w) / 1e6) / 1e6);
    printf("  model events  %" PRIu64 " (arrivals and timers; + %" PRIu64 " send/recv calls)\n",
           events, calls);
    if (log_on)
        printf("  logged events %" PRIu64 "\n", logged);
    printf("  wall time     %.3f s (CPU %.3f s)\n", dt, dc);
    printf("  events/s      %.2f million%s\n", (double)(log_on ? logged : events) / dt / 1e6,
           log_on ? " (logged events)" : "");
    printf("  peak RSS      %ld KiB (whole process so far)\n", ru.ru_maxrss);
    rc = 0;
out:
    sim_world_free(w);
    return rc;
}

int main(int argc, char **argv)
{
    uint64_t mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 1024;
    printf("bench_sim: %" PRIu64 " MiB, mss 1460, buffers 64 KiB, 1 Gbit/s, latency 1 ms\n", mib);
    if (transfer(mib << 20, false) < 0 || transfer(mib << 20, true) < 0)
        return 1;
    return 0;
}
