#!/usr/bin/env bash
# Installs the Debian tools the image scripts use: mmdebstrap (the root filesystem), GRUB's
# EFI build, FAT and ext4 tools, sfdisk, bmaptool, RAUC (bundles), squashfs-tools (RAUC's
# bundle format), QEMU with OVMF and socat (the boot test), openssl (the signing key).
# Idempotent.
# Usage: scripts/image/setup-tools.sh [grub-efi-amd64-bin|grub-efi-arm64-bin ...]
set -euo pipefail
packages=(mmdebstrap grub-common mtools dosfstools e2fsprogs fdisk bmap-tools rauc squashfs-tools
  openssl qemu-system-x86 ovmf socat python3 "$@")
[ $# -gt 0 ] || packages+=(grub-efi-amd64-bin)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
fi
