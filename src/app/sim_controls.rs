//! The simulators' controls behind the hot keys, at app level: the UI sends a
//! [`SimAction`] and never sees a device type. Absent on real hardware. The actions are
//! carried out in order on a thread of their own: a simulator holds its lock while it
//! builds an answer, and the UI thread never waits for a simulated device.

use super::intent::SimAction;
use crate::devices::card_reader::fixtures::{fixture, FIXTURE_NAMES};
use crate::devices::card_reader::sim::SimCardReader;
use crate::devices::printer::sim::SimPrinter;
use crate::devices::printer::status::PrinterStatus;
use std::sync::{mpsc, Arc};

pub struct SimControls {
    /// The simulators' thread (`None` without simulators, or when it cannot start).
    actions: Option<mpsc::Sender<SimAction>>,
}

impl SimControls {
    pub fn new(reader: Option<Arc<SimCardReader>>, printer: Option<Arc<SimPrinter>>) -> SimControls {
        if reader.is_none() && printer.is_none() {
            return SimControls { actions: None };
        }
        let (tx, rx) = mpsc::channel();
        let mut devices = SimDevices {
            reader,
            printer,
            paper_out: false,
        };
        let spawned = std::thread::Builder::new()
            .name("sim-controls".into())
            .spawn(move || rx.iter().for_each(|action| devices.apply(action)));
        SimControls {
            actions: spawned.ok().map(|_| tx),
        }
    }

    /// Hands the action to the simulators' thread.
    pub fn apply(&mut self, action: SimAction) {
        if let Some(actions) = &self.actions {
            let _ = actions.send(action);
        }
    }
}

/// The simulated devices, on their controls' thread.
struct SimDevices {
    reader: Option<Arc<SimCardReader>>,
    printer: Option<Arc<SimPrinter>>,
    paper_out: bool,
}

impl SimDevices {
    fn apply(&mut self, action: SimAction) {
        match action {
            SimAction::PlaceCard(index) => {
                let card = FIXTURE_NAMES.get(index).and_then(|name| fixture(name));
                if let (Some(reader), Some(card)) = (&self.reader, card) {
                    reader.lift();
                    reader.place(card);
                }
            }
            SimAction::LiftCard => {
                if let Some(reader) = &self.reader {
                    reader.lift();
                }
            }
            SimAction::TogglePaper => {
                if let Some(printer) = &self.printer {
                    self.paper_out = !self.paper_out;
                    printer.set_status(if self.paper_out {
                        PrinterStatus {
                            paper_end: true,
                            paper_near_end: true,
                            ..PrinterStatus::OK
                        }
                    } else {
                        PrinterStatus::OK
                    });
                }
            }
        }
    }
}
