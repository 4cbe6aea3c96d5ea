/* viz_scene_capture.c: fills a viz_scene from a lesson_runner, before and
 * after a step. Called by the window (viz_app.c) and the offscreen
 * renderer (viz_render.c).
 *
 * Which socket a side shows: its open, connected socket (the first one in
 * the runner's list), else its last closed one, else its listener; a side
 * with none shows an empty column.
 */
#include "viz_scene.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int pick_sock(const lesson_view *v, int side)
{
    int open = -1, closed = -1, listener = -1;
    for (int i = 0; i < v->nsocks; i++) {
        const lesson_sock_view *sv = &v->socks[i];
        if ((int)sv->side != side)
            continue;
        if (!strcmp(sv->state, "LISTEN")) {
            if (listener < 0)
                listener = i;
        } else if (sv->closed || !strcmp(sv->state, "CLOSED")) {
            closed = i;
        } else if (open < 0) {
            open = i;
        }
    }
    return open >= 0 ? open : closed >= 0 ? closed : listener;
}

static void fill_queue(viz_queue *q, const sim_world *w, int sock, sim_queue which)
{
    sim_run runs[VIZ_MAX_RUNS * 4];
    memset(q, 0, sizeof *q);
    if (!w || sock < 0)
        return;
    int n = sim_runs(w, sock, which, runs, (int)(sizeof runs / sizeof runs[0]));
    if (n < 0)
        return;
    if (n > (int)(sizeof runs / sizeof runs[0]))
        n = (int)(sizeof runs / sizeof runs[0]);
    for (int i = 0; i < n; i++)
        viz_queue_push(q, runs[i].origin, runs[i].bytes);
}

static void fill_sock(viz_sock *out, const lesson_view *v, int side, const sim_world *w)
{
    memset(out, 0, sizeof *out);
    out->sim_sock = -1;
    if (!v)
        return;
    int i = pick_sock(v, side);
    if (i < 0)
        return;
    const lesson_sock_view *sv = &v->socks[i];
    out->present = true;
    snprintf(out->name, sizeof out->name, "%s", sv->name);
    snprintf(out->state, sizeof out->state, "%s", sv->state);
    out->sim_sock = sv->sim_sock;
    out->listening = !strcmp(sv->state, "LISTEN");
    out->sndbuf_bytes = sv->sndbuf_bytes;
    out->rcvbuf_bytes = sv->rcvbuf_bytes;
    out->unsent_bytes = sv->unsent_bytes;
    out->in_flight_bytes = sv->in_flight_bytes;
    out->recv_queue_bytes = sv->recv_queue_bytes;
    out->blocked = sv->blocked;
    if (w && sv->sim_sock >= 0) {
        sim_snapshot snap;
        if (sim_snapshot_get(w, sv->sim_sock, &snap) == 0)
            out->peer_window_bytes = snap.peer_window_bytes;
        for (int q = 0; q < 3; q++)
            fill_queue(&out->q[q], w, sv->sim_sock, (sim_queue)q);
    }
    for (int f = 0; f < v->nfiles; f++) {
        const lesson_file_view *fv = &v->files[f];
        if (!strcmp(fv->sock_name, sv->name) || (!out->has_file && (int)fv->side == side)) {
            out->has_file = true;
            out->file_buffered_bytes = fv->buffered_bytes;
            out->file_capacity_bytes = fv->capacity_bytes;
        }
    }
}

static void fill_real(viz_real *out, const lesson_view *v, const char *name, int side)
{
    memset(out, 0, sizeof *out);
    if (!v || !name[0])
        return;
    for (int i = 0; i < v->nsocks; i++) {
        const lesson_sock_view *sv = &v->socks[i];
        if (strcmp(sv->name, name))
            continue;
        out->present = true;
        snprintf(out->state, sizeof out->state, "%s", sv->state);
        out->unsent_bytes = sv->unsent_bytes;
        out->in_flight_bytes = sv->in_flight_bytes;
        out->recv_queue_bytes = sv->recv_queue_bytes;
        out->sndbuf_bytes = sv->sndbuf_bytes;
        out->rcvbuf_bytes = sv->rcvbuf_bytes;
        break;
    }
    for (int f = 0; f < v->nfiles; f++)
        if ((int)v->files[f].side == side)
            out->file_buffered_bytes = v->files[f].buffered_bytes;
}

void viz_scene_capture_before(viz_scene *s, const lesson_runner *r)
{
    const sim_world *w = lesson_runner_sim(r);
    const lesson_view *v = lesson_runner_view(r, LESSON_MODE_SIM);
    for (int h = 0; h < VIZ_MAX_HANDLES; h++) {
        s->pre_valid[h] = false;
        if (!w)
            continue;
        sim_snapshot snap;
        if (sim_snapshot_get(w, h, &snap) < 0)
            continue;
        s->pre_valid[h] = true;
        for (int q = 0; q < 3; q++)
            fill_queue(&s->pre[h][q], w, h, (sim_queue)q);
    }
    for (int side = 0; side < 2; side++)
        fill_sock(&s->side[side].before, lesson_runner_step_index(r) >= 0 ? v : NULL, side, w);
    /* Sides of the handles open now: a socket closed during the step has
     * no handle afterwards, yet its events are the step's. */
    for (int h = 0; h < VIZ_MAX_HANDLES; h++)
        s->handle_side[h] = -1;
    if (v && lesson_runner_step_index(r) >= 0)
        for (int i = 0; i < v->nsocks; i++) {
            int h = v->socks[i].sim_sock;
            if (h >= 0 && h < VIZ_MAX_HANDLES)
                s->handle_side[h] = (int)v->socks[i].side;
        }
    s->t0_us = w ? sim_now_us(w) : 0;
}

int viz_scene_capture_after(viz_scene *s, const lesson_runner *r)
{
    const sim_world *w = lesson_runner_sim(r);
    const lesson_view *v = lesson_runner_view(r, LESSON_MODE_SIM);
    const lesson_view *rv = lesson_runner_view(r, LESSON_MODE_REAL);
    s->step = lesson_runner_step_index(r);
    s->real = rv != NULL;
    s->t1_us = w ? sim_now_us(w) : 0;
    if (v)
        for (int i = 0; i < v->nsocks; i++) {
            int h = v->socks[i].sim_sock;
            if (h >= 0 && h < VIZ_MAX_HANDLES)
                s->handle_side[h] = (int)v->socks[i].side;
        }
    s->nexpects = s->nexpects_failed = 0;
    for (int side = 0; side < 2; side++) {
        viz_side *vs = &s->side[side];
        /* A side still blocked from an earlier step keeps showing the
         * statement it waits on (and those behind it). */
        bool was_blocked = vs->blocked;
        viz_code carried[VIZ_MAX_CODE];
        int ncarried = 0;
        for (int i = 0; was_blocked && i < vs->ncode; i++)
            if (!strncmp(vs->code[i].status, "blocked", 7) ||
                !strncmp(vs->code[i].status, "pending", 7))
                carried[ncarried++] = vs->code[i];
        fill_sock(&vs->after, v, side, w);
        /* Closed in this step: it is still the socket whose bytes the
         * step moved, so the animation replays them on its handle. */
        if (vs->after.present && vs->after.sim_sock < 0 && vs->before.present &&
            vs->before.sim_sock >= 0 && !strcmp(vs->after.name, vs->before.name))
            vs->after.sim_sock = vs->before.sim_sock;
        fill_real(&vs->real, rv, vs->after.name, side);
        vs->ncode = 0;
        vs->nprinted = 0;
        vs->nprinted_new = 0;
        vs->blocked = v ? v->blocked[side] : false;
        if (vs->blocked && ncarried > 0) {
            memcpy(vs->code, carried, sizeof(viz_code) * (size_t)ncarried);
            vs->ncode = ncarried;
        }
        snprintf(vs->error, sizeof vs->error, "%s",
                 v && strcmp(v->error[side], "None") ? v->error[side] : "");
        if (v && v->nprinted[side] > 0) {
            int from = v->nprinted[side] - VIZ_MAX_PRINTED;
            if (from < 0)
                from = 0;
            for (int i = from; i < v->nprinted[side]; i++) {
                snprintf(vs->printed[vs->nprinted++], VIZ_TEXT_LEN, "%s", v->printed[side][i]);
                if (i >= v->printed_step_start[side])
                    vs->nprinted_new++;
            }
        }
    }
    /* The step's statements, with the status the sim mode gives them. */
    if (s->doc && s->step >= 0 && (size_t)s->step < s->doc->nsteps) {
        const lesson_step *st = &s->doc->steps[s->step];
        for (size_t i = 0; i < st->nlines; i++) {
            const lesson_line *ln = &st->lines[i];
            if (ln->kind == LESSON_LINE_EXPECT)
                continue;
            int side = ln->kind == LESSON_LINE_WAIT ? -1 : (int)ln->side;
            for (int sd = 0; sd < 2; sd++) {
                if (side >= 0 && side != sd)
                    continue;
                viz_side *vs = &s->side[sd];
                if (vs->ncode >= VIZ_MAX_CODE)
                    continue;
                viz_code *c = &vs->code[vs->ncode++];
                c->line = ln->line;
                if (ln->kind == LESSON_LINE_WAIT)
                    snprintf(c->code, sizeof c->code, "wait %llu ms",
                             (unsigned long long)(ln->wait_us / 1000));
                else
                    snprintf(c->code, sizeof c->code, "%s", ln->code ? ln->code : "");
                snprintf(c->status, sizeof c->status, "%s", "done");
                if (v)
                    for (int k = 0; k < v->nstmts; k++)
                        if (v->stmts[k].line == ln->line)
                            snprintf(c->status, sizeof c->status, "%s", v->stmts[k].status);
            }
        }
    }
    const lesson_view *views[2] = {v, rv};
    for (int m = 0; m < 2; m++) {
        if (!views[m])
            continue;
        s->nexpects += views[m]->nexpects;
        for (int k = 0; k < views[m]->nexpects; k++)
            if (!views[m]->expects[k].ok)
                s->nexpects_failed++;
    }
    /* The event log of the step. */
    s->nevents = 0;
    if (w) {
        size_t n = 0;
        const sim_event *ev = sim_events(w, &n);
        if (n > s->cap_events) {
            sim_event *grown = realloc(s->events, n * sizeof *grown);
            if (!grown)
                return -ENOMEM;
            s->events = grown;
            s->cap_events = n;
        }
        if (n)
            memcpy(s->events, ev, n * sizeof *ev);
        s->nevents = n;
    }
    return 0;
}
