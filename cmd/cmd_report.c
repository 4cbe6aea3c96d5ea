/* cmd_report.c: check's results, packed for a pipe, as JUnit and TAP.
 *
 * JUnit: the dialect Jenkins, GitLab and the GitHub test reporters read:
 * <testsuites> of <testsuite name= tests= failures= errors= time= file=>,
 * each <testcase name= classname= file= line= time=> with a <failure
 * message= type=> whose text says expected and got, or an <error> for a
 * lesson that does not parse ("FILE:LINE:COL: error: ..."). A testcase's
 * time is its step's. The Jenkins flavor leaves out the testcase's file=
 * and line=, which Jenkins' strict xunit schema rejects (it allows a
 * testsuite's file=; tests/junit-jenkins.xsd). Text is escaped for XML
 * and control bytes become '?', so the report is well-formed whatever the
 * lesson says.
 */
#include "cmd_report.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int cmd_report_add(cmd_report *r, const lesson_case *c)
{
    if (r->ncases == r->cap) {
        int cap = r->cap ? r->cap * 2 : 16;
        lesson_case *n = realloc(r->cases, (size_t)cap * sizeof *n);
        if (!n)
            return -ENOMEM;
        r->cases = n;
        r->cap = cap;
    }
    r->cases[r->ncases++] = *c;
    return 0;
}

void cmd_report_clear(cmd_report *r)
{
    if (!r)
        return;
    free(r->path);
    free(r->cases);
    free(r->out_text);
    free(r->err_text);
    memset(r, 0, sizeof *r);
}

/* ---- packing: [status][seconds][ncases][cases][outlen][out][errlen][err] */

static void put(char **p, const void *v, size_t n)
{
    memcpy(*p, v, n);
    *p += n;
}

int cmd_report_pack(const cmd_report *r, char **buf, size_t *len)
{
    size_t ol = r->out_text ? strlen(r->out_text) : 0, el = r->err_text ? strlen(r->err_text) : 0;
    uint64_t o64 = ol, e64 = el;
    int32_t st = r->status, nc = r->ncases;
    size_t total = sizeof st + sizeof r->seconds + sizeof nc + (size_t)nc * sizeof(lesson_case) +
                   sizeof o64 + ol + sizeof e64 + el;
    char *b = malloc(total), *p = b;
    if (!b)
        return -ENOMEM;
    put(&p, &st, sizeof st);
    put(&p, &r->seconds, sizeof r->seconds);
    put(&p, &nc, sizeof nc);
    if (nc)
        put(&p, r->cases, (size_t)nc * sizeof(lesson_case));
    put(&p, &o64, sizeof o64);
    if (ol)
        put(&p, r->out_text, ol);
    put(&p, &e64, sizeof e64);
    if (el)
        put(&p, r->err_text, el);
    *buf = b;
    *len = total;
    return 0;
}

/* Takes n bytes from *p (n <= *left), else false. */
static bool take(const char **p, size_t *left, void *v, size_t n)
{
    if (n > *left)
        return false;
    memcpy(v, *p, n);
    *p += n;
    *left -= n;
    return true;
}

static char *take_text(const char **p, size_t *left, bool *ok)
{
    uint64_t n = 0;
    if (!take(p, left, &n, sizeof n) || n > *left) {
        *ok = false;
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        *ok = false;
        return NULL;
    }
    take(p, left, s, (size_t)n);
    s[n] = '\0';
    return s;
}

int cmd_report_unpack(cmd_report *r, const char *buf, size_t len)
{
    const char *p = buf;
    size_t left = len;
    int32_t st = 0, nc = 0;
    bool ok = take(&p, &left, &st, sizeof st) && take(&p, &left, &r->seconds, sizeof r->seconds) &&
              take(&p, &left, &nc, sizeof nc) && nc >= 0 &&
              (size_t)nc <= left / sizeof(lesson_case);
    if (!ok)
        return -EINVAL;
    r->status = st;
    for (int i = 0; i < nc && ok; i++) {
        lesson_case c;
        take(&p, &left, &c, sizeof c);
        c.what[sizeof c.what - 1] = c.got[sizeof c.got - 1] = '\0';
        c.skip_reason[sizeof c.skip_reason - 1] = '\0';
        ok = cmd_report_add(r, &c) == 0;
    }
    if (ok)
        r->out_text = take_text(&p, &left, &ok);
    if (ok)
        r->err_text = take_text(&p, &left, &ok);
    return ok ? 0 : -EINVAL;
}

/* ---- writers ---------------------------------------------------------- */

static void xml_text(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        case '\n':
            fputs("&#10;", f);
            break;
        case '\t':
            fputs("&#9;", f);
            break;
        default:
            fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
        }
    }
}

/* "01-basics" from "lessons/01-basics.lesson". */
static void suite_name(const char *path, char *out, size_t cap)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t l = strlen(b);
    if (l > 7 && !strcmp(b + l - 7, ".lesson"))
        l -= 7;
    snprintf(out, cap, "%.*s", (int)l, b);
}

static const char *mode_text(unsigned mode)
{
    return mode == LESSON_MODE_SIM ? " (sim)" : mode == LESSON_MODE_REAL ? " (real)" : "";
}

/* "line 14 (sim): s.state == ESTABLISHED" */
static void case_name(const lesson_case *c, char *out, size_t cap)
{
    static const char *const kind[] = {"", "expect", "ended blocked", "run", "parse"};
    if (c->kind == LESSON_CASE_EXPECT)
        snprintf(out, cap, "line %d%s: %s", c->line, mode_text(c->mode), c->what);
    else
        snprintf(out, cap, "line %d%s: %s", c->line, mode_text(c->mode), kind[c->kind]);
}

int cmd_report_junit(FILE *f, const cmd_report *reps, int n, cmd_junit_flavor flavor)
{
    bool full = flavor != CMD_JUNIT_JENKINS;
    int tests = 0, failures = 0, errors = 0;
    double secs = 0;
    for (int i = 0; i < n; i++) {
        secs += reps[i].seconds;
        for (int k = 0; k < reps[i].ncases; k++) {
            const lesson_case *c = &reps[i].cases[k];
            tests++;
            if (!c->ok && !c->skipped)
                *(c->kind == LESSON_CASE_PARSE ? &errors : &failures) += 1;
        }
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f,
            "<testsuites name=\"sockbuf check\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
            "time=\"%.3f\">\n",
            tests, failures, errors, secs);
    for (int i = 0; i < n; i++) {
        const cmd_report *r = &reps[i];
        char suite[256], name[512];
        int sf = 0, se = 0, ss = 0;
        for (int k = 0; k < r->ncases; k++)
            if (r->cases[k].skipped)
                ss++;
            else if (!r->cases[k].ok)
                *(r->cases[k].kind == LESSON_CASE_PARSE ? &se : &sf) += 1;
        suite_name(r->path, suite, sizeof suite);
        fputs("  <testsuite name=\"", f);
        xml_text(f, suite);
        fprintf(
            f, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\" file=\"",
            r->ncases, sf, se, ss, r->seconds);
        xml_text(f, r->path);
        fputs("\">\n", f);
        for (int k = 0; k < r->ncases; k++) {
            const lesson_case *c = &r->cases[k];
            case_name(c, name, sizeof name);
            fputs("    <testcase name=\"", f);
            xml_text(f, name);
            fputs("\" classname=\"", f);
            xml_text(f, suite);
            fputc('"', f);
            if (full) {
                fputs(" file=\"", f);
                xml_text(f, r->path);
                fprintf(f, "\" line=\"%d\"", c->line);
            }
            fprintf(f, " time=\"%.6f\"", c->seconds);
            if (c->ok) {
                fputs("/>\n", f);
                continue;
            }
            if (c->skipped) {
                fputs(">\n      <skipped message=\"not checked: ", f);
                xml_text(f, c->skip_reason);
                fputs(" (got ", f);
                xml_text(f, c->got);
                fputs(")\"/>\n    </testcase>\n", f);
                continue;
            }
            const char *tag = c->kind == LESSON_CASE_PARSE ? "error" : "failure";
            fprintf(f, ">\n      <%s type=\"%s\" message=\"", tag,
                    c->kind == LESSON_CASE_EXPECT  ? "expect"
                    : c->kind == LESSON_CASE_PARSE ? "parse"
                                                   : "lesson");
            if (c->kind == LESSON_CASE_EXPECT) {
                fputs("expected ", f);
                xml_text(f, c->what);
                fputs(", got ", f);
                xml_text(f, c->got);
                fputs("\">", f);
                fputs("expected: ", f);
                xml_text(f, c->what);
                fputs("&#10;got: ", f);
                xml_text(f, c->got);
            } else if (c->kind == LESSON_CASE_PARSE) {
                /* what is "LINE:COL: error: ...": FILE:LINE:COL once. */
                xml_text(f, r->path);
                fputc(':', f);
                xml_text(f, c->what);
                fputs("\">", f);
                xml_text(f, r->path);
                fputc(':', f);
                xml_text(f, c->what);
            } else {
                xml_text(f, c->what);
                fputs("\">", f);
                xml_text(f, r->path);
                fprintf(f, ":%d: ", c->line);
                xml_text(f, c->what);
            }
            fprintf(f, "</%s>\n    </testcase>\n", tag);
        }
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    return ferror(f) ? -EIO : 0;
}

/* A YAML double-quoted scalar. */
static void yaml_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

int cmd_report_tap(FILE *f, const cmd_report *reps, int n)
{
    int k = 0;
    fputs("TAP version 13\n", f);
    for (int i = 0; i < n; i++) {
        const cmd_report *r = &reps[i];
        char suite[256], name[512];
        suite_name(r->path, suite, sizeof suite);
        fprintf(f, "# %s (%s)\n", suite, r->path);
        for (int j = 0; j < r->ncases; j++) {
            const lesson_case *c = &r->cases[j];
            case_name(c, name, sizeof name);
            /* '#' would start a TAP directive in the description. */
            for (char *p = name; *p; p++)
                if (*p == '#' || *p == '\n')
                    *p = ' ';
            if (c->skipped) {
                /* A skip is an "ok" point with its directive and reason. */
                char why[sizeof c->skip_reason];
                snprintf(why, sizeof why, "%s", c->skip_reason);
                for (char *p = why; *p; p++)
                    if (*p == '#' || *p == '\n')
                        *p = ' ';
                fprintf(f, "ok %d - %s: %s # SKIP not checked: %s\n", ++k, suite, name, why);
                continue;
            }
            fprintf(f, "%s %d - %s: %s\n", c->ok ? "ok" : "not ok", ++k, suite, name);
            if (c->ok)
                continue;
            fputs("  ---\n  file: ", f);
            yaml_str(f, r->path);
            fprintf(f, "\n  line: %d\n", c->line);
            if (c->kind == LESSON_CASE_EXPECT) {
                fputs("  expected: ", f);
                yaml_str(f, c->what);
                fputs("\n  got: ", f);
                yaml_str(f, c->got);
            } else {
                fputs("  message: ", f);
                yaml_str(f, c->what);
            }
            fputs("\n  ...\n", f);
        }
    }
    fprintf(f, "1..%d\n", k);
    return ferror(f) ? -EIO : 0;
}
