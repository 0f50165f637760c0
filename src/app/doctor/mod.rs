//! `kiosk doctor`: checks a kiosk board and says what to fix. [`probe`] gathers the facts
//! (device nodes, the service user's groups, fonts, DRM nodes, the voice programs, time sync,
//! free disk, the central system); [`diagnose`] judges them without any I/O, so every verdict is tested.

pub mod probe;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

/// The groups the kiosk's service user needs, where they exist on the board.
pub const WANTED_GROUPS: &[&str] = &["dialout", "lp", "video", "input", "render", "audio", "gpio"];
/// Below this much free space on the state directory's file system the kiosk cannot
/// promise to store applications; below [`FREE_WARN_BYTES`] it is time to look.
pub const FREE_FAIL_BYTES: u64 = 200 * 1024 * 1024;
pub const FREE_WARN_BYTES: u64 = 1024 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

/// One verdict: what was checked, what was found, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    pub check: String,
    pub detail: String,
    pub fix: Option<String>,
}

/// A device node the configuration names.
#[derive(Clone, Debug, Default)]
pub struct DeviceNode {
    pub role: &'static str,
    pub path: PathBuf,
    pub exists: bool,
    /// The checked user can read and write it.
    pub accessible: bool,
    /// The node's group.
    pub group: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CentralReach {
    Simulated,
    Reachable { millis: u128 },
    Failed(String),
}

/// Everything [`diagnose`] needs, gathered by [`probe::gather`].
#[derive(Clone, Debug)]
pub struct Facts {
    /// The user the checks are for (the service user when it exists).
    pub user: String,
    /// Of [`WANTED_GROUPS`], those that exist here and the user is not in.
    pub missing_groups: Vec<String>,
    /// All configured devices are simulators.
    pub simulated: bool,
    pub devices: Vec<DeviceNode>,
    /// The first usable receipt font of the fonts list.
    pub receipt_font: Option<PathBuf>,
    /// A CJK font fontconfig offers the UI.
    pub ui_font: Option<String>,
    /// `/dev/dri/card*` nodes and whether the user can open them.
    pub drm: Vec<(PathBuf, bool)>,
    /// Spoken prompts: `None` when the kiosk has no speaker (`[voice] enabled = false`),
    /// else the programs they need that are not installed (espeak-ng, aplay).
    pub voice_missing: Option<Vec<String>>,
    /// `None`: no time service answered.
    pub time_synced: Option<bool>,
    pub clock_year: i32,
    pub state_dir: PathBuf,
    pub free_bytes: Option<u64>,
    pub central: CentralReach,
}

fn finding(level: Level, check: &str, detail: String, fix: Option<String>) -> Finding {
    Finding {
        level,
        check: check.into(),
        detail,
        fix,
    }
}

/// Every verdict, in a fixed order.
pub fn diagnose(facts: &Facts) -> Vec<Finding> {
    let mut out = Vec::new();
    out.push(groups(facts));
    out.extend(facts.devices.iter().map(|d| device(facts, d)));
    out.extend(fonts(facts));
    out.push(drm(facts));
    out.push(voice(facts));
    out.push(time(facts));
    out.push(disk(facts));
    out.push(central(facts));
    out
}

fn groups(facts: &Facts) -> Finding {
    if facts.missing_groups.is_empty() {
        return finding(
            Level::Ok,
            "groups",
            format!("{} is in every device group there is", facts.user),
            None,
        );
    }
    let list = facts.missing_groups.join(",");
    finding(
        Level::Fail,
        "groups",
        format!("{} is not in {list}", facts.user),
        Some(format!("usermod -aG {list} {} (then restart the kiosk)", facts.user)),
    )
}

fn device(facts: &Facts, node: &DeviceNode) -> Finding {
    let check = node.role;
    let path = node.path.display();
    if !node.exists {
        let fix = if check == "gpio" {
            "enable GPIO: Raspberry Pi OS has /dev/gpiomem (kind = \"rppal\"); other boards use kind = \"gpiocdev\" with chip = \"/dev/gpiochipN\""
        } else if path.to_string().starts_with("/dev/kiosk-") {
            "plug it in; if it is, its USB id is not in /usr/lib/udev/rules.d/60-township-kiosk.rules (lsusb; add it to hardware/ and rebuild the package) or set the path in /etc/township-kiosk/kiosk.toml"
        } else {
            "plug it in, or set the right path in the configuration"
        };
        return finding(Level::Fail, check, format!("{path} is missing"), Some(fix.into()));
    }
    if !node.accessible {
        let group = node.group.as_deref().unwrap_or("its group");
        return finding(
            Level::Fail,
            check,
            format!("{path} exists but {} cannot open it (group {group})", facts.user),
            Some(format!("usermod -aG {group} {}", facts.user)),
        );
    }
    finding(Level::Ok, check, path.to_string(), None)
}

fn fonts(facts: &Facts) -> Vec<Finding> {
    let receipt = match &facts.receipt_font {
        Some(path) => finding(Level::Ok, "receipt font", path.display().to_string(), None),
        None => finding(
            Level::Fail,
            "receipt font",
            "no font of /usr/share/township-kiosk/fonts.list is present".into(),
            Some("apt install fonts-wqy-microhei".into()),
        ),
    };
    let ui = match &facts.ui_font {
        Some(name) => finding(Level::Ok, "screen font", name.clone(), None),
        None => finding(
            Level::Fail,
            "screen font",
            "fontconfig offers no Chinese font: Chinese text would not show".into(),
            Some("apt install fonts-noto-cjk".into()),
        ),
    };
    vec![receipt, ui]
}

fn drm(facts: &Facts) -> Finding {
    match facts.drm.iter().find(|(_, ok)| *ok) {
        Some((path, _)) => finding(Level::Ok, "display", format!("{} (linuxkms)", path.display()), None),
        None if facts.drm.is_empty() => finding(
            // A desktop or a headless lab machine runs without one; a board must have one.
            if facts.simulated { Level::Warn } else { Level::Fail },
            "display",
            "no /dev/dri/card* node: the full-screen UI cannot start".into(),
            Some("enable the display driver (Raspberry Pi: dtoverlay=vc4-kms-v3d in config.txt)".into()),
        ),
        None => finding(
            Level::Fail,
            "display",
            format!("{} cannot open /dev/dri/card*", facts.user),
            Some(format!("usermod -aG video,render {}", facts.user)),
        ),
    }
}

fn voice(facts: &Facts) -> Finding {
    match &facts.voice_missing {
        None => finding(
            Level::Ok,
            "voice",
            "no speaker configured ([voice] enabled = false)".into(),
            None,
        ),
        Some(missing) if missing.is_empty() => {
            finding(Level::Ok, "voice", "espeak-ng and aplay are installed".into(), None)
        }
        // The kiosk works without them, silently: the elderly mode's spoken prompts are lost.
        Some(missing) => finding(
            Level::Warn,
            "voice",
            format!(
                "{} not installed: the spoken prompts (elderly mode) are silent",
                missing.join(" and ")
            ),
            Some("apt install espeak-ng alsa-utils (or set [voice] enabled = false if there is no speaker)".into()),
        ),
    }
}

fn time(facts: &Facts) -> Finding {
    if facts.clock_year < 2025 {
        return finding(
            Level::Fail,
            "time",
            format!(
                "the clock says {}: receipts and certificates need the right date",
                facts.clock_year
            ),
            Some("connect the network and enable time sync (timedatectl set-ntp true), or fit an RTC".into()),
        );
    }
    match facts.time_synced {
        Some(true) => finding(Level::Ok, "time", "synchronised".into(), None),
        Some(false) => finding(
            Level::Warn,
            "time",
            "not synchronised yet".into(),
            Some("timedatectl set-ntp true; check that NTP (UDP 123) reaches a server".into()),
        ),
        None => finding(
            Level::Warn,
            "time",
            "no time service answered".into(),
            Some("apt install systemd-timesyncd (or chrony)".into()),
        ),
    }
}

fn disk(facts: &Facts) -> Finding {
    let dir = facts.state_dir.display();
    match facts.free_bytes {
        None => finding(Level::Warn, "disk", format!("cannot measure free space at {dir}"), None),
        Some(free) if free < FREE_FAIL_BYTES => finding(
            Level::Fail,
            "disk",
            format!("{} MB free at {dir}", free / (1024 * 1024)),
            Some("free space (journalctl --vacuum-size=100M, old logs); the kiosk needs at least 200 MB".into()),
        ),
        Some(free) if free < FREE_WARN_BYTES => finding(
            Level::Warn,
            "disk",
            format!("{} MB free at {dir}", free / (1024 * 1024)),
            Some("less than 1 GB left: check what fills the disk".into()),
        ),
        Some(free) => finding(
            Level::Ok,
            "disk",
            format!("{} MB free at {dir}", free / (1024 * 1024)),
            None,
        ),
    }
}

fn central(facts: &Facts) -> Finding {
    match &facts.central {
        CentralReach::Simulated => finding(
            Level::Warn,
            "central",
            "in-process simulation: applications never leave this kiosk".into(),
            Some("enrol the kiosk (township-central enroll) and set [central] url".into()),
        ),
        CentralReach::Reachable { millis } => finding(
            Level::Ok,
            "central",
            format!("reachable and authenticated in {millis} ms"),
            None,
        ),
        CentralReach::Failed(why) => finding(
            Level::Fail,
            "central",
            why.clone(),
            Some("check the network, the [central] url and the enrolment files (kiosk central ping)".into()),
        ),
    }
}
