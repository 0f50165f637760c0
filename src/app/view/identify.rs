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
    /// What the citizen typed (their own number, on their own screen).
    pub typed: String,
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
        typed: app.typed_id().to_string(),
        typing: !app.typed_id().is_empty(),
        message: error_on(app, Step::Identify),
    }
}
