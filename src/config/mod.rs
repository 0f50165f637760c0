//! Kiosk configuration: TOML with kebab-case keys, unknown keys refused, sane defaults per
//! section, and a semantic check after parsing that reports every problem at once with the
//! file, line and key.
//!
//! The packaged file (`/etc/township-kiosk/kiosk.toml`) is never written by the kiosk:
//! technician changes go to an overrides file (`<state-dir>/overrides.toml` by default),
//! merged key by key over the packaged one.

mod check;
mod locate;
mod model;

pub use model::*;

use std::fmt;
use std::path::{Path, PathBuf};

/// Where the packaged configuration lives on a kiosk.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/township-kiosk/kiosk.toml";

/// One problem with the configuration, pointing at where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    pub file: PathBuf,
    /// 1-based line, when the key is present in the file.
    pub line: Option<usize>,
    /// Dotted key path, e.g. `devices.reader.baud`.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}: {}", self.file.display(), line, self.key, self.message),
            None => write!(f, "{}: {}: {}", self.file.display(), self.key, self.message),
        }
    }
}

#[derive(Debug)]
pub struct ConfigErrors(pub Vec<ConfigProblem>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// The effective configuration and where it came from.
#[derive(Clone, Debug)]
pub struct LoadedConfig {
    pub config: Config,
    /// The packaged file, if one was read (none means embedded defaults).
    pub source: Option<PathBuf>,
    /// The overrides file, if one was read.
    pub overrides: Option<PathBuf>,
}

/// A file that was read, kept for pointing problems at lines.
struct SourceText {
    path: PathBuf,
    text: String,
}

/// Loads `path` (or the embedded defaults when `None`), merges the overrides file (by
/// default `<state-dir>/overrides.toml`) over it, then checks the whole. Every section has
/// defaults, so each file is also parsed on its own: that is how a wrong key or type is
/// pinned to a file and a line.
pub fn load(path: Option<&Path>, overrides_path: Option<&Path>) -> Result<LoadedConfig, ConfigErrors> {
    let mut sources = Vec::new();
    let mut table = toml::Table::new();
    if let Some(path) = path {
        let text = read_text(path)?;
        parse_config(&text, path)?;
        table = parse_text(&text, path)?;
        sources.push(SourceText {
            path: path.to_path_buf(),
            text,
        });
    }
    let base: Config = to_config(&table, path)?;
    let overrides_file = overrides_path
        .map(Path::to_path_buf)
        .unwrap_or_else(|| base.kiosk.state_dir.join("overrides.toml"));
    let mut overrides = None;
    if overrides_file.exists() {
        let text = read_text(&overrides_file)?;
        parse_config(&text, &overrides_file)?;
        merge(&mut table, parse_text(&text, &overrides_file)?);
        overrides = Some(overrides_file.clone());
        sources.push(SourceText {
            path: overrides_file,
            text,
        });
    }
    let config = checked(&table, &sources, overrides.as_deref().or(path))?;
    Ok(LoadedConfig {
        config,
        source: path.map(Path::to_path_buf),
        overrides,
    })
}

/// Parses and checks one configuration text as [`load`] does with a file, without any
/// file access (`name` is only used to point problems at it). For tests and fuzzing.
pub fn parse_str(text: &str, name: &Path) -> Result<Config, ConfigErrors> {
    parse_config(text, name)?;
    let table = parse_text(text, name)?;
    let sources = [SourceText {
        path: name.to_path_buf(),
        text: text.to_string(),
    }];
    checked(&table, &sources, Some(name))
}

/// The configuration of the merged `table`, with every semantic problem pointed at the
/// last of `sources` that sets its key.
fn checked(table: &toml::Table, sources: &[SourceText], file: Option<&Path>) -> Result<Config, ConfigErrors> {
    let config = to_config(table, file)?;
    let problems: Vec<ConfigProblem> = config
        .check()
        .into_iter()
        .map(|(key, message)| {
            // Blame the last file that sets the key (overrides win), else the packaged one.
            let located = sources
                .iter()
                .rev()
                .find_map(|s| locate::line_of_key(&s.text, &key).map(|line| (s.path.clone(), line)));
            let (file, line) = match located {
                Some((file, line)) => (file, Some(line)),
                None => (
                    sources
                        .first()
                        .map(|s| s.path.clone())
                        .unwrap_or_else(|| PathBuf::from("<defaults>")),
                    None,
                ),
            };
            ConfigProblem {
                file,
                line,
                key,
                message,
            }
        })
        .collect();
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(ConfigErrors(problems))
    }
}

fn read_text(path: &Path) -> Result<String, ConfigErrors> {
    std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors(vec![ConfigProblem {
            file: path.to_path_buf(),
            line: None,
            key: String::new(),
            message: format!("cannot read: {e}"),
        }])
    })
}

fn parse_text(text: &str, file: &Path) -> Result<toml::Table, ConfigErrors> {
    text.parse::<toml::Table>()
        .map_err(|e| ConfigErrors(vec![toml_problem(&e, file, text)]))
}

fn parse_config(text: &str, file: &Path) -> Result<Config, ConfigErrors> {
    toml::from_str::<Config>(text).map_err(|e| ConfigErrors(vec![toml_problem(&e, file, text)]))
}

fn to_config(table: &toml::Table, file: Option<&Path>) -> Result<Config, ConfigErrors> {
    toml::Value::Table(table.clone()).try_into::<Config>().map_err(|e| {
        let file = file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("<defaults>"));
        ConfigErrors(vec![ConfigProblem {
            file,
            line: None,
            key: String::new(),
            message: e.message().to_string(),
        }])
    })
}

fn toml_problem(error: &toml::de::Error, file: &Path, text: &str) -> ConfigProblem {
    let (line, key) = match error.span() {
        Some(span) => {
            // Counted in bytes: a span need not fall on a character boundary.
            let line = text.as_bytes()[..span.start.min(text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            (Some(line), locate::key_at_line(text, line).unwrap_or_default())
        }
        None => (None, String::new()),
    };
    ConfigProblem {
        file: file.to_path_buf(),
        line,
        key,
        message: error.message().trim().to_string(),
    }
}

/// Deep-merges `over` into `base`: tables merge key by key, everything else is replaced.
pub fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(base_table)), toml::Value::Table(over_table)) => merge(base_table, over_table),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Writes one technician change into the overrides file (never the packaged config).
pub fn set_override(overrides_file: &Path, dotted_key: &str, value: toml::Value) -> std::io::Result<()> {
    let mut table: toml::Table = match std::fs::read_to_string(overrides_file) {
        Ok(text) => text
            .parse()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{e}")))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => toml::Table::new(),
        Err(e) => return Err(e),
    };
    let mut parts: Vec<&str> = dotted_key.split('.').collect();
    let last = parts.pop().unwrap_or_default();
    let mut cursor = &mut table;
    for part in parts {
        cursor = cursor
            .entry(part)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{part} is not a table")))?;
    }
    cursor.insert(last.to_string(), value);
    if let Some(dir) = overrides_file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = toml::to_string_pretty(&table).map_err(std::io::Error::other)?;
    crate::private_file::write_atomic(overrides_file, text.as_bytes())
}

/// Where a running kiosk's configuration came from: the packaged file (none: embedded
/// defaults) and the overrides file technician changes go to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigPaths {
    pub source: Option<PathBuf>,
    pub overrides: PathBuf,
}

/// Why technician changes were not saved.
#[derive(Debug, thiserror::Error)]
pub enum OverrideError {
    /// The configuration with the changes would not load: nothing was written.
    #[error("{0}")]
    Invalid(ConfigErrors),
    #[error("cannot write {path}: {error}")]
    Io { path: PathBuf, error: std::io::Error },
}

/// Applies `changes` (dotted key, value) to the overrides file only if the whole
/// configuration then loads and checks, exactly as the next start will load it: the
/// candidate is written beside the file, loaded, and renamed over it (atomic); a refused
/// candidate is removed and the file is untouched. Returns the configuration as it will be.
pub fn set_overrides_checked(paths: &ConfigPaths, changes: &[(String, toml::Value)]) -> Result<Config, OverrideError> {
    let io = |error| OverrideError::Io {
        path: paths.overrides.clone(),
        error,
    };
    let candidate = paths.overrides.with_extension("toml.candidate");
    if paths.overrides.exists() {
        let current = std::fs::read(&paths.overrides).map_err(io)?;
        crate::private_file::write_atomic(&candidate, &current).map_err(io)?;
    } else {
        let _ = std::fs::remove_file(&candidate);
    }
    for (key, value) in changes {
        if let Err(e) = set_override(&candidate, key, value.clone()) {
            let _ = std::fs::remove_file(&candidate);
            return Err(io(e));
        }
    }
    match load(paths.source.as_deref(), Some(&candidate)) {
        Ok(loaded) => {
            // The overrides file may hold the PIN's hash: written 0600 from the start.
            let written = std::fs::read(&candidate)
                .and_then(|checked| crate::private_file::write_atomic(&paths.overrides, &checked));
            let _ = std::fs::remove_file(&candidate);
            written.map_err(io)?;
            Ok(loaded.config)
        }
        Err(errors) => {
            let _ = std::fs::remove_file(&candidate);
            Err(OverrideError::Invalid(errors))
        }
    }
}

#[cfg(test)]
mod tests;
