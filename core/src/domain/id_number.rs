//! `IdNumber`: a parsed, checked identity-document number (parse, don't validate).
//!
//! Kinds: 居民身份证 (GB 11643, ISO 7064 MOD 11-2 check), 港澳台居民居住证 (810000 /
//! 820000 / 830000, same check), 外国人永久居留身份证 2023 (18 digits starting with 9, same
//! check) and 2017 (3 letters + 12 digits). `Debug` and `Display` show only the masked form;
//! the full number is reachable only through [`IdNumber::expose`], which is greppable.
//! Pure: must not import any I/O crate.

use super::calendar::Date;
use super::masking::mask_id;
use super::message::Message;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdKind {
    /// 居民身份证
    Resident,
    /// 港澳台居民居住证
    HkMoTwPermit,
    /// 外国人永久居留身份证 (2023, 18 digits)
    Foreigner2023,
    /// 外国人永久居留身份证 (2017, 3 letters + 12 digits)
    Foreigner2017,
}

impl IdKind {
    pub fn code(self) -> &'static str {
        match self {
            IdKind::Resident => "resident",
            IdKind::HkMoTwPermit => "hkmotw",
            IdKind::Foreigner2023 => "foreign2023",
            IdKind::Foreigner2017 => "foreign2017",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            IdKind::Resident => "居民身份证",
            IdKind::HkMoTwPermit => "港澳台居民居住证",
            IdKind::Foreigner2023 => "外国人永久居留身份证(2023版)",
            IdKind::Foreigner2017 => "外国人永久居留身份证(2017版)",
        }
    }
    pub fn name_en(self) -> &'static str {
        match self {
            IdKind::Resident => "Resident identity card",
            IdKind::HkMoTwPermit => "Residence permit for Hong Kong, Macao and Taiwan residents",
            IdKind::Foreigner2023 => "Foreigner's permanent residence ID card (2023)",
            IdKind::Foreigner2017 => "Foreigner's permanent residence ID card (2017)",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sex {
    Male,
    Female,
}

/// Why a number was refused; each has a translation key for the citizen's screen.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("wrong length: {0} characters (18 expected, or 15 for a 2017 foreigner card)")]
    WrongLength(usize),
    #[error("contains a character that is not a digit (only the last may be X)")]
    BadCharacter,
    #[error("the birth date inside the number is not a real date")]
    BadBirthDate,
    #[error("check character does not match: expected {expected}, found {found}")]
    CheckMismatch { expected: char, found: char },
    #[error("the region code is not valid")]
    BadRegion,
}

impl IdNumberError {
    pub fn message(&self) -> Message {
        match self {
            IdNumberError::WrongLength(_) => Message::IdLength,
            IdNumberError::BadCharacter => Message::IdCharacter,
            IdNumberError::BadBirthDate => Message::IdBirthDate,
            IdNumberError::CheckMismatch { .. } => Message::IdCheckDigit,
            IdNumberError::BadRegion => Message::IdRegion,
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    normalized: String,
    kind: IdKind,
    birth_date: Date,
    sex: Option<Sex>,
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The GB 11643 / ISO 7064 MOD 11-2 check character for the first 17 digits.
pub fn mod11_2_check(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

impl IdNumber {
    pub fn parse(input: &str) -> Result<IdNumber, IdNumberError> {
        let text: String = input.trim().to_ascii_uppercase();
        match text.chars().count() {
            18 => Self::parse_18(text),
            15 => Self::parse_foreigner_2017(text),
            n => Err(IdNumberError::WrongLength(n)),
        }
    }

    fn parse_18(text: String) -> Result<IdNumber, IdNumberError> {
        let bytes = text.as_bytes();
        if !bytes[..17].iter().all(u8::is_ascii_digit) || !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(IdNumberError::BadCharacter);
        }
        let kind = match &text[..2] {
            "81" | "82" | "83" if &text[2..6] == "0000" => IdKind::HkMoTwPermit,
            "81" | "82" | "83" => return Err(IdNumberError::BadRegion),
            _ if bytes[0] == b'9' => IdKind::Foreigner2023,
            _ if (b'1'..=b'8').contains(&bytes[0]) => IdKind::Resident,
            _ => return Err(IdNumberError::BadRegion),
        };
        let birth_date = Date::parse(&text[6..14]).ok_or(IdNumberError::BadBirthDate)?;
        let expected = mod11_2_check(&bytes[..17]);
        let found = bytes[17] as char;
        if expected != found {
            return Err(IdNumberError::CheckMismatch { expected, found });
        }
        // The sequence's last digit is odd for men, even for women (GB 11643). For the 2023
        // foreigner number the published rules do not say, so no sex is derived.
        let sex = match kind {
            IdKind::Foreigner2023 => None,
            _ if (bytes[16] - b'0') % 2 == 1 => Some(Sex::Male),
            _ => Some(Sex::Female),
        };
        Ok(IdNumber {
            normalized: text,
            kind,
            birth_date,
            sex,
        })
    }

    /// 3 letters (nationality) + 2-digit province + YYMMDD + 3-digit sequence + 1 check digit.
    /// The check algorithm is single-sourced and unverified, and the SAM has already
    /// authenticated any card we read, so it is not enforced: refusing a genuine card locks
    /// a legitimate resident out.
    fn parse_foreigner_2017(text: String) -> Result<IdNumber, IdNumberError> {
        let bytes = text.as_bytes();
        if !bytes[..3].iter().all(u8::is_ascii_uppercase) || !bytes[3..].iter().all(u8::is_ascii_digit) {
            return Err(IdNumberError::BadCharacter);
        }
        // Cards of this version were issued until 2023, so a two-digit year up to 23 is read
        // as 20YY (a holder born in 1923 would be misread; no better rule exists).
        let yy: i32 = text[5..7].parse().map_err(|_| IdNumberError::BadBirthDate)?;
        let year = if yy <= 23 { 2000 + yy } else { 1900 + yy };
        let month: u8 = text[7..9].parse().map_err(|_| IdNumberError::BadBirthDate)?;
        let day: u8 = text[9..11].parse().map_err(|_| IdNumberError::BadBirthDate)?;
        let birth_date = Date::new(year, month, day).ok_or(IdNumberError::BadBirthDate)?;
        Ok(IdNumber {
            normalized: text,
            kind: IdKind::Foreigner2017,
            birth_date,
            sex: None,
        })
    }

    pub fn kind(&self) -> IdKind {
        self.kind
    }
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }
    pub fn sex(&self) -> Option<Sex> {
        self.sex
    }

    /// The administrative region: the 6-digit division code for residents, 810000 /
    /// 820000 / 830000 for HK / Macao / Taiwan, the province (+0000) for foreigners.
    pub fn region_code(&self) -> String {
        match self.kind {
            IdKind::Resident | IdKind::HkMoTwPermit => self.normalized[..6].to_string(),
            IdKind::Foreigner2023 => format!("{}0000", &self.normalized[1..3]),
            IdKind::Foreigner2017 => format!("{}0000", &self.normalized[3..5]),
        }
    }

    /// The masked form: the only form that may appear on screens, receipts, logs and status.
    pub fn masked(&self) -> String {
        mask_id(&self.normalized)
    }

    /// The full number, for the encrypted store and the central submission only.
    pub fn expose(&self) -> &str {
        &self.normalized
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({:?}, {})", self.kind, self.masked())
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl Serialize for IdNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.normalized)
    }
}

impl<'de> Deserialize<'de> for IdNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<IdNumber, D::Error> {
        let text = String::deserialize(d)?;
        IdNumber::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reference_examples() {
        for (number, check) in [
            ("123456198001010017", '7'),
            ("000000199909091233", '3'),
            ("999999200002294562", '2'),
            ("12345619800101005X", 'X'),
        ] {
            assert_eq!(mod11_2_check(&number.as_bytes()[..17]), check, "{number}");
        }
        let id = IdNumber::parse("12345619800101005x").unwrap();
        assert_eq!(id.kind(), IdKind::Resident);
        assert_eq!(id.expose(), "12345619800101005X");
        assert_eq!(id.birth_date().to_string(), "1980-01-01");
        assert_eq!(id.sex(), Some(Sex::Male));
        assert_eq!(id.region_code(), "123456");
    }

    #[test]
    fn kinds() {
        let hk = IdNumber::parse(&with_check("81000019950505002")).unwrap();
        assert_eq!(hk.kind(), IdKind::HkMoTwPermit);
        assert_eq!(hk.sex(), Some(Sex::Female));
        let fr = IdNumber::parse(&with_check("93384019880808001")).unwrap();
        assert_eq!(fr.kind(), IdKind::Foreigner2023);
        assert_eq!(fr.region_code(), "330000");
        assert_eq!(fr.sex(), None);
        let old = IdNumber::parse("usa330512011231").unwrap();
        assert_eq!(old.kind(), IdKind::Foreigner2017);
        assert_eq!(old.birth_date().to_string(), "2005-12-01");
        assert_eq!(old.region_code(), "330000");
        assert_eq!(old.masked(), "USA********1231");
        let older = IdNumber::parse("GBR335801151231").unwrap();
        assert_eq!(older.birth_date().to_string(), "1958-01-15");
    }

    #[test]
    fn refusals_name_the_reason() {
        assert_eq!(IdNumber::parse("1234"), Err(IdNumberError::WrongLength(4)));
        assert_eq!(
            IdNumber::parse("123456198001010018"),
            Err(IdNumberError::CheckMismatch {
                expected: '7',
                found: '8'
            })
        );
        assert_eq!(
            IdNumber::parse("123456198002300017").unwrap_err(),
            IdNumberError::BadBirthDate
        );
        assert_eq!(
            IdNumber::parse("12345619800101A017").unwrap_err(),
            IdNumberError::BadCharacter
        );
        assert_eq!(
            IdNumber::parse(&with_check("81123419950505002")).unwrap_err(),
            IdNumberError::BadRegion
        );
        assert_eq!(
            IdNumber::parse(&with_check("01234519950505002")).unwrap_err(),
            IdNumberError::BadRegion
        );
        assert_eq!(
            IdNumber::parse("US1330512011231").unwrap_err(),
            IdNumberError::BadCharacter
        );
    }

    #[test]
    fn debug_and_display_never_show_the_full_number() {
        let id = IdNumber::parse("123456198001010017").unwrap();
        for shown in [format!("{id}"), format!("{id:?}"), format!("{:?}", Some(&id))] {
            assert!(!shown.contains("123456198001010017"), "{shown}");
            assert!(!shown.contains("19800101"), "{shown}");
        }
        assert_eq!(id.masked(), "123456********0017");
    }

    pub(crate) fn with_check(first17: &str) -> String {
        format!("{first17}{}", mod11_2_check(first17.as_bytes()))
    }

    fn valid_first17() -> impl Strategy<Value = String> {
        (110000u32..=659999, 1900i32..=2025, 1u8..=12, 1u8..=28, 0u32..=999)
            .prop_map(|(region, y, m, d, seq)| format!("{region:06}{y:04}{m:02}{d:02}{seq:03}"))
    }

    proptest! {
        #[test]
        fn every_number_with_its_check_character_parses(first17 in valid_first17()) {
            let full = with_check(&first17);
            let id = IdNumber::parse(&full).unwrap();
            prop_assert_eq!(id.expose(), full.as_str());
            prop_assert_eq!(id.kind(), IdKind::Resident);
            prop_assert_eq!(id.birth_date().compact(), &full[6..14]);
            prop_assert_eq!(id.masked().len(), 18);
            let shown = format!("{:?}{}", id, id);
            prop_assert!(!shown.contains(&full[6..14]));
        }

        #[test]
        fn any_single_digit_change_is_caught(first17 in valid_first17(), pos in 0usize..17, delta in 1u8..10) {
            let full = with_check(&first17);
            let mut bytes = full.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(IdNumber::parse(&changed).is_err());
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,40}") {
            let _ = IdNumber::parse(&text);
        }
    }
}
