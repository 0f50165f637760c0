//! 预审 as a reviewer does it, in headless Chromium against the real reference server, with
//! the kiosk app on the other side: a citizen applies at the touchscreen; the reviewer opens
//! the oldest case of the queue (in Chinese, the default), sees its photos and answers,
//! marks one material 需补正 with a standard reason and asks for a supplement with no message
//! typed; the kiosk's progress query shows the plain message built from that; the citizen
//! supplies the material at the kiosk; the reviewer sees the new photo and approves. Every
//! page is checked with axe-core (no serious or critical violation) and photographed into
//! `target/back-office-shots/` (copied to `docs/back-office/`). English is one switch away.

#[allow(dead_code, unused_imports)]
mod common;
mod support {
    #![allow(unused_imports, dead_code)]
    pub mod browser;
    pub mod central_lab;
    pub mod kiosk_lab;
}

use std::io::Write;
use std::path::{Path, PathBuf};
use support::browser::{axe_source, Browser};
use support::kiosk_lab::{look_up_typed, supply_material, KioskLab, CITIZEN_ID, CITIZEN_PHONE};
use township_kiosk::cli::local_central::LocalCentral;

const KIOSK_ID: &str = "REVIEW-KIOSK-01";

/// `township-central operator add NAME --role ROLE` with the password on standard input.
fn add_operator(server: &LocalCentral, name: &str, password: &str, role: &str) {
    let mut child = std::process::Command::new(&server.bin)
        .args([
            "operator",
            "add",
            name,
            "--role",
            role,
            "--dir",
            server.dir.to_str().unwrap(),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Where the screenshots go.
fn shots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/back-office-shots")
}

/// The page is accessible (axe-core: nothing serious or critical) and photographed.
fn check_and_shoot(browser: &mut Browser, axe: &str, name: &str) {
    let violations = browser.serious_accessibility_violations(axe);
    assert!(violations.is_empty(), "{name}: {violations:#?}");
    browser.screenshot(&shots().join(format!("{name}.png")));
}

fn log_in(browser: &mut Browser, base: &str, name: &str, password: &str) {
    browser.goto(&format!("{base}/login"));
    browser.wait_for("document.getElementById('login')");
    browser.act(&format!(
        "document.getElementById('name').value = '{name}'; document.getElementById('password').value = '{password}'; document.getElementById('login').submit(); true"
    ));
    browser.wait_for("document.getElementById('filters')");
}

/// Marks `code` acceptable (`ok`) or to correct (`fix`, with a standard `reason`).
fn decide(browser: &mut Browser, code: &str, verdict: &str, reason: &str) {
    browser.act(&format!(
        "document.querySelector('#verdict-{code} input[value={verdict}]').checked = true; document.getElementById('reason-{code}').value = '{reason}'; document.getElementById('verdict-{code}').submit(); true"
    ));
    browser.wait_for(&format!(
        "document.querySelector('section[data-material=\"{code}\"] [data-verdict={verdict}]')"
    ));
}

/// How many photos the application page shows for `code`, all loaded.
fn photos_shown(browser: &mut Browser, code: &str) -> u64 {
    let selector = format!("section[data-material=\"{code}\"] figure.photo img");
    browser.wait_for(&format!(
        "[...document.querySelectorAll('{selector}')].every(i => i.complete && i.naturalWidth > 0)"
    ));
    browser
        .eval(&format!("document.querySelectorAll('{selector}').length"))
        .as_u64()
        .unwrap_or(0)
}

/// The audit log's actions (their codes), as a supervisor sees them.
fn audit_log(browser: &mut Browser, base: &str) -> String {
    browser.goto(&format!("{base}/audit"));
    browser.wait_for("document.getElementById('audit')");
    browser
        .eval("[...document.querySelectorAll('#audit tr[data-action]')].map(r => r.dataset.action).join(' ')")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A supervisor assigns a case, lists the applications and payments, finds a person's
/// cases by ID number (audited) and reveals the applicant with a reason (audited).
fn supervisor_pages(browser: &mut Browser, base: &str, axe: &str, receipt: &str) {
    browser.goto(&format!("{base}/queue?status=all"));
    browser.wait_for(&format!("document.getElementById('assign-{receipt}-to')"));
    browser.act(&format!(
        "document.getElementById('assign-{receipt}-to').value = 'wang'; document.getElementById('assign-{receipt}').submit(); true"
    ));
    // The answer redirects to the plain queue (no query): wait for it before going on.
    browser.wait_for("location.search === ''");
    browser.goto(&format!("{base}/queue?status=all"));
    browser.wait_for(&format!(
        "document.querySelector('tr[data-receipt=\"{receipt}\"] td.assigned').innerText === 'wang'"
    ));
    check_and_shoot(browser, axe, "14-queue-supervisor");
    browser.goto(&format!("{base}/applications"));
    browser.wait_for("document.getElementById('applications')");
    check_and_shoot(browser, axe, "15-applications");
    browser.goto(&format!("{base}/payments"));
    browser.wait_for("document.getElementById('payments')");
    check_and_shoot(browser, axe, "16-payments");
    browser.goto(&format!("{base}/queue"));
    browser.wait_for("document.getElementById('search-id')");
    browser.act(&format!(
        "document.getElementById('search-id').value = '{CITIZEN_ID}'; document.getElementById('search-person').submit(); true"
    ));
    browser.wait_for("document.getElementById('found')");
    assert!(browser
        .eval("document.getElementById('found').innerText")
        .as_str()
        .unwrap_or_default()
        .contains(receipt));
    check_and_shoot(browser, axe, "17-search");
    browser.goto(&format!("{base}/applications/{receipt}"));
    browser.wait_for("document.getElementById('reveal-reason')");
    browser.act("document.getElementById('reveal-reason').value = '电话核实材料'; document.getElementById('reveal').click(); true");
    browser.wait_for("document.getElementById('revealed-id')");
    assert_eq!(
        browser.eval("document.getElementById('revealed-id').innerText"),
        CITIZEN_ID
    );
    check_and_shoot(browser, axe, "18-reveal");
    let audit = audit_log(browser, base);
    for action in ["assign", "search:id-number", "reveal", "complaint:reply"] {
        assert!(audit.contains(action), "{action} not in the audit log: {audit}");
    }
}

/// A booking and a complaint through the kiosk's own client, then the desk's pages.
fn front_desk(lab: &KioskLab, browser: &mut Browser, base: &str, axe: &str) {
    use township_kiosk::central_api as api;
    let central = township_kiosk::app::services::central_from_config(&lab.config).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let today = township_kiosk::domain::calendar::Date::from_unix_china(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    );
    let slots = central.slots(today.add_days(1), 14).unwrap().slots;
    let slot = slots.into_iter().find(|s| s.free > 0).expect("a free slot");
    let booked = central
        .book(&api::BookAppointment {
            idempotency_key: "desk-booking".into(),
            slot_id: slot.slot_id.clone(),
            item_code: "ID-003".into(),
            phone: "13912345678".into(),
        })
        .unwrap();
    let ticket = central
        .complain(&api::SubmitComplaint {
            idempotency_key: "desk-complaint".into(),
            phone: "13912345679".into(),
            topic: "complaint/wait".into(),
            text: "排队等了很久".into(),
        })
        .unwrap()
        .ticket_no;
    // The kiosk's heartbeat (as its heartbeat thread sends it), for the fleet pages.
    for _ in 0..3 {
        central
            .heartbeat(&township_kiosk::app::services::heartbeat(&lab.config, None, now))
            .unwrap();
    }
    browser.goto(&format!("{base}/bookings?day={}", slot.date));
    browser.wait_for(&format!(
        "document.querySelector('tr[data-booking=\"{}\"]')",
        booked.booking_no
    ));
    let page = browser
        .eval("document.body.innerText")
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(page.contains(&slot.start) && !page.contains("13912345678"), "{page}");
    check_and_shoot(browser, axe, "11-bookings");
    browser.goto(&format!("{base}/complaints"));
    browser.wait_for(&format!("document.getElementById('reply-text-{ticket}')"));
    browser.act(&format!(
        "document.getElementById('reply-text-{ticket}').value = '已安排窗口增加人手,感谢反映。'; document.getElementById('reply-{ticket}').submit(); true"
    ));
    browser.wait_for(&format!(
        "document.querySelector('tr[data-ticket=\"{ticket}\"][data-state=answered]')"
    ));
    check_and_shoot(browser, axe, "12-complaints");
}

#[test]
fn a_reviewer_asks_for_one_material_again_and_approves_the_citizens_new_photo() {
    let chromium = std::process::Command::new("chromium").arg("--version").output();
    assert!(
        chromium.is_ok_and(|o| o.status.success()),
        "chromium is missing: scripts/setup-debian.sh test installs it"
    );
    let axe = axe_source();
    let lab = KioskLab::start(KIOSK_ID);
    let camera = std::sync::Arc::new(township_kiosk::devices::camera::sim::SimCameraControl::default());
    let (mut app, receipt, mandatory) = lab.apply_at_touchscreen(&camera);
    lab.drain_outbox();
    add_operator(&lab.server, "wang", "a long reviewer passphrase", "reviewer");
    add_operator(&lab.server, "li", "a long supervisor passphrase", "supervisor");
    let base = format!("http://{}", lab.server.admin);
    let profile = tempfile::tempdir().unwrap();
    let mut browser = Browser::with_page(profile.path());

    // The log-in page and the queue, in Chinese by default.
    browser.goto(&format!("{base}/login"));
    browser.wait_for("document.getElementById('login')");
    assert_eq!(browser.eval("document.documentElement.lang"), "zh-CN");
    // The check can fail: an image without a text alternative is a critical violation.
    browser.act("const probe = document.createElement('img'); probe.id = 'probe'; document.body.append(probe); true");
    let found = browser.serious_accessibility_violations(&axe);
    assert!(found.iter().any(|v| v.starts_with("image-alt")), "{found:?}");
    browser.act("document.getElementById('probe').remove(); true");
    check_and_shoot(&mut browser, &axe, "01-login");
    log_in(&mut browser, &base, "wang", "a long reviewer passphrase");
    assert!(browser
        .eval("document.body.innerText")
        .as_str()
        .unwrap_or_default()
        .contains("预审队列"));
    check_and_shoot(&mut browser, &axe, "02-queue");

    // The oldest case: its photos, its answers (the phone masked), the applicant masked.
    browser.act("document.querySelector('#queue tr[data-receipt] a').click(); true");
    browser.wait_for("document.getElementById('detail')");
    let detail = browser.eval("document.getElementById('detail').innerText");
    assert!(detail.as_str().unwrap_or_default().contains(&receipt), "{detail}");
    for code in &mandatory {
        assert_eq!(photos_shown(&mut browser, code), 1, "{code}");
    }
    let page = browser
        .eval("document.body.innerText")
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(page.contains("仅供预审"), "the photos are watermarked");
    assert!(
        !page.contains(CITIZEN_PHONE) && !page.contains(CITIZEN_ID),
        "personal data in clear"
    );
    assert!(browser
        .eval("document.getElementById('answers').innerText")
        .as_str()
        .unwrap_or_default()
        .contains("0000"));
    check_and_shoot(&mut browser, &axe, "03-case");
    // The photo tools: a quarter turn and a zoom, per photo.
    browser.act("document.querySelector('figure.photo button[data-photo-action=rotate]').click(); document.querySelector('figure.photo button[data-photo-action=zoom]').click(); true");
    assert_eq!(
        browser.eval("document.querySelector('figure.photo').className"),
        "photo r90 zoom"
    );

    // One material 需补正 (blurred), then a supplement asked with no message typed.
    let code = mandatory[0].clone();
    decide(&mut browser, &code, "fix", "blurred");
    browser.act("document.getElementById('supplement').click(); true");
    browser.wait_for("document.querySelector('#status [data-state=supplement]')");
    let message = browser
        .eval("document.getElementById('message').innerText")
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.starts_with("请补正以下材料") && message.contains("照片模糊"),
        "{message}"
    );
    check_and_shoot(&mut browser, &axe, "04-supplement-asked");

    // The citizen's progress query at the kiosk shows that message, word for word.
    let view = look_up_typed(&mut app, &receipt);
    assert_eq!(
        (view.rows.len(), view.rows[0].status),
        (1, "supplement"),
        "{}",
        view.error
    );
    assert_eq!(view.rows[0].message, message);
    // …and the citizen supplies the material there (the receipt's QR code opens the case).
    lab.scan_receipt(&mut app, &receipt);
    supply_material(&mut app, &receipt, &code);
    let sent = lab.drain_outbox();
    assert!(String::from_utf8_lossy(&sent.stdout).contains(&format!("sent the supplement for {receipt}")));

    // The reviewer sees the new photo beside the old one, and approves.
    browser.goto(&format!("{base}/applications/{receipt}"));
    browser.wait_for("document.getElementById('detail')");
    assert_eq!(photos_shown(&mut browser, &code), 2, "the supplied photo is shown");
    browser.wait_for("document.querySelector('#status [data-state=received]')");
    check_and_shoot(&mut browser, &axe, "05-new-photo");
    decide(&mut browser, &code, "ok", "");
    browser.act("document.getElementById('approve').click(); true");
    browser.wait_for("document.querySelector('#status [data-state=approved]')");
    let history =
        browser.eval("[...document.querySelectorAll('#history tr[data-kind]')].map(r => r.dataset.kind).join(' ')");
    assert_eq!(
        history.as_str().unwrap_or_default(),
        "submitted material:fix review:supplement supplement material:ok review:approved"
    );
    check_and_shoot(&mut browser, &axe, "06-approved");

    // The front desk: a booking made at the kiosk shows in the day's list (phone masked); a
    // complaint left there is answered, and the reply goes to the citizen's number.
    front_desk(&lab, &mut browser, &base, &axe);

    // English is one switch away, and as complete.
    browser.goto(&format!("{base}/applications/{receipt}?lang=en"));
    browser.wait_for("document.getElementById('detail')");
    assert_eq!(browser.eval("document.documentElement.lang"), "en");
    assert!(browser
        .eval("document.body.innerText")
        .as_str()
        .unwrap_or_default()
        .contains("History"));
    check_and_shoot(&mut browser, &axe, "07-case-english");

    // A supervisor's audit log holds every photo view.
    browser.goto(&format!("{base}/?lang=zh"));
    browser.act("document.querySelector('form[action=\"/logout\"]').submit(); true");
    log_in(&mut browser, &base, "li", "a long supervisor passphrase");
    let audit = audit_log(&mut browser, &base);
    assert!(audit.matches("photo:view").count() >= mandatory.len() + 2, "{audit}");
    check_and_shoot(&mut browser, &axe, "08-audit");
    browser.goto(&format!("{base}/stats"));
    browser.wait_for("document.getElementById('totals')");
    let totals = browser
        .eval("document.getElementById('totals').innerText")
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        totals.contains("100.0 %"),
        "one case, asked for a supplement once: {totals}"
    );
    check_and_shoot(&mut browser, &axe, "10-stats");
    browser.goto(&format!("{base}/"));
    browser.wait_for("document.getElementById('fleet')");
    check_and_shoot(&mut browser, &axe, "09-fleet");
    browser.act(&format!(
        "document.querySelector('a[href=\"/kiosks/{KIOSK_ID}\"]').click(); true"
    ));
    browser.wait_for("document.querySelectorAll('#beats rect').length > 1");
    check_and_shoot(&mut browser, &axe, "13-kiosk");
    supervisor_pages(&mut browser, &base, &axe, &receipt);
}
