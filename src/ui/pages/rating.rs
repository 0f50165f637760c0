//! Presenter of the rating page (好差评: a face, then optional reasons) and the farewell.

use super::on;
use crate::app::intent::Intent;
use crate::app::kiosk::KioskApp;
use crate::app::view::rating::rating;
use crate::domain::rating::RatingReason;
use crate::domain::session::Event;
use crate::ui::convert::{model, s};
use crate::ui::generated::*;
use crate::ui::Shell;
use slint::ComponentHandle;
use std::rc::Rc;

pub fn connect(shell: &Rc<Shell>) {
    on!(shell, RatingAdapter, on_rate, |stars| Intent::Session(Event::Rated(
        stars.clamp(1, 5) as u8
    )));
    let weak = Rc::downgrade(shell);
    shell.window.global::<RatingAdapter>().on_toggle(move |code| {
        if let (Some(shell), Some(reason)) = (weak.upgrade(), RatingReason::from_code(code.as_str())) {
            shell.handle(Intent::Session(Event::ToggleRatingReason(reason)));
        }
    });
    on!(shell, RatingAdapter, on_submit, || Intent::Session(Event::SubmitRating));
    on!(shell, RatingAdapter, on_skip, || Intent::Session(Event::SkipRating));
    on!(shell, RatingAdapter, on_finish, || Intent::Session(Event::Finish));
}

pub fn render(w: &AppWindow, app: &KioskApp) {
    let view = rating(app);
    let a = w.global::<RatingAdapter>();
    a.set_chosen(i32::from(view.chosen));
    // Three reasons a row: the faces, reasons and send button fit a landscape screen's height.
    let rows: Vec<_> = view
        .reasons
        .chunks(3)
        .map(|row| {
            model(
                row.iter()
                    .map(|(reason, picked)| RatingReasonVm {
                        code: s(reason.code()),
                        picked: *picked,
                    })
                    .collect(),
            )
        })
        .collect();
    a.set_reason_rows(model(rows));
}
