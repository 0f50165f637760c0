//! Headless Chromium (Debian's `chromium`) driven over the DevTools protocol on a pipe, for
//! the back-office tests of both packages: open a page, act, wait for a condition, take a
//! screenshot, run axe-core's accessibility check.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::io::FromRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct Browser {
    child: std::process::Child,
    to: std::fs::File,
    from: mpsc::Receiver<Value>,
    next_id: u64,
    session: Option<String>,
}

impl Browser {
    pub fn start(profile: &std::path::Path) -> Browser {
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
                "--window-size=1366,768",
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

    pub fn call(&mut self, method: &str, params: Value) -> Value {
        match self.try_call(method, params) {
            Ok(result) => result,
            Err(error) => panic!("{method}: {error}"),
        }
    }

    /// Sends one DevTools command; `Err` carries the protocol's error reply.
    pub fn try_call(&mut self, method: &str, params: Value) -> Result<Value, Value> {
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

    pub fn eval(&mut self, expression: &str) -> Value {
        self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        )["result"]["value"]
            .clone()
    }

    /// Runs a statement that may navigate away (a click, a submit). The reply can then be the
    /// "target navigated" error, which means the action took effect.
    pub fn act(&mut self, statement: &str) {
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
    pub fn wait_for(&mut self, expression: &str) {
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

    pub fn goto(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url}));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    /// A browser with one page open and attached (the page's own session).
    pub fn with_page(profile: &std::path::Path) -> Browser {
        let mut browser = Browser::start(profile);
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}))["targetId"].clone();
        let session = browser.call("Target.attachToTarget", json!({"targetId": target, "flatten": true}))["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        browser.session = Some(session);
        browser.call("Page.enable", json!({}));
        browser
    }

    /// The page as a PNG at `path` (the window's size, 1366×768 by default).
    pub fn screenshot(&mut self, path: &std::path::Path) {
        use base64::Engine as _;
        let shot = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        let data = shot["data"].as_str().expect("screenshot data");
        let png = base64::engine::general_purpose::STANDARD.decode(data).expect("base64");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }

    /// axe-core's check of the page (the script's text injected over DevTools, which the
    /// page's CSP does not govern): the violations of impact serious or critical, as
    /// `rule: target…` lines.
    pub fn serious_accessibility_violations(&mut self, axe_source: &str) -> Vec<String> {
        self.eval(axe_source);
        let result = self.call(
            "Runtime.evaluate",
            json!({
                "expression": "axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))))",
                "awaitPromise": true,
                "returnByValue": true
            }),
        );
        let text = result["result"]["value"]
            .as_str()
            .unwrap_or_else(|| panic!("axe-core did not run: {result}"))
            .to_string();
        serde_json::from_str(&text).expect("axe-core's violations")
    }
}

/// axe-core's browser script (`axe.min.js`), fetched by the test set-up from the npm
/// registry; a missing copy fails the test (never skips it).
pub fn axe_source() -> String {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(if env!("CARGO_MANIFEST_DIR").ends_with("central") {
            "../target/axe-core/axe.min.js"
        } else {
            "target/axe-core/axe.min.js"
        });
    if !path.is_file() {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(if env!("CARGO_MANIFEST_DIR").ends_with("central") {
                "../scripts/fetch-axe-core.sh"
            } else {
                "scripts/fetch-axe-core.sh"
            });
        let status = Command::new("bash")
            .arg(&script)
            .status()
            .expect("scripts/fetch-axe-core.sh runs");
        assert!(status.success(), "axe-core could not be fetched");
    }
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
