//! `kiosk screenshot`: any page rendered headless with sample data.

use super::{exit, Cli};
use crate::domain::Lang;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ScreenshotArgs {
    /// Print the page names, one per line.
    #[arg(long)]
    pub list_pages: bool,
    #[arg(long, required_unless_present = "list_pages")]
    pub page: Option<String>,
    /// WIDTHxHEIGHT in pixels.
    #[arg(long, default_value = "1080x1920")]
    pub size: String,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: super::printer_cmd::LangArg,
    #[arg(long)]
    pub elderly: bool,
    #[arg(long, required_unless_present = "list_pages")]
    pub out: Option<PathBuf>,
}

/// An app on the effective configuration with no store and no devices: for rendering.
fn sample_app(cli: &Cli) -> Result<crate::app::kiosk::KioskApp, i32> {
    let loaded = super::load_config(cli)?;
    let catalogue = crate::app::load_catalogue(&loaded.config).map_err(|e| {
        eprintln!("kiosk: {e}");
        exit::CONFIG
    })?;
    let profile = crate::devices::printer::profile::profile(&loaded.config.devices.printer.profile)
        .or_else(|_| crate::devices::printer::profile::profile(crate::devices::printer::profile::DEFAULT_PROFILE))
        .map_err(|e| {
            eprintln!("kiosk: {e}");
            exit::CONFIG
        })?;
    let mut parts = crate::app::kiosk::AppParts::bare(profile);
    // Rendered as on simulated devices (the badge, the simulated payment button).
    parts.sim = Some(crate::app::sim_controls::SimControls::new(None, None));
    Ok(crate::app::kiosk::KioskApp::new(loaded.config, catalogue, parts))
}

pub fn parse_size(size: &str) -> Option<(u32, u32)> {
    let (w, h) = size.split_once(['x', 'X', '×'])?;
    let (w, h) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
    ((320..=4096).contains(&w) && (240..=4096).contains(&h)).then_some((w, h))
}

pub fn screenshot(cli: &Cli, args: &ScreenshotArgs) -> i32 {
    if args.list_pages {
        for page in crate::ui::screenshot::PAGES {
            println!("{page}");
        }
        return exit::OK;
    }
    let Some((width, height)) = parse_size(&args.size) else {
        eprintln!("kiosk: --size must be WIDTHxHEIGHT, e.g. 1080x1920");
        return exit::CONFIG;
    };
    let (Some(page), Some(out)) = (&args.page, &args.out) else {
        return exit::CONFIG;
    };
    let app = match sample_app(cli) {
        Ok(app) => app,
        Err(code) => return code,
    };
    let lang: Lang = args.lang.into();
    match crate::ui::screenshot::screenshot(app, page, width, height, lang, args.elderly, out) {
        Ok(()) => {
            if std::env::var_os("KIOSK_REPORT_RSS").is_some() {
                println!("rss-kib {}", crate::ui::screenshot::rss_kib().unwrap_or(0));
            }
            println!(
                "{}: {page} at {width}×{height}, {}{}",
                out.display(),
                lang.code(),
                if args.elderly { ", elderly mode" } else { "" }
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("kiosk: screenshot: {e}");
            exit::CONFIG
        }
    }
}

/// `kiosk bench ui`: exec to first frame, idle RSS and frame time of the busiest page, on
/// the software renderer, against the goals (1 s, 60 MB, 16 ms).
pub fn bench(cli: &Cli, frames: u32) -> i32 {
    let dir = std::env::temp_dir().join(format!("kiosk-bench-ui-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("kiosk bench: {e}");
            return exit::DEVICE;
        }
    };
    let mut starts = Vec::new();
    let mut rss = 0;
    for _ in 0..5 {
        let start = std::time::Instant::now();
        let out = std::process::Command::new(&exe)
            .args(["screenshot", "--page", "welcome", "--size", "1080x1920", "--out"])
            .arg(dir.join("first.png"))
            .env("KIOSK_REPORT_RSS", "1")
            .env("KIOSK_LOG", "warn")
            .output();
        let elapsed = start.elapsed();
        match out {
            Ok(out) if out.status.success() => {
                starts.push(elapsed);
                rss = String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .find_map(|l| l.strip_prefix("rss-kib ").and_then(|v| v.parse::<u64>().ok()))
                    .unwrap_or(rss);
            }
            Ok(out) => {
                eprintln!("kiosk bench: child failed: {}", String::from_utf8_lossy(&out.stderr));
                return exit::DEVICE;
            }
            Err(e) => {
                eprintln!("kiosk bench: {e}");
                return exit::DEVICE;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    starts.sort();
    let median = starts[starts.len() / 2];
    let app = match sample_app(cli) {
        Ok(app) => app,
        Err(code) => return code,
    };
    // The receipt page is the busiest: two images, the receipt preview and the QR.
    let times = match crate::ui::screenshot::frame_times(app, "receipt-qr", 1080, 1920, frames) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("kiosk bench: {e}");
            return exit::DEVICE;
        }
    };
    let mut sorted = times.clone();
    sorted.sort();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let mean = times.iter().map(|d| ms(*d)).sum::<f64>() / times.len() as f64;
    println!(
        "ui: software renderer, 1080×1920, {} build",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    println!(
        "  exec → first frame (welcome, incl. PNG write): median {:7.1} ms  ({:.2}× the 1 s goal)",
        ms(median),
        ms(median) / 1000.0
    );
    println!(
        "  idle RSS after the first frame:                 {:7.1} MB  ({:.2}× the 60 MB goal)",
        rss as f64 / 1024.0,
        rss as f64 / 1024.0 / 60.0
    );
    println!("  full repaint of the busiest page (receipt+QR):  mean {mean:6.1} ms, p95 {:6.1} ms over {} frames  ({:.2}× the 16 ms goal)", ms(sorted[sorted.len() * 95 / 100]), times.len(), mean / 16.0);
    exit::OK
}
