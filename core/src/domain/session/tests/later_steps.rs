//! The session from review on: edits, failures on the way out, ratings, stray events, prefills, elderly mode and timers.

use super::*;

#[test]
fn review_edits_return_to_review() {
    let (s, effects) = after(Review, Event::Edit(Form));
    assert_eq!((s.step, effects), (Form, vec![]));
    let (s, _) = handle(s, Event::SubmitForm(good_form()), 1);
    assert_eq!(s.step, Review);
    let (s, effects) = after(Review, Event::Edit(Identify));
    assert_eq!((s.step, effects), (Identify, vec![StartCardReader]));
    let (s, _) = handle(s, card(APPLICANT), 1);
    assert_eq!(s.step, Review);
    let (s, _) = after(Review, Event::Edit(Materials));
    let (s, _) = handle(s, Event::MaterialsDone, 1);
    assert_eq!(s.step, Review);
    let (s, effects) = after(Review, Event::Edit(Payment));
    assert_eq!((s.step, effects), (Review, vec![]));
}

#[test]
fn review_choices_respect_the_item() {
    let express = Delivery::Express {
        recipient: "张三".into(),
        phone: "13812345678".into(),
        address: "x".into(),
    };
    let (s, _) = after(Review, Event::ChooseDelivery(express.clone()));
    assert_eq!(s.data.delivery, express);
    let (s, _) = after(Review, Event::SetUrgent(true));
    assert!(s.data.urgent);
    // Temporary ID: no express, no urgent channel.
    let (s, _) = run(vec![
        Event::Start { today: today() },
        Event::ChooseItem(plan("ID-005")),
        Event::ConfirmGuide,
        card(APPLICANT),
        Event::SubmitForm([("phone".to_string(), "13812345678".to_string())].into()),
    ]);
    assert_eq!(s.step, Review, "an item without materials skips that step");
    let (s, _) = handle(s, Event::ChooseDelivery(express), 1);
    assert_eq!(
        (s.data.delivery.clone(), s.data.error),
        (Delivery::WindowPickup, Some(Message::ReviewNoExpress))
    );
    let (s, _) = handle(s, Event::SetUrgent(true), 2);
    assert_eq!((s.data.urgent, s.data.error), (false, Some(Message::ReviewNoUrgent)));
    // No fee: straight to submitting.
    let (s, effects) = handle(s, Event::ConfirmReview, 3);
    assert_eq!((s.step, effects), (Submitting, vec![SubmitApplication]));
}

#[test]
fn failures_on_the_way_out() {
    let (s, effects) = after(Payment, Event::PaymentFailed);
    assert_eq!(
        (s.step, s.data.error, effects),
        (Payment, Some(Message::PaymentFailed), vec![])
    );
    let (s, _) = after(Submitting, Event::SubmitFailed(Message::SubmitStorage));
    assert_eq!((s.step, s.data.error), (Review, Some(Message::SubmitStorage)));
    let (s, _) = after(Step::Receipt, Event::PrintFailed);
    assert_eq!(s.data.print, PrintState::ShowQr);
    let (s, _) = after(Step::Receipt, Event::Printed);
    assert_eq!(s.data.print, PrintState::Printed);
    let (s, effects) = after(Rating, Event::Rated(9));
    assert_eq!((s.step, s.data.rating, effects), (Rating, None, vec![]));
}

#[test]
fn a_rating_takes_a_face_then_reasons_that_fit_it_and_is_sent_once() {
    use crate::domain::rating::RatingReason::{DeviceProblem, LongWait, Quick};
    let (s, _) = after(Rating, Event::SubmitRating);
    assert_eq!(s.step, Rating, "nothing to send before a face is chosen");
    let (s, _) = after(Rating, Event::ToggleRatingReason(LongWait));
    assert!(s.data.rating_reasons.is_empty(), "reasons wait for a face");

    let mut s = at(Rating);
    for event in [
        Event::Rated(2),
        Event::ToggleRatingReason(LongWait),
        Event::ToggleRatingReason(DeviceProblem),
        Event::ToggleRatingReason(Quick),
        Event::ToggleRatingReason(DeviceProblem),
    ] {
        s = handle(s, event, 100_000).0;
    }
    assert_eq!(
        s.data.rating_reasons,
        vec![LongWait],
        "praise does not go with two stars; a second tap unticks"
    );
    let (changed, _) = handle(s.clone(), Event::Rated(5), 100_000);
    assert!(
        changed.data.rating_reasons.is_empty(),
        "a better face drops the complaints"
    );

    let (s, effects) = handle(s, Event::SubmitRating, 100_000);
    assert_eq!(
        (s.step, effects),
        (
            Farewell,
            vec![RecordRating {
                stars: 2,
                reasons: vec![LongWait],
                receipt_no: Some(receipt().number.as_str().to_string())
            }]
        )
    );
}

#[test]
fn a_face_chosen_before_walking_away_is_still_sent_at_the_wipe() {
    let (s, _) = after(Rating, Event::Rated(4));
    let (s, _) = handle(s, Event::Tick, 10_000_000);
    let (s, effects) = handle(s, Event::Tick, 20_000_000);
    assert_eq!(s.step, Welcome);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, RecordRating { stars: 4, reasons, receipt_no: Some(_) } if reasons.is_empty())),
        "{effects:?}"
    );
    assert!(effects.contains(&WipePersonalData));

    let (s, _) = handle(at(Rating), Event::Tick, 10_000_000);
    let (_, effects) = handle(s, Event::Tick, 20_000_000);
    assert!(
        !effects.iter().any(|e| matches!(e, RecordRating { .. })),
        "no face, nothing sent"
    );
}

#[test]
fn events_out_of_place_change_nothing() {
    for (from, event) in [
        (Welcome, Event::ConfirmGuide),
        (ChooseService, card(APPLICANT)),
        (Guide, Event::SubmitForm(good_form())),
        (Form, Event::ConfirmReview),
        (Review, Event::Printed),
        (Step::Receipt, Event::Start { today: today() }),
    ] {
        let before = at(from);
        let (s, effects) = handle(before.clone(), event, 100_000);
        assert_eq!(effects, vec![]);
        assert_eq!((s.step, &s.data), (before.step, &before.data));
    }
}

#[test]
fn card_values_prefill_the_form_without_overwriting_typed_ones() {
    let mut plan = plan("HH-006");
    let mut spec = plan.fields["phone"].clone();
    spec.prefill = Some(Prefill::CardAddress);
    spec.kind = crate::domain::catalogue::FieldKind::Text { max_chars: 70 };
    plan.item.fields.push("address".into());
    plan.fields.insert("address".into(), spec);
    let (s, _) = run(vec![
        Event::Start { today: today() },
        Event::ChooseItem(plan.clone()),
        Event::ConfirmGuide,
        card(APPLICANT),
    ]);
    assert_eq!(s.step, Form);
    assert_eq!(
        s.data.form.get("address").map(String::as_str),
        Some("浙江省宁波市象山县石浦镇中山路1号")
    );
    // A typed identity has no address: nothing is invented.
    let (s, _) = run(vec![
        Event::Start { today: today() },
        Event::ChooseItem(plan),
        Event::ConfirmGuide,
        Event::ManualId(APPLICANT.into()),
    ]);
    assert_eq!(s.data.form.get("address"), None);
}

#[test]
fn a_kiosk_configured_for_elderly_mode_keeps_it_for_every_citizen() {
    let s = Session::new(Lang::Zh, true, Timeouts::default(), 0);
    let (s, _) = handle(s, Event::Start { today: today() }, 1);
    let (s, _) = handle(s, Event::SetElderly(false), 2);
    assert!(!s.elderly, "a citizen may switch it off for themselves");
    let (s, _) = handle(s, Event::Cancel, 3);
    assert!(
        s.elderly,
        "the next citizen starts in the configured elderly mode again"
    );
    let (s, _) = handle(s, Event::Start { today: today() }, 4);
    let (s, _) = handle(s, Event::Cancel, 5);
    assert!(s.elderly, "...and the one after that");
}

#[test]
fn reading_typing_and_paying_get_longer_timers_and_the_countdown_counts_down() {
    let s = at(Form);
    let t0 = s.last_activity_ms;
    let warn = s.timeouts.warn_after_ms;
    let (s, effects) = handle(s, Event::Tick, t0 + warn + 1);
    assert_eq!((s.step, effects), (Form, vec![]), "no warning yet on the form");
    assert_eq!(s.seconds_left(t0), Some((2 * warn + s.timeouts.grace_ms) / 1000));
    let (s, effects) = handle(s, Event::Tick, t0 + 2 * warn);
    assert!(matches!(effects[..], [ShowIdleWarning { .. }]));
    assert_eq!(s.seconds_left(t0 + 2 * warn), Some(s.timeouts.grace_ms / 1000));
    let s = at(Identify);
    let t0 = s.last_activity_ms;
    let (_, effects) = handle(s, Event::Tick, t0 + warn);
    assert!(
        matches!(effects[..], [ShowIdleWarning { .. }]),
        "other steps keep the normal time"
    );
    assert_eq!(at(Welcome).seconds_left(0), None);
}
