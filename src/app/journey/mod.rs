//! The citizen's journey (办事): category and service, the ID card or the typed number, the
//! form, the materials (photos and the signed 容缺 promise), delivery and urgency, then the
//! submission. This controller owns what the citizen is typing and choosing before the
//! session records it, and hands the application to the worker when the session says so.

mod address;
mod submit;

pub use address::AddressIntent;

use super::shared::Shared;
use crate::devices::printer::raster::Bitmap;
use crate::domain::application::{supplement_deadline, Delivery, FormValues};
use crate::domain::calendar::Date;
use crate::domain::catalogue::{Catalogue, FieldKind, FieldSpec};
use crate::domain::message::Message;
use crate::domain::session::{Event, ItemPlan, Step};

/// What the journey's pages can ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JourneyIntent {
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
}

/// The journey's own state: personal, wiped with the session.
#[derive(Default)]
pub struct Journey {
    /// The ID keypad's buffer.
    pub typed_id: String,
    pub active_field: usize,
    pub form_draft: FormValues,
    pub receipt_preview: Option<Bitmap>,
    /// The application's UUID (its idempotency key), fixed at the first submit of a session.
    pub submission_key: Option<String>,
    pub current_category: String,
    /// 容缺: the material whose promise is being signed on the pad.
    pub promising: Option<String>,
    /// The pad was confirmed without a signature on it.
    pub promise_error: Option<Message>,
    /// The delivery address being entered (the address page is open while this is set).
    pub address: Option<super::address_entry::AddressDraft>,
    /// A typed ID was submitted: clear it once the session moved on (kept when refused).
    clear_typed_id_if_accepted: bool,
}

impl Journey {
    pub fn new(catalogue: &Catalogue) -> Journey {
        Journey {
            current_category: first_category(catalogue),
            ..Journey::default()
        }
    }

    pub fn on_intent(&mut self, intent: JourneyIntent, s: &mut Shared) {
        match intent {
            JourneyIntent::ChooseCategory(code) => {
                if s.catalogue.categories.iter().any(|c| c.code == code) {
                    self.current_category = code;
                }
                s.touch()
            }
            JourneyIntent::ChooseItem(code) => {
                if let Some(plan) = ItemPlan::new(&s.catalogue, &code) {
                    s.push(Event::ChooseItem(Box::new(plan)))
                }
            }
            JourneyIntent::IdKey(key) => {
                edit(&mut self.typed_id, &key, 18);
                s.touch()
            }
            JourneyIntent::SubmitTypedId => {
                s.push(Event::ManualId(self.typed_id.clone().into()));
                self.clear_typed_id_if_accepted = true;
            }
            JourneyIntent::ActivateField(index) => self.activate_field(index, s),
            JourneyIntent::FieldKey(key) => {
                if let Some((code, max)) = field_at(s, self.active_field) {
                    edit(self.form_draft.entry(code).or_default(), &key, max);
                }
                s.touch()
            }
            JourneyIntent::ChooseOption { field, value } => {
                if let Some((code, _)) = field_at(s, field) {
                    self.form_draft.insert(code, value);
                }
                s.touch()
            }
            JourneyIntent::SubmitForm => {
                let values = self.form_values(s);
                s.push(Event::SubmitForm(values))
            }
            JourneyIntent::CaptureMaterial(code) => {
                // The still is taken and processed off the UI thread; the page shows
                // "taking the photo" until the camera reports back.
                s.camera.capture(&code);
                s.touch()
            }
            JourneyIntent::PromiseMaterial(code) => self.open_promise(code, s),
            JourneyIntent::SignPromise(strokes) => self.sign_promise(&strokes, s),
            JourneyIntent::PromiseCancel => {
                self.promising = None;
                self.promise_error = None;
                s.touch()
            }
            JourneyIntent::SetExpress(true) => express_to_card_address(s),
            JourneyIntent::SetExpress(false) => s.push(Event::ChooseDelivery(Delivery::WindowPickup)),
            JourneyIntent::SetUrgent(on) => s.push(Event::SetUrgent(on)),
            JourneyIntent::Edit(step) => s.push(Event::Edit(step)),
        }
    }

    /// After the queued events ran: what was typed stays when it was refused, so the
    /// citizen can correct it.
    pub fn after_events(&mut self, s: &Shared) {
        if std::mem::take(&mut self.clear_typed_id_if_accepted) && s.session.step != Step::Identify {
            self.typed_id.clear();
        }
    }

    /// The session moved from `before` to its current step.
    pub fn on_step(&mut self, before: Step, s: &Shared) {
        if s.session.step == Step::Form && before != Step::Form {
            self.form_draft = s.session.data.form.clone();
            self.active_field = 0;
            let has_text = s.session.data.plan.as_ref().is_some_and(|plan| {
                plan.fields
                    .values()
                    .any(|spec| matches!(spec.kind, FieldKind::Text { .. }))
            });
            if has_text {
                super::text_entry::warm_up();
            }
        }
    }

    /// The receipt's picture arrived from the worker.
    pub fn on_receipt_preview(&mut self, bitmap: Bitmap, s: &Shared) {
        // A preview that arrives after the session was wiped belongs to nobody.
        if s.session.data.receipt.is_some() {
            self.receipt_preview = Some(bitmap);
        }
    }

    pub fn wipe(&mut self, catalogue: &Catalogue) {
        *self = Journey::new(catalogue);
    }

    fn activate_field(&mut self, index: usize, s: &mut Shared) {
        self.active_field = index;
        // A credit code is mostly digits: the keyboard opens on them (letters a tap away);
        // other text opens on pinyin.
        if field_spec_at(s, index).is_some_and(|spec| spec.kind == FieldKind::CreditCode) {
            s.keyboard.set_mode(super::text_entry::KeyMode::Digits);
        }
        s.touch()
    }

    /// The form as submitted: empty answers left out, a credit code as printed on the
    /// licence (upper case, no spaces).
    fn form_values(&self, s: &Shared) -> FormValues {
        let plan = s.session.data.plan.as_ref();
        let is_credit_code = |code: &str| {
            plan.and_then(|p| p.fields.get(code))
                .is_some_and(|spec| spec.kind == FieldKind::CreditCode)
        };
        self.form_draft
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| {
                let value = if is_credit_code(k) {
                    v.chars()
                        .filter(|c| !c.is_whitespace())
                        .collect::<String>()
                        .to_ascii_uppercase()
                } else {
                    v.clone()
                };
                (k.clone(), value)
            })
            .collect()
    }

    fn open_promise(&mut self, code: String, s: &mut Shared) {
        // Only a secondary material can wait; the pad opens with its promise.
        let deferrable = s.session.step == Step::Materials
            && s.session
                .data
                .plan
                .as_ref()
                .is_some_and(|p| p.item.secondary.contains(&code));
        if deferrable {
            self.promising = Some(code);
            self.promise_error = None;
        }
        s.touch()
    }

    fn sign_promise(&mut self, strokes: &str, s: &mut Shared) {
        if let Some(code) = self.promising.clone() {
            let (text, deadline) = promise_text(s, &code);
            match crate::domain::signature::SignedPromise::new(&text, strokes) {
                Ok(signature) => {
                    log::info!("容缺 promise signed for {code} ({} strokes)", signature.stroke_count());
                    self.promising = None;
                    self.promise_error = None;
                    return s.push(Event::MaterialPromised {
                        code,
                        deadline,
                        signature,
                    });
                }
                Err(e) => {
                    log::info!("容缺 promise for {code} not accepted: {e}");
                    self.promise_error = Some(Message::PromiseUnsigned);
                }
            }
        }
        s.touch()
    }
}

fn first_category(catalogue: &Catalogue) -> String {
    catalogue.categories.first().map(|c| c.code.clone()).unwrap_or_default()
}

/// The promise text for `code` as the citizen reads and signs it today, and its deadline.
pub fn promise_text(s: &Shared, code: &str) -> (String, Date) {
    let deadline = supplement_deadline(&s.catalogue, &s.calendar, s.today());
    let lang = s.lang();
    let name = s.catalogue.material(code).map_or(code, |m| m.name.get(lang));
    (super::i18n::promise_text(lang, name, deadline), deadline)
}

/// Free express delivery to the name and address on the card.
fn express_to_card_address(s: &mut Shared) {
    let Some(applicant) = &s.session.data.applicant else {
        return;
    };
    let (Some(name), Some(address)) = (applicant.name.clone(), applicant.address.clone()) else {
        return;
    };
    let phone = s.session.data.form.get("phone").cloned().unwrap_or_default();
    s.push(Event::ChooseDelivery(Delivery::Express {
        recipient: name,
        phone,
        address,
    }))
}

/// The specification of the form's field at `index`.
pub fn field_spec_at(s: &Shared, index: usize) -> Option<&FieldSpec> {
    let plan = s.session.data.plan.as_ref()?;
    plan.fields.get(plan.item.fields.get(index)?)
}

/// The code and the input limit of the form's field at `index` (none when it is locked).
pub fn field_at(s: &Shared, index: usize) -> Option<(String, usize)> {
    let plan = s.session.data.plan.as_ref()?;
    let code = plan.item.fields.get(index)?;
    if plan.item.preset.contains_key(code) {
        return None; // decided by the chosen item: locked
    }
    let max = plan.fields.get(code).map_or(0, |spec| input_limit(&spec.kind));
    Some((code.clone(), max))
}

/// How many characters the keypad accepts for a field of this kind.
pub fn input_limit(kind: &FieldKind) -> usize {
    match kind {
        FieldKind::Phone => 11,
        FieldKind::Date => 8,
        FieldKind::IdNumber | FieldKind::CreditCode => 18,
        FieldKind::Number { max, .. } => max.to_string().len(),
        FieldKind::Text { max_chars } => *max_chars,
        FieldKind::Choice { .. } => 0,
    }
}

/// Applies a keypad key to a buffer: digits/letters append, DEL deletes, length capped.
pub fn edit(buffer: &mut String, key: &str, max: usize) {
    if key == "DEL" {
        buffer.pop();
    } else if key == "CLEAR" {
        buffer.clear();
    } else if buffer.chars().count() < max {
        buffer.push_str(key);
    }
}
