//! Printer profiles (hardware/printers.toml): what a model can do, so the encoder emits
//! only what it understands: paper width in dots, the Chinese font's character set,
//! Chinese mode, native or image QR, the cut command, status support, raster band height.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const EMBEDDED_PROFILES: &str = include_str!("../../../hardware/printers.toml");
pub const DEFAULT_PROFILE: &str = "generic-80mm";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Charset {
    /// GB 2312 only (6763 hanzi): common on cheap 58 mm printers.
    Gb2312,
    /// All 2-byte GBK codes.
    Gbk,
    /// GB 18030 including 4-byte sequences.
    Gb18030,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QrSupport {
    Native,
    Image,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cut {
    Partial,
    Full,
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StatusSupport {
    DleEot,
    Asb,
    None,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PrinterProfile {
    #[serde(skip)]
    pub name: String,
    pub description: String,
    pub dots_per_line: u32,
    pub charset: Charset,
    pub chinese_mode: bool,
    pub qr: QrSupport,
    pub cut: Cut,
    pub status: StatusSupport,
    pub band_rows: u32,
    pub code128: bool,
}

impl PrinterProfile {
    /// Columns of Font A (12 dots wide) per line; a hanzi takes two.
    pub fn columns(&self) -> usize {
        (self.dots_per_line / 12) as usize
    }

    /// Whether the printer's own font prints `c` (in FS & Chinese mode, GB18030 bytes).
    pub fn can_print(&self, c: char) -> bool {
        if c.is_ascii() {
            return !c.is_ascii_control();
        }
        let mut buf = [0u8; 4];
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(c.encode_utf8(&mut buf));
        if unmappable {
            return false;
        }
        match (self.charset, bytes.len()) {
            (Charset::Gb18030, _) => true,
            (_, 4) => false,
            (Charset::Gbk, 2) => true,
            // GB 2312 occupies rows 0xA1–0xF7, cells 0xA1–0xFE (EUC-CN).
            (Charset::Gb2312, 2) => (0xA1..=0xF7).contains(&bytes[0]) && (0xA1..=0xFE).contains(&bytes[1]),
            _ => false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("printer profiles: {0}")]
    Syntax(String),
    #[error("no printer profile {name:?}; known: {known}")]
    Unknown { name: String, known: String },
    #[error("profile {name}: {problem}")]
    Invalid { name: String, problem: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    profile: BTreeMap<String, PrinterProfile>,
}

/// All profiles from `text` (the embedded file unless one is configured).
pub fn parse_profiles(text: &str) -> Result<BTreeMap<String, PrinterProfile>, ProfileError> {
    let file: ProfileFile = toml::from_str(text).map_err(|e| ProfileError::Syntax(e.to_string()))?;
    let mut profiles = BTreeMap::new();
    for (name, mut profile) in file.profile {
        profile.name = name.clone();
        let problem = if !(256..=832).contains(&profile.dots_per_line) || profile.dots_per_line % 8 != 0 {
            Some("dots-per-line must be a multiple of 8 between 256 and 832")
        } else if !(8..=2047).contains(&profile.band_rows) {
            Some("band-rows must be between 8 and 2047")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(ProfileError::Invalid {
                name,
                problem: problem.into(),
            });
        }
        profiles.insert(name, profile);
    }
    Ok(profiles)
}

pub fn profile(name: &str) -> Result<PrinterProfile, ProfileError> {
    let text = crate::data::text("printers.toml", EMBEDDED_PROFILES);
    let profiles = parse_profiles(&text)?;
    let known = profiles.keys().cloned().collect::<Vec<_>>().join(", ");
    profiles.get(name).cloned().ok_or(ProfileError::Unknown {
        name: name.into(),
        known,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_profiles_parse() {
        let profiles = parse_profiles(EMBEDDED_PROFILES).unwrap();
        assert!(profiles.len() >= 6);
        assert_eq!(profile("generic-58mm").unwrap().columns(), 32);
        assert_eq!(profile("generic-80mm").unwrap().columns(), 48);
        assert!(matches!(profile("nope"), Err(ProfileError::Unknown { .. })));
    }

    #[test]
    fn character_coverage_follows_the_charset() {
        let gb2312 = profile("generic-58mm").unwrap();
        let gbk = profile("generic-80mm").unwrap();
        let gb18030 = profile("epson-tm-t82").unwrap();
        for p in [&gb2312, &gbk, &gb18030] {
            assert!(p.can_print('张') && p.can_print('A') && p.can_print('￥'));
            assert!(!p.can_print('\u{7}'));
        }
        // 堃 and 喆 are GBK but not GB 2312.
        assert!(!gb2312.can_print('堃') && gbk.can_print('堃') && gbk.can_print('喆'));
        // ¥ (U+00A5) and 𠮷 are 4-byte GB18030.
        assert!(!gbk.can_print('¥') && gb18030.can_print('¥'));
        assert!(!gbk.can_print('𠮷') && gb18030.can_print('𠮷'));
    }

    #[test]
    fn bad_profiles_are_refused() {
        let text = EMBEDDED_PROFILES.replacen("dots-per-line = 384", "dots-per-line = 385", 1);
        assert!(matches!(parse_profiles(&text), Err(ProfileError::Invalid { .. })));
        let text = EMBEDDED_PROFILES.replacen("band-rows = 128", "band-rowz = 128", 1);
        assert!(matches!(parse_profiles(&text), Err(ProfileError::Syntax(_))));
    }
}
