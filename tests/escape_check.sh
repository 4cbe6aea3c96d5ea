#!/bin/sh
# escape_check.sh: no raw control byte from a lesson reaches the terminal.
# Lessons with ESC, BEL, BS and C1 controls in their title, step, say,
# question and code are refused at parse time (FILE:LINE:COL, exit 2), and
# a control character a lesson computes (print('\x1b]52;...')) is shown
# escaped by run, check and TAP. Fails when any output of sockbuf holds a
# C0 byte other than newline and tab, DEL, or a C1 character.
# Usage: tests/escape_check.sh path/to/sockbuf
set -u
bin=${1:?usage: escape_check.sh SOCKBUF}
dir=$(mktemp -d /tmp/sockbuf-esc-XXXXXX)
trap 'rm -rf "$dir"' EXIT
fails=0
fail() { echo "escape_check: FAIL: $*" >&2; fails=$((fails + 1)); }

esc=$(printf '\033') bel=$(printf '\007') bs=$(printf '\010') csi=$(printf '\302\233')
printf 'lesson t%s]0;owned%s\nstep s\nclient: x = 1\n' "$esc" "$bel" >"$dir/title.lesson"
printf 'lesson t\nstep s%s[2J\nclient: x = 1\n' "$esc" >"$dir/step.lesson"
printf 'lesson t\nstep s\nsay hi%s%s%s\nclient: x = 1\n' "$bs" "$bs" "$csi" >"$dir/say.lesson"
printf "lesson t\nstep s\nclient: x = '%s]52;c;aGk=%s'\n" "$esc" "$bel" >"$dir/code.lesson"
printf "lesson t\nstep s\nclient: print('\\\\x1b]52;c;aGk=\\\\x07 \\\\x9b2J')\nclient: x = 1\nexpect client: x == 2\n" \
    >"$dir/computed.lesson"

# raw FILE: fails when FILE holds a control byte other than \n and \t.
raw() {
    if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$1" ||
        LC_ALL=C grep -q "$(printf '\302[\200-\237]')" "$1"; then
        fail "$2: a raw control byte reached the output: $(od -c "$1" | head -5)"
    fi
}

for l in title step say code; do
    "$bin" check --sim "$dir/$l.lesson" >"$dir/out" 2>"$dir/err"
    rc=$?
    [ $rc -eq 2 ] || fail "$l: check exit $rc (want 2, a parse error)"
    grep -q "^$dir/$l.lesson:[0-9]*:[0-9]*: error: control character" "$dir/err" ||
        fail "$l: no FILE:LINE:COL control character error: $(cat "$dir/err")"
    raw "$dir/out" "$l: check's stdout"
    raw "$dir/err" "$l: check's stderr"
done

"$bin" run --sim "$dir/computed.lesson" >"$dir/out" 2>"$dir/err"
grep -q 'x1b]52;c;aGk=' "$dir/out" || fail "run did not show the printed text: $(cat "$dir/out")"
raw "$dir/out" "run's stdout"
raw "$dir/err" "run's stderr"
"$bin" check --sim "$dir/computed.lesson" >"$dir/out" 2>"$dir/err"
raw "$dir/out" "check's stdout"
raw "$dir/err" "check's stderr"
"$bin" check --sim --tap "$dir/computed.lesson" >"$dir/out" 2>"$dir/err"
raw "$dir/out" "check --tap"
[ $fails -eq 0 ] || exit 1
echo "escape_check: ok"
