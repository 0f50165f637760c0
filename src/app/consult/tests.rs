//! The consultation desk against the in-process central system: the stages in order, the
//! words and the number checked before sending, one ticket however often the citizen taps,
//! an outage said plainly and the message kept to send again, nothing kept for the next
//! citizen.

use super::*;
use crate::app::central_sim::SimCentral;
use crate::app::inbox::{channel, Inbound, InboxReceiver};
use std::time::Duration;

fn setup() -> (ConsultDesk, Arc<SimCentral>, InboxReceiver) {
    let central = Arc::new(SimCentral::default());
    let (inbox, receiver) = channel();
    (
        ConsultDesk::new(Some(central.clone()), Some(inbox.reporter(Inbound::Consult))),
        central,
        receiver,
    )
}

fn answer(desk: &mut ConsultDesk, inbox: &InboxReceiver) {
    match inbox.wait(Duration::from_secs(10)) {
        Some(Inbound::Consult(report)) => desk.finished(report),
        other => panic!("expected a consultation answer, got {other:?}"),
    }
}

fn type_phone(desk: &mut ConsultDesk, digits: &str) {
    for d in digits.chars() {
        desk.act(ConsultAction::PhoneKey(d.to_string()));
    }
}

#[test]
fn a_complaint_is_filed_once_with_its_topic_words_and_number() {
    let (mut desk, central, inbox) = setup();
    desk.act(ConsultAction::Kind("complaint".into()));
    desk.act(ConsultAction::Topic("staff".into()));
    assert_eq!(desk.stage(), Stage::Text);
    desk.act(ConsultAction::ToPhone);
    assert_eq!(desk.error(), Some(Message::ConsultText), "nothing written yet");
    assert_eq!(desk.stage(), Stage::Text);
    desk.act(ConsultAction::Phrase("等候时间太长".into()));
    desk.text_mut().unwrap().0.push_str(",窗口只开了一个");
    desk.act(ConsultAction::ToPhone);
    assert_eq!(desk.stage(), Stage::Phone);
    type_phone(&mut desk, "1380574");
    desk.act(ConsultAction::Send);
    assert_eq!(
        desk.error(),
        Some(Message::ConsultPhone),
        "seven digits are not a mobile number"
    );
    type_phone(&mut desk, "00001234");
    assert_eq!(desk.phone(), "13805740000", "the keypad stops at eleven digits");
    desk.act(ConsultAction::Send);
    assert!(desk.busy());
    desk.act(ConsultAction::Send); // a tap twice while the call is out
    answer(&mut desk, &inbox);
    assert!(inbox.wait(Duration::from_millis(200)).is_none(), "one call only");
    assert_eq!(desk.stage(), Stage::Sent);
    assert_eq!(desk.ticket(), Some("T-SIM-00001"));
    let filed = central.complaints();
    assert_eq!(filed.len(), 1);
    assert_eq!(filed[0].topic, "complaint/staff");
    assert_eq!(filed[0].text, "等候时间太长,窗口只开了一个");
    assert_eq!(filed[0].phone, "13805740000");
    assert!(desk.text_mut().is_none(), "nothing more is typed into a filed message");
}

#[test]
fn an_outage_is_said_plainly_and_the_same_message_sent_again_files_once() {
    let (mut desk, central, inbox) = setup();
    desk.act(ConsultAction::Topic("progress".into()));
    desk.act(ConsultAction::Phrase("How long does it take?".into()));
    desk.act(ConsultAction::ToPhone);
    type_phone(&mut desk, "13805740000");
    central.set_down(true);
    desk.act(ConsultAction::Send);
    answer(&mut desk, &inbox);
    assert_eq!(desk.error(), Some(Message::CentralOffline));
    assert_eq!(desk.stage(), Stage::Phone, "the message is kept to send again");
    assert_eq!(desk.text(), "How long does it take?");
    central.set_down(false);
    desk.act(ConsultAction::Send);
    answer(&mut desk, &inbox);
    assert_eq!(desk.stage(), Stage::Sent);
    assert_eq!(
        central.complaints()[0].topic,
        "consult/progress",
        "consult is the default kind"
    );
}

#[test]
fn the_same_words_share_a_key_and_changed_words_do_not() {
    let request = |text: &str| SubmitComplaint {
        idempotency_key: String::new(),
        phone: "13805740000".into(),
        topic: "consult/other".into(),
        text: text.into(),
    };
    let a = idempotency_key("n1", &request("你好"));
    assert_eq!(a, idempotency_key("n1", &request("你好")));
    assert_ne!(a, idempotency_key("n1", &request("你好!")));
    assert_ne!(
        a,
        idempotency_key("n2", &request("你好")),
        "another citizen, another message"
    );
}

#[test]
fn phrases_stop_at_the_limit_unknown_codes_change_nothing_and_forget_clears_all() {
    let (mut desk, _central, _inbox) = setup();
    desk.act(ConsultAction::Kind("bribe".into()));
    assert_eq!(desk.kind(), "consult");
    desk.act(ConsultAction::Topic("nonsense".into()));
    assert_eq!(desk.stage(), Stage::Topic);
    desk.act(ConsultAction::Topic("kiosk".into()));
    for _ in 0..40 {
        desk.act(ConsultAction::Phrase("机器反应很慢".into()));
    }
    assert_eq!(desk.text().chars().count(), MAX_TEXT);
    desk.act(ConsultAction::Back);
    assert_eq!(desk.stage(), Stage::Topic);
    desk.forget();
    assert_eq!(desk.text(), "");
    assert_eq!(desk.topic(), None);
    assert_eq!(desk.stage(), Stage::Topic);
}

#[test]
fn without_a_central_system_the_page_says_so() {
    let mut desk = ConsultDesk::new(None, None);
    desk.act(ConsultAction::Topic("other".into()));
    desk.act(ConsultAction::Phrase("hello".into()));
    desk.act(ConsultAction::ToPhone);
    type_phone(&mut desk, "13805740000");
    desk.act(ConsultAction::Send);
    assert_eq!(desk.error(), Some(Message::CentralOffline));
    assert!(!desk.busy());
}
