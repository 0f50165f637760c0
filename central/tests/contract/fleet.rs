//! Heartbeats → the dashboard's states (online, partial, offline) and the metrics.

use crate::common::*;
use crate::lab::*;

fn fleet(db: Option<&str>) {
    let lab = Lab::start(db);
    let admin = lab.admin();
    let store = lab.store();
    lab.run(async {
        let mut a = lab.kiosk("K-A").await;
        let mut c = lab.kiosk("K-C").await;
        let (submission, _) = submit_one(&mut a).await;
        // A refused submission makes K-A "partial": it heartbeats but cannot deliver.
        let refused = post(&mut a, "another-key".into(), serde_json::to_vec(&submission).unwrap()).await;
        assert_eq!(refused.status, 422);
        let mut d = lab.kiosk("K-D").await;
        let ok = c
            .post("/api/v1/heartbeat", &beat("K-C", "ok", api::PaperState::Ok, 0))
            .await
            .unwrap();
        assert_eq!(ok.status, 200);
        assert!(ok.json::<api::HeartbeatResponse>().unwrap().server_time > 0);
        a.post(
            "/api/v1/heartbeat",
            &beat("K-A", "fault: cover open", api::PaperState::Out, 1),
        )
        .await
        .unwrap();
        d.post("/api/v1/heartbeat", &beat("K-D", "ok", api::PaperState::Low, 0))
            .await
            .unwrap();
        store
            .tx(|sql| {
                sql.exec(
                    "UPDATE kiosks SET last_seen = last_seen - 1000 WHERE kiosk_id = 'K-D'",
                    &[],
                )
            })
            .unwrap();
        let kiosks = store.kiosks(&Operator::cli()).unwrap();
        let state = |id: &str| kiosks.iter().find(|k| k.kiosk_id == id).unwrap().state;
        assert_eq!(
            (state("K-A"), state("K-C"), state("K-D")),
            ("partial", "online", "offline")
        );
        let (status, _, metrics) = tokio::task::spawn_blocking(move || http(admin, "GET", "/metrics", None, None))
            .await
            .unwrap();
        assert_eq!(status, 200);
        for line in [
            "township_kiosk_up{kiosk=\"K-C\"} 1",
            "township_kiosk_up{kiosk=\"K-D\"} 0",
            "township_kiosk_partial{kiosk=\"K-A\"} 1",
            "township_kiosk_paper_out{kiosk=\"K-A\"} 1",
            "township_kiosk_device_ok{device=\"printer\",kiosk=\"K-A\"} 0",
            "township_kiosk_device_ok{device=\"reader\",kiosk=\"K-C\"} 1",
            "township_kiosk_outbox_pending{kiosk=\"K-C\"} 2",
            "township_central_applications 1",
        ] {
            assert!(metrics.contains(line), "{line} missing from\n{metrics}");
        }
        assert!(!metrics.contains("330225"), "no ID numbers in metrics");
    });
}

on_both_databases!(fleet);

/// Heartbeats are counted per five minutes for a kiosk's chart, and only a day is kept.
fn heartbeat_buckets(db: Option<&str>) {
    let lab = Lab::start(db);
    let store = lab.store();
    let cli = township_central::store::Operator::cli();
    for _ in 0..3 {
        store
            .heartbeat(
                township_central::store::Kiosk("K-A"),
                &beat("K-A", "ok", api::PaperState::Ok, 0),
            )
            .unwrap();
    }
    let buckets = store.beat_buckets(&cli, "K-A").unwrap();
    // (Three beats land in one five-minute bucket, or two across a boundary.)
    assert!(buckets.len() <= 2, "{buckets:?}");
    assert_eq!(buckets.iter().map(|b| b.beats).sum::<i64>(), 3);
    assert!(buckets.iter().all(|b| b.devices_ok));
    let old = township_central::store::now() - 2 * 86_400;
    store
        .tx(|sql| {
            sql.exec(
                "INSERT INTO heartbeat_buckets (kiosk_id, bucket, beats, pending, devices_ok) VALUES ('K-A', $1, 1, 0, 1)",
                &[old.into()],
            )
        })
        .unwrap();
    store
        .heartbeat(
            township_central::store::Kiosk("K-A"),
            &beat("K-A", "fault: cover open", api::PaperState::Ok, 0),
        )
        .unwrap();
    let rows = store
        .tx(|sql| {
            sql.query(
                "SELECT bucket FROM heartbeat_buckets WHERE kiosk_id = 'K-A' AND bucket = $1",
                &[old.into()],
            )
        })
        .unwrap();
    assert!(rows.is_empty(), "the day-old bucket went with the next heartbeat");
    let newest = store.beat_buckets(&cli, "K-A").unwrap().pop().unwrap();
    assert!(!newest.devices_ok, "a printer fault shows");
}

on_both_databases!(heartbeat_buckets);
