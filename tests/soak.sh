#!/usr/bin/env bash
# tests/soak.sh: live mode under a long mixed load, on demand (not in CI
# or ctest). Starts `sockbuf live --listen` headless on 127.0.0.1 and runs
# against it, for DURATION seconds:
#   - well-behaved clients: connect, send a line, read the 16-byte answer,
#     close; each one must be answered;
#   - flooders: send without end and never read;
#   - slowloris: open connections and send one byte now and then;
#   - resetters: connect, send, and close with RST (SO_LINGER 0);
# while its RSS (VmRSS) and open fd count are sampled every few seconds.
# Passes (exit 0) when every well-behaved client was answered and, after
# a warm-up of a fifth of the run, RSS and fds stay within bounds of
# their first sample (flat, not growing with time).
#
#   tests/soak.sh [BINARY] [DURATION_SECONDS]      (defaults: build/sockbuf 600)
#   SOAK_FLOODERS=4 SOAK_SLOWLORIS=200 SOAK_RESETTERS=2 SOAK_CLIENTS=8 tests/soak.sh
#
# ASan variant: build with `scripts/build build-asan -DSOCKBUF_SANITIZE=ON`
# and run `tests/soak.sh build-asan/sockbuf 600` (any ASan report makes
# the server exit non-zero, which fails the soak).
set -euo pipefail
bin=${1:-build/sockbuf}
duration=${2:-600}
flooders=${SOAK_FLOODERS:-4}
slowloris=${SOAK_SLOWLORIS:-200}
resetters=${SOAK_RESETTERS:-2}
clients=${SOAK_CLIENTS:-8}
[ -x "$bin" ] || { echo "soak: no binary $bin (build first)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "soak: needs python3" >&2; exit 2; }

work=$(mktemp -d /tmp/sockbuf-soak-XXXXXX)
out=$work/first-and-last.jsonl
# The JSON Lines (gigabytes in 10 minutes of a flood) are read and
# dropped by a reader which keeps the first line (the port) and the last (the
# summary); a reader that stops reading is tested by tests/test_live.c.
# Under ASan its quarantine (256 MiB by default) fills for minutes and
# looks like growth: keep it small, so flat means flat.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=4:detect_leaks=1}
mkfifo "$work/out"
python3 -c '
import sys
f = open(sys.argv[1], "wb", buffering=0)
inp = sys.stdin.buffer
f.write(inp.readline())
last = b""
for line in inp:
    last = line
f.write(last)
' "$out" <"$work/out" &
reader=$!
"$bin" live --listen 127.0.0.1:0 --headless --sample-ms 100 --idle-timeout 30 \
    --max-seconds $((duration + 30)) >"$work/out" 2>"$work/live.err" &
srv=$!
cleanup() { kill "$srv" 2>/dev/null || true; wait "$srv" 2>/dev/null || true; }
trap cleanup EXIT
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*"addr":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$out" 2>/dev/null | head -1 || true)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "soak: the server did not start" >&2; cat "$work/live.err" >&2; exit 1; }
rc=0
echo "soak: pid $srv port $port for ${duration}s: $clients clients, $flooders flooders," \
     "$slowloris slowloris, $resetters resetters" >&2

SOAK_PORT=$port SOAK_PID=$srv SOAK_DURATION=$duration SOAK_FLOODERS=$flooders \
SOAK_SLOWLORIS=$slowloris SOAK_RESETTERS=$resetters SOAK_CLIENTS=$clients \
python3 - <<'EOF' || rc=$?
import os, socket, struct, sys, threading, time

port = int(os.environ["SOAK_PORT"]); pid = int(os.environ["SOAK_PID"])
duration = float(os.environ["SOAK_DURATION"])
end = time.monotonic() + duration
stop = threading.Event()
lock = threading.Lock()
stats = {"asked": 0, "answered": 0, "unanswered": 0, "resets": 0, "slow_reopened": 0}

def bump(k, n=1):
    with lock:
        stats[k] += n

def well_behaved():
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                bump("asked")
                s.sendall(b"Hello, world")
                got = b""
                while len(got) < 16:
                    chunk = s.recv(16 - len(got))
                    if not chunk:
                        break
                    got += chunk
                bump("answered" if got == b"Got your message" else "unanswered")
        except OSError as e:
            bump("unanswered")
            print("soak: a well-behaved client failed:", e, file=sys.stderr)
        time.sleep(0.05)

def flooder():
    data = b"x" * 65536
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.settimeout(1)
                t = time.monotonic() + 20
                while not stop.is_set() and time.monotonic() < t:
                    try:
                        s.send(data)
                    except socket.timeout:
                        pass
        except OSError:
            time.sleep(0.1)

def slowloris(n):
    socks = []
    while not stop.is_set():
        while len(socks) < n and not stop.is_set():
            try:
                socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            except OSError:
                time.sleep(0.1)
                break
        for s in list(socks):
            try:
                s.send(b"x")
            except OSError:
                socks.remove(s)
                s.close()
                bump("slow_reopened")
        stop.wait(5)
    for s in socks:
        s.close()

def resetter():
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.send(b"bye" * 1000)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
            bump("resets")
        except OSError:
            pass
        time.sleep(0.02)

def proc(pid):
    rss = fds = None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        pass
    return rss, fds

threads = [threading.Thread(target=well_behaved) for _ in range(int(os.environ["SOAK_CLIENTS"]))]
threads += [threading.Thread(target=flooder) for _ in range(int(os.environ["SOAK_FLOODERS"]))]
threads += [threading.Thread(target=resetter) for _ in range(int(os.environ["SOAK_RESETTERS"]))]
threads += [threading.Thread(target=slowloris, args=(int(os.environ["SOAK_SLOWLORIS"]),))]
for t in threads:
    t.daemon = True
    t.start()

samples = []
t0 = time.monotonic()
period = max(1.0, min(10.0, duration / 30))
while time.monotonic() < end:
    time.sleep(period)
    rss, fds = proc(pid)
    if rss is None:
        print("soak: the server is gone", file=sys.stderr)
        sys.exit(1)
    samples.append((time.monotonic() - t0, rss, fds))
    print(f"soak: t={samples[-1][0]:6.0f}s rss={rss} KiB fds={fds} "
          f"asked={stats['asked']} answered={stats['answered']}", file=sys.stderr)
stop.set()
for t in threads:
    t.join(timeout=15)

warm = [s for s in samples if s[0] >= duration / 5] or samples
base_rss = warm[0][1]; base_fds = warm[0][2]
max_rss = max(s[1] for s in warm); max_fds = max(s[2] for s in warm)
# Flat: RSS may wobble with allocator caches, never trend upwards; fds
# follow the load (slowloris, clients in flight), not the time.
first_half = [s[1] for s in warm[: max(1, len(warm) // 2)]]
second_half = [s[1] for s in warm[len(warm) // 2:]]
trend = (sum(second_half) / len(second_half)) - (sum(first_half) / len(first_half))
ok = True
print(f"soak: {stats}", file=sys.stderr)
print(f"soak: rss after warm-up {base_rss}..{max_rss} KiB (trend {trend:+.0f} KiB), "
      f"fds {min(s[2] for s in warm)}..{max_fds}", file=sys.stderr)
if stats["unanswered"] or stats["answered"] == 0:
    print("soak: FAIL: a well-behaved client was not answered", file=sys.stderr); ok = False
if max_rss > base_rss * 1.25 + 4096 or trend > base_rss * 0.1 + 2048:
    print("soak: FAIL: memory grows", file=sys.stderr); ok = False
if max_fds > base_fds * 1.5 + 64:
    print("soak: FAIL: fds grow", file=sys.stderr); ok = False
sys.exit(0 if ok else 1)
EOF
kill -TERM "$srv" 2>/dev/null || true
st=0; wait "$srv" || st=$?
trap - EXIT
wait "$reader" || true
tail -1 "$out" >&2
if [ "$st" -ne 0 ]; then
  echo "soak: FAIL: the server exited $st" >&2; cat "$work/live.err" >&2; rc=1
fi
[ "$rc" -eq 0 ] && echo "soak: PASS" >&2 && rm -rf "$work"
exit "$rc"
