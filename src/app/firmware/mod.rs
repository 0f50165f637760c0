//! Firmware on a kiosk booted from the image (scripts/build-image.sh): which image and slot
//! it runs, the update the central system offers (downloaded here, unprivileged, into the
//! data partition), what the root update agent and health check say happened (read from
//! the spool), and whether a citizen is at the kiosk (the agent installs only when not).
//! A kiosk not booted from the image (no `/etc/township-release`) reports no firmware and
//! ignores offers.

mod idle;
mod spool;
mod updater;

pub use idle::IdleFlag;
pub use spool::{Spool, SpoolState};
pub use updater::{Updater, CHUNK_BYTES};

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use township_core::firmware_api::FirmwareState;

/// Where the image says what it is, and where updates are spooled.
#[derive(Clone, Debug)]
pub struct ImagePaths {
    /// `/etc/township-release`: `IMAGE_VERSION=…`.
    pub release: PathBuf,
    /// `/proc/cmdline`: `rauc.slot=A|B`.
    pub cmdline: PathBuf,
    /// `<state-dir>/updates`.
    pub spool: PathBuf,
}

impl ImagePaths {
    pub fn system(state_dir: &Path) -> ImagePaths {
        ImagePaths {
            release: PathBuf::from("/etc/township-release"),
            cmdline: PathBuf::from("/proc/cmdline"),
            spool: state_dir.join("updates"),
        }
    }
}

/// The image's version and the booted slot, when this kiosk runs from the image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub version: String,
    pub slot: String,
}

impl Image {
    pub fn read(paths: &ImagePaths) -> Option<Image> {
        let release = std::fs::read_to_string(&paths.release).ok()?;
        let version = release
            .lines()
            .find_map(|line| line.strip_prefix("IMAGE_VERSION="))?
            .trim()
            .to_string();
        let cmdline = std::fs::read_to_string(&paths.cmdline).unwrap_or_default();
        let slot = cmdline
            .split_whitespace()
            .find_map(|arg| arg.strip_prefix("rauc.slot="))
            .unwrap_or("?")
            .to_string();
        (!version.is_empty()).then_some(Image { version, slot })
    }
}

static UPDATER: OnceLock<Arc<Updater>> = OnceLock::new();

/// Starts the updater when this kiosk runs from the image (once per process).
pub fn start(paths: ImagePaths, window: Option<String>, central: Arc<dyn crate::app::central::CentralSystem>) {
    let Some(image) = Image::read(&paths) else {
        return;
    };
    log::info!("firmware: image {} on slot {}", image.version, image.slot);
    let updater = Arc::new(Updater::new(image, Spool::new(paths.spool), window, central));
    if UPDATER.set(updater.clone()).is_ok() {
        updater.spawn();
    }
}

/// The firmware part of the heartbeat (`None` off the image).
pub fn state() -> Option<FirmwareState> {
    UPDATER.get().map(|u| u.state())
}

/// The heartbeat's reply: the offer, or none (a rollout paused, halted or finished).
pub fn offered(offer: Option<township_core::firmware_api::UpdateOffer>) {
    if let Some(updater) = UPDATER.get() {
        updater.offer(offer);
    }
}

#[cfg(test)]
mod tests;
