//! Keeps `township-core` pure. The compiler refuses what the crate does not depend on, so
//! the check is its dependency list: `cargo tree -p township-core` must show no crate that
//! does I/O (SQLite, Slint, GStreamer, serial ports, TLS, HTTP, async runtimes, GPIO). The
//! standard library's I/O in its source is checked with the workspace's other rules
//! (tests/architecture.rs).

use std::collections::BTreeSet;

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
