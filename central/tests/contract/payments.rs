//! Payment orders: one order per key (no double charge), paid by the provider's signed
//! notification (a replay or a forgery changes nothing), cancelled, expired.

use crate::lab::*;

fn payments(db: Option<&str>) {
    let lab = Lab::start(db);
    let store = lab.store();
    lab.run(async {
        let mut a = lab.kiosk("K-A").await;
        let pay = api::CreatePayment {
            idempotency_key: "pay-1".into(),
            item_code: "ID-003".into(),
            amount_fen: 4000,
        };
        let o1 = a.post("/api/v1/payments", &pay).await.unwrap();
        assert_eq!(o1.status, 201);
        let o1: api::PaymentOrder = o1.json().unwrap();
        assert_eq!((o1.status, o1.amount_fen), (PaymentStatus::Pending, 4000));
        assert!(o1.qr_payload.contains(&o1.order_id));
        let o2: api::PaymentOrder = post_json(&mut a, "/api/v1/payments", &pay).await;
        assert_eq!(o1, o2, "the same key is the same order: no double charge");
        let wrong = api::CreatePayment {
            amount_fen: 1,
            ..pay.clone()
        };
        assert_eq!(a.post("/api/v1/payments", &wrong).await.unwrap().status, 422);
        let other_item = store
            .catalogue
            .items
            .iter()
            .find(|i| i.fee_fen > 0 && i.code != "ID-003")
            .unwrap();
        let reused = api::CreatePayment {
            idempotency_key: "pay-1".into(),
            item_code: other_item.code.clone(),
            amount_fen: other_item.fee_fen,
        };
        assert_eq!(a.post("/api/v1/payments", &reused).await.unwrap().status, 409);
        let provider = lab.provider();
        let now = township_central::store::now();
        let forged = provider.sign(
            format!(
                r#"{{"notification_id":"N-1","order_id":"{}","amount_fen":1,"trade_state":"SUCCESS"}}"#,
                o1.order_id
            )
            .as_bytes(),
            now,
        );
        assert_eq!(lab.notify(&forged).0, 422, "a notified amount that is not the order's");
        let mut tampered = provider.paid(&o1.order_id, 4000, now);
        tampered.body = String::from_utf8(tampered.body)
            .unwrap()
            .replace("4000", "4001")
            .into_bytes();
        assert_eq!(lab.notify(&tampered).0, 401, "a body changed after signing");
        let paid = provider.paid(&o1.order_id, 4000, now);
        assert_eq!(lab.notify(&paid).0, 200);
        let (status, replay) = lab.notify(&paid);
        assert_eq!(
            (status, replay.contains("\"applied\":false")),
            (200, true),
            "a replay changes nothing"
        );
        let polled: api::PaymentOrder = get_json(&mut a, &format!("/api/v1/payments/{}", o1.order_id)).await;
        assert_eq!(polled.status, PaymentStatus::Paid);
        let r = post_empty(&mut a, &format!("/api/v1/payments/{}/cancel", o1.order_id)).await;
        assert_eq!(r.status, 409);
        let o3: api::PaymentOrder = a
            .post(
                "/api/v1/payments",
                &api::CreatePayment {
                    idempotency_key: "pay-2".into(),
                    ..pay.clone()
                },
            )
            .await
            .unwrap()
            .json()
            .unwrap();
        assert_ne!(o3.order_id, o1.order_id);
        let r: api::PaymentOrder = post_empty(&mut a, &format!("/api/v1/payments/{}/cancel", o3.order_id))
            .await
            .json()
            .unwrap();
        assert_eq!(r.status, PaymentStatus::Cancelled);
        let o4: api::PaymentOrder = a
            .post(
                "/api/v1/payments",
                &api::CreatePayment {
                    idempotency_key: "pay-3".into(),
                    ..pay.clone()
                },
            )
            .await
            .unwrap()
            .json()
            .unwrap();
        store.expire_payment(&Operator::cli(), &o4.order_id).unwrap();
        let polled: api::PaymentOrder = get_json(&mut a, &format!("/api/v1/payments/{}", o4.order_id)).await;
        assert_eq!(polled.status, PaymentStatus::Expired);
        assert_eq!(a.get("/api/v1/payments/P-nope").await.unwrap().status, 404);
    });
}

on_both_databases!(payments);
