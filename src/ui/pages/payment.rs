//! Presenter of the payment page.

use super::intents;
use crate::app::intent::{Intent, PaymentIntent};
use crate::app::kiosk::KioskApp;
use crate::app::view::payment::payment;
use crate::ui::convert::{image_or_empty, s};
use crate::ui::generated::*;
use crate::ui::Shell;
use slint::ComponentHandle;
use std::rc::Rc;

pub fn connect(shell: &Rc<Shell>) {
    intents!(shell, PaymentAdapter {
        on_simulate_paid() => Intent::Payment(PaymentIntent::SimulatePaid);
        on_retry() => Intent::Payment(PaymentIntent::Retry);
        back_and_cancel;
    });
}

/// Moves only the countdown (every clock tick while the page shows).
pub fn render_time_left(w: &AppWindow, app: &KioskApp) {
    if let Some((left, short)) = crate::app::view::payment::time_left(app) {
        let a = w.global::<PaymentAdapter>();
        a.set_time_left(s(&left));
        a.set_time_short(short);
    }
}

pub fn render(w: &AppWindow, app: &KioskApp) {
    let view = payment(app);
    let a = w.global::<PaymentAdapter>();
    a.set_amount(s(&view.amount));
    a.set_simulated(view.simulated);
    a.set_qr(image_or_empty(view.qr.as_ref()));
    a.set_error(s(&view.error));
    a.set_phase(s(view.phase));
    a.set_time_left(s(&view.time_left));
    a.set_time_short(view.time_short);
    a.set_can_retry(view.can_retry);
}
