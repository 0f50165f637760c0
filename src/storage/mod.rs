//! Durable local storage on SQLite: applications with their outbox rows, materials,
//! the receipt sequence, print intents/outcomes and the audit log.
//!
//! WAL with `synchronous=FULL`: an acknowledged submission survives power loss. Personal
//! fields are sealed with [`crypto::FieldCipher`] before they reach SQLite; only masked
//! forms are stored in clear. A database that cannot be opened or fails its integrity check
//! is moved aside (never deleted) and an alarm is raised.

pub mod audit;
pub mod crypto;
pub mod migrations;
pub mod outbox;
pub mod printing;

use crypto::{CryptoError, FieldCipher};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the disk is full: nothing was stored")]
    DiskFull,
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("database {path} has schema version {found}, newer than this kiosk ({supported}): refusing to downgrade")]
    TooNew { path: String, found: u32, supported: u32 },
    #[error("cannot move the damaged database aside: {0}")]
    MoveAside(std::io::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("no such record: {0}")]
    NotFound(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

impl StorageError {
    /// Translation key for a citizen-facing message.
    pub fn message(&self) -> crate::domain::message::Message {
        match self {
            StorageError::DiskFull => crate::domain::message::Message::SubmitDiskFull,
            _ => crate::domain::message::Message::SubmitStorage,
        }
    }

    fn from_sqlite(error: rusqlite::Error) -> StorageError {
        match error.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StorageError::DiskFull,
            _ => StorageError::Sqlite(error),
        }
    }
}

/// What happened while opening, for the status page and the technician.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// A damaged database was moved here; the kiosk runs on a fresh one.
    pub moved_aside: Option<PathBuf>,
    pub migrated_from: Option<u32>,
}

pub struct Store {
    conn: Connection,
    cipher: FieldCipher,
    path: PathBuf,
    pub report: OpenReport,
}

pub const DATABASE_FILE: &str = "kiosk.db";
pub const KEY_FILE: &str = "data.key";

impl Store {
    /// Opens (creating if needed) the store in `state_dir`.
    pub fn open_in(state_dir: &Path) -> Result<Store, StorageError> {
        std::fs::create_dir_all(state_dir)?;
        let cipher = FieldCipher::load_or_create(&state_dir.join(KEY_FILE))?;
        Store::open(&state_dir.join(DATABASE_FILE), cipher)
    }

    pub fn open(path: &Path, cipher: FieldCipher) -> Result<Store, StorageError> {
        let mut report = OpenReport::default();
        let conn = match open_checked(path) {
            Ok(conn) => conn,
            Err(OpenFailure::Damaged(reason)) => {
                let aside = move_aside(path).map_err(StorageError::MoveAside)?;
                log::error!(
                    "ALARM storage: database {} is damaged ({reason}); moved aside to {}",
                    path.display(),
                    aside.display()
                );
                report.moved_aside = Some(aside);
                open_checked(path).map_err(|e| match e {
                    OpenFailure::Damaged(reason) => StorageError::Corrupt(reason),
                    OpenFailure::Other(e) => e,
                })?
            }
            Err(OpenFailure::Other(e)) => return Err(e),
        };
        let mut store = Store {
            conn,
            cipher,
            path: path.to_path_buf(),
            report,
        };
        store.upgrade()?;
        if let Some(aside) = store.report.moved_aside.clone() {
            store.audit(
                "system",
                "storage.moved-aside",
                &format!("damaged database moved to {}", aside.display()),
            )?;
        }
        Ok(store)
    }

    fn upgrade(&mut self) -> Result<(), StorageError> {
        let found = migrations::version(&self.conn)?;
        if found > migrations::LATEST {
            return Err(StorageError::TooNew {
                path: self.path.display().to_string(),
                found,
                supported: migrations::LATEST,
            });
        }
        if found < migrations::LATEST {
            migrations::migrate_to(&mut self.conn, migrations::LATEST).map_err(StorageError::from_sqlite)?;
            if found > 0 {
                self.report.migrated_from = Some(found);
            }
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub(crate) fn cipher(&self) -> &FieldCipher {
        &self.cipher
    }

    pub fn schema_version(&self) -> Result<u32, StorageError> {
        Ok(migrations::version(&self.conn)?)
    }
}

enum OpenFailure {
    Damaged(String),
    Other(StorageError),
}

fn open_checked(path: &Path) -> Result<Connection, OpenFailure> {
    let damaged = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => OpenFailure::Damaged(e.to_string()),
        _ => OpenFailure::Other(StorageError::from_sqlite(e)),
    };
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)
        .map_err(damaged)?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(damaged)?;
    // journal_mode is the first statement that reads the file: garbage fails here.
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
        .map_err(damaged)?;
    conn.pragma_update(None, "synchronous", "FULL").map_err(damaged)?;
    conn.pragma_update(None, "foreign_keys", "ON").map_err(damaged)?;
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(damaged)?;
    if check != "ok" {
        return Err(OpenFailure::Damaged(format!("quick_check: {check}")));
    }
    Ok(conn)
}

/// Renames the database and its WAL/SHM files to `<name>.corrupt-<unix time>[-n]`.
fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut n = 0;
    let aside = loop {
        let suffix = if n == 0 {
            format!("corrupt-{stamp}")
        } else {
            format!("corrupt-{stamp}-{n}")
        };
        let candidate = PathBuf::from(format!("{}.{suffix}", path.display()));
        if !candidate.exists() {
            break candidate;
        }
        n += 1;
    };
    std::fs::rename(path, &aside)?;
    for extra in ["-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{extra}", path.display()));
        if from.exists() {
            std::fs::rename(&from, PathBuf::from(format!("{}{extra}", aside.display())))?;
        }
    }
    Ok(aside)
}

pub(crate) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
pub(crate) mod tests;
