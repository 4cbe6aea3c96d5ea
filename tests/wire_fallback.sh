#!/bin/sh
# wire_fallback.sh: when the emulated wire cannot be had, the real mode
# says so once (the step, its errno and the fix) and every bundled lesson
# still passes on plain loopback; --wire loopback forces that path
# quietly, and a bad --wire value is a usage error.
# Usage: tests/wire_fallback.sh SOCKBUF LESSONS_DIR
set -u
bin=${1:?usage: wire_fallback.sh SOCKBUF LESSONS_DIR}
lessons=${2:?usage: wire_fallback.sh SOCKBUF LESSONS_DIR}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "wire_fallback: $*" >&2; exit 1; }

# A TUN node that cannot be opened: the helper fails at its open step.
SOCKBUF_TUN=$dir/no-tun "$bin" check "$lessons" >"$dir/out" 2>"$dir/err" ||
    fail "lessons fail on loopback: $(cat "$dir/out")"
n=$(ls "$lessons"/*.lesson | wc -l)
grep -q "^$n passed, 0 failed\$" "$dir/out" || fail "not all $n lessons ran: $(cat "$dir/out")"
want="sockbuf: real wire unavailable (open $dir/no-tun: No such file or directory): real mode uses plain loopback, with no latency or rate; fix: "
grep -qF "$want" "$dir/err" || fail "no fallback message: $(cat "$dir/err")"
[ "$(grep -c 'real wire unavailable' "$dir/err")" -eq 1 ] || fail "said more than once"

# The transcript says which wire ran.
SOCKBUF_TUN=$dir/no-tun "$bin" run 01 --transcript "$dir/t.jsonl" >/dev/null 2>&1 ||
    fail "run on loopback failed"
grep -q '"wire":"loopback","segments":\[\]' "$dir/t.jsonl" || fail "transcript lacks the wire"

# Forced: SOCKBUF_WIRE=loopback and --wire loopback say nothing and pass.
SOCKBUF_WIRE=loopback "$bin" check "$lessons" >"$dir/out" 2>"$dir/err" ||
    fail "SOCKBUF_WIRE=loopback: $(cat "$dir/out")"
[ ! -s "$dir/err" ] || fail "SOCKBUF_WIRE=loopback printed: $(cat "$dir/err")"
"$bin" check --wire loopback "$lessons" >"$dir/out" 2>"$dir/err" ||
    fail "--wire loopback: $(cat "$dir/out")"
[ ! -s "$dir/err" ] || fail "--wire loopback printed: $(cat "$dir/err")"

# A wrong value is a usage error.
"$bin" check --wire fast "$lessons" >/dev/null 2>&1
[ $? -eq 2 ] || fail "--wire fast was accepted"
exit 0
