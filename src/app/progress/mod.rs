//! 查询进度 and 补交材料: the progress page's controller. A receipt number typed on the
//! keypad, a receipt's QR code held under the camera or the applicant's ID card asks the
//! central system how an application stands; for a case waiting for material, the citizen
//! photographs it here and the worker queues it durably for the central system.
//! Owns the lookup, the QR scanner and the supplement being photographed.

use super::lookup::{LookupDone, ProgressLookup};
use super::receipt_scan::{ReceiptScanner, ScanDone};
use super::shared::Shared;
use super::supply::{SupplyDraft, SupplyState};
use super::worker::Job;
use crate::domain::id_number::IdNumber;
use crate::domain::message::Message;
use crate::domain::session::{Event, Step};

/// Where the kiosk keeps the key behind receipts' progress tokens (re-exported: it was
/// `app::progress` before the feature took the name).
pub use super::progress_key::{load_or_create_key, ProgressKey, KEY_FILE};

/// What the progress page can ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgressIntent {
    /// 查询进度 / 补交材料 on the welcome page.
    Open,
    /// A key of the receipt-number keypad (digit, letter, DEL, CLEAR).
    Key(String),
    /// Look up the typed receipt number.
    Search,
    /// Clear the answer and ask again.
    Again,
    /// 补交材料 on an answer row: photograph the material for this receipt number.
    SupplyStart(String),
    /// Queue the photographed material for the central system.
    SupplySubmit,
    /// Close the supplement panel (photos not sent are forgotten).
    SupplyClose,
}

pub struct Progress {
    pub lookup: ProgressLookup,
    /// Reads receipt QR codes held under the camera.
    pub scanner: ReceiptScanner,
    /// 补交材料: the application the citizen photographs a material for.
    pub supply: Option<SupplyDraft>,
    /// Why the last 提交 of a supplement was refused (no photo yet).
    pub supply_error: Option<Message>,
    /// Why 补交材料 did not open (the answer came from a typed ID tail).
    pub proof_error: Option<Message>,
}

impl Progress {
    pub fn new(lookup: ProgressLookup, scanner: ReceiptScanner) -> Progress {
        Progress {
            lookup,
            scanner,
            supply: None,
            supply_error: None,
            proof_error: None,
        }
    }

    pub fn on_intent(&mut self, intent: ProgressIntent, s: &mut Shared) {
        match intent {
            ProgressIntent::Open => return s.push(Event::OpenProgress),
            ProgressIntent::Key(key) => self.lookup.key(&key),
            ProgressIntent::Search => self.lookup.search_receipt(),
            ProgressIntent::Again => {
                self.lookup.reset();
                self.scanner.reset();
                self.close_supply(s);
            }
            ProgressIntent::SupplyStart(receipt_no) => {
                let answer = self.lookup.answer().and_then(|a| a.as_ref().ok());
                let draft = answer.and_then(|a| SupplyDraft::for_answer(a, &receipt_no));
                // Adding material needs the card or the receipt's token: an ID tail only
                // shows progress.
                match (self.lookup.supplement_proof(), draft) {
                    (Some(proof), Some(mut draft)) if s.session.step == Step::Progress => {
                        draft.proof = Some(proof);
                        self.supply = Some(draft);
                        self.proof_error = None;
                        s.camera.restart();
                    }
                    (None, Some(_)) => self.proof_error = Some(Message::SupplyNeedsProof),
                    _ => {}
                }
            }
            ProgressIntent::SupplySubmit => self.submit_supply(s),
            ProgressIntent::SupplyClose => self.close_supply(s),
        }
        s.touch()
    }

    /// An ID card on the reader while the progress page is open: only the number is used,
    /// and only as a keyed hash on the wire.
    pub fn on_card(&mut self, id: IdNumber, s: &mut Shared) {
        self.lookup.search_card(id);
        s.touch()
    }

    pub fn on_lookup(&mut self, done: LookupDone) {
        self.lookup.finished(done)
    }

    pub fn on_scan(&mut self, done: ScanDone, s: &mut Shared) {
        if let Some(scanned) = self.scanner.finished(done) {
            if s.session.step == Step::Progress && self.waiting_for_a_number() {
                log::info!("receipt QR read under the camera");
                self.lookup.search_scanned(scanned);
                s.touch();
            }
        } else {
            self.scan_for_receipt(s);
        }
    }

    /// The worker queued (or could not queue) the supplement's photos.
    pub fn on_supplement_queued(&mut self, queued: Result<(), Message>, s: &mut Shared) {
        if let Some(draft) = &mut self.supply {
            draft.state = match queued {
                Ok(()) => SupplyState::Queued,
                Err(_) => SupplyState::Failed,
            };
            // The photos are in the queue (sealed) or not kept at all.
            s.camera.forget();
        }
    }

    /// On the progress page, waiting for a number: the newest preview frame goes to the QR
    /// decoder (one at a time).
    pub fn scan_for_receipt(&mut self, s: &Shared) {
        if s.session.step == Step::Progress && self.waiting_for_a_number() && !self.lookup.pending() {
            self.scanner.offer(s.camera.latest_preview());
        }
    }

    pub fn wipe(&mut self) {
        self.supply = None;
        self.supply_error = None;
        self.proof_error = None;
        self.lookup.reset();
        self.scanner.reset();
    }

    fn waiting_for_a_number(&self) -> bool {
        self.supply.is_none() && self.lookup.answer().is_none()
    }

    fn submit_supply(&mut self, s: &mut Shared) {
        let photos = s.camera.photos_for_upload();
        let Some(draft) = self.supply.as_mut().filter(|d| d.state == SupplyState::Capturing) else {
            return;
        };
        let Some(proof) = draft.proof.clone() else {
            self.supply_error = Some(Message::SupplyNeedsProof);
            return;
        };
        if photos.is_empty() {
            self.supply_error = Some(Message::MaterialsIncomplete);
        } else {
            draft.state = SupplyState::Queueing;
            self.supply_error = None;
            s.worker.send(Job::QueueSupplement {
                receipt_no: draft.receipt_no.clone(),
                proof,
                photos,
            });
        }
    }

    fn close_supply(&mut self, s: &mut Shared) {
        if let Some(draft) = self.supply.take().filter(|d| d.state == SupplyState::Queued) {
            self.lookup.mark_supplied(&draft.receipt_no);
        }
        self.supply_error = None;
        s.camera.restart();
    }
}
