/* lesson.h: a parsed lesson (SPEC.md section 3), as the parser builds it.
 *
 * The parser (lesson_parse.c) reads a .lesson file into a lesson_doc; the
 * runner (lesson_run.c) executes it; the window (viz/) shows its titles,
 * narration and code. The document is immutable once parsed, so its
 * structs are public and read-only; the statement and expectation trees
 * behind `ast` belong to the parser and the runner.
 *
 * Positions are 1-based lines and columns; columns count bytes.
 */
#ifndef SOCKBUF_LESSON_H
#define SOCKBUF_LESSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { LESSON_CLIENT = 0, LESSON_SERVER = 1 } lesson_side;

/* "client" / "server". */
const char *lesson_side_name(lesson_side side);

/* Which modes an expectation (or a run) covers; a bit set. */
typedef enum {
    LESSON_MODE_SIM = 1,
    LESSON_MODE_REAL = 2,
    LESSON_MODE_BOTH = 3,
    /* With REAL (`expect.wire`): the kernel is checked only when the real
     * mode runs on the emulated wire (docs/wire.md), whose
     * latency and rate a claim about timing needs; never on loopback. */
    LESSON_MODE_WIRE = 4,
} lesson_mode;

/* What a line inside a step is. */
typedef enum {
    LESSON_LINE_STMT = 1, /* client: / server: statement */
    LESSON_LINE_WAIT,     /* wait DURATION */
    LESSON_LINE_EXPECT,   /* expect / expect.sim / expect.real */
} lesson_line_kind;

struct lesson_ast; /* the parser's tree of one statement or expectation */

/* One executable line of a step, in file order. */
typedef struct {
    lesson_line_kind kind;  /* statement, wait or expectation */
    int line;               /* 1-based source line */
    lesson_side side;       /* the side it runs on / is checked on */
    lesson_mode modes;      /* expectations: which modes; else BOTH */
    char *code;             /* source text after "client:" etc., trimmed */
    uint64_t wait_us;       /* LESSON_LINE_WAIT: the duration */
    struct lesson_ast *ast; /* the parsed statement or expectation */
} lesson_line;

/* One choice of a step's question (`choice KEY TEXT`, `choice.ja KEY TEXT`). */
typedef struct {
    char key;      /* a capital letter, 'A'..'Z' */
    int line;      /* line of its `choice` */
    char *text;    /* English text */
    char *text_ja; /* Japanese text, or NULL */
} lesson_choice;

/* A step's question (SPEC.md section 5): shown before the step's
 * statements run; its answer's condition is one of the step's
 * expectations (lines[answer_index], kind LESSON_LINE_EXPECT, both modes),
 * checked at the end of the step like any other. */
typedef struct {
    int line;               /* line of `ask` */
    char *text;             /* English question */
    char *text_ja;          /* Japanese question, or NULL */
    lesson_choice *choices; /* in file order */
    size_t nchoices;
    char answer;         /* the right choice's key */
    int answer_line;     /* line of `answer` */
    size_t answer_index; /* the condition: index into the step's lines */
} lesson_question;

/* A figure the window shows for the model and the kernel side by side
 * (a `why` names one: "client.unsent"). */
typedef enum {
    LESSON_FIG_UNSENT = 0, /* bytes written, not yet sent */
    LESSON_FIG_IN_FLIGHT,  /* sent, not yet acknowledged */
    LESSON_FIG_RECEIVED,   /* received, not yet read */
    LESSON_NFIGS
} lesson_figure;

/* "unsent", "in_flight", "received". */
const char *lesson_figure_name(lesson_figure f);

/* A step's reason why the model's and the kernel's figure differ
 * (`why SIDE.FIGURE TEXT`, `why.ja SIDE.FIGURE TEXT`). */
typedef struct {
    int line;             /* line of its first `why` */
    lesson_side side;     /* whose figure */
    lesson_figure figure; /* which */
    char *text;           /* English reason, or NULL */
    char *text_ja;        /* Japanese reason, or NULL */
} lesson_why;

/* One step: a title, narration paragraphs and lines. */
typedef struct {
    int line;       /* line of the `step` directive */
    char *title;    /* English title */
    char *title_ja; /* Japanese title, or NULL */
    char **say;     /* English paragraphs */
    size_t nsay;
    char **say_ja; /* Japanese paragraphs */
    size_t nsay_ja;
    int *say_line;    /* source line of each English paragraph (nsay) */
    int *say_ja_line; /* ... and of each Japanese one (nsay_ja) */
    lesson_line *lines; /* statements, waits and expectations */
    size_t nlines;
    lesson_question *question; /* the step's question, or NULL */
    lesson_why *whys;          /* reasons for differences, in file order */
    size_t nwhys;
    uint64_t pace_us;          /* `pace`: how long the window plays the step
                                  at speed 1 (0: its usual time) */
} lesson_step;

/* The step's reason for side's figure, or NULL. */
const lesson_why *lesson_step_why(const lesson_step *st, lesson_side side, lesson_figure fig);

/* The choice of q with this key, or NULL. */
const lesson_choice *lesson_question_choice(const lesson_question *q, char key);

/* A file the lesson declares with `file`: generated or inline. */
typedef struct {
    char *name;           /* plain file name, as open() names it */
    uint64_t size_bytes;  /* its size */
    uint8_t *inline_data; /* the inline content, or NULL when generated */
} lesson_file;

/* Model parameters from the `model` line (zero: not given, use default). */
typedef struct {
    uint64_t latency_us;
    uint64_t rate_bps;
    uint32_t mss_bytes;
    int64_t delayed_ack_us; /* -1: not given; 0: off */
    uint32_t sndbuf_bytes;
    uint32_t rcvbuf_bytes;
} lesson_model;
#define LESSON_DEFAULT_LATENCY_US 5000 /* SPEC.md's latency when `model` leaves it out */

/* A whole lesson. */
typedef struct {
    char *path;     /* the file it was read from */
    char *name;     /* `lesson NAME` */
    char *title;    /* English title */
    char *title_ja; /* Japanese title, or NULL */
    lesson_model model;
    lesson_file *files;
    size_t nfiles;
    lesson_step *steps;
    size_t nsteps;
} lesson_doc;

/* One parse error, as "FILE:LINE:COL: error: MESSAGE". */
typedef struct {
    int line;          /* 1-based */
    int col;           /* 1-based, bytes */
    char message[200]; /* "expected ')' after arguments, found end of line" */
} lesson_diag;

enum { LESSON_MAX_DIAGS = 5 };

/* Parses len bytes of text read from path (path is only copied, for
 * messages). Returns the document (free with lesson_doc_free()), or NULL
 * with up to LESSON_MAX_DIAGS errors in diags and their count in *ndiags.
 * Never crashes and never hangs, whatever the bytes. */
lesson_doc *lesson_parse(const char *path, const char *text, size_t len, lesson_diag *diags,
                         int *ndiags);

#define LESSON_MAX_FILE_BYTES ((uint64_t)256 << 20) /* a lesson file, checked before reading */

/* Reads and parses a file; an unreadable file is one diagnostic at 1:1:
 * anything but a regular file ("not a regular file"; a FIFO is never
 * waited on), or a file over LESSON_MAX_FILE_BYTES by its stat() size. */
lesson_doc *lesson_parse_file(const char *path, lesson_diag *diags, int *ndiags);

/* Frees a document. Accepts NULL. */
void lesson_doc_free(lesson_doc *doc);

/* Finds a lesson by path or by bundled short name ("chat" finds
 * 03-chat.lesson; "03-chat" and "03" too, and any unique prefix of a
 * name: "nagle", "05-n") in the source tree's lessons/, the installed
 * copy, or next to the executable. Writes the path to out. Returns 0,
 * -ENOENT, or -EEXIST when a prefix fits several lessons. */
int lesson_find(const char *name_or_path, char *out, size_t outlen);

/* Why lesson_find(name) failed, as one line for the user in msg (cap
 * bytes): "'c' is ambiguous: it could be 03-chat, 06-close-and-reset" or
 * "no lesson 'x' (...)". Returns -EEXIST (ambiguous) or -ENOENT. */
int lesson_find_explain(const char *name, char *msg, size_t cap);

/* Lists the bundled lessons' paths in order (01-..., 02-...). Returns the
 * count written (at most max); *paths entries are malloc'd, caller frees. */
int lesson_list_bundled(char **paths, int max);

#endif
