//! The back office on its own listener: server-rendered HTML for operators (login with
//! argon2id, a session cookie, a CSRF token in every form), the fleet dashboard, the
//! application list and detail with the pre-review action, payment simulation, and
//! `/metrics` in Prometheus text format with per-kiosk gauges. Pages show masked personal
//! data only.

use crate::api::failure;
use crate::http::{Peer, Req, Resp};
use crate::state::Central;
use crate::store::now;
use hyper::Method;
use pages::Operator;
use township_core::central_api::{CaseStatus, PaymentStatus};

mod metrics;
mod pages;

use metrics::metrics;

const COOKIE: &str = "tc_session";

pub fn handle(central: &Central, _peer: Option<&Peer>, req: &Req) -> Resp {
    let resp = route(central, req);
    if resp.status >= 500 {
        log::warn!("back office {} -> {}", req.method, resp.status);
    }
    resp
}

/// Decodes an `application/x-www-form-urlencoded` body.
fn form(body: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                        Ok(b) => {
                            out.push(b);
                            i += 2;
                        }
                        Err(_) => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn cookie(req: &Req) -> Option<String> {
    req.header("cookie")?
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

fn route(central: &Central, req: &Req) -> Resp {
    let path = req.path.as_str();
    match (&req.method, path) {
        (&Method::GET, "/metrics") => return metrics(central),
        (&Method::GET, "/healthz") => return Resp::text(200, "text/plain", "ok\n".into()),
        (&Method::GET, "/login") => return login_page(None),
        (&Method::POST, "/login") => return login(central, req),
        _ => {}
    }
    let session = cookie(req).and_then(|token| central.store.session(&token).ok().flatten().map(|s| (token, s)));
    let Some((token, (operator, csrf))) = session else {
        return Resp::redirect("/login");
    };
    let fields = if req.method == Method::POST {
        form(&req.body)
    } else {
        Vec::new()
    };
    if req.method == Method::POST && field(&fields, "csrf") != Some(csrf.as_str()) {
        return Resp::html(
            403,
            pages::message("Forbidden", None, "The form has expired: reload the page.", true),
        );
    }
    let me = Some((operator.as_str(), csrf.as_str()));
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let result = match (&req.method, segments.as_slice()) {
        (&Method::GET, [""]) => central
            .store
            .kiosks()
            .and_then(|kiosks| Ok(pages::fleet(me, &kiosks, central.store.count_applications()?, now()))),
        (&Method::POST, ["logout"]) => {
            let _ = central.store.logout(&token);
            return Resp::redirect("/login").with(
                "set-cookie",
                format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
            );
        }
        (&Method::GET, ["applications"]) => central
            .store
            .list(500)
            .map(|rows| pages::applications(me, &rows, now())),
        (&Method::GET, ["applications", receipt]) => application(central, me, receipt, None),
        (&Method::POST, ["applications", receipt, "review"]) => {
            match review(central, me, receipt, &fields, &operator) {
                Ok(resp) => return resp,
                Err(page) => page,
            }
        }
        (&Method::GET, ["payments"]) => central.store.payments(200).map(|rows| pages::payments(me, &rows)),
        (&Method::POST, ["payments", id, action]) => {
            let to = match *action {
                "paid" => PaymentStatus::Paid,
                "expire" => PaymentStatus::Expired,
                _ => return Resp::html(404, pages::page("Not found", me, maud::html! {})),
            };
            match central.store.set_payment(id, to) {
                Ok(_) => return Resp::redirect("/payments"),
                Err(e) => Err(e),
            }
        }
        _ => return Resp::html(404, pages::message("Not found", me, "No such page.", false)),
    };
    match result {
        Ok(html) => Resp::html(200, html),
        Err(e) => {
            let resp = failure(e);
            Resp::html(
                resp.status,
                pages::message("Error", me, &String::from_utf8_lossy(&resp.body), true),
            )
        }
    }
}

fn login_page(error: Option<&str>) -> Resp {
    Resp::html(if error.is_some() { 401 } else { 200 }, pages::login(error))
}

fn login(central: &Central, req: &Req) -> Resp {
    let fields = form(&req.body);
    let (Some(name), Some(password)) = (field(&fields, "name"), field(&fields, "password")) else {
        return login_page(Some("Name and password are required."));
    };
    match central.store.login(name, password) {
        Ok((token, _)) => {
            log::info!("operator {name} logged in");
            Resp::redirect("/").with(
                "set-cookie",
                format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=28800"),
            )
        }
        Err(e) => {
            log::warn!("failed login for operator {name}");
            let message = e
                .downcast_ref::<crate::store::Refusal>()
                .map(|r| r.message.clone())
                .unwrap_or_else(|| "Login failed.".into());
            login_page(Some(&message))
        }
    }
}

/// A pre-review decision from the application's page: a redirect when it is recorded, else
/// the page again with the refusal (or the error to show).
fn review(
    central: &Central,
    me: Operator,
    receipt: &str,
    fields: &[(String, String)],
    operator: &str,
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
                pages::message("Bad request", me, "Unknown action.", false),
            ))
        }
    };
    match central.store.review(receipt, status, message, operator) {
        Ok(()) => {
            log::info!("review {} by {operator}", status.as_str());
            Ok(Resp::redirect(&format!("/applications/{receipt}")))
        }
        Err(e) => match e.downcast_ref::<crate::store::Refusal>() {
            Some(r) if r.status != 404 => Err(application(central, me, receipt, Some(r.message.clone()))),
            _ => Err(Err(e)),
        },
    }
}

/// One application's page, with the refusal of the last pre-review when there was one.
fn application(central: &Central, me: Operator, receipt: &str, error: Option<String>) -> anyhow::Result<String> {
    let detail = central.store.detail(receipt)?;
    let catalogue = &central.store.catalogue;
    let item = catalogue.items.iter().find(|i| i.code == detail.listed.item_code);
    let item_name = item.map(|i| i.name.zh.as_str()).unwrap_or_default();
    Ok(pages::application(me, &detail, item_name, error.as_deref()))
}
