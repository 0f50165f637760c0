//! The update spool on the data partition (`<state-dir>/updates`), shared with the image's
//! root update agent and health check (packaging/image/bin): the kiosk writes a bundle
//! (`ROLLOUT-SHA.raucb`, first as `.part`) and `ready` (`rollout=`, `version=`, `bundle=`,
//! `window=` lines) once its SHA-256 is checked; the agent and the health check write
//! `state` (`stage=`, `rollout=`, `version=`, `reason=` lines). Plain `key=value` lines: the
//! agent is a shell script and parses nothing else.

use std::path::{Path, PathBuf};
use township_core::firmware_api::{UpdateOffer, UpdateStage};

pub struct Spool {
    dir: PathBuf,
}

/// What the agent or the health check last wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpoolState {
    pub stage: UpdateStage,
    pub rollout_id: i64,
    pub version: String,
    pub reason: Option<String>,
}

fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        .map(str::trim)
}

impl Spool {
    pub fn new(dir: PathBuf) -> Spool {
        Spool { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The bundle's file name: the rollout and the start of its hash (nothing a caller
    /// could steer: the agent takes it from `ready`).
    pub fn bundle_name(offer: &UpdateOffer) -> String {
        let hash: String = offer.sha256.chars().filter(char::is_ascii_hexdigit).take(16).collect();
        format!("{}-{hash}.raucb", offer.rollout_id)
    }

    pub fn bundle_path(&self, offer: &UpdateOffer) -> PathBuf {
        self.dir.join(Self::bundle_name(offer))
    }

    pub fn part_path(&self, offer: &UpdateOffer) -> PathBuf {
        self.dir.join(format!("{}.part", Self::bundle_name(offer)))
    }

    /// Hands a checked bundle to the agent.
    pub fn write_ready(&self, offer: &UpdateOffer, window: Option<&str>) -> std::io::Result<()> {
        let text = format!(
            "rollout={}\nversion={}\nbundle={}\nwindow={}\n",
            offer.rollout_id,
            offer.version,
            Self::bundle_name(offer),
            window.unwrap_or("")
        );
        crate::private_file::write_atomic(&self.dir.join("ready"), text.as_bytes())
    }

    /// The rollout handed to the agent and not yet taken.
    pub fn ready_rollout(&self) -> Option<i64> {
        let text = std::fs::read_to_string(self.dir.join("ready")).ok()?;
        field(&text, "rollout")?.parse().ok()
    }

    /// Takes back a bundle the agent has not started on (the offer was withdrawn).
    pub fn withdraw(&self, offer: &UpdateOffer) {
        if self.ready_rollout() == Some(offer.rollout_id) {
            let _ = std::fs::remove_file(self.dir.join("ready"));
            let _ = std::fs::remove_file(self.bundle_path(offer));
        }
    }

    /// Removes bundles and partial downloads of other rollouts (the data partition is small).
    pub fn keep_only(&self, offer: &UpdateOffer) {
        let keep = Self::bundle_name(offer);
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if (name.ends_with(".raucb") || name.ends_with(".raucb.part")) && !name.starts_with(&keep) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    pub fn state(&self) -> Option<SpoolState> {
        let text = std::fs::read_to_string(self.dir.join("state")).ok()?;
        Some(SpoolState {
            stage: UpdateStage::parse(field(&text, "stage")?)?,
            rollout_id: field(&text, "rollout")?.parse().ok()?,
            version: field(&text, "version").unwrap_or_default().to_string(),
            reason: field(&text, "reason")
                .filter(|r| !r.is_empty())
                .map(|r| r.chars().take(200).collect()),
        })
    }
}
