//! Column-level encryption of personal data at rest: XChaCha20-Poly1305 with a random
//! 24-byte nonce per value and associated data that binds each value to its table, column
//! and row, so a sealed value copied to another row does not open.
//!
//! The 32-byte key lives in a file of its own. It is created atomically (temp file 0600,
//! fsync, rename, fsync of the directory) and never replaced: the store decides whether a
//! missing key may be created (see `Store::open_in`), because a new key would make every
//! stored application unreadable. The same key also keys the audit chain, through a key
//! derived from it with HMAC-SHA256.

use super::write_atomic;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
/// Label of the audit-chain key derived from the data key.
const AUDIT_KEY_LABEL: &[u8] = b"township-kiosk audit-chain v1";

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("key file {path}: {source}")]
    KeyFile { path: String, source: std::io::Error },
    #[error("key file {path} holds {len} bytes, not {KEY_LEN}: refusing to replace it (stored data would become unreadable)")]
    KeyLength { path: String, len: usize },
    #[error("key file {path} can be read by others (mode {mode:o}): the key may have leaked; run `chmod 600 {path}` once you are sure it did not, or re-enrol the kiosk")]
    KeyShared { path: String, mode: u32 },
    #[error("a sealed value failed to open (wrong key, wrong row, or tampered)")]
    Open,
    #[error("sealing failed")]
    Seal,
}

pub struct FieldCipher {
    cipher: XChaCha20Poly1305,
    audit_key: [u8; KEY_LEN],
}

type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 of length-prefixed `parts` (so no two part lists collide).
fn hmac_parts(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length: `new_from_slice` cannot fail here.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// What the key file holds.
pub enum KeyFileState {
    Present(FieldCipher),
    /// No file, or an empty one (a crash while an old version created it).
    Absent,
}

impl FieldCipher {
    pub fn from_key(key: &[u8; KEY_LEN]) -> FieldCipher {
        FieldCipher {
            cipher: XChaCha20Poly1305::new(key.into()),
            audit_key: hmac_parts(key, &[AUDIT_KEY_LABEL]),
        }
    }

    /// A fresh random key (not yet saved anywhere).
    pub fn generate_key() -> [u8; KEY_LEN] {
        XChaCha20Poly1305::generate_key(&mut OsRng).into()
    }

    /// Reads the key file. Never creates or replaces it; a key others could read stops the
    /// start (it may have leaked: a technician decides).
    pub fn load(path: &Path) -> Result<KeyFileState, CryptoError> {
        let shown = path.display().to_string();
        let io = |source| CryptoError::KeyFile {
            path: shown.clone(),
            source,
        };
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(KeyFileState::Absent),
            Err(e) => return Err(io(e)),
        };
        if bytes.is_empty() {
            return Ok(KeyFileState::Absent);
        }
        let key: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| CryptoError::KeyLength {
            path: shown.clone(),
            len: bytes.len(),
        })?;
        let mode = fs::metadata(path).map_err(io)?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(CryptoError::KeyShared {
                path: shown,
                mode: mode & 0o777,
            });
        }
        Ok(KeyFileState::Present(FieldCipher::from_key(&key)))
    }

    /// Writes `key` to `path` atomically: a temp file 0600 in the same directory, fsync,
    /// rename over `path`, fsync of the directory. A crash leaves no key or the whole key.
    pub fn save_key(path: &Path, key: &[u8; KEY_LEN]) -> Result<(), CryptoError> {
        write_atomic(path, key).map_err(|source| CryptoError::KeyFile {
            path: path.display().to_string(),
            source,
        })
    }

    /// Hex HMAC-SHA256 of `parts` with the audit-chain key (derived from the data key).
    pub(crate) fn audit_mac(&self, parts: &[&[u8]]) -> String {
        hex::encode(hmac_parts(&self.audit_key, parts))
    }

    /// `nonce ‖ ciphertext+tag`, bound to `context` (e.g. `applications.personal:<uuid>`).
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Seal)?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < NONCE_LEN {
            return Err(CryptoError::Open);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_binding() {
        let cipher = FieldCipher::from_key(&[7; 32]);
        let sealed = cipher.seal("t.c:1", b"secret").unwrap();
        assert_eq!(cipher.open("t.c:1", &sealed).unwrap(), b"secret");
        assert!(matches!(cipher.open("t.c:2", &sealed), Err(CryptoError::Open)));
        let mut tampered = sealed.clone();
        tampered[30] ^= 1;
        assert!(cipher.open("t.c:1", &tampered).is_err());
        assert!(cipher.open("t.c:1", &sealed[..10]).is_err());
        assert_ne!(cipher.seal("t.c:1", b"secret").unwrap(), sealed, "nonces are random");
    }

    #[test]
    fn key_file_is_saved_0600_atomically_and_never_replaced_by_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.key");
        assert!(matches!(FieldCipher::load(&path).unwrap(), KeyFileState::Absent));
        let key = FieldCipher::generate_key();
        FieldCipher::save_key(&path, &key).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::read(&path).unwrap(), key);
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temp file left behind: {names:?}");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let error = FieldCipher::load(&path)
            .err()
            .expect("a shared key is refused")
            .to_string();
        assert!(error.contains("chmod 600") && error.contains("644"), "{error}");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let sealed = FieldCipher::from_key(&key).seal("x", b"v").unwrap();
        let KeyFileState::Present(loaded) = FieldCipher::load(&path).unwrap() else {
            panic!("key not loaded")
        };
        assert_eq!(loaded.open("x", &sealed).unwrap(), b"v");
        fs::write(&path, b"").unwrap();
        assert!(matches!(FieldCipher::load(&path).unwrap(), KeyFileState::Absent));
        fs::write(&path, b"short").unwrap();
        assert!(matches!(
            FieldCipher::load(&path),
            Err(CryptoError::KeyLength { len: 5, .. })
        ));
        assert_eq!(fs::read(&path).unwrap(), b"short");
    }

    #[test]
    fn the_audit_key_is_derived_from_the_data_key() {
        let a = FieldCipher::from_key(&[1; 32]);
        let b = FieldCipher::from_key(&[2; 32]);
        assert_eq!(a.audit_mac(&[b"x"]), FieldCipher::from_key(&[1; 32]).audit_mac(&[b"x"]));
        assert_ne!(a.audit_mac(&[b"x"]), b.audit_mac(&[b"x"]));
        assert_ne!(a.audit_mac(&[b"ab", b"c"]), a.audit_mac(&[b"a", b"bc"]));
    }
}
