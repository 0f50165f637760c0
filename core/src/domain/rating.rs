//! 好差评 reasons: the optional reasons a citizen can add to their 1–5 rating. Praise goes
//! with 4–5 faces, problems with 1–3 (a "very satisfied" tick of "the device broke" means
//! nothing to whoever reads the ratings). The codes travel to the central system; the
//! screen shows translated texts.

/// One reason a citizen can tick after choosing a face.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RatingReason {
    Quick,
    ClearGuidance,
    EasyToUse,
    OneTrip,
    LongWait,
    HardToUse,
    UnclearGuidance,
    DeviceProblem,
    NotDoneInOneTrip,
}

const PRAISE: [RatingReason; 4] = [
    RatingReason::Quick,
    RatingReason::ClearGuidance,
    RatingReason::EasyToUse,
    RatingReason::OneTrip,
];

const PROBLEMS: [RatingReason; 5] = [
    RatingReason::LongWait,
    RatingReason::HardToUse,
    RatingReason::UnclearGuidance,
    RatingReason::DeviceProblem,
    RatingReason::NotDoneInOneTrip,
];

impl RatingReason {
    /// The reasons offered with a rating of `stars`, in the order they are shown.
    pub fn offered_with(stars: u8) -> &'static [RatingReason] {
        match stars {
            4..=5 => &PRAISE,
            1..=3 => &PROBLEMS,
            _ => &[],
        }
    }

    /// Whether this reason goes with a rating of `stars`.
    pub fn fits(self, stars: u8) -> bool {
        RatingReason::offered_with(stars).contains(&self)
    }

    /// The code sent to the central system and used by the screen's texts.
    pub fn code(self) -> &'static str {
        match self {
            RatingReason::Quick => "quick",
            RatingReason::ClearGuidance => "clear-guidance",
            RatingReason::EasyToUse => "easy-to-use",
            RatingReason::OneTrip => "one-trip",
            RatingReason::LongWait => "long-wait",
            RatingReason::HardToUse => "hard-to-use",
            RatingReason::UnclearGuidance => "unclear-guidance",
            RatingReason::DeviceProblem => "device-problem",
            RatingReason::NotDoneInOneTrip => "not-done-in-one-trip",
        }
    }

    pub fn from_code(code: &str) -> Option<RatingReason> {
        PRAISE.iter().chain(PROBLEMS.iter()).copied().find(|r| r.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn praise_goes_with_good_faces_and_problems_with_poor_ones() {
        assert!(RatingReason::Quick.fits(5) && RatingReason::Quick.fits(4));
        assert!(!RatingReason::Quick.fits(3));
        assert!(RatingReason::DeviceProblem.fits(1) && RatingReason::DeviceProblem.fits(3));
        assert!(!RatingReason::DeviceProblem.fits(4));
        assert!(RatingReason::offered_with(0).is_empty() && RatingReason::offered_with(6).is_empty());
    }

    #[test]
    fn every_code_reads_back_and_stays_within_the_central_limit() {
        for stars in 1..=5 {
            for reason in RatingReason::offered_with(stars) {
                assert_eq!(RatingReason::from_code(reason.code()), Some(*reason));
                assert!(
                    reason.code().len() <= 64,
                    "the central system takes codes of up to 64 characters"
                );
            }
        }
        assert_eq!(RatingReason::from_code("made-up"), None);
    }
}
