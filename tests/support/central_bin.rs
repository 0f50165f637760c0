//! Where the reference server's binary is for the tests: `$TOWNSHIP_CENTRAL`, else beside
//! the kiosk's binary, built on demand.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The server binary beside the kiosk's, built on demand.
pub fn central_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("TOWNSHIP_CENTRAL") {
        return bin.into();
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_kiosk")).with_file_name("township-central");
    if !bin.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "township-central"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo build -p township-central");
        assert!(status.success(), "cannot build township-central");
    }
    bin
}
