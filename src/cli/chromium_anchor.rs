//! The benchmarks' peer, measured in the same run: a Chromium kiosk (`--kiosk`, one static
//! page with a line of Chinese text) on the same display, its PSS summed over every process
//! it starts. Never a number written into the code.

use super::bench_process::{memory_mb, Display};
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long Chromium gets to start its processes and paint the page.
const SETTLE: Duration = Duration::from_secs(10);

/// PSS of a Chromium kiosk showing one static page, in MB, and how many processes it ran.
pub fn chromium_pss_mb(display: &Display) -> Result<(f64, usize), String> {
    let dir = std::env::temp_dir().join(format!("kiosk-bench-chromium-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let page = dir.join("page.html");
    std::fs::write(
        &page,
        "<!doctype html><meta charset=utf-8><body style='font:48px sans-serif'>欢迎使用 就近跑一次</body>",
    )
    .map_err(|e| e.to_string())?;
    let binary = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok()
        })
        .ok_or("no Chromium here to measure (apt install chromium)")?;
    let mut child = Command::new(binary)
        .arg("--kiosk")
        .arg("--no-sandbox")
        .arg("--no-first-run")
        .arg("--disable-gpu")
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("file://{}", page.display()))
        .env("DISPLAY", &display.name)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {binary}: {e}"))?;
    std::thread::sleep(SETTLE);
    let tree = process_tree(child.id());
    let pss: f64 = tree.iter().filter_map(|pid| memory_mb(*pid)).map(|(pss, _)| pss).sum();
    let _ = child.kill();
    for pid in &tree {
        // SAFETY: signalling processes of the tree we started.
        unsafe { libc::kill(*pid as libc::pid_t, libc::SIGKILL) };
    }
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    if pss <= 0.0 {
        return Err(format!("{binary} did not stay up to be measured"));
    }
    Ok((pss, tree.len()))
}

/// `root` and every process descending from it.
fn process_tree(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let ppid = stat[stat.rfind(')')? + 2..].split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(parents.iter().filter(|(_, pp)| *pp == parent).map(|(pid, _)| *pid));
        i += 1;
    }
    tree
}
