#!/usr/bin/env bash
# Starts the kiosk on this machine: installs what it needs, builds, and runs `kiosk run`.
# With no configuration (no --config, no $KIOSK_CONFIG, no /etc/township-kiosk/kiosk.toml)
# it also starts a local reference central server on loopback: `township-central init` and
# `enroll` into the state dir (once), `serve` in the background, and runs the kiosk against
# it over mutual TLS. Simulated devices, the embedded catalogue, state under
# ~/.local/share/township-kiosk. It prints the back office / fleet dashboard address.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup-debian.sh run
export PATH="$HOME/.cargo/bin:$PATH"
# KIOSK_BIN and TOWNSHIP_CENTRAL name prebuilt binaries (tests); else a release build.
if [ -n "${KIOSK_BIN:-}" ] && [ -n "${TOWNSHIP_CENTRAL:-}" ]; then
  KIOSK="$KIOSK_BIN"
  CENTRAL="$TOWNSHIP_CENTRAL"
else
  cargo build --release --workspace --bins
  KIOSK="${CARGO_TARGET_DIR:-./target}/release/kiosk"
  CENTRAL="${CARGO_TARGET_DIR:-./target}/release/township-central"
fi
args=("$@")

configured=no
for a in "$@"; do [ "$a" = "--config" ] && configured=yes; done
if [ -n "${KIOSK_CONFIG:-}" ] || [ -f /etc/township-kiosk/kiosk.toml ]; then configured=yes; fi

if [ "$configured" = no ]; then
  STATE="${XDG_DATA_HOME:-$HOME/.local/share}/township-kiosk"
  SERVER_DIR="$STATE/central-server"
  ENROLMENT="$STATE/enrolment"
  KIOSK_ID=DEV-KIOSK-01
  mkdir -p "$STATE"
  # A demonstration directory from before kiosks were enrolled with their receipt prefix
  # and the provider's key existed is made again (it holds made-up data only).
  if [ -f "$SERVER_DIR/server.toml" ] && [ ! -f "$SERVER_DIR/provider.pub" ]; then
    rm -rf "$SERVER_DIR" "$ENROLMENT"
  fi
  if [ ! -f "$SERVER_DIR/server.toml" ]; then
    "$CENTRAL" init --dir "$SERVER_DIR" --sandbox-payments
  fi
  # The demonstration's payment sandbox: the simulated kiosk's "payment received" button
  # marks its order paid at this server (a directory made before the sandbox existed gets it).
  grep -q '^sandbox-payments' "$SERVER_DIR/server.toml" || echo 'sandbox-payments = true' >> "$SERVER_DIR/server.toml"
  if [ ! -f "$ENROLMENT/central.toml" ]; then
    "$CENTRAL" enroll "$KIOSK_ID" --receipt-prefix DEV1 --dir "$SERVER_DIR" --out "$ENROLMENT"
  fi
  if [ ! -f "$SERVER_DIR/demo-operator.txt" ]; then
    password="$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
    printf '%s\n%s\n' "$password" "$password" | "$CENTRAL" operator add demo --role supervisor --dir "$SERVER_DIR" >/dev/null
    (umask 077; printf 'user: demo\npassword: %s\n' "$password" > "$SERVER_DIR/demo-operator.txt")
  fi
  "$CENTRAL" serve --dir "$SERVER_DIR" >>"$SERVER_DIR/serve.log" 2>&1 &
  server_pid=$!
  trap 'kill "$server_pid" 2>/dev/null || true' EXIT
  CONFIG="$STATE/kiosk-local-central.toml"
  { printf '[kiosk]\nid = "%s"\nstate-dir = "%s"\nsimulated = true\n\n' "$KIOSK_ID" "$STATE"; cat "$ENROLMENT/central.toml"; } > "$CONFIG"
  # The demonstration's technician PIN (a random one, kept private beside the state), so the
  # technician screens can be opened: five taps on the welcome page's top-left corner.
  if ! grep -q 'pin-hash' "$STATE/overrides.toml" 2>/dev/null; then
    pin="$(shuf -i 100000-999999 -n 1)"
    printf '%s\n%s\n' "$pin" "$pin" | "$KIOSK" --config "$CONFIG" technician set-pin >/dev/null
    (umask 077; printf 'technician PIN: %s\n' "$pin" > "$STATE/demo-technician-pin.txt")
  fi
  for _ in $(seq 50); do
    "$KIOSK" --config "$CONFIG" central ping >/dev/null 2>&1 && break
    sleep 0.2
  done
  admin="$(sed -n 's/^admin[-_]listen *= *"\(.*\)"/\1/p' "$SERVER_DIR/server.toml" | head -1)"
  echo "run-kiosk: local reference central server on loopback (log: $SERVER_DIR/serve.log)"
  [ -f "$STATE/demo-technician-pin.txt" ] &&
    echo "run-kiosk: technician screens: tap the welcome page's top-left corner 5 times (PIN in $STATE/demo-technician-pin.txt)"
  echo "run-kiosk: back office and fleet dashboard: http://${admin:-127.0.0.1:8080}/ (login in $SERVER_DIR/demo-operator.txt)"
  "$KIOSK" --config "$CONFIG" central ping || true
  args=(--config "$CONFIG" "${args[@]}")
fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${SLINT_BACKEND:-}" ]; then
  echo "run-kiosk: no display here: starting the services headless (set DISPLAY to see the touchscreen UI)"
  "$KIOSK" run --headless "${args[@]}"
  exit
fi
"$KIOSK" run "${args[@]}"
