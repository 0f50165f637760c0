//! The back office in a real browser: headless Chromium (Debian's `chromium`, installed if
//! missing) driven over the DevTools protocol on a pipe. An operator logs in, sees the
//! kiosk on the fleet dashboard, and requests a supplement on an application; the kiosk's
//! status query then shows it.

mod common;

use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::io::FromRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use township_central::server;
use township_core::central_api::{self as api, CaseStatus};

struct Browser {
    child: std::process::Child,
    to: std::fs::File,
    from: mpsc::Receiver<Value>,
    next_id: u64,
    session: Option<String>,
}

impl Browser {
    fn start(profile: &std::path::Path) -> Browser {
        let mut to_fds = [0; 2];
        let mut from_fds = [0; 2];
        unsafe {
            assert_eq!(libc::pipe2(to_fds.as_mut_ptr(), libc::O_CLOEXEC), 0);
            assert_eq!(libc::pipe2(from_fds.as_mut_ptr(), libc::O_CLOEXEC), 0);
        }
        let (child_read, child_write) = (to_fds[0], from_fds[1]);
        let mut command = Command::new("chromium");
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--remote-debugging-pipe",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        unsafe {
            command.pre_exec(move || {
                // Move both ends out of the way first, then onto fds 3 (commands) and 4 (replies).
                let r = libc::fcntl(child_read, libc::F_DUPFD, 100);
                let w = libc::fcntl(child_write, libc::F_DUPFD, 100);
                if r < 0 || w < 0 || libc::dup2(r, 3) < 0 || libc::dup2(w, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("chromium starts");
        unsafe {
            libc::close(child_read);
            libc::close(child_write);
        }
        let to = unsafe { std::fs::File::from_raw_fd(to_fds[1]) };
        let from = unsafe { std::fs::File::from_raw_fd(from_fds[0]) };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(from);
            let mut message = Vec::new();
            while reader.read_until(0, &mut message).is_ok_and(|n| n > 0) {
                message.pop();
                if let Ok(v) = serde_json::from_slice::<Value>(&message) {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
                message.clear();
            }
        });
        Browser {
            child,
            to,
            from: rx,
            next_id: 1,
            session: None,
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        match self.try_call(method, params) {
            Ok(result) => result,
            Err(error) => panic!("{method}: {error}"),
        }
    }

    /// Sends one DevTools command; `Err` carries the protocol's error reply.
    fn try_call(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(s) = &self.session {
            message["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let reply = self
                .from
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no reply to {method} within 30 s"));
            if reply["id"] == json!(id) {
                return match reply.get("error") {
                    Some(error) => Err(error.clone()),
                    None => Ok(reply["result"].clone()),
                };
            }
        }
    }

    fn eval(&mut self, expression: &str) -> Value {
        self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        )["result"]["value"]
            .clone()
    }

    /// Runs a statement that may navigate away (a click, a submit). The reply can then be the
    /// "target navigated" error, which means the action took effect.
    fn act(&mut self, statement: &str) {
        if let Err(error) = self.try_call(
            "Runtime.evaluate",
            json!({"expression": statement, "returnByValue": true}),
        ) {
            let text = error.to_string();
            assert!(
                text.contains("navigated") || text.contains("context was destroyed"),
                "{statement}: {text}"
            );
        }
    }

    /// Evaluates `expression` until it returns true (pages load between polls).
    fn wait_for(&mut self, expression: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let probe = format!("document.readyState === 'complete' && !!({expression})");
        loop {
            // A poll that lands while the page navigates is answered with "target navigated"
            // or "context destroyed": the page is not there yet, so poll again.
            let answer = self.try_call("Runtime.evaluate", json!({"expression": probe, "returnByValue": true}));
            if matches!(&answer, Ok(result) if result["result"]["value"] == json!(true)) {
                return;
            }
            if Instant::now() >= deadline {
                let shown = self.try_call(
                    "Runtime.evaluate",
                    json!({"expression": "location.href + ' :: ' + document.body.innerText", "returnByValue": true}),
                );
                panic!("timed out waiting for {expression}; the page: {shown:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn goto(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url}));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
        };
        assert_eq!(k.post("/api/v1/heartbeat", &beat).await.unwrap().status, 200);
    });
    let base = format!("http://{}", running.admin);

    let profile = tempfile::tempdir().unwrap();
    let mut browser = Browser::start(profile.path());
    let target = browser.call("Target.createTarget", json!({"url": "about:blank"}))["targetId"].clone();
    let session = browser.call("Target.attachToTarget", json!({"targetId": target, "flatten": true}))["sessionId"]
        .as_str()
        .unwrap()
        .to_string();
    browser.session = Some(session);
    browser.call("Page.enable", json!({}));

    browser.goto(&format!("{base}/"));
    browser.wait_for("document.getElementById('login')");
    browser.act("document.getElementById('name').value = 'olga'; document.getElementById('password').value = 'a long passphrase'; document.getElementById('login').submit(); true");
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
    browser.wait_for("document.getElementById('fleet')");
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
    browser.wait_for("document.getElementById('fleet')");
    shift("expires_at", now - 1);
    browser.goto(&format!("{base}/applications"));
    browser.wait_for("document.getElementById('login')");
    drop(browser);
    drop(running);
    runtime.shutdown_timeout(Duration::from_secs(2));
}
