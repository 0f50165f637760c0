//! The outbox worker as a step function: each call sends at most one due application and
//! reports what happened, so tests drain the queue deterministically and the run loop
//! simply calls it on a timer. Retries back off exponentially with jitter up to an hour.
//!
//! Only a row that cannot be read back (wrong key, tampered, purged) becomes a dead
//! letter; a busy or locked database, or any other storage hiccup, puts the row back in
//! the queue for a short while.

use super::central::{CentralError, CentralSystem};
use crate::storage::{StorageError, Store};

/// Personal data of delivered (or refused) applications is kept this long, then purged.
pub const RETENTION_SECS: i64 = crate::storage::DEFAULT_RETENTION_SECS;

/// How soon a row whose application could not be loaded for a passing reason is retried.
pub const STORAGE_RETRY_SECS: i64 = 5;

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

pub fn try_send_next(store: &mut Store, central: &dyn CentralSystem, now: i64) -> Result<Outcome, StorageError> {
    let Some(entry) = store.outbox_claim_due(now)? else {
        return Ok(Outcome::Idle);
    };
    let application = match store.load_application(&entry.idempotency_key) {
        Ok(application) => application,
        Err(e) if e.is_unreadable_row() => {
            store.outbox_mark_dead(entry.id, now, &format!("unreadable: {e}"))?;
            log::error!("outbox: {} is unreadable and needs a technician: {e}", entry.receipt_no);
            return Ok(Outcome::Dead {
                receipt_no: entry.receipt_no,
            });
        }
        Err(e) => {
            let at = now + STORAGE_RETRY_SECS;
            store.outbox_mark_retry(entry.id, now, at, &format!("storage: {e}"))?;
            log::warn!("outbox: {} not loaded ({e}); retry at {at}", entry.receipt_no);
            return Ok(Outcome::WillRetry {
                receipt_no: entry.receipt_no,
                at,
            });
        }
    };
    match central.submit(&entry.idempotency_key, &application) {
        Ok(accepted) => {
            super::central::REACHABLE.store(true, std::sync::atomic::Ordering::Relaxed);
            store.outbox_mark_sent(entry.id, now)?;
            log::info!("outbox: {} sent as {}", entry.receipt_no, accepted.case_number);
            Ok(Outcome::Sent {
                receipt_no: entry.receipt_no,
                case_number: accepted.case_number,
            })
        }
        Err(CentralError::Unavailable(reason)) => {
            super::central::REACHABLE.store(false, std::sync::atomic::Ordering::Relaxed);
            let at = now + backoff_secs(entry.attempts, &entry.idempotency_key);
            store.outbox_mark_retry(entry.id, now, at, &reason)?;
            log::warn!("outbox: {} not sent ({reason}); retry at {at}", entry.receipt_no);
            Ok(Outcome::WillRetry {
                receipt_no: entry.receipt_no,
                at,
            })
        }
        Err(CentralError::Rejected(reason)) => {
            store.outbox_mark_dead(entry.id, now, &reason)?;
            log::error!("outbox: {} refused by the central system: {reason}", entry.receipt_no);
            Ok(Outcome::Dead {
                receipt_no: entry.receipt_no,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::central::SimCentral;
    use super::*;
    use crate::storage::tests::sample_application;

    #[test]
    fn outage_then_recovery_sends_each_application_exactly_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_in(dir.path()).unwrap();
        let central = SimCentral::default();
        for i in 0..3 {
            store
                .submit(&sample_application(&format!("a-{i}")), &[], "XS01", 0)
                .unwrap();
        }
        central.set_down(true);
        let mut now = 0;
        for _ in 0..3 {
            assert!(matches!(
                try_send_next(&mut store, &central, now).unwrap(),
                Outcome::WillRetry { .. }
            ));
        }
        assert_eq!(try_send_next(&mut store, &central, now).unwrap(), Outcome::Idle);
        central.set_down(false);
        let mut sent = 0;
        while sent < 3 {
            now += 10;
            match try_send_next(&mut store, &central, now).unwrap() {
                Outcome::Sent { .. } => sent += 1,
                Outcome::Idle => {}
                other => panic!("{other:?}"),
            }
            assert!(now < 1000, "backoff too long");
        }
        assert_eq!(central.created(), 3);
        assert_eq!(
            try_send_next(&mut store, &central, now + 10_000).unwrap(),
            Outcome::Idle
        );
    }

    #[test]
    fn a_lost_reply_is_resent_and_deduplicated() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_in(dir.path()).unwrap();
        let central = SimCentral::default();
        store.submit(&sample_application("a-1"), &[], "XS01", 0).unwrap();
        // The central system committed, but the kiosk crashed before recording it.
        let entry = store.outbox_claim_due(0).unwrap().unwrap();
        central
            .submit(&entry.idempotency_key, &store.load_application("a-1").unwrap())
            .unwrap();
        store.outbox_recover_in_flight(1).unwrap();
        assert!(matches!(
            try_send_next(&mut store, &central, 1).unwrap(),
            Outcome::Sent { .. }
        ));
        assert_eq!((central.created(), central.received()), (1, 2));
    }

    #[test]
    fn refusals_become_dead_letters() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_in(dir.path()).unwrap();
        let central = SimCentral::default();
        central.reject_item("ID-003");
        store.submit(&sample_application("a-1"), &[], "XS01", 0).unwrap();
        assert!(matches!(
            try_send_next(&mut store, &central, 0).unwrap(),
            Outcome::Dead { .. }
        ));
        assert_eq!(
            store.outbox_get("a-1").unwrap().last_error.as_deref(),
            Some("422 item ID-003 not handled at this point")
        );
    }

    fn outcome_receipt(outcome: &Outcome) -> String {
        match outcome {
            Outcome::Sent { receipt_no, .. } | Outcome::WillRetry { receipt_no, .. } | Outcome::Dead { receipt_no } => {
                receipt_no.clone()
            }
            Outcome::Idle => String::new(),
        }
    }

    #[test]
    fn a_busy_database_is_retried_and_never_dead_letters_a_row() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_in(dir.path()).unwrap();
        let central = SimCentral::default();
        store.submit(&sample_application("a-1"), &[], "XS01", 0).unwrap();
        let mut now = 0;
        for code in [rusqlite::ErrorCode::DatabaseBusy, rusqlite::ErrorCode::DatabaseLocked] {
            store.fail_next_load = Some(code);
            let outcome = try_send_next(&mut store, &central, now).unwrap();
            now += STORAGE_RETRY_SECS;
            assert_eq!(
                outcome,
                Outcome::WillRetry {
                    receipt_no: outcome_receipt(&outcome),
                    at: now
                }
            );
            let entry = store.outbox_get("a-1").unwrap();
            assert_eq!(entry.state, crate::storage::outbox::OutboxState::Pending, "{code:?}");
            assert!(entry.last_error.unwrap().starts_with("storage: "));
        }
        assert!(matches!(
            try_send_next(&mut store, &central, now).unwrap(),
            Outcome::Sent { .. }
        ));
        assert_eq!(central.created(), 1);
    }

    #[test]
    fn a_row_that_cannot_be_opened_is_a_dead_letter() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_in(dir.path()).unwrap();
        let central = SimCentral::default();
        store.submit(&sample_application("a-1"), &[], "XS01", 0).unwrap();
        store.submit(&sample_application("a-2"), &[], "XS01", 0).unwrap();
        store
            .conn()
            .execute("UPDATE applications SET personal = (SELECT personal FROM applications WHERE uuid = 'a-2') WHERE uuid = 'a-1'", [])
            .unwrap();
        assert!(matches!(
            try_send_next(&mut store, &central, 0).unwrap(),
            Outcome::Dead { .. }
        ));
        let purge_after: Option<i64> = store
            .conn()
            .query_row("SELECT purge_after FROM applications WHERE uuid = 'a-1'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(purge_after, Some(RETENTION_SECS), "dead letters are purged too");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!((24..=36).contains(&backoff_secs(1, "k")));
        assert!((48..=72).contains(&backoff_secs(2, "k")));
        assert!(backoff_secs(30, "k") <= 3600 * 12 / 10);
    }
}
