#!/usr/bin/env bash
# CI's arm64 check: the kiosk board build (--features kiosk-board, linuxkms: DRM, GBM,
# libinput, the GStreamer camera) type-checks for aarch64 against the private arm64 sysroot.
# The full arm64 packages (release builds, linked, both binaries) come from
# scripts/package.sh; `--with-central` also checks the central server here.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
started=$(date +%s)
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
source scripts/arm64-env.sh
cargo check --target aarch64-unknown-linux-gnu -p township-kiosk --features kiosk-board --bins
if [ "${1:-}" = "--with-central" ]; then
  cargo check --target aarch64-unknown-linux-gnu -p township-central --bins
fi
echo "check-arm64: passed in $(( $(date +%s) - started )) s"
