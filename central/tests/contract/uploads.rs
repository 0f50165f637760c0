//! Chunked uploads: resume after a restart, a repeated chunk, a bad chunk hash, a wrong
//! offset, finalising an incomplete upload, and a whole file that differs from its hash.

use crate::lab::*;

fn uploads(db: Option<&str>) {
    let lab = Lab::start(db);
    let store = lab.store();
    lab.run(async {
        let mut a = lab.kiosk("K-A").await;
        let (_, key) = submit_one(&mut a).await;
        let photo: Vec<u8> = (0..2500u32).map(|i| (i * 7 % 251) as u8).collect();
        let create = api::CreateUpload {
            size: photo.len() as u64,
            sha256: sha256_hex(&photo),
        };
        let path = format!("/api/v1/applications/{key}/materials/household-book/uploads");
        let up: api::UploadState = post_json(&mut a, &path, &create).await;
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
        let r = post_empty(&mut a, &format!("/api/v1/uploads/{}/finalise", up.upload_id)).await;
        assert_eq!(r.status, 409, "finalising an incomplete upload");
        // "Restart": the kiosk lost the upload id; creating it again resumes.
        let mut a2 = lab.kiosk("K-A").await;
        let resumed: api::UploadState = post_json(&mut a2, &path, &create).await;
        assert_eq!(
            (resumed.upload_id.as_str(), resumed.received),
            (up.upload_id.as_str(), 1000)
        );
        let polled: api::UploadState = get_json(&mut a2, &format!("/api/v1/uploads/{}", up.upload_id)).await;
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
            let r = post_empty(&mut a2, &format!("/api/v1/uploads/{}/finalise", up.upload_id)).await;
            assert_eq!(
                r.json::<api::FinaliseResponse>().unwrap(),
                api::FinaliseResponse { stored: true }
            );
        }
        assert_eq!(store.upload_bytes(&Operator::cli(), &up.upload_id).unwrap(), photo);
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
        let r = post_empty(&mut a2, &format!("/api/v1/uploads/{}/finalise", up2.upload_id)).await;
        assert_eq!(
            (r.status, r.json::<api::ApiError>().unwrap().error.as_str()),
            (422, "sha256_mismatch")
        );
        let polled: api::UploadState = get_json(&mut a2, &format!("/api/v1/uploads/{}", up2.upload_id)).await;
        assert_eq!(polled.received, 0);
        let r = a2
            .post("/api/v1/applications/nope/materials/household-book/uploads", &create)
            .await
            .unwrap();
        assert_eq!(r.status, 404);
        assert_eq!(
            store.list(&township_central::store::Operator::cli(), 10).unwrap()[0].materials,
            1
        );
    });
}

on_both_databases!(uploads);
