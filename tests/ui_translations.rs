//! Every citizen-visible string in the .slint files is translated: each @tr() source
//! (English) has a non-empty zh_CN translation in the bundled .po with the same number of
//! `{}` placeholders. (scripts/make-po.py regenerates the .po from the translation table.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn slint_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            slint_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "slint") {
            out.push(path);
        }
    }
}

fn tr_strings(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("@tr(\"") {
        let after = &rest[start + 5..];
        let end = after.find('"').unwrap();
        out.push(after[..end].to_string());
        rest = &after[end..];
    }
    out
}

fn po_entries(text: &str) -> BTreeMap<String, String> {
    let mut entries = BTreeMap::new();
    let mut id = None;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("msgid \"") {
            id = Some(v.trim_end_matches('"').to_string());
        } else if let (Some(v), Some(k)) = (line.strip_prefix("msgstr \""), id.take()) {
            entries.insert(k, v.trim_end_matches('"').to_string());
        }
    }
    entries
}

#[test]
fn every_ui_string_has_a_chinese_translation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    slint_files(&root.join("ui"), &mut files);
    let po = po_entries(&std::fs::read_to_string(root.join("ui/lang/zh_CN/LC_MESSAGES/township-kiosk.po")).unwrap());
    let mut count = 0;
    let mut missing = Vec::new();
    for file in files {
        for source in tr_strings(&std::fs::read_to_string(&file).unwrap()) {
            count += 1;
            match po.get(&source) {
                Some(target) if !target.is_empty() => {
                    assert_eq!(
                        source.matches("{}").count(),
                        target.matches("{}").count(),
                        "placeholders differ for {source:?}"
                    );
                }
                _ => missing.push(format!("{}: {source:?}", file.display())),
            }
        }
    }
    assert!(count > 80, "only {count} strings found");
    assert!(
        missing.is_empty(),
        "untranslated (add to ui/lang/translations-zh_CN.tsv, run scripts/make-po.py):\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_extractor_sees_strings() {
    assert_eq!(
        tr_strings(r#"text: @tr("Pay {}", x); other: @tr("Back");"#),
        vec!["Pay {}", "Back"]
    );
}
