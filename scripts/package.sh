#!/usr/bin/env bash
# Builds the four Debian packages with cargo-deb: township-kiosk and township-central for
# amd64 and arm64 (the arm64 kiosk is the `board` variant: --features kiosk-board,
# linuxkms full screen). arm64 is cross compiled here: the rustup target, Debian's cross
# gcc, and the arm64 -dev packages unpacked into a private sysroot
# (scripts/arm64-sysroot.sh). Release builds; the packages land in DIST (default
# target/debian-dist).
#
# Usage: scripts/package.sh [--amd64-only | --arm64-only] [--deb-version V] [--dist DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

arches=(amd64 arm64)
deb_version=()
dist=""
while [ $# -gt 0 ]; do
  case "$1" in
    --amd64-only) arches=(amd64) ;;
    --arm64-only) arches=(arm64) ;;
    --deb-version) deb_version=(--deb-version "$2"); shift ;;
    --dist) dist=$2; shift ;;
    *) echo "usage: $0 [--amd64-only|--arm64-only] [--deb-version V] [--dist DIR]" >&2; exit 2 ;;
  esac
  shift
done

source scripts/setup-debian.sh package
export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo-deb >/dev/null || cargo install cargo-deb --version 3.8.0 --locked
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
dist=$(realpath -m "${dist:-$target_dir/debian-dist}")
mkdir -p "$dist"
# Symbols stripped by the linker, so cargo-deb needs no strip for the target.
export CARGO_PROFILE_RELEASE_STRIP=symbols

# Host binaries first: they write the man pages and completions for every architecture.
cargo build --release --workspace --bins
scripts/package-assets.sh "$target_dir/release/kiosk" "$target_dir/release/township-central"

for arch in "${arches[@]}"; do
  case "$arch" in
    amd64)
      cargo deb -p township-kiosk --no-build --no-strip "${deb_version[@]}" -o "$dist"
      cargo deb -p township-central --no-build --no-strip "${deb_version[@]}" -o "$dist"
      ;;
    arm64)
      source scripts/arm64-env.sh
      # dpkg-shlibdeps ($auto) reads the arm64 libraries' symbols files from the sysroot.
      # The board profile (Cargo.toml: opt-level "s", fat LTO): a third less code resident.
      cargo deb -p township-kiosk --variant board --profile board --target aarch64-unknown-linux-gnu --no-strip "${deb_version[@]}" -o "$dist"
      cargo deb -p township-central --target aarch64-unknown-linux-gnu --no-strip "${deb_version[@]}" -o "$dist"
      ;;
  esac
done
ls -l "$dist"/*.deb
