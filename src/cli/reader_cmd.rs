//! Technician commands for the ID card reader: `kiosk read-card`, `kiosk sam-info`.
//! Card fields are masked unless `--reveal`, which asks for the technician PIN and is
//! written to the audit log of the configured kiosk store (never a new one) first.

use super::{exit, Cli};
use crate::devices::card_reader::card_data::{CardSex, CardText};
use crate::devices::card_reader::link::{open_port, wait_and_read, ReaderError, SamLink};
use crate::devices::card_reader::Card;
use crate::domain::masking::{mask_address, mask_birth_date, mask_document, mask_id, mask_name};
use clap::Args;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

/// The longest `read-card --wait`: an hour is already more than anyone waits at a reader.
const MAX_WAIT_SECS: u64 = 3600;

#[derive(Args, Debug)]
pub struct ReadCardArgs {
    /// Serial port of the reader (e.g. /dev/kiosk-cardreader, /dev/ttyUSB0).
    #[arg(long)]
    pub port: PathBuf,
    #[arg(long, default_value_t = 115_200)]
    pub baud: u32,
    /// How long to wait for a card to be placed, in seconds (1 to 3600).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=MAX_WAIT_SECS))]
    pub wait: u64,
    #[arg(long)]
    pub json: bool,
    /// Show full personal data (audited).
    #[arg(long)]
    pub reveal: bool,
}

#[derive(Args, Debug)]
pub struct SamInfoArgs {
    #[arg(long)]
    pub port: PathBuf,
    #[arg(long, default_value_t = 115_200)]
    pub baud: u32,
}

fn reader_error(error: &ReaderError) -> i32 {
    eprintln!("kiosk: reader error: {error}");
    exit::DEVICE
}

pub fn sam_info(args: &SamInfoArgs) -> i32 {
    let result = open_port(&args.port, args.baud).and_then(|port| {
        let mut link = SamLink::new(port);
        link.sam_status()?;
        let id = link.sam_id()?;
        Ok(id)
    });
    match result {
        Ok(id) => {
            println!("port:    {} at {} baud", args.port.display(), args.baud);
            println!("status:  0x90 ok (操作成功)");
            println!("SAM ID:  {id}");
            println!(
                "raw:     {}",
                id.raw.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" ")
            );
            exit::OK
        }
        Err(e) => reader_error(&e),
    }
}

pub fn read_card(cli: &Cli, args: &ReadCardArgs) -> i32 {
    let mut audit_store = None;
    if args.reveal {
        // No reveal without an audit trail.
        let loaded = match super::load_config(cli) {
            Ok(loaded) => loaded,
            Err(code) => return code,
        };
        // The configured kiosk's own store only, and the technician PIN.
        let mut store = match super::open_established_store(
            &loaded,
            "--reveal writes its audit entry to the kiosk's own store only",
        ) {
            Ok(store) => store,
            Err(code) => {
                eprintln!("kiosk: --reveal needs the audit log; refusing to show personal data");
                return code;
            }
        };
        if let Err(code) = super::technician_cmd::ask_and_check_pin(&loaded, &mut store, "read-card --reveal") {
            return code;
        }
        audit_store = Some(store);
    }
    let result = open_port(&args.port, args.baud).and_then(|port| {
        let mut link = SamLink::new(port);
        link.sam_status()?;
        let sam_id = link.sam_id().ok().map(|id| id.to_string());
        if !args.json {
            eprintln!("place a card on the reader (waiting {} s)…", args.wait);
        }
        let card = wait_and_read(&mut link, Duration::from_secs(args.wait), Duration::from_millis(300))?;
        Ok((card, sam_id))
    });
    let (card, sam_id) = match result {
        Ok((Some(card), sam_id)) => (card, sam_id),
        Ok((None, _)) => {
            eprintln!("kiosk: no card on the reader within {} s", args.wait);
            return exit::NO_CARD;
        }
        Err(e) => return reader_error(&e),
    };
    if let Some(store) = audit_store.as_mut() {
        let detail = format!("card {} on {}", card.text.id_number.masked(), args.port.display());
        if let Err(e) = store.audit("technician:cli", "read-card.reveal", &detail) {
            eprintln!("kiosk: cannot write the audit log ({e}); refusing to show personal data");
            return exit::STORAGE;
        }
    }
    let fields = card_json(&card, sam_id, args.reveal);
    if args.json {
        super::print_json(&fields);
    } else {
        print_human(&fields, args.reveal);
    }
    exit::OK
}

/// The card as the documented JSON object; masked unless `reveal`.
pub fn card_json(card: &Card, sam_id: Option<String>, reveal: bool) -> Value {
    let t: &CardText = &card.text;
    let m = |text: &str, mask: fn(&str) -> String| if reveal { text.to_string() } else { mask(text) };
    let opt = |value: &Option<String>, mask: fn(&str) -> String| value.as_deref().map(|v| m(v, mask));
    let sex = match t.sex {
        CardSex::Male => "male",
        CardSex::Female => "female",
        CardSex::Unknown => "unknown",
        CardSex::NotStated => "not-stated",
    };
    json!({
        "card_type": t.card_type.code(),
        "name": (!t.name.is_empty()).then(|| m(&t.name, mask_name)),
        "name_en": opt(&t.name_en, mask_name),
        "sex": sex,
        "ethnicity": t.ethnicity.map(|e| e.zh),
        "birth_date": if reveal { t.birth_date.to_string() } else { mask_birth_date(t.birth_date) },
        "address": opt(&t.address, mask_address),
        "id_number": m(t.id_number.expose(), mask_id),
        "issuer": t.issuer,
        "valid_from": t.valid_from.to_string(),
        "valid_to": t.valid_to.to_string(),
        "pass_number": opt(&t.pass_number, mask_document),
        "issue_count": t.issue_count,
        "nationality": t.nationality,
        "appended_address": opt(&card.appended_address, mask_address),
        "sam_id": sam_id,
        "has_fingerprint": card.has_fingerprint(),
        "photo_bytes": card.photo.len(),
    })
}

fn print_human(fields: &Value, reveal: bool) {
    if let Value::Object(map) = fields {
        for (key, value) in map {
            let shown = match value {
                Value::Null => "-".to_string(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            println!("{key:<17} {shown}");
        }
    }
    if !reveal {
        println!("(masked; --reveal shows full data and is audited)");
    }
}
