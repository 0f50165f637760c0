//! Devices: one capability trait per device (what the app needs), production drivers per
//! technology, and runnable simulators that speak the real protocols over pseudo-terminals
//! or sockets, so the production drivers are what tests exercise.
//!
//! Errors expose a [`DeviceErrorKind`] so generic code (UI, status, diagnostics) can react
//! without knowing the driver. Nothing here logs personal data.

pub mod camera;
pub mod card_reader;
pub mod gpio;
pub mod nap;
pub mod printer;
pub mod pty;
pub mod voice;

use serde::Serialize;

/// What went wrong with a device, in terms any layer can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceErrorKind {
    /// Unplugged, port missing, or the link dropped.
    NotConnected,
    /// No (complete) answer in time.
    Timeout,
    /// Malformed or unexpected bytes on the line.
    Protocol,
    /// The device answered with an error status (e.g. SAM not authorised).
    Refused,
    /// The medium (a card, paper) is the problem, not the device.
    Media,
    PaperOut,
    CoverOpen,
    Busy,
}

impl DeviceErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceErrorKind::NotConnected => "not-connected",
            DeviceErrorKind::Timeout => "timeout",
            DeviceErrorKind::Protocol => "protocol",
            DeviceErrorKind::Refused => "refused",
            DeviceErrorKind::Media => "media",
            DeviceErrorKind::PaperOut => "paper-out",
            DeviceErrorKind::CoverOpen => "cover-open",
            DeviceErrorKind::Busy => "busy",
        }
    }
}
