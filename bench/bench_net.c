/* bench_net.c: what the kernel probes cost, live mode's throughput beside
 * iperf3's, and the sample rate live mode holds.
 *
 * Prints numbers (it is not a timed test):
 *  1. net_probe() per call on an established loopback socket;
 *  2. PAIRS rounds, each: live mode sending a file over loopback (sockbuf
 *     live --connect --send-file against sockbuf live --listen, in two
 *     processes, both through live) without probes, then with every
 *     connection probed at 1 kHz on both sides, then iperf3 sending as many
 *     bytes (skipped with a message when iperf3 is not installed:
 *     scripts/setup --bench installs it). Interleaved so a noisy neighbour
 *     hurts each alike;
 *  3. the medians of the ratios of each round: probes / no probes (>= 0.95
 *     wanted), live with probes / iperf3 (>= 0.80), and the sample rate the
 *     sender achieved (1000 +- 10% asked) with its longest gap.
 *
 * Usage: bench_net [SIZE_MIB [PAIRS]]   (1024 3)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live.h"
#include "net.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* The sender's samples: how many, and how evenly spaced. */
typedef struct {
    uint64_t n;         /* samples taken */
    double first, last; /* when the first and the last were taken (s) */
    double max_gap;     /* the longest gap between two samples (s) */
    uint64_t late;      /* gaps longer than 1.5 intervals */
    double interval;    /* the interval asked for (s) */
} sample_stats;

static void count_samples(const live_event *ev, void *user)
{
    if (ev->type != NET_LIVE_EV_SAMPLE)
        return;
    sample_stats *st = user;
    double t = (double)ev->t_us / 1e6; /* when the probes were read, not when reported */
    if (st->n > 0) {
        double gap = t - st->last;
        if (gap > st->max_gap)
            st->max_gap = gap;
        if (gap > 1.5 * st->interval)
            st->late++;
    } else {
        st->first = t;
    }
    st->last = t;
    st->n++;
}

/* 1. The cost of one probe. */
static void bench_probe(void)
{
    char err[NET_ERR_LEN];
    int lfd = net_socket(err);
    net_bind(lfd, NULL, 0, err);
    net_listen(lfd, 4, err);
    int c = net_socket(err);
    net_connect(c, NULL, (uint16_t)net_local_port(lfd, err), err);
    net_wait(c, true, 1000);
    net_wait(lfd, false, 1000);
    int s = net_accept(lfd, err);
    net_probe_t pr;
    enum { N = 200000 };
    double t0 = now_s();
    for (int i = 0; i < N; i++) {
        if (net_probe(c, &pr, err) < 0) {
            printf("probe failed: %s\n", err);
            break;
        }
    }
    double dt = now_s() - t0;
    printf("net_probe: %.2f us per call (%d calls); at 1 kHz that is %.3f%% of one core\n",
           dt / N * 1e6, N, dt / N * 1e3 * 100.0);
    net_close(s);
    net_close(c);
    net_close(lfd);
}

/* Writes a file of size bytes (a pattern, not zeros). */
static int make_file(const char *path, uint64_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    static uint8_t block[1 << 20];
    for (size_t i = 0; i < sizeof(block); i++)
        block[i] = (uint8_t)(i * 131 + (i >> 11));
    uint64_t left = size;
    while (left > 0) {
        size_t n = left < sizeof(block) ? (size_t)left : sizeof(block);
        ssize_t w = write(fd, block, n);
        if (w <= 0) {
            close(fd);
            return -EIO;
        }
        left -= (uint64_t)w;
    }
    close(fd);
    return 0;
}

/* 2. One live transfer: a listening live in a child process, a sending
 * one here. Returns bytes per second as the sender sees it (from the start
 * of the connect until the server closed after the last byte), or -1. */
static double live_transfer(const char *path, uint64_t size, int sample_ms, sample_stats *ss,
                            double *cpu_s)
{
    char err[NET_ERR_LEN] = "";
    live_config sc = live_config_default();
    sc.port = 0;
    sc.recv_bytes = 256 * 1024;
    sc.sample_ms = sample_ms;
    live *srv = live_new(&sc, err);
    if (srv == NULL) {
        printf("listen: %s\n", err);
        return -1;
    }
    int port = live_port(srv);
    pid_t pid = fork();
    if (pid < 0) {
        live_free(srv);
        return -1;
    }
    if (pid == 0) {
        /* The receiver: serve until the one client has come and gone. */
        live_stats st;
        double end = now_s() + 120;
        do {
            live_poll(srv, 100);
            live_stats_get(srv, &st);
        } while (!(st.connections == 1 && st.open == 0) && now_s() < end);
        _exit(st.bytes_in == size ? 0 : 1);
    }
    live_free(srv); /* the child has its own copy */

    sample_stats samples = {.interval = sample_ms / 1000.0};
    live_config cc = live_config_default();
    cc.mode = NET_LIVE_CONNECT;
    cc.port = (uint16_t)port;
    cc.send_file = path;
    cc.recv_bytes = 64 * 1024;
    cc.sample_ms = sample_ms;
    cc.on_event = count_samples;
    cc.user = &samples;
    struct rusage ru0, ru1, ruc;
    getrusage(RUSAGE_SELF, &ru0);
    double t0 = now_s();
    live *cli = live_new(&cc, err);
    if (cli == NULL) {
        printf("connect: %s\n", err);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return -1;
    }
    while (live_poll(cli, 100) > 0) {
    }
    double dt = now_s() - t0;
    live_stats st;
    live_stats_get(cli, &st);
    live_free(cli);
    int status = 0;
    getrusage(RUSAGE_SELF, &ru1);
    memset(&ruc, 0, sizeof(ruc));
    wait4(pid, &status, 0, &ruc);
    if (cpu_s != NULL)
        *cpu_s = tv_s(ru1.ru_utime) + tv_s(ru1.ru_stime) - tv_s(ru0.ru_utime) - tv_s(ru0.ru_stime) +
                 tv_s(ruc.ru_utime) + tv_s(ruc.ru_stime);
    if (st.bytes_out != size || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("transfer incomplete: %" PRIu64 " of %" PRIu64 " bytes sent, receiver status %d\n",
               st.bytes_out, size, status);
        return -1;
    }
    if (ss != NULL)
        *ss = samples;
    return (double)size / dt;
}

/* The number after "key": in s, or -1. */
static double json_num(const char *s, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\":", key);
    const char *p = s != NULL ? strstr(s, pat) : NULL;
    return p != NULL ? strtod(p + strlen(pat), NULL) : -1;
}

static bool have_iperf3(void)
{
    return system("iperf3 --version >/dev/null 2>&1") == 0;
}

/* 3. iperf3 sending size bytes over loopback: bytes per second received,
 * or -1; *cpu_per_gib gets both ends' CPU seconds per GiB as iperf3
 * reports them. */
static double iperf3_loopback(uint64_t size, double *cpu_per_gib)
{
    *cpu_per_gib = -1;
    /* A free port: ask the kernel, then hand it to iperf3. */
    char err[NET_ERR_LEN];
    int fd = net_socket(err);
    net_bind(fd, NULL, 0, err);
    int port = net_local_port(fd, err);
    net_close(fd);
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    pid_t srv = fork();
    if (srv == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execlp("iperf3", "iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", portstr, (char *)NULL);
        _exit(127);
    }
    double result = -1;
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "iperf3 -c 127.0.0.1 -p %d -n %" PRIu64 " -J 2>/dev/null", port,
             size);
    for (int attempt = 0; attempt < 50 && result < 0; attempt++) {
        usleep(100000);
        FILE *p = popen(cmd, "r");
        if (p == NULL)
            break;
        static char json[1 << 20];
        size_t n = fread(json, 1, sizeof(json) - 1, p);
        json[n] = '\0';
        pclose(p);
        const char *r = strstr(json, "\"sum_received\"");
        double bps = json_num(r, "bits_per_second");
        if (bps > 0) {
            result = bps / 8.0;
            double secs_run = json_num(r, "seconds"), bytes = json_num(r, "bytes");
            const char *c = strstr(json, "\"cpu_utilization_percent\"");
            double host = json_num(c, "host_total"), remote = json_num(c, "remote_total");
            if (secs_run > 0 && bytes > 0 && host >= 0 && remote >= 0)
                *cpu_per_gib = (host + remote) / 100.0 * secs_run / (bytes / 1073741824.0);
        }
    }
    kill(srv, SIGTERM);
    waitpid(srv, NULL, 0);
    if (result < 0)
        printf("iperf3: no result\n");
    return result;
}

static double gbit(double bytes_per_s)
{
    return bytes_per_s * 8 / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double best(const double *v, int n)
{
    double b = v[0];
    for (int i = 1; i < n; i++)
        if (v[i] > b)
            b = v[i];
    return b;
}

static double max_of(const double *v, int n)
{
    return best(v, n);
}

static double min_of(const double *v, int n)
{
    double b = v[0];
    for (int i = 1; i < n; i++)
        if (v[i] < b)
            b = v[i];
    return b;
}

static double median(const double *v, int n)
{
    double s[64];
    memcpy(s, v, (size_t)n * sizeof(*v));
    qsort(s, (size_t)n, sizeof(*s), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* The achieved sample rate: samples per second between the first and
 * the last one. */
static double sample_rate(const sample_stats *ss)
{
    return ss->n > 1 && ss->last > ss->first ? (double)(ss->n - 1) / (ss->last - ss->first) : 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    long mib = argc > 1 ? atol(argv[1]) : 1024;
    int pairs = argc > 2 ? atoi(argv[2]) : 3;
    if (mib <= 0 || pairs <= 0 || argc > 3) {
        fprintf(stderr, "usage: bench_net [SIZE_MIB [PAIRS]]   (1024 3)\n");
        return 2;
    }
    if (pairs > 64)
        pairs = 64;
    uint64_t size = (uint64_t)mib << 20;

    bench_probe();

    char path[] = "/tmp/sockbuf-bench-XXXXXX";
    int tfd = mkstemp(path);
    if (tfd < 0) {
        perror("mkstemp");
        return 1;
    }
    close(tfd);
    if (make_file(path, size) < 0) {
        fprintf(stderr, "cannot write %s\n", path);
        unlink(path);
        return 1;
    }
    bool iperf = have_iperf3();
    if (!iperf)
        printf("iperf3: not installed, its pairs are skipped (scripts/setup --bench installs "
               "it)\n");
    double plain[64], probed[64], ip[64], r_probe[64], r_iperf[64], rate[64], gap[64];
    double cpu_plain[64], cpu_probed[64], cpu_ip[64];
    int nip = 0;
    for (int i = 0; i < pairs; i++) {
        /* Interleaved, so a noisy neighbour hurts each alike. */
        sample_stats ss = {0};
        plain[i] = live_transfer(path, size, 0, NULL, &cpu_plain[i]);
        probed[i] = live_transfer(path, size, 1, &ss, &cpu_probed[i]);
        if (plain[i] <= 0 || probed[i] <= 0) {
            unlink(path);
            return 1;
        }
        rate[i] = sample_rate(&ss);
        gap[i] = ss.max_gap * 1e3;
        r_probe[i] = probed[i] / plain[i];
        printf("pair %d: live %ld MiB, no probes %.2f Gbit/s (%.2f CPU s), probes at 1 kHz "
               "%.2f Gbit/s (%.2f CPU s; %.0f samples/s, %" PRIu64
               " gaps over 1.5 ms, longest %.1f ms)",
               i + 1, mib, gbit(plain[i]), cpu_plain[i], gbit(probed[i]), cpu_probed[i], rate[i],
               ss.late, gap[i]);
        if (iperf) {
            ip[nip] = iperf3_loopback(size, &cpu_ip[nip]);
            if (ip[nip] > 0) {
                r_iperf[nip] = probed[i] / ip[nip];
                printf("; iperf3 %.2f Gbit/s: live/iperf3 %.2f", gbit(ip[nip]), r_iperf[nip]);
                nip++;
            }
        }
        printf("\n");
    }
    unlink(path);

    double gib = (double)size / 1073741824.0;
    printf("\nlive, no probes:        median %.2f Gbit/s, best %.2f (%d runs)\n",
           gbit(median(plain, pairs)), gbit(best(plain, pairs)), pairs);
    printf("live, probes at 1 kHz:  median %.2f Gbit/s, best %.2f\n", gbit(median(probed, pairs)),
           gbit(best(probed, pairs)));
    printf("sample rate (sender):   median %.0f samples/s asked 1000 (+-10%%: 900..1100), "
           "lowest %.0f; longest gap %.1f ms\n",
           median(rate, pairs), min_of(rate, pairs), max_of(gap, pairs));
    printf("CPU per GiB (both ends): median %.3f s without probes, %.3f s with\n",
           median(cpu_plain, pairs) / gib, median(cpu_probed, pairs) / gib);
    printf("probes / no probes:     median ratio %.2f (target >= 0.95)\n", median(r_probe, pairs));
    if (nip > 0) {
        printf("iperf3 loopback:        median %.2f Gbit/s (-n %ld MiB), %.3f CPU s per GiB (both "
               "ends)\n",
               gbit(median(ip, nip)), mib, median(cpu_ip, nip));
        printf("live (probes) / iperf3: median ratio %.2f of %d pairs (target >= 0.80)\n",
               median(r_iperf, nip), nip);
    } else {
        printf("live (probes) / iperf3: skipped, iperf3 %s\n",
               iperf ? "gave no result" : "is not installed");
    }
    return 0;
}
