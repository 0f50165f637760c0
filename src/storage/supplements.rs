//! 补交材料 in the store: the photos a citizen brings later for an application, queued for
//! the central system like applications are. A supplement names the receipt number it
//! answers; its photos are sealed (their own context: the supplement's key and the material)
//! and erased one by one as the server stores them. The queue survives restarts and
//! outages: a supplement is claimed, sent in steps (the supplement, then each photo in
//! chunks with the confirmed offset recorded), and marked sent, retried later or dead.

use super::delivery::MaterialUpload;
use super::retry_queue::SUPPLEMENTS;
use super::{StorageError, Store};
use rusqlite::{params, OptionalExtension, TransactionBehavior};

/// A queued supplement, as the sender and `kiosk outbox` see it (no personal data: the
/// receipt number and the material codes only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplementEntry {
    pub id: i64,
    pub idempotency_key: String,
    pub receipt_no: String,
    /// `pending`, `sending`, `sent` or `dead`.
    pub state: String,
    pub attempts: u32,
    /// The application's key at the central system, once it accepted the supplement.
    pub app_key: Option<String>,
    pub last_error: Option<String>,
}

fn photo_context(key: &str, code: &str) -> String {
    format!("supplement-photo:{key}:{code}")
}

fn proof_context(key: &str) -> String {
    format!("supplement-proof:{key}")
}

const ENTRY_SELECT: &str =
    "SELECT id, idempotency_key, receipt_no, state, attempts, app_key, last_error FROM supplements";

fn entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SupplementEntry> {
    Ok(SupplementEntry {
        id: row.get(0)?,
        idempotency_key: row.get(1)?,
        receipt_no: row.get(2)?,
        state: row.get(3)?,
        attempts: row.get::<_, i64>(4)?.clamp(0, i64::from(u32::MAX)) as u32,
        app_key: row.get(5)?,
        last_error: row.get(6)?,
    })
}

impl Store {
    /// Queues the photos (JPEG by material code) for the application with this receipt
    /// number, with the citizen's proof (sealed), in one transaction; returns the
    /// supplement's idempotency key.
    pub fn supplement_enqueue(
        &mut self,
        receipt_no: &str,
        proof: &crate::central_api::SupplementProof,
        photos: &[(String, Vec<u8>)],
        now: i64,
    ) -> Result<String, StorageError> {
        let key = format!("supp-{}", uuid::Uuid::new_v4());
        let proof_json = serde_json::to_vec(proof).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        let sealed_proof = self.cipher().seal(&proof_context(&key), &proof_json)?;
        let mut sealed = Vec::new();
        for (code, bytes) in photos {
            sealed.push((
                code,
                bytes.len() as i64,
                self.cipher().seal(&photo_context(&key, code), bytes)?,
            ));
        }
        let tx = self.conn().transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO supplements (idempotency_key, receipt_no, state, next_try_at, created_at, updated_at, proof)
             VALUES (?1, ?2, 'pending', ?3, ?3, ?3, ?4)",
            params![key, receipt_no, now, sealed_proof],
        )?;
        let id = tx.last_insert_rowid();
        for (code, bytes, photo) in sealed {
            tx.execute(
                "INSERT INTO supplement_photos (supplement_id, code, photo, bytes) VALUES (?1, ?2, ?3, ?4)",
                params![id, code, photo, bytes],
            )?;
        }
        tx.commit().map_err(StorageError::from_sqlite)?;
        Ok(key)
    }

    /// Every supplement, oldest first.
    pub fn supplement_list(&mut self) -> Result<Vec<SupplementEntry>, StorageError> {
        let mut stmt = self.conn().prepare(&format!("{ENTRY_SELECT} ORDER BY id"))?;
        let rows = stmt
            .query_map([], entry_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Supplements per state (`pending`, `sending`, `sent`, `dead`).
    pub fn supplement_counts(&mut self) -> Result<Vec<(String, u64)>, StorageError> {
        Ok(SUPPLEMENTS.counts(self.conn())?)
    }

    /// Supplements not yet delivered (waiting, being sent or refused).
    pub fn supplements_unsent(&mut self) -> Result<u64, StorageError> {
        Ok(self
            .supplement_counts()?
            .into_iter()
            .filter(|(state, _)| state != "sent")
            .map(|(_, n)| n)
            .sum())
    }

    /// The next due supplement, marked as being sent.
    pub fn supplement_claim_due(&mut self, now: i64) -> Result<Option<SupplementEntry>, StorageError> {
        let tx = self.conn().transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(id) = SUPPLEMENTS.claim_due(&tx, now)? else {
            return Ok(None);
        };
        let entry = tx.query_row(&format!("{ENTRY_SELECT} WHERE id = ?1"), [id], entry_from_row)?;
        tx.commit().map_err(StorageError::from_sqlite)?;
        Ok(Some(entry))
    }

    /// A supplement left `sending` by a crash or a failed step is due again.
    pub fn supplement_recover_in_flight(&mut self, now: i64) -> Result<usize, StorageError> {
        SUPPLEMENTS
            .recover_in_flight(self.conn(), now)
            .map_err(StorageError::from_sqlite)
    }

    /// Every waiting supplement becomes due now (a technician's drain does not wait).
    pub fn supplement_make_due(&mut self, now: i64) -> Result<usize, StorageError> {
        SUPPLEMENTS
            .make_due(self.conn(), now)
            .map_err(StorageError::from_sqlite)
    }

    /// The photos of supplement `id`, with their upload progress.
    pub fn supplement_uploads(&mut self, id: i64) -> Result<Vec<MaterialUpload>, StorageError> {
        let mut stmt = self.conn().prepare(
            "SELECT code, upload_id, uploaded, stored_at IS NOT NULL, photo IS NOT NULL
             FROM supplement_photos WHERE supplement_id = ?1 ORDER BY code",
        )?;
        let rows = stmt
            .query_map([id], MaterialUpload::from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The materials of supplement `id` as the central system's manifest wants them: code
    /// and size (a photo already erased keeps its recorded size).
    pub fn supplement_manifest(&mut self, id: i64) -> Result<Vec<(String, u64)>, StorageError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT code, bytes FROM supplement_photos WHERE supplement_id = ?1 ORDER BY code")?;
        let rows = stmt
            .query_map([id], |row| Ok((row.get(0)?, row.get::<_, i64>(1)?.max(0) as u64)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The decrypted photo of one material of a supplement (None once stored and erased).
    pub fn supplement_photo(&mut self, entry: &SupplementEntry, code: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let sealed: Option<Vec<u8>> = self
            .conn()
            .query_row(
                "SELECT photo FROM supplement_photos WHERE supplement_id = ?1 AND code = ?2",
                params![entry.id, code],
                |row| row.get(0),
            )
            .optional()?
            .flatten();
        sealed
            .map(|s| {
                self.cipher()
                    .open(&photo_context(&entry.idempotency_key, code), &s)
                    .map_err(StorageError::from)
            })
            .transpose()
    }

    /// The citizen's proof of a supplement not yet accepted (None once wiped).
    pub fn supplement_proof(
        &mut self,
        entry: &SupplementEntry,
    ) -> Result<Option<crate::central_api::SupplementProof>, StorageError> {
        let sealed: Option<Vec<u8>> = self
            .conn()
            .query_row("SELECT proof FROM supplements WHERE id = ?1", [entry.id], |row| {
                row.get(0)
            })
            .optional()?
            .flatten();
        let Some(sealed) = sealed else { return Ok(None) };
        let json = self.cipher().open(&proof_context(&entry.idempotency_key), &sealed)?;
        serde_json::from_slice(&json)
            .map(Some)
            .map_err(|e| StorageError::Corrupt(e.to_string()))
    }

    /// The central system accepted the supplement: the upload owner for its photos
    /// (`supplement:{id}`). The proof has done its work and is wiped.
    pub fn supplement_record_app_key(&mut self, id: i64, app_key: &str) -> Result<(), StorageError> {
        self.conn()
            .execute(
                "UPDATE supplements SET app_key = ?2, proof = NULL WHERE id = ?1",
                params![id, app_key],
            )
            .map_err(StorageError::from_sqlite)?;
        Ok(())
    }

    pub fn supplement_upload_progress(
        &mut self,
        id: i64,
        code: &str,
        upload_id: &str,
        uploaded: u64,
    ) -> Result<(), StorageError> {
        self.conn()
            .execute(
                "UPDATE supplement_photos SET upload_id = ?3, uploaded = ?4 WHERE supplement_id = ?1 AND code = ?2",
                params![id, code, upload_id, uploaded as i64],
            )
            .map_err(StorageError::from_sqlite)?;
        Ok(())
    }

    /// The server stored the photo: mark it and erase the local copy.
    pub fn supplement_photo_stored(&mut self, id: i64, code: &str, now: i64) -> Result<(), StorageError> {
        self.conn()
            .execute(
                "UPDATE supplement_photos SET stored_at = ?3, photo = NULL WHERE supplement_id = ?1 AND code = ?2",
                params![id, code, now],
            )
            .map_err(StorageError::from_sqlite)?;
        Ok(())
    }

    /// Ends a sending attempt: `sent`, `pending` again at `next_try_at`, or `dead` (whose
    /// photos are erased: a refused supplement is brought to the window instead).
    pub fn supplement_finish(
        &mut self,
        id: i64,
        state: &str,
        now: i64,
        next_try_at: i64,
        error: Option<&str>,
    ) -> Result<(), StorageError> {
        let tx = self.conn().transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE supplements SET state = ?2, next_try_at = ?3, last_error = ?4, updated_at = ?5 WHERE id = ?1",
            params![id, state, next_try_at, error, now],
        )?;
        if state == "dead" {
            tx.execute(
                "UPDATE supplement_photos SET photo = NULL WHERE supplement_id = ?1",
                [id],
            )?;
            tx.execute("UPDATE supplements SET proof = NULL WHERE id = ?1", [id])?;
        }
        tx.commit().map_err(StorageError::from_sqlite)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proof() -> crate::central_api::SupplementProof {
        crate::central_api::SupplementProof::Token {
            token: "XYZZY-0452-a-token-kept-sealed".into(),
        }
    }

    #[test]
    fn a_supplement_is_queued_sealed_claimed_once_and_its_photos_erased_as_stored() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_in(dir.path()).unwrap();
        let photo = b"\xff\xd8 a supplement photo with a distinctive marker XYZZY-0451".to_vec();
        let key = store
            .supplement_enqueue(
                "DEV1-261126-0001-7",
                &proof(),
                &[("household-book".into(), photo.clone())],
                100,
            )
            .unwrap();
        let mut raw = std::fs::read(dir.path().join(super::super::DATABASE_FILE)).unwrap();
        raw.extend(std::fs::read(dir.path().join("kiosk.db-wal")).unwrap_or_default());
        assert!(!raw.windows(10).any(|w| w == b"XYZZY-0451"), "sealed at rest");
        assert!(
            !raw.windows(10).any(|w| w == b"XYZZY-0452"),
            "the proof is sealed at rest"
        );
        assert!(
            store.supplement_claim_due(99).unwrap().is_none(),
            "not due before it was made"
        );
        let entry = store.supplement_claim_due(100).unwrap().unwrap();
        assert_eq!(
            (entry.idempotency_key.as_str(), entry.state.as_str(), entry.attempts),
            (key.as_str(), "sending", 1)
        );
        assert!(store.supplement_claim_due(100).unwrap().is_none(), "claimed once");
        assert_eq!(
            store.supplement_photo(&entry, "household-book").unwrap(),
            Some(photo.clone())
        );
        assert_eq!(
            store.supplement_manifest(entry.id).unwrap(),
            vec![("household-book".to_string(), photo.len() as u64)]
        );
        store.supplement_record_app_key(entry.id, "app-key-1").unwrap();
        store
            .supplement_upload_progress(entry.id, "household-book", "U1", 10)
            .unwrap();
        let uploads = store.supplement_uploads(entry.id).unwrap();
        assert_eq!(
            (uploads[0].upload_id.as_deref(), uploads[0].uploaded, uploads[0].stored),
            (Some("U1"), 10, false)
        );
        store.supplement_photo_stored(entry.id, "household-book", 120).unwrap();
        assert_eq!(
            store.supplement_photo(&entry, "household-book").unwrap(),
            None,
            "erased once stored"
        );
        assert_eq!(
            store.supplement_manifest(entry.id).unwrap()[0].1,
            photo.len() as u64,
            "its size is kept"
        );
        store.supplement_finish(entry.id, "sent", 121, 121, None).unwrap();
        let listed = store.supplement_list().unwrap();
        assert_eq!(
            (listed[0].state.as_str(), listed[0].app_key.as_deref()),
            ("sent", Some("app-key-1"))
        );
    }

    #[test]
    fn an_interrupted_send_is_due_again_and_a_dead_one_keeps_no_photo() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_in(dir.path()).unwrap();
        store
            .supplement_enqueue("R1", &proof(), &[("a".into(), vec![1, 2, 3])], 100)
            .unwrap();
        let entry = store.supplement_claim_due(100).unwrap().unwrap();
        assert_eq!(store.supplement_recover_in_flight(150).unwrap(), 1);
        let again = store.supplement_claim_due(150).unwrap().unwrap();
        assert_eq!((again.id, again.attempts), (entry.id, 2));
        store
            .supplement_finish(again.id, "dead", 160, 160, Some("case_closed"))
            .unwrap();
        assert_eq!(store.supplement_photo(&again, "a").unwrap(), None);
        assert_eq!(
            store.supplement_list().unwrap()[0].last_error.as_deref(),
            Some("case_closed")
        );
        // A dead supplement is still not delivered: it counts as unsent.
        store
            .supplement_enqueue("R2", &proof(), &[("b".into(), vec![4, 5, 6])], 200)
            .unwrap();
        assert_eq!(
            store.supplement_counts().unwrap(),
            vec![("dead".to_string(), 1), ("pending".to_string(), 1)]
        );
        assert_eq!(store.supplements_unsent().unwrap(), 2);
    }
}
