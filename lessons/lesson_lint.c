/* lesson_lint.c: narration numbers against what the picture holds
 * (lesson_lint.h has the rule). */
#include "lesson_lint.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base_glossary.h"
#include "lesson_ast.h"

/* The values on screen: a small set, searched linearly. */
typedef struct {
    uint64_t *v;
    size_t n, cap;
    bool oom;
} value_set;

static void add(value_set *s, uint64_t v)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i] == v)
            return;
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 64;
        uint64_t *nv = realloc(s->v, nc * sizeof *nv);
        if (!nv) {
            s->oom = true;
            return;
        }
        s->v = nv;
        s->cap = nc;
    }
    s->v[s->n++] = v;
}

static bool has(const value_set *s, uint64_t v)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i] == v)
            return true;
    return false;
}

/* A statement's literals: ints, bytes and str lengths, a repeat's count
 * and the length it makes. */
static void add_expr(value_set *s, const lesson_expr *e, int depth)
{
    if (!e || depth > LESSON_MAX_DEPTH + 4)
        return;
    bool literal = e->kind == LX_BYTES || e->kind == LX_STR;
    if (e->kind == LX_INT && e->i >= 0)
        add(s, (uint64_t)e->i);
    if (literal)
        add(s, e->len);
    if (e->kind == LX_REPEAT && e->i >= 0) {
        add(s, (uint64_t)e->i);
        if (e->a && (e->a->kind == LX_BYTES || e->a->kind == LX_STR))
            add(s, e->a->len * (uint64_t)e->i);
    }
    add_expr(s, e->recv, depth + 1);
    for (int k = 0; k < e->nargs && k < LESSON_MAX_ARGS; k++)
        add_expr(s, e->args[k], depth + 1);
    add_expr(s, e->a, depth + 1);
    add_expr(s, e->b, depth + 1);
}

static void add_probe(value_set *s, const lesson_probe *p)
{
    add(s, p->send_queue_bytes);
    add(s, p->unsent_bytes);
    add(s, p->in_flight_bytes);
    add(s, p->recv_queue_bytes);
    add(s, p->sndbuf_bytes);
    add(s, p->rcvbuf_bytes);
    add(s, p->sndbuf_usable_bytes);
    add(s, p->rcvbuf_usable_bytes);
    if (p->peer_window_known)
        add(s, p->peer_window_bytes);
}

static void add_record(value_set *s, const lesson_record *r)
{
    if (!r)
        return;
    for (int k = 0; k < r->nsocks && k < LESSON_MAX_SOCKS; k++)
        for (int m = 0; m < LESSON_MODE_SLOTS; m++) {
            const lesson_sock_mode *sm = &r->socks[k].mode[m];
            if (!sm->present)
                continue;
            add_probe(s, &sm->probe);
            if (sm->has_file) {
                add(s, sm->file_buffered_bytes);
                add(s, sm->file_capacity_bytes);
            }
        }
    for (int k = 0; k < r->nfiles && k < LESSON_MAX_FILES; k++) {
        add(s, r->files[k].capacity_bytes);
        for (int m = 0; m < LESSON_MODE_SLOTS; m++)
            if (r->files[k].present[m])
                add(s, r->files[k].buffered_bytes[m]);
    }
    for (int m = 0; m < LESSON_MODE_SLOTS; m++)
        for (int k = 0; k < r->nresults[m]; k++) {
            const lesson_result *x = &r->results[m][k];
            if (x->has_length)
                add(s, x->length);
            char *end = NULL;
            unsigned long long v = strtoull(x->repr, &end, 10);
            if (x->repr[0] >= '0' && x->repr[0] <= '9' && end && *end == '\0')
                add(s, v);
        }
}

static bool is_word(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Does p start with unit w, ending at a word boundary (an ASCII w)? */
static bool unit_at(const char *p, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(p, w, n))
        return false;
    return (unsigned char)w[0] >= 0x80 || !is_word((unsigned char)p[n]);
}

/* The byte unit at p: its multiplier (and *len its length), or 0. */
static uint64_t byte_unit(const char *p, size_t *len)
{
    static const struct {
        const char *w;
        uint64_t mul;
    } units[] = {{"bytes", 1},     {"byte", 1}, {"B", 1}, {"KiB", 1024},
                 {"MiB", 1048576}, {"バイト", 1}};
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
        if (unit_at(p, units[k].w)) {
            *len = strlen(units[k].w);
            return units[k].mul;
        }
    return 0;
}

/* A unit of time or rate at p: the number before it is no buffer size. */
static bool other_unit(const char *p)
{
    static const char *const units[] = {"ms", "us", "µs", "s", "sec", "seconds",
                                        "kbit", "Mbit", "Gbit", "Hz", "%"};
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
        if (unit_at(p, units[k]))
            return true;
    return false;
}

/* Lints one paragraph; findings go to out from index nfound. Returns the
 * new count. */
static int lint_text(const char *text, int line, const value_set *seen, lesson_lint_finding *out,
                     int max, int nfound)
{
    uint64_t said[16]; /* reported in this paragraph already */
    int nsaid = 0;
    const char *p = text;
    while (*p) {
        bool starts = is_digit(*p) &&
                      (p == text || (!is_word((unsigned char)p[-1]) && p[-1] != '.' && p[-1] != ','));
        if (!starts) {
            p++;
            continue;
        }
        const char *start = p, *q = p;
        uint64_t v = 0;
        bool big = false;
        for (;;) {
            for (; is_digit(*q); q++) {
                if (v > UINT64_MAX / 100)
                    big = true;
                else
                    v = v * 10 + (uint64_t)(*q - '0');
            }
            /* ",ddd" and no more digits: a thousands separator */
            if (q[0] == ',' && is_digit(q[1]) && is_digit(q[2]) && is_digit(q[3]) && !is_digit(q[4])) {
                q++;
                continue;
            }
            break;
        }
        const char *num_end = q;
        p = num_end;
        if (big || (q[0] == '.' && is_digit(q[1]))) { /* too long, or a decimal (5.4) */
            while (is_digit(*p) || *p == '.')
                p++;
            continue;
        }
        const char *u = q + (*q == ' ' || *q == '-');
        size_t ulen = 0;
        uint64_t mul = byte_unit(u, &ulen);
        if (!mul && (is_word((unsigned char)*q) || v < 1000 || other_unit(u)))
            continue;
        const char *said_end = mul ? u + ulen : num_end;
        uint64_t value = mul && v > UINT64_MAX / mul ? UINT64_MAX : v * (mul ? mul : 1);
        p = said_end;
        if (value < 2 || has(seen, value)) /* "not 1 byte" names no buffer */
            continue;
        bool dup = false;
        for (int k = 0; k < nsaid; k++)
            dup |= said[k] == value;
        if (dup)
            continue;
        if (nsaid < 16)
            said[nsaid++] = value;
        if (nfound < max) {
            lesson_lint_finding *f = &out[nfound];
            f->line = line;
            f->value = value;
            snprintf(f->said, sizeof f->said, "%.*s", (int)(said_end - start), start);
        }
        nfound++;
    }
    return nfound;
}

int lesson_lint_step(const lesson_doc *doc, int si, const lesson_record *before,
                     const lesson_record *after, lesson_lint_finding *out, int max)
{
    if (!doc || si < 0 || (size_t)si >= doc->nsteps)
        return 0;
    const lesson_step *st = &doc->steps[si];
    value_set seen = {0};
    add_record(&seen, before);
    add_record(&seen, after);
    for (size_t k = 0; k < doc->nfiles; k++)
        add(&seen, doc->files[k].size_bytes);
    for (size_t k = 0; k < st->nlines; k++) {
        const lesson_line *ln = &st->lines[k];
        if (ln->kind != LESSON_LINE_STMT || !ln->ast)
            continue;
        add_expr(&seen, ln->ast->expr, 0);
        add_expr(&seen, ln->ast->with_expr, 0);
    }
    int n = 0;
    if (!seen.oom) {
        for (size_t k = 0; k < st->nsay; k++)
            n = lint_text(st->say[k], st->say_line ? st->say_line[k] : st->line, &seen, out, max, n);
        for (size_t k = 0; k < st->nsay_ja; k++)
            n = lint_text(st->say_ja[k], st->say_ja_line ? st->say_ja_line[k] : st->line, &seen,
                          out, max, n);
    }
    free(seen.v);
    return n;
}

/* A '?', '!' or ',' right after a non-ASCII character (a Japanese one). */
static bool western_punct(const char *s)
{
    for (const char *p = s ? s + 1 : NULL; p && *p; p++)
        if ((*p == '?' || *p == '!' || *p == ',') && ((unsigned char)p[-1] & 0x80))
            return true;
    return false;
}

unsigned lesson_lint_japanese(const lesson_doc *doc, int si, char *avoided_out, char *instead,
                              size_t cap)
{
    if (!doc || si < 0 || (size_t)si >= doc->nsteps)
        return 0;
    const lesson_step *st = &doc->steps[si];
    unsigned bits = 0;
    if (st->title && !st->title_ja)
        bits |= LESSON_LINT_NO_TITLE_JA;
    if (st->nsay > 0 && st->nsay_ja == 0)
        bits |= LESSON_LINT_NO_SAY_JA;
    bool punct = western_punct(st->title_ja);
    char word[64];
    base_term term = BASE_TERM_COUNT;
    bool avoided = base_glossary_avoided(st->title_ja, &term, word, sizeof word) != NULL;
    for (size_t i = 0; i < st->nsay_ja && !avoided; i++)
        avoided = base_glossary_avoided(st->say_ja[i], &term, word, sizeof word) != NULL;
    for (size_t i = 0; i < st->nsay_ja; i++)
        punct |= western_punct(st->say_ja[i]);
    if (avoided) {
        bits |= LESSON_LINT_GLOSSARY;
        if (avoided_out)
            snprintf(avoided_out, cap, "%s", word);
        if (instead)
            snprintf(instead, cap, "%s", base_term_word(term, true));
    }
    const lesson_question *q = st->question;
    if (q) {
        if (q->text && !q->text_ja)
            bits |= LESSON_LINT_NO_ASK_JA;
        punct |= western_punct(q->text_ja);
        for (size_t i = 0; i < q->nchoices; i++) {
            if (q->choices[i].text && !q->choices[i].text_ja)
                bits |= LESSON_LINT_NO_ASK_JA;
            punct |= western_punct(q->choices[i].text_ja);
        }
    }
    return punct ? bits | LESSON_LINT_WESTERN_PUNCT : bits;
}
