//! Debouncing one input from sampled levels: a new level counts once it has been seen
//! without interruption for the debounce time. Bounces shorter than that (a switch's contact
//! chatter, a PIR's glitch) produce no edge, and a bouncing change produces one edge, dated
//! from the start of the level that held. Pure: levels and times come in as arguments.

#[derive(Clone, Debug)]
pub struct Debouncer {
    stable: bool,
    /// A different level seen since this time, not yet held long enough.
    candidate: Option<(bool, u64)>,
    debounce_ms: u64,
}

impl Debouncer {
    /// Starts at `level` (what the first sample showed), with no edge.
    pub fn new(level: bool, debounce_ms: u64) -> Debouncer {
        Debouncer {
            stable: level,
            candidate: None,
            debounce_ms,
        }
    }

    pub fn level(&self) -> bool {
        self.stable
    }

    /// A new level was seen and has not yet held for the debounce time.
    pub fn settling(&self) -> bool {
        self.candidate.is_some()
    }

    /// One sample; `Some((level, since_ms))` when the stable level changes.
    pub fn sample(&mut self, level: bool, now_ms: u64) -> Option<(bool, u64)> {
        if level == self.stable {
            self.candidate = None;
            return None;
        }
        let since = match self.candidate {
            Some((seen, since)) if seen == level => since,
            _ => {
                self.candidate = Some((level, now_ms));
                now_ms
            }
        };
        if now_ms.saturating_sub(since) >= self.debounce_ms {
            self.stable = level;
            self.candidate = None;
            Some((level, since))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds (time, level) samples; returns the edges.
    fn run(debouncer: &mut Debouncer, samples: &[(u64, bool)]) -> Vec<(bool, u64)> {
        samples
            .iter()
            .filter_map(|&(t, level)| debouncer.sample(level, t))
            .collect()
    }

    #[test]
    fn chatter_shorter_than_the_debounce_time_gives_one_edge() {
        let mut d = Debouncer::new(false, 20);
        // A contact chattering every 2 ms for 8 ms, then closed; sampled every 2 ms.
        let mut samples: Vec<(u64, bool)> = (0..5).map(|i| (i * 2, i % 2 == 0)).collect();
        samples.extend((5..30).map(|i| (i * 2, true)));
        assert_eq!(run(&mut d, &samples), vec![(true, 8)]);
        assert!(d.level());
    }

    #[test]
    fn a_glitch_shorter_than_the_debounce_time_gives_no_edge() {
        let mut d = Debouncer::new(false, 50);
        let samples: Vec<(u64, bool)> = (0..100).map(|t| (t * 5, (10..19).contains(&t))).collect();
        assert!(run(&mut d, &samples).is_empty());
        assert!(!d.level());
    }

    #[test]
    fn a_level_that_holds_exactly_the_debounce_time_counts_both_ways() {
        let mut d = Debouncer::new(false, 30);
        let edges = run(
            &mut d,
            &[(100, true), (129, true), (130, true), (200, false), (230, false)],
        );
        assert_eq!(edges, vec![(true, 100), (false, 200)]);
    }

    #[test]
    fn zero_debounce_passes_every_change() {
        let mut d = Debouncer::new(true, 0);
        assert_eq!(
            run(&mut d, &[(1, false), (2, true), (3, true)]),
            vec![(false, 1), (true, 2)]
        );
    }
}
