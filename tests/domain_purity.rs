//! Enforces the kiosk's layering: the UI talks to the app layer only. (The domain's purity
//! is the compiler's job now: it is the `township-core` crate, see core/tests/purity.rs.)

use std::path::{Path, PathBuf};

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
