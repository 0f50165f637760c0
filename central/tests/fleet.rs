//! A short simulated fleet against an in-process server: every request succeeds, every
//! submission lands exactly once, and every kiosk shows on the dashboard.

mod common;

use common::*;
use township_central::fleet;

#[test]
fn a_small_simulated_fleet_runs_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let srv = setup(tmp.path(), &[], None);
    let (runtime, running) = serve(&srv, None);
    let report = fleet::run(&fleet::Plan {
        dir: srv.clone(),
        addr: running.api,
        kiosks: 30,
        duration_secs: 3,
        submit_rate: 10.0,
        heartbeat_secs: 1,
        update_failure_rate: 0.0,
    })
    .unwrap();
    print!("{}", report.render());
    let kind = |k: &str| report.kinds.get(k).unwrap_or_else(|| panic!("no {k} in the report"));
    assert_eq!(kind("connect").count, 30);
    assert!(kind("heartbeat").count >= 60, "{}", kind("heartbeat").count);
    assert!(kind("submit").count > 5);
    assert!(report.kinds.values().all(|k| k.errors == 0), "{}", report.render());
    assert_eq!(
        running.central.store.count_applications().unwrap() as usize,
        kind("submit").count
    );
    let kiosks = running
        .central
        .store
        .kiosks(&township_central::store::Operator::cli())
        .unwrap();
    assert_eq!(kiosks.len(), 30);
    assert!(kiosks.iter().all(|k| k.state == "online"));
    drop(running);
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
}

/// A rollout to `kiosks` simulated image kiosks (heartbeat every second, updates failing at
/// `failure_rate`): the rollout as it stands after `secs` seconds, and the fleet's report.
fn roll_out(kiosks: usize, failure_rate: f64, secs: u64) -> (township_central::store::RolloutView, fleet::Report) {
    let tmp = tempfile::tempdir().unwrap();
    let srv = setup(tmp.path(), &[], None);
    let (runtime, running) = serve(&srv, None);
    let bundle = tmp.path().join("bundle.raucb");
    std::fs::write(&bundle, vec![7u8; 200_000]).unwrap();
    let cli = township_central::store::Operator::cli();
    let store = &running.central.store;
    let new = township_central::store::NewRollout {
        bundle: bundle.to_string_lossy().into_owned(),
        version: "image-2".into(),
        sha256: "ab".repeat(32),
        size: 200_000,
        percent: 10,
        halt_after: 3,
    };
    let id = store.create_rollout(&cli, &new).unwrap();
    let report = fleet::run(&fleet::Plan {
        dir: srv.clone(),
        addr: running.api,
        kiosks,
        duration_secs: secs,
        submit_rate: 0.0,
        heartbeat_secs: 1,
        update_failure_rate: failure_rate,
    })
    .unwrap();
    print!("{}", report.render());
    let view = store
        .rollouts(&cli)
        .unwrap()
        .into_iter()
        .find(|r| r.rollout_id == id)
        .unwrap();
    println!("{view:?}");
    drop(running);
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    (view, report)
}

#[test]
fn a_rollout_to_a_fleet_of_200_halts_by_itself_past_the_failure_threshold() {
    let (view, report) = roll_out(200, 0.25, 12);
    assert_eq!(view.state, "halted", "{view:?}");
    let failed = view.stages.get("failed").copied().unwrap_or(0);
    assert!(failed >= 3, "{view:?}");
    // Halted in an early wave: most of the fleet was never offered the bundle.
    let touched: i64 = view.stages.values().sum();
    assert!(touched < 120, "{view:?}");
    assert!(view.reason.as_deref().unwrap_or("").contains("failed"), "{view:?}");
    assert!(report
        .kinds
        .get("bundle")
        .is_some_and(|k| k.errors == 0 && k.count >= 3));
}

#[test]
fn a_rollout_to_a_fleet_of_200_widens_wave_by_wave_and_completes() {
    let (view, report) = roll_out(200, 0.0, 30);
    assert_eq!(view.state, "completed", "{view:?}");
    assert_eq!(view.percent, 100);
    assert_eq!(view.stages.get("done").copied(), Some(200), "{view:?}");
    assert_eq!(report.kinds.get("update-done").map(|k| k.count), Some(200));
    assert!(report.kinds.values().all(|k| k.errors == 0), "{}", report.render());
}

#[test]
fn a_kiosk_running_the_new_version_counts_done_whatever_stage_its_spool_last_named() {
    use township_central::store::{Kiosk, NewRollout, Operator};
    use township_core::firmware_api::{FirmwareState, UpdateReport, UpdateStage};
    let tmp = tempfile::tempdir().unwrap();
    let srv = setup(tmp.path(), &[], None);
    let (runtime, running) = serve(&srv, None);
    let store = &running.central.store;
    let new = NewRollout {
        bundle: tmp.path().join("b").to_string_lossy().into_owned(),
        version: "image-2".into(),
        sha256: "ab".repeat(32),
        size: 10,
        percent: 100,
        halt_after: 1,
    };
    let id = store.create_rollout(&Operator::cli(), &new).unwrap();
    let beat = |version: &str, stage: Option<UpdateStage>| {
        let hb = fleet::heartbeat(
            "K-1",
            std::time::Instant::now(),
            FirmwareState {
                version: version.into(),
                slot: "A".into(),
                update: stage.map(|stage| UpdateReport {
                    rollout_id: id,
                    version: "image-2".into(),
                    stage,
                    percent: None,
                    reason: None,
                }),
            },
        );
        store.heartbeat(Kiosk("K-1"), &hb).unwrap()
    };
    let offer = beat("image-1", None).update.expect("offered to every kiosk at 100 %");
    assert_eq!(
        (offer.rollout_id, offer.version.as_str(), offer.size),
        (id, "image-2", 10)
    );
    assert!(beat("image-1", Some(UpdateStage::Rebooting)).update.is_some());
    // Booted into the new slot before the health check wrote "done".
    assert_eq!(beat("image-2", Some(UpdateStage::Rebooting)).update, None);
    let view = store.rollouts(&Operator::cli()).unwrap().remove(0);
    assert_eq!(view.state, "completed", "{view:?}");
    assert_eq!(view.stages.get("done").copied(), Some(1), "{view:?}");
    assert_eq!(view.stages.len(), 1, "{view:?}");
    drop(running);
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
}

#[test]
fn the_bundle_goes_only_to_kiosks_it_is_offered_to_and_only_in_bounded_ranges() {
    use township_central::store::{bucket, NewRollout, Operator};
    // Two kiosks on either side of the first wave's line (the rollout will be number 1).
    let ids = ["K-A", "K-B", "K-C", "K-D", "K-E", "K-F"];
    let mut by_bucket: Vec<(i64, &str)> = ids.iter().map(|id| (bucket(1, id), *id)).collect();
    by_bucket.sort();
    let ((low, inside), (high, outside)) = (by_bucket[0], by_bucket[ids.len() - 1]);
    assert!(low < high, "{by_bucket:?}");
    let tmp = tempfile::tempdir().unwrap();
    let srv = setup(tmp.path(), &[inside, outside], None);
    let (runtime, running) = serve(&srv, None);
    let bundle = tmp.path().join("b.raucb");
    let bytes: Vec<u8> = (0..5 * 1024 * 1024).map(|i| (i % 241) as u8).collect();
    std::fs::write(&bundle, &bytes).unwrap();
    let new = NewRollout {
        bundle: bundle.to_string_lossy().into_owned(),
        version: "image-2".into(),
        sha256: "ab".repeat(32),
        size: bytes.len() as i64,
        percent: low + 1,
        halt_after: 1,
    };
    assert_eq!(running.central.store.create_rollout(&Operator::cli(), &new).unwrap(), 1);
    let (dir, api) = (tmp.path(), running.api);
    runtime.block_on(async {
        // The offered kiosk gets exactly the bytes it asks for.
        let (status, body) = bundle_range(dir, inside, api, "bytes=1000-1999").await;
        assert_eq!((status, body.as_slice()), (206, &bytes[1000..2000]));
        // A range over 4 MiB, past the end or backwards: 416, nothing served.
        for range in ["bytes=0-4194304", "bytes=5242870-5242880", "bytes=20-10", "items=0-9"] {
            let (status, body) = bundle_range(dir, inside, api, range).await;
            assert_eq!(status, 416, "{range}");
            assert!(!body.starts_with(&bytes[..8]), "{range}");
        }
        // A kiosk outside the wave holds a valid certificate and is still refused.
        let (status, body) = bundle_range(dir, outside, api, "bytes=0-9").await;
        assert_eq!(status, 403);
        assert!(String::from_utf8_lossy(&body).contains("not_offered"));
    });
    drop(running);
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
}

/// `GET /rollouts/1/bundle` with `range` as kiosk `id`: the status and body.
async fn bundle_range(dir: &std::path::Path, id: &str, api: std::net::SocketAddr, range: &str) -> (u16, Vec<u8>) {
    let mut k = kiosk(dir, id, api).await;
    let a = k
        .request("GET", "/api/v1/rollouts/1/bundle", &[("range", range)], Vec::new())
        .await
        .unwrap();
    (a.status, a.body.to_vec())
}
