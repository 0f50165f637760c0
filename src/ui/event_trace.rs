//! How long the UI thread is busy with each thing it does: every intent, report, tick and
//! camera frame lands in a histogram of 100 µs buckets (up to 50 ms, then one overflow
//! bucket), and the ten worst are kept with their kind. The soak bench reads it to report
//! p99, p99.9 and the worst events; it costs two clock reads and an array increment.
//! Kinds never carry data: an intent is named by its variant names only (no typed text).

use std::time::Duration;

/// Width of one histogram bucket.
const BUCKET_US: u64 = 100;
/// Buckets up to 50 ms; anything longer counts in the last one.
const BUCKETS: usize = 501;
/// How many of the worst events are remembered.
const WORST_KEPT: usize = 10;

/// What kept the UI thread busy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A page's intent, by its variant names (`Journey(ChooseItem`, `Start`).
    Intent(String),
    /// Reports from the worker, the reader or the central system, by kind (`camera+worker`).
    Reports(String),
    /// The clock tick (countdowns, idle wipe, attract slides).
    Tick,
    /// One camera preview frame shown.
    Preview,
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventKind::Intent(name) => write!(f, "intent {name}"),
            EventKind::Reports(kinds) => write!(f, "reports {kinds}"),
            EventKind::Tick => f.write_str("tick"),
            EventKind::Preview => f.write_str("preview frame"),
        }
    }
}

/// The name of an intent's variants from its `Debug` form: letters up to the first value
/// (`Journey(ChooseItem("HH-006"))` → `Journey(ChooseItem`). Formatting stops at that first value, so an
/// intent's payload (typed text, a signature's strokes) is never written out, not even
/// into a temporary string, and a long one costs nothing.
pub fn intent_kind(intent: &dyn std::fmt::Debug) -> String {
    use std::fmt::Write;
    /// Takes name characters and refuses the rest, which ends the formatting there.
    struct Names(String);
    impl Write for Names {
        fn write_str(&mut self, text: &str) -> std::fmt::Result {
            for c in text.chars() {
                if !(c.is_ascii_alphabetic() || c == '_' || c == '(') {
                    return Err(std::fmt::Error);
                }
                self.0.push(c);
            }
            Ok(())
        }
    }
    let mut names = Names(String::new());
    let _ = write!(names, "{intent:?}");
    names.0.trim_end_matches('(').to_string()
}

/// The histogram and the worst events.
#[derive(Clone, Debug)]
pub struct EventTrace {
    buckets: Vec<u64>,
    count: u64,
    worst: Vec<(Duration, EventKind)>,
}

impl Default for EventTrace {
    fn default() -> Self {
        EventTrace {
            buckets: vec![0; BUCKETS],
            count: 0,
            worst: Vec::with_capacity(WORST_KEPT + 1),
        }
    }
}

impl EventTrace {
    /// Counts one event; `kind` is only asked for when the event is among the worst.
    pub fn record(&mut self, took: Duration, kind: impl FnOnce() -> EventKind) {
        let bucket = (took.as_micros() as u64 / BUCKET_US).min(BUCKETS as u64 - 1) as usize;
        self.buckets[bucket] += 1;
        self.count += 1;
        let enters = self.worst.len() < WORST_KEPT || self.worst.last().is_some_and(|(d, _)| took > *d);
        if enters {
            let at = self.worst.partition_point(|(d, _)| *d >= took);
            self.worst.insert(at, (took, kind()));
            self.worst.truncate(WORST_KEPT);
        }
    }

    /// Events counted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The longest event.
    pub fn max(&self) -> Duration {
        self.worst.first().map_or(Duration::ZERO, |(d, _)| *d)
    }

    /// The duration `q` (0..=1) of events stay under: the upper edge of the bucket that
    /// holds the quantile, so it never flatters.
    pub fn quantile(&self, q: f64) -> Duration {
        if self.count == 0 {
            return Duration::ZERO;
        }
        let rank = ((self.count as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                if i == BUCKETS - 1 {
                    return self.max();
                }
                return Duration::from_micros((i as u64 + 1) * BUCKET_US).min(self.max());
            }
        }
        self.max()
    }

    /// The worst events, longest first.
    pub fn worst(&self) -> &[(Duration, EventKind)] {
        &self.worst
    }

    /// Starts counting again (the soak counts the journeys, not the start-up).
    pub fn reset(&mut self) {
        *self = EventTrace::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_worst_events() {
        let mut trace = EventTrace::default();
        for _ in 0..998 {
            trace.record(Duration::from_micros(250), || EventKind::Tick);
        }
        trace.record(Duration::from_millis(9), || EventKind::Preview);
        trace.record(Duration::from_millis(70), || EventKind::Intent("Start".into()));
        assert_eq!(trace.count(), 1000);
        assert_eq!(trace.quantile(0.5), Duration::from_micros(300));
        assert_eq!(trace.quantile(0.998), Duration::from_micros(300));
        assert_eq!(trace.quantile(0.999), Duration::from_micros(9_100));
        assert_eq!(trace.quantile(1.0), Duration::from_millis(70));
        assert_eq!(trace.max(), Duration::from_millis(70));
        let worst: Vec<String> = trace.worst().iter().take(2).map(|(_, k)| k.to_string()).collect();
        assert_eq!(worst, ["intent Start", "preview frame"]);
        assert_eq!(trace.worst().len(), 10);
        trace.reset();
        assert_eq!((trace.count(), trace.max()), (0, Duration::ZERO));
    }

    #[test]
    fn intent_kinds_carry_no_values() {
        use crate::app::intent::{Intent, JourneyIntent, SimAction};
        assert_eq!(
            intent_kind(&Intent::Journey(JourneyIntent::ChooseItem("HH-006".into()))),
            "Journey(ChooseItem"
        );
        assert_eq!(intent_kind(&Intent::Start), "Start");
        assert_eq!(intent_kind(&Intent::Sim(SimAction::PlaceCard(0))), "Sim(PlaceCard");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Form {
            field: &'static str,
        }
        assert_eq!(intent_kind(&Form { field: "phone" }), "Form");
    }
}
