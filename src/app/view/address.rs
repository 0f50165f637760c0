//! The delivery address page: where the citizen is in the division tree (province → city →
//! county → township → village), the divisions to choose from next, the typed fields and
//! what is wrong with them.

use super::i18n::text;
use crate::app::address_entry::PHONE;
use crate::app::kiosk::KioskApp;
use crate::app::text_entry::divisions;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub code: String,
    pub name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AddressView {
    /// Picked so far, province first.
    pub path: Vec<Place>,
    /// The divisions one level down (empty at the village level).
    pub choices: Vec<Place>,
    pub street: String,
    pub recipient: String,
    /// The recipient's phone, on the citizen's own screen while typing.
    pub phone: String,
    pub active: usize,
    pub phone_active: bool,
    pub problems: Vec<String>,
    pub card_address: bool,
    /// The keys are shown (a field is being typed, or there is no place left to pick);
    /// otherwise the places one level down.
    pub keys: bool,
}

pub fn address(app: &KioskApp) -> AddressView {
    let (Some(draft), Some(table)) = (app.address(), divisions()) else {
        return AddressView::default();
    };
    let place = |code: &str, name: &str| Place {
        code: code.to_string(),
        name: name.to_string(),
    };
    let choices: Vec<Place> = table
        .children(draft.region())
        .iter()
        .filter(|d| !d.is_placeholder())
        .map(|d| place(d.code, d.name))
        .collect();
    AddressView {
        keys: draft.typing || choices.is_empty(),
        path: draft
            .path
            .iter()
            .filter_map(|code| table.get(code).map(|d| place(d.code, d.name)))
            .collect(),
        choices,
        street: draft.street.clone(),
        recipient: draft.recipient.clone(),
        phone: super::appointment::grouped_phone(&draft.phone),
        active: draft.active,
        phone_active: draft.active == PHONE,
        problems: draft
            .problems
            .iter()
            .map(|m| text(*m, app.lang()).to_string())
            .collect(),
        card_address: app
            .session()
            .data
            .applicant
            .as_ref()
            .is_some_and(|a| a.address.is_some()),
    }
}
