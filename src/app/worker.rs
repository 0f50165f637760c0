//! The app layer's worker thread: everything that blocks runs here, never on the UI thread
//! — storing a submission (one fsync'd transaction), issuing its receipt, rasterising the
//! receipt, recording print intents and outcomes, printing, and audit entries. Jobs go in
//! through a channel in order; each finished job comes back as a [`Completion`] through the
//! app's inbox. Later the central system's calls (payment, progress) run here too.

use super::printing::{paper_preview, print_receipt, receipt_job, PrintOutcome};
use super::report::Reporter;
use crate::devices::printer::font::ReceiptFont;
use crate::devices::printer::profile::PrinterProfile;
use crate::devices::printer::raster::Bitmap;
use crate::devices::printer::ReceiptPrinter;
use crate::devices::DeviceErrorKind;
use crate::domain::application::Application;
use crate::domain::calendar::WorkCalendar;
use crate::domain::catalogue::{Catalogue, Text};
use crate::domain::message::Message;
use crate::domain::receipt::{Receipt, ReceiptContext};
use crate::domain::Lang;
use crate::storage::Store;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};

pub type SharedPrinter = Arc<Mutex<Box<dyn ReceiptPrinter>>>;

/// Work for the worker.
#[derive(Debug)]
pub enum Job {
    /// Store the application and issue its receipt (idempotent on the application's UUID).
    Submit {
        application: Box<Application>,
        /// The material photos (JPEG by material code), sealed with the application.
        photos: Vec<(String, Vec<u8>)>,
    },
    /// Render the receipt (preview first), record the intent, print, record the outcome.
    PrintReceipt { receipt: Box<Receipt>, lang: Lang },
    /// 补交材料: queue the photos for the application with this receipt number.
    QueueSupplement {
        receipt_no: String,
        /// The citizen's proof (the receipt's token or the card), sealed in the queue.
        proof: crate::central_api::SupplementProof,
        photos: Vec<(String, Vec<u8>)>,
    },
    /// An audit entry (details already masked).
    Audit { action: &'static str, detail: String },
    /// Print an appointment's booking slip (its phone number already masked).
    PrintBookingSlip {
        booking: Box<crate::central_api::Booking>,
        item_name: Text,
        masked_phone: String,
        lang: Lang,
    },
    /// Technician: print the test page.
    TestPrint { kiosk_id: String, printed_at: String },
    /// Technician: print a receipt of the reprint queue again, from its stored application.
    Reprint { receipt_no: String, lang: Lang },
}

/// A finished job, reported to the app.
#[derive(Debug)]
pub enum Completion {
    Submitted(Result<Box<Receipt>, Message>),
    /// The receipt as the printer will print it, for the screen.
    ReceiptPreview(Bitmap),
    Printed(PrintOutcome),
    /// The booking slip was printed (or not: the page then shows its QR).
    SlipPrinted(PrintOutcome),
    /// The supplement's photos are queued (or could not be stored).
    SupplementQueued(Result<(), Message>),
    /// A technician's test page (`receipt_no` `None`) or reprint: printed, or why not (a
    /// technician's text: receipt numbers and device reasons, no personal data).
    TechPrinted {
        receipt_no: Option<String>,
        outcome: Result<PrintOutcome, String>,
    },
}

/// What the worker needs to do its jobs: it owns the store and the printer.
pub struct WorkerSetup {
    pub store: Option<Store>,
    pub printer: Option<SharedPrinter>,
    pub profile: PrinterProfile,
    pub font: Option<Arc<ReceiptFont>>,
    pub catalogue: Arc<Catalogue>,
    pub calendar: WorkCalendar,
    pub site_name: Text,
    pub progress_url: String,
    pub receipt_prefix: String,
    /// Where the progress key lives (the receipt QR's token).
    pub state_dir: std::path::PathBuf,
}

/// The handle the app keeps: sending a job never blocks.
pub struct Worker {
    jobs: Sender<Job>,
}

impl Worker {
    pub fn spawn(setup: WorkerSetup, inbox: Reporter<Completion>) -> Worker {
        let (jobs, queue) = mpsc::channel::<Job>();
        let mut setup = setup;
        let spawned = std::thread::Builder::new().name("app-worker".into()).spawn(move || {
            for job in queue {
                for completion in setup.run(job) {
                    inbox.report(completion);
                }
            }
        });
        if let Err(e) = spawned {
            log::error!("cannot start the app worker: {e}");
        }
        Worker { jobs }
    }

    pub fn send(&self, job: Job) {
        if self.jobs.send(job).is_err() {
            log::error!("the app worker has stopped: a job was dropped");
        }
    }
}

impl WorkerSetup {
    fn run(&mut self, job: Job) -> Vec<Completion> {
        match job {
            Job::Submit { application, photos } => vec![Completion::Submitted(self.submit(&application, &photos))],
            Job::PrintReceipt { receipt, lang } => self.print(&receipt, lang),
            Job::PrintBookingSlip {
                booking,
                item_name,
                masked_phone,
                lang,
            } => {
                let layout = crate::devices::printer::slip::booking_slip_layout(
                    &self.site_name,
                    &booking,
                    &item_name,
                    &masked_phone,
                    lang,
                );
                vec![Completion::SlipPrinted(self.print_slip(&layout))]
            }
            Job::QueueSupplement {
                receipt_no,
                proof,
                photos,
            } => {
                let queued = match &mut self.store {
                    Some(store) => store
                        .supplement_enqueue(&receipt_no, &proof, &photos, crate::storage::now_unix())
                        .map(|key| log::info!("supplement for {receipt_no} queued ({} photos, {key})", photos.len()))
                        .map_err(|e| {
                            log::error!("storing the supplement for {receipt_no} failed: {e}");
                            e.message()
                        }),
                    None => Err(Message::SubmitStorage),
                };
                vec![Completion::SupplementQueued(queued)]
            }
            Job::TestPrint { kiosk_id, printed_at } => {
                let layout =
                    crate::devices::printer::test_page::test_page_layout(&kiosk_id, &self.profile, &printed_at);
                vec![Completion::TechPrinted {
                    receipt_no: None,
                    outcome: Ok(self.print_slip(&layout)),
                }]
            }
            Job::Reprint { receipt_no, lang } => {
                let outcome = self.reprint(&receipt_no, lang);
                vec![Completion::TechPrinted {
                    receipt_no: Some(receipt_no),
                    outcome,
                }]
            }
            Job::Audit { action, detail } => {
                if let Some(store) = &mut self.store {
                    if let Err(e) = store.audit("kiosk", action, &detail) {
                        log::error!("audit {action}: {e}");
                    }
                }
                Vec::new()
            }
        }
    }

    fn submit(&mut self, application: &Application, photos: &[(String, Vec<u8>)]) -> Result<Box<Receipt>, Message> {
        let Some(store) = &mut self.store else {
            log::error!("no store: the application cannot be kept");
            return Err(Message::SubmitStorage);
        };
        // Before storing: a receipt must never go out without its progress token.
        let progress_key = super::progress_key::load_or_create_key(&self.state_dir).map_err(|e| {
            log::error!("cannot load the progress key: {e}");
            Message::SubmitStorage
        })?;
        let number = store
            .submit(application, photos, &self.receipt_prefix, crate::storage::now_unix())
            .map_err(|e| {
                log::error!("storing the application failed: {e}");
                e.message()
            })?;
        log::info!("application stored: {}", application.masked_summary());
        self.receipt_of(application, number, &progress_key)
            .map(Box::new)
            .ok_or(Message::SubmitStorage)
    }

    /// The receipt of a stored application (`None`: its item is not in the catalogue).
    fn receipt_of(
        &self,
        application: &Application,
        number: crate::domain::receipt::ReceiptNumber,
        progress_key: &super::progress_key::ProgressKey,
    ) -> Option<Receipt> {
        let context = ReceiptContext {
            catalogue: &self.catalogue,
            calendar: &self.calendar,
            site_name: self.site_name.clone(),
            progress_base_url: &self.progress_url,
        };
        let token = progress_key.token(&number);
        Receipt::for_application(application, number, &token, &context)
    }

    /// The receipt again, rebuilt from the stored application (its personal data is there
    /// until the purge), printed with intent and outcome recorded like the first time.
    fn reprint(&mut self, receipt_no: &str, lang: Lang) -> Result<PrintOutcome, String> {
        let store = self.store.as_mut().ok_or("no store")?;
        let entry = store.outbox_get(receipt_no).map_err(|e| e.to_string())?;
        let application = store
            .load_application(&entry.idempotency_key)
            .map_err(|e| format!("the application of {receipt_no} cannot be read ({e}): it may be purged"))?;
        let number = crate::domain::receipt::ReceiptNumber::parse(&entry.receipt_no).map_err(|e| e.to_string())?;
        let progress_key = super::progress_key::load_or_create_key(&self.state_dir).map_err(|e| e.to_string())?;
        let receipt = self
            .receipt_of(&application, number, &progress_key)
            .ok_or_else(|| format!("{} is not in the catalogue any more", application.item_code))?;
        self.print(&receipt, lang)
            .into_iter()
            .find_map(|done| match done {
                Completion::Printed(outcome) => Some(outcome),
                _ => None,
            })
            .ok_or_else(|| "nothing was printed".to_string())
    }

    /// A slip is not a receipt: no reprint queue (the page shows its QR when it fails).
    fn print_slip(&mut self, layout: &crate::devices::printer::layout::ReceiptLayout) -> PrintOutcome {
        let bytes = match crate::devices::printer::encode::encode(
            layout,
            &self.profile,
            self.font.as_deref(),
            crate::devices::printer::encode::EncodeOptions::default(),
        ) {
            Ok((bytes, _)) => bytes,
            Err(e) => {
                log::error!("slip encoding failed: {e}");
                return PrintOutcome::ShowQrInstead {
                    kind: DeviceErrorKind::Protocol,
                    reason: "slip encoding failed".into(),
                };
            }
        };
        let Some(printer) = self.printer.clone() else {
            return PrintOutcome::ShowQrInstead {
                kind: DeviceErrorKind::NotConnected,
                reason: "no printer".into(),
            };
        };
        let mut printer = printer.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = PrintOutcome::of(printer.print(&bytes));
        if let PrintOutcome::ShowQrInstead { reason, .. } = &outcome {
            log::warn!("printer: booking slip not printed: {reason}");
        }
        outcome
    }

    fn print(&mut self, receipt: &Receipt, lang: Lang) -> Vec<Completion> {
        let not_printed = |kind, reason: &str| {
            Completion::Printed(PrintOutcome::ShowQrInstead {
                kind,
                reason: reason.to_string(),
            })
        };
        let bytes = match receipt_job(receipt, lang, &self.profile, self.font.as_deref()) {
            Ok((bytes, _)) => bytes,
            Err(e) => {
                log::error!("receipt encoding failed: {e}");
                return vec![not_printed(DeviceErrorKind::Protocol, "receipt encoding failed")];
            }
        };
        let preview = paper_preview(&bytes, &self.profile, self.font.clone());
        let mut done = vec![Completion::ReceiptPreview(preview)];
        let receipt_no = receipt.number.as_str();
        let no_printer = || -> SharedPrinter {
            Arc::new(Mutex::new(Box::new(crate::devices::printer::Unavailable(
                "no printer".into(),
            ))))
        };
        let printer = self.printer.clone().unwrap_or_else(no_printer);
        let outcome = match &mut self.store {
            Some(store) => {
                let mut printer = printer.lock().unwrap_or_else(|p| p.into_inner());
                match print_receipt(store, printer.as_mut(), receipt_no, &bytes, crate::storage::now_unix()) {
                    Ok(outcome) => Completion::Printed(outcome),
                    Err(e) => {
                        // Without a recorded intent nothing is printed: a reprint must stay possible.
                        log::error!("cannot record the print intent for {receipt_no}: {e}");
                        not_printed(DeviceErrorKind::Refused, "print intent not recorded")
                    }
                }
            }
            None => {
                let mut printer = printer.lock().unwrap_or_else(|p| p.into_inner());
                Completion::Printed(PrintOutcome::of(printer.print(&bytes)))
            }
        };
        done.push(outcome);
        done
    }
}
