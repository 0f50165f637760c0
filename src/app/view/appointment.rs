//! The 预约 page: which stage the booking is at (service, day and time, phone, booked,
//! cancelled), the choices on each, and the booking with its QR code. Slot kinds and
//! weekdays go to the page as codes; the page words them (`@tr`).

use super::i18n::text;
use super::Picture;
use crate::app::appointment::{AppointmentDesk, Stage};
use crate::app::kiosk::KioskApp;
use crate::central_api::SlotKind;
use crate::devices::printer::raster::qr_bitmap;
use crate::domain::masking::mask_phone;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub code: String,
    pub label: String,
    pub chosen: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayChip {
    /// `YYYY-MM-DD` (what the page sends back).
    pub date: String,
    /// `MM-DD`.
    pub short: String,
    /// 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    pub chosen: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotChip {
    pub id: String,
    /// `HH:MM–HH:MM`.
    pub time: String,
    /// `regular`, `lunch` or `weekend`.
    pub kind: &'static str,
    pub free: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppointmentView {
    /// `service`, `time`, `phone`, `booked` or `cancelled`.
    pub stage: &'static str,
    pub categories: Vec<Choice>,
    pub items: Vec<Choice>,
    pub item_name: String,
    pub days: Vec<DayChip>,
    pub slots: Vec<SlotChip>,
    /// The chosen (or booked) slot: date, weekday, time and kind.
    pub chosen_date: String,
    pub chosen_weekday: u8,
    pub chosen_time: String,
    pub chosen_kind: &'static str,
    /// As typed, grouped 3-4-4; masked once booked.
    pub phone: String,
    pub booking_no: String,
    pub qr: Option<Picture>,
    /// `printing`, `printed` or `not-printed` (booked stage).
    pub slip: &'static str,
    pub busy: bool,
    pub error: String,
}

pub fn kind_code(kind: SlotKind) -> &'static str {
    match kind {
        SlotKind::Regular => "regular",
        SlotKind::Lunch => "lunch",
        SlotKind::Weekend => "weekend",
    }
}

pub fn appointment(app: &KioskApp) -> AppointmentView {
    let desk = app.appointment();
    let lang = app.lang();
    let catalogue = app.catalogue();
    let category = desk
        .category()
        .map(str::to_string)
        .or_else(|| catalogue.categories.first().map(|c| c.code.clone()))
        .unwrap_or_default();
    let mut view = AppointmentView {
        stage: match desk.stage() {
            Stage::Service => "service",
            Stage::Time => "time",
            Stage::Phone => "phone",
            Stage::Booked => "booked",
            Stage::Cancelled => "cancelled",
        },
        busy: desk.busy(),
        error: desk.error().map(|m| text(m, lang).to_string()).unwrap_or_default(),
        item_name: desk
            .item()
            .and_then(|code| catalogue.item(code))
            .map(|item| item.name.get(lang).to_string())
            .unwrap_or_default(),
        ..Default::default()
    };
    match desk.stage() {
        Stage::Service => (view.categories, view.items) = service_choices(app, &category),
        Stage::Time => (view.days, view.slots) = time_choices(desk),
        Stage::Phone => view.phone = grouped_phone(desk.phone()),
        Stage::Booked | Stage::Cancelled => {
            view.phone = mask_phone(desk.phone());
            if let Some(booking) = desk.booking() {
                view.booking_no = booking.booking_no.clone();
                if desk.stage() == Stage::Booked {
                    view.qr = qr_bitmap(&booking.qr_payload, 8, qrcode::EcLevel::M).ok();
                }
            }
            view.slip = match desk.slip() {
                None => "printing",
                Some(true) => "printed",
                Some(false) => "not-printed",
            };
        }
    }
    if let Some(slot) = desk.slot() {
        view.chosen_date = format!("{:02}-{:02}", slot.date.month(), slot.date.day());
        view.chosen_weekday = slot.date.iso_weekday();
        view.chosen_time = format!("{}–{}", slot.start, slot.end);
        view.chosen_kind = kind_code(slot.kind);
    }
    view
}

/// The categories and the services of `category`, the desk's choice marked.
fn service_choices(app: &KioskApp, category: &str) -> (Vec<Choice>, Vec<Choice>) {
    let (desk, lang, catalogue) = (app.appointment(), app.lang(), app.catalogue());
    let categories = catalogue
        .categories
        .iter()
        .map(|c| Choice {
            code: c.code.clone(),
            label: c.name.get(lang).to_string(),
            chosen: c.code == category,
        })
        .collect();
    let items = catalogue
        .items
        .iter()
        .filter(|i| i.category == category)
        .map(|i| Choice {
            code: i.code.clone(),
            label: i.name.get(lang).to_string(),
            chosen: desk.item() == Some(i.code.as_str()),
        })
        .collect();
    (categories, items)
}

/// The days with free places, and the slots of the chosen day.
fn time_choices(desk: &AppointmentDesk) -> (Vec<DayChip>, Vec<SlotChip>) {
    let days = desk
        .days()
        .into_iter()
        .map(|d| DayChip {
            date: d.to_string(),
            short: format!("{:02}-{:02}", d.month(), d.day()),
            weekday: d.iso_weekday(),
            chosen: Some(d) == desk.day(),
        })
        .collect();
    let slots = desk
        .slots()
        .iter()
        .filter(|s| Some(s.date) == desk.day())
        .map(|s| SlotChip {
            id: s.slot_id.clone(),
            time: format!("{}–{}", s.start, s.end),
            kind: kind_code(s.kind),
            free: s.free,
        })
        .collect();
    (days, slots)
}

/// `138 0013 8000` as it is typed.
pub(super) fn grouped_phone(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i == 3 || i == 7 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}
