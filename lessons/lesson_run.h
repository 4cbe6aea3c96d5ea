/* lesson_run.h: runs a lesson on the model and on real sockets in lockstep.
 *
 * The runner executes a lesson_doc step by step. Each enabled mode (sim:
 * the model in sim/; real: loopback sockets in net/) has its own
 * interpreter with its own variables; a step runs in every mode before the
 * runner returns, so after each step both states are there to compare.
 *
 * Within a mode each side runs its statements in file order. A call that
 * would block leaves its side blocked; its later statements wait behind it
 * and it completes as soon as the other side makes that possible, in this
 * step or a later one. At the end of a step the connection settles, then
 * the expectations are checked. The real mode never blocks the process.
 *
 * Called by the CLI (check, run), by the window (stepping; stepping back
 * makes a new runner and replays, so runs are cheap and repeatable) and by
 * the tests.
 */
#ifndef SOCKBUF_LESSON_RUN_H
#define SOCKBUF_LESSON_RUN_H

#include <stdio.h>

#include "lesson.h"
#include "sim.h"

enum { LESSON_NAME_LEN = 48, LESSON_STATUS_LEN = 64, LESSON_MAX_SOCKS = 16, LESSON_MAX_FILES = 8 };

/* One socket variable as a mode sees it after a step. */
typedef struct {
    char name[LESSON_NAME_LEN]; /* "client.s", "server.conn" */
    lesson_side side;           /* whose variable */
    char state[16];             /* "ESTABLISHED", "LISTEN", "CLOSED"... */
    uint32_t send_queue_bytes;  /* unsent + in flight */
    uint32_t unsent_bytes;      /* not yet sent */
    uint32_t in_flight_bytes;   /* sent, not yet acknowledged */
    uint32_t recv_queue_bytes;  /* received, not yet read */
    uint32_t sndbuf_bytes;      /* getsockopt(SO_SNDBUF) */
    uint32_t rcvbuf_bytes;      /* getsockopt(SO_RCVBUF) */
    uint32_t peer_window_bytes; /* the receive window the peer last advertised
                                   (real: TCP_INFO tcpi_snd_wnd) */
    bool peer_window_known;     /* false: the kernel does not report it */
    bool blocked;               /* a call on it is waiting */
    bool closed;                /* the program closed it */
    int sim_sock;               /* sim mode: the model's handle, else -1 */
} lesson_sock_view;

/* One makefile() writer or reader as a mode sees it. */
typedef struct {
    char name[LESSON_NAME_LEN];      /* "client.f" */
    lesson_side side;                /* whose variable */
    bool reader;                     /* makefile('rb'): bytes read ahead, not yet returned */
    uint32_t buffered_bytes;         /* bytes in the application buffer */
    uint32_t capacity_bytes;         /* the buffer's size */
    char sock_name[LESSON_NAME_LEN]; /* the socket it writes to */
} lesson_file_view;

/* A statement's status after a step: "done", "blocked", "pending" (not
 * reached, waiting behind a blocked one) or "error: BrokenPipeError". */
typedef struct {
    int line;                       /* source line */
    lesson_side side;               /* who runs it */
    char status[LESSON_STATUS_LEN]; /* as above */
} lesson_stmt_status;

/* An expectation's result. */
typedef struct {
    int line;         /* source line */
    lesson_mode mode; /* LESSON_MODE_SIM or LESSON_MODE_REAL */
    bool ok;          /* it held */
    char expr[160];   /* "conn.recv_queue == 12" as written */
    char got[160];    /* the value found, as text: "12", "b'Hi'" */
} lesson_expect_result;

/* Everything one mode shows after a step. Owned by the runner, valid
 * until the next lesson_runner_step() or lesson_runner_free(). */
typedef struct {
    lesson_mode mode; /* which mode this is */
    uint64_t time_us; /* sim: virtual clock; real: elapsed */
    int nsocks;
    lesson_sock_view socks[LESSON_MAX_SOCKS];
    int nfiles;
    lesson_file_view files[LESSON_MAX_FILES];
    int nstmts; /* the statements of the last step */
    lesson_stmt_status *stmts;
    int nexpects; /* the expectations of the last step */
    lesson_expect_result *expects;
    char **printed[2]; /* print() output per side, cumulative */
    int nprinted[2];
    char error[2][48];         /* last exception per side, or "None" */
    bool blocked[2];           /* is the side blocked */
    int printed_step_start[2]; /* index in printed[] where the last
                                  step's output begins */
} lesson_view;

typedef struct lesson_runner lesson_runner;

/* A runner for doc (borrowed; must outlive the runner) in modes (a
 * lesson_mode bit set). Nothing runs yet. Returns NULL with a message in
 * err when the real mode cannot start (no loopback) or out of memory. */
lesson_runner *lesson_runner_new(const lesson_doc *doc, unsigned modes, char *err, size_t errlen);

/* Closes every socket and frees everything. Accepts NULL. */
void lesson_runner_free(lesson_runner *r);

/* Runs the next step in every mode, settles, checks its expectations.
 * Returns 0, 1 when there is no step left, -ETIMEDOUT when the time
 * budget ran out (see lesson_runner_set_time_budget), or a negative errno
 * on an internal failure (a socket fault inside the lesson is not one: it is
 * a Python exception on that side). Before the step the model's event log
 * is cleared, so sim_events() afterwards tells what the step did. */
int lesson_runner_step(lesson_runner *r);

/* The real time a lesson's steps may take in all, by default (5 minutes):
 * 999 steps of `wait 60s` are valid and would otherwise run for days. */
#define LESSON_TIME_BUDGET_US_DEFAULT ((uint64_t)300 * 1000000)

/* Sets the real-time budget of r's steps (microseconds; 0: no limit).
 * Only time inside lesson_runner_step() counts. Once it is spent, the
 * real mode stops waiting where it is (a `wait`, a sleep, a settle), and
 * that lesson_runner_step() and every later one returns -ETIMEDOUT. */
void lesson_runner_set_time_budget(lesson_runner *r, uint64_t budget_us);

/* Whether r ran out of its time budget. */
bool lesson_runner_timed_out(const lesson_runner *r);

/* Index of the last step run (0-based), or -1 before the first. */
int lesson_runner_step_index(const lesson_runner *r);

/* The state of one mode after the last step, or NULL if not enabled. */
const lesson_view *lesson_runner_view(const lesson_runner *r, lesson_mode mode);

/* The model's world (for its event log and queue contents), or NULL. */
const sim_world *lesson_runner_sim(const lesson_runner *r);

/* The document the runner runs (borrowed at lesson_runner_new()). */
const lesson_doc *lesson_runner_doc(const lesson_runner *r);

/* After the last step: the lesson ends with a side still blocked and its
 * last step does not expect it. */
bool lesson_runner_ended_blocked(const lesson_runner *r);

/* The line of the statement a side of a mode is blocked on (its code in
 * *code), or 0 when that side is not blocked. */
int lesson_runner_blocked_line(const lesson_runner *r, lesson_mode mode, lesson_side side,
                               const char **code);

/* Writes the last step's transcript object (SPEC.md section 4) as one
 * JSON line. Returns 0 or -EIO. */
int lesson_runner_write_transcript(const lesson_runner *r, FILE *out);

#endif
