//! 技术人员维护: the technician's screens on the kiosk itself. A hidden gesture (five taps in
//! four seconds on the welcome page's top-left corner) opens a PIN pad; the PIN is checked
//! with the lock-out of [`super::technician`] on this desk's own thread (argon2id takes
//! tens of milliseconds, and the store is there). Behind it, six tabs: device status, test
//! actions, the outbox with dead letters and retry, settings, recent (scrubbed) log lines
//! and the reprint queue, plus restart and leave. Every action is audited under
//! [`ACTOR`]; the desk closes itself after five minutes without a touch.
//!
//! This module keeps the desk's state and runs its store work; [`bench`] is its
//! controller, working the devices (reader, printer, camera, GPIO) the app lends it.

use super::report::Reporter;
use super::settings_edit::SettingsDraft;
use super::technician::{self, PinError};
use crate::config::{ConfigPaths, OverrideError};
use crate::storage::outbox::{OutboxEntry, OutboxState};
use crate::storage::printing::PrintJob;
use crate::storage::Store;
use jobs::{pin_notice, run, TechJob};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::mpsc::{self, Sender};

/// Taps on the corner that open the PIN pad, and the time they must fall within.
pub const SECRET_TAPS: usize = 5;
pub const SECRET_WINDOW_MS: u64 = 4_000;
/// The desk closes itself after this long without a touch.
pub const IDLE_CLOSE_MS: u64 = 300_000;
/// Who the audit log names for actions taken here.
pub const ACTOR: &str = "technician:screen";
/// Outbox rows the outbox tab lists (dead letters first).
pub const OUTBOX_ROWS: usize = 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TechTab {
    Devices,
    Tests,
    Outbox,
    Settings,
    Logs,
    Reprints,
}

impl TechTab {
    pub const ALL: [TechTab; 6] = [
        TechTab::Devices,
        TechTab::Tests,
        TechTab::Outbox,
        TechTab::Settings,
        TechTab::Logs,
        TechTab::Reprints,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TechTab::Devices => "devices",
            TechTab::Tests => "tests",
            TechTab::Outbox => "outbox",
            TechTab::Settings => "settings",
            TechTab::Logs => "logs",
            TechTab::Reprints => "reprints",
        }
    }

    pub fn from_code(code: &str) -> Option<TechTab> {
        TechTab::ALL.into_iter().find(|tab| tab.code() == code)
    }
}

/// What the technician can do on the screens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TechAction {
    /// A tap on the welcome page's hidden corner.
    SecretTap,
    /// A PIN pad key: a digit, `DEL` or `CLEAR`.
    PinKey(String),
    PinSubmit,
    Tab(String),
    /// Read the store's side again (outbox, reprint queue).
    Refresh,
    /// Start the reader for one card, shown masked.
    ReadCard,
    TestPrint,
    /// Take one still with the document camera (shown, then forgotten).
    Capture,
    /// LEDs: all on → all off → as the kiosk decides.
    ToggleLeds,
    /// Send a dead letter (outbox row id) again.
    Retry(i64),
    /// Print this receipt of the reprint queue again.
    Reprint(String),
    /// Step setting `index` up (`true`) or down.
    SettingStep(usize, bool),
    SaveSettings,
    Restart,
    Close,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Closed,
    Pin,
    Open(TechTab),
}

/// The store's side of the pages, read on the desk's thread.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TechSnapshot {
    pub counts: Vec<(OutboxState, u64)>,
    /// Not yet delivered, dead letters first, at most [`OUTBOX_ROWS`].
    pub outbox: Vec<OutboxEntry>,
    /// Supplements (补交材料) not yet delivered, and how many of them are dead.
    pub supplements_waiting: u64,
    pub supplements_dead: u64,
    pub reprints: Vec<PrintJob>,
}

impl TechSnapshot {
    pub fn count(&self, state: OutboxState) -> u64 {
        self.counts.iter().find(|(s, _)| *s == state).map_or(0, |(_, n)| *n)
    }
}

/// What the last action came to, for the notice line (texts in `app::view::technician`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TechNotice {
    PinWrong(u32),
    PinLocked(i64),
    PinNotSet,
    PinBadFormat,
    /// The PIN could not be checked (storage, a bad hash): the technician's text.
    PinFailed(String),
    CardWaiting,
    /// A card read: its kind, the masked number and name, the photo block's size.
    CardRead {
        kind: crate::domain::id_number::IdKind,
        id_masked: String,
        name_masked: String,
        photo_bytes: usize,
    },
    CardFailed(String),
    Printing,
    Printed,
    /// The receipt number printed again.
    Reprinted(String),
    PrintFailed(String),
    Capturing,
    /// Size and whether the page was found.
    Captured {
        width: u32,
        height: u32,
        kb: usize,
        page_found: bool,
    },
    CaptureFailed(String),
    Leds(Option<bool>),
    NoGpio,
    Retried(String),
    RetryFailed(String),
    Saved(Vec<String>),
    SaveRefused(Vec<String>),
    NothingToSave,
    StoreFailed(String),
}

/// A finished job of the desk's thread, for the desk's opening it was asked in (a report for
/// an earlier opening — a PIN checked after Close, say — is dropped).
#[derive(Debug)]
pub struct TechReport {
    pub opening: u64,
    pub outcome: TechOutcome,
}

#[derive(Debug)]
pub enum TechOutcome {
    Pin(Result<(), PinError>),
    Snapshot(Result<TechSnapshot, String>),
    Retried(Result<String, String>),
    /// The settings written and the configuration as the next start loads it, or the
    /// configuration's objections.
    Saved(Result<SavedSettings, Vec<String>>),
}

/// Settings written to the overrides file: (dotted key, value), and the configuration the
/// next start will load.
pub type SavedSettings = (Vec<(String, toml::Value)>, Box<crate::config::Config>);

pub struct TechDesk {
    stage: Stage,
    taps: VecDeque<u64>,
    /// The digits typed on the PIN pad (cleared at every submit and close).
    pin: String,
    checking: bool,
    last_touch_ms: u64,
    pub(crate) notice: Option<TechNotice>,
    snapshot: Option<TechSnapshot>,
    loading: bool,
    pub(crate) settings: Option<SettingsDraft>,
    pub(crate) reading_card: bool,
    pub(crate) capturing: bool,
    /// The test still's thumbnail (forgotten with the tab).
    pub(crate) still: Option<crate::devices::camera::PreviewFrame>,
    restart: bool,
    state_dir: PathBuf,
    paths: Option<ConfigPaths>,
    inbox: Option<Reporter<TechReport>>,
    jobs: Option<Sender<(u64, TechJob)>>,
    /// Says when the desk's thread has finished its queue (see [`TechDesk::shutdown`]).
    finished_rx: Option<mpsc::Receiver<()>>,
    /// Goes up at every close: reports from before are stale.
    opening: u64,
    /// The configuration with the settings saved since the start (what a restart loads).
    saved_config: Option<Box<crate::config::Config>>,
}

impl TechDesk {
    pub fn new(state_dir: PathBuf, paths: Option<ConfigPaths>, inbox: Option<Reporter<TechReport>>) -> TechDesk {
        TechDesk {
            stage: Stage::Closed,
            taps: VecDeque::new(),
            pin: String::new(),
            checking: false,
            last_touch_ms: 0,
            notice: None,
            snapshot: None,
            loading: false,
            settings: None,
            reading_card: false,
            capturing: false,
            still: None,
            restart: false,
            state_dir,
            paths,
            inbox,
            jobs: None,
            finished_rx: None,
            opening: 0,
            saved_config: None,
        }
    }

    pub fn stage(&self) -> Stage {
        self.stage
    }
    pub fn is_active(&self) -> bool {
        self.stage != Stage::Closed
    }
    pub fn tab(&self) -> Option<TechTab> {
        match self.stage {
            Stage::Open(tab) => Some(tab),
            _ => None,
        }
    }
    pub fn pin_len(&self) -> usize {
        self.pin.len()
    }
    pub fn checking(&self) -> bool {
        self.checking
    }
    pub fn snapshot(&self) -> Option<&TechSnapshot> {
        self.snapshot.as_ref()
    }
    pub fn loading(&self) -> bool {
        self.loading
    }
    pub fn notice(&self) -> Option<&TechNotice> {
        self.notice.as_ref()
    }
    pub fn still(&self) -> Option<&crate::devices::camera::PreviewFrame> {
        self.still.as_ref()
    }
    pub fn settings(&self) -> Option<&SettingsDraft> {
        self.settings.as_ref()
    }
    pub fn restart_requested(&self) -> bool {
        self.restart
    }
    /// Where settings are saved (none: the kiosk runs without a configuration on disk).
    pub fn overrides_path(&self) -> Option<&std::path::Path> {
        self.paths.as_ref().map(|p| p.overrides.as_path())
    }

    /// A tap on the hidden corner; true when it was the fifth within the window (the PIN
    /// pad opens).
    pub fn secret_tap(&mut self, now_ms: u64) -> bool {
        self.taps.push_back(now_ms);
        while self
            .taps
            .front()
            .is_some_and(|t| now_ms.saturating_sub(*t) > SECRET_WINDOW_MS)
        {
            self.taps.pop_front();
        }
        if self.taps.len() < SECRET_TAPS {
            return false;
        }
        self.taps.clear();
        log::info!("technician PIN pad opened");
        self.stage = Stage::Pin;
        self.pin.clear();
        self.notice = None;
        self.last_touch_ms = now_ms;
        true
    }

    pub fn touch(&mut self, now_ms: u64) {
        self.last_touch_ms = now_ms;
    }

    /// True when the desk has been left alone for [`IDLE_CLOSE_MS`].
    pub fn idle(&self, now_ms: u64) -> bool {
        self.is_active() && now_ms.saturating_sub(self.last_touch_ms) >= IDLE_CLOSE_MS
    }

    pub fn pin_key(&mut self, key: &str) {
        match key {
            "DEL" => {
                self.pin.pop();
            }
            "CLEAR" => self.pin.clear(),
            digit
                if digit.len() == 1
                    && digit.bytes().all(|b| b.is_ascii_digit())
                    && self.pin.len() < *technician::PIN_DIGITS.end() =>
            {
                self.pin.push_str(digit)
            }
            _ => {}
        }
    }

    /// Sends the typed PIN to be checked (the pad empties at once).
    pub fn submit_pin(&mut self, hash: Option<String>) {
        if self.stage != Stage::Pin || self.checking {
            return;
        }
        let pin = std::mem::take(&mut self.pin);
        if technician::validate_pin(&pin).is_err() {
            self.notice = Some(TechNotice::PinBadFormat);
            return;
        }
        self.checking = true;
        self.notice = None;
        self.send(TechJob::CheckPin { pin, hash });
    }

    /// Opens a tab (after the PIN): the settings tab starts its draft from `config`.
    pub fn open_tab(&mut self, tab: TechTab, config: &crate::config::Config) {
        if self.stage == Stage::Pin || self.stage == Stage::Closed {
            return;
        }
        self.stage = Stage::Open(tab);
        self.notice = None;
        if tab == TechTab::Settings {
            // Saved since the start: the draft starts from what the next start will load.
            self.settings = Some(SettingsDraft::of(self.saved_config.as_deref().unwrap_or(config)));
        }
        if matches!(tab, TechTab::Devices | TechTab::Outbox | TechTab::Reprints) {
            self.refresh();
        }
    }

    pub fn refresh(&mut self) {
        self.loading = true;
        self.send(TechJob::Snapshot);
    }

    pub fn retry(&mut self, id: i64) {
        self.send(TechJob::Retry { id });
    }

    /// Saves the settings draft's changes (validated first on the desk's thread).
    pub fn save_settings(&mut self) {
        let changes = self.settings.as_ref().map(SettingsDraft::changes).unwrap_or_default();
        if changes.is_empty() {
            self.notice = Some(TechNotice::NothingToSave);
            return;
        }
        let Some(paths) = self.paths.clone() else {
            self.notice = Some(TechNotice::SaveRefused(vec!["no overrides file is configured".into()]));
            return;
        };
        self.send(TechJob::Save { paths, changes });
    }

    /// An audit entry for a technician action (`detail` already masked).
    pub fn audit(&mut self, action: &str, detail: impl Into<String>) {
        self.send(TechJob::Audit {
            action: format!("technician.{action}"),
            detail: detail.into(),
        });
    }

    pub fn request_restart(&mut self) {
        self.restart = true;
    }

    /// Back to the kiosk: everything the desk showed is forgotten, and what its thread still
    /// reports for this opening is dropped.
    pub fn close(&mut self) {
        self.opening += 1;
        self.stage = Stage::Closed;
        self.pin.clear();
        self.checking = false;
        self.notice = None;
        self.snapshot = None;
        self.settings = None;
        self.reading_card = false;
        self.capturing = false;
        self.still = None;
    }

    /// Takes what the desk's thread reported.
    pub fn finished(&mut self, report: TechReport, config: &crate::config::Config) {
        if report.opening != self.opening || !self.is_active() {
            return;
        }
        match report.outcome {
            TechOutcome::Pin(result) => {
                self.checking = false;
                if self.stage != Stage::Pin {
                    return;
                }
                match result {
                    Ok(()) => self.open_after_pin(config),
                    Err(e) => self.notice = Some(pin_notice(e)),
                }
            }
            TechOutcome::Snapshot(result) => {
                self.loading = false;
                match result {
                    Ok(snapshot) => self.snapshot = Some(snapshot),
                    Err(e) => self.notice = Some(TechNotice::StoreFailed(e)),
                }
            }
            TechOutcome::Retried(result) => {
                self.notice = Some(match result {
                    Ok(receipt) => TechNotice::Retried(receipt),
                    Err(e) => TechNotice::RetryFailed(e),
                });
                self.refresh();
            }
            TechOutcome::Saved(result) => {
                self.notice = Some(match result {
                    Ok((written, next_start)) => {
                        // Only what was written is saved (a step tapped meanwhile is not).
                        if let Some(draft) = &mut self.settings {
                            for row in &mut draft.rows {
                                if let Some((_, value)) = written.iter().find(|(key, _)| key == row.0.key) {
                                    row.1 = value.clone();
                                }
                            }
                        }
                        self.saved_config = Some(next_start);
                        TechNotice::Saved(written.into_iter().map(|(key, _)| key).collect())
                    }
                    Err(problems) => TechNotice::SaveRefused(problems),
                });
            }
        }
    }

    /// Before the process restarts: the queued jobs (a setting being saved, the restart's
    /// audit entry) finish, for at most `timeout`.
    pub fn shutdown(&mut self, timeout: std::time::Duration) {
        self.jobs = None;
        if let Some(finished) = self.finished_rx.take() {
            if finished.recv_timeout(timeout).is_err() {
                log::warn!("technician screen: its last jobs did not finish in {timeout:?}");
            }
        }
    }

    /// Screenshots: the PIN pad with `digits` typed, or a tab open with sample data, as if
    /// the PIN had been accepted.
    pub fn stage_sample(
        &mut self,
        tab: Option<TechTab>,
        digits: usize,
        snapshot: Option<TechSnapshot>,
        notice: Option<TechNotice>,
        config: &crate::config::Config,
    ) {
        self.stage = Stage::Pin;
        self.pin = "1".repeat(digits);
        if let Some(tab) = tab {
            self.stage = Stage::Open(tab);
            if tab == TechTab::Settings {
                self.settings = Some(SettingsDraft::of(config));
            }
        }
        self.snapshot = snapshot;
        self.notice = notice;
        self.paths.get_or_insert_with(|| ConfigPaths {
            source: None,
            overrides: config.kiosk.state_dir.join("overrides.toml"),
        });
    }

    fn open_after_pin(&mut self, config: &crate::config::Config) {
        self.stage = Stage::Open(TechTab::Devices);
        self.open_tab(TechTab::Devices, config);
    }

    fn send(&mut self, job: TechJob) {
        if self.jobs.is_none() {
            self.jobs = self.spawn();
        }
        let opening = self.opening;
        let sent = self.jobs.as_ref().is_some_and(|jobs| jobs.send((opening, job)).is_ok());
        if !sent {
            self.jobs = None;
            self.checking = false;
            self.loading = false;
            self.notice = Some(TechNotice::StoreFailed("the technician thread is not running".into()));
        }
    }

    fn spawn(&mut self) -> Option<Sender<(u64, TechJob)>> {
        let (tx, rx) = mpsc::channel::<(u64, TechJob)>();
        let (finished_tx, finished_rx) = mpsc::channel::<()>();
        let state_dir = self.state_dir.clone();
        let inbox = self.inbox.clone();
        let spawned = std::thread::Builder::new().name("technician".into()).spawn(move || {
            let mut store: Option<Store> = None;
            for (opening, job) in rx {
                if let Some(outcome) = run(&mut store, &state_dir, job) {
                    if let Some(inbox) = &inbox {
                        inbox.report(TechReport { opening, outcome });
                    }
                }
            }
            let _ = finished_tx.send(());
        });
        self.finished_rx = Some(finished_rx);
        match spawned {
            Ok(_) => Some(tx),
            Err(e) => {
                log::error!("cannot start the technician thread: {e}");
                None
            }
        }
    }
}

mod bench;
mod jobs;
pub use bench::{Bench, TEST_STILL};
#[cfg(test)]
mod tests;
