//! The 咨询投诉 page: the stage (topic, words, number, filed), the kind and topic chosen (as
//! codes: the page words them with `@tr`), the words as written, the number grouped while it
//! is typed and masked once filed, and the ticket number to quote on the phone.

use super::i18n::text;
use crate::app::consult::{Stage, MAX_TEXT};
use crate::app::kiosk::KioskApp;
use crate::domain::masking::mask_phone;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsultView {
    /// `topic`, `text`, `phone` or `sent`.
    pub stage: &'static str,
    /// `consult`, `complaint` or `suggestion`.
    pub kind: &'static str,
    /// One of `consult::TOPICS`; empty until chosen.
    pub topic: &'static str,
    pub text: String,
    /// Characters left before the limit.
    pub room: usize,
    /// Grouped 3-4-4 while typed; masked once filed.
    pub phone: String,
    pub ticket: String,
    pub busy: bool,
    pub error: String,
}

pub fn consult(app: &KioskApp) -> ConsultView {
    let desk = app.consult();
    let stage = match desk.stage() {
        Stage::Topic => "topic",
        Stage::Text => "text",
        Stage::Phone => "phone",
        Stage::Sent => "sent",
    };
    ConsultView {
        stage,
        kind: desk.kind(),
        topic: desk.topic().unwrap_or(""),
        text: desk.text().to_string(),
        room: MAX_TEXT.saturating_sub(desk.text().chars().count()),
        phone: if desk.stage() == Stage::Sent {
            mask_phone(desk.phone())
        } else {
            super::appointment::grouped_phone(desk.phone())
        },
        ticket: desk.ticket().unwrap_or_default().to_string(),
        busy: desk.busy(),
        error: desk
            .error()
            .map(|m| text(m, app.lang()).to_string())
            .unwrap_or_default(),
    }
}
