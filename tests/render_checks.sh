#!/bin/sh
# render_checks.sh: render's check results are check's. Drawing and
# writing the pictures must not count in the real mode's measured time
# (05's step 5 measures a stall that began in step 4), so each bundled
# lesson is rendered at 1920x1080 on the emulated wire several times,
# each picture held back SOCKBUF_TEST_PICTURE_DELAY_MS as a slow disk
# would, and the expectations render says failed (stderr, as check prints
# them) and its exit status must be those of `sockbuf check` of the same
# lesson. Every step must also have said its "step N: ..." line.
# Usage: tests/render_checks.sh SOCKBUF LESSONS_DIR [RUNS]
set -u
bin=${1:?usage: render_checks.sh SOCKBUF LESSONS_DIR [RUNS]}
lessons=${2:?usage: render_checks.sh SOCKBUF LESSONS_DIR [RUNS]}
runs=${3:-5}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
status=0
fail() { echo "render_checks: $*" >&2; status=1; }

# The failed expectations in check's words, path and value dropped:
# "82: expect failed (real): stalled < 0.2", sorted.
failures() {
    sed -n 's/^.*:\([0-9][0-9]*\): \(expect failed\|answer . is wrong\) \(([a-z]*): .*\) (got .*)$/\1: \2 \3/p' "$1" |
        sort
}

for lesson in "$lessons"/*.lesson; do
    name=$(basename "$lesson" .lesson)
    nsteps=$(grep -c '^step ' "$lesson")
    for run in $(seq "$runs"); do
        "$bin" check --wire auto "$lesson" >"$dir/check.out" 2>&1
        crc=$?
        rm -rf "$dir/png"
        SOCKBUF_TEST_PICTURE_DELAY_MS=40 "$bin" render --wire auto "$lesson" --out "$dir/png" \
            --size 1920x1080 >"$dir/render.out" 2>"$dir/render.err"
        rrc=$?
        failures "$dir/check.out" >"$dir/check.fail"
        failures "$dir/render.err" >"$dir/render.fail"
        if ! cmp -s "$dir/check.fail" "$dir/render.fail"; then
            fail "$name run $run: render's failed checks differ from check's:"
            diff "$dir/check.fail" "$dir/render.fail" | sed 's/^/  /' >&2
            grep -v '^step ' "$dir/render.err" | sed 's/^/  render: /' >&2
        fi
        [ "$crc" = "$rrc" ] || fail "$name run $run: render exited $rrc, check $crc"
        said=$(grep -c '^step [0-9][0-9]*: [0-9][0-9]* of [0-9][0-9]* checks passed' \
            "$dir/render.err")
        [ "$said" = "$nsteps" ] || fail "$name run $run: render said $said of $nsteps steps' checks"
        [ -s "$dir/png/step-$(printf %02d "$nsteps").png" ] ||
            fail "$name run $run: no picture of step $nsteps"
    done
done
exit $status
