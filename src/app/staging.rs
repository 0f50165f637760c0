//! Sample sessions for every page of the touchscreen: brings an app to a page with made-up
//! data through the same intents a citizen's touches send (the screenshots, the README
//! gallery, the layout tests and the UI benchmark use it). The receipt pages show the sample
//! receipt rendered as the printer prints it.

use super::intent::{AddressIntent, Intent, JourneyIntent, KeyboardIntent, ProgressIntent};
use super::kiosk::KioskApp;
use super::sample;
use crate::devices::card_reader::fixtures::fixture;
use crate::devices::card_reader::ReaderState;
use crate::domain::calendar::Date;
use crate::domain::session::{Event, PrintState};
use crate::domain::Lang;

pub const PAGES: &[&str] = &[
    "welcome",
    "welcome-attract",
    "progress",
    "progress-tail",
    "progress-answer",
    "progress-supply",
    "catalogue",
    "guide",
    "identify",
    "identify-manual",
    "identify-proxy",
    "form",
    "form-errors",
    "materials",
    "materials-promise",
    "review",
    "payment",
    "payment-expired",
    "submitting",
    "receipt",
    "receipt-qr",
    "address",
    "address-handwriting",
    "rating",
    "rating-reasons",
    "farewell",
    "idle-warning",
    "exit-question",
    "card-reminder",
    "appointment",
    "appointment-time",
    "appointment-phone",
    "appointment-booked",
    "consult",
    "consult-text",
    "consult-handwriting",
    "consult-phone",
    "consult-sent",
    "technician-pin",
    "technician",
    "technician-tests",
    "technician-outbox",
    "technician-settings",
    "technician-logs",
    "technician-reprints",
];

/// 石 as a finger writes it on the writing pad (its 1000 × 1000 box), five strokes.
pub const SAMPLE_INK_SHI: [&[i32]; 5] = [
    &[170, 220, 500, 215, 830, 210],
    &[430, 225, 360, 420, 270, 600, 150, 760],
    &[420, 500, 425, 670, 430, 840],
    &[420, 500, 600, 495, 760, 490, 755, 660, 750, 840],
    &[430, 820, 590, 820, 745, 820],
];

/// Switches the keyboard to 手写 and writes `strokes`.
fn write_by_hand(app: &mut KioskApp, strokes: &[&[i32]], t: u64) {
    app.handle_at(Intent::Keys(KeyboardIntent::Mode("handwriting".into())), t);
    for stroke in strokes {
        app.handle_at(Intent::Keys(KeyboardIntent::Stroke(stroke.to_vec())), t);
    }
}

/// A signature as the pad records it: a made-up scrawl, two strokes.
pub const SAMPLE_SIGNATURE: &str =
    "M 120 260 L 160 180 L 210 120 L 240 170 L 230 260 L 280 200 L 340 150 L 380 230 L 420 260 \
    M 470 250 L 520 140 L 560 230 L 610 150 L 660 240 L 720 170 L 780 230 L 850 200";

/// Brings `app` to `page` with sample data, through the same intents a citizen's touches
/// send (the receipt pages show the sample receipt, rendered as the printer prints it).
pub fn prepare(app: &mut KioskApp, page: &str, lang: Lang, elderly: bool) -> Result<(), String> {
    if !PAGES.contains(&page) {
        return Err(format!("unknown page {page:?}; see --list-pages"));
    }
    let today = Date::parse("2026-11-26").ok_or("date")?;
    app.set_today(today);
    app.set_reader_state(ReaderState::Ready);
    app.pin_clock("09:30");
    let t = 1000;
    let go = |app: &mut KioskApp, intent: Intent| app.handle_at(intent, t);
    go(app, Intent::SetLanguage(lang));
    go(app, Intent::SetElderly(elderly));
    if page == "welcome" {
        return Ok(());
    }
    if page == "welcome-attract" {
        // A minute alone: the attract loop's first slide.
        app.tick_at(t + super::attract::ATTRACT_AFTER_MS);
        return Ok(());
    }
    if page.starts_with("progress") {
        stage_progress(app, page, t);
        return Ok(());
    }
    if page.starts_with("consult") {
        stage_consult(app, page, lang);
        return Ok(());
    }
    if page.starts_with("technician") {
        stage_technician(app, page);
        return Ok(());
    }
    if page.starts_with("appointment") {
        stage_appointment(app, page, today);
        return Ok(());
    }
    for phase in [stage_to_identify, stage_form_and_materials, stage_review_and_payment] {
        if phase(app, page, t)? {
            return Ok(());
        }
    }
    stage_after_submit(app, page, t)
}

/// The progress page: a typed receipt number, the central system's answer, 补交材料.
fn stage_progress(app: &mut KioskApp, page: &str, t: u64) {
    let go = |app: &mut KioskApp, intent: Intent| app.handle_at(intent, t);
    go(app, Intent::Progress(ProgressIntent::Open));
    for key in "2611260001".chars() {
        go(app, Intent::Progress(ProgressIntent::Key(key.to_string())));
    }
    if page == "progress-tail" {
        // The number complete and accepted: the last six characters of the ID number next.
        go(app, Intent::Progress(ProgressIntent::Key("1".into())));
        go(app, Intent::Progress(ProgressIntent::Search));
        for key in "3100".chars() {
            go(app, Intent::Progress(ProgressIntent::Key(key.to_string())));
        }
    }
    if page == "progress-answer" || page == "progress-supply" {
        // The answer the reference server gives after a supplement request.
        use crate::central_api::{CaseStatus, StatusResponse};
        let answer = StatusResponse {
            receipt_no: "DEV1-261126-0001-7".into(),
            item_code: "ID-003".into(),
            status: CaseStatus::Supplement,
            message: Some("请补充清晰的户口簿首页照片".into()),
            expected_on: Date::parse("2026-12-03"),
        };
        let done = StatusResponse {
            receipt_no: "DEV1-261120-0003-K".into(),
            item_code: "HH-006".into(),
            status: CaseStatus::Approved,
            message: None,
            expected_on: Date::parse("2026-11-27"),
        };
        let card = crate::app::lookup::LookupQuery::Card(crate::app::sample::application("").applicant.id);
        app.lookup_mut().stage_answer(Ok(vec![answer, done]), card);
    }
    if page == "progress-supply" {
        // 补交材料 for the first row: the household register photographed.
        go(
            app,
            Intent::Progress(ProgressIntent::SupplyStart("DEV1-261126-0001-7".into())),
        );
        stage_photo(app, "household-book");
    }
}

/// The journey from 开始办理 to the identify page (the catalogue, the guide, a typed number).
fn stage_to_identify(app: &mut KioskApp, page: &str, t: u64) -> Result<bool, String> {
    let go = |app: &mut KioskApp, intent: Intent| app.handle_at(intent, t);
    go(app, Intent::Start);
    if page == "catalogue" {
        return Ok(true);
    }
    // The proxy flow needs an item that allows acting for someone else.
    let proxy = page == "identify-proxy";
    // Typing a number needs an item that does not require the card.
    let item = match page {
        "identify-proxy" => "ID-001",
        "identify-manual" => "HH-006",
        _ => "ID-003",
    };
    go(app, Intent::Journey(JourneyIntent::ChooseItem(item.into())));
    if proxy {
        go(app, Intent::Session(Event::ChooseProxy(true)));
    }
    if page == "guide" {
        return Ok(true);
    }
    go(app, Intent::Session(Event::ConfirmGuide));
    let type_keys = |app: &mut KioskApp, text: &str| {
        for key in text.chars() {
            go(app, Intent::Journey(JourneyIntent::IdKey(key.to_string())));
        }
    };
    match page {
        "identify" | "identify-proxy" => return Ok(true),
        "identify-manual" => {
            // A made-up number with a wrong check digit: the page shows why.
            type_keys(app, "330225199003150028");
            app.handle_at(Intent::Journey(JourneyIntent::SubmitTypedId), t);
            return Ok(true);
        }
        _ => {}
    }
    Ok(false)
}

/// The card read, the form (with its errors) and the materials (a photo, the signed promise).
fn stage_form_and_materials(app: &mut KioskApp, page: &str, t: u64) -> Result<bool, String> {
    let go = |app: &mut KioskApp, intent: Intent| app.handle_at(intent, t);
    let card = fixture("resident").ok_or("fixture")?;
    let person = crate::devices::card_reader::Card {
        text: card.text,
        photo: card.photo,
        fingerprint: None,
        appended_address: None,
    }
    .person();
    app.event_at(Event::CardRead(Box::new(person)), t);
    let field = |app: &mut KioskApp, index: usize, text: &str| {
        app.handle_at(Intent::Journey(JourneyIntent::ActivateField(index)), t);
        for key in text.chars() {
            app.handle_at(Intent::Journey(JourneyIntent::FieldKey(key.to_string())), t);
        }
    };
    if page == "form-errors" {
        field(app, 0, "1380574");
        go(app, Intent::Journey(JourneyIntent::SubmitForm));
        return Ok(true);
    }
    field(app, 0, "13805740000");
    go(
        app,
        Intent::Journey(JourneyIntent::ChooseOption {
            field: 1,
            value: "lost".into(),
        }),
    );
    if page == "form" {
        return Ok(true);
    }
    go(app, Intent::Journey(JourneyIntent::SubmitForm));
    stage_photo(app, "household-book");
    go(
        app,
        Intent::Journey(JourneyIntent::PromiseMaterial("loss-statement".into())),
    );
    if page == "materials-promise" {
        return Ok(true);
    }
    go(
        app,
        Intent::Journey(JourneyIntent::SignPromise(SAMPLE_SIGNATURE.into())),
    );
    if page == "materials" {
        return Ok(true);
    }
    stage_photo(app, "id-photo-receipt");
    go(app, Intent::Session(Event::MaterialsDone));
    Ok(false)
}

/// The delivery address, the review (or its idle warning) and the payment code.
fn stage_review_and_payment(app: &mut KioskApp, page: &str, t: u64) -> Result<bool, String> {
    let go = |app: &mut KioskApp, intent: Intent| app.handle_at(intent, t);
    if page.starts_with("address") {
        // Free delivery to another address: 石浦镇 picked, "shipu" typed for the street (or
        // 石 written by hand).
        super::text_entry::load_now();
        go(app, Intent::Address(AddressIntent::Open));
        go(app, Intent::Address(AddressIntent::Choose("330225101".into())));
        if page == "address-handwriting" {
            write_by_hand(app, &SAMPLE_INK_SHI, t);
            return Ok(true);
        }
        for key in ["s", "h", "i", "p", "u"] {
            go(app, Intent::Keys(KeyboardIntent::Key(key.into())));
        }
        return Ok(true);
    }
    if matches!(page, "review" | "idle-warning" | "exit-question") {
        if page == "idle-warning" {
            let warn = app.session().timeouts.warn_after_ms;
            app.tick_at(t + warn + 1);
        }
        if page == "exit-question" {
            go(app, Intent::AskExit(true));
        }
        return Ok(true);
    }
    go(app, Intent::Session(Event::ConfirmReview));
    if page.starts_with("payment") {
        // The order the central system makes: payable for 14:32 more, or run out.
        use crate::central_api::{PaymentOrder, PaymentStatus};
        app.payment_mut().stage_order(PaymentOrder {
            order_id: "PAY-000042".into(),
            qr_payload: "township-pay://order/PAY-000042?amount=4000".into(),
            amount_fen: 4000,
            expires_at: crate::storage::now_unix() + 14 * 60 + 32,
            status: if page == "payment" {
                PaymentStatus::Pending
            } else {
                PaymentStatus::Expired
            },
        });
        if page == "payment" {
            go(
                app,
                Intent::Session(Event::PayableUntil(Some(t + (14 * 60 + 32) * 1000))),
            );
        }
        return Ok(true);
    }
    Ok(false)
}

/// Submitting and beyond: the sample receipt stands in for a stored application.
fn stage_after_submit(app: &mut KioskApp, page: &str, t: u64) -> Result<(), String> {
    let go = |app: &mut KioskApp, intent: Intent| app.handle_at(intent, t);
    app.stage_submitting();
    if page == "submitting" {
        return Ok(());
    }
    let print = if page == "receipt-qr" {
        PrintState::ShowQr
    } else {
        PrintState::Printed
    };
    let profile = crate::devices::printer::profile::profile(&app.config().devices.printer.profile)
        .or_else(|_| crate::devices::printer::profile::profile(crate::devices::printer::profile::DEFAULT_PROFILE))
        .map_err(|e| e.to_string())?;
    app.stage_receipt(sample::receipt(), print, &profile);
    if page == "card-reminder" {
        app.stage_card_reminder(t);
        return Ok(());
    }
    if page.starts_with("receipt") {
        return Ok(());
    }
    go(app, Intent::Session(Event::ReceiptDone));
    if page == "rating" {
        return Ok(());
    }
    if page == "rating-reasons" {
        use crate::domain::rating::RatingReason;
        go(app, Intent::Session(Event::Rated(2)));
        go(app, Intent::Session(Event::ToggleRatingReason(RatingReason::LongWait)));
        return Ok(());
    }
    go(app, Intent::Session(Event::SkipRating));
    Ok(())
}

/// The 预约 page at each stage, with the slots the reference server offers.
fn stage_appointment(app: &mut KioskApp, page: &str, today: Date) {
    use super::appointment::AppointmentAction as A;
    let t = 1000;
    app.handle_at(Intent::OpenAppointment, t);
    app.handle_at(Intent::Appointment(A::Category("id-card".into())), t);
    if page == "appointment" {
        return;
    }
    let calendar = crate::domain::calendar::WorkCalendar::default();
    let slots: Vec<_> = (1..=super::appointment::DAYS_AHEAD)
        .flat_map(|d| crate::domain::opening_hours::day_slots(&calendar, today.add_days(d.into())))
        .map(|(mut slot, _)| {
            // Some places already taken, one slot full.
            if slot.start == "09:00" {
                slot.free = 0;
            }
            slot
        })
        .collect();
    let lunch = slots.iter().find(|s| s.start == "12:00").cloned();
    app.appointment_mut().stage_slots("ID-006", slots);
    if page == "appointment-time" {
        return;
    }
    let Some(lunch) = lunch else { return };
    app.handle_at(Intent::Appointment(A::Slot(lunch.slot_id.clone())), t);
    for key in "1380574".chars() {
        app.handle_at(Intent::Appointment(A::PhoneKey(key.to_string())), t);
    }
    if page == "appointment-phone" {
        return;
    }
    let booking = crate::central_api::Booking {
        booking_no: "B7K2Q9".into(),
        qr_payload: "township-booking://B7K2Q9".into(),
        slot: lunch,
        status: "booked".into(),
        cancel_code: Some("7F3A9C2E41B0".into()),
    };
    app.appointment_mut().stage_booking("ID-006", "13805740000", booking);
}

/// The 咨询投诉 page at each stage: a complaint about the wait, half a word typed in pinyin.
fn stage_consult(app: &mut KioskApp, page: &str, lang: Lang) {
    use super::consult::ConsultAction as A;
    let t = 1000;
    app.handle_at(Intent::OpenConsult, t);
    app.handle_at(Intent::Consult(A::Kind("complaint".into())), t);
    if page == "consult" {
        return;
    }
    app.handle_at(Intent::Consult(A::Topic("staff".into())), t);
    let phrase = match lang {
        Lang::Zh => "等候时间太长。",
        Lang::En => "I waited too long. ",
    };
    app.handle_at(Intent::Consult(A::Phrase(phrase.into())), t);
    if page == "consult-text" {
        super::text_entry::load_now();
        let typed: &[&str] = match lang {
            Lang::Zh => &["c", "h", "u", "a", "n", "g", "k", "o", "u"],
            // English readers have Latin letters: the words go straight in.
            Lang::En => &["a", "t", " ", "t", "h", "e"],
        };
        for key in typed {
            let key = if *key == " " { "SPACE" } else { key };
            app.handle_at(Intent::Keys(KeyboardIntent::Key(key.into())), t);
        }
        return;
    }
    if page == "consult-handwriting" {
        write_by_hand(app, &SAMPLE_INK_SHI, t);
        return;
    }
    app.handle_at(Intent::Consult(A::ToPhone), t);
    for key in "1380574".chars() {
        app.handle_at(Intent::Consult(A::PhoneKey(key.to_string())), t);
    }
    if page == "consult-phone" {
        return;
    }
    app.consult_mut()
        .stage_sent("complaint", "staff", phrase, "13805740000", "T-20261126-00001");
}

/// The technician's screens with made-up store contents (no PIN is checked).
/// When the technician's sample rows happened: 2026-11-26 09:20 in Zhejiang.
const SAMPLE_AT: i64 = 1_795_656_000;

/// The technician desk's snapshot in the pictures: a dead letter, one waiting, a reprint.
fn sample_tech_snapshot() -> super::technician_desk::TechSnapshot {
    use super::technician_desk::TechSnapshot;
    use crate::storage::outbox::{OutboxEntry, OutboxState};
    use crate::storage::printing::PrintJob;
    let at = SAMPLE_AT;
    let entry =
        |id: i64, receipt: &str, item: &str, state: OutboxState, attempts: u32, error: Option<&str>| OutboxEntry {
            id,
            idempotency_key: format!("sample-{id}"),
            receipt_no: receipt.into(),
            item_code: item.into(),
            applicant_masked: "330225********0431".into(),
            submitted_on: "2026-11-26".into(),
            state,
            attempts,
            next_try_at: at + 600,
            last_error: error.map(str::to_string),
            created_at: at,
            updated_at: at + 60,
        };
    TechSnapshot {
        counts: vec![
            (OutboxState::Pending, 1),
            (OutboxState::Dead, 1),
            (OutboxState::Sent, 42),
        ],
        outbox: vec![
            entry(
                7,
                "DEV1-261126-0007-K",
                "EE-002",
                OutboxState::Dead,
                1,
                Some("refused: 422 item EE-002 is not offered at this site"),
            ),
            entry(
                8,
                "DEV1-261126-0008-3",
                "ID-003",
                OutboxState::Pending,
                3,
                Some("central system unreachable: connection refused"),
            ),
        ],
        supplements_waiting: 1,
        supplements_dead: 0,
        reprints: vec![PrintJob {
            id: 3,
            receipt_no: "DEV1-261126-0006-Q".into(),
            intent_at: at,
            outcome: Some("failed".into()),
            detail: Some("paper out".into()),
        }],
    }
}

fn stage_technician(app: &mut KioskApp, page: &str) {
    use super::technician_desk::{TechNotice, TechTab};
    let snapshot = sample_tech_snapshot();
    let at = SAMPLE_AT;
    let config = app.config().clone();
    let (tab, digits, notice) = match page {
        "technician-pin" => (None, 4, Some(TechNotice::PinWrong(3))),
        "technician-tests" => (
            Some(TechTab::Tests),
            0,
            Some(TechNotice::CardRead {
                kind: crate::domain::id_number::IdKind::Resident,
                id_masked: "330225********0431".into(),
                name_masked: "陈*燕".into(),
                photo_bytes: 1024,
            }),
        ),
        "technician-outbox" => (Some(TechTab::Outbox), 0, None),
        "technician-settings" => (
            Some(TechTab::Settings),
            0,
            Some(TechNotice::SaveRefused(vec![
                "ui.default-language: must be one of ui.languages".into(),
            ])),
        ),
        "technician-logs" => (Some(TechTab::Logs), 0, None),
        "technician-reprints" => (Some(TechTab::Reprints), 0, None),
        _ => (Some(TechTab::Devices), 0, None),
    };
    let desk = app.technician_mut();
    desk.stage_sample(tab, digits, Some(snapshot), notice, &config);
    if let Some(draft) = &mut desk.settings {
        draft.step(4, true);
    }
    if tab == Some(TechTab::Tests) {
        let (preview, photo) = super::camera::fixture_sample();
        desk.still = Some(photo.thumbnail.clone());
        app.camera_mut().stage(preview, Vec::new());
    }
    if tab == Some(TechTab::Logs) {
        let worker = "township_kiosk::app::worker";
        let outbox = "township_kiosk::app::outbox_worker";
        super::log_ring::replace_for_screenshots(&[
            (
                at,
                log::Level::Info,
                worker,
                "application stored: ID-003 330225********0431 (2 photos)",
            ),
            (
                at + 5,
                log::Level::Info,
                worker,
                "printer: receipt DEV1-261126-0005-2 printed",
            ),
            (
                at + 65,
                log::Level::Warn,
                outbox,
                "central system unreachable: connection refused; next try in 60 s",
            ),
            (at + 300, log::Level::Warn, worker, "receipt not printed: paper out"),
            (
                at + 420,
                log::Level::Info,
                "township_kiosk::app::kiosk::technician",
                "technician PIN pad opened",
            ),
        ]);
    }
}

/// A material photographed with the fixture page, as the camera would have done it.
pub(crate) fn stage_photo(app: &mut KioskApp, code: &str) {
    let (preview, photo) = super::camera::fixture_sample();
    app.camera_mut().stage(preview, vec![(code.to_string(), photo)]);
    let t = app.now_ms();
    app.event_at(
        Event::MaterialCaptured {
            code: code.into(),
            photo: format!("photo:{code}"),
        },
        t,
    );
}
