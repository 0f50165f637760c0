//! The front desk: a day's bookings with phones masked; a complaint's reply is kept sealed,
//! the ticket answered and an SMS to the citizen's number queued (sealed) with the reply;
//! the simulated gateway sends it; a purge empties the number, the reply and the SMS queue.

use crate::lab::*;
use township_central::store::{Kiosk, Operator};
use township_core::domain::calendar::Date;

fn front_desk(db: Option<&str>) {
    let lab = Lab::start(db);
    let store = lab.store();
    let cli = Operator::cli();
    let tomorrow = Date::from_unix_china(township_central::store::now()).add_days(1);
    let slot = store
        .slots(Kiosk("K-A"), tomorrow, 14)
        .unwrap()
        .slots
        .into_iter()
        .find(|s| s.free > 0)
        .unwrap();
    let booking = api::BookAppointment {
        idempotency_key: "b-desk".into(),
        slot_id: slot.slot_id.clone(),
        item_code: "ID-003".into(),
        phone: "13912340011".into(),
    };
    assert_eq!(store.book(Kiosk("K-A"), &booking).unwrap().status, 201);
    let day = store.bookings_on(&cli, slot.date).unwrap();
    assert_eq!(day.len(), 1);
    assert_eq!(
        (day[0].time.as_str(), day[0].phone_masked.as_str()),
        (slot.start.as_str(), "139****0011")
    );
    assert!(store.bookings_on(&cli, slot.date.add_days(1)).unwrap().is_empty());

    let complaint = api::SubmitComplaint {
        idempotency_key: "c-desk".into(),
        phone: "13912340012".into(),
        topic: "complaint/wait".into(),
        text: "排队太久".into(),
    };
    let answer = store.complain(Kiosk("K-A"), &complaint).unwrap();
    let ticket: api::ComplaintResponse = serde_json::from_str(&answer.body).unwrap();
    let ticket = ticket.ticket_no;
    assert!(store.reply_to_complaint(&cli, &ticket, "  ").is_err(), "an empty reply");
    assert!(
        store.reply_to_complaint(&cli, "T-nope", "好").is_err(),
        "no such ticket"
    );
    store.reply_to_complaint(&cli, &ticket, "已增加窗口人手").unwrap();
    let listed = store.desk_complaints(&cli, 10).unwrap();
    assert_eq!(
        (listed[0].state.as_str(), listed[0].reply.as_str()),
        ("answered", "已增加窗口人手")
    );
    assert_eq!(listed[0].phone_masked, "139****0012");
    let (phone, text, state) = store.sms_for(&cli, &ticket).unwrap().unwrap();
    assert_eq!((phone.as_str(), state.as_str()), ("13912340012", "queued"));
    assert!(text.contains(&ticket) && text.contains("已增加窗口人手"), "{text}");
    assert_eq!(store.simulate_sms_gateway().unwrap(), 1);
    assert_eq!(store.sms_for(&cli, &ticket).unwrap().unwrap().2, "sent");
    // Sealed at rest: the number is nowhere in clear in the queue's row.
    let raw = store
        .tx(|sql| sql.query("SELECT phone, body FROM sms_outbox", &[]))
        .unwrap();
    assert!(!format!("{raw:?}").contains("13912340012"));

    std::thread::sleep(Duration::from_millis(1100));
    store.purge(&cli, 0).unwrap();
    let purged = store.desk_complaints(&cli, 10).unwrap();
    assert_eq!((purged[0].reply.as_str(), purged[0].phone_masked.as_str()), ("", ""));
    assert!(
        store.sms_for(&cli, &ticket).unwrap().is_none(),
        "the SMS queue is purged too"
    );
    assert_eq!(
        store
            .reply_to_complaint(&cli, &ticket, "再答复")
            .unwrap_err()
            .downcast_ref::<township_central::store::Refusal>()
            .map(|r| r.status),
        Some(410)
    );
}

on_both_databases!(front_desk);
