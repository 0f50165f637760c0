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
use township_core::central_api::{device_ok, CaseStatus, PaymentStatus};

mod pages;

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
            let message = field(&fields, "message").map(str::trim).filter(|m| !m.is_empty());
            let status = match field(&fields, "action") {
                Some("approve") => CaseStatus::Approved,
                Some("supplement") => CaseStatus::Supplement,
                Some("reject") => CaseStatus::Rejected,
                Some("done") => CaseStatus::Done,
                _ => return Resp::html(400, pages::message("Bad request", me, "Unknown action.", false)),
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

/// One application's page, with the refusal of the last pre-review when there was one.
fn application(central: &Central, me: Operator, receipt: &str, error: Option<String>) -> anyhow::Result<String> {
    let detail = central.store.detail(receipt)?;
    let catalogue = &central.store.catalogue;
    let item = catalogue.items.iter().find(|i| i.code == detail.listed.item_code);
    let item_name = item.map(|i| i.name.zh.as_str()).unwrap_or_default();
    Ok(pages::application(me, &detail, item_name, error.as_deref()))
}
