//! The Raspberry Pi through `rppal`: the board map's pins are BCM numbers; inputs get the
//! SoC's pull resistors; the backlight is a hardware PWM channel (it needs `dtoverlay=pwm`,
//! and the kiosk runs on without dimming when the channel cannot be opened). Off a Pi,
//! opening fails with what to configure instead.

use super::board::{BoardMap, Pull};
use super::lines::PinDriver;
use super::GpioError;
use rppal::gpio::{InputPin, Level, OutputPin};
use rppal::pwm::{Channel, Polarity, Pwm};
use std::collections::HashMap;

const BACKEND: &str = "rppal";

pub struct RppalDriver {
    inputs: HashMap<u32, InputPin>,
    outputs: HashMap<u32, OutputPin>,
    pwm: Option<Pwm>,
    /// Why the board's backlight is not driven, when it has one.
    backlight_problem: Option<String>,
}

impl RppalDriver {
    pub fn open(board: &BoardMap) -> Result<RppalDriver, GpioError> {
        let gpio = rppal::gpio::Gpio::new().map_err(unavailable)?;
        let mut inputs = HashMap::new();
        for input in board.input.values() {
            let pin = gpio.get(bcm(input.pin)?).map_err(pin_error(input.pin))?;
            let pin = match input.pull {
                Pull::Up => pin.into_input_pullup(),
                Pull::Down => pin.into_input_pulldown(),
                Pull::None => pin.into_input(),
            };
            inputs.insert(input.pin, pin);
        }
        let mut outputs = HashMap::new();
        for output in board.output.values() {
            let pin = gpio.get(bcm(output.pin)?).map_err(pin_error(output.pin))?;
            let mut pin = if output.safe != output.active_low {
                pin.into_output_high()
            } else {
                pin.into_output_low()
            };
            // The level set last stays after the kiosk ends (it set the safe state).
            pin.set_reset_on_drop(false);
            outputs.insert(output.pin, pin);
        }
        let (pwm, backlight_problem) = match &board.backlight {
            None => (None, None),
            Some(backlight) => {
                let channel = match backlight.pwm_channel {
                    0 => Channel::Pwm0,
                    1 => Channel::Pwm1,
                    2 => Channel::Pwm2,
                    _ => Channel::Pwm3,
                };
                match Pwm::with_frequency(channel, f64::from(backlight.frequency_hz), 1.0, Polarity::Normal, true) {
                    Ok(pwm) => (Some(pwm), None),
                    Err(e) => {
                        let why = format!(
                            "PWM channel {} not available ({e}): add dtoverlay=pwm to /boot/firmware/config.txt",
                            backlight.pwm_channel
                        );
                        log::warn!("gpio backlight: {why}");
                        (None, Some(why))
                    }
                }
            }
        };
        Ok(RppalDriver {
            inputs,
            outputs,
            pwm,
            backlight_problem,
        })
    }
}

/// A board map's pin as a BCM number.
fn bcm(pin: u32) -> Result<u8, GpioError> {
    u8::try_from(pin).map_err(|_| GpioError::Line {
        backend: BACKEND,
        pin,
        reason: "not a BCM GPIO number".into(),
    })
}

/// Whether rppal recognises this machine as a Raspberry Pi (touches no pin).
pub fn probe() -> Result<String, GpioError> {
    rppal::system::DeviceInfo::new()
        .map(|info| format!("{}", info.model()))
        .map_err(|_| unavailable(rppal::gpio::Error::UnknownModel))
}

fn unavailable(error: rppal::gpio::Error) -> GpioError {
    use rppal::gpio::Error;
    let (reason, hint) = match error {
        Error::UnknownModel => (
            "this machine is not a Raspberry Pi (rppal cannot identify the model)".to_string(),
            "on another board set [devices.gpio] kind = \"gpiocdev\" with a gpiochip board map; without GPIO hardware use kind = \"sim\"".to_string(),
        ),
        Error::PermissionDenied(path) => (
            format!("permission denied on {path}"),
            "add the kiosk's user to the gpio group".to_string(),
        ),
        other => (other.to_string(), "check the board map's pins".to_string()),
    };
    GpioError::Unavailable {
        backend: BACKEND,
        reason,
        hint,
    }
}

fn pin_error(pin: u32) -> impl Fn(rppal::gpio::Error) -> GpioError {
    move |error| GpioError::Line {
        backend: BACKEND,
        pin,
        reason: match error {
            rppal::gpio::Error::PinUsed(_) => {
                "already in use (is the kiosk or another GPIO program running?)".to_string()
            }
            rppal::gpio::Error::PinNotAvailable(_) => "not a BCM GPIO number of this Pi".to_string(),
            other => other.to_string(),
        },
    }
}

impl PinDriver for RppalDriver {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn read(&mut self, pin: u32) -> Result<bool, GpioError> {
        self.inputs.get(&pin).map(InputPin::is_high).ok_or(GpioError::Line {
            backend: BACKEND,
            pin,
            reason: "not claimed as an input".into(),
        })
    }

    fn write(&mut self, pin: u32, high: bool) -> Result<(), GpioError> {
        let output = self.outputs.get_mut(&pin).ok_or(GpioError::Line {
            backend: BACKEND,
            pin,
            reason: "not claimed as an output".into(),
        })?;
        output.write(if high { Level::High } else { Level::Low });
        Ok(())
    }

    fn has_backlight(&self) -> bool {
        self.pwm.is_some()
    }

    fn set_backlight(&mut self, duty: f64) -> Result<(), GpioError> {
        let pwm = self.pwm.as_ref().ok_or(GpioError::NoBacklight)?;
        pwm.set_duty_cycle(duty.clamp(0.0, 1.0))
            .map_err(|e| GpioError::Unavailable {
                backend: BACKEND,
                reason: format!("backlight PWM: {e}"),
                hint: "check dtoverlay=pwm and the kiosk user's access to /sys/class/pwm".into(),
            })
    }

    fn note(&self) -> String {
        self.backlight_problem.clone().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::super::board::BoardMap;
    use super::*;

    fn on_a_pi() -> bool {
        std::fs::read_to_string("/proc/device-tree/model").is_ok_and(|m| m.contains("Raspberry Pi"))
    }

    #[test]
    fn off_a_pi_opening_says_what_to_configure_instead() {
        if on_a_pi() {
            eprintln!("skipped: this machine is a Raspberry Pi");
            return;
        }
        let board = BoardMap::load("raspberry-pi-4").unwrap();
        let error = RppalDriver::open(&board).err().expect("rppal opened off a Pi");
        let message = error.to_string();
        assert!(
            message.starts_with("rppal: this machine is not a Raspberry Pi"),
            "{message}"
        );
        assert!(
            message.contains("kind = \"gpiocdev\"") && message.contains("kind = \"sim\""),
            "{message}"
        );
        assert_eq!(error.kind(), crate::devices::DeviceErrorKind::NotConnected);
        assert!(probe().unwrap_err().to_string().contains("not a Raspberry Pi"));
    }
}
