//! Durable local storage on SQLite: applications with their outbox rows, materials,
//! the receipt sequence, print intents/outcomes and the audit log.
//!
//! WAL with `synchronous=FULL`: an acknowledged submission survives power loss. Personal
//! fields are sealed with [`crypto::FieldCipher`] before they reach SQLite; only masked
//! forms are stored in clear, and `secure_delete` overwrites what is purged. A database
//! that cannot be opened or fails its integrity check is moved aside (never deleted) and an
//! alarm is raised; `kiosk storage salvage` re-queues what it still holds.
//!
//! The data key is never silently replaced: the database holds a key check value (a sealed
//! known plaintext), and a key file that is missing, empty or different while the database
//! holds a check value or sealed rows stops the kiosk with an error that says what a
//! technician can do. The state directory is 0700, the database and key files 0600.

pub mod audit;
pub mod crypto;
pub mod delivery;
pub mod guard;
mod highwater;
pub mod migrations;
pub mod outbox;
pub mod printing;
mod retry_queue;
pub mod salvage;
pub mod supplements;

use crypto::{CryptoError, FieldCipher, KeyFileState};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior};
use std::fs::{self, OpenOptions};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Personal data of delivered (or refused) applications is kept this long, then purged.
pub const DEFAULT_RETENTION_SECS: i64 = 30 * 86_400;

/// What a technician can do when the key does not fit the database.
const KEY_ADVICE: &str = "A technician can restore the key file from this kiosk's backup; or, deliberately, \
     move the database aside (its applications can be re-queued later with `kiosk storage salvage FILE` \
     once the right key is back) and start again";

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
    #[error("the data key {key} is missing or empty, but the database {db} holds data sealed with a key: refusing to start rather than make a new key (every stored application would become unreadable). {advice}.", advice = KEY_ADVICE)]
    KeyMissing { key: String, db: String },
    #[error("the data key {key} does not open the database {db} (its key check value or sealed data): refusing to start with the wrong key. {advice}.", advice = KEY_ADVICE)]
    KeyMismatch { key: String, db: String },
    #[error("{db} is not an established kiosk store (no database, or no key check value that matches its key): refusing to use it")]
    NotEstablished { db: String },
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

    /// Another connection holds a lock (`SQLITE_BUSY` / `SQLITE_LOCKED`): try again later.
    pub fn is_transient(&self) -> bool {
        matches!(self, StorageError::Sqlite(e)
            if matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)))
    }

    /// The stored row itself cannot be read back (wrong key, tampered, purged, garbled):
    /// retrying will not help. Every other error may be passing.
    pub fn is_unreadable_row(&self) -> bool {
        matches!(
            self,
            StorageError::Crypto(CryptoError::Open) | StorageError::Corrupt(_) | StorageError::NotFound(_)
        )
    }
}

/// How the data key was found to belong to the database when it was opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyCheck {
    /// The stored key check value opened with the key.
    #[default]
    Verified,
    /// An older database without a check value: a sealed row opened; the check was added.
    VerifiedAgainstData,
    /// Nothing was sealed yet: the check value was created now (with a new key, if none).
    Created,
}

/// What happened while opening, for the status page and the technician.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// A damaged database was moved here; the kiosk runs on a fresh one.
    pub moved_aside: Option<PathBuf>,
    pub migrated_from: Option<u32>,
    pub key_check: KeyCheck,
}

pub struct Store {
    conn: Connection,
    cipher: FieldCipher,
    path: PathBuf,
    retention_secs: i64,
    pub report: OpenReport,
    #[cfg(test)]
    pub(crate) fail_next_load: Option<ErrorCode>,
}

pub const DATABASE_FILE: &str = "kiosk.db";
pub const KEY_FILE: &str = "data.key";

/// The key the store is opened with, and whether it still has to be saved.
struct KeySource {
    cipher: FieldCipher,
    file: Option<PathBuf>,
    /// A freshly generated key: saved (atomically) only once the database proves to hold
    /// nothing sealed with another key.
    unsaved: Option<[u8; crypto::KEY_LEN]>,
}

impl KeySource {
    fn from_file(path: PathBuf) -> Result<KeySource, StorageError> {
        Ok(match FieldCipher::load(&path)? {
            KeyFileState::Present(cipher) => KeySource {
                cipher,
                file: Some(path),
                unsaved: None,
            },
            KeyFileState::Absent => {
                let key = FieldCipher::generate_key();
                KeySource {
                    cipher: FieldCipher::from_key(&key),
                    file: Some(path),
                    unsaved: Some(key),
                }
            }
        })
    }

    fn shown(&self) -> String {
        match &self.file {
            Some(path) => path.display().to_string(),
            None => "<key given by the caller>".into(),
        }
    }
}

/// The known plaintext sealed as the key check value.
const KEY_CHECK_PLAINTEXT: &[u8] = b"township-kiosk key check v1";

fn key_check_context(check_id: &str) -> String {
    format!("key_check.sealed:{check_id}")
}

impl Store {
    /// Opens (creating if needed) the store in `state_dir`: the state directory (0700),
    /// the key file (created only when the database holds nothing sealed) and the database.
    pub fn open_in(state_dir: &Path) -> Result<Store, StorageError> {
        prepare_state_dir(state_dir)?;
        let key = KeySource::from_file(state_dir.join(KEY_FILE))?;
        Store::open_with(&state_dir.join(DATABASE_FILE), key, true)
    }

    /// Opens the established store in `state_dir` and creates nothing: the database and the
    /// key must exist and the database must hold a key check value (or sealed data) that
    /// the key opens. For audited actions, so they cannot be pointed at a throw-away store.
    pub fn open_established(state_dir: &Path) -> Result<Store, StorageError> {
        let db = state_dir.join(DATABASE_FILE);
        if !db.is_file() {
            return Err(StorageError::NotEstablished {
                db: db.display().to_string(),
            });
        }
        // A missing key is never saved here (`create` is false): the database either holds
        // sealed data (KeyMissing) or is not established.
        let key = KeySource::from_file(state_dir.join(KEY_FILE))?;
        Store::open_with(&db, key, false)
    }

    /// Opens `path` with a key held by the caller (tests, tools).
    pub fn open(path: &Path, cipher: FieldCipher) -> Result<Store, StorageError> {
        let key = KeySource {
            cipher,
            file: None,
            unsaved: None,
        };
        Store::open_with(path, key, true)
    }

    fn open_with(path: &Path, key: KeySource, create: bool) -> Result<Store, StorageError> {
        let mut report = OpenReport::default();
        prepare_private_file(path)?;
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
                prepare_private_file(path)?;
                open_checked(path).map_err(|e| match e {
                    OpenFailure::Damaged(reason) => StorageError::Corrupt(reason),
                    OpenFailure::Other(e) => e,
                })?
            }
            Err(OpenFailure::Other(e)) => return Err(e),
        };
        let shown_key = key.shown();
        let mut store = Store {
            conn,
            cipher: key.cipher,
            path: path.to_path_buf(),
            retention_secs: DEFAULT_RETENTION_SECS,
            report,
            #[cfg(test)]
            fail_next_load: None,
        };
        store.upgrade()?;
        store.report.key_check = store.establish_key(&shown_key, key.file.as_deref(), key.unsaved.as_ref(), create)?;
        for extra in ["-wal", "-shm"] {
            tighten(&PathBuf::from(format!("{}{extra}", path.display())))?;
        }
        if let Some(aside) = store.report.moved_aside.clone() {
            store.audit(
                "system",
                "storage.moved-aside",
                &format!("damaged database moved to {}", aside.display()),
            )?;
        }
        store.upgrade_audit_chain()?;
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

    /// Proves that the key belongs to this database, or stores the proof for next time.
    fn establish_key(
        &mut self,
        shown_key: &str,
        key_file: Option<&Path>,
        unsaved: Option<&[u8; crypto::KEY_LEN]>,
        create: bool,
    ) -> Result<KeyCheck, StorageError> {
        let db = self.path.display().to_string();
        let Store { conn, cipher, .. } = self;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let check: Option<(String, Vec<u8>)> = tx
            .query_row("SELECT check_id, sealed FROM key_check WHERE id = 1", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        let (origin, evidence) = match check {
            Some((id, sealed)) => (KeyCheck::Verified, Some((key_check_context(&id), sealed))),
            None => match outbox::first_sealed_value(&tx)? {
                Some(sample) => (KeyCheck::VerifiedAgainstData, Some(sample)),
                None => (KeyCheck::Created, None),
            },
        };
        match evidence {
            Some(_) if unsaved.is_some() => {
                return Err(StorageError::KeyMissing {
                    key: shown_key.to_string(),
                    db,
                })
            }
            Some((context, sealed)) => {
                let opened = cipher.open(&context, &sealed);
                let fits = match origin {
                    KeyCheck::Verified => opened.is_ok_and(|plain| plain == KEY_CHECK_PLAINTEXT),
                    _ => opened.is_ok(),
                };
                if !fits {
                    return Err(StorageError::KeyMismatch {
                        key: shown_key.to_string(),
                        db,
                    });
                }
            }
            None if !create => return Err(StorageError::NotEstablished { db }),
            None => {}
        }
        if origin == KeyCheck::Verified {
            return Ok(origin);
        }
        if let (Some(file), Some(key)) = (key_file, unsaved) {
            FieldCipher::save_key(file, key)?;
            log::info!("storage: created the data key {}", file.display());
        }
        let check_id = uuid::Uuid::new_v4().to_string();
        let sealed = cipher.seal(&key_check_context(&check_id), KEY_CHECK_PLAINTEXT)?;
        tx.execute(
            "INSERT INTO key_check (id, check_id, sealed, created_at) VALUES (1, ?1, ?2, ?3)",
            rusqlite::params![check_id, sealed, now_unix()],
        )?;
        tx.commit()?;
        Ok(origin)
    }

    /// The id of the key check value: the anchor of the audit chain.
    pub(crate) fn key_check_id(conn: &Connection) -> Result<String, StorageError> {
        conn.query_row("SELECT check_id FROM key_check WHERE id = 1", [], |row| row.get(0))
            .optional()?
            .ok_or_else(|| StorageError::Corrupt("the key check value is missing".into()))
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

    /// How long personal data of delivered or refused applications is kept.
    pub fn retention_secs(&self) -> i64 {
        self.retention_secs
    }

    pub fn set_retention_secs(&mut self, secs: i64) {
        self.retention_secs = secs.max(0);
    }
}

/// Creates the state directory 0700, or tightens an existing one that others can enter.
pub fn prepare_state_dir(dir: &Path) -> Result<(), StorageError> {
    fs::create_dir_all(dir)?;
    let mode = fs::metadata(dir)?.permissions().mode();
    if mode & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        if mode & 0o777 != 0o755 {
            log::warn!(
                "state directory {} was open to others (mode {:o}); tightened to 0700",
                dir.display(),
                mode & 0o777
            );
        }
    }
    Ok(())
}

/// Creates `path` empty with mode 0600 if it does not exist, else tightens its mode.
fn prepare_private_file(path: &Path) -> Result<(), StorageError> {
    match OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => tighten(path),
        Err(e) => Err(e.into()),
    }
}

/// Makes an existing file 0600 (a missing one is fine).
fn tighten(path: &Path) -> Result<(), StorageError> {
    match fs::metadata(path) {
        Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
            fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
            Ok(())
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.into()),
    }
}

pub(crate) use crate::private_file::write_atomic;

/// Databases that were moved aside in `dir` (oldest first), for the status page.
pub fn moved_aside_databases(dir: &Path) -> Vec<PathBuf> {
    let prefix = format!("{DATABASE_FILE}.corrupt-");
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name().is_some_and(|n| {
                        let n = n.to_string_lossy();
                        n.starts_with(&prefix) && !n.ends_with("-wal") && !n.ends_with("-shm")
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
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
    // Purged personal data is overwritten, not just unlinked from the b-tree.
    conn.pragma_update(None, "secure_delete", "ON").map_err(damaged)?;
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
