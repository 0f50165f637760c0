//! The catalogue cached for an offline start. Against a real central system the kiosk
//! syncs the catalogue with its ETag (`If-None-Match`: a 304 costs no body) and keeps the
//! last good copy in `<state-dir>/catalogue-cache.json`, written atomically (temp file,
//! fsync, rename), and only after it parsed. At start it asks the central system for a
//! bounded moment; when that fails it uses the cache, and without a usable cache the
//! packaged catalogue ([`super::load_catalogue`]) — a corrupt cache is a warning, never a
//! failed start. A background thread keeps the cache current. The simulation ("sim")
//! keeps the packaged catalogue.

use super::central::{CatalogueSync, CentralError, CentralSystem};
use crate::config::Config;
use crate::domain::catalogue::Catalogue;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const CACHE_FILE: &str = "catalogue-cache.json";
/// How long the start waits for the central system's catalogue before using the cache.
pub const START_WAIT: Duration = Duration::from_secs(4);
/// How often the background thread syncs.
pub const SYNC_EVERY: Duration = Duration::from_secs(15 * 60);
/// The next try after a failed sync.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(2 * 60);

/// Writers in this process take turns (the start sync may still run when the background
/// thread begins).
static WRITING: Mutex<()> = Mutex::new(());

/// The cache file's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cached {
    pub etag: Option<String>,
    pub version: String,
    /// Unix seconds of the sync that brought this copy.
    pub fetched_at: i64,
    /// The catalogue file, as `Catalogue::parse` reads it.
    pub toml: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot read the catalogue cache {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("the catalogue cache {path} is corrupt: {reason}")]
    Corrupt { path: String, reason: String },
    #[error("cannot write the catalogue cache {path}: {source}")]
    Write { path: String, source: std::io::Error },
    #[error("the central system's catalogue is invalid: {0}")]
    Invalid(String),
    #[error(transparent)]
    Central(#[from] CentralError),
}

pub fn path(state_dir: &Path) -> PathBuf {
    state_dir.join(CACHE_FILE)
}

/// The cached catalogue: `None` when there is none, an error when it is unreadable or does
/// not parse (as JSON or as a catalogue).
pub fn read(state_dir: &Path) -> Result<Option<(Cached, Catalogue)>, CacheError> {
    let file = path(state_dir);
    let shown = || file.display().to_string();
    let bytes = match std::fs::read(&file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(CacheError::Read { path: shown(), source }),
    };
    let cached: Cached = serde_json::from_slice(&bytes).map_err(|e| CacheError::Corrupt {
        path: shown(),
        reason: e.to_string(),
    })?;
    let catalogue = Catalogue::parse(&cached.toml).map_err(|e| CacheError::Corrupt {
        path: shown(),
        reason: e.to_string(),
    })?;
    Ok(Some((cached, catalogue)))
}

fn write(state_dir: &Path, cached: &Cached) -> Result<(), CacheError> {
    let file = path(state_dir);
    let bytes = serde_json::to_vec(cached).map_err(|e| CacheError::Invalid(e.to_string()))?;
    let _turn = WRITING.lock().unwrap_or_else(|p| p.into_inner());
    let failed = |source| CacheError::Write {
        path: file.display().to_string(),
        source,
    };
    // The state directory is made as the store makes it (0700), when this comes first.
    crate::storage::prepare_state_dir(state_dir).map_err(|e| failed(std::io::Error::other(e.to_string())))?;
    crate::storage::write_atomic(&file, &bytes).map_err(failed)
}

/// What a sync did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Synced {
    /// The cache is current (the server answered 304 to its ETag).
    NotModified { version: String },
    /// A new catalogue was cached.
    Updated { version: String },
}

/// One sync: sends the cache's ETag (none when there is no usable cache) and caches a
/// changed catalogue once it parsed. A failure leaves the cache as it was.
pub fn sync(central: &dyn CentralSystem, state_dir: &Path, now: i64) -> Result<Synced, CacheError> {
    let current = read(state_dir).ok().flatten();
    let etag = current.as_ref().and_then(|(c, _)| c.etag.clone());
    match central.catalogue(etag.as_deref())? {
        CatalogueSync::NotModified => match current {
            Some((cached, _)) => Ok(Synced::NotModified {
                version: cached.version,
            }),
            None => Err(CacheError::Invalid("304 without a cached catalogue".into())),
        },
        CatalogueSync::Changed { etag, catalogue } => {
            let parsed = Catalogue::parse(&catalogue.toml).map_err(|e| CacheError::Invalid(e.to_string()))?;
            let cached = Cached {
                etag,
                version: parsed.version.clone(),
                fetched_at: now,
                toml: catalogue.toml,
            };
            write(state_dir, &cached)?;
            Ok(Synced::Updated {
                version: cached.version,
            })
        }
    }
}

/// Where the catalogue the kiosk starts with came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Packaged: the configured file or the one built in.
    Packaged,
    /// Synced from the central system at this start.
    Central,
    /// The cache: the central system did not answer in time.
    Cached { fetched_at: i64 },
}

impl Origin {
    pub fn describe(&self) -> String {
        match self {
            Origin::Packaged => "packaged".into(),
            Origin::Central => "from the central system (cached for offline start)".into(),
            Origin::Cached { fetched_at } => {
                format!(
                    "cached from the central system on {} (central unreachable)",
                    crate::domain::calendar::Date::from_unix_china(*fetched_at)
                )
            }
        }
    }
}

pub struct StartCatalogue {
    pub catalogue: Catalogue,
    pub origin: Origin,
    /// For the operator: a failed sync, a corrupt cache. Never personal data.
    pub warnings: Vec<String>,
    /// Whether the start sync succeeded (the background thread then waits a full period).
    pub synced: bool,
}

/// The catalogue to start with: the central system's (asked for at most [`START_WAIT`]),
/// else the cache, else the packaged one. Only a broken packaged catalogue is an error.
pub fn for_start(
    config: &Config,
    central: Option<Arc<dyn CentralSystem>>,
) -> Result<StartCatalogue, super::CatalogueLoadError> {
    let packaged = |warnings: Vec<String>| {
        super::load_catalogue(config).map(|catalogue| StartCatalogue {
            catalogue,
            origin: Origin::Packaged,
            warnings,
            synced: false,
        })
    };
    let Some(central) = central.filter(|_| config.central.url != "sim") else {
        return packaged(Vec::new());
    };
    let state_dir = config.kiosk.state_dir.clone();
    let mut warnings = Vec::new();
    let (tx, rx) = std::sync::mpsc::channel();
    let dir = state_dir.clone();
    let spawned = std::thread::Builder::new()
        .name("catalogue-sync".into())
        .spawn(move || {
            let _ = tx.send(sync(central.as_ref(), &dir, crate::storage::now_unix()));
        });
    let synced = match spawned.map(|_| rx.recv_timeout(START_WAIT)) {
        Ok(Ok(Ok(_))) => true,
        Ok(Ok(Err(e))) => {
            warnings.push(format!("catalogue sync: {e}"));
            false
        }
        Ok(Err(_)) => {
            warnings.push(format!("catalogue sync: no answer within {} s", START_WAIT.as_secs()));
            false
        }
        Err(e) => {
            warnings.push(format!("catalogue sync: cannot start: {e}"));
            false
        }
    };
    match read(&state_dir) {
        Ok(Some((cached, catalogue))) => Ok(StartCatalogue {
            catalogue,
            origin: if synced {
                Origin::Central
            } else {
                Origin::Cached {
                    fetched_at: cached.fetched_at,
                }
            },
            warnings,
            synced,
        }),
        Ok(None) => packaged(warnings),
        Err(e) => {
            warnings.push(format!("{e}; using the packaged catalogue"));
            packaged(warnings)
        }
    }
}

/// Keeps the cache current: a sync every [`SYNC_EVERY`], the first one after `first`.
/// The running kiosk keeps the catalogue it started with; the next start uses the cache.
pub fn spawn_sync(state_dir: PathBuf, central: Arc<dyn CentralSystem>, first: Duration, stop: &'static AtomicBool) {
    let spawned = std::thread::Builder::new()
        .name("catalogue-sync".into())
        .spawn(move || {
            let mut next = Instant::now() + first;
            while !stop.load(Ordering::SeqCst) {
                if Instant::now() >= next {
                    let wait = match sync(central.as_ref(), &state_dir, crate::storage::now_unix()) {
                        Ok(Synced::Updated { version }) => {
                            log::info!("catalogue {version} cached for the next start");
                            SYNC_EVERY
                        }
                        Ok(Synced::NotModified { .. }) => SYNC_EVERY,
                        Err(e) => {
                            log::warn!("catalogue sync: {e}");
                            RETRY_AFTER_FAILURE
                        }
                    };
                    next = Instant::now() + wait;
                }
                std::thread::sleep(Duration::from_millis(250));
            }
        });
    if let Err(e) = spawned {
        log::error!("cannot start the catalogue sync: {e}");
    }
}

#[cfg(test)]
mod tests;
