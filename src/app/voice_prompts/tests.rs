//! The prompt table: every page has a prompt; the pinyin is well-formed (a known syllable
//! and a tone 1–5 each), reads the Chinese text character by character (checked against the
//! pinyin word list's readings), keeps its punctuation, and nothing personal can be in it.

use super::*;
use std::collections::{HashMap, HashSet};

/// Fails to compile when a page is added without being listed (and so without a prompt).
fn listed(page: PageId) -> bool {
    match page {
        PageId::Welcome
        | PageId::Catalogue
        | PageId::Guide
        | PageId::Identify
        | PageId::Form
        | PageId::Materials
        | PageId::Review
        | PageId::Payment
        | PageId::Receipt
        | PageId::Rating
        | PageId::Farewell
        | PageId::Address
        | PageId::Progress
        | PageId::Appointment
        | PageId::Consult => PAGES.contains(&page),
        // Staff pages are silent: the voice follows the citizen's pages only.
        PageId::Technician => !PAGES.contains(&page),
    }
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Single-character readings from the IME's word list (toneless pinyin, `v` for ü).
fn readings() -> HashMap<char, HashSet<String>> {
    let mut out: HashMap<char, HashSet<String>> = HashMap::new();
    for line in crate::ime::DEFAULT_WORDS.lines().filter(|l| !l.starts_with('#')) {
        let mut cols = line.split('\t');
        let (Some(word), Some(pinyin)) = (cols.next(), cols.next()) else {
            continue;
        };
        let chars: Vec<char> = word.chars().collect();
        let syllables: Vec<&str> = pinyin.split(' ').collect();
        if chars.len() == syllables.len() {
            for (c, s) in chars.iter().zip(syllables) {
                out.entry(*c).or_default().insert(s.to_string());
            }
        }
    }
    out
}

/// A pinyin token split into (letters, tone, trailing punctuation).
fn split(token: &str) -> Option<(&str, u8, &str)> {
    let digit = token.find(|c: char| c.is_ascii_digit())?;
    let (letters, rest) = token.split_at(digit);
    let tone = rest[..1].parse().ok()?;
    let punctuation = &rest[1..];
    let ok = !letters.is_empty()
        && letters.chars().all(|c| c.is_ascii_lowercase() || c == 'ü')
        && (1..=5).contains(&tone)
        && ["", ",", ".", "?"].contains(&punctuation);
    ok.then_some((letters, tone, punctuation))
}

#[test]
fn every_page_and_moment_has_a_prompt_with_a_unique_name() {
    for page in PAGES {
        assert!(listed(page));
        assert!(!prompt(Cue::Page(page)).zh.is_empty(), "{page:?}");
    }
    let names: HashSet<&str> = all().iter().map(|c| c.name()).collect();
    assert_eq!(names.len(), all().len(), "names are unique");
    for cue in all() {
        assert_eq!(Cue::parse(cue.name()), Some(cue));
    }
    assert_eq!(Cue::parse("identify"), Some(Cue::Page(PageId::Identify)));
    assert_eq!(Cue::parse("nonsense"), None);
}

#[test]
fn the_pinyin_reads_the_chinese_text_syllable_by_syllable() {
    let readings = readings();
    for cue in all() {
        let Prompt { zh, pinyin } = prompt(cue);
        let tokens: Vec<&str> = pinyin.split(' ').collect();
        let hans: Vec<char> = zh.chars().filter(|c| is_han(*c)).collect();
        assert_eq!(tokens.len(), hans.len(), "{}: one syllable per character", cue.name());
        for (han, token) in hans.iter().zip(&tokens) {
            let (letters, _, _) = split(token).unwrap_or_else(|| panic!("{}: bad syllable {token:?}", cue.name()));
            let toneless = letters.replace('ü', "v");
            assert!(
                readings.get(han).is_some_and(|r| r.contains(&toneless)),
                "{}: {han} is not read {letters:?} (word list: {:?})",
                cue.name(),
                readings.get(han)
            );
        }
        // The same pauses: ,。? in the text are , . ? after the syllable before them.
        let zh_marks: String = zh
            .chars()
            .filter(|c| !is_han(*c))
            .map(|c| match c {
                ',' => ',',
                '。' => '.',
                '?' => '?',
                other => panic!("{}: unexpected {other:?} in the text", cue.name()),
            })
            .collect();
        let pinyin_marks: String = tokens.iter().filter_map(|t| split(t)).map(|(_, _, p)| p).collect();
        assert_eq!(zh_marks, pinyin_marks, "{}", cue.name());
        assert!(pinyin.ends_with(['.', '?']), "{}: ends a sentence", cue.name());
    }
}

#[test]
fn the_syllable_checker_refuses_what_espeak_would_misread() {
    assert_eq!(split("qing3"), Some(("qing", 3, "")));
    assert_eq!(split("ma5?"), Some(("ma", 5, "?")));
    for bad in ["qing", "qing6", "qing0", "Qing3", "qing3!", "3", "qing33"] {
        assert_eq!(split(bad), None, "{bad}");
    }
}

#[test]
fn prompts_hold_nothing_personal_and_join_in_order() {
    for cue in all() {
        let Prompt { zh, pinyin } = prompt(cue);
        assert!(
            !zh.chars().any(|c| c.is_ascii_alphanumeric()),
            "{}: no digits or letters",
            cue.name()
        );
        assert!(!zh.contains('{') && !pinyin.contains('{'), "no placeholders");
    }
    let joined = utterance(&[Cue::CardRead, Cue::Page(PageId::Form)]);
    assert_eq!(joined.text, "读卡成功。请填写信息,填好后点下一步。");
    assert_eq!(
        joined.pinyin,
        "du2 ka3 cheng2 gong1. qing3 tian2 xie3 xin4 xi1, tian2 hao3 hou4 dian3 xia4 yi2 bu4."
    );
}
