/* lesson_interp.h: the interpreter's own types, shared by its three parts.
 *
 * Private to lessons/. The runner is one interpreter per mode over a
 * lesson_backend; its code is cut at its seams:
 *   lesson_value.c  values (bytes shared, not copied), the memory budget,
 *                   Python's repr and print, the one value comparison;
 *   lesson_call.c   evaluating expressions and the calls a lesson makes
 *                   (sockets, makefile() objects, files), one statement;
 *   lesson_run.c    the scheduler (side queues, blocking, settling), the
 *                   views, expectations, steps, and the record.
 * Nothing outside these three files includes this header.
 */
#ifndef SOCKBUF_LESSON_INTERP_H
#define SOCKBUF_LESSON_INTERP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lesson_appbuf.h"
#include "lesson_ast.h"
#include "lesson_backend.h"
#include "lesson_run.h"

enum {
    MAX_OPEN_FILES = 64,
    MAX_PRINTED = 10000,
    PRINT_REPR_MAX = 2000,
    GOT_MAX = 150,
    READER_CHUNK_BYTES = 8192, /* BufferedReader's buffer: one refill is one recv of this */
    GOT_SHORT_BYTES = 24,      /* longer bytes show as their length and first bytes */
    LOOP_GUARD = 10000000,
};

/* --------------------------------------------------- one mode's state */

/* One socket variable as a mode sees it after a step. */
typedef struct {
    char name[LESSON_NAME_LEN]; /* "client.s", "server.conn" */
    lesson_side side;           /* whose variable */
    lesson_probe probe;         /* the backend's counters */
    bool blocked;               /* a call on it is waiting */
    bool closed;                /* the program closed it */
    int handle;                 /* the backend's handle it had (kept after close) */
} sock_view;

/* One makefile() writer or reader as a mode sees it. */
typedef struct {
    char name[LESSON_NAME_LEN]; /* "client.f" */
    lesson_side side;           /* whose variable */
    bool reader;                /* makefile('rb'): bytes read ahead */
    uint32_t buffered_bytes;    /* bytes in the application buffer */
    uint32_t capacity_bytes;    /* the buffer's size */
    int sock;                   /* index of its socket in socks[], or -1 */
    lesson_write_bytes content; /* its bytes' ends (lesson_rec_file.content) */
} file_view;

/* A statement's status in this mode. */
typedef struct {
    int line;         /* source line */
    lesson_side side; /* who runs it */
    lesson_status st; /* where it is */
} stmt_status;

/* Everything one mode knows after a step; the record is built from it. */
typedef struct {
    lesson_mode mode; /* which mode this is */
    uint64_t time_us; /* sim: virtual clock; real: elapsed */
    int nsocks;
    sock_view socks[LESSON_MAX_SOCKS];
    int nfiles;
    file_view files[LESSON_MAX_FILES];
    int nstmts; /* the statements of the last step */
    stmt_status *stmts;
    int nexpects; /* the expectations of the last step */
    lesson_expect_result *expects;
    int nprinted[2];        /* print() lines per side, cumulative (bounded) */
    lesson_exc error[2];    /* last exception per side */
    bool blocked[2];        /* is the side blocked */
    lesson_result *results; /* the values the last step produced */
    int nresults, cap_results;
} lesson_view;

/* ---------------------------------------------------------------- values */

typedef enum {
    V_NONE = 0,
    V_INT,
    V_BOOL,
    V_BYTES,
    V_STR,
    V_TUPLE,
    V_SOCK,
    V_WRITER,
    V_FILE,
    V_READER,
    V_FLOAT,
    V_STATE,     /* a TCP state (expectations): i the lesson_tcp_state; len 1: FIN_WAIT */
    V_EXC,       /* an exception (expectations, `error`): i the lesson_exc */
    V_LIST,      /* a list (i 0) or a tuple of other than two items (i 1): items, len */
    V_SELECTOR,  /* selectors.DefaultSelector(): i its index in sels[] */
    V_KEY,       /* a SelectorKey: a its fileobj, b its data, i its events */
    V_BYTEARRAY, /* a bytearray: data/len its bytes, always shared (sh): every holder sees
                    what recv_into() writes; its length never changes */
    V_BIG,       /* an int past 64 bits: data/len its decimal digits (no leading zero), i its
                    sign (1 or -1); an int that fits is always V_INT */
} vkind;

typedef struct value {
    vkind k;
    int64_t i;     /* int, bool, object index */
    double f;      /* float */
    uint8_t *data; /* bytes, str */
    size_t len;
    struct value *a, *b; /* tuple */
    struct value *items; /* V_LIST: len of them */
    struct vshare *sh;   /* bytes, str: its holders and budget (NULL: small, owned alone) */
} value;

/* The holders of one bytes or str buffer, and what it counts against its
 * lesson's memory budget. */
typedef struct vshare {
    size_t refs;  /* values (and pending sends) holding the data */
    size_t bytes; /* what the data counts against the budget */
    size_t *live; /* the lesson's count of live bytes, or NULL: not counted */
} vshare;

/* ------------------------------------------------------------ interpreter */

typedef struct {
    char *name;
    value v;
} var;

typedef struct {
    int h;      /* backend handle, -1 once closed */
    int handle; /* the handle it had, kept after close (events name it) */
    lesson_side side;
    char name[LESSON_NAME_LEN];
    bool blocking;
    bool blocked;
    int io_refs;    /* open makefile() objects (CPython's socket._io_refs) */
    bool py_closed; /* s.close() was called: the descriptor closes with the last file */
    int64_t timeout_us; /* settimeout(): -1 None (blocking), 0 non-blocking, else the time a
                           blocking call may wait before TimeoutError */
    int pending_err; /* negative errno the kernel still holds for the next call (Linux keeps
                        sk_err when an error ends a blocking send() after some bytes; the
                        runner's own retry took it), or 0 */
} sockobj;

typedef struct {
    lesson_appbuf *ab; /* NULL for makefile('wb', buffering=0): the raw SocketIO */
    int sock;
    lesson_side side;
    char name[LESSON_NAME_LEN];
    bool closed;
} writerobj;

/* s.makefile('rb'): Python's BufferedReader over the socket. Each refill
 * is one recv(8192) that returns what has arrived; readline() blocks until
 * a newline or the end of the stream. */
typedef struct {
    int sock;
    lesson_side side;
    char name[LESSON_NAME_LEN];
    uint8_t *buf; /* bytes read ahead, not yet returned */
    size_t len, cap;
    size_t scanned; /* bytes at buf's start known to hold no '\n' (readline scans on from there) */
    size_t chunk; /* one refill's recv size: the buffer size (0: raw SocketIO, no read-ahead) */
    bool eof;
    bool closed;
} readerobj;

typedef struct {
    int file;   /* index in doc->files */
    size_t pos; /* read position */
    bool closed;
} fileobj;

/* selectors.DefaultSelector(): the sockets registered, with their events
 * and data, in the order they were registered. */
enum { MAX_SELECTORS = 8 };
typedef struct {
    int sock[LESSON_MAX_SOCKS];   /* socket indexes */
    int events[LESSON_MAX_SOCKS]; /* EVENT_READ 1 | EVENT_WRITE 2 */
    value data[LESSON_MAX_SOCKS]; /* register()'s data */
    int n;
    bool closed;
} selobj;

typedef enum { R_OK = 0, R_BLOCKED, R_RAISED } rc_t;

typedef struct {
    const lesson_line *ln;
    stmt_status *status; /* its slot in its step's statuses */
    value memo[LESSON_MAX_CALLS];
    bool have[LESSON_MAX_CALLS];
    bool with_done;
    /* the call that blocked, resumable */
    bool op_active;
    lesson_func op;
    int call_id;
    int obj;         /* socket or writer index */
    uint8_t *data;   /* bytes still to push (sendall, writer) */
    vshare *data_sh; /* data's holders (a sendall's value, a recv's buffer); NULL: owned */
    size_t len, off;
    size_t cap;        /* recv */
    uint64_t until_us; /* sleep; a call on a socket with a timeout: when it times out */
    bool timed;        /* until_us is a timeout's deadline */
    bool more;         /* MSG_MORE */
    bool waitall;      /* recv with MSG_WAITALL: data holds what came, len its length */
    bool peek;         /* recv with MSG_PEEK: the bytes stay queued */
    bool dontwait;     /* recv with MSG_DONTWAIT: never blocks on a socket without a timeout */
    bool wdirect;      /* a writer's write: its buffer is out, data goes straight through */
    size_t wsent;      /* a writer's bytes sent by this call (later ones continue one write) */
    value result;      /* what the call returns once done */
    value held;        /* select.select(): its three lists, while it waits */
    bool forever;      /* select without a timeout */
} pending;

typedef struct {
    pending **q;
    int n, cap;
} sidequeue;

typedef struct {
    const lesson_doc *doc;
    lesson_backend *be;
    lesson_mode mode;
    var vars[2][LESSON_MAX_VARS];
    int nvars[2];
    sockobj socks[LESSON_MAX_SOCKS];
    int nsocks;
    writerobj writers[LESSON_MAX_FILES];
    int nwriters;
    fileobj files[MAX_OPEN_FILES];
    int nfiles;
    readerobj readers[LESSON_MAX_FILES];
    int nreaders;
    selobj sels[MAX_SELECTORS];
    int nsels;
    sidequeue queue[2];
    lesson_exc raised;            /* the exception being raised */
    char detail[LESSON_EXPR_LEN]; /* what an expectation shows of it, or "" */
    bool moved;                   /* a blocked call moved bytes since this was cleared */
    uint64_t budget_end_us;       /* real mode: the backend's clock when the lesson's
                                     time budget runs out (UINT64_MAX: none) */
    uint64_t mark_us;             /* where the step's timeline is: when its last
                                     statement was issued, or its last wait ended */
    uint64_t test_delay_us;       /* SOCKBUF_TEST_SNAPSHOT_DELAY_MS (lesson_run.h) */
    uint64_t late_us;             /* the last step's lag (lesson_run.h), the step before's added */
    uint64_t prev_late_us;        /* the step before's own lag (0: it had no wait) */
    uint64_t overran_us;          /* the step ended at its settle limit (this many us)
                                     with a call still moving bytes; 0: it did not */
    uint64_t overran_bytes;       /* ... that call's size (sendall's data, recv's n) */
    stmt_status **status;         /* per step, per statement line */
    int *nstatus;
    lesson_view view;
    size_t live_bytes;   /* bytes of the values (bytes, str) and buffers alive now */
    size_t budget_bytes; /* the most live_bytes may reach (LESSON_MEMORY_BUDGET_BYTES) */
} interp;

/* Bytes and str are immutable, as in Python, so a copy (a name bound to
 * another name's value, a call's memo, sendall's pending data) shares the
 * data and counts its holders instead of copying it: a 64 MiB value read
 * from a file and sent is in memory once. Short values are still copied. */
enum { SHARE_MIN_BYTES = 256 };

/* ----------------------------------------------------- lesson_value.c */

/* Another holder of src's shared bytes (NULL when out of memory). */
vshare *lesson_value_share(const value *src);
/* Drops one holder of data (sh NULL: data is owned alone and freed). */
void lesson_data_release(uint8_t *data, vshare *sh);
/* Frees what v holds and empties it. Accepts NULL. */
void lesson_value_free(value *v);
/* A copy of src in dst (long bytes and str are shared). 0 or -ENOMEM. */
int lesson_value_copy(value *dst, const value *src);
/* n bytes for a value or a receive buffer, counted against the lesson's
 * memory budget; *sh its holders (NULL for a short value, not counted).
 * NULL when the budget or the memory runs out (the caller raises
 * MemoryError at the line that asked). */
uint8_t *lesson_budget_alloc(interp *in, size_t n, vshare **sh);
/* Shrinks a counted buffer to n bytes, giving the rest back. */
uint8_t *lesson_budget_shrink(uint8_t *d, vshare *sh, size_t n);
/* print()'s text of v (top: a str prints bare, as print() does; else
 * repr). */
void lesson_print_value(char *out, size_t outlen, const value *v, bool top);
/* Python's truth value. */
bool lesson_truthy(const value *v);
/* An int from the decimal digits of its magnitude (leading zeros are
 * skipped) and its sign (1 or -1): V_INT when it fits in 64 bits, else
 * V_BIG. Returns 0 or -ENOMEM. */
int lesson_int_of_digits(value *out, const char *digits, size_t n, int sign);
/* out = x - y for ints (V_INT, V_BOOL, V_BIG) with Python's unbounded
 * result. Returns 0 or -ENOMEM. */
int lesson_int_sub(const value *x, const value *y, value *out);
/* v as an expectation's "got" shows it (long bytes: length and head). */
void lesson_got_value(char *out, size_t outlen, const value *v);
/* Does a OP b hold, with Python's meaning? */
bool lesson_value_compare(const value *a, lesson_op op, const value *b);

/* ------------------------------------------------------ lesson_call.c */

/* Evaluates e on side into *out (calls memoized in p, so a blocked
 * statement re-evaluates without repeating a call). */
rc_t lesson_eval(interp *in, pending *p, lesson_side side, const lesson_expr *e, value *out);
/* Runs or resumes one statement. */
rc_t lesson_exec_stmt(interp *in, pending *p, lesson_side side);
/* Frees a statement's pending state. Accepts NULL. */
void lesson_pending_free(pending *p);

/* ------------------------------------------------------- lesson_run.c */

/* Raises e (R_RAISED); _msg also sets the text an expectation shows. */
rc_t lesson_raise(interp *in, lesson_exc e);
rc_t lesson_raise_msg(interp *in, lesson_exc e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The exception a negative errno raises. */
rc_t lesson_raise_errno(interp *in, int neg);
/* A new produced value of the step, or NULL when out of memory. */
lesson_result *lesson_add_result(interp *in, lesson_result_kind kind, lesson_side side, int line);
/* Records a value the step produced (repr, length). */
void lesson_note_value(interp *in, lesson_result_kind kind, lesson_side side, int line,
                       const char *name, const value *v);
/* A side's variable, or NULL. */
var *lesson_var_get(interp *in, lesson_side side, const char *name);
/* Binds name to *v (taken), naming sockets and writers after it. */
rc_t lesson_var_set(interp *in, lesson_side side, const char *name, value *v);

#endif
