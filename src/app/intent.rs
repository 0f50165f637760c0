//! Every intent the UI can express, as one typed value. Pages send an [`Intent`]; the app's
//! router hands it to the feature it names, which turns it into session events. The UI never
//! changes app state directly. Each feature defines its own intents (re-exported here).

pub use super::journey::{AddressIntent, JourneyIntent};
pub use super::payment::PaymentIntent;
pub use super::progress::ProgressIntent;
pub use super::text_entry::KeyboardIntent;
use crate::domain::session::Event;
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
    /// 语音播报: spoken prompts on or off for this session.
    ToggleVoice,
    /// A touch anywhere: keeps the session alive (ignored while the idle warning shows,
    /// where only "I need more time" counts).
    Touch,
    /// 呼叫工作人员: the citizen asks for help (raises the needs-attention state).
    CallStaff,
    /// 退出办理 where something would be lost: ask first (`true`), or 继续办理 (`false`).
    /// The exit itself is `Session(Event::Cancel)`, sent by the page.
    AskExit(bool),
    /// 已取回 on the card reminder.
    CardTaken,
    /// The journey's pages: service, ID, form, materials, delivery.
    Journey(JourneyIntent),
    /// The delivery address picker.
    Address(AddressIntent),
    /// The on-screen keyboard, for whichever text is being edited.
    Keys(KeyboardIntent),
    /// 查询进度 and 补交材料.
    Progress(ProgressIntent),
    /// 缴费.
    Payment(PaymentIntent),
    /// 预约 from the welcome page.
    OpenAppointment,
    /// A choice on the appointment page.
    Appointment(super::appointment::AppointmentAction),
    /// 咨询投诉 from the welcome page.
    OpenConsult,
    /// A choice on the consultation page.
    Consult(super::consult::ConsultAction),
    /// The technician's screens (the hidden gesture, the PIN, the tabs and their actions).
    Technician(super::technician_desk::TechAction),
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
