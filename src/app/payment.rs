//! 缴费: the payment order for an item with a fee, made at the central system and shown as
//! a QR code until it is paid, runs out or is cancelled. Every call runs on its own thread
//! and answers through the inbox; a poller asks for the order's state while the page is
//! open. No double charge: a session's order is made under one idempotency key (a tap twice
//! or a lost reply gets the same order back), a new key only after the old order expired,
//! and an order that turns out paid when cancelled is used the next time the citizen pays.

use super::central::{CentralError, CentralSystem};
use super::report::Reporter;
use super::shared::Shared;
use crate::central_api::{CreatePayment, PaymentOrder, PaymentStatus};
use crate::domain::message::Message;
use crate::domain::session::{Event, Step};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How often the open order is polled.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// A lost reply to "make the order" is asked again this often, under the same key.
const CREATE_ATTEMPTS: u32 = 3;

/// A finished call, reported to the app.
#[derive(Debug)]
pub struct PaymentReport {
    pub generation: u64,
    pub result: Result<PaymentOrder, CentralError>,
    pub call: PaymentCall,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentCall {
    Create,
    Poll,
    Cancel,
    SandboxPay,
}

/// Where the payment page stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentPhase {
    /// No order asked for.
    Idle,
    /// Making the order: "正在生成付款码".
    Creating,
    /// The QR is shown; the poller waits for the citizen's phone.
    Waiting,
    Paid,
    /// Ran out unpaid: a new code can be asked for.
    Expired,
    /// No order could be made (offline, refused).
    Failed(Message),
}

/// What the payment page can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaymentIntent {
    /// The simulated payment button (simulated devices only).
    SimulatePaid,
    /// 重新生成付款码: a new payment order after the last one ran out or failed.
    Retry,
}

pub struct PaymentDesk {
    central: Option<Arc<dyn CentralSystem>>,
    inbox: Option<Reporter<PaymentReport>>,
    /// Fresh for every session; with `attempt`, the order's idempotency key.
    session_key: String,
    attempt: u32,
    item: Option<(String, u32)>,
    order: Option<PaymentOrder>,
    phase: PaymentPhase,
    /// Found paid when the citizen went back: used at the next "pay".
    paid_meanwhile: Option<PaymentOrder>,
    /// Bumped when the page's order changes or is dropped: stale answers and pollers stop.
    generation: Arc<AtomicU64>,
}

/// What the app does after a report.
#[derive(Debug, PartialEq, Eq)]
pub enum PaymentNext {
    Nothing,
    /// Paid: the session goes on with this reference.
    Completed(String),
}

impl PaymentDesk {
    pub fn on_intent(&mut self, intent: PaymentIntent, s: &mut Shared) {
        match intent {
            // Simulated devices only: the lab server's payment sandbox pays the order, as the
            // citizen's phone would. With no central system at all (unit tests, the bare app),
            // the payment completes here.
            PaymentIntent::SimulatePaid if s.simulated && self.has_central() => self.sandbox_pay(),
            PaymentIntent::SimulatePaid if s.simulated => {
                let reference = format!("SIM-{}", uuid::Uuid::new_v4().simple());
                s.push(Event::PaymentCompleted { reference })
            }
            PaymentIntent::SimulatePaid => {}
            PaymentIntent::Retry => {
                self.retry();
                s.touch()
            }
        }
    }

    /// The central system answered a payment call; a paid order completes the payment step.
    pub fn on_report(&mut self, report: PaymentReport, s: &mut Shared) {
        let next = self.finished(report);
        if let (PaymentNext::Completed(reference), Step::Payment) = (next, s.session.step) {
            s.push(Event::PaymentCompleted { reference })
        }
        self.hold_session(s);
    }

    /// One timer: while the code is payable the session waits for it (the idle clock
    /// starts when the code runs out). A code that ran out leaves its end in place, so the
    /// citizen still has the page's full idle time to ask for a new one.
    fn hold_session(&self, s: &mut Shared) {
        let Some(left) = self.seconds_left(crate::storage::now_unix()) else {
            return;
        };
        let until = s.now_ms() + u64::try_from(left).unwrap_or(0) * 1000;
        let known = s.session.payable_until_ms;
        let moved = known.is_none_or(|known| known.abs_diff(until) > 1500);
        if moved && s.session.step == Step::Payment {
            s.push(Event::PayableUntil(Some(until)))
        }
    }

    /// The session asks for an order of `fen` for its service.
    pub fn on_create(&mut self, fen: u32, s: &mut Shared) {
        let item = s.session.data.plan.as_ref().map(|p| p.item.code.clone());
        if let (Some(item), true) = (item, self.has_central()) {
            if let PaymentNext::Completed(reference) = self.start(&item, fen) {
                s.push(Event::PaymentCompleted { reference })
            }
            self.hold_session(s);
        }
    }

    pub fn new(central: Option<Arc<dyn CentralSystem>>, inbox: Option<Reporter<PaymentReport>>) -> PaymentDesk {
        PaymentDesk {
            central,
            inbox,
            session_key: new_key(),
            attempt: 0,
            item: None,
            order: None,
            phase: PaymentPhase::Idle,
            paid_meanwhile: None,
            generation: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Whether a central system is configured at all (without one, only the simulated
    /// devices' button completes a payment: unit tests and the bare app).
    pub fn has_central(&self) -> bool {
        self.central.is_some()
    }
    pub fn phase(&self) -> &PaymentPhase {
        &self.phase
    }
    pub fn order(&self) -> Option<&PaymentOrder> {
        self.order.as_ref().filter(|_| self.phase == PaymentPhase::Waiting)
    }
    /// Seconds until the shown order runs out (None: no order shown).
    pub fn seconds_left(&self, now_unix: i64) -> Option<i64> {
        self.order().map(|o| (o.expires_at - now_unix).max(0))
    }

    /// The payment page opened for `fen` of `item_code`. Returns the reference when an order
    /// of this session is already paid (the citizen went back after paying).
    pub fn start(&mut self, item_code: &str, fen: u32) -> PaymentNext {
        let wanted = (item_code.to_string(), fen);
        if let Some(paid) = self.paid_meanwhile.take() {
            if paid.amount_fen == fen && self.item.as_ref() == Some(&wanted) {
                self.phase = PaymentPhase::Paid;
                return PaymentNext::Completed(paid.order_id);
            }
        }
        let same_item = self.item.as_ref() == Some(&wanted);
        match &self.phase {
            PaymentPhase::Creating if same_item => return PaymentNext::Nothing,
            PaymentPhase::Waiting if same_item => return PaymentNext::Nothing,
            _ => {}
        }
        if self.item.is_some() && (!same_item || matches!(self.phase, PaymentPhase::Expired)) {
            self.attempt += 1;
        }
        self.item = Some(wanted);
        self.create();
        PaymentNext::Nothing
    }

    /// "重新生成付款码" after the code ran out (or after a failure: the same key again, so
    /// an order made behind a lost reply is found, not made twice).
    pub fn retry(&mut self) {
        match self.phase {
            PaymentPhase::Expired => {
                self.attempt += 1;
                self.create()
            }
            PaymentPhase::Failed(_) => self.create(),
            _ => {}
        }
    }

    /// The citizen left the payment page (back, cancel, timeout): the open order is
    /// cancelled at the central system; an order paid meanwhile is kept for the next "pay".
    pub fn cancel(&mut self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let (Some(order), PaymentPhase::Waiting) = (self.order.clone(), &self.phase) {
            let order_id = order.order_id.clone();
            self.call(PaymentCall::Cancel, move |central| {
                // "already paid" (409): learn the order, so that it is used, not paid twice.
                central.payment_cancel(&order_id).or_else(|e| match e {
                    CentralError::Rejected(_) => central.payment_poll(&order_id),
                    e => Err(e),
                })
            });
        }
        if self.phase != PaymentPhase::Paid {
            if self.order.take().is_some() {
                // The next "pay" makes a new order: this one is cancelled or ran out (one
                // found paid on cancel is kept in `paid_meanwhile`).
                self.attempt += 1;
            }
            self.phase = PaymentPhase::Idle;
        }
    }

    /// The simulated devices' "payment received": the lab server's sandbox marks the order
    /// paid, as the citizen's phone would; the poller's next answer (or this one) completes.
    pub fn sandbox_pay(&mut self) {
        if let (Some(order), PaymentPhase::Waiting) = (self.order.clone(), &self.phase) {
            let order_id = order.order_id.clone();
            self.call(PaymentCall::SandboxPay, move |central| {
                central.payment_sandbox_pay(&order_id)
            });
        }
    }

    /// A new citizen: nothing of this session's payment is kept (an open order is cancelled).
    pub fn forget(&mut self) {
        self.cancel();
        self.session_key = new_key();
        self.attempt = 0;
        self.item = None;
        self.order = None;
        self.phase = PaymentPhase::Idle;
        self.paid_meanwhile = None;
    }

    /// A call's answer. Stale answers (an older order, a wiped session) only matter when
    /// they say a cancelled order was paid after all.
    pub fn finished(&mut self, report: PaymentReport) -> PaymentNext {
        let current = report.generation == self.generation.load(Ordering::SeqCst);
        match (report.call, report.result) {
            (PaymentCall::Cancel, Ok(order)) if order.status == PaymentStatus::Paid => {
                self.paid_meanwhile = Some(order);
                PaymentNext::Nothing
            }
            // Cancelled as asked: the page has moved on already.
            (PaymentCall::Cancel, Ok(_)) => PaymentNext::Nothing,
            (_, _) if !current => PaymentNext::Nothing,
            (PaymentCall::Create, Err(e)) => {
                log::warn!("payment order not made: {e}");
                self.phase = PaymentPhase::Failed(match e {
                    CentralError::Rejected(_) => Message::PaymentFailed,
                    _ => Message::PaymentUnavailable,
                });
                PaymentNext::Nothing
            }
            (PaymentCall::Poll | PaymentCall::SandboxPay, Err(e)) => {
                // The QR stays; the next poll may get through.
                log::info!("payment poll failed: {e}");
                PaymentNext::Nothing
            }
            (call, Ok(order)) => self.on_order(call, order),
            (PaymentCall::Cancel, Err(_)) => PaymentNext::Nothing,
        }
    }

    fn on_order(&mut self, call: PaymentCall, order: PaymentOrder) -> PaymentNext {
        let status = order.status;
        self.order = Some(order.clone());
        match status {
            PaymentStatus::Paid => {
                self.generation.fetch_add(1, Ordering::SeqCst);
                self.phase = PaymentPhase::Paid;
                log::info!("payment order {} paid", order.order_id);
                PaymentNext::Completed(order.order_id)
            }
            PaymentStatus::Pending => {
                if call == PaymentCall::Create {
                    self.phase = PaymentPhase::Waiting;
                    self.start_poller(order.order_id);
                }
                PaymentNext::Nothing
            }
            PaymentStatus::Expired | PaymentStatus::Cancelled => {
                self.generation.fetch_add(1, Ordering::SeqCst);
                self.phase = PaymentPhase::Expired;
                PaymentNext::Nothing
            }
        }
    }

    fn create(&mut self) {
        let Some((item_code, fen)) = self.item.clone() else {
            return;
        };
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.phase = PaymentPhase::Creating;
        self.order = None;
        let request = CreatePayment {
            idempotency_key: format!("{}-{}", self.session_key, self.attempt),
            item_code,
            amount_fen: fen,
        };
        self.call(PaymentCall::Create, move |central| {
            let mut last = Err(CentralError::Unavailable("not tried".into()));
            for attempt in 0..CREATE_ATTEMPTS {
                if attempt > 0 {
                    std::thread::sleep(Duration::from_millis(500 * u64::from(attempt)));
                }
                last = central.payment_create(&request);
                if !matches!(&last, Err(e) if e.is_retryable()) {
                    break;
                }
            }
            last
        });
    }

    fn start_poller(&self, order_id: String) {
        let (Some(central), Some(inbox)) = (self.central.clone(), self.inbox.clone()) else {
            return;
        };
        let generation = Arc::clone(&self.generation);
        let mine = generation.load(Ordering::SeqCst);
        let spawned = std::thread::Builder::new()
            .name("payment-poll".into())
            .spawn(move || loop {
                std::thread::sleep(POLL_INTERVAL);
                if generation.load(Ordering::SeqCst) != mine {
                    return;
                }
                let result = central.payment_poll(&order_id);
                let done = matches!(&result, Ok(o) if o.status != PaymentStatus::Pending);
                inbox.report(PaymentReport {
                    generation: mine,
                    result,
                    call: PaymentCall::Poll,
                });
                if done {
                    return;
                }
            });
        if let Err(e) = spawned {
            log::error!("cannot start the payment poller: {e}");
        }
    }

    fn call(
        &self,
        call: PaymentCall,
        work: impl FnOnce(&dyn CentralSystem) -> Result<PaymentOrder, CentralError> + Send + 'static,
    ) {
        let generation = self.generation.load(Ordering::SeqCst);
        let (Some(central), Some(inbox)) = (self.central.clone(), self.inbox.clone()) else {
            return;
        };
        let spawned = std::thread::Builder::new().name("payment".into()).spawn(move || {
            let result = work(central.as_ref());
            inbox.report(PaymentReport {
                generation,
                result,
                call,
            });
        });
        if let Err(e) = spawned {
            log::error!("cannot start a payment call: {e}");
        }
    }
}

impl PaymentDesk {
    /// Shows an order as if the central system had made it (screenshots).
    pub fn stage_order(&mut self, order: PaymentOrder) {
        self.phase = match order.status {
            PaymentStatus::Pending => PaymentPhase::Waiting,
            PaymentStatus::Paid => PaymentPhase::Paid,
            PaymentStatus::Expired | PaymentStatus::Cancelled => PaymentPhase::Expired,
        };
        self.order = Some(order);
    }
}

fn new_key() -> String {
    format!("pay-{}", uuid::Uuid::new_v4())
}

#[cfg(test)]
mod tests;
