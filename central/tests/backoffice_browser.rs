//! The back office in a real browser: headless Chromium (Debian's `chromium`, installed if
//! missing) driven over the DevTools protocol on a pipe. An operator logs in, sees the
//! kiosk on the fleet dashboard, and requests a supplement on an application; the kiosk's
//! status query then shows it.

mod common;

#[path = "../../tests/support/browser.rs"]
#[allow(dead_code)]
mod browser;

use browser::Browser;
use common::*;
use serde_json::json;
use std::time::Duration;
use township_central::server;
use township_core::central_api::{self as api, CaseStatus};

#[test]
fn operator_logs_in_sees_the_fleet_and_pre_reviews_in_chromium() {
    require("chromium", "chromium");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let srv = setup(dir, &["K-WEB"], None);
    server::open_store(&srv, None)
        .unwrap()
        .add_operator("olga", "a long passphrase", township_central::store::Role::Supervisor)
        .unwrap();
    let (runtime, running) = serve(&srv, None);
    let submission = township_central::fleet::submission("K-WEB", "KWEB", 3);
    let receipt = submission.receipt_no.clone();
    runtime.block_on(async {
        let mut k = kiosk(dir, "K-WEB", running.api).await;
        let r = k
            .request(
                "POST",
                "/api/v1/applications",
                &[(api::IDEMPOTENCY_KEY_HEADER, &submission.application.uuid)],
                serde_json::to_vec(&submission).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(r.status, 201);
        let beat = api::Heartbeat {
            kiosk_id: "K-WEB".into(),
            version: "0.1.0".into(),
            uptime_secs: 42,
            sent_at: None,
            devices: api::DeviceStates {
                reader: "ok".into(),
                printer: "fault: paper jam".into(),
                camera: "ok".into(),
                gpio: "ok".into(),
            },
            paper: api::PaperState::Low,
            outbox: api::OutboxSummary {
                pending: 0,
                dead: 0,
                oldest_pending_age_secs: None,
                last_sent_at: Some(township_central::store::now()),
            },
            last_errors: vec!["printer: paper jam".into()],
            firmware: None,
        };
        assert_eq!(k.post("/api/v1/heartbeat", &beat).await.unwrap().status, 200);
    });
    let base = format!("http://{}", running.admin);

    let profile = tempfile::tempdir().unwrap();
    let mut browser = Browser::with_page(profile.path());
    // English for this test's words (the back office is Chinese by default: see the
    // reviewer's test in the kiosk package).
    browser.goto(&format!("{base}/login?lang=en"));
    browser.wait_for("document.getElementById('login')");
    browser.act("document.getElementById('name').value = 'olga'; document.getElementById('password').value = 'a long passphrase'; document.getElementById('login').submit(); true");
    browser.wait_for("document.getElementById('filters')");
    browser.goto(&format!("{base}/"));
    browser.wait_for("document.getElementById('fleet')");
    let row = browser.eval("document.querySelector('tr[data-kiosk=\"K-WEB\"]').innerText");
    let row = row.as_str().unwrap();
    assert!(
        row.contains("K-WEB") && row.contains("online") && row.contains("paper jam") && row.contains("low"),
        "{row}"
    );
    let shot = browser.call("Page.captureScreenshot", json!({"format": "png"}));
    assert!(
        shot["data"].as_str().is_some_and(|d| d.len() > 1000),
        "a dashboard screenshot"
    );

    browser.goto(&format!("{base}/applications"));
    browser.wait_for(&format!("document.body.innerText.includes('{receipt}')"));
    browser.act(&format!(
        "document.querySelector('a[href=\"/applications/{receipt}\"]').click(); true"
    ));
    browser.wait_for("document.getElementById('review')");
    browser.act("document.getElementById('review-message').value = '请补充清晰的户口簿首页照片'; document.getElementById('supplement').click(); true");
    browser
        .wait_for("document.getElementById('status') && document.getElementById('status').innerText === 'supplement'");
    assert_eq!(
        browser.eval("document.getElementById('message').innerText"),
        json!("请补充清晰的户口簿首页照片")
    );

    let status = running
        .central
        .store
        .status(&township_central::store::Operator::cli(), &receipt)
        .unwrap();
    assert_eq!(
        (status.status, status.message.as_deref()),
        (CaseStatus::Supplement, Some("请补充清晰的户口簿首页照片"))
    );

    // The CSP is in force in the browser: an injected inline handler does not run (and
    // the page's own scripts could not even fetch: `default-src 'none'`).
    browser.act("document.body.insertAdjacentHTML('beforeend', '<img id=\"probe\" src=\"/nothing\" onerror=\"window.injected = 1\">'); true");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        browser.eval("typeof window.injected"),
        json!("undefined"),
        "an inline handler ran"
    );

    // The audited reveal: no reason, no data; with a reason, the applicant in full, and the
    // reveal in the audit log with its reason.
    browser.act("document.getElementById('reveal').click(); true");
    browser.wait_for("document.body.innerText.includes('reason')");
    assert!(!browser
        .eval("document.body.innerText")
        .as_str()
        .unwrap_or_default()
        .contains("330225199003150027"));
    browser.goto(&format!("{base}/applications/{receipt}"));
    browser.wait_for("document.getElementById('reveal-reason')");
    browser.act("document.getElementById('reveal-reason').value = '电话核实材料'; document.getElementById('reveal').click(); true");
    browser.wait_for("document.getElementById('revealed-id')");
    assert_eq!(
        browser.eval("document.getElementById('revealed-id').innerText"),
        json!("330225199003150027")
    );
    browser.goto(&format!("{base}/audit"));
    browser.wait_for("document.getElementById('audit')");
    let audit = browser.eval("document.getElementById('audit').innerText");
    let audit = audit.as_str().unwrap_or_default();
    assert!(
        audit.contains("reveal") && audit.contains("电话核实材料") && audit.contains("olga"),
        "{audit}"
    );

    // A reviewer may pre-review and reveal, not read the audit log or the payments.
    server::open_store(&srv, None)
        .unwrap()
        .add_operator(
            "rita",
            "another long passphrase",
            township_central::store::Role::Reviewer,
        )
        .unwrap();
    browser.act("document.querySelector('form[action=\"/logout\"]').submit(); true");
    browser.wait_for("document.getElementById('login')");
    browser.act("document.getElementById('name').value = 'rita'; document.getElementById('password').value = 'another long passphrase'; document.getElementById('login').submit(); true");
    browser.wait_for("document.getElementById('filters')");
    // The navigation offers a reviewer only what a reviewer may use.
    assert_eq!(
        browser.eval("[...document.querySelectorAll('header nav a')].map(a => a.getAttribute('href')).join(' ')"),
        json!("/queue /applications /bookings /complaints /stats /")
    );
    browser.goto(&format!("{base}/audit"));
    browser.wait_for("document.body.innerText.includes('may not')");
    browser.goto(&format!("{base}/payments"));
    browser.wait_for("document.body.innerText.includes('may not')");

    // The session cookie is out of the page's reach (HttpOnly), and the session ends in
    // the browser after 15 idle minutes and after 8 hours, used or not.
    assert_eq!(
        browser.eval("document.cookie"),
        json!(""),
        "the session cookie is readable"
    );
    let store = &running.central.store;
    let shift = |column: &str, to: i64| {
        store
            .tx(|sql| sql.exec(&format!("UPDATE sessions SET {column} = $1"), &[to.into()]))
            .unwrap()
    };
    let now = township_central::store::now();
    shift("last_seen", now - township_central::store::SESSION_IDLE_SECS - 1);
    browser.goto(&format!("{base}/applications"));
    browser.wait_for("document.getElementById('login')");
    browser.act("document.getElementById('name').value = 'rita'; document.getElementById('password').value = 'another long passphrase'; document.getElementById('login').submit(); true");
    browser.wait_for("document.getElementById('filters')");
    shift("expires_at", now - 1);
    browser.goto(&format!("{base}/applications"));
    browser.wait_for("document.getElementById('login')");
    drop(browser);
    drop(running);
    runtime.shutdown_timeout(Duration::from_secs(2));
}
