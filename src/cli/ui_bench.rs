//! `kiosk bench ui`: measures the real `kiosk run` process a user runs — a window on X
//! (Xvfb when no display is set), the simulated devices and a throw-away state directory —
//! not a headless render: time from exec to the first painted window, PSS and RSS idle and
//! after scripted journeys (leaks), and the longest time the UI thread was busy with one
//! event. Prints each figure against its goal; with `--anchor-chromium`, against a Chromium
//! kiosk measured in the same run on the same display.

use super::bench_process::{self, figure, memory_mb, verdict, KioskUnderBench};
use super::exit;
use std::time::Duration;

/// The goals of the UI benchmark (issue: months on a 1 GB board).
const GOAL_IDLE_PSS_MB: f64 = 30.0;
const GOAL_LEAK_MB: f64 = 5.0;
const GOAL_BUSIEST_MS: f64 = 8.0;
const GOAL_FIRST_FRAME_MS: f64 = 150.0;

pub fn bench(journeys: u32, width: u32, height: u32, anchor_chromium: bool) -> i32 {
    match measure(journeys, width, height, anchor_chromium) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("kiosk bench ui: {e}");
            exit::DEVICE
        }
    }
}

/// What one run measured.
struct Figures {
    first_frame_ms: f64,
    idle: (f64, f64),
    after: (f64, f64),
    busiest_ms: f64,
    /// Chromium's PSS and process count, when measured.
    chromium: Option<(f64, usize)>,
}

fn measure(journeys: u32, width: u32, height: u32, anchor_chromium: bool) -> Result<(), String> {
    let display = bench_process::display(width, height)?;
    let dir = tempfile_dir()?;
    let config = dir.join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[kiosk]\nstate-dir = {:?}\nsimulated = true\n\n[ui]\nwidth = {width}\nheight = {height}\n",
            dir.join("state").display().to_string()
        ),
    )
    .map_err(|e| e.to_string())?;
    let result = KioskUnderBench::start(&config, &display).and_then(|mut kiosk| {
        let figures = drive(&mut kiosk, journeys);
        kiosk.quit();
        figures
    });
    let result = result.and_then(|mut figures| {
        if anchor_chromium {
            figures.chromium = Some(super::chromium_anchor::chromium_pss_mb(&display)?);
        }
        println!(
            "ui: the real `kiosk run` process, {width}×{height}, simulated devices, display {}, {} build",
            display.name,
            if cfg!(debug_assertions) { "debug" } else { "release" }
        );
        print_figures(&figures, journeys);
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Waits for the first frame, measures idle memory, drives `journeys` citizen journeys
/// through the probe and measures again.
fn drive(kiosk: &mut KioskUnderBench, journeys: u32) -> Result<Figures, String> {
    let pid = kiosk.pid();
    kiosk.wait_for(&["first-frame"], Duration::from_secs(30))?;
    let first_frame_ms = kiosk.started.elapsed().as_secs_f64() * 1000.0;
    std::thread::sleep(Duration::from_secs(2));
    let idle = memory_mb(pid).ok_or("cannot read the kiosk's memory")?;
    kiosk.tell(&format!("journeys {journeys}"))?;
    let done = kiosk.wait_for(&["journeys-done"], Duration::from_secs(60 + 15 * u64::from(journeys)))?;
    std::thread::sleep(Duration::from_secs(1));
    let after = memory_mb(pid).ok_or("cannot read the kiosk's memory")?;
    let busiest_ms = figure(&done, "busiest-us").ok_or("no busiest figure")? / 1000.0;
    Ok(Figures {
        first_frame_ms,
        idle,
        after,
        busiest_ms,
        chromium: None,
    })
}

/// The figures against their goals (and Chromium, when it was measured).
fn print_figures(f: &Figures, journeys: u32) {
    let ((idle_pss, idle_rss), (after_pss, after_rss)) = (f.idle, f.after);
    println!(
        "  exec → first painted window:    {:7.1} ms   (goal ≤ {GOAL_FIRST_FRAME_MS} ms: {})",
        f.first_frame_ms,
        verdict(f.first_frame_ms <= GOAL_FIRST_FRAME_MS)
    );
    println!(
        "  idle:                            PSS {idle_pss:6.1} MB, RSS {idle_rss:6.1} MB   (goal PSS ≤ {GOAL_IDLE_PSS_MB} MB: {})",
        verdict(idle_pss <= GOAL_IDLE_PSS_MB),
    );
    if let Some((chromium, processes)) = f.chromium {
        println!(
            "  Chromium kiosk, one static page: PSS {chromium:6.1} MB in {processes} processes, measured now on the same display: the kiosk is {:.1}× leaner",
            chromium / idle_pss
        );
    }
    println!(
        "  after {journeys:3} journeys:             PSS {after_pss:6.1} MB, RSS {after_rss:6.1} MB   (goal within {GOAL_LEAK_MB} MB of idle: {:+.1} MB, {})",
        after_pss - idle_pss,
        verdict(after_pss - idle_pss <= GOAL_LEAK_MB)
    );
    println!(
        "  longest UI-thread event:        {:7.2} ms   (goal ≤ {GOAL_BUSIEST_MS} ms: {})",
        f.busiest_ms,
        verdict(f.busiest_ms <= GOAL_BUSIEST_MS)
    );
}

fn tempfile_dir() -> Result<std::path::PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("kiosk-bench-ui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}
