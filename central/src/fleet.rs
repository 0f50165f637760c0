//! `simulate-fleet`: N simulated kiosks, each with its own enrolled certificate and one
//! kept-alive connection, heartbeating at their interval (first beats spread over one
//! interval, as a real fleet's are) and submitting applications at a fleet-wide Poisson rate.
//! Reports throughput and p50/p99 latency per request kind.

use crate::http::Client;
use crate::pki::{self, Ca};
use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use township_core::central_api as api;
use township_core::domain::receipt::ReceiptNumber;

pub struct Plan {
    pub dir: PathBuf,
    pub addr: SocketAddr,
    pub kiosks: usize,
    pub duration_secs: u64,
    pub submit_rate: f64,
    pub heartbeat_secs: u64,
    /// The share of kiosks whose update fails (0 to 1): see [`crate::fleet_firmware`].
    pub update_failure_rate: f64,
}

#[derive(Debug, Serialize)]
pub struct KindReport {
    pub count: usize,
    pub errors: usize,
    pub per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub kiosks: usize,
    pub duration_secs: f64,
    pub heartbeat_secs: u64,
    pub submit_rate: f64,
    pub kinds: BTreeMap<String, KindReport>,
}

impl Report {
    pub fn render(&self) -> String {
        let mut out = format!(
            "{} kiosks, {:.0} s, heartbeat every {} s, {} submissions/s offered\n{:<10} {:>8} {:>7} {:>9} {:>9} {:>9} {:>9}\n",
            self.kiosks, self.duration_secs, self.heartbeat_secs, self.submit_rate, "kind", "count", "errors", "per s", "p50 ms", "p99 ms", "max ms"
        );
        for (kind, k) in &self.kinds {
            out.push_str(&format!(
                "{kind:<10} {:>8} {:>7} {:>9.1} {:>9.1} {:>9.1} {:>9.1}\n",
                k.count, k.errors, k.per_sec, k.p50_ms, k.p99_ms, k.max_ms
            ));
        }
        out
    }
}

/// Latencies (milliseconds) and error counts per request kind.
#[derive(Default)]
struct Samples {
    ms: BTreeMap<&'static str, Vec<f64>>,
    errors: BTreeMap<&'static str, usize>,
}

impl Samples {
    /// Records a request of `kind` that succeeded, sent at `t`.
    fn succeeded(&mut self, kind: &'static str, t: Instant) {
        self.ms
            .entry(kind)
            .or_default()
            .push(t.elapsed().as_secs_f64() * 1000.0);
    }

    /// Counts a request of `kind` that failed.
    fn failed(&mut self, kind: &'static str) {
        *self.errors.entry(kind).or_default() += 1;
    }

    /// Adds another kiosk's samples to these.
    fn merge(&mut self, other: Samples) {
        for (k, v) in other.ms {
            self.ms.entry(k).or_default().extend(v);
        }
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
    }
}

/// xorshift64*: the simulator's randomness (no crate needed, deterministic per kiosk).
struct Rng(u64);
impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Exponentially distributed wait with the given mean.
    fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.next_f64()).ln()
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Enrols the plan's kiosks, runs them against the server for the plan's duration and
/// reports per request kind.
pub fn run(plan: &Plan) -> Result<Report> {
    let configs = enrol_fleet(plan)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let seq = Arc::new(std::sync::atomic::AtomicU32::new(1));
    let started = Instant::now();
    let samples = runtime.block_on(drive_fleet(plan, configs, seq));
    let elapsed = started.elapsed().as_secs_f64().max(plan.duration_secs as f64);
    let kinds = kind_reports(&samples, elapsed);
    runtime.shutdown_timeout(Duration::from_secs(2));
    Ok(Report {
        kiosks: plan.kiosks,
        duration_secs: elapsed,
        heartbeat_secs: plan.heartbeat_secs,
        submit_rate: plan.submit_rate,
        kinds,
    })
}

/// A simulated kiosk ready to run: its id, its receipt prefix and its TLS client config.
type SimKiosk = (String, String, Arc<rustls::ClientConfig>);

/// Enrols the plan's kiosks as `enroll` does (each with its own certificate, recorded, and
/// its own receipt prefix) and returns them.
fn enrol_fleet(plan: &Plan) -> Result<Vec<SimKiosk>> {
    let ca = Ca::load_kiosk_ca(&plan.dir)
        .context("simulate-fleet signs its kiosks' certificates with the kiosk CA in --dir")?;
    let server_ca = std::fs::read_to_string(plan.dir.join(pki::CA_CERT)).context("reading the server CA")?;
    let store = crate::server::open_store(&plan.dir, None)?;
    let run = {
        let u = uuid::Uuid::new_v4().simple().to_string().to_ascii_uppercase();
        u[..2].to_string()
    };
    eprintln!("enrolling {} simulated kiosks…", plan.kiosks);
    let mut configs = Vec::with_capacity(plan.kiosks);
    for i in 0..plan.kiosks {
        // Each kiosk its own receipt prefix: the run's two characters and the index.
        let prefix = format!("{run}{}", base36(i, 4));
        let id = format!("SIM-{prefix}-{i:05}");
        let key = rcgen::KeyPair::generate()?;
        let issued = ca.issue_kiosk_for(&id, &key)?;
        // Recorded before use, as `enroll` does: an unrecorded certificate is refused.
        store.enrol(&crate::store::Operator::cli(), &id, &prefix)?;
        store.record_certificate(&id, &issued.fingerprint, issued.expires_at)?;
        let tls = pki::client_config(&server_ca, Some((&issued.cert_pem, &key.serialize_pem())))?;
        configs.push((id, prefix, Arc::new(tls)));
    }
    drop(store);
    Ok(configs)
}

/// Runs every kiosk as its own task until the plan's duration is over; their samples
/// together.
async fn drive_fleet(plan: &Plan, configs: Vec<SimKiosk>, seq: Arc<std::sync::atomic::AtomicU32>) -> Samples {
    let mut tasks = Vec::with_capacity(configs.len());
    let n = configs.len();
    for (i, (id, prefix, tls)) in configs.into_iter().enumerate() {
        let addr = plan.addr;
        let hb = Duration::from_secs(plan.heartbeat_secs.max(1));
        let duration = Duration::from_secs(plan.duration_secs);
        let per_kiosk_mean = if plan.submit_rate > 0.0 {
            n as f64 / plan.submit_rate
        } else {
            f64::INFINITY
        };
        let seq = seq.clone();
        let firmware = crate::fleet_firmware::SimFirmware::new(&id, plan.update_failure_rate);
        tasks.push(tokio::spawn(async move {
            kiosk(i, n, id, tls, addr, hb, duration, per_kiosk_mean, seq, prefix, firmware).await
        }));
    }
    let mut all = Samples::default();
    for t in tasks {
        if let Ok(s) = t.await {
            all.merge(s);
        }
    }
    all
}

/// Count, errors, rate and latency percentiles of each request kind over `elapsed` seconds.
fn kind_reports(samples: &Samples, elapsed: f64) -> BTreeMap<String, KindReport> {
    let mut kinds = BTreeMap::new();
    let names: std::collections::BTreeSet<&str> = samples.ms.keys().chain(samples.errors.keys()).copied().collect();
    for kind in names {
        let mut ms = samples.ms.get(kind).cloned().unwrap_or_default();
        ms.sort_by(|a, b| a.total_cmp(b));
        kinds.insert(
            kind.to_string(),
            KindReport {
                count: ms.len(),
                errors: samples.errors.get(kind).copied().unwrap_or(0),
                per_sec: ms.len() as f64 / elapsed,
                p50_ms: percentile(&ms, 0.50),
                p99_ms: percentile(&ms, 0.99),
                max_ms: ms.last().copied().unwrap_or(0.0),
            },
        );
    }
    kinds
}

/// One simulated kiosk: heartbeats every `hb` (the first at its place in the fleet's
/// spread) and submissions at exponential intervals of mean `submit_mean_secs`, over one
/// connection, made again after a failure; its samples.
#[allow(clippy::too_many_arguments)]
async fn kiosk(
    index: usize,
    fleet: usize,
    id: String,
    tls: Arc<rustls::ClientConfig>,
    addr: SocketAddr,
    hb: Duration,
    duration: Duration,
    submit_mean_secs: f64,
    seq: Arc<std::sync::atomic::AtomicU32>,
    prefix: String,
    mut firmware: crate::fleet_firmware::SimFirmware,
) -> Samples {
    let mut samples = Samples::default();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (index as u64 + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9));
    let start = tokio::time::Instant::now();
    let end = start + duration;
    let mut next_hb = start + hb.mul_f64(index as f64 / fleet.max(1) as f64);
    let mut next_submit = start + Duration::from_secs_f64(rng.exp(submit_mean_secs).min(1e6));
    let mut client: Option<Client> = None;
    let booted = Instant::now();
    loop {
        let (at, is_hb) = if next_hb <= next_submit {
            (next_hb, true)
        } else {
            (next_submit, false)
        };
        if at >= end {
            break;
        }
        tokio::time::sleep_until(at).await;
        if client.is_none() {
            client = connect(addr, &tls, &id, &mut samples).await;
            if client.is_none() {
                if is_hb {
                    next_hb += hb;
                } else {
                    next_submit += Duration::from_secs_f64(rng.exp(submit_mean_secs).min(1e6));
                }
                continue;
            }
        }
        let Some(c) = client.as_mut() else { continue };
        let t = Instant::now();
        let (kind, result) = if is_hb {
            next_hb += hb;
            let beat = heartbeat(&id, booted, firmware.state());
            let result = c.post("/api/v1/heartbeat", &beat).await;
            if let Some(answer) = result.as_ref().ok().filter(|a| a.status < 300) {
                let offer = answer.json::<api::HeartbeatResponse>().ok().and_then(|r| r.update);
                follow_offer(c, &mut firmware, offer.as_ref(), &mut samples).await;
            }
            ("heartbeat", result)
        } else {
            next_submit += Duration::from_secs_f64(rng.exp(submit_mean_secs).min(1e6));
            ("submit", submit(c, &id, &prefix, &seq).await)
        };
        match result {
            Ok(answer) if answer.status < 300 => samples.succeeded(kind, t),
            Ok(_) => samples.failed(kind),
            Err(_) => {
                samples.failed(kind);
                client = None;
            }
        }
    }
    samples
}

/// A kiosk's connection to the server, its time recorded as "connect" (or the failure).
async fn connect(addr: SocketAddr, tls: &Arc<rustls::ClientConfig>, id: &str, samples: &mut Samples) -> Option<Client> {
    let t = Instant::now();
    match Client::connect(addr, tls.clone(), Some(id)).await {
        Ok(c) => {
            samples.succeeded("connect", t);
            Some(c)
        }
        Err(_) => {
            samples.failed("connect");
            None
        }
    }
}

/// Takes an offered rollout one stage on; a range of the bundle is fetched ("bundle") and
/// finishes are counted ("update-done", "update-failed").
async fn follow_offer(
    c: &mut Client,
    firmware: &mut crate::fleet_firmware::SimFirmware,
    offer: Option<&township_core::firmware_api::UpdateOffer>,
    samples: &mut Samples,
) {
    use crate::fleet_firmware::Step;
    match firmware.step(offer) {
        Step::Fetch { rollout_id, from, to } => {
            let t = Instant::now();
            let range = format!("bytes={from}-{to}");
            let path = format!("/api/v1/rollouts/{rollout_id}/bundle");
            match c.request("GET", &path, &[("range", &range)], Vec::new()).await {
                Ok(a) if a.status == 206 && a.body.len() as u64 == to - from + 1 => samples.succeeded("bundle", t),
                Ok(a) => {
                    samples.failed("bundle");
                    firmware.fetch_failed(rollout_id, &format!("HTTP {}", a.status));
                }
                Err(e) => {
                    samples.failed("bundle");
                    firmware.fetch_failed(rollout_id, &e.to_string());
                }
            }
        }
        Step::Finished(stage) => {
            let kind = if stage == township_core::firmware_api::UpdateStage::Done {
                "update-done"
            } else {
                "update-failed"
            };
            samples.succeeded(kind, Instant::now());
        }
        Step::Nothing => {}
    }
}

/// A simulated kiosk's heartbeat: every device "sim", the outbox empty, an image kiosk
/// (also the tests' heartbeat of an image kiosk).
pub fn heartbeat(id: &str, booted: Instant, firmware: township_core::firmware_api::FirmwareState) -> api::Heartbeat {
    api::Heartbeat {
        kiosk_id: id.to_string(),
        version: "0.1.0-sim".into(),
        uptime_secs: booted.elapsed().as_secs(),
        sent_at: Some(crate::store::now()),
        devices: api::DeviceStates {
            reader: "sim".into(),
            printer: "sim".into(),
            camera: "sim".into(),
            gpio: "sim".into(),
        },
        paper: api::PaperState::Ok,
        outbox: api::OutboxSummary {
            pending: 0,
            dead: 0,
            oldest_pending_age_secs: None,
            last_sent_at: None,
        },
        last_errors: Vec::new(),
        firmware: Some(firmware),
    }
}

/// Submits a made-up application of kiosk `id`, its receipt the next of `seq`.
async fn submit(
    c: &mut Client,
    id: &str,
    prefix: &str,
    seq: &std::sync::atomic::AtomicU32,
) -> Result<crate::http::Answer> {
    let request = submission(id, prefix, seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let key = request.application.uuid.clone();
    let body = serde_json::to_vec(&request).unwrap_or_default();
    let headers = [(api::IDEMPOTENCY_KEY_HEADER, key.as_str())];
    c.request("POST", "/api/v1/applications", &headers, body).await
}

/// A made-up application (the kiosk library's sample person) under a fresh UUID.
pub fn submission(kiosk_id: &str, prefix: &str, seq: u32) -> api::SubmitApplication {
    let uuid = uuid::Uuid::new_v4().to_string();
    let application = township_core::sample::application(&uuid);
    let receipt = ReceiptNumber::issue(prefix, application.submitted_on, seq).expect("valid prefix");
    api::SubmitApplication {
        kiosk_id: kiosk_id.to_string(),
        receipt_no: receipt.as_str().to_string(),
        materials: vec![
            api::MaterialManifest {
                code: "household-book".into(),
                photos: 1,
                bytes: 1000,
            },
            api::MaterialManifest {
                code: "id-photo-receipt".into(),
                photos: 1,
                bytes: 1000,
            },
        ],
        application,
        // Made up: a kiosk makes it with its key and prints it in the receipt's QR code.
        progress_token: Some(uuid::Uuid::new_v4().simple().to_string()),
    }
}

/// `n` in base 36, `width` digits (zero-padded; wider when it does not fit).
fn base36(mut n: usize, width: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = Vec::new();
    while n > 0 || out.len() < width {
        out.push(DIGITS[n % 36]);
        n /= 36;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}
