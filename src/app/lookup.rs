//! 查询进度: the citizen's applications, looked up at the central system by receipt number
//! (typed) or by ID card (sent only as a keyed hash). The call runs on its own thread and
//! answers through the inbox; the answer is personal and is wiped with the session.

use super::central::{CentralError, CentralSystem};
use super::report::Reporter;
use crate::central_api::StatusResponse;
use crate::domain::id_number::IdNumber;
use crate::domain::message::Message;
use crate::domain::receipt::ReceiptNumber;
use std::sync::Arc;

/// The longest receipt number: a 6-character prefix, date, sequence and check, no dashes.
pub const MAX_RECEIPT_CHARS: usize = 17;

/// What was asked.
#[derive(Clone, Debug)]
pub enum LookupQuery {
    Receipt(ReceiptNumber),
    Card(IdNumber),
}

/// A finished lookup, reported to the app.
#[derive(Debug)]
pub struct LookupDone {
    pub generation: u64,
    pub result: Result<Vec<StatusResponse>, CentralError>,
}

/// The progress page's state.
pub struct ProgressLookup {
    central: Option<Arc<dyn CentralSystem>>,
    inbox: Option<Reporter<LookupDone>>,
    /// Letters and digits typed, without dashes (the prefix of this kiosk to start with).
    typed: String,
    pending: bool,
    answer: Option<Result<Vec<StatusResponse>, Message>>,
    /// Looked up with the ID card (the answer lists every application of the person).
    by_card: bool,
    generation: u64,
    own_prefix: String,
}

impl ProgressLookup {
    pub fn new(
        central: Option<Arc<dyn CentralSystem>>,
        inbox: Option<Reporter<LookupDone>>,
        own_prefix: &str,
    ) -> ProgressLookup {
        ProgressLookup {
            central,
            inbox,
            typed: own_prefix.to_string(),
            pending: false,
            answer: None,
            by_card: false,
            generation: 0,
            own_prefix: own_prefix.to_string(),
        }
    }

    /// Back to an empty page (the session ended or the citizen asks again).
    pub fn reset(&mut self) {
        self.typed = self.own_prefix.clone();
        self.pending = false;
        self.answer = None;
        self.by_card = false;
        self.generation += 1;
    }

    /// One key of the keypad or letter row: a digit or letter, `DEL` or `CLEAR`.
    pub fn key(&mut self, key: &str) {
        match key {
            "DEL" => {
                self.typed.pop();
            }
            "CLEAR" => self.typed.clear(),
            k => {
                for c in k.chars().filter(char::is_ascii_alphanumeric) {
                    if self.typed.len() < MAX_RECEIPT_CHARS {
                        self.typed.push(c.to_ascii_uppercase());
                    }
                }
            }
        }
        self.answer = None;
    }

    /// The typed number as it is printed (PREFIX-YYMMDD-NNNN-C), dashes added as the parts
    /// fill up. The prefix is this kiosk's when the number starts with it, else whatever
    /// leaves the 11 characters of date, sequence and check.
    pub fn typed_display(&self) -> String {
        let t = &self.typed;
        let prefix_len = if t.starts_with(&self.own_prefix) {
            self.own_prefix.len()
        } else if t.len() >= 13 {
            t.len() - 11
        } else {
            return t.clone();
        };
        let mut parts = vec![&t[..prefix_len]];
        let mut at = prefix_len;
        for size in [6, 4, 1] {
            if at >= t.len() {
                break;
            }
            let end = (at + size).min(t.len());
            parts.push(&t[at..end]);
            at = end;
        }
        let mut shown = parts.join("-");
        shown.push_str(&t[at..]);
        shown
    }

    /// Looks up the typed receipt number. A malformed number is answered at once.
    pub fn search_receipt(&mut self) {
        match ReceiptNumber::parse(&self.typed_display()) {
            Ok(number) => self.start(LookupQuery::Receipt(number)),
            Err(_) => self.answer = Some(Err(Message::ProgressBadReceipt)),
        }
    }

    /// Looks up a number read from a receipt's QR code (shown as if typed).
    pub fn search_scanned(&mut self, number: ReceiptNumber) {
        if self.pending {
            return;
        }
        self.typed = number.as_str().replace('-', "");
        self.start(LookupQuery::Receipt(number));
    }

    /// Looks up every application of the card's holder.
    pub fn search_card(&mut self, id: IdNumber) {
        self.start(LookupQuery::Card(id));
    }

    fn start(&mut self, query: LookupQuery) {
        if self.pending {
            return;
        }
        self.by_card = matches!(query, LookupQuery::Card(_));
        let (Some(central), Some(inbox)) = (self.central.clone(), self.inbox.clone()) else {
            self.answer = Some(Err(Message::CentralOffline));
            return;
        };
        self.pending = true;
        self.answer = None;
        let generation = self.generation;
        std::thread::spawn(move || {
            let result = match &query {
                LookupQuery::Receipt(number) => central.status_by_receipt(number.as_str()).map(|answer| vec![answer]),
                LookupQuery::Card(id) => central.status_by_id(id).map(|answer| answer.applications),
            };
            inbox.report(LookupDone { generation, result });
        });
    }

    /// Takes a finished lookup in (one from an ended session is dropped).
    pub fn finished(&mut self, done: LookupDone) {
        if done.generation != self.generation {
            return;
        }
        self.pending = false;
        self.answer = Some(match done.result {
            Ok(applications) if applications.is_empty() => Err(Message::CentralNotFound),
            Ok(applications) => Ok(applications),
            Err(e) => {
                log::info!("progress lookup: {e}");
                Err(e.message())
            }
        });
    }

    pub fn typed(&self) -> &str {
        &self.typed
    }

    pub fn pending(&self) -> bool {
        self.pending
    }

    pub fn by_card(&self) -> bool {
        self.by_card
    }

    pub fn answer(&self) -> Option<&Result<Vec<StatusResponse>, Message>> {
        self.answer.as_ref()
    }

    /// Screenshots and tests: an answer as if the central system had given it.
    pub fn stage_answer(&mut self, answer: Result<Vec<StatusResponse>, Message>, by_card: bool) {
        self.pending = false;
        self.by_card = by_card;
        self.answer = Some(answer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::central_sim::SimCentral;

    #[test]
    fn typing_formats_the_number_and_a_bad_one_is_answered_at_once() {
        let mut lookup = ProgressLookup::new(None, None, "DEV1");
        assert_eq!(lookup.typed_display(), "DEV1");
        for k in ["2", "6", "1", "1", "2", "6", "0", "0", "0", "1"] {
            lookup.key(k);
        }
        assert_eq!(lookup.typed_display(), "DEV1-261126-0001");
        lookup.key("z");
        assert_eq!(lookup.typed_display(), "DEV1-261126-0001-Z");
        lookup.search_receipt();
        assert_eq!(
            lookup.answer(),
            Some(&Err(Message::ProgressBadReceipt)),
            "check character wrong"
        );
        lookup.key("DEL");
        lookup.key("CLEAR");
        assert_eq!(lookup.typed(), "");
    }

    #[test]
    fn without_a_central_system_the_answer_is_offline_and_a_stale_answer_is_dropped() {
        let mut lookup = ProgressLookup::new(None, None, "DEV1");
        let number =
            ReceiptNumber::issue("DEV1", crate::domain::calendar::Date::parse("2026-11-26").unwrap(), 1).unwrap();
        lookup.typed = number.as_str().replace('-', "");
        lookup.search_receipt();
        assert_eq!(lookup.answer(), Some(&Err(Message::CentralOffline)));

        use crate::app::inbox::Inbound;
        let (inbox, receiver) = crate::app::inbox::channel();
        let central: Arc<dyn CentralSystem> = Arc::new(SimCentral::default());
        let mut lookup = ProgressLookup::new(Some(central), Some(inbox.reporter(Inbound::Lookup)), "DEV1");
        lookup.typed = number.as_str().replace('-', "");
        lookup.search_receipt();
        assert!(lookup.pending());
        lookup.reset();
        let Some(Inbound::Lookup(done)) = receiver.wait(std::time::Duration::from_secs(10)) else {
            panic!("the lookup reports");
        };
        lookup.finished(done);
        assert_eq!(lookup.answer(), None, "the answer of an ended session is dropped");
    }
}
