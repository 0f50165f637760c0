//! The kiosk application without any UI toolkit. `KioskApp` owns the session state machine,
//! the catalogue, the card reader and the simulator controls; the worker (its own thread)
//! owns the store and the printer. The UI sends [`Intent`]s, reads what to show through
//! `app::view`, and calls [`KioskApp::take_inbox`] when the worker or the reader reported
//! something. Nothing here blocks: the UI thread never waits for I/O. Tests drive it directly.

use super::camera::CameraReport;
use super::inbox::{Inbound, Inbox, InboxReceiver};
use super::intent::Intent;
use super::journey::Journey;
use super::printing::PrintOutcome;
use super::progress::Progress;
use super::shared::Shared;
use super::sim_controls::SimControls;
use super::worker::{Completion, Job, SharedPrinter, Worker, WorkerSetup};
use crate::config::Config;
use crate::devices::card_reader::{CardReader, ReaderEvent, ReaderState};
use crate::devices::printer::font::ReceiptFont;
use crate::devices::printer::profile::PrinterProfile;
use crate::domain::catalogue::{Catalogue, Text};
use crate::domain::session::{handle, Effect, Event, Session, Step};
use crate::domain::Lang;
use crate::storage::Store;
use std::sync::Arc;
use std::time::Duration;

/// How long 已通知工作人员 shows on the welcome page (no session ends there to clear it).
const STAFF_CALL_MS: u64 = 5 * 60_000;

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
    /// What every feature may touch: session, configuration, worker, camera, keyboard.
    shared: Shared,
    reader_state: ReaderState,
    reader: Option<Box<dyn CardReader>>,
    sim: Option<SimControls>,
    inbox: InboxReceiver,
    /// The citizen asked for staff (cleared with the session, or after a while on the
    /// welcome page, where no session ends).
    staff_called: bool,
    staff_called_at: u64,
    /// 退出办理? is on screen (cleared by any change of page and with the session).
    exit_asked: bool,
    // ---- the features' controllers ----
    /// 办事: service, ID, form, materials, delivery address, submission.
    journey: Journey,
    /// 查询进度 and 补交材料.
    progress: Progress,
    /// 缴费: the session's payment order at the central system.
    payment: super::payment::PaymentDesk,
    /// 预约: the slots shown, the choice and the booking made.
    appointment: super::appointment::AppointmentDesk,
    consult: super::consult::ConsultDesk,
    /// 好差评 to the central system.
    feedback: super::feedback::Feedback,
    /// The GPIO's end in the app: LED signals out, screen wake/dim and paper-low in.
    gpio: super::gpio_service::GpioLink,
    /// Spoken prompts: the speaker, the citizen's choice, what was last said about.
    voice: super::voice::VoiceGuide,
    /// 技术人员维护: the hidden gesture, the PIN and the technician's tabs.
    tech: super::technician_desk::TechDesk,
    /// Tells the image's update agent whether a citizen is here (it installs only when not).
    idle_flag: super::firmware::IdleFlag,
    /// The attract loop: the session clock of the last input, and of the GPIO's dimming.
    attract: super::attract::Attract,
    /// 请取回身份证: a card left on the reader after the receipt or the session's end.
    card_reminder: super::card_reminder::CardReminder,
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
        let lookup = super::lookup::ProgressLookup::new(
            parts.central.clone(),
            Some(inbox.reporter(Inbound::Lookup)),
            &config.kiosk.receipt_prefix,
        );
        let scanner = super::receipt_scan::ReceiptScanner::new(Some(inbox.reporter(Inbound::Scan)));
        let worker = Worker::spawn(
            WorkerSetup {
                store: parts.store,
                printer: parts.printer,
                profile: parts.profile,
                font: ReceiptFont::shared(),
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
        let reader_state = parts
            .reader
            .as_ref()
            .map_or(ReaderState::Connecting, |reader| reader.state());
        let central = parts.central;
        KioskApp {
            journey: Journey::new(&catalogue),
            progress: Progress::new(lookup, scanner),
            payment: super::payment::PaymentDesk::new(central.clone(), Some(inbox.reporter(Inbound::Payment))),
            appointment: super::appointment::AppointmentDesk::new(
                central.clone(),
                Some(inbox.reporter(Inbound::Appointment)),
            ),
            consult: super::consult::ConsultDesk::new(central.clone(), Some(inbox.reporter(Inbound::Consult))),
            feedback: super::feedback::Feedback::new(central),
            tech: super::technician_desk::TechDesk::new(
                config.kiosk.state_dir.clone(),
                parts.config_paths.clone(),
                Some(inbox.reporter(Inbound::Technician)),
            ),
            voice: super::voice::VoiceGuide::new(parts.voice, config.voice.enabled, elderly),
            shared: Shared::new(config, catalogue, session, worker, camera)
                .simulated(parts.sim.is_some())
                .with_keyboard_for_lang(),
            reader_state,
            reader: parts.reader,
            sim: parts.sim,
            inbox: receiver,
            staff_called: false,
            staff_called_at: 0,
            exit_asked: false,
            gpio: Default::default(),
            attract: Default::default(),
            card_reminder: Default::default(),
            idle_flag: super::firmware::IdleFlag::from_env(),
        }
    }

    // ---- intents: each goes to the feature it names ------------------------------------------

    pub fn handle(&mut self, intent: Intent) {
        self.handle_at(intent, self.now_ms());
    }

    pub fn handle_at(&mut self, intent: Intent, now_ms: u64) {
        self.attract.note_input(now_ms);
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
        let s = &mut self.shared;
        match intent {
            Intent::Session(event) => s.push(event),
            Intent::Start => s.push(Event::Start { today: s.today() }),
            Intent::SetLanguage(lang) => s.push(Event::SetLanguage(lang)),
            Intent::ToggleLanguage => s.push(Event::SetLanguage(match s.lang() {
                Lang::Zh => Lang::En,
                Lang::En => Lang::Zh,
            })),
            Intent::SetElderly(on) => s.push(Event::SetElderly(on)),
            Intent::ToggleVoice => {
                self.voice.toggle(self.shared.session.elderly);
                self.shared.touch()
            }
            Intent::Touch if s.session.warning_since_ms.is_none() => s.touch(),
            Intent::Touch => {}
            Intent::CallStaff => self.call_staff(now_ms),
            Intent::CardTaken => {
                self.card_reminder.dismiss();
                s.touch()
            }
            Intent::AskExit(ask) => {
                self.exit_asked = ask && s.session.step != Step::Welcome;
                s.touch()
            }
            Intent::Journey(intent) => self.journey.on_intent(intent, s),
            Intent::Address(intent) => self.journey.on_address(intent, s),
            Intent::Keys(intent) => self.on_keyboard(intent),
            Intent::Progress(intent) => self.progress.on_intent(intent, s),
            Intent::Payment(intent) => self.payment.on_intent(intent, s),
            Intent::OpenAppointment => {
                s.push(Event::OpenAppointment);
                self.run_events(now_ms);
                return self.appointment.on_opened(&self.shared);
            }
            Intent::Appointment(action) => self.appointment.on_intent(action, s),
            Intent::OpenConsult => {
                s.push(Event::OpenConsult);
                self.run_events(now_ms);
                return self.consult.on_opened(&mut self.shared);
            }
            Intent::Consult(action) => {
                self.consult.act(action);
                s.touch()
            }
            Intent::Technician(action) => return self.on_technician(action, now_ms),
            Intent::Sim(action) => {
                if let Some(sim) = &mut self.sim {
                    sim.apply(action);
                }
            }
        }
        self.run_events(now_ms);
    }

    /// Feeds the events the controllers queued through the session, in order, then lets
    /// each controller finish what waited on them.
    fn run_events(&mut self, now_ms: u64) {
        while let Some(event) = self.shared.next_event() {
            self.event_at(event, now_ms);
        }
        self.journey.after_events(&self.shared);
    }

    /// The periodic clock (idle warning and wipe).
    pub fn tick_at(&mut self, now_ms: u64) {
        self.technician_tick(now_ms);
        self.card_reminder.tick(now_ms);
        if self.staff_called
            && self.shared.session.step == Step::Welcome
            && now_ms.saturating_sub(self.staff_called_at) >= STAFF_CALL_MS
        {
            self.staff_called = false;
            self.publish_gpio(false);
        }
        self.event_at(Event::Tick, now_ms);
        self.progress.scan_for_receipt(&self.shared);
        let idle = self.shared.session.step == Step::Welcome && !self.card_reminder.showing() && !self.tech.is_active();
        self.idle_flag.publish(idle, crate::storage::now_unix());
    }

    /// Where the kiosk says it is idle (tests; `kiosk run` takes `$RUNTIME_DIRECTORY`).
    pub fn set_idle_flag(&mut self, flag: super::firmware::IdleFlag) {
        self.idle_flag = flag;
    }

    /// The soak bench's fast-forward of the session clock (an idle wipe, the attract loop).
    pub fn warp_clock(&mut self, by: Duration) {
        self.shared.warp_clock(by);
    }

    // ---- reports from the worker, the devices and the central system ------------------------

    /// Takes everything the worker and the reader reported; true when anything arrived.
    pub fn take_inbox(&mut self) -> bool {
        !self.take_inbox_kinds().is_empty()
    }

    /// Takes everything reported, as [`KioskApp::take_inbox`]; the kinds taken, in order.
    pub fn take_inbox_kinds(&mut self) -> Vec<&'static str> {
        let reports = self.inbox.drain();
        let kinds = reports.iter().map(Inbound::kind).collect();
        for report in reports {
            self.on_report(report);
        }
        kinds
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
        if self.tech.is_active() && Self::technician_takes(&report) {
            return self.technician_report_in(report);
        }
        let s = &mut self.shared;
        match report {
            Inbound::Technician(report) => self.tech.on_report(report, &s.config),
            Inbound::Reader(event) => self.on_reader(event),
            Inbound::Lookup(done) => self.progress.on_lookup(done),
            Inbound::Scan(done) => self.progress.on_scan(done, s),
            Inbound::Payment(report) => self.payment.on_report(report, s),
            Inbound::Appointment(report) => self.appointment.on_report(report, s),
            Inbound::Consult(report) => self.consult.finished(report),
            Inbound::CameraOpened(opened) => {
                s.camera.opened(opened);
                self.record_camera_health()
            }
            Inbound::Camera(done) => {
                if let Some(Ok(code)) = s.camera.finished(done) {
                    // The session refers to the photo; the bytes stay here until submit.
                    let photo = format!("photo:{code}");
                    s.push(Event::MaterialCaptured { code, photo })
                }
            }
            Inbound::Gpio(report) => self.on_gpio(report, now_ms),
            Inbound::Worker(done) => self.on_worker(done),
        }
        self.run_events(now_ms);
    }

    fn on_reader(&mut self, event: ReaderEvent) {
        let s = &mut self.shared;
        match event {
            ReaderEvent::State(state) => {
                self.reader_state = state;
                self.record_reader_health();
            }
            ReaderEvent::CardRead(card) if s.session.step == Step::Progress => {
                self.card_reminder.card_read();
                self.progress.on_card(card.person().id, s)
            }
            ReaderEvent::CardRead(card) => {
                self.card_reminder.card_read();
                s.push(Event::CardRead(Box::new(card.person())))
            }
            ReaderEvent::ReadFailed { key, .. } => s.push(Event::CardFailed(key)),
            ReaderEvent::CardLifted => {
                if self.card_reminder.lifted() {
                    log::info!("the citizen took the ID card");
                }
            }
        }
    }

    fn on_worker(&mut self, done: Completion) {
        let s = &mut self.shared;
        match done {
            Completion::Submitted(Ok(receipt)) => s.push(Event::Submitted(receipt)),
            Completion::Submitted(Err(message)) => s.push(Event::SubmitFailed(message)),
            Completion::ReceiptPreview(bitmap) => self.journey.on_receipt_preview(bitmap, s),
            Completion::SlipPrinted(outcome) => {
                self.record_print_health(&outcome);
                self.appointment.slip_printed(&outcome)
            }
            Completion::SupplementQueued(queued) => self.progress.on_supplement_queued(queued, s),
            Completion::Printed(outcome) => {
                if let PrintOutcome::ShowQrInstead { reason, .. } = &outcome {
                    log::warn!("receipt not printed: {reason}");
                }
                self.gpio.note_print(&outcome);
                self.record_print_health(&outcome);
                let printed = matches!(outcome, PrintOutcome::Printed { .. });
                self.remind_card(self.shared.clock_ms);
                self.shared
                    .push(if printed { Event::Printed } else { Event::PrintFailed })
            }
            done @ Completion::TechPrinted { .. } => self.technician_printed(done),
        }
    }

    // ---- the session: events in, effects out ----------------------------------------------

    /// Feeds one session event through the state machine and carries out its effects.
    pub fn event_at(&mut self, event: Event, now_ms: u64) {
        self.shared.clock_ms = now_ms;
        let citizen_did_something = !matches!(event, Event::Tick | Event::PayableUntil(_));
        let before = self.shared.session.step;
        let elderly_before = self.shared.session.elderly;
        let lang_before = self.shared.session.lang;
        let moment = super::voice::moment_of(&event);
        let placeholder = Session::new(Lang::Zh, false, Default::default(), 0);
        let session = std::mem::replace(&mut self.shared.session, placeholder);
        let (session, effects) = handle(session, event, now_ms);
        self.shared.session = session;
        if self.shared.session.elderly != elderly_before {
            self.shared.session.timeouts = self.shared.config.session_timeouts(self.shared.session.elderly);
        }
        if self.shared.session.lang != lang_before {
            self.shared.keyboard.follow_lang(self.shared.session.lang);
        }
        self.on_step(before);
        for effect in effects {
            self.carry_out(effect);
        }
        // Events an effect queued (a payment already paid, a refused submission) run now.
        while let Some(event) = self.shared.next_event() {
            self.event_at(event, now_ms);
        }
        self.publish_gpio(citizen_did_something);
        let page = if self.journey.address.is_some() {
            super::page::PageId::Address
        } else {
            super::page::PageId::of(self.shared.session.step)
        };
        self.voice.speak_after(moment, &self.shared.session, page);
    }

    /// The session moved from `before` to its current step (or stayed).
    fn on_step(&mut self, before: Step) {
        let step = self.shared.session.step;
        if step != before {
            self.exit_asked = false;
        }
        self.journey.on_step(before, &self.shared);
        // The camera runs on the materials page, and on the progress page (a receipt's QR
        // code held under it is read; 补交材料 photographs there).
        let wants_camera = |step| matches!(step, Step::Materials | Step::Progress);
        if wants_camera(step) && !wants_camera(before) {
            self.shared.camera.open();
        } else if wants_camera(before) && !wants_camera(step) {
            self.shared.camera.close();
        }
        if step == Step::Review && before != Step::Review {
            // Free delivery may need an address typed in pinyin: load the engine now, off
            // the UI thread, so it is ready when the address page opens (not at start-up,
            // where its 12 MB would sit idle).
            super::text_entry::warm_up();
        }
    }

    fn carry_out(&mut self, effect: Effect) {
        let s = &mut self.shared;
        match effect {
            Effect::StartCardReader => self.reader.iter().for_each(|reader| reader.start_reading()),
            Effect::StopCardReader => self.stop_reader(),
            Effect::WipePersonalData => self.wipe(),
            Effect::ShowIdleWarning { .. } | Effect::HideIdleWarning => {}
            Effect::CreatePayment { fen } => self.payment.on_create(fen, s),
            Effect::CancelPayment => self.payment.cancel(),
            Effect::RecordRating {
                stars,
                reasons,
                receipt_no,
            } => {
                s.worker.send(Job::Audit {
                    action: "rating",
                    detail: format!("{stars} stars, {} reasons", reasons.len()),
                });
                let codes = reasons.iter().map(|r| r.code().to_string()).collect();
                self.feedback.rate(stars, codes, receipt_no);
            }
            Effect::SubmitApplication => self.journey.submit(s),
            Effect::PrintReceipt => {
                if let Some(receipt) = s.session.data.receipt.clone() {
                    let lang = s.lang();
                    s.worker.send(Job::PrintReceipt {
                        receipt: Box::new(receipt),
                        lang,
                    });
                }
            }
        }
    }

    /// The session ended: every feature forgets the citizen.
    fn wipe(&mut self) {
        self.journey.wipe(&self.shared.catalogue);
        self.progress.wipe();
        self.staff_called = false;
        self.exit_asked = false;
        self.shared.keyboard = crate::app::text_entry::Keyboard::for_lang(self.shared.session.lang);
        self.shared.camera.forget();
        self.payment.forget();
        self.appointment.forget();
        self.consult.forget();
        self.voice.wipe();
        self.stop_reader();
        self.remind_card(self.shared.clock_ms);
    }

    /// The reader stops reading; a card read this session is then watched until it is taken.
    fn stop_reader(&mut self) {
        if let Some(reader) = &self.reader {
            reader.stop_reading();
        }
        let watching = self.reader.as_ref().is_some_and(|reader| reader.watch_for_lift());
        self.card_reminder.reader_stopped(watching);
    }

    /// The receipt is out or the session ended: 请取回身份证 if the card is still there.
    fn remind_card(&mut self, now_ms: u64) {
        if self.card_reminder.remind(now_ms) {
            self.voice.remind(crate::app::voice_prompts::Cue::TakeCard);
        }
    }

    /// 请取回身份证 is on screen.
    pub fn card_reminder(&self) -> &super::card_reminder::CardReminder {
        &self.card_reminder
    }

    /// Whether the kiosk has a speaker (`[voice] enabled`): the 语音播报 switch shows.
    pub fn voice_available(&self) -> bool {
        self.voice.available()
    }

    /// Whether prompts are spoken now.
    pub fn voice_on(&self) -> bool {
        self.voice.on(self.shared.session.elderly)
    }

    /// The slide the attract loop shows now; `None` while someone is there.
    pub fn attract_slide(&self) -> Option<usize> {
        let idle = self.shared.session.step == Step::Welcome && !self.tech.is_active();
        self.attract.slide(idle, self.shared.clock_ms, self.gpio.screen())
    }

    fn call_staff(&mut self, now_ms: u64) {
        let s = &mut self.shared;
        if !self.staff_called {
            self.staff_called = true;
            self.staff_called_at = now_ms;
            log::warn!("ATTENTION: a citizen asked for staff at step {:?}", s.session.step);
            s.worker.send(Job::Audit {
                action: "call-staff",
                detail: format!("step {:?}", s.session.step),
            });
        }
        s.touch()
    }
}

mod gpio;
mod health;
mod keys;
mod read;
mod stage;
mod technician;
#[cfg(test)]
mod tests;
