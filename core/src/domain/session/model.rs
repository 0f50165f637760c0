//! The session's values: its steps and phases, what it has gathered (`SessionData`), the
//! events it takes and the effects it asks for. The machine itself is `session::handle`.

use crate::domain::application::{Delivery, FieldError, FormValues, MaterialState, PaymentState, Person, TypedId};
use crate::domain::calendar::Date;
use crate::domain::catalogue::{Catalogue, FieldSpec, ServiceItem};
use crate::domain::message::Message;
use crate::domain::rating::RatingReason;
use crate::domain::receipt::Receipt;
use crate::domain::Lang;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    Welcome,
    ChooseService,
    Guide,
    Identify,
    Form,
    Materials,
    Review,
    Payment,
    Submitting,
    Receipt,
    Rating,
    Farewell,
    /// 查询进度: the citizen looks up their applications (receipt number or ID card).
    Progress,
    /// 预约: the citizen books a time at the window (or cancels a booking).
    Appointment,
    /// 咨询投诉: a question, complaint or suggestion with a number to call back.
    Consult,
}

/// Whose card the identify step is waiting for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentifyPhase {
    Agent,
    Applicant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrintState {
    NotStarted,
    Printing,
    Printed,
    /// The printer could not print: the receipt's QR is on screen instead.
    ShowQr,
}

/// Idle timing for one session (elderly mode uses longer values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Idle time before the "are you still there?" warning.
    pub warn_after_ms: u64,
    /// Time the warning stays before everything is wiped.
    pub grace_ms: u64,
    /// How long the farewell page stays before returning to welcome.
    pub farewell_ms: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            warn_after_ms: 60_000,
            grace_ms: 20_000,
            farewell_ms: 10_000,
        }
    }
}

/// The service item with the specs of its fields, resolved from the catalogue when chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemPlan {
    pub item: ServiceItem,
    pub fields: BTreeMap<String, FieldSpec>,
}

impl ItemPlan {
    pub fn new(catalogue: &Catalogue, code: &str) -> Option<ItemPlan> {
        let item = catalogue.item(code)?.clone();
        let fields = item
            .fields
            .iter()
            .filter_map(|code| Some((code.clone(), catalogue.field(code)?.clone())))
            .collect();
        Some(ItemPlan { item, fields })
    }
}

/// Everything personal lives here, so that a wipe is one assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionData {
    pub plan: Option<ItemPlan>,
    pub proxy: bool,
    pub identify_phase: IdentifyPhase,
    pub agent: Option<Person>,
    pub applicant: Option<Person>,
    pub form: FormValues,
    pub form_errors: Vec<FieldError>,
    pub materials: BTreeMap<String, MaterialState>,
    pub delivery: Delivery,
    pub urgent: bool,
    pub payment: PaymentState,
    pub receipt: Option<Receipt>,
    pub print: PrintState,
    /// The face chosen on the rating page (1–5), before it is sent.
    pub rating: Option<u8>,
    /// Reasons ticked with it; only ones that fit the face.
    pub rating_reasons: Vec<RatingReason>,
    /// After an edit from the review page, "next" goes back to review.
    pub return_to_review: bool,
    /// Translation key of the last problem to show on the current page.
    pub error: Option<Message>,
}

impl SessionData {
    /// The rating to send, once a face has been chosen.
    pub(super) fn rating_to_record(&self) -> Option<Effect> {
        self.rating.map(|stars| Effect::RecordRating {
            stars,
            reasons: self.rating_reasons.clone(),
            receipt_no: self.receipt.as_ref().map(|r| r.number.as_str().to_string()),
        })
    }
}

impl Default for SessionData {
    fn default() -> Self {
        SessionData {
            plan: None,
            proxy: false,
            identify_phase: IdentifyPhase::Applicant,
            agent: None,
            applicant: None,
            form: FormValues::new(),
            form_errors: Vec::new(),
            materials: BTreeMap::new(),
            delivery: Delivery::WindowPickup,
            urgent: false,
            payment: PaymentState::NotRequired,
            receipt: None,
            print: PrintState::NotStarted,
            rating: None,
            rating_reasons: Vec::new(),
            return_to_review: false,
            error: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub step: Step,
    pub lang: Lang,
    pub default_lang: Lang,
    /// The kiosk's configured elderly mode: every new session starts in it.
    pub default_elderly: bool,
    pub elderly: bool,
    pub today: Option<Date>,
    pub data: SessionData,
    pub last_activity_ms: u64,
    pub warning_since_ms: Option<u64>,
    pub timeouts: Timeouts,
    /// While a payment code is payable the session waits for it: on the payment page the
    /// idle clock starts at this moment (session clock), not at the last touch, and the
    /// page's own countdown is the only one shown.
    pub payable_until_ms: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// 开始办理 on the welcome page.
    Start {
        today: Date,
    },
    /// 查询进度 / 补交材料 on the welcome page.
    OpenProgress,
    /// 预约 on the welcome page.
    OpenAppointment,
    /// 咨询投诉 on the welcome page.
    OpenConsult,
    /// Any touch that is not a command (scrolling, typing): keeps the session alive.
    Touch,
    /// Periodic clock tick for the idle timer.
    Tick,
    /// "I need more time" on the idle warning.
    MoreTime,
    Back,
    Cancel,
    SetLanguage(Lang),
    SetElderly(bool),
    ChooseItem(Box<ItemPlan>),
    ChooseProxy(bool),
    ConfirmGuide,
    CardRead(Box<Person>),
    /// The reader failed; the key explains why in plain language.
    CardFailed(Message),
    /// Typed on the keypad (masked in `Debug`).
    ManualId(TypedId),
    SubmitForm(FormValues),
    MaterialCaptured {
        code: String,
        photo: String,
    },
    /// 容缺: the material is promised by `deadline`, under the signed promise.
    MaterialPromised {
        code: String,
        deadline: Date,
        signature: crate::domain::signature::SignedPromise,
    },
    MaterialsDone,
    ChooseDelivery(Delivery),
    SetUrgent(bool),
    Edit(Step),
    ConfirmReview,
    PaymentCompleted {
        reference: String,
    },
    PaymentFailed,
    /// The payment code shown stays payable until then (session clock; `None`: no code).
    /// Not the citizen's doing: it does not count as activity.
    PayableUntil(Option<u64>),
    Submitted(Box<Receipt>),
    SubmitFailed(Message),
    Printed,
    PrintFailed,
    ReceiptDone,
    /// A face chosen on the rating page (the citizen may still add reasons or change it).
    Rated(u8),
    ToggleRatingReason(RatingReason),
    /// The chosen face and reasons are final.
    SubmitRating,
    SkipRating,
    Finish,
}

/// What the app layer must do after a transition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    StartCardReader,
    StopCardReader,
    ShowIdleWarning {
        seconds: u64,
    },
    HideIdleWarning,
    /// Clear every personal value from every layer (UI models included).
    WipePersonalData,
    CreatePayment {
        fen: u32,
    },
    CancelPayment,
    /// Store the application durably (with its outbox row) and issue the receipt.
    SubmitApplication,
    PrintReceipt,
    /// Send the rating (with the application's receipt number: the session may be wiped by
    /// the time it is sent).
    RecordRating {
        stars: u8,
        reasons: Vec<RatingReason>,
        receipt_no: Option<String>,
    },
}
