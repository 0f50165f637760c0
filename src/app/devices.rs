//! Starts the configured devices: real drivers on configured ports, or the simulators
//! (speaking the real protocols over ptys and sockets) with the production drivers on top
//! when no hardware is configured. Nothing here knows about the UI.

use crate::config::{CameraKind, Config, PrinterKind, ReaderKind};
use crate::devices::camera::CameraSource;
use crate::devices::card_reader::serial::{SerialCardReader, SerialReaderOptions};
use crate::devices::card_reader::sim::{SimCardReader, SimReaderOptions};
use crate::devices::card_reader::{photo, CardReader, ReaderEvent, ReaderListener};
use crate::devices::printer::profile::{self, PrinterProfile};
use crate::devices::printer::sim::{SimPrinter, SimPrinterOptions};
use crate::devices::printer::transport::{FileSink, PrinterTransport, SerialTransport, TcpTransport, UsbLpTransport};
use crate::devices::printer::{EscPosPrinter, ReceiptPrinter, Unavailable};
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The running devices (and the simulators behind them, if any).
pub struct Devices {
    pub reader: Box<dyn CardReader>,
    pub printer: Arc<Mutex<Box<dyn ReceiptPrinter>>>,
    pub profile: PrinterProfile,
    pub sim_reader: Option<Arc<SimCardReader>>,
    pub sim_printer: Option<Arc<SimPrinter>>,
    pub reader_description: String,
    pub printer_description: String,
    /// The document camera; its pipeline starts when the materials page opens.
    pub camera: CameraSource,
    pub camera_description: String,
    /// Set by the reader thread; the app takes events from here or from its own listener.
    pub reader_events: Arc<Mutex<Vec<ReaderEvent>>>,
}

impl Devices {
    pub fn simulated(&self) -> bool {
        self.sim_reader.is_some() || self.sim_printer.is_some()
    }

    /// Hands the devices to the app: the reader to `KioskApp`, the printer to its worker,
    /// the simulators behind the hot keys' app-level controls.
    pub fn into_app_parts(
        self,
        store: Option<crate::storage::Store>,
        inbox: (super::inbox::Inbox, super::inbox::InboxReceiver),
    ) -> super::kiosk::AppParts {
        let simulated = self.simulated();
        super::kiosk::AppParts {
            store,
            reader: Some(self.reader),
            printer: Some(self.printer),
            profile: self.profile,
            sim: simulated.then(|| super::sim_controls::SimControls::new(self.sim_reader, self.sim_printer)),
            camera: Some(self.camera),
            central: None,
            voice: None,
            config_paths: None,
            inbox,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot start the simulated {what}: {source}")]
    Simulator { what: &'static str, source: std::io::Error },
    #[error("printer profile: {0}")]
    Profile(#[from] profile::ProfileError),
}

/// Starts the devices; reader events go to `listener` when given, else into `reader_events`.
pub fn start_with(config: &Config, listener: Option<ReaderListener>) -> Result<Devices, StartError> {
    let reader_events = Arc::new(Mutex::new(Vec::new()));
    let listener = listener.unwrap_or_else(|| {
        let events = Arc::clone(&reader_events);
        Box::new(move |event| events.lock().unwrap_or_else(|p| p.into_inner()).push(event))
    });
    let (sim_reader, reader, reader_description) = start_reader(config, listener)?;
    let profile = profile::profile(&config.devices.printer.profile)?;
    let (sim_printer, printer, printer_description) = start_printer(config, &profile)?;
    let camera = match config.devices.camera.kind {
        CameraKind::Sim => CameraSource::Sim(Default::default()),
        CameraKind::V4l2 => CameraSource::V4l2 {
            device: config.devices.camera.device.clone(),
        },
    };
    Ok(Devices {
        camera_description: camera.describe(),
        camera,
        reader,
        printer: Arc::new(Mutex::new(printer)),
        profile,
        sim_reader,
        sim_printer,
        reader_description,
        printer_description,
        reader_events,
    })
}

/// A device started: its simulator (when simulated), its driver and a description.
type Started<Sim, Driver> = (Option<Arc<Sim>>, Box<Driver>, String);

/// The card reader: the production serial driver, on the configured port or on a
/// simulated reader's pty. Returns the simulator (if any), the reader and a description.
fn start_reader(
    config: &Config,
    listener: ReaderListener,
) -> Result<Started<SimCardReader, dyn CardReader>, StartError> {
    let (decoder, decoder_description) = photo::load_configured(config.devices.reader.photo_decoder.as_deref());
    drop(decoder);
    let (sim_reader, port, reader_description) = match config.devices.reader.kind {
        ReaderKind::Sim => {
            let sim = SimCardReader::start(SimReaderOptions::default()).map_err(|source| StartError::Simulator {
                what: "card reader",
                source,
            })?;
            let port = sim.path().to_path_buf();
            let description = format!(
                "simulated SAM reader on {} (SerialCardReader driver); photo: {decoder_description}",
                port.display()
            );
            (Some(Arc::new(sim)), port, description)
        }
        ReaderKind::Serial => {
            let port = config.devices.reader.port.clone();
            let description = format!(
                "SerialCardReader on {} at {} baud; photo: {decoder_description}",
                port.display(),
                config.devices.reader.baud
            );
            (None, port, description)
        }
    };
    let mut options = SerialReaderOptions::new(port, config.devices.reader.baud);
    options.poll_interval = Duration::from_millis(config.devices.reader.poll_interval_ms);
    options.photo_decoder = decoder_description;
    let reader: Box<dyn CardReader> = Box::new(SerialCardReader::spawn(options, listener));
    Ok((sim_reader, reader, reader_description))
}

/// The receipt printer: the production ESC/POS driver over the configured transport, or
/// over a simulated printer's pty. An unreachable printer is not an error: the kiosk runs
/// and shows receipts as QR codes until it is back.
fn start_printer(
    config: &Config,
    profile: &profile::PrinterProfile,
) -> Result<Started<SimPrinter, dyn ReceiptPrinter>, StartError> {
    if config.devices.printer.kind != PrinterKind::Sim {
        return Ok(match open_transport(&config.devices.printer) {
            Ok(transport) => {
                let printer = EscPosPrinter::new(transport, profile.clone());
                let description = printer.describe();
                (None, Box::new(printer), description)
            }
            Err(e) => {
                log::error!("printer: {e}");
                (
                    None,
                    Box::new(Unavailable(e.to_string())),
                    format!("not available: {e}"),
                )
            }
        });
    }
    let simulator = |source| StartError::Simulator {
        what: "printer",
        source,
    };
    let sim = SimPrinter::start(SimPrinterOptions {
        dots_per_line: profile.dots_per_line,
        link_path: None,
        tcp_port: Some(0),
    })
    .map_err(simulator)?;
    let transport = SerialTransport::open(sim.path(), config.devices.printer.baud, false).map_err(simulator)?;
    let description = format!(
        "simulated ESC/POS printer on {} and tcp {:?} (profile {})",
        sim.path().display(),
        sim.tcp_address(),
        profile.name
    );
    Ok((
        Some(Arc::new(sim)),
        Box::new(EscPosPrinter::new(Box::new(transport), profile.clone())),
        description,
    ))
}

/// Opens the configured printer transport.
fn open_transport(config: &crate::config::PrinterConfig) -> io::Result<Box<dyn PrinterTransport>> {
    Ok(match config.kind {
        PrinterKind::Serial => Box::new(SerialTransport::open(&config.port, config.baud, config.flow_control)?),
        PrinterKind::Usb => Box::new(UsbLpTransport::open(&config.port)?),
        PrinterKind::Tcp => Box::new(TcpTransport::connect(&config.address, Duration::from_secs(3))?),
        PrinterKind::File => Box::new(FileSink::open(&config.port)?),
        PrinterKind::Sim => {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "the simulated printer is started by the app",
            ))
        }
    })
}
