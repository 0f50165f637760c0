//! A lab for the kiosk's tests against the real reference server: `township-central`
//! (built on demand) on loopback in a temporary directory, one kiosk enrolled with it, kiosk
//! configurations with their own state directories, and the `kiosk` binary to run. A test
//! crate using it also declares `mod common` (tests/common).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use township_kiosk::cli::local_central::{self, LocalCentral};

/// Everything a run printed (the test crate declares `mod common`).
pub use crate::common::text;

pub const KIOSK_ID: &str = "TEST-KIOSK-01";

/// `$KIOSK_BIN` (a private copy, when a shared target directory is being rebuilt by
/// others), else the binary cargo built for this test.
pub fn kiosk_bin() -> String {
    std::env::var("KIOSK_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_kiosk").to_string())
}

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

pub struct Lab {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub central: LocalCentral,
    pub central_toml: String,
}

impl Lab {
    pub fn new() -> Lab {
        Lab::with(|_| {})
    }

    /// A lab whose server directory `prepare` may change (server.toml, catalogue.toml)
    /// between `init` and `serve`.
    pub fn with(prepare: impl FnOnce(&Path)) -> Lab {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let server_dir = root.join("central");
        std::fs::create_dir_all(&server_dir).unwrap();
        LocalCentral::init(&central_bin(), &server_dir).unwrap();
        prepare(&server_dir);
        let central = LocalCentral::serve(&central_bin(), &server_dir).unwrap();
        let central_toml = central.enroll(KIOSK_ID, &root.join("enrolment")).unwrap();
        Lab {
            _dir: dir,
            root,
            central,
            central_toml,
        }
    }

    /// The text of a kiosk config (its own state dir) talking to the server, or to `url`.
    pub fn kiosk_config_text(&self, name: &str, url: Option<&str>) -> String {
        local_central::kiosk_config(KIOSK_ID, &self.root.join(name), &self.central_toml, url)
    }

    /// A kiosk config file (its own state dir) talking to the server, or to `url`.
    pub fn kiosk_config(&self, name: &str, url: Option<&str>) -> PathBuf {
        let path = self.root.join(format!("{name}.toml"));
        std::fs::write(&path, self.kiosk_config_text(name, url)).unwrap();
        path
    }

    /// Starts the server again after `central.stop()`: same directory, ports, database.
    pub fn restart_central(&mut self) {
        self.central = LocalCentral::serve(&self.central.bin, &self.central.dir).unwrap();
    }
}

pub fn kiosk(config: &Path, args: &[&str]) -> Output {
    Command::new(kiosk_bin())
        .arg("--config")
        .arg(config)
        .args(args)
        .env("KIOSK_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Writes the example application with photos of `photo_bytes` (0: none) to a file.
pub fn application_file(dir: &Path, name: &str, photo_bytes: usize) -> PathBuf {
    let mut example = township_kiosk::cli::central_cmd::example_json();
    for material in example["materials"].as_object_mut().unwrap().values_mut() {
        if material["state"] == "captured" {
            material["photo"] = if photo_bytes == 0 {
                "".into()
            } else {
                format!("synthetic:{photo_bytes}").into()
            };
        }
    }
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_string(&example).unwrap()).unwrap();
    path
}
