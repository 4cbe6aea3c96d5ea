/* lesson_lex.c: the parser's state and the lexer. See lesson_lex.h.
 *
 * Diagnostics keep their line and column; the variables a side has bound
 * let the expression parser check names and types as it reads; the lexer
 * reads one code line into tokens (Python's literals, escapes included).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson_lex.h"
#include "lesson_uninames.h"

/* --------------------------------------------------------------- parser */

void lesson_perr(parser *p, int line, int col, const char *fmt, ...)
{
    if (p->nerr < LESSON_MAX_DIAGS && p->diags) {
        lesson_diag *d = &p->diags[p->nerr];
        va_list ap;
        d->line = line;
        d->col = col < 1 ? 1 : col;
        va_start(ap, fmt);
        vsnprintf(d->message, sizeof d->message, fmt, ap);
        va_end(ap);
        /* One line each, whatever a quoted name contains. */
        for (char *c = d->message; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7F)
                *c = '?';
    }
    p->nerr++;
    if (p->ndiags)
        *p->ndiags = p->nerr < LESSON_MAX_DIAGS ? p->nerr : LESSON_MAX_DIAGS;
}

char *lesson_xstrndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

var_entry *lesson_pvar_find(parser *p, int side, const char *name, size_t len)
{
    for (int i = 0; i < p->nvars[side]; i++)
        if (strlen(p->vars[side][i].name) == len && !memcmp(p->vars[side][i].name, name, len))
            return &p->vars[side][i];
    return NULL;
}

bool lesson_pvar_set(parser *p, int side, const char *name, lesson_type t)
{
    var_entry *v = lesson_pvar_find(p, side, name, strlen(name));
    if (v) {
        v->type = t;
        return true;
    }
    if (p->nvars[side] >= LESSON_MAX_VARS)
        return false;
    char *n = lesson_xstrndup(name, strlen(name));
    if (!n)
        return false;
    p->vars[side][p->nvars[side]].name = n;
    p->vars[side][p->nvars[side]].type = t;
    p->nvars[side]++;
    return true;
}

/* ---------------------------------------------------------------- lexer */

int lesson_col_of(const lexer *L, size_t off)
{
    (void)L;
    return (int)(off + 1);
}

void lesson_lex_fail(lexer *L, size_t off, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    if (L->failed)
        return;
    L->failed = true;
    /* A name left undefined by an earlier broken line is not news. */
    if (L->p->nerr > 0 && !strncmp(fmt, "name '", 6))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    lesson_perr(L->p, L->p->line, lesson_col_of(L, off), "%s", msg);
}

/* Describes the current token for "found ..." in messages. */
void lesson_tok_describe(const lexer *L, char *out, size_t outlen)
{
    const token *t = &L->t;
    switch (t->kind) {
    case T_EOL:
        snprintf(out, outlen, "end of line");
        return;
    case T_INT:
    case T_FLOAT:
        snprintf(out, outlen, "number %.*s", (int)(t->len > 24 ? 24 : t->len), L->s + t->start);
        return;
    case T_BYTES:
        snprintf(out, outlen, "bytes literal");
        return;
    case T_STR:
        snprintf(out, outlen, "string literal");
        return;
    default:
        snprintf(out, outlen, "'%.*s%s'", (int)(t->len > 24 ? 24 : t->len), L->s + t->start,
                 t->len > 24 ? "..." : "");
        return;
    }
}

void lesson_tok_clear(token *t)
{
    free(t->data);
    t->data = NULL;
    t->dlen = 0;
}

static bool is_name_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool lesson_is_name_char(int c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static size_t utf8_put(uint8_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | (cp >> 6));
        o[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | (cp >> 12));
        o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | (cp >> 18));
    o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* The byte a one-letter escape such as \n stands for, or -1 when e is not
 * one (\x, \u, octal and unknown escapes are read by the caller). */
static int simple_escape(char e)
{
    static const char letter[] = "\\'\"nrtabfv";
    static const char byte[] = "\\'\"\n\r\t\a\b\f\v";
    const char *hit = e ? strchr(letter, e) : NULL;
    return hit ? (unsigned char)byte[hit - letter] : -1;
}

/* Reads a Python string or bytes literal whose opening quote is at s[q].
 * Returns the offset after the closing quote, or 0 after reporting. The
 * decoded contents (malloc'd) go to *out. Shared by the lexer and `file`. */
size_t lesson_read_string(lexer *L, size_t q, bool is_bytes, bool raw, uint8_t **out,
                          size_t *outlen)
{
    const char *s = L->s;
    char quote = s[q];
    size_t i = q + 1, n = 0;
    /* Decoded output is never longer than the source. */
    uint8_t *o = malloc(L->len - q + 4);
    if (!o) {
        lesson_lex_fail(L, q, "out of memory");
        return 0;
    }
    while (i < L->len && s[i] != quote) {
        unsigned char c = (unsigned char)s[i];
        if (is_bytes && c >= 0x80) {
            lesson_lex_fail(L, i, "bytes can only contain ASCII literal characters");
            goto fail;
        }
        if (c != '\\' || raw) {
            o[n++] = c;
            i++;
            if (raw && c == '\\' && i < L->len)
                o[n++] = (uint8_t)s[i++];
            continue;
        }
        if (i + 1 >= L->len)
            break; /* unterminated */
        char e = s[i + 1];
        size_t at = i;
        i += 2;
        int one = simple_escape(e);
        if (one >= 0) {
            o[n++] = (uint8_t)one;
            continue;
        }
        switch (e) {
        case 'x': {
            int h1 = i < L->len ? hexval((unsigned char)s[i]) : -1;
            int h2 = i + 1 < L->len ? hexval((unsigned char)s[i + 1]) : -1;
            if (h1 < 0 || h2 < 0) {
                lesson_lex_fail(L, at, "invalid \\x escape: expected two hex digits");
                goto fail;
            }
            i += 2;
            if (is_bytes)
                o[n++] = (uint8_t)(h1 * 16 + h2);
            else
                n += utf8_put(o + n, (uint32_t)(h1 * 16 + h2));
            break;
        }
        case 'u':
        case 'U': {
            if (is_bytes) {
                o[n++] = '\\';
                o[n++] = (uint8_t)e;
                break;
            }
            int digits = e == 'u' ? 4 : 8;
            uint32_t cp = 0;
            for (int k = 0; k < digits; k++) {
                int h = i < L->len ? hexval((unsigned char)s[i]) : -1;
                if (h < 0) {
                    lesson_lex_fail(L, at, "invalid \\%c escape: expected %d hex digits", e,
                                    digits);
                    goto fail;
                }
                cp = cp * 16 + (uint32_t)h;
                i++;
            }
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                lesson_lex_fail(L, at, "invalid \\%c escape: not a Unicode code point", e);
                goto fail;
            }
            n += utf8_put(o + n, cp);
            break;
        }
        case 'N': {
            if (is_bytes) {
                o[n++] = '\\';
                o[n++] = (uint8_t)e;
                break;
            }
            /* \N{NAME}: a character by its Unicode name, as CPython. */
            const char *close = i < L->len && s[i] == '{' ? memchr(s + i, '}', L->len - i) : NULL;
            int32_t cp = close ? lesson_unicode_lookup(s + i + 1, (size_t)(close - s) - i - 1) : -1;
            if (!close) {
                lesson_lex_fail(L, at, "malformed \\N character escape: expected \\N{NAME}");
                goto fail;
            }
            if (cp < 0) {
                lesson_lex_fail(L, at,
                                "unknown Unicode character name '%.*s' (sockbuf knows "
                                "the names of common blocks only)",
                                (int)((size_t)(close - s) - i - 1), s + i + 1);
                goto fail;
            }
            i = (size_t)(close - s) + 1;
            n += utf8_put(o + n, (uint32_t)cp);
            break;
        }
        default:
            if (e >= '0' && e <= '7') {
                unsigned v = (unsigned)(e - '0');
                for (int k = 0; k < 2 && i < L->len && s[i] >= '0' && s[i] <= '7'; k++)
                    v = v * 8 + (unsigned)(s[i++] - '0');
                if (is_bytes)
                    o[n++] = (uint8_t)(v & 0xFF);
                else
                    n += utf8_put(o + n, v);
            } else {
                /* Python keeps unknown escapes as written. */
                o[n++] = '\\';
                i--;
            }
        }
    }
    if (i >= L->len) {
        lesson_lex_fail(L, q, "unterminated string literal: expected %c before end of line", quote);
        goto fail;
    }
    *out = o;
    *outlen = n;
    return i + 1;
fail:
    free(o);
    return 0;
}

/* Parses decimal digits at s[i..] into *v with overflow checks. */
size_t lesson_read_digits(const char *s, size_t i, size_t len, int64_t *v, bool *overflow)
{
    int64_t x = 0;
    *overflow = false;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        int d = s[i] - '0';
        if (x > (INT64_MAX - d) / 10)
            *overflow = true;
        else
            x = x * 10 + d;
        i++;
    }
    *v = x;
    return i;
}

void lesson_lex_next(lexer *L)
{
    token *t = &L->t;
    lesson_tok_clear(t);
    const char *s = L->s;
    while (L->pos < L->len && (s[L->pos] == ' ' || s[L->pos] == '\t'))
        L->pos++;
    t->start = L->pos;
    t->len = 0;
    if (L->failed || L->pos >= L->len || s[L->pos] == '#') {
        if (L->pos < L->len && s[L->pos] == '#' && L->code_end > L->pos)
            L->code_end = L->pos;
        t->kind = T_EOL;
        return;
    }
    size_t i = L->pos;
    unsigned char c = (unsigned char)s[i];
    /* String prefixes: b, r, rb, br in any case. */
    if (is_name_start(c)) {
        size_t j = i;
        while (j < L->len && lesson_is_name_char((unsigned char)s[j]))
            j++;
        size_t wl = j - i;
        if (j < L->len && (s[j] == '\'' || s[j] == '"') && wl <= 2) {
            bool b = false, r = false, ok = true;
            for (size_t k = i; k < j; k++) {
                char ch = (char)(s[k] | 0x20);
                if (ch == 'b' && !b)
                    b = true;
                else if (ch == 'r' && !r)
                    r = true;
                else
                    ok = false;
            }
            if (ok) {
                size_t end = lesson_read_string(L, j, b, r, &t->data, &t->dlen);
                if (!end) {
                    t->kind = T_BAD;
                    return;
                }
                t->kind = b ? T_BYTES : T_STR;
                t->len = end - i;
                L->pos = end;
                return;
            }
        }
        t->kind = T_NAME;
        t->len = wl;
        L->pos = j;
        return;
    }
    if (c == '\'' || c == '"') {
        size_t end = lesson_read_string(L, i, false, false, &t->data, &t->dlen);
        if (!end) {
            t->kind = T_BAD;
            return;
        }
        t->kind = T_STR;
        t->len = end - i;
        L->pos = end;
        return;
    }
    if ((c >= '0' && c <= '9') ||
        (c == '.' && i + 1 < L->len && s[i + 1] >= '0' && s[i + 1] <= '9')) {
        bool ovf = false;
        t->i = 0;
        size_t j = c == '.' ? i : lesson_read_digits(s, i, L->len, &t->i, &ovf);
        /* A float as Python reads it: digits, a '.' and more digits (either
         * side may be empty, not both), an exponent e[+-]DIGITS, or both. */
        size_t dot_end = j, exp_end = j;
        bool dot = false, expo = false;
        if (j < L->len && s[j] == '.') {
            size_t k = j + 1;
            while (k < L->len && s[k] >= '0' && s[k] <= '9')
                k++;
            /* `1.x` is not a float: Python reads `1.` then fails on the name */
            dot = true;
            dot_end = k;
        }
        exp_end = dot_end;
        if (exp_end < L->len && (s[exp_end] == 'e' || s[exp_end] == 'E')) {
            size_t k = exp_end + 1;
            if (k < L->len && (s[k] == '+' || s[k] == '-'))
                k++;
            if (k < L->len && s[k] >= '0' && s[k] <= '9') {
                while (k < L->len && s[k] >= '0' && s[k] <= '9')
                    k++;
                expo = true;
                exp_end = k;
            }
        }
        if (dot || expo) {
            size_t end = exp_end, nl = end - i;
            char small[128], *num = nl < sizeof small ? small : malloc(nl + 1);
            if (!num) {
                lesson_lex_fail(L, i, "out of memory");
                t->kind = T_BAD;
                L->pos = end;
                return;
            }
            memcpy(num, s + i, nl);
            num[nl] = '\0';
            t->f = strtod(num, NULL); /* correctly rounded, any length; past DBL_MAX: inf */
            if (num != small)
                free(num);
            if (!expo && !ovf && t->i <= 1000000000) {
                /* seconds with a fraction: microseconds exactly as written */
                int64_t frac = 0;
                int nd = 0;
                for (size_t k = j + 1; k < dot_end; k++)
                    if (nd < 6) {
                        frac = frac * 10 + (s[k] - '0');
                        nd++;
                    }
                while (nd < 6) {
                    frac *= 10;
                    nd++;
                }
                t->i = t->i * 1000000 + frac;
            } else if (t->f * 1e6 >= 9.2e18 || t->f != t->f) {
                t->i = INT64_MAX; /* past any wait a lesson may ask for */
            } else {
                t->i = (int64_t)(t->f * 1e6);
            }
            t->kind = T_FLOAT;
            j = end;
        } else {
            if (ovf) {
                /* Python's ints are unbounded: the digits are kept (no
                 * leading zeros), up to CPython's limit for a literal. */
                size_t z = i;
                while (z + 1 < j && s[z] == '0')
                    z++;
                if (j - z > LESSON_MAX_INT_DIGITS) {
                    lesson_lex_fail(L, i,
                                    "Exceeds the limit (%d digits) for integer string "
                                    "conversion: value has %zu digits",
                                    LESSON_MAX_INT_DIGITS, j - z);
                    t->kind = T_BAD;
                    L->pos = j;
                    return;
                }
                lesson_tok_clear(t);
                t->data = malloc(j - z);
                if (!t->data) {
                    lesson_lex_fail(L, i, "out of memory");
                    t->kind = T_BAD;
                    L->pos = j;
                    return;
                }
                memcpy(t->data, s + z, j - z);
                t->dlen = j - z;
                t->i = 0;
            }
            t->kind = T_INT;
        }
        if (j < L->len && lesson_is_name_char((unsigned char)s[j])) {
            lesson_lex_fail(L, j, "invalid decimal literal");
            t->kind = T_BAD;
            return;
        }
        t->len = j - i;
        L->pos = j;
        return;
    }
    static const char *const two[] = {"==", "!=", "<=", ">="};
    for (size_t k = 0; k < sizeof two / sizeof two[0]; k++) {
        if (i + 1 < L->len && s[i] == two[k][0] && s[i + 1] == two[k][1]) {
            t->kind = T_PUNCT;
            memcpy(t->op, two[k], 3);
            t->len = 2;
            L->pos = i + 2;
            return;
        }
    }
    if (strchr("(),.=*:<>-+|[]", c)) {
        t->kind = T_PUNCT;
        t->op[0] = (char)c;
        t->op[1] = '\0';
        t->len = 1;
        L->pos = i + 1;
        return;
    }
    t->kind = T_BAD;
    if (c >= 0x80) {
        size_t j = i + 1;
        while (j < L->len && ((unsigned char)s[j] & 0xC0) == 0x80)
            j++;
        lesson_lex_fail(L, i, "unexpected character '%.*s'", (int)(j - i), s + i);
    } else if (c < 0x20 || c == 0x7F) {
        lesson_lex_fail(L, i, "unexpected control character 0x%02x", c);
    } else {
        lesson_lex_fail(L, i, "unexpected character '%c'", c);
    }
}

bool lesson_tok_is(const lexer *L, const char *op)
{
    return L->t.kind == T_PUNCT && !strcmp(L->t.op, op);
}

bool lesson_tok_name(const lexer *L, const char *name)
{
    return L->t.kind == T_NAME && L->t.len == strlen(name) &&
           !memcmp(L->s + L->t.start, name, L->t.len);
}

/* Reports "expected WHAT WHERE, found X" at the current token. */
void lesson_expected(lexer *L, const char *what)
{
    char found[64];
    if (L->failed)
        return;
    lesson_tok_describe(L, found, sizeof found);
    lesson_lex_fail(L, L->t.start, "expected %s, found %s", what, found);
}

bool lesson_accept_op(lexer *L, const char *op, const char *what)
{
    if (lesson_tok_is(L, op)) {
        lesson_lex_next(L);
        return true;
    }
    lesson_expected(L, what);
    return false;
}
