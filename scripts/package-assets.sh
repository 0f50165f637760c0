#!/usr/bin/env bash
# Generates what the Debian packages ship but the repository does not hold: the man pages
# and shell completions (from the clap definitions, through the binaries' hidden
# `generate` command) and the udev rules (from hardware/usb-devices.toml). Architecture
# independent: the host's binaries make them for every package.
# Usage: scripts/package-assets.sh KIOSK_BINARY CENTRAL_BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
kiosk_bin=$1
central_bin=$2

kiosk_out=packaging/generated/kiosk
central_out=central/packaging/generated
rm -rf "$kiosk_out" "$central_out"
mkdir -p "$kiosk_out" "$central_out"
"$kiosk_bin" generate "$kiosk_out" >/dev/null
"$central_bin" generate "$central_out" >/dev/null
# Debian ships man pages compressed, reproducibly (no name, no time stamp).
gzip -9nf "$kiosk_out/man/kiosk.1" "$central_out/man/township-central.1"
python3 scripts/gen-udev-rules.py hardware/usb-devices.toml > "$kiosk_out/60-township-kiosk.rules"
