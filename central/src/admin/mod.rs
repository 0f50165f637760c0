//! The back office on its own listener: server-rendered HTML for operators (login with
//! argon2id, a session cookie, a CSRF token in every form), the fleet dashboard, the
//! application list and detail with the pre-review action, payment simulation, and
//! `/metrics` in Prometheus text format with per-kiosk gauges. Pages show masked personal
//! data only. Every page goes out with a CSP (`frame-ancestors 'none'`), `no-store` and
//! no-sniff headers; cookies are `Secure; HttpOnly; SameSite=Strict`; the log-in form
//! carries a CSRF token bound to a cookie; roles decide what each operator may do.

use crate::http::{Peer, Req, Resp};
use crate::refusal::failure;
use crate::state::Central;
use crate::store::now;
use hyper::Method;
use pages::Operator;
use township_core::central_api::CaseStatus;

mod metrics;
mod pages;

use metrics::metrics;

const COOKIE: &str = "tc_session";
/// The log-in form's CSRF cookie (double submit: the form's field must equal it).
const LOGIN_COOKIE: &str = "tc_login";
/// `Secure` keeps a cookie off unencrypted networks; on a listener bound to loopback no
/// network is crossed, and browsers refuse `Secure` cookies from a plain-HTTP origin, so
/// there it is left out.
fn cookie_flags(central: &Central) -> &'static str {
    if central.admin_on_loopback {
        "HttpOnly; SameSite=Strict; Path=/"
    } else {
        "Secure; HttpOnly; SameSite=Strict; Path=/"
    }
}

pub fn handle(central: &Central, _peer: Option<&Peer>, req: &Req) -> Resp {
    let resp = route(central, req);
    if resp.status >= 500 {
        log::warn!("back office {} -> {}", req.method, resp.status);
    }
    with_security_headers(resp)
}

/// The headers every back-office answer carries.
fn with_security_headers(resp: Resp) -> Resp {
    resp.with(
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    .with("x-frame-options", "DENY")
    .with("x-content-type-options", "nosniff")
    .with("referrer-policy", "no-referrer")
    .with("cache-control", "no-store")
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

fn cookie(req: &Req, name: &str) -> Option<String> {
    req.headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Routes a back-office request: the pages open to anyone, else (with a session, and for
/// a form its CSRF token) the operator's pages.
fn route(central: &Central, req: &Req) -> Resp {
    if let Some(resp) = public_route(central, req) {
        return resp;
    }
    let session =
        cookie(req, COOKIE).and_then(|token| central.store.session(&token).ok().flatten().map(|s| (token, s)));
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
    operator_route(central, req, &token, &operator, &csrf, &fields)
}

/// The answers given without a session: metrics, health, log-in and the payment
/// provider's notifications; `None` for every other request.
fn public_route(central: &Central, req: &Req) -> Option<Resp> {
    Some(match (&req.method, req.path.as_str()) {
        (&Method::GET, "/metrics") => metrics(central),
        (&Method::GET, "/healthz") => Resp::text(200, "text/plain", "ok\n".into()),
        (&Method::GET, "/login") => login_page(central, req, None),
        (&Method::POST, "/login") => login(central, req),
        (&Method::POST, "/provider/notify") => {
            central.notify_payment(|name| req.header(name).map(str::to_string), &req.body)
        }
        _ => return None,
    })
}

/// A signed-in operator's request (session `token`, a form's `fields` already checked
/// against `csrf`): the page, a redirect after an action, or the error shown as a page.
fn operator_route(
    central: &Central,
    req: &Req,
    token: &str,
    operator: &crate::store::Operator,
    csrf: &str,
    fields: &[(String, String)],
) -> Resp {
    let me = Some((operator.name.as_str(), csrf));
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    let result = match (&req.method, segments.as_slice()) {
        (&Method::GET, [""]) => central
            .store
            .kiosks(operator)
            .and_then(|kiosks| Ok(pages::fleet(me, &kiosks, central.store.count_applications()?, now()))),
        (&Method::POST, ["logout"]) => {
            let _ = central.store.logout(token);
            return Resp::redirect("/login")
                .with("set-cookie", format!("{COOKIE}=; {}; Max-Age=0", cookie_flags(central)));
        }
        (&Method::GET, ["applications"]) => central
            .store
            .list(operator, 500)
            .map(|rows| pages::applications(me, &rows, now())),
        (&Method::GET, ["applications", receipt]) => application(central, operator, me, receipt, None),
        (&Method::POST, ["applications", receipt, "review"]) => match review(central, me, receipt, fields, operator) {
            Ok(resp) => return resp,
            Err(page) => page,
        },
        (&Method::POST, ["applications", receipt, "reveal"]) => {
            let reason = field(fields, "reason").unwrap_or_default();
            central
                .store
                .reveal(operator, receipt, reason)
                .map(|revealed| pages::revealed(me, receipt, &revealed, reason.trim()))
        }
        (&Method::GET, ["audit"]) => central
            .store
            .audit_log(operator, 500)
            .map(|entries| pages::audit(me, &entries, now())),
        (&Method::GET, ["payments"]) => central
            .store
            .payments(operator, 200)
            .map(|rows| pages::payments(me, &rows, central.sandbox_payments)),
        (&Method::POST, ["payments", id, action]) => match payment_action(central, operator, id, action) {
            Ok(()) => return Resp::redirect("/payments"),
            Err(e) => Err(e),
        },
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

/// "Mark paid" (the simulated provider pays, sandbox only) or "Expire", by a supervisor.
fn payment_action(central: &Central, operator: &crate::store::Operator, id: &str, action: &str) -> anyhow::Result<()> {
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

/// The log-in page with its CSRF token, set as a cookie and as the form's field. A browser
/// that already holds a token keeps it (a page loaded twice stays valid).
fn login_page(central: &Central, req: &Req, error: Option<&str>) -> Resp {
    let csrf = cookie(req, LOGIN_COOKIE)
        .filter(|c| c.len() == 32 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    Resp::html(if error.is_some() { 401 } else { 200 }, pages::login(error, &csrf)).with(
        "set-cookie",
        format!("{LOGIN_COOKIE}={csrf}; {}; Max-Age=1800", cookie_flags(central)),
    )
}

fn login(central: &Central, req: &Req) -> Resp {
    let fields = form(&req.body);
    let expected = cookie(req, LOGIN_COOKIE);
    if expected.is_none() || field(&fields, "csrf") != expected.as_deref() {
        return login_page(central, req, Some("The form has expired: please try again."));
    }
    let (Some(name), Some(password)) = (field(&fields, "name"), field(&fields, "password")) else {
        return login_page(central, req, Some("Name and password are required."));
    };
    match central.store.login(name, password) {
        Ok((token, _)) => {
            log::info!("operator {name} logged in");
            Resp::redirect("/")
                .with(
                    "set-cookie",
                    format!(
                        "{COOKIE}={token}; {}; Max-Age={}",
                        cookie_flags(central),
                        crate::store::SESSION_MAX_SECS
                    ),
                )
                .with(
                    "set-cookie",
                    format!("{LOGIN_COOKIE}=; {}; Max-Age=0", cookie_flags(central)),
                )
        }
        Err(e) => {
            log::warn!("failed login for operator {name}");
            let message = e
                .downcast_ref::<crate::store::Refusal>()
                .map(|r| r.message.clone())
                .unwrap_or_else(|| "Login failed.".into());
            login_page(central, req, Some(&message))
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
    operator: &crate::store::Operator,
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
    match central.store.review(operator, receipt, status, message) {
        Ok(()) => {
            log::info!("review {} by {}", status.as_str(), operator.name);
            Ok(Resp::redirect(&format!("/applications/{receipt}")))
        }
        Err(e) => match e.downcast_ref::<crate::store::Refusal>() {
            Some(r) if r.status != 404 && r.status != 403 => {
                Err(application(central, operator, me, receipt, Some(r.message.clone())))
            }
            _ => Err(Err(e)),
        },
    }
}

/// One application's page, with the refusal of the last pre-review when there was one.
fn application(
    central: &Central,
    operator: &crate::store::Operator,
    me: Operator,
    receipt: &str,
    error: Option<String>,
) -> anyhow::Result<String> {
    let detail = central.store.detail(operator, receipt)?;
    let catalogue = &central.store.catalogue;
    let item = catalogue.items.iter().find(|i| i.code == detail.listed.item_code);
    let item_name = item.map(|i| i.name.zh.as_str()).unwrap_or_default();
    Ok(pages::application(me, &detail, item_name, error.as_deref()))
}
