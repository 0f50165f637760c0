#!/usr/bin/env bash
# Runs every check: formatting, clippy (warnings are errors) and all tests.
# Installs what the tests need first (Debian packages, Rust toolchain if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-debian.sh test
export PATH="$HOME/.cargo/bin:$PATH"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace --all-targets
# The arm64 board check (scripts/check-arm64.sh) is not run here yet: it has not been run
# on a clean machine; scripts/package.sh builds the arm64 packages.
# The Debian packages install, verify, upgrade from the signed repository and purge
# (root only; it packages the binaries the tests just built).
scripts/test-package.sh
