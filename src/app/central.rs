//! The seam to the central system. Until the central issue lands, the kiosk talks to
//! [`SimCentral`], an in-process simulation with the same contract: submissions are
//! idempotent by key (the first response is replayed), and failures are classified as
//! retryable (network, 5xx) or permanent (4xx).

use crate::domain::application::Application;
use std::collections::HashMap;
use std::sync::Mutex;

/// Whether the last contact with the central system worked: set by the outbox worker, shown
/// on the welcome page. Starts optimistic; the first failed send turns it off.
pub static REACHABLE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

pub fn reachable() -> bool {
    REACHABLE.load(std::sync::atomic::Ordering::Relaxed)
}

/// The central system's answer to a submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// The central case number.
    pub case_number: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CentralError {
    /// Network down, timeout, 5xx: try again later.
    #[error("central system unreachable: {0}")]
    Unavailable(String),
    /// 4xx: sending it again will not help; a technician must look.
    #[error("central system refused the application: {0}")]
    Rejected(String),
}

/// What the kiosk needs from the central system (more operations arrive with later issues:
/// material upload, progress, payment, catalogue sync, heartbeat).
pub trait CentralSystem: Send + Sync {
    /// Submits an application under `idempotency_key`. Submitting the same key again
    /// returns the first answer and creates nothing new.
    fn submit(&self, idempotency_key: &str, application: &Application) -> Result<Accepted, CentralError>;
}

/// In-process simulation of the central system, with switchable outages.
#[derive(Default)]
pub struct SimCentral {
    state: Mutex<SimState>,
}

#[derive(Default)]
struct SimState {
    accepted: HashMap<String, Accepted>,
    down: bool,
    reject_items: Vec<String>,
    received: u64,
}

impl SimCentral {
    pub fn set_down(&self, down: bool) {
        self.lock().down = down;
    }
    pub fn reject_item(&self, item_code: &str) {
        self.lock().reject_items.push(item_code.to_string());
    }
    /// Distinct applications created (replays excluded).
    pub fn created(&self) -> usize {
        self.lock().accepted.len()
    }
    /// Requests received, replays included.
    pub fn received(&self) -> u64 {
        self.lock().received
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl CentralSystem for SimCentral {
    fn submit(&self, idempotency_key: &str, application: &Application) -> Result<Accepted, CentralError> {
        let mut state = self.lock();
        if state.down {
            return Err(CentralError::Unavailable(
                "connection refused (simulated outage)".into(),
            ));
        }
        state.received += 1;
        if let Some(first) = state.accepted.get(idempotency_key) {
            return Ok(first.clone());
        }
        if state.reject_items.contains(&application.item_code) {
            return Err(CentralError::Rejected(format!(
                "422 item {} not handled at this point",
                application.item_code
            )));
        }
        let accepted = Accepted {
            case_number: format!("CASE-{:06}", state.accepted.len() + 1),
        };
        state.accepted.insert(idempotency_key.to_string(), accepted.clone());
        Ok(accepted)
    }
}
