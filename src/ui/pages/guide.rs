//! Presenter of the guide page (办事指南).

use super::intents;
use crate::app::intent::Intent;
use crate::app::kiosk::KioskApp;
use crate::app::view::guide::guide;
use crate::domain::session::Event;
use crate::ui::convert::{model, s};
use crate::ui::generated::*;
use crate::ui::Shell;
use slint::ComponentHandle;
use std::rc::Rc;

pub fn connect(shell: &Rc<Shell>) {
    intents!(shell, GuideAdapter {
        on_confirm() => Intent::Session(Event::ConfirmGuide);
        on_set_proxy(on) => Intent::Session(Event::ChooseProxy(on));
        back_and_cancel;
    });
}

pub fn render(w: &AppWindow, app: &KioskApp) {
    let view = guide(app);
    let a = w.global::<GuideAdapter>();
    a.set_name(s(&view.name));
    a.set_summary(s(&view.summary));
    a.set_materials(model(
        view.materials
            .iter()
            .map(|m| MaterialVm {
                name: s(&m.name),
                mandatory: m.mandatory,
                note: s(&m.note),
            })
            .collect(),
    ));
    a.set_fee(s(view.fee.as_deref().unwrap_or("")));
    a.set_free(view.fee.is_none());
    a.set_promised(view.promised_days as i32);
    a.set_statutory(view.statutory_days as i32);
    a.set_urgent(view.urgent_days.map_or(0, |d| d as i32));
    a.set_express_allowed(view.express_allowed);
    a.set_appointment(view.appointment);
    a.set_proxy_allowed(view.proxy_allowed);
    a.set_online_only(view.online_only);
    a.set_proxy(view.proxy);
    a.set_error(s(&view.error));
}
