/* cmd_viz.c: loading the window module and the commands that need it.
 *
 * dlopen()s libsockbuf-viz.so beside the executable (build/lib/ in the
 * build tree, SOCKBUF_MODULE_REL from bin/ once installed, last by name
 * through the RUNPATH) and calls its window, render or live window entry
 * point. The run functions of the window's, render's and live's rows of
 * the command table (cmd_table.c); moved here from main.c. Without the
 * module (the Debian package sockbuf without sockbuf-gui, or a
 * -DSOCKBUF_GUI=OFF build) the window and render say which package they
 * need and exit 2; live prints JSON Lines instead. main() loads the
 * module early (cmd_viz_preload) while the wire's helper starts.
 */
#include "cmd_viz.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_live.h"
#include "viz.h"

#ifndef SOCKBUF_MODULE_REL
#define SOCKBUF_MODULE_REL "../lib/sockbuf"
#endif
#ifndef SOCKBUF_GUI
#define SOCKBUF_GUI 1 /* CMake's SOCKBUF_GUI: 0 when the module is not built */
#endif

static bool have_display(void)
{
    const char *d = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY"),
               *drv = getenv("SDL_VIDEODRIVER");
    return (d && *d) || (wl && *wl) || (drv && *drv);
}

/* dlopen()s the module beside the executable. The explicit paths come
 * first because a sanitizer's dlopen interceptor hides the executable's
 * RUNPATH. Lazily bound: the module and its 70 libraries have some 9000
 * relocations, and binding every function at once cost the window's
 * start-up about 2 ms (of 9-11) for functions it mostly never calls; the
 * module and the core library come from one build (VIZ_MODULE_ABI), the
 * system libraries from the package's dependencies. On failure err gets dlerror()'s text, and *missing is set when
 * no module file is there at all (not installed, or a -DSOCKBUF_GUI=OFF
 * build), as opposed to one that is there but cannot be loaded (a library
 * it needs is missing). */
static void *open_module(char *err, size_t cap, bool *missing)
{
    char exe[PATH_MAX], path[PATH_MAX + 64];
    void *h = NULL;
    bool by_name = true;
    *missing = false;
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = k > 0 ? (exe[k] = '\0', strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = '\0';
        const char *dirs[] = {"lib", SOCKBUF_MODULE_REL};
        for (int i = 0; i < 2; i++) {
            snprintf(path, sizeof path, "%s/%s/%s", exe, dirs[i], VIZ_MODULE_FILE);
            if (access(path, R_OK) == 0) {
                h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
                by_name = false;
                break;
            }
        }
    }
    if (by_name)
        h = dlopen(VIZ_MODULE_FILE, RTLD_LAZY | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(err, cap, "%s", e ? e : "unknown error");
        /* dlopen() names the file it could not open first: the module
         * itself, or a library the module needs. */
        *missing = by_name && !strncmp(err, VIZ_MODULE_FILE ":", sizeof VIZ_MODULE_FILE);
    }
    return h;
}

/* The window's module; NULL after a message on stderr, with *status the
 * exit status to give: 2 when the module is not installed (this
 * installation cannot do it, like a usage error: nothing ran), 1 when it
 * is there and cannot be loaded. */
static const viz_module *load_viz_now(int *status)
{
    bool missing;
    char err[512];
    void *h = open_module(err, sizeof err, &missing);
    *status = 1;
    if (!h && missing) {
        if (SOCKBUF_GUI)
            fprintf(stderr, "sockbuf: the window and render need the package sockbuf-gui "
                            "(apt-get install sockbuf-gui)\n");
        else
            fprintf(stderr, "sockbuf: the window and render need the package sockbuf-gui "
                            "(apt-get install sockbuf-gui), or a build with -DSOCKBUF_GUI=ON: "
                            "this one was built with -DSOCKBUF_GUI=OFF\n");
        *status = 2;
        return NULL;
    }
    if (!h) {
        fprintf(stderr, "sockbuf: cannot load the window (%s)\n", err);
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

static const viz_module *loaded;
static int load_status;
static bool load_tried;

/* load_viz_now() once: its result and status (said on stderr the first
 * time). */
static const viz_module *load_viz(int *status)
{
    if (!load_tried) {
        loaded = load_viz_now(&load_status);
        load_tried = true;
    }
    *status = load_status;
    return loaded;
}

void cmd_viz_preload(void *unused)
{
    int status;
    (void)unused;
    (void)load_viz(&status);
}

void cmd_viz_preload_window(void *unused)
{
    int status;
    (void)unused;
    const viz_module *m = load_viz(&status);
    if (m)
        m->window_early();
}

int cmd_viz_window(int argc, char **argv, lesson_wire_handle *wire)
{
    int status;
    const viz_module *m = load_viz(&status);
    return m ? m->window_main(argc, argv, wire) : status;
}

int cmd_viz_render(int argc, char **argv, lesson_wire_handle *wire)
{
    int status;
    const viz_module *m = load_viz(&status);
    return m ? m->render_main(argc, argv, wire) : status;
}

int cmd_viz_live(int argc, char **argv, lesson_wire_handle *wire)
{
    (void)wire; /* live mode talks to outside peers, not over the wire */
    live_opts o;
    int rc = cmd_live_parse(argc, argv, &o, stdout, stderr);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (!o.headless) {
        const viz_module *m = NULL;
        int status;
        if (!have_display())
            fprintf(stderr, "sockbuf live: no display (DISPLAY is not set); printing JSON Lines "
                            "(as with --headless)\n");
        else if ((m = load_viz(&status)) != NULL)
            return m->live_window(&o);
        else
            fprintf(stderr, "sockbuf live: printing JSON Lines (as with --headless)\n");
    }
    return cmd_live_run(&o, stdout, stderr);
}

int cmd_viz_trace(trace_session *s, const viz_trace_opts *o)
{
    if (!have_display()) {
        fprintf(stderr, "sockbuf trace: no display (DISPLAY is not set); printing one line per "
                        "call (--headless: JSON Lines)\n");
        return -1;
    }
    int status;
    const viz_module *m = load_viz(&status);
    if (!m) {
        fprintf(stderr, "sockbuf trace: printing one line per call (as --headless would, in "
                        "JSON Lines)\n");
        return -1;
    }
    return m->trace_window(s, o);
}
