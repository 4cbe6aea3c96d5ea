/* viz_anim.h: the step's animation timeline, from the model's event log.
 *
 * A step's events happen in virtual time: writes at the step's start,
 * segments leaving every few hundred microseconds, a delayed ACK 40 ms
 * later, a persist timer after a second. The timeline maps virtual time
 * onto a progress from 0 to 1 that the window plays in about a second: a
 * short lead-in for the writes, then every gap between two moments of the
 * log takes a time growing with the square root of its length, so short
 * and long gaps both stay visible and the order never changes.
 *
 * viz_anim_seek() replays the step's events up to a progress and fills a
 * viz_frame: the queues of each side at that moment (with the writes each
 * byte came from), the segments, ACKs and window updates on the wire with
 * how far they have travelled, and the chunks flying between application
 * and kernel. Seeking forward replays only the new events; the frame path
 * allocates nothing. Called by viz_draw.c's callers (window, renderer,
 * benchmark) once per frame.
 */
#ifndef SOCKBUF_VIZ_ANIM_H
#define SOCKBUF_VIZ_ANIM_H

#include <stdbool.h>
#include <stdint.h>

#include "viz_scene.h"

enum { VIZ_MAX_WIRE = 192, VIZ_MAX_FLYING = 16 };

/* The longest a step plays at speed 1 (ms): longer traffic plays faster.
 * Long enough for every bundled lesson's chips to stay 0.5 s on screen
 * (04's 200 KiB in 140 round trips needs about 70 s; the presenter
 * speeds it up with =); only a lesson with far more traffic is squeezed. */
#define VIZ_ANIM_MAX_MS 90000.0

/* Something travelling on the wire. */
typedef struct {
    int from_side;       /* sender: LESSON_CLIENT or LESSON_SERVER */
    lesson_event_kind kind; /* SEGMENT, ACK, WINDOW, PROBE, SYN, FIN, RST */
    uint32_t bytes;      /* payload bytes (segments) */
    uint32_t window;     /* advertised window (ACK, WINDOW, PROBE) */
    uint32_t origin;     /* the write its first byte came from */
    uint32_t count;      /* segments merged into this item (large transfers) */
    float frac;          /* 0 at the sender, 1 at the receiver */
    const char *chip;    /* its chip's name ("SYN", "SYN-ACK", "ACK"...), NULL for data */
    uint64_t seq;        /* segments: the stream offset of the first byte (the model's) */
} viz_wire_item;

/* Bytes flying between an application and its kernel buffers. */
typedef struct {
    int side;        /* whose */
    bool to_kernel;  /* write (app -> send buffer) or read (recv -> app) */
    uint32_t bytes;  /* how many */
    uint32_t origin; /* the write they came from */
    float frac;      /* 0 at the start, 1 at the end */
} viz_flying;

/* The state to draw at one moment of a step. */
typedef struct {
    double progress;          /* 0..1 */
    uint64_t now_us;          /* virtual time shown */
    lesson_queue q[2][LESSON_NQUEUES]; /* per side: unsent, in flight, received */
    uint32_t appbuf_bytes[2]; /* application buffer fill */
    bool zero_window[2];      /* side's receiver advertised 0 */
    uint32_t window[2];       /* last window the side advertised */
    int nwire;
    viz_wire_item wire[VIZ_MAX_WIRE];
    int nflying;
    viz_flying flying[VIZ_MAX_FLYING];
    double code_progress; /* 0..1: how far the lead-in's statements ran (both sides) */
    /* Per side, what the application holds at this moment by the step's
     * own timeline: the bytes its reads have brought out of the kernel
     * (a read lands when its chip ends its flight), and how far the code
     * cursor is (viz_code_cursor's progress: a statement runs until its
     * call's bytes have landed, 1 when all have run). */
    uint64_t app_landed[2];
    double code_at[2];
} viz_frame;

typedef struct viz_anim viz_anim;

/* A timeline; rebuild it with viz_anim_build() for each step. NULL when
 * out of memory. */
viz_anim *viz_anim_new(void);
void viz_anim_free(viz_anim *a);

/* Builds the timeline of the scene's step (the scene must outlive every
 * seek until the next build). Returns 0 or -ENOMEM. */
int viz_anim_build(viz_anim *a, const viz_scene *s);

/* How long the step's animation lasts at speed 1, in milliseconds: what
 * its chips need to be seen (each at least about 0.5 s on screen), at
 * most VIZ_ANIM_MAX_MS. */
double viz_anim_duration_ms(const viz_anim *a);

/* Event i of the scene as a chip on screen: a traveller on the wire, or a
 * write or read flying between application and kernel. Sets the progress
 * it appears at and leaves at and returns true; false for an event drawn
 * as no chip. */
bool viz_anim_event_span(const viz_anim *a, const viz_scene *s, size_t i, double *p0, double *p1);

/* The name on an event's chip: lesson_event_chip(), except the SYN that
 * answers a SYN, which is a "SYN-ACK". NULL for data and what does not
 * travel. */
const char *viz_anim_event_chip(const lesson_event *e);

/* The lane a wire item travels in: 0 (client -> server, the top one) or
 * 1 (server -> client). Every item rides its sender's lane. */
int viz_wire_lane(const viz_wire_item *it);

/* Fills f with the step's state at progress (clamped to 0..1); progress 1
 * is the state after the step. */
void viz_anim_seek(viz_anim *a, const viz_scene *s, double progress, viz_frame *f);

/* The queues of each side's shown socket as the replay of all the step's
 * events leaves them, before the frame at progress 1 takes the scene's
 * "after" state: the tests compare them with the record's queues. */
void viz_anim_replayed(viz_anim *a, const viz_scene *s, lesson_queue q[2][LESSON_NQUEUES]);

/* Replaces the frame's wire items with the kernel's segments at progress
 * p: the segments the emulated wire logged during the step, each placed by
 * its real send and arrival times on a timeline built like the model's
 * (viz_anim_build builds both; the step lasts what the longer needs). Returns 0, or -ENODATA when the step has no kernel
 * wire (the real mode did not run, or ran on plain loopback): the frame
 * then has no wire items. */
int viz_anim_kernel_wire(const viz_anim *a, const viz_scene *s, double p, viz_frame *f);

/* The colour index (0..7) of bytes from write `origin` of a side's socket:
 * the client's writes and the server's take different colours. */
int viz_origin_colour(int side, uint32_t origin);

#endif
