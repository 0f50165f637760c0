//! `kiosk gpio watch|set` and the GPIO part of `kiosk status`, run as a technician would, on
//! the simulated backend (this machine has no GPIO chip) and against the real backends'
//! error paths.

mod common;

use common::{kiosk, text};
use std::path::{Path, PathBuf};

fn config(dir: &Path, gpio: &str) -> PathBuf {
    let path = dir.join("kiosk.toml");
    let state = dir.join("state").display().to_string();
    std::fs::write(
        &path,
        format!("[kiosk]\nstate-dir = {state:?}\n\n[devices.gpio]\n{gpio}"),
    )
    .unwrap();
    path
}

fn run(config: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["--config", config.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = kiosk(&all);
    (out.status.code(), text(&out))
}

#[test]
fn gpio_set_drives_a_named_output_on_the_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "kind = \"sim\"\n");
    let (code, out) = run(&cfg, &["gpio", "set", "led-attention", "on"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("led-attention (pin 24) on: wire high (simulated; board raspberry-pi-4)"),
        "{out}"
    );
    // The safe state at opening, then the level asked for.
    assert!(out.contains("led-attention off (wire low)"), "{out}");
    assert!(out.contains("led-attention on (wire high)"), "{out}");

    let (code, out) = run(&cfg, &["gpio", "set", "led-red", "on"]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("no GPIO output named \"led-red\""), "{out}");
    assert!(out.contains("led-attention, led-busy, led-ready"), "{out}");

    let (code, out) = run(&cfg, &["gpio", "set", "presence", "on"]);
    assert_eq!(code, Some(2), "an input cannot be set: {out}");
}

#[test]
fn gpio_watch_prints_one_edge_per_debounced_change() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "kind = \"sim\"\n");
    let script = dir.path().join("pulses.txt");
    // Presence chatters, then holds 1 s (debounce 50 ms); then a 20 ms glitch; the paper
    // switch closes for good. The glitch can never hold 50 ms, however the samples fall,
    // and the holds are long enough for a loaded machine to sample them.
    std::fs::write(
        &script,
        "# chatter, then someone stays\n50 presence on\n52 presence off\n54 presence on\n1054 presence off\n\
         1200 presence on\n1220 presence off\n1300 paper-low on\n",
    )
    .unwrap();
    let script_arg = script.to_str().unwrap();
    let (code, out) = run(
        &cfg,
        &["gpio", "watch", "--for", "2.5", "--sim-script", script_arg, "--json"],
    );
    assert_eq!(code, Some(0), "{out}");
    let edges: Vec<serde_json::Value> = out
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let seen: Vec<(&str, bool)> = edges
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["on"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [("presence", true), ("presence", false), ("paper-low", true)],
        "{out}"
    );
    assert!(edges.iter().all(|e| e["at_ms"].is_u64()));

    let (code, out) = run(&cfg, &["gpio", "watch", "--for", "0.2"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("playing the built-in script"), "{out}");
    assert!(out.contains("watching sim on board raspberry-pi-4"), "{out}");

    std::fs::write(&script, "50 door on\n").unwrap();
    let (code, out) = run(&cfg, &["gpio", "watch", "--for", "0.2", "--sim-script", script_arg]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("no GPIO input named \"door\""), "{out}");
}

#[test]
fn the_real_backends_say_why_they_cannot_run_here() {
    let dir = tempfile::tempdir().unwrap();
    let chip = dir.path().join("gpiochip0").display().to_string();
    let cfg = config(
        dir.path(),
        &format!("kind = \"gpiocdev\"\nboard = \"generic-gpiochip\"\nchip = {chip:?}\n"),
    );
    let (code, out) = run(&cfg, &["gpio", "set", "led-ready", "on"]);
    assert_eq!(code, Some(4), "{out}");
    assert!(out.contains(&format!("gpiocdev: {chip} does not exist")), "{out}");
    let (code, out) = run(&cfg, &["gpio", "watch", "--for", "0.1"]);
    assert_eq!(code, Some(4), "{out}");
    assert!(out.contains("ls /dev/gpiochip*"), "{out}");
    let (code, out) = run(&cfg, &["gpio", "watch", "--for", "0.1", "--sim-script", "x"]);
    assert_eq!(code, Some(4), "the backend fails before the script is looked at: {out}");
}

#[test]
fn status_shows_the_gpio_in_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "kind = \"sim\"\n");
    let (code, out) = run(&cfg, &["status"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("gpio:        sim on board raspberry-pi-4: simulated"),
        "{out}"
    );
    assert!(out.contains("paper-low 27 active-low 200 ms"), "{out}");
    let (code, out) = run(&cfg, &["status", "--json"]);
    assert_eq!(code, Some(0), "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["gpio"]["state"], "sim");
    assert_eq!(json["gpio"]["outputs"].as_array().unwrap().len(), 3);

    let chip = dir.path().join("nochip").display().to_string();
    let cfg = config(
        dir.path(),
        &format!("kind = \"gpiocdev\"\nboard = \"generic-gpiochip\"\nchip = {chip:?}\n"),
    );
    let (code, out) = run(&cfg, &["status", "--json"]);
    assert_eq!(code, Some(5), "an unavailable GPIO is an alarm: {out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["gpio"]["state"], "unavailable");
    let alarms = json["alarms"].to_string();
    assert!(
        alarms.contains("gpio: gpiocdev:") && alarms.contains("does not exist"),
        "{alarms}"
    );
}
