//! Township police self-service kiosk (就近跑一次): library crate.
//!
//! Layers (see ARCHITECTURE.md): `domain` is pure; `config`, `storage` and `devices` are the
//! I/O edges; `ime` is the pinyin engine and the division table (pure but for their data
//! loaders); `app` orchestrates them; `cli` is the command-line surface over everything.

pub mod app;
pub mod central_api;
pub mod cli;
pub mod config;
pub mod devices;
pub mod domain;
pub mod ime;
pub mod storage;
#[cfg(feature = "ui")]
pub mod ui;
