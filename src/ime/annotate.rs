//! Pinyin for division names, which no word list holds (黄避岙, 涂茨, 茅洋). A reading
//! table from the word list: each word's most frequent reading, and each character's (the
//! single-character entries). A name is cut greedily from the left into the longest known
//! words of up to four characters, so a multi-reading character takes the reading its word
//! gives it (长乐 → chang le); the rest take their character's commonest reading.

use std::collections::HashMap;

/// The longest word tried when cutting a name.
const LONGEST_WORD: usize = 4;

/// Word → (weight, syllable ids) of its most frequent reading.
#[derive(Default)]
pub(crate) struct Readings<'a> {
    best: HashMap<&'a str, (u32, Vec<u16>)>,
}

impl<'a> Readings<'a> {
    /// Records one word-list entry; the heaviest reading of a text wins.
    pub(crate) fn add(&mut self, text: &'a str, weight: u32, syllables: &[u16]) {
        match self.best.get_mut(text) {
            Some(entry) if entry.0 >= weight => {}
            Some(entry) => *entry = (weight, syllables.to_vec()),
            None => {
                self.best.insert(text, (weight, syllables.to_vec()));
            }
        }
    }

    /// The word list's weight for `text` (0 when it is not a word).
    pub(crate) fn weight(&self, text: &str) -> u32 {
        self.best.get(text).map_or(0, |entry| entry.0)
    }

    /// One syllable per character of `name`, or `None` if a character has no reading.
    pub(crate) fn annotate(&self, name: &str) -> Option<Vec<u16>> {
        let bounds: Vec<usize> = name.char_indices().map(|(i, _)| i).chain([name.len()]).collect();
        let chars = bounds.len() - 1;
        let mut out = Vec::with_capacity(chars);
        let mut at = 0;
        while at < chars {
            let found = (1..=LONGEST_WORD.min(chars - at)).rev().find_map(|len| {
                let word = &name[bounds[at]..bounds[at + len]];
                let (_, syllables) = self.best.get(word)?;
                (syllables.len() == len).then_some(syllables)
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

    #[test]
    fn words_resolve_multi_reading_characters() {
        let mut readings = Readings::default();
        readings.add("石", 9, &ids("dan"));
        readings.add("石", 6204, &ids("shi"));
        readings.add("浦", 752, &ids("pu"));
        readings.add("长", 20000, &ids("zhang"));
        readings.add("长", 30000, &ids("chang"));
        readings.add("乐", 9000, &ids("le"));
        readings.add("乐", 3000, &ids("yue"));
        readings.add("镇", 9073, &ids("zhen"));
        let read = |readings: &Readings, name| {
            readings
                .annotate(name)
                .map(|v| v.iter().map(|i| SYLLABLES[*i as usize]).collect::<Vec<_>>().join(" "))
        };
        assert_eq!(read(&readings, "石浦镇").as_deref(), Some("shi pu zhen"));
        readings.add("长乐", 500, &ids("chang le"));
        readings.add("乐", 99999, &ids("yue"));
        assert_eq!(read(&readings, "长乐镇").as_deref(), Some("chang le zhen"));
        assert_eq!(read(&readings, "石X"), None);
        assert_eq!(readings.weight("长乐"), 500);
    }
}
