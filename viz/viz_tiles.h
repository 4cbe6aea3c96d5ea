/* viz_tiles.h: a kernel buffer's bytes as characters the back row reads.
 *
 * A bar proportional to a buffer of 8-128 KiB draws 5 or 12 bytes as a
 * sliver. Where a buffer holds few bytes (VIZ_TILES_MAX or fewer) they
 * are drawn as character tiles instead, as Python shows them: printable
 * ASCII as itself, the others as Python's escapes ("\n", "\x00"). In a
 * receive buffer the tiles are one stream in one neutral style, with no
 * border between writes: the kernel keeps no message boundary, and the
 * picture shows none. In a send buffer each tile keeps its write's colour
 * (in flight: darker, a striped foot). Where a buffer holds more, its bar
 * stays proportional and a magnified strip shows its first and last bytes
 * ("Hello, wo…ld\n").
 *
 * The characters come from the record's write log (lesson_write_log): a
 * run's byte i is byte offset_bytes + i of its write. The model's bytes
 * only: the kernel's queues cannot be read without taking the bytes out,
 * so the kernel's column shows counts.
 */
#ifndef SOCKBUF_VIZ_TILES_H
#define SOCKBUF_VIZ_TILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lesson_record.h"

enum {
    VIZ_TILES_MAX = 64,     /* a buffer holding this many bytes or fewer: tiles */
    VIZ_TILES_TEXT_LEN = 8, /* one tile's text: "\x00" and its NUL */
};

/* The text of one byte's tile, as Python's bytes repr shows it: printable
 * ASCII as itself (a quote too: b"'"), a backslash as "\\", \t \n \r as
 * their escapes, anything else as "\xNN". Returns out. */
char *viz_tiles_byte_text(uint8_t b, char *out, size_t len);

/* Are held bytes drawn as tiles (1..VIZ_TILES_MAX), not as a bar? */
bool viz_tiles_use(uint32_t held);

/* Byte i of queue q (0: its oldest) from the writes in log, or -1 when
 * the log does not hold it. */
int viz_tiles_queue_byte(const lesson_queue *q, const lesson_write_log *log, uint32_t i);

/* The magnified strip of a queue: its first nhead and last ntail bytes as
 * tile texts run together, "…" between them when some are left out
 * ("Hello, wo…ld\n"), the whole queue when it is short enough. Returns
 * false (out "") when the log does not hold those bytes. */
bool viz_tiles_strip_text(const lesson_queue *q, const lesson_write_log *log, int nhead,
                          int ntail, char *out, size_t len);

/* The first bytes of a run of a write (a segment on the wire) as tile
 * texts run together, at most max bytes, "…" after them when the run is
 * longer; false (out "") when the log does not hold them. */
bool viz_tiles_run_text(const lesson_write_log *log, uint32_t origin, uint32_t offset,
                        uint32_t bytes, int max, char *out, size_t len);

/* The first bytes of a segment at stream offset seq, bytes long, of a
 * sender whose writes are in log, as tile texts run together (at most
 * max bytes, "…" after them when it is longer); false (out "") when the
 * log does not hold them. */
bool viz_tiles_seq_text(const lesson_write_log *log, uint64_t seq, uint32_t bytes, int max,
                        char *out, size_t len);

/* ---- drawing (viz/ only) ------------------------------------------ */

#include "viz_paint.h"

/* One queue of a bar: its bytes, the writes they came from, the side
 * whose writes colour them, and whether they are in flight (darker). */
typedef struct {
    const lesson_queue *q;
    const lesson_write_log *log;
    int side;
    bool faded;
} viz_tiles_part;

/* Draws the bytes of parts (oldest first) as tiles from x in a bar row
 * (y, h), at most max_w wide; stream: one neutral style, no border
 * between writes (a receive buffer). When they do not all fit, the first
 * and last ones with three dots between. Returns the width drawn, or -1
 * (nothing drawn) when the parts hold no bytes, more than VIZ_TILES_MAX,
 * or bytes the logs do not hold. split_x (may be NULL) gets where the
 * last part's first tile is drawn when tiles of other parts come before
 * it (a send buffer's unsent after its in-flight bytes), else -1. */
int viz_tiles_draw(const viz_ctx *c, const viz_tiles_part *parts, int nparts, bool stream, int x,
                   int y, int max_w, int h, int *split_x);

/* Draws q's magnified strip (viz_tiles_strip_text) in a dark box at x
 * in a bar row (y, h), at most max_w wide, as many bytes as fit (none:
 * nothing drawn). Returns the width drawn, or 0. */
int viz_tiles_draw_strip(const viz_ctx *c, const lesson_queue *q, const lesson_write_log *log,
                         int x, int y, int max_w, int h);

#endif
