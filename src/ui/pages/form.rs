//! Presenter of the form page: fields, choices, the keypad for the active field.

use super::intents;
use crate::app::intent::{Intent, JourneyIntent};
use crate::app::kiosk::KioskApp;
use crate::app::view::form::form;
use crate::ui::convert::{int, model, s};
use crate::ui::generated::*;
use crate::ui::Shell;
use slint::ComponentHandle;
use std::rc::Rc;

fn index(i: i32) -> usize {
    usize::try_from(i).unwrap_or(usize::MAX)
}

pub fn connect(shell: &Rc<Shell>) {
    use JourneyIntent as J;
    let journey = Intent::Journey;
    intents!(shell, FormAdapter {
        on_activate(i) => journey(J::ActivateField(index(i)));
        on_choose(i, value) => journey(J::ChooseOption { field: index(i), value: value.to_string() });
        on_key(key) => journey(J::FieldKey(key.to_string()));
        on_submit() => journey(J::SubmitForm);
        back_and_cancel;
    });
}

pub fn render(w: &AppWindow, app: &KioskApp) {
    let view = form(app);
    let a = w.global::<FormAdapter>();
    a.set_item_name(s(&view.item_name));
    a.set_fields(model(
        view.fields
            .iter()
            .map(|f| FieldVm {
                code: s(&f.code),
                label: s(&f.label),
                kind: s(f.kind),
                value: s(&f.value),
                error: s(&f.error),
                required: f.required,
                locked: f.locked,
                options: model(
                    f.choices
                        .iter()
                        .map(|c| OptionVm {
                            value: s(&c.value),
                            label: s(&c.label),
                        })
                        .collect(),
                ),
            })
            .collect(),
    ));
    a.set_active(int(view.active));
}
