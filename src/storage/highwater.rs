//! The receipt sequence's high-water mark outside the database: a small file beside it,
//! `receipt-highwater`, one `PREFIX YYYY-MM-DD LAST` line per prefix and day, replaced
//! atomically. A database that is moved aside after damage takes its sequence with it; the
//! next number is `max(database, file) + 1`, so no receipt number is ever issued twice.
//! The file is written before the submission commits: a crash in between leaves a gap in
//! the sequence, never a repeat.

use super::{write_atomic, StorageError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const HIGHWATER_FILE: &str = "receipt-highwater";

/// Days older than this (before the newest day in the file) are dropped: their numbers
/// carry their date, so they cannot come back.
const KEEP_DAYS: usize = 62;

pub(crate) struct HighWater {
    path: PathBuf,
}

type Marks = BTreeMap<(String, String), u32>;

impl HighWater {
    /// The mark file beside the database at `db_path`.
    pub(crate) fn beside(db_path: &Path) -> HighWater {
        let dir = db_path.parent().unwrap_or(Path::new("."));
        HighWater {
            path: dir.join(HIGHWATER_FILE),
        }
    }

    fn unreadable(&self, why: String) -> StorageError {
        StorageError::Corrupt(format!(
            "receipt high-water file {} is unreadable ({why}); a technician must check it before receipts are issued again",
            self.path.display()
        ))
    }

    fn read(&self) -> Result<Marks, StorageError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Marks::new()),
            Err(e) => return Err(self.unreadable(e.to_string())),
        };
        let mut marks = Marks::new();
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let [prefix, day, last] = parts[..] else {
                return Err(self.unreadable(format!("line {}", n + 1)));
            };
            let last: u32 = last.parse().map_err(|_| self.unreadable(format!("line {}", n + 1)))?;
            marks.insert((prefix.to_string(), day.to_string()), last);
        }
        Ok(marks)
    }

    /// The highest sequence number ever issued for `prefix` on `day` (0 if none).
    pub(crate) fn get(&self, prefix: &str, day: &str) -> Result<u32, StorageError> {
        Ok(self
            .read()?
            .get(&(prefix.to_string(), day.to_string()))
            .copied()
            .unwrap_or(0))
    }

    /// Raises the mark of `prefix`/`day` to at least `last`, durably.
    pub(crate) fn raise(&self, prefix: &str, day: &str, last: u32) -> Result<(), StorageError> {
        let mut marks = self.read()?;
        let entry = marks.entry((prefix.to_string(), day.to_string())).or_insert(0);
        if *entry >= last {
            return Ok(());
        }
        *entry = last;
        let mut days: Vec<&String> = marks.keys().map(|(_, d)| d).collect();
        days.sort();
        days.dedup();
        let oldest_kept = days.len().checked_sub(KEEP_DAYS).map(|i| days[i].clone());
        let mut text = String::new();
        for ((prefix, day), last) in &marks {
            if oldest_kept.as_ref().is_none_or(|oldest| day >= oldest) {
                text.push_str(&format!("{prefix} {day} {last}\n"));
            }
        }
        write_atomic(&self.path, text.as_bytes()).map_err(|e| match e.kind() {
            std::io::ErrorKind::StorageFull => StorageError::DiskFull,
            _ => StorageError::Io(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_only_rise_and_survive_rereading() {
        let dir = tempfile::tempdir().unwrap();
        let mark = HighWater::beside(&dir.path().join("kiosk.db"));
        assert_eq!(mark.get("XS01", "2026-11-26").unwrap(), 0);
        mark.raise("XS01", "2026-11-26", 3).unwrap();
        mark.raise("XS01", "2026-11-26", 2).unwrap();
        mark.raise("XS02", "2026-11-26", 9).unwrap();
        assert_eq!(mark.get("XS01", "2026-11-26").unwrap(), 3);
        assert_eq!(mark.get("XS02", "2026-11-26").unwrap(), 9);
        assert_eq!(mark.get("XS01", "2026-11-27").unwrap(), 0);
        std::fs::write(dir.path().join(HIGHWATER_FILE), "XS01 2026-11-26 x\n").unwrap();
        let error = mark.get("XS01", "2026-11-26").unwrap_err().to_string();
        assert!(
            error.contains("receipt-highwater") && error.contains("line 1"),
            "{error}"
        );
    }
}
