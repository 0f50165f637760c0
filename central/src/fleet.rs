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

#[derive(Default)]
struct Samples {
    ms: BTreeMap<&'static str, Vec<f64>>,
    errors: BTreeMap<&'static str, usize>,
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

pub fn run(plan: &Plan) -> Result<Report> {
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
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let seq = Arc::new(std::sync::atomic::AtomicU32::new(1));
    let started = Instant::now();
    let samples = runtime.block_on(async {
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
            tasks.push(tokio::spawn(async move {
                kiosk(i, n, id, tls, addr, hb, duration, per_kiosk_mean, seq, prefix).await
            }));
        }
        let mut all = Samples::default();
        for t in tasks {
            if let Ok(s) = t.await {
                for (k, v) in s.ms {
                    all.ms.entry(k).or_default().extend(v);
                }
                for (k, v) in s.errors {
                    *all.errors.entry(k).or_default() += v;
                }
            }
        }
        all
    });
    let elapsed = started.elapsed().as_secs_f64().max(plan.duration_secs as f64);
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
    runtime.shutdown_timeout(Duration::from_secs(2));
    Ok(Report {
        kiosks: plan.kiosks,
        duration_secs: elapsed,
        heartbeat_secs: plan.heartbeat_secs,
        submit_rate: plan.submit_rate,
        kinds,
    })
}

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
            let t = Instant::now();
            match Client::connect(addr, tls.clone(), Some(&id)).await {
                Ok(c) => {
                    samples
                        .ms
                        .entry("connect")
                        .or_default()
                        .push(t.elapsed().as_secs_f64() * 1000.0);
                    client = Some(c);
                }
                Err(_) => {
                    *samples.errors.entry("connect").or_default() += 1;
                    if is_hb {
                        next_hb += hb;
                    } else {
                        next_submit += Duration::from_secs_f64(rng.exp(submit_mean_secs).min(1e6));
                    }
                    continue;
                }
            }
        }
        let Some(c) = client.as_mut() else { continue };
        let t = Instant::now();
        let (kind, result) = if is_hb {
            next_hb += hb;
            let beat = api::Heartbeat {
                kiosk_id: id.clone(),
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
            };
            ("heartbeat", c.post("/api/v1/heartbeat", &beat).await)
        } else {
            next_submit += Duration::from_secs_f64(rng.exp(submit_mean_secs).min(1e6));
            let request = submission(&id, &prefix, seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
            let key = request.application.uuid.clone();
            let body = serde_json::to_vec(&request).unwrap_or_default();
            (
                "submit",
                c.request(
                    "POST",
                    "/api/v1/applications",
                    &[(api::IDEMPOTENCY_KEY_HEADER, &key)],
                    body,
                )
                .await,
            )
        };
        match result {
            Ok(answer) if answer.status < 300 => samples
                .ms
                .entry(kind)
                .or_default()
                .push(t.elapsed().as_secs_f64() * 1000.0),
            Ok(_) => *samples.errors.entry(kind).or_default() += 1,
            Err(_) => {
                *samples.errors.entry(kind).or_default() += 1;
                client = None;
            }
        }
    }
    samples
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
