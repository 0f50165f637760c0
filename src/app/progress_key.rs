//! Where the kiosk keeps the key behind receipts' progress tokens (the rule itself is
//! `township_core::domain::progress_key`).
//!
//! The 32-byte key lives in `<state-dir>/progress.key` (0600). It is created atomically on
//! first use (temporary file, fsync, link into place, fsync of the directory) and never
//! replaced: a new key would void every printed QR. The central system's progress page
//! gets the same key when the kiosk is enrolled (provision the file before first start).

pub use crate::domain::progress_key::ProgressKey;
use crate::domain::progress_key::KEY_LEN;
use chacha20poly1305::aead::{KeyInit, OsRng};
use chacha20poly1305::XChaCha20Poly1305;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

pub const KEY_FILE: &str = "progress.key";

/// Loads `<state_dir>/progress.key`, creating it when there is none yet.
pub fn load_or_create_key(state_dir: &Path) -> io::Result<ProgressKey> {
    let path = state_dir.join(KEY_FILE);
    match fs::read(&path) {
        Ok(bytes) => {
            refuse_shared(&path)?;
            key_from_file_bytes(&path, bytes)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => create_key(&path),
        Err(e) => Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
    }
}

/// A key file that group or others can read is refused, with what to do.
fn refuse_shared(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} can be read by others (mode {mode:o}): run `chmod 600 {}` — anyone who reads it can make receipts' progress tokens",
                path.display(),
                path.display()
            ),
        ));
    }
    Ok(())
}

fn key_from_file_bytes(path: &Path, bytes: Vec<u8>) -> io::Result<ProgressKey> {
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
    Ok(ProgressKey::from_bytes(key))
}

fn create_key(path: &Path) -> io::Result<ProgressKey> {
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
            Ok(ProgressKey::from_bytes(key))
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => key_from_file_bytes(path, fs::read(path)?),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_key_file_is_created_once_0600_and_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let key = load_or_create_key(&state).unwrap();
        let path = state.join(KEY_FILE);
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(load_or_create_key(&state).unwrap(), key);
        assert_eq!(fs::read_dir(&state).unwrap().count(), 1, "no temporary file is left");
        fs::write(&path, b"short").unwrap();
        let error = load_or_create_key(&state).unwrap_err().to_string();
        assert!(
            error.contains("progress.key") && error.contains("refusing to replace"),
            "{error}"
        );
        assert_eq!(fs::read(&path).unwrap(), b"short");
    }

    #[test]
    fn a_key_file_others_can_read_stops_the_start() {
        let dir = tempfile::tempdir().unwrap();
        load_or_create_key(dir.path()).unwrap();
        let path = dir.path().join(KEY_FILE);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let error = load_or_create_key(dir.path()).unwrap_err().to_string();
        assert!(error.contains("chmod 600") && error.contains("644"), "{error}");
    }
}
