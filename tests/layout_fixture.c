/* layout_fixture.c: the layout test's pinned fonts (a private fontconfig
 * setup holding exactly the files of the package's font packages) and
 * its recorded kernel half (a line-per-fact transcript). See
 * layout_fixture.h.
 */
#include "layout_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>

#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lesson.h"
#include "lesson_run.h"
#include "viz_font.h"

/* ---- fonts ------------------------------------------------------------ */

typedef struct {
    const char *path;    /* as the Debian package installs it */
    const char *package; /* the package that does */
} pkg_font;

/* Every font file of fonts-dejavu-core and fonts-ipafont-gothic (Debian 12). */
static const pkg_font depends_fonts[] = {
    {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "fonts-dejavu-core"},
    {"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "fonts-dejavu-core"},
    {"/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", "fonts-dejavu-core"},
    {"/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", "fonts-dejavu-core"},
    {"/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", "fonts-dejavu-core"},
    {"/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", "fonts-dejavu-core"},
    {"/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf", "fonts-ipafont-gothic"},
    {"/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf", "fonts-ipafont-gothic"},
};

/* Every font file of fonts-noto-cjk (Debian 12). */
static const pkg_font noto_fonts[] = {
    {"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "fonts-noto-cjk"},
    {"/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "fonts-noto-cjk"},
    {"/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "fonts-noto-cjk"},
    {"/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", "fonts-noto-cjk"},
};

/* The file each face must be drawn with, per set (NULL: none found, as
 * bold Japanese without Noto: the window then uses the regular one). */
static const char *const face_files[LAYOUT_FONTS_COUNT][VIZ_FACE_COUNT] = {
    [LAYOUT_FONTS_DEPENDS] = {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf",
                              "ipag.ttf", NULL},
    [LAYOUT_FONTS_NOTO] = {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf",
                           "NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc"},
};

static const char *const set_names[LAYOUT_FONTS_COUNT] = {"depends", "noto"};

const char *layout_fonts_name(layout_fonts set)
{
    return set < LAYOUT_FONTS_COUNT ? set_names[set] : "?";
}

int layout_fonts_parse(const char *name, layout_fonts *out)
{
    for (int i = 0; i < LAYOUT_FONTS_COUNT; i++)
        if (!strcmp(name, set_names[i])) {
            *out = (layout_fonts)i;
            return 0;
        }
    return -EINVAL;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Links one font into fonts_dir (replacing an older link). */
static int link_font(const pkg_font *f, const char *fonts_dir, char *err, size_t errlen)
{
    if (access(f->path, R_OK) != 0) {
        snprintf(err, errlen,
                 "font file %s is missing: install the Debian package %s "
                 "(scripts/setup does)",
                 f->path, f->package);
        return -ENOENT;
    }
    char link[PATH_MAX];
    snprintf(link, sizeof link, "%s/%s", fonts_dir, base_name(f->path));
    unlink(link);
    if (symlink(f->path, link) != 0) {
        int e = errno;
        snprintf(err, errlen, "symlink(%s, %s): %s", f->path, link, strerror(e));
        return -e;
    }
    return 0;
}

static int make_dir(const char *path, char *err, size_t errlen)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        int e = errno;
        snprintf(err, errlen, "mkdir(%s): %s", path, strerror(e));
        return -e;
    }
    return 0;
}

int layout_fonts_pin(layout_fonts set, const char *dir, char *err, size_t errlen)
{
    char abs[PATH_MAX], fonts_dir[PATH_MAX + 8], conf[PATH_MAX + 16];
    int rc = make_dir(dir, err, errlen);
    if (rc)
        return rc;
    if (!realpath(dir, abs)) {
        int e = errno;
        snprintf(err, errlen, "realpath(%s): %s", dir, strerror(e));
        return -e;
    }
    snprintf(fonts_dir, sizeof fonts_dir, "%s/fonts", abs);
    if ((rc = make_dir(fonts_dir, err, errlen)))
        return rc;
    for (size_t i = 0; i < sizeof depends_fonts / sizeof depends_fonts[0]; i++)
        if ((rc = link_font(&depends_fonts[i], fonts_dir, err, errlen)))
            return rc;
    for (size_t i = 0; i < sizeof noto_fonts / sizeof noto_fonts[0]; i++) {
        char link[PATH_MAX + 64];
        snprintf(link, sizeof link, "%s/%s", fonts_dir, base_name(noto_fonts[i].path));
        unlink(link); /* a set without Noto holds none, even from an earlier run */
        if (set == LAYOUT_FONTS_NOTO && (rc = link_font(&noto_fonts[i], fonts_dir, err, errlen)))
            return rc;
    }
    snprintf(conf, sizeof conf, "%s/fonts.conf", abs);
    FILE *f = fopen(conf, "w");
    if (!f) {
        int e = errno;
        snprintf(err, errlen, "fopen(%s): %s", conf, strerror(e));
        return -e;
    }
    fprintf(f,
            "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n"
            "<!-- written by test_viz_layout: the font set '%s' and nothing else -->\n"
            "<fontconfig>\n  <dir>%s</dir>\n  <cachedir>%s/cache</cachedir>\n</fontconfig>\n",
            set_names[set], fonts_dir, abs);
    if (fclose(f) != 0) {
        snprintf(err, errlen, "fclose(%s): %s", conf, strerror(errno));
        return -EIO;
    }
    setenv("FONTCONFIG_FILE", conf, 1);
    return 0;
}

int layout_fonts_check(layout_fonts set, FILE *out, char *err, size_t errlen)
{
    static const char *const face_names[VIZ_FACE_COUNT] = {"sans", "bold", "mono", "japanese",
                                                           "japanese bold"};
    for (int face = 0; face < VIZ_FACE_COUNT; face++) {
        char path[1024], real[PATH_MAX];
        int index = 0;
        int rc = viz_font_find_index((viz_face)face, path, sizeof path, &index);
        const char *want = face_files[set][face];
        const char *got = rc == 0 ? base_name(path) : NULL;
        if (rc == 0 && realpath(path, real))
            fprintf(out, "fonts (%s): %s: %s #%d\n", set_names[set], face_names[face], real, index);
        else
            fprintf(out, "fonts (%s): %s: none (the regular face draws it)\n", set_names[set],
                    face_names[face]);
        if (want ? !got || strcmp(got, want) != 0 : got != NULL) {
            snprintf(err, errlen, "font set %s: the %s face is drawn with %s, not %s",
                     set_names[set], face_names[face], got ? got : "nothing",
                     want ? want : "nothing");
            return -1;
        }
    }
    return 0;
}

/* ---- the kernel half ---------------------------------------------------- */

static bool plain(const char *s)
{
    return !strpbrk(s, "\t\n\r");
}

int layout_kernel_write(FILE *out, const lesson_record *rec)
{
    fprintf(out, "step %d %u %s %llu %llu %llu\n", rec->step, rec->modes,
            lesson_wire_name(rec->wire), (unsigned long long)rec->real_t0_us,
            (unsigned long long)rec->time_us[1], (unsigned long long)rec->real_late_us);
    for (int i = 0; i < rec->nsocks; i++) {
        const lesson_rec_sock *s = &rec->socks[i];
        const lesson_sock_mode *m = &s->mode[1];
        const lesson_probe *p = &m->probe;
        fprintf(out, "sock %d %s %d %s %d %u %u %u %u %u %u %u %u %u %d %d %d %d %u %u\n", s->id,
                s->name, m->present, lesson_tcp_state_name(p->state), p->listening,
                p->send_queue_bytes, p->unsent_bytes, p->in_flight_bytes, p->recv_queue_bytes,
                p->sndbuf_bytes, p->rcvbuf_bytes, p->sndbuf_usable_bytes, p->rcvbuf_usable_bytes,
                p->peer_window_bytes, p->peer_window_known, m->blocked, m->closed, m->has_file,
                m->file_buffered_bytes, m->file_capacity_bytes);
    }
    for (int i = 0; i < rec->nfiles; i++)
        fprintf(out, "file %d %s %d %u\n", i, rec->files[i].name, rec->files[i].present[1],
                rec->files[i].buffered_bytes[1]);
    for (int i = 0; i < rec->nexpects; i++) {
        const lesson_expect_result *x = &rec->expects[i];
        if (x->mode != LESSON_MODE_REAL)
            continue;
        if (!plain(x->expr) || !plain(x->got))
            return -EINVAL;
        fprintf(out, "expect %d %d %d %llu\t%s\t%s\n", x->line, x->ok, x->skipped,
                (unsigned long long)x->late_us, x->expr, x->got);
    }
    for (size_t i = 0; i < rec->nsegments; i++) {
        const lesson_segment *g = &rec->segments[i];
        fprintf(out, "seg %llu %llu %d %d %u %d %u %u %u %u %u %u\n",
                (unsigned long long)g->time_us, (unsigned long long)g->arrive_us, g->from_side,
                g->to_side, g->flags, g->dropped, g->bytes, g->seq, g->ack, g->window, g->src_port,
                g->dst_port);
    }
    if (rec->question.present) {
        if (!plain(rec->question.got[1]))
            return -EINVAL;
        fprintf(out, "question %d %d %d\t%s\n", rec->question.checked[1], rec->question.held[1],
                rec->question.skipped[1], rec->question.got[1]);
    }
    fputs("end\n", out);
    return ferror(out) ? -EIO : 0;
}

/* Splits line at its tabs: the fields after the first n tabs into
 * field[0..n) (the last one's newline cut). False when it has fewer. */
static bool tab_fields(char *line, char **field, int n)
{
    char *p = line;
    for (int i = 0; i < n; i++) {
        p = strchr(p, '\t');
        if (!p)
            return false;
        *p++ = 0;
        field[i] = p;
    }
    p[strcspn(p, "\n")] = 0;
    return true;
}

static int state_of(const char *name, lesson_tcp_state *out)
{
    bool any = false;
    return lesson_tcp_state_parse(name, strlen(name), out, &any);
}

int layout_kernel_read(FILE *in, lesson_record *rec, char *err, size_t errlen)
{
    static char line[8192];
    int lineno = 0;
    bool started = false;
    while (fgets(line, sizeof line, in)) {
        lineno++;
        char kind[16] = "";
        if (line[0] == '#' || line[0] == '\n' || sscanf(line, "%15s", kind) != 1)
            continue;
        if (!started && strcmp(kind, "step") != 0) {
            snprintf(err, errlen, "line %d: '%s' before any step", lineno, kind);
            return -1;
        }
        if (!strcmp(kind, "step")) {
            int step = -1;
            unsigned modes = 0;
            char wire[16] = "";
            unsigned long long t0 = 0, t1 = 0, late = 0;
            if (sscanf(line, "step %d %u %15s %llu %llu %llu", &step, &modes, wire, &t0, &t1,
                       &late) != 6 ||
                started) {
                snprintf(err, errlen, "line %d: a bad step line", lineno);
                return -1;
            }
            if (step != rec->step) {
                snprintf(err, errlen,
                         "line %d: step %d where the model ran step %d (the "
                         "transcript is stale: re-record it)",
                         lineno, step, rec->step);
                return -1;
            }
            rec->wire = LESSON_WIRE_NONE;
            for (int w = LESSON_WIRE_NONE; w <= LESSON_WIRE_EMULATED; w++)
                if (!strcmp(wire, lesson_wire_name((lesson_wire)w)))
                    rec->wire = (lesson_wire)w;
            rec->modes |= modes & LESSON_MODE_REAL;
            rec->real_t0_us = t0;
            rec->time_us[1] = t1;
            rec->real_late_us = late;
            started = true;
        } else if (!strcmp(kind, "sock")) {
            int id = -1, present, listening, known, blocked, closed, has_file;
            char name[LESSON_NAME_LEN] = "", state[24] = "";
            lesson_probe p = {0};
            unsigned fbuf, fcap;
            if (sscanf(line, "sock %d %47s %d %23s %d %u %u %u %u %u %u %u %u %u %d %d %d %d %u %u",
                       &id, name, &present, state, &listening, &p.send_queue_bytes, &p.unsent_bytes,
                       &p.in_flight_bytes, &p.recv_queue_bytes, &p.sndbuf_bytes, &p.rcvbuf_bytes,
                       &p.sndbuf_usable_bytes, &p.rcvbuf_usable_bytes, &p.peer_window_bytes, &known,
                       &blocked, &closed, &has_file, &fbuf, &fcap) != 20 ||
                state_of(state, &p.state) != 0) {
                snprintf(err, errlen, "line %d: a bad sock line", lineno);
                return -1;
            }
            if (id < 0 || id >= rec->nsocks || strcmp(rec->socks[id].name, name) != 0) {
                snprintf(err, errlen,
                         "line %d: socket %d %s is not the model's (the transcript "
                         "is stale: re-record it)",
                         lineno, id, name);
                return -1;
            }
            p.listening = listening;
            p.peer_window_known = known;
            rec->socks[id].mode[1] =
                (lesson_sock_mode){present, p, blocked, closed, has_file, fbuf, fcap};
        } else if (!strcmp(kind, "file")) {
            int i = -1, present;
            unsigned buffered;
            char name[LESSON_NAME_LEN] = "";
            if (sscanf(line, "file %d %47s %d %u", &i, name, &present, &buffered) != 4 || i < 0 ||
                i >= rec->nfiles || strcmp(rec->files[i].name, name) != 0) {
                snprintf(err, errlen, "line %d: a bad or stale file line", lineno);
                return -1;
            }
            rec->files[i].present[1] = present;
            rec->files[i].buffered_bytes[1] = buffered;
        } else if (!strcmp(kind, "expect")) {
            lesson_expect_result x = {.mode = LESSON_MODE_REAL};
            int ok, skipped;
            unsigned long long late;
            char *f[2];
            if (!tab_fields(line, f, 2) ||
                sscanf(line, "expect %d %d %d %llu", &x.line, &ok, &skipped, &late) != 4) {
                snprintf(err, errlen, "line %d: a bad expect line", lineno);
                return -1;
            }
            x.ok = ok;
            x.skipped = skipped;
            x.late_us = late;
            snprintf(x.expr, sizeof x.expr, "%s", f[0]);
            snprintf(x.got, sizeof x.got, "%s", f[1]);
            lesson_expect_result *grown =
                realloc(rec->expects, sizeof *grown * (size_t)(rec->nexpects + 1));
            if (!grown) {
                snprintf(err, errlen, "realloc(expects): out of memory");
                return -1;
            }
            rec->expects = grown;
            rec->expects[rec->nexpects++] = x;
        } else if (!strcmp(kind, "seg")) {
            lesson_segment g = {0};
            unsigned long long t, a;
            unsigned flags, sport, dport;
            int dropped;
            if (sscanf(line, "seg %llu %llu %d %d %u %d %u %u %u %u %u %u", &t, &a, &g.from_side,
                       &g.to_side, &flags, &dropped, &g.bytes, &g.seq, &g.ack, &g.window, &sport,
                       &dport) != 12) {
                snprintf(err, errlen, "line %d: a bad seg line", lineno);
                return -1;
            }
            g.time_us = t;
            g.arrive_us = a;
            g.flags = (uint8_t)flags;
            g.dropped = dropped;
            g.src_port = (uint16_t)sport;
            g.dst_port = (uint16_t)dport;
            lesson_segment *grown = realloc(rec->segments, sizeof *grown * (rec->nsegments + 1));
            if (!grown) {
                snprintf(err, errlen, "realloc(segments): out of memory");
                return -1;
            }
            rec->segments = grown;
            rec->segments[rec->nsegments++] = g;
        } else if (!strcmp(kind, "question")) {
            int checked, held, skipped;
            char *got;
            if (!tab_fields(line, &got, 1) ||
                sscanf(line, "question %d %d %d", &checked, &held, &skipped) != 3 ||
                !rec->question.present) {
                snprintf(err, errlen, "line %d: a bad or stale question line", lineno);
                return -1;
            }
            rec->question.checked[1] = checked;
            rec->question.held[1] = held;
            rec->question.skipped[1] = skipped;
            snprintf(rec->question.got[1], sizeof rec->question.got[1], "%s", got);
        } else if (!strcmp(kind, "end")) {
            return 0;
        } else {
            snprintf(err, errlen, "line %d: unknown line '%s'", lineno, kind);
            return -1;
        }
    }
    snprintf(err, errlen, "the transcript ends before step %d does (re-record it)", rec->step);
    return -1;
}

/* ---- a lesson's scenes (the layout and frame-truth tests) ---- */

void layout_kernel_path(const char *lesson_path, char *out, size_t len)
{
    const char *base = strrchr(lesson_path, '/');
    base = base ? base + 1 : lesson_path;
    size_t n = strlen(base);
    if (n > 7 && !strcmp(base + n - 7, ".lesson"))
        n -= 7;
    snprintf(out, len, "%s/tests/layout/%.*s.kernel", SOCKBUF_SOURCE_DIR, (int)n, base);
}

/* One lesson's scenes: the model's run, each step's kernel half read
 * from the lesson's recorded transcript (or, recording, a run in both
 * modes whose kernel half is written there). */
int layout_lesson_scenes(const char *path, bool recording, lesson_wire_handle *wire,
                         lesson_doc **doc_out, viz_scene *scenes, int max)
{
    lesson_diag diags[LESSON_MAX_DIAGS];
    int nd = 0;
    lesson_doc *doc = lesson_parse_file(path, diags, &nd);
    assert_non_null(doc);
    char err[256], tpath[PATH_MAX];
    lesson_run_opts o = {.modes = recording ? LESSON_MODE_BOTH : LESSON_MODE_SIM,
                         .wire = wire};
    lesson_runner *r = lesson_runner_new_opts(doc, &o, err, sizeof err);
    if (!r)
        fail_msg("lesson_runner_new(%s): %s", path, err);
    layout_kernel_path(path, tpath, sizeof tpath);
    FILE *kt = fopen(tpath, recording ? "w" : "r");
    if (!kt)
        fail_msg("fopen(%s): %s (record it: test_viz_layout --record)", tpath, strerror(errno));
    if (recording)
        fprintf(kt,
                "# The kernel's half of %s's steps, for test_viz_layout (layout_fixture.h).\n"
                "# Recorded with test_viz_layout --record; the model's half is recomputed.\n",
                doc->name);
    viz_scene cur;
    viz_scene_init(&cur, doc);
    int n = 0;
    while (n < max && lesson_runner_step(r) == 0) {
        lesson_record rec;
        assert_int_equal(lesson_record_copy(&rec, lesson_runner_record(r)), 0);
        if (recording) {
            for (int i = 0; i < rec.nexpects; i++)
                if (!rec.expects[i].ok && !rec.expects[i].skipped)
                    fail_msg("%s step %d: the kernel's %s failed (got %s): record on a quiet "
                             "machine",
                             doc->name, n + 1, rec.expects[i].expr, rec.expects[i].got);
            assert_int_equal(layout_kernel_write(kt, &rec), 0);
        } else if (layout_kernel_read(kt, &rec, err, sizeof err) != 0) {
            fail_msg("%s, step %d: %s", tpath, n + 1, err);
        }
        assert_int_equal(viz_scene_next(&cur, &rec), 0);
        assert_int_equal(viz_scene_copy(&scenes[n], &cur), 0);
        lesson_record_free(&rec);
        n++;
    }
    if (!recording) {
        char line[256];
        while (fgets(line, sizeof line, kt))
            if (line[0] != '#' && line[0] != '\n')
                fail_msg("%s: more steps than the lesson has (re-record it)", tpath);
    }
    assert_int_equal(fclose(kt), 0);
    viz_scene_free(&cur);
    lesson_runner_free(r);
    *doc_out = doc;
    return n;
}
