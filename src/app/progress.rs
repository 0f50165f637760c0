//! The kiosk key behind receipts' progress tokens: the token of a receipt is the first 128
//! bits of HMAC-SHA256(key, "progress:" + receipt number), in hex. Without the key, one
//! receipt's token says nothing about any other's, so the sequential receipt numbers no
//! longer let anyone walk through other people's applications.
//!
//! The 32-byte key lives in `<state-dir>/progress.key` (0600). It is created atomically on
//! first use (temporary file, fsync, link into place, fsync of the directory) and never
//! replaced: a new key would void every printed QR. The central system's progress page
//! gets the same key when the kiosk is enrolled (provision the file before first start).

use crate::domain::receipt::{ProgressToken, ReceiptNumber};
use chacha20poly1305::aead::{KeyInit, OsRng};
use chacha20poly1305::XChaCha20Poly1305;
use sha2::{Digest, Sha256};
use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

pub const KEY_FILE: &str = "progress.key";
const KEY_LEN: usize = 32;

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

    /// Loads `<state_dir>/progress.key`, creating it when there is none yet.
    pub fn load_or_create(state_dir: &Path) -> io::Result<ProgressKey> {
        let path = state_dir.join(KEY_FILE);
        match fs::read(&path) {
            Ok(bytes) => Self::from_file_bytes(&path, bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Self::create(&path),
            Err(e) => Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
        }
    }

    fn from_file_bytes(path: &Path, bytes: Vec<u8>) -> io::Result<ProgressKey> {
        let len = bytes.len();
        let key: [u8; KEY_LEN] = bytes.try_into().map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} holds {len} bytes, not {KEY_LEN}: refusing to replace it (printed receipts' QR codes depend on it); restore it from the enrolment record",
                    path.display()
                ),
            )
        })?;
        Ok(ProgressKey(key))
    }

    fn create(path: &Path) -> io::Result<ProgressKey> {
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir)?;
        let key: [u8; KEY_LEN] = XChaCha20Poly1305::generate_key(&mut OsRng).into();
        let tmp = dir.join(format!(".{KEY_FILE}.{}.tmp", std::process::id()));
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(&key)?;
        file.sync_all()?;
        // A link never replaces: if another process made the key meanwhile, use that one.
        let linked = fs::hard_link(&tmp, path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => {
                fs::File::open(dir)?.sync_all()?;
                Ok(ProgressKey(key))
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Self::from_file_bytes(path, fs::read(path)?),
            Err(e) => Err(e),
        }
    }

    /// The token printed (inside the QR's URL) on the receipt `number`.
    pub fn token(&self, number: &ReceiptNumber) -> ProgressToken {
        let mac = hmac_sha256(&self.0, format!("progress:{}", number.as_str()).as_bytes());
        let hex: String = mac[..ProgressToken::MIN_HEX_CHARS / 2]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        ProgressToken::new(&hex).expect("32 hex characters make a token")
    }
}

/// HMAC-SHA256 (RFC 2104) over the `sha2` digest.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|k| k ^ byte);
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::Date;
    use std::os::unix::fs::PermissionsExt;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hmac_matches_the_rfc_4231_vectors() {
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
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

    #[test]
    fn the_key_file_is_created_once_0600_and_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let key = ProgressKey::load_or_create(&state).unwrap();
        let path = state.join(KEY_FILE);
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(ProgressKey::load_or_create(&state).unwrap(), key);
        assert_eq!(fs::read_dir(&state).unwrap().count(), 1, "no temporary file is left");
        fs::write(&path, b"short").unwrap();
        let error = ProgressKey::load_or_create(&state).unwrap_err().to_string();
        assert!(
            error.contains("progress.key") && error.contains("refusing to replace"),
            "{error}"
        );
        assert_eq!(fs::read(&path).unwrap(), b"short");
    }
}
