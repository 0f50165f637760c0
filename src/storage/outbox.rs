//! Store-and-forward of applications: an application, its materials, its receipt number
//! and its outbox row are written in ONE transaction, so a citizen who holds a receipt has
//! an application that will be sent. The worker claims due rows, and reports each attempt's
//! outcome: sent, retry later, or dead (a 4xx a technician must look at). Rows left in
//! `sending` by a crash go back to `pending` at start-up; the Idempotency-Key (the
//! application's UUID) makes the resend harmless.
//!
//! Retention: marking a row sent or dead sets its application's purge date in the same
//! transaction, and `purge_and_record` erases the personal data once that date has passed
//! and records the outcome (or the error) for `kiosk status`.

use super::highwater::HighWater;
use super::retry_queue::OUTBOX;
use super::{StorageError, Store};
use crate::domain::application::{Application, MaterialState};
use crate::domain::calendar::Date;
use crate::domain::receipt::ReceiptNumber;
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutboxState {
    Pending,
    Sending,
    Sent,
    Dead,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Dead => "dead",
        }
    }
    fn parse(text: &str) -> Result<OutboxState, StorageError> {
        Ok(match text {
            "pending" => OutboxState::Pending,
            "sending" => OutboxState::Sending,
            "sent" => OutboxState::Sent,
            "dead" => OutboxState::Dead,
            other => return Err(StorageError::Corrupt(format!("outbox state {other:?}"))),
        })
    }
}

/// One outbox row as technicians see it: masked, no personal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub idempotency_key: String,
    pub receipt_no: String,
    pub item_code: String,
    pub applicant_masked: String,
    pub submitted_on: String,
    pub state: OutboxState,
    pub attempts: u32,
    pub next_try_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const ENTRY_SELECT: &str =
    "SELECT o.id, o.idempotency_key, a.receipt_no, a.item_code, a.applicant_masked, a.submitted_on,
        o.state, o.attempts, o.next_try_at, o.last_error, o.created_at, o.updated_at
     FROM outbox o JOIN applications a ON a.id = o.application_id";

fn entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(OutboxEntry, String)> {
    let state: String = row.get(6)?;
    Ok((
        OutboxEntry {
            id: row.get(0)?,
            idempotency_key: row.get(1)?,
            receipt_no: row.get(2)?,
            item_code: row.get(3)?,
            applicant_masked: row.get(4)?,
            submitted_on: row.get(5)?,
            state: OutboxState::Pending,
            attempts: row.get(7)?,
            next_try_at: row.get(8)?,
            last_error: row.get(9)?,
            created_at: row.get(10)?,
            updated_at: row.get(11)?,
        },
        state,
    ))
}

fn finish(pair: (OutboxEntry, String)) -> Result<OutboxEntry, StorageError> {
    let (mut entry, state) = pair;
    entry.state = OutboxState::parse(&state)?;
    Ok(entry)
}

pub(super) fn personal_context(uuid: &str) -> String {
    format!("applications.personal:{uuid}")
}

pub(super) fn photo_context(uuid: &str, code: &str) -> String {
    format!("materials.photo:{uuid}:{code}")
}

/// One sealed value with its context, to prove that a key belongs to a database that has
/// no key check value yet.
pub(super) fn first_sealed_value(conn: &rusqlite::Connection) -> rusqlite::Result<Option<(String, Vec<u8>)>> {
    let personal = conn
        .query_row(
            "SELECT uuid, personal FROM applications WHERE personal IS NOT NULL ORDER BY id LIMIT 1",
            [],
            |row| Ok((personal_context(&row.get::<_, String>(0)?), row.get(1)?)),
        )
        .optional()?;
    if personal.is_some() {
        return Ok(personal);
    }
    conn.query_row(
        "SELECT a.uuid, m.code, m.photo FROM materials m JOIN applications a ON a.id = m.application_id
         WHERE m.photo IS NOT NULL ORDER BY m.id LIMIT 1",
        [],
        |row| {
            Ok((
                photo_context(&row.get::<_, String>(0)?, &row.get::<_, String>(1)?),
                row.get(2)?,
            ))
        },
    )
    .optional()
}

/// What a state change does to the application's purge date.
enum PurgeDate {
    Keep,
    At(i64),
    Clear,
}

/// The outcome of the last run of a maintenance task (the purge), for `kiosk status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MaintenanceRun {
    pub task: String,
    pub at: i64,
    pub ok: bool,
    /// Rows handled (purged applications), when it worked.
    pub count: Option<u64>,
    pub error: Option<String>,
}

pub const PURGE_TASK: &str = "purge";

impl Store {
    /// Stores the application with its materials (photos by code) and outbox row, issues
    /// its receipt number, all in one durable transaction.
    pub fn submit(
        &mut self,
        application: &Application,
        photos: &[(String, Vec<u8>)],
        receipt_prefix: &str,
        now: i64,
    ) -> Result<ReceiptNumber, StorageError> {
        let personal = serde_json::to_vec(application).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        let sealed = self.cipher().seal(&personal_context(&application.uuid), &personal)?;
        let mut sealed_photos = Vec::new();
        for (code, bytes) in photos {
            sealed_photos.push((
                code.clone(),
                self.cipher().seal(&photo_context(&application.uuid, code), bytes)?,
            ));
        }
        let masked = format!(
            "{} {}",
            application.applicant.id.masked(),
            application.applicant.masked_name()
        )
        .trim()
        .to_string();
        let highwater = HighWater::beside(self.path());
        let sql = StorageError::from_sqlite;
        let tx = self
            .conn()
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        // Idempotent on the UUID: a retry of a submission that was stored returns the
        // receipt number already issued and stores nothing twice.
        let existing: Option<String> = tx
            .query_row(
                "SELECT receipt_no FROM applications WHERE uuid = ?1",
                [&application.uuid],
                |row| row.get(0),
            )
            .optional()
            .map_err(sql)?;
        if let Some(existing) = existing {
            return ReceiptNumber::parse(&existing).map_err(|e| StorageError::Corrupt(e.to_string()));
        }
        let (number, sequence) = next_receipt_number(&tx, &highwater, receipt_prefix, application.submitted_on)?;
        tx.execute(
            "INSERT INTO applications (uuid, receipt_no, item_code, submitted_on, created_at, applicant_masked, personal)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![application.uuid, number.as_str(), application.item_code, application.submitted_on.to_string(), now, masked, sealed],
        )
        .map_err(sql)?;
        let app_id = tx.last_insert_rowid();
        for (code, state) in &application.materials {
            let (state, deadline, photo) = match state {
                MaterialState::Captured { .. } => (
                    "captured",
                    None,
                    sealed_photos.iter().find(|(c, _)| c == code).map(|(_, b)| b.clone()),
                ),
                MaterialState::Promised { deadline, .. } => ("promised", Some(deadline.to_string()), None),
                MaterialState::Missing => continue,
            };
            tx.execute(
                "INSERT INTO materials (application_id, code, state, deadline, photo) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![app_id, code, state, deadline, photo],
            )
            .map_err(sql)?;
        }
        tx.execute(
            "INSERT INTO outbox (application_id, idempotency_key, state, attempts, next_try_at, created_at, updated_at)
             VALUES (?1, ?2, 'pending', 0, ?3, ?3, ?3)",
            params![app_id, application.uuid, now],
        )
        .map_err(sql)?;
        // The mark goes to disk before the commit: a crash in between leaves a gap in the
        // sequence, never a number that a reset database could issue again.
        highwater.raise(receipt_prefix, &application.submitted_on.to_string(), sequence)?;
        tx.commit().map_err(sql)?;
        Ok(number)
    }

    /// The stored application (decrypted) for sending.
    pub fn load_application(&mut self, idempotency_key: &str) -> Result<Application, StorageError> {
        #[cfg(test)]
        if let Some(code) = self.fail_next_load.take() {
            return Err(StorageError::Sqlite(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error { code, extended_code: 0 },
                None,
            )));
        }
        let sealed: Option<Vec<u8>> = self
            .conn()
            .query_row(
                "SELECT personal FROM applications WHERE uuid = ?1",
                [idempotency_key],
                |row| row.get(0),
            )
            .optional()?
            .ok_or_else(|| StorageError::NotFound(idempotency_key.to_string()))?;
        let sealed = sealed
            .ok_or_else(|| StorageError::NotFound(format!("{idempotency_key} (personal data already purged)")))?;
        let plain = self.cipher().open(&personal_context(idempotency_key), &sealed)?;
        serde_json::from_slice(&plain).map_err(|e| StorageError::Corrupt(e.to_string()))
    }

    /// The decrypted photo of one material.
    pub fn load_photo(&mut self, idempotency_key: &str, code: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let sealed: Option<Vec<u8>> = self
            .conn()
            .query_row(
                "SELECT m.photo FROM materials m JOIN applications a ON a.id = m.application_id WHERE a.uuid = ?1 AND m.code = ?2",
                params![idempotency_key, code],
                |row| row.get(0),
            )
            .optional()?
            .flatten();
        sealed
            .map(|s| {
                self.cipher()
                    .open(&photo_context(idempotency_key, code), &s)
                    .map_err(StorageError::from)
            })
            .transpose()
    }

    pub fn outbox_list(&mut self, state: Option<OutboxState>) -> Result<Vec<OutboxEntry>, StorageError> {
        let sql = format!("{ENTRY_SELECT} WHERE (?1 IS NULL OR o.state = ?1) ORDER BY o.id");
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt
            .query_map([state.map(OutboxState::as_str)], entry_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(finish).collect()
    }

    /// Finds a row by id, idempotency key or receipt number.
    pub fn outbox_get(&mut self, reference: &str) -> Result<OutboxEntry, StorageError> {
        let sql = format!(
            "{ENTRY_SELECT} WHERE CAST(o.id AS TEXT) = ?1 OR o.idempotency_key = ?1 OR a.receipt_no = upper(?1)"
        );
        let row = self.conn().query_row(&sql, [reference], entry_from_row).optional()?;
        finish(row.ok_or_else(|| StorageError::NotFound(reference.to_string()))?)
    }

    /// Claims the next due row for sending (pending → sending, attempts + 1).
    pub fn outbox_claim_due(&mut self, now: i64) -> Result<Option<OutboxEntry>, StorageError> {
        let tx = self.conn().transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(id) = OUTBOX.claim_due(&tx, now)? else {
            return Ok(None);
        };
        tx.commit().map_err(StorageError::from_sqlite)?;
        self.outbox_get(&id.to_string()).map(Some)
    }

    /// Moves row `id` from one of the states `from`, setting `sql_set` and the purge date of
    /// its application, in ONE transaction: a row is never sent without its purge date.
    fn outbox_transition(
        &mut self,
        id: i64,
        from: &[OutboxState],
        sql_set: &str,
        values: &[&dyn rusqlite::ToSql],
        purge: PurgeDate,
    ) -> Result<(), StorageError> {
        let states: Vec<String> = from.iter().map(|s| format!("'{}'", s.as_str())).collect();
        let sql = format!(
            "UPDATE outbox SET {sql_set} WHERE id = ?1 AND state IN ({})",
            states.join(",")
        );
        let mut all: Vec<&dyn rusqlite::ToSql> = vec![&id];
        all.extend_from_slice(values);
        let run = |store: &mut Store| -> rusqlite::Result<usize> {
            let tx = store.conn().transaction_with_behavior(TransactionBehavior::Immediate)?;
            let changed = tx.execute(&sql, all.as_slice())?;
            if changed > 0 {
                let purge_after = match purge {
                    PurgeDate::Keep => None,
                    PurgeDate::At(at) => Some(Some(at)),
                    PurgeDate::Clear => Some(None),
                };
                if let Some(purge_after) = purge_after {
                    tx.execute(
                        "UPDATE applications SET purge_after = ?2 WHERE id = (SELECT application_id FROM outbox WHERE id = ?1)",
                        params![id, purge_after],
                    )?;
                }
            }
            tx.commit()?;
            Ok(changed)
        };
        if run(self).map_err(StorageError::from_sqlite)? == 0 {
            return Err(StorageError::NotFound(format!(
                "outbox row {id} in state {}",
                states.join("/")
            )));
        }
        Ok(())
    }

    /// Delivered: the personal data is purged after the retention time.
    pub fn outbox_mark_sent(&mut self, id: i64, now: i64) -> Result<(), StorageError> {
        let purge = PurgeDate::At(now.saturating_add(self.retention_secs()));
        self.outbox_transition(
            id,
            &[OutboxState::Sending],
            "state = 'sent', last_error = NULL, updated_at = ?2",
            &[&now],
            purge,
        )
    }

    /// A retryable failure (network, 5xx, a busy database): try again at `next_try_at`.
    pub fn outbox_mark_retry(&mut self, id: i64, now: i64, next_try_at: i64, error: &str) -> Result<(), StorageError> {
        self.outbox_transition(
            id,
            &[OutboxState::Sending],
            "state = 'pending', next_try_at = ?2, last_error = ?3, updated_at = ?4",
            &[&next_try_at, &error, &now],
            PurgeDate::Keep,
        )
    }

    /// A permanent failure (4xx, unreadable): a technician must look at it. Dead letters
    /// are purged after the same retention time as delivered ones.
    pub fn outbox_mark_dead(&mut self, id: i64, now: i64, error: &str) -> Result<(), StorageError> {
        let purge = PurgeDate::At(now.saturating_add(self.retention_secs()));
        self.outbox_transition(
            id,
            &[OutboxState::Sending, OutboxState::Pending],
            "state = 'dead', last_error = ?2, updated_at = ?3",
            &[&error, &now],
            purge,
        )
    }

    /// Technician retry: a dead or waiting row becomes due now (and is no longer purged).
    pub fn outbox_retry(&mut self, id: i64, now: i64) -> Result<(), StorageError> {
        self.outbox_transition(
            id,
            &[OutboxState::Dead, OutboxState::Pending],
            "state = 'pending', next_try_at = ?2, updated_at = ?2",
            &[&now],
            PurgeDate::Clear,
        )
    }

    /// After a crash, rows caught mid-send are sent again (the server deduplicates).
    pub fn outbox_recover_in_flight(&mut self, now: i64) -> Result<usize, StorageError> {
        OUTBOX
            .recover_in_flight(self.conn(), now)
            .map_err(StorageError::from_sqlite)
    }

    /// Erases personal data (sealed application and photos) of applications that were
    /// delivered or refused and whose retention time has passed. Masked rows stay for
    /// statistics. `secure_delete` overwrites the freed content; the checkpoint then
    /// carries that into the database file and empties the WAL.
    pub fn purge_expired(&mut self, now: i64) -> Result<usize, StorageError> {
        let tx = self.conn().transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE materials SET photo = NULL WHERE photo IS NOT NULL AND application_id IN
               (SELECT id FROM applications WHERE purge_after IS NOT NULL AND purge_after <= ?1)",
            [now],
        )?;
        let purged = tx.execute("UPDATE applications SET personal = NULL WHERE personal IS NOT NULL AND purge_after IS NOT NULL AND purge_after <= ?1", [now])?;
        tx.commit()?;
        if purged > 0 {
            self.conn()
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(purged)
    }

    /// Runs the purge, logs a failure and records the outcome for `kiosk status`. The
    /// error is returned as well: a purge that fails is never silently skipped.
    pub fn purge_and_record(&mut self, now: i64) -> Result<usize, StorageError> {
        let result = self.purge_expired(now);
        let (ok, count, error) = match &result {
            Ok(n) => (true, Some(*n as i64), None),
            Err(e) => {
                log::error!("storage: purge of expired personal data failed: {e}");
                (false, None, Some(e.to_string()))
            }
        };
        let recorded = self.conn().execute(
            "INSERT INTO maintenance (task, at, ok, count, error) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (task) DO UPDATE SET at = ?2, ok = ?3, count = ?4, error = ?5",
            params![PURGE_TASK, now, ok, count, error],
        );
        if let Err(e) = recorded {
            log::error!("storage: cannot record the purge outcome: {e}");
        }
        result
    }

    /// The last recorded run of `task` (e.g. [`PURGE_TASK`]).
    pub fn last_maintenance(&mut self, task: &str) -> Result<Option<MaintenanceRun>, StorageError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT task, at, ok, count, error FROM maintenance WHERE task = ?1",
                [task],
                |row| {
                    Ok(MaintenanceRun {
                        task: row.get(0)?,
                        at: row.get(1)?,
                        ok: row.get(2)?,
                        count: row.get::<_, Option<i64>>(3)?.map(|n| n.max(0) as u64),
                        error: row.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    /// When the oldest row still waiting to be sent (pending or sending) was queued.
    pub fn oldest_unsent_created_at(&mut self) -> Result<Option<i64>, StorageError> {
        Ok(self.conn().query_row(
            "SELECT min(created_at) FROM outbox WHERE state IN ('pending', 'sending')",
            [],
            |row| row.get(0),
        )?)
    }

    pub fn outbox_counts(&mut self) -> Result<Vec<(OutboxState, u64)>, StorageError> {
        OUTBOX
            .counts(self.conn())?
            .into_iter()
            .map(|(s, n)| Ok((OutboxState::parse(&s)?, n)))
            .collect()
    }
}

/// The next receipt number of `prefix` for `day`, inside the caller's transaction:
/// `max(database, high-water file) + 1`, so a reset database never repeats a number.
fn next_receipt_number(
    tx: &rusqlite::Transaction<'_>,
    highwater: &HighWater,
    prefix: &str,
    day: Date,
) -> Result<(ReceiptNumber, u32), StorageError> {
    let key = day.to_string();
    let in_db: u32 = tx
        .query_row(
            "SELECT last FROM receipt_sequence WHERE prefix = ?1 AND day = ?2",
            params![prefix, key],
            |row| row.get(0),
        )
        .optional()
        .map_err(StorageError::from_sqlite)?
        .unwrap_or(0);
    let next = in_db
        .max(highwater.get(prefix, &key)?)
        .checked_add(1)
        .ok_or_else(|| StorageError::Corrupt(format!("receipt sequence of {prefix} on {key} is exhausted")))?;
    tx.execute(
        "INSERT INTO receipt_sequence (prefix, day, last) VALUES (?1, ?2, ?3)
         ON CONFLICT (prefix, day) DO UPDATE SET last = ?3",
        params![prefix, key, next],
    )
    .map_err(StorageError::from_sqlite)?;
    let number = ReceiptNumber::issue(prefix, day, next).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    Ok((number, next))
}
