/* lesson_parse.c: reads a .lesson file (SPEC.md section 3) into a lesson_doc.
 *
 * A hand-written line-oriented reader: each line is one directive; the
 * lines that hold Python (statements, expectations) go through a small
 * lexer and a recursive-descent parser into the trees of lesson_ast.h.
 * Every name the contract knows is checked here (methods, constants,
 * declared files, sides, model keys, attributes, states, exception names,
 * loopback hosts), so a lesson fails when it is read, not when it runs.
 *
 * Robustness: the input is untrusted. NUL bytes and invalid UTF-8 are
 * errors with a position; integers are parsed with overflow checks; the
 * parser's recursion is bounded by LESSON_MAX_DEPTH; everything is linear in
 * the input, so a 2 MB line costs a few milliseconds. After an error the
 * reader skips to the next line and stops after LESSON_MAX_DIAGS errors.
 *
 * Called by lesson_parse_file(), the CLI, the window and the tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lesson.h"
#include "lesson_ast.h"
#include "lesson_record.h"

enum { MAX_VARS = 64, MAX_STEPS = 1000, MAX_LINES_PER_STEP = 1000 };
#define MAX_FILE_BYTES ((uint64_t)64 << 20)

/* ---------------------------------------------------------------- names */

const char *lesson_side_name(lesson_side side)
{
    return side == LESSON_SERVER ? "server" : "client";
}

static const struct {
    const char *name;
    lesson_const id;
} consts[] = {
    {"AF_INET", LC_AF_INET},         {"SOCK_STREAM", LC_SOCK_STREAM}, {"SOL_SOCKET", LC_SOL_SOCKET},
    {"IPPROTO_TCP", LC_IPPROTO_TCP}, {"SO_SNDBUF", LC_SO_SNDBUF},     {"SO_RCVBUF", LC_SO_RCVBUF},
    {"TCP_NODELAY", LC_TCP_NODELAY}, {"TCP_CORK", LC_TCP_CORK},       {"MSG_MORE", LC_MSG_MORE},
    {"MSG_WAITALL", LC_MSG_WAITALL}, {"SHUT_RD", LC_SHUT_RD},         {"SHUT_WR", LC_SHUT_WR},
    {"SHUT_RDWR", LC_SHUT_RDWR},
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
    {"setblocking", LF_SETBLOCKING, LT_SOCKET, 1, 1},
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
    case LT_ANY:
        break;
    }
    return "object";
}

/* --------------------------------------------------------------- parser */

typedef struct {
    char *name;
    lesson_type type;
} var_entry;

typedef struct {
    const char *path;
    lesson_diag *diags;
    int *ndiags;
    int nerr;
    lesson_doc *doc;
    lesson_step *step; /* the current step, or NULL in the header */
    var_entry vars[2][MAX_VARS];
    int nvars[2];
    int line;        /* the line being read */
    int lesson_line; /* where `lesson` was, 0 if not yet */
    char *answer_text;            /* the current step's `answer` line, parsed at the step's end */
    size_t answer_len, answer_at; /* its length; where its SIDE starts */
} parser;

static void perr(parser *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void perr(parser *p, int line, int col, const char *fmt, ...)
{
    if (p->nerr < LESSON_MAX_DIAGS && p->diags) {
        lesson_diag *d = &p->diags[p->nerr];
        va_list ap;
        d->line = line;
        d->col = col < 1 ? 1 : col;
        va_start(ap, fmt);
        vsnprintf(d->message, sizeof d->message, fmt, ap);
        va_end(ap);
        /* One line each, whatever a quoted name contains. */
        for (char *c = d->message; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7F)
                *c = '?';
    }
    p->nerr++;
    if (p->ndiags)
        *p->ndiags = p->nerr < LESSON_MAX_DIAGS ? p->nerr : LESSON_MAX_DIAGS;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static var_entry *var_find(parser *p, int side, const char *name, size_t len)
{
    for (int i = 0; i < p->nvars[side]; i++)
        if (strlen(p->vars[side][i].name) == len && !memcmp(p->vars[side][i].name, name, len))
            return &p->vars[side][i];
    return NULL;
}

static void var_set(parser *p, int side, const char *name, lesson_type t)
{
    var_entry *v = var_find(p, side, name, strlen(name));
    if (v) {
        v->type = t;
        return;
    }
    if (p->nvars[side] >= MAX_VARS)
        return;
    char *n = xstrndup(name, strlen(name));
    if (!n)
        return;
    p->vars[side][p->nvars[side]].name = n;
    p->vars[side][p->nvars[side]].type = t;
    p->nvars[side]++;
}

/* ---------------------------------------------------------------- lexer */

typedef enum {
    T_EOL = 0,
    T_NAME,
    T_INT,
    T_FLOAT,
    T_BYTES,
    T_STR,
    T_PUNCT,
    T_BAD,
} tok_kind;

typedef struct {
    tok_kind kind;
    size_t start, len; /* in the line */
    int64_t i;         /* T_INT value; T_FLOAT: microseconds */
    double f;          /* T_FLOAT: the literal's value, as Python reads it */
    uint8_t *data;     /* T_BYTES/T_STR decoded, owned by the lexer until taken */
    size_t dlen;
    char op[3]; /* T_PUNCT: "(", "==", ... */
} token;

typedef struct {
    parser *p;
    lesson_side side;
    const char *s; /* the line */
    size_t len;
    size_t pos;
    size_t code_end; /* where a '#' comment starts, or len */
    int base_col;    /* column of s[0] is base_col + 1... s is the whole line */
    token t;
    int depth;
    int ncalls;
    bool failed;
} lexer;

static int col_of(const lexer *L, size_t off)
{
    (void)L;
    return (int)(off + 1);
}

static void lex_fail(lexer *L, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void lex_fail(lexer *L, size_t off, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    if (L->failed)
        return;
    L->failed = true;
    /* A name left undefined by an earlier broken line is not news. */
    if (L->p->nerr > 0 && !strncmp(fmt, "name '", 6))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    perr(L->p, L->p->line, col_of(L, off), "%s", msg);
}

/* Describes the current token for "found ..." in messages. */
static void tok_describe(const lexer *L, char *out, size_t outlen)
{
    const token *t = &L->t;
    switch (t->kind) {
    case T_EOL:
        snprintf(out, outlen, "end of line");
        return;
    case T_INT:
    case T_FLOAT:
        snprintf(out, outlen, "number %.*s", (int)(t->len > 24 ? 24 : t->len), L->s + t->start);
        return;
    case T_BYTES:
        snprintf(out, outlen, "bytes literal");
        return;
    case T_STR:
        snprintf(out, outlen, "string literal");
        return;
    default:
        snprintf(out, outlen, "'%.*s%s'", (int)(t->len > 24 ? 24 : t->len), L->s + t->start,
                 t->len > 24 ? "..." : "");
        return;
    }
}

static void tok_clear(token *t)
{
    free(t->data);
    t->data = NULL;
    t->dlen = 0;
}

static bool is_name_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(int c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static size_t utf8_put(uint8_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | (cp >> 6));
        o[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | (cp >> 12));
        o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | (cp >> 18));
    o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* The byte a one-letter escape such as \n stands for, or -1 when e is not
 * one (\x, \u, octal and unknown escapes are read by the caller). */
static int simple_escape(char e)
{
    static const char letter[] = "\\'\"nrtabfv";
    static const char byte[] = "\\'\"\n\r\t\a\b\f\v";
    const char *hit = e ? strchr(letter, e) : NULL;
    return hit ? (unsigned char)byte[hit - letter] : -1;
}

/* Reads a Python string or bytes literal whose opening quote is at s[q].
 * Returns the offset after the closing quote, or 0 after reporting. The
 * decoded contents (malloc'd) go to *out. Shared by the lexer and `file`. */
static size_t read_string(lexer *L, size_t q, bool is_bytes, bool raw, uint8_t **out,
                          size_t *outlen)
{
    const char *s = L->s;
    char quote = s[q];
    size_t i = q + 1, n = 0;
    /* Decoded output is never longer than the source. */
    uint8_t *o = malloc(L->len - q + 4);
    if (!o) {
        lex_fail(L, q, "out of memory");
        return 0;
    }
    while (i < L->len && s[i] != quote) {
        unsigned char c = (unsigned char)s[i];
        if (is_bytes && c >= 0x80) {
            lex_fail(L, i, "bytes can only contain ASCII literal characters");
            goto fail;
        }
        if (c != '\\' || raw) {
            o[n++] = c;
            i++;
            if (raw && c == '\\' && i < L->len)
                o[n++] = (uint8_t)s[i++];
            continue;
        }
        if (i + 1 >= L->len)
            break; /* unterminated */
        char e = s[i + 1];
        size_t at = i;
        i += 2;
        int one = simple_escape(e);
        if (one >= 0) {
            o[n++] = (uint8_t)one;
            continue;
        }
        switch (e) {
        case 'x': {
            int h1 = i < L->len ? hexval((unsigned char)s[i]) : -1;
            int h2 = i + 1 < L->len ? hexval((unsigned char)s[i + 1]) : -1;
            if (h1 < 0 || h2 < 0) {
                lex_fail(L, at, "invalid \\x escape: expected two hex digits");
                goto fail;
            }
            i += 2;
            if (is_bytes)
                o[n++] = (uint8_t)(h1 * 16 + h2);
            else
                n += utf8_put(o + n, (uint32_t)(h1 * 16 + h2));
            break;
        }
        case 'u':
        case 'U': {
            if (is_bytes) {
                o[n++] = '\\';
                o[n++] = (uint8_t)e;
                break;
            }
            int digits = e == 'u' ? 4 : 8;
            uint32_t cp = 0;
            for (int k = 0; k < digits; k++) {
                int h = i < L->len ? hexval((unsigned char)s[i]) : -1;
                if (h < 0) {
                    lex_fail(L, at, "invalid \\%c escape: expected %d hex digits", e, digits);
                    goto fail;
                }
                cp = cp * 16 + (uint32_t)h;
                i++;
            }
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                lex_fail(L, at, "invalid \\%c escape: not a Unicode code point", e);
                goto fail;
            }
            n += utf8_put(o + n, cp);
            break;
        }
        default:
            if (e >= '0' && e <= '7') {
                unsigned v = (unsigned)(e - '0');
                for (int k = 0; k < 2 && i < L->len && s[i] >= '0' && s[i] <= '7'; k++)
                    v = v * 8 + (unsigned)(s[i++] - '0');
                if (is_bytes)
                    o[n++] = (uint8_t)(v & 0xFF);
                else
                    n += utf8_put(o + n, v);
            } else {
                /* Python keeps unknown escapes as written. */
                o[n++] = '\\';
                i--;
            }
        }
    }
    if (i >= L->len) {
        lex_fail(L, q, "unterminated string literal: expected %c before end of line", quote);
        goto fail;
    }
    *out = o;
    *outlen = n;
    return i + 1;
fail:
    free(o);
    return 0;
}

/* Parses decimal digits at s[i..] into *v with overflow checks. */
static size_t read_digits(const char *s, size_t i, size_t len, int64_t *v, bool *overflow)
{
    int64_t x = 0;
    *overflow = false;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        int d = s[i] - '0';
        if (x > (INT64_MAX - d) / 10)
            *overflow = true;
        else
            x = x * 10 + d;
        i++;
    }
    *v = x;
    return i;
}

static void lex_next(lexer *L)
{
    token *t = &L->t;
    tok_clear(t);
    const char *s = L->s;
    while (L->pos < L->len && (s[L->pos] == ' ' || s[L->pos] == '\t'))
        L->pos++;
    t->start = L->pos;
    t->len = 0;
    if (L->failed || L->pos >= L->len || s[L->pos] == '#') {
        if (L->pos < L->len && s[L->pos] == '#' && L->code_end > L->pos)
            L->code_end = L->pos;
        t->kind = T_EOL;
        return;
    }
    size_t i = L->pos;
    unsigned char c = (unsigned char)s[i];
    /* String prefixes: b, r, rb, br in any case. */
    if (is_name_start(c)) {
        size_t j = i;
        while (j < L->len && is_name_char((unsigned char)s[j]))
            j++;
        size_t wl = j - i;
        if (j < L->len && (s[j] == '\'' || s[j] == '"') && wl <= 2) {
            bool b = false, r = false, ok = true;
            for (size_t k = i; k < j; k++) {
                char ch = (char)(s[k] | 0x20);
                if (ch == 'b' && !b)
                    b = true;
                else if (ch == 'r' && !r)
                    r = true;
                else
                    ok = false;
            }
            if (ok) {
                size_t end = read_string(L, j, b, r, &t->data, &t->dlen);
                if (!end) {
                    t->kind = T_BAD;
                    return;
                }
                t->kind = b ? T_BYTES : T_STR;
                t->len = end - i;
                L->pos = end;
                return;
            }
        }
        t->kind = T_NAME;
        t->len = wl;
        L->pos = j;
        return;
    }
    if (c == '\'' || c == '"') {
        size_t end = read_string(L, i, false, false, &t->data, &t->dlen);
        if (!end) {
            t->kind = T_BAD;
            return;
        }
        t->kind = T_STR;
        t->len = end - i;
        L->pos = end;
        return;
    }
    if (c >= '0' && c <= '9') {
        bool ovf;
        size_t j = read_digits(s, i, L->len, &t->i, &ovf);
        if (j < L->len && s[j] == '.' && j + 1 < L->len && s[j + 1] >= '0' && s[j + 1] <= '9') {
            /* seconds with a fraction: kept as microseconds */
            int64_t frac = 0;
            int nd = 0;
            j++;
            while (j < L->len && s[j] >= '0' && s[j] <= '9') {
                if (nd < 6) {
                    frac = frac * 10 + (s[j] - '0');
                    nd++;
                }
                j++;
            }
            while (nd < 6) {
                frac *= 10;
                nd++;
            }
            if (ovf || t->i > 1000000000) {
                L->pos = j;
                lex_fail(L, i, "number too large: %.*s", (int)(j - i > 24 ? 24 : j - i), s + i);
                t->kind = T_BAD;
                return;
            }
            t->i = t->i * 1000000 + frac;
            t->kind = T_FLOAT;
            {
                char num[64];
                size_t nl = j - i < sizeof num - 1 ? j - i : sizeof num - 1;
                memcpy(num, s + i, nl);
                num[nl] = '\0';
                t->f = strtod(num, NULL);
            }
        } else {
            if (ovf) {
                lex_fail(L, i, "integer too large: %.*s%s", (int)(j - i > 24 ? 24 : j - i), s + i,
                         j - i > 24 ? "..." : "");
                t->kind = T_BAD;
                L->pos = j;
                return;
            }
            t->kind = T_INT;
        }
        if (j < L->len && is_name_char((unsigned char)s[j])) {
            lex_fail(L, j, "invalid decimal literal");
            t->kind = T_BAD;
            return;
        }
        t->len = j - i;
        L->pos = j;
        return;
    }
    static const char *const two[] = {"==", "!=", "<=", ">="};
    for (size_t k = 0; k < sizeof two / sizeof two[0]; k++) {
        if (i + 1 < L->len && s[i] == two[k][0] && s[i + 1] == two[k][1]) {
            t->kind = T_PUNCT;
            memcpy(t->op, two[k], 3);
            t->len = 2;
            L->pos = i + 2;
            return;
        }
    }
    if (strchr("(),.=*:<>-|", c)) {
        t->kind = T_PUNCT;
        t->op[0] = (char)c;
        t->op[1] = '\0';
        t->len = 1;
        L->pos = i + 1;
        return;
    }
    t->kind = T_BAD;
    if (c >= 0x80) {
        size_t j = i + 1;
        while (j < L->len && ((unsigned char)s[j] & 0xC0) == 0x80)
            j++;
        lex_fail(L, i, "unexpected character '%.*s'", (int)(j - i), s + i);
    } else if (c < 0x20 || c == 0x7F) {
        lex_fail(L, i, "unexpected control character 0x%02x", c);
    } else {
        lex_fail(L, i, "unexpected character '%c'", c);
    }
}

static bool tok_is(const lexer *L, const char *op)
{
    return L->t.kind == T_PUNCT && !strcmp(L->t.op, op);
}

static bool tok_name(const lexer *L, const char *name)
{
    return L->t.kind == T_NAME && L->t.len == strlen(name) &&
           !memcmp(L->s + L->t.start, name, L->t.len);
}

/* Reports "expected WHAT WHERE, found X" at the current token. */
static void expected(lexer *L, const char *what)
{
    char found[64];
    if (L->failed)
        return;
    tok_describe(L, found, sizeof found);
    lex_fail(L, L->t.start, "expected %s, found %s", what, found);
}

static bool accept_op(lexer *L, const char *op, const char *what)
{
    if (tok_is(L, op)) {
        lex_next(L);
        return true;
    }
    expected(L, what);
    return false;
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
    free(a->target[0]);
    free(a->target[1]);
    expr_free(a->expr);
    expr_free(a->with_expr);
    free(a->with_name);
    expr_free(a->lhs);
    expr_free(a->rhs);
    free(a);
}

static lesson_expr *expr_new(lexer *L, lesson_expr_kind k, size_t at)
{
    lesson_expr *e = calloc(1, sizeof *e);
    if (!e) {
        lex_fail(L, at, "out of memory");
        return NULL;
    }
    e->kind = k;
    e->col = col_of(L, at);
    return e;
}

static lesson_expr *parse_expr(lexer *L);

/* The type of a - b from the types of a and b (not knowing either: any). */
static lesson_type sub_type(lesson_type ta, lesson_type tb)
{
    if (ta == LT_ANY || tb == LT_ANY)
        return LT_ANY;
    return ta == LT_FLOAT || tb == LT_FLOAT ? LT_FLOAT : LT_INT;
}

static lesson_type expr_type(lexer *L, const lesson_expr *e)
{
    switch (e->kind) {
    case LX_INT:
        return LT_INT;
    case LX_SECONDS:
        return LT_FLOAT;
    case LX_SUB: {
        /* Walk the chain's left spine (its right operands are atoms), so a
         * long chain costs one pass and no recursion. */
        lesson_type t = LT_INT;
        const lesson_expr *x = e;
        for (; x->kind == LX_SUB; x = x->a)
            t = sub_type(t, expr_type(L, x->b));
        return sub_type(t, expr_type(L, x));
    }
    case LX_BYTES:
    case LX_REPEAT:
        return LT_BYTES;
    case LX_TUPLE:
        return LT_TUPLE;
    case LX_VAR: {
        var_entry *v = var_find(L->p, L->side, e->name, strlen(e->name));
        return v ? v->type : LT_ANY;
    }
    case LX_CALL:
        switch (e->func) {
        case LF_SOCKET:
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
            return LT_BYTES;
        case LF_LEN:
        case LF_SEND:
        case LF_GETSOCKOPT:
            return LT_INT;
        case LF_ACCEPT:
            return LT_TUPLE;
        case LF_MONOTONIC:
            return LT_FLOAT;
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
            lex_fail(L, (size_t)a->col - 1, "expected an address tuple (host, port), found %s",
                     type_name(t));
        return;
    }
    if (a->kind != LX_TUPLE) {
        lex_fail(L, (size_t)a->col - 1, "expected an address tuple (host, port)");
        return;
    }
    const lesson_expr *h = a->a, *port = a->b;
    if (h->kind != LX_STR) {
        lex_fail(L, (size_t)h->col - 1, "expected a host string such as 'localhost'");
        return;
    }
    bool loop = (h->len == 0) || (h->len == 9 && !memcmp(h->data, "localhost", 9)) ||
                (h->len == 9 && !memcmp(h->data, "127.0.0.1", 9));
    if (!loop) {
        lex_fail(L, (size_t)h->col - 1,
                 "host '%.*s' is not reachable: lessons use loopback only ('localhost', "
                 "'127.0.0.1' or '')",
                 (int)(h->len > 40 ? 40 : h->len), (const char *)h->data);
        return;
    }
    if (port->kind != LX_INT || port->i < 0 || port->i > 65535)
        lex_fail(L, (size_t)port->col - 1, "expected a port number from 0 to 65535");
}

static void check_call(lexer *L, lesson_expr *e)
{
    lesson_expr **a = e->args;
    int n = e->nargs;
    for (int i = 0; i < n; i++) {
        if (e->kwname[i] && !(e->func == LF_MAKEFILE && !strcmp(e->kwname[i], "buffering"))) {
            lex_fail(L, (size_t)a[i]->col - 1, "unexpected keyword argument '%s'", e->kwname[i]);
            return;
        }
    }
    switch (e->func) {
    case LF_SOCKET:
        if (n > 2 || (n >= 1 && !is_const(a[0], LC_AF_INET)) ||
            (n == 2 && !is_const(a[1], LC_SOCK_STREAM)))
            lex_fail(L, (size_t)e->col - 1,
                     "expected socket.socket(socket.AF_INET, socket.SOCK_STREAM)");
        break;
    case LF_OPEN: {
        if (n < 1 || n > 2 || a[0]->kind != LX_STR) {
            lex_fail(L, (size_t)e->col - 1, "expected open('NAME', 'rb') with a declared file");
            break;
        }
        bool found = false;
        for (size_t i = 0; i < L->p->doc->nfiles; i++)
            if (strlen(L->p->doc->files[i].name) == a[0]->len &&
                !memcmp(L->p->doc->files[i].name, a[0]->data, a[0]->len))
                found = true;
        if (!found) {
            lex_fail(L, (size_t)a[0]->col - 1,
                     "file '%.*s' is not declared: add 'file %.*s SIZE' before the first step",
                     (int)(a[0]->len > 40 ? 40 : a[0]->len), (const char *)a[0]->data,
                     (int)(a[0]->len > 40 ? 40 : a[0]->len), (const char *)a[0]->data);
            break;
        }
        if (n == 2 && !(a[1]->kind == LX_STR && a[1]->len == 2 && !memcmp(a[1]->data, "rb", 2)))
            lex_fail(L, (size_t)a[1]->col - 1, "expected mode 'rb': lessons read bytes");
        break;
    }
    case LF_LEN:
        if (n != 1)
            lex_fail(L, (size_t)e->col - 1, "len() takes exactly one argument (%d given)", n);
        break;
    case LF_SLEEP:
        if (n != 1 || (a[0]->kind != LX_INT && a[0]->kind != LX_SECONDS)) {
            lex_fail(L, (size_t)e->col - 1, "expected time.sleep(SECONDS)");
            break;
        }
        if ((a[0]->kind == LX_INT && (uint64_t)a[0]->i > LESSON_MAX_WAIT_US / 1000000) ||
            (a[0]->kind == LX_SECONDS && (uint64_t)a[0]->i > LESSON_MAX_WAIT_US))
            lex_fail(L, (size_t)a[0]->col - 1, "time.sleep() of at most 60 seconds");
        break;
    case LF_BIND:
    case LF_CONNECT:
        check_address(L, a[0]);
        break;
    case LF_LISTEN:
        if (n == 1 && a[0]->kind != LX_INT && a[0]->kind != LX_VAR)
            lex_fail(L, (size_t)a[0]->col - 1, "expected a backlog integer");
        break;
    case LF_SEND:
    case LF_SENDALL:
        if (n == 2 && !is_const(a[1], LC_MSG_MORE) && !(a[1]->kind == LX_INT && a[1]->i == 0))
            lex_fail(L, (size_t)a[1]->col - 1, "expected flags socket.MSG_MORE or 0");
        break;
    case LF_RECV:
        if (n == 2 && !is_const(a[1], LC_MSG_WAITALL) && !(a[1]->kind == LX_INT && a[1]->i == 0))
            lex_fail(L, (size_t)a[1]->col - 1, "expected recv() flags socket.MSG_WAITALL or 0");
        break;
    case LF_SETSOCKOPT:
    case LF_GETSOCKOPT: {
        bool sol = is_const(a[0], LC_SOL_SOCKET), tcp = is_const(a[0], LC_IPPROTO_TCP);
        bool ok = (sol && (is_const(a[1], LC_SO_SNDBUF) || is_const(a[1], LC_SO_RCVBUF))) ||
                  (tcp && (is_const(a[1], LC_TCP_NODELAY) || is_const(a[1], LC_TCP_CORK)));
        if (!ok)
            lex_fail(L, (size_t)a[0]->col - 1,
                     "expected socket.SOL_SOCKET with SO_SNDBUF or SO_RCVBUF, or "
                     "socket.IPPROTO_TCP with TCP_NODELAY or TCP_CORK");
        break;
    }
    case LF_SHUTDOWN:
        if (!is_const(a[0], LC_SHUT_RD) && !is_const(a[0], LC_SHUT_WR) &&
            !is_const(a[0], LC_SHUT_RDWR))
            lex_fail(L, (size_t)a[0]->col - 1,
                     "expected socket.SHUT_RD, socket.SHUT_WR or socket.SHUT_RDWR");
        break;
    case LF_MAKEFILE:
        if (!(a[0]->kind == LX_STR && a[0]->len == 2 &&
              (!memcmp(a[0]->data, "wb", 2) || !memcmp(a[0]->data, "rb", 2))))
            lex_fail(L, (size_t)a[0]->col - 1,
                     "expected makefile('wb') or makefile('rb'): lessons use bytes");
        for (int i = 1; i < n; i++)
            if (a[i]->kind != LX_INT)
                lex_fail(L, (size_t)a[i]->col - 1, "expected buffering=INTEGER");
        break;
    default:
        break;
    }
}

/* args := arg (',' arg)*   arg := expr | NAME '=' expr. At '('. */
static bool parse_args(lexer *L, lesson_expr *call, int min, int max, const char *fname)
{
    size_t open = L->t.start;
    lex_next(L); /* '(' */
    int npos = 0;
    while (!L->failed && !tok_is(L, ")")) {
        if (L->t.kind == T_EOL) {
            expected(L, "')' after arguments");
            return false;
        }
        if (call->nargs >= LESSON_MAX_ARGS) {
            lex_fail(L, L->t.start, "too many arguments to %s()", fname);
            return false;
        }
        char *kw = NULL;
        if (L->t.kind == T_NAME) {
            size_t save = L->pos;
            while (save < L->len && (L->s[save] == ' ' || L->s[save] == '\t'))
                save++;
            if (save < L->len && L->s[save] == '=' &&
                (save + 1 >= L->len || L->s[save + 1] != '=')) {
                if (!(call->func == LF_MAKEFILE && tok_name(L, "buffering"))) {
                    lex_fail(L, L->t.start, "unexpected keyword argument '%.*s'",
                             (int)(L->t.len > 40 ? 40 : L->t.len), L->s + L->t.start);
                    return false;
                }
                kw = xstrndup(L->s + L->t.start, L->t.len);
                lex_next(L); /* name */
                lex_next(L); /* '=' */
            }
        }
        if (!kw && call->nargs > npos) {
            lex_fail(L, L->t.start, "positional argument follows keyword argument");
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
        if (tok_is(L, ","))
            lex_next(L);
        else if (!tok_is(L, ")")) {
            expected(L,
                     L->t.kind == T_EOL ? "')' after arguments" : "',' or ')' after an argument");
            return false;
        }
    }
    if (L->failed)
        return false;
    if (npos < min || (max >= 0 && npos > max)) {
        if (min == max)
            lex_fail(L, open, "%s() takes %d argument%s (%d given)", fname, min,
                     min == 1 ? "" : "s", npos);
        else
            lex_fail(L, open, "%s() takes %d to %d arguments (%d given)", fname, min, max, npos);
        return false;
    }
    lex_next(L); /* ')' */
    return true;
}

/* Numbers call e, parses its arguments (min..max of them, max -1 for
 * any) and checks the call. Returns e, or NULL after reporting, with e
 * freed. */
static lesson_expr *finish_call(lexer *L, lesson_expr *e, int min, int max, const char *fname)
{
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
    if (!known) {
        lex_fail(L, name_at, "unknown method '%.*s'", (int)(nlen > 40 ? 40 : nlen), name);
        expr_free(obj);
        return NULL;
    }
    if (found < 0) {
        lex_fail(L, name_at, "'%s' object has no method '%.*s'", type_name(t),
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
    e->name = xstrndup(name, nlen);
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
    {"time", "sleep", "time.sleep", LF_SLEEP, 1, 1},
    {"time", "monotonic", "time.monotonic", LF_MONOTONIC, 0, 0},
    {NULL, "open", "open", LF_OPEN, 1, 2},
    {NULL, "len", "len", LF_LEN, 1, 1},
    {NULL, "print", "print", LF_PRINT, 0, LESSON_MAX_ARGS},
};

/* dotted | dotted '(' args ')' ('.' NAME '(' args ')')* */
static lesson_expr *parse_name(lexer *L)
{
    size_t start = L->t.start;
    size_t parts[4][2]; /* start, len */
    int np = 0;
    for (;;) {
        if (np == 4) {
            lex_fail(L, L->t.start, "name has too many dots");
            return NULL;
        }
        parts[np][0] = L->t.start;
        parts[np][1] = L->t.len;
        np++;
        lex_next(L);
        if (!tok_is(L, "."))
            break;
        lex_next(L);
        if (L->t.kind != T_NAME) {
            expected(L, "a name after '.'");
            return NULL;
        }
    }
    const char *s = L->s;
#define PART_IS(k, str) (parts[k][1] == strlen(str) && !memcmp(s + parts[k][0], str, parts[k][1]))
    lesson_expr *e = NULL;
    if (tok_is(L, "(")) {
        if (L->ncalls >= LESSON_MAX_CALLS) {
            lex_fail(L, start, "too many calls in one statement");
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
            e->name = xstrndup(fname, strlen(fname));
            e = finish_call(L, e, functions[f].min, functions[f].max, fname);
            if (!e)
                return NULL;
        } else if (np == 2) {
            var_entry *v = var_find(L->p, L->side, s + parts[0][0], parts[0][1]);
            if (!v) {
                lex_fail(L, start, "name '%.*s' is not defined on the %s side",
                         (int)(parts[0][1] > 40 ? 40 : parts[0][1]), s + parts[0][0],
                         lesson_side_name(L->side));
                return NULL;
            }
            lesson_expr *obj = expr_new(L, LX_VAR, start);
            if (!obj)
                return NULL;
            obj->name = xstrndup(s + parts[0][0], parts[0][1]);
            e = parse_method(L, obj, parts[1][0], s + parts[1][0], parts[1][1]);
            if (!e)
                return NULL;
        } else {
            lex_fail(L, start, "unknown function '%.*s'",
                     (int)(L->t.start - start > 40 ? 40 : L->t.start - start), s + start);
            return NULL;
        }
        /* chained calls: open(...).read() */
        while (tok_is(L, ".")) {
            lex_next(L);
            if (L->t.kind != T_NAME) {
                expected(L, "a method name after '.'");
                expr_free(e);
                return NULL;
            }
            size_t at = L->t.start, nl = L->t.len;
            lex_next(L);
            if (!tok_is(L, "(")) {
                expected(L, "'(' after a method name");
                expr_free(e);
                return NULL;
            }
            if (L->ncalls >= LESSON_MAX_CALLS) {
                lex_fail(L, at, "too many calls in one statement");
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
    size_t cpart = (np == 2 && PART_IS(0, "socket")) ? 1 : (np == 1 ? 0 : 99);
    if (cpart != 99) {
        for (size_t i = 0; i < sizeof consts / sizeof consts[0]; i++) {
            if (PART_IS(cpart, consts[i].name)) {
                e = expr_new(L, LX_CONST, start);
                if (!e)
                    return NULL;
                e->i = consts[i].id;
                e->name = xstrndup(consts[i].name, strlen(consts[i].name));
                return e;
            }
        }
    }
    if (np == 1) {
        if (!var_find(L->p, L->side, s + start, parts[0][1])) {
            lex_fail(L, start, "name '%.*s' is not defined on the %s side",
                     (int)(parts[0][1] > 40 ? 40 : parts[0][1]), s + start,
                     lesson_side_name(L->side));
            return NULL;
        }
        e = expr_new(L, LX_VAR, start);
        if (e)
            e->name = xstrndup(s + start, parts[0][1]);
        return e;
    }
    lex_fail(L, start, "unknown name '%.*s'",
             (int)(L->t.start - start > 40 ? 40 : L->t.start - start), s + start);
    return NULL;
#undef PART_IS
}

static lesson_expr *parse_atom(lexer *L)
{
    token *t = &L->t;
    lesson_expr *e = NULL;
    switch (t->kind) {
    case T_INT:
    case T_FLOAT:
        e = expr_new(L, t->kind == T_INT ? LX_INT : LX_SECONDS, t->start);
        if (e) {
            e->i = t->i;
            e->f = t->f;
        }
        lex_next(L);
        return e;
    case T_BYTES:
    case T_STR:
        e = expr_new(L, t->kind == T_BYTES ? LX_BYTES : LX_STR, t->start);
        if (e) {
            e->data = t->data;
            e->len = t->dlen;
            t->data = NULL;
        }
        lex_next(L);
        return e;
    case T_NAME:
        if (tok_name(L, "True") || tok_name(L, "False")) {
            e = expr_new(L, LX_BOOL, t->start);
            if (e)
                e->i = tok_name(L, "True");
            lex_next(L);
            return e;
        }
        if (tok_name(L, "None")) {
            e = expr_new(L, LX_NONE, t->start);
            lex_next(L);
            return e;
        }
        return parse_name(L);
    case T_PUNCT:
        if (tok_is(L, "(")) {
            size_t at = t->start;
            lex_next(L);
            lesson_expr *a = parse_expr(L);
            if (!a)
                return NULL;
            if (tok_is(L, ")")) {
                lex_next(L);
                return a;
            }
            if (!tok_is(L, ",")) {
                expected(L, "',' or ')' in parentheses");
                expr_free(a);
                return NULL;
            }
            lex_next(L);
            lesson_expr *b = parse_expr(L);
            if (!b) {
                expr_free(a);
                return NULL;
            }
            if (!accept_op(L, ")", "')' after a pair")) {
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
        if (tok_is(L, "-")) {
            size_t at = t->start;
            lex_next(L);
            if (L->t.kind != T_INT && L->t.kind != T_FLOAT) {
                expected(L, "a number after '-'");
                return NULL;
            }
            e = expr_new(L, L->t.kind == T_INT ? LX_INT : LX_SECONDS, at);
            if (e) {
                e->i = -L->t.i;
                e->f = -L->t.f;
            }
            lex_next(L);
            return e;
        }
        break;
    default:
        break;
    }
    expected(L, "an expression");
    return NULL;
}

/* Whether a value of type t can be an operand of '-'. */
static bool is_number_type(lesson_type t)
{
    return t == LT_ANY || t == LT_INT || t == LT_FLOAT;
}

/* expr := atom ['*' INT] | atom ('-' atom)* */
static lesson_expr *parse_expr(lexer *L)
{
    if (++L->depth > LESSON_MAX_DEPTH) {
        lex_fail(L, L->t.start, "expression nested too deeply (more than %d levels)",
                 LESSON_MAX_DEPTH);
        return NULL;
    }
    lesson_expr *a = parse_atom(L);
    if (a && tok_is(L, "*")) {
        lex_next(L);
        if (L->t.kind != T_INT) {
            expected(L, "an integer after '*'");
            expr_free(a);
            a = NULL;
        } else if (a->kind != LX_BYTES) {
            lex_fail(L, (size_t)a->col - 1, "only a bytes literal can be repeated with '*'");
            expr_free(a);
            a = NULL;
        } else if ((uint64_t)L->t.i * (a->len ? a->len : 1) > LESSON_MAX_DATA_BYTES ||
                   (uint64_t)L->t.i > LESSON_MAX_DATA_BYTES) {
            lex_fail(L, L->t.start, "repeated bytes value too large: at most 64 MiB");
            expr_free(a);
            a = NULL;
        } else {
            lesson_expr *r = expr_new(L, LX_REPEAT, (size_t)a->col - 1);
            if (!r) {
                expr_free(a);
                a = NULL;
            } else {
                r->a = a;
                r->i = L->t.i;
                a = r;
                lex_next(L);
            }
        }
    }
    /* The type of the chain so far, kept as it grows: asking expr_type()
     * at every '-' would walk the whole chain each time (quadratic). */
    lesson_type chain = a && tok_is(L, "-") ? expr_type(L, a) : LT_ANY;
    while (a && tok_is(L, "-")) {
        size_t op_at = L->t.start;
        lex_next(L);
        lesson_expr *b = parse_atom(L);
        if (!b) {
            expr_free(a);
            a = NULL;
            break;
        }
        lesson_type ta = chain, tb = expr_type(L, b);
        lesson_type next = sub_type(ta, tb); /* what expr_type() says of a - b */
        if (a->kind == LX_BOOL)
            ta = LT_INT;
        if (b->kind == LX_BOOL)
            tb = LT_INT;
        if (!is_number_type(ta) || !is_number_type(tb) || a->kind == LX_NONE ||
            b->kind == LX_NONE || a->kind == LX_STR || b->kind == LX_STR) {
            lex_fail(L, op_at, "unsupported operand type(s) for -: '%s' and '%s'",
                     a->kind == LX_NONE  ? "NoneType"
                     : a->kind == LX_STR ? "str"
                                         : type_name(ta),
                     b->kind == LX_NONE  ? "NoneType"
                     : b->kind == LX_STR ? "str"
                                         : type_name(tb));
            expr_free(a);
            expr_free(b);
            a = NULL;
            break;
        }
        lesson_expr *d = expr_new(L, LX_SUB, (size_t)a->col - 1);
        if (!d) {
            expr_free(a);
            expr_free(b);
            a = NULL;
            break;
        }
        d->a = a;
        d->b = b;
        a = d;
        chain = next;
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
    expected(L, what);
    return false;
}

static bool take_name(lexer *L, char **out)
{
    *out = xstrndup(L->s + L->t.start, L->t.len);
    if (!*out) {
        lex_fail(L, L->t.start, "out of memory");
        return false;
    }
    lex_next(L);
    return true;
}

static bool is_reserved(const lexer *L)
{
    static const char *const words[] = {"True",   "False", "None", "import", "with",  "as",
                                        "socket", "time",  "open", "len",    "print", "error"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (tok_name(L, words[i]))
            return true;
    return false;
}

/* One assignment or call: [target [, target] =] expr. */
static bool parse_simple(lexer *L, struct lesson_ast *a)
{
    if (L->t.kind == T_NAME) {
        size_t j = L->pos;
        while (j < L->len && (L->s[j] == ' ' || L->s[j] == '\t'))
            j++;
        bool assign = j < L->len && L->s[j] == '=' && (j + 1 >= L->len || L->s[j + 1] != '=');
        bool pair = j < L->len && L->s[j] == ',';
        if (assign || pair) {
            if (is_reserved(L)) {
                lex_fail(L, L->t.start, "cannot assign to '%.*s'", (int)L->t.len,
                         L->s + L->t.start);
                return false;
            }
            if (!take_name(L, &a->target[0]))
                return false;
            a->ntargets = 1;
            if (pair) {
                lex_next(L); /* ',' */
                if (L->t.kind != T_NAME || is_reserved(L)) {
                    expected(L, "a variable name after ','");
                    return false;
                }
                if (!take_name(L, &a->target[1]))
                    return false;
                a->ntargets = 2;
            }
            if (!accept_op(L, "=", "'=' after the variables"))
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
            lex_fail(L, (size_t)a->expr->col - 1,
                     "cannot unpack %s into two variables: expected accept() or a pair",
                     type_name(t));
            return false;
        }
        bool acc = a->expr->kind == LX_CALL && a->expr->func == LF_ACCEPT;
        var_set(L->p, L->side, a->target[0],
                acc ? LT_SOCKET : (a->expr->kind == LX_TUPLE ? expr_type(L, a->expr->a) : LT_ANY));
        var_set(L->p, L->side, a->target[1],
                acc ? LT_TUPLE : (a->expr->kind == LX_TUPLE ? expr_type(L, a->expr->b) : LT_ANY));
    } else if (a->ntargets == 1) {
        var_set(L->p, L->side, a->target[0], t);
    }
    return true;
}

static struct lesson_ast *parse_statement(lexer *L)
{
    struct lesson_ast *a = calloc(1, sizeof *a);
    if (!a) {
        lex_fail(L, 0, "out of memory");
        return NULL;
    }
    a->kind = LS_STMT;
    lex_next(L);
    if (L->t.kind == T_EOL) {
        expected(L, "a statement");
        goto fail;
    }
    if (tok_name(L, "import")) {
        lex_next(L);
        if (!tok_name(L, "socket") && !tok_name(L, "time")) {
            expected(L, "'socket' or 'time' after import");
            goto fail;
        }
        lex_next(L);
        if (!expect_eol(L, "the import"))
            goto fail;
        a->kind = LS_IMPORT;
        return a;
    }
    if (tok_name(L, "with")) {
        lex_next(L);
        a->with_expr = parse_expr(L);
        if (!a->with_expr)
            goto fail;
        if (!(a->with_expr->kind == LX_CALL && a->with_expr->func == LF_OPEN)) {
            lex_fail(L, (size_t)a->with_expr->col - 1, "expected open(...) after 'with'");
            goto fail;
        }
        if (!tok_name(L, "as")) {
            expected(L, "'as' after with open(...)");
            goto fail;
        }
        lex_next(L);
        if (L->t.kind != T_NAME || is_reserved(L)) {
            expected(L, "a variable name after 'as'");
            goto fail;
        }
        if (!take_name(L, &a->with_name))
            goto fail;
        if (!accept_op(L, ":", "':' after the with clause"))
            goto fail;
        var_set(L->p, L->side, a->with_name, LT_FILE);
        if (L->t.kind == T_EOL) {
            expected(L, "a statement after ':' on the same line");
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
        expected(L, "a variable, len(VAR), VAR.ATTRIBUTE or error");
        return NULL;
    }
    if (tok_name(L, "error")) {
        e = expr_new(L, LX_ERROR, at);
        lex_next(L);
        return e;
    }
    bool len = tok_name(L, "len");
    if (len) {
        lex_next(L);
        if (!accept_op(L, "(", "'(' after len"))
            return NULL;
        if (L->t.kind != T_NAME) {
            expected(L, "a variable inside len()");
            return NULL;
        }
    }
    size_t var_at = L->t.start;
    lesson_expr *v = expr_new(L, LX_VAR, var_at);
    if (!v || !take_name(L, &v->name))
        goto fail;
    var_entry *ve = var_find(L->p, L->side, v->name, strlen(v->name));
    if (!ve) {
        lex_fail(L, var_at, "name '%s' is not defined on the %s side", v->name,
                 lesson_side_name(L->side));
        goto fail;
    }
    *vt = ve->type;
    if (len) {
        if (!accept_op(L, ")", "')' after len(VAR"))
            goto fail;
        e = expr_new(L, LX_CALL, at);
        if (!e)
            goto fail;
        e->func = LF_LEN;
        e->args[0] = v;
        e->nargs = 1;
        return e;
    }
    if (!tok_is(L, "."))
        return v;
    lex_next(L);
    if (L->t.kind != T_NAME) {
        expected(L, "an attribute name after '.'");
        goto fail;
    }
    size_t k;
    for (k = 0; k < sizeof attrs / sizeof attrs[0]; k++)
        if (tok_name(L, attrs[k].name))
            break;
    if (k == sizeof attrs / sizeof attrs[0]) {
        char found[64];
        tok_describe(L, found, sizeof found);
        lex_fail(L, L->t.start,
                 "unknown attribute %s: expected send_queue, unsent, in_flight, recv_queue, "
                 "sndbuf, rcvbuf, peer_window, blocked, state or buffered",
                 found);
        goto fail;
    }
    if (*vt != LT_ANY && *vt != attrs[k].on &&
        !(attrs[k].attr == LA_BUFFERED && *vt == LT_READER)) {
        lex_fail(L, L->t.start, "'%s' object has no attribute '%s'", type_name(*vt),
                 attrs[k].name);
        goto fail;
    }
    e = expr_new(L, LX_ATTR, at);
    if (!e)
        goto fail;
    e->i = attrs[k].attr;
    e->a = v;
    *attr = attrs[k].attr;
    lex_next(L);
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
    if (tok_is(L, "-")) {
        neg = true;
        lex_next(L);
        if (L->t.kind != T_INT && L->t.kind != T_FLOAT) {
            expected(L, "a number after '-'");
            return NULL;
        }
    }
    switch (L->t.kind) {
    case T_INT:
    case T_FLOAT:
        e = expr_new(L, L->t.kind == T_INT ? LX_INT : LX_SECONDS, at);
        if (!e)
            return NULL;
        e->i = neg ? -L->t.i : L->t.i;
        e->f = neg ? -L->t.f : L->t.f;
        lex_next(L);
        return e;
    case T_BYTES:
    case T_STR:
        e = expr_new(L, L->t.kind == T_BYTES ? LX_BYTES : LX_STR, at);
        if (!e)
            return NULL;
        e->data = L->t.data;
        e->len = L->t.dlen;
        L->t.data = NULL;
        lex_next(L);
        if (e->kind == LX_BYTES && tok_is(L, "*")) {
            lex_next(L);
            if (L->t.kind != T_INT) {
                expected(L, "an integer after '*'");
                goto fail;
            }
            uint64_t total = (uint64_t)L->t.i * e->len;
            if ((uint64_t)L->t.i > LESSON_MAX_DATA_BYTES || total > LESSON_MAX_DATA_BYTES) {
                lex_fail(L, L->t.start, "repeated bytes value too large: at most 64 MiB");
                goto fail;
            }
            uint8_t *d = malloc(total ? total : 1);
            if (!d) {
                lex_fail(L, L->t.start, "out of memory");
                goto fail;
            }
            for (int64_t r = 0; r < L->t.i; r++)
                memcpy(d + (size_t)r * e->len, e->data, e->len);
            free(e->data);
            e->data = d;
            e->len = (size_t)total;
            lex_next(L);
        }
        return e;
    case T_NAME:
        if (tok_name(L, "True") || tok_name(L, "False")) {
            e = expr_new(L, LX_BOOL, at);
            if (e)
                e->i = tok_name(L, "True");
        } else if (tok_name(L, "None")) {
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
        } else if (var_find(L->p, L->side, L->s + L->t.start, L->t.len)) {
            e = expr_new(L, LX_VAR, at);
            if (e && !(e->name = xstrndup(L->s + L->t.start, L->t.len)))
                goto fail;
        } else {
            lex_fail(L, L->t.start,
                     "name '%.*s' is not defined on the %s side: expected a value (an integer, "
                     "a bytes literal, True, False, None, a TCP state, an exception name or a "
                     "variable of that side)",
                     (int)(L->t.len > 40 ? 40 : L->t.len), L->s + L->t.start,
                     lesson_side_name(L->side));
            return NULL;
        }
        if (e)
            lex_next(L);
        return e;
    default:
        expected(L, "a value (a number, a bytes literal, True, False, None, a state name or "
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
static struct lesson_ast *parse_expectation(lexer *L)
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
        lex_fail(L, 0, "out of memory");
        return NULL;
    }
    a->kind = LS_EXPECT;
    lex_next(L);
    if (!(a->lhs = parse_expect_lhs(L, &vt, &attr)))
        goto fail;
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        if (tok_is(L, ops[k].op))
            a->op = ops[k].id;
    if (!a->op) {
        expected(L, "a comparison (==, !=, <, <=, >, >=)");
        goto fail;
    }
    lex_next(L);
    size_t vat = L->t.start;
    if (!(a->rhs = parse_expect_rhs(L)) || !expect_eol(L, "the expected value"))
        goto fail;
    if (!expect_suits(a->lhs, attr, a->op, a->rhs, &want)) {
        lex_fail(L, vat, "expected %s here", want);
        goto fail;
    }
    return a;
fail:
    lesson_ast_free(a);
    return NULL;
}

/* ----------------------------------------------------------- directives */

typedef struct {
    const char *s; /* the whole line, without its end */
    size_t len;
    size_t pos; /* after the directive word and blanks */
} line_view;

static size_t skip_blank(const char *s, size_t i, size_t len)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

static size_t trim_end(const char *s, size_t start, size_t len)
{
    while (len > start && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return len;
}

/* Duration: N[.F](us|ms|s). Returns false after reporting. */
static bool parse_duration(parser *p, const char *s, size_t i, size_t end, uint64_t *us,
                           const char *what)
{
    int64_t whole;
    bool ovf;
    size_t j = read_digits(s, i, end, &whole, &ovf);
    uint64_t frac = 0, fdiv = 1;
    if (j == i) {
        perr(p, p->line, (int)i + 1, "expected a duration such as 5ms for %s, found '%.*s'", what,
             (int)(end - i > 20 ? 20 : end - i), s + i);
        return false;
    }
    if (j < end && s[j] == '.') {
        j++;
        while (j < end && s[j] >= '0' && s[j] <= '9') {
            if (fdiv < 1000000) {
                frac = frac * 10 + (uint64_t)(s[j] - '0');
                fdiv *= 10;
            }
            j++;
        }
    }
    uint64_t mul;
    size_t ul = end - j;
    if (ul == 2 && !memcmp(s + j, "us", 2))
        mul = 1;
    else if (ul == 2 && !memcmp(s + j, "ms", 2))
        mul = 1000;
    else if (ul == 1 && s[j] == 's')
        mul = 1000000;
    else {
        perr(p, p->line, (int)j + 1, "expected a unit 'us', 'ms' or 's' after %.*s, found %s%.*s%s",
             (int)(j - i > 20 ? 20 : j - i), s + i, ul ? "'" : "nothing", (int)(ul > 20 ? 20 : ul),
             s + j, ul ? "'" : "");
        return false;
    }
    if (ovf || (uint64_t)whole > LESSON_MAX_WAIT_US) {
        perr(p, p->line, (int)i + 1, "%s too long: at most 60s", what);
        return false;
    }
    uint64_t v = (uint64_t)whole * mul + frac * mul / fdiv;
    if (v > LESSON_MAX_WAIT_US) {
        perr(p, p->line, (int)i + 1, "%s too long: at most 60s", what);
        return false;
    }
    *us = v;
    return true;
}

/* Size: N[KiB|MiB]. */
static bool parse_size(parser *p, const char *s, size_t i, size_t end, uint64_t max, uint64_t *out,
                       const char *what)
{
    int64_t v;
    bool ovf;
    size_t j = read_digits(s, i, end, &v, &ovf);
    if (j == i) {
        perr(p, p->line, (int)i + 1, "expected a size in bytes for %s, found '%.*s'", what,
             (int)(end - i > 20 ? 20 : end - i), s + i);
        return false;
    }
    uint64_t mul = 1;
    size_t ul = end - j;
    if (ul == 3 && !memcmp(s + j, "KiB", 3))
        mul = 1024;
    else if (ul == 3 && !memcmp(s + j, "MiB", 3))
        mul = 1024 * 1024;
    else if (ul != 0 && !(ul == 1 && s[j] == 'B')) {
        perr(p, p->line, (int)j + 1, "expected 'KiB', 'MiB' or nothing after %.*s, found '%.*s'",
             (int)(j - i > 20 ? 20 : j - i), s + i, (int)(ul > 20 ? 20 : ul), s + j);
        return false;
    }
    if (ovf || (uint64_t)v > max / mul) {
        perr(p, p->line, (int)i + 1, "%s too large: at most %llu bytes", what,
             (unsigned long long)max);
        return false;
    }
    *out = (uint64_t)v * mul;
    return true;
}

static void parse_model(parser *p, const char *s, size_t i, size_t len)
{
    lesson_model *m = &p->doc->model;
    while ((i = skip_blank(s, i, len)) < len) {
        if (s[i] == '#')
            return;
        size_t k = i;
        while (k < len && s[k] != ' ' && s[k] != '\t')
            k++;
        size_t eq = i;
        while (eq < k && s[eq] != '=')
            eq++;
        if (eq == k) {
            perr(p, p->line, (int)i + 1, "expected KEY=VALUE in the model line, found '%.*s'",
                 (int)(k - i > 30 ? 30 : k - i), s + i);
            return;
        }
        size_t kl = eq - i, v = eq + 1;
#define KEY(str) (kl == strlen(str) && !memcmp(s + i, str, kl))
        if (KEY("latency")) {
            if (!parse_duration(p, s, v, k, &m->latency_us, "latency"))
                return;
        } else if (KEY("rate")) {
            int64_t r;
            bool ovf;
            size_t j = read_digits(s, v, k, &r, &ovf);
            uint64_t mul = 0;
            size_t ul = k - j;
            if (ul == 4 && !memcmp(s + j, "kbit", 4))
                mul = 1000;
            else if (ul == 4 && !memcmp(s + j, "Mbit", 4))
                mul = 1000000;
            else if (ul == 4 && !memcmp(s + j, "Gbit", 4))
                mul = 1000000000;
            else if (ul == 3 && !memcmp(s + j, "bit", 3))
                mul = 1;
            if (j == v || !mul) {
                perr(p, p->line, (int)v + 1,
                     "expected a rate such as 10Mbit (units kbit, Mbit, Gbit), found '%.*s'",
                     (int)(k - v > 20 ? 20 : k - v), s + v);
                return;
            }
            if (ovf || r <= 0 || (uint64_t)r > 1000 * 1000000000ull / mul) {
                perr(p, p->line, (int)v + 1, "rate out of range: from 1bit to 1000Gbit");
                return;
            }
            m->rate_bps = (uint64_t)r * mul;
        } else if (KEY("mss")) {
            uint64_t x;
            if (!parse_size(p, s, v, k, 65535, &x, "mss"))
                return;
            if (x < 64) {
                perr(p, p->line, (int)v + 1, "mss too small: at least 64 bytes");
                return;
            }
            m->mss_bytes = (uint32_t)x;
        } else if (KEY("delayed_ack")) {
            uint64_t d;
            if (k - v == 2 && !memcmp(s + v, "on", 2))
                m->delayed_ack_us = 40000;
            else if (k - v == 3 && !memcmp(s + v, "off", 3))
                m->delayed_ack_us = 0;
            else if (parse_duration(p, s, v, k, &d, "delayed_ack"))
                m->delayed_ack_us = (int64_t)d;
            else
                return;
        } else if (KEY("sndbuf") || KEY("rcvbuf")) {
            uint64_t x;
            bool snd = KEY("sndbuf");
            if (!parse_size(p, s, v, k, 64u << 20, &x, snd ? "sndbuf" : "rcvbuf"))
                return;
            if (x < 1024) {
                perr(p, p->line, (int)v + 1, "%s too small: at least 1024 bytes",
                     snd ? "sndbuf" : "rcvbuf");
                return;
            }
            if (snd)
                m->sndbuf_bytes = (uint32_t)x;
            else
                m->rcvbuf_bytes = (uint32_t)x;
        } else {
            perr(p, p->line, (int)i + 1,
                 "unknown model key '%.*s' (known: latency, rate, mss, delayed_ack, sndbuf, "
                 "rcvbuf)",
                 (int)(kl > 30 ? 30 : kl), s + i);
            return;
        }
#undef KEY
        i = k;
    }
}

static void parse_file_directive(parser *p, const char *s, size_t i, size_t len)
{
    lesson_doc *d = p->doc;
    size_t k = i;
    while (k < len && s[k] != ' ' && s[k] != '\t')
        k++;
    if (k == i) {
        perr(p, p->line, (int)i + 1, "expected a file name after 'file', found end of line");
        return;
    }
    for (size_t j = i; j < k; j++) {
        char c = s[j];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok || (j == i && c == '.')) {
            perr(p, p->line, (int)j + 1,
                 "file name must be a plain name (letters, digits, '.', '_', '-'), found '%c'", c);
            return;
        }
    }
    if (k - i > 100) {
        perr(p, p->line, (int)i + 1, "file name too long");
        return;
    }
    for (size_t f = 0; f < d->nfiles; f++)
        if (strlen(d->files[f].name) == k - i && !memcmp(d->files[f].name, s + i, k - i)) {
            perr(p, p->line, (int)i + 1, "file '%.*s' is declared twice", (int)(k - i), s + i);
            return;
        }
    if (d->nfiles >= 8) {
        perr(p, p->line, 1, "too many files: at most 8");
        return;
    }
    size_t v = skip_blank(s, k, len);
    size_t vend = trim_end(s, v, len);
    lesson_file nf = {0};
    if (v < len && (s[v] == '"' || s[v] == '\'')) {
        lexer L = {.p = p, .s = s, .len = len, .pos = v, .code_end = len};
        size_t end = read_string(&L, v, false, false, &nf.inline_data, &nf.size_bytes);
        if (!end)
            return;
        if (skip_blank(s, end, len) < len && s[skip_blank(s, end, len)] != '#') {
            perr(p, p->line, (int)skip_blank(s, end, len) + 1,
                 "expected end of line after the file's text");
            free(nf.inline_data);
            return;
        }
    } else {
        if (v == len) {
            perr(p, p->line, (int)v + 1,
                 "expected a size (200KiB) or a \"TEXT\" after the file name, found end of line");
            return;
        }
        if (!parse_size(p, s, v, vend, MAX_FILE_BYTES, &nf.size_bytes, "file"))
            return;
    }
    nf.name = xstrndup(s + i, k - i);
    lesson_file *nfiles = realloc(d->files, (d->nfiles + 1) * sizeof *nfiles);
    if (!nf.name || !nfiles) {
        free(nf.name);
        free(nf.inline_data);
        if (nfiles)
            d->files = nfiles;
        perr(p, p->line, 1, "out of memory");
        return;
    }
    d->files = nfiles;
    d->files[d->nfiles++] = nf;
}

static bool push_str(char ***arr, size_t *n, const char *s, size_t len)
{
    char *c = xstrndup(s, len);
    char **na = realloc(*arr, (*n + 1) * sizeof *na);
    if (!c || !na) {
        free(c);
        if (na)
            *arr = na;
        return false;
    }
    *arr = na;
    (*arr)[(*n)++] = c;
    return true;
}

static lesson_line *new_line(parser *p)
{
    lesson_step *st = p->step;
    if (st->nlines >= MAX_LINES_PER_STEP) {
        perr(p, p->line, 1, "too many lines in one step: at most %d", MAX_LINES_PER_STEP);
        return NULL;
    }
    lesson_line *nl = realloc(st->lines, (st->nlines + 1) * sizeof *nl);
    if (!nl) {
        perr(p, p->line, 1, "out of memory");
        return NULL;
    }
    st->lines = nl;
    lesson_line *ln = &st->lines[st->nlines];
    memset(ln, 0, sizeof *ln);
    ln->line = p->line;
    ln->modes = LESSON_MODE_BOTH;
    return ln;
}

/* `client: STMT`, `expect[.sim|.real] SIDE: EXPR OP VALUE`; i at the side. */
static void parse_code_line(parser *p, const char *s, size_t i, size_t len, bool is_expect,
                            lesson_mode modes)
{
    size_t w = i;
    while (w < len && is_name_char((unsigned char)s[w]))
        w++;
    lesson_side side;
    if (w - i == 6 && !memcmp(s + i, "client", 6))
        side = LESSON_CLIENT;
    else if (w - i == 6 && !memcmp(s + i, "server", 6))
        side = LESSON_SERVER;
    else {
        if (w == i)
            perr(p, p->line, (int)i + 1, "expected 'client:' or 'server:', found %s",
                 i < len ? "something else" : "end of line");
        else
            perr(p, p->line, (int)i + 1, "unknown side '%.*s': expected 'client' or 'server'",
                 (int)(w - i > 30 ? 30 : w - i), s + i);
        return;
    }
    size_t c = skip_blank(s, w, len);
    if (c >= len || s[c] != ':') {
        perr(p, p->line, (int)c + 1, "expected ':' after '%s', found %s", lesson_side_name(side),
             c >= len ? "end of line" : "something else");
        return;
    }
    if (!p->step) {
        perr(p, p->line, (int)i + 1, "%s before the first 'step'",
             is_expect ? "expectation" : "statement");
        return;
    }
    lexer L = {.p = p, .side = side, .s = s, .len = len, .pos = c + 1, .code_end = len};
    size_t code_start = skip_blank(s, c + 1, len);
    struct lesson_ast *a = is_expect ? parse_expectation(&L) : parse_statement(&L);
    tok_clear(&L.t);
    if (!a)
        return;
    lesson_line *ln = new_line(p);
    size_t code_end = trim_end(s, code_start, L.code_end);
    char *code = xstrndup(s + code_start, code_end - code_start);
    if (!ln || !code) {
        free(code);
        lesson_ast_free(a);
        return;
    }
    ln->kind = is_expect ? LESSON_LINE_EXPECT : LESSON_LINE_STMT;
    ln->side = side;
    ln->modes = modes;
    ln->code = code;
    ln->ast = a;
    p->step->nlines++;
}

/* ------------------------------------------------------------ questions */

const lesson_choice *lesson_question_choice(const lesson_question *q, char key)
{
    for (size_t k = 0; q && k < q->nchoices; k++)
        if (q->choices[k].key == key)
            return &q->choices[k];
    return NULL;
}

static void question_free(lesson_question *q)
{
    if (!q)
        return;
    free(q->text);
    free(q->text_ja);
    for (size_t k = 0; k < q->nchoices; k++) {
        free(q->choices[k].text);
        free(q->choices[k].text_ja);
    }
    free(q->choices);
    free(q);
}

/* The end of a step: its question, if any, must be whole. */
static void question_finish(parser *p)
{
    lesson_question *q = p->step ? p->step->question : NULL;
    if (!q || p->nerr) {
        free(p->answer_text);
        p->answer_text = NULL;
        return;
    }
    if (q->nchoices < 2)
        perr(p, q->line, 1,
             "the question has %zu choice%s: expected at least two 'choice KEY TEXT'", q->nchoices,
             q->nchoices == 1 ? "" : "s");
    else if (!q->answer)
        perr(p, q->line, 1, "the question has no 'answer KEY SIDE: EXPR OP VALUE'");
    else if (p->answer_text) {
        int line = p->line;
        size_t before = p->step->nlines;
        p->line = q->answer_line;
        parse_code_line(p, p->answer_text, p->answer_at, p->answer_len, true, LESSON_MODE_BOTH);
        p->line = line;
        if (p->step->nlines > before)
            q->answer_index = p->step->nlines - 1;
    }
    free(p->answer_text);
    p->answer_text = NULL;
}

/* KEY at s[i]: one capital letter followed by a blank. Returns its end. */
static size_t question_key(parser *p, const char *s, size_t i, size_t end, const char *what,
                           char *key)
{
    if (i >= end || s[i] < 'A' || s[i] > 'Z' ||
        (i + 1 < end && s[i + 1] != ' ' && s[i + 1] != '\t')) {
        perr(p, p->line, (int)i + 1,
             "expected a choice key (a capital letter A-Z) after '%s', found %s", what,
             i >= end ? "end of line" : "something else");
        return 0;
    }
    *key = s[i];
    return i + 1;
}

/* `ask`, `ask.ja`, `choice`, `choice.ja`, `answer` (SPEC.md section 5);
 * word is the directive, rest..rend its trimmed text. */
static void parse_question(parser *p, const char *word, size_t wl, const char *s, size_t i,
                           size_t rest, size_t rend, size_t len)
{
#define QIS(str) (wl == strlen(str) && !memcmp(word, str, wl))
    if (!p->step) {
        perr(p, p->line, (int)i + 1, "'%.*s' before the first 'step'", (int)wl, word);
        return;
    }
    lesson_question *q = p->step->question;
    if (QIS("ask")) {
        if (q) {
            perr(p, p->line, (int)i + 1, "two questions in one step (the first is on line %d)",
                 q->line);
            return;
        }
        if (rest == rend) {
            perr(p, p->line, (int)rest + 1,
                 "expected the question's text after 'ask', found end of line");
            return;
        }
        q = calloc(1, sizeof *q);
        if (!q || !(q->text = xstrndup(s + rest, rend - rest))) {
            free(q);
            perr(p, p->line, 1, "out of memory");
            return;
        }
        q->line = p->line;
        p->step->question = q;
        return;
    }
    if (!q) {
        perr(p, p->line, (int)i + 1,
             "'%.*s' without a question: expected 'ask TEXT' first in the step", (int)wl, word);
        return;
    }
    if (QIS("ask.ja")) {
        if (q->text_ja) {
            perr(p, p->line, (int)i + 1, "'ask.ja' given twice in one step");
            return;
        }
        if (rest == rend) {
            perr(p, p->line, (int)rest + 1,
                 "expected the question's text after 'ask.ja', found end of line");
            return;
        }
        q->text_ja = xstrndup(s + rest, rend - rest);
        return;
    }
    char key = 0;
    size_t k =
        question_key(p, s, rest, rend,
                     QIS("answer") ? "answer" : (QIS("choice") ? "choice" : "choice.ja"), &key);
    if (!k)
        return;
    size_t t = skip_blank(s, k, rend);
    if (QIS("choice")) {
        if (lesson_question_choice(q, key)) {
            perr(p, p->line, (int)rest + 1, "choice %c given twice (first on line %d)", key,
                 lesson_question_choice(q, key)->line);
            return;
        }
        if (q->answer) {
            perr(p, p->line, (int)i + 1,
                 "'choice' after the 'answer' (line %d): list the choices first", q->answer_line);
            return;
        }
        if (t >= rend) {
            perr(p, p->line, (int)t + 1, "expected the text of choice %c, found end of line", key);
            return;
        }
        if (q->nchoices >= 26)
            return; /* unreachable: keys are distinct letters */
        lesson_choice *nc = realloc(q->choices, (q->nchoices + 1) * sizeof *nc);
        if (!nc) {
            perr(p, p->line, 1, "out of memory");
            return;
        }
        q->choices = nc;
        lesson_choice *c = &nc[q->nchoices];
        memset(c, 0, sizeof *c);
        c->key = key;
        c->line = p->line;
        c->text = xstrndup(s + t, rend - t);
        q->nchoices++;
    } else if (QIS("choice.ja")) {
        lesson_choice *c = (lesson_choice *)lesson_question_choice(q, key);
        if (!c) {
            perr(p, p->line, (int)rest + 1, "choice.ja %c: no 'choice %c' before it in this step",
                 key, key);
            return;
        }
        if (c->text_ja) {
            perr(p, p->line, (int)i + 1, "'choice.ja %c' given twice", key);
            return;
        }
        if (t >= rend) {
            perr(p, p->line, (int)t + 1, "expected the text of choice %c, found end of line", key);
            return;
        }
        c->text_ja = xstrndup(s + t, rend - t);
    } else { /* answer */
        if (q->answer) {
            perr(p, p->line, (int)i + 1, "'answer' given twice in one step (first on line %d)",
                 q->answer_line);
            return;
        }
        if (!lesson_question_choice(q, key)) {
            perr(p, p->line, (int)rest + 1, "answer %c names no listed choice", key);
            return;
        }
        /* The condition names what the step's statements assign, so it is
         * parsed as an expectation once the step is read (question_finish). */
        free(p->answer_text);
        p->answer_text = xstrndup(s, len);
        if (!p->answer_text) {
            perr(p, p->line, 1, "out of memory");
            return;
        }
        p->answer_len = len;
        p->answer_at = t;
        q->answer = key;
        q->answer_line = p->line;
    }
#undef QIS
}

static void parse_line(parser *p, const char *s, size_t len)
{
    size_t i = skip_blank(s, 0, len);
    if (i >= len || s[i] == '#')
        return;
    size_t w = i;
    while (w < len && (is_name_char((unsigned char)s[w]) || s[w] == '.'))
        w++;
    size_t wl = w - i;
    const char *word = s + i;
#define IS(str) (wl == strlen(str) && !memcmp(word, str, wl))
    if (w < len && s[w] == ':' && wl > 0 && !IS("expect") && !IS("expect.sim") &&
        !IS("expect.real") && !IS("expect.wire")) {
        parse_code_line(p, s, i, len, false, LESSON_MODE_BOTH);
        return;
    }
    if (w < len && s[w] != ' ' && s[w] != '\t') {
        /* client : with a blank before the colon is still a side */
        if (wl == 0) {
            perr(p, p->line, (int)i + 1,
                 "expected a directive (lesson, title, model, file, "
                 "step, say, client:, server:, wait, expect)");
            return;
        }
    }
    size_t rest = skip_blank(s, w, len);
    size_t rend = trim_end(s, rest, len);
    if ((IS("client") || IS("server")) && rest < len && s[rest] == ':') {
        parse_code_line(p, s, i, len, false, LESSON_MODE_BOTH);
        return;
    }
    bool header = IS("lesson") || IS("title") || IS("title.ja") || IS("model") || IS("file");
    if (header && p->step) {
        perr(p, p->line, (int)i + 1, "'%.*s' must come before the first 'step'", (int)wl, word);
        return;
    }
    if (IS("lesson")) {
        if (p->doc->name) {
            perr(p, p->line, (int)i + 1, "'lesson' given twice (first on line %d)", p->lesson_line);
            return;
        }
        if (rest == rend) {
            perr(p, p->line, (int)rest + 1,
                 "expected a lesson name after 'lesson', found end "
                 "of line");
            return;
        }
        for (size_t k = rest; k < rend; k++)
            if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9') || s[k] == '-')) {
                perr(p, p->line, (int)k + 1,
                     "lesson name must be lowercase letters, digits and '-' ([a-z0-9-]+)");
                return;
            }
        p->doc->name = xstrndup(s + rest, rend - rest);
        p->lesson_line = p->line;
    } else if (IS("title") || IS("title.ja")) {
        char **dst = IS("title") ? &p->doc->title : &p->doc->title_ja;
        if (*dst) {
            perr(p, p->line, (int)i + 1, "'%.*s' given twice", (int)wl, word);
            return;
        }
        if (rest == rend) {
            perr(p, p->line, (int)rest + 1, "expected the title's text, found end of line");
            return;
        }
        *dst = xstrndup(s + rest, rend - rest);
    } else if (IS("model")) {
        parse_model(p, s, rest, rend);
    } else if (IS("file")) {
        parse_file_directive(p, s, rest, rend);
    } else if (IS("step")) {
        if (!p->doc->name) {
            perr(p, p->line, (int)i + 1, "expected 'lesson NAME' before the first 'step'");
            p->doc->name = xstrndup("?", 1); /* report it once */
        }
        if (rest == rend) {
            perr(p, p->line, (int)rest + 1, "expected the step's title, found end of line");
            return;
        }
        question_finish(p);
        if (p->doc->nsteps >= MAX_STEPS) {
            perr(p, p->line, (int)i + 1, "too many steps: at most %d", MAX_STEPS);
            return;
        }
        lesson_step *ns = realloc(p->doc->steps, (p->doc->nsteps + 1) * sizeof *ns);
        if (!ns) {
            perr(p, p->line, 1, "out of memory");
            return;
        }
        p->doc->steps = ns;
        p->step = &ns[p->doc->nsteps++];
        memset(p->step, 0, sizeof *p->step);
        p->step->line = p->line;
        p->step->title = xstrndup(s + rest, rend - rest);
    } else if (IS("step.ja") || IS("say") || IS("say.ja")) {
        if (!p->step) {
            perr(p, p->line, (int)i + 1, "'%.*s' before the first 'step'", (int)wl, word);
            return;
        }
        if (IS("step.ja")) {
            if (p->step->title_ja) {
                perr(p, p->line, (int)i + 1, "'step.ja' given twice in one step");
                return;
            }
            p->step->title_ja = xstrndup(s + rest, rend - rest);
        } else if (IS("say")) {
            if (!push_str(&p->step->say, &p->step->nsay, s + rest, rend - rest))
                perr(p, p->line, 1, "out of memory");
        } else if (!push_str(&p->step->say_ja, &p->step->nsay_ja, s + rest, rend - rest)) {
            perr(p, p->line, 1, "out of memory");
        }
    } else if (IS("wait")) {
        if (!p->step) {
            perr(p, p->line, (int)i + 1, "'wait' before the first 'step'");
            return;
        }
        size_t e = rest;
        while (e < rend && s[e] != ' ' && s[e] != '\t' && s[e] != '#')
            e++;
        size_t after = skip_blank(s, e, rend);
        if (after < rend && s[after] != '#') {
            perr(p, p->line, (int)after + 1,
                 "expected end of line after the duration, found '%.*s'",
                 (int)(rend - after > 20 ? 20 : rend - after), s + after);
            return;
        }
        uint64_t us;
        if (!parse_duration(p, s, rest, e, &us, "wait"))
            return;
        lesson_line *ln = new_line(p);
        if (!ln)
            return;
        ln->kind = LESSON_LINE_WAIT;
        ln->wait_us = us;
        ln->code = xstrndup(s + i, e - i);
        p->step->nlines++;
    } else if (IS("ask") || IS("ask.ja") || IS("choice") || IS("choice.ja") || IS("answer")) {
        parse_question(p, word, wl, s, i, rest, rend, len);
    } else if (IS("expect") || IS("expect.sim") || IS("expect.real") || IS("expect.wire")) {
        lesson_mode m = IS("expect") ? LESSON_MODE_BOTH
                                     : (IS("expect.sim") ? LESSON_MODE_SIM : LESSON_MODE_REAL);
        if (IS("expect.wire"))
            m = (lesson_mode)(LESSON_MODE_BOTH | LESSON_MODE_WIRE);
        parse_code_line(p, s, rest, len, true, m);
    } else {
        perr(p, p->line, (int)i + 1,
             "unknown directive '%.*s' (expected lesson, title, model, file, step, say, "
             "client:, server:, wait or expect)",
             (int)(wl > 30 ? 30 : (wl ? wl : 1)), word);
    }
#undef IS
}

/* Index of the first invalid UTF-8 byte in s[0..len), or len. */
static size_t utf8_check(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, min = 0x10000;
        } else {
            return i;
        }
        uint32_t cp = c & (0x3F >> n);
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return len;
}

static void doc_free_parts(lesson_doc *d)
{
    free(d->path);
    free(d->name);
    free(d->title);
    free(d->title_ja);
    for (size_t i = 0; i < d->nfiles; i++) {
        free(d->files[i].name);
        free(d->files[i].inline_data);
    }
    free(d->files);
    for (size_t i = 0; i < d->nsteps; i++) {
        lesson_step *st = &d->steps[i];
        free(st->title);
        free(st->title_ja);
        for (size_t k = 0; k < st->nsay; k++)
            free(st->say[k]);
        free(st->say);
        for (size_t k = 0; k < st->nsay_ja; k++)
            free(st->say_ja[k]);
        free(st->say_ja);
        for (size_t k = 0; k < st->nlines; k++) {
            free(st->lines[k].code);
            lesson_ast_free(st->lines[k].ast);
        }
        free(st->lines);
        question_free(st->question);
    }
    free(d->steps);
}

void lesson_doc_free(lesson_doc *doc)
{
    if (!doc)
        return;
    doc_free_parts(doc);
    free(doc);
}

lesson_doc *lesson_parse(const char *path, const char *text, size_t len, lesson_diag *diags,
                         int *ndiags)
{
    parser p = {.path = path, .diags = diags, .ndiags = ndiags};
    lesson_doc *d = calloc(1, sizeof *d);
    if (ndiags)
        *ndiags = 0;
    if (!d) {
        perr(&p, 1, 1, "out of memory");
        return NULL;
    }
    p.doc = d;
    d->model.delayed_ack_us = -1;
    d->path = xstrndup(path ? path : "-", strlen(path ? path : "-"));
    size_t pos = 0;
    int line = 0;
    /* A UTF-8 byte order mark is skipped. */
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        pos = 3;
    while (pos < len && p.nerr < LESSON_MAX_DIAGS) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t ll = end - pos;
        const char *s = text + pos;
        line++;
        p.line = line;
        if (ll > 0 && s[ll - 1] == '\r')
            ll--;
        const char *nul = memchr(s, '\0', ll);
        size_t bad = utf8_check((const unsigned char *)s, ll);
        if (nul && (size_t)(nul - s) <= bad)
            perr(&p, line, (int)(nul - s) + 1, "NUL byte in the lesson");
        else if (bad < ll)
            perr(&p, line, (int)bad + 1, "invalid UTF-8 byte 0x%02x", (unsigned char)s[bad]);
        else if (memchr(s, '\r', ll))
            perr(&p, line, (int)((const char *)memchr(s, '\r', ll) - s) + 1,
                 "carriage return in the middle of a line");
        else
            parse_line(&p, s, ll);
        pos = nl ? end + 1 : len;
    }
    question_finish(&p);
    if (!p.nerr) {
        if (!d->name)
            perr(&p, line ? line : 1, 1, "expected 'lesson NAME' in the lesson, found end of file");
        else if (!d->nsteps)
            perr(&p, line ? line : 1, 1, "expected at least one 'step', found end of file");
    }
    for (int sd = 0; sd < 2; sd++)
        for (int i = 0; i < p.nvars[sd]; i++)
            free(p.vars[sd][i].name);
    if (p.nerr) {
        lesson_doc_free(d);
        return NULL;
    }
    if (!d->title)
        d->title = xstrndup(d->name, strlen(d->name));
    return d;
}

/* Sets diags[0] to "1:1: MESSAGE" (when diags are wanted). */
static void file_diag(lesson_diag *diags, int *ndiags, const char *msg)
{
    if (diags && ndiags) {
        diags[0].line = 1, diags[0].col = 1;
        snprintf(diags[0].message, sizeof diags[0].message, "%s", msg);
        *ndiags = 1;
    }
}

lesson_doc *lesson_parse_file(const char *path, lesson_diag *diags, int *ndiags)
{
    const size_t max_bytes = (size_t)LESSON_MAX_FILE_BYTES;
    lesson_doc *d = NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    char msg[200];
    struct stat st;
    if (ndiags)
        *ndiags = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer. Only a
     * regular file is a lesson, and its size is checked before reading. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(msg, sizeof msg, "cannot read the lesson: %s", strerror(errno));
        file_diag(diags, ndiags, msg);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        file_diag(diags, ndiags, "cannot read the lesson: not a regular file");
        goto out;
    }
    if ((uint64_t)st.st_size > (uint64_t)max_bytes) {
        file_diag(diags, ndiags, "lesson file too large: at most 256 MiB");
        goto out;
    }
    cap = (size_t)st.st_size + 1;
    buf = malloc(cap);
    if (!buf) {
        file_diag(diags, ndiags, "cannot read the lesson: Cannot allocate memory");
        goto out;
    }
    for (;;) {
        if (len == cap) {
            /* The file grew while we read it: read on, up to the cap. */
            if (cap > max_bytes) {
                file_diag(diags, ndiags, "lesson file too large: at most 256 MiB");
                goto out;
            }
            size_t ncap = cap * 2 > max_bytes + 1 ? max_bytes + 1 : cap * 2;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                file_diag(diags, ndiags, "cannot read the lesson: Cannot allocate memory");
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(msg, sizeof msg, "cannot read the lesson: %s", strerror(errno));
            file_diag(diags, ndiags, msg);
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    d = lesson_parse(path, buf, len, diags, ndiags);
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return d;
}
