//! The store's keys and files, damaged and reset databases and their salvage, purges and the audit chain.

use super::*;

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_missing_or_empty_key_is_refused_while_data_is_sealed() {
    let dir = tempfile::tempdir().unwrap();
    open(dir.path())
        .submit(&sample_application("a-1"), &[], "XS01", 1)
        .unwrap();
    let key = dir.path().join(KEY_FILE);
    let saved = std::fs::read(&key).unwrap();
    for broken in [None, Some(Vec::new())] {
        let _ = std::fs::remove_file(&key);
        if let Some(bytes) = &broken {
            std::fs::write(&key, bytes).unwrap();
        }
        let error = Store::open_in(dir.path()).err().expect("refused");
        assert!(matches!(error, StorageError::KeyMissing { .. }), "{error:?}");
        let message = error.to_string();
        assert!(
            message.contains(&key.display().to_string()) && message.contains("restore") && message.contains("aside"),
            "{message}"
        );
        // Nothing was replaced: no new key, the queued application is untouched.
        assert_eq!(std::fs::read(&key).ok(), broken);
    }
    std::fs::write(&key, &saved).unwrap();
    // (Written back by hand, as a technician restoring it would, then made private.)
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(open(dir.path()).load_application("a-1").is_ok());
}

#[test]
fn a_different_key_is_refused_even_before_anything_is_sealed() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    let key = dir.path().join(KEY_FILE);
    std::fs::write(&key, [9u8; 32]).unwrap();
    let error = Store::open_in(dir.path()).err().expect("refused");
    assert!(matches!(error, StorageError::KeyMismatch { .. }), "{error:?}");
    assert!(error.to_string().contains(&key.display().to_string()), "{error}");
}

#[test]
fn an_older_database_is_checked_against_a_sealed_row_then_gets_a_check_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DATABASE_FILE);
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        migrations::migrate_to(&mut conn, 3).unwrap();
        let sealed = FieldCipher::from_key(&[1; 32])
            .seal(&outbox::personal_context("old"), b"{}")
            .unwrap();
        conn.execute(
            "INSERT INTO applications (uuid, receipt_no, item_code, submitted_on, created_at, applicant_masked, personal) VALUES ('old', 'XS01-261125-0001-0', 'ID-001', '2026-11-25', 1, 'masked', ?1)",
            [sealed],
        )
        .unwrap();
    }
    let wrong = Store::open(&path, FieldCipher::from_key(&[2; 32])).err().unwrap();
    assert!(matches!(wrong, StorageError::KeyMismatch { .. }), "{wrong:?}");
    let store = Store::open(&path, FieldCipher::from_key(&[1; 32])).unwrap();
    assert_eq!(store.report.key_check, KeyCheck::VerifiedAgainstData);
    drop(store);
    let store = Store::open(&path, FieldCipher::from_key(&[1; 32])).unwrap();
    assert_eq!(store.report.key_check, KeyCheck::Verified);
}

#[test]
fn state_dir_is_0700_and_database_and_key_0600() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir(&state).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut store = open(&state);
    store.submit(&sample_application("a-1"), &[], "XS01", 1).unwrap();
    assert_eq!(mode(&state), 0o700);
    for file in [DATABASE_FILE, KEY_FILE, "kiosk.db-wal", highwater::HIGHWATER_FILE] {
        assert_eq!(mode(&state.join(file)), 0o600, "{file}");
    }
}

#[test]
fn an_established_store_is_required_for_audited_actions() {
    let dir = tempfile::tempdir().unwrap();
    let error = Store::open_established(dir.path()).err().unwrap();
    assert!(matches!(error, StorageError::NotEstablished { .. }), "{error:?}");
    assert!(!dir.path().join(DATABASE_FILE).exists() && !dir.path().join(KEY_FILE).exists());
    drop(open(dir.path()));
    assert!(Store::open_established(dir.path()).is_ok());
    // An empty database and no key: still not established, and no key is made.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join(DATABASE_FILE), b"").unwrap();
    let error = Store::open_established(other.path()).err().unwrap();
    assert!(matches!(error, StorageError::NotEstablished { .. }), "{error:?}");
    assert!(!other.path().join(KEY_FILE).exists());
    // The kiosk's store without its key says so.
    std::fs::remove_file(dir.path().join(KEY_FILE)).unwrap();
    let error = Store::open_established(dir.path()).err().unwrap();
    assert!(matches!(error, StorageError::KeyMissing { .. }), "{error:?}");
}

// ---- Point 3: a corrupt database loses nothing and reissues no receipt number. ----

#[test]
fn receipt_numbers_survive_a_database_reset_and_salvage_requeues_the_unsent_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut issued = std::collections::BTreeSet::new();
    let index_page;
    {
        let mut store = open(dir.path());
        for i in 0..6 {
            let n = store
                .submit(&sample_application(&format!("a-{i}")), &photos(), "XS01", 1)
                .unwrap();
            issued.insert(n.as_str().to_string());
        }
        let sent = store.outbox_claim_due(1).unwrap().unwrap();
        store.outbox_mark_sent(sent.id, 2).unwrap();
        let dead = store.outbox_claim_due(1).unwrap().unwrap();
        store.outbox_mark_dead(dead.id, 2, "422").unwrap();
        store.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        index_page = root_page(&mut store, "outbox_due");
    }
    // Scribble over a page of the database: the next start moves it aside.
    scribble_pages(&dir.path().join(DATABASE_FILE), index_page..index_page + 1);
    let mut store = open(dir.path());
    let aside = store.report.moved_aside.clone().expect("moved aside");
    let fresh = store.submit(&sample_application("new-1"), &[], "XS01", 3).unwrap();
    assert!(!issued.contains(fresh.as_str()), "{fresh} was issued before the reset");
    assert!(fresh.as_str().starts_with("XS01-261126-0007-"), "{fresh}");

    let report = store.salvage_from(&aside, 10).unwrap();
    let mut requeued: Vec<&str> = report.requeued.iter().map(|r| r.receipt_no.as_str()).collect();
    requeued.sort();
    assert_eq!(requeued.len(), 5, "{report:?}");
    assert!(
        requeued.iter().all(|r| issued.contains(*r)),
        "original receipt numbers kept"
    );
    assert_eq!((report.delivered, report.unreadable), (1, 0), "{report:?}");
    assert_eq!(
        report.requeued.iter().filter(|r| r.state == OutboxState::Dead).count(),
        1,
        "a refused application stays a dead letter for the technician"
    );
    assert_eq!(store.load_application("a-2").unwrap(), sample_application("a-2"));
    assert_eq!(
        store.load_photo("a-2", "household-book").unwrap(),
        Some(PHOTO_MARK.repeat(100))
    );
    // Once: a second salvage adds nothing.
    let again = store.salvage_from(&aside, 11).unwrap();
    assert_eq!((again.requeued.len(), again.already_queued), (0, 5), "{again:?}");
    assert_eq!(store.outbox_list(None).unwrap().len(), 6);
    let next = store.submit(&sample_application("new-2"), &[], "XS01", 12).unwrap();
    assert!(next.as_str().starts_with("XS01-261126-0008-"), "{next}");
    let actions: Vec<String> = store.audit_entries().unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["storage.moved-aside", "storage.salvage", "storage.salvage"]);
    // The moved-aside file was only read.
    assert!(aside.exists());
}

#[test]
fn salvage_reads_row_by_row_around_a_damaged_page() {
    let dir = tempfile::tempdir().unwrap();
    let receipt = fill(dir.path(), 60, false)[30].clone();
    // The table page that holds application a-30 (its uuid next to its masked applicant;
    // index pages hold the uuid or the receipt number, not the masked name).
    let path = dir.path().join(DATABASE_FILE);
    let bytes = std::fs::read(&path).unwrap();
    let page = bytes
        .chunks(4096)
        .position(|p| contains(p, receipt.as_bytes()) && contains(p, "欧*堃".as_bytes()))
        .expect("table page")
        + 1;
    scribble_pages(&path, page..page + 1);
    let mut store = open(dir.path());
    let aside = store.report.moved_aside.clone().expect("moved aside");
    let report = store.salvage_from(&aside, 10).unwrap();
    let (requeued, unreadable) = (report.requeued.len(), report.unreadable as usize);
    assert!(
        requeued > 30 && unreadable > 0 && requeued + unreadable == 60,
        "{report:?}"
    );
    assert!(report.requeued.iter().all(|r| r.receipt_no != receipt));
}

#[test]
fn salvage_refuses_a_database_sealed_with_another_key() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.db");
    {
        let mut store = Store::open(&other, FieldCipher::from_key(&[3; 32])).unwrap();
        store.submit(&sample_application("x"), &[], "XS01", 1).unwrap();
    }
    let mut store = open(&dir.path().join("state"));
    let error = store.salvage_from(&other, 2).unwrap_err();
    assert!(matches!(error, StorageError::KeyMismatch { .. }), "{error:?}");
    assert!(store.outbox_list(None).unwrap().is_empty());
}

// ---- Point 4: retention is guaranteed. ----

/// Makes every update of `applications.<column>` fail (a temporary trigger `block_<column>`).
fn block_updates_of(store: &mut Store, column: &str, message: &str) {
    store
        .conn()
        .execute_batch(&format!(
            "CREATE TEMP TRIGGER block_{column} BEFORE UPDATE OF {column} ON applications
             BEGIN SELECT RAISE(ABORT, '{message}'); END;"
        ))
        .unwrap();
}

#[test]
fn marking_sent_and_the_purge_date_are_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store.submit(&sample_application("a-1"), &[], "XS01", 1).unwrap();
    let entry = store.outbox_claim_due(1).unwrap().unwrap();
    block_updates_of(&mut store, "purge_after", "disk trouble");
    assert!(store.outbox_mark_sent(entry.id, 2).is_err());
    assert_eq!(
        store.outbox_get("a-1").unwrap().state,
        OutboxState::Sending,
        "not sent without a purge date"
    );
    store.conn().execute_batch("DROP TRIGGER block_purge_after").unwrap();
    store.outbox_mark_sent(entry.id, 3).unwrap();
    let purge_after: Option<i64> = store
        .conn()
        .query_row("SELECT purge_after FROM applications WHERE uuid = 'a-1'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(purge_after, Some(3 + DEFAULT_RETENTION_SECS));
}

#[test]
fn dead_letters_are_purged_after_the_same_retention_unless_retried() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store.set_retention_secs(1000);
    store.submit(&sample_application("a-1"), &photos(), "XS01", 1).unwrap();
    store.submit(&sample_application("a-2"), &photos(), "XS01", 1).unwrap();
    let first = store.outbox_claim_due(1).unwrap().unwrap();
    store.outbox_mark_dead(first.id, 100, "422").unwrap();
    let second = store.outbox_claim_due(1).unwrap().unwrap();
    store.outbox_mark_dead(second.id, 100, "422").unwrap();
    // A technician retries one: it is no longer due for purging.
    store.outbox_retry(second.id, 200).unwrap();
    assert_eq!(store.purge_expired(1099).unwrap(), 0);
    assert_eq!(store.purge_expired(1100).unwrap(), 1);
    assert!(matches!(store.load_application("a-1"), Err(StorageError::NotFound(_))));
    assert_eq!(store.load_photo("a-1", "household-book").unwrap(), None);
    assert!(store.load_application("a-2").is_ok());
}

#[test]
fn secure_delete_is_on_and_purged_data_leaves_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    let on: i64 = store
        .conn()
        .query_row("PRAGMA secure_delete", [], |r| r.get(0))
        .unwrap();
    assert_eq!(on, 1);
    store.set_retention_secs(0);
    store.submit(&sample_application("a-1"), &photos(), "XS01", 1).unwrap();
    let sealed: Vec<u8> = store
        .conn()
        .query_row("SELECT personal FROM applications", [], |r| r.get(0))
        .unwrap();
    let entry = store.outbox_claim_due(1).unwrap().unwrap();
    store.outbox_mark_sent(entry.id, 2).unwrap();
    assert_eq!(store.purge_and_record(2).unwrap(), 1);
    let mut bytes = std::fs::read(dir.path().join(DATABASE_FILE)).unwrap();
    bytes.extend(std::fs::read(dir.path().join("kiosk.db-wal")).unwrap_or_default());
    assert!(!contains(&bytes, &sealed[..48]), "purged ciphertext still in the files");
    let run = store.last_maintenance(outbox::PURGE_TASK).unwrap().unwrap();
    assert_eq!((run.ok, run.count, run.error), (true, Some(1), None));
}

#[test]
fn a_failed_purge_is_recorded_not_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    store.set_retention_secs(0);
    store.submit(&sample_application("a-1"), &[], "XS01", 1).unwrap();
    let entry = store.outbox_claim_due(1).unwrap().unwrap();
    store.outbox_mark_sent(entry.id, 2).unwrap();
    block_updates_of(&mut store, "personal", "purge blocked");
    assert!(store.purge_and_record(5).is_err());
    let run = store.last_maintenance(outbox::PURGE_TASK).unwrap().unwrap();
    assert_eq!((run.at, run.ok), (5, false));
    assert!(run.error.unwrap().contains("purge blocked"));
    assert!(store.load_application("a-1").is_ok(), "nothing half-purged");
}

// ---- Point 6: an audit chain you can trust. ----

#[test]
fn the_audit_chain_is_keyed_and_anchored() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    for i in 0..4 {
        store
            .audit("technician:cli", "outbox.retry", &format!("row {i}"))
            .unwrap();
    }
    assert_eq!(store.audit_verify().unwrap(), None);
    let verdict = store.audit_verdict().unwrap();
    assert_eq!((verdict.entries, verdict.head.as_ref().map(|h| h.0)), (4, Some(4)));
    let snapshot = |store: &mut Store| -> Vec<(i64, String, String)> {
        let mut stmt = store
            .conn()
            .prepare("SELECT id, detail, hash FROM audit_log ORDER BY id")
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        rows
    };
    let original = snapshot(&mut store);
    // Someone edits entry 2 and recomputes every hash with the plain SHA-256 rule, as
    // they could have with the old chain: without the key, it does not verify.
    store
        .conn()
        .execute("UPDATE audit_log SET detail = 'row 9' WHERE id = 2", [])
        .unwrap();
    let mut prev = "0".repeat(64);
    for (id, detail, _) in snapshot(&mut store) {
        let hash = audit::tests::plain_hash_for_tests(&prev, 0, "technician:cli", "outbox.retry", &detail);
        store
            .conn()
            .execute(
                "UPDATE audit_log SET at = 0, prev_hash = ?2, hash = ?3, scheme = 1 WHERE id = ?1",
                rusqlite::params![id, prev, hash],
            )
            .unwrap();
        prev = hash;
    }
    assert_eq!(
        store.audit_verify().unwrap(),
        Some(4),
        "a chain turned plain is refused"
    );
    // Dropping the first entry breaks the anchor; renumbering breaks the MAC.
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    for i in 0..3 {
        store.audit("system", "x", &format!("{i}")).unwrap();
    }
    store.conn().execute("DELETE FROM audit_log WHERE id = 1", []).unwrap();
    assert_eq!(store.audit_verify().unwrap(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(dir.path());
    for i in 0..3 {
        store.audit("system", "x", &format!("{i}")).unwrap();
    }
    store
        .conn()
        .execute("UPDATE audit_log SET id = 10 WHERE id = 3", [])
        .unwrap();
    assert_eq!(store.audit_verify().unwrap(), Some(10));
    assert_eq!(original.len(), 4);
}
