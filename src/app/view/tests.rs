//! The view layer without Slint: what each page shows for a session driven through intents.

use super::*;
use crate::app::intent::{Intent, JourneyIntent, KeyboardIntent};
use crate::app::kiosk::{AppParts, KioskApp};
use crate::config::Config;
use crate::devices::printer::profile::profile;
use crate::domain::calendar::Date;
use crate::domain::catalogue::Catalogue;
use crate::domain::session::Event;

pub(crate) fn app_with(catalogue: Catalogue) -> KioskApp {
    let mut app = KioskApp::new(
        Config::default(),
        catalogue,
        AppParts::bare(profile("generic-80mm").unwrap()),
    );
    app.set_today(Date::parse("2026-11-26").unwrap());
    app
}

fn app() -> KioskApp {
    app_with(crate::app::load_catalogue(&Config::default()).unwrap())
}

fn to_review(app: &mut KioskApp) {
    app.handle(Intent::Start);
    app.handle(Intent::Journey(JourneyIntent::ChooseItem("ID-003".into())));
    app.handle(Intent::Session(Event::ConfirmGuide));
    // ID-003 needs the card: read it, as the reader would report it.
    app.event_at(Event::CardRead(Box::new(crate::app::sample::applicant())), app.now_ms());
    app.handle(Intent::Journey(JourneyIntent::ActivateField(0)));
    for key in "13805740000".chars() {
        app.handle(Intent::Journey(JourneyIntent::FieldKey(key.to_string())));
    }
    app.handle(Intent::Journey(JourneyIntent::ChooseOption {
        field: 1,
        value: "lost".into(),
    }));
    app.handle(Intent::Journey(JourneyIntent::SubmitForm));
    for row in materials::materials(app).rows {
        if row.mandatory {
            crate::app::staging::stage_photo(app, &row.code);
        } else {
            app.handle(Intent::Journey(JourneyIntent::PromiseMaterial(row.code)));
            app.handle(Intent::Journey(JourneyIntent::SignPromise(
                crate::app::staging::SAMPLE_SIGNATURE.into(),
            )));
        }
    }
    app.handle(Intent::Session(Event::MaterialsDone));
    assert_eq!(app.session().step, Step::Review, "{:?}", app.session().data.error);
}

#[test]
fn the_frame_follows_the_step() {
    let mut app = app();
    assert_eq!(frame(&app).page, PageId::Welcome);
    app.handle(Intent::Start);
    assert_eq!(frame(&app).page, PageId::Catalogue);
    assert!(!frame(&app).idle_warning);
}

#[test]
fn the_catalogue_lists_the_current_category_and_survives_an_empty_one() {
    let app = app();
    let view = catalogue::catalogue(&app);
    assert_eq!(view.current, view.categories[0].code);
    assert_eq!(view.items.len(), view.categories[0].count);
    let mut empty = crate::app::load_catalogue(&Config::default()).unwrap();
    empty.categories.clear();
    let view = catalogue::catalogue(&app_with(empty));
    assert!(view.categories.is_empty() && view.current.is_empty() && view.items.is_empty());
}

#[test]
fn form_fields_carry_their_limits_choices_and_errors() {
    let mut app = app();
    app.handle(Intent::Start);
    app.handle(Intent::Journey(JourneyIntent::ChooseItem("ID-003".into())));
    app.handle(Intent::Session(Event::ConfirmGuide));
    // ID-003 needs the card: read it, as the reader would report it.
    app.event_at(Event::CardRead(Box::new(crate::app::sample::applicant())), app.now_ms());
    app.handle(Intent::Journey(JourneyIntent::SubmitForm));
    let view = form::form(&app);
    let phone = view.fields.iter().find(|f| f.kind == "phone").unwrap();
    assert_eq!(phone.max_len, 11);
    assert_eq!(
        phone.error, "请填写手机号码",
        "the error says what to do with this field"
    );
    let choice = view.fields.iter().find(|f| f.kind == "choice").unwrap();
    assert!(!choice.choices.is_empty() && choice.max_len == 0);
    assert!(choice.locked, "遗失补领 decided the reason");
    assert_eq!((choice.value.as_str(), choice.error.as_str()), ("lost", ""));
    app.handle(Intent::Journey(JourneyIntent::ChooseOption {
        field: 1,
        value: "damaged".into(),
    }));
    assert_eq!(
        form::form(&app).fields[1].value,
        "lost",
        "a locked choice does not change"
    );
    app.handle(Intent::SetLanguage(crate::domain::Lang::En));
    assert_eq!(form::form(&app).fields[0].error, "Please enter: Mobile number");
}

#[test]
fn review_masks_every_personal_value_and_counts_materials() {
    let mut app = app();
    to_review(&mut app);
    let view = review::review(&app);
    let shown: String = view.rows.iter().map(|r| format!("{} {}\n", r.label, r.value)).collect();
    let full = crate::app::sample::SAMPLE_ID;
    assert!(!shown.contains(full) && !shown.contains(&full[6..14]), "{shown}");
    assert!(shown.contains("330225********0027"), "{shown}");
    assert!(shown.contains("138****0000"), "{shown}");
    assert!(view.captured >= 1);
    assert_eq!(view.fee.as_deref(), Some("￥40.00"));
    let materials = view.rows.iter().find(|r| r.kind == review::RowKind::Materials).unwrap();
    assert_eq!(materials.edit, Some(Step::Materials));
    let promised = materials::materials(&app);
    let deadline = promised
        .rows
        .iter()
        .find(|r| r.status == materials::MaterialStatus::Promised);
    if let Some(row) = deadline {
        assert!(Date::parse(&row.deadline).unwrap() > Date::parse("2026-11-26").unwrap());
    }
}

#[test]
fn the_identify_page_shows_the_reason_only_on_its_own_step() {
    let mut app = app();
    app.handle(Intent::Start);
    app.handle(Intent::Journey(JourneyIntent::ChooseItem("HH-006".into())));
    app.handle(Intent::Session(Event::ConfirmGuide));
    app.handle(Intent::Journey(JourneyIntent::IdKey("1".into())));
    app.handle(Intent::Journey(JourneyIntent::SubmitTypedId));
    let view = identify::identify(&app);
    assert_eq!(view.message, "号码位数不对,应为18位");
    assert!(view.typing);
    assert_eq!(
        guide::guide(&app).error,
        "",
        "the guide does not show the identify error"
    );
}

#[test]
fn amounts_in_yuan() {
    assert_eq!(yuan(0), None);
    assert_eq!(yuan(4000).as_deref(), Some("￥40.00"));
    assert_eq!(yuan(5).as_deref(), Some("￥0.05"));
}

/// Issue 12: an enterprise applies (旅馆业特种行业许可): the agent is identified by their own
/// card, the enterprise by its 统一社会信用代码, typed on the keyboard's digits and letters;
/// a wrong check character is refused, both are recorded and shown whole on the review (an
/// enterprise's code is public, the agent's number is masked).
#[test]
fn an_enterprise_applies_through_its_agent_with_a_checked_credit_code() {
    let mut app = app();
    app.handle(Intent::Start);
    app.handle(Intent::Journey(JourneyIntent::ChooseItem("PO-003".into())));
    app.handle(Intent::Session(Event::ConfirmGuide));
    app.event_at(Event::CardRead(Box::new(crate::app::sample::applicant())), app.now_ms());
    assert_eq!(app.session().step, Step::Form);
    let fields = form::form(&app).fields;
    assert_eq!(fields[0].kind, "credit-code");
    assert_eq!(fields[0].label, "统一社会信用代码");
    app.handle(Intent::Journey(JourneyIntent::ActivateField(0)));
    assert_eq!(
        app.keyboard().mode.code(),
        "digits",
        "a credit code opens on the digits"
    );
    let type_text = |app: &mut KioskApp, text: &str| {
        for c in text.chars() {
            let key = if c.is_ascii_alphabetic() {
                app.handle(Intent::Keys(KeyboardIntent::Mode("latin".into())));
                c.to_ascii_lowercase().to_string()
            } else {
                app.handle(Intent::Keys(KeyboardIntent::Mode("digits".into())));
                c.to_string()
            };
            app.handle(Intent::Keys(KeyboardIntent::Key(key)));
        }
    };
    type_text(&mut app, "91350100M000100Y44"); // the last character is wrong
    app.handle(Intent::Journey(JourneyIntent::ActivateField(1)));
    app.handle(Intent::Keys(KeyboardIntent::Mode("latin".into())));
    type_text(&mut app, "ShipuInn");
    app.handle(Intent::Journey(JourneyIntent::ActivateField(2)));
    for key in "13805740000".chars() {
        app.handle(Intent::Journey(JourneyIntent::FieldKey(key.to_string())));
    }
    app.handle(Intent::Journey(JourneyIntent::SubmitForm));
    assert_eq!(app.session().step, Step::Form);
    let shown = form::form(&app).fields;
    assert_eq!(shown[0].error, "统一社会信用代码不对,请对照营业执照再输一次(18位)");
    app.handle(Intent::Journey(JourneyIntent::ActivateField(0)));
    app.handle(Intent::Keys(KeyboardIntent::Key("DEL".into())));
    type_text(&mut app, "3");
    app.handle(Intent::Journey(JourneyIntent::SubmitForm));
    assert_eq!(
        app.session().step,
        Step::Materials,
        "{:?}",
        app.session().data.form_errors
    );
    let form = &app.session().data.form;
    assert_eq!(
        form.get("enterprise-credit-code").map(String::as_str),
        Some("91350100M000100Y43")
    );
    assert!(
        app.session().data.applicant.is_some(),
        "the agent's card is recorded with it"
    );
}
