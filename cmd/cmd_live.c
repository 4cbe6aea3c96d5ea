/* cmd_live.c: `sockbuf live ... --headless`, live mode as JSON Lines.
 *
 * Parses the options, runs a live loop and turns its events into one
 * JSON object per line on the output stream (flushed after each line), so
 * a script or a CI job can follow the kernel's queues of every connection.
 * SIGINT and SIGTERM end the run with a `summary` line and exit status 0.
 * Declared in cmd_live.h; main() runs it when
 * there is no window to open.
 */
#include "cmd_live.h"
#include "base_text.h"
#include "live_outq.h"

#include "base_opt.h"
#include "cmd_table.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static volatile sig_atomic_t lv_signalled;

static void lv_on_signal(int sig)
{
    lv_signalled = sig;
}

typedef struct {
    FILE *out;    /* the line being formatted (a memory stream) */
    live_outq *q; /* where finished lines go, without blocking */
    char *mbuf;   /* out's buffer */
    size_t mlen;  /* out's length */
    live *l;
    live_conn *snap;
    int snap_cap;
    char *blk;              /* finished lines not handed to q yet (never a sample) */
    size_t blen, bcap;      /* their length; blk's size */
    int blines;             /* lines in blk */
    int64_t bsince_ms;      /* when its first line came (cli_now_ms) */
    uint64_t dropped_lines; /* lines of dropped blocks beyond the one q counted */
} cli_ctx;

/* Events are handed to the output queue in blocks of up to this many
 * bytes, or once the oldest line waited CLI_BLOCK_MS: one recv(1024) is
 * one line, and a queue entry and a write() to a pipe each (which wakes
 * its reader) cost more than the recv itself. */
enum { CLI_BLOCK_BYTES = 64 * 1024, CLI_BLOCK_MS = 10 };

static int64_t cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Hands the block of finished lines to the output queue. */
static void cli_block_push(cli_ctx *x)
{
    if (x->blen > 0 && live_outq_push(x->q, x->blk, x->blen, false) != 0)
        x->dropped_lines += (uint64_t)(x->blines - 1); /* q counted the block as one */
    x->blen = 0;
    x->blines = 0;
}

/* Hands one finished line to the output: an event joins the block; a
 * sample (which may be dropped when the output falls behind, so it goes
 * alone) is handed over after the block before it. */
static void cli_line_add(cli_ctx *x, const char *line, size_t len, bool droppable)
{
    if (!droppable && x->blen + len > x->bcap) {
        size_t nc = x->bcap ? x->bcap : CLI_BLOCK_BYTES;
        while (nc < x->blen + len)
            nc *= 2;
        char *nb = realloc(x->blk, nc);
        if (nb != NULL) {
            x->blk = nb;
            x->bcap = nc;
        }
    }
    if (droppable || x->blen + len > x->bcap) {
        cli_block_push(x);
        live_outq_push(x->q, line, len, droppable);
        return;
    }
    if (x->blen == 0)
        x->bsince_ms = cli_now_ms();
    memcpy(x->blk + x->blen, line, len);
    x->blen += len;
    x->blines++;
    if (x->blen >= CLI_BLOCK_BYTES)
        cli_block_push(x);
}

/* Ends the line formatted in x->out and starts the next one. */
static void cli_line_end(cli_ctx *x, bool droppable)
{
    fflush(x->out);
    cli_line_add(x, x->mbuf, x->mlen, droppable);
    rewind(x->out);
}

/* Appends s to out at *o as a JSON string's characters (no quotes), as
 * base_json_str() writes them; out has room for 6 bytes a character. */
static void cli_json_chars(char *out, size_t *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\') {
            out[(*o)++] = (char)*p;
            continue;
        }
        out[(*o)++] = '\\';
        switch (*p) {
        case '"':
        case '\\':
            out[(*o)++] = (char)*p;
            break;
        case '\n':
            out[(*o)++] = 'n';
            break;
        case '\r':
            out[(*o)++] = 'r';
            break;
        case '\t':
            out[(*o)++] = 't';
            break;
        default:
            memcpy(out + *o, "u00", 3);
            out[*o + 3] = hex[*p >> 4];
            out[*o + 4] = hex[*p & 15];
            *o += 5;
        }
    }
}

/* Appends the decimal digits of v to out at *o. */
static void cli_put_u64(char *out, size_t *o, uint64_t v)
{
    char d[20];
    int k = 0;
    do {
        d[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k)
        out[(*o)++] = d[--k];
}

/* A recv or send event, the one that comes once a recv(1024): written
 * straight into a line, without stdio. */
static void cli_event_bytes(cli_ctx *x, const live_event *ev)
{
    char repr[300], line[64 + 6 * sizeof repr + 64];
    size_t o = 0;
    const char *head = ev->type == NET_LIVE_EV_RECV ? "{\"event\":\"recv\",\"t_ms\":"
                                                    : "{\"event\":\"send\",\"t_ms\":";
    memcpy(line, head, strlen(head));
    o += strlen(head);
    if (ev->t_ms < 0) {
        line[o++] = '-';
        cli_put_u64(line, &o, (uint64_t)-ev->t_ms);
    } else {
        cli_put_u64(line, &o, (uint64_t)ev->t_ms);
    }
    memcpy(line + o, ",\"id\":", 6);
    o += 6;
    if (ev->id < 0) {
        line[o++] = '-';
        cli_put_u64(line, &o, (uint64_t) - (int64_t)ev->id);
    } else {
        cli_put_u64(line, &o, (uint64_t)ev->id);
    }
    memcpy(line + o, ",\"bytes\":", 9);
    o += 9;
    cli_put_u64(line, &o, ev->bytes);
    if (ev->data != NULL) {
        live_bytes_repr(ev->data, ev->bytes, 64, repr, sizeof(repr));
        memcpy(line + o, ",\"data\":\"", 9);
        o += 9;
        cli_json_chars(line, &o, repr);
        line[o++] = '"';
        if (ev->bytes > 64) {
            memcpy(line + o, ",\"truncated\":true", 17);
            o += 17;
        }
    }
    memcpy(line + o, "}\n", 2);
    o += 2;
    cli_line_add(x, line, o, false);
}

static void cli_sample(cli_ctx *x, int64_t t_ms)
{
    FILE *f = x->out;
    int n = live_conns(x->l, x->snap, x->snap_cap);
    if (n > x->snap_cap)
        n = x->snap_cap;
    fprintf(f, "{\"event\":\"sample\",\"t_ms\":%" PRId64, t_ms);
    net_probe_t lp;
    if (live_listener_probe(x->l, &lp))
        fprintf(f, ",\"accept_queue\":%u", lp.accept_queue);
    fputs(",\"conns\":[", f);
    for (int i = 0; i < n; i++) {
        const live_conn *c = &x->snap[i];
        const net_probe_t *p = &c->probe;
        fprintf(f, "%s{\"id\":%d,\"state\":", i ? "," : "", c->id);
        base_json_str(f, c->probe_valid ? p->state : "UNKNOWN");
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

static void cli_event(const live_event *ev, void *user)
{
    cli_ctx *x = user;
    FILE *f = x->out;
    switch (ev->type) {
    case NET_LIVE_EV_LISTEN:
        fprintf(f, "{\"event\":\"listen\",\"t_ms\":%" PRId64 ",\"addr\":", ev->t_ms);
        base_json_str(f, ev->peer);
        fputs("}\n", f);
        break;
    case NET_LIVE_EV_ACCEPT:
    case NET_LIVE_EV_CONNECT:
        fprintf(f, "{\"event\":\"%s\",\"t_ms\":%" PRId64 ",\"id\":%d,\"peer\":",
                ev->type == NET_LIVE_EV_ACCEPT ? "accept" : "connect", ev->t_ms, ev->id);
        base_json_str(f, ev->peer);
        fputs("}\n", f);
        break;
    case NET_LIVE_EV_RECV:
    case NET_LIVE_EV_SEND:
        cli_event_bytes(x, ev); /* straight into the block, no stdio */
        return;
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
        base_json_str(f, ev->exception);
        fputs(",\"message\":", f);
        base_json_str(f, ev->message);
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

/* Whether host names every address of the machine (0.0.0.0, 0, ::, [::]). */
static bool host_is_wildcard(const char *host)
{
    char h[64];
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof h) {
        memcpy(h, host + 1, n - 2);
        h[n - 2] = '\0';
    } else if (n < sizeof h) {
        memcpy(h, host, n + 1);
    } else {
        return false;
    }
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_aton(h, &a4) == 1)
        return a4.s_addr == htonl(INADDR_ANY);
    return inet_pton(AF_INET6, h, &a6) == 1 && IN6_IS_ADDR_UNSPECIFIED(&a6);
}

/* --listen on every interface: said on errout, with the addresses that
 * other machines can now reach (loopback left out), since a teacher's
 * chat server on 0.0.0.0 is open to the whole classroom network. */
static void warn_wildcard(const char *host, uint16_t port, FILE *errout)
{
    fprintf(errout,
            "sockbuf live: warning: --listen %s:%u accepts connections from every network this "
            "machine is on",
            host, (unsigned)port);
    struct ifaddrs *ifs = NULL;
    int shown = 0;
    if (getifaddrs(&ifs) == 0) {
        for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
            if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP))
                continue;
            int fam = i->ifa_addr->sa_family;
            if (fam != AF_INET && (fam != AF_INET6 || !strchr(host, ':')))
                continue;
            char a[INET6_ADDRSTRLEN] = "";
            const void *src = fam == AF_INET
                                  ? (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
                                  : (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
            inet_ntop(fam, src, a, sizeof a);
            fprintf(errout, "%s%s (%s)", shown++ ? ", " : "; reachable now at ", a, i->ifa_name);
        }
        freeifaddrs(ifs);
    }
    fprintf(errout, "; to stay on this machine, listen on 127.0.0.1:%u\n", (unsigned)port);
}

/* "WxH", each 64..8192. */
static int cli_size(const char *s, int *w, int *h)
{
    char *end = NULL;
    long a = strtol(s, &end, 10), b = 0;
    if (end == s || (*end != 'x' && *end != 'X'))
        return -EINVAL;
    const char *p = end + 1;
    b = strtol(p, &end, 10);
    if (end == p || *end || a < 64 || a > 8192 || b < 64 || b > 8192)
        return -EINVAL;
    *w = (int)a;
    *h = (int)b;
    return 0;
}

int cmd_live_parse(int argc, char **argv, live_opts *o, FILE *out, FILE *errout)
{
    memset(o, 0, sizeof *o);
    o->cfg = live_config_default();
    o->cfg.sample_ms = 100;
    o->lang = base_locale_is_japanese() ? "ja" : "en";
    o->width = 1280;
    o->height = 720;
    o->screenshot = getenv("SOCKBUF_SCREENSHOT");
    const char *addr = NULL;
    bool have_mode = false;
    cmd_parser cp;
    if (cmd_parser_init(&cp, CMD_LIVE, argc, argv, errout) < 0)
        return 2;
    base_opt *p = &cp.p;
    const char *v;
    long n = 0;
    int c;
    while ((c = base_opt_next(p, &v)) != -1) {
        switch (c) {
        case 'h':
            cmd_table_help(out, CMD_LIVE);
            return 1;
        case 'L':
        case 'C':
            if (have_mode) {
                fprintf(errout, "sockbuf live: give one of --listen or --connect\n");
                cmd_table_usage(errout, CMD_LIVE);
                return 2;
            }
            have_mode = true;
            o->cfg.mode = c == 'L' ? NET_LIVE_LISTEN : NET_LIVE_CONNECT;
            addr = v;
            break;
        case 'S':
            o->cfg.send_text = v;
            break;
        case 'F':
            o->cfg.send_file = v;
            break;
        case 'H':
            o->headless = true;
            break;
        case 'M':
            if (base_opt_double(p, "--max-seconds", v, 1e-6, 1e9, "a positive number of seconds",
                                &o->max_seconds) < 0)
                return 2;
            break;
        case 'm':
        case 'r':
        case 'c': {
            const char *name = c == 'm' ? "--sample-ms" : c == 'r' ? "--recv-size" : "--max-conns";
            long hi = c == 'r' ? NET_LIVE_RECV_LIMIT : c == 'c' ? NET_LIVE_MAX_CONNS_LIMIT : 60000;
            if (base_opt_long(p, name, v, 1, hi, &n) < 0)
                return 2;
            if (c == 'm') {
                o->cfg.sample_ms = (int)n;
                o->sample_ms_given = true;
            } else if (c == 'r') {
                o->cfg.recv_bytes = (uint32_t)n;
            } else {
                o->cfg.max_conns = (int)n;
            }
            break;
        }
        case 'I': {
            double sec = 0;
            if (base_opt_double(p, "--idle-timeout", v, 0, 86400.0 * 365, "SECONDS (0: never)",
                                &sec) < 0)
                return 2;
            o->cfg.idle_timeout_ms = sec == 0 ? -1 : (sec * 1000 < 1 ? 1 : (int)(sec * 1000));
            break;
        }
        case 'l':
            if (strcmp(v, "en") && strcmp(v, "ja")) {
                fprintf(errout, "sockbuf live: bad --lang '%s' (want en or ja)\n", v);
                return 2;
            }
            o->lang = v;
            break;
        case 'z':
            if (cli_size(v, &o->width, &o->height) < 0) {
                fprintf(errout, "sockbuf live: bad --size '%s' (want WxH, 64..8192)\n", v);
                return 2;
            }
            break;
        case 'P':
            o->screenshot = v;
            break;
        default:
            return 2;
        }
    }
    int first = base_opt_operands(p);
    if (first < argc) {
        fprintf(errout, "sockbuf live: unexpected '%s'\n", argv[first]);
        cmd_table_usage(errout, CMD_LIVE);
        return 2;
    }
    if (!have_mode) {
        fprintf(errout, "sockbuf live: give --listen [HOST:]PORT or --connect HOST:PORT\n");
        cmd_table_usage(errout, CMD_LIVE);
        return 2;
    }
    if (o->cfg.mode == NET_LIVE_LISTEN && (o->cfg.send_text != NULL || o->cfg.send_file != NULL)) {
        fprintf(errout, "sockbuf live: --send and --send-file go with --connect\n");
        return 2;
    }
    if (o->cfg.send_text != NULL && o->cfg.send_file != NULL) {
        fprintf(errout, "sockbuf live: give one of --send or --send-file\n");
        return 2;
    }
    if (cli_parse_addr(addr, o->host, sizeof(o->host), &o->cfg.host, &o->cfg.port) < 0) {
        fprintf(errout, "sockbuf live: bad address '%s' (want [HOST:]PORT, PORT 0..65535)\n", addr);
        return 2;
    }
    if (o->cfg.mode == NET_LIVE_CONNECT && o->cfg.port == 0) {
        fprintf(errout, "sockbuf live: --connect needs a port other than 0\n");
        return 2;
    }
    if (o->cfg.mode == NET_LIVE_LISTEN && o->cfg.host && host_is_wildcard(o->cfg.host))
        warn_wildcard(o->cfg.host, o->cfg.port, errout);
    return 0;
}

int cmd_live(int argc, char **argv, FILE *out, FILE *errout)
{
    live_opts o;
    int rc = cmd_live_parse(argc, argv, &o, out, errout);
    if (rc)
        return rc == 1 ? 0 : rc;
    return cmd_live_run(&o, out, errout);
}

int cmd_live_run(const live_opts *opts, FILE *out, FILE *errout)
{
    live_config cfg = opts->cfg;
    double max_seconds = opts->max_seconds;
    int status = 0;
    char err[NET_ERR_LEN] = "";
    cli_ctx x = {.out = NULL};
    live *l = NULL;
    struct sigaction sa, old_int, old_term;
    bool handlers = false;

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
    x.q = x.out != NULL ? live_outq_new(out, 0) : NULL;
    if (x.q == NULL) {
        fprintf(errout, "sockbuf live: out of memory\n");
        status = 1;
        goto out;
    }
    cfg.on_event = cli_event;
    cfg.user = &x;
    l = live_new(&cfg, err);
    if (l == NULL) {
        fprintf(errout, "sockbuf live: %s\n", err);
        status = 1;
        goto out;
    }
    x.l = l;

    lv_signalled = 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = lv_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    handlers = true;

    struct timespec t0, now;
    bool timed_out = false;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (lv_signalled)
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
        live_watch_fd(l, live_outq_wait_fd(x.q));
        /* A block that waits is handed over within CLI_BLOCK_MS. */
        int64_t wait_ms = 50;
        if (x.blen > 0) {
            int64_t age = cli_now_ms() - x.bsince_ms;
            wait_ms = age >= CLI_BLOCK_MS ? 0 : CLI_BLOCK_MS - age;
        }
        int rc = live_poll(l, (int)wait_ms);
        if (x.blen > 0 && cli_now_ms() - x.bsince_ms >= CLI_BLOCK_MS)
            cli_block_push(&x);
        live_outq_flush(x.q);
        if (rc == 0)
            break;
        if (rc < 0) {
            fprintf(errout, "sockbuf live: poll: %s\n", strerror(-rc));
            status = 1;
            break;
        }
    }
    live_watch_fd(l, -1);
    live_stop(l);
    live_poll(l, 0); /* closes what is open, with close events */
    cli_block_push(&x);
    live_stats st;
    live_stats_get(l, &st);
    live_outq_stats qs;
    live_outq_stats_get(x.q, &qs);
    qs.dropped_other += x.dropped_lines;
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
    cli_block_push(&x);
    /* Whatever the reader does, end within a second of a signal: give the
     * output half a second to take the last lines (a second signal ends
     * the wait at once), then say what was lost. */
    int drc = live_outq_drain(x.q, 500);
    if (drc == -ETIMEDOUT || drc == -EINTR) {
        live_outq_stats_get(x.q, &qs);
        fprintf(errout, "sockbuf live: the output did not take the last %zu bytes\n",
                qs.queued_bytes);
    } else if (drc < 0) {
        fprintf(errout, "sockbuf live: writing the output: %s\n", strerror(-drc));
        status = 1;
    }
    /* A client whose connection failed ends with 1; a signal always 0. */
    if (cfg.mode == NET_LIVE_CONNECT && !lv_signalled && st.last_err != 0 && status == 0)
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
    live_free(l);
    live_outq_free(x.q);
    if (x.out != NULL)
        fclose(x.out);
    free(x.mbuf);
    free(x.blk);
    free(x.snap);
    return status;
}
