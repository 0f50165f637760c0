//! Applications: submission (idempotent per kiosk key), status by receipt number or ID hash,
//! the back office's list and detail, pre-review, and supplements answering a request.

use super::*;

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

const APP_COLUMNS: &str = "a.receipt_no, a.kiosk_id, a.app_key, a.item_code, a.case_number, a.status, a.received_at, \
  (SELECT COUNT(*) FROM uploads u WHERE u.app_key = a.app_key AND u.stored = 1) AS stored_photos, \
  (SELECT CAST(COALESCE(SUM(m.photos), 0) AS BIGINT) FROM materials m WHERE m.app_key = a.app_key) AS expected_photos, \
  a.message, a.expected_on, a.body, a.reviewed_by";

fn listed(row: &Row) -> ListedApplication {
    ListedApplication {
        receipt_no: row.text("receipt_no"),
        kiosk_id: row.text("kiosk_id"),
        idempotency_key: row.text("app_key"),
        item_code: row.text("item_code"),
        case_number: row.text("case_number"),
        status: row.text("status"),
        received_at: row.int("received_at"),
        materials: row.int("stored_photos"),
        materials_expected: row.int("expected_photos"),
    }
}

fn status_of(row: &Row) -> api::StatusResponse {
    api::StatusResponse {
        receipt_no: row.text("receipt_no"),
        item_code: row.text("item_code"),
        status: CaseStatus::parse(&row.text("status")).unwrap_or(CaseStatus::Received),
        message: row.opt_text("message"),
        expected_on: row.opt_text("expected_on").and_then(|d| Date::parse(&d)),
    }
}

impl Store {
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

    pub(super) fn app_by_key(sql: &mut dyn Sql, key: &str) -> Result<Row> {
        match sql.query_one(
            &format!("SELECT {APP_COLUMNS} FROM applications a WHERE a.app_key = $1"),
            &[key.into()],
        )? {
            Some(row) => Ok(row),
            None => refuse(404, "not_found", "no such application"),
        }
    }

    pub(super) fn app_by_receipt(sql: &mut dyn Sql, receipt: &str) -> Result<Row> {
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
                .query_one("SELECT COUNT(*) AS n FROM applications", &[])?
                .map(|r| r.int("n"))
                .unwrap_or(0))
        })
    }

    pub fn detail(&self, receipt: &str) -> Result<ApplicationDetail> {
        self.tx(|sql| {
            let row = Self::app_by_receipt(sql, receipt)?;
            let key = row.text("app_key");
            let request: Option<api::SubmitApplication> = serde_json::from_str(&row.text("body")).ok();
            let applicant_masked = request
                .map(|r| format!("{} {}", r.application.applicant.masked_name(), r.application.applicant.id.masked()))
                .unwrap_or_default();
            let materials = sql
                .query(
                    "SELECT m.code, m.photos, (SELECT COUNT(*) FROM uploads u WHERE u.app_key = m.app_key AND u.code = m.code AND u.stored = 1) AS stored FROM materials m WHERE m.app_key = $1 ORDER BY m.code",
                    &[key.into()],
                )?
                .iter()
                .map(|r| (r.text("code"), r.int("photos"), r.int("stored")))
                .collect();
            Ok(ApplicationDetail {
                listed: listed(&row),
                message: row.opt_text("message"),
                expected_on: row.opt_text("expected_on"),
                applicant_masked,
                materials,
                reviewed_by: row.opt_text("reviewed_by"),
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
                let key = row.text("app_key");
                let status = CaseStatus::parse(&row.text("status")).unwrap_or(CaseStatus::Received);
                if !matches!(status, CaseStatus::Supplement | CaseStatus::Received | CaseStatus::Approved) {
                    return refuse(409, "case_closed", "this case takes no more materials");
                }
                let item = self.catalogue.items.iter().find(|i| i.code == row.text("item_code"));
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
}
