//! Payment and appointments at the touchscreen, against the real reference server over
//! mutual TLS (the app layer, no window): the payment order is made centrally and shown as
//! a QR, a tap twice and going back and forth never make a second charge, an expired code is
//! replaced on request, the provider's "paid" completes the application; an appointment in
//! the lunch hour is booked once however often the citizen taps, its slip comes out of the
//! (simulated) printer, and it can be cancelled. A rating with its reason reaches the server.

#[allow(dead_code, unused_imports)]
mod common;
mod support {
    #![allow(unused_imports, dead_code)]
    pub mod central_lab;
    pub mod kiosk_lab;
}

use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::kiosk_lab::{wait_until, KioskLab};
use township_kiosk::app::appointment::{AppointmentAction as A, Stage};
use township_kiosk::app::intent::{Intent, KeyboardIntent, PaymentIntent};
use township_kiosk::app::payment::PaymentPhase;
use township_kiosk::app::view::appointment::appointment;
use township_kiosk::app::view::payment::payment;
use township_kiosk::central_api::SlotKind;
use township_kiosk::devices::printer::profile::profile;
use township_kiosk::devices::printer::sim::{SimPrinter, SimPrinterOptions};
use township_kiosk::devices::printer::transport::SerialTransport;
use township_kiosk::devices::printer::{EscPosPrinter, ReceiptPrinter};
use township_kiosk::domain::application::PaymentState;
use township_kiosk::domain::rating::RatingReason;
use township_kiosk::domain::session::{Event, Step};
use township_kiosk::domain::Lang;

fn order_id(app: &township_kiosk::app::kiosk::KioskApp) -> String {
    app.payment()
        .order()
        .expect("a payment order on screen")
        .order_id
        .clone()
}

#[test]
fn a_fee_is_paid_through_the_central_payment_order_without_a_double_charge() {
    let lab = KioskLab::start("PAY-KIOSK-01");
    let mut app = lab.app(lab.parts());
    // 居民身份证遗失补领 (40 元), card read, materials photographed: at the review page.
    township_kiosk::app::staging::prepare(&mut app, "review", Lang::Zh, false).unwrap();
    app.handle(Intent::Session(Event::ConfirmReview));
    app.handle(Intent::Session(Event::ConfirmReview)); // a tap twice
    assert_eq!(app.session().step, Step::Payment);
    assert_eq!(payment(&app).phase, "creating");
    wait_until(&mut app, "the payment order", |app| app.payment().order().is_some());
    let first = order_id(&app);
    let view = payment(&app);
    assert!(view.qr.is_some(), "the order's QR is on screen");
    assert!(
        view.time_left.starts_with("14 分") || view.time_left.starts_with("15 分"),
        "in words: {}",
        view.time_left
    );
    // One timer: the session waits for the code, and shows no countdown of its own.
    let now = app.now_ms();
    assert!(app
        .session()
        .payable_until_ms
        .is_some_and(|until| until > now + 13 * 60_000));
    assert_eq!(app.session().seconds_left(now), None);
    assert_eq!(view.amount, "￥40.00");

    // Back to the review and on again: the first order is cancelled, a new one is made.
    app.handle(Intent::Session(Event::Back));
    app.handle(Intent::Session(Event::ConfirmReview));
    wait_until(&mut app, "the second order", |app| {
        app.payment().order().is_some_and(|o| o.order_id != first)
    });
    let second = order_id(&app);

    // Fifteen minutes pass unpaid: the code runs out and the page says so.
    lab.server.settle_payment(&second, false).unwrap();
    wait_until(&mut app, "the expiry", |app| {
        *app.payment().phase() == PaymentPhase::Expired
    });
    let view = payment(&app);
    assert!(view.can_retry && view.qr.is_none() && !view.error.is_empty());
    app.handle(Intent::Payment(PaymentIntent::Retry));
    wait_until(&mut app, "a new code", |app| {
        app.payment().order().is_some_and(|o| o.order_id != second)
    });
    let third = order_id(&app);

    // The citizen's phone pays: the application goes on with that order as its payment.
    lab.server.settle_payment(&third, true).unwrap();
    wait_until(&mut app, "the receipt", |app| app.session().data.receipt.is_some());
    match &app.session().data.payment {
        PaymentState::Paid { fen, reference } => {
            assert_eq!((*fen, reference.as_str()), (4000, third.as_str()));
        }
        other => panic!("not paid: {other:?}"),
    }
    // Exactly one order was paid; the others are cancelled or expired.
    let central = township_kiosk::app::services::central_from_config(&lab.config).unwrap();
    let statuses: Vec<_> = [&first, &second, &third]
        .iter()
        .map(|id| central.payment_poll(id).unwrap().status.as_str())
        .collect();
    assert_eq!(statuses, ["cancelled", "expired", "paid"]);

    // 好差评 with a reason, for this application: it reaches the server once, with a follow-up
    // date (two stars must be followed up).
    let receipt_no = app.session().data.receipt.as_ref().unwrap().number.as_str().to_string();
    app.handle(Intent::Session(Event::ReceiptDone));
    app.handle(Intent::Session(Event::Rated(2)));
    app.handle(Intent::Session(Event::ToggleRatingReason(RatingReason::LongWait)));
    app.handle(Intent::Session(Event::SubmitRating));
    assert_eq!(app.session().step, Step::Farewell);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let ratings = loop {
        let ratings = lab.server.ratings().unwrap();
        if !ratings.is_empty() || std::time::Instant::now() > deadline {
            break ratings;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(ratings.len(), 1, "{ratings:?}");
    assert_eq!(ratings[0]["stars"], 2);
    assert_eq!(ratings[0]["reasons"], serde_json::json!(["long-wait"]));
    assert_eq!(ratings[0]["receipt_no"], receipt_no.as_str());
    assert!(ratings[0]["follow_up_due"].is_string(), "{ratings:?}");
}

#[test]
fn the_lab_servers_payment_sandbox_pays_for_the_simulated_kiosk() {
    let lab = KioskLab::start("PAY-KIOSK-02");
    let mut parts = lab.parts();
    parts.sim = Some(township_kiosk::app::sim_controls::SimControls::new(None, None));
    let mut app = lab.app(parts);
    township_kiosk::app::staging::prepare(&mut app, "review", Lang::Zh, false).unwrap();
    app.handle(Intent::Session(Event::ConfirmReview));
    wait_until(&mut app, "the payment order", |app| app.payment().order().is_some());
    let order = order_id(&app);
    app.handle(Intent::Payment(PaymentIntent::SimulatePaid));
    wait_until(&mut app, "the receipt", |app| app.session().data.receipt.is_some());
    assert!(matches!(&app.session().data.payment, PaymentState::Paid { reference, .. } if *reference == order));
}

#[test]
fn an_appointment_in_the_lunch_hour_is_booked_once_printed_and_cancelled() {
    let lab = KioskLab::start("BOOK-KIOSK-01");
    let sim_printer = SimPrinter::start(SimPrinterOptions::default()).unwrap();
    let printer: Box<dyn ReceiptPrinter> = Box::new(EscPosPrinter::new(
        Box::new(SerialTransport::open(sim_printer.path(), 115_200, false).unwrap()),
        profile("generic-80mm").unwrap(),
    ));
    let mut parts = lab.parts();
    parts.printer = Some(Arc::new(Mutex::new(printer)));
    let mut app = lab.app(parts);
    app.handle(Intent::OpenAppointment);
    assert_eq!(app.session().step, Step::Appointment);
    assert_eq!(appointment(&app).stage, "service");
    app.handle(Intent::Appointment(A::Service("ID-006".into())));
    wait_until(&mut app, "the slots", |app| !app.appointment().slots().is_empty());
    let lunch = app
        .appointment()
        .slots()
        .iter()
        .find(|s| s.kind == SlotKind::Lunch && s.free > 0)
        .expect("lunch-hour slots are offered")
        .clone();
    assert!(
        app.appointment().slots().iter().any(|s| s.kind == SlotKind::Weekend),
        "and Saturday mornings"
    );
    app.handle(Intent::Appointment(A::Day(lunch.date)));
    let view = appointment(&app);
    assert!(view.slots.iter().any(|s| s.kind == "lunch"));
    app.handle(Intent::Appointment(A::Slot(lunch.slot_id.clone())));
    for key in "13805740000".chars() {
        app.handle(Intent::Appointment(A::PhoneKey(key.to_string())));
    }
    app.handle(Intent::Appointment(A::Book));
    app.handle(Intent::Appointment(A::Book)); // a tap twice
    wait_until(&mut app, "the booking", |app| {
        app.appointment().stage() == Stage::Booked
    });
    let booking = app.appointment().booking().unwrap().clone();
    assert_eq!(booking.slot.slot_id, lunch.slot_id);
    let view = appointment(&app);
    assert!(view.qr.is_some());
    assert_eq!(view.phone, "138****0000", "masked once booked");
    wait_until(&mut app, "the slip", |app| app.appointment().slip().is_some());
    assert_eq!(appointment(&app).slip, "printed");
    let pages = sim_printer.wait_for_pages(1, Duration::from_secs(10));
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].report.qr_codes, 1, "the slip carries the booking's QR");
    assert_eq!(pages[0].report.garbage_chars, 0);

    // One place of the slot is taken, not two.
    let central = township_kiosk::app::services::central_from_config(&lab.config).unwrap();
    let free_now = |central: &Arc<dyn township_kiosk::app::central::CentralSystem>| {
        central
            .slots(lunch.date, 1)
            .unwrap()
            .slots
            .into_iter()
            .find(|s| s.slot_id == lunch.slot_id)
            .unwrap()
            .free
    };
    assert_eq!(free_now(&central), lunch.free - 1);

    app.handle(Intent::Appointment(A::CancelBooking));
    wait_until(&mut app, "the cancel", |app| {
        app.appointment().stage() == Stage::Cancelled
    });
    assert_eq!(free_now(&central), lunch.free, "the place is free again");
    app.handle(Intent::Session(Event::Back));
    assert_eq!(app.session().step, Step::Welcome);
    assert!(
        app.appointment().phone().is_empty(),
        "the number is wiped with the session"
    );
}

#[test]
fn a_complaint_reaches_the_back_office_once_with_a_ticket_to_quote() {
    use township_kiosk::app::consult::{ConsultAction as C, Stage as ConsultStage};
    use township_kiosk::app::view::consult::consult;
    let lab = KioskLab::start("CONSULT-KIOSK-01");
    let mut app = lab.app(lab.parts());
    app.handle(Intent::OpenConsult);
    assert_eq!(app.session().step, Step::Consult);
    app.handle(Intent::Consult(C::Kind("complaint".into())));
    app.handle(Intent::Consult(C::Topic("staff".into())));
    app.handle(Intent::Consult(C::Phrase("等候时间太长。".into())));
    // A few words typed on the pinyin keyboard: "chuang kou" → 窗口.
    township_kiosk::app::text_entry::load_now();
    for key in ["c", "h", "u", "a", "n", "g", "k", "o", "u"] {
        app.handle(Intent::Keys(KeyboardIntent::Key(key.into())));
    }
    app.handle(Intent::Keys(KeyboardIntent::PickCandidate(0)));
    assert_eq!(consult(&app).text, "等候时间太长。窗口");
    app.handle(Intent::Consult(C::ToPhone));
    for key in "13805740000".chars() {
        app.handle(Intent::Consult(C::PhoneKey(key.to_string())));
    }
    app.handle(Intent::Consult(C::Send));
    app.handle(Intent::Consult(C::Send)); // a tap twice
    wait_until(&mut app, "the ticket", |app| {
        app.consult().stage() == ConsultStage::Sent
    });
    let view = consult(&app);
    assert!(view.ticket.starts_with("T-"), "{}", view.ticket);
    assert_eq!(view.phone, "138****0000", "masked once filed");
    let filed = lab.server.complaints().unwrap();
    assert_eq!(filed.len(), 1, "{filed:?}");
    assert_eq!(filed[0]["ticket_no"], view.ticket.as_str());
    assert_eq!(filed[0]["topic"], "complaint/staff");
    assert_eq!(filed[0]["text"], "等候时间太长。窗口");
    assert_eq!(filed[0]["phone"], "13805740000");
    app.handle(Intent::Session(Event::Back));
    assert_eq!(app.session().step, Step::Welcome);
    assert!(
        app.consult().text().is_empty() && app.consult().phone().is_empty(),
        "wiped with the session"
    );
}
