#!/usr/bin/env bash
# Downloads one package tarball from the npm registry and checks it against a pinned
# SHA-256 (the fetch-*.sh scripts' common step). Usage: scripts/npm-tarball.sh NAME VERSION SHA256 OUT.tgz
set -euo pipefail
name=$1 version=$2 sha256=$3 out=$4
curl -sSfL --retry 3 -o "$out" "https://registry.npmjs.org/$name/-/$name-$version.tgz"
echo "$sha256  $out" | sha256sum -c --quiet
