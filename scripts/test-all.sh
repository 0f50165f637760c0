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
