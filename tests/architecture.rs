//! The workspace's shape, checked on its source:
//!
//! - **No module cycles**, in any of the three crates. Two sibling modules that use each
//!   other (directly or round a longer loop) are one knot: neither can change or be
//!   understood alone. Every `crate::`, `super::` and `self::` path in the production code of
//!   `src/`, `core/src/` and `central/src/` becomes an edge between sibling modules
//!   (`app::payment` → `app::inbox` is the edge `payment → inbox` under `app`), and any
//!   strongly connected group of more than one module fails. A child using its parent's
//!   items or a parent using its children is not counted; test code (`tests.rs` files and
//!   `#[cfg(test)]` modules) may reach across.
//! - **township-core does no I/O** in its source (no `std::fs`, network, clock, threads,
//!   processes, logging): its dependency list is checked by `core/tests/purity.rs`.
//! - **The UI sees the app layer only** (no device or storage type) and no file in `src/ui`
//!   grows past 300 lines (one presenter per page keeps them small).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type ModPath = Vec<String>;

/// The module path of a file, relative to its crate's `src/`.
fn module_of(relative: &Path) -> ModPath {
    let mut parts: ModPath = relative
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("lib" | "mod" | "main")) {
        parts.pop();
    }
    parts
}

/// The text without comments and without inline `#[cfg(test)] mod … { … }` blocks.
fn production_text(text: &str) -> String {
    let no_comments: String = text
        .lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = String::new();
    let mut rest = no_comments.as_str();
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let brace = after.find('{');
        let semicolon = after.find(';');
        match (brace, semicolon) {
            // `#[cfg(test)] mod tests;` (a tests.rs file, skipped by name) or a use line.
            (_, Some(s)) if brace.is_none_or(|b| s < b) => rest = &after[s + 1..],
            (Some(b), _) => {
                let mut depth = 0;
                let mut end = after.len();
                for (i, c) in after[b..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                rest = &after[end..];
            }
            _ => rest = "",
        }
    }
    out.push_str(rest);
    out
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Reads one path from `text` (after a `crate::`-like start already resolved into `base`):
/// `a::b::C`, `a::{b, c::d}`, `a::*`. Pushes every full path into `out`; returns where it ended.
fn read_path(text: &str, base: &ModPath, out: &mut Vec<ModPath>) -> usize {
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut path = base.clone();
    loop {
        while at < text.len() && text[at..].starts_with(char::is_whitespace) {
            at += 1;
        }
        if at < text.len() && bytes[at] == b'{' {
            at += 1;
            loop {
                at += read_path(&text[at..], &path, out);
                // `x as y`: skip the rename.
                if text[at..].trim_start().starts_with("as ") {
                    at += text[at..].find([',', '}']).unwrap_or(text.len() - at);
                }
                while at < text.len() && (bytes[at] == b',' || text[at..].starts_with(char::is_whitespace)) {
                    at += 1;
                }
                if at >= text.len() || bytes[at] == b'}' {
                    return (at + 1).min(text.len());
                }
            }
        }
        let word_len = text[at..].find(|c: char| !is_ident_char(c)).unwrap_or(text.len() - at);
        if word_len == 0 {
            out.push(path);
            return at;
        }
        let word = &text[at..at + word_len];
        at += word_len;
        if word != "self" {
            path.push(word.to_string());
        }
        if text[at..].starts_with("::") {
            at += 2;
        } else {
            out.push(path);
            return at;
        }
    }
}

/// Every module path `file` (module `module`) refers to, resolved to absolute form.
fn references(module: &ModPath, text: &str) -> Vec<ModPath> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = text[at..].find(['c', 's']) {
        let start = at + found;
        at = start + 1;
        if start > 0 && text[..start].ends_with(|c: char| is_ident_char(c) || c == ':') {
            continue;
        }
        let rest = &text[start..];
        let (mut base, mut skip) = if rest.starts_with("crate::") {
            (Vec::new(), "crate::".len())
        } else if rest.starts_with("self::") {
            (module.clone(), "self::".len())
        } else if rest.starts_with("super::") {
            (module.clone(), 0)
        } else {
            continue;
        };
        // `self` is the file's own module; each `super` is one step up from it.
        while rest[skip..].starts_with("super::") {
            base.pop();
            skip += "super::".len();
        }
        at = start + skip + read_path(&rest[skip..], &base, &mut out);
    }
    out
}

/// Edges between sibling modules, grouped by their parent.
fn sibling_edges(files: &[(ModPath, Vec<ModPath>)]) -> BTreeMap<ModPath, BTreeSet<(String, String)>> {
    let modules: BTreeSet<ModPath> = files
        .iter()
        .flat_map(|(m, _)| (0..=m.len()).map(|k| m[..k].to_vec()))
        .collect();
    let mut edges: BTreeMap<ModPath, BTreeSet<(String, String)>> = BTreeMap::new();
    for (from, targets) in files {
        for target in targets {
            let common = from.iter().zip(target).take_while(|(a, b)| a == b).count();
            if common < from.len() && common < target.len() && modules.contains(&target[..=common]) {
                edges
                    .entry(from[..common].to_vec())
                    .or_default()
                    .insert((from[common].clone(), target[common].clone()));
            }
        }
    }
    edges
}

/// Strongly connected groups of more than one node (Tarjan's algorithm).
fn cycles(edges: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        next: BTreeMap<&'a str, Vec<&'a str>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(w: &mut Walk<'a>, v: &'a str) {
        let n = w.index.len();
        w.index.insert(v, n);
        w.low.insert(v, n);
        w.stack.push(v);
        for u in w.next.get(v).cloned().unwrap_or_default() {
            if !w.index.contains_key(u) {
                visit(w, u);
                let low = w.low[v].min(w.low[u]);
                w.low.insert(v, low);
            } else if w.stack.contains(&u) {
                let low = w.low[v].min(w.index[u]);
                w.low.insert(v, low);
            }
        }
        if w.low[v] == w.index[v] {
            let at = w.stack.iter().rposition(|x| *x == v).unwrap();
            let group: Vec<String> = w.stack.drain(at..).map(str::to_string).collect();
            if group.len() > 1 {
                w.found.push(group);
            }
        }
    }
    let mut walk = Walk {
        next: BTreeMap::new(),
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for (a, b) in edges {
        walk.next.entry(a).or_default().push(b);
        walk.next.entry(b).or_default();
    }
    let nodes: Vec<&str> = walk.next.keys().copied().collect();
    for v in nodes {
        if !walk.index.contains_key(v) {
            visit(&mut walk, v);
        }
    }
    walk.found
}

/// Lines of production code: test modules may read fixtures.
fn production_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let cut = text.find("#[cfg(test)]").unwrap_or(text.len());
    text[..cut].lines().enumerate().map(|(i, l)| (i + 1, l))
}

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

/// The cycles of one crate, as `parent: a → b → …` lines.
fn crate_cycles(files: &[(PathBuf, String)]) -> Vec<String> {
    let parsed: Vec<(ModPath, Vec<ModPath>)> = files
        .iter()
        .filter(|(path, _)| !path.ends_with("tests.rs") && !path.ends_with("main.rs"))
        .map(|(path, text)| {
            let module = module_of(path);
            let targets = references(&module, &production_text(text));
            (module, targets)
        })
        .collect();
    let mut report = Vec::new();
    for (parent, edges) in sibling_edges(&parsed) {
        for group in cycles(&edges) {
            let inside: Vec<String> = edges
                .iter()
                .filter(|(a, b)| group.contains(a) && group.contains(b))
                .map(|(a, b)| format!("{a} → {b}"))
                .collect();
            let name = if parent.is_empty() {
                "crate".to_string()
            } else {
                parent.join("::")
            };
            report.push(format!("{name}: {}", inside.join(", ")));
        }
    }
    report
}

#[test]
fn no_crate_of_the_workspace_has_a_module_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut report = Vec::new();
    for src in ["src", "core/src", "central/src"] {
        let dir = root.join(src);
        let mut paths = Vec::new();
        rust_files(&dir, &mut paths);
        assert!(paths.len() >= 10, "{src}: sources not found");
        let files: Vec<(PathBuf, String)> = paths
            .iter()
            .map(|p| {
                (
                    p.strip_prefix(&dir).unwrap().to_path_buf(),
                    std::fs::read_to_string(p).unwrap(),
                )
            })
            .collect();
        report.extend(crate_cycles(&files).into_iter().map(|line| format!("{src}: {line}")));
    }
    assert!(report.is_empty(), "module cycles:\n{}", report.join("\n"));
}

fn sample(files: &[(&str, &str)]) -> Vec<String> {
    let files: Vec<(PathBuf, String)> = files.iter().map(|(p, t)| (PathBuf::from(p), t.to_string())).collect();
    crate_cycles(&files)
}

#[test]
fn a_cycle_is_found_through_groups_super_and_inline_paths() {
    let cyclic = sample(&[
        ("lib.rs", "pub mod app;\npub mod config;"),
        ("app/mod.rs", "pub mod inbox;\npub mod payment;\npub mod view;"),
        ("app/inbox.rs", "use super::{view, payment::Report as PaymentReport};"),
        ("app/payment.rs", "fn post(x: super::inbox::Inbox) {}"),
        ("app/view.rs", "use crate::config::Config;"),
        ("config.rs", "use crate::app::{self, view::Page};"),
    ]);
    assert_eq!(
        cyclic,
        [
            "crate: app → config, config → app",
            "app: inbox → payment, payment → inbox"
        ]
    );
}

#[test]
fn parents_children_items_and_test_code_are_not_cycles() {
    let clean = sample(&[
        ("lib.rs", "pub mod app;\npub const DATA: &str = \"x\";"),
        (
            "app/mod.rs",
            "pub mod a;\npub mod b;\nuse self::a::A;\npub struct Shared;",
        ),
        (
            "app/a.rs",
            "use super::Shared;\nuse crate::DATA;\nuse super::b::B;\n// use super::b;",
        ),
        (
            "app/b.rs",
            "pub struct B;\n#[cfg(test)]\nmod tests {\n    use crate::app::a::A;\n    fn f() { let x = { 1 }; }\n}\n",
        ),
        ("app/b/tests.rs", "use crate::app::a;"),
    ]);
    assert!(clean.is_empty(), "{clean:?}");
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

/// What township-core's source may not use from std (or name from elsewhere).
const FORBIDDEN_SOURCE: &[&str] = &[
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
    "libc::",
    "println!",
    "eprintln!",
    "log::",
    "unsafe ",
];

#[test]
fn township_core_source_uses_no_io_clock_thread_or_process() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("core/src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() >= 15, "core sources not found");
    let mut violations = Vec::new();
    for file in files.iter().filter(|f| !f.ends_with("tests.rs")) {
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in production_lines(&text) {
            let code = line.split("//").next().unwrap_or("");
            for word in FORBIDDEN_SOURCE {
                if code.contains(word) {
                    violations.push(format!("{}:{number}: {word}", file.display()));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "township-core must stay pure:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_source_rule_catches_a_violation() {
    let sample = "use std::fs::read;\n#[cfg(test)]\nmod tests { use std::fs; }";
    let hits: Vec<_> = production_lines(sample)
        .filter(|(_, l)| l.contains("std::fs"))
        .collect();
    assert_eq!(hits.len(), 1);
}
