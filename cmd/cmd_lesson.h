/* cmd_lesson.h: the headless commands `sockbuf check` and `sockbuf run`.
 *
 * main() (cmd/main.c) hands the arguments after the command word here.
 * Output and exit codes follow SPEC.md section 2:
 *   check: one line per failed expectation, "FILE:LINE: expect failed
 *          (sim): conn.recv_queue == 12 (got 0)", then "N passed, N failed"
 *          (N lessons); exit 0 all passed, 1 some failed, 2 usage error or
 *          a lesson that does not parse ("FILE:LINE:COL: error: MESSAGE").
 *   run:   each step's state, readable, on stdout; --transcript FILE
 *          writes SPEC.md section 4's JSON Lines.
 */
#ifndef SOCKBUF_CMD_LESSON_H
#define SOCKBUF_CMD_LESSON_H

#include <stdio.h>

#include "lesson_run.h"

/* argv[0] is "check"; wire is the real mode's wire (borrowed;
 * lesson_wire_new()), or NULL for plain loopback. Returns the exit
 * status. */
int cmd_check(int argc, char **argv, lesson_wire_handle *wire, FILE *out, FILE *errout);

/* argv[0] is "run"; wire as for cmd_check(). Returns the exit status. */
int cmd_run(int argc, char **argv, lesson_wire_handle *wire, FILE *out, FILE *errout);

#endif
