//! 请取回身份证: the ID card must not stay behind on the reader. A card read in a session
//! is watched, without being read again, once the reader stops reading
//! ([`crate::devices::card_reader::CardReader::watch_for_lift`]). When the receipt comes out,
//! or the session ends, while the card is still there, a full-screen reminder shows (and is
//! spoken, whatever the voice setting, where the kiosk has a speaker) until the reader
//! reports the card lifted, the citizen taps 已取回, or [`REMINDER_MS`] have passed (a
//! reader that cannot tell, or a card left for staff to find).

/// The longest the reminder stays without the reader reporting the card lifted.
pub const REMINDER_MS: u64 = 30_000;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardReminder {
    /// A card read this session may still lie on the reader.
    on_reader: bool,
    /// The reader watches for the card's lift (it can tell when it is taken).
    watched: bool,
    /// The reminder shows since this session-clock moment.
    since_ms: Option<u64>,
}

impl CardReminder {
    /// A citizen's card was read.
    pub fn card_read(&mut self) {
        self.on_reader = true;
    }

    /// The reader stopped reading; `watching` says whether it watches for the lift now.
    pub fn reader_stopped(&mut self, watching: bool) {
        if self.on_reader {
            self.watched = watching;
        }
    }

    /// The reader reports the card taken: the reminder goes (true when it was showing).
    pub fn lifted(&mut self) -> bool {
        self.on_reader = false;
        self.watched = false;
        self.since_ms.take().is_some()
    }

    /// The receipt came out or the session ended: remind if the card is still there (true
    /// when the reminder starts now).
    pub fn remind(&mut self, now_ms: u64) -> bool {
        if self.on_reader && self.since_ms.is_none() {
            self.since_ms = Some(now_ms);
            return true;
        }
        false
    }

    /// The clock: the reminder ends after [`REMINDER_MS`].
    pub fn tick(&mut self, now_ms: u64) {
        if self
            .since_ms
            .is_some_and(|since| now_ms.saturating_sub(since) >= REMINDER_MS)
        {
            self.dismiss();
        }
    }

    /// 已取回 tapped (or the time is up): no more reminding about this card.
    pub fn dismiss(&mut self) {
        self.since_ms = None;
        self.on_reader = false;
    }

    pub fn showing(&self) -> bool {
        self.since_ms.is_some()
    }

    /// Whether the reader will say when the card is taken (the reminder says "lift it" then,
    /// else "take it" and shows 已取回).
    pub fn watched(&self) -> bool {
        self.watched
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_left_on_the_reader_is_reminded_until_taken() {
        let mut r = CardReminder::default();
        assert!(!r.remind(0), "no card read, nothing to remind");
        r.card_read();
        r.reader_stopped(true);
        assert!(r.watched());
        assert!(r.remind(1_000) && r.showing());
        assert!(!r.remind(2_000), "once");
        r.tick(1_000 + REMINDER_MS - 1);
        assert!(r.showing());
        assert!(r.lifted() && !r.showing());
        assert!(!r.remind(40_000), "the card is gone");
    }

    #[test]
    fn a_card_taken_before_the_end_is_not_reminded_and_time_ends_it() {
        let mut r = CardReminder::default();
        r.card_read();
        r.reader_stopped(true);
        assert!(!r.lifted(), "taken right after the read: nothing was showing");
        assert!(!r.remind(5_000));
        r.card_read();
        r.reader_stopped(false);
        assert!(r.remind(6_000) && !r.watched());
        r.tick(6_000 + REMINDER_MS);
        assert!(
            !r.showing(),
            "a reader that cannot tell: the reminder ends after a while"
        );
        r.card_read();
        assert!(r.remind(50_000));
        r.dismiss();
        assert!(!r.showing() && !r.remind(51_000));
    }
}
