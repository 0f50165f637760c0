//! The kiosk's one way to write a file that must never be seen half-written: keys, the
//! receipt high-water mark, the catalogue cache and the technician's overrides. Built on the
//! `atomic-write-file` crate: a temporary file beside the target, created 0600 (never more
//! open, not even for a moment), written, fsynced, renamed over the target, and the directory
//! fsynced. A crash leaves the old content or the new, never a mix; an error leaves the old
//! file and no temporary one.

use atomic_write_file::unix::OpenOptionsExt as _;
use atomic_write_file::AtomicWriteFile;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

/// Replaces (or creates) `path` with `bytes`, mode 0600, atomically and durably.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = AtomicWriteFile::options();
    options.preserve_mode(false).preserve_owner(false).mode(0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// The file beside `path` that holds its next content during a [`write_pair`].
fn next(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".next");
    name.into()
}

/// Replaces two files that only work together (a key and its certificate) so that a crash
/// never leaves one new and one old for good: both new contents are written beside their
/// targets first (`NAME.next`, 0600), then the first is renamed over its target and the
/// second last. The second's `.next` file thus marks a switch that was interrupted, and
/// [`finish_pair`] (called before the pair is read) completes it.
pub fn write_pair(first: (&Path, &[u8]), second: (&Path, &[u8])) -> io::Result<()> {
    write_atomic(&next(first.0), first.1)?;
    write_atomic(&next(second.0), second.1)?;
    finish_pair(first.0, second.0)
}

/// Completes a [`write_pair`] that a crash interrupted, or forgets one that had not begun
/// switching (the first file's `.next` alone: the old pair is whole).
pub fn finish_pair(first: &Path, second: &Path) -> io::Result<()> {
    let (first_next, second_next) = (next(first), next(second));
    if !second_next.exists() {
        if first_next.exists() {
            std::fs::remove_file(&first_next)?;
        }
        return Ok(());
    }
    if first_next.exists() {
        std::fs::rename(&first_next, first)?;
    }
    std::fs::rename(&second_next, second)?;
    if let Some(dir) = second.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{finish_pair, next, write_atomic, write_pair};
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_file_is_replaced_whole_as_0600_with_nothing_left_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("overrides.toml");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-dir").join("key");
        assert!(write_atomic(&missing, b"x").is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_pair_switches_together_and_an_interrupted_switch_is_finished_or_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let (key, cert) = (dir.path().join("client.key"), dir.path().join("client.pem"));
        write_pair((&key, b"key 1"), (&cert, b"cert 1")).unwrap();
        let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap();
        assert_eq!((read(&key), read(&cert)), ("key 1".into(), "cert 1".into()));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no .next left");

        // A crash after both were written and the key switched: the certificate follows.
        write_atomic(&next(&cert), b"cert 2").unwrap();
        write_atomic(&key, b"key 2").unwrap();
        finish_pair(&key, &cert).unwrap();
        assert_eq!((read(&key), read(&cert)), ("key 2".into(), "cert 2".into()));
        // A crash before any switch, both written: both switch.
        write_atomic(&next(&key), b"key 3").unwrap();
        write_atomic(&next(&cert), b"cert 3").unwrap();
        finish_pair(&key, &cert).unwrap();
        assert_eq!((read(&key), read(&cert)), ("key 3".into(), "cert 3".into()));
        // A crash while the new pair was being written: the old pair stays, whole.
        write_atomic(&next(&key), b"key 4").unwrap();
        finish_pair(&key, &cert).unwrap();
        assert_eq!((read(&key), read(&cert)), ("key 3".into(), "cert 3".into()));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
