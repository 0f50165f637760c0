#!/usr/bin/env bash
# Boots the kiosk image under QEMU and tests it (scripts/image/test_image.py): READY,
# the welcome page in a screendump, restart after SIGKILL, the watchdog after SIGSTOP, an
# application surviving a hard power-off, then A/B updates through a staged rollout (a good
# bundle, one rolled back after three failed boots, one with a bad signature). KVM where
# /dev/kvm exists, else TCG with longer timeouts (it says which).
#
# Usage: scripts/test-image.sh [--image DIR] [--out DIR] [--skip-updates]
#   --image DIR   what scripts/build-image.sh built (default target/image)
set -euo pipefail
cd "$(dirname "$0")/.."
image=target/image
out=target/image-test
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --image) image=$2; shift ;;
    --out) out=$2; shift ;;
    --skip-updates) extra+=(--skip-updates) ;;
    *) echo "usage: $0 [--image DIR] [--out DIR] [--skip-updates]" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || { echo "test-image: run as root (the data partition's owners, the bundles)" >&2; exit 1; }
[ -f "$image/disk.img" ] || { echo "test-image: no image in $image: run scripts/build-image.sh first" >&2; exit 1; }
scripts/image/setup-tools.sh
export PATH="$HOME/.cargo/bin:$PATH"
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
central="${TOWNSHIP_CENTRAL:-}"
if [ -z "$central" ]; then
  # The newest build of the central (release or the tests' debug one).
  central=$(ls -t "$target_dir"/release/township-central "$target_dir"/debug/township-central 2>/dev/null | head -n1 || true)
fi
[ -n "$central" ] || { cargo build -p township-central --bins; central="$target_dir/debug/township-central"; }
started=$(date +%s)
python3 scripts/image/test_image.py --image "$image" --central "$central" --out "$out" "${extra[@]}"
echo "test-image: passed in $(( $(date +%s) - started )) s"
