#!/usr/bin/env bash
# package_test.sh: the Debian packages install, work, and remove cleanly.
# Installs the package sockbuf alone with apt-get (dependencies from
# shlibdeps: libc only, no SDL and no font), then from the installed copy:
# `sockbuf check` of every bundled lesson (from /usr/share/sockbuf) with
# no SDL loaded (and none installed, where this machine has none), the
# docs in /usr/share/doc/sockbuf (SPEC.md, the lesson language's
# reference, among them), render and the window saying they need
# sockbuf-gui (exit 2), `man sockbuf`
# renders, bash completion offers commands and lesson names. Then adds
# sockbuf-gui: render draws a picture, desktop-file-validate accepts the
# menu entry (which opens a .lesson file), the icon is an SVG, the .lesson
# MIME type and the AppStream metadata are valid. Then purges both and
# checks that none of their files and none of their own folders are left.
# Before all that, lintian finds no error or warning in either. Run by
# .ci/run through `scripts/package --test`. Needs root or sudo; exit 77
# when neither.
# Usage: tests/package_test.sh sockbuf_VERSION_ARCH.deb sockbuf-gui_VERSION_ARCH.deb
set -euo pipefail
deb=${1:?usage: package_test.sh SOCKBUF_DEB SOCKBUF_GUI_DEB}
gdeb=${2:?usage: package_test.sh SOCKBUF_DEB SOCKBUF_GUI_DEB}
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1 || ! sudo -n true 2>/dev/null; then
    echo "package_test: not root and no sudo: skipped" >&2
    exit 77
  fi
  sudo="sudo -n"
fi
fail() { echo "package_test: FAIL: $*" >&2; exit 1; }
step() { echo "package_test: $*" >&2; }

for p in sockbuf sockbuf-gui; do
  if dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'install ok installed'; then
    fail "$p is already installed; remove it first (apt-get purge sockbuf sockbuf-gui)"
  fi
done
case $deb in /*) ;; *) deb=$PWD/$deb ;; esac
case $gdeb in /*) ;; *) gdeb=$PWD/$gdeb ;; esac
# The lessons the source tree bundles (the installed ones must be as many).
nsrc=$(ls "$(cd "$(dirname "$0")/.." && pwd)"/lessons/*.lesson | wc -l)

# lintian: no error and no warning (--fail-on), and no hardening tag,
# though lintian counts those as information only (the build's
# dpkg-buildflags must have reached the compiler and the linker). Every
# tag it shows is printed.
command -v lintian >/dev/null 2>&1 || fail "lintian is not installed (scripts/setup --package)"
step "lintian $(basename "$deb") $(basename "$gdeb")"
lint=$(lintian --display-info --fail-on error,warning "$deb" "$gdeb" 2>&1) && lintok=1 || lintok=
lint=$(grep -v '^running with root privileges' <<<"$lint" || true)
[ -z "$lint" ] || printf '%s\n' "$lint" >&2
[ -n "$lintok" ] || fail "lintian finds errors or warnings (lintian-explain-tags TAG tells more)"
if grep -q 'hardening-' <<<"$lint"; then fail "lintian: a binary is not hardened"; fi
if [ -n "$lint" ]; then step "lintian: no error, no warning (information above)"; else step "lintian: no tag"; fi
# sockbuf alone: its dependencies are libc's, nothing of SDL's or fonts'.
deps=$(dpkg-deb -f "$deb" Depends)
grep -qi 'sdl\|font\|png' <<<"$deps" && fail "sockbuf depends on more than libc: $deps"
step "installing $(basename "$deb") alone (Depends: $deps)"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$deb" >/dev/null
trap 'DEBIAN_FRONTEND=noninteractive $sudo apt-get purge -y -qq sockbuf-gui sockbuf >/dev/null 2>&1 || true' EXIT
files=$(dpkg-query -L sockbuf)
dpkg-query -W -f='${Status}' sockbuf-gui 2>/dev/null | grep -q 'install ok installed' &&
  fail "installing sockbuf installed sockbuf-gui"
# Where this machine has no SDL at all (a CI container, scripts/fresh-check),
# that is checked too; on a developer's machine SDL is there for the build.
if dpkg-query -W -f='${Status}\n' libsdl2-2.0-0 2>/dev/null | grep -q 'install ok installed'; then
  sdl="SDL installed on this machine, not loaded"
else
  sdl="no SDL installed"
fi

bin=/usr/bin/sockbuf
[ -x $bin ] || fail "$bin is not installed"
# Run from an empty folder so nothing but the installed lessons can be found.
work=$(mktemp -d)
out=$(cd "$work" && $bin check basics 2>&1) || fail "sockbuf check basics: $out"
[ "$out" = "1 passed, 0 failed" ] || fail "sockbuf check basics said: $out"
step "installed sockbuf check basics: $out"
# Every bundled lesson, both modes, with the dynamic loader's log: no SDL
# library is loaded, whatever the lesson does.
out=$(cd "$work" && LD_DEBUG=libs $bin check /usr/share/sockbuf/lessons/ 2>"$work/ld") ||
  fail "check of every lesson: $out $(grep -v '^ *[0-9]*:' "$work/ld" | tail -5 || true)"
if grep -q 'libSDL2' "$work/ld"; then fail "check loads SDL: $(grep -m1 libSDL2 "$work/ld")"; fi
summary=${out##*$'\n'}
# (as many as the source tree bundles: a lesson left out of the package
# fails here too)
[ "$summary" = "$nsrc passed, 0 failed" ] || fail "check of every lesson: $summary (the tree has $nsrc)"
step "installed lessons: $summary, $sdl"
$bin --version | grep -q '^sockbuf ' || fail "--version"
# The lesson language's reference and the manual ship with the command line.
for d in SPEC.md lessons.md manual.md ci.md; do
  [ -s /usr/share/doc/sockbuf/docs/$d ] || fail "/usr/share/doc/sockbuf/docs/$d is not installed"
done
# Without sockbuf-gui, render and the window say which package they need.
for cmd in "render basics --out $work/png" "basics"; do
  rc=0
  out=$(cd "$work" && SDL_VIDEODRIVER=offscreen $bin $cmd 2>&1) || rc=$?
  [ $rc -eq 2 ] || fail "sockbuf $cmd without sockbuf-gui: exit $rc, want 2 ($out)"
  [ "$out" = "sockbuf: the window and render need the package sockbuf-gui (apt-get install sockbuf-gui)" ] ||
    fail "sockbuf $cmd without sockbuf-gui said: $out"
done
[ ! -e "$work/png" ] || fail "render without sockbuf-gui made its folder"
step "render and the window without sockbuf-gui: exit 2, naming the package"

# The man page renders, without groff warnings.
man -w sockbuf >/dev/null 2>&1 || fail "man -w sockbuf finds no page"
page=$(MANWIDTH=80 man sockbuf 2>/dev/null | col -b)
for word in check render live "EXIT STATUS" KEYS "THE LESSON LANGUAGE" --junit --tap; do
  grep -q -- "$word" <<<"$page" || fail "man sockbuf lacks '$word'"
done
warn=$(zcat "$(man -w sockbuf)" | groff -man -ww -z -Tutf8 2>&1 || true)
[ -z "$warn" ] || fail "groff warns about the man page: $warn"
step "man sockbuf renders ($(wc -l <<<"$page") lines)"

comp=/usr/share/bash-completion/completions/sockbuf
[ -f $comp ] || fail "no bash completion"
words=$(bash -c ". $comp; COMP_WORDS=(sockbuf check na); COMP_CWORD=2; _sockbuf; printf '%s\n' \"\${COMPREPLY[@]}\"")
grep -qx 'nagle-delayed-ack' <<<"$words" || fail "completion of 'sockbuf check na': $words"
words=$(bash -c ". $comp; COMP_WORDS=(sockbuf ch); COMP_CWORD=1; _sockbuf; printf '%s\n' \"\${COMPREPLY[@]}\"")
grep -qx 'check' <<<"$words" || fail "completion of 'sockbuf ch': $words"
words=$(bash -c ". $comp; COMP_WORDS=(sockbuf check --ju); COMP_CWORD=2; _sockbuf; printf '%s\n' \"\${COMPREPLY[@]}\"")
grep -qx -- '--junit' <<<"$words" || fail "completion of 'sockbuf check --ju': $words"
step "bash completion offers commands, options and lesson names"

step "installing $(basename "$gdeb")"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$gdeb" >/dev/null
files="$files
$(dpkg-query -L sockbuf-gui)"
work=$(mktemp -d)
out=$(cd "$work" && SDL_VIDEODRIVER=offscreen $bin render basics --out "$work/png" --size 320x180 2>&1) ||
  fail "render with sockbuf-gui: $out"
[ -s "$work/png/step-01.png" ] || fail "render wrote no step-01.png"
file "$work/png/step-01.png" | grep -q 'PNG image data' || fail "step-01.png is not a PNG"
rm -rf "$work"
step "render with sockbuf-gui: $(ls /usr/lib/*/sockbuf/libsockbuf-viz.so) drew step-01.png"

desktop=/usr/share/applications/sockbuf.desktop
desktop-file-validate $desktop || fail "desktop-file-validate"
grep -q '^Icon=sockbuf$' $desktop || fail "desktop entry icon"
grep -q '^Exec=sockbuf %f$' $desktop || fail "desktop entry does not take a file (Exec=sockbuf %f)"
grep -q '^MimeType=text/x-sockbuf-lesson;$' $desktop || fail "desktop entry MimeType"
file /usr/share/icons/hicolor/scalable/apps/sockbuf.svg | grep -q 'SVG' || fail "icon is not an SVG"
# The MIME type: well-formed, and what shared-mime-info makes of it says
# that a .lesson file is a sockbuf lesson (built here in a folder of our
# own, whatever the system's database has).
mime=/usr/share/mime/packages/sockbuf.xml
xmllint --noout $mime || fail "$mime is not well-formed XML"
mimedb=$(mktemp -d)
mkdir "$mimedb/packages" && cp $mime "$mimedb/packages/"
update-mime-database "$mimedb" >/dev/null 2>&1 || fail "update-mime-database rejects $mime"
grep -qx 'text/x-sockbuf-lesson:\*\.lesson' "$mimedb/globs" || fail "*.lesson is not text/x-sockbuf-lesson"
grep -qx 'text/x-sockbuf-lesson text/plain' "$mimedb/subclasses" || fail "a lesson is not text/plain"
rm -rf "$mimedb"
# AppStream metadata, validated without the network where appstreamcli is.
meta=$(ls /usr/share/metainfo/*.sockbuf.metainfo.xml)
xmllint --noout $meta || fail "$meta is not well-formed XML"
grep -q '<launchable type="desktop-id">sockbuf.desktop</launchable>' $meta || fail "metainfo launchable"
grep -q '<mediatype>text/x-sockbuf-lesson</mediatype>' $meta || fail "metainfo mediatype"
if command -v appstreamcli >/dev/null 2>&1; then
  out=$(appstreamcli validate --no-net --pedantic $meta 2>&1) || fail "appstreamcli validate: $out"
  appstream="validated by appstreamcli"
else
  appstream="well-formed (no appstreamcli)"
fi
step "desktop entry valid (takes a file, MIME type), icon, MIME type and AppStream metadata ($appstream)"


step "removing"
trap - EXIT
DEBIAN_FRONTEND=noninteractive $sudo apt-get purge -y -qq sockbuf-gui sockbuf >/dev/null
for p in sockbuf sockbuf-gui; do
  dpkg-query -W -f='${Status}' $p 2>/dev/null | grep -q 'installed' && fail "$p still installed"
done
left=
while IFS= read -r f; do
  [ -z "$f" ] && continue
  if [ -d "$f" ] && [ ! -L "$f" ]; then
    # Shared folders (/usr/share/man...) stay; the package's own go.
    case $f in
      */sockbuf|*/sockbuf/*) [ -e "$f" ] && left="$left $f" ;;
    esac
  elif [ -e "$f" ] || [ -L "$f" ]; then
    left="$left $f"
  fi
done <<<"$files"
[ -z "$left" ] || fail "left after purge:$left"
step "purged: nothing left"
echo "package_test: ok" >&2
