/* main.c: the sockbuf command line (SPEC.md section 2).
 *
 * Reads the command word and hands the rest to the module that owns it:
 * check and run (cmd_lesson.c), headless live (cmd_live.c). The window, render
 * and the live window are in libsockbuf-viz.so, loaded with dlopen() only
 * then, so the headless commands load no SDL (and a dozen fewer shared
 * libraries). A first word that is neither a command nor a lesson is
 * "unknown command", with the nearest command or lesson suggested.
 * Exit status: 0 ok, 1 failures, 2 usage.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base_opt.h"
#include "cmd_lesson.h"
#include "cmd_live.h"
#include "lesson.h"
#include "lesson_run.h"
#include "viz.h"

static const char usage[] =
    "usage: sockbuf [LESSON]                        open the window (no LESSON: the picker)\n"
    "       sockbuf check [--sim|--real] [-j N] [--junit FILE | --tap] LESSON...\n"
    "                                               run headless, check every expect\n"
    "       sockbuf run LESSON [--transcript FILE]  run headless, print each step's state\n"
    "       sockbuf render LESSON --out DIR [--size WxH] [--lang en|ja]\n"
    "                                               one PNG per step, no display needed\n"
    "       sockbuf live --listen [HOST:]PORT [--headless]\n"
    "       sockbuf live --connect HOST:PORT [--send TEXT | --send-file FILE] [--headless]\n"
    "       sockbuf COMMAND --help | sockbuf --help | --version\n"
    "--wire auto|loopback (any command that runs the real mode): the emulated link\n"
    "with the lesson's latency, rate and MSS where the machine allows it (auto), or\n"
    "plain loopback.\n"
    "\n"
    "LESSON is a path or a bundled lesson's name, or any unique prefix of it: basics,\n"
    "flush, chat, file-send, nagle-delayed-ack, close-and-reset (or 01..06).\n"
    "Window keys: Space/Right next step, Left back, ? help, L language, Esc quit.\n"
    "The manual: man sockbuf.\n";

static const char *const commands[] = {"check", "run", "render", "live", "help"};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

static bool have_display(void)
{
    const char *d = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY"),
               *drv = getenv("SDL_VIDEODRIVER");
    return (d && *d) || (wl && *wl) || (drv && *drv);
}

#ifndef SOCKBUF_MODULE_REL
#define SOCKBUF_MODULE_REL "../lib/sockbuf"
#endif

/* dlopen()s the module beside the executable: build/lib/ in the build tree,
 * SOCKBUF_MODULE_REL from bin/ once installed, and last by name through
 * the RUNPATH. The explicit paths come first because a sanitizer's dlopen
 * interceptor hides the executable's RUNPATH. */
static void *open_module(void)
{
    char exe[PATH_MAX], path[PATH_MAX + 64];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = k > 0 ? (exe[k] = '\0', strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = '\0';
        const char *dirs[] = {"lib", SOCKBUF_MODULE_REL};
        for (int i = 0; i < 2; i++) {
            snprintf(path, sizeof path, "%s/%s/%s", exe, dirs[i], VIZ_MODULE_FILE);
            if (access(path, R_OK) == 0)
                return dlopen(path, RTLD_NOW | RTLD_LOCAL);
        }
    }
    return dlopen(VIZ_MODULE_FILE, RTLD_NOW | RTLD_LOCAL);
}

/* The window's module, loaded once; NULL after a message on stderr. */
static const viz_module *load_viz(void)
{
    void *h = open_module();
    if (!h) {
        fprintf(stderr, "sockbuf: cannot load the window (%s)\n", dlerror());
        return NULL;
    }
    const viz_module *(*get)(void) = NULL;
    *(void **)&get = dlsym(h, VIZ_MODULE_SYMBOL);
    const viz_module *m = get ? get() : NULL;
    if (!m || m->abi != VIZ_MODULE_ABI) {
        fprintf(stderr, "sockbuf: %s is from another build of sockbuf; reinstall it\n",
                VIZ_MODULE_FILE);
        return NULL;
    }
    return m;
}

static int live_main(int argc, char **argv)
{
    live_opts o;
    int rc = cmd_live_parse(argc, argv, &o, stdout, stderr);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (!o.headless) {
        const viz_module *m = NULL;
        if (!have_display())
            fprintf(stderr, "sockbuf live: no display (DISPLAY is not set); printing JSON Lines "
                            "(as with --headless)\n");
        else if ((m = load_viz()) != NULL)
            return m->live_window(&o);
        else
            fprintf(stderr, "sockbuf live: printing JSON Lines (as with --headless)\n");
    }
    return cmd_live_run(&o, stdout, stderr);
}

/* The first word is not a command: a lesson for the window, or a typo. */
static int window_or_typo(int argc, char **argv, lesson_wire_handle *wire)
{
    const char *word = argv[1];
    char path[PATH_MAX], why[512];
    size_t l = strlen(word);
    bool looks_like_path = strchr(word, '/') || (l > 7 && !strcmp(word + l - 7, ".lesson"));
    int rc = word[0] == '-' || looks_like_path ? 0 : lesson_find(word, path, sizeof path);
    if (rc == -EEXIST) {
        lesson_find_explain(word, why, sizeof why);
        fprintf(stderr, "sockbuf: %s\n", why);
        return 2;
    }
    if (rc == 0) {
        const viz_module *m = load_viz();
        return m ? m->window_main(argc, argv, wire) : 1;
    }
    /* Neither: suggest the nearest command or bundled lesson's name. */
    const char *words[NCOMMANDS + 64];
    char *bundled[64], names[64][64];
    int n = 0, nb = lesson_list_bundled(bundled, 64);
    for (int i = 0; i < NCOMMANDS; i++)
        words[n++] = commands[i];
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
    fprintf(stderr, "commands: check, run, render, live; or a lesson to open ('sockbuf --help')\n");
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
        int e = errno ? errno : EIO;
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
    /* Every command that may run the real mode starts its wire now. */
    bool real = strcmp(cmd, "live") && strcmp(cmd, "--help") && strcmp(cmd, "-h") &&
                strcmp(cmd, "help") && strcmp(cmd, "--version");
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--sim"))
            real = false;
    if (real && lesson_wire_new(wire, stderr, &main_wire) == 0)
        atexit(wire_free_at_exit);
    lesson_wire_handle *w = main_wire;
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "help")) {
        /* `sockbuf help check` is `sockbuf check --help`. */
        if (argc < 3) {
            fputs(usage, stdout);
            return 0;
        }
        char *sub[] = {argv[2], "--help", NULL};
        if (!strcmp(argv[2], "check"))
            return cmd_check(2, sub, w, stdout, stderr);
        if (!strcmp(argv[2], "run"))
            return cmd_run(2, sub, w, stdout, stderr);
        if (!strcmp(argv[2], "live"))
            return cmd_live(2, sub, stdout, stderr);
        if (!strcmp(argv[2], "render")) {
            const viz_module *m = load_viz();
            return m ? m->render_main(2, sub, w) : 1;
        }
        fprintf(stderr, "sockbuf help: no command '%s' (check, run, render, live)\n", argv[2]);
        return 2;
    }
    if (!strcmp(cmd, "--version")) {
        printf("sockbuf %s\n", SOCKBUF_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "check"))
        return cmd_check(argc - 1, argv + 1, w, stdout, stderr);
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1, w, stdout, stderr);
    if (!strcmp(cmd, "live"))
        return live_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "render")) {
        const viz_module *m = load_viz();
        return m ? m->render_main(argc - 1, argv + 1, w) : 1;
    }
    if (argc > 1 && cmd[0] != '-')
        return window_or_typo(argc, argv, w);
    const viz_module *m = load_viz();
    return m ? m->window_main(argc, argv, w) : 1;
}
