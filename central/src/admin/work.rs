//! A signed-in operator's requests: the queue, the application page and its actions
//! (decision per material, assignment, pre-review, reveal), photos (audited views), the
//! search by ID number, the fleet, applications, payments and the audit log. Each answers a
//! page, a redirect after an action, or the error shown as a page.

use super::i18n::M;
use super::pages::{self, Ctx};
use super::{case_page, cookie_flags, desk_page, field, form, queue_page, stats_page, COOKIE};
use crate::http::{Req, Resp};
use crate::refusal::failure;
use crate::state::Central;
use crate::store::{Operator, QueueFilter};
use hyper::Method;
use township_core::central_api::CaseStatus;
use township_core::domain::calendar::Date;

/// What a route answered: a page (or the error to show as one), or a finished answer
/// (a redirect after an action, a photo, a file).
enum Routed {
    Page(anyhow::Result<String>),
    Done(Resp),
}

/// One request of a signed-in operator, with its form's `fields` already checked.
pub(super) struct Call<'a> {
    central: &'a Central,
    req: &'a Req,
    ctx: &'a Ctx<'a>,
    operator: &'a Operator,
    fields: &'a [(String, String)],
}

pub(super) fn operator_route(
    central: &Central,
    req: &Req,
    ctx: &Ctx,
    token: &str,
    operator: &Operator,
    fields: &[(String, String)],
) -> Resp {
    if req.method == Method::POST && req.path == "/logout" {
        let _ = central.store.logout(token);
        return Resp::redirect("/login").with("set-cookie", format!("{COOKIE}=; {}; Max-Age=0", cookie_flags(central)));
    }
    let call = Call {
        central,
        req,
        ctx,
        operator,
        fields,
    };
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    let routed = case_route(&call, &segments)
        .or_else(|| desk_route(&call, &segments))
        .or_else(|| report_route(&call, &segments));
    let result = match routed {
        Some(Routed::Done(resp)) => return resp,
        Some(Routed::Page(page)) => page,
        None => {
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

/// A redirect after an action that succeeded, else its error as a page.
fn done_or(result: anyhow::Result<()>, to: &str) -> Routed {
    match result {
        Ok(()) => Routed::Done(Resp::redirect(to)),
        Err(e) => Routed::Page(Err(e)),
    }
}

/// The pre-review work: queue, search, applications, their actions, photos.
fn case_route(call: &Call, segments: &[&str]) -> Option<Routed> {
    let (central, ctx, operator, fields) = (call.central, call.ctx, call.operator, call.fields);
    let store = &central.store;
    Some(match (&call.req.method, segments) {
        (&Method::GET, ["queue"]) => Routed::Page(queue(central, ctx, operator, call.req)),
        (&Method::POST, ["search"]) => Routed::Page(search(central, ctx, operator, fields)),
        (&Method::GET, ["applications"]) => Routed::Page(
            store
                .list(operator, 500)
                .map(|rows| pages::applications(ctx, &rows, &|code| pages::service_name(ctx, &store.catalogue, code))),
        ),
        (&Method::GET, ["applications", receipt]) => Routed::Page(application(central, ctx, operator, receipt, None)),
        (&Method::POST, ["applications", receipt, "review"]) => match review(central, ctx, receipt, fields, operator) {
            Ok(resp) => Routed::Done(resp),
            Err(page) => Routed::Page(page),
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
                Ok(()) => Routed::Done(Resp::redirect(&format!("/applications/{receipt}#material-{code}"))),
                Err(e) => Routed::Page(refused_on_page(central, ctx, operator, receipt, e)),
            }
        }
        (&Method::POST, ["applications", receipt, "assign"]) => {
            let to = field(fields, "to").filter(|t| !t.is_empty()).unwrap_or(&operator.name);
            done_or(store.assign(operator, receipt, to), "/queue")
        }
        (&Method::POST, ["applications", receipt, "reveal"]) => {
            let reason = field(fields, "reason").unwrap_or_default();
            Routed::Page(
                store
                    .reveal(operator, receipt, reason)
                    .map(|revealed| pages::revealed(ctx, receipt, &revealed, reason.trim())),
            )
        }
        (&Method::GET, ["photos", upload_id]) => Routed::Done(match store.view_photo(operator, upload_id) {
            Ok(bytes) => Resp::bytes(200, "image/jpeg", bytes),
            Err(e) => failure(e),
        }),
        _ => return None,
    })
}

/// The front desk: a day's bookings, complaints and their replies.
fn desk_route(call: &Call, segments: &[&str]) -> Option<Routed> {
    let (central, ctx, operator) = (call.central, call.ctx, call.operator);
    let store = &central.store;
    Some(match (&call.req.method, segments) {
        (&Method::GET, ["bookings"]) => {
            let params = form(call.req.query.as_deref().unwrap_or("").as_bytes());
            let day = field(&params, "day")
                .and_then(Date::parse)
                .unwrap_or_else(|| Date::from_unix_china(ctx.now));
            Routed::Page(
                store
                    .bookings_on(operator, day)
                    .map(|rows| desk_page::bookings(ctx, day, &rows, &store.catalogue)),
            )
        }
        (&Method::GET, ["complaints"]) => Routed::Page(
            store
                .desk_complaints(operator, 500)
                .map(|rows| desk_page::complaints(ctx, &rows)),
        ),
        (&Method::POST, ["complaints", ticket, "reply"]) => {
            // Queued here; the SMS gateway's round (every half minute) sends it.
            let replied = store.reply_to_complaint(operator, ticket, field(call.fields, "reply").unwrap_or_default());
            done_or(replied, "/complaints")
        }
        _ => return None,
    })
}

/// The fleet, statistics and export, payments and the audit log.
fn report_route(call: &Call, segments: &[&str]) -> Option<Routed> {
    let (central, ctx, operator) = (call.central, call.ctx, call.operator);
    let store = &central.store;
    Some(match (&call.req.method, segments) {
        (&Method::GET, [""]) => Routed::Page(store.kiosks(operator).and_then(|kiosks| {
            let rollouts = store.rollouts(operator)?;
            Ok(pages::fleet(ctx, &kiosks, &rollouts, store.count_applications()?))
        })),
        (&Method::GET, ["kiosks", id]) => Routed::Page(store.kiosks(operator).and_then(|kiosks| {
            let Some(kiosk) = kiosks.iter().find(|k| k.kiosk_id == *id) else {
                return crate::store::refuse(404, "not_found", "no such kiosk");
            };
            Ok(pages::kiosk(ctx, kiosk, &store.beat_buckets(operator, id)?))
        })),
        (&Method::GET, ["stats"]) => {
            let (from, to) = span(ctx, call.req);
            Routed::Page(
                store
                    .stats(operator, Some(from), Some(to))
                    .map(|stats| stats_page::render(ctx, &stats, &store.catalogue)),
            )
        }
        (&Method::GET, ["stats.csv"]) => {
            let (from, to) = span(ctx, call.req);
            Routed::Done(match store.export_csv(operator, Some(from), Some(to)) {
                Ok(csv) => Resp::text(200, "text/csv; charset=utf-8", csv).with(
                    "content-disposition",
                    format!("attachment; filename=\"cases-{from}-{to}.csv\""),
                ),
                Err(e) => failure(e),
            })
        }
        (&Method::GET, ["audit"]) => Routed::Page(
            store
                .audit_log(operator, 500)
                .map(|entries| pages::audit(ctx, &entries)),
        ),
        (&Method::GET, ["payments"]) => Routed::Page(
            store
                .payments(operator, 200)
                .map(|rows| pages::payments(ctx, &rows, central.sandbox_payments)),
        ),
        (&Method::POST, ["payments", id, action]) => {
            done_or(payment_action(central, operator, id, action), "/payments")
        }
        _ => return None,
    })
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
    let reviewers = if operator.may_supervise() {
        central.store.reviewers(operator)?
    } else {
        Vec::new()
    };
    let data = queue_page::QueueData {
        rows: &rows,
        filter: &filter,
        catalogue: &central.store.catalogue,
        calendar: &central.store.calendar,
        today: Date::from_unix_china(ctx.now),
        kiosks: &kiosks,
        reviewers: &reviewers,
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
