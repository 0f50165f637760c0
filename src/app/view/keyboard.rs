//! The on-screen text keyboard: the pinyin typed so far and the current page of candidates.

use crate::app::kiosk::KioskApp;
use crate::app::text_entry::PAGE;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyboardView {
    pub buffer: String,
    pub candidates: Vec<String>,
    pub has_prev: bool,
    pub has_next: bool,
    /// `pinyin`, `latin` or `digits`.
    pub mode: &'static str,
}

pub fn keyboard(app: &KioskApp) -> KeyboardView {
    let keyboard = app.keyboard();
    let region = app.keyboard_region();
    let all = keyboard.candidates(Some(&region));
    let start = keyboard.page * PAGE;
    KeyboardView {
        buffer: keyboard.buffer.clone(),
        candidates: all.iter().skip(start).take(PAGE).map(|c| c.text.clone()).collect(),
        has_prev: keyboard.page > 0,
        has_next: all.len() > start + PAGE,
        mode: keyboard.mode.code(),
    }
}
