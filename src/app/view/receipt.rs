//! The submitting and receipt page: the printer's own rendering of the receipt, the print
//! state, and the receipt's QR on screen when the printer could not print it.

use super::Picture;
use crate::app::kiosk::KioskApp;
use crate::devices::printer::raster::qr_bitmap;
use crate::domain::session::{PrintState, Step};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrintLight {
    Printing,
    Printed,
    /// Not printed: scan the QR instead.
    Qr,
}

impl PrintLight {
    pub fn code(self) -> &'static str {
        match self {
            PrintLight::Printing => "printing",
            PrintLight::Printed => "printed",
            PrintLight::Qr => "qr",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptView {
    pub submitting: bool,
    pub number: String,
    pub print: PrintLight,
    pub preview: Option<Picture>,
    pub qr: Option<Picture>,
}

pub fn receipt(app: &KioskApp) -> ReceiptView {
    let data = &app.session().data;
    let print = match data.print {
        PrintState::Printed => PrintLight::Printed,
        PrintState::ShowQr => PrintLight::Qr,
        PrintState::NotStarted | PrintState::Printing => PrintLight::Printing,
    };
    ReceiptView {
        submitting: app.session().step == Step::Submitting,
        number: data
            .receipt
            .as_ref()
            .map(|r| r.number.as_str().to_string())
            .unwrap_or_default(),
        print,
        preview: app.receipt_preview().cloned(),
        qr: match (&data.receipt, print) {
            (Some(r), PrintLight::Qr) => qr_bitmap(&r.progress_url, 8, qrcode::EcLevel::M).ok(),
            _ => None,
        },
    }
}
