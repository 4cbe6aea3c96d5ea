/* main.c: the sockbuf command line (SPEC.md section 2).
 *
 * Reads the command word, finds its row in the command table
 * (cmd_table.c), parses the command line with that row's options (so
 * --help and the unknown options are answered from the table, also for
 * the window and render, whose parsers are in the module), and hands the
 * rest to the row's run function: check and run (cmd_lesson.c), live
 * (cmd_live.c), the window and render (cmd_viz.c: libsockbuf-viz.so,
 * loaded with dlopen() only then, so the headless commands load no SDL).
 * A first word that is neither a command nor a lesson is "unknown
 * command", with the nearest command or lesson suggested. Hidden, for the
 * build: --completion bash and --manpage TEMPLATE (cmd_doc.c).
 * Exit status: 0 ok, 1 failures, 2 usage.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base_opt.h"
#include "base_text.h"
#include "cmd_doc.h"
#include "cmd_table.h"
#include "cmd_viz.h"
#include "lesson.h"
#include "lesson_run.h"

/* The first word is not a command: a lesson for the window (returns -1),
 * or a typo (a message, then 2). */
static int lesson_or_typo(const char *word)
{
    char path[PATH_MAX], why[512];
    size_t l = strlen(word);
    bool looks_like_path = strchr(word, '/') || (l > 7 && !strcmp(word + l - 7, ".lesson"));
    int rc = looks_like_path ? 0 : lesson_find(word, path, sizeof path);
    if (rc == -EEXIST) {
        lesson_find_explain(word, why, sizeof why);
        fprintf(stderr, "sockbuf: %s\n", why);
        return 2;
    }
    if (rc == 0)
        return -1;
    /* Neither: suggest the nearest command or bundled lesson's name. */
    const char *words[16 + 64];
    char *bundled[64], names[64][64];
    int n = cmd_table_words(words, 16), nb = lesson_list_bundled(bundled, 64);
    for (int i = 0; i < nb; i++) {
        const char *b = strrchr(bundled[i], '/');
        b = b ? b + 1 : bundled[i];
        const char *dash = strchr(b, '-');
        snprintf(names[i], sizeof names[i], "%.*s", (int)(strlen(dash ? dash + 1 : b) - 7),
                 dash ? dash + 1 : b);
        words[n++] = names[i];
        free(bundled[i]);
    }
    const char *near = base_nearest(word, words, n);
    fprintf(stderr, "sockbuf: unknown command '%s'", word);
    if (near)
        fprintf(stderr, "; did you mean '%s'?\n", near);
    else
        fprintf(stderr, " (and no lesson of that name)\n");
    fprintf(stderr, "commands: ");
    cmd_table_list(stderr);
    fprintf(stderr, "; or a lesson to open ('sockbuf --help')\n");
    return 2;
}

/* At exit, for every command: output that could not be written (a full
 * disk, `> /dev/full`, a closed pipe) is an error, never a silent exit 0. */
static void stdout_check_at_exit(void)
{
    errno = 0;
    bool failed = fflush(stdout) != 0;
    failed |= ferror(stdout) != 0;
    if (failed) {
        int e = errno ? errno : base_flush_errno() ? base_flush_errno() : EIO;
        fprintf(stderr, "sockbuf: writing standard output: %s\n", strerror(e));
        _exit(1);
    }
}

/* The wire main() made: static only so that wire_free_at_exit() reaches
 * it on every return; main() hands it to each command as an argument. */
static lesson_wire_handle *main_wire;

static void wire_free_at_exit(void)
{
    lesson_wire_free(main_wire);
    main_wire = NULL;
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
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        cmd_table_help(stdout, CMD_HELP);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("sockbuf %s\n", SOCKBUF_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "--completion"))
        return cmd_doc_main_completion(argc - 1, argv + 1, stdout, stderr);
    if (!strcmp(cmd, "--manpage"))
        return cmd_doc_main_manpage(argc - 1, argv + 1, stdout, stderr);

    /* The command's row: a command word, else the window (a lesson, or
     * options only). */
    const cmd_command *c = cmd[0] && cmd[0] != '-' ? cmd_table_find(cmd) : NULL;
    if (!c && cmd[0] && cmd[0] != '-') {
        int rc = lesson_or_typo(cmd);
        if (rc >= 0)
            return rc;
    }
    bool window = !c;
    if (window)
        c = cmd_table_find("");
    int sub_argc = window ? argc : argc - 1;
    char **sub_argv = window ? argv : argv + 1;
    int rc = cmd_table_preparse(c, sub_argc, sub_argv, stdout, stderr);
    if (rc >= 0)
        return rc;
    /* Every command that may run the real mode starts its wire now,
     * before any thread. */
    bool real = c->real;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--sim"))
            real = false;
    /* The window and render load their module meanwhile: the helper's
     * namespaces and the module's libraries take a few ms each, and the
     * first frame waits for both (bench/bench_startup.c). The window
     * also connects to the display then, and its fonts start opening. */
    void (*meanwhile)(void *) = c->run == cmd_viz_window   ? cmd_viz_preload_window
                                : c->run == cmd_viz_render ? cmd_viz_preload
                                                           : NULL;
    if (real && lesson_wire_new_then(wire, stderr, &main_wire, meanwhile, NULL) == 0)
        atexit(wire_free_at_exit);
    return c->run(sub_argc, sub_argv, main_wire);
}
