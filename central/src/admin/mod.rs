//! The back office on its own listener: server-rendered HTML for operators, in Chinese by
//! default and English beside it (login with argon2id, a session cookie, a CSRF token in
//! every form), the pre-review queue and the application page with photos and a decision
//! per material, the fleet dashboard, payment simulation, and `/metrics` in Prometheus
//! text format with per-kiosk gauges. Pages show masked personal
//! data only. Every page goes out with a CSP (`frame-ancestors 'none'`), `no-store` and
//! no-sniff headers; cookies are `Secure; HttpOnly; SameSite=Strict`; the log-in form
//! carries a CSRF token bound to a cookie; roles decide what each operator may do.

use crate::http::{Peer, Req, Resp};
use crate::refusal::failure;
use crate::state::Central;
use crate::store::now;
use hyper::Method;
use i18n::{Lang, M};
use pages::Ctx;

mod case_page;
mod desk_page;
mod i18n;
mod metrics;
mod pages;
mod queue_page;
mod stats_page;
mod work;

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
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
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

/// The language cookie (`?lang=en|zh` sets it; Chinese without it).
const LANG_COOKIE: &str = "tc_lang";

/// The page language: `?lang=` first, then the cookie, else Chinese.
fn lang_of(req: &Req) -> Lang {
    req.param("lang")
        .and_then(i18n::parse_lang)
        .or_else(|| cookie(req, LANG_COOKIE).as_deref().and_then(i18n::parse_lang))
        .unwrap_or_default()
}

/// A language chosen by `?lang=` is kept in a cookie.
fn keep_lang(central: &Central, req: &Req, resp: Resp) -> Resp {
    match req.param("lang").and_then(i18n::parse_lang) {
        Some(lang) => resp.with(
            "set-cookie",
            format!(
                "{LANG_COOKIE}={}; {}; Max-Age=31536000",
                lang.code(),
                cookie_flags(central)
            ),
        ),
        None => resp,
    }
}

/// The back office's own stylesheet and script.
fn static_file(path: &str) -> Option<Resp> {
    let (content_type, body) = match path {
        "/static/style.css" => ("text/css; charset=utf-8", include_str!("static/style.css")),
        "/static/review.js" => ("text/javascript; charset=utf-8", include_str!("static/review.js")),
        _ => return None,
    };
    Some(Resp::text(200, content_type, body.to_string()))
}

/// Routes a back-office request: the pages open to anyone, else (with a session, and for
/// a form its CSRF token) the operator's pages.
fn route(central: &Central, req: &Req) -> Resp {
    let lang = lang_of(req);
    if let Some(resp) = public_route(central, req, lang) {
        return keep_lang(central, req, resp);
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
    let ctx = Ctx {
        lang,
        operator: Some((operator.name.as_str(), csrf.as_str())),
        role: Some(operator.role),
        now: now(),
    };
    if req.method == Method::POST && field(&fields, "csrf") != Some(csrf.as_str()) {
        return Resp::html(
            403,
            pages::message(&ctx, ctx.t(M::ForbiddenTitle), ctx.t(M::ReloadForm), true),
        );
    }
    let resp = work::operator_route(central, req, &ctx, &token, &operator, &fields);
    keep_lang(central, req, resp)
}

/// The answers given without a session: metrics, health, log-in, static files and the
/// payment provider's notifications; `None` for every other request.
fn public_route(central: &Central, req: &Req, lang: Lang) -> Option<Resp> {
    if req.method == Method::GET {
        if let Some(file) = static_file(&req.path) {
            return Some(file);
        }
    }
    Some(match (&req.method, req.path.as_str()) {
        (&Method::GET, "/metrics") => metrics(central),
        (&Method::GET, "/healthz") => Resp::text(200, "text/plain", "ok\n".into()),
        (&Method::GET, "/login") => login_page(central, req, lang, None),
        (&Method::POST, "/login") => login(central, req, lang),
        (&Method::POST, "/provider/notify") => {
            central.notify_payment(|name| req.header(name).map(str::to_string), &req.body)
        }
        _ => return None,
    })
}

/// The log-in page with its CSRF token, set as a cookie and as the form's field. A browser
/// that already holds a token keeps it (a page loaded twice stays valid).
fn login_page(central: &Central, req: &Req, lang: Lang, error: Option<&str>) -> Resp {
    let csrf = cookie(req, LOGIN_COOKIE)
        .filter(|c| c.len() == 32 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let ctx = Ctx {
        lang,
        operator: None,
        role: None,
        now: now(),
    };
    Resp::html(
        if error.is_some() { 401 } else { 200 },
        pages::login(&ctx, error, &csrf),
    )
    .with(
        "set-cookie",
        format!("{LOGIN_COOKIE}={csrf}; {}; Max-Age=1800", cookie_flags(central)),
    )
}

fn login(central: &Central, req: &Req, lang: Lang) -> Resp {
    let fields = form(&req.body);
    let expected = cookie(req, LOGIN_COOKIE);
    if expected.is_none() || field(&fields, "csrf") != expected.as_deref() {
        return login_page(central, req, lang, Some(M::FormExpired.text(lang)));
    }
    let (Some(name), Some(password)) = (field(&fields, "name"), field(&fields, "password")) else {
        return login_page(central, req, lang, Some(M::NameAndPassword.text(lang)));
    };
    match central.store.login(name, password) {
        Ok((token, _)) => {
            log::info!("operator {name} logged in");
            Resp::redirect("/queue")
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
                .unwrap_or_else(|| M::LoginFailed.text(lang).into());
            login_page(central, req, lang, Some(&message))
        }
    }
}
