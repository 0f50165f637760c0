//! The kiosk key behind receipts' progress tokens: the token of a receipt is the first 128
//! bits of HMAC-SHA256(key, "progress:" + receipt number), in hex. Without the key, one
//! receipt's token says nothing about any other's, so the sequential receipt numbers do not
//! let anyone walk through other people's applications. Where the key is kept is the
//! kiosk's business (`app::progress`); this is only the rule.

use crate::domain::receipt::{ProgressToken, ReceiptNumber};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

pub const KEY_LEN: usize = 32;

#[derive(Clone, PartialEq, Eq)]
pub struct ProgressKey([u8; KEY_LEN]);

impl fmt::Debug for ProgressKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressKey(***)")
    }
}

impl ProgressKey {
    pub fn from_bytes(key: [u8; KEY_LEN]) -> ProgressKey {
        ProgressKey(key)
    }

    /// The token printed (inside the QR's URL) on the receipt `number`.
    pub fn token(&self, number: &ReceiptNumber) -> ProgressToken {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(b"progress:");
        mac.update(number.as_str().as_bytes());
        let digest = mac.finalize().into_bytes();
        let hex = hex::encode(&digest[..ProgressToken::MIN_HEX_CHARS / 2]);
        ProgressToken::new(&hex).expect("32 hex characters make a token")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::Date;

    #[test]
    fn a_token_is_the_first_half_of_the_hmac_of_the_number() {
        // Pinned against Python's hmac module: HMAC-SHA256(7 × 32 bytes, "progress:" + number).
        let number = ReceiptNumber::issue("XSSP", Date::parse("2026-11-26").unwrap(), 1).unwrap();
        let token = ProgressKey::from_bytes([7; 32]).token(&number);
        assert_eq!(
            (number.as_str(), token.as_str()),
            ("XSSP-261126-0001-E", "96e668d11a1d0a5f69ecee2db0d0c8b0")
        );
    }

    #[test]
    fn tokens_of_neighbouring_receipts_are_unrelated() {
        let key = ProgressKey::from_bytes([7; 32]);
        let day = Date::parse("2026-11-26").unwrap();
        let first = ReceiptNumber::issue("XSSP", day, 1).unwrap();
        let second = ReceiptNumber::issue("XSSP", day, 2).unwrap();
        let (a, b) = (key.token(&first), key.token(&second));
        assert_eq!(a.as_str().len(), 32, "128 bits");
        assert_eq!(a, key.token(&first), "a reprint carries the same token");
        let same_place = a
            .as_str()
            .bytes()
            .zip(b.as_str().bytes())
            .filter(|(x, y)| x == y)
            .count();
        assert!(same_place <= 8, "{a:?} and {b:?} share {same_place} of 32 hex places");
        assert!(!a.as_str().contains(first.as_str()) && !first.as_str().contains(a.as_str()));
        assert_ne!(a, ProgressKey::from_bytes([8; 32]).token(&first), "another kiosk's key");
        assert!(!format!("{key:?} {a:?}").contains(a.as_str()));
    }
}
