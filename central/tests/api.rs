//! The API contract on loopback, the same on SQLite and on a throw-away PostgreSQL cluster:
//! mutual-TLS refusals, idempotent replay and 409, chunked upload with resume and bad
//! hashes, status by receipt and by ID hash, pre-review and supplements, payments,
//! catalogue ETag, appointments, ratings, complaints, heartbeat → dashboard and metrics.

mod common;

use common::*;
use std::time::{Duration, Instant};
use township_central::http::{Answer, Client};
use township_central::{fleet, pki, server, store::sha256_hex};
use township_core::central_api::{self as api, CaseStatus, PaymentStatus};
use township_core::domain::calendar::Date;

#[test]
fn api_contract_on_sqlite() {
    contract(None);
}

#[test]
fn api_contract_on_postgres() {
    let pg = Pg::start();
    let url = pg.database("contract");
    contract(Some(&url));
}

async fn post(c: &mut Client, key: String, body: Vec<u8>) -> Answer {
    c.request(
        "POST",
        "/api/v1/applications",
        &[(api::IDEMPOTENCY_KEY_HEADER, &key)],
        body,
    )
    .await
    .unwrap()
}

async fn put(c: &mut Client, id: String, offset: usize, chunk: Vec<u8>, sha: String) -> Answer {
    c.request(
        "PUT",
        &format!("/api/v1/uploads/{id}?offset={offset}"),
        &[(api::CHUNK_SHA256_HEADER, &sha)],
        chunk,
    )
    .await
    .unwrap()
}

fn beat(id: &str, printer: &str, paper: api::PaperState, dead: u64) -> api::Heartbeat {
    api::Heartbeat {
        kiosk_id: id.into(),
        version: "0.1.0".into(),
        uptime_secs: 120,
        sent_at: Some(township_central::store::now()),
        devices: api::DeviceStates {
            reader: "ok".into(),
            printer: printer.into(),
            camera: "sim".into(),
            gpio: "ok".into(),
        },
        paper,
        outbox: api::OutboxSummary {
            pending: 2,
            dead,
            oldest_pending_age_secs: Some(30),
            last_sent_at: None,
        },
        last_errors: vec!["central unreachable: connection refused".into()],
    }
}

fn contract(db: Option<&str>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let srv = setup(dir, &["K-A", "K-B", "K-C", "K-D"], db);
    let (runtime, running) = serve(&srv, db);
    let addr = running.api;
    let store = &running.central.store;
    let admin = running.admin;
    runtime.block_on(async {
        // ---- mutual TLS refusals ----
        let ca_pem = std::fs::read_to_string(srv.join("ca.pem")).unwrap();
        let no_cert = std::sync::Arc::new(pki::client_config(&ca_pem, None).unwrap());
        let refused = match Client::connect(addr, no_cert, None).await {
            Err(_) => true,
            Ok(mut c) => c.get("/api/v1/catalogue").await.is_err(),
        };
        assert!(refused, "a client without a certificate must be refused");
        let (other_ca, _) = pki::Ca::create().unwrap();
        let (cert, key, _) = other_ca.issue_kiosk("K-A").unwrap();
        let foreign = std::sync::Arc::new(pki::client_config(&ca_pem, Some((&cert, &key))).unwrap());
        let refused = match Client::connect(addr, foreign, Some("K-A")).await {
            Err(_) => true,
            Ok(mut c) => c.get("/api/v1/catalogue").await.is_err(),
        };
        assert!(refused, "a certificate from another CA must be refused");

        let mut a = kiosk(dir, "K-A", addr).await;
        let mut impostor = Client::connect(addr, kiosk_tls(dir, "K-A"), Some("K-B")).await.unwrap();
        let r = impostor.get("/api/v1/catalogue").await.unwrap();
        assert_eq!(r.status, 403);
        assert_eq!(r.json::<api::ApiError>().unwrap().error, "kiosk_id_mismatch");
        let r = a
            .post("/api/v1/heartbeat", &beat("K-B", "ok", api::PaperState::Ok, 0))
            .await
            .unwrap();
        assert_eq!(r.status, 403, "body kiosk_id of another kiosk");

        let mut b = kiosk(dir, "K-B", addr).await;
        assert_eq!(b.get("/api/v1/catalogue").await.unwrap().status, 200);
        let srv2 = srv.clone();
        let db2 = db.map(str::to_string);
        tokio::task::spawn_blocking(move || {
            server::open_store(&srv2, db2.as_deref())
                .unwrap()
                .revoke("K-B")
                .unwrap()
        })
        .await
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let r = b.get("/api/v1/catalogue").await.unwrap();
            if r.status == 403 {
                assert_eq!(r.json::<api::ApiError>().unwrap().error, "revoked");
                break;
            }
            assert!(Instant::now() < deadline, "revocation not noticed within 10 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut b_again = kiosk(dir, "K-B", addr).await;
        assert_eq!(
            b_again.get("/api/v1/catalogue").await.unwrap().status,
            403,
            "a new connection of a revoked kiosk"
        );

        // ---- idempotent submission ----
        let submission = fleet::submission("K-A", "TST", 1);
        let key = submission.application.uuid.clone();
        let body = serde_json::to_vec(&submission).unwrap();
        let first = post(&mut a, key.clone(), body.clone()).await;
        assert_eq!(first.status, 201, "{}", String::from_utf8_lossy(&first.body));
        let created: api::SubmitResponse = first.json().unwrap();
        assert_eq!(created.status, CaseStatus::Received);
        let again = post(&mut a, key.clone(), body.clone()).await;
        assert_eq!(again.status, 201);
        assert_eq!(again.body, first.body, "the first response is replayed");
        assert_eq!(again.header(api::REPLAYED_HEADER), Some("true"));
        let mut changed = submission.clone();
        changed.application.urgent = !changed.application.urgent;
        let conflict = post(&mut a, key.clone(), serde_json::to_vec(&changed).unwrap()).await;
        assert_eq!(conflict.status, 409);
        assert_eq!(conflict.json::<api::ApiError>().unwrap().error, "idempotency_conflict");
        let wrong_key = post(&mut a, "another-key".into(), body.clone()).await;
        assert_eq!(wrong_key.status, 422, "header and application.uuid differ");
        let mut as_b = fleet::submission("K-B", "TST", 2);
        as_b.kiosk_id = "K-B".into();
        let r = post(
            &mut a,
            as_b.application.uuid.clone(),
            serde_json::to_vec(&as_b).unwrap(),
        )
        .await;
        assert_eq!(r.status, 403, "body kiosk_id of another kiosk");
        let listed = store.list(100).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].idempotency_key, key);

        // ---- chunked upload: resume, bad chunk hash, whole-file check ----
        let photo: Vec<u8> = (0..2500u32).map(|i| (i * 7 % 251) as u8).collect();
        let create = api::CreateUpload {
            size: photo.len() as u64,
            sha256: sha256_hex(&photo),
        };
        let path = format!("/api/v1/applications/{key}/materials/household-book/uploads");
        let up: api::UploadState = a.post(&path, &create).await.unwrap().json().unwrap();
        assert_eq!((up.received, up.stored), (0, false));
        let r = put(
            &mut a,
            up.upload_id.clone(),
            0,
            photo[..1000].to_vec(),
            sha256_hex(&photo[..1000]),
        )
        .await;
        assert_eq!(r.json::<api::UploadState>().unwrap().received, 1000);
        let r = put(
            &mut a,
            up.upload_id.clone(),
            0,
            photo[..1000].to_vec(),
            sha256_hex(&photo[..1000]),
        )
        .await;
        assert_eq!(
            r.json::<api::UploadState>().unwrap().received,
            1000,
            "a repeated chunk is harmless"
        );
        let r = put(
            &mut a,
            up.upload_id.clone(),
            1000,
            photo[1000..2000].to_vec(),
            sha256_hex(b"not this"),
        )
        .await;
        assert_eq!(
            (r.status, r.json::<api::ApiError>().unwrap().error.as_str()),
            (422, "chunk_hash_mismatch")
        );
        let r = put(
            &mut a,
            up.upload_id.clone(),
            2000,
            photo[2000..].to_vec(),
            sha256_hex(&photo[2000..]),
        )
        .await;
        assert_eq!(
            (r.status, r.json::<api::ApiError>().unwrap().error.as_str()),
            (409, "offset_mismatch")
        );
        let r = a
            .request(
                "POST",
                &format!("/api/v1/uploads/{}/finalise", up.upload_id),
                &[],
                Vec::new(),
            )
            .await
            .unwrap();
        assert_eq!(r.status, 409, "finalising an incomplete upload");
        // "Restart": the kiosk lost the upload id; creating it again resumes.
        let mut a2 = kiosk(dir, "K-A", addr).await;
        let resumed: api::UploadState = a2.post(&path, &create).await.unwrap().json().unwrap();
        assert_eq!(
            (resumed.upload_id.as_str(), resumed.received),
            (up.upload_id.as_str(), 1000)
        );
        let polled: api::UploadState = a2
            .get(&format!("/api/v1/uploads/{}", up.upload_id))
            .await
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(polled.received, 1000);
        let r = put(
            &mut a2,
            up.upload_id.clone(),
            1000,
            photo[1000..].to_vec(),
            sha256_hex(&photo[1000..]),
        )
        .await;
        assert_eq!(r.json::<api::UploadState>().unwrap().received, 2500);
        for _ in 0..2 {
            let r = a2
                .request(
                    "POST",
                    &format!("/api/v1/uploads/{}/finalise", up.upload_id),
                    &[],
                    Vec::new(),
                )
                .await
                .unwrap();
            assert_eq!(
                r.json::<api::FinaliseResponse>().unwrap(),
                api::FinaliseResponse { stored: true }
            );
        }
        assert_eq!(store.upload_bytes(&up.upload_id).unwrap(), photo);
        // A whole file whose bytes differ from the announced hash is refused and restarts.
        let lie = api::CreateUpload {
            size: 10,
            sha256: sha256_hex(b"0123456789"),
        };
        let up2: api::UploadState = a2
            .post(
                &format!("/api/v1/applications/{key}/materials/id-photo-receipt/uploads"),
                &lie,
            )
            .await
            .unwrap()
            .json()
            .unwrap();
        put(
            &mut a2,
            up2.upload_id.clone(),
            0,
            b"9876543210".to_vec(),
            sha256_hex(b"9876543210"),
        )
        .await;
        let r = a2
            .request(
                "POST",
                &format!("/api/v1/uploads/{}/finalise", up2.upload_id),
                &[],
                Vec::new(),
            )
            .await
            .unwrap();
        assert_eq!(
            (r.status, r.json::<api::ApiError>().unwrap().error.as_str()),
            (422, "sha256_mismatch")
        );
        let polled: api::UploadState = a2
            .get(&format!("/api/v1/uploads/{}", up2.upload_id))
            .await
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(polled.received, 0);
        let r = a2
            .post("/api/v1/applications/nope/materials/household-book/uploads", &create)
            .await
            .unwrap();
        assert_eq!(r.status, 404);
        assert_eq!(store.list(10).unwrap()[0].materials, 1);

        // ---- status by receipt and by ID hash; pre-review; supplement ----
        let receipt = submission.receipt_no.clone();
        let st: api::StatusResponse = a
            .get(&format!("/api/v1/status/{receipt}"))
            .await
            .unwrap()
            .json()
            .unwrap();
        assert_eq!((st.status, st.item_code.as_str()), (CaseStatus::Received, "ID-003"));
        assert!(st.expected_on.is_some());
        assert_eq!(a.get("/api/v1/status/XX-000000-0000-0").await.unwrap().status, 404);
        let lookup = hex::decode(server::load_config(&srv).unwrap().lookup_key).unwrap();
        let id_hash = api::id_lookup_hash(&lookup, &submission.application.applicant.id);
        let found: api::StatusQueryResponse = a
            .post("/api/v1/status-queries", &api::StatusQuery { id_hash })
            .await
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(found.applications.len(), 1);
        assert_eq!(found.applications[0].receipt_no, receipt);
        let other = api::id_lookup_hash(b"another key", &submission.application.applicant.id);
        let none: api::StatusQueryResponse = a
            .post("/api/v1/status-queries", &api::StatusQuery { id_hash: other })
            .await
            .unwrap()
            .json()
            .unwrap();
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
        let st: api::StatusResponse = a
            .get(&format!("/api/v1/status/{receipt}"))
            .await
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(
            (st.status, st.message.as_deref()),
            (CaseStatus::Supplement, Some("请补充清晰的户口簿首页"))
        );
        let mut c = kiosk(dir, "K-C", addr).await;
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
        c.request(
            "POST",
            &format!("/api/v1/uploads/{}/finalise", up3.upload_id),
            &[],
            Vec::new(),
        )
        .await
        .unwrap();
        let st: api::StatusResponse = a
            .get(&format!("/api/v1/status/{receipt}"))
            .await
            .unwrap()
            .json()
            .unwrap();
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
        let st: api::StatusResponse = a
            .get(&format!("/api/v1/status/{receipt}"))
            .await
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(st.status, CaseStatus::Approved);

        // ---- payments ----
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
        let o2: api::PaymentOrder = a.post("/api/v1/payments", &pay).await.unwrap().json().unwrap();
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
        store.set_payment(&o1.order_id, PaymentStatus::Paid).unwrap();
        let polled: api::PaymentOrder = a
            .get(&format!("/api/v1/payments/{}", o1.order_id))
            .await
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(polled.status, PaymentStatus::Paid);
        let r = a
            .request(
                "POST",
                &format!("/api/v1/payments/{}/cancel", o1.order_id),
                &[],
                Vec::new(),
            )
            .await
            .unwrap();
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
        let r: api::PaymentOrder = a
            .request(
                "POST",
                &format!("/api/v1/payments/{}/cancel", o3.order_id),
                &[],
                Vec::new(),
            )
            .await
            .unwrap()
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
        store.set_payment(&o4.order_id, PaymentStatus::Expired).unwrap();
        let polled: api::PaymentOrder = a
            .get(&format!("/api/v1/payments/{}", o4.order_id))
            .await
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(polled.status, PaymentStatus::Expired);
        assert_eq!(a.get("/api/v1/payments/P-nope").await.unwrap().status, 404);

        // ---- catalogue ETag ----
        let cat = a.get("/api/v1/catalogue").await.unwrap();
        let etag = cat.header("etag").unwrap().to_string();
        let parsed: api::CatalogueResponse = cat.json().unwrap();
        township_core::domain::catalogue::Catalogue::parse(&parsed.toml).unwrap();
        let again = a
            .request("GET", "/api/v1/catalogue", &[("If-None-Match", &etag)], Vec::new())
            .await
            .unwrap();
        assert_eq!((again.status, again.body.len()), (304, 0));
        let stale = a
            .request("GET", "/api/v1/catalogue", &[("If-None-Match", "\"old\"")], Vec::new())
            .await
            .unwrap();
        assert_eq!(stale.status, 200);

        // ---- appointments ----
        let mut monday = township_central::store::today().add_days(7);
        while monday.iso_weekday() != 1 {
            monday = monday.add_days(1);
        }
        let slots: api::SlotsResponse = a
            .get(&format!("/api/v1/appointments/slots?from={monday}&days=7"))
            .await
            .unwrap()
            .json()
            .unwrap();
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
        let b1_again: api::Booking = a.post("/api/v1/appointments", &book).await.unwrap().json().unwrap();
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
        let cancelled: api::Booking = a
            .request(
                "POST",
                &format!("/api/v1/appointments/{}/cancel", b1.booking_no),
                &[],
                Vec::new(),
            )
            .await
            .unwrap()
            .json()
            .unwrap();
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

        // ---- ratings and complaints ----
        let rating = api::SubmitRating {
            idempotency_key: "rate-1".into(),
            receipt_no: Some(receipt.clone()),
            stars: 2,
            reasons: vec!["waiting-time".into()],
        };
        let r1: api::RatingResponse = a.post("/api/v1/ratings", &rating).await.unwrap().json().unwrap();
        assert!(r1.follow_up_due.is_some(), "a bad rating opens a follow-up");
        let r2: api::RatingResponse = a.post("/api/v1/ratings", &rating).await.unwrap().json().unwrap();
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
        let listed = store.ratings(10).unwrap();
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
        assert!(store.ratings(10).is_err());
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
        let t2: api::ComplaintResponse = a.post("/api/v1/complaints", &complaint).await.unwrap().json().unwrap();
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

        // ---- heartbeats → dashboard states and metrics ----
        let mut d = kiosk(dir, "K-D", addr).await;
        let ok = c
            .post("/api/v1/heartbeat", &beat("K-C", "ok", api::PaperState::Ok, 0))
            .await
            .unwrap();
        assert_eq!(ok.status, 200);
        assert!(ok.json::<api::HeartbeatResponse>().unwrap().server_time > 0);
        a.post(
            "/api/v1/heartbeat",
            &beat("K-A", "fault: cover open", api::PaperState::Out, 1),
        )
        .await
        .unwrap();
        d.post("/api/v1/heartbeat", &beat("K-D", "ok", api::PaperState::Low, 0))
            .await
            .unwrap();
        store
            .tx(|sql| {
                sql.exec(
                    "UPDATE kiosks SET last_seen = last_seen - 1000 WHERE kiosk_id = 'K-D'",
                    &[],
                )
            })
            .unwrap();
        let kiosks = store.kiosks().unwrap();
        let state = |id: &str| kiosks.iter().find(|k| k.kiosk_id == id).unwrap().state;
        assert_eq!(
            (state("K-A"), state("K-C"), state("K-D")),
            ("partial", "online", "offline")
        );
        let (status, _, metrics) = tokio::task::spawn_blocking(move || http(admin, "GET", "/metrics", None, None))
            .await
            .unwrap();
        assert_eq!(status, 200);
        for line in [
            "township_kiosk_up{kiosk=\"K-C\"} 1",
            "township_kiosk_up{kiosk=\"K-D\"} 0",
            "township_kiosk_partial{kiosk=\"K-A\"} 1",
            "township_kiosk_paper_out{kiosk=\"K-A\"} 1",
            "township_kiosk_device_ok{device=\"printer\",kiosk=\"K-A\"} 0",
            "township_kiosk_device_ok{device=\"reader\",kiosk=\"K-C\"} 1",
            "township_kiosk_outbox_pending{kiosk=\"K-C\"} 2",
            "township_central_applications 1",
        ] {
            assert!(metrics.contains(line), "{line} missing from\n{metrics}");
        }
        assert!(!metrics.contains("330225"), "no ID numbers in metrics");
    });
    drop(running);
    runtime.shutdown_timeout(Duration::from_secs(2));
}
