/* cmd_viz.c: loading the window module and the commands that need it.
 *
 * dlopen()s libsockbuf-viz.so beside the executable (build/lib/ in the
 * build tree, SOCKBUF_MODULE_REL from bin/ once installed, last by name
 * through the RUNPATH) and calls its window, render or live window entry
 * point. The run functions of the window's, render's and live's rows of
 * the command table (cmd_table.c); moved here from main.c.
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

static bool have_display(void)
{
    const char *d = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY"),
               *drv = getenv("SDL_VIDEODRIVER");
    return (d && *d) || (wl && *wl) || (drv && *drv);
}

/* dlopen()s the module beside the executable. The explicit paths come
 * first because a sanitizer's dlopen interceptor hides the executable's
 * RUNPATH. */
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

int cmd_viz_window(int argc, char **argv, lesson_wire_handle *wire)
{
    const viz_module *m = load_viz();
    return m ? m->window_main(argc, argv, wire) : 1;
}

int cmd_viz_render(int argc, char **argv, lesson_wire_handle *wire)
{
    const viz_module *m = load_viz();
    return m ? m->render_main(argc, argv, wire) : 1;
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

int cmd_viz_trace(trace_session *s, const viz_trace_opts *o)
{
    if (!have_display()) {
        fprintf(stderr, "sockbuf trace: no display (DISPLAY is not set); printing one line per "
                        "call (--headless: JSON Lines)\n");
        return -1;
    }
    const viz_module *m = load_viz();
    if (!m) {
        fprintf(stderr, "sockbuf trace: printing one line per call\n");
        return -1;
    }
    return m->trace_window(s, o);
}
