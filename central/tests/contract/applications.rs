//! Submission: idempotent per key (replayed, 409 on another body, 422 when the key and the
//! application's UUID differ, 403 for another kiosk's body).

use crate::lab::*;

fn applications(db: Option<&str>) {
    let lab = Lab::start(db);
    let store = lab.store();
    lab.run(async {
        let mut a = lab.kiosk("K-A").await;
        let submission = fleet::submission("K-A", "KA", 1);
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
        let mut as_b = fleet::submission("K-B", "KB", 2);
        as_b.kiosk_id = "K-B".into();
        let r = post(
            &mut a,
            as_b.application.uuid.clone(),
            serde_json::to_vec(&as_b).unwrap(),
        )
        .await;
        assert_eq!(r.status, 403, "body kiosk_id of another kiosk");
        let listed = store.list(&township_central::store::Operator::cli(), 100).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].idempotency_key, key);
    });
}

on_both_databases!(applications);
