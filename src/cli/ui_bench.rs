//! `kiosk bench ui`: measures the real `kiosk run` process a user runs — a window on X
//! (Xvfb when no display is set), the simulated devices and a throw-away state directory —
//! not a headless render: time from exec to the first painted window, PSS and RSS idle and
//! after scripted journeys (leaks), and the longest time the UI thread was busy with one
//! event. Prints each figure against its goal.

use super::exit;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// The goals of the UI benchmark (issue: honest benchmarks).
const GOAL_IDLE_PSS_MB: f64 = 35.0;
const GOAL_LEAK_MB: f64 = 5.0;
const GOAL_BUSIEST_MS: f64 = 8.0;
const GOAL_FIRST_FRAME_MS: f64 = 150.0;
/// A Chromium kiosk showing one static page, measured on this machine (PSS).
const CHROMIUM_PSS_MB: f64 = 397.0;

/// PSS and RSS of a process in MB (from /proc/PID/smaps_rollup).
fn memory_mb(pid: u32) -> Option<(f64, f64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
    };
    Some((field("Pss:")?, field("Rss:")?))
}

/// An X display: the one set, or a private Xvfb (stopped on drop).
struct Display {
    name: String,
    xvfb: Option<Child>,
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some(xvfb) = &mut self.xvfb {
            // SAFETY: signalling our own child; SIGTERM lets Xvfb remove its lock file.
            unsafe { libc::kill(xvfb.id() as libc::pid_t, libc::SIGTERM) };
            let _ = xvfb.wait();
        }
    }
}

fn display(width: u32, height: u32) -> Result<Display, String> {
    if let Ok(name) = std::env::var("DISPLAY") {
        if !name.is_empty() {
            return Ok(Display { name, xvfb: None });
        }
    }
    let screen = format!("{}x{}x24", width.max(height), width.max(height));
    let mut xvfb = Command::new("Xvfb")
        .args(["-displayfd", "1", "-noreset", "-screen", "0", &screen])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|_| "no display: DISPLAY is not set and Xvfb is not installed (apt install xvfb)".to_string())?;
    let mut number = String::new();
    let stdout = xvfb.stdout.take().ok_or("Xvfb gave no output")?;
    BufReader::new(stdout)
        .read_line(&mut number)
        .map_err(|e| e.to_string())?;
    let number = number.trim().to_string();
    if number.parse::<u32>().is_err() {
        return Err(format!("Xvfb did not start ({number:?})"));
    }
    Ok(Display {
        name: format!(":{number}"),
        xvfb: Some(xvfb),
    })
}

/// Waits for a line starting with `prefix` from the child's stdout.
fn wait_line(lines: &Receiver<String>, prefix: &str, timeout: Duration) -> Result<String, String> {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if line.starts_with(prefix) => return Ok(line),
            Ok(_) => {}
            Err(_) => return Err(format!("no {prefix:?} from the kiosk within {timeout:?}")),
        }
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "goal met"
    } else {
        "goal NOT met"
    }
}

pub fn bench(journeys: u32, width: u32, height: u32) -> i32 {
    match measure(journeys, width, height) {
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
}

fn measure(journeys: u32, width: u32, height: u32) -> Result<(), String> {
    let display = display(width, height)?;
    let dir = tempfile_dir()?;
    let config = dir.join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[kiosk]\nstate-dir = {:?}\n\n[ui]\nwidth = {width}\nheight = {height}\n",
            dir.join("state").display().to_string()
        ),
    )
    .map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut child = Command::new(exe)
        .arg("--config")
        .arg(&config)
        .args(["run", "--bench"])
        .env("DISPLAY", &display.name)
        .env("KIOSK_LOG", "warn")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("SLINT_BACKEND")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let result = drive(&mut child, started, journeys).map(|figures| {
        println!(
            "ui: the real `kiosk run` process, {width}×{height}, simulated devices, display {}, {} build",
            display.name,
            if cfg!(debug_assertions) { "debug" } else { "release" }
        );
        print_figures(&figures, journeys);
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Waits for the first frame, measures idle memory, drives `journeys` citizen journeys
/// through the probe and measures again.
fn drive(child: &mut std::process::Child, started: Instant, journeys: u32) -> Result<Figures, String> {
    let pid = child.id();
    let (tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    wait_line(&lines, "bench: first-frame", Duration::from_secs(30))?;
    let first_frame_ms = started.elapsed().as_secs_f64() * 1000.0;
    std::thread::sleep(Duration::from_secs(2));
    let idle = memory_mb(pid).ok_or("cannot read the kiosk's memory")?;
    let stdin = child.stdin.as_mut().ok_or("no stdin")?;
    writeln!(stdin, "journeys {journeys}").map_err(|e| e.to_string())?;
    let done = wait_line(
        &lines,
        "bench: journeys-done",
        Duration::from_secs(60 + 15 * u64::from(journeys)),
    )?;
    std::thread::sleep(Duration::from_secs(1));
    let after = memory_mb(pid).ok_or("cannot read the kiosk's memory")?;
    let busiest_ms = done
        .split_whitespace()
        .find_map(|w| w.strip_prefix("busiest-us="))
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or("no busiest figure")?
        / 1000.0;
    let _ = writeln!(stdin, "quit");
    Ok(Figures {
        first_frame_ms,
        idle,
        after,
        busiest_ms,
    })
}

/// The figures against their goals and Chromium.
fn print_figures(f: &Figures, journeys: u32) {
    let ((idle_pss, idle_rss), (after_pss, after_rss)) = (f.idle, f.after);
    println!(
        "  exec → first painted window:    {:7.1} ms   (goal ≤ {GOAL_FIRST_FRAME_MS} ms: {})",
        f.first_frame_ms,
        verdict(f.first_frame_ms <= GOAL_FIRST_FRAME_MS)
    );
    println!(
        "  idle:                            PSS {idle_pss:6.1} MB, RSS {idle_rss:6.1} MB   (goal PSS ≤ {GOAL_IDLE_PSS_MB} MB: {}; {:.1}× leaner than Chromium's {CHROMIUM_PSS_MB} MB)",
        verdict(idle_pss <= GOAL_IDLE_PSS_MB),
        CHROMIUM_PSS_MB / idle_pss
    );
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
