/* lesson_backend_none.c: the real mode left out of the build
 * (SOCKBUF_REAL=OFF, the browser: it has no sockets). The same functions
 * as lesson_backend_real.c, which CMake links instead: there is never a
 * wire, and a runner asked for the real mode gets an error saying why, so
 * the window falls back to the model alone. Called by lesson_run.c and
 * the window's steps.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lesson_backend.h"
#include "lesson_run.h"

int lesson_wire_new(const char *choice, FILE *note, lesson_wire_handle **out)
{
    (void)note;
    *out = NULL;
    if (choice && *choice && strcmp(choice, "auto") && strcmp(choice, "loopback"))
        return -EINVAL;
    return 0;
}

void lesson_wire_free(lesson_wire_handle *w)
{
    (void)w;
}

lesson_wire_handle *lesson_wire_after_fork(lesson_wire_handle *parent)
{
    (void)parent;
    return NULL;
}

lesson_backend *lesson_backend_real_new(const lesson_model *m, lesson_wire_handle *wire, char *err,
                                        size_t errlen)
{
    (void)m;
    (void)wire;
    snprintf(err, errlen, "real sockets unavailable: not in this build (the browser has none)");
    return NULL;
}
