//! `kiosk storage salvage FILE`: re-queues the unsent applications of a database that was
//! moved aside after damage. The file is never written: it is copied (with its WAL) to a
//! private scratch directory and read from there, row by row, so one damaged page costs
//! the rows on it and not the rest. Each readable unsent application is queued again with
//! its UUID (so the central system deduplicates it), its receipt number and its materials,
//! once: an application already in the store is left alone, so a second salvage adds
//! nothing. Delivered applications are not re-queued.

use super::outbox::{personal_context, photo_context, OutboxState};
use super::{StorageError, Store};
use crate::storage::highwater::HighWater;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// How far past the highest id seen the salvage probes for rows behind damaged pages.
const PROBE_MARGIN: i64 = 256;

/// One re-queued application, masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SalvagedRow {
    pub receipt_no: String,
    pub item_code: String,
    pub applicant_masked: String,
    pub state: OutboxState,
    /// Photos that could not be read back (the material stays, without its photo).
    pub photos_lost: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SalvageReport {
    pub source: PathBuf,
    pub requeued: Vec<SalvagedRow>,
    /// Already in this store (an earlier salvage, or never lost).
    pub already_queued: u32,
    /// Delivered to the central system, or purged: nothing to send.
    pub delivered: u32,
    /// Rows that could not be read (damaged pages, or sealed with another key).
    pub unreadable: u32,
    /// Receipt numbers held in this store by another application (not re-queued).
    pub conflicts: Vec<String>,
}

/// A material row: code, state, deadline, sealed photo.
type Material = (String, String, Option<String>, Option<Vec<u8>>);

struct Candidate {
    uuid: String,
    receipt_no: String,
    item_code: String,
    submitted_on: String,
    created_at: i64,
    applicant_masked: String,
    personal: Vec<u8>,
    state: OutboxState,
    materials: Vec<Material>,
    photos_lost: u32,
}

/// A private copy of the moved-aside database and its WAL, removed when dropped.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn copy(source: &Path, beside: &Path) -> std::io::Result<(Scratch, PathBuf)> {
        use std::os::unix::fs::DirBuilderExt;
        let dir = beside.join(format!(".salvage-{}-{}", std::process::id(), super::now_unix()));
        std::fs::DirBuilder::new().mode(0o700).create(&dir)?;
        let scratch = Scratch { dir };
        let copy = scratch.dir.join("salvage.db");
        std::fs::copy(source, &copy)?;
        let wal = PathBuf::from(format!("{}-wal", source.display()));
        if wal.exists() {
            std::fs::copy(&wal, scratch.dir.join("salvage.db-wal"))?;
        }
        Ok((scratch, copy))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Rows of one column, read until the first error (a damaged page ends the scan).
fn scan_ids(conn: &Connection, sql: &str) -> Vec<i64> {
    let mut found = Vec::new();
    if let Ok(mut stmt) = conn.prepare(sql) {
        if let Ok(mut rows) = stmt.query([]) {
            while let Ok(Some(row)) = rows.next() {
                if let Ok(id) = row.get::<_, i64>(0) {
                    found.push(id);
                }
            }
        }
    }
    found
}

fn outbox_state(conn: &Connection, app_id: i64) -> Option<OutboxState> {
    let state: Option<String> = conn
        .query_row(
            "SELECT state FROM outbox WHERE application_id = ?1 ORDER BY id DESC LIMIT 1",
            [app_id],
            |row| row.get(0),
        )
        .optional()
        .ok()
        .flatten();
    match state.as_deref() {
        Some("sent") => Some(OutboxState::Sent),
        Some("dead") => Some(OutboxState::Dead),
        // Pending, sending, or unreadable: sending again is harmless (idempotency key).
        _ => None,
    }
}

enum Read {
    Candidate(Box<Candidate>),
    Delivered,
    Unreadable,
}

impl Store {
    /// Re-queues the readable unsent applications of the moved-aside database `file`.
    pub fn salvage_from(&mut self, file: &Path, now: i64) -> Result<SalvageReport, StorageError> {
        let source = file
            .canonicalize()
            .map_err(|e| StorageError::NotFound(format!("{}: {e}", file.display())))?;
        if self.path().canonicalize().ok().as_deref() == Some(source.as_path()) {
            return Err(StorageError::Corrupt(format!(
                "{} is the database in use: salvage reads a database that was moved aside",
                file.display()
            )));
        }
        let beside = self.path().parent().unwrap_or(Path::new(".")).to_path_buf();
        let (_scratch, copy) = Scratch::copy(&source, &beside)?;
        let old = Connection::open_with_flags(&copy, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .and_then(|c| {
                c.pragma_update(None, "query_only", "ON")?;
                c.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
                Ok(c)
            })
            .map_err(|e| {
                StorageError::Corrupt(format!("{} cannot be read as a database at all: {e}", file.display()))
            })?;
        self.check_salvage_key(&old, file)?;

        let mut ids: BTreeSet<i64> = scan_ids(&old, "SELECT id FROM applications ORDER BY id")
            .into_iter()
            .collect();
        ids.extend(scan_ids(&old, "SELECT application_id FROM outbox ORDER BY id"));
        ids.extend(scan_ids(&old, "SELECT application_id FROM materials ORDER BY id"));
        // Ids up to the highest one seen elsewhere surely existed: an error there is a lost
        // row. Past it, rows behind a damaged page are probed for, but errors say nothing.
        let known = ids.last().copied().unwrap_or(0);
        let upper = known.saturating_add(PROBE_MARGIN);
        let mut report = SalvageReport {
            source: file.to_path_buf(),
            ..SalvageReport::default()
        };
        for id in 1..=upper {
            match self.read_candidate(&old, id) {
                None => {}
                Some(Read::Delivered) => report.delivered += 1,
                Some(Read::Unreadable) if id <= known => report.unreadable += 1,
                Some(Read::Unreadable) => {}
                Some(Read::Candidate(c)) => self.requeue(*c, now, &mut report)?,
            }
        }
        self.audit(
            "technician:cli",
            "storage.salvage",
            &format!(
                "from {}: {} re-queued, {} already queued, {} delivered, {} unreadable, {} receipt conflicts",
                file.display(),
                report.requeued.len(),
                report.already_queued,
                report.delivered,
                report.unreadable,
                report.conflicts.len()
            ),
        )?;
        Ok(report)
    }

    /// A moved-aside database with a key check value must open with this store's key.
    fn check_salvage_key(&self, old: &Connection, file: &Path) -> Result<(), StorageError> {
        let check: Option<(String, Vec<u8>)> = old
            .query_row("SELECT check_id, sealed FROM key_check WHERE id = 1", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()
            .ok()
            .flatten();
        if let Some((id, sealed)) = check {
            if self.cipher().open(&super::key_check_context(&id), &sealed).is_err() {
                return Err(StorageError::KeyMismatch {
                    key: "this kiosk's data key".into(),
                    db: file.display().to_string(),
                });
            }
        }
        Ok(())
    }

    /// Application `id` of the old database, if there is a row with that id.
    fn read_candidate(&self, old: &Connection, id: i64) -> Option<Read> {
        type AppRow = (String, String, String, String, i64, String, Option<Vec<u8>>);
        let row: Result<Option<AppRow>, _> = old
            .query_row(
                "SELECT uuid, receipt_no, item_code, submitted_on, created_at, applicant_masked, personal
                 FROM applications WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .optional();
        let (uuid, receipt_no, item_code, submitted_on, created_at, applicant_masked, personal) = match row {
            Ok(Some(row)) => row,
            Ok(None) => return None,
            Err(_) => return Some(Read::Unreadable),
        };
        let state = outbox_state(old, id);
        let Some(personal) = personal else {
            return Some(Read::Delivered);
        };
        if state == Some(OutboxState::Sent) {
            return Some(Read::Delivered);
        }
        if self.cipher().open(&personal_context(&uuid), &personal).is_err() {
            return Some(Read::Unreadable);
        }
        let mut materials = Vec::new();
        let mut photos_lost = 0;
        if let Ok(mut stmt) =
            old.prepare("SELECT code, state, deadline, photo FROM materials WHERE application_id = ?1")
        {
            if let Ok(mut rows) = stmt.query([id]) {
                while let Ok(Some(r)) = rows.next() {
                    let (Ok(code), Ok(state), Ok(deadline)) = (
                        r.get::<_, String>(0),
                        r.get::<_, String>(1),
                        r.get::<_, Option<String>>(2),
                    ) else {
                        continue;
                    };
                    let photo: Option<Vec<u8>> = r.get(3).ok().flatten();
                    let photo = match photo {
                        Some(p) if self.cipher().open(&photo_context(&uuid, &code), &p).is_ok() => Some(p),
                        Some(_) => {
                            photos_lost += 1;
                            None
                        }
                        None => None,
                    };
                    materials.push((code, state, deadline, photo));
                }
            }
        }
        Some(Read::Candidate(Box::new(Candidate {
            uuid,
            receipt_no,
            item_code,
            submitted_on,
            created_at,
            applicant_masked,
            personal,
            state: state.unwrap_or(OutboxState::Pending),
            materials,
            photos_lost,
        })))
    }

    fn requeue(&mut self, c: Candidate, now: i64, report: &mut SalvageReport) -> Result<(), StorageError> {
        let highwater = HighWater::beside(self.path());
        let purge_after = (c.state == OutboxState::Dead).then(|| now.saturating_add(self.retention_secs()));
        let sql = StorageError::from_sqlite;
        let tx = self
            .conn()
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let existing: Option<String> = tx
            .query_row(
                "SELECT uuid FROM applications WHERE uuid = ?1 OR receipt_no = ?2",
                params![c.uuid, c.receipt_no],
                |row| row.get(0),
            )
            .optional()
            .map_err(sql)?;
        match existing {
            Some(uuid) if uuid == c.uuid => {
                report.already_queued += 1;
                return Ok(());
            }
            Some(_) => {
                report.conflicts.push(c.receipt_no);
                return Ok(());
            }
            None => {}
        }
        tx.execute(
            "INSERT INTO applications (uuid, receipt_no, item_code, submitted_on, created_at, applicant_masked, personal, purge_after)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![c.uuid, c.receipt_no, c.item_code, c.submitted_on, c.created_at, c.applicant_masked, c.personal, purge_after],
        )
        .map_err(sql)?;
        let app_id = tx.last_insert_rowid();
        for (code, state, deadline, photo) in &c.materials {
            tx.execute(
                "INSERT INTO materials (application_id, code, state, deadline, photo) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![app_id, code, state, deadline, photo],
            )
            .map_err(sql)?;
        }
        tx.execute(
            "INSERT INTO outbox (application_id, idempotency_key, state, attempts, next_try_at, last_error, created_at, updated_at)
             VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?4)",
            params![
                app_id,
                c.uuid,
                c.state.as_str(),
                now,
                (c.state == OutboxState::Dead).then_some("refused before the database was reset (salvaged)"),
                c.created_at
            ],
        )
        .map_err(sql)?;
        // Keep the sequence past the salvaged number (it was issued, it must not repeat).
        let parts: Vec<&str> = c.receipt_no.split('-').collect();
        if let [prefix, _, seq, _] = parts[..] {
            if let Ok(seq) = seq.parse::<u32>() {
                tx.execute(
                    "INSERT INTO receipt_sequence (prefix, day, last) VALUES (?1, ?2, ?3)
                     ON CONFLICT (prefix, day) DO UPDATE SET last = max(last, ?3)",
                    params![prefix, c.submitted_on, seq],
                )
                .map_err(sql)?;
                highwater.raise(prefix, &c.submitted_on, seq)?;
            }
        }
        tx.commit().map_err(sql)?;
        report.requeued.push(SalvagedRow {
            receipt_no: c.receipt_no,
            item_code: c.item_code,
            applicant_masked: c.applicant_masked,
            state: c.state,
            photos_lost: c.photos_lost,
        });
        Ok(())
    }
}
