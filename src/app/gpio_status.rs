//! The GPIO part of `kiosk status`: the backend and board map, each line with its pin and
//! polarity, the policy's roles the board lacks, and whether the backend's hardware is
//! there. Built from the configuration alone and touching no line (a running kiosk keeps
//! its lines); the running kiosk's live GPIO state is in `/status` (telemetry).

use crate::config::{Config, GpioKind};
use crate::devices::gpio::board::BoardMap;
use crate::devices::gpio::{cdev, role, rppal_driver};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct GpioStatus {
    pub kind: &'static str,
    pub board: String,
    /// `sim`, `ok` (the hardware is there) or `unavailable`.
    pub state: &'static str,
    /// The Pi model or the chip device, when found.
    pub hardware: Option<String>,
    /// Why the backend cannot run here, and what to do.
    pub error: Option<String>,
    pub inputs: Vec<GpioLine>,
    pub outputs: Vec<GpioLine>,
    pub backlight: Option<String>,
    /// Roles of the kiosk's policy that the board map does not wire.
    pub missing: Vec<&'static str>,
}

#[derive(Clone, Debug, Serialize)]
pub struct GpioLine {
    pub name: String,
    pub pin: u32,
    pub active_low: bool,
    /// Inputs only.
    pub debounce_ms: Option<u64>,
}

pub fn collect(config: &Config) -> GpioStatus {
    let gpio = &config.devices.gpio;
    let mut status = GpioStatus {
        kind: gpio.kind.as_str(),
        board: gpio.board.clone(),
        state: "unavailable",
        hardware: None,
        error: None,
        inputs: Vec::new(),
        outputs: Vec::new(),
        backlight: None,
        missing: Vec::new(),
    };
    let board = match BoardMap::load(&gpio.board) {
        Ok(board) => board,
        Err(e) => {
            status.error = Some(e.to_string());
            return status;
        }
    };
    status.inputs = board
        .input
        .iter()
        .map(|(name, p)| line(name, p.pin, p.active_low, Some(p.debounce_ms)))
        .collect();
    status.outputs = board
        .output
        .iter()
        .map(|(name, p)| line(name, p.pin, p.active_low, None))
        .collect();
    status.backlight = board
        .backlight
        .as_ref()
        .map(|b| format!("PWM channel {} at {} Hz", b.pwm_channel, b.frequency_hz));
    status.missing = [role::PRESENCE, role::PAPER_LOW]
        .into_iter()
        .filter(|r| !board.input.contains_key(*r))
        .chain(
            [role::LED_READY, role::LED_BUSY, role::LED_ATTENTION]
                .into_iter()
                .filter(|r| !board.output.contains_key(*r)),
        )
        .collect();
    let probed = match gpio.kind {
        GpioKind::Sim => {
            status.state = "sim";
            return status;
        }
        GpioKind::Rppal => rppal_driver::probe(),
        GpioKind::Gpiocdev => {
            let chip = gpio.chip.clone().unwrap_or_else(|| board.chip.clone());
            cdev::probe(&chip).map(|()| chip.display().to_string())
        }
    };
    match probed {
        Ok(hardware) => {
            status.state = "ok";
            status.hardware = Some(hardware);
        }
        Err(e) => status.error = Some(e.to_string()),
    }
    status
}

fn line(name: &str, pin: u32, active_low: bool, debounce_ms: Option<u64>) -> GpioLine {
    GpioLine {
        name: name.to_string(),
        pin,
        active_low,
        debounce_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_simulated_default_lists_the_pi_lines() {
        let status = collect(&Config::default());
        assert_eq!(
            (status.kind, status.state, status.error.as_deref()),
            ("sim", "sim", None)
        );
        let paper = status.inputs.iter().find(|l| l.name == "paper-low").unwrap();
        assert_eq!((paper.pin, paper.active_low, paper.debounce_ms), (27, true, Some(200)));
        assert_eq!(status.outputs.len(), 3);
        assert!(status.missing.is_empty());
    }

    #[test]
    fn a_missing_chip_is_unavailable_with_the_reason() {
        let mut config = Config::default();
        config.devices.gpio.kind = GpioKind::Gpiocdev;
        config.devices.gpio.board = "generic-gpiochip".into();
        config.devices.gpio.chip = Some("/nonexistent/gpiochip7".into());
        let status = collect(&config);
        assert_eq!(status.state, "unavailable");
        let error = status.error.unwrap();
        assert!(error.contains("/nonexistent/gpiochip7 does not exist"), "{error}");
        assert_eq!(status.backlight, None);
    }
}
