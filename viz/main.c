/* main.c: the sockbuf command line (SPEC.md section 2).
 *
 * Reads the command word and hands the rest to the module that owns it:
 * check and run to lessons/, render and the window to viz/, live to net/
 * (headless) or viz/ (windowed). Exit status: 0 ok, 1 failures, 2 usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lesson_cli.h"
#include "lesson_run.h"
#include "viz.h"

static const char usage[] =
    "usage: sockbuf [LESSON]                        open the window (no LESSON: the picker)\n"
    "       sockbuf check [--sim|--real] LESSON...  run headless, check every expect\n"
    "       sockbuf run LESSON [--transcript FILE]  run headless, print each step's state\n"
    "       sockbuf render LESSON --out DIR [--size WxH] [--lang en|ja]\n"
    "                                               one PNG per step, no display needed\n"
    "       sockbuf live --listen [HOST:]PORT [--headless]\n"
    "       sockbuf live --connect HOST:PORT [--send TEXT | --send-file FILE] [--headless]\n"
    "       sockbuf --help | --version\n"
    "--wire auto|loopback (any command that runs the real mode): the emulated link\n"
    "with the lesson's latency, rate and MSS where the machine allows it (auto), or\n"
    "plain loopback.\n"
    "\n"
    "LESSON is a path or a bundled lesson's name: basics, flush, chat, file-send,\n"
    "nagle-delayed-ack, close-and-reset (or 01..06).\n"
    "Window keys: Space/Right next step, Left back, ? help, L language, Esc quit.\n";

/* At exit, for every command: output that could not be written (a full
 * disk, `> /dev/full`, a closed pipe) is an error, never a silent exit 0. */
static void stdout_check_at_exit(void)
{
    errno = 0;
    bool failed = fflush(stdout) != 0;
    failed |= ferror(stdout) != 0;
    if (failed) {
        int e = errno ? errno : EIO;
        fprintf(stderr, "sockbuf: writing standard output: %s\n", strerror(e));
        _exit(1);
    }
}

int main(int argc, char **argv)
{
    /* A peer that resets must become a Python exception, never a signal. */
    signal(SIGPIPE, SIG_IGN);
    atexit(stdout_check_at_exit);

    /* --wire CHOICE is taken out here: the wire's helper process must be
     * forked before any thread exists, that is before SDL_Init. */
    const char *wire = NULL;
    int kept = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--wire") && i + 1 < argc)
            wire = argv[++i];
        else if (!strncmp(argv[i], "--wire=", 7))
            wire = argv[i] + 7;
        else
            argv[kept++] = argv[i];
    }
    argc = kept;
    argv[argc] = NULL;
    if (wire && strcmp(wire, "auto") && strcmp(wire, "loopback")) {
        fprintf(stderr, "sockbuf: --wire %s: expected auto or loopback\n", wire);
        return 2;
    }

    const char *cmd = argc > 1 ? argv[1] : "";
    /* Every command that may run the real mode starts its wire now. */
    bool real = strcmp(cmd, "live") && strcmp(cmd, "--help") && strcmp(cmd, "-h") &&
                strcmp(cmd, "help") && strcmp(cmd, "--version");
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--sim"))
            real = false;
    if (real)
        lesson_wire_start(wire, stderr);
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("sockbuf %s\n", SOCKBUF_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "check"))
        return lesson_cli_check(argc - 1, argv + 1, stdout, stderr);
    if (!strcmp(cmd, "run"))
        return lesson_cli_run(argc - 1, argv + 1, stdout, stderr);
    if (!strcmp(cmd, "render"))
        return viz_render_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "live"))
        return viz_live_main(argc - 1, argv + 1);
    if (cmd[0] == '-' && strcmp(cmd, "--lang") && strcmp(cmd, "--size") &&
        strcmp(cmd, "--fullscreen")) {
        fprintf(stderr, "sockbuf: unknown option '%s'\n%s", cmd, usage);
        return 2;
    }
    return viz_window_main(argc, argv);
}
