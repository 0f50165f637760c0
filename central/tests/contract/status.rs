//! Progress with a proof (the receipt's token, the ID tail with the number, the card),
//! pre-review, and a supplement, proven by the applicant's card at another kiosk, that
//! sends the case back to pre-review.

use crate::lab::*;

async fn ask(c: &mut Client, query: &api::StatusQuery) -> Answer {
    c.post("/api/v1/status-queries", query).await.unwrap()
}

async fn by_token(c: &mut Client, submission: &api::SubmitApplication) -> api::StatusResponse {
    let query = api::StatusQuery::Token {
        receipt_no: submission.receipt_no.clone(),
        token: submission.progress_token.clone().unwrap(),
    };
    let mut found: api::StatusQueryResponse = ask(c, &query).await.json().unwrap();
    assert_eq!(found.applications.len(), 1);
    found.applications.remove(0)
}

fn status(db: Option<&str>) {
    let lab = Lab::start(db);
    let store = lab.store();
    let tester = Operator {
        name: "tester".into(),
        role: township_central::store::Role::Reviewer,
    };
    lab.run(async {
        let mut a = lab.kiosk("K-A").await;
        let (submission, key) = submit_one(&mut a).await;
        store_photo(&mut a, &key, "household-book", b"the first page").await;
        let receipt = submission.receipt_no.clone();
        let id = submission.application.applicant.id.clone();
        let st = by_token(&mut a, &submission).await;
        assert_eq!((st.status, st.item_code.as_str()), (CaseStatus::Received, "ID-003"));
        assert!(st.expected_on.is_some());
        let tail = &id.expose()[12..];
        let by_tail: api::StatusQueryResponse = ask(
            &mut a,
            &api::StatusQuery::IdTail {
                receipt_no: receipt.clone(),
                id_tail: tail.to_ascii_lowercase(),
            },
        )
        .await
        .json()
        .unwrap();
        assert_eq!(by_tail.applications[0].receipt_no, receipt);
        let by_card: api::StatusQueryResponse = ask(&mut a, &api::StatusQuery::Card { id_number: id.clone() })
            .await
            .json()
            .unwrap();
        assert_eq!(by_card.applications.len(), 1);
        assert_eq!(by_card.applications[0].receipt_no, receipt);
        let other_card = township_core::domain::id_number::IdNumber::parse("11010519491231002X").unwrap();
        let none: api::StatusQueryResponse = ask(&mut a, &api::StatusQuery::Card { id_number: other_card })
            .await
            .json()
            .unwrap();
        assert!(none.applications.is_empty());
        let wrong = api::StatusQuery::Token {
            receipt_no: receipt.clone(),
            token: "0".repeat(32),
        };
        assert_eq!(ask(&mut a, &wrong).await.status, 404);
        assert_eq!(
            a.get(&format!("/api/v1/status/{receipt}")).await.unwrap().status,
            404,
            "no proof, no route"
        );

        store
            .review(
                &tester,
                &receipt,
                CaseStatus::Supplement,
                Some("请补充清晰的户口簿首页"),
            )
            .unwrap();
        let st = by_token(&mut a, &submission).await;
        assert_eq!(
            (st.status, st.message.as_deref()),
            (CaseStatus::Supplement, Some("请补充清晰的户口簿首页"))
        );
        let mut c = lab.kiosk("K-C").await;
        let supplement = api::CreateSupplement {
            idempotency_key: "sup-1".into(),
            materials: vec![api::MaterialManifest {
                code: "household-book".into(),
                photos: 1,
                bytes: 4,
            }],
            proof: api::SupplementProof::Card { id_number: id.clone() },
        };
        let path = format!("/api/v1/applications/by-receipt/{receipt}/supplements");
        let s1 = c.post(&path, &supplement).await.unwrap();
        assert_eq!(s1.status, 201, "{}", String::from_utf8_lossy(&s1.body));
        assert!(
            !String::from_utf8_lossy(&s1.body).contains(&key),
            "no other object's key in a reply"
        );
        let s1: api::SupplementResponse = s1.json().unwrap();
        let s2: api::SupplementResponse = c.post(&path, &supplement).await.unwrap().json().unwrap();
        assert_eq!(s1.supplement_id, s2.supplement_id, "replayed");
        let up3: api::UploadState = c
            .post(
                &format!(
                    "/api/v1/supplements/{}/materials/household-book/uploads",
                    s1.supplement_id
                ),
                &api::CreateUpload {
                    size: 4,
                    sha256: sha256_hex(b"new!"),
                },
            )
            .await
            .unwrap()
            .json()
            .unwrap();
        put(&mut c, up3.upload_id.clone(), 0, b"new!".to_vec(), sha256_hex(b"new!")).await;
        post_empty(&mut c, &format!("/api/v1/uploads/{}/finalise", up3.upload_id)).await;
        let st = by_token(&mut a, &submission).await;
        assert_eq!(
            st.status,
            CaseStatus::Received,
            "a supplied material goes back to pre-review"
        );
        assert!(
            store.review(&tester, &receipt, CaseStatus::Rejected, None).is_err(),
            "a refusal needs a message"
        );
        store.review(&tester, &receipt, CaseStatus::Approved, None).unwrap();
        assert_eq!(by_token(&mut a, &submission).await.status, CaseStatus::Approved);
    });
}

on_both_databases!(status);
