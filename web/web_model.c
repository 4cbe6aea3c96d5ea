/* web_model.c: `sockbuf-model-hash LESSON...`, the model's event log of
 * each lesson as one hash, so the browser's model (this file built for
 * node by web/web.cmake, sockbuf-model.js) can be checked against the
 * native one (the same file built by tests/CMakeLists.txt): scripts/web
 * --test runs both on the bundled lessons and fails when a line differs
 * (a 32-bit long or size_t in wasm32 would show here first).
 *
 * Runs each lesson on the model only and hashes (FNV-1a, 64 bits) every
 * step's transcript line (SPEC.md section 4) and every model event with
 * all its fields. Prints "HASH STEPS EVENTS NAME" a lesson; exit 0, or 1
 * when a lesson cannot be parsed or run (said on stderr).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson.h"
#include "lesson_run.h"

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211u;
    }
    return h;
}

/* Hashes a string (without its NUL) into h. */
static uint64_t fnv_text(uint64_t h, const char *text)
{
    return fnv(h, text, strlen(text));
}

static int hash_lesson(const char *path)
{
    lesson_diag diags[LESSON_MAX_DIAGS];
    int nd = 0, rc = 1;
    char err[256] = "", *buf = NULL, line[512];
    size_t len = 0;
    lesson_runner *r = NULL;
    FILE *mem = NULL;
    lesson_doc *doc = lesson_parse_file(path, diags, &nd);
    if (!doc) {
        fprintf(stderr, "sockbuf-model-hash: %s does not parse\n", path);
        return 1;
    }
    r = lesson_runner_new(doc, LESSON_MODE_SIM, err, sizeof err);
    if (!r) {
        fprintf(stderr, "sockbuf-model-hash: %s: %s\n", path, err);
        goto out;
    }
    uint64_t h = 14695981039346656037u;
    unsigned long steps = 0, events = 0;
    while (lesson_runner_step(r) == 0) {
        const lesson_record *rec = lesson_runner_record(r);
        mem = open_memstream(&buf, &len);
        if (!mem || lesson_runner_write_transcript(r, mem) < 0 || fclose(mem) != 0) {
            fprintf(stderr, "sockbuf-model-hash: %s: the transcript failed\n", path);
            mem = NULL;
            goto out;
        }
        mem = NULL;
        h = fnv(h, buf, len);
        free(buf);
        buf = NULL;
        for (size_t i = 0; i < rec->nevents; i++) {
            const lesson_event *e = &rec->events[i];
            snprintf(line, sizeof line,
                     "%" PRIu64 " %" PRIu64 " %d %d %d %d %" PRIu32 " %" PRIu64 " %" PRIu32
                     " %" PRIu32 " %d %s\n",
                     e->time_us, e->arrive_us, (int)e->kind, e->sock_id, e->from_side,
                     e->to_side, e->bytes, e->seq, e->window, e->origin, (int)e->state,
                     e->why ? e->why : "-");
            h = fnv_text(h, line);
            events++;
        }
        steps++;
    }
    const char *base = strrchr(path, '/');
    printf("%016" PRIx64 " %lu %lu %s\n", h, steps, events, base ? base + 1 : path);
    rc = 0;
out:
    free(buf);
    lesson_runner_free(r);
    lesson_doc_free(doc);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: sockbuf-model-hash LESSON...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++)
        if (hash_lesson(argv[i]) != 0)
            rc = 1;
    return rc;
}
