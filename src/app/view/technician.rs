//! What the technician screens show: the PIN pad's state, then per tab the device rows
//! (reader, printer, camera, GPIO, central system, outbox), the test results, the outbox
//! with its dead letters, the settings draft, the newest log lines (scrubbed) and the
//! reprint queue. Only masked data and technical states: no name, number or photo of a
//! citizen (the card test shows the masked forms).

use super::Photo;
use crate::app::kiosk::KioskApp;
use crate::app::technician_desk::{Stage, TechNotice, TechSnapshot};
use crate::app::telemetry::Devices;
use crate::devices::card_reader::ReaderState;
use crate::domain::Lang;
use crate::storage::outbox::OutboxState;

/// Log lines the logs tab lists.
pub const LOG_LINES: usize = 60;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TechnicianView {
    /// `closed`, `pin` or `open`.
    pub stage: &'static str,
    /// The open tab's code.
    pub tab: &'static str,
    pub pin_digits: usize,
    pub checking: bool,
    pub notice: String,
    /// The notice reports a failure.
    pub notice_bad: bool,
    pub devices: Vec<StatusRow>,
    pub outbox: Vec<OutboxRow>,
    pub outbox_summary: String,
    pub reprints: Vec<ReprintRow>,
    pub settings: Vec<SettingRow>,
    pub settings_changed: bool,
    pub overrides_file: String,
    pub logs: Vec<LogRow>,
    pub still: Option<Photo>,
    pub loading: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusRow {
    /// `reader`, `printer`, `camera`, `gpio`, `central`, `outbox`.
    pub code: &'static str,
    pub state: String,
    pub detail: String,
    pub ok: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub receipt_no: String,
    pub item_code: String,
    pub state: &'static str,
    pub attempts: u32,
    pub last_error: String,
    pub dead: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReprintRow {
    pub receipt_no: String,
    pub at: String,
    pub why: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingRow {
    pub label: String,
    pub value: String,
    pub changed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRow {
    pub at: String,
    pub level: &'static str,
    pub text: String,
}

/// `HH:MM:SS` (China time) of a Unix time; `MM-DD HH:MM` when not today.
pub fn time_of(unix: i64, now: i64) -> String {
    use crate::domain::calendar::CHINA_UTC_OFFSET_SECS;
    let local = unix + CHINA_UTC_OFFSET_SECS;
    let secs = local.rem_euclid(86_400);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if local.div_euclid(86_400) == (now + CHINA_UTC_OFFSET_SECS).div_euclid(86_400) {
        format!("{h:02}:{m:02}:{s:02}")
    } else {
        let date = crate::domain::calendar::Date::from_unix_china(unix).to_string();
        format!("{} {h:02}:{m:02}", date.get(5..).unwrap_or(&date))
    }
}

pub fn technician(app: &KioskApp) -> TechnicianView {
    let desk = app.technician();
    let lang = app.session().lang;
    let stage = match desk.stage() {
        Stage::Closed => {
            return TechnicianView {
                stage: "closed",
                ..Default::default()
            }
        }
        Stage::Pin => "pin",
        Stage::Open(_) => "open",
    };
    let now = crate::storage::now_unix();
    let mut view = TechnicianView {
        stage,
        tab: desk.tab().map_or("", |tab| tab.code()),
        pin_digits: desk.pin_len(),
        checking: desk.checking(),
        notice: desk
            .notice()
            .map(|n| super::i18n::tech_notice(n, lang))
            .unwrap_or_default(),
        notice_bad: desk.notice().is_some_and(is_bad),
        loading: desk.loading(),
        overrides_file: desk
            .overrides_path()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        ..Default::default()
    };
    if stage != "open" {
        return view;
    }
    view.devices = device_rows(app, lang);
    if let Some(snapshot) = desk.snapshot() {
        view.outbox = outbox_rows(snapshot);
        view.outbox_summary = outbox_summary(snapshot, lang);
        view.reprints = reprint_rows(snapshot, lang, now);
    }
    if let Some(draft) = desk.settings() {
        view.settings = draft
            .rows
            .iter()
            .map(|(spec, saved, shown)| SettingRow {
                label: spec.label(lang).to_string(),
                value: crate::app::settings_edit::display(shown, lang),
                changed: saved != shown,
            })
            .collect();
        view.settings_changed = view.settings.iter().any(|row| row.changed);
    }
    if desk.tab() == Some(crate::app::technician_desk::TechTab::Logs) {
        view.logs = log_rows(now);
    }
    view.still = desk.still().cloned();
    view
}

fn is_bad(notice: &TechNotice) -> bool {
    matches!(
        notice,
        TechNotice::PinWrong(_)
            | TechNotice::PinLocked(_)
            | TechNotice::PinNotSet
            | TechNotice::PinBadFormat
            | TechNotice::PinFailed(_)
            | TechNotice::CardFailed(_)
            | TechNotice::PrintFailed(_)
            | TechNotice::CaptureFailed(_)
            | TechNotice::NoGpio
            | TechNotice::RetryFailed(_)
            | TechNotice::SaveRefused(_)
            | TechNotice::StoreFailed(_)
    )
}

fn outbox_summary(snapshot: &crate::app::technician_desk::TechSnapshot, lang: Lang) -> String {
    let waiting = snapshot.count(OutboxState::Pending) + snapshot.count(OutboxState::Sending);
    let dead = snapshot.count(OutboxState::Dead);
    let sent = snapshot.count(OutboxState::Sent);
    let (sw, sd) = (snapshot.supplements_waiting, snapshot.supplements_dead);
    match lang {
        Lang::Zh => format!("待发送 {waiting} · 被拒收 {dead} · 已送达 {sent} · 补交材料待发送 {sw}(被拒收 {sd})"),
        Lang::En => {
            format!("waiting {waiting} · refused {dead} · delivered {sent} · supplements waiting {sw} ({sd} refused)")
        }
    }
}

/// The outbox's rows as the technician sees them (errors scrubbed).
fn outbox_rows(snapshot: &TechSnapshot) -> Vec<OutboxRow> {
    snapshot
        .outbox
        .iter()
        .map(|entry| OutboxRow {
            id: entry.id,
            receipt_no: entry.receipt_no.clone(),
            item_code: entry.item_code.clone(),
            state: entry.state.as_str(),
            attempts: entry.attempts,
            last_error: entry
                .last_error
                .as_deref()
                .map(crate::domain::masking::scrub_line)
                .unwrap_or_default(),
            dead: entry.state == OutboxState::Dead,
        })
        .collect()
}

/// Receipts whose printing failed or was interrupted, to print again.
fn reprint_rows(snapshot: &TechSnapshot, lang: Lang, now: i64) -> Vec<ReprintRow> {
    snapshot
        .reprints
        .iter()
        .map(|job| ReprintRow {
            receipt_no: job.receipt_no.clone(),
            at: time_of(job.intent_at, now),
            why: match (&job.outcome, lang) {
                (None, Lang::Zh) => "打印中断".into(),
                (None, Lang::En) => "interrupted".into(),
                (Some(_), _) => job.detail.clone().unwrap_or_else(|| "failed".into()),
            },
        })
        .collect()
}

/// The log's recent lines (already scrubbed by the log ring), by module.
fn log_rows(now: i64) -> Vec<LogRow> {
    crate::app::log_ring::recent(LOG_LINES, log::Level::Info)
        .into_iter()
        .map(|line| LogRow {
            at: time_of(line.at, now),
            level: line.level,
            // The module, not the whole path: `outbox_worker: …`.
            text: format!(
                "{}: {}",
                line.target.rsplit("::").next().unwrap_or(&line.target),
                line.text
            ),
        })
        .collect()
}

fn device_rows(app: &KioskApp, lang: Lang) -> Vec<StatusRow> {
    let live = crate::app::telemetry::devices();
    let now = crate::storage::now_unix();
    vec![
        reader_row(app),
        printer_row(app, &live),
        camera_row(app, &live),
        gpio_row(app, &live),
        central_row(app, now),
        outbox_row(app, lang),
    ]
}

/// The card reader: its state and the counts of its diagnostics.
fn reader_row(app: &KioskApp) -> StatusRow {
    let (state, ok) = match app.reader_state() {
        ReaderState::Connecting => ("connecting".to_string(), true),
        ReaderState::Ready => ("ready".into(), true),
        ReaderState::Reading => ("reading".into(), true),
        ReaderState::LiftCard => ("card on the reader".into(), true),
        ReaderState::Fault { kind, detail } => (format!("fault: {} ({detail})", kind.as_str()), false),
    };
    let detail = app.reader_diagnostics().map_or_else(
        || "no reader".to_string(),
        |d| {
            format!(
                "{} · SAM {} · read {} · failed {} · reconnects {} · resends {}",
                d.port,
                d.sam_id.as_deref().unwrap_or("?"),
                d.cards_read,
                d.read_failures,
                d.reconnects,
                d.resends
            )
        },
    );
    StatusRow {
        code: "reader",
        state,
        detail,
        ok,
    }
}

/// The receipt printer and its paper (the paper-low switch counts too).
fn printer_row(app: &KioskApp, live: &Devices) -> StatusRow {
    let paper = if app.paper_low() && live.paper == "ok" {
        "low"
    } else {
        live.paper.as_str()
    };
    StatusRow {
        code: "printer",
        state: live.printer.clone(),
        detail: format!("paper: {paper}"),
        ok: crate::central_api::device_ok(&live.printer) && paper != "out",
    }
}

/// The document camera: running, starting, failed, idle or absent.
fn camera_row(app: &KioskApp, live: &Devices) -> StatusRow {
    let camera = app.camera();
    let (state, ok) = if camera.available() {
        ("preview running".to_string(), true)
    } else if camera.starting() {
        ("starting".into(), true)
    } else if let Some(e) = camera.open_error() {
        (format!("fault: {} ({e})", e.kind()), false)
    } else if camera.configured() {
        ("idle (opens on the materials page)".into(), true)
    } else {
        ("absent".into(), false)
    };
    StatusRow {
        code: "camera",
        state,
        // The live state is recorded once the camera opened.
        detail: if live.camera == "absent" && camera.configured() {
            String::new()
        } else {
            live.camera.clone()
        },
        ok,
    }
}

/// The GPIO: the LED test, the screen and the paper-low switch.
fn gpio_row(app: &KioskApp, live: &Devices) -> StatusRow {
    let leds = match app.led_test() {
        None => "LEDs as the kiosk decides",
        Some(true) => "LED test: all on",
        Some(false) => "LED test: all off",
    };
    StatusRow {
        code: "gpio",
        state: live.gpio.clone(),
        detail: format!(
            "{leds} · screen {:?} · paper-low switch {}",
            app.screen(),
            if app.paper_low() { "on" } else { "off" }
        ),
        ok: crate::central_api::device_ok(&live.gpio) || live.gpio == "absent",
    }
}

/// The central system: reachable, last contact, last delivery.
fn central_row(app: &KioskApp, now: i64) -> StatusRow {
    let reachable = crate::app::telemetry::central_reachable();
    let at = |t: Option<i64>| t.map_or_else(|| "never".to_string(), |t| time_of(t, now));
    StatusRow {
        code: "central",
        state: match reachable {
            Some(true) => "reachable".into(),
            Some(false) => "unreachable".into(),
            None => "not contacted yet".into(),
        },
        detail: format!(
            "{} · last contact {} · last delivery {}",
            crate::config::redact_url(&app.config().central.url),
            at(crate::app::telemetry::last_contact_at()),
            at(crate::app::telemetry::last_sent_at())
        ),
        ok: reachable != Some(false),
    }
}

/// The outbox and supplements, with the newest error.
fn outbox_row(app: &KioskApp, lang: Lang) -> StatusRow {
    let desk = app.technician();
    let (state, ok) = match desk.snapshot() {
        Some(snapshot) => (
            outbox_summary(snapshot, lang),
            snapshot.count(OutboxState::Dead) == 0 && snapshot.supplements_dead == 0,
        ),
        None if desk.loading() => ("…".into(), true),
        None => ("?".into(), false),
    };
    StatusRow {
        code: "outbox",
        state,
        detail: crate::app::telemetry::last_errors()
            .first()
            .cloned()
            .unwrap_or_default(),
        ok,
    }
}
