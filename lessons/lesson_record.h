/* lesson_record.h: the one typed record of a lesson step.
 *
 * After every step the runner (lesson_run.c) writes a lesson_record: what
 * each socket holds in the model and in the kernel, the status of every
 * statement in each mode, the model's events with sender and receiver
 * already resolved, and the values the step produced (assignments, return
 * values, printed lines, exceptions). The window (viz/), `sockbuf run`'s
 * printout and the JSON transcript read nothing else, so a fact a later
 * capability adds lands here once and every reader can show it.
 *
 * Its TCP states, exceptions and event kinds are base_names.h's tables,
 * as the parser (names a lesson may write), the runner (what it raises)
 * and the readers (what they print) use them.
 *
 *   one socket of a record, per mode:
 *
 *              model (sim/)                      kernel (net/)
 *   app  --> [ unsent | in flight ] ~~wire~~>   SIOCOUTQNSD, SIOCOUTQ
 *            (byte runs: write, offset, len)     TCP_INFO state, window
 *   app  <-- [ received           ] <~~wire~~   SIOCINQ
 *
 * Records are plain values: lesson_record_copy() makes an independent copy
 * (the window keeps one per step, so going back shows it at once) and
 * lesson_record_free() frees one.
 */
#ifndef SOCKBUF_LESSON_RECORD_H
#define SOCKBUF_LESSON_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base_names.h"
#include "lesson.h"

enum {
    LESSON_NAME_LEN = 48, /* "client.s", "server.conn" */
    /* Sockets a lesson opens (its socket() and accept() calls, checked
     * when it is read): the runner, the record and the real mode's port
     * map hold this many, one number for all three. */
    LESSON_MAX_SOCKS = 16,
    LESSON_MAX_FILES = 8,   /* makefile() objects a lesson makes (checked when
                               it is read) and a record lists */
    LESSON_MAX_RUNS = 32,   /* byte runs kept per queue; newer ones merge */
    LESSON_REPR_LEN = 2080, /* a value's short repr, or a whole printed line */
    LESSON_EXPR_LEN = 160,  /* an expectation as written, or what it found */
    LESSON_MODE_SLOTS = 2,  /* index 0: the model, 1: the kernel */
};

/* ------------------------------------------------------------ TCP states */

/* TCP states, as lessons name them (SPEC.md section 3): base_names.h's
 * table, same values (LESSON_TCP_ESTABLISHED == BASE_TCP_ESTABLISHED). */
typedef enum {
#define LESSON_X(id, linux_nr, linux_also, conn) LESSON_TCP_##id = BASE_TCP_##id,
    BASE_TCP_STATES(LESSON_X)
#undef LESSON_X
        LESSON_TCP_NSTATES = BASE_TCP_NSTATES
} lesson_tcp_state;

/* "ESTABLISHED", "FIN_WAIT1"... Never NULL ("UNKNOWN" when out of range). */
const char *lesson_tcp_state_name(lesson_tcp_state s);

/* The state a name means. "FIN_WAIT" (the lessons' shorthand for either
 * FIN_WAIT state) gives LESSON_TCP_FIN_WAIT1 with *any_fin_wait set.
 * Returns 0, or -EINVAL for a name that is no state. */
int lesson_tcp_state_parse(const char *name, size_t len, lesson_tcp_state *out, bool *any_fin_wait);

/* The state of Linux's TCP_INFO tcpi_state number (TCP_ESTABLISHED = 1...);
 * an unknown number gives LESSON_TCP_CLOSED. */
lesson_tcp_state lesson_tcp_state_of_linux(int tcpi_state);

/* Is a connection there to carry bytes (ESTABLISHED, CLOSE_WAIT, FIN_WAIT)? */
bool lesson_tcp_state_connected(lesson_tcp_state s);

/* ------------------------------------------------------------ exceptions */

/* The Python exceptions a lesson can meet and name: base_names.h's table,
 * same values (LESSON_EXC_NONE == BASE_EXC_NONE == 0). */
typedef enum {
#define LESSON_X(id, name, e1, e2, e3, e4) LESSON_EXC_##id = BASE_EXC_##id,
    BASE_EXCEPTIONS(LESSON_X)
#undef LESSON_X
        LESSON_EXC_COUNT = BASE_EXC_COUNT
} lesson_exc;

/* "BrokenPipeError"...; "None" for LESSON_EXC_NONE. Never NULL. */
const char *lesson_exc_name(lesson_exc e);

/* The exception a name means. Returns 0, or -EINVAL for another name. */
int lesson_exc_parse(const char *name, size_t len, lesson_exc *out);

/* The exception a negative errno raises in CPython on Linux (-EPIPE:
 * BrokenPipeError, -EAGAIN: BlockingIOError, -ENOMEM: MemoryError...). */
lesson_exc lesson_exc_of_errno(int neg_errno);

/* ------------------------------------------------------------ statements */

/* Where a statement is after a step. */
typedef enum {
    LESSON_STMT_PENDING = 0, /* not reached: waits behind a blocked one */
    LESSON_STMT_DONE,        /* ran to the end */
    LESSON_STMT_BLOCKED,     /* its call waits (accept, recv, sendall...) */
    LESSON_STMT_ERROR,       /* raised an exception (exc names it) */
} lesson_stmt_state;

/* "pending", "done", "blocked", "error". */
const char *lesson_stmt_state_name(lesson_stmt_state s);

/* A statement's status in one mode. */
typedef struct {
    lesson_stmt_state state; /* as above */
    lesson_exc exc;          /* LESSON_STMT_ERROR: what it raised */
} lesson_status;

/* "done", "blocked", "pending" or "error: BrokenPipeError" (SPEC.md
 * section 4's text) into out. Returns out. */
char *lesson_status_text(lesson_status st, char *out, size_t outlen);

/* ---------------------------------------------------------- byte queues */

/* Bytes of one write in a queue: the window colours each write. */
typedef struct {
    uint32_t origin;       /* the write it came from (1-based, per socket) */
    uint32_t bytes;        /* how many bytes of that write */
    uint32_t offset_bytes; /* where in that write the run starts (0: its first
                              byte; known where the model's event log is on,
                              as in the window, `run` and `render`) */
} lesson_byte_run;

/* One queue's bytes as runs, oldest first. */
typedef struct {
    lesson_byte_run run[LESSON_MAX_RUNS]; /* oldest first */
    int n;                                /* runs used */
    uint32_t bytes;                       /* total bytes */
} lesson_queue;

/* The bytes of one write, as far as the window needs them to draw a
 * queue's bytes as characters: its first and last bytes (all of a write
 * up to LESSON_WRITE_HEAD + LESSON_WRITE_TAIL bytes long), and whether
 * every byte is the same (b'x' * 100000: any byte of it is known). A byte
 * of a run is (origin, offset_bytes + i) of its write. The model's only:
 * the kernel's queues cannot be read without taking the bytes out. */
enum { LESSON_WRITE_HEAD = 64, LESSON_WRITE_TAIL = 64, LESSON_MAX_WRITES = 16 };

typedef struct {
    uint32_t origin;                 /* the write (1-based, per socket); 0: unused */
    uint32_t bytes;                  /* its length so far (sendall's chunks add) */
    uint64_t seq;                    /* the stream offset of its first byte (the
                                        model's, from 0: as lesson_event.seq) */
    bool uniform;                    /* every byte of it is head[0] */
    uint8_t head[LESSON_WRITE_HEAD]; /* its first min(bytes, HEAD) bytes */
    uint8_t tail[LESSON_WRITE_TAIL]; /* its last min(bytes, TAIL) bytes */
} lesson_write_bytes;

/* A socket's newest writes, oldest first (older ones are forgotten). */
typedef struct {
    lesson_write_bytes w[LESSON_MAX_WRITES];
    int n;
} lesson_write_log;

/* Adds n bytes of write origin: to its entry when it is the newest one
 * (a continued write), else as a new entry (the oldest is dropped when
 * the log is full). */
void lesson_write_log_add(lesson_write_log *l, uint32_t origin, const uint8_t *data, uint32_t n);

/* Byte offset of write origin, or -1 when the log does not hold it. */
int lesson_write_log_byte(const lesson_write_log *l, uint32_t origin, uint32_t offset);

/* Which queue of a socket. */
typedef enum { LESSON_Q_UNSENT = 0, LESSON_Q_IN_FLIGHT, LESSON_Q_RECV, LESSON_NQUEUES } lesson_qid;

/* Appends bytes of write origin, merging with the last run of the same
 * origin; when the queue is full the newest runs merge into the last. A
 * new run starts at offset 0 of its write; _at gives its offset. */
void lesson_queue_push(lesson_queue *q, uint32_t origin, uint32_t bytes);
void lesson_queue_push_at(lesson_queue *q, uint32_t origin, uint32_t offset_bytes, uint32_t bytes);

/* Removes bytes from the head (a run cut in two keeps its offsets); the
 * removed runs are pushed onto moved when it is not NULL. */
void lesson_queue_pop(lesson_queue *q, uint32_t bytes, lesson_queue *moved);

/* ------------------------------------------------------------- sockets */

/* What one mode's backend reads of one socket: both backends fill it. */
typedef struct {
    lesson_tcp_state state;     /* TCP state */
    bool listening;             /* a listening socket */
    uint32_t send_queue_bytes;  /* unsent + in flight (SIOCOUTQ) */
    uint32_t unsent_bytes;      /* not yet sent (SIOCOUTQNSD) */
    uint32_t in_flight_bytes;   /* sent, not yet acknowledged */
    uint32_t recv_queue_bytes;  /* received, not yet read (SIOCINQ) */
    uint32_t sndbuf_bytes;      /* getsockopt(SO_SNDBUF) */
    uint32_t rcvbuf_bytes;      /* getsockopt(SO_RCVBUF) */
    /* The part of each buffer that holds payload; the rest of the size
     * getsockopt reports is the kernel's bookkeeping overhead (socket(7):
     * "the kernel doubles this value to allow space for bookkeeping
     * overhead"). The model: exactly half (sim.h's rule). The kernel:
     * half too, the doubling rule's share, which is nominal: Linux charges
     * every packet's real size (skb truesize) against the buffer and sizes
     * its receive window with a measured payload ratio that starts at one
     * half, so its queues may hold somewhat more or less. */
    uint32_t sndbuf_usable_bytes; /* payload the send buffer takes */
    uint32_t rcvbuf_usable_bytes; /* payload the receive buffer takes */
    uint32_t peer_window_bytes; /* the window the peer last advertised
                                   (kernel: TCP_INFO tcpi_snd_wnd) */
    bool peer_window_known;     /* false: the kernel does not report it */
} lesson_probe;

/* One socket of one mode, after the step. */
typedef struct {
    bool present;                 /* that mode ran and has this socket */
    lesson_probe probe;           /* its counters (CLOSED, zeros once closed) */
    bool blocked;                 /* a call on it is waiting */
    bool closed;                  /* the program closed it */
    bool has_file;                /* a makefile() object feeds or reads it */
    uint32_t file_buffered_bytes; /* bytes in that application buffer */
    uint32_t file_capacity_bytes; /* its size */
} lesson_sock_mode;

/* One socket variable of the lesson, both modes joined by name. */
typedef struct {
    int id;                                   /* index in the record's list; stable
                                                 across steps (creation order) */
    char name[LESSON_NAME_LEN];               /* "client.s", "server.#2" */
    lesson_side side;                         /* whose variable */
    lesson_sock_mode mode[LESSON_MODE_SLOTS]; /* [0] model, [1] kernel */
    lesson_queue queue[LESSON_NQUEUES];       /* the model's bytes, by write */
    lesson_write_log writes;                  /* the model's newest writes on it: what
                                                 its runs (and its peer's receive
                                                 queue's runs) hold */
} lesson_rec_sock;

/* One makefile() object, as a mode sees it. */
typedef struct {
    char name[LESSON_NAME_LEN];                 /* "client.f" */
    lesson_side side;                           /* whose variable */
    bool reader;                                /* makefile('rb'): bytes read ahead */
    int sock_id;                                /* the record socket it belongs to, or -1 */
    bool present[LESSON_MODE_SLOTS];            /* the mode has it */
    uint32_t buffered_bytes[LESSON_MODE_SLOTS]; /* in the application buffer */
    uint32_t capacity_bytes;                    /* the buffer's size */
    /* Its bytes, oldest first, as one write (origin 1; bytes: how many it
     * holds): the first and last LESSON_WRITE_HEAD of them, to draw as
     * characters. Python's own buffer, so the same in both modes: the
     * model's where it ran, else the kernel run's. */
    lesson_write_bytes content;
} lesson_rec_file;

/* -------------------------------------------------------------- events */

/* What happened in the model, for the animation and the transcript:
 * base_names.h's table of event kinds (what each means is written there),
 * the model's values (LESSON_EV_WRITE == SIM_EV_WRITE == BASE_EV_WRITE). */
typedef enum {
#define LESSON_X(id, leaves, arrives, chip) LESSON_EV_##id = BASE_EV_##id,
    BASE_EVENT_KINDS(LESSON_X)
#undef LESSON_X
} lesson_event_kind;

/* Does this kind travel on the wire (from a sender to a receiver)? */
bool lesson_event_travels(lesson_event_kind k);

/* The text of a kind's chip on the window's wire: "SYN", "FIN", "RST",
 * "PROBE", "WIN", "ACK"; NULL for the others. */
const char *lesson_event_chip(lesson_event_kind k);

/* One event of the step, its direction resolved by the runner: readers
 * never infer it. */
typedef struct {
    uint64_t time_us;       /* model time it happened */
    uint64_t arrive_us;     /* travellers: when it arrives */
    lesson_event_kind kind; /* what happened */
    int sock_id;            /* the record socket it happened at (the sender
                               for what leaves, the receiver for what
                               arrives), or -1 (not a lesson variable yet) */
    int from_side;          /* the side that sends it, or -1 */
    int to_side;            /* the side that receives it, or -1 */
    uint32_t bytes;         /* payload bytes moved */
    uint64_t seq;           /* stream offset of the first byte, or acked offset */
    uint32_t window;        /* advertised window (ACK, WINDOW, PROBE) */
    uint32_t origin;        /* the write its first byte came from */
    lesson_tcp_state state; /* LESSON_EV_STATE: the new state */
    const char *why;        /* static text: "nagle", "delayed-ack"..., or NULL */
} lesson_event;

/* ---------------------------------------------------- the kernel's wire */

/* Which wire the real mode ran on. */
typedef enum {
    LESSON_WIRE_NONE = 0, /* the real mode did not run */
    LESSON_WIRE_LOOPBACK, /* plain loopback: no latency, no rate, no segment log */
    LESSON_WIRE_EMULATED, /* net_wire.h: the model's latency, rate and MSS */
} lesson_wire;

/* "none", "loopback", "emulated". */
const char *lesson_wire_name(lesson_wire w);

/* TCP flags of a kernel segment, as on the wire. */
enum {
    LESSON_SEG_FIN = 0x01,
    LESSON_SEG_SYN = 0x02,
    LESSON_SEG_RST = 0x04,
    LESSON_SEG_PSH = 0x08,
    LESSON_SEG_ACK = 0x10,
};

/* One TCP segment the kernel sent on the emulated wire during the step. */
typedef struct {
    uint64_t time_us;   /* real clock (as time_us[1]) when it left the sender */
    uint64_t arrive_us; /* when it reached the receiver (dropped: 0) */
    int from_side;      /* the sender's side (LESSON_CLIENT / LESSON_SERVER) */
    int to_side;        /* the receiver's side */
    uint8_t flags;      /* LESSON_SEG_SYN | ... */
    bool dropped;       /* the link's queue was full: never delivered */
    uint32_t bytes;     /* payload bytes */
    uint32_t seq;       /* stream offset of the first byte (relative to the
                           sender's SYN, as the model counts) */
    uint32_t ack;       /* the offset acknowledged (relative to the peer's SYN) */
    uint32_t window;    /* advertised window, bytes (scaled) */
    uint16_t src_port;  /* sender's port */
    uint16_t dst_port;  /* receiver's port */
} lesson_segment;

/* "SYN", "SYN|ACK", "ACK", "PSH|ACK", "FIN|ACK"... into out. Returns out. */
char *lesson_segment_flags_text(uint8_t flags, char *out, size_t outlen);

/* The flags lesson_segment_flags_text() wrote ("SYN|ACK"); names it does
 * not know are left out. */
uint8_t lesson_segment_flags_parse(const char *text);

/* -------------------------------------------------------------- values */

/* What a step produced that the class should see. */
typedef enum {
    LESSON_RESULT_ASSIGN = 1, /* name = value */
    LESSON_RESULT_RETURN,     /* an expression statement's value (n = ... is ASSIGN) */
    LESSON_RESULT_PRINT,      /* a line print() wrote */
    LESSON_RESULT_EXCEPTION,  /* what a statement raised */
} lesson_result_kind;

/* One produced value, in the order it happened. */
typedef struct {
    lesson_result_kind kind;    /* as above */
    lesson_side side;           /* whose */
    int line;                   /* source line */
    char name[LESSON_NAME_LEN]; /* ASSIGN: the variable; else "" */
    char repr[LESSON_REPR_LEN]; /* Python's repr, shortened; PRINT: the line */
    bool has_length;            /* bytes/str: length is len(value) */
    uint64_t length;            /* len(value) */
    bool is_bytes;              /* a bytes value (the window draws big ones as a bar) */
    lesson_exc exc;             /* EXCEPTION: which */
} lesson_result;

/* An expectation's result. */
typedef struct {
    int line;                   /* source line */
    lesson_mode mode;           /* LESSON_MODE_SIM or LESSON_MODE_REAL */
    bool ok;                    /* it held */
    char expr[LESSON_EXPR_LEN]; /* "conn.recv_queue == 12" as written */
    char got[LESSON_EXPR_LEN];  /* the value found, as text: "12", "b'Hi'" */
    bool skipped;               /* not checked: it did not hold, and the kernel's
                                   snapshot of a step with a `wait` came late
                                   (ok stays false: never a silent pass) */
    uint64_t late_us;           /* skipped: how late the snapshot came */
} lesson_expect_result;

/* One statement (or wait) of the step and its status in each mode. */
typedef struct {
    int line;                                /* source line */
    lesson_side side;                        /* who runs it */
    lesson_status status[LESSON_MODE_SLOTS]; /* [0] model, [1] kernel */
} lesson_rec_stmt;

/* Per side of one mode, after the step. */
typedef struct {
    bool blocked;        /* the side waits on a call */
    int blocked_line;    /* that statement's line, or 0 */
    lesson_exc last_exc; /* the side's last exception (its `error`) */
    /* The application's side of the first hop: a blocked call that hands
     * bytes to the kernel (sendall(), a blocking send(), a makefile
     * writer's write() past its buffer) and the bytes of its data it has
     * not handed over yet. They wait in the program's own memory, where no
     * kernel counter sees them. */
    uint32_t app_pending_bytes;  /* still to hand to the kernel; 0: none */
    uint32_t app_pending_total;  /* the call's whole data: len(data) */
    int app_pending_sock;        /* the record socket it writes to, or -1 */
    char app_pending_call[16];   /* "sendall", "send", "write"; "" when none */
} lesson_rec_side;

/* A step's question (lesson_question), as the window reveals it. */
typedef struct {
    bool present;                                 /* the step asks a question */
    char key;                                     /* the right choice's key ('A'...) */
    int line;                                     /* the answer's source line */
    bool checked[LESSON_MODE_SLOTS];              /* [0] model, [1] kernel: the mode checked it */
    bool held[LESSON_MODE_SLOTS];                 /* its condition held there */
    char got[LESSON_MODE_SLOTS][LESSON_EXPR_LEN]; /* what it found: "8" */
    bool skipped[LESSON_MODE_SLOTS];              /* not checked there (a late snapshot):
                                                     held is false, and means nothing */
} lesson_rec_question;

/* ------------------------------------------------------------ the record */

typedef struct lesson_record {
    int step;                            /* 0-based step */
    unsigned modes;                      /* lesson_mode bits that ran */
    uint64_t time_us[LESSON_MODE_SLOTS]; /* after the step: model clock, real elapsed */
    uint64_t t0_us;                      /* model clock before the step */
    uint64_t t1_us;                      /* and after it */
    int nsocks;                          /* sockets, in creation order */
    lesson_rec_sock socks[LESSON_MAX_SOCKS];
    int nfiles; /* makefile() objects */
    lesson_rec_file files[LESSON_MAX_FILES];
    lesson_rec_side sides[LESSON_MODE_SLOTS][2]; /* [mode][side] */
    int nstmts;                                  /* the step's statements, in file order */
    lesson_rec_stmt *stmts;
    int nexpects; /* the step's expectations, model's then kernel's */
    lesson_expect_result *expects;
    size_t nevents; /* the model's events of the step */
    lesson_event *events;
    int nresults[LESSON_MODE_SLOTS]; /* the values the step produced, per mode */
    lesson_result *results[LESSON_MODE_SLOTS];
    lesson_wire wire;             /* the wire the real mode ran on */
    uint64_t real_t0_us;          /* real clock (as time_us[1]) before the step */
    size_t nsegments;             /* the kernel's segments of the step (emulated wire) */
    lesson_segment *segments;     /* in the order they left, oldest first */
    lesson_rec_question question; /* the step's question; present false if none */
    uint64_t real_late_us;        /* a step with a wait: how late the kernel's snapshot
                                     came (lesson_run.h, LESSON_LATE_BOUND_US); else 0 */
} lesson_record;

/* The slot of a mode in the per-mode arrays: 0 model, 1 kernel. */
static inline int lesson_mode_slot(lesson_mode m)
{
    return m == LESSON_MODE_REAL ? 1 : 0;
}

/* Fills rec->question from step's question (none: present false) and
 * the answer's expectation results already in rec->expects. */
void lesson_record_set_question(lesson_record *rec, const lesson_step *step);

/* A deep copy of src into *dst (dst's old contents are not freed).
 * Returns 0 or -ENOMEM (dst is then empty). */
int lesson_record_copy(lesson_record *dst, const lesson_record *src);

/* Frees what a record owns and empties it. Accepts NULL. */
void lesson_record_free(lesson_record *r);

/* The record's socket a side shows: its open, connected socket (the first
 * one), else its last closed one, else its listener; -1 when the side has
 * none. The model's view decides (the kernel's when the model did not run). */
int lesson_record_shown_sock(const lesson_record *r, lesson_side side);

/* The socket with this name, or -1. */
int lesson_record_find_sock(const lesson_record *r, const char *name);

#endif
