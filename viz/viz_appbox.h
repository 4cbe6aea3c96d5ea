/* viz_appbox.h: the application as a buffer, the first hop of the picture.
 *
 * The kernel's buffers are bars; the bytes a program holds before it hands
 * them to the kernel, or after it has taken them out, were invisible. The
 * application box now draws, per side:
 *
 *   +-- Application ------------------ write buffer (makefile 'wb') --+
 *   | [H][e][l][l][o]                                  5 B / 8,192 B  |
 *   | [#### sendall(data): 196,608 B still to hand to the kernel ####] |
 *   | data = b'Hello, world'  12 B            (once the bytes land)    |
 *   +-----------------------------------------------------------------+
 *
 * Python's own buffer (a makefile() writer's or reader's), its bytes as
 * the kernel's bars draw theirs, with what it is on the title line;
 * the bytes a blocked call (sendall(), a blocking send(), a makefile
 * writer's long write()) still holds, from the record's app_pending; and
 * each received value once its read has reached the application in the
 * animation, not before. viz_draw.c's draw_side calls it for its
 * application box; the pure helpers below are unit-tested
 * (tests/test_viz_appbox.c).
 */
#ifndef SOCKBUF_VIZ_APPBOX_H
#define SOCKBUF_VIZ_APPBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "viz_anim.h"
#include "viz_paint.h"
#include "viz_scene.h"

/* ---- pure helpers (no SDL) ---- */

/* "sendall(data)" from the statement "s.sendall(data)" and the call's name
 * (the receiver and anything before the call dropped; a statement without
 * the call gives "sendall()"). Writes at most len bytes to out. */
void viz_appbox_call_text(char *out, size_t len, const char *code, const char *call);

/* How many bytes the call holds at a moment of the step: `after` (the
 * call after the step, bytes 0 when it finished in it), `before` (the
 * same side before the step), `later` the bytes the side still hands to
 * the kernel in the rest of the step (writes yet to come, chunks still
 * flying). A call that waits after the step holds after.bytes plus what
 * it writes later; one that finished in this step at most what it still
 * writes. Never more than the call's whole data. */
uint32_t viz_appbox_pending_at(const viz_pending *before, const viz_pending *after,
                               uint32_t later);

/* An exact byte count, grouped in thousands: "196,608 B", "12 B" (the
 * window's usual figures round large ones to KiB; a count the narration
 * names is shown to the byte). */
void viz_appbox_fmt_count(char *out, size_t len, uint64_t bytes);

/* Does this statement take bytes out of the kernel into the application
 * (recv, recv_into, recvfrom, a reader's read or readline)? */
bool viz_appbox_is_receive(const char *code);

/* The bytes a side's makefile() buffer holds when it shows n of them
 * (the animation moves the count from before's to after's): one run of
 * write 1 in *q, its first and last bytes in *log, from the record's
 * content of the buffer. The buffer only grows at its end and empties
 * from its front, so a count between the two is after's first n bytes
 * while it grows, before's last n while it empties. False (q and log
 * empty) when n is 0 or the record holds no bytes for it. */
bool viz_appbox_file_queue(const viz_sock *before, const viz_sock *after, uint32_t n,
                           lesson_queue *q, lesson_write_log *log);

/* ---- drawing (viz_draw.c's application box) ---- */

/* The height of the row viz_appbox_draw_file draws. */
int viz_appbox_file_h(const viz_ctx *c);

/* Draws a side's makefile() buffer in a row at x, y, w wide,
 * viz_appbox_file_h tall: its bytes as character tiles where it holds
 * VIZ_TILES_MAX or fewer (viz_tiles, one stream: Python's buffer keeps
 * no write boundaries), else a bar as long as its capacity, filled for
 * what it holds, with a magnified strip of its first and last bytes; at
 * the row's end its fill ("5 B / 8,192 B"). What it is ("write buffer
 * (makefile 'wb')", "read-ahead (makefile 'rb')") goes on the box's title
 * line (at head_y, after the head_w wide title) where it fits, else
 * shorter at the row's start (head_y < 0: the title line is taken).
 * Returns how much of the title line is taken now. */
int viz_appbox_draw_file(const viz_ctx *c, const viz_scene *s, const viz_frame *f, int side,
                         int x, int y, int w, int head_y, int head_w);

/* The pending call of a side at frame f, 0 when there is none to show
 * (the call has not started in the animation yet, or holds nothing). */
uint32_t viz_appbox_pending_bytes(const viz_scene *s, const viz_frame *f, int side);

/* Is result k of side drawn yet: a received value waits until its read
 * has landed in the application. (The caller checks the code cursor.) */
bool viz_appbox_result_landed(const viz_scene *s, const viz_frame *f, int side, int k);

/* Draws the pending call of a side: at x, y (w wide, row_h tall) a bar
 * as long as the call's data, filled for the part still held, with the
 * exact count in it ("196,608 B") and the whole at its end ("of 204,800
 * B"); on the box's title line (at head_y, after the title head_w wide)
 * what the bytes are, "sendall(data): still to hand to the kernel".
 * Returns 0 when the side shows none at this frame (nothing drawn), else
 * a positive number: the row and the title line are taken. */
int viz_appbox_draw_pending(const viz_ctx *c, const viz_scene *s, const viz_frame *f, int side,
                            int x, int y, int w, int row_h, int head_y, int head_w);

#endif
