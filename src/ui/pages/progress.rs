//! Presenter of the 查询进度 page.

use super::intents;
use crate::app::intent::{Intent, ProgressIntent};
use crate::app::kiosk::KioskApp;
use crate::app::view::progress::{next_step, progress};
use crate::ui::convert::{model, s};
use crate::ui::generated::*;
use crate::ui::Shell;
use slint::ComponentHandle;
use std::rc::Rc;

pub fn connect(shell: &Rc<Shell>) {
    use ProgressIntent as P;
    let progress = Intent::Progress;
    intents!(shell, ProgressAdapter {
        on_key(key) => progress(P::Key(key.to_string()));
        on_search() => progress(P::Search);
        on_again() => progress(P::Again);
        on_supply(receipt) => progress(P::SupplyStart(receipt.to_string()));
        on_supply_submit() => progress(P::SupplySubmit);
        on_supply_close() => progress(P::SupplyClose);
        back_and_cancel;
    });
}

pub fn render(w: &AppWindow, app: &KioskApp) {
    let view = progress(app);
    let lang = app.lang();
    let a = w.global::<ProgressAdapter>();
    a.set_typed(s(&view.typed));
    a.set_asking_tail(view.asking_tail);
    a.set_id_tail(s(&view.id_tail));
    a.set_searching(view.searching);
    a.set_answered(view.answered);
    a.set_by_card(view.by_card);
    a.set_error(s(&view.error));
    a.set_rows(model(
        view.rows
            .iter()
            .map(|r| ProgressRowVm {
                receipt_no: s(&r.receipt_no),
                item: s(&r.item),
                status: s(r.status),
                status_label: s(&r.status_label),
                message: s(&r.message),
                expected_on: s(&r.expected_on),
                next_step: s(next_step(r.status, lang)),
            })
            .collect(),
    ));
    match &view.supply {
        Some(supply) => {
            a.set_supply_open(true);
            a.set_supply_item(s(&supply.item));
            a.set_supply_message(s(&supply.message));
            a.set_supply_state(s(supply.state));
            a.set_supply_error(s(&supply.error));
            super::materials::show_rows_and_camera(w, &supply.rows, &supply.camera);
            super::materials::refresh_preview(w, app, &mut 0);
        }
        None => {
            a.set_supply_open(false);
            a.set_supply_message(s(""));
        }
    }
}
