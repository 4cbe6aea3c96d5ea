#!/bin/sh
# bench_render.sh: how long `sockbuf render` takes, beside its peers from
# the same run: render as it was before its threads (SOCKBUF_RENDER_SERIAL=1:
# every step run first, then each picture drawn and compressed in turn on
# one thread), and `run` of the same lesson (the steps alone, no picture).
# Default lesson: bench/lessons/thousand-steps.lesson (1,000 steps), with
# --sim; pass --real to run the real mode too. Medians of RUNS (3).
# Usage: bench/bench_render.sh [BUILD_DIR] [LESSON] [RUNS] [--real]
set -u
build=${1:-build}
lesson=${2:-bench/lessons/thousand-steps.lesson}
runs=${3:-3}
mode=--sim
[ "${4:-}" = --real ] && mode=
bin=$build/sockbuf
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
now() { date +%s.%N; }
# time_of CMD...: seconds the command took
time_of() {
    t0=$(now)
    "$@" >/dev/null 2>&1
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: >"$dir/thr"; : >"$dir/ser"; : >"$dir/run"
for i in $(seq "$runs"); do
    rm -rf "$dir/p"; time_of "$bin" render $mode "$lesson" --out "$dir/p" >>"$dir/thr"
    rm -rf "$dir/p"; time_of env SOCKBUF_RENDER_SERIAL=1 "$bin" render $mode "$lesson" --out "$dir/p" >>"$dir/ser"
    time_of "$bin" run $mode "$lesson" >>"$dir/run"
done
thr=$(median <"$dir/thr"); ser=$(median <"$dir/ser"); run=$(median <"$dir/run")
printf 'bench_render: %s %s, %s runs, %s cores, load %s\n' "$lesson" "${mode:-(both modes)}" \
    "$runs" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'render (threads):          %6.2f s\n' "$thr"
printf 'render (serial, the old):  %6.2f s   threads/serial %.2fx\n' "$ser" "$(awk -v a="$thr" -v b="$ser" 'BEGIN {print a / b}')"
printf 'run (no pictures):         %6.2f s   threads/run    %.2fx\n' "$run" "$(awk -v a="$thr" -v b="$run" 'BEGIN {print a / b}')"
