//! The payment desk against the in-process central system: one order per session however
//! often the citizen taps, a new one only after expiry, a paid order found on cancel is
//! used, and an outage is said plainly and retried under the same key.

use super::*;
use crate::app::central_sim::SimCentral;
use crate::app::inbox::{channel, Inbound, InboxReceiver};

fn desk() -> (PaymentDesk, Arc<SimCentral>, InboxReceiver) {
    let central = Arc::new(SimCentral::default());
    let (inbox, receiver) = channel();
    let desk = PaymentDesk::new(Some(central.clone()), Some(inbox.reporter(Inbound::Payment)));
    (desk, central, receiver)
}

/// Feeds reports to the desk until `call` answered; returns what the desk says next.
fn answer(desk: &mut PaymentDesk, inbox: &InboxReceiver, call: PaymentCall) -> PaymentNext {
    loop {
        match inbox.wait(Duration::from_secs(10)) {
            Some(Inbound::Payment(report)) if report.call == call => return desk.finished(report),
            Some(Inbound::Payment(report)) => {
                desk.finished(report);
            }
            Some(other) => panic!("unexpected report {other:?}"),
            None => panic!("no answer to {call:?}"),
        }
    }
}

#[test]
fn one_order_however_often_the_citizen_taps_and_the_sandbox_pays_it() {
    let (mut desk, central, inbox) = desk();
    assert_eq!(desk.start("ID-003", 4000), PaymentNext::Nothing);
    assert_eq!(desk.phase(), &PaymentPhase::Creating);
    desk.start("ID-003", 4000); // a second tap while the order is being made
    answer(&mut desk, &inbox, PaymentCall::Create);
    assert_eq!(desk.phase(), &PaymentPhase::Waiting);
    let order = desk.order().unwrap().clone();
    assert_eq!(order.amount_fen, 4000);
    assert!(desk.seconds_left(crate::storage::now_unix()).unwrap() > 800);
    desk.start("ID-003", 4000); // back on the page with the order still open
    assert_eq!(central.payment_orders(), 1, "no second order");
    desk.sandbox_pay();
    assert_eq!(
        answer(&mut desk, &inbox, PaymentCall::SandboxPay),
        PaymentNext::Completed(order.order_id)
    );
    assert_eq!(desk.phase(), &PaymentPhase::Paid);
}

#[test]
fn an_expired_code_gets_a_new_order_only_when_asked() {
    let (mut desk, central, inbox) = desk();
    desk.start("ID-003", 4000);
    answer(&mut desk, &inbox, PaymentCall::Create);
    let first = desk.order().unwrap().order_id.clone();
    central.expire_payments();
    // The poller learns it (every POLL_INTERVAL).
    answer(&mut desk, &inbox, PaymentCall::Poll);
    assert_eq!(desk.phase(), &PaymentPhase::Expired);
    assert!(desk.order().is_none(), "no QR for an expired order");
    desk.retry();
    answer(&mut desk, &inbox, PaymentCall::Create);
    let second = desk.order().unwrap().order_id.clone();
    assert_ne!(first, second);
    assert_eq!(central.payment_orders(), 2);
}

#[test]
fn an_outage_is_said_and_the_retry_uses_the_same_key() {
    let (mut desk, central, inbox) = desk();
    central.set_down(true);
    desk.start("ID-003", 4000);
    answer(&mut desk, &inbox, PaymentCall::Create);
    assert_eq!(desk.phase(), &PaymentPhase::Failed(Message::PaymentUnavailable));
    central.set_down(false);
    desk.retry();
    answer(&mut desk, &inbox, PaymentCall::Create);
    assert_eq!(desk.phase(), &PaymentPhase::Waiting);
    desk.retry(); // nothing to retry while the code is shown
    assert_eq!(central.payment_orders(), 1);
}

#[test]
fn an_order_paid_while_the_citizen_went_back_is_used_not_charged_again() {
    let (mut desk, central, inbox) = desk();
    desk.start("ID-003", 4000);
    answer(&mut desk, &inbox, PaymentCall::Create);
    let order = desk.order().unwrap().order_id.clone();
    // The phone paid a moment before the citizen tapped 上一步.
    central.payment_sandbox_pay(&order).unwrap();
    desk.cancel();
    answer(&mut desk, &inbox, PaymentCall::Cancel); // 409 already paid, then the order
    assert_eq!(desk.start("ID-003", 4000), PaymentNext::Completed(order));
    assert_eq!(central.payment_orders(), 1);
}

#[test]
fn a_new_session_cancels_the_open_order_and_starts_afresh() {
    let (mut desk, central, inbox) = desk();
    desk.start("ID-003", 4000);
    answer(&mut desk, &inbox, PaymentCall::Create);
    let order = desk.order().unwrap().order_id.clone();
    desk.forget();
    answer(&mut desk, &inbox, PaymentCall::Cancel);
    assert_eq!(central.payment_poll(&order).unwrap().status, PaymentStatus::Cancelled);
    assert_eq!(desk.phase(), &PaymentPhase::Idle);
    desk.start("ID-003", 4000);
    answer(&mut desk, &inbox, PaymentCall::Create);
    assert_eq!(central.payment_orders(), 2, "the next citizen's own order");
}
