/* base_glossary.h: the one glossary of the words the window, live mode
 * and the lessons use for the same things, in English and Japanese.
 *
 * A lesson's narration and the window's labels must call the wire
 * 「ワイヤ」 everywhere, not 「ワイヤ」 in a lesson and 「回線」 in live mode.
 * Each row is a term, its English and Japanese words, and the Japanese
 * words to avoid for it (the ones that crept in). viz_live_draw.c takes
 * its words from here; `sockbuf check` warns about a lesson's Japanese
 * text that uses an avoided word (lesson_lint_japanese); and
 * tests/test_base_glossary.c fails when a source file or a bundled lesson
 * spells one. libc only.
 */
#ifndef SOCKBUF_BASE_GLOSSARY_H
#define SOCKBUF_BASE_GLOSSARY_H

#include <stdbool.h>
#include <stddef.h>

/* X(ID, "English", "Japanese", "avoided, |-separated") */
#define BASE_GLOSSARY(X)                                                                           \
    X(WIRE, "the wire", "ワイヤ", "回線")                                                          \
    X(SEND_BUFFER, "send buffer", "送信バッファ", "送りバッファ|送出バッファ")                     \
    X(RECV_BUFFER, "receive buffer", "受信バッファ", "受けバッファ|受取バッファ")                  \
    X(IN_FLIGHT, "in flight (sent, not ACKed)", "送信済み・未ACK", "ACK 待ち|ACK待ち")             \
    X(WINDOW, "window", "ウィンドウ", "ウインドウ")                                                \
    X(KERNEL, "kernel", "カーネル", "ＯＳ内部")

typedef enum {
#define BASE_TERM_ENUM(id, en, ja, avoid) BASE_TERM_##id,
    BASE_GLOSSARY(BASE_TERM_ENUM)
#undef BASE_TERM_ENUM
        BASE_TERM_COUNT
} base_term;

/* The term's word in English or Japanese (static storage; "" out of range). */
const char *base_term_word(base_term t, bool ja);

/* The first word the glossary avoids found in text (UTF-8), with the
 * term it stands for in *term; NULL when text uses none. The word is
 * written to out (cap bytes). */
const char *base_glossary_avoided(const char *text, base_term *term, char *out, size_t cap);

#endif
