//! The shared state every request handler gets: [`Central`] (the store, the certificates
//! accepted now, the payment provider's verifier and simulator, the catalogue's ETag and
//! the request metrics). The API and the back office both depend on it; the server module
//! starts them over it.

use crate::http::{Req, Resp};
use crate::store::Store;
use anyhow::Result;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, RwLock};
use std::time::Duration;
use township_core::central_api::CatalogueResponse;

/// (request kind, HTTP status).
pub type RequestKey = (&'static str, u16);

/// Request counts and latency sums per (kind, status), for /metrics.
#[derive(Default)]
pub struct Metrics {
    counts: Mutex<BTreeMap<RequestKey, (u64, f64)>>,
}

impl Metrics {
    pub fn observe(&self, kind: &'static str, status: u16, elapsed: Duration) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let entry = counts.entry((kind, status)).or_default();
        entry.0 += 1;
        entry.1 += elapsed.as_secs_f64();
    }
    pub fn snapshot(&self) -> Vec<(RequestKey, (u64, f64))> {
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| (*k, *v))
            .collect()
    }
}

/// Every recorded certificate by fingerprint.
type Recorded = HashMap<String, crate::store::RecordedCertificate>;

/// What the central knows of a peer's certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Not in the last refresh: maybe enrolled since; the database decides.
    Unknown,
    /// Revoked, expired or recorded for another kiosk: why.
    Refused(&'static str),
}

/// Everything a request handler needs.
pub struct Central {
    pub store: Store,
    pub metrics: Metrics,
    certificates: RwLock<Recorded>,
    catalogue_etag: String,
    /// `server.toml`'s `sandbox-payments`: the simulated provider pays kiosks' orders.
    pub sandbox_payments: bool,
    /// Verifies payment providers' notifications (none: payments cannot turn paid).
    pub provider: Option<crate::provider::Verifier>,
    /// The test-mode provider (only with the sandbox on).
    pub simulator: Option<crate::provider::Simulator>,
    /// Signs renewed kiosk certificates (none: renewal is refused).
    pub kiosk_ca: Option<crate::pki::Ca>,
    /// The back office listens on loopback only (its cookies then go without `Secure`).
    pub admin_on_loopback: bool,
}

impl Central {
    pub fn new(store: Store) -> Result<Central> {
        let certificates = store.certificates()?;
        let catalogue_etag = format!(
            "\"{}\"",
            &crate::store::sha256_hex(store.catalogue_toml.as_bytes())[..32]
        );
        Ok(Central {
            store,
            metrics: Metrics::default(),
            certificates: RwLock::new(certificates),
            catalogue_etag,
            sandbox_payments: false,
            provider: None,
            simulator: None,
            kiosk_ca: None,
            admin_on_loopback: true,
        })
    }

    /// Whether the certificate `fingerprint` is recorded for `kiosk_id`, unrevoked and
    /// unexpired, as of the last refresh (memory only: safe on the async side).
    pub fn admission(&self, fingerprint: &str, kiosk_id: &str) -> Admission {
        let known = self.certificates.read().unwrap_or_else(|p| p.into_inner());
        match known.get(fingerprint) {
            None => Admission::Unknown,
            Some(c) => judge(c, kiosk_id),
        }
    }

    /// [`Central::admission`], asking the database about a certificate the last refresh
    /// did not know (blocking: call it off the async side). Unrecorded ones are refused.
    pub fn admitted(&self, fingerprint: &str, kiosk_id: &str) -> std::result::Result<(), &'static str> {
        let admission = match self.admission(fingerprint, kiosk_id) {
            Admission::Unknown => match self.store.certificate(fingerprint) {
                Ok(Some(recorded)) => {
                    let admission = judge(&recorded, kiosk_id);
                    self.certificates
                        .write()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(fingerprint.to_string(), recorded);
                    admission
                }
                Ok(None) => Admission::Refused("this certificate was never recorded by the central"),
                Err(_) => Admission::Refused("the certificate could not be checked: try again"),
            },
            known => known,
        };
        match admission {
            Admission::Admitted => Ok(()),
            Admission::Refused(why) => Err(why),
            Admission::Unknown => Err("this certificate was never recorded by the central"),
        }
    }

    /// When the certificate `fingerprint` expires (Unix seconds), as recorded.
    pub fn certificate_expiry(&self, fingerprint: &str) -> Option<i64> {
        let known = self.certificates.read().unwrap_or_else(|p| p.into_inner());
        known.get(fingerprint).and_then(|c| c.expires_at)
    }

    /// The first use of a renewed certificate revokes the one it replaced (not before: a
    /// kiosk that lost the renewal's answer keeps working with its old certificate).
    pub fn retire_replaced(&self, fingerprint: &str, kiosk: crate::store::Kiosk) {
        let replaced = {
            let known = self.certificates.read().unwrap_or_else(|p| p.into_inner());
            let Some(replaced) = known.get(fingerprint).and_then(|c| c.replaces.clone()) else {
                return;
            };
            if known.get(&replaced).is_none_or(|old| old.revoked) {
                return;
            }
            replaced
        };
        match self.store.retire_replaced(kiosk, &replaced) {
            Ok(_) => {
                if let Some(old) = self
                    .certificates
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_mut(&replaced)
                {
                    old.revoked = true;
                }
                log::info!(
                    "kiosk {} uses its renewed certificate: the old one is revoked",
                    kiosk.id()
                );
            }
            Err(e) => log::warn!("revoking a renewed kiosk's old certificate failed: {e:#}"),
        }
    }

    /// `POST /certificates/renew`: a certificate for the CSR's key, naming the caller,
    /// recorded as the renewal of the caller's current certificate.
    pub fn renew(
        &self,
        kiosk: crate::store::Kiosk,
        current: &str,
        request: &township_core::central_api::RenewCertificate,
    ) -> Resp {
        let Some(ca) = &self.kiosk_ca else {
            return Resp::error(404, "not_found", "this server does not renew certificates");
        };
        let csr = match rcgen::CertificateSigningRequestParams::from_pem(&request.csr_pem) {
            Ok(csr) => csr,
            Err(_) => {
                return Resp::error(
                    422,
                    "bad_csr",
                    "the certificate request is not a valid, signed PKCS#10 request",
                )
            }
        };
        let issued = match ca.issue_kiosk_for(kiosk.id(), &csr.public_key) {
            Ok(issued) => issued,
            Err(e) => return crate::refusal::failure(e),
        };
        if let Err(e) = self
            .store
            .record_renewal(kiosk.id(), &issued.fingerprint, issued.expires_at, Some(current))
        {
            return crate::refusal::failure(e);
        }
        self.refresh_certificates();
        log::info!(
            "kiosk {} renewed its certificate (expires {})",
            kiosk.id(),
            issued.expires_at
        );
        Resp::json(
            201,
            &township_core::central_api::RenewedCertificate {
                cert_pem: issued.cert_pem,
                expires_at: issued.expires_at,
            },
        )
    }

    /// Re-reads the recorded certificates (the CLI or another instance may have revoked or
    /// enrolled).
    pub fn refresh_certificates(&self) {
        if let Ok(map) = self.store.certificates() {
            *self.certificates.write().unwrap_or_else(|p| p.into_inner()) = map;
        }
    }

    /// A payment provider's notification: verified, then applied (a replay or a repeat
    /// changes nothing).
    pub fn notify_payment(&self, header: impl Fn(&str) -> Option<String>, body: &[u8]) -> Resp {
        let Some(verifier) = &self.provider else {
            return Resp::error(404, "not_found", "no payment provider is configured");
        };
        let notification = match verifier.verify(header, body, crate::store::now()) {
            Ok(n) => n,
            Err(e) => {
                log::warn!("payment notification refused: {e}");
                return Resp::error(
                    401,
                    "bad_signature",
                    "the notification's signature, timestamp or body is wrong",
                );
            }
        };
        if notification.trade_state != "SUCCESS" {
            return Resp::json(200, &serde_json::json!({"code": "SUCCESS", "applied": false}));
        }
        match self.store.apply_notification(&notification) {
            Ok(applied) => Resp::json(200, &serde_json::json!({"code": "SUCCESS", "applied": applied})),
            Err(e) => crate::refusal::failure(e),
        }
    }

    /// The simulated provider pays `order_id` (the sandbox): a signed notification through
    /// the same verification as a real one. `actor` goes into the audit log.
    pub fn sandbox_pay(&self, order_id: &str, amount_fen: u32, actor: &str) -> Resp {
        let Some(simulator) = self.simulator.as_ref().filter(|_| self.sandbox_payments) else {
            return Resp::error(404, "not_found", "the payment sandbox is off on this server");
        };
        let signed = simulator.paid(order_id, amount_fen, crate::store::now());
        let resp = self.notify_payment(
            |name| signed.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()),
            &signed.body,
        );
        if resp.status == 200 {
            let _ = self
                .store
                .tx(|sql| crate::store::audit(sql, actor, "payment:sandbox-pay", order_id));
        }
        resp
    }

    pub fn catalogue(&self, req: &Req) -> Resp {
        if req.header("if-none-match") == Some(self.catalogue_etag.as_str()) {
            return Resp {
                status: 304,
                headers: vec![("etag", self.catalogue_etag.clone())],
                body: Vec::new(),
            };
        }
        Resp::json(
            200,
            &CatalogueResponse {
                version: self.store.catalogue.version.clone(),
                toml: self.store.catalogue_toml.clone(),
            },
        )
        .with("etag", self.catalogue_etag.clone())
    }
}

fn judge(c: &crate::store::RecordedCertificate, kiosk_id: &str) -> Admission {
    if c.revoked {
        Admission::Refused("this kiosk's certificate is revoked")
    } else if c.kiosk_id != kiosk_id {
        Admission::Refused("this certificate is recorded for another kiosk")
    } else if c.expires_at.is_some_and(|at| at <= crate::store::now()) {
        Admission::Refused("this certificate has expired")
    } else {
        Admission::Admitted
    }
}
