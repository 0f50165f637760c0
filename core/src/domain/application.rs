//! The application a citizen builds at the kiosk: who applies (and who acts for them),
//! which item, the form values, the materials (captured, or promised under 容缺受理), how
//! the result is delivered, the urgent flag and the payment state.
//!
//! Form validation returns every problem at once, as translation keys next to field codes.
//! Pure: must not import any I/O crate.

use super::calendar::{Date, WorkCalendar};
use super::catalogue::{Catalogue, FieldKind, FieldSpec, Flag, ServiceItem};
use super::id_number::{IdNumber, Sex};
use super::masking::{mask_address, mask_id, mask_name, mask_phone};
use super::message::Message;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Where a person's identity came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentitySource {
    /// Read and authenticated through the reader's SAM.
    Card,
    /// Typed on the keypad (card lost): the back office verifies it.
    Typed,
}

/// A person identified at the kiosk. `Debug` shows masked values only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: IdNumber,
    /// Chinese name (or English name on foreigner cards); `None` when typed.
    pub name: Option<String>,
    pub sex: Option<Sex>,
    pub address: Option<String>,
    pub source: IdentitySource,
}

impl Person {
    pub fn masked_name(&self) -> String {
        self.name.as_deref().map(mask_name).unwrap_or_default()
    }
}

impl fmt::Debug for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Person")
            .field("id", &self.id)
            .field("name", &self.masked_name())
            .field("address", &self.address.as_deref().map(mask_address))
            .field("source", &self.source)
            .finish()
    }
}

/// A problem with one field, for display next to that field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    /// Translation key, e.g. `form.error.required`.
    pub key: Message,
}

/// The values of a form by field code, as typed. They may hold phones, dates and other
/// people's ID numbers, so `Debug` shows the field codes only; everything else of a map is
/// reached through `Deref`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FormValues(BTreeMap<String, String>);

impl FormValues {
    pub fn new() -> FormValues {
        FormValues::default()
    }
}

impl std::ops::Deref for FormValues {
    type Target = BTreeMap<String, String>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for FormValues {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl From<BTreeMap<String, String>> for FormValues {
    fn from(map: BTreeMap<String, String>) -> FormValues {
        FormValues(map)
    }
}

impl<const N: usize> From<[(String, String); N]> for FormValues {
    fn from(pairs: [(String, String); N]) -> FormValues {
        FormValues(pairs.into())
    }
}

impl FromIterator<(String, String)> for FormValues {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> FormValues {
        FormValues(pairs.into_iter().collect())
    }
}

impl IntoIterator for FormValues {
    type Item = (String, String);
    type IntoIter = std::collections::btree_map::IntoIter<String, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Debug for FormValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FormValues")
            .field(&self.0.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// What a citizen typed on the ID keypad, not yet checked. `Debug` shows it masked.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TypedId(pub String);

impl TypedId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for TypedId {
    fn from(text: String) -> TypedId {
        TypedId(text)
    }
}

impl From<&str> for TypedId {
    fn from(text: &str) -> TypedId {
        TypedId(text.to_string())
    }
}

impl fmt::Debug for TypedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TypedId({})", mask_id(&self.0))
    }
}

/// Checks every field of `item` at once; an empty result means the form is complete.
pub fn validate_form(catalogue: &Catalogue, item: &ServiceItem, values: &FormValues, today: Date) -> Vec<FieldError> {
    validate_fields(item, |code| catalogue.field(code), values, today)
}

/// As [`validate_form`], with the field specs looked up by `spec_of`.
pub fn validate_fields<'a>(
    item: &ServiceItem,
    spec_of: impl Fn(&str) -> Option<&'a FieldSpec>,
    values: &FormValues,
    today: Date,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for code in &item.fields {
        let Some(spec) = spec_of(code) else { continue };
        let value = values.get(code).map(|v| v.trim()).unwrap_or("");
        if let Some(key) = field_problem(spec, value, today) {
            errors.push(FieldError {
                field: code.clone(),
                key,
            });
        }
    }
    for code in values.keys() {
        if !item.fields.contains(code) {
            errors.push(FieldError {
                field: code.clone(),
                key: Message::FormUnknownField,
            });
        }
    }
    errors
}

fn field_problem(spec: &FieldSpec, value: &str, today: Date) -> Option<Message> {
    if value.is_empty() {
        return spec.required.then_some(Message::FormRequired);
    }
    match &spec.kind {
        FieldKind::Text { max_chars } => (value.chars().count() > *max_chars).then_some(Message::FormTooLong),
        FieldKind::Phone => {
            let ok = value.len() == 11 && value.starts_with('1') && value.bytes().all(|b| b.is_ascii_digit());
            (!ok).then_some(Message::FormPhone)
        }
        FieldKind::Choice { options } => (!options.iter().any(|o| o.value == value)).then_some(Message::FormChoice),
        FieldKind::Date => match Date::parse(value) {
            None => Some(Message::FormDate),
            Some(date) if date.year() < 1900 || date > today.add_days(366 * 2) => Some(Message::FormDateRange),
            Some(_) => None,
        },
        FieldKind::Number { min, max } => match value.parse::<i64>() {
            Ok(n) if (*min..=*max).contains(&n) => None,
            Ok(_) => Some(Message::FormNumberRange),
            Err(_) => Some(Message::FormNumber),
        },
        FieldKind::IdNumber => IdNumber::parse(value).err().map(|e| e.message()),
        FieldKind::CreditCode => super::credit_code::CreditCode::parse(value)
            .err()
            .map(|_| Message::FormCreditCode),
    }
}

/// The state of one required material.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum MaterialState {
    /// Photographed at the kiosk; `photo` refers to the encrypted image in storage.
    Captured { photo: String },
    /// 容缺受理: the citizen promised to supply it by `deadline`, and signed the promise on
    /// the pad (older applications and tests may have no signature).
    Promised {
        deadline: Date,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<super::signature::SignedPromise>,
    },
    /// Not yet dealt with.
    Missing,
}

/// How the finished document reaches the citizen.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "method")]
pub enum Delivery {
    /// 统一窗口出件: collect at the service point's window.
    WindowPickup,
    /// Free express (EMS) to an address.
    Express {
        recipient: String,
        phone: String,
        address: String,
    },
}

impl Delivery {
    pub fn masked(&self) -> String {
        match self {
            Delivery::WindowPickup => "window".to_string(),
            Delivery::Express {
                recipient,
                phone,
                address,
            } => {
                format!(
                    "express {} {} {}",
                    mask_name(recipient),
                    mask_phone(phone),
                    mask_address(address)
                )
            }
        }
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum PaymentState {
    NotRequired,
    Pending { fen: u32 },
    Paid { fen: u32, reference: String },
}

/// A complete application, ready to be stored and sent. `Debug` is masked throughout.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// Also the Idempotency-Key of its submission.
    pub uuid: String,
    pub item_code: String,
    pub applicant: Person,
    pub agent: Option<Person>,
    pub form: FormValues,
    pub materials: BTreeMap<String, MaterialState>,
    pub delivery: Delivery,
    pub urgent: bool,
    pub payment: PaymentState,
    pub submitted_on: Date,
}

impl fmt::Debug for Application {
    /// Form values may hold phones and other personal data: only their keys are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Application")
            .field("summary", &self.masked_summary())
            .field("form", &self.form)
            .field("materials", &self.materials)
            .field("urgent", &self.urgent)
            .field("payment", &self.payment)
            .finish()
    }
}

/// Why an application cannot be submitted yet.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApplicationProblem {
    #[error("mandatory material {0} is missing")]
    MandatoryMaterialMissing(String),
    #[error("secondary material {0} neither captured nor promised")]
    SecondaryMaterialOpen(String),
    #[error("form has {0} error(s)")]
    FormInvalid(usize),
    #[error("this item does not allow express delivery")]
    ExpressNotAllowed,
    #[error("this item does not allow acting for someone else")]
    ProxyNotAllowed,
    #[error("payment is not complete")]
    Unpaid,
    #[error("the urgent channel is not available for this item")]
    UrgentNotAllowed,
    #[error("this item is handled online only")]
    OnlineOnly,
    #[error("this item needs the ID card on the reader, not a typed number")]
    CardRequired,
}

impl Application {
    /// Everything that stops this application from being accepted, at once.
    pub fn problems(&self, catalogue: &Catalogue, item: &ServiceItem) -> Vec<ApplicationProblem> {
        let mut problems = Vec::new();
        if item.has(Flag::ZeroTrip) {
            problems.push(ApplicationProblem::OnlineOnly);
        }
        for code in &item.mandatory {
            if !matches!(self.materials.get(code), Some(MaterialState::Captured { .. })) {
                problems.push(ApplicationProblem::MandatoryMaterialMissing(code.clone()));
            }
        }
        for code in &item.secondary {
            if matches!(self.materials.get(code), None | Some(MaterialState::Missing)) {
                problems.push(ApplicationProblem::SecondaryMaterialOpen(code.clone()));
            }
        }
        let form_errors = validate_form(catalogue, item, &self.form, self.submitted_on);
        if !form_errors.is_empty() {
            problems.push(ApplicationProblem::FormInvalid(form_errors.len()));
        }
        if matches!(self.delivery, Delivery::Express { .. }) && !item.has(Flag::ExpressDelivery) {
            problems.push(ApplicationProblem::ExpressNotAllowed);
        }
        if self.agent.is_some() && !item.has(Flag::ProxyAllowed) {
            problems.push(ApplicationProblem::ProxyNotAllowed);
        }
        if self.urgent && !item.has(Flag::UrgentChannel) {
            problems.push(ApplicationProblem::UrgentNotAllowed);
        }
        if item.fee_fen > 0 && !matches!(self.payment, PaymentState::Paid { .. }) {
            problems.push(ApplicationProblem::Unpaid);
        }
        let typed = |person: &Person| person.source == IdentitySource::Typed;
        if item.has(Flag::CardRequired) && (typed(&self.applicant) || self.agent.as_ref().is_some_and(typed)) {
            problems.push(ApplicationProblem::CardRequired);
        }
        problems
    }

    /// Materials still owed (容缺), with their deadlines.
    pub fn materials_owed(&self) -> Vec<(String, Date)> {
        self.materials
            .iter()
            .filter_map(|(code, state)| match state {
                MaterialState::Promised { deadline, .. } => Some((code.clone(), *deadline)),
                _ => None,
            })
            .collect()
    }

    /// A one-line summary safe for logs and technician screens.
    pub fn masked_summary(&self) -> String {
        format!(
            "{} item={} applicant={} {}{} delivery={}",
            self.uuid,
            self.item_code,
            self.applicant.id.masked(),
            self.applicant.masked_name(),
            self.agent
                .as_ref()
                .map(|a| format!(" agent={}", a.id.masked()))
                .unwrap_or_default(),
            self.delivery.masked()
        )
    }
}

/// The date the result is promised: promised (or urgent) working days after submission.
pub fn expected_completion(item: &ServiceItem, calendar: &WorkCalendar, submitted_on: Date, urgent: bool) -> Date {
    let days = match (urgent, item.urgent_days) {
        (true, Some(days)) => days,
        _ => item.promised_days,
    };
    calendar.add_working_days(submitted_on, days)
}

/// The deadline for supplying a 容缺 material.
pub fn supplement_deadline(catalogue: &Catalogue, calendar: &WorkCalendar, today: Date) -> Date {
    calendar.add_working_days(today, catalogue.supplement_days)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::catalogue::tests::shipped;
    use super::*;

    pub(crate) use crate::sample::{person, today};

    fn values(pairs: &[(&str, &str)]) -> FormValues {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn all_form_errors_are_reported_at_once() {
        let catalogue = shipped();
        let item = catalogue.item("HH-001").unwrap();
        let errors = validate_form(
            &catalogue,
            item,
            &values(&[
                ("phone", "2381234567"),
                ("child-birth-date", "2026-02-30"),
                ("child-sex", "other"),
                ("other-parent-id", "123456198001010018"),
                ("bogus", "1"),
            ]),
            today(),
        );
        let keys: Vec<(&str, Message)> = errors.iter().map(|e| (e.field.as_str(), e.key)).collect();
        assert_eq!(
            keys,
            vec![
                ("phone", Message::FormPhone),
                ("child-birth-date", Message::FormDate),
                ("child-sex", Message::FormChoice),
                ("other-parent-id", Message::IdCheckDigit),
                ("relation", Message::FormRequired),
                ("bogus", Message::FormUnknownField),
            ]
        );
    }

    #[test]
    fn a_complete_form_passes_and_optional_fields_may_be_empty() {
        let catalogue = shipped();
        let item = catalogue.item("HH-001").unwrap();
        let errors = validate_form(
            &catalogue,
            item,
            &values(&[
                ("phone", "13812345678"),
                ("child-birth-date", "2026-11-20"),
                ("child-sex", "female"),
                ("relation", "child"),
            ]),
            today(),
        );
        assert_eq!(errors, vec![]);
        let item = catalogue.item("HH-002").unwrap();
        let errors = validate_form(
            &catalogue,
            item,
            &values(&[
                ("phone", "13812345678"),
                ("move-reason", "work"),
                ("members-moving", "11"),
                ("relation", "self"),
            ]),
            today(),
        );
        assert_eq!(
            errors,
            vec![FieldError {
                field: "members-moving".into(),
                key: Message::FormNumberRange
            }]
        );
    }

    #[test]
    fn application_problems_cover_materials_payment_and_flags() {
        let catalogue = shipped();
        let item = catalogue.item("ID-004").unwrap(); // temporary ID: no proxy, fee, immediate
        let mut application = Application {
            uuid: "u".into(),
            item_code: item.code.clone(),
            applicant: person("123456198001010017", "张三"),
            agent: Some(person("12345619800101005X", "李四")),
            form: values(&[("phone", "13812345678")]),
            materials: BTreeMap::from([(
                "household-book".to_string(),
                MaterialState::Captured { photo: "p1".into() },
            )]),
            delivery: Delivery::Express {
                recipient: "张三".into(),
                phone: "13812345678".into(),
                address: "某地".into(),
            },
            urgent: true,
            payment: PaymentState::Pending { fen: 1000 },
            submitted_on: today(),
        };
        let problems = application.problems(&catalogue, item);
        assert_eq!(
            problems,
            vec![
                ApplicationProblem::MandatoryMaterialMissing("id-photo-receipt".into()),
                ApplicationProblem::ExpressNotAllowed,
                ApplicationProblem::ProxyNotAllowed,
                ApplicationProblem::UrgentNotAllowed,
                ApplicationProblem::Unpaid,
            ]
        );
        application.materials.insert(
            "id-photo-receipt".into(),
            MaterialState::Captured { photo: "p2".into() },
        );
        application.delivery = Delivery::WindowPickup;
        application.agent = None;
        application.urgent = false;
        application.payment = PaymentState::Paid {
            fen: 1000,
            reference: "PAY1".into(),
        };
        assert_eq!(application.problems(&catalogue, item), vec![]);
        application.applicant.source = IdentitySource::Typed;
        assert_eq!(
            application.problems(&catalogue, item),
            vec![ApplicationProblem::CardRequired]
        );
        application.applicant.source = IdentitySource::Card;
        let summary = format!("{} {application:?}", application.masked_summary());
        assert!(
            !summary.contains("123456198001010017") && !summary.contains("张三"),
            "{summary}"
        );
    }

    #[test]
    fn completion_dates_use_working_days_and_the_urgent_channel() {
        let catalogue = shipped();
        let item = catalogue.item("ID-001").unwrap();
        let calendar = WorkCalendar::default();
        assert_eq!(
            expected_completion(item, &calendar, today(), false).to_string(),
            "2026-12-17"
        );
        assert_eq!(
            expected_completion(item, &calendar, today(), true).to_string(),
            "2026-12-03"
        );
        let immediate = catalogue.item("ID-004").unwrap();
        assert_eq!(expected_completion(immediate, &calendar, today(), false), today());
        assert_eq!(
            supplement_deadline(&catalogue, &calendar, today()).to_string(),
            "2026-12-10"
        );
    }
}
