/* lesson_differ.h: where the model's and the kernel's figures differ
 * after a step, and whether the lesson says why.
 *
 * The window marks such a figure "≠ differs"; a lesson must give each
 * its reason (`why SIDE.FIGURE TEXT`, lesson.h). `sockbuf check` fails a
 * step whose difference has none (cmd_lesson.c); the window shows the
 * reason under the narration (viz_draw.c). Reads only the record.
 */
#ifndef SOCKBUF_LESSON_DIFFER_H
#define SOCKBUF_LESSON_DIFFER_H

#include <stdint.h>

#include "lesson.h"
#include "lesson_record.h"

/* One figure that differs. */
typedef struct {
    lesson_side side;           /* whose socket */
    lesson_figure figure;       /* which figure */
    char sock[LESSON_NAME_LEN]; /* the socket's name ("client.s") */
    uint32_t model_bytes;       /* the model's figure */
    uint32_t kernel_bytes;      /* the kernel's */
} lesson_difference;

/* The figures that differ after the step rec records, for every socket
 * both modes have (listening sockets have none); at most max written to
 * out. Returns how many differ (0 when the kernel did not run). */
int lesson_differences(const lesson_record *rec, lesson_difference *out, int max);

#endif
