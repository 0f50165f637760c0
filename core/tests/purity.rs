//! Keeps `township-core` pure. The compiler already refuses what the crate does not depend
//! on, so the first check is the dependency list: `cargo tree -p township-core` must show no
//! crate that does I/O (SQLite, Slint, GStreamer, serial ports, TLS, HTTP, async
//! runtimes, GPIO). The second checks the source for the standard library's I/O, clock,
//! threads and processes, which need no dependency at all.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Crates that do I/O (or pull in a runtime); none may be reachable from township-core.
const IO_CRATES: &[&str] = &[
    "rusqlite",
    "libsqlite3-sys",
    "postgres",
    "slint",
    "i-slint-core",
    "gstreamer",
    "gstreamer-sys",
    "serialport",
    "rustls",
    "ring",
    "hyper",
    "tokio",
    "mio",
    "socket2",
    "ureq",
    "rppal",
    "gpiocdev",
    "winit",
    "getrandom",
    "uuid",
];

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

/// The crates named in `cargo tree --prefix none` output, without versions.
fn crates_in_tree(tree: &str) -> BTreeSet<&str> {
    tree.lines()
        .filter_map(|line| line.split(' ').next())
        .filter(|n| !n.is_empty())
        .collect()
}

fn io_crates_in(tree: &str) -> Vec<&'static str> {
    let crates = crates_in_tree(tree);
    assert!(crates.contains("township-core"), "not a tree of township-core:\n{tree}");
    IO_CRATES.iter().copied().filter(|c| crates.contains(c)).collect()
}

/// `cargo tree -p township-core` as the build resolves it (normal and build dependencies,
/// this platform, the features township-core itself asks for).
fn core_tree() -> String {
    let output = std::process::Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            "township-core",
            "-e",
            "normal,build",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn core_depends_on_no_io_crate() {
    let tree = core_tree();
    let reached = io_crates_in(&tree);
    assert!(
        reached.is_empty(),
        "township-core reaches I/O crates: {reached:?}\n{tree}"
    );
    assert!(
        crates_in_tree(&tree).contains("serde"),
        "the tree lists dependencies:\n{tree}"
    );
}

#[test]
fn the_dependency_rule_catches_a_violation() {
    let tree = "township-core v0.1.0 (/src/core)\nserde v1.0.0\nhelper v1.0.0\ntokio v1.0.0\nmio v1.0.0 (*)\n";
    assert_eq!(io_crates_in(tree), ["tokio", "mio"]);
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

/// Lines of production code: test modules may read fixtures.
fn production_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let cut = text.find("#[cfg(test)]").unwrap_or(text.len());
    text[..cut].lines().enumerate().map(|(i, l)| (i + 1, l))
}

#[test]
fn the_source_uses_no_io_clock_thread_or_process() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() >= 15, "core files not found");
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
