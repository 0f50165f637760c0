//! 好差评 to the central system: the citizen's rating at the end of a session is sent on its
//! own thread (a few tries, under one idempotency key, so a lost reply is not counted
//! twice). Nothing personal goes with it: the stars, the reason codes and the receipt number. Whether it
//! arrived is logged; the citizen is not kept waiting for it.

use super::central::CentralSystem;
use crate::central_api::SubmitRating;
use std::sync::Arc;
use std::time::Duration;

const ATTEMPTS: u32 = 3;

pub struct Feedback {
    central: Option<Arc<dyn CentralSystem>>,
}

impl Feedback {
    pub fn new(central: Option<Arc<dyn CentralSystem>>) -> Feedback {
        Feedback { central }
    }

    /// Sends `stars` (1–5) and the reason codes ticked with them, for the session's
    /// application if there was one. Returns the sending thread (tests wait for it).
    pub fn rate(
        &self,
        stars: u8,
        reasons: Vec<String>,
        receipt_no: Option<String>,
    ) -> Option<std::thread::JoinHandle<bool>> {
        let central = self.central.clone()?;
        let request = SubmitRating {
            idempotency_key: format!("rate-{}", uuid::Uuid::new_v4()),
            receipt_no,
            stars: stars.clamp(1, 5),
            reasons,
        };
        std::thread::Builder::new()
            .name("rating".into())
            .spawn(move || {
                for attempt in 0..ATTEMPTS {
                    if attempt > 0 {
                        std::thread::sleep(Duration::from_secs(2 * u64::from(attempt)));
                    }
                    match central.rate(&request) {
                        Ok(answer) => {
                            log::info!("rating {} sent ({})", request.stars, answer.rating_id);
                            return true;
                        }
                        Err(e) if e.is_retryable() => log::info!("rating not sent yet: {e}"),
                        Err(e) => {
                            log::warn!("rating refused: {e}");
                            return false;
                        }
                    }
                }
                false
            })
            .map_err(|e| log::error!("cannot start the rating thread: {e}"))
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::central_sim::SimCentral;

    #[test]
    fn a_rating_reaches_the_central_system_once_and_an_outage_is_retried() {
        let central = Arc::new(SimCentral::default());
        let feedback = Feedback::new(Some(central.clone()));
        assert!(feedback
            .rate(5, vec!["quick".into()], Some("DEV1-261126-0001-7".into()))
            .unwrap()
            .join()
            .unwrap());
        assert_eq!(central.ratings(), vec![(5, Some("DEV1-261126-0001-7".into()))]);
        assert_eq!(central.rating_requests()[0].reasons, vec!["quick".to_string()]);
        central.set_down(true);
        let sending = feedback.rate(9, Vec::new(), None).unwrap();
        std::thread::sleep(Duration::from_millis(500));
        central.set_down(false);
        assert!(sending.join().unwrap(), "sent on the second try");
        assert_eq!(central.ratings()[1], (5, None), "stars are kept within 1–5");
        assert!(
            Feedback::new(None).rate(3, Vec::new(), None).is_none(),
            "no central system: nothing to send"
        );
    }
}
