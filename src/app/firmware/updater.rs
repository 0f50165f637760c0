//! The kiosk's side of an update: holds the offer from the latest heartbeat reply and, on
//! its own thread, downloads the bundle in ranges over the kiosk's mutual-TLS channel
//! (resuming a `.part` left by a restart or a lost network), checks its size and SHA-256,
//! and hands it to the root agent through the [`Spool`]. A withdrawn offer stops the
//! download and takes back a bundle the agent has not started on. Retries back off up to
//! five minutes; a bundle that fails its checksum three times is reported failed.

use super::{Image, Spool};
use crate::app::central::CentralSystem;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use township_core::firmware_api::{FirmwareState, UpdateOffer, UpdateReport, UpdateStage, BUNDLE_RANGE_MAX};

/// One range request's size.
pub const CHUNK_BYTES: u64 = 1024 * 1024;
/// The largest bundle a kiosk takes (the data partition holds it).
const MAX_BUNDLE_BYTES: u64 = 2 * 1024 * 1024 * 1024;
const CHECKSUM_TRIES: u32 = 3;

pub struct Updater {
    image: Image,
    spool: Spool,
    window: Option<String>,
    central: Arc<dyn CentralSystem>,
    inner: Mutex<Inner>,
    changed: Condvar,
}

#[derive(Default)]
struct Inner {
    offer: Option<UpdateOffer>,
    /// This process's own progress with the offer (downloading, downloaded, failed).
    report: Option<UpdateReport>,
}

impl Updater {
    pub fn new(image: Image, spool: Spool, window: Option<String>, central: Arc<dyn CentralSystem>) -> Updater {
        Updater {
            image,
            spool,
            window,
            central,
            inner: Mutex::new(Inner::default()),
            changed: Condvar::new(),
        }
    }

    pub fn spawn(self: &Arc<Self>) {
        let me = self.clone();
        if let Err(e) = std::thread::Builder::new()
            .name("firmware".into())
            .spawn(move || me.run())
        {
            log::error!("cannot start the firmware updater: {e}");
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The heartbeat's firmware part: the agent's or health check's word on the rollout
    /// when it has one, else this process's own progress.
    pub fn state(&self) -> FirmwareState {
        let inner = self.lock();
        let own = inner.report.clone();
        let spooled = self
            .spool
            .state()
            .filter(|s| own.as_ref().is_none_or(|r| s.rollout_id >= r.rollout_id));
        let update = match spooled {
            Some(s) => Some(UpdateReport {
                rollout_id: s.rollout_id,
                version: s.version,
                stage: s.stage,
                percent: None,
                reason: s.reason,
            }),
            None => own,
        };
        FirmwareState {
            version: self.image.version.clone(),
            slot: self.image.slot.clone(),
            update,
        }
    }

    /// The latest heartbeat reply's offer (`None`: none, or withdrawn).
    pub fn offer(&self, offer: Option<UpdateOffer>) {
        let mut inner = self.lock();
        if inner.offer == offer {
            return;
        }
        if offer.is_none() {
            if let Some(old) = &inner.offer {
                self.spool.withdraw(old);
                log::info!("firmware: rollout {} is no longer offered", old.rollout_id);
            }
        }
        inner.offer = offer;
        self.changed.notify_all();
    }

    fn current(&self) -> Option<UpdateOffer> {
        self.lock().offer.clone()
    }

    fn report(&self, offer: &UpdateOffer, stage: UpdateStage, percent: Option<u8>, reason: Option<String>) {
        self.lock().report = Some(UpdateReport {
            rollout_id: offer.rollout_id,
            version: offer.version.clone(),
            stage,
            percent,
            reason,
        });
    }

    fn run(&self) {
        let mut backoff = Duration::from_secs(5);
        loop {
            let offer = {
                let mut inner = self.lock();
                loop {
                    let pending = inner.offer.clone().filter(|o| !self.handled(&inner, o));
                    if let Some(offer) = pending {
                        break offer;
                    }
                    inner = self.changed.wait(inner).unwrap_or_else(|e| e.into_inner());
                }
            };
            match self.fetch(&offer) {
                Ok(()) => backoff = Duration::from_secs(5),
                Err(e) => {
                    log::warn!(
                        "firmware: rollout {}: {e}; trying again in {} s",
                        offer.rollout_id,
                        backoff.as_secs()
                    );
                    let inner = self.lock();
                    let _ = self.changed.wait_timeout(inner, backoff);
                    backoff = (backoff * 2).min(Duration::from_secs(300));
                }
            }
        }
    }

    /// Whether there is nothing left to do for `offer` here.
    fn handled(&self, inner: &Inner, offer: &UpdateOffer) -> bool {
        offer.version == self.image.version
            || inner.report.as_ref().is_some_and(|r| {
                r.rollout_id == offer.rollout_id && matches!(r.stage, UpdateStage::Downloaded | UpdateStage::Failed)
            })
            || self.spool.state().is_some_and(|s| s.rollout_id == offer.rollout_id)
    }

    fn fetch(&self, offer: &UpdateOffer) -> Result<(), Box<dyn std::error::Error>> {
        if offer.size == 0 || offer.size > MAX_BUNDLE_BYTES {
            self.report(
                offer,
                UpdateStage::Failed,
                None,
                Some(format!("bundle size {} refused", offer.size)),
            );
            return Ok(());
        }
        std::fs::create_dir_all(self.spool.dir())?;
        self.spool.keep_only(offer);
        let part = self.spool.part_path(offer);
        let mut failures = 0;
        loop {
            let mut have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
            if have > offer.size {
                std::fs::remove_file(&part)?;
                have = 0;
            }
            let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&part)?;
            while have < offer.size {
                if self.current().as_ref() != Some(offer) {
                    return Ok(()); // withdrawn or replaced: the .part stays for a resume
                }
                let to = (have + CHUNK_BYTES.min(BUNDLE_RANGE_MAX)).min(offer.size) - 1;
                let bytes = self.central.bundle_range(offer.rollout_id, have, to)?;
                file.write_all(&bytes)?;
                have += bytes.len() as u64;
                self.report(
                    offer,
                    UpdateStage::Downloading,
                    Some((have * 100 / offer.size) as u8),
                    None,
                );
            }
            file.sync_all()?;
            drop(file);
            if sha256_of(&part)? == offer.sha256.to_ascii_lowercase() {
                break;
            }
            std::fs::remove_file(&part)?;
            failures += 1;
            if failures >= CHECKSUM_TRIES {
                self.report(
                    offer,
                    UpdateStage::Failed,
                    None,
                    Some("the bundle's SHA-256 did not match, three times".into()),
                );
                return Ok(());
            }
            log::warn!(
                "firmware: rollout {}: SHA-256 mismatch, downloading again",
                offer.rollout_id
            );
        }
        std::fs::rename(&part, self.spool.bundle_path(offer))?;
        self.spool.write_ready(offer, self.window.as_deref())?;
        self.report(offer, UpdateStage::Downloaded, Some(100), None);
        log::info!(
            "firmware: rollout {} ({}) downloaded and checked",
            offer.rollout_id,
            offer.version
        );
        Ok(())
    }
}

fn sha256_of(path: &std::path::Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
