//! Presenter of the submitting / receipt page.

use super::intents;
use crate::app::intent::Intent;
use crate::app::kiosk::KioskApp;
use crate::app::view::receipt::receipt;
use crate::domain::session::Event;
use crate::ui::convert::{image_or_empty, s};
use crate::ui::generated::*;
use crate::ui::Shell;
use slint::ComponentHandle;
use std::rc::Rc;

pub fn connect(shell: &Rc<Shell>) {
    intents!(shell, ReceiptAdapter {
        on_done() => Intent::Session(Event::ReceiptDone);
    });
}

pub fn render(w: &AppWindow, app: &KioskApp) {
    let view = receipt(app);
    let a = w.global::<ReceiptAdapter>();
    a.set_submitting(view.submitting);
    a.set_number(s(&view.number));
    a.set_print_state(s(view.print.code()));
    a.set_preview(image_or_empty(view.preview.as_ref()));
    a.set_qr(image_or_empty(view.qr.as_ref()));
}
