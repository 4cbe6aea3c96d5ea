/* viz_prompt.c: the one-line prompt. See viz_prompt.h.
 *
 * The line is a NUL-terminated UTF-8 buffer with a byte cursor that moves
 * by whole code points. History is a ring of the last lines; Up from the
 * line being typed keeps it as a draft that Down brings back.
 */
#include "viz_prompt.h"
#include "viz_theme.h"

enum { VIZ_PROMPT_ERROR_LINES = 3 }; /* an error wraps onto this many lines at most */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct viz_prompt {
    bool open;
    char line[VIZ_PROMPT_LEN];
    int len, cursor;              /* bytes */
    char compose[VIZ_PROMPT_LEN]; /* IME composition, not yet committed */
    char draft[VIZ_PROMPT_LEN];   /* the line typed before Up */
    char hist[VIZ_PROMPT_HISTORY][VIZ_PROMPT_LEN];
    int nhist; /* lines in hist, oldest first */
    int hpos;  /* browsing: index in hist, or nhist */
    char error[300];
    int error_col;
    bool has_error;
};

viz_prompt *viz_prompt_new(void)
{
    return calloc(1, sizeof(viz_prompt));
}

void viz_prompt_free(viz_prompt *p)
{
    free(p);
}

void viz_prompt_open(viz_prompt *p)
{
    p->open = true;
    p->line[0] = p->compose[0] = 0;
    p->len = p->cursor = 0;
    p->hpos = p->nhist;
    p->has_error = false;
    if (SDL_WasInit(SDL_INIT_VIDEO))
        SDL_StartTextInput();
}

void viz_prompt_close(viz_prompt *p)
{
    p->open = false;
    p->compose[0] = 0;
}

bool viz_prompt_is_open(const viz_prompt *p)
{
    return p && p->open;
}

const char *viz_prompt_text(const viz_prompt *p)
{
    return p->line;
}

int viz_prompt_cursor(const viz_prompt *p)
{
    return p->cursor;
}

void viz_prompt_set_error(viz_prompt *p, int col, const char *msg)
{
    p->has_error = msg != NULL;
    p->error_col = col;
    snprintf(p->error, sizeof p->error, "%s", msg ? msg : "");
}

const char *viz_prompt_error(const viz_prompt *p, int *col)
{
    if (col)
        *col = p->error_col;
    return p->has_error ? p->error : NULL;
}

void viz_prompt_history_add(viz_prompt *p, const char *line)
{
    if (!line[0] || (p->nhist && !strcmp(p->hist[p->nhist - 1], line)))
        return;
    if (p->nhist == VIZ_PROMPT_HISTORY) {
        memmove(p->hist[0], p->hist[1], sizeof p->hist[0] * (VIZ_PROMPT_HISTORY - 1));
        p->nhist--;
    }
    snprintf(p->hist[p->nhist++], VIZ_PROMPT_LEN, "%s", line);
    p->hpos = p->nhist;
}

static void set_line(viz_prompt *p, const char *s)
{
    snprintf(p->line, sizeof p->line, "%s", s);
    p->len = (int)strlen(p->line);
    p->cursor = p->len;
}

/* Inserts s at the cursor: control characters (a pasted newline) become
 * spaces; what does not fit is dropped at a code point boundary. */
static void insert(viz_prompt *p, const char *s)
{
    int n = (int)strlen(s);
    while (n > 0 && p->len + n >= VIZ_PROMPT_LEN) {
        n--;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    if (n <= 0)
        return;
    memmove(p->line + p->cursor + n, p->line + p->cursor, (size_t)(p->len - p->cursor) + 1);
    for (int i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        p->line[p->cursor + i] = c < 0x20 || c == 0x7F ? ' ' : (char)c;
    }
    p->cursor += n;
    p->len += n;
}

static int prev_cp(const viz_prompt *p, int i)
{
    if (i <= 0)
        return 0;
    i--;
    while (i > 0 && ((unsigned char)p->line[i] & 0xC0) == 0x80)
        i--;
    return i;
}

static int next_cp(const viz_prompt *p, int i)
{
    if (i >= p->len)
        return p->len;
    i++;
    while (i < p->len && ((unsigned char)p->line[i] & 0xC0) == 0x80)
        i++;
    return i;
}

static void erase(viz_prompt *p, int from, int to)
{
    if (to <= from)
        return;
    memmove(p->line + from, p->line + to, (size_t)(p->len - to) + 1);
    p->len -= to - from;
    p->cursor = from;
}

static void paste(viz_prompt *p)
{
    if (!SDL_HasClipboardText())
        return;
    char *c = SDL_GetClipboardText();
    if (!c)
        return;
    /* One line: a pasted newline ends the paste. */
    char *nl = strpbrk(c, "\r\n");
    if (nl)
        *nl = 0;
    insert(p, c);
    SDL_free(c);
}

viz_prompt_result viz_prompt_handle_event(viz_prompt *p, const SDL_Event *ev)
{
    if (!p->open)
        return VIZ_PROMPT_IGNORED;
    if (ev->type == SDL_TEXTINPUT) {
        p->compose[0] = 0;
        insert(p, ev->text.text);
        return VIZ_PROMPT_EDITED;
    }
    if (ev->type == SDL_TEXTEDITING) {
        snprintf(p->compose, sizeof p->compose, "%s", ev->edit.text);
        return VIZ_PROMPT_EDITED;
    }
    if (ev->type != SDL_KEYDOWN)
        return ev->type == SDL_KEYUP ? VIZ_PROMPT_EDITED : VIZ_PROMPT_IGNORED;
    SDL_Keycode sym = ev->key.keysym.sym;
    Uint16 mod = ev->key.keysym.mod;
    bool ctrl = (mod & KMOD_CTRL) != 0;
    switch (sym) {
    case SDLK_ESCAPE:
        viz_prompt_close(p);
        return VIZ_PROMPT_CANCEL;
    case SDLK_RETURN:
    case SDLK_KP_ENTER:
        return p->compose[0] ? VIZ_PROMPT_EDITED : VIZ_PROMPT_SUBMIT;
    case SDLK_LEFT:
        p->cursor = prev_cp(p, p->cursor);
        break;
    case SDLK_RIGHT:
        p->cursor = next_cp(p, p->cursor);
        break;
    case SDLK_HOME:
        p->cursor = 0;
        break;
    case SDLK_END:
        p->cursor = p->len;
        break;
    case SDLK_BACKSPACE:
        erase(p, prev_cp(p, p->cursor), p->cursor);
        break;
    case SDLK_DELETE:
        erase(p, p->cursor, next_cp(p, p->cursor));
        break;
    case SDLK_UP:
        if (p->hpos > 0) {
            if (p->hpos == p->nhist)
                snprintf(p->draft, sizeof p->draft, "%s", p->line);
            set_line(p, p->hist[--p->hpos]);
        }
        break;
    case SDLK_DOWN:
        if (p->hpos < p->nhist) {
            p->hpos++;
            set_line(p, p->hpos == p->nhist ? p->draft : p->hist[p->hpos]);
        }
        break;
    case SDLK_INSERT:
        if (mod & KMOD_SHIFT)
            paste(p);
        break;
    default:
        if (ctrl && sym == SDLK_v)
            paste(p);
        else if (ctrl && sym == SDLK_a)
            p->cursor = 0;
        else if (ctrl && sym == SDLK_e)
            p->cursor = p->len;
        else if (ctrl && sym == SDLK_u)
            erase(p, 0, p->cursor);
        break; /* every other key is the prompt's too: its text comes as SDL_TEXTINPUT */
    }
    return VIZ_PROMPT_EDITED;
}

void viz_prompt_draw(const viz_prompt *p, SDL_Renderer *r, viz_text *t, const viz_ui *ui, int w,
                     int h)
{
    if (!p || !p->open || !r || !t)
        return;
    double s = (double)w / 1280 < (double)h / 720 ? (double)w / 1280 : (double)h / 720;
    double ts = s * (ui && ui->zoom > 0 ? ui->zoom : 1.0);
    bool ja = ui && ui->lang == VIZ_LANG_JA;
    int size = (int)(22 * ts + 0.5), small = (int)(18 * ts + 0.5);
    int lh = viz_text_line_height(t, VIZ_FACE_JA, size);
    int slh = viz_text_line_height(t, VIZ_FACE_JA, small);
    int pad = (int)(12 * s + 0.5);
    /* The error under the line, wrapped (what a prompt takes is long). */
    char msg[360] = "";
    int err_lines = 0, msg_w = w - 4 * pad - (int)(40 * s + 0.5);
    if (p->has_error) {
        snprintf(msg, sizeof msg, "%s %s", ja ? "エラー:" : "error:", p->error);
        int starts[VIZ_PROMPT_ERROR_LINES], lens[VIZ_PROMPT_ERROR_LINES];
        err_lines =
            viz_text_wrap(t, msg, VIZ_FACE_JA, small, msg_w, starts, lens, VIZ_PROMPT_ERROR_LINES);
        err_lines = err_lines < 1 ? 1 : err_lines;
    }
    int bh = pad + slh + pad / 2 + lh + pad + (p->has_error ? (1 + err_lines) * slh + pad / 2 : 0);
    /* Down over the footer: its key hints and messages do not apply while
     * the prompt is open (it has its own), and half-covered they overlap. */
    int bx = pad, bw = w - 2 * pad, by = h - bh - (int)(30 * s + 0.5);
    const viz_theme *th = viz_theme_now();
    SDL_SetRenderDrawColor(r, th->panel.r, th->panel.g, th->panel.b, 255);
    SDL_Rect box = {bx, by, bw, h - (int)(6 * s + 0.5) - by};
    SDL_RenderFillRect(r, &box);
    SDL_SetRenderDrawColor(r, th->accent.r, th->accent.g, th->accent.b, 255);
    SDL_RenderDrawRect(r, &box);
    SDL_Color dim = th->dim, text = th->text, key = th->accent;
    const char *hint = ja ? "もしも: client: / server: の文、または model KEY=VALUE   Enter 実行 · "
                            "↑↓ 履歴 · Esc 閉じる"
                          : "What if: a client: / server: statement, or model KEY=VALUE   Enter "
                            "run · ↑↓ history · Esc close";
    viz_text_draw(t, hint, VIZ_FACE_JA, small, dim, bx + pad, by + pad, VIZ_ALIGN_LEFT);
    int y = by + pad + slh + pad / 2;
    int x0 = bx + pad;
    int pw = viz_text_draw(t, ">", VIZ_FACE_MONO, size, key, x0, y, VIZ_ALIGN_LEFT);
    int tx = x0 + pw + (int)(10 * s + 0.5);
    /* the line in three parts: before the cursor, the composition, after */
    char before[VIZ_PROMPT_LEN];
    memcpy(before, p->line, (size_t)p->cursor);
    before[p->cursor] = 0;
    viz_face f = viz_text_needs_ja(p->line) || p->compose[0] ? VIZ_FACE_JA : VIZ_FACE_MONO;
    int cw = 0, chh = 0;
    if (before[0])
        viz_text_size(t, before, f, size, &cw, &chh);
    viz_text_draw(t, before, f, size, text, tx, y, VIZ_ALIGN_LEFT);
    int cx = tx + cw;
    if (p->compose[0]) {
        int ew = viz_text_draw(t, p->compose, VIZ_FACE_JA, size, key, cx, y, VIZ_ALIGN_LEFT);
        SDL_SetRenderDrawColor(r, key.r, key.g, key.b, 255);
        SDL_RenderDrawLine(r, cx, y + lh - 2, cx + ew, y + lh - 2);
        cx += ew;
    }
    viz_text_draw(t, p->line + p->cursor, f, size, text, cx, y, VIZ_ALIGN_LEFT);
    SDL_SetRenderDrawColor(r, th->key.r, th->key.g, th->key.b, 255);
    SDL_Rect caret = {cx, y, (int)(2 * s + 1), lh};
    SDL_RenderFillRect(r, &caret);
    if (p->has_error) {
        int ey = y + lh + pad / 2;
        int ex = tx;
        if (p->error_col >= 1 && p->error_col - 1 <= p->len) {
            char upto[VIZ_PROMPT_LEN];
            memcpy(upto, p->line, (size_t)(p->error_col - 1));
            upto[p->error_col - 1] = 0;
            int uw = 0, uh = 0;
            if (upto[0])
                viz_text_size(t, upto, f, size, &uw, &uh);
            ex = tx + uw;
            viz_text_draw(t, "^", VIZ_FACE_MONO, small, th->bad, ex, ey, VIZ_ALIGN_LEFT);
        }
        viz_text_draw_wrapped(t, msg, VIZ_FACE_JA, small, th->bad, tx, ey + slh, msg_w,
                              VIZ_PROMPT_ERROR_LINES);
    }
}
