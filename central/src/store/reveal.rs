//! The audited reveal and the audit log. Staff who process a case need the applicant's full
//! data: a reviewer (or supervisor) reveals it with a reason, and the reveal is written to
//! the audit log before anything is shown. Supervisors and auditors read the log.

use super::*;

/// What a reveal shows (the applicant in full, the form's contact details).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revealed {
    pub name: String,
    pub id_number: String,
    /// Delivery and form values that hold personal data, as `(label, value)`.
    pub details: Vec<(String, String)>,
}

/// One audit entry.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub at: i64,
    pub operator: String,
    pub action: String,
    pub subject: String,
}

/// The shortest reason a reveal accepts.
pub const MIN_REASON_CHARS: usize = 4;

impl Store {
    /// Reveals the applicant of `receipt` to `operator` for `reason` (audited first).
    pub fn reveal(&self, operator: &Operator, receipt: &str, reason: &str) -> Result<Revealed> {
        operator.require(operator.may_review())?;
        let reason = reason.trim();
        if reason.chars().count() < MIN_REASON_CHARS || reason.chars().count() > 200 {
            return refuse(422, "reason_required", "a reveal needs a reason (4 to 200 characters)");
        }
        self.tx(|sql| {
            let row = Self::app_by_receipt(sql, receipt)?;
            let body = self.sealer.open_text(applications::BODY, &row.text("body"))?;
            let Ok(request) = serde_json::from_str::<api::SubmitApplication>(&body) else {
                return refuse(410, "purged", "this case's personal data was purged");
            };
            audit(sql, &operator.name, "reveal", &format!("{receipt}: {reason}"))?;
            let application = request.application;
            let mut details = Vec::new();
            if let township_core::domain::application::Delivery::Express {
                recipient,
                phone,
                address,
            } = &application.delivery
            {
                details.push(("recipient".into(), recipient.clone()));
                details.push(("phone".into(), phone.clone()));
                details.push(("address".into(), address.clone()));
            }
            Ok(Revealed {
                name: application.applicant.name.clone().unwrap_or_default(),
                id_number: application.applicant.id.expose().to_string(),
                details,
            })
        })
    }

    /// The newest `limit` audit entries (supervisors and auditors).
    pub fn audit_log(&self, operator: &Operator, limit: i64) -> Result<Vec<AuditEntry>> {
        operator.require(operator.may_audit())?;
        self.tx(|sql| {
            Ok(sql
                .query(
                    "SELECT at, operator, action, subject FROM audit ORDER BY at DESC LIMIT $1",
                    &[limit.into()],
                )?
                .iter()
                .map(|r| AuditEntry {
                    at: r.int("at"),
                    operator: r.text("operator"),
                    action: r.text("action"),
                    subject: r.text("subject"),
                })
                .collect())
        })
    }
}
