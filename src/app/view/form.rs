//! The form page: each field of the chosen service with its label, the draft value, its
//! input limit, its choices and the problem found with it.

use super::i18n::{please_choose, please_enter, text};
use crate::app::journey::input_limit;
use crate::app::kiosk::KioskApp;
use crate::domain::catalogue::FieldKind;
use crate::domain::message::Message;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChoiceView {
    pub value: String,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldView {
    pub code: String,
    pub label: String,
    /// `text`, `phone`, `choice`, `date`, `number`, `id-number` or `credit-code`: which keys
    /// to show.
    pub kind: &'static str,
    pub value: String,
    pub error: String,
    pub required: bool,
    /// How many characters the keypad accepts.
    pub max_len: usize,
    /// Decided by the chosen item (遗失 in 遗失补领): shown, not asked.
    pub locked: bool,
    pub choices: Vec<ChoiceView>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormView {
    pub item_name: String,
    pub fields: Vec<FieldView>,
    pub active: usize,
}

pub fn form(app: &KioskApp) -> FormView {
    let data = &app.session().data;
    let Some(plan) = &data.plan else {
        return FormView::default();
    };
    let lang = app.lang();
    let fields = plan
        .item
        .fields
        .iter()
        .filter_map(|code| {
            let spec = plan.fields.get(code)?;
            let (kind, choices) = match &spec.kind {
                FieldKind::Text { .. } => ("text", vec![]),
                FieldKind::Phone => ("phone", vec![]),
                FieldKind::Choice { options } => (
                    "choice",
                    options
                        .iter()
                        .map(|o| ChoiceView {
                            value: o.value.clone(),
                            label: o.label.get(lang).to_string(),
                        })
                        .collect(),
                ),
                FieldKind::Date => ("date", vec![]),
                FieldKind::Number { .. } => ("number", vec![]),
                FieldKind::IdNumber => ("id-number", vec![]),
                FieldKind::CreditCode => ("credit-code", vec![]),
            };
            let label = spec.label.get(lang);
            let error = data
                .form_errors
                .iter()
                .find(|e| &e.field == code)
                .map(|e| match e.key {
                    // Say what to do with this very field: 请选择补换领原因, not 请填写此项.
                    Message::FormRequired if kind == "choice" => please_choose(label, lang),
                    Message::FormRequired => please_enter(label, lang),
                    other => text(other, lang).to_string(),
                })
                .unwrap_or_default();
            Some(FieldView {
                code: code.clone(),
                label: label.to_string(),
                kind,
                // A mobile number reads 3-4-4 everywhere (138 0574 0000).
                value: match (&spec.kind, app.form_draft().get(code)) {
                    (FieldKind::Phone, Some(digits)) => super::appointment::grouped_phone(digits),
                    (_, value) => value.cloned().unwrap_or_default(),
                },
                error,
                required: spec.required,
                max_len: input_limit(&spec.kind),
                locked: plan.item.preset.contains_key(code),
                choices,
            })
        })
        .collect();
    FormView {
        item_name: plan.item.name.get(lang).to_string(),
        fields,
        active: app.active_field(),
    }
}
