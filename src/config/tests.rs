//! Configuration loading, checking, overrides and redaction.

use super::*;
use std::fs;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

fn state_dir_line(dir: &Path) -> String {
    format!("[kiosk]\nstate-dir = {:?}\n", dir.display().to_string())
}

#[test]
fn embedded_defaults_are_valid() {
    assert_eq!(Config::default().check(), Vec::<(String, String)>::new());
    let dir = tempfile::tempdir().unwrap();
    let loaded = load(None, Some(&dir.path().join("none.toml"))).unwrap();
    assert_eq!(loaded.config.devices.reader.kind, ReaderKind::Sim);
    assert!(loaded.source.is_none());
}

#[test]
fn the_packaged_config_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/kiosk.toml");
    let loaded = load(Some(&path), Some(&dir.path().join("overrides.toml"))).unwrap();
    assert_eq!(loaded.config.kiosk.receipt_prefix, "XSSP");
    assert_eq!(loaded.config.devices.reader.kind, ReaderKind::Serial);
}

#[test]
fn an_unknown_key_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "k.toml",
        "[kiosk]\nid = \"x\"\n\n[devices.reader]\nbaud = 115200\nspeed = 3\n",
    );
    let errors = load(Some(&path), None).unwrap_err().0;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].line, errors[0].key.as_str()),
        (Some(6), "devices.reader.speed")
    );
    assert!(
        errors[0].message.contains("unknown field `speed`"),
        "{}",
        errors[0].message
    );
    let shown = errors[0].to_string();
    assert!(
        shown.starts_with(&format!("{}:6: devices.reader.speed:", path.display())),
        "{shown}"
    );
}

#[test]
fn a_wrong_type_and_bad_syntax_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "k.toml", "[timeouts]\nidle-warning-secs = \"sixty\"\n");
    let errors = load(Some(&path), None).unwrap_err().0;
    assert_eq!(
        (errors[0].line, errors[0].key.as_str()),
        (Some(2), "timeouts.idle-warning-secs")
    );
    let path = write(dir.path(), "k2.toml", "[ui]\nrotation = \n");
    let errors = load(Some(&path), None).unwrap_err().0;
    assert_eq!(errors[0].line, Some(2));
}

#[test]
fn every_semantic_problem_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}receipt-prefix = \"x\"\n\n[devices.reader]\nbaud = 12345\n\n[ui]\nrotation = 45\ndefault-language = \"en\"\nlanguages = [\"zh-CN\"]\n\n[central]\nurl = \"http://gateway.example\"\n",
        state_dir_line(dir.path())
    );
    let path = write(dir.path(), "k.toml", &text);
    let errors = load(Some(&path), None).unwrap_err().0;
    let found: Vec<(Option<usize>, &str)> = errors.iter().map(|e| (e.line, e.key.as_str())).collect();
    assert_eq!(
        found,
        vec![
            (Some(3), "kiosk.receipt-prefix"),
            (Some(6), "devices.reader.baud"),
            (Some(14), "central.url"),
            (Some(10), "ui.default-language"),
            (Some(9), "ui.rotation"),
        ]
    );
}

#[test]
fn overrides_win_and_problems_in_them_blame_the_overrides_file() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(
        dir.path(),
        "k.toml",
        &format!(
            "{}site-name = \"A\"\n\n[devices.reader]\nbaud = 115200\n",
            state_dir_line(dir.path())
        ),
    );
    let overrides = dir.path().join("overrides.toml");
    set_override(&overrides, "devices.reader.baud", toml::Value::Integer(57_600)).unwrap();
    set_override(&overrides, "kiosk.site-name", toml::Value::String("B".into())).unwrap();
    let loaded = load(Some(&base), None).unwrap();
    assert_eq!(loaded.config.devices.reader.baud, 57_600);
    assert_eq!(loaded.config.kiosk.site_name, "B");
    assert_eq!(loaded.overrides.as_deref(), Some(overrides.as_path()));
    // The packaged file is untouched.
    assert!(fs::read_to_string(&base).unwrap().contains("baud = 115200"));

    set_override(&overrides, "devices.reader.baud", toml::Value::Integer(1)).unwrap();
    let errors = load(Some(&base), None).unwrap_err().0;
    assert_eq!(errors[0].file, overrides);
    assert_eq!(errors[0].key, "devices.reader.baud");
    assert!(errors[0].line.is_some());

    fs::write(&overrides, "[devices.reader]\nbuad = 9600\n").unwrap();
    let errors = load(Some(&base), None).unwrap_err().0;
    assert_eq!((errors[0].file.clone(), errors[0].line), (overrides, Some(2)));
}

#[test]
fn unreadable_file_is_a_clear_error() {
    let errors = load(Some(Path::new("/nonexistent/kiosk.toml")), None).unwrap_err();
    assert!(errors.to_string().contains("cannot read"), "{errors}");
}

#[test]
fn show_redacts_credentials_in_urls() {
    let mut config = Config::default();
    config.central.url = "https://kiosk:s3cret@gw.example.gov.cn/api".into();
    let shown = config.to_redacted_toml();
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("https://***@gw.example.gov.cn/api"));
    assert!(shown.contains("receipt-prefix"));
}

#[test]
fn elderly_mode_lengthens_idle_times() {
    let config = Config::default();
    let normal = config.session_timeouts(false);
    let elderly = config.session_timeouts(true);
    assert_eq!(normal.warn_after_ms, 60_000);
    assert_eq!(elderly.warn_after_ms, 120_000);
    assert_eq!(elderly.grace_ms, 40_000);
}

#[test]
fn central_url_is_judged_by_its_parsed_host() {
    let problems_for = |url: &str| {
        let mut config = Config::default();
        config.central.url = url.into();
        config
            .check()
            .into_iter()
            .filter(|(key, _)| key == "central.url")
            .count()
    };
    for good in [
        "sim",
        "https://gateway.example.gov.cn/kiosk/v1",
        "http://127.0.0.1:8080/api",
        "http://127.1.2.3/",
        "http://localhost:9000",
        "http://[::1]:9000/api",
    ] {
        assert_eq!(problems_for(good), 0, "{good}");
    }
    for bad in [
        "http://127.evil.cn/api",
        "http://127.0.0.1.evil.cn/",
        "http://127.0.0.1@evil.cn/",
        "http://localhost.evil.cn/",
        "http://10.0.0.1/",
        "ftp://127.0.0.1/",
        "https://",
        "not a url",
    ] {
        assert_eq!(problems_for(bad), 1, "{bad}");
    }
}

#[test]
fn durations_that_would_overflow_are_refused_and_never_panic() {
    let mut config = Config::default();
    config.timeouts.farewell_secs = u64::MAX;
    config.timeouts.card_read_secs = u64::MAX;
    config.timeouts.idle_warning_secs = u64::MAX;
    config.timeouts.idle_grace_secs = u64::MAX;
    config.central.heartbeat_secs = u64::MAX;
    let keys: Vec<String> = config.check().into_iter().map(|(key, _)| key).collect();
    for key in [
        "timeouts.farewell-secs",
        "timeouts.card-read-secs",
        "timeouts.idle-warning-secs",
        "timeouts.idle-grace-secs",
        "central.heartbeat-secs",
    ] {
        assert!(keys.iter().any(|k| k == key), "{key} not refused: {keys:?}");
    }
    // Even unchecked, turning them into milliseconds saturates instead of panicking.
    let timeouts = config.session_timeouts(true);
    assert_eq!(timeouts.farewell_ms, u64::MAX);
}

#[test]
fn a_password_with_an_at_sign_is_redacted_whole() {
    let mut config = Config::default();
    config.central.url = "https://kiosk:p@ss@gw.example.gov.cn/api".into();
    let shown = config.to_redacted_toml();
    assert!(!shown.contains("p@ss") && !shown.contains("ss@gw"), "{shown}");
    assert!(shown.contains("https://***@gw.example.gov.cn/api"), "{shown}");
    // A URL that does not parse is cut at its last `@`, and a problem never echoes it.
    config.central.url = "http://kiosk:p@ss@evil cn/".into();
    assert!(!config.to_redacted_toml().contains("ss@"));
    let problems = format!("{:?}", config.check());
    assert!(
        problems.contains("central.url") && !problems.contains("p@ss"),
        "{problems}"
    );
}

#[test]
fn a_text_is_checked_without_touching_files() {
    let name = Path::new("fuzz.toml");
    assert!(parse_str("[kiosk]\nid = \"K1\"\n", name).is_ok());
    let errors = parse_str("[timeouts]\nfarewell-secs = 9223372036854775807\n", name).unwrap_err();
    assert_eq!(errors.0[0].key, "timeouts.farewell-secs");
    assert_eq!(errors.0[0].line, Some(2));
    assert!(parse_str("[kiosk\n", name).is_err());
}

#[test]
fn central_enrolment_keys_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let enrolled = format!(
        "{}id = \"KIOSK-7\"\nreceipt-prefix = \"K7\"\n\n[central]\nurl = \"https://127.0.0.1:8443\"\nca = \"/e/ca.pem\"\ncert = \"/e/kiosk.pem\"\nkey = \"/e/kiosk.key\"\nkiosk-id = \"KIOSK-7\"\nreceipt-prefix = \"K7\"\n",
        state_dir_line(dir.path()),
    );
    let path = write(dir.path(), "k.toml", &enrolled);
    let loaded = load(Some(&path), None).unwrap();
    assert_eq!(loaded.config.central.kiosk_id.as_deref(), Some("KIOSK-7"));

    let mut config = loaded.config.clone();
    config.central.key = None;
    config.central.kiosk_id = Some("OTHER".into());
    config.central.lookup_key = Some("ab".repeat(32));
    config.central.receipt_prefix = Some("XSSP".into());
    let keys: Vec<String> = config.check().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        [
            "central.key",
            "central.kiosk-id",
            "central.lookup-key",
            "central.receipt-prefix"
        ],
        "a key shared by every kiosk is refused, and so is a prefix the kiosk was not enrolled for"
    );
    assert!(!config.to_redacted_toml().contains(&"ab".repeat(32)));

    let mut plain = loaded.config;
    plain.central.url = "sim".into();
    assert!(plain.check().iter().any(|(k, _)| k == "central.url"));
    assert_eq!(Config::default().central.url, "sim");
}

#[test]
fn gpio_defaults_to_the_simulator_on_the_pi_map() {
    let gpio = Config::default().devices.gpio;
    assert_eq!((gpio.kind, gpio.board.as_str()), (GpioKind::Sim, "raspberry-pi-4"));
}

#[test]
fn gpio_problems_name_the_key_and_what_to_do() {
    let check = |text: &str| {
        parse_str(text, Path::new("k.toml"))
            .unwrap_err()
            .0
            .into_iter()
            .map(|p| (p.line, p.key, p.message))
            .collect::<Vec<_>>()
    };
    let unknown = check("[devices.gpio]\nkind = \"rppal\"\nboard = \"orange-pi\"\n");
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert_eq!((unknown[0].0, unknown[0].1.as_str()), (Some(3), "devices.gpio.board"));
    assert!(unknown[0].2.contains("raspberry-pi-4, generic-gpiochip"), "{unknown:?}");

    let wrong_backend = check("[devices.gpio]\nkind = \"rppal\"\nboard = \"generic-gpiochip\"\n");
    assert!(
        wrong_backend[0].2.contains("is for gpiocdev, not kind = \"rppal\""),
        "{wrong_backend:?}"
    );

    let chip_without_cdev = check("[devices.gpio]\nkind = \"rppal\"\nchip = \"/dev/gpiochip1\"\n");
    assert_eq!(chip_without_cdev[0].1, "devices.gpio.chip");

    let dimming = check("[devices.gpio]\ndim-after-secs = 2\ndim-percent = 140\n");
    let keys: Vec<&str> = dimming.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(keys, ["devices.gpio.dim-after-secs", "devices.gpio.dim-percent"]);

    let old_keys = parse_str("[devices.gpio]\npresence-pin = 17\n", Path::new("k.toml"))
        .unwrap_err()
        .0;
    assert!(
        old_keys[0].message.contains("unknown field `presence-pin`"),
        "{old_keys:?}"
    );
}

#[test]
fn a_board_map_file_is_checked_too() {
    let dir = tempfile::tempdir().unwrap();
    let board = write(
        dir.path(),
        "my-board.toml",
        "description = \"x\"\nbackends = [\"gpiocdev\"]\n[input.presence]\npin = 3\n[output.led-ready]\npin = 3\n",
    );
    let text = format!(
        "[devices.gpio]\nkind = \"gpiocdev\"\nboard = {:?}\n",
        board.display().to_string()
    );
    let errors = parse_str(&text, Path::new("k.toml")).unwrap_err().0;
    assert!(errors[0].message.contains("pin 3 is used by both"), "{errors:?}");
    let fixed = fs::read_to_string(&board)
        .unwrap()
        .replace("pin = 3\n[output", "pin = 4\n[output");
    fs::write(&board, fixed).unwrap();
    assert!(parse_str(&text, Path::new("k.toml")).is_ok());
}

#[test]
fn voice_is_on_the_default_device_and_its_problems_name_the_key() {
    let voice = Config::default().voice;
    assert_eq!(
        (voice.enabled, voice.device.as_str(), voice.rate),
        (true, "default", 140)
    );
    let name = Path::new("k.toml");
    let config = parse_str("[voice]\nenabled = false\ndevice = \"plughw:1,0\"\nrate = 120\n", name).unwrap();
    assert!(!config.voice.enabled);
    let problems: Vec<(Option<usize>, String)> = parse_str("[voice]\ndevice = \"\"\nrate = 20\n", name)
        .unwrap_err()
        .0
        .into_iter()
        .map(|p| (p.line, p.key))
        .collect();
    assert_eq!(
        problems,
        [
            (Some(2), "voice.device".to_string()),
            (Some(3), "voice.rate".to_string())
        ]
    );
    let unknown = parse_str("[voice]\nvolume = 80\n", name).unwrap_err().0;
    assert!(unknown[0].message.contains("unknown field `volume`"), "{unknown:?}");
}

#[test]
fn an_update_window_is_two_real_times() {
    let problems = |window: &str| {
        let mut config = Config::default();
        config.central.update_window = Some(window.into());
        config
            .check()
            .into_iter()
            .filter(|(key, _)| key == "central.update-window")
            .count()
    };
    for good in ["02:00-05:00", "22:30-04:00", "00:00-23:59"] {
        assert_eq!(problems(good), 0, "{good}");
    }
    for bad in [
        "2:00-5:00",
        "02:00",
        "24:00-05:00",
        "02:60-05:00",
        "03:00-03:00",
        "at night",
    ] {
        assert_eq!(problems(bad), 1, "{bad}");
    }
    let parsed: Config = toml::from_str("[central]\nupdate-window = \"02:00-05:00\"\n").unwrap();
    assert_eq!(parsed.central.update_window.as_deref(), Some("02:00-05:00"));
}
