//! The touchscreen's calls to the central system through the kiosk's own client
//! (`HttpCentral`, mutual TLS) against the real reference server on loopback: progress with
//! a proof (the receipt's QR token, the ID tail with the number, the card; wrong tails back
//! off), with the pre-review's supplement message, payment orders (poll, paid and expired
//! through the server's simulation, no double charge, cancel), catalogue sync with ETag,
//! appointment slots (lunch-hour and Saturday slots, book, full, cancel), rating and
//! complaint, a heartbeat in the server's /metrics — and, with the server stopped, the
//! "central offline" answer from every call. Also the catalogue cached for offline start.

#[allow(dead_code)]
mod common;
mod support {
    pub mod central_lab;
}

use std::path::Path;
use std::time::{Duration, Instant};
use support::central_lab::{kiosk, text, Lab, KIOSK_ID};
use township_kiosk::app::central::{CatalogueSync, CentralError, CentralSystem, Limit};
use township_kiosk::app::central_http::HttpCentral;
use township_kiosk::central_api::{self as api, CaseStatus, PaymentStatus, SlotKind};
use township_kiosk::config::Config;
use township_kiosk::domain::calendar::Date;
use township_kiosk::domain::catalogue::Catalogue;
use township_kiosk::domain::id_number::IdNumber;
use township_kiosk::domain::message::Message;

/// A phone number for bookings and complaints (made up; it must not reach a log).
const PHONE: &str = "13912345678";

fn config(lab: &Lab, name: &str) -> Config {
    township_kiosk::config::parse_str(&lab.kiosk_config_text(name, None), Path::new("kiosk.toml")).unwrap()
}

fn client(lab: &Lab) -> HttpCentral {
    HttpCentral::from_config(&config(lab, "kiosk").central, KIOSK_ID).unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn key(tag: &str) -> String {
    format!("{tag}-{}", uuid::Uuid::new_v4())
}

/// The server's log and database files as text (lossy): what an operator could read.
fn server_text(lab: &Lab) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(&lab.central.dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("central.db") || name == "serve.log" {
            all.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    all
}

/// `kiosk submit --example` + `kiosk outbox drain`: the receipt number now at the server.
fn submit_and_drain(lab: &Lab) -> String {
    let config = lab.kiosk_config("kiosk", None);
    let example = kiosk(&config, &["submit", "--example"]);
    let file = lab.root.join("example.json");
    std::fs::write(&file, &example.stdout).unwrap();
    let out = kiosk(&config, &["submit", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let receipt = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    let drain = std::process::Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["--config", config.to_str().unwrap(), "outbox", "drain"])
        .env("KIOSK_LOG", "debug")
        .output()
        .unwrap();
    assert!(drain.status.success(), "{}", text(&drain));
    // What the kiosk writes to standard error goes to the journal: even at debug level it
    // holds none of the made-up applicant's ID number, name or phone numbers.
    let journal = format!(
        "{}{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&drain.stdout),
        String::from_utf8_lossy(&drain.stderr)
    );
    let sample = township_kiosk::app::sample::application("");
    for secret in [
        sample.applicant.id.expose().to_string(),
        sample.applicant.name.clone().unwrap_or_default(),
        "13805740000".to_string(),
    ] {
        assert!(
            !journal.contains(&secret),
            "{secret} in the kiosk's journal output:\n{journal}"
        );
    }
    receipt
}

fn admin_get(lab: &Lab, path: &str) -> String {
    let (code, body) = township_kiosk::app::local_status::get(&lab.central.admin.to_string(), path).unwrap();
    assert_eq!(code, 200, "{path}: {body}");
    body
}

/// The one application a proof opens.
fn one(answer: Result<api::StatusQueryResponse, CentralError>) -> api::StatusResponse {
    let mut found = answer.unwrap();
    assert_eq!(found.applications.len(), 1, "{found:?}");
    found.applications.remove(0)
}

fn by_tail(central: &HttpCentral, receipt: &str, tail: &str) -> Result<api::StatusQueryResponse, CentralError> {
    central.status(&api::StatusQuery::IdTail {
        receipt_no: receipt.into(),
        id_tail: tail.into(),
    })
}

#[test]
fn progress_needs_a_proof_the_qr_token_the_id_tail_or_the_card() {
    let lab = Lab::new();
    let central = client(&lab);
    let receipt = submit_and_drain(&lab);
    let applicant = township_kiosk::app::sample::application("").applicant.id;
    let tail = &applicant.expose()[12..];

    // The receipt's QR token: the kiosk that printed it sent it with the application.
    let key = township_kiosk::app::progress_key::load_or_create_key(&lab.root.join("kiosk")).unwrap();
    let number = township_kiosk::domain::receipt::ReceiptNumber::parse(&receipt).unwrap();
    let token_text = key.token(&number).as_str().to_string();
    let st = one(central.status(&api::StatusQuery::Token {
        receipt_no: receipt.clone(),
        token: token_text.clone(),
    }));
    assert_eq!((st.status, st.item_code.as_str()), (CaseStatus::Received, "ID-003"));
    assert_eq!(st.message, None);
    assert!(st.expected_on.is_some());
    // A typed number with the applicant's ID tail.
    assert_eq!(one(by_tail(&central, &receipt, tail)), st);
    progress_on_the_command_line(&lab, &receipt, tail, &token_text);
    assert_eq!(
        by_tail(&central, "XSSP-000000-0000-0", tail),
        Err(CentralError::NotFound)
    );

    let ask = "请补充清晰的户口簿首页照片";
    let out = lab.central.command(&["review", &receipt, "--supplement", ask]).unwrap();
    assert!(out.contains("supplement"), "{out}");
    let st = one(by_tail(&central, &receipt, tail));
    assert_eq!((st.status, st.message.as_deref()), (CaseStatus::Supplement, Some(ask)));

    // By ID card: the holder's applications, with the same answer.
    let found = central.status(&api::StatusQuery::Card {
        id_number: applicant.clone(),
    });
    assert_eq!(one(found), st);
    // Someone with no application: an empty answer, and the number is nowhere at the
    // server — not in its log, not in its database (it is hashed there with a key that
    // never leaves it).
    let stranger = IdNumber::parse("11010519491231002X").unwrap();
    let none = central.status(&api::StatusQuery::Card {
        id_number: stranger.clone(),
    });
    assert!(none.unwrap().applications.is_empty());
    let server = server_text(&lab);
    assert!(server.contains(&receipt), "the server's files were read");
    assert!(
        !server.contains(stranger.expose()),
        "the ID number reached the server's files"
    );
    let log = std::fs::read_to_string(lab.central.dir.join("serve.log")).unwrap();
    assert!(!log.contains(applicant.expose()), "ID number in the server's log");

    lab.central
        .command(&["review", &receipt, "--reject", "材料不符合要求"])
        .unwrap();
    let st = one(by_tail(&central, &receipt, tail));
    assert_eq!(
        (st.status, st.message.as_deref()),
        (CaseStatus::Rejected, Some("材料不符合要求"))
    );

    // Someone walking the numbers: wrong tails are "not found", and after three the
    // receipt (and this kiosk) wait, even for the right tail.
    for wrong in ["000000", "111111", "222222"] {
        assert_eq!(
            by_tail(&central, &receipt, wrong),
            Err(CentralError::NotFound),
            "{wrong}"
        );
    }
    // (The unknown number above counted for this kiosk, not for this receipt.)
    match by_tail(&central, &receipt, tail) {
        Err(e @ CentralError::Limited(Limit::TooManyTries, _)) => {
            assert_eq!(e.message(), Message::ProgressTooManyTries)
        }
        other => panic!("no back-off after three wrong tails: {other:?}"),
    }
}

/// `kiosk progress`: refused without a proof; with the token, the ID tail or the card
/// (read from a simulated reader on a pty) it shows the case, as text or JSON.
fn progress_on_the_command_line(lab: &Lab, receipt: &str, tail: &str, token: &str) {
    use township_kiosk::devices::card_reader::{fixtures, sim};
    let config = lab.kiosk_config("kiosk", None);
    let bare = kiosk(&config, &["progress", receipt]);
    assert_eq!(bare.status.code(), Some(2), "a number alone: {}", text(&bare));
    let malformed = kiosk(&config, &["progress", receipt, "--id-tail", "12345"]);
    assert_eq!(malformed.status.code(), Some(1), "{}", text(&malformed));
    let by_tail = kiosk(&config, &["progress", receipt, "--id-tail", tail]);
    assert!(by_tail.status.success(), "{}", text(&by_tail));
    let shown = String::from_utf8_lossy(&by_tail.stdout).to_string();
    assert!(shown.contains(receipt) && shown.contains("ID-003"), "{shown}");
    let by_token = kiosk(&config, &["progress", receipt, "--token", token, "--json"]);
    assert!(by_token.status.success(), "{}", text(&by_token));
    let cases: Vec<api::StatusResponse> = serde_json::from_slice(&by_token.stdout).unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].receipt_no, receipt);

    let reader = sim::SimCardReader::start(sim::SimReaderOptions::default()).unwrap();
    let mut card = fixtures::fixture("resident").unwrap();
    card.text.id_number = township_kiosk::app::sample::application("").applicant.id;
    reader.place(card);
    let port = reader.path().to_str().unwrap();
    let by_card = kiosk(&config, &["progress", "--card", "--port", port, "--json"]);
    assert!(by_card.status.success(), "{}", text(&by_card));
    let cases: Vec<api::StatusResponse> = serde_json::from_slice(&by_card.stdout).unwrap();
    assert!(cases.iter().any(|case| case.receipt_no == receipt), "{cases:?}");
    let journal = text(&by_card);
    assert!(!journal.contains(township_kiosk::app::sample::SAMPLE_ID), "{journal}");
}

/// The first item with a fee, and the fee.
fn fee_item() -> (String, u32) {
    let catalogue = Catalogue::parse(township_kiosk::app::EMBEDDED_CATALOGUE).unwrap();
    let item = catalogue.items.iter().find(|i| i.fee_fen > 0).unwrap();
    (item.code.clone(), item.fee_fen)
}

fn set_payment(lab: &Lab, order_id: &str, action: &str) -> api::PaymentOrder {
    let out = lab.central.command(&["payment", order_id, action]).unwrap();
    serde_json::from_str(&out).unwrap()
}

#[test]
fn payment_orders_poll_paid_expired_once_per_application_and_cancel() {
    let lab = Lab::new();
    let central = client(&lab);
    let (item, fee) = fee_item();
    let order = |k: &str| api::CreatePayment {
        idempotency_key: k.into(),
        item_code: item.clone(),
        amount_fen: fee,
    };

    let polled = |order_id: &str| central.payment_poll(order_id).unwrap().status;
    // Create → poll pending → paid at the server (its simulation) → poll paid.
    let application = key("app");
    let created = central.payment_create(&order(&application)).unwrap();
    assert_eq!((created.status, created.amount_fen), (PaymentStatus::Pending, fee));
    assert!(created.qr_payload.contains(&created.order_id), "{created:?}");
    assert_eq!(polled(&created.order_id), PaymentStatus::Pending);
    // The same application asks again (a retry, a page shown twice): the same order.
    let again = central.payment_create(&order(&application)).unwrap();
    assert_eq!(again.order_id, created.order_id, "no second order: no double charge");
    assert_eq!(
        set_payment(&lab, &created.order_id, "--paid").status,
        PaymentStatus::Paid
    );
    assert_eq!(polled(&created.order_id), PaymentStatus::Paid);
    let replay = central.payment_create(&order(&application)).unwrap();
    assert_eq!(replay.order_id, created.order_id);
    assert_eq!(polled(&replay.order_id), PaymentStatus::Paid);
    assert!(
        matches!(
            central.payment_cancel(&created.order_id),
            Err(CentralError::Rejected(_))
        ),
        "a paid order cannot be cancelled"
    );
    // Another application is another order.
    let other = central.payment_create(&order(&key("app"))).unwrap();
    assert_ne!(other.order_id, created.order_id);

    // Expired by the server's simulation.
    assert_eq!(
        set_payment(&lab, &other.order_id, "--expire").status,
        PaymentStatus::Expired
    );
    assert_eq!(polled(&other.order_id), PaymentStatus::Expired);
    assert!(matches!(
        central.payment_cancel(&other.order_id),
        Err(CentralError::Rejected(_))
    ));

    // Cancelled by the kiosk (the citizen walks away), twice: the same answer.
    let third = central.payment_create(&order(&key("app"))).unwrap();
    assert_eq!(
        central.payment_cancel(&third.order_id).unwrap().status,
        PaymentStatus::Cancelled
    );
    assert_eq!(
        central.payment_cancel(&third.order_id).unwrap().status,
        PaymentStatus::Cancelled
    );
    assert_eq!(polled(&third.order_id), PaymentStatus::Cancelled);

    assert!(matches!(
        central.payment_create(&api::CreatePayment {
            amount_fen: fee + 1,
            ..order(&key("app"))
        }),
        Err(CentralError::Rejected(_))
    ));
    assert_eq!(central.payment_poll("P-nonexistent"), Err(CentralError::NotFound));
}

#[test]
fn an_unpaid_order_expires_at_its_time() {
    let lab = Lab::with(|dir| {
        let path = dir.join("server.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("payment-ttl-secs = 900"), "{text}");
        std::fs::write(&path, text.replace("payment-ttl-secs = 900", "payment-ttl-secs = 1")).unwrap();
    });
    let central = client(&lab);
    let (item, fee) = fee_item();
    let order = central
        .payment_create(&api::CreatePayment {
            idempotency_key: key("app"),
            item_code: item,
            amount_fen: fee,
        })
        .unwrap();
    // Wait (bounded) until the server's clock is past the expiry, then poll.
    let started = Instant::now();
    while now() <= order.expires_at + 1 && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        central.payment_poll(&order.order_id).unwrap().status,
        PaymentStatus::Expired
    );
}

#[test]
fn catalogue_etag_slots_booking_rating_complaint_and_heartbeat() {
    let lab = Lab::new();
    let central = client(&lab);

    // ---- catalogue sync with ETag ----
    let CatalogueSync::Changed { etag, catalogue } = central.catalogue(None).unwrap() else {
        panic!("a first sync brings the catalogue");
    };
    let etag = etag.expect("an ETag");
    let parsed = Catalogue::parse(&catalogue.toml).unwrap();
    assert_eq!(parsed.version, catalogue.version);
    assert_eq!(central.catalogue(Some(&etag)).unwrap(), CatalogueSync::NotModified);
    assert!(matches!(
        central.catalogue(Some("\"stale\"")).unwrap(),
        CatalogueSync::Changed { .. }
    ));

    // ---- appointment slots: lunch hour and Saturday mornings offered ----
    let today = Date::from_unix_china(now());
    let slots = central.slots(today, 31).unwrap().slots;
    let lunch: Vec<_> = slots.iter().filter(|s| s.kind == SlotKind::Lunch).collect();
    let weekend: Vec<_> = slots.iter().filter(|s| s.kind == SlotKind::Weekend).collect();
    assert!(!lunch.is_empty() && !weekend.is_empty(), "{slots:?}");
    assert!(lunch
        .iter()
        .all(|s| s.start.as_str() >= "12:00" && s.end.as_str() <= "13:30"));
    assert!(weekend.iter().all(|s| s.date.iso_weekday() == 6));
    // The first lunch slot not today (today's may be past).
    let slot = lunch.iter().find(|s| s.date > today).unwrap();
    let book = |k: &str| api::BookAppointment {
        idempotency_key: k.into(),
        slot_id: slot.slot_id.clone(),
        item_code: "ID-003".into(),
        phone: PHONE.into(),
    };
    let booking_key = key("book");
    let booking = central.book(&book(&booking_key)).unwrap();
    assert_eq!(
        (booking.status.as_str(), booking.slot.slot_id.as_str()),
        ("booked", slot.slot_id.as_str())
    );
    assert_eq!(booking.slot.free, slot.free - 1);
    assert_eq!(
        central.book(&book(&booking_key)).unwrap().booking_no,
        booking.booking_no,
        "replayed"
    );
    if booking.slot.free == 0 {
        assert!(
            matches!(central.book(&book(&key("book"))), Err(CentralError::Rejected(_))),
            "a full slot is refused"
        );
    }
    let code = booking
        .cancel_code
        .clone()
        .expect("the booking's answer carries its cancel code");
    assert_eq!(
        central.cancel_booking(&booking.booking_no, "NOT-THE-CODE"),
        Err(CentralError::NotFound),
        "the number alone cancels nothing"
    );
    let cancelled = central.cancel_booking(&booking.booking_no, &code).unwrap();
    assert_eq!(
        (cancelled.status.as_str(), cancelled.slot.free),
        ("cancelled", slot.free)
    );
    assert_eq!(
        central.cancel_booking(&booking.booking_no, &code).unwrap().slot.free,
        slot.free
    );
    assert_eq!(
        central.cancel_booking("B-nonexistent", &code),
        Err(CentralError::NotFound)
    );

    // ---- rating and complaint ----
    let rating = api::SubmitRating {
        idempotency_key: key("rate"),
        receipt_no: None,
        stars: 2,
        reasons: vec!["等待时间长".into()],
    };
    let rated = central.rate(&rating).unwrap();
    assert!(rated.follow_up_due.is_some(), "a poor rating opens a follow-up");
    assert_eq!(central.rate(&rating).unwrap(), rated, "replayed, not counted twice");
    let ticket = central
        .complain(&api::SubmitComplaint {
            idempotency_key: key("complaint"),
            phone: PHONE.into(),
            topic: "服务态度".into(),
            text: "窗口工作人员不在岗".into(),
        })
        .unwrap();
    assert!(ticket.ticket_no.starts_with("T-"), "{ticket:?}");

    // ---- heartbeat: the kiosk shows in the server's fleet metrics ----
    let config = config(&lab, "kiosk");
    let beat = township_kiosk::app::services::heartbeat(&config, None, now());
    central.heartbeat(&beat).unwrap();
    let metrics = admin_get(&lab, "/metrics");
    for line in [
        format!("township_kiosk_up{{kiosk=\"{KIOSK_ID}\"}} 1\n"),
        format!(
            "township_kiosk_info{{kiosk=\"{KIOSK_ID}\",version=\"{}\"}} 1\n",
            beat.version
        ),
        "township_central_requests_total{kind=\"rating\",status=\"201\"} ".to_string(),
        "township_central_requests_total{kind=\"complaint\",status=\"201\"} ".to_string(),
        "township_central_requests_total{kind=\"book\",status=\"201\"} ".to_string(),
    ] {
        assert!(metrics.contains(&line), "{line} missing:\n{metrics}");
    }
    let log = std::fs::read_to_string(lab.central.dir.join("serve.log")).unwrap();
    assert!(!log.contains(PHONE), "a phone number in the server's log");
}

#[test]
fn every_call_against_a_stopped_server_says_central_offline() {
    let mut lab = Lab::new();
    let central = client(&lab);
    let now = now();
    central
        .heartbeat(&township_kiosk::app::services::heartbeat(
            &config(&lab, "kiosk"),
            None,
            now,
        ))
        .unwrap();
    lab.central.stop();
    let today = Date::from_unix_china(now);
    let id = township_kiosk::app::sample::application("").applicant.id;
    let started = Instant::now();
    let results: Vec<(&str, Result<(), CentralError>)> = vec![
        (
            "status by receipt",
            by_tail(&central, "XSSP-261126-0001-K", "31002X").map(drop),
        ),
        (
            "status by ID",
            central
                .status(&api::StatusQuery::Card { id_number: id.clone() })
                .map(drop),
        ),
        (
            "payment create",
            central
                .payment_create(&api::CreatePayment {
                    idempotency_key: key("app"),
                    item_code: "CRJ-002".into(),
                    amount_fen: 1500,
                })
                .map(drop),
        ),
        ("payment poll", central.payment_poll("P-1").map(drop)),
        ("payment cancel", central.payment_cancel("P-1").map(drop)),
        ("catalogue", central.catalogue(None).map(drop)),
        ("slots", central.slots(today, 7).map(drop)),
        (
            "book",
            central
                .book(&api::BookAppointment {
                    idempotency_key: key("book"),
                    slot_id: "20991231-1200".into(),
                    item_code: "ID-003".into(),
                    phone: PHONE.into(),
                })
                .map(drop),
        ),
        ("cancel booking", central.cancel_booking("B-1", "CODE").map(drop)),
        (
            "rate",
            central
                .rate(&api::SubmitRating {
                    idempotency_key: key("rate"),
                    receipt_no: None,
                    stars: 5,
                    reasons: vec![],
                })
                .map(drop),
        ),
        (
            "complain",
            central
                .complain(&api::SubmitComplaint {
                    idempotency_key: key("complaint"),
                    phone: PHONE.into(),
                    topic: "t".into(),
                    text: "x".into(),
                })
                .map(drop),
        ),
        (
            "heartbeat",
            central
                .heartbeat(&township_kiosk::app::services::heartbeat(
                    &config(&lab, "kiosk"),
                    None,
                    now,
                ))
                .map(drop),
        ),
    ];
    for (call, result) in results {
        let error = result.expect_err(call);
        assert!(error.is_retryable(), "{call}: {error:?}");
        assert_eq!(error.message(), Message::CentralOffline, "{call}: {error:?}");
        let shown = error.to_string();
        assert!(
            !shown.contains(PHONE) && !shown.contains(id.expose()),
            "{call}: {shown}"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(60));
    // Back up: the same client works again.
    lab.restart_central();
    assert!(central.catalogue(None).is_ok());
}

/// `kiosk run --headless` for a moment: its output.
fn run_kiosk(config: &Path) -> String {
    let out = kiosk(config, &["run", "--headless", "--exit-after", "1"]);
    assert!(out.status.success(), "{}", text(&out));
    text(&out)
}

#[test]
fn the_catalogue_is_cached_for_an_offline_start() {
    let packaged = Catalogue::parse(township_kiosk::app::EMBEDDED_CATALOGUE)
        .unwrap()
        .version;
    let mut lab = Lab::with(|dir| {
        let text = township_kiosk::app::EMBEDDED_CATALOGUE;
        let line = text.lines().find(|l| l.starts_with("version = ")).unwrap();
        std::fs::write(
            dir.join("catalogue.toml"),
            text.replacen(line, "version = \"2099.1-central\"", 1),
        )
        .unwrap();
    });
    let config = lab.kiosk_config("kiosk", None);
    let cache = lab.root.join("kiosk").join("catalogue-cache.json");

    // Fresh: the central system's catalogue, cached.
    let out = run_kiosk(&config);
    assert!(
        out.contains("catalogue:     2099.1-central (") && out.contains("from the central system"),
        "{out}"
    );
    let cached: serde_json::Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    assert_eq!(cached["version"], "2099.1-central");
    assert!(cached["etag"].as_str().is_some_and(|e| !e.is_empty()), "{cached}");

    // Central unreachable: the cache.
    lab.central.stop();
    let out = run_kiosk(&config);
    assert!(
        out.contains("catalogue:     2099.1-central (") && out.contains("cached from the central system"),
        "{out}"
    );
    assert!(out.contains("warning: catalogue sync"), "{out}");

    // A corrupt cache: the packaged catalogue, with a warning.
    std::fs::write(&cache, b"{\"etag\": \"\\\"x\\\"\", \"vers").unwrap();
    let out = run_kiosk(&config);
    assert!(out.contains(&format!("catalogue:     {packaged} (")), "{out}");
    assert!(
        out.contains("corrupt") && out.contains("using the packaged catalogue"),
        "{out}"
    );

    // Central back: synced and cached again.
    lab.restart_central();
    let out = run_kiosk(&config);
    assert!(out.contains("catalogue:     2099.1-central ("), "{out}");
    let cached: serde_json::Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    assert_eq!(cached["version"], "2099.1-central");
}

/// Certificate renewal end to end: the kiosk makes a new key, the central signs it over the
/// kiosk's current channel, the kiosk writes the new key and certificate in place and
/// switches; the old certificate keeps working until the new one is used, and is refused
/// after.
#[test]
fn a_certificate_renews_itself_and_the_old_one_is_refused_after() {
    let lab = Lab::new();
    let config = config(&lab, "kiosk");
    let central = HttpCentral::from_config(&config.central, KIOSK_ID).unwrap();
    let beat = |c: &HttpCentral| {
        let mut store = None;
        c.heartbeat(&township_kiosk::app::services::heartbeat(
            &config,
            store.as_mut(),
            now(),
        ))
    };
    let first = beat(&central).unwrap();
    let expires = first
        .certificate_expires_at
        .expect("the central tells the certificate's expiry");
    let days = (expires - now()) / 86_400;
    assert!((85..=91).contains(&days), "kiosk certificates last 90 days: {days}");

    // The old identity, kept aside as a thief would have it.
    let (cert, key) = (
        config.central.cert.clone().unwrap(),
        config.central.key.clone().unwrap(),
    );
    let old_dir = lab.root.join("stolen");
    std::fs::create_dir_all(&old_dir).unwrap();
    std::fs::copy(&cert, old_dir.join("kiosk.pem")).unwrap();
    std::fs::copy(&key, old_dir.join("kiosk.key")).unwrap();
    let mut old_section = config.central.clone();
    old_section.cert = Some(old_dir.join("kiosk.pem"));
    old_section.key = Some(old_dir.join("kiosk.key"));
    let old = HttpCentral::from_config(&old_section, KIOSK_ID).unwrap();

    let before = std::fs::read(&cert).unwrap();
    let renewed = central.renew_identity().unwrap();
    assert_ne!(std::fs::read(&cert).unwrap(), before, "the new certificate is in place");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(renewed >= expires, "{renewed} vs {expires}");
    assert!(
        beat(&old).is_ok(),
        "the old certificate works until the new one is used"
    );
    let after = beat(&central).unwrap();
    assert_eq!(
        after.certificate_expires_at,
        Some(renewed),
        "the new certificate is in use"
    );
    match beat(&old) {
        Err(CentralError::Unauthorized(why)) => assert!(why.contains("revoked"), "{why}"),
        other => panic!("the old certificate is still accepted: {other:?}"),
    }
    // A client started afresh from the configuration uses the new files.
    let restarted = HttpCentral::from_config(&config.central, KIOSK_ID).unwrap();
    assert!(beat(&restarted).is_ok());
}

#[test]
fn a_client_key_others_can_read_is_refused_with_what_to_do() {
    let lab = Lab::new();
    let config = config(&lab, "kiosk");
    let key = config.central.key.clone().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
    let error = HttpCentral::from_config(&config.central, KIOSK_ID)
        .err()
        .expect("refused")
        .to_string();
    assert!(error.contains("chmod 600") && error.contains("640"), "{error}");
}

/// A lab whose server.toml sets one limit of its `[limits]` section to `value`.
fn lab_with_limit(name: &'static str, value: u64) -> Lab {
    Lab::with(move |dir| {
        let path = dir.join("server.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let line = text
            .lines()
            .find(|line| line.starts_with(&format!("{name} =")))
            .unwrap_or_else(|| panic!("no {name} in {text}"));
        std::fs::write(&path, text.replace(line, &format!("{name} = {value}"))).unwrap();
    })
}

/// `kiosk submit --example` and one `kiosk outbox drain --once`: the drain's output.
/// `kiosk submit --example` and one `kiosk outbox drain --once`, which exits with `code`
/// and says `words`: then `kiosk outbox` with `args`, as text.
fn drain_once_then(lab: &Lab, code: i32, words: &[&str], args: &[&str]) -> String {
    let config = lab.kiosk_config("kiosk", None);
    let example = kiosk(&config, &["submit", "--example"]);
    let file = lab.root.join("example.json");
    std::fs::write(&file, &example.stdout).unwrap();
    let out = kiosk(&config, &["submit", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let drain = kiosk(&config, &["outbox", "drain", "--once"]);
    let out = text(&drain);
    assert_eq!(drain.status.code(), Some(code), "{out}");
    for word in words {
        assert!(out.contains(word), "{word:?} not in {out}");
    }
    let then: Vec<&str> = ["outbox"].iter().chain(args).copied().collect();
    text(&kiosk(&config, &then))
}

#[test]
fn a_used_up_daily_photo_quota_keeps_the_application_queued_and_says_so_plainly() {
    let lab = lab_with_limit("upload-bytes-per-day", 1000);
    let unsent = drain_once_then(&lab, 8, &["will retry", "quota"], &["unsent"]);
    assert_eq!(unsent.trim(), "1", "{unsent}");
}

#[test]
fn an_application_beyond_the_central_size_is_a_dead_letter_not_a_retry_loop() {
    let lab = lab_with_limit("application-bytes", 1000);
    let dead = drain_once_then(&lab, 9, &["REFUSED"], &["list", "--state", "dead"]);
    assert!(dead.contains("413"), "{dead}");
}

/// `kiosk technician …` with `lines` on standard input (PINs and codes are read from it).
fn technician(config: &Path, command: &str, lines: &[&str]) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["--config", config.to_str().unwrap(), "technician", command])
        .env("KIOSK_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for line in lines {
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    child.wait_with_output().unwrap()
}

#[test]
fn a_locked_pin_is_recovered_once_with_the_code_the_central_issued() {
    let lab = Lab::new();
    let config = lab.kiosk_config("kiosk", None);
    let set = technician(&config, "set-pin", &["246810", "246810"]);
    assert!(set.status.success(), "{}", text(&set));
    // A passer-by guesses until the PIN locks.
    for _ in 0..5 {
        technician(&config, "set-pin", &["000000"]);
    }
    let locked = technician(&config, "set-pin", &["246810"]);
    assert_eq!(locked.status.code(), Some(7), "{}", text(&locked));
    assert!(text(&locked).contains("locked"), "{}", text(&locked));

    // Before any code is issued, and with a wrong one: refused, nothing changes.
    let early = technician(&config, "recover", &["123412341234", "135790", "135790"]);
    assert_eq!(early.status.code(), Some(7), "{}", text(&early));
    let issued = lab.central.command(&["pin-recovery", KIOSK_ID]).unwrap();
    let code: String = issued
        .lines()
        .next()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert_eq!(code.len(), 12, "{issued}");
    let recovered = technician(&config, "recover", &[&code, "135790", "135790"]);
    assert!(recovered.status.success(), "{}", text(&recovered));
    // The new PIN works (the lock is lifted); the code is used up.
    let changed = technician(&config, "set-pin", &["135790", "975310", "975310"]);
    assert!(changed.status.success(), "{}", text(&changed));
    let again = technician(&config, "recover", &[&code, "111111", "111111"]);
    assert_eq!(again.status.code(), Some(7), "{}", text(&again));
    // The code itself is in neither side's log nor in the server's files.
    let journal = format!("{}{}{}", text(&recovered), text(&again), server_text(&lab));
    assert!(!journal.contains(&code), "{journal}");
}
