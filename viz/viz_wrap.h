/* viz_wrap.h: where a paragraph of prose breaks into lines, as a pure
 * function of the text and a width measure.
 *
 * Lines break at spaces and between Japanese characters, following the
 * Japanese line-breaking rules (kinsoku): no line starts with closing
 * punctuation, a small kana or a prolonged sound mark (、。」ょー), no
 * line ends with an opening bracket (「（), a number stays with its unit
 * ("4096 バイト", "8,192 B"), a Latin word is never split while it
 * could move whole, and a katakana word ("ループバック") moves whole when
 * the line it leaves stays well filled. The last line of a paragraph is no short orphan
 * ("す。"): characters move down from the line before until it holds a
 * few. viz_font.c measures with the fonts; the tests with fixed widths.
 */
#ifndef SOCKBUF_VIZ_WRAP_H
#define SOCKBUF_VIZ_WRAP_H

#include <stdbool.h>
#include <stdint.h>

/* Width in pixels of s[0..len) drawn on one line (len bytes, not
 * NUL-terminated; whole characters). ud is the caller's. */
typedef int (*viz_wrap_width_fn)(void *ud, const char *s, int len);

/* The fewest characters (spaces not counted) a paragraph's last line
 * holds when the line before can give some. */
enum { VIZ_WRAP_MIN_TAIL_CHARS = 3 };

/* Breaks utf8[0..len) into lines no wider than max_w_px as width
 * measures them; a '\n' ends a paragraph. Writes each line's start
 * offset and length in bytes (spaces at its ends dropped) into
 * starts/lens, at most max lines, and returns the line count (the text
 * past max lines is not placed). A character wider than max_w_px alone
 * gets a line of its own. */
int viz_wrap_prose(const char *utf8, int len, int max_w_px, viz_wrap_width_fn width, void *ud,
                   int *starts, int *lens, int max);

/* Whether lines that viz_wrap_prose() wrote for utf8[0..len) cut a word:
 * a line ends with no space after it between two characters that are not
 * Japanese ("colou|rs", "colours|:"), which the rules allow only when the
 * word is wider than the line alone; or inside a Japanese word (a
 * katakana run, a kanji compound, a kana run, a Latin word after a kanji:
 * "色の意|味", "カー|ネル"), which the rules allow when moving the word
 * whole would leave its line too empty. A caller that can draw smaller
 * text does so then, and cuts only as a last resort. */
bool viz_wrap_cuts_word(const char *utf8, int len, const int *starts, const int *lens, int n);

/* Decodes one UTF-8 code point at s (len > 0 bytes left); *n gets its
 * length. Invalid bytes decode as U+FFFD of length 1. */
uint32_t viz_utf8_next(const char *s, int len, int *n);

#endif
