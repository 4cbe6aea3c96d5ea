#!/usr/bin/env bash
# manpage_check.sh PAGE: the built man page (build/sockbuf.1, its KEYS
# region from the key table, the rest from the command table) renders
# without a groff warning, as tests/package_test.sh asks of the installed
# one. Run by ctest (tests/CMakeLists.txt); exit 77 (skipped) without groff.
set -euo pipefail
page=$1
command -v groff >/dev/null || { echo "no groff: skipped"; exit 77; }
warn=$(groff -man -ww -z -Tutf8 "$page" 2>&1 || true)
[ -z "$warn" ] || { echo "groff warns about $page: $warn"; exit 1; }
echo "$page renders without warnings"
