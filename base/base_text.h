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

/* Writes s as a JSON string, quotes included: " and \ escaped, \n \r \t
 * by name, other control bytes as \u00XX, UTF-8 passed through. */
void base_json_str(FILE *f, const char *s);

#endif
