//! The form page: each field of the chosen service with its label, the draft value, its
//! input limit, its choices and the problem found with it.

use super::i18n::text;
use crate::app::kiosk::{input_limit, KioskApp};
use crate::domain::catalogue::FieldKind;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChoiceView {
    pub value: String,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldView {
    pub code: String,
    pub label: String,
    /// `text`, `phone`, `choice`, `date`, `number` or `id-number`: which keypad to show.
    pub kind: &'static str,
    pub value: String,
    pub error: String,
    pub required: bool,
    /// How many characters the keypad accepts.
    pub max_len: usize,
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
            };
            let error = data
                .form_errors
                .iter()
                .find(|e| &e.field == code)
                .map(|e| text(e.key, lang).to_string())
                .unwrap_or_default();
            Some(FieldView {
                code: code.clone(),
                label: spec.label.get(lang).to_string(),
                kind,
                value: app.form_draft().get(code).cloned().unwrap_or_default(),
                error,
                required: spec.required,
                max_len: input_limit(&spec.kind),
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
