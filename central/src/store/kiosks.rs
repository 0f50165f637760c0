//! The fleet: heartbeats, the dashboard's view of each kiosk, certificates and revocation.

use super::*;

/// The dashboard's view of one kiosk.
#[derive(Clone, Debug, serde::Serialize)]
pub struct KioskView {
    pub kiosk_id: String,
    pub state: &'static str,
    pub version: String,
    pub uptime_secs: i64,
    pub last_seen: i64,
    pub clock_drift: i64,
    pub reader: String,
    pub printer: String,
    pub camera: String,
    pub gpio: String,
    pub paper: String,
    pub pending: i64,
    pub dead: i64,
    pub oldest_pending_age: Option<i64>,
    pub last_sent_at: Option<i64>,
    pub last_errors: Vec<String>,
    pub submissions: i64,
    pub refused: i64,
}

impl Store {
    // ---- fleet ----------------------------------------------------------------------

    pub fn heartbeat(&self, kiosk: &str, hb: &api::Heartbeat) -> Result<api::HeartbeatResponse> {
        if hb.kiosk_id != kiosk {
            return refuse(403, "kiosk_id_mismatch", "kiosk_id differs from the client certificate");
        }
        let now = now();
        let errors: Vec<String> = hb
            .last_errors
            .iter()
            .take(10)
            .map(|e| e.chars().take(200).collect())
            .collect();
        let clip = |s: &str| s.chars().take(80).collect::<String>();
        self.tx(|sql| {
            sql.exec(
                "INSERT INTO kiosks (kiosk_id) VALUES ($1) ON CONFLICT (kiosk_id) DO NOTHING",
                &[kiosk.into()],
            )?;
            sql.exec(
                "UPDATE kiosks SET version = $2, uptime_secs = $3, last_seen = $4, clock_drift = $5, reader = $6, printer = $7, camera = $8, gpio = $9, \
                 paper = $10, pending = $11, dead = $12, oldest_pending_age = $13, last_sent_at = $14, last_errors = $15, heartbeats = heartbeats + 1 WHERE kiosk_id = $1",
                &[
                    kiosk.into(),
                    clip(&hb.version).into(),
                    (hb.uptime_secs as i64).into(),
                    now.into(),
                    hb.sent_at.map(|t| t - now).unwrap_or(0).into(),
                    clip(&hb.devices.reader).into(),
                    clip(&hb.devices.printer).into(),
                    clip(&hb.devices.camera).into(),
                    clip(&hb.devices.gpio).into(),
                    hb.paper.as_str().into(),
                    (hb.outbox.pending as i64).into(),
                    (hb.outbox.dead as i64).into(),
                    hb.outbox.oldest_pending_age_secs.map(|v| v as i64).into(),
                    hb.outbox.last_sent_at.into(),
                    serde_json::to_string(&errors)?.into(),
                ],
            )?;
            Ok(())
        })?;
        Ok(api::HeartbeatResponse { server_time: now })
    }

    pub fn kiosks(&self) -> Result<Vec<KioskView>> {
        let now = now();
        self.tx(|sql| {
            let rows = sql.query(
                "SELECT kiosk_id, version, uptime_secs, last_seen, clock_drift, reader, printer, camera, gpio, paper, pending, dead, \
                 oldest_pending_age, last_sent_at, last_errors, submissions, refused, last_refused_at FROM kiosks ORDER BY kiosk_id",
                &[],
            )?;
            Ok(rows
                .iter()
                .map(|r| {
                    let last_seen = r.int("last_seen");
                    let online = r.opt_int("last_seen").is_some() && now - last_seen <= self.offline_after_secs;
                    let failing = r.int("dead") > 0
                        || r.opt_int("oldest_pending_age").is_some_and(|age| age > 300)
                        || r.opt_int("last_refused_at").is_some_and(|at| now - at < 3600);
                    KioskView {
                        kiosk_id: r.text("kiosk_id"),
                        state: match (online, failing) {
                            (false, _) => "offline",
                            (true, true) => "partial",
                            (true, false) => "online",
                        },
                        version: r.text("version"),
                        uptime_secs: r.int("uptime_secs"),
                        last_seen,
                        clock_drift: r.int("clock_drift"),
                        reader: r.text("reader"),
                        printer: r.text("printer"),
                        camera: r.text("camera"),
                        gpio: r.text("gpio"),
                        paper: r.text("paper"),
                        pending: r.int("pending"),
                        dead: r.int("dead"),
                        oldest_pending_age: r.opt_int("oldest_pending_age"),
                        last_sent_at: r.opt_int("last_sent_at"),
                        last_errors: serde_json::from_str(&r.text("last_errors")).unwrap_or_default(),
                        submissions: r.int("submissions"),
                        refused: r.int("refused"),
                    }
                })
                .collect())
        })
    }

    // ---- certificates ---------------------------------------------------------------

    pub fn record_certificate(&self, kiosk: &str, fingerprint: &str) -> Result<()> {
        self.tx(|sql| {
            sql.exec(
                "INSERT INTO certificates (fingerprint, kiosk_id, issued_at) VALUES ($1, $2, $3) ON CONFLICT (fingerprint) DO NOTHING",
                &[fingerprint.into(), kiosk.into(), now().into()],
            )?;
            Ok(())
        })
    }

    /// Revokes every certificate of the kiosk; the number revoked.
    pub fn revoke(&self, kiosk: &str) -> Result<u64> {
        self.tx(|sql| {
            sql.exec(
                "UPDATE certificates SET revoked_at = $1 WHERE kiosk_id = $2 AND revoked_at IS NULL",
                &[now().into(), kiosk.into()],
            )
        })
    }

    pub fn revoked(&self) -> Result<std::collections::HashSet<String>> {
        self.tx(|sql| {
            Ok(sql
                .query("SELECT fingerprint FROM certificates WHERE revoked_at IS NOT NULL", &[])?
                .iter()
                .map(|r| r.text("fingerprint"))
                .collect())
        })
    }
}
