//! Pinyin for division names, which no word list holds (黄避岙, 涂茨, 茅洋). A reading
//! table from the word list: each word's most frequent reading, and each character's (the
//! single-character entries). A name is cut greedily from the left into the longest known
//! words of up to four characters, so a multi-reading character takes the reading its word
//! gives it (长乐 → chang le); the rest take their character's commonest reading.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A small multiplicative hash (FxHash style) for short UTF-8 keys: loading hashes ~300k
/// strings, where std's SipHash costs more than the rest of the load.
#[derive(Default)]
pub(crate) struct QuickHasher(u64);

impl Hasher for QuickHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u8(&mut self, byte: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The longest word tried when cutting a name.
const LONGEST_WORD: usize = 4;

/// Word → (weight, start and length in the caller's syllable array) of its most frequent
/// reading.
#[derive(Default)]
pub(crate) struct Readings<'a> {
    best: HashMap<&'a str, (u32, u32, u8), BuildHasherDefault<QuickHasher>>,
}

impl<'a> Readings<'a> {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Readings {
            best: HashMap::with_capacity_and_hasher(capacity, Default::default()),
        }
    }

    /// Records one word-list entry whose syllables are `syllables[start..start + len]` of
    /// the array later passed to [`Readings::annotate`]; the heaviest reading wins.
    pub(crate) fn add(&mut self, text: &'a str, weight: u32, start: u32, len: u8) {
        match self.best.get_mut(text) {
            Some(entry) if entry.0 >= weight => {}
            Some(entry) => *entry = (weight, start, len),
            None => {
                self.best.insert(text, (weight, start, len));
            }
        }
    }

    /// The word list's weight for `text` (0 when it is not a word).
    pub(crate) fn weight(&self, text: &str) -> u32 {
        self.best.get(text).map_or(0, |entry| entry.0)
    }

    /// One syllable per character of `name`, or `None` if a character has no reading.
    pub(crate) fn annotate(&self, name: &str, syllables: &[u16]) -> Option<Vec<u16>> {
        let bounds: Vec<usize> = name.char_indices().map(|(i, _)| i).chain([name.len()]).collect();
        let chars = bounds.len() - 1;
        let mut out = Vec::with_capacity(chars);
        let mut at = 0;
        while at < chars {
            let found = (1..=LONGEST_WORD.min(chars - at)).rev().find_map(|len| {
                let word = &name[bounds[at]..bounds[at + len]];
                let &(_, start, count) = self.best.get(word)?;
                (count as usize == len).then(|| &syllables[start as usize..start as usize + len])
            })?;
            out.extend_from_slice(found);
            at += found.len();
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ime::syllables::{id, SYLLABLES};

    fn ids(pinyin: &str) -> Vec<u16> {
        pinyin.split(' ').map(|s| id(s).unwrap()).collect()
    }

    fn add(readings: &mut Readings<'static>, syllables: &mut Vec<u16>, text: &'static str, weight: u32, pinyin: &str) {
        let ids = ids(pinyin);
        readings.add(text, weight, syllables.len() as u32, ids.len() as u8);
        syllables.extend(ids);
    }

    fn read(readings: &Readings, syllables: &[u16], name: &str) -> Option<String> {
        let ids = readings.annotate(name, syllables)?;
        Some(ids.iter().map(|i| SYLLABLES[*i as usize]).collect::<Vec<_>>().join(" "))
    }

    #[test]
    fn words_resolve_multi_reading_characters() {
        let (mut readings, mut syl) = (Readings::default(), Vec::new());
        for (text, weight, pinyin) in [
            ("石", 9, "dan"),
            ("石", 6204, "shi"),
            ("浦", 752, "pu"),
            ("长", 20000, "zhang"),
            ("长", 30000, "chang"),
            ("乐", 9000, "le"),
            ("乐", 3000, "yue"),
            ("镇", 9073, "zhen"),
        ] {
            add(&mut readings, &mut syl, text, weight, pinyin);
        }
        assert_eq!(read(&readings, &syl, "石浦镇").as_deref(), Some("shi pu zhen"));
        add(&mut readings, &mut syl, "长乐", 500, "chang le");
        add(&mut readings, &mut syl, "乐", 99999, "yue");
        assert_eq!(read(&readings, &syl, "长乐镇").as_deref(), Some("chang le zhen"));
        assert_eq!(read(&readings, &syl, "石X"), None);
        assert_eq!(readings.weight("长乐"), 500);
    }
}
