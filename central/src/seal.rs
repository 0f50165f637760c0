//! Sealing personal data at rest: applications' bodies (name, ID number, phone, address),
//! booking and complaint phones and texts, replayed answers, and finished photos are stored
//! encrypted with AES-256-GCM under a key kept in `seal.keys` (mode 0600) in the server
//! directory, never in the database, so a stolen backup of `central.db` or a PostgreSQL dump
//! holds no personal data in clear. Each value is bound to its column (the AAD), so a sealed
//! phone cannot be passed off as an application body.
//!
//! `seal.keys` holds one key per line, `ID HEX`, the newest first: values are sealed with the
//! newest and opened with whichever sealed them. `township-central seal-rotate` adds a key,
//! re-seals every value with it and drops the old keys. Values written before sealing
//! existed are read as they are (and sealed at the next rotation).

use anyhow::{bail, Context, Result};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use std::path::Path;

pub const KEYS_FILE: &str = "seal.keys";
/// How a sealed text value starts.
const TEXT_PREFIX: &str = "sealed1:";
/// How a sealed byte value starts.
const BYTES_MAGIC: &[u8; 6] = b"SEAL1\0";

/// The keys, the newest first.
pub struct Sealer {
    keys: Vec<(u32, LessSafeKey)>,
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system's random source works");
    bytes
}

fn parse_keys(text: &str) -> Result<Vec<(u32, LessSafeKey)>> {
    let mut keys = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (id, hex_key) = line.split_once(' ').context("a key line is `ID HEX`")?;
        let bytes = hex::decode(hex_key.trim()).context("a key is hex")?;
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| anyhow::anyhow!("a key is 32 bytes"))?;
        keys.push((id.parse().context("a key id is a number")?, LessSafeKey::new(key)));
    }
    if keys.is_empty() {
        bail!("no key");
    }
    Ok(keys)
}

impl Sealer {
    /// The keys of `dir`, made (0600) when there are none yet.
    pub fn load_or_create(dir: &Path) -> Result<Sealer> {
        let path = dir.join(KEYS_FILE);
        if !path.exists() {
            let line = format!("1 {}\n", hex::encode(random::<32>()));
            crate::files::write_file(&path, line, 0o600)?;
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let keys = parse_keys(&text).with_context(|| format!("in {}", path.display()))?;
        Ok(Sealer { keys })
    }

    /// A sealer with one random key (tests, and the rotation's new key).
    pub fn random(id: u32) -> (Sealer, String) {
        let key = random::<32>();
        let line = format!("{id} {}", hex::encode(key));
        let keys = parse_keys(&line).expect("a fresh key parses");
        (Sealer { keys }, line)
    }

    fn newest(&self) -> &(u32, LessSafeKey) {
        &self.keys[0]
    }

    pub fn newest_id(&self) -> u32 {
        self.newest().0
    }

    /// `plain` sealed for `column`: key id, nonce, ciphertext and tag.
    pub fn seal(&self, column: &str, plain: &[u8]) -> Vec<u8> {
        let (id, key) = self.newest();
        let nonce = random::<NONCE_LEN>();
        let mut data = plain.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(column.as_bytes()),
            &mut data,
        )
        .expect("sealing never fails for these sizes");
        let mut out = Vec::with_capacity(BYTES_MAGIC.len() + 4 + NONCE_LEN + data.len());
        out.extend_from_slice(BYTES_MAGIC);
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&data);
        out
    }

    /// The plain bytes of a value of `column` (a value from before sealing as it is).
    pub fn open(&self, column: &str, stored: &[u8]) -> Result<Vec<u8>> {
        let Some(rest) = stored.strip_prefix(BYTES_MAGIC.as_slice()) else {
            return Ok(stored.to_vec());
        };
        if rest.len() < 4 + NONCE_LEN {
            bail!("a sealed value of {column} is cut short");
        }
        let id = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let nonce: [u8; NONCE_LEN] = rest[4..4 + NONCE_LEN].try_into().expect("length checked");
        let Some((_, key)) = self.keys.iter().find(|(k, _)| *k == id) else {
            bail!("a value of {column} is sealed with key {id}, which seal.keys does not hold");
        };
        let mut data = rest[4 + NONCE_LEN..].to_vec();
        let plain = key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(column.as_bytes()),
                &mut data,
            )
            .map_err(|_| anyhow::anyhow!("a sealed value of {column} does not open (wrong key or column)"))?;
        Ok(plain.to_vec())
    }

    /// A text value sealed for `column` (as text: the prefix and hex).
    pub fn seal_text(&self, column: &str, plain: &str) -> String {
        format!("{TEXT_PREFIX}{}", hex::encode(self.seal(column, plain.as_bytes())))
    }

    /// The plain text of a text value of `column` (a value from before sealing as it is).
    pub fn open_text(&self, column: &str, stored: &str) -> Result<String> {
        let Some(hex_value) = stored.strip_prefix(TEXT_PREFIX) else {
            return Ok(stored.to_string());
        };
        let bytes = hex::decode(hex_value).context("a sealed text is hex")?;
        String::from_utf8(self.open(column, &bytes)?).context("a sealed text is UTF-8")
    }

    /// Whether `stored` is sealed with the newest key.
    pub fn is_current(&self, stored: &[u8]) -> bool {
        stored
            .strip_prefix(BYTES_MAGIC.as_slice())
            .is_some_and(|rest| rest.len() >= 4 && rest[..4] == self.newest_id().to_be_bytes())
    }
}

/// `township-central seal-rotate`'s first step: a new key in front of the old ones (the
/// old ones stay until every value is re-sealed). Returns the sealer with all keys.
pub fn add_key(dir: &Path) -> Result<Sealer> {
    let path = dir.join(KEYS_FILE);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let next = parse_keys(&old)
        .map(|k| k.iter().map(|(id, _)| *id).max().unwrap_or(0) + 1)
        .unwrap_or(1);
    let (_, line) = Sealer::random(next);
    crate::files::write_file(&path, format!("{line}\n{old}"), 0o600)?;
    Sealer::load_or_create(dir)
}

/// The rotation's last step: only the newest key stays.
pub fn drop_old_keys(dir: &Path) -> Result<()> {
    let path = dir.join(KEYS_FILE);
    let text = std::fs::read_to_string(&path)?;
    let newest = text.lines().find(|l| !l.trim().is_empty()).context("no key")?;
    crate::files::write_file(&path, format!("{newest}\n"), 0o600)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_opens_only_for_its_column_and_plain_values_pass() {
        let (sealer, _) = Sealer::random(1);
        let sealed = sealer.seal_text("applications.body", "陈小燕 330225199003150027");
        assert!(sealed.starts_with(TEXT_PREFIX) && !sealed.contains("330225"));
        assert_eq!(
            sealer.open_text("applications.body", &sealed).unwrap(),
            "陈小燕 330225199003150027"
        );
        assert!(
            sealer.open_text("bookings.phone", &sealed).is_err(),
            "bound to its column"
        );
        assert_eq!(
            sealer.open_text("bookings.phone", "13912345678").unwrap(),
            "13912345678"
        );
        let bytes = sealer.seal("upload_chunks.data", b"\xff\xd8 photo");
        assert_eq!(sealer.open("upload_chunks.data", &bytes).unwrap(), b"\xff\xd8 photo");
        assert!(sealer.is_current(&bytes));
        let (other, _) = Sealer::random(2);
        assert!(other.open("upload_chunks.data", &bytes).is_err(), "another key");
        assert_ne!(
            sealer.seal("c", b"x"),
            sealer.seal("c", b"x"),
            "a fresh nonce each time"
        );
    }

    #[test]
    fn rotation_keeps_old_values_readable_until_they_are_sealed_again() {
        let dir = tempfile::tempdir().unwrap();
        let first = Sealer::load_or_create(dir.path()).unwrap();
        let old = first.seal("c", b"kept");
        let both = add_key(dir.path()).unwrap();
        assert_eq!(both.newest_id(), 2);
        assert_eq!(both.open("c", &old).unwrap(), b"kept");
        assert!(!both.is_current(&old));
        let resealed = both.seal("c", b"kept");
        drop_old_keys(dir.path()).unwrap();
        let only = Sealer::load_or_create(dir.path()).unwrap();
        assert_eq!(only.open("c", &resealed).unwrap(), b"kept");
        assert!(only.open("c", &old).is_err());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(KEYS_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
