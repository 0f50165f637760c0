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
use std::fmt::Write;
use township_core::central_api::{device_ok, CaseStatus, PaymentStatus};

const COOKIE: &str = "tc_session";

pub fn handle(central: &Central, _peer: Option<&Peer>, req: &Req) -> Resp {
    let resp = route(central, req);
    if resp.status >= 500 {
        log::warn!("back office {} -> {}", req.method, resp.status);
    }
    resp
}

/// HTML-escapes `text`.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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

fn page(title: &str, operator: Option<(&str, &str)>, body: &str) -> String {
    let nav = match operator {
        Some((name, csrf)) => format!(
            "<nav><a href=\"/\">Fleet</a> · <a href=\"/applications\">Applications</a> · <a href=\"/payments\">Payments</a> \
             <form method=\"post\" action=\"/logout\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <span id=\"operator\">{}</span> <button>Log out</button></form></nav>",
            esc(csrf),
            esc(name)
        ),
        None => String::new(),
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} · Township central</title>\
         <style>body{{font-family:sans-serif;margin:1.5em;color:#222}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #bbb;padding:.3em .6em;text-align:left;vertical-align:top}}\
         .online{{background:#d8f5d8}}.partial{{background:#fff0c0}}.offline{{background:#f5d0d0}}\
         .fault{{color:#a00;font-weight:bold}}nav{{margin-bottom:1em}}.inline{{display:inline;margin-left:2em}}\
         .error{{color:#a00}}</style></head><body>{nav}<h1>{title}</h1>{body}</body></html>",
        title = esc(title)
    )
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
            page(
                "Forbidden",
                None,
                "<p class=\"error\">The form has expired: reload the page.</p>",
            ),
        );
    }
    let me = Some((operator.as_str(), csrf.as_str()));
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let result = match (&req.method, segments.as_slice()) {
        (&Method::GET, [""]) => dashboard(central, me),
        (&Method::POST, ["logout"]) => {
            let _ = central.store.logout(&token);
            return Resp::redirect("/login").with(
                "set-cookie",
                format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
            );
        }
        (&Method::GET, ["applications"]) => applications(central, me),
        (&Method::GET, ["applications", receipt]) => application(central, me, receipt, None),
        (&Method::POST, ["applications", receipt, "review"]) => {
            let message = field(&fields, "message").map(str::trim).filter(|m| !m.is_empty());
            let status = match field(&fields, "action") {
                Some("approve") => CaseStatus::Approved,
                Some("supplement") => CaseStatus::Supplement,
                Some("reject") => CaseStatus::Rejected,
                Some("done") => CaseStatus::Done,
                _ => return Resp::html(400, page("Bad request", me, "<p>Unknown action.</p>")),
            };
            match central.store.review(receipt, status, message, &operator) {
                Ok(()) => {
                    log::info!("review {} by {operator}", status.as_str());
                    return Resp::redirect(&format!("/applications/{receipt}"));
                }
                Err(e) => match e.downcast_ref::<crate::store::Refusal>() {
                    Some(r) if r.status != 404 => application(central, me, receipt, Some(r.message.clone())),
                    _ => Err(e),
                },
            }
        }
        (&Method::GET, ["payments"]) => payments(central, me),
        (&Method::POST, ["payments", id, action]) => {
            let to = match *action {
                "paid" => PaymentStatus::Paid,
                "expire" => PaymentStatus::Expired,
                _ => return Resp::html(404, page("Not found", me, "")),
            };
            match central.store.set_payment(id, to) {
                Ok(_) => return Resp::redirect("/payments"),
                Err(e) => Err(e),
            }
        }
        _ => return Resp::html(404, page("Not found", me, "<p>No such page.</p>")),
    };
    match result {
        Ok(html) => Resp::html(200, html),
        Err(e) => {
            let resp = failure(e);
            Resp::html(
                resp.status,
                page(
                    "Error",
                    me,
                    &format!("<p class=\"error\">{}</p>", esc(&String::from_utf8_lossy(&resp.body))),
                ),
            )
        }
    }
}

fn login_page(error: Option<&str>) -> Resp {
    let error = error
        .map(|e| format!("<p class=\"error\" id=\"error\">{}</p>", esc(e)))
        .unwrap_or_default();
    Resp::html(
        if error.is_empty() { 200 } else { 401 },
        page(
            "Back office login",
            None,
            &format!(
                "{error}<form method=\"post\" action=\"/login\" id=\"login\"><p><label>Operator <input name=\"name\" id=\"name\" autocomplete=\"username\"></label></p>\
                 <p><label>Password <input name=\"password\" id=\"password\" type=\"password\" autocomplete=\"current-password\"></label></p>\
                 <p><button type=\"submit\">Log in</button></p></form>"
            ),
        ),
    )
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

fn age(secs: Option<i64>) -> String {
    match secs {
        None => "–".into(),
        Some(s) if s < 120 => format!("{s} s"),
        Some(s) if s < 7200 => format!("{} min", s / 60),
        Some(s) if s < 172_800 => format!("{} h", s / 3600),
        Some(s) => format!("{} d", s / 86_400),
    }
}

fn device(state: &str) -> String {
    if state.is_empty() || device_ok(state) {
        esc(if state.is_empty() { "–" } else { state })
    } else {
        format!("<span class=\"fault\">{}</span>", esc(state))
    }
}

fn dashboard(central: &Central, me: Option<(&str, &str)>) -> anyhow::Result<String> {
    let kiosks = central.store.kiosks()?;
    let now = now();
    let count = |s: &str| kiosks.iter().filter(|k| k.state == s).count();
    let mut body = format!(
        "<p id=\"summary\">{} kiosks: {} online, {} partial, {} offline. Applications held: {}.</p>\
         <table id=\"fleet\"><tr><th>Kiosk</th><th>State</th><th>Version</th><th>Uptime</th><th>Last heartbeat</th>\
         <th>Reader</th><th>Printer</th><th>Camera</th><th>GPIO</th><th>Paper</th><th>Outbox</th><th>Oldest pending</th>\
         <th>Dead</th><th>Last sent</th><th>Last errors</th></tr>",
        kiosks.len(),
        count("online"),
        count("partial"),
        count("offline"),
        central.store.count_applications()?
    );
    for k in kiosks.iter().take(2000) {
        let paper = match k.paper.as_str() {
            "ok" | "" => esc(if k.paper.is_empty() { "–" } else { "ok" }),
            other => format!("<span class=\"fault\">{}</span>", esc(other)),
        };
        let _ = write!(
            body,
            "<tr class=\"{state}\" data-kiosk=\"{id}\"><td>{id}</td><td class=\"state\">{state}</td><td>{version}</td><td>{uptime}</td><td>{seen}</td>\
             <td>{reader}</td><td>{printer}</td><td>{camera}</td><td>{gpio}</td><td>{paper}</td><td>{pending}</td><td>{oldest}</td><td>{dead}</td>\
             <td>{sent}</td><td>{errors}</td></tr>",
            state = k.state,
            id = esc(&k.kiosk_id),
            version = esc(&k.version),
            uptime = age(Some(k.uptime_secs)),
            seen = if k.last_seen > 0 { format!("{} ago", age(Some(now - k.last_seen))) } else { "never".into() },
            reader = device(&k.reader),
            printer = device(&k.printer),
            camera = device(&k.camera),
            gpio = device(&k.gpio),
            pending = k.pending,
            oldest = age(k.oldest_pending_age),
            dead = k.dead,
            sent = k.last_sent_at.map(|t| format!("{} ago", age(Some(now - t)))).unwrap_or_else(|| "–".into()),
            errors = k.last_errors.iter().map(|e| esc(e)).collect::<Vec<_>>().join("<br>"),
        );
    }
    body.push_str("</table>");
    if kiosks.len() > 2000 {
        let _ = write!(body, "<p>… and {} more (see /metrics).</p>", kiosks.len() - 2000);
    }
    Ok(page("Fleet", me, &body))
}

fn applications(central: &Central, me: Option<(&str, &str)>) -> anyhow::Result<String> {
    let mut body = String::from(
        "<table id=\"applications\"><tr><th>Receipt</th><th>Case</th><th>Item</th><th>Kiosk</th><th>Received</th><th>Materials</th><th>Status</th></tr>",
    );
    let now = now();
    for a in central.store.list(500)? {
        let _ = write!(
            body,
            "<tr><td><a href=\"/applications/{r}\">{r}</a></td><td>{case}</td><td>{item}</td><td>{kiosk}</td><td>{age} ago</td><td>{m}/{e}</td><td class=\"status\">{s}</td></tr>",
            r = esc(&a.receipt_no),
            case = esc(&a.case_number),
            item = esc(&a.item_code),
            kiosk = esc(&a.kiosk_id),
            age = age(Some(now - a.received_at)),
            m = a.materials,
            e = a.materials_expected,
            s = esc(&a.status),
        );
    }
    body.push_str("</table>");
    Ok(page("Applications", me, &body))
}

fn application(
    central: &Central,
    me: Option<(&str, &str)>,
    receipt: &str,
    error: Option<String>,
) -> anyhow::Result<String> {
    let d = central.store.detail(receipt)?;
    let item = central
        .store
        .catalogue
        .items
        .iter()
        .find(|i| i.code == d.listed.item_code);
    let item_name = item.map(|i| i.name.zh.clone()).unwrap_or_default();
    let mut body = format!(
        "<table id=\"detail\"><tr><th>Receipt</th><td>{r}</td></tr><tr><th>Case</th><td>{case}</td></tr>\
         <tr><th>Item</th><td>{code} {name}</td></tr><tr><th>Applicant</th><td>{who}</td></tr><tr><th>Kiosk</th><td>{kiosk}</td></tr>\
         <tr><th>Status</th><td id=\"status\">{status}</td></tr><tr><th>Message</th><td id=\"message\">{message}</td></tr>\
         <tr><th>Expected</th><td>{expected}</td></tr><tr><th>Reviewed by</th><td>{by}</td></tr></table><h2>Materials</h2><ul>",
        r = esc(&d.listed.receipt_no),
        case = esc(&d.listed.case_number),
        code = esc(&d.listed.item_code),
        name = esc(&item_name),
        who = esc(&d.applicant_masked),
        kiosk = esc(&d.listed.kiosk_id),
        status = esc(&d.listed.status),
        message = esc(d.message.as_deref().unwrap_or("")),
        expected = esc(d.expected_on.as_deref().unwrap_or("")),
        by = esc(d.reviewed_by.as_deref().unwrap_or("–")),
    );
    for (code, photos, stored) in &d.materials {
        let _ = write!(body, "<li>{} — {stored} of {photos} photo(s) stored</li>", esc(code));
    }
    body.push_str("</ul>");
    if let Some(error) = error {
        let _ = write!(body, "<p class=\"error\" id=\"error\">{}</p>", esc(&error));
    }
    let csrf = me.map(|m| m.1).unwrap_or("");
    let _ = write!(
        body,
        "<h2>Pre-review</h2><form method=\"post\" action=\"/applications/{r}/review\" id=\"review\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <p><label>Message to the citizen (needed for a supplement request or a refusal)<br>\
         <textarea name=\"message\" id=\"review-message\" rows=\"3\" cols=\"60\"></textarea></label></p>\
         <p><button name=\"action\" value=\"approve\" id=\"approve\">Approve</button> \
         <button name=\"action\" value=\"supplement\" id=\"supplement\">Request a supplement</button> \
         <button name=\"action\" value=\"reject\" id=\"reject\">Reject</button> \
         <button name=\"action\" value=\"done\" id=\"done\">Done</button></p></form>",
        r = esc(receipt),
        csrf = esc(csrf)
    );
    Ok(page(&format!("Application {receipt}"), me, &body))
}

fn payments(central: &Central, me: Option<(&str, &str)>) -> anyhow::Result<String> {
    let csrf = esc(me.map(|m| m.1).unwrap_or(""));
    let mut body = String::from(
        "<p>Payment simulation: mark an order paid or expire it.</p><table id=\"payments\"><tr><th>Order</th><th>Kiosk</th><th>Item</th><th>Amount</th><th>Status</th><th></th></tr>",
    );
    for p in central.store.payments(200)? {
        let actions = if p.status == "pending" {
            format!(
                "<form method=\"post\" action=\"/payments/{id}/paid\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><button>Mark paid</button></form>\
                 <form method=\"post\" action=\"/payments/{id}/expire\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><button>Expire</button></form>",
                id = esc(&p.order_id)
            )
        } else {
            String::new()
        };
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>¥{}.{:02}</td><td class=\"status\">{}</td><td>{actions}</td></tr>",
            esc(&p.order_id),
            esc(&p.kiosk_id),
            esc(&p.item_code),
            p.amount_fen / 100,
            p.amount_fen % 100,
            esc(&p.status)
        );
    }
    body.push_str("</table>");
    Ok(page("Payments", me, &body))
}

/// One scrape's metrics, written by the `prometheus` crate (its registry and text encoder).
struct Exposition(prometheus::Registry);

impl Exposition {
    /// A gauge family `name` over `labels`, one value per row of label values.
    fn gauges<'a>(&self, name: &str, help: &str, labels: &[&str], rows: impl IntoIterator<Item = (Vec<&'a str>, f64)>) {
        let family = prometheus::GaugeVec::new(prometheus::Opts::new(name, help), labels).expect("a valid metric");
        for (values, value) in rows {
            family.with_label_values(&values).set(value);
        }
        self.0.register(Box::new(family)).expect("each metric registered once");
    }

    /// A counter family from a snapshot of totals.
    fn counters<'a>(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
        rows: impl IntoIterator<Item = (Vec<&'a str>, f64)>,
    ) {
        let family = prometheus::CounterVec::new(prometheus::Opts::new(name, help), labels).expect("a valid metric");
        for (values, value) in rows {
            family.with_label_values(&values).inc_by(value);
        }
        self.0.register(Box::new(family)).expect("each metric registered once");
    }

    fn text(&self) -> String {
        let mut out = String::new();
        let encoded = prometheus::TextEncoder::new().encode_utf8(&self.0.gather(), &mut out);
        if let Err(e) = encoded {
            log::error!("metrics not encoded: {e}");
        }
        out
    }
}

fn metrics(central: &Central) -> Resp {
    let kiosks = match central.store.kiosks() {
        Ok(k) => k,
        Err(e) => return failure(e),
    };
    let metrics = Exposition(prometheus::Registry::new());
    let per_kiosk = |name: &str, help: &str, value: &dyn Fn(&crate::store::KioskView) -> f64| {
        let rows = kiosks.iter().map(|k| (vec![k.kiosk_id.as_str()], value(k)));
        metrics.gauges(name, help, &["kiosk"], rows);
    };
    let flag = |on: bool| f64::from(u8::from(on));
    per_kiosk(
        "township_kiosk_up",
        "1 when the kiosk's last heartbeat is recent.",
        &|k| flag(k.state != "offline"),
    );
    per_kiosk(
        "township_kiosk_partial",
        "1 when the kiosk heartbeats but its submissions fail.",
        &|k| flag(k.state == "partial"),
    );
    per_kiosk(
        "township_kiosk_last_heartbeat_timestamp_seconds",
        "Unix time of the last heartbeat.",
        &|k| k.last_seen as f64,
    );
    per_kiosk(
        "township_kiosk_uptime_seconds",
        "Kiosk process uptime at the last heartbeat.",
        &|k| k.uptime_secs as f64,
    );
    per_kiosk(
        "township_kiosk_clock_drift_seconds",
        "Kiosk clock minus server clock.",
        &|k| k.clock_drift as f64,
    );
    per_kiosk(
        "township_kiosk_outbox_pending",
        "Applications waiting in the kiosk's outbox.",
        &|k| k.pending as f64,
    );
    per_kiosk(
        "township_kiosk_outbox_dead",
        "Dead letters in the kiosk's outbox.",
        &|k| k.dead as f64,
    );
    per_kiosk(
        "township_kiosk_outbox_oldest_pending_age_seconds",
        "Age of the oldest pending application.",
        &|k| k.oldest_pending_age.unwrap_or(0) as f64,
    );
    per_kiosk(
        "township_kiosk_paper_low",
        "1 when the printer reports paper low.",
        &|k| flag(k.paper == "low"),
    );
    per_kiosk(
        "township_kiosk_paper_out",
        "1 when the printer is out of paper.",
        &|k| flag(k.paper == "out"),
    );
    per_kiosk(
        "township_kiosk_submissions",
        "Applications this kiosk delivered.",
        &|k| k.submissions as f64,
    );
    let devices = kiosks.iter().flat_map(|k| {
        [
            ("reader", &k.reader),
            ("printer", &k.printer),
            ("camera", &k.camera),
            ("gpio", &k.gpio),
        ]
        .into_iter()
        .filter(|(_, state)| !state.is_empty())
        .map(move |(device, state)| (vec![k.kiosk_id.as_str(), device], flag(device_ok(state))))
    });
    metrics.gauges(
        "township_kiosk_device_ok",
        "1 when the device reports ok (or simulated).",
        &["kiosk", "device"],
        devices,
    );
    let versions = kiosks
        .iter()
        .map(|k| (vec![k.kiosk_id.as_str(), k.version.as_str()], 1.0));
    metrics.gauges(
        "township_kiosk_info",
        "Kiosk software version.",
        &["kiosk", "version"],
        versions,
    );
    let applications = central.store.count_applications().unwrap_or(0) as f64;
    metrics.gauges(
        "township_central_applications",
        "Applications held.",
        &[],
        [(vec![], applications)],
    );
    let snapshot = central.metrics.snapshot();
    let statuses: Vec<(&str, String)> = snapshot
        .iter()
        .map(|((kind, status), _)| (*kind, status.to_string()))
        .collect();
    let by_request = |pick: &dyn Fn(&(u64, f64)) -> f64| {
        statuses
            .iter()
            .zip(&snapshot)
            .map(move |((kind, status), (_, totals))| (vec![*kind, status.as_str()], pick(totals)))
            .collect::<Vec<_>>()
    };
    metrics.counters(
        "township_central_requests_total",
        "API requests by kind and status.",
        &["kind", "status"],
        by_request(&|(count, _)| *count as f64),
    );
    metrics.counters(
        "township_central_request_seconds_total",
        "Time spent on API requests.",
        &["kind", "status"],
        by_request(&|(_, secs)| *secs),
    );
    Resp::text(200, "text/plain; version=0.0.4; charset=utf-8", metrics.text())
}
