//! Board pin maps (`hardware/gpio/*.toml`): which pin each named input and output is, its
//! polarity, debounce time and pull resistor, the safe level of each output, and the PWM
//! backlight where the board has one. The kiosk's maps are built in; a technician's own
//! map is a path ending in `.toml`.

use super::{Claim, GpioError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The maps built into the binary: (name, TOML).
pub const EMBEDDED: [(&str, &str); 2] = [
    (
        "raspberry-pi-4",
        include_str!("../../../hardware/gpio/raspberry-pi-4.toml"),
    ),
    (
        "generic-gpiochip",
        include_str!("../../../hardware/gpio/generic-gpiochip.toml"),
    ),
];
pub const DEFAULT_BOARD: &str = "raspberry-pi-4";
/// The longest debounce a map may ask for.
pub const MAX_DEBOUNCE_MS: u64 = 2000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pull {
    Up,
    Down,
    #[default]
    None,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct InputPin {
    /// BCM number (rppal) or line offset on the chip (gpiocdev).
    pub pin: u32,
    #[serde(default)]
    pub active_low: bool,
    #[serde(default = "default_debounce_ms")]
    pub debounce_ms: u64,
    #[serde(default)]
    pub pull: Pull,
}

fn default_debounce_ms() -> u64 {
    20
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OutputPin {
    pub pin: u32,
    #[serde(default)]
    pub active_low: bool,
    /// The logical level at start and at shutdown.
    #[serde(default)]
    pub safe: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Backlight {
    /// The Pi's hardware PWM channel (0: GPIO18 or GPIO12, 1: GPIO19 or GPIO13).
    pub pwm_channel: u8,
    #[serde(default = "default_frequency")]
    pub frequency_hz: u32,
}

fn default_frequency() -> u32 {
    1000
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BoardMap {
    /// The embedded name or the file it came from.
    #[serde(skip)]
    pub name: String,
    pub description: String,
    /// The backends this map is written for (`rppal`, `gpiocdev`); `sim` runs any map.
    pub backends: Vec<String>,
    /// The GPIO character device (gpiocdev); `[devices.gpio] chip` overrides it.
    #[serde(default = "default_chip")]
    pub chip: PathBuf,
    #[serde(default)]
    pub input: BTreeMap<String, InputPin>,
    #[serde(default)]
    pub output: BTreeMap<String, OutputPin>,
    pub backlight: Option<Backlight>,
}

fn default_chip() -> PathBuf {
    "/dev/gpiochip0".into()
}

#[derive(Debug, thiserror::Error)]
pub enum BoardError {
    #[error("unknown GPIO board {0:?}: use one of {known} or a path to a board map ending in .toml", known = embedded_names())]
    Unknown(String),
    #[error("cannot read GPIO board map {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("GPIO board map {name}: {message}")]
    Invalid { name: String, message: String },
}

/// The embedded maps' names, comma separated.
pub fn embedded_names() -> String {
    EMBEDDED.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

impl BoardMap {
    /// An embedded map by name, or a file when `spec` ends in `.toml`; checked.
    pub fn load(spec: &str) -> Result<BoardMap, BoardError> {
        let (name, text) = if spec.ends_with(".toml") {
            let path = Path::new(spec);
            let text = std::fs::read_to_string(path).map_err(|source| BoardError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            (spec.to_string(), text)
        } else {
            let (_, text) = EMBEDDED
                .iter()
                .find(|(n, _)| *n == spec)
                .ok_or_else(|| BoardError::Unknown(spec.to_string()))?;
            (spec.to_string(), text.to_string())
        };
        BoardMap::parse(&name, &text)
    }

    /// Parses and checks one map's text.
    pub fn parse(name: &str, text: &str) -> Result<BoardMap, BoardError> {
        let invalid = |message: String| BoardError::Invalid {
            name: name.to_string(),
            message,
        };
        let mut map: BoardMap = toml::from_str(text).map_err(|e| invalid(e.to_string().trim().to_string()))?;
        map.name = name.to_string();
        let problems = map.problems();
        if problems.is_empty() {
            Ok(map)
        } else {
            Err(invalid(problems.join("; ")))
        }
    }

    /// Everything wrong with the map, one sentence each.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for backend in &self.backends {
            if !["rppal", "gpiocdev"].contains(&backend.as_str()) {
                problems.push(format!("backends: {backend:?} is not rppal or gpiocdev"));
            }
        }
        let mut pins: BTreeMap<u32, &str> = BTreeMap::new();
        let lines = self
            .input
            .iter()
            .map(|(n, p)| (n, p.pin))
            .chain(self.output.iter().map(|(n, p)| (n, p.pin)));
        for (name, pin) in lines {
            if !valid_name(name) {
                problems.push(format!("{name:?} is not a name of lower-case letters, digits and -"));
            }
            if self.input.contains_key(name) && self.output.contains_key(name) {
                problems.push(format!("{name:?} is both an input and an output"));
            }
            if let Some(other) = pins.insert(pin, name) {
                problems.push(format!("pin {pin} is used by both {other:?} and {name:?}"));
            }
        }
        for (name, input) in &self.input {
            if input.debounce_ms > MAX_DEBOUNCE_MS {
                problems.push(format!(
                    "input.{name}.debounce-ms: {} is more than {MAX_DEBOUNCE_MS}",
                    input.debounce_ms
                ));
            }
        }
        if let Some(backlight) = &self.backlight {
            if backlight.pwm_channel > 3 {
                problems.push("backlight.pwm-channel must be 0 to 3".into());
            }
            if !(100..=100_000).contains(&backlight.frequency_hz) {
                problems.push("backlight.frequency-hz must be between 100 and 100000".into());
            }
        }
        problems
    }

    /// Whether the map is written for `backend` (`sim` runs any map).
    pub fn supports(&self, backend: &str) -> bool {
        backend == "sim" || self.backends.iter().any(|b| b == backend)
    }

    /// The part of the map a program claims.
    pub fn claimed(&self, claim: &Claim) -> Result<BoardMap, GpioError> {
        let mut map = self.clone();
        match claim {
            Claim::All => {}
            Claim::Inputs => {
                map.output.clear();
                map.backlight = None;
            }
            Claim::Output(name) => {
                let Some(pin) = self.output.get(name) else {
                    return Err(GpioError::UnknownName {
                        what: "output",
                        name: name.clone(),
                        known: self.output.keys().cloned().collect::<Vec<_>>().join(", "),
                    });
                };
                map.input.clear();
                map.backlight = None;
                map.output = BTreeMap::from([(name.clone(), pin.clone())]);
            }
        }
        Ok(map)
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_map_loads() {
        for (name, _) in EMBEDDED {
            let map = BoardMap::load(name).unwrap();
            assert_eq!(map.name, name);
            assert!(map.input.contains_key(super::super::role::PRESENCE), "{name}");
        }
        let pi = BoardMap::load("raspberry-pi-4").unwrap();
        assert!(pi.input["paper-low"].active_low);
        assert_eq!(pi.input["paper-low"].debounce_ms, 200);
        assert!(pi.backlight.is_some() && pi.supports("rppal") && pi.supports("gpiocdev"));
        assert!(!BoardMap::load("generic-gpiochip").unwrap().supports("rppal"));
    }

    #[test]
    fn a_map_with_a_shared_pin_or_a_long_debounce_is_refused() {
        let text = "description = \"x\"\nbackends = [\"gpiocdev\"]\n[input.presence]\npin = 4\ndebounce-ms = 5000\n[output.led-ready]\npin = 4\n";
        let message = BoardMap::parse("bad.toml", text).unwrap_err().to_string();
        assert!(
            message.contains("pin 4 is used by both \"presence\" and \"led-ready\""),
            "{message}"
        );
        assert!(message.contains("debounce-ms: 5000 is more than 2000"), "{message}");
        assert!(message.starts_with("GPIO board map bad.toml"), "{message}");
    }

    #[test]
    fn an_unknown_board_names_the_known_ones() {
        let message = BoardMap::load("raspbery-pi").unwrap_err().to_string();
        assert!(message.contains("raspberry-pi-4, generic-gpiochip"), "{message}");
        let missing = BoardMap::load("/nonexistent/board.toml").unwrap_err().to_string();
        assert!(
            missing.starts_with("cannot read GPIO board map /nonexistent/board.toml"),
            "{missing}"
        );
    }

    #[test]
    fn a_claim_keeps_only_what_it_names() {
        let pi = BoardMap::load(DEFAULT_BOARD).unwrap();
        let inputs = pi.claimed(&Claim::Inputs).unwrap();
        assert!(inputs.output.is_empty() && inputs.backlight.is_none() && inputs.input.len() == 2);
        let one = pi.claimed(&Claim::Output("led-busy".into())).unwrap();
        assert_eq!(one.output.keys().collect::<Vec<_>>(), ["led-busy"]);
        assert!(one.input.is_empty());
        let wrong = pi.claimed(&Claim::Output("presence".into())).unwrap_err().to_string();
        assert!(wrong.contains("no GPIO output named \"presence\""), "{wrong}");
        assert!(wrong.contains("led-attention, led-busy, led-ready"), "{wrong}");
    }
}
