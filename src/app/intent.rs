//! Every intent the UI can express, as one typed value. Pages send an [`Intent`]; the app
//! turns it into session events and effects. The UI never changes app state directly.

use crate::domain::session::{Event, Step};
use crate::domain::Lang;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intent {
    /// A session event as it is (back, cancel, confirm, …).
    Session(Event),
    /// 开始办理 on the welcome page (the app knows today's date).
    Start,
    SetLanguage(Lang),
    ToggleLanguage,
    SetElderly(bool),
    /// A touch anywhere: keeps the session alive (ignored while the idle warning shows,
    /// where only "I need more time" counts).
    Touch,
    ChooseCategory(String),
    ChooseItem(String),
    /// A key on the ID keypad (`DEL` deletes).
    IdKey(String),
    SubmitTypedId,
    ActivateField(usize),
    /// A key for the active form field.
    FieldKey(String),
    ChooseOption {
        field: usize,
        value: String,
    },
    SubmitForm,
    CaptureMaterial(String),
    PromiseMaterial(String),
    /// Free express delivery to the card's address (`false`: pick up at the window).
    SetExpress(bool),
    SetUrgent(bool),
    Edit(Step),
    /// 呼叫工作人员: the citizen asks for help (raises the needs-attention state).
    CallStaff,
    /// The simulated payment button (simulated devices only).
    SimulatePaid,
    /// A simulator hot key.
    Sim(SimAction),
}

/// What the simulator hot keys can do (nothing on real hardware).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimAction {
    /// Place fixture card N (0-based, see `fixtures::FIXTURE_NAMES`).
    PlaceCard(usize),
    LiftCard,
    TogglePaper,
}
