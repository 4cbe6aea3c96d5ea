/* lesson_call.c: evaluating a statement. See lesson_interp.h.
 *
 * Expressions, the calls a lesson can make (socket methods, makefile()
 * writers and readers, files, len, print, time) and the resumable state of
 * a call that blocks: every call's result is memoized in the statement's
 * pending state, so a blocked statement is re-evaluated without repeating
 * a call. Called by the scheduler in lesson_run.c.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base_text.h"
#include "lesson_interp.h"

/* Linux's call flags, as CPython's socket module has them */
enum {
    MSG_PEEK_VALUE = 0x2,
    MSG_DONTWAIT_VALUE = 0x40,
    MSG_WAITALL_VALUE = 0x100,
    MSG_MORE_VALUE = 0x8000,
};

static int64_t const_value(lesson_const c);
static const char *py_type(const value *v);
static const value *seq_item(const value *v, size_t k);
static size_t seq_len(const value *v);

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

rc_t lesson_eval(interp *in, pending *p, lesson_side side, const lesson_expr *e, value *out);

static sockobj *sock_of(interp *in, const value *v)
{
    if (v->k != V_SOCK || v->i < 0 || v->i >= in->nsocks)
        return NULL;
    return &in->socks[v->i];
}

static rc_t new_sock(interp *in, lesson_side side, int h, value *out)
{
    if (in->nsocks >= LESSON_MAX_SOCKS) {
        in->be->ops->close(in->be, h);
        return lesson_raise_errno(in, -EMFILE);
    }
    sockobj *s = &in->socks[in->nsocks];
    memset(s, 0, sizeof *s);
    s->h = h;
    s->handle = h;
    s->side = side;
    s->blocking = true;
    s->timeout_us = -1;
    out->k = V_SOCK;
    out->i = in->nsocks++;
    return R_OK;
}

/* A new kernel socket on side as a Python socket object in out, for
 * create_server() and create_connection(); *sp is its object. */
static rc_t open_sock(interp *in, lesson_side side, value *out, sockobj **sp)
{
    int h = in->be->ops->socket(in->be, side);
    if (h < 0)
        return lesson_raise_errno(in, h);
    rc_t rc = new_sock(in, side, h, out);
    if (rc == R_OK)
        *sp = &in->socks[out->i];
    return rc;
}

/* Pushes p->data[p->off..] into the socket; R_OK once all is in. */
static rc_t push_bytes(interp *in, pending *p, sockobj *s)
{
    if (p->len == 0) { /* CPython's sendall(b'') still calls send() once */
        long n = s->h < 0 ? -EBADF : in->be->ops->send(in->be, s->h, (const uint8_t *)"", 0, 0);
        return n < 0 && n != -EAGAIN ? lesson_raise_errno(in, (int)n) : R_OK;
    }
    while (p->off < p->len) {
        if (s->h < 0)
            return lesson_raise_errno(in, -EBADF);
        /* sendall's later chunks continue one write (one origin). */
        int flags = (p->more ? LESSON_SEND_MORE : 0) | (p->off > 0 ? LESSON_SEND_CONTINUE : 0);
        long n = in->be->ops->send(in->be, s->h, p->data + p->off, p->len - p->off, flags);
        if (n > 0) {
            p->off += (size_t)n;
            in->moved = true;
            continue;
        }
        /* MSG_DONTWAIT on a socket without a timeout: CPython's loop
         * raises at the first send() that would block (what went stays sent) */
        if (n == -EAGAIN || n == 0)
            return s->blocking && !(p->dontwait && s->timeout_us < 0)
                       ? R_BLOCKED
                       : lesson_raise(in, LESSON_EXC_BLOCKING_IO);
        return lesson_raise_errno(in, (int)n);
    }
    return R_OK;
}

/* Drops the pending op's data (shared or owned). */
static void pending_drop_data(pending *p)
{
    lesson_data_release(p->data, p->data_sh);
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
        size_t chunk = rd->chunk ? rd->chunk : (p->op == LF_READ && p->cap ? p->cap - rd->len : 1);
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
            /* Only the bytes not yet looked at: a long line that comes a
             * segment at a time is scanned once, not once per refill. */
            size_t from = rd->scanned < rd->len ? rd->scanned : rd->len;
            uint8_t *nl = rd->len > from ? memchr(rd->buf + from, '\n', rd->len - from) : NULL;
            if (nl) {
                take = (size_t)(nl - rd->buf) + 1;
                ready = true;
            } else {
                rd->scanned = rd->len;
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
                return lesson_raise(in, LESSON_EXC_MEMORY);
            p->result.len = take;
            if (take)
                memcpy(p->result.data, rd->buf, take);
            memmove(rd->buf, rd->buf + take, rd->len - take);
            rd->len -= take;
            rd->scanned = rd->scanned > take ? rd->scanned - take : 0;
            return R_OK;
        }
        if (s->h < 0)
            return lesson_raise_errno(in, -EBADF);
        while (rd->cap - rd->len < chunk) {
            if (rd->cap > LESSON_MAX_DATA_BYTES)
                return lesson_raise(in, LESSON_EXC_MEMORY);
            size_t nc = rd->cap ? rd->cap * 2 : 16384;
            uint8_t *nb = realloc(rd->buf, nc);
            if (!nb)
                return lesson_raise(in, LESSON_EXC_MEMORY);
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
            return lesson_raise_errno(in, (int)n);
    }
}

/* The bytes p gathered become its call's result (p keeps none of them). */
static rc_t gathered_result(pending *p)
{
    p->result.k = V_BYTES;
    p->result.data = p->data;
    p->result.sh = p->data_sh;
    p->result.len = p->len;
    p->data = NULL;
    p->data_sh = NULL;
    p->len = 0;
    return R_OK;
}

/* recv(n): what has arrived, up to n bytes; b'' at the end of the stream.
 * MSG_PEEK leaves them queued; MSG_DONTWAIT raises BlockingIOError where
 * a socket without a timeout would block (CPython polls a socket with a
 * timeout first, so there the flag changes nothing). */
static int sock_ready(interp *in, const sockobj *s);

/* SO_RCVLOWAT as Linux has it (tcp_recvmsg, tcp_data_ready, tcp_poll),
 * or 1. A blocking recv(n) copies what is queued at once; if that is
 * fewer than min(lowat, n) it sleeps, and only lowat *new* bytes (or the
 * end of the stream, or an error) wake it, which copies them and checks
 * again: 3 bytes queued, lowat 10, 7 more do not wake it. At the end of
 * the stream it returns what it has. The bytes it took wait in p->data. */
static rc_t recv_lowat(interp *in, pending *p, sockobj *s, int lowat)
{
    lesson_backend *be = in->be;
    size_t target = (size_t)lowat < p->cap ? (size_t)lowat : p->cap;
    if (p->off) { /* asleep: what wakes it (poll's lowat-aware readiness) */
        int m = sock_ready(in, s);
        if (!(m & (LESSON_READY_READ | LESSON_READY_HUP | LESSON_READY_ERR)))
            return R_BLOCKED;
    }
    p->off = 1;
    if (!p->data && !(p->data = lesson_budget_alloc(in, p->cap, &p->data_sh)))
        return lesson_raise(in, LESSON_EXC_MEMORY);
    long n = be->ops->recv(be, s->h, p->data + p->len, p->cap - p->len);
    if (n > 0) {
        p->len += (size_t)n;
        in->moved = true;
    }
    if (n == -EAGAIN && p->len < target)
        return R_BLOCKED;
    if (n > 0 && p->len < target)
        return R_BLOCKED;
    if (n < 0 && n != -EAGAIN && p->len == 0)
        return lesson_raise_errno(in, (int)n);
    return gathered_result(p);
}

static rc_t recv_once(interp *in, pending *p, sockobj *s)
{
    lesson_backend *be = in->be;
    vshare *sh = NULL;
    int lowat = 1;
    if (s->h >= 0 && s->blocking && !p->dontwait && !p->peek &&
        be->ops->getsockopt(be, s->h, LC_SO_RCVLOWAT, &lowat) < 0)
        lowat = 1;
    if (lowat > 1 && s->timeout_us < 0)
        return recv_lowat(in, p, s, lowat);
    if (lowat > 1 &&
        !(sock_ready(in, s) & (LESSON_READY_READ | LESSON_READY_HUP | LESSON_READY_ERR)))
        return R_BLOCKED; /* CPython polls a socket with a timeout first */
    uint8_t *buf = lesson_budget_alloc(in, p->cap, &sh);
    if (!buf)
        return lesson_raise(in, LESSON_EXC_MEMORY);
    long n = s->h < 0  ? -EBADF
             : p->peek ? be->ops->peek(be, s->h, buf, p->cap)
                       : be->ops->recv(be, s->h, buf, p->cap);
    bool wait = s->blocking && !(p->dontwait && s->timeout_us < 0);
    if (n > 0 && (size_t)n < p->cap && p->peek && p->waitall && !p->dontwait && s->timeout_us < 0 &&
        s->blocking) {
        /* MSG_PEEK | MSG_WAITALL: Linux waits until n bytes are queued,
         * or the peer's FIN ends the stream (then it returns fewer) */
        lesson_probe pr;
        memset(&pr, 0, sizeof pr);
        (void)be->ops->probe(be, s->h, &pr);
        bool fin = pr.state == LESSON_TCP_CLOSE_WAIT || pr.state == LESSON_TCP_LAST_ACK ||
                   pr.state == LESSON_TCP_CLOSING || pr.state == LESSON_TCP_TIME_WAIT ||
                   pr.state == LESSON_TCP_CLOSED;
        if (!fin) {
            lesson_data_release(buf, sh);
            return R_BLOCKED;
        }
    }
    if (n < 0) {
        lesson_data_release(buf, sh);
        if (n == -EAGAIN)
            return wait ? R_BLOCKED : lesson_raise(in, LESSON_EXC_BLOCKING_IO);
        return lesson_raise_errno(in, (int)n);
    }
    /* Give back what recv(n) reserved but did not get. */
    if ((size_t)n < p->cap / 2)
        buf = lesson_budget_shrink(buf, sh, (size_t)n);
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
    int lowat = 1;
    if (p->off && s->h >= 0 && s->blocking && s->timeout_us < 0 && !p->dontwait &&
        be->ops->getsockopt(be, s->h, LC_SO_RCVLOWAT, &lowat) == 0 && lowat > 1 &&
        !(sock_ready(in, s) & (LESSON_READY_READ | LESSON_READY_HUP | LESSON_READY_ERR)))
        return R_BLOCKED; /* asleep: only SO_RCVLOWAT new bytes wake it (recv_lowat) */
    p->off = 1;
    if (!p->data && !(p->data = lesson_budget_alloc(in, p->cap, &p->data_sh)))
        return lesson_raise(in, LESSON_EXC_MEMORY);
    long n = 0;
    while (p->len < p->cap) {
        n = s->h < 0 ? -EBADF : be->ops->recv(be, s->h, p->data + p->len, p->cap - p->len);
        if (n <= 0)
            break;
        p->len += (size_t)n;
        in->moved = true;
    }
    /* A socket with a timeout is non-blocking under CPython (it polls, then
     * reads what is there); MSG_DONTWAIT makes this one call non-blocking. */
    bool all = s->blocking && s->timeout_us < 0 && !p->dontwait;
    bool wait = s->blocking && !(p->dontwait && s->timeout_us < 0);
    if (n == -EAGAIN && p->len < p->cap && (all || p->len == 0))
        return wait ? R_BLOCKED : lesson_raise(in, LESSON_EXC_BLOCKING_IO);
    if (n < 0 && n != -EAGAIN && p->len == 0)
        return lesson_raise_errno(in, (int)n);
    return gathered_result(p);
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
                rc = lesson_raise_errno(in, (int)n);
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
            rc = lesson_raise_errno(in, (int)n);
            goto done;
        }
        if (s->blocking)
            return R_BLOCKED;
        if (p->op == LF_WRITE && lesson_appbuf_put(w->ab, p->data, p->len) == p->len) {
            p->result.k = V_INT;
            p->result.i = (int64_t)p->len;
        } else
            rc = lesson_raise(in, LESSON_EXC_BLOCKING_IO);
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
            rc = lesson_raise_errno(in, (int)n);
            goto done;
        }
        if (s->blocking)
            return R_BLOCKED;
        lesson_appbuf_put(w->ab, p->data + p->off, cap);
        rc = lesson_raise(in, LESSON_EXC_BLOCKING_IO);
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

static rc_t select_once(interp *in, pending *p);
static rc_t sel_select_once(interp *in, pending *p);

/* sock.sendfile(f): the file's bytes go to the socket a chunk at a time,
 * read where the file lies (as os.sendfile() has the kernel read them):
 * nothing of it is held in the application. p->cap is the file's index,
 * p->wsent the offset in the file it starts at, p->len the bytes to
 * send, p->off how many went. The result is the count sent, and the
 * file's position is left after them, as CPython's. */
static rc_t sendfile_push(interp *in, pending *p, sockobj *s)
{
    fileobj *f = &in->files[p->cap];
    const lesson_file *lf = &in->doc->files[f->file];
    enum { CHUNK = 65536 };
    uint8_t *buf = malloc(CHUNK);
    rc_t rc = R_OK;
    if (!buf)
        return lesson_raise(in, LESSON_EXC_MEMORY);
    while (p->off < p->len) {
        size_t at = p->wsent + p->off, n = p->len - p->off < CHUNK ? p->len - p->off : CHUNK;
        if (lf->inline_data)
            memcpy(buf, lf->inline_data + at, n);
        else
            file_fill(buf, at, n);
        long r = s->h < 0 ? -EBADF
                          : in->be->ops->send(in->be, s->h, buf, n,
                                              p->off > 0 ? LESSON_SEND_CONTINUE : 0);
        if (r > 0) {
            p->off += (size_t)r;
            in->moved = true;
            continue;
        }
        if (r == -EAGAIN || r == 0) {
            rc = R_BLOCKED;
            break;
        }
        rc = lesson_raise_errno(in, (int)r);
        break;
    }
    free(buf);
    if (rc == R_OK || rc == R_RAISED) {
        f->pos = p->wsent + p->off; /* CPython seeks the file past what went */
        p->result.k = V_INT;
        p->result.i = (int64_t)p->off;
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
    else if (p->op != LF_SLEEP && p->op != LF_SELECT && p->op != LF_SEL_SELECT)
        s = &in->socks[p->obj];
    switch (p->op) {
    case LF_SLEEP:
        rc = be->ops->now_us(be) >= p->until_us ? R_OK : R_BLOCKED;
        break;
    case LF_SELECT:
        rc = select_once(in, p);
        break;
    case LF_SEL_SELECT:
        rc = sel_select_once(in, p);
        break;
    case LF_SENDFILE:
        rc = sendfile_push(in, p, s);
        break;
    case LF_ACCEPT: {
        uint16_t port = 0;
        int h = s->h < 0 ? -EBADF : be->ops->accept(be, s->h, &port);
        if (h == -EAGAIN) {
            rc = s->blocking ? R_BLOCKED : lesson_raise(in, LESSON_EXC_BLOCKING_IO);
            break;
        }
        if (h < 0) {
            rc = lesson_raise_errno(in, h);
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
            rc = lesson_raise(in, LESSON_EXC_MEMORY);
            break;
        }
        *p->result.a = conn;
        value *addr = p->result.b;
        addr->k = V_TUPLE;
        addr->a = calloc(1, sizeof(value));
        addr->b = calloc(1, sizeof(value));
        if (!addr->a || !addr->b || !(addr->a->data = (uint8_t *)strdup("127.0.0.1"))) {
            rc = lesson_raise(in, LESSON_EXC_MEMORY);
            break;
        }
        addr->a->k = V_STR;
        addr->a->len = 9;
        addr->b->k = V_INT;
        addr->b->i = port;
        break;
    }
    case LF_CONNECT:
    case LF_CREATE_CONNECTION: {
        int r = s->h < 0 ? -EBADF : be->ops->connect_result(be, s->h);
        if (r == -EINPROGRESS)
            rc = R_BLOCKED;
        else if (r < 0)
            rc = lesson_raise_errno(in, r);
        else /* a blocking connect() ends connected, as Linux's does: one
              * more connect() turns the kernel's SS_CONNECTING into
              * SS_CONNECTED, so a later connect() is EISCONN (OSError) */
            (void)be->ops->connect(be, s->h, (uint16_t)p->cap);
        if (rc == R_OK && p->op == LF_CREATE_CONNECTION) {
            p->result.k = V_SOCK; /* create_connection() returns the socket */
            p->result.i = p->obj;
        }
        break;
    }
    case LF_SEND: {
        /* Linux's blocking send() waits until every byte is copied and
         * returns len(data); an error after some bytes returns their count.
         * A non-blocking one copies what fits, once. */
        long n = 0;
        /* MSG_DONTWAIT: this one call is non-blocking */
        bool all = s->blocking && s->timeout_us < 0 && !p->dontwait;
        bool wait = s->blocking && !(p->dontwait && s->timeout_us < 0);
        do {
            int fl = (p->more ? LESSON_SEND_MORE : 0) | (p->off > 0 ? LESSON_SEND_CONTINUE : 0);
            n = s->h < 0 ? -EBADF : be->ops->send(be, s->h, p->data + p->off, p->len - p->off, fl);
            if (n > 0) {
                p->off += (size_t)n;
                in->moved = true;
            }
        } while (n > 0 && all && p->off < p->len);
        if ((n == -EAGAIN || n == 0) && p->off == 0)
            rc = wait ? R_BLOCKED : lesson_raise(in, LESSON_EXC_BLOCKING_IO);
        else if ((n == -EAGAIN || n == 0) && all && p->off < p->len)
            rc = R_BLOCKED;
        else if (n < 0 && n != -EAGAIN && p->off == 0)
            rc = lesson_raise_errno(in, (int)n);
        else {
            /* An error that ends a blocking send() after some bytes stays
             * pending in Linux (tcp_sendmsg returns the count, sk_err is
             * kept): the next call raises it. Our retry consumed it. */
            if (n < 0 && n != -EAGAIN && n != -EPIPE)
                s->pending_err = (int)n;
            p->result.k = V_INT;
            p->result.i = (int64_t)p->off;
        }
        break;
    }
    case LF_RECV:
    case LF_RECV_INTO:
        rc = p->waitall && !p->peek ? recv_waitall(in, p, s) : recv_once(in, p, s);
        if (rc == R_OK && p->op == LF_RECV_INTO) {
            /* recv_into(): the bytes land in the bytearray (p->held, the
             * same buffer every holder sees); it returns their count */
            size_t n = p->result.len;
            if (n)
                memcpy(p->held.data, p->result.data, n);
            lesson_value_free(&p->result);
            p->result.k = V_INT;
            p->result.i = (int64_t)n;
        }
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
    if (rc == R_BLOCKED && s && s->timeout_us > 0) {
        /* settimeout(): the call waits that long, then TimeoutError
         * (socket.timeout), as CPython's sock_call_ex() does. */
        uint64_t now = be->ops->now_us(be);
        if (!p->timed) {
            p->timed = true;
            p->until_us = now + (uint64_t)s->timeout_us;
        } else if (now >= p->until_us) {
            rc = lesson_raise_msg(in, LESSON_EXC_TIMEOUT, "TimeoutError: timed out");
        }
    }
    if (s)
        s->blocked = rc == R_BLOCKED;
    if (rc == R_RAISED && p->op == LF_CREATE_CONNECTION) {
        sock_real_close(in, s); /* CPython closes the socket it made, then raises */
        s->py_closed = true;
    }
    if (rc == R_BLOCKED)
        return rc;
    p->timed = false;
    p->op_active = false;
    pending_drop_data(p);
    lesson_value_free(&p->held);
    if (rc == R_OK) {
        p->memo[p->call_id] = p->result;
        p->have[p->call_id] = true;
        memset(&p->result, 0, sizeof p->result);
    } else {
        lesson_value_free(&p->result);
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

/* A bytes-like argument (bytes or bytearray) */
static rc_t need_bytes(interp *in, const value *v)
{
    return v->k == V_BYTES || v->k == V_BYTEARRAY ? R_OK : lesson_raise(in, LESSON_EXC_TYPE);
}

static rc_t need_int(interp *in, const value *v)
{
    if (v->k == V_BIG) /* CPython: no C integer holds it */
        return lesson_raise_msg(in, LESSON_EXC_OVERFLOW,
                                "OverflowError: Python int too large to convert to C long");
    return (v->k == V_INT || v->k == V_BOOL) ? R_OK : lesson_raise(in, LESSON_EXC_TYPE);
}

/* The size recv(n) (and recv_into's nbytes) asks for, checked as CPython
 * 3.11 on Linux x86_64 checks it before any I/O: an int (TypeError), in
 * ssize_t (OverflowError), not negative (ValueError); then recv() makes a
 * bytes object of n bytes: past PY_SSIZE_T_MAX less its 33-byte header it
 * is "byte string is too large" (OverflowError), and a malloc() no x86_64
 * process can get (past the 128 TiB user address space) is MemoryError.
 * Nothing is allocated here: below that, what a machine grants depends on
 * its memory and overcommit policy, and sockbuf grants it (the buffer it
 * reads into is bounded by the lesson's budget). */
enum { PY_BYTES_HEADER = 33 };
#define X86_64_USER_SPACE_BYTES ((int64_t)1 << 47)
static rc_t recv_size(interp *in, const value *v, const char *call)
{
    if (v->k == V_BIG)
        return lesson_raise_msg(in, LESSON_EXC_OVERFLOW,
                                "OverflowError: Python int too large to convert to C ssize_t");
    if (v->k != V_INT && v->k != V_BOOL)
        return lesson_raise_msg(in, LESSON_EXC_TYPE,
                                "TypeError: '%s' object cannot be interpreted as an integer",
                                py_type(v));
    if (v->i < 0)
        return lesson_raise_msg(in, LESSON_EXC_VALUE, "ValueError: negative buffersize in %s",
                                call);
    if (v->i > INT64_MAX - PY_BYTES_HEADER && !strcmp(call, "recv"))
        return lesson_raise_msg(in, LESSON_EXC_OVERFLOW, "OverflowError: byte string is too large");
    if (v->i > X86_64_USER_SPACE_BYTES - PY_BYTES_HEADER && !strcmp(call, "recv"))
        return lesson_raise_msg(in, LESSON_EXC_MEMORY, "MemoryError");
    return R_OK;
}

/* recv_into(buffer[, nbytes[, flags]])'s arguments, checked as CPython
 * checks them before any I/O: a writable buffer (a bytearray), nbytes an
 * int, not negative, not more than the buffer holds (0: all of it). */
static rc_t recv_into_size(interp *in, const lesson_expr *e, const value *args)
{
    if (args[0].k != V_BYTEARRAY)
        return lesson_raise_msg(in, LESSON_EXC_TYPE,
                                "TypeError: recv_into() argument 'buffer' must be read-write "
                                "bytes-like object, not %s",
                                py_type(&args[0]));
    if (e->nargs < 2)
        return R_OK;
    rc_t rc = recv_size(in, &args[1], "recv_into");
    if (rc == R_OK && (uint64_t)args[1].i > args[0].len)
        rc = lesson_raise_msg(in, LESSON_EXC_VALUE,
                              "ValueError: buffer too small for requested bytes");
    if (rc == R_OK && e->nargs == 3 && args[2].k != V_INT && args[2].k != V_BOOL)
        rc = lesson_raise(in, LESSON_EXC_TYPE);
    return rc;
}

/* Takes a copy of data for the pending op. */
static rc_t take_data(interp *in, pending *p, const uint8_t *d, size_t n)
{
    p->data = malloc(n ? n : 1);
    if (!p->data)
        return lesson_raise(in, LESSON_EXC_MEMORY);
    if (n)
        memcpy(p->data, d, n);
    p->len = n;
    p->off = 0;
    return R_OK;
}

static rc_t address_port(interp *in, const value *addr, uint16_t *port)
{
    if (addr->k == V_TUPLE && addr->a->k == V_STR && addr->b->k == V_BIG)
        return lesson_raise(in, LESSON_EXC_OVERFLOW); /* CPython: port must be 0-65535 */
    if (addr->k != V_TUPLE || addr->a->k != V_STR || addr->b->k != V_INT)
        return lesson_raise(in, LESSON_EXC_TYPE);
    const value *h = addr->a;
    bool loop = h->len == 0 || (h->len == 9 && !memcmp(h->data, "localhost", 9)) ||
                (h->len == 9 && !memcmp(h->data, "127.0.0.1", 9));
    if (!loop)
        return lesson_raise(in, LESSON_EXC_OS); /* only loopback is reachable */
    if (addr->b->i < 0 || addr->b->i > 65535)
        return lesson_raise(in, LESSON_EXC_OVERFLOW);
    *port = (uint16_t)addr->b->i;
    return R_OK;
}

/* s.settimeout(v): None blocks, 0 is non-blocking, seconds time out. */
static rc_t set_timeout(interp *in, sockobj *s, const value *v)
{
    double sec = 0;
    if (v->k == V_NONE) {
        s->blocking = true;
        s->timeout_us = -1;
        return R_OK;
    }
    if (v->k == V_FLOAT)
        sec = v->f;
    else if (v->k == V_INT || v->k == V_BOOL)
        sec = (double)v->i;
    else if (v->k == V_BIG)
        return lesson_raise_msg(in, LESSON_EXC_OVERFLOW,
                                "OverflowError: timestamp too large to convert to C _PyTime_t");
    else
        return lesson_raise_msg(in, LESSON_EXC_TYPE,
                                "TypeError: '%s' object cannot be interpreted as an integer",
                                v->k == V_BYTES ? "bytes" : "str");
    if (isnan(sec))
        return lesson_raise_msg(in, LESSON_EXC_VALUE,
                                "ValueError: Invalid value NaN (not a number)");
    if (sec < 0)
        return lesson_raise_msg(in, LESSON_EXC_VALUE, "ValueError: Timeout value out of range");
    if (sec > 9.2e12)
        return lesson_raise_msg(in, LESSON_EXC_OVERFLOW,
                                "OverflowError: timestamp too large to convert to C _PyTime_t");
    /* CPython rounds a timeout up to the next microsecond's worth */
    s->timeout_us = (int64_t)ceil(sec * 1e6);
    s->blocking = s->timeout_us != 0;
    return R_OK;
}

/* socket.create_server(address, backlog=N), as CPython's socket.py does
 * it on Linux: a socket with SO_REUSEADDR, bound, listening (backlog
 * 128 when not given); on an error the socket is closed and the error
 * raised. */
static rc_t create_server(interp *in, lesson_side side, const lesson_expr *e, value *args,
                          value *out)
{
    lesson_backend *be = in->be;
    uint16_t port;
    int backlog = 128, r;
    rc_t rc = address_port(in, &args[0], &port);
    if (rc == R_OK && e->nargs == 2 && (rc = need_int(in, &args[1])) == R_OK)
        backlog = args[1].i < 0 ? 0 : (args[1].i > 4096 ? 4096 : (int)args[1].i);
    if (rc != R_OK)
        return rc;
    sockobj *s = NULL;
    if ((rc = open_sock(in, side, out, &s)) != R_OK)
        return rc;
    int h = s->h;
    if ((r = be->ops->setsockopt(be, h, LC_SO_REUSEADDR, 1)) < 0 ||
        (r = be->ops->bind(be, h, port)) < 0 || (r = be->ops->listen(be, h, backlog)) < 0) {
        sock_real_close(in, s);
        s->py_closed = true;
        out->k = V_NONE;
        return lesson_raise_errno(in, r);
    }
    return R_OK;
}

/* socket.create_connection(address[, timeout]): a new socket (with the
 * timeout, when given) connected as connect() does, blocking the same
 * way; the socket is closed when the connection fails. */
static rc_t create_connection(interp *in, pending *p, lesson_side side, const lesson_expr *e,
                              value *args, value *out)
{
    lesson_backend *be = in->be;
    uint16_t port;
    rc_t rc = address_port(in, &args[0], &port);
    if (rc != R_OK)
        return rc;
    sockobj *s = NULL;
    if ((rc = open_sock(in, side, out, &s)) != R_OK)
        return rc;
    int h = s->h;
    int r = 0;
    if (e->nargs == 2)
        rc = set_timeout(in, s, &args[1]);
    if (rc == R_OK && (r = be->ops->connect(be, h, port)) == -EINPROGRESS && s->blocking) {
        int idx = (int)out->i;
        out->k = V_NONE; /* the pending call returns the socket once connected */
        p->cap = port;
        return op_start(in, p, side, e, idx);
    }
    if (rc == R_OK && r == 0)
        return R_OK;
    sock_real_close(in, s);
    s->py_closed = true;
    out->k = V_NONE;
    if (rc != R_OK)
        return rc;
    return r == -EINPROGRESS ? lesson_raise(in, LESSON_EXC_BLOCKING_IO) : lesson_raise_errno(in, r);
}

static rc_t call_socket_method(interp *in, pending *p, lesson_side side, const lesson_expr *e,
                               value *obj, value *args, value *out)
{
    sockobj *s = sock_of(in, obj);
    lesson_backend *be = in->be;
    rc_t rc = R_OK;
    int r;
    if (!s)
        return lesson_raise(in, LESSON_EXC_ATTRIBUTE);
    /* CPython checks recv()'s size and makes its buffer before any I/O */
    if (e->func == LF_RECV && (rc = recv_size(in, &args[0], "recv")) != R_OK)
        return rc;
    if (e->func == LF_RECV_INTO && (rc = recv_into_size(in, e, args)) != R_OK)
        return rc;
    if (s->h < 0 && e->func != LF_CLOSE)
        return lesson_raise_errno(in, -EBADF);
    if (s->pending_err && (e->func == LF_SEND || e->func == LF_SENDALL || e->func == LF_RECV)) {
        int err = s->pending_err; /* the kernel's sk_err, as its next call sees it */
        s->pending_err = 0;
        return lesson_raise_errno(in, err);
    }
    switch (e->func) {
    case LF_BIND: {
        uint16_t port;
        if ((rc = address_port(in, &args[0], &port)) != R_OK)
            return rc;
        r = be->ops->bind(be, s->h, port);
        return r < 0 ? lesson_raise_errno(in, r) : R_OK;
    }
    case LF_LISTEN: {
        int backlog = 128;
        if (e->nargs) {
            if ((rc = need_int(in, &args[0])) != R_OK)
                return rc;
            backlog = args[0].i < 0 ? 0 : (args[0].i > 4096 ? 4096 : (int)args[0].i);
        }
        r = be->ops->listen(be, s->h, backlog);
        return r < 0 ? lesson_raise_errno(in, r) : R_OK;
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
            return lesson_raise_errno(in, r);
        if (!s->blocking)
            return lesson_raise(in, LESSON_EXC_BLOCKING_IO);
        p->cap = port; /* for the connect() that ends it (op_run) */
        return op_start(in, p, side, e, (int)obj->i);
    }
    case LF_SEND:
    case LF_SENDALL:
        if ((rc = need_bytes(in, &args[0])) != R_OK)
            return rc;
        if (args[0].len >= SHARE_MIN_BYTES) { /* the value's bytes, shared */
            if (!(p->data_sh = lesson_value_share(&args[0])))
                return lesson_raise(in, LESSON_EXC_MEMORY);
            p->data = args[0].data;
            p->len = args[0].len;
            p->off = 0;
        } else if ((rc = take_data(in, p, args[0].data, args[0].len)) != R_OK)
            return rc;
        p->more = e->nargs == 2 && (args[1].i & MSG_MORE_VALUE);
        p->dontwait = e->nargs == 2 && (args[1].i & MSG_DONTWAIT_VALUE);
        if (e->func == LF_SEND && args[0].len == 0) {
            /* CPython hands even b'' to the kernel: 0 on a connection,
             * BrokenPipeError on a socket that is not one (Linux's EPIPE). */
            pending_drop_data(p);
            long n = s->h < 0 ? -EBADF : be->ops->send(be, s->h, (const uint8_t *)"", 0, 0);
            if (n < 0 && n != -EAGAIN)
                return lesson_raise_errno(in, (int)n);
            out->k = V_INT;
            return R_OK;
        }
        return op_start(in, p, side, e, (int)obj->i);
    case LF_RECV:
        if (args[0].i == 0) {
            out->k = V_BYTES;
            out->data = malloc(1);
            return out->data ? R_OK : lesson_raise(in, LESSON_EXC_MEMORY);
        }
        p->cap = args[0].i > (int64_t)LESSON_MAX_DATA_BYTES ? (size_t)LESSON_MAX_DATA_BYTES
                                                            : (size_t)args[0].i;
        {
            int64_t fl = e->nargs == 2 ? args[1].i : 0; /* the parser allowed only these */
            p->waitall = (fl & MSG_WAITALL_VALUE) != 0;
            p->peek = (fl & MSG_PEEK_VALUE) != 0;
            p->dontwait = (fl & MSG_DONTWAIT_VALUE) != 0;
        }
        p->len = 0;
        p->off = 0;
        return op_start(in, p, side, e, (int)obj->i);
    case LF_RECV_INTO:
        p->cap = (size_t)(e->nargs >= 2 && args[1].i ? args[1].i : (int64_t)args[0].len);
        if (p->cap == 0) { /* nothing to read into: 0 at once */
            out->k = V_INT;
            return R_OK;
        }
        {
            int64_t fl = e->nargs == 3 ? args[2].i : 0; /* the parser allowed only these */
            p->waitall = (fl & MSG_WAITALL_VALUE) != 0;
            p->peek = (fl & MSG_PEEK_VALUE) != 0;
            p->dontwait = (fl & MSG_DONTWAIT_VALUE) != 0;
        }
        p->len = 0;
        p->off = 0;
        lesson_value_free(&p->held);
        if (lesson_value_copy(&p->held, &args[0])) /* the bytearray itself */
            return lesson_raise(in, LESSON_EXC_MEMORY);
        return op_start(in, p, side, e, (int)obj->i);
    case LF_SENDFILE: {
        if (args[0].k != V_FILE)
            return lesson_raise_msg(in, LESSON_EXC_VALUE,
                                    "ValueError: file should be opened in "
                                    "binary mode");
        if (!s->blocking)
            return lesson_raise_msg(in, LESSON_EXC_VALUE,
                                    "ValueError: non-blocking sockets are not supported");
        fileobj *f = &in->files[args[0].i];
        if (f->closed)
            return lesson_raise_msg(in, LESSON_EXC_VALUE,
                                    "ValueError: I/O operation on closed file");
        uint64_t size = in->doc->files[f->file].size_bytes, offset = f->pos, count = 0;
        for (int k = 1; k < e->nargs; k++)
            if ((rc = need_int(in, &args[k])) != R_OK)
                return rc;
        if (e->nargs >= 2) {
            if (args[1].i < 0)
                return lesson_raise_msg(in, LESSON_EXC_VALUE, "ValueError: negative offset");
            offset = (uint64_t)args[1].i;
        }
        if (e->nargs == 3 && args[2].k != V_NONE) {
            if (args[2].i <= 0)
                return lesson_raise_msg(in, LESSON_EXC_VALUE,
                                        "ValueError: count must be a positive integer (got %lld)",
                                        (long long)args[2].i);
            count = (uint64_t)args[2].i;
        }
        uint64_t left = offset < size ? size - offset : 0;
        if (count && count < left)
            left = count;
        p->cap = (size_t)args[0].i;
        p->wsent = (size_t)offset; /* where in the file it starts */
        p->len = (size_t)left;
        p->off = 0;
        return op_start(in, p, side, e, (int)obj->i);
    }
    case LF_SETBLOCKING:
        s->blocking = lesson_truthy(&args[0]);
        s->timeout_us = s->blocking ? -1 : 0; /* CPython: None or 0.0 */
        return R_OK;
    case LF_SETTIMEOUT:
        return set_timeout(in, s, &args[0]);
    case LF_GETTIMEOUT:
        if (s->timeout_us >= 0) {
            out->k = V_FLOAT;
            out->f = (double)s->timeout_us / 1e6;
        }
        return R_OK;
    case LF_SETSOCKOPT:
        if (args[2].k != V_BIG && (rc = need_int(in, &args[2])) != R_OK)
            return rc;
        if (args[2].k == V_BIG || args[2].i < INT32_MIN ||
            args[2].i > INT32_MAX) /* CPython: then a buffer */
            return lesson_raise_msg(in, LESSON_EXC_TYPE,
                                    "TypeError: a bytes-like object is required, not 'int'");
        r = be->ops->setsockopt(be, s->h, (lesson_const)e->args[1]->i, (int)args[2].i);
        return r < 0 ? lesson_raise_errno(in, r) : R_OK;
    case LF_GETSOCKOPT: {
        int v = 0;
        r = be->ops->getsockopt(be, s->h, (lesson_const)e->args[1]->i, &v);
        if (r < 0)
            return lesson_raise_errno(in, r);
        out->k = V_INT;
        out->i = v;
        return R_OK;
    }
    case LF_SHUTDOWN:
        r = be->ops->shutdown(be, s->h, (lesson_const)e->args[0]->i);
        return r < 0 ? lesson_raise_errno(in, r) : R_OK;
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
            if (in->nreaders + in->nwriters >= LESSON_MAX_FILES)
                return lesson_raise(in, LESSON_EXC_OS);
            memset(&in->readers[in->nreaders], 0, sizeof in->readers[0]);
            in->readers[in->nreaders].sock = (int)obj->i;
            in->readers[in->nreaders].side = side;
            in->readers[in->nreaders].chunk = (size_t)cap;
            s->io_refs++;
            out->k = V_READER;
            out->i = in->nreaders++;
            return R_OK;
        }
        if (in->nreaders + in->nwriters >= LESSON_MAX_FILES) /* the record lists both */
            return lesson_raise(in, LESSON_EXC_OS);
        writerobj *w = &in->writers[in->nwriters];
        memset(w, 0, sizeof *w);
        w->ab = cap ? lesson_appbuf_new(cap) : NULL;
        if (cap && !w->ab)
            return lesson_raise(in, LESSON_EXC_MEMORY);
        s->io_refs++;
        w->sock = (int)obj->i;
        w->side = side;
        out->k = V_WRITER;
        out->i = in->nwriters++;
        return R_OK;
    }
    default:
        return lesson_raise(in, LESSON_EXC_ATTRIBUTE);
    }
}

static rc_t call_writer_method(interp *in, pending *p, lesson_side side, const lesson_expr *e,
                               value *obj, value *args, value *out)
{
    if (obj->k != V_WRITER)
        return lesson_raise(in, LESSON_EXC_ATTRIBUTE);
    writerobj *w = &in->writers[obj->i];
    rc_t rc;
    if (w->closed)
        return e->func == LF_CLOSE ? R_OK : lesson_raise(in, LESSON_EXC_VALUE);
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
        return lesson_raise(in, LESSON_EXC_ATTRIBUTE);
    }
    return op_start(in, p, side, e, (int)obj->i);
}

static rc_t call_file_method(interp *in, const lesson_expr *e, value *obj, value *args, value *out)
{
    if (obj->k != V_FILE)
        return lesson_raise(in, LESSON_EXC_ATTRIBUTE);
    fileobj *f = &in->files[obj->i];
    const lesson_file *lf = &in->doc->files[f->file];
    if (e->func == LF_CLOSE) {
        f->closed = true;
        return R_OK;
    }
    if (f->closed)
        return lesson_raise(in, LESSON_EXC_VALUE);
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
    out->data = lesson_budget_alloc(in, n, &out->sh);
    if (!out->data)
        return lesson_raise(in, LESSON_EXC_MEMORY);
    out->len = n;
    if (lf->inline_data)
        memcpy(out->data, lf->inline_data + f->pos, n);
    else
        file_fill(out->data, f->pos, n);
    f->pos += n;
    return R_OK;
}

/* int(x): an int as it is, a float truncated, a str or bytes of decimal
 * digits (blanks around, a sign, '_' between digits) read as Python reads
 * them; else ValueError or TypeError. */
static rc_t int_of(interp *in, const value *x, value *out)
{
    if (x->k == V_INT || x->k == V_BOOL || x->k == V_BIG) {
        if (lesson_value_copy(out, x))
            return lesson_raise(in, LESSON_EXC_MEMORY);
        out->k = x->k == V_BOOL ? V_INT : x->k;
        return R_OK;
    }
    if (x->k == V_FLOAT) {
        if (isnan(x->f))
            return lesson_raise_msg(in, LESSON_EXC_VALUE,
                                    "ValueError: cannot convert float NaN to integer");
        if (isinf(x->f))
            return lesson_raise_msg(in, LESSON_EXC_OVERFLOW,
                                    "OverflowError: cannot convert float infinity to integer");
        char num[400];
        snprintf(num, sizeof num, "%.0f", trunc(x->f));
        return lesson_int_of_digits(out, num + (num[0] == '-'), strlen(num) - (num[0] == '-'),
                                    num[0] == '-' ? -1 : 1)
                   ? lesson_raise(in, LESSON_EXC_MEMORY)
                   : R_OK;
    }
    if (x->k != V_STR && x->k != V_BYTES)
        return lesson_raise_msg(in, LESSON_EXC_TYPE,
                                "TypeError: int() argument must be a string, a bytes-like "
                                "object or a real number");
    const char *s = (const char *)x->data;
    size_t a = 0, b = x->len;
    while (a < b && s[a] && strchr(" \t\n\r\f\v", s[a]))
        a++;
    while (b > a && s[b - 1] && strchr(" \t\n\r\f\v", s[b - 1]))
        b--;
    int sign = 1;
    if (a < b && (s[a] == '+' || s[a] == '-'))
        sign = s[a++] == '-' ? -1 : 1;
    char *digits = malloc(b - a + 1);
    size_t n = 0;
    bool ok = digits && a < b;
    for (size_t k = a; ok && k < b; k++) {
        if (s[k] >= '0' && s[k] <= '9')
            digits[n++] = s[k];
        else if (!(s[k] == '_' && k > a && k + 1 < b && s[k - 1] != '_' && s[k + 1] != '_'))
            ok = false;
    }
    rc_t rc = R_OK;
    if (!digits)
        rc = lesson_raise(in, LESSON_EXC_MEMORY);
    else if (!ok || n == 0)
        rc = lesson_raise_msg(in, LESSON_EXC_VALUE,
                              "ValueError: invalid literal for int() with base 10");
    else if (n > LESSON_MAX_INT_DIGITS)
        rc = lesson_raise_msg(in, LESSON_EXC_VALUE,
                              "ValueError: Exceeds the limit (4300 digits) for integer string "
                              "conversion");
    else if (lesson_int_of_digits(out, digits, n, sign))
        rc = lesson_raise(in, LESSON_EXC_MEMORY);
    free(digits);
    return rc;
}

/* ---------------------------------------------------- select, selectors */

/* A new list (or tuple) of n empty items in out. */
static rc_t new_list(interp *in, value *out, size_t n, bool tuple)
{
    memset(out, 0, sizeof *out);
    out->k = V_LIST;
    out->i = tuple;
    out->items = calloc(n ? n : 1, sizeof *out->items);
    if (!out->items)
        return lesson_raise(in, LESSON_EXC_MEMORY);
    out->len = n;
    return R_OK;
}

/* poll()'s bits of a socket; 0 for one closed (select raises first). */
static int sock_ready(interp *in, const sockobj *s)
{
    if (s->h < 0)
        return 0;
    int m = in->be->ops->ready(in->be, s->h);
    return m < 0 ? LESSON_READY_ERR : m;
}

/* The timeout argument of select: None waits for ever (forever), a
 * number that many seconds (us). */
static rc_t select_timeout(interp *in, const value *v, bool *forever, uint64_t *us)
{
    double sec = 0;
    *forever = false;
    *us = 0;
    if (v->k == V_NONE) {
        *forever = true;
        return R_OK;
    }
    if (v->k == V_FLOAT)
        sec = v->f;
    else if (v->k == V_INT || v->k == V_BOOL)
        sec = (double)v->i;
    else if (v->k == V_BIG)
        return lesson_raise_msg(in, LESSON_EXC_OVERFLOW, "OverflowError: timeout is too large");
    else
        return lesson_raise_msg(in, LESSON_EXC_TYPE, "TypeError: timeout must be a float or None");
    if (isnan(sec) || sec > 9.2e12)
        return lesson_raise(in, LESSON_EXC_VALUE);
    *us = sec <= 0 ? 0 : (uint64_t)ceil(sec * 1e6);
    return R_OK;
}

/* One look at select.select()'s lists (p->held): the ready ones as three
 * lists in out, R_OK when any is ready or the time is up, else R_BLOCKED. */
static rc_t select_once(interp *in, pending *p)
{
    static const int want[3] = {LESSON_READY_READ | LESSON_READY_HUP | LESSON_READY_ERR,
                                LESSON_READY_WRITE | LESSON_READY_ERR, 0};
    const value *lists = p->held.items;
    size_t nready = 0;
    for (int w = 0; w < 2; w++)
        for (size_t k = 0; k < lists[w].len; k++)
            if (sock_ready(in, &in->socks[lists[w].items[k].i]) & want[w])
                nready++;
    bool time_up = !p->forever && (!p->timed || in->be->ops->now_us(in->be) >= p->until_us);
    if (nready == 0 && !time_up)
        return R_BLOCKED;
    rc_t rc = new_list(in, &p->result, 3, true);
    for (int w = 0; rc == R_OK && w < 3; w++) {
        size_t n = 0;
        for (size_t k = 0; w < 2 && k < lists[w].len; k++)
            n += (sock_ready(in, &in->socks[lists[w].items[k].i]) & want[w]) != 0;
        rc = new_list(in, &p->result.items[w], n, false);
        n = 0;
        for (size_t k = 0; rc == R_OK && w < 2 && k < lists[w].len; k++)
            if (sock_ready(in, &in->socks[lists[w].items[k].i]) & want[w])
                p->result.items[w].items[n++] = lists[w].items[k];
    }
    return rc;
}

/* select.select(rlist, wlist, xlist[, timeout]) on lists of sockets. */
static rc_t call_select(interp *in, pending *p, lesson_side side, const lesson_expr *e, value *args)
{
    for (int w = 0; w < 3; w++) {
        const value *l = &args[w];
        if (l->k != V_LIST && l->k != V_TUPLE)
            return lesson_raise_msg(in, LESSON_EXC_TYPE,
                                    "TypeError: arguments 1-3 must be sequences");
        for (size_t k = 0; l->k == V_LIST && k < l->len; k++) {
            const value *x = &l->items[k];
            if (x->k != V_SOCK)
                return lesson_raise_msg(in, LESSON_EXC_TYPE,
                                        "TypeError: argument must be an int, or have a fileno() "
                                        "method.");
            if (in->socks[x->i].h < 0)
                return lesson_raise_msg(in, LESSON_EXC_VALUE,
                                        "ValueError: file descriptor cannot be a negative "
                                        "integer (-1)");
        }
        if (l->k == V_TUPLE)
            return lesson_raise_msg(in, LESSON_EXC_TYPE,
                                    "TypeError: argument must be an int, or "
                                    "have a fileno() method.");
    }
    uint64_t us = 0;
    bool forever = true;
    if (e->nargs == 4) {
        rc_t rc = select_timeout(in, &args[3], &forever, &us);
        if (rc != R_OK)
            return rc;
    }
    rc_t rc = new_list(in, &p->held, 3, true);
    for (int w = 0; rc == R_OK && w < 3; w++)
        if (lesson_value_copy(&p->held.items[w], &args[w]))
            rc = lesson_raise(in, LESSON_EXC_MEMORY);
    if (rc != R_OK) {
        lesson_value_free(&p->held);
        return rc;
    }
    p->forever = forever;
    p->timed = !forever && us > 0;
    p->until_us = in->be->ops->now_us(in->be) + us;
    return op_start(in, p, side, e, -1);
}

static int sel_find(const selobj *so, int sock)
{
    for (int k = 0; k < so->n; k++)
        if (so->sock[k] == sock)
            return k;
    return -1;
}

/* One look at a selector's sockets: a list of (key, events) for the
 * ready ones, as EpollSelector.select() makes it (an error or hang-up
 * counts as both events; each is masked by what was registered). */
static rc_t sel_select_once(interp *in, pending *p)
{
    selobj *so = &in->sels[p->obj];
    int mask[LESSON_MAX_SOCKS];
    size_t n = 0;
    for (int k = 0; k < so->n; k++) {
        int r = sock_ready(in, &in->socks[so->sock[k]]);
        int ev = ((r & (LESSON_READY_READ | LESSON_READY_HUP | LESSON_READY_ERR)) ? 1 : 0) |
                 ((r & (LESSON_READY_WRITE | LESSON_READY_HUP | LESSON_READY_ERR)) ? 2 : 0);
        mask[k] = ev & so->events[k];
        n += mask[k] != 0;
    }
    bool time_up = !p->forever && (!p->timed || in->be->ops->now_us(in->be) >= p->until_us);
    if (n == 0 && !time_up)
        return R_BLOCKED;
    rc_t rc = new_list(in, &p->result, n, false);
    n = 0;
    for (int k = 0; rc == R_OK && k < so->n; k++) {
        if (!mask[k])
            continue;
        value *pair = &p->result.items[n++];
        pair->k = V_TUPLE;
        pair->a = calloc(1, sizeof(value));
        pair->b = calloc(1, sizeof(value));
        value *key = pair->a;
        if (!pair->a || !pair->b || !(key->a = calloc(1, sizeof(value))) ||
            !(key->b = calloc(1, sizeof(value))) || lesson_value_copy(key->b, &so->data[k])) {
            rc = lesson_raise(in, LESSON_EXC_MEMORY);
            break;
        }
        key->k = V_KEY;
        key->i = so->events[k];
        key->a->k = V_SOCK;
        key->a->i = so->sock[k];
        pair->b->k = V_INT;
        pair->b->i = mask[k];
    }
    return rc;
}

static rc_t call_selector_method(interp *in, pending *p, lesson_side side, const lesson_expr *e,
                                 value *obj, value *args, value *out)
{
    if (obj->k != V_SELECTOR)
        return lesson_raise(in, LESSON_EXC_ATTRIBUTE);
    selobj *so = &in->sels[obj->i];
    if (so->closed)
        return lesson_raise_msg(in, LESSON_EXC_OS, "RuntimeError: Selector is closed");
    if (e->func == LF_SEL_SELECT) {
        uint64_t us = 0;
        bool forever = true;
        if (e->nargs == 1) {
            rc_t rc = select_timeout(in, &args[0], &forever, &us);
            if (rc != R_OK)
                return rc;
        }
        p->forever = forever;
        p->timed = !forever && us > 0;
        p->until_us = in->be->ops->now_us(in->be) + us;
        return op_start(in, p, side, e, (int)obj->i);
    }
    if (args[0].k != V_SOCK)
        return lesson_raise_msg(in, LESSON_EXC_VALUE, "ValueError: Invalid file object");
    int sock = (int)args[0].i, at = sel_find(so, sock);
    if (e->func == LF_UNREGISTER) {
        if (at < 0 && in->socks[sock].h < 0) /* its fileno() is -1: no key is found */
            return lesson_raise_msg(in, LESSON_EXC_VALUE,
                                    "ValueError: Invalid file descriptor: -1");
        if (at < 0)
            return lesson_raise_msg(in, LESSON_EXC_KEY, "KeyError: is not registered");
        lesson_value_free(&so->data[at]);
        for (int k = at; k + 1 < so->n; k++) {
            so->sock[k] = so->sock[k + 1];
            so->events[k] = so->events[k + 1];
            so->data[k] = so->data[k + 1];
        }
        so->n--;
        memset(&so->data[so->n], 0, sizeof so->data[0]);
        return R_OK;
    }
    if (in->socks[sock].h < 0)
        return lesson_raise_msg(in, LESSON_EXC_VALUE, "ValueError: Invalid file descriptor: -1");
    if (args[1].k != V_INT || args[1].i < 1 || args[1].i > 3)
        return lesson_raise_msg(in, LESSON_EXC_VALUE, "ValueError: Invalid events");
    if (e->func == LF_REGISTER && at >= 0)
        return lesson_raise_msg(in, LESSON_EXC_KEY, "KeyError: is already registered");
    if (e->func == LF_MODIFY && at < 0)
        return lesson_raise_msg(in, LESSON_EXC_KEY, "KeyError: is not registered");
    if (at < 0)
        at = so->n++;
    else
        lesson_value_free(&so->data[at]);
    so->sock[at] = sock;
    so->events[at] = (int)args[1].i;
    if (e->nargs == 3 && lesson_value_copy(&so->data[at], &args[2]))
        return lesson_raise(in, LESSON_EXC_MEMORY);
    /* register() and modify() return the SelectorKey */
    out->k = V_KEY;
    out->i = so->events[at];
    out->a = calloc(1, sizeof(value));
    out->b = calloc(1, sizeof(value));
    if (!out->a || !out->b || lesson_value_copy(out->b, &so->data[at]))
        return lesson_raise(in, LESSON_EXC_MEMORY);
    out->a->k = V_SOCK;
    out->a->i = sock;
    return R_OK;
}

/* bytearray(x) (mutable) or bytes(x) as CPython 3.11 makes them: from
 * nothing (empty), a count (zeros), bytes or a bytearray (a copy), or a
 * list or tuple of ints 0-255; a str needs an encoding (TypeError). */
static rc_t bytes_of(interp *in, bool mutable, const value *x, value *out)
{
    const char *kind = mutable ? "bytearray" : "bytes";
    size_t n = 0;
    if (!x) {
        n = 0;
    } else if (x->k == V_BIG) {
        return lesson_raise_msg(in, LESSON_EXC_OVERFLOW,
                                "OverflowError: cannot fit 'int' into an index-sized integer");
    } else if (x->k == V_INT || x->k == V_BOOL) {
        if (x->i < 0)
            return lesson_raise_msg(in, LESSON_EXC_VALUE, "ValueError: negative count");
        if ((uint64_t)x->i > LESSON_MAX_DATA_BYTES)
            return lesson_raise(in, LESSON_EXC_MEMORY); /* the lesson's budget */
        n = (size_t)x->i;
    } else if (x->k == V_BYTES || x->k == V_BYTEARRAY) {
        n = x->len;
    } else if (x->k == V_STR) {
        return lesson_raise_msg(in, LESSON_EXC_TYPE,
                                "TypeError: string argument without an encoding");
    } else if (x->k == V_LIST || x->k == V_TUPLE) {
        n = seq_len(x);
        for (size_t k = 0; k < n; k++) {
            const value *b = seq_item(x, k);
            if (b->k != V_INT && b->k != V_BOOL && b->k != V_BIG)
                return lesson_raise_msg(in, LESSON_EXC_TYPE,
                                        "TypeError: '%s' object cannot be interpreted as an "
                                        "integer",
                                        py_type(b));
            if (b->k == V_BIG || b->i < 0 || b->i > 255)
                return lesson_raise_msg(in, LESSON_EXC_VALUE,
                                        "ValueError: byte must be in range(0, 256)");
        }
    } else {
        return lesson_raise_msg(in, LESSON_EXC_TYPE, "TypeError: cannot convert '%s' object to %s",
                                py_type(x), kind);
    }
    out->k = mutable ? V_BYTEARRAY : V_BYTES;
    out->data = lesson_budget_alloc(in, n, &out->sh);
    if (!out->data)
        return lesson_raise(in, LESSON_EXC_MEMORY);
    out->len = n;
    if (mutable && !out->sh) { /* a bytearray is always shared: one object, many names */
        if (!(out->sh = calloc(1, sizeof *out->sh))) {
            lesson_value_free(out);
            return lesson_raise(in, LESSON_EXC_MEMORY);
        }
        out->sh->refs = 1;
    }
    if (!x || x->k == V_INT || x->k == V_BOOL)
        memset(out->data, 0, n);
    else if (x->k == V_BYTES || x->k == V_BYTEARRAY) {
        if (n)
            memcpy(out->data, x->data, n);
    } else
        for (size_t k = 0; k < n; k++)
            out->data[k] = (uint8_t)seq_item(x, k)->i;
    return R_OK;
}

static rc_t call(interp *in, pending *p, lesson_side side, const lesson_expr *e, value *obj,
                 value *args, value *out)
{
    char buf[PRINT_REPR_MAX + 64];
    switch (e->func) {
    case LF_SELECT:
        return call_select(in, p, side, e, args);
    case LF_SELECTOR:
        if (in->nsels >= MAX_SELECTORS)
            return lesson_raise_errno(in, -EMFILE);
        memset(&in->sels[in->nsels], 0, sizeof in->sels[0]);
        out->k = V_SELECTOR;
        out->i = in->nsels++;
        return R_OK;
    case LF_REGISTER:
    case LF_UNREGISTER:
    case LF_MODIFY:
    case LF_SEL_SELECT:
        return call_selector_method(in, p, side, e, obj, args, out);
    case LF_SOCKET: {
        int h = in->be->ops->socket(in->be, side);
        return h < 0 ? lesson_raise_errno(in, h) : new_sock(in, side, h, out);
    }
    case LF_CREATE_CONNECTION:
        return create_connection(in, p, side, e, args, out);
    case LF_CREATE_SERVER:
        return create_server(in, side, e, args, out);
    case LF_OPEN:
        for (size_t i = 0; i < in->doc->nfiles; i++) {
            const lesson_file *lf = &in->doc->files[i];
            if (args[0].k == V_STR && strlen(lf->name) == args[0].len &&
                !memcmp(lf->name, args[0].data, args[0].len)) {
                if (in->nfiles >= MAX_OPEN_FILES)
                    return lesson_raise(in, LESSON_EXC_OS);
                in->files[in->nfiles] = (fileobj){.file = (int)i};
                out->k = V_FILE;
                out->i = in->nfiles++;
                return R_OK;
            }
        }
        return lesson_raise(in, LESSON_EXC_FILE_NOT_FOUND);
    case LF_INT:
        return int_of(in, &args[0], out);
    case LF_BYTEARRAY:
    case LF_BYTES:
        return bytes_of(in, e->func == LF_BYTEARRAY, e->nargs ? &args[0] : NULL, out);
    case LF_REPR: {
        /* Python's repr(): whole for bytes and str (an escape takes at
         * most 4 bytes a byte), as print() shows any other value */
        bool text = args[0].k == V_BYTES || args[0].k == V_STR;
        size_t cap = text ? 4 * args[0].len + 8 : sizeof buf;
        char *r = malloc(cap);
        if (!r)
            return lesson_raise(in, LESSON_EXC_MEMORY);
        if (text)
            base_repr(r, cap, args[0].data, args[0].len, args[0].k == V_BYTES, cap);
        else
            lesson_print_value(r, cap, &args[0], false);
        out->k = V_STR;
        out->data = (uint8_t *)r;
        out->len = strlen(r);
        return R_OK;
    }
    case LF_LEN:
        out->k = V_INT;
        if (args[0].k == V_BYTES || args[0].k == V_BYTEARRAY)
            out->i = (int64_t)args[0].len;
        else if (args[0].k == V_STR) {
            for (size_t i = 0; i < args[0].len; i++)
                out->i += (args[0].data[i] & 0xC0) != 0x80;
        } else if (args[0].k == V_TUPLE)
            out->i = 2;
        else if (args[0].k == V_LIST)
            out->i = (int64_t)args[0].len;
        else
            return lesson_raise_msg(in, LESSON_EXC_TYPE,
                                    "TypeError: object of type '%s' has no len()",
                                    py_type(&args[0]));
        return R_OK;
    case LF_PRINT: {
        /* One print() is one line of its statement's output: the values
         * joined by sep (' '), then end without the newline that ends
         * the line ('\n', the default). */
        lesson_view *v = &in->view;
        const value *sep = NULL, *end = NULL;
        for (int i = 0; i < e->nargs; i++) {
            if (!e->kwname[i])
                continue;
            const value **kw = !strcmp(e->kwname[i], "sep") ? &sep : &end;
            if (args[i].k != V_STR && args[i].k != V_NONE)
                return lesson_raise_msg(in, LESSON_EXC_TYPE,
                                        "TypeError: %s must be None or a "
                                        "string",
                                        e->kwname[i]);
            *kw = args[i].k == V_STR ? &args[i] : NULL;
        }
        size_t o = 0;
        bool first = true;
        buf[0] = '\0';
        for (int i = 0; i < e->nargs; i++) {
            if (e->kwname[i])
                continue;
            char one[PRINT_REPR_MAX + 16];
            lesson_print_value(one, sizeof one, &args[i], true);
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%.*s%s",
                                  first ? 0 : (sep ? (int)sep->len : 1),
                                  sep ? (const char *)sep->data : " ", one);
            if (o >= sizeof buf)
                o = sizeof buf - 1;
            first = false;
        }
        if (end) {
            size_t n = end->len;
            if (n && end->data[n - 1] == '\n')
                n--;
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%.*s", (int)n, (const char *)end->data);
            if (o >= sizeof buf)
                o = sizeof buf - 1;
        }
        if (v->nprinted[side] < MAX_PRINTED) {
            lesson_result *r = lesson_add_result(in, LESSON_RESULT_PRINT, side, p->ln->line);
            if (!r)
                return lesson_raise(in, LESSON_EXC_MEMORY);
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
                return lesson_raise(in, LESSON_EXC_VALUE);
            p->cap = 0;
            if (e->func == LF_READ && e->nargs == 1) {
                rc_t rc = need_int(in, &args[0]);
                if (rc != R_OK)
                    return rc;
                if (args[0].i == 0) {
                    out->k = V_BYTES;
                    out->data = malloc(1);
                    return out->data ? R_OK : lesson_raise(in, LESSON_EXC_MEMORY);
                }
                if (args[0].i > 0)
                    p->cap = args[0].i > (int64_t)LESSON_MAX_DATA_BYTES
                                 ? (size_t)LESSON_MAX_DATA_BYTES
                                 : (size_t)args[0].i;
            }
            return op_start(in, p, side, e, (int)obj->i);
        }
        if (e->func == LF_READLINE)
            return lesson_raise(in, LESSON_EXC_ATTRIBUTE);
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
        if (obj->k == V_SELECTOR) {
            selobj *so = &in->sels[obj->i];
            for (int k = 0; k < so->n; k++)
                lesson_value_free(&so->data[k]);
            so->n = 0;
            so->closed = true;
            return R_OK;
        }
        return call_socket_method(in, p, side, e, obj, args, out);
    default:
        return call_socket_method(in, p, side, e, obj, args, out);
    }
}

/* A constant's value in CPython 3.11 on Linux (socket.MSG_PEEK is 2...),
 * so flags joined with '|' and printed constants are Python's. */
static int64_t const_value(lesson_const c)
{
    switch (c) {
    case LC_AF_INET:
        return 2;
    case LC_SOCK_STREAM:
    case LC_SOL_SOCKET:
    case LC_TCP_NODELAY:
    case LC_SHUT_WR:
    case LC_EVENT_READ:
        return 1;
    case LC_IPPROTO_TCP:
        return 6;
    case LC_SO_SNDBUF:
        return 7;
    case LC_SO_RCVBUF:
        return 8;
    case LC_TCP_CORK:
        return 3;
    case LC_MSG_MORE:
        return MSG_MORE_VALUE;
    case LC_MSG_WAITALL:
        return MSG_WAITALL_VALUE;
    case LC_SHUT_RD:
        return 0;
    case LC_SHUT_RDWR:
    case LC_SO_REUSEADDR:
    case LC_EVENT_WRITE:
        return 2;
    case LC_MSG_PEEK:
        return MSG_PEEK_VALUE;
    case LC_MSG_DONTWAIT:
        return MSG_DONTWAIT_VALUE;
    case LC_SO_RCVLOWAT:
        return 18;
    }
    return 0;
}

/* An int as a float (a big one through its digits). */
static double int_as_double(const value *v)
{
    if (v->k != V_BIG)
        return (double)v->i;
    char num[LESSON_MAX_INT_DIGITS + 2];
    snprintf(num, sizeof num, "%s%.*s", v->i < 0 ? "-" : "", (int)v->len, (const char *)v->data);
    return strtod(num, NULL);
}

/* Python's name of a value's type, as its TypeErrors say it. */
static const char *py_type(const value *v)
{
    switch (v->k) {
    case V_NONE:
        return "NoneType";
    case V_INT:
    case V_BIG:
        return "int";
    case V_BOOL:
        return "bool";
    case V_BYTES:
        return "bytes";
    case V_BYTEARRAY:
        return "bytearray";
    case V_STR:
        return "str";
    case V_TUPLE:
        return "tuple";
    case V_LIST:
        return v->i ? "tuple" : "list";
    case V_SOCK:
        return "socket";
    case V_WRITER:
        return "BufferedWriter";
    case V_FILE:
    case V_READER:
        return "BufferedReader";
    case V_FLOAT:
        return "float";
    case V_SELECTOR:
        return "EpollSelector";
    case V_KEY:
        return "SelectorKey";
    case V_STATE:
        return "TCPState";
    case V_EXC:
        return "type";
    }
    return "object";
}

static bool is_num(const value *v)
{
    return v->k == V_INT || v->k == V_BOOL || v->k == V_FLOAT || v->k == V_BIG;
}

/* A sequence's item k (a pair's a and b, a list's or tuple's items). */
static const value *seq_item(const value *v, size_t k)
{
    return v->k == V_TUPLE ? (k ? v->b : v->a) : &v->items[k];
}

static size_t seq_len(const value *v)
{
    return v->k == V_TUPLE ? 2 : v->len;
}

static bool is_tuple(const value *v)
{
    return v->k == V_TUPLE || (v->k == V_LIST && v->i);
}

/* out = x + y for two lists or two tuples: their items joined. */
static rc_t concat_seqs(interp *in, const value *x, const value *y, value *out)
{
    size_t nx = seq_len(x), n = nx + seq_len(y);
    rc_t rc;
    if (is_tuple(x) && n == 2) {
        out->k = V_TUPLE;
        out->a = calloc(1, sizeof *out->a);
        out->b = calloc(1, sizeof *out->b);
        if (!out->a || !out->b)
            rc = lesson_raise(in, LESSON_EXC_MEMORY);
        else
            rc = lesson_value_copy(out->a, nx ? seq_item(x, 0) : seq_item(y, 0)) ||
                         lesson_value_copy(out->b, nx == 2   ? seq_item(x, 1)
                                                   : nx == 1 ? seq_item(y, 0)
                                                             : seq_item(y, 1))
                     ? lesson_raise(in, LESSON_EXC_MEMORY)
                     : R_OK;
    } else {
        rc = new_list(in, out, n, is_tuple(x));
        for (size_t k = 0; rc == R_OK && k < n; k++)
            if (lesson_value_copy(&out->items[k], k < nx ? seq_item(x, k) : seq_item(y, k - nx)))
                rc = lesson_raise(in, LESSON_EXC_MEMORY);
    }
    if (rc != R_OK)
        lesson_value_free(out);
    return rc;
}

/* -y for an int (INT64_MIN's negation is past 64 bits). */
static int negate_int(const value *y, value *out)
{
    memset(out, 0, sizeof *out);
    if (y->k == V_BIG) {
        if (lesson_value_copy(out, y))
            return -1;
        out->i = -out->i;
        return 0;
    }
    if (y->i == INT64_MIN)
        return lesson_int_of_digits(out, "9223372036854775808", 19, 1);
    out->k = V_INT;
    out->i = -y->i;
    return 0;
}

/* out = x OP y with Python's rules and its TypeErrors, raised when the
 * statement runs (x and y are freed). OP: LX_SUB, LX_ADD or LX_OR. */
static rc_t binop_values(interp *in, lesson_expr_kind op, value *x, value *y, value *out)
{
    rc_t rc = R_OK;
    char sym = op == LX_SUB ? '-' : (op == LX_ADD ? '+' : '|');
    memset(out, 0, sizeof *out);
    bool xb = x->k == V_BYTES || x->k == V_BYTEARRAY, yb = y->k == V_BYTES || y->k == V_BYTEARRAY;
    if (op == LX_ADD && ((xb && yb) || (x->k == V_STR && y->k == V_STR))) {
        /* bytes + bytearray is bytes, bytearray + bytes a new bytearray */
        size_t total = x->len + y->len;
        out->k = x->k;
        out->data = lesson_budget_alloc(in, total, &out->sh);
        if (out->data && out->k == V_BYTEARRAY && !out->sh &&
            (out->sh = calloc(1, sizeof *out->sh)) != NULL)
            out->sh->refs = 1;
        if (!out->data || (out->k == V_BYTEARRAY && !out->sh))
            rc = lesson_raise(in, LESSON_EXC_MEMORY);
        else {
            if (x->len)
                memcpy(out->data, x->data, x->len);
            if (y->len)
                memcpy(out->data + x->len, y->data, y->len);
            out->len = total;
        }
    } else if (op == LX_ADD && (x->k == V_LIST || x->k == V_TUPLE) &&
               (y->k == V_LIST || y->k == V_TUPLE) && is_tuple(x) == is_tuple(y)) {
        rc = concat_seqs(in, x, y, out);
    } else if (op == LX_ADD && xb) {
        rc = lesson_raise_msg(in, LESSON_EXC_TYPE, "TypeError: can't concat %s to %s", py_type(y),
                              py_type(x));
    } else if (op == LX_ADD && (x->k == V_STR || x->k == V_LIST || x->k == V_TUPLE)) {
        rc = lesson_raise_msg(in, LESSON_EXC_TYPE,
                              "TypeError: can only concatenate %s (not \"%s\") to %s", py_type(x),
                              py_type(y), py_type(x));
    } else if (!is_num(x) || !is_num(y) || (op == LX_OR && (x->k == V_FLOAT || y->k == V_FLOAT))) {
        rc = lesson_raise_msg(in, LESSON_EXC_TYPE,
                              "TypeError: unsupported operand type(s) for %c: '%s' and '%s'", sym,
                              py_type(x), py_type(y));
    } else if (op == LX_OR) {
        if (x->k == V_BIG || y->k == V_BIG)
            rc = lesson_raise_msg(in, LESSON_EXC_OVERFLOW,
                                  "OverflowError: '|' on ints past 64 bits is not supported by "
                                  "sockbuf");
        else {
            out->k = x->k == V_BOOL && y->k == V_BOOL ? V_BOOL : V_INT;
            out->i = x->i | y->i;
        }
    } else if (x->k == V_FLOAT || y->k == V_FLOAT) {
        double a = x->k == V_FLOAT ? x->f : int_as_double(x);
        double b = y->k == V_FLOAT ? y->f : int_as_double(y);
        out->k = V_FLOAT;
        out->f = op == LX_SUB ? a - b : a + b;
    } else {
        value ny; /* x + y is x - (-y) */
        const value *sy = y;
        if (op == LX_ADD) {
            if (negate_int(y, &ny)) {
                rc = lesson_raise(in, LESSON_EXC_MEMORY);
                goto done;
            }
            sy = &ny;
        }
        if (x->k == V_BIG || sy->k == V_BIG || (sy->i < 0 && x->i > INT64_MAX + sy->i) ||
            (sy->i > 0 && x->i < INT64_MIN + sy->i)) {
            /* Python's ints are unbounded */
            if (lesson_int_sub(x, sy, out))
                rc = lesson_raise(in, LESSON_EXC_MEMORY);
        } else {
            out->k = V_INT;
            out->i = x->i - sy->i;
        }
        if (sy == &ny)
            lesson_value_free(&ny);
    }
done:
    lesson_value_free(x);
    lesson_value_free(y);
    return rc;
}

static bool is_binop(lesson_expr_kind k)
{
    return k == LX_SUB || k == LX_ADD || k == LX_OR;
}

/* a - b + c | d ... is a left-deep tree as deep as the chain is long: its
 * right operands are gathered from the spine into an array and applied
 * left to right in a loop, so evaluation never recurses per operand. */
static rc_t eval_binop_chain(interp *in, pending *p, lesson_side side, const lesson_expr *e,
                             value *out)
{
    size_t n = 0;
    const lesson_expr *x = e;
    for (; is_binop(x->kind); x = x->a)
        n++;
    const lesson_expr **ops = malloc(n * sizeof *ops);
    if (!ops)
        return lesson_raise(in, LESSON_EXC_MEMORY);
    size_t k = n;
    for (const lesson_expr *y = e; is_binop(y->kind); y = y->a)
        ops[--k] = y;
    value acc;
    rc_t rc = lesson_eval(in, p, side, x, &acc);
    for (size_t i = 0; rc == R_OK && i < n; i++) {
        value b, d;
        rc = lesson_eval(in, p, side, ops[i]->b, &b);
        if (rc != R_OK) {
            lesson_value_free(&acc);
            break;
        }
        rc = binop_values(in, ops[i]->kind, &acc, &b, &d); /* frees acc and b */
        acc = d;
    }
    if (rc == R_OK)
        *out = acc;
    free(ops);
    return rc;
}

static rc_t eval_attr(interp *in, pending *p, lesson_side side, const lesson_expr *e, value *out);

/* x[i]: an item of a list or tuple, a byte of bytes (an int), a
 * character of a str; negative i counts from the end, as Python's. */
static rc_t eval_index(interp *in, pending *p, lesson_side side, const lesson_expr *e, value *out)
{
    value x, ix;
    rc_t rc = lesson_eval(in, p, side, e->a, &x);
    if (rc != R_OK)
        return rc;
    rc = lesson_eval(in, p, side, e->b, &ix);
    if (rc != R_OK) {
        lesson_value_free(&x);
        return rc;
    }
    int64_t n = x.k == V_LIST ? (int64_t)x.len : (x.k == V_TUPLE ? 2 : (int64_t)x.len);
    if (x.k == V_STR) { /* characters, not bytes */
        n = 0;
        for (size_t k = 0; k < x.len; k++)
            n += (x.data[k] & 0xC0) != 0x80;
    }
    if (x.k != V_LIST && x.k != V_TUPLE && x.k != V_BYTES && x.k != V_STR && x.k != V_BYTEARRAY) {
        rc = lesson_raise_msg(in, LESSON_EXC_TYPE, "TypeError: object is not subscriptable");
    } else if (ix.k == V_BIG) {
        rc = lesson_raise_msg(in, LESSON_EXC_INDEX,
                              "IndexError: cannot fit 'int' into an index-sized integer");
    } else if (ix.k != V_INT && ix.k != V_BOOL) {
        rc = lesson_raise_msg(in, LESSON_EXC_TYPE, "TypeError: indices must be integers");
    } else if (ix.i >= n || ix.i < -n) {
        rc = lesson_raise_msg(in, LESSON_EXC_INDEX, "IndexError: index out of range");
    } else {
        int64_t i = ix.i < 0 ? ix.i + n : ix.i;
        if (x.k == V_LIST || x.k == V_TUPLE) {
            const value *item = x.k == V_LIST ? &x.items[i] : (i == 0 ? x.a : x.b);
            if (lesson_value_copy(out, item))
                rc = lesson_raise(in, LESSON_EXC_MEMORY);
        } else if (x.k == V_BYTES || x.k == V_BYTEARRAY) {
            out->k = V_INT;
            out->i = x.data[i];
        } else {
            size_t at = 0;
            for (int64_t c = 0; c < i; c++)
                do
                    at++;
                while (at < x.len && (x.data[at] & 0xC0) == 0x80);
            size_t end = at + 1;
            while (end < x.len && (x.data[end] & 0xC0) == 0x80)
                end++;
            out->k = V_STR;
            out->data = malloc(end - at);
            if (!out->data)
                rc = lesson_raise(in, LESSON_EXC_MEMORY);
            else {
                memcpy(out->data, x.data + at, end - at);
                out->len = end - at;
            }
        }
    }
    lesson_value_free(&x);
    lesson_value_free(&ix);
    return rc;
}

/* One bound of x[a:b] as Python's slice takes it: None or left out is the
 * default, a negative one counts from the end, and it is clamped to
 * 0..n; an int past 64 bits is clamped too. */
static rc_t slice_bound(interp *in, const value *b, int64_t n, int64_t dflt, int64_t *out)
{
    if (b->k == V_NONE) {
        *out = dflt;
        return R_OK;
    }
    if (b->k != V_INT && b->k != V_BOOL && b->k != V_BIG)
        return lesson_raise_msg(in, LESSON_EXC_TYPE,
                                "TypeError: slice indices must be integers or None or have an "
                                "__index__ method");
    int64_t i = b->k == V_BIG ? (b->i < 0 ? -n - 1 : n + 1) : b->i;
    if (i < 0)
        i = i + n < 0 ? 0 : i + n;
    *out = i > n ? n : i;
    return R_OK;
}

/* x[a:b]: a copy of the part of bytes, a bytearray, a str (by
 * characters), a list or a tuple, as Python slices it (no step). */
static rc_t eval_slice(interp *in, pending *p, lesson_side side, const lesson_expr *e, value *out)
{
    value x, bnd[2];
    memset(bnd, 0, sizeof bnd);
    rc_t rc = lesson_eval(in, p, side, e->a, &x);
    for (int k = 0; rc == R_OK && k < 2; k++)
        if (e->args[k])
            rc = lesson_eval(in, p, side, e->args[k], &bnd[k]);
    if (rc != R_OK)
        goto done;
    bool text = x.k == V_STR, seq = x.k == V_LIST || x.k == V_TUPLE;
    if (!text && !seq && x.k != V_BYTES && x.k != V_BYTEARRAY) {
        rc = lesson_raise_msg(in, LESSON_EXC_TYPE, "TypeError: '%s' object is not subscriptable",
                              py_type(&x));
        goto done;
    }
    int64_t n = seq ? (int64_t)seq_len(&x) : (int64_t)x.len, lo = 0, hi = 0;
    if (text) {
        n = 0;
        for (size_t k = 0; k < x.len; k++)
            n += (x.data[k] & 0xC0) != 0x80;
    }
    if ((rc = slice_bound(in, &bnd[0], n, 0, &lo)) != R_OK ||
        (rc = slice_bound(in, &bnd[1], n, n, &hi)) != R_OK)
        goto done;
    if (hi < lo)
        hi = lo;
    if (seq) {
        value part;
        memset(&part, 0, sizeof part);
        part.k = V_LIST;
        part.i = x.k == V_TUPLE || x.i; /* a tuple's slice is a tuple */
        part.len = (size_t)(hi - lo);
        const value *tmp = NULL;
        value items[2];
        if (x.k == V_TUPLE) { /* a pair's items, as an array */
            items[0] = *x.a;
            items[1] = *x.b;
            tmp = items;
        } else
            tmp = x.items;
        value empty;
        memset(&empty, 0, sizeof empty);
        empty.k = V_LIST;
        empty.i = part.i;
        part.items = (value *)tmp + lo;
        /* joining with an empty one of its kind copies it (a pair stays a V_TUPLE) */
        rc = concat_seqs(in, &part, &empty, out);
        goto done;
    }
    size_t from = (size_t)lo, to = (size_t)hi;
    if (text) { /* characters to bytes */
        size_t at = 0, c = 0;
        for (; at < x.len && c < (size_t)lo; at++)
            if (at + 1 >= x.len || (x.data[at + 1] & 0xC0) != 0x80)
                c++;
        from = at;
        for (; at < x.len && c < (size_t)hi; at++)
            if (at + 1 >= x.len || (x.data[at + 1] & 0xC0) != 0x80)
                c++;
        to = at;
    }
    if (x.k == V_BYTEARRAY) {
        value src = x;
        src.k = V_BYTES;
        src.data = x.data + from;
        src.len = to - from;
        rc = bytes_of(in, true, &src, out);
    } else {
        out->k = x.k;
        out->data = lesson_budget_alloc(in, to - from, &out->sh);
        if (!out->data)
            rc = lesson_raise(in, LESSON_EXC_MEMORY);
        else {
            if (to > from)
                memcpy(out->data, x.data + from, to - from);
            out->len = to - from;
        }
    }
done:
    lesson_value_free(&x);
    lesson_value_free(&bnd[0]);
    lesson_value_free(&bnd[1]);
    return rc;
}

rc_t lesson_eval(interp *in, pending *p, lesson_side side, const lesson_expr *e, value *out)
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
        if (e->data) /* past 64 bits */
            return lesson_int_of_digits(out, (const char *)e->data, e->len, (int)e->i)
                       ? lesson_raise(in, LESSON_EXC_MEMORY)
                       : R_OK;
        out->k = V_INT;
        out->i = e->i;
        return R_OK;
    case LX_CONST:
        out->k = V_INT;
        out->i = const_value((lesson_const)e->i);
        return R_OK;
    case LX_SECONDS:
        out->k = V_FLOAT;
        out->f = e->f;
        return R_OK;
    case LX_SUB:
    case LX_ADD:
    case LX_OR:
        return eval_binop_chain(in, p, side, e, out);
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
            return lesson_raise(in, LESSON_EXC_MEMORY);
        if (e->len)
            memcpy(out->data, e->data, e->len);
        out->len = e->len;
        return R_OK;
    }
    case LX_VAR: {
        var *x = lesson_var_get(in, side, e->name);
        if (!x)
            return lesson_raise_msg(in, LESSON_EXC_NAME, "NameError: name '%s' is not defined",
                                    e->name);
        return lesson_value_copy(out, &x->v) ? lesson_raise(in, LESSON_EXC_MEMORY) : R_OK;
    }
    case LX_TUPLE: {
        out->k = V_TUPLE;
        out->a = calloc(1, sizeof(value));
        out->b = calloc(1, sizeof(value));
        if (!out->a || !out->b) {
            lesson_value_free(out);
            return lesson_raise(in, LESSON_EXC_MEMORY);
        }
        rc_t rc = lesson_eval(in, p, side, e->a, out->a);
        if (rc == R_OK)
            rc = lesson_eval(in, p, side, e->b, out->b);
        if (rc != R_OK)
            lesson_value_free(out);
        return rc;
    }
    case LX_REPEAT: {
        value base;
        rc_t rc = lesson_eval(in, p, side, e->a, &base);
        if (rc != R_OK)
            return rc;
        size_t total = base.len * (size_t)e->i;
        out->k = base.k; /* bytes or str */
        out->data = lesson_budget_alloc(in, total, &out->sh);
        if (!out->data) {
            lesson_value_free(&base);
            return lesson_raise(in, LESSON_EXC_MEMORY);
        }
        if (base.len == 1)
            memset(out->data, base.data[0], total);
        else
            for (int64_t r = 0; r < e->i; r++)
                memcpy(out->data + (size_t)r * base.len, base.data, base.len);
        out->len = total;
        lesson_value_free(&base);
        return R_OK;
    }
    case LX_LIST: {
        rc_t rc = new_list(in, out, (size_t)e->nargs, e->i != 0);
        for (int k = 0; rc == R_OK && k < e->nargs; k++)
            rc = lesson_eval(in, p, side, e->args[k], &out->items[k]);
        if (rc != R_OK)
            lesson_value_free(out);
        return rc;
    }
    case LX_INDEX:
        return eval_index(in, p, side, e, out);
    case LX_SLICE:
        return eval_slice(in, p, side, e, out);
    case LX_FIELD: {
        value key;
        rc_t rc = lesson_eval(in, p, side, e->a, &key);
        if (rc != R_OK)
            return rc;
        if (key.k != V_KEY)
            rc = lesson_raise_msg(in, LESSON_EXC_ATTRIBUTE, "AttributeError: no attribute '%s'",
                                  e->name);
        else if (!strcmp(e->name, "events")) {
            out->k = V_INT;
            out->i = key.i;
        } else if (lesson_value_copy(out, !strcmp(e->name, "fileobj") ? key.a : key.b))
            rc = lesson_raise(in, LESSON_EXC_MEMORY);
        lesson_value_free(&key);
        return rc;
    }
    case LX_CALL:
        break;
    }
    if (p->have[e->call_id])
        return lesson_value_copy(out, &p->memo[e->call_id]) ? lesson_raise(in, LESSON_EXC_MEMORY)
                                                            : R_OK;
    value obj = {0}, args[LESSON_MAX_ARGS];
    memset(args, 0, sizeof args);
    rc_t rc = R_OK;
    if (e->recv)
        rc = lesson_eval(in, p, side, e->recv, &obj);
    for (int i = 0; rc == R_OK && i < e->nargs; i++)
        rc = lesson_eval(in, p, side, e->args[i], &args[i]);
    if (rc == R_OK)
        rc = call(in, p, side, e, &obj, args, out);
    lesson_value_free(&obj);
    for (int i = 0; i < e->nargs; i++)
        lesson_value_free(&args[i]);
    if (rc == R_OK && !p->have[e->call_id]) {
        /* A call that completed at once: remember it like a resumed one. */
        if (lesson_value_copy(&p->memo[e->call_id], out) == 0)
            p->have[e->call_id] = true;
    } else if (rc == R_OK) {
        lesson_value_free(out);
        rc = lesson_value_copy(out, &p->memo[e->call_id]) ? lesson_raise(in, LESSON_EXC_MEMORY)
                                                          : R_OK;
    }
    return rc;
}

/* Runs or resumes one statement. */
rc_t lesson_exec_stmt(interp *in, pending *p, lesson_side side)
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
        rc = lesson_eval(in, p, side, a->with_expr, &f);
        if (rc != R_OK)
            return rc;
        rc = lesson_var_set(in, side, a->with_name, &f);
        if (rc != R_OK)
            return rc;
        p->with_done = true;
    }
    value v;
    rc = lesson_eval(in, p, side, a->expr, &v);
    if (rc != R_OK)
        return rc;
    int line = p->ln->line;
    if (a->ntargets == 1) {
        lesson_note_value(in, LESSON_RESULT_ASSIGN, side, line, a->target[0], &v);
        rc = lesson_var_set(in, side, a->target[0], &v);
    } else if (a->ntargets >= 2 && v.k == V_LIST) {
        /* r, w, x = select.select(...); key, mask = events[0] */
        if (v.len != (size_t)a->ntargets)
            rc = lesson_raise_msg(in, LESSON_EXC_VALUE, "ValueError: %s values to unpack",
                                  v.len > (size_t)a->ntargets ? "too many" : "not enough");
        for (int k = 0; rc == R_OK && k < a->ntargets; k++)
            lesson_note_value(in, LESSON_RESULT_ASSIGN, side, line, a->target[k], &v.items[k]);
        for (int k = 0; rc == R_OK && k < a->ntargets; k++)
            rc = lesson_var_set(in, side, a->target[k], &v.items[k]);
        lesson_value_free(&v);
    } else if (a->ntargets > 2) {
        lesson_value_free(&v);
        rc = lesson_raise_msg(in, LESSON_EXC_VALUE, "ValueError: not enough values to unpack");
    } else if (a->ntargets == 2) {
        if (v.k != V_TUPLE) {
            lesson_value_free(&v);
            rc = lesson_raise(in, LESSON_EXC_TYPE);
        } else {
            lesson_note_value(in, LESSON_RESULT_ASSIGN, side, line, a->target[0], v.a);
            lesson_note_value(in, LESSON_RESULT_ASSIGN, side, line, a->target[1], v.b);
            rc = lesson_var_set(in, side, a->target[0], v.a);
            if (rc == R_OK)
                rc = lesson_var_set(in, side, a->target[1], v.b);
            lesson_value_free(&v);
        }
    } else {
        /* An expression statement's value (s.send(...) -> 5), as the
         * interactive interpreter would echo it; None is not shown. */
        if (v.k != V_NONE && a->expr && a->expr->kind == LX_CALL && a->expr->func != LF_PRINT)
            lesson_note_value(in, LESSON_RESULT_RETURN, side, line, NULL, &v);
        lesson_value_free(&v);
    }
    if (a->with_expr) {
        var *f = lesson_var_get(in, side, a->with_name);
        if (f && f->v.k == V_FILE)
            in->files[f->v.i].closed = true;
    }
    return rc;
}

void lesson_pending_free(pending *p)
{
    if (!p)
        return;
    for (int i = 0; i < LESSON_MAX_CALLS; i++)
        lesson_value_free(&p->memo[i]);
    lesson_value_free(&p->result);
    lesson_value_free(&p->held);
    pending_drop_data(p);
    free(p);
}

/* VAR.ATTRIBUTE: the kernel's or the model's counter of a socket, as this
 * mode's last view has it, or what a makefile() object holds. */
static rc_t eval_attr(interp *in, pending *p, lesson_side side, const lesson_expr *e, value *out)
{
    value obj;
    rc_t rc = lesson_eval(in, p, side, e->a, &obj);
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
        rc = lesson_raise_msg(in, LESSON_EXC_ATTRIBUTE, "AttributeError: no attribute 'buffered'");
    } else if (obj.k != V_SOCK) {
        rc = lesson_raise_msg(in, LESSON_EXC_ATTRIBUTE, "AttributeError: not a socket");
    } else if (obj.i < 0 || obj.i >= v->nsocks) {
        rc = lesson_raise_msg(in, LESSON_EXC_OS, "OSError");
    } else {
        const sock_view *sv = &v->socks[obj.i];
        const lesson_probe *pr = &sv->probe;
        /* The counters, read where the probe keeps them. */
        static const struct {
            lesson_attr attr;
            size_t off;
        } counters[] = {
            {LA_SEND_QUEUE, offsetof(lesson_probe, send_queue_bytes)},
            {LA_UNSENT, offsetof(lesson_probe, unsent_bytes)},
            {LA_IN_FLIGHT, offsetof(lesson_probe, in_flight_bytes)},
            {LA_RECV_QUEUE, offsetof(lesson_probe, recv_queue_bytes)},
            {LA_SNDBUF, offsetof(lesson_probe, sndbuf_bytes)},
            {LA_RCVBUF, offsetof(lesson_probe, rcvbuf_bytes)},
        };
        for (size_t k = 0; k < sizeof counters / sizeof counters[0]; k++)
            if (counters[k].attr == attr) {
                uint32_t n;
                memcpy(&n, (const char *)pr + counters[k].off, sizeof n);
                out->i = n;
                goto done;
            }
        switch (attr) {
        case LA_STATE:
            out->k = V_STATE;
            out->i = pr->state;
            break;
        case LA_BLOCKED:
            out->k = V_BOOL;
            out->i = sv->blocked;
            break;
        case LA_PEER_WINDOW:
            if (!pr->peer_window_known)
                rc = lesson_raise_msg(in, LESSON_EXC_OS,
                                      "not available: this kernel does not report tcpi_snd_wnd");
            out->i = pr->peer_window_bytes;
            break;
        default:
            rc = lesson_raise_msg(in, LESSON_EXC_ATTRIBUTE, "AttributeError");
        }
    }
done:
    lesson_value_free(&obj);
    return rc;
}
