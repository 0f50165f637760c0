#!/usr/bin/env bash
# Fetches the handwriting test set: the stroke medians of the characters listed in
# tests/handwriting/characters.txt, from Make Me a Hanzi's data as the npm registry serves
# it (hanzi-writer-data, Arphic Public License, checked against a pinned SHA-256), into
# target/handwriting-testset/. Used by tests/handwriting.rs and `kiosk bench handwriting`;
# never shipped. Idempotent.
set -euo pipefail
export LC_ALL=C.UTF-8  # one character at a time below, not one byte
cd "$(dirname "$0")/.."
version=2.0.1
sha256=72baf3d82b114e60d6e40ea05f24d2262a05cd39d544e2f322ba2fceb7beff15
dest=target/handwriting-testset
list=tests/handwriting/characters.txt
want="$version $(sha256sum "$list" | cut -d' ' -f1)"
if [ -f "$dest/stamp" ] && [ "$(cat "$dest/stamp")" = "$want" ]; then
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scripts/npm-tarball.sh hanzi-writer-data "$version" "$sha256" "$tmp/data.tgz"
members=(package/ARPHICPL.TXT)
while IFS= read -r -n1 c; do
    [ -n "$c" ] && members+=("package/$c.json")
done < <(grep -v '^#' "$list" | tr -d '\n')
tar -xzf "$tmp/data.tgz" -C "$tmp" "${members[@]}"
rm -rf "$dest"
mkdir -p "$dest"
cp "$tmp"/package/*.json "$tmp/package/ARPHICPL.TXT" "$dest/"
echo "$want" > "$dest/stamp"
echo "handwriting test set: $(ls "$dest"/*.json | wc -l) characters in $dest"
