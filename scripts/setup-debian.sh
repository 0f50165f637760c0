#!/usr/bin/env bash
# Installs what building and testing the kiosk needs on Debian (12+): the C toolchain for the
# bundled SQLite, pkg-config, fonts, and the test helpers. Idempotent; uses sudo when not root.
# Usage: scripts/setup-debian.sh [run|test|package]
set -euo pipefail
purpose=${1:-run}

# Build: a C toolchain (bundled SQLite), pkg-config and fontconfig headers (Slint).
# Fonts: Noto Sans CJK for the UI (full coverage, rare name characters), WenQuanYi Micro
# Hei for receipts (previews, the simulated printer, lines the printer's font lacks).
# X11 client libraries for the winit window; libinput, xkbcommon and udev headers for the
# linuxkms backend (full screen without a desktop: boards and the kiosk image).
# GStreamer for the document camera: headers to build, base (videoconvert, videoscale, app
# elements) and good (v4l2src, jpegdec) plugins to run.
# Handwriting input (手写): the zinnia recogniser and its Tegaki simplified-Chinese model.
# Spoken prompts (语音播报): espeak-ng speaks the pinyin, aplay (alsa-utils) plays it; the
# kiosk runs silently without them, tests/voice.rs plays through them into an ALSA file.
packages=(build-essential pkg-config libfontconfig1-dev ca-certificates curl fonts-dejavu-core fonts-noto-cjk fonts-wqy-microhei
  libx11-6 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0 libinput-dev libxkbcommon-dev libudev-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  espeak-ng alsa-utils
  libzinnia-dev tegaki-zinnia-simplified-chinese)
if [ "$purpose" = test ]; then
  # python-escpos (in a venv): the independent ESC/POS encoder the tests compare against.
  # Xvfb: the test that opens the real window.
  packages+=(python3 python3-venv xvfb)
  # The reference central server's tests: a throw-away PostgreSQL cluster, promtool for the
  # alert rules, headless Chromium for the back office pages.
  packages+=(postgresql prometheus chromium)
  # The package install test (scripts/test-package.sh): cargo-deb's dpkg-shlibdeps,
  # lintian, the signed apt repository (reprepro, gnupg), the udev and systemd tools, and
  # the kiosk package's run-time dependencies, so installing it fetches nothing.
  packages+=(dpkg-dev lintian reprepro gnupg adduser udev systemd
    gstreamer1.0-plugins-base gstreamer1.0-plugins-good espeak-ng alsa-utils)
  # The arm64 check (scripts/check-arm64.sh): Debian's cross gcc.
  packages+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
fi
if [ "$purpose" = package ]; then
  # scripts/package.sh: cargo-deb's dpkg-shlibdeps, python3 for the udev rule generator,
  # and the arm64 cross toolchain (the arm64 libraries go into a private sysroot).
  packages+=(dpkg-dev python3 gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
fi

source "$(dirname "${BASH_SOURCE[0]}")/apt-missing.sh"
apt_install_missing "${packages[@]}"

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "setup: installing the Rust toolchain with rustup (Debian's cargo is too old)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy,rustfmt
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi

if [ "$purpose" = test ]; then
  venv="$(pwd)/target/py-escpos"
  if ! "$venv/bin/python" -c "import escpos, PIL" >/dev/null 2>&1; then
    echo "setup: creating $venv with python-escpos"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check python-escpos pillow
  fi
fi
