//! `township-central`: the reference central system for township police kiosks — the API of
//! docs/central-api.md over mutual TLS, storage on SQLite or PostgreSQL, the back office,
//! fleet monitoring and a fleet simulator for load tests.

pub mod admin;
pub mod api;
pub mod bench;
pub mod cli;
pub mod db;
pub mod files;
pub mod fleet;
pub mod fleet_firmware;
pub mod generate;
pub mod http;
pub mod pki;
pub mod provider;
pub mod refusal;
pub mod seal;
pub mod server;
pub mod sms;
pub mod state;
pub mod store;
