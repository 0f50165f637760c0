//! The kiosk's background services besides the UI: the central client chosen from the
//! configuration, the outbox worker thread (the step function in a loop), the heartbeat
//! thread, the local status endpoint's data and the systemd notifications (sd-notify: a
//! no-op when not started by systemd). `kiosk run` starts them; each stops when the shared
//! stop flag is set.

use super::central::CentralSystem;
use super::central_http::HttpCentral;
use super::central_sim::SimCentral;
use super::outbox_worker::{self, DeliveryOptions, Outcome};
use super::telemetry;
use crate::central_api::{DeviceStates, Heartbeat, OutboxSummary, PaperState};
use crate::config::Config;
use crate::storage::Store;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the worker purges expired personal data.
pub const PURGE_INTERVAL_SECS: i64 = 60;

/// The central system the configuration names: the in-process simulation for `sim`, else
/// the HTTPS client with the enrolment's credentials.
pub fn central_from_config(config: &Config) -> Result<Arc<dyn CentralSystem>, String> {
    if config.central.url == "sim" {
        return Ok(Arc::new(SimCentral::default()));
    }
    HttpCentral::from_config(&config.central, &config.kiosk.id)
        .map(|client| Arc::new(client) as Arc<dyn CentralSystem>)
        .map_err(|e| e.to_string())
}

/// The outbox worker on its own thread with its own connection: sends due applications,
/// and purges expired personal data every minute.
pub fn spawn_outbox_worker(
    state_dir: PathBuf,
    central: Arc<dyn CentralSystem>,
    options: DeliveryOptions,
    stop: &'static AtomicBool,
) {
    let spawned = std::thread::Builder::new().name("outbox".into()).spawn(move || {
        let mut store = match Store::open_in(&state_dir) {
            Ok(store) => store,
            Err(e) => {
                log::error!("outbox worker: {e}");
                telemetry::record_error(&format!("outbox worker: {e}"));
                return;
            }
        };
        let mut last_purge = 0;
        while !stop.load(Ordering::SeqCst) {
            loop {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                match outbox_worker::try_send_next(&mut store, central.as_ref(), &options, crate::storage::now_unix()) {
                    Ok(Outcome::Idle) => break,
                    // A failed row waits for its own backoff; the others still go.
                    Ok(_) => continue,
                    Err(e) => {
                        log::error!("outbox worker: {e}");
                        // A step that failed half-way (e.g. a busy database) may have left
                        // its row claimed: this thread is the only sender, so nothing is
                        // legitimately in flight between steps.
                        if let Err(e) = store.outbox_recover_in_flight(crate::storage::now_unix()) {
                            log::error!("outbox worker: {e}");
                        }
                        break;
                    }
                }
            }
            // Then the supplements (补交材料), the same way.
            while !stop.load(Ordering::SeqCst) {
                let sent = super::supplement_delivery::try_send_next_supplement(
                    &mut store,
                    central.as_ref(),
                    &options,
                    crate::storage::now_unix(),
                );
                match sent {
                    Ok(super::supplement_delivery::SupplementOutcome::Idle) => break,
                    Ok(_) => continue,
                    Err(e) => {
                        log::error!("outbox worker (supplements): {e}");
                        if let Err(e) = store.supplement_recover_in_flight(crate::storage::now_unix()) {
                            log::error!("outbox worker (supplements): {e}");
                        }
                        break;
                    }
                }
            }
            let now = crate::storage::now_unix();
            if now - last_purge >= PURGE_INTERVAL_SECS {
                // Errors are logged and recorded for `kiosk status` by the store.
                let _ = store.purge_and_record(now);
                last_purge = now;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    });
    if let Err(e) = spawned {
        log::error!("cannot start the outbox worker: {e}");
    }
}

/// The heartbeat the kiosk sends now: version, uptime, device states, paper, outbox depth,
/// oldest pending age, last delivery and the last (masked) errors.
pub fn heartbeat(config: &Config, store: Option<&mut Store>, now: i64) -> Heartbeat {
    let devices = telemetry::devices();
    let mut outbox = OutboxSummary {
        pending: 0,
        dead: 0,
        oldest_pending_age_secs: None,
        last_sent_at: telemetry::last_sent_at(),
    };
    if let Some(store) = store {
        for (state, n) in store.outbox_counts().unwrap_or_default() {
            use crate::storage::outbox::OutboxState::*;
            match state {
                Pending | Sending => outbox.pending += n,
                Dead => outbox.dead += n,
                Sent => {}
            }
        }
        // Supplements are deliveries too: a stuck one is a stuck outbox.
        for (state, n) in store.supplement_counts().unwrap_or_default() {
            match state.as_str() {
                "pending" | "sending" => outbox.pending += n,
                "dead" => outbox.dead += n,
                _ => {}
            }
        }
        outbox.oldest_pending_age_secs = store
            .oldest_unsent_created_at()
            .ok()
            .flatten()
            .map(|t| (now - t).max(0) as u64);
        if outbox.last_sent_at.is_none() {
            outbox.last_sent_at = store.central_contact().ok().flatten().and_then(|c| c.last_sent_at);
        }
    }
    Heartbeat {
        kiosk_id: config
            .central
            .kiosk_id
            .clone()
            .unwrap_or_else(|| config.kiosk.id.clone()),
        version: env!("CARGO_PKG_VERSION").to_string(),
        uptime_secs: telemetry::uptime_secs(),
        sent_at: Some(now),
        devices: DeviceStates {
            reader: devices.reader,
            printer: devices.printer,
            camera: devices.camera,
            gpio: devices.gpio,
        },
        paper: match devices.paper.as_str() {
            "out" => PaperState::Out,
            "low" => PaperState::Low,
            _ => PaperState::Ok,
        },
        outbox,
        last_errors: telemetry::last_errors(),
        firmware: crate::app::firmware::state(),
    }
}

/// Renews the kiosk's certificate when the central says it expires within
/// [`crate::central_api::RENEW_BEFORE_SECS`] (a failure is tried again at the next beat).
fn renew_when_due(central: &dyn CentralSystem, reply: &crate::central_api::HeartbeatResponse) {
    let Some(expires_at) = reply.certificate_expires_at else {
        return;
    };
    if expires_at - reply.server_time >= crate::central_api::RENEW_BEFORE_SECS {
        return;
    }
    match central.renew_identity() {
        Ok(new_expiry) => log::info!("certificate renewed ahead of its expiry; the new one runs to {new_expiry}"),
        Err(e) => log::warn!("certificate renewal failed (tried again at the next heartbeat): {e}"),
    }
}

/// Sends a heartbeat every `central.heartbeat-secs` (the first one at once).
pub fn spawn_heartbeat(config: Config, central: Arc<dyn CentralSystem>, stop: &'static AtomicBool) {
    let spawned = std::thread::Builder::new().name("heartbeat".into()).spawn(move || {
        let mut store = Store::open_in(&config.kiosk.state_dir).ok();
        let interval = Duration::from_secs(config.central.heartbeat_secs.max(1));
        let mut next = Instant::now();
        while !stop.load(Ordering::SeqCst) {
            if Instant::now() >= next {
                let now = crate::storage::now_unix();
                let beat = heartbeat(&config, store.as_mut(), now);
                match central.heartbeat(&beat) {
                    Ok(reply) => {
                        let drift = reply.server_time - now;
                        if drift.abs() > 60 {
                            log::warn!("heartbeat: the kiosk clock is {drift} s off the central system's");
                        }
                        renew_when_due(central.as_ref(), &reply);
                        super::firmware::offered(reply.update);
                    }
                    Err(e) => log::warn!("heartbeat: {e}"),
                }
                next += interval;
            }
            // Until the next beat, looking at the stop flag once a second meanwhile.
            std::thread::sleep(
                next.saturating_duration_since(Instant::now())
                    .clamp(Duration::from_millis(10), Duration::from_secs(1)),
            );
        }
    });
    if let Err(e) = spawned {
        log::error!("cannot start the heartbeat: {e}");
    }
}

/// How long `/status` and `/metrics` reuse what they read from the store (opening it checks
/// its integrity: not once per scrape).
pub const STATUS_CACHE: Duration = Duration::from_secs(120);

/// The running kiosk's `/status`, `/metrics` and `/healthz`.
pub struct RuntimeStatus {
    pub config: Config,
    cache: std::sync::Mutex<Option<(Instant, super::status::StatusSnapshot)>>,
}

impl RuntimeStatus {
    pub fn new(config: Config) -> RuntimeStatus {
        RuntimeStatus {
            config,
            cache: Default::default(),
        }
    }

    /// What the store says, read at most every [`STATUS_CACHE`].
    fn collected(&self, now: i64) -> super::status::StatusSnapshot {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        match cache.as_ref() {
            Some((at, snapshot)) if at.elapsed() < STATUS_CACHE => snapshot.clone(),
            _ => {
                let snapshot = super::status::collect(&self.config, env!("CARGO_PKG_VERSION"), now);
                *cache = Some((Instant::now(), snapshot.clone()));
                snapshot
            }
        }
    }

    fn snapshot(&self) -> (super::status::StatusSnapshot, serde_json::Value) {
        let now = crate::storage::now_unix();
        let mut snapshot = self.collected(now);
        snapshot.at = now;
        // The live view of this process wins over the last recorded contact.
        if let Some(ok) = telemetry::central_reachable() {
            snapshot.central.reachable = Some(ok);
            snapshot.central.last_contact_at = telemetry::last_contact_at();
        }
        if let Some(at) = telemetry::last_sent_at() {
            snapshot.central.last_sent_at = Some(at);
        }
        let mut json = serde_json::to_value(&snapshot).unwrap_or_default();
        if let Some(map) = json.as_object_mut() {
            map.insert("uptime_secs".into(), telemetry::uptime_secs().into());
            map.insert(
                "devices".into(),
                serde_json::to_value(telemetry::devices()).unwrap_or_default(),
            );
            map.insert("last_errors".into(), telemetry::last_errors().into());
            // The state directory is a path on this machine, not for a monitoring agent.
            map.remove("state_dir");
            // Receipt numbers stay at the kiosk (`kiosk outbox list`): a count and reasons.
            if let Some(central) = map.get_mut("central").and_then(|c| c.as_object_mut()) {
                let reasons: Vec<String> = snapshot.central.dead_letters.iter().map(|d| d.reason.clone()).collect();
                central.insert("dead_letters".into(), reasons.len().into());
                central.insert("dead_letter_reasons".into(), reasons.into());
            }
        }
        (snapshot, json)
    }
}

impl super::local_status::StatusSource for RuntimeStatus {
    fn status_json(&self) -> serde_json::Value {
        self.snapshot().1
    }

    fn metrics(&self) -> String {
        let (s, _) = self.snapshot();
        let devices = telemetry::devices();
        let registry = prometheus::Registry::new();
        let gauge = |name: &str, help: &str, value: f64| {
            let gauge = prometheus::Gauge::new(name, help).expect("a valid metric");
            gauge.set(value);
            registry.register(Box::new(gauge)).expect("each metric registered once");
        };
        gauge("kiosk_up", "1 while the kiosk runs.", 1.0);
        gauge(
            "kiosk_uptime_seconds",
            "Seconds since start.",
            telemetry::uptime_secs() as f64,
        );
        if let Some(outbox) = &s.outbox {
            let (apps, supplements) = (&outbox.counts, &outbox.supplements);
            for (name, help, value) in [
                (
                    "kiosk_outbox_pending",
                    "Applications waiting to be sent.",
                    apps.pending + apps.sending,
                ),
                ("kiosk_outbox_dead", "Applications refused (dead letters).", apps.dead),
                ("kiosk_outbox_sent", "Applications delivered.", apps.sent),
                (
                    "kiosk_supplements_pending",
                    "Supplied materials (补交材料) waiting to be sent.",
                    supplements.pending + supplements.sending,
                ),
                (
                    "kiosk_supplements_dead",
                    "Supplied materials refused by the central system.",
                    supplements.dead,
                ),
            ] {
                gauge(name, help, value as f64);
            }
            gauge(
                "kiosk_outbox_oldest_pending_age_seconds",
                "Age of the oldest application waiting.",
                outbox.oldest_unsent_age_secs.unwrap_or(0) as f64,
            );
        }
        let flag = |on: bool| f64::from(u8::from(on));
        gauge(
            "kiosk_central_reachable",
            "1 when the last contact with the central system worked.",
            flag(s.central.reachable.unwrap_or(false)),
        );
        gauge(
            "kiosk_last_sent_timestamp_seconds",
            "When the last application was delivered (0: never).",
            s.central.last_sent_at.unwrap_or(0) as f64,
        );
        gauge(
            "kiosk_paper_out",
            "1 when the receipt printer is out of paper.",
            flag(devices.paper == "out"),
        );
        register_device_gauges(&registry, &devices);
        let mut out = String::new();
        if let Err(e) = prometheus::TextEncoder::new().encode_utf8(&registry.gather(), &mut out) {
            log::error!("metrics not encoded: {e}");
        }
        out
    }

    fn healthy(&self) -> bool {
        true
    }
}

/// systemd notifications; each is a no-op without `NOTIFY_SOCKET`.
pub mod systemd {
    use std::time::{Duration, Instant};

    /// READY=1: the UI (or the headless services) are up.
    pub fn ready() {
        if let Err(e) = sd_notify::notify(&[sd_notify::NotifyState::Ready]) {
            log::debug!("sd-notify READY: {e}");
        }
    }

    /// STOPPING=1.
    pub fn stopping() {
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
    }

    /// Sends WATCHDOG=1 at most every half watchdog interval; call it from the UI loop's
    /// timer so a frozen UI stops the pings and systemd restarts the kiosk.
    pub struct Watchdog {
        every: Option<Duration>,
        last: Option<Instant>,
    }

    impl Watchdog {
        pub fn from_env() -> Watchdog {
            Watchdog {
                every: sd_notify::watchdog_enabled().map(|d| d / 2),
                last: None,
            }
        }

        pub fn enabled(&self) -> bool {
            self.every.is_some()
        }

        pub fn tick(&mut self) {
            let Some(every) = self.every else { return };
            if self.last.is_none_or(|last| last.elapsed() >= every) {
                let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
                self.last = Some(Instant::now());
            }
        }
    }
}

/// `kiosk_device_ok{device}`: 1 when the device works (or is simulated, or absent).
fn register_device_gauges(registry: &prometheus::Registry, devices: &telemetry::Devices) {
    let opts = prometheus::Opts::new(
        "kiosk_device_ok",
        "1 when the device works (or is simulated, or absent).",
    );
    let device_ok = prometheus::GaugeVec::new(opts, &["device"]).expect("a valid metric");
    for (device, state) in [
        ("reader", &devices.reader),
        ("printer", &devices.printer),
        ("camera", &devices.camera),
        ("gpio", &devices.gpio),
    ] {
        let ok = crate::central_api::device_ok(state) || state == "absent";
        device_ok.with_label_values(&[device]).set(f64::from(u8::from(ok)));
    }
    registry
        .register(Box::new(device_ok))
        .expect("each metric registered once");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::local_status::StatusSource;

    #[test]
    fn the_status_endpoint_counts_dead_letters_without_their_receipt_numbers_and_reads_the_store_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.kiosk.state_dir = dir.path().to_path_buf();
        let status = RuntimeStatus::new(config.clone());
        let mut snapshot = super::super::status::collect(&config, "test", 0);
        snapshot.central.dead_letters.push(super::super::status::DeadLetter {
            receipt_no: "DEV1-261126-0001-1".into(),
            item_code: "ID-003".into(),
            reason: "422 invalid_application".into(),
        });
        *status.cache.lock().unwrap() = Some((Instant::now(), snapshot));
        let json = status.status_json();
        assert_eq!(json["central"]["dead_letters"], 1);
        assert_eq!(json["central"]["dead_letter_reasons"][0], "422 invalid_application");
        let text = json.to_string();
        assert!(!text.contains("DEV1-261126-0001-1"), "{text}");
        assert!(status.metrics().contains("kiosk_up"));
        // Within the cache's life the store is not read again (the staged snapshot stays).
        assert_eq!(status.status_json()["central"]["dead_letters"], 1);
    }
}
