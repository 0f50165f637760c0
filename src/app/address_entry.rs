//! The delivery address being entered: a path through the division table (province down to
//! township, and village in the kiosk's own county) picked by touch, then the street and
//! house number, the recipient's name and phone typed on the on-screen keyboard. Confirming
//! validates everything at once into a `domain::address::PostalAddress`.

use super::text_entry::divisions;
use crate::domain::address::{
    text_problems, AddressError, DivisionCodes, PostalAddress, MAX_NAME_CHARS, MAX_STREET_CHARS,
};
use crate::domain::message::Message;

/// The text fields of the address, in order.
pub const STREET: usize = 0;
pub const RECIPIENT: usize = 1;
pub const PHONE: usize = 2;

#[derive(Clone, PartialEq, Eq, Default)]
pub struct AddressDraft {
    /// Division codes from the province down, as picked so far.
    pub path: Vec<String>,
    pub street: String,
    pub recipient: String,
    pub phone: String,
    /// Which text field the keyboard types into.
    pub active: usize,
    /// The keys are open: a field was tapped (or typed into). Off while the citizen picks
    /// the place, which then gets the keys' room on the screen.
    pub typing: bool,
    pub problems: Vec<Message>,
}

impl std::fmt::Debug for AddressDraft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddressDraft")
            .field("path", &self.path)
            .field("street_chars", &self.street.chars().count())
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

impl AddressDraft {
    /// A draft that opens at `county` (the kiosk's own), for `recipient` at `phone`.
    pub fn at_county(county: &str, recipient: &str, phone: &str) -> AddressDraft {
        let path = divisions()
            .map(|table| table.path(county).iter().map(|d| d.code.to_string()).collect())
            .unwrap_or_default();
        AddressDraft {
            path,
            recipient: recipient.to_string(),
            phone: phone.to_string(),
            ..AddressDraft::default()
        }
    }

    /// Starts from an address as printed on an ID card: the divisions it names, and the rest
    /// as the street and house number.
    pub fn use_card_address(&mut self, address: &str) {
        let Some(table) = divisions() else { return };
        let start = table.parse_address_start(address);
        if start.codes.is_empty() {
            return;
        }
        self.path = start.codes;
        // What is left is the street and house number: to check, on the keys.
        self.typing = true;
        self.street = address
            .get(start.rest..)
            .unwrap_or("")
            .trim()
            .chars()
            .take(MAX_STREET_CHARS)
            .collect();
        self.problems.clear();
    }

    /// Goes one level down, to a child of the deepest division picked.
    pub fn choose(&mut self, code: &str) {
        let Some(table) = divisions() else { return };
        let parent = self.path.last().map(String::as_str);
        if table.children(parent).iter().any(|d| d.code == code) {
            self.path.push(code.to_string());
            self.problems.clear();
            self.typing = false;
        }
    }

    /// Goes one level up (and shows the places there to choose from).
    pub fn up(&mut self) {
        self.path.pop();
        self.typing = false;
    }

    /// Opens the keys for the text field `index`.
    pub fn type_into(&mut self, index: usize) {
        self.active = index.min(PHONE);
        self.typing = true;
    }

    /// The text field `index` and how many characters it takes.
    pub fn field_mut(&mut self, index: usize) -> (&mut String, usize) {
        match index {
            RECIPIENT => (&mut self.recipient, MAX_NAME_CHARS),
            PHONE => (&mut self.phone, 11),
            _ => (&mut self.street, MAX_STREET_CHARS),
        }
    }

    /// The deepest division picked (boosts its place names on the keyboard).
    pub fn region(&self) -> Option<&str> {
        self.path.last().map(String::as_str)
    }

    /// Validates the whole address; on failure the problems are kept for the page.
    pub fn confirm(&mut self) -> Option<PostalAddress> {
        let codes = DivisionCodes::from_path(&self.path);
        let result = match codes {
            Some(codes) => PostalAddress::new(codes, &self.street, &self.recipient, &self.phone),
            None => {
                // Not down to a township yet: say so, and what else is missing.
                let mut problems = vec![AddressError::Division("township")];
                problems.extend(text_problems(&self.street, &self.recipient, &self.phone));
                Err(problems)
            }
        };
        match result {
            Ok(address) => Some(address),
            Err(problems) => {
                self.problems = problems.iter().map(message_of).collect();
                self.problems.dedup();
                None
            }
        }
    }
}

fn message_of(problem: &AddressError) -> Message {
    match problem {
        AddressError::Division(_) => Message::AddressDivision,
        AddressError::StreetMissing | AddressError::StreetTooLong => Message::AddressStreet,
        AddressError::Recipient => Message::AddressRecipient,
        AddressError::Phone => Message::AddressPhone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picker_opens_at_the_county_and_goes_down_to_a_township() {
        let mut draft = AddressDraft::at_county("330225", "陈晓燕", "13805740000");
        assert_eq!(draft.path, ["330000", "330200", "330225"]);
        draft.choose("110000");
        assert_eq!(draft.path.len(), 3, "not a child: ignored");
        draft.choose("330225101");
        assert_eq!(draft.path.last().map(String::as_str), Some("330225101"));
        assert!(draft.confirm().is_none(), "no street yet");
        assert_eq!(draft.problems, [Message::AddressStreet]);
        draft.street = "渔港路18号".into();
        let address = draft.confirm().expect("valid");
        let table = divisions().unwrap();
        assert_eq!(address.full_text(table), "浙江省宁波市象山县石浦镇渔港路18号");
    }

    #[test]
    fn the_keys_open_for_a_field_and_give_way_to_the_places_when_the_citizen_picks_one() {
        let mut draft = AddressDraft::at_county("330225", "陈晓燕", "13805740000");
        assert!(!draft.typing, "it opens on the places");
        draft.type_into(9);
        assert!(draft.typing);
        assert_eq!(draft.active, PHONE, "an index past the last field is the last field");
        draft.choose("330225101");
        assert!(!draft.typing, "a place picked: the places one level down");
        draft.type_into(0);
        draft.up();
        assert!(!draft.typing, "one level up: the places there");
        draft.use_card_address("浙江省象山县石浦镇东门岛渔港路18号");
        assert!(draft.typing, "the card's street is there to check, on the keys");
    }

    #[test]
    fn a_card_address_is_the_starting_point_and_every_problem_shows() {
        let mut draft = AddressDraft::at_county("330225", "", "138");
        draft.use_card_address("浙江省象山县石浦镇东门岛渔港路18号");
        assert_eq!(draft.path.last().map(String::as_str), Some("330225101"));
        assert_eq!(draft.street, "东门岛渔港路18号");
        draft.up();
        draft.up();
        assert!(draft.confirm().is_none());
        assert_eq!(
            draft.problems,
            [
                Message::AddressDivision,
                Message::AddressRecipient,
                Message::AddressPhone
            ]
        );
        assert!(!format!("{draft:?}").contains("渔港路"), "Debug is masked");
    }
}
