#!/bin/sh
# readme_example.sh: the lesson printed in docs/lessons.md's "A complete
# lesson" section (the README's "Writing a lesson" points there) must pass
# `sockbuf check`, so the guide a new user copies from cannot rot.
# Usage: tests/readme_example.sh SOCKBUF docs/lessons.md
set -u
bin=${1:?usage: readme_example.sh SOCKBUF docs/lessons.md}
doc=${2:?usage: readme_example.sh SOCKBUF docs/lessons.md}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# The first fenced block after the sentence that introduces the example.
awk '/complete and passes `sockbuf check`/ { want = 1; next }
     want && /^```/ { if (inside) exit; inside = 1; next }
     inside { print }' "$doc" > "$dir/example.lesson"
if ! grep -q '^lesson ' "$dir/example.lesson"; then
    echo "readme_example: no example lesson found in $doc" >&2
    exit 1
fi
"$bin" check "$dir/example.lesson"
