/* viz_scene.h: what one step's picture shows, copied out of the runner.
 *
 * The window and the offscreen renderer draw a viz_scene, never the runner
 * itself: the scene holds, per side, the socket being shown before and
 * after the step (the model's counters and the byte runs of its queues,
 * each run tagged with the write it came from), the kernel's numbers from
 * the real run, the step's statements with their status, what the side
 * printed, and the model's event log of the step. viz_scene_capture_*()
 * fill it from a lesson_runner; tests fill it by hand.
 *
 * Called by viz_app.c and viz_render.c (capture), viz_anim.c and
 * viz_draw.c (read only).
 */
#ifndef SOCKBUF_VIZ_SCENE_H
#define SOCKBUF_VIZ_SCENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lesson.h"
#include "lesson_run.h"
#include "sim.h"

enum {
    VIZ_MAX_RUNS = 32,    /* runs kept per queue; older ones merge */
    VIZ_MAX_CODE = 12,    /* statements shown per side */
    VIZ_MAX_PRINTED = 3,  /* printed lines kept per side (the latest) */
    VIZ_MAX_HANDLES = 32, /* model socket handles tracked */
    VIZ_TEXT_LEN = 200,   /* a statement shown whole (wrapped), or a printed line */
};

/* The bytes of one queue, as runs of the writes they came from. */
typedef struct {
    sim_run run[VIZ_MAX_RUNS]; /* oldest first */
    int n;                     /* runs used */
    uint32_t bytes;            /* total bytes */
} viz_queue;

/* The socket a side shows, as the model has it. */
typedef struct {
    bool present;                 /* the side has a socket to show */
    char name[LESSON_NAME_LEN];   /* "client.s" */
    char state[16];               /* "ESTABLISHED" */
    int sim_sock;                 /* the model's handle, or -1 */
    bool listening;               /* a listening socket (no queues) */
    uint32_t sndbuf_bytes;        /* send buffer capacity */
    uint32_t rcvbuf_bytes;        /* receive buffer capacity */
    uint32_t unsent_bytes;        /* not yet sent */
    uint32_t in_flight_bytes;     /* sent, not acknowledged */
    uint32_t recv_queue_bytes;    /* received, not read */
    uint32_t peer_window_bytes;   /* last window the peer advertised */
    bool blocked;                 /* a call on it waits */
    viz_queue q[3];               /* SIM_Q_UNSENT, SIM_Q_IN_FLIGHT, SIM_Q_RECV */
    bool has_file;                /* a makefile() writer feeds it */
    uint32_t file_buffered_bytes; /* bytes in the application buffer */
    uint32_t file_capacity_bytes; /* its capacity */
} viz_sock;

/* The kernel's numbers for the same socket after the real run. */
typedef struct {
    bool present;                 /* the real mode ran and has this socket */
    char state[16];               /* TCP_INFO state */
    uint32_t unsent_bytes;        /* SIOCOUTQNSD */
    uint32_t in_flight_bytes;     /* SIOCOUTQ - SIOCOUTQNSD */
    uint32_t recv_queue_bytes;    /* SIOCINQ */
    uint32_t sndbuf_bytes;        /* getsockopt(SO_SNDBUF) */
    uint32_t rcvbuf_bytes;        /* getsockopt(SO_RCVBUF) */
    uint32_t file_buffered_bytes; /* application buffer, real run */
} viz_real;

/* One statement of the step on a side. */
typedef struct {
    int line;                       /* source line */
    char code[VIZ_TEXT_LEN];        /* the statement as written */
    char status[LESSON_STATUS_LEN]; /* "done", "blocked", "pending", "error: X" */
} viz_code;

/* Everything one side shows. */
typedef struct {
    viz_sock before; /* the shown socket before the step */
    viz_sock after;  /* and after it */
    viz_real real;   /* the kernel's numbers after it */
    int ncode;       /* statements of the step */
    viz_code code[VIZ_MAX_CODE];
    int nprinted;     /* latest printed lines, oldest first */
    int nprinted_new; /* of those, printed during the step */
    char printed[VIZ_MAX_PRINTED][VIZ_TEXT_LEN];
    bool blocked;   /* the side is blocked after the step */
    char error[48]; /* last exception, or "" */
} viz_side;

/* One step's picture. */
typedef struct {
    const lesson_doc *doc; /* borrowed: titles, narration */
    int step;              /* 0-based step shown; -1 before the first */
    viz_side side[2];      /* LESSON_CLIENT, LESSON_SERVER */
    sim_event *events;     /* the model's events of the step (owned) */
    size_t nevents;
    size_t cap_events;
    uint64_t t0_us;                   /* virtual time before the step */
    uint64_t t1_us;                   /* and after it */
    int handle_side[VIZ_MAX_HANDLES]; /* side of each model handle, or -1 */
    int nexpects;                     /* the step's expectations checked */
    int nexpects_failed;              /* and how many failed */
    bool real;                        /* the real run's numbers are there */
    /* Before a step: every handle's queues, to replay the step's events. */
    viz_queue pre[VIZ_MAX_HANDLES][3];
    bool pre_valid[VIZ_MAX_HANDLES];
} viz_scene;

/* An empty scene for doc (borrowed), at step -1. */
void viz_scene_init(viz_scene *s, const lesson_doc *doc);

/* Frees the event copy. Accepts NULL. */
void viz_scene_free(viz_scene *s);

/* Appends a run to a queue, merging with the last run of the same origin;
 * when the queue is full the newest runs merge into the last one. */
void viz_queue_push(viz_queue *q, uint32_t origin, uint32_t bytes);

/* Removes bytes from the head of q; if moved is not NULL the removed runs
 * are pushed onto it. */
void viz_queue_pop(viz_queue *q, uint32_t bytes, viz_queue *moved);

/* Call before lesson_runner_step(): remembers the model's queues and the
 * shown sockets, so the step's events can be replayed from there. */
void viz_scene_capture_before(viz_scene *s, const lesson_runner *r);

/* Call after lesson_runner_step(): copies the views, the statements'
 * status, the printed lines and the event log. Returns 0 or -ENOMEM. */
int viz_scene_capture_after(viz_scene *s, const lesson_runner *r);

#endif
