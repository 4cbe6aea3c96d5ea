#!/bin/sh
# readme_example.sh: the lesson printed in README.md's "Writing a lesson"
# section must pass `sockbuf check`, so the guide a new user copies from
# cannot rot. Usage: tests/readme_example.sh SOCKBUF README.md
set -u
bin=${1:?usage: readme_example.sh SOCKBUF README}
readme=${2:?usage: readme_example.sh SOCKBUF README}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# The first fenced block after the sentence that introduces the example.
awk '/complete and passes `sockbuf check`/ { want = 1; next }
     want && /^```/ { if (inside) exit; inside = 1; next }
     inside { print }' "$readme" > "$dir/example.lesson"
if ! grep -q '^lesson ' "$dir/example.lesson"; then
    echo "readme_example: no example lesson found in $readme" >&2
    exit 1
fi
"$bin" check "$dir/example.lesson"
