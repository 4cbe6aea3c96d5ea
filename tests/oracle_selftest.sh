#!/bin/sh
# The oracle can fail: it runs on a sockbuf whose transcript says one
# statement ended "blocked" where CPython's ends "done" (the first
# statement of the last step of 01-basics), and must exit 1 naming it.
# Usage: oracle_selftest.sh PYTHON3 ORACLE SOCKBUF LESSON
set -u
py=$1 oracle=$2 sockbuf=$3 lesson=$4
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/sockbuf" <<EOF
#!/bin/sh
# sockbuf run LESSON --transcript OUT, with one status turned wrong
"$sockbuf" "\$@" || exit \$?
out=\$4
"$py" - "\$out" <<'PY'
import json, sys
rows = [json.loads(x) for x in open(sys.argv[1])]
rows[-1]["statements"][0]["sim"] = "blocked"
open(sys.argv[1], "w").write("".join(json.dumps(r) + "\n" for r in rows))
PY
EOF
chmod +x "$tmp/sockbuf"
"$py" "$oracle" "$tmp/sockbuf" "$lesson" >"$tmp/log" 2>&1
rc=$?
cat "$tmp/log"
if [ "$rc" -ne 1 ] || ! grep -q '^DIFFERS ' "$tmp/log"; then
    echo "oracle_selftest: the oracle passed a transcript that differs (exit $rc)" >&2
    exit 1
fi
echo "oracle_selftest: the wrong status was found"
