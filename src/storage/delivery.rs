//! Delivery progress kept in the store, so a restart resumes where the last run stopped:
//! the case number once the central system accepted an application, per material photo the
//! upload id and the bytes the server confirmed, and when the server stored the photo (the
//! local copy is erased then). Also the last contact with the central system, for
//! `kiosk status`, which runs as a separate process. No personal data here.

use super::{StorageError, Store};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// One captured material of an application, as the uploader sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaterialUpload {
    pub code: String,
    pub upload_id: Option<String>,
    /// Bytes the server confirmed, as last recorded.
    pub uploaded: u64,
    /// The server stored and verified the whole photo.
    pub stored: bool,
    /// A photo is still held locally.
    pub has_photo: bool,
}

impl MaterialUpload {
    /// From a row of (code, upload id, bytes confirmed, stored, photo held).
    pub(super) fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<MaterialUpload> {
        Ok(MaterialUpload {
            code: row.get(0)?,
            upload_id: row.get(1)?,
            uploaded: row.get::<_, i64>(2)?.max(0) as u64,
            stored: row.get(3)?,
            has_photo: row.get(4)?,
        })
    }
}

/// The last contact with the central system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CentralContact {
    pub at: i64,
    pub ok: bool,
    /// The reason of the last failure (masked, no personal data).
    pub error: Option<String>,
    pub last_ok_at: Option<i64>,
    /// When the last application was delivered.
    pub last_sent_at: Option<i64>,
}

impl Store {
    /// The captured materials of the application with this key, by code.
    pub fn material_uploads(&mut self, key: &str) -> Result<Vec<MaterialUpload>, StorageError> {
        let mut stmt = self.conn().prepare(
            "SELECT m.code, m.upload_id, m.uploaded, m.stored_at IS NOT NULL, m.photo IS NOT NULL
             FROM materials m JOIN applications a ON a.id = m.application_id
             WHERE a.uuid = ?1 AND m.state = 'captured' ORDER BY m.code",
        )?;
        let rows = stmt
            .query_map([key], MaterialUpload::from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Records how far an upload got (after each confirmed chunk).
    pub fn record_upload_progress(
        &mut self,
        key: &str,
        code: &str,
        upload_id: &str,
        uploaded: u64,
    ) -> Result<(), StorageError> {
        self.conn()
            .execute(
                "UPDATE materials SET upload_id = ?3, uploaded = ?4
                 WHERE code = ?2 AND application_id = (SELECT id FROM applications WHERE uuid = ?1)",
                params![key, code, upload_id, uploaded as i64],
            )
            .map_err(StorageError::from_sqlite)?;
        Ok(())
    }

    /// The server stored and verified the photo: mark it and erase the local copy.
    pub fn mark_material_stored(&mut self, key: &str, code: &str, now: i64) -> Result<(), StorageError> {
        self.conn()
            .execute(
                "UPDATE materials SET stored_at = ?3, photo = NULL
                 WHERE code = ?2 AND application_id = (SELECT id FROM applications WHERE uuid = ?1)",
                params![key, code, now],
            )
            .map_err(StorageError::from_sqlite)?;
        Ok(())
    }

    /// Every waiting row becomes due now (a technician's drain does not wait for backoff).
    pub fn outbox_make_due(&mut self, now: i64) -> Result<usize, StorageError> {
        self.conn()
            .execute(
                "UPDATE outbox SET next_try_at = ?1 WHERE state = 'pending' AND next_try_at > ?1",
                [now],
            )
            .map_err(StorageError::from_sqlite)
    }

    /// The case number the central system gave the application (its materials may follow).
    pub fn outbox_record_case(&mut self, id: i64, case_number: &str) -> Result<(), StorageError> {
        self.conn()
            .execute(
                "UPDATE outbox SET case_number = ?2 WHERE id = ?1",
                params![id, case_number],
            )
            .map_err(StorageError::from_sqlite)?;
        Ok(())
    }

    /// The case number recorded for the outbox row, if the application was accepted.
    pub fn outbox_case_number(&mut self, id: i64) -> Result<Option<String>, StorageError> {
        Ok(self
            .conn()
            .query_row("SELECT case_number FROM outbox WHERE id = ?1", [id], |row| row.get(0))
            .optional()?
            .flatten())
    }

    /// Records a contact with the central system: `Ok(())`, or the (masked) reason it failed.
    /// `sent` says an application was delivered by it.
    pub fn record_central_contact(
        &mut self,
        now: i64,
        outcome: Result<(), &str>,
        sent: bool,
    ) -> Result<(), StorageError> {
        let (ok, error) = match outcome {
            Ok(()) => (true, None),
            Err(reason) => (false, Some(reason)),
        };
        self.conn()
            .execute(
                "INSERT INTO central_contact (id, at, ok, error, last_ok_at, last_sent_at)
                 VALUES (1, ?1, ?2, ?3, CASE WHEN ?2 THEN ?1 END, CASE WHEN ?4 THEN ?1 END)
                 ON CONFLICT (id) DO UPDATE SET at = ?1, ok = ?2, error = ?3,
                   last_ok_at = CASE WHEN ?2 THEN ?1 ELSE last_ok_at END,
                   last_sent_at = CASE WHEN ?4 THEN ?1 ELSE last_sent_at END",
                params![now, ok, error, sent],
            )
            .map_err(StorageError::from_sqlite)?;
        Ok(())
    }

    pub fn central_contact(&mut self) -> Result<Option<CentralContact>, StorageError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT at, ok, error, last_ok_at, last_sent_at FROM central_contact WHERE id = 1",
                [],
                |row| {
                    Ok(CentralContact {
                        at: row.get(0)?,
                        ok: row.get(1)?,
                        error: row.get(2)?,
                        last_ok_at: row.get(3)?,
                        last_sent_at: row.get(4)?,
                    })
                },
            )
            .optional()?)
    }
}
