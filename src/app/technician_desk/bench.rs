//! The technician desk as a controller: its intents ([`TechAction`]) and the reports meant
//! for it (a test card read, a test still, a test page or reprint), carried out on the
//! devices the app lends it for the call ([`Bench`]): the card reader, the document camera
//! and the worker (in [`Shared`]), and the GPIO link for the LED test. Each test action is
//! audited; what a tab started stops when the technician leaves it. The router
//! (`app::kiosk`) only decides that an intent or report is the desk's.

use super::{Stage, TechAction, TechDesk, TechNotice, TechReport, TechTab};
use crate::app::camera::CaptureDone;
use crate::app::gpio_service::GpioLink;
use crate::app::printing::PrintOutcome;
use crate::app::shared::Shared;
use crate::app::worker::Job;
use crate::devices::card_reader::{Card, CardReader};
use crate::domain::masking::mask_name;
use crate::domain::session::Step;

/// The camera's code for the technician's test still.
pub const TEST_STILL: &str = "technician-test";

/// What the desk may use during one call: the app's devices, lent.
pub struct Bench<'a> {
    pub shared: &'a mut Shared,
    pub reader: Option<&'a dyn CardReader>,
    /// The LED test is set here; the router publishes the GPIO's signals after the call.
    pub gpio: &'a mut GpioLink,
}

impl TechDesk {
    /// One technician intent (the router sends it only while the desk is open, or the
    /// hidden gesture on the welcome page).
    pub fn on_intent(&mut self, action: TechAction, now_ms: u64, bench: Bench) {
        self.touch(now_ms);
        let in_tab = |desk: &TechDesk, tab| desk.tab() == Some(tab);
        match action {
            TechAction::SecretTap if bench.shared.session.step == Step::Welcome && !self.is_active() => {
                self.secret_tap(now_ms);
            }
            TechAction::PinKey(key) => self.pin_key(&key),
            TechAction::PinSubmit => self.submit_pin(bench.shared.config.technician.pin_hash.clone()),
            TechAction::Tab(code) => {
                if let Some(tab) = TechTab::from_code(&code) {
                    self.leave_tab(bench.shared, bench.reader, bench.gpio);
                    self.open_tab(tab, &bench.shared.config);
                    if tab == TechTab::Tests {
                        bench.shared.camera.open();
                    }
                }
            }
            TechAction::Refresh => self.refresh(),
            TechAction::ReadCard if in_tab(self, TechTab::Tests) => self.read_card_test(bench.reader),
            TechAction::TestPrint if in_tab(self, TechTab::Tests) => {
                self.notice = Some(TechNotice::Printing);
                let s = &bench.shared;
                s.worker.send(Job::TestPrint {
                    kiosk_id: s.config.kiosk.id.clone(),
                    printed_at: format!("{} {}", s.today(), s.clock_text()),
                });
            }
            TechAction::Capture if in_tab(self, TechTab::Tests) => self.capture_test(bench.shared),
            TechAction::ToggleLeds if in_tab(self, TechTab::Tests) => self.toggle_leds(bench.gpio),
            TechAction::Retry(id) if in_tab(self, TechTab::Outbox) => self.retry(id),
            TechAction::Reprint(receipt_no) if in_tab(self, TechTab::Reprints) => {
                self.notice = Some(TechNotice::Printing);
                bench.shared.worker.send(Job::Reprint {
                    receipt_no,
                    lang: bench.shared.config.ui.default_language,
                });
            }
            TechAction::SettingStep(index, up) if in_tab(self, TechTab::Settings) => {
                if let Some(draft) = &mut self.settings {
                    draft.step(index, up);
                }
            }
            TechAction::SaveSettings if in_tab(self, TechTab::Settings) => self.save_settings(),
            TechAction::Restart if self.tab().is_some() => {
                self.audit("restart", "restart asked on the touchscreen");
                log::info!("technician: restart asked");
                self.request_restart();
            }
            TechAction::Close => self.close_for("left by the technician", bench),
            _ => {}
        }
    }

    /// 读卡测试: the reader waits for one card, shown masked.
    fn read_card_test(&mut self, reader: Option<&dyn CardReader>) {
        match reader {
            Some(reader) => {
                reader.start_reading();
                self.reading_card = true;
                self.notice = Some(TechNotice::CardWaiting);
            }
            None => self.notice = Some(TechNotice::CardFailed("no card reader".into())),
        }
    }

    /// 拍照测试: a still from the document camera (shown, never kept), or why not.
    fn capture_test(&mut self, shared: &mut Shared) {
        if shared.camera.capture(TEST_STILL) {
            self.capturing = true;
            self.notice = Some(TechNotice::Capturing);
        } else {
            let why = match shared.camera.open_error() {
                Some(e) => format!("{} ({e})", e.kind()),
                None if shared.camera.starting() => "the camera is starting".to_string(),
                None => "no camera".to_string(),
            };
            self.notice = Some(TechNotice::CaptureFailed(why));
        }
    }

    /// 指示灯测试: all on → all off → as the kiosk decides, audited.
    fn toggle_leds(&mut self, gpio: &mut GpioLink) {
        let next = match gpio.led_test() {
            None => Some(true),
            Some(true) => Some(false),
            Some(false) => None,
        };
        gpio.set_led_test(next);
        self.notice = Some(if gpio.connected() {
            TechNotice::Leds(next)
        } else {
            TechNotice::NoGpio
        });
        let state = next.map_or("as the kiosk decides", |on| if on { "all on" } else { "all off" });
        self.audit("leds", format!("LED test: {state}"));
    }

    /// What a tab started stops when the technician leaves it.
    fn leave_tab(&mut self, shared: &mut Shared, reader: Option<&dyn CardReader>, gpio: &mut GpioLink) {
        if self.reading_card {
            if let Some(reader) = reader {
                reader.stop_reading();
            }
            self.reading_card = false;
        }
        if self.tab() == Some(TechTab::Tests) {
            shared.camera.forget();
            self.capturing = false;
            self.still = None;
            gpio.set_led_test(None);
        }
    }

    /// Closes the desk (left, timed out, or the session's wipe), audited when a tab was open.
    pub fn close_for(&mut self, why: &str, bench: Bench) {
        if !self.is_active() {
            return;
        }
        let was_open = self.tab().is_some();
        self.leave_tab(bench.shared, bench.reader, bench.gpio);
        if was_open {
            self.audit("logout", why.to_string());
        }
        self.close();
        log::info!("technician screens closed: {why}");
    }

    /// A card on the reader while the desk is open: shown masked when the test waits for
    /// one, never a session's.
    pub fn on_card(&mut self, card: Box<Card>, reader: Option<&dyn CardReader>) {
        if !self.reading_card {
            return;
        }
        self.reading_card = false;
        if let Some(reader) = reader {
            reader.stop_reading();
        }
        let person = card.person();
        let kind = person.id.kind();
        self.audit("test-read-card", format!("read {} {}", kind.code(), person.id.masked()));
        self.notice = Some(TechNotice::CardRead {
            kind,
            id_masked: person.id.masked(),
            name_masked: person.name.as_deref().map(mask_name).unwrap_or_default(),
            photo_bytes: card.photo.len(),
        });
    }

    pub fn on_read_failed(&mut self, detail: &str) {
        if self.reading_card {
            self.notice = Some(TechNotice::CardFailed(detail.to_string()));
            self.audit("test-read-card", format!("failed: {detail}"));
        }
    }

    /// A still finished while the desk is open: summarised, then forgotten.
    pub fn on_capture(&mut self, done: CaptureDone, shared: &mut Shared) {
        self.capturing = false;
        match shared.camera.finished(done) {
            Some(Ok(code)) => {
                if let Some(photo) = shared.camera.take(&code) {
                    let kb = photo.jpeg.len() / 1024;
                    let (width, height, page_found) = (photo.width, photo.height, photo.page_found);
                    self.audit(
                        "test-capture",
                        format!("{width}x{height}, {kb} KB, page found: {page_found}"),
                    );
                    self.notice = Some(TechNotice::Captured {
                        width,
                        height,
                        kb,
                        page_found,
                    });
                    self.still = Some(photo.thumbnail);
                }
            }
            Some(Err(e)) => {
                self.audit("test-capture", format!("failed: {}", e.kind()));
                self.notice = Some(TechNotice::CaptureFailed(format!("{} ({e})", e.kind())));
            }
            None => {}
        }
    }

    /// The desk's own thread finished a job (PIN check, snapshot, retry, settings saved).
    pub fn on_report(&mut self, report: TechReport, config: &crate::config::Config) {
        let was_pin = self.stage() == Stage::Pin;
        self.finished(report, config);
        if was_pin && self.tab().is_some() {
            log::info!("technician screens opened");
        }
    }

    /// The worker printed (or not) the test page or a reprint.
    pub fn on_printed(&mut self, receipt_no: Option<String>, outcome: Result<PrintOutcome, String>) {
        let (action, what) = match &receipt_no {
            Some(receipt) => ("reprint", receipt.clone()),
            None => ("test-print", "test page".to_string()),
        };
        let (notice, detail) = match (outcome, receipt_no) {
            (Ok(PrintOutcome::Printed { .. }), Some(receipt)) => (TechNotice::Reprinted(receipt), "printed".into()),
            (Ok(PrintOutcome::Printed { .. }), None) => (TechNotice::Printed, "printed".into()),
            (Ok(PrintOutcome::ShowQrInstead { reason, .. }), _) | (Err(reason), _) => (
                TechNotice::PrintFailed(reason.clone()),
                format!("not printed: {reason}"),
            ),
        };
        self.audit(action, format!("{what}: {detail}"));
        if !self.is_active() {
            return;
        }
        self.notice = Some(notice);
        if action == "reprint" {
            self.refresh();
        }
    }
}
