//! The back office's layout and its smaller pages as `maud` templates: every value is
//! escaped by the template engine (nothing is concatenated into HTML by hand), and each
//! page is one function over what the store answered, in the operator's language (Chinese
//! by default). Personal data arrives masked. Styles and the photo tools are files of the
//! back office's own (`/static/…`), so the CSP allows no inline code.

use super::i18n::{fill, Lang, M};
use crate::store::{AuditEntry, KioskView, ListedApplication, PaymentRow, Revealed, Role};
use maud::{html, Markup, DOCTYPE};

/// What every page knows: the language, the signed-in operator (name and the session's
/// CSRF token) and the time.
#[derive(Clone, Copy, Debug)]
pub struct Ctx<'a> {
    pub lang: Lang,
    pub operator: Option<(&'a str, &'a str)>,
    /// The operator's role: the navigation offers only what it may use.
    pub role: Option<crate::store::Role>,
    pub now: i64,
}

impl Ctx<'_> {
    pub fn t(&self, m: M) -> &'static str {
        m.text(self.lang)
    }

    pub fn csrf(&self) -> &str {
        self.operator.map_or("", |(_, csrf)| csrf)
    }

    pub fn name(&self) -> &str {
        self.operator.map_or("", |(name, _)| name)
    }
}

/// The navigation: (path, label, the roles that may use it).
const NAV: &[(&str, M, &[Role])] = &[
    ("/queue", M::NavQueue, REVIEWERS),
    ("/applications", M::NavApplications, REVIEWERS),
    ("/bookings", M::NavBookings, REVIEWERS),
    ("/complaints", M::NavComplaints, REVIEWERS),
    ("/stats", M::NavStats, REVIEWERS),
    ("/", M::NavFleet, &[Role::Reviewer, Role::Supervisor, Role::Auditor]),
    ("/payments", M::NavPayments, &[Role::Supervisor]),
    ("/audit", M::NavAudit, &[Role::Supervisor, Role::Auditor]),
];

const REVIEWERS: &[Role] = &[Role::Reviewer, Role::Supervisor];

/// A whole page: the header with the navigation (for a signed-in operator), the title and
/// `body`. `here` is the navigation entry to mark current.
pub fn page(ctx: &Ctx, title: &str, here: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang=(ctx.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (ctx.t(M::SystemName)) }
                link rel="stylesheet" href="/static/style.css";
                script src="/static/review.js" defer {}
            }
            body {
                header class="bar" {
                    span class="name" { (ctx.t(M::SystemName)) }
                    @if let Some((name, csrf)) = ctx.operator {
                        nav aria-label=(ctx.t(M::SystemName)) {
                            @for (path, label, roles) in NAV {
                                @if ctx.role.is_some_and(|r| roles.contains(&r)) {
                                    a href=(path) aria-current=[(*path == here).then_some("page")] { (ctx.t(*label)) }
                                }
                            }
                        }
                        div class="who" {
                            (language_switch(ctx))
                            form method="post" action="/logout" class="inline" {
                                input type="hidden" name="csrf" value=(csrf);
                                span id="operator" { (name) } " " button { (ctx.t(M::LogOut)) }
                            }
                        }
                    } @else {
                        div class="who" {
                            (language_switch(ctx))
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
    .into_string()
}

/// The link to the other language.
fn language_switch(ctx: &Ctx) -> Markup {
    let other = super::i18n::other(ctx.lang);
    html! { a href={ "?lang=" (if other == Lang::En { "en" } else { "zh" }) } lang=(other.code()) { (ctx.t(M::LanguageName)) } }
}

/// A page whose body is one message (`error` in red).
pub fn message(ctx: &Ctx, title: &str, text: &str, error: bool) -> String {
    page(
        ctx,
        title,
        "",
        html! { p class=[error.then_some("error")] id="message-text" { (text) } },
    )
}

pub fn login(ctx: &Ctx, error: Option<&str>, csrf: &str) -> String {
    let body = html! {
        @if let Some(error) = error { p class="error" id="error" role="alert" { (error) } }
        form method="post" action="/login" id="login" {
            input type="hidden" name="csrf" value=(csrf);
            p { label for="name" { (ctx.t(M::LoginName)) } br; input name="name" id="name" autocomplete="username"; }
            p { label for="password" { (ctx.t(M::LoginPassword)) } br; input name="password" id="password" type="password" autocomplete="current-password"; }
            p { button type="submit" { (ctx.t(M::LoginButton)) } }
        }
    };
    page(ctx, ctx.t(M::LoginTitle), "", body)
}

/// `12 秒`, `5 分钟`, `3 小时`, `2 天` (or in English); `–` for none.
pub fn age(ctx: &Ctx, secs: Option<i64>) -> String {
    match secs {
        None => "–".into(),
        Some(s) if s < 120 => fill(ctx.t(M::Seconds), &[&s]),
        Some(s) if s < 7200 => fill(ctx.t(M::Minutes), &[&(s / 60)]),
        Some(s) if s < 172_800 => fill(ctx.t(M::Hours), &[&(s / 3600)]),
        Some(s) => fill(ctx.t(M::Days), &[&(s / 86_400)]),
    }
}

pub fn ago(ctx: &Ctx, at: Option<i64>) -> String {
    at.map_or_else(|| "–".into(), |t| fill(ctx.t(M::Ago), &[&age(ctx, Some(ctx.now - t))]))
}

/// An audit entry's action in words (the code stays in `data-action`).
pub fn audit_action(ctx: &Ctx, code: &str) -> String {
    let m = match code.split(':').next().unwrap_or(code) {
        "login" => M::ActLogin,
        "reveal" => M::ActReveal,
        "photo" => M::ActPhotoView,
        "assign" => M::ActAssign,
        "search" => M::ActSearch,
        "complaint" => M::ActReply,
        "export" => M::ActExport,
        "review" => {
            return format!(
                "{}:{}",
                ctx.t(M::ActReview),
                state_text(ctx, code.split(':').nth(1).unwrap_or(""))
            )
        }
        "enrol" => M::ActEnrol,
        "revoke" => M::ActRevoke,
        "operator" => M::ActOperator,
        "payment" => M::ActPayment,
        "pin-recovery" => M::ActPinRecovery,
        _ => return code.to_string(),
    };
    ctx.t(m).to_string()
}

/// A text of the catalogue in the page's language.
pub fn local<'t>(ctx: &Ctx, text: &'t township_core::domain::catalogue::Text) -> &'t str {
    text.get(ctx.lang)
}

/// A service's name in the page's language (its code when the catalogue has no such item).
pub fn service_name(ctx: &Ctx, catalogue: &township_core::domain::catalogue::Catalogue, code: &str) -> String {
    catalogue
        .items
        .iter()
        .find(|i| i.code == code)
        .map_or(code.to_string(), |i| local(ctx, &i.name).to_string())
}

/// Unix seconds as China time, `2026-12-07 09:30`.
pub fn china_time(unix: i64) -> String {
    let local = unix + 8 * 3600;
    let date = township_core::domain::calendar::Date::from_days_since_epoch(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    format!("{date} {:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

/// A case state's name in the page's language.
pub fn state_text(ctx: &Ctx, code: &str) -> String {
    let m = match code {
        "received" => M::StateReceived,
        "approved" => M::StateApproved,
        "supplement" => M::StateSupplement,
        "rejected" => M::StateRejected,
        "done" => M::StateDone,
        other => return other.to_string(),
    };
    ctx.t(m).to_string()
}

/// A case state in the page's language; the code stays in `data-state`.
pub fn state(ctx: &Ctx, code: &str) -> Markup {
    html! { span class="state" data-state=(code) { (state_text(ctx, code)) } }
}

/// Days left on a kiosk's certificate, in red under 14 (it should have renewed itself at 30).
fn certificate(ctx: &Ctx, expires_at: Option<i64>) -> Markup {
    html! {
        @match expires_at {
            None => "–",
            Some(at) if at - ctx.now < 14 * 86_400 => span class="fault" { (fill(ctx.t(M::CertificateDays), &[&((at - ctx.now).max(0) / 86_400)])) },
            Some(at) => { (fill(ctx.t(M::CertificateDays), &[&((at - ctx.now) / 86_400)])) },
        }
    }
}

/// A device's state as the kiosk reported it, in words, in red when it is not working
/// (`absent`: not configured on that kiosk, muted).
fn device(ctx: &Ctx, state: &str) -> Markup {
    html! {
        @match state {
            "" => "–",
            "ok" => span class="ok" data-device=(state) { (ctx.t(M::DeviceOk)) },
            "sim" => span class="ok" data-device=(state) { (ctx.t(M::DeviceSim)) },
            "absent" => span class="muted" data-device=(state) { (ctx.t(M::DeviceAbsent)) },
            other => span class="fault" data-device=(other) {
                (fill(ctx.t(M::DeviceFault), &[&other.strip_prefix("fault: ").unwrap_or(other)]))
            },
        }
    }
}

fn paper(ctx: &Ctx, state: &str) -> Markup {
    html! {
        @match state {
            "" => "–",
            "ok" => span class="ok" { (ctx.t(M::PaperOk)) },
            "low" => span class="fault" { (ctx.t(M::PaperLow)) },
            "out" => span class="fault" { (ctx.t(M::PaperOut)) },
            other => span class="fault" { (other) },
        }
    }
}

/// At most this many kiosks in the table (the rest are in /metrics).
pub const FLEET_ROWS: usize = 2000;

fn kiosk_state(ctx: &Ctx, state: &str) -> &'static str {
    match state {
        "online" => ctx.t(M::Online),
        "partial" => ctx.t(M::Partial),
        _ => ctx.t(M::Offline),
    }
}

fn rollout_state(ctx: &Ctx, state: &str) -> &'static str {
    match state {
        "active" => ctx.t(M::RolloutActive),
        "paused" => ctx.t(M::RolloutPaused),
        "halted" => ctx.t(M::RolloutHalted),
        "aborted" => ctx.t(M::RolloutAborted),
        _ => ctx.t(M::RolloutCompleted),
    }
}

fn update_stage(ctx: &Ctx, stage: &str) -> &'static str {
    match stage {
        "downloading" => ctx.t(M::StageDownloading),
        "downloaded" => ctx.t(M::StageDownloaded),
        "installing" => ctx.t(M::StageInstalling),
        "rebooting" => ctx.t(M::StageRebooting),
        "done" => ctx.t(M::StageDone),
        _ => ctx.t(M::StageFailed),
    }
}

/// `2026.12.1 (B)`, or nothing for a kiosk not booted from the image.
fn firmware(k: &KioskView) -> String {
    match (&k.firmware_version, &k.firmware_slot) {
        (Some(version), Some(slot)) => format!("{version} ({slot})"),
        (Some(version), None) => version.clone(),
        _ => "—".into(),
    }
}

/// The rollouts: state, share offered, kiosks per stage, the latest failures.
fn rollouts_table(ctx: &Ctx, rollouts: &[crate::store::RolloutView]) -> maud::Markup {
    html! {
        h2 { (ctx.t(M::RolloutsTitle)) }
        @if rollouts.is_empty() {
            p { (ctx.t(M::NoRollouts)) }
        } @else {
            table id="rollouts" {
                tr { @for h in [M::ColRollout, M::ColVersion, M::ColState, M::ColShare, M::ColProgress, M::ColFailures] { th scope="col" { (ctx.t(h)) } } }
                @for r in rollouts.iter().take(5) {
                    tr data-rollout=(r.rollout_id) data-state=(r.state) {
                        td { (r.rollout_id) } td { (r.version) }
                        td class="state" data-state=(r.state) { (rollout_state(ctx, &r.state)) @if let Some(why) = &r.reason { br; small { (why) } } }
                        td { (r.percent) "%" }
                        td { @for (i, (stage, n)) in r.stages.iter().enumerate() { @if i > 0 { " · " } (update_stage(ctx, stage)) " " (n) } }
                        td { (r.stages.get("failed").copied().unwrap_or(0)) " / " (r.halt_after)
                             @for (kiosk, why) in &r.failures { br; small { (kiosk) ": " (why) } } }
                    }
                }
            }
        }
    }
}

pub fn fleet(ctx: &Ctx, kiosks: &[KioskView], rollouts: &[crate::store::RolloutView], applications: i64) -> String {
    let count = |s: &str| kiosks.iter().filter(|k| k.state == s).count();
    let summary = fill(
        ctx.t(M::FleetSummary),
        &[
            &kiosks.len(),
            &count("online"),
            &count("partial"),
            &count("offline"),
            &applications,
        ],
    );
    let headers = [
        M::ColKiosk,
        M::ColState,
        M::ColVersion,
        M::ColFirmware,
        M::ColUptime,
        M::ColHeartbeat,
        M::ColReader,
        M::ColPrinter,
        M::ColCamera,
        M::ColGpio,
        M::ColPaper,
        M::ColOutbox,
        M::ColOldest,
        M::ColDead,
        M::ColLastSent,
        M::ColCertificate,
        M::ColErrors,
    ];
    let body = html! {
        p id="summary" { (summary) }
        div class="grid" id="fleet-grid" {
            @for k in kiosks.iter().take(FLEET_ROWS) {
                div class={ "kiosk-card " (k.state) } data-kiosk=(k.kiosk_id) {
                    strong { a href={ "/kiosks/" (k.kiosk_id) } { (k.kiosk_id) } } " · " (kiosk_state(ctx, k.state))
                    br; (ctx.t(M::ColPaper)) " " (paper(ctx, &k.paper)) " · " (ctx.t(M::ColOutbox)) " " (k.pending)
                }
            }
        }
        h2 { (ctx.t(M::FleetDetails)) }
        table id="fleet" {
            tr { @for h in headers { th scope="col" { (ctx.t(h)) } } }
            @for k in kiosks.iter().take(FLEET_ROWS) {
                tr class=(k.state) data-kiosk=(k.kiosk_id) {
                    td { (k.kiosk_id) } td class="state" data-state=(k.state) { (kiosk_state(ctx, k.state)) } td { (k.version) } td class="firmware" { (firmware(k)) } td { (age(ctx, Some(k.uptime_secs))) }
                    td { @if k.last_seen > 0 { (ago(ctx, Some(k.last_seen))) } @else { (ctx.t(M::Never)) } }
                    td { (device(ctx, &k.reader)) } td { (device(ctx, &k.printer)) } td { (device(ctx, &k.camera)) } td { (device(ctx, &k.gpio)) }
                    td { (paper(ctx, &k.paper)) } td { (k.pending) } td { (age(ctx, k.oldest_pending_age)) } td { (k.dead) }
                    td { (ago(ctx, k.last_sent_at)) }
                    td class="certificate" { (certificate(ctx, k.certificate_expires_at)) }
                    td { @for (i, e) in k.last_errors.iter().enumerate() { @if i > 0 { br; } (e) } }
                }
            }
        }
        @if kiosks.len() > FLEET_ROWS { p { (fill(ctx.t(M::MoreKiosks), &[&(kiosks.len() - FLEET_ROWS)])) } }
        (rollouts_table(ctx, rollouts))
    };
    page(ctx, ctx.t(M::FleetTitle), "/", body)
}

/// One kiosk: its latest report and its heartbeats over the last day.
pub fn kiosk(ctx: &Ctx, k: &KioskView, buckets: &[crate::store::BeatBucket]) -> String {
    let (width, height) = (864.0, 120.0);
    let start = ctx.now - crate::store::BUCKETS_KEPT_SECS;
    let x = |at: i64| (at - start) as f64 / crate::store::BUCKETS_KEPT_SECS as f64 * width;
    let bar_w = width / (crate::store::BUCKETS_KEPT_SECS / crate::store::BUCKET_SECS) as f64;
    let most_beats = buckets.iter().map(|b| b.beats).max().unwrap_or(1).max(1) as f64;
    let most_pending = buckets.iter().map(|b| b.pending).max().unwrap_or(0).max(1) as f64;
    let body = html! {
        table class="fields" id="kiosk" {
            tr { th scope="row" { (ctx.t(M::ColState)) } td class=(k.state) { (kiosk_state(ctx, k.state)) } }
            tr { th scope="row" { (ctx.t(M::ColVersion)) } td { (k.version) } }
            tr { th scope="row" { (ctx.t(M::ColFirmware)) } td { (firmware(k)) } }
            tr { th scope="row" { (ctx.t(M::ColHeartbeat)) } td { (ago(ctx, (k.last_seen > 0).then_some(k.last_seen))) } }
            tr { th scope="row" { (ctx.t(M::ColReader)) } td { (device(ctx, &k.reader)) } }
            tr { th scope="row" { (ctx.t(M::ColPrinter)) } td { (device(ctx, &k.printer)) } }
            tr { th scope="row" { (ctx.t(M::ColCamera)) } td { (device(ctx, &k.camera)) } }
            tr { th scope="row" { (ctx.t(M::ColGpio)) } td { (device(ctx, &k.gpio)) } }
            tr { th scope="row" { (ctx.t(M::ColPaper)) } td { (paper(ctx, &k.paper)) } }
            tr { th scope="row" { (ctx.t(M::ColOutbox)) } td { (k.pending) } }
            tr { th scope="row" { (ctx.t(M::ColCertificate)) } td { (certificate(ctx, k.certificate_expires_at)) } }
            tr { th scope="row" { (ctx.t(M::ColErrors)) } td { @for (i, e) in k.last_errors.iter().enumerate() { @if i > 0 { br; } (e) } } }
        }
        h2 { (ctx.t(M::ColHeartbeat)) }
        svg class="chart" id="beats" role="img" aria-label=(ctx.t(M::BeatsChart)) width=(width) height=(height + 20.0) viewBox={ "0 0 " (width) " " (height + 20.0) } xmlns="http://www.w3.org/2000/svg" {
            title { (ctx.t(M::BeatsChart)) }
            rect x="0" y="0" width=(width) height=(height) fill="#ffffff" stroke="#cbd2d9" {}
            @for b in buckets {
                @let h = b.beats as f64 / most_beats * (height - 4.0);
                rect x=(x(b.at)) y=(height - h) width=(bar_w.max(1.0)) height=(h) fill=(if b.devices_ok { "#1e7b34" } else { "#b7791f" }) {}
            }
            text x="0" y=(height + 16.0) font-size="12" fill="#1f2933" { (china_time(start)) }
            text x=(width) y=(height + 16.0) font-size="12" fill="#1f2933" text-anchor="end" { (china_time(ctx.now)) }
        }
        p class="intro" { (ctx.t(M::BeatsChart)) }
        h2 { (ctx.t(M::PendingChart)) }
        svg class="chart" id="pending" role="img" aria-label=(ctx.t(M::PendingChart)) width=(width) height="80" viewBox={ "0 0 " (width) " 80" } xmlns="http://www.w3.org/2000/svg" {
            title { (ctx.t(M::PendingChart)) }
            rect x="0" y="0" width=(width) height="80" fill="#ffffff" stroke="#cbd2d9" {}
            @for b in buckets {
                @let h = b.pending as f64 / most_pending * 76.0;
                rect x=(x(b.at)) y=(80.0 - h) width=(bar_w.max(1.0)) height=(h) fill="#0b4f9c" {}
            }
        }
    };
    page(ctx, &format!("{} {}", ctx.t(M::KioskTitle), k.kiosk_id), "/", body)
}

pub fn applications(ctx: &Ctx, rows: &[ListedApplication], service_name: &dyn Fn(&str) -> String) -> String {
    let headers = [
        M::ColReceipt,
        M::ColCase,
        M::ColService,
        M::ColKiosk,
        M::ColReceived,
        M::ColMaterials,
        M::ColState,
    ];
    let body = html! {
        table id="applications" {
            tr { @for h in headers { th scope="col" { (ctx.t(h)) } } }
            @for a in rows {
                tr {
                    td { a href={ "/applications/" (a.receipt_no) } { (a.receipt_no) } }
                    td { (a.case_number) } td { (service_name(&a.item_code)) } td { (a.kiosk_id) }
                    td { (ago(ctx, Some(a.received_at))) } td { (a.materials) "/" (a.materials_expected) }
                    td class="status" { (state(ctx, &a.status)) }
                }
            }
        }
    };
    page(ctx, ctx.t(M::ApplicationsTitle), "/applications", body)
}

pub fn payments(ctx: &Ctx, rows: &[PaymentRow], sandbox: bool) -> String {
    let actions: &[(&str, M)] = if sandbox {
        &[("paid", M::MarkPaid), ("expire", M::Expire)]
    } else {
        &[("expire", M::Expire)]
    };
    let headers = [M::ColOrder, M::ColKiosk, M::ColService, M::ColAmount, M::ColState];
    let body = html! {
        @if sandbox {
            p class="error notice" id="sandbox" { (ctx.t(M::Sandbox)) }
        } @else {
            p { (ctx.t(M::ProviderOnly)) }
        }
        table id="payments" {
            tr { @for h in headers { th scope="col" { (ctx.t(h)) } } th scope="col" { (ctx.t(M::ColAction)) } }
            @for p in rows {
                tr {
                    td { (p.order_id) } td { (p.kiosk_id) } td { (p.item_code) }
                    td { "¥" (p.amount_fen / 100) "." (format!("{:02}", p.amount_fen % 100)) }
                    td class="status" { (p.status) }
                    td {
                        @if p.status == "pending" {
                            @for (action, label) in actions {
                                form method="post" action={ "/payments/" (p.order_id) "/" (action) } class="inline" {
                                    input type="hidden" name="csrf" value=(ctx.csrf());
                                    button class="secondary" { (ctx.t(*label)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(ctx, ctx.t(M::PaymentsTitle), "/payments", body)
}

/// The applicant of `receipt` in full, after an audited reveal.
pub fn revealed(ctx: &Ctx, receipt: &str, r: &Revealed, reason: &str) -> String {
    let body = html! {
        p class="notice" { (ctx.t(M::RevealShownFor)) (reason) (ctx.t(M::RevealAudited)) }
        table id="revealed" class="fields" {
            tr { th scope="row" { (ctx.t(M::RevealName)) } td id="revealed-name" { (r.name) } }
            tr { th scope="row" { (ctx.t(M::RevealId)) } td id="revealed-id" { (r.id_number) } }
            @for (label, value) in &r.details { tr { th scope="row" { (label) } td { (value) } } }
        }
        p { a href={ "/applications/" (receipt) } { (ctx.t(M::BackToCase)) } }
    };
    page(ctx, &format!("{} · {receipt}", ctx.t(M::RevealTitle)), "", body)
}

/// The audit log, newest first.
pub fn audit(ctx: &Ctx, entries: &[AuditEntry]) -> String {
    let body = html! {
        table id="audit" {
            tr { @for h in [M::ColWhen, M::ColWho, M::ColAction, M::ColSubject] { th scope="col" { (ctx.t(h)) } } }
            @for e in entries {
                tr data-action=(e.action) { td { (china_time(e.at)) } td { (e.operator) } td class="action" { (audit_action(ctx, &e.action)) } td { (e.subject) } }
            }
        }
    };
    page(ctx, ctx.t(M::AuditTitle), "/audit", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fleet_shows_each_kiosks_firmware_and_the_rollouts_progress() {
        let ctx = Ctx {
            lang: Lang::Zh,
            operator: Some(("op", "csrf")),
            role: Some(crate::store::Role::Supervisor),
            now: 1_796_601_600,
        };
        let kiosk = |id: &str, firmware: Option<(&str, &str)>| KioskView {
            kiosk_id: id.into(),
            certificate_expires_at: None,
            state: "online",
            version: "0.1.0".into(),
            uptime_secs: 60,
            last_seen: 1_796_601_590,
            clock_drift: 0,
            reader: "ok".into(),
            printer: "ok".into(),
            camera: "ok".into(),
            gpio: "ok".into(),
            paper: "ok".into(),
            pending: 0,
            dead: 0,
            oldest_pending_age: None,
            last_sent_at: None,
            last_errors: vec![],
            submissions: 0,
            refused: 0,
            firmware_version: firmware.map(|f| f.0.to_string()),
            firmware_slot: firmware.map(|f| f.1.to_string()),
        };
        let rollout = crate::store::RolloutView {
            rollout_id: 4,
            version: "2026.12.1".into(),
            sha256: "ab".repeat(32),
            size: 1,
            percent: 20,
            halt_after: 3,
            state: "halted".into(),
            reason: Some("3 kiosk(s) failed (threshold 3)".into()),
            created_at: 0,
            stages: [("done".to_string(), 5), ("failed".to_string(), 3)]
                .into_iter()
                .collect(),
            failures: vec![("ZJ-7".into(), "rolled back: slot B did not become healthy".into())],
        };
        let page = fleet(
            &ctx,
            &[kiosk("ZJ-1", Some(("2026.12.1", "B"))), kiosk("DEV-1", None)],
            &[rollout],
            0,
        );
        assert!(page.contains("2026.12.1 (B)"), "{page}");
        assert!(page.contains("固件发布") && page.contains("已自动停止"), "{page}");
        assert!(page.contains("3 / 3") && page.contains("ZJ-7: rolled back"), "{page}");
        assert!(page.contains("已更新 5 · 失败 3"), "{page}");
        let none = fleet(&ctx, &[], &[], 0);
        assert!(none.contains("尚无固件发布"));
    }

    #[test]
    fn china_time_is_utc_plus_eight() {
        // 2026-12-07 00:00 UTC is 08:00 in China.
        assert_eq!(china_time(1_796_601_600), "2026-12-07 08:00");
    }
}
