//! The production [`CentralSystem`]: JSON over HTTPS (ureq + rustls with ring) with mutual
//! TLS — the kiosk's enrolment certificate and key as the client identity, the enrolment
//! CA as the only trusted root. Every request has a connect timeout and an overall
//! deadline; 5xx, 408, 429 and transport failures are `Unavailable` (retried), 401/403 and
//! handshake refusals `Unauthorized`, 404 `NotFound`, other 4xx `Rejected`. Errors and logs
//! carry the method, the route template and the status — never a body, and no URL holds
//! personal data (the contract puts it only in bodies). Paths: docs/central-api.md.

use super::central::{CatalogueSync, CentralError, CentralSystem, Limit};
use crate::central_api::{
    self as api, BookAppointment, Booking, CatalogueResponse, ComplaintResponse, CreatePayment, CreateSupplement,
    CreateUpload, FinaliseResponse, Heartbeat, HeartbeatResponse, PaymentOrder, RatingResponse, SlotsResponse,
    StatusQuery, StatusQueryResponse, SubmitApplication, SubmitComplaint, SubmitRating, SubmitResponse,
    SupplementResponse, UploadState,
};
use crate::config::CentralSection;
use crate::domain::calendar::Date;
use std::path::Path;
use std::time::Duration;
use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};

/// Connecting (TCP + TLS) must succeed within this.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A whole request (one chunk of at most 1 MiB included) must finish within this.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest response body read.
const MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

/// Why a client could not be built from the configuration.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("central.url is \"sim\": there is no central server configured")]
    NotConfigured,
    #[error("central.key {path} can be read by others (mode {mode:o}): run `chmod 600 {path}` (a key others can read is no longer this kiosk's alone)")]
    KeyPermissions { path: String, mode: u32 },
    #[error("central.{0} is not set: add the [central] section written by `township-central enroll`")]
    Missing(&'static str),
    #[error("cannot read central.{key} {path}: {source}")]
    Read {
        key: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("central.{key} {path} is not valid PEM: {reason}")]
    Pem {
        key: &'static str,
        path: String,
        reason: String,
    },
}

pub struct HttpCentral {
    /// Swapped for one with the new identity after a certificate renewal.
    agent: std::sync::RwLock<ureq::Agent>,
    /// Where the identity lives (a renewal writes the new key and certificate there).
    identity: Identity,
    base: String,
    kiosk_id: String,
}

fn read(key: &'static str, path: &Path) -> Result<Vec<u8>, SetupError> {
    std::fs::read(path).map_err(|source| SetupError::Read {
        key,
        path: path.display().to_string(),
        source,
    })
}

fn pem_error(key: &'static str, path: &Path, reason: impl std::fmt::Display) -> SetupError {
    SetupError::Pem {
        key,
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// The certificates of a PEM file (at least one).
fn certificates(key: &'static str, path: &Path) -> Result<Vec<Certificate<'static>>, SetupError> {
    let pem = read(key, path)?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        if let ureq::tls::PemItem::Certificate(cert) = item.map_err(|e| pem_error(key, path, e))? {
            certs.push(cert);
        }
    }
    if certs.is_empty() {
        return Err(pem_error(key, path, "no certificate in it"));
    }
    Ok(certs)
}

impl HttpCentral {
    /// Builds the client from `[central]`: url, ca, cert, key.
    pub fn from_config(central: &CentralSection, kiosk_id: &str) -> Result<HttpCentral, SetupError> {
        if central.url == "sim" {
            return Err(SetupError::NotConfigured);
        }
        let identity = Identity {
            ca: central.ca.clone().ok_or(SetupError::Missing("ca"))?,
            cert: central.cert.clone().ok_or(SetupError::Missing("cert"))?,
            key: central.key.clone().ok_or(SetupError::Missing("key"))?,
        };
        Ok(HttpCentral {
            agent: std::sync::RwLock::new(identity.agent()?),
            identity,
            base: format!("{}{}", central.url.trim_end_matches('/'), api::BASE_PATH),
            kiosk_id: central.kiosk_id.clone().unwrap_or_else(|| kiosk_id.to_string()),
        })
    }

    fn agent(&self) -> ureq::Agent {
        self.agent.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Redeems a technician PIN recovery code the central issued for this kiosk (used up
    /// when accepted; a wrong one is `NotFound` and counts towards the back-off).
    pub fn redeem_pin_recovery(&self, code: &str) -> Result<(), CentralError> {
        let request = crate::central_api::RedeemPinRecovery {
            code: code.trim().to_string(),
        };
        let answer: crate::central_api::PinRecoveryRedeemed =
            self.post_json("pin_recovery", "/technician/pin-recovery", &[], &request)?;
        if answer.redeemed {
            Ok(())
        } else {
            Err(CentralError::NotFound)
        }
    }

    /// Renews this kiosk's certificate over its current mutual-TLS channel: a new key, a
    /// certificate request for it, the new certificate and key written in place of the old
    /// (0600, atomically), and the client switched to them. The central revokes the old
    /// certificate when the new one is first used. Returns the new expiry (Unix seconds).
    pub fn renew_identity(&self) -> Result<i64, CentralError> {
        let failed =
            |what: &str, e: &dyn std::fmt::Display| CentralError::Rejected(format!("certificate renewal: {what}: {e}"));
        let key = rcgen::KeyPair::generate().map_err(|e| failed("new key", &e))?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|e| failed("request", &e))?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, self.kiosk_id.as_str());
        let csr_pem = params
            .serialize_request(&key)
            .and_then(|csr| csr.pem())
            .map_err(|e| failed("request", &e))?;
        let renewed: api::RenewedCertificate = self.post_json(
            "/certificates/renew",
            "/certificates/renew",
            &[],
            &api::RenewCertificate { csr_pem },
        )?;
        // Key and certificate switch as a pair: a crash never leaves a new key beside the
        // old certificate (the next start finishes the switch).
        crate::private_file::write_pair(
            (&self.identity.key, key.serialize_pem().as_bytes()),
            (&self.identity.cert, renewed.cert_pem.as_bytes()),
        )
        .map_err(|e| failed(&self.identity.cert.display().to_string(), &e))?;
        let agent = self.identity.agent().map_err(|e| failed("the new identity", &e))?;
        *self.agent.write().unwrap_or_else(|p| p.into_inner()) = agent;
        log::info!("certificate renewed: the new one expires at {}", renewed.expires_at);
        Ok(renewed.expires_at)
    }
}

/// The files of this kiosk's mutual-TLS identity.
struct Identity {
    ca: std::path::PathBuf,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
}

impl Identity {
    /// An HTTPS agent that trusts only the central's CA and presents this identity.
    fn agent(&self) -> Result<ureq::Agent, SetupError> {
        use std::os::unix::fs::PermissionsExt;
        // A renewal a crash interrupted is finished (or forgotten) before the pair is read.
        if let Err(e) = crate::private_file::finish_pair(&self.key, &self.cert) {
            log::error!("the renewed certificate could not be switched in: {e}");
        }
        if let Ok(meta) = std::fs::metadata(&self.key) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(SetupError::KeyPermissions {
                    path: self.key.display().to_string(),
                    mode,
                });
            }
        }
        let roots = certificates("ca", &self.ca)?;
        let chain = certificates("cert", &self.cert)?;
        let key = PrivateKey::from_pem(&read("key", &self.key)?).map_err(|e| pem_error("key", &self.key, e))?;
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::new_with_certs(&roots))
            .client_cert(Some(ClientCert::new_with_certs(&chain, key)))
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .https_only(true)
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .max_redirects(0)
            .user_agent(format!("township-kiosk/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(agent)
    }
}

impl HttpCentral {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends one request and classifies the answer. `route` names it in errors and logs.
    fn call(
        &self,
        method: &str,
        route: &'static str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
    ) -> Result<Reply, CentralError> {
        let url = self.url(path);
        let now = crate::storage::now_unix();
        let agent = self.agent();
        let result = match (method, body) {
            ("GET", _) => {
                let mut req = agent.get(&url);
                for (name, value) in headers {
                    req = req.header(*name, *value);
                }
                req.header(api::KIOSK_ID_HEADER, &self.kiosk_id).call()
            }
            (_, body) => {
                let mut req = match method {
                    "PUT" => agent.put(&url),
                    _ => agent.post(&url),
                };
                for (name, value) in headers {
                    req = req.header(*name, *value);
                }
                req = req.header(api::KIOSK_ID_HEADER, &self.kiosk_id);
                match body {
                    Some((content_type, bytes)) => req.content_type(content_type).send(bytes),
                    None => req.send_empty(),
                }
            }
        };
        let mut response = match result {
            Ok(response) => response,
            Err(e) => {
                let error = transport_error(method, route, &e);
                super::telemetry::record_contact(now, false);
                super::telemetry::record_error(&error.to_string());
                return Err(error);
            }
        };
        let status = response.status().as_u16();
        let etag = response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()
            .map_err(|e| {
                let error = transport_error(method, route, &e);
                super::telemetry::record_contact(now, false);
                error
            })?;
        // A 4xx still proves the link and the credentials work (except 401/403).
        super::telemetry::record_contact(now, status < 500 && status != 401 && status != 403);
        if (200..300).contains(&status) || status == 304 {
            return Ok(Reply { status, etag, bytes });
        }
        Err(refusal(method, route, status, &bytes))
    }

    fn json<T: serde::de::DeserializeOwned>(route: &'static str, reply: &Reply) -> Result<T, CentralError> {
        serde_json::from_slice(&reply.bytes)
            .map_err(|e| CentralError::Unavailable(format!("{route}: unreadable answer ({e})")))
    }

    fn get_json<T: serde::de::DeserializeOwned>(&self, route: &'static str, path: &str) -> Result<T, CentralError> {
        let reply = self.call("GET", route, path, &[], None)?;
        Self::json(route, &reply)
    }

    fn post_json<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        route: &'static str,
        path: &str,
        headers: &[(&str, &str)],
        body: &B,
    ) -> Result<T, CentralError> {
        let bytes = serde_json::to_vec(body).map_err(|e| CentralError::Rejected(format!("{route}: {e}")))?;
        let reply = self.call("POST", route, path, headers, Some(("application/json", &bytes)))?;
        Self::json(route, &reply)
    }

    /// Checks reachability and authentication: a heartbeat-free call that needs a valid
    /// client certificate. Returns the server's clock.
    pub fn ping(&self, heartbeat: &Heartbeat) -> Result<i64, CentralError> {
        self.heartbeat(heartbeat).map(|r| r.server_time)
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }
}

struct Reply {
    status: u16,
    etag: Option<String>,
    bytes: Vec<u8>,
}

/// A non-2xx answer as the error it means (the central's code names a limit, if any).
fn refusal(method: &str, route: &'static str, status: u16, bytes: &[u8]) -> CentralError {
    let refusal = serde_json::from_slice::<api::ApiError>(bytes).ok();
    let detail = match &refusal {
        Some(e) => format!("{method} {route}: {status} {}: {}", e.error, e.message),
        None => format!("{method} {route}: HTTP {status}"),
    };
    let limit = Limit::of(status, refusal.as_ref().map_or("", |e| e.error.as_str()));
    let error = match (status, limit) {
        (_, Some(limit)) => CentralError::Limited(limit, detail),
        (404, None) => CentralError::NotFound,
        (401 | 403, None) => CentralError::Unauthorized(detail),
        (408 | 425 | 429, None) => CentralError::Unavailable(detail),
        (s, None) if api::is_permanent(s) => CentralError::Rejected(detail),
        _ => CentralError::Unavailable(detail),
    };
    if !matches!(error, CentralError::NotFound) {
        super::telemetry::record_error(&error.to_string());
    }
    error
}

/// Transport failures: a refused handshake (certificate unknown, revoked, required) is
/// `Unauthorized`; everything else (refused, reset, timeout, DNS) is `Unavailable`.
fn transport_error(method: &str, route: &str, error: &ureq::Error) -> CentralError {
    let text = error.to_string();
    let lower = text.to_lowercase();
    let tls_refusal = [
        "certificate",
        "unknownca",
        "unknown ca",
        "bad_certificate",
        "badcertificate",
        "access denied",
        "accessdenied",
        "revoked",
    ]
    .iter()
    .any(|needle| lower.contains(needle));
    let detail = format!("{method} {route}: {text}");
    if tls_refusal {
        CentralError::Unauthorized(detail)
    } else {
        CentralError::Unavailable(detail)
    }
}

impl CentralSystem for HttpCentral {
    fn submit(&self, request: &SubmitApplication) -> Result<SubmitResponse, CentralError> {
        let key = request.application.uuid.as_str();
        self.post_json(
            "/applications",
            "/applications",
            &[(api::IDEMPOTENCY_KEY_HEADER, key)],
            request,
        )
    }

    fn upload_create(&self, owner: &str, code: &str, request: &CreateUpload) -> Result<UploadState, CentralError> {
        let route = if owner.starts_with(api::SUPPLEMENT_OWNER_PREFIX) {
            "/supplements/{id}/materials/{code}/uploads"
        } else {
            "/applications/{key}/materials/{code}/uploads"
        };
        self.post_json(route, &api::upload_create_path(owner, code), &[], request)
    }

    fn upload_state(&self, upload_id: &str) -> Result<UploadState, CentralError> {
        self.get_json("/uploads/{id}", &format!("/uploads/{upload_id}"))
    }

    fn upload_chunk(&self, upload_id: &str, offset: u64, chunk: &[u8]) -> Result<UploadState, CentralError> {
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(chunk));
        let route = "/uploads/{id}";
        let reply = self.call(
            "PUT",
            route,
            &format!("/uploads/{upload_id}?offset={offset}"),
            &[(api::CHUNK_SHA256_HEADER, &digest)],
            Some(("application/octet-stream", chunk)),
        )?;
        Self::json(route, &reply)
    }

    fn upload_finalise(&self, upload_id: &str) -> Result<FinaliseResponse, CentralError> {
        let route = "/uploads/{id}/finalise";
        let reply = self.call("POST", route, &format!("/uploads/{upload_id}/finalise"), &[], None)?;
        Self::json(route, &reply)
    }

    fn status(&self, query: &StatusQuery) -> Result<StatusQueryResponse, CentralError> {
        self.post_json("/status-queries", "/status-queries", &[], query)
    }

    fn payment_create(&self, request: &CreatePayment) -> Result<PaymentOrder, CentralError> {
        self.post_json("/payments", "/payments", &[], request)
    }

    fn payment_poll(&self, order_id: &str) -> Result<PaymentOrder, CentralError> {
        self.get_json("/payments/{id}", &format!("/payments/{order_id}"))
    }

    fn payment_cancel(&self, order_id: &str) -> Result<PaymentOrder, CentralError> {
        let route = "/payments/{id}/cancel";
        let reply = self.call("POST", route, &format!("/payments/{order_id}/cancel"), &[], None)?;
        Self::json(route, &reply)
    }

    fn payment_sandbox_pay(&self, order_id: &str) -> Result<PaymentOrder, CentralError> {
        let route = "/payments/{id}/sandbox-pay";
        let reply = self.call("POST", route, &format!("/payments/{order_id}/sandbox-pay"), &[], None)?;
        Self::json(route, &reply)
    }

    fn bundle_range(&self, rollout_id: i64, from: u64, to: u64) -> Result<Vec<u8>, CentralError> {
        let route = "/rollouts/{id}/bundle";
        let range = format!("bytes={from}-{to}");
        let reply = self.call(
            "GET",
            route,
            &format!("/rollouts/{rollout_id}/bundle"),
            &[("Range", &range)],
            None,
        )?;
        if reply.status != 206 || reply.bytes.len() as u64 != to - from + 1 {
            return Err(CentralError::Unavailable(format!(
                "{route}: asked for {} bytes, got HTTP {} with {}",
                to - from + 1,
                reply.status,
                reply.bytes.len()
            )));
        }
        Ok(reply.bytes)
    }

    fn catalogue(&self, etag: Option<&str>) -> Result<CatalogueSync, CentralError> {
        let route = "/catalogue";
        let headers: Vec<(&str, &str)> = etag.map(|e| ("If-None-Match", e)).into_iter().collect();
        let reply = self.call("GET", route, "/catalogue", &headers, None)?;
        if reply.status == 304 {
            return Ok(CatalogueSync::NotModified);
        }
        let catalogue: CatalogueResponse = Self::json(route, &reply)?;
        Ok(CatalogueSync::Changed {
            etag: reply.etag.clone(),
            catalogue,
        })
    }

    fn slots(&self, from: Date, days: u32) -> Result<SlotsResponse, CentralError> {
        self.get_json(
            "/appointments/slots",
            &format!("/appointments/slots?from={from}&days={days}"),
        )
    }

    fn book(&self, request: &BookAppointment) -> Result<Booking, CentralError> {
        self.post_json("/appointments", "/appointments", &[], request)
    }

    fn cancel_booking(&self, booking_no: &str, cancel_code: &str) -> Result<Booking, CentralError> {
        let body = api::CancelBooking {
            cancel_code: cancel_code.to_string(),
        };
        self.post_json(
            "/appointments/{no}/cancel",
            &format!("/appointments/{booking_no}/cancel"),
            &[],
            &body,
        )
    }

    fn rate(&self, request: &SubmitRating) -> Result<RatingResponse, CentralError> {
        self.post_json("/ratings", "/ratings", &[], request)
    }

    fn complain(&self, request: &SubmitComplaint) -> Result<ComplaintResponse, CentralError> {
        self.post_json("/complaints", "/complaints", &[], request)
    }

    fn supplement(&self, receipt_no: &str, request: &CreateSupplement) -> Result<SupplementResponse, CentralError> {
        // Receipt numbers are letters, digits and dashes: safe in a path as they are.
        if !receipt_no.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(CentralError::Rejected(format!("not a receipt number: {receipt_no:?}")));
        }
        self.post_json(
            "/applications/by-receipt/{receipt}/supplements",
            &format!("/applications/by-receipt/{receipt_no}/supplements"),
            &[],
            request,
        )
    }

    fn heartbeat(&self, heartbeat: &Heartbeat) -> Result<HeartbeatResponse, CentralError> {
        self.post_json("/heartbeat", "/heartbeat", &[], heartbeat)
    }

    fn renew_identity(&self) -> Result<i64, CentralError> {
        HttpCentral::renew_identity(self)
    }
}
