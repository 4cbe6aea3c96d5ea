/* lesson_lex.h: the parser's state and its lexer, shared by its parts.
 *
 * Private to lessons/. The parser is cut at its seams:
 *   lesson_lex.c    the parser's state (diagnostics, the variables each
 *                   side has bound, with what type) and the lexer of one
 *                   code line (names, numbers, bytes and str literals);
 *   lesson_expr.c   expressions, statements and expectations, checked
 *                   against the contract (calls, methods, constants,
 *                   attributes) as they are read;
 *   lesson_parse.c  the directives (lesson, step, say, model, file,
 *                   questions...), the lines of a step, and lesson_parse().
 */
#ifndef SOCKBUF_LESSON_LEX_H
#define SOCKBUF_LESSON_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lesson.h"
#include "lesson_ast.h"
#include "lesson_record.h"

enum { MAX_STEPS = 1000, MAX_LINES_PER_STEP = 1000 };
#define MAX_FILE_BYTES ((uint64_t)64 << 20)

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
    var_entry vars[2][LESSON_MAX_VARS];
    int nvars[2];
    int nsocket_calls;            /* socket() and accept() calls so far (LESSON_MAX_SOCKS) */
    int nmakefile_calls;          /* makefile() calls so far (LESSON_MAX_FILES) */
    int line;                     /* the line being read */
    int lesson_line;              /* where `lesson` was, 0 if not yet */
    long nterms;                  /* the trees' nodes made so far (LESSON_MAX_LESSON_TERMS) */
    char *answer_text;            /* the current step's `answer` line, parsed at the step's end */
    size_t answer_len, answer_at; /* its length; where its SIDE starts */
} parser;

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
    int64_t i;         /* T_INT value (0 when data holds it); T_FLOAT: microseconds */
    double f;          /* T_FLOAT: the literal's value, as Python reads it */
    uint8_t *data;     /* T_BYTES/T_STR decoded, owned by the lexer until taken; T_INT past
                          64 bits: its decimal digits */
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
    int nterms; /* the tree's nodes made for this line (LESSON_MAX_TERMS) */
    bool failed;
} lexer;

/* ------------------------------------------------------- lesson_lex.c */

/* A diagnostic at line:col (up to LESSON_MAX_DIAGS are kept). */
void lesson_perr(parser *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A copy of n bytes of s, NUL-terminated, or NULL. */
char *lesson_xstrndup(const char *s, size_t n);
/* A side's variable of that name, or NULL. */
var_entry *lesson_pvar_find(parser *p, int side, const char *name, size_t len);
/* Binds (or rebinds) a side's variable with what it holds. Returns false
 * when it is new and the side already has LESSON_MAX_VARS (or out of
 * memory). */
bool lesson_pvar_set(parser *p, int side, const char *name, lesson_type t);

/* The 1-based column of byte off of the line. */
int lesson_col_of(const lexer *L, size_t off);
/* The line's first error, at byte off; the lexer stops there. */
void lesson_lex_fail(lexer *L, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The current token described for a message: "')'", "end of line"... */
void lesson_tok_describe(const lexer *L, char *out, size_t outlen);
/* Frees what a token holds. */
void lesson_tok_clear(token *t);
/* Can c continue a name? */
bool lesson_is_name_char(int c);
/* Reads a string literal whose quote is at q into *out (malloc'd).
 * Returns the offset after it, or 0 after an error. */
size_t lesson_read_string(lexer *L, size_t q, bool is_bytes, bool raw, uint8_t **out,
                          size_t *outlen);
/* Reads decimal digits from i; *overflow when they exceed int64. */
size_t lesson_read_digits(const char *s, size_t i, size_t len, int64_t *v, bool *overflow);
/* Moves to the next token. */
void lesson_lex_next(lexer *L);
/* Is the current token the operator op / the name name? */
bool lesson_tok_is(const lexer *L, const char *op);
bool lesson_tok_name(const lexer *L, const char *name);
/* "expected WHAT, found X" at the current token. */
void lesson_expected(lexer *L, const char *what);
/* Takes op, or reports "expected WHAT". */
bool lesson_accept_op(lexer *L, const char *op, const char *what);

/* ------------------------------------------------------ lesson_expr.c */

/* One statement / one expectation (after "SIDE:"), or NULL after an
 * error was reported. */
struct lesson_ast *lesson_parse_statement(lexer *L);
struct lesson_ast *lesson_parse_expectation(lexer *L);

#endif
