//! The configuration's shape, its defaults and its semantic check.

use crate::domain::calendar::{Date, WorkCalendar};
use crate::domain::receipt::ReceiptNumber;
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
    /// The fleet's key (hex, 32 bytes) for hashing ID numbers in status queries.
    pub lookup_key: Option<String>,
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
            lookup_key: None,
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
}

impl Default for StatusSection {
    fn default() -> Self {
        StatusSection {
            enabled: true,
            listen: "127.0.0.1:9870".into(),
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
    /// Every semantic problem as (dotted key, message).
    pub fn check(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut problem = |key: &str, message: String| problems.push((key.to_string(), message));
        if self.kiosk.id.trim().is_empty() {
            problem("kiosk.id", "must not be empty".into());
        }
        if !ReceiptNumber::valid_prefix(&self.kiosk.receipt_prefix) {
            problem(
                "kiosk.receipt-prefix",
                format!(
                    "{:?} must be 2 to 6 capital letters or digits",
                    self.kiosk.receipt_prefix
                ),
            );
        }
        if self.kiosk.site_name.trim().is_empty() {
            problem("kiosk.site-name", "must not be empty".into());
        }
        const BAUDS: [u32; 5] = [9600, 19_200, 38_400, 57_600, 115_200];
        if !BAUDS.contains(&self.devices.reader.baud) {
            problem(
                "devices.reader.baud",
                format!(
                    "{} is not a rate the SAM supports (9600, 19200, 38400, 57600, 115200)",
                    self.devices.reader.baud
                ),
            );
        }
        if !(100..=5000).contains(&self.devices.reader.poll_interval_ms) {
            problem("devices.reader.poll-interval-ms", "must be between 100 and 5000".into());
        }
        if self.devices.reader.kind == ReaderKind::Serial && self.devices.reader.port.as_os_str().is_empty() {
            problem("devices.reader.port", "a serial reader needs a port".into());
        }
        if self.devices.printer.kind == PrinterKind::Tcp && !self.devices.printer.address.contains(':') {
            problem(
                "devices.printer.address",
                format!("{:?} must be host:port for a TCP printer", self.devices.printer.address),
            );
        }
        if self.devices.printer.baud == 0 {
            problem("devices.printer.baud", "must be positive".into());
        }
        self.check_gpio(&mut problem);
        if self.central.url != "sim" {
            if let Err(why) = check_central_url(&self.central.url) {
                problem(
                    "central.url",
                    format!(
                        "{:?} {why}; use \"sim\", an https:// URL, or plain http:// only to a loopback host (127.0.0.0/8, ::1, localhost)",
                        redact_url(&self.central.url)
                    ),
                );
            }
        }
        match url::Url::parse(&self.central.progress_url) {
            Ok(parsed) if parsed.scheme() == "https" && parsed.host().is_some() => {}
            _ => problem(
                "central.progress-url",
                format!("{:?} must be an https:// URL", redact_url(&self.central.progress_url)),
            ),
        }
        if !(10..=600).contains(&self.central.heartbeat_secs) {
            problem("central.heartbeat-secs", "must be between 10 and 600".into());
        }
        self.check_central_credentials(&mut problem);
        if !(15..=600).contains(&self.timeouts.idle_warning_secs) {
            problem("timeouts.idle-warning-secs", "must be between 15 and 600".into());
        }
        if !(5..=120).contains(&self.timeouts.idle_grace_secs) {
            problem("timeouts.idle-grace-secs", "must be between 5 and 120".into());
        }
        if !(3..=120).contains(&self.timeouts.farewell_secs) {
            problem("timeouts.farewell-secs", "must be between 3 and 120".into());
        }
        if !(1..=60).contains(&self.timeouts.card_read_secs) {
            problem("timeouts.card-read-secs", "must be between 1 and 60".into());
        }
        if !(1.0..=5.0).contains(&self.timeouts.elderly_factor) {
            problem("timeouts.elderly-factor", "must be between 1.0 and 5.0".into());
        }
        if self.ui.languages.is_empty() {
            problem("ui.languages", "needs at least one language".into());
        } else if !self.ui.languages.contains(&self.ui.default_language) {
            problem("ui.default-language", "must be one of ui.languages".into());
        }
        if self
            .ui
            .touch_calibration
            .is_some_and(|m| m.iter().any(|v| !v.is_finite()))
        {
            problem("ui.touch-calibration", "every number must be finite".into());
        }
        if ![0, 90, 180, 270].contains(&self.ui.rotation) {
            problem("ui.rotation", format!("{} is not 0, 90, 180 or 270", self.ui.rotation));
        }
        if self.ui.width < 480 || self.ui.height < 480 {
            problem("ui.width", "screens smaller than 480 pixels are not supported".into());
        }
        if self.status.enabled && self.status.listen.parse::<std::net::SocketAddr>().is_err() {
            problem(
                "status.listen",
                format!("{:?} is not an address:port", self.status.listen),
            );
        }
        if let Some(day) = self
            .calendar
            .holidays
            .iter()
            .find(|d| self.calendar.extra_workdays.contains(d))
        {
            problem("calendar.extra-workdays", format!("{day} is also listed as a holiday"));
        }
        if self.voice.device.trim().is_empty() || self.voice.device.starts_with('-') {
            problem(
                "voice.device",
                format!("{:?} is not an ALSA device name", self.voice.device),
            );
        }
        if !(80..=300).contains(&self.voice.rate) {
            problem("voice.rate", "must be between 80 and 300 words per minute".into());
        }
        if let Some(hash) = &self.technician.pin_hash {
            if !is_argon2id_phc(hash) {
                problem(
                    "technician.pin-hash",
                    "is not an argon2id hash: set the PIN with `kiosk technician set-pin`".into(),
                );
            }
        }
        problems
    }

    /// `[devices.gpio]`: a board map that loads, is written for the backend, and sensible
    /// dimming.
    fn check_gpio(&self, problem: &mut impl FnMut(&str, String)) {
        let gpio = &self.devices.gpio;
        match crate::devices::gpio::board::BoardMap::load(&gpio.board) {
            Ok(board) if !board.supports(gpio.kind.as_str()) => problem(
                "devices.gpio.board",
                format!(
                    "board {:?} is for {}, not kind = {:?}",
                    gpio.board,
                    board.backends.join(" or "),
                    gpio.kind.as_str()
                ),
            ),
            Ok(_) => {}
            Err(e) => problem("devices.gpio.board", e.to_string()),
        }
        if gpio.chip.is_some() && gpio.kind != GpioKind::Gpiocdev {
            problem(
                "devices.gpio.chip",
                format!(
                    "only kind = \"gpiocdev\" uses a chip (kind is {:?})",
                    gpio.kind.as_str()
                ),
            );
        }
        if gpio.chip.as_ref().is_some_and(|c| c.as_os_str().is_empty()) {
            problem("devices.gpio.chip", "must not be empty".into());
        }
        if !(10..=3600).contains(&gpio.dim_after_secs) {
            problem("devices.gpio.dim-after-secs", "must be between 10 and 3600".into());
        }
        if gpio.dim_percent > 100 {
            problem("devices.gpio.dim-percent", "must be between 0 and 100".into());
        }
    }

    /// The enrolment keys of `[central]`: all three files or none, only with an https URL;
    /// the certificate's kiosk id is this kiosk's id; the lookup key is 32 bytes of hex.
    fn check_central_credentials(&self, problem: &mut impl FnMut(&str, String)) {
        let c = &self.central;
        let files = [
            ("central.ca", &c.ca),
            ("central.cert", &c.cert),
            ("central.key", &c.key),
        ];
        let given = files.iter().filter(|(_, f)| f.is_some()).count();
        if given > 0 && given < files.len() {
            for (key, _) in files.iter().filter(|(_, f)| f.is_none()) {
                problem(key, "ca, cert and key must be given together".into());
            }
        }
        for (key, file) in files {
            if file.as_ref().is_some_and(|f| f.as_os_str().is_empty()) {
                problem(key, "must not be empty".into());
            }
        }
        if given > 0 && !c.url.starts_with("https://") {
            problem("central.url", "client certificates need an https:// URL".into());
        }
        if let Some(id) = &c.kiosk_id {
            if !crate::central_api::valid_kiosk_id(id) {
                problem(
                    "central.kiosk-id",
                    format!("{id:?} must be 1 to 64 of A-Z a-z 0-9 . _ -"),
                );
            } else if *id != self.kiosk.id {
                problem(
                    "central.kiosk-id",
                    format!(
                        "{id:?} differs from kiosk.id {:?}: enrol this kiosk under its own id",
                        self.kiosk.id
                    ),
                );
            }
        }
        if let Some(key) = &c.lookup_key {
            if hex::decode(key).ok().is_none_or(|k| k.len() != 32) {
                problem("central.lookup-key", "must be 64 hex digits (32 bytes)".into());
            }
        }
    }

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
        if copy.central.lookup_key.is_some() {
            copy.central.lookup_key = Some("<set>".into());
        }
        toml::to_string_pretty(&copy).unwrap_or_else(|e| format!("# cannot render: {e}"))
    }
}

/// Why `url` may not be the central system's address: https to any host, plain http only
/// to a loopback host. The host is the parsed URL's host component, so neither
/// `http://127.evil.cn` nor `http://127.0.0.1@evil.cn` passes for loopback.
fn check_central_url(url: &str) -> Result<(), &'static str> {
    let parsed = url::Url::parse(url).map_err(|_| "is not a valid URL")?;
    let host = parsed.host().ok_or("has no host")?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&host) => Ok(()),
        "http" => Err("uses plain http to a host that is not loopback"),
        _ => Err("is neither https nor http"),
    }
}

fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
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
