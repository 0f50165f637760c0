//! Whether a citizen is at the kiosk, for the image's update agent: the file
//! `$RUNTIME_DIRECTORY/idle` holds the Unix time since which the kiosk has been idle
//! (welcome or attract page, no session, no card to take back, no technician); it is
//! removed the moment that ends. Written only on a change.

use std::path::PathBuf;

pub struct IdleFlag {
    path: Option<PathBuf>,
    idle: Option<bool>,
}

impl IdleFlag {
    /// In `$RUNTIME_DIRECTORY` (systemd's `RuntimeDirectory=`); nowhere without one.
    pub fn from_env() -> IdleFlag {
        IdleFlag::at(std::env::var_os("RUNTIME_DIRECTORY").map(|dir| PathBuf::from(dir).join("idle")))
    }

    pub fn at(path: Option<PathBuf>) -> IdleFlag {
        IdleFlag { path, idle: None }
    }

    pub fn publish(&mut self, idle: bool, now_unix: i64) {
        if self.idle == Some(idle) {
            return;
        }
        self.idle = Some(idle);
        let Some(path) = &self.path else {
            return;
        };
        let result = if idle {
            crate::private_file::write_atomic(path, format!("{now_unix}\n").as_bytes())
        } else {
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        };
        if let Err(e) = result {
            log::warn!("cannot mark the kiosk {}: {e}", if idle { "idle" } else { "busy" });
        }
    }
}
