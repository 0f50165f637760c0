//! The command line: init, enroll, revoke, serve, operator add, list, review, payment,
//! bench-store, rollout and simulate-fleet (and a hidden `generate DIR` for the package's man page and
//! completions). Exit codes: 0 success, 1 failure, 2 usage.

mod commands;
mod rollout;

use crate::server;
use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "township-central",
    version,
    about = "Reference central system for township police kiosks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the CA, the server certificate (localhost, 127.0.0.1) and server.toml in DIR.
    Init {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        admin_listen: String,
        /// More host names or addresses for the server certificate.
        #[arg(long = "name")]
        names: Vec<String>,
        /// Labs and demonstrations: kiosks may mark their own payment orders paid, as a
        /// payment provider's test mode does (server.toml `sandbox-payments`).
        #[arg(long)]
        sandbox_payments: bool,
    },
    /// Issue a kiosk's client certificate and write OUT/central.toml.
    Enroll {
        kiosk_id: String,
        /// The receipt-number prefix this kiosk issues (2 to 6 of A-Z 0-9; one kiosk each).
        #[arg(long)]
        receipt_prefix: String,
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        db: Option<String>,
    },
    /// Revoke every certificate of a kiosk (running servers notice within a second).
    Revoke {
        kiosk_id: String,
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        db: Option<String>,
    },
    /// Issue a one-time code that lets a kiosk's technician set a new PIN (a forgotten or
    /// locked PIN): twelve digits, valid for a day, for that kiosk only; audited. Read it
    /// to the technician, who types `kiosk technician recover`.
    PinRecovery {
        kiosk_id: String,
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        db: Option<String>,
    },
    /// Serve the API (mutual TLS) and the back office.
    Serve {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        listen: Option<String>,
        #[arg(long)]
        admin_listen: Option<String>,
        /// postgres://… (default: server.toml's db, else SQLite in DIR).
        #[arg(long)]
        db: Option<String>,
        /// Worker threads (default: the number of cores).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Operator accounts of the back office.
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
    /// The applications held, newest first.
    List(Listing),
    /// The 好差评 ratings received, newest first, with their reasons and follow-up dates.
    Ratings(Listing),
    /// The consultations and complaints left at kiosks, newest first, with the number to
    /// call back.
    Complaints(Listing),
    /// Pre-review an application: exactly one of --approve, --supplement MSG, --reject MSG.
    Review {
        receipt: String,
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        db: Option<String>,
        #[arg(long)]
        approve: bool,
        #[arg(long, value_name = "MSG")]
        supplement: Option<String>,
        #[arg(long, value_name = "MSG")]
        reject: Option<String>,
        #[arg(long, default_value = "cli")]
        operator: String,
    },
    /// The payment simulation (as on the back office's Payments page): mark an order paid
    /// or expire it. Prints the order as JSON.
    Payment {
        order_id: String,
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        db: Option<String>,
        #[arg(long, conflicts_with = "expire", required_unless_present = "expire")]
        paid: bool,
        #[arg(long)]
        expire: bool,
    },
    /// The store's own insert rate (no HTTP, no TLS) on a freshly initialised DIR: COUNT
    /// applications without and COUNT with two photos, for `kiosk bench central`.
    BenchStore {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        db: Option<String>,
        #[arg(long, default_value_t = 100)]
        count: u32,
        #[arg(long, default_value_t = 150_000)]
        photo_bytes: usize,
        #[arg(long, default_value_t = 256 * 1024)]
        chunk_bytes: usize,
        #[arg(long)]
        json: bool,
    },
    /// Staged firmware rollouts: create, list, pause, resume, abort.
    Rollout {
        #[command(subcommand)]
        command: rollout::RolloutCommand,
        #[arg(long, global = true)]
        dir: Option<PathBuf>,
        #[arg(long, global = true)]
        db: Option<String>,
    },
    /// Run N simulated kiosks against a running server and report latencies.
    SimulateFleet {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long, default_value_t = 100)]
        kiosks: usize,
        #[arg(long, default_value_t = 60)]
        duration: u64,
        /// Submissions per second across the fleet.
        #[arg(long, default_value_t = 1.0)]
        submit_rate: f64,
        #[arg(long, default_value_t = 60)]
        heartbeat_secs: u64,
        /// The share of the simulated kiosks (0 to 1) whose firmware update fails.
        #[arg(long, default_value_t = 0.0)]
        update_failure_rate: f64,
        /// The API address (default: server.toml's listen).
        #[arg(long)]
        server: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Purge the personal data of cases closed more than DAYS ago (server.toml's
    /// retention-days unless given); the server does it daily on its own.
    Purge {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        db: Option<String>,
        #[arg(long)]
        days: Option<i64>,
    },
    /// Add a new sealing key, seal every personal value again with it, drop the old keys.
    SealRotate {
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        db: Option<String>,
    },
    /// Write the man page and shell completions to DIR (for the package).
    #[command(hide = true)]
    Generate { dir: PathBuf },
}

#[derive(Subcommand)]
enum OperatorCommand {
    /// Add an operator (or reset the password); the password is read from standard input.
    Add {
        name: String,
        /// reviewer (pre-review), supervisor (also payments, audit, reveal) or auditor
        /// (reads the audit log).
        #[arg(long, default_value = "reviewer")]
        role: String,
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        db: Option<String>,
    },
}

/// A logger to standard error; lines carry no personal data by construction.
struct StderrLog;

impl log::Log for StderrLog {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::Level::Info && metadata.target().starts_with("township_central")
    }
    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            eprintln!("{} {}", record.level(), record.args());
        }
    }
    fn flush(&self) {}
}

static LOGGER: StderrLog = StderrLog;

/// Raises the open-file limit to the hard limit (10,000 kiosks are 10,000 connections).
pub fn raise_fd_limit() {
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

pub fn main() -> i32 {
    // Everything the server writes (its database, keys, logs) is its own: 0600 / 0700.
    unsafe {
        libc::umask(0o077);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let _ = log::set_logger(&LOGGER).map(|()| log::set_max_level(log::LevelFilter::Info));
    match run(cli.command) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("township-central: {e:#}");
            1
        }
    }
}

/// Runs one command: a dispatch to [`commands`], which does the work.
fn run(command: Command) -> Result<()> {
    match command {
        Command::Init {
            dir,
            listen,
            admin_listen,
            names,
            sandbox_payments,
        } => commands::init(&dir, &listen, &admin_listen, &names, sandbox_payments),
        Command::Enroll {
            kiosk_id,
            receipt_prefix,
            dir,
            out,
            db,
        } => commands::enroll(&dir, &kiosk_id, &receipt_prefix, &out, db.as_deref()),
        Command::Revoke { kiosk_id, dir, db } => commands::revoke(&dir, db.as_deref(), &kiosk_id),
        Command::PinRecovery { kiosk_id, dir, db } => commands::pin_recovery(&dir, db.as_deref(), &kiosk_id),
        Command::Serve {
            dir,
            listen,
            admin_listen,
            db,
            threads,
        } => commands::serve(&dir, listen.as_deref(), admin_listen.as_deref(), db.as_deref(), threads),
        Command::Operator {
            command: OperatorCommand::Add { name, role, dir, db },
        } => commands::operator_add(&dir, db.as_deref(), &name, &role),
        Command::List(listing) => commands::list_applications(&listing),
        Command::Ratings(listing) => commands::list_ratings(&listing),
        Command::Complaints(listing) => commands::list_complaints(&listing),
        Command::Review {
            receipt,
            dir,
            db,
            approve,
            supplement,
            reject,
            operator,
        } => commands::review(&dir, db.as_deref(), &receipt, (approve, supplement, reject), &operator),
        Command::Purge { dir, db, days } => commands::purge(&dir, db.as_deref(), days),
        Command::SealRotate { dir, db } => commands::seal_rotate(&dir, db.as_deref()),
        Command::Generate { dir } => commands::generate(&dir),
        Command::Payment {
            order_id,
            dir,
            db,
            paid,
            expire: _,
        } => commands::payment(&dir, db.as_deref(), &order_id, paid),
        Command::BenchStore {
            dir,
            db,
            count,
            photo_bytes,
            chunk_bytes,
            json,
        } => commands::bench_store(&dir, db.as_deref(), count, photo_bytes, chunk_bytes, json),
        Command::Rollout { command, dir, db } => {
            let Some(dir) = dir else {
                anyhow::bail!("--dir DIR (the server's directory) is required");
            };
            rollout::run(&dir, db.as_deref(), command)
        }
        Command::SimulateFleet {
            dir,
            kiosks,
            duration,
            submit_rate,
            heartbeat_secs,
            update_failure_rate,
            server,
            json,
        } => commands::simulate_fleet(
            dir,
            server,
            kiosks,
            duration,
            (submit_rate, heartbeat_secs, update_failure_rate),
            json,
        ),
    }
}

/// The options of the listing commands (`list`, `ratings`, `complaints`).
#[derive(Args)]
struct Listing {
    #[arg(long)]
    dir: PathBuf,
    #[arg(long)]
    db: Option<String>,
    #[arg(long)]
    json: bool,
    #[arg(long, default_value_t = 1000)]
    limit: i64,
}

impl Listing {
    fn store(&self) -> Result<crate::store::Store> {
        server::open_store(&self.dir, self.db.as_deref())
    }
}
