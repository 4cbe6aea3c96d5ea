/* cmd_trace_lesson.c: --save-lesson, a traced run written as a lesson
 * (see cmd_trace.h). */
#include "cmd_trace.h"

int cmd_trace_save_lesson(const trace_session *s, const trace_opts *o, const char *path,
                          FILE *errout)
{
    (void)s;
    (void)o;
    fprintf(errout, "sockbuf trace: --save-lesson %s: not yet\n", path);
    return -1;
}
