//! What every board shares, on top of a [`PinDriver`] that only reads and writes physical
//! levels: names from the board map, active-low, software debounce of sampled inputs (the
//! same on every backend, so the tests exercise the code a kiosk runs), the last level of
//! each output, safe states and the backlight.

use super::board::BoardMap;
use super::clock::Clock;
use super::debounce::Debouncer;
use super::{Edge, Gpio, GpioError};
use std::sync::Arc;

/// One technology's access to pins: physical levels only (`true` = high).
pub trait PinDriver: Send {
    /// `sim`, `rppal` or `gpiocdev`.
    fn backend(&self) -> &'static str;
    fn read(&mut self, pin: u32) -> Result<bool, GpioError>;
    fn write(&mut self, pin: u32, high: bool) -> Result<(), GpioError>;
    /// The backlight, when the board has one and it could be opened.
    fn has_backlight(&self) -> bool {
        false
    }
    /// Duty cycle 0.0 to 1.0.
    fn set_backlight(&mut self, _duty: f64) -> Result<(), GpioError> {
        Err(GpioError::NoBacklight)
    }
    /// What a technician should know about the backend (the chip, why no backlight).
    fn note(&self) -> String {
        String::new()
    }
}

struct Input {
    name: String,
    pin: u32,
    active_low: bool,
    debouncer: Debouncer,
}

struct Output {
    name: String,
    pin: u32,
    active_low: bool,
    safe: bool,
    on: Option<bool>,
}

/// The [`Gpio`] of a board map over a driver.
pub struct BoardGpio {
    board: BoardMap,
    driver: Box<dyn PinDriver>,
    clock: Arc<dyn Clock>,
    inputs: Vec<Input>,
    outputs: Vec<Output>,
}

impl BoardGpio {
    /// Reads each input once (its starting level: no edge) and puts the outputs in their
    /// safe states.
    pub fn new(board: BoardMap, mut driver: Box<dyn PinDriver>, clock: Arc<dyn Clock>) -> Result<BoardGpio, GpioError> {
        let mut inputs = Vec::new();
        for (name, pin) in &board.input {
            let level = driver.read(pin.pin)? != pin.active_low;
            inputs.push(Input {
                name: name.clone(),
                pin: pin.pin,
                active_low: pin.active_low,
                debouncer: Debouncer::new(level, pin.debounce_ms),
            });
        }
        let outputs = board
            .output
            .iter()
            .map(|(name, pin)| Output {
                name: name.clone(),
                pin: pin.pin,
                active_low: pin.active_low,
                safe: pin.safe,
                on: None,
            })
            .collect();
        let mut gpio = BoardGpio {
            board,
            driver,
            clock,
            inputs,
            outputs,
        };
        gpio.safe_state()?;
        Ok(gpio)
    }

    fn unknown(&self, what: &'static str, name: &str) -> GpioError {
        let known: Vec<&str> = match what {
            "input" => self.inputs.iter().map(|i| i.name.as_str()).collect(),
            _ => self.outputs.iter().map(|o| o.name.as_str()).collect(),
        };
        GpioError::UnknownName {
            what,
            name: name.to_string(),
            known: if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            },
        }
    }
}

impl Gpio for BoardGpio {
    fn settling(&self) -> bool {
        self.inputs.iter().any(|i| i.debouncer.settling())
    }
    fn describe(&self) -> String {
        let pins = |names: Vec<String>| {
            if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            }
        };
        let inputs = pins(
            self.inputs
                .iter()
                .map(|i| format!("{} {}{}", i.name, i.pin, if i.active_low { " active-low" } else { "" }))
                .collect(),
        );
        let outputs = pins(
            self.outputs
                .iter()
                .map(|o| format!("{} {}{}", o.name, o.pin, if o.active_low { " active-low" } else { "" }))
                .collect(),
        );
        let note = self.driver.note();
        format!(
            "{} on board {} — inputs: {inputs}; outputs: {outputs}; backlight: {}{}",
            self.driver.backend(),
            self.board.name,
            if self.driver.has_backlight() { "PWM" } else { "none" },
            if note.is_empty() {
                String::new()
            } else {
                format!(" ({note})")
            }
        )
    }

    fn board(&self) -> &BoardMap {
        &self.board
    }

    fn poll(&mut self) -> Result<Vec<Edge>, GpioError> {
        let now = self.clock.now_ms();
        let mut edges = Vec::new();
        for input in &mut self.inputs {
            let level = self.driver.read(input.pin)? != input.active_low;
            if let Some((on, at_ms)) = input.debouncer.sample(level, now) {
                edges.push(Edge {
                    name: input.name.clone(),
                    on,
                    at_ms,
                });
            }
        }
        Ok(edges)
    }

    fn input(&self, name: &str) -> Option<bool> {
        self.inputs.iter().find(|i| i.name == name).map(|i| i.debouncer.level())
    }

    fn set(&mut self, name: &str, on: bool) -> Result<(), GpioError> {
        let Some(index) = self.outputs.iter().position(|o| o.name == name) else {
            return Err(self.unknown("output", name));
        };
        let output = &mut self.outputs[index];
        self.driver.write(output.pin, on != output.active_low)?;
        output.on = Some(on);
        Ok(())
    }

    fn output(&self, name: &str) -> Option<bool> {
        self.outputs.iter().find(|o| o.name == name).and_then(|o| o.on)
    }

    fn has_backlight(&self) -> bool {
        self.driver.has_backlight()
    }

    fn set_backlight(&mut self, percent: u8) -> Result<(), GpioError> {
        self.driver.set_backlight(f64::from(percent.min(100)) / 100.0)
    }

    fn safe_state(&mut self) -> Result<(), GpioError> {
        let mut first_error = None;
        for output in &mut self.outputs {
            // Every output is tried even when one fails.
            match self.driver.write(output.pin, output.safe != output.active_low) {
                Ok(()) => output.on = Some(output.safe),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if self.driver.has_backlight() {
            if let Err(e) = self.driver.set_backlight(1.0) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}
