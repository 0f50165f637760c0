//! 查询进度: the citizen's applications, looked up at the central system with a proof that
//! the asker is the applicant — a receipt number is something anyone can type, so it is
//! never enough alone: the receipt's QR code (number and token), a typed number with the
//! last six characters of the applicant's ID number, or the ID card itself (every
//! application of the holder). The call runs on its own thread and answers through the
//! inbox; the answer, the ID tail and the card are personal and are wiped with the session.
//! Adding material later needs the token or the card: a typed tail only shows progress.

use super::central::{CentralError, CentralSystem};
use super::receipt_scan::Scanned;
use super::report::Reporter;
use crate::central_api::{StatusQuery, StatusResponse, SupplementProof};
use crate::domain::id_number::IdNumber;
use crate::domain::message::Message;
use crate::domain::receipt::ReceiptNumber;
use std::sync::Arc;

/// The longest receipt number: a 6-character prefix, date, sequence and check, no dashes.
pub const MAX_RECEIPT_CHARS: usize = 17;

/// Characters of the ID number's tail asked with a typed receipt number.
pub const ID_TAIL_CHARS: usize = 6;

/// What was asked, with its proof.
#[derive(Clone, Debug)]
pub enum LookupQuery {
    /// A typed number and the applicant's ID tail.
    Typed {
        number: ReceiptNumber,
        id_tail: String,
    },
    /// A receipt's QR code: the number and its token.
    Scanned {
        number: ReceiptNumber,
        token: String,
    },
    Card(IdNumber),
}

impl LookupQuery {
    fn to_api(&self) -> StatusQuery {
        match self {
            LookupQuery::Typed { number, id_tail } => StatusQuery::IdTail {
                receipt_no: number.as_str().to_string(),
                id_tail: id_tail.clone(),
            },
            LookupQuery::Scanned { number, token } => StatusQuery::Token {
                receipt_no: number.as_str().to_string(),
                token: token.clone(),
            },
            LookupQuery::Card(id) => StatusQuery::Card { id_number: id.clone() },
        }
    }

    /// What proves the applicant for a supplement: the token or the card, never a tail.
    fn supplement_proof(&self) -> Option<SupplementProof> {
        match self {
            LookupQuery::Scanned { token, .. } => Some(SupplementProof::Token { token: token.clone() }),
            LookupQuery::Card(id) => Some(SupplementProof::Card { id_number: id.clone() }),
            LookupQuery::Typed { .. } => None,
        }
    }
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
    /// The number was accepted and the ID tail is being typed (digits and X).
    id_tail: Option<String>,
    /// The query of the answer shown (its proof opens 补交材料 when it is a token or card).
    asked: Option<LookupQuery>,
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
            id_tail: None,
            asked: None,
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
        self.id_tail = None;
        self.asked = None;
        self.pending = false;
        self.answer = None;
        self.by_card = false;
        self.generation += 1;
    }

    /// One key of the keypad or letter row: a digit or letter, `DEL` or `CLEAR`. While the
    /// ID tail is asked, keys type the tail (digits and X); `DEL` on an empty tail goes back
    /// to the number.
    pub fn key(&mut self, key: &str) {
        if let Some(tail) = &mut self.id_tail {
            match key {
                "DEL" if tail.is_empty() => self.id_tail = None,
                "DEL" => {
                    tail.pop();
                }
                "CLEAR" => tail.clear(),
                k => {
                    for c in k.chars().map(|c| c.to_ascii_uppercase()) {
                        if (c.is_ascii_digit() || c == 'X') && tail.len() < ID_TAIL_CHARS {
                            tail.push(c);
                        }
                    }
                }
            }
            self.answer = None;
            return;
        }
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

    /// 查询 on the keypad: a well-formed number asks for the ID tail next; with the tail
    /// complete, the lookup starts. A malformed number is answered at once.
    pub fn search_receipt(&mut self) {
        let number = match ReceiptNumber::parse(&self.typed_display()) {
            Ok(number) => number,
            Err(_) => {
                self.id_tail = None;
                self.answer = Some(Err(Message::ProgressBadReceipt));
                return;
            }
        };
        match &self.id_tail {
            None => {
                self.id_tail = Some(String::new());
                self.answer = None;
            }
            Some(tail) if tail.len() == ID_TAIL_CHARS => {
                let id_tail = tail.clone();
                self.start(LookupQuery::Typed { number, id_tail });
            }
            Some(_) => self.answer = Some(Err(Message::ProgressIdTailNeeded)),
        }
    }

    /// Looks up a receipt read from its QR code (the number shown as if typed). A code
    /// without a token asks for the ID tail, as a typed number does.
    pub fn search_scanned(&mut self, scanned: Scanned) {
        if self.pending {
            return;
        }
        self.typed = scanned.number.as_str().replace('-', "");
        match scanned.token {
            Some(token) => self.start(LookupQuery::Scanned {
                number: scanned.number,
                token: token.as_str().to_string(),
            }),
            None => {
                self.id_tail = Some(String::new());
                self.answer = None;
            }
        }
    }

    /// While the ID tail is asked: the characters typed so far.
    pub fn id_tail(&self) -> Option<&str> {
        self.id_tail.as_deref()
    }

    /// The proof for 补交材料 on the answer shown: the receipt's token or the card.
    pub fn supplement_proof(&self) -> Option<SupplementProof> {
        self.answer.as_ref().filter(|a| a.is_ok())?;
        self.asked.as_ref()?.supplement_proof()
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
        let api_query = query.to_api();
        self.asked = Some(query);
        std::thread::spawn(move || {
            let result = central.status(&api_query).map(|answer| answer.applications);
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

    /// The citizen supplied material for `receipt` here: the answer shows the case back in
    /// pre-review (as the central will have it once the queued photos arrive), so that
    /// nobody sends it a second time.
    pub fn mark_supplied(&mut self, receipt: &str) {
        if let Some(Ok(cases)) = &mut self.answer {
            for case in cases.iter_mut().filter(|c| c.receipt_no == receipt) {
                case.status = crate::central_api::CaseStatus::Received;
                case.message = None;
            }
        }
    }

    pub fn answer(&self) -> Option<&Result<Vec<StatusResponse>, Message>> {
        self.answer.as_ref()
    }

    /// Screenshots and tests: an answer as if the central system had given it for `asked`.
    pub fn stage_answer(&mut self, answer: Result<Vec<StatusResponse>, Message>, asked: LookupQuery) {
        self.pending = false;
        self.by_card = matches!(asked, LookupQuery::Card(_));
        self.asked = Some(asked);
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

    /// 查询 on the number, the six tail characters, 查询 again.
    fn search_with_tail(lookup: &mut ProgressLookup, tail: &str) {
        lookup.search_receipt();
        for c in tail.chars() {
            lookup.key(&c.to_string());
        }
        lookup.search_receipt();
    }

    #[test]
    fn a_typed_number_asks_for_the_id_tail_before_anything_is_asked() {
        let mut lookup = ProgressLookup::new(None, None, "DEV1");
        let number =
            ReceiptNumber::issue("DEV1", crate::domain::calendar::Date::parse("2026-11-26").unwrap(), 1).unwrap();
        lookup.typed = number.as_str().replace('-', "");
        lookup.search_receipt();
        assert_eq!(
            (lookup.id_tail(), lookup.answer()),
            (Some(""), None),
            "the tail is asked next"
        );
        for k in ["1", "A", "0", "0", "2", "x", "9", "9"] {
            lookup.key(k);
        }
        assert_eq!(lookup.id_tail(), Some("1002X9"), "digits and X only, six at most");
        lookup.key("DEL");
        lookup.search_receipt();
        assert_eq!(lookup.answer(), Some(&Err(Message::ProgressIdTailNeeded)));
        lookup.key("CLEAR");
        lookup.key("DEL");
        assert_eq!(lookup.id_tail(), None, "DEL on an empty tail goes back to the number");
        assert!(lookup.supplement_proof().is_none());
    }

    #[test]
    fn without_a_central_system_the_answer_is_offline_and_a_stale_answer_is_dropped() {
        let mut lookup = ProgressLookup::new(None, None, "DEV1");
        let number =
            ReceiptNumber::issue("DEV1", crate::domain::calendar::Date::parse("2026-11-26").unwrap(), 1).unwrap();
        lookup.typed = number.as_str().replace('-', "");
        search_with_tail(&mut lookup, "31002X");
        assert_eq!(lookup.answer(), Some(&Err(Message::CentralOffline)));

        use crate::app::inbox::Inbound;
        let (inbox, receiver) = crate::app::inbox::channel();
        let central: Arc<dyn CentralSystem> = Arc::new(SimCentral::default());
        let mut lookup = ProgressLookup::new(Some(central), Some(inbox.reporter(Inbound::Lookup)), "DEV1");
        lookup.typed = number.as_str().replace('-', "");
        search_with_tail(&mut lookup, "31002X");
        assert!(lookup.pending());
        lookup.reset();
        let Some(Inbound::Lookup(done)) = receiver.wait(std::time::Duration::from_secs(10)) else {
            panic!("the lookup reports");
        };
        lookup.finished(done);
        assert_eq!(lookup.answer(), None, "the answer of an ended session is dropped");
    }
}
