/* cmd_table.c: the rows of sockbuf's command table and what reads them.
 *
 * The commands and their options are data here (see cmd_table.h): the
 * help texts, synopses and prose were the hand-written usage strings of
 * main.c, cmd_lesson.c, cmd_live.c, viz_render.c and viz_window.c. The
 * printers below lay them out; cmd_doc.c turns the same rows into the
 * bash completion and the man page. Called by main() (dispatch, help,
 * "did you mean"), by the parsers of check, run and live, and the tests.
 */
#include "cmd_table.h"

#include <stdlib.h>
#include <string.h>

#include "base_opt.h"
#include "cmd_lesson.h"
#include "cmd_trace.h"
#include "cmd_viz.h"

enum { ALL_CMDS = CMD_WINDOW | CMD_CHECK | CMD_RUN | CMD_RENDER | CMD_LIVE | CMD_HELP | CMD_TRACE };

#define SIZES "1280x720 1920x1080 2560x1440"

/* Every option, in the order each command's help lists them. */
static const cmd_option options[] = {
    {"out", 0, "DIR", "where the pictures go (created)", NULL, CMD_RENDER, 'o', 0, CMD_VALUE_DIR,
     NULL},
    {"listen", 0, "[HOST:]PORT", "serve like the article's chat server (HOST: 127.0.0.1)",
     "Serves like the article's chat server: each recv(1024) is answered with "
     "b'Got your message'. HOST defaults to 127.0.0.1; port 0 picks a free one.",
     CMD_LIVE, 'L', 0, CMD_VALUE_NONE, NULL},
    {"connect", 0, "HOST:PORT", "connect like the article's client",
     "Connects like the article's client, sends, reads the answers.", CMD_LIVE, 'C', 0,
     CMD_VALUE_NONE, NULL},
    {"send", 0, "TEXT", "connect: what to send (default 'Hello, world')", NULL, CMD_LIVE, 'S', 0,
     CMD_VALUE_NONE, NULL},
    {"send-file", 0, "FILE", "connect: send a file", NULL, CMD_LIVE, 'F', 0, CMD_VALUE_FILE, NULL},
    {"headless", 0, NULL, "JSON Lines, no window (even with a display)", NULL, CMD_LIVE, 'H', 0,
     CMD_VALUE_NONE, NULL},
    {"max-seconds", 0, "N", "stop after N seconds", NULL, CMD_LIVE, 'M', 0, CMD_VALUE_NONE, NULL},
    {"sample-ms", 0, "N", "sample interval (default 100; the window 50)", NULL, CMD_LIVE, 'm', 0,
     CMD_VALUE_NONE, NULL},
    {"recv-size", 0, "N", "bytes per recv (default 1024)", NULL, CMD_LIVE, 'r', 0, CMD_VALUE_NONE,
     NULL},
    {"max-conns", 0, "N",
     "listen: connections at once (default 1024; at the\n"
     "limit the longest-idle one makes room)",
     NULL, CMD_LIVE, 'c', 0, CMD_VALUE_NONE, NULL},
    {"idle-timeout", 0, "SECONDS",
     "listen: close a connection idle this long\n"
     "(default 120; 0: never)",
     NULL, CMD_LIVE, 'I', 0, CMD_VALUE_NONE, NULL},
    {"lang", 0, "en|ja", "window: language (default: ja when LANG is ja*)", NULL,
     CMD_LIVE | CMD_TRACE, 'l', 0, CMD_VALUE_WORDS, "en ja"},
    {"size", 0, "WxH", "window: size (default 1280x720)", NULL, CMD_LIVE | CMD_TRACE, 'z', 0,
     CMD_VALUE_WORDS, SIZES},
    {"size", 0, "WxH", "picture size, 64..8192 each (default 1280x720)", NULL, CMD_RENDER, 'z', 0,
     CMD_VALUE_WORDS, SIZES},
    {"lang", 0, "en|ja", "language (default: ja when LANG is ja*, else en)", NULL, CMD_RENDER, 'l',
     0, CMD_VALUE_WORDS, "en ja"},
    {"lang", 0, "en|ja", "start in English or Japanese (default: LANG; L switches)", NULL,
     CMD_WINDOW, 'l', 0, CMD_VALUE_WORDS, "en ja"},
    {"size", 0, "WxH",
     "window size (default 1280x720, or the screen\n"
     "if smaller)",
     NULL, CMD_WINDOW, 'z', 0, CMD_VALUE_WORDS, SIZES},
    {"fullscreen", 0, NULL, "start fullscreen (F or F11 switches)", NULL, CMD_WINDOW, 'f', 0,
     CMD_VALUE_NONE, NULL},
    {"presenter", 0, NULL,
     "also open the presenter's view, a second window\n"
     "(for a second screen): the narration, the next\n"
     "step, the answer, failed checks",
     NULL, CMD_WINDOW, 'V', 0, CMD_VALUE_NONE, NULL},
    {"at", 0, "P",
     "draw each step at point P (0..1) of its\n"
     "animation (default 1, the end)",
     NULL, CMD_RENDER, 'a', 0, CMD_VALUE_NONE, NULL},
    {"zoom", 0, "Z", "text size, 0.5..3 (default 1; as Ctrl+= in the window)", NULL, CMD_RENDER,
     'Z', 0, CMD_VALUE_NONE, NULL},
    {"theme", 0, "NAME",
     "colours: dark (default), light (a bright room,\n"
     "a projector) or contrast (white on black)",
     NULL, CMD_RENDER, 'T', 0, CMD_VALUE_WORDS, "dark light contrast"},
    {"theme", 0, "NAME",
     "start in a theme: dark (default), light (a\n"
     "bright room, a projector) or contrast; T cycles",
     NULL, CMD_WINDOW, 'T', 0, CMD_VALUE_WORDS, "dark light contrast"},
    {"sim", 0, NULL, "the model only (the same result on every machine)", NULL, CMD_CHECK, 's', 0,
     CMD_VALUE_NONE, NULL},
    {"sim", 0, NULL, "the model only", NULL, CMD_RUN | CMD_RENDER, 's', 0, CMD_VALUE_NONE, NULL},
    {"sim", 0, NULL, "the model only, no real sockets", NULL, CMD_WINDOW, 's', 0, CMD_VALUE_NONE,
     NULL},
    {"real", 0, NULL, "the real sockets only", NULL, CMD_CHECK | CMD_RUN, 'r', 0, CMD_VALUE_NONE,
     NULL},
    {"jobs", 'j', "N",
     "check N lessons at once (default: the number\n"
     "of cores, or every lesson up to 8 when the real\n"
     "mode runs on the emulated wire, which mostly\n"
     "waits on the link); the output stays in lesson\n"
     "order",
     "Checks N lessons at once, each in its own process (default: the number of cores, or "
     "every lesson up to 8 when the real mode runs on the emulated wire, which mostly waits "
     "on the link). The output stays in lesson order and the results are the same as with -j 1.",
     CMD_CHECK, 'j', 0, CMD_VALUE_NONE, NULL},
    {"junit", 0, "FILE", "also write a JUnit XML report to FILE ('-': stdout)",
     "Also writes a JUnit XML report to FILE (-: standard output): one testsuite per lesson, "
     "one testcase per expectation and mode, with the lesson's file and the line and its "
     "step's time; a failure says what was expected and what was got. A lesson that does not "
     "parse is an error (FILE:LINE:COL: error: MESSAGE).",
     CMD_CHECK, 'J', 0, CMD_VALUE_FILE, NULL},
    {"junit-flavor", 0, "full|jenkins",
     "the JUnit report's consumer: full (default: each\n"
     "testcase's file and line, for GitLab and GitHub)\n"
     "or jenkins (without them: Jenkins' strict xunit\n"
     "schema rejects them)",
     "The JUnit report's consumer: full (the default) gives each testcase its file and line, "
     "which GitLab and GitHub's reporters show; jenkins leaves out the attributes Jenkins' "
     "strict xunit schema rejects (each testcase's file and line).",
     CMD_CHECK, 'K', 0, CMD_VALUE_WORDS, "full jenkins"},
    {"tap", 0, NULL, "print TAP version 13 instead of the usual lines",
     "Prints TAP version 13 instead of the usual lines: one test point per expectation, with "
     "file, line, expected and got for each failure.",
     CMD_CHECK, 'T', 0, CMD_VALUE_NONE, NULL},
    {"no-why", 0, NULL,
     "do not fail a step where the model's and the\n"
     "kernel's figures differ and the step gives no\n"
     "reason (why SIDE.FIGURE TEXT); by default such a\n"
     "step fails, once a second look at the kernel after\n"
     "it has rested again finds the difference still\n"
     "there (--why, the old way to ask for it, is still\n"
     "accepted)",
     "Does not fail a step where the model's and the kernel's figures differ and the step "
     "gives no reason (why SIDE.FIGURE TEXT). By default such a step fails, once a second "
     "look at the kernel, after it has settled, shows the same difference. --why is still "
     "accepted and changes nothing.",
     CMD_CHECK, 'N', 0, CMD_VALUE_NONE, NULL},
    {"why", 0, NULL, "the default; kept for the scripts that ask for it", NULL, CMD_CHECK, 'Y',
     CMD_OPT_HIDDEN, CMD_VALUE_NONE, NULL},
    {"timeout", 0, "SECONDS",
     "real time each lesson's steps may take\n"
     "(default 300; 0: no limit)",
     NULL, CMD_CHECK, 'O', 0, CMD_VALUE_NONE, NULL},
    {"transcript", 0, "FILE",
     "also write one JSON line per step (SPEC.md\n"
     "section 4; '-': stdout)",
     NULL, CMD_RUN, 't', 0, CMD_VALUE_FILE, NULL},
    {"wire-view", 0, "model|kernel",
     "draw the model's segments on the wire (model,\n"
     "the default) or the kernel's (kernel: the\n"
     "emulated wire's log)",
     NULL, CMD_RENDER, 'W', 0, CMD_VALUE_WORDS, "model kernel"},
    {"recorded", 0, "DIR",
     "with --sim: each step's kernel half from\n"
     "DIR/LESSON.jsonl, a recorded run --transcript\n"
     "(as the browser build draws it; its test)",
     NULL, CMD_RENDER, 'R', CMD_OPT_HIDDEN, CMD_VALUE_DIR, NULL},
    {"format", 0, "png|webp|gif|pdf",
     "png: a picture a step (the default); webp, gif:\n"
     "each step's animation as one looping file;\n"
     "pdf: one handout, DIR/LESSON.pdf, a page a step",
     NULL, CMD_RENDER, 'F', 0, CMD_VALUE_WORDS, "png webp gif pdf"},
    {"run", 0, "'COMMAND'",
     "a program to trace, run by /bin/sh -c: the\n"
     "first --run is the server, the second the client",
     "A program to trace, run by /bin/sh -c COMMAND, unmodified. The first --run is the "
     "server, run in the emulated wire's server namespace; the second, the client, in the "
     "client's namespace, started once the server listens (or after the server has run 2 s with no call held).",
     CMD_TRACE, 'U', 0, CMD_VALUE_NONE, NULL},
    {"headless", 0, NULL, "JSON Lines on stdout (or --transcript FILE), no window", NULL, CMD_TRACE,
     'H', 0, CMD_VALUE_NONE, NULL},
    {"transcript", 0, "FILE",
     "write one JSON line per socket call to FILE\n"
     "('-': stdout), then the programs' exits",
     NULL, CMD_TRACE, 't', 0, CMD_VALUE_FILE, NULL},
    {"timeout", 0, "SECONDS", "stop the programs after this long (default 60; 0: never)", NULL,
     CMD_TRACE, 'O', 0, CMD_VALUE_NONE, NULL},
    {"model", 0, "'KEY=VALUE...'",
     "the link, as a lesson's model line (default\n"
     "'latency=5ms rate=10Mbit mss=1460')",
     NULL, CMD_TRACE, 'E', 0, CMD_VALUE_NONE, NULL},
    {"save-lesson", 0, "FILE", "also write the run as a lesson", NULL, CMD_TRACE, 'V', 0,
     CMD_VALUE_FILE, NULL},
    {"demo-steps", 0, "N", "advance a step at each animation's end, quit after N steps", NULL,
     CMD_WINDOW | CMD_TRACE, 'd', CMD_OPT_HIDDEN, CMD_VALUE_NONE, NULL},
    {"screenshot", 0, "FILE", "save the last frame as a PNG when closing", NULL,
     CMD_WINDOW | CMD_LIVE | CMD_TRACE, 'P', CMD_OPT_HIDDEN, CMD_VALUE_FILE, NULL},
    {"wire", 0, "auto|loopback",
     "the real mode on the emulated link with the\n"
     "lesson's latency, rate and MSS where the machine\n"
     "allows it (auto, the default), or plain loopback",
     NULL, CMD_WINDOW | CMD_CHECK | CMD_RUN | CMD_RENDER | CMD_TRACE, 0, CMD_OPT_MAIN,
     CMD_VALUE_WORDS, "auto loopback"},
    {"help", 'h', NULL, "this text", "Prints the command's help and exits 0.", ALL_CMDS, 'h', 0,
     CMD_VALUE_NONE, NULL},
};
enum { NOPTIONS = sizeof options / sizeof options[0] };

static int run_check(int argc, char **argv, lesson_wire_handle *wire)
{
    return cmd_check(argc, argv, wire, stdout, stderr);
}

static int run_trace(int argc, char **argv, lesson_wire_handle *wire)
{
    return cmd_trace(argc, argv, wire, stdout, stderr);
}

static int run_run(int argc, char **argv, lesson_wire_handle *wire)
{
    return cmd_run(argc, argv, wire, stdout, stderr);
}

/* The window's main keys in short: the key table (viz/viz_keys.c, which
 * cmd/ cannot link) holds them all. Items "KEYS what", KEYS a row's keys
 * joined by '/' (ranges "A..D"), up to the first full stop;
 * tests/test_cmd_table.c finds each key in the table, in one row, and
 * every key of the table's main (README) rows here. */
static const char window_keys[] =
    "  Keys: Space/Right next step, Left back, Down/PageDown/Up/PageUp narration\n"
    "  pages, Home/End first/last, P autoplay, W the wire, K freeze, Backspace\n"
    "  replay, G go to step, B spotlight, L language, F/F11 fullscreen,\n"
    "  Ctrl+=/Ctrl+- text size, T theme, R restart, A..D/Backspace/Space\n"
    "  vote/take back/reveal, Tab what if, N next lesson, 1..9 a lesson, 0 the\n"
    "  picker, ?/F1 every key, Esc close, Q quit (twice). The help overlay (? or\n"
    "  F1) and man sockbuf (KEYS) list them all.\n";

static const cmd_command commands[] = {
    {"",
     CMD_WINDOW,
     "open the window (no LESSON: the lesson picker)",
     {"[LESSON] [--lang en|ja] [--size WxH] [--fullscreen] [--sim] [--theme dark|light|contrast] "
      "[--presenter]",
      NULL},
     "  Opens LESSON in a window (no LESSON: the lesson picker). LESSON is a path or a\n"
     "  bundled lesson's name or a unique prefix of it (basics, flush, chat, nagle...).\n",
     window_keys,
     true,
     cmd_viz_window},
    {"check",
     CMD_CHECK,
     "run headless, check every expect",
     {"check [--sim|--real] [-j N] [--junit FILE [--junit-flavor full|jenkins] | --tap] "
      "[--no-why] [--timeout SECONDS] LESSON...",
      NULL},
     "  Runs each LESSON headless, in both modes, and checks every expectation.\n"
     "  LESSON is a .lesson file, a folder of them, or a bundled lesson's name or\n"
     "  any unique prefix of it (basics, flush, chat, file-send, nagle, close, 01..06).\n"
     "  Prints one line per failed expectation, then 'N passed, N failed' (lessons).\n",
     "  The real mode runs each step at a real-time priority where it may (root) and\n"
     "  ends each wait at an absolute time, so the kernel is looked at when the lesson\n"
     "  says. Where a busy machine still held a step with a wait back more than 2 ms\n"
     "  (or the wire's packets came that late), a kernel expectation of that step, or\n"
     "  of the next, that does not hold is 'not checked', with how late the snapshot\n"
     "  came (TAP '# SKIP', JUnit <skipped>): neither passed nor failed.\n"
     "\n"
     "  Exit status: 0 all passed, 1 some failed, 2 usage or parse error.\n"
     "  Failures are red on a terminal, unless NO_COLOR is set.\n",
     true,
     run_check},
    {"run",
     CMD_RUN,
     "run headless, print each step's state",
     {"run [--sim|--real] LESSON [--transcript FILE]", NULL},
     "  Runs LESSON headless and prints each step's state, the model beside the kernel.\n",
     "  Exit status: 0 every expectation held, 1 some failed, 2 usage or parse error.\n",
     true,
     run_run},
    {"render",
     CMD_RENDER,
     "one PNG per step, animated steps, a PDF handout",
     {"render LESSON --out DIR [--size WxH] [--lang en|ja] [--at P] [--zoom Z] [--sim] "
      "[--wire-view model|kernel] [--format png|webp|gif|pdf] [--theme dark|light|contrast]",
      NULL},
     "  Draws each step of LESSON as DIR/step-01.png, step-02.png... (no display needed);\n"
     "  a step with a question also as step-NN-question.png and step-NN-reveal.png;\n"
     "  a step whose narration does not fit on one page (long text at a big zoom) also\n"
     "  as step-NN-p2.png, step-NN-p3.png... (one picture per page: nothing is left out).\n"
     "  --format webp or gif: each step as DIR/step-NN.webp (.gif), its animation looping\n"
     "  (the question first and the reveal last for a question; every narration page).\n"
     "  --format pdf: one handout, DIR/LESSON.pdf, each step's end picture a page.\n",
     "  The steps run one after the other, in both modes, while other threads draw and\n"
     "  write the pictures: nothing comes between two steps, so the checks are check's\n"
     "  whatever the size. On stderr: each failed expectation as check prints it, then one line per\n"
     "  step, 'step N: K of M checks passed' (', F failed', ', S not checked' when there\n"
     "  are some). On stdout: the pictures written.\n"
     "\n"
     "  Exit status: 0 every expectation held, 1 some failed, 2 usage or parse error.\n",
     true,
     cmd_viz_render},
    {"live",
     CMD_LIVE,
     "watch real sockets of outside peers",
     {"live --listen [HOST:]PORT [OPTIONS]",
      "live --connect HOST:PORT [--send TEXT | --send-file FILE] [OPTIONS]", NULL},
     "  Watches real sockets that talk to programs outside sockbuf: in a window when\n"
     "  there is a display, else (or with --headless) as JSON Lines on stdout.\n",
     "  Exit status: 0 ok (also on SIGINT/SIGTERM), 1 a setup or connection failure,\n"
     "  2 a usage error.\n",
     false,
     cmd_viz_live},
    {"trace",
     CMD_TRACE,
     "trace your own client and server's socket calls",
     {"trace --run 'SERVER' [--run 'CLIENT'...] [--headless] [--transcript FILE] "
      "[--timeout SECONDS] [--model 'KEY=VALUE...'] [--save-lesson FILE] [--lang en|ja] "
      "[--size WxH]",
      NULL},
     "  Runs your own programs, unmodified, on the emulated wire: the first --run (the\n"
     "  server) in the server's namespace, the second (the client) in the client's, so\n"
     "  their ('localhost', PORT) crosses the link. Every socket call is an event: the\n"
     "  process, the Python source line, the call, its result, the socket's kernel\n"
     "  queues (SIOCOUTQ, SIOCOUTQNSD, SIOCINQ, TCP_INFO) and the segments on the wire.\n"
     "  With a display, a window holds each call until Space; --headless writes JSON\n"
     "  Lines; with neither, one line per call on stdout.\n",
     "  Exit status: 0 every program exited 0, 1 one did not (its exit or signal is\n"
     "  named) or was stopped by --timeout, 2 a usage error.\n",
     true,
     run_trace},
    {"help",
     CMD_HELP,
     "a command's options, as COMMAND --help",
     {"help [COMMAND]", NULL},
     NULL,
     NULL,
     false,
     cmd_table_help_main},
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

/* The overview's last lines (sockbuf --help). */
static const char overview_more[] =
    "LESSON is a path or a bundled lesson's name, or any unique prefix of it: basics,\n"
    "flush, chat, file-send, nagle-delayed-ack, close-and-reset (or 01..06).\n"
    "Window keys: Space/Right next step, Left back, ? help, L language, T theme,\n"
    "Q twice quit.\n"
    "The manual: man sockbuf.\n";

const cmd_command *cmd_table_commands(int *n)
{
    *n = NCOMMANDS;
    return commands;
}

const cmd_option *cmd_table_options(int *n)
{
    *n = NOPTIONS;
    return options;
}

const cmd_command *cmd_table_find(const char *name)
{
    for (int i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].name, name ? name : ""))
            return &commands[i];
    return NULL;
}

static const cmd_command *by_bit(unsigned bit)
{
    for (int i = 0; i < NCOMMANDS; i++)
        if (commands[i].bit == bit)
            return &commands[i];
    return NULL;
}

const cmd_option *cmd_table_option(unsigned bit, const char *name)
{
    for (int i = 0; i < NOPTIONS; i++)
        if ((options[i].cmds & bit) && !strcmp(options[i].name, name))
            return &options[i];
    return NULL;
}

int cmd_table_longopts(unsigned bit, struct option *opts, int cap, char *shortopts,
                       size_t cap_short)
{
    int n = 0;
    size_t ns = 0;
    for (int i = 0; i < NOPTIONS; i++) {
        const cmd_option *o = &options[i];
        if (!(o->cmds & bit) || (o->flags & CMD_OPT_MAIN))
            continue;
        if (n + 1 >= cap || ns + 3 >= cap_short)
            return -1;
        opts[n++] =
            (struct option){o->name, o->arg ? required_argument : no_argument, NULL, o->val};
        if (o->letter) {
            shortopts[ns++] = o->letter;
            if (o->arg)
                shortopts[ns++] = ':';
        }
    }
    opts[n] = (struct option){0};
    shortopts[ns] = '\0';
    return n;
}

const char *cmd_table_title(const cmd_command *c, char *buf, size_t cap)
{
    snprintf(buf, cap, "sockbuf%s%s", c->name[0] ? " " : "", c->name);
    return buf;
}

/* "-j, --jobs N" into buf; returns its length. */
static int option_label(const cmd_option *o, char *buf, size_t cap)
{
    char s[8] = "";
    if (o->letter)
        snprintf(s, sizeof s, "-%c, ", o->letter);
    return snprintf(buf, cap, "%s--%s%s%s", s, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

enum { LABEL_MAX = 20 };

/* The options of the commands in bits (not the hidden ones), one a line:
 * label, then the help text at a column shared by the list; continuation
 * lines at that column. */
static void print_options(FILE *out, unsigned bits)
{
    char label[96];
    int width = 0;
    for (int i = 0; i < NOPTIONS; i++) {
        if (!(options[i].cmds & bits) || (options[i].flags & CMD_OPT_HIDDEN))
            continue;
        int l = option_label(&options[i], label, sizeof label);
        if (l <= LABEL_MAX && l > width)
            width = l;
    }
    for (int i = 0; i < NOPTIONS; i++) {
        const cmd_option *o = &options[i];
        if (!(o->cmds & bits) || (o->flags & CMD_OPT_HIDDEN))
            continue;
        option_label(o, label, sizeof label);
        fprintf(out, "  %-*s  ", width, label);
        for (const char *h = o->help; *h;) {
            const char *nl = strchr(h, '\n');
            int len = nl ? (int)(nl - h) : (int)strlen(h);
            fprintf(out, "%.*s\n", len, h);
            if (!nl)
                break;
            h = nl + 1;
            fprintf(out, "  %-*s  ", width, "");
        }
    }
}

/* A synopsis line after prefix ("usage: sockbuf "), broken before 80
 * columns at spaces outside brackets; continuation lines indented. */
static void print_synopsis(FILE *out, const char *prefix, const char *syn)
{
    int col = fprintf(out, "%s", prefix), indent = col + 2;
    const char *p = syn;
    while (*p) {
        /* The next unbreakable piece: up to a space outside brackets. */
        const char *q = p;
        int depth = 0;
        while (*q && (*q != ' ' || depth > 0)) {
            depth += *q == '[' ? 1 : *q == ']' ? -1 : 0;
            q++;
        }
        int len = (int)(q - p);
        if (p != syn && col + 1 + len > 79) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        } else if (p != syn) {
            fputc(' ', out);
            col++;
        }
        fprintf(out, "%.*s", len, p);
        col += len;
        p = *q ? q + 1 : q;
    }
    fputc('\n', out);
}

static void print_usage_lines(FILE *out, const cmd_command *c)
{
    for (int k = 0; c->synopsis[k]; k++)
        print_synopsis(out, k ? "       sockbuf " : "usage: sockbuf ", c->synopsis[k]);
}

static void print_overview(FILE *out)
{
    for (int i = 0; i < NCOMMANDS; i++) {
        const cmd_command *c = &commands[i];
        for (int k = 0; c->synopsis[k]; k++)
            print_synopsis(out, i || k ? "       sockbuf " : "usage: sockbuf ", c->synopsis[k]);
        fprintf(out, "%47s%s\n", "", c->summary);
    }
    fputs("       sockbuf COMMAND --help | sockbuf --help | sockbuf --version\n", out);
    fputs("\nThe window's options:\n", out);
    print_options(out, CMD_WINDOW);
    fputs("\n", out);
    fputs(overview_more, out);
}

void cmd_table_help(FILE *out, unsigned bit)
{
    const cmd_command *c = by_bit(bit);
    if (!c || bit == CMD_HELP) {
        print_overview(out);
        return;
    }
    print_usage_lines(out, c);
    if (c->prose)
        fputs(c->prose, out);
    fputs("\n", out);
    print_options(out, bit);
    if (c->epilog) {
        fputs("\n", out);
        fputs(c->epilog, out);
    }
}

void cmd_table_usage(FILE *out, unsigned bit)
{
    const cmd_command *c = by_bit(bit);
    char title[64];
    if (!c)
        return;
    print_usage_lines(out, c);
    fprintf(out, "try '%s --help'\n",
            bit == CMD_WINDOW ? "sockbuf" : cmd_table_title(c, title, sizeof title));
}

int cmd_parser_init(cmd_parser *cp, unsigned bit, int argc, char **argv, FILE *errout)
{
    const cmd_command *c = NULL;
    for (int i = 0; i < NCOMMANDS && !c; i++)
        if (commands[i].bit == bit)
            c = &commands[i];
    memset(cp, 0, sizeof *cp);
    if (!c || cmd_table_longopts(bit, cp->opts, (int)(sizeof cp->opts / sizeof cp->opts[0]),
                                 cp->shortopts, sizeof cp->shortopts) < 0)
        return -1;
    cp->p = (base_opt){.cmd = cmd_table_title(c, cp->title, sizeof cp->title),
                       .longopts = cp->opts,
                       .shortopts = cp->shortopts,
                       .errout = errout,
                       .argc = argc,
                       .argv = argv};
    return 0;
}

int cmd_table_preparse(const cmd_command *c, int argc, char **argv, FILE *out, FILE *errout)
{
    struct option opts[64];
    char shortopts[32], title[64];
    if (cmd_table_longopts(c->bit, opts, 64, shortopts, sizeof shortopts) < 0)
        return 2;
    char **copy = calloc((size_t)argc + 1, sizeof *copy);
    if (!copy) {
        fprintf(errout, "sockbuf: out of memory\n");
        return 2;
    }
    memcpy(copy, argv, (size_t)argc * sizeof *copy);
    base_opt p = {.cmd = cmd_table_title(c, title, sizeof title),
                  .longopts = opts,
                  .shortopts = shortopts,
                  .errout = errout,
                  .argc = argc,
                  .argv = copy};
    const char *v;
    int ch, rc = -1;
    while (rc < 0 && (ch = base_opt_next(&p, &v)) != -1) {
        if (ch == 'h') {
            cmd_table_help(out, c->bit);
            rc = 0;
        } else if (ch == '?') {
            rc = 2;
        }
    }
    free(copy);
    return rc;
}

int cmd_table_words(const char **words, int cap)
{
    int n = 0;
    for (int i = 0; i < NCOMMANDS && n < cap; i++)
        if (commands[i].name[0])
            words[n++] = commands[i].name;
    return n;
}

void cmd_table_list(FILE *out)
{
    int first = 1;
    for (int i = 0; i < NCOMMANDS; i++) {
        if (!commands[i].name[0] || commands[i].bit == CMD_HELP)
            continue;
        fprintf(out, "%s%s", first ? "" : ", ", commands[i].name);
        first = 0;
    }
}

int cmd_table_help_main(int argc, char **argv, lesson_wire_handle *wire)
{
    (void)wire;
    if (argc < 2) {
        cmd_table_help(stdout, CMD_HELP);
        return 0;
    }
    const cmd_command *c = argv[1][0] ? cmd_table_find(argv[1]) : NULL;
    if (!c || argc > 2) {
        fprintf(stderr, "sockbuf help: no command '%s' (", argc > 2 ? argv[2] : argv[1]);
        cmd_table_list(stderr);
        fprintf(stderr, ")\n");
        return 2;
    }
    cmd_table_help(stdout, c->bit);
    return 0;
}
