//! The identify page: the reader's live state, the keypad for a typed number, the proxy
//! phase (agent first) and the reason a number or card was refused.

use super::error_on;
use crate::app::kiosk::KioskApp;
use crate::devices::card_reader::ReaderState;
use crate::domain::session::{IdentifyPhase, Step};

/// The reader's state as the page shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReaderLight {
    Connecting,
    Ready,
    Reading,
    Lift,
    Fault,
}

impl ReaderLight {
    pub fn code(self) -> &'static str {
        match self {
            ReaderLight::Connecting => "connecting",
            ReaderLight::Ready => "ready",
            ReaderLight::Reading => "reading",
            ReaderLight::Lift => "lift",
            ReaderLight::Fault => "fault",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentifyView {
    pub proxy: bool,
    pub agent_phase: bool,
    pub reader: ReaderLight,
    /// What the citizen typed (their own number, on their own screen), grouped 6-8-4 so it
    /// can be checked against the card at a glance.
    pub typed: String,
    /// `below`, `left` or `right`: where the reader is.
    pub reader_side: &'static str,
    /// The keypad is open (something was typed).
    pub typing: bool,
    pub message: String,
}

pub fn identify(app: &KioskApp) -> IdentifyView {
    let data = &app.session().data;
    IdentifyView {
        proxy: data.proxy,
        agent_phase: data.proxy && data.identify_phase == IdentifyPhase::Agent,
        reader: match app.reader_state() {
            ReaderState::Connecting => ReaderLight::Connecting,
            ReaderState::Ready => ReaderLight::Ready,
            ReaderState::Reading => ReaderLight::Reading,
            ReaderState::LiftCard => ReaderLight::Lift,
            ReaderState::Fault { .. } => ReaderLight::Fault,
        },
        typed: grouped(app.typed_id()),
        reader_side: match app.config().ui.reader_side {
            crate::config::ReaderSide::Below => "below",
            crate::config::ReaderSide::Left => "left",
            crate::config::ReaderSide::Right => "right",
        },
        typing: !app.typed_id().is_empty(),
        message: error_on(app, Step::Identify),
    }
}

/// `330225198506120431` → `330225 19850612 0431` (region, birth date, sequence and check).
pub fn grouped(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if i == 6 || i == 14 {
            out.push(' ');
        }
        out.push(*c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_grouped_six_eight_four() {
        assert_eq!(super::grouped("330225198506120431"), "330225 19850612 0431");
        assert_eq!(super::grouped("3302251"), "330225 1");
        assert_eq!(super::grouped(""), "");
    }
}
