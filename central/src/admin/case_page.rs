//! The application page a reviewer works on: the applicant (masked until revealed), the
//! service and its checklist, every form answer (personal ones masked), each material with
//! its photos (large, rotate and zoom, watermarked "仅供预审 · operator · time"; each view is
//! audited by the photo route) and a decision per material (合格 / 需补正 with a standard
//! reason), the signed promises, delivery and payment, the history, and the pre-review
//! actions.

use super::i18n::{Lang, M};
use super::pages::{china_time, local, page, state, state_text, Ctx};
use crate::store::{ApplicationDetail, CaseEvent, CasePhoto, MaterialDecision, FIX_REASONS};
use maud::{html, Markup};
use township_core::domain::application::{Application, Delivery, MaterialState, PaymentState};
use township_core::domain::catalogue::{Catalogue, FieldKind, ServiceItem};
use township_core::domain::masking::{mask_address, mask_name, mask_phone};

/// Everything the page shows of one case.
pub struct CaseData<'a> {
    pub detail: &'a ApplicationDetail,
    /// The application as sent (`None` once purged).
    pub application: Option<&'a Application>,
    pub catalogue: &'a Catalogue,
    pub photos: &'a [CasePhoto],
    pub decisions: &'a [MaterialDecision],
    pub history: &'a [CaseEvent],
    pub error: Option<&'a str>,
}

pub fn render(ctx: &Ctx, data: &CaseData) -> String {
    let d = data.detail;
    let receipt = d.listed.receipt_no.as_str();
    let item = data.catalogue.items.iter().find(|i| i.code == d.listed.item_code);
    let body = html! {
        (summary(ctx, data, item))
        @if let Some(application) = data.application { (answers(ctx, data.catalogue, application)) }
        h2 { (ctx.t(M::Materials)) }
        @for code in material_codes(data, item) { (material(ctx, data, &code)) }
        h2 { (ctx.t(M::History)) }
        (history(ctx, data.catalogue, data.history))
        @if let Some(error) = data.error { p class="error" id="error" role="alert" { (error) } }
        h2 { (ctx.t(M::PreReview)) }
        form method="post" action={ "/applications/" (receipt) "/review" } id="review" {
            input type="hidden" name="csrf" value=(ctx.csrf());
            p {
                label for="review-message" { (ctx.t(M::ReviewMessage)) } br;
                textarea name="message" id="review-message" rows="3" cols="80" {}
            }
            div class="actions" {
                @for action in actions_for(&d.listed.status) {
                    @match *action {
                        "approve" => button name="action" value="approve" id="approve" { (ctx.t(M::Approve)) },
                        "supplement" => button name="action" value="supplement" id="supplement" class="secondary" { (ctx.t(M::AskSupplement)) },
                        "reject" => button name="action" value="reject" id="reject" class="danger" { (ctx.t(M::Reject)) },
                        _ => button name="action" value="done" id="done" { (ctx.t(M::Done)) },
                    }
                }
                @if actions_for(&d.listed.status).is_empty() { p class="muted" { (ctx.t(M::CaseClosed)) } }
            }
        }
        h2 { (ctx.t(M::RevealTitle)) }
        form method="post" action={ "/applications/" (receipt) "/reveal" } id="reveal-form" {
            input type="hidden" name="csrf" value=(ctx.csrf());
            p {
                label for="reveal-reason" { (ctx.t(M::RevealReason)) } " "
                input name="reason" id="reveal-reason" size="40";
                " " button id="reveal" class="secondary" { (ctx.t(M::RevealButton)) }
            }
        }
    };
    page(ctx, &format!("{} {receipt}", ctx.t(M::CaseTitle)), "/queue", body)
}

/// The pre-review actions that make sense in a case's state: a waiting case is approved,
/// sent back for a supplement or refused; an approved one is done; a closed one has none.
fn actions_for(status: &str) -> &'static [&'static str] {
    match status {
        "received" => &["approve", "supplement", "reject"],
        "supplement" => &["approve", "reject"],
        "approved" => &["done"],
        _ => &[],
    }
}

/// The case's fields: numbers, service, applicant, dates, state, message, delivery, payment.
fn summary(ctx: &Ctx, data: &CaseData, item: Option<&ServiceItem>) -> Markup {
    let d = data.detail;
    let app = data.application;
    // (label, cell id, value): two fields a row, so the photos come up the page.
    let mut fields: Vec<(M, Option<&str>, Markup)> = vec![
        (M::ColReceipt, None, html! { (d.listed.receipt_no) }),
        (M::ColCase, None, html! { (d.listed.case_number) }),
        (
            M::ColService,
            None,
            html! { (item.map_or(d.listed.item_code.as_str(), |i| local(ctx, &i.name))) },
        ),
        (M::ColState, Some("status"), state(ctx, &d.listed.status)),
        (M::Applicant, Some("applicant"), html! { (d.applicant_masked) }),
    ];
    if let Some(agent) = app.and_then(|a| a.agent.as_ref()) {
        fields.push((M::Agent, None, html! { (agent.masked_name()) " " (agent.id.masked()) }));
    }
    fields.push((M::ColKiosk, None, html! { (d.listed.kiosk_id) }));
    fields.push((M::ColReceived, None, html! { (china_time(d.listed.received_at)) }));
    fields.push((M::Expected, None, html! { (d.expected_on.as_deref().unwrap_or("–")) }));
    fields.push((M::ReviewedBy, None, html! { (d.reviewed_by.as_deref().unwrap_or("–")) }));
    if let Some(app) = app {
        fields.push((M::Delivery, Some("delivery"), html! { (delivery(ctx, app)) }));
        fields.push((
            M::Payment,
            Some("payment"),
            html! { (payment(ctx, &d.payment, &app.payment)) },
        ));
    }
    html! {
        table id="detail" class="fields two" {
            @for pair in fields.chunks(2) {
                tr {
                    @for (label, id, value) in pair {
                        th scope="row" { (ctx.t(*label)) }
                        td id=[*id] data-state=[(*id == Some("status")).then_some(d.listed.status.as_str())] { (value) }
                    }
                    @if pair.len() == 1 { td colspan="2" {} }
                }
            }
            tr { th scope="row" { (ctx.t(M::Message)) } td id="message" colspan="3" { (d.message.as_deref().unwrap_or("")) } }
        }
    }
}

fn delivery(ctx: &Ctx, app: &Application) -> String {
    let how = match &app.delivery {
        Delivery::WindowPickup => ctx.t(M::DeliveryWindow).to_string(),
        Delivery::Express {
            recipient,
            phone,
            address,
        } => format!(
            "{} · {} {} {}",
            ctx.t(M::DeliveryExpress),
            mask_name(recipient),
            mask_phone(phone),
            mask_address(address)
        ),
    };
    if app.urgent {
        format!("{how} · {}", ctx.t(M::Urgent))
    } else {
        how
    }
}

/// The central's own word on payment (`settled`), with the amount the kiosk asked.
fn payment(ctx: &Ctx, settled: &str, asked: &PaymentState) -> String {
    let fen = match asked {
        PaymentState::NotRequired => 0,
        PaymentState::Pending { fen } | PaymentState::Paid { fen, .. } => *fen,
    };
    let word = match settled {
        "paid" => ctx.t(M::PaymentPaid),
        "at-window" => ctx.t(M::PaymentWindow),
        _ => ctx.t(M::PaymentNone),
    };
    if fen == 0 {
        word.to_string()
    } else {
        format!("{word} · ¥{}.{:02}", fen / 100, fen % 100)
    }
}

/// Every form answer, with the catalogue's labels; personal values masked.
fn answers(ctx: &Ctx, catalogue: &Catalogue, app: &Application) -> Markup {
    html! {
        h2 { (ctx.t(M::Answers)) }
        table id="answers" class="fields" {
            @for (code, value) in app.form.iter() {
                @let spec = catalogue.fields.get(code);
                tr {
                    th scope="row" { (spec.map_or(code.as_str(), |s| local(ctx, &s.label))) }
                    td data-field=(code) {
                        @match spec {
                            Some(s) if s.personal => (mask_phone(value)),
                            Some(s) => (answer(ctx, &s.kind, value)),
                            None => (value),
                        }
                    }
                }
            }
        }
    }
}

/// A choice's label instead of its code; other values as typed.
fn answer(ctx: &Ctx, kind: &FieldKind, value: &str) -> String {
    match kind {
        FieldKind::Choice { options } => options
            .iter()
            .find(|o| o.value == value)
            .map_or(value.to_string(), |o| local(ctx, &o.label).to_string()),
        _ => value.to_string(),
    }
}

/// The materials of the case: the service's checklist, then any other the kiosk sent.
fn material_codes(data: &CaseData, item: Option<&ServiceItem>) -> Vec<String> {
    let mut codes: Vec<String> = item
        .map(|i| i.mandatory.iter().chain(&i.secondary).cloned().collect())
        .unwrap_or_default();
    for (code, _, _) in &data.detail.materials {
        if !codes.contains(code) {
            codes.push(code.clone());
        }
    }
    codes
}

/// One material: its name (required or optional), its photos, the promise if it was
/// promised, and the decision form.
fn material(ctx: &Ctx, data: &CaseData, code: &str) -> Markup {
    let receipt = &data.detail.listed.receipt_no;
    let spec = data.catalogue.materials.get(code);
    let required = data
        .catalogue
        .items
        .iter()
        .find(|i| i.code == data.detail.listed.item_code)
        .is_some_and(|i| i.mandatory.iter().any(|m| m == code));
    let photos: Vec<&CasePhoto> = data.photos.iter().filter(|p| p.code == code).collect();
    let promised = data.application.and_then(|a| match a.materials.get(code) {
        Some(MaterialState::Promised { deadline, signature }) => Some((*deadline, signature.is_some())),
        _ => None,
    });
    let latest_photo = photos.iter().map(|p| p.created_at).max();
    // A decision older than the newest photo was about the photo the citizen replaced.
    let decision = data
        .decisions
        .iter()
        .find(|d| d.code == code)
        .filter(|d| latest_photo.is_none_or(|at| at <= d.at));
    let resupplied = decision.is_none() && data.decisions.iter().any(|d| d.code == code);
    let asked_at = data
        .history
        .iter()
        .find(|e| e.kind == "review:supplement")
        .map(|e| e.at);
    let supplied = |photo: &CasePhoto| asked_at.is_some_and(|at| photo.created_at >= at);
    let watermark = format!("{} · {} · {}", ctx.t(M::Watermark), ctx.name(), china_time(ctx.now));
    html! {
        section class="material" data-material=(code) {
            h3 {
                (spec.map_or(code, |s| local(ctx, &s.name)))
                " · " (if required { ctx.t(M::Required) } else { ctx.t(M::Optional) })
                @if let Some(d) = decision {
                    " · " span class=(if d.verdict == "ok" { "ok" } else { "fault" }) data-verdict=(d.verdict) {
                        (if d.verdict == "ok" { ctx.t(M::VerdictOk) } else { ctx.t(M::VerdictFix) })
                    }
                }
                @if resupplied { " · " span class="near" data-verdict="resupplied" { (ctx.t(M::Resupplied)) } }
            }
            @if let Some((deadline, signed)) = promised {
                p class="notice" { (ctx.t(M::Promised)) " " (deadline) @if signed { " · " (ctx.t(M::Signed)) } }
            }
            div class="photos" {
                @if photos.is_empty() && promised.is_none() { p { (ctx.t(M::NoPhoto)) } }
                @for photo in &photos {
                    figure class={ "photo" @if supplied(photo) { " supplied" } } data-upload=(photo.upload_id) {
                        img src={ "/photos/" (photo.upload_id) } alt={ (spec.map_or(code, |s| local(ctx, &s.name))) " · " (china_time(photo.created_at)) };
                        div class="watermark" aria-hidden="true" { (watermark) }
                        figcaption {
                            @if supplied(photo) { span class="tag" { (ctx.t(M::SuppliedTag)) } }
                            (china_time(photo.created_at))
                            button type="button" class="secondary" data-photo-action="rotate" { (ctx.t(M::Rotate)) }
                            button type="button" class="secondary" data-photo-action="zoom" { (ctx.t(M::Zoom)) }
                        }
                    }
                }
            }
            (verdict_form(ctx, receipt, code, decision))
        }
    }
}

/// 合格 / 需补正 with a standard reason and a note.
fn verdict_form(ctx: &Ctx, receipt: &str, code: &str, decision: Option<&MaterialDecision>) -> Markup {
    let id = |what: &str| format!("{what}-{code}");
    let chosen = decision.and_then(|d| d.reason.as_deref());
    html! {
        form method="post" action={ "/applications/" (receipt) "/materials/" (code) } class="verdict" id=(id("verdict")) {
            input type="hidden" name="csrf" value=(ctx.csrf());
            span { (ctx.t(M::Verdict)) }
            label { input type="radio" name="verdict" value="ok" checked[decision.is_some_and(|d| d.verdict == "ok")]; " " (ctx.t(M::VerdictOk)) }
            label { input type="radio" name="verdict" value="fix" id=(id("fix")) checked[decision.is_some_and(|d| d.verdict == "fix")]; " " (ctx.t(M::VerdictFix)) }
            label for=(id("reason")) { (ctx.t(M::Reason)) }
            select name="reason" id=(id("reason")) {
                option value="" { "–" }
                @for (value, zh, en) in FIX_REASONS {
                    option value=(value) selected[chosen == Some(*value)] { (if ctx.lang == Lang::Zh { *zh } else { *en }) }
                }
            }
            label for=(id("note")) { (ctx.t(M::Note)) }
            input name="note" id=(id("note")) size="24" value=(decision.and_then(|d| d.note.as_deref()).unwrap_or(""));
            button id=(id("save")) class="secondary" { (ctx.t(M::SaveVerdict)) }
            @if let Some(d) = decision { span class="muted" { (ctx.t(M::DecidedBy)) " " (d.reviewer) " · " (china_time(d.at)) } }
        }
    }
}

/// What happened to the case, oldest first.
fn history(ctx: &Ctx, catalogue: &Catalogue, events: &[CaseEvent]) -> Markup {
    html! {
        @if events.is_empty() { p { (ctx.t(M::HistoryEmpty)) } }
        @else {
            table id="history" {
                tr { @for h in [M::ColWhen, M::ColWho, M::ColAction, M::ColSubject] { th scope="col" { (ctx.t(h)) } } }
                @for e in events {
                    tr data-kind=(e.kind) {
                        td { (china_time(e.at)) } td { (e.actor) } td { (event_name(ctx, &e.kind)) }
                        td { (event_detail(ctx, catalogue, e)) }
                    }
                }
            }
        }
    }
}

/// An event's subject in words: materials by name, reasons in the page's language.
fn event_detail(ctx: &Ctx, catalogue: &Catalogue, e: &CaseEvent) -> String {
    let detail = e.detail.as_deref().unwrap_or("");
    let name = |code: &str| {
        catalogue
            .materials
            .get(code.trim())
            .map_or(code.trim().to_string(), |m| local(ctx, &m.name).to_string())
    };
    if e.kind.starts_with("material:") {
        let (code, reason) = detail.split_once(':').unwrap_or((detail, ""));
        let reason = FIX_REASONS
            .iter()
            .find(|(c, _, _)| *c == reason.trim())
            .map(|(_, zh, en)| if ctx.lang == Lang::Zh { *zh } else { *en });
        return match reason {
            Some(reason) => format!("{}: {reason}", name(code)),
            None => name(code),
        };
    }
    if e.kind == "supplement" {
        return detail.split(',').map(name).collect::<Vec<_>>().join(", ");
    }
    detail.to_string()
}

fn event_name(ctx: &Ctx, kind: &str) -> String {
    match kind.split_once(':') {
        None if kind == "submitted" => ctx.t(M::EventSubmitted).into(),
        None if kind == "supplement" => ctx.t(M::EventSupplement).into(),
        None if kind == "assigned" => ctx.t(M::EventAssigned).into(),
        Some(("material", "ok")) => ctx.t(M::EventMaterialOk).into(),
        Some(("material", _)) => ctx.t(M::EventMaterialFix).into(),
        Some(("review", status)) => format!("{}: {}", ctx.t(M::EventReview), state_text(ctx, status)),
        _ => kind.into(),
    }
}
