//! The kiosk against the real reference server (`township-central`) on loopback, over
//! mutual TLS: ping, submit and drain with materials, status, an unreachable central
//! system, the local status endpoint, and the reliability run — a fault-injecting proxy in
//! between and the draining kiosk SIGKILLed at random points, after which the server holds
//! exactly the N applications enqueued, none lost, none duplicated, materials complete.

#[allow(dead_code)]
mod common;
mod support {
    pub mod central_lab;
    pub mod fault_proxy;
}

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::central_lab::{application_file, kiosk, kiosk_bin, text, Lab, KIOSK_ID};
use support::fault_proxy::{self, Fault, FaultProxy};
use township_kiosk::cli::local_central;

fn assert_no_personal_data(output: &str) {
    for secret in ["330225199003150027", "陈晓燕", "13805740000", "渔港路"] {
        assert!(!output.contains(secret), "personal data in output: {output}");
    }
}

#[test]
fn ping_submit_drain_and_status_against_the_reference_server() {
    let lab = Lab::new();
    let config = lab.kiosk_config("kiosk", None);
    let ping = kiosk(&config, &["central", "ping"]);
    assert!(ping.status.success(), "{}", text(&ping));
    assert!(
        text(&ping).contains("authenticated as TEST-KIOSK-01"),
        "{}",
        text(&ping)
    );

    let example = kiosk(&config, &["submit", "--example"]);
    assert!(example.status.success());
    let example_file = lab.root.join("example.json");
    std::fs::write(&example_file, &example.stdout).unwrap();
    let with_photos = application_file(&lab.root, "photos", 300_000);
    for file in [&example_file, &with_photos, &with_photos] {
        let out = kiosk(&config, &["submit", file.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out));
        assert_no_personal_data(&text(&out));
    }
    let drain = kiosk(&config, &["outbox", "drain", "--chunk-bytes", "65536"]);
    assert!(drain.status.success(), "{}", text(&drain));
    assert!(text(&drain).contains("3 sent"), "{}", text(&drain));
    assert_no_personal_data(&text(&drain));

    let held = lab.central.list().unwrap();
    assert_eq!(held.len(), 3, "{held:?}");
    for app in &held {
        assert_eq!(app["kiosk_id"], KIOSK_ID);
        assert_eq!(app["materials"], app["materials_expected"], "{app}");
    }
    assert_eq!(held.iter().map(|a| a["materials"].as_i64().unwrap()).sum::<i64>(), 6);

    let status = kiosk(&config, &["status", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["central"]["reachable"], true, "{json}");
    assert!(json["central"]["last_sent_at"].as_i64().is_some(), "{json}");
    assert_eq!(json["outbox"]["counts"]["sent"], 3);
    // Once the server stored them, the kiosk keeps no photo.
    let human = kiosk(&config, &["status"]);
    assert!(text(&human).contains("central:"), "{}", text(&human));
    assert_no_personal_data(&text(&human));
    let again = kiosk(&config, &["outbox", "drain", "--once"]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(text(&again).contains("0 sent"), "{}", text(&again));
}

#[test]
fn an_unreachable_central_system_is_a_clear_non_zero_exit() {
    let lab = Lab::new();
    let port = local_central::free_port().unwrap();
    let config = lab.kiosk_config("kiosk", Some(&format!("https://127.0.0.1:{port}")));
    let ping = kiosk(&config, &["central", "ping"]);
    assert_eq!(ping.status.code(), Some(8), "{}", text(&ping));
    assert!(text(&ping).contains("cannot be reached"), "{}", text(&ping));
    let file = application_file(&lab.root, "app", 1000);
    assert!(kiosk(&config, &["submit", file.to_str().unwrap()]).status.success());
    let started = Instant::now();
    let drain = kiosk(&config, &["outbox", "drain", "--timeout", "2"]);
    assert_eq!(drain.status.code(), Some(8), "{}", text(&drain));
    assert!(
        text(&drain).contains("1 application(s) not delivered"),
        "{}",
        text(&drain)
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    let status = kiosk(&config, &["status", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["central"]["reachable"], false, "{json}");
    assert!(lab.central.list().unwrap().is_empty());
}

/// Calibrates where a reply starts among the server's TLS records (handshake and ticket
/// records come first), with one heartbeat on a fresh connection through a counting proxy.
fn calibrate(lab: &Lab) {
    let (addr, count) = fault_proxy::counting_proxy(lab.central.api);
    let config = lab.kiosk_config("calibrate", Some(&format!("https://{addr}")));
    let ping = kiosk(&config, &["central", "ping"]);
    assert!(ping.status.success(), "{}", text(&ping));
    std::thread::sleep(Duration::from_millis(300));
    // Records of one connection: handshake + tickets + the reply (+ close_notify when the
    // process ended): the reply is the last but one at most.
    let total = count.load(std::sync::atomic::Ordering::SeqCst);
    fault_proxy::REPLY_RECORD.store(total.saturating_sub(1).max(1), std::sync::atomic::Ordering::Relaxed);
}

#[test]
fn faults_and_sigkills_while_draining_deliver_each_application_exactly_once() {
    const N: usize = 24;
    const KILLS: usize = 10;
    let lab = Lab::new();
    calibrate(&lab);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let proxy = FaultProxy::start(lab.central.api, seed, 35);
    let config = lab.kiosk_config("kiosk", Some(&format!("https://{}", proxy.addr)));
    let mut keys = HashSet::new();
    for i in 0..N {
        let file = application_file(&lab.root, &format!("app{i}"), 20_000 + 9_000 * (i % 5));
        let out = kiosk(&config, &["submit", file.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out));
        let line = String::from_utf8_lossy(&out.stdout).to_string();
        let key = line
            .split("key ")
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .to_string();
        keys.insert(key);
    }
    assert_eq!(keys.len(), N);
    let started = Instant::now();
    let mut rng = seed;
    let mut killed = 0;
    for _ in 0..KILLS {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let after = Duration::from_millis(150 + rng % 1200);
        let mut child = Command::new(kiosk_bin())
            .arg("--config")
            .arg(&config)
            .args(["outbox", "drain", "--timeout", "30", "--chunk-bytes", "8192"])
            .env("KIOSK_LOG", "off")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(after);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed += 1;
        }
        let _ = child.wait();
    }
    // Then drain to the end, faults still on.
    let mut finished = false;
    while started.elapsed() < Duration::from_secs(150) {
        let out = kiosk(
            &config,
            &["outbox", "drain", "--timeout", "30", "--chunk-bytes", "8192"],
        );
        if out.status.success() {
            finished = true;
            break;
        }
    }
    let held = lab.central.list().unwrap();
    eprintln!(
        "reliability: N={N}, {killed} SIGKILLs while draining, proxy faults: {} (seed {seed}), {:?}",
        proxy.summary(),
        started.elapsed()
    );
    assert!(finished, "the queue did not drain in time");
    assert_eq!(held.len(), N, "exactly N applications at the server");
    let held_keys: HashSet<String> = held
        .iter()
        .map(|a| a["idempotency_key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(held_keys, keys, "none lost, none duplicated");
    for app in &held {
        assert_eq!(app["materials"], 2, "materials complete: {app}");
        assert_eq!(app["materials"], app["materials_expected"], "{app}");
    }
    assert!(proxy.injected(Fault::DropReplyAfterCommit) + proxy.injected(Fault::DropConnection) > 0);
    let status = kiosk(&config, &["status", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["outbox"]["counts"]["sent"], N as u64, "{json}");
}

#[test]
fn a_running_kiosk_serves_healthz_status_and_metrics_on_localhost() {
    let dir = tempfile::tempdir().unwrap();
    let port = local_central::free_port().unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[kiosk]\nid = \"{KIOSK_ID}\"\nstate-dir = \"{}\"\nsimulated = true\n\n[status]\nlisten = \"127.0.0.1:{port}\"\n",
            dir.path().join("state").display()
        ),
    )
    .unwrap();
    let mut child = Command::new(kiosk_bin())
        .arg("--config")
        .arg(&config)
        .args(["run", "--headless", "--exit-after", "20"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}");
    let started = Instant::now();
    let mut health = None;
    while started.elapsed() < Duration::from_secs(15) {
        if let Ok(reply) = township_kiosk::app::local_status::get(&addr, "/healthz") {
            health = Some(reply);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(health, Some((200, "ok\n".to_string())));
    // The status server starts before the devices: until they are up they show "absent".
    let status = || {
        let (code, body) = township_kiosk::app::local_status::get(&addr, "/status").unwrap();
        assert_eq!(code, 200);
        serde_json::from_str::<serde_json::Value>(&body).unwrap()
    };
    let mut json = status();
    while json["devices"]["printer"] == "absent" && started.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(100));
        json = status();
    }
    for key in ["version", "uptime_secs", "devices", "outbox", "central", "last_purge"] {
        assert!(json.get(key).is_some(), "{key} missing: {json}");
    }
    assert_eq!(json["devices"]["printer"], "sim");
    let (_, metrics) = township_kiosk::app::local_status::get(&addr, "/metrics").unwrap();
    assert!(metrics.contains("kiosk_outbox_pending 0"), "{metrics}");
    assert!(metrics.contains("kiosk_central_reachable"), "{metrics}");
    child.kill().unwrap();
    let _ = child.wait();
}
