//! `kiosk status [--json]`: the local snapshot of [`crate::app::status`] for a technician
//! or a monitoring script. Exit 0 when there is no alarm, 5 (storage) when there is one.

use super::outbox_cmd::when;
use super::{exit, Cli};
use crate::app::status::{self, StatusSnapshot};
use clap::Args;

#[derive(Args, Debug)]
pub struct StatusArgs {
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: &Cli, args: &StatusArgs) -> i32 {
    let loaded = match super::load_config(cli) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let snapshot = status::collect(&loaded.config, super::version(), crate::storage::now_unix());
    if args.json {
        super::print_json(&snapshot);
    } else {
        print_human(&snapshot);
    }
    if snapshot.healthy() {
        exit::OK
    } else {
        exit::STORAGE
    }
}

/// `3 h 12 min`, `5 min`, `40 s`.
fn age(secs: i64) -> String {
    match secs {
        s if s >= 86_400 => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
        s if s >= 3600 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

fn print_human(s: &StatusSnapshot) {
    println!("township-kiosk {} — kiosk {}", s.version, s.kiosk_id);
    println!("state dir:   {}", s.state_dir.display());
    print_storage_and_camera(s);
    if let Some(audit) = &s.audit {
        match audit.first_bad_entry {
            None => println!("audit log:   {} entries, chain intact", audit.entries),
            Some(id) => println!("audit log:   {} entries, BROKEN at entry {id}", audit.entries),
        }
    }
    if let Some(outbox) = &s.outbox {
        let c = &outbox.counts;
        let counts = format!(
            "{} pending, {} sending, {} sent, {} dead",
            c.pending, c.sending, c.sent, c.dead
        );
        let oldest = match outbox.oldest_unsent_age_secs {
            Some(secs) => format!("; oldest unsent queued {} ago", age(secs)),
            None => String::new(),
        };
        println!("outbox:      {counts}{oldest}");
    }
    print_central(&s.central);
    match &s.last_purge {
        Some(run) if run.ok => println!("last purge:  {} ok, {} purged", when(run.at), run.count.unwrap_or(0)),
        Some(run) => println!(
            "last purge:  {} FAILED: {}",
            when(run.at),
            run.error.as_deref().unwrap_or("unknown error")
        ),
        None if s.outbox.is_some() => println!("last purge:  never run"),
        None => {}
    }
    for path in &s.moved_aside {
        println!("moved aside: {}", path.display());
    }
    print_gpio(&s.gpio);
    for alarm in &s.alarms {
        println!("ALARM:       {alarm}");
    }
    if s.healthy() {
        println!("no alarms");
    }
}

/// The central system: its URL, whether it is enrolled and reachable, the dead letters.
fn print_central(c: &status::CentralStatus) {
    let reach = match c.reachable {
        Some(true) => "reachable".to_string(),
        Some(false) => format!("NOT reachable ({})", c.last_error.as_deref().unwrap_or("unknown")),
        None => "not contacted yet".to_string(),
    };
    let enrolled = if c.url == "sim" {
        "in-process simulation"
    } else if c.enrolled {
        "enrolled"
    } else {
        "NOT enrolled"
    };
    println!("central:     {} ({enrolled}), {reach}", c.url);
    if let Some(at) = c.last_contact_at {
        println!("             last contact {}", when(at));
    }
    match c.last_sent_at {
        Some(at) => println!("             last successful send {}", when(at)),
        None => println!("             nothing sent yet"),
    }
    for dead in &c.dead_letters {
        println!("dead letter: {} {} — {}", dead.receipt_no, dead.item_code, dead.reason);
    }
}

/// The database (schema, key) and the document camera.
fn print_storage_and_camera(s: &StatusSnapshot) {
    let db = &s.storage;
    match (db.state, &db.error) {
        ("ok", _) => println!(
            "database:    {} (schema v{}, data key {})",
            db.database.display(),
            db.schema_version.unwrap_or(0),
            db.key.unwrap_or("-")
        ),
        ("not-created", _) => println!("database:    {} (not created yet)", db.database.display()),
        (_, error) => println!(
            "database:    {} — ERROR: {}",
            db.database.display(),
            error.as_deref().unwrap_or("unknown")
        ),
    }
    let camera = &s.camera;
    println!(
        "camera:      {} {} — {}",
        camera.kind,
        camera.device.display(),
        match (camera.present, &camera.name) {
            (true, Some(name)) => name.clone(),
            (true, None) => "present".into(),
            (false, _) => "NOT FOUND".into(),
        }
    );
}

fn print_gpio(g: &crate::app::gpio_status::GpioStatus) {
    let state = match (g.state, &g.hardware) {
        ("sim", _) => "simulated".to_string(),
        ("ok", Some(hardware)) => format!("ok ({hardware})"),
        _ => "NOT AVAILABLE (see ALARM)".to_string(),
    };
    println!("gpio:        {} on board {}: {state}", g.kind, g.board);
    let lines = |lines: &[crate::app::gpio_status::GpioLine]| {
        lines
            .iter()
            .map(|l| {
                let mut text = format!("{} {}", l.name, l.pin);
                if l.active_low {
                    text.push_str(" active-low");
                }
                if let Some(ms) = l.debounce_ms {
                    text.push_str(&format!(" {ms} ms"));
                }
                text
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !g.inputs.is_empty() {
        println!("             inputs: {}", lines(&g.inputs));
    }
    if !g.outputs.is_empty() {
        println!("             outputs: {}", lines(&g.outputs));
    }
    if let Some(backlight) = &g.backlight {
        println!("             backlight: {backlight}");
    }
    if !g.missing.is_empty() {
        println!("             not wired: {}", g.missing.join(", "));
    }
}
