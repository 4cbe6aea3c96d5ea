/* viz_prompt.h: the window's one-line "what if" prompt.
 *
 * Tab opens it; the teacher types a lesson line (`client: s.send(b'x' *
 * 5000)`, `server: ...`, `model rcvbuf=4096`) and Enter hands it to the
 * app, which runs it as a new step (viz_app.c). Editing is a shell's:
 * Left/Right, Home/End (Ctrl+A/Ctrl+E), Backspace/Delete, Up/Down
 * through the history, Ctrl+V / Shift+Insert paste (SDL clipboard), and
 * text arrives as SDL_TEXTINPUT, so an IME's Japanese works (its
 * composition, SDL_TEXTEDITING, is shown at the cursor). A parse error
 * is shown under the line with a caret at its column. Esc closes it.
 * Called by viz_app.c; tests drive it through viz_app_handle_event().
 */
#ifndef SOCKBUF_VIZ_PROMPT_H
#define SOCKBUF_VIZ_PROMPT_H

#include <SDL.h>
#include <stdbool.h>

#include "viz_draw.h"
#include "viz_font.h"

enum {
    VIZ_PROMPT_LEN = 512,   /* bytes of one line, NUL included */
    VIZ_PROMPT_HISTORY = 32 /* lines kept for Up/Down */
};

typedef struct viz_prompt viz_prompt;

/* What an event did to the prompt. */
typedef enum {
    VIZ_PROMPT_IGNORED = 0, /* not the prompt's (it is closed) */
    VIZ_PROMPT_EDITED,      /* taken: the line, cursor or error changed (or nothing) */
    VIZ_PROMPT_SUBMIT,      /* Enter: viz_prompt_text() is the line to run */
    VIZ_PROMPT_CANCEL,      /* Esc: closed */
} viz_prompt_result;

/* A closed, empty prompt. NULL when out of memory. */
viz_prompt *viz_prompt_new(void);

/* Frees it. Accepts NULL. */
void viz_prompt_free(viz_prompt *p);

/* Opens it (empty line, no error) and starts SDL text input when a video
 * subsystem is there; closing stops it. */
void viz_prompt_open(viz_prompt *p);
void viz_prompt_close(viz_prompt *p);
bool viz_prompt_is_open(const viz_prompt *p);

/* Handles a key, text or editing event while open. */
viz_prompt_result viz_prompt_handle_event(viz_prompt *p, const SDL_Event *ev);

/* The line as typed (NUL-terminated), and the cursor's byte offset. */
const char *viz_prompt_text(const viz_prompt *p);
int viz_prompt_cursor(const viz_prompt *p);

/* Shows msg under the line with a caret at col (1-based bytes; 0: no
 * caret); NULL clears it. The text stays for the teacher to fix. */
void viz_prompt_set_error(viz_prompt *p, int col, const char *msg);

/* The error shown, or NULL; its column in *col. */
const char *viz_prompt_error(const viz_prompt *p, int *col);

/* Adds a line to the history (Up brings back the latest first). */
void viz_prompt_history_add(viz_prompt *p, const char *line);

/* Draws the prompt (when open) as a bar at the bottom of w x h. */
void viz_prompt_draw(const viz_prompt *p, SDL_Renderer *r, viz_text *t, const viz_ui *ui, int w,
                     int h);

#endif
