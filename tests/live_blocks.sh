#!/bin/sh
# live_blocks.sh: live --listen --headless writes its events in blocks,
# not one write() per recv (#26 item 11). A client sends 4 MiB, which the
# server reads with the article's recv(1024): about 4096 recv events. The
# server's write system calls (/proc/PID/io syscw; its answers go out with
# send(), which syscw does not count) must be far fewer than its events:
# before, every event was a write of its own. Also checks that every line
# is JSON and that the recv events add up to the bytes sent.
# Usage: tests/live_blocks.sh path/to/sockbuf
set -u
bin=${1:?usage: live_blocks.sh SOCKBUF}
command -v python3 >/dev/null || { echo "live_blocks: no python3, skipped"; exit 77; }
dir=$(mktemp -d /tmp/sockbuf-blocks-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

"$bin" live --listen 127.0.0.1:0 --headless --max-seconds 60 >"$dir/out" 2>"$dir/err" &
pid=$!
port=
for _ in $(seq 1 200); do
    port=$(sed -n 's/.*"event":"listen".*"addr":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$dir/out")
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { echo "live_blocks: FAIL: no listen event: $(cat "$dir/err")" >&2; exit 1; }

python3 - "$port" <<'EOF' || { echo "live_blocks: FAIL: the client failed" >&2; exit 1; }
import socket, sys, threading
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t = threading.Thread(target=lambda: [None for _ in iter(lambda: s.recv(65536), b"")])
t.start()
s.sendall(b"x" * (4 << 20))
s.shutdown(socket.SHUT_WR)
t.join()
EOF
# The close event is the last of the connection's: then read the count.
for _ in $(seq 1 100); do
    grep -q '"event":"close"' "$dir/out" && break
    sleep 0.05
done
sleep 0.1
writes=$(sed -n 's/^syscw: //p' "/proc/$pid/io")
kill -TERM "$pid"
wait "$pid"
pid=
events=$(grep -c '"event":"recv"' "$dir/out")
echo "live_blocks: $events recv events, $writes write calls"
python3 - "$dir/out" <<'EOF' || exit 1
import json, sys
got = 0
for n, line in enumerate(open(sys.argv[1]), 1):
    try:
        ev = json.loads(line)
    except ValueError:
        sys.exit("live_blocks: FAIL: line %d is not JSON: %r" % (n, line))
    if ev["event"] == "recv":
        got += ev["bytes"]
if got != 4 << 20:
    sys.exit("live_blocks: FAIL: recv events add up to %d bytes, not %d" % (got, 4 << 20))
EOF
if [ "$events" -lt 1000 ]; then
    echo "live_blocks: FAIL: only $events recv events for 4 MiB in recv(1024)" >&2
    exit 1
fi
if [ "$writes" -gt $((events / 8)) ]; then
    echo "live_blocks: FAIL: $writes write calls for $events events (one each is the old way)" >&2
    exit 1
fi
echo "live_blocks: ok"
