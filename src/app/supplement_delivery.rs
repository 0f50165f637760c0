//! Sends queued 补交材料 to the central system, on the outbox worker's thread: the
//! supplement is announced for its receipt number (one idempotency key: a lost reply is not
//! a second supplement), then each photo goes up in chunks under the application key the
//! server named, exactly as application photos do, and is erased locally once stored. A
//! network or server failure is retried with backoff; a refusal (a closed case, an unknown
//! receipt) is a dead letter whose photos are erased — the citizen was told to bring the
//! paper to the window then.

use super::central::{CentralError, CentralSystem};
use super::outbox_worker::{backoff_secs, upload_photo, DeliveryOptions, Stop};
use crate::central_api::{CreateSupplement, MaterialManifest};
use crate::storage::supplements::SupplementEntry;
use crate::storage::{StorageError, Store};

/// What one attempt did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SupplementOutcome {
    Idle,
    Sent { receipt_no: String },
    WillRetry { receipt_no: String, at: i64 },
    Dead { receipt_no: String, reason: String },
}

/// Sends the next due supplement, if any.
pub fn try_send_next_supplement(
    store: &mut Store,
    central: &dyn CentralSystem,
    options: &DeliveryOptions,
    now: i64,
) -> Result<SupplementOutcome, StorageError> {
    let Some(entry) = store.supplement_claim_due(now)? else {
        return Ok(SupplementOutcome::Idle);
    };
    let receipt_no = entry.receipt_no.clone();
    match deliver(store, central, options, &entry, now) {
        Ok(()) => {
            store.supplement_finish(entry.id, "sent", now, now, None)?;
            log::info!("supplement for {receipt_no} sent");
            Ok(SupplementOutcome::Sent { receipt_no })
        }
        Err(Stop::Central(e)) if e.is_retryable() => retry(store, &entry, now, &e.to_string()),
        Err(Stop::Storage(e)) if !e.is_unreadable_row() => retry(store, &entry, now, &format!("storage: {e}")),
        Err(stop) => {
            let reason = match stop {
                Stop::Central(CentralError::Rejected(reason)) => reason,
                Stop::Central(e) => e.to_string(),
                Stop::Storage(e) => format!("unreadable: {e}"),
                Stop::Broken(reason) => reason,
            };
            store.supplement_finish(entry.id, "dead", now, now, Some(&reason))?;
            log::error!("supplement for {receipt_no} is a dead letter: {reason}");
            super::telemetry::record_error(&format!("supplement {receipt_no}: dead letter: {reason}"));
            Ok(SupplementOutcome::Dead { receipt_no, reason })
        }
    }
}

fn retry(
    store: &mut Store,
    entry: &SupplementEntry,
    now: i64,
    reason: &str,
) -> Result<SupplementOutcome, StorageError> {
    let at = now + backoff_secs(entry.attempts, &entry.idempotency_key);
    store.supplement_finish(entry.id, "pending", now, at, Some(reason))?;
    log::warn!("supplement for {} not sent ({reason}); retry at {at}", entry.receipt_no);
    Ok(SupplementOutcome::WillRetry {
        receipt_no: entry.receipt_no.clone(),
        at,
    })
}

fn deliver(
    store: &mut Store,
    central: &dyn CentralSystem,
    options: &DeliveryOptions,
    entry: &SupplementEntry,
    now: i64,
) -> Result<(), Stop> {
    // The upload owner: `supplement:{id}` once the central accepted the supplement.
    let app_key = match &entry.app_key {
        Some(key) => key.clone(),
        None => {
            let Some(proof) = store.supplement_proof(entry)? else {
                return Err(Stop::Broken("the supplement's proof is gone locally".into()));
            };
            let materials = store
                .supplement_manifest(entry.id)?
                .into_iter()
                .map(|(code, bytes)| MaterialManifest { code, photos: 1, bytes })
                .collect();
            let request = CreateSupplement {
                idempotency_key: entry.idempotency_key.clone(),
                materials,
                proof,
            };
            let answer = central.supplement(&entry.receipt_no, &request)?;
            let owner = format!(
                "{}{}",
                crate::central_api::SUPPLEMENT_OWNER_PREFIX,
                answer.supplement_id
            );
            store.supplement_record_app_key(entry.id, &owner)?;
            owner
        }
    };
    for upload in store.supplement_uploads(entry.id)? {
        if upload.stored {
            continue;
        }
        let Some(photo) = store.supplement_photo(entry, &upload.code)? else {
            return Err(Stop::Broken(format!(
                "the photo of material {} is gone locally before the server stored it",
                upload.code
            )));
        };
        let (id, code) = (entry.id, upload.code.clone());
        upload_photo(
            central,
            options,
            &app_key,
            &upload,
            &photo,
            &mut |upload_id, received| store.supplement_upload_progress(id, &code, upload_id, received),
        )?;
        store.supplement_photo_stored(entry.id, &upload.code, now)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::central_sim::SimCentral;
    use crate::central_api::SubmitApplication;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    fn token() -> crate::central_api::SupplementProof {
        crate::central_api::SupplementProof::Token { token: TOKEN.into() }
    }

    fn submitted(central: &SimCentral) -> String {
        let application = crate::app::sample::application("5f0c1f8e-3c2a-4d7e-9b1a-2f4e6d8c0a11");
        central
            .submit(&SubmitApplication {
                kiosk_id: "DEV1".into(),
                receipt_no: "DEV1-261126-0001-7".into(),
                application: application.clone(),
                materials: Vec::new(),
                progress_token: Some(TOKEN.into()),
            })
            .unwrap();
        application.uuid
    }

    #[test]
    fn a_supplement_goes_up_once_through_an_outage_and_its_photo_is_erased() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_in(dir.path()).unwrap();
        let central = SimCentral::default();
        let key = submitted(&central);
        let photo = vec![7u8; 3000];
        store
            .supplement_enqueue(
                "DEV1-261126-0001-7",
                &token(),
                &[("household-book".into(), photo.clone())],
                100,
            )
            .unwrap();
        let mut options = DeliveryOptions::new("DEV1");
        options.chunk_bytes = 1000;
        central.set_down(true);
        let outcome = try_send_next_supplement(&mut store, &central, &options, 100).unwrap();
        let SupplementOutcome::WillRetry { at, .. } = outcome else {
            panic!("{outcome:?}")
        };
        assert!(at > 100);
        assert_eq!(
            try_send_next_supplement(&mut store, &central, &options, 100).unwrap(),
            SupplementOutcome::Idle
        );
        central.set_down(false);
        let outcome = try_send_next_supplement(&mut store, &central, &options, at).unwrap();
        assert_eq!(
            outcome,
            SupplementOutcome::Sent {
                receipt_no: "DEV1-261126-0001-7".into()
            }
        );
        assert_eq!(
            central.supplements(),
            vec![("DEV1-261126-0001-7".to_string(), vec!["household-book".to_string()])]
        );
        assert_eq!(central.stored_photos(&key), vec![("household-book".to_string(), photo)]);
        let entry = &store.supplement_list().unwrap()[0];
        assert_eq!(
            store.supplement_photo(entry, "household-book").unwrap(),
            None,
            "erased once stored"
        );
    }

    #[test]
    fn a_supplement_for_an_unknown_receipt_is_a_dead_letter_without_its_photo() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_in(dir.path()).unwrap();
        let central = SimCentral::default();
        store
            .supplement_enqueue(
                "DEV1-261126-0009-X",
                &token(),
                &[("household-book".into(), vec![1, 2, 3])],
                100,
            )
            .unwrap();
        let outcome = try_send_next_supplement(&mut store, &central, &DeliveryOptions::new("DEV1"), 100).unwrap();
        assert!(matches!(outcome, SupplementOutcome::Dead { .. }), "{outcome:?}");
        let entry = &store.supplement_list().unwrap()[0];
        assert_eq!(entry.state, "dead");
        assert_eq!(store.supplement_photo(entry, "household-book").unwrap(), None);
    }
}
