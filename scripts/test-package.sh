#!/usr/bin/env bash
# The install test of the Debian packages (as root, on Debian 12): packages the binaries
# the test build made (dev profile, so CI builds nothing twice; scripts/package.sh makes
# the release packages), installs them, checks the user, groups, files, permissions, the
# installed configuration, the units (systemd-analyze verify and security), the udev
# rules and lintian; a purge with an unsent application warns and keeps the state; a
# clean purge leaves nothing. Then the signed apt repository's install and upgrade
# (scripts/test-apt-repo.sh).
# Usage: scripts/test-package.sh       (after `cargo test --workspace --all-targets`)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
started=$(date +%s)

if [ "$(id -u)" -ne 0 ]; then
  echo "test-package: skipped (needs root: it installs and purges the packages)"
  exit 0
fi
command -v cargo-deb >/dev/null || cargo install cargo-deb --version 3.8.0 --locked --quiet

target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
work=$(mktemp -d /tmp/test-package.XXXXXX)
chmod 755 "$work"   # apt reads the repository as _apt
apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 "$@"; }
apt_purge() { DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=300 "$@"; }
cleanup() {
  dpkg -s township-kiosk >/dev/null 2>&1 && apt_purge township-kiosk >/dev/null 2>&1 || true
  dpkg -s township-central >/dev/null 2>&1 && apt_purge township-central >/dev/null 2>&1 || true
  rm -rf /var/lib/township-kiosk /var/lib/township-central "$work"
  getent passwd township-kiosk >/dev/null && deluser --quiet --system township-kiosk >/dev/null 2>&1 || true
  getent group township-kiosk >/dev/null && delgroup --quiet --system township-kiosk >/dev/null 2>&1 || true
}
trap cleanup EXIT
fail() { echo "test-package: FAIL: $*" >&2; exit 1; }
check() { local what=$1; shift; "$@" >/dev/null 2>&1 || fail "$what"; echo "  ok  $what"; }

for p in township-kiosk township-central; do
  dpkg -s "$p" >/dev/null 2>&1 && fail "$p is already installed here: purge it first"
done
[ -e /var/lib/township-kiosk ] && fail "/var/lib/township-kiosk exists already"

echo "test-package: building the packages from $target_dir/debug"
scripts/package-assets.sh "$target_dir/debug/kiosk" "$target_dir/debug/township-central"
cargo deb -p township-kiosk --profile dev --no-build --fast -o "$work" >/dev/null
cargo deb -p township-central --profile dev --no-build --fast -o "$work" >/dev/null
kiosk_deb=$(ls "$work"/township-kiosk_*_amd64.deb)
central_deb=$(ls "$work"/township-central_*_amd64.deb)

echo "test-package: lintian"
for deb in "$kiosk_deb" "$central_deb"; do
  lintian --suppress-tags-from-file packaging/lintian-suppress "$deb" > "$work/lintian.txt" 2>&1 || true
  grep -E '^[EW]:' "$work/lintian.txt" || true
  grep -qE '^E:' "$work/lintian.txt" && fail "lintian errors in $(basename "$deb")"
done
echo "  ok  lintian: no errors"

echo "test-package: install"
apt_install "$kiosk_deb" "$central_deb" >/dev/null
check "user township-kiosk, no login shell" sh -c 'getent passwd township-kiosk | grep -q ":/usr/sbin/nologin$"'
for g in dialout lp video input render audio gpio; do
  if getent group "$g" >/dev/null; then
    check "township-kiosk in $g" sh -c "id -nG township-kiosk | tr ' ' '\n' | grep -qx $g"
  fi
done
check "state dir 0700 township-kiosk" test "$(stat -c '%a %U %G' /var/lib/township-kiosk)" = "700 township-kiosk township-kiosk"
check "central state dir 0700" test "$(stat -c '%a %U' /var/lib/township-central)" = "700 township-central"
check "kiosk.toml is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' township-kiosk | grep -q /etc/township-kiosk/kiosk.toml"
for f in /usr/bin/kiosk /usr/share/township-kiosk/catalogue.toml /usr/share/township-kiosk/printers.toml \
  /usr/share/township-kiosk/fonts.list /usr/share/township-kiosk/divisions.tsv \
  /usr/share/township-kiosk/pinyin/words.tsv /usr/share/man/man1/kiosk.1.gz \
  /usr/share/bash-completion/completions/kiosk /usr/lib/udev/rules.d/60-township-kiosk.rules \
  /usr/bin/township-central /usr/share/man/man1/township-central.1.gz; do
  check "$f" test -s "$f"
done
unit_dir=$(dirname "$(dpkg -L township-kiosk | grep '/township-kiosk.service$')")
check "kiosk config validate on the installed config" kiosk config validate /etc/township-kiosk/kiosk.toml
check "the installed data are read (catalogue)" sh -c "kiosk catalogue list | grep -q ."
check "man page renders" sh -c "zcat /usr/share/man/man1/kiosk.1.gz | grep -q doctor"
check "udev rules name the reader" grep -q 'SYMLINK+="kiosk-cardreader"' /usr/lib/udev/rules.d/60-township-kiosk.rules
if udevadm test /sys/class/tty/tty0 >"$work/udev.txt" 2>&1 || true; then
  grep -i "60-township-kiosk.rules.*\(invalid\|error\|unknown\)" "$work/udev.txt" && fail "udev rule syntax"
  echo "  ok  udevadm parses the rules"
fi

echo "test-package: systemd-analyze"
for unit in "$unit_dir/township-kiosk.service" "$unit_dir/township-central.service"; do
  out=$(systemd-analyze verify "$unit" 2>&1 || true)
  # Not PID 1 here: only this unit's own problems count (the caveat: verify exits 0 on
  # unknown keys, so any line naming the unit fails).
  echo "$out" | grep -F "$(basename "$unit")" && fail "systemd-analyze verify $(basename "$unit")"
  exposure=$(systemd-analyze security --offline=true "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
  echo "  ok  verify $(basename "$unit"); security exposure $exposure"
  awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.0) }' || fail "exposure $exposure above 2.0"
done

echo "test-package: purge with an unsent application keeps the state"
kiosk submit --example > "$work/application.json"
runuser -u township-kiosk -- kiosk submit "$work/application.json" >/dev/null
check "one unsent application" test "$(runuser -u township-kiosk -- kiosk outbox unsent)" = 1
key_sum=$(sha256sum /var/lib/township-kiosk/data.key | cut -d' ' -f1)
apt_purge township-kiosk >"$work/purge.txt" 2>&1
check "purge warned" grep -q "never reached the central system" "$work/purge.txt"
check "state kept with its key" test "$(sha256sum /var/lib/township-kiosk/data.key | cut -d' ' -f1)" = "$key_sum"
rm -rf /var/lib/township-kiosk
deluser --quiet --system township-kiosk >/dev/null 2>&1
delgroup --quiet --system township-kiosk >/dev/null 2>&1 || true

echo "test-package: install again, purge: nothing is left"
apt_install "$kiosk_deb" >/dev/null
dpkg -L township-kiosk township-central | sort -u > "$work/files.txt"
apt_purge township-kiosk township-central >/dev/null 2>&1
left=()
while read -r f; do
  # Shared directories (/usr/share/man/man1, …) stay; anything of ours must not.
  if [ -e "$f" ] && [ ! -d "$f" ]; then left+=("$f"); fi
  case "$f" in */township-kiosk|*/township-central) [ -e "$f" ] && left+=("$f") ;; esac
done < "$work/files.txt"
for p in /var/lib/township-kiosk /var/lib/township-central /etc/township-kiosk /run/udev/rules.d/90-township-kiosk-touch.rules; do
  [ -e "$p" ] && left+=("$p")
done
getent passwd township-kiosk >/dev/null && left+=("user township-kiosk")
getent passwd township-central >/dev/null && left+=("user township-central")
getent group township-kiosk >/dev/null && left+=("group township-kiosk")
[ ${#left[@]} -eq 0 ] || fail "left after purge: ${left[*]}"
echo "  ok  nothing left after purge"

scripts/test-apt-repo.sh "$kiosk_deb" "$work"
echo "test-package: passed in $(( $(date +%s) - started )) s"
