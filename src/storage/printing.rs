//! Print intents and outcomes. Printing cannot be made idempotent, so the intent is
//! recorded before the bytes go out and the outcome after; an intent without an outcome
//! (a crash mid-print) is offered as a reprint to a technician, never printed again by
//! itself.

use super::{StorageError, Store};
use rusqlite::params;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PrintJob {
    pub id: i64,
    pub receipt_no: String,
    /// When the print was asked for (Unix seconds), before a byte went to the printer.
    pub intent_at: i64,
    /// `printed` or `failed`; `None` while the print is under way (or was cut by a crash).
    pub outcome: Option<String>,
    /// Why it failed, in the printer's words (no personal data).
    pub detail: Option<String>,
}

impl Store {
    pub fn print_intent(&mut self, receipt_no: &str, now: i64) -> Result<i64, StorageError> {
        self.conn()
            .execute(
                "INSERT INTO print_jobs (receipt_no, intent_at) VALUES (?1, ?2)",
                params![receipt_no, now],
            )
            .map_err(StorageError::from_sqlite)?;
        Ok(self.conn().last_insert_rowid())
    }

    pub fn print_outcome(&mut self, job: i64, printed: bool, detail: &str, now: i64) -> Result<(), StorageError> {
        let outcome = if printed { "printed" } else { "failed" };
        let changed = self
            .conn()
            .execute(
                "UPDATE print_jobs SET outcome = ?2, outcome_at = ?3, detail = ?4 WHERE id = ?1 AND outcome IS NULL",
                params![job, outcome, now, detail],
            )
            .map_err(StorageError::from_sqlite)?;
        if changed == 0 {
            return Err(StorageError::NotFound(format!("open print job {job}")));
        }
        Ok(())
    }

    /// Receipts that still need paper: failed, or interrupted (intent without outcome),
    /// and not printed by a later job.
    pub fn reprint_queue(&mut self) -> Result<Vec<PrintJob>, StorageError> {
        let mut stmt = self.conn().prepare(
            "SELECT id, receipt_no, intent_at, outcome, detail FROM print_jobs p
             WHERE (outcome IS NULL OR outcome = 'failed')
               AND id = (SELECT max(id) FROM print_jobs q WHERE q.receipt_no = p.receipt_no)
             ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], |row| {
                Ok(PrintJob {
                    id: row.get(0)?,
                    receipt_no: row.get(1)?,
                    intent_at: row.get(2)?,
                    outcome: row.get(3)?,
                    detail: row.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}
