/* net_live_cli.c: `sockbuf live ... --headless`, live mode as JSON Lines.
 *
 * Parses the options, runs a net_live loop and turns its events into one
 * JSON object per line on the output stream (flushed after each line), so
 * a script or a CI job can follow the kernel's queues of every connection.
 * SIGINT and SIGTERM end the run with a `summary` line and exit status 0.
 * Declared in net_live.h; main() reaches it through viz_live_main() when
 * there is no window to open.
 */
#include "net_live.h"
#include "net_outq.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const char live_usage[] =
    "usage: sockbuf live --listen [HOST:]PORT [--headless] [--max-seconds N]\n"
    "       sockbuf live --connect HOST:PORT [--send TEXT | --send-file FILE] [--headless]\n"
    "                    [--max-seconds N]\n"
    "options: --sample-ms N (default 100)  --recv-size N (default 1024)\n"
    "         --max-conns N (listen, default 1024)  --idle-timeout SECONDS (listen, default\n"
    "         120; 0: never)\n";

static volatile sig_atomic_t live_signalled;

static void live_on_signal(int sig)
{
    live_signalled = sig;
}

typedef struct {
    FILE *out;   /* the line being formatted (a memory stream) */
    net_outq *q; /* where finished lines go, without blocking */
    char *mbuf;  /* out's buffer */
    size_t mlen; /* out's length */
    net_live *l;
    net_live_conn *snap;
    int snap_cap;
} cli_ctx;

/* Hands the line formatted in x->out to the output queue and starts the
 * next one. Samples may be dropped when the output falls behind. */
static void cli_line_end(cli_ctx *x, bool droppable)
{
    fflush(x->out);
    net_outq_push(x->q, x->mbuf, x->mlen, droppable);
    rewind(x->out);
}

/* Writes s as a JSON string (quotes included). */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void cli_sample(cli_ctx *x, int64_t t_ms)
{
    FILE *f = x->out;
    int n = net_live_conns(x->l, x->snap, x->snap_cap);
    if (n > x->snap_cap)
        n = x->snap_cap;
    fprintf(f, "{\"event\":\"sample\",\"t_ms\":%" PRId64, t_ms);
    net_probe_t lp;
    if (net_live_listener_probe(x->l, &lp))
        fprintf(f, ",\"accept_queue\":%u", lp.accept_queue);
    fputs(",\"conns\":[", f);
    for (int i = 0; i < n; i++) {
        const net_live_conn *c = &x->snap[i];
        const net_probe_t *p = &c->probe;
        fprintf(f, "%s{\"id\":%d,\"state\":", i ? "," : "", c->id);
        json_str(f, c->probe_valid ? p->state : "UNKNOWN");
        fprintf(f,
                ",\"send_queue\":%u,\"unsent\":%u,\"in_flight\":%u,\"recv_queue\":%u,"
                "\"sndbuf\":%u,\"rcvbuf\":%u,\"rtt_us\":%u,\"snd_cwnd\":%u,\"snd_wnd\":%u,"
                "\"pending\":%u,\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64 "}",
                p->send_queue_bytes, p->unsent_bytes, p->in_flight_bytes, p->recv_queue_bytes,
                p->sndbuf_bytes, p->rcvbuf_bytes, p->rtt_us, p->snd_cwnd, p->snd_wnd_bytes,
                c->pending_bytes, c->bytes_in, c->bytes_out);
    }
    fputs("]}\n", f);
}

static void cli_event(const net_live_event *ev, void *user)
{
    cli_ctx *x = user;
    FILE *f = x->out;
    char repr[300];
    switch (ev->type) {
    case NET_LIVE_EV_LISTEN:
        fprintf(f, "{\"event\":\"listen\",\"t_ms\":%" PRId64 ",\"addr\":", ev->t_ms);
        json_str(f, ev->peer);
        fputs("}\n", f);
        break;
    case NET_LIVE_EV_ACCEPT:
    case NET_LIVE_EV_CONNECT:
        fprintf(f, "{\"event\":\"%s\",\"t_ms\":%" PRId64 ",\"id\":%d,\"peer\":",
                ev->type == NET_LIVE_EV_ACCEPT ? "accept" : "connect", ev->t_ms, ev->id);
        json_str(f, ev->peer);
        fputs("}\n", f);
        break;
    case NET_LIVE_EV_RECV:
    case NET_LIVE_EV_SEND:
        fprintf(f, "{\"event\":\"%s\",\"t_ms\":%" PRId64 ",\"id\":%d,\"bytes\":%zu",
                ev->type == NET_LIVE_EV_RECV ? "recv" : "send", ev->t_ms, ev->id, ev->bytes);
        if (ev->data != NULL) {
            net_live_bytes_repr(ev->data, ev->bytes, 64, repr, sizeof(repr));
            fputs(",\"data\":", f);
            json_str(f, repr);
            if (ev->bytes > 64)
                fputs(",\"truncated\":true", f);
        }
        fputs("}\n", f);
        break;
    case NET_LIVE_EV_CLOSE:
        fprintf(f,
                "{\"event\":\"close\",\"t_ms\":%" PRId64 ",\"id\":%d,\"bytes_in\":%" PRIu64
                ",\"bytes_out\":%" PRIu64 "}\n",
                ev->t_ms, ev->id, ev->bytes_in, ev->bytes_out);
        break;
    case NET_LIVE_EV_ERROR:
        fprintf(f,
                "{\"event\":\"error\",\"t_ms\":%" PRId64 ",\"id\":%d,\"errno\":%d,\"exception\":",
                ev->t_ms, ev->id, -ev->err);
        json_str(f, ev->exception);
        fputs(",\"message\":", f);
        json_str(f, ev->message);
        fputs("}\n", f);
        break;
    case NET_LIVE_EV_EVICT:
        fprintf(f,
                "{\"event\":\"evict\",\"t_ms\":%" PRId64 ",\"id\":%d,\"reason\":\"%s\","
                "\"idle_ms\":%zu}\n",
                ev->t_ms, ev->id, ev->message, ev->bytes);
        break;
    case NET_LIVE_EV_SAMPLE:
        cli_sample(x, ev->t_ms);
        break;
    }
    cli_line_end(x, ev->type == NET_LIVE_EV_SAMPLE);
}

/* "[HOST:]PORT" or "[::1]:PORT" into hostbuf (host NULL when absent) and
 * port. arg is not modified. */
static int cli_parse_addr(const char *arg, char *hostbuf, size_t cap, const char **host,
                          uint16_t *port)
{
    const char *colon = strrchr(arg, ':');
    const char *p = arg;
    *host = NULL;
    if (colon != NULL) {
        size_t n = (size_t)(colon - arg);
        if (n >= cap)
            return -EINVAL;
        memcpy(hostbuf, arg, n);
        hostbuf[n] = '\0';
        if (n > 0)
            *host = hostbuf;
        p = colon + 1;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(p, &end, 10);
    if (*p == '\0' || *end != '\0' || errno != 0 || v < 0 || v > 65535)
        return -EINVAL;
    *port = (uint16_t)v;
    return 0;
}

static int cli_int(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
        return -EINVAL;
    *out = v;
    return 0;
}

int net_live_cli(int argc, char **argv, FILE *out, FILE *errout)
{
    net_live_config cfg = net_live_config_default();
    cfg.sample_ms = 100;
    const char *addr = NULL;
    char hostbuf[256];
    bool have_mode = false;
    double max_seconds = 0;
    int status = 0;
    char err[NET_ERR_LEN] = "";
    cli_ctx x = {.out = NULL};
    net_live *l = NULL;
    struct sigaction sa, old_int, old_term;
    bool handlers = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n = 0;
        bool takes = strcmp(a, "--listen") == 0 || strcmp(a, "--connect") == 0 ||
                     strcmp(a, "--send") == 0 || strcmp(a, "--send-file") == 0 ||
                     strcmp(a, "--max-seconds") == 0 || strcmp(a, "--sample-ms") == 0 ||
                     strcmp(a, "--recv-size") == 0 || strcmp(a, "--max-conns") == 0 ||
                     strcmp(a, "--idle-timeout") == 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(live_usage, out);
            goto out;
        }
        if (strcmp(a, "--headless") == 0)
            continue;
        if (!takes) {
            fprintf(errout, "sockbuf live: unknown option '%s'\n%s", a, live_usage);
            status = 2;
            goto out;
        }
        if (v == NULL) {
            fprintf(errout, "sockbuf live: %s needs a value\n%s", a, live_usage);
            status = 2;
            goto out;
        }
        i++;
        if (strcmp(a, "--listen") == 0 || strcmp(a, "--connect") == 0) {
            if (have_mode) {
                fprintf(errout, "sockbuf live: give one of --listen or --connect\n%s", live_usage);
                status = 2;
                goto out;
            }
            have_mode = true;
            cfg.mode = a[2] == 'l' ? NET_LIVE_LISTEN : NET_LIVE_CONNECT;
            addr = argv[i];
        } else if (strcmp(a, "--send") == 0) {
            cfg.send_text = v;
        } else if (strcmp(a, "--send-file") == 0) {
            cfg.send_file = v;
        } else if (strcmp(a, "--idle-timeout") == 0) {
            char *end = NULL;
            double sec = strtod(v, &end);
            if (*v == '\0' || *end != '\0' || !(sec >= 0 && sec <= 86400.0 * 365)) {
                fprintf(errout, "sockbuf live: --idle-timeout wants SECONDS (0: never), not '%s'\n",
                        v);
                status = 2;
                goto out;
            }
            cfg.idle_timeout_ms = sec == 0 ? -1 : (sec * 1000 < 1 ? 1 : (int)(sec * 1000));
        } else if (strcmp(a, "--max-seconds") == 0) {
            char *end = NULL;
            max_seconds = strtod(v, &end);
            if (*v == '\0' || *end != '\0' || !(max_seconds > 0)) {
                fprintf(errout, "sockbuf live: --max-seconds wants a positive number, not '%s'\n",
                        v);
                status = 2;
                goto out;
            }
        } else {
            long hi = strcmp(a, "--recv-size") == 0   ? NET_LIVE_RECV_LIMIT
                      : strcmp(a, "--max-conns") == 0 ? NET_LIVE_MAX_CONNS_LIMIT
                                                      : 60000;
            if (cli_int(v, 1, hi, &n) < 0) {
                fprintf(errout, "sockbuf live: %s wants an integer in 1..%ld, not '%s'\n", a, hi,
                        v);
                status = 2;
                goto out;
            }
            if (a[2] == 's')
                cfg.sample_ms = (int)n;
            else if (a[2] == 'r')
                cfg.recv_bytes = (uint32_t)n;
            else
                cfg.max_conns = (int)n;
        }
    }
    if (!have_mode) {
        fprintf(errout, "sockbuf live: give --listen [HOST:]PORT or --connect HOST:PORT\n%s",
                live_usage);
        status = 2;
        goto out;
    }
    if (cfg.mode == NET_LIVE_LISTEN && (cfg.send_text != NULL || cfg.send_file != NULL)) {
        fprintf(errout, "sockbuf live: --send and --send-file go with --connect\n");
        status = 2;
        goto out;
    }
    if (cfg.send_text != NULL && cfg.send_file != NULL) {
        fprintf(errout, "sockbuf live: give one of --send or --send-file\n");
        status = 2;
        goto out;
    }
    if (cli_parse_addr(addr, hostbuf, sizeof(hostbuf), &cfg.host, &cfg.port) < 0) {
        fprintf(errout, "sockbuf live: bad address '%s' (want [HOST:]PORT, PORT 0..65535)\n", addr);
        status = 2;
        goto out;
    }
    if (cfg.mode == NET_LIVE_CONNECT && cfg.port == 0) {
        fprintf(errout, "sockbuf live: --connect needs a port other than 0\n");
        status = 2;
        goto out;
    }

    x.snap_cap = cfg.mode == NET_LIVE_LISTEN ? cfg.max_conns : 1;
    x.snap = calloc((size_t)x.snap_cap, sizeof(*x.snap));
    if (x.snap == NULL) {
        fprintf(errout, "sockbuf live: out of memory\n");
        status = 1;
        goto out;
    }
    /* Room for every client: the soft limit on open files is often 1024,
     * the hard one much higher. Raise the soft one to the hard one (an
     * unlimited hard one cannot be the soft one: then what max_conns needs). */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != rl.rlim_max) {
        rlim_t want = rl.rlim_max;
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0 && want == RLIM_INFINITY) {
            getrlimit(RLIMIT_NOFILE, &rl);
            if (rl.rlim_cur < (rlim_t)cfg.max_conns + 64) {
                rl.rlim_cur = (rlim_t)cfg.max_conns + 64;
                setrlimit(RLIMIT_NOFILE, &rl);
            }
        }
    }
    x.out = open_memstream(&x.mbuf, &x.mlen);
    x.q = x.out != NULL ? net_outq_new(out, 0) : NULL;
    if (x.q == NULL) {
        fprintf(errout, "sockbuf live: out of memory\n");
        status = 1;
        goto out;
    }
    cfg.on_event = cli_event;
    cfg.user = &x;
    l = net_live_new(&cfg, err);
    if (l == NULL) {
        fprintf(errout, "sockbuf live: %s\n", err);
        status = 1;
        goto out;
    }
    x.l = l;

    live_signalled = 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = live_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    handlers = true;

    struct timespec t0, now;
    bool timed_out = false;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (live_signalled)
            break;
        if (max_seconds > 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            double el = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
            if (el >= max_seconds) {
                timed_out = true;
                break;
            }
        }
        /* The output is written from this loop: wake when it can take
         * more, never wait for it. */
        net_live_watch_fd(l, net_outq_wait_fd(x.q));
        int rc = net_live_poll(l, 50);
        net_outq_flush(x.q);
        if (rc == 0)
            break;
        if (rc < 0) {
            fprintf(errout, "sockbuf live: poll: %s\n", strerror(-rc));
            status = 1;
            break;
        }
    }
    net_live_watch_fd(l, -1);
    net_live_stop(l);
    net_live_poll(l, 0); /* closes what is open, with close events */
    net_live_stats st;
    net_live_stats_get(l, &st);
    net_outq_stats qs;
    net_outq_stats_get(x.q, &qs);
    fprintf(x.out,
            "{\"event\":\"summary\",\"connections\":%" PRIu64 ",\"bytes_in\":%" PRIu64
            ",\"bytes_out\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"evictions\":%" PRIu64
            ",\"dropped_samples\":%" PRIu64 ",\"dropped_events\":%" PRIu64,
            st.connections, st.bytes_in, st.bytes_out, st.errors, st.evictions,
            qs.dropped_droppable, qs.dropped_other);
    if (cfg.mode == NET_LIVE_CONNECT)
        fprintf(x.out, ",\"unsent\":%" PRIu64, st.unsent_bytes);
    fputs("}\n", x.out);
    cli_line_end(&x, false);
    /* Whatever the reader does, end within a second of a signal: give the
     * output half a second to take the last lines (a second signal ends
     * the wait at once), then say what was lost. */
    int drc = net_outq_drain(x.q, 500);
    if (drc == -ETIMEDOUT || drc == -EINTR) {
        net_outq_stats_get(x.q, &qs);
        fprintf(errout, "sockbuf live: the output did not take the last %zu bytes\n",
                qs.queued_bytes);
    } else if (drc < 0) {
        fprintf(errout, "sockbuf live: writing the output: %s\n", strerror(-drc));
        status = 1;
    }
    /* A client whose connection failed ends with 1; a signal always 0. */
    if (cfg.mode == NET_LIVE_CONNECT && !live_signalled && st.last_err != 0 && status == 0)
        status = 1;
    /* --max-seconds cut a send short: say so, and fail. */
    if (cfg.mode == NET_LIVE_CONNECT && timed_out && st.unsent_bytes > 0) {
        fprintf(errout,
                "sockbuf live: --max-seconds ended the run before everything was sent: %" PRIu64
                " bytes sent, %" PRIu64 " not\n",
                st.bytes_out, st.unsent_bytes);
        status = 1;
    }
out:
    if (handlers) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
    net_live_free(l);
    net_outq_free(x.q);
    if (x.out != NULL)
        fclose(x.out);
    free(x.mbuf);
    free(x.snap);
    return status;
}
