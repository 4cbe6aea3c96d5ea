/* lesson_transcript_read.h: the kernel's half of a lesson, read back from
 * a transcript recorded on a real machine.
 *
 * `sockbuf run LESSON --transcript FILE` writes one JSON line per step
 * (SPEC.md section 4, lesson_json.c). Where no sockets can be opened (the
 * browser build, docs/web.md) the model still runs live, and the kernel's
 * half of each step can come from such a file recorded elsewhere: this
 * module reads it and puts a step's "real" object (each socket's
 * counters, the makefile() buffers, the bytes a blocked call holds, the
 * wire and its segments), the kernel's expectations and the question's
 * kernel answer into the kernel slot of a model-only lesson_record, so
 * the window draws it as it draws a run in both modes. Called by the
 * runner (lesson_run_opts.recorded_dir) and the tests.
 *
 * A step is only given the recording of the same step number whose
 * statements (side and code) are the lesson's own: a what-if line typed
 * in the window makes a step the recording never ran, and that step has
 * no kernel half (the runner then stops reading, as every later kernel
 * figure would be another run's).
 *
 * What a transcript does not carry is derived: the usable part of each
 * buffer is half its size (the doubling rule, lesson_probe), a LISTEN
 * socket is listening, and the step's real clock starts at its first
 * segment and ends at its last arrival.
 */
#ifndef SOCKBUF_LESSON_TRANSCRIPT_READ_H
#define SOCKBUF_LESSON_TRANSCRIPT_READ_H

#include <stddef.h>

#include "lesson.h"
#include "lesson_record.h"

typedef struct lesson_transcript lesson_transcript;

/* Parses a transcript's text (len bytes; name for messages). Returns 0
 * with *out set (free it with lesson_transcript_free), -EINVAL with
 * "NAME:LINE: error: ..." in err for a line that is not a step's JSON
 * object, or -ENOMEM. */
int lesson_transcript_parse(const char *name, const char *text, size_t len, lesson_transcript **out,
                            char *err, size_t errlen);

/* Reads and parses the transcript at path. Returns 0 with *out set,
 * -ENOENT when there is no such file, another negative errno with
 * "open(PATH): ..." in err, or lesson_transcript_parse()'s errors. */
int lesson_transcript_load(const char *path, lesson_transcript **out, char *err, size_t errlen);

/* Frees t. Accepts NULL. */
void lesson_transcript_free(lesson_transcript *t);

/* Steps the transcript holds. */
int lesson_transcript_steps(const lesson_transcript *t);

/* Puts the recorded kernel half of rec's step into rec (a record of
 * doc's step rec->step from a model-only run): sets the REAL mode bit, the
 * kernel slot of its sockets, files and sides, appends the kernel's
 * expectations, sets the wire, segments, the real clock and the question's
 * kernel answer. Returns 1 when it did, 0 when the transcript has no
 * recording of that step (no such step, or its statements are not doc's:
 * rec is left as it was), -EINVAL with a message in err when the
 * recording names a socket or file the model's record does not have, or
 * -ENOMEM (rec may then hold part of it). */
int lesson_transcript_apply(const lesson_transcript *t, const lesson_doc *doc, lesson_record *rec,
                            char *err, size_t errlen);

#endif
