/* lesson_wirecmp.c: the model's wire against the kernel's (see
 * lesson_wirecmp.h). Both sides are reduced to a list of (kind, sender,
 * length, time since the step began), then walked in step.
 */
#include "lesson_wirecmp.h"

#include <stdio.h>
#include <string.h>

typedef enum { WK_SYN, WK_DATA, WK_ACK, WK_PROBE, WK_FIN, WK_RST } wk;

static const char *wk_name(wk k)
{
    static const char *names[] = {"SYN", "data", "ACK", "probe", "FIN", "RST"};
    return names[k];
}

typedef struct {
    wk kind;
    int from;
    uint32_t bytes;
    uint64_t t_us; /* since the step began */
} wseg;

static bool model_kind(lesson_event_kind k, wk *out)
{
    switch (k) {
    case LESSON_EV_SYN:
        *out = WK_SYN;
        return true;
    case LESSON_EV_SEGMENT:
        *out = WK_DATA;
        return true;
    case LESSON_EV_ACK:
    case LESSON_EV_WINDOW:
        *out = WK_ACK;
        return true;
    case LESSON_EV_PROBE:
        *out = WK_PROBE;
        return true;
    case LESSON_EV_FIN:
        *out = WK_FIN;
        return true;
    case LESSON_EV_RST:
        *out = WK_RST;
        return true;
    default:
        return false;
    }
}

/* A kernel segment's kind. Linux probes a zero window with an empty
 * segment one byte behind what it has sent (tcp_xmit_probe_skb). */
static wk kernel_kind(const lesson_segment *g, const uint32_t *next_seq)
{
    if (g->flags & LESSON_SEG_SYN)
        return WK_SYN;
    if (g->flags & LESSON_SEG_RST)
        return WK_RST;
    if (g->flags & LESSON_SEG_FIN)
        return WK_FIN;
    if (g->bytes > 0)
        return WK_DATA;
    if (next_seq[g->from_side] && g->seq + 1 == next_seq[g->from_side])
        return WK_PROBE;
    return WK_ACK;
}

void lesson_wirecmp_step(const lesson_record *rec, lesson_wirecmp *out)
{
    memset(out, 0, sizeof *out);
    out->first_diff = -1;
    if (!(rec->modes & LESSON_MODE_SIM) || !(rec->modes & LESSON_MODE_REAL) ||
        rec->wire != LESSON_WIRE_EMULATED)
        return;
    out->compared = true;
    int nm = 0, nk = 0;
    for (size_t i = 0; i < rec->nevents; i++) {
        wk k;
        if (model_kind(rec->events[i].kind, &k))
            nm++;
    }
    nk = (int)rec->nsegments;
    out->model_count = nm;
    out->kernel_count = nk;
    /* Walk both lists together. */
    size_t mi = 0;
    uint32_t next_seq[2] = {0, 0};
    int n = nm > nk ? nm : nk;
    char time_why[sizeof out->why] = "";
    int time_diff = -1;
    for (int idx = 0; idx < n; idx++) {
        wseg a = {0}, b = {0};
        bool have_a = false, have_b = idx < nk;
        while (mi < rec->nevents && !have_a) {
            const lesson_event *e = &rec->events[mi++];
            if (model_kind(e->kind, &a.kind)) {
                a.from = e->from_side;
                a.bytes = e->kind == LESSON_EV_SEGMENT ? e->bytes : 0;
                a.t_us = e->time_us > rec->t0_us ? e->time_us - rec->t0_us : 0;
                have_a = true;
            }
        }
        if (have_b) {
            const lesson_segment *g = &rec->segments[idx];
            b.kind = kernel_kind(g, next_seq);
            b.from = g->from_side;
            b.bytes = g->bytes;
            b.t_us = g->time_us > rec->real_t0_us ? g->time_us - rec->real_t0_us : 0;
            if (g->bytes && g->from_side >= 0 && g->from_side < 2 &&
                g->seq + g->bytes > next_seq[g->from_side])
                next_seq[g->from_side] = g->seq + g->bytes;
        }
        const char *what = NULL;
        if (!have_a || !have_b)
            what = have_a ? "the kernel sent nothing more" : "the model sent nothing more";
        else if (a.kind != b.kind)
            what = "kinds differ";
        else if (a.from != b.from)
            what = "senders differ";
        else if (a.bytes != b.bytes)
            what = "lengths differ";
        else {
            uint64_t d = a.t_us > b.t_us ? a.t_us - b.t_us : b.t_us - a.t_us;
            if (d > LESSON_WIRECMP_TOL_US + a.t_us * LESSON_WIRECMP_TOL_PCT / 100)
                what = "times differ";
        }
        if (!what)
            continue;
        char ma[64] = "-", kb[64] = "-";
        if (have_a)
            snprintf(ma, sizeof ma, "%s %s %uB +%.1fms", wk_name(a.kind),
                     a.from == 1 ? "server" : "client", a.bytes, (double)a.t_us / 1000.0);
        if (have_b)
            snprintf(kb, sizeof kb, "%s %s %uB +%.1fms", wk_name(b.kind),
                     b.from == 1 ? "server" : "client", b.bytes, (double)b.t_us / 1000.0);
        if (!strcmp(what, "times differ")) {
            /* Keep looking: the shape may still agree. */
            if (time_diff < 0) {
                time_diff = idx;
                snprintf(time_why, sizeof time_why, "#%d %s: model %s, kernel %s", idx + 1, what,
                         ma, kb);
            }
            continue;
        }
        out->first_diff = idx;
        snprintf(out->why, sizeof out->why, "#%d %s: model %s, kernel %s", idx + 1, what, ma, kb);
        return;
    }
    out->shape_agree = true;
    if (time_diff >= 0) {
        out->first_diff = time_diff;
        snprintf(out->why, sizeof out->why, "%s", time_why);
        return;
    }
    out->agree = true;
}
