/* cmd_table.h: the one table of sockbuf's commands and their options.
 *
 * Every command (the window, check, run, render, live, help) is one row:
 * its name, a one-line summary, its synopsis lines, its hand-written
 * prose, and the function that runs it. Every option is one row too: long
 * name, short letter, argument name, help text, getopt value, and the
 * commands that take it. From this table come main()'s dispatch, every
 * `--help` (and `sockbuf --help`), the "did you mean" list, the parsers'
 * getopt tables of check, run and live (cmd_table_longopts), the bash
 * completion and the man page's SYNOPSIS and option lists (cmd_doc.c).
 * The window's and render's parsers live in the viz module, which may not
 * include cmd/: their own `struct option` arrays are compared with this
 * table by tests/test_cmd_table.c, and main() parses their command line
 * with this table first (cmd_table_preparse), so --help and the unknown
 * options are answered here. Called by main(), cmd_lesson.c, cmd_live.c,
 * cmd_doc.c and the tests. libc only (plus the command functions).
 */
#ifndef SOCKBUF_CMD_TABLE_H
#define SOCKBUF_CMD_TABLE_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "base_opt.h"
#include "lesson_run.h"

/* One bit per command, for cmd_option.cmds. */
enum {
    CMD_WINDOW = 1u << 0, /* sockbuf [LESSON]: the window */
    CMD_CHECK = 1u << 1,
    CMD_RUN = 1u << 2,
    CMD_RENDER = 1u << 3,
    CMD_LIVE = 1u << 4,
    CMD_HELP = 1u << 5,
    CMD_TRACE = 1u << 6,
};

/* What the completion offers after an option that takes a value. */
typedef enum {
    CMD_VALUE_NONE, /* a free value (a number, a text): nothing offered */
    CMD_VALUE_FILE, /* file names */
    CMD_VALUE_DIR,  /* folder names */
    CMD_VALUE_WORDS /* the words of cmd_option.words */
} cmd_value_kind;

/* Option flags. */
enum {
    CMD_OPT_HIDDEN = 1u << 0, /* parsed, but in no help, page or completion */
    CMD_OPT_MAIN = 1u << 1,   /* taken out of argv by main() before dispatch */
};

/* One option of one or more commands. A long name may have several rows
 * (disjoint cmds) when its help differs from command to command. */
typedef struct {
    const char *name;     /* long name without "--": "jobs" */
    char letter;          /* short letter ('j'), or 0 */
    const char *arg;      /* the value's name ("N", "en|ja"), or NULL: no value */
    const char *help;     /* help text; '\n' starts a continuation line */
    const char *man;      /* the man page's text when longer than help, or NULL */
    unsigned cmds;        /* CMD_* bits of the commands that take it */
    int val;              /* the parser's getopt value for it */
    unsigned flags;       /* CMD_OPT_* */
    cmd_value_kind value; /* what completes its value */
    const char *words;    /* CMD_VALUE_WORDS: "en ja" */
} cmd_option;

/* One command. argv[0] of run is the command word ("check"), or "sockbuf"
 * for the window, which gets the whole command line. */
typedef struct {
    const char *name;        /* "check"; "" for the window */
    unsigned bit;            /* CMD_* */
    const char *summary;     /* one line: "run headless, check every expect" */
    const char *synopsis[3]; /* after "sockbuf ": "check [OPTIONS] LESSON..."; NULL-ended */
    const char *prose;       /* the paragraph(s) between usage and options, or NULL */
    const char *epilog;      /* after the options, or NULL */
    bool real;               /* may run the real mode: main() starts the wire first */
    int (*run)(int argc, char **argv, lesson_wire_handle *wire); /* wire: main()'s, or NULL */
} cmd_command;

/* The commands, the window first; *n gets their number. Static storage. */
const cmd_command *cmd_table_commands(int *n);

/* The options (every command's), in help order; *n gets their number. */
const cmd_option *cmd_table_options(int *n);

/* The command named name ("" or NULL: the window), or NULL. */
const cmd_command *cmd_table_find(const char *name);

/* The option of command bit named name (long name), or NULL. */
const cmd_option *cmd_table_option(unsigned bit, const char *name);

/* Fills opts (cap entries, the last one zeroed) with getopt_long's table
 * for command bit, and shortopts (cap_short bytes) with its short options
 * ("hj:"). Options flagged CMD_OPT_MAIN are left out: main() took them.
 * Returns the number of options, or -1 when a buffer is too small. */
int cmd_table_longopts(unsigned bit, struct option *opts, int cap, char *shortopts,
                       size_t cap_short);

/* A command's option parser built from its rows: getopt_long's tables
 * and base_opt's state in one value (no allocation). */
typedef struct {
    struct option opts[32]; /* the table's long options, ended by {0} */
    char shortopts[16];     /* its short options, "hj:" */
    char title[32];         /* "sockbuf check", for messages */
    base_opt p;             /* the parser: base_opt_next(&cp.p, ...) */
} cmd_parser;

/* Sets cp up to parse argc/argv (argv[0] is the command word) as command
 * bit's parser, with messages on errout. Returns 0, or -1 when the
 * command's rows do not fit cmd_parser's arrays (a build error). */
int cmd_parser_init(cmd_parser *cp, unsigned bit, int argc, char **argv, FILE *errout);

/* Writes command bit's --help to out: its usage lines, prose, options and
 * epilog. For CMD_HELP, sockbuf's overview (every command's synopsis and
 * summary, the window's options, the options of every command). */
void cmd_table_help(FILE *out, unsigned bit);

/* Command bit's usage lines and "try 'sockbuf CMD --help'", for a usage
 * error's message. */
void cmd_table_usage(FILE *out, unsigned bit);

/* "check, run, render, live": the commands to name after an unknown one. */
void cmd_table_list(FILE *out);

/* "sockbuf check" (or "sockbuf" for the window) into buf; returns buf. */
const char *cmd_table_title(const cmd_command *c, char *buf, size_t cap);

/* Parses argv (argv[0] is the command word) with command c's table only,
 * on a copy, so argv is left as it is for c's own parser. Returns -1 to
 * go on, 0 after printing c's --help on out, or 2 after a usage message
 * (an unknown option, a missing value) on errout. */
int cmd_table_preparse(const cmd_command *c, int argc, char **argv, FILE *out, FILE *errout);

/* Fills words (cap of them) with the command names that a typo may be
 * near (the window has none); returns how many. */
int cmd_table_words(const char **words, int cap);

/* `sockbuf help [COMMAND]`: argv[0] is "help". The overview, or that
 * command's --help (0); an unknown COMMAND is a usage error (2). */
int cmd_table_help_main(int argc, char **argv, lesson_wire_handle *wire);

#endif
