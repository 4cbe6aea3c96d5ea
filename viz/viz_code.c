/* viz_code.c: the code panel's pure parts. See viz_code.h. */
#include "viz_code.h"

#include <math.h>

/* How many bytes from s[start..stop) fit in max_w (whole characters, at
 * least one). */
static int fit_bytes(const char *s, int start, int stop, int max_w, viz_wrap_width_fn width,
                     void *ud)
{
    int fit = start;
    while (fit < stop) {
        int cl;
        viz_utf8_next(s + fit, stop - fit, &cl);
        if (fit > start && width(ud, s + start, fit + cl - start) > max_w)
            break;
        fit += cl;
    }
    return fit;
}

/* Steps the string-literal state over s[i]: *q the open quote or 0.
 * Returns how many extra bytes the escape took. */
static int literal_step(const char *s, int i, int stop, char *q)
{
    char ch = s[i];
    if (*q) {
        if (ch == '\\' && i + 1 < stop)
            return 1;
        if (ch == *q)
            *q = 0;
    } else if (ch == '\'' || ch == '"') {
        *q = ch;
    }
    return 0;
}

int viz_code_wrap(const char *s, int len, int max_w, int indent, viz_wrap_width_fn width, void *ud,
                  int *starts, int *lens, int max)
{
    int pos = 0, n = 0;
    char quote = 0; /* the string literal open at pos */
    while (pos < len && n < max) {
        int room = n == 0 ? max_w : max_w - indent;
        int fit = fit_bytes(s, pos, len, room > 1 ? room : 1, width, ud);
        int end = len;
        if (fit < len) {
            int best = -1, space = -1, dot = -1;
            char q = quote;
            for (int i = pos; i < fit; i++) {
                char was = q;
                i += literal_step(s, i, fit, &q);
                if (was || q)
                    continue;
                if (i > pos && (s[i] == '(' || s[i] == ','))
                    best = i + 1;
                else if (s[i] == ' ' && i > pos)
                    space = i;
                else if (s[i] == '.' && i > pos && i + 1 < fit)
                    dot = i + 1;
            }
            end = best > pos ? best : space > pos ? space : fit;
            if (best <= pos && space <= pos && !q) {
                /* Nowhere to break: a dotted name breaks after its dot
                 * ("socket." / "SOL_SOCKET,"), else the row gives its
                 * last character to the next one rather than leave a
                 * lone "," or ")" to start it. */
                int next = fit;
                while (next < len && s[next] == ' ')
                    next++;
                bool closing = next < len && (s[next] == ',' || s[next] == ')' || s[next] == ']' ||
                                              s[next] == '}' || s[next] == ':');
                if (dot > pos)
                    end = dot;
                else if (closing && next == fit) {
                    int back = fit - 1;
                    while (back > pos && ((unsigned char)s[back] & 0xc0) == 0x80)
                        back--;
                    if (back > pos)
                        end = back;
                }
            }
        }
        for (int i = pos; i < end; i++)
            i += literal_step(s, i, end, &quote);
        int e = end;
        while (e > pos && s[e - 1] == ' ')
            e--;
        starts[n] = pos;
        lens[n] = e - pos;
        n++;
        pos = end;
        while (pos < len && s[pos] == ' ' && !quote)
            pos++;
    }
    return n;
}

void viz_code_cursor(const viz_code *code, int ncode, double progress, int *cur, int *blocked)
{
    int ran = 0;
    *blocked = -1;
    for (int i = 0; i < ncode; i++) {
        if (code[i].status.state == LESSON_STMT_BLOCKED && *blocked < 0)
            *blocked = i;
        if (code[i].status.state != LESSON_STMT_PENDING)
            ran = i + 1;
    }
    *cur = ran > 0 ? (int)floor(progress * ran - 1e-9) : -1;
    if (*cur < 0 && ran > 0)
        *cur = 0;
    if (progress >= 1 && *blocked >= 0)
        *cur = *blocked;
}

int viz_code_paginate(const int *rows, int n, int room, int *first, int max_pages)
{
    int pages = 0, used = 0;
    first[pages++] = 0;
    for (int i = 0; i < n; i++) {
        if (used > 0 && used + rows[i] > room && pages < max_pages) {
            first[pages++] = i;
            used = 0;
        }
        used += rows[i];
    }
    first[pages] = n;
    return pages;
}

int viz_code_page_of(const int *first, int pages, int stmt)
{
    int p = 0;
    while (p + 1 < pages && stmt >= first[p + 1])
        p++;
    return p;
}

int viz_code_page_start(const int *rows, int n, int room, const int *first, int pages, int page)
{
    int s0 = first[page];
    if (page + 1 < pages || page == 0)
        return s0;
    int sum = 0;
    for (int i = s0; i < n; i++)
        sum += rows[i];
    while (s0 - 1 > first[page - 1] && sum + rows[s0 - 1] <= room)
        sum += rows[--s0];
    return s0;
}
