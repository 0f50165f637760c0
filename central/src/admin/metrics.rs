//! `/metrics` of the central system: one gauge per kiosk for each fact its last heartbeat
//! gave (up, partial, paper, outbox, devices, version), the applications held, and the API's
//! request counts and time, written by the `prometheus` crate's registry and text encoder.

use super::failure;
use crate::http::Resp;
use crate::state::Central;
use crate::store::KioskView;
use township_core::central_api::device_ok;

fn flag(on: bool) -> f64 {
    f64::from(u8::from(on))
}

/// The per-kiosk gauges: name, help, value.
type KioskGauge = (&'static str, &'static str, fn(&KioskView) -> f64);

const PER_KIOSK: &[KioskGauge] = &[
    (
        "township_kiosk_up",
        "1 when the kiosk's last heartbeat is recent.",
        |k| flag(k.state != "offline"),
    ),
    (
        "township_kiosk_partial",
        "1 when the kiosk heartbeats but its submissions fail.",
        |k| flag(k.state == "partial"),
    ),
    (
        "township_kiosk_last_heartbeat_timestamp_seconds",
        "Unix time of the last heartbeat.",
        |k| k.last_seen as f64,
    ),
    (
        "township_kiosk_certificate_expiry_timestamp_seconds",
        "Unix time when the kiosk's newest unrevoked certificate expires (0: unknown).",
        |k| k.certificate_expires_at.unwrap_or(0) as f64,
    ),
    (
        "township_kiosk_uptime_seconds",
        "Kiosk process uptime at the last heartbeat.",
        |k| k.uptime_secs as f64,
    ),
    (
        "township_kiosk_clock_drift_seconds",
        "Kiosk clock minus server clock.",
        |k| k.clock_drift as f64,
    ),
    (
        "township_kiosk_outbox_pending",
        "Applications waiting in the kiosk's outbox.",
        |k| k.pending as f64,
    ),
    (
        "township_kiosk_outbox_dead",
        "Dead letters in the kiosk's outbox.",
        |k| k.dead as f64,
    ),
    (
        "township_kiosk_outbox_oldest_pending_age_seconds",
        "Age of the oldest pending application.",
        |k| k.oldest_pending_age.unwrap_or(0) as f64,
    ),
    (
        "township_kiosk_paper_low",
        "1 when the printer reports paper low.",
        |k| flag(k.paper == "low"),
    ),
    ("township_kiosk_paper_out", "1 when the printer is out of paper.", |k| {
        flag(k.paper == "out")
    }),
    (
        "township_kiosk_submissions",
        "Applications this kiosk delivered.",
        |k| k.submissions as f64,
    ),
];

/// One scrape's metrics, written by the `prometheus` crate (its registry and text encoder).
struct Exposition(prometheus::Registry);

impl Exposition {
    /// A gauge family `name` over `labels`, one value per row of label values.
    fn gauges<'a>(&self, name: &str, help: &str, labels: &[&str], rows: impl IntoIterator<Item = (Vec<&'a str>, f64)>) {
        let family = prometheus::GaugeVec::new(prometheus::Opts::new(name, help), labels).expect("a valid metric");
        for (values, value) in rows {
            family.with_label_values(&values).set(value);
        }
        self.0.register(Box::new(family)).expect("each metric registered once");
    }

    /// A counter family from a snapshot of totals.
    fn counters<'a>(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
        rows: impl IntoIterator<Item = (Vec<&'a str>, f64)>,
    ) {
        let family = prometheus::CounterVec::new(prometheus::Opts::new(name, help), labels).expect("a valid metric");
        for (values, value) in rows {
            family.with_label_values(&values).inc_by(value);
        }
        self.0.register(Box::new(family)).expect("each metric registered once");
    }

    fn text(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus::TextEncoder::new().encode_utf8(&self.0.gather(), &mut out) {
            log::error!("metrics not encoded: {e}");
        }
        out
    }
}

pub(super) fn metrics(central: &Central) -> Resp {
    let kiosks = match central.store.kiosks(&crate::store::Operator::cli()) {
        Ok(k) => k,
        Err(e) => return failure(e),
    };
    let metrics = Exposition(prometheus::Registry::new());
    for (name, help, value) in PER_KIOSK {
        let rows = kiosks.iter().map(|k| (vec![k.kiosk_id.as_str()], value(k)));
        metrics.gauges(name, help, &["kiosk"], rows);
    }
    let devices = kiosks.iter().flat_map(|k| {
        [
            ("reader", &k.reader),
            ("printer", &k.printer),
            ("camera", &k.camera),
            ("gpio", &k.gpio),
        ]
        .into_iter()
        .filter(|(_, state)| !state.is_empty())
        .map(move |(device, state)| (vec![k.kiosk_id.as_str(), device], flag(device_ok(state))))
    });
    let device_help = "1 when the device reports ok (or simulated).";
    metrics.gauges("township_kiosk_device_ok", device_help, &["kiosk", "device"], devices);
    let versions = kiosks
        .iter()
        .map(|k| (vec![k.kiosk_id.as_str(), k.version.as_str()], 1.0));
    metrics.gauges(
        "township_kiosk_info",
        "Kiosk software version.",
        &["kiosk", "version"],
        versions,
    );
    firmware_gauges(&metrics, central, &kiosks);
    let applications = central.store.count_applications().unwrap_or(0) as f64;
    metrics.gauges(
        "township_central_applications",
        "Applications held.",
        &[],
        [(vec![], applications)],
    );
    request_counters(&metrics, central);
    Resp::text(200, "text/plain; version=0.0.4; charset=utf-8", metrics.text())
}

/// The image each kiosk runs, whether it is behind the fleet's target (the newest completed
/// rollout), and each recent rollout's state and kiosks per stage.
fn firmware_gauges(metrics: &Exposition, central: &Central, kiosks: &[KioskView]) {
    let images: Vec<&KioskView> = kiosks.iter().filter(|k| k.firmware_version.is_some()).collect();
    let info = images.iter().map(|k| {
        let version = k.firmware_version.as_deref().unwrap_or("");
        (
            vec![k.kiosk_id.as_str(), version, k.firmware_slot.as_deref().unwrap_or("")],
            1.0,
        )
    });
    metrics.gauges(
        "township_kiosk_firmware_info",
        "The image version and booted slot of a kiosk booted from the image.",
        &["kiosk", "version", "slot"],
        info,
    );
    let target = central.store.firmware_target().ok().flatten();
    let behind = images.iter().map(|k| {
        let behind = target
            .as_deref()
            .is_some_and(|t| k.firmware_version.as_deref() != Some(t));
        (vec![k.kiosk_id.as_str()], flag(behind))
    });
    metrics.gauges(
        "township_kiosk_firmware_behind",
        "1 when the kiosk does not run the newest completed rollout's version.",
        &["kiosk"],
        behind,
    );
    let rollouts = central
        .store
        .rollouts(&crate::store::Operator::cli())
        .unwrap_or_default();
    let ids: Vec<String> = rollouts.iter().map(|r| r.rollout_id.to_string()).collect();
    let halted = rollouts
        .iter()
        .zip(&ids)
        .map(|(r, id)| (vec![id.as_str(), r.version.as_str()], flag(r.state == "halted")));
    metrics.gauges(
        "township_rollout_halted",
        "1 when the rollout halted by itself at its failure threshold.",
        &["rollout", "version"],
        halted,
    );
    let percent = rollouts
        .iter()
        .zip(&ids)
        .map(|(r, id)| (vec![id.as_str(), r.state.as_str()], r.percent as f64));
    metrics.gauges(
        "township_rollout_percent",
        "The share of the image kiosks the rollout is offered to, by state.",
        &["rollout", "state"],
        percent,
    );
    let stages = rollouts.iter().zip(&ids).flat_map(|(r, id)| {
        r.stages
            .iter()
            .map(move |(stage, n)| (vec![id.as_str(), stage.as_str()], *n as f64))
    });
    metrics.gauges(
        "township_rollout_kiosks",
        "Kiosks of the rollout by their last reported stage.",
        &["rollout", "stage"],
        stages,
    );
}

/// The API's requests by kind and status: how many, and the time spent on them.
fn request_counters(metrics: &Exposition, central: &Central) {
    let snapshot = central.metrics.snapshot();
    let statuses: Vec<String> = snapshot.iter().map(|((_, status), _)| status.to_string()).collect();
    let rows = |pick: fn(&(u64, f64)) -> f64| {
        snapshot
            .iter()
            .zip(&statuses)
            .map(move |(((kind, _), totals), status)| (vec![*kind, status.as_str()], pick(totals)))
    };
    let labels = &["kind", "status"];
    metrics.counters(
        "township_central_requests_total",
        "API requests by kind and status.",
        labels,
        rows(|t| t.0 as f64),
    );
    metrics.counters(
        "township_central_request_seconds_total",
        "Time spent on API requests.",
        labels,
        rows(|t| t.1),
    );
}
