#!/bin/sh
# cli_smoke.sh: the sockbuf binary's command line, end to end.
# A mistyped command is "unknown command" with the nearest suggested (exit
# 2) while a lesson path, name or unique prefix still opens the window
# (here: "no display", exit 1); an ambiguous prefix lists candidates;
# render refuses NaN, infinities and negatives; a live usage error is not
# preceded by "no display"; every command has --help; unknown options and
# missing values are named; check and run load no SDL (LD_DEBUG) while
# render does. Without the window module (a copy of the binary without it,
# as the package sockbuf without sockbuf-gui; or a -DSOCKBUF_GUI=OFF
# build, GUI=nogui) the window and render name the package they need and
# exit 2, and nothing of the binary links SDL (readelf -d).
# Usage: tests/cli_smoke.sh path/to/sockbuf path/to/source [gui|nogui]
set -u
bin=${1:?usage: cli_smoke.sh SOCKBUF SOURCE [gui|nogui]}
src=${2:?usage: cli_smoke.sh SOCKBUF SOURCE [gui|nogui]}
gui=${3:-gui}
unset DISPLAY WAYLAND_DISPLAY SDL_VIDEODRIVER
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0
fail() { echo "cli_smoke: FAIL: $*" >&2; fails=$((fails + 1)); }
# expect STATUS PATTERN-ON-STDERR ARGS...: runs sockbuf ARGS.
expect() {
    want=$1 pat=$2
    shift 2
    "$bin" "$@" >"$dir/out" 2>"$dir/err"
    rc=$?
    [ $rc -eq "$want" ] || fail "sockbuf $*: exit $rc, want $want ($(head -c 300 "$dir/err"))"
    [ -z "$pat" ] || grep -q -- "$pat" "$dir/err" || fail "sockbuf $*: stderr lacks '$pat': $(head -c 300 "$dir/err")"
}

expect 2 "unknown command 'frobnicate'" frobnicate
expect 2 "did you mean 'check'" chek
expect 2 "did you mean 'render'" rendr
needgui="the window and render need the package sockbuf-gui (apt-get install sockbuf-gui)"
if [ "$gui" = gui ]; then
    expect 1 "no display" basics
    expect 1 "no display" nagle
    expect 1 "no display" "$src/lessons/01-basics.lesson"
else
    expect 2 "$needgui" basics
    expect 2 "$needgui" "$src/lessons/01-basics.lesson"
    expect 2 "$needgui" render basics --out "$dir/png"
    expect 2 "built with -DSOCKBUF_GUI=OFF" render basics --out "$dir/png"
    [ -e "$dir/png" ] && fail "render without the module made its folder"
fi
expect 2 "03-chat, 06-close-and-reset" c
expect 2 "ambiguous" check c
expect 0 "" check --sim nagle
expect 2 "no lesson 'frobnicate'" check frobnicate

if [ "$gui" = gui ]; then
    for v in nan NaN inf -inf -0.5 1.5 "" 0.5x; do
        expect 2 "bad --at" render basics --out "$dir/png" --at "$v"
    done
    for v in nan inf -1 0.1 4; do
        expect 2 "bad --zoom" render basics --out "$dir/png" --zoom "$v"
    done
    [ -e "$dir/png" ] && fail "render made its folder despite a bad value"
fi

expect 2 "unknown option '--bogus'" live --listen 0 --bogus
grep -q "no display" "$dir/err" && fail "a live usage error is preceded by 'no display'"
expect 2 "option '--max-conns' needs a value" live --listen 0 --max-conns
grep -q "no display" "$dir/err" && fail "a live usage error is preceded by 'no display'"
expect 2 "bad --max-conns 'x'" live --listen 0 --max-conns x
expect 2 "unknown option '--frob'" check --frob basics
expect 2 "option '--transcript' needs a value" run basics --transcript
expect 2 "option '--sim' takes no value" check --sim=1 basics
expect 2 "unknown option '--bogus'" --bogus
if [ "$gui" = gui ]; then
    expect 2 "bad --lang 'xx'" --lang xx basics
else
    expect 2 "$needgui" --lang xx basics # the module checks the window's values
fi

for c in check run render live; do
    "$bin" $c --help >"$dir/out" 2>&1 || fail "sockbuf $c --help: exit $?"
    grep -q "usage: sockbuf $c" "$dir/out" || fail "sockbuf $c --help: $(head -2 "$dir/out")"
    "$bin" help $c >"$dir/out2" 2>&1 || fail "sockbuf help $c: exit $?"
    cmp -s "$dir/out" "$dir/out2" || fail "sockbuf help $c differs from $c --help"
done
"$bin" --help | grep -q "usage: sockbuf" || fail "sockbuf --help"
"$bin" basics --help | grep -q "Keys:" || fail "sockbuf LESSON --help (the window's)"

# The headless commands load no SDL; render loads it from the module.
LD_DEBUG=libs "$bin" check --sim basics >/dev/null 2>"$dir/ld"
grep -q 'libSDL2' "$dir/ld" && fail "check loads SDL"
LD_DEBUG=libs "$bin" run --sim basics >/dev/null 2>"$dir/ld"
grep -q 'libSDL2' "$dir/ld" && fail "run loads SDL"

# Nothing the binary links names SDL: the executable and the core library.
core=$(dirname "$bin")/lib/libsockbuf-core.so
if command -v readelf >/dev/null 2>&1; then
    for f in "$bin" "$core"; do
        readelf -d "$f" | grep -q 'NEEDED.*SDL' && fail "$f links SDL: $(readelf -d "$f" | grep NEEDED)"
    done
fi

if [ "$gui" = nogui ]; then
    [ -e "$(dirname "$bin")/lib/libsockbuf-viz.so" ] &&
        fail "a -DSOCKBUF_GUI=OFF build has a window module"
    # The live window falls back to JSON Lines, saying why.
    SDL_VIDEODRIVER=offscreen "$bin" live --listen 127.0.0.1:0 >/dev/null 2>"$dir/err" &
    pid=$!
    sleep 1
    kill -INT $pid 2>/dev/null
    wait $pid
    grep -q "$needgui" "$dir/err" || fail "live without the module: $(head -c 300 "$dir/err")"
    grep -q "printing JSON Lines" "$dir/err" || fail "live without the module prints no JSON Lines"
    [ $fails -eq 0 ] || exit 1
    echo "cli_smoke: ok (no GUI)"
    exit 0
fi

# The binary installed without its module (the package sockbuf without
# sockbuf-gui): a copy beside the core library only.
mkdir -p "$dir/bare/lib"
cp "$bin" "$dir/bare/sockbuf" && cp "$core" "$dir/bare/lib/"
expect_bare() {
    "$dir/bare/sockbuf" "$@" >"$dir/out" 2>"$dir/err"
    rc=$?
    [ $rc -eq 2 ] || fail "sockbuf $* without the module: exit $rc, want 2 ($(head -c 300 "$dir/err"))"
    grep -qx "sockbuf: $needgui" "$dir/err" || fail "sockbuf $* without the module: $(head -c 300 "$dir/err")"
}
expect_bare render basics --out "$dir/png-bare"
expect_bare basics
[ -e "$dir/png-bare" ] && fail "render without the module made its folder"
"$dir/bare/sockbuf" check --sim basics >/dev/null 2>&1 || fail "check without the module: exit $?"
# A module that is there but cannot be loaded is another matter: dlopen's
# reason, exit 1.
printf 'not an ELF file\n' >"$dir/bare/lib/libsockbuf-viz.so"
"$dir/bare/sockbuf" render basics --out "$dir/png-bare" >/dev/null 2>"$dir/err"
rc=$?
[ $rc -eq 1 ] || fail "render with a broken module: exit $rc, want 1"
grep -q '^sockbuf: cannot load the window (.*libsockbuf-viz.so.*)$' "$dir/err" ||
    fail "render with a broken module: $(head -c 300 "$dir/err")"

SDL_VIDEODRIVER=offscreen LD_DEBUG=libs "$bin" render --sim basics --out "$dir/png" \
    --size 320x180 >/dev/null 2>"$dir/ld" || fail "render: exit $?"
grep -q 'libsockbuf-viz.so' "$dir/ld" || fail "render did not load libsockbuf-viz.so"
grep -q 'libSDL2' "$dir/ld" || fail "render did not load SDL (LD_DEBUG)"
[ -s "$dir/png/step-01.png" ] || fail "render wrote no step-01.png"

# One core: the executable and the module share libsockbuf-core.so (loaded
# once), and the module holds no copy of the runner, the model or the wire.
n=$(grep -c 'calling init: .*libsockbuf-core.so' "$dir/ld")
[ "$n" = 1 ] || fail "render initialised libsockbuf-core.so $n times (want 1)"
mod=$(dirname "$bin")/lib/libsockbuf-viz.so
if [ -f "$mod" ] && command -v nm >/dev/null 2>&1; then
    copies=$(nm "$mod" | grep -cE ' [Tt] (lesson_runner_step|sim_world_new|net_wire_start|live_new|base_repr)$')
    [ "$copies" = 0 ] || fail "libsockbuf-viz.so holds $copies functions of the core (a second copy)"
fi

[ $fails -eq 0 ] || exit 1
echo "cli_smoke: ok"
