//! Status by receipt number and by ID hash, pre-review, and a supplement that sends the
//! case back to pre-review.

use crate::lab::*;

fn status(db: Option<&str>) {
    let lab = Lab::start(db);
    let store = lab.store();
    let srv = lab.srv.as_path();
    lab.run(async {
        let mut a = lab.kiosk("K-A").await;
        let (submission, key) = submit_one(&mut a).await;
        store_photo(&mut a, &key, "household-book", b"the first page").await;
        let receipt = submission.receipt_no.clone();
        let st: api::StatusResponse = get_json(&mut a, &format!("/api/v1/status/{receipt}")).await;
        assert_eq!((st.status, st.item_code.as_str()), (CaseStatus::Received, "ID-003"));
        assert!(st.expected_on.is_some());
        assert_eq!(a.get("/api/v1/status/XX-000000-0000-0").await.unwrap().status, 404);
        let lookup = hex::decode(server::load_config(srv).unwrap().lookup_key).unwrap();
        let id_hash = api::id_lookup_hash(&lookup, &submission.application.applicant.id);
        let found: api::StatusQueryResponse =
            post_json(&mut a, "/api/v1/status-queries", &api::StatusQuery { id_hash }).await;
        assert_eq!(found.applications.len(), 1);
        assert_eq!(found.applications[0].receipt_no, receipt);
        let other = api::id_lookup_hash(b"another key", &submission.application.applicant.id);
        let none: api::StatusQueryResponse =
            post_json(&mut a, "/api/v1/status-queries", &api::StatusQuery { id_hash: other }).await;
        assert!(none.applications.is_empty());
        assert_eq!(
            a.post(
                "/api/v1/status-queries",
                &api::StatusQuery {
                    id_hash: "110105".into()
                }
            )
            .await
            .unwrap()
            .status,
            400
        );

        store
            .review(
                &receipt,
                CaseStatus::Supplement,
                Some("请补充清晰的户口簿首页"),
                "tester",
            )
            .unwrap();
        let st: api::StatusResponse = get_json(&mut a, &format!("/api/v1/status/{receipt}")).await;
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
        };
        let s1 = c
            .post(
                &format!("/api/v1/applications/by-receipt/{receipt}/supplements"),
                &supplement,
            )
            .await
            .unwrap();
        assert_eq!(s1.status, 201);
        let s1: api::SupplementResponse = s1.json().unwrap();
        assert_eq!(s1.application_key, key);
        let s2: api::SupplementResponse = c
            .post(
                &format!("/api/v1/applications/by-receipt/{receipt}/supplements"),
                &supplement,
            )
            .await
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(s1.supplement_id, s2.supplement_id, "replayed");
        let up3: api::UploadState = c
            .post(
                &format!("/api/v1/applications/{key}/materials/household-book/uploads"),
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
        let st: api::StatusResponse = get_json(&mut a, &format!("/api/v1/status/{receipt}")).await;
        assert_eq!(
            st.status,
            CaseStatus::Received,
            "a supplied material goes back to pre-review"
        );
        assert!(
            store.review(&receipt, CaseStatus::Rejected, None, "tester").is_err(),
            "a refusal needs a message"
        );
        store.review(&receipt, CaseStatus::Approved, None, "tester").unwrap();
        let st: api::StatusResponse = get_json(&mut a, &format!("/api/v1/status/{receipt}")).await;
        assert_eq!(st.status, CaseStatus::Approved);
    });
}

on_both_databases!(status);
