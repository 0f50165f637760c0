//! Township police self-service kiosk (就近跑一次): library crate.
//!
//! Layers (see ARCHITECTURE.md): `domain` and `central_api` are the pure `township-core`
//! crate, re-exported here under their old paths; `data` finds the packaged data files; `config`,
//! `storage` and `devices` are the I/O edges (devices never read the configuration: config
//! describes devices); `ime` is the pinyin engine and the division table (pure but for their data
//! loaders); `app` orchestrates them; `cli` is the command-line surface over everything.

pub mod app;
pub mod cli;
pub mod config;
pub mod data;
pub mod devices;
pub mod heap;
pub mod ime;
pub mod private_file;
pub mod storage;
#[cfg(feature = "ui")]
pub mod ui;

pub use township_core::{central_api, domain};
