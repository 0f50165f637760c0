//! 咨询投诉: a question, a complaint or a suggestion left at the kiosk, with a mobile number
//! for the call back. Three stages on one page: what it is about (kind and topic), the words
//! (common phrases or the pinyin keyboard), the number; then the ticket number the central
//! system gave it. The call runs on its own thread and answers through the inbox, under one
//! idempotency key per message, so a tap twice or a lost reply files it once. The words and
//! the number are wiped with the session and never logged.

use super::central::{CentralError, CentralSystem};
use super::report::Reporter;
use super::shared::Shared;
use super::text_entry::Keyboard;
use crate::central_api::{ComplaintResponse, SubmitComplaint};
use crate::domain::message::Message;
use crate::domain::session::Step;
use std::sync::Arc;

/// 咨询, 投诉, 建议.
pub const KINDS: [&str; 3] = ["consult", "complaint", "suggestion"];
/// What it is about: a service, a case's progress, how staff treated the citizen, the
/// kiosk itself, something else.
pub const TOPICS: [&str; 5] = ["service", "progress", "staff", "kiosk", "other"];
/// The longest message the page takes (the keyboard stops there).
pub const MAX_TEXT: usize = 200;
/// A mobile number.
const PHONE_DIGITS: usize = 11;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsultAction {
    /// One of [`KINDS`].
    Kind(String),
    /// One of [`TOPICS`]: chosen, the words come next.
    Topic(String),
    /// A common phrase, in the citizen's language, added to the words.
    Phrase(String),
    /// The words are written: the number comes next.
    ToPhone,
    /// A keypad key for the number (digits, `DEL`, `CLEAR`).
    PhoneKey(String),
    Send,
    /// One stage back.
    Back,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Topic,
    Text,
    Phone,
    /// Filed: the ticket number shows.
    Sent,
}

/// A finished call, reported to the app.
#[derive(Debug)]
pub struct ConsultReport {
    pub generation: u64,
    pub answer: Result<ComplaintResponse, CentralError>,
}

pub struct ConsultDesk {
    central: Option<Arc<dyn CentralSystem>>,
    inbox: Option<Reporter<ConsultReport>>,
    generation: u64,
    stage: Stage,
    kind: &'static str,
    topic: Option<&'static str>,
    /// Personal: wiped with the session.
    text: String,
    /// Personal: wiped with the session.
    phone: String,
    ticket: Option<String>,
    busy: bool,
    error: Option<Message>,
    /// Fixed for this citizen; with a digest of the message it makes the idempotency key:
    /// the same message sent again files once, a changed one is a new message.
    nonce: String,
}

impl ConsultDesk {
    pub fn new(central: Option<Arc<dyn CentralSystem>>, inbox: Option<Reporter<ConsultReport>>) -> ConsultDesk {
        ConsultDesk {
            central,
            inbox,
            generation: 0,
            stage: Stage::Topic,
            kind: KINDS[0],
            topic: None,
            text: String::new(),
            phone: String::new(),
            ticket: None,
            busy: false,
            error: None,
            nonce: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    pub fn stage(&self) -> Stage {
        self.stage
    }
    pub fn kind(&self) -> &'static str {
        self.kind
    }
    pub fn topic(&self) -> Option<&'static str> {
        self.topic
    }
    pub fn text(&self) -> &str {
        &self.text
    }
    pub fn phone(&self) -> &str {
        &self.phone
    }
    pub fn ticket(&self) -> Option<&str> {
        self.ticket.as_deref()
    }
    pub fn busy(&self) -> bool {
        self.busy
    }
    pub fn error(&self) -> Option<Message> {
        self.error
    }

    /// The words, for the on-screen keyboard (only while they are being written).
    pub fn text_mut(&mut self) -> Option<(&mut String, usize)> {
        (self.stage == Stage::Text && !self.busy).then_some((&mut self.text, MAX_TEXT))
    }

    /// 咨询投诉 was asked for on the welcome page: a fresh start if the page is now shown,
    /// with the keyboard reset and the pinyin engine loading.
    pub fn on_opened(&mut self, s: &mut Shared) {
        if s.session.step == Step::Consult {
            self.forget();
            s.keyboard = Keyboard::for_lang(s.lang());
            super::text_entry::warm_up();
        }
    }

    /// A new citizen: nothing is kept.
    pub fn forget(&mut self) {
        let (central, inbox, generation) = (self.central.take(), self.inbox.take(), self.generation + 1);
        *self = ConsultDesk::new(central, inbox);
        self.generation = generation;
    }

    /// Carries out the citizen's action.
    pub fn act(&mut self, action: ConsultAction) {
        if self.busy || self.stage == Stage::Sent {
            return; // a tap twice while the call is out, or after it is filed
        }
        self.error = None;
        match action {
            ConsultAction::Kind(kind) => {
                if let Some(known) = KINDS.iter().find(|k| **k == kind) {
                    self.kind = known;
                }
            }
            ConsultAction::Topic(topic) => {
                if let Some(known) = TOPICS.iter().find(|t| **t == topic) {
                    self.topic = Some(known);
                    self.stage = Stage::Text;
                }
            }
            ConsultAction::Phrase(phrase) => {
                if self.stage == Stage::Text {
                    let room = MAX_TEXT.saturating_sub(self.text.chars().count());
                    self.text.extend(phrase.trim().chars().take(room));
                }
            }
            ConsultAction::ToPhone => {
                if self.text.trim().is_empty() {
                    self.error = Some(Message::ConsultText);
                } else {
                    self.stage = Stage::Phone;
                }
            }
            ConsultAction::PhoneKey(key) => match key.as_str() {
                "DEL" => {
                    self.phone.pop();
                }
                "CLEAR" => self.phone.clear(),
                k if k.len() == 1 && k.bytes().all(|b| b.is_ascii_digit()) && self.phone.len() < PHONE_DIGITS => {
                    self.phone.push_str(k)
                }
                _ => {}
            },
            ConsultAction::Send => self.send(),
            ConsultAction::Back => {
                self.stage = match self.stage {
                    Stage::Phone => Stage::Text,
                    Stage::Text | Stage::Topic => Stage::Topic,
                    Stage::Sent => Stage::Sent,
                };
            }
        }
    }

    /// The central system's answer.
    pub fn finished(&mut self, report: ConsultReport) {
        if report.generation != self.generation {
            return; // for a session that is over
        }
        self.busy = false;
        match report.answer {
            Ok(answer) => {
                log::info!("consultation filed as {}", answer.ticket_no);
                self.ticket = Some(answer.ticket_no);
                self.stage = Stage::Sent;
            }
            Err(e) => {
                log::warn!("consultation not filed: {e}");
                self.error = Some(e.message());
            }
        }
    }

    fn send(&mut self) {
        if self.stage != Stage::Phone {
            return;
        }
        if self.phone.len() != PHONE_DIGITS || !self.phone.starts_with('1') {
            self.error = Some(Message::ConsultPhone);
            return;
        }
        let (Some(central), Some(inbox)) = (self.central.clone(), self.inbox.clone()) else {
            self.error = Some(Message::CentralOffline);
            return;
        };
        let mut request = SubmitComplaint {
            idempotency_key: String::new(),
            phone: self.phone.clone(),
            topic: format!("{}/{}", self.kind, self.topic.unwrap_or("other")),
            text: self.text.trim().to_string(),
        };
        request.idempotency_key = idempotency_key(&self.nonce, &request);
        self.busy = true;
        let generation = self.generation;
        let spawned = std::thread::Builder::new().name("consult".into()).spawn(move || {
            let answer = central.complain(&request);
            inbox.report(ConsultReport { generation, answer });
        });
        if let Err(e) = spawned {
            log::error!("cannot start the consultation call: {e}");
            self.busy = false;
            self.error = Some(Message::CentralOffline);
        }
    }

    /// Shows a filed message (screenshots).
    pub fn stage_sent(&mut self, kind: &'static str, topic: &'static str, text: &str, phone: &str, ticket: &str) {
        self.kind = kind;
        self.topic = Some(topic);
        self.text = text.to_string();
        self.phone = phone.to_string();
        self.ticket = Some(ticket.to_string());
        self.stage = Stage::Sent;
    }
}

/// `consult-<nonce>-<digest of topic, number and words>`.
fn idempotency_key(nonce: &str, request: &SubmitComplaint) -> String {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    for part in [&request.topic, &request.phone, &request.text] {
        digest.update(part.as_bytes());
        digest.update([0]);
    }
    let digest = digest.finalize();
    let short = hex::encode(&digest[..8]);
    format!("consult-{nonce}-{short}")
}

#[cfg(test)]
mod tests;
