//! township-core: the pure domain of the township police kiosk and the contract between the
//! kiosk and the central system. Both `township-kiosk` and `township-central` depend on it;
//! it depends on neither, and on no crate that does I/O (no SQLite, Slint, GStreamer, serial
//! port, TLS, HTTP or async runtime): `tests/purity.rs` checks the dependency list.
//!
//! - `domain`: identity numbers, masking, addresses, the service catalogue, applications,
//!   receipts and their progress tokens, calendars and opening hours, the session machine.
//! - `central_api`: the kiosk ↔ central JSON types, paths and rules.
//! - `sample`: made-up sample data (never a real person) for benchmarks and demonstrations.

#![forbid(unsafe_code)]

pub mod central_api;
pub mod domain;
pub mod firmware_api;
pub mod sample;

/// The catalogue built into both binaries (the packaged data file at build time).
pub const EMBEDDED_CATALOGUE: &str = include_str!("../../packaging/catalogue.toml");
