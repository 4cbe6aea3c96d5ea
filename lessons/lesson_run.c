/* lesson_run.c: runs a lesson on the model and on real sockets in lockstep.
 *
 * One interpreter per mode, each over a lesson_backend (the model or real
 * loopback sockets), each with its own variables, sockets and files. A step
 * runs its lines in file order in every mode:
 *
 *   - a statement joins its side's queue; the head of each queue runs as
 *     soon as it can. A call that would block (accept, recv, connect,
 *     sendall into a full buffer, a BufferedWriter pushing bytes, sleep)
 *     leaves its statement at the head, keeping its progress (bytes already
 *     sent, calls already made: every call's result is memoized, so the
 *     statement is re-evaluated without repeating a call); the side's
 *     later statements wait behind it, the other side goes on;
 *   - blocked heads are retried whenever anything makes progress: the
 *     other side, or time (the model's next event; the real kernel, polled
 *     every millisecond). Statements take no time of their own;
 *   - `wait D` lets D pass at its place; otherwise the step ends by
 *     settling the connection, then the expectations are checked.
 *
 * An exception is a value: the statement's status becomes an error with
 * its lesson_exc, the side's `error` is that, and the side goes on. The real mode never
 * blocks the process (every socket is non-blocking).
 *
 * After each step the runner writes one lesson_record from both modes
 * (build_record): the sockets joined by name, the model's byte runs and
 * events with their sockets mapped to the record's ids, the statements'
 * statuses and the values the step produced. Readers see nothing else.
 *
 * Called by the CLI, the window (on a thread of its own) and the tests.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_text.h"
#include "lesson_ast.h"
#include "lesson_backend.h"
#include "lesson_run.h"
#include "lesson_appbuf.h"

enum {
    MAX_VARS = 64,
    MAX_SOCKS = 64,
    MAX_WRITERS = 16,
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
    V_STATE, /* a TCP state (expectations): i the lesson_tcp_state; len 1: FIN_WAIT */
    V_EXC,   /* an exception (expectations, `error`): i the lesson_exc */
} vkind;

typedef struct value {
    vkind k;
    int64_t i;     /* int, bool, object index */
    double f;      /* float */
    uint8_t *data; /* bytes, str */
    size_t len;
    struct value *a, *b; /* tuple */
    struct vshare *sh;   /* bytes, str: its holders and budget (NULL: small, owned alone) */
} value;

/* The holders of one bytes or str buffer, and what it counts against its
 * lesson's memory budget. */
typedef struct vshare {
    size_t refs;  /* values (and pending sends) holding the data */
    size_t bytes; /* what the data counts against the budget */
    size_t *live; /* the lesson's count of live bytes, or NULL: not counted */
} vshare;

/* Bytes and str are immutable, as in Python, so a copy (a name bound to
 * another name's value, a call's memo, sendall's pending data) shares the
 * data and counts its holders instead of copying it: a 64 MiB value read
 * from a file and sent is in memory once. Short values are still copied. */
enum { SHARE_MIN_BYTES = 256 };

/* Makes src's data shared (one holder so far) and adds a holder; returns
 * its holders, or NULL when out of memory. src is const to its callers;
 * only its holders are set. */
static vshare *value_share(const value *src)
{
    value *v = (value *)src;
    if (!v->sh) {
        v->sh = calloc(1, sizeof *v->sh);
        if (!v->sh)
            return NULL;
        v->sh->refs = 1;
    }
    v->sh->refs++;
    return v->sh;
}

/* Drops one holder of data (counted by sh, or owned alone when NULL);
 * the last one frees it and gives its bytes back to the budget. */
static void data_release(uint8_t *data, vshare *sh)
{
    if (sh && --sh->refs > 0)
        return;
    if (sh && sh->live)
        *sh->live -= sh->bytes;
    free(sh);
    free(data);
}

static void value_free(value *v)
{
    if (!v)
        return;
    data_release(v->data, v->sh);
    if (v->a) {
        value_free(v->a);
        free(v->a);
    }
    if (v->b) {
        value_free(v->b);
        free(v->b);
    }
    memset(v, 0, sizeof *v);
}

static int value_copy(value *dst, const value *src)
{
    memset(dst, 0, sizeof *dst);
    dst->k = src->k;
    dst->i = src->i;
    dst->f = src->f;
    dst->len = src->len;
    if ((src->k == V_BYTES || src->k == V_STR) && src->len >= SHARE_MIN_BYTES) {
        if (!(dst->sh = value_share(src)))
            return -ENOMEM;
        dst->data = src->data;
    } else if (src->k == V_BYTES || src->k == V_STR) {
        dst->data = malloc(src->len ? src->len : 1);
        if (!dst->data)
            return -ENOMEM;
        if (src->len)
            memcpy(dst->data, src->data, src->len);
    }
    if (src->k == V_TUPLE) {
        dst->a = calloc(1, sizeof *dst->a);
        dst->b = calloc(1, sizeof *dst->b);
        if (!dst->a || !dst->b || value_copy(dst->a, src->a) || value_copy(dst->b, src->b)) {
            value_free(dst);
            return -ENOMEM;
        }
    }
    return 0;
}

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
    size_t chunk; /* one refill's recv size: the buffer size (0: raw SocketIO, no read-ahead) */
    bool eof;
    bool closed;
} readerobj;

typedef struct {
    int file;   /* index in doc->files */
    size_t pos; /* read position */
    bool closed;
} fileobj;

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
    int obj;       /* socket or writer index */
    uint8_t *data; /* bytes still to push (sendall, writer) */
    vshare *data_sh;   /* data's holders (a sendall's value, a recv's buffer); NULL: owned */
    size_t len, off;
    size_t cap;        /* recv */
    uint64_t until_us; /* sleep */
    bool more;         /* MSG_MORE */
    bool waitall;      /* recv with MSG_WAITALL: data holds what came, len its length */
    bool wdirect;      /* a writer's write: its buffer is out, data goes straight through */
    size_t wsent;      /* a writer's bytes sent by this call (later ones continue one write) */
    value result;      /* what the call returns once done */
} pending;

typedef struct {
    pending **q;
    int n, cap;
} sidequeue;

typedef struct {
    const lesson_doc *doc;
    lesson_backend *be;
    lesson_mode mode;
    var vars[2][MAX_VARS];
    int nvars[2];
    sockobj socks[MAX_SOCKS];
    int nsocks;
    writerobj writers[MAX_WRITERS];
    int nwriters;
    fileobj files[MAX_OPEN_FILES];
    int nfiles;
    readerobj readers[MAX_WRITERS];
    int nreaders;
    sidequeue queue[2];
    lesson_exc raised;           /* the exception being raised */
    char detail[LESSON_EXPR_LEN]; /* what an expectation shows of it, or "" */
    bool moved;                  /* a blocked call moved bytes since this was cleared */
    uint64_t budget_end_us;      /* real mode: the backend's clock when the lesson's
                                    time budget runs out (UINT64_MAX: none) */
    stmt_status **status;        /* per step, per statement line */
    int *nstatus;
    lesson_view view;
    size_t live_bytes;   /* bytes of the values (bytes, str) and buffers alive now */
    size_t budget_bytes; /* the most live_bytes may reach (LESSON_MEMORY_BUDGET_BYTES) */
} interp;

/* Allocates n bytes for a value or a receive buffer, counted against the
 * lesson's budget; *sh gets their holders (NULL for a short value, which
 * is not counted). NULL when the budget or the memory runs out: the
 * caller raises MemoryError, as Python does on the line that asks. */
static uint8_t *budget_alloc(interp *in, size_t n, vshare **sh)
{
    *sh = NULL;
    if (n < SHARE_MIN_BYTES)
        return malloc(n ? n : 1);
    if (in->live_bytes > in->budget_bytes || n > in->budget_bytes - in->live_bytes)
        return NULL;
    uint8_t *d = malloc(n);
    vshare *h = calloc(1, sizeof *h);
    if (!d || !h) {
        free(d);
        free(h);
        return NULL;
    }
    h->refs = 1;
    h->bytes = n;
    h->live = &in->live_bytes;
    in->live_bytes += n;
    *sh = h;
    return d;
}

/* Shrinks a counted buffer to n bytes, giving the rest back. */
static uint8_t *budget_shrink(uint8_t *d, vshare *sh, size_t n)
{
    uint8_t *small = realloc(d, n ? n : 1);
    if (small && sh) {
        *sh->live -= sh->bytes - n;
        sh->bytes = n;
    }
    return small ? small : d;
}

struct lesson_runner {
    const lesson_doc *doc;
    unsigned modes;
    interp *in[2]; /* [0] sim, [1] real */
    int step;
    lesson_record rec; /* the last step's record */
    size_t cap_events; /* rec.events' capacity */
    size_t cap_segments; /* rec.segments' capacity */
    int cap_stmts, cap_expects, cap_results[LESSON_MODE_SLOTS];
    uint64_t budget_us; /* real time the steps may take in all; 0: no limit */
    uint64_t used_us;   /* real time the steps took so far */
    bool timed_out;     /* the budget ran out: no more steps */
};

static rc_t raise(interp *in, lesson_exc e)
{
    in->raised = e;
    return R_RAISED;
}

/* raise() with the text an expectation's "got" shows for it. */
static rc_t raise_msg(interp *in, lesson_exc e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static rc_t raise_msg(interp *in, lesson_exc e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->detail, sizeof in->detail, fmt, ap);
    va_end(ap);
    return raise(in, e);
}

static rc_t raise_errno(interp *in, int neg)
{
    return raise(in, lesson_exc_of_errno(neg));
}

/* Appends a value the step produced (kept for the window). Out of memory
 * only loses the display of it, never the lesson's own state. */
static lesson_result *add_result(interp *in, lesson_result_kind kind, lesson_side side, int line)
{
    lesson_view *v = &in->view;
    if (v->nresults == v->cap_results) {
        int nc = v->cap_results ? v->cap_results * 2 : 16;
        lesson_result *g = realloc(v->results, (size_t)nc * sizeof *g);
        if (!g)
            return NULL;
        v->results = g;
        v->cap_results = nc;
    }
    lesson_result *r = &v->results[v->nresults++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->side = side;
    r->line = line;
    return r;
}

static var *var_get(interp *in, lesson_side side, const char *name)
{
    for (int i = 0; i < in->nvars[side]; i++)
        if (!strcmp(in->vars[side][i].name, name))
            return &in->vars[side][i];
    return NULL;
}

/* Is a socket or writer already shown under name? (The one being named
 * still has an empty name while this runs... or the candidate itself.) */
static bool name_taken(const interp *in, const char *name)
{
    int hits = 0;
    for (int i = 0; i < in->nsocks; i++)
        hits += !strcmp(in->socks[i].name, name);
    for (int i = 0; i < in->nwriters; i++)
        hits += !strcmp(in->writers[i].name, name);
    for (int i = 0; i < in->nreaders; i++)
        hits += !strcmp(in->readers[i].name, name);
    return hits > 1;
}

/* Takes ownership of *v. */
static rc_t var_set(interp *in, lesson_side side, const char *name, value *v)
{
    var *x = var_get(in, side, name);
    if (!x) {
        if (in->nvars[side] >= MAX_VARS) {
            value_free(v);
            return raise(in, LESSON_EXC_MEMORY);
        }
        x = &in->vars[side][in->nvars[side]];
        x->name = strdup(name);
        if (!x->name) {
            value_free(v);
            return raise(in, LESSON_EXC_MEMORY);
        }
        in->nvars[side]++;
    } else {
        value_free(&x->v);
    }
    x->v = *v;
    memset(v, 0, sizeof *v);
    /* A socket or writer takes the name of its first variable. */
    char *nm = NULL;
    if (x->v.k == V_SOCK && !in->socks[x->v.i].name[0])
        nm = in->socks[x->v.i].name;
    else if (x->v.k == V_WRITER && !in->writers[x->v.i].name[0])
        nm = in->writers[x->v.i].name;
    else if (x->v.k == V_READER && !in->readers[x->v.i].name[0])
        nm = in->readers[x->v.i].name;
    if (nm) {
        /* Unique in the view: a second socket in `s` is "client.s#2". */
        char base[LESSON_NAME_LEN];
        snprintf(base, sizeof base, "%s.%.*s", lesson_side_name(side), LESSON_NAME_LEN - 12, name);
        snprintf(nm, LESSON_NAME_LEN, "%s", base);
        for (int k = 2; k < 1000 && name_taken(in, nm); k++)
            snprintf(nm, LESSON_NAME_LEN, "%.*s#%d", LESSON_NAME_LEN - 8, base, k);
    }
    return R_OK;
}

/* Python's repr() of a float: the shortest digits that read back as the
 * same double, in fixed notation for exponents -4..15, else scientific. */
static void repr_float(char *out, size_t outlen, double x)
{
    if (isnan(x)) {
        snprintf(out, outlen, "nan");
        return;
    }
    if (isinf(x)) {
        snprintf(out, outlen, "%sinf", x < 0 ? "-" : "");
        return;
    }
    char e[40];
    int prec;
    for (prec = 1; prec < 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, x);
        if (strtod(e, NULL) == x)
            break;
    }
    snprintf(e, sizeof e, "%.*e", prec - 1, x);
    /* e: [-]D[.DDD]e[+-]XX */
    char digits[24];
    int nd = 0;
    const char *c = e;
    bool neg = *c == '-';
    if (neg)
        c++;
    for (; *c && *c != 'e'; c++)
        if (*c >= '0' && *c <= '9' && nd < (int)sizeof digits - 1)
            digits[nd++] = *c;
    digits[nd] = '\0';
    int exp10 = *c == 'e' ? atoi(c + 1) : 0;
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = '\0';
    size_t o = 0;
    char buf[64];
    if (neg)
        buf[o++] = '-';
    if (exp10 >= -4 && exp10 < 16) {
        if (exp10 < 0) {
            buf[o++] = '0';
            buf[o++] = '.';
            for (int k = -1; k > exp10; k--)
                buf[o++] = '0';
            for (int k = 0; k < nd; k++)
                buf[o++] = digits[k];
        } else {
            for (int k = 0; k <= exp10; k++)
                buf[o++] = k < nd ? digits[k] : '0';
            buf[o++] = '.';
            if (nd > exp10 + 1)
                for (int k = exp10 + 1; k < nd; k++)
                    buf[o++] = digits[k];
            else
                buf[o++] = '0';
        }
        buf[o] = '\0';
    } else {
        buf[o++] = digits[0];
        if (nd > 1) {
            buf[o++] = '.';
            for (int k = 1; k < nd; k++)
                buf[o++] = digits[k];
        }
        snprintf(buf + o, sizeof buf - o, "e%c%02d", exp10 < 0 ? '-' : '+',
                 exp10 < 0 ? -exp10 : exp10);
    }
    snprintf(out, outlen, "%s", buf);
}

static void print_value(char *out, size_t outlen, const value *v, bool top)
{
    switch (v->k) {
    case V_FLOAT:
        repr_float(out, outlen, v->f);
        return;
    case V_NONE:
        snprintf(out, outlen, "None");
        return;
    case V_INT:
        snprintf(out, outlen, "%lld", (long long)v->i);
        return;
    case V_BOOL:
        snprintf(out, outlen, "%s", v->i ? "True" : "False");
        return;
    case V_BYTES:
        cli_repr(out, outlen, v->data, v->len, true, PRINT_REPR_MAX);
        return;
    case V_STR:
        if (top)
            snprintf(out, outlen, "%.*s", (int)(v->len > PRINT_REPR_MAX ? PRINT_REPR_MAX : v->len),
                     (const char *)v->data);
        else
            cli_repr(out, outlen, v->data, v->len, false, PRINT_REPR_MAX);
        return;
    case V_TUPLE: {
        char a[256], b[256];
        print_value(a, sizeof a, v->a, false);
        print_value(b, sizeof b, v->b, false);
        snprintf(out, outlen, "(%s, %s)", a, b);
        return;
    }
    case V_SOCK:
        snprintf(out, outlen, "<socket.socket>");
        return;
    case V_WRITER:
        snprintf(out, outlen, "<_io.BufferedWriter name=%d>", (int)v->i);
        return;
    case V_FILE:
    case V_READER:
        snprintf(out, outlen, "<_io.BufferedReader>");
        return;
    case V_STATE:
        snprintf(out, outlen, "%s", v->len ? "FIN_WAIT" : lesson_tcp_state_name((lesson_tcp_state)v->i));
        return;
    case V_EXC:
        snprintf(out, outlen, "%s", lesson_exc_name((lesson_exc)v->i));
        return;
    }
}

/* Records a value the step produced: its short repr, and its length for
 * bytes and str (a 200 KiB bytes object shows as a bar with its size). */
static void note_value(interp *in, lesson_result_kind kind, lesson_side side, int line,
                       const char *name, const value *v)
{
    lesson_result *r = add_result(in, kind, side, line);
    if (!r)
        return;
    if (name)
        snprintf(r->name, sizeof r->name, "%s", name);
    if ((v->k == V_BYTES || v->k == V_STR) && v->len > GOT_SHORT_BYTES)
        cli_repr(r->repr, sizeof r->repr, v->data, v->len, v->k == V_BYTES, GOT_SHORT_BYTES);
    else
        print_value(r->repr, sizeof r->repr, v, false);
    r->has_length = v->k == V_BYTES || v->k == V_STR;
    r->length = v->len;
    r->is_bytes = v->k == V_BYTES;
}

static bool truthy(const value *v)
{
    switch (v->k) {
    case V_NONE:
        return false;
    case V_INT:
    case V_BOOL:
        return v->i != 0;
    case V_FLOAT:
        return v->f != 0;
    case V_BYTES:
    case V_STR:
        return v->len != 0;
    default:
        return true;
    }
}

/* The bytes of a generated file: readable lines, the same on every run. */
static void file_fill(uint8_t *d, size_t from, size_t n)
{
    static const char pat[] = "sockbuf example data: 0123456789 abcdefghijklmnopqrstuvwxyz.\n";
    const size_t pl = sizeof pat - 1;
    /* One period from the right offset, then the bytes written so far
     * copied after themselves (a whole number of periods each time). */
    size_t done = n < pl ? n : pl;
    for (size_t k = 0; k < done; k++)
        d[k] = (uint8_t)pat[(from + k) % pl];
    while (done < n) {
        size_t c = done < n - done ? done : n - done;
        memcpy(d + done, d, c);
        done += c;
    }
}

/* ---------------------------------------------------------------- calls */

static rc_t eval(interp *in, pending *p, lesson_side side, const lesson_expr *e, value *out);

static sockobj *sock_of(interp *in, const value *v)
{
    if (v->k != V_SOCK || v->i < 0 || v->i >= in->nsocks)
        return NULL;
    return &in->socks[v->i];
}

static rc_t new_sock(interp *in, lesson_side side, int h, value *out)
{
    if (in->nsocks >= MAX_SOCKS) {
        in->be->ops->close(in->be, h);
        return raise_errno(in, -EMFILE);
    }
    sockobj *s = &in->socks[in->nsocks];
    memset(s, 0, sizeof *s);
    s->h = h;
    s->handle = h;
    s->side = side;
    s->blocking = true;
    out->k = V_SOCK;
    out->i = in->nsocks++;
    return R_OK;
}

/* Pushes p->data[p->off..] into the socket; R_OK once all is in. */
static rc_t push_bytes(interp *in, pending *p, sockobj *s)
{
    while (p->off < p->len) {
        if (s->h < 0)
            return raise_errno(in, -EBADF);
        /* sendall's later chunks continue one write (one origin). */
        int flags = (p->more ? LESSON_SEND_MORE : 0) | (p->off > 0 ? LESSON_SEND_CONTINUE : 0);
        long n = in->be->ops->send(in->be, s->h, p->data + p->off, p->len - p->off, flags);
        if (n > 0) {
            p->off += (size_t)n;
            in->moved = true;
            continue;
        }
        if (n == -EAGAIN || n == 0)
            return s->blocking ? R_BLOCKED : raise(in, LESSON_EXC_BLOCKING_IO);
        return raise_errno(in, (int)n);
    }
    return R_OK;
}

/* Drops the pending op's data (shared or owned). */
static void pending_drop_data(pending *p)
{
    data_release(p->data, p->data_sh);
    p->data = NULL;
    p->data_sh = NULL;
}

/* readline() / read([n]) on a reader: returns from the read-ahead buffer
 * when it can, else refills it with one recv of the buffer's size, as
 * BufferedReader does. The raw SocketIO (buffering=0) reads no more than
 * asked: readline() one byte a recv, read(n) one recv(n). On a
 * non-blocking socket a call that would block returns what it has, as
 * CPython does: readline() a part of a line or b'', read() None. */
static rc_t reader_fill(interp *in, pending *p, sockobj *s)
{
    readerobj *rd = &in->readers[p->obj];
    bool would_block = false;
    for (;;) {
        size_t take = 0;
        bool ready = false;
        size_t chunk = rd->chunk ? rd->chunk
                                 : (p->op == LF_READ && p->cap ? p->cap - rd->len : 1);
        if (!rd->chunk && p->op == LF_READ && p->cap && rd->len > 0) {
            take = rd->len < p->cap ? rd->len : p->cap;
            ready = true;
        }
        if (would_block) {
            take = p->cap && p->cap < rd->len ? p->cap : rd->len;
            ready = true;
            if (!take && p->op == LF_READ) {
                p->result.k = V_NONE;
                return R_OK;
            }
        }
        if (p->op == LF_READLINE) {
            uint8_t *nl = rd->len ? memchr(rd->buf, '\n', rd->len) : NULL;
            if (nl) {
                take = (size_t)(nl - rd->buf) + 1;
                ready = true;
            }
        } else if (p->cap && rd->len >= p->cap) {
            take = p->cap;
            ready = true;
        }
        if (!ready && rd->eof) {
            take = p->cap && p->cap < rd->len ? p->cap : rd->len;
            ready = true;
        }
        if (ready) {
            p->result.k = V_BYTES;
            p->result.data = malloc(take ? take : 1);
            if (!p->result.data)
                return raise(in, LESSON_EXC_MEMORY);
            p->result.len = take;
            if (take)
                memcpy(p->result.data, rd->buf, take);
            memmove(rd->buf, rd->buf + take, rd->len - take);
            rd->len -= take;
            return R_OK;
        }
        if (s->h < 0)
            return raise_errno(in, -EBADF);
        while (rd->cap - rd->len < chunk) {
            if (rd->cap > LESSON_MAX_DATA_BYTES)
                return raise(in, LESSON_EXC_MEMORY);
            size_t nc = rd->cap ? rd->cap * 2 : 16384;
            uint8_t *nb = realloc(rd->buf, nc);
            if (!nb)
                return raise(in, LESSON_EXC_MEMORY);
            rd->buf = nb;
            rd->cap = nc;
        }
        long n = in->be->ops->recv(in->be, s->h, rd->buf + rd->len, chunk);
        if (n > 0) {
            rd->len += (size_t)n;
            in->moved = true;
        } else if (n == 0)
            rd->eof = true;
        else if (n == -EAGAIN && s->blocking)
            return R_BLOCKED;
        else if (n == -EAGAIN)
            would_block = true;
        else
            return raise_errno(in, (int)n);
    }
}

/* recv(n): what has arrived, up to n bytes; b'' at the end of the stream. */
static rc_t recv_once(interp *in, pending *p, sockobj *s)
{
    lesson_backend *be = in->be;
    vshare *sh = NULL;
    uint8_t *buf = budget_alloc(in, p->cap, &sh);
    if (!buf)
        return raise(in, LESSON_EXC_MEMORY);
    long n = s->h < 0 ? -EBADF : be->ops->recv(be, s->h, buf, p->cap);
    if (n < 0) {
        data_release(buf, sh);
        if (n == -EAGAIN)
            return s->blocking ? R_BLOCKED : raise(in, LESSON_EXC_BLOCKING_IO);
        return raise_errno(in, (int)n);
    }
    /* Give back what recv(n) reserved but did not get. */
    if ((size_t)n < p->cap / 2)
        buf = budget_shrink(buf, sh, (size_t)n);
    p->result.k = V_BYTES;
    p->result.sh = sh;
    p->result.data = buf;
    p->result.len = (size_t)n;
    return R_OK;
}

/* recv(n, MSG_WAITALL): reads until n bytes or the end of the stream,
 * keeping what came across blocked retries in p->data. A non-blocking
 * socket returns what there is (BlockingIOError when nothing), as Linux
 * does; an error after some bytes returns those bytes. */
static rc_t recv_waitall(interp *in, pending *p, sockobj *s)
{
    lesson_backend *be = in->be;
    if (!p->data && !(p->data = budget_alloc(in, p->cap, &p->data_sh)))
        return raise(in, LESSON_EXC_MEMORY);
    long n = 0;
    while (p->len < p->cap) {
        n = s->h < 0 ? -EBADF : be->ops->recv(be, s->h, p->data + p->len, p->cap - p->len);
        if (n <= 0)
            break;
        p->len += (size_t)n;
        in->moved = true;
    }
    if (n == -EAGAIN && p->len < p->cap && (s->blocking || p->len == 0))
        return s->blocking ? R_BLOCKED : raise(in, LESSON_EXC_BLOCKING_IO);
    if (n < 0 && n != -EAGAIN && p->len == 0)
        return raise_errno(in, (int)n);
    p->result.k = V_BYTES;
    p->result.data = p->data;
    p->result.sh = p->data_sh;
    p->result.len = p->len;
    p->data = NULL;
    p->data_sh = NULL;
    p->len = 0;
    return R_OK;
}

/* The descriptor itself closes (a socket's close(), or its last file's). */
static void sock_real_close(interp *in, sockobj *s)
{
    if (s->h >= 0)
        in->be->ops->close(in->be, s->h);
    s->h = -1;
    s->blocked = false;
}

/* A makefile() object closed: as CPython's _decref_socketios(), the last
 * one closes a socket the program has already closed. */
static void sock_decref(interp *in, int sock)
{
    sockobj *s = &in->socks[sock];
    if (s->io_refs > 0 && --s->io_refs == 0 && s->py_closed)
        sock_real_close(in, s);
}

/* One raw write of a writer: sock.send() of the bytes (continuing this
 * call's write in the model's origin tracking once some went out). */
static long writer_send(interp *in, pending *p, sockobj *s, const uint8_t *d, size_t n)
{
    if (s->h < 0)
        return -EBADF;
    long r = in->be->ops->send(in->be, s->h, d, n, p->wsent ? LESSON_SEND_CONTINUE : 0);
    if (r > 0) {
        p->wsent += (size_t)r;
        in->moved = true;
    }
    return r;
}

/* write(), flush() and close() of makefile('wb'), as CPython's
 * BufferedWriter over SocketIO does them (Modules/_io/bufferedio.c):
 * the raw write is sock.send(), which on a blocking socket copies every
 * byte (blocking here while they do not fit) and on a non-blocking one
 * what fits. A flush that would block raises BlockingIOError and keeps
 * what was not written; a write that would block buffers what fits and
 * raises. buffering=0 is the raw SocketIO: write() is one send(), None
 * when it would block. close() flushes, then closes the file even when
 * the flush raised. */
static rc_t writer_run(interp *in, pending *p, sockobj *s)
{
    writerobj *w = &in->writers[p->obj];
    rc_t rc = R_OK;
    long n = 0;
    if (!w->ab) {
        if (p->op == LF_WRITE) {
            while (p->off < p->len) {
                n = writer_send(in, p, s, p->data + p->off, p->len - p->off);
                if (n <= 0)
                    break;
                p->off += (size_t)n;
                if (!s->blocking)
                    break;
            }
            if ((n == -EAGAIN || n == 0) && p->off < p->len && s->blocking && p->len)
                return R_BLOCKED;
            if (n < 0 && n != -EAGAIN && p->off == 0)
                rc = raise_errno(in, (int)n);
            else if (n == -EAGAIN && p->off == 0)
                p->result.k = V_NONE;
            else {
                p->result.k = V_INT;
                p->result.i = (int64_t)p->off;
            }
        }
        goto done;
    }
    size_t cap = lesson_appbuf_capacity_bytes(w->ab);
    while (!p->wdirect && lesson_appbuf_buffered_bytes(w->ab) > 0) {
        n = writer_send(in, p, s, lesson_appbuf_data(w->ab), lesson_appbuf_buffered_bytes(w->ab));
        if (n > 0) {
            lesson_appbuf_consume(w->ab, (size_t)n);
            continue;
        }
        if (n < 0 && n != -EAGAIN) {
            rc = raise_errno(in, (int)n);
            goto done;
        }
        if (s->blocking)
            return R_BLOCKED;
        if (p->op == LF_WRITE && lesson_appbuf_put(w->ab, p->data, p->len) == p->len) {
            p->result.k = V_INT;
            p->result.i = (int64_t)p->len;
        } else
            rc = raise(in, LESSON_EXC_BLOCKING_IO);
        goto done;
    }
    if (p->op != LF_WRITE)
        goto done;
    if (!p->wdirect) {
        p->wdirect = true;
        /* A blocking raw write takes all of what is larger than the buffer. */
        if (s->blocking && p->len > cap)
            cap = 0;
    } else if (s->blocking && p->off > 0)
        cap = 0;
    while (p->len - p->off > cap) {
        n = writer_send(in, p, s, p->data + p->off, p->len - p->off);
        if (n > 0) {
            p->off += (size_t)n;
            continue;
        }
        if (n < 0 && n != -EAGAIN) {
            rc = raise_errno(in, (int)n);
            goto done;
        }
        if (s->blocking)
            return R_BLOCKED;
        lesson_appbuf_put(w->ab, p->data + p->off, cap);
        rc = raise(in, LESSON_EXC_BLOCKING_IO);
        goto done;
    }
    lesson_appbuf_put(w->ab, p->data + p->off, p->len - p->off);
    p->result.k = V_INT;
    p->result.i = (int64_t)p->len;
done:
    if (p->op == LF_CLOSE && !w->closed) {
        w->closed = true;
        sock_decref(in, w->sock);
    }
    return rc;
}

/* Runs (or resumes) the blocking part of a call. */
static rc_t op_run(interp *in, pending *p, lesson_side side)
{
    lesson_backend *be = in->be;
    sockobj *s = NULL;
    rc_t rc = R_OK;
    if (p->op == LF_WRITE || p->op == LF_FLUSH || p->op == LF_CLOSE)
        s = &in->socks[in->writers[p->obj].sock];
    else if (p->op == LF_READ || p->op == LF_READLINE)
        s = &in->socks[in->readers[p->obj].sock];
    else if (p->op != LF_SLEEP)
        s = &in->socks[p->obj];
    switch (p->op) {
    case LF_SLEEP:
        rc = be->ops->now_us(be) >= p->until_us ? R_OK : R_BLOCKED;
        break;
    case LF_ACCEPT: {
        uint16_t port = 0;
        int h = s->h < 0 ? -EBADF : be->ops->accept(be, s->h, &port);
        if (h == -EAGAIN) {
            rc = s->blocking ? R_BLOCKED : raise(in, LESSON_EXC_BLOCKING_IO);
            break;
        }
        if (h < 0) {
            rc = raise_errno(in, h);
            break;
        }
        value conn = {0};
        rc = new_sock(in, side, h, &conn);
        if (rc != R_OK)
            break;
        p->result.k = V_TUPLE;
        p->result.a = calloc(1, sizeof(value));
        p->result.b = calloc(1, sizeof(value));
        if (!p->result.a || !p->result.b) {
            rc = raise(in, LESSON_EXC_MEMORY);
            break;
        }
        *p->result.a = conn;
        value *addr = p->result.b;
        addr->k = V_TUPLE;
        addr->a = calloc(1, sizeof(value));
        addr->b = calloc(1, sizeof(value));
        if (!addr->a || !addr->b || !(addr->a->data = (uint8_t *)strdup("127.0.0.1"))) {
            rc = raise(in, LESSON_EXC_MEMORY);
            break;
        }
        addr->a->k = V_STR;
        addr->a->len = 9;
        addr->b->k = V_INT;
        addr->b->i = port;
        break;
    }
    case LF_CONNECT: {
        int r = s->h < 0 ? -EBADF : be->ops->connect_result(be, s->h);
        if (r == -EINPROGRESS)
            rc = R_BLOCKED;
        else if (r < 0)
            rc = raise_errno(in, r);
        break;
    }
    case LF_SEND: {
        /* Linux's blocking send() waits until every byte is copied and
         * returns len(data); an error after some bytes returns their count.
         * A non-blocking one copies what fits, once. */
        long n = 0;
        do {
            int fl = (p->more ? LESSON_SEND_MORE : 0) | (p->off > 0 ? LESSON_SEND_CONTINUE : 0);
            n = s->h < 0 ? -EBADF : be->ops->send(be, s->h, p->data + p->off, p->len - p->off, fl);
            if (n > 0) {
                p->off += (size_t)n;
                in->moved = true;
            }
        } while (n > 0 && s->blocking && p->off < p->len);
        if ((n == -EAGAIN || n == 0) && p->off == 0)
            rc = s->blocking ? R_BLOCKED : raise(in, LESSON_EXC_BLOCKING_IO);
        else if ((n == -EAGAIN || n == 0) && s->blocking && p->off < p->len)
            rc = R_BLOCKED;
        else if (n < 0 && n != -EAGAIN && p->off == 0)
            rc = raise_errno(in, (int)n);
        else {
            p->result.k = V_INT;
            p->result.i = (int64_t)p->off;
        }
        break;
    }
    case LF_RECV:
        rc = p->waitall ? recv_waitall(in, p, s) : recv_once(in, p, s);
        break;
    case LF_SENDALL:
        rc = push_bytes(in, p, s);
        break;
    case LF_WRITE:
    case LF_FLUSH:
    case LF_CLOSE:
        rc = writer_run(in, p, s);
        break;
    case LF_READ:
    case LF_READLINE:
        rc = reader_fill(in, p, s);
        break;
    default:
        break;
    }
    if (s)
        s->blocked = rc == R_BLOCKED;
    if (rc == R_BLOCKED)
        return rc;
    p->op_active = false;
    pending_drop_data(p);
    if (rc == R_OK) {
        p->memo[p->call_id] = p->result;
        p->have[p->call_id] = true;
        memset(&p->result, 0, sizeof p->result);
    } else {
        value_free(&p->result);
    }
    return rc;
}

/* Starts a call whose part may block: the pending op, run at once. */
static rc_t op_start(interp *in, pending *p, lesson_side side, const lesson_expr *e, int obj)
{
    p->op_active = true;
    p->op = e->func;
    p->call_id = e->call_id;
    p->obj = obj;
    return op_run(in, p, side);
}

static rc_t need_bytes(interp *in, const value *v)
{
    return v->k == V_BYTES ? R_OK : raise(in, LESSON_EXC_TYPE);
}

static rc_t need_int(interp *in, const value *v)
{
    return (v->k == V_INT || v->k == V_BOOL) ? R_OK : raise(in, LESSON_EXC_TYPE);
}

/* Takes a copy of data for the pending op. */
static rc_t take_data(interp *in, pending *p, const uint8_t *d, size_t n)
{
    p->data = malloc(n ? n : 1);
    if (!p->data)
        return raise(in, LESSON_EXC_MEMORY);
    if (n)
        memcpy(p->data, d, n);
    p->len = n;
    p->off = 0;
    return R_OK;
}

static rc_t address_port(interp *in, const value *addr, uint16_t *port)
{
    if (addr->k != V_TUPLE || addr->a->k != V_STR || addr->b->k != V_INT)
        return raise(in, LESSON_EXC_TYPE);
    const value *h = addr->a;
    bool loop = h->len == 0 || (h->len == 9 && !memcmp(h->data, "localhost", 9)) ||
                (h->len == 9 && !memcmp(h->data, "127.0.0.1", 9));
    if (!loop)
        return raise(in, LESSON_EXC_OS); /* only loopback is reachable */
    if (addr->b->i < 0 || addr->b->i > 65535)
        return raise(in, LESSON_EXC_OVERFLOW);
    *port = (uint16_t)addr->b->i;
    return R_OK;
}

static rc_t call_socket_method(interp *in, pending *p, lesson_side side, const lesson_expr *e,
                               value *obj, value *args, value *out)
{
    sockobj *s = sock_of(in, obj);
    lesson_backend *be = in->be;
    rc_t rc = R_OK;
    int r;
    if (!s)
        return raise(in, LESSON_EXC_ATTRIBUTE);
    if (s->h < 0 && e->func != LF_CLOSE)
        return raise_errno(in, -EBADF);
    switch (e->func) {
    case LF_BIND: {
        uint16_t port;
        if ((rc = address_port(in, &args[0], &port)) != R_OK)
            return rc;
        r = be->ops->bind(be, s->h, port);
        return r < 0 ? raise_errno(in, r) : R_OK;
    }
    case LF_LISTEN: {
        int backlog = 128;
        if (e->nargs) {
            if ((rc = need_int(in, &args[0])) != R_OK)
                return rc;
            backlog = args[0].i < 0 ? 0 : (args[0].i > 4096 ? 4096 : (int)args[0].i);
        }
        r = be->ops->listen(be, s->h, backlog);
        return r < 0 ? raise_errno(in, r) : R_OK;
    }
    case LF_ACCEPT:
        return op_start(in, p, side, e, (int)obj->i);
    case LF_CONNECT: {
        uint16_t port;
        if ((rc = address_port(in, &args[0], &port)) != R_OK)
            return rc;
        r = be->ops->connect(be, s->h, port);
        if (r == 0)
            return R_OK;
        if (r != -EINPROGRESS)
            return raise_errno(in, r);
        if (!s->blocking)
            return raise(in, LESSON_EXC_BLOCKING_IO);
        return op_start(in, p, side, e, (int)obj->i);
    }
    case LF_SEND:
    case LF_SENDALL:
        if ((rc = need_bytes(in, &args[0])) != R_OK)
            return rc;
        if (args[0].len >= SHARE_MIN_BYTES) { /* the value's bytes, shared */
            if (!(p->data_sh = value_share(&args[0])))
                return raise(in, LESSON_EXC_MEMORY);
            p->data = args[0].data;
            p->len = args[0].len;
            p->off = 0;
        } else if ((rc = take_data(in, p, args[0].data, args[0].len)) != R_OK)
            return rc;
        p->more = e->nargs == 2 && e->args[1]->kind == LX_CONST;
        if (e->func == LF_SEND && args[0].len == 0) {
            pending_drop_data(p);
            out->k = V_INT;
            return R_OK;
        }
        return op_start(in, p, side, e, (int)obj->i);
    case LF_RECV:
        if ((rc = need_int(in, &args[0])) != R_OK)
            return rc;
        if (args[0].i < 0)
            return raise(in, LESSON_EXC_VALUE);
        if (args[0].i == 0) {
            out->k = V_BYTES;
            out->data = malloc(1);
            return out->data ? R_OK : raise(in, LESSON_EXC_MEMORY);
        }
        p->cap = args[0].i > (int64_t)LESSON_MAX_DATA_BYTES ? (size_t)LESSON_MAX_DATA_BYTES
                                                            : (size_t)args[0].i;
        p->waitall = e->nargs == 2 && e->args[1]->kind == LX_CONST;
        p->len = 0;
        return op_start(in, p, side, e, (int)obj->i);
    case LF_SETBLOCKING:
        s->blocking = truthy(&args[0]);
        return R_OK;
    case LF_SETSOCKOPT:
        if ((rc = need_int(in, &args[2])) != R_OK)
            return rc;
        if (args[2].i < INT32_MIN || args[2].i > INT32_MAX)
            return raise(in, LESSON_EXC_OVERFLOW);
        r = be->ops->setsockopt(be, s->h, (lesson_const)e->args[1]->i, (int)args[2].i);
        return r < 0 ? raise_errno(in, r) : R_OK;
    case LF_GETSOCKOPT: {
        int v = 0;
        r = be->ops->getsockopt(be, s->h, (lesson_const)e->args[1]->i, &v);
        if (r < 0)
            return raise_errno(in, r);
        out->k = V_INT;
        out->i = v;
        return R_OK;
    }
    case LF_SHUTDOWN:
        r = be->ops->shutdown(be, s->h, (lesson_const)e->args[0]->i);
        return r < 0 ? raise_errno(in, r) : R_OK;
    case LF_CLOSE:
        /* CPython: the descriptor stays open while makefile() objects are. */
        s->py_closed = true;
        if (s->io_refs <= 0)
            sock_real_close(in, s);
        return R_OK;
    case LF_MAKEFILE: {
        /* CPython's makefile(): buffering None or negative is 8192, 0 the
         * raw SocketIO itself, N a buffer of N bytes. */
        long cap = LESSON_APPBUF_DEFAULT_BYTES;
        for (int i = 1; i < e->nargs; i++)
            if (args[i].k == V_INT)
                cap = args[i].i < 0 ? LESSON_APPBUF_DEFAULT_BYTES
                                    : (args[i].i > (1 << 26) ? (1 << 26) : (long)args[i].i);
        if (args[0].k == V_STR && args[0].len == 2 && !memcmp(args[0].data, "rb", 2)) {
            if (in->nreaders >= MAX_WRITERS)
                return raise(in, LESSON_EXC_OS);
            memset(&in->readers[in->nreaders], 0, sizeof in->readers[0]);
            in->readers[in->nreaders].sock = (int)obj->i;
            in->readers[in->nreaders].side = side;
            in->readers[in->nreaders].chunk = (size_t)cap;
            s->io_refs++;
            out->k = V_READER;
            out->i = in->nreaders++;
            return R_OK;
        }
        if (in->nwriters >= MAX_WRITERS)
            return raise(in, LESSON_EXC_OS);
        writerobj *w = &in->writers[in->nwriters];
        memset(w, 0, sizeof *w);
        w->ab = cap ? lesson_appbuf_new(cap) : NULL;
        if (cap && !w->ab)
            return raise(in, LESSON_EXC_MEMORY);
        s->io_refs++;
        w->sock = (int)obj->i;
        w->side = side;
        out->k = V_WRITER;
        out->i = in->nwriters++;
        return R_OK;
    }
    default:
        return raise(in, LESSON_EXC_ATTRIBUTE);
    }
}

static rc_t call_writer_method(interp *in, pending *p, lesson_side side, const lesson_expr *e,
                               value *obj, value *args, value *out)
{
    if (obj->k != V_WRITER)
        return raise(in, LESSON_EXC_ATTRIBUTE);
    writerobj *w = &in->writers[obj->i];
    rc_t rc;
    if (w->closed)
        return e->func == LF_CLOSE ? R_OK : raise(in, LESSON_EXC_VALUE);
    p->wdirect = false;
    p->wsent = 0;
    p->more = false;
    p->data = NULL;
    p->len = p->off = 0;
    switch (e->func) {
    case LF_WRITE:
        if ((rc = need_bytes(in, &args[0])) != R_OK)
            return rc;
        if (w->ab && args[0].len <= lesson_appbuf_capacity_bytes(w->ab) -
                                          lesson_appbuf_buffered_bytes(w->ab)) {
            lesson_appbuf_put(w->ab, args[0].data, args[0].len); /* fits: only buffered */
            out->k = V_INT;
            out->i = (int64_t)args[0].len;
            return R_OK;
        }
        if ((rc = take_data(in, p, args[0].data, args[0].len)) != R_OK)
            return rc;
        break;
    case LF_FLUSH:
        if (!w->ab || !lesson_appbuf_buffered_bytes(w->ab))
            return R_OK;
        break;
    case LF_CLOSE:
        break;
    default:
        return raise(in, LESSON_EXC_ATTRIBUTE);
    }
    return op_start(in, p, side, e, (int)obj->i);
}

static rc_t call_file_method(interp *in, const lesson_expr *e, value *obj, value *args, value *out)
{
    if (obj->k != V_FILE)
        return raise(in, LESSON_EXC_ATTRIBUTE);
    fileobj *f = &in->files[obj->i];
    const lesson_file *lf = &in->doc->files[f->file];
    if (e->func == LF_CLOSE) {
        f->closed = true;
        return R_OK;
    }
    if (f->closed)
        return raise(in, LESSON_EXC_VALUE);
    size_t left = (size_t)lf->size_bytes - f->pos;
    size_t n = left;
    if (e->nargs == 1) {
        rc_t rc = need_int(in, &args[0]);
        if (rc != R_OK)
            return rc;
        if (args[0].i >= 0 && (uint64_t)args[0].i < n)
            n = (size_t)args[0].i;
    }
    out->k = V_BYTES;
    out->data = budget_alloc(in, n, &out->sh);
    if (!out->data)
        return raise(in, LESSON_EXC_MEMORY);
    out->len = n;
    if (lf->inline_data)
        memcpy(out->data, lf->inline_data + f->pos, n);
    else
        file_fill(out->data, f->pos, n);
    f->pos += n;
    return R_OK;
}

static rc_t call(interp *in, pending *p, lesson_side side, const lesson_expr *e, value *obj,
                 value *args, value *out)
{
    char buf[PRINT_REPR_MAX + 64];
    switch (e->func) {
    case LF_SOCKET: {
        int h = in->be->ops->socket(in->be, side);
        return h < 0 ? raise_errno(in, h) : new_sock(in, side, h, out);
    }
    case LF_OPEN:
        for (size_t i = 0; i < in->doc->nfiles; i++) {
            const lesson_file *lf = &in->doc->files[i];
            if (args[0].k == V_STR && strlen(lf->name) == args[0].len &&
                !memcmp(lf->name, args[0].data, args[0].len)) {
                if (in->nfiles >= MAX_OPEN_FILES)
                    return raise(in, LESSON_EXC_OS);
                in->files[in->nfiles] = (fileobj){.file = (int)i};
                out->k = V_FILE;
                out->i = in->nfiles++;
                return R_OK;
            }
        }
        return raise(in, LESSON_EXC_FILE_NOT_FOUND);
    case LF_LEN:
        out->k = V_INT;
        if (args[0].k == V_BYTES)
            out->i = (int64_t)args[0].len;
        else if (args[0].k == V_STR) {
            for (size_t i = 0; i < args[0].len; i++)
                out->i += (args[0].data[i] & 0xC0) != 0x80;
        } else if (args[0].k == V_TUPLE)
            out->i = 2;
        else
            return raise_msg(in, LESSON_EXC_TYPE, "TypeError: object has no len()");
        return R_OK;
    case LF_PRINT: {
        lesson_view *v = &in->view;
        size_t o = 0;
        buf[0] = '\0';
        for (int i = 0; i < e->nargs; i++) {
            char one[PRINT_REPR_MAX + 16];
            print_value(one, sizeof one, &args[i], true);
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? " " : "", one);
            if (o >= sizeof buf)
                o = sizeof buf - 1;
        }
        if (v->nprinted[side] < MAX_PRINTED) {
            lesson_result *r = add_result(in, LESSON_RESULT_PRINT, side, p->ln->line);
            if (!r)
                return raise(in, LESSON_EXC_MEMORY);
            size_t blen = strnlen(buf, sizeof r->repr - 1);
            memcpy(r->repr, buf, blen);
            r->repr[blen] = '\0';
            r->has_length = true;
            r->length = strlen(buf);
            v->nprinted[side]++;
        }
        return R_OK;
    }
    case LF_SLEEP: {
        const lesson_expr *a = e->args[0];
        uint64_t us = a->kind == LX_SECONDS ? (uint64_t)a->i : (uint64_t)a->i * 1000000;
        p->until_us = in->be->ops->now_us(in->be) + us;
        return op_start(in, p, side, e, -1);
    }
    case LF_MONOTONIC:
        out->k = V_FLOAT;
        out->f = in->be->ops->monotonic_s(in->be);
        return R_OK;
    case LF_WRITE:
    case LF_FLUSH:
        return call_writer_method(in, p, side, e, obj, args, out);
    case LF_READ:
    case LF_READLINE:
        if (obj->k == V_READER) {
            readerobj *rd = &in->readers[obj->i];
            if (rd->closed)
                return raise(in, LESSON_EXC_VALUE);
            p->cap = 0;
            if (e->func == LF_READ && e->nargs == 1) {
                rc_t rc = need_int(in, &args[0]);
                if (rc != R_OK)
                    return rc;
                if (args[0].i == 0) {
                    out->k = V_BYTES;
                    out->data = malloc(1);
                    return out->data ? R_OK : raise(in, LESSON_EXC_MEMORY);
                }
                if (args[0].i > 0)
                    p->cap = args[0].i > (int64_t)LESSON_MAX_DATA_BYTES
                                 ? (size_t)LESSON_MAX_DATA_BYTES
                                 : (size_t)args[0].i;
            }
            return op_start(in, p, side, e, (int)obj->i);
        }
        if (e->func == LF_READLINE)
            return raise(in, LESSON_EXC_ATTRIBUTE);
        return call_file_method(in, e, obj, args, out);
    case LF_CLOSE:
        if (obj->k == V_READER) {
            if (!in->readers[obj->i].closed) {
                in->readers[obj->i].closed = true;
                sock_decref(in, in->readers[obj->i].sock);
            }
            return R_OK;
        }
        if (obj->k == V_WRITER)
            return call_writer_method(in, p, side, e, obj, args, out);
        if (obj->k == V_FILE)
            return call_file_method(in, e, obj, args, out);
        return call_socket_method(in, p, side, e, obj, args, out);
    default:
        return call_socket_method(in, p, side, e, obj, args, out);
    }
}

/* out = x - y with Python's rules (x and y are freed). */
static rc_t sub_values(interp *in, value *x, value *y, value *out)
{
    rc_t rc = R_OK;
    bool xn = x->k == V_INT || x->k == V_BOOL || x->k == V_FLOAT;
    bool yn = y->k == V_INT || y->k == V_BOOL || y->k == V_FLOAT;
    memset(out, 0, sizeof *out);
    if (!xn || !yn) {
        rc = raise(in, LESSON_EXC_TYPE);
    } else if (x->k == V_FLOAT || y->k == V_FLOAT) {
        out->k = V_FLOAT;
        out->f = (x->k == V_FLOAT ? x->f : (double)x->i) - (y->k == V_FLOAT ? y->f : (double)y->i);
    } else if ((y->i < 0 && x->i > INT64_MAX + y->i) || (y->i > 0 && x->i < INT64_MIN + y->i)) {
        rc = raise(in, LESSON_EXC_OVERFLOW);
    } else {
        out->k = V_INT;
        out->i = x->i - y->i;
    }
    value_free(x);
    value_free(y);
    return rc;
}

/* a - b - c - ... is a left-deep tree as deep as the chain is long: its
 * right operands are gathered from the spine into an array and applied
 * left to right in a loop, so evaluation never recurses per operand. */
static rc_t eval_sub_chain(interp *in, pending *p, lesson_side side, const lesson_expr *e,
                           value *out)
{
    size_t n = 0;
    const lesson_expr *x = e;
    for (; x->kind == LX_SUB; x = x->a)
        n++;
    const lesson_expr **rhs = malloc(n * sizeof *rhs);
    if (!rhs)
        return raise(in, LESSON_EXC_MEMORY);
    size_t k = n;
    for (const lesson_expr *y = e; y->kind == LX_SUB; y = y->a)
        rhs[--k] = y->b;
    value acc;
    rc_t rc = eval(in, p, side, x, &acc);
    for (size_t i = 0; rc == R_OK && i < n; i++) {
        value b, d;
        rc = eval(in, p, side, rhs[i], &b);
        if (rc != R_OK) {
            value_free(&acc);
            break;
        }
        rc = sub_values(in, &acc, &b, &d); /* frees acc and b */
        acc = d;
    }
    if (rc == R_OK)
        *out = acc;
    free(rhs);
    return rc;
}

static rc_t eval_attr(interp *in, pending *p, lesson_side side, const lesson_expr *e, value *out);

static rc_t eval(interp *in, pending *p, lesson_side side, const lesson_expr *e, value *out)
{
    memset(out, 0, sizeof *out);
    switch (e->kind) {
    case LX_ATTR:
        return eval_attr(in, p, side, e, out);
    case LX_ERROR:
        /* `error`: the side's last exception, None before the first. */
        if (in->view.error[side] != LESSON_EXC_NONE) {
            out->k = V_EXC;
            out->i = in->view.error[side];
        }
        return R_OK;
    case LX_STATE:
        out->k = V_STATE;
        out->i = e->i;
        out->len = e->len;
        return R_OK;
    case LX_EXC:
        out->k = V_EXC;
        out->i = e->i;
        return R_OK;
    case LX_INT:
    case LX_CONST:
        out->k = V_INT;
        out->i = e->i;
        return R_OK;
    case LX_SECONDS:
        out->k = V_FLOAT;
        out->f = e->f;
        return R_OK;
    case LX_SUB:
        return eval_sub_chain(in, p, side, e, out);
    case LX_BOOL:
        out->k = V_BOOL;
        out->i = e->i;
        return R_OK;
    case LX_NONE:
        return R_OK;
    case LX_BYTES:
    case LX_STR: {
        /* A copy: the lesson's tree owns e->data, so it is never shared. */
        out->k = e->kind == LX_BYTES ? V_BYTES : V_STR;
        out->data = malloc(e->len ? e->len : 1);
        if (!out->data)
            return raise(in, LESSON_EXC_MEMORY);
        if (e->len)
            memcpy(out->data, e->data, e->len);
        out->len = e->len;
        return R_OK;
    }
    case LX_VAR: {
        var *x = var_get(in, side, e->name);
        if (!x)
            return raise_msg(in, LESSON_EXC_NAME, "NameError: name '%s' is not defined", e->name);
        return value_copy(out, &x->v) ? raise(in, LESSON_EXC_MEMORY) : R_OK;
    }
    case LX_TUPLE: {
        out->k = V_TUPLE;
        out->a = calloc(1, sizeof(value));
        out->b = calloc(1, sizeof(value));
        if (!out->a || !out->b) {
            value_free(out);
            return raise(in, LESSON_EXC_MEMORY);
        }
        rc_t rc = eval(in, p, side, e->a, out->a);
        if (rc == R_OK)
            rc = eval(in, p, side, e->b, out->b);
        if (rc != R_OK)
            value_free(out);
        return rc;
    }
    case LX_REPEAT: {
        value base;
        rc_t rc = eval(in, p, side, e->a, &base);
        if (rc != R_OK)
            return rc;
        size_t total = base.len * (size_t)e->i;
        out->k = V_BYTES;
        out->data = budget_alloc(in, total, &out->sh);
        if (!out->data) {
            value_free(&base);
            return raise(in, LESSON_EXC_MEMORY);
        }
        if (base.len == 1)
            memset(out->data, base.data[0], total);
        else
            for (int64_t r = 0; r < e->i; r++)
                memcpy(out->data + (size_t)r * base.len, base.data, base.len);
        out->len = total;
        value_free(&base);
        return R_OK;
    }
    case LX_CALL:
        break;
    }
    if (p->have[e->call_id])
        return value_copy(out, &p->memo[e->call_id]) ? raise(in, LESSON_EXC_MEMORY) : R_OK;
    value obj = {0}, args[LESSON_MAX_ARGS];
    memset(args, 0, sizeof args);
    rc_t rc = R_OK;
    if (e->recv)
        rc = eval(in, p, side, e->recv, &obj);
    for (int i = 0; rc == R_OK && i < e->nargs; i++)
        rc = eval(in, p, side, e->args[i], &args[i]);
    if (rc == R_OK)
        rc = call(in, p, side, e, &obj, args, out);
    value_free(&obj);
    for (int i = 0; i < e->nargs; i++)
        value_free(&args[i]);
    if (rc == R_OK && !p->have[e->call_id]) {
        /* A call that completed at once: remember it like a resumed one. */
        if (value_copy(&p->memo[e->call_id], out) == 0)
            p->have[e->call_id] = true;
    } else if (rc == R_OK) {
        value_free(out);
        rc = value_copy(out, &p->memo[e->call_id]) ? raise(in, LESSON_EXC_MEMORY) : R_OK;
    }
    return rc;
}

/* Runs or resumes one statement. */
static rc_t exec_stmt(interp *in, pending *p, lesson_side side)
{
    const struct lesson_ast *a = p->ln->ast;
    rc_t rc;
    if (a->kind == LS_IMPORT)
        return R_OK;
    if (p->op_active) {
        rc = op_run(in, p, side);
        if (rc != R_OK)
            return rc;
    }
    if (a->with_expr && !p->with_done) {
        value f;
        rc = eval(in, p, side, a->with_expr, &f);
        if (rc != R_OK)
            return rc;
        rc = var_set(in, side, a->with_name, &f);
        if (rc != R_OK)
            return rc;
        p->with_done = true;
    }
    value v;
    rc = eval(in, p, side, a->expr, &v);
    if (rc != R_OK)
        return rc;
    int line = p->ln->line;
    if (a->ntargets == 1) {
        note_value(in, LESSON_RESULT_ASSIGN, side, line, a->target[0], &v);
        rc = var_set(in, side, a->target[0], &v);
    } else if (a->ntargets == 2) {
        if (v.k != V_TUPLE) {
            value_free(&v);
            rc = raise(in, LESSON_EXC_TYPE);
        } else {
            note_value(in, LESSON_RESULT_ASSIGN, side, line, a->target[0], v.a);
            note_value(in, LESSON_RESULT_ASSIGN, side, line, a->target[1], v.b);
            rc = var_set(in, side, a->target[0], v.a);
            if (rc == R_OK)
                rc = var_set(in, side, a->target[1], v.b);
            value_free(&v);
        }
    } else {
        /* An expression statement's value (s.send(...) -> 5), as the
         * interactive interpreter would echo it; None is not shown. */
        if (v.k != V_NONE && a->expr && a->expr->kind == LX_CALL && a->expr->func != LF_PRINT)
            note_value(in, LESSON_RESULT_RETURN, side, line, NULL, &v);
        value_free(&v);
    }
    if (a->with_expr) {
        var *f = var_get(in, side, a->with_name);
        if (f && f->v.k == V_FILE)
            in->files[f->v.i].closed = true;
    }
    return rc;
}

static void pending_free(pending *p)
{
    if (!p)
        return;
    for (int i = 0; i < LESSON_MAX_CALLS; i++)
        value_free(&p->memo[i]);
    value_free(&p->result);
    pending_drop_data(p);
    free(p);
}

/* Runs every queue head that can run, until nothing moves. Returns
 * whether anything completed. */
static bool pump(interp *in)
{
    bool progress = false;
    for (int guard = 0; guard < LOOP_GUARD; guard++) {
        bool any = false;
        for (int side = 0; side < 2; side++) {
            sidequeue *q = &in->queue[side];
            while (q->n > 0) {
                pending *p = q->q[0];
                in->raised = LESSON_EXC_NONE;
                rc_t rc = exec_stmt(in, p, (lesson_side)side);
                if (rc == R_BLOCKED) {
                    if (p->status)
                        p->status->st = (lesson_status){LESSON_STMT_BLOCKED, LESSON_EXC_NONE};
                    break;
                }
                if (rc == R_RAISED) {
                    in->view.error[side] = in->raised;
                    if (p->status)
                        p->status->st = (lesson_status){LESSON_STMT_ERROR, in->raised};
                    lesson_result *r =
                        add_result(in, LESSON_RESULT_EXCEPTION, (lesson_side)side, p->ln->line);
                    if (r) {
                        r->exc = in->raised;
                        snprintf(r->repr, sizeof r->repr, "%s", lesson_exc_name(in->raised));
                    }
                } else if (p->status) {
                    p->status->st = (lesson_status){LESSON_STMT_DONE, LESSON_EXC_NONE};
                }
                pending_free(p);
                memmove(q->q, q->q + 1, (size_t)(q->n - 1) * sizeof *q->q);
                q->n--;
                any = true;
            }
        }
        if (!any)
            break;
        progress = true;
    }
    /* Which sockets are blocked: those a queue head waits on. */
    for (int i = 0; i < in->nsocks; i++)
        in->socks[i].blocked = false;
    for (int side = 0; side < 2; side++) {
        sidequeue *q = &in->queue[side];
        in->view.blocked[side] = q->n > 0;
        if (q->n > 0 && q->q[0]->op_active && q->q[0]->op != LF_SLEEP) {
            pending *p = q->q[0];
            int so = p->obj;
            if (p->op == LF_WRITE || p->op == LF_FLUSH || p->op == LF_CLOSE)
                so = in->writers[p->obj].sock;
            else if (p->op == LF_READ || p->op == LF_READLINE)
                so = in->readers[p->obj].sock;
            if (so >= 0 && so < in->nsocks)
                in->socks[so].blocked = true;
        }
    }
    return progress;
}

static bool any_blocked(const interp *in)
{
    return in->queue[0].n > 0 || in->queue[1].n > 0;
}

/* The earliest deadline of a sleeping side, or UINT64_MAX. */
static uint64_t sleep_deadline(const interp *in)
{
    uint64_t t = UINT64_MAX;
    for (int side = 0; side < 2; side++) {
        const sidequeue *q = &in->queue[side];
        if (q->n > 0 && q->q[0]->op_active && q->q[0]->op == LF_SLEEP && q->q[0]->until_us < t)
            t = q->q[0]->until_us;
    }
    return t;
}

static void wait_for(interp *in, uint64_t d_us)
{
    lesson_backend *be = in->be;
    uint64_t target = be->ops->now_us(be) + d_us;
    if (target > in->budget_end_us)
        target = in->budget_end_us; /* the real clock cannot wait past the budget */
    for (int guard = 0; guard < LOOP_GUARD; guard++) {
        pump(in);
        if (be->ops->now_us(be) >= target)
            break;
        uint64_t next = be->ops->next_event_us(be);
        uint64_t sl = sleep_deadline(in);
        if (sl < next)
            next = sl;
        if (next > target)
            next = target;
        be->ops->advance(be, next);
    }
    pump(in);
}

static void settle(interp *in)
{
    lesson_backend *be = in->be;
    uint64_t allow = be->ops->settle_budget_us;
    uint64_t deadline = be->ops->now_us(be) + allow;
    if (deadline > in->budget_end_us)
        deadline = in->budget_end_us;
    for (int guard = 0; guard < LOOP_GUARD; guard++) {
        in->moved = false;
        pump(in);
        if (!any_blocked(in)) {
            be->ops->settle(be);
            if (!pump(in))
                break;
            continue;
        }
        /* A side waits: let the connection move one event at a time and
         * retry after each, until it rests (the model idle, the kernel's
         * counters still) or a sleeping side's time comes. */
        uint64_t sl = sleep_deadline(in);
        /* A sleep is waited for whole in both modes (time.sleep(1) takes
         * a second), and what follows it gets the usual time to settle;
         * only the lesson's time budget cuts it short. */
        if (sl != UINT64_MAX && sl + allow > deadline) {
            deadline = sl + allow;
            if (deadline > in->budget_end_us)
                deadline = in->budget_end_us;
        }
        uint64_t until = sl < deadline ? sl : deadline;
        /* A blocked call that still moves bytes (a sendall filling the
         * send buffer, a MSG_WAITALL recv draining the receive buffer) is
         * progress even when the counters look the same between samples. */
        bool moved = in->moved;
        if (be->ops->settle_step(be, until) || moved)
            continue;
        if (sl > deadline || be->ops->now_us(be) >= deadline)
            break;
        be->ops->advance(be, sl);
    }
}

/* ----------------------------------------------------------- views */

static void build_view(interp *in)
{
    lesson_view *v = &in->view;
    v->time_us = in->be->ops->now_us(in->be);
    v->nsocks = 0;
    for (int i = 0; i < in->nsocks && v->nsocks < LESSON_MAX_SOCKS; i++) {
        sockobj *s = &in->socks[i];
        sock_view *sv = &v->socks[v->nsocks++];
        memset(sv, 0, sizeof *sv);
        if (s->name[0])
            snprintf(sv->name, sizeof sv->name, "%s", s->name);
        else
            snprintf(sv->name, sizeof sv->name, "%s.#%d", lesson_side_name(s->side), i + 1);
        sv->side = s->side;
        sv->blocked = s->blocked;
        sv->closed = s->h < 0;
        sv->handle = s->handle;
        if (s->h < 0 || in->be->ops->probe(in->be, s->h, &sv->probe) < 0)
            memset(&sv->probe, 0, sizeof sv->probe); /* CLOSED */
    }
    v->nfiles = 0;
    for (int i = 0; i < in->nwriters && v->nfiles < LESSON_MAX_FILES; i++) {
        writerobj *w = &in->writers[i];
        file_view *fv = &v->files[v->nfiles++];
        memset(fv, 0, sizeof *fv);
        if (w->name[0])
            snprintf(fv->name, sizeof fv->name, "%s", w->name);
        else
            snprintf(fv->name, sizeof fv->name, "%s.#w%d", lesson_side_name(w->side), i + 1);
        fv->side = w->side;
        fv->buffered_bytes = w->ab ? (uint32_t)lesson_appbuf_buffered_bytes(w->ab) : 0;
        fv->capacity_bytes = w->ab ? (uint32_t)lesson_appbuf_capacity_bytes(w->ab) : 0;
        fv->sock = w->sock < v->nsocks ? w->sock : -1;
    }
    /* makefile('rb') readers: the bytes BufferedReader has read ahead. */
    for (int i = 0; i < in->nreaders && v->nfiles < LESSON_MAX_FILES; i++) {
        readerobj *rd = &in->readers[i];
        file_view *fv = &v->files[v->nfiles++];
        memset(fv, 0, sizeof *fv);
        if (rd->name[0])
            snprintf(fv->name, sizeof fv->name, "%s", rd->name);
        else
            snprintf(fv->name, sizeof fv->name, "%s.#r%d", lesson_side_name(rd->side), i + 1);
        fv->side = rd->side;
        fv->reader = true;
        fv->buffered_bytes = (uint32_t)rd->len;
        fv->capacity_bytes = rd->len > READER_CHUNK_BYTES ? (uint32_t)rd->len : READER_CHUNK_BYTES;
        fv->sock = rd->sock < v->nsocks ? rd->sock : -1;
    }
}

static int cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : (a > b);
}

static int cmp_f64(double a, double b)
{
    return a < b ? -1 : (a > b);
}

/* Compares a number (int or float) with an expectation's number. */
static int cmp_num(bool af, int64_t ai, double ad, bool bf, int64_t bi, double bd)
{
    if (!af && !bf)
        return cmp_i64(ai, bi);
    return cmp_f64(af ? ad : (double)ai, bf ? bd : (double)bi);
}

static bool op_holds(lesson_op op, int c)
{
    switch (op) {
    case LO_EQ:
        return c == 0;
    case LO_NE:
        return c != 0;
    case LO_LT:
        return c < 0;
    case LO_LE:
        return c <= 0;
    case LO_GT:
        return c > 0;
    case LO_GE:
        return c >= 0;
    }
    return false;
}

/* A value as an expectation's "got" shows it: long bytes or str as their
 * length and first bytes ("204800 bytes b'\\x00\\x01...'"). */
static void got_value(char *out, size_t outlen, const value *v)
{
    if ((v->k == V_BYTES || v->k == V_STR) && v->len > GOT_SHORT_BYTES) {
        char head[96];
        cli_repr(head, sizeof head, v->data, v->len, v->k == V_BYTES, GOT_SHORT_BYTES);
        snprintf(out, outlen, "%zu %s %s", v->len, v->k == V_BYTES ? "bytes" : "chars", head);
        return;
    }
    print_value(out, outlen, v, false);
    if (strlen(out) > GOT_MAX)
        snprintf(out + GOT_MAX - 3, outlen - GOT_MAX + 3, "...");
}

/* VAR.ATTRIBUTE: the kernel's or the model's counter of a socket, as this
 * mode's last view has it, or what a makefile() object holds. */
static rc_t eval_attr(interp *in, pending *p, lesson_side side, const lesson_expr *e, value *out)
{
    value obj;
    rc_t rc = eval(in, p, side, e->a, &obj);
    if (rc != R_OK)
        return rc;
    lesson_attr attr = (lesson_attr)e->i;
    const lesson_view *v = &in->view;
    out->k = V_INT;
    if (attr == LA_BUFFERED && obj.k == V_READER) {
        out->i = (int64_t)in->readers[obj.i].len;
    } else if (attr == LA_BUFFERED && obj.k == V_WRITER) {
        const lesson_appbuf *ab = in->writers[obj.i].ab;
        out->i = ab ? (int64_t)lesson_appbuf_buffered_bytes(ab) : 0;
    } else if (attr == LA_BUFFERED) {
        rc = raise_msg(in, LESSON_EXC_ATTRIBUTE, "AttributeError: no attribute 'buffered'");
    } else if (obj.k != V_SOCK) {
        rc = raise_msg(in, LESSON_EXC_ATTRIBUTE, "AttributeError: not a socket");
    } else if (obj.i < 0 || obj.i >= v->nsocks) {
        rc = raise_msg(in, LESSON_EXC_OS, "OSError");
    } else {
        const sock_view *sv = &v->socks[obj.i];
        const lesson_probe *pr = &sv->probe;
        switch (attr) {
        case LA_STATE:
            out->k = V_STATE;
            out->i = pr->state;
            break;
        case LA_BLOCKED:
            out->k = V_BOOL;
            out->i = sv->blocked;
            break;
        case LA_SEND_QUEUE:
            out->i = pr->send_queue_bytes;
            break;
        case LA_UNSENT:
            out->i = pr->unsent_bytes;
            break;
        case LA_IN_FLIGHT:
            out->i = pr->in_flight_bytes;
            break;
        case LA_RECV_QUEUE:
            out->i = pr->recv_queue_bytes;
            break;
        case LA_SNDBUF:
            out->i = pr->sndbuf_bytes;
            break;
        case LA_RCVBUF:
            out->i = pr->rcvbuf_bytes;
            break;
        case LA_PEER_WINDOW:
            if (!pr->peer_window_known)
                rc = raise_msg(in, LESSON_EXC_OS,
                               "not available: this kernel does not report tcpi_snd_wnd");
            out->i = pr->peer_window_bytes;
            break;
        default:
            rc = raise_msg(in, LESSON_EXC_ATTRIBUTE, "AttributeError");
        }
    }
    value_free(&obj);
    return rc;
}

static bool is_number(const value *v)
{
    return v->k == V_INT || v->k == V_BOOL || v->k == V_FLOAT;
}

/* The one comparison of two values for an expectation, with Python's
 * meaning where Python has one: numbers by value (int, bool and float
 * alike), bytes with bytes and str with str by their bytes, None and
 * exceptions and states by identity (FIN_WAIT matches either FIN_WAIT
 * state), and values of different kinds are unequal. An order between
 * values that have none (None, states, exceptions, different kinds) does
 * not hold. */
static bool value_compare(const value *a, lesson_op op, const value *b)
{
    bool ordered = op != LO_EQ && op != LO_NE;
    int c;
    if (is_number(a) && is_number(b)) {
        c = cmp_num(a->k == V_FLOAT, a->i, a->f, b->k == V_FLOAT, b->i, b->f);
    } else if ((a->k == V_BYTES || a->k == V_STR) && a->k == b->k) {
        size_t n = a->len < b->len ? a->len : b->len;
        c = n ? memcmp(a->data, b->data, n) : 0;
        c = c ? (c < 0 ? -1 : 1) : cmp_i64((int64_t)a->len, (int64_t)b->len);
    } else if (ordered) {
        return false;
    } else if (a->k == V_STATE && b->k == V_STATE) {
        bool fin_a = a->i == LESSON_TCP_FIN_WAIT1 || a->i == LESSON_TCP_FIN_WAIT2;
        bool fin_b = b->i == LESSON_TCP_FIN_WAIT1 || b->i == LESSON_TCP_FIN_WAIT2;
        c = a->i == b->i || ((a->len || b->len) && fin_a && fin_b) ? 0 : 1;
    } else if (a->k == b->k && (a->k == V_NONE || a->k == V_EXC)) {
        c = a->i == b->i ? 0 : 1;
    } else {
        c = 1; /* different kinds: never equal */
    }
    return op_holds(op, c);
}

/* Both sides evaluated by the statements' evaluator, compared by
 * value_compare(); got shows the left side, or why it has no value. */
static void check_expect(interp *in, const lesson_line *ln, lesson_expect_result *res)
{
    const struct lesson_ast *a = ln->ast;
    value lhs = {0}, rhs = {0};
    pending *p = calloc(1, sizeof *p); /* memo for len(): calls of the expectation */
    res->line = ln->line;
    res->mode = in->mode;
    res->ok = false;
    snprintf(res->expr, sizeof res->expr, "%s", ln->code);
    in->detail[0] = '\0';
    rc_t rc = p ? eval(in, p, ln->side, a->lhs, &lhs) : raise(in, LESSON_EXC_MEMORY);
    if (rc == R_OK)
        rc = eval(in, p, ln->side, a->rhs, &rhs);
    if (rc != R_OK) {
        snprintf(res->got, sizeof res->got, "%s",
                 in->detail[0] ? in->detail : lesson_exc_name(in->raised));
    } else {
        got_value(res->got, sizeof res->got, &lhs);
        res->ok = value_compare(&lhs, a->op, &rhs);
    }
    value_free(&lhs);
    value_free(&rhs);
    pending_free(p);
}

/* ----------------------------------------------------------- stepping */

/* An `expect.wire` line is not checked on the kernel off the emulated
 * wire (plain loopback has no latency or rate to confirm). */
static bool wire_skips(interp *in, const lesson_line *ln)
{
    lesson_wire wire = LESSON_WIRE_LOOPBACK;
    size_t n;
    if (in->mode != LESSON_MODE_REAL || !(ln->modes & LESSON_MODE_WIRE))
        return false;
    if (in->be->ops->segments)
        in->be->ops->segments(in->be, &n, &wire);
    return wire != LESSON_WIRE_EMULATED;
}

static int run_step(interp *in, int step)
{
    const lesson_step *st = &in->doc->steps[step];
    lesson_view *v = &in->view;
    bool has_wait = false;
    in->be->ops->step_begin(in->be);
    v->nresults = 0;
    v->stmts = in->status[step];
    v->nstmts = in->nstatus[step];
    int k = 0;
    for (size_t i = 0; i < st->nlines; i++) {
        const lesson_line *ln = &st->lines[i];
        if (ln->kind == LESSON_LINE_STMT) {
            stmt_status *ss = &in->status[step][k++];
            sidequeue *q = &in->queue[ln->side];
            pending *p = calloc(1, sizeof *p);
            if (!p)
                return -ENOMEM;
            if (q->n == q->cap) {
                int nc = q->cap ? q->cap * 2 : 8;
                pending **nq = realloc(q->q, (size_t)nc * sizeof *nq);
                if (!nq) {
                    free(p);
                    return -ENOMEM;
                }
                q->q = nq;
                q->cap = nc;
            }
            p->ln = ln;
            p->status = ss;
            q->q[q->n++] = p;
            pump(in);
        } else if (ln->kind == LESSON_LINE_WAIT) {
            has_wait = true;
            wait_for(in, ln->wait_us);
        }
    }
    if (!has_wait)
        settle(in);
    else
        pump(in);
    build_view(in);
    v->nexpects = 0;
    for (size_t i = 0; i < st->nlines; i++) {
        const lesson_line *ln = &st->lines[i];
        if (ln->kind == LESSON_LINE_EXPECT && (ln->modes & in->mode) && !wire_skips(in, ln))
            check_expect(in, ln, &v->expects[v->nexpects++]);
    }
    return 0;
}

static void interp_free(interp *in)
{
    if (!in)
        return;
    for (int side = 0; side < 2; side++) {
        for (int i = 0; i < in->nvars[side]; i++) {
            free(in->vars[side][i].name);
            value_free(&in->vars[side][i].v);
        }
        for (int i = 0; i < in->queue[side].n; i++)
            pending_free(in->queue[side].q[i]);
        free(in->queue[side].q);
    }
    for (int i = 0; i < in->nwriters; i++)
        lesson_appbuf_free(in->writers[i].ab);
    for (int i = 0; i < in->nreaders; i++)
        free(in->readers[i].buf);
    for (int i = 0; i < in->nsocks; i++)
        if (in->socks[i].h >= 0)
            in->be->ops->close(in->be, in->socks[i].h);
    if (in->be)
        in->be->ops->free(in->be);
    if (in->status)
        for (size_t s = 0; s < in->doc->nsteps; s++)
            free(in->status[s]);
    free(in->status);
    free(in->nstatus);
    free(in->view.expects);
    free(in->view.results);
    free(in);
}

static interp *interp_new(const lesson_doc *doc, lesson_mode mode, char *err, size_t errlen)
{
    interp *in = calloc(1, sizeof *in);
    if (in)
        in->budget_bytes = LESSON_MEMORY_BUDGET_BYTES;
    if (!in)
        goto oom;
    in->doc = doc;
    in->mode = mode;
    in->budget_end_us = UINT64_MAX;
    in->view.mode = mode;
    in->status = calloc(doc->nsteps ? doc->nsteps : 1, sizeof *in->status);
    in->nstatus = calloc(doc->nsteps ? doc->nsteps : 1, sizeof *in->nstatus);
    if (!in->status || !in->nstatus)
        goto oom;
    size_t maxexp = 0;
    for (size_t s = 0; s < doc->nsteps; s++) {
        const lesson_step *st = &doc->steps[s];
        size_t ns = 0, ne = 0;
        for (size_t i = 0; i < st->nlines; i++) {
            ns += st->lines[i].kind == LESSON_LINE_STMT;
            ne += st->lines[i].kind == LESSON_LINE_EXPECT;
        }
        in->status[s] = calloc(ns ? ns : 1, sizeof **in->status);
        if (!in->status[s])
            goto oom;
        in->nstatus[s] = (int)ns;
        size_t k = 0;
        for (size_t i = 0; i < st->nlines; i++)
            if (st->lines[i].kind == LESSON_LINE_STMT) {
                in->status[s][k].line = st->lines[i].line;
                in->status[s][k].side = st->lines[i].side;
                in->status[s][k].st = (lesson_status){LESSON_STMT_PENDING, LESSON_EXC_NONE};
                k++;
            }
        if (ne > maxexp)
            maxexp = ne;
    }
    in->view.expects = calloc(maxexp ? maxexp : 1, sizeof *in->view.expects);
    if (!in->view.expects)
        goto oom;
    if (mode == LESSON_MODE_SIM) {
        in->be = lesson_backend_sim_new(&doc->model);
        if (!in->be)
            goto oom;
    } else {
        in->be = lesson_backend_real_new(&doc->model, err, errlen);
        if (!in->be) {
            interp_free(in);
            return NULL;
        }
    }
    return in;
oom:
    snprintf(err, errlen, "out of memory");
    interp_free(in);
    return NULL;
}

lesson_runner *lesson_runner_new(const lesson_doc *doc, unsigned modes, char *err, size_t errlen)
{
    char dummy[8];
    if (!err) {
        err = dummy;
        errlen = sizeof dummy;
    }
    lesson_runner *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->doc = doc;
    r->modes = modes;
    r->step = -1;
    r->rec.step = -1;
    r->budget_us = LESSON_TIME_BUDGET_US_DEFAULT;
    if ((modes & LESSON_MODE_SIM) && !(r->in[0] = interp_new(doc, LESSON_MODE_SIM, err, errlen)))
        goto fail;
    if ((modes & LESSON_MODE_REAL) && !(r->in[1] = interp_new(doc, LESSON_MODE_REAL, err, errlen)))
        goto fail;
    return r;
fail:
    lesson_runner_free(r);
    return NULL;
}

void lesson_runner_free(lesson_runner *r)
{
    if (!r)
        return;
    interp_free(r->in[0]);
    interp_free(r->in[1]);
    lesson_record_free(&r->rec);
    free(r);
}

/* ------------------------------------------------------------ the record */

/* Grows *arr to hold need items of size bytes. Returns 0 or -ENOMEM. */
static int grow(void **arr, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return 0;
    int nc = *cap ? *cap : 8;
    while (nc < need)
        nc *= 2;
    void *g = realloc(*arr, (size_t)nc * size);
    if (!g)
        return -ENOMEM;
    *arr = g;
    *cap = nc;
    return 0;
}

/* The record socket for a mode's socket, joined by name; -1 when full. */
static int rec_sock(lesson_record *rec, const sock_view *sv)
{
    int id = lesson_record_find_sock(rec, sv->name);
    if (id >= 0 || rec->nsocks >= LESSON_MAX_SOCKS)
        return id;
    id = rec->nsocks++;
    lesson_rec_sock *rs = &rec->socks[id];
    memset(rs, 0, sizeof *rs);
    rs->id = id;
    snprintf(rs->name, sizeof rs->name, "%s", sv->name);
    rs->side = sv->side;
    return id;
}

/* One mode's sockets and files into the record; map[i] gets the record
 * id of the mode's socket i. */
static void rec_mode(lesson_record *rec, interp *in, int slot, int *map)
{
    const lesson_view *v = &in->view;
    lesson_backend *be = in->be;
    rec->time_us[slot] = v->time_us;
    for (int side = 0; side < 2; side++) {
        lesson_rec_side *rs = &rec->sides[slot][side];
        rs->blocked = v->blocked[side];
        rs->blocked_line = 0;
        if (in->queue[side].n > 0)
            rs->blocked_line = in->queue[side].q[0]->ln->line;
        rs->last_exc = v->error[side];
    }
    for (int i = 0; i < v->nsocks; i++) {
        const sock_view *sv = &v->socks[i];
        int id = map[i] = rec_sock(rec, sv);
        if (id < 0)
            continue;
        lesson_rec_sock *rs = &rec->socks[id];
        lesson_sock_mode *sm = &rs->mode[slot];
        memset(sm, 0, sizeof *sm);
        sm->present = true;
        sm->probe = sv->probe;
        sm->blocked = sv->blocked;
        sm->closed = sv->closed;
        if (slot == 0) {
            memset(rs->queue, 0, sizeof rs->queue);
            if (!sv->closed && be->ops->queue_runs)
                for (int q = 0; q < LESSON_NQUEUES; q++)
                    be->ops->queue_runs(be, sv->handle, (lesson_qid)q, &rs->queue[q]);
        }
    }
    for (int i = 0; i < v->nfiles; i++) {
        const file_view *fv = &v->files[i];
        int f = -1;
        for (int k = 0; k < rec->nfiles && f < 0; k++)
            if (!strcmp(rec->files[k].name, fv->name))
                f = k;
        if (f < 0) {
            if (rec->nfiles >= LESSON_MAX_FILES)
                continue;
            f = rec->nfiles++;
            memset(&rec->files[f], 0, sizeof rec->files[f]);
            snprintf(rec->files[f].name, sizeof rec->files[f].name, "%s", fv->name);
            rec->files[f].side = fv->side;
            rec->files[f].reader = fv->reader;
            rec->files[f].sock_id = -1;
        }
        lesson_rec_file *rf = &rec->files[f];
        rf->present[slot] = true;
        rf->buffered_bytes[slot] = fv->buffered_bytes;
        rf->capacity_bytes = fv->capacity_bytes;
        int sid = fv->sock >= 0 ? map[fv->sock] : -1;
        if (sid >= 0) {
            rf->sock_id = sid;
            lesson_sock_mode *sm = &rec->socks[sid].mode[slot];
            /* A writer feeds its socket; a reader shows when no writer does. */
            if (!fv->reader || !sm->has_file) {
                sm->has_file = true;
                sm->file_buffered_bytes = fv->buffered_bytes;
                sm->file_capacity_bytes = fv->capacity_bytes;
            }
        }
    }
}

/* The model's events, their handles mapped to record ids. */
static int rec_events(lesson_runner *r, const int *map)
{
    lesson_record *rec = &r->rec;
    interp *in = r->in[0];
    rec->nevents = 0;
    if (!in || !in->be->ops->events)
        return 0;
    size_t n = 0;
    const lesson_event *ev = in->be->ops->events(in->be, &n);
    if (n > r->cap_events) {
        lesson_event *g = realloc(rec->events, n * sizeof *g);
        if (!g)
            return -ENOMEM;
        rec->events = g;
        r->cap_events = n;
    }
    for (size_t i = 0; i < n; i++) {
        lesson_event e = ev[i];
        int id = -1;
        for (int k = 0; k < in->view.nsocks && id < 0; k++)
            if (in->view.socks[k].handle == e.sock_id && e.sock_id >= 0)
                id = map[k];
        e.sock_id = id;
        rec->events[i] = e;
    }
    rec->nevents = n;
    return 0;
}

/* The kernel's segments of the step, and the wire they went on. */
static int rec_segments(lesson_runner *r)
{
    lesson_record *rec = &r->rec;
    interp *in = r->in[1];
    rec->nsegments = 0;
    rec->wire = in ? LESSON_WIRE_LOOPBACK : LESSON_WIRE_NONE;
    if (!in || !in->be->ops->segments)
        return 0;
    size_t n = 0;
    const lesson_segment *sg = in->be->ops->segments(in->be, &n, &rec->wire);
    if (n > r->cap_segments) {
        lesson_segment *g = realloc(rec->segments, n * sizeof *g);
        if (!g)
            return -ENOMEM;
        rec->segments = g;
        r->cap_segments = n;
    }
    if (n)
        memcpy(rec->segments, sg, n * sizeof *sg);
    rec->nsegments = n;
    return 0;
}

static int build_record(lesson_runner *r, uint64_t t0_us)
{
    lesson_record *rec = &r->rec;
    const lesson_step *st = &r->doc->steps[r->step];
    int map[LESSON_MODE_SLOTS][LESSON_MAX_SOCKS];
    rec->step = r->step;
    rec->modes = r->modes;
    rec->nsocks = rec->nfiles = 0;
    memset(rec->sides, 0, sizeof rec->sides);
    memset(rec->time_us, 0, sizeof rec->time_us);
    rec->t0_us = t0_us;
    rec->t1_us = r->in[0] ? r->in[0]->view.time_us : 0;
    int nstmts = 0, nexp = 0;
    for (size_t i = 0; i < st->nlines; i++)
        nstmts += st->lines[i].kind == LESSON_LINE_STMT;
    for (int m = 0; m < LESSON_MODE_SLOTS; m++)
        if (r->in[m]) {
            rec_mode(rec, r->in[m], m, map[m]);
            nexp += r->in[m]->view.nexpects;
        }
    if (grow((void **)&rec->stmts, &r->cap_stmts, nstmts, sizeof *rec->stmts) < 0 ||
        grow((void **)&rec->expects, &r->cap_expects, nexp, sizeof *rec->expects) < 0)
        return -ENOMEM;
    rec->nstmts = nstmts;
    int k = 0;
    for (size_t i = 0; i < st->nlines; i++) {
        const lesson_line *ln = &st->lines[i];
        if (ln->kind != LESSON_LINE_STMT)
            continue;
        lesson_rec_stmt *rs = &rec->stmts[k];
        rs->line = ln->line;
        rs->side = ln->side;
        for (int m = 0; m < LESSON_MODE_SLOTS; m++)
            rs->status[m] = r->in[m] ? r->in[m]->status[r->step][k].st
                                     : (lesson_status){LESSON_STMT_PENDING, LESSON_EXC_NONE};
        k++;
    }
    rec->nexpects = 0;
    for (int m = 0; m < LESSON_MODE_SLOTS; m++) {
        const interp *in = r->in[m];
        for (int e = 0; in && e < in->view.nexpects; e++)
            rec->expects[rec->nexpects++] = in->view.expects[e];
        int nres = in ? in->view.nresults : 0;
        if (grow((void **)&rec->results[m], &r->cap_results[m], nres, sizeof *rec->results[m]) < 0)
            return -ENOMEM;
        if (nres)
            memcpy(rec->results[m], in->view.results, (size_t)nres * sizeof *rec->results[m]);
        rec->nresults[m] = nres;
    }
    if (rec_segments(r) < 0)
        return -ENOMEM;
    lesson_record_set_question(rec, st);
    return rec_events(r, map[0]);
}

static uint64_t wall_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

void lesson_runner_set_time_budget(lesson_runner *r, uint64_t budget_us)
{
    r->budget_us = budget_us;
}

bool lesson_runner_timed_out(const lesson_runner *r)
{
    return r->timed_out;
}

int lesson_runner_step(lesson_runner *r)
{
    if (r->timed_out)
        return -ETIMEDOUT;
    if ((size_t)(r->step + 1) >= r->doc->nsteps)
        return 1;
    r->step++;
    uint64_t model_t0 = r->in[0] ? r->in[0]->be->ops->now_us(r->in[0]->be) : 0;
    /* Only the time spent in steps counts: a teacher pausing between
     * steps in the window spends none of the budget. */
    uint64_t t0 = wall_us();
    for (int m = 0; m < 2; m++) {
        interp *in = r->in[m];
        if (!in)
            continue;
        in->budget_end_us = UINT64_MAX;
        if (r->budget_us > 0 && in->mode == LESSON_MODE_REAL) {
            uint64_t spent = r->used_us + (wall_us() - t0);
            uint64_t left = spent < r->budget_us ? r->budget_us - spent : 0;
            in->budget_end_us = in->be->ops->now_us(in->be) + left;
        }
        if (m == 1)
            r->rec.real_t0_us = in->be->ops->now_us(in->be);
        int rc = run_step(in, r->step);
        if (rc < 0)
            return rc;
    }
    int brc = build_record(r, model_t0);
    r->used_us += wall_us() - t0;
    if (r->budget_us > 0 && r->used_us >= r->budget_us) {
        r->timed_out = true;
        return -ETIMEDOUT;
    }
    return brc;
}

int lesson_runner_step_index(const lesson_runner *r)
{
    return r->step;
}

const lesson_record *lesson_runner_record(const lesson_runner *r)
{
    return r->step >= 0 ? &r->rec : NULL;
}

unsigned lesson_runner_modes(const lesson_runner *r)
{
    return r->modes;
}

void lesson_runner_set_memory_budget(lesson_runner *r, size_t bytes)
{
    for (int m = 0; m < 2; m++)
        if (r->in[m])
            r->in[m]->budget_bytes = bytes;
}

void lesson_runner_keep_events(lesson_runner *r, bool on)
{
    for (int m = 0; m < 2; m++)
        if (r->in[m] && r->in[m]->be->ops->keep_events)
            r->in[m]->be->ops->keep_events(r->in[m]->be, on);
}

const lesson_doc *lesson_runner_doc(const lesson_runner *r)
{
    return r->doc;
}

bool lesson_runner_ended_blocked(const lesson_runner *r)
{
    if (r->step < 0)
        return false;
    const lesson_step *st = &r->doc->steps[r->step];
    for (int m = 0; m < 2; m++) {
        const interp *in = r->in[m];
        if (!in || !any_blocked(in))
            continue;
        bool expected_blocked = false;
        for (size_t i = 0; i < st->nlines; i++) {
            const lesson_line *ln = &st->lines[i];
            const struct lesson_ast *a = ln->ast;
            if (ln->kind == LESSON_LINE_EXPECT && (ln->modes & in->mode) &&
                a->lhs->kind == LX_ATTR && a->lhs->i == LA_BLOCKED && a->rhs->kind == LX_BOOL &&
                a->rhs->i == 1 && a->op == LO_EQ)
                expected_blocked = true;
        }
        if (!expected_blocked)
            return true;
    }
    return false;
}

int lesson_runner_blocked_line(const lesson_runner *r, lesson_mode mode, lesson_side side,
                               const char **code)
{
    const interp *in = mode == LESSON_MODE_SIM ? r->in[0] : r->in[1];
    if (!in || in->queue[side].n == 0)
        return 0;
    const lesson_line *ln = in->queue[side].q[0]->ln;
    if (code)
        *code = ln->code;
    return ln->line;
}
