#!/usr/bin/env bash
# bench_memory.sh: peak memory of a big lesson, per payload byte, beside
# CPython's own figure for the same program, measured in the same run.
#
# bench/lessons/big-send.lesson reads a 64 MiB file, sendall()s it through
# a 4 KiB receive buffer and receives it with recv(..., MSG_WAITALL). Both
# `data` and `rest` are alive at the end, so 2.0 bytes per payload byte is
# the floor; CPython runs the same calls on a socketpair. Each figure is
# (peak RSS of the run - peak RSS of an empty run) / payload bytes.
# Usage: bench/bench_memory.sh [BUILD_DIR]   (default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build}/sockbuf
payload=$((64 << 20))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'lesson empty\nstep s\nclient: x = 1\n' >"$tmp/empty.lesson"
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; } # KB
t0=$(date +%s.%N)
big=$(rss "$bin" check --sim bench/lessons/big-send.lesson)
t1=$(date +%s.%N)
empty=$(rss "$bin" check --sim "$tmp/empty.lesson")
awk -v b="$big" -v e="$empty" -v p="$payload" -v t0="$t0" -v t1="$t1" 'BEGIN { s = t1 - t0
  printf "sockbuf check --sim big-send: peak %.1f MB, %.2f bytes per payload byte, %.2f s\n",
         b / 1024, (b - e) * 1024 / p, s }'
if command -v python3 >/dev/null; then
  cat >"$tmp/big.py" <<'PY'
import socket, sys, threading
n = int(sys.argv[1])
if n:
    with open(sys.argv[2], 'rb') as f: data = f.read()
    a, b = socket.socketpair()
    b.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    t = threading.Thread(target=a.sendall, args=(data,))
    t.start()
    rest = b.recv(n, socket.MSG_WAITALL)
    t.join()
    assert len(rest) == n
PY
  head -c "$payload" /dev/zero >"$tmp/big.bin"
  pbig=$(rss python3 "$tmp/big.py" "$payload" "$tmp/big.bin")
  pempty=$(rss python3 "$tmp/big.py" 0 "$tmp/big.bin")
  awk -v b="$pbig" -v e="$pempty" -v p="$payload" -v sb="$big" -v se="$empty" 'BEGIN {
    c = (b - e) * 1024 / p; s = (sb - se) * 1024 / p
    printf "CPython the same calls:      peak %.1f MB, %.2f bytes per payload byte\n", b / 1024, c
    printf "sockbuf / CPython: %.2f (floor 2.0: data and rest are both alive)\n", s / c }'
else
  echo "python3 not found: compare with the floor, 2.0 bytes per payload byte"
fi
