/* viz_scene.h: what one step's picture shows, taken from its record.
 *
 * The window and the offscreen renderer draw a viz_scene, never the runner:
 * viz_scene_next() takes the scene of the step before and the step's
 * lesson_record (lessons/lesson_record.h) and fills, per side, the socket
 * shown before and after the step (the model's counters and the byte runs
 * of its queues, each run tagged with the write it came from), the
 * kernel's numbers, the step's statements with their status, what the
 * side produced (printed lines among them), and the model's events with
 * their direction resolved. Tests fill scenes by hand.
 *
 * Called by viz_app.c and viz_render.c (building), viz_anim.c and
 * viz_draw.c (read only).
 */
#ifndef SOCKBUF_VIZ_SCENE_H
#define SOCKBUF_VIZ_SCENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lesson.h"
#include "lesson_record.h"

enum {
    VIZ_MAX_CODE = 12,    /* statements shown per side */
    VIZ_MAX_RESULTS = 8,  /* values of the step shown per side */
    VIZ_TEXT_LEN = 200,   /* a statement shown whole (wrapped), or a printed line */
};

/* The socket a side shows, as the model has it. */
typedef struct {
    bool present;                 /* the side has a socket to show */
    char name[LESSON_NAME_LEN];   /* "client.s" */
    lesson_tcp_state state;       /* TCP state */
    int sock_id;                  /* the record's socket id, or -1 */
    bool listening;               /* a listening socket (no queues) */
    uint32_t sndbuf_bytes;        /* send buffer capacity */
    uint32_t rcvbuf_bytes;        /* receive buffer capacity */
    uint32_t sndbuf_usable_bytes; /* of it, the payload part (the record's) */
    uint32_t rcvbuf_usable_bytes; /* the same for the receive buffer */
    uint32_t unsent_bytes;        /* not yet sent */
    uint32_t in_flight_bytes;     /* sent, not acknowledged */
    uint32_t recv_queue_bytes;    /* received, not read */
    uint32_t peer_window_bytes;   /* last window the peer advertised */
    bool blocked;                 /* a call on it waits */
    lesson_queue q[LESSON_NQUEUES]; /* unsent, in flight, received (lesson_qid) */
    lesson_write_log writes;      /* the bytes of its newest writes (the model's):
                                     its send queues' characters, and the other
                                     side's receive queue's */
    bool has_file;                /* a makefile() writer feeds it */
    uint32_t file_buffered_bytes; /* bytes in the application buffer */
    uint32_t file_capacity_bytes; /* its capacity */
    bool file_reader;             /* that buffer reads ahead (makefile('rb')) */
    lesson_write_bytes file_content; /* its bytes' ends (lesson_rec_file.content) */
} viz_sock;

/* The kernel's numbers for the same socket after the real run. */
typedef struct {
    bool present;                 /* the real mode ran and has this socket */
    lesson_tcp_state state;       /* TCP_INFO state */
    uint32_t unsent_bytes;        /* SIOCOUTQNSD */
    uint32_t in_flight_bytes;     /* SIOCOUTQ - SIOCOUTQNSD */
    uint32_t recv_queue_bytes;    /* SIOCINQ */
    uint32_t sndbuf_bytes;        /* getsockopt(SO_SNDBUF) */
    uint32_t rcvbuf_bytes;        /* getsockopt(SO_RCVBUF) */
    uint32_t file_buffered_bytes; /* application buffer, real run */
} viz_real;

/* A call that waits to hand bytes to the kernel (the record's
 * app_pending: sendall(), a blocking send(), a writer's long write()). */
typedef struct {
    uint32_t bytes;   /* still in the application; 0: no such call */
    uint32_t total;   /* the call's whole data */
    char call[16];    /* "sendall", "send", "write" */
    int line;         /* its statement's source line */
} viz_pending;

/* One statement of the step on a side. */
typedef struct {
    int line;                       /* source line */
    char code[VIZ_TEXT_LEN];        /* the statement as written */
    lesson_status status;           /* done, blocked, pending or an exception */
} viz_code;

/* A lesson line (a statement or a wait) as the code panel writes it: its
 * source line, "s.sendall(data)" or "wait 50 ms", status done. */
void viz_code_of_line(viz_code *out, const lesson_line *ln);

/* Everything one side shows. */
typedef struct {
    viz_sock before; /* the shown socket before the step */
    viz_sock after;  /* and after it */
    viz_real real;   /* the kernel's numbers after it */
    int ncode;       /* statements of the step */
    viz_code code[VIZ_MAX_CODE];
    bool blocked;     /* the side is blocked after the step */
    int nresults;     /* values the step produced on this side (model), in order */
    lesson_result results[VIZ_MAX_RESULTS];
    int nresults_total; /* all of them: more than nresults when some did not fit */
    viz_pending pend_before;  /* a call holding bytes for the kernel, before the step */
    viz_pending pend;         /* and after it (the model's) */
    uint32_t pend_real_bytes; /* the kernel run's count after it (0: none, or no real run) */
} viz_side;

enum { VIZ_SCENE_FAILED = 4 }; /* failed expectations a scene keeps the text of */

/* One step's picture. */
typedef struct {
    const lesson_doc *doc; /* borrowed: titles, narration */
    int step;              /* 0-based step shown; -1 before the first */
    viz_side side[2];      /* LESSON_CLIENT, LESSON_SERVER */
    lesson_event *events;  /* the model's events of the step (owned) */
    size_t nevents;
    size_t cap_events;
    uint64_t t0_us;       /* virtual time before the step */
    uint64_t t1_us;       /* and after it */
    int nexpects;         /* the step's expectations checked */
    int nexpects_failed;  /* and how many failed */
    int nexpects_skipped; /* and how many were not checked (the kernel's snapshot came late
                             on a busy machine: neither passed nor failed) */
    bool real;            /* the real run's numbers are there */
    /* The first failed expectations, for the presenter's view:
     * "line 12 (kernel): conn.recv_queue == 12, got 0". */
    char failed[VIZ_SCENE_FAILED][LESSON_EXPR_LEN * 2 + 40];
    int nfailed; /* how many of failed are set */
    /* Before the step: every record socket's queues, to replay the step's
     * events from there (and after it, for the next step). */
    lesson_queue pre[LESSON_MAX_SOCKS][LESSON_NQUEUES];
    bool pre_valid[LESSON_MAX_SOCKS];
    lesson_queue post[LESSON_MAX_SOCKS][LESSON_NQUEUES];
    bool post_valid[LESSON_MAX_SOCKS];
    /* The kernel's wire: its segments of the step (emulated wire only). */
    lesson_wire wire;         /* the wire the real mode ran on */
    uint64_t real_t0_us;      /* the real clock before the step */
    uint64_t real_t1_us;      /* and after it */
    lesson_segment *segments; /* owned */
    size_t nsegments, cap_segments;
    lesson_rec_question question; /* the step's question as the record has it */
} viz_scene;

/* An empty scene for doc (borrowed), at step -1. */
void viz_scene_init(viz_scene *s, const lesson_doc *doc);

/* Frees the event copy. Accepts NULL. */
void viz_scene_free(viz_scene *s);

/* Makes s show the step of rec, s holding the scene of the step before
 * (or a fresh viz_scene_init() one): "before" is that scene's "after", a
 * side blocked since an earlier step keeps showing its waiting statement.
 * Returns 0 or -ENOMEM. */
int viz_scene_next(viz_scene *s, const lesson_record *rec);

/* A deep copy of src into *dst (dst's old contents are not freed).
 * Returns 0 or -ENOMEM. */
int viz_scene_copy(viz_scene *dst, const viz_scene *src);

#endif
