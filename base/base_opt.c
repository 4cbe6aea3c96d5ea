/* base_opt.c: getopt_long for every command, with one set of messages.
 *
 * getopt_long keeps its state in globals (optind, optarg): each parser
 * resets it (optind = 0) on its first call, so commands parsed one after
 * another in one process (the tests) each start afresh. Messages are ours
 * (opterr = 0), so they name the option as the user typed it.
 */
#include "base_opt.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The option name the user typed for a failure at optind - 1. */
static void typed_option(const base_opt *p, char *buf, size_t cap)
{
    const char *a = optind - 1 < p->argc && optind >= 1 ? p->argv[optind - 1] : "";
    if (optopt && (a[0] != '-' || a[1] != '-')) {
        snprintf(buf, cap, "-%c", optopt);
        return;
    }
    const char *eq = strchr(a, '=');
    snprintf(buf, cap, "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
}

static void usage_hint(const base_opt *p)
{
    if (p->usage)
        fputs(p->usage, p->errout);
    else
        fprintf(p->errout, "try '%s --help'\n", p->cmd);
}

int base_opt_next(base_opt *p, const char **value)
{
    if (!p->started) {
        optind = 0; /* GNU: reinitialise, also the permutation state */
        p->started = true;
    }
    opterr = 0;
    char shortopts[64];
    /* '-' would return operands in order; '+' would stop at the first.
     * ':' first: a missing value returns ':' rather than '?'. */
    snprintf(shortopts, sizeof shortopts, ":%s", p->shortopts ? p->shortopts : "");
    int longindex = -1;
    optopt = 0;
    int c = getopt_long(p->argc, p->argv, shortopts, p->longopts, &longindex);
    *value = optarg;
    if (c == -1)
        return -1;
    char name[128];
    if (c == ':') {
        typed_option(p, name, sizeof name);
        fprintf(p->errout, "%s: option '%s' needs a value\n", p->cmd, name);
        usage_hint(p);
        return '?';
    }
    if (c == '?') {
        typed_option(p, name, sizeof name);
        const char *a = p->argv[optind - 1];
        bool has_value = a && a[0] == '-' && a[1] == '-' && strchr(a, '=') && optopt;
        if (has_value)
            fprintf(p->errout, "%s: option '%s' takes no value\n", p->cmd, name);
        else
            fprintf(p->errout, "%s: unknown option '%s'\n", p->cmd, name);
        usage_hint(p);
        return '?';
    }
    return c;
}

int base_opt_operands(const base_opt *p)
{
    (void)p;
    return optind;
}

int base_opt_double(const base_opt *p, const char *name, const char *value, double lo, double hi,
                    const char *what, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = value && *value ? strtod(value, &end) : NAN;
    if (!end || *end || errno || !isfinite(v) || v < lo || v > hi) {
        fprintf(p->errout, "%s: bad %s '%s' (want %s)\n", p->cmd, name, value ? value : "", what);
        return -1;
    }
    *out = v;
    return 0;
}

int base_opt_long(const base_opt *p, const char *name, const char *value, long lo, long hi,
                  long *out)
{
    char *end = NULL;
    errno = 0;
    long v = value && *value ? strtol(value, &end, 10) : 0;
    if (!end || *end || errno || v < lo || v > hi) {
        fprintf(p->errout, "%s: bad %s '%s' (want an integer in %ld..%ld)\n", p->cmd, name,
                value ? value : "", lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

bool base_colour(FILE *f)
{
    const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
    if (no && *no)
        return false;
    if (term && !strcmp(term, "dumb"))
        return false;
    int fd = f ? fileno(f) : -1;
    return fd >= 0 && isatty(fd);
}

/* Levenshtein distance of a and b, both shorter than 64 bytes (else a
 * large number). */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la >= 64 || lb >= 64)
        return 1000;
    int row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *base_nearest(const char *typo, const char *const *words, int n)
{
    size_t tl = strlen(typo);
    int limit = tl > 6 ? (int)tl / 3 : 2;
    const char *best = NULL;
    int best_d = limit + 1;
    for (int i = 0; i < n; i++) {
        int d = tl && !strncmp(words[i], typo, tl) ? 0 : edit_distance(typo, words[i]);
        if (d < best_d) {
            best_d = d;
            best = words[i];
        }
    }
    return best;
}

bool base_locale_is_japanese(void)
{
    const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return !strncmp(v, "ja", 2);
    }
    return false;
}
