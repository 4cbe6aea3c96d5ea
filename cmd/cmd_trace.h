/* cmd_trace.h: `sockbuf trace`, a student's own client and server run
 * unmodified on the emulated wire, every socket call an event.
 *
 * main() calls cmd_trace() through the command table (cmd_table.c).
 */
#ifndef SOCKBUF_CMD_TRACE_H
#define SOCKBUF_CMD_TRACE_H

#include <stdio.h>

#include "lesson_run.h"
#include "trace.h"

/* `sockbuf trace ...`: argv[0] is "trace"; its options are trace's rows
 * of the command table. wire: main()'s (NULL: plain loopback). Returns
 * the exit status: 0 every program exited 0, 1 one did not (or was
 * stopped, or could not start), 2 a usage error. */
int cmd_trace(int argc, char **argv, lesson_wire_handle *wire, FILE *out, FILE *errout);

/* Writes session s's events as a lesson to path (--save-lesson): each
 * call a statement on its side, a step ending where a call waited or
 * blocked. Returns 0, or -1 after a message on errout. */
int cmd_trace_save_lesson(const trace_session *s, const trace_opts *o, const char *path,
                          FILE *errout);

#endif
