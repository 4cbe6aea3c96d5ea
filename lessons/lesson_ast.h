/* lesson_ast.h: the parsed form of one statement or expectation.
 *
 * Private to lessons/: the parser (lesson_parse.c) builds these trees and
 * has already checked every name against the contract (methods, constants,
 * declared files, attributes, states, exception names), so the runner
 * (lesson_run.c) only meets values it can handle. Trees are freed with the
 * document.
 */
#ifndef SOCKBUF_LESSON_AST_H
#define SOCKBUF_LESSON_AST_H

#include <stddef.h>
#include <stdint.h>

#include "lesson.h"

/* Limits the parser enforces. */
enum {
    LESSON_MAX_DEPTH = 32,  /* nested parentheses and calls */
    LESSON_MAX_ARGS = 8,    /* arguments of one call */
    LESSON_MAX_CALLS = 16,  /* calls in one statement */
    LESSON_MAX_TARGETS = 4, /* names one assignment unpacks into */
    LESSON_MAX_VARS = 64,   /* variables one side binds (the runner holds as many) */
    /* Terms (values, names, calls, operators: the tree's nodes, some 240
     * bytes each) in one statement or expectation, and in a whole lesson:
     * the parser's memory is bounded whatever the input (a 10 MB line of
     * subtractions once took 1.1 GB). */
    LESSON_MAX_TERMS = 1000,
    LESSON_MAX_LESSON_TERMS = 100000,
};
#define LESSON_MAX_DATA_BYTES ((uint64_t)64 << 20)     /* a repeated value, a file */
#define LESSON_MAX_WAIT_US    ((uint64_t)60 * 1000000) /* one wait or sleep */
/* CPython's limit on the digits of an int literal (sys.int_info.default_max_str_digits) */
#define LESSON_MAX_INT_DIGITS 4300

/* Constants a lesson can name (socket.AF_INET...). */
typedef enum {
    LC_AF_INET = 1,
    LC_SOCK_STREAM,
    LC_SOL_SOCKET,
    LC_IPPROTO_TCP,
    LC_SO_SNDBUF,
    LC_SO_RCVBUF,
    LC_TCP_NODELAY,
    LC_TCP_CORK,
    LC_MSG_MORE,
    LC_MSG_WAITALL, /* recv flag: wait for all n bytes or the end */
    LC_SHUT_RD,
    LC_SHUT_WR,
    LC_SHUT_RDWR,
    LC_SO_REUSEADDR,
    LC_EVENT_READ,   /* selectors.EVENT_READ (1) */
    LC_EVENT_WRITE,  /* selectors.EVENT_WRITE (2) */
    LC_MSG_PEEK,     /* recv flag: the bytes stay in the receive queue */
    LC_MSG_DONTWAIT, /* recv flag: this call does not block */
    LC_SO_RCVLOWAT,  /* bytes a blocking recv() and readiness wait for */
} lesson_const;

/* Calls a lesson can make. */
typedef enum {
    LF_SOCKET = 1, /* socket.socket(...) */
    LF_OPEN,       /* open(name, 'rb') */
    LF_LEN,        /* len(x) */
    LF_PRINT,      /* print(...) */
    LF_SLEEP,      /* time.sleep(sec) */
    /* socket methods */
    LF_BIND,
    LF_LISTEN,
    LF_ACCEPT,
    LF_CONNECT,
    LF_SEND,
    LF_SENDALL,
    LF_RECV,
    LF_SETBLOCKING,
    LF_SETSOCKOPT,
    LF_GETSOCKOPT,
    LF_SHUTDOWN,
    LF_CLOSE,
    LF_MAKEFILE,
    /* makefile() writer methods (close shared with LF_CLOSE) */
    LF_WRITE,
    LF_FLUSH,
    /* open() file methods, also on a makefile('rb') reader */
    LF_READ,
    /* makefile('rb') reader methods */
    LF_READLINE,
    LF_MONOTONIC,  /* time.monotonic(): seconds as a float */
    LF_SETTIMEOUT, /* s.settimeout(None | seconds) */
    LF_GETTIMEOUT, /* s.gettimeout(): None or seconds as a float */
    LF_SELECT,     /* select.select(rlist, wlist, xlist[, timeout]) */
    LF_SELECTOR,   /* selectors.DefaultSelector() */
    /* DefaultSelector methods (close shared with LF_CLOSE) */
    LF_REGISTER,   /* sel.register(fileobj, events[, data]) */
    LF_UNREGISTER, /* sel.unregister(fileobj) */
    LF_MODIFY,     /* sel.modify(fileobj, events[, data]) */
    LF_SEL_SELECT, /* sel.select([timeout]): a list of (key, events) */
    LF_SENDFILE,   /* s.sendfile(file[, offset[, count]]) */
    LF_INT,        /* int(x) */
    /* socket.create_connection(address[, timeout]): a connected socket;
     * socket.create_server(address[, backlog=N]): a listening one */
    LF_CREATE_CONNECTION,
    LF_CREATE_SERVER,
    LF_REPR,      /* repr(x): a str */
    LF_BYTEARRAY, /* bytearray([n | bytes]): a mutable buffer */
    LF_BYTES,     /* bytes([n | bytes | bytearray]) */
    LF_RECV_INTO, /* s.recv_into(buffer[, nbytes[, flags]]): the count it filled */
} lesson_func;

/* What a variable holds, as far as the parser can tell. */
typedef enum {
    LT_ANY = 0,
    LT_SOCKET,
    LT_WRITER,
    LT_FILE,
    LT_BYTES,
    LT_INT,
    LT_TUPLE,
    LT_READER, /* s.makefile('rb') */
    LT_FLOAT,
    LT_SELECTOR, /* selectors.DefaultSelector() */
} lesson_type;

typedef enum {
    LX_INT = 1, /* i; past 64 bits: data/len its decimal digits, i its sign (1 or -1) */
    LX_SECONDS, /* a decimal literal: f as written, i in microseconds */
    LX_BYTES,   /* data, len */
    LX_STR,     /* data, len (UTF-8) */
    LX_BOOL,    /* i */
    LX_NONE,
    LX_CONST,  /* i: a lesson_const; name as written */
    LX_VAR,    /* name */
    LX_CALL,   /* func, recv (NULL for a plain function), args */
    LX_TUPLE,  /* a, b */
    LX_REPEAT, /* a * i */
    LX_SUB,    /* a - b: numbers (int, float or bool) */
    LX_ADD,    /* a + b: numbers, or bytes, str, lists, tuples joined */
    LX_OR,     /* a | b: ints and bools (socket.MSG_PEEK | socket.MSG_DONTWAIT) */
    LX_LIST,   /* [args...], or a tuple of other than two items when i is 1: (x,), (a, b, c) */
    LX_INDEX,  /* a[b] */
    LX_FIELD,  /* a.name: a SelectorKey's fileobj, data or events */
    LX_SLICE,  /* a[args[0]:args[1]] (nargs 2; a bound left out is NULL) */
    /* only in expectations: */
    LX_ATTR,  /* a.ATTRIBUTE: i is the lesson_attr, a the object (a variable) */
    LX_ERROR, /* `error`: the side's last exception, or None */
    LX_STATE, /* a TCP state name: i is the lesson_tcp_state; len 1: FIN_WAIT,
                 which matches FIN_WAIT1 and FIN_WAIT2 */
    LX_EXC,   /* an exception name: i is the lesson_exc */
} lesson_expr_kind;

typedef struct lesson_expr {
    lesson_expr_kind kind;
    int col;                  /* 1-based column where it starts */
    int64_t i;                /* integer value, constant id, repeat count */
    double f;                 /* LX_SECONDS: the literal's value */
    uint8_t *data;            /* bytes or string contents */
    size_t len;               /* their length */
    char *name;               /* variable or constant name, method name */
    lesson_func func;         /* LX_CALL: which call */
    int call_id;              /* LX_CALL: index in its statement, from 0 */
    struct lesson_expr *recv; /* LX_CALL: the object, or NULL */
    struct lesson_expr *args[LESSON_MAX_ARGS];
    char *kwname[LESSON_MAX_ARGS]; /* keyword of each argument, or NULL */
    int nargs;
    struct lesson_expr *a, *b; /* LX_TUPLE, LX_SUB/ADD/OR items, LX_REPEAT operand (a) */
} lesson_expr;

/* The attribute an expectation reads (LX_ATTR). */
typedef enum {
    LA_NONE = 0, /* not an attribute */
    LA_SEND_QUEUE,
    LA_UNSENT,
    LA_IN_FLIGHT,
    LA_RECV_QUEUE,
    LA_SNDBUF,
    LA_RCVBUF,
    LA_BLOCKED,
    LA_STATE,
    LA_BUFFERED,    /* writer: bytes not yet sent; reader: bytes read ahead */
    LA_PEER_WINDOW, /* the receive window the peer last advertised */
} lesson_attr;

typedef enum { LO_EQ = 1, LO_NE, LO_LT, LO_LE, LO_GT, LO_GE } lesson_op;

typedef enum { LS_STMT = 1, LS_EXPECT, LS_IMPORT } lesson_ast_kind;

struct lesson_ast {
    lesson_ast_kind kind;
    /* LS_STMT: [target [, target2] =] expr, or with EXPR as NAME: stmt */
    char *target[LESSON_MAX_TARGETS];
    int ntargets;
    lesson_expr *expr;
    lesson_expr *with_expr; /* with open(...) as with_name: ... */
    char *with_name;
    int ncalls; /* calls in the statement (for memoizing) */
    /* LS_EXPECT: lhs OP rhs, both expressions of the statement language
     * (plus LX_ATTR, LX_ERROR, LX_STATE and LX_EXC), evaluated by the
     * runner's one evaluator and compared by one value comparison. */
    lesson_expr *lhs; /* a variable, len(VAR), VAR.ATTRIBUTE or error */
    lesson_op op;
    lesson_expr *rhs; /* a literal, a state or exception name, or a variable */
};

/* Frees one tree. Accepts NULL. */
void lesson_ast_free(struct lesson_ast *a);

#endif
