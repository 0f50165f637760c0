//! Privacy by construction: a whole session through the app layer, the storage, the outbox
//! worker (with a refusal) and the printer (out of paper) writes log lines, none of which
//! holds a full ID number, name, phone or address.

use std::sync::Mutex;
use township_kiosk::app::central_sim::SimCentral;
use township_kiosk::app::intent::{Intent, JourneyIntent};
use township_kiosk::app::kiosk::{AppParts, KioskApp};
use township_kiosk::app::outbox_worker::try_send_next;
use township_kiosk::config::Config;
use township_kiosk::devices::card_reader::fixtures::fixture;
use township_kiosk::devices::card_reader::{Card, ReaderEvent};
use township_kiosk::devices::printer::profile::profile;
use township_kiosk::domain::calendar::Date;
use township_kiosk::domain::message::Message;
use township_kiosk::domain::session::Event;
use township_kiosk::storage::Store;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        LINES
            .lock()
            .unwrap()
            .push(format!("{} {}", record.target(), record.args()));
    }
    fn flush(&self) {}
}

#[test]
fn no_log_line_holds_personal_data() {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.kiosk.state_dir = dir.path().to_path_buf();
    let catalogue = township_kiosk::app::load_catalogue(&config).unwrap();
    let mut parts = AppParts::bare(profile("generic-80mm").unwrap());
    parts.store = Some(Store::open_in(dir.path()).unwrap());
    let inbox = parts.inbox.0.clone();
    let mut app = KioskApp::new(config, catalogue, parts);
    let today = Date::parse("2026-11-26").unwrap();
    app.set_today(today);
    app.handle(Intent::Start);
    app.handle(Intent::Journey(JourneyIntent::ChooseItem("ID-005".into())));
    app.handle(Intent::Session(Event::ConfirmGuide));
    let sim = fixture("resident-elderly").unwrap();
    let card = Card {
        text: sim.text.clone(),
        photo: sim.photo,
        fingerprint: None,
        appended_address: sim.appended_address.clone(),
    };
    // The reader reports through the app's inbox, as in the running kiosk.
    let report = inbox.reader_listener();
    report(ReaderEvent::ReadFailed {
        key: Message::ReaderReadAgain,
        detail: "card read failed (SW3 0x41)".into(),
    });
    report(ReaderEvent::CardRead(Box::new(card)));
    app.take_inbox();
    app.handle(Intent::Journey(JourneyIntent::ActivateField(0)));
    for key in "13805740000".chars() {
        app.handle(Intent::Journey(JourneyIntent::FieldKey(key.to_string())));
    }
    app.handle(Intent::Journey(JourneyIntent::SubmitForm));
    app.handle(Intent::Journey(JourneyIntent::SetExpress(false)));
    app.handle(Intent::Session(Event::ConfirmReview));
    // The worker stores the application and tries to print (no printer: QR on screen).
    for _ in 0..100 {
        if app.session().data.print == township_kiosk::domain::session::PrintState::ShowQr {
            break;
        }
        app.wait_inbox(std::time::Duration::from_millis(100));
    }
    assert_eq!(
        app.session().data.print,
        township_kiosk::domain::session::PrintState::ShowQr
    );
    let mut store = Store::open_in(dir.path()).unwrap();
    let central = SimCentral::default();
    central.reject_item("ID-005");
    try_send_next(
        &mut store,
        &central,
        &township_kiosk::app::outbox_worker::DeliveryOptions::new("DEV-KIOSK"),
        i64::MAX / 2,
    )
    .unwrap();

    let lines = LINES.lock().unwrap().join("\n");
    assert!(
        lines.contains("application stored") && lines.contains("refused by the central system"),
        "{lines}"
    );
    let number = sim.text.id_number.expose().to_string();
    for secret in [
        number.as_str(),
        &number[6..14],
        "王阿根",
        "13805740000",
        "金山路",
        "大林村",
    ] {
        assert!(!lines.contains(secret), "{secret:?} in the logs:\n{lines}");
    }
    assert!(
        lines.contains("330225********0614"),
        "the masked form is what appears:\n{lines}"
    );
}
