/* cmd_doc.h: the bash completion and the man page's generated parts.
 *
 * Both come from the command table (cmd_table.h), at build time: CMake
 * runs the just-built `sockbuf --completion bash` and `sockbuf --manpage
 * docs/sockbuf.1` (hidden options, main() in cmd/main.c) and installs what
 * they print. docs/sockbuf.1 is a template whose generated regions sit
 * between marker lines,
 *   .\" BEGIN GENERATED synopsis          (the SYNOPSIS lines)
 *   .\" BEGIN GENERATED options check     (check's option list)
 *   .\" END GENERATED
 * and keeps the last generated text. The region `keys` (the KEYS list) is
 * the window's key table's (viz/viz_keys.c), which cmd/ cannot link (SDL):
 * cmd_doc_manpage() copies it unchanged and the build's sockbuf-keys-man
 * (viz/viz_keys_man.c) fills it next. The page reads as a man page from
 * the source tree; tests/test_cmd_table.c fails when the table's regions
 * are not current, tests/test_viz_keys.c when the keys region is not.
 */
#ifndef SOCKBUF_CMD_DOC_H
#define SOCKBUF_CMD_DOC_H

#include <stdio.h>

/* Writes the bash completion script for sockbuf to out. */
void cmd_doc_completion(FILE *out);

/* Copies the man page template in to out, each generated region filled
 * from the table. Returns 0, or -1 after a message on errout naming the
 * line (an unknown region, a region without its END line). */
int cmd_doc_manpage(FILE *in, FILE *out, FILE *errout);

/* `sockbuf --completion bash` (argv[0] is "--completion"): 0, or 2 after
 * a usage message. */
int cmd_doc_main_completion(int argc, char **argv, FILE *out, FILE *errout);

/* `sockbuf --manpage TEMPLATE` (argv[0] is "--manpage"): 0, 1 when the
 * template cannot be read or is malformed, 2 after a usage message. */
int cmd_doc_main_manpage(int argc, char **argv, FILE *out, FILE *errout);

#endif
