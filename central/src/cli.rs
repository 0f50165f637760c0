//! The command line: init, enroll, revoke, serve, operator add, list, review, payment,
//! bench-store and simulate-fleet (and a hidden `generate DIR` for the package's man page and
//! completions). Exit codes: 0 success, 1 failure, 2 usage.

use crate::server;
use crate::store::{Operator, Role};
use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use township_core::central_api::CaseStatus;

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

fn run(command: Command) -> Result<()> {
    match command {
        Command::Init {
            dir,
            listen,
            admin_listen,
            names,
            sandbox_payments,
        } => {
            server::init(&dir, &listen, &admin_listen, &names, sandbox_payments)?;
            println!("initialised {}: CA, server certificate, server.toml", dir.display());
        }
        Command::Enroll {
            kiosk_id,
            receipt_prefix,
            dir,
            out,
            db,
        } => {
            server::enroll(&dir, &kiosk_id, &receipt_prefix, &out, db.as_deref())?;
            println!("enrolled {kiosk_id}: {}", out.join("central.toml").display());
        }
        Command::Revoke { kiosk_id, dir, db } => {
            let n = server::open_store(&dir, db.as_deref())?.revoke(&Operator::cli(), &kiosk_id)?;
            if n == 0 {
                bail!("{kiosk_id} has no certificate that is not already revoked");
            }
            println!("revoked {n} certificate(s) of {kiosk_id}");
        }
        Command::PinRecovery { kiosk_id, dir, db } => {
            let store = server::open_store(&dir, db.as_deref())?;
            let (code, expires_at) = store.issue_pin_recovery(&Operator::cli(), &kiosk_id)?;
            let grouped = [&code[..4], &code[4..8], &code[8..]].join(" ");
            println!("PIN recovery code for {kiosk_id}: {grouped}");
            println!("valid once, until {expires_at} (unix); a new code replaces it");
        }
        Command::Serve {
            dir,
            listen,
            admin_listen,
            db,
            threads,
        } => serve(&dir, listen.as_deref(), admin_listen.as_deref(), db.as_deref(), threads)?,
        Command::Operator {
            command: OperatorCommand::Add { name, role, dir, db },
        } => {
            let Some(role) = crate::store::Role::parse(&role) else {
                bail!("--role must be reviewer, supervisor or auditor");
            };
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            server::open_store(&dir, db.as_deref())?.add_operator(&name, password, role)?;
            println!("operator {name} can log in");
        }
        Command::List(listing) => list_applications(&listing)?,
        Command::Ratings(listing) => list_ratings(&listing)?,
        Command::Complaints(listing) => list_complaints(&listing)?,
        Command::Review {
            receipt,
            dir,
            db,
            approve,
            supplement,
            reject,
            operator,
        } => review(&dir, db.as_deref(), &receipt, (approve, supplement, reject), &operator)?,
        Command::Purge { dir, db, days } => {
            let days = days.unwrap_or(server::load_config(&dir)?.retention_days);
            let purged = server::open_store(&dir, db.as_deref())?.purge(&Operator::cli(), days)?;
            println!("{}", serde_json::to_string(&purged)?);
        }
        Command::SealRotate { dir, db } => {
            let before = crate::seal::Sealer::load_or_create(&dir)?.newest_id();
            crate::seal::add_key(&dir)?;
            let n = server::open_store(&dir, db.as_deref())?.reseal(&Operator::cli())?;
            crate::seal::drop_old_keys(&dir)?;
            println!("sealing key {before} replaced: {n} value(s) sealed again");
        }
        Command::Generate { dir } => {
            use clap::CommandFactory;
            for path in crate::generate::write_assets(Cli::command(), &dir)? {
                println!("{}", path.display());
            }
        }
        Command::Payment {
            order_id,
            dir,
            db,
            paid,
            expire: _,
        } => {
            if paid {
                sandbox_pay(&dir, db.as_deref(), &order_id)?;
                let order = server::open_store(&dir, db.as_deref())?.order(&Operator::cli(), &order_id)?;
                println!("{}", serde_json::to_string(&order)?);
            } else {
                let order = server::open_store(&dir, db.as_deref())?
                    .expire_payment(&Operator::cli(), &order_id)
                    .context("payment")?;
                println!("{}", serde_json::to_string(&order)?);
            }
        }
        Command::BenchStore {
            dir,
            db,
            count,
            photo_bytes,
            chunk_bytes,
            json,
        } => bench_store(&dir, db.as_deref(), count, photo_bytes, chunk_bytes, json)?,
        Command::SimulateFleet {
            dir,
            kiosks,
            duration,
            submit_rate,
            heartbeat_secs,
            server,
            json,
        } => {
            let plan = |addr| crate::fleet::Plan {
                dir: dir.clone(),
                addr,
                kiosks,
                duration_secs: duration,
                submit_rate,
                heartbeat_secs,
            };
            simulate_fleet(&dir, server, plan, json)?
        }
    }
    Ok(())
}

/// `township-central payment ORDER --paid`: only with the sandbox on, the simulated provider
/// signs a notification and the central verifies and applies it (audited as `cli`).
fn sandbox_pay(dir: &Path, db: Option<&str>, order_id: &str) -> Result<()> {
    let config = server::load_config(dir)?;
    if !config.sandbox_payments {
        bail!("the payment sandbox is off on this server: orders turn paid only by the provider's notification");
    }
    eprintln!("PAYMENT SANDBOX: the simulated provider pays {order_id}");
    let store = server::open_store(dir, db)?;
    let amount = store.order(&Operator::cli(), order_id).context("payment")?.amount_fen;
    let mut central = crate::state::Central::new(store)?;
    central.sandbox_payments = true;
    central.provider = Some(crate::provider::Verifier::load(dir)?);
    central.simulator = Some(crate::provider::Simulator::load(dir)?);
    let resp = central.sandbox_pay(order_id, amount, "cli");
    if resp.status != 200 {
        bail!("not paid: {}", String::from_utf8_lossy(&resp.body));
    }
    Ok(())
}

/// `township-central review RECEIPT --approve | --supplement MSG | --reject MSG`.
fn review(
    dir: &Path,
    db: Option<&str>,
    receipt: &str,
    decision: (bool, Option<String>, Option<String>),
    operator: &str,
) -> Result<()> {
    let (status, message) = match decision {
        (true, None, None) => (CaseStatus::Approved, None),
        (false, Some(m), None) => (CaseStatus::Supplement, Some(m)),
        (false, None, Some(m)) => (CaseStatus::Rejected, Some(m)),
        _ => bail!("give exactly one of --approve, --supplement MSG, --reject MSG"),
    };
    server::open_store(dir, db)?
        .review(
            &Operator {
                name: operator.to_string(),
                role: Role::Supervisor,
            },
            receipt,
            status,
            message.as_deref(),
        )
        .context("review")?;
    println!("{receipt}: {}", status.as_str());
    Ok(())
}

/// `township-central simulate-fleet`: many kiosks against a running server.
fn simulate_fleet(
    dir: &Path,
    server: Option<String>,
    plan: impl Fn(std::net::SocketAddr) -> crate::fleet::Plan,
    json: bool,
) -> Result<()> {
    raise_fd_limit();
    let config = server::load_config(dir)?;
    let addr = server.unwrap_or(config.listen).parse().context("the server address")?;
    print_report(&crate::fleet::run(&plan(addr))?, json, |report| report.render())
}

/// `township-central serve`: both listeners until Ctrl-C.
fn serve(
    dir: &Path,
    listen: Option<&str>,
    admin_listen: Option<&str>,
    db: Option<&str>,
    threads: Option<usize>,
) -> Result<()> {
    raise_fd_limit();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = threads {
        builder.worker_threads(n.max(1));
    }
    let runtime = builder.enable_all().build()?;
    runtime.block_on(async {
        let running = server::start(dir, listen, admin_listen, db).await?;
        println!("API (mutual TLS): https://{}", running.api);
        println!("back office: http://{}/", running.admin);
        println!("storage: {}", running.central.store.db.name());
        tokio::signal::ctrl_c().await.ok();
        anyhow::Ok(())
    })
}

fn list_applications(listing: &Listing) -> Result<()> {
    let rows = listing.store()?.list(&Operator::cli(), listing.limit)?;
    print_rows(&rows, listing.json, |r| {
        format!(
            "{}  {}  {}  {}  {}  materials {}/{}  {}",
            r.receipt_no,
            r.case_number,
            r.item_code,
            r.kiosk_id,
            r.idempotency_key,
            r.materials,
            r.materials_expected,
            r.status
        )
    })
}

fn list_ratings(listing: &Listing) -> Result<()> {
    let rows = listing.store()?.ratings(&Operator::cli(), listing.limit)?;
    print_rows(&rows, listing.json, |r| {
        let reasons = if r.reasons.is_empty() {
            "-".to_string()
        } else {
            r.reasons.join(",")
        };
        let follow_up = r
            .follow_up_due
            .as_ref()
            .map(|d| format!("follow up by {d}"))
            .unwrap_or_default();
        let receipt = r.receipt_no.as_deref().unwrap_or("-");
        format!(
            "{}  {}  {} stars  {receipt}  {reasons}  {follow_up}",
            r.rating_id, r.kiosk_id, r.stars
        )
    })
}

fn list_complaints(listing: &Listing) -> Result<()> {
    let rows = listing.store()?.complaints(&Operator::cli(), listing.limit)?;
    print_rows(&rows, listing.json, |c| {
        format!("{}  {}  {}  {}  {}", c.ticket_no, c.kiosk_id, c.topic, c.phone, c.text)
    })
}

/// `township-central bench-store`: applications per second into the store.
fn bench_store(
    dir: &Path,
    db: Option<&str>,
    count: u32,
    photo_bytes: usize,
    chunk_bytes: usize,
    json: bool,
) -> Result<()> {
    let store = server::open_store(dir, db)?;
    let report = crate::bench::run(&store, count, photo_bytes, chunk_bytes)?;
    print_report(&report, json, |report| {
        format!(
            "{} store: {:.0} applications/s without materials, {:.1}/s with 2 × {} B photos\n",
            store.db.name(),
            report.applications_per_sec,
            report.with_photos_per_sec,
            report.photo_bytes
        )
    })
}

/// A report as pretty JSON, or as the text `human` makes of it.
fn print_report<T: serde::Serialize>(report: &T, json: bool, human: impl Fn(&T) -> String) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        print!("{}", human(report));
    }
    Ok(())
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

/// Rows as pretty JSON (`--json`), or one line each.
fn print_rows<T: serde::Serialize>(rows: &[T], json: bool, line: impl Fn(&T) -> String) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(rows)?);
    } else {
        for row in rows {
            println!("{}", line(row));
        }
    }
    Ok(())
}
