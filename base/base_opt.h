/* base_opt.h: the one option parser of every sockbuf command.
 *
 * A thin layer over getopt_long(3) so that check, run, render, live and
 * the window parse the same way (options anywhere, `--opt=VALUE` or
 * `--opt VALUE`, unique prefixes of long options, `--` ends them) and say
 * the same things when something is wrong: "sockbuf run: unknown option
 * '--frob'", "sockbuf run: option '--transcript' needs a value". Also the
 * helpers every command needs: finite numbers in a range, colour only on a
 * terminal without NO_COLOR, and the nearest word for a typo.
 * Used by lessons/cmd_lesson.c, net/cmd_live.c, viz/ and main(); it
 * depends on libc only.
 */
#ifndef SOCKBUF_BASE_OPT_H
#define SOCKBUF_BASE_OPT_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* One command's parser. Fill the fields, then call base_opt_next until it
 * returns -1. */
typedef struct {
    const char *cmd;               /* for messages: "sockbuf check" */
    const char *usage;             /* printed after a usage error (may be NULL) */
    const struct option *longopts; /* getopt_long's table, ended by {0} */
    const char *shortopts;         /* getopt_long's short options, e.g. "hj:" */
    FILE *errout;                  /* where messages go */
    int argc;                      /* the command's argv (argv[0] is the command) */
    char **argv;
    bool started; /* set by base_opt_next */
} base_opt;

/* The next option: its `val` from longopts (its value, if any, in *value),
 * -1 when the options are done (the operands are then argv[optind..argc),
 * getopt having moved them to the end), or '?' after printing a message
 * naming the unknown option or the one missing its value, followed by the
 * usage. argv is permuted in place, as getopt_long does. */
int base_opt_next(base_opt *p, const char **value);

/* Index of the first operand once base_opt_next has returned -1. */
int base_opt_operands(const base_opt *p);

/* Parses value as a finite number in [lo, hi] into *out. NaN, infinities,
 * trailing junk and values out of range print "CMD: bad NAME 'VALUE'
 * (want WHAT)" and return -1; 0 on success. */
int base_opt_double(const base_opt *p, const char *name, const char *value, double lo, double hi,
                    const char *what, double *out);

/* The same for a decimal integer in [lo, hi]. */
int base_opt_long(const base_opt *p, const char *name, const char *value, long lo, long hi,
                  long *out);

/* Whether to colour what goes to f: only when f is a terminal, NO_COLOR is
 * unset or empty, and TERM is not "dumb". */
bool base_colour(FILE *f);

/* Whether the user's locale asks for Japanese: the first of LC_ALL,
 * LC_MESSAGES and LANG that is set and not empty (POSIX's order) starts
 * with "ja" (ja_JP.UTF-8, ja). The window, render and the live window
 * start in Japanese then, unless --lang says otherwise (SPEC.md 6). */
bool base_locale_is_japanese(void);

/* The word of words (n of them) nearest to typo by edit distance, or NULL
 * when none is within 2 edits (or a third of typo's length, if more). A
 * word that typo is a prefix of counts as near. */
const char *base_nearest(const char *typo, const char *const *words, int n);

#endif
