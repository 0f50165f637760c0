# Sourced by scripts/package.sh and scripts/check-arm64.sh: the rustup target, the private
# arm64 sysroot (scripts/arm64-sysroot.sh) and the cross-compiling environment for
# aarch64-unknown-linux-gnu with Debian's cross gcc. Needs $target_dir.
rustup target list --installed | grep -qx aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu
scripts/arm64-sysroot.sh "$target_dir/arm64"
arm64_sysroot=$target_dir/arm64/sysroot
arm64_libdir=$arm64_sysroot/usr/lib/aarch64-linux-gnu
export PKG_CONFIG_SYSROOT_DIR=$arm64_sysroot
export PKG_CONFIG_LIBDIR=$arm64_libdir/pkgconfig:$arm64_sysroot/usr/share/pkgconfig
export PKG_CONFIG_ALLOW_CROSS=1
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C link-arg=-Wl,-rpath-link,$arm64_libdir -C link-arg=-Wl,-rpath-link,$arm64_sysroot/lib/aarch64-linux-gnu"
