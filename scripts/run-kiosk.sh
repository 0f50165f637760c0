#!/usr/bin/env bash
# Starts the kiosk on this machine: installs what it needs, builds, and runs `kiosk run`.
# With no configuration it uses the embedded defaults: simulated devices, the embedded
# catalogue, and state under ~/.local/share/township-kiosk.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-debian.sh run
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --bin kiosk
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${SLINT_BACKEND:-}" ]; then
  echo "run-kiosk: no display here: starting the services headless (set DISPLAY to see the touchscreen UI)"
  exec ./target/release/kiosk run --headless "$@"
fi
exec ./target/release/kiosk run "$@"
