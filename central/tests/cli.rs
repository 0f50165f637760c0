//! The command line against a running server: init, enroll, operator add, list --json,
//! review (and its refusals), revoke; and the back office over HTTP: login, lockout, session
//! cookie, CSRF check, pre-review and payment simulation.

mod common;

use common::*;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;
use township_central::server;
use township_central::store::{Kiosk, ListedApplication, Operator};
use township_core::central_api::{self as api, CaseStatus};

fn run(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Logs in as the log-in page asks: its CSRF cookie and field, then the form.
fn login(admin: std::net::SocketAddr, name: &str, password: &str) -> (u16, String, String) {
    let (_, head, page) = http(admin, "GET", "/login", None, None);
    let cookie = cookie_of(&head);
    let csrf = csrf_in(&page);
    http(
        admin,
        "POST",
        "/login",
        Some(&cookie),
        Some(&format!("csrf={csrf}&name={name}&password={password}")),
    )
}

/// The CSRF token of a page's form.
fn csrf_in(page: &str) -> String {
    let after = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .expect("a form with a CSRF token");
    after.split('"').next().unwrap().to_string()
}

fn cookie_of(head: &str) -> String {
    head.lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie:")
                .then(|| l[11..].trim().split(';').next().unwrap().to_string())
        })
        .expect("a session cookie")
}

#[test]
fn command_line_and_back_office() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let srv = dir.join("srv");
    let s = srv.to_str().unwrap();
    assert_eq!(
        run(
            &[
                "init",
                "--dir",
                s,
                "--listen",
                "127.0.0.1:0",
                "--admin-listen",
                "127.0.0.1:0",
                "--sandbox-payments"
            ],
            None
        )
        .0,
        0
    );
    assert_eq!(run(&["init", "--dir", s], None).0, 1, "init never overwrites a CA");
    let out = dir.join("K-CLI");
    let (code, stdout, _) = run(
        &[
            "enroll",
            "K-CLI",
            "--receipt-prefix",
            "CLI",
            "--dir",
            s,
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 0, "{stdout}");
    let section = std::fs::read_to_string(out.join("central.toml")).unwrap();
    for key in [
        "[central]",
        "url = \"https://127.0.0.1:0\"",
        "ca = ",
        "cert = ",
        "key = ",
        "kiosk-id = \"K-CLI\"",
        "receipt-prefix = \"CLI\"",
    ] {
        assert!(section.contains(key), "{key} in\n{section}");
    }
    assert!(
        !section.contains("lookup-key"),
        "the ID-hash key never leaves the central"
    );
    let taken = run(
        &[
            "enroll",
            "K-TWO",
            "--receipt-prefix",
            "CLI",
            "--dir",
            s,
            "--out",
            dir.join("two").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(taken.0, 1, "a prefix belongs to one kiosk");
    assert!(
        !dir.join("two").join("kiosk.key").exists(),
        "nothing is handed out for a refused enrolment"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(out.join("kiosk.key")).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        run(
            &[
                "enroll",
                "bad id",
                "--receipt-prefix",
                "BAD",
                "--dir",
                s,
                "--out",
                dir.join("x").to_str().unwrap()
            ],
            None
        )
        .0,
        1
    );
    assert_eq!(
        run(&["operator", "add", "alice", "--dir", s], Some("short\n")).0,
        1,
        "weak password refused"
    );
    assert_eq!(
        run(
            &["operator", "add", "alice", "--role", "supervisor", "--dir", s],
            Some("correct horse battery\n")
        )
        .0,
        0
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let running = runtime.block_on(server::start(&srv, None, None, None)).unwrap();
    let (api_addr, admin) = (running.api, running.admin);
    let submission = township_central::fleet::submission("K-CLI", "CLI", 7);
    let receipt = submission.receipt_no.clone();
    runtime.block_on(async {
        let mut k = kiosk(dir, "K-CLI", api_addr).await;
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
            kiosk_id: "K-CLI".into(),
            version: "0.1.0".into(),
            uptime_secs: 3,
            sent_at: None,
            devices: api::DeviceStates {
                reader: "ok".into(),
                printer: "ok".into(),
                camera: "ok".into(),
                gpio: "ok".into(),
            },
            paper: api::PaperState::Ok,
            outbox: api::OutboxSummary {
                pending: 0,
                dead: 0,
                oldest_pending_age_secs: None,
                last_sent_at: Some(1),
            },
            last_errors: vec![],
            firmware: None,
        };
        assert_eq!(k.post("/api/v1/heartbeat", &beat).await.unwrap().status, 200);
        let pay = api::CreatePayment {
            idempotency_key: "p".into(),
            item_code: "ID-003".into(),
            amount_fen: 4000,
        };
        assert_eq!(k.post("/api/v1/payments", &pay).await.unwrap().status, 201);
    });

    // list --json
    let (code, stdout, stderr) = run(&["list", "--dir", s, "--json"], None);
    assert_eq!(code, 0, "{stderr}");
    let rows: Vec<ListedApplication> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (row.receipt_no.as_str(), row.kiosk_id.as_str(), row.item_code.as_str()),
        (receipt.as_str(), "K-CLI", "ID-003")
    );
    assert_eq!(row.idempotency_key, submission.application.uuid);
    assert_eq!((row.materials, row.materials_expected), (0, 2));
    assert!(row.received_at > 0);
    assert!(!stdout.contains("330225"), "no ID numbers in list");

    // review
    assert_eq!(
        run(&["review", &receipt, "--dir", s, "--approve", "--reject", "x"], None).0,
        1
    );
    assert_eq!(
        run(&["review", "NOPE-000000-0000-0", "--dir", s, "--approve"], None).0,
        1
    );
    let (code, _, stderr) = run(
        &["review", &receipt, "--dir", s, "--supplement", "请补充户口簿首页"],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let status = running.central.store.status(&Operator::cli(), &receipt).unwrap();
    assert_eq!(
        (status.status, status.message.as_deref()),
        (CaseStatus::Supplement, Some("请补充户口簿首页"))
    );

    // back office: login, lockout after failures, CSRF
    let (st, head, _) = http(admin, "GET", "/", None, None);
    assert!(st == 303 && head.to_ascii_lowercase().contains("location: /login"));
    let (st, _, body) = http(
        admin,
        "POST",
        "/login",
        None,
        Some("name=alice&password=correct+horse+battery"),
    );
    assert_eq!(st, 401, "a log-in without the form's CSRF token is refused");
    assert!(body.contains("表单已过期"), "Chinese by default: {body}");
    let (st, _, body) = login(admin, "alice", "wrong");
    assert_eq!(st, 401);
    assert!(body.contains("wrong name or password"));
    let (st, head, _) = login(admin, "alice", "correct+horse+battery");
    assert_eq!(st, 303);
    let lower = head.to_ascii_lowercase();
    assert!(
        lower.contains("content-security-policy") && lower.contains("frame-ancestors 'none'"),
        "{head}"
    );
    assert!(
        lower.contains("cache-control: no-store") && lower.contains("x-frame-options: deny"),
        "{head}"
    );
    let cookie = cookie_of(&head);
    assert!(head.contains("HttpOnly") && head.contains("SameSite=Strict"));
    let (st, _, page) = http(admin, "GET", "/", Some(&cookie), None);
    assert_eq!(st, 200);
    assert!(
        page.contains("data-kiosk=\"K-CLI\"") && page.contains("data-state=\"online\">在线</td>"),
        "{page}"
    );
    let (_, _, detail) = http(admin, "GET", &format!("/applications/{receipt}"), Some(&cookie), None);
    assert!(
        detail.contains("陈*燕") || detail.contains("陈"),
        "masked applicant shown"
    );
    assert!(
        !detail.contains("330225199003150027"),
        "the full ID number is never shown"
    );
    let csrf = csrf_in(&detail);
    let (st, _, _) = http(
        admin,
        "POST",
        &format!("/applications/{receipt}/review"),
        Some(&cookie),
        Some("action=approve&csrf=forged"),
    );
    assert_eq!(st, 403, "a wrong CSRF token is refused");
    assert_eq!(
        running.central.store.status(&Operator::cli(), &receipt).unwrap().status,
        CaseStatus::Supplement
    );
    let (st, _, _) = http(
        admin,
        "POST",
        &format!("/applications/{receipt}/review"),
        Some(&cookie),
        Some(&format!("action=reject&message=&csrf={csrf}")),
    );
    assert_eq!(st, 200, "a refusal without a message is shown again with the error");
    let (st, _, _) = http(
        admin,
        "POST",
        &format!("/applications/{receipt}/review"),
        Some(&cookie),
        Some(&format!("action=approve&csrf={csrf}")),
    );
    assert_eq!(st, 303);
    assert_eq!(
        running.central.store.status(&Operator::cli(), &receipt).unwrap().status,
        CaseStatus::Approved
    );
    let (_, _, payments) = http(admin, "GET", "/payments", Some(&cookie), None);
    let order = payments
        .split("action=\"/payments/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let (st, _, _) = http(
        admin,
        "POST",
        &format!("/payments/{order}/paid"),
        Some(&cookie),
        Some(&format!("csrf={csrf}")),
    );
    assert_eq!(st, 303);
    assert_eq!(
        running.central.store.payment(Kiosk("K-CLI"), &order).unwrap().status,
        api::PaymentStatus::Paid
    );
    let (st, _, _) = http(admin, "POST", "/logout", Some(&cookie), Some(&format!("csrf={csrf}")));
    assert_eq!(st, 303);
    assert_eq!(http(admin, "GET", "/", Some(&cookie), None).0, 303, "the session ended");
    for _ in 0..5 {
        login(admin, "alice", "guess");
    }
    let (st, _, body) = login(admin, "alice", "correct+horse+battery");
    assert_eq!(st, 401, "locked after five failures");
    assert!(body.contains("too many failed logins"));

    // revoke
    assert_eq!(run(&["revoke", "K-CLI", "--dir", s], None).0, 0);
    assert_eq!(
        run(&["revoke", "K-CLI", "--dir", s], None).0,
        1,
        "nothing left to revoke"
    );
    drop(running);
    runtime.shutdown_timeout(Duration::from_secs(2));
}
