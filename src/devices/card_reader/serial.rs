//! `SerialCardReader`: the production driver. A thread of its own opens the port, checks
//! the SAM, then polls for cards while reading is wanted; it reports the card once and does
//! not read the same card again until a find has failed (the card was lifted — real SAMs
//! refuse a card that stays on the reader after a read). Unplug is detected from I/O errors
//! or silence and followed by reconnection with backoff. States and cards go to the
//! listener; the UI is never blocked by the device. After a session it can watch, without
//! reading, until the citizen takes the card ([`CardReader::watch_for_lift`]).

use super::link::{open_port, ReaderError, SamLink};
use super::{CardReader, ReaderDiagnostics, ReaderEvent, ReaderListener, ReaderState};
use crate::devices::nap::Nap;
use crate::devices::DeviceErrorKind;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct SerialReaderOptions {
    pub port: PathBuf,
    pub baud: u32,
    /// Interval between find commands while reading is wanted.
    pub poll_interval: Duration,
    /// Interval between SAM status checks while idle.
    pub idle_check_interval: Duration,
    /// Longest pause between reconnection attempts.
    pub max_backoff: Duration,
    pub photo_decoder: String,
}

impl SerialReaderOptions {
    pub fn new(port: impl Into<PathBuf>, baud: u32) -> SerialReaderOptions {
        SerialReaderOptions {
            port: port.into(),
            baud,
            poll_interval: Duration::from_millis(400),
            idle_check_interval: Duration::from_secs(3),
            max_backoff: Duration::from_secs(5),
            photo_decoder: "none configured: text only".into(),
        }
    }
}

struct Shared {
    active: AtomicBool,
    /// Watching for the read card to be lifted (no reads).
    watch_lift: AtomicBool,
    /// The thread's sleeps, cut short by a stop or a wish to read.
    nap: Nap,
    state: Mutex<ReaderState>,
    diagnostics: Mutex<ReaderDiagnostics>,
    listener: ReaderListener,
}

impl Shared {
    fn set_state(&self, state: ReaderState) {
        let mut current = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if *current != state {
            *current = state.clone();
            drop(current);
            (self.listener)(ReaderEvent::State(state));
        }
    }

    fn diag(&self, update: impl FnOnce(&mut ReaderDiagnostics)) {
        update(&mut self.diagnostics.lock().unwrap_or_else(|p| p.into_inner()));
    }

    fn stopping(&self) -> bool {
        self.nap.stopping()
    }

    /// Sleeps up to `duration`, waking early on stop or when reading (or watching) is wanted.
    fn nap(&self, duration: Duration) {
        self.nap.sleep(duration);
    }
}

pub struct SerialCardReader {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl SerialCardReader {
    pub fn spawn(options: SerialReaderOptions, listener: ReaderListener) -> SerialCardReader {
        let diagnostics = ReaderDiagnostics {
            port: options.port.display().to_string(),
            photo_decoder: options.photo_decoder.clone(),
            ..Default::default()
        };
        let shared = Arc::new(Shared {
            active: AtomicBool::new(false),
            watch_lift: AtomicBool::new(false),
            nap: Nap::new(),
            state: Mutex::new(ReaderState::Connecting),
            diagnostics: Mutex::new(diagnostics),
            listener,
        });
        let worker = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("card-reader".into())
            .spawn(move || run(&worker, &options))
            .expect("spawning the card reader thread");
        SerialCardReader {
            shared,
            thread: Some(thread),
        }
    }
}

impl CardReader for SerialCardReader {
    fn start_reading(&self) {
        self.shared.watch_lift.store(false, Ordering::SeqCst);
        self.shared.active.store(true, Ordering::SeqCst);
        self.shared.nap.nudge();
    }
    fn watch_for_lift(&self) -> bool {
        self.shared.watch_lift.store(true, Ordering::SeqCst);
        self.shared.nap.nudge();
        true
    }
    fn stop_reading(&self) {
        self.shared.active.store(false, Ordering::SeqCst);
    }
    fn state(&self) -> ReaderState {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
    fn diagnostics(&self) -> ReaderDiagnostics {
        self.shared
            .diagnostics
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl Drop for SerialCardReader {
    fn drop(&mut self) {
        self.shared.nap.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn fault(error: &ReaderError) -> ReaderState {
    ReaderState::Fault {
        kind: error.kind(),
        detail: error.to_string(),
    }
}

fn run(shared: &Shared, options: &SerialReaderOptions) {
    let mut backoff = Duration::from_millis(200);
    let mut first = true;
    while !shared.stopping() {
        if !first {
            shared.diag(|d| d.reconnects += 1);
        }
        first = false;
        shared.set_state(ReaderState::Connecting);
        let outcome = open_port(&options.port, options.baud).and_then(|port| {
            let mut link = SamLink::new(port);
            link.sam_status()?;
            if let Ok(id) = link.sam_id() {
                shared.diag(|d| d.sam_id = Some(id.to_string()));
            }
            backoff = Duration::from_millis(200);
            shared.set_state(ReaderState::Ready);
            let result = poll(shared, options, &mut link);
            shared.diag(|d| {
                d.resends += link.stats.resends;
                d.skipped_bytes += link.skipped_bytes();
            });
            result
        });
        match outcome {
            Ok(()) => return,
            Err(error) => {
                log::warn!(
                    "card reader {}: {error}; reconnecting in {} ms",
                    options.port.display(),
                    backoff.as_millis()
                );
                shared.set_state(fault(&error));
                shared.nap(backoff);
                backoff = (backoff * 2).min(options.max_backoff);
            }
        }
    }
}

/// Polls until stopped (`Ok`) or the link fails (`Err`: reconnect).
fn poll<T: super::link::Transport>(
    shared: &Shared,
    options: &SerialReaderOptions,
    link: &mut SamLink<T>,
) -> Result<(), ReaderError> {
    let mut last_card: Option<String> = None;
    let mut last_check = Instant::now();
    while !shared.stopping() {
        if !shared.active.load(Ordering::SeqCst) && shared.watch_lift.load(Ordering::SeqCst) {
            // Waiting for the citizen to take the card: presence only, nothing read.
            match link.card_present() {
                Ok(true) => shared.set_state(ReaderState::LiftCard),
                Ok(false) => {
                    shared.watch_lift.store(false, Ordering::SeqCst);
                    last_card = None;
                    shared.set_state(ReaderState::Ready);
                    (shared.listener)(ReaderEvent::CardLifted);
                }
                Err(error) if error.is_link_failure() => return Err(error),
                Err(error) => {
                    // This SAM cannot tell (it refuses the probe): stop watching, not the
                    // link; the app's reminder ends by itself.
                    log::info!("card reader: cannot watch for the card's lift: {error}");
                    shared.watch_lift.store(false, Ordering::SeqCst);
                    last_card = None;
                    shared.set_state(ReaderState::Ready);
                }
            }
            last_check = Instant::now();
            shared.nap(options.poll_interval);
            continue;
        }
        if !shared.active.load(Ordering::SeqCst) {
            // Idle: no card reads, only a periodic health check.
            if last_check.elapsed() >= options.idle_check_interval {
                link.sam_status()?;
                last_check = Instant::now();
                shared.set_state(ReaderState::Ready);
            }
            // Until the next check, or until reading is wanted (start_reading nudges).
            shared.nap(options.idle_check_interval.saturating_sub(last_check.elapsed()));
            continue;
        }
        match link.find() {
            Ok(false) => {
                last_card = None;
                shared.set_state(ReaderState::Ready);
            }
            Ok(true) => {
                shared.set_state(ReaderState::Reading);
                match link.read_found_card() {
                    Ok(card) => {
                        let key = card.text.id_number.expose().to_string();
                        if last_card.as_deref() != Some(key.as_str()) {
                            shared.diag(|d| d.cards_read += 1);
                            last_card = Some(key);
                            (shared.listener)(ReaderEvent::CardRead(Box::new(card)));
                        }
                        shared.set_state(ReaderState::LiftCard);
                    }
                    Err(error) if error.is_link_failure() => return Err(error),
                    Err(error) => {
                        shared.diag(|d| d.read_failures += 1);
                        log::info!("card reader: read failed: {error}");
                        (shared.listener)(ReaderEvent::ReadFailed {
                            key: error.citizen_message(),
                            detail: error.to_string(),
                        });
                        shared.set_state(ReaderState::Ready);
                    }
                }
            }
            Err(error) if error.is_link_failure() => return Err(error),
            Err(error) => {
                // The SAM answered find with an error status: report it and keep polling.
                shared.set_state(ReaderState::Fault {
                    kind: DeviceErrorKind::Refused,
                    detail: error.to_string(),
                });
            }
        }
        last_check = Instant::now();
        shared.nap(options.poll_interval);
    }
    Ok(())
}
