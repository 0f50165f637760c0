#!/usr/bin/env bash
# Makes a private arm64 sysroot for cross compiling: the arm64 -dev packages below and the
# libraries they need (their dependency closure, resolved by apt with its own state
# directory, so the host's apt and dpkg are untouched and no foreign architecture is
# added), unpacked with dpkg-deb. libc, libgcc and libstdc++ come from Debian's cross
# toolchain (gcc-aarch64-linux-gnu), not from here.
#
# A new C library for the kiosk is one line in ARM64_DEV_PACKAGES.
# Usage: scripts/arm64-sysroot.sh DIR      (prints nothing; DIR/sysroot is the result)
set -euo pipefail

ARM64_DEV_PACKAGES=(
  libfontconfig1-dev   # Slint's font discovery
  libinput-dev         # linuxkms: touch and keys
  libxkbcommon-dev     # linuxkms: keyboard maps
  libudev-dev          # linuxkms: input hot-plug
  libgstreamer1.0-dev  # camera (gstreamer crate)
  libgstreamer-plugins-base1.0-dev  # camera (gstreamer-app crate)
  libzinnia-dev        # handwriting recognition (手写)
)

dir=$(realpath -m "$1")
sysroot=$dir/sysroot
stamp=$dir/packages.stamp
# Remade when this script (its package list or recipe) changes.
want="$(sha256sum "$0" | cut -d' ' -f1) ${ARM64_DEV_PACKAGES[*]}"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$sysroot/usr" ]; then
  exit 0
fi

apt_dir=$dir/apt
mkdir -p "$apt_dir"/{state/lists/partial,cache/archives/partial,etc/sources.list.d,etc/preferences.d,etc/trusted.gpg.d} "$dir/debs"
: > "$apt_dir/state/status"
cp /etc/apt/sources.list "$apt_dir/etc/" 2>/dev/null || : > "$apt_dir/etc/sources.list"
cp /etc/apt/sources.list.d/* "$apt_dir/etc/sources.list.d/" 2>/dev/null || true
apt_opts=(
  -o "APT::Architecture=arm64" -o "APT::Architectures::=arm64"
  -o "Dir::State=$apt_dir/state" -o "Dir::State::status=$apt_dir/state/status"
  -o "Dir::Cache=$apt_dir/cache" -o "Dir::Etc=$apt_dir/etc"
  -o "Dir::Etc::Trusted=/etc/apt/trusted.gpg" -o "Dir::Etc::TrustedParts=/etc/apt/trusted.gpg.d"
  -o "APT::Install-Recommends=false" -o "Debug::NoLocking=true" -o "APT::Sandbox::User=root"
)
apt-get "${apt_opts[@]}" update -qq

# The closure as apt resolves it against an empty system, then only the libraries and
# their headers (tools, interpreters and the C runtime are not linked against).
mapfile -t closure < <(apt-get "${apt_opts[@]}" install -s -qq "${ARM64_DEV_PACKAGES[@]}" \
  | awk '/^Inst /{print $2}')
keep=()
for p in "${closure[@]}"; do
  case "$p" in
    libc6|libc6-dev|libc-dev-bin|libcrypt1|libcrypt-dev|linux-libc-dev|libgcc*|libstdc++*|gcc-*-base) ;;
    lib*|*-dev|zlib1g) keep+=("$p:arm64") ;;
  esac
done
(cd "$dir/debs" && apt-get "${apt_opts[@]}" download -qq "${keep[@]}")

rm -rf "$sysroot"
mkdir -p "$sysroot"
for deb in "$dir"/debs/*_arm64.deb; do
  dpkg-deb -x "$deb" "$sysroot"
done
# Absolute symlinks (libfoo.so -> /lib/...) must point into the sysroot.
find "$sysroot" -type l -lname '/*' | while read -r link; do
  ln -sfn "$sysroot$(readlink "$link")" "$link"
done
echo "$want" > "$stamp"
