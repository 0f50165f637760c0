//! [`SimCentral`]: the central system simulated in-process, with the contract of the
//! reference server (idempotent submissions, chunked uploads, payment orders that are
//! reused, expire and can be paid in its sandbox, appointment slots) and switchable
//! outages. Unit tests and the screenshots use it; the kiosk itself talks to a real server.

use super::central::{CentralError, CentralSystem};
use crate::central_api::{
    BookAppointment, Booking, ComplaintResponse, CreatePayment, CreateSupplement, CreateUpload, FinaliseResponse,
    Heartbeat, HeartbeatResponse, PaymentOrder, PaymentStatus, RatingResponse, Slot, SlotsResponse, StatusQuery,
    StatusQueryResponse, StatusResponse, SubmitApplication, SubmitComplaint, SubmitRating, SubmitResponse,
    SupplementResponse, UploadState,
};
use crate::domain::calendar::Date;
use std::collections::HashMap;
use std::sync::Mutex;

/// In-process simulation of the central system, with switchable outages.
#[derive(Default)]
pub struct SimCentral {
    state: Mutex<SimState>,
}

#[derive(Default)]
struct SimState {
    accepted: HashMap<String, SubmitResponse>,
    uploads: HashMap<String, SimUpload>,
    down: bool,
    reject_items: Vec<String>,
    received: u64,
    heartbeats: u64,
    /// Payment orders by id, and the order id each idempotency key created.
    orders: HashMap<String, PaymentOrder>,
    order_keys: HashMap<String, String>,
    /// Bookings by number, and the booking number each idempotency key made.
    bookings: HashMap<String, Booking>,
    booking_keys: HashMap<String, String>,
    /// Ratings received (stars, receipt number), by idempotency key.
    ratings: Vec<SubmitRating>,
    /// Consultations and complaints received, by idempotency key (a replay counts once).
    complaints: Vec<SubmitComplaint>,
    /// The application key of each accepted receipt number.
    receipts: HashMap<String, String>,
    /// What proves each receipt's applicant: (item code, QR token, ID number).
    proofs: HashMap<String, (String, Option<String>, String)>,
    /// Supplements received, by idempotency key: (receipt number, material codes).
    supplements: Vec<(String, String, Vec<String>)>,
}

impl SimState {
    /// Places of the slot held by bookings that are not cancelled.
    fn taken(&self, slot_id: &str) -> u32 {
        let held = self
            .bookings
            .values()
            .filter(|b| b.status == "booked" && b.slot.slot_id == slot_id);
        held.count() as u32
    }
}

/// How long a simulated payment order stays payable (the reference server's default).
const PAYMENT_TTL_SECS: i64 = 900;

struct SimUpload {
    key: String,
    code: String,
    size: u64,
    sha256: String,
    bytes: Vec<u8>,
    stored: bool,
}

impl SimCentral {
    pub fn set_down(&self, down: bool) {
        self.lock().down = down;
    }
    pub fn reject_item(&self, item_code: &str) {
        self.lock().reject_items.push(item_code.to_string());
    }
    /// Distinct applications created (replays excluded).
    pub fn created(&self) -> usize {
        self.lock().accepted.len()
    }
    /// Requests received, replays included.
    pub fn received(&self) -> u64 {
        self.lock().received
    }
    /// Photos stored (finalised) for the application with this key.
    pub fn stored_photos(&self, key: &str) -> Vec<(String, Vec<u8>)> {
        self.lock()
            .uploads
            .values()
            .filter(|u| u.key == key && u.stored)
            .map(|u| (u.code.clone(), u.bytes.clone()))
            .collect()
    }
    pub fn heartbeats(&self) -> u64 {
        self.lock().heartbeats
    }
    /// Payment orders created (a reused order counts once).
    pub fn payment_orders(&self) -> usize {
        self.lock().orders.len()
    }
    /// Lets every pending order run out, as 15 minutes without paying would.
    pub fn expire_payments(&self) {
        for order in self.lock().orders.values_mut() {
            if order.status == PaymentStatus::Pending {
                order.status = PaymentStatus::Expired;
            }
        }
    }
    /// Ratings received: stars and receipt number (a replay counts once).
    pub fn ratings(&self) -> Vec<(u8, Option<String>)> {
        self.lock()
            .ratings
            .iter()
            .map(|r| (r.stars, r.receipt_no.clone()))
            .collect()
    }
    /// Ratings received, whole (with their reason codes).
    pub fn rating_requests(&self) -> Vec<SubmitRating> {
        self.lock().ratings.clone()
    }
    /// Supplements received (a replay counts once): receipt number and material codes.
    pub fn supplements(&self) -> Vec<(String, Vec<String>)> {
        self.lock()
            .supplements
            .iter()
            .map(|(_, receipt, codes)| (receipt.clone(), codes.clone()))
            .collect()
    }
    /// Consultations and complaints received (a replay counts once).
    pub fn complaints(&self) -> Vec<SubmitComplaint> {
        self.lock().complaints.clone()
    }
    /// Bookings made (a replayed booking counts once).
    pub fn bookings(&self) -> Vec<Booking> {
        self.lock().bookings.values().cloned().collect()
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
    fn set_payment(&self, order_id: &str, to: PaymentStatus) -> Result<PaymentOrder, CentralError> {
        let mut state = self.up()?;
        let order = state.orders.get_mut(order_id).ok_or(CentralError::NotFound)?;
        match order.status {
            PaymentStatus::Pending => order.status = to,
            PaymentStatus::Paid if to != PaymentStatus::Paid => {
                return Err(CentralError::Rejected("409 already_paid".into()))
            }
            _ => {}
        }
        Ok(order.clone())
    }
    fn up(&self) -> Result<std::sync::MutexGuard<'_, SimState>, CentralError> {
        let state = self.lock();
        if state.down {
            return Err(CentralError::Unavailable(
                "connection refused (simulated outage)".into(),
            ));
        }
        Ok(state)
    }
}

fn sim_upload_state(id: &str, upload: &SimUpload) -> UploadState {
    UploadState {
        upload_id: id.to_string(),
        received: upload.bytes.len() as u64,
        stored: upload.stored,
    }
}

impl CentralSystem for SimCentral {
    fn submit(&self, request: &SubmitApplication) -> Result<SubmitResponse, CentralError> {
        let mut state = self.up()?;
        state.received += 1;
        let key = &request.application.uuid;
        if let Some(first) = state.accepted.get(key) {
            return Ok(first.clone());
        }
        if state.reject_items.contains(&request.application.item_code) {
            return Err(CentralError::Rejected(format!(
                "422 item {} not handled at this point",
                request.application.item_code
            )));
        }
        let payment = match &request.application.payment {
            crate::domain::application::PaymentState::NotRequired => crate::central_api::SettledPayment::NotRequired,
            crate::domain::application::PaymentState::Paid { reference, .. }
                if state
                    .orders
                    .get(reference)
                    .is_some_and(|o| o.status == crate::central_api::PaymentStatus::Paid) =>
            {
                crate::central_api::SettledPayment::Paid
            }
            _ => crate::central_api::SettledPayment::AtWindow,
        };
        let accepted = SubmitResponse {
            case_number: format!("CASE-{:06}", state.accepted.len() + 1),
            status: crate::central_api::CaseStatus::Received,
            payment,
        };
        state.accepted.insert(key.clone(), accepted.clone());
        state.receipts.insert(request.receipt_no.clone(), key.clone());
        state.proofs.insert(
            request.receipt_no.clone(),
            (
                request.application.item_code.clone(),
                request.progress_token.clone(),
                request.application.applicant.id.expose().to_string(),
            ),
        );
        Ok(accepted)
    }

    fn upload_create(&self, owner: &str, code: &str, request: &CreateUpload) -> Result<UploadState, CentralError> {
        let mut state = self.up()?;
        let key = match owner.strip_prefix(crate::central_api::SUPPLEMENT_OWNER_PREFIX) {
            Some(supplement) => {
                let number: usize = supplement.trim_start_matches("S-SIM-").parse().unwrap_or(0);
                let receipt = state.supplements.get(number.wrapping_sub(1)).map(|(_, r, _)| r.clone());
                receipt
                    .and_then(|r| state.receipts.get(&r).cloned())
                    .ok_or(CentralError::NotFound)?
            }
            None => owner.to_string(),
        };
        let key = key.as_str();
        if !state.accepted.contains_key(key) {
            return Err(CentralError::Rejected("404 no such application".into()));
        }
        let id = format!("up-{key}-{code}-{}", &request.sha256[..8.min(request.sha256.len())]);
        let upload = state.uploads.entry(id.clone()).or_insert_with(|| SimUpload {
            key: key.to_string(),
            code: code.to_string(),
            size: request.size,
            sha256: request.sha256.clone(),
            bytes: Vec::new(),
            stored: false,
        });
        Ok(sim_upload_state(&id, upload))
    }

    fn upload_state(&self, upload_id: &str) -> Result<UploadState, CentralError> {
        let state = self.up()?;
        state
            .uploads
            .get(upload_id)
            .map(|u| sim_upload_state(upload_id, u))
            .ok_or(CentralError::NotFound)
    }

    fn upload_chunk(&self, upload_id: &str, offset: u64, chunk: &[u8]) -> Result<UploadState, CentralError> {
        let mut state = self.up()?;
        let upload = state.uploads.get_mut(upload_id).ok_or(CentralError::NotFound)?;
        if offset > upload.bytes.len() as u64 {
            return Err(CentralError::Rejected("409 offset_mismatch".into()));
        }
        // A chunk the server already holds is accepted again (a lost reply is harmless).
        upload.bytes.truncate(offset as usize);
        if offset + chunk.len() as u64 > upload.size {
            return Err(CentralError::Rejected("413 beyond the announced size".into()));
        }
        upload.bytes.extend_from_slice(chunk);
        Ok(sim_upload_state(upload_id, upload))
    }

    fn upload_finalise(&self, upload_id: &str) -> Result<FinaliseResponse, CentralError> {
        use sha2::Digest;
        let mut state = self.up()?;
        let upload = state.uploads.get_mut(upload_id).ok_or(CentralError::NotFound)?;
        let digest = hex::encode(sha2::Sha256::digest(&upload.bytes));
        if upload.bytes.len() as u64 != upload.size || digest != upload.sha256 {
            return Err(CentralError::Rejected("422 sha256 mismatch".into()));
        }
        upload.stored = true;
        Ok(FinaliseResponse { stored: true })
    }

    fn status(&self, query: &StatusQuery) -> Result<StatusQueryResponse, CentralError> {
        let state = self.up()?;
        let answer = |receipt: &String, item: &String| StatusResponse {
            receipt_no: receipt.clone(),
            item_code: item.clone(),
            status: crate::central_api::CaseStatus::Received,
            message: None,
            expected_on: None,
        };
        let applications = state
            .proofs
            .iter()
            .filter(|(receipt, (_, token, id))| match query {
                StatusQuery::Token { receipt_no, token: t } => *receipt == receipt_no && token.as_deref() == Some(t),
                StatusQuery::IdTail { receipt_no, id_tail } => {
                    *receipt == receipt_no && id.ends_with(&id_tail.to_ascii_uppercase()) && id_tail.len() == 6
                }
                StatusQuery::Card { id_number } => id == id_number.expose(),
            })
            .map(|(receipt, (item, _, _))| answer(receipt, item))
            .collect::<Vec<_>>();
        if applications.is_empty() && !matches!(query, StatusQuery::Card { .. }) {
            return Err(CentralError::NotFound);
        }
        Ok(StatusQueryResponse { applications })
    }

    fn payment_create(&self, request: &CreatePayment) -> Result<PaymentOrder, CentralError> {
        let mut state = self.up()?;
        if let Some(order) = state.order_keys.get(&request.idempotency_key).cloned() {
            return Ok(state.orders[&order].clone());
        }
        let order_id = format!("PAY-{:06}", state.orders.len() + 1);
        let order = PaymentOrder {
            qr_payload: format!("township-pay://order/{order_id}?amount={}", request.amount_fen),
            order_id: order_id.clone(),
            amount_fen: request.amount_fen,
            expires_at: crate::storage::now_unix() + PAYMENT_TTL_SECS,
            status: PaymentStatus::Pending,
        };
        state
            .order_keys
            .insert(request.idempotency_key.clone(), order_id.clone());
        state.orders.insert(order_id, order.clone());
        Ok(order)
    }

    fn payment_poll(&self, order_id: &str) -> Result<PaymentOrder, CentralError> {
        let mut state = self.up()?;
        let order = state.orders.get_mut(order_id).ok_or(CentralError::NotFound)?;
        if order.status == PaymentStatus::Pending && crate::storage::now_unix() > order.expires_at {
            order.status = PaymentStatus::Expired;
        }
        Ok(order.clone())
    }

    fn payment_cancel(&self, order_id: &str) -> Result<PaymentOrder, CentralError> {
        self.set_payment(order_id, PaymentStatus::Cancelled)
    }

    fn payment_sandbox_pay(&self, order_id: &str) -> Result<PaymentOrder, CentralError> {
        self.set_payment(order_id, PaymentStatus::Paid)
    }

    fn slots(&self, from: Date, days: u32) -> Result<SlotsResponse, CentralError> {
        let state = self.up()?;
        let calendar = crate::domain::calendar::WorkCalendar::default();
        let mut slots: Vec<Slot> = (0..days.min(31))
            .flat_map(|d| crate::domain::opening_hours::day_slots(&calendar, from.add_days(d.into())))
            .map(|(slot, _)| slot)
            .collect();
        for slot in &mut slots {
            let taken = state.taken(&slot.slot_id);
            slot.free = slot.free.saturating_sub(taken);
        }
        Ok(SlotsResponse { slots })
    }

    fn book(&self, request: &BookAppointment) -> Result<Booking, CentralError> {
        let mut state = self.up()?;
        if let Some(no) = state.booking_keys.get(&request.idempotency_key).cloned() {
            return Ok(state.bookings[&no].clone());
        }
        let calendar = crate::domain::calendar::WorkCalendar::default();
        let Some((mut slot, capacity)) = crate::domain::opening_hours::find(&calendar, &request.slot_id) else {
            return Err(CentralError::Rejected("404 no such slot".into()));
        };
        let taken = state.taken(&slot.slot_id);
        if taken >= capacity {
            return Err(CentralError::Rejected("409 slot_full".into()));
        }
        slot.free = capacity - taken - 1;
        let booking_no = format!("YY{:06}", state.bookings.len() + 1);
        let booking = Booking {
            qr_payload: format!("township-booking://{booking_no}"),
            booking_no: booking_no.clone(),
            slot,
            status: "booked".into(),
            cancel_code: Some(format!("C{:011}", state.bookings.len() + 1)),
        };
        state
            .booking_keys
            .insert(request.idempotency_key.clone(), booking_no.clone());
        state.bookings.insert(booking_no, booking.clone());
        Ok(booking)
    }

    fn cancel_booking(&self, booking_no: &str, cancel_code: &str) -> Result<Booking, CentralError> {
        let mut state = self.up()?;
        let booking = state
            .bookings
            .get_mut(booking_no)
            .filter(|b| b.cancel_code.as_deref() == Some(cancel_code))
            .ok_or(CentralError::NotFound)?;
        booking.status = "cancelled".into();
        let mut answer = booking.clone();
        answer.cancel_code = None;
        Ok(answer)
    }

    fn rate(&self, request: &SubmitRating) -> Result<RatingResponse, CentralError> {
        let mut state = self.up()?;
        if !state
            .ratings
            .iter()
            .any(|r| r.idempotency_key == request.idempotency_key)
        {
            state.ratings.push(request.clone());
        }
        Ok(RatingResponse {
            rating_id: format!("R-{:06}", state.ratings.len()),
            follow_up_due: None,
        })
    }

    fn supplement(&self, receipt_no: &str, request: &CreateSupplement) -> Result<SupplementResponse, CentralError> {
        let mut state = self.up()?;
        let (_, token, id) = state.proofs.get(receipt_no).cloned().ok_or(CentralError::NotFound)?;
        let proven = match &request.proof {
            crate::central_api::SupplementProof::Token { token: t } => token.as_deref() == Some(t.as_str()),
            crate::central_api::SupplementProof::Card { id_number } => id == id_number.expose(),
        };
        if !proven {
            return Err(CentralError::NotFound);
        }
        let seen = state
            .supplements
            .iter()
            .position(|(k, _, _)| *k == request.idempotency_key);
        let number = match seen {
            Some(index) => index + 1,
            None => {
                let codes = request.materials.iter().map(|m| m.code.clone()).collect();
                state
                    .supplements
                    .push((request.idempotency_key.clone(), receipt_no.to_string(), codes));
                state.supplements.len()
            }
        };
        Ok(SupplementResponse {
            supplement_id: format!("S-SIM-{number:05}"),
            status: crate::central_api::CaseStatus::Supplement,
        })
    }

    fn complain(&self, request: &SubmitComplaint) -> Result<ComplaintResponse, CentralError> {
        let mut state = self.up()?;
        let seen = state
            .complaints
            .iter()
            .position(|c| c.idempotency_key == request.idempotency_key);
        let number = match seen {
            Some(index) => index + 1,
            None => {
                state.complaints.push(request.clone());
                state.complaints.len()
            }
        };
        Ok(ComplaintResponse {
            ticket_no: format!("T-SIM-{number:05}"),
        })
    }

    fn heartbeat(&self, _heartbeat: &Heartbeat) -> Result<HeartbeatResponse, CentralError> {
        let mut state = self.up()?;
        state.heartbeats += 1;
        Ok(HeartbeatResponse {
            certificate_expires_at: None,
            server_time: crate::storage::now_unix(),
            update: None,
        })
    }
}
