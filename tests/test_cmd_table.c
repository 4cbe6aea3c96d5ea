/* test_cmd_table.c: the command table (cmd/cmd_table.c) against everything
 * said to come from it: main()'s dispatch, each command's --help, the
 * module's option parsers (render, the window), the "did you mean" words,
 * the bash completion and the man page's generated regions. Each case
 * fails when one of them disagrees with the table. The window's --help
 * also names keys: those are checked against the key table (viz_keys.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base_opt.h"
#include "cmd_doc.h"
#include "cmd_lesson.h"
#include "cmd_live.h"
#include "cmd_table.h"
#include "cmd_trace.h"
#include "viz.h"
#include "viz_keys.h"

/* The module's parsers' tables (viz_render.c, viz_window.c). */
extern const struct option viz_render_options[];
extern const struct option viz_window_options[];

static char dir[] = "/tmp/test_cmd_table.XXXXXX";

/* The whole of a file, NUL-ended (free it), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(f);
    fclose(m);
    return buf;
}

/* What cmd_table_help(bit) prints (free it). */
static char *help_text(unsigned bit)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    cmd_table_help(m, bit);
    fclose(m);
    return buf;
}

typedef struct {
    int rc;
    char *out, *err;
} run_result;

/* Runs the sockbuf binary with args (a shell fragment), no display. */
static run_result run_sockbuf(const char *args)
{
    char cmd[2048], o[256], e[256];
    snprintf(o, sizeof o, "%s/out", dir);
    snprintf(e, sizeof e, "%s/err", dir);
    snprintf(cmd, sizeof cmd,
             "env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER '%s' %s >'%s' 2>'%s' "
             "</dev/null",
             SOCKBUF_BINARY, args, o, e);
    int st = system(cmd);
    run_result r = {WIFEXITED(st) ? WEXITSTATUS(st) : -1, slurp(o), slurp(e)};
    assert_non_null(r.out);
    assert_non_null(r.err);
    return r;
}

static void done(run_result *r)
{
    free(r->out);
    free(r->err);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Rows that share a long name agree (value, letter, code, completion),
 * never share a command, and every command takes --help. */
static void test_table_rows_agree(void **state)
{
    (void)state;
    int no, nc;
    const cmd_option *o = cmd_table_options(&no);
    const cmd_command *c = cmd_table_commands(&nc);
    for (int i = 0; i < no; i++) {
        assert_true(o[i].cmds != 0);
        for (int k = i + 1; k < no; k++) {
            if (strcmp(o[i].name, o[k].name)) {
                if (o[i].cmds & o[k].cmds && o[i].val && o[i].val == o[k].val)
                    fail_msg("--%s and --%s: one code in one command", o[i].name, o[k].name);
                continue;
            }
            if (o[i].cmds & o[k].cmds)
                fail_msg("--%s: two rows for one command", o[i].name);
            if (!o[i].arg != !o[k].arg || o[i].letter != o[k].letter || o[i].val != o[k].val ||
                o[i].value != o[k].value)
                fail_msg("--%s: its rows disagree", o[i].name);
        }
    }
    for (int i = 0; i < nc; i++) {
        assert_non_null(c[i].run);
        assert_non_null(cmd_table_option(c[i].bit, "help"));
    }
}

/* The same options, values and codes, in any order. */
static void assert_same_options(const char *what, const struct option *got,
                                const struct option *want)
{
    int ng = 0, nw = 0;
    while (got[ng].name)
        ng++;
    while (want[nw].name)
        nw++;
    for (int i = 0; i < nw; i++) {
        int k = 0;
        while (k < ng && strcmp(got[k].name, want[i].name))
            k++;
        if (k == ng)
            fail_msg("%s: the parser lacks the table's --%s", what, want[i].name);
        if (got[k].has_arg != want[i].has_arg || got[k].val != want[i].val)
            fail_msg("%s: --%s differs from the table's", what, want[i].name);
    }
    if (ng != nw) {
        for (int k = 0; k < ng; k++)
            if (!cmd_table_option(~0u, got[k].name))
                fail_msg("%s: --%s is in no table row", what, got[k].name);
        fail_msg("%s: %d options, the table %d", what, ng, nw);
    }
}

/* The module's parsers (render, the window) take exactly the table's
 * options: main() parses with the table first, the module after. */
static void test_table_module_parsers_match(void **state)
{
    (void)state;
    struct option want[64];
    char shortopts[32];
    assert_true(cmd_table_longopts(CMD_RENDER, want, 64, shortopts, sizeof shortopts) > 0);
    assert_same_options("render", viz_render_options, want);
    assert_true(cmd_table_longopts(CMD_WINDOW, want, 64, shortopts, sizeof shortopts) > 0);
    assert_same_options("the window", viz_window_options, want);
}

/* Whether command bit takes the option spelled at s ("--jobs", "-j"). */
static bool takes(unsigned bit, const char *s, size_t n)
{
    int no;
    const cmd_option *o = cmd_table_options(&no);
    for (int i = 0; i < no; i++) {
        if (!(o[i].cmds & bit))
            continue;
        if (n == 2 && s[1] == o[i].letter)
            return true;
        if (n == strlen(o[i].name) + 2 && !strncmp(s + 2, o[i].name, n - 2))
            return true;
    }
    return false;
}

/* Every option a synopsis names is the command's; every visible option of
 * a command is in its synopsis (by its long name or letter), unless that
 * says [OPTIONS] (--wire, taken by main(), is said once for all). */
static void test_table_synopsis_names_the_options(void **state)
{
    (void)state;
    int nc, no;
    const cmd_command *c = cmd_table_commands(&nc);
    const cmd_option *o = cmd_table_options(&no);
    for (int i = 0; i < nc; i++) {
        bool all = false;
        for (int k = 0; c[i].synopsis[k]; k++) {
            const char *s = c[i].synopsis[k];
            all |= strstr(s, "[OPTIONS]") != NULL;
            for (const char *p = s; *p; p++) {
                if (*p != '-' || (p > s && !strchr(" [|", p[-1])))
                    continue;
                size_t n = strspn(p, "-abcdefghijklmnopqrstuvwxyz");
                if (!takes(c[i].bit, p, n))
                    fail_msg("sockbuf %s: the synopsis names %.*s, not an option of it", c[i].name,
                             (int)n, p);
                p += n - 1;
            }
        }
        for (int k = 0; k < no && !all; k++) {
            if (!(o[k].cmds & c[i].bit) || o[k].flags || !strcmp(o[k].name, "help"))
                continue;
            char want[64];
            snprintf(want, sizeof want, "--%s", o[k].name);
            bool found = false;
            for (int j = 0; c[i].synopsis[j] && !found; j++) {
                const char *at = c[i].synopsis[j];
                while (!found && (at = strstr(at, want)) != NULL) {
                    at += strlen(want);
                    found = !(*at == '-' || (*at >= 'a' && *at <= 'z'));
                }
                char letter[8];
                snprintf(letter, sizeof letter, "[-%c ", o[k].letter);
                found |= o[k].letter && strstr(c[i].synopsis[j], letter);
            }
            if (!found)
                fail_msg("sockbuf %s: the synopsis lacks --%s", c[i].name, o[k].name);
        }
    }
}

/* A value each option accepts, for the parsers' test; NULL: none known
 * (the test then fails: add one). */
static const char *sample_value(const char *name)
{
    static const char *const v[][2] = {
        {"out", "pictures"},     {"listen", "0"},     {"connect", "127.0.0.1:1"},
        {"send", "x"},           {"send-file", "x"},  {"max-seconds", "1"},
        {"sample-ms", "10"},     {"recv-size", "10"}, {"max-conns", "10"},
        {"idle-timeout", "1"},   {"lang", "ja"},      {"size", "640x360"},
        {"at", "0.5"},           {"zoom", "2"},       {"jobs", "2"},
        {"junit", "x.xml"},      {"timeout", "5"},    {"transcript", "x.jsonl"},
        {"junit-flavor", "jenkins"}, {"format", "webp"},
        {"wire-view", "kernel"}, {"theme", "light"},  {"demo-steps", "1"},
        {"screenshot", "x.png"},  {"run", "true"},    {"model", "x=1"},
        {"save-lesson", "x"},    {"recorded", "web/recorded"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (!strcmp(v[i][0], name))
            return v[i][1];
    return NULL;
}

/* Runs command bit's own parser on argv; returns its exit status (0 after
 * --help). */
static int parse_with(unsigned bit, int argc, char **argv, FILE *null)
{
    live_opts lo;
    switch (bit) {
    case CMD_WINDOW:
        return viz_window_main(argc, argv, NULL);
    case CMD_CHECK:
        return cmd_check(argc, argv, NULL, null, null);
    case CMD_RUN:
        return cmd_run(argc, argv, NULL, null, null);
    case CMD_RENDER:
        return viz_render_main(argc, argv, NULL);
    case CMD_LIVE:
        return cmd_live_parse(argc, argv, &lo, null, null) == 1 ? 0 : 2;
    case CMD_TRACE:
        return cmd_trace(argc, argv, NULL, null, null);
    default:
        return -1;
    }
}

/* Each command's own parser handles every option of its rows: `CMD --OPT
 * [VALUE] --help` reaches --help (exit 0) rather than a usage error. */
static void test_table_parsers_handle_every_option(void **state)
{
    (void)state;
    int nc, no;
    const cmd_command *c = cmd_table_commands(&nc);
    const cmd_option *o = cmd_table_options(&no);
    FILE *null = fopen("/dev/null", "w");
    assert_non_null(null);
    for (int i = 0; i < nc; i++) {
        if (c[i].bit == CMD_HELP)
            continue;
        for (int k = 0; k < no; k++) {
            if (!(o[k].cmds & c[i].bit) || (o[k].flags & CMD_OPT_MAIN))
                continue;
            char opt[64], word[32];
            snprintf(opt, sizeof opt, "--%s", o[k].name);
            snprintf(word, sizeof word, "%s", c[i].name[0] ? c[i].name : "sockbuf");
            const char *value = o[k].arg ? sample_value(o[k].name) : NULL;
            if (o[k].arg && !value)
                fail_msg("--%s: no sample value in this test", o[k].name);
            char *argv[] = {word, opt, (char *)value, "--help", NULL};
            if (!value)
                argv[2] = "--help", argv[3] = NULL;
            fflush(stdout);
            int rc = parse_with(c[i].bit, value ? 4 : 3, argv, null);
            if (rc != 0)
                fail_msg("%s %s %s: exit %d; its parser does not handle it", word, opt,
                         value ? value : "", rc);
        }
    }
    fclose(null);
}

/* The binary dispatches every command word to its row: `CMD --help` and
 * `help CMD` print the table's help, `CMD --bogus` is that command's
 * usage error, and `CMD` alone reaches the command itself. */
static void test_table_dispatch_and_help(void **state)
{
    (void)state;
    int nc;
    const cmd_command *c = cmd_table_commands(&nc);
    char args[256], want_err[128];
    for (int i = 0; i < nc; i++) {
        const char *name = c[i].name[0] ? c[i].name : "basics";
        char *want = help_text(c[i].bit);
        snprintf(args, sizeof args, "%s --help", name);
        run_result r = run_sockbuf(args);
        if (r.rc != 0 || strcmp(r.out, want))
            fail_msg("sockbuf %s: exit %d, not the table's help:\n%s", args, r.rc, r.out);
        done(&r);
        if (c[i].name[0] && c[i].bit != CMD_HELP) {
            snprintf(args, sizeof args, "help %s", name);
            r = run_sockbuf(args);
            if (r.rc != 0 || strcmp(r.out, want))
                fail_msg("sockbuf %s: exit %d, not the table's help", args, r.rc);
            done(&r);
        }
        free(want);
        snprintf(args, sizeof args, "%s --bogus", name);
        r = run_sockbuf(args);
        snprintf(want_err, sizeof want_err, "sockbuf%s%s: unknown option '--bogus'",
                 c[i].name[0] ? " " : "", c[i].name);
        if (r.rc != 2 || !strstr(r.err, want_err))
            fail_msg("sockbuf %s: exit %d: %s", args, r.rc, r.err);
        done(&r);
        if (c[i].name[0] && c[i].bit != CMD_HELP) {
            /* The command itself answers: "sockbuf check: no lesson given". */
            r = run_sockbuf(name);
            snprintf(want_err, sizeof want_err, "sockbuf %s: ", name);
            if (r.rc != 2 || !strstr(r.err, want_err))
                fail_msg("sockbuf %s: exit %d: %s", name, r.rc, r.err);
            done(&r);
        }
    }
    char *want = help_text(CMD_HELP);
    run_result r = run_sockbuf("--help");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, want);
    done(&r);
    free(want);
}

/* A typo of any command word is answered with that word. */
static void test_table_did_you_mean_every_command(void **state)
{
    (void)state;
    const char *words[16];
    int n = cmd_table_words(words, 16), nc;
    cmd_table_commands(&nc);
    assert_int_equal(n, nc - 1); /* every command but the window */
    for (int i = 0; i < n; i++) {
        char typo[64];
        snprintf(typo, sizeof typo, "%s", words[i]);
        typo[strlen(typo) - 1] = 'q'; /* one edit away */
        assert_string_equal(base_nearest(typo, words, n), words[i]);
    }
    run_result r = run_sockbuf("rendr");
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "did you mean 'render'"));
    done(&r);
}

/* COMPREPLY for words (a bash array literal) with the completion in file. */
static char *complete(const char *file, const char *words, int cword)
{
    char cmd[1024], o[256];
    snprintf(o, sizeof o, "%s/comp", dir);
    snprintf(cmd, sizeof cmd,
             "bash -c '. \"%s\"; COMP_WORDS=(%s); COMP_CWORD=%d; _sockbuf; "
             "printf \"%%s \" \"${COMPREPLY[@]}\"' >'%s' 2>&1",
             file, words, cword, o);
    if (system(cmd) != 0)
        fail_msg("bash failed for %s", words);
    return slurp(o);
}

/* The completion (the build's file too) offers each command's visible
 * options, and after an option of fixed values those values. */
static void test_table_completion_offers_the_options(void **state)
{
    (void)state;
    char file[256];
    snprintf(file, sizeof file, "%s/sockbuf.bash-completion", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    cmd_doc_completion(f);
    fclose(f);
    /* The installed file is this one. */
    char built[1024];
    snprintf(built, sizeof built, "%s", SOCKBUF_BINARY);
    *strrchr(built, '/') = '\0';
    strcat(built, "/sockbuf.bash-completion");
    char *a = slurp(file), *b = slurp(built);
    assert_non_null(b);
    if (strcmp(a, b))
        fail_msg("%s is not what the table writes (rebuild)", built);
    free(a);
    free(b);

    int nc, no;
    const cmd_command *c = cmd_table_commands(&nc);
    const cmd_option *o = cmd_table_options(&no);
    for (int i = 0; i < nc; i++) {
        if (c[i].bit == CMD_HELP)
            continue;
        char words[128], want[1024] = "";
        snprintf(words, sizeof words, "sockbuf %s -", c[i].name);
        for (int k = 0; k < no; k++) {
            if (!(o[k].cmds & c[i].bit) || (o[k].flags & CMD_OPT_HIDDEN))
                continue;
            if (o[k].letter)
                snprintf(want + strlen(want), sizeof want - strlen(want), "-%c ", o[k].letter);
            snprintf(want + strlen(want), sizeof want - strlen(want), "--%s ", o[k].name);
            if (o[k].value != CMD_VALUE_WORDS)
                continue;
            char w2[160];
            snprintf(w2, sizeof w2, "sockbuf %s --%s \"\"", c[i].name, o[k].name);
            char *got = complete(file, w2, c[i].name[0] ? 3 : 2), exp[128];
            snprintf(exp, sizeof exp, "%s ", o[k].words);
            if (strcmp(got, exp))
                fail_msg("completing %s: '%s', want '%s'", w2, got, exp);
            free(got);
        }
        if (!c[i].name[0])
            strcat(want, "--version ");
        char *got = complete(file, words, c[i].name[0] ? 2 : 1);
        if (strcmp(got, want))
            fail_msg("completing '%s': '%s', want '%s'", words, got, want);
        free(got);
    }
    char *got = complete(file, "sockbuf ch", 1);
    assert_non_null(strstr(got, "check "));
    free(got);
}

/* docs/sockbuf.1's generated regions are what the table writes now, and
 * every command has its option list there. */
static void test_table_manpage_is_current(void **state)
{
    (void)state;
    const char *page = SOCKBUF_SOURCE_DIR "/docs/sockbuf.1";
    char *src = slurp(page), *gen = NULL;
    assert_non_null(src);
    size_t len = 0;
    FILE *in = fopen(page, "r"), *out = open_memstream(&gen, &len);
    assert_int_equal(cmd_doc_manpage(in, out, stderr), 0);
    fclose(in);
    fclose(out);
    if (strcmp(src, gen))
        fail_msg("docs/sockbuf.1 is not what the table writes: copy build/sockbuf.1 there");
    int nc;
    const cmd_command *c = cmd_table_commands(&nc);
    for (int i = 0; i < nc; i++) {
        if (c[i].bit == CMD_HELP)
            continue;
        char marker[96];
        snprintf(marker, sizeof marker, ".\\\" BEGIN GENERATED options %s\n",
                 c[i].name[0] ? c[i].name : "window");
        if (!strstr(src, marker))
            fail_msg("docs/sockbuf.1 has no option list for '%s'", c[i].name);
    }
    assert_non_null(strstr(src, ".\\\" BEGIN GENERATED synopsis\n"));
    free(src);
    free(gen);
}

enum { KEY_NAMES_MAX = 16 };

/* The key names of a key table row's manual keys ("Down, PageDown / Up,
 * PageUp": Down, PageDown, Up, PageUp; "A … D, then Space": A, D,
 * Space) into names. Returns the count. */
static int row_key_names(const viz_key_row *row, char names[][16])
{
    static const char *const between[] = {"/", "or", "…", "then"};
    int n = 0;
    for (const char *p = row->doc_keys; *p;) {
        size_t len = strcspn(p, " ");
        size_t word = len > 1 && p[len - 1] == ',' ? len - 1 : len;
        bool key = true;
        for (size_t i = 0; i < sizeof between / sizeof between[0]; i++)
            key &= !(strlen(between[i]) == word && !strncmp(p, between[i], word));
        if (key && n < KEY_NAMES_MAX && word < 16)
            snprintf(names[n++], 16, "%.*s", (int)word, p);
        p += len;
        p += *p == ' ';
    }
    return n;
}

static bool row_has_key(const viz_key_row *row, const char *name)
{
    char names[KEY_NAMES_MAX][16];
    int n = row_key_names(row, names);
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name))
            return true;
    return false;
}

/* The window's --help "Keys:" summary: each item's keys ("Space/Right
 * next step", "1..9 a lesson") are keys of one key table row, and every
 * key of the table's main (README) rows is named there. */
static void test_table_window_keys_follow_key_table(void **state)
{
    (void)state;
    char *help = help_text(CMD_WINDOW);
    size_t start = 0; /* an index: GCC takes a pointer into help for one into help_text() */
    while (help[start] && strncmp(help + start, "Keys: ", 6))
        start++;
    if (!help[start])
        fail_msg("the window's --help has no \"Keys: \" paragraph");
    /* Up to the first full stop, a line break and its indent as one space. */
    char text[1024];
    size_t n = 0;
    for (size_t i = start + 6; help[i]; i++) {
        char c = help[i] == '\n' ? ' ' : help[i], next = help[i + 1];
        if (c == '.' && (next == ' ' || next == '\n' || !next))
            break;
        if (c == ' ' && n && text[n - 1] == ' ')
            continue;
        assert_true(n + 1 < sizeof text);
        text[n++] = c;
    }
    text[n] = 0;
    size_t nrows;
    const viz_key_row *rows = viz_keys_table(&nrows);
    char named[64][16];
    int nnamed = 0;
    for (char *item = strtok(text, ","); item; item = strtok(NULL, ",")) {
        item += *item == ' ';
        char *sp = strchr(item, ' ');
        if (!sp)
            fail_msg("--help Keys: \"%s\" says not what the keys do", item);
        *sp = 0;
        char keys[8][16];
        int nk = 0;
        for (char *k = strtok_r(item, "/", &sp); k; k = strtok_r(NULL, "/", &sp)) {
            char *range = strstr(k, "..");
            if (range) {
                *range = 0;
                snprintf(keys[nk++], 16, "%s", range + 2);
            }
            assert_true(nk < 7);
            snprintf(keys[nk++], 16, "%s", k);
        }
        bool found = false;
        for (size_t r = 0; r < nrows && !found; r++) {
            found = true;
            for (int k = 0; k < nk; k++)
                found &= row_has_key(&rows[r], keys[k]);
        }
        if (!found)
            fail_msg("--help Keys: no row of viz_keys.c has the keys of \"%s\"", item);
        for (int k = 0; k < nk && nnamed < 64; k++)
            memcpy(named[nnamed++], keys[k], sizeof named[0]);
    }
    for (size_t r = 0; r < nrows; r++) {
        if (!rows[r].readme)
            continue;
        char names[KEY_NAMES_MAX][16];
        int nn = row_key_names(&rows[r], names);
        for (int i = 0; i < nn; i++) {
            bool in = false;
            for (int k = 0; k < nnamed; k++)
                in |= !strcmp(named[k], names[i]);
            if (!in)
                fail_msg("--help Keys: lacks %s, of the main row \"%s\" in viz_keys.c", names[i],
                         rows[r].doc_keys);
        }
    }
    free(help);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_rows_agree),
        cmocka_unit_test(test_table_module_parsers_match),
        cmocka_unit_test(test_table_parsers_handle_every_option),
        cmocka_unit_test(test_table_synopsis_names_the_options),
        cmocka_unit_test(test_table_dispatch_and_help),
        cmocka_unit_test(test_table_did_you_mean_every_command),
        cmocka_unit_test(test_table_completion_offers_the_options),
        cmocka_unit_test(test_table_manpage_is_current),
        cmocka_unit_test(test_table_window_keys_follow_key_table),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
