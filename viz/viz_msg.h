/* viz_msg.h: the lesson parser's messages in the window's language.
 *
 * The parser (lessons/) writes its diagnostics in English, as the CLI
 * prints them. When the teacher types a line into the what-if prompt in
 * Japanese mode, the window shows the diagnostic in Japanese: the English
 * message is matched against a table of the parser's message formats,
 * and the parts it quoted (names, counts) are put into the Japanese
 * sentence. A message the table does not know stays English. Called by
 * viz_app.c; pure string work.
 */
#ifndef SOCKBUF_VIZ_MSG_H
#define SOCKBUF_VIZ_MSG_H

#include <stddef.h>

#include "viz_draw.h" /* viz_lang */

/* Writes msg in lang into out (outlen bytes, NUL-terminated, cut on a
 * character boundary) and returns out. For VIZ_LANG_EN, or a message
 * the table does not know, out gets msg unchanged. */
const char *viz_msg_translate(viz_lang lang, const char *msg, char *out, size_t outlen);

#endif
