//! The on-screen text keyboard: the pinyin typed so far and the current page of candidates,
//! or on the writing pad its strokes and the characters they look like.

use crate::app::kiosk::KioskApp;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyboardView {
    pub buffer: String,
    pub candidates: Vec<String>,
    pub has_prev: bool,
    pub has_next: bool,
    /// `pinyin`, `handwriting`, `latin` or `digits`.
    pub mode: &'static str,
    /// The pad's strokes as path commands in its 1000 × 1000 box ("" when clean).
    pub ink: String,
}

pub fn keyboard(app: &KioskApp) -> KeyboardView {
    let keyboard = app.keyboard();
    let region = app.keyboard_region();
    let all = keyboard.candidates(Some(&region));
    let page = keyboard.page_size();
    let start = keyboard.page * page;
    KeyboardView {
        buffer: keyboard.buffer.clone(),
        candidates: all.iter().skip(start).take(page).map(|c| c.text.clone()).collect(),
        has_prev: keyboard.page > 0,
        has_next: all.len() > start + page,
        mode: keyboard.mode.code(),
        ink: keyboard.ink.path_commands(),
    }
}
