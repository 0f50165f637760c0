//! The real `kiosk run` process under the benchmarks' eyes: an X display for it (Xvfb
//! when none is set), the process started with the hidden `--bench` probe and its `bench:`
//! lines, and what the kernel says of it in /proc: PSS and RSS, open files, threads, CPU
//! time and how often its threads woke up.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// An X display: the one set, or a private Xvfb (stopped on drop).
pub struct Display {
    pub name: String,
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

/// The display set in `DISPLAY`, else a private Xvfb large enough for a `width`×`height`
/// window in either orientation.
pub fn display(width: u32, height: u32) -> Result<Display, String> {
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

/// `kiosk --config CONFIG run --bench` on `display`, its `bench:` lines readable; killed on
/// drop if it has not quit by then.
pub struct KioskUnderBench {
    child: Child,
    lines: Receiver<String>,
    pub started: Instant,
}

impl KioskUnderBench {
    pub fn start(config: &Path, display: &Display) -> Result<KioskUnderBench, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let started = Instant::now();
        let mut child = Command::new(exe)
            .arg("--config")
            .arg(config)
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
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().ok_or("no stdout")?;
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(KioskUnderBench { child, lines, started })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends one command to the probe.
    pub fn tell(&mut self, command: &str) -> Result<(), String> {
        let stdin = self.child.stdin.as_mut().ok_or("no stdin")?;
        writeln!(stdin, "{command}").map_err(|e| format!("the kiosk stopped listening: {e}"))
    }

    /// Waits for a `bench:` line starting with one of `prefixes` (after `bench: `).
    pub fn wait_for(&self, prefixes: &[&str], timeout: Duration) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix("bench: ") {
                        if prefixes.iter().any(|p| rest.starts_with(p)) {
                            return Ok(rest.to_string());
                        }
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(format!("no {prefixes:?} from the kiosk within {timeout:?}"))
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return Err("the kiosk process ended".to_string()),
            }
        }
    }

    /// Asks the probe to quit, and waits up to 5 s for it.
    pub fn quit(&mut self) {
        let _ = self.tell("quit");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for KioskUnderBench {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `key=value` figure of a probe line.
pub fn figure(line: &str, key: &str) -> Option<f64> {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
}

/// PSS and RSS of a process in MB (from /proc/PID/smaps_rollup).
pub fn memory_mb(pid: u32) -> Option<(f64, f64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
    };
    Some((field("Pss:")?, field("Rss:")?))
}

/// Open file descriptors of a process.
pub fn open_files(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count())
}

/// Threads of a process.
pub fn threads(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(format!("/proc/{pid}/task")).ok()?.count())
}

/// CPU time (user + system) of a process so far.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces: the fields after its closing parenthesis count.
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let (utime, stime): (u64, u64) = (fields.get(11)?.parse().ok()?, fields.get(12)?.parse().ok()?);
    // SAFETY: sysconf only reads a constant of the system.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_millis((utime + stime) * 1000 / hz))
}

/// Times the threads of a process went to sleep and were woken (voluntary context
/// switches, summed over its threads): the wake-ups an idle program costs.
pub fn wakeups(pid: u32) -> Option<u64> {
    let mut sum = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()?.flatten() {
        let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
        sum += status
            .lines()
            .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
    }
    Some(sum)
}

/// CPU share of one core and wake-ups per second of a process over `span`.
pub fn idle_cost(pid: u32, span: Duration) -> Option<(f64, f64)> {
    let (cpu0, wake0, t0) = (cpu_time(pid)?, wakeups(pid)?, Instant::now());
    std::thread::sleep(span);
    let (cpu1, wake1) = (cpu_time(pid)?, wakeups(pid)?);
    let secs = t0.elapsed().as_secs_f64();
    Some((
        (cpu1 - cpu0).as_secs_f64() / secs * 100.0,
        (wake1.saturating_sub(wake0)) as f64 / secs,
    ))
}

pub fn verdict(met: bool) -> &'static str {
    if met {
        "goal met"
    } else {
        "goal NOT met"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_seen_in_proc() {
        let pid = std::process::id();
        let (pss, rss) = memory_mb(pid).expect("smaps_rollup");
        assert!(pss > 0.0 && rss >= pss * 0.5, "{pss} {rss}");
        assert!(open_files(pid).expect("fds") >= 3);
        assert!(threads(pid).expect("threads") >= 1);
        let before = cpu_time(pid).expect("cpu");
        let spin = Instant::now();
        while spin.elapsed() < Duration::from_millis(200) {
            std::hint::black_box(spin.elapsed());
        }
        assert!(cpu_time(pid).expect("cpu") > before, "a busy loop costs CPU time");
        assert!(wakeups(pid).is_some());
        assert_eq!(figure("sample journeys=20 heap-bytes=1024", "heap-bytes"), Some(1024.0));
        assert_eq!(figure("sample journeys=20", "heap"), None);
    }
}
