//! `kiosk bench soak`: months on a board, compressed. The real `kiosk run` process (a
//! window on Xvfb, simulated devices, a throw-away reference central server on loopback
//! with sandbox payments) takes N journeys of a mix — applications with camera materials
//! and payment in Chinese, English and elderly mode, progress queries, appointments,
//! complaints, an idle wipe. Every 10 journeys, on the welcome page, it samples PSS, RSS,
//! the heap in use (the allocator's own figure), open files and threads. Before the
//! journeys it measures what the idle kiosk costs on the welcome page and in the attract
//! loop (CPU and wake-ups). Prints a verdict for each goal; `--json` writes the series,
//! `--plot` draws it.

use super::bench_process::{self, figure, verdict, KioskUnderBench};
use super::exit;
use super::local_central::{self, LocalCentral};
use super::soak_report::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the soak is asked to do.
pub struct SoakOptions {
    pub journeys: u32,
    pub width: u32,
    pub height: u32,
    /// Seconds of idle measured on the welcome page and again in the attract loop.
    pub idle_secs: u32,
    pub json: bool,
    pub plot: Option<PathBuf>,
}

pub fn bench(options: &SoakOptions) -> i32 {
    let Some(bin) = local_central::find_binary() else {
        eprintln!("kiosk bench soak: township-central not found beside kiosk (cargo build -p township-central, or set TOWNSHIP_CENTRAL)");
        return exit::CONFIG;
    };
    let dir = std::env::temp_dir().join(format!("kiosk-bench-soak-{}", std::process::id()));
    let result = run(&bin, &dir, options);
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(report) => {
            if options.json {
                match serde_json::to_string_pretty(&report) {
                    Ok(json) => println!("{json}"),
                    Err(e) => eprintln!("kiosk bench soak: {e}"),
                }
            } else {
                print_report(&report);
            }
            if let Some(plot) = &options.plot {
                if let Err(e) = std::fs::write(plot, super::soak_plot::svg(&report)) {
                    eprintln!("kiosk bench soak: cannot write the plot {}: {e}", plot.display());
                    return exit::STORAGE;
                }
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("kiosk bench soak: {e}");
            exit::DEVICE
        }
    }
}

/// The kiosk's configuration against a fresh local central server (sandbox payments).
fn prepare(bin: &Path, dir: &Path, options: &SoakOptions) -> Result<(LocalCentral, PathBuf), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let server_dir = dir.join("central");
    // A lab server: the simulated 付款成功 marks the order paid there (init's sandbox).
    let central = LocalCentral::start(bin, &server_dir)?;
    let central_toml = central.enroll("SOAK-KIOSK-01", &dir.join("enrolment"))?;
    let mut config = local_central::kiosk_config("SOAK-KIOSK-01", &dir.join("state"), &central_toml, None);
    config.push_str(&format!(
        "\n[ui]\nwidth = {}\nheight = {}\n",
        options.width, options.height
    ));
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, config).map_err(|e| e.to_string())?;
    Ok((central, path))
}

fn run(bin: &Path, dir: &Path, options: &SoakOptions) -> Result<SoakReport, String> {
    let (_central, config) = prepare(bin, dir, options)?;
    let display = bench_process::display(options.width, options.height)?;
    let mut kiosk = KioskUnderBench::start(&config, &display)?;
    kiosk.wait_for(&["first-frame"], Duration::from_secs(60))?;
    let first_frame_ms = kiosk.started.elapsed().as_secs_f64() * 1000.0;
    std::thread::sleep(Duration::from_secs(2));
    let pid = kiosk.pid();
    let span = Duration::from_secs(options.idle_secs.into());
    let idle = |seconds| -> Result<IdleCost, String> {
        let (cpu, wakeups) = bench_process::idle_cost(pid, span).ok_or("cannot read the kiosk's CPU time")?;
        Ok(IdleCost {
            seconds,
            cpu_percent_of_one_core: cpu,
            wakeups_per_sec: wakeups,
        })
    };
    let idle_welcome = idle(options.idle_secs)?;
    // The attract loop starts a minute after the last touch: the clock jumps there.
    kiosk.tell("warp 61")?;
    kiosk.wait_for(&["warped"], Duration::from_secs(10))?;
    let idle_attract = idle(options.idle_secs)?;
    kiosk.tell("sample")?;
    let mut series = vec![sample(&kiosk, Duration::from_secs(10))?];
    kiosk.tell(&format!("soak {}", options.journeys))?;
    loop {
        // Ten journeys take well under a minute each, even in a debug build.
        let line = kiosk.wait_for(&["sample", "journeys-done"], Duration::from_secs(600))?;
        if line.starts_with("journeys-done") {
            break;
        }
        series.push(parse_sample(&line, pid)?);
        kiosk.tell("resume")?;
    }
    kiosk.tell("trace")?;
    let trace = kiosk.wait_for(&["trace"], Duration::from_secs(10))?;
    kiosk.quit();
    let exe = std::env::current_exe().unwrap_or_default();
    let mut report = SoakReport {
        build: if cfg!(debug_assertions) { "debug" } else { "release" },
        binary_bytes: std::fs::metadata(&exe).map_or(0, |m| m.len()),
        binary: exe.display().to_string(),
        window: format!("{}×{}", options.width, options.height),
        first_frame_ms,
        idle_welcome,
        idle_attract,
        slope_kb_per_journey: slope_kb(&series),
        series,
        ui_thread: parse_trace(&trace),
        verdicts: Vec::new(),
    };
    report.verdicts = verdicts(&report);
    Ok(report)
}

/// Waits for the probe's `sample` line and reads /proc beside it.
fn sample(kiosk: &KioskUnderBench, timeout: Duration) -> Result<Sample, String> {
    let line = kiosk.wait_for(&["sample"], timeout)?;
    parse_sample(&line, kiosk.pid())
}

fn parse_sample(line: &str, pid: u32) -> Result<Sample, String> {
    let (pss_mb, rss_mb) = bench_process::memory_mb(pid).ok_or("cannot read the kiosk's memory")?;
    Ok(Sample {
        journeys: figure(line, "journeys").ok_or("a sample without its journey count")? as u32,
        failed: figure(line, "failed").unwrap_or(0.0) as u32,
        pss_mb,
        rss_mb,
        heap_mb: figure(line, "heap-bytes").map(|b| b / 1_048_576.0),
        open_files: bench_process::open_files(pid).unwrap_or(0),
        threads: bench_process::threads(pid).unwrap_or(0),
    })
}

fn parse_trace(line: &str) -> UiThread {
    let ms = |key| figure(line, key).unwrap_or(0.0) / 1000.0;
    let worst = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("worst="))
        .unwrap_or("")
        .split(';')
        .filter_map(|e| {
            let (kind, us) = e.rsplit_once('@')?;
            Some((kind.replace('_', " "), us.parse::<f64>().ok()? / 1000.0))
        })
        .collect();
    UiThread {
        events: figure(line, "events").unwrap_or(0.0) as u64,
        p50_ms: ms("p50-us"),
        p99_ms: ms("p99-us"),
        p999_ms: ms("p999-us"),
        max_ms: ms("max-us"),
        loop_lag_p999_ms: ms("lag-p999-us"),
        loop_lag_max_ms: ms("lag-max-us"),
        worst,
    }
}

/// Least-squares slope of PSS (KB per journey) over the samples after the warm-up; `None`
/// with fewer than two of them.
pub fn slope_kb(series: &[Sample]) -> Option<f64> {
    let points: Vec<(f64, f64)> = series
        .iter()
        .filter(|s| s.journeys >= WARM_UP_JOURNEYS)
        .map(|s| (f64::from(s.journeys), s.pss_mb * 1024.0))
        .collect();
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Growth of PSS from the idle start to the last sample, in MB.
pub fn growth_mb(series: &[Sample]) -> Option<f64> {
    Some(series.last()?.pss_mb - series.first()?.pss_mb)
}

fn verdicts(r: &SoakReport) -> Vec<Verdict> {
    let mut v = Vec::new();
    let mut judge = |goal: String, figure: String, met: bool| v.push(Verdict { goal, figure, met });
    if let Some(first) = r.series.first() {
        judge(
            format!("idle PSS ≤ {GOAL_IDLE_PSS_MB} MB"),
            format!("{:.1} MB (RSS {:.1} MB)", first.pss_mb, first.rss_mb),
            first.pss_mb <= GOAL_IDLE_PSS_MB,
        );
    }
    if let (Some(growth), Some(last)) = (growth_mb(&r.series), r.series.last()) {
        judge(
            format!("growth ≤ +{GOAL_GROWTH_MB} MB over the journeys"),
            format!("{growth:+.1} MB after {} journeys", last.journeys),
            growth <= GOAL_GROWTH_MB,
        );
        judge(
            "every journey completes".to_string(),
            format!("{} of {} failed", last.failed, last.journeys),
            last.failed == 0,
        );
        let first = &r.series[0];
        let settled = r
            .series
            .iter()
            .find(|s| s.journeys >= WARM_UP_JOURNEYS)
            .unwrap_or(first);
        judge(
            "open files and threads flat after the warm-up (± 2)".to_string(),
            format!(
                "files {} → {} → {}, threads {} → {} → {}",
                first.open_files, settled.open_files, last.open_files, first.threads, settled.threads, last.threads
            ),
            // A pooled connection or the heap-trim thread may be there at a sample or not.
            last.open_files <= settled.open_files + 2 && last.threads <= settled.threads + 2,
        );
    }
    let ui = &r.ui_thread;
    judge(
        format!("UI thread p99.9 ≤ {GOAL_P999_MS} ms"),
        format!("{:.1} ms over {} events", ui.p999_ms, ui.events),
        ui.p999_ms <= GOAL_P999_MS,
    );
    judge(
        format!("UI thread max ≤ {GOAL_MAX_MS} ms"),
        format!("{:.1} ms", ui.max_ms),
        ui.max_ms <= GOAL_MAX_MS,
    );
    judge(
        format!("event loop lag, painting included: p99.9 ≤ {GOAL_P999_MS} ms, max ≤ {GOAL_MAX_MS} ms"),
        format!("p99.9 {:.1} ms, max {:.1} ms", ui.loop_lag_p999_ms, ui.loop_lag_max_ms),
        ui.loop_lag_p999_ms <= GOAL_P999_MS && ui.loop_lag_max_ms <= GOAL_MAX_MS,
    );
    for (place, idle) in [("welcome page", &r.idle_welcome), ("attract loop", &r.idle_attract)] {
        judge(
            format!("idle CPU on the {place} ≤ {GOAL_IDLE_CPU_PCT} % of one core"),
            format!(
                "{:.2} % over {} s, {:.1} wake-ups/s",
                idle.cpu_percent_of_one_core, idle.seconds, idle.wakeups_per_sec
            ),
            idle.cpu_percent_of_one_core <= GOAL_IDLE_CPU_PCT,
        );
    }
    v
}

fn print_report(r: &SoakReport) {
    println!(
        "soak: the real `kiosk run` process, {}, simulated devices, a local reference central server, {} build",
        r.window, r.build
    );
    println!("  binary: {} ({:.1} MB)", r.binary, r.binary_bytes as f64 / 1e6);
    println!("  first painted window: {:.0} ms", r.first_frame_ms);
    println!("  journeys   PSS MB   RSS MB  heap MB  files  threads  failed");
    for s in &r.series {
        println!(
            "  {:8} {:8.1} {:8.1} {:8} {:6} {:8} {:7}",
            s.journeys,
            s.pss_mb,
            s.rss_mb,
            s.heap_mb.map_or("-".to_string(), |h| format!("{h:.1}")),
            s.open_files,
            s.threads,
            s.failed
        );
    }
    if let Some(slope) = r.slope_kb_per_journey {
        println!("  PSS slope after journey {WARM_UP_JOURNEYS}: {slope:+.1} KB per journey");
    }
    let ui = &r.ui_thread;
    println!(
        "  UI thread: {} events, p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.2} ms; event loop lag (painting included) p99.9 {:.2} ms, max {:.2} ms",
        ui.events, ui.p50_ms, ui.p99_ms, ui.p999_ms, ui.max_ms, ui.loop_lag_p999_ms, ui.loop_lag_max_ms
    );
    for (kind, ms) in ui.worst.iter().take(5) {
        println!("    {ms:7.2} ms  {kind}");
    }
    for v in &r.verdicts {
        println!("  {:<55} {:<45} {}", v.goal, v.figure, verdict(v.met));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(journeys: u32, pss_mb: f64) -> Sample {
        Sample {
            journeys,
            failed: 0,
            pss_mb,
            rss_mb: pss_mb + 10.0,
            heap_mb: None,
            open_files: 27,
            threads: 16,
        }
    }

    #[test]
    fn the_slope_counts_from_the_warm_up_and_growth_from_the_start() {
        // A jump while warming up, then 100 KB a journey.
        let series: Vec<Sample> = [(0, 40.0), (10, 70.0), (20, 72.0)]
            .into_iter()
            .chain((3..=10).map(|k| (k * 10, 72.0 + f64::from(k - 2) * 1000.0 / 1024.0)))
            .map(|(j, pss)| sample(j, pss))
            .collect();
        let slope = slope_kb(&series).expect("a slope");
        assert!((slope - 100.0).abs() < 0.01, "{slope}");
        assert!((growth_mb(&series).unwrap() - (32.0 + 8000.0 / 1024.0)).abs() < 0.01);
        assert_eq!(slope_kb(&series[..3]), None, "one sample after the warm-up is no slope");
    }
}
