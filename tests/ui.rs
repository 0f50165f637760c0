//! The touchscreen UI through Slint's testing backend, driven by accessible labels as a
//! citizen's finger would, with the simulated reader and printer behind the production
//! drivers: the whole journey to a printed receipt, proxy, manual entry with a wrong check
//! digit, a typed number refused where the card is required, paper out → QR on screen,
//! the idle wipe, and a language switch mid-session.

use i_slint_backend_testing::ElementHandle;
use slint::Model;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use township_kiosk::app::kiosk::{AppParts, KioskApp};
use township_kiosk::app::sim_controls::SimControls;
use township_kiosk::config::Config;
use township_kiosk::devices::card_reader::fixtures::fixture;
use township_kiosk::devices::card_reader::serial::{SerialCardReader, SerialReaderOptions};
use township_kiosk::devices::card_reader::sim::{SimCardReader, SimReaderOptions};
use township_kiosk::devices::printer::profile::profile;
use township_kiosk::devices::printer::sim::{SimPrinter, SimPrinterOptions};
use township_kiosk::devices::printer::status::PrinterStatus;
use township_kiosk::devices::printer::transport::SerialTransport;
use township_kiosk::devices::printer::{EscPosPrinter, ReceiptPrinter};
use township_kiosk::domain::application::MaterialState;
use township_kiosk::domain::session::Step;
use township_kiosk::storage::Store;
use township_kiosk::ui::generated::*;
use township_kiosk::ui::Shell;

struct Kiosk {
    shell: Rc<Shell>,
    sim_reader: SimCardReader,
    sim_printer: SimPrinter,
    _dir: tempfile::TempDir,
}

fn kiosk() -> Kiosk {
    kiosk_with(|_, _| {})
}

/// A kiosk whose configuration (and configuration paths) `tweak` adjusts first; it gets
/// the state directory.
fn kiosk_with(tweak: impl FnOnce(&mut Config, &mut Option<township_kiosk::config::ConfigPaths>)) -> Kiosk {
    i_slint_backend_testing::init_no_event_loop();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.kiosk.state_dir = dir.path().to_path_buf();
    let mut config_paths = None;
    tweak(&mut config, &mut config_paths);
    let catalogue = township_kiosk::app::load_catalogue(&config).unwrap();
    let store = Store::open_in(dir.path()).unwrap();
    let sim_reader = SimCardReader::start(SimReaderOptions::default()).unwrap();
    let inbox = township_kiosk::app::inbox::channel();
    let mut options = SerialReaderOptions::new(sim_reader.path(), 115_200);
    options.poll_interval = Duration::from_millis(30);
    let reader = SerialCardReader::spawn(options, inbox.0.reader_listener());
    let sim_printer = SimPrinter::start(SimPrinterOptions::default()).unwrap();
    let printer: Box<dyn ReceiptPrinter> = Box::new(EscPosPrinter::new(
        Box::new(SerialTransport::open(sim_printer.path(), 115_200, false).unwrap()),
        profile("generic-80mm").unwrap(),
    ));
    let parts = AppParts {
        store: Some(store),
        reader: Some(Box::new(reader)),
        printer: Some(Arc::new(Mutex::new(printer))),
        profile: profile("generic-80mm").unwrap(),
        sim: Some(SimControls::new(None, None)),
        camera: Some(township_kiosk::devices::camera::CameraSource::Sim(Default::default())),
        central: None,
        voice: None,
        config_paths,
        inbox,
    };
    let app = KioskApp::new(config, catalogue, parts);
    let shell = Shell::new(app).unwrap();
    shell.window.show().unwrap();
    Kiosk {
        shell,
        sim_reader,
        sim_printer,
        _dir: dir,
    }
}

impl Kiosk {
    fn page(&self) -> Page {
        self.shell.window.global::<AppAdapter>().get_page()
    }

    /// Touch targets with this label (Text items carry their text as a label too).
    fn targets(&self, label: &str) -> Vec<ElementHandle> {
        ElementHandle::find_by_accessible_label(&self.shell.window, label)
            .filter(|e| {
                matches!(
                    e.accessible_role(),
                    Some(
                        i_slint_backend_testing::AccessibleRole::Button
                            | i_slint_backend_testing::AccessibleRole::TextInput
                    )
                )
            })
            .collect()
    }

    /// Touches the first element with this accessible label.
    fn tap(&self, label: &str) {
        let found = self.targets(label);
        let element = found
            .first()
            .unwrap_or_else(|| panic!("nothing labelled {label:?} on page {:?}", self.page()));
        element.invoke_accessible_default_action();
    }

    /// The texts on screen that read exactly `text`.
    fn shown(&self, text: &str) -> usize {
        ElementHandle::find_by_accessible_label(&self.shell.window, text).count()
    }

    fn type_keys(&self, text: &str) {
        for c in text.chars() {
            self.tap(&c.to_string());
        }
    }

    /// Takes the reader's and the worker's reports (in the app the event loop's waker does
    /// this) until `done`.
    fn pump_until(&self, what: &str, done: impl Fn(&Kiosk) -> bool) {
        // Generous: a debug-build camera capture on a loaded CI machine takes seconds.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            self.shell.take_inbox();
            if done(self) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; page {:?}",
                self.page()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn place(&self, name: &str) {
        self.sim_reader.lift();
        self.sim_reader.place(fixture(name).unwrap());
    }

    /// Welcome → the lost-ID item → identified with the resident card → form filled.
    /// The URL a receipt's QR must carry: the number and its token from this kiosk's key
    /// (not only the sequential number, which would let anyone guess the next one).
    fn progress_url(&self, number: &str) -> String {
        let key = township_kiosk::app::progress::load_or_create_key(self._dir.path()).unwrap();
        let number = township_kiosk::domain::receipt::ReceiptNumber::parse(number).unwrap();
        format!(
            "https://zwfw.example.gov.cn/progress/{number}?t={}",
            key.token(&number).as_str()
        )
    }

    fn to_form(&self) {
        self.tap("开始办理");
        assert_eq!(self.page(), Page::Catalogue);
        self.tap("居民身份证遗失补领");
        assert_eq!(self.page(), Page::Guide);
        self.tap("开始办理");
        assert_eq!(self.page(), Page::Identify);
        self.place("resident");
        self.pump_until("the card", |k| k.page() == Page::Form);
    }

    fn fill_form_and_materials(&self) {
        // The reason (遗失) was decided by choosing 遗失补领: it is shown locked.
        assert!(self.targets("遗失或被盗").is_empty(), "not asked again");
        self.tap("手机号码");
        self.type_keys("13805740000");
        let phone = self
            .shell
            .window
            .global::<FormAdapter>()
            .get_fields()
            .row_data(0)
            .unwrap()
            .value;
        assert_eq!(phone, "138 0574 0000", "a mobile number reads 3-4-4, as on every page");
        self.tap("下一步");
        assert_eq!(
            self.page(),
            Page::Materials,
            "{:?}",
            self.shell.app().session().data.form_errors
        );
        // The live preview is on screen, then each mandatory material is photographed: the
        // buttons wait while a photo is being taken, and the photo taken is shown.
        self.pump_until("the camera", |k| {
            k.shell.refresh_preview();
            k.shell.window.global::<MaterialsAdapter>().get_live()
        });
        assert_eq!(self.targets("拍照上传").len(), 3);
        for taken in 1..=2 {
            self.tap("拍照上传");
            assert!(self.shell.window.global::<MaterialsAdapter>().get_busy());
            self.pump_until("the photo", |k| {
                k.shell
                    .window
                    .global::<MaterialsAdapter>()
                    .get_materials()
                    .iter()
                    .filter(|m| m.has_thumbnail)
                    .count()
                    == taken
            });
        }
        // 容缺: the promise opens on the signature pad; an empty pad is refused, a signature
        // drawn with the finger is taken.
        self.tap("容缺后补");
        let materials = self.shell.window.global::<MaterialsAdapter>();
        assert!(materials.get_promise_open());
        let promise = materials.get_promise_text().to_string();
        assert!(
            promise.contains("身份证遗失声明") && promise.contains("前补交"),
            "{promise}"
        );
        self.tap("签名确认");
        assert!(materials.get_promise_open(), "nothing promised without a signature");
        assert_eq!(materials.get_promise_error(), "请在方框里用手指签上您的名字");
        let before = self.shell.app().session().last_activity_ms;
        std::thread::sleep(Duration::from_millis(5));
        self.sign_with_finger();
        assert!(materials.get_ink().starts_with(" M "), "{}", materials.get_ink());
        assert!(
            self.shell.app().session().last_activity_ms > before,
            "signing keeps the idle timer from running out"
        );
        self.tap("签名确认");
        assert!(!materials.get_promise_open());
        assert!(
            materials.get_materials().iter().any(|m| m.state == "promised"),
            "the material is promised"
        );
        self.tap("下一步");
        assert_eq!(self.page(), Page::Review);
    }

    /// A finger's tap at a point of the window (for what has no label to find it by).
    fn tap_at(&self, x: f32, y: f32) {
        use slint::platform::{PointerEventButton, WindowEvent};
        let position = slint::LogicalPosition::new(x, y);
        let window = self.shell.window.window();
        let button = PointerEventButton::Left;
        window.dispatch_event(WindowEvent::PointerMoved { position });
        window.dispatch_event(WindowEvent::PointerPressed { position, button });
        window.dispatch_event(WindowEvent::PointerReleased { position, button });
    }

    /// Draws a zigzag across the signature pad, as a finger would.
    fn sign_with_finger(&self) {
        use slint::platform::{PointerEventButton, WindowEvent};
        use slint::LogicalPosition;
        let pad = ElementHandle::find_by_accessible_label(&self.shell.window, "签名板")
            .next()
            .expect("the signature pad");
        let (origin, size) = (pad.absolute_position(), pad.size());
        let at = |fx: f32, fy: f32| LogicalPosition::new(origin.x + size.width * fx, origin.y + size.height * fy);
        let window = self.shell.window.window();
        let button = PointerEventButton::Left;
        window.dispatch_event(WindowEvent::PointerMoved { position: at(0.1, 0.5) });
        window.dispatch_event(WindowEvent::PointerPressed {
            position: at(0.1, 0.5),
            button,
        });
        for i in 1..=16 {
            let y = if i % 2 == 0 { 0.35 } else { 0.65 };
            window.dispatch_event(WindowEvent::PointerMoved {
                position: at(0.1 + 0.05 * i as f32, y),
            });
        }
        window.dispatch_event(WindowEvent::PointerReleased {
            position: at(0.9, 0.5),
            button,
        });
    }

    /// Writes strokes on the writing pad with a finger (points as fractions of the pad).
    fn write_on_pad(&self, strokes: &[&[(f32, f32)]]) {
        use slint::platform::{PointerEventButton, WindowEvent};
        use slint::LogicalPosition;
        let pad = ElementHandle::find_by_accessible_label(&self.shell.window, "手写板")
            .next()
            .expect("the writing pad");
        let (origin, size) = (pad.absolute_position(), pad.size());
        let at = |(fx, fy): (f32, f32)| LogicalPosition::new(origin.x + size.width * fx, origin.y + size.height * fy);
        let window = self.shell.window.window();
        let button = PointerEventButton::Left;
        for stroke in strokes {
            let (first, last) = (stroke[0], stroke[stroke.len() - 1]);
            window.dispatch_event(WindowEvent::PointerMoved { position: at(first) });
            window.dispatch_event(WindowEvent::PointerPressed {
                position: at(first),
                button,
            });
            for pair in stroke.windows(2) {
                for i in 1..=8 {
                    let t = i as f32 / 8.0;
                    let (a, b) = (pair[0], pair[1]);
                    window.dispatch_event(WindowEvent::PointerMoved {
                        position: at((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)),
                    });
                }
            }
            window.dispatch_event(WindowEvent::PointerReleased {
                position: at(last),
                button,
            });
        }
    }

    fn all_text(&self) -> String {
        let w = &self.shell.window;
        let mut text = String::new();
        for f in w.global::<FormAdapter>().get_fields().iter() {
            text.push_str(&format!("{} {} ", f.value, f.error));
        }
        for r in w.global::<ReviewAdapter>().get_rows().iter() {
            text.push_str(&format!("{} ", r.value));
        }
        text.push_str(&w.global::<IdentifyAdapter>().get_typed());
        text.push_str(&w.global::<ReceiptAdapter>().get_number());
        text
    }
}

fn qr_of(image: &slint::Image) -> Vec<String> {
    let buffer = image.to_rgba8().expect("an RGBA image");
    let (w, h) = (buffer.width() as usize, buffer.height() as usize);
    let pixels = buffer.as_slice();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x].r);
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, t)| t))
        .collect()
}

#[test]
fn the_whole_journey_to_a_printed_receipt() {
    let k = kiosk();
    assert_eq!(k.page(), Page::Welcome);
    k.to_form();
    k.fill_form_and_materials();
    let rows: Vec<String> = k
        .shell
        .window
        .global::<ReviewAdapter>()
        .get_rows()
        .iter()
        .map(|r| r.value.to_string())
        .collect();
    assert!(rows.iter().any(|r| r == "陈*燕 330225********0431"), "{rows:?}");
    assert!(rows.iter().any(|r| r == "138****0000"), "{rows:?}");
    k.tap("支付￥40.00并提交");
    assert_eq!(k.page(), Page::Payment);
    k.tap("模拟:支付成功");
    assert_eq!(k.page(), Page::Receipt);
    let receipt = k.shell.window.global::<ReceiptAdapter>();
    assert!(
        receipt.get_submitting(),
        "storing runs on the worker: the submitting step is on screen meanwhile"
    );
    assert!(
        ElementHandle::find_by_accessible_label(&k.shell.window, "正在提交,请勿离开")
            .next()
            .is_some(),
        "the citizen is told to wait"
    );
    k.pump_until("the printed receipt", |k| {
        k.shell.window.global::<ReceiptAdapter>().get_print_state() != "printing"
    });
    assert!(!receipt.get_submitting());
    assert_eq!(receipt.get_print_state(), "printed");
    let number = receipt.get_number().to_string();
    assert!(number.starts_with("DEV1-"), "{number}");
    // The printer printed it, and its QR leads to the progress page of this receipt.
    let pages = k.sim_printer.wait_for_pages(1, Duration::from_secs(5));
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].report.garbage_chars, 0);
    // The preview on screen is the printer's own rendering.
    assert_eq!(qr_of(&receipt.get_preview()), vec![k.progress_url(&number)]);
    // The card still lies on the reader: the whole screen says so until it is lifted.
    let app_adapter = k.shell.window.global::<AppAdapter>();
    assert!(app_adapter.get_card_reminder(), "请取回身份证 over the receipt");
    k.sim_reader.lift();
    k.pump_until("the card taken", |k| {
        !k.shell.window.global::<AppAdapter>().get_card_reminder()
    });
    k.tap("完成");
    assert_eq!(k.page(), Page::Rating);
    // A face, then a reason that goes with it (praise: the complaints are not offered), sent.
    k.tap("满意");
    assert_eq!(k.page(), Page::Rating, "a face alone does not leave the page");
    assert!(
        k.targets("耗时太长").is_empty(),
        "complaints do not go with a good face"
    );
    let unticked = k.targets("指引清楚");
    assert_eq!(
        (unticked[0].accessible_checkable(), unticked[0].accessible_checked()),
        (Some(true), Some(false)),
        "a reason not ticked still reads as a checkbox to a screen reader"
    );
    k.tap("办理快捷");
    let picked = k.targets("办理快捷");
    assert_eq!(
        picked[0].accessible_checked(),
        Some(true),
        "the chosen reason shows as chosen"
    );
    k.tap("提交评价");
    assert_eq!(k.page(), Page::Farewell);
    k.tap("返回首页");
    assert_eq!(k.page(), Page::Welcome);
    // Stored durably with its outbox row; nothing personal left on screen.
    let app = k.shell.app();
    assert_eq!(app.session().step, Step::Welcome);
    drop(app);
    let mut store = Store::open_in(k._dir.path()).unwrap();
    let queued = store.outbox_list(None).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].receipt_no, number);
    assert_eq!(k.all_text().trim(), "");
    // The signed promise is sealed with the application: its words with the deadline and
    // the strokes the finger drew.
    let stored = store.load_application(&queued[0].idempotency_key).unwrap();
    let Some(MaterialState::Promised {
        deadline,
        signature: Some(signed),
    }) = stored.materials.get("loss-statement")
    else {
        panic!("the promise is not stored signed");
    };
    assert!(signed.promise.contains(&deadline.to_string()), "{}", signed.promise);
    assert_eq!(signed.stroke_count(), 1);
    assert!(signed.strokes.matches(" L ").count() >= 10, "{}", signed.strokes);
    let needle = &signed.strokes.as_bytes()[..24];
    let mut raw = std::fs::read(k._dir.path().join("kiosk.db")).unwrap();
    raw.extend(std::fs::read(k._dir.path().join("kiosk.db-wal")).unwrap_or_default());
    assert!(
        !raw.windows(needle.len()).any(|w| w == needle),
        "the strokes are not readable in the database files"
    );
}

#[test]
fn proxy_reads_the_agents_card_first() {
    let k = kiosk();
    k.tap("开始办理");
    k.tap("居民身份证有效期满换领");
    k.tap("委托代办");
    k.tap("开始办理");
    assert!(k.shell.window.global::<IdentifyAdapter>().get_agent_phase());
    k.place("hkmotw");
    k.pump_until("the agent's card", |k| {
        !k.shell.window.global::<IdentifyAdapter>().get_agent_phase()
    });
    assert_eq!(k.page(), Page::Identify);
    k.place("resident-elderly");
    k.pump_until("the applicant's card", |k| k.page() == Page::Form);
    let app = k.shell.app();
    assert_eq!(
        app.session().data.agent.as_ref().unwrap().id.masked(),
        "810000********0029"
    );
    assert_eq!(
        app.session().data.applicant.as_ref().unwrap().id.masked(),
        "330225********0614"
    );
}

#[test]
fn a_typed_number_is_refused_where_the_card_is_required() {
    let k = kiosk();
    k.tap("开始办理");
    k.tap("居民身份证遗失补领");
    k.tap("开始办理");
    k.tap("没带证件?手工输入号码");
    k.type_keys("330225198506120431");
    k.tap("确认号码");
    assert_eq!(k.page(), Page::Identify);
    assert_eq!(
        k.shell.window.global::<IdentifyAdapter>().get_message(),
        "此事项需要您把身份证放在读卡器上。请使用身份证,或到窗口办理。"
    );
    k.place("resident");
    k.pump_until("the card", |k| k.page() == Page::Form);
}

#[test]
fn manual_entry_with_a_wrong_check_digit_says_so() {
    let k = kiosk();
    k.tap("开始办理");
    k.tap("未成年人首次申领身份证");
    k.tap("开始办理");
    k.tap("没带证件?手工输入号码");
    k.type_keys("330225198506120432");
    assert_eq!(
        k.shell.window.global::<IdentifyAdapter>().get_typed(),
        "330225 19850612 0432"
    );
    k.tap("确认号码");
    assert_eq!(k.page(), Page::Identify);
    assert_eq!(
        k.shell.window.global::<IdentifyAdapter>().get_message(),
        "号码校验位不对,请逐位核对"
    );
    k.tap("删除");
    k.type_keys("1");
    k.tap("确认号码");
    assert_eq!(k.page(), Page::Form);
    assert_eq!(
        k.shell.app().session().data.applicant.as_ref().unwrap().source,
        township_kiosk::domain::application::IdentitySource::Typed
    );
}

#[test]
fn printer_out_of_paper_puts_the_qr_on_screen() {
    let k = kiosk();
    k.to_form();
    k.fill_form_and_materials();
    k.sim_printer.set_status(PrinterStatus {
        paper_end: true,
        paper_near_end: true,
        ..PrinterStatus::OK
    });
    k.tap("支付￥40.00并提交");
    k.tap("模拟:支付成功");
    k.pump_until("the print outcome", |k| {
        k.shell.window.global::<ReceiptAdapter>().get_print_state() != "printing"
    });
    let receipt = k.shell.window.global::<ReceiptAdapter>();
    assert_eq!(receipt.get_print_state(), "qr");
    let number = receipt.get_number().to_string();
    assert_eq!(qr_of(&receipt.get_qr()), vec![k.progress_url(&number)]);
    std::thread::sleep(Duration::from_millis(400));
    assert!(k.sim_printer.pages().is_empty(), "nothing printed");
    let mut store = Store::open_in(k._dir.path()).unwrap();
    assert_eq!(store.reprint_queue().unwrap().len(), 1);
}

#[test]
fn idle_timeout_warns_then_wipes_everything() {
    let k = kiosk();
    k.to_form();
    k.fill_form_and_materials();
    let t0 = k.shell.app().session().last_activity_ms;
    k.shell.tick_at(t0 + 60_000);
    assert!(k.shell.window.global::<AppAdapter>().get_idle_warning());
    assert_eq!(k.shell.window.global::<AppAdapter>().get_idle_seconds(), 20);
    // "I need more time" keeps everything.
    k.tap("我还需要时间");
    assert!(!k.shell.window.global::<AppAdapter>().get_idle_warning());
    assert_eq!(k.page(), Page::Review);
    let t1 = k.shell.app().session().last_activity_ms;
    k.shell.tick_at(t1 + 60_000);
    k.shell.tick_at(t1 + 80_000);
    assert_eq!(k.page(), Page::Welcome);
    let text = k.all_text();
    for secret in ["陈", "0431", "13805740000", "138 0574 0000", "138****0000", "330225"] {
        assert!(!text.contains(secret), "{secret} left in the UI: {text}");
    }
    let app = k.shell.app();
    assert_eq!(app.session().data, Default::default());
    assert!(app.typed_id().is_empty() && app.form_draft().is_empty() && app.receipt_preview().is_none());
}

/// 退出办理 asks first where something would be lost, says what, and leads with the way
/// back in; only the second tap clears the session.
#[test]
fn exit_asks_first_and_says_what_is_lost() {
    let k = kiosk();
    k.to_form();
    k.fill_form_and_materials();
    assert_eq!(k.page(), Page::Review);
    assert_eq!(k.shown("退出办理?"), 0);
    k.tap("退出办理");
    assert_eq!(k.page(), Page::Review, "one tap does not end the application");
    assert_eq!(k.shown("退出办理?"), 1, "the question is asked");
    assert_eq!(
        k.shown("您填写的信息和拍摄的材料将被清除,申请不会提交。"),
        1,
        "and says what is lost"
    );
    let before = k.shell.app().session().data.clone();
    k.tap("继续办理");
    assert_eq!(k.page(), Page::Review);
    assert_eq!(k.shown("退出办理?"), 0, "the question is gone");
    assert_eq!(k.shell.app().session().data, before, "nothing lost");
    k.tap("退出办理");
    k.tap("退出并清除");
    assert_eq!(k.page(), Page::Welcome);
    assert_eq!(k.shell.app().session().data, Default::default());
    // Before anything is entered, 退出办理 leaves at once.
    k.tap("开始办理");
    assert_eq!(k.page(), Page::Catalogue);
    k.tap("退出办理");
    assert_eq!(k.page(), Page::Welcome);
}

#[test]
fn switching_language_mid_session_keeps_everything() {
    let k = kiosk();
    k.to_form();
    k.tap("English");
    assert_eq!(k.page(), Page::Form);
    let fields = k.shell.window.global::<FormAdapter>().get_fields();
    assert_eq!(fields.row_data(0).unwrap().label, "Mobile number");
    assert_eq!(fields.row_data(1).unwrap().value, "lost");
    k.tap("Mobile number");
    k.type_keys("13805740000");
    k.tap("Next");
    assert_eq!(k.page(), Page::Materials);
    k.tap("中文");
    assert_eq!(
        k.shell
            .window
            .global::<MaterialsAdapter>()
            .get_materials()
            .row_data(0)
            .unwrap()
            .name,
        "居民户口簿"
    );
}

#[test]
fn every_touch_target_has_an_accessible_label() {
    let k = kiosk();
    let check = |k: &Kiosk| {
        let page = k.page();
        let buttons = ElementHandle::find_by_element_type_name(&k.shell.window, "BigButton").collect::<Vec<_>>();
        assert!(!buttons.is_empty(), "{page:?}");
        for element in buttons {
            let label = element.accessible_label().unwrap_or_default();
            // The keypad's blank key (disabled) is the only button without a label.
            assert!(
                !label.is_empty() || element.accessible_enabled() == Some(false),
                "unlabelled button on {page:?}"
            );
        }
        let touch_areas_without_label = ElementHandle::find_by_element_type_name(&k.shell.window, "TouchArea").count();
        assert!(touch_areas_without_label > 0);
    };
    check(&k);
    k.to_form();
    check(&k);
    k.fill_form_and_materials();
    check(&k);
    k.tap("支付￥40.00并提交");
    check(&k);
    k.tap("模拟:支付成功");
    check(&k);
    k.pump_until("the receipt", |k| {
        !k.shell.window.global::<ReceiptAdapter>().get_submitting()
    });
    k.tap("完成");
    check(&k);
}

/// Issue 11: a delivery address entered by touch alone — the picker opens at the kiosk's
/// county, goes down to a township, the street is typed as pinyin with a candidate picked,
/// digits from the keyboard's digit mode; the review shows the (masked) address.
#[test]
fn a_delivery_address_is_picked_and_typed_by_touch() {
    township_kiosk::app::text_entry::load_now();
    let k = kiosk();
    k.to_form();
    k.fill_form_and_materials();
    k.tap("免费快递到其他地址");
    assert_eq!(k.page(), Page::Address);
    let address = k.shell.window.global::<AddressAdapter>();
    let path = |a: &AddressAdapter| a.get_path().iter().map(|p| p.name.to_string()).collect::<Vec<_>>();
    assert_eq!(path(&address), ["浙江省", "宁波市", "象山县"]);
    k.tap("石浦镇");
    assert_eq!(path(&address).last().map(String::as_str), Some("石浦镇"));
    assert!(!address.get_keys(), "the places below 石浦镇 take the keys' room");
    k.tap("街道门牌");
    assert!(address.get_keys(), "tapping a field opens the keys");
    k.tap("从列表中选择");
    assert!(!address.get_keys(), "and the places come back on request");
    k.tap("街道门牌");
    k.type_keys("shipu");
    assert_eq!(k.shell.window.global::<KeyboardAdapter>().get_buffer(), "shipu");
    k.tap("石浦");
    assert_eq!(address.get_street(), "石浦");
    assert_eq!(k.shell.window.global::<KeyboardAdapter>().get_buffer(), "");
    k.tap("数字");
    k.type_keys("18号");
    assert_eq!(address.get_street(), "石浦18号");
    k.tap("删除");
    assert_eq!(address.get_street(), "石浦18");
    k.tap("使用此地址");
    assert_eq!(k.page(), Page::Review);
    let chosen = |label: &str| k.targets(label)[0].accessible_checked();
    assert_eq!(
        (chosen("免费快递到其他地址"), chosen("免费快递到身份证地址")),
        (Some(true), Some(false)),
        "the typed address shows as the choice, not the card's"
    );
    let rows: Vec<String> = k
        .shell
        .window
        .global::<ReviewAdapter>()
        .get_rows()
        .iter()
        .filter(|r| r.kind == "express")
        .map(|r| r.value.to_string())
        .collect();
    assert_eq!(rows, ["陈*燕 浙江省宁波市****"], "masked on the review screen");
}

/// 咨询投诉 by touch: the entry on the welcome page, the kind and topic, a phrase and a word
/// typed in pinyin, the number on the keypad; with no central system the page says so
/// plainly and keeps the message; leaving wipes it.
#[test]
fn a_complaint_is_written_by_touch_and_an_outage_is_said_plainly() {
    township_kiosk::app::text_entry::load_now();
    let k = kiosk();
    k.tap("咨询投诉");
    assert_eq!(k.page(), Page::Consult);
    let consult = k.shell.window.global::<ConsultAdapter>();
    k.tap("投诉");
    assert_eq!(consult.get_kind(), "complaint");
    assert_eq!(
        k.targets("投诉")[0].accessible_checked(),
        Some(true),
        "the chosen kind reads as chosen"
    );
    k.tap("工作人员服务态度");
    assert_eq!(consult.get_stage(), "text");
    k.tap("下一步");
    assert_eq!(consult.get_error(), "请写几句话,或点选下面的常用语");
    k.tap("等候时间太长。");
    k.type_keys("chuangkou");
    k.tap("窗口");
    assert_eq!(consult.get_text(), "等候时间太长。窗口");
    // By hand, for those who cannot spell pinyin: 十 in two strokes, the candidates after
    // each stroke, 删除 takes back a stroke, the one tapped goes in and the pad is clean.
    // With the finger, as a citizen does (pointer events, not the accessible action), on
    // the portrait panel.
    k.shell.set_size(1080, 1920);
    let switch = &k.targets("手写")[0];
    let (at, size) = (switch.absolute_position(), switch.size());
    k.tap_at(at.x + size.width / 2.0, at.y + size.height / 2.0);
    let keys = k.shell.window.global::<KeyboardAdapter>();
    assert_eq!(keys.get_mode(), "handwriting");
    let across: &[(f32, f32)] = &[(0.15, 0.5), (0.85, 0.5)];
    let down: &[(f32, f32)] = &[(0.5, 0.12), (0.5, 0.9)];
    assert!(
        k.shell.window.global::<FrameAdapter>().get_writing(),
        "the page holds still under the pen"
    );
    k.write_on_pad(&[across]);
    assert_eq!(
        keys.get_ink().matches('M').count(),
        1,
        "the first stroke counts: {}",
        keys.get_ink()
    );
    k.write_on_pad(&[down]);
    assert!(
        keys.get_ink().starts_with("M "),
        "the strokes are drawn: {}",
        keys.get_ink()
    );
    let offered: Vec<String> = keys.get_candidates().iter().map(|c| c.to_string()).collect();
    assert!(offered.len() <= 8 && offered.contains(&"十".to_string()), "{offered:?}");
    k.tap("删除");
    assert_eq!(keys.get_ink().matches('M').count(), 1, "the last stroke taken back");
    k.write_on_pad(&[down]);
    k.tap("十");
    assert_eq!(consult.get_text(), "等候时间太长。窗口十");
    assert_eq!(
        (keys.get_ink().as_str(), keys.get_candidates().row_count()),
        ("", 0),
        "a clean pad"
    );
    k.write_on_pad(&[across]);
    k.tap("重写");
    assert_eq!(keys.get_ink(), "");
    k.tap("删除");
    assert_eq!(
        consult.get_text(),
        "等候时间太长。窗口",
        "删除 on a clean pad deletes from the text"
    );
    k.tap("拼音");
    k.tap("下一步");
    assert_eq!(consult.get_stage(), "phone");
    k.type_keys("13805740000");
    assert_eq!(consult.get_phone(), "138 0574 0000");
    k.tap("提交");
    assert_eq!(consult.get_stage(), "phone", "kept to send again");
    assert!(consult.get_error().contains("连不上"), "{}", consult.get_error());
    k.tap("退出办理");
    assert_eq!(k.page(), Page::Consult, "it asks first: what is written would be lost");
    k.tap("继续办理");
    assert_eq!(consult.get_text(), "等候时间太长。窗口", "kept");
    k.tap("退出办理");
    k.tap("退出并清除");
    assert_eq!(k.page(), Page::Welcome);
    assert_eq!(consult.get_text(), "");
    assert_eq!(consult.get_phone(), "");
}

/// The technician's screens: the hidden corner, a PIN that locks after five wrong tries
/// (and stays locked for the right one), then every tab's action on the real devices and
/// store, each audited; a setting is saved to the overrides file only when the whole
/// configuration with it still checks.
#[test]
fn technician_screens_lock_out_wrong_pins_and_save_checked_settings() {
    use township_kiosk::app::technician;
    let hash = technician::hash_pin("246810").unwrap();
    let k = kiosk_with(|config, paths| {
        config.technician.pin_hash = Some(hash);
        let overrides = config.kiosk.state_dir.join("overrides.toml");
        // The site offers Chinese only: English cannot become the default language.
        std::fs::write(&overrides, "[ui]\nlanguages = [\"zh-CN\"]\n").unwrap();
        *paths = Some(township_kiosk::config::ConfigPaths {
            source: None,
            overrides,
        });
    });
    let dir = k._dir.path().to_path_buf();
    let overrides = dir.join("overrides.toml");
    let tech = || k.shell.window.global::<TechnicianAdapter>();
    let notice = || tech().get_notice().to_string();
    // Material for the outbox and reprint tabs: an application refused by the central system
    // (a dead letter) whose receipt's print was interrupted.
    let mut store = Store::open_in(&dir).unwrap();
    let application = township_kiosk::app::sample::application("5b0f8a8e-3c1d-4d8e-9f51-2f4a1c9d0e77");
    let number = store
        .submit(&application, &[], "DEV1", 1_795_656_000)
        .unwrap()
        .to_string();
    let row = store.outbox_get(&number).unwrap().id;
    store
        .outbox_mark_dead(row, 1_795_656_100, "refused: 422 unknown item")
        .unwrap();
    store.print_intent(&number, 1_795_656_000).unwrap();

    // Four taps on the welcome page's top-left corner are nothing; the fifth opens the PIN
    // pad. A tap elsewhere is not part of the gesture.
    k.shell.set_size(1080, 1920);
    for _ in 0..4 {
        k.tap_at(30.0, 30.0);
    }
    assert_eq!(k.page(), Page::Welcome);
    k.tap_at(30.0, 30.0);
    assert_eq!(k.page(), Page::Technician);
    assert_eq!(tech().get_stage(), "pin");
    let enter_pin = |pin: &str| {
        k.type_keys(pin);
        assert_eq!(tech().get_pin_digits() as usize, pin.len(), "dots, never the digits");
        k.tap("确定");
        k.pump_until("the PIN check", |_| !tech().get_checking());
    };
    enter_pin("246810");
    assert_eq!(tech().get_stage(), "open", "{}", notice());
    assert_eq!(tech().get_tab(), "devices");
    k.pump_until("the outbox's row", |_| {
        tech()
            .get_devices()
            .iter()
            .any(|d| d.code == "outbox" && d.state.contains("被拒收 1"))
    });
    let devices: Vec<TechStatusVm> = tech().get_devices().iter().collect();
    assert_eq!(devices[0].code, "reader");
    assert_eq!(devices[0].state, "ready");

    // Settings: a valid change is saved to the overrides file and loads back; a change the
    // configuration refuses leaves the file as it was.
    k.tap("设置");
    k.tap("无操作提醒(秒) 增大");
    k.tap("保存设置");
    k.pump_until("the save", |_| notice().contains("已保存"));
    let saved = township_kiosk::config::load(None, Some(&overrides)).unwrap().config;
    assert_eq!(saved.timeouts.idle_warning_secs, 75);
    assert_eq!(saved.ui.languages.len(), 1, "the file's other settings are kept");
    let before = std::fs::read_to_string(&overrides).unwrap();
    k.tap("默认语言 增大");
    k.tap("保存设置");
    k.pump_until("the refusal", |_| notice().contains("未保存"));
    assert!(notice().contains("ui.default-language"), "{}", notice());
    assert_eq!(std::fs::read_to_string(&overrides).unwrap(), before, "nothing written");

    // Tests: one card read, shown masked, that starts no citizen's session; the test page.
    k.tap("测试");
    k.tap("读卡测试");
    k.place("resident");
    k.pump_until("the test read", |_| notice().contains("读卡成功"));
    let full = fixture("resident").unwrap().text.id_number.clone();
    assert!(!notice().contains(full.expose()), "{}", notice());
    assert!(notice().contains(&full.masked()), "{}", notice());
    assert_eq!(k.shell.app().session().step, Step::Welcome);
    k.tap("打印测试页");
    k.pump_until("the test page", |_| notice().contains("测试页已打印"));
    assert_eq!(k.sim_printer.wait_for_pages(1, Duration::from_secs(5)).len(), 1);

    // The outbox: the dead letter with its reason, sent again.
    k.tap("待发送");
    k.pump_until("the outbox rows", |_| tech().get_outbox().row_count() == 1);
    let dead = tech().get_outbox().row_data(0).unwrap();
    assert!(dead.dead && dead.error.contains("422"), "{dead:?}");
    k.tap("重新发送");
    k.pump_until("the retry", |_| notice().contains("重新排队"));
    assert_eq!(
        store.outbox_get(&number).unwrap().state,
        township_kiosk::storage::outbox::OutboxState::Pending
    );

    // The reprint queue: the interrupted receipt printed again, and off the queue.
    k.tap("补打回执");
    k.pump_until("the reprint queue", |_| tech().get_reprints().row_count() == 1);
    k.tap("补打");
    k.pump_until("the reprint", |_| notice().contains("已补打"));
    assert_eq!(k.sim_printer.wait_for_pages(2, Duration::from_secs(5)).len(), 2);
    assert!(store.reprint_queue().unwrap().is_empty());

    // The log lines are there, scrubbed.
    k.tap("日志");
    assert!(tech().get_logs().iter().all(|line| !line.text.contains(full.expose())));
    k.tap("退出维护");
    assert_eq!(k.page(), Page::Welcome);

    // Five wrong PINs lock it; then even the right one is refused.
    for _ in 0..5 {
        tech().invoke_secret_tap();
    }
    for left in (1..=4).rev() {
        enter_pin("000000");
        assert!(notice().contains(&format!("还可以再试 {left} 次")), "{}", notice());
    }
    enter_pin("000000");
    assert!(notice().contains("已锁定"), "{}", notice());
    enter_pin("246810");
    assert!(notice().contains("已锁定"), "{}", notice());
    assert_eq!(tech().get_stage(), "pin", "still locked out");
    k.tap("关闭");
    assert_eq!(k.page(), Page::Welcome);

    // Every action is in the audit log, under the technician screen's name.
    let actions: Vec<String> = store
        .audit_entries()
        .unwrap()
        .into_iter()
        .filter(|e| e.actor == technician_actor())
        .map(|e| e.action)
        .collect();
    for action in [
        "technician.login",
        "technician.settings-saved",
        "technician.settings-refused",
        "technician.test-read-card",
        "technician.test-print",
        "technician.outbox-retry",
        "technician.reprint",
        "technician.logout",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} missing from {actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| *a == "technician.pin-wrong").count(), 5);
    assert_eq!(actions.iter().filter(|a| *a == "technician.pin-refused").count(), 1);
    assert!(store.audit_verify().unwrap().is_none(), "the chain holds");
}

fn technician_actor() -> &'static str {
    township_kiosk::app::technician_desk::ACTOR
}

/// Nobody there for a minute: the welcome page gives way to the attract loop; the first
/// touch only wakes the page (no service starts under the finger).
#[test]
fn the_attract_loop_runs_while_nobody_is_there_and_a_touch_ends_it() {
    use township_kiosk::app::attract::{ATTRACT_AFTER_MS, SLIDE_MS};
    let k = kiosk();
    k.shell.set_size(1080, 1920);
    let welcome = || k.shell.window.global::<WelcomeAdapter>();
    k.shell.tick_at(ATTRACT_AFTER_MS - 1_000);
    assert!(!welcome().get_attract());
    k.shell.tick_at(ATTRACT_AFTER_MS + 10);
    assert!(welcome().get_attract());
    assert_eq!(welcome().get_slide(), 0);
    k.shell.tick_at(ATTRACT_AFTER_MS + 10 + 2 * SLIDE_MS);
    assert_eq!(welcome().get_slide(), 2, "the slides change by themselves");
    k.tap_at(540.0, 1000.0);
    assert!(!welcome().get_attract());
    assert_eq!(k.page(), Page::Welcome, "the touch only woke the page");
}
