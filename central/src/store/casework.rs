//! The reviewer's work on a case (预审): the queue of cases waiting for pre-review, by
//! their time limit (承诺时限) in working days; assignment; a decision per material (合格,
//! or 需补正 with a standard reason and a note) from which the citizen's message is built
//! in plain words; the case's history; its form answers and photos for the application
//! page (each photo view is audited).

use super::*;
use township_core::domain::application::Application;
use township_core::domain::id_number::IdNumber;

/// Why a material needs correcting: the standard phrases a reviewer picks from.
pub const FIX_REASONS: &[(&str, &str, &str)] = &[
    ("blurred", "照片模糊,看不清", "blurred, cannot be read"),
    (
        "incomplete",
        "不完整(缺页或被遮挡)",
        "incomplete (a page missing or covered)",
    ),
    ("expired", "证件已过期", "the document has expired"),
    ("wrong-document", "不是所需的材料", "not the document asked for"),
    ("other", "其他", "other"),
];

/// The citizen's words (Chinese) for a standard reason.
pub fn reason_zh(code: &str) -> Option<&'static str> {
    FIX_REASONS.iter().find(|(c, _, _)| *c == code).map(|(_, zh, _)| *zh)
}

/// A reviewer's decision on one material.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaterialDecision {
    pub code: String,
    /// `ok` (合格) or `fix` (需补正).
    pub verdict: String,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub reviewer: String,
    pub at: i64,
}

/// One entry of a case's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseEvent {
    pub at: i64,
    pub actor: String,
    /// `submitted`, `review:<status>`, `material:<verdict>`, `supplement`, `assigned`.
    pub kind: String,
    pub detail: Option<String>,
}

/// A case in the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueRow {
    pub receipt_no: String,
    pub case_number: String,
    pub item_code: String,
    pub kiosk_id: String,
    pub status: String,
    pub received_at: i64,
    /// The time limit: the promised date, in working days from the submission.
    pub expected_on: Option<Date>,
    pub assigned_to: Option<String>,
}

/// What the queue shows: by default the cases waiting for pre-review.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueFilter {
    pub status: Option<String>,
    pub item_code: Option<String>,
    pub kiosk_id: Option<String>,
    /// Received on or after this day (China time).
    pub from: Option<Date>,
    /// A receipt or case number.
    pub number: Option<String>,
}

/// A stored photo of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CasePhoto {
    pub upload_id: String,
    pub code: String,
    pub created_at: i64,
}

/// Writes one history entry (in the caller's transaction).
pub(super) fn case_event(
    sql: &mut dyn Sql,
    app_key: &str,
    actor: &str,
    kind: &str,
    detail: Option<&str>,
) -> Result<()> {
    sql.exec(
        "INSERT INTO case_events (app_key, n, at, actor, kind, detail) VALUES ($1, \
         (SELECT COALESCE(MAX(n), 0) + 1 FROM case_events WHERE app_key = $1), $2, $3, $4, $5)",
        &[
            app_key.into(),
            now().into(),
            actor.into(),
            kind.into(),
            detail.map(str::to_string).into(),
        ],
    )?;
    Ok(())
}

impl Store {
    /// The queue, oldest time limit first (then oldest received), at most `limit` cases.
    pub fn queue(&self, operator: &Operator, filter: &QueueFilter, limit: i64) -> Result<Vec<QueueRow>> {
        operator.require(operator.may_review())?;
        let status = filter.status.clone().unwrap_or_else(|| "received".into());
        let from = filter.from.map_or(0, |d| d.days_since_epoch() * 86_400 - 8 * 3600);
        self.tx(|sql| {
            let rows = sql.query(
                "SELECT receipt_no, case_number, item_code, kiosk_id, status, received_at, expected_on, assigned_to \
                 FROM applications WHERE ($1 = 'all' OR status = $1) AND ($2 = '' OR item_code = $2) \
                 AND ($3 = '' OR kiosk_id = $3) AND received_at >= $4 \
                 AND ($5 = '' OR receipt_no = $5 OR case_number = $5) \
                 ORDER BY CASE WHEN expected_on IS NULL THEN 1 ELSE 0 END, expected_on, received_at, receipt_no LIMIT $6",
                &[
                    status.as_str().into(),
                    filter.item_code.clone().unwrap_or_default().into(),
                    filter.kiosk_id.clone().unwrap_or_default().into(),
                    from.into(),
                    filter.number.clone().unwrap_or_default().trim().to_uppercase().into(),
                    limit.into(),
                ],
            )?;
            Ok(rows
                .iter()
                .map(|r| QueueRow {
                    receipt_no: r.text("receipt_no"),
                    case_number: r.text("case_number"),
                    item_code: r.text("item_code"),
                    kiosk_id: r.text("kiosk_id"),
                    status: r.text("status"),
                    received_at: r.int("received_at"),
                    expected_on: r.opt_text("expected_on").as_deref().and_then(Date::parse),
                    assigned_to: r.opt_text("assigned_to"),
                })
                .collect())
        })
    }

    /// The receipts of the cases of the person with this ID number (a reviewer's search,
    /// audited with the reason it is done under).
    pub fn search_by_person(&self, operator: &Operator, id: &IdNumber) -> Result<Vec<String>> {
        operator.require(operator.may_review())?;
        let hash = self.id_hash(id);
        self.tx(|sql| {
            audit(sql, &operator.name, "search:id-number", &id.masked())?;
            Ok(sql
                .query(
                    "SELECT receipt_no FROM applications WHERE id_hash = $1 OR agent_hash = $1 ORDER BY received_at DESC LIMIT 50",
                    &[hash.as_str().into()],
                )?
                .iter()
                .map(|r| r.text("receipt_no"))
                .collect())
        })
    }

    /// The operators who may review (to assign cases to).
    pub fn reviewers(&self, operator: &Operator) -> Result<Vec<String>> {
        operator.require(operator.may_review())?;
        self.tx(|sql| {
            Ok(sql
                .query(
                    "SELECT name FROM operators WHERE role IN ('reviewer', 'supervisor') ORDER BY name",
                    &[],
                )?
                .iter()
                .map(|r| r.text("name"))
                .collect())
        })
    }

    /// Assigns `receipt` to `reviewer` (an operator who may review; audited). A reviewer
    /// takes cases for themself; a supervisor assigns them to anyone who may review.
    pub fn assign(&self, operator: &Operator, receipt: &str, reviewer: &str) -> Result<()> {
        operator.require(operator.may_review())?;
        operator.require(reviewer == operator.name || operator.may_supervise())?;
        self.tx(|sql| {
            let row = Self::app_by_receipt(sql, receipt)?;
            let known = sql.query_one(
                "SELECT name FROM operators WHERE name = $1 AND role IN ('reviewer', 'supervisor')",
                &[reviewer.into()],
            )?;
            if known.is_none() {
                return refuse(422, "unknown_reviewer", format!("{reviewer} is not a reviewer"));
            }
            sql.exec(
                "UPDATE applications SET assigned_to = $1 WHERE receipt_no = $2",
                &[reviewer.into(), receipt.into()],
            )?;
            case_event(sql, &row.text("app_key"), &operator.name, "assigned", Some(reviewer))?;
            audit(sql, &operator.name, "assign", &format!("{receipt} → {reviewer}"))
        })
    }

    /// Records a decision on one material of `receipt`: `ok`, or `fix` with a standard
    /// reason (and a note, needed for `other`).
    pub fn decide_material(
        &self,
        operator: &Operator,
        receipt: &str,
        code: &str,
        verdict: &str,
        reason: Option<&str>,
        note: &str,
    ) -> Result<()> {
        operator.require(operator.may_review())?;
        let note = note.trim();
        let reason = match verdict {
            "ok" => None,
            "fix" => match reason.and_then(|r| FIX_REASONS.iter().find(|(c, _, _)| *c == r)) {
                Some((code, _, _)) if *code == "other" && note.is_empty() => {
                    return refuse(422, "note_required", "the reason \"other\" needs a note")
                }
                Some((code, _, _)) => Some(*code),
                None => return refuse(422, "reason_required", "a material to correct needs a standard reason"),
            },
            _ => return refuse(400, "bad_request", "the verdict is ok or fix"),
        };
        if note.chars().count() > 200 {
            return refuse(422, "note_too_long", "a note is at most 200 characters");
        }
        self.tx(|sql| {
            let row = Self::app_by_receipt(sql, receipt)?;
            let key = row.text("app_key");
            let named = sql.query_one(
                "SELECT code FROM materials WHERE app_key = $1 AND code = $2",
                &[key.as_str().into(), code.into()],
            )?;
            if named.is_none() && !self.item_names_material(&row.text("item_code"), code) {
                return refuse(404, "not_found", format!("no material {code} in this case"));
            }
            sql.exec(
                "INSERT INTO material_reviews (app_key, code, verdict, reason, note, reviewer, at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (app_key, code) DO UPDATE SET verdict = $3, reason = $4, note = $5, reviewer = $6, at = $7",
                &[
                    key.as_str().into(),
                    code.into(),
                    verdict.into(),
                    reason.map(str::to_string).into(),
                    (!note.is_empty()).then(|| note.to_string()).into(),
                    operator.name.as_str().into(),
                    now().into(),
                ],
            )?;
            let detail = format!("{code}{}", reason.map(|r| format!(": {r}")).unwrap_or_default());
            case_event(sql, &key, &operator.name, &format!("material:{verdict}"), Some(&detail))
        })
    }

    fn item_names_material(&self, item_code: &str, code: &str) -> bool {
        self.catalogue
            .items
            .iter()
            .find(|i| i.code == item_code)
            .is_some_and(|i| i.mandatory.iter().chain(&i.secondary).any(|m| m == code))
    }

    /// Rows of `query` (its `$1` is the case's key) for the case `receipt`, mapped.
    fn case_rows<T>(&self, operator: &Operator, receipt: &str, query: &str, map: impl Fn(&Row) -> T) -> Result<Vec<T>> {
        operator.require(operator.may_review())?;
        self.tx(|sql| {
            let row = Self::app_by_receipt(sql, receipt)?;
            Ok(sql
                .query(query, &[row.text("app_key").into()])?
                .iter()
                .map(&map)
                .collect())
        })
    }

    /// The decisions on `receipt`'s materials.
    pub fn material_decisions(&self, operator: &Operator, receipt: &str) -> Result<Vec<MaterialDecision>> {
        self.case_rows(
            operator,
            receipt,
            "SELECT code, verdict, reason, note, reviewer, at FROM material_reviews WHERE app_key = $1 ORDER BY code",
            |r| MaterialDecision {
                code: r.text("code"),
                verdict: r.text("verdict"),
                reason: r.opt_text("reason"),
                note: r.opt_text("note"),
                reviewer: r.text("reviewer"),
                at: r.int("at"),
            },
        )
    }

    /// The message the citizen reads at the kiosk, built from the materials marked 需补正:
    /// "请补正以下材料:户口簿首页(照片模糊,看不清);…". `None` when none is marked.
    pub fn supplement_message(&self, operator: &Operator, receipt: &str) -> Result<Option<String>> {
        let decisions = self.material_decisions(operator, receipt)?;
        let parts: Vec<String> = decisions
            .iter()
            .filter(|d| d.verdict == "fix")
            .map(|d| {
                let name = self
                    .catalogue
                    .materials
                    .get(&d.code)
                    .map_or(d.code.clone(), |m| m.name.zh.clone());
                let why = d.reason.as_deref().and_then(reason_zh).unwrap_or_default();
                match (d.reason.as_deref(), d.note.as_deref()) {
                    (Some("other"), Some(note)) => format!("{name}({note})"),
                    (_, Some(note)) => format!("{name}({why};{note})"),
                    _ => format!("{name}({why})"),
                }
            })
            .collect();
        Ok((!parts.is_empty()).then(|| format!("请补正以下材料:{}。", parts.join(";"))))
    }

    /// The history of `receipt`, oldest first.
    pub fn history(&self, operator: &Operator, receipt: &str) -> Result<Vec<CaseEvent>> {
        self.case_rows(
            operator,
            receipt,
            "SELECT at, actor, kind, detail FROM case_events WHERE app_key = $1 ORDER BY n",
            |r| CaseEvent {
                at: r.int("at"),
                actor: r.text("actor"),
                kind: r.text("kind"),
                detail: r.opt_text("detail"),
            },
        )
    }

    /// The stored photos of `receipt`, by material, oldest first (a supplement's are newer).
    pub fn case_photos(&self, operator: &Operator, receipt: &str) -> Result<Vec<CasePhoto>> {
        self.case_rows(
            operator,
            receipt,
            "SELECT upload_id, code, created_at FROM uploads WHERE app_key = $1 AND stored = 1 ORDER BY code, created_at, upload_id",
            |r| CasePhoto {
                upload_id: r.text("upload_id"),
                code: r.text("code"),
                created_at: r.int("created_at"),
            },
        )
    }

    /// One photo's bytes for the reviewer's screen; every view is in the audit log.
    pub fn view_photo(&self, operator: &Operator, upload_id: &str) -> Result<Vec<u8>> {
        operator.require(operator.may_review())?;
        self.tx(|sql| {
            let row = sql.query_one(
                "SELECT a.receipt_no, u.code FROM uploads u JOIN applications a ON a.app_key = u.app_key \
                 WHERE u.upload_id = $1 AND u.stored = 1",
                &[upload_id.into()],
            )?;
            let Some(row) = row else {
                return refuse(404, "not_found", "no such photo");
            };
            audit(
                sql,
                &operator.name,
                "photo:view",
                &format!("{} {}", row.text("receipt_no"), row.text("code")),
            )
        })?;
        self.upload_bytes(operator, upload_id)
    }

    /// The application as the kiosk sent it (for its form answers, promises, delivery and
    /// payment); `None` once its personal data was purged.
    pub fn case_application(&self, operator: &Operator, receipt: &str) -> Result<Option<Application>> {
        operator.require(operator.may_review())?;
        self.tx(|sql| {
            let row = Self::app_by_receipt(sql, receipt)?;
            let body = self.sealer.open_text(applications::BODY, &row.text("body"))?;
            Ok(serde_json::from_str::<api::SubmitApplication>(&body)
                .ok()
                .map(|r| r.application))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_standard_reason_has_plain_words_in_both_languages() {
        for (code, zh, en) in FIX_REASONS {
            assert!(!zh.is_empty() && !en.is_empty() && zh != en, "{code}");
            assert_eq!(reason_zh(code), Some(*zh));
        }
        assert_eq!(reason_zh("nonsense"), None);
    }
}
