//! The back office's pages as `maud` templates: every value is escaped by the template
//! engine (nothing is concatenated into HTML by hand), and each page is one function over
//! what the store answered. Personal data arrives masked.

use crate::store::{ApplicationDetail, AuditEntry, KioskView, ListedApplication, PaymentRow, Revealed};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use township_core::central_api::device_ok;

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse}\
td,th{border:1px solid #bbb;padding:.3em .6em;text-align:left;vertical-align:top}\
.online{background:#d8f5d8}.partial{background:#fff0c0}.offline{background:#f5d0d0}\
.fault{color:#a00;font-weight:bold}nav{margin-bottom:1em}.inline{display:inline;margin-left:2em}\
.error{color:#a00}";

/// The signed-in operator: name and the session's CSRF token.
pub type Operator<'a> = Option<(&'a str, &'a str)>;

/// A whole page: the navigation (for a signed-in operator), the title and `body`.
pub fn page(title: &str, operator: Operator, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) " · Township central" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                @if let Some((name, csrf)) = operator {
                    nav {
                        a href="/" { "Fleet" } " · " a href="/applications" { "Applications" } " · "
                        a href="/payments" { "Payments" } " · " a href="/audit" { "Audit" } " "
                        form method="post" action="/logout" class="inline" {
                            input type="hidden" name="csrf" value=(csrf);
                            span id="operator" { (name) } " " button { "Log out" }
                        }
                    }
                }
                h1 { (title) }
                (body)
            }
        }
    }
    .into_string()
}

/// A page whose body is one message (`error` in red).
pub fn message(title: &str, operator: Operator, text: &str, error: bool) -> String {
    page(title, operator, html! { p class=[error.then_some("error")] { (text) } })
}

pub fn login(error: Option<&str>, csrf: &str) -> String {
    let body = html! {
        @if let Some(error) = error { p class="error" id="error" { (error) } }
        form method="post" action="/login" id="login" {
            input type="hidden" name="csrf" value=(csrf);
            p { label { "Operator " input name="name" id="name" autocomplete="username"; } }
            p { label { "Password " input name="password" id="password" type="password" autocomplete="current-password"; } }
            p { button type="submit" { "Log in" } }
        }
    };
    page("Back office login", None, body)
}

/// `12 s`, `5 min`, `3 h`, `2 d`; `–` for none.
fn age(secs: Option<i64>) -> String {
    match secs {
        None => "–".into(),
        Some(s) if s < 120 => format!("{s} s"),
        Some(s) if s < 7200 => format!("{} min", s / 60),
        Some(s) if s < 172_800 => format!("{} h", s / 3600),
        Some(s) => format!("{} d", s / 86_400),
    }
}

fn ago(now: i64, at: Option<i64>) -> String {
    at.map_or_else(|| "–".into(), |t| format!("{} ago", age(Some(now - t))))
}

/// Days left on a kiosk's certificate, in red under 14 (it should have renewed itself at 30).
fn certificate(now: i64, expires_at: Option<i64>) -> Markup {
    html! {
        @match expires_at {
            None => "–",
            Some(at) if at - now < 14 * 86_400 => span class="fault" { ((at - now).max(0) / 86_400) " days left" },
            Some(at) => { ((at - now) / 86_400) " days left" },
        }
    }
}

/// A device's state, in red when it is not working.
fn device(state: &str) -> Markup {
    html! {
        @if state.is_empty() { "–" }
        @else if device_ok(state) { (state) }
        @else { span class="fault" { (state) } }
    }
}

fn paper(state: &str) -> Markup {
    html! {
        @match state {
            "" => "–",
            "ok" => "ok",
            other => span class="fault" { (other) },
        }
    }
}

/// At most this many kiosks in the table (the rest are in /metrics).
pub const FLEET_ROWS: usize = 2000;

pub fn fleet(operator: Operator, kiosks: &[KioskView], applications: i64, now: i64) -> String {
    let count = |s: &str| kiosks.iter().filter(|k| k.state == s).count();
    let body = html! {
        p id="summary" {
            (kiosks.len()) " kiosks: " (count("online")) " online, " (count("partial")) " partial, "
            (count("offline")) " offline. Applications held: " (applications) "."
        }
        table id="fleet" {
            tr {
                @for h in ["Kiosk", "State", "Version", "Uptime", "Last heartbeat", "Reader", "Printer", "Camera", "GPIO",
                    "Paper", "Outbox", "Oldest pending", "Dead", "Last sent", "Certificate", "Last errors"] { th { (h) } }
            }
            @for k in kiosks.iter().take(FLEET_ROWS) {
                tr class=(k.state) data-kiosk=(k.kiosk_id) {
                    td { (k.kiosk_id) } td class="state" { (k.state) } td { (k.version) } td { (age(Some(k.uptime_secs))) }
                    td { @if k.last_seen > 0 { (ago(now, Some(k.last_seen))) } @else { "never" } }
                    td { (device(&k.reader)) } td { (device(&k.printer)) } td { (device(&k.camera)) } td { (device(&k.gpio)) }
                    td { (paper(&k.paper)) } td { (k.pending) } td { (age(k.oldest_pending_age)) } td { (k.dead) }
                    td { (ago(now, k.last_sent_at)) }
                    td class="certificate" { (certificate(now, k.certificate_expires_at)) }
                    td { @for (i, e) in k.last_errors.iter().enumerate() { @if i > 0 { br; } (e) } }
                }
            }
        }
        @if kiosks.len() > FLEET_ROWS { p { "… and " (kiosks.len() - FLEET_ROWS) " more (see /metrics)." } }
    };
    page("Fleet", operator, body)
}

pub fn applications(operator: Operator, rows: &[ListedApplication], now: i64) -> String {
    let body = html! {
        table id="applications" {
            tr { @for h in ["Receipt", "Case", "Item", "Kiosk", "Received", "Materials", "Status"] { th { (h) } } }
            @for a in rows {
                tr {
                    td { a href={ "/applications/" (a.receipt_no) } { (a.receipt_no) } }
                    td { (a.case_number) } td { (a.item_code) } td { (a.kiosk_id) }
                    td { (age(Some(now - a.received_at))) " ago" } td { (a.materials) "/" (a.materials_expected) }
                    td class="status" { (a.status) }
                }
            }
        }
    };
    page("Applications", operator, body)
}

pub fn application(operator: Operator, d: &ApplicationDetail, item_name: &str, error: Option<&str>) -> String {
    let receipt = d.listed.receipt_no.as_str();
    let csrf = operator.map_or("", |(_, csrf)| csrf);
    let body = html! {
        table id="detail" {
            tr { th { "Receipt" } td { (receipt) } }
            tr { th { "Case" } td { (d.listed.case_number) } }
            tr { th { "Item" } td { (d.listed.item_code) " " (item_name) } }
            tr { th { "Applicant" } td { (d.applicant_masked) } }
            tr { th { "Kiosk" } td { (d.listed.kiosk_id) } }
            tr { th { "Status" } td id="status" { (d.listed.status) } }
            tr { th { "Message" } td id="message" { (d.message.as_deref().unwrap_or("")) } }
            tr { th { "Expected" } td { (d.expected_on.as_deref().unwrap_or("")) } }
            tr { th { "Reviewed by" } td { (d.reviewed_by.as_deref().unwrap_or("–")) } }
        }
        h2 { "Materials" }
        ul { @for (code, photos, stored) in &d.materials { li { (code) " — " (stored) " of " (photos) " photo(s) stored" } } }
        @if let Some(error) = error { p class="error" id="error" { (error) } }
        h2 { "Applicant in full" }
        form method="post" action={ "/applications/" (receipt) "/reveal" } id="reveal-form" {
            input type="hidden" name="csrf" value=(csrf);
            p {
                label { "Reason (written to the audit log) " input name="reason" id="reveal-reason" size="40"; }
                " " button id="reveal" { "Reveal" }
            }
        }
        h2 { "Pre-review" }
        form method="post" action={ "/applications/" (receipt) "/review" } id="review" {
            input type="hidden" name="csrf" value=(csrf);
            p {
                label {
                    "Message to the citizen (needed for a supplement request or a refusal)" br;
                    textarea name="message" id="review-message" rows="3" cols="60" {}
                }
            }
            p {
                button name="action" value="approve" id="approve" { "Approve" } " "
                button name="action" value="supplement" id="supplement" { "Request a supplement" } " "
                button name="action" value="reject" id="reject" { "Reject" } " "
                button name="action" value="done" id="done" { "Done" }
            }
        }
    };
    page(&format!("Application {receipt}"), operator, body)
}

pub fn payments(operator: Operator, rows: &[PaymentRow], sandbox: bool) -> String {
    let csrf = operator.map_or("", |(_, csrf)| csrf);
    let actions: &[(&str, &str)] = if sandbox {
        &[("paid", "Mark paid (sandbox)"), ("expire", "Expire")]
    } else {
        &[("expire", "Expire")]
    };
    let body = html! {
        @if sandbox {
            p class="error" id="sandbox" { "PAYMENT SANDBOX: \"Mark paid\" asks the simulated provider to pay. Never on a production server." }
        } @else {
            p { "Orders turn paid only by the payment provider's signed notification." }
        }
        table id="payments" {
            tr { @for h in ["Order", "Kiosk", "Item", "Amount", "Status", ""] { th { (h) } } }
            @for p in rows {
                tr {
                    td { (p.order_id) } td { (p.kiosk_id) } td { (p.item_code) }
                    td { "¥" (p.amount_fen / 100) "." (format!("{:02}", p.amount_fen % 100)) }
                    td class="status" { (p.status) }
                    td {
                        @if p.status == "pending" {
                            @for (action, label) in actions {
                                form method="post" action={ "/payments/" (p.order_id) "/" (action) } class="inline" {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button { (label) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page("Payments", operator, body)
}

/// The applicant of `receipt` in full, after an audited reveal.
pub fn revealed(operator: Operator, receipt: &str, r: &Revealed, reason: &str) -> String {
    let body = html! {
        p class="error" { "Shown for: " (reason) " — this reveal is in the audit log." }
        table id="revealed" {
            tr { th { "Name" } td id="revealed-name" { (r.name) } }
            tr { th { "ID number" } td id="revealed-id" { (r.id_number) } }
            @for (label, value) in &r.details { tr { th { (label) } td { (value) } } }
        }
        p { a href={ "/applications/" (receipt) } { "Back to the application" } }
    };
    page(&format!("Applicant of {receipt}"), operator, body)
}

/// The audit log, newest first.
pub fn audit(operator: Operator, entries: &[AuditEntry], now: i64) -> String {
    let body = html! {
        table id="audit" {
            tr { @for h in ["When", "Who", "Action", "Subject"] { th { (h) } } }
            @for e in entries {
                tr { td { (ago(now, Some(e.at))) } td { (e.operator) } td class="action" { (e.action) } td { (e.subject) } }
            }
        }
    };
    page("Audit log", operator, body)
}
