/* cmd_lesson.c: `sockbuf check` and `sockbuf run` (SPEC.md section 2).
 *
 * check runs lessons headless in both modes (or one, --sim/--real) and
 * prints one line per failed expectation, then "N passed, N failed".
 * run prints each step readably (statements with their status per mode, a
 * table of every socket's queues with the model and the kernel side by
 * side, the expectations) and with --transcript writes SPEC.md section 4.
 * check -j N runs N lessons at once, each in a child process whose report
 * comes back through a memory file; the text stays in lesson order.
 * --junit FILE and --tap write CI reports (cmd_report.c).
 * Exit status: 0 all passed, 1 some failed, 2 usage or parse errors.
 * Called by main() in cmd/main.c with argv[0] = "check" / "run".
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base_opt.h"
#include "base_text.h"
#include "cmd_lesson.h"
#include "cmd_report.h"
#include "cmd_table.h"
#include "lesson.h"
#include "lesson_differ.h"
#include "lesson_lint.h"
#include "lesson_run.h"
#include "lesson_wirecmp.h"

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

/* Whether p, a symbolic link found in the folder whose real path is
 * real_dir, points inside that folder (or below it). A link that cannot
 * be resolved leaves it. */
static bool link_stays_inside(const char *p, const char *real_dir)
{
    char target[PATH_MAX];
    if (!realpath(p, target))
        return false;
    size_t n = strlen(real_dir);
    return !strncmp(target, real_dir, n) && (target[n] == '/' || !strcmp(real_dir, "/"));
}

/* Expands one argument into lesson paths (a folder: its regular *.lesson
 * files, sorted, all of them; a symbolic link only when it stays inside
 * the folder, so a course repository cannot make `check DIR/` read
 * /etc/shadow). Returns the count added, or -1 after a message. */
static int expand_arg(const char *arg, path_list *paths, FILE *errout)
{
    struct stat st;
    char real_dir[PATH_MAX];
    if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (!realpath(arg, real_dir)) {
            fprintf(errout, "sockbuf check: cannot resolve folder '%s': %s\n", arg,
                    strerror(errno));
            return -1;
        }
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
                if (lstat(p, &fst) == 0 && S_ISLNK(fst.st_mode) &&
                    !link_stays_inside(p, real_dir)) {
                    fprintf(errout, "sockbuf check: skipping '%s': a link out of the folder\n", p);
                    free(p);
                    continue;
                }
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
        char why[512];
        lesson_find_explain(arg, why, sizeof why);
        fprintf(errout, "sockbuf check: %s\n", why);
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

/* Colour for failures on a terminal (base_colour decides). */
#define RED(c)   ((c) ? "\033[31m" : "")
#define GREEN(c) ((c) ? "\033[32m" : "")
#define PLAIN(c) ((c) ? "\033[0m" : "")

static void add_case(cmd_report *rep, lesson_case_kind kind, int line, unsigned mode, bool ok,
                     const char *what, const char *got)
{
    lesson_case c = {.kind = kind, .line = line, .mode = mode, .ok = ok};
    snprintf(c.what, sizeof c.what, "%s", what);
    snprintf(c.got, sizeof c.got, "%s", got ? got : "");
    cmd_report_add(rep, &c);
}

/* Why an expectation was not checked (lesson_expect_result's skipped). */
static void late_reason(char *out, size_t cap, uint64_t late_us)
{
    snprintf(out, cap, "the snapshot came %.1f ms late (machine busy)", (double)late_us / 1000.0);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* How every lesson of a check is run. */
typedef struct {
    unsigned modes;     /* lesson_mode bits */
    uint64_t budget_us; /* real time a lesson's steps may take (0: no limit) */
    bool colour;        /* failures in red */
    bool need_why;      /* a difference between the modes needs its reason
                           (the default; --no-why turns it off). Only one
                           that outlasts a second look counts: a loaded
                           machine's timing adds differences of its own */
    lesson_wire_handle *wire; /* the real mode's wire (borrowed), or NULL: loopback */
} check_how;

/* The differences between the model and the kernel after the runner's
 * last step that step gives no reason for, at most max into out; only
 * those a second look (lesson_runner_reprobe: the kernel let rest again)
 * still finds count, the kernel's figure as that look read it. Returns
 * how many. */
static int unexplained_differences(lesson_runner *r, const lesson_step *st, lesson_difference *out,
                                   int max)
{
    lesson_difference first[16], again[16];
    int n1 = lesson_differences(lesson_runner_record(r), first, 16), k1 = 0;
    for (int d = 0; d < n1 && d < 16; d++)
        if (!lesson_step_why(st, first[d].side, first[d].figure))
            first[k1++] = first[d];
    if (k1 == 0 || lesson_runner_reprobe(r) < 0)
        return 0;
    int n2 = lesson_differences(lesson_runner_record(r), again, 16), k = 0;
    for (int d = 0; d < n2 && d < 16 && k < max; d++)
        for (int e = 0; e < k1; e++)
            if (!strcmp(again[d].sock, first[e].sock) && again[d].figure == first[e].figure) {
                out[k++] = again[d];
                break;
            }
    return k;
}

/* Runs one lesson in modes into rep: its status (0 passed, 1 failed, 2
 * did not parse), every expectation checked as a case, and the text check
 * prints for it (failures on out, parse errors on errout). */
static void check_one(const char *path, const check_how *how, cmd_report *rep)
{
    unsigned modes = how->modes;
    uint64_t budget_us = how->budget_us;
    bool colour = how->colour;
    size_t ol = 0, el = 0;
    FILE *out = open_memstream(&rep->out_text, &ol), *errout = open_memstream(&rep->err_text, &el);
    double t0 = now_s();
    lesson_diag diags[LESSON_MAX_DIAGS];
    int nd = 0, failed = 0;
    lesson_runner *r = NULL;
    lesson_doc *doc = NULL;
    if (!out || !errout) {
        rep->status = 2;
        goto done;
    }
    doc = lesson_parse_file(path, diags, &nd);
    if (!doc) {
        print_diags(errout, path, diags, nd);
        for (int i = 0; i < nd; i++) {
            char msg[200];
            snprintf(msg, sizeof msg, "%d:%d: error: %.170s", diags[i].line, diags[i].col,
                     diags[i].message);
            add_case(rep, LESSON_CASE_PARSE, diags[i].line, 0, false, msg, NULL);
        }
        rep->status = 2;
        goto done;
    }
    char err[256] = "";
    lesson_run_opts ro = {.modes = modes, .wire = how->wire};
    r = lesson_runner_new_opts(doc, &ro, err, sizeof err);
    if (!r) {
        fprintf(out, "%s%s:1: cannot run: %s%s\n", RED(colour), path, err, PLAIN(colour));
        add_case(rep, LESSON_CASE_INTERNAL, 1, 0, false, err, NULL);
        rep->status = 1;
        goto done;
    }
    lesson_runner_keep_events(r, false); /* nothing here reads the model's log */
    lesson_runner_set_time_budget(r, budget_us);
    int rc;
    lesson_record prev = {0};
    bool have_prev = false;
    /* Each case's time is its step's: the runner's wall time for it
     * (statements, waits, settle), as a CI report shows per testcase. */
    double step_t0 = now_s();
    while ((rc = lesson_runner_step(r)) == 0) {
        const lesson_record *rec = lesson_runner_record(r);
        double step_s = now_s() - step_t0;
        int first_case = rep->ncases;
        /* A narration number no buffer or value on screen holds: a
         * warning, never a failure (lesson_lint.h has the rule). */
        lesson_lint_finding lint[8];
        int nl = lesson_lint_step(doc, rec->step, have_prev ? &prev : NULL, rec, lint, 8);
        for (int k = 0; k < nl && k < 8; k++)
            fprintf(out, "%s:%d: narration says %s, but no buffer or value on screen holds %llu\n",
                    path, lint[k].line, lint[k].said, (unsigned long long)lint[k].value);
        lesson_record_free(&prev);
        have_prev = lesson_record_copy(&prev, rec) == 0;
        for (int e = 0; e < rec->nexpects; e++) {
            const lesson_expect_result *x = &rec->expects[e];
            add_case(rep, LESSON_CASE_EXPECT, x->line, x->mode, x->ok, x->expr, x->got);
            if (x->ok)
                continue;
            if (x->skipped) {
                /* Neither passed nor failed: said, counted, never green. */
                lesson_case *c = &rep->cases[rep->ncases - 1];
                c->skipped = true;
                late_reason(c->skip_reason, sizeof c->skip_reason, x->late_us);
                fprintf(out, "%s:%d: not checked (%s): %s (got %s): %s\n", path, x->line,
                        mode_name(x->mode), x->expr, x->got, c->skip_reason);
                continue;
            }
            if (rec->question.present && rec->question.line == x->line)
                fprintf(out, "%s%s:%d: answer %c is wrong (%s): %s (got %s)%s\n", RED(colour), path,
                        x->line, rec->question.key, mode_name(x->mode), x->expr, x->got,
                        PLAIN(colour));
            else
                fprintf(out, "%s%s:%d: expect failed (%s): %s (got %s)%s\n", RED(colour), path,
                        x->line, mode_name(x->mode), x->expr, x->got, PLAIN(colour));
            failed++;
        }
        /* Every figure the model and the kernel disagree on has its
         * reason in the step (`why SIDE.FIGURE TEXT`). */
        lesson_difference dif[16];
        const lesson_step *st =
            rec->step >= 0 && (size_t)rec->step < doc->nsteps ? &doc->steps[rec->step] : NULL;
        int ndif = how->need_why && st ? unexplained_differences(r, st, dif, 16) : 0;
        for (int d = 0; d < ndif; d++) {
            char what[190];
            const char *side = lesson_side_name(dif[d].side);
            snprintf(what, sizeof what,
                     "%s's %s differs (%s: model %u B, kernel %u B) with no reason given: "
                     "add 'why %s.%s REASON' to the step",
                     side, lesson_figure_name(dif[d].figure), dif[d].sock, dif[d].model_bytes,
                     dif[d].kernel_bytes, side, lesson_figure_name(dif[d].figure));
            add_case(rep, LESSON_CASE_EXPECT, st->line, LESSON_MODE_REAL, false, what, NULL);
            if (rec->real_late_us > LESSON_LATE_BOUND_US) {
                /* The kernel was looked at late: its figure is no evidence. */
                lesson_case *c = &rep->cases[rep->ncases - 1];
                c->skipped = true;
                late_reason(c->skip_reason, sizeof c->skip_reason, rec->real_late_us);
                fprintf(out, "%s:%d: not checked (real): %s: %s\n", path, st->line, what,
                        c->skip_reason);
                continue;
            }
            fprintf(out, "%s%s:%d: %s%s\n", RED(colour), path, st->line, what, PLAIN(colour));
            failed++;
        }
        for (int k = first_case; k < rep->ncases; k++)
            rep->cases[k].seconds = step_s;
        step_t0 = now_s();
    }
    lesson_record_free(&prev);
    if (rc == -ETIMEDOUT && lesson_runner_timed_out(r)) {
        int si = lesson_runner_step_index(r);
        fputs(RED(colour), out);
        print_timed_out(out, path, doc, si, budget_us);
        fputs(PLAIN(colour), out);
        add_case(rep, LESSON_CASE_INTERNAL, si >= 0 ? doc->steps[si].line : 1, 0, false,
                 "lesson ran out of time (check --timeout SECONDS changes it)", NULL);
        failed++;
    } else if (rc < 0) {
        fprintf(out, "%s:1: internal error while running: %s\n", path, strerror(-rc));
        add_case(rep, LESSON_CASE_INTERNAL, 1, 0, false, strerror(-rc), NULL);
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
                fprintf(out, "%s%s:%d: lesson ended with the %s blocked (%s)%s%s%s\n", RED(colour),
                        path, line, lesson_side_name((lesson_side)side), mode_name(mode),
                        code[0] ? ": " : "", code, PLAIN(colour));
                char what[200];
                snprintf(what, sizeof what, "lesson ended with the %s blocked%s%.150s",
                         lesson_side_name((lesson_side)side), code[0] ? ": " : "", code);
                add_case(rep, LESSON_CASE_BLOCKED, line, mode, false, what, NULL);
                failed++;
            }
        }
    }
    rep->status = failed ? 1 : 0;
done:
    lesson_runner_free(r);
    lesson_doc_free(doc);
    if (out)
        fclose(out);
    if (errout)
        fclose(errout);
    rep->seconds = now_s() - t0;
}

/* One lesson in a child process: its report comes back packed through a
 * memory file (no file on disk). */
typedef struct {
    pid_t pid; /* the child, 0 when done or not started */
    int fd;    /* memfd the child writes its packed report to */
} check_job;

static int start_job(check_job *job, const char *path, const check_how *how)
{
    pid_t parent = getpid();
    job->fd = (int)syscall(SYS_memfd_create, "sockbuf-check", 1u /* MFD_CLOEXEC */);
    if (job->fd < 0)
        return -errno;
    job->pid = fork();
    if (job->pid < 0) {
        int e = errno;
        close(job->fd);
        job->fd = -1;
        job->pid = 0;
        return -e;
    }
    if (job->pid == 0) {
        /* A worker dies with check (kill -9 included), and its wire helper
         * with it (the helper's own PDEATHSIG); checked after setting it,
         * since the parent may have died before. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(3);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        cmd_report rep = {0};
        check_how mine = *how;
        /* The parent's wire answers the parent only: this child makes its own. */
        mine.wire = lesson_wire_after_fork(how->wire);
        check_one(path, &mine, &rep);
        lesson_wire_free(mine.wire);
        char *buf = NULL;
        size_t len = 0;
        int code = 3;
        if (cmd_report_pack(&rep, &buf, &len) == 0) {
            size_t off = 0;
            while (off < len) {
                ssize_t w = write(job->fd, buf + off, len - off);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0)
                    break;
                off += (size_t)w;
            }
            code = off == len ? 0 : 3;
        }
        _exit(code);
    }
    return 0;
}

/* Unpacks the report of job, whose child ended with wait status st, into
 * rep. A child that died or left a damaged report becomes a failure of its
 * lesson, with a message. */
static void finish_job(check_job *job, int st, cmd_report *rep)
{
    bool ok = false;
    job->pid = 0;
    off_t len = lseek(job->fd, 0, SEEK_END);
    char *buf = len > 0 ? malloc((size_t)len) : NULL;
    if (buf && pread(job->fd, buf, (size_t)len, 0) == len && WIFEXITED(st) &&
        WEXITSTATUS(st) == 0 && cmd_report_unpack(rep, buf, (size_t)len) == 0)
        ok = true;
    free(buf);
    close(job->fd);
    job->fd = -1;
    if (ok)
        return;
    char what[200];
    if (WIFSIGNALED(st))
        snprintf(what, sizeof what, "the check of this lesson died of signal %d (%s)", WTERMSIG(st),
                 strsignal(WTERMSIG(st)));
    else
        snprintf(what, sizeof what, "the check of this lesson ended with status %d",
                 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    add_case(rep, LESSON_CASE_INTERNAL, 1, 0, false, what, NULL);
    free(rep->out_text);
    size_t need = strlen(rep->path) + strlen(what) + 8;
    rep->out_text = malloc(need);
    if (rep->out_text)
        snprintf(rep->out_text, need, "%s:1: %s\n", rep->path, what);
    rep->status = 1;
}

/* SIGTERM or SIGINT while workers run: the signal, for check_all to pass
 * on to every worker before it dies of it itself. */
static volatile sig_atomic_t g_stop_signal;
/* The workers, for the handler: it passes the signal on at once (kill is
 * async-signal-safe), so a signal that lands just before waitpid() still
 * ends the wait, when the workers die. */
static check_job *volatile g_jobs;
static volatile sig_atomic_t g_njobs;

static void on_stop_signal(int sig)
{
    g_stop_signal = sig;
    for (int i = 0; i < (int)g_njobs; i++)
        if (g_jobs[i].pid > 0)
            kill(g_jobs[i].pid, sig);
}

/* Passes the stop signal on to the running workers, waits for them, then
 * dies of that signal as the user asked. */
static void stop_workers(check_job *job, int started)
{
    int sig = (int)g_stop_signal;
    for (int i = 0; i < started; i++)
        if (job[i].pid > 0)
            kill(job[i].pid, sig);
    for (int i = 0; i < started; i++)
        if (job[i].pid > 0)
            while (waitpid(job[i].pid, NULL, 0) < 0 && errno == EINTR)
                ;
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Runs every lesson, at most jobs at a time in child processes (jobs 1:
 * in this process), printing each lesson's text in lesson order as soon
 * as it and every lesson before it are done. SIGTERM and SIGINT reach the
 * workers too (a worker also dies with this process, see start_job). */
static void check_all(cmd_report *reps, int n, const check_how *how, int jobs, bool quiet,
                      FILE *out, FILE *errout)
{
    check_job *job = jobs > 1 && n > 1 ? calloc((size_t)n, sizeof *job) : NULL;
    bool *done = calloc((size_t)n, sizeof *done);
    int started = 0, running = 0, next_print = 0;
    struct sigaction stop = {.sa_handler = on_stop_signal}, old_term, old_int;
    sigemptyset(&stop.sa_mask); /* no SA_RESTART: waitpid returns EINTR */
    if (job) {
        g_stop_signal = 0;
        g_jobs = job;
        g_njobs = n;
        sigaction(SIGTERM, &stop, &old_term);
        sigaction(SIGINT, &stop, &old_int);
    }
    fflush(out);
    fflush(errout);
    while (next_print < n) {
        if (job && g_stop_signal)
            stop_workers(job, started);
        while (started < n && running < jobs) {
            if (!job || !done || start_job(&job[started], reps[started].path, how) < 0) {
                check_one(reps[started].path, how, &reps[started]); /* here */
                if (done)
                    done[started] = true;
            } else {
                running++;
            }
            started++;
            if (!done || !job)
                break;
        }
        if (running > 0) {
            int st = 0;
            pid_t pid = waitpid(-1, &st, 0);
            if (pid < 0 && errno == EINTR)
                continue;
            for (int i = 0; pid > 0 && i < started; i++) {
                if (job[i].pid == pid) {
                    finish_job(&job[i], st, &reps[i]);
                    done[i] = true;
                    running--;
                }
            }
        }
        while (next_print < n && (done ? done[next_print] : next_print < started)) {
            if (!quiet) {
                fputs(reps[next_print].err_text ? reps[next_print].err_text : "", errout);
                fputs(reps[next_print].out_text ? reps[next_print].out_text : "", out);
                fflush(out);
            }
            next_print++;
        }
    }
    if (job) {
        sigaction(SIGTERM, &old_term, NULL);
        sigaction(SIGINT, &old_int, NULL);
        g_njobs = 0;
        g_jobs = NULL;
    }
    free(job);
    free(done);
}

/* What `check` was asked for. */
typedef struct {
    unsigned modes;     /* lesson_mode bits */
    uint64_t budget_us; /* real time each lesson's steps may take */
    const char *junit;  /* --junit FILE, or NULL */
    cmd_junit_flavor junit_flavor; /* --junit-flavor full|jenkins */
    bool tap;           /* --tap */
    bool need_why;      /* differences need reasons (off: --no-why) */
    long jobs;          /* -j N; 0: not given (check_default_jobs) */
    int first;          /* argv index of the first lesson */
} check_opts_t;

/* -j when none is given: the cores; but on the emulated wire a lesson's
 * real mode mostly sleeps while the link carries its bytes (latency and
 * rate are real time), so every lesson runs at once, up to
 * CHECK_WIRE_JOBS_MAX: the longest lesson's link time bounds the whole. */
static long check_default_jobs(unsigned modes, const lesson_wire_handle *wire, int nlessons)
{
    enum { CHECK_WIRE_JOBS_MAX = 8 };
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    long jobs = ncpu > 0 ? ncpu : 1;
    bool on_wire = (modes & LESSON_MODE_REAL) && wire;
    long want = nlessons < CHECK_WIRE_JOBS_MAX ? nlessons : CHECK_WIRE_JOBS_MAX;
    if (on_wire && want > jobs)
        jobs = want;
    return jobs;
}

/* Parses check's options. Returns -1 to go on, else the exit status (0
 * after --help, 2 after a usage error). */
static int check_parse(int argc, char **argv, check_opts_t *o, FILE *out, FILE *errout)
{
    *o = (check_opts_t){.modes = LESSON_MODE_BOTH,
                        .budget_us = LESSON_TIME_BUDGET_US_DEFAULT,
                        .need_why = true,
                        .jobs = 0};
    cmd_parser cp;
    if (cmd_parser_init(&cp, CMD_CHECK, argc, argv, errout) < 0)
        return 2;
    base_opt *p = &cp.p;
    const char *v;
    int c;
    while ((c = base_opt_next(p, &v)) != -1) {
        switch (c) {
        case 'h':
            cmd_table_help(out, CMD_CHECK);
            return 0;
        case 's':
            o->modes = LESSON_MODE_SIM;
            break;
        case 'r':
            o->modes = LESSON_MODE_REAL;
            break;
        case 'j':
            if (base_opt_long(p, "-j", v, 1, 256, &o->jobs) < 0)
                return 2;
            break;
        case 'J':
            o->junit = v;
            break;
        case 'K':
            if (!strcmp(v, "full") || !strcmp(v, "jenkins")) {
                o->junit_flavor = !strcmp(v, "jenkins") ? CMD_JUNIT_JENKINS : CMD_JUNIT_FULL;
                break;
            }
            fprintf(errout, "sockbuf check: bad --junit-flavor '%s' (full or jenkins)\n", v);
            return 2;
        case 'T':
            o->tap = true;
            break;
        case 'Y': /* the default now; kept for the scripts that ask for it */
            o->need_why = true;
            break;
        case 'N':
            o->need_why = false;
            break;
        case 'O': {
            char *end = NULL;
            double sec = strtod(v, &end);
            if (!*v || *end || !(sec >= 0 && sec <= 1e9)) {
                fprintf(errout,
                        "sockbuf check: --timeout wants SECONDS (a number >= 0), not '%s'\n", v);
                return 2;
            }
            o->budget_us = (uint64_t)(sec * 1e6);
            break;
        }
        default:
            return 2;
        }
    }
    if (o->tap && o->junit && !strcmp(o->junit, "-")) {
        fprintf(errout, "sockbuf check: --junit - and --tap would both write to standard output; "
                        "give --junit FILE\n");
        return 2;
    }
    o->first = base_opt_operands(p);
    return -1;
}

/* The closing line and the reports of a check. Returns the exit status. */
static int check_report(const check_opts_t *o, cmd_report *reps, int n, bool colour, FILE *jf,
                        FILE *out, FILE *human, FILE *errout)
{
    int passed = 0, failed = 0, skipped = 0;
    bool parse_error = false;
    for (int i = 0; i < n; i++) {
        if (reps[i].status == 0)
            passed++;
        else
            failed++;
        for (int k = 0; k < reps[i].ncases; k++)
            skipped += reps[i].cases[k].skipped;
        if (reps[i].status == 2)
            parse_error = true;
        if (o->tap && reps[i].err_text)
            fputs(reps[i].err_text, errout);
    }
    /* The last line stays exactly "N passed, N failed" (SPEC.md): what
     * was not checked is said on the line before it. */
    if (!o->tap && skipped)
        fprintf(human, "%d expectation%s not checked: the machine was too busy\n", skipped,
                skipped == 1 ? "" : "s");
    if (o->tap)
        cmd_report_tap(out, reps, n);
    else
        fprintf(human, "%s%d passed%s, %s%d failed%s\n", passed && colour && !failed ? GREEN(1) : "",
                passed, passed && colour && !failed ? PLAIN(1) : "", failed ? RED(colour) : "",
                failed, failed ? PLAIN(colour) : "");
    int status = parse_error ? 2 : (failed ? 1 : 0);
    if (jf) {
        int jrc = cmd_report_junit(jf, reps, n, o->junit_flavor);
        if ((jf != out && fclose(jf) != 0) || jrc < 0) {
            fprintf(errout, "sockbuf check: writing '%s' failed\n", o->junit);
            status = 2;
        }
    }
    return status;
}

int cmd_check(int argc, char **argv, lesson_wire_handle *wire, FILE *out, FILE *errout)
{
    check_opts_t o;
    path_list paths = {0};
    cmd_report *reps = NULL;
    int n = 0, status = check_parse(argc, argv, &o, out, errout);
    bool bad = false;
    if (status >= 0)
        return status;
    status = 0;
    for (int i = o.first; i < argc; i++)
        if (expand_arg(argv[i], &paths, errout) < 0)
            bad = true;
    n = paths.n;
    if (bad) {
        status = 2;
        goto out;
    }
    if (n == 0) {
        fprintf(errout, "sockbuf check: no lesson given\n");
        cmd_table_usage(errout, CMD_CHECK);
        status = 2;
        goto out;
    }
    FILE *jf = NULL;
    if (o.junit) {
        jf = !strcmp(o.junit, "-") ? out : fopen(o.junit, "w");
        if (!jf) {
            fprintf(errout, "sockbuf check: cannot write '%s': %s\n", o.junit, strerror(errno));
            status = 2;
            goto out;
        }
    }
    reps = calloc((size_t)n, sizeof *reps);
    if (!reps) {
        fprintf(errout, "sockbuf check: out of memory\n");
        if (jf && jf != out)
            fclose(jf);
        status = 2;
        goto out;
    }
    for (int i = 0; i < n; i++) {
        reps[i].path = paths.v[i];
        paths.v[i] = NULL;
    }
    /* A report on standard output (--junit -, --tap) is all there is
     * there: the lines for people go to standard error (SPEC.md 6). */
    FILE *human = jf == out ? errout : out;
    bool colour = !o.tap && base_colour(human);
    /* main() made the wire before any thread (and said why when it could
     * not); each child of -j makes a wire of its own. */
    if (o.jobs == 0)
        o.jobs = check_default_jobs(o.modes, wire, n);
    check_how how = {.modes = o.modes,
                     .budget_us = o.budget_us,
                     .colour = colour,
                     .need_why = o.need_why,
                     .wire = wire};
    check_all(reps, n, &how, (int)o.jobs, o.tap, human, errout);
    status = check_report(&o, reps, n, colour, jf, out, human, errout);
out:
    for (int i = 0; i < paths.n; i++) {
        free(paths.v[i]);
        if (reps && i < n)
            cmd_report_clear(&reps[i]);
    }
    free(reps);
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
                lesson_segment_flags_text(g->flags, flags, sizeof flags), g->seq, g->ack, g->bytes,
                g->window, g->dropped ? " dropped" : "");
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
        fprintf(out,
                "  wire: model %d, kernel %d segments: the same segments, times differ at %s\n",
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
            fprintf(out, "  sim: %-14s",
                    lesson_status_text(rec->stmts[k].status[0], status, sizeof status));
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
                if (x->kind == LESSON_RESULT_PRINT && (int)x->side == side) {
                    fprintf(out, "  print (%s, %s): ", mode_name(mode),
                            lesson_side_name((lesson_side)side));
                    base_fputs_safe(x->repr, out); /* computed: may hold an ESC */
                    fputc('\n', out);
                }
            }
        for (int side = 0; side < 2; side++)
            if (rec->sides[m][side].last_exc != LESSON_EXC_NONE)
                fprintf(out, "  %s error (%s): %s\n", lesson_side_name((lesson_side)side),
                        mode_name(mode), lesson_exc_name(rec->sides[m][side].last_exc));
    }
    for (int e = 0; e < rec->nexpects; e++) {
        const lesson_expect_result *x = &rec->expects[e];
        char why[120] = "";
        if (x->skipped) {
            strcpy(why, ": not checked, ");
            late_reason(why + strlen(why), sizeof why - strlen(why), x->late_us);
        }
        const char *verdict = x->ok ? "ok" : (x->skipped ? "SKIP" : "FAIL");
        fprintf(out, "  %4d expect (%s) %-4s %s (got %s)%s\n", x->line, mode_name(x->mode), verdict,
                x->expr, x->got, why);
    }
}

int cmd_run(int argc, char **argv, lesson_wire_handle *wire, FILE *out, FILE *errout)
{
    unsigned modes = LESSON_MODE_BOTH;
    const char *lesson = NULL, *transcript = NULL;
    cmd_parser cp;
    if (cmd_parser_init(&cp, CMD_RUN, argc, argv, errout) < 0)
        return 2;
    base_opt *p = &cp.p;
    const char *val;
    int c;
    while ((c = base_opt_next(p, &val)) != -1) {
        if (c == 'h') {
            cmd_table_help(out, CMD_RUN);
            return 0;
        } else if (c == 's' || c == 'r') {
            modes = c == 's' ? LESSON_MODE_SIM : LESSON_MODE_REAL;
        } else if (c == 't') {
            transcript = val;
        } else {
            return 2;
        }
    }
    for (int i = base_opt_operands(p); i < argc; i++) {
        if (lesson) {
            fprintf(errout, "sockbuf run: one lesson at a time ('%s' and '%s')\n", lesson,
                    argv[i]);
            cmd_table_usage(errout, CMD_RUN);
            return 2;
        }
        lesson = argv[i];
    }
    if (!lesson) {
        fprintf(errout, "sockbuf run: no lesson given\n");
        cmd_table_usage(errout, CMD_RUN);
        return 2;
    }
    char path[PATH_MAX];
    if (lesson_find(lesson, path, sizeof path) < 0) {
        char why[512];
        lesson_find_explain(lesson, why, sizeof why);
        fprintf(errout, "sockbuf run: %s\n", why);
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
    lesson_run_opts ro = {.modes = modes, .wire = wire}; /* main() took --wire */
    r = lesson_runner_new_opts(doc, &ro, err, sizeof err);
    if (!r) {
        fprintf(errout, "sockbuf run: %s\n", err);
        status = 1;
        goto out;
    }
    /* --transcript -: the JSON Lines are all there is on standard output
     * (SPEC.md 6); the lines for people go to standard error. */
    FILE *human = tf == stdout ? errout : out;
    fprintf(human, "%s: %s\n", doc->name, doc->title);
    if (doc->title_ja)
        fprintf(human, "%s\n", doc->title_ja);
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
            if (!rec->expects[e].ok && !rec->expects[e].skipped)
                status = 1;
        /* Each step whole on disk and on screen as soon as it is done: a
         * run stopped by Ctrl+C or SIGTERM keeps every step before. */
        base_flush(out);
        if (tf)
            base_flush(tf);
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
        fprintf(human, "\nthe lesson ended with a side still blocked\n");
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
