//! The pinyin index and its lookup. Every word-list entry and every written form of a
//! division name is one entry keyed by its syllable ids; entries are sorted by that key, so
//! the entries that share their first syllables form one run (a trie laid flat). A query
//! walks the runs with the tokens the input can be cut into (whole syllables, initials, an
//! incomplete last syllable, each with its fuzzy variants) and scores what it reaches:
//! ln(1 + frequency), minus a cost per fuzzy, abbreviated or incomplete syllable, plus a
//! boost for place names inside the region the citizen already chose.

use super::annotate::Readings;
use super::divisions::{name_forms, DivisionTable, Level};
use super::syllables::{self, Input, Kind, Token};
use super::DataError;
use std::collections::HashMap;

/// A syllable read through a fuzzy rule (sipu → 石浦).
const FUZZY_COST: f32 = 3.0;
/// An initial where the rest of the input is whole syllables ("zhongg r" is less likely
/// meant as an abbreviation). Free when the whole input is abbreviated ("pcs").
const INITIAL_COST: f32 = 2.5;
/// An incomplete last syllable ("zho" for zhong); free in an abbreviated input.
const PREFIX_COST: f32 = 1.0;
/// A whole last syllable read as the start of a longer one ("shan" for shang).
const COMPLETION_COST: f32 = 2.5;
/// Place names inside (or above) the chosen region outrank all but the commonest words;
/// villages a little less than townships and above, whose names citizens type more.
const REGION_BOOST: f32 = 14.0;
const VILLAGE_REGION_BOOST: f32 = 12.0;
/// No entry is longer than this many syllables (the walk's depth bound).
const MAX_SYLLABLES: usize = 24;

/// What the UI passes with each query.
#[derive(Clone, Copy, Debug)]
pub struct QueryOptions<'a> {
    /// A division code (330225, 330200, 33…): its place names, and those above it, are
    /// boosted. Outside it, place names rank by word frequency only.
    pub region: Option<&'a str>,
    /// Accept z/zh, c/ch, s/sh, n/l, an/ang, en/eng, in/ing confusions.
    pub fuzzy: bool,
    /// How many candidates to return at most.
    pub limit: usize,
}

impl Default for QueryOptions<'_> {
    fn default() -> Self {
        QueryOptions {
            region: None,
            fuzzy: true,
            limit: 10,
        }
    }
}

/// One candidate for the candidate bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub text: String,
    /// Bytes of the input this candidate converts (the whole input, or a leading part:
    /// 石浦 from "shipuzhen" consumes 5, leaving "zhen"). Separators after it are included,
    /// so `&input[consumed..]` is what stays in the pinyin buffer.
    pub consumed: usize,
    /// The candidate is a division name.
    pub place: bool,
}

/// Figures from building the index.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadStats {
    pub words: usize,
    pub place_forms: usize,
    /// Division names left out because a character has no reading.
    pub unread_names: usize,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    /// Byte range of the text in `Engine::texts`.
    text: u32,
    text_len: u16,
    nsyl: u8,
    /// Index of the first syllable in `Engine::syllables`.
    syl: u32,
    weight: u32,
    /// For a place: index into `Engine::places`, else `u32::MAX`.
    place: u32,
}

/// A division a place entry belongs to: its code padded to 12 digits, and its level.
#[derive(Clone, Copy, Debug)]
struct Place {
    code: u64,
    level: Level,
}

/// The pinyin engine: immutable after loading, `Sync`, no state between queries.
pub struct Engine {
    texts: String,
    syllables: Vec<u16>,
    entries: Vec<Entry>,
    places: Vec<Place>,
    stats: LoadStats,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Engine({} entries)", self.entries.len())
    }
}

/// A division code padded to 12 digits, and how many of them are significant.
fn region_key(code: &str) -> Option<(u64, usize)> {
    if code.is_empty() || code.len() > 12 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = match code.len() {
        6 if code.ends_with("0000") => 2,
        6 if code.ends_with("00") => 4,
        n => n,
    };
    let padded: u64 = format!("{code:0<12}").parse().ok()?;
    Some((padded, significant))
}

fn same_prefix(a: u64, b: u64, digits: usize) -> bool {
    let scale = 10u64.pow((12 - digits) as u32);
    a / scale == b / scale
}

impl Engine {
    /// The installed (else embedded) word list and division table.
    pub fn load_default() -> Result<Engine, DataError> {
        Engine::build(&super::default_words(), &DivisionTable::load_default()?)
    }

    /// Replacement data files; `None` takes the embedded one.
    pub fn load_files(
        words: Option<&std::path::Path>,
        divisions: Option<&std::path::Path>,
    ) -> Result<Engine, DataError> {
        let table = match divisions {
            Some(path) => DivisionTable::load_file(path)?,
            None => DivisionTable::load_default()?,
        };
        match words {
            Some(path) => Engine::build(&super::read(path)?, &table),
            None => Engine::build(&super::default_words(), &table),
        }
    }

    /// Builds the index from a word list's text (`word<TAB>pin yin<TAB>weight` lines) and a
    /// division table.
    pub fn build(words: &str, divisions: &DivisionTable) -> Result<Engine, DataError> {
        let mut engine = Engine {
            texts: String::with_capacity(words.len() / 2 + divisions.len() * 12),
            syllables: Vec::new(),
            entries: Vec::new(),
            places: Vec::new(),
            stats: LoadStats::default(),
        };
        let mut readings = Readings::with_capacity(words.len() / 16);
        engine.add_words(words, &mut readings)?;
        engine.stats.words = engine.entries.len();
        engine.add_places(divisions, &readings);
        drop(readings);
        engine.sort_entries();
        engine.texts.shrink_to_fit();
        engine.syllables.shrink_to_fit();
        engine.entries.shrink_to_fit();
        engine.places.shrink_to_fit();
        Ok(engine)
    }

    /// The word list's entries (one syllable per character, at most [`MAX_SYLLABLES`]);
    /// their readings are noted for the place names.
    fn add_words<'w>(&mut self, words: &'w str, readings: &mut Readings<'w>) -> Result<(), DataError> {
        let mut ids = Vec::with_capacity(8);
        for (number, line) in words.lines().enumerate() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let error = |problem: &str| DataError::Syntax {
                file: "words".into(),
                line: number + 1,
                problem: problem.into(),
            };
            let mut fields = line.split('\t');
            let (Some(text), Some(pinyin), Some(weight), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(error("expected word, pinyin, weight"));
            };
            let weight: u32 = weight.parse().map_err(|_| error("the weight is not a number"))?;
            ids.clear();
            for syllable in pinyin.split(' ') {
                ids.push(syllables::id(syllable).ok_or_else(|| error("unknown syllable"))?);
            }
            if ids.len() != text.chars().count() || ids.len() > MAX_SYLLABLES {
                continue; // Not one syllable per character: not a word we can offer.
            }
            readings.add(text, weight, self.syllables.len() as u32, ids.len() as u8);
            self.push(text, &ids, weight, u32::MAX);
        }
        Ok(())
    }

    /// The divisions' names, each under every form a citizen types (with and without its
    /// suffix), read from the table or from the words' readings.
    fn add_places(&mut self, divisions: &DivisionTable, readings: &Readings<'_>) {
        for division in divisions.iter() {
            if division.is_placeholder() {
                continue;
            }
            let reading = match division.reading {
                Some(pinyin) => pinyin.split(' ').map(syllables::id).collect::<Option<Vec<u16>>>(),
                None => readings.annotate(division.name, &self.syllables),
            };
            let Some(reading) =
                reading.filter(|r| r.len() == division.name.chars().count() && r.len() <= MAX_SYLLABLES)
            else {
                self.stats.unread_names += 1;
                continue;
            };
            let Some((code, _)) = region_key(division.code) else {
                continue;
            };
            self.places.push(Place {
                code,
                level: division.level,
            });
            let place = (self.places.len() - 1) as u32;
            let text_start = self.texts.len() as u32;
            let syl_start = self.syllables.len() as u32;
            self.texts.push_str(division.name);
            self.syllables.extend_from_slice(&reading);
            for form in name_forms(division.name) {
                let chars = form.chars().count();
                self.entries.push(Entry {
                    text: text_start,
                    text_len: form.len() as u16,
                    nsyl: chars as u8,
                    syl: syl_start,
                    weight: readings.weight(form),
                    place,
                });
                self.stats.place_forms += 1;
            }
        }
    }

    /// Sorts the entries by syllables (then by weight, heaviest first) for the prefix search.
    fn sort_entries(&mut self) {
        let (syls, entries) = (&self.syllables, &mut self.entries);
        let key = |e: &Entry| &syls[e.syl as usize..e.syl as usize + e.nsyl as usize];
        // The first seven syllables packed 9 bits each (ids + 1, so shorter sorts first)
        // decide almost every comparison without touching the syllable array.
        let packed = |e: &Entry| {
            key(e)
                .iter()
                .take(7)
                .fold((0u64, 0), |(k, n), id| {
                    (k | (u64::from(*id) + 1) << (54 - 9 * n), n + 1)
                })
                .0
        };
        let mut keyed: Vec<(u64, Entry)> = entries.iter().map(|e| (packed(e), *e)).collect();
        keyed.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| key(&a.1).cmp(key(&b.1)))
                .then(b.1.weight.cmp(&a.1.weight))
        });
        *entries = keyed.into_iter().map(|(_, e)| e).collect();
    }

    fn push(&mut self, text: &str, ids: &[u16], weight: u32, place: u32) {
        self.entries.push(Entry {
            text: self.texts.len() as u32,
            text_len: text.len() as u16,
            nsyl: ids.len() as u8,
            syl: self.syllables.len() as u32,
            weight,
            place,
        });
        self.texts.push_str(text);
        self.syllables.extend_from_slice(ids);
    }

    /// Counts from loading.
    pub fn stats(&self) -> LoadStats {
        self.stats
    }

    /// How many entries the index holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Approximate heap bytes held by the index.
    pub fn heap_bytes(&self) -> usize {
        self.texts.capacity()
            + self.syllables.capacity() * 2
            + self.entries.capacity() * std::mem::size_of::<Entry>()
            + self.places.capacity() * std::mem::size_of::<Place>()
    }

    fn text(&self, entry: &Entry) -> &str {
        &self.texts[entry.text as usize..entry.text as usize + entry.text_len as usize]
    }

    fn syllable(&self, entry: usize, depth: usize) -> u16 {
        self.syllables[self.entries[entry].syl as usize + depth]
    }

    /// The candidates for `input`, best first: those converting the whole input, then those
    /// converting a leading part (longest part first), each by score. Identical texts appear
    /// once. Pure: the same input and options always give the same answer.
    pub fn query(&self, input: &str, options: &QueryOptions<'_>) -> Vec<Candidate> {
        let parsed = Input::parse(input, options.fuzzy);
        if parsed.letters.is_empty() || options.limit == 0 {
            return Vec::new();
        }
        let mut walk = Walk {
            engine: self,
            input: &parsed,
            region: options.region.and_then(region_key),
            found: HashMap::new(),
        };
        walk.visit(0, self.entries.len(), 0, 0, 0.0);
        let mut found: Vec<(&str, Found)> = walk.found.into_iter().collect();
        found.sort_by(|a, b| {
            b.1.end
                .cmp(&a.1.end)
                .then(b.1.score.total_cmp(&a.1.score))
                .then(a.1.order.cmp(&b.1.order))
        });
        found
            .into_iter()
            .take(options.limit)
            .map(|(text, f)| Candidate {
                text: text.to_string(),
                consumed: parsed.offset[f.end],
                place: f.place,
            })
            .collect()
    }

    /// The pinyin of every indexed reading of `text`, the most frequent first ("石浦" →
    /// ["shi pu"]), for tools, benchmarks and tests. A linear scan: not for the UI's hot path.
    pub fn readings_of(&self, text: &str) -> Vec<String> {
        let mut found: Vec<(u32, String)> = (0..self.entries.len())
            .filter(|i| self.text(&self.entries[*i]) == text)
            .map(|i| {
                let e = &self.entries[i];
                let syllables: Vec<&str> = (0..e.nsyl as usize)
                    .map(|d| syllables::SYLLABLES[self.syllable(i, d) as usize])
                    .collect();
                (e.weight, syllables.join(" "))
            })
            .collect();
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let mut out: Vec<String> = Vec::new();
        for (_, reading) in found {
            if !out.contains(&reading) {
                out.push(reading);
            }
        }
        out
    }
}

#[derive(Clone, Copy, Debug)]
struct Found {
    /// Letters consumed.
    end: usize,
    score: f32,
    /// Index order, to break ties the same way every time.
    order: usize,
    place: bool,
}

struct Walk<'e> {
    engine: &'e Engine,
    input: &'e Input,
    region: Option<(u64, usize)>,
    found: HashMap<&'e str, Found>,
}

impl<'e> Walk<'e> {
    /// `lo..hi`: the entries whose first `depth` syllables match the letters `..pos`.
    fn visit(&mut self, lo: usize, hi: usize, depth: usize, pos: usize, cost: f32) {
        let engine = self.engine;
        // Entries with exactly `depth` syllables sort first in the run.
        let mid = lo + engine.entries[lo..hi].partition_point(|e| e.nsyl as usize == depth);
        if depth > 0 {
            for i in lo..mid {
                self.emit(i, pos, cost);
            }
        }
        if pos == self.input.letters.len() || mid == hi || depth >= MAX_SYLLABLES {
            return;
        }
        for token in &self.input.tokens[pos] {
            let step = match token.kind {
                Kind::Full => 0.0,
                Kind::Initial if self.input.abbreviated => 0.0,
                Kind::Initial => INITIAL_COST,
                Kind::Prefix | Kind::Completion if self.input.abbreviated => 0.0,
                Kind::Prefix => PREFIX_COST,
                Kind::Completion => COMPLETION_COST,
            };
            if token.set_len() <= 8 {
                for &id in &token.ids {
                    let start = mid + partition(mid, hi, |i| engine.syllable(i, depth) < id);
                    let end = start + partition(start, hi, |i| engine.syllable(i, depth) <= id);
                    if start < end {
                        self.descend(token, id, start, end, depth, step, cost);
                    }
                }
            } else {
                let mut a = mid;
                while a < hi {
                    let id = engine.syllable(a, depth);
                    let b = a + partition(a, hi, |i| engine.syllable(i, depth) <= id);
                    if token.exact.contains(id) || token.fuzzy.contains(id) {
                        self.descend(token, id, a, b, depth, step, cost);
                    }
                    a = b;
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn descend(&mut self, token: &Token, id: u16, lo: usize, hi: usize, depth: usize, step: f32, cost: f32) {
        let fuzzy = if token.exact.contains(id) { 0.0 } else { FUZZY_COST };
        self.visit(lo, hi, depth + 1, token.end, cost + step + fuzzy);
    }

    fn emit(&mut self, i: usize, end: usize, cost: f32) {
        let engine = self.engine;
        let entry = &engine.entries[i];
        let mut score = (1.0 + entry.weight as f32).ln() - cost;
        let place = entry.place != u32::MAX;
        if let (true, Some((region, digits))) = (place, self.region) {
            let p = engine.places[entry.place as usize];
            let own = p.level.significant_digits();
            // Inside the region, or one of the divisions the region lies in.
            if same_prefix(p.code, region, digits.min(own)) {
                score += if p.level == Level::Village {
                    VILLAGE_REGION_BOOST
                } else {
                    REGION_BOOST
                };
            }
        }
        let found = Found {
            end,
            score,
            order: i,
            place,
        };
        let text = engine.text(entry);
        match self.found.get_mut(text) {
            Some(old) if (old.end, old.score) >= (end, score) => {}
            Some(old) => {
                *old = Found {
                    order: old.order.min(i),
                    ..found
                }
            }
            None => {
                self.found.insert(text, found);
            }
        }
    }
}

/// `partition_point` over the index range `lo..hi`.
fn partition(lo: usize, hi: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut a, mut b) = (0, hi - lo);
    while a < b {
        let m = (a + b) / 2;
        if pred(lo + m) {
            a = m + 1;
        } else {
            b = m;
        }
    }
    a
}
