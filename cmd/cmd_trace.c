/* cmd_trace.c: `sockbuf trace`, a student's own programs on the wire.
 *
 * Parses the command's rows of the table (--run, --headless,
 * --transcript, --timeout, --model, --save-lesson), starts a trace
 * session (trace/trace.h) on main()'s wire (or loopback), and pumps it
 * until the programs end: headless, the transcript is JSON Lines (stdout
 * unless --transcript names a file); otherwise one line per call for a
 * person. Then the run's exits, and --save-lesson's lesson
 * (cmd_trace_lesson.c). Called by main() through the command table.
 */
#include "cmd_trace.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base_text.h"
#include "cmd_table.h"
#include "cmd_viz.h"
#include "lesson.h"
#include "trace.h"

/* --model "latency=5ms rate=10Mbit mss=1460": the lesson's model line,
 * read by the lesson parser itself (its keys, units and messages). */
static int parse_model(const char *text, net_wire_link *link, FILE *errout)
{
    char src[512];
    lesson_diag d[LESSON_MAX_DIAGS];
    int nd = 0;
    link->latency_us = 5000;
    link->rate_bps = 10000000;
    link->mss_bytes = 1460;
    if (!text)
        return 0;
    if (strchr(text, '\n')) {
        fprintf(errout, "sockbuf trace: --model %s: one line of KEY=VALUE\n", text);
        return 2;
    }
    int n = snprintf(src, sizeof src, "lesson m\ntitle m\nmodel %s\nstep s\nclient: x = 1\n", text);
    if (n < 0 || (size_t)n >= sizeof src) {
        fprintf(errout, "sockbuf trace: --model: too long\n");
        return 2;
    }
    lesson_doc *doc = lesson_parse("--model", src, (size_t)n, d, &nd);
    if (!doc) {
        /* The model line is line 3; its text starts at column 7. */
        fprintf(errout, "sockbuf trace: --model '%s': %s (at column %d)\n", text,
                nd ? d[0].message : "not a model line", nd && d[0].col > 6 ? d[0].col - 6 : 1);
        return 2;
    }
    if (doc->model.latency_us)
        link->latency_us = doc->model.latency_us;
    if (doc->model.rate_bps)
        link->rate_bps = doc->model.rate_bps;
    if (doc->model.mss_bytes)
        link->mss_bytes = doc->model.mss_bytes;
    lesson_doc_free(doc);
    return 0;
}

/* One line per call, for a person reading a terminal. */
static void print_event(const trace_session *s, const trace_event *e, FILE *out)
{
    char call[256], res[72], who[48];
    trace_call_text(e, call, sizeof call);
    trace_result_text(e, res, sizeof res);
    if (e->proc || e->thread)
        snprintf(who, sizeof who, "%s.%d/%d", trace_run_name(s, e->run), e->proc, e->thread);
    else
        snprintf(who, sizeof who, "%s", trace_run_name(s, e->run));
    fprintf(out, "%-8s %-16s %s", who, e->where[0] ? e->where : "-", call);
    if (e->done)
        fprintf(out, " -> %s", res);
    else
        fprintf(out, " ... blocked %.0f ms", (double)e->took_us / 1000.0);
    if (e->after.have)
        fprintf(out, "   [%s inq %d outq %d unsent %d wnd %u]",
                base_tcp_state_name(base_tcp_state_of_linux((int)e->after.state)),
                e->after.inq_bytes, e->after.outq_bytes, e->after.unsent_bytes, e->after.snd_wnd);
    if (e->seg_count)
        fprintf(out, "   (%zu segments)", e->seg_count);
    fputc('\n', out);
}

static volatile sig_atomic_t trace_stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    trace_stop_flag = 1;
}

int cmd_trace(int argc, char **argv, lesson_wire_handle *wire, FILE *out, FILE *errout)
{
    trace_opts o;
    memset(&o, 0, sizeof o);
    const char *transcript = NULL, *model = NULL, *save = NULL;
    bool headless = false;
    double timeout_s = 60;
    viz_trace_opts vo;
    memset(&vo, 0, sizeof vo);
    vo.lang = base_locale_is_japanese() ? "ja" : "en";
    vo.width = 1280;
    vo.height = 720;
    long demo = 0;
    cmd_parser cp;
    if (cmd_parser_init(&cp, CMD_TRACE, argc, argv, errout) < 0)
        return 2;
    base_opt *p = &cp.p;
    const char *v;
    int c;
    while ((c = base_opt_next(p, &v)) != -1) {
        switch (c) {
        case 'h':
            cmd_table_help(out, CMD_TRACE);
            return 0;
        case 'U':
            if (o.nruns == TRACE_MAX_RUNS) {
                fprintf(errout, "sockbuf trace: at most %d --run (the server, then its clients)\n",
                        TRACE_MAX_RUNS);
                return 2;
            }
            if (!*v) {
                fprintf(errout, "sockbuf trace: --run '': an empty command\n");
                return 2;
            }
            o.runs[o.nruns++] = v;
            break;
        case 'H':
            headless = true;
            break;
        case 't':
            transcript = v;
            break;
        case 'O':
            if (base_opt_double(p, "--timeout", v, 0, 86400, "seconds", &timeout_s) < 0)
                return 2;
            break;
        case 'E':
            model = v;
            break;
        case 'V':
            save = v;
            break;
        case 'l':
            if (strcmp(v, "en") && strcmp(v, "ja")) {
                fprintf(errout, "sockbuf trace: --lang %s: expected en or ja\n", v);
                return 2;
            }
            vo.lang = v;
            break;
        case 'z':
            if (sscanf(v, "%dx%d", &vo.width, &vo.height) != 2 || vo.width < 64 || vo.height < 64 ||
                vo.width > 8192 || vo.height > 8192) {
                fprintf(errout, "sockbuf trace: --size %s: expected WxH, 64..8192 each\n", v);
                return 2;
            }
            break;
        case 'P':
            vo.screenshot = v;
            break;
        case 'd':
            if (base_opt_long(p, "--demo-steps", v, 1, 1000000, &demo) < 0)
                return 2;
            vo.demo_calls = (int)demo;
            break;
        default:
            return 2;
        }
    }
    int first = base_opt_operands(p);
    /* --model latency=5ms rate=10Mbit: the words after the first are
     * operands to getopt; a KEY=VALUE operand belongs to --model. */
    char model_buf[512];
    if (model) {
        snprintf(model_buf, sizeof model_buf, "%s", model);
        while (first < argc && strchr(argv[first], '=') && argv[first][0] != '-') {
            size_t l = strlen(model_buf);
            snprintf(model_buf + l, sizeof model_buf - l, " %s", argv[first++]);
        }
        model = model_buf;
    }
    if (first < argc) {
        fprintf(errout, "sockbuf trace: unexpected '%s' (each program is a --run 'COMMAND')\n",
                argv[first]);
        cmd_table_usage(errout, CMD_TRACE);
        return 2;
    }
    if (o.nruns == 0) {
        fprintf(errout, "sockbuf trace: give the programs: --run 'python3 server.py' --run "
                        "'python3 client.py'\n");
        cmd_table_usage(errout, CMD_TRACE);
        return 2;
    }
    if (parse_model(model, &o.link, errout))
        return 2;
    o.timeout_us = (uint64_t)(timeout_s * 1e6);
    o.wire = lesson_wire_net(wire);
    o.note = errout;
    const char *ns = getenv("SOCKBUF_TRACE_NO_SECCOMP");
    o.no_seccomp = ns && !strcmp(ns, "1");
    FILE *tx = NULL;
    if (transcript && strcmp(transcript, "-")) {
        tx = fopen(transcript, "w");
        if (!tx) {
            fprintf(errout, "sockbuf trace: --transcript %s: %s\n", transcript, strerror(errno));
            return 2;
        }
        o.transcript = tx;
    } else if (transcript || headless) {
        o.transcript = out;
        o.stdout_to_stderr = true; /* the report has stdout to itself (SPEC.md 6) */
    }
    const char *d = getenv("DISPLAY"), *wl = getenv("WAYLAND_DISPLAY"),
               *drv = getenv("SDL_VIDEODRIVER");
    bool window = !headless && ((d && *d) || (wl && *wl) || (drv && *drv));
    o.stepped = window; /* the window holds each call until Space */
    trace_session *s = NULL;
    char msg[TRACE_MSG_LEN] = "";
    int rc = trace_start(&o, &s, msg);
    if (rc < 0) {
        fprintf(errout, "sockbuf trace: %s\n", msg);
        if (tx)
            fclose(tx);
        return 1;
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    size_t shown = 0;
    uint64_t seen = 0;
    if (window) {
        for (int r = 0; r < o.nruns; r++)
            vo.runs[r] = o.runs[r];
        vo.nruns = o.nruns;
        int wrc = cmd_viz_trace(s, &vo);
        if (wrc >= 0) {
            rc = wrc ? -EIO : 0;
            goto ended;
        }
        trace_play(s); /* no window after all: run on, one line per call */
    } else if (!headless) {
        fprintf(errout, "sockbuf trace: no display (DISPLAY is not set); printing one line per "
                        "call (--headless: JSON Lines)\n");
    }
    while (!trace_stop_flag && (rc = trace_pump(s, 100)) > 0) {
        if (!o.transcript) {
            /* The ring may have dropped some: print what it still has. */
            size_t n = trace_event_count(s);
            uint64_t dropped = trace_events_dropped(s);
            shown = seen > dropped ? (size_t)(seen - dropped) : 0;
            for (; shown < n; shown++, seen++)
                print_event(s, trace_event_at(s, shown), out);
            fflush(out);
        }
    }
    if (!o.transcript)
        for (size_t n = trace_event_count(s); shown < n; shown++)
            print_event(s, trace_event_at(s, shown), out);
ended : {
    bool early = false;
    for (int r = 0; r < o.nruns; r++)
        early |= trace_exit_status(s, r) < 0;
    if (early) {
        for (int r = 0; r < o.nruns; r++)
            if (trace_exit_status(s, r) < 0)
                fprintf(errout, "sockbuf trace: %s ('%s') still ran when %s: stopped\n",
                        trace_run_name(s, r), o.runs[r],
                        trace_stop_flag ? "interrupted" : "the window closed");
        trace_stop(s);
    }
}
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    int status = 0;
    if (rc < 0) {
        fprintf(errout, "sockbuf trace: %s\n", strerror(-rc));
        status = 1;
    }
    if (trace_timed_out(s))
        fprintf(errout,
                "sockbuf trace: the programs still ran after %.0f s: stopped (--timeout "
                "SECONDS to wait longer)\n",
                timeout_s);
    for (int r = 0; r < o.nruns; r++) {
        char buf[160];
        trace_exit_text(s, r, buf, sizeof buf);
        if (trace_exit_code(s, r) != 0 && !strstr(buf, "sockbuf ended first")) {
            fprintf(errout, "sockbuf trace: %s ('%s') %s\n", trace_run_name(s, r), o.runs[r], buf);
            status = 1;
        }
    }
    /* A run with no traced call whose side still sent segments made its
     * calls where the preload library could not see them. */
    size_t nseg = 0;
    const net_wire_segment *segs = trace_segments(s, &nseg);
    bool sent[2] = {false, false};
    for (size_t i = 0; i < nseg; i++)
        sent[segs[i].dir == 0 ? 1 : 0] = true; /* dir 0: from the client's side */
    for (int r = 0; r < o.nruns; r++)
        if (trace_run_processes(s, r) == 0 && sent[r == 0 ? 0 : 1] &&
            (o.nruns > 1 || r == 0))
            fprintf(errout,
                    "sockbuf trace: %s ('%s') sent segments but made no socket call sockbuf could "
                    "see: a statically linked or setuid program ignores the preload library "
                    "(LD_PRELOAD); it ran unstepped, its segments are in the transcript\n",
                    trace_run_name(s, r), o.runs[r]);
    if (save && cmd_trace_save_lesson(s, &o, save, errout) < 0)
        status = 1;
    trace_free(s);
    if (tx && fclose(tx) != 0) {
        fprintf(errout, "sockbuf trace: writing %s: %s\n", transcript, strerror(errno));
        status = 1;
    }
    return status;
}
