//! The fleet: heartbeats, the dashboard's view of each kiosk, enrolment (the receipt prefix
//! a kiosk may issue), certificates (recorded before they are handed out: only recorded,
//! unrevoked, unexpired certificates are accepted) and revocation.

use super::*;

/// The dashboard's view of one kiosk.
#[derive(Clone, Debug, serde::Serialize)]
pub struct KioskView {
    pub kiosk_id: String,
    /// When the kiosk's newest unrevoked certificate expires (Unix seconds).
    pub certificate_expires_at: Option<i64>,
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
    /// The image version and booted slot (image kiosks only).
    pub firmware_version: Option<String>,
    pub firmware_slot: Option<String>,
}

/// The width of a heartbeat bucket, and how long buckets are kept.
pub const BUCKET_SECS: i64 = 300;
pub const BUCKETS_KEPT_SECS: i64 = 86_400;

/// One five-minute bucket of a kiosk's heartbeats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BeatBucket {
    /// Unix seconds of the bucket's start.
    pub at: i64,
    pub beats: i64,
    /// The outbox's pending count at the bucket's last beat.
    pub pending: i64,
    /// Whether every device was working at the bucket's last beat.
    pub devices_ok: bool,
}

impl Store {
    // ---- fleet ----------------------------------------------------------------------

    /// Counts a heartbeat in its five-minute bucket and drops buckets older than a day.
    fn record_beat(sql: &mut dyn Sql, kiosk: &str, now: i64, hb: &api::Heartbeat) -> Result<()> {
        let d = &hb.devices;
        let all_ok = [&d.reader, &d.printer, &d.camera, &d.gpio]
            .iter()
            .all(|s| api::device_ok(s) || s.as_str() == "absent");
        sql.exec(
            "INSERT INTO heartbeat_buckets (kiosk_id, bucket, beats, pending, devices_ok) VALUES ($1, $2, 1, $3, $4) \
             ON CONFLICT (kiosk_id, bucket) DO UPDATE SET beats = heartbeat_buckets.beats + 1, pending = $3, devices_ok = $4",
            &[
                kiosk.into(),
                (now - now.rem_euclid(BUCKET_SECS)).into(),
                (hb.outbox.pending as i64).into(),
                i64::from(all_ok).into(),
            ],
        )?;
        sql.exec(
            "DELETE FROM heartbeat_buckets WHERE kiosk_id = $1 AND bucket < $2",
            &[kiosk.into(), (now - BUCKETS_KEPT_SECS).into()],
        )?;
        Ok(())
    }

    /// A kiosk's heartbeat buckets over the last day, oldest first.
    pub fn beat_buckets(&self, operator: &Operator, kiosk_id: &str) -> Result<Vec<BeatBucket>> {
        operator.require(operator.may_review() || operator.may_audit())?;
        self.tx(|sql| {
            Ok(sql
                .query(
                    "SELECT bucket, beats, pending, devices_ok FROM heartbeat_buckets WHERE kiosk_id = $1 AND bucket >= $2 ORDER BY bucket",
                    &[kiosk_id.into(), (now() - BUCKETS_KEPT_SECS).into()],
                )?
                .iter()
                .map(|r| BeatBucket {
                    at: r.int("bucket"),
                    beats: r.int("beats"),
                    pending: r.int("pending"),
                    devices_ok: r.int("devices_ok") == 1,
                })
                .collect())
        })
    }

    pub fn heartbeat(&self, kiosk: Kiosk, hb: &api::Heartbeat) -> Result<api::HeartbeatResponse> {
        let kiosk = kiosk.id();
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
        let update = self.tx(|sql| {
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
            Self::record_beat(sql, kiosk, now, hb)?;
            Self::rollout_heartbeat(sql, kiosk, hb.firmware.as_ref(), now)
        })?;
        Ok(api::HeartbeatResponse {
            server_time: now,
            certificate_expires_at: None,
            update,
        })
    }

    pub fn kiosks(&self, operator: &Operator) -> Result<Vec<KioskView>> {
        operator.require(operator.may_review() || operator.may_audit())?;
        let now = now();
        self.tx(|sql| {
            let rows = sql.query(
                "SELECT k.kiosk_id, version, uptime_secs, last_seen, clock_drift, reader, printer, camera, gpio, paper, pending, dead, \
                 oldest_pending_age, last_sent_at, last_errors, submissions, refused, last_refused_at, firmware_version, firmware_slot, \
                 (SELECT MAX(c.expires_at) FROM certificates c WHERE c.kiosk_id = k.kiosk_id AND c.revoked_at IS NULL) AS certificate_expires_at \
                 FROM kiosks k WHERE k.last_seen IS NOT NULL OR k.submissions > 0 OR k.refused > 0 ORDER BY k.kiosk_id",
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
                        certificate_expires_at: r.opt_int("certificate_expires_at"),
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
                        firmware_version: r.opt_text("firmware_version"),
                        firmware_slot: r.opt_text("firmware_slot"),
                    }
                })
                .collect())
        })
    }

    // ---- certificates ---------------------------------------------------------------

    /// Enrols `kiosk` with the receipt prefix it may issue (one kiosk per prefix). Enrolling
    /// again with the same prefix is allowed (a new certificate for the same kiosk).
    pub fn enrol(&self, operator: &Operator, kiosk: &str, receipt_prefix: &str) -> Result<()> {
        operator.require(operator.may_supervise())?;
        if !township_core::domain::receipt::ReceiptNumber::valid_prefix(receipt_prefix) {
            return refuse(
                422,
                "invalid_prefix",
                "a receipt prefix is 2 to 6 capital letters or digits",
            );
        }
        self.tx(|sql| {
            let holder = sql
                .query_one("SELECT kiosk_id FROM kiosks WHERE receipt_prefix = $1", &[receipt_prefix.into()])?
                .map(|r| r.text("kiosk_id"));
            if holder.as_deref().is_some_and(|h| h != kiosk) {
                return refuse(409, "prefix_taken", format!("the receipt prefix {receipt_prefix} belongs to another kiosk"));
            }
            let current = sql
                .query_one("SELECT receipt_prefix FROM kiosks WHERE kiosk_id = $1", &[kiosk.into()])?
                .and_then(|r| r.opt_text("receipt_prefix"));
            if current.as_deref().is_some_and(|c| c != receipt_prefix) {
                return refuse(409, "prefix_differs", format!("this kiosk was enrolled with another prefix ({})", current.unwrap_or_default()));
            }
            sql.exec(
                "INSERT INTO kiosks (kiosk_id, receipt_prefix) VALUES ($1, $2) ON CONFLICT (kiosk_id) DO UPDATE SET receipt_prefix = excluded.receipt_prefix",
                &[kiosk.into(), receipt_prefix.into()],
            )?;
            audit(sql, &operator.name, "enrol", &format!("{kiosk} {receipt_prefix}"))
        })
    }

    /// Records a certificate before it is handed out (only recorded ones are accepted).
    pub fn record_certificate(&self, kiosk: &str, fingerprint: &str, expires_at: i64) -> Result<()> {
        self.record_renewal(kiosk, fingerprint, expires_at, None)
    }

    /// Records a certificate issued to replace `replaces` (a renewal over mutual TLS).
    pub fn record_renewal(
        &self,
        kiosk: &str,
        fingerprint: &str,
        expires_at: i64,
        replaces: Option<&str>,
    ) -> Result<()> {
        self.tx(|sql| {
            sql.exec(
                "INSERT INTO certificates (fingerprint, kiosk_id, issued_at, expires_at, replaces) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (fingerprint) DO NOTHING",
                &[fingerprint.into(), kiosk.into(), now().into(), expires_at.into(), replaces.into()],
            )?;
            Ok(())
        })
    }

    /// The renewal is in use: the certificate it replaced is revoked.
    pub fn retire_replaced(&self, kiosk: Kiosk, replaced: &str) -> Result<u64> {
        self.tx(|sql| {
            let n = sql.exec(
                "UPDATE certificates SET revoked_at = $1 WHERE fingerprint = $2 AND kiosk_id = $3 AND revoked_at IS NULL",
                &[now().into(), replaced.into(), kiosk.id().into()],
            )?;
            if n > 0 {
                audit(sql, &format!("kiosk:{}", kiosk.id()), "certificate:renewed", replaced)?;
            }
            Ok(n)
        })
    }

    /// Revokes every certificate of the kiosk; the number revoked.
    pub fn revoke(&self, operator: &Operator, kiosk: &str) -> Result<u64> {
        operator.require(operator.may_supervise())?;
        self.tx(|sql| {
            let n = sql.exec(
                "UPDATE certificates SET revoked_at = $1 WHERE kiosk_id = $2 AND revoked_at IS NULL",
                &[now().into(), kiosk.into()],
            )?;
            audit(sql, &operator.name, "revoke", kiosk)?;
            Ok(n)
        })
    }

    /// Every recorded certificate: fingerprint → what the API needs to admit it.
    pub fn certificates(&self) -> Result<std::collections::HashMap<String, RecordedCertificate>> {
        self.tx(|sql| {
            Ok(sql
                .query(
                    "SELECT fingerprint, kiosk_id, expires_at, revoked_at, replaces FROM certificates",
                    &[],
                )?
                .iter()
                .map(|r| (r.text("fingerprint"), recorded(r)))
                .collect())
        })
    }

    /// One recorded certificate (a kiosk enrolled since the last refresh).
    pub fn certificate(&self, fingerprint: &str) -> Result<Option<RecordedCertificate>> {
        self.tx(|sql| {
            Ok(sql
                .query_one(
                    "SELECT fingerprint, kiosk_id, expires_at, revoked_at, replaces FROM certificates WHERE fingerprint = $1",
                    &[fingerprint.into()],
                )?
                .map(|r| recorded(&r)))
        })
    }
}

/// A certificate as the central recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedCertificate {
    pub kiosk_id: String,
    /// Unix seconds.
    pub expires_at: Option<i64>,
    pub revoked: bool,
    /// The certificate this one renewed (revoked once this one is used).
    pub replaces: Option<String>,
}

fn recorded(row: &Row) -> RecordedCertificate {
    RecordedCertificate {
        kiosk_id: row.text("kiosk_id"),
        expires_at: row.opt_int("expires_at"),
        revoked: row.opt_int("revoked_at").is_some(),
        replaces: row.opt_text("replaces"),
    }
}
