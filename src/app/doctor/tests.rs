use super::probe::{can_read_write, configured_nodes, missing_groups, parse_groups};
use super::*;

fn healthy() -> Facts {
    Facts {
        user: "township-kiosk".into(),
        missing_groups: vec![],
        simulated: false,
        devices: vec![DeviceNode {
            role: "card reader",
            path: "/dev/kiosk-cardreader".into(),
            exists: true,
            accessible: true,
            group: Some("dialout".into()),
        }],
        receipt_font: Some("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc".into()),
        ui_font: Some("Noto Sans CJK SC".into()),
        drm: vec![("/dev/dri/card0".into(), true)],
        voice_missing: Some(vec![]),
        time_synced: Some(true),
        clock_year: 2026,
        state_dir: "/var/lib/township-kiosk".into(),
        free_bytes: Some(8 << 30),
        central: CentralReach::Reachable { millis: 40 },
    }
}

fn worst(findings: &[Finding]) -> Level {
    findings.iter().map(|f| f.level).max().unwrap()
}

fn the(findings: &[Finding], check: &str) -> Finding {
    findings.iter().find(|f| f.check == check).cloned().unwrap()
}

#[test]
fn a_healthy_board_is_all_ok() {
    let findings = diagnose(&healthy());
    assert_eq!(worst(&findings), Level::Ok, "{findings:?}");
    assert!(findings.iter().all(|f| f.fix.is_none()));
}

#[test]
fn missing_voice_programs_warn_with_the_packages_to_install() {
    let facts = Facts {
        voice_missing: Some(vec!["espeak-ng".into()]),
        ..healthy()
    };
    let f = the(&diagnose(&facts), "voice");
    assert_eq!(f.level, Level::Warn, "the kiosk works, silently");
    assert!(f.detail.starts_with("espeak-ng not installed"), "{}", f.detail);
    assert!(f.fix.unwrap().contains("apt install espeak-ng alsa-utils"));
    let no_speaker = Facts {
        voice_missing: None,
        ..healthy()
    };
    assert_eq!(the(&diagnose(&no_speaker), "voice").level, Level::Ok);
}

#[test]
fn missing_groups_say_which_usermod_to_run() {
    let facts = Facts {
        missing_groups: vec!["dialout".into(), "gpio".into()],
        ..healthy()
    };
    let f = the(&diagnose(&facts), "groups");
    assert_eq!(f.level, Level::Fail);
    assert_eq!(
        f.fix.as_deref(),
        Some("usermod -aG dialout,gpio township-kiosk (then restart the kiosk)")
    );
}

#[test]
fn a_missing_or_closed_device_fails_with_its_fix() {
    let mut facts = healthy();
    facts.devices[0].exists = false;
    let f = the(&diagnose(&facts), "card reader");
    assert_eq!(f.level, Level::Fail);
    assert!(f.fix.unwrap().contains("udev"));
    facts.devices[0].exists = true;
    facts.devices[0].accessible = false;
    let f = the(&diagnose(&facts), "card reader");
    assert_eq!(f.fix.as_deref(), Some("usermod -aG dialout township-kiosk"));
}

#[test]
fn fonts_display_time_disk_and_central_each_name_a_fix() {
    let facts = Facts {
        receipt_font: None,
        ui_font: None,
        drm: vec![],
        time_synced: None,
        free_bytes: Some(100 << 20),
        central: CentralReach::Failed("gateway does not answer".into()),
        ..healthy()
    };
    let findings = diagnose(&facts);
    assert!(the(&findings, "receipt font")
        .fix
        .unwrap()
        .contains("fonts-wqy-microhei"));
    assert!(the(&findings, "screen font").fix.unwrap().contains("fonts-noto-cjk"));
    assert_eq!(the(&findings, "display").level, Level::Fail);
    assert_eq!(the(&findings, "time").level, Level::Warn);
    assert_eq!(the(&findings, "disk").level, Level::Fail);
    assert_eq!(the(&findings, "central").level, Level::Fail);
    let old_clock = Facts {
        clock_year: 1970,
        ..healthy()
    };
    assert_eq!(the(&diagnose(&old_clock), "time").level, Level::Fail);
    let low = Facts {
        free_bytes: Some(500 << 20),
        ..healthy()
    };
    assert_eq!(the(&diagnose(&low), "disk").level, Level::Warn);
}

#[test]
fn a_development_machine_without_drm_only_warns() {
    let facts = Facts {
        simulated: true,
        devices: vec![],
        drm: vec![],
        ..healthy()
    };
    assert_eq!(the(&diagnose(&facts), "display").level, Level::Warn);
}

#[test]
fn groups_are_read_from_etc_group() {
    let groups = parse_groups("root:x:0:\ndialout:x:20:township-kiosk\nvideo:x:44:\nrender:x:105:\nkiosk:x:998:\n");
    assert_eq!(groups.len(), 5);
    assert_eq!(
        missing_groups(&groups, "township-kiosk", Some(998)),
        vec!["video", "render"]
    );
    // Groups that do not exist on this board (gpio off a Pi) are not asked for.
    assert!(!missing_groups(&groups, "township-kiosk", None).contains(&"gpio".to_string()));
}

#[test]
fn permissions_follow_owner_group_other() {
    assert!(can_read_write(0o660, 0, 20, 998, &[20]));
    assert!(!can_read_write(0o660, 0, 20, 998, &[44]));
    assert!(can_read_write(0o666, 0, 20, 998, &[]));
    assert!(can_read_write(0o600, 998, 20, 998, &[]));
    assert!(can_read_write(0o000, 5, 5, 0, &[]));
}

#[test]
fn only_configured_hardware_is_checked() {
    let config = crate::config::Config::default();
    assert!(configured_nodes(&config).is_empty());
    let packaged = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/packaging/kiosk.toml")).unwrap();
    let config: crate::config::Config = toml::from_str(&packaged).unwrap();
    let roles: Vec<&str> = configured_nodes(&config).iter().map(|(r, _)| *r).collect();
    assert_eq!(roles, ["card reader", "printer", "camera", "gpio"]);
}

#[test]
fn a_missing_gpio_node_says_how_to_enable_gpio() {
    let mut facts = healthy();
    facts.devices[0].role = "gpio";
    facts.devices[0].path = "/dev/gpiomem".into();
    facts.devices[0].exists = false;
    assert!(the(&diagnose(&facts), "gpio").fix.unwrap().contains("gpiocdev"));
}
