//! Monitoring artefacts: the alert rules pass `promtool check rules`, a real scrape passes
//! `promtool check metrics`, and every metric the rules and the Grafana dashboard use is
//! one the server exports.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;
use township_core::central_api as api;

fn monitoring(file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("monitoring").join(file)
}

/// Every `township_…` identifier in `text`.
fn metric_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (i, _) in text.match_indices("township_") {
        let name: String = text[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        names.push(name);
    }
    names.sort();
    names.dedup();
    names
}

/// `promtool ARGS FILE` exits 0 (its output in the failure).
fn promtool_passes(args: &[&str], file: &std::path::Path) {
    let out = Command::new("promtool").args(args).arg(file).output().unwrap();
    assert!(
        out.status.success(),
        "promtool {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn alert_rules_and_metrics_pass_promtool() {
    require("promtool", "prometheus");
    promtool_passes(&["check", "rules"], &monitoring("alerts.yml"));
    // The firmware rules fire as meant (promtool's own unit test of them).
    promtool_passes(&["test", "rules"], &monitoring("alerts.test.yml"));

    let tmp = tempfile::tempdir().unwrap();
    let srv = setup(tmp.path(), &["K-M"], None);
    let (runtime, running) = serve(&srv, None);
    let bundle = tmp.path().join("b.raucb");
    std::fs::write(&bundle, b"bundle").unwrap();
    let rollout = township_central::store::NewRollout {
        bundle: bundle.to_string_lossy().into_owned(),
        version: "image-2".into(),
        sha256: "ab".repeat(32),
        size: 6,
        percent: 10,
        halt_after: 1,
    };
    let cli = township_central::store::Operator::cli();
    running.central.store.create_rollout(&cli, &rollout).unwrap();
    runtime.block_on(async {
        let mut k = kiosk(tmp.path(), "K-M", running.api).await;
        let beat = api::Heartbeat {
            kiosk_id: "K-M".into(),
            version: "0.1.0".into(),
            uptime_secs: 3,
            sent_at: Some(township_central::store::now()),
            devices: api::DeviceStates {
                reader: "fault: no SAM".into(),
                printer: "ok".into(),
                camera: "absent".into(),
                gpio: "sim".into(),
            },
            paper: api::PaperState::Out,
            outbox: api::OutboxSummary {
                pending: 12,
                dead: 0,
                oldest_pending_age_secs: Some(4000),
                last_sent_at: None,
            },
            last_errors: vec![],
            firmware: Some(township_core::firmware_api::FirmwareState {
                version: "image-1".into(),
                slot: "A".into(),
                update: None,
            }),
        };
        assert_eq!(k.post("/api/v1/heartbeat", &beat).await.unwrap().status, 200);
    });
    let admin = running.admin;
    let (status, _, scrape) = http(admin, "GET", "/metrics", None, None);
    assert_eq!(status, 200);
    let mut check = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut check.stdin.take().unwrap(), scrape.as_bytes()).unwrap();
    let out = check.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}{}\n{scrape}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(scrape.contains("township_kiosk_device_ok{device=\"reader\",kiosk=\"K-M\"} 0"));
    assert!(scrape.contains("township_kiosk_firmware_info{kiosk=\"K-M\",slot=\"A\",version=\"image-1\"} 1"));
    assert!(scrape.contains("township_rollout_halted{rollout=\"1\",version=\"image-2\"} 0"));

    let exported = metric_names(&scrape);
    let rules = std::fs::read_to_string(monitoring("alerts.yml")).unwrap();
    let dashboard = std::fs::read_to_string(monitoring("grafana-dashboard.json")).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&dashboard).unwrap();
    assert!(parsed["panels"].as_array().is_some_and(|p| p.len() >= 8));
    for name in metric_names(&rules).into_iter().chain(metric_names(&dashboard)) {
        if name == "township_kiosk_fleet" || name == "township" {
            continue;
        }
        assert!(exported.contains(&name), "{name} is used but not exported");
    }
    for alert in [
        "KioskOffline",
        "KioskOutboxGrowing",
        "KioskPaperOut",
        "KioskPrinterFault",
        "KioskReaderFault",
        "RolloutHalted",
        "KioskFirmwareBehind",
    ] {
        assert!(rules.contains(&format!("alert: {alert}")), "{alert}");
    }
    drop(running);
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
}
