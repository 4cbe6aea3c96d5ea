/* viz_render.c: `sockbuf render LESSON --out DIR [--size WxH] [--lang en|ja]`.
 *
 * Runs the lesson's steps (the model, and the real sockets when loopback
 * works), all of them first, keeping each step's scene, and then draws
 * each step with the window's own code on a software canvas, writing
 * DIR/step-01.png, DIR/step-02.png, ... Drawing and writing never come
 * between two steps: the real mode measures real time across steps (05's
 * stall is timed from step 4 into step 5), and a picture's time would
 * count there, so its checks would depend on the picture. No display
 * is needed and OpenGL is never loaded. --at P (0..1, default 1) draws each
 * step at that point of its animation instead of its end, to catch bytes
 * on the wire; --zoom Z scales the text as Ctrl+= does in the window;
 * --sim draws the model only. A step with a question (ask/choice/answer)
 * also gets DIR/step-NN-question.png (the question over the step before
 * it plays) and DIR/step-NN-reveal.png (the step played, the right choice
 * marked with what the model and the kernel found). A step whose
 * narration takes more than one page (viz_draw_scene_pages) gets one
 * picture per page: DIR/step-NN.png, DIR/step-NN-p2.png, ...
 * Its options and help are render's rows of the command table in cmd/.
 *
 * The pictures show each step's checks (the badge); render says them too,
 * on stderr, so a script can tell a red badge without looking: each
 * expectation that failed as `check` prints it, then one line per step,
 * "step N: K of M checks passed" (", F failed", ", S not checked" when
 * there are some). Its exit status is 1 when a check failed, as check's
 * and run's are.
 *
 * For tests: SOCKBUF_TEST_PICTURE_DELAY_MS=N in the environment holds
 * render back N ms after each picture it writes, as a slow disk or a busy
 * machine would (tests/render_checks.sh).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <SDL_ttf.h>

#include "base_opt.h"
#include "lesson.h"
#include "lesson_run.h"
#include "viz.h"
#include "viz_anim.h"
#include "viz_canvas.h"
#include "viz_draw.h"
#include "viz_font.h"
#include "viz_question.h"
#include "viz_scene.h"
#include "viz_theme.h"

/* The help and the usage lines are in the command table (cmd/cmd_table.c),
 * which main() parses the command line with before this module is loaded:
 * here, a pointer to them. */
static const char render_usage[] = "try 'sockbuf render --help'\n";

/* render's options: the same names, values and codes as render's rows of
 * the command table (tests/test_cmd_table.c fails when they differ). */
extern const struct option viz_render_options[];
const struct option viz_render_options[] = {
    {"help", no_argument, NULL, 'h'},        {"out", required_argument, NULL, 'o'},
    {"size", required_argument, NULL, 'z'},  {"lang", required_argument, NULL, 'l'},
    {"at", required_argument, NULL, 'a'},    {"zoom", required_argument, NULL, 'Z'},
    {"sim", no_argument, NULL, 's'},         {"wire-view", required_argument, NULL, 'W'},
    {"theme", required_argument, NULL, 'T'}, {NULL, 0, NULL, 0},
};

/* mkdir -p: creates dir and its missing parents. Returns 0 or -1 (errno). */
static int mkdir_p(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(path, 0777) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(path, 0777) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* What `render` was asked for. */
typedef struct {
    const char *lesson; /* path or bundled name */
    const char *out;    /* folder for the PNGs */
    int w, h;           /* picture size */
    double at;          /* point of each step's animation, 0..1 */
    double zoom;        /* text zoom */
    int theme;          /* viz_theme_id: --theme */
    bool kernel_wire;   /* --wire-view kernel */
    viz_lang lang;      /* language */
    unsigned modes;     /* lesson_mode bits */
    long delay_ms;      /* SOCKBUF_TEST_PICTURE_DELAY_MS: a pause after each picture */
} render_opts;

/* Parses render's command line into *o. Returns -1 to go on, else the
 * exit status (0 after --help, 2 after a usage error). */
static int render_parse(int argc, char **argv, render_opts *o)
{
    *o = (render_opts){.w = 1280, .h = 720, .at = 1.0, .zoom = 1.0,
                       .lang = base_locale_is_japanese() ? VIZ_LANG_JA : VIZ_LANG_EN,
                       .modes = LESSON_MODE_BOTH};
    base_opt p = {.cmd = "sockbuf render", .usage = render_usage, .longopts = viz_render_options,
                 .shortopts = "h", .errout = stderr, .argc = argc, .argv = argv};
    const char *v;
    int c;
    while ((c = base_opt_next(&p, &v)) != -1) {
        switch (c) {
        case 'h':
            fputs(render_usage, stdout);
            return 0;
        case 'o':
            o->out = v;
            break;
        case 'z':
            if (viz_parse_size(v, &o->w, &o->h) < 0) {
                fprintf(stderr, "sockbuf render: bad --size '%s' (want WxH, 64..8192)\n", v);
                return 2;
            }
            break;
        case 'l':
            if (strcmp(v, "en") && strcmp(v, "ja")) {
                fprintf(stderr, "sockbuf render: bad --lang '%s' (want en or ja)\n", v);
                return 2;
            }
            o->lang = !strcmp(v, "ja") ? VIZ_LANG_JA : VIZ_LANG_EN;
            break;
        case 'a': /* NaN and infinities are refused: they would reach casts */
            if (base_opt_double(&p, "--at", v, 0, 1, "a number in 0..1", &o->at) < 0)
                return 2;
            break;
        case 'Z':
            if (base_opt_double(&p, "--zoom", v, 0.5, 3, "a number in 0.5..3", &o->zoom) < 0)
                return 2;
            break;
        case 's':
            o->modes = LESSON_MODE_SIM;
            break;
        case 'T':
            if ((o->theme = viz_theme_parse(v)) < 0) {
                fprintf(stderr, "sockbuf render: bad --theme '%s' (want dark, light or contrast)\n",
                        v);
                return 2;
            }
            break;
        case 'W':
            if (strcmp(v, "model") && strcmp(v, "kernel")) {
                fprintf(stderr, "sockbuf render: bad --wire-view '%s' (want model or kernel)\n",
                        v);
                return 2;
            }
            o->kernel_wire = !strcmp(v, "kernel");
            break;
        default:
            return 2;
        }
    }
    for (int i = base_opt_operands(&p); i < argc; i++) {
        if (o->lesson) {
            fprintf(stderr, "sockbuf render: one lesson at a time ('%s' and '%s')\n%s",
                    o->lesson, argv[i], render_usage);
            return 2;
        }
        o->lesson = argv[i];
    }
    const char *delay = getenv("SOCKBUF_TEST_PICTURE_DELAY_MS");
    if (delay && *delay)
        o->delay_ms = strtol(delay, NULL, 10);
    if (!o->lesson || !o->out) {
        fprintf(stderr, "sockbuf render: %s\n%s",
                !o->lesson ? "no lesson given" : "--out DIR is needed", render_usage);
        return 2;
    }
    return -1;
}

/* Says a step's checks on out (see the top of this file): each failed or
 * unchecked expectation as check prints it, then the step's summary line.
 * Returns how many failed. */
static int render_report(FILE *out, const char *path, const lesson_record *rec)
{
    int failed = 0, skipped = 0;
    for (int e = 0; e < rec->nexpects; e++) {
        const lesson_expect_result *x = &rec->expects[e];
        const char *mode = x->mode == LESSON_MODE_SIM ? "sim" : "real";
        if (x->ok)
            continue;
        if (x->skipped) {
            skipped++;
            fprintf(out,
                    "%s:%d: not checked (%s): %s (got %s): the snapshot came %.1f ms late "
                    "(machine busy)\n",
                    path, x->line, mode, x->expr, x->got, (double)x->late_us / 1000.0);
            continue;
        }
        failed++;
        if (rec->question.present && rec->question.line == x->line)
            fprintf(out, "%s:%d: answer %c is wrong (%s): %s (got %s)\n", path, x->line,
                    rec->question.key, mode, x->expr, x->got);
        else
            fprintf(out, "%s:%d: expect failed (%s): %s (got %s)\n", path, x->line, mode, x->expr,
                    x->got);
    }
    char more[64] = "";
    if (failed)
        snprintf(more, sizeof more, ", %d failed", failed);
    if (skipped)
        snprintf(more + strlen(more), sizeof more - strlen(more), ", %d not checked", skipped);
    fprintf(out, "step %d: %d of %d checks passed%s\n", rec->step + 1,
            rec->nexpects - failed - skipped, rec->nexpects, more);
    return failed;
}

/* Draws one step's pictures: the plain frame, then for a question its
 * question and reveal frames. Returns 0 or -1 after a message. */
static int render_step(const render_opts *o, const lesson_doc *doc, size_t k, viz_scene *scene,
                       viz_anim *anim, viz_frame *frame, viz_canvas *canvas, const viz_ui *ui)
{
    char err[512] = "";
    const lesson_question *q = doc->steps[k].question;
    /* The plain frame once per page of its narration (step-05.png,
     * step-05-p2.png, ...), so no narration is missing from the pictures. */
    for (int pass = 0; pass < (q ? 3 : 1); pass++) {
        for (int page = 0, pages = 1; page < pages; page++) {
            double at = pass == 1 ? 0.0 : o->at;
            viz_anim_seek(anim, scene, at, frame);
            viz_ui u = *ui;
            viz_fold fold = {0}; /* where the reveal goes (viz_ui.fold) */
            u.fold = &fold;
            u.kernel_wire_none = o->kernel_wire && viz_anim_kernel_wire(anim, scene, at, frame) < 0;
            u.nar_page = page;
            SDL_Renderer *cr = viz_canvas_renderer(canvas);
            int np = 1;
            viz_draw_scene_pages(cr, viz_canvas_text(canvas), scene, frame, &u, o->w, o->h, &np);
            if (pass == 0)
                pages = np; /* the question's pictures: its first page */
            if (pass > 0) {
                const lesson_line *al = &doc->steps[k].lines[q->answer_index];
                char cond[300];
                snprintf(cond, sizeof cond, "%s: %s", lesson_side_name(al->side), al->code);
                viz_question_draw(cr, viz_canvas_text(canvas), q, cond,
                                  pass == 2 ? &scene->question : NULL, NULL, &u, o->w, o->h);
            }
            char file[4200], pg[16] = "";
            if (page > 0)
                snprintf(pg, sizeof pg, "-p%d", page + 1);
            snprintf(file, sizeof file, "%s/step-%02zu%s%s.png", o->out, k + 1,
                     pass == 1   ? "-question"
                     : pass == 2 ? "-reveal"
                                 : "",
                     pg);
            if (viz_canvas_save_png(canvas, file, err, sizeof err) < 0) {
                fprintf(stderr, "sockbuf render: %s\n", err);
                return -1;
            }
            printf("%s\n", file);
            if (o->delay_ms > 0) {
                struct timespec d = {o->delay_ms / 1000, o->delay_ms % 1000 * 1000000L};
                while (nanosleep(&d, &d) < 0 && errno == EINTR)
                    ;
            }
        }
    }
    return 0;
}

int viz_render_main(int argc, char **argv, lesson_wire_handle *wire)
{
    render_opts o;
    int rc = render_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    rc = 1;
    lesson_doc *doc = NULL;
    lesson_runner *runner = NULL;
    viz_canvas *canvas = NULL;
    viz_anim *anim = NULL;
    viz_frame *frame = NULL;
    viz_scene scene;
    viz_scene_init(&scene, NULL);
    viz_scene *scenes = NULL; /* each step's, kept until it is drawn */
    size_t nran = 0;          /* steps run (and scenes kept) */
    FILE *report = NULL;      /* the checks said, until the steps are over */
    char *report_text = NULL;
    size_t report_len = 0;
    char err[512] = "";
    char path[4096];
    if (lesson_find(o.lesson, path, sizeof path) < 0) {
        char why[512];
        lesson_find_explain(o.lesson, why, sizeof why);
        fprintf(stderr, "sockbuf render: %s\n", why);
        return 2;
    }
    lesson_diag diags[LESSON_MAX_DIAGS];
    int nd = 0;
    doc = lesson_parse_file(path, diags, &nd);
    if (!doc) {
        for (int i = 0; i < nd; i++)
            fprintf(stderr, "%s:%d:%d: error: %s\n", path, diags[i].line, diags[i].col,
                    diags[i].message);
        return 2;
    }
    if (mkdir_p(o.out) < 0) {
        fprintf(stderr, "sockbuf render: mkdir(%s): %s\n", o.out, strerror(errno));
        goto out;
    }
    lesson_run_opts ro = {.modes = o.modes, .wire = wire};
    runner = lesson_runner_new_opts(doc, &ro, err, sizeof err);
    if (!runner && o.modes != LESSON_MODE_SIM) {
        fprintf(stderr, "sockbuf render: real sockets off (%s); drawing the model only\n", err);
        runner = lesson_runner_new(doc, LESSON_MODE_SIM, err, sizeof err);
    }
    if (!runner) {
        fprintf(stderr, "sockbuf render: %s\n", err);
        goto out;
    }
    canvas = viz_canvas_new(o.w, o.h, err, sizeof err);
    anim = viz_anim_new();
    frame = calloc(1, sizeof *frame);
    if (!canvas || !anim || !frame) {
        fprintf(stderr, "sockbuf render: %s\n", err[0] ? err : "out of memory");
        goto out;
    }
    /* First every step, in both modes, one after the other as check runs
     * them: the real mode measures real time across steps (a `wait`, a
     * stall timed from one step into the next), so nothing may come
     * between them. The scene of each is kept and the checks are said into
     * memory; the pictures are drawn after the last step. */
    scenes = calloc(doc->nsteps ? doc->nsteps : 1, sizeof *scenes);
    if (!scenes) {
        fprintf(stderr, "sockbuf render: calloc(%zu scenes): out of memory\n", doc->nsteps);
        goto out;
    }
    report = open_memstream(&report_text, &report_len);
    if (!report) {
        fprintf(stderr, "sockbuf render: open_memstream(report): %s\n", strerror(errno));
        goto out;
    }
    viz_scene_init(&scene, doc);
    int failed = 0, step_rc = 0;
    while (nran < doc->nsteps) {
        step_rc = lesson_runner_step(runner);
        if (step_rc != 0)
            break;
        failed += render_report(report, path, lesson_runner_record(runner));
        if (viz_scene_next(&scene, lesson_runner_record(runner)) < 0 ||
            viz_scene_copy(&scenes[nran], &scene) < 0) {
            fprintf(stderr,
                    "sockbuf render: step %zu: viz_scene_next/viz_scene_copy: out of memory\n",
                    nran + 1);
            goto out;
        }
        nran++;
    }
    lesson_runner_free(runner); /* the sockets close before any drawing */
    runner = NULL;
    if (fclose(report) != 0) {
        report = NULL;
        fprintf(stderr, "sockbuf render: fclose(report): %s\n", strerror(errno));
        goto out;
    }
    report = NULL;
    fputs(report_text, stderr);
    if (step_rc < 0)
        fprintf(stderr, "sockbuf render: step %zu: %s\n", nran + 1, strerror(-step_rc));
    viz_ui ui = {.lang = o.lang,
                 .zoom = o.zoom,
                 .theme = o.theme,
                 .speed = 1.0,
                 .kernel_wire = o.kernel_wire};
    for (size_t k = 0; k < nran; k++) {
        if (viz_anim_build(anim, &scenes[k]) < 0) {
            fprintf(stderr, "sockbuf render: step %zu: viz_anim_build: out of memory\n", k + 1);
            goto out;
        }
        if (render_step(&o, doc, k, &scenes[k], anim, frame, canvas, &ui) < 0)
            goto out;
    }
    rc = failed || step_rc < 0 ? 1 : 0;
out:
    if (report)
        fclose(report);
    free(report_text);
    for (size_t k = 0; scenes && k < nran; k++)
        viz_scene_free(&scenes[k]);
    free(scenes);
    viz_scene_free(&scene);
    free(frame);
    viz_anim_free(anim);
    viz_canvas_free(canvas);
    lesson_runner_free(runner);
    lesson_doc_free(doc);
    if (TTF_WasInit())
        TTF_Quit();
    viz_font_shutdown();
    return rc;
}
