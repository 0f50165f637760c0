//! The last log lines of this process, for the technician's 最近日志 page: a bounded ring the
//! logger feeds next to standard error. Each line is stored scrubbed
//! ([`crate::domain::masking::scrub_line`]), with its wall-clock time and level, so what a
//! technician reads on screen never holds more than the masked forms, even if a careless
//! log line slipped through review.

use std::collections::VecDeque;
use std::sync::Mutex;

/// How many lines are kept.
pub const CAPACITY: usize = 200;

static RING: Mutex<VecDeque<LogLine>> = Mutex::new(VecDeque::new());

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Unix seconds.
    pub at: i64,
    /// `ERROR`, `WARN`, `INFO`, `DEBUG`.
    pub level: &'static str,
    pub target: String,
    /// Scrubbed.
    pub text: String,
}

impl LogLine {
    fn scrubbed(at: i64, level: log::Level, target: &str, text: &str) -> LogLine {
        LogLine {
            at,
            level: level.as_str(),
            target: target.to_string(),
            text: crate::domain::masking::scrub_line(text),
        }
    }
}

/// Keeps one line (the oldest goes when the ring is full).
pub fn push(level: log::Level, target: &str, text: &str) {
    let line = LogLine::scrubbed(crate::storage::now_unix(), level, target, text);
    let mut ring = RING.lock().unwrap_or_else(|p| p.into_inner());
    if ring.len() == CAPACITY {
        ring.pop_front();
    }
    ring.push_back(line);
}

/// Screenshots: the ring holds exactly these lines (scrubbed like any other), so a picture
/// of the logs page is the same every time.
pub fn replace_for_screenshots(lines: &[(i64, log::Level, &str, &str)]) {
    let mut ring = RING.lock().unwrap_or_else(|p| p.into_inner());
    ring.clear();
    ring.extend(
        lines
            .iter()
            .map(|(at, level, target, text)| LogLine::scrubbed(*at, *level, target, text)),
    );
}

/// The newest `n` lines, newest first, of at least `min` severity (`log::Level::Warn`: only
/// warnings and errors).
pub fn recent(n: usize, min: log::Level) -> Vec<LogLine> {
    let ring = RING.lock().unwrap_or_else(|p| p.into_inner());
    ring.iter()
        .rev()
        .filter(|line| line.level.parse::<log::Level>().is_ok_and(|level| level <= min))
        .take(n)
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_newest_lines_scrubbed() {
        for n in 0..CAPACITY + 5 {
            push(log::Level::Info, "test-ring", &format!("line {n}"));
        }
        push(log::Level::Warn, "test-ring", "card 330225198506120431 failed");
        let warnings = recent(50, log::Level::Warn);
        assert!(
            warnings.iter().any(|l| l.text == "card 330225********0431 failed"),
            "{warnings:?}"
        );
        assert!(warnings.iter().all(|l| l.level != "INFO"));
        let all = recent(CAPACITY + 10, log::Level::Trace);
        assert!(all.len() <= CAPACITY);
        assert!(!all.iter().any(|l| l.text == "line 0"), "the oldest went");
    }
}
