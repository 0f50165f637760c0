//! Text entry without a system input method: the on-screen keyboard's state (the pinyin
//! buffer, the candidate page, the key mode) and the edits it makes to a text. The pinyin
//! engine and the division table load once, off the UI thread, when the kiosk starts; until
//! they are ready the candidate bar is simply empty. Nothing typed is remembered: the state
//! is cleared with the session.

use crate::ime::handwriting::{self, HandwritingEngine, Ink};
use crate::ime::{Candidate, DivisionTable, Engine, QueryOptions};
use std::sync::OnceLock;

static ENGINE: OnceLock<Option<Engine>> = OnceLock::new();
static DIVISIONS: OnceLock<Option<DivisionTable>> = OnceLock::new();

/// Candidates shown per page of the candidate bar.
pub const PAGE: usize = 5;
/// The longest pinyin the buffer takes.
const MAX_BUFFER: usize = 32;
/// The writing pad's box (the UI scales its strokes into it).
pub const PAD_BOX: u32 = 1000;
/// How many characters the pad offers after a stroke.
pub const WRITTEN_CANDIDATES: usize = 8;

static WARMING: std::sync::Once = std::sync::Once::new();

/// Loads the engine and the division table on a thread of their own (once).
pub fn warm_up() {
    WARMING.call_once(start_loading);
}

fn start_loading() {
    let spawned = std::thread::Builder::new().name("ime-load".into()).spawn(|| {
        divisions();
        ENGINE.get_or_init(|| match Engine::load_default() {
            Ok(engine) => Some(engine),
            Err(e) => {
                log::error!("pinyin engine: {e}");
                None
            }
        });
    });
    if let Err(e) = spawned {
        log::error!("cannot start loading the pinyin engine: {e}");
    }
}

/// Loads the engine now, on the calling thread (screenshots and tests that type pinyin).
pub fn load_now() -> Option<&'static Engine> {
    divisions();
    ENGINE
        .get_or_init(|| {
            Engine::load_default()
                .map_err(|e| log::error!("pinyin engine: {e}"))
                .ok()
        })
        .as_ref()
}

/// The engine, once loaded (never waits).
pub fn engine() -> Option<&'static Engine> {
    ENGINE.get().and_then(Option::as_ref)
}

/// The division table (loads it on first use: a few milliseconds, embedded data).
pub fn divisions() -> Option<&'static DivisionTable> {
    DIVISIONS
        .get_or_init(|| match DivisionTable::load_default() {
            Ok(table) => Some(table),
            Err(e) => {
                log::error!("division table: {e}");
                None
            }
        })
        .as_ref()
}

/// What the on-screen keyboard can be asked for (it types into whatever text is open).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyboardIntent {
    /// A key (letters, `'`, `DEL`, `SPACE`, `CLEAR`, digits, punctuation).
    Key(String),
    /// Candidate `n` of the candidate bar's current page.
    PickCandidate(usize),
    /// The candidate bar's next (+1) or previous (-1) page.
    CandidatePage(isize),
    /// `pinyin`, `handwriting`, `latin` or `digits`.
    Mode(String),
    /// A stroke written on the pad: x, y, x, y, … in its 1000 × 1000 box.
    Stroke(Vec<i32>),
    /// 重写: the pad's strokes are wiped.
    ClearInk,
}

/// What the keys type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyMode {
    #[default]
    Pinyin,
    /// 手写: a writing pad, for citizens who cannot spell pinyin.
    Handwriting,
    Latin,
    Digits,
}

impl KeyMode {
    pub fn code(self) -> &'static str {
        match self {
            KeyMode::Pinyin => "pinyin",
            KeyMode::Handwriting => "handwriting",
            KeyMode::Latin => "latin",
            KeyMode::Digits => "digits",
        }
    }
    pub fn parse(code: &str) -> KeyMode {
        match code {
            "handwriting" => KeyMode::Handwriting,
            "latin" => KeyMode::Latin,
            "digits" => KeyMode::Digits,
            _ => KeyMode::Pinyin,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keyboard {
    pub buffer: String,
    pub page: usize,
    pub mode: KeyMode,
    /// The writing pad's strokes (one character; cleared when it is taken).
    pub ink: Ink,
    /// What the strokes look like, best first (recognised after each stroke).
    pub written: Vec<String>,
}

impl Keyboard {
    /// The candidates for the buffer (all of them, best first), boosted in `region`; in
    /// handwriting mode the characters the strokes look like.
    pub fn candidates(&self, region: Option<&str>) -> Vec<Candidate> {
        if self.mode == KeyMode::Handwriting {
            return self
                .written
                .iter()
                .map(|text| Candidate {
                    text: text.clone(),
                    consumed: 0,
                    place: false,
                })
                .collect();
        }
        if self.buffer.is_empty() {
            return Vec::new();
        }
        engine().map_or_else(Vec::new, |engine| {
            engine.query(
                &self.buffer,
                &QueryOptions {
                    region,
                    fuzzy: true,
                    limit: PAGE * 5,
                },
            )
        })
    }

    /// A key: letters go to the pinyin buffer (pinyin mode) or into `text`; `DEL` deletes
    /// from the buffer first, then from the text; `SPACE` takes the first candidate.
    pub fn key(&mut self, key: &str, text: &mut String, max_chars: usize, region: Option<&str>) {
        match key {
            // 删除 on the pad takes back the last stroke first.
            "DEL" if !self.ink.is_empty() => {
                self.ink.strokes.pop();
                self.recognize();
            }
            "DEL" => {
                if self.buffer.pop().is_none() {
                    text.pop();
                }
                self.page = 0;
            }
            "CLEAR" => {
                self.buffer.clear();
                self.clear_ink();
                text.clear();
            }
            "SPACE" if self.mode == KeyMode::Handwriting => self.pick(0, text, max_chars, region),
            "SPACE" => {
                if self.buffer.is_empty() {
                    if self.mode != KeyMode::Pinyin {
                        insert(text, " ", max_chars);
                    }
                } else {
                    self.pick(0, text, max_chars, region);
                }
            }
            _ if self.mode == KeyMode::Pinyin && (key == "'" || key.chars().all(|c| c.is_ascii_lowercase())) => {
                if self.buffer.len() + key.len() <= MAX_BUFFER && !(key == "'" && self.buffer.is_empty()) {
                    self.buffer.push_str(key);
                    self.page = 0;
                }
            }
            _ => insert(text, key, max_chars),
        }
    }

    /// Inserts candidate `index` of the current page; the pinyin it converts leaves the buffer.
    pub fn pick(&mut self, index: usize, text: &mut String, max_chars: usize, region: Option<&str>) {
        let candidates = self.candidates(region);
        let Some(candidate) = candidates.get(self.page * self.page_size() + index) else {
            return;
        };
        insert(text, &candidate.text, max_chars);
        if self.mode == KeyMode::Handwriting {
            self.clear_ink();
            return;
        }
        let rest = self
            .buffer
            .get(candidate.consumed..)
            .unwrap_or("")
            .trim_start_matches('\'');
        self.buffer = rest.to_string();
        self.page = 0;
    }

    pub fn turn_page(&mut self, delta: isize, region: Option<&str>) {
        let pages = self.candidates(region).len().div_ceil(self.page_size());
        let page = self.page as isize + delta;
        if page >= 0 && (page as usize) < pages {
            self.page = page as usize;
        }
    }

    /// The keyboard a citizen reading `lang` starts with: pinyin for Chinese, Latin letters
    /// for English.
    pub fn for_lang(lang: crate::domain::Lang) -> Keyboard {
        let mut keyboard = Keyboard::default();
        if lang == crate::domain::Lang::En {
            keyboard.mode = KeyMode::Latin;
        }
        keyboard
    }

    /// The language changed: letters follow it (pinyin for Chinese, Latin for English); the
    /// digits keypad and the writing pad, chosen for the field or by the citizen, stay.
    pub fn follow_lang(&mut self, lang: crate::domain::Lang) {
        let wanted = Keyboard::for_lang(lang).mode;
        if matches!(self.mode, KeyMode::Pinyin | KeyMode::Latin) && self.mode != wanted {
            self.set_mode(wanted);
        }
    }

    /// The keys for a text field in `lang`: the writing pad if the citizen writes by hand,
    /// else the language's letters.
    pub fn text_mode(&self, lang: crate::domain::Lang) -> KeyMode {
        if self.mode == KeyMode::Handwriting {
            KeyMode::Handwriting
        } else {
            Keyboard::for_lang(lang).mode
        }
    }

    /// Candidates a page of the bar shows: all eight written characters, or five words.
    pub fn page_size(&self) -> usize {
        if self.mode == KeyMode::Handwriting {
            WRITTEN_CANDIDATES
        } else {
            PAGE
        }
    }

    pub fn set_mode(&mut self, mode: KeyMode) {
        self.mode = mode;
        self.buffer.clear();
        self.clear_ink();
        self.page = 0;
        if mode == KeyMode::Handwriting {
            handwriting::zinnia::warm_up();
        }
    }

    /// A stroke on the pad (`x, y, …` in its 1000 × 1000 box), then the characters the
    /// strokes look like. Recognition takes a few milliseconds (`kiosk bench handwriting`).
    pub fn stroke(&mut self, points: &[i32]) {
        if self.mode != KeyMode::Handwriting {
            return;
        }
        if self.ink.width == 0 {
            self.ink = Ink::new(PAD_BOX, PAD_BOX);
        }
        let points = points.chunks_exact(2).map(|xy| (xy[0], xy[1]));
        if self.ink.push_stroke(points) {
            self.recognize();
        }
    }

    pub fn clear_ink(&mut self) {
        self.ink = Ink::new(PAD_BOX, PAD_BOX);
        self.written.clear();
    }

    fn recognize(&mut self) {
        self.written = match handwriting::zinnia::shared() {
            Ok(engine) => engine
                .recognize(&self.ink, WRITTEN_CANDIDATES)
                .map(|found| found.into_iter().map(|c| c.text).collect())
                .unwrap_or_else(|e| {
                    log::warn!("handwriting: {e}");
                    Vec::new()
                }),
            Err(e) => {
                log::warn!("handwriting: {e}");
                Vec::new()
            }
        };
    }
}

/// The points of a stroke as the pad sends it (`M x y L x y …`): `x, y, x, y, …`, at most
/// a stroke's bound; anything that is not a number is skipped.
pub fn stroke_points(path: &str) -> Vec<i32> {
    let mut numbers: Vec<i32> = path
        .split_ascii_whitespace()
        .filter_map(|word| word.parse::<f32>().ok())
        .map(|n| n.round().clamp(0.0, PAD_BOX as f32) as i32)
        .take(2 * 4 * handwriting::MAX_POINTS_PER_STROKE)
        .collect();
    numbers.truncate(numbers.len() / 2 * 2);
    numbers
}

/// Appends `piece` to `text` when it fits (the cursor is at the end of the field).
fn insert(text: &mut String, piece: &str, max_chars: usize) {
    if text.chars().count() + piece.chars().count() <= max_chars {
        text.push_str(piece);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded() {
        assert!(load_now().is_some());
    }

    #[test]
    fn typing_shipu_and_picking_inserts_the_place_name() {
        loaded();
        let mut keyboard = Keyboard::default();
        let mut text = String::from("浙江省");
        for key in ["s", "h", "i", "p", "u"] {
            keyboard.key(key, &mut text, 60, Some("330225"));
        }
        assert_eq!(keyboard.buffer, "shipu");
        let first = keyboard.candidates(Some("330225"))[0].text.clone();
        assert_eq!(first, "石浦");
        keyboard.pick(0, &mut text, 60, Some("330225"));
        assert_eq!((text.as_str(), keyboard.buffer.as_str()), ("浙江省石浦", ""));
        // Backspace works on the buffer first, then on the text.
        keyboard.key("z", &mut text, 60, None);
        keyboard.key("DEL", &mut text, 60, None);
        assert_eq!(text, "浙江省石浦");
        keyboard.key("DEL", &mut text, 60, None);
        assert_eq!(text, "浙江省石");
    }

    #[test]
    fn a_partial_pick_leaves_the_rest_in_the_buffer_and_limits_hold() {
        loaded();
        let mut keyboard = Keyboard::default();
        let mut text = String::new();
        for key in "shipuzhen".chars() {
            keyboard.key(&key.to_string(), &mut text, 60, Some("330225"));
        }
        let candidates = keyboard.candidates(Some("330225"));
        let partial = candidates.iter().position(|c| c.text == "石浦").expect("石浦 offered");
        keyboard.turn_page(0, Some("330225"));
        keyboard.page = partial / PAGE;
        keyboard.pick(partial % PAGE, &mut text, 60, Some("330225"));
        assert_eq!((text.as_str(), keyboard.buffer.as_str()), ("石浦", "zhen"));
        let mut short = String::from("12345");
        keyboard.set_mode(KeyMode::Digits);
        keyboard.key("6", &mut short, 5, None);
        assert_eq!(short, "12345", "a full field takes nothing more");
    }
}
