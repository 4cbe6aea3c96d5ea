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
 * What a step did is handed out as one lesson_record (lesson_record.h):
 * the CLI (check, run, the transcript), the window and the tests read
 * that and nothing else of the runner. The window runs a runner on a
 * thread of its own and keeps a copy of every record, so stepping back
 * needs no replay.
 */
#ifndef SOCKBUF_LESSON_RUN_H
#define SOCKBUF_LESSON_RUN_H

#include <stdio.h>

#include "lesson.h"
#include "lesson_record.h"

typedef struct lesson_runner lesson_runner;

/* The real mode's wire (docs/wire.md): the emulated link of
 * net_wire.h and its helper process. Opaque; see lesson_wire_new(). */
typedef struct lesson_wire_handle lesson_wire_handle;

/* How a runner runs. */
typedef struct {
    unsigned modes;           /* a lesson_mode bit set */
    lesson_wire_handle *wire; /* the real mode's wire (borrowed; must outlive the
                                 runner), or NULL: plain loopback */
    const char *recorded_dir; /* the model alone: a folder of recorded transcripts
                                 (NAME.jsonl, NAME the lesson file's name without
                                 .lesson; lesson_transcript_read.h) whose steps give
                                 the records their kernel half, as far as the
                                 lesson's steps are the recorded ones; NULL: none */
} lesson_run_opts;

/* A runner for doc (borrowed; must outlive the runner) as o says. Nothing
 * runs yet. A recorded transcript that o->recorded_dir holds for the
 * lesson is read now: one that cannot be parsed is an error (its
 * "FILE:LINE: error: ..." in err); none is no recording. The real mode runs on o->wire, whose link
 * becomes this lesson's (replacing that of the wire's previous runner): one runner at a time uses a
 * wire. Returns NULL with a message in err when the real mode cannot start (no loopback) or out of
 * memory. */
lesson_runner *lesson_runner_new_opts(const lesson_doc *doc, const lesson_run_opts *o, char *err,
                                      size_t errlen);

/* lesson_runner_new_opts() with modes and no wire: the real mode on plain
 * loopback. */
lesson_runner *lesson_runner_new(const lesson_doc *doc, unsigned modes, char *err, size_t errlen);

/* Closes every socket and frees everything. Accepts NULL. */
void lesson_runner_free(lesson_runner *r);

/* Runs the next step in every mode, settles, checks its expectations and
 * writes the step's record. Returns 0, 1 when there is no step left,
 * -ETIMEDOUT when the time budget ran out (see
 * lesson_runner_set_time_budget; the step's record is still written), or a
 * negative errno on an internal failure (a socket fault inside the lesson
 * is not one: it is a Python exception on that side). */
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

/* Real time in a step with a `wait`: each `wait D` ends at an absolute
 * time, D after the line before it happened (the last statement issued,
 * or the previous wait's end), and the real mode runs every step at a
 * real-time priority where it may (lesson_backend's keep_time). The
 * snapshot's lag is all the time the runner was held back in the step
 * (sleeps that woke late, gaps in its looks at the clock: a statement
 * issued late, a blocked call seen late, the snapshot taken late) plus
 * the longest a packet of the emulated wire came late. Where it is over
 * LESSON_LATE_BOUND_US an expectation of the kernel that does not hold
 * is not checked: it is marked skipped with the lag (lesson_expect_result's
 * skipped, late_us; the record's real_late_us), never passed. The bound
 * is under half the least room a bundled lesson leaves between a wait's
 * end and what the kernel does next by itself (05's step 2: the ACK is
 * back 10 ms after the send, the snapshot at 15 ms); the rest is for
 * what no lag counts (the kernel's own softirq work). Below it a failure
 * is the lesson's.
 *
 * For tests: SOCKBUF_TEST_SNAPSHOT_DELAY_MS=N in the environment (read
 * by lesson_runner_new) holds the real mode back N ms before each such
 * snapshot, as a busy machine would. */
#define LESSON_LATE_BOUND_US 2000

/* How long lesson_runner_reprobe() lets the kernel's connection rest
 * at most (a pause, then until its counters are still). */
#define LESSON_REPROBE_LIMIT_US ((uint64_t)1000000)

/* A second look at the kernel after the last step, for `check`: where the
 * model and the kernel differ, a loaded machine may only have been slow.
 * Lets the real mode's connection rest again (a pause longer than a
 * delayed ACK, then until its counters stop changing; at most
 * LESSON_REPROBE_LIMIT_US, within the time budget, which it spends) and
 * reads every socket's kernel counters into the record's kernel slot. The
 * step's expectations are not checked again, its statements are not
 * retried and nothing else in the record changes. Returns 0, or -ENOENT
 * when the real mode does not run or no step has. */
int lesson_runner_reprobe(lesson_runner *r);

/* Index of the last step run (0-based), or -1 before the first. */
int lesson_runner_step_index(const lesson_runner *r);

/* The record of the last step, or NULL before the first. Owned by the
 * runner, valid until the next lesson_runner_step() or _free(); keep it
 * with lesson_record_copy(). */
const lesson_record *lesson_runner_record(const lesson_runner *r);

/* The modes that run (a lesson_mode bit set). */
unsigned lesson_runner_modes(const lesson_runner *r);

/* One memory budget for all of a lesson's bytes and str values and its
 * receive buffers, per mode: a line whose value would cross it raises
 * MemoryError there, as Python does when memory runs out. */
#define LESSON_MEMORY_BUDGET_BYTES ((size_t)1 << 30)

/* Sets the budget (bytes, per mode; LESSON_MEMORY_BUDGET_BYTES unless
 * set). Values already alive keep their bytes. */
void lesson_runner_set_memory_budget(lesson_runner *r, size_t bytes);

/* Whether the model keeps its event log (on by default; the window and
 * render need it). `check` turns it off: a big lesson's log would cost
 * memory (tens of bytes per segment) that nothing reads. */
void lesson_runner_keep_events(lesson_runner *r, bool on);

/* The document the runner runs (borrowed at lesson_runner_new()). */
const lesson_doc *lesson_runner_doc(const lesson_runner *r);

/* After the last step: the lesson ends with a side still blocked and its
 * last step does not expect it. */
bool lesson_runner_ended_blocked(const lesson_runner *r);

/* The line of the statement a side of a mode is blocked on after the last
 * step (its code in *code), or 0 when that side is not blocked. */
int lesson_runner_blocked_line(const lesson_runner *r, lesson_mode mode, lesson_side side,
                               const char **code);

/* Writes a record as one transcript line (SPEC.md section 4), from the
 * record alone (lesson_json.c). Returns 0 or -EIO. */
int lesson_record_write_json(const lesson_record *rec, const lesson_doc *doc, FILE *out);

/* The same for the runner's last step. Returns 0 or -EIO. */
int lesson_runner_write_transcript(const lesson_runner *r, FILE *out);

/* Makes the real mode's wire (docs/wire.md): the emulated
 * link of net_wire.h, whose helper process must be forked before any
 * thread exists, so main() calls this before SDL_Init and hands the
 * handle to the commands, which put it in their runners' options.
 * choice: "auto" (the emulated link where the machine allows it, else
 * plain loopback) or "loopback"; NULL means $SOCKBUF_WIRE, else "auto".
 * Returns 0 with *out the handle (free it with lesson_wire_free()), or
 * with *out NULL for plain loopback: asked for, or the wire cannot be had
 * (a second thread already runs, no TUN, no namespaces), when one line
 * saying why (the step, its errno and the fix) goes to note (NULL: say
 * nothing). -EINVAL for another choice (*out NULL, nothing said). */
int lesson_wire_new(const char *choice, FILE *note, lesson_wire_handle **out);

/* lesson_wire_new(), calling meanwhile(arg) (may be NULL) exactly once:
 * while the wire's helper sets itself up when there is one to wait for,
 * else before returning. main() loads the window's module then. */
int lesson_wire_new_then(const char *choice, FILE *note, lesson_wire_handle **out,
                         void (*meanwhile)(void *), void *arg);

/* Stops the wire's helper (in the process that made it) and frees the
 * handle. Accepts NULL. */
void lesson_wire_free(lesson_wire_handle *w);

/* The emulated link and its helper inside the handle (net_wire.h),
 * borrowed from w: for sockbuf trace, which runs programs in its
 * namespaces, and for a benchmark that measures the kernel alone on the
 * same wire. NULL for plain loopback (w NULL). */
struct net_wire *lesson_wire_net(lesson_wire_handle *w);

/* In the child of a fork (check -j): frees the parent's wire, whose
 * helper answers the parent only (the parent's helper goes on), and
 * returns one of the child's own when the parent had one (NULL: plain
 * loopback; silently: the parent has said what there was to say). */
lesson_wire_handle *lesson_wire_after_fork(lesson_wire_handle *parent);

#endif
