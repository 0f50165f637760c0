//! The payment page: the amount and the payment QR (simulated until the central system's
//! payment orders land; the simulated "paid" button exists only on simulated devices).

use super::{error_on, yuan, Picture};
use crate::app::kiosk::KioskApp;
use crate::devices::printer::raster::qr_bitmap;
use crate::domain::session::Step;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaymentView {
    pub amount: String,
    pub qr: Option<Picture>,
    pub simulated: bool,
    pub error: String,
}

pub fn payment(app: &KioskApp) -> PaymentView {
    let Some(plan) = &app.session().data.plan else {
        return PaymentView::default();
    };
    let item = &plan.item;
    PaymentView {
        amount: yuan(item.fee_fen).unwrap_or_default(),
        qr: qr_bitmap(
            &format!("SIMULATED-PAYMENT:{}:{}", item.code, item.fee_fen),
            8,
            qrcode::EcLevel::M,
        )
        .ok(),
        simulated: app.simulated(),
        error: error_on(app, Step::Payment),
    }
}
