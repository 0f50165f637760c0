//! Any Linux board through its GPIO character device (`/dev/gpiochipN`, uAPI v2) with the
//! `gpiocdev` crate: the board map's pins are line offsets on the chip. All lines of the
//! map are requested at once, as `township-kiosk`, outputs at their safe levels. No
//! backlight (a generic board has no known PWM for it). A missing or foreign device fails
//! with what to check.

use super::board::{BoardMap, Pull};
use super::lines::PinDriver;
use super::GpioError;
use gpiocdev::line::{Bias, Value};
use gpiocdev::Request;
use std::path::{Path, PathBuf};

const BACKEND: &str = "gpiocdev";

pub struct CdevDriver {
    chip: PathBuf,
    /// `None` when the map claims no line.
    request: Option<Request>,
}

impl CdevDriver {
    pub fn open(board: &BoardMap, chip: &Path) -> Result<CdevDriver, GpioError> {
        probe(chip)?;
        let mut builder = Request::builder();
        builder.on_chip(chip).with_consumer("township-kiosk");
        for input in board.input.values() {
            builder.with_line(input.pin).as_input().with_bias(match input.pull {
                Pull::Up => Some(Bias::PullUp),
                Pull::Down => Some(Bias::PullDown),
                Pull::None => None,
            });
        }
        for output in board.output.values() {
            let high = output.safe != output.active_low;
            builder
                .with_line(output.pin)
                .as_output(if high { Value::Active } else { Value::Inactive });
        }
        let claimed = !board.input.is_empty() || !board.output.is_empty();
        let request = if claimed {
            Some(builder.request().map_err(|e| GpioError::Unavailable {
                backend: BACKEND,
                reason: format!("cannot request the board's lines on {}: {e}", chip.display()),
                hint: "check the board map's line offsets with `gpioinfo`, and that no other program (a running kiosk?) holds them".into(),
            })?)
        } else {
            None
        };
        Ok(CdevDriver {
            chip: chip.to_path_buf(),
            request,
        })
    }
}

/// Whether `chip` is a GPIO character device this user can open (requests no line).
pub fn probe(chip: &Path) -> Result<(), GpioError> {
    let unavailable = |reason: String, hint: &str| GpioError::Unavailable {
        backend: BACKEND,
        reason,
        hint: hint.to_string(),
    };
    match std::fs::metadata(chip) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(unavailable(
                format!("{} does not exist: this machine has no GPIO chip there", chip.display()),
                "list the chips with `ls /dev/gpiochip*` and set [devices.gpio] chip; without GPIO hardware use kind = \"sim\"",
            ))
        }
        Err(e) => {
            return Err(unavailable(
                format!("cannot open {}: {e}", chip.display()),
                "add the kiosk's user to the gpio group (or a udev rule for the chip)",
            ))
        }
        Ok(_) => {}
    }
    gpiocdev::chip::is_chip(chip).map(|_| ()).map_err(|e| {
        unavailable(
            format!("{} is not a GPIO character device ({e})", chip.display()),
            "set [devices.gpio] chip to a /dev/gpiochipN device",
        )
    })?;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(chip)
        .map(|_| ())
        .map_err(|e| {
            unavailable(
                format!("cannot open {}: {e}", chip.display()),
                "add the kiosk's user to the gpio group (or a udev rule for the chip)",
            )
        })
}

impl CdevDriver {
    fn request(&self, pin: u32) -> Result<&Request, GpioError> {
        self.request.as_ref().ok_or(GpioError::Line {
            backend: BACKEND,
            pin,
            reason: "not requested".into(),
        })
    }

    fn line_error(&self, pin: u32, e: gpiocdev::Error) -> GpioError {
        GpioError::Line {
            backend: BACKEND,
            pin,
            reason: format!("{} line {pin}: {e}", self.chip.display()),
        }
    }
}

impl PinDriver for CdevDriver {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    fn read(&mut self, pin: u32) -> Result<bool, GpioError> {
        let value = self.request(pin)?.value(pin).map_err(|e| self.line_error(pin, e))?;
        Ok(value == Value::Active)
    }

    fn write(&mut self, pin: u32, high: bool) -> Result<(), GpioError> {
        let value = if high { Value::Active } else { Value::Inactive };
        self.request(pin)?
            .set_value(pin, value)
            .map_err(|e| self.line_error(pin, e))
    }

    fn note(&self) -> String {
        self.chip.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_chip_says_where_to_look() {
        let dir = tempfile::tempdir().unwrap();
        let chip = dir.path().join("gpiochip9");
        let board = BoardMap::load("generic-gpiochip").unwrap();
        let message = CdevDriver::open(&board, &chip)
            .err()
            .expect("opened a missing chip")
            .to_string();
        assert!(message.starts_with("gpiocdev: "), "{message}");
        assert!(
            message.contains(&format!("{} does not exist", chip.display())),
            "{message}"
        );
        assert!(
            message.contains("ls /dev/gpiochip*") && message.contains("kind = \"sim\""),
            "{message}"
        );
    }

    #[test]
    fn a_file_that_is_not_a_chip_is_named_so() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let board = BoardMap::load("generic-gpiochip").unwrap();
        let message = CdevDriver::open(&board, file.path())
            .err()
            .expect("opened a plain file")
            .to_string();
        assert!(message.contains("is not a GPIO character device"), "{message}");
        assert!(message.contains("/dev/gpiochipN"), "{message}");
    }
}
