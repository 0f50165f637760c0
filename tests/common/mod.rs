//! Helpers shared by the tests that run the built `kiosk` binary as a technician would.

use std::process::{Command, Output};

/// Runs `kiosk ARGS` with warnings-only logging and no configuration from the environment.
pub fn kiosk(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(args)
        .env("KIOSK_LOG", "warn")
        .env_remove("KIOSK_CONFIG")
        .output()
        .unwrap()
}

/// Everything a run printed: standard output, then standard error.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
