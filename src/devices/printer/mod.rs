//! The receipt printer: profiles, the layout model, ESC/POS encoding (with the `escpos`
//! crate where it is right), transports, real-time status, a paper model that renders
//! received bytes, and a simulated printer on a pty and a TCP port.

pub mod encode;
pub mod escpos_parse;
pub mod font;
pub mod layout;
pub mod paper;
pub mod profile;
pub mod raster;
pub mod sim;
pub mod slip;
pub mod status;
pub mod test_page;
pub mod transport;

use super::DeviceErrorKind;
use profile::{PrinterProfile, StatusSupport};
use status::{is_reply, request, PrinterStatus};
use std::io;
use std::time::{Duration, Instant};
use transport::PrinterTransport;

#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    #[error("printer not printing: {}", .0.summary())]
    NotReady(PrinterStatus),
    #[error("printer did not answer the status request within {0} ms")]
    NoReply(u64),
    #[error("printer I/O: {0}")]
    Io(#[from] io::Error),
    #[error("printer stopped while printing: {}", .0.summary())]
    StoppedWhilePrinting(PrinterStatus),
}

impl PrinterError {
    pub fn kind(&self) -> DeviceErrorKind {
        match self {
            PrinterError::NotReady(s) | PrinterError::StoppedWhilePrinting(s) => {
                s.blocking_problem().unwrap_or(DeviceErrorKind::Refused)
            }
            PrinterError::NoReply(_) => DeviceErrorKind::Timeout,
            PrinterError::Io(e) if e.kind() == io::ErrorKind::StorageFull => DeviceErrorKind::PaperOut,
            PrinterError::Io(_) => DeviceErrorKind::NotConnected,
        }
    }
}

/// What happened to a print job that went out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintReport {
    pub bytes: usize,
    /// Status after printing, when the printer can tell.
    pub after: Option<PrinterStatus>,
}

impl PrintReport {
    /// Paper near end: print, but tell the operators.
    pub fn warning(&self) -> Option<&'static str> {
        self.after
            .filter(|s| s.paper_near_end && !s.paper_end)
            .map(|_| "paper near end")
    }
}

/// The capability the app needs: ask for status and print bytes, refusing to print into a
/// printer that cannot (paper out, cover open, offline) so the receipt can go on screen.
pub trait ReceiptPrinter: Send {
    fn describe(&self) -> String;
    /// `Ok(None)` when the printer cannot report status at all.
    fn status(&mut self) -> Result<Option<PrinterStatus>, PrinterError>;
    fn print(&mut self, job: &[u8]) -> Result<PrintReport, PrinterError>;
}

/// An ESC/POS printer on any transport, driven per its profile.
pub struct EscPosPrinter {
    transport: Box<dyn PrinterTransport>,
    pub profile: PrinterProfile,
    pub status_timeout: Duration,
}

impl EscPosPrinter {
    pub fn new(transport: Box<dyn PrinterTransport>, profile: PrinterProfile) -> EscPosPrinter {
        EscPosPrinter {
            transport,
            profile,
            status_timeout: Duration::from_millis(500),
        }
    }

    fn ask(&mut self, n: u8) -> Result<u8, PrinterError> {
        self.transport.write_all(&request(n))?;
        let deadline = Instant::now() + self.status_timeout;
        let mut byte = [0u8; 1];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(PrinterError::NoReply(self.status_timeout.as_millis() as u64));
            }
            // Anything that is not a status reply (e.g. a stray ASB message) is skipped.
            if self.transport.read_some(&mut byte, left)? == 1 && is_reply(byte[0]) {
                return Ok(byte[0]);
            }
        }
    }

    fn read_status(&mut self) -> Result<Option<PrinterStatus>, PrinterError> {
        if let Some(native) = self.transport.native_status() {
            return native.map(Some).map_err(PrinterError::Io);
        }
        if self.profile.status != StatusSupport::DleEot || !self.transport.can_read() {
            return Ok(None);
        }
        let printer = self.ask(1)?;
        let offline = self.ask(2)?;
        let error = self.ask(3)?;
        let paper = self.ask(4)?;
        Ok(Some(PrinterStatus::from_replies(printer, offline, error, paper)))
    }
}

impl ReceiptPrinter for EscPosPrinter {
    fn describe(&self) -> String {
        format!("{} ({})", self.transport.describe(), self.profile.name)
    }

    fn status(&mut self) -> Result<Option<PrinterStatus>, PrinterError> {
        self.read_status()
    }

    fn print(&mut self, job: &[u8]) -> Result<PrintReport, PrinterError> {
        if let Some(before) = self.read_status()? {
            if before.blocking_problem().is_some() {
                return Err(PrinterError::NotReady(before));
            }
        }
        self.transport.write_all(job)?;
        let after = self.read_status()?;
        if let Some(after) = after {
            if after.blocking_problem().is_some() {
                return Err(PrinterError::StoppedWhilePrinting(after));
            }
        }
        Ok(PrintReport {
            bytes: job.len(),
            after,
        })
    }
}

/// A printer that could not be opened: every print is refused with the reason.
pub struct Unavailable(pub String);

impl ReceiptPrinter for Unavailable {
    fn describe(&self) -> String {
        format!("unavailable ({})", self.0)
    }
    fn status(&mut self) -> Result<Option<status::PrinterStatus>, PrinterError> {
        Err(PrinterError::Io(std::io::Error::new(
            std::io::ErrorKind::NotConnected,
            self.0.clone(),
        )))
    }
    fn print(&mut self, _job: &[u8]) -> Result<PrintReport, PrinterError> {
        Err(PrinterError::Io(std::io::Error::new(
            std::io::ErrorKind::NotConnected,
            self.0.clone(),
        )))
    }
}
