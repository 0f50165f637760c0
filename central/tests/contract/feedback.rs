//! 好差评 ratings (a bad one opens a follow-up) and 咨询投诉 complaints, idempotent.

use crate::lab::*;

fn feedback(db: Option<&str>) {
    let lab = Lab::start(db);
    let store = lab.store();
    lab.run(async {
        let mut a = lab.kiosk("K-A").await;
        let (submission, _) = submit_one(&mut a).await;
        let receipt = submission.receipt_no.clone();
        let rating = api::SubmitRating {
            idempotency_key: "rate-1".into(),
            receipt_no: Some(receipt.clone()),
            stars: 2,
            reasons: vec!["waiting-time".into()],
        };
        let r1: api::RatingResponse = post_json(&mut a, "/api/v1/ratings", &rating).await;
        assert!(r1.follow_up_due.is_some(), "a bad rating opens a follow-up");
        let r2: api::RatingResponse = post_json(&mut a, "/api/v1/ratings", &rating).await;
        assert_eq!(r1, r2);
        assert_eq!(
            a.post(
                "/api/v1/ratings",
                &api::SubmitRating {
                    idempotency_key: "rate-2".into(),
                    stars: 9,
                    ..rating.clone()
                }
            )
            .await
            .unwrap()
            .status,
            422
        );
        assert_eq!(
            a.post(
                "/api/v1/ratings",
                &api::SubmitRating {
                    idempotency_key: "rate-3".into(),
                    receipt_no: Some("NO-000000-0000-0".into()),
                    ..rating.clone()
                }
            )
            .await
            .unwrap()
            .status,
            201,
            "a rating may arrive before its application (submitted offline, still in the outbox)"
        );
        assert_eq!(
            a.post(
                "/api/v1/ratings",
                &api::SubmitRating {
                    idempotency_key: "rate-3b".into(),
                    receipt_no: Some("X".repeat(41)),
                    ..rating.clone()
                }
            )
            .await
            .unwrap()
            .status,
            422
        );
        let good: api::RatingResponse = a
            .post(
                "/api/v1/ratings",
                &api::SubmitRating {
                    idempotency_key: "rate-4".into(),
                    stars: 5,
                    ..rating.clone()
                },
            )
            .await
            .unwrap()
            .json()
            .unwrap();
        assert!(good.follow_up_due.is_none());
        let listed = store.ratings(&Operator::cli(), 10).unwrap();
        assert_eq!(listed.len(), 3, "one row per idempotency key");
        assert!(listed.iter().all(|r| r.reasons == ["waiting-time"]));
        // A damaged reasons column is an error, not a rating shown without its reasons.
        let damaged = store
            .tx(|sql| {
                sql.exec(
                    "UPDATE ratings SET reasons = '[\"waiting' WHERE rating_id = $1",
                    &[r1.rating_id.clone().into()],
                )
            })
            .unwrap();
        assert_eq!(damaged, 1);
        assert!(store.ratings(&Operator::cli(), 10).is_err());
        store
            .tx(|sql| {
                sql.exec(
                    "UPDATE ratings SET reasons = '[]' WHERE rating_id = $1",
                    &[r1.rating_id.clone().into()],
                )
            })
            .unwrap();
        let complaint = api::SubmitComplaint {
            idempotency_key: "c-1".into(),
            phone: "13800000000".into(),
            topic: "service".into(),
            text: "等候时间太长".into(),
        };
        let t1 = a.post("/api/v1/complaints", &complaint).await.unwrap();
        assert_eq!(t1.status, 201);
        let t1: api::ComplaintResponse = t1.json().unwrap();
        let t2: api::ComplaintResponse = post_json(&mut a, "/api/v1/complaints", &complaint).await;
        assert_eq!(t1, t2);
        assert_eq!(
            a.post(
                "/api/v1/complaints",
                &api::SubmitComplaint {
                    idempotency_key: "c-2".into(),
                    phone: "123".into(),
                    ..complaint.clone()
                }
            )
            .await
            .unwrap()
            .status,
            422
        );
    });
}

on_both_databases!(feedback);
