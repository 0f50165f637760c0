//! What the app learns about its devices while it serves — a reader that faults or recovers,
//! a print that finds the paper out or the printer gone, a print that works again — recorded
//! in `app::telemetry`, so `/status`, `/metrics`, the heartbeat and the technician's device
//! page say it (the start only records that the devices were found).

use super::KioskApp;
use crate::app::printing::PrintOutcome;
use crate::app::telemetry;
use crate::devices::card_reader::ReaderState;
use crate::devices::DeviceErrorKind;

impl KioskApp {
    /// `sim` on simulated devices, else `ok`: a device that works.
    fn working(&self) -> &'static str {
        if self.simulated() {
            "sim"
        } else {
            "ok"
        }
    }

    pub(super) fn record_reader_health(&self) {
        let state = match &self.reader_state {
            ReaderState::Fault { kind, .. } => format!("fault: {}", kind.as_str()),
            ReaderState::Connecting => return,
            _ => self.working().to_string(),
        };
        telemetry::set_devices(|d| d.reader = state);
    }

    /// After the camera opened, or failed to.
    pub(super) fn record_camera_health(&self) {
        let camera = &self.shared.camera;
        if let Some(state) = camera_health(
            camera.open_error().map(|e| e.kind()),
            camera.available(),
            self.working(),
        ) {
            telemetry::set_devices(|d| d.camera = state);
        }
    }

    /// After every print (receipt, slip, test page, reprint).
    pub(super) fn record_print_health(&self, outcome: &PrintOutcome) {
        let (printer, paper) = print_health(outcome, self.working(), self.gpio.paper_low());
        telemetry::set_devices(|d| {
            d.printer = printer;
            if let Some(paper) = paper {
                d.paper = paper.into();
            }
        });
    }
}

/// The camera's state after an opening: a fault with its kind, working once open, nothing
/// new while it is still opening.
fn camera_health(error: Option<&str>, available: bool, working: &str) -> Option<String> {
    match error {
        Some(kind) => Some(format!("fault: {kind}")),
        None if available => Some(working.to_string()),
        None => None,
    }
}

/// The printer's state and (when the print says) the paper's, after a print.
fn print_health(outcome: &PrintOutcome, working: &str, paper_low: bool) -> (String, Option<&'static str>) {
    match outcome {
        // The printer's own near-end sensor, or the GPIO's paper-low switch.
        PrintOutcome::Printed { warning } => (
            working.into(),
            Some(if paper_low || warning.is_some() { "low" } else { "ok" }),
        ),
        PrintOutcome::ShowQrInstead {
            kind: DeviceErrorKind::PaperOut,
            ..
        } => (working.into(), Some("out")),
        PrintOutcome::ShowQrInstead { kind, .. } => (format!("fault: {}", kind.as_str()), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_camera_is_reported_as_it_opened_not_absent() {
        assert_eq!(camera_health(None, true, "sim").as_deref(), Some("sim"));
        assert_eq!(
            camera_health(Some("not-found"), false, "ok").as_deref(),
            Some("fault: not-found")
        );
        assert_eq!(camera_health(None, false, "ok"), None);
        let sim = crate::devices::camera::CameraSource::Sim(Default::default());
        assert_eq!(sim.initial_state(), "sim");
        let gone = crate::devices::camera::CameraSource::V4l2 {
            device: "/dev/no-such-video".into(),
        };
        assert_eq!(gone.initial_state(), "absent");
    }

    #[test]
    fn a_print_says_how_the_printer_and_its_paper_are() {
        let out = PrintOutcome::ShowQrInstead {
            kind: DeviceErrorKind::PaperOut,
            reason: "paper out".into(),
        };
        assert_eq!(print_health(&out, "ok", false), ("ok".to_string(), Some("out")));
        let gone = PrintOutcome::ShowQrInstead {
            kind: DeviceErrorKind::NotConnected,
            reason: "no printer".into(),
        };
        let (printer, paper) = print_health(&gone, "ok", false);
        assert!(printer.starts_with("fault: "), "{printer}");
        assert!(!crate::central_api::device_ok(&printer));
        assert_eq!(paper, None, "the paper is not known when the printer is gone");
        let printed = PrintOutcome::Printed { warning: None };
        assert_eq!(print_health(&printed, "sim", true), ("sim".to_string(), Some("low")));
        assert_eq!(print_health(&printed, "sim", false), ("sim".to_string(), Some("ok")));
        let near_end = PrintOutcome::Printed {
            warning: Some("paper near end"),
        };
        assert_eq!(print_health(&near_end, "ok", false), ("ok".to_string(), Some("low")));
    }
}
