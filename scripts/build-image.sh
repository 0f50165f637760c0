#!/usr/bin/env bash
# Builds the kiosk's disk image from the Debian archive (mmdebstrap) and the project's own
# township-kiosk package: a GPT disk with
#   1 esp       64 MiB  FAT: GRUB (EFI, standalone) and its environment (slot choice, tries)
#   2 rootfs-A  2 GiB   ext4, read-only at run time
#   3 rootfs-B  2 GiB   ext4, read-only at run time (A/B updates with RAUC)
#   4 data      512 MiB ext4: /var/lib/township-kiosk, /etc/township-kiosk (configuration
#                       and enrolment), RAUC's status
# The image boots straight into the kiosk (systemd, township-kiosk.service, linuxkms on the
# DRM device); no desktop, no login prompt. Both slots start with the same root filesystem.
#
# Usage: scripts/build-image.sh [--arch amd64] [--out DIR] [--profile release|dev]
#          [--deb FILE] [--version V] [--keys DIR] [--data DIR]
#   --profile dev   package the test build's binary (CI: nothing is built twice)
#   --deb FILE      use this township-kiosk package instead of building one
#   --keys DIR      the RAUC signing key and certificate (key.pem, cert.pem); made there
#                   (a development key) when missing. The image trusts cert.pem.
#   --data DIR      copied onto the data partition (a site's kiosk.toml and enrolment)
# Out: DIR/disk.img, disk.bmap, rootfs.ext4 (for bundles), image.json (sizes, versions).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
started=$(date +%s)

arch=amd64
out=target/image
profile=release
deb=""
version=""
keys=""
data_seed=""
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=$2; shift ;;
    --out) out=$2; shift ;;
    --profile) profile=$2; shift ;;
    --deb) deb=$(realpath "$2"); shift ;;
    --version) version=$2; shift ;;
    --keys) keys=$2; shift ;;
    --data) data_seed=$(realpath "$2"); shift ;;
    *) echo "usage: $0 [--arch amd64|arm64] [--out DIR] [--profile release|dev] [--deb FILE] [--version V] [--keys DIR] [--data DIR]" >&2; exit 2 ;;
  esac
  shift
done
case "$arch" in
  amd64) efi_target=x86_64-efi; efi_name=BOOTX64.EFI; kernel=linux-image-amd64; grub_bin=grub-efi-amd64-bin ;;
  arm64) efi_target=arm64-efi; efi_name=BOOTAA64.EFI; kernel=linux-image-arm64; grub_bin=grub-efi-arm64-bin ;;
  *) echo "build-image: --arch amd64 or arm64" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "build-image: run as root (mmdebstrap's root mode, file ownership in the image)" >&2; exit 1; }

scripts/image/setup-tools.sh "$grub_bin"
mkdir -p "$out"
out=$(realpath "$out")
keys=$(realpath -m "${keys:-$out/keys}")
work="$out/work"
rm -rf "$work"
mkdir -p "$work"

# ---- the kiosk package ---------------------------------------------------------------------
if [ -z "$deb" ]; then
  if [ "$arch" != amd64 ]; then
    scripts/package.sh --arm64-only --dist "$work/debs"
    deb=$(ls "$work"/debs/township-kiosk_*_arm64.deb)
  elif [ "$profile" = dev ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
    target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    [ -x "$target_dir/debug/kiosk" ] || cargo build --bins
    command -v cargo-deb >/dev/null || cargo install cargo-deb --version 3.8.0 --locked --quiet
    scripts/package-assets.sh "$target_dir/debug/kiosk" "$target_dir/debug/township-central"
    cargo deb -p township-kiosk --profile dev --no-build --fast -o "$work/debs" >/dev/null
    deb=$(ls "$work"/debs/township-kiosk_*_amd64.deb)
  else
    scripts/package.sh --amd64-only --dist "$work/debs"
    deb=$(ls "$work"/debs/township-kiosk_*_amd64.deb)
  fi
fi
kiosk_version=$(dpkg-deb -f "$deb" Version)
version=${version:-$kiosk_version+$(git rev-parse --short HEAD 2>/dev/null || echo local)}
echo "build-image: $arch image $version with $(basename "$deb")"

# ---- the signing key the image trusts --------------------------------------------------------
if [ ! -f "$keys/cert.pem" ]; then
  mkdir -p "$keys"
  (umask 077; openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -sha256 \
    -subj "/O=Township kiosk/CN=township-kiosk development bundle signing" \
    -keyout "$keys/key.pem" -out "$keys/cert.pem" 2>/dev/null)
  echo "build-image: made a development signing key in $keys (use the bureau's own for real kiosks)"
fi

# ---- the root filesystem ---------------------------------------------------------------------
rootdir="$work/rootfs"
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
packages=systemd-sysv,udev,dbus,kmod,"$kernel",initramfs-tools,rauc,rauc-service,grub-common,e2fsprogs,iproute2,ca-certificates,qemu-guest-agent,util-linux
# Downloaded packages are kept between builds (IMAGE_APT_CACHE, default beside the image).
cache=$(realpath -m "${IMAGE_APT_CACHE:-$out/apt-cache-$arch}")
mkdir -p "$cache"
mmdebstrap_args=(--arch="$arch" --variant=minbase --mode=root --format=directory
  --include="$packages" --skip=essential/unlink
  --setup-hook='mkdir -p "$1"/var/cache/apt/archives/'
  --setup-hook="sync-in $cache /var/cache/apt/archives/"
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias'
  --essential-hook='echo "do_symlinks = yes" > "$1/etc/kernel-img.conf"'
  --customize-hook="copy-in $deb /tmp"
  --customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/$(basename "$deb")"
  --customize-hook="sync-out /var/cache/apt/archives $cache"
  --customize-hook='rm -f "$1"/tmp/*.deb; chroot "$1" apt-get clean')
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
  echo "build-image: $arch on $(dpkg --print-architecture) needs qemu-user binfmt for the maintainer scripts" >&2
fi
mmdebstrap "${mmdebstrap_args[@]}" bookworm "$rootdir" \
  "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main" \
  2>&1 | grep -vE '^I: |^(Get|Hit|Ign):' || true
[ -x "$rootdir/usr/bin/kiosk" ] || { echo "build-image: the kiosk did not install into the root filesystem" >&2; exit 1; }
scripts/image/configure-rootfs.sh "$rootdir" "$arch" "$version" "$keys/cert.pem"

# ---- the data partition's first contents ------------------------------------------------------
datadir="$work/data"
mkdir -p "$datadir/township-kiosk" "$datadir/etc" "$datadir/rauc"
cp -a "$rootdir/etc/township-kiosk" "$datadir/etc/township-kiosk"
kiosk_uid=$(chroot "$rootdir" id -u township-kiosk)
chown "$kiosk_uid:$kiosk_uid" "$datadir/township-kiosk"
chmod 0700 "$datadir/township-kiosk"
if [ -n "$data_seed" ]; then
  cp -a "$data_seed/." "$datadir/"
fi

# ---- file systems and the disk ---------------------------------------------------------------
used_mib=$(du -sm "$rootdir" | cut -f1)
rootfs_mib=$(( used_mib * 115 / 100 + 64 ))
slot_mib=2048
[ "$rootfs_mib" -le "$slot_mib" ] || { echo "build-image: the root filesystem ($rootfs_mib MiB) does not fit a $slot_mib MiB slot" >&2; exit 1; }
rm -f "$out/rootfs.ext4" "$out/disk.img"
mke2fs -q -t ext4 -O ^has_journal -L rootfs -d "$rootdir" "$out/rootfs.ext4" "${rootfs_mib}M"
mke2fs -q -t ext4 -L data -d "$datadir" "$work/data.ext4" 512M

esp="$work/esp.img"
grub-mkstandalone -O "$efi_target" -o "$work/$efi_name" \
  --modules="part_gpt fat ext2 search search_fs_file regexp loadenv test echo linux normal" \
  --locales="" --themes="" --fonts="" "boot/grub/grub.cfg=packaging/image/grub.cfg"
grub-editenv "$work/grubenv" create
grub-editenv "$work/grubenv" set ORDER="A B" A_OK=1 B_OK=1 A_TRY=0 B_TRY=0
mkfs.vfat -C -n TKBOOT "$esp" $((64 * 1024)) >/dev/null
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/EFI/township
mcopy -i "$esp" "$work/$efi_name" "::/EFI/BOOT/$efi_name"
mcopy -i "$esp" "$work/grubenv" ::/EFI/township/grubenv

disk="$out/disk.img"
total_mib=$(( 1 + 64 + slot_mib * 2 + 512 + 1 ))
truncate -s "${total_mib}M" "$disk"
sfdisk --quiet "$disk" <<EOF
label: gpt
start=1MiB, size=64MiB, type=uefi, name=esp
size=${slot_mib}MiB, type=linux, name=rootfs-A
size=${slot_mib}MiB, type=linux, name=rootfs-B
size=512MiB, type=linux, name=data
EOF
put() { dd if="$1" of="$disk" bs=1M seek="$2" conv=notrunc,sparse status=none; }
put "$esp" 1
put "$out/rootfs.ext4" $(( 1 + 64 ))
put "$out/rootfs.ext4" $(( 1 + 64 + slot_mib ))
put "$work/data.ext4" $(( 1 + 64 + slot_mib * 2 ))
bmaptool -q create -o "$out/disk.bmap" "$disk"

elapsed=$(( $(date +%s) - started ))
mapped=$(python3 -c 'import re,sys; t=open(sys.argv[1]).read(); print(re.search(r"<MappedBlocksCount>\s*(\d+)",t).group(1))' "$out/disk.bmap")
cat > "$out/image.json" <<EOF
{"arch": "$arch", "version": "$version", "kiosk_package": "$(basename "$deb")", "disk_bytes": $(stat -c %s "$disk"),
 "disk_mapped_bytes": $(( mapped * 4096 )), "rootfs_bytes": $(stat -c %s "$out/rootfs.ext4"), "rootfs_used_mib": $used_mib,
 "build_secs": $elapsed, "signing_cert": "$keys/cert.pem"}
EOF
rm -rf "$work/rootfs.old"
echo "build-image: $disk ($((total_mib)) MiB, $(( mapped * 4096 / 1048576 )) MiB of data; root filesystem ${used_mib} MiB used) in ${elapsed} s"
