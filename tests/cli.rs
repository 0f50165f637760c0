//! The `kiosk` command line as a technician uses it: exit codes, masked output, errors that
//! name the file, line and key.

mod common;

use common::{kiosk, text};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use township_kiosk::domain::application::{Application, Delivery, IdentitySource, MaterialState, PaymentState, Person};
use township_kiosk::domain::calendar::Date;
use township_kiosk::domain::id_number::IdNumber;
use township_kiosk::storage::Store;

const FULL_ID: &str = "330212199001011232";

/// Runs `kiosk` with `input` on its standard input (a pipe, so PINs are read as lines).
fn kiosk_with_input(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(args)
        .env("KIOSK_LOG", "warn")
        .env_remove("KIOSK_CONFIG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The command may exit before reading everything (a refusal): ignore a closed pipe.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child.wait_with_output().unwrap()
}

fn config_in(dir: &Path) -> PathBuf {
    let path = dir.join("kiosk.toml");
    std::fs::write(
        &path,
        format!(
            "[kiosk]\nstate-dir = {:?}\nreceipt-prefix = \"T01\"\nsimulated = true\n",
            dir.join("state").display().to_string()
        ),
    )
    .unwrap();
    path
}

fn application(uuid: &str) -> Application {
    Application {
        uuid: uuid.into(),
        item_code: "ID-001".into(),
        applicant: Person {
            id: IdNumber::parse(FULL_ID).unwrap(),
            name: Some("林晓燕".into()),
            sex: None,
            address: None,
            source: IdentitySource::Card,
        },
        agent: None,
        form: [("phone".to_string(), "13700001111".to_string())].into(),
        materials: [(
            "household-book".to_string(),
            MaterialState::Promised {
                deadline: Date::parse("2026-12-10").unwrap(),
                signature: None,
            },
        )]
        .into(),
        delivery: Delivery::WindowPickup,
        urgent: false,
        payment: PaymentState::Paid {
            fen: 2000,
            reference: "P".into(),
        },
        submitted_on: Date::parse("2026-11-26").unwrap(),
    }
}

#[test]
fn version_and_help() {
    let out = kiosk(&["--version"]);
    assert!(out.status.success());
    assert!(text(&out).contains("(git "), "{}", text(&out));
    let out = kiosk(&["--help"]);
    assert!(text(&out).contains("3  no card on the reader"), "{}", text(&out));
    let out = kiosk(&["no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn id_check() {
    let out = kiosk(&["id", "check", "33021219900101123x"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("expected 2"), "{}", text(&out));
    let out = kiosk(&["id", "check", FULL_ID]);
    assert_eq!(out.status.code(), Some(0));
    let shown = text(&out);
    assert!(
        shown.contains("330212********1232")
            && shown.contains("1990-**-**")
            && shown.contains("male")
            && shown.contains("330212"),
        "{shown}"
    );
    assert!(!shown.contains(FULL_ID) && !shown.contains("1990-01-01"));
    let out = kiosk(&["id", "check", "--json", "810000199505050022"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["valid"], true, "{json}");
    assert_eq!(json["kind"], "hkmotw");
    assert_eq!(json["sex"], "female");
    let out = kiosk(&["id", "check", "--json", "12"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (json["valid"].clone(), json["key"].clone()),
        (false.into(), "id.error.length".into())
    );
}

#[test]
fn config_validate_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[kiosk]\nid = \"K1\"\n\n[devices.reader]\nbaud = 12345\nport = \"/dev/ttyUSB0\"\n\n[ui]\nrotation = 45\n",
    )
    .unwrap();
    let out = kiosk(&[
        "--overrides",
        dir.path().join("none.toml").to_str().unwrap(),
        "config",
        "validate",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let shown = text(&out);
    assert!(
        shown.contains(&format!(
            "{}:5: devices.reader.baud: 12345 is not a rate",
            bad.display()
        )),
        "{shown}"
    );
    assert!(shown.contains(&format!("{}:9: ui.rotation", bad.display())), "{shown}");
    assert!(shown.contains("2 problem(s)"), "{shown}");

    std::fs::write(&bad, "[kiosk]\nid = \"K1\"\nsite = \"x\"\n").unwrap();
    let out = kiosk(&["config", "validate", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains(&format!("{}:3: kiosk.site: unknown field `site`", bad.display())),
        "{}",
        text(&out)
    );

    let packaged = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/kiosk.toml");
    let out = kiosk(&[
        "--overrides",
        dir.path().join("none.toml").to_str().unwrap(),
        "config",
        "validate",
        packaged.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("37 services"), "{}", text(&out));
}

#[test]
fn config_show_redacts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.toml");
    std::fs::write(
        &path,
        format!(
            "[kiosk]\nstate-dir = {:?}\n[central]\nurl = \"https://kiosk:hun@ter2@gw.example.gov.cn/api\"\n",
            dir.path().display().to_string()
        ),
    )
    .unwrap();
    let out = kiosk(&["--config", path.to_str().unwrap(), "config", "show"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let shown = text(&out);
    assert!(
        // The password holds an `@`: none of it may show.
        !shown.contains("hun") && !shown.contains("ter2") && shown.contains("https://***@gw.example.gov.cn/api"),
        "{shown}"
    );
    assert!(shown.contains("[devices.reader]"), "{shown}");
}

#[test]
fn catalogue_list_and_show() {
    let out = kiosk(&["catalogue", "list", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["items"].as_array().unwrap().len() >= 30);
    assert_eq!(json["stats"]["items"], json["items"].as_array().unwrap().len());
    let out = kiosk(&["catalogue", "show", "ee-001"]);
    assert!(
        text(&out).contains("普通护照首次申领") && text(&out).contains("￥120.00"),
        "{}",
        text(&out)
    );
    let out = kiosk(&["catalogue", "show", "--json", "ID-003"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["item"]["fee-fen"], 4000);
    assert_eq!(json["materials"][2]["mandatory"], false);
    let out = kiosk(&["catalogue", "show", "XX-999"]);
    assert_eq!(out.status.code(), Some(6));
}

#[test]
fn outbox_commands_are_masked_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(dir.path());
    {
        let mut store = Store::open_in(&dir.path().join("state")).unwrap();
        store.submit(&application("app-1"), &[], "T01", 1_764_000_000).unwrap();
        store.submit(&application("app-2"), &[], "T01", 1_764_000_000).unwrap();
        let entry = store.outbox_claim_due(1_764_000_000).unwrap().unwrap();
        store.outbox_mark_dead(entry.id, 1_764_000_001, "422 refused").unwrap();
    }
    let c = config.to_str().unwrap();
    let out = kiosk(&["--config", c, "outbox", "list"]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("330212********1232 林*燕") && shown.contains("dead") && shown.contains("2 row(s)"),
        "{shown}"
    );
    let out = kiosk(&["--config", c, "outbox", "list", "--state", "dead", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    let receipt = rows[0]["receipt_no"].as_str().unwrap().to_string();
    let out = kiosk(&["--config", c, "outbox", "show", &receipt]);
    assert!(text(&out).contains("422 refused"), "{}", text(&out));
    let out = kiosk(&["--config", c, "outbox", "retry", "app-1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = kiosk(&["--config", c, "outbox", "retry", "nothing"]);
    assert_eq!(out.status.code(), Some(6));
    let export = dir.path().join("export.jsonl");
    let out = kiosk(&["--config", c, "outbox", "export", "--out", export.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let exported = std::fs::read_to_string(&export).unwrap();
    assert_eq!(exported.lines().count(), 2);
    for output in [exported, shown] {
        assert!(!output.contains(FULL_ID) && !output.contains("林晓燕") && !output.contains("13700001111"));
    }
    let mut store = Store::open_in(&dir.path().join("state")).unwrap();
    let actions: Vec<String> = store.audit_entries().unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, vec!["outbox.retry", "outbox.export"]);
}

#[test]
fn a_broken_state_dir_is_a_storage_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let path = dir.path().join("k.toml");
    std::fs::write(
        &path,
        format!(
            "[kiosk]\nstate-dir = {:?}\n",
            blocker.join("state").display().to_string()
        ),
    )
    .unwrap();
    let out = kiosk(&["--config", path.to_str().unwrap(), "outbox", "list"]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(text(&out).contains("storage in"), "{}", text(&out));
}

/// `kiosk run --headless` for `secs` seconds: its output and what it said.
fn run_headless(config: &Path, secs: &str) -> (std::process::Output, String) {
    let out = kiosk(&[
        "--config",
        config.to_str().unwrap(),
        "run",
        "--headless",
        "--exit-after",
        secs,
    ]);
    let shown = text(&out);
    (out, shown)
}

#[test]
fn an_installed_configuration_without_its_reader_and_printer_refuses_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "[kiosk]\nstate-dir = {:?}\n\n[devices.reader]\nkind = \"serial\"\nport = \"/dev/ttyUSB9\"\n",
            dir.path().join("state").display().to_string()
        ),
    )
    .unwrap();
    let (out, shown) = run_headless(&config, "1");
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("[devices.printer]")
            && shown.contains("simulated = true")
            && !shown.contains("[devices.reader] or"),
        "{shown}"
    );
}

#[test]
fn run_says_what_it_runs_and_sends_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_in(dir.path());
    {
        let mut store = Store::open_in(&dir.path().join("state")).unwrap();
        store.submit(&application("app-1"), &[], "T01", 0).unwrap();
    }
    let (out, shown) = run_headless(&config, "2");
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("in-process simulation") && shown.contains("kiosk stopped"),
        "{shown}"
    );
    let mut store = Store::open_in(&dir.path().join("state")).unwrap();
    assert_eq!(
        store.outbox_get("app-1").unwrap().state,
        township_kiosk::storage::outbox::OutboxState::Sent
    );
}

mod reader {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    use township_kiosk::devices::card_reader::fixtures::fixture;
    use township_kiosk::devices::card_reader::sim::{SimCardReader, SimReaderOptions};

    #[test]
    fn read_card_json_is_masked_with_the_documented_keys() {
        let sim = SimCardReader::start(SimReaderOptions::default()).unwrap();
        sim.place(fixture("hkmotw").unwrap());
        let out = kiosk(&[
            "read-card",
            "--port",
            sim.path().to_str().unwrap(),
            "--wait",
            "3",
            "--json",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            vec![
                "card_type",
                "name",
                "name_en",
                "sex",
                "ethnicity",
                "birth_date",
                "address",
                "id_number",
                "issuer",
                "valid_from",
                "valid_to",
                "pass_number",
                "issue_count",
                "nationality",
                "appended_address",
                "sam_id",
                "has_fingerprint",
                "photo_bytes"
            ]
        );
        assert_eq!(json["card_type"], "hkmotw");
        assert_eq!(json["name"], "何*欣");
        assert_eq!(json["id_number"], "810000********0029");
        assert_eq!(json["pass_number"], "H6*****45");
        assert_eq!(json["ethnicity"], serde_json::Value::Null);
        assert_eq!(
            json["birth_date"], "1988-**-**",
            "only the year next to a masked number"
        );
        assert_eq!(json["photo_bytes"], 1024);
        assert_eq!(json["has_fingerprint"], false);
        assert!(!text(&out).contains("何嘉欣") && !text(&out).contains("天童南路"));
    }

    #[test]
    fn reveal_asks_for_the_pin_shows_everything_and_is_audited_in_the_kiosk_store() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path());
        let c = config.to_str().unwrap();
        let sim = SimCardReader::start(SimReaderOptions::default()).unwrap();
        sim.place(fixture("resident-elderly").unwrap());
        let port = sim.path().to_str().unwrap().to_string();
        let reveal = ["--config", c, "read-card", "--port", &port, "--json", "--reveal"];
        // No PIN set yet: refused, nothing shown.
        drop(Store::open_in(&dir.path().join("state")).unwrap());
        let out = kiosk_with_input(&reveal, "");
        assert_eq!(out.status.code(), Some(7), "{}", text(&out));
        assert!(text(&out).contains("kiosk technician set-pin"), "{}", text(&out));
        let out = kiosk_with_input(&["--config", c, "technician", "set-pin"], "246810\n246810\n");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        // A wrong PIN shows nothing.
        let out = kiosk_with_input(&reveal, "111111\n");
        assert_eq!(out.status.code(), Some(7), "{}", text(&out));
        assert!(
            out.stdout.is_empty() && !text(&out).contains("王阿根"),
            "{}",
            text(&out)
        );
        let out = kiosk_with_input(&reveal, "246810\n");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            (json["name"].as_str(), json["valid_to"].as_str()),
            (Some("王阿根"), Some("long-term"))
        );
        assert_eq!(json["id_number"], "330225194203080614");
        assert_eq!(json["appended_address"], "浙江省象山县石浦镇金山路21弄3号");
        let mut store = Store::open_in(&dir.path().join("state")).unwrap();
        let audit = store.audit_entries().unwrap();
        let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["technician.set-pin", "technician.pin-wrong", "read-card.reveal"]
        );
        let reveal_entry = audit.last().unwrap();
        assert!(
            reveal_entry.detail.contains("330225********0614") && !reveal_entry.detail.contains("330225194203080614")
        );

        // --config pointing at a throw-away store (with its own PIN hash) is refused.
        let hash = std::fs::read_to_string(dir.path().join("state/overrides.toml")).unwrap();
        let evil = dir.path().join("evil.toml");
        std::fs::write(
            &evil,
            format!(
                "[kiosk]\nstate-dir = {:?}\n{hash}",
                dir.path().join("throwaway").display().to_string()
            ),
        )
        .unwrap();
        let e = evil.to_str().unwrap();
        let out = kiosk_with_input(&["--config", e, "read-card", "--port", &port, "--reveal"], "246810\n");
        assert_eq!(out.status.code(), Some(5), "{}", text(&out));
        assert!(text(&out).contains("not an established kiosk store"), "{}", text(&out));
        assert!(!text(&out).contains("王阿根"));
        let out = kiosk(&["--config", e, "outbox", "export"]);
        assert_eq!(out.status.code(), Some(5), "{}", text(&out));
        assert!(!dir.path().join("throwaway/kiosk.db").exists());
    }

    #[test]
    fn no_card_and_reader_errors_have_their_exit_codes() {
        let sim = SimCardReader::start(SimReaderOptions::default()).unwrap();
        let out = kiosk(&["read-card", "--port", sim.path().to_str().unwrap(), "--wait", "1"]);
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        sim.set_sam_status(Some(0x66));
        let out = kiosk(&["read-card", "--port", sim.path().to_str().unwrap(), "--wait", "1"]);
        assert_eq!(out.status.code(), Some(4));
        assert!(text(&out).contains("SW3 0x66 SAM not authorised"), "{}", text(&out));
        let out = kiosk(&["sam-info", "--port", "/dev/no-such-reader"]);
        assert_eq!(out.status.code(), Some(4));
        assert!(text(&out).contains("cannot open /dev/no-such-reader"), "{}", text(&out));
    }

    #[test]
    fn the_standalone_simulator_works_as_a_newcomer_would_try_it() {
        let mut sim = Command::new(env!("CARGO_BIN_EXE_kiosk"))
            .args(["sim", "reader", "--card", "foreign2023"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut path = String::new();
        BufReader::new(sim.stdout.take().unwrap()).read_line(&mut path).unwrap();
        let path = path.trim().to_string();
        let out = kiosk(&["sam-info", "--port", &path]);
        assert!(
            text(&out).contains("05.01-20200101-0000000123-0000456789"),
            "{}",
            text(&out)
        );
        let out = kiosk(&["read-card", "--port", &path, "--wait", "3"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(
            text(&out).contains("foreign2023") && text(&out).contains("933840********0017"),
            "{}",
            text(&out)
        );
        let mut stdin = sim.stdin.take().unwrap();
        writeln!(stdin, "lift").unwrap();
        writeln!(stdin, "place resident-rare-name").unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
        let out = kiosk(&["read-card", "--port", &path, "--wait", "3", "--json"]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["name"], "林*喆");
        writeln!(stdin, "quit").unwrap();
        drop(stdin);
        let _ = sim.kill();
        let _ = sim.wait();
    }
}

mod printer {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::time::Duration;
    use township_kiosk::devices::printer::sim::{SimPrinter, SimPrinterOptions};
    use township_kiosk::devices::printer::status::PrinterStatus;

    fn png_qr(path: &Path) -> Vec<String> {
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let (w, h) = (info.width as usize, info.height as usize);
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
        image
            .detect_grids()
            .into_iter()
            .filter_map(|g| g.decode().ok().map(|(_, t)| t))
            .collect()
    }

    #[test]
    fn receipt_render_png_and_bin() {
        let dir = tempfile::tempdir().unwrap();
        let url = township_kiosk::app::sample::receipt().progress_url;
        for (profile, lang) in [("generic-58mm", "zh"), ("generic-80mm", "en"), ("xprinter-80mm", "zh")] {
            let png = dir.path().join(format!("{profile}-{lang}.png"));
            let out = kiosk(&[
                "receipt",
                "render",
                "--sample",
                "--profile",
                profile,
                "--lang",
                lang,
                "--out",
                png.to_str().unwrap(),
            ]);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out));
            assert_eq!(png_qr(&png), vec![url.clone()], "{profile} {lang}");
        }
        let bin = dir.path().join("r.bin");
        let out = kiosk(&["receipt", "render", "--sample", "--out", bin.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0));
        let bytes = std::fs::read(&bin).unwrap();
        assert!(bytes.starts_with(&[0x1B, 0x40, 0x1C, 0x26]) && bytes.len() < 4096);
        let out = kiosk(&[
            "receipt",
            "render",
            "--sample",
            "--profile",
            "nope",
            "--out",
            bin.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out).contains("no printer profile \"nope\""), "{}", text(&out));
        let out = kiosk(&["receipt", "render", "--out", bin.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
    }

    #[test]
    fn test_print_and_status_over_every_transport() {
        let dir = tempfile::tempdir().unwrap();
        let sim = SimPrinter::start(SimPrinterOptions::default()).unwrap();
        let tcp = sim.tcp_address().unwrap().to_string();
        let out = kiosk(&["test-print", "--tcp", &tcp]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let out = kiosk(&[
            "test-print",
            "--port",
            sim.path().to_str().unwrap(),
            "--profile",
            "xprinter-80mm",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert_eq!(sim.wait_for_pages(2, Duration::from_secs(5)).len(), 2);
        let out = kiosk(&["printer", "status", "--port", sim.path().to_str().unwrap()]);
        assert!(
            text(&out).contains("status:      online") && text(&out).contains("can print:   yes"),
            "{}",
            text(&out)
        );
        sim.set_status(PrinterStatus {
            paper_end: true,
            paper_near_end: true,
            ..PrinterStatus::OK
        });
        let out = kiosk(&["printer", "status", "--tcp", &tcp]);
        assert_eq!(out.status.code(), Some(4));
        assert!(text(&out).contains("paper out"), "{}", text(&out));
        let out = kiosk(&["test-print", "--tcp", &tcp]);
        assert_eq!(out.status.code(), Some(4));
        assert!(
            text(&out).contains("not printed: printer not printing: online, paper out"),
            "{}",
            text(&out)
        );
        let spool = dir.path().join("spool.bin");
        let out = kiosk(&["test-print", "--file", spool.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(text(&out).contains("not available"), "{}", text(&out));
        assert!(std::fs::read(&spool).unwrap().ends_with(&[0x1D, 0x56, 0x42, 0x00]));
        let out = kiosk(&["test-print", "--tcp", "127.0.0.1:1"]);
        assert_eq!(out.status.code(), Some(4));
        let out = kiosk(&["test-print"]);
        assert_eq!(out.status.code(), Some(2));
    }

    #[test]
    fn the_standalone_printer_simulator_saves_what_it_prints() {
        let dir = tempfile::tempdir().unwrap();
        let mut sim = Command::new(env!("CARGO_BIN_EXE_kiosk"))
            .args([
                "sim",
                "printer",
                "--tcp-port",
                "0",
                "--profile",
                "generic-58mm",
                "--out-dir",
                dir.path().to_str().unwrap(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(sim.stdout.take().unwrap()).lines();
        let _pty = lines.next().unwrap().unwrap();
        let tcp = lines.next().unwrap().unwrap();
        let out = kiosk(&["test-print", "--tcp", &tcp, "--profile", "generic-58mm"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let saved = dir.path().join("sim-receipt-001.png");
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !saved.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(
            png_qr(&saved),
            vec![township_kiosk::app::sample::receipt().progress_url]
        );
        let _ = sim.kill();
        let _ = sim.wait();
    }
}

mod window {
    use super::*;

    /// `kiosk run` opens a real window (winit/X11, software renderer) under Xvfb with the
    /// simulators behind it, runs, and stops cleanly.
    #[test]
    fn run_opens_the_touchscreen_window_under_xvfb() {
        // -displayfd: Xvfb picks a free display and writes its number once it accepts
        // connections (no fixed number to collide with, no race on the socket file).
        let mut xvfb = Command::new("Xvfb")
            .args(["-displayfd", "1", "-noreset", "-screen", "0", "1280x1920x24"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("Xvfb is needed for this test (scripts/test-all.sh installs the xvfb package)");
        let mut number = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(xvfb.stdout.take().unwrap()), &mut number).unwrap();
        let display = format!(":{}", number.trim());
        assert!(number.trim().parse::<u32>().is_ok(), "Xvfb did not start: {number:?}");
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path());
        let out = Command::new(env!("CARGO_BIN_EXE_kiosk"))
            .args(["--config", config.to_str().unwrap(), "run", "--exit-after", "3"])
            .env("DISPLAY", &display)
            .env("KIOSK_LOG", "warn")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .unwrap();
        // SIGTERM lets Xvfb remove its lock and socket (SIGKILL would leave them behind).
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(xvfb.id() as libc::pid_t, libc::SIGTERM) };
        let _ = xvfb.wait();
        let shown = text(&out);
        assert_eq!(out.status.code(), Some(0), "{shown}");
        assert!(
            shown.contains("UI:            touchscreen window 1080×1920 (simulated devices"),
            "{shown}"
        );
        assert!(
            shown.contains("simulated SAM reader") && shown.contains("kiosk stopped"),
            "{shown}"
        );
        // Without a display the kiosk says so instead of crashing.
        let out = Command::new(env!("CARGO_BIN_EXE_kiosk"))
            .args(["--config", config.to_str().unwrap(), "run", "--exit-after", "1"])
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(4), "{}", text(&out));
        assert!(text(&out).contains("Use --headless"), "{}", text(&out));
    }
}

mod bad_input {
    use super::*;

    #[test]
    fn garbage_files_and_arguments_get_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = dir.path().join("receipt.json");
        std::fs::write(&garbage, "{\"number\": 42,").unwrap();
        let out = kiosk(&[
            "receipt",
            "render",
            garbage.to_str().unwrap(),
            "--out",
            dir.path().join("x.png").to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out).contains("cannot read receipt"), "{}", text(&out));

        let out = kiosk(&[
            "screenshot",
            "--page",
            "nowhere",
            "--out",
            dir.path().join("s.png").to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out).contains("unknown page \"nowhere\""), "{}", text(&out));
        let out = kiosk(&[
            "screenshot",
            "--page",
            "welcome",
            "--size",
            "big",
            "--out",
            dir.path().join("s.png").to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out).contains("WIDTHxHEIGHT"), "{}", text(&out));

        let config = dir.path().join("k.toml");
        std::fs::write(
            &config,
            format!(
                "[kiosk]\nstate-dir = {:?}\ncatalogue = \"/srv/missing-catalogue.toml\"\n",
                dir.path().display().to_string()
            ),
        )
        .unwrap();
        let out = kiosk(&["config", "validate", config.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out).contains("cannot read catalogue /srv/missing-catalogue.toml"),
            "{}",
            text(&out)
        );
        let broken = dir.path().join("catalogue.toml");
        std::fs::write(
            &broken,
            township_kiosk::app::EMBEDDED_CATALOGUE.replacen("category = \"id-card\"", "category = \"nowhere\"", 1),
        )
        .unwrap();
        std::fs::write(
            &config,
            format!(
                "[kiosk]\nstate-dir = {:?}\ncatalogue = {:?}\n",
                dir.path().display().to_string(),
                broken.display().to_string()
            ),
        )
        .unwrap();
        let out = kiosk(&["config", "validate", config.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out).contains("unknown category \"nowhere\""), "{}", text(&out));

        let out = kiosk(&["read-card", "--port", "/dev/null", "--wait", "1"]);
        assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    }
}

/// Issue 8, points 2, 3, 4 and 6 as a technician meets them on the command line.
mod hardening {
    use super::*;

    fn state(dir: &Path) -> PathBuf {
        dir.join("state")
    }

    #[test]
    fn a_missing_key_stops_the_kiosk_with_advice_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path());
        Store::open_in(&state(dir.path()))
            .unwrap()
            .submit(&application("app-1"), &[], "T01", 1_764_000_000)
            .unwrap();
        let key = state(dir.path()).join("data.key");
        std::fs::rename(&key, dir.path().join("key.backup")).unwrap();
        for args in [&["outbox", "list"][..], &["status"][..]] {
            let out = kiosk(&[&["--config", config.to_str().unwrap()][..], args].concat());
            let shown = text(&out);
            assert_eq!(out.status.code(), Some(5), "{shown}");
            assert!(
                shown.contains(&key.display().to_string()) && shown.contains("restore the key file"),
                "{shown}"
            );
        }
        assert!(!key.exists(), "no new key was made");
        std::fs::rename(dir.path().join("key.backup"), &key).unwrap();
        let out = kiosk(&["--config", config.to_str().unwrap(), "outbox", "list"]);
        assert!(text(&out).contains("1 row(s)"), "{}", text(&out));
    }

    #[test]
    fn salvage_and_status_after_a_damaged_database() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path());
        let c = config.to_str().unwrap();
        let issued: Vec<String> = {
            let mut store = Store::open_in(&state(dir.path())).unwrap();
            (1..=3)
                .map(|i| {
                    store
                        .submit(&application(&format!("app-{i}")), &[], "T01", 1_764_000_000)
                        .unwrap()
                        .as_str()
                        .to_string()
                })
                .collect()
        };
        // Scribble over one page of the database (its outbox index).
        let db = state(dir.path()).join("kiosk.db");
        let page: usize = rusqlite::Connection::open(&db)
            .unwrap()
            .query_row(
                "SELECT rootpage FROM sqlite_schema WHERE name = 'outbox_due'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap() as usize;
        let mut bytes = std::fs::read(&db).unwrap();
        for b in bytes[(page - 1) * 4096..page * 4096].iter_mut() {
            *b = 0x5A;
        }
        std::fs::write(&db, &bytes).unwrap();
        let out = kiosk(&["--config", c, "outbox", "list"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let out = kiosk(&["--config", c, "status"]);
        let shown = text(&out);
        assert_eq!(out.status.code(), Some(5), "{shown}");
        assert!(
            shown.contains("moved aside: ") && shown.contains("kiosk storage salvage"),
            "{shown}"
        );
        let out = kiosk(&["--config", c, "status", "--json"]);
        let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let aside = status["moved_aside"][0].as_str().unwrap().to_string();
        // The receipt numbers already issued are not issued again.
        let fresh = Store::open_in(&state(dir.path()))
            .unwrap()
            .submit(&application("app-new"), &[], "T01", 1_764_000_100)
            .unwrap();
        assert!(!issued.contains(&fresh.as_str().to_string()), "{fresh} reissued");

        let out = kiosk(&["--config", c, "storage", "salvage", &aside]);
        let shown = text(&out);
        assert_eq!(out.status.code(), Some(0), "{shown}");
        assert!(shown.contains("3 re-queued, 0 already queued"), "{shown}");
        assert!(
            shown.contains("330212********1232 林*燕") && shown.contains(&issued[0]),
            "{shown}"
        );
        let out = kiosk(&["--config", c, "storage", "salvage", &aside, "--json"]);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            (report["requeued"].as_array().unwrap().len(), &report["already_queued"]),
            (0, &serde_json::json!(3))
        );
        let out = kiosk(&["--config", c, "storage", "salvage", "/no/such/file"]);
        assert_eq!(out.status.code(), Some(6), "{}", text(&out));
        let out = kiosk(&["--config", c, "outbox", "list"]);
        assert!(text(&out).contains("4 row(s)"), "{}", text(&out));
        for output in [shown, text(&out)] {
            assert!(!output.contains(FULL_ID) && !output.contains("林晓燕") && !output.contains("13700001111"));
        }
    }

    /// A supplement (补交材料) waiting is an unsent delivery: the package's prerm counts it,
    /// `outbox list` shows it, `status` counts it and raises an alarm for a refused one.
    #[test]
    fn supplements_are_counted_listed_and_a_refused_one_alarms() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path());
        let c = config.to_str().unwrap();
        {
            let mut store = Store::open_in(&state(dir.path())).unwrap();
            store
                .supplement_enqueue(
                    "T01-261126-0001-7",
                    &township_kiosk::central_api::SupplementProof::Token { token: "t".into() },
                    &[("household-book".into(), vec![1, 2, 3])],
                    1_000,
                )
                .unwrap();
        }
        let out = kiosk(&["--config", c, "outbox", "unsent"]);
        assert_eq!(text(&out).trim(), "1", "{}", text(&out));
        let out = kiosk(&["--config", c, "outbox", "list"]);
        assert!(
            text(&out).contains("supplements (补交材料)") && text(&out).contains("T01-261126-0001-7"),
            "{}",
            text(&out)
        );
        {
            let mut store = Store::open_in(&state(dir.path())).unwrap();
            let entry = store.supplement_claim_due(1_001).unwrap().unwrap();
            store
                .supplement_finish(entry.id, "dead", 1_002, 1_002, Some("case_closed"))
                .unwrap();
        }
        let out = kiosk(&["--config", c, "status", "--json"]);
        let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(status["outbox"]["supplements"]["dead"], 1, "{status}");
        assert!(
            status["alarms"].to_string().contains("supplement(s) refused"),
            "{status}"
        );
        let out = kiosk(&["--config", c, "outbox", "unsent"]);
        assert_eq!(text(&out).trim(), "1", "a refused one is not delivered either");
    }

    #[test]
    fn status_shows_a_failed_purge_and_the_outbox() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path());
        let c = config.to_str().unwrap();
        let out = kiosk(&["--config", c, "status"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(text(&out).contains("not created yet"), "{}", text(&out));
        {
            let mut store = Store::open_in(&state(dir.path())).unwrap();
            store.submit(&application("app-1"), &[], "T01", 1_000).unwrap();
        }
        let conn = rusqlite::Connection::open(state(dir.path()).join("kiosk.db")).unwrap();
        conn.execute(
            "INSERT INTO maintenance (task, at, ok, count, error) VALUES ('purge', 1764000000, 0, NULL, 'database is locked')",
            [],
        )
        .unwrap();
        drop(conn);
        let out = kiosk(&["--config", c, "status", "--json"]);
        assert_eq!(out.status.code(), Some(5), "{}", text(&out));
        let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(status["outbox"]["counts"]["pending"], 1);
        assert!(status["outbox"]["oldest_unsent_age_secs"].as_i64().unwrap() > 0);
        assert_eq!(status["last_purge"]["error"], "database is locked");
        assert_eq!(status["storage"]["key"], "verified");
        assert!(status["version"].as_str().unwrap().contains("(git "));
        let out = kiosk(&["--config", c, "status"]);
        assert!(text(&out).contains("FAILED: database is locked"), "{}", text(&out));
    }

    #[test]
    fn audit_verify_names_the_first_bad_entry_and_list_is_masked() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path());
        let c = config.to_str().unwrap();
        let out = kiosk(&["--config", c, "audit", "verify"]);
        assert_eq!(out.status.code(), Some(5), "no store yet: {}", text(&out));
        {
            let mut store = Store::open_in(&state(dir.path())).unwrap();
            store.submit(&application("app-1"), &[], "T01", 1_764_000_000).unwrap();
            store.audit("technician:cli", "outbox.retry", "row 1").unwrap();
            store
                .audit("technician:cli", "test", &format!("slipped {FULL_ID}"))
                .unwrap();
            store.audit("technician:cli", "outbox.retry", "row 2").unwrap();
        }
        let out = kiosk(&["--config", c, "audit", "verify"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(
            text(&out).contains("audit log intact: 3 entries; head #3 "),
            "{}",
            text(&out)
        );
        let out = kiosk(&["--config", c, "audit", "list"]);
        let shown = text(&out);
        assert!(
            shown.contains("slipped 330212********1232") && !shown.contains(FULL_ID),
            "{shown}"
        );
        let out = kiosk(&["--config", c, "audit", "list", "--json", "--last", "1"]);
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(rows[0]["detail"], "row 2");
        // Each append writes the head to the journal.
        let out = Command::new(env!("CARGO_BIN_EXE_kiosk"))
            .args(["--config", c, "outbox", "retry", "app-1"])
            .env("KIOSK_LOG", "info")
            .env_remove("KIOSK_CONFIG")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("audit head #4 "),
            "{}",
            text(&out)
        );
        let conn = rusqlite::Connection::open(state(dir.path()).join("kiosk.db")).unwrap();
        conn.execute("UPDATE audit_log SET detail = 'row 9' WHERE id = 3", [])
            .unwrap();
        drop(conn);
        let out = kiosk(&["--config", c, "audit", "verify"]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(
            text(&out).contains("entry 3 is the first that does not verify"),
            "{}",
            text(&out)
        );
    }

    #[test]
    fn set_pin_asks_twice_and_five_wrong_pins_lock_it() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path());
        let c = config.to_str().unwrap();
        let set_pin = ["--config", c, "technician", "set-pin"];
        let out = kiosk_with_input(&set_pin, "246810\n246811\n");
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(text(&out).contains("differ"), "{}", text(&out));
        let out = kiosk_with_input(&set_pin, "12ab\n12ab\n");
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(text(&out).contains("6 to 12 digits"), "{}", text(&out));
        let out = kiosk_with_input(&set_pin, "246810\n246810\n");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(!text(&out).contains("246810"), "never echoed: {}", text(&out));
        let overrides = std::fs::read_to_string(state(dir.path()).join("overrides.toml")).unwrap();
        assert!(overrides.contains("pin-hash = \"$argon2id$"), "{overrides}");
        let out = kiosk(&["--config", c, "config", "show"]);
        assert!(!text(&out).contains("$argon2id$"), "{}", text(&out));
        // Changing it needs the current PIN; five wrong ones lock it, restarts included.
        for _ in 0..4 {
            let out = kiosk_with_input(&set_pin, "000000\n");
            assert_eq!(out.status.code(), Some(7), "{}", text(&out));
        }
        let out = kiosk_with_input(&set_pin, "000000\n");
        assert!(text(&out).contains("locked for 60 s"), "{}", text(&out));
        let out = kiosk_with_input(&set_pin, "246810\n135790\n135790\n");
        assert_eq!(out.status.code(), Some(7), "{}", text(&out));
        assert!(text(&out).contains("try again in"), "{}", text(&out));
        let out = kiosk_with_input(&set_pin, "");
        assert_eq!(out.status.code(), Some(7), "{}", text(&out));
        let mut store = Store::open_in(&state(dir.path())).unwrap();
        let actions: Vec<String> = store.audit_entries().unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(
            actions.iter().filter(|a| *a == "technician.pin-wrong").count(),
            5,
            "{actions:?}"
        );
        assert_eq!(actions[0], "technician.set-pin");
    }
}

#[test]
fn ime_query_prints_candidates_in_order() {
    let out = kiosk(&["ime", "query", "shipu", "--region", "330225", "--top", "3", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let candidates = json.as_object().unwrap();
    assert_eq!(candidates.keys().collect::<Vec<_>>(), ["candidates"]);
    let list = candidates["candidates"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0], "石浦");
    let out = kiosk(&["ime", "query", "pcs", "--json", "--top", "1"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json, serde_json::json!({"candidates": ["派出所"]}));
    let out = kiosk(&["ime", "query", "sipu", "--region", "330225", "--no-fuzzy", "--json"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("石浦"));
    let out = kiosk(&["ime", "query", "shipuzhen", "--region", "330225", "--top", "3"]);
    assert!(text(&out).lines().next().unwrap().contains("石浦镇"), "{}", text(&out));
    let out = kiosk(&["ime", "query", "shipu", "--region", "999999"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn divisions_show_and_children() {
    let out = kiosk(&["divisions", "show", "330225101"]);
    assert!(out.status.success());
    let shown = text(&out);
    for name in ["浙江省", "宁波市", "象山县", "石浦镇"] {
        assert!(shown.contains(name), "{shown}");
    }
    let out = kiosk(&["divisions", "children", "330225"]);
    assert!(text(&out).contains("330225101     township  石浦镇"), "{}", text(&out));
    assert_eq!(
        kiosk(&["divisions", "children"])
            .stdout
            .iter()
            .filter(|b| **b == b'\n')
            .count(),
        31
    );
    assert_eq!(kiosk(&["divisions", "show", "999999"]).status.code(), Some(6));
}

#[test]
fn camera_list_capture_and_status() {
    let out = kiosk(&["camera", "list", "--json"]);
    assert!(out.status.success());
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed["cameras"].as_array().unwrap().last().unwrap()["device"], "sim");

    let dir = tempfile::tempdir().unwrap();
    let jpeg = dir.path().join("page.jpg");
    let out = kiosk(&[
        "camera",
        "capture",
        "--device",
        "sim",
        "--out",
        jpeg.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr).into_owned()
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["page_found"], true);
    let bytes = std::fs::read(&jpeg).unwrap();
    assert_eq!(report["bytes"], bytes.len());
    assert!(bytes.starts_with(&[0xFF, 0xD8]) && bytes.len() <= 500 * 1024);
    assert_eq!(
        report["width"]
            .as_u64()
            .unwrap()
            .min(report["height"].as_u64().unwrap()),
        1240
    );

    let out = kiosk(&[
        "camera",
        "capture",
        "--device",
        "/dev/video-none",
        "--out",
        jpeg.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(4), "a device error");
    let error = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        error.contains("/dev/video-none") && error.contains("camera.not-found"),
        "{error}"
    );

    // A configured camera that is not there is an alarm in `kiosk status`.
    let config = config_in(dir.path());
    let mut toml = std::fs::read_to_string(&config).unwrap();
    toml.push_str("[devices.camera]\nkind = \"v4l2\"\ndevice = \"/dev/video-none\"\n");
    std::fs::write(&config, toml).unwrap();
    let out = kiosk(&["--config", config.to_str().unwrap(), "status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["camera"]["present"], false);
    assert!(status["alarms"]
        .to_string()
        .contains("camera /dev/video-none not found"));
}

#[test]
fn id_check_accepts_an_enterprise_credit_code() {
    let out = kiosk(&["id", "check", "91350100M000100Y43", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["kind"], "enterprise");
    assert_eq!(json["region"], "350100");
    // One character off: refused with the ID number's reason (it is neither).
    let out = kiosk(&["id", "check", "91350100M000100Y44"]);
    assert_eq!(out.status.code(), Some(1));
    // A resident-number shape whose check character happens to fit: authority 9 has no kind
    // 9, and 999919 is no division. Neither an ID number nor a credit code.
    let out = kiosk(&["id", "check", "999999198502300073"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}
