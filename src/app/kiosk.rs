//! The kiosk application without any UI toolkit: owns the session state machine, the
//! catalogue, the store and the devices, carries out the session's effects, and hands the
//! UI shell the few things that must run elsewhere (printing on its own thread). The UI
//! layer renders `KioskApp`'s state; tests drive it directly.

use super::printing::{receipt_job, PrintOutcome};
use crate::config::Config;
use crate::devices::card_reader::{CardReader, ReaderEvent, ReaderState};
use crate::devices::printer::font::ReceiptFont;
use crate::devices::printer::profile::PrinterProfile;
use crate::domain::application::{Application, Delivery};
use crate::domain::calendar::{Date, WorkCalendar};
use crate::domain::catalogue::{Catalogue, Text};
use crate::domain::receipt::{Receipt, ReceiptContext};
use crate::domain::session::{handle, Effect, Event, ItemPlan, Session, Step};
use crate::domain::Lang;
use crate::storage::Store;
use std::time::Instant;

/// Work the shell must do off the UI thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShellTask {
    /// Send this ESC/POS job to the printer; report with [`KioskApp::print_finished`].
    Print {
        print_job: i64,
        receipt_no: String,
        bytes: Vec<u8>,
    },
}

pub struct KioskApp {
    pub config: Config,
    pub catalogue: Catalogue,
    pub calendar: WorkCalendar,
    pub session: Session,
    pub reader_state: ReaderState,
    pub printer_profile: PrinterProfile,
    pub simulated: bool,
    /// Wiped with the session: the keypad buffers and the printed receipt's job.
    pub typed_id: String,
    pub active_field: i32,
    pub form_draft: crate::domain::application::FormValues,
    pub receipt_preview: Option<crate::devices::printer::raster::Bitmap>,
    store: Option<Store>,
    reader: Option<Box<dyn CardReader>>,
    /// Loaded once: the encoder draws rare characters with it, the preview draws the paper.
    font: Option<std::sync::Arc<ReceiptFont>>,
    started: Instant,
    today_override: Option<Date>,
    /// The session clock at the last event (what countdowns are shown against).
    pub clock_ms: u64,
}

impl KioskApp {
    pub fn new(
        config: Config,
        catalogue: Catalogue,
        store: Option<Store>,
        reader: Option<Box<dyn CardReader>>,
        printer_profile: PrinterProfile,
        simulated: bool,
    ) -> KioskApp {
        let timeouts = config.session_timeouts(config.ui.elderly_mode_default);
        let session = Session::new(config.ui.default_language, config.ui.elderly_mode_default, timeouts, 0);
        KioskApp {
            calendar: config.work_calendar(),
            config,
            catalogue,
            session,
            reader_state: ReaderState::Connecting,
            printer_profile,
            simulated,
            typed_id: String::new(),
            active_field: 0,
            form_draft: Default::default(),
            receipt_preview: None,
            store,
            reader,
            font: ReceiptFont::locate().ok().map(std::sync::Arc::new),
            started: Instant::now(),
            today_override: None,
            clock_ms: 0,
        }
    }

    /// Pins "today" (screenshots and tests).
    pub fn set_today(&mut self, today: Date) {
        self.today_override = Some(today);
    }

    pub fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    pub fn today(&self) -> Date {
        self.today_override
            .unwrap_or_else(|| Date::from_unix_china(crate::storage::now_unix()))
    }

    pub fn lang(&self) -> Lang {
        self.session.lang
    }

    /// Feeds one event through the state machine and carries out its effects.
    pub fn dispatch(&mut self, event: Event) -> Vec<ShellTask> {
        self.dispatch_at(event, self.now_ms())
    }

    pub fn dispatch_at(&mut self, event: Event, now_ms: u64) -> Vec<ShellTask> {
        self.clock_ms = now_ms;
        let before = self.session.step;
        let elderly_before = self.session.elderly;
        let session = std::mem::replace(&mut self.session, Session::new(Lang::Zh, false, Default::default(), 0));
        let (session, effects) = handle(session, event, now_ms);
        self.session = session;
        if self.session.elderly != elderly_before {
            self.session.timeouts = self.config.session_timeouts(self.session.elderly);
        }
        if self.session.step == Step::Form && before != Step::Form {
            self.form_draft = self.session.data.form.clone();
            self.active_field = 0;
        }
        let mut tasks = Vec::new();
        for effect in effects {
            tasks.extend(self.carry_out(effect, now_ms));
        }
        tasks
    }

    fn carry_out(&mut self, effect: Effect, now_ms: u64) -> Vec<ShellTask> {
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
                log::info!("payment order for {fen} fen (simulated until the central payment issue)")
            }
            Effect::CancelPayment => log::info!("payment cancelled"),
            Effect::RecordRating(stars) => {
                if let Some(store) = &mut self.store {
                    let _ = store.audit("kiosk", "rating", &format!("{stars} stars"));
                }
            }
            Effect::SubmitApplication => return self.submit(now_ms),
            Effect::PrintReceipt => return self.print_task(),
        }
        Vec::new()
    }

    fn wipe(&mut self) {
        self.typed_id.clear();
        self.form_draft.clear();
        self.active_field = 0;
        self.receipt_preview = None;
        if let Some(reader) = &self.reader {
            reader.stop_reading();
        }
    }

    fn site_name(&self) -> Text {
        Text {
            zh: self.config.kiosk.site_name.clone(),
            en: self.config.kiosk.site_name_en.clone(),
        }
    }

    fn submit(&mut self, now_ms: u64) -> Vec<ShellTask> {
        let data = &self.session.data;
        let (Some(plan), Some(applicant)) = (&data.plan, &data.applicant) else {
            return self.dispatch_at(Event::SubmitFailed("submit.error.incomplete"), now_ms);
        };
        let application = Application {
            uuid: uuid::Uuid::new_v4().to_string(),
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
            return self.dispatch_at(Event::SubmitFailed("submit.error.incomplete"), now_ms);
        }
        // Before storing: a receipt must never go out without its progress token.
        let progress_key = match super::progress::ProgressKey::load_or_create(&self.config.kiosk.state_dir) {
            Ok(key) => key,
            Err(e) => {
                log::error!("cannot load the progress key: {e}");
                return self.dispatch_at(Event::SubmitFailed("submit.error.storage"), now_ms);
            }
        };
        let prefix = self.config.kiosk.receipt_prefix.clone();
        let stored = match &mut self.store {
            Some(store) => store.submit(&application, &[], &prefix, crate::storage::now_unix()),
            None => Err(crate::storage::StorageError::NotFound("no store".into())),
        };
        match stored {
            Ok(number) => {
                log::info!("application stored: {}", application.masked_summary());
                let context = ReceiptContext {
                    catalogue: &self.catalogue,
                    calendar: &self.calendar,
                    site_name: self.site_name(),
                    progress_base_url: &self.config.central.progress_url,
                };
                let token = progress_key.token(&number);
                match Receipt::for_application(&application, number, &token, &context) {
                    Some(receipt) => self.dispatch_at(Event::Submitted(Box::new(receipt)), now_ms),
                    None => self.dispatch_at(Event::SubmitFailed("submit.error.storage"), now_ms),
                }
            }
            Err(e) => {
                log::error!("storing the application failed: {e}");
                self.dispatch_at(Event::SubmitFailed(e.translation_key()), now_ms)
            }
        }
    }

    /// The preview of the current receipt: the printer's own bytes through the paper model,
    /// so the screen shows exactly what the printer prints.
    pub fn render_receipt_preview(&mut self) -> Option<Vec<u8>> {
        let receipt = self.session.data.receipt.clone()?;
        let (bytes, _) = match receipt_job(&receipt, self.lang(), &self.printer_profile, self.font.as_deref()) {
            Ok(job) => job,
            Err(e) => {
                log::error!("receipt encoding failed: {e}");
                return None;
            }
        };
        let mut paper =
            crate::devices::printer::paper::Paper::new(self.printer_profile.dots_per_line, self.font.clone());
        paper.feed(&bytes);
        self.receipt_preview = Some(paper.tear());
        Some(bytes)
    }

    /// For screenshots of the proxy flow: acting for someone else.
    pub fn choose_item_again_for_proxy(&mut self) -> Vec<ShellTask> {
        self.dispatch(Event::ChooseProxy(true))
    }

    fn print_task(&mut self) -> Vec<ShellTask> {
        let Some(receipt) = self.session.data.receipt.clone() else {
            return Vec::new();
        };
        let Some(bytes) = self.render_receipt_preview() else {
            return self.dispatch(Event::PrintFailed);
        };
        let print_job = match &mut self.store {
            Some(store) => match store.print_intent(receipt.number.as_str(), crate::storage::now_unix()) {
                Ok(id) => id,
                Err(e) => {
                    log::error!("cannot record the print intent: {e}");
                    return self.dispatch(Event::PrintFailed);
                }
            },
            None => 0,
        };
        vec![ShellTask::Print {
            print_job,
            receipt_no: receipt.number.to_string(),
            bytes,
        }]
    }

    /// The shell reports how printing went (from the printer thread, via the event loop).
    pub fn print_finished(&mut self, print_job: i64, outcome: PrintOutcome) -> Vec<ShellTask> {
        let (printed, detail) = outcome.record();
        if let Some(store) = &mut self.store {
            if print_job > 0 {
                if let Err(e) = store.print_outcome(print_job, printed, detail, crate::storage::now_unix()) {
                    log::error!("cannot record the print outcome: {e}");
                }
            }
        }
        self.dispatch(if printed { Event::Printed } else { Event::PrintFailed })
    }

    /// A reader event from the reader thread.
    pub fn reader_event(&mut self, event: ReaderEvent) -> Vec<ShellTask> {
        match event {
            ReaderEvent::State(state) => {
                self.reader_state = state;
                Vec::new()
            }
            ReaderEvent::CardRead(card) => self.dispatch(Event::CardRead(Box::new(card.person()))),
            ReaderEvent::ReadFailed { key, .. } => self.dispatch(Event::CardFailed(key)),
        }
    }

    pub fn choose_item(&mut self, code: &str) -> Vec<ShellTask> {
        match ItemPlan::new(&self.catalogue, code) {
            Some(plan) => self.dispatch(Event::ChooseItem(Box::new(plan))),
            None => Vec::new(),
        }
    }

    /// A key on the ID keypad.
    pub fn id_key(&mut self, key: &str) {
        edit(&mut self.typed_id, key, 18);
        let _ = self.dispatch(Event::Touch);
    }

    /// A key for the active form field.
    pub fn form_key(&mut self, code: &str, key: &str, max: usize) {
        let value = self.form_draft.entry(code.to_string()).or_default();
        edit(value, key, max);
        let _ = self.dispatch(Event::Touch);
    }

    pub fn express_to_card_address(&mut self) -> Vec<ShellTask> {
        let Some(applicant) = &self.session.data.applicant else {
            return Vec::new();
        };
        let (Some(name), Some(address)) = (applicant.name.clone(), applicant.address.clone()) else {
            return Vec::new();
        };
        let phone = self.session.data.form.get("phone").cloned().unwrap_or_default();
        self.dispatch(Event::ChooseDelivery(Delivery::Express {
            recipient: name,
            phone,
            address,
        }))
    }
}

/// Applies a keypad key to a buffer: digits/letters append, DEL deletes, length capped.
fn edit(buffer: &mut String, key: &str, max: usize) {
    if key == "DEL" {
        buffer.pop();
    } else if buffer.chars().count() < max {
        buffer.push_str(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::printer::profile::profile;

    /// The app layer alone (no Slint): a journey to a stored application and a print task.
    #[test]
    fn a_session_ends_in_a_stored_application_and_a_print_task() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.kiosk.state_dir = dir.path().to_path_buf();
        let catalogue = crate::app::load_catalogue(&config).unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let mut app = KioskApp::new(
            config,
            catalogue,
            Some(store),
            None,
            profile("generic-80mm").unwrap(),
            true,
        );
        let today = Date::parse("2026-11-26").unwrap();
        app.set_today(today);
        assert!(app.dispatch(Event::Start { today }).is_empty());
        app.choose_item("ID-005");
        app.dispatch(Event::ConfirmGuide);
        for key in "330225198506120431".chars() {
            app.id_key(&key.to_string());
        }
        let typed = app.typed_id.clone();
        app.dispatch(Event::ManualId(typed.into()));
        // Reporting a card lost needs the card itself: a typed number is refused.
        assert_eq!(
            (app.session.step, app.session.data.error),
            (Step::Identify, Some("identify.error.card-required"))
        );
        app.dispatch(Event::CardRead(Box::new(crate::app::sample::applicant())));
        assert_eq!(app.session.step, Step::Form);
        app.form_key("phone", "1", 11);
        for key in "3805740000".chars() {
            app.form_key("phone", &key.to_string(), 11);
        }
        app.form_key("phone", "9", 11);
        assert_eq!(app.form_draft["phone"], "13805740000", "the keypad stops at 11 digits");
        let draft = app.form_draft.clone();
        app.dispatch(Event::SubmitForm(draft));
        assert_eq!(app.session.step, Step::Review);
        let tasks = app.dispatch(Event::ConfirmReview);
        assert_eq!(app.session.step, Step::Receipt);
        let [ShellTask::Print {
            print_job,
            receipt_no,
            bytes,
        }] = tasks.as_slice()
        else {
            panic!("{tasks:?}")
        };
        assert!(receipt_no.starts_with("DEV1-261126-0001-"));
        assert!(bytes.starts_with(&[0x1B, 0x40]));
        assert!(app.receipt_preview.is_some());
        app.print_finished(
            *print_job,
            PrintOutcome::ShowQrInstead {
                kind: crate::devices::DeviceErrorKind::PaperOut,
                reason: "paper out".into(),
            },
        );
        assert_eq!(app.session.data.print, crate::domain::session::PrintState::ShowQr);
        let mut store = Store::open_in(dir.path()).unwrap();
        assert_eq!(store.outbox_list(None).unwrap().len(), 1);
        assert_eq!(store.reprint_queue().unwrap()[0].receipt_no, *receipt_no);
        app.dispatch(Event::Cancel);
        assert!(app.typed_id.is_empty() && app.form_draft.is_empty() && app.receipt_preview.is_none());
    }
}
