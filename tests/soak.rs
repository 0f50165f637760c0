//! A short soak in CI: the real `kiosk run` process on Xvfb against a local reference
//! server takes 20 journeys of the soak's mix (`kiosk bench soak`). It fails on growth: the
//! first 10 journeys load what every later one uses (GStreamer, the pinyin engine, the
//! division table, the glyphs of every page), so from journey 10 to 20 a kiosk that keeps
//! nothing per citizen stays flat (release: +9 KB a journey, measured over 100). The bound,
//! 3 MB over 10 journeys, is a third of what keeping one camera preview frame (0.9 MB) or
//! one receipt bitmap (1 MB) per journey would add, and far above allocator noise. Open
//! files and threads must stay within two of journey 10's (a pooled connection to the
//! central, the heap-trim thread, may be open at a sample or not; a leak of one a journey
//! is ten), every journey must complete, and the idle kiosk
//! must not poll: under 100 wake-ups a second (371 before the device threads slept on
//! condition variables; a single 10 ms polling loop alone is 100).

#[allow(dead_code, unused_imports)]
mod common;
mod support {
    #![allow(unused_imports, dead_code)]
    pub mod central_lab;
}

use std::process::Command;

const GROWTH_BOUND_MB: f64 = 3.0;
const WAKEUPS_BOUND: f64 = 100.0;
const FLAT_SLACK: u64 = 2;

#[test]
fn twenty_journeys_leave_memory_files_and_threads_flat() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("soak.svg");
    let output = Command::new(support::central_lab::kiosk_bin())
        .args([
            "bench",
            "soak",
            "--journeys",
            "20",
            "--idle-secs",
            "3",
            "--json",
            "--plot",
        ])
        .arg(&plot)
        .env("TOWNSHIP_CENTRAL", support::central_lab::central_bin())
        .env_remove("DISPLAY")
        .output()
        .expect("kiosk bench soak");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "kiosk bench soak failed: {stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("the soak's JSON");
    let series = report["series"].as_array().expect("a series");
    let at = |journeys: u64| {
        series
            .iter()
            .find(|s| s["journeys"].as_u64() == Some(journeys))
            .unwrap_or_else(|| panic!("no sample at journey {journeys}: {series:?}"))
    };
    let (warm, last) = (at(10), at(20));
    assert_eq!(last["failed"], 0, "every journey completes: {last}");
    let growth = last["pss_mb"].as_f64().unwrap() - warm["pss_mb"].as_f64().unwrap();
    assert!(
        growth <= GROWTH_BOUND_MB,
        "PSS grew {growth:.1} MB from journey 10 to 20 (bound {GROWTH_BOUND_MB} MB): {series:#?}"
    );
    for key in ["open_files", "threads"] {
        // A pooled connection to the central system, or the heap-trim thread, may be there
        // or not at the moment of a sample: two, not one a journey.
        let (warm, last) = (warm[key].as_u64().unwrap(), last[key].as_u64().unwrap());
        assert!(
            last <= warm + FLAT_SLACK,
            "{key} grew after the warm-up: {warm} → {last}"
        );
    }
    for place in ["idle_welcome", "idle_attract"] {
        let wakeups = report[place]["wakeups_per_sec"].as_f64().unwrap();
        assert!(
            wakeups <= WAKEUPS_BOUND,
            "the idle kiosk ({place}) wakes {wakeups:.0} times a second"
        );
    }
    assert!(
        report["ui_thread"]["events"].as_u64().unwrap() > 100,
        "the UI thread's events were traced: {}",
        report["ui_thread"]
    );
    let svg = std::fs::read_to_string(&plot).expect("the plot");
    assert!(
        svg.starts_with("<svg") && svg.matches("<polyline").count() == 5,
        "five lines drawn"
    );
}
