#!/usr/bin/env bash
# bench_live_recv.sh: live mode receiving (issue 26, item 11).
#
# One client sends SIZE MiB over loopback as fast as it can (sendall of
# 64 KiB blocks, its answers read and dropped by a second thread), then
# half-closes and waits for the server to close. It does so to two
# servers, interleaved, PAIRS times:
#   - `sockbuf live --listen 127.0.0.1:PORT --headless` with the article's
#     recv(1024) (the default --recv-size), its JSON Lines read by a pipe
#     (cat > /dev/null), as a user's `| jq` would;
#   - the peer: a Python server doing `conn.recv(1024)` in a loop.
# Prints each one's rate and the median of the per-pair ratios
# live / Python. The target is at least 0.5.
#
# Usage: bench/bench_live_recv.sh [BUILD_DIR [SIZE_MIB [PAIRS]]]   (build 256 3)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mib=${2:-256}
pairs=${3:-3}
bin=$build/sockbuf
[ -x "$bin" ] || { echo "bench_live_recv: no $bin (build first)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench_live_recv: needs python3" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

cat >"$tmp/client.py" <<'EOF'
import socket, sys, threading, time
port, n = int(sys.argv[1]), int(sys.argv[2]) << 20
for _ in range(200):
    try:
        s = socket.create_connection(("127.0.0.1", port))
        break
    except OSError:
        time.sleep(0.02)
else:
    sys.exit("client: cannot connect")
def drain():
    while s.recv(1 << 16):
        pass
t = threading.Thread(target=drain)
t.start()
block = b"x" * 65536
t0 = time.monotonic()
left = n
while left > 0:
    k = min(left, len(block))
    s.sendall(block[:k])
    left -= k
s.shutdown(socket.SHUT_WR)
t.join()
print("%.6f" % (time.monotonic() - t0))
EOF

cat >"$tmp/server.py" <<'EOF'
import socket, sys
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(1)
print(srv.getsockname()[1], flush=True)
conn, addr = srv.accept()
while True:
    data = conn.recv(1024)
    if not data:
        break
conn.close()
EOF

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

run_live() {
  local port
  port=$(free_port)
  "$bin" live --listen "127.0.0.1:$port" --headless --max-seconds 600 | cat >/dev/null &
  local pid=$!
  local t
  t=$(python3 "$tmp/client.py" "$port" "$mib")
  kill -TERM $(jobs -p) 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "$t"
}

run_python() {
  python3 "$tmp/server.py" >"$tmp/port" &
  local pid=$!
  while [ ! -s "$tmp/port" ]; do sleep 0.01; done
  local t
  t=$(python3 "$tmp/client.py" "$(cat "$tmp/port")" "$mib")
  wait "$pid"
  rm -f "$tmp/port"
  echo "$t"
}

ratios=()
for i in $(seq 1 "$pairs"); do
  tl=$(run_live)
  tp=$(run_python)
  r=$(python3 -c "print('%.2f' % ($tp / $tl))")
  ratios+=("$r")
  python3 -c "
mib=$mib; tl=$tl; tp=$tp
print('pair $i: live --listen %7.1f MB/s   python recv(1024) %7.1f MB/s   ratio %s' % (mib*1.048576/tl, mib*1.048576/tp, '$r'))"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "$mib MiB over loopback, recv(1024): live / Python, median of $pairs pairs: $median (target: at least 0.5)"
