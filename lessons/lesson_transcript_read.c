/* lesson_transcript_read.c: a recorded transcript's kernel half, read back
 * into a lesson_record. See lesson_transcript_read.h.
 *
 * Each line is parsed into a small JSON tree (objects, arrays, strings,
 * numbers, true/false/null: what lesson_json.c writes) once, when the
 * file is read; applying a step walks its tree.
 */
#include "lesson_transcript_read.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a small JSON tree ------------------------------------------------ */

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jnode jnode;
struct jnode {
    jtype type;
    char *key;   /* its key in the object holding it, or NULL */
    char *str;   /* J_STR: the text (UTF-8, unescaped) */
    double num;  /* J_NUM */
    bool b;      /* J_BOOL */
    jnode *kids; /* J_ARR, J_OBJ: the items, in order */
    size_t n;
};

typedef struct {
    const char *p, *end;
    const char *msg; /* the first error, or NULL */
    int depth;
} jparser;

static void jfree(jnode *j)
{
    for (size_t i = 0; i < j->n; i++)
        jfree(&j->kids[i]);
    free(j->kids);
    free(j->key);
    free(j->str);
    memset(j, 0, sizeof *j);
}

static void skip_ws(jparser *P)
{
    while (P->p < P->end && (*P->p == ' ' || *P->p == '\t' || *P->p == '\r' || *P->p == '\n'))
        P->p++;
}

static bool fail(jparser *P, const char *msg)
{
    if (!P->msg)
        P->msg = msg;
    return false;
}

static void put_utf8(char *out, size_t *len, unsigned cp)
{
    if (cp < 0x80) {
        out[(*len)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*len)++] = (char)(0xc0 | cp >> 6);
        out[(*len)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*len)++] = (char)(0xe0 | cp >> 12);
        out[(*len)++] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[(*len)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*len)++] = (char)(0xf0 | cp >> 18);
        out[(*len)++] = (char)(0x80 | (cp >> 12 & 0x3f));
        out[(*len)++] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[(*len)++] = (char)(0x80 | (cp & 0x3f));
    }
}

static bool hex4(jparser *P, unsigned *out)
{
    *out = 0;
    for (int i = 0; i < 4; i++) {
        if (P->p >= P->end)
            return fail(P, "a \\u escape ends early");
        char c = *P->p++;
        unsigned v = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16;
        if (v == 16)
            return fail(P, "a bad \\u escape");
        *out = *out << 4 | v;
    }
    return true;
}

/* A string at P->p (its opening quote); *out gets a malloc'd copy. */
static bool parse_str(jparser *P, char **out)
{
    P->p++;
    /* Unescaped text is never longer than the escaped one (\uXXXX: 6
     * bytes for at most 4; a surrogate pair: 12 for 4). */
    const char *start = P->p;
    char *s = malloc((size_t)(P->end - start) + 1);
    size_t len = 0;
    if (!s)
        return fail(P, "out of memory");
    while (P->p < P->end && *P->p != '"') {
        char c = *P->p++;
        if ((unsigned char)c < 0x20) {
            free(s);
            return fail(P, "a control character in a string");
        }
        if (c != '\\') {
            s[len++] = c;
            continue;
        }
        if (P->p >= P->end)
            break;
        c = *P->p++;
        unsigned cp, lo;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            s[len++] = c;
            break;
        case 'b':
            s[len++] = '\b';
            break;
        case 'f':
            s[len++] = '\f';
            break;
        case 'n':
            s[len++] = '\n';
            break;
        case 'r':
            s[len++] = '\r';
            break;
        case 't':
            s[len++] = '\t';
            break;
        case 'u':
            if (!hex4(P, &cp)) {
                free(s);
                return false;
            }
            if (cp >= 0xd800 && cp < 0xdc00 && P->end - P->p >= 6 && P->p[0] == '\\' &&
                P->p[1] == 'u') {
                P->p += 2;
                if (!hex4(P, &lo)) {
                    free(s);
                    return false;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            put_utf8(s, &len, cp);
            break;
        default:
            free(s);
            return fail(P, "a bad escape in a string");
        }
    }
    if (P->p >= P->end) {
        free(s);
        return fail(P, "a string is not closed");
    }
    P->p++;
    s[len] = 0;
    *out = s;
    return true;
}

static bool parse_value(jparser *P, jnode *j);

/* Appends a fresh node to j's items. */
static jnode *add_kid(jparser *P, jnode *j)
{
    jnode *g = realloc(j->kids, (j->n + 1) * sizeof *g);
    if (!g) {
        fail(P, "out of memory");
        return NULL;
    }
    j->kids = g;
    memset(&g[j->n], 0, sizeof g[j->n]);
    return &g[j->n++];
}

static bool parse_items(jparser *P, jnode *j, char close)
{
    P->p++;
    skip_ws(P);
    if (P->p < P->end && *P->p == close) {
        P->p++;
        return true;
    }
    for (;;) {
        jnode *kid = add_kid(P, j);
        if (!kid)
            return false;
        skip_ws(P);
        if (close == '}') {
            if (P->p >= P->end || *P->p != '"')
                return fail(P, "an object's key is not a string");
            if (!parse_str(P, &kid->key))
                return false;
            skip_ws(P);
            if (P->p >= P->end || *P->p != ':')
                return fail(P, "no ':' after an object's key");
            P->p++;
        }
        if (!parse_value(P, kid))
            return false;
        skip_ws(P);
        if (P->p < P->end && *P->p == ',') {
            P->p++;
            continue;
        }
        if (P->p < P->end && *P->p == close) {
            P->p++;
            return true;
        }
        return fail(P, close == '}' ? "no ',' or '}' in an object" : "no ',' or ']' in an array");
    }
}

static bool word(jparser *P, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(P->end - P->p) < n || memcmp(P->p, w, n) != 0)
        return fail(P, "not a JSON value");
    P->p += n;
    return true;
}

static bool parse_value(jparser *P, jnode *j)
{
    skip_ws(P);
    if (P->p >= P->end)
        return fail(P, "a value is missing");
    if (++P->depth > 32)
        return fail(P, "nested too deep");
    bool ok;
    char c = *P->p;
    if (c == '{') {
        j->type = J_OBJ;
        ok = parse_items(P, j, '}');
    } else if (c == '[') {
        j->type = J_ARR;
        ok = parse_items(P, j, ']');
    } else if (c == '"') {
        j->type = J_STR;
        ok = parse_str(P, &j->str);
    } else if (c == 't' || c == 'f') {
        j->type = J_BOOL;
        j->b = c == 't';
        ok = word(P, j->b ? "true" : "false");
    } else if (c == 'n') {
        j->type = J_NULL;
        ok = word(P, "null");
    } else {
        char buf[64], *e;
        size_t n = 0;
        while (P->p + n < P->end && n < sizeof buf - 1 && strchr("+-0123456789.eE", P->p[n]))
            n++;
        memcpy(buf, P->p, n);
        buf[n] = 0;
        j->type = J_NUM;
        j->num = strtod(buf, &e);
        ok = n > 0 && *e == 0 ? (P->p += n, true) : fail(P, "not a JSON value");
    }
    P->depth--;
    return ok;
}

static const jnode *get(const jnode *j, const char *key)
{
    if (!j || j->type != J_OBJ)
        return NULL;
    for (size_t i = 0; i < j->n; i++)
        if (!strcmp(j->kids[i].key, key))
            return &j->kids[i];
    return NULL;
}

static uint64_t num_of(const jnode *j, const char *key)
{
    const jnode *v = get(j, key);
    return v && v->type == J_NUM && v->num > 0 ? (uint64_t)v->num : 0;
}

static bool bool_of(const jnode *j, const char *key)
{
    const jnode *v = get(j, key);
    return v && v->type == J_BOOL && v->b;
}

static const char *str_of(const jnode *j, const char *key)
{
    const jnode *v = get(j, key);
    return v && v->type == J_STR ? v->str : "";
}

/* ---- the transcript ----------------------------------------------------- */

struct lesson_transcript {
    jnode *steps; /* one object per line, in the file's order */
    size_t n;
};

void lesson_transcript_free(lesson_transcript *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        jfree(&t->steps[i]);
    free(t->steps);
    free(t);
}

int lesson_transcript_steps(const lesson_transcript *t)
{
    return t ? (int)t->n : 0;
}

int lesson_transcript_parse(const char *name, const char *text, size_t len, lesson_transcript **out,
                            char *err, size_t errlen)
{
    int rc = 0, lineno = 0;
    lesson_transcript *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -ENOMEM;
    }
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lineno++;
        jparser P = {p, le, NULL, 0};
        skip_ws(&P);
        if (P.p == le) { /* an empty line */
            p = nl ? nl + 1 : end;
            continue;
        }
        jnode *g = realloc(t->steps, (t->n + 1) * sizeof *g);
        if (!g) {
            snprintf(err, errlen, "%s: out of memory", name);
            rc = -ENOMEM;
            goto done;
        }
        t->steps = g;
        jnode *j = &t->steps[t->n++];
        memset(j, 0, sizeof *j);
        if (parse_value(&P, j) && (skip_ws(&P), P.p != le))
            fail(&P, "text after the step's object");
        if (!P.msg && (j->type != J_OBJ || !get(j, "step") || get(j, "step")->type != J_NUM))
            fail(&P, "not a step of a transcript (no \"step\" number)");
        if (P.msg) {
            snprintf(err, errlen, "%s:%d: error: %s", name, lineno, P.msg);
            rc = strcmp(P.msg, "out of memory") ? -EINVAL : -ENOMEM;
            goto done;
        }
        p = nl ? nl + 1 : end;
    }
done:
    if (rc < 0)
        lesson_transcript_free(t);
    else
        *out = t;
    return rc;
}

int lesson_transcript_load(const char *path, lesson_transcript **out, char *err, size_t errlen)
{
    int rc = 0;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        rc = -errno;
        snprintf(err, errlen, "open(%s): %s", path, strerror(errno));
        return rc;
    }
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? cap * 2 : 65536;
            char *g = realloc(buf, cap);
            if (!g) {
                snprintf(err, errlen, "read(%s): out of memory", path);
                rc = -ENOMEM;
                goto done;
            }
            buf = g;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "read(%s): %s", path, strerror(EIO));
        rc = -EIO;
        goto done;
    }
    rc = lesson_transcript_parse(path, buf ? buf : "", len, out, err, errlen);
done:
    free(buf);
    fclose(f);
    return rc;
}

/* The recorded step of number step (0-based), or NULL. */
static const jnode *find_step(const lesson_transcript *t, int step)
{
    for (size_t i = 0; i < t->n; i++)
        if ((int)num_of(&t->steps[i], "step") == step + 1)
            return &t->steps[i];
    return NULL;
}

/* Are the recorded step's statements doc's step's, side and code? */
static bool same_statements(const jnode *js, const lesson_step *st)
{
    const jnode *arr = get(js, "statements");
    size_t k = 0;
    if (!arr || arr->type != J_ARR)
        return false;
    for (size_t i = 0; i < st->nlines; i++) {
        const lesson_line *ln = &st->lines[i];
        if (ln->kind != LESSON_LINE_STMT)
            continue;
        if (k >= arr->n)
            return false;
        const jnode *s = &arr->kids[k++];
        if (strcmp(str_of(s, "side"), lesson_side_name(ln->side)) != 0 ||
            strcmp(str_of(s, "code"), ln->code ? ln->code : "") != 0)
            return false;
    }
    return k == arr->n;
}

static int side_of(const char *name)
{
    for (int s = 0; s < 2; s++)
        if (!strcmp(name, lesson_side_name((lesson_side)s)))
            return s;
    return -1;
}

static int fill_sockets(const jnode *real, lesson_record *rec, char *err, size_t errlen)
{
    const jnode *socks = get(real, "sockets");
    for (size_t i = 0; socks && socks->type == J_OBJ && i < socks->n; i++) {
        const jnode *s = &socks->kids[i];
        int id = lesson_record_find_sock(rec, s->key);
        lesson_tcp_state state;
        bool any = false;
        const char *sname = str_of(s, "state");
        if (id < 0) {
            snprintf(err, errlen,
                     "step %d: the recording's socket %s is not the model's (re-record it)",
                     rec->step + 1, s->key);
            return -EINVAL;
        }
        if (lesson_tcp_state_parse(sname, strlen(sname), &state, &any) != 0) {
            snprintf(err, errlen, "step %d: socket %s: no state '%s'", rec->step + 1, s->key,
                     sname);
            return -EINVAL;
        }
        lesson_sock_mode *m = &rec->socks[id].mode[1];
        const jnode *win = get(s, "peer_window");
        memset(m, 0, sizeof *m);
        m->present = true;
        m->blocked = bool_of(s, "blocked");
        m->probe.state = state;
        m->probe.listening = state == LESSON_TCP_LISTEN;
        m->probe.send_queue_bytes = (uint32_t)num_of(s, "send_queue");
        m->probe.unsent_bytes = (uint32_t)num_of(s, "unsent");
        m->probe.in_flight_bytes = (uint32_t)num_of(s, "in_flight");
        m->probe.recv_queue_bytes = (uint32_t)num_of(s, "recv_queue");
        m->probe.sndbuf_bytes = (uint32_t)num_of(s, "sndbuf");
        m->probe.rcvbuf_bytes = (uint32_t)num_of(s, "rcvbuf");
        /* Not recorded: the doubling rule's half (lesson_probe). */
        m->probe.sndbuf_usable_bytes = m->probe.sndbuf_bytes / 2;
        m->probe.rcvbuf_usable_bytes = m->probe.rcvbuf_bytes / 2;
        m->probe.peer_window_known = win && win->type == J_NUM;
        m->probe.peer_window_bytes = (uint32_t)num_of(s, "peer_window");
    }
    return 0;
}

static int fill_files(const jnode *real, lesson_record *rec, char *err, size_t errlen)
{
    const jnode *files = get(real, "files");
    for (size_t i = 0; files && files->type == J_OBJ && i < files->n; i++) {
        const jnode *f = &files->kids[i];
        int k = 0;
        while (k < rec->nfiles && strcmp(rec->files[k].name, f->key) != 0)
            k++;
        if (k == rec->nfiles) {
            snprintf(err, errlen,
                     "step %d: the recording's file %s is not the model's (re-record it)",
                     rec->step + 1, f->key);
            return -EINVAL;
        }
        lesson_rec_file *rf = &rec->files[k];
        rf->present[1] = true;
        rf->buffered_bytes[1] = (uint32_t)num_of(f, "buffered");
        if (rf->sock_id >= 0 && rf->sock_id < rec->nsocks) {
            lesson_sock_mode *m = &rec->socks[rf->sock_id].mode[1];
            m->has_file = true;
            m->file_buffered_bytes = rf->buffered_bytes[1];
            m->file_capacity_bytes = rf->capacity_bytes;
        }
    }
    return 0;
}

static void fill_pending(const jnode *real, lesson_record *rec)
{
    const jnode *pend = get(real, "app_pending");
    for (size_t i = 0; pend && pend->type == J_OBJ && i < pend->n; i++) {
        const jnode *p = &pend->kids[i];
        int side = side_of(p->key);
        if (side < 0)
            continue;
        lesson_rec_side *rs = &rec->sides[1][side];
        rs->app_pending_bytes = (uint32_t)num_of(p, "bytes");
        rs->app_pending_total = (uint32_t)num_of(p, "of");
        rs->app_pending_sock = lesson_record_find_sock(rec, str_of(p, "socket"));
        snprintf(rs->app_pending_call, sizeof rs->app_pending_call, "%s", str_of(p, "call"));
    }
}

/* What print() wrote in the kernel's run, as its results (no line: the
 * transcript does not say which statement printed it). */
static int fill_printed(const jnode *real, lesson_record *rec)
{
    const jnode *pr = get(real, "printed");
    size_t n = 0;
    for (size_t i = 0; pr && pr->type == J_OBJ && i < pr->n; i++)
        n += pr->kids[i].type == J_ARR ? pr->kids[i].n : 0;
    if (!n)
        return 0;
    lesson_result *g = realloc(rec->results[1], sizeof *g * ((size_t)rec->nresults[1] + n));
    if (!g)
        return -ENOMEM;
    rec->results[1] = g;
    for (size_t i = 0; i < pr->n; i++) {
        const jnode *side = &pr->kids[i];
        for (size_t k = 0; side->type == J_ARR && k < side->n; k++) {
            lesson_result *x = &rec->results[1][rec->nresults[1]++];
            memset(x, 0, sizeof *x);
            x->kind = LESSON_RESULT_PRINT;
            x->side = side_of(side->key) == LESSON_SERVER ? LESSON_SERVER : LESSON_CLIENT;
            snprintf(x->repr, sizeof x->repr, "%s",
                     side->kids[k].type == J_STR ? side->kids[k].str : "");
        }
    }
    return 0;
}

static int fill_segments(const jnode *real, lesson_record *rec)
{
    const jnode *segs = get(real, "segments");
    size_t n = segs && segs->type == J_ARR ? segs->n : 0;
    const char *wire = str_of(real, "wire");
    rec->wire = LESSON_WIRE_NONE;
    for (int w = LESSON_WIRE_NONE; w <= LESSON_WIRE_EMULATED; w++)
        if (!strcmp(wire, lesson_wire_name((lesson_wire)w)))
            rec->wire = (lesson_wire)w;
    if (n) {
        lesson_segment *g = realloc(rec->segments, n * sizeof *g);
        if (!g)
            return -ENOMEM;
        rec->segments = g;
    }
    /* The step's real clock: not recorded; from its first segment's
     * departure to its last arrival. */
    uint64_t t0 = 0, t1 = 0;
    for (size_t i = 0; i < n; i++) {
        const jnode *s = &segs->kids[i];
        lesson_segment *g = &rec->segments[i];
        memset(g, 0, sizeof *g);
        g->time_us = num_of(s, "time_us");
        g->arrive_us = num_of(s, "arrive_us");
        g->from_side = side_of(str_of(s, "from"));
        g->to_side = g->from_side < 0 ? -1 : 1 - g->from_side;
        g->flags = lesson_segment_flags_parse(str_of(s, "flags"));
        g->dropped = bool_of(s, "dropped");
        g->bytes = (uint32_t)num_of(s, "len");
        g->seq = (uint32_t)num_of(s, "seq");
        g->ack = (uint32_t)num_of(s, "ack");
        g->window = (uint32_t)num_of(s, "window");
        if (i == 0 || g->time_us < t0)
            t0 = g->time_us;
        if (g->arrive_us > t1)
            t1 = g->arrive_us;
        if (g->time_us > t1)
            t1 = g->time_us;
    }
    rec->nsegments = n;
    rec->real_t0_us = t0;
    rec->time_us[1] = t1;
    return 0;
}

static int fill_expects(const jnode *js, lesson_record *rec)
{
    const jnode *arr = get(js, "expects");
    size_t n = 0;
    for (size_t i = 0; arr && arr->type == J_ARR && i < arr->n; i++)
        n += !strcmp(str_of(&arr->kids[i], "mode"), "real");
    if (!n)
        return 0;
    lesson_expect_result *g = realloc(rec->expects, sizeof *g * ((size_t)rec->nexpects + n));
    if (!g)
        return -ENOMEM;
    rec->expects = g;
    for (size_t i = 0; i < arr->n; i++) {
        const jnode *x = &arr->kids[i];
        if (strcmp(str_of(x, "mode"), "real") != 0)
            continue;
        lesson_expect_result *e = &rec->expects[rec->nexpects++];
        memset(e, 0, sizeof *e);
        e->mode = LESSON_MODE_REAL;
        e->line = (int)num_of(x, "line");
        e->ok = bool_of(x, "ok");
        e->skipped = bool_of(x, "skipped");
        e->late_us = num_of(x, "late_us");
        snprintf(e->expr, sizeof e->expr, "%s", str_of(x, "expr"));
        snprintf(e->got, sizeof e->got, "%s", str_of(x, "got"));
    }
    return 0;
}

int lesson_transcript_apply(const lesson_transcript *t, const lesson_doc *doc, lesson_record *rec,
                            char *err, size_t errlen)
{
    if (!t || !doc || rec->step < 0 || (size_t)rec->step >= doc->nsteps)
        return 0;
    const jnode *js = find_step(t, rec->step);
    const jnode *real = js ? get(js, "real") : NULL;
    if (!real || real->type != J_OBJ || !same_statements(js, &doc->steps[rec->step]))
        return 0;
    int rc = fill_sockets(real, rec, err, errlen);
    if (rc == 0)
        rc = fill_files(real, rec, err, errlen);
    if (rc < 0)
        return rc;
    fill_pending(real, rec);
    /* The statements' status in the kernel, in file order. */
    const jnode *stmts = get(js, "statements");
    for (int k = 0; k < rec->nstmts && stmts && (size_t)k < stmts->n; k++) {
        const char *st = str_of(&stmts->kids[k], "real");
        lesson_status *s = &rec->stmts[k].status[1];
        s->exc = LESSON_EXC_NONE;
        if (!strncmp(st, "error: ", 7)) {
            s->state = LESSON_STMT_ERROR;
            if (lesson_exc_parse(st + 7, strlen(st + 7), &s->exc) != 0)
                s->exc = LESSON_EXC_NONE;
        } else {
            s->state = !strcmp(st, "blocked") ? LESSON_STMT_BLOCKED
                       : !strcmp(st, "done")  ? LESSON_STMT_DONE
                                              : LESSON_STMT_PENDING;
        }
        if (s->state == LESSON_STMT_BLOCKED) {
            rec->sides[1][rec->stmts[k].side].blocked = true;
            rec->sides[1][rec->stmts[k].side].blocked_line = rec->stmts[k].line;
        }
    }
    if (fill_segments(real, rec) < 0 || fill_expects(js, rec) < 0 || fill_printed(real, rec) < 0) {
        snprintf(err, errlen, "step %d: out of memory", rec->step + 1);
        return -ENOMEM;
    }
    const jnode *q = get(get(js, "question"), "real");
    if (rec->question.present && q && q->type == J_OBJ) {
        rec->question.checked[1] = true;
        rec->question.held[1] = bool_of(q, "ok");
        rec->question.skipped[1] = bool_of(q, "skipped");
        snprintf(rec->question.got[1], sizeof rec->question.got[1], "%s", str_of(q, "got"));
    }
    rec->modes |= LESSON_MODE_REAL;
    return 1;
}
