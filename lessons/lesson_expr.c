/* lesson_expr.c: expressions, statements and expectations of a code
 * line. See lesson_lex.h.
 *
 * Every name is checked against the contract as it is read (calls and
 * their arguments, methods on what they apply to, constants, attributes,
 * states, exception names), so the runner only meets trees it can run.
 * A long chain a - b - c is built and typed in a loop, never by recursion.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson_lex.h"

static const struct {
    const char *name;
    lesson_const id;
} consts[] = {
    {"AF_INET", LC_AF_INET},         {"SOCK_STREAM", LC_SOCK_STREAM},
    {"SOL_SOCKET", LC_SOL_SOCKET},   {"IPPROTO_TCP", LC_IPPROTO_TCP},
    {"SO_SNDBUF", LC_SO_SNDBUF},     {"SO_RCVBUF", LC_SO_RCVBUF},
    {"TCP_NODELAY", LC_TCP_NODELAY}, {"TCP_CORK", LC_TCP_CORK},
    {"MSG_MORE", LC_MSG_MORE},       {"MSG_WAITALL", LC_MSG_WAITALL},
    {"SHUT_RD", LC_SHUT_RD},         {"SHUT_WR", LC_SHUT_WR},
    {"SHUT_RDWR", LC_SHUT_RDWR},     {"SO_REUSEADDR", LC_SO_REUSEADDR},
    {"MSG_PEEK", LC_MSG_PEEK},       {"MSG_DONTWAIT", LC_MSG_DONTWAIT},
    {"SO_RCVLOWAT", LC_SO_RCVLOWAT},
};

/* Methods: which call, on what, how many positional arguments. */
static const struct {
    const char *name;
    lesson_func func;
    lesson_type on;
    int min, max;
} methods[] = {
    {"bind", LF_BIND, LT_SOCKET, 1, 1},
    {"listen", LF_LISTEN, LT_SOCKET, 0, 1},
    {"accept", LF_ACCEPT, LT_SOCKET, 0, 0},
    {"connect", LF_CONNECT, LT_SOCKET, 1, 1},
    {"send", LF_SEND, LT_SOCKET, 1, 2},
    {"sendall", LF_SENDALL, LT_SOCKET, 1, 2},
    {"recv", LF_RECV, LT_SOCKET, 1, 2},
    {"recv_into", LF_RECV_INTO, LT_SOCKET, 1, 3},
    {"setblocking", LF_SETBLOCKING, LT_SOCKET, 1, 1},
    {"settimeout", LF_SETTIMEOUT, LT_SOCKET, 1, 1},
    {"gettimeout", LF_GETTIMEOUT, LT_SOCKET, 0, 0},
    {"sendfile", LF_SENDFILE, LT_SOCKET, 1, 3},
    {"register", LF_REGISTER, LT_SELECTOR, 2, 3},
    {"unregister", LF_UNREGISTER, LT_SELECTOR, 1, 1},
    {"modify", LF_MODIFY, LT_SELECTOR, 2, 3},
    {"select", LF_SEL_SELECT, LT_SELECTOR, 0, 1},
    {"close", LF_CLOSE, LT_SELECTOR, 0, 0},
    {"setsockopt", LF_SETSOCKOPT, LT_SOCKET, 3, 3},
    {"getsockopt", LF_GETSOCKOPT, LT_SOCKET, 2, 2},
    {"shutdown", LF_SHUTDOWN, LT_SOCKET, 1, 1},
    {"close", LF_CLOSE, LT_SOCKET, 0, 0},
    {"makefile", LF_MAKEFILE, LT_SOCKET, 1, 1},
    {"write", LF_WRITE, LT_WRITER, 1, 1},
    {"flush", LF_FLUSH, LT_WRITER, 0, 0},
    {"close", LF_CLOSE, LT_WRITER, 0, 0},
    {"read", LF_READ, LT_FILE, 0, 1},
    {"close", LF_CLOSE, LT_FILE, 0, 0},
    {"readline", LF_READLINE, LT_READER, 0, 0},
    {"read", LF_READ, LT_READER, 0, 1},
    {"close", LF_CLOSE, LT_READER, 0, 0},
};

static const struct {
    const char *name;
    lesson_attr attr;
    lesson_type on;
} attrs[] = {
    {"send_queue", LA_SEND_QUEUE, LT_SOCKET}, {"unsent", LA_UNSENT, LT_SOCKET},
    {"in_flight", LA_IN_FLIGHT, LT_SOCKET},   {"recv_queue", LA_RECV_QUEUE, LT_SOCKET},
    {"sndbuf", LA_SNDBUF, LT_SOCKET},         {"rcvbuf", LA_RCVBUF, LT_SOCKET},
    {"blocked", LA_BLOCKED, LT_SOCKET},       {"state", LA_STATE, LT_SOCKET},
    {"buffered", LA_BUFFERED, LT_WRITER},     {"peer_window", LA_PEER_WINDOW, LT_SOCKET},
};

static const char *type_name(lesson_type t)
{
    switch (t) {
    case LT_SOCKET:
        return "socket";
    case LT_WRITER:
        return "BufferedWriter";
    case LT_FILE:
    case LT_READER:
        return "BufferedReader";
    case LT_BYTES:
        return "bytes";
    case LT_INT:
        return "int";
    case LT_FLOAT:
        return "float";
    case LT_TUPLE:
        return "tuple";
    case LT_SELECTOR:
        return "EpollSelector";
    case LT_ANY:
        break;
    }
    return "object";
}

/* ---------------------------------------------------------- expressions */

/* Frees e. A chain a - b - c - ... is a left-deep tree as long as the
 * chain: the loop follows e->a instead of recursing, so the depth of the
 * recursion is bounded by LESSON_MAX_DEPTH whatever the chain's length. */
static void expr_free(lesson_expr *e)
{
    while (e) {
        lesson_expr *next = e->a;
        free(e->data);
        free(e->name);
        expr_free(e->recv);
        for (int i = 0; i < e->nargs; i++) {
            expr_free(e->args[i]);
            free(e->kwname[i]);
        }
        expr_free(e->b);
        free(e);
        e = next;
    }
}

void lesson_ast_free(struct lesson_ast *a)
{
    if (!a)
        return;
    for (int k = 0; k < LESSON_MAX_TARGETS; k++)
        free(a->target[k]);
    expr_free(a->expr);
    expr_free(a->with_expr);
    free(a->with_name);
    expr_free(a->lhs);
    expr_free(a->rhs);
    free(a);
}

/* A node that starts at byte at; a limit it crosses is reported at
 * err_at (a subtraction's '-', not the start of its chain). */
static lesson_expr *expr_new_err(lexer *L, lesson_expr_kind k, size_t at, size_t err_at)
{
    if (++L->nterms > LESSON_MAX_TERMS) {
        lesson_lex_fail(L, err_at,
                        "statement too large: more than %d terms (values, names, calls, operators)",
                        LESSON_MAX_TERMS);
        return NULL;
    }
    if (++L->p->nterms > LESSON_MAX_LESSON_TERMS) {
        lesson_lex_fail(L, err_at,
                        "lesson too large: more than %d terms in its statements and expectations",
                        LESSON_MAX_LESSON_TERMS);
        return NULL;
    }
    lesson_expr *e = calloc(1, sizeof *e);
    if (!e) {
        lesson_lex_fail(L, at, "out of memory");
        return NULL;
    }
    e->kind = k;
    e->col = lesson_col_of(L, at);
    return e;
}

static lesson_expr *expr_new(lexer *L, lesson_expr_kind k, size_t at)
{
    return expr_new_err(L, k, at, at);
}

static lesson_expr *parse_expr(lexer *L);

/* The type of a OP b from the types of a and b (not knowing either, or a
 * TypeError at run time: any). */
static lesson_type binop_type(lesson_expr_kind op, lesson_type ta, lesson_type tb)
{
    bool na = ta == LT_INT || ta == LT_FLOAT, nb = tb == LT_INT || tb == LT_FLOAT;
    if (op == LX_OR)
        return ta == LT_INT && tb == LT_INT ? LT_INT : LT_ANY;
    if (na && nb)
        return ta == LT_FLOAT || tb == LT_FLOAT ? LT_FLOAT : LT_INT;
    if (op == LX_ADD && ta == tb && ta == LT_BYTES)
        return LT_BYTES;
    return LT_ANY;
}

static bool is_binop(lesson_expr_kind k)
{
    return k == LX_SUB || k == LX_ADD || k == LX_OR;
}

static lesson_type expr_type(lexer *L, const lesson_expr *e)
{
    switch (e->kind) {
    case LX_INT:
        return LT_INT;
    case LX_SECONDS:
        return LT_FLOAT;
    case LX_SUB:
    case LX_ADD:
    case LX_OR: {
        /* Walk the chain's left spine, so a long chain costs one pass and
         * no recursion; its operators apply left to right. */
        int n = 0;
        const lesson_expr *x = e;
        for (; is_binop(x->kind); x = x->a)
            n++;
        const lesson_expr **ops = malloc((size_t)n * sizeof *ops);
        if (!ops)
            return LT_ANY;
        int k = n;
        for (const lesson_expr *y = e; is_binop(y->kind); y = y->a)
            ops[--k] = y;
        lesson_type t = expr_type(L, x);
        for (k = 0; k < n; k++)
            t = binop_type(ops[k]->kind, t, expr_type(L, ops[k]->b));
        free(ops);
        return t;
    }
    case LX_BYTES:
        return LT_BYTES;
    case LX_REPEAT: /* b'x' * 3 or 'ab' * 3 */
        return e->a && e->a->kind == LX_STR ? LT_ANY : LT_BYTES;
    case LX_TUPLE:
        return LT_TUPLE;
    case LX_VAR: {
        var_entry *v = lesson_pvar_find(L->p, L->side, e->name, strlen(e->name));
        return v ? v->type : LT_ANY;
    }
    case LX_CALL:
        switch (e->func) {
        case LF_SOCKET:
        case LF_CREATE_CONNECTION:
        case LF_CREATE_SERVER:
            return LT_SOCKET;
        case LF_OPEN:
            return LT_FILE;
        case LF_MAKEFILE:
            return e->nargs && e->args[0]->kind == LX_STR && e->args[0]->len == 2 &&
                           !memcmp(e->args[0]->data, "rb", 2)
                       ? LT_READER
                       : LT_WRITER;
        case LF_RECV:
        case LF_READ:
        case LF_BYTES:
            return LT_BYTES;
        case LF_RECV_INTO:
            return LT_INT;
        case LF_LEN:
        case LF_SEND:
        case LF_GETSOCKOPT:
        case LF_SENDFILE:
        case LF_INT:
            return LT_INT;
        case LF_ACCEPT:
            return LT_TUPLE;
        case LF_MONOTONIC:
            return LT_FLOAT;
        case LF_SELECTOR:
            return LT_SELECTOR;
        default:
            return LT_ANY;
        }
    default:
        return LT_ANY;
    }
}

static bool is_const(const lesson_expr *e, lesson_const c)
{
    return e && e->kind == LX_CONST && e->i == c;
}

/* Checks one address tuple: loopback host, port in range. */
static void check_address(lexer *L, const lesson_expr *a)
{
    if (a->kind == LX_VAR) {
        lesson_type t = expr_type(L, a);
        if (t != LT_ANY && t != LT_TUPLE)
            lesson_lex_fail(L, (size_t)a->col - 1,
                            "expected an address tuple (host, port), found %s", type_name(t));
        return;
    }
    if (a->kind != LX_TUPLE) {
        lesson_lex_fail(L, (size_t)a->col - 1, "expected an address tuple (host, port)");
        return;
    }
    const lesson_expr *h = a->a, *port = a->b;
    if (h->kind != LX_STR) {
        lesson_lex_fail(L, (size_t)h->col - 1, "expected a host string such as 'localhost'");
        return;
    }
    bool loop = (h->len == 0) || (h->len == 9 && !memcmp(h->data, "localhost", 9)) ||
                (h->len == 9 && !memcmp(h->data, "127.0.0.1", 9));
    if (!loop) {
        lesson_lex_fail(L, (size_t)h->col - 1,
                        "host '%.*s' is not reachable: lessons use loopback only ('localhost', "
                        "'127.0.0.1' or '')",
                        (int)(h->len > 40 ? 40 : h->len), (const char *)h->data);
        return;
    }
    if (port->kind != LX_INT || port->data || port->i < 0 || port->i > 65535)
        lesson_lex_fail(L, (size_t)port->col - 1, "expected a port number from 0 to 65535");
}

/* Whether e is call flags sockbuf runs: 0, one of the constants in the
 * mask (bits 1 << lesson_const), or such flags joined with '|'. */
static bool flags_ok(const lesson_expr *e, unsigned mask)
{
    for (; e->kind == LX_OR; e = e->a)
        if (!flags_ok(e->b, mask))
            return false;
    return (e->kind == LX_INT && !e->data && e->i == 0) ||
           (e->kind == LX_CONST && (mask & (1u << e->i)));
}

static void check_call(lexer *L, lesson_expr *e)
{
    lesson_expr **a = e->args;
    int n = e->nargs;
    for (int i = 0; i < n; i++) {
        bool kw_ok =
            e->kwname[i] &&
            ((e->func == LF_MAKEFILE && !strcmp(e->kwname[i], "buffering")) ||
             ((e->func == LF_REGISTER || e->func == LF_MODIFY) && !strcmp(e->kwname[i], "data")) ||
             (e->func == LF_SEL_SELECT && !strcmp(e->kwname[i], "timeout")) ||
             (e->func == LF_CREATE_CONNECTION && !strcmp(e->kwname[i], "timeout")) ||
             (e->func == LF_CREATE_SERVER && !strcmp(e->kwname[i], "backlog")) ||
             (e->func == LF_PRINT &&
              (!strcmp(e->kwname[i], "sep") || !strcmp(e->kwname[i], "end"))));
        if (e->kwname[i] && !kw_ok) {
            lesson_lex_fail(L, (size_t)a[i]->col - 1, "unexpected keyword argument '%s'",
                            e->kwname[i]);
            return;
        }
    }
    switch (e->func) {
    case LF_SOCKET:
        if (n > 2 || (n >= 1 && !is_const(a[0], LC_AF_INET)) ||
            (n == 2 && !is_const(a[1], LC_SOCK_STREAM)))
            lesson_lex_fail(L, (size_t)e->col - 1,
                            "expected socket.socket(socket.AF_INET, socket.SOCK_STREAM)");
        break;
    case LF_OPEN: {
        if (n < 1 || n > 2 || a[0]->kind != LX_STR) {
            lesson_lex_fail(L, (size_t)e->col - 1,
                            "expected open('NAME', 'rb') with a declared file");
            break;
        }
        bool found = false;
        for (size_t i = 0; i < L->p->doc->nfiles; i++)
            if (strlen(L->p->doc->files[i].name) == a[0]->len &&
                !memcmp(L->p->doc->files[i].name, a[0]->data, a[0]->len))
                found = true;
        if (!found) {
            lesson_lex_fail(
                L, (size_t)a[0]->col - 1,
                "file '%.*s' is not declared: add 'file %.*s SIZE' before the first step",
                (int)(a[0]->len > 40 ? 40 : a[0]->len), (const char *)a[0]->data,
                (int)(a[0]->len > 40 ? 40 : a[0]->len), (const char *)a[0]->data);
            break;
        }
        if (n == 2 && !(a[1]->kind == LX_STR && a[1]->len == 2 && !memcmp(a[1]->data, "rb", 2)))
            lesson_lex_fail(L, (size_t)a[1]->col - 1, "expected mode 'rb': lessons read bytes");
        break;
    }
    case LF_LEN:
        if (n != 1)
            lesson_lex_fail(L, (size_t)e->col - 1, "len() takes exactly one argument (%d given)",
                            n);
        break;
    case LF_SLEEP:
        if (n != 1 || (a[0]->kind != LX_INT && a[0]->kind != LX_SECONDS)) {
            lesson_lex_fail(L, (size_t)e->col - 1, "expected time.sleep(SECONDS)");
            break;
        }
        if (a[0]->i < 0) /* CPython: ValueError, said here before anything runs */
            lesson_lex_fail(L, (size_t)a[0]->col - 1,
                            "time.sleep(): sleep length must be non-negative (ValueError)");
        else if ((a[0]->kind == LX_INT && a[0]->data) ||
                 (a[0]->kind == LX_INT && (uint64_t)a[0]->i > LESSON_MAX_WAIT_US / 1000000) ||
                 (a[0]->kind == LX_SECONDS && (uint64_t)a[0]->i > LESSON_MAX_WAIT_US))
            lesson_lex_fail(L, (size_t)a[0]->col - 1, "time.sleep() of at most 60 seconds");
        break;
    case LF_BIND:
    case LF_CONNECT:
    case LF_CREATE_CONNECTION:
        check_address(L, a[0]);
        break;
    case LF_CREATE_SERVER:
        check_address(L, a[0]);
        /* CPython: backlog is keyword-only (create_server(address, *, ...)) */
        if (n == 2 && !e->kwname[1])
            lesson_lex_fail(L, (size_t)a[1]->col - 1,
                            "create_server() takes 1 positional argument: write backlog=N");
        break;
    case LF_LISTEN:
        if (n == 1 && a[0]->kind != LX_INT && a[0]->kind != LX_VAR)
            lesson_lex_fail(L, (size_t)a[0]->col - 1, "expected a backlog integer");
        break;
    case LF_SEND:
    case LF_SENDALL:
        if (n == 2 && !flags_ok(a[1], (1u << LC_MSG_MORE) | (1u << LC_MSG_DONTWAIT)))
            lesson_lex_fail(L, (size_t)a[1]->col - 1,
                            "expected %s() flags socket.MSG_MORE, socket.MSG_DONTWAIT, 0, "
                            "or several joined with '|'",
                            e->func == LF_SEND ? "send" : "sendall");
        break;
    case LF_RECV:
        if (n == 2 &&
            !flags_ok(a[1], (1u << LC_MSG_WAITALL) | (1u << LC_MSG_PEEK) | (1u << LC_MSG_DONTWAIT)))
            lesson_lex_fail(L, (size_t)a[1]->col - 1,
                            "expected recv() flags socket.MSG_WAITALL, socket.MSG_PEEK, "
                            "socket.MSG_DONTWAIT, 0, or several joined with '|'");
        break;
    case LF_SETSOCKOPT:
    case LF_GETSOCKOPT: {
        bool sol = is_const(a[0], LC_SOL_SOCKET), tcp = is_const(a[0], LC_IPPROTO_TCP);
        bool ok = (sol && (is_const(a[1], LC_SO_SNDBUF) || is_const(a[1], LC_SO_RCVBUF) ||
                           is_const(a[1], LC_SO_REUSEADDR) || is_const(a[1], LC_SO_RCVLOWAT))) ||
                  (tcp && (is_const(a[1], LC_TCP_NODELAY) || is_const(a[1], LC_TCP_CORK)));
        if (!ok)
            lesson_lex_fail(L, (size_t)a[0]->col - 1,
                            "expected socket.SOL_SOCKET with SO_SNDBUF, SO_RCVBUF, SO_REUSEADDR or "
                            "SO_RCVLOWAT, "
                            "or socket.IPPROTO_TCP with TCP_NODELAY or TCP_CORK");
        break;
    }
    case LF_SHUTDOWN:
        if (!is_const(a[0], LC_SHUT_RD) && !is_const(a[0], LC_SHUT_WR) &&
            !is_const(a[0], LC_SHUT_RDWR))
            lesson_lex_fail(L, (size_t)a[0]->col - 1,
                            "expected socket.SHUT_RD, socket.SHUT_WR or socket.SHUT_RDWR");
        break;
    case LF_MAKEFILE:
        if (!(a[0]->kind == LX_STR && a[0]->len == 2 &&
              (!memcmp(a[0]->data, "wb", 2) || !memcmp(a[0]->data, "rb", 2))))
            lesson_lex_fail(L, (size_t)a[0]->col - 1,
                            "expected makefile('wb') or makefile('rb'): lessons use bytes");
        for (int i = 1; i < n; i++)
            if (a[i]->kind != LX_INT)
                lesson_lex_fail(L, (size_t)a[i]->col - 1, "expected buffering=INTEGER");
        break;
    default:
        break;
    }
}

/* args := arg (',' arg)*   arg := expr | NAME '=' expr. At '('. */
static bool parse_args(lexer *L, lesson_expr *call, int min, int max, const char *fname)
{
    size_t open = L->t.start;
    lesson_lex_next(L); /* '(' */
    int npos = 0;
    while (!L->failed && !lesson_tok_is(L, ")")) {
        if (L->t.kind == T_EOL) {
            lesson_expected(L, "')' after arguments");
            return false;
        }
        if (call->nargs >= LESSON_MAX_ARGS) {
            lesson_lex_fail(L, L->t.start, "too many arguments to %s()", fname);
            return false;
        }
        char *kw = NULL;
        if (L->t.kind == T_NAME) {
            size_t save = L->pos;
            while (save < L->len && (L->s[save] == ' ' || L->s[save] == '\t'))
                save++;
            if (save < L->len && L->s[save] == '=' &&
                (save + 1 >= L->len || L->s[save + 1] != '=')) {
                bool known =
                    (call->func == LF_MAKEFILE && lesson_tok_name(L, "buffering")) ||
                    ((call->func == LF_REGISTER || call->func == LF_MODIFY) &&
                     lesson_tok_name(L, "data")) ||
                    (call->func == LF_SEL_SELECT && lesson_tok_name(L, "timeout")) ||
                    (call->func == LF_CREATE_CONNECTION && lesson_tok_name(L, "timeout")) ||
                    (call->func == LF_CREATE_SERVER && lesson_tok_name(L, "backlog")) ||
                    (call->func == LF_PRINT &&
                     (lesson_tok_name(L, "sep") || lesson_tok_name(L, "end")));
                if (!known) {
                    lesson_lex_fail(L, L->t.start, "unexpected keyword argument '%.*s'",
                                    (int)(L->t.len > 40 ? 40 : L->t.len), L->s + L->t.start);
                    return false;
                }
                kw = lesson_xstrndup(L->s + L->t.start, L->t.len);
                lesson_lex_next(L); /* name */
                lesson_lex_next(L); /* '=' */
            }
        }
        if (!kw && call->nargs > npos) {
            lesson_lex_fail(L, L->t.start, "positional argument follows keyword argument");
            return false;
        }
        lesson_expr *arg = parse_expr(L);
        if (!arg) {
            free(kw);
            return false;
        }
        call->args[call->nargs] = arg;
        call->kwname[call->nargs] = kw;
        call->nargs++;
        if (!kw)
            npos++;
        if (lesson_tok_is(L, ","))
            lesson_lex_next(L);
        else if (!lesson_tok_is(L, ")")) {
            lesson_expected(L, L->t.kind == T_EOL ? "')' after arguments"
                                                  : "',' or ')' after an argument");
            return false;
        }
    }
    if (L->failed)
        return false;
    if (npos < min || (max >= 0 && npos > max)) {
        if (min == max)
            lesson_lex_fail(L, open, "%s() takes %d argument%s (%d given)", fname, min,
                            min == 1 ? "" : "s", npos);
        else
            lesson_lex_fail(L, open, "%s() takes %d to %d arguments (%d given)", fname, min, max,
                            npos);
        return false;
    }
    lesson_lex_next(L); /* ')' */
    return true;
}

/* Numbers call e, parses its arguments (min..max of them, max -1 for
 * any) and checks the call. Returns e, or NULL after reporting, with e
 * freed. */
static lesson_expr *finish_call(lexer *L, lesson_expr *e, int min, int max, const char *fname)
{
    /* Each call runs once (a lesson has no loops), so its call sites
     * bound what a lesson opens: the runner, the record and the real
     * mode's port map hold that many. */
    if ((e->func == LF_SOCKET || e->func == LF_ACCEPT || e->func == LF_CREATE_CONNECTION ||
         e->func == LF_CREATE_SERVER) &&
        ++L->p->nsocket_calls > LESSON_MAX_SOCKS) {
        lesson_lex_fail(
            L, (size_t)e->col - 1,
            "too many sockets: a lesson opens at most %d (its socket() and accept() calls)",
            LESSON_MAX_SOCKS);
        goto fail;
    }
    if (e->func == LF_MAKEFILE && ++L->p->nmakefile_calls > LESSON_MAX_FILES) {
        lesson_lex_fail(L, (size_t)e->col - 1,
                        "too many makefile() objects: a lesson makes at most %d", LESSON_MAX_FILES);
        goto fail;
    }
    e->call_id = L->ncalls++;
    if (!parse_args(L, e, min, max, fname))
        goto fail;
    check_call(L, e);
    if (L->failed)
        goto fail;
    return e;
fail:
    expr_free(e);
    return NULL;
}

/* True when name is a method of CPython's socket.socket that sockbuf
 * does not have: the lesson is told so, where a typo is an unknown method. */
static bool python_socket_method(const char *name, size_t len)
{
    static const char *const names[] = {
        "fileno",  "getsockname",  "getpeername",     "recvfrom",        "recvfrom_into",
        "recvmsg", "recvmsg_into", "sendto",          "sendmsg",         "detach",
        "dup",     "getblocking",  "get_inheritable", "set_inheritable", "connect_ex",
        "share",   "ioctl",        "sendmsg_afalg",
    };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strlen(names[k]) == len && !memcmp(names[k], name, len))
            return true;
    return false;
}

/* A method call on obj at '(' after ".NAME". */
static lesson_expr *parse_method(lexer *L, lesson_expr *obj, size_t name_at, const char *name,
                                 size_t nlen)
{
    lesson_type t = expr_type(L, obj);
    int found = -1;
    bool known = false;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        if (strlen(methods[i].name) != nlen || memcmp(methods[i].name, name, nlen))
            continue;
        known = true;
        if (t == LT_ANY || methods[i].on == t) {
            found = (int)i;
            break;
        }
    }
    if (!known && t == LT_SOCKET && python_socket_method(name, nlen)) {
        /* s.fileno(): a method Python's object has and sockbuf does not */
        lesson_lex_fail(L, name_at, "`%s.%.*s` is not supported by sockbuf", type_name(t),
                        (int)(nlen > 40 ? 40 : nlen), name);
        expr_free(obj);
        return NULL;
    }
    if (!known) {
        lesson_lex_fail(L, name_at, "unknown method '%.*s'", (int)(nlen > 40 ? 40 : nlen), name);
        expr_free(obj);
        return NULL;
    }
    if (found < 0) {
        lesson_lex_fail(L, name_at, "'%s' object has no method '%.*s'", type_name(t),
                        (int)(nlen > 40 ? 40 : nlen), name);
        expr_free(obj);
        return NULL;
    }
    lesson_expr *e = expr_new(L, LX_CALL, (size_t)obj->col - 1);
    if (!e) {
        expr_free(obj);
        return NULL;
    }
    e->recv = obj;
    e->func = methods[found].func;
    e->name = lesson_xstrndup(name, nlen);
    return finish_call(L, e, methods[found].min, methods[found].max, methods[found].name);
}

/* The module functions and builtins a lesson may call, with how many
 * arguments each takes. */
static const struct {
    const char *module; /* "socket" in socket.socket(); NULL for a builtin */
    const char *name;   /* the function's own name */
    const char *full;   /* as error messages and the AST name it */
    lesson_func func;
    int min, max; /* argument count bounds */
} functions[] = {
    {"socket", "socket", "socket.socket", LF_SOCKET, 0, 2},
    {"socket", "create_connection", "socket.create_connection", LF_CREATE_CONNECTION, 1, 2},
    {"socket", "create_server", "socket.create_server", LF_CREATE_SERVER, 1, 2},
    {"time", "sleep", "time.sleep", LF_SLEEP, 1, 1},
    {"time", "monotonic", "time.monotonic", LF_MONOTONIC, 0, 0},
    {"select", "select", "select.select", LF_SELECT, 3, 4},
    {"selectors", "DefaultSelector", "selectors.DefaultSelector", LF_SELECTOR, 0, 0},
    {NULL, "open", "open", LF_OPEN, 1, 2},
    {NULL, "len", "len", LF_LEN, 1, 1},
    {NULL, "int", "int", LF_INT, 1, 1},
    {NULL, "repr", "repr", LF_REPR, 1, 1},
    {NULL, "bytearray", "bytearray", LF_BYTEARRAY, 0, 1},
    {NULL, "bytes", "bytes", LF_BYTES, 0, 1},
    {NULL, "print", "print", LF_PRINT, 0, LESSON_MAX_ARGS},
};

/* True when name is a module a lesson may import (socket, time, select,
 * selectors): what follows its dot is Python's, supported or not. */
static bool is_module(const char *name, size_t len)
{
    static const char *const modules[] = {"socket", "time", "select", "selectors"};
    for (size_t k = 0; k < sizeof modules / sizeof modules[0]; k++)
        if (strlen(modules[k]) == len && !memcmp(modules[k], name, len))
            return true;
    return false;
}

/* dotted | dotted '(' args ')' ('.' NAME '(' args ')')* */
static lesson_expr *parse_name(lexer *L)
{
    size_t start = L->t.start;
    size_t parts[4][2]; /* start, len */
    int np = 0;
    for (;;) {
        if (np == 4) {
            lesson_lex_fail(L, L->t.start, "name has too many dots");
            return NULL;
        }
        parts[np][0] = L->t.start;
        parts[np][1] = L->t.len;
        np++;
        lesson_lex_next(L);
        if (!lesson_tok_is(L, "."))
            break;
        lesson_lex_next(L);
        if (L->t.kind != T_NAME) {
            lesson_expected(L, "a name after '.'");
            return NULL;
        }
    }
    const char *s = L->s;
#define PART_IS(k, str) (parts[k][1] == strlen(str) && !memcmp(s + parts[k][0], str, parts[k][1]))
    lesson_expr *e = NULL;
    if (lesson_tok_is(L, "(")) {
        if (L->ncalls >= LESSON_MAX_CALLS) {
            lesson_lex_fail(L, start, "too many calls in one statement");
            return NULL;
        }
        int f = -1;
        for (size_t k = 0; f < 0 && k < sizeof(functions) / sizeof(functions[0]); k++) {
            const char *mod = functions[k].module, *fn = functions[k].name;
            if (mod ? np == 2 && PART_IS(0, mod) && PART_IS(1, fn) : np == 1 && PART_IS(0, fn))
                f = (int)k;
        }
        if (f >= 0) {
            const char *fname = functions[f].full;
            e = expr_new(L, LX_CALL, start);
            if (!e)
                return NULL;
            e->func = functions[f].func;
            e->name = lesson_xstrndup(fname, strlen(fname));
            e = finish_call(L, e, functions[f].min, functions[f].max, fname);
            if (!e)
                return NULL;
        } else if (np == 3 && lesson_pvar_find(L->p, L->side, s + parts[0][0], parts[0][1]) &&
                   (PART_IS(1, "fileobj") || PART_IS(1, "data"))) {
            /* key.fileobj.recv(1024): a method of a SelectorKey's field */
            lesson_expr *var = expr_new(L, LX_VAR, start);
            lesson_expr *obj = var ? expr_new(L, LX_FIELD, start) : NULL;
            if (!obj) {
                expr_free(var);
                return NULL;
            }
            var->name = lesson_xstrndup(s + parts[0][0], parts[0][1]);
            obj->a = var;
            obj->name = lesson_xstrndup(s + parts[1][0], parts[1][1]);
            e = parse_method(L, obj, parts[2][0], s + parts[2][0], parts[2][1]);
            if (!e)
                return NULL;
        } else if (np == 2) {
            var_entry *v = lesson_pvar_find(L->p, L->side, s + parts[0][0], parts[0][1]);
            if (!v && is_module(s + parts[0][0], parts[0][1])) {
                lesson_lex_fail(L, start, "`%.*s` is not supported by sockbuf",
                                (int)(L->t.start - start > 40 ? 40 : L->t.start - start),
                                s + start);
                return NULL;
            }
            if (!v) {
                lesson_lex_fail(L, start, "name '%.*s' is not defined on the %s side",
                                (int)(parts[0][1] > 40 ? 40 : parts[0][1]), s + parts[0][0],
                                lesson_side_name(L->side));
                return NULL;
            }
            lesson_expr *obj = expr_new(L, LX_VAR, start);
            if (!obj)
                return NULL;
            obj->name = lesson_xstrndup(s + parts[0][0], parts[0][1]);
            e = parse_method(L, obj, parts[1][0], s + parts[1][0], parts[1][1]);
            if (!e)
                return NULL;
        } else {
            /* socket.socketpair(), input(): Python has it, sockbuf does not
             * (a name sockbuf does not know reads the same way) */
            lesson_lex_fail(L, start, "`%.*s` is not supported by sockbuf",
                            (int)(L->t.start - start > 40 ? 40 : L->t.start - start), s + start);
            return NULL;
        }
        /* chained calls: open(...).read() */
        while (lesson_tok_is(L, ".")) {
            lesson_lex_next(L);
            if (L->t.kind != T_NAME) {
                lesson_expected(L, "a method name after '.'");
                expr_free(e);
                return NULL;
            }
            size_t at = L->t.start, nl = L->t.len;
            lesson_lex_next(L);
            if (!lesson_tok_is(L, "(")) {
                lesson_expected(L, "'(' after a method name");
                expr_free(e);
                return NULL;
            }
            if (L->ncalls >= LESSON_MAX_CALLS) {
                lesson_lex_fail(L, at, "too many calls in one statement");
                expr_free(e);
                return NULL;
            }
            e = parse_method(L, e, at, s + at, nl);
            if (!e)
                return NULL;
        }
        return e;
    }
    /* a constant or a variable */
    if (np == 2 && PART_IS(0, "selectors") &&
        (PART_IS(1, "EVENT_READ") || PART_IS(1, "EVENT_WRITE"))) {
        e = expr_new(L, LX_CONST, start);
        if (!e)
            return NULL;
        bool rd = PART_IS(1, "EVENT_READ");
        e->i = rd ? LC_EVENT_READ : LC_EVENT_WRITE;
        e->name = lesson_xstrndup(rd ? "EVENT_READ" : "EVENT_WRITE", rd ? 10 : 11);
        return e;
    }
    /* a SelectorKey's field: key.fileobj, key.data, key.events */
    if (np == 2 && lesson_pvar_find(L->p, L->side, s + parts[0][0], parts[0][1])) {
        static const char *const fields[] = {"fileobj", "data", "events"};
        for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
            if (PART_IS(1, fields[k])) {
                lesson_expr *obj = expr_new(L, LX_VAR, start);
                e = obj ? expr_new(L, LX_FIELD, start) : NULL;
                if (!e) {
                    expr_free(obj);
                    return NULL;
                }
                obj->name = lesson_xstrndup(s + parts[0][0], parts[0][1]);
                e->a = obj;
                e->name = lesson_xstrndup(fields[k], strlen(fields[k]));
                return e;
            }
    }
    size_t cpart = (np == 2 && PART_IS(0, "socket")) ? 1 : (np == 1 ? 0 : 99);
    if (cpart != 99) {
        for (size_t i = 0; i < sizeof consts / sizeof consts[0]; i++) {
            if (PART_IS(cpart, consts[i].name)) {
                e = expr_new(L, LX_CONST, start);
                if (!e)
                    return NULL;
                e->i = consts[i].id;
                e->name = lesson_xstrndup(consts[i].name, strlen(consts[i].name));
                return e;
            }
        }
    }
    if (np == 1) {
        if (!lesson_pvar_find(L->p, L->side, s + start, parts[0][1])) {
            lesson_lex_fail(L, start, "name '%.*s' is not defined on the %s side",
                            (int)(parts[0][1] > 40 ? 40 : parts[0][1]), s + start,
                            lesson_side_name(L->side));
            return NULL;
        }
        e = expr_new(L, LX_VAR, start);
        if (e)
            e->name = lesson_xstrndup(s + start, parts[0][1]);
        return e;
    }
    if (np == 2 && is_module(s + parts[0][0], parts[0][1])) {
        bool func = false; /* time.monotonic without its call */
        for (size_t k = 0; k < sizeof(functions) / sizeof(functions[0]); k++)
            func = func || (functions[k].module && PART_IS(0, functions[k].module) &&
                            PART_IS(1, functions[k].name));
        if (!func) {
            lesson_lex_fail(L, start, "`%.*s` is not supported by sockbuf",
                            (int)(L->t.start - start > 40 ? 40 : L->t.start - start), s + start);
            return NULL;
        }
    }
    lesson_lex_fail(L, start, "unknown name '%.*s'",
                    (int)(L->t.start - start > 40 ? 40 : L->t.start - start), s + start);
    return NULL;
#undef PART_IS
}

/* An int literal past 64 bits: the expression takes the token's digits. */
static void take_digits(lesson_expr *e, token *t)
{
    if (t->kind == T_INT && t->data) {
        e->data = t->data;
        e->len = t->dlen;
        t->data = NULL;
        t->dlen = 0;
    }
}

/* The items of a list (close "]") or of a tuple (close ")", first item
 * already read): item (',' item)* [','] close, at most LESSON_MAX_ARGS. At
 * the token after '[' or after the tuple's first ','. */
static lesson_expr *parse_items(lexer *L, size_t at, lesson_expr *first, const char *close)
{
    lesson_expr *e = expr_new(L, LX_LIST, at);
    if (!e) {
        expr_free(first);
        return NULL;
    }
    e->i = close[0] == ')'; /* a tuple */
    if (first)
        e->args[e->nargs++] = first;
    while (!lesson_tok_is(L, close)) {
        if (e->nargs == LESSON_MAX_ARGS) {
            lesson_lex_fail(L, L->t.start, "more than %d items", LESSON_MAX_ARGS);
            goto fail;
        }
        lesson_expr *x = parse_expr(L);
        if (!x)
            goto fail;
        e->args[e->nargs++] = x;
        if (lesson_tok_is(L, ","))
            lesson_lex_next(L);
        else if (!lesson_tok_is(L, close)) {
            lesson_lex_fail(L, L->t.start, "expected ',' or '%s' after an item", close);
            goto fail;
        }
    }
    lesson_lex_next(L); /* close */
    return e;
fail:
    expr_free(e);
    return NULL;
}

static lesson_expr *parse_primary(lexer *L);

/* A primary, then its subscripts: x[i]. */
static lesson_expr *parse_atom(lexer *L)
{
    lesson_expr *e = parse_primary(L);
    while (e && lesson_tok_is(L, "[")) {
        size_t at = L->t.start;
        lesson_lex_next(L);
        lesson_expr *ix = lesson_tok_is(L, ":") ? NULL : parse_expr(L);
        if (!ix && !lesson_tok_is(L, ":")) {
            expr_free(e);
            return NULL;
        }
        if (lesson_tok_is(L, ":")) { /* a slice: x[a:b], either bound left out */
            lesson_lex_next(L);
            lesson_expr *stop = lesson_tok_is(L, "]") ? NULL : parse_expr(L);
            lesson_expr *x = NULL;
            if ((stop || lesson_tok_is(L, "]")) &&
                lesson_accept_op(L, "]", "']' after the slice (sockbuf has no step)"))
                x = expr_new(L, LX_SLICE, at);
            if (!x) {
                expr_free(ix);
                expr_free(stop);
                expr_free(e);
                return NULL;
            }
            x->col = e->col;
            x->a = e;
            x->args[0] = ix;
            x->args[1] = stop;
            x->nargs = 2;
            e = x;
            continue;
        }
        if (!lesson_accept_op(L, "]", "']' after the index")) {
            expr_free(ix);
            expr_free(e);
            return NULL;
        }
        lesson_expr *x = expr_new(L, LX_INDEX, at);
        if (!x) {
            expr_free(ix);
            expr_free(e);
            return NULL;
        }
        x->col = e->col;
        x->a = e;
        x->b = ix;
        e = x;
    }
    return e;
}

static lesson_expr *parse_primary(lexer *L)
{
    token *t = &L->t;
    lesson_expr *e = NULL;
    switch (t->kind) {
    case T_INT:
    case T_FLOAT:
        e = expr_new(L, t->kind == T_INT ? LX_INT : LX_SECONDS, t->start);
        if (e) {
            e->i = t->data ? 1 : t->i;
            e->f = t->f;
            take_digits(e, t);
        }
        lesson_lex_next(L);
        return e;
    case T_BYTES:
    case T_STR:
        e = expr_new(L, t->kind == T_BYTES ? LX_BYTES : LX_STR, t->start);
        if (e) {
            e->data = t->data;
            e->len = t->dlen;
            t->data = NULL;
        }
        lesson_lex_next(L);
        return e;
    case T_NAME:
        if (lesson_tok_name(L, "True") || lesson_tok_name(L, "False")) {
            e = expr_new(L, LX_BOOL, t->start);
            if (e)
                e->i = lesson_tok_name(L, "True");
            lesson_lex_next(L);
            return e;
        }
        if (lesson_tok_name(L, "None")) {
            e = expr_new(L, LX_NONE, t->start);
            lesson_lex_next(L);
            return e;
        }
        return parse_name(L);
    case T_PUNCT:
        if (lesson_tok_is(L, "[")) { /* a list: [a, b, ...] */
            size_t at = t->start;
            lesson_lex_next(L);
            return parse_items(L, at, NULL, "]");
        }
        if (lesson_tok_is(L, "(")) {
            size_t at = t->start;
            lesson_lex_next(L);
            lesson_expr *a = parse_expr(L);
            if (!a)
                return NULL;
            if (lesson_tok_is(L, ")")) {
                lesson_lex_next(L);
                return a;
            }
            if (!lesson_tok_is(L, ",")) {
                lesson_expected(L, "',' or ')' in parentheses");
                expr_free(a);
                return NULL;
            }
            lesson_lex_next(L);
            if (lesson_tok_is(L, ")")) /* a one-tuple: (x,) */
                return parse_items(L, at, a, ")");
            lesson_expr *b = parse_expr(L);
            if (!b) {
                expr_free(a);
                return NULL;
            }
            if (lesson_tok_is(L, ",")) { /* three or more: (a, b, c) */
                lesson_lex_next(L);
                e = parse_items(L, at, a, ")");
                if (e && e->nargs < LESSON_MAX_ARGS) {
                    memmove(e->args + 2, e->args + 1, (size_t)(e->nargs - 1) * sizeof e->args[0]);
                    e->args[1] = b;
                    e->nargs++;
                    return e;
                }
                if (e)
                    lesson_lex_fail(L, at, "a tuple of more than %d items", LESSON_MAX_ARGS);
                expr_free(e);
                expr_free(b);
                return NULL;
            }
            if (!lesson_accept_op(L, ")", "')' after a pair")) {
                expr_free(a);
                expr_free(b);
                return NULL;
            }
            e = expr_new(L, LX_TUPLE, at);
            if (!e) {
                expr_free(a);
                expr_free(b);
                return NULL;
            }
            e->a = a;
            e->b = b;
            return e;
        }
        if (lesson_tok_is(L, "-")) {
            size_t at = t->start;
            lesson_lex_next(L);
            if (L->t.kind != T_INT && L->t.kind != T_FLOAT) {
                lesson_expected(L, "a number after '-'");
                return NULL;
            }
            e = expr_new(L, L->t.kind == T_INT ? LX_INT : LX_SECONDS, at);
            if (e) {
                e->i = L->t.data ? -1 : -L->t.i;
                e->f = -L->t.f;
                take_digits(e, &L->t);
            }
            lesson_lex_next(L);
            return e;
        }
        break;
    default:
        break;
    }
    lesson_expected(L, "an expression");
    return NULL;
}

/* arith := atom ['*' INT] | atom (('-' | '+') atom)*. Operand types are
 * Python's business at run time: `None - 1` is a TypeError when the
 * statement runs, as in CPython, not a parse error. */
static lesson_expr *parse_arith(lexer *L)
{
    lesson_expr *a = parse_atom(L);
    if (a && lesson_tok_is(L, "*")) {
        /* b'x' * N and 'ab' * N, or the count first: N * b'x' */
        size_t at = (size_t)a->col - 1, n_at = 0;
        lesson_lex_next(L);
        lesson_expr *lit = a;
        int64_t n = 0;
        bool big = false;
        if (a->kind == LX_INT && (L->t.kind == T_BYTES || L->t.kind == T_STR)) {
            n = a->i;
            big = a->data != NULL;
            n_at = at;
            expr_free(a);
            lit = parse_atom(L);
        } else if (L->t.kind != T_INT) {
            lesson_expected(L, "an integer after '*'");
            expr_free(a);
            lit = NULL;
        } else {
            n = L->t.i;
            big = L->t.data != NULL;
            n_at = L->t.start;
        }
        if (n < 0)
            n = 0; /* Python: a negative count repeats nothing */
        if (lit && lit->kind != LX_BYTES && lit->kind != LX_STR) {
            lesson_lex_fail(L, (size_t)lit->col - 1,
                            "only a bytes or str literal can be repeated with '*'");
            expr_free(lit);
            lit = NULL;
        } else if (lit && (big || (uint64_t)n * (lit->len ? lit->len : 1) > LESSON_MAX_DATA_BYTES ||
                           (uint64_t)n > LESSON_MAX_DATA_BYTES)) {
            lesson_lex_fail(L, n_at, "repeated bytes value too large: at most 64 MiB");
            expr_free(lit);
            lit = NULL;
        }
        a = NULL;
        if (lit) {
            if (n_at != at)
                lesson_lex_next(L); /* the count after '*' */
            lesson_expr *r = expr_new(L, LX_REPEAT, at);
            if (!r) {
                expr_free(lit);
            } else {
                r->a = lit;
                r->i = n;
                a = r;
            }
        }
    }
    while (a && (lesson_tok_is(L, "-") || lesson_tok_is(L, "+"))) {
        size_t op_at = L->t.start;
        lesson_expr_kind k = lesson_tok_is(L, "-") ? LX_SUB : LX_ADD;
        lesson_lex_next(L);
        lesson_expr *b = parse_atom(L);
        if (!b) {
            expr_free(a);
            a = NULL;
            break;
        }
        lesson_expr *d = expr_new_err(L, k, (size_t)a->col - 1, op_at);
        if (!d) {
            expr_free(a);
            expr_free(b);
            a = NULL;
            break;
        }
        d->a = a;
        d->b = b;
        a = d;
    }
    return a;
}

/* expr := arith ('|' arith)*: '|' binds looser than '-' and '+'. */
static lesson_expr *parse_expr(lexer *L)
{
    if (++L->depth > LESSON_MAX_DEPTH) {
        lesson_lex_fail(L, L->t.start, "expression nested too deeply (more than %d levels)",
                        LESSON_MAX_DEPTH);
        return NULL;
    }
    lesson_expr *a = parse_arith(L);
    while (a && lesson_tok_is(L, "|")) {
        size_t op_at = L->t.start;
        lesson_lex_next(L);
        lesson_expr *b = parse_arith(L);
        if (!b) {
            expr_free(a);
            a = NULL;
            break;
        }
        lesson_expr *d = expr_new_err(L, LX_OR, (size_t)a->col - 1, op_at);
        if (!d) {
            expr_free(a);
            expr_free(b);
            a = NULL;
            break;
        }
        d->a = a;
        d->b = b;
        a = d;
    }
    L->depth--;
    return a;
}

/* ----------------------------------------------------------- statements */

static bool expect_eol(lexer *L, const char *after)
{
    if (L->t.kind == T_EOL)
        return true;
    char what[80];
    snprintf(what, sizeof what, "end of line after %s", after);
    lesson_expected(L, what);
    return false;
}

static bool take_name(lexer *L, char **out)
{
    *out = lesson_xstrndup(L->s + L->t.start, L->t.len);
    if (!*out) {
        lesson_lex_fail(L, L->t.start, "out of memory");
        return false;
    }
    lesson_lex_next(L);
    return true;
}

static bool is_reserved(const lexer *L)
{
    static const char *const words[] = {"True",   "False", "None", "import", "with",  "as",
                                        "socket", "time",  "open", "len",    "print", "error"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (lesson_tok_name(L, words[i]))
            return true;
    return false;
}

/* One assignment or call: [target [, target] =] expr. */
/* Binds a side's variable at parse time; a new one past LESSON_MAX_VARS
 * is an error at at (the runner could not hold it). */
static bool bind_var(lexer *L, size_t at, const char *name, lesson_type t)
{
    if (!lesson_pvar_set(L->p, L->side, name, t)) {
        lesson_lex_fail(L, at, "too many variables on the %s side: at most %d",
                        lesson_side_name(L->side), LESSON_MAX_VARS);
        return false;
    }
    return true;
}

static bool parse_simple(lexer *L, struct lesson_ast *a)
{
    size_t target_at[LESSON_MAX_TARGETS] = {0};
    if (L->t.kind == T_NAME) {
        size_t j = L->pos;
        while (j < L->len && (L->s[j] == ' ' || L->s[j] == '\t'))
            j++;
        bool assign = j < L->len && L->s[j] == '=' && (j + 1 >= L->len || L->s[j + 1] != '=');
        bool pair = j < L->len && L->s[j] == ',';
        if (assign || pair) {
            if (is_reserved(L)) {
                lesson_lex_fail(L, L->t.start, "cannot assign to '%.*s'", (int)L->t.len,
                                L->s + L->t.start);
                return false;
            }
            target_at[0] = L->t.start;
            if (!take_name(L, &a->target[0]))
                return false;
            a->ntargets = 1;
            while (pair && lesson_tok_is(L, ",")) {
                lesson_lex_next(L); /* ',' */
                if (L->t.kind != T_NAME || is_reserved(L)) {
                    lesson_expected(L, "a variable name after ','");
                    return false;
                }
                if (a->ntargets == LESSON_MAX_TARGETS) {
                    lesson_lex_fail(L, L->t.start, "more than %d names to unpack into",
                                    LESSON_MAX_TARGETS);
                    return false;
                }
                target_at[a->ntargets] = L->t.start;
                if (!take_name(L, &a->target[a->ntargets]))
                    return false;
                a->ntargets++;
            }
            if (!lesson_accept_op(L, "=", "'=' after the variables"))
                return false;
        }
    }
    a->expr = parse_expr(L);
    if (!a->expr)
        return false;
    if (!expect_eol(L, "the statement"))
        return false;
    lesson_type t = expr_type(L, a->expr);
    if (a->ntargets == 2) {
        if (!(a->expr->kind == LX_CALL && a->expr->func == LF_ACCEPT) &&
            a->expr->kind != LX_TUPLE && t != LT_ANY && t != LT_TUPLE) {
            lesson_lex_fail(L, (size_t)a->expr->col - 1,
                            "cannot unpack %s into two variables: expected accept() or a pair",
                            type_name(t));
            return false;
        }
        bool acc = a->expr->kind == LX_CALL && a->expr->func == LF_ACCEPT;
        if (!bind_var(L, target_at[0], a->target[0],
                      acc ? LT_SOCKET
                          : (a->expr->kind == LX_TUPLE ? expr_type(L, a->expr->a) : LT_ANY)) ||
            !bind_var(L, target_at[1], a->target[1],
                      acc ? LT_TUPLE
                          : (a->expr->kind == LX_TUPLE ? expr_type(L, a->expr->b) : LT_ANY)))
            return false;
    } else if (a->ntargets == 1) {
        return bind_var(L, target_at[0], a->target[0], t);
    } else {
        for (int k = 0; k < a->ntargets; k++)
            if (!bind_var(L, target_at[k], a->target[k], LT_ANY))
                return false;
    }
    return true;
}

struct lesson_ast *lesson_parse_statement(lexer *L)
{
    struct lesson_ast *a = calloc(1, sizeof *a);
    if (!a) {
        lesson_lex_fail(L, 0, "out of memory");
        return NULL;
    }
    a->kind = LS_STMT;
    lesson_lex_next(L);
    if (L->t.kind == T_EOL) {
        lesson_expected(L, "a statement");
        goto fail;
    }
    if (lesson_tok_name(L, "import")) {
        lesson_lex_next(L);
        if (!lesson_tok_name(L, "socket") && !lesson_tok_name(L, "time") &&
            !lesson_tok_name(L, "select") && !lesson_tok_name(L, "selectors")) {
            if (L->t.kind == T_NAME)
                lesson_lex_fail(L, L->t.start,
                                "`import %.*s` is not supported by sockbuf "
                                "(a lesson imports socket, time, select or selectors)",
                                (int)(L->t.len > 40 ? 40 : L->t.len), L->s + L->t.start);
            else
                lesson_expected(L, "'socket', 'time', 'select' or 'selectors' after import");
            goto fail;
        }
        lesson_lex_next(L);
        if (!expect_eol(L, "the import"))
            goto fail;
        a->kind = LS_IMPORT;
        return a;
    }
    if (lesson_tok_name(L, "with")) {
        lesson_lex_next(L);
        a->with_expr = parse_expr(L);
        if (!a->with_expr)
            goto fail;
        if (!(a->with_expr->kind == LX_CALL && a->with_expr->func == LF_OPEN)) {
            lesson_lex_fail(L, (size_t)a->with_expr->col - 1, "expected open(...) after 'with'");
            goto fail;
        }
        if (!lesson_tok_name(L, "as")) {
            lesson_expected(L, "'as' after with open(...)");
            goto fail;
        }
        lesson_lex_next(L);
        if (L->t.kind != T_NAME || is_reserved(L)) {
            lesson_expected(L, "a variable name after 'as'");
            goto fail;
        }
        size_t name_at = L->t.start;
        if (!take_name(L, &a->with_name))
            goto fail;
        if (!lesson_accept_op(L, ":", "':' after the with clause"))
            goto fail;
        if (!bind_var(L, name_at, a->with_name, LT_FILE))
            goto fail;
        if (L->t.kind == T_EOL) {
            lesson_expected(L, "a statement after ':' on the same line");
            goto fail;
        }
    }
    if (!parse_simple(L, a))
        goto fail;
    a->ncalls = L->ncalls;
    return a;
fail:
    lesson_ast_free(a);
    return NULL;
}

/* The left side of an expectation: error, len(VAR), VAR or VAR.ATTRIBUTE,
 * with VAR's type in *vt and the attribute in *attr (LA_NONE: none). */
static lesson_expr *parse_expect_lhs(lexer *L, lesson_type *vt, lesson_attr *attr)
{
    lesson_expr *e = NULL;
    size_t at = L->t.start;
    *vt = LT_ANY;
    *attr = LA_NONE;
    if (L->t.kind != T_NAME) {
        lesson_expected(L, "a variable, len(VAR), VAR.ATTRIBUTE or error");
        return NULL;
    }
    if (lesson_tok_name(L, "error")) {
        e = expr_new(L, LX_ERROR, at);
        lesson_lex_next(L);
        return e;
    }
    bool len = lesson_tok_name(L, "len");
    if (len) {
        lesson_lex_next(L);
        if (!lesson_accept_op(L, "(", "'(' after len"))
            return NULL;
        if (L->t.kind != T_NAME) {
            lesson_expected(L, "a variable inside len()");
            return NULL;
        }
    }
    size_t var_at = L->t.start;
    lesson_expr *v = expr_new(L, LX_VAR, var_at);
    if (!v || !take_name(L, &v->name))
        goto fail;
    var_entry *ve = lesson_pvar_find(L->p, L->side, v->name, strlen(v->name));
    if (!ve) {
        lesson_lex_fail(L, var_at, "name '%s' is not defined on the %s side", v->name,
                        lesson_side_name(L->side));
        goto fail;
    }
    *vt = ve->type;
    if (len) {
        if (!lesson_accept_op(L, ")", "')' after len(VAR"))
            goto fail;
        e = expr_new(L, LX_CALL, at);
        if (!e)
            goto fail;
        e->func = LF_LEN;
        e->args[0] = v;
        e->nargs = 1;
        return e;
    }
    if (!lesson_tok_is(L, "."))
        return v;
    lesson_lex_next(L);
    if (L->t.kind != T_NAME) {
        lesson_expected(L, "an attribute name after '.'");
        goto fail;
    }
    size_t k;
    for (k = 0; k < sizeof attrs / sizeof attrs[0]; k++)
        if (lesson_tok_name(L, attrs[k].name))
            break;
    if (k == sizeof attrs / sizeof attrs[0]) {
        char found[64];
        lesson_tok_describe(L, found, sizeof found);
        lesson_lex_fail(L, L->t.start,
                        "unknown attribute %s: expected send_queue, unsent, in_flight, recv_queue, "
                        "sndbuf, rcvbuf, peer_window, blocked, state or buffered",
                        found);
        goto fail;
    }
    if (*vt != LT_ANY && *vt != attrs[k].on &&
        !(attrs[k].attr == LA_BUFFERED && *vt == LT_READER)) {
        lesson_lex_fail(L, L->t.start, "'%s' object has no attribute '%s'", type_name(*vt),
                        attrs[k].name);
        goto fail;
    }
    e = expr_new(L, LX_ATTR, at);
    if (!e)
        goto fail;
    e->i = attrs[k].attr;
    e->a = v;
    *attr = attrs[k].attr;
    lesson_lex_next(L);
    return e;
fail:
    expr_free(v);
    return NULL;
}

/* The right side: a number, bytes or str (bytes * N), True, False, None,
 * a TCP state name, an exception name or a variable of the side. */
static lesson_expr *parse_expect_rhs(lexer *L)
{
    lesson_expr *e = NULL;
    size_t at = L->t.start;
    bool neg = false;
    lesson_tcp_state st;
    lesson_exc exc;
    bool any_fin = false;
    if (lesson_tok_is(L, "-")) {
        neg = true;
        lesson_lex_next(L);
        if (L->t.kind != T_INT && L->t.kind != T_FLOAT) {
            lesson_expected(L, "a number after '-'");
            return NULL;
        }
    }
    switch (L->t.kind) {
    case T_INT:
    case T_FLOAT:
        e = expr_new(L, L->t.kind == T_INT ? LX_INT : LX_SECONDS, at);
        if (!e)
            return NULL;
        e->i = L->t.data ? (neg ? -1 : 1) : (neg ? -L->t.i : L->t.i);
        e->f = neg ? -L->t.f : L->t.f;
        take_digits(e, &L->t);
        lesson_lex_next(L);
        return e;
    case T_BYTES:
    case T_STR:
        e = expr_new(L, L->t.kind == T_BYTES ? LX_BYTES : LX_STR, at);
        if (!e)
            return NULL;
        e->data = L->t.data;
        e->len = L->t.dlen;
        L->t.data = NULL;
        lesson_lex_next(L);
        if (e->kind == LX_BYTES && lesson_tok_is(L, "*")) {
            lesson_lex_next(L);
            if (L->t.kind != T_INT) {
                lesson_expected(L, "an integer after '*'");
                goto fail;
            }
            uint64_t total = (uint64_t)L->t.i * e->len;
            if (L->t.data || (uint64_t)L->t.i > LESSON_MAX_DATA_BYTES ||
                total > LESSON_MAX_DATA_BYTES) {
                lesson_lex_fail(L, L->t.start, "repeated bytes value too large: at most 64 MiB");
                goto fail;
            }
            uint8_t *d = malloc(total ? total : 1);
            if (!d) {
                lesson_lex_fail(L, L->t.start, "out of memory");
                goto fail;
            }
            for (int64_t r = 0; r < L->t.i; r++)
                memcpy(d + (size_t)r * e->len, e->data, e->len);
            free(e->data);
            e->data = d;
            e->len = (size_t)total;
            lesson_lex_next(L);
        }
        return e;
    case T_NAME:
        if (lesson_tok_name(L, "True") || lesson_tok_name(L, "False")) {
            e = expr_new(L, LX_BOOL, at);
            if (e)
                e->i = lesson_tok_name(L, "True");
        } else if (lesson_tok_name(L, "None")) {
            e = expr_new(L, LX_NONE, at);
        } else if (lesson_tcp_state_parse(L->s + L->t.start, L->t.len, &st, &any_fin) == 0) {
            e = expr_new(L, LX_STATE, at);
            if (e) {
                e->i = st;
                e->len = any_fin;
            }
        } else if (lesson_exc_parse(L->s + L->t.start, L->t.len, &exc) == 0) {
            e = expr_new(L, LX_EXC, at);
            if (e)
                e->i = exc;
        } else if (lesson_pvar_find(L->p, L->side, L->s + L->t.start, L->t.len)) {
            e = expr_new(L, LX_VAR, at);
            if (e && !(e->name = lesson_xstrndup(L->s + L->t.start, L->t.len)))
                goto fail;
        } else {
            lesson_lex_fail(
                L, L->t.start,
                "name '%.*s' is not defined on the %s side: expected a value (an integer, "
                "a bytes literal, True, False, None, a TCP state, an exception name or a "
                "variable of that side)",
                (int)(L->t.len > 40 ? 40 : L->t.len), L->s + L->t.start, lesson_side_name(L->side));
            return NULL;
        }
        if (e)
            lesson_lex_next(L);
        return e;
    default:
        lesson_expected(L, "a value (a number, a bytes literal, True, False, None, a state name or "
                           "an exception name)");
        return NULL;
    }
fail:
    expr_free(e);
    return NULL;
}

/* Does the right side suit what the left side reads? want gets what would. */
static bool expect_suits(const lesson_expr *lhs, lesson_attr attr, lesson_op op,
                         const lesson_expr *rhs, const char **want)
{
    bool ordered = op != LO_EQ && op != LO_NE;
    lesson_expr_kind r = rhs->kind;
    if (lhs->kind == LX_ERROR) {
        *want = "an exception name or None with == or !=";
        return (r == LX_EXC || r == LX_NONE) && !ordered;
    }
    switch (attr) {
    case LA_STATE:
        *want = "a TCP state name with == or !=";
        return r == LX_STATE && !ordered;
    case LA_BLOCKED:
        *want = "True or False with == or !=";
        return r == LX_BOOL && !ordered;
    case LA_NONE:
        *want = "an integer, a bytes literal, True, False, None or a variable";
        return r != LX_STATE && r != LX_EXC;
    default:
        *want = "a number or a variable";
        return r == LX_INT || r == LX_SECONDS || r == LX_VAR;
    }
}

/* EXPR OP VALUE, after "SIDE:": both sides as expressions. */
struct lesson_ast *lesson_parse_expectation(lexer *L)
{
    static const struct {
        const char *op;
        lesson_op id;
    } ops[] = {{"==", LO_EQ}, {"!=", LO_NE}, {"<", LO_LT},
               {"<=", LO_LE}, {">", LO_GT},  {">=", LO_GE}};
    struct lesson_ast *a = calloc(1, sizeof *a);
    lesson_type vt;
    lesson_attr attr;
    const char *want = "";
    if (!a) {
        lesson_lex_fail(L, 0, "out of memory");
        return NULL;
    }
    a->kind = LS_EXPECT;
    lesson_lex_next(L);
    if (!(a->lhs = parse_expect_lhs(L, &vt, &attr)))
        goto fail;
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        if (lesson_tok_is(L, ops[k].op))
            a->op = ops[k].id;
    if (!a->op) {
        lesson_expected(L, "a comparison (==, !=, <, <=, >, >=)");
        goto fail;
    }
    lesson_lex_next(L);
    size_t vat = L->t.start;
    if (!(a->rhs = parse_expect_rhs(L)) || !expect_eol(L, "the expected value"))
        goto fail;
    if (!expect_suits(a->lhs, attr, a->op, a->rhs, &want)) {
        lesson_lex_fail(L, vat, "expected %s here", want);
        goto fail;
    }
    return a;
fail:
    lesson_ast_free(a);
    return NULL;
}
