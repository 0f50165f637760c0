//! The payment page: the amount, the central system's payment order as a QR code with the
//! time it stays payable, and what to do when it ran out or could not be made. The
//! simulated "payment received" button exists only on simulated devices.

use super::i18n::text;
use super::{error_on, yuan, Picture};
use crate::app::kiosk::KioskApp;
use crate::app::payment::PaymentPhase;
use crate::devices::printer::raster::qr_bitmap;
use crate::domain::session::Step;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaymentView {
    pub amount: String,
    pub qr: Option<Picture>,
    pub simulated: bool,
    /// `creating`, `waiting`, `paid`, `expired` or `failed` (`waiting` without a central
    /// system: the bare, simulated app).
    pub phase: &'static str,
    /// How long the code stays payable, in words ("14 分 32 秒"); empty when no code is
    /// shown.
    pub time_left: String,
    /// Under a minute left: the page says so in amber.
    pub time_short: bool,
    /// A new code can be asked for.
    pub can_retry: bool,
    pub error: String,
}

pub fn payment(app: &KioskApp) -> PaymentView {
    let Some(plan) = &app.session().data.plan else {
        return PaymentView::default();
    };
    let desk = app.payment();
    let lang = app.lang();
    let mut view = PaymentView {
        amount: yuan(plan.item.fee_fen).unwrap_or_default(),
        simulated: app.simulated(),
        error: error_on(app, Step::Payment),
        phase: "waiting",
        ..Default::default()
    };
    if !desk.has_central() && *desk.phase() == PaymentPhase::Idle {
        return view; // the bare app: only the simulated button pays
    }
    view.phase = match desk.phase() {
        PaymentPhase::Idle | PaymentPhase::Creating => "creating",
        PaymentPhase::Waiting => "waiting",
        PaymentPhase::Paid => "paid",
        PaymentPhase::Expired => "expired",
        PaymentPhase::Failed(_) => "failed",
    };
    match desk.phase() {
        PaymentPhase::Expired => {
            view.error = text(crate::domain::message::Message::PaymentExpired, lang).to_string();
            view.can_retry = true;
        }
        PaymentPhase::Failed(message) => {
            view.error = text(*message, lang).to_string();
            view.can_retry = true;
        }
        _ => {}
    }
    if let Some(order) = desk.order() {
        view.qr = qr_bitmap(&order.qr_payload, 8, qrcode::EcLevel::M).ok();
        (view.time_left, view.time_short) = time_left(app).unwrap_or_default();
    }
    view
}

/// How long the payment code stays payable, in plain words (and whether under a minute is
/// left), at the clock's pace: the page's countdown moves every second, not at the poller's
/// beat. It is the session's only countdown while the code is payable.
pub fn time_left(app: &KioskApp) -> Option<(String, bool)> {
    let left = app.payment().seconds_left(crate::storage::now_unix())?;
    Some((plain_time(left, app.lang()), left < 60))
}

/// "2 分 10 秒", "2 min 10 s"; under a minute only the seconds.
fn plain_time(left: i64, lang: crate::domain::Lang) -> String {
    use crate::domain::Lang;
    let (minutes, seconds) = (left / 60, left % 60);
    match (lang, minutes) {
        (Lang::Zh, 0) => format!("{seconds} 秒"),
        (Lang::Zh, _) => format!("{minutes} 分 {seconds} 秒"),
        (Lang::En, 0) => format!("{seconds} s"),
        (Lang::En, _) => format!("{minutes} min {seconds} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::plain_time;
    use crate::domain::Lang;

    #[test]
    fn the_time_left_reads_as_words() {
        assert_eq!(plain_time(130, Lang::Zh), "2 分 10 秒");
        assert_eq!(plain_time(872, Lang::En), "14 min 32 s");
        assert_eq!(plain_time(59, Lang::Zh), "59 秒");
        assert_eq!(plain_time(0, Lang::En), "0 s");
    }
}
