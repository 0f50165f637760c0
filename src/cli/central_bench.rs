//! `kiosk bench central`: outbox drain throughput over loopback and mutual TLS against a
//! throw-away reference server (`township-central`, SQLite), without materials and with two
//! ~150 KB photos per application, each as a ratio of the server's own insert rate for the
//! same work (`township-central bench-store`: the store alone, no HTTP, no TLS). Printed
//! figures only, never a timed assertion. The kiosk's own store and the server share the
//! machine's cores, as they would not in the field.

use super::central_cmd::read_application;
use super::exit;
use super::local_central::{self, LocalCentral};
use crate::app::central_http::HttpCentral;
use crate::app::outbox_worker::{self, DeliveryOptions};
use crate::storage::Store;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

type BenchResult<T> = Result<T, String>;

const KIOSK_ID: &str = "BENCH-KIOSK-01";

pub fn bench(count: u32, photo_bytes: usize) -> i32 {
    let Some(bin) = local_central::find_binary() else {
        eprintln!("kiosk bench central: township-central not found beside kiosk (cargo build -p township-central, or set TOWNSHIP_CENTRAL)");
        return exit::CONFIG;
    };
    let dir = std::env::temp_dir().join(format!("kiosk-bench-central-{}", std::process::id()));
    let result = run(&bin, &dir, count, photo_bytes);
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("kiosk bench central: {e}");
            exit::DEVICE
        }
    }
}

/// The server's own rates from `township-central bench-store` on a fresh directory.
fn store_rates(bin: &Path, dir: &Path, count: u32, photo_bytes: usize) -> BenchResult<(f64, f64)> {
    LocalCentral::init(bin, dir)?;
    let output = Command::new(bin)
        .args(["bench-store", "--json", "--dir"])
        .arg(dir)
        .args(["--count", &count.to_string(), "--photo-bytes", &photo_bytes.to_string()])
        .args(["--chunk-bytes", &outbox_worker::DEFAULT_CHUNK_BYTES.to_string()])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run township-central bench-store: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "township-central bench-store: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("bench-store --json: {e}"))?;
    let rate = |key: &str| report[key].as_f64().ok_or(format!("bench-store --json: no {key}"));
    Ok((rate("applications_per_sec")?, rate("with_photos_per_sec")?))
}

/// An application file like `kiosk submit --example`'s, photos of `photo_bytes` (0: none).
fn application_file(dir: &Path, photo_bytes: usize) -> BenchResult<PathBuf> {
    let mut example = super::central_cmd::example_json();
    if let Some(materials) = example["materials"].as_object_mut() {
        for material in materials.values_mut() {
            if material["state"] == "captured" {
                material["photo"] = match photo_bytes {
                    0 => "".into(),
                    n => format!("synthetic:{n}").into(),
                };
            }
        }
    }
    let path = dir.join(format!("application-{photo_bytes}.json"));
    std::fs::write(&path, example.to_string()).map_err(|e| e.to_string())?;
    Ok(path)
}

/// Drain figures: applications per second and payload megabytes per second.
struct Drained {
    per_sec: f64,
    mb_per_sec: f64,
    photos: usize,
    seconds: f64,
}

/// Enqueues `count` applications (each its own UUID) into the kiosk's store, then times
/// one drain of the whole queue through the HTTPS client.
fn drain(central: &HttpCentral, config: &crate::config::Config, file: &Path, count: u32) -> BenchResult<Drained> {
    let state_dir = &config.kiosk.state_dir;
    let mut store = Store::open_in(state_dir).map_err(|e| e.to_string())?;
    let mut photos = 0;
    let mut bytes = 0;
    for _ in 0..count {
        let (application, files) = read_application(file)?;
        photos += files.len();
        bytes += files.iter().map(|(_, b)| b.len()).sum::<usize>();
        store
            .submit(
                &application,
                &files,
                &config.kiosk.receipt_prefix,
                crate::storage::now_unix(),
            )
            .map_err(|e| e.to_string())?;
    }
    let options = DeliveryOptions::new(KIOSK_ID);
    let started = Instant::now();
    let report = outbox_worker::drain(
        &mut store,
        central,
        &options,
        false,
        Instant::now() + Duration::from_secs(900),
        |_| {},
    )
    .map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    if report.sent != u64::from(count) {
        return Err(format!(
            "{} of {count} delivered ({} refused, {} retries)",
            report.sent, report.dead, report.retries
        ));
    }
    Ok(Drained {
        per_sec: f64::from(count) / seconds,
        mb_per_sec: bytes as f64 / 1e6 / seconds,
        photos,
        seconds,
    })
}

fn run(bin: &Path, dir: &Path, count: u32, photo_bytes: usize) -> BenchResult<()> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    println!(
        "kiosk bench central: {count} applications each way, loopback, mutual TLS, SQLite reference server ({} build)",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    let _ = std::io::Write::flush(&mut std::io::stdout());
    // One line per delivered application would bury the figures.
    log::set_max_level(log::LevelFilter::Warn);
    let (store_plain, store_photos) = store_rates(bin, &dir.join("store-bench"), count, photo_bytes)?;
    let central = LocalCentral::start(bin, &dir.join("central"))?;
    let section = central.enroll(KIOSK_ID, &dir.join("enrolment"))?;
    let state_dir = dir.join("kiosk");
    let text = local_central::kiosk_config(KIOSK_ID, &state_dir, &section, None);
    let config = crate::config::parse_str(&text, Path::new("bench.toml"))
        .map_err(|e| format!("the bench's kiosk config: {e}"))?;
    let client = HttpCentral::from_config(&config.central, KIOSK_ID).map_err(|e| e.to_string())?;
    let plain = drain(&client, &config, &application_file(dir, 0)?, count)?;
    let with_photos = drain(&client, &config, &application_file(dir, photo_bytes)?, count)?;
    let per_app = with_photos.photos as f64 / f64::from(count);
    println!(
        "  server store alone (bench-store, no HTTP/TLS): {store_plain:>8.1} applications/s; with {per_app:.0} × {} KB photos: {store_photos:.1}/s",
        photo_bytes / 1000
    );
    println!(
        "  kiosk drain, no materials:        {:>8.1} applications/s ({:.2} s) = {:.2} × the server's insert rate",
        plain.per_sec,
        plain.seconds,
        plain.per_sec / store_plain
    );
    println!(
        "  kiosk drain, {per_app:.0} × {} KB photos:     {:>8.1} applications/s ({:.2} s, {:.1} MB/s) = {:.2} × the server's insert rate",
        photo_bytes / 1000,
        with_photos.per_sec,
        with_photos.seconds,
        with_photos.mb_per_sec,
        with_photos.per_sec / store_photos
    );
    println!("  (a drain sends one request at a time and commits each step durably in the kiosk's store; the server's rate is its own commits alone)");
    Ok(())
}
