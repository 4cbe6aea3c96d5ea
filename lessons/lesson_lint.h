/* lesson_lint.h: does the narration say what the picture shows?
 *
 * `sockbuf check` warns (never fails) when a step's narration names a
 * buffer figure that nothing on screen holds, so "8192 bytes fit in each
 * buffer" under bars that say "usable 4,096" is caught. The rule:
 *
 *   A number in a step's say or say.ja paragraph is a buffer figure when
 *   a byte unit follows it (after one space or '-': "B", "byte", "bytes",
 *   "KiB" (x1024), "MiB" (x1048576), "バイト"), or when it is 1000 or more
 *   (thousands separators allowed: "69,120") and no unit of time or rate
 *   follows it (ms, us, s, kbit, Mbit, Gbit...). Digits inside a word
 *   (SO_SNDBUF, FIN_WAIT1) or a decimal (5.4) are no number, and 0 and 1
 *   are no figure ("not 1 byte", 「1 バイトも」).
 *
 *   It must equal a value the screen holds in the step's picture: from the
 *   record before the step and the record after it (the window animates
 *   one into the other), in either mode, any socket's send queue, unsent,
 *   in flight, receive queue, sndbuf, rcvbuf, their usable parts and peer
 *   window, any application buffer's bytes and size, any value the step
 *   produced (an int, or a bytes/str value's length); the lesson's `file`
 *   sizes; and the literals of the step's statements (ints, bytes and str
 *   lengths, b'x' * 5000's 5000 and its length).
 */
#ifndef SOCKBUF_LESSON_LINT_H
#define SOCKBUF_LESSON_LINT_H

#include <stdint.h>

#include "lesson.h"
#include "lesson_record.h"

/* One number the narration says that nothing on screen holds. */
typedef struct {
    int line;       /* the say / say.ja line (the step's when unknown) */
    uint64_t value; /* the number, in bytes ("8 KiB": 8192) */
    char said[48];  /* as written, unit included: "8192 bytes", "8 KiB" */
} lesson_lint_finding;

/* Checks step si of doc against the records before it (NULL for the first
 * step) and after it. Writes at most max findings to out, in text order
 * (English paragraphs, then Japanese); returns how many there are in all. */
int lesson_lint_step(const lesson_doc *doc, int si, const lesson_record *before,
                     const lesson_record *after, lesson_lint_finding *out, int max);

/* What of step si of doc has English text and no Japanese (bits): the
 * window in Japanese would fall back to English there, so check warns.
 * Also the Japanese text's Western punctuation where Japanese wants its
 * own: a '?' or '!' or ',' right after a Japanese character (code in
 * the text keeps its commas: "setsockopt(SO_SNDBUF, 1)"). */
enum {
    LESSON_LINT_NO_TITLE_JA = 1u << 0,   /* step without step.ja */
    LESSON_LINT_NO_SAY_JA = 1u << 1,     /* say without say.ja */
    LESSON_LINT_NO_ASK_JA = 1u << 2,     /* ask or a choice without .ja */
    LESSON_LINT_WESTERN_PUNCT = 1u << 3, /* "でしょう?" rather than "でしょう？" */
    LESSON_LINT_GLOSSARY = 1u << 4       /* a word base_glossary.h avoids ("回線": ワイヤ) */
};
/* With LESSON_LINT_GLOSSARY, the word avoided and the glossary's word
 * for it go to avoided and instead (cap bytes each; may be NULL). */
unsigned lesson_lint_japanese(const lesson_doc *doc, int si, char *avoided, char *instead,
                              size_t cap);

#endif
