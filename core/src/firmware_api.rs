//! The firmware part of the kiosk API: what a kiosk booted from the image reports in its
//! heartbeat (image version, slot, the progress of an offered update) and the update the
//! central system offers in its reply (a staged rollout). The bundle itself is fetched in
//! ranges from `GET /rollouts/{id}/bundle` over the same mutual-TLS channel.

use serde::{Deserialize, Serialize};

/// The largest range one bundle request may ask for (bytes).
pub const BUNDLE_RANGE_MAX: u64 = 4 * 1024 * 1024;

/// The image a kiosk runs (`/etc/township-release`, the booted slot) and where it stands
/// with an offered update.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirmwareState {
    pub version: String,
    /// `A` or `B`: the root slot it booted.
    pub slot: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdateReport>,
}

/// One kiosk's progress with a rollout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateReport {
    pub rollout_id: i64,
    pub version: String,
    pub stage: UpdateStage,
    /// Downloading: how much is there, in per cent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<u8>,
    /// Why it failed (no personal data: RAUC's and the kiosk's own words).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpdateStage {
    Downloading,
    /// Downloaded and its SHA-256 checked: waiting for an idle kiosk.
    Downloaded,
    Installing,
    Rebooting,
    /// Booted into the new slot and found healthy.
    Done,
    Failed,
}

impl UpdateStage {
    /// Every stage, in the order a kiosk goes through them.
    pub const ALL: [UpdateStage; 6] = [
        UpdateStage::Downloading,
        UpdateStage::Downloaded,
        UpdateStage::Installing,
        UpdateStage::Rebooting,
        UpdateStage::Done,
        UpdateStage::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UpdateStage::Downloading => "downloading",
            UpdateStage::Downloaded => "downloaded",
            UpdateStage::Installing => "installing",
            UpdateStage::Rebooting => "rebooting",
            UpdateStage::Done => "done",
            UpdateStage::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<UpdateStage> {
        UpdateStage::ALL.into_iter().find(|stage| stage.as_str() == s)
    }

    /// Done or failed: the kiosk has finished with this rollout.
    pub fn finished(self) -> bool {
        matches!(self, UpdateStage::Done | UpdateStage::Failed)
    }
}

/// An update the central system offers this kiosk (in the heartbeat's reply).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateOffer {
    pub rollout_id: i64,
    pub version: String,
    pub size: u64,
    /// Lower-case hex of the bundle's SHA-256.
    pub sha256: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_read_back_and_only_done_and_failed_finish() {
        for stage in UpdateStage::ALL {
            assert_eq!(UpdateStage::parse(stage.as_str()), Some(stage));
            let json = serde_json::to_string(&stage).unwrap();
            assert_eq!(json, format!("\"{}\"", stage.as_str()));
            assert_eq!(
                stage.finished(),
                matches!(stage, UpdateStage::Done | UpdateStage::Failed)
            );
        }
        assert_eq!(UpdateStage::parse("installed"), None);
    }

    #[test]
    fn a_heartbeat_without_firmware_reads_as_before() {
        let state: FirmwareState = serde_json::from_str(r#"{"version":"1.0","slot":"A"}"#).unwrap();
        assert_eq!(state.update, None);
        assert!(!serde_json::to_string(&state).unwrap().contains("update"));
    }
}
