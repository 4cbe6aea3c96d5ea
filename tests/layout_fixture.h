/* layout_fixture.h: what the layout test draws, pinned: its fonts and
 * the kernel's numbers.
 *
 * Fonts. The layout test measures every label in the fonts the package
 * supports, not in whatever this machine's fontconfig ranks first. A font
 * set is a list of files of Debian packages: "depends" is the Depends of
 * the .deb (fonts-dejavu-core, fonts-ipafont-gothic), "noto" that plus
 * its Recommends (fonts-noto-cjk). layout_fonts_pin() links exactly those
 * files into a private folder, writes a fonts.conf that lists only that
 * folder and a private cache, and points FONTCONFIG_FILE at it. A file
 * the set needs that is not installed is an error naming its package:
 * the test fails, it never skips.
 *
 * Kernel numbers. The test runs each lesson on the model (deterministic)
 * and takes the kernel's half of every step from a transcript recorded
 * once and committed (tests/layout/LESSON.kernel), so the frames are the
 * same input on every run and every machine. The transcript holds what
 * the window reads of a record's kernel half (viz_scene.c): each socket's
 * kernel counters, the makefile() buffers, the kernel's expectations, the
 * wire and its segments, the real clock and the question's kernel answer.
 * Re-record with `test_viz_layout --record` (it runs the real mode).
 *
 * One line per fact, fields separated by spaces, free text after a tab:
 *   step N MODES WIRE REAL_T0_US REAL_T1_US REAL_LATE_US
 *   sock ID NAME PRESENT STATE LISTENING SENDQ UNSENT INFLIGHT RECVQ SNDBUF
 *        RCVBUF SNDUSABLE RCVUSABLE PEERWIN PEERKNOWN BLOCKED CLOSED
 *        HASFILE FILEBUF FILECAP
 *   file I NAME PRESENT BUFFERED
 *   expect LINE OK SKIPPED LATE_US \t EXPR \t GOT
 *   seg TIME ARRIVE FROM TO FLAGS DROPPED BYTES SEQ ACK WINDOW SPORT DPORT
 *   question CHECKED HELD SKIPPED \t GOT
 *   end
 */
#ifndef SOCKBUF_LAYOUT_FIXTURE_H
#define SOCKBUF_LAYOUT_FIXTURE_H

#include <stddef.h>
#include <stdio.h>

#include <stdbool.h>

#include "lesson_record.h"
#include "lesson_run.h"
#include "viz_scene.h"

/* The font sets the package supports. */
typedef enum { LAYOUT_FONTS_DEPENDS = 0, LAYOUT_FONTS_NOTO, LAYOUT_FONTS_COUNT } layout_fonts;

/* "depends", "noto". */
const char *layout_fonts_name(layout_fonts set);

/* The set a name means: 0, or -EINVAL. */
int layout_fonts_parse(const char *name, layout_fonts *out);

/* Links set's files into dir/fonts (dir is made if missing), writes
 * dir/fonts.conf (that folder, the cache dir/cache) and sets
 * FONTCONFIG_FILE to it; call before fontconfig's first use. Returns 0,
 * or -ENOENT/-errno with a message in err (a missing file names its
 * Debian package). */
int layout_fonts_pin(layout_fonts set, const char *dir, char *err, size_t errlen);

/* Checks that each viz_face resolves (viz_font_find) to the file set
 * means for it, printing each face's file to out: 0, or -1 with the first
 * face that does not in err. */
int layout_fonts_check(layout_fonts set, FILE *out, char *err, size_t errlen);

/* Writes the kernel half of rec (a record of a run in both modes) as one
 * step of a transcript. Returns 0, or -EINVAL when a text holds a tab or
 * a newline, -EIO on a write error. */
int layout_kernel_write(FILE *out, const lesson_record *rec);

/* Reads the next step of a transcript into rec, a record of a run on the
 * model alone: sets the kernel slot of its sockets and files, appends the
 * kernel's expectations, sets the wire, segments, real clock and the
 * question's kernel answer, and the REAL mode bit. The step number and
 * every socket's name must match rec's. Returns 0, or -1 with a message
 * (the line and what is wrong) in err. */
int layout_kernel_read(FILE *in, lesson_record *rec, char *err, size_t errlen);

/* The recorded kernel transcript of a lesson file, tests/layout/NAME.kernel
 * (out: len bytes). */
void layout_kernel_path(const char *lesson_path, char *out, size_t len);

/* Runs the lesson at path on the model and fills scenes (at most max) with
 * its steps, each step's kernel half read from its recorded transcript;
 * recording, it runs both modes on wire instead and writes the
 * transcript. Fails the running cmocka test on a stale or missing
 * transcript. *doc_out gets the parsed lesson (the caller frees it).
 * Returns the number of steps. */
int layout_lesson_scenes(const char *path, bool recording, lesson_wire_handle *wire,
                         lesson_doc **doc_out, viz_scene *scenes, int max);

#endif
