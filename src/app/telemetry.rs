//! The running kiosk's live state for the local status endpoint and the heartbeat: when it
//! started, the device states, whether the central system answered last time, when an
//! application was last delivered and the last few errors. Process-wide and lock-light;
//! everything put here is already masked (no personal data).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// How many recent errors are kept.
pub const LAST_ERRORS: usize = 10;

struct Live {
    started: Instant,
    devices: Mutex<Devices>,
    errors: Mutex<VecDeque<String>>,
}

/// One state string per device: `ok`, `sim`, `absent`, `degraded` or `fault: reason`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Devices {
    pub reader: String,
    pub printer: String,
    pub camera: String,
    pub gpio: String,
    /// `ok`, `low` or `out`.
    pub paper: String,
}

impl Default for Devices {
    fn default() -> Self {
        Devices {
            reader: "absent".into(),
            printer: "absent".into(),
            camera: "absent".into(),
            gpio: "absent".into(),
            paper: "ok".into(),
        }
    }
}

static LIVE: OnceLock<Live> = OnceLock::new();
static CONTACTED: AtomicBool = AtomicBool::new(false);
static LAST_SENT_AT: AtomicI64 = AtomicI64::new(0);
static LAST_CONTACT_AT: AtomicI64 = AtomicI64::new(0);

fn live() -> &'static Live {
    LIVE.get_or_init(|| Live {
        started: Instant::now(),
        devices: Mutex::new(Devices::default()),
        errors: Mutex::new(VecDeque::new()),
    })
}

/// Starts the uptime clock (the first call wins).
pub fn start() {
    let _ = live();
}

pub fn uptime_secs() -> u64 {
    live().started.elapsed().as_secs()
}

pub fn set_devices(update: impl FnOnce(&mut Devices)) {
    update(&mut live().devices.lock().unwrap_or_else(|p| p.into_inner()));
}

pub fn devices() -> Devices {
    live().devices.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// Records a problem worth showing to a technician. `masked` must hold no personal data.
pub fn record_error(masked: &str) {
    let mut errors = live().errors.lock().unwrap_or_else(|p| p.into_inner());
    let line: String = masked.chars().take(200).collect();
    if errors.back() == Some(&line) {
        return;
    }
    if errors.len() == LAST_ERRORS {
        errors.pop_front();
    }
    errors.push_back(line);
}

pub fn last_errors() -> Vec<String> {
    live()
        .errors
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .cloned()
        .collect()
}

/// The outcome of a contact with the central system (any request).
pub fn record_contact(now: i64, ok: bool) {
    LAST_CONTACT_AT.store(now, Ordering::Relaxed);
    CONTACTED.store(true, Ordering::Relaxed);
    super::central::REACHABLE.store(ok, Ordering::Relaxed);
}

pub fn record_sent(now: i64) {
    LAST_SENT_AT.store(now, Ordering::Relaxed);
}

/// `None` before any contact; else whether the last one worked.
pub fn central_reachable() -> Option<bool> {
    CONTACTED.load(Ordering::Relaxed).then(super::central::reachable)
}

pub fn last_contact_at() -> Option<i64> {
    Some(LAST_CONTACT_AT.load(Ordering::Relaxed)).filter(|t| *t > 0)
}

pub fn last_sent_at() -> Option<i64> {
    Some(LAST_SENT_AT.load(Ordering::Relaxed)).filter(|t| *t > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_bounded_and_not_repeated() {
        for i in 0..15 {
            record_error(&format!("telemetry-test error {i}"));
            record_error(&format!("telemetry-test error {i}"));
        }
        let errors: Vec<String> = last_errors()
            .into_iter()
            .filter(|e| e.starts_with("telemetry-test"))
            .collect();
        assert!(errors.len() <= LAST_ERRORS);
        assert_eq!(errors.last().map(String::as_str), Some("telemetry-test error 14"));
    }
}
