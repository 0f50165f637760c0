//! Tamper-evident audit log: who did what, when (technician actions, `--reveal`, alarms).
//! Details must already be masked.
//!
//! The chain is keyed: each row's `hash` is an HMAC-SHA256, with a key derived from the
//! data key, over the previous row's hash and the row itself (id included), so without the
//! key an edited, inserted, renumbered or deleted row cannot be made to verify again. The
//! chain is anchored: the first keyed row's `prev_hash` is an HMAC of the database's key
//! check id and the head of the older plain chain. Each append writes the new head to the
//! log (the system journal), so a truncated tail can be compared with the journal.
//!
//! Older databases hold a plain SHA-256 chain (scheme 1). Those rows are checked with the
//! old rule; the first keyed row (an `audit.chain-upgraded` entry written when such a
//! database is opened) commits to their head, and no plain row may follow a keyed one.

use super::crypto::FieldCipher;
use super::{StorageError, Store};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// The plain SHA-256 chain of databases before schema v4.
const SCHEME_PLAIN: i64 = 1;
/// The keyed, anchored HMAC-SHA256 chain.
const SCHEME_KEYED: i64 = 2;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// What `audit verify` reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditVerdict {
    pub entries: u64,
    /// The first entry that does not verify, or `None` when the chain is intact.
    pub first_bad: Option<i64>,
    /// The last entry's id and hash.
    pub head: Option<(i64, String)>,
}

fn plain_hash(prev: &str, at: i64, actor: &str, action: &str, detail: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [prev, &at.to_string(), actor, action, detail] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

struct Row {
    id: i64,
    at: i64,
    actor: String,
    action: String,
    detail: String,
    prev_hash: String,
    hash: String,
    scheme: i64,
}

fn anchor(cipher: &FieldCipher, check_id: &str, plain_head: &str) -> String {
    cipher.audit_mac(&[b"anchor", check_id.as_bytes(), plain_head.as_bytes()])
}

fn keyed_hash(cipher: &FieldCipher, prev: &str, id: i64, at: i64, actor: &str, action: &str, detail: &str) -> String {
    cipher.audit_mac(&[
        b"row",
        prev.as_bytes(),
        id.to_string().as_bytes(),
        at.to_string().as_bytes(),
        actor.as_bytes(),
        action.as_bytes(),
        detail.as_bytes(),
    ])
}

/// The first row that does not verify. With `require_sealed`, plain rows must be followed
/// by a keyed one: a chain turned back into a plain one (which needs no key to forge) is
/// refused at its last row.
fn first_bad(cipher: &FieldCipher, check_id: &str, rows: &[Row], require_sealed: bool) -> Option<i64> {
    let mut plain_head = GENESIS.to_string();
    let mut keyed_head: Option<&str> = None;
    for row in rows {
        let ok = match row.scheme {
            SCHEME_PLAIN if keyed_head.is_none() => {
                let ok = row.prev_hash == plain_head
                    && row.hash == plain_hash(&plain_head, row.at, &row.actor, &row.action, &row.detail);
                plain_head = row.hash.clone();
                ok
            }
            SCHEME_KEYED => {
                let prev = match keyed_head {
                    Some(head) => head.to_string(),
                    None => anchor(cipher, check_id, &plain_head),
                };
                keyed_head = Some(&row.hash);
                row.prev_hash == prev
                    && row.hash == keyed_hash(cipher, &prev, row.id, row.at, &row.actor, &row.action, &row.detail)
            }
            _ => false,
        };
        if !ok {
            return Some(row.id);
        }
    }
    match (rows.last(), keyed_head) {
        (Some(last), None) if require_sealed => Some(last.id),
        _ => None,
    }
}

impl Store {
    /// Appends an entry to the keyed chain and logs the new head.
    pub fn audit(&mut self, actor: &str, action: &str, detail: &str) -> Result<(), StorageError> {
        let at = super::now_unix();
        let Store { conn, cipher, .. } = self;
        let check_id = Store::key_check_id(conn)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last: Option<(i64, String, i64)> = tx
            .query_row(
                "SELECT id, hash, scheme FROM audit_log ORDER BY id DESC LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        let (id, prev) = match last {
            Some((id, hash, SCHEME_KEYED)) => (id + 1, hash),
            Some((id, hash, _)) => (id + 1, anchor(cipher, &check_id, &hash)),
            None => (1, anchor(cipher, &check_id, GENESIS)),
        };
        let hash = keyed_hash(cipher, &prev, id, at, actor, action, detail);
        tx.execute(
            "INSERT INTO audit_log (id, at, actor, action, detail, prev_hash, hash, scheme)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![id, at, actor, action, detail, prev, hash, SCHEME_KEYED],
        )?;
        tx.commit().map_err(StorageError::from_sqlite)?;
        log::info!(target: "audit", "audit head #{id} {hash}");
        Ok(())
    }

    /// Seals an older plain chain under the keyed one: when the last row is a plain one,
    /// an `audit.chain-upgraded` entry is appended whose anchor commits to its head.
    pub(super) fn upgrade_audit_chain(&mut self) -> Result<(), StorageError> {
        let last_scheme: Option<i64> = self
            .conn()
            .query_row("SELECT scheme FROM audit_log ORDER BY id DESC LIMIT 1", [], |row| {
                row.get(0)
            })
            .optional()?;
        if last_scheme != Some(SCHEME_PLAIN) {
            return Ok(());
        }
        let rows = self.audit_rows()?;
        let plain = rows.iter().filter(|r| r.scheme == SCHEME_PLAIN).count();
        let check_id = Store::key_check_id(self.conn())?;
        let state = match first_bad(self.cipher(), &check_id, &rows, false) {
            Some(id) => {
                log::error!("ALARM audit: the older audit chain is broken at entry {id}");
                format!("broken at entry {id}")
            }
            _ => "intact".to_string(),
        };
        self.audit(
            "system",
            "audit.chain-upgraded",
            &format!("{plain} entries of the plain SHA-256 chain ({state}) sealed under the keyed chain"),
        )
    }

    fn audit_rows(&mut self) -> Result<Vec<Row>, StorageError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, at, actor, action, detail, prev_hash, hash, scheme FROM audit_log ORDER BY id")?;
        let rows = stmt
            .query_map([], |row| {
                Ok(Row {
                    id: row.get(0)?,
                    at: row.get(1)?,
                    actor: row.get(2)?,
                    action: row.get(3)?,
                    detail: row.get(4)?,
                    prev_hash: row.get(5)?,
                    hash: row.get(6)?,
                    scheme: row.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn audit_entries(&mut self) -> Result<Vec<AuditEntry>, StorageError> {
        Ok(self
            .audit_rows()?
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: r.at,
                actor: r.actor,
                action: r.action,
                detail: r.detail,
            })
            .collect())
    }

    /// The id of the first row whose chain is broken, or `None` when the log is intact.
    pub fn audit_verify(&mut self) -> Result<Option<i64>, StorageError> {
        Ok(self.audit_verdict()?.first_bad)
    }

    /// The whole verification: entry count, first bad entry, head.
    pub fn audit_verdict(&mut self) -> Result<AuditVerdict, StorageError> {
        let rows = self.audit_rows()?;
        let check_id = Store::key_check_id(self.conn())?;
        let first_bad = first_bad(self.cipher(), &check_id, &rows, true);
        Ok(AuditVerdict {
            entries: rows.len() as u64,
            first_bad,
            head: rows.last().map(|r| (r.id, r.hash.clone())),
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    /// The old plain rule, for building databases of older versions in tests.
    pub(crate) fn plain_hash_for_tests(prev: &str, at: i64, actor: &str, action: &str, detail: &str) -> String {
        super::plain_hash(prev, at, actor, action, detail)
    }
}
