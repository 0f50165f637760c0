//! Orchestration without any UI toolkit: loads the configuration and catalogue, opens the
//! store, runs the outbox worker against the central system, and (with the UI) carries out
//! the session's effects against devices. Everything here is testable without Slint.

pub mod address_entry;
pub mod appointment;
pub mod attract;
pub mod board;
pub mod camera;
pub mod card_reminder;
pub mod catalogue_cache;
pub mod central;
pub mod central_http;
pub mod central_sim;
pub mod consult;
pub mod devices;
pub mod doctor;
pub mod feedback;
pub mod firmware;
pub mod gpio_policy;
pub mod gpio_service;
pub mod gpio_status;
pub mod i18n;
pub mod inbox;
pub mod intent;
pub mod journey;
pub mod kiosk;
pub mod local_status;
pub mod log_ring;
pub mod lookup;
pub mod outbox_worker;
pub mod page;
pub mod payment;
pub mod printing;
pub mod progress;
pub mod progress_key;
pub mod receipt_scan;
pub mod report;
pub mod services;
pub mod settings_edit;
pub mod shared;
pub mod sim_controls;
pub mod staging;
pub mod status;
pub mod supplement_delivery;
pub mod supply;
pub mod technician;
pub mod technician_desk;
pub mod telemetry;
pub mod text_entry;
pub mod view;
pub mod voice;
pub mod voice_prompts;
pub mod worker;

use crate::config::{Config, LoadedConfig};
use crate::domain::catalogue::{Catalogue, CatalogueError};
use std::path::Path;

/// Made-up sample data for benchmarks, screenshots and the simulators.
pub use township_core::sample;
/// The catalogue built into the binary (the packaged data file at build time).
pub use township_core::EMBEDDED_CATALOGUE;

#[derive(Debug, thiserror::Error)]
pub enum CatalogueLoadError {
    #[error("cannot read catalogue {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("catalogue {path}: {source}")]
    Invalid { path: String, source: CatalogueError },
}

/// The configured catalogue file, or the embedded one.
pub fn load_catalogue(config: &Config) -> Result<Catalogue, CatalogueLoadError> {
    match &config.kiosk.catalogue {
        Some(path) if path.exists() || config_requires_file(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| CatalogueLoadError::Read {
                path: path.display().to_string(),
                source,
            })?;
            Catalogue::parse(&text).map_err(|source| CatalogueLoadError::Invalid {
                path: path.display().to_string(),
                source,
            })
        }
        Some(_) => Catalogue::parse(EMBEDDED_CATALOGUE).map_err(|source| CatalogueLoadError::Invalid {
            path: "<embedded>".into(),
            source,
        }),
        None => {
            let text = crate::data::text("catalogue.toml", EMBEDDED_CATALOGUE);
            Catalogue::parse(&text).map_err(|source| CatalogueLoadError::Invalid {
                path: "catalogue.toml".into(),
                source,
            })
        }
    }
}

/// A catalogue path outside the packaged location must exist: a typo there is an error,
/// while a missing packaged file (a developer machine) falls back to the embedded copy.
fn config_requires_file(path: &Path) -> bool {
    !path.starts_with("/usr/share/township-kiosk")
}

/// Where the configuration comes from when `--config` is not given.
pub fn default_config_path() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("KIOSK_CONFIG") {
        return Some(path.into());
    }
    let packaged = Path::new(crate::config::DEFAULT_CONFIG_PATH);
    packaged.exists().then(|| packaged.to_path_buf())
}

/// Describes where the effective configuration came from, for humans.
pub fn describe_source(loaded: &LoadedConfig) -> String {
    let base = loaded
        .source
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "embedded defaults".into());
    match &loaded.overrides {
        Some(over) => format!("{base} + overrides {}", over.display()),
        None => base,
    }
}
