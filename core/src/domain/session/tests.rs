//! Table tests for every transition of the session state machine.

use super::*;
use crate::domain::application::tests::{person, today};
use crate::domain::catalogue::tests::shipped;
use crate::domain::catalogue::Prefill;
use crate::domain::receipt::{ProgressToken, ReceiptContext, ReceiptNumber};
use crate::domain::{calendar::WorkCalendar, catalogue::Text};
use std::collections::BTreeMap;
use Effect::*;
use Step::*;

const APPLICANT: &str = "123456198001010017";
const AGENT: &str = "12345619800101005X";

fn plan(code: &str) -> Box<ItemPlan> {
    Box::new(ItemPlan::new(&shipped(), code).unwrap())
}

fn card(number: &str) -> Event {
    Event::CardRead(Box::new(person(number, "张三")))
}

fn good_form() -> FormValues {
    [("phone", "13812345678"), ("replace-reason", "lost")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn receipt() -> Box<crate::domain::receipt::Receipt> {
    let catalogue = shipped();
    let application = crate::domain::application::Application {
        uuid: "u".into(),
        item_code: "ID-003".into(),
        applicant: person(APPLICANT, "张三"),
        agent: None,
        form: good_form(),
        materials: BTreeMap::new(),
        delivery: Delivery::WindowPickup,
        urgent: false,
        payment: PaymentState::NotRequired,
        submitted_on: today(),
    };
    let context = ReceiptContext {
        catalogue: &catalogue,
        calendar: &WorkCalendar::default(),
        site_name: Text {
            zh: "站".into(),
            en: "Point".into(),
        },
        progress_base_url: "https://x/p/",
    };
    Box::new(
        crate::domain::receipt::Receipt::for_application(
            &application,
            ReceiptNumber::issue("XS01", today(), 1).unwrap(),
            &ProgressToken::new("00112233445566778899aabbccddeeff").unwrap(),
            &context,
        )
        .unwrap(),
    )
}

fn run(events: Vec<Event>) -> (Session, Vec<Effect>) {
    let mut s = Session::new(Lang::Zh, false, Timeouts::default(), 0);
    let mut all = Vec::new();
    for (i, e) in events.into_iter().enumerate() {
        let (next, effects) = handle(s, e, 1000 + i as u64);
        s = next;
        all.extend(effects);
    }
    (s, all)
}

/// The events that bring a fresh session to `step` for item ID-003 (lost ID card: fee,
/// mandatory and secondary materials, express allowed, no proxy).
fn path_to(step: Step) -> Vec<Event> {
    let mut events = vec![Event::Start { today: today() }];
    let order = [
        ChooseService,
        Guide,
        Identify,
        Form,
        Materials,
        Review,
        Payment,
        Submitting,
        Receipt,
        Rating,
        Farewell,
    ];
    let steps: Vec<Event> = vec![
        Event::ChooseItem(plan("ID-003")),
        Event::ConfirmGuide,
        card(APPLICANT),
        Event::SubmitForm(good_form()),
        Event::MaterialCaptured {
            code: "household-book".into(),
            photo: "p1".into(),
        },
        Event::MaterialCaptured {
            code: "id-photo-receipt".into(),
            photo: "p2".into(),
        },
        Event::MaterialPromised {
            code: "loss-statement".into(),
            deadline: today().add_days(14),
            signature: signed(),
        },
        Event::MaterialsDone,
        Event::ConfirmReview,
        Event::PaymentCompleted {
            reference: "PAY-1".into(),
        },
        Event::Submitted(receipt()),
        Event::ReceiptDone,
        Event::SkipRating,
    ];
    if step == Welcome {
        return vec![];
    }
    let target = order.iter().position(|s| *s == step).unwrap();
    // Materials takes four events to leave; every other step takes one.
    let count = match target {
        t if t <= 4 => t,
        t => t + 3,
    };
    events.extend(steps.into_iter().take(count));
    events
}

fn at(step: Step) -> Session {
    let (s, _) = run(path_to(step));
    assert_eq!(s.step, step, "path_to({step:?}) ends elsewhere");
    s
}

fn after(step: Step, event: Event) -> (Session, Vec<Effect>) {
    handle(at(step), event, 100_000)
}

#[test]
fn forward_transitions() {
    let table: Vec<(Step, Event, Step, Vec<Effect>)> = vec![
        (Welcome, Event::Start { today: today() }, ChooseService, vec![]),
        (ChooseService, Event::ChooseItem(plan("ID-003")), Guide, vec![]),
        (Guide, Event::ConfirmGuide, Identify, vec![StartCardReader]),
        (Identify, card(APPLICANT), Form, vec![StopCardReader]),
        (Form, Event::SubmitForm(good_form()), Materials, vec![]),
        (Review, Event::ConfirmReview, Payment, vec![CreatePayment { fen: 4000 }]),
        (
            Payment,
            Event::PaymentCompleted { reference: "R".into() },
            Submitting,
            vec![SubmitApplication],
        ),
        (
            Submitting,
            Event::Submitted(receipt()),
            Step::Receipt,
            vec![PrintReceipt],
        ),
        (Step::Receipt, Event::ReceiptDone, Rating, vec![]),
        (Rating, Event::Rated(4), Rating, vec![]),
        (Rating, Event::SkipRating, Farewell, vec![]),
        (Farewell, Event::Finish, Welcome, vec![WipePersonalData]),
    ];
    for (from, event, to, effects) in table {
        let label = format!("{from:?} + {event:?}");
        let (s, got) = after(from, event);
        assert_eq!((s.step, got), (to, effects), "{label}");
    }
}

#[test]
fn back_transitions() {
    let table: Vec<(Step, Step, Vec<Effect>)> = vec![
        (ChooseService, Welcome, vec![WipePersonalData]),
        (Guide, ChooseService, vec![]),
        (Identify, Guide, vec![StopCardReader]),
        (Form, Identify, vec![StartCardReader]),
        (Materials, Form, vec![]),
        (Review, Materials, vec![]),
        (Payment, Review, vec![CancelPayment]),
        (Submitting, Submitting, vec![]),
        (Step::Receipt, Step::Receipt, vec![]),
        (Rating, Rating, vec![]),
        (Farewell, Farewell, vec![]),
        (Welcome, Welcome, vec![]),
    ];
    for (from, to, effects) in table {
        let (s, got) = after(from, Event::Back);
        assert_eq!((s.step, got), (to, effects), "{from:?} + Back");
    }
    // Going back to identify forgets who was identified.
    let (s, _) = after(Form, Event::Back);
    assert!(s.data.applicant.is_none());
}

#[test]
fn cancel_wipes_from_every_step_but_submitting() {
    for from in [
        ChooseService,
        Guide,
        Identify,
        Form,
        Materials,
        Review,
        Payment,
        Step::Receipt,
        Rating,
        Farewell,
    ] {
        let (s, effects) = after(from, Event::Cancel);
        assert_eq!(s.step, Welcome, "{from:?}");
        assert_eq!(s.data, SessionData::default(), "{from:?}");
        assert_eq!(effects.last(), Some(&WipePersonalData), "{from:?}");
        assert_eq!(effects.contains(&StopCardReader), from == Identify, "{from:?}");
        assert_eq!(effects.contains(&CancelPayment), from == Payment, "{from:?}");
    }
    let (s, effects) = after(Submitting, Event::Cancel);
    assert_eq!((s.step, effects), (Submitting, vec![]));
    let (s, effects) = after(Welcome, Event::Cancel);
    assert_eq!((s.step, effects), (Welcome, vec![]));
}

#[test]
fn idle_timeout_warns_then_wipes_and_more_time_rescues() {
    for from in [
        ChooseService,
        Guide,
        Identify,
        Form,
        Materials,
        Review,
        Payment,
        Step::Receipt,
        Rating,
    ] {
        let s = at(from);
        let t0 = s.last_activity_ms;
        // Guide, form and payment get a longer time (see the test below); others 60 s.
        let limit = s.idle_limit_ms();
        let (s, effects) = handle(s, Event::Tick, t0 + limit - 1);
        assert_eq!(effects, vec![], "{from:?} too early");
        let (s, effects) = handle(s, Event::Tick, t0 + limit);
        assert_eq!(effects, vec![ShowIdleWarning { seconds: 20 }], "{from:?}");
        assert_eq!(s.seconds_until_wipe(t0 + limit + 5_000), Some(15));
        // "I need more time" keeps everything.
        let (rescued, effects) = handle(s.clone(), Event::MoreTime, t0 + limit + 10_000);
        assert_eq!(effects, vec![HideIdleWarning]);
        assert_eq!((rescued.step, rescued.warning_since_ms), (from, None));
        assert_eq!(rescued.data, s.data);
        // Ignoring the warning wipes.
        let (s, effects) = handle(s, Event::Tick, t0 + limit + 20_000);
        assert_eq!(s.step, Welcome, "{from:?}");
        assert_eq!(s.data, SessionData::default());
        assert_eq!(effects.first(), Some(&HideIdleWarning));
        assert_eq!(effects.last(), Some(&WipePersonalData));
        assert_eq!(effects.contains(&StopCardReader), from == Identify);
    }
}

/// One timer on the payment page: while the code is payable the session waits for it
/// and shows no countdown of its own; the idle time starts when the code runs out. The
/// code's time is not the citizen's doing: it does not count as activity.
#[test]
fn a_payable_code_holds_the_session_and_its_time_is_the_only_countdown() {
    let s = at(Payment);
    let t0 = s.last_activity_ms;
    let until = t0 + 14 * 60_000;
    let (s, effects) = handle(s, Event::PayableUntil(Some(until)), t0 + 5_000);
    assert_eq!(effects, vec![]);
    assert_eq!(s.last_activity_ms, t0, "not activity");
    assert_eq!(
        s.seconds_left(t0 + 10_000),
        None,
        "the page's countdown is the only one"
    );
    let limit = s.idle_limit_ms();
    // Long past the usual idle limit, still waiting for the phone.
    let (s, effects) = handle(s, Event::Tick, until - 1);
    assert_eq!(effects, vec![]);
    assert_eq!(s.step, Payment);
    // The code ran out: the session's own countdown is back, from the code's end.
    assert_eq!(s.seconds_left(until), Some((limit + s.timeouts.grace_ms) / 1000));
    let (s, effects) = handle(s, Event::Tick, until + limit - 1);
    assert_eq!(effects, vec![]);
    let (s, effects) = handle(s, Event::Tick, until + limit);
    assert_eq!(effects, vec![ShowIdleWarning { seconds: 20 }]);
    // While the warning shows, it counts down (also if a new code came meanwhile).
    assert_eq!(s.seconds_left(until + limit + 5_000), Some(15));
    // Elsewhere the payable time means nothing.
    let (back, _) = handle(s, Event::Back, until + limit + 6_000);
    assert_eq!(back.step, Review);
    let review_limit = back.idle_limit_ms();
    let (back, effects) = handle(back, Event::Tick, until + limit + 6_000 + review_limit);
    assert_eq!(effects, vec![ShowIdleWarning { seconds: 20 }]);
    // A wipe forgets it.
    let (fresh, _) = handle(back, Event::Cancel, until + limit + 200_000);
    assert_eq!(fresh.payable_until_ms, None);
}

#[test]
fn no_timeout_on_welcome_or_while_submitting_and_farewell_returns_quickly() {
    for from in [Welcome, Submitting] {
        let (s, effects) = handle(at(from), Event::Tick, 10_000_000);
        assert_eq!((s.step, effects), (from, vec![]));
    }
    let s = at(Farewell);
    let t0 = s.last_activity_ms;
    let (s, effects) = handle(s, Event::Tick, t0 + 10_000);
    assert_eq!((s.step, effects), (Welcome, vec![WipePersonalData]));
}

#[test]
fn language_and_elderly_switch_keep_the_session() {
    let s = at(Review);
    let data = s.data.clone();
    let (s, effects) = handle(s, Event::SetLanguage(Lang::En), 5);
    assert_eq!((s.step, s.lang, effects), (Review, Lang::En, vec![]));
    let (s, _) = handle(s, Event::SetElderly(true), 6);
    assert!(s.elderly);
    assert_eq!(s.data, data);
    // ...and the next citizen starts in the defaults again.
    let (s, _) = handle(s, Event::Cancel, 7);
    assert_eq!((s.lang, s.elderly), (Lang::Zh, false));
}

#[test]
fn proxy_reads_the_agent_first_then_the_applicant() {
    let (s, _) = run(vec![
        Event::Start { today: today() },
        Event::ChooseItem(plan("HH-006")),
        Event::ChooseProxy(true),
        Event::ConfirmGuide,
    ]);
    assert_eq!((s.step, s.data.identify_phase), (Identify, IdentifyPhase::Agent));
    let (s, effects) = handle(s, card(AGENT), 10);
    assert_eq!(
        (s.step, s.data.identify_phase, effects),
        (Identify, IdentifyPhase::Applicant, vec![])
    );
    // The same card twice is refused.
    let (s, effects) = handle(s, card(AGENT), 11);
    assert_eq!(
        (s.step, s.data.error, effects),
        (Identify, Some(Message::IdentifySamePerson), vec![])
    );
    // Back returns to the agent's card.
    let (s2, _) = handle(s.clone(), Event::Back, 12);
    assert_eq!(
        (s2.step, s2.data.identify_phase, s2.data.agent.is_none()),
        (Identify, IdentifyPhase::Agent, true)
    );
    let (s, effects) = handle(s, Event::ManualId(APPLICANT.into()), 13);
    assert_eq!((s.step, effects), (Form, vec![StopCardReader]));
    assert_eq!(s.data.agent.as_ref().unwrap().id.expose(), AGENT);
    assert_eq!(
        s.data.applicant.as_ref().unwrap().source,
        crate::domain::application::IdentitySource::Typed
    );
}

#[test]
fn proxy_is_refused_where_the_item_does_not_allow_it() {
    let (s, _) = run(vec![
        Event::Start { today: today() },
        Event::ChooseItem(plan("ID-004")),
        Event::ChooseProxy(true),
    ]);
    assert_eq!((s.data.proxy, s.data.error), (false, Some(Message::GuideNoProxy)));
}

#[test]
fn online_only_items_stop_at_the_guide() {
    let (s, effects) = run(vec![
        Event::Start { today: today() },
        Event::ChooseItem(plan("CY-002")),
        Event::ConfirmGuide,
    ]);
    assert_eq!(
        (s.step, s.data.error, effects),
        (Guide, Some(Message::GuideOnlineOnly), vec![])
    );
}

/// A session at the identify step of `code`.
fn identify(code: &str) -> Session {
    let (s, _) = run(vec![
        Event::Start { today: today() },
        Event::ChooseItem(plan(code)),
        Event::ConfirmGuide,
    ]);
    assert_eq!(s.step, Identify);
    s
}

#[test]
fn a_typed_number_is_accepted_where_the_card_is_not_required() {
    let (s, effects) = handle(identify("HH-006"), Event::ManualId(APPLICANT.into()), 10);
    assert_eq!((s.step, effects), (Form, vec![StopCardReader]));
}

#[test]
fn a_typed_number_cannot_act_where_the_card_is_required() {
    for code in ["ID-005", "ID-003", "HH-002", "TR-005"] {
        let (s, effects) = handle(identify(code), Event::ManualId(APPLICANT.into()), 10);
        assert_eq!(
            (s.step, s.data.error, s.data.applicant.is_none(), effects),
            (Identify, Some(Message::IdentifyCardRequired), true, vec![]),
            "{code}"
        );
        // The card itself is welcome.
        let (s, _) = handle(s, card(APPLICANT), 11);
        assert_eq!((s.step, s.data.error), (Form, None), "{code}");
    }
    // Acting for someone: the agent cannot type either.
    let (s, _) = run(vec![
        Event::Start { today: today() },
        Event::ChooseItem(plan("ID-001")),
        Event::ChooseProxy(true),
        Event::ConfirmGuide,
        Event::ManualId(AGENT.into()),
    ]);
    assert_eq!(
        (s.data.identify_phase, s.data.error),
        (IdentifyPhase::Agent, Some(Message::IdentifyCardRequired))
    );
}

#[test]
fn manual_entry_with_a_wrong_check_digit_stays_with_the_reason() {
    let (s, effects) = handle(
        identify("HH-006"),
        Event::ManualId("123456198001010018".into()),
        100_000,
    );
    assert_eq!(
        (s.step, s.data.error, effects),
        (Identify, Some(Message::IdCheckDigit), vec![])
    );
    let (s, _) = after(Identify, Event::CardFailed(Message::ReaderCardNotAccepted));
    assert_eq!(s.data.error, Some(Message::ReaderCardNotAccepted));
}

#[test]
fn form_errors_are_all_shown_and_the_form_is_kept() {
    let mut bad = good_form();
    bad.insert("phone".into(), "12".into());
    bad.remove("replace-reason");
    let (s, _) = after(Form, Event::SubmitForm(bad));
    assert_eq!(s.step, Form);
    let keys: Vec<_> = s.data.form_errors.iter().map(|e| (e.field.as_str(), e.key)).collect();
    // 遗失补领 decided the reason: it cannot go missing, only the phone is wrong.
    assert_eq!(keys, vec![("phone", Message::FormPhone)]);
    assert_eq!(s.data.form.get("phone").map(String::as_str), Some("12"));
    assert_eq!(s.data.form.get("replace-reason").map(String::as_str), Some("lost"));
}

#[test]
fn a_preset_choice_is_filled_in_when_identified_and_cannot_be_changed() {
    let s = at(Form);
    assert_eq!(s.data.form.get("replace-reason").map(String::as_str), Some("lost"));
    let mut changed = good_form();
    changed.insert("replace-reason".into(), "damaged".into());
    let (s, _) = handle(s, Event::SubmitForm(changed), 99);
    assert_eq!(s.data.form.get("replace-reason").map(String::as_str), Some("lost"));
}

#[test]
fn materials_rules() {
    let (s, _) = after(
        Materials,
        Event::MaterialPromised {
            code: "household-book".into(),
            deadline: today(),
            signature: signed(),
        },
    );
    assert_eq!(s.data.error, Some(Message::MaterialsNotDeferrable));
    let (s, _) = after(
        Materials,
        Event::MaterialCaptured {
            code: "passport".into(),
            photo: "x".into(),
        },
    );
    assert_eq!(s.data.error, Some(Message::MaterialsUnknown));
    let (s, _) = run(path_to(Materials).into_iter().chain([Event::MaterialsDone]).collect());
    assert_eq!((s.step, s.data.error), (Materials, Some(Message::MaterialsIncomplete)));
}

/// A signed promise as the pad would give it.
fn signed() -> crate::domain::signature::SignedPromise {
    crate::domain::signature::SignedPromise::new(
        "本人承诺按期补交",
        "M 100 200 L 200 150 L 300 250 L 400 150 L 500 250 L 600 150 L 700 250 L 800 150",
    )
    .unwrap()
}

mod later_steps;
