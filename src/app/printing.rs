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

pub fn print_receipt(
    store: &mut Store,
    printer: &mut dyn ReceiptPrinter,
    receipt_no: &str,
    job: &[u8],
    now: i64,
) -> Result<PrintOutcome, StorageError> {
    let intent = store.print_intent(receipt_no, now)?;
    match printer.print(job) {
        Ok(report) => {
            store.print_outcome(
                intent,
                true,
                report.warning().unwrap_or("printed"),
                crate::storage::now_unix(),
            )?;
            if let Some(warning) = report.warning() {
                log::warn!("printer: {warning}");
            }
            Ok(PrintOutcome::Printed {
                warning: report.warning(),
            })
        }
        Err(error) => {
            let reason = error.to_string();
            store.print_outcome(intent, false, &reason, crate::storage::now_unix())?;
            log::warn!("printer: receipt {receipt_no} not printed: {reason}");
            Ok(PrintOutcome::ShowQrInstead {
                kind: error.kind(),
                reason,
            })
        }
    }
}
