//! The seam to the central system: the [`CentralSystem`] trait, whose production
//! implementation is the HTTPS client in [`super::central_http`], and [`SimCentral`], an
//! in-process simulation with the same contract for unit tests. Every call's failure is a
//! typed [`CentralError`]: retryable (network, timeout, 5xx, a refused or revoked
//! certificate), permanent (4xx: sending it again will not help) or "no such record". A
//! citizen never sees the raw error: [`CentralError::message`] picks the words.

use crate::central_api::{
    BookAppointment, Booking, CatalogueResponse, ComplaintResponse, CreatePayment, CreateSupplement, CreateUpload,
    FinaliseResponse, Heartbeat, HeartbeatResponse, PaymentOrder, RatingResponse, SlotsResponse, StatusQuery,
    StatusQueryResponse, SubmitApplication, SubmitComplaint, SubmitRating, SubmitResponse, SupplementResponse,
    UploadState,
};
use crate::domain::calendar::Date;
use crate::domain::message::Message;

/// Whether the last contact with the central system worked: set by every call of the
/// client, shown on the welcome page. Starts optimistic; the first failed call turns it off.
pub static REACHABLE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

pub fn reachable() -> bool {
    REACHABLE.load(std::sync::atomic::Ordering::Relaxed)
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CentralError {
    /// Network down, timeout, 5xx, 429: try again later.
    #[error("central system unreachable: {0}")]
    Unavailable(String),
    /// The TLS handshake or the server refused this kiosk (certificate unknown, revoked,
    /// 401/403): a technician must re-enrol it. Applications stay queued.
    #[error("central system refused this kiosk's credentials: {0}")]
    Unauthorized(String),
    /// 4xx: sending it again will not help; a technician must look.
    #[error("central system refused the request: {0}")]
    Rejected(String),
    /// 404 on a lookup: no such receipt, order or booking.
    #[error("not found at the central system")]
    NotFound,
    /// This central system (the simulation) does not offer the call.
    #[error("not offered by this central system: {0}")]
    Unsupported(&'static str),
    /// 413 or 429 with the central's reason: this kiosk (or this receipt) reached a limit.
    #[error("central system limit ({0:?}): {1}")]
    Limited(Limit, String),
}

/// Which limit the central system applied (its `error` code in a 413 or 429).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Wrong proofs for this receipt or at this kiosk: the next try waits (429).
    TooManyTries,
    /// This kiosk sent its day's quota of photos (429): tomorrow it goes on.
    DailyQuota,
    /// One application's photos, or one request, are beyond the central's size (413).
    TooLarge,
}

impl Limit {
    /// The limit an HTTP status and the central's error code name, if any.
    pub fn of(status: u16, code: &str) -> Option<Limit> {
        match (status, code) {
            (429, "too_many_tries") => Some(Limit::TooManyTries),
            (429, "quota_exceeded") => Some(Limit::DailyQuota),
            (413, _) => Some(Limit::TooLarge),
            _ => None,
        }
    }
}

impl CentralError {
    /// Whether the outbox should try again later (rather than dead-letter).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            CentralError::Unavailable(_)
                | CentralError::Unauthorized(_)
                | CentralError::Limited(Limit::TooManyTries | Limit::DailyQuota, _)
        )
    }

    /// What a citizen is told.
    pub fn message(&self) -> Message {
        match self {
            CentralError::Unavailable(_) | CentralError::Unauthorized(_) | CentralError::Unsupported(_) => {
                Message::CentralOffline
            }
            CentralError::Rejected(_) => Message::CentralRefused,
            CentralError::NotFound => Message::CentralNotFound,
            CentralError::Limited(Limit::TooManyTries, _) => Message::ProgressTooManyTries,
            CentralError::Limited(Limit::DailyQuota, _) => Message::CentralDailyQuota,
            CentralError::Limited(Limit::TooLarge, _) => Message::CentralTooLarge,
        }
    }
}

/// The answer to a catalogue sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogueSync {
    /// The cached catalogue (its ETag was sent) is current.
    NotModified,
    Changed {
        etag: Option<String>,
        catalogue: CatalogueResponse,
    },
}

/// What the kiosk needs from the central system. The outbox worker uses submission and
/// uploads; the UI (through the app worker) uses the lookups, payment, appointments,
/// rating and complaint; a background thread sends heartbeats.
pub trait CentralSystem: Send + Sync {
    /// Submits an application under its UUID as the Idempotency-Key. Submitting the same
    /// key again returns the first answer and creates nothing new.
    fn submit(&self, request: &SubmitApplication) -> Result<SubmitResponse, CentralError>;
    /// Starts (or finds again: same owner, material and sha256) a photo upload. `owner` is
    /// the application's key, or `supplement:{id}` for a supplement's photos
    /// ([`crate::central_api::upload_create_path`]).
    fn upload_create(&self, owner: &str, code: &str, request: &CreateUpload) -> Result<UploadState, CentralError>;
    /// Where an upload stands.
    fn upload_state(&self, upload_id: &str) -> Result<UploadState, CentralError>;
    /// Sends the chunk that starts at `offset`.
    fn upload_chunk(&self, upload_id: &str, offset: u64, chunk: &[u8]) -> Result<UploadState, CentralError>;
    /// Asks the server to check the whole photo's sha256 and keep it.
    fn upload_finalise(&self, upload_id: &str) -> Result<FinaliseResponse, CentralError>;
    /// Where the applications the proof opens stand: one receipt (its QR token, or the
    /// applicant's ID tail with the typed number) or every application of a card's holder.
    /// A wrong proof is "not found"; too many wrong tries, "unavailable" for a while.
    fn status(&self, query: &StatusQuery) -> Result<StatusQueryResponse, CentralError> {
        let _ = query;
        Err(CentralError::Unsupported("progress"))
    }
    fn payment_create(&self, request: &CreatePayment) -> Result<PaymentOrder, CentralError> {
        let _ = request;
        Err(CentralError::Unsupported("payment"))
    }
    fn payment_poll(&self, order_id: &str) -> Result<PaymentOrder, CentralError> {
        let _ = order_id;
        Err(CentralError::Unsupported("payment"))
    }
    fn payment_cancel(&self, order_id: &str) -> Result<PaymentOrder, CentralError> {
        let _ = order_id;
        Err(CentralError::Unsupported("payment"))
    }
    /// A lab server's payment sandbox: marks the order paid, as the citizen's phone would.
    /// Only the simulated kiosk's "payment received" button calls it.
    fn payment_sandbox_pay(&self, order_id: &str) -> Result<PaymentOrder, CentralError> {
        let _ = order_id;
        Err(CentralError::Unsupported("payment sandbox"))
    }
    /// The catalogue, unless `etag` is still current.
    fn catalogue(&self, etag: Option<&str>) -> Result<CatalogueSync, CentralError> {
        let _ = etag;
        Err(CentralError::Unsupported("catalogue"))
    }
    fn slots(&self, from: Date, days: u32) -> Result<SlotsResponse, CentralError> {
        let _ = (from, days);
        Err(CentralError::Unsupported("appointments"))
    }
    fn book(&self, request: &BookAppointment) -> Result<Booking, CentralError> {
        let _ = request;
        Err(CentralError::Unsupported("appointments"))
    }
    /// Cancels a booking; its cancel code (from the booking's answer, printed on the slip)
    /// is the proof.
    fn cancel_booking(&self, booking_no: &str, cancel_code: &str) -> Result<Booking, CentralError> {
        let _ = (booking_no, cancel_code);
        Err(CentralError::Unsupported("appointments"))
    }
    fn rate(&self, request: &SubmitRating) -> Result<RatingResponse, CentralError> {
        let _ = request;
        Err(CentralError::Unsupported("rating"))
    }
    fn complain(&self, request: &SubmitComplaint) -> Result<ComplaintResponse, CentralError> {
        let _ = request;
        Err(CentralError::Unsupported("complaint"))
    }
    /// 补交材料: announces the materials a citizen brings for the application with this
    /// receipt number, with the citizen's proof; the photos then go up under the returned
    /// supplement.
    fn supplement(&self, receipt_no: &str, request: &CreateSupplement) -> Result<SupplementResponse, CentralError> {
        let _ = (receipt_no, request);
        Err(CentralError::Unsupported("supplement"))
    }
    fn heartbeat(&self, heartbeat: &Heartbeat) -> Result<HeartbeatResponse, CentralError>;
    /// Renews this kiosk's certificate (a new key, over the current channel) and switches
    /// to it; returns the new expiry. Only a real client has a certificate to renew.
    fn renew_identity(&self) -> Result<i64, CentralError> {
        Err(CentralError::Unsupported("certificate renewal"))
    }
    /// Bytes `from..=to` of an offered rollout's bundle (at most
    /// [`township_core::firmware_api::BUNDLE_RANGE_MAX`]); only a real client fetches them.
    fn bundle_range(&self, rollout_id: i64, from: u64, to: u64) -> Result<Vec<u8>, CentralError> {
        let _ = (rollout_id, from, to);
        Err(CentralError::Unsupported("firmware bundles"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_told_plainly_and_only_a_size_refusal_is_final() {
        let cases = [
            (
                429,
                "too_many_tries",
                Limit::TooManyTries,
                Message::ProgressTooManyTries,
                true,
            ),
            (
                429,
                "quota_exceeded",
                Limit::DailyQuota,
                Message::CentralDailyQuota,
                true,
            ),
            (413, "quota_exceeded", Limit::TooLarge, Message::CentralTooLarge, false),
            (413, "too_large", Limit::TooLarge, Message::CentralTooLarge, false),
        ];
        for (status, code, limit, message, retry) in cases {
            assert_eq!(Limit::of(status, code), Some(limit), "{status} {code}");
            let error = CentralError::Limited(limit, format!("{status} {code}"));
            assert_eq!(
                (error.message(), error.is_retryable()),
                (message, retry),
                "{status} {code}"
            );
        }
        // A 429 for another reason is the central being busy; a 400 is no limit.
        assert_eq!(Limit::of(429, "busy"), None);
        assert_eq!(Limit::of(400, "quota_exceeded"), None);
    }
}
