//! The configuration's semantic check: every problem at once, by dotted key.

use super::model::*;
use crate::domain::receipt::ReceiptNumber;

impl Config {
    /// Every semantic problem as (dotted key, message).
    pub fn check(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut problem = |key: &str, message: String| problems.push((key.to_string(), message));
        self.check_kiosk_and_devices(&mut problem);
        self.check_central(&mut problem);
        self.check_session_and_screen(&mut problem);
        problems
    }

    /// `[kiosk]` and `[devices]`: names, the receipt prefix, the reader, the printer, the GPIO.
    fn check_kiosk_and_devices(&self, problem: &mut impl FnMut(&str, String)) {
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
        self.check_gpio(problem);
    }

    /// `[central]`: the URLs, the heartbeat, the credentials.
    fn check_central(&self, problem: &mut impl FnMut(&str, String)) {
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
        if let Some(window) = &self.central.update_window {
            if !valid_window(window) {
                problem(
                    "central.update-window",
                    format!("{window:?} must be HH:MM-HH:MM, e.g. \"02:00-05:00\""),
                );
            }
        }
        self.check_central_credentials(problem);
    }

    /// `[timeouts]`, `[ui]`, `[status]`, `[calendar]`, `[voice]`, `[technician]`.
    fn check_session_and_screen(&self, problem: &mut impl FnMut(&str, String)) {
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
        match self.status.listen.parse::<std::net::SocketAddr>() {
            Err(_) if self.status.enabled => problem(
                "status.listen",
                format!("{:?} is not an address:port", self.status.listen),
            ),
            Ok(addr) if self.status.enabled && !addr.ip().is_loopback() && self.status.token.is_none() => problem(
                "status.token",
                format!(
                    "status.listen {} is reachable from the network: set a token (16 characters or more) that monitoring sends as `Authorization: Bearer …`, or listen on 127.0.0.1",
                    self.status.listen
                ),
            ),
            _ => {}
        }
        if self.status.token.as_ref().is_some_and(|t| t.chars().count() < 16) {
            problem("status.token", "must be 16 characters or more".into());
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
        if c.lookup_key.is_some() {
            problem(
                "central.lookup-key",
                "is no longer used and must not be kept on a kiosk: the central hashes ID numbers itself. Delete the line (and the key file's copies)".into(),
            );
        }
        if let Some(prefix) = &c.receipt_prefix {
            if *prefix != self.kiosk.receipt_prefix {
                problem(
                    "central.receipt-prefix",
                    format!(
                        "this kiosk was enrolled for receipt prefix {prefix:?}, but kiosk.receipt-prefix is {:?}: the central would refuse its receipts",
                        self.kiosk.receipt_prefix
                    ),
                );
            }
        }
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

/// `HH:MM-HH:MM` with real times.
fn valid_window(window: &str) -> bool {
    let time = |t: &str| {
        let (h, m) = t.split_once(':')?;
        let ok = h.len() == 2 && m.len() == 2 && h.parse::<u8>().ok()? < 24 && m.parse::<u8>().ok()? < 60;
        ok.then_some(())
    };
    window
        .split_once('-')
        .is_some_and(|(from, to)| time(from).is_some() && time(to).is_some() && from != to)
}
