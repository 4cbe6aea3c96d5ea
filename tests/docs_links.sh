#!/bin/sh
# docs_links.sh: every relative link in README.md and docs/*.md must name
# a file that exists, and a #fragment must name a heading of that file
# (GitHub's anchors: lower case, punctuation dropped, spaces to '-').
# Web links (http:, https:, mailto:) are not checked.
# Usage: tests/docs_links.sh SOURCE_DIR      Exit 1 when a link is broken.
set -u
top=${1:?usage: docs_links.sh SOURCE_DIR}
cd "$top" || exit 2

# anchors FILE: one GitHub anchor per line for each heading outside fences.
anchors() {
    awk '/^```/ { fence = !fence; next }
         !fence && /^#+ / {
             h = $0; sub(/^#+ +/, "", h); h = tolower(h)
             gsub(/[^a-z0-9 _-]/, "", h); gsub(/ /, "-", h)
             n = seen[h]++; print (n ? h "-" n : h)
         }' "$1"
}

bad=0
for md in README.md docs/*.md; do
    [ -f "$md" ] || continue
    dir=$(dirname "$md")
    # Every ](target) outside fenced blocks, one per line.
    links=$(awk '/^```/ { fence = !fence; next }
                 !fence { s = $0
                   while (match(s, /\]\([^)]*\)/)) {
                       print substr(s, RSTART + 2, RLENGTH - 3)
                       s = substr(s, RSTART + RLENGTH) } }' "$md")
    for link in $links; do
        case "$link" in http:* | https:* | mailto:*) continue ;; esac
        path=${link%%#*}
        frag=
        case "$link" in *'#'*) frag=${link#*#} ;; esac
        if [ -z "$path" ]; then target=$md; else target=$dir/$path; fi
        target=$(printf '%s\n' "$target" | sed 's|^\./||; s|/\./|/|g')
        case "$target" in docs/../*) target=${target#docs/../} ;; esac
        if [ ! -e "$target" ]; then
            echo "$md: broken link ($link): no file $target" >&2
            bad=1
            continue
        fi
        if [ -n "$frag" ] && ! anchors "$target" | grep -qx -- "$frag"; then
            echo "$md: broken link ($link): no heading #$frag in $target" >&2
            bad=1
        fi
    done
done
[ $bad -eq 0 ] && echo "docs_links: every relative link resolves"
exit $bad
