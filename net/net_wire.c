/* net_wire.c: the emulated link of the real mode (see net_wire.h).
 *
 * Two halves. The caller's half (net_wire_start, _socket, _poll...) talks
 * to the helper over two SOCK_SEQPACKET socketpairs: "ctl" carries
 * requests and replies (a socket comes back as SCM_RIGHTS), "log" carries
 * batches of logged segments from the helper. The helper's half
 * (helper_main) sets up the namespaces and devices, then runs one poll
 * loop: it reads IP packets from either TUN device, gives each a delivery
 * time (the link serializes one direction's packets one after another at
 * the rate, then each travels for the latency), and writes it to the
 * other device when that time comes. It is single-threaded and never
 * blocks except in ppoll(); it exits when its parent dies (PDEATHSIG) or
 * closes the ctl socket.
 */
#include "net_wire.h"
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
    WIRE_OP_CONFIG = 1,
    WIRE_OP_SOCKET = 2,
    WIRE_OP_STATS = 3,
    WIRE_OP_SYNC = 4,          /* read the devices dry, answer how many packets are queued */
    WIRE_OP_NETNS = 5,         /* a descriptor of side's network namespace */
    WIRE_OP_USERNS = 6,        /* a descriptor of the helper's user namespace (not as root) */
    WIRE_LATE_BINS = 100001,   /* lateness histogram, 1 us bins */
    WIRE_BATCH = 64,           /* segments per log message */
    WIRE_QUEUE_PACKETS = 1000, /* drop-tail limit, in MTU-sized packets (txqueuelen) */
    WIRE_READ_BUDGET = 256,    /* packets read per device per loop turn */
    WIRE_MTU_EXTRA = 52,       /* IPv4 20 + TCP 20 + timestamps 12 */
    WIRE_DEFAULT_MSS = 1460,
    WIRE_START_TIMEOUT_MS = 5000,
    WIRE_REPLY_TIMEOUT_MS = 2000,
    WIRE_FLOWS = 64,
};
/* Log batches go out at least this often while segments wait (one send
 * per packet would double the helper's system calls at 1 Gbit/s). */
#define WIRE_LOG_FLUSH_NS 1000000u

static const char *const wire_addrs[2] = {"10.80.0.1", "10.80.0.2"};

typedef struct {
    uint32_t op;
    uint32_t side;
    uint64_t latency_us;
    uint64_t rate_bps;
    uint32_t mss_bytes;
    uint32_t pad;
} wire_req;

typedef struct {
    int32_t rc; /* 0 or a negative errno */
    char msg[NET_WIRE_MSG_LEN - 8];
    net_wire_stats stats; /* WIRE_OP_STATS */
    uint32_t queued;      /* WIRE_OP_SYNC: packets in the helper's queues */
} wire_reply;

typedef struct {
    uint32_t count;  /* segments that follow */
    uint32_t queued; /* packets in the helper's queues after this batch */
    uint64_t lost;   /* segments dropped from the log so far */
} wire_batch_head;

struct net_wire {
    pid_t pid;   /* the helper */
    pid_t owner; /* the process that started it: only it may ask */
    int ctl;     /* requests and replies */
    int log;     /* segment batches, non-blocking */
    net_wire_segment *segs;
    size_t nsegs, cap;
    uint64_t lost;
    uint32_t queued;
    pthread_mutex_t mu; /* one request at a time */
};

uint64_t net_wire_now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static uint64_t wire_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

const char *net_wire_addr(net_wire_side side)
{
    return wire_addrs[side == NET_WIRE_SERVER];
}

/* ------------------------------------------------------------------ */
/* The helper.                                                         */

typedef struct {
    uint64_t deliver_ns;
    uint32_t len;
    uint8_t *data;
} wire_pkt;

typedef struct {
    wire_pkt *ring;
    size_t cap, head, n;
    uint64_t busy_ns; /* when the link of this direction is free again */
} wire_queue;

typedef struct {
    uint16_t cport, sport; /* client's and server's port */
    int8_t ws[2];          /* window scale offered by dir 0 / dir 1; -1: none */
    bool used;
} wire_flow;

typedef struct {
    int ctl, log;
    int ns[2];   /* namespace fds: A, B */
    int tun[2];  /* TUN fds */
    int ioc[2];  /* ioctl sockets, one in each namespace */
    uint64_t latency_ns;
    uint64_t rate_bps;
    uint32_t mtu;
    wire_queue q[2]; /* 0: A to B; 1: B to A */
    wire_flow flows[WIRE_FLOWS];
    int next_flow;
    net_wire_segment batch[WIRE_BATCH];
    int nbatch;
    uint64_t lost;
    uint32_t reported_queued;
    uint64_t flushed_ns; /* when the last batch went out */
    bool root;
    uint64_t delivered, dropped;
    uint32_t *late; /* WIRE_LATE_BINS counters, or NULL */
} wire_helper;

static void reply_fmt(wire_reply *rep, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void reply_fmt(wire_reply *rep, int rc, const char *fmt, ...)
{
    va_list ap;
    rep->rc = rc;
    va_start(ap, fmt);
    vsnprintf(rep->msg, sizeof rep->msg, fmt, ap);
    va_end(ap);
}

/* Reads an integer from a /proc file; -1 when it cannot be read. */
static long read_proc_long(const char *path)
{
    FILE *f = fopen(path, "r");
    long v = -1;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

/* The fix for a step that failed with errno e, or "". */
static const char *wire_fix(const wire_helper *h, const char *step, int e)
{
    bool apparmor = read_proc_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1;
    if (!strcmp(step, "unshare(CLONE_NEWUSER)")) {
        if (e == ENOSPC || read_proc_long("/proc/sys/user/max_user_namespaces") == 0)
            return "user namespaces are disabled by sysctl: sysctl -w user.max_user_namespaces=10000";
        if (read_proc_long("/proc/sys/kernel/unprivileged_userns_clone") == 0)
            return "unprivileged user namespaces are disabled by sysctl: sysctl -w "
                   "kernel.unprivileged_userns_clone=1";
        if (apparmor)
            return "Ubuntu 24.04's AppArmor restricts user namespaces: give sockbuf an AppArmor "
                   "profile with 'userns,' (or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0)";
        return "a container's seccomp profile may forbid unshare(): run as root or allow it";
    }
    if (!h->root && apparmor && (e == EPERM || e == EACCES))
        return "Ubuntu 24.04's AppArmor restricts user namespaces: give sockbuf an AppArmor "
               "profile with 'userns,' (or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0)";
    if (!strncmp(step, "open ", 5)) {
        if (e == ENOENT || e == ENODEV || e == ENXIO)
            return "there is no TUN device: modprobe tun (a container needs --device /dev/net/tun)";
        if (e == EACCES)
            return "the TUN node is not open to this user: a udev rule KERNEL==\"tun\", "
                   "MODE=\"0666\" (e.g. /etc/udev/rules.d/99-tun.rules) opens it to everyone";
        if (e == EPERM)
            return "a container that does not pass the device: run it with --device /dev/net/tun";
    }
    if (!strcmp(step, "unshare(CLONE_NEWNET)") && e == EPERM)
        return "a container without CAP_SYS_ADMIN: run it with --cap-add SYS_ADMIN --cap-add "
               "NET_ADMIN, or as an ordinary user with user namespaces";
    if (!strncmp(step, "ioctl(TUNSETIFF", 15) && e == EPERM)
        return "no CAP_NET_ADMIN for TUN devices here (a container?): --cap-add NET_ADMIN";
    return "";
}

/* Fills rep with "STEP: strerror; fix: ..." for errno e and returns -e. */
static int step_fail(wire_helper *h, wire_reply *rep, const char *step, int e)
{
    const char *fix = wire_fix(h, step, e);
    reply_fmt(rep, -e, "%s: %s%s%s", step, strerror(e), *fix ? "; fix: " : "", fix);
    return -e;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, text, strlen(text));
    int rc = n == (ssize_t)strlen(text) ? 0 : (n < 0 ? -errno : -EIO);
    close(fd);
    return rc;
}

static int ifr_ioctl(int sock, unsigned long req, struct ifreq *ifr)
{
    return ioctl(sock, req, ifr) < 0 ? -errno : 0;
}

/* Brings an interface up. */
static int if_up(int sock, const char *name)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    int rc = ifr_ioctl(sock, SIOCGIFFLAGS, &ifr);
    if (rc < 0)
        return rc;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    return ifr_ioctl(sock, SIOCSIFFLAGS, &ifr);
}

static int if_set_mtu(int sock, const char *name, uint32_t mtu)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    ifr.ifr_mtu = (int)mtu;
    return ifr_ioctl(sock, SIOCSIFMTU, &ifr);
}

static int if_set_in(int sock, const char *name, unsigned long req, const char *addr)
{
    struct ifreq ifr;
    struct sockaddr_in sin;
    memset(&ifr, 0, sizeof ifr);
    memset(&sin, 0, sizeof sin);
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    sin.sin_family = AF_INET;
    inet_pton(AF_INET, addr, &sin.sin_addr);
    memcpy(&ifr.ifr_addr, &sin, sizeof sin);
    return ifr_ioctl(sock, req, &ifr);
}

#define WIRE_IF "sockbuf0"

/* Makes one namespace (side 0: A, 1: B) with its TUN device. */
static int setup_side(wire_helper *h, int side, const char *tun_path, wire_reply *rep)
{
    char step[160];
    if (unshare(CLONE_NEWNET) < 0)
        return step_fail(h, rep, "unshare(CLONE_NEWNET)", errno);
    h->ns[side] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (h->ns[side] < 0)
        return step_fail(h, rep, "open /proc/self/ns/net", errno);
    h->ioc[side] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (h->ioc[side] < 0)
        return step_fail(h, rep, "socket(AF_INET, SOCK_DGRAM)", errno);
    int rc = if_up(h->ioc[side], "lo");
    if (rc < 0)
        return step_fail(h, rep, "ioctl(SIOCSIFFLAGS lo up)", -rc);
    snprintf(step, sizeof step, "open %s", tun_path);
    h->tun[side] = open(tun_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (h->tun[side] < 0)
        return step_fail(h, rep, step, errno);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", WIRE_IF);
    if (ioctl(h->tun[side], TUNSETIFF, &ifr) < 0)
        return step_fail(h, rep, "ioctl(TUNSETIFF, IFF_TUN|IFF_NO_PI)", errno);
    snprintf(step, sizeof step, "ioctl(SIOCSIFADDR %s)", wire_addrs[side]);
    if ((rc = if_set_in(h->ioc[side], WIRE_IF, SIOCSIFADDR, wire_addrs[side])) < 0)
        return step_fail(h, rep, step, -rc);
    if ((rc = if_set_in(h->ioc[side], WIRE_IF, SIOCSIFNETMASK, "255.255.255.252")) < 0)
        return step_fail(h, rep, "ioctl(SIOCSIFNETMASK 255.255.255.252)", -rc);
    snprintf(step, sizeof step, "ioctl(SIOCSIFMTU %u)", h->mtu);
    if ((rc = if_set_mtu(h->ioc[side], WIRE_IF, h->mtu)) < 0)
        return step_fail(h, rep, step, -rc);
    if ((rc = if_up(h->ioc[side], WIRE_IF)) < 0)
        return step_fail(h, rep, "ioctl(SIOCSIFFLAGS " WIRE_IF " up)", -rc);
    return 0;
}

static int helper_setup(wire_helper *h, const char *tun_path, uid_t uid, gid_t gid,
                        wire_reply *rep)
{
    char map[64];
    int rc;
    if (!h->root) {
        if (unshare(CLONE_NEWUSER) < 0)
            return step_fail(h, rep, "unshare(CLONE_NEWUSER)", errno);
        if ((rc = write_file("/proc/self/setgroups", "deny")) < 0)
            return step_fail(h, rep, "write /proc/self/setgroups", -rc);
        snprintf(map, sizeof map, "%u %u 1", (unsigned)uid, (unsigned)uid);
        if ((rc = write_file("/proc/self/uid_map", map)) < 0)
            return step_fail(h, rep, "write /proc/self/uid_map", -rc);
        snprintf(map, sizeof map, "%u %u 1", (unsigned)gid, (unsigned)gid);
        if ((rc = write_file("/proc/self/gid_map", map)) < 0)
            return step_fail(h, rep, "write /proc/self/gid_map", -rc);
    }
    for (int side = 0; side < 2; side++)
        if ((rc = setup_side(h, side, tun_path, rep)) < 0)
            return rc;
    reply_fmt(rep, 0, "ready");
    return 0;
}

static void flush_log(wire_helper *h, bool force)
{
    uint32_t queued = (uint32_t)(h->q[0].n + h->q[1].n);
    if (h->nbatch == 0 && !(force && queued != h->reported_queued))
        return;
    struct {
        wire_batch_head head;
        net_wire_segment segs[WIRE_BATCH];
    } msg;
    msg.head.count = (uint32_t)h->nbatch;
    msg.head.queued = queued;
    msg.head.lost = h->lost;
    memcpy(msg.segs, h->batch, (size_t)h->nbatch * sizeof *h->batch);
    size_t len = sizeof msg.head + (size_t)h->nbatch * sizeof *h->batch;
    ssize_t n;
    do {
        n = send(h->log, &msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EPIPE || errno == ECONNRESET)
            _exit(0);
        h->lost += (uint64_t)h->nbatch; /* the reader is slow: count, never block */
    } else {
        h->reported_queued = queued;
    }
    h->nbatch = 0;
    h->flushed_ns = wire_now_ns();
}

static wire_flow *flow_of(wire_helper *h, uint16_t cport, uint16_t sport, bool create)
{
    for (int i = 0; i < WIRE_FLOWS; i++)
        if (h->flows[i].used && h->flows[i].cport == cport && h->flows[i].sport == sport)
            return &h->flows[i];
    if (!create)
        return NULL;
    wire_flow *f = &h->flows[h->next_flow];
    h->next_flow = (h->next_flow + 1) % WIRE_FLOWS;
    memset(f, 0, sizeof *f);
    f->used = true;
    f->cport = cport;
    f->sport = sport;
    f->ws[0] = f->ws[1] = -1;
    return f;
}

/* The window-scale option of a SYN, or -1. */
static int syn_wscale(const uint8_t *opt, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t kind = opt[i];
        if (kind == 0)
            break;
        if (kind == 1) {
            i++;
            continue;
        }
        if (i + 1 >= len || opt[i + 1] < 2)
            break;
        if (kind == 3 && opt[i + 1] == 3 && i + 2 < len)
            return opt[i + 2] > 14 ? 14 : opt[i + 2];
        i += opt[i + 1];
    }
    return -1;
}

/* Logs a packet when it is TCP over IPv4. */
static void log_packet(wire_helper *h, int dir, const uint8_t *p, size_t len, uint64_t sent_ns,
                       uint64_t deliver_ns, bool dropped)
{
    if (len < 20 || (p[0] >> 4) != 4 || p[9] != IPPROTO_TCP)
        return;
    size_t ihl = (size_t)(p[0] & 15) * 4;
    size_t tot = ((size_t)p[2] << 8) | p[3];
    if (tot > len)
        tot = len;
    if (ihl < 20 || tot < ihl + 20)
        return;
    const uint8_t *t = p + ihl;
    size_t doff = (size_t)(t[12] >> 4) * 4;
    if (doff < 20 || ihl + doff > tot)
        return;
    net_wire_segment s;
    memset(&s, 0, sizeof s);
    s.sent_us = sent_ns / 1000;
    s.arrive_us = deliver_ns / 1000;
    s.src_port = (uint16_t)((t[0] << 8) | t[1]);
    s.dst_port = (uint16_t)((t[2] << 8) | t[3]);
    s.seq = ((uint32_t)t[4] << 24) | ((uint32_t)t[5] << 16) | ((uint32_t)t[6] << 8) | t[7];
    s.ack = ((uint32_t)t[8] << 24) | ((uint32_t)t[9] << 16) | ((uint32_t)t[10] << 8) | t[11];
    s.flags = t[13] & 0x3f;
    s.len_bytes = (uint32_t)(tot - ihl - doff);
    s.dir = (uint8_t)dir;
    s.dropped = dropped;
    uint32_t win = ((uint32_t)t[14] << 8) | t[15];
    uint16_t cport = dir == 0 ? s.src_port : s.dst_port;
    uint16_t sport = dir == 0 ? s.dst_port : s.src_port;
    wire_flow *f = flow_of(h, cport, sport, (s.flags & NET_WIRE_SYN) != 0);
    if (s.flags & NET_WIRE_SYN) {
        f->ws[dir] = (int8_t)syn_wscale(t + 20, doff - 20);
    } else if (f && f->ws[0] >= 0 && f->ws[1] >= 0) {
        win <<= f->ws[dir];
    }
    s.window_bytes = win;
    h->batch[h->nbatch++] = s;
    if (h->nbatch == WIRE_BATCH)
        flush_log(h, false);
}

static int queue_push(wire_queue *q, const wire_pkt *pk)
{
    if (q->n == q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 256;
        wire_pkt *r = malloc(ncap * sizeof *r);
        if (!r)
            return -ENOMEM;
        for (size_t i = 0; i < q->n; i++)
            r[i] = q->ring[(q->head + i) % q->cap];
        free(q->ring);
        q->ring = r;
        q->cap = ncap;
        q->head = 0;
    }
    q->ring[(q->head + q->n) % q->cap] = *pk;
    q->n++;
    return 0;
}

/* Reads what one device has and queues it for the other direction. */
static void read_device(wire_helper *h, int dir)
{
    static uint8_t buf[65536];
    wire_queue *q = &h->q[dir];
    for (int k = 0; k < WIRE_READ_BUDGET; k++) {
        ssize_t n = read(h->tun[dir], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if ((buf[0] >> 4) != 4)
            continue; /* IPv6 router solicitations and the like: not ours */
        uint64_t now = wire_now_ns();
        uint64_t start = q->busy_ns > now ? q->busy_ns : now;
        uint64_t tx_ns = h->rate_bps ? ((uint64_t)n * 8u * 1000000000u + h->rate_bps - 1) / h->rate_bps : 0;
        /* Drop-tail: the bytes still waiting to be serialized. */
        uint64_t backlog = h->rate_bps ? (start - now) * h->rate_bps / 8000000000u : 0;
        if (backlog + (uint64_t)n > (uint64_t)WIRE_QUEUE_PACKETS * h->mtu) {
            h->dropped++;
            log_packet(h, dir, buf, (size_t)n, now, 0, true);
            continue;
        }
        wire_pkt pk = {.deliver_ns = start + tx_ns + h->latency_ns, .len = (uint32_t)n};
        pk.data = malloc((size_t)n);
        if (!pk.data || queue_push(q, &pk) < 0) {
            free(pk.data);
            log_packet(h, dir, buf, (size_t)n, now, 0, true);
            continue;
        }
        memcpy(pk.data, buf, (size_t)n);
        q->busy_ns = start + tx_ns;
        log_packet(h, dir, buf, (size_t)n, now, pk.deliver_ns, false);
    }
}

/* Writes the packets whose time has come to the other device. */
static void deliver_due(wire_helper *h, int dir, uint64_t now)
{
    wire_queue *q = &h->q[dir];
    while (q->n && q->ring[q->head].deliver_ns <= now) {
        wire_pkt *pk = &q->ring[q->head];
        ssize_t n;
        do {
            n = write(h->tun[1 - dir], pk->data, pk->len);
        } while (n < 0 && errno == EINTR);
        free(pk->data);
        h->delivered++;
        if (h->late) {
            uint64_t late_us = (now - pk->deliver_ns) / 1000u;
            h->late[late_us < WIRE_LATE_BINS - 1 ? late_us : WIRE_LATE_BINS - 1]++;
        }
        q->head = (q->head + 1) % q->cap;
        q->n--;
    }
}

/* The percentile p (0..100) of the lateness histogram. */
static uint32_t late_pct(const uint32_t *late, uint64_t total, unsigned p)
{
    uint64_t want = (total * p + 99) / 100, seen = 0;
    for (uint32_t i = 0; i < WIRE_LATE_BINS; i++) {
        seen += late[i];
        if (seen >= want && seen > 0)
            return i;
    }
    return 0;
}

static void helper_stats(wire_helper *h, net_wire_stats *st, bool reset)
{
    memset(st, 0, sizeof *st);
    st->packets = h->delivered;
    st->dropped = h->dropped;
    if (h->late && h->delivered) {
        st->late_p50_us = late_pct(h->late, h->delivered, 50);
        st->late_p99_us = late_pct(h->late, h->delivered, 99);
        for (uint32_t i = WIRE_LATE_BINS; i-- > 0;)
            if (h->late[i]) {
                st->late_max_us = i;
                break;
            }
    }
    FILE *f = fopen("/proc/self/schedstat", "r");
    if (f) {
        unsigned long long ns = 0;
        if (fscanf(f, "%llu", &ns) == 1)
            st->cpu_ns = ns;
        fclose(f);
    }
    if (reset) {
        h->delivered = h->dropped = 0;
        if (h->late)
            memset(h->late, 0, WIRE_LATE_BINS * sizeof *h->late);
    }
}

static void handle_request(wire_helper *h)
{
    wire_req req;
    wire_reply rep;
    memset(&rep, 0, sizeof rep);
    ssize_t n;
    do {
        n = recv(h->ctl, &req, sizeof req, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return;
    if (n <= 0)
        _exit(0); /* the parent closed: the namespaces go with us */
    int fd = -1;
    if (n != (ssize_t)sizeof req) {
        reply_fmt(&rep, -EINVAL, "wire request of %zd bytes", n);
    } else if (req.op == WIRE_OP_CONFIG) {
        uint32_t mss = req.mss_bytes ? req.mss_bytes : WIRE_DEFAULT_MSS;
        uint32_t mtu = mss + WIRE_MTU_EXTRA;
        int rc = 0;
        if (mss < 16 || mtu > 65535)
            rc = -EINVAL;
        for (int side = 0; side < 2 && rc == 0 && mtu != h->mtu; side++)
            rc = if_set_mtu(h->ioc[side], WIRE_IF, mtu);
        if (rc < 0) {
            reply_fmt(&rep, rc, "ioctl(SIOCSIFMTU %u): %s", mtu, strerror(-rc));
        } else {
            h->mtu = mtu;
            h->latency_ns = req.latency_us * 1000u;
            h->rate_bps = req.rate_bps;
            reply_fmt(&rep, 0, "ok");
        }
    } else if (req.op == WIRE_OP_STATS) {
        helper_stats(h, &rep.stats, req.side != 0);
        reply_fmt(&rep, 0, "ok");
    } else if (req.op == WIRE_OP_SYNC) {
        /* Everything the kernels wrote before the request was sent is in
         * the devices now: read it, then count. */
        read_device(h, 0);
        read_device(h, 1);
        rep.queued = (uint32_t)(h->q[0].n + h->q[1].n);
        reply_fmt(&rep, 0, "ok");
    } else if (req.op == WIRE_OP_SOCKET && req.side < 2) {
        if (setns(h->ns[req.side], CLONE_NEWNET) < 0)
            reply_fmt(&rep, -errno, "setns(%s): %s", req.side ? "B" : "A", strerror(errno));
        else if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
            reply_fmt(&rep, -errno, "socket(AF_INET, SOCK_STREAM): %s", strerror(errno));
        else
            reply_fmt(&rep, 0, "ok");
    } else if (req.op == WIRE_OP_NETNS && req.side < 2) {
        if ((fd = fcntl(h->ns[req.side], F_DUPFD_CLOEXEC, 0)) < 0)
            reply_fmt(&rep, -errno, "dup(netns %s): %s", req.side ? "B" : "A", strerror(errno));
        else
            reply_fmt(&rep, 0, "ok");
    } else if (req.op == WIRE_OP_USERNS) {
        if (h->root)
            reply_fmt(&rep, 0, "root: no user namespace");
        else if ((fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC)) < 0)
            reply_fmt(&rep, -errno, "open /proc/self/ns/user: %s", strerror(errno));
        else
            reply_fmt(&rep, 0, "ok");
    } else {
        reply_fmt(&rep, -EINVAL, "unknown wire request %u", req.op);
    }
    n = net_send_fd(h->ctl, &rep, sizeof rep, fd);
    if (fd >= 0)
        close(fd);
    if (n < 0)
        _exit(0);
}

static void helper_loop(wire_helper *h)
{
    for (;;) {
        uint64_t now = wire_now_ns();
        uint64_t next = UINT64_MAX;
        for (int d = 0; d < 2; d++)
            if (h->q[d].n && h->q[d].ring[h->q[d].head].deliver_ns < next)
                next = h->q[d].ring[h->q[d].head].deliver_ns;
        if (h->nbatch && h->flushed_ns + WIRE_LOG_FLUSH_NS < next)
            next = h->flushed_ns + WIRE_LOG_FLUSH_NS;
        struct timespec ts, *tsp = NULL;
        if (next != UINT64_MAX) {
            uint64_t d = next > now ? next - now : 0;
            ts.tv_sec = (time_t)(d / 1000000000u);
            ts.tv_nsec = (long)(d % 1000000000u);
            tsp = &ts;
        }
        struct pollfd pf[3] = {
            {.fd = h->ctl, .events = POLLIN},
            {.fd = h->tun[0], .events = POLLIN},
            {.fd = h->tun[1], .events = POLLIN},
        };
        int n = ppoll(pf, 3, tsp, NULL);
        if (n < 0 && errno != EINTR)
            _exit(1);
        if (n > 0 && (pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
            handle_request(h);
        for (int d = 0; d < 2; d++)
            if (n > 0 && (pf[1 + d].revents & POLLIN))
                read_device(h, d);
        now = wire_now_ns();
        deliver_due(h, 0, now);
        deliver_due(h, 1, now);
        /* A packet delivered may have made its receiver answer at once:
         * read the devices dry before saying the wire is idle. */
        bool idle = h->q[0].n + h->q[1].n == 0;
        if (idle) {
            read_device(h, 0);
            read_device(h, 1);
            idle = h->q[0].n + h->q[1].n == 0;
        }
        /* Out at once when the wire falls idle or stops being idle (the
         * reader settles on that), else every WIRE_LOG_FLUSH_NS. */
        bool was_idle = h->reported_queued == 0;
        if ((idle && (h->nbatch || h->reported_queued)) || (!idle && was_idle && h->nbatch) ||
            now >= h->flushed_ns + WIRE_LOG_FLUSH_NS)
            flush_log(h, true);
    }
}

/* Closes every inherited descriptor but the two socketpair ends and the
 * standard ones: a lesson socket held open here would never close. With
 * close_range() (Linux 5.9) in three calls: a loop of close() up to the
 * limit (20000 here) cost the window's start-up 2-4 ms of CPU. */
static void close_inherited(int keep1, int keep2)
{
    unsigned keep[2] = {(unsigned)(keep1 < keep2 ? keep1 : keep2),
                        (unsigned)(keep1 < keep2 ? keep2 : keep1)};
    unsigned from = 3;
    bool ok = true;
    for (int i = 0; i < 2 && ok; i++) {
        if (keep[i] < from)
            continue;
        if (keep[i] > from)
            ok = close_range(from, keep[i] - 1, 0) == 0;
        from = keep[i] + 1;
    }
    if (ok && close_range(from, ~0u, 0) == 0)
        return;
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    for (int fd = 3; fd < max; fd++)
        if (fd != keep1 && fd != keep2)
            close(fd);
}

static void helper_main(pid_t parent, int ctl, int log, const char *tun_path, uid_t uid, gid_t gid)
{
    wire_helper h;
    wire_reply rep;
    memset(&h, 0, sizeof h);
    memset(&rep, 0, sizeof rep);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(0);
    prctl(PR_SET_TIMERSLACK, 1UL);
    /* The wire's timing is the lesson's: where allowed (root) the helper
     * runs before ordinary work, so a busy machine delays packets less.
     * It sleeps in ppoll() whenever nothing is due. */
    struct sched_param sp = {.sched_priority = 10};
    if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0) {
        /* Best effort: where that is refused too, ordinary priority. (A
         * (void) cast does not quiet warn_unused_result, which glibc puts
         * on nice() under _FORTIFY_SOURCE.) */
        int niced = nice(-10);
        (void)niced;
    }
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    close_inherited(ctl, log);
    h.ctl = ctl;
    h.log = log;
    h.root = geteuid() == 0;
    h.mtu = WIRE_DEFAULT_MSS + WIRE_MTU_EXTRA;
    h.latency_ns = 5000000u;
    h.rate_bps = 10000000u;
    for (int i = 0; i < 2; i++)
        h.ns[i] = h.tun[i] = h.ioc[i] = -1;
    int big = 4 << 20;
    if (setsockopt(log, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) < 0)
        setsockopt(log, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    h.late = calloc(WIRE_LATE_BINS, sizeof *h.late);
    int rc = helper_setup(&h, tun_path, uid, gid, &rep);
    ssize_t n;
    do {
        n = send(ctl, &rep, sizeof rep, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (rc < 0 || n < 0)
        _exit(1);
    int fl = fcntl(ctl, F_GETFL);
    fcntl(ctl, F_SETFL, fl | O_NONBLOCK);
    helper_loop(&h);
}

/* ------------------------------------------------------------------ */
/* The caller's half.                                                  */

static void set_msg(char *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_msg(char *msg, const char *fmt, ...)
{
    if (!msg)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, NET_WIRE_MSG_LEN, fmt, ap);
    va_end(ap);
}

/* Waits for one reply (and the descriptor it carries, if any). */
static int recv_reply(int ctl, wire_reply *rep, int *fd, int timeout_ms)
{
    struct pollfd pf = {.fd = ctl, .events = POLLIN};
    int n;
    do {
        n = poll(&pf, 1, timeout_ms);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n == 0)
        return -ETIMEDOUT;
    ssize_t got = net_recv_fd(ctl, rep, sizeof *rep, 0, fd);
    if (got < 0)
        return (int)got;
    if (got != (ssize_t)sizeof *rep) {
        if (fd && *fd >= 0) {
            close(*fd);
            *fd = -1;
        }
        return -EPIPE; /* 0: the helper is gone */
    }
    rep->msg[sizeof rep->msg - 1] = '\0';
    return 0;
}

int net_wire_start(net_wire **out, const char *tun_path, char *msg)
{
    return net_wire_start_then(out, tun_path, NULL, NULL, msg);
}

int net_wire_start_then(net_wire **out, const char *tun_path, void (*meanwhile)(void *), void *arg,
                        char *msg)
{
    int ctl[2] = {-1, -1}, log[2] = {-1, -1};
    int rc = 0;
    net_wire *w = NULL;
    *out = NULL;
    if (!tun_path || !*tun_path)
        tun_path = getenv("SOCKBUF_TUN");
    if (!tun_path || !*tun_path)
        tun_path = "/dev/net/tun";
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0 ||
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, log) < 0) {
        rc = -errno;
        set_msg(msg, "socketpair(AF_UNIX, SOCK_SEQPACKET): %s", strerror(-rc));
        goto fail;
    }
    w = calloc(1, sizeof *w);
    if (!w) {
        rc = -ENOMEM;
        set_msg(msg, "out of memory");
        goto fail;
    }
    pthread_mutex_init(&w->mu, NULL);
    w->owner = getpid();
    uid_t uid = getuid();
    gid_t gid = getgid();
    fflush(NULL); /* the child must not write the parent's buffered output */
    pid_t pid = fork();
    if (pid < 0) {
        rc = -errno;
        set_msg(msg, "fork: %s", strerror(-rc));
        goto fail;
    }
    if (pid == 0) {
        helper_main(w->owner, ctl[1], log[1], tun_path, uid, gid);
        _exit(0);
    }
    w->pid = pid;
    close(ctl[1]);
    close(log[1]);
    ctl[1] = log[1] = -1;
    w->ctl = ctl[0];
    w->log = log[0];
    fcntl(w->log, F_SETFL, fcntl(w->log, F_GETFL) | O_NONBLOCK);
    int big = 4 << 20;
    if (setsockopt(w->log, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) < 0)
        setsockopt(w->log, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    if (meanwhile) /* while the helper makes its namespaces */
        meanwhile(arg);
    meanwhile = NULL;
    wire_reply rep;
    memset(&rep, 0, sizeof rep);
    rc = recv_reply(w->ctl, &rep, NULL, WIRE_START_TIMEOUT_MS);
    if (rc < 0) {
        set_msg(msg, "wire helper did not start: %s", strerror(-rc));
        goto fail_child;
    }
    if (rep.rc < 0) {
        rc = rep.rc;
        set_msg(msg, "%s", rep.msg);
        goto fail_child;
    }
    *out = w;
    return 0;
fail_child:
    net_wire_free(w);
    return rc;
fail:
    for (int i = 0; i < 2; i++) {
        if (ctl[i] >= 0)
            close(ctl[i]);
        if (log[i] >= 0)
            close(log[i]);
    }
    if (w)
        pthread_mutex_destroy(&w->mu);
    free(w);
    if (meanwhile)
        meanwhile(arg);
    return rc;
}

void net_wire_free(net_wire *w)
{
    if (!w)
        return;
    if (w->ctl >= 0)
        close(w->ctl);
    if (w->log >= 0)
        close(w->log);
    if (w->pid > 0 && w->owner == getpid()) {
        kill(w->pid, SIGKILL);
        while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR) {
        }
    }
    pthread_mutex_destroy(&w->mu);
    free(w->segs);
    free(w);
}

/* Sends one request and waits for its reply (into *rep). */
static int request_reply(net_wire *w, const wire_req *req, int *fd, wire_reply *rep_out,
                         char *msg)
{
    wire_reply rep;
    int rc;
    if (getpid() != w->owner) {
        set_msg(msg, "the wire belongs to process %d", (int)w->owner);
        return -ECHILD;
    }
    memset(&rep, 0, sizeof rep);
    pthread_mutex_lock(&w->mu);
    ssize_t n;
    do {
        n = send(w->ctl, req, sizeof *req, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        rc = -errno;
        set_msg(msg, "send(wire request): %s", strerror(-rc));
        goto out;
    }
    rc = recv_reply(w->ctl, &rep, fd, WIRE_REPLY_TIMEOUT_MS);
    if (rc < 0) {
        set_msg(msg, "wire helper: %s", strerror(-rc));
        goto out;
    }
    rc = rep.rc;
    if (rc < 0)
        set_msg(msg, "%s", rep.msg);
    if (rep_out)
        *rep_out = rep;
out:
    pthread_mutex_unlock(&w->mu);
    return rc;
}

static int request(net_wire *w, const wire_req *req, int *fd, char *msg)
{
    return request_reply(w, req, fd, NULL, msg);
}

int net_wire_configure(net_wire *w, const net_wire_link *link, char *msg)
{
    wire_req req;
    memset(&req, 0, sizeof req);
    req.op = WIRE_OP_CONFIG;
    req.latency_us = link->latency_us;
    req.rate_bps = link->rate_bps;
    req.mss_bytes = link->mss_bytes;
    return request(w, &req, NULL, msg);
}

int net_wire_socket(net_wire *w, net_wire_side side, char *msg)
{
    wire_req req;
    int fd = -1;
    memset(&req, 0, sizeof req);
    req.op = WIRE_OP_SOCKET;
    req.side = side == NET_WIRE_SERVER;
    int rc = request(w, &req, &fd, msg);
    if (rc < 0) {
        if (fd >= 0)
            close(fd);
        return rc;
    }
    if (fd < 0) {
        set_msg(msg, "wire helper sent no socket");
        return -EPROTO;
    }
    return fd;
}

int net_wire_ns_fds(net_wire *w, net_wire_side side, int *userns_fd, int *netns_fd, char *msg)
{
    wire_req req;
    int rc;
    *userns_fd = *netns_fd = -1;
    memset(&req, 0, sizeof req);
    req.op = WIRE_OP_USERNS;
    if ((rc = request(w, &req, userns_fd, msg)) < 0)
        goto fail;
    req.op = WIRE_OP_NETNS;
    req.side = side == NET_WIRE_SERVER;
    if ((rc = request(w, &req, netns_fd, msg)) < 0)
        goto fail;
    if (*netns_fd < 0) {
        set_msg(msg, "wire helper sent no namespace");
        rc = -EPROTO;
        goto fail;
    }
    return 0;
fail:
    if (*userns_fd >= 0)
        close(*userns_fd);
    if (*netns_fd >= 0)
        close(*netns_fd);
    *userns_fd = *netns_fd = -1;
    return rc;
}

int net_wire_join(int userns_fd, int netns_fd)
{
    if (userns_fd >= 0 && setns(userns_fd, CLONE_NEWUSER) < 0)
        return -errno;
    if (setns(netns_fd, CLONE_NEWNET) < 0)
        return -errno;
    return 0;
}

int net_wire_stats_read(net_wire *w, net_wire_stats *out, bool reset, char *msg)
{
    wire_req req;
    memset(&req, 0, sizeof req);
    req.op = WIRE_OP_STATS;
    req.side = reset;
    wire_reply rep;
    memset(out, 0, sizeof *out);
    int rc = request_reply(w, &req, NULL, &rep, msg);
    if (rc == 0)
        *out = rep.stats;
    return rc;
}

int net_wire_sync(net_wire *w, uint32_t *queued, char *msg)
{
    wire_req req;
    memset(&req, 0, sizeof req);
    req.op = WIRE_OP_SYNC;
    wire_reply rep;
    *queued = 0;
    int rc = request_reply(w, &req, NULL, &rep, msg);
    if (rc == 0)
        *queued = rep.queued;
    return rc;
}

int net_wire_poll(net_wire *w)
{
    struct {
        wire_batch_head head;
        net_wire_segment segs[WIRE_BATCH];
    } m;
    int added = 0;
    for (;;) {
        ssize_t n;
        do {
            n = recv(w->log, &m, sizeof m, MSG_DONTWAIT);
        } while (n < 0 && errno == EINTR);
        if (n < 0)
            return errno == EAGAIN ? added : -errno;
        if (n == 0)
            return -EPIPE;
        if ((size_t)n < sizeof m.head)
            continue;
        uint32_t cnt = m.head.count;
        if (cnt > WIRE_BATCH || sizeof m.head + cnt * sizeof m.segs[0] != (size_t)n)
            continue;
        if (w->nsegs + cnt > w->cap) {
            size_t ncap = w->cap ? w->cap * 2 : 1024;
            while (ncap < w->nsegs + cnt)
                ncap *= 2;
            net_wire_segment *s = realloc(w->segs, ncap * sizeof *s);
            if (!s)
                return -ENOMEM;
            w->segs = s;
            w->cap = ncap;
        }
        memcpy(w->segs + w->nsegs, m.segs, cnt * sizeof m.segs[0]);
        w->nsegs += cnt;
        w->queued = m.head.queued;
        w->lost = m.head.lost;
        added += (int)cnt;
    }
}

const net_wire_segment *net_wire_log(const net_wire *w, size_t *count)
{
    *count = w->nsegs;
    return w->segs;
}

uint64_t net_wire_lost(const net_wire *w)
{
    return w->lost;
}

uint32_t net_wire_queued(const net_wire *w)
{
    return w->queued;
}

int net_wire_pid(const net_wire *w)
{
    return (int)w->pid;
}
