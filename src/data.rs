//! The packaged data files: catalogue, printer profiles, the receipt fonts list, the pinyin
//! word list and the division table. An installed package puts them in
//! `/usr/share/township-kiosk/` (`$KIOSK_DATA_DIR` points elsewhere); the installed file
//! wins, and a development checkout without the package uses the copy embedded at build
//! time, so both read the same data.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// Where the package installs the data files.
pub const DATA_DIR: &str = "/usr/share/township-kiosk";

/// `$KIOSK_DATA_DIR`, else [`DATA_DIR`].
pub fn data_dir() -> PathBuf {
    std::env::var_os("KIOSK_DATA_DIR").map_or_else(|| PathBuf::from(DATA_DIR), PathBuf::from)
}

/// The installed data file `name` (relative to the data directory), if present.
pub fn installed(name: &str) -> Option<PathBuf> {
    let path = data_dir().join(name);
    path.is_file().then_some(path)
}

/// The installed file's text, else `embedded` (also when the installed file cannot be
/// read, with a warning naming it).
pub fn text(name: &str, embedded: &'static str) -> Cow<'static, str> {
    match installed(name) {
        Some(path) => read_or(&path, embedded),
        None => Cow::Borrowed(embedded),
    }
}

fn read_or(path: &Path, embedded: &'static str) -> Cow<'static, str> {
    match std::fs::read_to_string(path) {
        Ok(text) => Cow::Owned(text),
        Err(e) => {
            log::warn!("{}: {e}; using the embedded copy", path.display());
            Cow::Borrowed(embedded)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_installed_file_falls_back_to_the_embedded_copy() {
        assert_eq!(text("no-such-file.toml", "embedded"), "embedded");
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_or(&dir.path().join("absent"), "e"), "e");
        std::fs::write(dir.path().join("x.tsv"), "installed").unwrap();
        assert_eq!(read_or(&dir.path().join("x.tsv"), "e"), "installed");
    }
}
