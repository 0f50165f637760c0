//! Presenter of the 咨询投诉 page (the keyboard's candidate bar is rendered with it).

use super::intents;
use crate::app::consult::ConsultAction as A;
use crate::app::intent::Intent;
use crate::app::kiosk::KioskApp;
use crate::app::view::consult::consult;
use crate::ui::convert::{int, s};
use crate::ui::generated::*;
use crate::ui::Shell;
use slint::ComponentHandle;
use std::rc::Rc;

pub fn connect(shell: &Rc<Shell>) {
    let act = Intent::Consult;
    intents!(shell, ConsultAdapter {
        on_choose_kind(code) => act(A::Kind(code.to_string()));
        on_choose_topic(code) => act(A::Topic(code.to_string()));
        on_phrase(text) => act(A::Phrase(text.to_string()));
        on_to_phone() => act(A::ToPhone);
        on_phone_key(key) => act(A::PhoneKey(key.to_string()));
        on_send() => act(A::Send);
        on_stage_back() => act(A::Back);
        back_and_cancel;
    });
}

pub fn render(w: &AppWindow, app: &KioskApp) {
    let view = consult(app);
    let c = w.global::<ConsultAdapter>();
    c.set_stage(s(view.stage));
    c.set_kind(s(view.kind));
    c.set_topic(s(view.topic));
    c.set_text(s(&view.text));
    c.set_room(int(view.room));
    c.set_phone(s(&view.phone));
    c.set_ticket(s(&view.ticket));
    c.set_busy(view.busy);
    c.set_error(s(&view.error));
}
