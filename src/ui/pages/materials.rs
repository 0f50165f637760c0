//! Presenter of the materials page.

use super::on;
use crate::app::intent::Intent;
use crate::app::kiosk::KioskApp;
use crate::app::view::materials::materials;
use crate::domain::session::Event;
use crate::ui::convert::{model, s};
use crate::ui::generated::*;
use crate::ui::Shell;
use slint::ComponentHandle;
use std::rc::Rc;

pub fn connect(shell: &Rc<Shell>) {
    on!(shell, MaterialsAdapter, on_capture, |code| Intent::CaptureMaterial(
        code.to_string()
    ));
    on!(shell, MaterialsAdapter, on_promise, |code| Intent::PromiseMaterial(
        code.to_string()
    ));
    on!(shell, MaterialsAdapter, on_done, || Intent::Session(
        Event::MaterialsDone
    ));
    on!(shell, MaterialsAdapter, on_back, || Intent::Session(Event::Back));
    on!(shell, MaterialsAdapter, on_cancel, || Intent::Session(Event::Cancel));
}

pub fn render(w: &AppWindow, app: &KioskApp) {
    let view = materials(app);
    let a = w.global::<MaterialsAdapter>();
    a.set_materials(model(
        view.rows
            .iter()
            .map(|r| MaterialStateVm {
                code: s(&r.code),
                name: s(&r.name),
                mandatory: r.mandatory,
                state: s(r.status.code()),
                deadline: s(&r.deadline),
            })
            .collect(),
    ));
    a.set_error(s(&view.error));
}
