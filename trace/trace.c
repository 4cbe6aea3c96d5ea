/* trace.c: a trace session (see trace.h).
 *
 * Each run is a `/bin/sh -c CMD` in a process group of its own, forked
 * here: in the child, the wire's namespace is entered (net_wire_join), the
 * preload library and its channel (one SOCK_SEQPACKET socketpair per run,
 * its end moved to a high descriptor so the program's own descriptors
 * are numbered as without sockbuf) are put in the environment, and the
 * shell is executed. The server runs first; the client starts once the
 * server listens (or after 2 s of its run with no call held, or when it has ended). The
 * parent reads the channels: a call's TRACE_BEGIN waits in a pending
 * list (held there in stepped mode), its TRACE_END makes the event. A
 * call pending longer than blocked_after_us is reported as blocked, with
 * its socket's queues read through a duplicate of it (pidfd_getfd()).
 */
#include "trace.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base_names.h"
#include "base_text.h"
#include "net.h"
#include "trace_hold.h"

enum {
    TRACE_PENDING = 64,
    TRACE_PROCS = 64,
    TRACE_THREADS = 64,
    TRACE_CLIENT_WAIT_US = 2000000, /* the client starts at the latest after this */
    TRACE_EOF_GRACE_US = 2000000,   /* after a kill, how long to wait for the channel */
};

typedef struct {
    int pid;
    int tids[TRACE_THREADS];
    int ntids;
} trace_proc;

typedef struct {
    const char *cmd;
    pid_t sh;   /* the shell, leader of the run's process group */
    int chan;   /* our end of the channel; -1 once closed */
    int status; /* waitpid's, once exited */
    bool started, exited, eof, listened;
    int loaded; /* programs the preload library was loaded into */
    int hold;   /* the seccomp listener that holds its calls (stepped), or -1 */
    bool seccomp; /* seccomp held its calls (its listener may be closed since) */
    uint64_t killed_us; /* when the timeout killed it; 0: never */
    trace_proc procs[TRACE_PROCS];
    int nprocs;
} trace_runinfo;

typedef struct {
    trace_event e;
    uint64_t begin_abs_us; /* CLOCK_MONOTONIC of the TRACE_BEGIN */
    bool held;             /* stepped: waiting for trace_release() */
    bool reported;         /* a blocked event was written */
    bool notified;         /* seccomp holds it: notif_id answers it */
    bool notif_only;       /* seen by seccomp alone (no preload library: a static program) */
    uint64_t notif_id;
} trace_pending;

struct trace_session {
    trace_opts o;
    char preload[PATH_MAX];
    trace_runinfo runs[TRACE_MAX_RUNS];
    int userns[TRACE_MAX_RUNS], netns[TRACE_MAX_RUNS];
    trace_event *ring;
    size_t cap, head, n;
    uint64_t seq, dropped;
    uint64_t start_us;
    uint64_t
        server_free_us; /* how long the server has run with no call held (the clients' clock) */
    uint64_t server_seen_us; /* when trace_pump() last added to it */
    size_t seg_seen;
    trace_pending pend[TRACE_PENDING];
    int npend;
    bool playing, timed_out, finished, stopped;
    bool hold_said; /* the seccomp fallback was said */
};

static uint64_t now_us(void)
{
    return net_wire_now_us();
}

static void set_msg(char *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_msg(char *msg, const char *fmt, ...)
{
    if (!msg)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, TRACE_MSG_LEN, fmt, ap);
    va_end(ap);
}

const char *trace_run_name(const trace_session *s, int run)
{
    static const char *const names[TRACE_MAX_RUNS] = {"server", "client", "client2", "client3"};
    if (s->o.nruns == 1)
        return "program";
    return run >= 0 && run < TRACE_MAX_RUNS ? names[run] : "?";
}

/* The preload library beside the core library (build/lib, or the
 * installed module folder). */
static int find_preload(char *out, size_t cap)
{
    Dl_info di;
    if (!dladdr((void *)&trace_start, &di) || !di.dli_fname)
        return -ENOENT;
    const char *slash = strrchr(di.dli_fname, '/');
    int dirlen = slash ? (int)(slash - di.dli_fname) : 1;
    snprintf(out, cap, "%.*s/" TRACE_PRELOAD_NAME, dirlen, slash ? di.dli_fname : ".");
    return access(out, R_OK) == 0 ? 0 : -errno;
}

/* The environment of a run's programs: ours, with the preload library
 * first in LD_PRELOAD and the channel's settings. Built before the fork
 * (the child of a threaded process, as the window is, may not allocate).
 * NULL when out of memory; free with free_env(). */
static char **run_env(const trace_session *s, int run, const char *step)
{
    extern char **environ;
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 8, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    const char *old_pre = NULL;
    static const char *const ours[] = {"LD_PRELOAD=", "SOCKBUF_TRACE_FD=", "SOCKBUF_TRACE_STEP=",
                                       "SOCKBUF_TRACE_SELF=", "SOCKBUF_TRACE_PEER="};
    for (size_t i = 0; i < n; i++) {
        bool skip = false;
        for (size_t j = 0; j < sizeof ours / sizeof ours[0]; j++)
            if (!strncmp(environ[i], ours[j], strlen(ours[j]))) {
                skip = true;
                if (j == 0)
                    old_pre = environ[i] + strlen(ours[0]);
            }
        if (!skip && !(env[k++] = strdup(environ[i])))
            goto fail;
    }
    char buf[PATH_MAX + 4096];
    snprintf(buf, sizeof buf, "LD_PRELOAD=%s%s%s", s->preload, old_pre && *old_pre ? " " : "",
             old_pre ? old_pre : "");
    if (!(env[k++] = strdup(buf)))
        goto fail;
    snprintf(buf, sizeof buf, "SOCKBUF_TRACE_FD=%d", TRACE_CHAN_FD);
    if (!(env[k++] = strdup(buf)))
        goto fail;
    snprintf(buf, sizeof buf, "SOCKBUF_TRACE_STEP=%s", step);
    if (!(env[k++] = strdup(buf)))
        goto fail;
    if (s->o.wire && s->o.nruns >= 2) {
        net_wire_side me = run == 0 ? NET_WIRE_SERVER : NET_WIRE_CLIENT;
        net_wire_side peer = run == 0 ? NET_WIRE_CLIENT : NET_WIRE_SERVER;
        snprintf(buf, sizeof buf, "SOCKBUF_TRACE_SELF=%s", net_wire_addr(me));
        if (!(env[k++] = strdup(buf)))
            goto fail;
        snprintf(buf, sizeof buf, "SOCKBUF_TRACE_PEER=%s", net_wire_addr(peer));
        if (!(env[k++] = strdup(buf)))
            goto fail;
    }
    return env;
fail:
    for (size_t i = 0; i < k; i++)
        free(env[i]);
    free(env);
    return NULL;
}

static void free_env(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

static void say(const char *a, const char *b)
{
    ssize_t n = write(2, a, strlen(a));
    n = write(2, b, strlen(b));
    (void)n;
}

/* Sends the supervisor one message about the hold, with fd (>= 0) as
 * SCM_RIGHTS. Async-signal-safe. */
static void tell_hold(int chan, uint32_t kind, int err, int fd)
{
    trace_msg m;
    memset(&m, 0, sizeof m);
    m.magic = TRACE_PROTO_MAGIC;
    m.kind = kind;
    m.err = err;
    m.fd = -1;
    m.pid = getpid();
    (void)net_send_fd(chan, &m, sizeof m, fd);
}

/* In the child: async-signal-safe calls only. Never returns. env_hold:
 * the environment where the preload library holds every call (no
 * seccomp); env: the other. */
static void exec_run(const trace_session *s, int run, int chan, char **argv, char **env,
                     char **env_hold, pid_t parent)
{
    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (s->o.stdout_to_stderr && dup2(2, 1) < 0)
        _exit(126);
    if (s->o.wire) {
        int rc = net_wire_join(s->userns[run], s->netns[run]);
        if (rc < 0) {
            say("sockbuf trace: setns(the wire's namespace): ", strerror(-rc));
            say("\n", "");
            _exit(126);
        }
    }
    if (dup2(chan, TRACE_CHAN_FD) < 0) /* dup2 clears FD_CLOEXEC */
        _exit(126);
    /* The run dies with sockbuf (set after setns: new credentials clear it). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(126);
    if (s->o.stepped) {
        /* The filter lets calls on TRACE_CHAN_FD through: tell on it. */
        int lfd = s->o.no_seccomp ? -EPERM : trace_hold_install();
        if (lfd >= 0) {
            tell_hold(TRACE_CHAN_FD, TRACE_SECCOMP, 0, lfd);
            close(lfd);
        } else {
            tell_hold(TRACE_CHAN_FD, TRACE_NOSECCOMP, -lfd, -1);
            env = env_hold;
        }
    }
    execve("/bin/sh", argv, env);
    say("sockbuf trace: exec /bin/sh: ", strerror(errno));
    say("\n", "");
    _exit(127);
}

static int start_run(trace_session *s, int run, char *msg)
{
    int sv[2];
    /* Stepped: seccomp holds every call (close() too), or where it cannot
     * be had the library does (env_hold). */
    char **env = run_env(s, run, "0");
    char **env_hold = run_env(s, run, s->o.stepped ? "1" : "0");
    char *argv[] = {"sh", "-c", (char *)s->runs[run].cmd, NULL};
    if (!env || !env_hold) {
        free_env(env);
        free_env(env_hold);
        set_msg(msg, "out of memory");
        return -ENOMEM;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        int e = errno;
        free_env(env);
        free_env(env_hold);
        set_msg(msg, "socketpair(AF_UNIX, SOCK_SEQPACKET): %s", strerror(e));
        return -e;
    }
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        free_env(env);
        free_env(env_hold);
        set_msg(msg, "fork: %s", strerror(e));
        return -e;
    }
    if (pid == 0) {
        close(sv[0]);
        exec_run(s, run, sv[1], argv, env, env_hold, parent);
    }
    free_env(env);
    free_env(env_hold);
    close(sv[1]);
    setpgid(pid, pid); /* also here: no race with an early kill */
    s->runs[run].sh = pid;
    s->runs[run].chan = sv[0];
    s->runs[run].started = true;
    return 0;
}

int trace_start(const trace_opts *o, trace_session **out, char *msg)
{
    int rc = 0;
    *out = NULL;
    trace_session *s = calloc(1, sizeof *s);
    if (!s) {
        set_msg(msg, "out of memory");
        return -ENOMEM;
    }
    s->o = *o;
    if (!s->o.ring_events)
        s->o.ring_events = 4096;
    if (!s->o.blocked_after_us)
        s->o.blocked_after_us = 200000;
    for (int r = 0; r < TRACE_MAX_RUNS; r++) {
        s->userns[r] = s->netns[r] = s->runs[r].chan = s->runs[r].hold = -1;
        s->runs[r].cmd = r < o->nruns ? o->runs[r] : NULL;
    }
    s->cap = s->o.ring_events;
    s->ring = calloc(s->cap, sizeof *s->ring);
    if (!s->ring) {
        set_msg(msg, "out of memory");
        rc = -ENOMEM;
        goto fail;
    }
    if (o->nruns < 1 || o->nruns > TRACE_MAX_RUNS) {
        set_msg(msg, "expected 1 to %d --run commands, got %d", TRACE_MAX_RUNS, o->nruns);
        rc = -EINVAL;
        goto fail;
    }
    if (o->preload)
        snprintf(s->preload, sizeof s->preload, "%s", o->preload);
    else if ((rc = find_preload(s->preload, sizeof s->preload)) < 0) {
        set_msg(msg, "the preload library %s: %s", s->preload, strerror(-rc));
        goto fail;
    }
    if (access(s->preload, R_OK) < 0) {
        rc = -errno;
        set_msg(msg, "the preload library %s: %s", s->preload, strerror(-rc));
        goto fail;
    }
    if (access("/bin/sh", X_OK) < 0) {
        rc = -errno;
        set_msg(msg, "/bin/sh: %s", strerror(-rc));
        goto fail;
    }
    if (o->wire) {
        char wmsg[NET_WIRE_MSG_LEN] = "";
        if ((rc = net_wire_configure(o->wire, &o->link, wmsg)) < 0) {
            set_msg(msg, "the wire: %s", wmsg);
            goto fail;
        }
        for (int r = 0; r < o->nruns; r++) {
            net_wire_side side = o->nruns >= 2 && r >= 1 ? NET_WIRE_CLIENT : NET_WIRE_SERVER;
            if ((rc = net_wire_ns_fds(o->wire, side, &s->userns[r], &s->netns[r], wmsg)) < 0) {
                set_msg(msg, "the wire: %s", wmsg);
                goto fail;
            }
        }
        net_wire_poll(o->wire);
        net_wire_log(o->wire, &s->seg_seen);
    }
    s->start_us = now_us();
    if (s->o.transcript) {
        FILE *f = s->o.transcript;
        fprintf(
            f,
            "{\"trace\":\"start\",\"wire\":\"%s\",\"stepped\":%s,\"model\":{\"latency_us\":%llu,"
            "\"rate_bps\":%llu,\"mss\":%u},\"runs\":[",
            o->wire ? "emulated" : "loopback", o->stepped ? "true" : "false",
            (unsigned long long)o->link.latency_us, (unsigned long long)o->link.rate_bps,
            o->link.mss_bytes);
        for (int r = 0; r < o->nruns; r++) {
            fprintf(f, "%s{\"name\":\"%s\",\"command\":", r ? "," : "", trace_run_name(s, r));
            base_json_str(f, o->runs[r]);
            fputc('}', f);
        }
        fputs("]}\n", f);
        fflush(f);
    }
    if ((rc = start_run(s, 0, msg)) < 0)
        goto fail;
    *out = s;
    return 0;
fail:
    trace_free(s);
    return rc;
}

void trace_free(trace_session *s)
{
    if (!s)
        return;
    for (int r = 0; r < TRACE_MAX_RUNS; r++) {
        trace_runinfo *ri = &s->runs[r];
        if (ri->started && !ri->exited) {
            kill(-ri->sh, SIGKILL);
            while (waitpid(ri->sh, &ri->status, 0) < 0 && errno == EINTR) {
            }
        }
        if (ri->chan >= 0)
            close(ri->chan);
        if (ri->hold >= 0)
            close(ri->hold);
        if (s->userns[r] >= 0)
            close(s->userns[r]);
        if (s->netns[r] >= 0)
            close(s->netns[r]);
    }
    free(s->ring);
    free(s);
}

/* The process's and thread's numbers within the run (new ones are added). */
static void name_caller(trace_runinfo *ri, int pid, int tid, int *proc, int *thread)
{
    int p = 0;
    while (p < ri->nprocs && ri->procs[p].pid != pid)
        p++;
    if (p == ri->nprocs && ri->nprocs < TRACE_PROCS) {
        ri->procs[p].pid = pid;
        ri->procs[p].tids[0] = pid;
        ri->procs[p].ntids = 1;
        ri->nprocs++;
    }
    if (p >= TRACE_PROCS) {
        *proc = TRACE_PROCS - 1;
        *thread = 0;
        return;
    }
    trace_proc *tp = &ri->procs[p];
    int t = 0;
    while (t < tp->ntids && tp->tids[t] != tid)
        t++;
    if (t == tp->ntids && tp->ntids < TRACE_THREADS)
        tp->tids[tp->ntids++] = tid;
    *proc = p;
    *thread = t < TRACE_THREADS ? t : TRACE_THREADS - 1;
}

static void fill_event(trace_session *s, int run, const trace_msg *m, trace_event *e)
{
    memset(e, 0, sizeof *e);
    e->run = run;
    e->pid = m->pid;
    e->tid = m->tid;
    name_caller(&s->runs[run], m->pid, m->tid, &e->proc, &e->thread);
    e->call = m->call < TRACE_C_COUNT ? (trace_call)m->call : TRACE_C_UNTRACED;
    memcpy(e->name, m->name, sizeof e->name);
    e->name[sizeof e->name - 1] = '\0';
    e->fd = m->fd;
    memcpy(e->where, m->where, sizeof e->where);
    e->where[sizeof e->where - 1] = '\0';
    memcpy(e->addr, m->addr, sizeof e->addr);
    e->addr[sizeof e->addr - 1] = '\0';
    memcpy(e->arg, m->arg, sizeof e->arg);
    e->before = m->q;
    e->t_us = m->t_us > s->start_us ? m->t_us - s->start_us : 0;
}

/* The wire's segments since the previous event. */
static void take_segments(trace_session *s, trace_event *e)
{
    size_t n = 0;
    if (s->o.wire) {
        net_wire_poll(s->o.wire);
        net_wire_log(s->o.wire, &n);
    }
    e->seg_first = s->seg_seen;
    e->seg_count = n > s->seg_seen ? n - s->seg_seen : 0;
    s->seg_seen = n > s->seg_seen ? n : s->seg_seen;
}

static void push_event(trace_session *s, trace_event *e)
{
    e->seq = ++s->seq;
    take_segments(s, e);
    size_t at = (s->head + s->n) % s->cap;
    if (s->n == s->cap) {
        s->head = (s->head + 1) % s->cap;
        s->dropped++;
    } else {
        s->n++;
    }
    s->ring[at] = *e;
    if (s->o.transcript) {
        trace_event_json(s, &s->ring[at], s->o.transcript);
        fputc('\n', s->o.transcript);
        fflush(s->o.transcript);
    }
}

static trace_pending *find_pending(trace_session *s, int run, int pid, int tid)
{
    for (int i = 0; i < s->npend; i++)
        if (s->pend[i].e.run == run && s->pend[i].e.pid == pid && s->pend[i].e.tid == tid)
            return &s->pend[i];
    return NULL;
}

static void drop_pending(trace_session *s, trace_pending *p)
{
    int i = (int)(p - s->pend);
    memmove(&s->pend[i], &s->pend[i + 1], (size_t)(s->npend - i - 1) * sizeof *p);
    s->npend--;
}

static void go(trace_session *s, int run)
{
    char g = 'g';
    if (s->runs[run].chan >= 0) {
        ssize_t n;
        do {
            n = send(s->runs[run].chan, &g, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        } while (n < 0 && errno == EINTR);
    }
}

static void handle(trace_session *s, int run, const trace_msg *m)
{
    trace_runinfo *ri = &s->runs[run];
    if (m->kind == TRACE_LOADED) {
        ri->loaded++;
        return;
    }
    if (m->kind == TRACE_HELLO) {
        int proc, thread;
        name_caller(ri, m->pid, m->tid, &proc, &thread);
        return;
    }
    if (m->kind == TRACE_BEGIN) {
        trace_pending *p = find_pending(s, run, m->pid, m->tid);
        if (!p && s->npend < TRACE_PENDING)
            p = &s->pend[s->npend++];
        if (!p) {
            if (s->o.stepped)
                go(s, run);
            return;
        }
        memset(p, 0, sizeof *p);
        fill_event(s, run, m, &p->e);
        p->begin_abs_us = m->t_us;
        p->e.after = m->q;
        p->e.ndata = m->ndata < TRACE_DATA_MAX ? m->ndata : TRACE_DATA_MAX;
        memcpy(p->e.data, m->data, p->e.ndata);
        /* Held by seccomp once its system call comes (the notification
         * does it), by the library where seccomp is not. */
        bool library_holds = ri->hold < 0;
        p->held = s->o.stepped && !s->playing && library_holds;
        if (s->o.stepped && s->playing && library_holds)
            go(s, run);
        return;
    }
    if (m->kind != TRACE_END)
        return;
    trace_event e;
    trace_pending *p = find_pending(s, run, m->pid, m->tid);
    if (p && p->e.call == m->call) {
        e = p->e;
        e.took_us = m->t_us > p->begin_abs_us ? m->t_us - p->begin_abs_us : 0;
        drop_pending(s, p);
    } else {
        fill_event(s, run, m, &e);
    }
    e.t_us = m->t_us > s->start_us ? m->t_us - s->start_us : 0;
    e.done = true;
    e.ret = m->ret;
    e.err = m->err;
    e.nbytes = m->nbytes;
    e.ndata = m->ndata < TRACE_DATA_MAX ? m->ndata : TRACE_DATA_MAX;
    memcpy(e.data, m->data, e.ndata);
    if (m->addr[0])
        memcpy(e.addr, m->addr, sizeof e.addr), e.addr[sizeof e.addr - 1] = '\0';
    if (m->call == TRACE_C_GETSOCKOPT)
        e.arg[2] = m->arg[2];
    e.after = m->q;
    if (m->call == TRACE_C_UNTRACED) {
        memcpy(e.name, m->name, sizeof e.name);
        e.name[sizeof e.name - 1] = '\0';
        e.arg[0] = m->arg[0];
    }
    if (m->call == TRACE_C_SOCKET)
        e.fd = (int)m->ret;
    if (m->call == TRACE_C_LISTEN && m->ret == 0)
        ri->listened = true;
    push_event(s, &e);
}

static void read_chan(trace_session *s, int run)
{
    trace_runinfo *ri = &s->runs[run];
    trace_msg m;
    for (;;) {
        int passed;
        ssize_t n = net_recv_fd(ri->chan, &m, sizeof m, MSG_DONTWAIT, &passed);
        if (n == -EAGAIN)
            return;
        if (n == (ssize_t)sizeof m && m.magic == TRACE_PROTO_MAGIC && m.kind == TRACE_SECCOMP &&
            passed >= 0 && ri->hold < 0) {
            ri->hold = passed;
            ri->seccomp = true;
            continue;
        }
        if (passed >= 0)
            close(passed);
        if (n == (ssize_t)sizeof m && m.magic == TRACE_PROTO_MAGIC && m.kind == TRACE_NOSECCOMP) {
            if (!s->hold_said && s->o.note)
                fprintf(s->o.note,
                        "sockbuf trace: seccomp user notification unavailable (seccomp: %s): the "
                        "preload library holds each call instead; a static or setuid program "
                        "runs unstepped\n",
                        strerror(m.err));
            s->hold_said = true;
            continue;
        }
        if (n <= 0) {
            ri->eof = true;
            close(ri->chan);
            ri->chan = -1;
            /* Its calls will never end: whatever they were waiting for. */
            for (int i = s->npend - 1; i >= 0; i--)
                if (s->pend[i].e.run == run)
                    drop_pending(s, &s->pend[i]);
            return;
        }
        if (n == (ssize_t)sizeof m && m.magic == TRACE_PROTO_MAGIC)
            handle(s, run, &m);
    }
}

static void peek_queues(int pid, int fd, trace_queues *q);

/* The process a thread belongs to (its Tgid), or tid itself. */
static int tgid_of(int tid)
{
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/%d/status", tid);
    FILE *f = fopen(path, "r");
    int pid = tid;
    if (!f)
        return tid;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Tgid: %d", &pid) == 1)
            break;
    fclose(f);
    return pid;
}

/* Whether the preload library is mapped into process pid now (a static
 * program exec'd in its place has it no more). */
static bool library_in(int pid)
{
    char path[64], line[PATH_MAX + 128];
    snprintf(path, sizeof path, "/proc/%d/maps", pid);
    FILE *f = fopen(path, "r");
    bool found = false;
    if (!f)
        return false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, "/" TRACE_PRELOAD_NAME) != NULL;
    fclose(f);
    return found;
}

static int tgid_of(int tid);

/* Whether descriptor fd of thread tid is a socket now (its
 * /proc/TID/fd/FD link reads "socket:[INODE]"; where that cannot be read,
 * a duplicate of it through pidfd_getfd() is fstat'ed): the filter holds
 * every close(), the supervisor only a socket's. */
static bool is_socket(int tid, int fd)
{
    char path[64], link[64];
    if (fd < 0)
        return false;
    snprintf(path, sizeof path, "/proc/%d/fd/%d", tid, fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n >= 0) {
        link[n] = '\0';
        return !strncmp(link, "socket:", 7);
    }
    bool sock = false;
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
    int pfd = (int)syscall(SYS_pidfd_open, tgid_of(tid), 0);
    if (pfd >= 0) {
        int dup = (int)syscall(SYS_pidfd_getfd, pfd, fd, 0);
        struct stat st;
        if (dup >= 0) {
            sock = fstat(dup, &st) == 0 && S_ISSOCK(st.st_mode);
            close(dup);
        }
        close(pfd);
    }
#endif
    return sock;
}

/* A system call seccomp holds: the pending call its library announced,
 * or (a static program) a new one. A call the library did not announce
 * in a program it is loaded into is the C library's own (the name
 * service asking nscd, getaddrinfo() reading the interfaces over
 * netlink, for 'localhost'): not a line of the student's, so it is let
 * through at once, neither held nor shown. Returns 1 when the call went
 * through at once (more may follow: a program closing its files), else 0. */
static int read_hold(trace_session *s, int run)
{
    trace_runinfo *ri = &s->runs[run];
    trace_hold_call hc;
    int rc = trace_hold_recv(ri->hold, &hc);
    if (rc < 0)
        return 0;
    if (hc.call == TRACE_C_CLOSE && !is_socket(hc.tid, hc.fd)) {
        trace_hold_continue(ri->hold, hc.id); /* a file, a pipe: not a step */
        return 1;
    }
    if (ri->chan >= 0)
        read_chan(s, run); /* the library's BEGIN was sent before the call */
    trace_pending *p = NULL;
    for (int i = 0; i < s->npend && !p; i++)
        if (s->pend[i].e.run == run && s->pend[i].e.tid == hc.tid && !s->pend[i].notified)
            p = &s->pend[i];
    if (!p && library_in(tgid_of(hc.tid))) {
        trace_hold_continue(ri->hold, hc.id);
        return 1;
    }
    if (!p && s->npend < TRACE_PENDING) {
        p = &s->pend[s->npend++];
        memset(p, 0, sizeof *p);
        p->e.run = run;
        p->e.tid = hc.tid;
        p->e.pid = tgid_of(hc.tid);
        name_caller(ri, p->e.pid, p->e.tid, &p->e.proc, &p->e.thread);
        p->e.call = hc.call;
        p->e.fd = hc.fd;
        memcpy(p->e.arg, hc.arg, sizeof p->e.arg);
        p->e.t_us = now_us() - s->start_us;
        p->begin_abs_us = now_us();
        p->notif_only = true;
        if (hc.fd >= 0)
            peek_queues(p->e.pid, hc.fd, &p->e.before);
        p->e.after = p->e.before;
    }
    if (!p) {
        trace_hold_continue(ri->hold, hc.id);
        return 1;
    }
    p->notified = true;
    p->notif_id = hc.id;
    p->held = true;
    if (s->playing)
        trace_release_run(s, run);
    return 0;
}

/* The queues of descriptor fd of process pid now, read through a
 * duplicate of it (pidfd_getfd(): the caller's own user, and its parent
 * here). q is left as it was when that is refused. */
static void peek_queues(int pid, int fd, trace_queues *q)
{
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd >= 0) {
        int dup = fd >= 0 ? (int)syscall(SYS_pidfd_getfd, pfd, fd, 0) : -1;
        if (dup >= 0) {
            trace_queues_read(dup, q, getsockopt);
            close(dup);
        }
        close(pfd);
    }
#else
    (void)pid;
    (void)fd;
    (void)q;
#endif
}

int trace_peek_queues(int pid, int fd, trace_queues *q)
{
    memset(q, 0, sizeof *q);
    peek_queues(pid, fd, q);
    return q->have ? 0 : -ENOENT;
}

/* A call unanswered for long: its socket's queues now. */
static void report_blocked(trace_session *s, trace_pending *p)
{
    trace_event e = p->e;
    p->reported = true;
    peek_queues(p->e.pid, p->e.fd, &e.after);
    e.done = false;
    e.took_us = now_us() - p->begin_abs_us;
    e.t_us = now_us() - s->start_us;
    push_event(s, &e);
}

static void reap(trace_session *s)
{
    for (int r = 0; r < s->o.nruns; r++) {
        trace_runinfo *ri = &s->runs[r];
        if (!ri->started || ri->exited)
            continue;
        pid_t w;
        do {
            w = waitpid(ri->sh, &ri->status, WNOHANG);
        } while (w < 0 && errno == EINTR);
        if (w == ri->sh || (w < 0 && errno == ECHILD))
            ri->exited = true;
    }
}

/* The transcript's last line: the runs' exits. Once. */
static void write_end(trace_session *s)
{
    int nr = s->o.nruns;
    s->finished = true;
    if (!s->o.transcript)
        return;
    FILE *f = s->o.transcript;
    char buf[160];
    fputs("{\"trace\":\"end\",\"exit\":{", f);
    for (int r = 0; r < nr; r++)
        fprintf(f, "%s\"%s\":%d", r ? "," : "", trace_run_name(s, r), trace_exit_code(s, r));
    fputs("},\"status\":{", f);
    for (int r = 0; r < nr; r++) {
        fprintf(f, "%s\"%s\":", r ? "," : "", trace_run_name(s, r));
        base_json_str(f, trace_exit_text(s, r, buf, sizeof buf));
    }
    if (s->o.stepped) {
        fputs("},\"held_by\":{", f);
        for (int r = 0; r < nr; r++)
            fprintf(f, "%s\"%s\":\"%s\"", r ? "," : "", trace_run_name(s, r),
                    s->runs[r].seccomp ? "seccomp" : "preload");
    }
    fprintf(f, "},\"events\":%llu,\"dropped\":%llu,\"timed_out\":%s,\"stopped\":%s}\n",
            (unsigned long long)s->seq, (unsigned long long)s->dropped,
            s->timed_out ? "true" : "false", s->stopped ? "true" : "false");
    fflush(f);
}

void trace_stop(trace_session *s)
{
    if (s->finished)
        return;
    s->stopped = true;
    for (int r = 0; r < s->o.nruns; r++) {
        trace_runinfo *ri = &s->runs[r];
        if (ri->started && !ri->exited) {
            kill(-ri->sh, SIGKILL);
            ri->killed_us = now_us();
            while (waitpid(ri->sh, &ri->status, 0) < 0 && errno == EINTR) {
            }
            ri->exited = true;
        }
    }
    write_end(s);
}

int trace_pump(trace_session *s, int timeout_ms)
{
    int nr = s->o.nruns;
    uint64_t now = now_us();
    /* The clients start once the server listens, or once it has run 2 s
     * without listening. The time its calls wait for the presenter (or a
     * test) to release them does not count: a stepped server, or a busy
     * machine's, is not late. */
    if (s->server_seen_us && !trace_held_run(s, 0))
        s->server_free_us += now - s->server_seen_us;
    s->server_seen_us = now;
    for (int r = 1; r < nr; r++)
        if (!s->runs[r].started && (s->runs[0].listened || s->runs[0].exited || s->runs[0].eof ||
                                    s->server_free_us > TRACE_CLIENT_WAIT_US)) {
            char msg[TRACE_MSG_LEN];
            int rc = start_run(s, r, msg);
            if (rc < 0)
                return rc;
        }
    struct pollfd pf[2 * TRACE_MAX_RUNS];
    int idx[2 * TRACE_MAX_RUNS], np = 0;
    for (int r = 0; r < nr; r++)
        if (s->runs[r].chan >= 0) {
            pf[np].fd = s->runs[r].chan;
            pf[np].events = POLLIN;
            idx[np++] = r;
        }
    int nchan = np;
    for (int r = 0; r < nr; r++)
        if (s->runs[r].hold >= 0) {
            pf[np].fd = s->runs[r].hold;
            pf[np].events = POLLIN;
            idx[np++] = r;
        }
    int wait = timeout_ms < 20 ? timeout_ms : 20;
    int n = np ? poll(pf, (nfds_t)np, wait) : (usleep((useconds_t)wait * 1000u), 0);
    if (n < 0 && errno != EINTR)
        return -errno;
    for (int i = 0; n > 0 && i < nchan; i++)
        if (pf[i].revents)
            read_chan(s, idx[i]);
    for (int i = nchan; n > 0 && i < np; i++) {
        trace_runinfo *ri = &s->runs[idx[i]];
        if (pf[i].revents & POLLIN) {
            /* A burst of calls let through at once (Python closing the
             * files of its start-up) is answered here, not a frame each. */
            struct pollfd more = {.fd = ri->hold, .events = POLLIN};
            for (int k = 0; read_hold(s, idx[i]) == 1 && k < 256; k++)
                if (poll(&more, 1, 2) != 1 || !(more.revents & POLLIN))
                    break;
        } else if (pf[i].revents & (POLLHUP | POLLERR | POLLNVAL)) {
            close(ri->hold); /* every process of the run is gone */
            ri->hold = -1;
        }
    }
    now = now_us();
    for (int i = 0; i < s->npend; i++) {
        trace_pending *p = &s->pend[i];
        if (!p->held && !p->reported && now > p->begin_abs_us + s->o.blocked_after_us)
            report_blocked(s, p);
        else if (p->held)
            peek_queues(p->e.pid, p->e.fd, &p->e.after); /* what the picture shows now */
    }
    reap(s);
    if (s->o.timeout_us && !s->timed_out && now - s->start_us > s->o.timeout_us) {
        s->timed_out = true;
        for (int r = 0; r < nr; r++)
            if (s->runs[r].started && (!s->runs[r].exited || !s->runs[r].eof)) {
                kill(-s->runs[r].sh, SIGKILL);
                s->runs[r].killed_us = now;
            }
    }
    bool running = false;
    for (int r = 0; r < nr; r++) {
        trace_runinfo *ri = &s->runs[r];
        if (ri->killed_us && now > ri->killed_us + TRACE_EOF_GRACE_US && !ri->eof) {
            ri->eof = true; /* a process that left its group holds the channel */
            close(ri->chan);
            ri->chan = -1;
        }
        if (!ri->started || !ri->exited || !ri->eof)
            running = true;
    }
    if (!running && !s->finished)
        write_end(s);
    return running ? 1 : 0;
}

const trace_event *trace_held(const trace_session *s)
{
    return trace_held_run(s, -1);
}

const trace_event *trace_held_run(const trace_session *s, int run)
{
    for (int i = 0; i < s->npend; i++)
        if (s->pend[i].held && (run < 0 || s->pend[i].e.run == run))
            return &s->pend[i].e;
    return NULL;
}

int trace_release(trace_session *s)
{
    return trace_release_run(s, -1);
}

int trace_release_run(trace_session *s, int run)
{
    for (int i = 0; i < s->npend; i++)
        if (s->pend[i].held && (run < 0 || s->pend[i].e.run == run)) {
            trace_pending *p = &s->pend[i];
            p->held = false;
            p->begin_abs_us = now_us(); /* blocked counts from its release */
            if (!p->notified) {
                go(s, p->e.run);
                return 0;
            }
            p->notified = false;
            trace_hold_continue(s->runs[p->e.run].hold, p->notif_id);
            if (p->notif_only) {
                /* No library reports its end: the event is the call, its
                 * result unseen. */
                trace_event e = p->e;
                e.done = true;
                snprintf(e.name, sizeof e.name, "(unseen)");
                drop_pending(s, p);
                push_event(s, &e);
            }
            return 0;
        }
    return -ENOENT;
}

void trace_play(trace_session *s)
{
    s->playing = true;
    while (trace_release(s) == 0) {
    }
}

const trace_event *trace_event_at(const trace_session *s, size_t i)
{
    return i < s->n ? &s->ring[(s->head + i) % s->cap] : NULL;
}

size_t trace_event_count(const trace_session *s)
{
    return s->n;
}

uint64_t trace_events_dropped(const trace_session *s)
{
    return s->dropped;
}

int trace_exit_status(const trace_session *s, int run)
{
    return s->runs[run].exited ? s->runs[run].status : -1;
}

int trace_exit_code(const trace_session *s, int run)
{
    const trace_runinfo *ri = &s->runs[run];
    if (!ri->exited)
        return -1;
    if (WIFEXITED(ri->status))
        return WEXITSTATUS(ri->status);
    if (WIFSIGNALED(ri->status))
        return 128 + WTERMSIG(ri->status);
    return -1;
}

int trace_run_processes(const trace_session *s, int run)
{
    return run >= 0 && run < s->o.nruns ? s->runs[run].nprocs : 0;
}

int trace_run_loaded(const trace_session *s, int run)
{
    return run >= 0 && run < s->o.nruns ? s->runs[run].loaded : 0;
}

bool trace_held_by_seccomp(const trace_session *s, int run)
{
    return run >= 0 && run < s->o.nruns && s->runs[run].seccomp;
}

bool trace_timed_out(const trace_session *s)
{
    return s->timed_out;
}

const char *trace_exit_text(const trace_session *s, int run, char *buf, size_t cap)
{
    const trace_runinfo *ri = &s->runs[run];
    if (!ri->started)
        snprintf(buf, cap, "never started");
    else if (!ri->exited)
        snprintf(buf, cap, "still running");
    else if (ri->killed_us && s->stopped && !s->timed_out)
        snprintf(buf, cap, "stopped (sockbuf ended first)");
    else if (ri->killed_us)
        snprintf(buf, cap, "stopped after %.0f s (--timeout)", (double)s->o.timeout_us / 1e6);
    else if (WIFSIGNALED(ri->status))
        snprintf(buf, cap, "killed by SIG%s (%s)",
                 sigabbrev_np(WTERMSIG(ri->status)) ? sigabbrev_np(WTERMSIG(ri->status)) : "?",
                 strsignal(WTERMSIG(ri->status)));
    else if (WIFEXITED(ri->status) && WEXITSTATUS(ri->status) == 127)
        snprintf(buf, cap, "exited 127 (command not found)");
    else if (WIFEXITED(ri->status) && WEXITSTATUS(ri->status) > 128 &&
             WEXITSTATUS(ri->status) < 128 + 65)
        /* The shell's way to say its program died of a signal. */
        snprintf(buf, cap, "exited %d (killed by SIG%s: %s)", WEXITSTATUS(ri->status),
                 sigabbrev_np(WEXITSTATUS(ri->status) - 128)
                     ? sigabbrev_np(WEXITSTATUS(ri->status) - 128)
                     : "?",
                 strsignal(WEXITSTATUS(ri->status) - 128));
    else
        snprintf(buf, cap, "exited %d", WIFEXITED(ri->status) ? WEXITSTATUS(ri->status) : -1);
    return buf;
}

const net_wire_segment *trace_segments(const trace_session *s, size_t *count)
{
    *count = 0;
    if (!s->o.wire)
        return NULL;
    return net_wire_log(s->o.wire, count);
}

/* ------------------------------------------------------------ text */

/* "('127.0.0.1', 8080)" from "127.0.0.1:8080". */
static void addr_tuple(const char *a, char *buf, size_t cap)
{
    const char *colon = strrchr(a, ':');
    if (!colon) {
        snprintf(buf, cap, "'%s'", a);
        return;
    }
    snprintf(buf, cap, "('%.*s', %s)", (int)(colon - a), a, colon + 1);
}

static const char *opt_level(int64_t l)
{
    return l == SOL_SOCKET ? "SOL_SOCKET" : l == 6 ? "IPPROTO_TCP" : NULL;
}

static const char *opt_name(int64_t l, int64_t n)
{
    if (l == SOL_SOCKET)
        switch (n) {
        case SO_REUSEADDR:
            return "SO_REUSEADDR";
        case SO_SNDBUF:
            return "SO_SNDBUF";
        case SO_RCVBUF:
            return "SO_RCVBUF";
        case SO_KEEPALIVE:
            return "SO_KEEPALIVE";
        case SO_LINGER:
            return "SO_LINGER";
        case SO_TYPE:
            return "SO_TYPE";
        case SO_ERROR:
            return "SO_ERROR";
        case SO_REUSEPORT:
            return "SO_REUSEPORT";
        default:
            return NULL;
        }
    if (l == 6)
        switch (n) {
        case 1:
            return "TCP_NODELAY";
        case 2:
            return "TCP_MAXSEG";
        case 3:
            return "TCP_CORK";
        case 11:
            return "TCP_INFO";
        case 12:
            return "TCP_QUICKACK";
        default:
            return NULL;
        }
    return NULL;
}

void trace_call_text(const trace_event *e, char *buf, size_t cap)
{
    char a[128], b[64], c[64];
    const char *lv, *on;
    switch (e->call) {
    case TRACE_C_SOCKET:
        snprintf(buf, cap, "socket(%s, %s)",
                 e->arg[0] == AF_INET    ? "AF_INET"
                 : e->arg[0] == AF_INET6 ? "AF_INET6"
                 : e->arg[0] == AF_UNIX  ? "AF_UNIX"
                                         : "?",
                 (e->arg[1] & 0xf) == SOCK_STREAM  ? "SOCK_STREAM"
                 : (e->arg[1] & 0xf) == SOCK_DGRAM ? "SOCK_DGRAM"
                                                   : "?");
        break;
    case TRACE_C_BIND:
    case TRACE_C_CONNECT:
        addr_tuple(e->addr, a, sizeof a);
        snprintf(buf, cap, "%s(%s)", e->call == TRACE_C_BIND ? "bind" : "connect", a);
        break;
    case TRACE_C_LISTEN:
        snprintf(buf, cap, "listen(%lld)", (long long)e->arg[0]);
        break;
    case TRACE_C_ACCEPT:
        snprintf(buf, cap, "accept()");
        break;
    case TRACE_C_SEND:
        if (e->done) {
            base_repr(a, sizeof a, e->data, e->ndata, true, 40);
            if (e->nbytes > e->ndata || (size_t)e->arg[0] > e->nbytes)
                snprintf(buf, cap, "send(%s) of %lld bytes", a, (long long)e->arg[0]);
            else
                snprintf(buf, cap, "send(%s)", a);
        } else if (e->ndata) {
            base_repr(a, sizeof a, e->data, e->ndata, true, 40);
            if ((size_t)e->arg[0] > e->ndata)
                snprintf(buf, cap, "send(%s) of %lld bytes", a, (long long)e->arg[0]);
            else
                snprintf(buf, cap, "send(%s)", a);
        } else {
            snprintf(buf, cap, "send(%lld bytes)", (long long)e->arg[0]);
        }
        break;
    case TRACE_C_RECV:
        snprintf(buf, cap, "recv(%lld)", (long long)e->arg[0]);
        break;
    case TRACE_C_SETSOCKOPT:
    case TRACE_C_GETSOCKOPT:
        lv = opt_level(e->arg[0]);
        on = opt_name(e->arg[0], e->arg[1]);
        snprintf(b, sizeof b, "%lld", (long long)e->arg[0]);
        snprintf(c, sizeof c, "%lld", (long long)e->arg[1]);
        if (e->call == TRACE_C_SETSOCKOPT)
            snprintf(buf, cap, "setsockopt(%s, %s, %lld)", lv ? lv : b, on ? on : c,
                     (long long)e->arg[2]);
        else
            snprintf(buf, cap, "getsockopt(%s, %s)", lv ? lv : b, on ? on : c);
        break;
    case TRACE_C_SHUTDOWN:
        snprintf(buf, cap, "shutdown(%s)",
                 e->arg[0] == SHUT_RD   ? "SHUT_RD"
                 : e->arg[0] == SHUT_WR ? "SHUT_WR"
                                        : "SHUT_RDWR");
        break;
    case TRACE_C_CLOSE:
        snprintf(buf, cap, "close()");
        break;
    default:
        snprintf(buf, cap, "untraced: %s", e->name[0] ? e->name : "?");
        break;
    }
}

void trace_result_text(const trace_event *e, char *buf, size_t cap)
{
    char a[96];
    if (!e->done) {
        snprintf(buf, cap, "%s", "");
        return;
    }
    if (e->call != TRACE_C_UNTRACED && e->name[0] == '(') {
        snprintf(buf, cap, "%s", "(not seen: no preload library)");
        return;
    }
    if (e->ret < 0) {
        snprintf(buf, cap, "%s", base_exception_name(-e->err));
        return;
    }
    switch (e->call) {
    case TRACE_C_SOCKET:
        snprintf(buf, cap, "<socket fd=%lld>", (long long)e->ret);
        break;
    case TRACE_C_ACCEPT:
        addr_tuple(e->addr, a, sizeof a);
        snprintf(buf, cap, "(<socket fd=%lld>, %s)", (long long)e->ret, a);
        break;
    case TRACE_C_SEND:
    case TRACE_C_UNTRACED:
        snprintf(buf, cap, "%lld", (long long)e->ret);
        break;
    case TRACE_C_RECV:
        base_repr(buf, cap, e->data, e->ndata, true, cap > 8 ? cap - 8 : 1);
        break;
    case TRACE_C_GETSOCKOPT:
        snprintf(buf, cap, "%lld", (long long)e->arg[2]);
        break;
    default:
        snprintf(buf, cap, "None");
        break;
    }
}

static void queues_json(const trace_queues *q, FILE *f)
{
    if (!q->have) {
        fputs("null", f);
        return;
    }
    fprintf(f,
            "{\"state\":\"%s\",\"outq\":%d,\"unsent\":%d,\"inq\":%d,\"snd_wnd\":%u,"
            "\"rcv_space\":%u,\"rtt_us\":%u,\"mss\":%u,\"cwnd\":%u}",
            base_tcp_state_name(base_tcp_state_of_linux((int)q->state)), q->outq_bytes,
            q->unsent_bytes, q->inq_bytes, q->snd_wnd, q->rcv_space, q->rtt_us, q->snd_mss,
            q->snd_cwnd);
}

static void flags_text(uint8_t fl, char *buf, size_t cap)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } names[] = {{NET_WIRE_SYN, "SYN"},
                 {NET_WIRE_FIN, "FIN"},
                 {NET_WIRE_RST, "RST"},
                 {NET_WIRE_PSH, "PSH"},
                 {NET_WIRE_ACK, "ACK"}};
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (fl & names[i].bit)
            at += (size_t)snprintf(buf + at, at < cap ? cap - at : 0, "%s%s", at ? "|" : "",
                                   names[i].name);
}

void trace_event_json(const trace_session *s, const trace_event *e, FILE *f)
{
    char buf[1200];
    fprintf(f,
            "{\"event\":%llu,\"t_ms\":%.3f,\"proc\":\"%s\",\"process\":%d,\"thread\":%d,"
            "\"pid\":%d,\"tid\":%d,\"where\":",
            (unsigned long long)e->seq, (double)e->t_us / 1000.0, trace_run_name(s, e->run),
            e->proc, e->thread, e->pid, e->tid);
    if (e->where[0])
        base_json_str(f, e->where);
    else
        fputs("null", f);
    static const char *const names[] = {
#define TRACE_X(id, name) name,
        TRACE_CALLS(TRACE_X)
#undef TRACE_X
    };
    if (e->call == TRACE_C_UNTRACED) {
        snprintf(buf, sizeof buf, "untraced: %s", e->name);
        fputs(",\"call\":", f);
        base_json_str(f, buf);
    } else {
        fprintf(f, ",\"call\":\"%s\"", names[e->call]);
    }
    fprintf(f, ",\"fd\":%d,\"text\":", e->fd);
    trace_call_text(e, buf, sizeof buf);
    base_json_str(f, buf);
    if (e->addr[0]) {
        fputs(",\"addr\":", f);
        base_json_str(f, e->addr);
    }
    fprintf(f, ",\"done\":%s,\"blocked\":%s,\"took_ms\":%.3f", e->done ? "true" : "false",
            (!e->done || e->took_us >= s->o.blocked_after_us) ? "true" : "false",
            (double)e->took_us / 1000.0);
    if (e->done) {
        fprintf(f, ",\"returned\":%lld,\"result\":", (long long)e->ret);
        trace_result_text(e, buf, sizeof buf);
        base_json_str(f, buf);
        fputs(",\"exception\":", f);
        if (e->ret < 0)
            base_json_str(f, base_exception_name(-e->err));
        else
            fputs("null", f);
        if (e->ret < 0)
            fprintf(f, ",\"errno\":\"%s\"",
                    strerrorname_np(e->err) ? strerrorname_np(e->err) : "?");
        fprintf(f, ",\"bytes\":%u", e->nbytes);
    }
    fputs(",\"before\":", f);
    queues_json(&e->before, f);
    fputs(",\"kernel\":", f);
    queues_json(&e->after, f);
    fputs(",\"segments\":[", f);
    size_t nseg = 0;
    const net_wire_segment *log = trace_segments(s, &nseg);
    for (size_t i = 0; i < e->seg_count && e->seg_first + i < nseg; i++) {
        const net_wire_segment *g = &log[e->seg_first + i];
        char fl[40];
        flags_text(g->flags, fl, sizeof fl);
        fprintf(f,
                "%s{\"t_ms\":%.3f,\"from\":\"%s\",\"len\":%u,\"flags\":\"%s\",\"seq\":%u,"
                "\"ack\":%u,\"win\":%u%s}",
                i ? "," : "",
                g->sent_us > s->start_us ? (double)(g->sent_us - s->start_us) / 1000.0 : 0.0,
                g->dir == 0 ? "client" : "server", g->len_bytes, fl, g->seq, g->ack,
                g->window_bytes, g->dropped ? ",\"dropped\":true" : "");
    }
    fputs("]}", f);
}
