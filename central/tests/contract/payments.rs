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

/// An application is paid only when the central's own paid order of the same kiosk, item
/// and amount backs it, once: a kiosk's word, an unpaid order, another kiosk's order or an
/// order already used are "to pay at the window".
fn paid_only_on_the_centrals_own_order(db: Option<&str>) {
    let lab = Lab::start(db);
    let store = lab.store();
    lab.run(async {
        let mut a = lab.kiosk("K-A").await;
        let mut b = lab.kiosk("K-B").await;
        let order = |key: &str| api::CreatePayment {
            idempotency_key: key.into(),
            item_code: "ID-003".into(),
            amount_fen: 4000,
        };
        let unpaid: api::PaymentOrder = post_json(&mut a, "/api/v1/payments", &order("a-1")).await;
        let paid_of_a: api::PaymentOrder = post_json(&mut a, "/api/v1/payments", &order("a-2")).await;
        let paid_of_b: api::PaymentOrder = post_json(&mut b, "/api/v1/payments", &order("b-1")).await;
        lab.provider_pays(&paid_of_a.order_id, 4000);
        lab.provider_pays(&paid_of_b.order_id, 4000);
        let mut seq = 20;
        let mut submit = |reference: &str| {
            seq += 1;
            let mut s = fleet::submission("K-A", "KA", seq);
            s.application.payment = township_core::domain::application::PaymentState::Paid {
                fen: 4000,
                reference: reference.into(),
            };
            s
        };
        let cases = [
            (
                submit("SIM-PAY-0001"),
                api::SettledPayment::AtWindow,
                "the kiosk's word",
            ),
            (
                submit(&unpaid.order_id),
                api::SettledPayment::AtWindow,
                "an unpaid order",
            ),
            (
                submit(&paid_of_b.order_id),
                api::SettledPayment::AtWindow,
                "another kiosk's order",
            ),
            (
                submit(&paid_of_a.order_id),
                api::SettledPayment::Paid,
                "its own paid order",
            ),
            (
                submit(&paid_of_a.order_id),
                api::SettledPayment::AtWindow,
                "an order already used",
            ),
        ];
        for (submission, expected, what) in cases {
            let key = submission.application.uuid.clone();
            let answer = post(&mut a, key, serde_json::to_vec(&submission).unwrap()).await;
            assert_eq!(answer.status, 201, "{what}: {}", String::from_utf8_lossy(&answer.body));
            let settled: api::SubmitResponse = answer.json().unwrap();
            assert_eq!(settled.payment, expected, "{what}");
            let stored = store
                .tx(|sql| {
                    sql.query_one(
                        "SELECT payment FROM applications WHERE receipt_no = $1",
                        &[submission.receipt_no.as_str().into()],
                    )
                })
                .unwrap()
                .unwrap()
                .text("payment");
            assert_eq!(stored, expected.as_str(), "{what}: stored");
        }
    });
}

on_both_databases!(paid_only_on_the_centrals_own_order);
