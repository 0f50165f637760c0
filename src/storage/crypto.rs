//! Column-level encryption of personal data at rest: XChaCha20-Poly1305 with a random
//! 24-byte nonce per value and associated data that binds each value to its table, column
//! and row, so a sealed value copied to another row does not open.
//!
//! The 32-byte key lives in a file of its own, created 0600 on first run and never
//! regenerated (a new key would make every stored application unreadable).

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("key file {path}: {source}")]
    KeyFile { path: String, source: std::io::Error },
    #[error("key file {path} holds {len} bytes, not {KEY_LEN}: refusing to replace it (stored data would become unreadable)")]
    KeyLength { path: String, len: usize },
    #[error("a sealed value failed to open (wrong key, wrong row, or tampered)")]
    Open,
    #[error("sealing failed")]
    Seal,
}

pub struct FieldCipher {
    cipher: XChaCha20Poly1305,
}

impl FieldCipher {
    pub fn from_key(key: &[u8; KEY_LEN]) -> FieldCipher {
        FieldCipher {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// Loads the key file, creating it (0600, random) if it does not exist yet.
    pub fn load_or_create(path: &Path) -> Result<FieldCipher, CryptoError> {
        let shown = path.display().to_string();
        let io = |source| CryptoError::KeyFile {
            path: shown.clone(),
            source,
        };
        match fs::read(path) {
            Ok(bytes) => {
                let key: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| CryptoError::KeyLength {
                    path: shown.clone(),
                    len: bytes.len(),
                })?;
                let mode = fs::metadata(path).map_err(io)?.permissions().mode();
                if mode & 0o077 != 0 {
                    log::warn!(
                        "key file {shown} was readable by others (mode {:o}); tightened to 0600",
                        mode & 0o777
                    );
                    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(io)?;
                }
                Ok(FieldCipher::from_key(&key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    fs::create_dir_all(dir).map_err(io)?;
                }
                let key: [u8; KEY_LEN] = XChaCha20Poly1305::generate_key(&mut OsRng).into();
                let mut file = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path)
                    .map_err(io)?;
                file.write_all(&key).map_err(io)?;
                file.sync_all().map_err(io)?;
                Ok(FieldCipher::from_key(&key))
            }
            Err(e) => Err(io(e)),
        }
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
    fn key_file_is_created_0600_reused_and_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/data.key");
        let sealed = FieldCipher::load_or_create(&path).unwrap().seal("x", b"v").unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(
            FieldCipher::load_or_create(&path).unwrap().open("x", &sealed).unwrap(),
            b"v"
        );
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        FieldCipher::load_or_create(&path).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        fs::write(&path, b"short").unwrap();
        assert!(matches!(
            FieldCipher::load_or_create(&path),
            Err(CryptoError::KeyLength { len: 5, .. })
        ));
        assert_eq!(fs::read(&path).unwrap(), b"short");
    }
}
