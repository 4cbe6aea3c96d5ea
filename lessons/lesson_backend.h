/* lesson_backend.h: what the lesson runner needs from one mode.
 *
 * The runner (lesson_run.c) interprets a lesson once per mode over this
 * table of operations; lesson_backend_sim.c implements it on the model
 * (sim.h) and lesson_backend_real.c on loopback sockets (net.h). Handles
 * are small integers (model handles or file descriptors). Every operation
 * returns >= 0 or a negative errno, as a non-blocking socket would: the
 * runner turns -EAGAIN on a blocking socket into a blocked statement.
 *
 * Both backends fill the record's types (lesson_record.h): a lesson_probe
 * per socket, the model's byte runs and events. This header knows nothing
 * of the runner, and the runner calls nothing of sim/ or net/ but these
 * operations.
 *
 * Time: now_us() is the mode's clock (virtual for the model, monotonic
 * since the runner began for the real mode). advance() lets time pass up
 * to until_us or until something may have changed, whichever is first,
 * so the runner can retry blocked statements in between; settle_quiet()
 * says whether the connection has settled.
 */
#ifndef SOCKBUF_LESSON_BACKEND_H
#define SOCKBUF_LESSON_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lesson.h"
#include "lesson_ast.h"
#include "lesson_record.h"
#include "lesson_run.h"

typedef struct lesson_backend lesson_backend;

/* A handle a blocked statement waits on (lesson_backend_ops.watch). */
typedef struct {
    int handle; /* the socket's handle */
    bool write; /* it waits to write (send, sendall, connect, a writer's
                   flush); false: to read (recv, accept, read, readline) */
} lesson_watch;

enum { LESSON_SEND_MORE = 1, LESSON_SEND_CONTINUE = 2 };
/* ready()'s bits: poll()'s POLLIN, POLLOUT, POLLHUP, POLLERR. */
enum { LESSON_READY_READ = 1, LESSON_READY_WRITE = 2, LESSON_READY_HUP = 4, LESSON_READY_ERR = 8 };

typedef struct {
    lesson_mode mode;
    /* How long settling may take when a side waits, in the mode's time. */
    uint64_t settle_budget_us;
    void (*free)(lesson_backend *b);
    int (*socket)(lesson_backend *b, lesson_side side);
    /* port is the lesson's number (8080); the real mode maps it. */
    int (*bind)(lesson_backend *b, int h, uint16_t port);
    int (*listen)(lesson_backend *b, int h, int backlog);
    /* 0 connected, -EINPROGRESS (poll connect_result), or an error. */
    int (*connect)(lesson_backend *b, int h, uint16_t port);
    int (*connect_result)(lesson_backend *b, int h);
    /* A new handle, or -EAGAIN. *peer_port: the client's port. */
    int (*accept)(lesson_backend *b, int h, uint16_t *peer_port);
    /* flags: LESSON_SEND_MORE (MSG_MORE), LESSON_SEND_CONTINUE (the bytes
     * continue the previous call's write, as sendall's later chunks do:
     * the model keeps their origin; the kernel has no such notion). */
    long (*send)(lesson_backend *b, int h, const uint8_t *data, size_t len, int flags);
    long (*recv)(lesson_backend *b, int h, uint8_t *buf, size_t cap);
    /* recv(MSG_PEEK): as recv, the bytes left where they are. */
    long (*peek)(lesson_backend *b, int h, uint8_t *buf, size_t cap);
    int (*setsockopt)(lesson_backend *b, int h, lesson_const opt, int value);
    int (*getsockopt)(lesson_backend *b, int h, lesson_const opt, int *value);
    int (*shutdown)(lesson_backend *b, int h, lesson_const how);
    /* What poll() says of the socket now: LESSON_READY_* bits (a
     * listener is readable with a connection waiting). Never blocks.
     * Returns the mask or a negative errno. */
    int (*ready)(lesson_backend *b, int h);
    int (*close)(lesson_backend *b, int h);
    /* Fills p with the socket's state and counters. Returns 0 or -EBADF. */
    int (*probe)(lesson_backend *b, int h, lesson_probe *p);
    /* The bytes of one queue as runs of the writes they came from; NULL
     * where the mode cannot tell (the kernel). */
    void (*queue_runs)(lesson_backend *b, int h, lesson_qid q, lesson_queue *out);
    /* Optional (NULL in the kernel, whose queues cannot be read without
     * taking the bytes out): the bytes of the socket's newest writes, the
     * content of queue_runs' runs. */
    void (*write_log)(lesson_backend *b, int h, lesson_write_log *out);
    /* The step's events (since step_begin), their sock_id still the
     * backend's handle, their sides resolved. Owned by the backend, valid
     * until the next call; NULL where the mode has none. */
    const lesson_event *(*events)(lesson_backend *b, size_t *count);
    /* Optional (NULL in the model): the kernel's segments of the step
     * (since step_begin) on the wire the mode runs on, times in now_us()'s
     * clock; *wire says which wire that is. Owned by the backend, valid
     * until the next call; NULL with *count 0 on plain loopback. */
    const lesson_segment *(*segments)(lesson_backend *b, size_t *count, lesson_wire *wire);
    /* Whether to log events at all (check reads none); NULL: no log. */
    void (*keep_events)(lesson_backend *b, bool on);
    /* Seconds for time.monotonic(): the model's clock, or the system's. */
    double (*monotonic_s)(lesson_backend *b);
    uint64_t (*now_us)(lesson_backend *b);
    /* Lets time pass until until_us at most, stopping early when an event
     * may have unblocked something. Returns 1 when time moved, 0 when it
     * could not (the model has nothing scheduled before until_us: the
     * clock is then set to until_us). */
    int (*advance)(lesson_backend *b, uint64_t until_us);
    /* The time of the next thing that will happen by itself, or UINT64_MAX
     * (the real mode: now + 1 ms while it has not settled). */
    uint64_t (*next_event_us)(lesson_backend *b);
    /* Called before a step (the model clears its event log). */
    void (*step_begin)(lesson_backend *b);
    /* One step towards rest while a statement is blocked: runs what is
     * due next (no later than until_us) and returns 1, or returns 0 when
     * the connection rests (the model is idle: nothing but probes of a
     * zero window; the kernel's counters have stopped changing). */
    int (*settle_step)(lesson_backend *b, uint64_t until_us);
    /* Settles the connection (no statement is blocked); bounded. */
    void (*settle)(lesson_backend *b);
    /* Optional (NULL in the model, whose clock is its own): on = true
     * begins a stretch whose timing the lesson relies on (a step with a
     * `wait`), false ends it. The real mode runs the calling thread at
     * SCHED_FIFO just below the wire helper's where it may (silently as
     * it was where it may not) and starts measuring its lag; off puts
     * the thread's scheduling back as it was. */
    void (*keep_time)(lesson_backend *b, bool on);
    /* Optional: the lag of the stretch keep_time(true) began, in us, up
     * to now: all the time the runner was held back beyond what it asked
     * (sleeps that woke late, long gaps between two looks at the clock),
     * plus the longest a packet of the emulated wire came late. 0 outside
     * a stretch. */
    uint64_t (*lag_us)(lesson_backend *b);
    /* Optional (NULL in the model, whose time moves by events): the
     * handles the blocked statements wait on now, n of them (0: none),
     * told after every try of the queues. The real mode's advance() then
     * returns as soon as one of them is ready (poll()) instead of at its
     * next 1 ms tick, so a blocked sendall() or recv() moves at the
     * kernel's pace. w is copied. */
    void (*watch)(lesson_backend *b, const lesson_watch *w, int n);
} lesson_backend_ops;

struct lesson_backend {
    const lesson_backend_ops *ops;
};

/* The model, with the lesson's parameters and a fixed seed. NULL when
 * out of memory. */
lesson_backend *lesson_backend_sim_new(const lesson_model *m);

/* Real sockets: on the emulated wire of wire (borrowed; must outlive the
 * backend) with the link of m (latency, rate, mss; zeros are SPEC.md's
 * defaults; it replaces the link of the wire's previous backend), or on
 * plain loopback when wire is NULL. NULL with a message in err when even
 * loopback is unavailable. */
lesson_backend *lesson_backend_real_new(const lesson_model *m, lesson_wire_handle *wire, char *err,
                                        size_t errlen);

#endif
