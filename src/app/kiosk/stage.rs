//! Staging for screenshots and the gallery: a page shown as if the citizen had got there.

use super::KioskApp;
use crate::devices::printer::font::ReceiptFont;
use crate::devices::printer::profile::PrinterProfile;
use crate::domain::receipt::Receipt;
use crate::domain::session::{PrintState, Step};

impl KioskApp {
    /// Shows a receipt as if it had just been stored and printed: renders the preview on
    /// the calling thread.
    pub fn stage_receipt(&mut self, receipt: Receipt, print: PrintState, profile: &PrinterProfile) {
        let font = ReceiptFont::shared();
        if let Ok((bytes, _)) = crate::app::printing::receipt_job(&receipt, self.lang(), profile, font.as_deref()) {
            self.journey.receipt_preview = Some(crate::app::printing::paper_preview(&bytes, profile, font));
        }
        let session = &mut self.shared.session;
        session.data.receipt = Some(receipt);
        session.data.print = print;
        session.step = Step::Receipt;
    }

    /// Shows the submitting step.
    pub fn stage_submitting(&mut self) {
        self.shared.session.step = Step::Submitting;
    }

    /// The receipt is out and the card still lies on the reader: 请取回身份证 (screenshots).
    pub fn stage_card_reminder(&mut self, now_ms: u64) {
        self.card_reminder.card_read();
        self.card_reminder.remind(now_ms);
    }
}
