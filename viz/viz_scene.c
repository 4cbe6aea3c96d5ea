/* viz_scene.c: a step's picture from its lesson_record. See viz_scene.h.
 *
 * Which socket a side shows is the record's choice
 * (lesson_record_shown_sock): its open, connected socket, else its last
 * closed one, else its listener; a side with none shows an empty column.
 * Nothing here reads the runner or the model: the record is all there is.
 */
#include "viz_scene.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void viz_scene_init(viz_scene *s, const lesson_doc *doc)
{
    memset(s, 0, sizeof *s);
    s->doc = doc;
    s->step = -1;
    for (int i = 0; i < 2; i++) {
        s->side[i].before.sock_id = -1;
        s->side[i].after.sock_id = -1;
    }
}

void viz_scene_free(viz_scene *s)
{
    if (!s)
        return;
    free(s->events);
    s->events = NULL;
    s->nevents = s->cap_events = 0;
    free(s->segments);
    s->segments = NULL;
    s->nsegments = s->cap_segments = 0;
}

int viz_scene_copy(viz_scene *dst, const viz_scene *src)
{
    *dst = *src;
    dst->events = NULL;
    dst->cap_events = dst->nevents = 0;
    dst->segments = NULL;
    dst->cap_segments = dst->nsegments = 0;
    if (src->nsegments) {
        dst->segments = malloc(src->nsegments * sizeof *dst->segments);
        if (!dst->segments)
            return -ENOMEM;
        memcpy(dst->segments, src->segments, src->nsegments * sizeof *dst->segments);
        dst->nsegments = dst->cap_segments = src->nsegments;
    }
    if (src->nevents) {
        dst->events = malloc(src->nevents * sizeof *dst->events);
        if (!dst->events)
            return -ENOMEM;
        memcpy(dst->events, src->events, src->nevents * sizeof *dst->events);
        dst->nevents = dst->cap_events = src->nevents;
    }
    return 0;
}

static void fill_sock(viz_sock *out, const lesson_record *rec, int side)
{
    memset(out, 0, sizeof *out);
    out->sock_id = -1;
    int i = lesson_record_shown_sock(rec, (lesson_side)side);
    if (i < 0)
        return;
    const lesson_rec_sock *rs = &rec->socks[i];
    int slot = (rec->modes & LESSON_MODE_SIM) ? 0 : 1;
    const lesson_sock_mode *m = &rs->mode[slot];
    out->present = true;
    snprintf(out->name, sizeof out->name, "%s", rs->name);
    out->state = m->probe.state;
    out->sock_id = rs->id;
    out->listening = m->probe.state == LESSON_TCP_LISTEN;
    out->sndbuf_bytes = m->probe.sndbuf_bytes;
    out->rcvbuf_bytes = m->probe.rcvbuf_bytes;
    out->sndbuf_usable_bytes = m->probe.sndbuf_usable_bytes;
    out->rcvbuf_usable_bytes = m->probe.rcvbuf_usable_bytes;
    out->unsent_bytes = m->probe.unsent_bytes;
    out->in_flight_bytes = m->probe.in_flight_bytes;
    out->recv_queue_bytes = m->probe.recv_queue_bytes;
    out->peer_window_bytes = m->probe.peer_window_bytes;
    out->blocked = m->blocked;
    if (slot == 0) {
        memcpy(out->q, rs->queue, sizeof out->q);
        out->writes = rs->writes;
    }
    out->has_file = m->has_file;
    out->file_buffered_bytes = m->file_buffered_bytes;
    out->file_capacity_bytes = m->file_capacity_bytes;
    /* The object whose count that is, for its bytes: as lesson_run.c
     * fills the count, the socket's newest writer, else its first reader. */
    const lesson_rec_file *file = NULL;
    for (int f = 0; out->has_file && f < rec->nfiles; f++) {
        const lesson_rec_file *rf = &rec->files[f];
        if (rf->sock_id == rs->id && rf->present[slot] &&
            (!rf->reader || !file) && !(rf->reader && file && !file->reader))
            file = rf;
    }
    /* A makefile() object of the side that names no socket of its own. */
    for (int f = 0; !out->has_file && f < rec->nfiles; f++)
        if ((int)rec->files[f].side == side && rec->files[f].present[slot]) {
            out->has_file = true;
            out->file_buffered_bytes = rec->files[f].buffered_bytes[slot];
            out->file_capacity_bytes = rec->files[f].capacity_bytes;
            file = &rec->files[f];
        }
    if (file) {
        out->file_reader = file->reader;
        out->file_content = file->content;
    }
}

static void fill_real(viz_real *out, const lesson_record *rec, int sock_id, int side)
{
    memset(out, 0, sizeof *out);
    if (!(rec->modes & LESSON_MODE_REAL) || !(rec->modes & LESSON_MODE_SIM) || sock_id < 0)
        return;
    const lesson_sock_mode *m = &rec->socks[sock_id].mode[1];
    if (!m->present)
        return;
    out->present = true;
    out->state = m->probe.state;
    out->unsent_bytes = m->probe.unsent_bytes;
    out->in_flight_bytes = m->probe.in_flight_bytes;
    out->recv_queue_bytes = m->probe.recv_queue_bytes;
    out->sndbuf_bytes = m->probe.sndbuf_bytes;
    out->rcvbuf_bytes = m->probe.rcvbuf_bytes;
    out->file_buffered_bytes = m->file_buffered_bytes;
    for (int f = 0; !m->has_file && f < rec->nfiles; f++)
        if ((int)rec->files[f].side == side && rec->files[f].present[1])
            out->file_buffered_bytes = rec->files[f].buffered_bytes[1];
}

/* The step's statements (and waits) of one side, with the model's status;
 * statements still waiting from an earlier step come first. */
static void fill_code(viz_side *vs, const lesson_record *rec, const lesson_doc *doc, int side)
{
    viz_code carried[VIZ_MAX_CODE];
    int ncarried = 0;
    for (int i = 0; vs->blocked && i < vs->ncode; i++)
        if (vs->code[i].status.state == LESSON_STMT_BLOCKED ||
            vs->code[i].status.state == LESSON_STMT_PENDING)
            carried[ncarried++] = vs->code[i];
    int slot = (rec->modes & LESSON_MODE_SIM) ? 0 : 1;
    vs->blocked = rec->sides[slot][side].blocked;
    vs->ncode = 0;
    if (vs->blocked && ncarried > 0) {
        memcpy(vs->code, carried, sizeof(viz_code) * (size_t)ncarried);
        vs->ncode = ncarried;
    }
    if (!doc || rec->step < 0 || (size_t)rec->step >= doc->nsteps)
        return;
    const lesson_step *st = &doc->steps[rec->step];
    int k = 0;
    for (size_t i = 0; i < st->nlines; i++) {
        const lesson_line *ln = &st->lines[i];
        if (ln->kind == LESSON_LINE_EXPECT)
            continue;
        bool stmt = ln->kind == LESSON_LINE_STMT;
        int idx = stmt ? k++ : -1;
        if (stmt && (int)ln->side != side)
            continue;
        if (vs->ncode >= VIZ_MAX_CODE)
            continue;
        viz_code *c = &vs->code[vs->ncode++];
        viz_code_of_line(c, ln);
        if (idx >= 0 && idx < rec->nstmts)
            c->status = rec->stmts[idx].status[slot];
    }
}

/* The call that still holds bytes for the kernel after the step. */
static void fill_pending(viz_side *vs, const lesson_record *rec, int side)
{
    int slot = (rec->modes & LESSON_MODE_SIM) ? 0 : 1;
    const lesson_rec_side *rs = &rec->sides[slot][side];
    vs->pend_before = vs->pend;
    memset(&vs->pend, 0, sizeof vs->pend);
    vs->pend_real_bytes = 0;
    if (rs->app_pending_bytes) {
        vs->pend.bytes = rs->app_pending_bytes;
        vs->pend.total = rs->app_pending_total;
        vs->pend.line = rs->blocked_line;
        snprintf(vs->pend.call, sizeof vs->pend.call, "%s", rs->app_pending_call);
    }
    if (slot == 0 && (rec->modes & LESSON_MODE_REAL))
        vs->pend_real_bytes = rec->sides[1][side].app_pending_bytes;
}

static void fill_values(viz_side *vs, const lesson_record *rec, int side)
{
    int slot = (rec->modes & LESSON_MODE_SIM) ? 0 : 1;
    /* The step's own values: the box is cleared at every step. When there
     * are more than fit, the latest are kept (the window marks the rest). */
    vs->nresults = vs->nresults_total = 0;
    for (int k = 0; k < rec->nresults[slot]; k++) {
        if ((int)rec->results[slot][k].side != side)
            continue;
        vs->nresults_total++;
        if (vs->nresults == VIZ_MAX_RESULTS) {
            memmove(&vs->results[0], &vs->results[1], sizeof vs->results[0] * (VIZ_MAX_RESULTS - 1));
            vs->nresults--;
        }
        vs->results[vs->nresults++] = rec->results[slot][k];
    }
}

int viz_scene_next(viz_scene *s, const lesson_record *rec)
{
    /* Before: the previous step's end. */
    memcpy(s->pre, s->post, sizeof s->pre);
    memcpy(s->pre_valid, s->post_valid, sizeof s->pre_valid);
    for (int side = 0; side < 2; side++)
        s->side[side].before = s->side[side].after;
    s->t0_us = rec->t0_us;
    s->t1_us = rec->t1_us;
    s->step = rec->step;
    s->real = (rec->modes & LESSON_MODE_REAL) != 0;
    s->question = rec->question;
    for (int side = 0; side < 2; side++) {
        viz_side *vs = &s->side[side];
        fill_sock(&vs->after, rec, side);
        fill_real(&vs->real, rec, vs->after.sock_id, side);
        fill_code(vs, rec, s->doc, side);
        fill_values(vs, rec, side);
        fill_pending(vs, rec, side);
    }
    s->nexpects = rec->nexpects;
    s->nexpects_failed = 0;
    s->nexpects_skipped = 0;
    s->nfailed = 0;
    for (int k = 0; k < rec->nexpects; k++) {
        const lesson_expect_result *x = &rec->expects[k];
        if (x->skipped) {
            s->nexpects_skipped++;
        } else if (!x->ok) {
            s->nexpects_failed++;
            if (s->nfailed < VIZ_SCENE_FAILED)
                snprintf(s->failed[s->nfailed++], sizeof s->failed[0], "line %d (%s): %s, got %s",
                         x->line, x->mode == LESSON_MODE_REAL ? "kernel" : "model", x->expr,
                         x->got);
        }
    }
    /* After: every socket's queues, for the next step's replay. */
    memset(s->post_valid, 0, sizeof s->post_valid);
    for (int i = 0; i < rec->nsocks; i++) {
        memcpy(s->post[i], rec->socks[i].queue, sizeof s->post[i]);
        s->post_valid[i] = rec->socks[i].mode[0].present;
    }
    s->nevents = 0;
    if (rec->nevents > s->cap_events) {
        lesson_event *grown = realloc(s->events, rec->nevents * sizeof *grown);
        if (!grown)
            return -ENOMEM;
        s->events = grown;
        s->cap_events = rec->nevents;
    }
    if (rec->nevents)
        memcpy(s->events, rec->events, rec->nevents * sizeof *rec->events);
    s->nevents = rec->nevents;
    s->wire = rec->wire;
    s->real_t0_us = rec->real_t0_us;
    s->real_t1_us = rec->time_us[1];
    s->nsegments = 0;
    if (rec->nsegments > s->cap_segments) {
        lesson_segment *g = realloc(s->segments, rec->nsegments * sizeof *g);
        if (!g)
            return -ENOMEM;
        s->segments = g;
        s->cap_segments = rec->nsegments;
    }
    if (rec->nsegments)
        memcpy(s->segments, rec->segments, rec->nsegments * sizeof *rec->segments);
    s->nsegments = rec->nsegments;
    return 0;
}

void viz_code_of_line(viz_code *out, const lesson_line *ln)
{
    memset(out, 0, sizeof *out);
    out->line = ln->line;
    if (ln->kind == LESSON_LINE_WAIT)
        snprintf(out->code, sizeof out->code, "wait %llu ms",
                 (unsigned long long)(ln->wait_us / 1000));
    else
        snprintf(out->code, sizeof out->code, "%s", ln->code ? ln->code : "");
    out->status = (lesson_status){LESSON_STMT_DONE, LESSON_EXC_NONE};
}
