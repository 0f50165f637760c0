//! `kiosk storage salvage FILE [--json]`: re-queues the unsent applications of a damaged
//! database that was moved aside (`kiosk.db.corrupt-…`, listed by `kiosk status`) into the
//! configured store, once. The output is masked; the salvage is audited.

use super::{exit, Cli};
use crate::storage::salvage::SalvageReport;
use crate::storage::StorageError;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum StorageCommand {
    /// Re-queue the readable unsent applications of a database that was moved aside
    /// (same data key; the file is only read). Running it twice adds nothing.
    Salvage {
        /// The moved-aside database, e.g. <state-dir>/kiosk.db.corrupt-1764000000.
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cli: &Cli, command: &StorageCommand) -> i32 {
    let StorageCommand::Salvage { file, json } = command;
    let (_, mut store) = match super::load_config_and_store(cli) {
        Ok(pair) => pair,
        Err(code) => return code,
    };
    match store.salvage_from(file, crate::storage::now_unix()) {
        Ok(report) if *json => {
            super::print_json(&report);
            exit::OK
        }
        Ok(report) => {
            print_report(&report);
            exit::OK
        }
        Err(e) => {
            eprintln!("kiosk: salvage of {}: {e}", file.display());
            match e {
                StorageError::NotFound(_) => exit::NOT_FOUND,
                _ => exit::STORAGE,
            }
        }
    }
}

fn print_report(report: &SalvageReport) {
    println!("salvage of {}", report.source.display());
    for row in &report.requeued {
        let lost = match row.photos_lost {
            0 => String::new(),
            n => format!(" ({n} photo(s) unreadable)"),
        };
        println!(
            "  re-queued  {:<20} {:<7} {:<26} {}{lost}",
            row.receipt_no,
            row.item_code,
            row.applicant_masked,
            row.state.as_str()
        );
    }
    for receipt in &report.conflicts {
        println!("  CONFLICT   {receipt}: this receipt number belongs to another application here; not re-queued");
    }
    println!(
        "{} re-queued, {} already queued, {} delivered (nothing to send), {} unreadable",
        report.requeued.len(),
        report.already_queued,
        report.delivered,
        report.unreadable
    );
}
