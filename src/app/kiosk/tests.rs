//! The app layer without Slint: journeys through intents, the worker's completions, the
//! inbox that keeps early reader events, and idempotent resubmission.

use super::*;
use crate::app::intent::JourneyIntent;
use crate::devices::printer::profile::profile;
use crate::domain::calendar::Date;
use crate::domain::message::Message;
use crate::domain::session::PrintState;

fn app_in(dir: &std::path::Path) -> KioskApp {
    let mut config = Config::default();
    config.kiosk.state_dir = dir.to_path_buf();
    let catalogue = crate::app::load_catalogue(&config).unwrap();
    let mut parts = AppParts::bare(profile("generic-80mm").unwrap());
    parts.store = Some(Store::open_in(dir).unwrap());
    parts.camera = Some(crate::devices::camera::CameraSource::Sim(Default::default()));
    let mut app = KioskApp::new(config, catalogue, parts);
    app.set_today(Date::parse("2026-11-26").unwrap());
    app
}

/// Takes worker and camera reports until `done` holds (bounded at a minute: a debug-build
/// capture on a loaded machine takes seconds).
fn wait_until(app: &mut KioskApp, done: impl Fn(&KioskApp) -> bool) {
    for _ in 0..600 {
        if done(app) {
            return;
        }
        app.wait_inbox(Duration::from_millis(100));
    }
    panic!("the worker did not report: step {:?}", app.session().step);
}

fn to_review(app: &mut KioskApp) {
    app.handle(Intent::Start);
    app.handle(Intent::Journey(JourneyIntent::ChooseItem("HH-006".into())));
    app.handle(Intent::Session(Event::ConfirmGuide));
    for key in "330225198506120431".chars() {
        app.handle(Intent::Journey(JourneyIntent::IdKey(key.to_string())));
    }
    app.handle(Intent::Journey(JourneyIntent::SubmitTypedId));
    assert_eq!(app.session().step, Step::Form);
    app.handle(Intent::Journey(JourneyIntent::ActivateField(0)));
    for key in "138057400009".chars() {
        app.handle(Intent::Journey(JourneyIntent::FieldKey(key.to_string())));
    }
    assert_eq!(
        app.form_draft()["phone"],
        "13805740000",
        "the keypad stops at 11 digits"
    );
    app.handle(Intent::Journey(JourneyIntent::SubmitForm));
    assert_eq!(app.session().step, Step::Materials);
    assert!(
        app.camera().starting(),
        "the materials page starts the camera, off the UI thread"
    );
    wait_until(app, |app| app.camera().available());
    app.handle(Intent::Journey(JourneyIntent::CaptureMaterial("id-card".into())));
    app.handle(Intent::Journey(JourneyIntent::CaptureMaterial("id-card".into())));
    assert_eq!(
        app.camera().capturing(),
        Some("id-card"),
        "a second tap waits for the first"
    );
    wait_until(app, |app| app.camera().photo("id-card").is_some());
    assert!(matches!(
        app.session().data.materials.get("id-card"),
        Some(crate::domain::application::MaterialState::Captured { .. })
    ));
    app.handle(Intent::Session(Event::MaterialsDone));
    assert!(!app.camera().available(), "leaving the page closed the camera");
    assert_eq!(app.session().step, Step::Review);
}

#[test]
fn submitting_and_printing_run_on_the_worker_and_come_back_as_completions() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_in(dir.path());
    to_review(&mut app);
    app.handle(Intent::Session(Event::ConfirmReview));
    assert_eq!(
        app.session().step,
        Step::Submitting,
        "the UI thread returns at once: submitting is a visible step"
    );
    wait_until(&mut app, |app| app.session().data.print == PrintState::ShowQr);
    let receipt = app.session().data.receipt.clone().unwrap();
    assert!(receipt.number.as_str().starts_with("DEV1-261126-0001-"));
    assert!(app.receipt_preview().is_some(), "the worker rendered the preview");
    let mut store = Store::open_in(dir.path()).unwrap();
    assert_eq!(store.outbox_list(None).unwrap().len(), 1);
    let key = store.outbox_list(None).unwrap()[0].idempotency_key.clone();
    let photo = store
        .load_photo(&key, "id-card")
        .unwrap()
        .expect("the material photo is stored with the application");
    assert!(
        photo.starts_with(&[0xFF, 0xD8]) && photo.len() <= 500 * 1024,
        "a JPEG under 500 KB"
    );
    assert_eq!(
        store.reprint_queue().unwrap()[0].receipt_no,
        receipt.number.as_str(),
        "no printer: the receipt waits in the reprint queue"
    );
    app.handle(Intent::Session(Event::Cancel));
    assert!(app.typed_id().is_empty() && app.form_draft().is_empty() && app.receipt_preview().is_none());
    assert!(
        app.camera().photo("id-card").is_none(),
        "the photo is forgotten with the session"
    );
}

#[test]
fn a_retried_submit_reuses_the_idempotency_key_and_stores_one_application() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_in(dir.path());
    to_review(&mut app);
    app.handle(Intent::Session(Event::ConfirmReview));
    // The first attempt's report is lost (say the worker's answer came too late): the
    // citizen sees the failure and confirms again.
    app.event_at(Event::SubmitFailed(Message::SubmitStorage), app.now_ms());
    assert_eq!(app.session().step, Step::Review);
    app.handle(Intent::Session(Event::ConfirmReview));
    wait_until(&mut app, |app| app.session().data.receipt.is_some());
    let mut store = Store::open_in(dir.path()).unwrap();
    let rows = store.outbox_list(None).unwrap();
    assert_eq!(rows.len(), 1, "two submits of one session, one application: {rows:?}");
}

#[test]
fn a_new_session_gets_a_new_idempotency_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_in(dir.path());
    for _ in 0..2 {
        to_review(&mut app);
        app.handle(Intent::Session(Event::ConfirmReview));
        wait_until(&mut app, |app| app.session().data.print == PrintState::ShowQr);
        app.handle(Intent::Session(Event::Cancel));
    }
    let mut store = Store::open_in(dir.path()).unwrap();
    assert_eq!(store.outbox_list(None).unwrap().len(), 2);
}

#[test]
fn reader_reports_posted_before_anyone_listens_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (inbox, receiver) = crate::app::inbox::channel();
    // The reader thread reports its state before the UI (and its event loop) exists.
    (inbox.reader_listener())(ReaderEvent::State(ReaderState::Ready));
    let mut config = Config::default();
    config.kiosk.state_dir = dir.path().to_path_buf();
    let catalogue = crate::app::load_catalogue(&config).unwrap();
    let mut parts = AppParts::bare(profile("generic-80mm").unwrap());
    parts.inbox = (inbox, receiver);
    let mut app = KioskApp::new(config, catalogue, parts);
    assert_eq!(app.reader_state(), &ReaderState::Connecting);
    assert!(app.take_inbox());
    assert_eq!(app.reader_state(), &ReaderState::Ready);
}

#[test]
fn categories_and_a_typed_number_kept_when_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_in(dir.path());
    app.handle(Intent::Start);
    let second = app.catalogue().categories[1].code.clone();
    app.handle(Intent::Journey(JourneyIntent::ChooseCategory(second.clone())));
    assert_eq!(app.current_category(), second);
    app.handle(Intent::Journey(JourneyIntent::ChooseCategory(
        "no-such-category".into(),
    )));
    assert_eq!(app.current_category(), second, "an unknown category changes nothing");
    app.handle(Intent::Journey(JourneyIntent::ChooseItem("HH-006".into())));
    app.handle(Intent::Session(Event::ConfirmGuide));
    for key in "330225198506120432".chars() {
        app.handle(Intent::Journey(JourneyIntent::IdKey(key.to_string())));
    }
    app.handle(Intent::Journey(JourneyIntent::SubmitTypedId));
    assert_eq!(app.session().data.error, Some(Message::IdCheckDigit));
    assert_eq!(app.typed_id(), "330225198506120432", "kept for correction");
    app.handle(Intent::Journey(JourneyIntent::IdKey("CLEAR".into())));
    assert_eq!(app.typed_id(), "");
}

/// English readers type Latin letters, Chinese readers pinyin; 手写 stays chosen across a
/// switch; every new session starts with its language's keyboard.
#[test]
fn the_keyboard_follows_the_language() {
    use crate::app::text_entry::{KeyMode, KeyboardIntent};
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_in(dir.path());
    assert_eq!(app.keyboard().mode, KeyMode::Pinyin);
    app.handle(Intent::Start);
    app.handle(Intent::SetLanguage(Lang::En));
    assert_eq!(app.keyboard().mode, KeyMode::Latin);
    app.handle(Intent::SetLanguage(Lang::Zh));
    assert_eq!(app.keyboard().mode, KeyMode::Pinyin);
    app.handle(Intent::Keys(KeyboardIntent::Mode("digits".into())));
    app.handle(Intent::SetLanguage(Lang::En));
    assert_eq!(app.keyboard().mode, KeyMode::Digits, "a number's keypad stays a keypad");
    app.handle(Intent::SetLanguage(Lang::Zh));
    app.handle(Intent::Keys(KeyboardIntent::Mode("handwriting".into())));
    app.handle(Intent::SetLanguage(Lang::En));
    assert_eq!(
        app.keyboard().mode,
        KeyMode::Handwriting,
        "the citizen's own choice stays"
    );
    app.handle(Intent::Keys(KeyboardIntent::Stroke(vec![100, 500, 900, 500])));
    assert!(!app.keyboard().ink.is_empty());
    app.handle(Intent::Session(Event::Cancel));
    assert_eq!(app.keyboard().mode, KeyMode::Pinyin, "the next citizen starts afresh");
    assert!(app.keyboard().ink.is_empty(), "no ink left for the next citizen");
}

/// A reader that can tell when the card is lifted (the app's side of the watch).
struct WatchingReader;

impl crate::devices::card_reader::CardReader for WatchingReader {
    fn start_reading(&self) {}
    fn stop_reading(&self) {}
    fn state(&self) -> crate::devices::card_reader::ReaderState {
        crate::devices::card_reader::ReaderState::Ready
    }
    fn diagnostics(&self) -> crate::devices::card_reader::ReaderDiagnostics {
        Default::default()
    }
    fn watch_for_lift(&self) -> bool {
        true
    }
}

/// A card left behind when the session ends: the reminder shows and is spoken although the
/// citizen had voice off, and goes when the reader reports the card lifted.
#[test]
fn a_card_left_at_the_end_is_reminded_aloud_until_lifted() {
    use crate::app::inbox::Inbound;
    use crate::devices::card_reader::{Card, ReaderEvent};
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.kiosk.state_dir = dir.path().to_path_buf();
    config.voice.enabled = true;
    let catalogue = crate::app::load_catalogue(&config).unwrap();
    let voice = crate::devices::voice::SilentVoice::new();
    let mut parts = AppParts::bare(profile("generic-80mm").unwrap());
    parts.reader = Some(Box::new(WatchingReader));
    parts.voice = Some(Box::new(voice.clone()));
    let mut app = KioskApp::new(config, catalogue, parts);
    assert!(!app.voice_on(), "voice is off for this citizen");
    app.handle(Intent::Start);
    app.handle(Intent::Journey(JourneyIntent::ChooseItem("HH-006".into())));
    app.handle(Intent::Session(Event::ConfirmGuide));
    let sim = crate::devices::card_reader::fixtures::fixture("resident").unwrap();
    let card = Card {
        text: sim.text,
        photo: sim.photo,
        fingerprint: None,
        appended_address: None,
    };
    app.on_report_at(Inbound::Reader(ReaderEvent::CardRead(Box::new(card.clone()))), 5_000);
    assert_eq!(app.session().step, Step::Form);
    assert!(!app.card_reminder().showing(), "not while the citizen is busy");
    app.handle_at(Intent::Session(Event::Cancel), 6_000);
    assert!(
        app.card_reminder().showing(),
        "the session ended with the card on the reader"
    );
    assert_last_said_take_card(&voice);
    app.on_report_at(Inbound::Reader(ReaderEvent::CardLifted), 7_000);
    assert!(!app.card_reminder().showing());

    // With voice on, the session's end stops the page prompts, not the reminder.
    app.handle_at(Intent::Start, 8_000);
    app.handle_at(Intent::ToggleVoice, 8_100);
    assert!(app.voice_on());
    app.handle_at(Intent::Journey(JourneyIntent::ChooseItem("HH-006".into())), 8_200);
    app.handle_at(Intent::Session(Event::ConfirmGuide), 8_300);
    app.on_report_at(Inbound::Reader(ReaderEvent::CardRead(Box::new(card))), 9_000);
    let said_before = voice.said().len();
    app.handle_at(Intent::Session(Event::Cancel), 10_000);
    assert!(app.card_reminder().showing());
    assert_eq!(voice.said().len(), said_before + 1, "{:?}", voice.said());
    assert_last_said_take_card(&voice);
    assert_eq!(voice.stops_after_last_said(), 0, "not cut off by the session's end");
}

/// 呼叫工作人员 works from the welcome page too, says "on the way", and — since no session
/// ends there to clear it — stops after five minutes; in a session it lasts the session.
#[test]
fn staff_can_be_called_from_the_welcome_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_in(dir.path());
    app.handle_at(Intent::CallStaff, 10_000);
    assert!(app.staff_called());
    app.tick_at(10_000 + STAFF_CALL_MS - 1);
    assert!(app.staff_called());
    app.tick_at(10_000 + STAFF_CALL_MS);
    assert!(!app.staff_called(), "cleared on the welcome page after a while");
    app.handle_at(Intent::Start, 400_000);
    app.handle_at(Intent::CallStaff, 400_001);
    app.handle_at(Intent::Touch, 400_000 + STAFF_CALL_MS - 10_000);
    app.tick_at(400_001 + STAFF_CALL_MS);
    assert_eq!(app.session().step, Step::ChooseService);
    assert!(app.staff_called(), "kept while the session lasts");
}

/// The last thing said was the card reminder.
fn assert_last_said_take_card(voice: &crate::devices::voice::SilentVoice) {
    assert!(
        voice
            .said()
            .last()
            .is_some_and(|said| said.contains("请取回您的身份证")),
        "{:?}",
        voice.said()
    );
}

#[test]
fn the_update_agent_is_told_idle_only_while_nobody_is_at_the_kiosk() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_in(dir.path());
    let flag = dir.path().join("idle");
    app.set_idle_flag(crate::app::firmware::IdleFlag::at(Some(flag.clone())));
    app.tick_at(1_000);
    assert!(flag.exists(), "the welcome page is idle");
    app.handle_at(Intent::Start, 2_000);
    app.tick_at(3_000);
    assert!(!flag.exists(), "a citizen started: not idle");
    app.handle_at(Intent::Session(Event::Cancel), 4_000);
    app.tick_at(5_000);
    assert_eq!(app.session().step, Step::Welcome);
    assert!(flag.exists(), "back on the welcome page");
}
