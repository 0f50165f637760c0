//! Appointments: slots by kind, booking a slot once, capacity, cancel, bad dates.

use crate::lab::*;

fn appointments(db: Option<&str>) {
    let lab = Lab::start(db);
    lab.run(async {
        let mut a = lab.kiosk("K-A").await;
        let mut monday = township_central::store::today().add_days(7);
        while monday.iso_weekday() != 1 {
            monday = monday.add_days(1);
        }
        let slots: api::SlotsResponse =
            get_json(&mut a, &format!("/api/v1/appointments/slots?from={monday}&days=7")).await;
        assert!(slots.slots.iter().any(|s| s.kind == api::SlotKind::Weekend));
        let lunch = slots
            .slots
            .iter()
            .find(|s| s.kind == api::SlotKind::Lunch && s.free == 1)
            .unwrap()
            .clone();
        let book = api::BookAppointment {
            idempotency_key: "book-1".into(),
            slot_id: lunch.slot_id.clone(),
            item_code: "ID-003".into(),
            phone: "13800000000".into(),
        };
        let b1 = a.post("/api/v1/appointments", &book).await.unwrap();
        assert_eq!(b1.status, 201);
        let b1: api::Booking = b1.json().unwrap();
        assert_eq!(b1.slot.free, 0);
        let dated = format!("B-{}-", township_central::store::today().compact());
        assert!(
            b1.booking_no.starts_with(&dated) && b1.booking_no.len() == dated.len() + 5,
            "a booking number to read out: {}",
            b1.booking_no
        );
        let b1_again: api::Booking = post_json(&mut a, "/api/v1/appointments", &book).await;
        assert_eq!(b1_again.booking_no, b1.booking_no);
        let full = a
            .post(
                "/api/v1/appointments",
                &api::BookAppointment {
                    idempotency_key: "book-2".into(),
                    ..book.clone()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (full.status, full.json::<api::ApiError>().unwrap().error.as_str()),
            (409, "slot_full")
        );
        let cancel_path = format!("/api/v1/appointments/{}/cancel", b1.booking_no);
        assert_eq!(post_empty(&mut a, &cancel_path).await.status, 400, "no cancel code");
        let guess = api::CancelBooking {
            cancel_code: "000000000000".into(),
        };
        assert_eq!(
            a.post(&cancel_path, &guess).await.unwrap().status,
            404,
            "a wrong cancel code"
        );
        let code = api::CancelBooking {
            cancel_code: b1
                .cancel_code
                .clone()
                .expect("the booking's answer carries its cancel code"),
        };
        let cancelled: api::Booking = a.post(&cancel_path, &code).await.unwrap().json().unwrap();
        assert!(cancelled.cancel_code.is_none(), "the code is given once");
        assert_eq!((cancelled.status.as_str(), cancelled.slot.free), ("cancelled", 1));
        let b3 = a
            .post(
                "/api/v1/appointments",
                &api::BookAppointment {
                    idempotency_key: "book-3".into(),
                    ..book.clone()
                },
            )
            .await
            .unwrap();
        assert_eq!(b3.status, 201, "the place is free again");
        let past = Date::new(2020, 1, 6).unwrap();
        let r = a
            .post(
                "/api/v1/appointments",
                &api::BookAppointment {
                    idempotency_key: "book-4".into(),
                    slot_id: format!("{}-0830", past.compact()),
                    ..book.clone()
                },
            )
            .await
            .unwrap();
        assert_eq!(r.status, 422);
        assert_eq!(
            a.get("/api/v1/appointments/slots?from=2026-13-01")
                .await
                .unwrap()
                .status,
            400
        );
    });
}

on_both_databases!(appointments);
