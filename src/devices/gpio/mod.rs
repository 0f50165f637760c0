//! GPIO: named inputs with debounce and edge events, named outputs and an optional PWM
//! backlight, behind the app-level [`Gpio`] trait. Which pin a name is, its polarity and its
//! debounce time come from a board map in `hardware/gpio/` ([`board`]).
//!
//! One implementation of the trait, [`lines::BoardGpio`], does what every board shares
//! (names, active-low, software debounce on sampled levels, safe states); under it a
//! [`lines::PinDriver`] per technology reads and writes physical levels: [`rppal_driver`]
//! for the Raspberry Pi, [`cdev`] for any Linux board's GPIO character device, [`sim`] for
//! tests and machines without GPIO. Time comes from an injected [`clock::Clock`], so the
//! tests step it instead of sleeping.

pub mod board;
pub mod cdev;
pub mod clock;
pub mod debounce;
pub mod lines;
pub mod rppal_driver;
pub mod script;
pub mod sim;

use super::DeviceErrorKind;
use board::BoardMap;
use clock::Clock;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;

/// Which GPIO backend drives the pins (`[devices.gpio] kind`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GpioKind {
    #[default]
    Sim,
    Rppal,
    Gpiocdev,
}

impl GpioKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GpioKind::Sim => "sim",
            GpioKind::Rppal => "rppal",
            GpioKind::Gpiocdev => "gpiocdev",
        }
    }
}

/// The names the kiosk's policy looks for in a board map (a board may lack any of them).
pub mod role {
    pub const PRESENCE: &str = "presence";
    pub const PAPER_LOW: &str = "paper-low";
    pub const LED_READY: &str = "led-ready";
    pub const LED_BUSY: &str = "led-busy";
    pub const LED_ATTENTION: &str = "led-attention";
}

/// A debounced change of a named input.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Edge {
    pub name: String,
    /// The input's logical level after the edge (active-low already applied).
    pub on: bool,
    /// When the new level began (the clock's milliseconds), not when it was confirmed.
    pub at_ms: u64,
}

/// What the app needs from the board's GPIO.
pub trait Gpio: Send {
    /// The backend, the board and the lines, for humans.
    fn describe(&self) -> String;
    fn board(&self) -> &BoardMap;
    /// Samples every input once; the edges whose new level has held for the input's
    /// debounce time since the last call.
    fn poll(&mut self) -> Result<Vec<Edge>, GpioError>;
    /// An input changed level and is being debounced: poll again soon.
    fn settling(&self) -> bool {
        false
    }
    /// The debounced logical level of an input.
    fn input(&self, name: &str) -> Option<bool>;
    /// Drives a named output to its logical level (active-low applied).
    fn set(&mut self, name: &str, on: bool) -> Result<(), GpioError>;
    /// The last level set on an output (`None`: unknown name or never set).
    fn output(&self, name: &str) -> Option<bool>;
    fn has_backlight(&self) -> bool;
    /// Backlight brightness in percent (PWM duty cycle).
    fn set_backlight(&mut self, percent: u8) -> Result<(), GpioError>;
    /// Every output to its safe level and the backlight to full: at start and at shutdown.
    fn safe_state(&mut self) -> Result<(), GpioError>;
}

#[derive(Debug, thiserror::Error)]
pub enum GpioError {
    /// The backend cannot run on this machine: why, and what to do.
    #[error("{backend}: {reason}; {hint}")]
    Unavailable {
        backend: &'static str,
        reason: String,
        hint: String,
    },
    #[error("no GPIO {what} named {name:?} on this board (it has: {known})")]
    UnknownName {
        what: &'static str,
        name: String,
        known: String,
    },
    #[error("{backend}: line {pin}: {reason}")]
    Line {
        backend: &'static str,
        pin: u32,
        reason: String,
    },
    #[error("this board map has no backlight")]
    NoBacklight,
}

impl GpioError {
    pub fn kind(&self) -> DeviceErrorKind {
        match self {
            GpioError::Unavailable { .. } | GpioError::Line { .. } => DeviceErrorKind::NotConnected,
            GpioError::UnknownName { .. } | GpioError::NoBacklight => DeviceErrorKind::Refused,
        }
    }
}

/// Which lines a program claims: the kiosk all of them; `gpio watch` only the inputs (so
/// it changes no output); `gpio set` one output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    All,
    Inputs,
    Output(String),
}

/// The opened GPIO, and the simulator's controls when the backend is `sim`.
pub struct Opened {
    pub gpio: Box<dyn Gpio>,
    pub sim: Option<sim::SimGpio>,
}

/// Opens `board` with the configured backend (`chip` overrides the board's chip for
/// gpiocdev). The real backends fail here, on a machine without GPIO, with what to do.
pub fn open(
    kind: GpioKind,
    board: &BoardMap,
    chip: Option<&Path>,
    claim: &Claim,
    clock: Arc<dyn Clock>,
) -> Result<Opened, GpioError> {
    let claimed = board.claimed(claim)?;
    let (driver, sim): (Box<dyn lines::PinDriver>, _) = match kind {
        GpioKind::Sim => {
            let sim = sim::SimGpio::new(&claimed, Arc::clone(&clock));
            (Box::new(sim.driver()), Some(sim))
        }
        GpioKind::Rppal => (Box::new(rppal_driver::RppalDriver::open(&claimed)?), None),
        GpioKind::Gpiocdev => {
            let chip = chip.unwrap_or(claimed.chip.as_path());
            (Box::new(cdev::CdevDriver::open(&claimed, chip)?), None)
        }
    };
    let gpio = lines::BoardGpio::new(claimed, driver, clock)?;
    Ok(Opened {
        gpio: Box::new(gpio),
        sim,
    })
}

#[cfg(test)]
mod tests;
