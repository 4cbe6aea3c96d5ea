/* lesson_cli.c: `sockbuf check` and `sockbuf run` (SPEC.md section 2).
 *
 * check runs lessons headless in both modes (or one, --sim/--real) and
 * prints one line per failed expectation, then "N passed, N failed".
 * run prints each step readably (statements with their status per mode, a
 * table of every socket's queues with the model and the kernel side by
 * side, the expectations) and with --transcript writes SPEC.md section 4.
 * Exit status: 0 all passed, 1 some failed, 2 usage or parse errors.
 * Called by main() in viz/main.c with argv[0] = "check" / "run".
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lesson.h"
#include "lesson_cli.h"
#include "lesson_run.h"
#include "lesson_wirecmp.h"

static const char check_usage[] =
    "usage: sockbuf check [--sim|--real] [--timeout SECONDS] [--wire auto|loopback] LESSON...\n"
    "  LESSON is a .lesson file, a folder of them, or a bundled lesson's name\n"
    "  (basics, flush, chat, file-send, nagle-delayed-ack, close-and-reset, or 01..06).\n"
    "  --wire loopback  runs the real mode on plain loopback instead of the emulated\n"
    "                   link with the lesson's latency, rate and MSS (default: auto).\n"
    "  Prints one line per failed expectation, then 'N passed, N failed'.\n"
    "  --timeout SECONDS  real time each lesson's steps may take (default 300; 0: no limit).\n"
    "  Exit status: 0 all passed, 1 some failed, 2 usage or parse error.\n";

static const char run_usage[] =
    "usage: sockbuf run [--sim|--real] [--wire auto|loopback] LESSON [--transcript FILE]\n"
    "  Runs LESSON headless and prints each step's state, the model beside the kernel.\n"
    "  --transcript FILE  also writes one JSON line per step (SPEC.md section 4).\n";

static void print_diags(FILE *errout, const char *path, const lesson_diag *d, int n)
{
    for (int i = 0; i < n; i++)
        fprintf(errout, "%s:%d:%d: error: %s\n", path, d[i].line, d[i].col, d[i].message);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A growing list of lesson paths: a folder may hold any number. */
typedef struct {
    char **v;
    int n, cap;
} path_list;

/* Takes p (malloc'd) into the list; frees it and returns -1 when out of memory. */
static int path_add(path_list *l, char *p)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 64;
        char **nv = realloc(l->v, (size_t)cap * sizeof *nv);
        if (!nv) {
            free(p);
            return -1;
        }
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = p;
    return 0;
}

/* Expands one argument into lesson paths (a folder: its regular *.lesson
 * files, sorted, all of them). Returns the count added, or -1 after a
 * message. */
static int expand_arg(const char *arg, path_list *paths, FILE *errout)
{
    struct stat st;
    if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
        DIR *d = opendir(arg);
        if (!d) {
            fprintf(errout, "sockbuf check: cannot open folder '%s': %s\n", arg, strerror(errno));
            return -1;
        }
        int first = paths->n;
        bool oom = false;
        struct dirent *e;
        while (!oom && (e = readdir(d))) {
            size_t l = strlen(e->d_name);
            if (l > 7 && !strcmp(e->d_name + l - 7, ".lesson") && e->d_name[0] != '.') {
                size_t need = strlen(arg) + l + 2;
                char *p = malloc(need);
                if (!p) {
                    oom = true;
                    break;
                }
                snprintf(p, need, "%s%s%s", arg, arg[strlen(arg) - 1] == '/' ? "" : "/", e->d_name);
                /* Only regular files are lessons: a FIFO or a device named
                 * x.lesson would hang or flood the run. */
                struct stat fst;
                if (stat(p, &fst) != 0 || !S_ISREG(fst.st_mode)) {
                    fprintf(errout, "sockbuf check: skipping '%s': not a regular file\n", p);
                    free(p);
                    continue;
                }
                oom = path_add(paths, p) < 0;
            }
        }
        closedir(d);
        if (oom) {
            fprintf(errout, "sockbuf check: '%s': out of memory listing its lessons\n", arg);
            return -1;
        }
        qsort(paths->v + first, (size_t)(paths->n - first), sizeof *paths->v, cmp_str);
        if (paths->n == first) {
            fprintf(errout, "sockbuf check: no .lesson files in '%s'\n", arg);
            return -1;
        }
        return paths->n - first;
    }
    char found[PATH_MAX];
    if (lesson_find(arg, found, sizeof found) < 0) {
        fprintf(errout,
                "sockbuf: no lesson '%s' (not a file, a folder or a bundled lesson's name)\n", arg);
        return -1;
    }
    char *p = strdup(found);
    if (!p || path_add(paths, p) < 0) {
        fprintf(errout, "sockbuf check: out of memory\n");
        return -1;
    }
    return 1;
}

static const char *mode_name(lesson_mode m)
{
    return m == LESSON_MODE_SIM ? "sim" : "real";
}

/* The line that says a lesson ran out of its time budget at step si. */
static void print_timed_out(FILE *out, const char *path, const lesson_doc *doc, int si,
                            uint64_t budget_us)
{
    int line = si >= 0 && (size_t)si < doc->nsteps ? doc->steps[si].line : 1;
    fprintf(out,
            "%s:%d: lesson ran out of time: its steps may take %.6g s of real time in all "
            "(check --timeout SECONDS changes it)\n",
            path, line, (double)budget_us / 1e6);
}

/* Runs one lesson in modes, its steps within budget_us of real time;
 * prints its failures. Returns 0 passed, 1 failed, 2 did not parse. */
static int check_one(const char *path, unsigned modes, uint64_t budget_us, FILE *out, FILE *errout)
{
    lesson_diag diags[LESSON_MAX_DIAGS];
    int nd = 0;
    lesson_doc *doc = lesson_parse_file(path, diags, &nd);
    if (!doc) {
        print_diags(errout, path, diags, nd);
        return 2;
    }
    char err[256] = "";
    int failed = 0;
    lesson_runner *r = lesson_runner_new(doc, modes, err, sizeof err);
    if (!r) {
        fprintf(out, "%s:1: cannot run: %s\n", path, err);
        lesson_doc_free(doc);
        return 1;
    }
    lesson_runner_keep_events(r, false); /* nothing here reads the model's log */
    lesson_runner_set_time_budget(r, budget_us);
    int rc;
    while ((rc = lesson_runner_step(r)) == 0) {
        const lesson_record *rec = lesson_runner_record(r);
        for (int e = 0; e < rec->nexpects; e++) {
            const lesson_expect_result *x = &rec->expects[e];
            if (x->ok)
                continue;
            fprintf(out, "%s:%d: expect failed (%s): %s (got %s)\n", path, x->line,
                    mode_name(x->mode), x->expr, x->got);
            failed++;
        }
    }
    if (rc == -ETIMEDOUT && lesson_runner_timed_out(r)) {
        print_timed_out(out, path, doc, lesson_runner_step_index(r), budget_us);
        failed++;
    } else if (rc < 0) {
        fprintf(out, "%s:1: internal error while running: %s\n", path, strerror(-rc));
        failed++;
    }
    if (rc >= 0 && lesson_runner_ended_blocked(r)) {
        const lesson_record *rec = lesson_runner_record(r);
        for (int m = 0; m < LESSON_MODE_SLOTS; m++) {
            lesson_mode mode = m == 0 ? LESSON_MODE_SIM : LESSON_MODE_REAL;
            if (!(rec->modes & mode))
                continue;
            for (int side = 0; side < 2; side++) {
                if (!rec->sides[m][side].blocked)
                    continue;
                const char *code = "";
                int line = lesson_runner_blocked_line(r, mode, (lesson_side)side, &code);
                fprintf(out, "%s:%d: lesson ended with the %s blocked (%s)%s%s\n", path, line,
                        lesson_side_name((lesson_side)side), mode_name(mode), code[0] ? ": " : "",
                        code);
                failed++;
            }
        }
    }
    lesson_runner_free(r);
    lesson_doc_free(doc);
    return failed ? 1 : 0;
}

/* --wire CHOICE or --wire=CHOICE at argv[*i]: 1 (taken, *i moved past
 * it), 0 not that option, -1 after a usage message. */
static int parse_wire_flag(int argc, char **argv, int *i, const char **choice, FILE *errout)
{
    const char *a = argv[*i];
    if (!strncmp(a, "--wire=", 7)) {
        *choice = a + 7;
    } else if (!strcmp(a, "--wire")) {
        if (*i + 1 >= argc) {
            fprintf(errout, "sockbuf: --wire needs auto or loopback\n");
            return -1;
        }
        *choice = argv[++*i];
    } else {
        return 0;
    }
    if (strcmp(*choice, "auto") && strcmp(*choice, "loopback")) {
        fprintf(errout, "sockbuf: --wire %s: expected auto or loopback\n", *choice);
        return -1;
    }
    return 1;
}

/* Starts the real mode's wire before the first runner (it forks). */
static void start_wire(unsigned modes, const char *choice, FILE *errout)
{
    if (modes & LESSON_MODE_REAL)
        lesson_wire_start(choice, errout);
}

static int parse_mode_flag(const char *a, unsigned *modes)
{
    if (!strcmp(a, "--sim")) {
        *modes = LESSON_MODE_SIM;
        return 1;
    }
    if (!strcmp(a, "--real")) {
        *modes = LESSON_MODE_REAL;
        return 1;
    }
    return 0;
}

int lesson_cli_check(int argc, char **argv, FILE *out, FILE *errout)
{
    unsigned modes = LESSON_MODE_BOTH;
    uint64_t budget_us = LESSON_TIME_BUDGET_US_DEFAULT;
    path_list paths = {0};
    const char *wire = NULL;
    int status = 0, wf;
    bool opts = true, bad = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && !strcmp(a, "--")) {
            opts = false;
        } else if (opts && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
            fputs(check_usage, out);
            goto out;
        } else if (opts && parse_mode_flag(a, &modes)) {
            continue;
        } else if (opts && (wf = parse_wire_flag(argc, argv, &i, &wire, errout)) != 0) {
            if (wf < 0) {
                status = 2;
                goto out;
            }
        } else if (opts && (!strcmp(a, "--timeout") || !strncmp(a, "--timeout=", 10))) {
            const char *v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
            char *end = NULL;
            double sec = v ? strtod(v, &end) : -1;
            if (!v || !*v || *end || !(sec >= 0 && sec <= 1e9)) {
                fprintf(errout,
                        "sockbuf check: --timeout wants SECONDS (a number >= 0), not '%s'\n%s",
                        v ? v : "", check_usage);
                status = 2;
                goto out;
            }
            budget_us = (uint64_t)(sec * 1e6);
        } else if (opts && a[0] == '-' && a[1]) {
            fprintf(errout, "sockbuf check: unknown option '%s'\n%s", a, check_usage);
            status = 2;
            goto out;
        } else if (expand_arg(a, &paths, errout) < 0) {
            bad = true;
        }
    }
    if (bad) {
        status = 2;
        goto out;
    }
    int n = paths.n;
    if (n == 0) {
        fprintf(errout, "sockbuf check: no lesson given\n%s", check_usage);
        status = 2;
        goto out;
    }
    start_wire(modes, wire, errout);
    int passed = 0, failed = 0;
    bool parse_error = false;
    for (int i = 0; i < n; i++) {
        int rc = check_one(paths.v[i], modes, budget_us, out, errout);
        if (rc == 0)
            passed++;
        else
            failed++;
        if (rc == 2)
            parse_error = true;
    }
    fprintf(out, "%d passed, %d failed\n", passed, failed);
    status = parse_error ? 2 : (failed ? 1 : 0);
out:
    for (int i = 0; i < paths.n; i++)
        free(paths.v[i]);
    free(paths.v);
    return status;
}

/* ------------------------------------------------------------------ run */

/* One socket's row of `run`'s table: the model's numbers, the kernel's,
 * or "sim/real" with * where they differ. */
static void print_sock_row(FILE *out, const lesson_rec_sock *rs)
{
    const lesson_sock_mode *a = rs->mode[0].present ? &rs->mode[0] : NULL;
    const lesson_sock_mode *b = rs->mode[1].present ? &rs->mode[1] : NULL;
    const lesson_sock_mode *one = a ? a : b;
    char state[40];
    const char *sa = a ? lesson_tcp_state_name(a->probe.state) : "";
    const char *sb = b ? lesson_tcp_state_name(b->probe.state) : "";
    if (a && b)
        snprintf(state, sizeof state, "%s/%s%s", sa, sb, strcmp(sa, sb) ? "*" : "");
    else
        snprintf(state, sizeof state, "%s", a ? sa : sb);
    fprintf(out, "  %-16s %-25s", rs->name, state);
    uint32_t av[6] = {0}, bv[6] = {0};
    for (int pass = 0; pass < 2; pass++) {
        const lesson_sock_mode *m = pass ? b : a;
        uint32_t *d = pass ? bv : av;
        if (!m)
            continue;
        const lesson_probe *s = &m->probe;
        d[0] = s->send_queue_bytes, d[1] = s->unsent_bytes, d[2] = s->in_flight_bytes;
        d[3] = s->recv_queue_bytes, d[4] = s->sndbuf_bytes, d[5] = s->rcvbuf_bytes;
    }
    for (int c = 0; c < 6; c++) {
        char cell[40];
        int w = c >= 4 ? 15 : 13;
        if (a && b)
            snprintf(cell, sizeof cell, "%u/%u%s", av[c], bv[c], av[c] != bv[c] ? "*" : "");
        else
            snprintf(cell, sizeof cell, "%u", a ? av[c] : bv[c]);
        fprintf(out, " %*s", w, cell);
    }
    if (one->blocked || (a && a->blocked) || (b && b->blocked))
        fputs("  blocked", out);
    fputc('\n', out);
}

/* The kernel's segments of the step and how they compare with the
 * model's (lesson_wirecmp.h). */
static void print_wire(FILE *out, const lesson_record *rec)
{
    enum { SHOWN = 10 };
    if (!(rec->modes & LESSON_MODE_REAL) || rec->wire != LESSON_WIRE_EMULATED)
        return;
    for (size_t i = 0; i < rec->nsegments && i < SHOWN; i++) {
        const lesson_segment *g = &rec->segments[i];
        char flags[32];
        uint64_t t = g->time_us > rec->real_t0_us ? g->time_us - rec->real_t0_us : 0;
        fprintf(out, "  kernel wire +%6.1f ms %s -> %s %-8s seq %u ack %u len %u win %u%s\n",
                (double)t / 1000.0, lesson_side_name((lesson_side)g->from_side),
                lesson_side_name((lesson_side)g->to_side),
                lesson_segment_flags_text(g->flags, flags, sizeof flags), g->seq, g->ack,
                g->bytes, g->window, g->dropped ? " dropped" : "");
    }
    if (rec->nsegments > SHOWN)
        fprintf(out, "  kernel wire ... %zu more segments\n", rec->nsegments - SHOWN);
    lesson_wirecmp c;
    lesson_wirecmp_step(rec, &c);
    if (!c.compared)
        return;
    if (c.agree)
        fprintf(out, "  wire: model %d, kernel %d segments: agree (the model is confirmed)\n",
                c.model_count, c.kernel_count);
    else if (c.shape_agree)
        fprintf(out, "  wire: model %d, kernel %d segments: the same segments, times differ at %s\n",
                c.model_count, c.kernel_count, c.why);
    else
        fprintf(out, "  wire: model %d, kernel %d segments: differ at %s\n", c.model_count,
                c.kernel_count, c.why);
}

static void print_step(FILE *out, const lesson_doc *doc, const lesson_record *rec)
{
    int si = rec->step;
    const lesson_step *st = &doc->steps[si];
    bool vs = rec->modes & LESSON_MODE_SIM, vr = rec->modes & LESSON_MODE_REAL;
    char status[64];
    fprintf(out, "\n== step %d/%zu (line %d): %s\n", si + 1, doc->nsteps, st->line, st->title);
    if (st->title_ja)
        fprintf(out, "   %s\n", st->title_ja);
    for (size_t i = 0; i < st->nsay; i++)
        fprintf(out, "   | %s\n", st->say[i]);
    int k = 0;
    for (size_t i = 0; i < st->nlines; i++) {
        const lesson_line *ln = &st->lines[i];
        if (ln->kind == LESSON_LINE_WAIT) {
            fprintf(out, "  %4d         %s\n", ln->line, ln->code);
            continue;
        }
        if (ln->kind != LESSON_LINE_STMT || k >= rec->nstmts)
            continue;
        fprintf(out, "  %4d %-7s %-44s", ln->line,
                ln->side == LESSON_SERVER ? "server:" : "client:", ln->code);
        if (vs)
            fprintf(out, "  sim: %-14s", lesson_status_text(rec->stmts[k].status[0], status,
                                                            sizeof status));
        if (vr)
            fprintf(out, "  real: %s",
                    lesson_status_text(rec->stmts[k].status[1], status, sizeof status));
        fputc('\n', out);
        k++;
    }
    if (vs)
        fprintf(out, "  sim time %llu.%03llu ms\n", (unsigned long long)(rec->time_us[0] / 1000),
                (unsigned long long)(rec->time_us[0] % 1000));
    if (rec->nsocks) {
        fprintf(out, "  %-16s %-25s %13s %13s %13s %13s %15s %15s\n", "socket",
                vs && vr ? "state (sim/real)" : "state", "send_queue", "unsent", "in_flight",
                "recv_queue", "sndbuf", "rcvbuf");
        for (int i = 0; i < rec->nsocks; i++)
            print_sock_row(out, &rec->socks[i]);
        if (vs && vr)
            fputs("  (sim/real; * marks a difference)\n", out);
    }
    for (int i = 0; i < rec->nfiles; i++) {
        const lesson_rec_file *f = &rec->files[i];
        int first = f->present[0] ? 0 : 1;
        fprintf(out, "  %-16s buffered %u", f->name, f->buffered_bytes[first]);
        if (first == 0 && f->present[1])
            fprintf(out, "/%u", f->buffered_bytes[1]);
        fprintf(out, " of %u\n", f->capacity_bytes);
    }
    print_wire(out, rec);
    for (int m = 0; m < LESSON_MODE_SLOTS; m++) {
        lesson_mode mode = m ? LESSON_MODE_REAL : LESSON_MODE_SIM;
        if (!(rec->modes & mode))
            continue;
        for (int side = 0; side < 2; side++)
            for (int p = 0; p < rec->nresults[m]; p++) {
                const lesson_result *x = &rec->results[m][p];
                if (x->kind == LESSON_RESULT_PRINT && (int)x->side == side)
                    fprintf(out, "  print (%s, %s): %s\n", mode_name(mode),
                            lesson_side_name((lesson_side)side), x->repr);
            }
        for (int side = 0; side < 2; side++)
            if (rec->sides[m][side].last_exc != LESSON_EXC_NONE)
                fprintf(out, "  %s error (%s): %s\n", lesson_side_name((lesson_side)side),
                        mode_name(mode), lesson_exc_name(rec->sides[m][side].last_exc));
    }
    for (int e = 0; e < rec->nexpects; e++) {
        const lesson_expect_result *x = &rec->expects[e];
        fprintf(out, "  %4d expect (%s) %-4s %s (got %s)\n", x->line, mode_name(x->mode),
                x->ok ? "ok" : "FAIL", x->expr, x->got);
    }
}

int lesson_cli_run(int argc, char **argv, FILE *out, FILE *errout)
{
    unsigned modes = LESSON_MODE_BOTH;
    const char *lesson = NULL, *transcript = NULL, *wire = NULL;
    int wf;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(run_usage, out);
            return 0;
        } else if (!strcmp(a, "--transcript")) {
            if (i + 1 >= argc) {
                fprintf(errout, "sockbuf run: --transcript needs a FILE\n%s", run_usage);
                return 2;
            }
            transcript = argv[++i];
        } else if (!strncmp(a, "--transcript=", 13)) {
            transcript = a + 13;
        } else if (parse_mode_flag(a, &modes)) {
            continue;
        } else if ((wf = parse_wire_flag(argc, argv, &i, &wire, errout)) != 0) {
            if (wf < 0)
                return 2;
        } else if (a[0] == '-' && a[1]) {
            fprintf(errout, "sockbuf run: unknown option '%s'\n%s", a, run_usage);
            return 2;
        } else if (lesson) {
            fprintf(errout, "sockbuf run: one lesson at a time ('%s' and '%s')\n%s", lesson, a,
                    run_usage);
            return 2;
        } else {
            lesson = a;
        }
    }
    if (!lesson) {
        fprintf(errout, "sockbuf run: no lesson given\n%s", run_usage);
        return 2;
    }
    char path[PATH_MAX];
    if (lesson_find(lesson, path, sizeof path) < 0) {
        fprintf(errout, "sockbuf run: no lesson '%s' (not a file or a bundled lesson's name)\n",
                lesson);
        return 2;
    }
    lesson_diag diags[LESSON_MAX_DIAGS];
    int nd = 0, status = 0;
    FILE *tf = NULL;
    lesson_runner *r = NULL;
    lesson_doc *doc = lesson_parse_file(path, diags, &nd);
    if (!doc) {
        print_diags(errout, path, diags, nd);
        return 2;
    }
    if (transcript) {
        tf = !strcmp(transcript, "-") ? stdout : fopen(transcript, "w");
        if (!tf) {
            fprintf(errout, "sockbuf run: cannot write '%s': %s\n", transcript, strerror(errno));
            status = 2;
            goto out;
        }
    }
    char err[256] = "";
    start_wire(modes, wire, errout);
    r = lesson_runner_new(doc, modes, err, sizeof err);
    if (!r) {
        fprintf(errout, "sockbuf run: %s\n", err);
        status = 1;
        goto out;
    }
    fprintf(out, "%s: %s\n", doc->name, doc->title);
    if (doc->title_ja)
        fprintf(out, "%s\n", doc->title_ja);
    int rc;
    while ((rc = lesson_runner_step(r)) == 0) {
        const lesson_record *rec = lesson_runner_record(r);
        if (tf != stdout)
            print_step(out, doc, rec);
        if (tf && lesson_runner_write_transcript(r, tf) < 0) {
            fprintf(errout, "sockbuf run: writing '%s': %s\n", transcript, strerror(EIO));
            status = 2;
            goto out;
        }
        for (int e = 0; e < rec->nexpects; e++)
            if (!rec->expects[e].ok)
                status = 1;
    }
    if (rc == -ETIMEDOUT && lesson_runner_timed_out(r)) {
        print_timed_out(errout, path, doc, lesson_runner_step_index(r),
                        LESSON_TIME_BUDGET_US_DEFAULT);
        status = 1;
    } else if (rc < 0) {
        fprintf(errout, "sockbuf run: internal error: %s\n", strerror(-rc));
        status = 1;
    }
    if (rc >= 0 && lesson_runner_ended_blocked(r)) {
        fprintf(out, "\nthe lesson ended with a side still blocked\n");
        status = 1;
    }
out:
    if (tf && tf != stdout && fclose(tf) != 0 && !status) {
        fprintf(errout, "sockbuf run: writing '%s': %s\n", transcript, strerror(errno));
        status = 2;
    }
    lesson_runner_free(r);
    lesson_doc_free(doc);
    return status;
}
