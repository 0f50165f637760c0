//! `kiosk progress`: a case's progress from the central system, for a technician helping a
//! citizen or for a lab, with the same proof the touchscreen needs. A receipt number alone
//! is refused: it comes with the receipt's QR token (`--token`) or the last six characters
//! of the applicant's ID number (`--id-tail`), or the applicant's card is read from the
//! reader (`--card`). Wrong proofs back off at the central exactly as on the screen.

use super::{exit, Cli};
use crate::app::central::{CentralError, CentralSystem};
use crate::app::central_http::HttpCentral;
use crate::app::i18n;
use crate::central_api::{StatusQuery, StatusResponse};
use crate::devices::card_reader::link::{open_port, wait_and_read, SamLink};
use crate::domain::Lang;
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("proof").required(true).args(["token", "id_tail", "card"])))]
pub struct ProgressArgs {
    /// The receipt number (受理回执编号), with --token or --id-tail.
    #[arg(required_unless_present = "card", conflicts_with = "card")]
    pub receipt: Option<String>,
    /// The QR token printed on the receipt.
    #[arg(long)]
    pub token: Option<String>,
    /// The last six characters of the applicant's ID number (the last may be X).
    #[arg(long)]
    pub id_tail: Option<String>,
    /// Read the applicant's ID card from the reader instead: all of their applications.
    #[arg(long)]
    pub card: bool,
    /// The reader's serial port for --card (default: the configured reader's).
    #[arg(long, requires = "card")]
    pub port: Option<PathBuf>,
    /// How long --card waits for a card, in seconds.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub wait: u64,
    #[arg(long)]
    pub json: bool,
}

/// The query the arguments name, or the exit code after saying what is wrong.
fn query(args: &ProgressArgs, config: &crate::config::Config) -> Result<StatusQuery, i32> {
    let receipt_no = args.receipt.clone().unwrap_or_default().trim().to_uppercase();
    if let Some(token) = &args.token {
        return Ok(StatusQuery::Token {
            receipt_no,
            token: token.trim().to_string(),
        });
    }
    if let Some(tail) = &args.id_tail {
        let id_tail = tail.trim().to_uppercase();
        let well_formed = id_tail.len() == 6
            && id_tail
                .chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || (i == 5 && c == 'X'));
        if !well_formed {
            eprintln!("kiosk: --id-tail takes the last six characters of the ID number (digits, the last may be X)");
            return Err(exit::INVALID);
        }
        return Ok(StatusQuery::IdTail { receipt_no, id_tail });
    }
    let port = args.port.clone().unwrap_or_else(|| config.devices.reader.port.clone());
    let baud = config.devices.reader.baud;
    eprintln!("place the applicant's ID card on the reader (waiting {} s)…", args.wait);
    let card = open_port(&port, baud).and_then(|port| {
        let mut link = SamLink::new(port);
        link.sam_status()?;
        wait_and_read(&mut link, Duration::from_secs(args.wait), Duration::from_millis(300))
    });
    match card {
        Ok(Some(card)) => Ok(StatusQuery::Card {
            id_number: card.text.id_number,
        }),
        Ok(None) => {
            eprintln!("kiosk: no card on the reader within {} s", args.wait);
            Err(exit::NO_CARD)
        }
        Err(e) => {
            eprintln!("kiosk: reader on {}: {e}", port.display());
            Err(exit::DEVICE)
        }
    }
}

pub fn run(cli: &Cli, args: &ProgressArgs) -> i32 {
    let loaded = match super::load_config(cli) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let config = &loaded.config;
    let query = match query(args, config) {
        Ok(query) => query,
        Err(code) => return code,
    };
    let central = match HttpCentral::from_config(&config.central, &config.kiosk.id) {
        Ok(central) => central,
        Err(e) => {
            eprintln!("kiosk: {e}");
            return exit::CONFIG;
        }
    };
    match central.status(&query) {
        Ok(answer) if answer.applications.is_empty() => {
            eprintln!("kiosk: this card holder has no application at the central system");
            exit::NOT_FOUND
        }
        Ok(answer) => {
            if args.json {
                super::print_json(&answer.applications);
            } else {
                answer.applications.iter().for_each(print_case);
            }
            exit::OK
        }
        Err(CentralError::NotFound) => {
            // A wrong proof and an unknown number are answered alike: nothing leaks.
            eprintln!("kiosk: no such receipt with this proof (a wrong proof counts towards the back-off)");
            exit::NOT_FOUND
        }
        Err(e) => {
            eprintln!("kiosk: {} ({e})", i18n::text(e.message(), Lang::En));
            match e {
                CentralError::Limited(..) => exit::DENIED,
                _ => exit::UNREACHABLE,
            }
        }
    }
}

fn print_case(case: &StatusResponse) {
    println!(
        "{}  {}  {} ({})",
        case.receipt_no,
        case.item_code,
        i18n::case_status(case.status, Lang::Zh),
        i18n::case_status(case.status, Lang::En)
    );
    if let Some(expected) = case.expected_on {
        println!("  expected on {expected}");
    }
    if let Some(message) = &case.message {
        println!("  back office: {message}");
    }
}
