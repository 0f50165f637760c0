//! What each command of the command line does (the dispatch and the options are in
//! `cli.rs`). Every command prints its result to standard output and fails with an error
//! that `main` prints.

use super::{raise_fd_limit, Cli, Listing};
use crate::server;
use crate::store::{Operator, Role};
use anyhow::{bail, Context, Result};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use township_core::central_api::CaseStatus;

/// `township-central init`: the CA, the server certificate and server.toml in `dir`.
pub(super) fn init(
    dir: &Path,
    listen: &str,
    admin_listen: &str,
    names: &[String],
    sandbox_payments: bool,
) -> Result<()> {
    server::init(dir, listen, admin_listen, names, sandbox_payments)?;
    println!("initialised {}: CA, server certificate, server.toml", dir.display());
    Ok(())
}

/// `township-central enroll KIOSK`: the kiosk's client certificate and `out/central.toml`.
pub(super) fn enroll(dir: &Path, kiosk_id: &str, receipt_prefix: &str, out: &Path, db: Option<&str>) -> Result<()> {
    server::enroll(dir, kiosk_id, receipt_prefix, out, db)?;
    println!("enrolled {kiosk_id}: {}", out.join("central.toml").display());
    Ok(())
}

/// `township-central revoke KIOSK`: every certificate of the kiosk not yet revoked.
pub(super) fn revoke(dir: &Path, db: Option<&str>, kiosk_id: &str) -> Result<()> {
    let n = server::open_store(dir, db)?.revoke(&Operator::cli(), kiosk_id)?;
    if n == 0 {
        bail!("{kiosk_id} has no certificate that is not already revoked");
    }
    println!("revoked {n} certificate(s) of {kiosk_id}");
    Ok(())
}

/// `township-central pin-recovery KIOSK`: prints a one-time PIN recovery code in groups of four.
pub(super) fn pin_recovery(dir: &Path, db: Option<&str>, kiosk_id: &str) -> Result<()> {
    let store = server::open_store(dir, db)?;
    let (code, expires_at) = store.issue_pin_recovery(&Operator::cli(), kiosk_id)?;
    let grouped = [&code[..4], &code[4..8], &code[8..]].join(" ");
    println!("PIN recovery code for {kiosk_id}: {grouped}");
    println!("valid once, until {expires_at} (unix); a new code replaces it");
    Ok(())
}

/// `township-central operator add NAME --role ROLE`: the password is read from standard input.
pub(super) fn operator_add(dir: &Path, db: Option<&str>, name: &str, role: &str) -> Result<()> {
    let Some(role) = Role::parse(role) else {
        bail!("--role must be reviewer, supervisor or auditor");
    };
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    server::open_store(dir, db)?.add_operator(name, password, role)?;
    println!("operator {name} can log in");
    Ok(())
}

/// `township-central purge`: the personal data of cases closed more than `days` ago
/// (server.toml's retention-days unless given); prints what was purged as JSON.
pub(super) fn purge(dir: &Path, db: Option<&str>, days: Option<i64>) -> Result<()> {
    let days = days.unwrap_or(server::load_config(dir)?.retention_days);
    let purged = server::open_store(dir, db)?.purge(&Operator::cli(), days)?;
    println!("{}", serde_json::to_string(&purged)?);
    Ok(())
}

/// `township-central seal-rotate`: a new sealing key, every value sealed again, old keys dropped.
pub(super) fn seal_rotate(dir: &Path, db: Option<&str>) -> Result<()> {
    let before = crate::seal::Sealer::load_or_create(dir)?.newest_id();
    crate::seal::add_key(dir)?;
    let n = server::open_store(dir, db)?.reseal(&Operator::cli())?;
    crate::seal::drop_old_keys(dir)?;
    println!("sealing key {before} replaced: {n} value(s) sealed again");
    Ok(())
}

/// `township-central generate DIR`: the man page and shell completions, one path a line.
pub(super) fn generate(dir: &Path) -> Result<()> {
    use clap::CommandFactory;
    for path in crate::generate::write_assets(Cli::command(), dir)? {
        println!("{}", path.display());
    }
    Ok(())
}

/// `township-central payment ORDER --paid | --expire`: pays (sandbox only) or expires the
/// order, then prints it as JSON.
pub(super) fn payment(dir: &Path, db: Option<&str>, order_id: &str, paid: bool) -> Result<()> {
    if paid {
        sandbox_pay(dir, db, order_id)?;
        let order = server::open_store(dir, db)?.order(&Operator::cli(), order_id)?;
        println!("{}", serde_json::to_string(&order)?);
    } else {
        let order = server::open_store(dir, db)?
            .expire_payment(&Operator::cli(), order_id)
            .context("payment")?;
        println!("{}", serde_json::to_string(&order)?);
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
pub(super) fn review(
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
pub(super) fn simulate_fleet(
    dir: PathBuf,
    server: Option<String>,
    kiosks: usize,
    duration_secs: u64,
    (submit_rate, heartbeat_secs, update_failure_rate): (f64, u64, f64),
    json: bool,
) -> Result<()> {
    raise_fd_limit();
    let config = server::load_config(&dir)?;
    let addr = server.unwrap_or(config.listen).parse().context("the server address")?;
    let plan = crate::fleet::Plan {
        dir,
        addr,
        kiosks,
        duration_secs,
        submit_rate,
        heartbeat_secs,
        update_failure_rate,
    };
    print_report(&crate::fleet::run(&plan)?, json, |report| report.render())
}

/// `township-central serve`: both listeners until Ctrl-C.
pub(super) fn serve(
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

/// `township-central list`: the applications held, newest first.
pub(super) fn list_applications(listing: &Listing) -> Result<()> {
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

/// `township-central ratings`: the ratings received, newest first.
pub(super) fn list_ratings(listing: &Listing) -> Result<()> {
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

/// `township-central complaints`: the consultations and complaints, newest first.
pub(super) fn list_complaints(listing: &Listing) -> Result<()> {
    let rows = listing.store()?.complaints(&Operator::cli(), listing.limit)?;
    print_rows(&rows, listing.json, |c| {
        format!("{}  {}  {}  {}  {}", c.ticket_no, c.kiosk_id, c.topic, c.phone, c.text)
    })
}

/// `township-central bench-store`: applications per second into the store.
pub(super) fn bench_store(
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
