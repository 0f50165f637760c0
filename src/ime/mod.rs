//! The pinyin input engine and the administrative-division table behind the on-screen
//! keyboard and the address picker (issue 11). Pure Rust and Slint-free: the UI layer calls
//! [`Engine::query`] with the citizen's pinyin buffer and shows the [`Candidate`]s.
//!
//! Data (see packaging/pinyin/README.md): the Rime pinyin_simp word list and the
//! statistics-bureau division table are embedded with `include_str!`, so the binary works
//! without installed files; the package's copies in `/usr/share/township-kiosk/` win when
//! present ([`crate::data`]); [`Engine::load_files`] and [`DivisionTable::load_file`]
//! read replacements. The only I/O in this module is in those loaders.
//!
//! Privacy: the engine keeps no state between queries and never learns from what is typed;
//! a shared public terminal must not remember a citizen's words.

mod annotate;
pub mod divisions;
mod engine;
pub mod handwriting;
mod syllables;
#[cfg(test)]
mod tests;

pub use divisions::{AddressStart, Division, DivisionTable, Level};
pub use engine::{Candidate, Engine, LoadStats, QueryOptions};

/// The embedded word list (`packaging/pinyin/words.tsv`).
pub const DEFAULT_WORDS: &str = include_str!("../../packaging/pinyin/words.tsv");
/// The embedded division table (`packaging/divisions.tsv`).
pub const DEFAULT_DIVISIONS: &str = include_str!("../../packaging/divisions.tsv");

/// The installed word list (`pinyin/words.tsv` in the data directory), else the embedded one.
pub fn default_words() -> std::borrow::Cow<'static, str> {
    crate::data::text("pinyin/words.tsv", DEFAULT_WORDS)
}

/// The installed division table, else the embedded one.
pub fn default_divisions() -> std::borrow::Cow<'static, str> {
    crate::data::text("divisions.tsv", DEFAULT_DIVISIONS)
}

/// A data file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{file} line {line}: {problem}")]
    Syntax { file: String, line: usize, problem: String },
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
}

fn read(path: &std::path::Path) -> Result<String, DataError> {
    std::fs::read_to_string(path).map_err(|e| DataError::Io(path.display().to_string(), e))
}
