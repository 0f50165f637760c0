//! `kiosk outbox list|show|retry|export`: the technician's view of applications waiting
//! for (or refused by) the central system. Masked throughout. `export` is audited in the
//! configured, established store only (see `open_established_store`). `unsent` prints one
//! number for the package's maintainer scripts (a purge warns while it is not 0).

use super::{exit, Cli};
use crate::storage::outbox::{OutboxEntry, OutboxState};
use crate::storage::{StorageError, Store};
use clap::{Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StateFilter {
    Pending,
    Sending,
    Sent,
    Dead,
}

impl From<StateFilter> for OutboxState {
    fn from(f: StateFilter) -> OutboxState {
        match f {
            StateFilter::Pending => OutboxState::Pending,
            StateFilter::Sending => OutboxState::Sending,
            StateFilter::Sent => OutboxState::Sent,
            StateFilter::Dead => OutboxState::Dead,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum OutboxCommand {
    /// Send the queue to the central system now: exit 0 when everything is delivered, 8
    /// when the central system cannot be reached, 9 when applications were refused.
    Drain(super::central_cmd::DrainArgs),
    /// List queued applications.
    List {
        #[arg(long, value_enum)]
        state: Option<StateFilter>,
        #[arg(long)]
        json: bool,
    },
    /// Show one row (by id, receipt number or idempotency key).
    Show {
        reference: String,
        #[arg(long)]
        json: bool,
    },
    /// Make a dead or waiting row due now.
    Retry { reference: String },
    /// Write every row as JSON lines (masked) to a file or stdout.
    Export {
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print how many applications the central system does not have (pending, sending or
    /// dead); 0 when the kiosk has no store yet. Never creates one.
    Unsent,
}

pub(super) fn when(unix: i64) -> String {
    let date = crate::domain::calendar::Date::from_unix_china(unix);
    let secs = (unix + crate::domain::calendar::CHINA_UTC_OFFSET_SECS).rem_euclid(86_400);
    format!("{date} {:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

fn unsent(loaded: &crate::config::LoadedConfig) -> i32 {
    let state_dir = &loaded.config.kiosk.state_dir;
    if !state_dir.join(crate::storage::DATABASE_FILE).exists() {
        println!("0");
        return exit::OK;
    }
    // Supplements (补交材料) count too: their photos are only here until delivered.
    let counts = crate::storage::Store::open_established(state_dir)
        .and_then(|mut s| Ok((s.outbox_counts()?, s.supplements_unsent()?)));
    match counts {
        Ok((counts, supplements)) => {
            let n: u64 = counts
                .iter()
                .filter(|(state, _)| *state != OutboxState::Sent)
                .map(|(_, n)| n)
                .sum();
            println!("{}", n + supplements);
            exit::OK
        }
        Err(e) => storage_error(e),
    }
}

fn storage_error(e: StorageError) -> i32 {
    eprintln!("kiosk: {e}");
    match e {
        StorageError::NotFound(_) => exit::NOT_FOUND,
        _ => exit::STORAGE,
    }
}

pub fn run(cli: &Cli, command: &OutboxCommand) -> i32 {
    let loaded = match super::load_config(cli) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if let OutboxCommand::Unsent = command {
        return unsent(&loaded);
    }
    // An export is audited: it goes to the configured kiosk's own store only.
    let opened = match command {
        OutboxCommand::Export { .. } => super::open_established_store(
            &loaded,
            "an export writes its audit entry to the kiosk's own store only",
        ),
        _ => super::open_store(&loaded),
    };
    let mut store = match opened {
        Ok(store) => store,
        Err(code) => return code,
    };
    let now = crate::storage::now_unix();
    match command {
        OutboxCommand::Drain(args) => super::central_cmd::drain(cli, args),
        OutboxCommand::List { state, json } => list(&mut store, *state, *json),
        OutboxCommand::Show { reference, json } => match store.outbox_get(reference) {
            Ok(entry) if *json => {
                super::print_json(&entry);
                exit::OK
            }
            Ok(entry) => {
                print_entry(&entry);
                exit::OK
            }
            Err(e) => storage_error(e),
        },
        OutboxCommand::Retry { reference } => {
            let result = store.outbox_get(reference).and_then(|entry| {
                store.outbox_retry(entry.id, now)?;
                store.audit(
                    "technician:cli",
                    "outbox.retry",
                    &format!("row {} receipt {}", entry.id, entry.receipt_no),
                )?;
                Ok(entry)
            });
            match result {
                Ok(entry) => {
                    println!("row {} ({}) is due now", entry.id, entry.receipt_no);
                    exit::OK
                }
                Err(e) => storage_error(e),
            }
        }
        OutboxCommand::Unsent => unsent(&loaded),
        OutboxCommand::Export { out } => export(&mut store, out.as_deref()),
    }
}

/// `kiosk outbox list [--state S] [--json]`: the rows, then the supplements.
fn list(store: &mut Store, state: Option<StateFilter>, json: bool) -> i32 {
    match store.outbox_list(state.map(Into::into)) {
        Ok(entries) if json => {
            super::print_json(&entries);
            exit::OK
        }
        Ok(entries) => {
            println!(
                "{:>4}  {:<20} {:<7} {:<26} {:<8} {:>4}  {:<16}  last error",
                "id", "receipt", "item", "applicant", "state", "try", "next try"
            );
            for e in &entries {
                println!(
                    "{:>4}  {:<20} {:<7} {:<26} {:<8} {:>4}  {:<16}  {}",
                    e.id,
                    e.receipt_no,
                    e.item_code,
                    e.applicant_masked,
                    e.state.as_str(),
                    e.attempts,
                    if e.state == OutboxState::Pending {
                        when(e.next_try_at)
                    } else {
                        "-".into()
                    },
                    e.last_error.as_deref().unwrap_or("")
                );
            }
            println!("{} row(s)", entries.len());
            print_supplements(store, state.map(|s| OutboxState::from(s).as_str()));
            exit::OK
        }
        Err(e) => storage_error(e),
    }
}

/// `kiosk outbox export [--out FILE]`: every row as JSON lines, audited first.
fn export(store: &mut Store, out: Option<&std::path::Path>) -> i32 {
    let entries = match store.outbox_list(None) {
        Ok(entries) => entries,
        Err(e) => return storage_error(e),
    };
    let mut text = String::new();
    for entry in &entries {
        text.push_str(&serde_json::to_string(entry).unwrap_or_default());
        text.push('\n');
    }
    // Audited before anything leaves the store.
    let target = out
        .as_ref()
        .map_or("standard output".to_string(), |p| p.display().to_string());
    let detail = format!("{} row(s) to {target}", entries.len());
    if let Err(e) = store.audit("technician:cli", "outbox.export", &detail) {
        return storage_error(e);
    }
    let written = match out {
        Some(path) => std::fs::write(path, &text),
        None => std::io::stdout().write_all(text.as_bytes()),
    };
    if let Err(e) = written {
        eprintln!("kiosk: cannot write export: {e}");
        return exit::STORAGE;
    }
    if let Some(path) = out {
        eprintln!("exported {} row(s) to {}", entries.len(), path.display());
    }
    exit::OK
}

/// The supplements (补交材料) waiting or refused (or in `state`), under the applications.
fn print_supplements(store: &mut crate::storage::Store, state: Option<&str>) {
    let waiting: Vec<_> = match store.supplement_list() {
        Ok(all) => all
            .into_iter()
            .filter(|s| state.map_or(s.state != "sent", |wanted| s.state == wanted))
            .collect(),
        Err(e) => {
            eprintln!("kiosk: supplements: {e}");
            return;
        }
    };
    if waiting.is_empty() {
        return;
    }
    println!("\nsupplements (补交材料):");
    println!(
        "{:>4}  {:<20} {:<8} {:>4}  last error",
        "id", "for receipt", "state", "try"
    );
    for s in &waiting {
        println!(
            "{:>4}  {:<20} {:<8} {:>4}  {}",
            s.id,
            s.receipt_no,
            s.state,
            s.attempts,
            s.last_error.as_deref().unwrap_or("")
        );
    }
    println!("{} supplement(s)", waiting.len());
}

fn print_entry(e: &OutboxEntry) {
    println!("id:              {}", e.id);
    println!("receipt:         {}", e.receipt_no);
    println!("idempotency key: {}", e.idempotency_key);
    println!("item:            {}", e.item_code);
    println!("applicant:       {}", e.applicant_masked);
    println!("submitted on:    {}", e.submitted_on);
    println!("state:           {}", e.state.as_str());
    println!("attempts:        {}", e.attempts);
    println!("next try:        {}", when(e.next_try_at));
    println!("created:         {}", when(e.created_at));
    println!("updated:         {}", when(e.updated_at));
    println!("last error:      {}", e.last_error.as_deref().unwrap_or("-"));
}
