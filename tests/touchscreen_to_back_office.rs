//! The whole loop of the reform at one township point, against the real reference server
//! over mutual TLS: a citizen applies at the touchscreen (app layer, simulated camera for
//! the material photo), the outbox delivers the application with its photo, the back office
//! asks for a supplement, the citizen's progress query at the kiosk shows that request, the
//! citizen photographs the material there and the outbox delivers it (the case is back in
//! pre-review), and a later query is made by holding the receipt's QR code under the camera.

#[allow(dead_code, unused_imports)]
mod common;
mod support {
    #![allow(unused_imports, dead_code)]
    pub mod central_lab;
    pub mod kiosk_lab;
}

use support::kiosk_lab::{wait_until, KioskLab};
use township_kiosk::app::intent::{Intent, JourneyIntent, ProgressIntent};
use township_kiosk::app::view::progress::progress;
use township_kiosk::domain::session::{Event, Step};

const KIOSK_ID: &str = "LOOP-KIOSK-01";

#[test]
fn an_application_from_the_touchscreen_reaches_the_back_office_and_its_review_shows_in_the_progress_query() {
    let lab = KioskLab::start(KIOSK_ID);
    let server = &lab.server;
    // The citizen at the touchscreen: 户籍证明 (HH-006) with a typed ID number and a
    // photographed household register.
    let camera = std::sync::Arc::new(township_kiosk::devices::camera::sim::SimCameraControl::default());
    let (mut app, receipt, mandatory) = lab.apply_at_touchscreen(&camera);

    // The outbox delivers it with its photos (the worker's step function, as `kiosk run`).
    lab.drain_outbox();
    let held = server.list().unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["receipt_no"], receipt.as_str());
    assert_eq!(
        held[0]["materials"].as_u64(),
        Some(mandatory.len() as u64),
        "the photos arrived"
    );

    // The back office asks for a supplement.
    server
        .request_supplement(&receipt, "请补充清晰的户口簿首页照片")
        .unwrap();

    // Later, the citizen asks at the kiosk: 查询进度, typing the receipt number (and, since
    // a typed number alone opens nothing, the applicant's ID tail).
    let view = support::kiosk_lab::look_up_typed(&mut app, &receipt);
    assert_eq!(app.session().step, Step::Progress);
    assert_eq!(view.typed, receipt);
    assert!(view.error.is_empty(), "{}", view.error);
    assert_eq!(view.rows.len(), 1);
    assert_eq!(view.rows[0].receipt_no, receipt);
    assert_eq!(view.rows[0].status, "supplement");
    assert_eq!(view.rows[0].message, "请补充清晰的户口簿首页照片");

    // 补交材料 needs more than the ID tail: the card or the receipt's QR code.
    app.handle(Intent::Progress(ProgressIntent::SupplyStart(receipt.clone())));
    let view = progress(&app);
    assert!(
        view.supply.is_none() && view.error.contains("回执二维码"),
        "{}",
        view.error
    );
    // The citizen holds the receipt's QR code under the camera: its number and token (what
    // the QR decoder hands over), and the central checks the token.
    app.handle(Intent::Progress(ProgressIntent::Again));
    let key = township_kiosk::app::progress_key::load_or_create_key(&lab.config.kiosk.state_dir).unwrap();
    let number = township_kiosk::domain::receipt::ReceiptNumber::parse(&receipt).unwrap();
    let token = Some(key.token(&number));
    app.lookup_mut()
        .search_scanned(township_kiosk::app::receipt_scan::Scanned { number, token });
    wait_until(&mut app, "the answer", |app| app.lookup().answer().is_some());
    assert_eq!(progress(&app).rows.len(), 1, "{}", progress(&app).error);

    // 补交材料 from there: the material asked for photographed again under the camera,
    // queued durably, delivered by the outbox, and the case is back in pre-review.
    app.handle(Intent::Progress(ProgressIntent::SupplyStart(receipt.clone())));
    let supply = progress(&app).supply.expect("the supplement panel");
    assert_eq!(supply.message, "请补充清晰的户口簿首页照片");
    assert_eq!(
        supply.rows.len(),
        mandatory.len(),
        "the service's materials to choose from"
    );
    let code = supply.rows[0].code.clone();
    app.handle(Intent::Progress(ProgressIntent::SupplySubmit));
    assert!(
        !progress(&app).supply.unwrap().error.is_empty(),
        "nothing to send without a photo"
    );
    wait_until(&mut app, "the camera", |app| app.camera().available());
    app.handle(Intent::Journey(JourneyIntent::CaptureMaterial(code.clone())));
    wait_until(&mut app, "the photo", |app| app.camera().photo(&code).is_some());
    app.handle(Intent::Progress(ProgressIntent::SupplySubmit));
    wait_until(&mut app, "the queue", |app| {
        app.supply()
            .is_some_and(|s| s.state == township_kiosk::app::supply::SupplyState::Queued)
    });
    assert!(
        app.camera().photo(&code).is_none(),
        "the photo left the camera for the queue"
    );
    let out = lab.drain_outbox();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("sent the supplement for {receipt}")),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let held = server.list().unwrap();
    assert_eq!(
        held[0]["status"], "received",
        "the supplement answered the request: {held:?}"
    );
    assert_eq!(
        held[0]["materials"].as_u64(),
        Some(mandatory.len() as u64 + 1),
        "{held:?}"
    );
    app.handle(Intent::Progress(ProgressIntent::SupplyClose));
    assert!(progress(&app).supply.is_none());
    // Back on the answer, the case no longer asks for the material it just got.
    let after = progress(&app);
    assert_eq!((after.rows[0].status, after.rows[0].message.as_str()), ("received", ""));

    // Another day, the receipt's QR code held under the camera: the number is read from
    // the preview and looked up, nothing typed.
    app.handle(Intent::Progress(ProgressIntent::Again));
    app.handle(Intent::Progress(ProgressIntent::Key("CLEAR".into())));
    // (The token is the one this kiosk printed; a made-up one would open nothing.)
    let printed = key.token(&township_kiosk::domain::receipt::ReceiptNumber::parse(&receipt).unwrap());
    camera.hold_code(Some(&format!(
        "https://zwfw.example.gov.cn/progress/{receipt}?t={}",
        printed.as_str()
    )));
    let started = std::time::Instant::now();
    while app.lookup().answer().is_none() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the QR code was not read"
        );
        app.tick_at(app.now_ms());
        app.wait_inbox(std::time::Duration::from_millis(100));
    }
    let view = progress(&app);
    assert_eq!(view.typed, receipt, "the number read is shown as if typed");
    assert_eq!(view.rows.len(), 1, "{}", view.error);
    assert_eq!(
        view.rows[0].status, "received",
        "back in pre-review after the supplement"
    );
    camera.hold_code(None);

    // A number that does not exist is a clear answer, not an error page.
    app.handle(Intent::Progress(ProgressIntent::Again));
    app.handle(Intent::Progress(ProgressIntent::Key("CLEAR".into())));
    let other = township_kiosk::domain::receipt::ReceiptNumber::issue(
        "ZZ9",
        township_kiosk::domain::calendar::Date::parse("2026-01-02").unwrap(),
        42,
    )
    .unwrap();
    for c in other.as_str().chars() {
        app.handle(Intent::Progress(ProgressIntent::Key(c.to_string())));
    }
    app.handle(Intent::Progress(ProgressIntent::Search));
    for c in "120431".chars() {
        app.handle(Intent::Progress(ProgressIntent::Key(c.to_string())));
    }
    app.handle(Intent::Progress(ProgressIntent::Search));
    wait_until(&mut app, "the answer", |app| app.lookup().answer().is_some());
    assert!(!progress(&app).error.is_empty());
    assert!(progress(&app).rows.is_empty());

    // Leaving wipes the answer.
    app.handle(Intent::Session(Event::Back));
    assert_eq!(app.session().step, Step::Welcome);
    assert!(app.lookup().answer().is_none());
}
