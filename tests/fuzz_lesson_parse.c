/* fuzz_lesson_parse.c: libFuzzer target for the lesson parser.
 *
 * Feeds arbitrary bytes to lesson_parse() and checks what the contract
 * promises: it returns (no crash, no hang, no leak under ASan), and either
 * a document or between 1 and LESSON_MAX_DIAGS diagnostics with positions
 * inside the input and non-empty one-line messages. A parsed document is
 * also run in the model's mode for its first steps, so the runner meets
 * every shape of tree the parser accepts.
 *
 * Build and run (see docs/design.md); new inputs go to the FIRST folder, so put a
 * scratch corpus first and the bundled lessons (the seeds) after it:
 *   CC=clang cmake -S . -B build-fuzz -DSOCKBUF_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug
 *   cmake --build build-fuzz --target fuzz_lesson_parse
 *   mkdir -p build-fuzz/corpus
 *   build-fuzz/tests/fuzz_lesson_parse -max_total_time=600 -max_len=8192 \
 *       -dict=tests/fuzz_lesson.dict build-fuzz/corpus lessons/
 * A crash is written to ./crash-<sha1>; keep it as a case in
 * test_parse_fuzz_regressions (tests/test_lesson_parse.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson.h"
#include "lesson_run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lesson_diag diags[LESSON_MAX_DIAGS];
    int nd = -1;
    lesson_doc *doc = lesson_parse("fuzz.lesson", (const char *)data, size, diags, &nd);
    if (!doc) {
        if (nd < 1 || nd > LESSON_MAX_DIAGS)
            abort();
        for (int i = 0; i < nd; i++) {
            if (diags[i].line < 1 || diags[i].col < 1 || !diags[i].message[0] ||
                strchr(diags[i].message, '\n'))
                abort();
            if ((size_t)diags[i].line > size + 1)
                abort();
        }
        return 0;
    }
    if (nd != 0 || !doc->name || doc->nsteps == 0)
        abort();
    /* Run the model's half briefly: no real sockets inside the fuzzer. */
    lesson_runner *r = lesson_runner_new(doc, LESSON_MODE_SIM, NULL, 0);
    if (r) {
        for (int s = 0; s < 8 && lesson_runner_step(r) == 0; s++) {
            FILE *devnull = fopen("/dev/null", "w");
            if (devnull) {
                lesson_runner_write_transcript(r, devnull);
                fclose(devnull);
            }
        }
        lesson_runner_free(r);
    }
    lesson_doc_free(doc);
    return 0;
}
