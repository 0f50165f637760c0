//! `simulate-fleet`'s kiosks as image kiosks: each reports an image version and slot, takes
//! an offered rollout one stage per heartbeat (downloading — with a real range request for
//! the bundle's first 64 KiB — installing, then done or failed) so a rollout's widening and
//! halting are exercised by a fleet. A share of the kiosks (`--update-failure-rate`,
//! chosen by a hash of their id) fail as a bundle that never becomes healthy would.

use sha2::{Digest, Sha256};
use township_core::firmware_api::{FirmwareState, UpdateOffer, UpdateReport, UpdateStage};

/// The image version a simulated kiosk starts on.
pub const SIM_IMAGE_VERSION: &str = "sim-image-1";
/// How much of the bundle a simulated kiosk fetches (one range request).
const PROBE_BYTES: u64 = 64 * 1024;

pub struct SimFirmware {
    version: String,
    slot: &'static str,
    report: Option<UpdateReport>,
    fails: bool,
}

/// What the kiosk does after a heartbeat's reply.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    Nothing,
    /// Fetch `GET /rollouts/{id}/bundle` bytes `from..=to`.
    Fetch {
        rollout_id: i64,
        from: u64,
        to: u64,
    },
    Finished(UpdateStage),
}

impl SimFirmware {
    pub fn new(kiosk_id: &str, failure_rate: f64) -> SimFirmware {
        let digest = Sha256::digest(kiosk_id.as_bytes());
        let draw = u16::from_be_bytes([digest[0], digest[1]]) as f64 / 65536.0;
        SimFirmware {
            version: SIM_IMAGE_VERSION.into(),
            slot: "A",
            report: None,
            fails: draw < failure_rate,
        }
    }

    pub fn state(&self) -> FirmwareState {
        FirmwareState {
            version: self.version.clone(),
            slot: self.slot.into(),
            update: self.report.clone(),
        }
    }

    pub fn step(&mut self, offer: Option<&UpdateOffer>) -> Step {
        let Some(offer) = offer else {
            // Withdrawn (paused, halted): an unfinished update stops here.
            if self.report.as_ref().is_some_and(|r| !r.stage.finished()) {
                self.report = None;
            }
            return Step::Nothing;
        };
        if offer.version == self.version {
            return Step::Nothing;
        }
        let stage = self
            .report
            .as_ref()
            .filter(|r| r.rollout_id == offer.rollout_id)
            .map(|r| r.stage);
        let report = |stage, reason: Option<&str>| UpdateReport {
            rollout_id: offer.rollout_id,
            version: offer.version.clone(),
            stage,
            percent: None,
            reason: reason.map(str::to_string),
        };
        match stage {
            None => {
                self.report = Some(report(UpdateStage::Downloading, None));
                Step::Fetch {
                    rollout_id: offer.rollout_id,
                    from: 0,
                    to: PROBE_BYTES.min(offer.size).saturating_sub(1),
                }
            }
            Some(UpdateStage::Downloading | UpdateStage::Downloaded) => {
                self.report = Some(report(UpdateStage::Installing, None));
                Step::Nothing
            }
            Some(UpdateStage::Installing | UpdateStage::Rebooting) if self.fails => {
                self.report = Some(report(
                    UpdateStage::Failed,
                    Some("rolled back: the new slot did not become healthy in 3 boots (simulated)"),
                ));
                Step::Finished(UpdateStage::Failed)
            }
            Some(UpdateStage::Installing | UpdateStage::Rebooting) => {
                self.report = Some(report(UpdateStage::Done, None));
                self.version = offer.version.clone();
                self.slot = if self.slot == "A" { "B" } else { "A" };
                Step::Finished(UpdateStage::Done)
            }
            Some(_) => Step::Nothing,
        }
    }

    /// A failed range request: the download failed (reported as such).
    pub fn fetch_failed(&mut self, offer_id: i64, why: &str) {
        if let Some(r) = self.report.as_mut().filter(|r| r.rollout_id == offer_id) {
            r.stage = UpdateStage::Failed;
            r.reason = Some(format!("download: {why}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer() -> UpdateOffer {
        UpdateOffer {
            rollout_id: 7,
            version: "2".into(),
            size: 100_000,
            sha256: "ab".repeat(32),
        }
    }

    #[test]
    fn a_healthy_kiosk_downloads_installs_and_runs_the_new_version() {
        let mut kiosk = SimFirmware::new("K", 0.0);
        assert_eq!(
            kiosk.step(Some(&offer())),
            Step::Fetch {
                rollout_id: 7,
                from: 0,
                to: PROBE_BYTES - 1
            }
        );
        assert_eq!(kiosk.state().update.unwrap().stage, UpdateStage::Downloading);
        assert_eq!(kiosk.step(Some(&offer())), Step::Nothing);
        assert_eq!(kiosk.step(Some(&offer())), Step::Finished(UpdateStage::Done));
        let state = kiosk.state();
        assert_eq!((state.version.as_str(), state.slot.as_str()), ("2", "B"));
        assert_eq!(kiosk.step(Some(&offer())), Step::Nothing);
    }

    #[test]
    fn a_failing_kiosk_reports_why_and_a_withdrawn_offer_stops_an_unfinished_one() {
        let mut kiosk = SimFirmware::new("K", 1.0);
        kiosk.step(Some(&offer()));
        kiosk.step(Some(&offer()));
        assert_eq!(kiosk.step(Some(&offer())), Step::Finished(UpdateStage::Failed));
        assert!(kiosk.state().update.unwrap().reason.unwrap().contains("rolled back"));
        assert_eq!(kiosk.state().version, SIM_IMAGE_VERSION);

        let mut other = SimFirmware::new("L", 0.0);
        other.step(Some(&offer()));
        other.step(None);
        assert_eq!(other.state().update, None);
    }
}
