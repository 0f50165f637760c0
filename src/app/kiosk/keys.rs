//! The on-screen keyboard types into whatever text is open: a field of the delivery address,
//! the consultation's words, or the form's active field. The router owns this choice, so
//! no feature has to know the others' texts.

use super::KioskApp;
use crate::app::journey::field_at;
use crate::app::text_entry::{KeyMode, KeyboardIntent};
use crate::domain::session::Step;

impl KioskApp {
    pub(super) fn on_keyboard(&mut self, intent: KeyboardIntent) {
        let region = self.keyboard_region();
        let mut keyboard = std::mem::take(&mut self.shared.keyboard);
        // Typing or writing on the address page keeps its keyboard up (not the place list).
        if matches!(
            intent,
            KeyboardIntent::Key(_) | KeyboardIntent::Stroke(_) | KeyboardIntent::Mode(_)
        ) {
            if let Some(draft) = &mut self.journey.address {
                draft.typing = true;
            }
        }
        match intent {
            KeyboardIntent::Key(key) => {
                if let Some((text, max)) = self.text_target() {
                    keyboard.key(&key, text, max, Some(&region));
                }
            }
            KeyboardIntent::PickCandidate(index) => {
                if let Some((text, max)) = self.text_target() {
                    keyboard.pick(index, text, max, Some(&region));
                }
            }
            KeyboardIntent::CandidatePage(delta) => keyboard.turn_page(delta, Some(&region)),
            KeyboardIntent::Mode(mode) => keyboard.set_mode(KeyMode::parse(&mode)),
            KeyboardIntent::Stroke(points) => keyboard.stroke(&points),
            KeyboardIntent::ClearInk => keyboard.clear_ink(),
        }
        self.shared.keyboard = keyboard;
        self.shared.touch()
    }

    /// The text the on-screen keyboard edits now, and its limit.
    fn text_target(&mut self) -> Option<(&mut String, usize)> {
        if let Some(draft) = self.journey.address.as_mut() {
            let active = draft.active;
            return Some(draft.field_mut(active));
        }
        if self.shared.session.step == Step::Consult {
            return self.consult.text_mut();
        }
        if self.shared.session.step != Step::Form {
            return None;
        }
        let (code, max) = field_at(&self.shared, self.journey.active_field)?;
        Some((self.journey.form_draft.entry(code).or_default(), max))
    }
}
