#!/usr/bin/env bash
# The update path: a signed apt repository (reprepro, a throw-away GnuPG test key), the
# kiosk installed from it through file://, a technician's config edit and the kiosk's
# state (data key, database, an unsent application), then a newer version published and
# upgraded to: the edit, the key and the application survive. Uses its own sources and
# apt lists, so the host's are untouched. Root only.
# Usage: scripts/test-apt-repo.sh KIOSK_DEB WORK_DIR      (called by scripts/test-package.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
deb=$1
work=$2/apt-repo
fail() { echo "test-apt-repo: FAIL: $*" >&2; exit 1; }
check() { local what=$1; shift; "$@" >/dev/null 2>&1 || fail "$what"; echo "  ok  $what"; }
cleanup() {
  dpkg -s township-kiosk >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq township-kiosk >/dev/null 2>&1 || true
  rm -rf /var/lib/township-kiosk
  getent passwd township-kiosk >/dev/null && deluser --quiet --system township-kiosk >/dev/null 2>&1 || true
  getent group township-kiosk >/dev/null && delgroup --quiet --system township-kiosk >/dev/null 2>&1 || true
}
trap cleanup EXIT
mkdir -p "$work"/{repo/conf,lists/partial,gnupg}
sources=$work/sources.list
chmod 700 "$work/gnupg"
export GNUPGHOME=$work/gnupg

echo "test-apt-repo: signing key and repository"
gpg --batch --quiet --passphrase '' --quick-gen-key "Township kiosk test repository <repo@example.invalid>" ed25519 sign never
fingerprint=$(gpg --list-keys --with-colons | awk -F: '/^fpr/{print $10; exit}')
gpg --export "$fingerprint" > "$work/township-test.gpg"
cat > "$work/repo/conf/distributions" <<DIST
Origin: township-kiosk-test
Label: township-kiosk-test
Codename: bookworm
Architectures: amd64 arm64
Components: main
Description: Township kiosk packages (test)
SignWith: $fingerprint
DIST
reprepro -b "$work/repo" --silent includedeb bookworm "$deb"
check "Release is signed (InRelease)" gpg --verify "$work/repo/dists/bookworm/InRelease"

# The line a kiosk puts in /etc/apt/sources.list.d/ (with the county's URL and key); here
# in a private list so the host's sources and package lists stay as they are.
echo "deb [signed-by=$work/township-test.gpg] file://$work/repo bookworm main" > "$sources"
apt_repo() {
  DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=300 \
    -o Dir::State::Lists="$work/lists" -o Dir::Etc::SourceList="$sources" \
    -o Dir::Etc::SourceParts=/nonexistent "$@"
}
apt_repo update
version_one=$(dpkg-deb -f "$deb" Version)
apt_repo install -y township-kiosk >/dev/null
check "installed $version_one from the signed repository" test "$(dpkg-query -W -f='${Version}' township-kiosk)" = "$version_one"

echo "test-apt-repo: a technician's edit and the kiosk's state"
sed -i 's/^site-name = .*/site-name = "测试站 (edited)"/' /etc/township-kiosk/kiosk.toml
kiosk submit --example > "$work/application.json"
runuser -u township-kiosk -- kiosk submit "$work/application.json" >/dev/null
key_sum=$(sha256sum /var/lib/township-kiosk/data.key | cut -d' ' -f1)

echo "test-apt-repo: publish a newer version and upgrade"
version_two="${version_one%-*}-$(( ${version_one##*-} + 1 ))"
cargo deb -p township-kiosk --profile dev --no-build --fast --deb-version "$version_two" -o "$work" >/dev/null
reprepro -b "$work/repo" --silent includedeb bookworm "$work/township-kiosk_${version_two}_amd64.deb"
apt_repo update
apt_repo install -y --only-upgrade township-kiosk >/dev/null
check "upgraded to $version_two" test "$(dpkg-query -W -f='${Version}' township-kiosk)" = "$version_two"
check "the config edit survived" grep -q '测试站 (edited)' /etc/township-kiosk/kiosk.toml
check "the data key survived" test "$(sha256sum /var/lib/township-kiosk/data.key | cut -d' ' -f1)" = "$key_sum"
check "the unsent application survived" test "$(runuser -u township-kiosk -- kiosk outbox unsent)" = 1
check "the edited config still validates" kiosk config validate /etc/township-kiosk/kiosk.toml
echo "test-apt-repo: passed"
