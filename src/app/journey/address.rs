//! 快递到其他地址: the delivery address picker opened from the review page. The draft
//! (`address_entry::AddressDraft`) is the journey's while the picker is open; confirming it
//! chooses express delivery to it.

use super::Journey;
use crate::app::address_entry::{AddressDraft, PHONE};
use crate::app::shared::Shared;
use crate::app::text_entry::{self, KeyMode, Keyboard};
use crate::domain::session::{Event, Step};

/// What the address picker can ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressIntent {
    /// 快递到其他地址: open the picker.
    Open,
    /// A division in the picker (one level down).
    Choose(String),
    /// One level up in the picker.
    Up,
    /// Which address text field the keyboard types into.
    Field(usize),
    /// Back from the keys to the list of places one level down.
    PickPlace,
    /// Start from the address on the ID card.
    FromCard,
    Confirm,
    Cancel,
}

impl Journey {
    pub fn on_address(&mut self, intent: AddressIntent, s: &mut Shared) {
        match intent {
            AddressIntent::Open => self.open_address(s),
            AddressIntent::Choose(code) => self.edit_address(s, |draft| draft.choose(&code)),
            AddressIntent::PickPlace => self.edit_address(s, |draft| draft.typing = false),
            AddressIntent::Up => self.edit_address(s, AddressDraft::up),
            AddressIntent::Field(index) => {
                if let Some(draft) = &mut self.address {
                    draft.type_into(index);
                    let mode = if draft.active == PHONE {
                        KeyMode::Digits
                    } else {
                        s.keyboard.text_mode(s.lang())
                    };
                    s.keyboard.set_mode(mode);
                }
                s.touch()
            }
            AddressIntent::FromCard => {
                let card_address = s.session.data.applicant.as_ref().and_then(|a| a.address.clone());
                if let (Some(draft), Some(address)) = (&mut self.address, card_address) {
                    draft.use_card_address(&address);
                }
                s.touch()
            }
            AddressIntent::Confirm => {
                let confirmed = self.address.as_mut().and_then(|draft| draft.confirm());
                match (confirmed, text_entry::divisions()) {
                    (Some(address), Some(table)) => {
                        self.close_address(s);
                        s.push(Event::ChooseDelivery(address.to_delivery(table)))
                    }
                    _ => s.touch(),
                }
            }
            AddressIntent::Cancel => {
                self.close_address(s);
                s.touch()
            }
        }
    }

    fn open_address(&mut self, s: &mut Shared) {
        text_entry::warm_up();
        if s.session.step == Step::Review {
            let applicant = s.session.data.applicant.as_ref();
            let recipient = applicant.and_then(|a| a.name.clone()).unwrap_or_default();
            let phone = s.session.data.form.get("phone").cloned().unwrap_or_default();
            self.address = Some(AddressDraft::at_county(&s.config.kiosk.county, &recipient, &phone));
            s.keyboard = Keyboard::for_lang(s.lang());
        }
        s.touch()
    }

    fn edit_address(&mut self, s: &mut Shared, change: impl FnOnce(&mut AddressDraft)) {
        if let Some(draft) = &mut self.address {
            change(draft);
        }
        s.touch()
    }

    fn close_address(&mut self, s: &mut Shared) {
        self.address = None;
        s.keyboard = Keyboard::for_lang(s.lang());
    }
}
