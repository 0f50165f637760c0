//! The unified social credit code (统一社会信用代码, GB 32100-2015) that identifies an
//! enterprise or organisation applicant: 18 characters from a 31-character alphabet (no I,
//! O, Z, S, V), the last a check character over the first 17 (weights 3^i mod 31).
//!
//! Layout: registration authority (1), organisation kind (1), administrative division (6),
//! organisation code (9, GB 11714), check (1). The authority and kind must be a pair the
//! standard defines (annex A: 9 = market regulation has kinds 1–3 only), and the division
//! must start with a province of GB/T 2260. A code is public, not personal data.

use std::fmt;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("a unified social credit code has 18 characters")]
    Length,
    #[error("character {0} is not allowed in a unified social credit code (no I, O, Z, S, V)")]
    Character(usize),
    #[error("the check character does not match (a character was mistyped)")]
    Check,
    #[error("the first two characters are no registration authority and kind of GB 32100")]
    Kind,
    #[error("characters 3 to 8 are no administrative division")]
    Region,
}

/// The registration authorities of GB 32100-2015 (annex A) and the organisation kinds each
/// defines.
const KINDS: &[(u8, &[u8])] = &[
    (b'1', b"1239"),   // 机构编制: 机关, 事业单位, 群众团体, 其他
    (b'2', b"19"),     // 外交
    (b'3', b"123459"), // 司法行政: 律所, 公证处, 基层法律服务所, 司法鉴定, 仲裁委员会, 其他
    (b'4', b"19"),     // 文化
    (b'5', b"1239"),   // 民政: 社会团体, 民办非企业单位, 基金会, 其他
    (b'6', b"129"),    // 旅游
    (b'7', b"129"),    // 宗教
    (b'8', b"19"),     // 工会
    (b'9', b"123"),    // 市场监管(工商): 企业, 个体工商户, 农民专业合作社
    (b'A', b"19"),     // 中央军委改革和编制办公室
    (b'N', b"1239"),   // 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    (b'Y', b"1"),      // 其他
];

/// The provinces (first two digits of a division code, GB/T 2260).
const PROVINCES: &[&str] = &[
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44",
    "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
];

/// Whether `code` (6 characters) can be a division code: six digits beginning with a
/// province. (The kiosk checks the whole code against its division table where it has one.)
pub fn plausible_division(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) && PROVINCES.contains(&&code[..2])
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|a| *a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters.
pub fn check_character(first17: &[u8]) -> Option<char> {
    let mut sum = 0;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += value(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize] as char)
}

impl CreditCode {
    /// Parses a code typed or read back (case-insensitive, spaces ignored).
    pub fn parse(text: &str) -> Result<CreditCode, CreditCodeError> {
        let code: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if code.chars().count() != 18 {
            return Err(CreditCodeError::Length);
        }
        let bytes = code.as_bytes();
        if let Some(bad) = bytes.iter().position(|b| value(*b).is_none()) {
            return Err(CreditCodeError::Character(bad + 1));
        }
        if check_character(&bytes[..17]) != Some(bytes[17] as char) {
            return Err(CreditCodeError::Check);
        }
        let kinds = KINDS.iter().find(|(authority, _)| *authority == bytes[0]);
        if !kinds.is_some_and(|(_, kinds)| kinds.contains(&bytes[1])) {
            return Err(CreditCodeError::Kind);
        }
        if !plausible_division(&code[2..8]) {
            return Err(CreditCodeError::Region);
        }
        Ok(CreditCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The administrative division where the organisation registered (characters 3–8).
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }

    /// The registration authority (1 = 机构编制, 5 = 民政, 9 = 市场监管/工商, …).
    pub fn authority(&self) -> char {
        self.0.as_bytes()[0] as char
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({})", self.0)
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A code built here for the tests (not a real organisation's): 91 + 330225 + 9 chars,
    // check computed independently below.
    fn example() -> String {
        let body = "9133022500000000A";
        let check = check_character(body.as_bytes()).unwrap();
        format!("{body}{check}")
    }

    #[test]
    fn the_check_character_follows_gb_32100() {
        // Hand computation for the body 91330225 00000000A:
        // 9*1 + 1*3 + 3*9 + 3*27 + 0*19 + 2*26 + 2*16 + 5*17 + 0*... + A(10)*28 = 569;
        // 569 mod 31 = 11; 31 - 11 = 20 → alphabet[20] = 'L'.
        assert_eq!(check_character(b"9133022500000000A"), Some('L'));
        // The sample code widely published with the standard's explanations.
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        let code = CreditCode::parse(&example()).unwrap();
        assert_eq!(code.region_code(), "330225");
        assert_eq!(code.authority(), '9');
        assert_eq!(CreditCode::parse(&example().to_lowercase()).unwrap(), code);
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(CreditCode::parse("91330225"), Err(CreditCodeError::Length));
        assert_eq!(
            CreditCode::parse("9133022500000000IL"),
            Err(CreditCodeError::Character(17))
        );
        let mut wrong = example().into_bytes();
        wrong[5] = if wrong[5] == b'1' { b'2' } else { b'1' };
        assert_eq!(
            CreditCode::parse(std::str::from_utf8(&wrong).unwrap()),
            Err(CreditCodeError::Check)
        );
        // A right check character does not make a code: the authority and kind, and the
        // division, must exist (999999198502300073 is a resident ID number's shape).
        let with_check = |body: &str| format!("{body}{}", check_character(body.as_bytes()).unwrap());
        assert_eq!(CreditCode::parse("999999198502300073"), Err(CreditCodeError::Kind));
        assert_eq!(
            CreditCode::parse(&with_check("99999919850230007")),
            Err(CreditCodeError::Kind)
        );
        assert_eq!(
            CreditCode::parse(&with_check("91999919850230007")),
            Err(CreditCodeError::Region)
        );
        assert_eq!(
            CreditCode::parse(&with_check("Y1330225MA2B3C4D5")).map(|c| c.authority()),
            Ok('Y')
        );
        // Swapping two neighbours is caught as well.
        let mut swapped = example().into_bytes();
        swapped.swap(2, 3);
        if swapped != example().into_bytes() {
            assert!(CreditCode::parse(std::str::from_utf8(&swapped).unwrap()).is_err());
        }
    }
}
