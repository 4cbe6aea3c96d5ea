/* lesson_json.c: the transcript of SPEC.md section 4, one JSON line a step.
 *
 * Written from a step's lesson_record and nothing else: the step's
 * statements with their status in each mode, every socket's counters and
 * every makefile() writer per mode, the bytes a blocked call still holds
 * for the kernel, what print() wrote during the step,
 * and the expectations' results. Keys come in a fixed order and the model
 * is deterministic, so the sim half is byte-for-byte repeatable (the
 * golden tests rely on it). Called by `sockbuf run --transcript` and tests.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base_text.h"
#include "lesson_run.h"

static const char *mode_key(lesson_mode m)
{
    return m == LESSON_MODE_SIM ? "sim" : "real";
}

/* The real mode's wire and the kernel's segments of the step (added
 * keys: "wire", "segments"). Times are the real clock's, in us. */
static void write_segments(FILE *out, const lesson_record *rec)
{
    fputs(",\"wire\":", out);
    base_json_str(out, lesson_wire_name(rec->wire));
    fputs(",\"segments\":[", out);
    for (size_t i = 0; i < rec->nsegments; i++) {
        const lesson_segment *g = &rec->segments[i];
        char flags[32];
        fprintf(out,
                "%s{\"time_us\":%llu,\"arrive_us\":%llu,\"from\":\"%s\",\"flags\":\"%s\","
                "\"seq\":%u,\"ack\":%u,\"len\":%u,\"window\":%u%s}",
                i ? "," : "", (unsigned long long)g->time_us, (unsigned long long)g->arrive_us,
                lesson_side_name((lesson_side)g->from_side),
                lesson_segment_flags_text(g->flags, flags, sizeof flags), g->seq, g->ack, g->bytes,
                g->window, g->dropped ? ",\"dropped\":true" : "");
    }
    fputc(']', out);
}

static void write_mode(FILE *out, const lesson_record *rec, int slot)
{
    lesson_mode mode = slot ? LESSON_MODE_REAL : LESSON_MODE_SIM;
    fprintf(out, "\"%s\":{", mode_key(mode));
    if (mode == LESSON_MODE_SIM)
        fprintf(out, "\"time_us\":%llu,", (unsigned long long)rec->time_us[slot]);
    fputs("\"sockets\":{", out);
    bool first = true;
    for (int i = 0; i < rec->nsocks; i++) {
        const lesson_sock_mode *m = &rec->socks[i].mode[slot];
        const lesson_probe *s = &m->probe;
        if (!m->present)
            continue;
        if (!first)
            fputc(',', out);
        first = false;
        base_json_str(out, rec->socks[i].name);
        fputs(":{\"state\":", out);
        base_json_str(out, lesson_tcp_state_name(s->state));
        fprintf(out,
                ",\"send_queue\":%u,\"unsent\":%u,\"in_flight\":%u,\"recv_queue\":%u,"
                "\"sndbuf\":%u,\"rcvbuf\":%u,\"blocked\":%s,\"peer_window\":",
                s->send_queue_bytes, s->unsent_bytes, s->in_flight_bytes, s->recv_queue_bytes,
                s->sndbuf_bytes, s->rcvbuf_bytes, m->blocked ? "true" : "false");
        /* null: the kernel does not report the peer's window */
        if (s->peer_window_known)
            fprintf(out, "%u}", s->peer_window_bytes);
        else
            fputs("null}", out);
    }
    fputs("},\"files\":{", out);
    first = true;
    for (int i = 0; i < rec->nfiles; i++) {
        const lesson_rec_file *f = &rec->files[i];
        if (!f->present[slot])
            continue;
        if (!first)
            fputc(',', out);
        first = false;
        base_json_str(out, f->name);
        fprintf(out, ":{\"buffered\":%u,\"mode\":\"%s\"}", f->buffered_bytes[slot],
                f->reader ? "rb" : "wb");
    }
    /* Added key: the bytes a blocked call still holds in the application
     * for the kernel, per side ({} when no call waits with any). */
    fputs("},\"app_pending\":{", out);
    first = true;
    for (int side = 0; side < 2; side++) {
        const lesson_rec_side *rs = &rec->sides[slot][side];
        if (!rs->app_pending_bytes)
            continue;
        if (!first)
            fputc(',', out);
        first = false;
        base_json_str(out, lesson_side_name((lesson_side)side));
        fputs(":{\"call\":", out);
        base_json_str(out, rs->app_pending_call);
        fputs(",\"socket\":", out);
        if (rs->app_pending_sock >= 0 && rs->app_pending_sock < rec->nsocks)
            base_json_str(out, rec->socks[rs->app_pending_sock].name);
        else
            fputs("null", out);
        fprintf(out, ",\"bytes\":%u,\"of\":%u}", rs->app_pending_bytes, rs->app_pending_total);
    }
    fputs("},\"printed\":{", out);
    first = true;
    for (int side = 0; side < 2; side++) {
        int n = 0;
        for (int k = 0; k < rec->nresults[slot]; k++) {
            const lesson_result *x = &rec->results[slot][k];
            if (x->kind != LESSON_RESULT_PRINT || (int)x->side != side)
                continue;
            if (n == 0) {
                if (!first)
                    fputc(',', out);
                first = false;
                base_json_str(out, lesson_side_name((lesson_side)side));
                fputs(":[", out);
            } else {
                fputc(',', out);
            }
            base_json_str(out, x->repr);
            n++;
        }
        if (n)
            fputc(']', out);
    }
    fputc('}', out);
    if (mode == LESSON_MODE_REAL)
        write_segments(out, rec);
    fputc('}', out);
}

int lesson_record_write_json(const lesson_record *rec, const lesson_doc *doc, FILE *out)
{
    int si = rec ? rec->step : -1;
    if (si < 0 || (size_t)si >= doc->nsteps)
        return 0;
    const lesson_step *st = &doc->steps[si];
    bool sim = rec->modes & LESSON_MODE_SIM, real = rec->modes & LESSON_MODE_REAL;
    char status[64];
    fputs("{\"lesson\":", out);
    base_json_str(out, doc->name);
    fprintf(out, ",\"step\":%d,\"line\":%d,\"title\":", si + 1, st->line);
    base_json_str(out, st->title);
    fputs(",\"statements\":[", out);
    int k = 0;
    for (size_t i = 0; i < st->nlines; i++) {
        const lesson_line *ln = &st->lines[i];
        if (ln->kind != LESSON_LINE_STMT)
            continue;
        if (k)
            fputc(',', out);
        fputs("{\"side\":", out);
        base_json_str(out, lesson_side_name(ln->side));
        fprintf(out, ",\"line\":%d,\"code\":", ln->line);
        base_json_str(out, ln->code);
        for (int m = 0; m < LESSON_MODE_SLOTS && k < rec->nstmts; m++) {
            if (!(m ? real : sim))
                continue;
            fprintf(out, ",\"%s\":", m ? "real" : "sim");
            base_json_str(out, lesson_status_text(rec->stmts[k].status[m], status, sizeof status));
        }
        fputc('}', out);
        k++;
    }
    fputs("],", out);
    for (int m = 0; m < LESSON_MODE_SLOTS; m++)
        if (m ? real : sim) {
            write_mode(out, rec, m);
            fputc(',', out);
        }
    fputs("\"expects\":[", out);
    /* In line order; sim before real on the same line (the record lists
     * the model's results, then the kernel's, each in line order). */
    int ns = 0;
    while (ns < rec->nexpects && rec->expects[ns].mode == LESSON_MODE_SIM)
        ns++;
    int i = 0, j = ns, n = 0;
    while (i < ns || j < rec->nexpects) {
        const lesson_expect_result *x;
        if (j >= rec->nexpects || (i < ns && rec->expects[i].line <= rec->expects[j].line))
            x = &rec->expects[i++];
        else
            x = &rec->expects[j++];
        if (n++)
            fputc(',', out);
        fprintf(out, "{\"line\":%d,\"mode\":\"%s\",\"ok\":%s,\"expr\":", x->line, mode_key(x->mode),
                x->ok ? "true" : "false");
        base_json_str(out, x->expr);
        fputs(",\"got\":", out);
        base_json_str(out, x->got);
        /* Not checked (a late snapshot, lesson_run.h): only then. */
        if (x->skipped)
            fprintf(out, ",\"skipped\":true,\"late_us\":%llu", (unsigned long long)x->late_us);
        fputc('}', out);
    }
    fputc(']', out);
    if (rec->question.present && st->question) {
        const lesson_question *q = st->question;
        fprintf(out, ",\"question\":{\"line\":%d,\"ask\":", q->line);
        base_json_str(out, q->text);
        fputs(",\"choices\":[", out);
        for (size_t c = 0; c < q->nchoices; c++) {
            fprintf(out, "%s{\"key\":\"%c\",\"text\":", c ? "," : "", q->choices[c].key);
            base_json_str(out, q->choices[c].text);
            fputc('}', out);
        }
        fprintf(out, "],\"answer\":\"%c\",\"answer_line\":%d", rec->question.key,
                rec->question.line);
        for (int m = 0; m < LESSON_MODE_SLOTS; m++) {
            if (!rec->question.checked[m])
                continue;
            fprintf(out, ",\"%s\":{\"ok\":%s,\"got\":", m ? "real" : "sim",
                    rec->question.held[m] ? "true" : "false");
            base_json_str(out, rec->question.got[m]);
            if (rec->question.skipped[m])
                fputs(",\"skipped\":true", out);
            fputc('}', out);
        }
        fputc('}', out);
    }
    fputs("}\n", out);
    return ferror(out) ? -EIO : 0;
}

int lesson_runner_write_transcript(const lesson_runner *r, FILE *out)
{
    return lesson_record_write_json(lesson_runner_record(r), lesson_runner_doc(r), out);
}
