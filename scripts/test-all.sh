#!/usr/bin/env bash
# Runs every check: formatting, clippy (warnings are errors) and all tests.
# Installs what the tests need first (Debian packages, Rust toolchain if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-debian.sh test
export PATH="$HOME/.cargo/bin:$PATH"
# axe-core for the back office's accessibility check in Chromium (pinned, checked).
scripts/fetch-axe-core.sh
scripts/fetch-handwriting-testset.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace --all-targets
# The arm64 board build type-checks (cargo check --target aarch64 --features kiosk-board,
# against a private arm64 sysroot); scripts/package.sh builds the full arm64 packages.
scripts/check-arm64.sh
# The Debian packages install, verify, upgrade from the signed repository and purge
# (root only; it packages the binaries the tests just built).
scripts/test-package.sh
# The kiosk image (Debian archive + the package the tests just built) in QEMU: READY, the
# welcome page in a screendump, restart after SIGKILL, the watchdog after SIGSTOP, an
# application through a hard power-off; then A/B updates through a staged rollout at the
# central (a good bundle, one rolled back by GRUB after three failed boots, one with a bad
# signature; the first two with 200 simulated kiosks beside the VM). Root only, like the
# package test. About 13 minutes under TCG, which is all
# this machine's nested virtualisation runs (KVM is tried and its failure said).
if [ "$(id -u)" -eq 0 ]; then
  scripts/build-image.sh --profile dev --out target/image
  scripts/test-image.sh
else
  echo "test-image: not run (needs root: mmdebstrap, the image's file owners)"
fi
