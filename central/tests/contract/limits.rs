//! Limits: the photos one application may announce (413) and one kiosk may send in a day
//! (429), and the back-off for guessed booking cancel codes.

use crate::lab::*;

fn quotas(db: Option<&str>) {
    let lab = Lab::start_configured(db, false, |config| {
        config.limits.application_bytes = 1500;
        config.limits.upload_bytes_per_day = 20;
    });
    lab.run(async {
        let mut a = lab.kiosk("K-A").await;
        let big = fleet::submission("K-A", "KA", 1);
        let answer = post(&mut a, big.application.uuid.clone(), serde_json::to_vec(&big).unwrap()).await;
        assert_eq!(answer.status, 413, "2000 bytes of photos announced, 1500 allowed");
        assert_eq!(answer.json::<api::ApiError>().unwrap().error, "quota_exceeded");
        let mut small = fleet::submission("K-A", "KA", 2);
        for m in &mut small.materials {
            m.bytes = 15;
        }
        let key = small.application.uuid.clone();
        assert_eq!(
            post(&mut a, key.clone(), serde_json::to_vec(&small).unwrap())
                .await
                .status,
            201
        );
        let path = format!("/api/v1/applications/{key}/materials/household-book/uploads");
        let first = api::CreateUpload {
            size: 15,
            sha256: sha256_hex(&[1u8; 15]),
        };
        assert_eq!(a.post(&path, &first).await.unwrap().status, 201);
        let path = format!("/api/v1/applications/{key}/materials/id-photo-receipt/uploads");
        let second = api::CreateUpload {
            size: 15,
            sha256: sha256_hex(&[2u8; 15]),
        };
        let refused = a.post(&path, &second).await.unwrap();
        assert_eq!(refused.status, 429, "30 bytes in a day, 20 allowed");
        assert_eq!(refused.json::<api::ApiError>().unwrap().error, "quota_exceeded");
    });
}

on_both_databases!(quotas);

fn guessed_cancel_codes_back_off(db: Option<&str>) {
    let lab = Lab::start(db);
    lab.run(async {
        let mut a = lab.kiosk("K-A").await;
        let from = Date::from_unix_china(township_central::store::now()).add_days(1);
        let slots: api::SlotsResponse =
            get_json(&mut a, &format!("/api/v1/appointments/slots?from={from}&days=7")).await;
        let slot = slots.slots.into_iter().find(|s| s.free > 0).unwrap();
        let book = api::BookAppointment {
            idempotency_key: "b-1".into(),
            slot_id: slot.slot_id,
            item_code: "ID-003".into(),
            phone: "13912345678".into(),
        };
        let booking: api::Booking = post_json(&mut a, "/api/v1/appointments", &book).await;
        let path = format!("/api/v1/appointments/{}/cancel", booking.booking_no);
        for guess in ["000000000000", "111111111111", "222222222222"] {
            let wrong = api::CancelBooking {
                cancel_code: guess.into(),
            };
            assert_eq!(a.post(&path, &wrong).await.unwrap().status, 404, "{guess}");
        }
        let right = api::CancelBooking {
            cancel_code: booking.cancel_code.unwrap(),
        };
        let answer = a.post(&path, &right).await.unwrap();
        assert_eq!(answer.status, 429, "after three wrong codes even the right one waits");
        assert_eq!(answer.json::<api::ApiError>().unwrap().error, "too_many_tries");
    });
}

on_both_databases!(guessed_cancel_codes_back_off);

/// The back office's listener holds at most `MAX_CONNECTIONS` connections: one more is
/// closed at once, unanswered, and a place freed is served again. (The API listener shares
/// the same accept loop.)
#[test]
fn one_connection_over_the_limit_is_closed_and_a_freed_place_is_served() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    let lab = Lab::start(None);
    let admin = lab.admin();
    let mut held: Vec<TcpStream> = (0..township_central::http::MAX_CONNECTIONS)
        .map(|_| TcpStream::connect(admin).unwrap())
        .collect();
    // Connections are accepted in order: this one comes after all that are held.
    let mut over = TcpStream::connect(admin).unwrap();
    over.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
    let _ = over.write_all(b"GET /login HTTP/1.1\r\nHost: central\r\n\r\n");
    let mut answer = Vec::new();
    // Closed at once: end of file, or a reset when the request was still unread.
    let _ = over.read_to_end(&mut answer);
    assert!(
        answer.is_empty(),
        "one over the limit was served: {}",
        String::from_utf8_lossy(&answer)
    );
    held.truncate(held.len() - 1);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (status, _, _) = crate::common::http(admin, "GET", "/login", None, None);
    assert_eq!(status, 200, "a freed place is served");
}
