//! The app's inbox: what other threads report to the app (the worker's finished jobs, the
//! card reader's events, the GPIO's screen and paper reports) waits here until the UI
//! thread takes it. Nothing posted before the UI's event loop exists is lost: the shell
//! drains the inbox when it starts, then a waker
//! (installed by the shell) tells it whenever something new arrives.

use super::report::Reporter;
use super::worker::Completion;
use crate::devices::card_reader::{ReaderEvent, ReaderListener};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

/// One report for the app.
#[derive(Debug)]
pub enum Inbound {
    Worker(Completion),
    Reader(ReaderEvent),
    /// A material photo finished (or failed).
    Camera(super::camera::CaptureDone),
    /// The materials page's camera started (or could not).
    CameraOpened(super::camera::CameraOpened),
    /// A progress lookup answered (or failed).
    Lookup(super::lookup::LookupDone),
    /// A preview frame decoded for a receipt's QR code (查询进度).
    Scan(super::receipt_scan::ScanDone),
    /// A payment order call answered (made, polled, cancelled).
    Payment(super::payment::PaymentReport),
    /// An appointment call answered (slots, booked, cancelled).
    Appointment(super::appointment::AppointmentReport),
    /// A consultation or complaint filed (or not).
    Consult(super::consult::ConsultReport),
    Gpio(super::gpio_service::GpioReport),
    /// The technician desk's thread finished a job (PIN, snapshot, retry, settings).
    Technician(super::technician_desk::TechReport),
}

impl Inbound {
    /// What kind of report this is, in a word (traces and benchmarks; never its contents).
    pub fn kind(&self) -> &'static str {
        match self {
            Inbound::Worker(_) => "worker",
            Inbound::Reader(_) => "reader",
            Inbound::Camera(_) => "camera",
            Inbound::CameraOpened(_) => "camera-opened",
            Inbound::Lookup(_) => "lookup",
            Inbound::Scan(_) => "scan",
            Inbound::Payment(_) => "payment",
            Inbound::Appointment(_) => "appointment",
            Inbound::Consult(_) => "consult",
            Inbound::Gpio(_) => "gpio",
            Inbound::Technician(_) => "technician",
        }
    }
}

type Waker = Box<dyn Fn() + Send>;

/// The sending side, cloned into every thread that reports to the app.
#[derive(Clone)]
pub struct Inbox {
    tx: Sender<Inbound>,
    waker: Arc<Mutex<Option<Waker>>>,
}

/// The app's side of the inbox.
pub struct InboxReceiver {
    rx: Receiver<Inbound>,
    waker: Arc<Mutex<Option<Waker>>>,
}

/// A new inbox: the sender for the reporting threads, the receiver for the app.
pub fn channel() -> (Inbox, InboxReceiver) {
    let (tx, rx) = mpsc::channel();
    let waker = Arc::new(Mutex::new(None));
    (
        Inbox {
            tx,
            waker: Arc::clone(&waker),
        },
        InboxReceiver { rx, waker },
    )
}

impl Inbox {
    pub fn post(&self, message: Inbound) {
        if self.tx.send(message).is_ok() {
            if let Some(wake) = self.waker.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                wake();
            }
        }
    }

    /// A typed sending end for one feature: its reports arrive here wrapped by `wrap`.
    pub fn reporter<T: 'static>(&self, wrap: impl Fn(T) -> Inbound + Send + Sync + 'static) -> Reporter<T> {
        let inbox = self.clone();
        Reporter::new(move |report| inbox.post(wrap(report)))
    }

    /// Where the GPIO thread reports (screen wake/dim, paper low).
    pub fn gpio_sink(&self) -> impl FnMut(super::gpio_service::GpioReport) + Send + 'static {
        let inbox = self.clone();
        move |report| inbox.post(Inbound::Gpio(report))
    }

    /// A card reader listener that reports into this inbox.
    pub fn reader_listener(&self) -> ReaderListener {
        let inbox = self.clone();
        Box::new(move |event| inbox.post(Inbound::Reader(event)))
    }
}

impl InboxReceiver {
    /// Everything reported so far, in order.
    pub fn drain(&self) -> Vec<Inbound> {
        self.rx.try_iter().collect()
    }

    /// Waits up to `timeout` for the next report (tests and headless runs).
    pub fn wait(&self, timeout: std::time::Duration) -> Option<Inbound> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// Called (from any thread) after each new report.
    pub fn set_waker(&self, wake: impl Fn() + Send + 'static) {
        *self.waker.lock().unwrap_or_else(|p| p.into_inner()) = Some(Box::new(wake));
    }
}
