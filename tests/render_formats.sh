#!/bin/sh
# render_formats.sh: `render --format webp|gif|pdf` write what a standard
# tool reads. For every step of the bundled lessons given: one animated
# WebP (webpmux -info) and one animated GIF (gifsicle --info), each of
# more than one frame at the asked size, and nothing else; one PDF whose
# pages are the steps (pdfinfo), whose first page draws (pdftoppm), in
# English and Japanese; and --at with an animated format is a usage error.
# The tools come from scripts/setup (webp, gifsicle, poppler-utils).
# Usage: tests/render_formats.sh SOCKBUF LESSON...
set -u
bin=${1:?usage: render_formats.sh SOCKBUF LESSON...}
shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
status=0
fail() { echo "render_formats: $*" >&2; status=1; }
for tool in webpmux gifsicle pdfinfo pdftoppm; do
    command -v $tool >/dev/null 2>&1 || { fail "$tool is missing: run scripts/setup"; exit 1; }
done

for lesson in "$@"; do
    name=$(basename "$lesson" .lesson)
    nsteps=$(grep -c '^step ' "$lesson")
    for fmt in webp gif; do
        out="$dir/$name-$fmt"
        "$bin" render --sim "$lesson" --out "$out" --format $fmt --size 640x360 \
            >"$dir/out" 2>"$dir/err" || fail "$name $fmt: exit $? ($(grep -v '^step ' "$dir/err"))"
        n=$(ls "$out" | wc -l)
        [ "$n" = "$nsteps" ] || fail "$name $fmt: $n files for $nsteps steps: $(ls "$out" | tr '\n' ' ')"
        [ "$(wc -l <"$dir/out")" = "$nsteps" ] || fail "$name $fmt: stdout lists $(wc -l <"$dir/out") files"
        for k in $(seq "$nsteps"); do
            f="$out/step-$(printf %02d "$k").$fmt"
            if [ $fmt = webp ]; then
                info=$(webpmux -info "$f" 2>&1) || { fail "$f: webpmux: $info"; continue; }
                frames=$(echo "$info" | sed -n 's/^Number of frames: *//p')
                echo "$info" | grep -q 'Canvas size: 640 x 360' || fail "$f: not 640x360: $info"
            else
                info=$(gifsicle --info "$f" 2>&1) || { fail "$f: gifsicle: $info"; continue; }
                frames=$(echo "$info" | sed -n 's/^\* .* \([0-9][0-9]*\) images$/\1/p')
                echo "$info" | grep -q 'logical screen 640x360' || fail "$f: not 640x360"
                echo "$info" | grep -q 'loop forever' || fail "$f: does not loop"
            fi
            [ "${frames:-0}" -gt 1 ] 2>/dev/null || fail "$f: ${frames:-no} frames, want more than 1"
        done
    done
    for lang in en ja; do
        out="$dir/$name-pdf-$lang"
        "$bin" render --sim "$lesson" --out "$out" --format pdf --lang $lang >"$dir/out" \
            2>"$dir/err" || fail "$name pdf: exit $?"
        pdf="$out/$name.pdf"
        [ "$(cat "$dir/out")" = "$pdf" ] || fail "$name pdf: stdout says '$(cat "$dir/out")'"
        pages=$(pdfinfo "$pdf" 2>&1 | sed -n 's/^Pages: *//p')
        [ "$pages" = "$nsteps" ] || fail "$pdf: $pages pages for $nsteps steps: $(pdfinfo "$pdf" 2>&1)"
        pdftoppm -f 1 -l 1 -r 24 -png "$pdf" "$dir/page" 2>"$dir/ppm.err" ||
            fail "$pdf: pdftoppm: $(cat "$dir/ppm.err")"
        [ -s "$dir/page-1.png" ] || [ -s "$dir/page-01.png" ] || [ -s "$dir/page-001.png" ] ||
            fail "$pdf: pdftoppm drew no page: $(ls "$dir")"
        [ -s "$dir/ppm.err" ] && fail "$pdf: pdftoppm complained: $(cat "$dir/ppm.err")"
        rm -f "$dir"/page-*.png
    done
done

"$bin" render --sim "$1" --out "$dir/at" --format webp --at 0.5 >/dev/null 2>"$dir/err"
rc=$?
[ $rc = 2 ] || fail "--at with --format webp: exit $rc, want 2"
grep -q -- '--at is for --format png' "$dir/err" || fail "--at with webp said: $(cat "$dir/err")"
"$bin" render --sim "$1" --out "$dir/bad" --format bmp >/dev/null 2>"$dir/err"
rc=$?
[ $rc = 2 ] || fail "--format bmp: exit $rc, want 2"
exit $status
