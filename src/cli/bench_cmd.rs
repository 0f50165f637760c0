//! `kiosk bench ...`: performance figures printed as ratios against a physical limit.
//! Never a timed assertion: these are for the closing note and for operators.

use super::{exit, Cli};
use clap::Subcommand;
use std::io::Write;
use std::time::Instant;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Durable submissions per second (WAL, synchronous=FULL) against the disk's raw
    /// write+fdatasync rate into a preallocated file in the same directory.
    Storage {
        /// How many submissions to time.
        #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        count: u32,
        /// Directory to measure (default: a temporary directory under the state dir).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
    },
    /// ESC/POS size and generation time of the standard receipt: native QR, raster QR,
    /// and fully rasterised text.
    Receipt {
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        count: u32,
    },
    /// The real `kiosk run` process on X (Xvfb when no display is set): exec to the first
    /// painted window, PSS/RSS idle and after scripted journeys, longest UI-thread event.
    #[cfg(feature = "ui")]
    Ui {
        /// Scripted citizen journeys (welcome → receipt → welcome) to run.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        journeys: u32,
        /// WIDTHxHEIGHT of the window.
        #[arg(long, default_value = "1080x1920")]
        size: String,
        /// Also measure a Chromium kiosk showing one static page on the same display, and
        /// print the ratio (no ratio is printed without a measurement).
        #[arg(long)]
        anchor_chromium: bool,
    },
    /// Months on a board, compressed: the real `kiosk run` process on X against a local
    /// reference central server takes N journeys of a mix (camera materials, payment,
    /// English, elderly mode, progress, appointment, complaint, idle wipe), sampling PSS,
    /// RSS, heap, open files and threads every 10; idle CPU and wake-ups on the welcome page
    /// and in the attract loop; the UI thread's event durations. A verdict for each goal.
    #[cfg(feature = "ui")]
    Soak {
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        journeys: u32,
        /// WIDTHxHEIGHT of the window.
        #[arg(long, default_value = "1080x1920")]
        size: String,
        /// Seconds of idle measured on the welcome page, and again in the attract loop.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=3_600))]
        idle_secs: u32,
        /// Print the report (series, idle cost, UI thread, verdicts) as JSON.
        #[arg(long)]
        json: bool,
        /// Draw the series as an SVG plot into FILE.
        #[arg(long, value_name = "FILE.svg")]
        plot: Option<std::path::PathBuf>,
    },
    /// The pinyin engine: index load time and memory, lookup latency p50/p99 over every
    /// prefix of 1,000 address words, top-5 hit rate.
    Ime {
        /// Also write the word set (`word<TAB>pinyin`) to score another engine on it.
        #[arg(long, value_name = "FILE")]
        words_out: Option<std::path::PathBuf>,
    },
    /// Handwriting recognition: the model's load time, and the time of a recognition after
    /// each stroke of a test set's characters, against the writing pad's budget.
    Handwriting {
        /// A directory of characters as stroke medians (`{"medians": …}` JSON files named
        /// after their character, as scripts/fetch-handwriting-testset.sh fetches them).
        #[arg(long, value_name = "DIR", default_value = "target/handwriting-testset")]
        testset: std::path::PathBuf,
    },
    /// The document camera pipeline (simulated source): preview fps and CPU at 640x480,
    /// still-to-JPEG latency.
    Camera {
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=600))]
        seconds: u32,
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
        stills: u32,
    },
    /// Outbox drain throughput over loopback mutual TLS against a throw-away reference
    /// server, without and with ~150 KB photos, against the server's own insert rate.
    Central {
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=5_000))]
        count: u32,
        #[arg(long, default_value_t = 150_000, value_parser = clap::value_parser!(u64).range(1_000..=8_000_000))]
        photo_bytes: u64,
    },
    /// End-to-end card reads through the production driver against the simulator paced
    /// at a real baud rate: time per read against the pure wire time of the bytes.
    CardRead {
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        count: u32,
        #[arg(long, default_value_t = 115_200, value_parser = clap::value_parser!(u32).range(1200..=4_000_000))]
        baud: u32,
        /// Fixture card to read.
        #[arg(long, default_value = "resident")]
        card: String,
    },
}

pub fn run(cli: &Cli, command: &BenchCommand) -> i32 {
    match command {
        #[cfg(feature = "ui")]
        BenchCommand::Ui {
            journeys,
            size,
            anchor_chromium,
        } => match super::ui_cmd::parse_size(size) {
            Some((width, height)) => super::ui_bench::bench(*journeys, width, height, *anchor_chromium),
            None => {
                eprintln!("kiosk bench ui: --size must be WIDTHxHEIGHT, e.g. 1080x1920");
                exit::CONFIG
            }
        },
        #[cfg(feature = "ui")]
        BenchCommand::Soak {
            journeys,
            size,
            idle_secs,
            json,
            plot,
        } => match super::ui_cmd::parse_size(size) {
            Some((width, height)) => super::soak_bench::bench(&super::soak_bench::SoakOptions {
                journeys: *journeys,
                width,
                height,
                idle_secs: *idle_secs,
                json: *json,
                plot: plot.clone(),
            }),
            None => {
                eprintln!("kiosk bench soak: --size must be WIDTHxHEIGHT, e.g. 1080x1920");
                exit::CONFIG
            }
        },
        BenchCommand::Camera { seconds, stills } => super::camera_bench::bench(*seconds, *stills),
        BenchCommand::Central { count, photo_bytes } => super::central_bench::bench(*count, *photo_bytes as usize),
        BenchCommand::Ime { words_out } => super::ime_bench::bench(words_out.as_deref()),
        BenchCommand::Handwriting { testset } => super::handwriting_bench::bench(testset),
        BenchCommand::Receipt { count } => match bench_receipt(*count) {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("kiosk bench: {e}");
                exit::DEVICE
            }
        },
        BenchCommand::CardRead { count, baud, card } => match bench_card_read(*count, *baud, card) {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("kiosk bench: {e}");
                exit::DEVICE
            }
        },
        BenchCommand::Storage { count, dir } => {
            let base = match dir {
                Some(dir) => dir.clone(),
                None => match super::load_config(cli) {
                    Ok(loaded) => loaded.config.kiosk.state_dir.join("bench"),
                    Err(code) => return code,
                },
            };
            match bench_storage(&base, *count) {
                Ok(()) => exit::OK,
                Err(e) => {
                    eprintln!("kiosk bench: {e}");
                    exit::STORAGE
                }
            }
        }
    }
}

fn bench_storage(base: &std::path::Path, count: u32) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(base)?;
    let dir = base.join(format!("run-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = (|| -> Result<(), Box<dyn std::error::Error>> {
        // Physical limit: one 4 KiB page written and fdatasync'ed per commit, into a
        // preallocated file (as a reused WAL is), so no metadata update is counted.
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(dir.join("fsync-probe"))?;
        // Really allocated (zero-filled), not a sparse file whose first writes would
        // allocate blocks and update metadata.
        let zeros = vec![0u8; 1 << 20];
        let mut left = u64::from(count) * 4096;
        while left > 0 {
            let n = left.min(zeros.len() as u64) as usize;
            file.write_all(&zeros[..n])?;
            left -= n as u64;
        }
        file.sync_all()?;
        let page = vec![0x5Au8; 4096];
        let start = Instant::now();
        for i in 0..count {
            use std::io::{Seek, SeekFrom};
            file.seek(SeekFrom::Start(u64::from(i) * 4096))?;
            file.write_all(&page)?;
            file.sync_data()?;
        }
        let fsyncs_per_sec = count as f64 / start.elapsed().as_secs_f64();

        let mut store = crate::storage::Store::open_in(&dir)?;
        let application = crate::app::sample::application("bench");
        let start = Instant::now();
        for i in 0..count {
            let mut a = application.clone();
            a.uuid = format!("bench-{i}");
            store.submit(&a, &[], "BENCH", i as i64)?;
        }
        let submits_per_sec = count as f64 / start.elapsed().as_secs_f64();
        println!("storage: {count} durable submissions (application + outbox + receipt number, sealed, WAL, synchronous=FULL)");
        println!("  submissions/s:        {submits_per_sec:8.1}");
        println!("  raw fdatasync/s:      {fsyncs_per_sec:8.1}  (physical limit of this disk)");
        // WAL with synchronous=FULL syncs the log at commit and again at checkpoints: half
        // the raw rate is the ceiling; 0.40 leaves room for the sealing and the SQL.
        let ratio = submits_per_sec / fsyncs_per_sec;
        println!(
            "  ratio to the limit:   {ratio:8.2}  (goal ≥ 0.40: {})",
            met(ratio >= 0.40)
        );
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn met(ok: bool) -> &'static str {
    if ok {
        "goal met"
    } else {
        "goal NOT met"
    }
}

/// CPU time of the calling thread.
fn thread_cpu_time() -> std::time::Duration {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a rusage struct.
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut usage) };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    std::time::Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

fn bench_card_read(count: u32, baud: u32, card: &str) -> Result<(), Box<dyn std::error::Error>> {
    use crate::devices::card_reader::fixtures::fixture;
    use crate::devices::card_reader::link::{open_port, SamLink};
    use crate::devices::card_reader::sim::{SimCardReader, SimReaderOptions};
    let card = fixture(card).ok_or("unknown fixture card")?;
    let sim = SimCardReader::start(SimReaderOptions {
        baud: Some(baud),
        ..Default::default()
    })?;
    let mut link = SamLink::new(open_port(sim.path(), baud)?);
    let mut total = std::time::Duration::ZERO;
    let mut wire = std::time::Duration::ZERO;
    let mut cpu = std::time::Duration::ZERO;
    let mut bytes = 0;
    for _ in 0..count {
        sim.place(card.clone());
        let before = link.stats;
        let cpu_before = thread_cpu_time();
        let start = Instant::now();
        if !link.find()? {
            return Err("the simulator did not present the card".into());
        }
        link.read_found_card()?;
        total += start.elapsed();
        cpu += thread_cpu_time() - cpu_before;
        let exchanged = (link.stats.bytes_in - before.bytes_in + link.stats.bytes_out - before.bytes_out) as usize;
        bytes += exchanged;
        wire += crate::devices::pty::wire_time(exchanged, baud);
        sim.lift();
    }
    let n = f64::from(count);
    println!(
        "card read: {count} reads of fixture card through SerialCardReader's link, simulator paced at {baud} baud 8N1"
    );
    println!(
        "  bytes per read:          {:8.0}  (find, select, read 30 10, appended address)",
        bytes as f64 / n
    );
    println!(
        "  wire time per read:      {:8.1} ms  (physical limit: 10 bits per byte)",
        wire.as_secs_f64() * 1000.0 / n
    );
    println!("  measured per read:       {:8.1} ms", total.as_secs_f64() * 1000.0 / n);
    let ratio = total.as_secs_f64() / wire.as_secs_f64();
    println!(
        "  ratio measured / wire:   {ratio:8.3}  (goal ≤ 1.10: {})",
        met(ratio <= 1.10)
    );
    println!(
        "  host CPU per read:       {:8.3} ms  (driver thread)",
        cpu.as_secs_f64() * 1000.0 / n
    );
    Ok(())
}

fn bench_receipt(count: u32) -> Result<(), Box<dyn std::error::Error>> {
    use crate::devices::printer::encode::{encode, EncodeOptions};
    use crate::devices::printer::font::ReceiptFont;
    use crate::devices::printer::layout::receipt_layout;
    use crate::devices::printer::profile::{profile, QrSupport};
    let receipt = crate::app::sample::receipt();
    let font = ReceiptFont::locate()?;
    let native = profile("generic-80mm")?;
    let mut image_qr = native.clone();
    image_qr.qr = QrSupport::Image;
    let layout = receipt_layout(&receipt, crate::domain::Lang::Zh, native.code128);
    let variants = [
        ("native QR (GS ( k)", &native, EncodeOptions::default()),
        ("raster QR (GS v 0)", &image_qr, EncodeOptions::default()),
        (
            "all text rasterised",
            &image_qr,
            EncodeOptions { raster_all_text: true },
        ),
    ];
    println!("receipt: the standard 受理回执 (sample), 80 mm / 576 dots, {count} encodings each");
    let mut baseline = None;
    let mut native_figures = None;
    for (name, profile, options) in variants {
        let start = Instant::now();
        let mut bytes = 0;
        for _ in 0..count {
            bytes = encode(&layout, profile, Some(&font), options)?.0.len();
        }
        let per = start.elapsed().as_secs_f64() * 1000.0 / f64::from(count);
        let (base_bytes, base_ms) = *baseline.get_or_insert((bytes, per));
        native_figures.get_or_insert((bytes, per));
        println!(
            "  {name:<22} {bytes:>7} bytes ({:>5.1}× native) {per:>8.3} ms ({:>6.1}× native)   wire time at 115200: {:>6.0} ms",
            bytes as f64 / base_bytes as f64,
            per / base_ms,
            bytes as f64 * 10.0 / 115.2
        );
    }
    let (native_bytes, native_ms) = native_figures.unwrap_or_default();
    println!(
        "  goal: native-QR receipt ≤ 4096 bytes and ≤ 1 ms to generate: {}",
        met(native_bytes <= 4096 && native_ms <= 1.0)
    );
    Ok(())
}
