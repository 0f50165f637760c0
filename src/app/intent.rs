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
    /// 查询进度 / 补交材料 on the welcome page.
    OpenProgress,
    /// A key of the progress page's receipt-number keypad (digit, letter, DEL, CLEAR).
    ProgressKey(String),
    /// Look up the typed receipt number.
    ProgressSearch,
    /// Clear the answer and ask again.
    ProgressAgain,
    /// 补交材料 on an answer row: photograph the material for this receipt number.
    SupplyStart(String),
    /// Queue the photographed material for the central system.
    SupplySubmit,
    /// Close the supplement panel (photos not sent are forgotten).
    SupplyClose,
    SetLanguage(Lang),
    ToggleLanguage,
    SetElderly(bool),
    /// 语音播报: spoken prompts on or off for this session.
    ToggleVoice,
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
    /// 稍后补交: open the signature pad with the material's 容缺 promise.
    PromiseMaterial(String),
    /// The pad's strokes (path commands in its 1000 × 400 box): sign the open promise.
    SignPromise(String),
    /// Close the pad without promising.
    PromiseCancel,
    /// Free express delivery to the card's address (`false`: pick up at the window).
    SetExpress(bool),
    SetUrgent(bool),
    Edit(Step),
    /// A key of the on-screen text keyboard (letters, `'`, `DEL`, `SPACE`, `CLEAR`, digits,
    /// punctuation) for the text field being edited.
    TextKey(String),
    /// Candidate `n` of the candidate bar's current page.
    PickCandidate(usize),
    /// The candidate bar's next (+1) or previous (-1) page.
    CandidatePage(isize),
    /// `pinyin`, `latin` or `digits`.
    KeyMode(String),
    /// 快递到其他地址: open the address picker.
    OpenAddress,
    /// A division in the picker (one level down).
    AddressChoose(String),
    /// One level up in the picker.
    AddressUp,
    /// Which address text field the keyboard types into.
    AddressField(usize),
    /// Back from the keys to the list of places one level down.
    AddressPickPlace,
    /// Start from the address on the ID card.
    AddressFromCard,
    AddressConfirm,
    AddressCancel,
    /// 呼叫工作人员: the citizen asks for help (raises the needs-attention state).
    CallStaff,
    /// The simulated payment button (simulated devices only).
    SimulatePaid,
    /// 重新生成付款码: a new payment order after the last one ran out or failed.
    PaymentRetry,
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
