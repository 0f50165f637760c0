//! 预约: booking a time at the window from the kiosk. The citizen picks the service, a day
//! and a half-hour slot the central system offers (with the lunch-hour and Saturday slots of
//! off-hours service), and a mobile number for the reminder; the booking slip is printed
//! with its QR code, and the booking can be cancelled on the spot. Every call runs on its
//! own thread and answers through the inbox. One idempotency key per booking attempt: a
//! tap twice or a lost reply books once. The phone number is wiped with the session.

use super::central::{CentralError, CentralSystem};
use super::report::Reporter;
use super::shared::Shared;
use super::worker::Job;
use crate::central_api::{BookAppointment, Booking, Slot, SlotsResponse};
use crate::domain::calendar::Date;
use crate::domain::catalogue::Catalogue;
use crate::domain::message::Message;
use crate::domain::session::Step;
use crate::domain::Lang;
use std::sync::Arc;

/// How many days ahead the page offers (tomorrow on).
pub const DAYS_AHEAD: u32 = 14;

/// What the citizen does on the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppointmentAction {
    /// A category's items are listed.
    Category(String),
    /// The service to book for.
    Service(String),
    /// The day (from the list of days with slots).
    Day(Date),
    Slot(String),
    /// A keypad key for the phone number (digits, `DEL`, `CLEAR`).
    PhoneKey(String),
    Book,
    /// Cancel the booking just made.
    CancelBooking,
    /// One stage back.
    Back,
    /// Try the failed call again.
    Retry,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Which service.
    Service,
    /// Day and slot.
    Time,
    /// The phone number, then 确认预约.
    Phone,
    /// Booked: the slip is printing; it can be cancelled.
    Booked,
    /// The booking was cancelled.
    Cancelled,
}

/// A finished call, reported to the app.
#[derive(Debug)]
pub struct AppointmentReport {
    pub generation: u64,
    pub answer: AppointmentAnswer,
}

#[derive(Debug)]
pub enum AppointmentAnswer {
    Slots(Result<SlotsResponse, CentralError>),
    Booked(Result<Booking, CentralError>),
    Cancelled(Result<Booking, CentralError>),
}

pub struct AppointmentDesk {
    central: Option<Arc<dyn CentralSystem>>,
    inbox: Option<Reporter<AppointmentReport>>,
    generation: u64,
    stage: Stage,
    category: Option<String>,
    item: Option<String>,
    slots: Vec<Slot>,
    day: Option<Date>,
    slot: Option<String>,
    /// Personal: wiped with the session.
    phone: String,
    booking: Option<Booking>,
    /// A call is out (the buttons wait).
    busy: bool,
    error: Option<Message>,
    /// The booking attempt's idempotency key (new when the choice changes).
    key: String,
    /// The slip came out of the printer (None: not yet known).
    slip_printed: Option<bool>,
}

impl AppointmentDesk {
    pub fn new(central: Option<Arc<dyn CentralSystem>>, inbox: Option<Reporter<AppointmentReport>>) -> AppointmentDesk {
        AppointmentDesk {
            central,
            inbox,
            generation: 0,
            stage: Stage::Service,
            category: None,
            item: None,
            slots: Vec::new(),
            day: None,
            slot: None,
            phone: String::new(),
            booking: None,
            busy: false,
            error: None,
            key: new_key(),
            slip_printed: None,
        }
    }

    /// The worker's report on the booking slip.
    pub fn slip_printed(&mut self, outcome: &super::printing::PrintOutcome) {
        if self.booking.is_some() {
            self.slip_printed = Some(matches!(outcome, super::printing::PrintOutcome::Printed { .. }));
        }
    }
    pub fn slip(&self) -> Option<bool> {
        self.slip_printed
    }

    pub fn stage(&self) -> Stage {
        self.stage
    }
    pub fn category(&self) -> Option<&str> {
        self.category.as_deref()
    }
    pub fn item(&self) -> Option<&str> {
        self.item.as_deref()
    }
    /// The slots offered, every day.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }
    pub fn day(&self) -> Option<Date> {
        self.day
    }
    pub fn slot(&self) -> Option<&Slot> {
        let id = self.slot.as_deref()?;
        self.slots.iter().find(|s| s.slot_id == id).or(self
            .booking
            .as_ref()
            .map(|b| &b.slot)
            .filter(|s| s.slot_id == id))
    }
    pub fn phone(&self) -> &str {
        &self.phone
    }
    pub fn booking(&self) -> Option<&Booking> {
        self.booking.as_ref()
    }
    pub fn busy(&self) -> bool {
        self.busy
    }
    pub fn error(&self) -> Option<Message> {
        self.error
    }
    /// The days (in order) that have a slot with a free place.
    pub fn days(&self) -> Vec<Date> {
        let mut days: Vec<Date> = self.slots.iter().filter(|s| s.free > 0).map(|s| s.date).collect();
        days.dedup();
        days
    }

    /// A choice on the page.
    pub fn on_intent(&mut self, action: AppointmentAction, s: &mut Shared) {
        let today = s.today();
        self.act(action, today, &s.catalogue);
        s.touch()
    }

    /// 预约 was asked for on the welcome page: a fresh start if the page is now shown.
    pub fn on_opened(&mut self, s: &Shared) {
        if s.session.step == Step::Appointment {
            self.open();
        }
    }

    /// The central system answered; a booking's slip goes to the worker's printer.
    pub fn on_report(&mut self, report: AppointmentReport, s: &mut Shared) {
        if let Some(job) = self.finished(report, &s.catalogue, s.session.lang) {
            s.worker.send(job);
        }
    }

    /// The page opened: a fresh start.
    pub fn open(&mut self) {
        self.forget();
    }

    /// A new citizen: nothing is kept.
    pub fn forget(&mut self) {
        let (central, inbox, generation) = (self.central.take(), self.inbox.take(), self.generation + 1);
        *self = AppointmentDesk::new(central, inbox);
        self.generation = generation;
    }

    /// Carries out the citizen's action.
    pub fn act(&mut self, action: AppointmentAction, today: Date, catalogue: &Catalogue) {
        if self.busy && !matches!(action, AppointmentAction::Back) {
            return; // a tap twice while the call is out
        }
        match action {
            AppointmentAction::Category(code) => self.category = Some(code),
            AppointmentAction::Service(code) => {
                if catalogue.items.iter().any(|i| i.code == code) {
                    self.item = Some(code);
                    self.stage = Stage::Time;
                    self.error = None;
                    self.fetch_slots(today);
                }
            }
            AppointmentAction::Day(date) => {
                self.day = Some(date);
                self.slot = None;
            }
            AppointmentAction::Slot(id) => {
                if self.slots.iter().any(|s| s.slot_id == id && s.free > 0) {
                    self.slot = Some(id);
                    self.stage = Stage::Phone;
                    self.error = None;
                    self.key = new_key();
                }
            }
            AppointmentAction::PhoneKey(key) => {
                match key.as_str() {
                    "DEL" => {
                        self.phone.pop();
                    }
                    "CLEAR" => self.phone.clear(),
                    k if k.len() == 1 && k.bytes().all(|b| b.is_ascii_digit()) && self.phone.len() < 11 => {
                        self.phone.push_str(k)
                    }
                    _ => {}
                }
                self.error = None;
            }
            AppointmentAction::Book => self.book(),
            AppointmentAction::CancelBooking => self.cancel_booking(),
            AppointmentAction::Back => {
                self.error = None;
                self.stage = match self.stage {
                    Stage::Phone => Stage::Time,
                    Stage::Time => Stage::Service,
                    other => other,
                };
            }
            AppointmentAction::Retry => match self.stage {
                Stage::Time => self.fetch_slots(today),
                Stage::Phone => self.book(),
                Stage::Booked => self.cancel_booking(),
                _ => {}
            },
        }
    }

    /// A call's answer; a booking made returns the slip to print.
    pub fn finished(&mut self, report: AppointmentReport, catalogue: &Catalogue, lang: Lang) -> Option<Job> {
        if report.generation != self.generation {
            return None; // for a session that is over
        }
        self.busy = false;
        match report.answer {
            AppointmentAnswer::Slots(Ok(answer)) => {
                self.slots = answer.slots;
                self.day = self.days().first().copied();
                self.error = None;
                None
            }
            AppointmentAnswer::Booked(Ok(booking)) => {
                self.error = None;
                self.stage = Stage::Booked;
                self.slot = Some(booking.slot.slot_id.clone());
                self.booking = Some(booking.clone());
                let item = catalogue.items.iter().find(|i| Some(&i.code) == self.item.as_ref())?;
                Some(Job::PrintBookingSlip {
                    booking: Box::new(booking),
                    item_name: item.name.clone(),
                    masked_phone: crate::domain::masking::mask_phone(&self.phone),
                    lang,
                })
            }
            AppointmentAnswer::Cancelled(Ok(booking)) => {
                self.booking = Some(booking);
                self.stage = Stage::Cancelled;
                self.error = None;
                None
            }
            AppointmentAnswer::Booked(Err(CentralError::Rejected(reason))) if reason.contains("slot_full") => {
                // Taken meanwhile: back to the times, freshly asked.
                self.error = Some(Message::AppointmentSlotTaken);
                self.stage = Stage::Time;
                self.slot = None;
                let from = self.slots.first().map(|s| s.date);
                if let Some(from) = from {
                    self.fetch_slots(from.add_days(-1));
                }
                None
            }
            AppointmentAnswer::Slots(Err(e))
            | AppointmentAnswer::Booked(Err(e))
            | AppointmentAnswer::Cancelled(Err(e)) => {
                log::warn!("appointment call failed: {e}");
                self.error = Some(e.message());
                None
            }
        }
    }

    fn fetch_slots(&mut self, today: Date) {
        self.call(move |central| AppointmentAnswer::Slots(central.slots(today.add_days(1), DAYS_AHEAD)));
    }

    fn book(&mut self) {
        let valid = self.phone.len() == 11 && self.phone.starts_with('1');
        if !valid {
            self.error = Some(Message::AppointmentPhone);
            return;
        }
        let (Some(item), Some(slot)) = (self.item.clone(), self.slot.clone()) else {
            return;
        };
        let request = BookAppointment {
            idempotency_key: self.key.clone(),
            slot_id: slot,
            item_code: item,
            phone: self.phone.clone(),
        };
        self.call(move |central| AppointmentAnswer::Booked(central.book(&request)));
    }

    fn cancel_booking(&mut self) {
        // The booking's own cancel code (from its answer, printed on the slip) proves it.
        let booking = self.booking.as_ref();
        if let Some((no, code)) = booking.and_then(|b| Some((b.booking_no.clone(), b.cancel_code.clone()?))) {
            self.call(move |central| AppointmentAnswer::Cancelled(central.cancel_booking(&no, &code)));
        }
    }

    fn call(&mut self, work: impl FnOnce(&dyn CentralSystem) -> AppointmentAnswer + Send + 'static) {
        let (Some(central), Some(inbox)) = (self.central.clone(), self.inbox.clone()) else {
            self.error = Some(Message::CentralOffline);
            return;
        };
        self.busy = true;
        self.error = None;
        let generation = self.generation;
        let spawned = std::thread::Builder::new().name("appointment".into()).spawn(move || {
            let answer = work(central.as_ref());
            inbox.report(AppointmentReport { generation, answer });
        });
        if let Err(e) = spawned {
            log::error!("cannot start an appointment call: {e}");
            self.busy = false;
            self.error = Some(Message::CentralOffline);
        }
    }

    /// Shows a booking as if it had just been made (screenshots).
    pub fn stage_booking(&mut self, item: &str, phone: &str, booking: Booking) {
        self.item = Some(item.to_string());
        self.phone = phone.to_string();
        self.slot = Some(booking.slot.slot_id.clone());
        self.booking = Some(booking);
        self.stage = Stage::Booked;
        self.slip_printed = Some(true);
    }

    /// Shows the slots as if the central system had answered (screenshots).
    pub fn stage_slots(&mut self, item: &str, slots: Vec<Slot>) {
        self.item = Some(item.to_string());
        self.slots = slots;
        self.day = self.days().first().copied();
        self.stage = Stage::Time;
    }
}

fn new_key() -> String {
    format!("book-{}", uuid::Uuid::new_v4())
}

#[cfg(test)]
mod tests;
