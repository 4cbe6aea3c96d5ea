#!/bin/sh
# xvfb_smoke.sh: the real window under Xvfb. Opens the basics lesson with
# the software renderer (SDL_FRAMEBUFFER_ACCELERATION=0), plays three
# steps, saves a screenshot of the window and quits; checks the exit
# status, that the screenshot is a PNG of the window's size, and that the
# window's real mode runs on the emulated wire whenever `run` does (main()
# makes the wire before any thread and hands it to the window's entry
# point, which says at the demo's end which wire its steps ran on).
# Usage: tests/xvfb_smoke.sh path/to/sockbuf   (exit 77: skipped, no xvfb-run)
set -u
. "$(dirname "$0")/smoke_lib.sh"
bin=${1:?usage: xvfb_smoke.sh SOCKBUF}
if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "xvfb-run not found: skipped" >&2
    exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
shot=$dir/window.png
# Under ASan, libX11 and the dlopen'ed X libraries leak a few bytes that
# are not ours; the same code without X is leak-checked by test_viz_app.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
env -u WAYLAND_DISPLAY SDL_VIDEODRIVER=x11 SDL_FRAMEBUFFER_ACCELERATION=0 SDL_AUDIODRIVER=dummy \
    timeout 50 xvfb-run -a -s "-screen 0 1600x900x24" \
    "$bin" basics --size 1280x720 --demo-steps 3 --screenshot "$shot" 2>"$dir/err"
rc=$?
cat "$dir/err" >&2
if [ $rc -ne 0 ]; then
    echo "xvfb_smoke: sockbuf exited $rc" >&2
    exit 1
fi
"$bin" run basics --transcript - 2>"$dir/err_run" >"$dir/run.jsonl"
if grep -q '"wire":"emulated"' "$dir/run.jsonl" &&
    ! grep -q "the real mode on the emulated wire" "$dir/err"; then
    echo "xvfb_smoke: 'run' has the emulated wire but the window did not run on it" >&2
    exit 1
fi
png_check xvfb_smoke "$shot" 1280x720
if [ -n "${VIZ_SMOKE_KEEP:-}" ]; then cp "$shot" "$VIZ_SMOKE_KEEP"; fi
echo "xvfb_smoke: window ran 3 steps, screenshot $size"
