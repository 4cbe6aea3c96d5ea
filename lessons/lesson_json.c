/* lesson_json.c: the transcript of SPEC.md section 4, one JSON line a step.
 *
 * Written from the runner's public views after each step: the step's
 * statements with their status in each mode, every socket's counters and
 * every makefile() writer per mode, what print() wrote during the step,
 * and the expectations' results. Keys come in a fixed order and the model
 * is deterministic, so the sim half is byte-for-byte repeatable (the
 * golden tests rely on it). Called by `sockbuf run --transcript` and tests.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lesson_run.h"

/* Writes s as a JSON string (UTF-8 passes through; controls escaped). */
static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

static const char *mode_key(lesson_mode m)
{
    return m == LESSON_MODE_SIM ? "sim" : "real";
}

static void write_mode(FILE *out, const lesson_view *v)
{
    fprintf(out, "\"%s\":{", mode_key(v->mode));
    if (v->mode == LESSON_MODE_SIM)
        fprintf(out, "\"time_us\":%llu,", (unsigned long long)v->time_us);
    fputs("\"sockets\":{", out);
    for (int i = 0; i < v->nsocks; i++) {
        const lesson_sock_view *s = &v->socks[i];
        if (i)
            fputc(',', out);
        json_str(out, s->name);
        fputs(":{\"state\":", out);
        json_str(out, s->state);
        fprintf(out,
                ",\"send_queue\":%u,\"unsent\":%u,\"in_flight\":%u,\"recv_queue\":%u,"
                "\"sndbuf\":%u,\"rcvbuf\":%u,\"blocked\":%s,\"peer_window\":",
                s->send_queue_bytes, s->unsent_bytes, s->in_flight_bytes, s->recv_queue_bytes,
                s->sndbuf_bytes, s->rcvbuf_bytes, s->blocked ? "true" : "false");
        /* null: the kernel does not report the peer's window */
        if (s->peer_window_known)
            fprintf(out, "%u}", s->peer_window_bytes);
        else
            fputs("null}", out);
    }
    fputs("},\"files\":{", out);
    for (int i = 0; i < v->nfiles; i++) {
        if (i)
            fputc(',', out);
        json_str(out, v->files[i].name);
        fprintf(out, ":{\"buffered\":%u,\"mode\":\"%s\"}", v->files[i].buffered_bytes,
                v->files[i].reader ? "rb" : "wb");
    }
    fputs("},\"printed\":{", out);
    bool first = true;
    for (int side = 0; side < 2; side++) {
        if (v->nprinted[side] <= v->printed_step_start[side])
            continue;
        if (!first)
            fputc(',', out);
        first = false;
        json_str(out, lesson_side_name((lesson_side)side));
        fputs(":[", out);
        for (int k = v->printed_step_start[side]; k < v->nprinted[side]; k++) {
            if (k > v->printed_step_start[side])
                fputc(',', out);
            json_str(out, v->printed[side][k]);
        }
        fputc(']', out);
    }
    fputs("}}", out);
}

int lesson_runner_write_transcript(const lesson_runner *r, FILE *out)
{
    const lesson_doc *doc = lesson_runner_doc(r);
    int si = lesson_runner_step_index(r);
    if (si < 0)
        return 0;
    const lesson_step *st = &doc->steps[si];
    const lesson_view *vs = lesson_runner_view(r, LESSON_MODE_SIM);
    const lesson_view *vr = lesson_runner_view(r, LESSON_MODE_REAL);
    fputs("{\"lesson\":", out);
    json_str(out, doc->name);
    fprintf(out, ",\"step\":%d,\"line\":%d,\"title\":", si + 1, st->line);
    json_str(out, st->title);
    fputs(",\"statements\":[", out);
    int k = 0;
    for (size_t i = 0; i < st->nlines; i++) {
        const lesson_line *ln = &st->lines[i];
        if (ln->kind != LESSON_LINE_STMT)
            continue;
        if (k)
            fputc(',', out);
        fputs("{\"side\":", out);
        json_str(out, lesson_side_name(ln->side));
        fprintf(out, ",\"line\":%d,\"code\":", ln->line);
        json_str(out, ln->code);
        if (vs && k < vs->nstmts) {
            fputs(",\"sim\":", out);
            json_str(out, vs->stmts[k].status);
        }
        if (vr && k < vr->nstmts) {
            fputs(",\"real\":", out);
            json_str(out, vr->stmts[k].status);
        }
        fputc('}', out);
        k++;
    }
    fputs("],", out);
    if (vs) {
        write_mode(out, vs);
        fputc(',', out);
    }
    if (vr) {
        write_mode(out, vr);
        fputc(',', out);
    }
    fputs("\"expects\":[", out);
    /* In line order; sim before real on the same line. */
    int i = 0, j = 0, ns = vs ? vs->nexpects : 0, nr = vr ? vr->nexpects : 0;
    while (i < ns || j < nr) {
        const lesson_expect_result *x;
        if (j >= nr || (i < ns && vs->expects[i].line <= vr->expects[j].line))
            x = &vs->expects[i++];
        else
            x = &vr->expects[j++];
        if (i + j > 1)
            fputc(',', out);
        fprintf(out, "{\"line\":%d,\"mode\":\"%s\",\"ok\":%s,\"expr\":", x->line, mode_key(x->mode),
                x->ok ? "true" : "false");
        json_str(out, x->expr);
        fputs(",\"got\":", out);
        json_str(out, x->got);
        fputc('}', out);
    }
    fputs("]}\n", out);
    return ferror(out) ? -EIO : 0;
}
