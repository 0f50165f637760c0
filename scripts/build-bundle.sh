#!/usr/bin/env bash
# Makes a signed RAUC bundle of a root slot from the root filesystem build-image.sh left
# (DIR/work/rootfs): stamped with its version (/etc/township-release), optionally with files
# laid over it (--overlay: a site's extra files, a fix), as an ext4 image in a verity bundle
# signed with the key the image trusts.
#
# Usage: scripts/build-bundle.sh --version V --out FILE.raucb [--image DIR] [--keys DIR]
#          [--overlay DIR] [--arch amd64]
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
image=target/image
version=""
out=""
keys=""
overlay=""
arch=amd64
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=$2; shift ;;
    --out) out=$2; shift ;;
    --image) image=$2; shift ;;
    --keys) keys=$2; shift ;;
    --overlay) overlay=$(realpath "$2"); shift ;;
    --arch) arch=$2; shift ;;
    *) echo "usage: $0 --version V --out FILE.raucb [--image DIR] [--keys DIR] [--overlay DIR] [--arch amd64|arm64]" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$version" ] && [ -n "$out" ] || { echo "build-bundle: --version and --out are required" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "build-bundle: run as root (the root filesystem's owners)" >&2; exit 1; }
scripts/image/setup-tools.sh
image=$(realpath "$image")
keys=$(realpath "${keys:-$image/keys}")
rootdir="$image/work/rootfs"
[ -d "$rootdir" ] || { echo "build-bundle: no root filesystem in $rootdir: run scripts/build-image.sh first" >&2; exit 1; }
[ -f "$keys/key.pem" ] || { echo "build-bundle: no signing key in $keys" >&2; exit 1; }

work=$(mktemp -d "$image/bundle.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The slot's tree: hard links to the image's (nothing in it is changed in place; the files
# stamped or laid over are replaced, not written through).
cp -al "$rootdir" "$work/root"
rm -f "$work/root/etc/township-release"
printf 'IMAGE_VERSION=%s\nIMAGE_ARCH=%s\n' "$version" "$arch" > "$work/root/etc/township-release"
if [ -n "$overlay" ]; then
  (cd "$overlay" && find . -type f -o -type l) | while read -r f; do rm -f "$work/root/$f"; done
  cp -a "$overlay/." "$work/root/"
fi
used_mib=$(du -sm "$work/root" | cut -f1)
mkdir -p "$work/bundle"
mke2fs -q -t ext4 -O ^has_journal -L rootfs -d "$work/root" "$work/bundle/rootfs.ext4" "$(( used_mib * 115 / 100 + 64 ))M"
cat > "$work/bundle/manifest.raucm" <<MANIFEST
[update]
compatible=township-kiosk-$arch
version=$version

[bundle]
format=verity

[image.rootfs]
filename=rootfs.ext4
MANIFEST
rm -f "$out"
rauc bundle --cert "$keys/cert.pem" --key "$keys/key.pem" \
  --mksquashfs-args="-comp zstd -Xcompression-level 3" "$work/bundle" "$out" >/dev/null
echo "build-bundle: $out ($(( $(stat -c %s "$out") / 1048576 )) MiB, version $version) in $(( $(date +%s) - started )) s"
