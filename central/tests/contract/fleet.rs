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
