#!/usr/bin/env bash
# Fetches axe-core's browser script (axe.min.js) from the npm registry into
# target/axe-core/, checked against a pinned SHA-256: the back office's accessibility check
# in the Chromium tests injects it into each page. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
version=4.10.3
sha256=0f2b4d7dcdf7d1219df8d1959ad68e565f51d14c3f0d88bb71cd59abeb956292
dest=target/axe-core
if [ -f "$dest/axe.min.js" ] && [ "$(cat "$dest/version" 2>/dev/null)" = "$version" ]; then
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scripts/npm-tarball.sh axe-core "$version" "$sha256" "$tmp/axe.tgz"
tar -xzf "$tmp/axe.tgz" -C "$tmp" package/axe.min.js
mkdir -p "$dest"
cp "$tmp/package/axe.min.js" "$dest/axe.min.js"
echo "$version" > "$dest/version"
echo "axe-core $version in $dest"
