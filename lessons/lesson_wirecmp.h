/* lesson_wirecmp.h: the model's wire against the kernel's, per step.
 *
 * With the emulated wire (net_wire.h) a step's record holds both what the
 * model says travelled (its events: SYN, data segments, ACKs, window
 * updates, probes, FIN, RST) and what the kernel really sent (the segment
 * log). This compares the two as sequences: the same count, each pair of
 * the same kind (SYN / data / ACK / probe / FIN / RST, window updates
 * counting as ACKs), from the same side, with the same payload length, in
 * the same order, and leaving at times that agree within a tolerance
 * (real timers oversleep on a busy machine; the model is the exact
 * reference). Called by `sockbuf run` (cmd_lesson.c) and the tests.
 */
#ifndef SOCKBUF_LESSON_WIRECMP_H
#define SOCKBUF_LESSON_WIRECMP_H

#include <stdbool.h>
#include <stdint.h>

#include "lesson_record.h"

/* Times agree within this, plus LESSON_WIRECMP_TOL_PCT of the model's. */
#define LESSON_WIRECMP_TOL_US  3000
#define LESSON_WIRECMP_TOL_PCT 10

/* The outcome for one step. */
typedef struct {
    bool compared;    /* both modes ran on the emulated wire */
    bool agree;       /* every pair matched */
    bool shape_agree; /* the same, times aside: count, kinds, senders,
                         lengths and order (a loaded machine delays the
                         kernel's side; the shape does not move) */
    int model_count;  /* segments the model sent in the step */
    int kernel_count; /* segments the kernel sent (dropped ones included) */
    int first_diff;   /* 0-based index of the first mismatch, or -1 */
    char why[200];    /* the first mismatch, readable; "" when they agree */
} lesson_wirecmp;

/* Compares the record's model events with its kernel segments into *out.
 * out->compared is false (and nothing else is set) when the record lacks
 * either mode or the real mode did not run on the emulated wire. */
void lesson_wirecmp_step(const lesson_record *rec, lesson_wirecmp *out);

#endif
