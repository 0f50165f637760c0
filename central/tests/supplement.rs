//! The pre-review's supplement rounds at the store, on SQLite and on a throw-away
//! PostgreSQL cluster: a case asked for a supplement stays `supplement` until the material
//! asked for is actually supplied — not on the first of two photos, not on a late original
//! upload, not on a supplement sent before the request — and then goes back to `received`.

mod common;

use common::*;
use township_central::store::{sha256_hex, Kiosk, Operator, Store};
use township_central::{fleet, server};
use township_core::central_api::{self as api, CaseStatus};

#[test]
fn supplement_rounds_on_sqlite() {
    rounds(None);
}

#[test]
fn supplement_rounds_on_postgres() {
    let pg = Pg::start();
    let url = pg.database("supplements");
    rounds(Some(&url));
}

const KIOSK: &str = "K-S";

/// One photo, uploaded in one chunk and finalised.
fn upload(store: &Store, key: &str, code: &str, photo: &[u8]) {
    let create = api::CreateUpload {
        size: photo.len() as u64,
        sha256: sha256_hex(photo),
    };
    let up = store.create_upload(Kiosk(KIOSK), key, code, &create).unwrap();
    store
        .put_chunk(Kiosk(KIOSK), &up.upload_id, 0, Some(&sha256_hex(photo)), photo)
        .unwrap();
    assert!(store.finalise(Kiosk(KIOSK), &up.upload_id).unwrap().stored);
}

fn supplement(store: &Store, (receipt, token): (&str, &str), idempotency_key: &str, code: &str, photos: u32) {
    let request = api::CreateSupplement {
        idempotency_key: idempotency_key.into(),
        materials: vec![api::MaterialManifest {
            code: code.into(),
            photos,
            bytes: 100 * u64::from(photos),
        }],
        proof: api::SupplementProof::Token { token: token.into() },
    };
    let answer = store.supplement(Kiosk(KIOSK), receipt, &request).unwrap();
    assert_eq!(answer.status, 201, "{}", answer.body);
}

fn status(store: &Store, receipt: &str) -> (CaseStatus, Option<String>) {
    let st = store.status(&Operator::cli(), receipt).unwrap();
    (st.status, st.message)
}

fn rounds(db: Option<&str>) {
    let tmp = tempfile::tempdir().unwrap();
    let srv = setup(tmp.path(), &[KIOSK], db);
    let store = server::open_store(&srv, db).unwrap();
    // Two materials of one photo each; the household book arrives, the receipt photo is
    // still on its way when the back office looks.
    let submission = fleet::submission(KIOSK, "KS", 1);
    let key = submission.application.uuid.clone();
    let receipt = submission.receipt_no.clone();
    let token = submission.progress_token.clone().unwrap();
    let case = (receipt.as_str(), token.as_str());
    assert_eq!(store.submit(Kiosk(KIOSK), &key, &submission).unwrap().status, 201);
    upload(&store, &key, "household-book", b"original household book");
    assert_eq!(status(&store, &receipt).0, CaseStatus::Received);

    // ---- round 1: two new photos of the household book asked for ----
    let ask = "请补充户口簿首页和本人页";
    store
        .review(&Operator::cli(), &receipt, CaseStatus::Supplement, Some(ask))
        .unwrap();
    supplement(&store, case, "sup-1", "household-book", 2);
    assert_eq!(
        status(&store, &receipt),
        (CaseStatus::Supplement, Some(ask.into())),
        "announced is not supplied"
    );
    upload(&store, &key, "household-book", b"first page");
    assert_eq!(
        status(&store, &receipt).0,
        CaseStatus::Supplement,
        "the first of two photos is not the material"
    );
    upload(&store, &key, "id-photo-receipt", b"the late original upload");
    assert_eq!(
        status(&store, &receipt).0,
        CaseStatus::Supplement,
        "a late original photo is not the supplement"
    );
    upload(&store, &key, "household-book", b"own page");
    assert_eq!(
        status(&store, &receipt),
        (CaseStatus::Received, None),
        "supplied: back to pre-review"
    );

    // ---- round 2: a supplement sent before the request does not answer it ----
    supplement(&store, case, "sup-early", "id-photo-receipt", 1);
    let ask2 = "回执照片不清晰，请重新拍摄";
    store
        .review(&Operator::cli(), &receipt, CaseStatus::Supplement, Some(ask2))
        .unwrap();
    upload(&store, &key, "id-photo-receipt", b"sent before the request");
    assert_eq!(
        status(&store, &receipt),
        (CaseStatus::Supplement, Some(ask2.into())),
        "an earlier supplement does not answer a later request"
    );
    supplement(&store, case, "sup-2", "id-photo-receipt", 1);
    assert_eq!(status(&store, &receipt).0, CaseStatus::Supplement);
    upload(&store, &key, "id-photo-receipt", b"a sharp receipt photo");
    assert_eq!(status(&store, &receipt), (CaseStatus::Received, None));

    // ---- an approved case is not reopened by a photo ----
    store
        .review(&Operator::cli(), &receipt, CaseStatus::Approved, None)
        .unwrap();
    supplement(&store, case, "sup-late", "household-book", 1);
    upload(&store, &key, "household-book", b"after approval");
    assert_eq!(status(&store, &receipt).0, CaseStatus::Approved);
}
