/* viz_draw.h: the picture, drawn on any SDL_Renderer.
 *
 * One function draws a step's scene at one moment of its animation; the
 * window calls it every frame, `sockbuf render` once per step on a
 * software renderer, so the window and the PNGs are the same picture.
 * Layout (client left, wire middle, server right) scales with the output
 * size; text sizes scale with it and with the presenter's zoom, so the
 * back row can read them at 1280x720 and 1920x1080 alike.
 *
 * Also drawn here: the lesson picker and the help overlay. UI labels come
 * in English and Japanese (viz_label()). Nothing here allocates per frame:
 * text goes through viz_text's cache.
 */
#ifndef SOCKBUF_VIZ_DRAW_H
#define SOCKBUF_VIZ_DRAW_H

#include <SDL.h>
#include <stdbool.h>

#include "viz_anim.h"
#include "viz_font.h"
#include "viz_scene.h"

typedef enum { VIZ_LANG_EN = 0, VIZ_LANG_JA = 1 } viz_lang;

/* How the presenter has set up the screen. */
typedef struct {
    viz_lang lang;     /* narration and labels */
    double zoom;       /* text zoom, 1.0 = default (Ctrl+= / Ctrl+-) */
    int theme;         /* viz_theme_id (viz_theme.h): 0 dark, 1 light, 2 contrast (T) */
    bool help;         /* the key overlay is shown */
    bool autoplay;     /* P: steps advance by themselves */
    double speed;      /* animation speed factor (1.0 = a step a second) */
    const char *toast; /* a short message shown at the bottom, or NULL */
    bool kernel_wire;  /* W: the wire shows the kernel's segments, not the model's */
    bool kernel_wire_none; /* and the step has none (plain loopback, or the model only) */
    int nar_page;      /* the narration's page shown, 0 the first (Down / Up; past the last: the last) */
    struct viz_fold *fold; /* when not NULL, viz_draw_scene writes where the question's
                              reveal goes there (viz_question.h writes back the band it drew) */
    bool class_view;       /* a presenter's view is open (--presenter): this window shows the
                              class only the picture (no key hints, no messages) */
    struct viz_spot *spot; /* when not NULL, viz_draw_scene writes where each kernel
                              buffer is drawn there (the B key's spotlight) */
} viz_ui;

/* Where the four kernel buffers were drawn: rect[side * 2 + (receive
 * buffer ? 1 : 0)], a rectangle around the bar, its figures and its
 * comparison line; w 0: not drawn (no socket, no room). */
enum { VIZ_SPOT_BUFFERS = 4 };
typedef struct viz_spot {
    SDL_Rect rect[VIZ_SPOT_BUFFERS];
} viz_spot;

/* Where a question's reveal may lie over the panel: its lower part, and
 * the lines above it where a taller band can begin without cutting a
 * label in two. */
enum { VIZ_FOLD_LINES = 3 };
typedef struct viz_fold {
    SDL_Rect rect;                /* the lower kernel blocks (the reverse direction) down to
                                     just above the narration; the band drawn, once drawn */
    int clean_y[VIZ_FOLD_LINES];  /* tops of the blocks above rect, lowest first: the kernel
                                     box, the application box, the code box (px) */
    int nclean;                   /* how many of clean_y are set */
} viz_fold;

/* Label ids for viz_label(). */
typedef enum {
    VIZ_L_CLIENT = 0,
    VIZ_L_SERVER,
    VIZ_L_APP,
    VIZ_L_APPBUF,            /* a makefile('wb') writer's buffer */
    VIZ_L_APPBUF_SHORT,      /* the same where the line is short */
    VIZ_L_APPBUF_READ,       /* a makefile('rb') reader's read-ahead */
    VIZ_L_APPBUF_READ_SHORT, /* the same where the line is short */
    VIZ_L_KERNEL,
    VIZ_L_SENDBUF,
    VIZ_L_RECVBUF,
    VIZ_L_UNSENT,
    VIZ_L_INFLIGHT,
    VIZ_L_RECEIVED,
    VIZ_L_MODEL,
    VIZ_L_REAL,
    VIZ_L_REAL_AFTER,
    VIZ_L_WIRE,
    VIZ_L_WIRE_KERNEL,
    VIZ_L_WIRE_KERNEL_NONE,
    VIZ_L_ZERO_WINDOW,
    VIZ_L_ZERO_WINDOW_NOTE,
    VIZ_L_DONE,
    VIZ_L_BLOCKED,
    VIZ_L_PENDING,
    VIZ_L_ERROR,
    VIZ_L_STEP,
    VIZ_L_PRINTED,
    VIZ_L_WINDOW,
    VIZ_L_NO_SOCKET,
    VIZ_L_LISTENING,
    VIZ_L_CHECKS_OK,
    VIZ_L_CHECKS_FAILED,
    VIZ_L_PICKER_TITLE,
    VIZ_L_PICKER_HINT,
    VIZ_L_FOOTER,
    VIZ_L_LIVE_FOOTER,  /* the live window's keys (the key table's live rows) */
    VIZ_L_TRACE_FOOTER, /* the trace window's keys (its trace rows) */
    VIZ_L_HELP_TITLE,
    VIZ_L_NO_REAL,
    VIZ_L_DIFFERS,
    VIZ_L_BEFORE_FIRST,
    VIZ_L_LANE_C2S,
    VIZ_L_LANE_S2C,
    VIZ_L_LEGEND_WRITES,
    VIZ_L_LEGEND_STRIPES,
    VIZ_L_LEGEND_OVERHEAD,
    VIZ_L_USABLE,
    VIZ_L_USABLE_OF,
    VIZ_L_LEGEND_HINT,
    VIZ_L_CHECKS_SKIPPED,
    VIZ_L_APP_PENDING,       /* "sendall(data): 196,608 B still to hand to the kernel" */
    VIZ_L_APP_PENDING_SHORT, /* the same where the row is short */
    VIZ_L_SYM_OK,            /* the checks badge's symbol when they passed */
    VIZ_L_SYM_FAILED,        /* the same when one failed (another shape, not only a hue) */
    VIZ_L_COUNT
} viz_label_id;

/* A byte count as the window shows it: "512 B", "16,384 B", "128 KiB",
 * "4 MiB", "3.8 MiB". Writes at most len bytes to out. */
void viz_fmt_bytes(char *out, size_t len, uint64_t b);

/* The label in a language; never NULL. */
const char *viz_label(viz_lang lang, viz_label_id id);

/* Draws the scene at frame f onto the whole w x h output of r. */
void viz_draw_scene(SDL_Renderer *r, viz_text *t, const viz_scene *s, const viz_frame *f,
                    const viz_ui *ui, int w, int h);

/* The same, and *pages_out (when not NULL) gets how many pages the
 * narration takes at this size and zoom: 1 when it fits whole in its box,
 * more when it does not (ui->nar_page picks the page drawn, with a mark
 * "▼ more: ↓  1/2" on every page but a single one). Zoomed content that
 * does not fit the window at all (zoom 2 at 1920x1080) is laid out on a
 * taller canvas and the pages are slices of it, each ending between
 * boxes or narration lines, never through a text. The layout comes from
 * viz_draw_layout() alone; this paints it. */
void viz_draw_scene_pages(SDL_Renderer *r, viz_text *t, const viz_scene *s, const viz_frame *f,
                          const viz_ui *ui, int w, int h, int *pages_out);

/* Where a scene's parts go at frame f in ui at w x h, measured with t's
 * fonts: the layout pass viz_draw_scene_pages() paints from, drawing
 * nothing (t needs no window: a test measures it alone). Rectangles are
 * in pixels on the scene's canvas: the window, or a taller canvas when
 * zoomed content does not fit (scene_paged), shown a page at a time. */
typedef struct {
    double unit_px;       /* the layout unit, pixels: the window's scale times the zoom */
    int canvas_h;         /* the scene's height (px): h, or more when scene_paged */
    bool scene_paged;     /* the window shows a slice of the canvas per page */
    int pages;            /* the narration's pages, or the canvas's slices */
    int page;             /* the one drawn (ui->nar_page, at most the last) */
    int page_top;         /* the canvas row at the window's top on that page */
    SDL_Rect title;       /* the step's title */
    int title_px;         /* its text size, px */
    SDL_Rect column[2];   /* each side's column, client then server */
    SDL_Rect code[2];     /* its code panel */
    int code_rows[2];     /* the rows of code it holds */
    int code_px;          /* the code's text size, px (the smaller side's; 0: no code) */
    SDL_Rect app[2];      /* its application box */
    SDL_Rect kernel[2];   /* its kernel box */
    SDL_Rect wire;        /* the wire between the columns */
    SDL_Rect narration;   /* the narration's box */
    int narration_px;     /* its text size, px */
    int narration_lines;  /* its lines, wrapped */
} viz_scene_layout;

void viz_draw_layout(viz_text *t, const viz_scene *s, const viz_frame *f, const viz_ui *ui, int w,
                     int h, viz_scene_layout *out);

/* Renders into t's cache, budget texts a call, what step `step` of doc
 * shows first in ui at w x h: its title, narration and statements, so
 * the frame that changes to that step renders nothing new. Call between
 * frames with *cursor 0 at first; it advances *cursor and sets it to -1
 * when everything is cached. Returns true when done (or nothing to do). */
bool viz_draw_prefetch(viz_text *t, const lesson_doc *doc, int step, const viz_ui *ui, int w, int h,
                       int *cursor, int budget);

/* One lesson in the picker. */
typedef struct {
    const char *title;    /* English title */
    const char *title_ja; /* Japanese title, or NULL */
    const char *name;     /* `lesson NAME` */
} viz_pick_item;

/* One kernel buffer bar as viz_draw_scene() drew it, in pixels: tests
 * check that every bar reads the same way round and says what is usable. */
typedef struct {
    int side;                /* LESSON_CLIENT or LESSON_SERVER */
    bool send;               /* the send buffer (else the receive buffer) */
    SDL_Rect bar;            /* the whole bar */
    SDL_Rect usable;         /* the part bytes fill */
    SDL_Rect overhead;       /* the grey kernel overhead (w 0: none drawn) */
    int fill_x0;             /* where the bytes start filling */
    uint32_t capacity_bytes; /* the buffer's size (0: no buffer, a closed socket) */
    uint32_t usable_bytes;   /* of it, the usable part */
    char header[160];        /* the figures drawn above the bar */
    uint32_t held_bytes;     /* the bytes the frame's queues hold (the model's) */
    uint32_t kernel_capacity_bytes; /* the kernel's size where it differs, else 0 */
    bool kernel_shown;       /* the drawer found room for that figure */
} viz_bar_drawn;

typedef void (*viz_bar_hook)(void *ud, const viz_bar_drawn *bar);

/* Calls fn(ud, bar) for every buffer bar viz_draw_scene() draws from now
 * on (NULL: stop). One hook for the process: for tests, not for threads
 * drawing at once. */
void viz_draw_set_bar_hook(viz_bar_hook fn, void *ud);

/* The code panel of a side as drawn: its statements and its rectangle,
 * for tests to find the texts drawn in it. */
typedef void (*viz_code_hook)(void *ud, const viz_side *vs, const SDL_Rect *panel);

/* Calls fn(ud, side, panel) for every code panel viz_draw_scene() draws
 * from now on (NULL: stop). One hook for the process, as the bar hook. */
void viz_draw_set_code_hook(viz_code_hook fn, void *ud);

/* A badge of bytes moving between an application and its kernel as
 * drawn: one per side and direction a frame, saying what it counts. */
typedef struct {
    int side;        /* LESSON_CLIENT or LESSON_SERVER */
    bool to_kernel;  /* written to the kernel (else read from it) */
    uint32_t bytes;  /* the bytes it counts */
    char text[64];   /* "↓ 4,096 B to the kernel", "↑ 8,192 B read" */
} viz_badge_drawn;

typedef void (*viz_badge_hook)(void *ud, const viz_badge_drawn *badge);

/* Calls fn(ud, badge) for every such badge drawn from now on (NULL:
 * stop). One hook for the process, as the bar hook. */
void viz_draw_set_badge_hook(viz_badge_hook fn, void *ud);

/* Calls fn(ud, side, k) for every result row k of a side's results
 * (viz_side.results[k]) viz_draw_scene() draws from now on (NULL: stop):
 * tests check that a value shows only once its statement ran and its
 * bytes arrived. One hook for the process, as the bar hook. */
typedef void (*viz_result_hook)(void *ud, int side, int k);
void viz_draw_set_result_hook(viz_result_hook fn, void *ud);

/* Draws the lesson picker with item `selected` highlighted. */
void viz_draw_picker(SDL_Renderer *r, viz_text *t, const viz_pick_item *items, int n, int selected,
                     const viz_ui *ui, int w, int h);

/* Draws the help overlay (every key) over whatever is on r. */
void viz_draw_help(SDL_Renderer *r, viz_text *t, const viz_ui *ui, int w, int h);

/* The same for the window of the key table's contexts window
 * (viz_keys.h: VIZ_KEYS_LESSON_WINDOW, VIZ_KEYS_LIVE, VIZ_KEYS_TRACE);
 * the wire's legend only in the lesson window's. */
void viz_draw_help_in(SDL_Renderer *r, viz_text *t, const viz_ui *ui, unsigned window, int w,
                      int h);

/* The spotlight on one buffer: everything but rect (w 0: nothing) dimmed,
 * rect framed, with its name (label) above or below it. */
void viz_draw_spotlight(SDL_Renderer *r, viz_text *t, const viz_ui *ui, SDL_Rect rect,
                        const char *label, int w, int h);

/* One live connection as `sockbuf live` shows it (copied from live,
 * so this module needs nothing from net/). */
typedef struct {
    int id;                    /* 1, 2, ... */
    char peer[64];             /* "127.0.0.1:53422" */
    char state[16];            /* TCP state from the last probe */
    uint64_t bytes_in;         /* read from the socket */
    uint64_t bytes_out;        /* handed to the kernel */
    uint32_t pending_bytes;    /* ours, not yet in the kernel */
    bool reading;              /* false: paused by backpressure */
    bool eof;                  /* the peer half-closed */
    bool probe_valid;          /* the kernel numbers below are there */
    uint32_t unsent_bytes;     /* SIOCOUTQNSD */
    uint32_t in_flight_bytes;  /* SIOCOUTQ - SIOCOUTQNSD */
    uint32_t recv_queue_bytes; /* SIOCINQ */
    uint32_t sndbuf_bytes;     /* SO_SNDBUF */
    uint32_t rcvbuf_bytes;     /* SO_RCVBUF */
} viz_live_row;

/* One chunk of the trail of recent bytes (copied from live's trail):
 * what send() or recv() really moved, and when samples saw it move on. */
typedef struct {
    int conn_id;        /* the connection (viz_live_row.id) */
    bool outbound;      /* true: send() gave it to our kernel; false: recv() returned it */
    uint32_t bytes;     /* its length */
    char repr[32];      /* b'Got your mes...' ("" for a file chunk) */
    char repr_short[16]; /* the same, shorter, for a narrow slot */
    int64_t t_ms;       /* when send()/recv() returned (the live clock, ms) */
    int64_t wire_t_ms;  /* outbound: a sample saw it sent on the wire, or -1 */
    int64_t acked_t_ms; /* outbound: a sample saw it ACKed by the peer, or -1 */
} viz_live_chip;

enum { VIZ_LIVE_TRAIL_MS = 6000 }; /* a chip fades out over this long */

/* Everything live mode draws in one frame. */
typedef struct {
    bool listening;            /* listen mode (else connect mode) */
    const char *addr;          /* "127.0.0.1:8080" */
    const viz_live_row *rows;  /* open connections, oldest first */
    int n;                     /* rows */
    int open;                  /* open connections (may be more than n) */
    const viz_live_chip *chips; /* the trail, oldest first */
    int nchips;
    int64_t now_ms;            /* the live clock now */
    const char *const *log_en; /* latest events, oldest first, in English */
    const char *const *log_ja; /* the same in Japanese */
    int nlog;
} viz_live_view;

/* Draws live mode: a title line, one row per connection with its kernel
 * queues as bars and its trail of recent bytes, a legend of the labels,
 * and the latest events (as many as fit, newest kept), in ui's language. */
void viz_draw_live(SDL_Renderer *r, viz_text *t, const viz_live_view *v, const viz_ui *ui, int w,
                   int h);

/* Where the trail draws chip ch at now_ms: the stop it is at or moving to
 * (0 our program, 1 our kernel's buffer, 2 the wire, 3 the other end),
 * how far along the move there it is (0..1; 1: arrived) and how bright
 * (1 new .. 0.3 old). Outbound chips go 0 -> 3 as samples saw them,
 * inbound 3 -> 0 replayed from recv(); each stop lasts at least 450 ms,
 * so a move the kernel made in microseconds can be seen. */
void viz_live_chip_place(const viz_live_chip *ch, int64_t now_ms, int *stop, double *move,
                         double *bright);

/* The colour of palette entry i (0..7) in the current theme: Okabe-Ito,
 * safe for colour-blind viewers. */
SDL_Color viz_palette(int i);

/* The presenter's text zoom one step bigger (dir > 0) or smaller, kept
 * within 0.6..2.5: the window and the live window share these limits. */
double viz_zoom_step(double zoom, int dir);

#endif
