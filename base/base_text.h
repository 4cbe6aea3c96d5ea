/* base_text.h: the text forms every command prints, written once.
 *
 * Python's repr() of bytes and str (what a lesson's print() and the
 * transcript show, and what live mode shows of the bytes it saw), and a
 * JSON string (the transcript of `run` and live mode's JSON Lines). Used
 * by lessons/ (runner, transcript) and net/ (live mode); libc only.
 */
#ifndef SOCKBUF_BASE_TEXT_H
#define SOCKBUF_BASE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Python's repr() of n bytes at d: b'...' when is_bytes, else a str
 * ('...', UTF-8 passed through). The quote is Python's choice (double
 * when the text has a ' and no "); \\, the quote, \n, \r, \t and other
 * control bytes are escaped as CPython does. The output stops at about
 * max_chars characters, or where outlen would be passed, and then ends in
 * "..." before the closing quote. Always NUL-terminated (outlen > 0).
 * Returns the length written. */
size_t base_repr(char *out, size_t outlen, const uint8_t *d, size_t n, bool is_bytes,
                 size_t max_chars);

/* Writes s to f as text for a terminal: newline and tab pass, every other
 * control character (C0, DEL, and the UTF-8 C1 range U+0080..U+009F) is
 * written as Python writes it escaped, "\x1b", so nothing a lesson
 * computes (a print() of '\x1b]52;...') can drive the terminal. Returns
 * what fputs returns for the last piece (EOF on an error). */
int base_fputs_safe(const char *s, FILE *f);

/* fflush(f), keeping the errno of the first failure for base_flush_errno():
 * stdio keeps only an error flag, so the final check at exit could no
 * longer say why (ENOSPC, EPIPE) once a flush along the way had failed.
 * Returns fflush's result. */
int base_flush(FILE *f);

/* The errno of the first failed base_flush() of this process, or 0. */
int base_flush_errno(void);

/* Writes s as a JSON string, quotes included: " and \ escaped, \n \r \t
 * by name, other control bytes as \u00XX, UTF-8 passed through. */
void base_json_str(FILE *f, const char *s);

#endif
