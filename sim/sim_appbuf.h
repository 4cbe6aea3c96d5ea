/* sim_appbuf.h: the application buffer of s.makefile('wb', buffering=N).
 *
 * Python's io.BufferedWriter keeps small writes in user space until the
 * buffer would overflow, flush() is called, or the file is closed. This is
 * that rule and nothing else: it decides which bytes must go to the socket
 * now and keeps the rest. It never touches a socket itself, so the runner
 * uses the same object in front of the model and in front of real sockets.
 *
 *   f.write(data) -> +---- application buffer (<= capacity) ----+
 *                    | buffered bytes, oldest first              | -> sendall()
 *                    +-------------------------------------------+
 *
 * CPython's rules (Modules/_io/bufferedio.c, _bufferedwriter_write):
 *   - a write that fits in the free space is only buffered;
 *   - otherwise the buffered bytes are pushed out first, then, if the write
 *     is larger than the whole buffer it goes straight through, else it is
 *     buffered;
 *   - flush() pushes everything out. The default capacity is 8192.
 */
#ifndef SOCKBUF_SIM_APPBUF_H
#define SOCKBUF_SIM_APPBUF_H

#include <stddef.h>
#include <stdint.h>

enum { SIM_APPBUF_DEFAULT_BYTES = 8192 };

typedef struct sim_appbuf sim_appbuf;

/* A new empty buffer of capacity_bytes (0 or negative: the default 8192;
 * 1: unbuffered in effect, as Python treats buffering=1 for binary).
 * Precisely, 1 is a one-byte buffer: makefile('wb', buffering=1) builds
 * BufferedWriter(raw, 1), which holds a 1-byte write and passes anything
 * longer straight through. (makefile's buffering=0 returns the raw socket
 * file itself: the caller needs no appbuf then.)
 * Returns NULL when out of memory. Free with sim_appbuf_free(). */
sim_appbuf *sim_appbuf_new(long capacity_bytes);
void sim_appbuf_free(sim_appbuf *b);

/* Takes len bytes of a write. The bytes that must go to the socket now,
 * in order, are appended to *out (grown with realloc; *out_len updated);
 * the caller owns *out. Returns 0 or -ENOMEM (then nothing changed). */
int sim_appbuf_write(sim_appbuf *b, const uint8_t *data, size_t len, uint8_t **out,
                     size_t *out_len);

/* flush(): appends every buffered byte to *out and empties the buffer. */
int sim_appbuf_flush(sim_appbuf *b, uint8_t **out, size_t *out_len);

/* For a caller that writes the buffer out itself, as CPython's
 * BufferedWriter does on a non-blocking socket (a flush that would block
 * keeps what was not written): the buffered bytes, oldest first (valid
 * until the next call that changes b)... */
const uint8_t *sim_appbuf_data(const sim_appbuf *b);
/* ...drops the n oldest of them once written (n <= buffered)... */
void sim_appbuf_consume(sim_appbuf *b, size_t n);
/* ...and buffers as much of data as fits, returning how many bytes. */
size_t sim_appbuf_put(sim_appbuf *b, const uint8_t *data, size_t len);

size_t sim_appbuf_buffered_bytes(const sim_appbuf *b);
size_t sim_appbuf_capacity_bytes(const sim_appbuf *b);

#endif
