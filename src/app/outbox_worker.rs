//! The outbox worker as a step function: each call of [`try_send_next`] delivers at most
//! one due application and reports what happened, so tests drain the queue
//! deterministically and the run loop (or `kiosk outbox drain`) calls it in a loop with
//! backoff. Delivery has three durable stages, each recorded in the store so a restart
//! resumes where it stopped: (1) the application is submitted under its UUID as the
//! Idempotency-Key and its case number recorded; (2) each material photo is uploaded in
//! chunks (upload id and confirmed bytes recorded after every chunk; the server tells
//! where to resume), then finalised — the server checks the sha256 — and the local photo
//! erased; (3) the row is marked sent. A lost reply at any stage is harmless: the server
//! replays the submission and finds the same upload again.
//!
//! Network errors, timeouts, 5xx and refused credentials are retried, row by row, with
//! exponential backoff and jitter up to an hour; any other 4xx makes a dead letter with
//! its reason for a technician. Only a row that cannot be read back (wrong key, tampered,
//! purged) also becomes a dead letter; a busy database puts the row back for a short while.

use super::central::{CentralError, CentralSystem};
use crate::central_api::{self as api, CreateUpload, MaterialManifest, SubmitApplication};
use crate::storage::outbox::OutboxEntry;
use crate::storage::{StorageError, Store};
use sha2::Digest;

/// Personal data of delivered (or refused) applications is kept this long, then purged.
pub const RETENTION_SECS: i64 = crate::storage::DEFAULT_RETENTION_SECS;

/// How soon a row whose application could not be loaded for a passing reason is retried.
pub const STORAGE_RETRY_SECS: i64 = 5;

/// Photos go up in chunks of this size unless told otherwise.
pub const DEFAULT_CHUNK_BYTES: usize = 256 * 1024;

/// What the worker needs besides the store and the central system.
#[derive(Clone, Debug)]
pub struct DeliveryOptions {
    /// This kiosk's id, as in its client certificate.
    pub kiosk_id: String,
    pub chunk_bytes: usize,
    /// The key behind receipts' QR tokens: each application carries its receipt's token to
    /// the central (which keeps only its hash), so that the QR proves a progress question.
    pub progress_key: Option<std::sync::Arc<super::progress_key::ProgressKey>>,
}

impl DeliveryOptions {
    pub fn new(kiosk_id: &str) -> DeliveryOptions {
        DeliveryOptions {
            kiosk_id: kiosk_id.to_string(),
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            progress_key: None,
        }
    }

    /// The options of the kiosk configured by `config`: its id and its progress key (made
    /// in the state directory if it is not there yet).
    pub fn for_config(config: &crate::config::Config) -> DeliveryOptions {
        let mut options = DeliveryOptions::new(config.central.kiosk_id.as_deref().unwrap_or(&config.kiosk.id));
        match super::progress_key::load_or_create_key(&config.kiosk.state_dir) {
            Ok(key) => options.progress_key = Some(std::sync::Arc::new(key)),
            Err(e) => log::warn!("no progress key ({e}): receipts' QR codes will not open progress"),
        }
        options
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing is due.
    Idle,
    Sent {
        receipt_no: String,
        case_number: String,
    },
    WillRetry {
        receipt_no: String,
        at: i64,
    },
    Dead {
        receipt_no: String,
    },
}

/// Delay before attempt `attempts + 1`: 30 s · 2^(attempts-1), capped at one hour, with
/// ±20 % jitter derived from the key so a fleet coming back online does not stampede.
pub fn backoff_secs(attempts: u32, jitter_seed: &str) -> i64 {
    let base = 30i64.saturating_mul(1 << attempts.saturating_sub(1).min(7)).min(3600);
    let hash = jitter_seed
        .bytes()
        .fold(attempts as u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    let jitter = (hash % 41) as i64 - 20; // -20..=20 percent
    base + base * jitter / 100
}

/// Why a stage stopped.
pub(super) enum Stop {
    Central(CentralError),
    Storage(StorageError),
    /// The row cannot be delivered as it is (e.g. a photo lost locally).
    Broken(String),
}

impl From<CentralError> for Stop {
    fn from(e: CentralError) -> Stop {
        Stop::Central(e)
    }
}

impl From<StorageError> for Stop {
    fn from(e: StorageError) -> Stop {
        Stop::Storage(e)
    }
}

pub fn try_send_next(
    store: &mut Store,
    central: &dyn CentralSystem,
    options: &DeliveryOptions,
    now: i64,
) -> Result<Outcome, StorageError> {
    let Some(entry) = store.outbox_claim_due(now)? else {
        return Ok(Outcome::Idle);
    };
    match deliver(store, central, options, &entry, now) {
        Ok(case_number) => {
            store.outbox_mark_sent(entry.id, now)?;
            record_contact(store, now, Ok(()), true);
            super::telemetry::record_sent(now);
            log::info!("outbox: {} sent as {case_number}", entry.receipt_no);
            Ok(Outcome::Sent {
                receipt_no: entry.receipt_no,
                case_number,
            })
        }
        Err(Stop::Storage(e)) if e.is_unreadable_row() => dead(store, &entry, now, &format!("unreadable: {e}")),
        Err(Stop::Storage(e)) => {
            let at = now + STORAGE_RETRY_SECS;
            store.outbox_mark_retry(entry.id, now, at, &format!("storage: {e}"))?;
            log::warn!("outbox: {} not loaded ({e}); retry at {at}", entry.receipt_no);
            Ok(Outcome::WillRetry {
                receipt_no: entry.receipt_no,
                at,
            })
        }
        Err(Stop::Broken(reason)) => dead(store, &entry, now, &reason),
        Err(Stop::Central(e)) if e.is_retryable() => {
            let reason = e.to_string();
            record_contact(store, now, Err(&reason), false);
            let at = now + backoff_secs(entry.attempts, &entry.idempotency_key);
            store.outbox_mark_retry(entry.id, now, at, &reason)?;
            log::warn!("outbox: {} not sent ({reason}); retry at {at}", entry.receipt_no);
            Ok(Outcome::WillRetry {
                receipt_no: entry.receipt_no,
                at,
            })
        }
        Err(Stop::Central(e)) => {
            let reason = match e {
                CentralError::Rejected(reason) => reason,
                other => other.to_string(),
            };
            dead(store, &entry, now, &reason)
        }
    }
}

fn dead(store: &mut Store, entry: &OutboxEntry, now: i64, reason: &str) -> Result<Outcome, StorageError> {
    store.outbox_mark_dead(entry.id, now, reason)?;
    log::error!(
        "outbox: {} is a dead letter (refused by the central system or unreadable): {reason}",
        entry.receipt_no
    );
    super::telemetry::record_error(&format!("outbox {}: dead letter: {reason}", entry.receipt_no));
    Ok(Outcome::Dead {
        receipt_no: entry.receipt_no.clone(),
    })
}

fn record_contact(store: &mut Store, now: i64, outcome: Result<(), &str>, sent: bool) {
    if let Err(e) = store.record_central_contact(now, outcome, sent) {
        log::warn!("outbox: cannot record the central contact: {e}");
    }
}

/// The stages of one application; returns its case number.
fn deliver(
    store: &mut Store,
    central: &dyn CentralSystem,
    options: &DeliveryOptions,
    entry: &OutboxEntry,
    now: i64,
) -> Result<String, Stop> {
    let key = entry.idempotency_key.as_str();
    let case_number = match store.outbox_case_number(entry.id)? {
        Some(case) => case,
        None => {
            let application = store.load_application(key)?;
            let mut materials = Vec::new();
            for upload in store.material_uploads(key)? {
                if let Some(photo) = store.load_photo(key, &upload.code)? {
                    materials.push(MaterialManifest {
                        code: upload.code,
                        photos: 1,
                        bytes: photo.len() as u64,
                    });
                }
            }
            let progress_token = options.progress_key.as_ref().and_then(|key| {
                let number = crate::domain::receipt::ReceiptNumber::parse(&entry.receipt_no).ok()?;
                Some(key.token(&number).as_str().to_string())
            });
            let request = SubmitApplication {
                kiosk_id: options.kiosk_id.clone(),
                receipt_no: entry.receipt_no.clone(),
                application,
                materials,
                progress_token,
            };
            let accepted = central.submit(&request)?;
            store.outbox_record_case(entry.id, &accepted.case_number)?;
            accepted.case_number
        }
    };
    for upload in store.material_uploads(key)? {
        if upload.stored {
            continue;
        }
        let Some(photo) = store.load_photo(key, &upload.code)? else {
            if upload.upload_id.is_some() {
                return Err(Stop::Broken(format!(
                    "the photo of material {} is gone locally before the server stored it",
                    upload.code
                )));
            }
            continue; // captured without a photo kept: nothing to send
        };
        upload_photo(central, options, key, &upload, &photo, &mut |id, received| {
            store.record_upload_progress(key, &upload.code, id, received)
        })?;
        store.mark_material_stored(key, &upload.code, now)?;
    }
    Ok(case_number)
}

/// Uploads one photo from where the server says it stands, recording progress after each
/// chunk, then finalises it.
pub(super) fn upload_photo(
    central: &dyn CentralSystem,
    options: &DeliveryOptions,
    key: &str,
    upload: &crate::storage::delivery::MaterialUpload,
    photo: &[u8],
    progress: &mut dyn FnMut(&str, u64) -> Result<(), StorageError>,
) -> Result<(), Stop> {
    let sha256 = hex::encode(sha2::Sha256::digest(photo));
    let create = || {
        central.upload_create(
            key,
            &upload.code,
            &CreateUpload {
                size: photo.len() as u64,
                sha256: sha256.clone(),
            },
        )
    };
    let mut state = match &upload.upload_id {
        Some(id) => match central.upload_state(id) {
            Err(CentralError::NotFound) => create()?,
            other => other?,
        },
        None => create()?,
    };
    progress(&state.upload_id, state.received)?;
    let chunk = options.chunk_bytes.clamp(1, api::MAX_CHUNK_BYTES);
    // The upload protocol's own 4xx (a lost reply, a garbled chunk, a photo that does not
    // add up) are answered by asking the server where it stands; a few in a row become a
    // retry later, never a dead letter.
    let mut resyncs = 0;
    let mut resync = |reason: &str, state: &api::UploadState| -> Result<api::UploadState, Stop> {
        resyncs += 1;
        if resyncs > 5 {
            return Err(Stop::Central(CentralError::Unavailable(format!(
                "material {}: upload keeps failing ({reason})",
                upload.code
            ))));
        }
        Ok(central.upload_state(&state.upload_id)?)
    };
    loop {
        while !state.stored && (state.received as usize) < photo.len() {
            let from = state.received as usize;
            let to = (from + chunk).min(photo.len());
            state = match central.upload_chunk(&state.upload_id, from as u64, &photo[from..to]) {
                Ok(next) => next,
                Err(CentralError::Rejected(reason)) if is_upload_protocol(&reason) => resync(&reason, &state)?,
                Err(e) => return Err(e.into()),
            };
            progress(&state.upload_id, state.received)?;
        }
        if state.stored {
            return Ok(());
        }
        match central.upload_finalise(&state.upload_id) {
            Ok(done) if done.stored => return Ok(()),
            Ok(_) => state = resync("not stored", &state)?,
            Err(CentralError::Rejected(reason)) if is_upload_protocol(&reason) => {
                state = resync(&reason, &state)?;
                progress(&state.upload_id, state.received)?;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The upload protocol's recoverable refusals (docs/central-api.md).
fn is_upload_protocol(reason: &str) -> bool {
    [
        "offset_mismatch",
        "chunk_hash_mismatch",
        "sha256_mismatch",
        "incomplete",
    ]
    .iter()
    .any(|code| reason.contains(code))
}

/// Drains the queue now, for `kiosk outbox drain` and tests: every waiting row is made due,
/// then sent; after a retryable failure the loop waits (exponential backoff with jitter,
/// 100 ms doubling to 5 s) and makes the rows due again, until `deadline` passes or, with
/// `once`, after one pass. Rows refused (dead letters) are not retried.
pub fn drain(
    store: &mut Store,
    central: &dyn CentralSystem,
    options: &DeliveryOptions,
    once: bool,
    deadline: std::time::Instant,
    mut on_outcome: impl FnMut(&Outcome),
) -> Result<DrainReport, StorageError> {
    let mut report = DrainReport::default();
    let mut failures = 0u32;
    store.outbox_make_due(crate::storage::now_unix())?;
    loop {
        let mut retry = false;
        loop {
            match try_send_next(store, central, options, crate::storage::now_unix())? {
                Outcome::Idle => break,
                outcome => {
                    match &outcome {
                        Outcome::Sent { .. } => {
                            report.sent += 1;
                            failures = 0;
                        }
                        Outcome::Dead { .. } => report.dead += 1,
                        Outcome::WillRetry { .. } => {
                            report.retries += 1;
                            retry = true;
                        }
                        Outcome::Idle => {}
                    }
                    on_outcome(&outcome);
                    if retry {
                        break;
                    }
                }
            }
        }
        if !retry || once || std::time::Instant::now() >= deadline {
            break;
        }
        failures += 1;
        std::thread::sleep(pause(failures).min(deadline.saturating_duration_since(std::time::Instant::now())));
        store.outbox_make_due(crate::storage::now_unix())?;
    }
    Ok(report)
}

/// The drain loop's pause after `failures` failed rounds: 100 ms · 2^(n-1), capped at 5 s,
/// then randomised to 50–100 % of that ("equal jitter").
pub fn pause(failures: u32) -> std::time::Duration {
    let base = 100u64.saturating_mul(1 << failures.saturating_sub(1).min(6)).min(5000);
    let random = (uuid::Uuid::new_v4().as_u128() % 1000) as u64;
    std::time::Duration::from_millis(base / 2 + base / 2 * random / 1000)
}

/// What a drain did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrainReport {
    pub sent: u64,
    pub dead: u64,
    pub retries: u64,
}

#[cfg(test)]
mod tests;
