//! Storage: durability rules, encryption at rest, migrations, corruption handling.

use super::outbox::OutboxState;
use super::*;
use crate::app::sample::{person, today};
use crate::domain::application::{Application, Delivery, MaterialState, PaymentState};
use std::collections::BTreeMap;

const ID: &str = "123456198001010017";
const NAME: &str = "欧阳堃";
const PHONE: &str = "13912345678";
const PHOTO_MARK: &[u8] = b"JPEG-PHOTO-OF-HOUSEHOLD-BOOK-PAGE";

pub(crate) fn sample_application(uuid: &str) -> Application {
    Application {
        uuid: uuid.into(),
        item_code: "ID-003".into(),
        applicant: person(ID, NAME),
        agent: None,
        form: BTreeMap::from([
            ("phone".to_string(), PHONE.to_string()),
            ("replace-reason".to_string(), "lost".to_string()),
        ])
        .into(),
        materials: BTreeMap::from([
            (
                "household-book".to_string(),
                MaterialState::Captured {
                    photo: "household-book".into(),
                },
            ),
            (
                "loss-statement".to_string(),
                MaterialState::Promised {
                    deadline: today().add_days(14),
                    signature: None,
                },
            ),
        ]),
        delivery: Delivery::Express {
            recipient: NAME.into(),
            phone: PHONE.into(),
            address: "浙江省宁波市象山县石浦镇中山路1号".into(),
        },
        urgent: false,
        payment: PaymentState::Paid {
            fen: 4000,
            reference: "PAY-1".into(),
        },
        submitted_on: today(),
    }
}

fn photos() -> Vec<(String, Vec<u8>)> {
    vec![("household-book".to_string(), PHOTO_MARK.repeat(100))]
}

fn open(dir: &Path) -> Store {
    Store::open_in(dir).unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn submit_stores_everything_in_one_go_and_numbers_receipts_per_day() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let first = store
        .submit(&sample_application("a-1"), &photos(), "XS01", 100)
        .unwrap();
    let second = store.submit(&sample_application("a-2"), &[], "XS01", 101).unwrap();
    assert!(first.as_str().starts_with("XS01-261126-0001-"), "{first}");
    assert!(second.as_str().starts_with("XS01-261126-0002-"), "{second}");
    assert_eq!(store.load_application("a-1").unwrap(), sample_application("a-1"));
    assert_eq!(
        store.load_photo("a-1", "household-book").unwrap(),
        Some(PHOTO_MARK.repeat(100))
    );
    assert_eq!(store.load_photo("a-2", "household-book").unwrap(), None);
    let entries = store.outbox_list(None).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].applicant_masked, "123456********0017 欧*堃");
    assert_eq!(entries[0].state, OutboxState::Pending);
    // The same application twice is stored once (its UUID is the idempotency key): the
    // retry gets the receipt number already issued.
    let again = store.submit(&sample_application("a-1"), &[], "XS01", 102).unwrap();
    assert!(again.as_str().starts_with("XS01-261126-0001-"), "{again}");
    assert_eq!(store.outbox_list(None).unwrap().len(), 2);
    // Receipt sequence survives reopening.
    drop(store);
    let mut store = open(dir.path());
    let third = store.submit(&sample_application("a-3"), &[], "XS01", 103).unwrap();
    assert!(third.as_str().starts_with("XS01-261126-0003-"), "{third}");
}

#[test]
fn personal_data_is_encrypted_at_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store
        .submit(&sample_application("a-1"), &photos(), "XS01", 100)
        .unwrap();
    store.audit("technician", "outbox.export", "exported 1 row").unwrap();
    let mut bytes = std::fs::read(dir.path().join(DATABASE_FILE)).unwrap();
    bytes.extend(std::fs::read(dir.path().join(format!("{DATABASE_FILE}-wal"))).unwrap_or_default());
    assert!(
        contains(&bytes, "123456********0017".as_bytes()),
        "the masked form is stored in clear (sanity check of the grep)"
    );
    for secret in [
        ID.as_bytes(),
        NAME.as_bytes(),
        PHONE.as_bytes(),
        "中山路".as_bytes(),
        PHOTO_MARK,
    ] {
        assert!(
            !contains(&bytes, secret),
            "{} found in the database file",
            String::from_utf8_lossy(secret)
        );
    }
}

#[test]
fn a_sealed_value_moved_to_another_row_does_not_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store.submit(&sample_application("a-1"), &[], "XS01", 100).unwrap();
    store.submit(&sample_application("a-2"), &[], "XS01", 100).unwrap();
    store.conn().execute("UPDATE applications SET personal = (SELECT personal FROM applications WHERE uuid = 'a-1') WHERE uuid = 'a-2'", []).unwrap();
    assert!(matches!(store.load_application("a-2"), Err(StorageError::Crypto(_))));
}

#[test]
fn outbox_lifecycle() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store.submit(&sample_application("a-1"), &[], "XS01", 100).unwrap();
    store.submit(&sample_application("a-2"), &[], "XS01", 100).unwrap();
    assert!(store.outbox_claim_due(99).unwrap().is_none(), "not due yet");
    let first = store.outbox_claim_due(100).unwrap().unwrap();
    assert_eq!(
        (first.idempotency_key.as_str(), first.state, first.attempts),
        ("a-1", OutboxState::Sending, 1)
    );
    store
        .outbox_mark_retry(first.id, 101, 160, "connection refused")
        .unwrap();
    let second = store.outbox_claim_due(101).unwrap().unwrap();
    assert_eq!(second.idempotency_key, "a-2");
    store
        .outbox_mark_dead(second.id, 102, "HTTP 422: item unknown")
        .unwrap();
    assert!(store.outbox_claim_due(120).unwrap().is_none());
    let again = store.outbox_claim_due(160).unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (first.id, 2));
    // A crash while sending: the row goes back to pending at start-up.
    assert_eq!(store.outbox_recover_in_flight(170).unwrap(), 1);
    let again = store.outbox_claim_due(170).unwrap().unwrap();
    assert_eq!(again.attempts, 3);
    store.outbox_mark_sent(again.id, 171).unwrap();
    assert!(store.outbox_mark_sent(again.id, 172).is_err(), "sent twice");
    // A technician revives the dead letter.
    store.outbox_retry(second.id, 200).unwrap();
    assert_eq!(
        store.outbox_get(&second.id.to_string()).unwrap().state,
        OutboxState::Pending
    );
    assert_eq!(store.outbox_get("a-2").unwrap().id, second.id);
    let receipt = store.outbox_get("a-1").unwrap().receipt_no;
    assert_eq!(
        store.outbox_get(&receipt.to_lowercase()).unwrap().idempotency_key,
        "a-1"
    );
    assert!(matches!(store.outbox_get("nope"), Err(StorageError::NotFound(_))));
    assert!(store.outbox_retry(again.id, 1).is_err(), "a sent row is not resent");
    let counts = store.outbox_counts().unwrap();
    assert_eq!(counts, vec![(OutboxState::Pending, 1), (OutboxState::Sent, 1)]);
}

#[test]
fn delivered_applications_are_purged_after_retention() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store
        .submit(&sample_application("a-1"), &photos(), "XS01", 100)
        .unwrap();
    store
        .submit(&sample_application("a-2"), &photos(), "XS01", 100)
        .unwrap();
    store.set_retention_secs(1000);
    let entry = store.outbox_claim_due(100).unwrap().unwrap();
    store.outbox_mark_sent(entry.id, 100).unwrap();
    assert_eq!(store.purge_expired(1099).unwrap(), 0);
    assert_eq!(store.purge_expired(1100).unwrap(), 1);
    assert!(matches!(store.load_application("a-1"), Err(StorageError::NotFound(_))));
    assert_eq!(store.load_photo("a-1", "household-book").unwrap(), None);
    // Undelivered applications are kept whatever their age.
    assert!(store.load_application("a-2").is_ok());
    assert_eq!(store.outbox_list(None).unwrap().len(), 2, "masked rows stay");
}

#[test]
fn disk_full_stores_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store.submit(&sample_application("a-1"), &[], "XS01", 100).unwrap();
    let pages: i64 = store.conn().query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
    store
        .conn()
        .query_row(&format!("PRAGMA max_page_count = {}", pages + 1), [], |_| Ok(()))
        .unwrap();
    let big = vec![("household-book".to_string(), vec![7u8; 200_000])];
    let error = store.submit(&sample_application("a-2"), &big, "XS01", 101).unwrap_err();
    assert!(matches!(error, StorageError::DiskFull), "{error:?}");
    assert_eq!(error.message(), crate::domain::message::Message::SubmitDiskFull);
    assert_eq!(store.outbox_list(None).unwrap().len(), 1);
    // The receipt sequence did not advance either.
    store
        .conn()
        .query_row("PRAGMA max_page_count = 1073741823", [], |_| Ok(()))
        .unwrap();
    let next = store.submit(&sample_application("a-3"), &[], "XS01", 102).unwrap();
    assert!(next.as_str().starts_with("XS01-261126-0002-"), "{next}");
}

#[test]
fn upgrades_from_every_older_schema_keep_the_data() {
    for from in 0..migrations::LATEST {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DATABASE_FILE);
        {
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            migrations::migrate_to(&mut conn, from).unwrap();
            if from >= 1 {
                conn.execute(
                    "INSERT INTO applications (uuid, receipt_no, item_code, submitted_on, created_at, applicant_masked, personal) VALUES ('old', 'XS01-261125-0001-0', 'ID-001', '2026-11-25', 1, 'masked', NULL)",
                    [],
                )
                .unwrap();
                conn.execute("INSERT INTO outbox (application_id, idempotency_key, state, next_try_at, created_at, updated_at) VALUES (1, 'old', 'pending', 1, 1, 1)", []).unwrap();
                conn.execute("INSERT INTO receipt_sequence VALUES ('XS01', '2026-11-26', 41)", [])
                    .unwrap();
            }
            if from >= 2 {
                // Delivered under the old, non-atomic mark-sent: no purge date.
                conn.execute(
                    "INSERT INTO applications (uuid, receipt_no, item_code, submitted_on, created_at, applicant_masked, personal) VALUES ('gone', 'XS01-261125-0002-0', 'ID-001', '2026-11-25', 1, 'masked', NULL)",
                    [],
                )
                .unwrap();
                conn.execute("INSERT INTO outbox (application_id, idempotency_key, state, next_try_at, created_at, updated_at) VALUES (2, 'gone', 'sent', 1, 1, 50)", []).unwrap();
            }
            if from >= 3 {
                // Two entries of the old plain SHA-256 chain.
                let a = audit::tests::plain_hash_for_tests(&"0".repeat(64), 10, "t", "old", "one");
                let b = audit::tests::plain_hash_for_tests(&a, 11, "t", "old", "two");
                conn.execute(
                    "INSERT INTO audit_log (at, actor, action, detail, prev_hash, hash) VALUES (10, 't', 'old', 'one', ?1, ?2), (11, 't', 'old', 'two', ?2, ?3)",
                    rusqlite::params!["0".repeat(64), a, b],
                )
                .unwrap();
            }
        }
        let key = FieldCipher::from_key(&[1; 32]);
        let mut store = Store::open(&path, key).unwrap();
        assert_eq!(store.schema_version().unwrap(), migrations::LATEST, "from v{from}");
        assert_eq!(store.report.migrated_from, if from == 0 { None } else { Some(from) });
        let number = store.submit(&sample_application("new"), &photos(), "XS01", 5).unwrap();
        store.print_intent(number.as_str(), 6).unwrap();
        store.audit("t", "a", "d").unwrap();
        assert_eq!(store.audit_verify().unwrap(), None, "from v{from}");
        let actions: Vec<String> = store.audit_entries().unwrap().into_iter().map(|e| e.action).collect();
        if from >= 3 {
            assert_eq!(actions, ["old", "old", "audit.chain-upgraded", "a"], "from v{from}");
        } else {
            assert_eq!(actions, ["a"], "from v{from}");
        }
        // v4 gave delivered rows without one a purge date; later databases never lack it.
        if (2..4).contains(&from) {
            let purge_after: Option<i64> = store
                .conn()
                .query_row("SELECT purge_after FROM applications WHERE uuid = 'gone'", [], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(purge_after, Some(50 + DEFAULT_RETENTION_SECS), "from v{from}");
        }
        let list: Vec<_> = store
            .outbox_list(None)
            .unwrap()
            .into_iter()
            .filter(|e| e.idempotency_key != "gone")
            .collect();
        if from >= 1 {
            assert_eq!(list.len(), 2, "from v{from}");
            assert_eq!(list[0].idempotency_key, "old");
            assert!(
                number.as_str().starts_with("XS01-261126-0042-"),
                "sequence kept from v{from}: {number}"
            );
        } else {
            assert_eq!(list.len(), 1);
        }
    }
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DATABASE_FILE);
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let error = Store::open(&path, FieldCipher::from_key(&[1; 32])).err().unwrap();
    assert!(matches!(error, StorageError::TooNew { found: 99, .. }), "{error:?}");
}

#[test]
fn a_corrupt_database_is_moved_aside_with_an_alarm_never_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DATABASE_FILE);
    let garbage = b"this is not an SQLite database, but somebody's data all the same".repeat(100);
    std::fs::write(&path, &garbage).unwrap();
    let mut store = open(dir.path());
    let aside = store.report.moved_aside.clone().expect("moved aside");
    assert_eq!(std::fs::read(&aside).unwrap(), garbage);
    assert!(aside
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("kiosk.db.corrupt-"));
    let audit = store.audit_entries().unwrap();
    assert_eq!(audit.last().unwrap().action, "storage.moved-aside");
    store.submit(&sample_application("a-1"), &[], "XS01", 1).unwrap();
}

#[test]
fn a_database_damaged_inside_is_detected_and_salvage_reads_what_it_can() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), 50, true);
    // Scribble over the b-tree pages after the header page.
    scribble_pages(&dir.path().join(DATABASE_FILE), 2..7);
    let mut store = open(dir.path());
    let aside = store.report.moved_aside.clone().expect("moved aside");
    let report = store.salvage_from(&aside, 10).unwrap();
    assert_eq!((report.requeued.len(), report.unreadable), (0, 50), "{report:?}");
    let fresh = store.submit(&sample_application("new"), &[], "XS01", 11).unwrap();
    assert!(fresh.as_str().starts_with("XS01-261126-0051-"), "{fresh}");
    // A file that is no database at all, and the live database, are refused clearly.
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, b"not a database".repeat(500)).unwrap();
    assert!(store
        .salvage_from(&garbage, 12)
        .unwrap_err()
        .to_string()
        .contains("cannot be read"));
    let live = dir.path().join(DATABASE_FILE);
    assert!(store
        .salvage_from(&live, 12)
        .unwrap_err()
        .to_string()
        .contains("in use"));
    assert!(matches!(
        store.salvage_from(&dir.path().join("nope"), 12),
        Err(StorageError::NotFound(_))
    ));
}

/// A store in `dir` with `n` applications (`a-0`…), checkpointed; their receipt numbers.
fn fill(dir: &Path, n: usize, with_photos: bool) -> Vec<String> {
    let mut store = open(dir);
    let photos = if with_photos { photos() } else { Vec::new() };
    let numbers = (0..n)
        .map(|i| {
            store
                .submit(&sample_application(&format!("a-{i}")), &photos, "XS01", 1)
                .unwrap()
                .as_str()
                .to_string()
        })
        .collect();
    store.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    numbers
}

#[test]
fn audit_chain_detects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store
        .audit("technician:1", "read-card.reveal", "card 123456********0017")
        .unwrap();
    store.audit("technician:1", "outbox.retry", "row 3").unwrap();
    store.audit("system", "start", "v0.1").unwrap();
    assert_eq!(store.audit_verify().unwrap(), None);
    store
        .conn()
        .execute("UPDATE audit_log SET detail = 'row 4' WHERE id = 2", [])
        .unwrap();
    assert_eq!(store.audit_verify().unwrap(), Some(2));
}

#[test]
fn print_intents_make_the_reprint_queue() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let a = store.print_intent("R-A", 1).unwrap();
    store.print_outcome(a, true, "ok", 2).unwrap();
    let b = store.print_intent("R-B", 3).unwrap();
    store.print_outcome(b, false, "paper out", 4).unwrap();
    let _crashed = store.print_intent("R-C", 5).unwrap();
    let queue: Vec<String> = store
        .reprint_queue()
        .unwrap()
        .into_iter()
        .map(|j| j.receipt_no)
        .collect();
    assert_eq!(queue, vec!["R-B", "R-C"]);
    let b2 = store.print_intent("R-B", 6).unwrap();
    store.print_outcome(b2, true, "reprinted", 7).unwrap();
    assert!(
        store.print_outcome(b2, true, "again", 8).is_err(),
        "an outcome is recorded once"
    );
    let queue: Vec<String> = store
        .reprint_queue()
        .unwrap()
        .into_iter()
        .map(|j| j.receipt_no)
        .collect();
    assert_eq!(queue, vec!["R-C"]);
}

#[test]
fn submitting_the_same_application_twice_stores_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let application = sample_application("same-uuid");
    let first = store.submit(&application, &photos(), "XS01", 1).unwrap();
    let again = store.submit(&application, &photos(), "XS01", 2).unwrap();
    assert_eq!(first, again, "the retry gets the receipt number already issued");
    assert_eq!(store.outbox_list(None).unwrap().len(), 1);
    let next = store.submit(&sample_application("other-uuid"), &[], "XS01", 3).unwrap();
    assert_ne!(next, first, "a new application still gets a new number");
}

// ---- Point 2: the data key is never silently replaced. ----

fn root_page(store: &mut Store, name: &str) -> usize {
    store
        .conn()
        .query_row("SELECT rootpage FROM sqlite_schema WHERE name = ?1", [name], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap() as usize
}

fn scribble_pages(path: &Path, pages: std::ops::Range<usize>) {
    let mut bytes = std::fs::read(path).unwrap();
    for b in bytes[(pages.start - 1) * 4096..(pages.end - 1) * 4096].iter_mut() {
        *b = 0x5A;
    }
    std::fs::write(path, &bytes).unwrap();
}

mod keys_and_recovery;
