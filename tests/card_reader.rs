//! The production card reader driver against the simulator over real pseudo-terminals:
//! every layout, every status code, corrupt and noisy lines, unplug mid-read and recovery.

use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};
use township_kiosk::devices::card_reader::card_data::{CardType, ValidTo};
use township_kiosk::devices::card_reader::fixtures::{fixture, FIXTURE_NAMES};
use township_kiosk::devices::card_reader::link::{open_port, wait_and_read, ReaderError, SamLink};
use township_kiosk::devices::card_reader::protocol::{Command, Status};
use township_kiosk::devices::card_reader::serial::{SerialCardReader, SerialReaderOptions};
use township_kiosk::devices::card_reader::sim::{SimCardReader, SimFault, SimReaderOptions};
use township_kiosk::devices::card_reader::{CardReader, ReaderEvent, ReaderState};
use township_kiosk::devices::DeviceErrorKind;

fn sim() -> SimCardReader {
    SimCardReader::start(SimReaderOptions::default()).unwrap()
}

fn driver(sim: &SimCardReader) -> (SerialCardReader, Receiver<ReaderEvent>) {
    let (tx, rx) = channel();
    let mut options = SerialReaderOptions::new(sim.path(), 115_200);
    options.poll_interval = Duration::from_millis(30);
    options.max_backoff = Duration::from_millis(300);
    let reader = SerialCardReader::spawn(options, Box::new(move |e| drop(tx.send(e))));
    (reader, rx)
}

fn wait_for<T>(rx: &Receiver<ReaderEvent>, what: &str, mut pick: impl FnMut(&ReaderEvent) -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(event) = rx.recv_timeout(Duration::from_millis(50)) {
            if let Some(found) = pick(&event) {
                return found;
            }
            seen.push(format!("{event:?}"));
        }
    }
    panic!("timed out waiting for {what}; saw {seen:#?}");
}

fn card_read(rx: &Receiver<ReaderEvent>) -> township_kiosk::devices::card_reader::Card {
    wait_for(rx, "a card", |e| match e {
        ReaderEvent::CardRead(card) => Some((**card).clone()),
        _ => None,
    })
}

fn link(sim: &SimCardReader) -> SamLink<serialport::TTYPort> {
    SamLink::new(open_port(sim.path(), 115_200).unwrap())
}

#[test]
fn every_fixture_is_read_through_the_production_driver() {
    let sim = sim();
    let (reader, rx) = driver(&sim);
    wait_for(&rx, "ready", |e| {
        (*e == ReaderEvent::State(ReaderState::Ready)).then_some(())
    });
    reader.start_reading();
    for name in FIXTURE_NAMES {
        let expected = fixture(name).unwrap();
        sim.place(expected.clone());
        let card = card_read(&rx);
        assert_eq!(card.text, expected.text, "{name}");
        assert_eq!(card.photo, expected.photo);
        assert_eq!(card.fingerprint.as_ref().map(Vec::len), Some(expected.fingerprint_len));
        assert_eq!(card.appended_address, expected.appended_address);
        wait_for(&rx, "lift card", |e| {
            (*e == ReaderEvent::State(ReaderState::LiftCard)).then_some(())
        });
        sim.lift();
    }
    let diagnostics = reader.diagnostics();
    assert_eq!(diagnostics.cards_read, FIXTURE_NAMES.len() as u64);
    assert_eq!(
        diagnostics.sam_id.as_deref(),
        Some("05.01-20200101-0000000123-0000456789")
    );
}

#[test]
fn card_details_come_through_typed() {
    let sim = sim();
    let mut link = link(&sim);
    sim.place(fixture("resident-elderly").unwrap());
    let card = wait_and_read(&mut link, Duration::from_secs(2), Duration::from_millis(20))
        .unwrap()
        .unwrap();
    assert_eq!(card.text.valid_to, ValidTo::LongTerm);
    assert_eq!(
        card.appended_address.as_deref(),
        Some("浙江省象山县石浦镇金山路21弄3号")
    );
    assert_eq!(
        card.person().address.as_deref(),
        Some("浙江省象山县石浦镇金山路21弄3号"),
        "the newest address wins"
    );
    assert!(!card.has_fingerprint());
    sim.place(fixture("foreign2023").unwrap());
    let card = wait_and_read(&mut link, Duration::from_secs(2), Duration::from_millis(20))
        .unwrap()
        .unwrap();
    assert_eq!(card.text.card_type, CardType::Foreign2023);
    assert_eq!(
        sim.commands(),
        vec![
            Command::FindCard,
            Command::SelectCard,
            Command::ReadWithFingerprint,
            Command::ReadAppendedAddress,
            Command::FindCard,
            Command::SelectCard,
            Command::ReadWithFingerprint,
            Command::ReadAppendedAddress,
        ]
    );
}

#[test]
fn the_same_card_is_reported_once_until_lifted() {
    let sim = sim();
    let (reader, rx) = driver(&sim);
    reader.start_reading();
    sim.place(fixture("resident").unwrap());
    card_read(&rx);
    // Card stays: several polls go by without a second report.
    std::thread::sleep(Duration::from_millis(300));
    assert!(rx.try_iter().all(|e| !matches!(e, ReaderEvent::CardRead(_))));
    sim.lift();
    sim.place(fixture("resident").unwrap());
    card_read(&rx);
}

/// A resident card read, then reading stopped with the card left on the reader.
fn read_then_stop() -> (SimCardReader, SerialCardReader, Receiver<ReaderEvent>) {
    let sim = sim();
    let (reader, rx) = driver(&sim);
    reader.start_reading();
    sim.place(fixture("resident").unwrap());
    card_read(&rx);
    reader.stop_reading();
    (sim, reader, rx)
}

/// After the read the reader watches, without reading, for the card to be taken: a card that
/// stays is still there (the SAM selects it although it will not find it again), a lifted
/// one is reported once; reading again ends the watch.
#[test]
fn a_card_left_on_the_reader_is_watched_until_it_is_lifted() {
    let (sim, reader, rx) = read_then_stop();
    assert!(reader.watch_for_lift(), "the serial reader can tell");
    std::thread::sleep(Duration::from_millis(300));
    let events: Vec<ReaderEvent> = rx.try_iter().collect();
    assert!(!events.contains(&ReaderEvent::CardLifted), "still there: {events:?}");
    assert_eq!(reader.state(), ReaderState::LiftCard);
    let reads_before = sim
        .commands()
        .iter()
        .filter(|c| **c == Command::ReadText || **c == Command::ReadWithFingerprint)
        .count();
    sim.lift();
    wait_for(&rx, "the lift", |e| (*e == ReaderEvent::CardLifted).then_some(()));
    assert_eq!(reader.state(), ReaderState::Ready);
    let reads_after = sim
        .commands()
        .iter()
        .filter(|c| **c == Command::ReadText || **c == Command::ReadWithFingerprint)
        .count();
    assert_eq!(reads_before, reads_after, "watching reads nothing");
    std::thread::sleep(Duration::from_millis(200));
    assert!(rx.try_iter().all(|e| e != ReaderEvent::CardLifted), "reported once");
    // A new citizen: reading again, the watch is over.
    reader.watch_for_lift();
    reader.start_reading();
    sim.place(fixture("resident").unwrap());
    card_read(&rx);
}

/// A SAM that refuses the presence probe with another status cannot tell: the watch ends
/// quietly, the link stays up (no fault, no reconnect) and reading works on.
#[test]
fn a_sam_that_refuses_the_probe_ends_the_watch_not_the_link() {
    let (sim, reader, rx) = read_then_stop();
    sim.inject(SimFault::SelectStatus(0x41));
    reader.watch_for_lift();
    wait_for(&rx, "ready again", |e| {
        (*e == ReaderEvent::State(ReaderState::Ready)).then_some(())
    });
    std::thread::sleep(Duration::from_millis(300));
    let events: Vec<ReaderEvent> = rx.try_iter().collect();
    assert!(
        events.iter().all(|e| !matches!(
            e,
            ReaderEvent::State(ReaderState::Fault { .. }) | ReaderEvent::CardLifted
        )),
        "{events:?}"
    );
    assert_eq!(reader.diagnostics().reconnects, 0);
    sim.lift();
    reader.start_reading();
    sim.place(fixture("resident").unwrap());
    card_read(&rx);
}

#[test]
fn no_reads_while_reading_is_not_wanted() {
    let sim = sim();
    let (reader, rx) = driver(&sim);
    wait_for(&rx, "ready", |e| {
        (*e == ReaderEvent::State(ReaderState::Ready)).then_some(())
    });
    sim.place(fixture("resident").unwrap());
    std::thread::sleep(Duration::from_millis(300));
    assert!(!sim.commands().contains(&Command::FindCard));
    reader.start_reading();
    card_read(&rx);
    reader.stop_reading();
}

#[test]
fn a_corrupt_checksum_is_resent_once_and_the_card_still_reads() {
    let sim = sim();
    let mut link = link(&sim);
    sim.place(fixture("resident").unwrap());
    assert!(link.find().unwrap());
    sim.inject(SimFault::BadChecksum);
    let card = link.read_found_card().unwrap();
    assert_eq!(card.text.name, "陈晓燕");
    assert_eq!(link.stats.resends, 1);
    // Twice in a row: a clear error naming the frame problem.
    sim.inject(SimFault::BadChecksum);
    sim.inject(SimFault::BadChecksum);
    let error = link.find().unwrap_err();
    assert!(matches!(error, ReaderError::Frame(_)), "{error}");
    assert_eq!(error.kind(), DeviceErrorKind::Protocol);
}

#[test]
fn garbage_and_split_chunks_are_absorbed() {
    let sim = sim();
    let mut link = link(&sim);
    sim.place(fixture("hkmotw").unwrap());
    sim.inject(SimFault::Garbage);
    sim.inject(SimFault::SplitChunks);
    sim.inject(SimFault::Garbage);
    sim.inject(SimFault::SplitChunks);
    let card = wait_and_read(&mut link, Duration::from_secs(2), Duration::from_millis(10))
        .unwrap()
        .unwrap();
    assert_eq!(card.text.pass_number.as_deref(), Some("H60012345"));
    assert!(link.skipped_bytes() >= 14, "{}", link.skipped_bytes());
}

#[test]
fn silence_is_a_timeout_naming_the_command() {
    let sim = sim();
    let mut link = link(&sim);
    sim.inject(SimFault::Silence);
    let started = Instant::now();
    let error = link.find().unwrap_err();
    assert_eq!(
        error,
        ReaderError::Timeout {
            command: "20 01".into(),
            timeout_ms: 500
        }
    );
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert!(error.is_link_failure());
    // The next command works again.
    assert!(!link.find().unwrap());
}

#[test]
fn every_status_code_surfaces_with_its_message() {
    let sim = sim();
    let mut link = link(&sim);
    // 0x21 comes last: a reader that refuses 30 10 is read with 30 01 from then on.
    let codes: Vec<u8> = vec![
        0x10, 0x11, 0x23, 0x24, 0x31, 0x32, 0x33, 0x34, 0x37, 0x3F, 0x40, 0x41, 0x47, 0x50, 0x60, 0x61, 0x66, 0x80,
        0x81, 0xFF, 0x91, 0x21,
    ];
    for code in codes {
        sim.place(fixture("resident").unwrap());
        assert!(link.find().unwrap());
        sim.inject(SimFault::ReadStatus(code));
        // 0x10/0x11 are resent once and 0x21 makes the driver fall back to 30 01: a second
        // one makes them surface.
        if matches!(code, 0x10 | 0x11 | 0x21) {
            sim.inject(SimFault::ReadStatus(code));
        }
        let error = link.read_found_card().unwrap_err();
        let status = Status::from_byte(code);
        let command = if code == 0x21 { "30 01" } else { "30 10" };
        assert_eq!(
            error,
            ReaderError::Status {
                command: command.into(),
                status
            },
            "0x{code:02X}"
        );
        let shown = error.to_string();
        assert!(
            shown.contains(&format!("0x{code:02X}"))
                && shown.contains(status.message_en())
                && shown.contains(status.message_zh()),
            "{shown}"
        );
    }
}

#[test]
fn read_failures_reach_the_app_in_plain_language_and_polling_goes_on() {
    let sim = sim();
    let (reader, rx) = driver(&sim);
    reader.start_reading();
    sim.inject(SimFault::ReadStatus(0x41));
    sim.place(fixture("resident").unwrap());
    let (key, detail) = wait_for(&rx, "read failure", |e| match e {
        ReaderEvent::ReadFailed { key, detail } => Some((*key, detail.clone())),
        _ => None,
    });
    assert_eq!(key.key(), "reader.error.read-again");
    assert!(detail.contains("0x41"), "{detail}");
    assert!(!detail.contains("陈晓燕"));
    card_read(&rx);
    sim.lift();
    sim.inject(SimFault::ReadStatus(0x32));
    sim.place(fixture("resident").unwrap());
    let key = wait_for(&rx, "auth failure", |e| match e {
        ReaderEvent::ReadFailed { key, .. } => Some(*key),
        _ => None,
    });
    assert_eq!(key.key(), "reader.error.card-not-accepted");
    assert_eq!(reader.diagnostics().read_failures, 2);
}

#[test]
fn an_unauthorised_sam_is_a_fault_until_it_recovers() {
    let sim = sim();
    sim.set_sam_status(Some(0x66));
    let (reader, rx) = driver(&sim);
    let (kind, detail) = wait_for(&rx, "fault", |e| match e {
        ReaderEvent::State(ReaderState::Fault { kind, detail }) => Some((*kind, detail.clone())),
        _ => None,
    });
    assert_eq!(kind, DeviceErrorKind::Refused);
    assert!(detail.contains("0x66") && detail.contains("not authorised"), "{detail}");
    sim.set_sam_status(None);
    wait_for(&rx, "ready", |e| {
        (*e == ReaderEvent::State(ReaderState::Ready)).then_some(())
    });
    reader.start_reading();
    sim.place(fixture("resident").unwrap());
    card_read(&rx);
}

#[test]
fn unplug_mid_read_then_recovery() {
    // 9600 baud: a read takes ~1.3 s on the wire, long enough to pull the plug mid-frame.
    let sim = SimCardReader::start(SimReaderOptions {
        baud: Some(9600),
        ..Default::default()
    })
    .unwrap();
    let (tx, rx) = channel();
    let mut options = SerialReaderOptions::new(sim.path(), 9600);
    options.poll_interval = Duration::from_millis(30);
    options.max_backoff = Duration::from_millis(200);
    let reader = SerialCardReader::spawn(options, Box::new(move |e| drop(tx.send(e))));
    reader.start_reading();
    sim.place(fixture("resident").unwrap());
    wait_for(&rx, "reading", |e| {
        (*e == ReaderEvent::State(ReaderState::Reading)).then_some(())
    });
    std::thread::sleep(Duration::from_millis(300));
    sim.unplug();
    let kind = wait_for(&rx, "fault", |e| match e {
        ReaderEvent::State(ReaderState::Fault { kind, .. }) => Some(*kind),
        ReaderEvent::CardRead(_) => panic!("a card cannot be read from an unplugged reader"),
        _ => None,
    });
    assert_eq!(kind, DeviceErrorKind::NotConnected);
    std::thread::sleep(Duration::from_millis(400));
    assert!(matches!(
        reader.state(),
        ReaderState::Fault {
            kind: DeviceErrorKind::NotConnected,
            ..
        } | ReaderState::Connecting
    ));
    sim.replug();
    wait_for(&rx, "ready again", |e| {
        (*e == ReaderEvent::State(ReaderState::Ready)).then_some(())
    });
    sim.lift();
    sim.place(fixture("foreign2017").unwrap());
    let card = card_read(&rx);
    assert_eq!(card.text.card_type, CardType::Foreign2017);
    assert!(reader.diagnostics().reconnects >= 1);
}

#[test]
fn readers_without_fingerprint_support_fall_back_to_text_and_photo() {
    let sim = SimCardReader::start(SimReaderOptions {
        no_fingerprint_command: true,
        ..Default::default()
    })
    .unwrap();
    let mut link = link(&sim);
    sim.place(fixture("resident").unwrap());
    let card = wait_and_read(&mut link, Duration::from_secs(2), Duration::from_millis(10))
        .unwrap()
        .unwrap();
    assert_eq!(card.fingerprint, None);
    assert_eq!(card.photo.len(), 1024);
    sim.lift();
    sim.place(fixture("resident").unwrap());
    wait_and_read(&mut link, Duration::from_secs(2), Duration::from_millis(10))
        .unwrap()
        .unwrap();
    let reads: Vec<Command> = sim
        .commands()
        .into_iter()
        .filter(|c| matches!(c, Command::ReadText | Command::ReadWithFingerprint))
        .collect();
    assert_eq!(
        reads,
        vec![Command::ReadWithFingerprint, Command::ReadText, Command::ReadText],
        "30 10 is not retried once refused"
    );
}

#[test]
fn a_paced_read_is_never_faster_than_the_wire() {
    let sim = SimCardReader::start(SimReaderOptions {
        baud: Some(115_200),
        ..Default::default()
    })
    .unwrap();
    let mut link = link(&sim);
    sim.place(fixture("resident").unwrap());
    let started = Instant::now();
    wait_and_read(&mut link, Duration::from_secs(3), Duration::from_millis(10))
        .unwrap()
        .unwrap();
    let elapsed = started.elapsed();
    let wire = Duration::from_secs_f64((link.stats.bytes_in + link.stats.bytes_out) as f64 * 10.0 / 115_200.0);
    assert!(elapsed >= wire, "{elapsed:?} < wire time {wire:?}");
}

#[test]
fn a_missing_port_is_a_clear_not_connected_error() {
    let error = open_port(std::path::Path::new("/dev/does-not-exist"), 115_200)
        .err()
        .unwrap();
    assert_eq!(error.kind(), DeviceErrorKind::NotConnected);
    assert!(error.to_string().contains("/dev/does-not-exist"));
}
