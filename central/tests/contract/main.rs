//! The API contract on loopback, one scenario per aggregate, each on SQLite and on a
//! throw-away PostgreSQL cluster: mutual-TLS refusals, idempotent submission, chunked
//! uploads, status and pre-review with supplements, payments, the catalogue's ETag,
//! appointments, ratings and complaints, heartbeats → dashboard and metrics, the per-kiosk
//! quotas and the back-off for guessed secrets.

#[path = "../common/mod.rs"]
mod common;
mod lab;

mod applications;
mod appointments;
mod catalogue;
mod desk;
mod feedback;
mod fleet;
mod limits;
mod payments;
mod queue;
mod stats;
mod status;
mod tls;
mod uploads;
