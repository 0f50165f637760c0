//! Presenter of the 预约 page.

use super::intents;
use crate::app::appointment::AppointmentAction as A;
use crate::app::intent::Intent;
use crate::app::kiosk::KioskApp;
use crate::app::view::appointment::appointment;
use crate::domain::calendar::Date;
use crate::ui::convert::{image_or_empty, model, s};
use crate::ui::generated::*;
use crate::ui::Shell;
use slint::{ComponentHandle, ModelRc};
use std::rc::Rc;

pub fn connect(shell: &Rc<Shell>) {
    let act = Intent::Appointment;
    intents!(shell, AppointmentAdapter {
        on_category(code) => act(A::Category(code.to_string()));
        on_service(code) => act(A::Service(code.to_string()));
        on_day(date) => Date::parse(date.as_str()).map_or(Intent::Touch, |date| act(A::Day(date)));
        on_slot(id) => act(A::Slot(id.to_string()));
        on_phone_key(key) => act(A::PhoneKey(key.to_string()));
        on_book() => act(A::Book);
        on_cancel_booking() => act(A::CancelBooking);
        on_retry() => act(A::Retry);
        on_stage_back() => act(A::Back);
        back_and_cancel;
    });
}

/// `items` in rows of `per_row`.
fn rows<T: Clone + 'static>(items: Vec<T>, per_row: usize) -> ModelRc<ModelRc<T>> {
    model(items.chunks(per_row).map(|row| model(row.to_vec())).collect())
}

pub fn render(w: &AppWindow, app: &KioskApp) {
    let view = appointment(app);
    let a = w.global::<AppointmentAdapter>();
    let choice = |c: &crate::app::view::appointment::Choice| ChoiceVm {
        code: s(&c.code),
        label: s(&c.label),
        chosen: c.chosen,
    };
    a.set_stage(s(view.stage));
    a.set_category_rows(rows(view.categories.iter().map(choice).collect(), 2));
    a.set_items(model(view.items.iter().map(choice).collect()));
    a.set_item_name(s(&view.item_name));
    let days = view.days.iter().map(|d| DayVm {
        date: s(&d.date),
        short: s(&d.short),
        weekday: i32::from(d.weekday),
        chosen: d.chosen,
    });
    a.set_day_rows(rows(days.collect(), 3));
    let slots = view.slots.iter().map(|slot| SlotVm {
        id: s(&slot.id),
        time: s(&slot.time),
        kind: s(slot.kind),
        free: i32::try_from(slot.free).unwrap_or(i32::MAX),
    });
    a.set_slot_rows(rows(slots.collect(), 2));
    a.set_chosen_date(s(&view.chosen_date));
    a.set_chosen_weekday(i32::from(view.chosen_weekday));
    a.set_chosen_time(s(&view.chosen_time));
    a.set_chosen_kind(s(view.chosen_kind));
    a.set_phone(s(&view.phone));
    a.set_booking_no(s(&view.booking_no));
    a.set_qr(image_or_empty(view.qr.as_ref()));
    a.set_slip(s(view.slip));
    a.set_busy(view.busy);
    a.set_error(s(&view.error));
}
