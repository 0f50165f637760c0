//! The simulators' controls behind the hot keys, at app level: the UI sends a
//! [`SimAction`] and never sees a device type. Absent on real hardware.

use super::intent::SimAction;
use crate::devices::card_reader::fixtures::{fixture, FIXTURE_NAMES};
use crate::devices::card_reader::sim::SimCardReader;
use crate::devices::printer::sim::SimPrinter;
use crate::devices::printer::status::PrinterStatus;
use std::sync::Arc;

pub struct SimControls {
    reader: Option<Arc<SimCardReader>>,
    printer: Option<Arc<SimPrinter>>,
    paper_out: bool,
}

impl SimControls {
    pub fn new(reader: Option<Arc<SimCardReader>>, printer: Option<Arc<SimPrinter>>) -> SimControls {
        SimControls {
            reader,
            printer,
            paper_out: false,
        }
    }

    pub fn apply(&mut self, action: SimAction) {
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
