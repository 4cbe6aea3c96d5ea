/* lesson_parse.c: reads a .lesson file (SPEC.md section 3) into a lesson_doc.
 *
 * A hand-written line-oriented reader: each line is one directive; the
 * lines that hold Python (statements, expectations) go through a small
 * lexer and a recursive-descent parser into the trees of lesson_ast.h.
 * Every name the contract knows is checked here (methods, constants,
 * declared files, sides, model keys, attributes, states, exception names,
 * loopback hosts), so a lesson fails when it is read, not when it runs.
 *
 * Robustness: the input is untrusted. NUL bytes and invalid UTF-8 are
 * errors with a position; integers are parsed with overflow checks; the
 * parser's recursion is bounded by LESSON_MAX_DEPTH; everything is linear in
 * the input, so a 2 MB line costs a few milliseconds. After an error the
 * reader skips to the next line and stops after LESSON_MAX_DIAGS errors.
 *
 * Called by lesson_parse_file(), the CLI, the window and the tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lesson_lex.h"

/* ---------------------------------------------------------------- names */

const char *lesson_side_name(lesson_side side)
{
    return side == LESSON_SERVER ? "server" : "client";
}

/* ----------------------------------------------------------- directives */

typedef struct {
    const char *s; /* the whole line, without its end */
    size_t len;
    size_t pos; /* after the directive word and blanks */
} line_view;

static size_t skip_blank(const char *s, size_t i, size_t len)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

static size_t trim_end(const char *s, size_t start, size_t len)
{
    while (len > start && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return len;
}

/* Duration: N[.F](us|ms|s). Returns false after reporting. */
static bool parse_duration(parser *p, const char *s, size_t i, size_t end, uint64_t *us,
                           const char *what)
{
    int64_t whole;
    bool ovf;
    size_t j = lesson_read_digits(s, i, end, &whole, &ovf);
    uint64_t frac = 0, fdiv = 1;
    if (j == i) {
        lesson_perr(p, p->line, (int)i + 1, "expected a duration such as 5ms for %s, found '%.*s'",
                    what, (int)(end - i > 20 ? 20 : end - i), s + i);
        return false;
    }
    if (j < end && s[j] == '.') {
        j++;
        while (j < end && s[j] >= '0' && s[j] <= '9') {
            if (fdiv < 1000000) {
                frac = frac * 10 + (uint64_t)(s[j] - '0');
                fdiv *= 10;
            }
            j++;
        }
    }
    uint64_t mul;
    size_t ul = end - j;
    if (ul == 2 && !memcmp(s + j, "us", 2))
        mul = 1;
    else if (ul == 2 && !memcmp(s + j, "ms", 2))
        mul = 1000;
    else if (ul == 1 && s[j] == 's')
        mul = 1000000;
    else {
        lesson_perr(p, p->line, (int)j + 1,
                    "expected a unit 'us', 'ms' or 's' after %.*s, found %s%.*s%s",
                    (int)(j - i > 20 ? 20 : j - i), s + i, ul ? "'" : "nothing",
                    (int)(ul > 20 ? 20 : ul), s + j, ul ? "'" : "");
        return false;
    }
    if (ovf || (uint64_t)whole > LESSON_MAX_WAIT_US) {
        lesson_perr(p, p->line, (int)i + 1, "%s too long: at most 60s", what);
        return false;
    }
    uint64_t v = (uint64_t)whole * mul + frac * mul / fdiv;
    if (v > LESSON_MAX_WAIT_US) {
        lesson_perr(p, p->line, (int)i + 1, "%s too long: at most 60s", what);
        return false;
    }
    *us = v;
    return true;
}

/* Size: N[KiB|MiB]. */
static bool parse_size(parser *p, const char *s, size_t i, size_t end, uint64_t max, uint64_t *out,
                       const char *what)
{
    int64_t v;
    bool ovf;
    size_t j = lesson_read_digits(s, i, end, &v, &ovf);
    if (j == i) {
        lesson_perr(p, p->line, (int)i + 1, "expected a size in bytes for %s, found '%.*s'", what,
                    (int)(end - i > 20 ? 20 : end - i), s + i);
        return false;
    }
    uint64_t mul = 1;
    size_t ul = end - j;
    if (ul == 3 && !memcmp(s + j, "KiB", 3))
        mul = 1024;
    else if (ul == 3 && !memcmp(s + j, "MiB", 3))
        mul = 1024 * 1024;
    else if (ul != 0 && !(ul == 1 && s[j] == 'B')) {
        lesson_perr(p, p->line, (int)j + 1,
                    "expected 'KiB', 'MiB' or nothing after %.*s, found '%.*s'",
                    (int)(j - i > 20 ? 20 : j - i), s + i, (int)(ul > 20 ? 20 : ul), s + j);
        return false;
    }
    if (ovf || (uint64_t)v > max / mul) {
        lesson_perr(p, p->line, (int)i + 1, "%s too large: at most %llu bytes", what,
                    (unsigned long long)max);
        return false;
    }
    *out = (uint64_t)v * mul;
    return true;
}

static void parse_model(parser *p, const char *s, size_t i, size_t len)
{
    lesson_model *m = &p->doc->model;
    while ((i = skip_blank(s, i, len)) < len) {
        if (s[i] == '#')
            return;
        size_t k = i;
        while (k < len && s[k] != ' ' && s[k] != '\t')
            k++;
        size_t eq = i;
        while (eq < k && s[eq] != '=')
            eq++;
        if (eq == k) {
            lesson_perr(p, p->line, (int)i + 1,
                        "expected KEY=VALUE in the model line, found '%.*s'",
                        (int)(k - i > 30 ? 30 : k - i), s + i);
            return;
        }
        size_t kl = eq - i, v = eq + 1;
#define KEY(str) (kl == strlen(str) && !memcmp(s + i, str, kl))
        if (KEY("latency")) {
            if (!parse_duration(p, s, v, k, &m->latency_us, "latency"))
                return;
        } else if (KEY("rate")) {
            int64_t r;
            bool ovf;
            size_t j = lesson_read_digits(s, v, k, &r, &ovf);
            uint64_t mul = 0;
            size_t ul = k - j;
            if (ul == 4 && !memcmp(s + j, "kbit", 4))
                mul = 1000;
            else if (ul == 4 && !memcmp(s + j, "Mbit", 4))
                mul = 1000000;
            else if (ul == 4 && !memcmp(s + j, "Gbit", 4))
                mul = 1000000000;
            else if (ul == 3 && !memcmp(s + j, "bit", 3))
                mul = 1;
            if (j == v || !mul) {
                lesson_perr(p, p->line, (int)v + 1,
                            "expected a rate such as 10Mbit (units kbit, Mbit, Gbit), found '%.*s'",
                            (int)(k - v > 20 ? 20 : k - v), s + v);
                return;
            }
            if (ovf || r <= 0 || (uint64_t)r > 1000 * 1000000000ull / mul) {
                lesson_perr(p, p->line, (int)v + 1, "rate out of range: from 1bit to 1000Gbit");
                return;
            }
            m->rate_bps = (uint64_t)r * mul;
        } else if (KEY("mss")) {
            uint64_t x;
            if (!parse_size(p, s, v, k, 65535, &x, "mss"))
                return;
            if (x < 64) {
                lesson_perr(p, p->line, (int)v + 1, "mss too small: at least 64 bytes");
                return;
            }
            m->mss_bytes = (uint32_t)x;
        } else if (KEY("delayed_ack")) {
            uint64_t d;
            if (k - v == 2 && !memcmp(s + v, "on", 2))
                m->delayed_ack_us = 40000;
            else if (k - v == 3 && !memcmp(s + v, "off", 3))
                m->delayed_ack_us = 0;
            else if (parse_duration(p, s, v, k, &d, "delayed_ack"))
                m->delayed_ack_us = (int64_t)d;
            else
                return;
        } else if (KEY("sndbuf") || KEY("rcvbuf")) {
            uint64_t x;
            bool snd = KEY("sndbuf");
            if (!parse_size(p, s, v, k, 64u << 20, &x, snd ? "sndbuf" : "rcvbuf"))
                return;
            if (x < 1024) {
                lesson_perr(p, p->line, (int)v + 1, "%s too small: at least 1024 bytes",
                            snd ? "sndbuf" : "rcvbuf");
                return;
            }
            if (snd)
                m->sndbuf_bytes = (uint32_t)x;
            else
                m->rcvbuf_bytes = (uint32_t)x;
        } else {
            lesson_perr(p, p->line, (int)i + 1,
                        "unknown model key '%.*s' (known: latency, rate, mss, delayed_ack, sndbuf, "
                        "rcvbuf)",
                        (int)(kl > 30 ? 30 : kl), s + i);
            return;
        }
#undef KEY
        i = k;
    }
}

static void parse_file_directive(parser *p, const char *s, size_t i, size_t len)
{
    lesson_doc *d = p->doc;
    size_t k = i;
    while (k < len && s[k] != ' ' && s[k] != '\t')
        k++;
    if (k == i) {
        lesson_perr(p, p->line, (int)i + 1, "expected a file name after 'file', found end of line");
        return;
    }
    for (size_t j = i; j < k; j++) {
        char c = s[j];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok || (j == i && c == '.')) {
            lesson_perr(
                p, p->line, (int)j + 1,
                "file name must be a plain name (letters, digits, '.', '_', '-'), found '%c'", c);
            return;
        }
    }
    if (k - i > 100) {
        lesson_perr(p, p->line, (int)i + 1, "file name too long");
        return;
    }
    for (size_t f = 0; f < d->nfiles; f++)
        if (strlen(d->files[f].name) == k - i && !memcmp(d->files[f].name, s + i, k - i)) {
            lesson_perr(p, p->line, (int)i + 1, "file '%.*s' is declared twice", (int)(k - i),
                        s + i);
            return;
        }
    if (d->nfiles >= 8) {
        lesson_perr(p, p->line, 1, "too many files: at most 8");
        return;
    }
    size_t v = skip_blank(s, k, len);
    size_t vend = trim_end(s, v, len);
    lesson_file nf = {0};
    if (v < len && (s[v] == '"' || s[v] == '\'')) {
        lexer L = {.p = p, .s = s, .len = len, .pos = v, .code_end = len};
        size_t inline_len = 0; /* size_t is 32 bits in wasm32, size_bytes is not */
        size_t end = lesson_read_string(&L, v, false, false, &nf.inline_data, &inline_len);
        if (!end)
            return;
        nf.size_bytes = inline_len;
        if (skip_blank(s, end, len) < len && s[skip_blank(s, end, len)] != '#') {
            lesson_perr(p, p->line, (int)skip_blank(s, end, len) + 1,
                        "expected end of line after the file's text");
            free(nf.inline_data);
            return;
        }
    } else {
        if (v == len) {
            lesson_perr(
                p, p->line, (int)v + 1,
                "expected a size (200KiB) or a \"TEXT\" after the file name, found end of line");
            return;
        }
        if (!parse_size(p, s, v, vend, MAX_FILE_BYTES, &nf.size_bytes, "file"))
            return;
    }
    nf.name = lesson_xstrndup(s + i, k - i);
    lesson_file *nfiles = realloc(d->files, (d->nfiles + 1) * sizeof *nfiles);
    if (!nf.name || !nfiles) {
        free(nf.name);
        free(nf.inline_data);
        if (nfiles)
            d->files = nfiles;
        lesson_perr(p, p->line, 1, "out of memory");
        return;
    }
    d->files = nfiles;
    d->files[d->nfiles++] = nf;
}

static bool push_str(char ***arr, size_t *n, const char *s, size_t len)
{
    char *c = lesson_xstrndup(s, len);
    char **na = realloc(*arr, (*n + 1) * sizeof *na);
    if (!c || !na) {
        free(c);
        if (na)
            *arr = na;
        return false;
    }
    *arr = na;
    (*arr)[(*n)++] = c;
    return true;
}

/* Sets the line of the n-th paragraph just pushed (n paragraphs now),
 * growing *arr to n entries. */
static bool push_line(int **arr, size_t n, int line)
{
    int *na = realloc(*arr, n * sizeof *na);
    if (!na)
        return false;
    *arr = na;
    na[n - 1] = line;
    return true;
}

static lesson_line *new_line(parser *p)
{
    lesson_step *st = p->step;
    if (st->nlines >= MAX_LINES_PER_STEP) {
        lesson_perr(p, p->line, 1, "too many lines in one step: at most %d", MAX_LINES_PER_STEP);
        return NULL;
    }
    lesson_line *nl = realloc(st->lines, (st->nlines + 1) * sizeof *nl);
    if (!nl) {
        lesson_perr(p, p->line, 1, "out of memory");
        return NULL;
    }
    st->lines = nl;
    lesson_line *ln = &st->lines[st->nlines];
    memset(ln, 0, sizeof *ln);
    ln->line = p->line;
    ln->modes = LESSON_MODE_BOTH;
    return ln;
}

/* `client: STMT`, `expect[.sim|.real] SIDE: EXPR OP VALUE`; i at the side. */
static void parse_code_line(parser *p, const char *s, size_t i, size_t len, bool is_expect,
                            lesson_mode modes)
{
    size_t w = i;
    while (w < len && lesson_is_name_char((unsigned char)s[w]))
        w++;
    lesson_side side;
    if (w - i == 6 && !memcmp(s + i, "client", 6))
        side = LESSON_CLIENT;
    else if (w - i == 6 && !memcmp(s + i, "server", 6))
        side = LESSON_SERVER;
    else {
        if (w == i)
            lesson_perr(p, p->line, (int)i + 1, "expected 'client:' or 'server:', found %s",
                        i < len ? "something else" : "end of line");
        else
            lesson_perr(p, p->line, (int)i + 1,
                        "unknown side '%.*s': expected 'client' or 'server'",
                        (int)(w - i > 30 ? 30 : w - i), s + i);
        return;
    }
    size_t c = skip_blank(s, w, len);
    if (c >= len || s[c] != ':') {
        lesson_perr(p, p->line, (int)c + 1, "expected ':' after '%s', found %s",
                    lesson_side_name(side), c >= len ? "end of line" : "something else");
        return;
    }
    if (!p->step) {
        lesson_perr(p, p->line, (int)i + 1, "%s before the first 'step'",
                    is_expect ? "expectation" : "statement");
        return;
    }
    lexer L = {.p = p, .side = side, .s = s, .len = len, .pos = c + 1, .code_end = len};
    size_t code_start = skip_blank(s, c + 1, len);
    struct lesson_ast *a = is_expect ? lesson_parse_expectation(&L) : lesson_parse_statement(&L);
    lesson_tok_clear(&L.t);
    if (!a)
        return;
    lesson_line *ln = new_line(p);
    size_t code_end = trim_end(s, code_start, L.code_end);
    char *code = lesson_xstrndup(s + code_start, code_end - code_start);
    if (!ln || !code) {
        free(code);
        lesson_ast_free(a);
        return;
    }
    ln->kind = is_expect ? LESSON_LINE_EXPECT : LESSON_LINE_STMT;
    ln->side = side;
    ln->modes = modes;
    ln->code = code;
    ln->ast = a;
    p->step->nlines++;
}

/* ------------------------------------------------------------ questions */

const lesson_choice *lesson_question_choice(const lesson_question *q, char key)
{
    for (size_t k = 0; q && k < q->nchoices; k++)
        if (q->choices[k].key == key)
            return &q->choices[k];
    return NULL;
}

static void question_free(lesson_question *q)
{
    if (!q)
        return;
    free(q->text);
    free(q->text_ja);
    for (size_t k = 0; k < q->nchoices; k++) {
        free(q->choices[k].text);
        free(q->choices[k].text_ja);
    }
    free(q->choices);
    free(q);
}

/* The end of a step: its question, if any, must be whole. */
static void question_finish(parser *p)
{
    lesson_question *q = p->step ? p->step->question : NULL;
    if (!q || p->nerr) {
        free(p->answer_text);
        p->answer_text = NULL;
        return;
    }
    if (q->nchoices < 2)
        lesson_perr(p, q->line, 1,
                    "the question has %zu choice%s: expected at least two 'choice KEY TEXT'",
                    q->nchoices, q->nchoices == 1 ? "" : "s");
    else if (!q->answer)
        lesson_perr(p, q->line, 1, "the question has no 'answer KEY SIDE: EXPR OP VALUE'");
    else if (p->answer_text) {
        int line = p->line;
        size_t before = p->step->nlines;
        p->line = q->answer_line;
        parse_code_line(p, p->answer_text, p->answer_at, p->answer_len, true, LESSON_MODE_BOTH);
        p->line = line;
        if (p->step->nlines > before)
            q->answer_index = p->step->nlines - 1;
    }
    free(p->answer_text);
    p->answer_text = NULL;
}

/* KEY at s[i]: one capital letter followed by a blank. Returns its end. */
static size_t question_key(parser *p, const char *s, size_t i, size_t end, const char *what,
                           char *key)
{
    if (i >= end || s[i] < 'A' || s[i] > 'Z' ||
        (i + 1 < end && s[i + 1] != ' ' && s[i + 1] != '\t')) {
        lesson_perr(p, p->line, (int)i + 1,
                    "expected a choice key (a capital letter A-Z) after '%s', found %s", what,
                    i >= end ? "end of line" : "something else");
        return 0;
    }
    *key = s[i];
    return i + 1;
}

/* `ask`, `ask.ja`, `choice`, `choice.ja`, `answer` (SPEC.md section 5);
 * word is the directive, rest..rend its trimmed text. */
static void parse_question(parser *p, const char *word, size_t wl, const char *s, size_t i,
                           size_t rest, size_t rend, size_t len)
{
#define QIS(str) (wl == strlen(str) && !memcmp(word, str, wl))
    if (!p->step) {
        lesson_perr(p, p->line, (int)i + 1, "'%.*s' before the first 'step'", (int)wl, word);
        return;
    }
    lesson_question *q = p->step->question;
    if (QIS("ask")) {
        if (q) {
            lesson_perr(p, p->line, (int)i + 1,
                        "two questions in one step (the first is on line %d)", q->line);
            return;
        }
        if (rest == rend) {
            lesson_perr(p, p->line, (int)rest + 1,
                        "expected the question's text after 'ask', found end of line");
            return;
        }
        q = calloc(1, sizeof *q);
        if (!q || !(q->text = lesson_xstrndup(s + rest, rend - rest))) {
            free(q);
            lesson_perr(p, p->line, 1, "out of memory");
            return;
        }
        q->line = p->line;
        p->step->question = q;
        return;
    }
    if (!q) {
        lesson_perr(p, p->line, (int)i + 1,
                    "'%.*s' without a question: expected 'ask TEXT' first in the step", (int)wl,
                    word);
        return;
    }
    if (QIS("ask.ja")) {
        if (q->text_ja) {
            lesson_perr(p, p->line, (int)i + 1, "'ask.ja' given twice in one step");
            return;
        }
        if (rest == rend) {
            lesson_perr(p, p->line, (int)rest + 1,
                        "expected the question's text after 'ask.ja', found end of line");
            return;
        }
        q->text_ja = lesson_xstrndup(s + rest, rend - rest);
        return;
    }
    char key = 0;
    size_t k =
        question_key(p, s, rest, rend,
                     QIS("answer") ? "answer" : (QIS("choice") ? "choice" : "choice.ja"), &key);
    if (!k)
        return;
    size_t t = skip_blank(s, k, rend);
    if (QIS("choice")) {
        if (lesson_question_choice(q, key)) {
            lesson_perr(p, p->line, (int)rest + 1, "choice %c given twice (first on line %d)", key,
                        lesson_question_choice(q, key)->line);
            return;
        }
        if (q->answer) {
            lesson_perr(p, p->line, (int)i + 1,
                        "'choice' after the 'answer' (line %d): list the choices first",
                        q->answer_line);
            return;
        }
        if (t >= rend) {
            lesson_perr(p, p->line, (int)t + 1, "expected the text of choice %c, found end of line",
                        key);
            return;
        }
        if (q->nchoices >= 26)
            return; /* unreachable: keys are distinct letters */
        lesson_choice *nc = realloc(q->choices, (q->nchoices + 1) * sizeof *nc);
        if (!nc) {
            lesson_perr(p, p->line, 1, "out of memory");
            return;
        }
        q->choices = nc;
        lesson_choice *c = &nc[q->nchoices];
        memset(c, 0, sizeof *c);
        c->key = key;
        c->line = p->line;
        c->text = lesson_xstrndup(s + t, rend - t);
        q->nchoices++;
    } else if (QIS("choice.ja")) {
        lesson_choice *c = (lesson_choice *)lesson_question_choice(q, key);
        if (!c) {
            lesson_perr(p, p->line, (int)rest + 1,
                        "choice.ja %c: no 'choice %c' before it in this step", key, key);
            return;
        }
        if (c->text_ja) {
            lesson_perr(p, p->line, (int)i + 1, "'choice.ja %c' given twice", key);
            return;
        }
        if (t >= rend) {
            lesson_perr(p, p->line, (int)t + 1, "expected the text of choice %c, found end of line",
                        key);
            return;
        }
        c->text_ja = lesson_xstrndup(s + t, rend - t);
    } else { /* answer */
        if (q->answer) {
            lesson_perr(p, p->line, (int)i + 1,
                        "'answer' given twice in one step (first on line %d)", q->answer_line);
            return;
        }
        if (!lesson_question_choice(q, key)) {
            lesson_perr(p, p->line, (int)rest + 1, "answer %c names no listed choice", key);
            return;
        }
        /* The condition names what the step's statements assign, so it is
         * parsed as an expectation once the step is read (question_finish). */
        free(p->answer_text);
        p->answer_text = lesson_xstrndup(s, len);
        if (!p->answer_text) {
            lesson_perr(p, p->line, 1, "out of memory");
            return;
        }
        p->answer_len = len;
        p->answer_at = t;
        q->answer = key;
        q->answer_line = p->line;
    }
#undef QIS
}


/* `why SIDE.FIGURE TEXT` (or why.ja): the step's reason why the model's
 * and the kernel's figure differ. The English and the Japanese reason of
 * one figure share an entry. */
static void parse_why(parser *p, bool ja, const char *s, size_t i, size_t rest, size_t rend)
{
    const char *word = ja ? "why.ja" : "why";
    if (!p->step) {
        lesson_perr(p, p->line, (int)i + 1, "'%s' before the first 'step'", word);
        return;
    }
    size_t e = rest;
    while (e < rend && s[e] != ' ' && s[e] != '\t')
        e++;
    lesson_side side;
    size_t dot;
    if (e - rest > 7 && !memcmp(s + rest, "client.", 7)) {
        side = LESSON_CLIENT;
        dot = rest + 7;
    } else if (e - rest > 7 && !memcmp(s + rest, "server.", 7)) {
        side = LESSON_SERVER;
        dot = rest + 7;
    } else {
        lesson_perr(p, p->line, (int)rest + 1,
                    "expected the figure after '%s': client.FIGURE or server.FIGURE "
                    "(unsent, in_flight, received)", word);
        return;
    }
    int fig = -1;
    for (int f = 0; f < LESSON_NFIGS; f++)
        if (strlen(lesson_figure_name((lesson_figure)f)) == e - dot &&
            !memcmp(s + dot, lesson_figure_name((lesson_figure)f), e - dot))
            fig = f;
    if (fig < 0) {
        lesson_perr(p, p->line, (int)dot + 1,
                    "unknown figure '%.*s' (expected unsent, in_flight or received)",
                    (int)(e - dot > 30 ? 30 : e - dot), s + dot);
        return;
    }
    size_t t = skip_blank(s, e, rend);
    if (t >= rend) {
        lesson_perr(p, p->line, (int)t + 1, "expected the reason after '%.*s', found end of line",
                    (int)(e - rest), s + rest);
        return;
    }
    lesson_why *w = NULL;
    for (size_t k = 0; k < p->step->nwhys; k++)
        if (p->step->whys[k].side == side && (int)p->step->whys[k].figure == fig)
            w = &p->step->whys[k];
    if (!w) {
        lesson_why *nw = realloc(p->step->whys, (p->step->nwhys + 1) * sizeof *nw);
        if (!nw) {
            lesson_perr(p, p->line, 1, "out of memory");
            return;
        }
        p->step->whys = nw;
        w = &nw[p->step->nwhys++];
        memset(w, 0, sizeof *w);
        w->line = p->line;
        w->side = side;
        w->figure = (lesson_figure)fig;
    }
    char **dst = ja ? &w->text_ja : &w->text;
    if (*dst) {
        lesson_perr(p, p->line, (int)i + 1, "'%s %.*s' given twice in one step", word,
                    (int)(e - rest), s + rest);
        return;
    }
    *dst = lesson_xstrndup(s + t, rend - t);
}

const char *lesson_figure_name(lesson_figure f)
{
    static const char *const names[LESSON_NFIGS] = {"unsent", "in_flight", "received"};
    return (unsigned)f < LESSON_NFIGS ? names[f] : "?";
}

const lesson_why *lesson_step_why(const lesson_step *st, lesson_side side, lesson_figure fig)
{
    for (size_t k = 0; st && k < st->nwhys; k++)
        if (st->whys[k].side == side && st->whys[k].figure == fig)
            return &st->whys[k];
    return NULL;
}

static void parse_line(parser *p, const char *s, size_t len)
{
    size_t i = skip_blank(s, 0, len);
    if (i >= len || s[i] == '#')
        return;
    size_t w = i;
    while (w < len && (lesson_is_name_char((unsigned char)s[w]) || s[w] == '.'))
        w++;
    size_t wl = w - i;
    const char *word = s + i;
#define IS(str) (wl == strlen(str) && !memcmp(word, str, wl))
    if (w < len && s[w] == ':' && wl > 0 && !IS("expect") && !IS("expect.sim") &&
        !IS("expect.real") && !IS("expect.wire")) {
        parse_code_line(p, s, i, len, false, LESSON_MODE_BOTH);
        return;
    }
    if (w < len && s[w] != ' ' && s[w] != '\t') {
        /* client : with a blank before the colon is still a side */
        if (wl == 0) {
            lesson_perr(p, p->line, (int)i + 1,
                        "expected a directive (lesson, title, model, file, "
                        "step, say, client:, server:, wait, expect)");
            return;
        }
    }
    size_t rest = skip_blank(s, w, len);
    size_t rend = trim_end(s, rest, len);
    if ((IS("client") || IS("server")) && rest < len && s[rest] == ':') {
        parse_code_line(p, s, i, len, false, LESSON_MODE_BOTH);
        return;
    }
    bool header = IS("lesson") || IS("title") || IS("title.ja") || IS("model") || IS("file");
    if (header && p->step) {
        lesson_perr(p, p->line, (int)i + 1, "'%.*s' must come before the first 'step'", (int)wl,
                    word);
        return;
    }
    if (IS("lesson")) {
        if (p->doc->name) {
            lesson_perr(p, p->line, (int)i + 1, "'lesson' given twice (first on line %d)",
                        p->lesson_line);
            return;
        }
        if (rest == rend) {
            lesson_perr(p, p->line, (int)rest + 1,
                        "expected a lesson name after 'lesson', found end "
                        "of line");
            return;
        }
        for (size_t k = rest; k < rend; k++)
            if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9') || s[k] == '-')) {
                lesson_perr(p, p->line, (int)k + 1,
                            "lesson name must be lowercase letters, digits and '-' ([a-z0-9-]+)");
                return;
            }
        p->doc->name = lesson_xstrndup(s + rest, rend - rest);
        p->lesson_line = p->line;
    } else if (IS("title") || IS("title.ja")) {
        char **dst = IS("title") ? &p->doc->title : &p->doc->title_ja;
        if (*dst) {
            lesson_perr(p, p->line, (int)i + 1, "'%.*s' given twice", (int)wl, word);
            return;
        }
        if (rest == rend) {
            lesson_perr(p, p->line, (int)rest + 1, "expected the title's text, found end of line");
            return;
        }
        *dst = lesson_xstrndup(s + rest, rend - rest);
    } else if (IS("model")) {
        parse_model(p, s, rest, rend);
    } else if (IS("file")) {
        parse_file_directive(p, s, rest, rend);
    } else if (IS("step")) {
        if (!p->doc->name) {
            lesson_perr(p, p->line, (int)i + 1, "expected 'lesson NAME' before the first 'step'");
            p->doc->name = lesson_xstrndup("?", 1); /* report it once */
        }
        if (rest == rend) {
            lesson_perr(p, p->line, (int)rest + 1, "expected the step's title, found end of line");
            return;
        }
        question_finish(p);
        if (p->doc->nsteps >= MAX_STEPS) {
            lesson_perr(p, p->line, (int)i + 1, "too many steps: at most %d", MAX_STEPS);
            return;
        }
        lesson_step *ns = realloc(p->doc->steps, (p->doc->nsteps + 1) * sizeof *ns);
        if (!ns) {
            lesson_perr(p, p->line, 1, "out of memory");
            return;
        }
        p->doc->steps = ns;
        p->step = &ns[p->doc->nsteps++];
        memset(p->step, 0, sizeof *p->step);
        p->step->line = p->line;
        p->step->title = lesson_xstrndup(s + rest, rend - rest);
    } else if (IS("step.ja") || IS("say") || IS("say.ja")) {
        if (!p->step) {
            lesson_perr(p, p->line, (int)i + 1, "'%.*s' before the first 'step'", (int)wl, word);
            return;
        }
        if (IS("step.ja")) {
            if (p->step->title_ja) {
                lesson_perr(p, p->line, (int)i + 1, "'step.ja' given twice in one step");
                return;
            }
            p->step->title_ja = lesson_xstrndup(s + rest, rend - rest);
        } else if (IS("say")) {
            if (!push_str(&p->step->say, &p->step->nsay, s + rest, rend - rest) ||
                !push_line(&p->step->say_line, p->step->nsay, p->line))
                lesson_perr(p, p->line, 1, "out of memory");
        } else if (!push_str(&p->step->say_ja, &p->step->nsay_ja, s + rest, rend - rest) ||
                   !push_line(&p->step->say_ja_line, p->step->nsay_ja, p->line)) {
            lesson_perr(p, p->line, 1, "out of memory");
        }
    } else if (IS("wait")) {
        if (!p->step) {
            lesson_perr(p, p->line, (int)i + 1, "'wait' before the first 'step'");
            return;
        }
        size_t e = rest;
        while (e < rend && s[e] != ' ' && s[e] != '\t' && s[e] != '#')
            e++;
        size_t after = skip_blank(s, e, rend);
        if (after < rend && s[after] != '#') {
            lesson_perr(p, p->line, (int)after + 1,
                        "expected end of line after the duration, found '%.*s'",
                        (int)(rend - after > 20 ? 20 : rend - after), s + after);
            return;
        }
        uint64_t us;
        if (!parse_duration(p, s, rest, e, &us, "wait"))
            return;
        lesson_line *ln = new_line(p);
        if (!ln)
            return;
        ln->kind = LESSON_LINE_WAIT;
        ln->wait_us = us;
        ln->code = lesson_xstrndup(s + i, e - i);
        p->step->nlines++;
    } else if (IS("why") || IS("why.ja")) {
        parse_why(p, IS("why.ja"), s, i, rest, rend);
    } else if (IS("pace")) {
        if (!p->step) {
            lesson_perr(p, p->line, (int)i + 1, "'pace' before the first 'step'");
            return;
        }
        uint64_t us;
        if (!parse_duration(p, s, rest, rend, &us, "pace"))
            return;
        p->step->pace_us = us;
    } else if (IS("ask") || IS("ask.ja") || IS("choice") || IS("choice.ja") || IS("answer")) {
        parse_question(p, word, wl, s, i, rest, rend, len);
    } else if (IS("expect") || IS("expect.sim") || IS("expect.real") || IS("expect.wire")) {
        lesson_mode m = IS("expect") ? LESSON_MODE_BOTH
                                     : (IS("expect.sim") ? LESSON_MODE_SIM : LESSON_MODE_REAL);
        if (IS("expect.wire"))
            m = (lesson_mode)(LESSON_MODE_BOTH | LESSON_MODE_WIRE);
        parse_code_line(p, s, rest, len, true, m);
    } else {
        lesson_perr(p, p->line, (int)i + 1,
                    "unknown directive '%.*s' (expected lesson, title, model, file, step, say, "
                    "client:, server:, wait or expect)",
                    (int)(wl > 30 ? 30 : (wl ? wl : 1)), word);
    }
#undef IS
}

/* Index of the first control character in s[0..len) (valid UTF-8, no
 * NUL): a C0 byte other than tab, DEL, or a C1 character U+0080..U+009F,
 * or len. Titles, narration and code are printed by run and check and in
 * TAP: an ESC there could rewrite a teacher's terminal (OSC 52 reaches
 * the clipboard on some), so they are refused at parse time. */
static size_t control_at(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return i;
        if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] <= 0x9F)
            return i;
    }
    return len;
}

/* "0x1b (ESC)" for the control character at c (see control_at). */
static const char *control_name(const unsigned char *c)
{
    static const char *const c0[32] = {"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL",
                                       "BS",  "HT",  "LF",  "VT",  "FF",  "CR",  "SO",  "SI",
                                       "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB",
                                       "CAN", "EM",  "SUB", "ESC", "FS",  "GS",  "RS",  "US"};
    static _Thread_local char buf[32];
    if (*c < 0x20)
        snprintf(buf, sizeof buf, "0x%02x (%s)", *c, c0[*c]);
    else if (*c == 0x7F)
        snprintf(buf, sizeof buf, "0x7f (DEL)");
    else
        snprintf(buf, sizeof buf, "U+%04X (C1)", c[1]);
    return buf;
}

/* Index of the first invalid UTF-8 byte in s[0..len), or len. */
static size_t utf8_check(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, min = 0x10000;
        } else {
            return i;
        }
        uint32_t cp = c & (0x3F >> n);
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n + 1;
    }
    return len;
}

static void doc_free_parts(lesson_doc *d)
{
    free(d->path);
    free(d->name);
    free(d->title);
    free(d->title_ja);
    for (size_t i = 0; i < d->nfiles; i++) {
        free(d->files[i].name);
        free(d->files[i].inline_data);
    }
    free(d->files);
    for (size_t i = 0; i < d->nsteps; i++) {
        lesson_step *st = &d->steps[i];
        free(st->title);
        free(st->title_ja);
        for (size_t k = 0; k < st->nsay; k++)
            free(st->say[k]);
        free(st->say);
        for (size_t k = 0; k < st->nsay_ja; k++)
            free(st->say_ja[k]);
        free(st->say_ja);
        free(st->say_line);
        free(st->say_ja_line);
        for (size_t k = 0; k < st->nlines; k++) {
            free(st->lines[k].code);
            lesson_ast_free(st->lines[k].ast);
        }
        free(st->lines);
        question_free(st->question);
        for (size_t k = 0; k < st->nwhys; k++) {
            free(st->whys[k].text);
            free(st->whys[k].text_ja);
        }
        free(st->whys);
    }
    free(d->steps);
}

void lesson_doc_free(lesson_doc *doc)
{
    if (!doc)
        return;
    doc_free_parts(doc);
    free(doc);
}

lesson_doc *lesson_parse(const char *path, const char *text, size_t len, lesson_diag *diags,
                         int *ndiags)
{
    parser p = {.path = path, .diags = diags, .ndiags = ndiags};
    lesson_doc *d = calloc(1, sizeof *d);
    if (ndiags)
        *ndiags = 0;
    if (!d) {
        lesson_perr(&p, 1, 1, "out of memory");
        return NULL;
    }
    p.doc = d;
    d->model.delayed_ack_us = -1;
    d->path = lesson_xstrndup(path ? path : "-", strlen(path ? path : "-"));
    size_t pos = 0;
    int line = 0;
    /* A UTF-8 byte order mark is skipped. */
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
        pos = 3;
    while (pos < len && p.nerr < LESSON_MAX_DIAGS) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t ll = end - pos;
        const char *s = text + pos;
        line++;
        p.line = line;
        if (ll > 0 && s[ll - 1] == '\r')
            ll--;
        const char *nul = memchr(s, '\0', ll);
        size_t bad = utf8_check((const unsigned char *)s, ll);
        if (nul && (size_t)(nul - s) <= bad)
            lesson_perr(&p, line, (int)(nul - s) + 1, "NUL byte in the lesson");
        else if (bad < ll)
            lesson_perr(&p, line, (int)bad + 1, "invalid UTF-8 byte 0x%02x", (unsigned char)s[bad]);
        else if (memchr(s, '\r', ll))
            lesson_perr(&p, line, (int)((const char *)memchr(s, '\r', ll) - s) + 1,
                        "carriage return in the middle of a line");
        else if ((bad = control_at(s, ll)) < ll)
            lesson_perr(&p, line, (int)bad + 1,
                        "control character %s in the lesson (it would reach the terminal); "
                        "in a string write it as an escape, such as '\\x1b'",
                        control_name((const unsigned char *)s + bad));
        else
            parse_line(&p, s, ll);
        pos = nl ? end + 1 : len;
    }
    question_finish(&p);
    if (!p.nerr) {
        if (!d->name)
            lesson_perr(&p, line ? line : 1, 1,
                        "expected 'lesson NAME' in the lesson, found end of file");
        else if (!d->nsteps)
            lesson_perr(&p, line ? line : 1, 1, "expected at least one 'step', found end of file");
    }
    for (int sd = 0; sd < 2; sd++)
        for (int i = 0; i < p.nvars[sd]; i++)
            free(p.vars[sd][i].name);
    if (p.nerr) {
        lesson_doc_free(d);
        return NULL;
    }
    if (!d->title)
        d->title = lesson_xstrndup(d->name, strlen(d->name));
    return d;
}

/* Sets diags[0] to "1:1: MESSAGE" (when diags are wanted). */
static void file_diag(lesson_diag *diags, int *ndiags, const char *msg)
{
    if (diags && ndiags) {
        diags[0].line = 1, diags[0].col = 1;
        snprintf(diags[0].message, sizeof diags[0].message, "%s", msg);
        *ndiags = 1;
    }
}

lesson_doc *lesson_parse_file(const char *path, lesson_diag *diags, int *ndiags)
{
    const size_t max_bytes = (size_t)LESSON_MAX_FILE_BYTES;
    lesson_doc *d = NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    char msg[200];
    struct stat st;
    if (ndiags)
        *ndiags = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer. Only a
     * regular file is a lesson, and its size is checked before reading. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(msg, sizeof msg, "cannot read the lesson: %s", strerror(errno));
        file_diag(diags, ndiags, msg);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        file_diag(diags, ndiags, "cannot read the lesson: not a regular file");
        goto out;
    }
    if ((uint64_t)st.st_size > (uint64_t)max_bytes) {
        file_diag(diags, ndiags, "lesson file too large: at most 256 MiB");
        goto out;
    }
    cap = (size_t)st.st_size + 1;
    buf = malloc(cap);
    if (!buf) {
        file_diag(diags, ndiags, "cannot read the lesson: Cannot allocate memory");
        goto out;
    }
    for (;;) {
        if (len == cap) {
            /* The file grew while we read it: read on, up to the cap. */
            if (cap > max_bytes) {
                file_diag(diags, ndiags, "lesson file too large: at most 256 MiB");
                goto out;
            }
            size_t ncap = cap * 2 > max_bytes + 1 ? max_bytes + 1 : cap * 2;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                file_diag(diags, ndiags, "cannot read the lesson: Cannot allocate memory");
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(msg, sizeof msg, "cannot read the lesson: %s", strerror(errno));
            file_diag(diags, ndiags, msg);
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    d = lesson_parse(path, buf, len, diags, ndiags);
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return d;
}
