//! One citizen's session at the kiosk as a pure state machine:
//! `handle(session, event, now_ms) -> (session, effects)`.
//!
//! Steps: welcome → choose service → guide (办事指南) → identify (card or keypad; agent
//! first when acting for someone, 委托代办) → form → materials → review → payment →
//! submitting → receipt → rating → farewell. Back, cancel and the idle timeout (a warning
//! with "I need more time", then a wipe back to welcome) work from every step where they
//! make sense. The app layer carries out the effects against devices, storage and the
//! central system and feeds the outcomes back in as events.
//! Pure: must not import any I/O crate; time comes in as `now_ms` (monotonic milliseconds).

use super::application::{validate_fields, Delivery, FieldError, FormValues, MaterialState, PaymentState, Person};
use super::catalogue::{Flag, Prefill, ServiceItem};
use super::id_number::IdNumber;
use super::message::Message;
use super::Lang;

mod model;

pub use model::*;

impl Session {
    pub fn new(lang: Lang, elderly: bool, timeouts: Timeouts, now_ms: u64) -> Session {
        Session {
            step: Step::Welcome,
            lang,
            default_lang: lang,
            default_elderly: elderly,
            elderly,
            today: None,
            data: SessionData::default(),
            last_activity_ms: now_ms,
            warning_since_ms: None,
            timeouts,
            payable_until_ms: None,
        }
    }

    fn item(&self) -> Option<&ServiceItem> {
        self.data.plan.as_ref().map(|p| &p.item)
    }

    fn has_flag(&self, flag: Flag) -> bool {
        self.item().is_some_and(|i| i.has(flag))
    }

    fn has_materials(&self) -> bool {
        self.item()
            .is_some_and(|i| !i.mandatory.is_empty() || !i.secondary.is_empty())
    }

    fn fee(&self) -> u32 {
        self.item().map_or(0, |i| i.fee_fen)
    }

    fn wiped(&self, now_ms: u64) -> Session {
        let mut fresh = Session::new(self.default_lang, self.elderly_default(), self.timeouts, now_ms);
        fresh.default_lang = self.default_lang;
        fresh
    }

    fn elderly_default(&self) -> bool {
        // Elderly mode chosen by one citizen does not carry over to the next; the kiosk's
        // configured default does.
        self.default_elderly
    }

    /// Idle time before the warning on this step: reading the guide, filling the form and
    /// paying take longer, so those steps get twice the time (no time pressure).
    pub fn idle_limit_ms(&self) -> u64 {
        match self.step {
            Step::Guide | Step::Form | Step::Payment | Step::Appointment | Step::Consult => {
                self.timeouts.warn_after_ms.saturating_mul(2)
            }
            _ => self.timeouts.warn_after_ms,
        }
    }

    /// Seconds until everything is cleared if nobody touches the screen, for the countdown
    /// chip; `None` where no timer runs (welcome, submitting, farewell), and on the payment
    /// page while its code is payable (the page counts down the code's time instead).
    pub fn seconds_left(&self, now_ms: u64) -> Option<u64> {
        match self.step {
            Step::Welcome | Step::Submitting | Step::Farewell => None,
            _ if self.warning_since_ms.is_none() && self.payable_at(now_ms) => None,
            _ => Some(match self.warning_since_ms {
                Some(_) => self.seconds_until_wipe(now_ms).unwrap_or(0),
                None => (self.idle_since_ms() + self.idle_limit_ms() + self.timeouts.grace_ms)
                    .saturating_sub(now_ms)
                    .div_ceil(1000),
            }),
        }
    }

    /// Whether a payment code shown on the payment page is payable at `now_ms`.
    pub fn payable_at(&self, now_ms: u64) -> bool {
        self.step == Step::Payment && self.payable_until_ms.is_some_and(|until| now_ms < until)
    }

    /// Where the idle clock starts: the last touch, or on the payment page the end of the
    /// code's payable time when that is later.
    fn idle_since_ms(&self) -> u64 {
        match (self.step, self.payable_until_ms) {
            (Step::Payment, Some(until)) => self.last_activity_ms.max(until),
            _ => self.last_activity_ms,
        }
    }

    /// Seconds left before the wipe while the warning shows.
    pub fn seconds_until_wipe(&self, now_ms: u64) -> Option<u64> {
        self.warning_since_ms
            .map(|since| (since + self.timeouts.grace_ms).saturating_sub(now_ms).div_ceil(1000))
    }
}

/// The transition function. Events that make no sense in the current step change nothing
/// but still count as activity.
pub fn handle(session: Session, event: Event, now_ms: u64) -> (Session, Vec<Effect>) {
    let mut s = session;
    let mut effects = Vec::new();

    if event == Event::Tick {
        return on_tick(s, now_ms);
    }
    if let Event::PayableUntil(until) = event {
        s.payable_until_ms = until;
        return (s, vec![]);
    }
    s.last_activity_ms = now_ms;
    if s.warning_since_ms.take().is_some() {
        effects.push(Effect::HideIdleWarning);
    }

    match (s.step, event) {
        (_, Event::Touch) | (_, Event::MoreTime) => {}
        (_, Event::SetLanguage(lang)) => s.lang = lang,
        (_, Event::SetElderly(on)) => s.elderly = on,

        (Step::Submitting, Event::Cancel) => {} // the application is being stored: let it finish
        (Step::Welcome, Event::Cancel) => {}
        (step, Event::Cancel) => {
            if step == Step::Identify || step == Step::Progress {
                effects.push(Effect::StopCardReader);
            }
            if step == Step::Payment {
                effects.push(Effect::CancelPayment);
            }
            s = s.wiped(now_ms);
            effects.push(Effect::WipePersonalData);
        }

        (Step::Welcome, Event::OpenProgress) => {
            s.data = SessionData::default();
            s.step = Step::Progress;
            // The card is one way to look up: the reader waits for it on this page.
            effects.push(Effect::StartCardReader);
        }
        (Step::Welcome, Event::OpenAppointment) => {
            s.data = SessionData::default();
            s.step = Step::Appointment;
        }
        (Step::Welcome, Event::OpenConsult) => {
            s.data = SessionData::default();
            s.step = Step::Consult;
        }
        (Step::Appointment, Event::Back) | (Step::Consult, Event::Back) => {
            s = s.wiped(now_ms);
            effects.push(Effect::WipePersonalData);
        }
        (Step::Progress, Event::Back) => {
            effects.push(Effect::StopCardReader);
            s = s.wiped(now_ms);
            effects.push(Effect::WipePersonalData);
        }

        (Step::Welcome, Event::Start { today }) => {
            s.data = SessionData::default();
            s.today = Some(today);
            s.step = Step::ChooseService;
        }

        (Step::ChooseService, Event::ChooseItem(plan)) => {
            s.data.plan = Some(*plan);
            s.data.error = None;
            s.step = Step::Guide;
        }
        (Step::ChooseService, Event::Back) => {
            s = s.wiped(now_ms);
            effects.push(Effect::WipePersonalData);
        }

        (Step::Guide | Step::Identify, Event::ChooseProxy(on)) => {
            if on && !s.has_flag(Flag::ProxyAllowed) {
                s.data.error = Some(Message::GuideNoProxy);
            } else {
                s.data.proxy = on;
                s.data.agent = None;
                s.data.applicant = None;
                s.data.identify_phase = if on {
                    IdentifyPhase::Agent
                } else {
                    IdentifyPhase::Applicant
                };
                s.data.error = None;
            }
        }
        (Step::Guide, Event::ConfirmGuide) => {
            if s.has_flag(Flag::ZeroTrip) {
                s.data.error = Some(Message::GuideOnlineOnly);
            } else {
                s.data.error = None;
                s.data.identify_phase = if s.data.proxy {
                    IdentifyPhase::Agent
                } else {
                    IdentifyPhase::Applicant
                };
                s.step = Step::Identify;
                effects.push(Effect::StartCardReader);
            }
        }
        (Step::Guide, Event::Back) => {
            s.data.plan = None;
            s.data.proxy = false;
            s.step = Step::ChooseService;
        }

        (Step::Identify, Event::CardRead(person)) => identified(&mut s, *person, &mut effects),
        (Step::Identify, Event::ManualId(_)) if s.has_flag(Flag::CardRequired) => {
            s.data.error = Some(Message::IdentifyCardRequired);
        }
        (Step::Identify, Event::ManualId(text)) => match IdNumber::parse(text.as_str()) {
            Ok(id) => {
                let person = Person {
                    id,
                    name: None,
                    sex: None,
                    address: None,
                    source: super::application::IdentitySource::Typed,
                };
                identified(&mut s, person, &mut effects);
            }
            Err(e) => s.data.error = Some(e.message()),
        },
        (Step::Identify, Event::CardFailed(key)) => s.data.error = Some(key),
        (Step::Identify, Event::Back) => {
            if s.data.proxy && s.data.identify_phase == IdentifyPhase::Applicant {
                // Back from the applicant's card to the agent's.
                s.data.agent = None;
                s.data.identify_phase = IdentifyPhase::Agent;
            } else {
                s.data.agent = None;
                s.data.applicant = None;
                s.step = Step::Guide;
                effects.push(Effect::StopCardReader);
            }
            s.data.error = None;
        }

        (Step::Form, Event::SubmitForm(values)) => {
            let mut values: FormValues = values.into_iter().map(|(k, v)| (k, v.trim().to_string())).collect();
            // What the chosen item decided stays decided.
            if let Some(plan) = &s.data.plan {
                for (code, value) in &plan.item.preset {
                    values.insert(code.clone(), value.clone());
                }
            }
            let errors = match (&s.data.plan, s.today) {
                (Some(plan), Some(today)) => validate_fields(&plan.item, |c| plan.fields.get(c), &values, today),
                _ => vec![FieldError {
                    field: String::new(),
                    key: Message::FormNoItem,
                }],
            };
            s.data.form = values;
            if errors.is_empty() {
                s.data.form_errors.clear();
                s.step = if s.data.return_to_review || !s.has_materials() {
                    Step::Review
                } else {
                    Step::Materials
                };
                s.data.return_to_review = false;
            } else {
                s.data.form_errors = errors;
            }
        }
        (Step::Form, Event::Back) => {
            s.data.agent = None;
            s.data.applicant = None;
            s.data.identify_phase = if s.data.proxy {
                IdentifyPhase::Agent
            } else {
                IdentifyPhase::Applicant
            };
            s.step = Step::Identify;
            effects.push(Effect::StartCardReader);
        }

        (Step::Materials, Event::MaterialCaptured { code, photo }) => {
            if s.item()
                .is_some_and(|i| i.mandatory.contains(&code) || i.secondary.contains(&code))
            {
                s.data.materials.insert(code, MaterialState::Captured { photo });
                s.data.error = None;
            } else {
                s.data.error = Some(Message::MaterialsUnknown);
            }
        }
        (
            Step::Materials,
            Event::MaterialPromised {
                code,
                deadline,
                signature,
            },
        ) => {
            if s.item().is_some_and(|i| i.secondary.contains(&code)) {
                s.data.materials.insert(
                    code,
                    MaterialState::Promised {
                        deadline,
                        signature: Some(signature),
                    },
                );
                s.data.error = None;
            } else {
                s.data.error = Some(Message::MaterialsNotDeferrable);
            }
        }
        (Step::Materials, Event::MaterialsDone) => {
            let item = s.item().cloned();
            let complete = item.is_some_and(|i| {
                i.mandatory
                    .iter()
                    .all(|c| matches!(s.data.materials.get(c), Some(MaterialState::Captured { .. })))
                    && i.secondary
                        .iter()
                        .all(|c| !matches!(s.data.materials.get(c), None | Some(MaterialState::Missing)))
            });
            if complete {
                s.data.error = None;
                s.data.return_to_review = false;
                s.step = Step::Review;
            } else {
                s.data.error = Some(Message::MaterialsIncomplete);
            }
        }
        (Step::Materials, Event::Back) => s.step = Step::Form,

        (Step::Review, Event::ChooseDelivery(delivery)) => {
            if matches!(delivery, Delivery::Express { .. }) && !s.has_flag(Flag::ExpressDelivery) {
                s.data.error = Some(Message::ReviewNoExpress);
            } else {
                s.data.delivery = delivery;
                s.data.error = None;
            }
        }
        (Step::Review, Event::SetUrgent(on)) => {
            if on && !s.has_flag(Flag::UrgentChannel) {
                s.data.error = Some(Message::ReviewNoUrgent);
            } else {
                s.data.urgent = on;
            }
        }
        (Step::Review, Event::Edit(target)) => match target {
            Step::Identify => {
                s.data.agent = None;
                s.data.applicant = None;
                s.data.identify_phase = if s.data.proxy {
                    IdentifyPhase::Agent
                } else {
                    IdentifyPhase::Applicant
                };
                s.data.return_to_review = true;
                s.step = Step::Identify;
                effects.push(Effect::StartCardReader);
            }
            Step::Form | Step::Materials => {
                s.data.return_to_review = true;
                s.step = target;
            }
            _ => {}
        },
        (Step::Review, Event::ConfirmReview) => {
            let fee = s.fee();
            s.data.error = None;
            if fee > 0 && !matches!(s.data.payment, PaymentState::Paid { .. }) {
                s.data.payment = PaymentState::Pending { fen: fee };
                s.step = Step::Payment;
                effects.push(Effect::CreatePayment { fen: fee });
            } else {
                s.step = Step::Submitting;
                effects.push(Effect::SubmitApplication);
            }
        }
        (Step::Review, Event::Back) => {
            s.step = if s.has_materials() { Step::Materials } else { Step::Form };
        }

        (Step::Payment, Event::PaymentCompleted { reference }) => {
            s.data.payment = PaymentState::Paid {
                fen: s.fee(),
                reference,
            };
            s.data.error = None;
            s.step = Step::Submitting;
            effects.push(Effect::SubmitApplication);
        }
        (Step::Payment, Event::PaymentFailed) => s.data.error = Some(Message::PaymentFailed),
        (Step::Payment, Event::Back) => {
            s.data.payment = PaymentState::NotRequired;
            s.step = Step::Review;
            effects.push(Effect::CancelPayment);
        }

        (Step::Submitting, Event::Submitted(receipt)) => {
            s.data.receipt = Some(*receipt);
            s.data.print = PrintState::Printing;
            s.step = Step::Receipt;
            effects.push(Effect::PrintReceipt);
        }
        (Step::Submitting, Event::SubmitFailed(key)) => {
            s.data.error = Some(key);
            s.step = Step::Review;
        }

        (Step::Receipt, Event::Printed) => s.data.print = PrintState::Printed,
        (Step::Receipt, Event::PrintFailed) => s.data.print = PrintState::ShowQr,
        (Step::Receipt, Event::ReceiptDone) => s.step = Step::Rating,

        (Step::Rating, Event::Rated(stars)) if (1..=5).contains(&stars) => {
            s.data.rating = Some(stars);
            s.data.rating_reasons.retain(|reason| reason.fits(stars));
        }
        (Step::Rating, Event::ToggleRatingReason(reason)) if s.data.rating.is_some_and(|stars| reason.fits(stars)) => {
            if let Some(at) = s.data.rating_reasons.iter().position(|r| *r == reason) {
                s.data.rating_reasons.remove(at);
            } else {
                s.data.rating_reasons.push(reason);
            }
        }
        (Step::Rating, Event::SubmitRating) => {
            if let Some(effect) = s.data.rating_to_record() {
                effects.push(effect);
                s.step = Step::Farewell;
            }
        }
        (Step::Rating, Event::SkipRating) => s.step = Step::Farewell,

        (Step::Farewell, Event::Finish) => {
            s = s.wiped(now_ms);
            effects.push(Effect::WipePersonalData);
        }

        _ => {}
    }
    (s, effects)
}

fn identified(s: &mut Session, person: Person, effects: &mut Vec<Effect>) {
    s.data.error = None;
    match s.data.identify_phase {
        IdentifyPhase::Agent => {
            s.data.agent = Some(person);
            s.data.identify_phase = IdentifyPhase::Applicant;
        }
        IdentifyPhase::Applicant => {
            if s.data.agent.as_ref().is_some_and(|agent| agent.id == person.id) {
                s.data.error = Some(Message::IdentifySamePerson);
                return;
            }
            if let Some(plan) = &s.data.plan {
                for (code, spec) in &plan.fields {
                    let value = match spec.prefill {
                        Some(Prefill::CardName) => person.name.clone(),
                        Some(Prefill::CardAddress) => person.address.clone(),
                        None => None,
                    };
                    if let Some(value) = value {
                        s.data.form.entry(code.clone()).or_insert(value);
                    }
                }
                for (code, value) in &plan.item.preset {
                    s.data.form.insert(code.clone(), value.clone());
                }
            }
            s.data.applicant = Some(person);
            s.step = if s.data.return_to_review {
                Step::Review
            } else {
                Step::Form
            };
            s.data.return_to_review = false;
            effects.push(Effect::StopCardReader);
        }
    }
}

fn on_tick(mut s: Session, now_ms: u64) -> (Session, Vec<Effect>) {
    let idle = now_ms.saturating_sub(s.idle_since_ms());
    match s.step {
        Step::Welcome | Step::Submitting => (s, vec![]),
        Step::Farewell if idle >= s.timeouts.farewell_ms => (s.wiped(now_ms), vec![Effect::WipePersonalData]),
        Step::Farewell => (s, vec![]),
        step => match s.warning_since_ms {
            Some(since) if now_ms.saturating_sub(since) >= s.timeouts.grace_ms => {
                let mut effects = vec![Effect::HideIdleWarning];
                if step == Step::Identify || step == Step::Progress {
                    effects.push(Effect::StopCardReader);
                }
                if step == Step::Payment {
                    effects.push(Effect::CancelPayment);
                }
                // A face tapped before walking away still counts.
                if step == Step::Rating {
                    effects.extend(s.data.rating_to_record());
                }
                effects.push(Effect::WipePersonalData);
                (s.wiped(now_ms), effects)
            }
            None if idle >= s.idle_limit_ms() => {
                s.warning_since_ms = Some(now_ms);
                let seconds = s.timeouts.grace_ms.div_ceil(1000);
                (s, vec![Effect::ShowIdleWarning { seconds }])
            }
            _ => (s, vec![]),
        },
    }
}

#[cfg(test)]
mod tests;
