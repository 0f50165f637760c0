//! Presenter of the delivery address page and of the on-screen text keyboard.

use super::intents;
use crate::app::intent::{AddressIntent, Intent, KeyboardIntent};
use crate::app::kiosk::KioskApp;
use crate::app::view::address::address;
use crate::app::view::keyboard::keyboard;
use crate::ui::convert::{int, model, s};
use crate::ui::generated::*;
use crate::ui::Shell;
use slint::{ComponentHandle, Model};
use std::rc::Rc;

pub fn connect(shell: &Rc<Shell>) {
    use AddressIntent as A;
    use KeyboardIntent as K;
    let (address, keys) = (Intent::Address, Intent::Keys);
    intents!(shell, AddressAdapter {
        on_choose(code) => address(A::Choose(code.to_string()));
        on_up() => address(A::Up);
        on_pick_place() => address(A::PickPlace);
        on_activate(i) => address(A::Field(usize::try_from(i).unwrap_or(0)));
        on_from_card() => address(A::FromCard);
        on_key(key) => keys(K::Key(key.to_string()));
        on_confirm() => address(A::Confirm);
        on_cancel() => address(A::Cancel);
    });
    intents!(shell, KeyboardAdapter {
        on_key(key) => keys(K::Key(key.to_string()));
        on_pick(i) => keys(K::PickCandidate(usize::try_from(i).unwrap_or(usize::MAX)));
        on_page(delta) => keys(K::CandidatePage(delta as isize));
        on_set_mode(mode) => keys(K::Mode(mode.to_string()));
        on_stroke(path) => keys(K::Stroke(crate::app::text_entry::stroke_points(&path)));
        on_clear_ink() => keys(K::ClearInk);
    });
}

pub fn render(w: &AppWindow, app: &KioskApp) {
    let view = address(app);
    let a = w.global::<AddressAdapter>();
    let places = |list: &[crate::app::view::address::Place]| {
        model(
            list.iter()
                .map(|p| PlaceVm {
                    code: s(&p.code),
                    name: s(&p.name),
                })
                .collect(),
        )
    };
    a.set_path(places(&view.path));
    a.set_choices(places(&view.choices));
    a.set_street(s(&view.street));
    a.set_recipient(s(&view.recipient));
    a.set_phone(s(&view.phone));
    a.set_active(int(view.active));
    a.set_problems(model(view.problems.iter().map(s).collect()));
    a.set_card_address(view.card_address);
    a.set_keys(view.keys);
    render_keyboard(w, app);
}

/// The keyboard's candidate bar and mode (on the form and address pages).
pub fn render_keyboard(w: &AppWindow, app: &KioskApp) {
    let view = keyboard(app);
    let k = w.global::<KeyboardAdapter>();
    k.set_buffer(s(&view.buffer));
    // A new model rebuilds the candidate bar's buttons, which ends a press under the finger
    // (a stroke on the pad below it): set it only when the words change.
    let shown = k.get_candidates();
    if shown.row_count() != view.candidates.len() || shown.iter().zip(&view.candidates).any(|(a, b)| a.as_str() != b) {
        k.set_candidates(model(view.candidates.iter().map(s).collect()));
    }
    k.set_has_prev(view.has_prev);
    k.set_has_next(view.has_next);
    k.set_mode(s(view.mode));
    k.set_ink(s(&view.ink));
}
