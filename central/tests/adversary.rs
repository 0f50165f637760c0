//! The adversary: two enrolled kiosks A and B on one server (SQLite and PostgreSQL). B — a
//! stolen or compromised kiosk — tries every object of A's; a citizen at A tries someone
//! else's case; certificates the central never recorded or has revoked try to get in; a
//! client sends too much or too slowly. Every attempt is refused, and after each refusal a
//! dump of the database's business tables is unchanged (only the refusal counters and the
//! back-off counts of wrong proofs move, which is their job).

mod common;
#[path = "contract/lab.rs"]
#[allow(dead_code, unused_imports)]
mod lab;

use lab::*;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The tables that hold objects (not the counters of refusals and wrong proofs).
const TABLES: &[&str] = &[
    "applications",
    "materials",
    "uploads",
    "upload_chunks",
    "supplements",
    "supplement_answers",
    "payments",
    "provider_notifications",
    "slot_counts",
    "bookings",
    "ratings",
    "complaints",
    "certificates",
    "operators",
    "sessions",
    "idempotency",
    "counters",
    "audit",
    "pin_recovery",
    "material_reviews",
    "case_events",
    "sms_outbox",
];

fn dump(lab: &Lab) -> String {
    let mut out = String::new();
    for table in TABLES {
        let rows = lab
            .store()
            .tx(|sql| sql.query(&format!("SELECT * FROM {table} ORDER BY 1, 2"), &[]))
            .unwrap();
        out.push_str(&format!("{table}: {rows:?}\n"));
    }
    out
}

/// Runs one refused attempt: its status is one of `expected`, and nothing changed.
macro_rules! refused {
    ($lab:expr, $what:expr, $expected:expr, $attempt:expr) => {{
        let before = dump($lab);
        let status: u16 = $attempt;
        assert!(
            $expected.contains(&status),
            "{}: answered {status}, expected one of {:?}",
            $what,
            $expected
        );
        assert_eq!(before, dump($lab), "{}: the database changed", $what);
    }};
}

async fn status(c: &mut Client, method: &str, path: &str, body: Vec<u8>) -> u16 {
    match c.request(method, path, &[], body).await {
        Ok(answer) => answer.status,
        Err(_) => 0,
    }
}

fn json(value: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

/// What A made: an application with an upload in progress, a paid and a pending order,
/// a booking.
struct OfA {
    submission: api::SubmitApplication,
    app_key: String,
    upload_id: String,
    pending_order: String,
    payment_key: String,
    booking: api::Booking,
}

async fn objects_of_a(lab: &Lab, a: &mut Client) -> OfA {
    let (submission, app_key) = submit_one(a).await;
    let photo = b"A's household book".to_vec();
    let create = api::CreateUpload {
        size: photo.len() as u64,
        sha256: sha256_hex(&photo),
    };
    let up: api::UploadState = post_json(
        a,
        &format!("/api/v1/applications/{app_key}/materials/household-book/uploads"),
        &create,
    )
    .await;
    put(a, up.upload_id.clone(), 0, photo[..5].to_vec(), sha256_hex(&photo[..5])).await;
    let payment_key = "pay-of-a".to_string();
    let order: api::PaymentOrder = post_json(
        a,
        "/api/v1/payments",
        &api::CreatePayment {
            idempotency_key: payment_key.clone(),
            item_code: "ID-003".into(),
            amount_fen: 4000,
        },
    )
    .await;
    let slot = {
        let from = Date::from_unix_china(township_central::store::now()).add_days(1);
        let slots: api::SlotsResponse = get_json(a, &format!("/api/v1/appointments/slots?from={from}&days=7")).await;
        slots.slots.into_iter().find(|s| s.free > 0).unwrap()
    };
    let booking: api::Booking = post_json(
        a,
        "/api/v1/appointments",
        &api::BookAppointment {
            idempotency_key: "book-of-a".into(),
            slot_id: slot.slot_id,
            item_code: "ID-003".into(),
            phone: "13912345678".into(),
        },
    )
    .await;
    let _ = lab;
    OfA {
        submission,
        app_key,
        upload_id: up.upload_id,
        pending_order: order.order_id,
        payment_key,
        booking,
    }
}

fn adversary(db: Option<&str>) {
    let lab = Lab::start_with(db, true);
    lab.run(async {
        let mut a = lab.kiosk("K-A").await;
        let mut b = lab.kiosk("K-B").await;
        let of_a = objects_of_a(&lab, &mut a).await;
        let receipt = of_a.submission.receipt_no.clone();
        let order = of_a.pending_order.clone();

        // ---- B against A's payment order: poll, cancel, pay ----
        refused!(&lab, "B polls A's order", [404], status(&mut b, "GET", &format!("/api/v1/payments/{order}"), vec![]).await);
        refused!(&lab, "B cancels A's order", [404], status(&mut b, "POST", &format!("/api/v1/payments/{order}/cancel"), vec![]).await);
        refused!(&lab, "B pays A's order in the sandbox", [404], status(&mut b, "POST", &format!("/api/v1/payments/{order}/sandbox-pay"), vec![]).await);

        // ---- B against A's booking: the number without its code ----
        let no = of_a.booking.booking_no.clone();
        let cancel = format!("/api/v1/appointments/{no}/cancel");
        refused!(&lab, "B cancels A's booking without a code", [400], status(&mut b, "POST", &cancel, vec![]).await);
        let guess = api::CancelBooking { cancel_code: "000000000000".into() };
        refused!(&lab, "B cancels A's booking with a guessed code", [404], status(&mut b, "POST", &cancel, json(&guess)).await);

        // ---- B redeems the PIN recovery code a supervisor issued for A ----
        let (code_of_a, _) = lab.store().issue_pin_recovery(&Operator::cli(), "K-A").unwrap();
        let redeem = api::RedeemPinRecovery { code: code_of_a };
        refused!(&lab, "B redeems A's PIN recovery code", [404], status(&mut b, "POST", "/api/v1/technician/pin-recovery", json(&redeem)).await);

        // ---- B against A's upload: create under A's application, put, state, finalise ----
        let key = of_a.app_key.clone();
        let create = api::CreateUpload { size: 4, sha256: sha256_hex(b"evil") };
        refused!(&lab, "B uploads into A's application", [404], status(&mut b, "POST", &format!("/api/v1/applications/{key}/materials/household-book/uploads"), json(&create)).await);
        let up = of_a.upload_id.clone();
        refused!(&lab, "B puts a chunk into A's upload", [404], {
            let answer = b.request("PUT", &format!("/api/v1/uploads/{up}?offset=5"), &[(api::CHUNK_SHA256_HEADER, &sha256_hex(b"evil"))], b"evil".to_vec()).await.unwrap();
            answer.status
        });
        refused!(&lab, "B reads A's upload", [404], status(&mut b, "GET", &format!("/api/v1/uploads/{up}"), vec![]).await);
        refused!(&lab, "B finalises A's upload", [404], status(&mut b, "POST", &format!("/api/v1/uploads/{up}/finalise"), vec![]).await);

        // ---- B adds a supplement to A's case without the applicant's proof ----
        let supplements = format!("/api/v1/applications/by-receipt/{receipt}/supplements");
        let no_proof = serde_json::json!({"idempotency_key": "s-1", "materials": [{"code": "household-book", "photos": 1, "bytes": 4}]});
        refused!(&lab, "B's supplement without a proof", [400], status(&mut b, "POST", &supplements, json(&no_proof)).await);
        let wrong_card = api::CreateSupplement {
            idempotency_key: "s-2".into(),
            materials: vec![api::MaterialManifest { code: "household-book".into(), photos: 1, bytes: 4 }],
            proof: api::SupplementProof::Card {
                id_number: township_core::domain::id_number::IdNumber::parse("11010519491231002X").unwrap(),
            },
        };
        refused!(&lab, "B's supplement with someone else's card", [404], status(&mut b, "POST", &supplements, json(&wrong_card)).await);

        // ---- B replays A's idempotency keys ----
        let replay = api::CreatePayment { idempotency_key: of_a.payment_key.clone(), item_code: "ID-003".into(), amount_fen: 4000 };
        let answer = b.post("/api/v1/payments", &replay).await.unwrap();
        let b_order: api::PaymentOrder = answer.json().unwrap();
        assert_ne!(b_order.order_id, order, "A's key gives B a new order of B's own, never A's");
        assert_eq!(answer.header(api::REPLAYED_HEADER), None);
        let mut as_b = fleet::submission("K-B", "KB", 9);
        as_b.application.uuid = key.clone();
        refused!(&lab, "B submits under A's application key", [409], {
            post(&mut b, key.clone(), json(&as_b)).await.status
        });
        refused!(&lab, "B replays A's submission", [403], {
            post(&mut b, key.clone(), json(&of_a.submission)).await.status
        });

        // ---- B issues a receipt number with A's prefix ----
        let as_a_prefix = fleet::submission("K-B", "KA", 77);
        refused!(&lab, "B uses A's receipt prefix", [403], {
            post(&mut b, as_a_prefix.application.uuid.clone(), json(&as_a_prefix)).await.status
        });

        // ---- a citizen at A types B's... (here: someone's) receipt number ----
        refused!(&lab, "status by number alone", [404], status(&mut a, "GET", &format!("/api/v1/status/{receipt}"), vec![]).await);
        let bare = serde_json::json!({"receipt_no": receipt});
        refused!(&lab, "a status query without a proof", [400], status(&mut a, "POST", "/api/v1/status-queries", json(&bare)).await);
        let tail_query = |tail: &str| api::StatusQuery::IdTail { receipt_no: receipt.clone(), id_tail: tail.into() };
        // (B's wrong card above was the first wrong proof for this receipt.)
        let mut not_found = 0;
        for wrong in ["000000", "111111", "222222", "333333"] {
            let before = dump(&lab);
            match status(&mut b, "POST", "/api/v1/status-queries", json(&tail_query(wrong))).await {
                404 => not_found += 1,
                429 => break,
                other => panic!("a wrong ID tail answered {other}"),
            }
            assert_eq!(before, dump(&lab), "a wrong ID tail changed the database");
        }
        assert!(not_found < township_central::store::FREE_TRIES as usize, "back-off after the free tries");
        let right_tail = of_a.submission.application.applicant.id.expose()[12..].to_string();
        refused!(&lab, "the right tail while the receipt waits (back-off)", [429], status(&mut a, "POST", "/api/v1/status-queries", json(&tail_query(&right_tail))).await);

        // ---- too much, too slowly ----
        let huge = vec![b'x'; township_central::http::BODY_LIMIT + 1];
        refused!(&lab, "an oversized body", [413, 0], status(&mut b, "POST", "/api/v1/heartbeat", huge).await);
        let before = dump(&lab);
        let started = Instant::now();
        let tls = common::kiosk_tls(&lab.dir, "K-B");
        let tcp = tokio::net::TcpStream::connect(lab.addr()).await.unwrap();
        let name = rustls::pki_types::ServerName::from(lab.addr().ip());
        let mut slow = tokio_rustls::TlsConnector::from(tls).connect(name, tcp).await.unwrap();
        slow.write_all(b"POST /api/v1/heartbeat HTTP/1.1\r\nHost: central\r\n").await.unwrap();
        let mut rest = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(30), slow.read_to_end(&mut rest)).await;
        assert!(read.is_ok(), "a slow header is cut off");
        let waited = started.elapsed();
        assert!(waited >= township_central::http::HEADER_TIMEOUT - Duration::from_secs(1), "{waited:?}");
        eprintln!("a header that never ends was cut off after {waited:?}");
        assert_eq!(before, dump(&lab), "a slow header changed the database");

        // ---- certificates: never recorded; revoked in the middle of a connection ----
        let ca = pki::Ca::load_kiosk_ca(&lab.srv).unwrap();
        let (cert, key_pem, _) = ca.issue_kiosk("K-A").unwrap();
        let server_ca = std::fs::read_to_string(lab.srv.join(pki::CA_CERT)).unwrap();
        let forged = Arc::new(pki::client_config(&server_ca, Some((&cert, &key_pem))).unwrap());
        let mut ghost = Client::connect(lab.addr(), forged, Some("K-A")).await.unwrap();
        refused!(&lab, "a certificate from the CA the central never recorded", [403], status(&mut ghost, "GET", &format!("/api/v1/payments/{order}"), vec![]).await);
        // (B's idle connection was closed meanwhile: waiting for a request's headers counts.)
        let mut b = lab.kiosk("K-B").await;
        assert_eq!(status(&mut b, "GET", "/api/v1/catalogue", vec![]).await, 200, "B's kept-alive connection works");
        let srv = lab.srv.clone();
        let db = db.map(str::to_string);
        tokio::task::spawn_blocking(move || {
            server::open_store(&srv, db.as_deref()).unwrap().revoke(&Operator::cli(), "K-B").unwrap()
        })
        .await
        .unwrap();
        let revoked_at = Instant::now();
        let before = dump(&lab);
        let after = loop {
            let s = status(&mut b, "POST", "/api/v1/heartbeat", json(&beat("K-B", "ok", api::PaperState::Ok, 0))).await;
            if s == 403 || s == 0 {
                break revoked_at.elapsed();
            }
            assert!(revoked_at.elapsed() < Duration::from_secs(10), "B still served after its revocation");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        eprintln!("B's kept-alive connection was refused {after:?} after the revocation");
        assert_eq!(before, dump(&lab), "a revoked kiosk's request changed the database");

        // A's own objects are untouched and still A's.
        let mut a = lab.kiosk("K-A").await;
        let polled: api::PaymentOrder = get_json(&mut a, &format!("/api/v1/payments/{order}")).await;
        assert_eq!(polled.status, PaymentStatus::Pending);
        // A's recovery code works once, for A.
        assert_eq!(status(&mut a, "POST", "/api/v1/technician/pin-recovery", json(&redeem)).await, 200);
        refused!(&lab, "A's recovery code a second time", [404], status(&mut a, "POST", "/api/v1/technician/pin-recovery", json(&redeem)).await);
    });
}

on_both_databases!(adversary);
