//! `kiosk bench ...`: performance figures printed as ratios against a physical limit.
//! Never a timed assertion: these are for the closing note and for operators.

use super::{exit, Cli};
use clap::Subcommand;
use std::io::Write;
use std::time::Instant;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Durable submissions per second (WAL, synchronous=FULL) against the disk's raw
    /// write+fdatasync rate in the same directory.
    Storage {
        /// How many submissions to time.
        #[arg(long, default_value_t = 300)]
        count: u32,
        /// Directory to measure (default: a temporary directory under the state dir).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
    },
}

pub fn run(cli: &Cli, command: &BenchCommand) -> i32 {
    match command {
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
        // Physical limit: one small write + fdatasync, as a commit needs at least one.
        let mut file = std::fs::File::create(dir.join("fsync-probe"))?;
        let start = Instant::now();
        for i in 0..count {
            file.write_all(&i.to_le_bytes())?;
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
        println!("  ratio to the limit:   {:8.2}", submits_per_sec / fsyncs_per_sec);
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
