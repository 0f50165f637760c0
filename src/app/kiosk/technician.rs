//! `KioskApp`'s side of the technician screens: it routes [`TechAction`]s to the desk
//! (`app::technician_desk`) and carries out the test actions on the devices the app owns —
//! one card read shown masked, the printer's test page and reprints through the worker, a
//! still from the document camera, the LEDs through the GPIO link — auditing each. While
//! the desk is open the citizen's pages take no input, and a card read goes to the desk,
//! not to a session.

use super::KioskApp;
use crate::app::inbox::Inbound;
use crate::app::technician_desk::{Stage, TechAction, TechNotice, TechReport, TechTab};
use crate::app::worker::{Completion, Job};
use crate::devices::card_reader::{Card, ReaderEvent};
use crate::domain::masking::mask_name;
use crate::domain::session::Step;

/// The camera's code for the technician's test still.
pub const TEST_STILL: &str = "technician-test";

impl KioskApp {
    pub fn technician(&self) -> &crate::app::technician_desk::TechDesk {
        &self.tech
    }

    pub fn technician_mut(&mut self) -> &mut crate::app::technician_desk::TechDesk {
        &mut self.tech
    }

    /// The card reader's counters (none: no reader).
    pub fn reader_diagnostics(&self) -> Option<crate::devices::card_reader::ReaderDiagnostics> {
        self.reader.as_ref().map(|reader| reader.diagnostics())
    }

    /// The LED test in force (`None`: the GPIO policy decides).
    pub fn led_test(&self) -> Option<bool> {
        self.gpio.led_test()
    }

    /// The technician asked to restart the app (the shell quits and `kiosk run` starts
    /// again).
    pub fn restart_requested(&self) -> bool {
        self.tech.restart_requested()
    }

    pub(super) fn on_technician(&mut self, action: TechAction, now_ms: u64) {
        self.tech.touch(now_ms);
        match action {
            TechAction::SecretTap if self.shared.session.step == Step::Welcome && !self.tech.is_active() => {
                self.tech.secret_tap(now_ms);
            }
            TechAction::PinKey(key) => self.tech.pin_key(&key),
            TechAction::PinSubmit => self.tech.submit_pin(self.shared.config.technician.pin_hash.clone()),
            TechAction::Tab(code) => {
                if let Some(tab) = TechTab::from_code(&code) {
                    self.leave_tab();
                    self.tech.open_tab(tab, &self.shared.config);
                    if tab == TechTab::Tests {
                        self.shared.camera.open();
                    }
                }
            }
            TechAction::Refresh => self.tech.refresh(),
            TechAction::ReadCard if self.in_tab(TechTab::Tests) => match &self.reader {
                Some(reader) => {
                    reader.start_reading();
                    self.tech.reading_card = true;
                    self.tech.notice = Some(TechNotice::CardWaiting);
                }
                None => self.tech.notice = Some(TechNotice::CardFailed("no card reader".into())),
            },
            TechAction::TestPrint if self.in_tab(TechTab::Tests) => {
                self.tech.notice = Some(TechNotice::Printing);
                self.shared.worker.send(Job::TestPrint {
                    kiosk_id: self.shared.config.kiosk.id.clone(),
                    printed_at: format!("{} {}", self.today(), self.clock_text()),
                });
            }
            TechAction::Capture if self.in_tab(TechTab::Tests) => self.technician_capture_test(),
            TechAction::ToggleLeds if self.in_tab(TechTab::Tests) => self.technician_toggle_leds(),
            TechAction::Retry(id) if self.in_tab(TechTab::Outbox) => self.tech.retry(id),
            TechAction::Reprint(receipt_no) if self.in_tab(TechTab::Reprints) => {
                self.tech.notice = Some(TechNotice::Printing);
                self.shared.worker.send(Job::Reprint {
                    receipt_no,
                    lang: self.shared.config.ui.default_language,
                });
            }
            TechAction::SettingStep(index, up) if self.in_tab(TechTab::Settings) => {
                if let Some(draft) = &mut self.tech.settings {
                    draft.step(index, up);
                }
            }
            TechAction::SaveSettings if self.in_tab(TechTab::Settings) => self.tech.save_settings(),
            TechAction::Restart if self.tech.tab().is_some() => {
                self.tech.audit("restart", "restart asked on the touchscreen");
                log::info!("technician: restart asked");
                self.tech.request_restart();
            }
            TechAction::Close => self.close_technician("left by the technician"),
            _ => {}
        }
    }

    /// 拍照测试: a still from the document camera (shown, never kept), or why not.
    fn technician_capture_test(&mut self) {
        if self.shared.camera.capture(TEST_STILL) {
            self.tech.capturing = true;
            self.tech.notice = Some(TechNotice::Capturing);
        } else {
            let why = match self.shared.camera.open_error() {
                Some(e) => format!("{} ({e})", e.kind()),
                None if self.shared.camera.starting() => "the camera is starting".to_string(),
                None => "no camera".to_string(),
            };
            self.tech.notice = Some(TechNotice::CaptureFailed(why));
        }
    }

    /// 指示灯测试: all on → all off → as the kiosk decides, audited.
    fn technician_toggle_leds(&mut self) {
        let next = match self.gpio.led_test() {
            None => Some(true),
            Some(true) => Some(false),
            Some(false) => None,
        };
        self.gpio.set_led_test(next);
        self.publish_gpio(false);
        self.tech.notice = Some(if self.gpio.connected() {
            TechNotice::Leds(next)
        } else {
            TechNotice::NoGpio
        });
        let state = next.map_or("as the kiosk decides", |on| if on { "all on" } else { "all off" });
        self.tech.audit("leds", format!("LED test: {state}"));
    }

    fn in_tab(&self, tab: TechTab) -> bool {
        self.tech.tab() == Some(tab)
    }

    /// What a tab started stops when the technician leaves it.
    fn leave_tab(&mut self) {
        if self.tech.reading_card {
            if let Some(reader) = &self.reader {
                reader.stop_reading();
            }
            self.tech.reading_card = false;
        }
        if self.in_tab(TechTab::Tests) {
            self.shared.camera.forget();
            self.tech.capturing = false;
            self.tech.still = None;
            if self.gpio.led_test().is_some() {
                self.gpio.set_led_test(None);
                self.publish_gpio(false);
            }
        }
    }

    pub(super) fn close_technician(&mut self, why: &str) {
        if !self.tech.is_active() {
            return;
        }
        let was_open = self.tech.tab().is_some();
        self.leave_tab();
        if was_open {
            self.tech.audit("logout", why.to_string());
        }
        self.tech.close();
        log::info!("technician screens closed: {why}");
    }

    /// The desk closes itself when left alone.
    pub(super) fn technician_tick(&mut self, now_ms: u64) {
        if self.tech.idle(now_ms) {
            self.close_technician("closed after 5 minutes without a touch");
        }
    }

    /// A card on the reader while the desk is open: shown masked when the test waits for
    /// one, never a session's.
    /// While the technician's screens are open, a card read and a still are the tests'.
    pub(super) fn technician_takes(report: &Inbound) -> bool {
        matches!(
            report,
            Inbound::Reader(ReaderEvent::CardRead(_) | ReaderEvent::ReadFailed { .. }) | Inbound::Camera(_)
        )
    }

    pub(super) fn technician_report_in(&mut self, report: Inbound) {
        match report {
            Inbound::Reader(ReaderEvent::CardRead(card)) => self.technician_card(card),
            Inbound::Reader(ReaderEvent::ReadFailed { detail, .. }) => self.technician_read_failed(&detail),
            Inbound::Camera(done) => self.technician_capture(done),
            _ => {}
        }
    }

    pub(super) fn technician_card(&mut self, card: Box<Card>) {
        if self.tech.reading_card {
            self.tech.reading_card = false;
            if let Some(reader) = &self.reader {
                reader.stop_reading();
            }
            let person = card.person();
            let kind = person.id.kind();
            self.tech
                .audit("test-read-card", format!("read {} {}", kind.code(), person.id.masked()));
            self.tech.notice = Some(TechNotice::CardRead {
                kind,
                id_masked: person.id.masked(),
                name_masked: person.name.as_deref().map(mask_name).unwrap_or_default(),
                photo_bytes: card.photo.len(),
            });
        }
    }

    pub(super) fn technician_read_failed(&mut self, detail: &str) {
        if self.tech.reading_card {
            self.tech.notice = Some(TechNotice::CardFailed(detail.to_string()));
            self.tech.audit("test-read-card", format!("failed: {detail}"));
        }
    }

    /// A still finished while the desk is open: summarised, then forgotten.
    pub(super) fn technician_capture(&mut self, done: crate::app::camera::CaptureDone) {
        self.tech.capturing = false;
        match self.shared.camera.finished(done) {
            Some(Ok(code)) => {
                if let Some(photo) = self.shared.camera.take(&code) {
                    let kb = photo.jpeg.len() / 1024;
                    self.tech.audit(
                        "test-capture",
                        format!(
                            "{}x{}, {kb} KB, page found: {}",
                            photo.width, photo.height, photo.page_found
                        ),
                    );
                    self.tech.notice = Some(TechNotice::Captured {
                        width: photo.width,
                        height: photo.height,
                        kb,
                        page_found: photo.page_found,
                    });
                    self.tech.still = Some(photo.thumbnail);
                }
            }
            Some(Err(e)) => {
                self.tech.audit("test-capture", format!("failed: {}", e.kind()));
                self.tech.notice = Some(TechNotice::CaptureFailed(format!("{} ({e})", e.kind())));
            }
            None => {}
        }
    }

    pub(super) fn technician_report(&mut self, report: TechReport) {
        let was_pin = self.tech.stage() == Stage::Pin;
        self.tech.finished(report, &self.shared.config);
        if was_pin && self.tech.tab().is_some() {
            log::info!("technician screens opened");
        }
    }

    pub(super) fn technician_printed(&mut self, done: Completion) {
        let Completion::TechPrinted { receipt_no, outcome } = done else {
            return;
        };
        if let Ok(outcome) = &outcome {
            self.gpio.note_print(outcome);
            self.record_print_health(outcome);
        }
        let (action, what) = match &receipt_no {
            Some(receipt) => ("reprint", receipt.clone()),
            None => ("test-print", "test page".to_string()),
        };
        let (notice, detail) = match (outcome, receipt_no) {
            (Ok(crate::app::printing::PrintOutcome::Printed { .. }), Some(receipt)) => {
                (TechNotice::Reprinted(receipt), "printed".to_string())
            }
            (Ok(crate::app::printing::PrintOutcome::Printed { .. }), None) => (TechNotice::Printed, "printed".into()),
            (Ok(crate::app::printing::PrintOutcome::ShowQrInstead { reason, .. }), _) | (Err(reason), _) => (
                TechNotice::PrintFailed(reason.clone()),
                format!("not printed: {reason}"),
            ),
        };
        self.tech.audit(action, format!("{what}: {detail}"));
        if !self.tech.is_active() {
            return;
        }
        self.tech.notice = Some(notice);
        if action == "reprint" {
            self.tech.refresh();
        }
    }
}
