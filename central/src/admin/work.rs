//! A signed-in operator's requests: the queue, the application page and its actions
//! (decision per material, assignment, pre-review, reveal), photos (audited views), the
//! search by ID number, the fleet, applications, payments and the audit log. Each answers a
//! page, a redirect after an action, or the error shown as a page.

use super::i18n::M;
use super::pages::{self, Ctx};
use super::{case_page, cookie_flags, field, form, queue_page, stats_page, COOKIE};
use crate::http::{Req, Resp};
use crate::refusal::failure;
use crate::state::Central;
use crate::store::{Operator, QueueFilter};
use hyper::Method;
use township_core::central_api::CaseStatus;
use township_core::domain::calendar::Date;

pub(super) fn operator_route(
    central: &Central,
    req: &Req,
    ctx: &Ctx,
    token: &str,
    operator: &Operator,
    fields: &[(String, String)],
) -> Resp {
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    let store = &central.store;
    let result = match (&req.method, segments.as_slice()) {
        (&Method::GET, [""]) => store
            .kiosks(operator)
            .and_then(|kiosks| Ok(pages::fleet(ctx, &kiosks, store.count_applications()?))),
        (&Method::POST, ["logout"]) => {
            let _ = store.logout(token);
            return Resp::redirect("/login")
                .with("set-cookie", format!("{COOKIE}=; {}; Max-Age=0", cookie_flags(central)));
        }
        (&Method::GET, ["queue"]) => queue(central, ctx, operator, req),
        (&Method::GET, ["stats"]) => {
            let (from, to) = span(ctx, req);
            store
                .stats(operator, Some(from), Some(to))
                .map(|stats| stats_page::render(ctx, &stats, &store.catalogue))
        }
        (&Method::GET, ["stats.csv"]) => {
            let (from, to) = span(ctx, req);
            return match store.export_csv(operator, Some(from), Some(to)) {
                Ok(csv) => Resp::text(200, "text/csv; charset=utf-8", csv).with(
                    "content-disposition",
                    format!("attachment; filename=\"cases-{from}-{to}.csv\""),
                ),
                Err(e) => failure(e),
            };
        }
        (&Method::POST, ["search"]) => search(central, ctx, operator, fields),
        (&Method::GET, ["applications"]) => store
            .list(operator, 500)
            .map(|rows| pages::applications(ctx, &rows, &|code| pages::service_name(ctx, &store.catalogue, code))),
        (&Method::GET, ["applications", receipt]) => application(central, ctx, operator, receipt, None),
        (&Method::POST, ["applications", receipt, "review"]) => match review(central, ctx, receipt, fields, operator) {
            Ok(resp) => return resp,
            Err(page) => page,
        },
        (&Method::POST, ["applications", receipt, "materials", code]) => {
            let decided = store.decide_material(
                operator,
                receipt,
                code,
                field(fields, "verdict").unwrap_or_default(),
                field(fields, "reason").filter(|r| !r.is_empty()),
                field(fields, "note").unwrap_or_default(),
            );
            match decided {
                Ok(()) => return Resp::redirect(&format!("/applications/{receipt}#material-{code}")),
                Err(e) => refused_on_page(central, ctx, operator, receipt, e),
            }
        }
        (&Method::POST, ["applications", receipt, "assign"]) => match store.assign(operator, receipt, &operator.name) {
            Ok(()) => return Resp::redirect("/queue"),
            Err(e) => Err(e),
        },
        (&Method::POST, ["applications", receipt, "reveal"]) => {
            let reason = field(fields, "reason").unwrap_or_default();
            store
                .reveal(operator, receipt, reason)
                .map(|revealed| pages::revealed(ctx, receipt, &revealed, reason.trim()))
        }
        (&Method::GET, ["photos", upload_id]) => {
            return match store.view_photo(operator, upload_id) {
                Ok(bytes) => Resp::bytes(200, "image/jpeg", bytes),
                Err(e) => failure(e),
            }
        }
        (&Method::GET, ["audit"]) => store
            .audit_log(operator, 500)
            .map(|entries| pages::audit(ctx, &entries)),
        (&Method::GET, ["payments"]) => store
            .payments(operator, 200)
            .map(|rows| pages::payments(ctx, &rows, central.sandbox_payments)),
        (&Method::POST, ["payments", id, action]) => match payment_action(central, operator, id, action) {
            Ok(()) => return Resp::redirect("/payments"),
            Err(e) => Err(e),
        },
        _ => {
            return Resp::html(
                404,
                pages::message(ctx, ctx.t(M::NotFoundTitle), ctx.t(M::NotFoundText), false),
            )
        }
    };
    match result {
        Ok(html) => Resp::html(200, html),
        Err(e) => {
            let resp = failure(e);
            Resp::html(
                resp.status,
                pages::message(ctx, ctx.t(M::ErrorTitle), &String::from_utf8_lossy(&resp.body), true),
            )
        }
    }
}

/// The days of `?from=&to=`: the last 30 days up to today by default.
fn span(ctx: &Ctx, req: &Req) -> (Date, Date) {
    let params = form(req.query.as_deref().unwrap_or("").as_bytes());
    let day = |name: &str| field(&params, name).and_then(Date::parse);
    let to = day("to").unwrap_or_else(|| Date::from_unix_china(ctx.now));
    let from = day("from").filter(|from| *from <= to).unwrap_or(to.add_days(-29));
    (from, to)
}

/// The queue, filtered by the query string.
fn queue(central: &Central, ctx: &Ctx, operator: &Operator, req: &Req) -> anyhow::Result<String> {
    let params = form(req.query.as_deref().unwrap_or("").as_bytes());
    let param = |name: &str| {
        field(&params, name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let filter = QueueFilter {
        status: param("status"),
        item_code: param("item"),
        kiosk_id: param("kiosk"),
        from: param("from").as_deref().and_then(Date::parse),
        number: param("number"),
    };
    let rows = central.store.queue(operator, &filter, 500)?;
    let kiosks: Vec<String> = central
        .store
        .kiosks(operator)?
        .into_iter()
        .map(|k| k.kiosk_id)
        .collect();
    let data = queue_page::QueueData {
        rows: &rows,
        filter: &filter,
        catalogue: &central.store.catalogue,
        calendar: &central.store.calendar,
        today: Date::from_unix_china(ctx.now),
        kiosks: &kiosks,
    };
    Ok(queue_page::render(ctx, &data))
}

/// A search by ID number (audited): the cases found, as links.
fn search(central: &Central, ctx: &Ctx, operator: &Operator, fields: &[(String, String)]) -> anyhow::Result<String> {
    let typed = field(fields, "id_number").unwrap_or_default().trim().to_uppercase();
    let Ok(id) = township_core::domain::id_number::IdNumber::parse(&typed) else {
        return crate::store::refuse(422, "bad_id_number", "not a valid ID number");
    };
    let found = central.store.search_by_person(operator, &id)?;
    let body = maud::html! {
        p { (id.masked()) }
        ul id="found" { @for receipt in &found { li { a href={ "/applications/" (receipt) } { (receipt) } } } }
        @if found.is_empty() { p { (ctx.t(M::EmptyQueue)) } }
    };
    Ok(pages::page(ctx, ctx.t(M::SearchPerson), "/queue", body))
}

/// The application page again, with a refusal in words (a 4xx other than 403/404); other
/// errors are the error page.
fn refused_on_page(
    central: &Central,
    ctx: &Ctx,
    operator: &Operator,
    receipt: &str,
    e: anyhow::Error,
) -> anyhow::Result<String> {
    match e.downcast_ref::<crate::store::Refusal>() {
        Some(r) if r.status != 404 && r.status != 403 => {
            application(central, ctx, operator, receipt, Some(r.message.clone()))
        }
        _ => Err(e),
    }
}

/// "Mark paid" (the simulated provider pays, sandbox only) or "Expire", by a supervisor.
fn payment_action(central: &Central, operator: &Operator, id: &str, action: &str) -> anyhow::Result<()> {
    operator.require(operator.may_supervise())?;
    match action {
        "paid" => {
            if !central.sandbox_payments {
                return crate::store::refuse(404, "not_found", "the payment sandbox is off on this server");
            }
            let order = central.store.order(operator, id)?;
            let resp = central.sandbox_pay(id, order.amount_fen, &operator.name);
            if resp.status != 200 {
                return crate::store::refuse(409, "not_paid", String::from_utf8_lossy(&resp.body).into_owned());
            }
            Ok(())
        }
        "expire" => central.store.expire_payment(operator, id).map(|_| ()),
        _ => crate::store::refuse(404, "not_found", "no such action"),
    }
}

/// A pre-review decision from the application's page: a redirect when it is recorded, else
/// the page again with the refusal (or the error to show).
fn review(
    central: &Central,
    ctx: &Ctx,
    receipt: &str,
    fields: &[(String, String)],
    operator: &Operator,
) -> Result<Resp, anyhow::Result<String>> {
    let message = field(fields, "message").map(str::trim).filter(|m| !m.is_empty());
    let status = match field(fields, "action") {
        Some("approve") => CaseStatus::Approved,
        Some("supplement") => CaseStatus::Supplement,
        Some("reject") => CaseStatus::Rejected,
        Some("done") => CaseStatus::Done,
        _ => {
            return Ok(Resp::html(
                400,
                pages::message(ctx, ctx.t(M::BadRequest), ctx.t(M::UnknownAction), false),
            ))
        }
    };
    match central.store.review(operator, receipt, status, message) {
        Ok(()) => {
            log::info!("review {} by {}", status.as_str(), operator.name);
            Ok(Resp::redirect(&format!("/applications/{receipt}")))
        }
        Err(e) => Err(refused_on_page(central, ctx, operator, receipt, e)),
    }
}

/// One application's page, with the refusal of the last action when there was one.
fn application(
    central: &Central,
    ctx: &Ctx,
    operator: &Operator,
    receipt: &str,
    error: Option<String>,
) -> anyhow::Result<String> {
    let store = &central.store;
    let detail = store.detail(operator, receipt)?;
    let application = store.case_application(operator, receipt)?;
    let photos = store.case_photos(operator, receipt)?;
    let decisions = store.material_decisions(operator, receipt)?;
    let history = store.history(operator, receipt)?;
    let data = case_page::CaseData {
        detail: &detail,
        application: application.as_ref(),
        catalogue: &store.catalogue,
        photos: &photos,
        decisions: &decisions,
        history: &history,
        error: error.as_deref(),
    };
    Ok(case_page::render(ctx, &data))
}
