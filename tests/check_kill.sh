#!/bin/sh
# check_kill.sh: `sockbuf check -j 2` leaves nothing behind when it is
# killed. Its workers (one per lesson, each with the emulated wire's
# helper) die with it: 2 s after a `kill -9` of check, and 2 s after a
# SIGTERM or SIGINT to check alone, no process of the run is left.
# The lessons sleep 30 s each in real mode, so a worker that outlived its
# parent would still be there. And `run --transcript` stopped by SIGTERM
# or SIGINT in its second step keeps the first: on stdout and on disk.
# Usage: tests/check_kill.sh path/to/sockbuf
set -u
bin=${1:?usage: check_kill.sh SOCKBUF}
dir=$(mktemp -d /tmp/sockbuf-kill-XXXXXX)
trap 'pkill -9 -f "$dir" 2>/dev/null; rm -rf "$dir"' EXIT
fails=0
fail() { echo "check_kill: FAIL: $*" >&2; fails=$((fails + 1)); }
for i in 1 2 3; do
    cat >"$dir/sleep$i.lesson" <<LESSON
lesson sleeps
step a long wait
client: x = 1
client: time.sleep(30)
expect client: x == 1
LESSON
done

# left SECONDS: the processes of this run still alive after SECONDS.
left() {
    sleep "$1"
    pgrep -f "$dir" | grep -v "^$$\$" || true
}

for how in KILL TERM INT; do
    # (env: an asynchronous command of sh starts with SIGINT ignored)
    env --default-signal=INT "$bin" check --real -j 2 "$dir"/sleep1.lesson "$dir"/sleep2.lesson "$dir"/sleep3.lesson \
        >"$dir/out" 2>&1 &
    pid=$!
    # wait for the workers to start (two children of check)
    n=0
    while [ "$(pgrep -P "$pid" | wc -l)" -lt 2 ] && [ $n -lt 100 ]; do
        sleep 0.05
        n=$((n + 1))
    done
    [ "$(pgrep -P "$pid" | wc -l)" -ge 2 ] || fail "$how: check started no workers"
    kill -s "$how" "$pid"
    wait "$pid" 2>/dev/null
    rest=$(left 2)
    if [ -n "$rest" ]; then
        fail "SIG$how: left behind: $(ps -o pid=,ppid=,args= -p "$(echo $rest | tr ' ' ,)")"
        pkill -9 -f "$dir" 2>/dev/null
    fi
done
printf 'lesson two\nstep one\nclient: x = 1\nstep two\nclient: time.sleep(30)\n' >"$dir/two.lesson"
for how in TERM INT; do
    rm -f "$dir/t.jsonl"
    env --default-signal=INT "$bin" run --real "$dir/two.lesson" --transcript "$dir/t.jsonl" \
        >"$dir/out" 2>&1 &
    pid=$!
    n=0
    while ! grep -q '"step":1' "$dir/t.jsonl" 2>/dev/null && [ $n -lt 100 ]; do
        sleep 0.05
        n=$((n + 1))
    done
    kill -s "$how" "$pid"
    wait "$pid" 2>/dev/null
    grep -q '"step":1' "$dir/t.jsonl" || fail "run, SIG$how: step 1 lost from the transcript"
    grep -q '== step 1/2' "$dir/out" || fail "run, SIG$how: step 1 lost from stdout: $(cat "$dir/out")"
done
[ $fails -eq 0 ] || exit 1
echo "check_kill: ok (kill -9, SIGTERM and SIGINT leave no worker or wire helper; run keeps its steps)"
