//! Personal data at rest at the central: after an application (name, ID number, phone,
//! address), a photo, a booking and a complaint went in, the server directory's files —
//! the SQLite database and its journals, the keys, the configuration — hold none of them in
//! clear, every file is 0600 and the directory 0700. The purge empties a closed case, and a
//! key rotation keeps every value readable under the new key only.

mod common;
#[path = "contract/lab.rs"]
#[allow(dead_code, unused_imports, unused_macros)]
mod lab;

use lab::*;
use std::os::unix::fs::PermissionsExt;

/// Every byte of every file in `dir` and below, as text.
fn files_as_text(dir: &std::path::Path) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            all.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        } else if path.is_dir() {
            all.push_str(&files_as_text(&path));
        }
    }
    all
}

/// What must never be on a disk in clear: the made-up applicant's ID number, name, phone
/// and address, a booking's and a complaint's phone, a photo's and a complaint's words.
const SECRETS: &[&str] = &[
    township_core::sample::SAMPLE_ID,
    township_core::sample::SAMPLE_NAME,
    "13805740000",
    "13912340001",
    "13912340002",
    "渔港路18号",
    "PHOTO-MARKER-7731",
    "COMPLAINT-MARKER-4419",
];

const PHOTO: &[u8] = b"\xff\xd8 PHOTO-MARKER-7731 a household book page";

/// An application with a photo, a booking and a complaint, as kiosk A sends them: the
/// receipt number and the photo's upload id.
fn personal_data_in(lab: &Lab) -> (String, String) {
    let store = lab.store();
    let photo = PHOTO.to_vec();
    lab.run(async {
        let mut a = lab.kiosk("K-A").await;
        let (submission, key) = submit_one(&mut a).await;
        store_photo(&mut a, &key, "household-book", &photo).await;
        let from = Date::from_unix_china(township_central::store::now()).add_days(1);
        let slots: api::SlotsResponse =
            get_json(&mut a, &format!("/api/v1/appointments/slots?from={from}&days=7")).await;
        let slot = slots.slots.into_iter().find(|s| s.free > 0).unwrap();
        let booking = api::BookAppointment {
            idempotency_key: "b-1".into(),
            slot_id: slot.slot_id,
            item_code: "ID-003".into(),
            phone: "13912340001".into(),
        };
        assert_eq!(a.post("/api/v1/appointments", &booking).await.unwrap().status, 201);
        let complaint = api::SubmitComplaint {
            idempotency_key: "c-1".into(),
            phone: "13912340002".into(),
            topic: "wait".into(),
            text: "COMPLAINT-MARKER-4419 waited too long".into(),
        };
        assert_eq!(a.post("/api/v1/complaints", &complaint).await.unwrap().status, 201);
        let rows = store
            .tx(|sql| sql.query("SELECT upload_id FROM uploads WHERE stored = 1", &[]))
            .unwrap();
        (submission.receipt_no, rows[0].text("upload_id"))
    })
}

#[test]
fn nothing_personal_in_clear_in_postgresql_files_and_write_ahead_log() {
    let pg = common::Pg::start();
    let lab = Lab::start(Some(&pg.database("at_rest")));
    let (receipt, _) = personal_data_in(&lab);
    lab.store().tx(|sql| sql.exec_batch("CHECKPOINT")).unwrap();
    let on_disk = files_as_text(pg.data_dir());
    for secret in SECRETS {
        assert!(!on_disk.contains(secret), "{secret} is in PostgreSQL's files in clear");
    }
    assert!(on_disk.contains(&receipt), "the cluster's files were read");
}

#[test]
fn nothing_personal_in_clear_on_disk_and_a_purge_and_a_rotation_work() {
    let lab = Lab::start(None);
    let store = lab.store();
    let photo = PHOTO.to_vec();
    let (receipt, upload_id) = personal_data_in(&lab);
    let on_disk = files_as_text(&lab.srv);
    for secret in SECRETS {
        assert!(!on_disk.contains(secret), "{secret} is on the server's disk in clear");
    }
    assert!(on_disk.contains(&receipt), "the database was read");
    for entry in std::fs::read_dir(&lab.srv).unwrap() {
        let path = entry.unwrap().path();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
    assert_eq!(std::fs::metadata(&lab.srv).unwrap().permissions().mode() & 0o777, 0o700);

    // The back office still reads them (sealed, not lost).
    let cli = Operator::cli();
    assert_eq!(store.upload_bytes(&cli, &upload_id).unwrap(), photo);
    let complaints = store.complaints(&cli, 10).unwrap();
    assert_eq!(complaints[0].phone, "13912340002");

    // A key rotation: everything sealed again, readable with the new key alone.
    township_central::seal::add_key(&lab.srv).unwrap();
    let rotated = server::open_store(&lab.srv, None).unwrap();
    assert!(rotated.reseal(&cli).unwrap() >= 4);
    township_central::seal::drop_old_keys(&lab.srv).unwrap();
    let after = server::open_store(&lab.srv, None).unwrap();
    assert_eq!(after.upload_bytes(&cli, &upload_id).unwrap(), photo);
    assert_eq!(
        after.complaints(&cli, 10).unwrap()[0].text,
        "COMPLAINT-MARKER-4419 waited too long"
    );
    assert!(after.detail(&cli, &receipt).unwrap().applicant_masked.contains('*'));

    // The purge: nothing before the case is closed; once closed (and the days passed), the
    // body and the photos go, the numbers and states stay.
    assert_eq!(after.purge(&cli, 0).unwrap().applications, 0, "an open case is kept");
    after.review(&cli, &receipt, CaseStatus::Done, None).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let purged = after.purge(&cli, 0).unwrap();
    assert_eq!((purged.applications, purged.photos), (1, 1), "{purged:?}");
    assert!(after.upload_bytes(&cli, &upload_id).unwrap().is_empty());
    assert_eq!(after.status(&cli, &receipt).unwrap().status, CaseStatus::Done);
    assert_eq!(
        after.purge(&cli, 0).unwrap(),
        township_central::store::Purged::default(),
        "idempotent"
    );
}
