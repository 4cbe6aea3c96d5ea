/* viz_session.c: building and saving a session's lesson text. See
 * viz_session.h. Lines are cut at '\n'; the text keeps its own bytes.
 */
#include "viz_session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int viz_session_read(const char *path, char **text)
{
    *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    int rc = 0;
    char chunk[8192];
    size_t n;
    if (!m)
        rc = -ENOMEM;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (fwrite(chunk, 1, n, m) != n)
            rc = -ENOMEM;
    if (!rc && ferror(f))
        rc = -EIO;
    if (m)
        fclose(m);
    fclose(f);
    if (rc)
        free(buf);
    else
        *text = buf;
    return rc;
}

/* Offset of the start of line `line` (1-based) in text, or strlen(text)
 * when it has fewer lines; *lines_before gets the count of lines kept. */
static size_t line_offset(const char *text, int line, int *lines_before)
{
    size_t off = 0;
    int l = 1;
    while (text[off] && (line <= 0 || l < line)) {
        const char *nl = strchr(text + off, '\n');
        if (!nl) {
            off = strlen(text);
            l++;
            break;
        }
        off = (size_t)(nl - text) + 1;
        l++;
    }
    *lines_before = l - 1;
    return off;
}

/* text[0..off) ending in a newline, then the rest formatted. */
static char *text_splice(const char *text, size_t off, const char *insert, const char *rest,
                         int *lines_before)
{
    bool nl = off > 0 && text[off - 1] != '\n';
    size_t a = strlen(insert), b = rest ? strlen(rest) : 0;
    char *o = malloc(off + 1 + a + b + 1);
    if (!o)
        return NULL;
    memcpy(o, text, off);
    size_t k = off;
    if (nl) {
        o[k++] = '\n';
        (*lines_before)++;
    }
    memcpy(o + k, insert, a);
    k += a;
    if (b)
        memcpy(o + k, rest, b);
    o[k + b] = 0;
    return o;
}

char *viz_session_add_step(const char *text, int cut_line, const char *typed, int *typed_line)
{
    int before = 0;
    size_t off = line_offset(text, cut_line, &before);
    char *ins = NULL;
    if (asprintf(&ins,
                 "\nstep     What if: %s\nstep.ja  もしも: %s\n"
                 "say      Typed in the window: what does this line do to the buffers?\n"
                 "say.ja   ウィンドウで入力した行です。バッファはどう変わるでしょう？\n%s\n",
                 typed, typed, typed) < 0)
        return NULL;
    char *o = text_splice(text, off, ins, NULL, &before);
    free(ins);
    if (o)
        *typed_line = before + 6;
    return o;
}

char *viz_session_add_model(const char *text, int first_step_line, const char *model_line,
                            int *model_line_no)
{
    int before = 0;
    size_t off = line_offset(text, first_step_line, &before);
    char *ins = NULL;
    if (asprintf(&ins, "%s\n", model_line) < 0)
        return NULL;
    char *o = text_splice(text, off, ins, text + off, &before);
    free(ins);
    if (o)
        *model_line_no = before + 1;
    return o;
}

int viz_session_save(const char *dir, const char *text, char *path, size_t cap)
{
    for (int n = 1; n < 10000; n++) {
        snprintf(path, cap, "%s/sockbuf-session-%d.lesson", dir, n);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            return -errno;
        size_t len = strlen(text), done = 0;
        int rc = 0;
        while (done < len) {
            ssize_t w = write(fd, text + done, len - done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                rc = -errno;
                break;
            }
            done += (size_t)w;
        }
        if (close(fd) < 0 && !rc)
            rc = -errno;
        return rc;
    }
    return -EEXIST;
}

/* ---- a typed line's side ------------------------------------------- */

static bool ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool ident_char(char c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

bool viz_session_has_directive(const char *line)
{
    static const char *const words[] = {
        "wait",    "expect", "expect.sim", "expect.real", "expect.wire", "model",
        "say",     "say.ja", "why",        "why.ja",      "pace",        "step",
        "step.ja", "ask",    "ask.ja",     "choice",      "choice.ja",   "answer",
        "lesson",  "title",  "title.ja",   "file"};
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = 0;
    while (p[n] && p[n] != ' ' && p[n] != '\t')
        n++;
    if (n > 0 && p[n - 1] == ':')
        return true; /* client:, server:, or a side misspelt: the parser says which */
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && !strncmp(p, words[i], n))
            return true;
    return false;
}

/* The name a statement acts on: the first NAME followed by '.' outside
 * quotes, else its first name not called (print(x): x), else its first
 * name. Written to out (cap bytes). */
static void acted_on(const char *code, char *out, size_t cap)
{
    const char *first = NULL, *plain = NULL;
    size_t first_n = 0, plain_n = 0;
    char quote = 0;
    out[0] = 0;
    for (const char *p = code; *p; p++) {
        if (quote) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == quote)
                quote = 0;
            continue;
        }
        if (*p == '\'' || *p == '"') {
            quote = *p;
            continue;
        }
        if (!ident_start(*p) || (p > code && (ident_char(p[-1]) || p[-1] == '.')))
            continue;
        size_t n = 1;
        while (ident_char(p[n]))
            n++;
        if (!first) {
            first = p;
            first_n = n;
        }
        if (!plain && p[n] != '(') {
            plain = p;
            plain_n = n;
        }
        if (p[n] == '.') {
            snprintf(out, cap, "%.*s", (int)n, p);
            return;
        }
        p += n - 1;
    }
    if (plain)
        snprintf(out, cap, "%.*s", (int)plain_n, plain);
    else if (first)
        snprintf(out, cap, "%.*s", (int)first_n, first);
}

/* Whether statement code (one side's) owns name: assigns it, binds it
 * with `as` or `for`, or calls a method of it. */
static bool owns(const char *code, const char *name)
{
    size_t n = strlen(name);
    if (!n)
        return false;
    char quote = 0;
    const char *eq = NULL; /* the first '=' of an assignment, outside quotes */
    for (const char *p = code; *p && !eq; p++) {
        if (quote) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == quote)
                quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '(' || *p == '[') {
            break; /* keyword arguments are not assignments */
        } else if (*p == '=' && p[1] != '=' && (p == code || !strchr("=!<>+-*/%&|^", p[-1]))) {
            eq = p;
        }
    }
    for (const char *p = code; (p = strstr(p, name)) != NULL; p += n) {
        bool whole =
            (p == code || !ident_char(p[-1])) && !ident_char(p[n]) && (p == code || p[-1] != '.');
        if (!whole)
            continue;
        if (eq && p < eq)
            return true; /* NAME = ..., A, NAME = ... */
        if (p[n] == '.')
            return true; /* NAME.method(...) */
        const char *q = p;
        while (q > code && q[-1] == ' ')
            q--;
        if ((q - code >= 2 && !strncmp(q - 2, "as", 2)) ||
            (q - code >= 3 && !strncmp(q - 3, "for", 3)))
            return true;
    }
    return false;
}

int viz_session_infer_side(const lesson_doc *doc, int upto_step, const char *line, char *name,
                           size_t cap)
{
    acted_on(line, name, cap);
    bool side[2] = {false, false};
    for (int k = 0; doc && name[0] && k <= upto_step && k < (int)doc->nsteps; k++)
        for (size_t i = 0; i < doc->steps[k].nlines; i++) {
            const lesson_line *l = &doc->steps[k].lines[i];
            if (l->kind == LESSON_LINE_STMT && l->code && owns(l->code, name))
                side[l->side == LESSON_SERVER] = true;
        }
    if (side[0] && side[1])
        return -2;
    return side[0] ? LESSON_CLIENT : side[1] ? LESSON_SERVER : -1;
}
