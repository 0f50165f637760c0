//! A validated postal address for the free express delivery of a certificate: the
//! division codes (province, city, county, township, optional village) from the address
//! picker or the ID card, the street and house number typed with the pinyin keyboard, and
//! the recipient's name and mobile phone. `Debug` is masked like everything personal
//! (masking.rs); the full text is rendered only on request, with the division names
//! supplied by the caller's table.
//! Pure: must not import any I/O crate.

use super::application::Delivery;
use super::masking::{mask_address, mask_name, mask_phone};
use std::fmt;

/// Names of divisions by code (implemented by the division table). `None` for a code the
/// table does not know, and for placeholders that a written address leaves out (市辖区).
pub trait DivisionNames {
    fn division_name(&self, code: &str) -> Option<&str>;
}

/// What a field of the address gets wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the {0} code is malformed or does not lie in the division above it")]
    Division(&'static str),
    #[error("the street and house number are missing")]
    StreetMissing,
    #[error("the street and house number are longer than {MAX_STREET_CHARS} characters")]
    StreetTooLong,
    #[error("the recipient's name is missing or not a name")]
    Recipient,
    #[error("the phone is not an 11-digit mobile number")]
    Phone,
}

pub const MAX_STREET_CHARS: usize = 60;
pub const MAX_NAME_CHARS: usize = 30;

/// The division codes of an address, province down to township (and village). In a
/// prefecture without counties (东莞市, 中山市, 儋州市) the county is the city itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DivisionCodes {
    pub province: String,
    pub city: String,
    pub county: String,
    pub township: String,
    pub village: Option<String>,
}

impl DivisionCodes {
    /// From a path of codes, province first (the picker's choices or a parsed card address);
    /// `None` unless it reaches at least the township.
    pub fn from_path<S: AsRef<str>>(codes: &[S]) -> Option<DivisionCodes> {
        let codes: Vec<&str> = codes.iter().map(AsRef::as_ref).collect();
        let six: Vec<&str> = codes.iter().copied().filter(|c| c.len() == 6).collect();
        let with_len = |n: usize| codes.iter().find(|c| c.len() == n).map(|c| c.to_string());
        let (province, city) = (six.first()?, six.get(1)?);
        Some(DivisionCodes {
            province: province.to_string(),
            city: city.to_string(),
            county: six.get(2).unwrap_or(city).to_string(),
            township: with_len(9)?,
            village: with_len(12),
        })
    }

    /// Province to village, as far as present (a city that is its own county once).
    pub fn path(&self) -> Vec<&str> {
        let mut path = vec![self.province.as_str(), &self.city, &self.county, &self.township];
        path.extend(self.village.as_deref());
        path.dedup();
        path
    }

    fn check(&self) -> Result<(), AddressError> {
        let digits = |c: &str, n: usize| c.len() == n && c.bytes().all(|b| b.is_ascii_digit());
        if !digits(&self.province, 6) || !self.province.ends_with("0000") {
            return Err(AddressError::Division("province"));
        }
        if !digits(&self.city, 6)
            || !self.city.ends_with("00")
            || self.city[..2] != self.province[..2]
            || self.city == self.province
        {
            return Err(AddressError::Division("city"));
        }
        if !digits(&self.county, 6) || self.county[..4] != self.city[..4] {
            return Err(AddressError::Division("county"));
        }
        if !digits(&self.township, 9) || !self.township.starts_with(&self.county) {
            return Err(AddressError::Division("township"));
        }
        if let Some(village) = &self.village {
            if !digits(village, 12) || !village.starts_with(&self.township) {
                return Err(AddressError::Division("village"));
            }
        }
        Ok(())
    }
}

/// An 11-digit mainland mobile number (the same rule as the forms' phone fields).
pub fn is_mobile(phone: &str) -> bool {
    phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit())
}

/// The form a village committee's name takes in a written address: 下半河村委会 → 下半河村,
/// 金秋社区居委会 → 金秋社区.
pub fn written_name(name: &str) -> &str {
    const COMMITTEES: &[(&str, &str)] = &[
        ("社区居民委员会", "社区"),
        ("村民委员会", "村"),
        ("社区居委会", "社区"),
        ("村委会", "村"),
    ];
    for (suffix, keep) in COMMITTEES {
        if let Some(stem) = name.strip_suffix(suffix) {
            return &name[..stem.len() + keep.len()];
        }
    }
    name
}

/// The phone as stored: spaces and hyphens inside it dropped.
fn normalized_phone(phone: &str) -> String {
    phone.chars().filter(|c| !matches!(c, ' ' | '-')).collect()
}

/// What is wrong with the typed part of an address — the street and house number, the
/// recipient's name, the phone — every problem at once, in that order.
pub fn text_problems(street: &str, recipient: &str, phone: &str) -> Vec<AddressError> {
    let mut problems = Vec::new();
    let street = street.trim();
    if street.is_empty() {
        problems.push(AddressError::StreetMissing);
    } else if street.chars().count() > MAX_STREET_CHARS || street.chars().any(char::is_control) {
        problems.push(AddressError::StreetTooLong);
    }
    let recipient = recipient.trim();
    let letters = recipient.chars().count();
    let name_ok = (1..=MAX_NAME_CHARS).contains(&letters)
        && recipient
            .chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '·' || c == '.' || c == '-')
        && recipient.chars().any(char::is_alphabetic);
    if !name_ok {
        problems.push(AddressError::Recipient);
    }
    if !is_mobile(&normalized_phone(phone)) {
        problems.push(AddressError::Phone);
    }
    problems
}

/// A complete, validated delivery address. Build it with [`PostalAddress::new`].
#[derive(Clone, PartialEq, Eq)]
pub struct PostalAddress {
    divisions: DivisionCodes,
    street: String,
    recipient: String,
    phone: String,
}

impl PostalAddress {
    /// Checks every field and returns every problem at once. Whitespace around the texts is
    /// dropped; spaces and hyphens inside the phone are ignored.
    pub fn new(
        divisions: DivisionCodes,
        street: &str,
        recipient: &str,
        phone: &str,
    ) -> Result<Self, Vec<AddressError>> {
        let mut problems: Vec<AddressError> = divisions.check().err().into_iter().collect();
        problems.extend(text_problems(street, recipient, phone));
        let (street, recipient, phone) = (street.trim(), recipient.trim(), normalized_phone(phone));
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(PostalAddress {
            divisions,
            street: street.to_string(),
            recipient: recipient.to_string(),
            phone,
        })
    }

    pub fn divisions(&self) -> &DivisionCodes {
        &self.divisions
    }
    pub fn street(&self) -> &str {
        &self.street
    }
    pub fn recipient(&self) -> &str {
        &self.recipient
    }
    pub fn phone(&self) -> &str {
        &self.phone
    }

    /// 浙江省宁波市象山县石浦镇 + the street and house number. Placeholder levels
    /// (市辖区) are left out; a village committee is written as its village (…村).
    pub fn full_text(&self, names: &impl DivisionNames) -> String {
        let mut text = String::new();
        for code in self.divisions.path() {
            if let Some(name) = names.division_name(code) {
                text.push_str(written_name(name));
            }
        }
        text.push_str(&self.street);
        text
    }

    /// The address as masking.rs shows addresses (浙江省宁波市****).
    pub fn masked_text(&self, names: &impl DivisionNames) -> String {
        mask_address(&self.full_text(names))
    }

    /// The delivery of an application to this address.
    pub fn to_delivery(&self, names: &impl DivisionNames) -> Delivery {
        Delivery::Express {
            recipient: self.recipient.clone(),
            phone: self.phone.clone(),
            address: self.full_text(names),
        }
    }
}

impl fmt::Debug for PostalAddress {
    /// Only the province and city (what [`mask_address`] keeps) and masked personal fields.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostalAddress")
            .field("city", &self.divisions.city)
            .field("street", &"****")
            .field("recipient", &mask_name(&self.recipient))
            .field("phone", &mask_phone(&self.phone))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Names(HashMap<&'static str, &'static str>);
    impl DivisionNames for Names {
        fn division_name(&self, code: &str) -> Option<&str> {
            self.0.get(code).copied().filter(|n| *n != "市辖区")
        }
    }

    fn names() -> Names {
        Names(HashMap::from([
            ("330000", "浙江省"),
            ("330200", "宁波市"),
            ("330225", "象山县"),
            ("330225101", "石浦镇"),
            ("330225101001", "中山社区居委会"),
            ("110000", "北京市"),
            ("440000", "广东省"),
            ("441900", "东莞市"),
            ("441900003", "东城街道"),
            ("110100", "市辖区"),
            ("110101", "东城区"),
            ("110101001", "东华门街道"),
        ]))
    }

    fn shipu() -> DivisionCodes {
        DivisionCodes::from_path(&["330000", "330200", "330225", "330225101"]).unwrap()
    }

    #[test]
    fn a_valid_address_renders_in_full() {
        let address = PostalAddress::new(shipu(), " 中山路1号 ", "张三", "138 1234-5678").unwrap();
        assert_eq!(address.full_text(&names()), "浙江省宁波市象山县石浦镇中山路1号");
        assert_eq!(address.phone(), "13812345678");
        let mut codes = shipu();
        codes.village = Some("330225101001".into());
        let address = PostalAddress::new(codes, "中山路1号", "欧阳小明", "13812345678").unwrap();
        assert_eq!(address.full_text(&names()), "浙江省宁波市象山县石浦镇中山社区中山路1号");
        let beijing = DivisionCodes::from_path(&["110000", "110100", "110101", "110101001"]).unwrap();
        let address = PostalAddress::new(beijing, "1号", "John Smith", "13812345678").unwrap();
        assert_eq!(address.full_text(&names()), "北京市东城区东华门街道1号");
        let dongguan = DivisionCodes::from_path(&["440000", "441900", "441900003"]).unwrap();
        assert_eq!(dongguan.county, "441900");
        let address = PostalAddress::new(dongguan, "1号", "张三", "13812345678").unwrap();
        assert_eq!(address.full_text(&names()), "广东省东莞市东城街道1号");
    }

    #[test]
    fn every_problem_is_reported() {
        let mut codes = shipu();
        codes.township = "330226101".into();
        let problems = PostalAddress::new(codes, "  ", "123", "2381234567").unwrap_err();
        assert_eq!(
            problems,
            [
                AddressError::Division("township"),
                AddressError::StreetMissing,
                AddressError::Recipient,
                AddressError::Phone
            ]
        );
        let mut codes = shipu();
        codes.city = "340200".into();
        assert_eq!(
            PostalAddress::new(codes, "1号", "张三", "13812345678").unwrap_err(),
            [AddressError::Division("city")]
        );
        let long = "路".repeat(MAX_STREET_CHARS + 1);
        assert_eq!(
            PostalAddress::new(shipu(), &long, "张三", "13812345678").unwrap_err(),
            [AddressError::StreetTooLong]
        );
        assert_eq!(
            PostalAddress::new(shipu(), "1号", "张三", "1381234567").unwrap_err(),
            [AddressError::Phone]
        );
        assert!(DivisionCodes::from_path(&["330000", "330200", "330225"]).is_none());
    }

    #[test]
    fn debug_and_masked_forms_hide_personal_data() {
        let address = PostalAddress::new(shipu(), "中山路1号", "李小龙", "13812345678").unwrap();
        let debug = format!("{address:?}");
        assert_eq!(
            debug,
            r#"PostalAddress { city: "330200", street: "****", recipient: "李*龙", phone: "138****5678" }"#
        );
        assert!(!debug.contains("中山路") && !debug.contains("330225101"));
        assert_eq!(address.masked_text(&names()), "浙江省宁波市****");
        let delivery = address.to_delivery(&names());
        assert_eq!(delivery.masked(), "express 李*龙 138****5678 浙江省宁波市****");
    }
}
