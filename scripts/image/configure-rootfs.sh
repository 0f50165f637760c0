#!/usr/bin/env bash
# Turns the mmdebstrap root filesystem into the kiosk image's root slot: read-only root
# (fstab: data partition, binds, tmpfs), RAUC's system.conf and keyring, the health check
# and update agent units, wired networking (systemd-networkd), a volatile journal, no login
# prompt anywhere, and /etc/township-release naming the image version.
# Usage: scripts/image/configure-rootfs.sh ROOTDIR ARCH VERSION SIGNING-CERT
set -euo pipefail
cd "$(dirname "$0")/../.."
rootdir=$1 arch=$2 version=$3 cert=$4
img=packaging/image

install -m 0644 "$img/fstab" "$rootdir/etc/fstab"
echo township-kiosk > "$rootdir/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\ttownship-kiosk\n' > "$rootdir/etc/hosts"
# Empty: systemd makes a machine id at each boot on a read-only root.
: > "$rootdir/etc/machine-id"
printf 'IMAGE_VERSION=%s\nIMAGE_ARCH=%s\n' "$version" "$arch" > "$rootdir/etc/township-release"
mkdir -p "$rootdir/data" "$rootdir/boot/efi"

install -d "$rootdir/etc/rauc"
sed "s/@ARCH@/$arch/" "$img/rauc/system.conf" > "$rootdir/etc/rauc/system.conf"
install -m 0644 "$cert" "$rootdir/etc/rauc/keyring.pem"

install -d "$rootdir/usr/lib/township-kiosk/image"
install -m 0755 "$img"/bin/* "$rootdir/usr/lib/township-kiosk/image/"
install -m 0644 "$img"/systemd/*.service "$rootdir/etc/systemd/system/"
install -d "$rootdir/etc/systemd/system/township-kiosk.service.d"
install -m 0644 "$img/systemd/township-kiosk-image.conf" "$rootdir/etc/systemd/system/township-kiosk.service.d/image.conf"
install -d "$rootdir/etc/systemd/network" "$rootdir/etc/systemd/journald.conf.d"
install -m 0644 "$img/systemd/80-wired.network" "$rootdir/etc/systemd/network/"
install -m 0644 "$img/systemd/journald-volatile.conf" "$rootdir/etc/systemd/journald.conf.d/volatile.conf"

chroot "$rootdir" systemctl enable --quiet systemd-networkd.service township-health.service township-update.service township-kiosk.service
# No login prompt: not on the screen (tty1 is the kiosk's), not on a serial console; no
# logind either (linuxkms without a seat: the kiosk opens DRM and input itself).
chroot "$rootdir" systemctl mask --quiet getty@tty1.service serial-getty@ttyS0.service serial-getty@ttyAMA0.service \
  systemd-random-seed.service apt-daily.timer apt-daily-upgrade.timer systemd-logind.service
# The kernel and initrd at the root of the slot, where GRUB looks.
[ -e "$rootdir/vmlinuz" ] || ln -s "$(cd "$rootdir" && ls boot/vmlinuz-* | head -n1)" "$rootdir/vmlinuz"
[ -e "$rootdir/initrd.img" ] || ln -s "$(cd "$rootdir" && ls boot/initrd.img-* | head -n1)" "$rootdir/initrd.img"
[ -e "$rootdir/initrd.img" ] || { echo "configure-rootfs: no initrd in the root filesystem" >&2; exit 1; }
