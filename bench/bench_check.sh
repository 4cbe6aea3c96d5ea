#!/usr/bin/env bash
# bench_check.sh: how long `sockbuf check` of the bundled lessons takes,
# beside its floor and beside plain loopback, measured in the same run.
#
# On the emulated wire the real mode waits for the link: a lesson cannot
# check faster than the time its bytes and timers take. The floor printed
# is the longest lesson's model time (the model's clock at its last step:
# the link time and timers it must really wait for); the real kernel's own
# time for that lesson alone (check --real -j 1) is printed too, since the
# kernel's windows may take longer than the model's. Every figure is the
# median of RUNS runs; loopback runs the same lessons with no latency.
# SOCKBUF_SETTLE_TRACE=1 on a check shows where each step's time goes.
# Usage: bench/bench_check.sh [BUILD_DIR [RUNS]]   (build/ 5)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build}/sockbuf
runs=${2:-5}
lessons=(lessons/*.lesson)

secs() { # the wall time of a command, in seconds; its output is dropped
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || { echo "bench_check: '$*' failed" >&2; exit 1; }
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The floor: each lesson's model time at its last step.
floor_us=0 floor_lesson=
for f in "${lessons[@]}"; do
  t=$("$bin" run --sim "$f" --transcript - 2>/dev/null |
      sed -n 's/.*"sim":{"time_us":\([0-9]*\).*/\1/p' | tail -1)
  if [ -n "$t" ] && [ "$t" -gt "$floor_us" ]; then floor_us=$t floor_lesson=$f; fi
done
[ -n "$floor_lesson" ] || { echo "bench_check: no model time read from $bin run --transcript" >&2; exit 1; }

wire=$(for _ in $(seq "$runs"); do secs "$bin" check "${lessons[@]}"; done | median)
loop=$(for _ in $(seq "$runs"); do secs "$bin" check --wire loopback "${lessons[@]}"; done | median)
alone=$(for _ in $(seq "$runs"); do secs "$bin" check --real -j 1 "$floor_lesson"; done | median)
note=$("$bin" check --real -j 1 "$floor_lesson" 2>&1 >/dev/null | grep -o 'real wire unavailable' || true)
awk -v w="$wire" -v l="$loop" -v a="$alone" -v f="$floor_us" -v n="${#lessons[@]}" \
    -v fl="$(basename "$floor_lesson")" -v r="$runs" -v note="$note" 'BEGIN {
  fs = f / 1e6
  printf "check of %d lessons, both modes, default -j (medians of %d runs)%s\n", n, r,
         note != "" ? " [the wire is unavailable here: both figures are loopback]" : ""
  printf "  emulated wire:         %.2f s  = %.2fx the floor, %.2fx loopback\n", w, w / fs, w / l
  printf "  plain loopback:        %.2f s\n", l
  printf "  floor (model time of the longest lesson, %s): %.2f s\n", fl, fs
  printf "  that lesson alone on the real kernel (check --real -j 1): %.2f s = %.2fx the floor\n", a, a / fs
}'
