//! The review page (核对): everything the citizen is about to submit, masked (this is a
//! screen others can see), with a way back to each step, delivery and urgency choices.
//! The masking policy for this page lives here.

use super::{error_on, materials::materials, yuan};
use crate::app::kiosk::KioskApp;
use crate::domain::application::{Delivery, Person};
use crate::domain::catalogue::{FieldKind, Flag};
use crate::domain::masking::{mask_address, mask_id, mask_name, mask_phone};
use crate::domain::session::Step;

/// Which row this is: the page labels every kind but `Field` (whose label is data).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Service,
    Agent,
    Applicant,
    Field,
    Materials,
    DeliveryPickup,
    DeliveryExpress,
}

impl RowKind {
    pub fn code(self) -> &'static str {
        match self {
            RowKind::Service => "service",
            RowKind::Agent => "agent",
            RowKind::Applicant => "applicant",
            RowKind::Field => "field",
            RowKind::Materials => "materials",
            RowKind::DeliveryPickup => "pickup",
            RowKind::DeliveryExpress => "express",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewRow {
    pub kind: RowKind,
    /// The field's label (for `Field` rows).
    pub label: String,
    /// Masked where personal.
    pub value: String,
    /// Where 修改 leads, if anywhere.
    pub edit: Option<Step>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReviewView {
    pub rows: Vec<ReviewRow>,
    pub captured: usize,
    pub promised: usize,
    pub express_allowed: bool,
    /// Free delivery to any address (the address page).
    pub delivery_allowed: bool,
    pub express: bool,
    /// Express to an address typed on the address page (not the card's): that choice shows
    /// as chosen, not 免费快递到身份证地址.
    pub express_elsewhere: bool,
    pub urgent_allowed: bool,
    pub urgent: bool,
    /// Working days on the urgent channel (0 when there is none).
    pub urgent_days: u32,
    pub fee: Option<String>,
    pub error: String,
}

fn person(person: &Person) -> String {
    format!("{} {}", person.masked_name(), person.id.masked())
        .trim()
        .to_string()
}

pub fn review(app: &KioskApp) -> ReviewView {
    let data = &app.session().data;
    let Some(plan) = &data.plan else {
        return ReviewView::default();
    };
    let (item, lang) = (&plan.item, app.lang());
    let row = |kind, label: &str, value: String, edit| ReviewRow {
        kind,
        label: label.to_string(),
        value,
        edit,
    };
    let mut rows = vec![row(RowKind::Service, "", item.name.get(lang).to_string(), None)];
    if let Some(agent) = &data.agent {
        rows.push(row(RowKind::Agent, "", person(agent), Some(Step::Identify)));
    }
    if let Some(applicant) = &data.applicant {
        rows.push(row(RowKind::Applicant, "", person(applicant), Some(Step::Identify)));
    }
    for code in &item.fields {
        let (Some(spec), Some(value)) = (plan.fields.get(code), data.form.get(code)) else {
            continue;
        };
        let shown = match &spec.kind {
            FieldKind::Phone => mask_phone(value),
            FieldKind::IdNumber => mask_id(value),
            FieldKind::Choice { options } => options
                .iter()
                .find(|o| &o.value == value)
                .map(|o| o.label.get(lang).to_string())
                .unwrap_or_default(),
            _ if spec.personal => mask_address(value),
            _ => value.clone(),
        };
        rows.push(row(RowKind::Field, spec.label.get(lang), shown, Some(Step::Form)));
    }
    let counts = materials(app);
    if !counts.rows.is_empty() {
        rows.push(row(RowKind::Materials, "", String::new(), Some(Step::Materials)));
    }
    rows.push(match &data.delivery {
        Delivery::WindowPickup => row(RowKind::DeliveryPickup, "", String::new(), None),
        Delivery::Express { recipient, address, .. } => row(
            RowKind::DeliveryExpress,
            "",
            format!("{} {}", mask_name(recipient), mask_address(address)),
            None,
        ),
    });
    ReviewView {
        rows,
        captured: counts.captured,
        promised: counts.promised,
        express_allowed: item.has(Flag::ExpressDelivery)
            && data.applicant.as_ref().is_some_and(|a| a.address.is_some()),
        delivery_allowed: item.has(Flag::ExpressDelivery),
        express: matches!(data.delivery, Delivery::Express { .. }),
        express_elsewhere: matches!(&data.delivery, Delivery::Express { address, .. }
            if data.applicant.as_ref().and_then(|a| a.address.as_ref()) != Some(address)),
        urgent_allowed: item.has(Flag::UrgentChannel),
        urgent: data.urgent,
        urgent_days: item.urgent_days.unwrap_or(0),
        fee: yuan(item.fee_fen),
        error: error_on(app, Step::Review),
    }
}
