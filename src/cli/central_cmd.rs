//! `kiosk submit FILE.json`, `kiosk outbox drain` and `kiosk central ping`: lab and
//! recovery tools around the central system. Submit enqueues an application given as
//! JSON exactly as the touchscreen would (one durable transaction, a receipt number);
//! drain sends the queue now; ping checks reachability and authentication. Output is
//! masked: receipt numbers, keys and masked applicants only.

use super::{exit, Cli};
use crate::app::central::{CentralError, CentralSystem};
use crate::app::central_http::HttpCentral;
use crate::app::outbox_worker::{self, DeliveryOptions, Outcome};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub struct SubmitArgs {
    /// The application as JSON (see --example). A new UUID unless it names one. A
    /// captured material's `photo` is a file (relative to the JSON file), "" for none, or
    /// `synthetic:BYTES` for a made-up image of that size (lab tests).
    #[arg(required_unless_present = "example")]
    pub file: Option<PathBuf>,
    /// Print an application (a made-up person) that `submit` accepts.
    #[arg(long, conflicts_with = "file")]
    pub example: bool,
}

#[derive(Subcommand, Debug)]
pub enum CentralCommand {
    /// Check that the central system is reachable and accepts this kiosk's certificate.
    Ping,
    /// Renew this kiosk's certificate now (the kiosk does it on its own 30 days ahead): a
    /// new key and certificate over the current channel, written in place of the old.
    Renew,
}

#[derive(Args, Debug)]
pub struct DrainArgs {
    /// One pass over the queue, no waiting for retries.
    #[arg(long)]
    pub once: bool,
    /// Give up retrying after this many seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
    /// Upload chunk size in bytes.
    #[arg(long, default_value_t = outbox_worker::DEFAULT_CHUNK_BYTES)]
    pub chunk_bytes: usize,
}

/// The example `kiosk submit --example` prints: the sample application without a UUID and
/// with made-up photos.
pub fn example_json() -> serde_json::Value {
    let mut application = serde_json::to_value(crate::app::sample::application("")).unwrap_or_default();
    if let Some(map) = application.as_object_mut() {
        map.remove("uuid");
        if let Some(materials) = map.get_mut("materials").and_then(|m| m.as_object_mut()) {
            for material in materials.values_mut() {
                if material.get("state").and_then(|s| s.as_str()) == Some("captured") {
                    material["photo"] = "synthetic:65536".into();
                }
            }
        }
    }
    application
}

/// A made-up image of `len` bytes: JPEG markers around deterministic noise.
pub fn synthetic_photo(len: usize, seed: &str) -> Vec<u8> {
    let mut state = seed.bytes().fold(0x9e37_79b9_7f4a_7c15u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    let mut bytes: Vec<u8> = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    if len >= 4 {
        bytes[..2].copy_from_slice(&[0xff, 0xd8]);
        bytes[len - 2..].copy_from_slice(&[0xff, 0xd9]);
    }
    bytes
}

/// Material photos by code.
pub type Photos = Vec<(String, Vec<u8>)>;

/// Reads an application file: the application and its photos by material code.
pub fn read_application(path: &Path) -> Result<(crate::domain::application::Application, Photos), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    let map = value
        .as_object_mut()
        .ok_or_else(|| format!("{}: expected a JSON object", path.display()))?;
    if map.get("uuid").and_then(|u| u.as_str()).is_none_or(str::is_empty) {
        map.insert("uuid".into(), uuid::Uuid::new_v4().to_string().into());
    }
    let application: crate::domain::application::Application =
        serde_json::from_value(value).map_err(|e| format!("{}: not an application: {e}", path.display()))?;
    let mut photos = Vec::new();
    for (code, state) in &application.materials {
        let crate::domain::application::MaterialState::Captured { photo } = state else {
            continue;
        };
        if photo.is_empty() {
            continue;
        }
        let bytes = match photo.strip_prefix("synthetic:") {
            Some(len) => {
                let len: usize = len
                    .parse()
                    .ok()
                    .filter(|n| (1..=crate::central_api::MAX_UPLOAD_BYTES as usize).contains(n))
                    .ok_or_else(|| format!("material {code}: bad synthetic size {len:?}"))?;
                synthetic_photo(len, &format!("{}:{code}", application.uuid))
            }
            None => {
                let file = path.parent().unwrap_or(Path::new(".")).join(photo);
                std::fs::read(&file).map_err(|e| format!("material {code}: cannot read {}: {e}", file.display()))?
            }
        };
        photos.push((code.clone(), bytes));
    }
    Ok((application, photos))
}

pub fn submit(cli: &Cli, args: &SubmitArgs) -> i32 {
    if args.example {
        super::print_json(&example_json());
        return exit::OK;
    }
    let Some(file) = &args.file else {
        return exit::CONFIG;
    };
    let loaded = match super::load_config(cli) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let (application, photos) = match read_application(file) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("kiosk: {e}");
            return exit::INVALID;
        }
    };
    let mut store = match super::open_store(&loaded) {
        Ok(store) => store,
        Err(code) => return code,
    };
    match store.submit(
        &application,
        &photos,
        &loaded.config.kiosk.receipt_prefix,
        crate::storage::now_unix(),
    ) {
        Ok(number) => {
            println!(
                "queued {number} (key {}, {}, {} photo(s))",
                application.uuid,
                application.masked_summary(),
                photos.len()
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("kiosk: cannot store the application: {e}");
            exit::STORAGE
        }
    }
}

fn client(config: &crate::config::Config) -> Result<HttpCentral, i32> {
    HttpCentral::from_config(&config.central, &config.kiosk.id).map_err(|e| {
        eprintln!("kiosk: {e}");
        exit::CONFIG
    })
}

pub fn central(cli: &Cli, command: &CentralCommand) -> i32 {
    let loaded = match super::load_config(cli) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let config = &loaded.config;
    match command {
        CentralCommand::Renew => {
            let client = match client(config) {
                Ok(client) => client,
                Err(code) => return code,
            };
            match client.renew_identity() {
                Ok(expires_at) => {
                    let days = (expires_at - crate::storage::now_unix()) / 86_400;
                    println!("certificate renewed: the new one is valid for {days} more days");
                    exit::OK
                }
                Err(e) => {
                    eprintln!("kiosk: {}", unreachable_text(&e));
                    exit::UNREACHABLE
                }
            }
        }
        CentralCommand::Ping => {
            let client = match client(config) {
                Ok(client) => client,
                Err(code) => return code,
            };
            let mut store = crate::storage::Store::open_established(&config.kiosk.state_dir).ok();
            let now = crate::storage::now_unix();
            let beat = crate::app::services::heartbeat(config, store.as_mut(), now);
            let started = Instant::now();
            let result = client.ping(&beat);
            if let Some(store) = &mut store {
                let reason = result.as_ref().err().map(|e| e.to_string());
                let _ = store.record_central_contact(now, reason.as_deref().map_or(Ok(()), Err), false);
            }
            match result {
                Ok(server_time) => {
                    println!(
                        "central reachable at {}: authenticated as {} in {} ms (clock drift {} s)",
                        client.base_url(),
                        beat.kiosk_id,
                        started.elapsed().as_millis(),
                        server_time - now
                    );
                    exit::OK
                }
                Err(e) => {
                    eprintln!("kiosk: {}", unreachable_text(&e));
                    exit::UNREACHABLE
                }
            }
        }
    }
}

fn unreachable_text(e: &CentralError) -> String {
    match e {
        CentralError::Unauthorized(_) => format!(
            "the central system refused this kiosk's certificate ({e}): re-enrol it with `township-central enroll`"
        ),
        CentralError::Unavailable(_) => format!("the central system cannot be reached ({e})"),
        other => format!("the central system answered with an error ({other})"),
    }
}

pub fn drain(cli: &Cli, args: &DrainArgs) -> i32 {
    let loaded = match super::load_config(cli) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let config = &loaded.config;
    let central: Box<dyn CentralSystem> = match client(config) {
        Ok(client) => Box::new(client),
        Err(code) => return code,
    };
    let mut store = match super::open_store(&loaded) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let mut options = DeliveryOptions::for_config(&loaded.config);
    options.chunk_bytes = args.chunk_bytes;
    let now = crate::storage::now_unix();
    if let Err(e) = store.outbox_recover_in_flight(now) {
        eprintln!("kiosk: {e}");
        return exit::STORAGE;
    }
    let deadline = Instant::now() + Duration::from_secs(args.timeout);
    let report =
        outbox_worker::drain(
            &mut store,
            central.as_ref(),
            &options,
            args.once,
            deadline,
            |outcome| match outcome {
                Outcome::Sent {
                    receipt_no,
                    case_number,
                } => println!("sent {receipt_no} as {case_number}"),
                Outcome::Dead { receipt_no } => println!("REFUSED {receipt_no} (dead letter)"),
                Outcome::WillRetry { receipt_no, .. } => println!("not sent {receipt_no}: will retry"),
                Outcome::Idle => {}
            },
        );
    let report = match report {
        Ok(report) => report,
        Err(e) => {
            eprintln!("kiosk: {e}");
            return exit::STORAGE;
        }
    };
    let supplements_waiting = drain_supplements(&mut store, central.as_ref(), &options);
    summarize_drain(&mut store, &report, supplements_waiting)
}

/// What a drain achieved and what still waits; the exit code says whether anything is
/// undelivered (unreachable) or refused.
fn summarize_drain(
    store: &mut crate::storage::Store,
    report: &outbox_worker::DrainReport,
    supplements_waiting: u64,
) -> i32 {
    let waiting: u64 = store
        .outbox_counts()
        .unwrap_or_default()
        .into_iter()
        .filter(|(s, _)| {
            matches!(
                s,
                crate::storage::outbox::OutboxState::Pending | crate::storage::outbox::OutboxState::Sending
            )
        })
        .map(|(_, n)| n)
        .sum::<u64>();
    let dead = store
        .outbox_list(Some(crate::storage::outbox::OutboxState::Dead))
        .map(|d| d.len())
        .unwrap_or(0);
    println!(
        "{} sent, {} refused, {} retries; {waiting} still waiting, {dead} dead letter(s) in all",
        report.sent, report.dead, report.retries
    );
    if waiting + supplements_waiting > 0 {
        let reason = store
            .central_contact()
            .ok()
            .flatten()
            .and_then(|c| c.error)
            .unwrap_or_else(|| "unknown".into());
        let supplements = match supplements_waiting {
            0 => String::new(),
            n => format!(" and {n} supplement(s)"),
        };
        eprintln!(
            "kiosk: {waiting} application(s){supplements} not delivered: the central system cannot be reached ({reason})"
        );
        return exit::UNREACHABLE;
    }
    if dead > 0 {
        eprintln!("kiosk: {dead} application(s) refused by the central system: see `kiosk outbox list --state dead`");
        return exit::REFUSED;
    }
    exit::OK
}

/// Sends every waiting 补交材料 once (a failure waits for the worker's next round); returns
/// how many are still waiting.
fn drain_supplements(store: &mut crate::storage::Store, central: &dyn CentralSystem, options: &DeliveryOptions) -> u64 {
    use crate::app::supplement_delivery::{try_send_next_supplement, SupplementOutcome};
    let now = crate::storage::now_unix();
    if let Err(e) = store
        .supplement_recover_in_flight(now)
        .and_then(|_| store.supplement_make_due(now))
    {
        eprintln!("kiosk: {e}");
    }
    let mut waiting = 0;
    loop {
        match try_send_next_supplement(store, central, options, now) {
            Ok(SupplementOutcome::Idle) => break,
            Ok(SupplementOutcome::Sent { receipt_no }) => println!("sent the supplement for {receipt_no}"),
            Ok(SupplementOutcome::Dead { receipt_no, reason }) => {
                println!("REFUSED the supplement for {receipt_no} ({reason})")
            }
            Ok(SupplementOutcome::WillRetry { receipt_no, .. }) => {
                println!("not sent the supplement for {receipt_no}: will retry");
                waiting += 1;
            }
            Err(e) => {
                eprintln!("kiosk: {e}");
                waiting += 1;
                break;
            }
        }
    }
    waiting
}
