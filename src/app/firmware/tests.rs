//! The kiosk's firmware side against a fake central that serves a bundle in ranges:
//! download, resume, checksum, withdrawal, the spool's files and the idle flag.

use super::*;
use crate::app::central::{CentralError, CentralSystem};
use crate::central_api::*;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use township_core::firmware_api::{UpdateOffer, UpdateStage};

/// Serves `bytes` as rollout 7's bundle; counts range requests; fails the first `fail_first`.
struct BundleCentral {
    bytes: Vec<u8>,
    requests: AtomicUsize,
    fail_first: usize,
}

impl CentralSystem for BundleCentral {
    fn submit(&self, _: &SubmitApplication) -> Result<SubmitResponse, CentralError> {
        Err(CentralError::Unsupported("test"))
    }
    fn upload_create(&self, _: &str, _: &str, _: &CreateUpload) -> Result<UploadState, CentralError> {
        Err(CentralError::Unsupported("test"))
    }
    fn upload_state(&self, _: &str) -> Result<UploadState, CentralError> {
        Err(CentralError::Unsupported("test"))
    }
    fn upload_chunk(&self, _: &str, _: u64, _: &[u8]) -> Result<UploadState, CentralError> {
        Err(CentralError::Unsupported("test"))
    }
    fn upload_finalise(&self, _: &str) -> Result<FinaliseResponse, CentralError> {
        Err(CentralError::Unsupported("test"))
    }
    fn heartbeat(&self, _: &Heartbeat) -> Result<HeartbeatResponse, CentralError> {
        Err(CentralError::Unsupported("test"))
    }
    fn bundle_range(&self, rollout_id: i64, from: u64, to: u64) -> Result<Vec<u8>, CentralError> {
        let n = self.requests.fetch_add(1, Ordering::SeqCst);
        if n < self.fail_first {
            return Err(CentralError::Unavailable("the network is down".into()));
        }
        assert_eq!(rollout_id, 7);
        assert!(to - from < township_core::firmware_api::BUNDLE_RANGE_MAX);
        Ok(self.bytes[from as usize..=to as usize].to_vec())
    }
}

fn offer(bytes: &[u8], sha256: Option<&str>) -> UpdateOffer {
    UpdateOffer {
        rollout_id: 7,
        version: "image-2".into(),
        size: bytes.len() as u64,
        sha256: sha256.map_or_else(|| hex::encode(Sha256::digest(bytes)), str::to_string),
    }
}

fn image() -> Image {
    Image {
        version: "image-1".into(),
        slot: "A".into(),
    }
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("timed out waiting for {what}");
}

fn updater(dir: &std::path::Path, central: Arc<BundleCentral>) -> Arc<Updater> {
    let updater = Arc::new(Updater::new(
        image(),
        Spool::new(dir.join("updates")),
        Some("02:00-05:00".into()),
        central,
    ));
    updater.spawn();
    updater
}

#[test]
fn the_image_names_its_version_and_slot_and_a_plain_install_has_none() {
    let tmp = tempfile::tempdir().unwrap();
    let paths = ImagePaths {
        release: tmp.path().join("township-release"),
        cmdline: tmp.path().join("cmdline"),
        spool: tmp.path().join("updates"),
    };
    assert_eq!(Image::read(&paths), None);
    std::fs::write(&paths.release, "IMAGE_VERSION=0.1.0+abc\nIMAGE_ARCH=amd64\n").unwrap();
    std::fs::write(&paths.cmdline, "root=PARTLABEL=rootfs-B ro rauc.slot=B console=ttyS0\n").unwrap();
    assert_eq!(
        Image::read(&paths),
        Some(Image {
            version: "0.1.0+abc".into(),
            slot: "B".into()
        })
    );
}

#[test]
fn an_offered_bundle_is_downloaded_in_ranges_checked_and_handed_to_the_agent() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..(2 * CHUNK_BYTES + 12345)).map(|i| (i % 251) as u8).collect();
    let central = Arc::new(BundleCentral {
        bytes: bytes.clone(),
        requests: AtomicUsize::new(0),
        fail_first: 1,
    });
    let updater = updater(tmp.path(), central.clone());
    let offer = offer(&bytes, None);
    updater.offer(Some(offer.clone()));
    let spool = Spool::new(tmp.path().join("updates"));
    // The first request fails (network down); the retry comes after the back-off.
    wait_for("the ready file", || spool.ready_rollout() == Some(7));
    assert_eq!(std::fs::read(spool.bundle_path(&offer)).unwrap(), bytes);
    assert!(!spool.part_path(&offer).exists());
    let ready = std::fs::read_to_string(tmp.path().join("updates/ready")).unwrap();
    assert!(
        ready.contains("rollout=7\n") && ready.contains("window=02:00-05:00\n"),
        "{ready}"
    );
    assert!(
        ready.contains(&format!("bundle={}\n", Spool::bundle_name(&offer))),
        "{ready}"
    );
    let report = updater.state().update.unwrap();
    assert_eq!((report.stage, report.percent), (UpdateStage::Downloaded, Some(100)));
    assert_eq!(central.requests.load(Ordering::SeqCst), 1 + 3);

    // Then the agent speaks: its word wins.
    std::fs::write(
        tmp.path().join("updates/state"),
        "stage=failed\nrollout=7\nversion=image-2\nreason=install refused: signature verification failed\nat=1\n",
    )
    .unwrap();
    let report = updater.state().update.unwrap();
    assert_eq!(report.stage, UpdateStage::Failed);
    assert!(report.reason.unwrap().contains("signature"));
}

#[test]
fn a_partial_download_resumes_where_it_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..(CHUNK_BYTES + 500)).map(|i| (i % 13) as u8).collect();
    let offer = offer(&bytes, None);
    let spool = Spool::new(tmp.path().join("updates"));
    std::fs::create_dir_all(spool.dir()).unwrap();
    std::fs::write(spool.part_path(&offer), &bytes[..CHUNK_BYTES as usize]).unwrap();
    let central = Arc::new(BundleCentral {
        bytes: bytes.clone(),
        requests: AtomicUsize::new(0),
        fail_first: 0,
    });
    let updater = updater(tmp.path(), central.clone());
    updater.offer(Some(offer.clone()));
    wait_for("the ready file", || spool.ready_rollout() == Some(7));
    assert_eq!(central.requests.load(Ordering::SeqCst), 1, "only the missing 500 bytes");
    assert_eq!(std::fs::read(spool.bundle_path(&offer)).unwrap(), bytes);
}

#[test]
fn a_bundle_that_never_matches_its_checksum_is_reported_failed_and_not_handed_over() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = vec![1u8; 1000];
    let central = Arc::new(BundleCentral {
        bytes: bytes.clone(),
        requests: AtomicUsize::new(0),
        fail_first: 0,
    });
    let updater = updater(tmp.path(), central.clone());
    updater.offer(Some(offer(&bytes, Some(&"0".repeat(64)))));
    wait_for("the failure", || {
        updater.state().update.is_some_and(|r| r.stage == UpdateStage::Failed)
    });
    let report = updater.state().update.unwrap();
    assert!(report.reason.unwrap().contains("SHA-256"));
    assert_eq!(central.requests.load(Ordering::SeqCst), 3);
    assert_eq!(Spool::new(tmp.path().join("updates")).ready_rollout(), None);
}

#[test]
fn a_withdrawn_offer_takes_back_a_bundle_the_agent_has_not_started() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = vec![9u8; 4096];
    let central = Arc::new(BundleCentral {
        bytes: bytes.clone(),
        requests: AtomicUsize::new(0),
        fail_first: 0,
    });
    let updater = updater(tmp.path(), central);
    let offer = offer(&bytes, None);
    updater.offer(Some(offer.clone()));
    let spool = Spool::new(tmp.path().join("updates"));
    wait_for("the ready file", || spool.ready_rollout() == Some(7));
    updater.offer(None);
    assert_eq!(spool.ready_rollout(), None);
    assert!(!spool.bundle_path(&offer).exists());
}

#[test]
fn the_idle_flag_is_written_on_a_change_only_and_removed_when_a_citizen_comes() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("idle");
    let mut flag = IdleFlag::at(Some(path.clone()));
    flag.publish(true, 1000);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "1000\n");
    flag.publish(true, 2000);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "1000\n",
        "idle since the first time"
    );
    flag.publish(false, 2001);
    assert!(!path.exists());
    flag.publish(false, 2002);
    IdleFlag::at(None).publish(true, 1);
}

#[test]
fn an_offer_over_the_size_cap_is_refused_without_a_request() {
    let tmp = tempfile::tempdir().unwrap();
    let central = Arc::new(BundleCentral {
        bytes: Vec::new(),
        requests: AtomicUsize::new(0),
        fail_first: 0,
    });
    let updater = updater(tmp.path(), central.clone());
    let mut huge = offer(&[1, 2, 3], None);
    huge.size = 3 * 1024 * 1024 * 1024;
    updater.offer(Some(huge));
    wait_for("the refusal", || {
        updater.state().update.is_some_and(|r| r.stage == UpdateStage::Failed)
    });
    assert!(updater.state().update.unwrap().reason.unwrap().contains("size"));
    assert_eq!(central.requests.load(Ordering::SeqCst), 0);
}

#[test]
fn a_garbled_spool_reads_as_nothing_and_a_long_reason_is_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = Spool::new(tmp.path().to_path_buf());
    for garbage in [
        "",
        "stage=exploded\nrollout=1\n",
        "stage=done\nrollout=one\n",
        "\u{0}\u{ff}rollout",
    ] {
        std::fs::write(tmp.path().join("state"), garbage).unwrap();
        assert_eq!(spool.state(), None, "{garbage:?}");
    }
    std::fs::write(tmp.path().join("ready"), "rollout=x\n").unwrap();
    assert_eq!(spool.ready_rollout(), None);
    let long = "x".repeat(5000);
    std::fs::write(
        tmp.path().join("state"),
        format!("stage=failed\nrollout=4\nreason={long}\n"),
    )
    .unwrap();
    let state = spool.state().unwrap();
    assert_eq!((state.stage, state.rollout_id), (UpdateStage::Failed, 4));
    assert_eq!(state.reason.unwrap().len(), 200);
}
