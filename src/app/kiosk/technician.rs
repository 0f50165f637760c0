//! `KioskApp`'s side of the technician screens: it lends the desk
//! (`app::technician_desk`, a controller) the devices the app owns for each intent and
//! report, and publishes the GPIO's signals after (the LED test). While the desk is open
//! the citizen's pages take no input, and a card read or a still goes to the desk, not to
//! a session.

use super::KioskApp;
use crate::app::inbox::Inbound;
use crate::app::technician_desk::{Bench, TechAction, TechDesk};
use crate::app::worker::Completion;
use crate::devices::card_reader::ReaderEvent;

impl KioskApp {
    pub fn technician(&self) -> &TechDesk {
        &self.tech
    }

    pub fn technician_mut(&mut self) -> &mut TechDesk {
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

    /// The devices the desk may use for one call.
    fn bench(&mut self) -> (&mut TechDesk, Bench<'_>) {
        let bench = Bench {
            shared: &mut self.shared,
            reader: self.reader.as_deref(),
            gpio: &mut self.gpio,
        };
        (&mut self.tech, bench)
    }

    pub(super) fn on_technician(&mut self, action: TechAction, now_ms: u64) {
        let (desk, bench) = self.bench();
        desk.on_intent(action, now_ms, bench);
        self.publish_gpio(false);
    }

    /// The desk closes itself when left alone.
    pub(super) fn technician_tick(&mut self, now_ms: u64) {
        if self.tech.idle(now_ms) {
            let (desk, bench) = self.bench();
            desk.close_for("closed after 5 minutes without a touch", bench);
            self.publish_gpio(false);
        }
    }

    /// While the technician's screens are open, a card read and a still are the tests'.
    pub(super) fn technician_takes(report: &Inbound) -> bool {
        matches!(
            report,
            Inbound::Reader(ReaderEvent::CardRead(_) | ReaderEvent::ReadFailed { .. }) | Inbound::Camera(_)
        )
    }

    pub(super) fn technician_report_in(&mut self, report: Inbound) {
        match report {
            Inbound::Reader(ReaderEvent::CardRead(card)) => self.tech.on_card(card, self.reader.as_deref()),
            Inbound::Reader(ReaderEvent::ReadFailed { detail, .. }) => self.tech.on_read_failed(&detail),
            Inbound::Camera(done) => self.tech.on_capture(done, &mut self.shared),
            _ => {}
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
        self.tech.on_printed(receipt_no, outcome);
    }
}
