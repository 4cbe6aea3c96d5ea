#!/bin/sh
# xvfb_live_smoke.sh: `sockbuf live --listen` in a real window under Xvfb.
# Starts the live window (software renderer, SDL_FRAMEBUFFER_ACCELERATION=0)
# on a free loopback port for a few seconds; two Python clients connect:
# one sends a message and reads the server's b'Got your message', the
# other sends 256 KiB and reads nothing (queues fill on both sides). Each
# stays connected until the window saves its screenshot and exits. Checks
# the exit status, the answer the first client got, and that the
# screenshot is a PNG of the window's size.
# Usage: tests/xvfb_live_smoke.sh path/to/sockbuf
#        (exit 77: skipped, no xvfb-run or no python3)
set -u
. "$(dirname "$0")/smoke_lib.sh"
bin=${1:?usage: xvfb_live_smoke.sh SOCKBUF}
for tool in xvfb-run python3; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "$tool not found: skipped" >&2
        exit 77
    fi
done
dir=$(mktemp -d)
client_pid=
trap '[ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null; rm -rf "$dir"' EXIT
shot=$dir/live.png
# A free port: bound to 0 by Python, then released for sockbuf to listen on.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
cat >"$dir/clients.py" <<'PY'
import socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
deadline = time.time() + 20
def connect():
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=2)
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)
a = connect()
a.sendall(b"Hello, world")
answer = a.recv(1024)
open(out, "wb").write(answer)
b = connect()
b.setblocking(False)
left = 256 * 1024
while left > 0 and time.time() < deadline:
    try:
        left -= b.send(b"x" * min(left, 65536))
    except BlockingIOError:
        time.sleep(0.05)
# Stay connected until the window has gone (its listener closes).
while time.time() < deadline:
    try:
        a.settimeout(0.2)
        if a.recv(1024) == b"":
            break
    except socket.timeout:
        pass
    except OSError:
        break
PY
python3 "$dir/clients.py" "$port" "$dir/answer" &
client_pid=$!
# Under ASan, libX11 and the dlopen'ed X libraries leak a few bytes that
# are not ours (see xvfb_smoke.sh).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
env -u WAYLAND_DISPLAY SDL_VIDEODRIVER=x11 SDL_FRAMEBUFFER_ACCELERATION=0 SDL_AUDIODRIVER=dummy \
    timeout 50 xvfb-run -a -s "-screen 0 1600x900x24" \
    "$bin" live --listen "127.0.0.1:$port" --size 1280x720 --max-seconds 4 --screenshot "$shot"
rc=$?
wait "$client_pid"
crc=$?
client_pid=
if [ $rc -ne 0 ]; then
    echo "xvfb_live_smoke: sockbuf exited $rc" >&2
    exit 1
fi
if [ $crc -ne 0 ]; then
    echo "xvfb_live_smoke: the Python clients failed (exit $crc)" >&2
    exit 1
fi
if [ "$(cat "$dir/answer" 2>/dev/null)" != "Got your message" ]; then
    echo "xvfb_live_smoke: the client got '$(cat "$dir/answer" 2>/dev/null)', not 'Got your message'" >&2
    exit 1
fi
png_check xvfb_live_smoke "$shot" 1280x720
if [ -n "${VIZ_SMOKE_KEEP:-}" ]; then cp "$shot" "$VIZ_SMOKE_KEEP"; fi
echo "xvfb_live_smoke: live window served two clients, screenshot $size"
