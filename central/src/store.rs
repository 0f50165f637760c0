//! The central system's operations, written once against [`Sql`]: idempotent submission,
//! chunked uploads, status, pre-review, payments, appointments, ratings, complaints,
//! heartbeats, revocation and operator accounts. A refusal is a [`Refusal`] carrying its
//! HTTP status; anything else is a server error (5xx, the kiosk retries).

use crate::db::{transaction, Backend, Row, Sql, Value};
use anyhow::Result;
use sha2::{Digest, Sha256};
use township_core::central_api::{self as api, CaseStatus, PaymentStatus};
use township_core::domain::calendar::{Date, WorkCalendar};
use township_core::domain::catalogue::Catalogue;
use township_core::domain::receipt::ReceiptNumber;

/// A permanent refusal: an HTTP status (4xx) with a stable code and a message free of
/// personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct Refusal {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

pub fn refuse<T>(status: u16, code: &'static str, message: impl Into<String>) -> Result<T> {
    Err(Refusal {
        status,
        code,
        message: message.into(),
    }
    .into())
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn today() -> Date {
    Date::from_unix_china(now())
}

/// A stored HTTP answer: status and JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub replayed: bool,
}

impl Answer {
    pub fn json(status: u16, value: &impl serde::Serialize) -> Answer {
        Answer {
            status,
            body: serde_json::to_string(value).unwrap_or_else(|_| "{}".into()),
            replayed: false,
        }
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn short_id(prefix: &str) -> String {
    let u = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}-{}", &u[..16])
}

/// The central system's state: a database and the facts it serves.
pub struct Store {
    pub db: Box<dyn Backend>,
    pub catalogue: Catalogue,
    pub catalogue_toml: String,
    pub lookup_key: Vec<u8>,
    pub calendar: WorkCalendar,
    /// Seconds without a heartbeat after which a kiosk is offline.
    pub offline_after_secs: i64,
    pub payment_ttl_secs: i64,
}

/// Runs `create` once per (scope, key); later calls with the same fingerprint get the first
/// answer back, with another fingerprint a 409. Runs inside the caller's transaction, so
/// the key and what it created commit together.
fn idempotent(
    sql: &mut dyn Sql,
    scope: &str,
    key: &str,
    kiosk: &str,
    fingerprint: &str,
    create: impl FnOnce(&mut dyn Sql) -> Result<Answer>,
) -> Result<Answer> {
    if key.is_empty() || key.len() > 100 {
        return refuse(400, "bad_request", "the idempotency key must be 1 to 100 characters");
    }
    let claimed = sql.exec(
        "INSERT INTO idempotency (scope, key, kiosk_id, fingerprint, status, body, created_at) VALUES ($1, $2, $3, $4, 0, '', $5) ON CONFLICT (scope, key) DO NOTHING",
        &[scope.into(), key.into(), kiosk.into(), fingerprint.into(), now().into()],
    )?;
    if claimed == 0 {
        let row = sql
            .query_one(
                "SELECT fingerprint, status, body FROM idempotency WHERE scope = $1 AND key = $2",
                &[scope.into(), key.into()],
            )?
            .ok_or_else(|| anyhow::anyhow!("idempotency row vanished"))?;
        if row.text(0) != fingerprint {
            return refuse(
                409,
                "idempotency_conflict",
                "this idempotency key was used with another request body",
            );
        }
        return Ok(Answer {
            status: row.int(1) as u16,
            body: row.text(2),
            replayed: true,
        });
    }
    let answer = create(sql)?;
    sql.exec(
        "UPDATE idempotency SET status = $1, body = $2 WHERE scope = $3 AND key = $4",
        &[
            i64::from(answer.status).into(),
            answer.body.clone().into(),
            scope.into(),
            key.into(),
        ],
    )?;
    Ok(answer)
}

fn next_counter(sql: &mut dyn Sql, name: &str) -> Result<i64> {
    sql.exec(
        "INSERT INTO counters (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING",
        &[name.into()],
    )?;
    let row = sql.query_one(
        "UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value",
        &[name.into()],
    )?;
    Ok(row.map(|r| r.int(0)).unwrap_or(1))
}

fn fingerprint_of(value: &impl serde::Serialize) -> String {
    sha256_hex(&serde_json::to_vec(value).unwrap_or_default())
}

/// A row of `township-central ratings --json`: a 好差评 as the kiosk sent it, with the
/// date its follow-up is due (ratings of 1–2 stars must be followed up).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ListedRating {
    pub rating_id: String,
    pub kiosk_id: String,
    pub receipt_no: Option<String>,
    pub stars: i64,
    pub reasons: Vec<String>,
    pub follow_up_due: Option<String>,
    pub created_at: i64,
}

/// A consultation or complaint, as `township-central complaints --json` lists it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ListedComplaint {
    pub ticket_no: String,
    pub kiosk_id: String,
    /// `kind/topic`, e.g. `complaint/staff`.
    pub topic: String,
    /// The number to call back.
    pub phone: String,
    pub text: String,
    pub created_at: i64,
}

/// A row of `township-central list --json`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ListedApplication {
    pub receipt_no: String,
    pub kiosk_id: String,
    pub idempotency_key: String,
    pub item_code: String,
    pub case_number: String,
    pub status: String,
    /// Unix seconds.
    pub received_at: i64,
    /// Photos stored (finalised uploads).
    pub materials: i64,
    pub materials_expected: i64,
}

/// What the back office shows of one application (personal data masked).
#[derive(Clone, Debug)]
pub struct ApplicationDetail {
    pub listed: ListedApplication,
    pub message: Option<String>,
    pub expected_on: Option<String>,
    pub applicant_masked: String,
    pub materials: Vec<(String, i64, i64)>,
    pub reviewed_by: Option<String>,
}

/// The dashboard's view of one kiosk.
#[derive(Clone, Debug, serde::Serialize)]
pub struct KioskView {
    pub kiosk_id: String,
    pub state: &'static str,
    pub version: String,
    pub uptime_secs: i64,
    pub last_seen: i64,
    pub clock_drift: i64,
    pub reader: String,
    pub printer: String,
    pub camera: String,
    pub gpio: String,
    pub paper: String,
    pub pending: i64,
    pub dead: i64,
    pub oldest_pending_age: Option<i64>,
    pub last_sent_at: Option<i64>,
    pub last_errors: Vec<String>,
    pub submissions: i64,
    pub refused: i64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct PaymentRow {
    pub order_id: String,
    pub kiosk_id: String,
    pub item_code: String,
    pub amount_fen: i64,
    pub status: String,
    pub expires_at: i64,
}

const APP_COLUMNS: &str = "a.receipt_no, a.kiosk_id, a.app_key, a.item_code, a.case_number, a.status, a.received_at, \
  (SELECT COUNT(*) FROM uploads u WHERE u.app_key = a.app_key AND u.stored = 1), \
  (SELECT CAST(COALESCE(SUM(m.photos), 0) AS BIGINT) FROM materials m WHERE m.app_key = a.app_key), \
  a.message, a.expected_on, a.body, a.reviewed_by";

fn listed(row: &Row) -> ListedApplication {
    ListedApplication {
        receipt_no: row.text(0),
        kiosk_id: row.text(1),
        idempotency_key: row.text(2),
        item_code: row.text(3),
        case_number: row.text(4),
        status: row.text(5),
        received_at: row.int(6),
        materials: row.int(7),
        materials_expected: row.int(8),
    }
}

fn status_of(row: &Row) -> api::StatusResponse {
    api::StatusResponse {
        receipt_no: row.text(0),
        item_code: row.text(3),
        status: CaseStatus::parse(&row.text(5)).unwrap_or(CaseStatus::Received),
        message: row.opt_text(9),
        expected_on: row.opt_text(10).and_then(|d| Date::parse(&d)),
    }
}

impl Store {
    pub fn tx<T>(&self, f: impl FnOnce(&mut dyn Sql) -> Result<T>) -> Result<T> {
        transaction(self.db.as_ref(), f)
    }

    // ---- applications -------------------------------------------------------------

    pub fn submit(&self, kiosk: &str, key: &str, request: &api::SubmitApplication) -> Result<Answer> {
        if request.kiosk_id != kiosk {
            return refuse(403, "kiosk_id_mismatch", "kiosk_id differs from the client certificate");
        }
        if request.application.uuid != key {
            return refuse(
                422,
                "invalid_application",
                "the Idempotency-Key differs from application.uuid",
            );
        }
        if ReceiptNumber::parse(&request.receipt_no).is_err() {
            return refuse(422, "invalid_application", "malformed receipt number");
        }
        let Some(item) = self
            .catalogue
            .items
            .iter()
            .find(|i| i.code == request.application.item_code)
        else {
            return refuse(422, "invalid_application", "unknown item code");
        };
        for m in &request.materials {
            if !item.materials().any(|(code, _)| *code == m.code)
                || m.photos > 20
                || m.bytes > api::MAX_UPLOAD_BYTES * 20
            {
                return refuse(
                    422,
                    "invalid_application",
                    format!("material {} is not one of the item's", m.code),
                );
            }
        }
        let fingerprint = fingerprint_of(request);
        let expected_on = self
            .calendar
            .add_working_days(request.application.submitted_on, item.promised_days);
        let id_hash = api::id_lookup_hash(&self.lookup_key, &request.application.applicant.id);
        let body = serde_json::to_string(request)?;
        let result = self.tx(|sql| {
            idempotent(sql, "application", key, kiosk, &fingerprint, |sql| {
                let taken = sql.query_one(
                    "SELECT app_key FROM applications WHERE receipt_no = $1",
                    &[request.receipt_no.as_str().into()],
                )?;
                if taken.is_some() {
                    return refuse(422, "invalid_application", "this receipt number belongs to another application");
                }
                let seq = next_counter(sql, "case")?;
                let case_number = format!("C-{}-{seq:06}", today().compact());
                let now = now();
                sql.exec(
                    "INSERT INTO applications (app_key, receipt_no, case_number, kiosk_id, item_code, submitted_on, received_at, status, expected_on, id_hash, body) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'received', $8, $9, $10)",
                    &[
                        key.into(),
                        request.receipt_no.as_str().into(),
                        case_number.as_str().into(),
                        kiosk.into(),
                        request.application.item_code.as_str().into(),
                        request.application.submitted_on.to_string().into(),
                        now.into(),
                        expected_on.to_string().into(),
                        id_hash.as_str().into(),
                        body.as_str().into(),
                    ],
                )?;
                for m in &request.materials {
                    sql.exec(
                        "INSERT INTO materials (app_key, code, photos, bytes) VALUES ($1, $2, $3, $4)",
                        &[key.into(), m.code.as_str().into(), i64::from(m.photos).into(), (m.bytes as i64).into()],
                    )?;
                }
                sql.exec(
                    "INSERT INTO kiosks (kiosk_id) VALUES ($1) ON CONFLICT (kiosk_id) DO NOTHING",
                    &[kiosk.into()],
                )?;
                sql.exec(
                    "UPDATE kiosks SET submissions = submissions + 1, last_submission_at = $2 WHERE kiosk_id = $1",
                    &[kiosk.into(), now.into()],
                )?;
                Ok(Answer::json(
                    201,
                    &api::SubmitResponse {
                        case_number,
                        status: CaseStatus::Received,
                    },
                ))
            })
        });
        if let Err(e) = &result {
            if e.downcast_ref::<Refusal>().is_some() {
                self.note_refusal(kiosk);
            }
        }
        result
    }

    /// Counts a refused request against the kiosk (the dashboard's "partial" state).
    pub fn note_refusal(&self, kiosk: &str) {
        let _ = self.tx(|sql| {
            sql.exec(
                "INSERT INTO kiosks (kiosk_id) VALUES ($1) ON CONFLICT (kiosk_id) DO NOTHING",
                &[kiosk.into()],
            )?;
            sql.exec(
                "UPDATE kiosks SET refused = refused + 1, last_refused_at = $2 WHERE kiosk_id = $1",
                &[kiosk.into(), now().into()],
            )
        });
    }

    fn app_by_key(sql: &mut dyn Sql, key: &str) -> Result<Row> {
        match sql.query_one(
            &format!("SELECT {APP_COLUMNS} FROM applications a WHERE a.app_key = $1"),
            &[key.into()],
        )? {
            Some(row) => Ok(row),
            None => refuse(404, "not_found", "no such application"),
        }
    }

    fn app_by_receipt(sql: &mut dyn Sql, receipt: &str) -> Result<Row> {
        match sql.query_one(
            &format!("SELECT {APP_COLUMNS} FROM applications a WHERE a.receipt_no = $1"),
            &[receipt.into()],
        )? {
            Some(row) => Ok(row),
            None => refuse(404, "not_found", "no such receipt number"),
        }
    }

    pub fn status(&self, receipt: &str) -> Result<api::StatusResponse> {
        self.tx(|sql| Ok(status_of(&Self::app_by_receipt(sql, receipt)?)))
    }

    pub fn status_query(&self, query: &api::StatusQuery) -> Result<api::StatusQueryResponse> {
        if query.id_hash.len() != 64 || hex::decode(&query.id_hash).ok().is_none() {
            return refuse(400, "bad_request", "id_hash must be 64 hex digits");
        }
        self.tx(|sql| {
            let rows = sql.query(
                &format!("SELECT {APP_COLUMNS} FROM applications a WHERE a.id_hash = $1 ORDER BY a.received_at DESC, a.receipt_no DESC LIMIT 50"),
                &[query.id_hash.to_ascii_lowercase().into()],
            )?;
            Ok(api::StatusQueryResponse {
                applications: rows.iter().map(status_of).collect(),
            })
        })
    }

    pub fn list(&self, limit: i64) -> Result<Vec<ListedApplication>> {
        self.tx(|sql| {
            let rows = sql.query(
                &format!(
                    "SELECT {APP_COLUMNS} FROM applications a ORDER BY a.received_at DESC, a.receipt_no DESC LIMIT $1"
                ),
                &[limit.into()],
            )?;
            Ok(rows.iter().map(listed).collect())
        })
    }

    pub fn count_applications(&self) -> Result<i64> {
        self.tx(|sql| {
            Ok(sql
                .query_one("SELECT COUNT(*) FROM applications", &[])?
                .map(|r| r.int(0))
                .unwrap_or(0))
        })
    }

    pub fn detail(&self, receipt: &str) -> Result<ApplicationDetail> {
        self.tx(|sql| {
            let row = Self::app_by_receipt(sql, receipt)?;
            let key = row.text(2);
            let request: Option<api::SubmitApplication> = serde_json::from_str(&row.text(11)).ok();
            let applicant_masked = request
                .map(|r| format!("{} {}", r.application.applicant.masked_name(), r.application.applicant.id.masked()))
                .unwrap_or_default();
            let materials = sql
                .query(
                    "SELECT m.code, m.photos, (SELECT COUNT(*) FROM uploads u WHERE u.app_key = m.app_key AND u.code = m.code AND u.stored = 1) FROM materials m WHERE m.app_key = $1 ORDER BY m.code",
                    &[key.into()],
                )?
                .iter()
                .map(|r| (r.text(0), r.int(1), r.int(2)))
                .collect();
            Ok(ApplicationDetail {
                listed: listed(&row),
                message: row.opt_text(9),
                expected_on: row.opt_text(10),
                applicant_masked,
                materials,
                reviewed_by: row.opt_text(12),
            })
        })
    }

    /// The pre-review action (back office page or `township-central review`).
    pub fn review(&self, receipt: &str, status: CaseStatus, message: Option<&str>, operator: &str) -> Result<()> {
        if matches!(status, CaseStatus::Supplement | CaseStatus::Rejected)
            && message.is_none_or(|m| m.trim().is_empty())
        {
            return refuse(
                422,
                "message_required",
                "a supplement request or a refusal needs a message",
            );
        }
        if message.is_some_and(|m| m.chars().count() > 500) {
            return refuse(422, "message_too_long", "the message is longer than 500 characters");
        }
        self.tx(|sql| {
            Self::app_by_receipt(sql, receipt)?;
            sql.exec(
                "UPDATE applications SET status = $1, message = $2, reviewed_by = $3, reviewed_at = $4 WHERE receipt_no = $5",
                &[
                    status.as_str().into(),
                    message.map(|m| m.trim().to_string()).into(),
                    operator.into(),
                    now().into(),
                    receipt.into(),
                ],
            )?;
            // A new pre-review result closes the supplement round: a new request waits
            // for a new supplement; an approval or refusal ends it.
            sql.exec(
                "DELETE FROM supplement_answers WHERE app_key = (SELECT app_key FROM applications WHERE receipt_no = $1)",
                &[receipt.into()],
            )?;
            sql.exec(
                "INSERT INTO audit (at, operator, action, subject) VALUES ($1, $2, $3, $4)",
                &[now().into(), operator.into(), format!("review:{}", status.as_str()).into(), receipt.into()],
            )?;
            Ok(())
        })
    }

    pub fn supplement(&self, kiosk: &str, receipt: &str, request: &api::CreateSupplement) -> Result<Answer> {
        let fingerprint = fingerprint_of(&(receipt, request));
        self.tx(|sql| {
            idempotent(sql, "supplement", &request.idempotency_key, kiosk, &fingerprint, |sql| {
                let row = Self::app_by_receipt(sql, receipt)?;
                let key = row.text(2);
                let status = CaseStatus::parse(&row.text(5)).unwrap_or(CaseStatus::Received);
                if !matches!(status, CaseStatus::Supplement | CaseStatus::Received | CaseStatus::Approved) {
                    return refuse(409, "case_closed", "this case takes no more materials");
                }
                let item = self.catalogue.items.iter().find(|i| i.code == row.text(3));
                for m in &request.materials {
                    if !item.is_some_and(|i| i.materials().any(|(c, _)| *c == m.code)) || m.photos > 20 {
                        return refuse(422, "invalid_material", format!("material {} is not one of the item's", m.code));
                    }
                    sql.exec(
                        "INSERT INTO materials (app_key, code, photos, bytes) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (app_key, code) DO UPDATE SET photos = materials.photos + excluded.photos, bytes = materials.bytes + excluded.bytes",
                        &[key.as_str().into(), m.code.as_str().into(), i64::from(m.photos).into(), (m.bytes as i64).into()],
                    )?;
                }
                let supplement_id = short_id("S");
                sql.exec(
                    "INSERT INTO supplements (supplement_id, app_key, kiosk_id, materials, created_at) VALUES ($1, $2, $3, $4, $5)",
                    &[
                        supplement_id.as_str().into(),
                        key.as_str().into(),
                        kiosk.into(),
                        serde_json::to_string(&request.materials)?.into(),
                        now().into(),
                    ],
                )?;
                if status == CaseStatus::Supplement {
                    // This supplement answers the open request: the case goes back to
                    // pre-review once the materials it names are complete.
                    sql.exec(
                        "INSERT INTO supplement_answers (supplement_id, app_key) VALUES ($1, $2)",
                        &[supplement_id.as_str().into(), key.as_str().into()],
                    )?;
                }
                Ok(Answer::json(
                    201,
                    &api::SupplementResponse {
                        supplement_id,
                        application_key: key,
                        status,
                    },
                ))
            })
        })
    }

    // ---- uploads --------------------------------------------------------------------

    pub fn create_upload(&self, key: &str, code: &str, request: &api::CreateUpload) -> Result<api::UploadState> {
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
            Self::app_by_key(sql, key)?;
            if sql
                .query_one(
                    "SELECT photos FROM materials WHERE app_key = $1 AND code = $2",
                    &[key.into(), code.into()],
                )?
                .is_none()
            {
                return refuse(422, "invalid_material", "this material is not in the application's manifest");
            }
            sql.exec(
                "INSERT INTO uploads (upload_id, app_key, code, size, sha256, received, stored, created_at) VALUES ($1, $2, $3, $4, $5, 0, 0, $6) \
                 ON CONFLICT (app_key, code, sha256) DO NOTHING",
                &[short_id("U").into(), key.into(), code.into(), (request.size as i64).into(), sha.as_str().into(), now().into()],
            )?;
            let row = sql
                .query_one(
                    "SELECT upload_id, received, stored, size FROM uploads WHERE app_key = $1 AND code = $2 AND sha256 = $3",
                    &[key.into(), code.into(), sha.as_str().into()],
                )?
                .ok_or_else(|| anyhow::anyhow!("upload row missing"))?;
            if row.int(3) != request.size as i64 {
                return refuse(409, "idempotency_conflict", "this photo was announced with another size");
            }
            Ok(upload_state(&row))
        })
    }

    fn upload_row(sql: &mut dyn Sql, upload_id: &str, lock: bool) -> Result<Row> {
        let suffix = if lock { sql.for_update() } else { "" };
        match sql.query_one(
            &format!(
                "SELECT upload_id, received, stored, size, sha256, app_key FROM uploads WHERE upload_id = $1{suffix}"
            ),
            &[upload_id.into()],
        )? {
            Some(row) => Ok(row),
            None => refuse(404, "not_found", "no such upload"),
        }
    }

    pub fn upload_state(&self, upload_id: &str) -> Result<api::UploadState> {
        self.tx(|sql| Ok(upload_state(&Self::upload_row(sql, upload_id, false)?)))
    }

    pub fn put_chunk(
        &self,
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
        let offset = offset as i64;
        let end = offset + data.len() as i64;
        self.tx(|sql| {
            let row = Self::upload_row(sql, upload_id, true)?;
            let (received, stored, size) = (row.int(1), row.int(2) == 1, row.int(3));
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
                let start = last.int(0);
                let bytes = last.blob(1);
                if start + bytes.len() as i64 > offset {
                    sql.exec(
                        "UPDATE upload_chunks SET data = $1 WHERE upload_id = $2 AND chunk_offset = $3",
                        &[bytes[..(offset - start) as usize].to_vec().into(), upload_id.into(), start.into()],
                    )?;
                }
            }
            sql.exec(
                "INSERT INTO upload_chunks (upload_id, chunk_offset, data) VALUES ($1, $2, $3)",
                &[upload_id.into(), offset.into(), data.to_vec().into()],
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

    pub fn finalise(&self, upload_id: &str) -> Result<api::FinaliseResponse> {
        let outcome = self.tx(|sql| {
            let row = Self::upload_row(sql, upload_id, true)?;
            if row.int(2) == 1 {
                return Ok(Ok(()));
            }
            if row.int(1) != row.int(3) {
                return refuse(
                    409,
                    "incomplete",
                    format!("the server holds {} of {} bytes", row.int(1), row.int(3)),
                );
            }
            let mut hasher = Sha256::new();
            for chunk in sql.query(
                "SELECT data FROM upload_chunks WHERE upload_id = $1 ORDER BY chunk_offset",
                &[upload_id.into()],
            )? {
                hasher.update(chunk.blob(0));
            }
            if hex::encode(hasher.finalize()) != row.text(4) {
                sql.exec("DELETE FROM upload_chunks WHERE upload_id = $1", &[upload_id.into()])?;
                sql.exec(
                    "UPDATE uploads SET received = 0 WHERE upload_id = $1",
                    &[upload_id.into()],
                )?;
                // Commit the reset, then refuse.
                return Ok(Err(()));
            }
            sql.exec(
                "UPDATE uploads SET stored = 1 WHERE upload_id = $1",
                &[upload_id.into()],
            )?;
            Self::close_answered_supplement(sql, &row.text(5))?;
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
            let named: Vec<api::MaterialManifest> = serde_json::from_str(&row.text(0))?;
            codes.extend(named.into_iter().map(|m| m.code));
        }
        if codes.is_empty() {
            return Ok(());
        }
        for code in &codes {
            let complete = sql
                .query_one(
                    "SELECT m.photos, (SELECT COUNT(*) FROM uploads u WHERE u.app_key = m.app_key AND u.code = m.code AND u.stored = 1) \
                     FROM materials m WHERE m.app_key = $1 AND m.code = $2",
                    &[app_key.into(), code.as_str().into()],
                )?
                .is_some_and(|r| r.int(0) <= r.int(1));
            if !complete {
                return Ok(());
            }
        }
        sql.exec(
            "UPDATE applications SET status = 'received', message = NULL WHERE app_key = $1 AND status = 'supplement'",
            &[app_key.into()],
        )?;
        sql.exec("DELETE FROM supplement_answers WHERE app_key = $1", &[app_key.into()])?;
        Ok(())
    }

    /// The stored bytes of a finalised upload (for the back office).
    pub fn upload_bytes(&self, upload_id: &str) -> Result<Vec<u8>> {
        self.tx(|sql| {
            let mut out = Vec::new();
            for chunk in sql.query(
                "SELECT data FROM upload_chunks WHERE upload_id = $1 ORDER BY chunk_offset",
                &[upload_id.into()],
            )? {
                out.extend_from_slice(&chunk.blob(0));
            }
            Ok(out)
        })
    }

    // ---- payments -------------------------------------------------------------------

    pub fn create_payment(&self, kiosk: &str, request: &api::CreatePayment) -> Result<Answer> {
        let Some(item) = self.catalogue.items.iter().find(|i| i.code == request.item_code) else {
            return refuse(422, "invalid_item", "unknown item code");
        };
        if item.fee_fen == 0 || item.fee_fen != request.amount_fen {
            return refuse(422, "amount_mismatch", "the amount is not the item's fee");
        }
        let fingerprint = fingerprint_of(request);
        self.tx(|sql| {
            idempotent(sql, "payment", &request.idempotency_key, kiosk, &fingerprint, |sql| {
                let order_id = short_id("P");
                let expires_at = now() + self.payment_ttl_secs;
                sql.exec(
                    "INSERT INTO payments (order_id, kiosk_id, item_code, amount_fen, status, created_at, expires_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6)",
                    &[
                        order_id.as_str().into(),
                        kiosk.into(),
                        request.item_code.as_str().into(),
                        i64::from(request.amount_fen).into(),
                        now().into(),
                        expires_at.into(),
                    ],
                )?;
                Ok(Answer::json(201, &payment_order(&order_id, i64::from(request.amount_fen), expires_at, PaymentStatus::Pending)))
            })
        })
    }

    fn payment_row(sql: &mut dyn Sql, order_id: &str) -> Result<Row> {
        let suffix = sql.for_update();
        match sql.query_one(
            &format!("SELECT order_id, amount_fen, expires_at, status FROM payments WHERE order_id = $1{suffix}"),
            &[order_id.into()],
        )? {
            Some(row) => Ok(row),
            None => refuse(404, "not_found", "no such payment order"),
        }
    }

    /// The order, with a pending one past its expiry turned to expired.
    pub fn payment(&self, order_id: &str) -> Result<api::PaymentOrder> {
        self.tx(|sql| {
            let row = Self::payment_row(sql, order_id)?;
            let mut status = PaymentStatus::parse(&row.text(3)).unwrap_or(PaymentStatus::Pending);
            if status == PaymentStatus::Pending && now() > row.int(2) {
                status = PaymentStatus::Expired;
                sql.exec(
                    "UPDATE payments SET status = 'expired' WHERE order_id = $1",
                    &[order_id.into()],
                )?;
            }
            Ok(payment_order(order_id, row.int(1), row.int(2), status))
        })
    }

    /// Cancel (kiosk), or the back office's simulation: mark paid, expire.
    pub fn set_payment(&self, order_id: &str, to: PaymentStatus) -> Result<api::PaymentOrder> {
        self.payment(order_id)?;
        self.tx(|sql| {
            let row = Self::payment_row(sql, order_id)?;
            let current = PaymentStatus::parse(&row.text(3)).unwrap_or(PaymentStatus::Pending);
            let next = match (current, to) {
                (a, b) if a == b => a,
                (PaymentStatus::Pending, b) => b,
                (PaymentStatus::Paid, _) => return refuse(409, "already_paid", "this order is paid"),
                (a, _) => return refuse(409, "order_closed", format!("this order is {}", a.as_str())),
            };
            sql.exec(
                "UPDATE payments SET status = $1, paid_at = $2 WHERE order_id = $3",
                &[
                    next.as_str().into(),
                    (next == PaymentStatus::Paid).then(now).into(),
                    order_id.into(),
                ],
            )?;
            Ok(payment_order(order_id, row.int(1), row.int(2), next))
        })
    }

    pub fn payments(&self, limit: i64) -> Result<Vec<PaymentRow>> {
        self.tx(|sql| {
            Ok(sql
                .query(
                    "SELECT order_id, kiosk_id, item_code, amount_fen, status, expires_at FROM payments ORDER BY created_at DESC, order_id LIMIT $1",
                    &[limit.into()],
                )?
                .iter()
                .map(|r| PaymentRow {
                    order_id: r.text(0),
                    kiosk_id: r.text(1),
                    item_code: r.text(2),
                    amount_fen: r.int(3),
                    status: r.text(4),
                    expires_at: r.int(5),
                })
                .collect())
        })
    }

    // ---- appointments ---------------------------------------------------------------

    pub fn slots(&self, from: Date, days: u32) -> Result<api::SlotsResponse> {
        if !(1..=31).contains(&days) {
            return refuse(400, "bad_request", "days must be 1 to 31");
        }
        let mut slots = Vec::new();
        for d in 0..i64::from(days) {
            slots.extend(township_core::domain::opening_hours::day_slots(
                &self.calendar,
                from.add_days(d),
            ));
        }
        self.tx(|sql| {
            for (slot, capacity) in slots.iter_mut() {
                let booked = sql
                    .query_one(
                        "SELECT booked FROM slot_counts WHERE slot_id = $1",
                        &[slot.slot_id.as_str().into()],
                    )?
                    .map(|r| r.int(0))
                    .unwrap_or(0);
                slot.free = (i64::from(*capacity) - booked).max(0) as u32;
            }
            Ok(api::SlotsResponse {
                slots: slots.into_iter().map(|(s, _)| s).collect(),
            })
        })
    }

    pub fn book(&self, kiosk: &str, request: &api::BookAppointment) -> Result<Answer> {
        let Some((mut slot, capacity)) = township_core::domain::opening_hours::find(&self.calendar, &request.slot_id)
        else {
            return refuse(404, "not_found", "no such slot");
        };
        if slot.date < today() {
            return refuse(422, "slot_past", "this slot is in the past");
        }
        if !self.catalogue.items.iter().any(|i| i.code == request.item_code) {
            return refuse(422, "invalid_item", "unknown item code");
        }
        let phone_ok = request.phone.len() == 11 && request.phone.bytes().all(|b| b.is_ascii_digit());
        if !phone_ok {
            return refuse(422, "invalid_phone", "the phone number must be 11 digits");
        }
        let fingerprint = fingerprint_of(request);
        self.tx(|sql| {
            idempotent(sql, "booking", &request.idempotency_key, kiosk, &fingerprint, |sql| {
                let booked = sql
                    .query_one(
                        "INSERT INTO slot_counts (slot_id, booked) VALUES ($1, 1) ON CONFLICT (slot_id) DO UPDATE SET booked = slot_counts.booked + 1 RETURNING booked",
                        &[request.slot_id.as_str().into()],
                    )?
                    .map(|r| r.int(0))
                    .unwrap_or(1);
                if booked > i64::from(capacity) {
                    return refuse(409, "slot_full", "this slot is fully booked");
                }
                // Read out at the window and typed by staff: a dated counter, not a hex id.
                let booking_no = format!("B-{}-{:05}", today().compact(), next_counter(sql, "booking")?);
                sql.exec(
                    "INSERT INTO bookings (booking_no, slot_id, item_code, phone, kiosk_id, status, created_at) VALUES ($1, $2, $3, $4, $5, 'booked', $6)",
                    &[
                        booking_no.as_str().into(),
                        request.slot_id.as_str().into(),
                        request.item_code.as_str().into(),
                        request.phone.as_str().into(),
                        kiosk.into(),
                        now().into(),
                    ],
                )?;
                slot.free = (i64::from(capacity) - booked) as u32;
                Ok(Answer::json(
                    201,
                    &api::Booking {
                        qr_payload: format!("township-booking://{booking_no}"),
                        booking_no,
                        slot,
                        status: "booked".into(),
                    },
                ))
            })
        })
    }

    pub fn cancel_booking(&self, booking_no: &str) -> Result<api::Booking> {
        self.tx(|sql| {
            let suffix = sql.for_update();
            let Some(row) = sql.query_one(
                &format!("SELECT slot_id, status FROM bookings WHERE booking_no = $1{suffix}"),
                &[booking_no.into()],
            )?
            else {
                return refuse(404, "not_found", "no such booking");
            };
            let slot_id = row.text(0);
            if row.text(1) == "booked" {
                sql.exec(
                    "UPDATE bookings SET status = 'cancelled' WHERE booking_no = $1",
                    &[booking_no.into()],
                )?;
                sql.exec(
                    "UPDATE slot_counts SET booked = booked - 1 WHERE slot_id = $1 AND booked > 0",
                    &[slot_id.as_str().into()],
                )?;
            }
            let (mut slot, capacity) = township_core::domain::opening_hours::find(&self.calendar, &slot_id)
                .ok_or_else(|| anyhow::anyhow!("booked slot no longer exists"))?;
            let booked = sql
                .query_one(
                    "SELECT booked FROM slot_counts WHERE slot_id = $1",
                    &[slot_id.as_str().into()],
                )?
                .map(|r| r.int(0))
                .unwrap_or(0);
            slot.free = (i64::from(capacity) - booked).max(0) as u32;
            Ok(api::Booking {
                booking_no: booking_no.to_string(),
                qr_payload: format!("township-booking://{booking_no}"),
                slot,
                status: "cancelled".into(),
            })
        })
    }

    // ---- ratings and complaints -------------------------------------------------------

    pub fn rate(&self, kiosk: &str, request: &api::SubmitRating) -> Result<Answer> {
        if !(1..=5).contains(&request.stars) {
            return refuse(422, "invalid_stars", "stars must be 1 to 5");
        }
        if request.reasons.len() > 10 || request.reasons.iter().any(|r| r.len() > 64) {
            return refuse(422, "invalid_reasons", "at most 10 reasons of 64 characters");
        }
        if request
            .receipt_no
            .as_ref()
            .is_some_and(|r| r.is_empty() || r.len() > 40)
        {
            return refuse(422, "invalid_receipt", "a receipt number has 1 to 40 characters");
        }
        let fingerprint = fingerprint_of(request);
        self.tx(|sql| {
            idempotent(sql, "rating", &request.idempotency_key, kiosk, &fingerprint, |sql| {
                // The application need not be here yet: a rating given right after a
                // submission made offline arrives before the outbox delivers it.
                let rating_id = short_id("R");
                let follow_up_due = (request.stars <= 2).then(|| self.calendar.add_working_days(today(), 15));
                sql.exec(
                    "INSERT INTO ratings (rating_id, receipt_no, kiosk_id, stars, reasons, follow_up_due, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[
                        rating_id.as_str().into(),
                        request.receipt_no.clone().into(),
                        kiosk.into(),
                        i64::from(request.stars).into(),
                        serde_json::to_string(&request.reasons)?.into(),
                        follow_up_due.map(|d| d.to_string()).into(),
                        now().into(),
                    ],
                )?;
                Ok(Answer::json(201, &api::RatingResponse { rating_id, follow_up_due }))
            })
        })
    }

    /// The ratings received, newest first.
    pub fn ratings(&self, limit: i64) -> Result<Vec<ListedRating>> {
        self.tx(|sql| {
            let rows = sql.query(
                "SELECT rating_id, kiosk_id, receipt_no, stars, reasons, follow_up_due, created_at FROM ratings ORDER BY created_at DESC, rating_id DESC LIMIT $1",
                &[limit.into()],
            )?;
            // A damaged reasons column is an error to see, not a rating without reasons.
            rows.iter()
                .map(|r| {
                    Ok(ListedRating {
                        rating_id: r.text(0),
                        kiosk_id: r.text(1),
                        receipt_no: r.opt_text(2),
                        stars: r.int(3),
                        reasons: serde_json::from_str(&r.text(4))?,
                        follow_up_due: r.opt_text(5),
                        created_at: r.int(6),
                    })
                })
                .collect()
        })
    }

    pub fn complaints(&self, limit: i64) -> Result<Vec<ListedComplaint>> {
        self.tx(|sql| {
            let rows = sql.query(
                "SELECT ticket_no, kiosk_id, topic, phone, body, created_at FROM complaints ORDER BY created_at DESC, ticket_no DESC LIMIT $1",
                &[limit.into()],
            )?;
            Ok(rows
                .iter()
                .map(|r| ListedComplaint {
                    ticket_no: r.text(0),
                    kiosk_id: r.text(1),
                    topic: r.text(2),
                    phone: r.text(3),
                    text: r.text(4),
                    created_at: r.int(5),
                })
                .collect())
        })
    }

    pub fn complain(&self, kiosk: &str, request: &api::SubmitComplaint) -> Result<Answer> {
        let phone_ok = request.phone.len() == 11 && request.phone.bytes().all(|b| b.is_ascii_digit());
        if !phone_ok {
            return refuse(422, "invalid_phone", "the phone number must be 11 digits");
        }
        if request.topic.trim().is_empty() || request.topic.chars().count() > 64 {
            return refuse(422, "invalid_topic", "the topic must be 1 to 64 characters");
        }
        if request.text.trim().is_empty() || request.text.chars().count() > 2000 {
            return refuse(422, "invalid_text", "the text must be 1 to 2000 characters");
        }
        let fingerprint = fingerprint_of(request);
        self.tx(|sql| {
            idempotent(sql, "complaint", &request.idempotency_key, kiosk, &fingerprint, |sql| {
                let ticket_no = format!("T-{}-{:05}", today().compact(), next_counter(sql, "complaint")?);
                sql.exec(
                    "INSERT INTO complaints (ticket_no, kiosk_id, phone, topic, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    &[
                        ticket_no.as_str().into(),
                        kiosk.into(),
                        request.phone.as_str().into(),
                        request.topic.as_str().into(),
                        request.text.as_str().into(),
                        now().into(),
                    ],
                )?;
                Ok(Answer::json(201, &api::ComplaintResponse { ticket_no }))
            })
        })
    }

    // ---- fleet ----------------------------------------------------------------------

    pub fn heartbeat(&self, kiosk: &str, hb: &api::Heartbeat) -> Result<api::HeartbeatResponse> {
        if hb.kiosk_id != kiosk {
            return refuse(403, "kiosk_id_mismatch", "kiosk_id differs from the client certificate");
        }
        let now = now();
        let errors: Vec<String> = hb
            .last_errors
            .iter()
            .take(10)
            .map(|e| e.chars().take(200).collect())
            .collect();
        let clip = |s: &str| s.chars().take(80).collect::<String>();
        self.tx(|sql| {
            sql.exec(
                "INSERT INTO kiosks (kiosk_id) VALUES ($1) ON CONFLICT (kiosk_id) DO NOTHING",
                &[kiosk.into()],
            )?;
            sql.exec(
                "UPDATE kiosks SET version = $2, uptime_secs = $3, last_seen = $4, clock_drift = $5, reader = $6, printer = $7, camera = $8, gpio = $9, \
                 paper = $10, pending = $11, dead = $12, oldest_pending_age = $13, last_sent_at = $14, last_errors = $15, heartbeats = heartbeats + 1 WHERE kiosk_id = $1",
                &[
                    kiosk.into(),
                    clip(&hb.version).into(),
                    (hb.uptime_secs as i64).into(),
                    now.into(),
                    hb.sent_at.map(|t| t - now).unwrap_or(0).into(),
                    clip(&hb.devices.reader).into(),
                    clip(&hb.devices.printer).into(),
                    clip(&hb.devices.camera).into(),
                    clip(&hb.devices.gpio).into(),
                    hb.paper.as_str().into(),
                    (hb.outbox.pending as i64).into(),
                    (hb.outbox.dead as i64).into(),
                    hb.outbox.oldest_pending_age_secs.map(|v| v as i64).into(),
                    hb.outbox.last_sent_at.into(),
                    serde_json::to_string(&errors)?.into(),
                ],
            )?;
            Ok(())
        })?;
        Ok(api::HeartbeatResponse { server_time: now })
    }

    pub fn kiosks(&self) -> Result<Vec<KioskView>> {
        let now = now();
        self.tx(|sql| {
            let rows = sql.query(
                "SELECT kiosk_id, version, uptime_secs, last_seen, clock_drift, reader, printer, camera, gpio, paper, pending, dead, \
                 oldest_pending_age, last_sent_at, last_errors, submissions, refused, last_refused_at FROM kiosks ORDER BY kiosk_id",
                &[],
            )?;
            Ok(rows
                .iter()
                .map(|r| {
                    let last_seen = r.int(3);
                    let online = r.opt_int(3).is_some() && now - last_seen <= self.offline_after_secs;
                    let failing = r.int(11) > 0
                        || r.opt_int(12).is_some_and(|age| age > 300)
                        || r.opt_int(17).is_some_and(|at| now - at < 3600);
                    KioskView {
                        kiosk_id: r.text(0),
                        state: match (online, failing) {
                            (false, _) => "offline",
                            (true, true) => "partial",
                            (true, false) => "online",
                        },
                        version: r.text(1),
                        uptime_secs: r.int(2),
                        last_seen,
                        clock_drift: r.int(4),
                        reader: r.text(5),
                        printer: r.text(6),
                        camera: r.text(7),
                        gpio: r.text(8),
                        paper: r.text(9),
                        pending: r.int(10),
                        dead: r.int(11),
                        oldest_pending_age: r.opt_int(12),
                        last_sent_at: r.opt_int(13),
                        last_errors: serde_json::from_str(&r.text(14)).unwrap_or_default(),
                        submissions: r.int(15),
                        refused: r.int(16),
                    }
                })
                .collect())
        })
    }

    // ---- certificates ---------------------------------------------------------------

    pub fn record_certificate(&self, kiosk: &str, fingerprint: &str) -> Result<()> {
        self.tx(|sql| {
            sql.exec(
                "INSERT INTO certificates (fingerprint, kiosk_id, issued_at) VALUES ($1, $2, $3) ON CONFLICT (fingerprint) DO NOTHING",
                &[fingerprint.into(), kiosk.into(), now().into()],
            )?;
            Ok(())
        })
    }

    /// Revokes every certificate of the kiosk; the number revoked.
    pub fn revoke(&self, kiosk: &str) -> Result<u64> {
        self.tx(|sql| {
            sql.exec(
                "UPDATE certificates SET revoked_at = $1 WHERE kiosk_id = $2 AND revoked_at IS NULL",
                &[now().into(), kiosk.into()],
            )
        })
    }

    pub fn revoked(&self) -> Result<std::collections::HashSet<String>> {
        self.tx(|sql| {
            Ok(sql
                .query("SELECT fingerprint FROM certificates WHERE revoked_at IS NOT NULL", &[])?
                .iter()
                .map(|r| r.text(0))
                .collect())
        })
    }

    // ---- operators and sessions -----------------------------------------------------

    pub fn add_operator(&self, name: &str, password: &str) -> Result<()> {
        use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
        if !api::valid_kiosk_id(name) {
            return refuse(422, "invalid_name", "operator names are 1 to 64 of A-Z a-z 0-9 . _ -");
        }
        if password.chars().count() < 10 {
            return refuse(422, "weak_password", "the password needs at least 10 characters");
        }
        let salt = SaltString::generate(&mut OsRng);
        let hash = argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("hashing: {e}"))?
            .to_string();
        self.tx(|sql| {
            sql.exec(
                "INSERT INTO operators (name, password_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, failed = 0, locked_until = NULL",
                &[name.into(), hash.as_str().into(), now().into()],
            )?;
            Ok(())
        })
    }

    /// Checks a login; five failures lock the account for five minutes. Returns the session
    /// token and its CSRF token.
    pub fn login(&self, name: &str, password: &str) -> Result<(String, String)> {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        let row = self.tx(|sql| {
            sql.query_one(
                "SELECT password_hash, failed, locked_until FROM operators WHERE name = $1",
                &[name.into()],
            )
        })?;
        let Some(row) = row else {
            return refuse(401, "login_failed", "wrong name or password");
        };
        if row.opt_int(2).is_some_and(|until| until > now()) {
            return refuse(429, "locked", "too many failed logins: try again in a few minutes");
        }
        let hash = row.text(0);
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        if !ok {
            self.tx(|sql| {
                sql.exec(
                    "UPDATE operators SET failed = failed + 1, locked_until = CASE WHEN failed + 1 >= 5 THEN $2 ELSE locked_until END WHERE name = $1",
                    &[name.into(), (now() + 300).into()],
                )
            })?;
            return refuse(401, "login_failed", "wrong name or password");
        }
        let token = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        let csrf = uuid::Uuid::new_v4().simple().to_string();
        self.tx(|sql| {
            sql.exec(
                "UPDATE operators SET failed = 0, locked_until = NULL WHERE name = $1",
                &[name.into()],
            )?;
            sql.exec("DELETE FROM sessions WHERE expires_at < $1", &[now().into()])?;
            sql.exec(
                "INSERT INTO sessions (token_hash, operator, csrf, expires_at) VALUES ($1, $2, $3, $4)",
                &[
                    sha256_hex(token.as_bytes()).into(),
                    name.into(),
                    csrf.as_str().into(),
                    (now() + 8 * 3600).into(),
                ],
            )
        })?;
        Ok((token, csrf))
    }

    /// The operator and CSRF token of a live session.
    pub fn session(&self, token: &str) -> Result<Option<(String, String)>> {
        self.tx(|sql| {
            Ok(sql
                .query_one(
                    "SELECT operator, csrf FROM sessions WHERE token_hash = $1 AND expires_at > $2",
                    &[sha256_hex(token.as_bytes()).into(), now().into()],
                )?
                .map(|r| (r.text(0), r.text(1))))
        })
    }

    pub fn logout(&self, token: &str) -> Result<()> {
        self.tx(|sql| {
            sql.exec(
                "DELETE FROM sessions WHERE token_hash = $1",
                &[sha256_hex(token.as_bytes()).into()],
            )?;
            Ok(())
        })
    }
}

fn upload_state(row: &Row) -> api::UploadState {
    api::UploadState {
        upload_id: row.text(0),
        received: row.int(1) as u64,
        stored: row.int(2) == 1,
    }
}

fn payment_order(order_id: &str, amount: i64, expires_at: i64, status: PaymentStatus) -> api::PaymentOrder {
    api::PaymentOrder {
        order_id: order_id.to_string(),
        qr_payload: format!("township-pay://order/{order_id}?amount={amount}"),
        amount_fen: amount as u32,
        expires_at,
        status,
    }
}

/// `Value` conversions for the few places that need them by name.
pub fn text(v: &str) -> Value {
    Value::Text(v.to_string())
}
