//! The silent voice: says nothing and remembers what it was asked to say, for tests (a
//! clone shares the record, so a test keeps one and gives the other to the app).

use super::{Utterance, Voice};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug, Default)]
pub struct SilentVoice {
    said: Arc<Mutex<Vec<Utterance>>>,
    /// For each stop, how many utterances had been said by then (so order can be told).
    stops: Arc<Mutex<Vec<usize>>>,
}

impl SilentVoice {
    pub fn new() -> SilentVoice {
        SilentVoice::default()
    }

    /// The Chinese texts said so far, in order.
    pub fn said(&self) -> Vec<String> {
        self.lock().iter().map(|u| u.text.clone()).collect()
    }

    /// Everything said so far, taken (the record starts empty again).
    pub fn take(&self) -> Vec<Utterance> {
        std::mem::take(&mut *self.lock())
    }

    /// How often speaking was stopped.
    pub fn stops(&self) -> usize {
        self.stops.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// How often speaking was stopped since the last utterance began (it would be cut off).
    pub fn stops_after_last_said(&self) -> usize {
        let said = self.lock().len();
        let stops = self.stops.lock().unwrap_or_else(|e| e.into_inner());
        stops.iter().filter(|at| **at == said).count()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Utterance>> {
        self.said.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Voice for SilentVoice {
    fn say(&self, utterance: &Utterance) {
        self.lock().push(utterance.clone());
    }

    fn stop(&self) {
        let said = self.lock().len();
        self.stops.lock().unwrap_or_else(|e| e.into_inner()).push(said);
    }

    fn describe(&self) -> String {
        "silent (prompts are recorded, not played)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_shares_the_record() {
        let voice = SilentVoice::new();
        let app_side: Box<dyn Voice> = Box::new(voice.clone());
        app_side.say(&Utterance {
            text: "读卡成功。".into(),
            pinyin: "du2 ka3 cheng2 gong1.".into(),
        });
        app_side.stop();
        assert_eq!(voice.said(), ["读卡成功。"]);
        assert_eq!(voice.stops(), 1);
        assert_eq!(voice.take().len(), 1);
        assert!(voice.said().is_empty());
    }
}
