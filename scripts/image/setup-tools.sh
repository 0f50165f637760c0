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
source "$(dirname "$0")/../apt-missing.sh"
apt_install_missing "${packages[@]}"
