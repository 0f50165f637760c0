//! The configuration's shape, its defaults and its semantic check.

use crate::domain::calendar::{Date, WorkCalendar};
use crate::domain::Lang;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    pub kiosk: KioskSection,
    pub devices: DevicesSection,
    pub central: CentralSection,
    pub timeouts: TimeoutsSection,
    pub ui: UiSection,
    pub status: StatusSection,
    pub calendar: CalendarSection,
    pub technician: TechnicianSection,
    pub voice: VoiceSection,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct KioskSection {
    /// Fleet-wide unique id, e.g. `ZJ-NB-XS-SP-01`.
    pub id: String,
    /// 2–6 capitals/digits printed at the start of every receipt number of this kiosk.
    pub receipt_prefix: String,
    pub site_name: String,
    pub site_name_en: String,
    pub opening_hours: String,
    /// Databases, key file, overrides, spool.
    pub state_dir: PathBuf,
    /// The catalogue data file; `None` uses the one built into the binary.
    pub catalogue: Option<PathBuf>,
    /// The county (6-digit division code) the kiosk serves: the address picker opens there
    /// and its place names rank first on the pinyin keyboard.
    pub county: String,
    /// A demonstration or lab kiosk: devices missing from the configuration are simulated.
    /// Without it, `kiosk run` with a configuration file that has no `[devices.reader]` or
    /// `[devices.printer]` refuses to start (an installed kiosk must not quietly simulate
    /// its reader and printer, nor show the simulated "payment received" button).
    pub simulated: bool,
}

impl Default for KioskSection {
    fn default() -> Self {
        KioskSection {
            id: "DEV-KIOSK-01".into(),
            receipt_prefix: "DEV1".into(),
            site_name: "石浦镇警务服务站(演示)".into(),
            site_name_en: "Shipu Town Police Service Point (demo)".into(),
            opening_hours: "周一至周五 08:30-12:00 13:30-17:00;周六 09:00-12:00".into(),
            state_dir: default_state_dir(),
            catalogue: None,
            county: "330225".into(),
            simulated: false,
        }
    }
}

/// `/var/lib/township-kiosk` when it is writable (a packaged kiosk), else a directory in
/// the user's data folder (a developer's desktop).
fn default_state_dir() -> PathBuf {
    let system = PathBuf::from("/var/lib/township-kiosk");
    if system.is_dir() {
        return system;
    }
    match std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
    {
        Some(base) => base.join("township-kiosk"),
        None => PathBuf::from("township-kiosk-state"),
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DevicesSection {
    pub reader: ReaderConfig,
    pub printer: PrinterConfig,
    pub camera: CameraConfig,
    pub gpio: GpioConfig,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReaderKind {
    #[default]
    Sim,
    Serial,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ReaderConfig {
    pub kind: ReaderKind,
    pub port: PathBuf,
    pub baud: u32,
    /// Vendor WLT photo decoder library (e.g. libwlt2bmp.so); none means text only.
    pub photo_decoder: Option<PathBuf>,
    pub poll_interval_ms: u64,
}

impl Default for ReaderConfig {
    fn default() -> Self {
        ReaderConfig {
            kind: ReaderKind::Sim,
            port: "/dev/kiosk-cardreader".into(),
            baud: 115_200,
            photo_decoder: None,
            poll_interval_ms: 400,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrinterKind {
    #[default]
    Sim,
    Serial,
    Usb,
    Tcp,
    File,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct PrinterConfig {
    pub kind: PrinterKind,
    /// Serial port, USB printer device (/dev/usb/lp0) or spool file, by kind.
    pub port: PathBuf,
    pub baud: u32,
    /// RTS/CTS hardware flow control on serial printers.
    pub flow_control: bool,
    /// `host:port` for TCP printers (port 9100).
    pub address: String,
    /// A profile name from hardware/printers.toml.
    pub profile: String,
}

impl Default for PrinterConfig {
    fn default() -> Self {
        PrinterConfig {
            kind: PrinterKind::Sim,
            port: "/dev/kiosk-printer".into(),
            baud: 115_200,
            flow_control: false,
            address: String::new(),
            profile: "generic-80mm".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CameraKind {
    #[default]
    Sim,
    V4l2,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct CameraConfig {
    pub kind: CameraKind,
    pub device: PathBuf,
}

impl Default for CameraConfig {
    fn default() -> Self {
        CameraConfig {
            kind: CameraKind::Sim,
            device: "/dev/video0".into(),
        }
    }
}

/// The GPIO backend (defined with the GPIO driver).
pub use crate::devices::gpio::GpioKind;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct GpioConfig {
    /// `sim` (the default: no GPIO hardware), `rppal` (Raspberry Pi) or `gpiocdev` (any
    /// Linux board's /dev/gpiochipN).
    pub kind: GpioKind,
    /// A board map from hardware/gpio (`raspberry-pi-4`, `generic-gpiochip`) or the path
    /// of one's copy (ending in .toml): which pin each input and output is.
    pub board: String,
    /// For gpiocdev: the chip device, overriding the board map's.
    pub chip: Option<PathBuf>,
    /// The screen dims after this long without a touch or anyone in front of it.
    pub dim_after_secs: u64,
    /// Backlight brightness when dimmed, in percent (boards with a PWM backlight).
    pub dim_percent: u8,
}

impl Default for GpioConfig {
    fn default() -> Self {
        GpioConfig {
            kind: GpioKind::Sim,
            board: crate::devices::gpio::board::DEFAULT_BOARD.into(),
            chip: None,
            dim_after_secs: 120,
            dim_percent: 20,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct CentralSection {
    /// Base URL of the central system's API; `sim` uses the in-process simulation.
    pub url: String,
    /// Device credentials (client certificate, key, token): a separate 0600 file.
    pub credentials_file: PathBuf,
    /// Printed in the receipt QR followed by the receipt number.
    pub progress_url: String,
    pub heartbeat_secs: u64,
    /// The central system's CA certificate (PEM) that signed its server certificate.
    /// `ca`, `cert` and `key` come together from `township-central enroll` (central.toml).
    pub ca: Option<PathBuf>,
    /// This kiosk's client certificate (PEM); its common name is the kiosk id.
    pub cert: Option<PathBuf>,
    /// This kiosk's private key (PEM, mode 0600).
    pub key: Option<PathBuf>,
    /// The id in the client certificate; when set it must equal `kiosk.id`.
    pub kiosk_id: Option<String>,
    /// The receipt-number prefix the central assigned at enrolment: it must equal
    /// `kiosk.receipt-prefix` (the central refuses numbers with another prefix).
    pub receipt_prefix: Option<String>,
    /// No longer used: the central hashes ID numbers with a key that never leaves it. A
    /// configuration that still holds one is refused (a key shared by every kiosk must
    /// not sit on their disks): delete the line.
    pub lookup_key: Option<String>,
    /// On the image: install offered updates only between these times (`HH:MM-HH:MM`,
    /// across midnight allowed), and always only while no citizen is at the kiosk.
    pub update_window: Option<String>,
}

impl Default for CentralSection {
    fn default() -> Self {
        CentralSection {
            url: "sim".into(),
            credentials_file: "/etc/township-kiosk/credentials.toml".into(),
            progress_url: "https://zwfw.example.gov.cn/progress/".into(),
            heartbeat_secs: 60,
            ca: None,
            cert: None,
            key: None,
            kiosk_id: None,
            receipt_prefix: None,
            lookup_key: None,
            update_window: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct TimeoutsSection {
    pub idle_warning_secs: u64,
    pub idle_grace_secs: u64,
    pub farewell_secs: u64,
    /// Elderly mode multiplies the idle times by this factor.
    pub elderly_factor: f64,
    pub card_read_secs: u64,
}

impl Default for TimeoutsSection {
    fn default() -> Self {
        TimeoutsSection {
            idle_warning_secs: 60,
            idle_grace_secs: 20,
            farewell_secs: 10,
            elderly_factor: 2.0,
            card_read_secs: 5,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct UiSection {
    pub languages: Vec<Lang>,
    pub default_language: Lang,
    pub elderly_mode_default: bool,
    /// Screen rotation in degrees: 0, 90, 180, 270.
    pub rotation: u16,
    /// The touchscreen's libinput calibration matrix (six numbers, `a b c d e f`); none
    /// derives it from `rotation`. Applied by a udev rule (`kiosk board touch-rule`).
    pub touch_calibration: Option<[f32; 6]>,
    pub width: u32,
    pub height: u32,
    /// Where the card reader physically is, seen from the citizen: the identify page points
    /// there.
    pub reader_side: ReaderSide,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReaderSide {
    #[default]
    Below,
    Left,
    Right,
}

impl Default for UiSection {
    fn default() -> Self {
        UiSection {
            languages: vec![Lang::Zh, Lang::En],
            default_language: Lang::Zh,
            elderly_mode_default: false,
            rotation: 0,
            touch_calibration: None,
            width: 1080,
            height: 1920,
            reader_side: ReaderSide::Below,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct StatusSection {
    pub enabled: bool,
    /// Local status endpoint (/healthz, /status, /metrics).
    pub listen: String,
    /// A bearer token `/status` and `/metrics` ask for (`Authorization: Bearer …`, 16
    /// characters or more). Required when `listen` is not a loopback address.
    pub token: Option<String>,
}

impl Default for StatusSection {
    fn default() -> Self {
        StatusSection {
            enabled: true,
            listen: "127.0.0.1:9870".into(),
            token: None,
        }
    }
}

/// Spoken prompts (语音播报): on by default in elderly mode, the citizen can switch them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct VoiceSection {
    /// Whether the kiosk has a speaker at all (false: no prompts and no 语音播报 switch).
    pub enabled: bool,
    /// The ALSA device (`aplay -D`): `default`, `plughw:1,0`, … (`aplay -L` lists them).
    pub device: String,
    /// Speaking rate in words per minute (espeak-ng `-s`), 80 to 300.
    pub rate: u32,
}

impl Default for VoiceSection {
    fn default() -> Self {
        VoiceSection {
            enabled: true,
            device: "default".into(),
            rate: 140,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct TechnicianSection {
    /// The technician PIN as an argon2id PHC string (`$argon2id$v=19$…`); set it with
    /// `kiosk technician set-pin`, which writes it to the overrides file. No PIN set: the
    /// actions it guards (`read-card --reveal`, the technician screens) are refused.
    pub pin_hash: Option<String>,
}

/// Whether `hash` is an argon2id PHC string with a salt and a hash.
pub fn is_argon2id_phc(hash: &str) -> bool {
    argon2::PasswordHash::new(hash)
        .is_ok_and(|h| h.algorithm.as_str() == "argon2id" && h.salt.is_some() && h.hash.is_some())
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct CalendarSection {
    /// Public holidays (YYYY-MM-DD) on which the back office does not work.
    pub holidays: Vec<Date>,
    /// Weekend days that are working days (调休).
    pub extra_workdays: Vec<Date>,
}

impl Config {
    pub fn work_calendar(&self) -> WorkCalendar {
        WorkCalendar {
            holidays: self.calendar.holidays.clone(),
            extra_workdays: self.calendar.extra_workdays.clone(),
        }
    }

    pub fn session_timeouts(&self, elderly: bool) -> crate::domain::session::Timeouts {
        let factor = if elderly { self.timeouts.elderly_factor } else { 1.0 };
        let ms = |secs: u64| (secs as f64 * factor * 1000.0) as u64;
        crate::domain::session::Timeouts {
            warn_after_ms: ms(self.timeouts.idle_warning_secs),
            grace_ms: ms(self.timeouts.idle_grace_secs),
            // Saturating: `check` bounds every duration, but a bad value must not panic here.
            farewell_ms: self.timeouts.farewell_secs.saturating_mul(1000),
        }
    }

    /// The configuration as TOML with secrets redacted, for `kiosk config show`.
    pub fn to_redacted_toml(&self) -> String {
        let mut copy = self.clone();
        copy.central.url = redact_url(&copy.central.url);
        copy.central.progress_url = redact_url(&copy.central.progress_url);
        if copy.technician.pin_hash.is_some() {
            // A PIN hash can be attacked offline: show that one is set, not the hash.
            copy.technician.pin_hash = Some("<set>".into());
        }
        if copy.status.token.is_some() {
            copy.status.token = Some("<set>".into());
        }
        if copy.central.lookup_key.is_some() {
            copy.central.lookup_key = Some("<set>".into());
        }
        toml::to_string_pretty(&copy).unwrap_or_else(|e| format!("# cannot render: {e}"))
    }
}

/// Replaces any `user:password@` of a URL with `***@`. The user information ends at the
/// LAST `@` before the host, so a password that itself contains `@` is hidden whole; a URL
/// that does not parse is cut at its last `@` (hiding too much rather than too little).
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let (scheme, rest) = (&url[..scheme_end], &url[scheme_end + 3..]);
    match url::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            // Both setters only fail for URLs without a host, which have no user information.
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            let shown = parsed.to_string();
            let after = shown.find("://").map_or(shown.as_str(), |i| &shown[i + 3..]);
            format!("{scheme}://***@{after}")
        }
        Ok(_) => url.to_string(),
        Err(_) => match rest.rfind('@') {
            Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
            None => url.to_string(),
        },
    }
}
