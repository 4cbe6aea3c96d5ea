/* viz_font.h: fonts found by fontconfig and a cache of rendered text.
 *
 * The window and the offscreen renderer draw every label through this
 * module. Fonts are looked up with fontconfig (never a hard-coded path)
 * by family name, the faces the package depends on: "DejaVu Sans" (and its
 * bold) and "DejaVu Sans Mono" for Latin text; "Noto Sans CJK JP", else
 * "IPAGothic", for Japanese, and Noto Sans CJK JP Bold for bold Japanese.
 * So the window is laid out with the fonts the layout tests measured,
 * not whatever fontconfig calls "sans" on this machine. Only when a named
 * family is missing does fontconfig choose ("sans", "monospace",
 * "sans:lang=ja"), and that is said once on stderr. A Japanese font must
 * really cover Japanese (checked on U+3042 U+30BD U+6F22), so Japanese is
 * never drawn as tofu. A string holding a character outside
 * Latin is drawn by runs, as text engines fall back from font to font:
 * its printable ASCII in the Latin font of the face the caller asked for
 * (the Japanese font draws ' as a curly quote and \ as a yen sign), the
 * rest in the Japanese font, on one baseline. Measuring and wrapping use
 * the same runs.
 *
 * Rendered strings are cached as textures keyed by text, face, pixel size
 * and colour, so drawing the same label every frame costs a hash lookup and
 * a copy: nothing is allocated on a hit. Wrapped paragraphs are cached the
 * same way. Called by viz_draw.c (the scene) and the tests.
 */
#ifndef SOCKBUF_VIZ_FONT_H
#define SOCKBUF_VIZ_FONT_H

#include <SDL.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Typefaces the scene uses. */
typedef enum {
    VIZ_FACE_SANS = 0, /* labels and narration */
    VIZ_FACE_BOLD,     /* titles and headings */
    VIZ_FACE_MONO,     /* code */
    VIZ_FACE_JA,       /* Japanese; its ASCII is drawn in VIZ_FACE_SANS */
    VIZ_FACE_JA_BOLD,  /* bold Japanese: draws the Japanese of VIZ_FACE_BOLD text (its
                          ASCII in VIZ_FACE_BOLD); VIZ_FACE_JA's font when no bold
                          Japanese font is installed */
    VIZ_FACE_COUNT
} viz_face;

/* Horizontal anchor of viz_text_draw()'s x. */
typedef enum { VIZ_ALIGN_LEFT = 0, VIZ_ALIGN_CENTER, VIZ_ALIGN_RIGHT } viz_align;

/* Finds the file of a face with fontconfig and writes its path to out:
 * the face's named families in order (the family's own regular or bold
 * face, upright; a regular file fontconfig would embolden does not count),
 * else fontconfig's choice for a generic pattern, said once per face on
 * stderr with the family wanted and the file got. For VIZ_FACE_JA the
 * font must cover U+3042 U+30BD U+6F22; for VIZ_FACE_JA_BOLD it must also
 * really be bold (FC_WEIGHT >= bold): there is no regular fallback here.
 * Returns 0 or -ENOENT when no installed font fits. */
int viz_font_find(viz_face face, char *out, size_t outlen);

/* viz_font_find() that also writes the face's index in a collection
 * file (.ttc; 0 for a single font) to *index. */
int viz_font_find_index(viz_face face, char *out, size_t outlen, int *index);

/* Releases fontconfig's caches (FcFini); call once at exit, after every
 * viz_text is freed, so leak checkers see a clean exit. */
void viz_font_shutdown(void);

/* The error for a face no font was found for (viz_font_find() < 0):
 * which package to install. A static buffer, valid until the next call. */
const char *viz_font_missing(viz_face face);

/* True when the font file's charset (read through fontconfig) covers every
 * code point of the UTF-8 string (spaces and controls excepted). */
bool viz_font_covers(const char *path, const char *utf8);

/* True when the UTF-8 string holds a character outside Latin (>= U+0250),
 * i.e. one that needs the Japanese face. */
bool viz_text_needs_ja(const char *utf8);

typedef struct viz_text viz_text;

/* A text cache drawing onto r (borrowed; must outlive the cache). Opens
 * the Latin faces' fonts found by viz_font_find(); TTF_Init() must have
 * been called. Returns NULL with a message in err when one is missing.
 * The Japanese faces are found and opened when Japanese text is first
 * measured or drawn, or by viz_text_open_face(); when
 * none is installed that is said once on stderr (viz_font_missing()) and
 * the Latin font draws the Japanese (as boxes). r may be
 * NULL, to open the fonts on another thread while the window is made
 * (the window does, at start-up); then viz_text_set_renderer() before
 * any drawing. */
viz_text *viz_text_new(SDL_Renderer *r, char *err, size_t errlen);

/* Finds and opens face now, as the first text drawn in it would: the
 * window's fonts' thread opens the faces its first frame draws (the
 * Japanese one too: an English window's footer says "L 日本語"). False
 * when no installed font fits it. */
bool viz_text_open_face(viz_text *t, viz_face face);

/* Sets the renderer a cache made with r NULL draws onto (borrowed). */
void viz_text_set_renderer(viz_text *t, SDL_Renderer *r);

/* Frees every cached texture and font. Accepts NULL. */
void viz_text_free(viz_text *t);

/* Draws utf8 with its top at y, anchored at x by align; size_px is the
 * font's pixel size. Returns the width drawn in pixels (0 for an empty
 * string or when rendering failed). */
int viz_text_draw(viz_text *t, const char *utf8, viz_face face, int size_px, SDL_Color color, int x,
                  int y, viz_align align);

/* Measures utf8 as viz_text_draw() would draw it. Returns 0 or -1. */
int viz_text_size(viz_text *t, const char *utf8, viz_face face, int size_px, int *w, int *h);

/* Line height of a face at size_px, in pixels. */
int viz_text_line_height(viz_text *t, viz_face face, int size_px);

/* Line height of a wrapped paragraph: the line height plus some leading,
 * so Japanese lines do not touch. */
int viz_text_para_line_height(viz_text *t, viz_face face, int size_px);

enum { VIZ_WRAP_MAX_LINES = 12 };

/* Breaks utf8 into lines no wider than max_w_px by viz_wrap_prose()'s
 * rules (at spaces and between Japanese characters, with kinsoku, numbers
 * kept with their units and no short last line). Writes each
 * line's start offset and length into starts/lens (at most max lines,
 * the last one cut with an ellipsis if the text does not fit) and returns
 * the line count. The result is cached. */
int viz_text_wrap(viz_text *t, const char *utf8, viz_face face, int size_px, int max_w_px,
                  int *starts, int *lens, int max);

/* Breaks one line of code into rows for a panel max_w_px wide, keeping
 * every character: rows after the first have indent_px less room (the
 * caller indents them), and each row ends, where it can, after ", ", ","
 * or "(" outside a string literal (else after a space, else where the row
 * is full). Writes each row's start offset and length (trailing spaces
 * dropped) and returns the row count; at most max rows (and
 * VIZ_WRAP_MAX_LINES), the text past them not shown. Cached. */
int viz_text_wrap_code(viz_text *t, const char *utf8, viz_face face, int size_px, int max_w_px,
                       int indent_px, int *starts, int *lens, int max);

/* Draws a wrapped paragraph from (x, y); returns its height in pixels. */
int viz_text_draw_wrapped(viz_text *t, const char *utf8, viz_face face, int size_px,
                          SDL_Color color, int x, int y, int max_w_px, int max_lines);

/* The height viz_text_draw_wrapped() would draw utf8 in, drawing and
 * rendering nothing (the scene's layout pass measures with it). */
int viz_text_wrapped_height(viz_text *t, const char *utf8, viz_face face, int size_px,
                            int max_w_px, int max_lines);

/* Renders utf8 into the cache as viz_text_draw() would, drawing nothing,
 * so a later draw of it costs a lookup: the window fills the cache with
 * the next step's text between frames. Returns false when rendering
 * failed. */
bool viz_text_prepare(viz_text *t, const char *utf8, viz_face face, int size_px, SDL_Color color);

/* The same for a paragraph as viz_text_draw_wrapped() would draw it. */
void viz_text_prepare_wrapped(viz_text *t, const char *utf8, viz_face face, int size_px,
                              SDL_Color color, int max_w_px, int max_lines);

/* Sees every text drawn: where it landed (drawn), the box the drawer
 * meant it to stay in (viz_text_set_box; w 0 when none was set), the text
 * and its pixel size. The layout tests collect these to find labels that
 * overlap or leave their box; the window sets none. */
typedef void (*viz_text_hook)(void *ud, const SDL_Rect *drawn, const SDL_Rect *box,
                              const char *utf8, int size_px);

/* Installs fn (NULL: none) with its user data ud (borrowed). */
void viz_text_set_hook(viz_text *t, viz_text_hook fn, void *ud);

/* The box the texts drawn from now on must stay in (copied), or NULL for
 * none. Only the hook reads it: drawing is not clipped. */
void viz_text_set_box(viz_text *t, const SDL_Rect *box);

/* Drawing one page of a scene taller than the window (the renderer's
 * viewport moved up by -dy): the hook sees each text moved by dy, and
 * only the texts that reach into window rows [y0, y1). y1 0: no page,
 * the hook sees every text where it is drawn. */
void viz_text_set_view(viz_text *t, int dy, int y0, int y1);

/* The font file drawing the Japanese of text in face (its VIZ_FACE_JA
 * or VIZ_FACE_JA_BOLD font, after the fallback), borrowed from t: the
 * tests check that bold Japanese is drawn in a bold font. Looks the font
 * up if no Japanese text has been drawn yet. */
const char *viz_text_ja_font_path(viz_text *t, viz_face face);

/* How many renders missed the cache: the tests check that a repeated
 * frame renders nothing new. */
uint64_t viz_text_misses(const viz_text *t);

#endif
