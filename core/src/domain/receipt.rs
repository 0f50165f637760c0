//! The 受理回执 (acceptance receipt): its number and its contents.
//!
//! A receipt number is issued by the kiosk itself, offline if need be:
//! `PREFIX-YYMMDD-SEQ-C` where PREFIX is this kiosk's configured code, SEQ the kiosk's daily
//! sequence from durable storage and C a Luhn mod-36 check character that catches any single
//! mistyped character and any swap of two neighbours when a citizen types it back in.
//! Contents are masked: a receipt is paper that leaves the building.
//!
//! The QR encodes a progress URL `BASE + NUMBER + "?t=" + TOKEN`. Receipt numbers are
//! sequential, so the number alone would let anyone walk through other people's
//! applications; the token (≥ 128 bits, an HMAC of the number under a kiosk key, made by
//! the app layer and passed in) is what the progress page checks.
//! Pure: must not import any I/O crate.

use super::application::{expected_completion, Application, Delivery, MaterialState};
use super::calendar::{Date, WorkCalendar};
use super::catalogue::{Catalogue, Text};
use serde::{Deserialize, Serialize};
use std::fmt;

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn code_point(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Luhn mod N over [0-9A-Z] (N = 36).
fn luhn36_check(payload: &[u8]) -> Option<char> {
    let mut factor = 2;
    let mut sum = 0;
    for &c in payload.iter().rev() {
        let addend = factor * code_point(c)?;
        factor = if factor == 2 { 1 } else { 2 };
        sum += addend / 36 + addend % 36;
    }
    Some(ALPHABET[((36 - sum % 36) % 36) as usize] as char)
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReceiptNumber(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptNumberError {
    #[error("receipt prefix must be 2 to 6 capital letters or digits")]
    BadPrefix,
    #[error("not a receipt number (expected PREFIX-YYMMDD-NNNN-C)")]
    Malformed,
    #[error("check character does not match")]
    CheckMismatch,
}

impl ReceiptNumber {
    pub fn valid_prefix(prefix: &str) -> bool {
        (2..=6).contains(&prefix.len()) && prefix.bytes().all(|b| code_point(b).is_some())
    }

    pub fn issue(prefix: &str, date: Date, sequence: u32) -> Result<ReceiptNumber, ReceiptNumberError> {
        if !Self::valid_prefix(prefix) {
            return Err(ReceiptNumberError::BadPrefix);
        }
        let body = format!(
            "{prefix}-{:02}{:02}{:02}-{sequence:04}",
            date.year() % 100,
            date.month(),
            date.day()
        );
        let payload: Vec<u8> = body.bytes().filter(|b| *b != b'-').collect();
        let check = luhn36_check(&payload).ok_or(ReceiptNumberError::BadPrefix)?;
        Ok(ReceiptNumber(format!("{body}-{check}")))
    }

    /// Parses a number typed or scanned back in (case-insensitive, spaces ignored).
    pub fn parse(text: &str) -> Result<ReceiptNumber, ReceiptNumberError> {
        let text: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let parts: Vec<&str> = text.split('-').collect();
        let [prefix, date, seq, check] = parts[..] else {
            return Err(ReceiptNumberError::Malformed);
        };
        if !Self::valid_prefix(prefix)
            || date.len() != 6
            || !date.bytes().all(|b| b.is_ascii_digit())
            || seq.len() < 4
            || !seq.bytes().all(|b| b.is_ascii_digit())
            || check.len() != 1
        {
            return Err(ReceiptNumberError::Malformed);
        }
        let payload: Vec<u8> = text[..text.len() - 2].bytes().filter(|b| *b != b'-').collect();
        if luhn36_check(&payload) != check.chars().next() {
            return Err(ReceiptNumberError::CheckMismatch);
        }
        Ok(ReceiptNumber(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReceiptNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ReceiptNumber {
    type Error = ReceiptNumberError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        ReceiptNumber::parse(&text)
    }
}

impl From<ReceiptNumber> for String {
    fn from(number: ReceiptNumber) -> String {
        number.0
    }
}

/// The unguessable part of a receipt's progress URL: at least 128 bits as lowercase hex.
/// `Debug` hides it: whoever holds it can follow the application.
#[derive(Clone, PartialEq, Eq)]
pub struct ProgressToken(String);

impl ProgressToken {
    /// Hex characters needed: 32 (128 bits).
    pub const MIN_HEX_CHARS: usize = 32;

    pub fn new(hex: &str) -> Option<ProgressToken> {
        let well_formed =
            hex.len() >= Self::MIN_HEX_CHARS && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        well_formed.then(|| ProgressToken(hex.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ProgressToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressToken(***)")
    }
}

/// The URL the receipt's QR encodes.
pub fn progress_url(base: &str, number: &ReceiptNumber, token: &ProgressToken) -> String {
    format!("{base}{number}?t={}", token.as_str())
}

/// One material still owed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwedMaterial {
    pub name: Text,
    pub deadline: Date,
}

/// How the citizen gets the result, as printed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "method")]
pub enum ReceiptDelivery {
    WindowPickup {
        place: Text,
    },
    Express {
        masked_recipient: String,
        masked_address: String,
    },
}

/// Everything printed on (and shown as a preview of) the receipt. Masked by construction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub number: ReceiptNumber,
    pub site_name: Text,
    pub item_code: String,
    pub item_name: Text,
    pub masked_applicant_name: String,
    pub masked_applicant_id: String,
    pub masked_agent_id: Option<String>,
    pub submitted_on: Date,
    pub expected_completion: Date,
    pub urgent: bool,
    pub fee_fen: u32,
    pub materials_owed: Vec<OwedMaterial>,
    pub delivery: ReceiptDelivery,
    /// What the QR code encodes: the progress URL with the receipt number and its token.
    pub progress_url: String,
}

/// Facts about the service point the receipt needs.
pub struct ReceiptContext<'a> {
    pub catalogue: &'a Catalogue,
    pub calendar: &'a WorkCalendar,
    pub site_name: Text,
    /// Base of the progress URL, e.g. `https://zwfw.example.gov.cn/progress/`.
    pub progress_base_url: &'a str,
}

impl Receipt {
    pub fn for_application(
        application: &Application,
        number: ReceiptNumber,
        token: &ProgressToken,
        context: &ReceiptContext<'_>,
    ) -> Option<Receipt> {
        let item = context.catalogue.item(&application.item_code)?;
        let materials_owed = application
            .materials
            .iter()
            .filter_map(|(code, state)| match state {
                MaterialState::Promised { deadline, .. } => Some(OwedMaterial {
                    name: context
                        .catalogue
                        .material(code)
                        .map(|m| m.name.clone())
                        .unwrap_or(Text {
                            zh: code.clone(),
                            en: code.clone(),
                        }),
                    deadline: *deadline,
                }),
                _ => None,
            })
            .collect();
        let delivery = match &application.delivery {
            Delivery::WindowPickup => ReceiptDelivery::WindowPickup {
                place: context.site_name.clone(),
            },
            Delivery::Express { recipient, address, .. } => ReceiptDelivery::Express {
                masked_recipient: super::masking::mask_name(recipient),
                masked_address: super::masking::mask_address(address),
            },
        };
        let progress_url = progress_url(context.progress_base_url, &number, token);
        Some(Receipt {
            site_name: context.site_name.clone(),
            item_code: item.code.clone(),
            item_name: item.name.clone(),
            masked_applicant_name: application.applicant.masked_name(),
            masked_applicant_id: application.applicant.id.masked(),
            masked_agent_id: application.agent.as_ref().map(|a| a.id.masked()),
            submitted_on: application.submitted_on,
            expected_completion: expected_completion(
                item,
                context.calendar,
                application.submitted_on,
                application.urgent,
            ),
            urgent: application.urgent,
            fee_fen: item.fee_fen,
            materials_owed,
            delivery,
            progress_url,
            number,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::application::tests::{person, today};
    use super::super::application::PaymentState;
    use super::super::catalogue::tests::shipped;
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    const TOKEN: &str = "3f9a0c1d5e7b2468ace013579bdf8642";

    #[test]
    fn progress_tokens_have_at_least_128_bits_and_stay_hidden() {
        assert!(ProgressToken::new(TOKEN).is_some());
        assert!(ProgressToken::new(&TOKEN[..31]).is_none(), "fewer than 128 bits");
        assert!(ProgressToken::new(&TOKEN.to_uppercase()).is_none());
        assert!(ProgressToken::new("").is_none());
        let token = ProgressToken::new(TOKEN).unwrap();
        assert!(!format!("{token:?}").contains(TOKEN));
        let number = ReceiptNumber::issue("XS01", today(), 7).unwrap();
        let url = progress_url("https://x/p/", &number, &token);
        assert_eq!(url, format!("https://x/p/{number}?t={TOKEN}"));
    }

    #[test]
    fn issue_and_parse_round_trip() {
        let number = ReceiptNumber::issue("XS01", today(), 42).unwrap();
        assert!(number.as_str().starts_with("XS01-261126-0042-"), "{number}");
        assert_eq!(ReceiptNumber::parse(&number.as_str().to_lowercase()).unwrap(), number);
        assert_eq!(
            ReceiptNumber::issue("x", today(), 1),
            Err(ReceiptNumberError::BadPrefix)
        );
        assert_eq!(ReceiptNumber::parse("XS01-261126"), Err(ReceiptNumberError::Malformed));
    }

    proptest! {
        #[test]
        fn any_single_typo_or_neighbour_swap_is_caught(seq in 0u32..100_000, pos in 0usize..14, replacement in 0usize..36) {
            let number = ReceiptNumber::issue("XS01", today(), seq).unwrap();
            let chars: Vec<char> = number.as_str().chars().filter(|c| *c != '-').collect();
            prop_assume!(pos < chars.len() - 1);
            let mut typo = chars.clone();
            typo[pos] = ALPHABET[replacement] as char;
            prop_assume!(typo != chars);
            let rebuild = |v: &Vec<char>| -> String {
                let s: String = v.iter().collect();
                let n = s.len();
                format!("{}-{}-{}-{}", &s[..4], &s[4..10], &s[10..n - 1], &s[n - 1..])
            };
            prop_assert!(ReceiptNumber::parse(&rebuild(&typo)).is_err());
            let mut swapped = chars.clone();
            swapped.swap(pos, pos + 1);
            if swapped != chars {
                prop_assert!(ReceiptNumber::parse(&rebuild(&swapped)).is_err());
            }
        }
    }

    #[test]
    fn receipt_contents_are_masked_and_complete() {
        let catalogue = shipped();
        let calendar = WorkCalendar::default();
        let application = Application {
            uuid: "7f0c".into(),
            item_code: "ID-003".into(),
            applicant: person("123456198001010017", "王小明"),
            agent: None,
            form: BTreeMap::from([("phone".into(), "13812345678".into())]).into(),
            materials: BTreeMap::from([
                (
                    "household-book".to_string(),
                    MaterialState::Captured { photo: "a".into() },
                ),
                (
                    "id-photo-receipt".to_string(),
                    MaterialState::Captured { photo: "b".into() },
                ),
                (
                    "loss-statement".to_string(),
                    MaterialState::Promised {
                        deadline: today().add_days(14),
                        signature: None,
                    },
                ),
            ]),
            delivery: Delivery::Express {
                recipient: "王小明".into(),
                phone: "13812345678".into(),
                address: "浙江省宁波市象山县石浦镇中山路1号".into(),
            },
            urgent: false,
            payment: PaymentState::Paid {
                fen: 4000,
                reference: "P".into(),
            },
            submitted_on: today(),
        };
        let context = ReceiptContext {
            catalogue: &catalogue,
            calendar: &calendar,
            site_name: Text {
                zh: "石浦镇警务服务站".into(),
                en: "Shipu police service point".into(),
            },
            progress_base_url: "https://example.gov.cn/p/",
        };
        let number = ReceiptNumber::issue("XS01", today(), 7).unwrap();
        let token = ProgressToken::new(TOKEN).unwrap();
        let receipt = Receipt::for_application(&application, number.clone(), &token, &context).unwrap();
        assert_eq!(receipt.masked_applicant_id, "123456********0017");
        assert_eq!(receipt.masked_applicant_name, "王*明");
        assert_eq!(receipt.materials_owed.len(), 1);
        assert_eq!(receipt.materials_owed[0].name.zh, "身份证遗失声明");
        assert_eq!(
            receipt.progress_url,
            format!("https://example.gov.cn/p/{number}?t={TOKEN}")
        );
        assert_eq!(receipt.fee_fen, 4000);
        let everything = serde_json::to_string(&receipt).unwrap();
        for secret in ["123456198001010017", "王小明", "13812345678", "中山路"] {
            assert!(!everything.contains(secret), "{secret} leaked: {everything}");
        }
    }
}
