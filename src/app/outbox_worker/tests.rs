//! Tests of `outbox_worker`.

use super::super::central_sim::SimCentral;
use super::*;
use crate::central_api as api;
use crate::storage::tests::sample_application;

fn opts() -> DeliveryOptions {
    DeliveryOptions::new("XS01-K1")
}

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
            try_send_next(&mut store, &central, &opts(), now).unwrap(),
            Outcome::WillRetry { .. }
        ));
    }
    assert_eq!(
        try_send_next(&mut store, &central, &opts(), now).unwrap(),
        Outcome::Idle
    );
    central.set_down(false);
    let mut sent = 0;
    while sent < 3 {
        now += 10;
        match try_send_next(&mut store, &central, &opts(), now).unwrap() {
            Outcome::Sent { .. } => sent += 1,
            Outcome::Idle => {}
            other => panic!("{other:?}"),
        }
        assert!(now < 1000, "backoff too long");
    }
    assert_eq!(central.created(), 3);
    assert_eq!(
        try_send_next(&mut store, &central, &opts(), now + 10_000).unwrap(),
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
        .submit(&SubmitApplication {
            kiosk_id: "K".into(),
            receipt_no: entry.receipt_no.clone(),
            application: store.load_application("a-1").unwrap(),
            materials: Vec::new(),
            progress_token: None,
        })
        .unwrap();
    store.outbox_recover_in_flight(1).unwrap();
    assert!(matches!(
        try_send_next(&mut store, &central, &opts(), 1).unwrap(),
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
        try_send_next(&mut store, &central, &opts(), 0).unwrap(),
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
        let outcome = try_send_next(&mut store, &central, &opts(), now).unwrap();
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
        try_send_next(&mut store, &central, &opts(), now).unwrap(),
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
        try_send_next(&mut store, &central, &opts(), 0).unwrap(),
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

fn photo(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

#[test]
fn materials_go_up_in_chunks_and_the_local_photo_is_erased_once_stored() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let central = SimCentral::default();
    let bytes = photo(10_000);
    store
        .submit(
            &sample_application("a-1"),
            &[("household-book".into(), bytes.clone())],
            "XS01",
            0,
        )
        .unwrap();
    let options = DeliveryOptions {
        chunk_bytes: 3000,
        ..opts()
    };
    assert!(matches!(
        try_send_next(&mut store, &central, &options, 0).unwrap(),
        Outcome::Sent { .. }
    ));
    assert_eq!(
        central.stored_photos("a-1"),
        vec![("household-book".to_string(), bytes)]
    );
    assert_eq!(store.load_photo("a-1", "household-book").unwrap(), None);
    let uploads = store.material_uploads("a-1").unwrap();
    assert!(uploads[0].stored && uploads[0].uploaded == 10_000, "{uploads:?}");
}

/// Fails every call after the first `budget` calls, like a link that drops mid-upload.
struct Flaky<'a> {
    inner: &'a SimCentral,
    budget: std::sync::atomic::AtomicI32,
}

impl Flaky<'_> {
    fn spend(&self) -> Result<(), CentralError> {
        if self.budget.fetch_sub(1, std::sync::atomic::Ordering::SeqCst) <= 0 {
            return Err(CentralError::Unavailable("connection reset".into()));
        }
        Ok(())
    }
}

impl CentralSystem for Flaky<'_> {
    fn submit(&self, r: &SubmitApplication) -> Result<api::SubmitResponse, CentralError> {
        self.spend()?;
        self.inner.submit(r)
    }
    fn upload_create(&self, k: &str, c: &str, r: &CreateUpload) -> Result<api::UploadState, CentralError> {
        self.spend()?;
        self.inner.upload_create(k, c, r)
    }
    fn upload_state(&self, id: &str) -> Result<api::UploadState, CentralError> {
        self.spend()?;
        self.inner.upload_state(id)
    }
    fn upload_chunk(&self, id: &str, offset: u64, chunk: &[u8]) -> Result<api::UploadState, CentralError> {
        self.spend()?;
        self.inner.upload_chunk(id, offset, chunk)
    }
    fn upload_finalise(&self, id: &str) -> Result<api::FinaliseResponse, CentralError> {
        self.spend()?;
        self.inner.upload_finalise(id)
    }
    fn heartbeat(&self, h: &api::Heartbeat) -> Result<api::HeartbeatResponse, CentralError> {
        self.inner.heartbeat(h)
    }
}

#[test]
fn an_interrupted_upload_resumes_from_the_recorded_progress_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let central = SimCentral::default();
    let bytes = photo(10_000);
    let options = DeliveryOptions {
        chunk_bytes: 1000,
        ..opts()
    };
    {
        let mut store = Store::open_in(dir.path()).unwrap();
        store
            .submit(
                &sample_application("a-1"),
                &[("household-book".into(), bytes.clone())],
                "XS01",
                0,
            )
            .unwrap();
        // submit + create + 4 chunks, then the link drops.
        let flaky = Flaky {
            inner: &central,
            budget: 6.into(),
        };
        assert!(matches!(
            try_send_next(&mut store, &flaky, &options, 0).unwrap(),
            Outcome::WillRetry { .. }
        ));
        let uploads = store.material_uploads("a-1").unwrap();
        assert_eq!(uploads[0].uploaded, 4000);
    }
    // A new process: the row is resent from where the server stands.
    let mut store = Store::open_in(dir.path()).unwrap();
    store.outbox_recover_in_flight(1).unwrap();
    store.outbox_make_due(1).unwrap();
    let before = central.received();
    assert!(matches!(
        try_send_next(&mut store, &central, &options, 1).unwrap(),
        Outcome::Sent { .. }
    ));
    assert_eq!(
        central.received(),
        before,
        "the application itself was not submitted again"
    );
    assert_eq!(central.created(), 1);
    assert_eq!(
        central.stored_photos("a-1"),
        vec![("household-book".to_string(), bytes)]
    );
}

#[test]
fn backoff_grows_and_is_capped() {
    assert!((24..=36).contains(&backoff_secs(1, "k")));
    assert!((48..=72).contains(&backoff_secs(2, "k")));
    assert!(backoff_secs(30, "k") <= 3600 * 12 / 10);
}
