//! Writing the server's files: atomically and durably, with their mode from the start
//! (atomic-write-file: a temporary file with that mode, fsync, rename, fsync of the
//! directory). A leaf: the server directory, the sealing keys and enrolment all use it.

use anyhow::{Context, Result};
use std::path::Path;

/// Writes `path` with `mode` (0600 for anything secret).
pub fn write_file(path: &Path, text: impl AsRef<[u8]>, mode: u32) -> Result<()> {
    use atomic_write_file::unix::OpenOptionsExt as _;
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt as _;
    let written = (|| {
        let mut options = atomic_write_file::AtomicWriteFile::options();
        options.preserve_mode(false).preserve_owner(false).mode(mode);
        let mut file = options.open(path)?;
        file.write_all(text.as_ref())?;
        file.commit()
    })();
    written.with_context(|| format!("writing {}", path.display()))
}
