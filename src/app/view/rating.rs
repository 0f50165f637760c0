//! The rating page (好差评): the chosen face, and the reasons that go with it, each with
//! whether it is ticked. The texts of the reasons live in the .slint file, by code.

use crate::app::kiosk::KioskApp;
use crate::domain::rating::RatingReason;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RatingView {
    /// The chosen face (1–5), 0 before one is chosen.
    pub chosen: u8,
    /// The reasons offered with that face, in order, and whether each is ticked.
    pub reasons: Vec<(RatingReason, bool)>,
}

pub fn rating(app: &KioskApp) -> RatingView {
    let data = &app.session().data;
    let chosen = data.rating.unwrap_or(0);
    let reasons = RatingReason::offered_with(chosen)
        .iter()
        .map(|reason| (*reason, data.rating_reasons.contains(reason)))
        .collect();
    RatingView { chosen, reasons }
}
