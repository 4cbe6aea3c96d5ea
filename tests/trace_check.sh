#!/bin/sh
# trace_check.sh: sockbuf trace on the article's own Python programs.
# - chat: the client's two sends, the server's one recv(1024) returning
#   both messages, the source lines, both sides' kernel queues, the exits;
#   the programs' output and what the server received are the same as
#   without sockbuf;
# - file send: the receiver does not read yet, sendall() is blocked on a
#   zero window, visible in the events;
# - --save-lesson: the chat, the file send and a server with two clients
#   saved as lessons that check passes (both modes, --sim), 5 runs each;
# - the clear errors: a command not found, a crash (its signal named), a
#   program still running at --timeout, an untraced call (sendfile), a
#   fork and a thread followed and named;
# - the fallback to loopback (said once), and a run as an ordinary user.
# Usage: tests/trace_check.sh SOCKBUF SOURCE_DIR [gui|nogui]
# (nogui: a build without the window module; the window's checks are left out)
set -u
bin=${1:?usage: trace_check.sh SOCKBUF SOURCE_DIR [gui|nogui]}
src=${2:?usage: trace_check.sh SOCKBUF SOURCE_DIR [gui|nogui]}
gui=${3:-gui}
command -v python3 >/dev/null || { echo "trace_check: python3 missing (scripts/setup installs it)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
fail() { echo "trace_check: $*" >&2; exit 1; }
cp "$src"/tests/trace/*.py "$dir"/
cd "$dir" || exit 1

# A python3 checker of a transcript: CHECKS is Python code over `ev`
# (the events), `start` and `end`.
check() {
    python3 - "$1" "$2" <<'EOF' || exit 1
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
start = lines[0]
end = lines[-1]
ev = [l for l in lines if 'event' in l]
assert start.get('trace') == 'start', start
assert end.get('trace') == 'end', end
def side(name, call=None):
    return [e for e in ev if e['proc'] == name and (call is None or e['call'] == call)]
try:
    exec(sys.argv[2])
except AssertionError as e:
    print('trace_check: %s: %s' % (sys.argv[1], e), file=sys.stderr)
    sys.exit(1)
EOF
}

# --- chat, on the wire --------------------------------------------------
"$bin" trace --headless --transcript chat.jsonl --run 'python3 chat_server.py' \
    --run 'python3 chat_client.py' >chat.out 2>chat.err || fail "chat failed: $(cat chat.err)"
check chat.jsonl '
sends = [e for e in side("client", "send") if e["done"]]
assert [e["result"] for e in sends] == ["3", "13"], "client sends: %r" % [e["text"] for e in sends]
assert [e["where"] for e in sends] == ["chat_client.py:6", "chat_client.py:7"], [e["where"] for e in sends]
recvs = [e for e in side("server", "recv") if e["done"]]
assert recvs[0]["result"] == repr(b"Hi\nHow are you?\n"), "first recv: %r" % recvs[0]["result"]
assert recvs[0]["where"] == "chat_server.py:16", recvs[0]["where"]
assert recvs[0]["before"]["inq"] == 16, "the kernel held 16 bytes before recv: %r" % recvs[0]["before"]
assert recvs[0]["kernel"]["inq"] == 0 and recvs[0]["kernel"]["state"] == "ESTABLISHED"
assert recvs[-1]["result"] == "b\x27\x27", "the loop ends on b\x27\x27: %r" % recvs[-1]["result"]
assert sends[0]["kernel"]["outq"] >= 3 and sends[0]["kernel"]["mss"] == 1460, sends[0]["kernel"]
conn = [e for e in side("client", "connect")][0]
assert conn["addr"] == "127.0.0.1:8080" and conn["kernel"]["rtt_us"] >= 8000, conn
if start["wire"] == "emulated":
    assert any(s["flags"] == "SYN" for e in ev for s in e["segments"]), "no SYN on the wire"
assert end["exit"] == {"server": 0, "client": 0}, end
'
# The same programs without sockbuf (on this machine's loopback, a free
# port instead of 8080) print the same and exit the same.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed "s/8080/$port/" chat_server.py >plain_server.py
sed "s/8080/$port/" chat_client.py >plain_client.py
python3 plain_server.py >plain.srv 2>&1 &
spid=$!
sleep 0.5
python3 plain_client.py >plain.cli 2>&1 || fail "the client alone failed"
wait $spid || fail "the server alone failed"
{ cat plain.srv; cat plain.cli; } | sort >plain.all
sort chat.out >chat.all
cmp -s plain.all chat.all || fail "output differs with sockbuf: $(diff plain.all chat.all)"

# With the transcript on stdout (--headless), the programs' own output goes
# to stderr: stdout is JSON Lines only. --model takes KEY=VALUE words.
"$bin" trace --headless --model latency=5ms rate=100Mbit --run 'python3 chat_server.py' \
    --run 'python3 chat_client.py' >pure.jsonl 2>pure.err || fail "--headless: $(cat pure.err)"
check pure.jsonl 'assert start["model"]["rate_bps"] == 100000000, start["model"]'
grep -q '^Reply: ' pure.err || fail "the client's output is lost: $(cat pure.err)"

# --- file send: a zero window, sendall() blocked -------------------------
head -c 4000000 /dev/urandom >file.txt
"$bin" trace --headless --transcript file.jsonl --model 'latency=5ms rate=1Gbit' \
    --run 'python3 file_server.py' --run 'python3 file_client.py' >file.out 2>file.err ||
    fail "file send failed: $(cat file.err)"
grep -q '^Received 4000000 bytes$' file.out || fail "the receiver got: $(cat file.out)"
check file.jsonl '
blocked = [e for e in side("client", "send") if not e["done"]]
assert blocked, "no blocked send"
b = blocked[0]
assert b["where"] == "file_client.py:8", b["where"]
assert b["kernel"] and b["kernel"]["snd_wnd"] < b["kernel"]["mss"], "window while blocked: %r" % b["kernel"]
assert b["kernel"]["outq"] > 0, b["kernel"]
zero = [s for e in ev for s in e["segments"] if s["from"] == "server" and s["win"] == 0]
assert zero or start["wire"] != "emulated", "no zero window on the wire"
done = [e for e in side("client", "send") if e["done"]]
assert sum(e["returned"] for e in done) == 4000000, sum(e["returned"] for e in done)
assert any(e["took_ms"] >= 500 for e in done), "the blocked send took %r ms" % [e["took_ms"] for e in done]
'

# --- --save-lesson: the run as a lesson that check passes, in both modes
# and --sim, whatever the run's timing: each run saved and checked 5 times
# (the chat, the file send, and a server with two clients) ---------------
checked() { # LESSON WHAT: check passes it in both modes and in --sim
    for how in "" --sim; do
        "$bin" check $how "$1" >check.out 2>&1 || fail "check $how $2 ($3): $(cat check.out)
$(cat "$1")"
        grep -q '^1 passed, 0 failed$' check.out || fail "check $how $2: $(cat check.out)"
    done
}
for round in 1 2 3 4 5; do
    "$bin" trace --headless --transcript /dev/null --save-lesson chat.lesson \
        --run 'python3 chat_server.py' --run 'python3 chat_client.py' >/dev/null 2>save.err ||
        fail "--save-lesson: $(cat save.err)"
    grep -qxF "client:  s.sendall(b'Hi\\n')" chat.lesson || fail "no sendall in: $(cat chat.lesson)"
    grep -qxF "expect   server: data == b'Hi\\nHow are you?\\n'" chat.lesson ||
        fail "no expectation from the kernel in: $(cat chat.lesson)"
    grep -qxF "expect   server: data == b''" chat.lesson || fail "no b'' in: $(cat chat.lesson)"
    checked chat.lesson chat.lesson "round $round"

    "$bin" trace --headless --transcript /dev/null --save-lesson file.lesson \
        --model 'latency=5ms rate=1Gbit' --run 'python3 file_server.py' \
        --run 'python3 file_client.py' >/dev/null 2>save.err ||
        fail "--save-lesson (file): $(cat save.err)"
    grep -q "^client:  s.sendall(b'x' \* 4000000)$" file.lesson || fail "no sendall in: $(cat file.lesson)"
    # The receiver's loop is one recv of its total; the step where sendall
    # waits says why the kernel's buffers hold other counts.
    grep -qxF "server:  data = conn.recv(4000000, socket.MSG_WAITALL)" file.lesson ||
        fail "the loop's recvs are not one: $(cat file.lesson)"
    grep -qxF "expect   server: len(data) == 4000000" file.lesson || fail "no total in: $(cat file.lesson)"
    grep -q "^why      client.unsent " file.lesson || fail "no why in: $(cat file.lesson)"
    checked file.lesson file.lesson "round $round"

    # Every client is a statement of the client side: Alice's socket s,
    # Bob's c2 (his bytes data2).
    "$bin" trace --headless --transcript /dev/null --save-lesson relay.lesson \
        --run 'python3 relay_server.py' --run 'python3 relay_alice.py' \
        --run 'python3 relay_bob.py' >/dev/null 2>save.err ||
        fail "--save-lesson (relay): $(cat save.err)"
    grep -qxF "client:  c2.sendall(b'bob: hi\\n')" relay.lesson || fail "no Bob in: $(cat relay.lesson)"
    grep -qxF "client:  s.sendall(b'alice: hello\\n')" relay.lesson ||
        fail "no Alice in: $(cat relay.lesson)"
    grep -qxF "expect   client: data2 == b'alice: hello\\n'" relay.lesson ||
        fail "no expectation of Bob's in: $(cat relay.lesson)"
    checked relay.lesson relay.lesson "round $round"
done

# --- clear errors ----------------------------------------------------------
"$bin" trace --headless --transcript nf.jsonl --run 'no-such-program-here' >nf.out 2>nf.err
[ $? -eq 1 ] || fail "a command not found: exit $?"
grep -q "program ('no-such-program-here') exited 127 (command not found)" nf.err ||
    fail "command not found: $(cat nf.err)"
grep -q 'not found' nf.err || fail "the shell's message is lost: $(cat nf.err)"

"$bin" trace --headless --transcript segv.jsonl \
    --run 'python3 -c "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"' >/dev/null 2>segv.err
[ $? -eq 1 ] || fail "a crash: exit $?"
grep -q 'SIGSEGV' segv.err || fail "the signal is not named: $(cat segv.err)"

"$bin" trace --headless --transcript slow.jsonl --timeout 1 --run 'sleep 30' >/dev/null 2>slow.err
[ $? -eq 1 ] || fail "--timeout: exit $?"
grep -q 'still ran after 1 s: stopped' slow.err || fail "--timeout: $(cat slow.err)"
check slow.jsonl 'assert end["timed_out"] is True and "--timeout" in end["status"]["program"], end'

"$bin" trace --headless --transcript more.jsonl --run 'python3 more_server.py' \
    --run 'python3 more_client.py' >more.out 2>more.err || fail "fork/thread/sendfile: $(cat more.err)"
check more.jsonl '
assert any(e["call"] == "untraced: sendfile" and e["where"] == "more_client.py:10" for e in ev), "no untraced sendfile"
forked = [e for e in side("server") if e["process"] == 1]
assert forked and forked[0]["pid"] != side("server")[0]["pid"], "the fork is not followed"
threaded = [e for e in side("client") if e["thread"] == 1]
assert threaded and threaded[0]["where"].startswith("more_client.py:"), "the thread is not named"
'

# A statically linked server ignores the preload library: it runs
# unstepped, said, and its segments are still on the wire.
if cc -static -o static_server "$src/tests/trace/static_server.c" 2>/dev/null; then
    "$bin" trace --headless --transcript static.jsonl --run './static_server' \
        --run 'python3 file_client.py' >static.out 2>static.err || fail "static: $(cat static.err)"
    grep -q 'static server received 4000000 bytes' static.out || fail "static: $(cat static.out)"
    if grep -q '"wire":"emulated"' static.jsonl; then
        grep -q "server ('./static_server') sent segments but made no socket call sockbuf could see" \
            static.err || fail "static: not said: $(cat static.err)"
    fi
fi

# --- fallback to loopback, said once --------------------------------------
sed "s/8080/$port/" chat_server.py >lo_server.py
sed "s/8080/$port/" chat_client.py >lo_client.py
SOCKBUF_TUN=$dir/no-tun "$bin" trace --headless --transcript lo.jsonl \
    --run 'python3 lo_server.py' --run 'python3 lo_client.py' >lo.out 2>lo.err ||
    fail "loopback: $(cat lo.err)"
[ "$(grep -c 'real wire unavailable' lo.err)" -eq 1 ] || fail "fallback not said once: $(cat lo.err)"
check lo.jsonl '
assert start["wire"] == "loopback", start
assert [e["result"] for e in side("client", "send")] == ["3", "13"]
'

# --- the window steps call by call (held until released; here the demo
# mode releases them) and draws the programs' source lines ---------------
# (SDL dlopens X11 libraries whose leaks have no module name to suppress:
# an ASan build checks the window runs without leak detection.)
win_env="ASAN_OPTIONS=detect_leaks=0 SDL_FRAMEBUFFER_ACCELERATION=0"
if [ "$gui" = gui ] && command -v xvfb-run >/dev/null; then
    env $win_env xvfb-run -a -s "-screen 0 1280x720x24" "$bin" trace --size 1280x720 \
        --demo-steps 8 --screenshot win.png --transcript win.jsonl \
        --run 'python3 chat_server.py' --run 'python3 chat_client.py' >win.out 2>win.err ||
        fail "the window: $(cat win.err)"
    [ -s win.png ] || fail "the window drew nothing: $(cat win.err)"
    check win.jsonl '
assert start["stepped"] is True, start
assert end["held_by"] == {"server": "seccomp", "client": "seccomp"}, end
'
    # Where seccomp cannot be had, the preload library holds the calls.
    env $win_env SOCKBUF_TRACE_NO_SECCOMP=1 xvfb-run -a \
        -s "-screen 0 1280x720x24" "$bin" trace --demo-steps 8 --transcript win2.jsonl \
        --run 'python3 chat_server.py' --run 'python3 chat_client.py' >/dev/null 2>win2.err ||
        fail "the window without seccomp: $(cat win2.err)"
    [ "$(grep -c 'seccomp user notification unavailable' win2.err)" -eq 1 ] ||
        fail "the fallback is not said once: $(cat win2.err)"
    check win2.jsonl 'assert end["held_by"] == {"server": "preload", "client": "preload"}, end'
fi

# --- an ordinary user (nobody), with a TUN node of mode 0666 ----------------
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    mknod "$dir/tun" c 10 200 && chmod 666 "$dir/tun" || fail "mknod"
    # A copy nobody can run: the build may be where only root reads
    # (/root/sockbuf/build on a fresh Debian). It finds its libraries
    # beside it ($ORIGIN/lib).
    if [ -d "$(dirname "$bin")/lib" ]; then
        mkdir "$dir/bin" && cp "$bin" "$dir/bin/" && cp -R "$(dirname "$bin")/lib" "$dir/bin/" ||
            fail "could not copy sockbuf for nobody"
        bin=$dir/bin/$(basename "$bin")
    fi
    chown -R 65534:65534 "$dir"
    SOCKBUF_TUN=$dir/tun HOME=$dir setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$bin" trace --headless --transcript user.jsonl --run 'python3 chat_server.py' \
        --run 'python3 chat_client.py' >user.out 2>user.err || fail "as nobody: $(cat user.err)"
    grep -q 'real wire unavailable' user.err && fail "as nobody: $(cat user.err)"
    check user.jsonl '
assert start["wire"] == "emulated", start
assert [e["result"] for e in side("client", "send") if e["done"]] == ["3", "13"]
assert any(e["result"] == repr(b"Hi\nHow are you?\n") for e in side("server", "recv"))
'
    # Stepped as nobody: seccomp holds the calls (the window, released by
    # its demo mode).
    if [ "$gui" = gui ] && command -v xvfb-run >/dev/null; then
        env $win_env SOCKBUF_TUN=$dir/tun HOME=$dir setpriv --reuid=65534 \
            --regid=65534 --clear-groups xvfb-run -a -s "-screen 0 1280x720x24" "$bin" trace \
            --demo-steps 8 --transcript userwin.jsonl --run 'python3 chat_server.py' \
            --run 'python3 chat_client.py' >/dev/null 2>userwin.err ||
            fail "stepped as nobody: $(cat userwin.err)"
        check userwin.jsonl '
assert start["wire"] == "emulated" and start["stepped"] is True, start
assert end["held_by"] == {"server": "seccomp", "client": "seccomp"}, end
'
    fi
fi
exit 0
