//! A device thread's sleep that a stop request (or a nudge) cuts short, without waking up
//! to look: the thread sleeps on a condition variable for the whole span, so an idle reader
//! or GPIO loop costs one wake-up per period instead of one every few milliseconds.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct Nap {
    state: Mutex<State>,
    wake: Condvar,
}

#[derive(Debug, Default)]
struct State {
    stopping: bool,
    nudged: bool,
}

impl Nap {
    pub fn new() -> Nap {
        Nap::default()
    }

    /// Asks the thread to stop: a sleep under way ends now, and every later one at once.
    pub fn stop(&self) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).stopping = true;
        self.wake.notify_all();
    }

    pub fn stopping(&self) -> bool {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).stopping
    }

    /// Ends the current (or the next) sleep early: there is something to do.
    pub fn nudge(&self) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).nudged = true;
        self.wake.notify_all();
    }

    /// Sleeps up to `span`, less when stopped or nudged; false once the thread should stop.
    pub fn sleep(&self, span: Duration) -> bool {
        let until = Instant::now() + span;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while !state.stopping && !state.nudged {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self.wake.wait_timeout(state, left).unwrap_or_else(|p| p.into_inner()).0;
        }
        state.nudged = false;
        !state.stopping
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_stop_or_a_nudge_cuts_a_sleep_short() {
        let nap = Arc::new(Nap::new());
        let started = Instant::now();
        assert!(nap.sleep(Duration::from_millis(30)), "a full sleep");
        assert!(started.elapsed() >= Duration::from_millis(30));
        let other = Arc::clone(&nap);
        let nudger = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            other.nudge();
            std::thread::sleep(Duration::from_millis(50));
            other.stop();
        });
        let started = Instant::now();
        assert!(nap.sleep(Duration::from_secs(30)), "nudged, not stopped");
        assert!(!nap.sleep(Duration::from_secs(30)), "stopped");
        assert!(started.elapsed() < Duration::from_secs(20));
        assert!(!nap.sleep(Duration::from_secs(30)) && nap.stopping(), "stays stopped");
        nudger.join().unwrap();
    }
}
