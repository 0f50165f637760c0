//! Applications: submission (idempotent per kiosk key), status by receipt number or ID hash,
//! the back office's list and detail, pre-review, and supplements answering a request.

use super::*;
use township_core::domain::catalogue::ServiceItem;

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
    /// What the central settled for payment: `not-required`, `paid` or `at-window`.
    pub payment: String,
}

const APP_COLUMNS: &str = "a.receipt_no, a.kiosk_id, a.app_key, a.item_code, a.case_number, a.status, a.received_at, \
  (SELECT COUNT(*) FROM uploads u WHERE u.app_key = a.app_key AND u.stored = 1) AS stored_photos, \
  (SELECT CAST(COALESCE(SUM(m.photos), 0) AS BIGINT) FROM materials m WHERE m.app_key = a.app_key) AS expected_photos, \
  a.message, a.expected_on, a.body, a.reviewed_by, a.id_hash, a.agent_hash, a.token_hash, a.id_tail_hash, a.payment";

/// The sealed column of an application's whole request (personal data).
pub(super) const BODY: &str = "applications.body";

/// `SELECT` of every application column the store reads, from `applications a`.
pub(super) fn select_apps() -> String {
    format!("SELECT {APP_COLUMNS} FROM applications a")
}

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

pub(super) fn status_of(row: &Row) -> api::StatusResponse {
    api::StatusResponse {
        receipt_no: row.text("receipt_no"),
        item_code: row.text("item_code"),
        status: CaseStatus::parse(&row.text("status")).unwrap_or(CaseStatus::Received),
        message: row.opt_text("message"),
        expected_on: row.opt_text("expected_on").and_then(|d| Date::parse(&d)),
    }
}

/// What [`Store::new_application`] derives from a submission for its row.
struct NewApplication {
    /// The request's fingerprint, for the idempotency key.
    fingerprint: String,
    expected_on: Date,
    id_hash: String,
    agent_hash: Option<String>,
    tail_hash: String,
    token_hash: Option<String>,
    /// The whole request, sealed.
    body: String,
    fee: u32,
}

impl Store {
    // ---- applications -------------------------------------------------------------

    pub fn submit(&self, kiosk: Kiosk, key: &str, request: &api::SubmitApplication) -> Result<Answer> {
        let result = self.submit_checked(kiosk, key, request);
        if let Err(e) = &result {
            if e.downcast_ref::<Refusal>().is_some() {
                self.note_refusal(kiosk.id());
            }
        }
        result
    }

    /// [`Store::submit`] without the refusal count: checks the request, then stores it once
    /// per idempotency key.
    fn submit_checked(&self, kiosk: Kiosk, key: &str, request: &api::SubmitApplication) -> Result<Answer> {
        let item = self.check_submission(kiosk, key, request)?;
        let new = self.new_application(request, item)?;
        self.tx(|sql| {
            Self::check_prefix(sql, kiosk, &request.receipt_no)?;
            idempotent(sql, &self.sealer, "application", key, kiosk, &new.fingerprint, |sql| {
                Self::insert_application(sql, kiosk, key, request, &new)
            })
        })
    }

    /// Refuses a submission that is not the caller's own or not well formed (another
    /// kiosk, key, receipt number, item, materials or size than allowed); else its item.
    fn check_submission(&self, kiosk: Kiosk, key: &str, request: &api::SubmitApplication) -> Result<&ServiceItem> {
        if request.kiosk_id != kiosk.id() {
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
        let announced: u64 = request.materials.iter().map(|m| m.bytes).fold(0, u64::saturating_add);
        if announced > self.limits.application_bytes as u64 {
            return refuse(
                413,
                "quota_exceeded",
                "the application's photos are larger than one application may hold",
            );
        }
        Ok(item)
    }

    /// What the application's row holds beyond the request's plain fields: its fingerprint,
    /// promised date, lookup hashes, sealed body and fee.
    fn new_application(&self, request: &api::SubmitApplication, item: &ServiceItem) -> Result<NewApplication> {
        let fingerprint = fingerprint_of(request);
        let expected_on = self
            .calendar
            .add_working_days(request.application.submitted_on, item.promised_days);
        let application = &request.application;
        let id_hash = self.id_hash(&application.applicant.id);
        let agent_hash = application.agent.as_ref().map(|agent| self.id_hash(&agent.id));
        let tail_hash = self.id_tail_hash(&request.receipt_no, application.applicant.id.expose());
        let token_hash = request.progress_token.as_deref().map(super::proofs::token_hash);
        let body = self.sealer.seal_text(BODY, &serde_json::to_string(request)?);
        let fee = item.fee_fen;
        Ok(NewApplication {
            fingerprint,
            expected_on,
            id_hash,
            agent_hash,
            tail_hash,
            token_hash,
            body,
            fee,
        })
    }

    /// Stores a new application under its idempotency key (in the caller's transaction):
    /// its row with a fresh case number, its materials manifest and the kiosk's count of
    /// submissions; a receipt number or key already taken is a 409.
    fn insert_application(
        sql: &mut dyn Sql,
        kiosk: Kiosk,
        key: &str,
        request: &api::SubmitApplication,
        new: &NewApplication,
    ) -> Result<Answer> {
        let application = &request.application;
        Self::check_unclaimed(sql, key, &request.receipt_no)?;
        let payment = Self::settle_payment(sql, kiosk, key, &application.item_code, new.fee, &application.payment)?;
        let seq = next_counter(sql, "case")?;
        let case_number = format!("C-{}-{seq:06}", today().compact());
        let now = now();
        sql.exec(
            "INSERT INTO applications (app_key, receipt_no, case_number, kiosk_id, item_code, submitted_on, received_at, status, expected_on, id_hash, body, \
             agent_hash, token_hash, id_tail_hash, payment, payment_order) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'received', $8, $9, $10, $11, $12, $13, $14, $15)",
            &[
                key.into(),
                request.receipt_no.as_str().into(),
                case_number.as_str().into(),
                kiosk.id().into(),
                application.item_code.as_str().into(),
                application.submitted_on.to_string().into(),
                now.into(),
                new.expected_on.to_string().into(),
                new.id_hash.as_str().into(),
                new.body.as_str().into(),
                new.agent_hash.clone().into(),
                new.token_hash.clone().into(),
                new.tail_hash.as_str().into(),
                payment.0.as_str().into(),
                payment.1.clone().into(),
            ],
        )?;
        Self::insert_materials(sql, key, &request.materials)?;
        casework::case_event(sql, key, &format!("kiosk:{}", kiosk.id()), "submitted", None)?;
        sql.exec(
            "UPDATE kiosks SET submissions = submissions + 1, last_submission_at = $2 WHERE kiosk_id = $1",
            &[kiosk.id().into(), now.into()],
        )?;
        Ok(Answer::json(
            201,
            &api::SubmitResponse {
                case_number,
                status: CaseStatus::Received,
                payment: payment.0,
            },
        ))
    }

    /// Refuses (409) a receipt number or key that another application already holds.
    fn check_unclaimed(sql: &mut dyn Sql, key: &str, receipt: &str) -> Result<()> {
        let taken = sql.query_one(
            "SELECT app_key FROM applications WHERE receipt_no = $1 OR app_key = $2",
            &[receipt.into(), key.into()],
        )?;
        if taken.is_some() {
            return refuse(
                409,
                "invalid_application",
                "this receipt number or key belongs to another application",
            );
        }
        Ok(())
    }

    /// Records the materials manifest of a new application `key`.
    fn insert_materials(sql: &mut dyn Sql, key: &str, materials: &[api::MaterialManifest]) -> Result<()> {
        for m in materials {
            sql.exec(
                "INSERT INTO materials (app_key, code, photos, bytes) VALUES ($1, $2, $3, $4)",
                &[
                    key.into(),
                    m.code.as_str().into(),
                    i64::from(m.photos).into(),
                    (m.bytes as i64).into(),
                ],
            )?;
        }
        Ok(())
    }

    /// A receipt number is the caller's only when its prefix is the one the kiosk was
    /// given at enrolment.
    fn check_prefix(sql: &mut dyn Sql, kiosk: Kiosk, receipt: &str) -> Result<()> {
        let assigned = sql
            .query_one(
                "SELECT receipt_prefix FROM kiosks WHERE kiosk_id = $1",
                &[kiosk.id().into()],
            )?
            .and_then(|row| row.opt_text("receipt_prefix"));
        let prefix = receipt.split('-').next().unwrap_or_default();
        if assigned.as_deref() != Some(prefix) {
            return refuse(
                403,
                "receipt_prefix",
                "this receipt number's prefix is not the one this kiosk was enrolled with",
            );
        }
        Ok(())
    }

    /// The central's own verdict on the fee: paid only when the caller's order `reference`
    /// for this item and amount is paid and backs no other application (it is then tied to
    /// `key`); otherwise at the window. Returns the verdict and the order tied.
    fn settle_payment(
        sql: &mut dyn Sql,
        kiosk: Kiosk,
        key: &str,
        item_code: &str,
        fee: u32,
        claimed: &township_core::domain::application::PaymentState,
    ) -> Result<(api::SettledPayment, Option<String>)> {
        use township_core::domain::application::PaymentState;
        if fee == 0 {
            return Ok((api::SettledPayment::NotRequired, None));
        }
        let PaymentState::Paid { reference, .. } = claimed else {
            return Ok((api::SettledPayment::AtWindow, None));
        };
        let suffix = sql.for_update();
        let order = sql.query_one(
            &format!(
                "SELECT order_id FROM payments WHERE order_id = $1 AND kiosk_id = $2 AND item_code = $3 AND amount_fen = $4 \
                 AND status = 'paid' AND (app_key IS NULL OR app_key = $5){suffix}"
            ),
            &[reference.as_str().into(), kiosk.id().into(), item_code.into(), i64::from(fee).into(), key.into()],
        )?;
        if order.is_none() {
            log::warn!(
                "kiosk {} claimed a payment the central does not hold: to pay at the window",
                kiosk.id()
            );
            return Ok((api::SettledPayment::AtWindow, None));
        }
        sql.exec(
            "UPDATE payments SET app_key = $1 WHERE order_id = $2",
            &[key.into(), reference.as_str().into()],
        )?;
        Ok((api::SettledPayment::Paid, Some(reference.clone())))
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

    /// The caller's own application `key` (another kiosk's is "not found").
    pub(super) fn app_by_key(sql: &mut dyn Sql, kiosk: Kiosk, key: &str) -> Result<Row> {
        match sql.query_one(
            &format!("SELECT {APP_COLUMNS} FROM applications a WHERE a.app_key = $1 AND a.kiosk_id = $2"),
            &[key.into(), kiosk.id().into()],
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

    /// A case's status for the back office (any reviewer).
    pub fn status(&self, operator: &Operator, receipt: &str) -> Result<api::StatusResponse> {
        operator.require(operator.may_review() || operator.may_audit())?;
        self.tx(|sql| Ok(status_of(&Self::app_by_receipt(sql, receipt)?)))
    }

    pub fn list(&self, operator: &Operator, limit: i64) -> Result<Vec<ListedApplication>> {
        operator.require(operator.may_review())?;
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

    pub fn detail(&self, operator: &Operator, receipt: &str) -> Result<ApplicationDetail> {
        operator.require(operator.may_review())?;
        self.tx(|sql| {
            let row = Self::app_by_receipt(sql, receipt)?;
            let key = row.text("app_key");
            let body = self.sealer.open_text(BODY, &row.text("body"))?;
            let request: Option<api::SubmitApplication> = serde_json::from_str(&body).ok();
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
                payment: row.opt_text("payment").unwrap_or_default(),
            })
        })
    }

    /// The pre-review action (back office page or `township-central review`).
    /// A supplement request without a message gets the one built from the materials
    /// marked 需补正 ([`Store::supplement_message`]).
    pub fn review(&self, operator: &Operator, receipt: &str, status: CaseStatus, message: Option<&str>) -> Result<()> {
        operator.require(operator.may_review())?;
        let built = match (status, message.map(str::trim).filter(|m| !m.is_empty())) {
            (CaseStatus::Supplement, None) => self.supplement_message(operator, receipt)?,
            _ => None,
        };
        let message = built.as_deref().or(message);
        let operator = operator.name.as_str();
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
            let key = Self::app_by_receipt(sql, receipt)?.text("app_key");
            let kind = format!("review:{}", status.as_str());
            casework::case_event(sql, &key, operator, &kind, message.map(str::trim))?;
            audit(sql, operator, &kind, receipt)
        })
    }

    /// 补交材料 at `kiosk` for the case `receipt`, opened by the citizen's proof (the
    /// receipt's token, or the applicant's or agent's card). The supplement, and the uploads
    /// under it, belong to `kiosk`.
    pub fn supplement(&self, kiosk: Kiosk, receipt: &str, request: &api::CreateSupplement) -> Result<Answer> {
        let proof = match &request.proof {
            api::SupplementProof::Token { token } => super::proofs::ProofKind::Token(super::proofs::token_hash(token)),
            api::SupplementProof::Card { id_number } => super::proofs::ProofKind::Card(self.id_hash(id_number)),
        };
        let fingerprint = fingerprint_of(&(receipt, request));
        let replayed = self.tx(|sql| {
            Ok(sql
                .query_one(
                    "SELECT 1 FROM idempotency WHERE scope = 'supplement' AND kiosk_id = $1 AND key = $2",
                    &[kiosk.id().into(), request.idempotency_key.as_str().into()],
                )?
                .is_some())
        })?;
        if !replayed {
            self.proven_case(kiosk, receipt, &proof)?;
        }
        self.tx(|sql| {
            idempotent(sql, &self.sealer, "supplement", &request.idempotency_key, kiosk, &fingerprint, |sql| {
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
                        kiosk.id().into(),
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
                    &api::SupplementResponse { supplement_id, status },
                ))
            })
        })
    }
}
