//! Enforces the dependency rule: `src/domain` is pure. It may use std's data structures,
//! serde, thiserror and toml (string parsing), but no I/O, clock, threads, processes,
//! randomness, SQLite, Slint, serial ports or other layers of this crate.

use std::path::{Path, PathBuf};

const FORBIDDEN: &[&str] = &[
    "std::fs",
    "std::net",
    "std::io",
    "std::process",
    "std::thread",
    "std::time",
    "std::env",
    "std::os",
    "SystemTime",
    "Instant::now",
    "rusqlite",
    "slint",
    "serialport",
    "libc::",
    "chacha20poly1305",
    "uuid::",
    "getrandom",
    "crate::storage",
    "crate::config",
    "crate::cli",
    "crate::app",
    "crate::devices",
    "crate::ui",
    "include_str!",
    "include_bytes!",
    "println!",
    "eprintln!",
    "log::",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Lines of production code: test modules may read fixtures.
fn production_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let cut = text.find("#[cfg(test)]").unwrap_or(text.len());
    text[..cut].lines().enumerate().map(|(i, l)| (i + 1, l))
}

#[test]
fn the_domain_imports_no_io() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() >= 7, "domain files not found");
    let mut violations = Vec::new();
    for file in files.iter().filter(|f| !f.ends_with("tests.rs")) {
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in production_lines(&text) {
            let code = line.split("//").next().unwrap_or("");
            for word in FORBIDDEN {
                if code.contains(word) {
                    violations.push(format!("{}:{number}: {word}", file.display()));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "the domain must stay pure:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_rule_catches_a_violation() {
    let sample = "use std::fs::read;\n#[cfg(test)]\nmod tests { use std::fs; }";
    let hits: Vec<_> = production_lines(sample)
        .filter(|(_, l)| l.contains("std::fs"))
        .collect();
    assert_eq!(hits.len(), 1);
}

/// The UI layer talks to the app only: no device, storage or configuration type, and no
/// file in `src/ui` grows past 300 lines (one presenter per page keeps them small).
#[test]
fn the_ui_sees_the_app_layer_only_and_stays_small() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() >= 10, "ui files not found");
    let mut violations = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let lines = text.lines().count();
        if lines > 300 {
            violations.push(format!("{}: {lines} lines", file.display()));
        }
        for (number, line) in production_lines(&text) {
            let code = line.split("//").next().unwrap_or("");
            for word in ["crate::devices", "crate::storage", "township_kiosk::devices"] {
                if code.contains(word) {
                    violations.push(format!("{}:{number}: {word}", file.display()));
                }
            }
        }
    }
    assert!(violations.is_empty(), "layering:\n{}", violations.join("\n"));
}
