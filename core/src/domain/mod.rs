//! The pure domain core: identity numbers, masking, postal addresses, the service catalogue, applications,
//! receipts, working-day calendars and the session state machine.
//!
//! Dependency rule: this module uses only `std` (no file, network, process, thread or clock
//! access), `serde`, `thiserror`, `toml` (parsing a string) and the pure hashing crates. The
//! crate cannot reach SQLite, Slint, serial ports or the kiosk: it does not depend on them
//! (core/tests/purity.rs checks the dependency list and the source).

pub mod address;
pub mod application;
pub mod calendar;
pub mod catalogue;
pub mod credit_code;
pub mod id_number;
pub mod masking;
pub mod message;
pub mod opening_hours;
pub mod progress_key;
pub mod rating;
pub mod receipt;
pub mod session;
pub mod signature;

use serde::{Deserialize, Serialize};

/// The languages a citizen can switch between.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}
