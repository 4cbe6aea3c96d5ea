/* trace.h: sockbuf trace, a student's own programs on the emulated wire.
 *
 * A trace session runs one to four shell commands (`/bin/sh -c CMD`): the
 * first in the wire's server namespace, the others in its client
 * namespace (net_wire.h), so their traffic crosses the emulated link and
 * its segment log; with no wire, all on this machine's loopback. Each
 * program gets the preload library (trace_preload.c) that reports every
 * socket call (trace_proto.h); the session turns the reports into events
 * (the process, the source line, the call, its result, the socket's
 * kernel queues, the wire's segments since the previous event), streams
 * them as JSON Lines and keeps the newest in a bounded ring. In stepped
 * mode every call waits until trace_release(): held in the kernel by
 * seccomp user notification (trace_hold.h), or where that cannot be had
 * by the preload library.
 *
 * Called by cmd/cmd_trace.c (the command) and its tests. At live's layer:
 * uses net/ and base/ only.
 */
#ifndef SOCKBUF_TRACE_H
#define SOCKBUF_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "net_wire.h"
#include "trace_proto.h"

typedef struct trace_session trace_session;

enum { TRACE_MAX_RUNS = 4, TRACE_MSG_LEN = 512 };

/* How to run. */
typedef struct {
    const char *runs[TRACE_MAX_RUNS]; /* shell commands; runs[0] the server, the rest clients */
    int nruns;                        /* 1 to TRACE_MAX_RUNS */
    bool stdout_to_stderr;            /* the programs write their stdout to stderr (the
                                         transcript has stdout) */
    net_wire *wire;                   /* the emulated link (borrowed), or NULL: loopback */
    net_wire_link link;               /* its latency, rate and MSS */
    uint64_t timeout_us;              /* stop the programs after this long; 0: never */
    FILE *transcript;                 /* JSON Lines, one per event (borrowed), or NULL */
    const char *preload;              /* the preload library's path; NULL: beside the core */
    bool stepped;                     /* hold every call until trace_release() */
    bool no_seccomp;                  /* stepped: let the preload library hold the calls,
                                         not seccomp (its fallback, for the tests) */
    FILE *note;                       /* where a fallback is said once, or NULL */
    size_t ring_events;               /* events kept (0: 4096) */
    uint64_t blocked_after_us;        /* a call this long unanswered is "blocked" (0: 200 ms) */
} trace_opts;

/* One socket call as the session saw it. */
typedef struct {
    uint64_t seq;                 /* 1, 2...: the event's number in the run */
    uint64_t t_us;                /* when the call returned (began, for a held call), since start */
    int run;                      /* which --run: 0 (the server), 1... (the clients) */
    int proc;                     /* the process's number within its run: 0 the first */
    int thread;                   /* the thread's number within its process: 0 the main one */
    int pid, tid;                 /* the caller */
    trace_call call;              /* what it called */
    char name[16];                /* TRACE_C_UNTRACED: the call's name */
    int fd;                       /* the socket */
    char where[TRACE_WHERE_MAX];  /* "client.py:12", or "" (not Python) */
    char addr[TRACE_ADDR_MAX];    /* the address argument or result */
    int64_t arg[3];               /* the call's numbers (trace_proto.h) */
    int64_t ret;                  /* its return value */
    int err;                      /* errno when ret < 0 */
    bool done;                    /* it returned (false: held or blocked, not yet) */
    uint64_t took_us;             /* how long the call took */
    uint32_t nbytes;              /* the bytes it moved */
    uint32_t ndata;               /* of them in data */
    uint8_t data[TRACE_DATA_MAX]; /* their first bytes */
    trace_queues before;          /* the socket's queues before the call */
    trace_queues after;           /* and after it (or while blocked) */
    size_t seg_first;             /* the wire's segments since the previous event: */
    size_t seg_count;             /*   net_wire_log()[seg_first .. +seg_count] */
} trace_event;

/* Starts the programs. Returns 0 with *out, or a negative errno with msg
 * (TRACE_MSG_LEN bytes) saying why: "sh: not found", "fork: ...". */
int trace_start(const trace_opts *o, trace_session **out, char *msg);

/* Kills what still runs (its process groups), ends the session, frees.
 * Accepts NULL. */
void trace_free(trace_session *s);

/* Reads what the programs reported, for up to timeout_ms; writes the
 * transcript's lines. Returns 1 while a program runs, 0 once all have
 * exited and said all, or a negative errno. */
int trace_pump(trace_session *s, int timeout_ms);

/* Stops what still runs (SIGKILL to its process groups) and writes the
 * transcript's last line, once: "stopped": true, each such run's status
 * "stopped (sockbuf ended first)". After the window closed or Ctrl+C. */
void trace_stop(trace_session *s);

/* Stepped mode: the held call that waits longest (an event with done
 * false; its `after` is the socket's queues now, read again at every
 * trace_pump()), or NULL. Valid until the next trace_pump(). */
const trace_event *trace_held(const trace_session *s);

/* The same for one run (0: the server, 1: the client). */
const trace_event *trace_held_run(const trace_session *s, int run);

/* Stepped mode: lets the held call go that waits longest. Returns 0, or
 * -ENOENT when none is held. */
int trace_release(trace_session *s);

/* The same for one run's held call. */
int trace_release_run(trace_session *s, int run);

/* Stepped mode off from now on (P: play on): releases every call. */
void trace_play(trace_session *s);

/* The ring, oldest first: event i of trace_event_count() (NULL beyond).
 * Valid until the next trace_pump(). */
const trace_event *trace_event_at(const trace_session *s, size_t i);
size_t trace_event_count(const trace_session *s);

/* Events that left the ring (it keeps the newest ring_events). */
uint64_t trace_events_dropped(const trace_session *s);

/* A run's exit: its shell's status as waitpid() gave it (*status), or
 * -1 while it runs. */
int trace_exit_status(const trace_session *s, int run);

/* "exited 0", "killed by SIGSEGV (Segmentation fault)", "stopped after
 * 60 s (--timeout)"... for a run that ended. */
const char *trace_exit_text(const trace_session *s, int run, char *buf, size_t cap);

/* The exit code sockbuf gives a run: its own, or 128 + the signal. */
int trace_exit_code(const trace_session *s, int run);

/* How many processes of a run made a traced socket call. */
int trace_run_processes(const trace_session *s, int run);

/* How many programs of a run (each exec) loaded the preload library: 0
 * when none did (a static or setuid program ignores LD_PRELOAD). */
int trace_run_loaded(const trace_session *s, int run);

/* Did seccomp hold this run's calls (stepped mode)? */
bool trace_held_by_seccomp(const trace_session *s, int run);

/* Did the timeout stop the programs? */
bool trace_timed_out(const trace_session *s);

/* A run's name: "server", "client", "client2"... (one run: "program"). */
const char *trace_run_name(const trace_session *s, int run);

/* The event's call as Python writes it: "send(b'Hi\\n')", "recv(1024)",
 * "connect(('127.0.0.1', 8080))". */
void trace_call_text(const trace_event *e, char *buf, size_t cap);

/* Its result as Python shows it: "b'Hi\\n'", "3", "None",
 * "ConnectionResetError", or "" (not returned yet). */
void trace_result_text(const trace_event *e, char *buf, size_t cap);

/* Writes an event as one JSON object (no newline) to f. */
void trace_event_json(const trace_session *s, const trace_event *e, FILE *f);

/* The queues of descriptor fd of traced process pid as they are now,
 * read through a duplicate of it (pidfd_getfd()). Returns 0, or -ENOENT
 * (q->have 0) when it cannot be read: the process or socket is gone, or
 * the kernel refuses. */
int trace_peek_queues(int pid, int fd, trace_queues *q);

/* The wire's segment log (NULL, 0 without a wire). */
const net_wire_segment *trace_segments(const trace_session *s, size_t *count);

#endif
