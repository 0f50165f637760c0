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

/// A stand-in SMS provider on loopback: answers each request with the next status of its
/// script and keeps what it was sent (headers and body).
struct FakeProvider {
    port: u16,
    received: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

impl FakeProvider {
    fn start(statuses: Vec<u16>) -> FakeProvider {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let keep = received.clone();
        std::thread::spawn(move || {
            for (stream, status) in listener.incoming().zip(statuses) {
                let mut stream = stream.unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let (mut head, mut length) = (String::new(), 0usize);
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if line == "\r\n" || line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap();
                    }
                    head.push_str(&line);
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                keep.lock().unwrap().push((head, String::from_utf8(body).unwrap()));
                write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                .unwrap();
            }
        });
        FakeProvider { port, received }
    }
}

fn sms_gateway(db: Option<&str>) {
    use township_central::sms::{Gateway, Round, SmsConfig};
    let lab = Lab::start(db);
    let store = lab.store();
    let cli = Operator::cli();
    let mut tickets = Vec::new();
    for (i, phone) in ["13912340021", "13912340022"].iter().enumerate() {
        let complaint = api::SubmitComplaint {
            idempotency_key: format!("c-sms-{i}"),
            phone: phone.to_string(),
            topic: "consult/other".into(),
            text: "请问周六办公吗".into(),
        };
        let answer = store.complain(Kiosk("K-A"), &complaint).unwrap();
        let ticket = serde_json::from_str::<api::ComplaintResponse>(&answer.body)
            .unwrap()
            .ticket_no;
        store.reply_to_complaint(&cli, &ticket, "周六上午办公").unwrap();
        tickets.push(ticket);
    }
    std::fs::write(lab.srv.join("sms.token"), "t0ken-for-the-test\n").unwrap();
    let config = |url: String| SmsConfig {
        url,
        token_file: Some("sms.token".into()),
        ca_file: None,
    };
    assert!(
        Gateway::from_config(&config("http://sms.example.com/send".into()), &lab.srv).is_err(),
        "plain HTTP beyond loopback is refused"
    );
    // The first answer is a 500 (kept), the second a 200 (sent); the next round a 400 (failed).
    let provider = FakeProvider::start(vec![500, 200, 400]);
    let gateway = Gateway::from_config(&config(format!("http://127.0.0.1:{}/send", provider.port)), &lab.srv).unwrap();
    assert_eq!(
        gateway.send_queued(store).unwrap(),
        Round {
            sent: 1,
            failed: 0,
            kept: 1
        }
    );
    // (Messages made in the same second go in either order: find which one was kept.)
    let state = |t: &str| store.sms_for(&cli, t).unwrap().unwrap().2;
    let kept = if state(&tickets[0]) == "queued" { 0 } else { 1 };
    assert_eq!(
        (state(&tickets[kept]).as_str(), state(&tickets[1 - kept]).as_str()),
        ("queued", "sent")
    );
    assert_eq!(
        gateway.send_queued(store).unwrap(),
        Round {
            sent: 0,
            failed: 1,
            kept: 0
        }
    );
    assert_eq!(state(&tickets[kept]), "failed");
    let received = provider.received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    let (head, body) = &received[1];
    assert!(
        head.to_ascii_lowercase()
            .contains("authorization: bearer t0ken-for-the-test"),
        "{head}"
    );
    let sent: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(sent["to"], ["13912340021", "13912340022"][1 - kept]);
    assert!(sent["text"].as_str().unwrap().contains("周六上午办公"), "{sent}");
    // Nothing queued: a round sends nothing; an unreachable gateway keeps messages queued.
    assert_eq!(gateway.send_queued(store).unwrap(), Round::default());
    store.reply_to_complaint(&cli, &tickets[1], "再次答复").unwrap();
    let closed = Gateway::from_config(&config("http://127.0.0.1:1/send".into()), &lab.srv).unwrap();
    assert_eq!(closed.send_queued(store).unwrap().kept, 1);
}

on_both_databases!(sms_gateway);
