/* viz_scene.c: the scene's value helpers (queues of runs). Filling a scene
 * from a runner is in viz_scene_capture.c, so the tests can draw scenes
 * built by hand without linking the runner.
 */
#include "viz_scene.h"

#include <stdlib.h>
#include <string.h>

void viz_scene_init(viz_scene *s, const lesson_doc *doc)
{
    memset(s, 0, sizeof *s);
    s->doc = doc;
    s->step = -1;
    for (int i = 0; i < 2; i++) {
        s->side[i].before.sim_sock = -1;
        s->side[i].after.sim_sock = -1;
    }
    for (int h = 0; h < VIZ_MAX_HANDLES; h++)
        s->handle_side[h] = -1;
}

void viz_scene_free(viz_scene *s)
{
    if (!s)
        return;
    free(s->events);
    s->events = NULL;
    s->nevents = s->cap_events = 0;
}

void viz_queue_push(viz_queue *q, uint32_t origin, uint32_t bytes)
{
    if (!bytes)
        return;
    q->bytes += bytes;
    if (q->n > 0 && q->run[q->n - 1].origin == origin) {
        q->run[q->n - 1].bytes += bytes;
        return;
    }
    if (q->n == VIZ_MAX_RUNS) {
        /* Full: the newest bytes join the last run (its colour wins). */
        q->run[q->n - 1].bytes += bytes;
        return;
    }
    q->run[q->n++] = (sim_run){origin, bytes};
}

void viz_queue_pop(viz_queue *q, uint32_t bytes, viz_queue *moved)
{
    int i = 0;
    while (bytes > 0 && i < q->n) {
        uint32_t take = q->run[i].bytes < bytes ? q->run[i].bytes : bytes;
        if (moved)
            viz_queue_push(moved, q->run[i].origin, take);
        q->run[i].bytes -= take;
        q->bytes -= take;
        bytes -= take;
        if (q->run[i].bytes == 0)
            i++;
    }
    if (i > 0) {
        memmove(q->run, q->run + i, sizeof(sim_run) * (size_t)(q->n - i));
        q->n -= i;
    }
    if (bytes > 0 && q->n == 0)
        q->bytes = 0;
}
