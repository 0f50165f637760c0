//! The simulated GPIO: the tests (and `kiosk gpio watch` on the sim backend) set input
//! levels by name, and read back every output change with the clock's time. Physical
//! levels are kept, so active-low wiring is simulated, not skipped. Clones share the pins.

use super::board::BoardMap;
use super::clock::Clock;
use super::lines::PinDriver;
use super::GpioError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One output change as the board would show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputChange {
    pub at_ms: u64,
    pub name: String,
    /// Logical level (what the app asked for).
    pub on: bool,
    /// Level on the wire.
    pub high: bool,
}

#[derive(Default)]
struct Pins {
    levels: HashMap<u32, bool>,
    log: Vec<OutputChange>,
    backlight: Vec<(u64, u8)>,
}

#[derive(Clone)]
pub struct SimGpio {
    board: BoardMap,
    clock: Arc<dyn Clock>,
    pins: Arc<Mutex<Pins>>,
}

impl SimGpio {
    /// Every input starts inactive (an active-low input's wire high).
    pub fn new(board: &BoardMap, clock: Arc<dyn Clock>) -> SimGpio {
        let levels = board.input.values().map(|p| (p.pin, p.active_low)).collect();
        SimGpio {
            board: board.clone(),
            clock,
            pins: Arc::new(Mutex::new(Pins {
                levels,
                ..Default::default()
            })),
        }
    }

    fn pins(&self) -> std::sync::MutexGuard<'_, Pins> {
        self.pins.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The driver for [`super::lines::BoardGpio`], sharing these pins.
    pub fn driver(&self) -> SimDriver {
        SimDriver(self.clone())
    }

    /// Sets an input's logical level (active-low applied), as the sensor would.
    pub fn set_input(&self, name: &str, on: bool) -> Result<(), GpioError> {
        let pin = self.input_pin(name)?;
        self.set_level(pin.pin, on != pin.active_low);
        Ok(())
    }

    /// Sets the wire of an input high or low.
    pub fn set_input_level(&self, name: &str, high: bool) -> Result<(), GpioError> {
        let pin = self.input_pin(name)?.pin;
        self.set_level(pin, high);
        Ok(())
    }

    fn set_level(&self, pin: u32, high: bool) {
        self.pins().levels.insert(pin, high);
    }

    /// An input's wire level now.
    pub fn input_level(&self, name: &str) -> Result<bool, GpioError> {
        let pin = self.input_pin(name)?.pin;
        Ok(self.pins().levels.get(&pin).copied().unwrap_or(false))
    }

    fn input_pin(&self, name: &str) -> Result<super::board::InputPin, GpioError> {
        self.board
            .input
            .get(name)
            .cloned()
            .ok_or_else(|| GpioError::UnknownName {
                what: "input",
                name: name.to_string(),
                known: self.board.input.keys().cloned().collect::<Vec<_>>().join(", "),
            })
    }

    /// An output's logical level now (`None` before the first write).
    pub fn output(&self, name: &str) -> Option<bool> {
        let pin = self.board.output.get(name)?;
        self.pins().levels.get(&pin.pin).map(|high| *high != pin.active_low)
    }

    /// An output's wire level now.
    pub fn output_level(&self, name: &str) -> Option<bool> {
        let pin = self.board.output.get(name)?;
        self.pins().levels.get(&pin.pin).copied()
    }

    /// Every output write so far, in order (writes of an unchanged level included).
    pub fn log(&self) -> Vec<OutputChange> {
        self.pins().log.clone()
    }

    /// Backlight settings so far: (time, percent).
    pub fn backlight_log(&self) -> Vec<(u64, u8)> {
        self.pins().backlight.clone()
    }
}

pub struct SimDriver(SimGpio);

impl PinDriver for SimDriver {
    fn backend(&self) -> &'static str {
        "sim"
    }

    fn read(&mut self, pin: u32) -> Result<bool, GpioError> {
        Ok(self.0.pins().levels.get(&pin).copied().unwrap_or(false))
    }

    fn write(&mut self, pin: u32, high: bool) -> Result<(), GpioError> {
        let at_ms = self.0.clock.now_ms();
        let (name, active_low) = self
            .0
            .board
            .output
            .iter()
            .find(|(_, p)| p.pin == pin)
            .map(|(n, p)| (n.clone(), p.active_low))
            .ok_or(GpioError::Line {
                backend: "sim",
                pin,
                reason: "not an output of this board".into(),
            })?;
        let mut pins = self.0.pins();
        pins.levels.insert(pin, high);
        pins.log.push(OutputChange {
            at_ms,
            name,
            on: high != active_low,
            high,
        });
        Ok(())
    }

    fn has_backlight(&self) -> bool {
        self.0.board.backlight.is_some()
    }

    fn set_backlight(&mut self, duty: f64) -> Result<(), GpioError> {
        if !self.has_backlight() {
            return Err(GpioError::NoBacklight);
        }
        let at_ms = self.0.clock.now_ms();
        self.0.pins().backlight.push((at_ms, (duty * 100.0).round() as u8));
        Ok(())
    }

    fn note(&self) -> String {
        "simulated".into()
    }
}
