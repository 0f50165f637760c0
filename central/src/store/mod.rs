//! The central system's operations, written once against [`Sql`]: idempotent submission,
//! chunked uploads, status, pre-review, payments, appointments, ratings, complaints,
//! heartbeats, revocation and operator accounts. A refusal is a [`Refusal`] carrying its
//! HTTP status; anything else is a server error (5xx, the kiosk retries).

mod applications;
mod appointments;
mod caller;
mod casework;
mod desk;
mod feedback;
mod kiosks;
mod operators;
mod payments;
mod pin_recovery;
mod proofs;
mod retention;
mod reveal;
mod rollouts;
mod stats;
mod uploads;

pub use applications::{ApplicationDetail, ListedApplication};
pub use caller::{Kiosk, Operator, Role};
pub use casework::{CaseEvent, CasePhoto, MaterialDecision, QueueFilter, QueueRow, FIX_REASONS};
pub use desk::{DeskBooking, DeskComplaint};
pub use feedback::{ListedComplaint, ListedRating};
pub use kiosks::{BeatBucket, KioskView, RecordedCertificate, BUCKETS_KEPT_SECS, BUCKET_SECS};
pub use operators::{SESSION_IDLE_SECS, SESSION_MAX_SECS};
pub use payments::PaymentRow;
pub use proofs::FREE_TRIES;
pub use retention::Purged;
pub use reveal::{AuditEntry, Revealed};
pub use rollouts::{bucket, NewRollout, RolloutAction, RolloutView};
pub use stats::{CaseFigures, Figures, Stats};

use crate::db::{transaction, Backend, Row, Sql, Value};
use anyhow::Result;
use sha2::{Digest, Sha256};
use township_core::central_api::{self as api, CaseStatus, PaymentStatus};
use township_core::domain::calendar::{Date, WorkCalendar};
use township_core::domain::catalogue::Catalogue;
use township_core::domain::receipt::ReceiptNumber;

/// A permanent refusal: an HTTP status (4xx) with a stable code and a message free of
/// personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct Refusal {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

pub fn refuse<T>(status: u16, code: &'static str, message: impl Into<String>) -> Result<T> {
    Err(Refusal {
        status,
        code,
        message: message.into(),
    }
    .into())
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn today() -> Date {
    Date::from_unix_china(now())
}

/// A stored HTTP answer: status and JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub replayed: bool,
}

impl Answer {
    pub fn json(status: u16, value: &impl serde::Serialize) -> Answer {
        Answer {
            status,
            body: serde_json::to_string(value).unwrap_or_else(|_| "{}".into()),
            replayed: false,
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn short_id(prefix: &str) -> String {
    let u = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}-{}", &u[..16])
}

/// A secret of 128 random bits in hex (booking cancel codes and the like): only its hash is
/// stored.
fn secret() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Writes one audit entry (in the caller's transaction).
pub(crate) fn audit(sql: &mut dyn Sql, actor: &str, action: &str, subject: &str) -> Result<()> {
    sql.exec(
        "INSERT INTO audit (at, operator, action, subject) VALUES ($1, $2, $3, $4)",
        &[now().into(), actor.into(), action.into(), subject.into()],
    )?;
    Ok(())
}

/// The central system's state: a database and the facts it serves.
pub struct Store {
    pub db: Box<dyn Backend>,
    pub catalogue: Catalogue,
    pub catalogue_toml: String,
    pub lookup_key: Vec<u8>,
    pub calendar: WorkCalendar,
    /// Seconds without a heartbeat after which a kiosk is offline.
    pub offline_after_secs: i64,
    pub payment_ttl_secs: i64,
    pub limits: Limits,
    /// Seals personal columns and photos (keys in the server directory's `seal.keys`).
    pub sealer: std::sync::Arc<crate::seal::Sealer>,
}

/// Per-kiosk quotas (server.toml's `[limits]`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Limits {
    /// The photos one application may announce, in bytes (more: 413).
    pub application_bytes: i64,
    /// The photo bytes one kiosk may start uploading in 24 hours (more: 429).
    pub upload_bytes_per_day: i64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            application_bytes: 64 * 1024 * 1024,
            upload_bytes_per_day: 2 * 1024 * 1024 * 1024,
        }
    }
}

/// The column a replayed answer is sealed for (it may hold a booking's cancel code).
const IDEMPOTENCY_BODY: &str = "idempotency.body";

/// Runs `create` once per (scope, kiosk, key); later calls of that kiosk with the same
/// fingerprint get the first answer back, with another fingerprint a 409. Keys belong to
/// their kiosk: another kiosk's same key is a different key. Runs inside the caller's
/// transaction, so the key and what it created commit together.
fn idempotent(
    sql: &mut dyn Sql,
    sealer: &crate::seal::Sealer,
    scope: &str,
    key: &str,
    kiosk: Kiosk,
    fingerprint: &str,
    create: impl FnOnce(&mut dyn Sql) -> Result<Answer>,
) -> Result<Answer> {
    if key.is_empty() || key.len() > 100 {
        return refuse(400, "bad_request", "the idempotency key must be 1 to 100 characters");
    }
    let claimed = sql.exec(
        "INSERT INTO idempotency (scope, key, kiosk_id, fingerprint, status, body, created_at) VALUES ($1, $2, $3, $4, 0, '', $5) ON CONFLICT (scope, kiosk_id, key) DO NOTHING",
        &[scope.into(), key.into(), kiosk.id().into(), fingerprint.into(), now().into()],
    )?;
    if claimed == 0 {
        let row = sql
            .query_one(
                "SELECT fingerprint, status, body FROM idempotency WHERE scope = $1 AND key = $2 AND kiosk_id = $3",
                &[scope.into(), key.into(), kiosk.id().into()],
            )?
            .ok_or_else(|| anyhow::anyhow!("idempotency row vanished"))?;
        if row.text("fingerprint") != fingerprint {
            return refuse(
                409,
                "idempotency_conflict",
                "this idempotency key was used with another request body",
            );
        }
        return Ok(Answer {
            status: row.int("status") as u16,
            body: sealer.open_text(IDEMPOTENCY_BODY, &row.text("body"))?,
            replayed: true,
        });
    }
    let answer = create(sql)?;
    sql.exec(
        "UPDATE idempotency SET status = $1, body = $2 WHERE scope = $3 AND key = $4 AND kiosk_id = $5",
        &[
            i64::from(answer.status).into(),
            sealer.seal_text(IDEMPOTENCY_BODY, &answer.body).into(),
            scope.into(),
            key.into(),
            kiosk.id().into(),
        ],
    )?;
    Ok(answer)
}

fn next_counter(sql: &mut dyn Sql, name: &str) -> Result<i64> {
    sql.exec(
        "INSERT INTO counters (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING",
        &[name.into()],
    )?;
    let row = sql.query_one(
        "UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value",
        &[name.into()],
    )?;
    Ok(row.map(|r| r.int("value")).unwrap_or(1))
}

fn fingerprint_of(value: &impl serde::Serialize) -> String {
    sha256_hex(&serde_json::to_vec(value).unwrap_or_default())
}

impl Store {
    pub fn tx<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        transaction(self.db.as_ref(), f)
    }
}

/// `Value` conversions for the few places that need them by name.
pub fn text(v: &str) -> Value {
    Value::Text(v.to_string())
}
