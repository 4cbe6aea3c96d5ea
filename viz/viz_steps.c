/* viz_steps.c: the worker thread that runs a lesson ahead of the window.
 * See viz_steps.h.
 *
 * One shared block holds the scenes, guarded by a mutex, and a count of
 * its two owners (the window's handle and the worker); the last one out
 * frees it. The worker runs every step as fast as the runner goes, builds
 * each step's scene from the step's record (viz_scene_next) and appends a
 * copy. A global count of live workers lets the app wait for them at exit.
 * Where no thread can be made (the browser build has none: pthread_create
 * says EAGAIN) the worker runs here, at once, every step of the model.
 */
#include "viz_steps.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson_run.h"

struct viz_steps {
    pthread_mutex_t mu;
    int owners;        /* the window's handle and the worker */
    bool stop;         /* the window is gone: end after this step */
    bool busy;         /* the worker still runs steps */
    const lesson_doc *doc;
    lesson_doc *owned_doc; /* freed with the block */
    unsigned modes;        /* asked for, then what really runs */
    lesson_wire_handle *wire; /* the real mode's (borrowed), or NULL: loopback */
    char recorded_dir[1024];  /* the model's recorded kernel half's folder, or "" */
    int failed;            /* negative errno of the step that failed, or 0 */
    int nscenes, cap;
    viz_scene *scenes;
    char message[320];
};

static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t live_cv = PTHREAD_COND_INITIALIZER;
static int live_workers;

/* Drops one owner; the last one frees the block. Called unlocked. */
static void release(viz_steps *s)
{
    pthread_mutex_lock(&s->mu);
    bool last = --s->owners == 0;
    pthread_mutex_unlock(&s->mu);
    if (!last)
        return;
    for (int i = 0; i < s->nscenes; i++)
        viz_scene_free(&s->scenes[i]);
    free(s->scenes);
    lesson_doc_free(s->owned_doc);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Appends a copy of sc. Returns 0 or -ENOMEM. Called locked. */
static int keep(viz_steps *s, const viz_scene *sc)
{
    if (s->nscenes == s->cap) {
        int nc = s->cap ? s->cap * 2 : 16;
        viz_scene *g = realloc(s->scenes, (size_t)nc * sizeof *g);
        if (!g)
            return -ENOMEM;
        s->scenes = g;
        s->cap = nc;
    }
    if (viz_scene_copy(&s->scenes[s->nscenes], sc) < 0)
        return -ENOMEM;
    s->nscenes++;
    return 0;
}

static void *worker(void *arg)
{
    viz_steps *s = arg;
    char err[256] = "";
    int rc = 0;
    viz_scene *sc = malloc(sizeof *sc);
    lesson_run_opts ro = {.modes = s->modes,
                          .wire = s->wire,
                          .recorded_dir = s->recorded_dir[0] ? s->recorded_dir : NULL};
    lesson_runner *r = lesson_runner_new_opts(s->doc, &ro, err, sizeof err);
    if (!r && s->modes != LESSON_MODE_SIM) {
        /* No loopback (a sandbox): the model alone still teaches. */
        pthread_mutex_lock(&s->mu);
        snprintf(s->message, sizeof s->message, "real sockets off: %s", err);
        s->modes = LESSON_MODE_SIM;
        pthread_mutex_unlock(&s->mu);
        r = lesson_runner_new(s->doc, LESSON_MODE_SIM, err, sizeof err);
    }
    if (!r || !sc) {
        pthread_mutex_lock(&s->mu);
        snprintf(s->message, sizeof s->message, "%s", err[0] ? err : "out of memory");
        s->failed = -ENOMEM;
        pthread_mutex_unlock(&s->mu);
        goto out;
    }
    viz_scene_init(sc, s->doc);
    for (;;) {
        pthread_mutex_lock(&s->mu);
        bool stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        rc = lesson_runner_step(r);
        if (rc == 0)
            rc = viz_scene_next(sc, lesson_runner_record(r));
        pthread_mutex_lock(&s->mu);
        if (rc == 0)
            rc = keep(s, sc);
        if (rc < 0) {
            s->failed = rc;
            snprintf(s->message, sizeof s->message, "step %d: %s", s->nscenes + 1,
                     strerror(-rc));
        }
        pthread_mutex_unlock(&s->mu);
        if (rc != 0)
            break;
    }
out:
    if (sc)
        viz_scene_free(sc);
    free(sc);
    lesson_runner_free(r);
    pthread_mutex_lock(&s->mu);
    s->busy = false;
    pthread_mutex_unlock(&s->mu);
    release(s);
    pthread_mutex_lock(&live_mu);
    live_workers--;
    pthread_cond_broadcast(&live_cv);
    pthread_mutex_unlock(&live_mu);
    return NULL;
}

viz_steps *viz_steps_new(const lesson_doc *doc, lesson_doc *owned_doc, unsigned modes,
                         lesson_wire_handle *wire, const char *recorded_dir, char *err,
                         size_t errlen)
{
    viz_steps *s = calloc(1, sizeof *s);
    pthread_t t;
    pthread_attr_t attr;
    if (!s) {
        snprintf(err, errlen, "viz_steps_new: out of memory");
        lesson_doc_free(owned_doc);
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    s->doc = doc;
    s->owned_doc = owned_doc;
    s->modes = modes;
    s->wire = wire;
    snprintf(s->recorded_dir, sizeof s->recorded_dir, "%s", recorded_dir ? recorded_dir : "");
    s->owners = 2;
    s->busy = true;
    pthread_mutex_lock(&live_mu);
    live_workers++;
    pthread_mutex_unlock(&live_mu);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, worker, s);
    pthread_attr_destroy(&attr);
    if (rc == EAGAIN && modes == LESSON_MODE_SIM) {
        /* No threads here (WebAssembly): the model runs the steps now. */
        worker(s);
        return s;
    }
    if (rc != 0) {
        snprintf(err, errlen, "pthread_create: %s", strerror(rc));
        pthread_mutex_lock(&live_mu);
        live_workers--;
        pthread_mutex_unlock(&live_mu);
        s->owners = 1;
        release(s);
        return NULL;
    }
    return s;
}

void viz_steps_free(viz_steps *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_mutex_unlock(&s->mu);
    release(s);
}

void viz_steps_join_all(void)
{
    pthread_mutex_lock(&live_mu);
    while (live_workers > 0)
        pthread_cond_wait(&live_cv, &live_mu);
    pthread_mutex_unlock(&live_mu);
}

int viz_steps_get(viz_steps *s, int k, viz_scene *out)
{
    int rc;
    pthread_mutex_lock(&s->mu);
    if (k < 0 || (size_t)k >= s->doc->nsteps)
        rc = -ENOENT;
    else if (k < s->nscenes)
        rc = viz_scene_copy(out, &s->scenes[k]);
    else if (s->failed < 0)
        rc = s->failed;
    else
        rc = -EAGAIN;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int viz_steps_ready(viz_steps *s)
{
    pthread_mutex_lock(&s->mu);
    int n = s->nscenes;
    pthread_mutex_unlock(&s->mu);
    return n;
}

bool viz_steps_busy(viz_steps *s)
{
    pthread_mutex_lock(&s->mu);
    bool b = s->busy;
    pthread_mutex_unlock(&s->mu);
    return b;
}

unsigned viz_steps_modes(viz_steps *s)
{
    pthread_mutex_lock(&s->mu);
    unsigned m = s->modes;
    pthread_mutex_unlock(&s->mu);
    return m;
}

const char *viz_steps_message(viz_steps *s)
{
    /* Written once by the worker before it ends or falls back; reading a
     * copy under the lock keeps it whole. */
    static _Thread_local char copy[320];
    pthread_mutex_lock(&s->mu);
    snprintf(copy, sizeof copy, "%s", s->message);
    pthread_mutex_unlock(&s->mu);
    return copy;
}
