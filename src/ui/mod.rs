//! The touchscreen UI: the only module that sees Slint-generated types. `connect()` wires
//! each page adapter's callbacks to the app layer; `render()` maps the app's state onto
//! the adapters (models, strings already in the citizen's language). Devices and printing
//! run on their own threads and come back through the event loop.

pub mod generated;
pub mod i18n;
pub mod screenshot;

use crate::app::kiosk::{KioskApp, ShellTask};
use crate::app::printing::PrintOutcome;
use crate::devices::card_reader::{ReaderEvent, ReaderState};
use crate::devices::printer::raster::{qr_bitmap, Bitmap};
use crate::devices::printer::ReceiptPrinter;
use crate::domain::application::MaterialState;
use crate::domain::catalogue::{FieldKind, Flag};
use crate::domain::session::{Event, IdentifyPhase, PrintState, Step};
use crate::domain::Lang;
use generated::*;
use i18n::{label, message, yuan};
use slint::{ComponentHandle, Image, ModelRc, Rgba8Pixel, SharedPixelBuffer, SharedString, VecModel};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

pub type SharedPrinter = Arc<Mutex<Box<dyn ReceiptPrinter>>>;

/// The UI and the app it shows.
pub struct Shell {
    pub window: AppWindow,
    pub app: Rc<RefCell<KioskApp>>,
    printer: Option<SharedPrinter>,
    /// Simulator controls for the hot keys (None on real hardware).
    pub sim: Option<SimControls>,
    rendered_lang: RefCell<Option<Lang>>,
    paper_out: std::cell::Cell<bool>,
    /// Print on the calling thread (tests without an event loop).
    pub print_inline: std::cell::Cell<bool>,
}

/// What the hot keys can do on simulated devices.
pub struct SimControls {
    pub reader: Option<Arc<crate::devices::card_reader::sim::SimCardReader>>,
    pub printer: Option<Arc<crate::devices::printer::sim::SimPrinter>>,
}

fn s(text: impl AsRef<str>) -> SharedString {
    SharedString::from(text.as_ref())
}

fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items))
}

/// A bitmap as a Slint image (black on white).
pub fn image_of(bitmap: &Bitmap) -> Image {
    let mut buffer = SharedPixelBuffer::<Rgba8Pixel>::new(bitmap.width, bitmap.height.max(1));
    for (pixel, dot) in buffer.make_mut_slice().iter_mut().zip(bitmap.dots.iter()) {
        let v = if *dot { 0 } else { 255 };
        *pixel = Rgba8Pixel {
            r: v,
            g: v,
            b: v,
            a: 255,
        };
    }
    Image::from_rgba8(buffer)
}

fn page_of(step: Step) -> Page {
    match step {
        Step::Welcome => Page::Welcome,
        Step::ChooseService => Page::Catalogue,
        Step::Guide => Page::Guide,
        Step::Identify => Page::Identify,
        Step::Form => Page::Form,
        Step::Materials => Page::Materials,
        Step::Review => Page::Review,
        Step::Payment => Page::Payment,
        Step::Submitting | Step::Receipt => Page::Receipt,
        Step::Rating => Page::Rating,
        Step::Farewell => Page::Farewell,
    }
}

/// Selects the bundled translation for `lang` (English is the source language).
pub fn select_language(lang: Lang) {
    let code = match lang {
        Lang::Zh => "zh_CN",
        Lang::En => "",
    };
    if let Err(e) = slint::select_bundled_translation(code) {
        log::warn!("translation {code:?}: {e}");
    }
}

impl Shell {
    pub fn new(
        app: KioskApp,
        printer: Option<SharedPrinter>,
        sim: Option<SimControls>,
    ) -> Result<Rc<Shell>, slint::PlatformError> {
        let window = AppWindow::new()?;
        let shell = Rc::new(Shell {
            window,
            app: Rc::new(RefCell::new(app)),
            printer,
            sim,
            rendered_lang: RefCell::new(None),
            paper_out: std::cell::Cell::new(false),
            print_inline: std::cell::Cell::new(false),
        });
        shell.connect();
        shell.render();
        Ok(shell)
    }

    pub fn set_size(&self, width: u32, height: u32) {
        self.window
            .window()
            .set_size(slint::LogicalSize::new(width as f32, height as f32));
    }

    /// Shows the window and runs the event loop until it quits.
    pub fn run(&self) -> Result<(), slint::PlatformError> {
        self.window.run()
    }

    /// Runs tasks the app handed back (printing goes to its own thread).
    fn run_tasks(self: &Rc<Self>, tasks: Vec<ShellTask>) {
        for task in tasks {
            match task {
                ShellTask::Print {
                    print_job,
                    receipt_no,
                    bytes,
                } => {
                    let Some(printer) = self.printer.clone() else {
                        let tasks = self.app.borrow_mut().print_finished(
                            print_job,
                            PrintOutcome::ShowQrInstead {
                                kind: crate::devices::DeviceErrorKind::NotConnected,
                                reason: "no printer".into(),
                            },
                        );
                        self.run_tasks(tasks);
                        continue;
                    };
                    let print = move || {
                        let outcome = PrintOutcome::of(printer.lock().unwrap_or_else(|p| p.into_inner()).print(&bytes));
                        if let PrintOutcome::ShowQrInstead { reason, .. } = &outcome {
                            log::warn!("receipt {receipt_no} not printed: {reason}");
                        }
                        outcome
                    };
                    if self.print_inline.get() {
                        let tasks = self.app.borrow_mut().print_finished(print_job, print());
                        self.run_tasks(tasks);
                        continue;
                    }
                    let weak = self.window.as_weak();
                    std::thread::spawn(move || {
                        let outcome = print();
                        let _ = weak.upgrade_in_event_loop(move |_| {
                            with_shell(|shell| shell.print_finished(print_job, outcome))
                        });
                    });
                }
            }
        }
    }

    pub fn print_finished(self: &Rc<Self>, print_job: i64, outcome: PrintOutcome) {
        let tasks = self.app.borrow_mut().print_finished(print_job, outcome);
        self.run_tasks(tasks);
        self.render();
    }

    /// Sends an event through the app and re-renders.
    pub fn dispatch(self: &Rc<Self>, event: Event) {
        let tasks = self.app.borrow_mut().dispatch(event);
        self.run_tasks(tasks);
        self.render();
    }

    pub fn reader_event(self: &Rc<Self>, event: ReaderEvent) {
        let tasks = self.app.borrow_mut().reader_event(event);
        self.run_tasks(tasks);
        self.render();
    }

    /// The periodic clock: idle warning countdown and wipe.
    pub fn tick(self: &Rc<Self>) {
        let now_ms = self.app.borrow().now_ms();
        self.tick_at(now_ms);
    }

    /// The clock at a given session time. Most ticks change nothing: only a change of step
    /// or of the idle warning re-renders the pages; otherwise just the countdown moves.
    pub fn tick_at(self: &Rc<Self>, now_ms: u64) {
        let before = {
            let app = self.app.borrow();
            (app.session.step, app.session.warning_since_ms)
        };
        let tasks = self.app.borrow_mut().dispatch_at(Event::Tick, now_ms);
        self.run_tasks(tasks);
        let app = self.app.borrow();
        if (app.session.step, app.session.warning_since_ms) != before {
            drop(app);
            self.render();
        } else if app.session.warning_since_ms.is_some() {
            let seconds = app.session.seconds_until_wipe(app.clock_ms).unwrap_or(0);
            self.window.global::<AppAdapter>().set_idle_seconds(seconds as i32);
        }
    }

    fn connect(self: &Rc<Self>) {
        let w = &self.window;
        macro_rules! on {
            ($global:ident, $callback:ident, |$shell:ident $(, $arg:ident)*| $body:expr) => {{
                let weak = Rc::downgrade(self);
                w.global::<$global>().$callback(move |$($arg),*| {
                    if let Some($shell) = weak.upgrade() {
                        $body
                    }
                });
            }};
        }
        on!(AppAdapter, on_more_time, |shell| shell.dispatch(Event::MoreTime));
        on!(LanguageAdapter, on_toggle, |shell| {
            let other = if shell.app.borrow().lang() == Lang::Zh {
                Lang::En
            } else {
                Lang::Zh
            };
            shell.dispatch(Event::SetLanguage(other))
        });
        on!(AppAdapter, on_touched, |shell| {
            if shell.app.borrow().session.warning_since_ms.is_none() {
                let _ = shell.app.borrow_mut().dispatch(Event::Touch);
            }
        });
        on!(AppAdapter, on_sim_key, |shell, key| shell.sim_key(key.as_str()));
        on!(WelcomeAdapter, on_start, |shell| {
            let today = shell.app.borrow().today();
            shell.dispatch(Event::Start { today })
        });
        on!(WelcomeAdapter, on_set_language, |shell, code| shell.dispatch(
            Event::SetLanguage(if code.as_str() == "en" { Lang::En } else { Lang::Zh })
        ));
        on!(CatalogueAdapter, on_choose_category, |shell, code| {
            shell.window.global::<CatalogueAdapter>().set_current_category(code);
            let _ = shell.app.borrow_mut().dispatch(Event::Touch);
            shell.render();
        });
        on!(CatalogueAdapter, on_choose_item, |shell, code| {
            let tasks = shell.app.borrow_mut().choose_item(code.as_str());
            shell.run_tasks(tasks);
            shell.render();
        });
        on!(CatalogueAdapter, on_back, |shell| shell.dispatch(Event::Back));
        on!(CatalogueAdapter, on_cancel, |shell| shell.dispatch(Event::Cancel));
        on!(GuideAdapter, on_confirm, |shell| shell.dispatch(Event::ConfirmGuide));
        on!(GuideAdapter, on_set_proxy, |shell, on| shell
            .dispatch(Event::ChooseProxy(on)));
        on!(GuideAdapter, on_back, |shell| shell.dispatch(Event::Back));
        on!(GuideAdapter, on_cancel, |shell| shell.dispatch(Event::Cancel));
        on!(IdentifyAdapter, on_key, |shell, key| {
            shell.app.borrow_mut().id_key(key.as_str());
            shell.render();
        });
        on!(IdentifyAdapter, on_submit_typed, |shell| {
            let typed = std::mem::take(&mut shell.app.borrow_mut().typed_id);
            shell.dispatch(Event::ManualId(typed.clone().into()));
            // Keep what was typed when it was refused, so the citizen can correct it.
            if shell.app.borrow().session.step == Step::Identify {
                shell.app.borrow_mut().typed_id = typed;
                shell.render();
            }
        });
        on!(IdentifyAdapter, on_back, |shell| shell.dispatch(Event::Back));
        on!(IdentifyAdapter, on_cancel, |shell| shell.dispatch(Event::Cancel));
        on!(FormAdapter, on_activate, |shell, index| {
            shell.app.borrow_mut().active_field = index;
            shell.render();
        });
        on!(FormAdapter, on_choose, |shell, index, value| {
            let code = shell.field_code(index);
            if let Some(code) = code {
                shell.app.borrow_mut().form_draft.insert(code, value.to_string());
            }
            shell.render();
        });
        on!(FormAdapter, on_key, |shell, key| {
            let index = shell.app.borrow().active_field;
            if let Some((code, max)) = shell.field_code(index).map(|c| {
                let max = shell.field_max(&c);
                (c, max)
            }) {
                shell.app.borrow_mut().form_key(&code, key.as_str(), max);
            }
            shell.render();
        });
        on!(FormAdapter, on_submit, |shell| {
            let draft = shell.app.borrow().form_draft.clone();
            let values = draft.into_iter().filter(|(_, v)| !v.trim().is_empty()).collect();
            shell.dispatch(Event::SubmitForm(values));
        });
        on!(FormAdapter, on_back, |shell| shell.dispatch(Event::Back));
        on!(FormAdapter, on_cancel, |shell| shell.dispatch(Event::Cancel));
        on!(MaterialsAdapter, on_capture, |shell, code| shell.dispatch(
            Event::MaterialCaptured {
                code: code.to_string(),
                photo: format!("sim-photo-{code}")
            }
        ));
        on!(MaterialsAdapter, on_promise, |shell, code| {
            let deadline = {
                let app = shell.app.borrow();
                crate::domain::application::supplement_deadline(&app.catalogue, &app.calendar, app.today())
            };
            shell.dispatch(Event::MaterialPromised {
                code: code.to_string(),
                deadline,
            })
        });
        on!(MaterialsAdapter, on_done, |shell| shell.dispatch(Event::MaterialsDone));
        on!(MaterialsAdapter, on_back, |shell| shell.dispatch(Event::Back));
        on!(MaterialsAdapter, on_cancel, |shell| shell.dispatch(Event::Cancel));
        on!(ReviewAdapter, on_edit, |shell, step| {
            let target = match step.as_str() {
                "identify" => Step::Identify,
                "materials" => Step::Materials,
                _ => Step::Form,
            };
            shell.dispatch(Event::Edit(target));
        });
        on!(ReviewAdapter, on_set_express, |shell, on| {
            if on {
                let tasks = shell.app.borrow_mut().express_to_card_address();
                shell.run_tasks(tasks);
                shell.render();
            } else {
                shell.dispatch(Event::ChooseDelivery(
                    crate::domain::application::Delivery::WindowPickup,
                ));
            }
        });
        on!(ReviewAdapter, on_set_urgent, |shell, on| shell
            .dispatch(Event::SetUrgent(on)));
        on!(ReviewAdapter, on_confirm, |shell| shell.dispatch(Event::ConfirmReview));
        on!(ReviewAdapter, on_back, |shell| shell.dispatch(Event::Back));
        on!(ReviewAdapter, on_cancel, |shell| shell.dispatch(Event::Cancel));
        on!(PaymentAdapter, on_simulate_paid, |shell| shell.dispatch(
            Event::PaymentCompleted {
                reference: format!("SIM-{}", uuid::Uuid::new_v4().simple())
            }
        ));
        on!(PaymentAdapter, on_back, |shell| shell.dispatch(Event::Back));
        on!(PaymentAdapter, on_cancel, |shell| shell.dispatch(Event::Cancel));
        on!(ReceiptAdapter, on_done, |shell| shell.dispatch(Event::ReceiptDone));
        on!(RatingAdapter, on_rate, |shell, stars| shell
            .dispatch(Event::Rated(stars.clamp(1, 5) as u8)));
        on!(RatingAdapter, on_skip, |shell| shell.dispatch(Event::SkipRating));
        on!(RatingAdapter, on_finish, |shell| shell.dispatch(Event::Finish));
    }

    fn field_code(&self, index: i32) -> Option<String> {
        let app = self.app.borrow();
        let plan = app.session.data.plan.as_ref()?;
        plan.item.fields.get(usize::try_from(index).ok()?).cloned()
    }

    fn field_max(&self, code: &str) -> usize {
        let app = self.app.borrow();
        match app.catalogue.field(code).map(|f| &f.kind) {
            Some(FieldKind::Phone) => 11,
            Some(FieldKind::Date) => 8,
            Some(FieldKind::IdNumber) => 18,
            Some(FieldKind::Number { max, .. }) => max.to_string().len(),
            Some(FieldKind::Text { max_chars }) => *max_chars,
            _ => 0,
        }
    }

    /// Hot keys on simulated devices: F1–F6 place the fixture cards, F7 lifts the card,
    /// F8 toggles the printer's paper.
    fn sim_key(self: &Rc<Self>, key: &str) {
        let Some(sim) = &self.sim else { return };
        use crate::devices::card_reader::fixtures::{fixture, FIXTURE_NAMES};
        use slint::platform::Key;
        let f = |k: Key| SharedString::from(k).to_string();
        let fkeys = [Key::F1, Key::F2, Key::F3, Key::F4, Key::F5, Key::F6].map(f);
        if let Some(index) = fkeys.iter().position(|k| k == key) {
            if let (Some(reader), Some(card)) = (&sim.reader, fixture(FIXTURE_NAMES[index])) {
                reader.lift();
                reader.place(card);
            }
        } else if key == f(Key::F7) {
            if let Some(reader) = &sim.reader {
                reader.lift();
            }
        } else if key == f(Key::F8) {
            if let Some(printer) = &sim.printer {
                use crate::devices::printer::status::PrinterStatus;
                let out = self.paper_out.replace(!self.paper_out.get());
                printer.set_status(if out {
                    PrinterStatus::OK
                } else {
                    PrinterStatus {
                        paper_end: true,
                        paper_near_end: true,
                        ..PrinterStatus::OK
                    }
                });
            }
        }
    }

    /// Maps the app's state onto every adapter.
    pub fn render(&self) {
        let app = self.app.borrow();
        let lang = app.lang();
        if *self.rendered_lang.borrow() != Some(lang) {
            select_language(lang);
            *self.rendered_lang.borrow_mut() = Some(lang);
        }
        let w = &self.window;
        let session = &app.session;
        let data = &session.data;
        w.global::<Theme>().set_elderly(session.elderly);
        w.global::<Theme>().set_hide_cursor(!app.simulated);
        w.global::<LanguageAdapter>()
            .set_other_language(s(if lang == Lang::Zh { "English" } else { "中文" }));

        let a = w.global::<AppAdapter>();
        a.set_page(page_of(session.step));
        a.set_simulated(app.simulated);
        a.set_idle_warning(session.warning_since_ms.is_some());
        a.set_idle_seconds(session.seconds_until_wipe(app.clock_ms).unwrap_or(0) as i32);

        let stats = app.catalogue.stats();
        let welcome = w.global::<WelcomeAdapter>();
        welcome.set_site_name(s(if lang == Lang::Zh {
            &app.config.kiosk.site_name
        } else {
            &app.config.kiosk.site_name_en
        }));
        welcome.set_opening_hours(s(&app.config.kiosk.opening_hours));
        welcome.set_services(stats.items as i32);
        welcome.set_at_most_once(stats.at_most_once as i32);
        welcome.set_immediate(stats.immediate as i32);
        welcome.set_express(stats.express_delivery as i32);
        welcome.set_language(s(if lang == Lang::Zh { "zh_CN" } else { "en" }));
        // Without a central client (a real URL in this version) applications stay queued:
        // the page says "working offline", which is the truth.
        welcome.set_network_online(app.config.central.url == "sim" && crate::app::central::reachable());

        let catalogue = w.global::<CatalogueAdapter>();
        let current = catalogue.get_current_category().to_string();
        let current = if app.catalogue.categories.iter().any(|c| c.code == current) {
            current
        } else {
            // The catalogue check refuses an empty category list; never panic on one anyway.
            app.catalogue
                .categories
                .first()
                .map(|c| c.code.clone())
                .unwrap_or_default()
        };
        catalogue.set_current_category(s(&current));
        catalogue.set_categories(model(
            app.catalogue
                .categories
                .iter()
                .map(|c| CategoryVm {
                    code: s(&c.code),
                    name: s(c.name.get(lang)),
                    count: app.catalogue.items_in(&c.code).count() as i32,
                })
                .collect(),
        ));
        catalogue.set_items(model(
            app.catalogue
                .items_in(&current)
                .map(|i| ItemVm {
                    code: s(&i.code),
                    name: s(i.name.get(lang)),
                    at_most_once: i.has(Flag::AtMostOnce),
                    immediate: i.has(Flag::Immediate),
                    online_only: i.has(Flag::ZeroTrip),
                    express: i.has(Flag::ExpressDelivery),
                })
                .collect(),
        ));

        let error = data.error.map(|k| message(k, lang)).unwrap_or_default();
        if let Some(plan) = &data.plan {
            let item = &plan.item;
            let guide = w.global::<GuideAdapter>();
            guide.set_name(s(item.name.get(lang)));
            guide.set_summary(s(item.summary.as_ref().map(|t| t.get(lang)).unwrap_or("")));
            let materials = item
                .materials()
                .filter_map(|(c, mandatory)| {
                    app.catalogue.material(c).map(|m| MaterialVm {
                        name: s(m.name.get(lang)),
                        mandatory,
                        note: s(m.note.as_ref().map(|n| n.get(lang)).unwrap_or("")),
                    })
                })
                .collect();
            guide.set_materials(model(materials));
            guide.set_fee(s(yuan(item.fee_fen, lang)));
            guide.set_promised(s(item.promised_days.to_string()));
            guide.set_statutory(s(item.statutory_days.to_string()));
            guide.set_urgent(s(item.urgent_days.map(|d| d.to_string()).unwrap_or_default()));
            guide.set_express_allowed(item.has(Flag::ExpressDelivery));
            guide.set_appointment(item.has(Flag::AppointmentRequired));
            guide.set_proxy_allowed(item.has(Flag::ProxyAllowed));
            guide.set_online_only(item.has(Flag::ZeroTrip));
            guide.set_proxy(data.proxy);
            guide.set_error(s(if session.step == Step::Guide { &error } else { "" }));

            let form = w.global::<FormAdapter>();
            form.set_item_name(s(item.name.get(lang)));
            let fields = item
                .fields
                .iter()
                .filter_map(|code| {
                    let spec = plan.fields.get(code)?;
                    let (kind, options) = match &spec.kind {
                        FieldKind::Text { .. } => ("text", vec![]),
                        FieldKind::Phone => ("phone", vec![]),
                        FieldKind::Choice { options } => (
                            "choice",
                            options
                                .iter()
                                .map(|o| OptionVm {
                                    value: s(&o.value),
                                    label: s(o.label.get(lang)),
                                })
                                .collect(),
                        ),
                        FieldKind::Date => ("date", vec![]),
                        FieldKind::Number { .. } => ("number", vec![]),
                        FieldKind::IdNumber => ("id-number", vec![]),
                    };
                    let error = data
                        .form_errors
                        .iter()
                        .find(|e| &e.field == code)
                        .map(|e| message(e.key, lang))
                        .unwrap_or_default();
                    Some(FieldVm {
                        code: s(code),
                        label: s(spec.label.get(lang)),
                        kind: s(kind),
                        value: s(app.form_draft.get(code).map(String::as_str).unwrap_or("")),
                        error: s(error),
                        required: spec.required,
                        options: model(options),
                    })
                })
                .collect();
            form.set_fields(model(fields));
            form.set_active(app.active_field);

            let materials = w.global::<MaterialsAdapter>();
            let rows = item
                .materials()
                .map(|(code, mandatory)| {
                    let (state, deadline) = match data.materials.get(code) {
                        Some(MaterialState::Captured { .. }) => ("captured", String::new()),
                        Some(MaterialState::Promised { deadline }) => ("promised", deadline.to_string()),
                        _ => ("missing", String::new()),
                    };
                    MaterialStateVm {
                        code: s(code),
                        name: s(app.catalogue.material(code).map(|m| m.name.get(lang)).unwrap_or(code)),
                        mandatory,
                        state: s(state),
                        deadline: s(deadline),
                    }
                })
                .collect();
            materials.set_materials(model(rows));
            materials.set_error(s(if session.step == Step::Materials { &error } else { "" }));

            let review = w.global::<ReviewAdapter>();
            let mut rows = vec![ReviewRow {
                label: s(label("办理事项", "Service", lang)),
                value: s(item.name.get(lang)),
                edit: s(""),
            }];
            if let Some(agent) = &data.agent {
                rows.push(ReviewRow {
                    label: s(label("代办人", "Agent", lang)),
                    value: s(format!("{} {}", agent.masked_name(), agent.id.masked())),
                    edit: s("identify"),
                });
            }
            if let Some(applicant) = &data.applicant {
                rows.push(ReviewRow {
                    label: s(label("申请人", "Applicant", lang)),
                    value: s(format!("{} {}", applicant.masked_name(), applicant.id.masked()).trim()),
                    edit: s("identify"),
                });
            }
            for code in &item.fields {
                if let (Some(spec), Some(value)) = (plan.fields.get(code), data.form.get(code)) {
                    let shown = match &spec.kind {
                        FieldKind::Phone => crate::domain::masking::mask_phone(value),
                        FieldKind::IdNumber => crate::domain::masking::mask_id(value),
                        FieldKind::Choice { options } => options
                            .iter()
                            .find(|o| &o.value == value)
                            .map(|o| o.label.get(lang).to_string())
                            .unwrap_or_default(),
                        _ if spec.personal => crate::domain::masking::mask_address(value),
                        _ => value.clone(),
                    };
                    rows.push(ReviewRow {
                        label: s(spec.label.get(lang)),
                        value: s(shown),
                        edit: s("form"),
                    });
                }
            }
            if !item.mandatory.is_empty() || !item.secondary.is_empty() {
                let captured = data
                    .materials
                    .values()
                    .filter(|m| matches!(m, MaterialState::Captured { .. }))
                    .count();
                let promised = data
                    .materials
                    .values()
                    .filter(|m| matches!(m, MaterialState::Promised { .. }))
                    .count();
                let value = match lang {
                    Lang::Zh => format!("已拍照 {captured} 份,容缺后补 {promised} 份"),
                    Lang::En => format!("{captured} photographed, {promised} to supply later"),
                };
                rows.push(ReviewRow {
                    label: s(label("材料", "Materials", lang)),
                    value: s(value),
                    edit: s("materials"),
                });
            }
            let delivery = match &data.delivery {
                crate::domain::application::Delivery::WindowPickup => label("窗口领取", "Collect at the window", lang),
                crate::domain::application::Delivery::Express { recipient, address, .. } => format!(
                    "{} {} {}",
                    label("免费快递至", "Free delivery to", lang),
                    crate::domain::masking::mask_name(recipient),
                    crate::domain::masking::mask_address(address)
                ),
            };
            rows.push(ReviewRow {
                label: s(label("取件方式", "Delivery", lang)),
                value: s(delivery),
                edit: s(""),
            });
            review.set_rows(model(rows));
            review.set_express_allowed(
                item.has(Flag::ExpressDelivery) && data.applicant.as_ref().is_some_and(|a| a.address.is_some()),
            );
            review.set_express(matches!(
                data.delivery,
                crate::domain::application::Delivery::Express { .. }
            ));
            review.set_urgent_allowed(item.has(Flag::UrgentChannel));
            review.set_urgent(data.urgent);
            review.set_fee(s(if item.fee_fen > 0 {
                yuan(item.fee_fen, lang)
            } else {
                String::new()
            }));
            review.set_error(s(if session.step == Step::Review { &error } else { "" }));

            let payment = w.global::<PaymentAdapter>();
            payment.set_amount(s(yuan(item.fee_fen, lang)));
            payment.set_simulated(app.simulated);
            payment.set_error(s(if session.step == Step::Payment { &error } else { "" }));
            if session.step == Step::Payment {
                // Part 2 creates the order centrally; until then a local, clearly simulated payload.
                if let Ok(qr) = qr_bitmap(
                    &format!("SIMULATED-PAYMENT:{}:{}", item.code, item.fee_fen),
                    8,
                    qrcode::EcLevel::M,
                ) {
                    payment.set_qr(image_of(&qr));
                }
            }
        }

        let identify = w.global::<IdentifyAdapter>();
        identify.set_proxy(data.proxy);
        identify.set_agent_phase(data.proxy && data.identify_phase == IdentifyPhase::Agent);
        identify.set_reader_state(s(match &app.reader_state {
            ReaderState::Connecting => "connecting",
            ReaderState::Ready => "ready",
            ReaderState::Reading => "reading",
            ReaderState::LiftCard => "lift",
            ReaderState::Fault { .. } => "fault",
        }));
        identify.set_typed(s(&app.typed_id));
        if !app.typed_id.is_empty() {
            identify.set_manual(true);
        }
        identify.set_message(s(if session.step == Step::Identify { &error } else { "" }));
        if session.step == Step::Welcome {
            identify.set_manual(false);
        }

        let receipt = w.global::<ReceiptAdapter>();
        receipt.set_submitting(session.step == Step::Submitting);
        match &data.receipt {
            Some(r) => {
                receipt.set_number(s(r.number.as_str()));
                receipt.set_print_state(s(match data.print {
                    PrintState::Printed => "printed",
                    PrintState::ShowQr => "qr",
                    _ => "printing",
                }));
                if let Some(preview) = &app.receipt_preview {
                    receipt.set_preview(image_of(preview));
                }
                if data.print == PrintState::ShowQr {
                    if let Ok(qr) = qr_bitmap(&r.progress_url, 8, qrcode::EcLevel::M) {
                        receipt.set_qr(image_of(&qr));
                    }
                }
            }
            None => {
                receipt.set_number(s(""));
                receipt.set_preview(Image::default());
                receipt.set_qr(Image::default());
                receipt.set_print_state(s("printing"));
            }
        }
        if session.step == Step::Welcome {
            self.clear_personal_models();
        }
    }

    /// After a wipe: every model or property that could hold personal data is emptied.
    fn clear_personal_models(&self) {
        let w = &self.window;
        w.global::<FormAdapter>().set_fields(model(vec![]));
        w.global::<ReviewAdapter>().set_rows(model(vec![]));
        w.global::<MaterialsAdapter>().set_materials(model(vec![]));
        w.global::<IdentifyAdapter>().set_typed(s(""));
        w.global::<IdentifyAdapter>().set_message(s(""));
        w.global::<ReceiptAdapter>().set_number(s(""));
        w.global::<ReceiptAdapter>().set_preview(Image::default());
        w.global::<ReceiptAdapter>().set_qr(Image::default());
        w.global::<PaymentAdapter>().set_qr(Image::default());
    }
}

thread_local! {
    static SHELL: RefCell<Option<Rc<Shell>>> = const { RefCell::new(None) };
}

/// Makes `shell` reachable from closures that come back through the event loop.
pub fn install(shell: &Rc<Shell>) {
    SHELL.with(|s| *s.borrow_mut() = Some(Rc::clone(shell)));
}

pub fn with_shell(f: impl FnOnce(&Rc<Shell>)) {
    let shell = SHELL.with(|s| s.borrow().clone());
    if let Some(shell) = shell {
        f(&shell);
    }
}

/// A reader listener that forwards events into the UI thread.
pub fn reader_listener() -> crate::devices::card_reader::ReaderListener {
    Box::new(|event| {
        let _ = slint::invoke_from_event_loop(move || with_shell(|shell| shell.reader_event(event)));
    })
}
