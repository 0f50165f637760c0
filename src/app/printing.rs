//! Printing a receipt without ever printing it twice by accident: the intent is stored
//! before any byte goes out and the outcome after. A printer that cannot print (paper out,
//! cover open, offline, no answer) gets nothing: the UI shows the receipt's QR instead and
//! the receipt waits in the reprint queue for a technician.

use crate::devices::printer::encode::{encode, EncodeError, EncodeOptions, EncodeReport};
use crate::devices::printer::font::ReceiptFont;
use crate::devices::printer::layout::receipt_layout;
use crate::devices::printer::profile::PrinterProfile;
use crate::devices::printer::ReceiptPrinter;
use crate::devices::DeviceErrorKind;
use crate::domain::receipt::Receipt;
use crate::domain::Lang;
use crate::storage::{StorageError, Store};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrintOutcome {
    Printed {
        warning: Option<&'static str>,
    },
    /// Not printed: show the QR on screen; the receipt is in the reprint queue.
    ShowQrInstead {
        kind: DeviceErrorKind,
        reason: String,
    },
}

impl PrintOutcome {
    /// What a print attempt means for the citizen: printed (maybe with a warning for the
    /// operators), or not printed and the QR goes on screen.
    pub fn of(
        result: Result<crate::devices::printer::PrintReport, crate::devices::printer::PrinterError>,
    ) -> PrintOutcome {
        match result {
            Ok(report) => PrintOutcome::Printed {
                warning: report.warning(),
            },
            Err(error) => PrintOutcome::ShowQrInstead {
                kind: error.kind(),
                reason: error.to_string(),
            },
        }
    }

    /// The outcome as stored with the print intent: printed?, and the detail.
    pub fn record(&self) -> (bool, &str) {
        match self {
            PrintOutcome::Printed { warning } => (true, warning.unwrap_or("printed")),
            PrintOutcome::ShowQrInstead { reason, .. } => (false, reason),
        }
    }
}

/// The ESC/POS job for a receipt on a given printer.
pub fn receipt_job(
    receipt: &Receipt,
    lang: Lang,
    profile: &PrinterProfile,
    font: Option<&ReceiptFont>,
) -> Result<(Vec<u8>, EncodeReport), EncodeError> {
    encode(
        &receipt_layout(receipt, lang, profile.code128),
        profile,
        font,
        EncodeOptions::default(),
    )
}

/// The receipt as the printer will print it: the job's own bytes through the paper model,
/// so the screen shows exactly what comes out of the printer.
pub fn paper_preview(
    bytes: &[u8],
    profile: &PrinterProfile,
    font: Option<std::sync::Arc<ReceiptFont>>,
) -> crate::devices::printer::raster::Bitmap {
    let mut paper = crate::devices::printer::paper::Paper::new(profile.dots_per_line, font);
    paper.feed(bytes);
    paper.tear()
}

pub fn print_receipt(
    store: &mut Store,
    printer: &mut dyn ReceiptPrinter,
    receipt_no: &str,
    job: &[u8],
    now: i64,
) -> Result<PrintOutcome, StorageError> {
    let intent = store.print_intent(receipt_no, now)?;
    let outcome = PrintOutcome::of(printer.print(job));
    let (printed, detail) = outcome.record();
    store.print_outcome(intent, printed, detail, crate::storage::now_unix())?;
    match &outcome {
        PrintOutcome::Printed { warning: Some(warning) } => log::warn!("printer: {warning}"),
        PrintOutcome::ShowQrInstead { reason, .. } => log::warn!("printer: receipt {receipt_no} not printed: {reason}"),
        PrintOutcome::Printed { warning: None } => {}
    }
    Ok(outcome)
}
