#!/usr/bin/env bash
# Installs what building and testing the kiosk needs on Debian (12+): the C toolchain for the
# bundled SQLite, pkg-config, fonts, and the test helpers. Idempotent; uses sudo when not root.
# Usage: scripts/setup-debian.sh [run|test]
set -euo pipefail
purpose=${1:-run}

packages=(build-essential pkg-config ca-certificates curl fonts-dejavu-core)
if [ "$purpose" = test ]; then
  packages+=(socat python3)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "setup: installing the Rust toolchain with rustup (Debian's cargo is too old)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy,rustfmt
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
