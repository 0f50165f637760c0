//! Input limits at the command line: values that used to panic (a huge `--wait`, durations
//! that overflow), an empty catalogue and a `central.url` that only looks like loopback
//! each get a clear error instead (a password with `@` in `config show`: tests/cli.rs);
//! and `catalogue show` names the services that refuse a typed number.

use std::path::Path;
mod common;

use common::{kiosk, text};
use std::process::Output;
use township_kiosk::devices::card_reader::sim::{SimCardReader, SimReaderOptions};

/// `kiosk config validate` of a file holding `body` after a `[kiosk]` state-dir line.
fn validate(dir: &Path, body: &str) -> Output {
    let path = dir.join("kiosk.toml");
    std::fs::write(
        &path,
        format!(
            "[kiosk]\nstate-dir = {:?}\n{body}",
            dir.join("state").display().to_string()
        ),
    )
    .unwrap();
    kiosk(&[
        "--overrides",
        dir.join("none.toml").to_str().unwrap(),
        "config",
        "validate",
        path.to_str().unwrap(),
    ])
}

fn assert_clear_error(out: &Output, code: i32, says: &str) {
    let shown = text(out);
    assert_eq!(out.status.code(), Some(code), "{shown}");
    assert!(shown.contains(says), "expected {says:?} in:\n{shown}");
    assert!(
        !shown.contains("panicked") && !shown.contains("internal error"),
        "{shown}"
    );
}

#[test]
fn a_huge_read_card_wait_is_refused_not_a_panic() {
    let sim = SimCardReader::start(SimReaderOptions::default()).unwrap();
    let port = sim.path().to_str().unwrap();
    for wait in ["18446744073709551615", "99999999999", "0"] {
        let out = kiosk(&["read-card", "--port", port, "--wait", wait]);
        assert_clear_error(&out, 2, "--wait");
    }
}

#[test]
fn durations_that_overflow_are_configuration_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = validate(
        dir.path(),
        "[timeouts]\nfarewell-secs = 9223372036854775807\ncard-read-secs = 9223372036854775807\n",
    );
    assert_clear_error(&out, 2, "timeouts.farewell-secs: must be between");
    assert!(
        text(&out).contains("timeouts.card-read-secs: must be between"),
        "{}",
        text(&out)
    );
    // `run` loads the same configuration and stops at the same error.
    let out = kiosk(&[
        "--config",
        dir.path().join("kiosk.toml").to_str().unwrap(),
        "--overrides",
        dir.path().join("none.toml").to_str().unwrap(),
        "run",
        "--headless",
        "--exit-after",
        "1",
    ]);
    assert_clear_error(&out, 2, "timeouts.farewell-secs");
}

#[test]
fn an_empty_catalogue_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = dir.path().join("catalogue.toml");
    std::fs::write(
        &catalogue,
        "version = \"0\"\nsupplement-days = 10\ncategory = []\nitem = []\n[material]\n[field]\n",
    )
    .unwrap();
    let body = format!("catalogue = {:?}\n", catalogue.display().to_string());
    let out = validate(dir.path(), &body);
    assert_clear_error(&out, 2, "the catalogue has no categories");
    assert!(text(&out).contains("the catalogue has no items"), "{}", text(&out));
}

#[test]
fn central_url_needs_https_unless_its_host_is_loopback() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        "http://127.evil.cn/api",
        "http://127.0.0.1@evil.cn/",
        "http://localhost.evil.cn/",
    ] {
        let out = validate(dir.path(), &format!("[central]\nurl = {bad:?}\n"));
        assert_clear_error(&out, 2, "central.url");
        assert!(text(&out).contains("plain http"), "{}", text(&out));
    }
    for good in [
        "http://127.0.0.1:8080/api",
        "http://[::1]:8080/",
        "https://gw.example.gov.cn/kiosk",
    ] {
        let out = validate(dir.path(), &format!("[central]\nurl = {good:?}\n"));
        assert_eq!(out.status.code(), Some(0), "{good}: {}", text(&out));
    }
}

#[test]
fn catalogue_show_names_the_services_that_need_the_card() {
    let out = kiosk(&["catalogue", "show", "ID-005"]);
    assert!(text(&out).contains("Card required:  是 yes"), "{}", text(&out));
    let out = kiosk(&["catalogue", "show", "HH-006"]);
    assert!(text(&out).contains("Card required:  否 no"), "{}", text(&out));
    let out = kiosk(&["catalogue", "show", "--json", "ID-005"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json["item"]["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "card-required"),
        "{json}"
    );
}
