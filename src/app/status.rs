//! A local snapshot of the kiosk for `kiosk status`: version, storage and key state, the
//! audit chain, the outbox, the last purge and databases that were moved aside. Built from
//! the configuration alone, so it works whether the kiosk is running or not, and masked
//! (counts and paths, no personal data). Each part is a field of [`StatusSnapshot`]: device
//! states, central reachability and the HTTP `/status` endpoint are meant to add theirs.

use crate::config::Config;
use crate::storage::outbox::{MaintenanceRun, OutboxState, PURGE_TASK};
use crate::storage::{self, KeyCheck, StorageError, Store};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Clone, Debug, Serialize)]
pub struct StatusSnapshot {
    pub version: String,
    pub kiosk_id: String,
    pub at: i64,
    pub state_dir: PathBuf,
    pub storage: StorageStatus,
    /// `None` when the store could not be opened.
    pub outbox: Option<OutboxStatus>,
    pub audit: Option<AuditStatus>,
    pub last_purge: Option<MaintenanceRun>,
    /// The central system as this kiosk last found it.
    pub central: CentralStatus,
    /// The document camera as configured, and whether its device is there.
    pub camera: CameraStatus,
    /// Damaged databases moved aside (their unsent applications: `kiosk storage salvage`).
    pub moved_aside: Vec<PathBuf>,
    /// The GPIO backend, board map and lines, and whether its hardware is there.
    pub gpio: super::gpio_status::GpioStatus,
    /// What a technician must look at; empty when all is well.
    pub alarms: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CameraStatus {
    /// `sim` or `v4l2`.
    pub kind: &'static str,
    pub device: PathBuf,
    pub present: bool,
    /// The name the camera gives (from sysfs), when present.
    pub name: Option<String>,
}

/// The configured camera, checked without opening it (a running kiosk may hold it).
pub fn camera_status(config: &Config) -> CameraStatus {
    use crate::config::CameraKind;
    match config.devices.camera.kind {
        CameraKind::Sim => CameraStatus {
            kind: "sim",
            device: "sim".into(),
            present: true,
            name: Some(crate::devices::camera::CameraSource::Sim(Default::default()).describe()),
        },
        CameraKind::V4l2 => {
            let device = config.devices.camera.device.clone();
            // A udev symlink (/dev/kiosk-camera) names the node sysfs lists.
            let node = std::fs::canonicalize(&device).unwrap_or_else(|_| device.clone());
            let name = crate::devices::camera::list()
                .into_iter()
                .find(|c| std::path::Path::new(&c.device) == node)
                .map(|c| c.name);
            CameraStatus {
                kind: "v4l2",
                present: device.exists(),
                device,
                name,
            }
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct StorageStatus {
    pub database: PathBuf,
    /// `ok`, `not-created` or `error`.
    pub state: &'static str,
    pub schema_version: Option<u32>,
    /// How the data key was found to fit: `verified`, `verified-against-data`, `created`.
    pub key: Option<&'static str>,
    pub error: Option<String>,
}

/// The central system: where it is, the last contact (any request of any process) and the
/// last delivered application, and the refused applications with the server's reason.
#[derive(Clone, Debug, Serialize)]
pub struct CentralStatus {
    /// `sim`, or the API URL (credentials redacted).
    pub url: String,
    /// Enrolled: client certificate, key and CA configured.
    pub enrolled: bool,
    /// `None` before any contact.
    pub reachable: Option<bool>,
    pub last_contact_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_success_at: Option<i64>,
    pub last_sent_at: Option<i64>,
    pub dead_letters: Vec<DeadLetter>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DeadLetter {
    pub receipt_no: String,
    pub item_code: String,
    pub reason: String,
}

/// Outbox rows per state.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OutboxCounts {
    pub pending: u64,
    pub sending: u64,
    pub sent: u64,
    pub dead: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct OutboxStatus {
    pub counts: OutboxCounts,
    /// Supplements (补交材料) per state: photos for applications already delivered.
    pub supplements: OutboxCounts,
    /// Age of the oldest application still waiting to be sent.
    pub oldest_unsent_age_secs: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditStatus {
    pub entries: u64,
    pub intact: bool,
    pub first_bad_entry: Option<i64>,
}

impl StatusSnapshot {
    pub fn healthy(&self) -> bool {
        self.alarms.is_empty()
    }
}

fn key_name(check: KeyCheck) -> &'static str {
    match check {
        KeyCheck::Verified => "verified",
        KeyCheck::VerifiedAgainstData => "verified-against-data",
        KeyCheck::Created => "created",
    }
}

/// Reads the snapshot. Creates nothing: a store that does not exist yet is reported so.
pub fn collect(config: &Config, version: &str, now: i64) -> StatusSnapshot {
    let state_dir = config.kiosk.state_dir.clone();
    let database = state_dir.join(storage::DATABASE_FILE);
    let mut snapshot = StatusSnapshot {
        version: version.to_string(),
        kiosk_id: config.kiosk.id.clone(),
        at: now,
        state_dir: state_dir.clone(),
        storage: StorageStatus {
            database: database.clone(),
            state: "not-created",
            schema_version: None,
            key: None,
            error: None,
        },
        outbox: None,
        audit: None,
        last_purge: None,
        central: CentralStatus {
            url: crate::config::redact_url(&config.central.url),
            enrolled: config.central.cert.is_some() && config.central.key.is_some() && config.central.ca.is_some(),
            reachable: None,
            last_contact_at: None,
            last_error: None,
            last_success_at: None,
            last_sent_at: None,
            dead_letters: Vec::new(),
        },
        camera: camera_status(config),
        moved_aside: Vec::new(),
        gpio: super::gpio_status::collect(config),
        alarms: Vec::new(),
    };
    if !snapshot.camera.present {
        snapshot.alarms.push(format!(
            "camera {} not found: check its USB cable and `kiosk camera list`",
            snapshot.camera.device.display()
        ));
    }
    if let Some(error) = &snapshot.gpio.error {
        snapshot.alarms.push(format!("gpio: {error}"));
    }
    if database.exists() {
        match Store::open_established(&state_dir).and_then(|mut store| read_store(&mut store, &mut snapshot, now)) {
            Ok(()) => snapshot.storage.state = "ok",
            Err(e) => {
                snapshot.storage.state = "error";
                snapshot.alarms.push(format!("storage: {e}"));
                snapshot.storage.error = Some(e.to_string());
            }
        }
    }
    snapshot.moved_aside = storage::moved_aside_databases(&state_dir);
    if !snapshot.moved_aside.is_empty() {
        snapshot.alarms.push(format!(
            "{} damaged database(s) moved aside: re-queue their unsent applications with `kiosk storage salvage FILE`, then archive or remove the file (it still holds sealed personal data)",
            snapshot.moved_aside.len()
        ));
    }
    snapshot
}

fn read_store(store: &mut Store, snapshot: &mut StatusSnapshot, now: i64) -> Result<(), StorageError> {
    snapshot.storage.schema_version = Some(store.schema_version()?);
    snapshot.storage.key = Some(key_name(store.report.key_check));
    let mut counts = OutboxCounts::default();
    for (state, n) in store.outbox_counts()? {
        *match state {
            OutboxState::Pending => &mut counts.pending,
            OutboxState::Sending => &mut counts.sending,
            OutboxState::Sent => &mut counts.sent,
            OutboxState::Dead => &mut counts.dead,
        } = n;
    }
    let mut supplements = OutboxCounts::default();
    for (state, n) in store.supplement_counts()? {
        match state.as_str() {
            "pending" => supplements.pending = n,
            "sending" => supplements.sending = n,
            "sent" => supplements.sent = n,
            _ => supplements.dead += n,
        }
    }
    if supplements.dead > 0 {
        snapshot.alarms.push(format!(
            "{} supplement(s) refused by the central system: see `kiosk outbox list`",
            supplements.dead
        ));
    }
    snapshot.outbox = Some(OutboxStatus {
        counts,
        supplements,
        oldest_unsent_age_secs: store.oldest_unsent_created_at()?.map(|t| (now - t).max(0)),
    });
    let verdict = store.audit_verdict()?;
    if let Some(id) = verdict.first_bad {
        snapshot
            .alarms
            .push(format!("audit log broken at entry {id}: see `kiosk audit verify`"));
    }
    snapshot.audit = Some(AuditStatus {
        entries: verdict.entries,
        intact: verdict.first_bad.is_none(),
        first_bad_entry: verdict.first_bad,
    });
    if let Some(contact) = store.central_contact()? {
        let central = &mut snapshot.central;
        central.reachable = Some(contact.ok);
        central.last_contact_at = Some(contact.at);
        central.last_error = contact.error;
        central.last_success_at = contact.last_ok_at;
        central.last_sent_at = contact.last_sent_at;
    }
    snapshot.central.dead_letters = store
        .outbox_list(Some(OutboxState::Dead))?
        .into_iter()
        .map(|e| DeadLetter {
            receipt_no: e.receipt_no,
            item_code: e.item_code,
            reason: e.last_error.unwrap_or_default(),
        })
        .collect();
    if !snapshot.central.dead_letters.is_empty() {
        snapshot.alarms.push(format!(
            "{} application(s) refused by the central system (dead letters): see `kiosk outbox list --state dead`",
            snapshot.central.dead_letters.len()
        ));
    }
    snapshot.last_purge = store.last_maintenance(PURGE_TASK)?;
    if let Some(run) = snapshot.last_purge.as_ref().filter(|r| !r.ok) {
        snapshot.alarms.push(format!(
            "the last purge of expired personal data failed: {}",
            run.error.as_deref().unwrap_or("unknown error")
        ));
    }
    Ok(())
}
