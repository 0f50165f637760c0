//! Where a feature's background work reports: a typed sending end, [`Reporter<T>`], that the
//! app's router makes from its inbox (`Inbox::reporter`). A feature names only its own report
//! type, never the inbox or another feature's, so the inbox can list every feature without
//! any feature depending on it.

use std::fmt;
use std::sync::Arc;

/// Sends one feature's reports (from any thread) to whoever made it.
pub struct Reporter<T>(Arc<dyn Fn(T) + Send + Sync>);

impl<T> Reporter<T> {
    pub fn new(deliver: impl Fn(T) + Send + Sync + 'static) -> Reporter<T> {
        Reporter(Arc::new(deliver))
    }

    pub fn report(&self, report: T) {
        (self.0)(report)
    }
}

impl<T> Clone for Reporter<T> {
    fn clone(&self) -> Self {
        Reporter(Arc::clone(&self.0))
    }
}

impl<T> fmt::Debug for Reporter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Reporter")
    }
}

#[cfg(test)]
mod tests {
    use super::Reporter;
    use std::sync::mpsc;

    #[test]
    fn a_clone_reports_to_the_same_place_from_another_thread() {
        let (tx, rx) = mpsc::channel();
        let reporter = Reporter::new(move |n: u32| tx.send(n).unwrap());
        let other = reporter.clone();
        std::thread::spawn(move || other.report(2)).join().unwrap();
        reporter.report(1);
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [2, 1]);
    }
}
