//! The kiosk application without any UI toolkit. `KioskApp` owns the session state machine,
//! the catalogue, the card reader and the simulator controls; the worker (its own thread)
//! owns the store and the printer. The UI sends [`Intent`]s, reads what to show through
//! `app::view`, and calls [`KioskApp::take_inbox`] when the worker or the reader reported
//! something. Nothing here blocks: the UI thread never waits for I/O. Tests drive it directly.

use super::camera::CameraReport;
use super::inbox::{Inbound, Inbox, InboxReceiver};
use super::intent::Intent;
use super::printing::PrintOutcome;
use super::sim_controls::SimControls;
use super::worker::{Completion, Job, SharedPrinter, Worker, WorkerSetup};
use crate::config::Config;
use crate::devices::card_reader::{CardReader, ReaderEvent, ReaderState};
use crate::devices::printer::font::ReceiptFont;
use crate::devices::printer::profile::PrinterProfile;
use crate::devices::printer::raster::Bitmap;
use crate::domain::application::{supplement_deadline, Application, Delivery, FormValues};
use crate::domain::calendar::{Date, WorkCalendar};
use crate::domain::catalogue::{Catalogue, FieldKind, Text};
use crate::domain::message::Message;
use crate::domain::receipt::Receipt;
use crate::domain::session::{handle, Effect, Event, ItemPlan, PrintState, Session, Step};
use crate::domain::Lang;
use crate::storage::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The devices and store the app runs with (all optional: tests and screenshots run bare).
pub struct AppParts {
    pub store: Option<Store>,
    pub reader: Option<Box<dyn CardReader>>,
    pub printer: Option<SharedPrinter>,
    pub profile: PrinterProfile,
    pub sim: Option<SimControls>,
    /// The document camera (none: the kiosk has none, materials can only be promised).
    pub camera: Option<crate::devices::camera::CameraSource>,
    /// The central system for lookups, payment, rating (none: answers say "offline").
    pub central: Option<Arc<dyn super::central::CentralSystem>>,
    /// The speaker for spoken prompts (none: silent).
    pub voice: Option<Box<dyn crate::devices::voice::Voice>>,
    /// Where the configuration came from (the technician's settings are saved to its
    /// overrides file; none: settings cannot be saved).
    pub config_paths: Option<crate::config::ConfigPaths>,
    /// Where the reader reports: make it with [`super::inbox::channel`] before starting the
    /// reader, so that not even its first state is lost.
    pub inbox: (Inbox, InboxReceiver),
}

impl AppParts {
    /// No store, reader or printer.
    pub fn bare(profile: PrinterProfile) -> AppParts {
        AppParts {
            store: None,
            reader: None,
            printer: None,
            profile,
            sim: None,
            camera: None,
            central: None,
            voice: None,
            config_paths: None,
            inbox: super::inbox::channel(),
        }
    }
}

pub struct KioskApp {
    config: Config,
    catalogue: Arc<Catalogue>,
    calendar: WorkCalendar,
    session: Session,
    reader_state: ReaderState,
    reader: Option<Box<dyn CardReader>>,
    sim: Option<SimControls>,
    worker: Worker,
    inbox: InboxReceiver,
    /// Personal, wiped with the session: the keypad buffer, the form draft, the receipt.
    typed_id: String,
    active_field: usize,
    form_draft: FormValues,
    receipt_preview: Option<Bitmap>,
    /// The application's UUID (its idempotency key), fixed at the first submit of a session.
    submission_key: Option<String>,
    current_category: String,
    /// The citizen asked for staff (cleared with the session).
    staff_called: bool,
    /// The on-screen keyboard (pinyin buffer, candidate page, mode).
    keyboard: super::text_entry::Keyboard,
    /// The delivery address being entered (the address page is open while this is set).
    address: Option<super::address_entry::AddressDraft>,
    /// 补交材料: the application the citizen photographs a material for.
    supply: Option<super::supply::SupplyDraft>,
    supply_error: Option<Message>,
    /// 容缺: the material whose promise is being signed on the pad.
    promising: Option<String>,
    /// The pad was confirmed without a signature on it.
    promise_error: Option<Message>,
    /// The materials page's camera and the session's photos.
    camera: super::camera::MaterialCamera,
    /// 查询进度: the typed receipt number and the central system's answer.
    lookup: super::lookup::ProgressLookup,
    /// Reads receipt QR codes held under the camera on the progress page.
    scanner: super::receipt_scan::ReceiptScanner,
    /// 缴费: the session's payment order at the central system.
    payment: super::payment::PaymentDesk,
    /// 预约: the slots shown, the choice and the booking made.
    appointment: super::appointment::AppointmentDesk,
    consult: super::consult::ConsultDesk,
    /// 好差评 to the central system.
    feedback: super::feedback::Feedback,
    started: Instant,
    today_override: Option<Date>,
    /// A pinned wall clock (screenshots: the same picture every time).
    clock_override: Option<String>,
    /// The session clock at the last event (what countdowns are shown against).
    clock_ms: u64,
    /// The GPIO's end in the app: LED signals out, screen wake/dim and paper-low in.
    gpio: super::gpio_service::GpioLink,
    /// Spoken prompts: the speaker, the citizen's choice, what was last said about.
    voice: voice::VoiceGuide,
    /// 技术人员维护: the hidden gesture, the PIN and the technician's tabs.
    tech: super::technician_desk::TechDesk,
    /// The attract loop: the session clock of the last input, and of the GPIO's dimming.
    last_input_ms: u64,
    dimmed_at_ms: u64,
}

impl KioskApp {
    pub fn new(config: Config, catalogue: Catalogue, parts: AppParts) -> KioskApp {
        let elderly = config.ui.elderly_mode_default;
        let session = Session::new(config.ui.default_language, elderly, config.session_timeouts(elderly), 0);
        let catalogue = Arc::new(catalogue);
        let (inbox, receiver) = parts.inbox;
        let camera = super::camera::MaterialCamera::new(
            parts.camera,
            Some(inbox.reporter(|report| match report {
                CameraReport::Opened(opened) => Inbound::CameraOpened(opened),
                CameraReport::Captured(done) => Inbound::Camera(done),
            })),
        );
        let payment = super::payment::PaymentDesk::new(parts.central.clone(), Some(inbox.reporter(Inbound::Payment)));
        let appointment =
            super::appointment::AppointmentDesk::new(parts.central.clone(), Some(inbox.reporter(Inbound::Appointment)));
        let consult = super::consult::ConsultDesk::new(parts.central.clone(), Some(inbox.reporter(Inbound::Consult)));
        let scanner = super::receipt_scan::ReceiptScanner::new(Some(inbox.reporter(Inbound::Scan)));
        let feedback = super::feedback::Feedback::new(parts.central.clone());
        let tech = super::technician_desk::TechDesk::new(
            config.kiosk.state_dir.clone(),
            parts.config_paths.clone(),
            Some(inbox.reporter(Inbound::Technician)),
        );
        let lookup = super::lookup::ProgressLookup::new(
            parts.central,
            Some(inbox.reporter(Inbound::Lookup)),
            &config.kiosk.receipt_prefix,
        );
        let worker = Worker::spawn(
            WorkerSetup {
                store: parts.store,
                printer: parts.printer,
                profile: parts.profile,
                font: ReceiptFont::locate().ok().map(Arc::new),
                catalogue: Arc::clone(&catalogue),
                calendar: config.work_calendar(),
                site_name: Text {
                    zh: config.kiosk.site_name.clone(),
                    en: config.kiosk.site_name_en.clone(),
                },
                progress_url: config.central.progress_url.clone(),
                receipt_prefix: config.kiosk.receipt_prefix.clone(),
                state_dir: config.kiosk.state_dir.clone(),
            },
            inbox.reporter(Inbound::Worker),
        );
        let voice = voice::VoiceGuide::new(parts.voice, config.voice.enabled, elderly);
        let reader_state = parts
            .reader
            .as_ref()
            .map_or(ReaderState::Connecting, |reader| reader.state());
        KioskApp {
            calendar: config.work_calendar(),
            current_category: catalogue.categories.first().map(|c| c.code.clone()).unwrap_or_default(),
            config,
            catalogue,
            session,
            reader_state,
            reader: parts.reader,
            sim: parts.sim,
            worker,
            inbox: receiver,
            typed_id: String::new(),
            active_field: 0,
            form_draft: FormValues::new(),
            receipt_preview: None,
            submission_key: None,
            staff_called: false,
            keyboard: Default::default(),
            address: None,
            supply: None,
            supply_error: None,
            promising: None,
            promise_error: None,
            camera,
            lookup,
            scanner,
            payment,
            appointment,
            consult,
            feedback,
            started: Instant::now(),
            today_override: None,
            clock_override: None,
            clock_ms: 0,
            gpio: Default::default(),
            voice,
            tech,
            last_input_ms: 0,
            dimmed_at_ms: 0,
        }
    }

    // ---- what the view layer reads -------------------------------------------------------

    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }
    pub fn calendar(&self) -> &WorkCalendar {
        &self.calendar
    }
    /// The materials page's camera: preview, photos, capture in progress.
    pub fn camera(&self) -> &super::camera::MaterialCamera {
        &self.camera
    }

    /// 查询进度: what was typed and what the central system answered.
    pub fn lookup(&self) -> &super::lookup::ProgressLookup {
        &self.lookup
    }

    /// 缴费: the payment order and where it stands.
    pub fn payment(&self) -> &super::payment::PaymentDesk {
        &self.payment
    }

    /// Screenshots stage an order here.
    pub fn payment_mut(&mut self) -> &mut super::payment::PaymentDesk {
        &mut self.payment
    }

    /// 预约: slots, choice and booking.
    pub fn appointment(&self) -> &super::appointment::AppointmentDesk {
        &self.appointment
    }

    /// Screenshots stage a booking here.
    pub fn appointment_mut(&mut self) -> &mut super::appointment::AppointmentDesk {
        &mut self.appointment
    }
    pub fn consult(&self) -> &super::consult::ConsultDesk {
        &self.consult
    }
    pub fn consult_mut(&mut self) -> &mut super::consult::ConsultDesk {
        &mut self.consult
    }

    /// Screenshots stage an answer here.
    pub fn lookup_mut(&mut self) -> &mut super::lookup::ProgressLookup {
        &mut self.lookup
    }

    /// Screenshots stage a preview and photos here.
    pub fn camera_mut(&mut self) -> &mut super::camera::MaterialCamera {
        &mut self.camera
    }

    pub fn session(&self) -> &Session {
        &self.session
    }
    pub fn reader_state(&self) -> &ReaderState {
        &self.reader_state
    }
    pub fn simulated(&self) -> bool {
        self.sim.is_some()
    }
    pub fn typed_id(&self) -> &str {
        &self.typed_id
    }
    pub fn active_field(&self) -> usize {
        self.active_field
    }
    pub fn form_draft(&self) -> &FormValues {
        &self.form_draft
    }
    pub fn receipt_preview(&self) -> Option<&Bitmap> {
        self.receipt_preview.as_ref()
    }
    pub fn current_category(&self) -> &str {
        &self.current_category
    }
    pub fn staff_called(&self) -> bool {
        self.staff_called
    }
    pub fn keyboard(&self) -> &super::text_entry::Keyboard {
        &self.keyboard
    }
    /// The supplement being photographed on the progress page.
    pub fn supply(&self) -> Option<&super::supply::SupplyDraft> {
        self.supply.as_ref()
    }
    /// Why the last 提交 of a supplement was refused (no photo yet).
    pub fn supply_error(&self) -> Option<Message> {
        self.supply_error
    }
    /// The material whose 容缺 promise is on the pad, and why the last try was refused.
    pub fn promising(&self) -> Option<(&str, Option<Message>)> {
        self.promising.as_deref().map(|code| (code, self.promise_error))
    }
    /// The promise text for `code` as the citizen reads and signs it today.
    pub fn promise_text(&self, code: &str) -> (String, Date) {
        let deadline = supplement_deadline(&self.catalogue, &self.calendar, self.today());
        let lang = self.lang();
        let name = self.catalogue.material(code).map_or(code, |m| m.name.get(lang));
        (super::i18n::promise_text(lang, name, deadline), deadline)
    }
    pub fn address(&self) -> Option<&super::address_entry::AddressDraft> {
        self.address.as_ref()
    }
    /// Where place names rank first on the keyboard: the address being picked, else the
    /// kiosk's own county.
    pub fn keyboard_region(&self) -> String {
        self.address
            .as_ref()
            .and_then(|a| a.region())
            .unwrap_or(&self.config.kiosk.county)
            .to_string()
    }
    /// The wall clock as the header shows it (China time, `HH:MM`).
    pub fn clock_text(&self) -> String {
        if let Some(pinned) = &self.clock_override {
            return pinned.clone();
        }
        let secs = (crate::storage::now_unix() + 8 * 3600).rem_euclid(86_400);
        format!("{:02}:{:02}", secs / 3600, secs / 60 % 60)
    }
    pub fn clock_ms(&self) -> u64 {
        self.clock_ms
    }
    pub fn lang(&self) -> Lang {
        self.session.lang
    }
    pub fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
    pub fn today(&self) -> Date {
        self.today_override
            .unwrap_or_else(|| Date::from_unix_china(crate::storage::now_unix()))
    }

    /// Pins "today" (screenshots and tests).
    pub fn set_today(&mut self, today: Date) {
        self.today_override = Some(today);
    }

    /// Pins the header clock (screenshots).
    pub fn pin_clock(&mut self, hhmm: &str) {
        self.clock_override = Some(hhmm.to_string());
    }

    /// Pins the reader's state (screenshots).
    pub fn set_reader_state(&mut self, state: ReaderState) {
        self.reader_state = state;
    }

    // ---- intents ---------------------------------------------------------------------------

    pub fn handle(&mut self, intent: Intent) {
        self.handle_at(intent, self.now_ms());
    }

    pub fn handle_at(&mut self, intent: Intent, now_ms: u64) {
        self.note_input(now_ms);
        // The technician's screens cover the citizen's pages: only their own intents count.
        if self.tech.is_active() {
            match intent {
                Intent::Technician(action) => return self.on_technician(action, now_ms),
                Intent::Touch => return self.tech.touch(now_ms),
                // The simulator's hot keys (the test card for the reader test) go on below.
                Intent::Sim(_) => {}
                _ => return,
            }
        }
        match intent {
            Intent::Session(event) => self.event_at(event, now_ms),
            Intent::Start => {
                let today = self.today();
                self.event_at(Event::Start { today }, now_ms)
            }
            Intent::OpenProgress => self.event_at(Event::OpenProgress, now_ms),
            Intent::ProgressKey(key) => {
                self.lookup.key(&key);
                self.event_at(Event::Touch, now_ms)
            }
            Intent::ProgressSearch => {
                self.lookup.search_receipt();
                self.event_at(Event::Touch, now_ms)
            }
            Intent::ProgressAgain => {
                self.lookup.reset();
                self.scanner.reset();
                self.supply = None;
                self.supply_error = None;
                self.camera.restart();
                self.event_at(Event::Touch, now_ms)
            }
            Intent::SetLanguage(lang) => self.event_at(Event::SetLanguage(lang), now_ms),
            Intent::ToggleLanguage => {
                let other = match self.lang() {
                    Lang::Zh => Lang::En,
                    Lang::En => Lang::Zh,
                };
                self.event_at(Event::SetLanguage(other), now_ms)
            }
            Intent::SetElderly(on) => self.event_at(Event::SetElderly(on), now_ms),
            Intent::ToggleVoice => {
                self.toggle_voice();
                self.event_at(Event::Touch, now_ms)
            }
            Intent::Touch => {
                if self.session.warning_since_ms.is_none() {
                    self.event_at(Event::Touch, now_ms)
                }
            }
            Intent::ChooseCategory(code) => {
                if self.catalogue.categories.iter().any(|c| c.code == code) {
                    self.current_category = code;
                }
                self.event_at(Event::Touch, now_ms)
            }
            Intent::ChooseItem(code) => {
                if let Some(plan) = ItemPlan::new(&self.catalogue, &code) {
                    self.event_at(Event::ChooseItem(Box::new(plan)), now_ms)
                }
            }
            Intent::IdKey(key) => {
                edit(&mut self.typed_id, &key, 18);
                self.event_at(Event::Touch, now_ms)
            }
            Intent::SubmitTypedId => {
                let typed = self.typed_id.clone();
                self.event_at(Event::ManualId(typed.into()), now_ms);
                // What was typed stays when it was refused, so the citizen can correct it.
                if self.session.step != Step::Identify {
                    self.typed_id.clear();
                }
            }
            Intent::ActivateField(index) => {
                self.active_field = index;
                // A credit code is mostly digits: the keyboard opens on them (letters a
                // tap away); other text opens on pinyin.
                let credit_code = self
                    .field_spec_at(index)
                    .is_some_and(|s| s.kind == FieldKind::CreditCode);
                if credit_code {
                    self.keyboard.set_mode(super::text_entry::KeyMode::Digits);
                }
                self.event_at(Event::Touch, now_ms)
            }
            Intent::FieldKey(key) => {
                if let Some((code, max)) = self.field_at(self.active_field) {
                    edit(self.form_draft.entry(code).or_default(), &key, max);
                }
                self.event_at(Event::Touch, now_ms)
            }
            Intent::ChooseOption { field, value } => {
                if let Some((code, _)) = self.field_at(field) {
                    self.form_draft.insert(code, value);
                }
                self.event_at(Event::Touch, now_ms)
            }
            Intent::SubmitForm => {
                let plan = self.session.data.plan.as_ref();
                let is_credit_code = |code: &str| {
                    plan.and_then(|p| p.fields.get(code))
                        .is_some_and(|spec| spec.kind == FieldKind::CreditCode)
                };
                let values = self
                    .form_draft
                    .iter()
                    .filter(|(_, v)| !v.trim().is_empty())
                    .map(|(k, v)| {
                        // A credit code is recorded as printed on the licence: upper case.
                        let value = if is_credit_code(k) {
                            v.chars()
                                .filter(|c| !c.is_whitespace())
                                .collect::<String>()
                                .to_ascii_uppercase()
                        } else {
                            v.clone()
                        };
                        (k.clone(), value)
                    })
                    .collect();
                self.event_at(Event::SubmitForm(values), now_ms)
            }
            Intent::CaptureMaterial(code) => {
                // The still is taken and processed off the UI thread; the page shows
                // "taking the photo" until `Inbound::Camera` comes back.
                self.camera.capture(&code);
                self.event_at(Event::Touch, now_ms)
            }
            Intent::PromiseMaterial(code) => {
                // Only a secondary material can wait; the pad opens with its promise.
                let deferrable = self.session.step == Step::Materials
                    && self
                        .session
                        .data
                        .plan
                        .as_ref()
                        .is_some_and(|p| p.item.secondary.contains(&code));
                if deferrable {
                    self.promising = Some(code);
                    self.promise_error = None;
                }
                self.event_at(Event::Touch, now_ms)
            }
            Intent::SignPromise(strokes) => {
                if let Some(code) = self.promising.clone() {
                    let (text, deadline) = self.promise_text(&code);
                    match crate::domain::signature::SignedPromise::new(&text, &strokes) {
                        Ok(signature) => {
                            log::info!("容缺 promise signed for {code} ({} strokes)", signature.stroke_count());
                            self.promising = None;
                            self.promise_error = None;
                            self.event_at(
                                Event::MaterialPromised {
                                    code,
                                    deadline,
                                    signature,
                                },
                                now_ms,
                            );
                            return;
                        }
                        Err(e) => {
                            log::info!("容缺 promise for {code} not accepted: {e}");
                            self.promise_error = Some(Message::PromiseUnsigned);
                        }
                    }
                }
                self.event_at(Event::Touch, now_ms)
            }
            Intent::PromiseCancel => {
                self.promising = None;
                self.promise_error = None;
                self.event_at(Event::Touch, now_ms)
            }
            Intent::SetExpress(true) => self.express_to_card_address(now_ms),
            Intent::SetExpress(false) => self.event_at(Event::ChooseDelivery(Delivery::WindowPickup), now_ms),
            Intent::SetUrgent(on) => self.event_at(Event::SetUrgent(on), now_ms),
            Intent::Edit(step) => self.event_at(Event::Edit(step), now_ms),
            Intent::TextKey(key) => {
                if let Some(draft) = &mut self.address {
                    draft.typing = true;
                }
                let region = self.keyboard_region();
                let mut keyboard = std::mem::take(&mut self.keyboard);
                if let Some((text, max)) = self.text_target() {
                    keyboard.key(&key, text, max, Some(&region));
                }
                self.keyboard = keyboard;
                self.event_at(Event::Touch, now_ms)
            }
            Intent::PickCandidate(index) => {
                let region = self.keyboard_region();
                let mut keyboard = std::mem::take(&mut self.keyboard);
                if let Some((text, max)) = self.text_target() {
                    keyboard.pick(index, text, max, Some(&region));
                }
                self.keyboard = keyboard;
                self.event_at(Event::Touch, now_ms)
            }
            Intent::CandidatePage(delta) => {
                let region = self.keyboard_region();
                self.keyboard.turn_page(delta, Some(&region));
                self.event_at(Event::Touch, now_ms)
            }
            Intent::KeyMode(mode) => {
                self.keyboard.set_mode(super::text_entry::KeyMode::parse(&mode));
                self.event_at(Event::Touch, now_ms)
            }
            Intent::OpenAddress => {
                super::text_entry::warm_up();
                if self.session.step == Step::Review {
                    let applicant = self.session.data.applicant.as_ref();
                    let recipient = applicant.and_then(|a| a.name.clone()).unwrap_or_default();
                    let phone = self.session.data.form.get("phone").cloned().unwrap_or_default();
                    self.address = Some(super::address_entry::AddressDraft::at_county(
                        &self.config.kiosk.county,
                        &recipient,
                        &phone,
                    ));
                    self.keyboard = Default::default();
                }
                self.event_at(Event::Touch, now_ms)
            }
            Intent::AddressChoose(code) => {
                if let Some(draft) = &mut self.address {
                    draft.choose(&code);
                }
                self.event_at(Event::Touch, now_ms)
            }
            Intent::AddressPickPlace => {
                if let Some(draft) = &mut self.address {
                    draft.typing = false;
                }
                self.event_at(Event::Touch, now_ms)
            }
            Intent::AddressUp => {
                if let Some(draft) = &mut self.address {
                    draft.up();
                }
                self.event_at(Event::Touch, now_ms)
            }
            Intent::AddressField(index) => {
                if let Some(draft) = &mut self.address {
                    draft.type_into(index);
                    let mode = if draft.active == super::address_entry::PHONE {
                        super::text_entry::KeyMode::Digits
                    } else {
                        super::text_entry::KeyMode::Pinyin
                    };
                    self.keyboard.set_mode(mode);
                }
                self.event_at(Event::Touch, now_ms)
            }
            Intent::AddressFromCard => {
                let card_address = self.session.data.applicant.as_ref().and_then(|a| a.address.clone());
                if let (Some(draft), Some(address)) = (&mut self.address, card_address) {
                    draft.use_card_address(&address);
                }
                self.event_at(Event::Touch, now_ms)
            }
            Intent::AddressConfirm => {
                let confirmed = self.address.as_mut().and_then(|draft| draft.confirm());
                match (confirmed, super::text_entry::divisions()) {
                    (Some(address), Some(table)) => {
                        self.address = None;
                        self.keyboard = Default::default();
                        self.event_at(Event::ChooseDelivery(address.to_delivery(table)), now_ms)
                    }
                    _ => self.event_at(Event::Touch, now_ms),
                }
            }
            Intent::AddressCancel => {
                self.address = None;
                self.keyboard = Default::default();
                self.event_at(Event::Touch, now_ms)
            }
            Intent::CallStaff => {
                if !self.staff_called {
                    self.staff_called = true;
                    log::warn!("ATTENTION: a citizen asked for staff at step {:?}", self.session.step);
                    self.worker.send(Job::Audit {
                        action: "call-staff",
                        detail: format!("step {:?}", self.session.step),
                    });
                }
                self.event_at(Event::Touch, now_ms)
            }
            Intent::SimulatePaid => {
                // Simulated devices only: the lab server's payment sandbox pays the order,
                // as the citizen's phone would. With no central system at all (unit tests,
                // the bare app), the payment completes here.
                if self.simulated() && self.payment.has_central() {
                    self.payment.sandbox_pay();
                } else if self.simulated() {
                    let reference = format!("SIM-{}", uuid::Uuid::new_v4().simple());
                    self.event_at(Event::PaymentCompleted { reference }, now_ms)
                }
            }
            Intent::PaymentRetry => {
                self.payment.retry();
                self.event_at(Event::Touch, now_ms)
            }
            Intent::Appointment(action) => {
                let today = self.today();
                self.appointment.act(action, today, &self.catalogue);
                self.event_at(Event::Touch, now_ms)
            }
            Intent::OpenAppointment => {
                self.event_at(Event::OpenAppointment, now_ms);
                if self.session.step == Step::Appointment {
                    self.appointment.open();
                }
            }
            Intent::SupplyStart(receipt_no) => {
                let answer = self.lookup.answer().and_then(|a| a.as_ref().ok());
                let draft = answer.and_then(|a| super::supply::SupplyDraft::for_answer(a, &receipt_no));
                if self.session.step == Step::Progress && draft.is_some() {
                    self.supply = draft;
                    self.camera.restart();
                }
                self.event_at(Event::Touch, now_ms)
            }
            Intent::SupplySubmit => {
                let photos = self.camera.photos_for_upload();
                if let Some(draft) = self
                    .supply
                    .as_mut()
                    .filter(|d| d.state == super::supply::SupplyState::Capturing)
                {
                    if photos.is_empty() {
                        self.supply_error = Some(Message::MaterialsIncomplete);
                    } else {
                        draft.state = super::supply::SupplyState::Queueing;
                        self.supply_error = None;
                        self.worker.send(Job::QueueSupplement {
                            receipt_no: draft.receipt_no.clone(),
                            photos,
                        });
                    }
                }
                self.event_at(Event::Touch, now_ms)
            }
            Intent::SupplyClose => {
                self.supply = None;
                self.supply_error = None;
                self.camera.restart();
                self.event_at(Event::Touch, now_ms)
            }
            Intent::Consult(action) => {
                self.consult.act(action);
                self.event_at(Event::Touch, now_ms)
            }
            Intent::OpenConsult => {
                self.event_at(Event::OpenConsult, now_ms);
                if self.session.step == Step::Consult {
                    self.consult.forget();
                    self.keyboard = Default::default();
                    super::text_entry::warm_up();
                }
            }
            Intent::Technician(action) => self.on_technician(action, now_ms),
            Intent::Sim(action) => {
                if let Some(sim) = &mut self.sim {
                    sim.apply(action);
                }
            }
        }
    }

    /// The periodic clock (idle warning and wipe).
    pub fn tick_at(&mut self, now_ms: u64) {
        self.technician_tick(now_ms);
        self.event_at(Event::Tick, now_ms);
        self.scan_for_receipt();
    }

    /// On the progress page, waiting for a number: the newest preview frame goes to the QR
    /// decoder (one at a time).
    fn scan_for_receipt(&mut self) {
        let waiting = self.session.step == Step::Progress
            && self.supply.is_none()
            && !self.lookup.pending()
            && self.lookup.answer().is_none();
        if waiting {
            self.scanner.offer(self.camera.latest_preview());
        }
    }

    /// Takes everything the worker and the reader reported; true when anything arrived.
    pub fn take_inbox(&mut self) -> bool {
        let reports = self.inbox.drain();
        let any = !reports.is_empty();
        for report in reports {
            self.on_report(report);
        }
        any
    }

    /// Waits up to `timeout` for one report and takes it (tests and tools without a UI).
    pub fn wait_inbox(&mut self, timeout: Duration) -> bool {
        match self.inbox.wait(timeout) {
            Some(report) => {
                self.on_report(report);
                true
            }
            None => false,
        }
    }

    /// Installs the function that tells the UI thread a report is waiting.
    pub fn set_waker(&self, wake: impl Fn() + Send + 'static) {
        self.inbox.set_waker(wake);
    }

    fn on_report(&mut self, report: Inbound) {
        self.on_report_at(report, self.now_ms())
    }

    /// One report, at a given session time (tests pin the clock).
    pub(crate) fn on_report_at(&mut self, report: Inbound, now_ms: u64) {
        match report {
            Inbound::Reader(ReaderEvent::State(state)) => {
                self.reader_state = state;
                self.record_reader_health();
            }
            Inbound::Reader(ReaderEvent::CardRead(card)) if self.tech.is_active() => {
                self.technician_card(card);
            }
            Inbound::Reader(ReaderEvent::ReadFailed { detail, .. }) if self.tech.is_active() => {
                self.technician_read_failed(&detail)
            }
            Inbound::Camera(done) if self.tech.is_active() => self.technician_capture(done),
            Inbound::Technician(report) => self.technician_report(report),
            Inbound::Worker(done @ Completion::TechPrinted { .. }) => self.technician_printed(done),
            Inbound::Reader(ReaderEvent::CardRead(card)) if self.session.step == Step::Progress => {
                // Only the number is used, and only as a keyed hash on the wire.
                self.lookup.search_card(card.person().id);
                self.event_at(Event::Touch, now_ms)
            }
            Inbound::Reader(ReaderEvent::CardRead(card)) => {
                self.event_at(Event::CardRead(Box::new(card.person())), now_ms)
            }
            Inbound::Lookup(done) => self.lookup.finished(done),
            Inbound::Scan(done) => {
                if let Some(number) = self.scanner.finished(done) {
                    if self.session.step == Step::Progress && self.supply.is_none() && self.lookup.answer().is_none() {
                        log::info!("receipt QR read under the camera");
                        self.lookup.search_scanned(number);
                        self.event_at(Event::Touch, now_ms);
                    }
                } else {
                    self.scan_for_receipt();
                }
            }
            Inbound::Payment(report) => {
                let next = self.payment.finished(report);
                if let (super::payment::PaymentNext::Completed(reference), Step::Payment) = (next, self.session.step) {
                    self.event_at(Event::PaymentCompleted { reference }, now_ms)
                }
            }
            Inbound::Appointment(report) => {
                if let Some(job) = self.appointment.finished(report, &self.catalogue, self.session.lang) {
                    self.worker.send(job);
                }
            }
            Inbound::Consult(report) => self.consult.finished(report),
            Inbound::Reader(ReaderEvent::ReadFailed { key, .. }) => self.event_at(Event::CardFailed(key), now_ms),
            Inbound::CameraOpened(opened) => self.camera.opened(opened),
            Inbound::Camera(done) => {
                if let Some(Ok(code)) = self.camera.finished(done) {
                    // The session refers to the photo; the bytes stay here until submit.
                    let photo = format!("photo:{code}");
                    self.event_at(Event::MaterialCaptured { code, photo }, now_ms)
                }
            }
            Inbound::Gpio(report) => {
                if let super::gpio_service::GpioReport::Screen(screen) = &report {
                    self.note_screen(*screen, now_ms);
                }
                self.gpio.on_report(report)
            }
            Inbound::Worker(Completion::Submitted(Ok(receipt))) => self.event_at(Event::Submitted(receipt), now_ms),
            Inbound::Worker(Completion::Submitted(Err(message))) => self.event_at(Event::SubmitFailed(message), now_ms),
            Inbound::Worker(Completion::ReceiptPreview(bitmap)) => {
                // A preview that arrives after the session was wiped belongs to nobody.
                if self.session.data.receipt.is_some() {
                    self.receipt_preview = Some(bitmap);
                }
            }
            Inbound::Worker(Completion::SlipPrinted(outcome)) => {
                self.record_print_health(&outcome);
                self.appointment.slip_printed(&outcome)
            }
            Inbound::Worker(Completion::SupplementQueued(queued)) => {
                if let Some(draft) = &mut self.supply {
                    draft.state = match queued {
                        Ok(()) => super::supply::SupplyState::Queued,
                        Err(_) => super::supply::SupplyState::Failed,
                    };
                    // The photos are in the queue (sealed) or not kept at all.
                    self.camera.forget();
                }
            }
            Inbound::Worker(Completion::Printed(outcome)) => {
                if let PrintOutcome::ShowQrInstead { reason, .. } = &outcome {
                    log::warn!("receipt not printed: {reason}");
                }
                self.gpio.note_print(&outcome);
                self.record_print_health(&outcome);
                let printed = matches!(outcome, PrintOutcome::Printed { .. });
                self.event_at(if printed { Event::Printed } else { Event::PrintFailed }, now_ms)
            }
        }
    }

    /// Feeds one session event through the state machine and carries out its effects.
    pub fn event_at(&mut self, event: Event, now_ms: u64) {
        self.clock_ms = now_ms;
        let citizen_did_something = !matches!(event, Event::Tick);
        let before = self.session.step;
        let elderly_before = self.session.elderly;
        let moment = voice::moment_of(&event);
        let session = std::mem::replace(&mut self.session, Session::new(Lang::Zh, false, Default::default(), 0));
        let (session, effects) = handle(session, event, now_ms);
        self.session = session;
        if self.session.elderly != elderly_before {
            self.session.timeouts = self.config.session_timeouts(self.session.elderly);
        }
        if self.session.step == Step::Form && before != Step::Form {
            self.form_draft = self.session.data.form.clone();
            self.active_field = 0;
            let has_text = self.session.data.plan.as_ref().is_some_and(|plan| {
                plan.fields
                    .values()
                    .any(|spec| matches!(spec.kind, FieldKind::Text { .. }))
            });
            if has_text {
                super::text_entry::warm_up();
            }
        }
        // The camera runs on the materials page, and on the progress page (a receipt's QR
        // code held under it is read; 补交材料 photographs there).
        let wants_camera = |step| matches!(step, Step::Materials | Step::Progress);
        if wants_camera(self.session.step) && !wants_camera(before) {
            self.camera.open();
        } else if wants_camera(before) && !wants_camera(self.session.step) {
            self.camera.close();
        }
        if self.session.step == Step::Review && before != Step::Review {
            // Free delivery may need an address typed in pinyin: load the engine now, off
            // the UI thread, so it is ready when the address page opens (not at start-up,
            // where its 12 MB would sit idle).
            super::text_entry::warm_up();
        }
        for effect in effects {
            self.carry_out(effect);
        }
        self.publish_gpio(citizen_did_something);
        self.speak_after(moment);
    }

    fn carry_out(&mut self, effect: Effect) {
        match effect {
            Effect::StartCardReader => {
                if let Some(reader) = &self.reader {
                    reader.start_reading();
                }
            }
            Effect::StopCardReader => {
                if let Some(reader) = &self.reader {
                    reader.stop_reading();
                }
            }
            Effect::WipePersonalData => self.wipe(),
            Effect::ShowIdleWarning { .. } | Effect::HideIdleWarning => {}
            Effect::CreatePayment { fen } => {
                let item = self.session.data.plan.as_ref().map(|p| p.item.code.clone());
                if let (Some(item), true) = (item, self.payment.has_central()) {
                    if let super::payment::PaymentNext::Completed(reference) = self.payment.start(&item, fen) {
                        let now_ms = self.clock_ms;
                        self.event_at(Event::PaymentCompleted { reference }, now_ms)
                    }
                }
            }
            Effect::CancelPayment => self.payment.cancel(),
            Effect::RecordRating {
                stars,
                reasons,
                receipt_no,
            } => {
                self.worker.send(Job::Audit {
                    action: "rating",
                    detail: format!("{stars} stars, {} reasons", reasons.len()),
                });
                let codes = reasons.iter().map(|r| r.code().to_string()).collect();
                self.feedback.rate(stars, codes, receipt_no);
            }
            Effect::SubmitApplication => self.submit(),
            Effect::PrintReceipt => {
                if let Some(receipt) = self.session.data.receipt.clone() {
                    self.worker.send(Job::PrintReceipt {
                        receipt: Box::new(receipt),
                        lang: self.lang(),
                    });
                }
            }
        }
    }

    fn wipe(&mut self) {
        self.typed_id.clear();
        self.form_draft.clear();
        self.active_field = 0;
        self.receipt_preview = None;
        self.submission_key = None;
        self.staff_called = false;
        self.keyboard = Default::default();
        self.address = None;
        self.promising = None;
        self.promise_error = None;
        self.supply = None;
        self.supply_error = None;
        self.camera.forget();
        self.lookup.reset();
        self.scanner.reset();
        self.payment.forget();
        self.appointment.forget();
        self.consult.forget();
        self.voice.forget();
        self.current_category = self
            .catalogue
            .categories
            .first()
            .map(|c| c.code.clone())
            .unwrap_or_default();
        if let Some(reader) = &self.reader {
            reader.stop_reading();
        }
    }

    /// Hands the application to the worker; the outcome comes back as `Submitted` or
    /// `SubmitFailed`. A retry after a failure reuses the first attempt's UUID, so the store
    /// and the central system see one application, not two.
    fn submit(&mut self) {
        let now_ms = self.clock_ms;
        let data = &self.session.data;
        let (Some(plan), Some(applicant)) = (&data.plan, &data.applicant) else {
            return self.event_at(Event::SubmitFailed(Message::SubmitIncomplete), now_ms);
        };
        let uuid = self
            .submission_key
            .get_or_insert_with(|| uuid::Uuid::new_v4().to_string())
            .clone();
        let application = Application {
            uuid,
            item_code: plan.item.code.clone(),
            applicant: applicant.clone(),
            agent: data.agent.clone(),
            form: data.form.clone(),
            materials: data.materials.clone(),
            delivery: data.delivery.clone(),
            urgent: data.urgent,
            payment: data.payment.clone(),
            submitted_on: self.today(),
        };
        let problems = application.problems(&self.catalogue, &plan.item);
        if !problems.is_empty() {
            log::warn!("application refused before storing: {problems:?}");
            return self.event_at(Event::SubmitFailed(Message::SubmitIncomplete), now_ms);
        }
        let photos = self.camera.photos_for_upload();
        self.worker.send(Job::Submit {
            application: Box::new(application),
            photos,
        });
    }

    fn express_to_card_address(&mut self, now_ms: u64) {
        let Some(applicant) = &self.session.data.applicant else {
            return;
        };
        let (Some(name), Some(address)) = (applicant.name.clone(), applicant.address.clone()) else {
            return;
        };
        let phone = self.session.data.form.get("phone").cloned().unwrap_or_default();
        self.event_at(
            Event::ChooseDelivery(Delivery::Express {
                recipient: name,
                phone,
                address,
            }),
            now_ms,
        )
    }

    /// The text the on-screen keyboard edits now: a field of the address being entered, or
    /// the form's active field.
    fn text_target(&mut self) -> Option<(&mut String, usize)> {
        if self.address.is_some() {
            let draft = self.address.as_mut()?;
            let active = draft.active;
            return Some(draft.field_mut(active));
        }
        if self.session.step == Step::Consult {
            return self.consult.text_mut();
        }
        if self.session.step != Step::Form {
            return None;
        }
        let (code, max) = self.field_at(self.active_field)?;
        let draft = &mut self.form_draft;
        Some((draft.entry(code).or_default(), max))
    }

    /// The specification of the form's field at `index`.
    fn field_spec_at(&self, index: usize) -> Option<&crate::domain::catalogue::FieldSpec> {
        let plan = self.session.data.plan.as_ref()?;
        plan.fields.get(plan.item.fields.get(index)?)
    }

    /// The code and the input limit of the form's field at `index`.
    fn field_at(&self, index: usize) -> Option<(String, usize)> {
        let plan = self.session.data.plan.as_ref()?;
        let code = plan.item.fields.get(index)?;
        if plan.item.preset.contains_key(code) {
            return None; // decided by the chosen item: locked
        }
        let max = plan.fields.get(code).map_or(0, |spec| input_limit(&spec.kind));
        Some((code.clone(), max))
    }

    /// Shows a receipt as if it had just been stored and printed (screenshots, the gallery):
    /// renders the preview on the calling thread.
    pub fn stage_receipt(&mut self, receipt: Receipt, print: PrintState, profile: &PrinterProfile) {
        let font = ReceiptFont::locate().ok().map(Arc::new);
        if let Ok((bytes, _)) = super::printing::receipt_job(&receipt, self.lang(), profile, font.as_deref()) {
            self.receipt_preview = Some(super::printing::paper_preview(&bytes, profile, font));
        }
        self.session.data.receipt = Some(receipt);
        self.session.data.print = print;
        self.session.step = Step::Receipt;
    }

    /// Shows the submitting step (screenshots).
    pub fn stage_submitting(&mut self) {
        self.session.step = Step::Submitting;
    }
}

/// How many characters the keypad accepts for a field of this kind.
pub fn input_limit(kind: &FieldKind) -> usize {
    match kind {
        FieldKind::Phone => 11,
        FieldKind::Date => 8,
        FieldKind::IdNumber | FieldKind::CreditCode => 18,
        FieldKind::Number { max, .. } => max.to_string().len(),
        FieldKind::Text { max_chars } => *max_chars,
        FieldKind::Choice { .. } => 0,
    }
}

/// Applies a keypad key to a buffer: digits/letters append, DEL deletes, length capped.
fn edit(buffer: &mut String, key: &str, max: usize) {
    if key == "DEL" {
        buffer.pop();
    } else if key == "CLEAR" {
        buffer.clear();
    } else if buffer.chars().count() < max {
        buffer.push_str(key);
    }
}

pub mod attract;
mod gpio;
mod health;
mod technician;
#[cfg(test)]
mod tests;
mod voice;
