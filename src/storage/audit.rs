//! Tamper-evident audit log: who did what, when (technician actions, `--reveal`, alarms).
//! Each row carries the SHA-256 of the previous row's hash and its own content, so an
//! edited or deleted row breaks the chain. Details must already be masked.

use super::{StorageError, Store};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

fn row_hash(prev: &str, at: i64, actor: &str, action: &str, detail: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [prev, &at.to_string(), actor, action, detail] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    pub fn audit(&mut self, actor: &str, action: &str, detail: &str) -> Result<(), StorageError> {
        let at = super::now_unix();
        let tx = self.conn().transaction()?;
        let prev: String = tx
            .query_row("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1", [], |row| {
                row.get(0)
            })
            .optional()?
            .unwrap_or_else(|| GENESIS.to_string());
        let hash = row_hash(&prev, at, actor, action, detail);
        tx.execute(
            "INSERT INTO audit_log (at, actor, action, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![at, actor, action, detail, prev, hash],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn audit_entries(&mut self) -> Result<Vec<AuditEntry>, StorageError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, at, actor, action, detail FROM audit_log ORDER BY id")?;
        let rows = stmt
            .query_map([], |row| {
                Ok(AuditEntry {
                    id: row.get(0)?,
                    at: row.get(1)?,
                    actor: row.get(2)?,
                    action: row.get(3)?,
                    detail: row.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The id of the first row whose chain is broken, or `None` when the log is intact.
    pub fn audit_verify(&mut self) -> Result<Option<i64>, StorageError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, at, actor, action, detail, prev_hash, hash FROM audit_log ORDER BY id")?;
        let mut rows = stmt.query([])?;
        let mut prev = GENESIS.to_string();
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let stored_prev: String = row.get(5)?;
            let stored: String = row.get(6)?;
            let expected = row_hash(
                &prev,
                row.get(1)?,
                &row.get::<_, String>(2)?,
                &row.get::<_, String>(3)?,
                &row.get::<_, String>(4)?,
            );
            if stored_prev != prev || stored != expected {
                return Ok(Some(id));
            }
            prev = stored;
        }
        Ok(None)
    }
}
