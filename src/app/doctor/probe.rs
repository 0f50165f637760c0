//! Gathers the [`Facts`] of this board: stat and access(2) on the device nodes, the user
//! database in /etc/group, the fonts list and fontconfig, /dev/dri, the time service,
//! statvfs on the state directory and one authenticated ping of the central system.

use super::{CentralReach, DeviceNode, Facts, WANTED_GROUPS};
use crate::config::{CameraKind, Config, GpioKind, PrinterKind, ReaderKind};
use std::ffi::CString;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The package's service user.
pub const SERVICE_USER: &str = "township-kiosk";

/// One line of /etc/group: name, gid, members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

pub fn parse_groups(text: &str) -> Vec<Group> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split(':');
            let name = parts.next()?.to_string();
            let gid = parts.nth(1)?.parse().ok()?;
            let members = parts
                .next()
                .unwrap_or("")
                .split(',')
                .filter(|m| !m.is_empty())
                .map(String::from)
                .collect();
            Some(Group { name, gid, members })
        })
        .collect()
}

/// Of [`WANTED_GROUPS`], those that exist and `user` (primary group `primary_gid`) is not in.
pub fn missing_groups(groups: &[Group], user: &str, primary_gid: Option<u32>) -> Vec<String> {
    WANTED_GROUPS
        .iter()
        .filter_map(|wanted| groups.iter().find(|g| g.name == *wanted))
        .filter(|g| Some(g.gid) != primary_gid && !g.members.iter().any(|m| m == user))
        .map(|g| g.name.clone())
        .collect()
}

/// The configured device nodes, with the role doctor names them by.
pub fn configured_nodes(config: &Config) -> Vec<(&'static str, PathBuf)> {
    let d = &config.devices;
    let mut nodes = Vec::new();
    if d.reader.kind == ReaderKind::Serial {
        nodes.push(("card reader", d.reader.port.clone()));
    }
    if matches!(d.printer.kind, PrinterKind::Serial | PrinterKind::Usb) {
        nodes.push(("printer", d.printer.port.clone()));
    }
    if d.camera.kind == CameraKind::V4l2 {
        nodes.push(("camera", d.camera.device.clone()));
    }
    match d.gpio.kind {
        GpioKind::Rppal => nodes.push(("gpio", "/dev/gpiomem".into())),
        // The configured chip, else the one generic board maps use.
        GpioKind::Gpiocdev => nodes.push(("gpio", d.gpio.chip.clone().unwrap_or_else(|| "/dev/gpiochip0".into()))),
        GpioKind::Sim => {}
    }
    nodes
}

/// Gathers the facts for `user` (the service user when it exists, else whoever runs doctor).
pub fn gather(config: &Config, user: Option<&str>) -> Facts {
    let groups = parse_groups(&std::fs::read_to_string("/etc/group").unwrap_or_default());
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let user = user
        .map(String::from)
        .or_else(|| passwd_entry(&passwd, SERVICE_USER).map(|_| SERVICE_USER.to_string()))
        .unwrap_or_else(current_user);
    let (uid, gid) = passwd_entry(&passwd, &user).unwrap_or((u32::MAX, u32::MAX));
    let gids: Vec<u32> = groups
        .iter()
        .filter(|g| g.members.contains(&user))
        .map(|g| g.gid)
        .chain([gid])
        .collect();
    let node = |role: &'static str, path: PathBuf| {
        let meta = std::fs::metadata(&path).ok();
        DeviceNode {
            role,
            exists: meta.is_some(),
            accessible: meta
                .as_ref()
                .is_some_and(|m| can_read_write(m.mode(), m.uid(), m.gid(), uid, &gids)),
            group: meta.and_then(|m| groups.iter().find(|g| g.gid == m.gid()).map(|g| g.name.clone())),
            path,
        }
    };
    let devices: Vec<DeviceNode> = configured_nodes(config).into_iter().map(|(r, p)| node(r, p)).collect();
    let drm = drm_nodes()
        .into_iter()
        .map(|p| {
            let n = node("display", p);
            (n.path, n.accessible)
        })
        .collect();
    // Root opens every node anyway: groups matter for the service user.
    let missing = if uid == 0 {
        Vec::new()
    } else {
        missing_groups(&groups, &user, Some(gid))
    };
    Facts {
        missing_groups: missing,
        user,
        simulated: devices.is_empty(),
        devices,
        receipt_font: crate::devices::printer::font::candidates()
            .into_iter()
            .map(|(p, _)| p)
            .find(|p| p.is_file()),
        ui_font: ui_font(),
        drm,
        voice_missing: config.voice.enabled.then(|| {
            crate::devices::voice::espeak::missing_programs(&crate::devices::voice::espeak::EspeakOptions::new(
                &config.voice.device,
                config.voice.rate,
            ))
        }),
        time_synced: time_synced(),
        clock_year: crate::domain::calendar::Date::from_unix_china(crate::storage::now_unix()).year(),
        free_bytes: free_bytes(&config.kiosk.state_dir),
        state_dir: config.kiosk.state_dir.clone(),
        central: central(config),
    }
}

fn passwd_entry(passwd: &str, user: &str) -> Option<(u32, u32)> {
    passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.len() > 3 && f[0] == user).then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))?
    })
}

fn current_user() -> String {
    std::env::var("USER").unwrap_or_else(|_| "root".into())
}

/// Permission bits as the kernel applies them (root may do anything).
pub fn can_read_write(mode: u32, owner: u32, group: u32, uid: u32, gids: &[u32]) -> bool {
    if uid == 0 {
        return true;
    }
    let bits = if owner == uid {
        mode >> 6
    } else if gids.contains(&group) {
        mode >> 3
    } else {
        mode
    };
    bits & 0o6 == 0o6
}

fn drm_nodes() -> Vec<PathBuf> {
    let mut nodes: Vec<PathBuf> = std::fs::read_dir("/dev/dri")
        .map(|dir| dir.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    nodes.retain(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("card")));
    nodes.sort();
    nodes
}

/// A Simplified Chinese family fontconfig offers, a sans-serif one when there is one.
fn ui_font() -> Option<String> {
    let out = std::process::Command::new("fc-list")
        .args([":lang=zh-cn", "family"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let families: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let sans = families.iter().find(|f| f.contains("Sans") && f.contains("SC"));
    sans.or(families.first()).map(|f| f.to_string())
}

fn time_synced() -> Option<bool> {
    if Path::new("/run/systemd/timesync/synchronized").exists() {
        return Some(true);
    }
    let out = std::process::Command::new("timedatectl")
        .args(["show", "-p", "NTPSynchronized", "--value"])
        .output()
        .ok()?;
    match String::from_utf8_lossy(&out.stdout).trim() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// Free bytes for an unprivileged user on the file system of `dir` (or of its nearest
/// existing parent).
fn free_bytes(dir: &Path) -> Option<u64> {
    let existing = dir.ancestors().find(|p| p.exists())?;
    let c_path = CString::new(existing.as_os_str().as_encoded_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: c_path is a valid NUL-terminated string and stat points to writable memory.
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), stat.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled the struct.
    let stat = unsafe { stat.assume_init() };
    #[allow(clippy::unnecessary_cast)] // c_ulong: u32 on 32-bit boards
    Some(stat.f_bavail as u64 * stat.f_frsize as u64)
}

fn central(config: &Config) -> CentralReach {
    if config.central.url == "sim" {
        return CentralReach::Simulated;
    }
    let client = match crate::app::central_http::HttpCentral::from_config(&config.central, &config.kiosk.id) {
        Ok(client) => client,
        Err(e) => return CentralReach::Failed(format!("not set up: {e}")),
    };
    let beat = crate::app::services::heartbeat(config, None, crate::storage::now_unix());
    let started = std::time::Instant::now();
    match client.ping(&beat) {
        Ok(_) => CentralReach::Reachable {
            millis: started.elapsed().as_millis(),
        },
        Err(e) => CentralReach::Failed(format!(
            "{} does not answer: {e}",
            crate::config::redact_url(&config.central.url)
        )),
    }
}
