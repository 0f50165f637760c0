//! Material uploads: created per application (or supplement) and material, received in
//! chunks with resume and per-chunk hashes, finalised against the whole file's hash. An
//! upload belongs to the kiosk that created it: another kiosk's id is "not found". A kiosk's
//! uploads of one day are bounded by its quota; uploads never finished are dropped after a
//! day.

use super::*;

/// The sealed column of finished photos.
pub(super) const PHOTO: &str = "upload_chunks.data";

fn upload_state(row: &Row) -> api::UploadState {
    api::UploadState {
        upload_id: row.text("upload_id"),
        received: row.int("received") as u64,
        stored: row.int("stored") == 1,
    }
}

impl Store {
    // ---- uploads --------------------------------------------------------------------

    /// A photo of material `code` for the caller's own application `key`.
    pub fn create_upload(
        &self,
        kiosk: Kiosk,
        key: &str,
        code: &str,
        request: &api::CreateUpload,
    ) -> Result<api::UploadState> {
        self.new_upload(kiosk, UploadFor::Application(key), code, request)
    }

    /// A photo of material `code` for the caller's own supplement `supplement_id`.
    pub fn create_supplement_upload(
        &self,
        kiosk: Kiosk,
        supplement_id: &str,
        code: &str,
        request: &api::CreateUpload,
    ) -> Result<api::UploadState> {
        self.new_upload(kiosk, UploadFor::Supplement(supplement_id), code, request)
    }

    /// A photo of material `code` for `owner` (the caller's own), within the kiosk's quota
    /// of the day; the same photo announced again is the same upload.
    fn new_upload(
        &self,
        kiosk: Kiosk,
        owner: UploadFor,
        code: &str,
        request: &api::CreateUpload,
    ) -> Result<api::UploadState> {
        if request.size == 0 || request.size > api::MAX_UPLOAD_BYTES {
            return refuse(
                413,
                "too_large",
                format!("size must be 1 to {} bytes", api::MAX_UPLOAD_BYTES),
            );
        }
        if request.sha256.len() != 64 || hex::decode(&request.sha256).ok().is_none() {
            return refuse(400, "bad_request", "sha256 must be 64 hex digits");
        }
        let sha = request.sha256.to_ascii_lowercase();
        self.tx(|sql| {
            let (key, supplement_id) = Self::upload_owner(sql, kiosk, owner, code)?;
            let key = key.as_str();
            self.check_upload_quota(sql, kiosk, request)?;
            if sql
                .query_one(
                    "SELECT photos FROM materials WHERE app_key = $1 AND code = $2",
                    &[key.into(), code.into()],
                )?
                .is_none()
            {
                return refuse(
                    422,
                    "invalid_material",
                    "this material is not in the application's manifest",
                );
            }
            Self::insert_upload(sql, kiosk, key, code, request, &sha, supplement_id)
        })
    }

    /// The application key an upload for `owner` goes under, and its supplement's id: the
    /// caller's own application, or the caller's own supplement naming material `code`.
    fn upload_owner(sql: &mut dyn Sql, kiosk: Kiosk, owner: UploadFor, code: &str) -> Result<(String, Option<String>)> {
        Ok(match owner {
            UploadFor::Application(key) => (Self::app_by_key(sql, kiosk, key)?.text("app_key"), None),
            UploadFor::Supplement(id) => {
                let Some(row) = sql.query_one(
                    "SELECT app_key, materials FROM supplements WHERE supplement_id = $1 AND kiosk_id = $2",
                    &[id.into(), kiosk.id().into()],
                )?
                else {
                    return refuse(404, "not_found", "no such supplement");
                };
                let named: Vec<api::MaterialManifest> = serde_json::from_str(&row.text("materials"))?;
                if !named.iter().any(|m| m.code == code) {
                    return refuse(422, "invalid_material", "this material is not in the supplement");
                }
                (row.text("app_key"), Some(id.to_string()))
            }
        })
    }

    /// Refuses (429) an upload that would take the kiosk past its photo bytes of 24 hours.
    fn check_upload_quota(&self, sql: &mut dyn Sql, kiosk: Kiosk, request: &api::CreateUpload) -> Result<()> {
        let today_bytes = sql
            .query_one(
                "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS bytes FROM uploads WHERE kiosk_id = $1 AND created_at > $2",
                &[kiosk.id().into(), (now() - 86_400).into()],
            )?
            .map_or(0, |r| r.int("bytes"));
        if today_bytes.saturating_add(request.size as i64) > self.limits.upload_bytes_per_day {
            return refuse(
                429,
                "quota_exceeded",
                "this kiosk sent its day's quota of photos: try again tomorrow",
            );
        }
        Ok(())
    }

    /// Records the upload unless the same photo of that material is already announced, and
    /// returns its state; the photo announced by another kiosk or with another size is a 409.
    fn insert_upload(
        sql: &mut dyn Sql,
        kiosk: Kiosk,
        key: &str,
        code: &str,
        request: &api::CreateUpload,
        sha: &str,
        supplement_id: Option<String>,
    ) -> Result<api::UploadState> {
        sql.exec(
            "INSERT INTO uploads (upload_id, app_key, code, size, sha256, received, stored, created_at, kiosk_id, supplement_id) \
             VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $7, $8) ON CONFLICT (app_key, code, sha256) DO NOTHING",
            &[
                short_id("U").into(),
                key.into(),
                code.into(),
                (request.size as i64).into(),
                sha.into(),
                now().into(),
                kiosk.id().into(),
                supplement_id.into(),
            ],
        )?;
        let row = sql
            .query_one(
                "SELECT upload_id, received, stored, size, kiosk_id FROM uploads WHERE app_key = $1 AND code = $2 AND sha256 = $3",
                &[key.into(), code.into(), sha.into()],
            )?
            .ok_or_else(|| anyhow::anyhow!("upload row missing"))?;
        if row.opt_text("kiosk_id").as_deref() != Some(kiosk.id()) {
            return refuse(
                409,
                "idempotency_conflict",
                "this photo was already sent from another kiosk",
            );
        }
        if row.int("size") != request.size as i64 {
            return refuse(
                409,
                "idempotency_conflict",
                "this photo was announced with another size",
            );
        }
        Ok(upload_state(&row))
    }

    /// The caller's own upload (another kiosk's is "not found").
    fn upload_row(sql: &mut dyn Sql, kiosk: Kiosk, upload_id: &str, lock: bool) -> Result<Row> {
        let suffix = if lock { sql.for_update() } else { "" };
        match sql.query_one(
            &format!(
                "SELECT upload_id, received, stored, size, sha256, app_key FROM uploads WHERE upload_id = $1 AND kiosk_id = $2{suffix}"
            ),
            &[upload_id.into(), kiosk.id().into()],
        )? {
            Some(row) => Ok(row),
            None => refuse(404, "not_found", "no such upload"),
        }
    }

    pub fn upload_state(&self, kiosk: Kiosk, upload_id: &str) -> Result<api::UploadState> {
        self.tx(|sql| Ok(upload_state(&Self::upload_row(sql, kiosk, upload_id, false)?)))
    }

    pub fn put_chunk(
        &self,
        kiosk: Kiosk,
        upload_id: &str,
        offset: u64,
        chunk_sha: Option<&str>,
        data: &[u8],
    ) -> Result<api::UploadState> {
        if data.len() > api::MAX_CHUNK_BYTES {
            return refuse(413, "too_large", "a chunk is at most 1 MiB");
        }
        match chunk_sha {
            None => return refuse(400, "bad_request", "the X-Chunk-Sha256 header is missing"),
            Some(h) if !h.eq_ignore_ascii_case(&sha256_hex(data)) => {
                return refuse(
                    422,
                    "chunk_hash_mismatch",
                    "the chunk's SHA-256 differs from X-Chunk-Sha256: send it again",
                );
            }
            Some(_) => {}
        }
        if offset > api::MAX_UPLOAD_BYTES {
            return refuse(413, "too_large", "the offset is beyond the largest upload");
        }
        let offset = offset as i64;
        let end = offset + data.len() as i64;
        self.tx(|sql| {
            let row = Self::upload_row(sql, kiosk, upload_id, true)?;
            let (received, stored, size) = (row.int("received"), row.int("stored") == 1, row.int("size"));
            if end > size {
                return refuse(413, "too_large", "the chunk goes beyond the announced size");
            }
            if offset > received {
                return refuse(409, "offset_mismatch", format!("the server holds {received} bytes: continue from there"));
            }
            if stored || end <= received {
                // Already held (a repeated chunk after a lost reply).
                return Ok(upload_state(&row));
            }
            // Cut what the server holds back to `offset`, then append.
            let tail = sql.query(
                &format!("SELECT chunk_offset, data FROM upload_chunks WHERE upload_id = $1 AND chunk_offset < $2 ORDER BY chunk_offset DESC LIMIT 1{}", sql.for_update()),
                &[upload_id.into(), offset.into()],
            )?;
            sql.exec(
                "DELETE FROM upload_chunks WHERE upload_id = $1 AND chunk_offset >= $2",
                &[upload_id.into(), offset.into()],
            )?;
            if let Some(last) = tail.first() {
                let start = last.int("chunk_offset");
                let bytes = self.sealer.open(PHOTO, &last.blob("data"))?;
                if start + bytes.len() as i64 > offset {
                    let kept = self.sealer.seal(PHOTO, &bytes[..(offset - start) as usize]);
                    sql.exec(
                        "UPDATE upload_chunks SET data = $1 WHERE upload_id = $2 AND chunk_offset = $3",
                        &[kept.into(), upload_id.into(), start.into()],
                    )?;
                }
            }
            // Sealed from the first byte: a photo is never on the disk in clear.
            sql.exec(
                "INSERT INTO upload_chunks (upload_id, chunk_offset, data) VALUES ($1, $2, $3)",
                &[upload_id.into(), offset.into(), self.sealer.seal(PHOTO, data).into()],
            )?;
            sql.exec(
                "UPDATE uploads SET received = $1 WHERE upload_id = $2",
                &[end.into(), upload_id.into()],
            )?;
            Ok(api::UploadState {
                upload_id: upload_id.to_string(),
                received: end as u64,
                stored: false,
            })
        })
    }

    pub fn finalise(&self, kiosk: Kiosk, upload_id: &str) -> Result<api::FinaliseResponse> {
        let outcome = self.tx(|sql| {
            let row = Self::upload_row(sql, kiosk, upload_id, true)?;
            if row.int("stored") == 1 {
                return Ok(Ok(()));
            }
            if row.int("received") != row.int("size") {
                return refuse(
                    409,
                    "incomplete",
                    format!("the server holds {} of {} bytes", row.int("received"), row.int("size")),
                );
            }
            let mut photo = Vec::with_capacity(row.int("size").max(0) as usize);
            for chunk in sql.query(
                "SELECT data FROM upload_chunks WHERE upload_id = $1 ORDER BY chunk_offset",
                &[upload_id.into()],
            )? {
                photo.extend_from_slice(&self.sealer.open(PHOTO, &chunk.blob("data"))?);
            }
            if sha256_hex(&photo) != row.text("sha256") {
                sql.exec("DELETE FROM upload_chunks WHERE upload_id = $1", &[upload_id.into()])?;
                sql.exec(
                    "UPDATE uploads SET received = 0 WHERE upload_id = $1",
                    &[upload_id.into()],
                )?;
                // Commit the reset, then refuse.
                return Ok(Err(()));
            }
            // Kept sealed from here on: the chunks give way to one sealed photo.
            sql.exec("DELETE FROM upload_chunks WHERE upload_id = $1", &[upload_id.into()])?;
            sql.exec(
                "INSERT INTO upload_chunks (upload_id, chunk_offset, data) VALUES ($1, 0, $2)",
                &[upload_id.into(), self.sealer.seal(PHOTO, &photo).into()],
            )?;
            sql.exec(
                "UPDATE uploads SET stored = 1 WHERE upload_id = $1",
                &[upload_id.into()],
            )?;
            Self::close_answered_supplement(sql, &row.text("app_key"))?;
            Ok(Ok(()))
        })?;
        match outcome {
            Ok(()) => Ok(api::FinaliseResponse { stored: true }),
            Err(()) => refuse(
                422,
                "sha256_mismatch",
                "the whole upload's SHA-256 differs: upload it again from 0",
            ),
        }
    }

    /// A case waiting for a supplement goes back to `received` (pre-review) only when
    /// supplements answered this request and every material they name is complete (all its
    /// announced photos stored, the supplement's and the original ones). A photo of another
    /// material, of a supplement sent before the request, or the first of several photos
    /// does not reopen it.
    fn close_answered_supplement(sql: &mut dyn Sql, app_key: &str) -> Result<()> {
        let waiting = sql.query_one(
            "SELECT 1 FROM applications WHERE app_key = $1 AND status = 'supplement'",
            &[app_key.into()],
        )?;
        if waiting.is_none() {
            return Ok(());
        }
        let mut codes = std::collections::BTreeSet::new();
        for row in sql.query(
            "SELECT s.materials FROM supplement_answers a JOIN supplements s ON s.supplement_id = a.supplement_id WHERE a.app_key = $1",
            &[app_key.into()],
        )? {
            let named: Vec<api::MaterialManifest> = serde_json::from_str(&row.text("materials"))?;
            codes.extend(named.into_iter().map(|m| m.code));
        }
        if codes.is_empty() {
            return Ok(());
        }
        for code in &codes {
            let complete = sql
                .query_one(
                    "SELECT m.photos, (SELECT COUNT(*) FROM uploads u WHERE u.app_key = m.app_key AND u.code = m.code AND u.stored = 1) AS stored \
                     FROM materials m WHERE m.app_key = $1 AND m.code = $2",
                    &[app_key.into(), code.as_str().into()],
                )?
                .is_some_and(|r| r.int("photos") <= r.int("stored"));
            if !complete {
                return Ok(());
            }
        }
        sql.exec(
            "UPDATE applications SET status = 'received', message = NULL WHERE app_key = $1 AND status = 'supplement'",
            &[app_key.into()],
        )?;
        sql.exec("DELETE FROM supplement_answers WHERE app_key = $1", &[app_key.into()])?;
        let supplied: Vec<&str> = codes.iter().map(String::as_str).collect();
        casework::case_event(sql, app_key, "citizen", "supplement", Some(&supplied.join(", ")))?;
        Ok(())
    }

    /// Drops uploads created more than a day ago and never finalised, with their chunks;
    /// returns how many.
    pub fn drop_stale_uploads(&self) -> Result<u64> {
        let before = now() - 86_400;
        self.tx(|sql| {
            sql.exec(
                "DELETE FROM upload_chunks WHERE upload_id IN (SELECT upload_id FROM uploads WHERE stored = 0 AND created_at < $1)",
                &[before.into()],
            )?;
            sql.exec("DELETE FROM uploads WHERE stored = 0 AND created_at < $1", &[before.into()])
        })
    }

    /// The stored bytes of a finalised upload (for the back office).
    pub fn upload_bytes(&self, operator: &Operator, upload_id: &str) -> Result<Vec<u8>> {
        operator.require(operator.may_review())?;
        self.tx(|sql| {
            let mut out = Vec::new();
            for chunk in sql.query(
                "SELECT data FROM upload_chunks WHERE upload_id = $1 ORDER BY chunk_offset",
                &[upload_id.into()],
            )? {
                out.extend_from_slice(&self.sealer.open(PHOTO, &chunk.blob("data"))?);
            }
            Ok(out)
        })
    }
}

/// What an upload is for: the caller's application, or its supplement to someone's case.
enum UploadFor<'a> {
    Application(&'a str),
    Supplement(&'a str),
}
