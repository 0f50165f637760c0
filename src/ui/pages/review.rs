//! Presenter of the review page (核对).

use super::intents;
use crate::app::intent::{AddressIntent, Intent, JourneyIntent};
use crate::app::kiosk::KioskApp;
use crate::app::view::review::review;
use crate::domain::session::{Event, Step};
use crate::ui::convert::{int, model, s};
use crate::ui::generated::*;
use crate::ui::Shell;
use slint::ComponentHandle;
use std::rc::Rc;

fn step_code(step: Option<Step>) -> &'static str {
    match step {
        Some(Step::Identify) => "identify",
        Some(Step::Materials) => "materials",
        Some(Step::Form) => "form",
        _ => "",
    }
}

fn step_of(code: &str) -> Step {
    match code {
        "identify" => Step::Identify,
        "materials" => Step::Materials,
        _ => Step::Form,
    }
}

pub fn connect(shell: &Rc<Shell>) {
    use JourneyIntent as J;
    let journey = Intent::Journey;
    intents!(shell, ReviewAdapter {
        on_edit(step) => journey(J::Edit(step_of(step.as_str())));
        on_set_express(on) => journey(J::SetExpress(on));
        on_set_urgent(on) => journey(J::SetUrgent(on));
        on_other_address() => Intent::Address(AddressIntent::Open);
        on_confirm() => Intent::Session(Event::ConfirmReview);
        back_and_cancel;
    });
}

pub fn render(w: &AppWindow, app: &KioskApp) {
    let view = review(app);
    let a = w.global::<ReviewAdapter>();
    a.set_rows(model(
        view.rows
            .iter()
            .map(|r| ReviewRow {
                kind: s(r.kind.code()),
                label: s(&r.label),
                value: s(&r.value),
                edit: s(step_code(r.edit)),
            })
            .collect(),
    ));
    a.set_captured(int(view.captured));
    a.set_promised(int(view.promised));
    a.set_express_allowed(view.express_allowed);
    a.set_delivery_allowed(view.delivery_allowed);
    a.set_express(view.express);
    a.set_express_elsewhere(view.express_elsewhere);
    a.set_urgent_allowed(view.urgent_allowed);
    a.set_urgent(view.urgent);
    a.set_urgent_days(view.urgent_days as i32);
    a.set_fee(s(view.fee.as_deref().unwrap_or("")));
    a.set_error(s(&view.error));
}
