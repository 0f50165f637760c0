//! 好差评 ratings and 咨询投诉 complaints from the kiosks, and their lists.

use super::*;

/// The sealed columns of a complaint (personal data).
const COMPLAINT_PHONE: &str = "complaints.phone";
const COMPLAINT_TEXT: &str = "complaints.body";

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

impl Store {
    // ---- ratings and complaints -------------------------------------------------------

    pub fn rate(&self, kiosk: Kiosk, request: &api::SubmitRating) -> Result<Answer> {
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
            idempotent(sql, &self.sealer, "rating", &request.idempotency_key, kiosk, &fingerprint, |sql| {
                // The application need not be here yet: a rating given right after a
                // submission made offline arrives before the outbox delivers it.
                let rating_id = short_id("R");
                let follow_up_due = (request.stars <= 2).then(|| self.calendar.add_working_days(today(), 15));
                sql.exec(
                    "INSERT INTO ratings (rating_id, receipt_no, kiosk_id, stars, reasons, follow_up_due, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[
                        rating_id.as_str().into(),
                        request.receipt_no.clone().into(),
                        kiosk.id().into(),
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
    pub fn ratings(&self, operator: &Operator, limit: i64) -> Result<Vec<ListedRating>> {
        operator.require(operator.may_review() || operator.may_audit())?;
        self.tx(|sql| {
            let rows = sql.query(
                "SELECT rating_id, kiosk_id, receipt_no, stars, reasons, follow_up_due, created_at FROM ratings ORDER BY created_at DESC, rating_id DESC LIMIT $1",
                &[limit.into()],
            )?;
            // A damaged reasons column is an error to see, not a rating without reasons.
            rows.iter()
                .map(|r| {
                    Ok(ListedRating {
                        rating_id: r.text("rating_id"),
                        kiosk_id: r.text("kiosk_id"),
                        receipt_no: r.opt_text("receipt_no"),
                        stars: r.int("stars"),
                        reasons: serde_json::from_str(&r.text("reasons"))?,
                        follow_up_due: r.opt_text("follow_up_due"),
                        created_at: r.int("created_at"),
                    })
                })
                .collect()
        })
    }

    pub fn complaints(&self, operator: &Operator, limit: i64) -> Result<Vec<ListedComplaint>> {
        operator.require(operator.may_review() || operator.may_audit())?;
        self.tx(|sql| {
            let rows = sql.query(
                "SELECT ticket_no, kiosk_id, topic, phone, body, created_at FROM complaints ORDER BY created_at DESC, ticket_no DESC LIMIT $1",
                &[limit.into()],
            )?;
            rows.iter()
                .map(|r| {
                    Ok(ListedComplaint {
                        ticket_no: r.text("ticket_no"),
                        kiosk_id: r.text("kiosk_id"),
                        topic: r.text("topic"),
                        phone: self.sealer.open_text(COMPLAINT_PHONE, &r.text("phone"))?,
                        text: self.sealer.open_text(COMPLAINT_TEXT, &r.text("body"))?,
                        created_at: r.int("created_at"),
                    })
                })
                .collect()
        })
    }

    pub fn complain(&self, kiosk: Kiosk, request: &api::SubmitComplaint) -> Result<Answer> {
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
            idempotent(sql, &self.sealer, "complaint", &request.idempotency_key, kiosk, &fingerprint, |sql| {
                let ticket_no = format!("T-{}-{:05}", today().compact(), next_counter(sql, "complaint")?);
                sql.exec(
                    "INSERT INTO complaints (ticket_no, kiosk_id, phone, topic, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    &[
                        ticket_no.as_str().into(),
                        kiosk.id().into(),
                        self.sealer.seal_text(COMPLAINT_PHONE, &request.phone).into(),
                        request.topic.as_str().into(),
                        self.sealer.seal_text(COMPLAINT_TEXT, &request.text).into(),
                        now().into(),
                    ],
                )?;
                Ok(Answer::json(201, &api::ComplaintResponse { ticket_no }))
            })
        })
    }
}
