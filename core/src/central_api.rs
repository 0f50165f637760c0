//! The kiosk ↔ central system API contract (version 1), as data: the request and response
//! bodies of every endpoint, the header names, the error body and the keyed ID-number hash.
//! Both the kiosk's client and `township-central` use these types, so the two sides cannot
//! drift apart. No I/O here: serde structs, constants and pure helpers only.
//!
//! The prose contract with examples is docs/central-api.md. In short: JSON over HTTPS with
//! mutual TLS; the kiosk id is the client certificate's common name; 4xx answers are
//! permanent (the kiosk dead-letters), 5xx and network errors are retried. No personal data
//! travels in a URL.

use crate::domain::application::Application;
use crate::domain::calendar::Date;
use crate::domain::id_number::IdNumber;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Every path starts with this.
pub const BASE_PATH: &str = "/api/v1";
/// The application's UUID on `POST /applications`.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
/// Optional; when present it must equal the certificate's common name.
pub const KIOSK_ID_HEADER: &str = "X-Kiosk-Id";
/// Lower-case hex SHA-256 of a chunk's bytes on `PUT /uploads/{id}`.
pub const CHUNK_SHA256_HEADER: &str = "X-Chunk-Sha256";
/// Set to `true` on a response replayed for a repeated idempotency key.
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";
/// The largest chunk the server accepts (bigger ones get 413).
pub const MAX_CHUNK_BYTES: usize = 1024 * 1024;
/// The largest material photo the server accepts.
pub const MAX_UPLOAD_BYTES: u64 = 32 * 1024 * 1024;

/// `POST /applications` (header `Idempotency-Key: <application.uuid>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitApplication {
    /// Must equal the client certificate's common name.
    pub kiosk_id: String,
    /// The receipt number the kiosk issued and printed (`PREFIX-YYMMDD-SEQ-C`).
    pub receipt_no: String,
    /// The whole application; `application.uuid` equals the Idempotency-Key.
    pub application: Application,
    /// One entry per captured material: what the kiosk will upload afterwards.
    #[serde(default)]
    pub materials: Vec<MaterialManifest>,
    /// The progress token printed in the receipt's QR code. The central keeps only its
    /// hash, and answers a progress query that shows it ([`StatusQuery::Token`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_token: Option<String>,
}

/// A material the kiosk holds photos of and will upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialManifest {
    /// The catalogue's material code.
    pub code: String,
    /// How many photos (uploads) make this material complete.
    pub photos: u32,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// Where a case stands in the back office.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseStatus {
    /// Received, waiting for pre-review.
    Received,
    /// Pre-review passed.
    Approved,
    /// The back office asks for a material: see the message.
    Supplement,
    /// Refused: see the message.
    Rejected,
    /// Finished; the document is ready or delivered.
    Done,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Received => "received",
            CaseStatus::Approved => "approved",
            CaseStatus::Supplement => "supplement",
            CaseStatus::Rejected => "rejected",
            CaseStatus::Done => "done",
        }
    }
    pub fn parse(text: &str) -> Option<CaseStatus> {
        [
            CaseStatus::Received,
            CaseStatus::Approved,
            CaseStatus::Supplement,
            CaseStatus::Rejected,
            CaseStatus::Done,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// 201 answer to `POST /applications` (replayed as is for the same key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitResponse {
    pub case_number: String,
    pub status: CaseStatus,
    /// What the central decided about the fee: paid only when its own order for this
    /// application and amount is paid; otherwise it is paid at the window.
    #[serde(default)]
    pub payment: SettledPayment,
}

/// The central's verdict on an application's fee (never the kiosk's word).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SettledPayment {
    /// The service has no fee.
    #[default]
    NotRequired,
    /// The central's own payment order for this application and amount is paid.
    Paid,
    /// No paid order of the central's backs it: to pay at the window.
    AtWindow,
}

impl SettledPayment {
    pub fn as_str(self) -> &'static str {
        match self {
            SettledPayment::NotRequired => "not-required",
            SettledPayment::Paid => "paid",
            SettledPayment::AtWindow => "at-window",
        }
    }
}

/// `POST /applications/{key}/materials/{code}/uploads`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateUpload {
    /// The whole photo's size in bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the whole photo.
    pub sha256: String,
}

/// How the kiosk names the owner of an upload: an application's key, or
/// `supplement:{supplement_id}` for the photos of a supplement.
pub const SUPPLEMENT_OWNER_PREFIX: &str = "supplement:";

/// The path (under [`BASE_PATH`]) that creates an upload of material `code` for `owner`.
pub fn upload_create_path(owner: &str, code: &str) -> String {
    match owner.strip_prefix(SUPPLEMENT_OWNER_PREFIX) {
        Some(supplement) => format!("/supplements/{supplement}/materials/{code}/uploads"),
        None => format!("/applications/{owner}/materials/{code}/uploads"),
    }
}

/// Answer to creating, chunking or polling an upload. Creating the same (application,
/// material, sha256) again returns the same upload: a kiosk that lost its upload id after a
/// restart resumes from `received`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadState {
    pub upload_id: String,
    /// Bytes the server holds, contiguous from offset 0: send the next chunk from here.
    pub received: u64,
    /// The upload was finalised and verified.
    #[serde(default)]
    pub stored: bool,
}

/// Answer to `POST /uploads/{id}/finalise`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinaliseResponse {
    pub stored: bool,
}

/// `GET /status/{receipt_no}`, and each entry of a status query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusResponse {
    pub receipt_no: String,
    pub item_code: String,
    pub status: CaseStatus,
    /// The back office's words for a supplement request or a refusal.
    pub message: Option<String>,
    /// When the result is expected (promised days from the submission, working days).
    pub expected_on: Option<Date>,
}

/// `POST /status-queries`: a progress question always carries a proof that the asker is
/// the applicant. A receipt number alone is something anyone can type: it is never enough.
/// Wrong proofs are counted per receipt and per kiosk, and answered 429 with back-off.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "proof", rename_all = "kebab-case")]
pub enum StatusQuery {
    /// The receipt's QR token (printed with the number).
    Token { receipt_no: String, token: String },
    /// A typed receipt number and the last six characters of the applicant's ID number.
    IdTail { receipt_no: String, id_tail: String },
    /// The applicant's ID card on the reader: all of that person's applications. The
    /// number travels only inside the mutual-TLS channel; the central hashes it with a key
    /// that never leaves it.
    Card { id_number: IdNumber },
}

impl std::fmt::Debug for StatusQuery {
    /// Tokens and ID tails are credentials: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusQuery::Token { receipt_no, .. } => write!(f, "Token({receipt_no}, ***)"),
            StatusQuery::IdTail { receipt_no, .. } => write!(f, "IdTail({receipt_no}, ***)"),
            StatusQuery::Card { id_number } => write!(f, "Card({id_number:?})"),
        }
    }
}

/// What proves that the citizen adding material to a case is its applicant.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "proof", rename_all = "kebab-case")]
pub enum SupplementProof {
    /// The receipt's QR token.
    Token { token: String },
    /// The applicant's (or the registered agent's) ID card on the reader.
    Card { id_number: IdNumber },
}

impl std::fmt::Debug for SupplementProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SupplementProof::Token { .. } => f.write_str("Token(***)"),
            SupplementProof::Card { id_number } => write!(f, "Card({id_number:?})"),
        }
    }
}

/// Answer to `POST /status-queries`: the applications of that person, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusQueryResponse {
    pub applications: Vec<StatusResponse>,
}

/// `POST /applications/by-receipt/{receipt_no}/supplements`: the citizen brings a material
/// the back office asked for, with a proof that they are the applicant. Then the materials
/// go up with the usual chunked upload under `/supplements/{supplement_id}/materials/…`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateSupplement {
    pub idempotency_key: String,
    pub materials: Vec<MaterialManifest>,
    pub proof: SupplementProof,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplementResponse {
    /// The `{id}` of the supplement's upload paths; it belongs to the kiosk that made it.
    pub supplement_id: String,
    pub status: CaseStatus,
}

/// `POST /payments`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatePayment {
    /// The same key returns the same order: no double charge.
    pub idempotency_key: String,
    pub item_code: String,
    /// Must equal the item's fee in the catalogue.
    pub amount_fen: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PaymentStatus {
    Pending,
    Paid,
    Expired,
    Cancelled,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Expired => "expired",
            PaymentStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(text: &str) -> Option<PaymentStatus> {
        [
            PaymentStatus::Pending,
            PaymentStatus::Paid,
            PaymentStatus::Expired,
            PaymentStatus::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A payment order (answer to create, poll and cancel).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentOrder {
    pub order_id: String,
    /// What the kiosk shows as a QR code for the citizen's phone.
    pub qr_payload: String,
    pub amount_fen: u32,
    /// Unix seconds after which an unpaid order is expired.
    pub expires_at: i64,
    pub status: PaymentStatus,
}

/// `GET /catalogue` (200 with an `ETag`, or 304 for a matching `If-None-Match`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueResponse {
    pub version: String,
    /// The catalogue file, as `Catalogue::parse` reads it.
    pub toml: String,
}

pub use crate::domain::opening_hours::{Slot, SlotKind};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotsResponse {
    pub slots: Vec<Slot>,
}

/// `POST /appointments`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookAppointment {
    pub idempotency_key: String,
    pub slot_id: String,
    pub item_code: String,
    /// For the SMS reminder; stored, never logged.
    pub phone: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub booking_no: String,
    pub qr_payload: String,
    pub slot: Slot,
    /// `booked` or `cancelled`.
    pub status: String,
    /// The booking's own secret, printed on the slip and given only in the booking's
    /// answer: cancelling needs it ([`CancelBooking`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_code: Option<String>,
}

/// `POST /appointments/{no}/cancel`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelBooking {
    pub cancel_code: String,
}

impl std::fmt::Debug for CancelBooking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CancelBooking(***)")
    }
}

/// `POST /ratings` (好差评: five fixed levels, 5 = 非常满意 … 1 = 非常不满意).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitRating {
    pub idempotency_key: String,
    #[serde(default)]
    pub receipt_no: Option<String>,
    pub stars: u8,
    #[serde(default)]
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingResponse {
    pub rating_id: String,
    /// A rating of 1 or 2 stars opens a follow-up case due on this date.
    pub follow_up_due: Option<Date>,
}

/// `POST /complaints`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitComplaint {
    pub idempotency_key: String,
    pub phone: String,
    pub topic: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintResponse {
    pub ticket_no: String,
}

/// `POST /heartbeat`: the kiosk's health, no personal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub kiosk_id: String,
    pub version: String,
    pub uptime_secs: u64,
    /// The kiosk's clock (Unix seconds) when sending: the server reports the drift.
    #[serde(default)]
    pub sent_at: Option<i64>,
    pub devices: DeviceStates,
    pub paper: PaperState,
    pub outbox: OutboxSummary,
    /// Recent errors, already masked by the kiosk (the server truncates and keeps 10).
    #[serde(default)]
    pub last_errors: Vec<String>,
    /// Only a kiosk booted from the image (scripts/build-image.sh) has firmware to report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<crate::firmware_api::FirmwareState>,
}

/// One state string per device: `ok`, `sim`, `absent`, `degraded` or `fault[: reason]`.
/// `ok` and `sim` count as healthy; anything else is a fault on the dashboard and in metrics.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceStates {
    pub reader: String,
    pub printer: String,
    pub camera: String,
    pub gpio: String,
}

/// Whether a device state string means healthy.
pub fn device_ok(state: &str) -> bool {
    matches!(state, "ok" | "sim")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PaperState {
    Ok,
    Low,
    Out,
}

impl PaperState {
    pub fn as_str(self) -> &'static str {
        match self {
            PaperState::Ok => "ok",
            PaperState::Low => "low",
            PaperState::Out => "out",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxSummary {
    pub pending: u64,
    pub dead: u64,
    pub oldest_pending_age_secs: Option<u64>,
    /// Unix seconds of the last delivered application.
    pub last_sent_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatResponse {
    /// Unix seconds.
    pub server_time: i64,
    /// When the certificate this heartbeat came with expires (Unix seconds): the kiosk
    /// renews it ([`RenewCertificate`]) when fewer than [`RENEW_BEFORE_SECS`] are left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_expires_at: Option<i64>,
    /// An update offered to this kiosk by a staged rollout (image kiosks only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<crate::firmware_api::UpdateOffer>,
}

/// A kiosk renews its certificate this long before it expires.
pub const RENEW_BEFORE_SECS: i64 = 30 * 86_400;

/// `POST /certificates/renew`: a certificate for a new key, over the kiosk's current
/// mutual-TLS channel. The new certificate names the caller (whatever the request says);
/// the old one is revoked once the new one is used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewCertificate {
    /// A PKCS#10 certificate signing request (PEM) for the kiosk's new key.
    pub csr_pem: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewedCertificate {
    pub cert_pem: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// `POST /technician/pin-recovery`: the one-time code a supervisor at the central issued
/// for this kiosk (`township-central pin-recovery`). Used up when it is accepted; then the
/// kiosk lets its technician set a new PIN.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedeemPinRecovery {
    pub code: String,
}

impl std::fmt::Debug for RedeemPinRecovery {
    /// The code is a credential: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RedeemPinRecovery(***)")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinRecoveryRedeemed {
    pub redeemed: bool,
}

/// Every non-2xx answer. `error` is a stable code (`bad_request`, `forbidden`,
/// `idempotency_conflict`, `offset_mismatch`, `chunk_hash_mismatch`, `not_found`, …),
/// `message` is for humans and never holds personal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
    pub message: String,
}

/// Whether an HTTP status means "do not send this again" (4xx) rather than "try later".
pub fn is_permanent(status: u16) -> bool {
    (400..500).contains(&status)
}

/// The keyed hash under which the central system finds a person's applications:
/// lower-case hex HMAC-SHA256 of the normalized ID number, keyed with the central's lookup
/// key, which never leaves the central.
pub fn id_lookup_hash(lookup_key: &[u8], id: &IdNumber) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(lookup_key).expect("HMAC takes any key length");
    mac.update(id.expose().as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `text` is a valid kiosk id: 1–64 of `A-Z a-z 0-9 . _ -` (it is a certificate
/// common name and a metrics label).
pub fn valid_kiosk_id(text: &str) -> bool {
    !text.is_empty() && text.len() <= 64 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_hash_is_keyed_and_stable() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        let a = id_lookup_hash(b"key one", &id);
        assert_eq!(a.len(), 64);
        assert_eq!(a, id_lookup_hash(b"key one", &id));
        assert_ne!(a, id_lookup_hash(b"key two", &id));
        assert!(!a.contains("110105"));
    }

    #[test]
    fn statuses_round_trip_through_json() {
        for s in ["received", "approved", "supplement", "rejected", "done"] {
            let status = CaseStatus::parse(s).unwrap();
            assert_eq!(serde_json::to_string(&status).unwrap(), format!("\"{s}\""));
        }
        assert!(is_permanent(409) && !is_permanent(503));
        assert!(valid_kiosk_id("ZJ-NB-XS-SP-01") && !valid_kiosk_id("a b") && !valid_kiosk_id(""));
    }
}
