/* cmd_live.h: `sockbuf live`, headless (JSON Lines) or handed to the window.
 *
 * main() (cmd/main.c) parses the options here once; the window module takes
 * the parsed live_opts (live.h), the headless run prints JSON Lines.
 */
#ifndef SOCKBUF_CMD_LIVE_H
#define SOCKBUF_CMD_LIVE_H

#include <stdio.h>

#include "live.h"

/* `sockbuf live ...` headless. argv[0] is "live". Its options are live's
 * rows of the command table (cmd_table.c: --listen, --connect, --send,
 * --send-file, --headless, --max-seconds, --sample-ms, --recv-size,
 * --max-conns, --idle-timeout, and the window's --lang and --size).
 * Prints JSON Lines on out through a bounded queue written without
 * blocking (a reader that stops reading never stalls the loop; when the
 * queue is full `sample` lines are dropped first, and the `summary` counts
 * every dropped line); a `summary` line ends every run. Raises the soft
 * limit on open files to the hard one. Runs until SIGINT/SIGTERM (exit 0,
 * within a second whatever the output does), --max-seconds, or for
 * --connect until done (0; 1 if the connection failed or --max-seconds
 * ended it before everything was sent). A usage error
 * prints a message on errout and returns 2; a setup error (bind, connect,
 * file) prints one and returns 1. */
int cmd_live(int argc, char **argv, FILE *out, FILE *errout);

/* Parses argv (argv[0] is "live") into o, whose strings point into argv.
 * Returns 0, 1 when --help was printed on out (exit 0), or 2 after a
 * usage message on errout naming the bad option or value. */
int cmd_live_parse(int argc, char **argv, live_opts *o, FILE *out, FILE *errout);

/* Runs headless live mode with parsed options (as cmd_live does after
 * parsing). Returns the exit status (0, or 1 on a setup error). */
int cmd_live_run(const live_opts *o, FILE *out, FILE *errout);

#endif
