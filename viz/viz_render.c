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
 * --format webp|gif writes each step as one animated file instead,
 * DIR/step-NN.webp or .gif (viz_movie.h): the frames --at would draw
 * across the step, about 12 a second of its animation (at most 40), then
 * its end held, each further narration page held, and for a question the
 * question first and the reveal last. --format pdf writes one handout,
 * DIR/LESSON.pdf (viz_pdf.h): a page a step, its end picture with every
 * page of its narration.
 *
 * Speed: the steps run on the calling thread while a drawing thread draws
 * each step as soon as its scene is kept, and writer threads (one a core,
 * at most 4) compress and write the pictures, so running, drawing and
 * compressing overlap (zlib took 64-77% of render's time when it ran on
 * the one thread after all the steps). The drawing and writer threads run
 * at nice +10: the real mode's timing comes first (drawing never comes
 * between two steps on the runner's thread, as before).
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
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <SDL_ttf.h>

#include "base_opt.h"
#include "lesson.h"
#include "lesson_run.h"
#include "viz.h"
#include "viz_anim.h"
#include "viz_canvas.h"
#include "viz_draw.h"
#include "viz_font.h"
#include "viz_movie.h"
#include "viz_pdf.h"
#include "viz_png.h"
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
    {"help", no_argument, NULL, 'h'},
    {"out", required_argument, NULL, 'o'},
    {"size", required_argument, NULL, 'z'},
    {"lang", required_argument, NULL, 'l'},
    {"at", required_argument, NULL, 'a'},
    {"zoom", required_argument, NULL, 'Z'},
    {"sim", no_argument, NULL, 's'},
    {"wire-view", required_argument, NULL, 'W'},
    {"format", required_argument, NULL, 'F'},
    {"theme", required_argument, NULL, 'T'},
    {"recorded", required_argument, NULL, 'R'},
    {NULL, 0, NULL, 0},
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

/* What render writes. */
typedef enum { FMT_PNG, FMT_WEBP, FMT_GIF, FMT_PDF } render_format;

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
    const char *recorded; /* --recorded DIR: the model's kernel half recorded there, or NULL */
    long delay_ms;      /* SOCKBUF_TEST_PICTURE_DELAY_MS: a pause after each picture */
    render_format format; /* --format */
    bool at_given;        /* --at was given */
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
            o->at_given = true;
            break;
        case 'F':
            if (!strcmp(v, "png"))
                o->format = FMT_PNG;
            else if (!strcmp(v, "webp"))
                o->format = FMT_WEBP;
            else if (!strcmp(v, "gif"))
                o->format = FMT_GIF;
            else if (!strcmp(v, "pdf"))
                o->format = FMT_PDF;
            else {
                fprintf(stderr, "sockbuf render: bad --format '%s' (want png, webp, gif or pdf)\n",
                        v);
                return 2;
            }
            break;
        case 'Z':
            if (base_opt_double(&p, "--zoom", v, 0.5, 3, "a number in 0.5..3", &o->zoom) < 0)
                return 2;
            break;
        case 's':
            o->modes = LESSON_MODE_SIM;
            break;
        case 'R':
            o->recorded = v;
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
    if (o->recorded && o->modes != LESSON_MODE_SIM) {
        fprintf(stderr,
                "sockbuf render: --recorded %s needs --sim (it is the model's kernel half)\n",
                o->recorded);
        return 2;
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
    if (o->at_given && o->format != FMT_PNG) {
        fprintf(stderr,
                "sockbuf render: --at is for --format png (an animated step plays them "
                "all; a handout shows each step's end)\n%s",
                render_usage);
        return 2;
    }
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

/* ---- writer threads ---------------------------------------------------- */

enum { MAX_WRITERS = 4, LANE_DEPTH = 3 };

/* What a writer does with a job. */
typedef enum { JOB_PNG, JOB_FRAME, JOB_FINISH, JOB_PDF } job_kind;

/* One picture (or frame) to compress and write, owned by the queue. */
typedef struct job {
    struct job *next;
    job_kind kind;
    uint32_t *pixels; /* w*h words (JOB_PNG, JOB_FRAME, JOB_PDF); freed after */
    int w, h;         /* its size */
    char *path;       /* JOB_PNG: the file */
    viz_movie *movie; /* JOB_FRAME, JOB_FINISH: the step's movie */
    int ms;           /* JOB_FRAME: how long the frame shows */
    int page;         /* JOB_PDF: the handout's page */
} job;

/* The threads of one render and what they share, under mu. */
typedef struct {
    const render_opts *o;
    const lesson_doc *doc;
    viz_scene *scenes; /* kept by the runner, drawn by the drawer */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* any change below */
    size_t nran;       /* scenes[0..nran) are complete */
    bool ran_all;      /* the runner is done: no more scenes */
    bool failed;       /* a drawer or writer failed: stop */
    char err[512];     /* its message */
    int nwriters;
    pthread_t writers[MAX_WRITERS];
    job *head[MAX_WRITERS], *tail[MAX_WRITERS]; /* each writer's queue */
    int depth[MAX_WRITERS];
    bool closing;        /* no more jobs: writers end when empty */
    viz_pdf_page *pages; /* FMT_PDF: one a step */
    bool serial;         /* SOCKBUF_RENDER_SERIAL: draw after the run, write inline */
} render_ctx;

static void fail_ctx(render_ctx *c, const char *msg)
{
    pthread_mutex_lock(&c->mu);
    if (!c->failed)
        snprintf(c->err, sizeof c->err, "%s", msg);
    c->failed = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

/* The threads that draw and write give way to the one that runs. */
static void lower_priority(void)
{
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
}

static void job_free(job *j)
{
    if (!j)
        return;
    free(j->pixels);
    free(j->path);
    free(j);
}

static int job_run(render_ctx *c, job *j, char *err, size_t errlen)
{
    int rc = 0;
    size_t pitch = (size_t)j->w * sizeof(uint32_t);
    switch (j->kind) {
    case JOB_PNG:
        rc = viz_png_write(j->path, j->pixels, j->w, j->h, pitch, VIZ_PNG_FAST, err, errlen);
        break;
    case JOB_FRAME:
        rc = viz_movie_add(j->movie, j->pixels, pitch, j->ms, err, errlen);
        break;
    case JOB_FINISH:
        rc = viz_movie_finish(j->movie, err, errlen);
        viz_movie_free(j->movie);
        j->movie = NULL;
        break;
    case JOB_PDF:
        rc = viz_pdf_page_encode(j->pixels, j->w, j->h, pitch, &c->pages[j->page], err, errlen);
        break;
    }
    if (rc == 0 && j->kind != JOB_FRAME && c->o->delay_ms > 0) {
        struct timespec d = {c->o->delay_ms / 1000, c->o->delay_ms % 1000 * 1000000L};
        while (nanosleep(&d, &d) < 0 && errno == EINTR)
            ;
    }
    return rc;
}

typedef struct {
    render_ctx *c;
    int lane;
} writer_arg;

static void *writer_main(void *arg)
{
    writer_arg *wa = arg;
    render_ctx *c = wa->c;
    int lane = wa->lane;
    lower_priority();
    for (;;) {
        pthread_mutex_lock(&c->mu);
        while (!c->head[lane] && !c->closing)
            pthread_cond_wait(&c->cv, &c->mu);
        job *j = c->head[lane];
        if (j) {
            c->head[lane] = j->next;
            if (!c->head[lane])
                c->tail[lane] = NULL;
            c->depth[lane]--;
            pthread_cond_broadcast(&c->cv);
        }
        bool skip = c->failed;
        pthread_mutex_unlock(&c->mu);
        if (!j)
            break;
        char err[512] = "";
        if (!skip && job_run(c, j, err, sizeof err) < 0)
            fail_ctx(c, err);
        /* after a failure the movies are dropped (their files removed) */
        if (skip && j->kind == JOB_FINISH)
            viz_movie_free(j->movie);
        job_free(j);
    }
    return NULL;
}

/* Queues j on a writer, waiting while its queue is full. Takes j. Returns
 * 0, or -1 when a thread failed (j is freed; a movie's finishing job is
 * queued all the same, so that its writer frees the movie after the
 * frames it may still be adding). */
static int submit(render_ctx *c, int lane, job *j)
{
    if (c->serial) { /* the old way: written at once, on the drawing thread */
        char err[512] = "";
        int rc = c->failed ? -1 : job_run(c, j, err, sizeof err);
        if (rc < 0 && err[0])
            fail_ctx(c, err);
        if (c->failed && j->kind == JOB_FINISH && j->movie)
            viz_movie_free(j->movie); /* not run: job_run frees it */
        job_free(j);
        return rc < 0 ? -1 : 0;
    }
    pthread_mutex_lock(&c->mu);
    while (c->depth[lane] >= LANE_DEPTH && !c->failed)
        pthread_cond_wait(&c->cv, &c->mu);
    bool failed = c->failed;
    if (failed && j->kind != JOB_FINISH) {
        pthread_mutex_unlock(&c->mu);
        job_free(j);
        return -1;
    }
    if (c->tail[lane])
        c->tail[lane]->next = j;
    else
        c->head[lane] = j;
    c->tail[lane] = j;
    c->depth[lane]++;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return failed ? -1 : 0;
}

/* A copy of the canvas's pixels, w*h words. NULL when out of memory. */
static uint32_t *grab(viz_canvas *canvas)
{
    SDL_Surface *sf = viz_canvas_surface(canvas);
    SDL_RenderFlush(viz_canvas_renderer(canvas));
    uint32_t *px = malloc((size_t)sf->w * (size_t)sf->h * sizeof *px);
    if (!px)
        return NULL;
    for (int y = 0; y < sf->h; y++)
        memcpy(px + (size_t)y * (size_t)sf->w,
               (const char *)sf->pixels + (size_t)y * (size_t)sf->pitch,
               (size_t)sf->w * sizeof *px);
    return px;
}

/* ---- drawing ----------------------------------------------------------- */

/* What the drawing thread holds. */
typedef struct {
    render_ctx *c;
    viz_canvas *canvas;
    viz_anim *anim;
    viz_frame *frame;
    viz_ui ui;
} drawer;

typedef enum { PASS_PLAIN, PASS_QUESTION, PASS_REVEAL } draw_pass;

/* Draws step k's picture at progress at, narration page page, in pass
 * (the question over the step before it, or the reveal). Returns the
 * narration's page count. */
static int draw_one(drawer *d, size_t k, double at, int page, draw_pass pass)
{
    const lesson_doc *doc = d->c->doc;
    viz_scene *scene = &d->c->scenes[k];
    const lesson_question *q = doc->steps[k].question;
    viz_anim_seek(d->anim, scene, at, d->frame);
    viz_ui u = d->ui;
    viz_fold fold = {0}; /* where the reveal goes (viz_ui.fold) */
    u.fold = &fold;
    u.kernel_wire_none =
        d->c->o->kernel_wire && viz_anim_kernel_wire(d->anim, scene, at, d->frame) < 0;
    u.nar_page = page;
    SDL_Renderer *cr = viz_canvas_renderer(d->canvas);
    int np = 1;
    viz_draw_scene_pages(cr, viz_canvas_text(d->canvas), scene, d->frame, &u, d->c->o->w,
                         d->c->o->h, &np);
    if (pass != PASS_PLAIN) {
        const lesson_line *al = &doc->steps[k].lines[q->answer_index];
        char cond[300];
        snprintf(cond, sizeof cond, "%s: %s", lesson_side_name(al->side), al->code);
        viz_question_draw(cr, viz_canvas_text(d->canvas), q, cond,
                          pass == PASS_REVEAL ? &scene->question : NULL, NULL, &u, d->c->o->w,
                          d->c->o->h);
    }
    return np < 1 ? 1 : np;
}

/* PNG: one picture per narration page (step-05.png, step-05-p2.png...),
 * and for a question its question and reveal pictures (first page). */
static int draw_png(drawer *d, size_t k, int lane)
{
    const render_opts *o = d->c->o;
    const lesson_question *q = d->c->doc->steps[k].question;
    for (int pass = 0; pass < (q ? 3 : 1); pass++) {
        for (int page = 0, pages = 1; page < pages; page++) {
            int np = draw_one(d, k, pass == PASS_QUESTION ? 0.0 : o->at, page, (draw_pass)pass);
            if (pass == PASS_PLAIN)
                pages = np;
            char file[4200], pg[16] = "";
            if (page > 0)
                snprintf(pg, sizeof pg, "-p%d", page + 1);
            snprintf(file, sizeof file, "%s/step-%02zu%s%s.png", o->out, k + 1,
                     pass == PASS_QUESTION ? "-question"
                     : pass == PASS_REVEAL ? "-reveal"
                                           : "",
                     pg);
            job *j = calloc(1, sizeof *j);
            if (j) {
                j->kind = JOB_PNG;
                j->w = o->w;
                j->h = o->h;
                j->pixels = grab(d->canvas);
                j->path = strdup(file);
            }
            if (!j || !j->pixels || !j->path) {
                job_free(j);
                fail_ctx(d->c, "render: out of memory for a picture");
                return -1;
            }
            int nw = d->c->nwriters ? d->c->nwriters : 1;
            if (submit(d->c, (lane + page + pass) % nw, j) < 0)
                return -1;
            printf("%s\n", file);
        }
    }
    return 0;
}

/* Adds the canvas as a frame of movie m, shown ms. */
static int add_frame(drawer *d, int lane, viz_movie *m, int ms)
{
    job *j = calloc(1, sizeof *j);
    if (j) {
        j->kind = JOB_FRAME;
        j->w = d->c->o->w;
        j->h = d->c->o->h;
        j->movie = m;
        j->ms = ms;
        j->pixels = grab(d->canvas);
    }
    if (!j || !j->pixels) {
        job_free(j);
        fail_ctx(d->c, "render: out of memory for a frame");
        return -1;
    }
    return submit(d->c, lane, j);
}

/* How long step k plays in the window at speed 1 (ms): what its chips
 * need, or the lesson's longer `pace`. */
static double step_ms(drawer *d, size_t k)
{
    double ms = viz_anim_duration_ms(d->anim);
    double pace = (double)d->c->doc->steps[k].pace_us / 1000.0;
    return pace > ms ? pace : ms;
}

enum { MOVIE_FRAME_MS = 80, MOVIE_MAX_FRAMES = 40, MOVIE_HOLD_MS = 2500, MOVIE_PAGE_MS = 4000 };

/* WebP or GIF: the step's animation as one file (see the top). */
static int draw_movie(drawer *d, size_t k, int lane)
{
    const render_opts *o = d->c->o;
    const lesson_question *q = d->c->doc->steps[k].question;
    char file[4200], err[512] = "";
    snprintf(file, sizeof file, "%s/step-%02zu.%s", o->out, k + 1,
             o->format == FMT_WEBP ? "webp" : "gif");
    viz_movie *m = viz_movie_new(o->format == FMT_WEBP ? VIZ_MOVIE_WEBP : VIZ_MOVIE_GIF, file, o->w,
                                 o->h, err, sizeof err);
    if (!m) {
        fail_ctx(d->c, err);
        return -1;
    }
    double dur = step_ms(d, k);
    int n = (int)(dur / MOVIE_FRAME_MS) + 1;
    if (n < 2)
        n = 2;
    if (n > MOVIE_MAX_FRAMES)
        n = MOVIE_MAX_FRAMES;
    int each = (int)(dur / (n - 1) + 0.5);
    int rc = 0;
    if (q) {
        draw_one(d, k, 0.0, 0, PASS_QUESTION);
        rc = add_frame(d, lane, m, MOVIE_PAGE_MS);
    }
    int pages = 1;
    for (int i = 0; rc == 0 && i < n; i++) {
        int np = draw_one(d, k, (double)i / (n - 1), 0, PASS_PLAIN);
        if (i == n - 1)
            pages = np;
        rc = add_frame(d, lane, m, i == n - 1 ? MOVIE_HOLD_MS : each);
    }
    for (int page = 1; rc == 0 && page < pages; page++) {
        draw_one(d, k, 1.0, page, PASS_PLAIN);
        rc = add_frame(d, lane, m, MOVIE_PAGE_MS);
    }
    if (rc == 0 && q) {
        draw_one(d, k, 1.0, 0, PASS_REVEAL);
        rc = add_frame(d, lane, m, MOVIE_PAGE_MS);
    }
    /* Even after a failure the movie is finished by a job of its writer,
     * which frees it after the frames it may still be adding. */
    job *j = calloc(1, sizeof *j);
    if (!j) {
        fail_ctx(d->c, "render: out of memory");
        return -1; /* m is lost: its frames may still be queued */
    }
    j->kind = JOB_FINISH;
    j->movie = m;
    if (submit(d->c, lane, j) < 0 || rc < 0)
        return -1;
    printf("%s\n", file);
    return 0;
}

/* PDF: the step's end picture, every narration page stacked, as page k. */
static int draw_pdf(drawer *d, size_t k, int lane)
{
    const render_opts *o = d->c->o;
    size_t one = (size_t)o->w * (size_t)o->h;
    uint32_t *px = NULL;
    int pages = 1;
    for (int page = 0; page < pages; page++) {
        int np = draw_one(d, k, 1.0, page, PASS_PLAIN);
        if (page == 0) {
            pages = np;
            px = malloc(one * (size_t)pages * sizeof *px);
            if (!px)
                break;
        }
        uint32_t *g = grab(d->canvas);
        if (!g) {
            free(px);
            px = NULL;
            break;
        }
        memcpy(px + one * (size_t)page, g, one * sizeof *px);
        free(g);
    }
    job *j = px ? calloc(1, sizeof *j) : NULL;
    if (!j) {
        free(px);
        fail_ctx(d->c, "render: out of memory for a handout page");
        return -1;
    }
    j->kind = JOB_PDF;
    j->pixels = px;
    j->w = o->w;
    j->h = o->h * pages;
    j->page = (int)k;
    return submit(d->c, lane, j);
}

/* The drawing thread: draws each step as soon as the runner has kept its
 * scene, until the runner is done and every kept scene is drawn. */
static void *drawer_main(void *arg)
{
    drawer *d = arg;
    render_ctx *c = d->c;
    lower_priority();
    for (size_t k = 0;; k++) {
        pthread_mutex_lock(&c->mu);
        while (k >= c->nran && !c->ran_all && !c->failed)
            pthread_cond_wait(&c->cv, &c->mu);
        bool stop = c->failed || k >= c->nran;
        pthread_mutex_unlock(&c->mu);
        if (stop)
            break;
        if (viz_anim_build(d->anim, &c->scenes[k]) < 0) {
            char m[128];
            snprintf(m, sizeof m, "step %zu: viz_anim_build: out of memory", k + 1);
            fail_ctx(c, m);
            break;
        }
        int lane = c->nwriters ? (int)(k % (size_t)c->nwriters) : 0;
        int rc = c->o->format == FMT_PNG   ? draw_png(d, k, lane)
                 : c->o->format == FMT_PDF ? draw_pdf(d, k, lane)
                                           : draw_movie(d, k, lane);
        if (rc < 0)
            break;
    }
    fflush(stdout);
    return NULL;
}

/* The lesson's file name without its folder and ".lesson": the handout's. */
static void base_name(const char *path, char *out, size_t outlen)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, b, n);
    out[n] = '\0';
    char *dot = strrchr(out, '.');
    if (dot && !strcmp(dot, ".lesson"))
        *dot = '\0';
}

static int writer_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > MAX_WRITERS)
        n = MAX_WRITERS;
    return (int)n;
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
    drawer d = {0};
    render_ctx c = {.o = &o};
    pthread_mutex_init(&c.mu, NULL);
    pthread_cond_init(&c.cv, NULL);
    writer_arg wargs[MAX_WRITERS];
    bool drawing = false;
    pthread_t draw_thread;
    viz_scene scene;
    viz_scene_init(&scene, NULL);
    size_t nkept = 0;    /* scenes made (the runner's count; c.nran is published) */
    FILE *report = NULL; /* the checks said, until the steps are over */
    char *report_text = NULL;
    size_t report_len = 0;
    char err[512] = "";
    char path[4096];
    if (lesson_find(o.lesson, path, sizeof path) < 0) {
        char why[512];
        lesson_find_explain(o.lesson, why, sizeof why);
        fprintf(stderr, "sockbuf render: %s\n", why);
        rc = 2;
        goto out;
    }
    lesson_diag diags[LESSON_MAX_DIAGS];
    int nd = 0;
    doc = lesson_parse_file(path, diags, &nd);
    if (!doc) {
        for (int i = 0; i < nd; i++)
            fprintf(stderr, "%s:%d:%d: error: %s\n", path, diags[i].line, diags[i].col,
                    diags[i].message);
        rc = 2;
        goto out;
    }
    c.doc = doc;
    if (mkdir_p(o.out) < 0) {
        fprintf(stderr, "sockbuf render: mkdir(%s): %s\n", o.out, strerror(errno));
        goto out;
    }
    lesson_run_opts ro = {.modes = o.modes, .wire = wire, .recorded_dir = o.recorded};
    runner = lesson_runner_new_opts(doc, &ro, err, sizeof err);
    if (!runner && o.modes != LESSON_MODE_SIM) {
        fprintf(stderr, "sockbuf render: real sockets off (%s); drawing the model only\n", err);
        runner = lesson_runner_new(doc, LESSON_MODE_SIM, err, sizeof err);
    }
    if (!runner) {
        fprintf(stderr, "sockbuf render: %s\n", err);
        goto out;
    }
    d.c = &c;
    d.canvas = viz_canvas_new(o.w, o.h, err, sizeof err);
    d.anim = viz_anim_new();
    d.frame = calloc(1, sizeof *d.frame);
    d.ui = (viz_ui){.lang = o.lang,
                    .zoom = o.zoom,
                    .theme = o.theme,
                    .speed = 1.0,
                    .kernel_wire = o.kernel_wire};
    c.scenes = calloc(doc->nsteps ? doc->nsteps : 1, sizeof *c.scenes);
    c.pages = calloc(doc->nsteps ? doc->nsteps : 1, sizeof *c.pages);
    if (!d.canvas || !d.anim || !d.frame || !c.scenes || !c.pages) {
        fprintf(stderr, "sockbuf render: %s\n", err[0] ? err : "out of memory");
        goto out;
    }
    report = open_memstream(&report_text, &report_len);
    if (!report) {
        fprintf(stderr, "sockbuf render: open_memstream(report): %s\n", strerror(errno));
        goto out;
    }
    /* SOCKBUF_RENDER_SERIAL=1 (for bench/bench_render.sh): render as it
     * did before the threads, every step run first, then each picture
     * drawn and written in turn, for the benchmark's peer. */
    const char *serial = getenv("SOCKBUF_RENDER_SERIAL");
    c.serial = serial && *serial && strcmp(serial, "0");
    c.nwriters = c.serial ? 0 : writer_count();
    for (int i = 0; i < c.nwriters; i++) {
        wargs[i] = (writer_arg){&c, i};
        int e = pthread_create(&c.writers[i], NULL, writer_main, &wargs[i]);
        if (e) {
            fprintf(stderr, "sockbuf render: pthread_create(writer): %s\n", strerror(e));
            c.nwriters = i;
            goto out;
        }
    }
    if (!c.serial) {
        int e = pthread_create(&draw_thread, NULL, drawer_main, &d);
        if (e) {
            fprintf(stderr, "sockbuf render: pthread_create(drawer): %s\n", strerror(e));
            goto out;
        }
        drawing = true;
    }
    /* Every step, in both modes, one after the other as check runs them:
     * the real mode measures real time across steps (a `wait`, a stall
     * timed from one step into the next), so nothing may come between
     * them on this thread. Each step's scene is kept and handed to the
     * drawing thread; the checks are said into memory, then on stderr
     * once the steps are over. */
    viz_scene_init(&scene, doc);
    int failed = 0, step_rc = 0;
    bool ran_ok = true;
    while (nkept < doc->nsteps) {
        step_rc = lesson_runner_step(runner);
        if (step_rc != 0)
            break;
        failed += render_report(report, path, lesson_runner_record(runner));
        if (viz_scene_next(&scene, lesson_runner_record(runner)) < 0 ||
            viz_scene_copy(&c.scenes[nkept], &scene) < 0) {
            fprintf(stderr,
                    "sockbuf render: step %zu: viz_scene_next/viz_scene_copy: out of memory\n",
                    nkept + 1);
            ran_ok = false;
            break;
        }
        nkept++;
        pthread_mutex_lock(&c.mu);
        c.nran = nkept;
        pthread_cond_broadcast(&c.cv);
        pthread_mutex_unlock(&c.mu);
    }
    lesson_runner_free(runner); /* the sockets close */
    runner = NULL;
    pthread_mutex_lock(&c.mu);
    c.ran_all = true;
    if (!ran_ok)
        c.failed = true;
    pthread_cond_broadcast(&c.cv);
    pthread_mutex_unlock(&c.mu);
    if (fclose(report) != 0) {
        report = NULL;
        fprintf(stderr, "sockbuf render: fclose(report): %s\n", strerror(errno));
        goto out;
    }
    report = NULL;
    fputs(report_text, stderr);
    if (step_rc < 0)
        fprintf(stderr, "sockbuf render: step %zu: %s\n", nkept + 1, strerror(-step_rc));
    if (c.serial)
        drawer_main(&d);
    else
        pthread_join(draw_thread, NULL);
    drawing = false;
    pthread_mutex_lock(&c.mu);
    c.closing = true;
    pthread_cond_broadcast(&c.cv);
    pthread_mutex_unlock(&c.mu);
    for (int i = 0; i < c.nwriters; i++)
        pthread_join(c.writers[i], NULL);
    c.nwriters = 0;
    if (c.failed) {
        if (c.err[0])
            fprintf(stderr, "sockbuf render: %s\n", c.err);
        goto out;
    }
    if (o.format == FMT_PDF && nkept > 0) {
        char name[256], file[4400];
        base_name(path, name, sizeof name);
        snprintf(file, sizeof file, "%s/%s.pdf", o.out, name);
        const char *title = o.lang == VIZ_LANG_JA && doc->title_ja ? doc->title_ja : doc->title;
        if (viz_pdf_write(file, title, c.pages, (int)nkept, err, sizeof err) < 0) {
            fprintf(stderr, "sockbuf render: %s\n", err);
            goto out;
        }
        printf("%s\n", file);
    }
    rc = failed || step_rc < 0 ? 1 : 0;
out:
    if (report)
        fclose(report);
    if (drawing || c.nwriters > 0) { /* a failure while they ran: stop them */
        pthread_mutex_lock(&c.mu);
        c.ran_all = c.failed = c.closing = true;
        pthread_cond_broadcast(&c.cv);
        pthread_mutex_unlock(&c.mu);
        if (drawing)
            pthread_join(draw_thread, NULL);
        for (int i = 0; i < c.nwriters; i++)
            pthread_join(c.writers[i], NULL);
    }
    free(report_text);
    for (size_t k = 0; c.scenes && k < nkept; k++)
        viz_scene_free(&c.scenes[k]);
    free(c.scenes);
    for (size_t k = 0; c.pages && k < doc->nsteps; k++)
        free(c.pages[k].data);
    free(c.pages);
    viz_scene_free(&scene);
    free(d.frame);
    viz_anim_free(d.anim);
    viz_canvas_free(d.canvas);
    lesson_runner_free(runner);
    lesson_doc_free(doc);
    pthread_cond_destroy(&c.cv);
    pthread_mutex_destroy(&c.mu);
    if (TTF_WasInit())
        TTF_Quit();
    viz_font_shutdown();
    return rc;
}
