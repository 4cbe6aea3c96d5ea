/* lesson_differ.c: the figures that differ between the model and the
 * kernel after a step (see lesson_differ.h). */
#include "lesson_differ.h"

#include <stdio.h>

static uint32_t figure_of(const lesson_probe *p, lesson_figure f)
{
    switch (f) {
    case LESSON_FIG_UNSENT:
        return p->unsent_bytes;
    case LESSON_FIG_IN_FLIGHT:
        return p->in_flight_bytes;
    default:
        return p->recv_queue_bytes;
    }
}

int lesson_differences(const lesson_record *rec, lesson_difference *out, int max)
{
    int n = 0;
    if (!rec || !(rec->modes & LESSON_MODE_REAL) || !(rec->modes & LESSON_MODE_SIM))
        return 0;
    for (int i = 0; i < rec->nsocks; i++) {
        const lesson_rec_sock *s = &rec->socks[i];
        const lesson_sock_mode *m = &s->mode[0], *k = &s->mode[1];
        if (!m->present || !k->present || m->probe.listening || k->probe.listening)
            continue;
        for (int f = 0; f < LESSON_NFIGS; f++) {
            uint32_t a = figure_of(&m->probe, (lesson_figure)f);
            uint32_t b = figure_of(&k->probe, (lesson_figure)f);
            if (a == b)
                continue;
            if (n < max && out) {
                lesson_difference *d = &out[n];
                d->side = s->side;
                d->figure = (lesson_figure)f;
                snprintf(d->sock, sizeof d->sock, "%s", s->name);
                d->model_bytes = a;
                d->kernel_bytes = b;
            }
            n++;
        }
    }
    return n;
}
