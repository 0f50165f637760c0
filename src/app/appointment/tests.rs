//! The appointment desk against the in-process central system: slots with the lunch-hour
//! and Saturday service, the phone checked before booking, one booking however often the
//! citizen taps, the slip handed to the worker, cancel, and an outage said plainly.

use super::*;
use crate::app::central_sim::SimCentral;
use crate::app::inbox::{channel, Inbound, InboxReceiver};
use crate::central_api::SlotKind;
use std::time::Duration;

fn setup() -> (AppointmentDesk, Arc<SimCentral>, InboxReceiver, Catalogue) {
    let central = Arc::new(SimCentral::default());
    let (inbox, receiver) = channel();
    let desk = AppointmentDesk::new(Some(central.clone()), Some(inbox.reporter(Inbound::Appointment)));
    let catalogue = crate::app::load_catalogue(&crate::config::Config::default()).unwrap();
    (desk, central, receiver, catalogue)
}

fn answer(desk: &mut AppointmentDesk, inbox: &InboxReceiver, catalogue: &Catalogue) -> Option<Job> {
    match inbox.wait(Duration::from_secs(10)) {
        Some(Inbound::Appointment(report)) => desk.finished(report, catalogue, Lang::Zh),
        other => panic!("expected an appointment answer, got {other:?}"),
    }
}

/// A Thursday: the fortnight ahead has working days and two Saturdays.
fn today() -> Date {
    Date::parse("2026-12-03").unwrap()
}

#[test]
fn a_booking_in_the_lunch_hour_with_the_slip_and_a_cancel() {
    let (mut desk, central, inbox, catalogue) = setup();
    desk.act(AppointmentAction::Service("ID-006".into()), today(), &catalogue);
    assert_eq!(desk.stage(), Stage::Time);
    assert!(desk.busy());
    answer(&mut desk, &inbox, &catalogue);
    let days = desk.days();
    assert_eq!(days.first(), Some(&today().add_days(1)), "from tomorrow");
    assert!(
        days.iter().any(|d| d.iso_weekday() == 6),
        "Saturday mornings are offered"
    );
    assert!(desk.slots().iter().any(|s| s.kind == SlotKind::Lunch));
    assert!(desk
        .slots()
        .iter()
        .filter(|s| s.kind == SlotKind::Weekend)
        .all(|s| s.date.iso_weekday() == 6));
    let lunch = desk.slots().iter().find(|s| s.kind == SlotKind::Lunch).unwrap().clone();
    desk.act(AppointmentAction::Day(lunch.date), today(), &catalogue);
    desk.act(AppointmentAction::Slot(lunch.slot_id.clone()), today(), &catalogue);
    assert_eq!(desk.stage(), Stage::Phone);
    for key in "1380574".chars() {
        desk.act(AppointmentAction::PhoneKey(key.to_string()), today(), &catalogue);
    }
    desk.act(AppointmentAction::Book, today(), &catalogue);
    assert_eq!(
        desk.error(),
        Some(Message::AppointmentPhone),
        "checked before anything is sent"
    );
    assert!(!desk.busy());
    for key in "00009".chars() {
        desk.act(AppointmentAction::PhoneKey(key.to_string()), today(), &catalogue);
    }
    assert_eq!(desk.phone(), "13805740000", "eleven digits at most");
    desk.act(AppointmentAction::Book, today(), &catalogue);
    desk.act(AppointmentAction::Book, today(), &catalogue); // a second tap while booking
    let job = answer(&mut desk, &inbox, &catalogue);
    assert!(inbox.wait(Duration::from_millis(300)).is_none(), "one call, not two");
    assert_eq!(desk.stage(), Stage::Booked);
    assert_eq!(central.bookings().len(), 1);
    match job {
        Some(Job::PrintBookingSlip {
            booking, masked_phone, ..
        }) => {
            assert_eq!(booking.slot.slot_id, lunch.slot_id);
            assert_eq!(masked_phone, "138****0000");
        }
        other => panic!("expected the slip, got {other:?}"),
    }
    desk.act(AppointmentAction::CancelBooking, today(), &catalogue);
    answer(&mut desk, &inbox, &catalogue);
    assert_eq!(desk.stage(), Stage::Cancelled);
    assert_eq!(central.bookings()[0].status, "cancelled");
    desk.forget();
    assert!(desk.phone().is_empty() && desk.booking().is_none());
    assert_eq!(desk.stage(), Stage::Service);
}

#[test]
fn offline_is_said_and_the_citizen_can_try_again() {
    let (mut desk, central, inbox, catalogue) = setup();
    central.set_down(true);
    desk.act(AppointmentAction::Service("ID-006".into()), today(), &catalogue);
    answer(&mut desk, &inbox, &catalogue);
    assert_eq!(desk.error(), Some(Message::CentralOffline));
    assert!(desk.slots().is_empty());
    central.set_down(false);
    desk.act(AppointmentAction::Retry, today(), &catalogue);
    answer(&mut desk, &inbox, &catalogue);
    assert_eq!(desk.error(), None);
    assert!(!desk.slots().is_empty());
}

#[test]
fn an_answer_for_an_ended_session_is_dropped() {
    let (mut desk, _central, inbox, catalogue) = setup();
    desk.act(AppointmentAction::Service("ID-006".into()), today(), &catalogue);
    desk.forget();
    answer(&mut desk, &inbox, &catalogue);
    assert!(desk.slots().is_empty());
    assert_eq!(desk.stage(), Stage::Service);
}
