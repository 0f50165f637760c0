//! Scripts for the simulated GPIO's inputs (`kiosk gpio watch --sim-script FILE`): one step a
//! line, `MILLISECONDS NAME on|off`, the time counted from the start; `#` starts a comment.
//! A built-in script shows a technician what a presence sensor and a paper-low switch look
//! like, chatter and a glitch included.

use super::sim::SimGpio;
use super::GpioError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub at_ms: u64,
    pub name: String,
    pub on: bool,
}

/// Someone walks up (the sensor chatters for 6 ms), stays 2 s and leaves; a 20 ms glitch
/// (shorter than presence's debounce: no edge); the paper-low switch closes with chatter.
pub const BUILT_IN: &str = "\
# someone walks up; the sensor output chatters for 6 ms, then holds
500 presence on
503 presence off
506 presence on
# they leave
2500 presence off
# a 20 ms glitch: shorter than the debounce time, so no edge
3000 presence on
3020 presence off
# the paper roll runs low; the switch chatters as it closes
3500 paper-low on
3504 paper-low off
3508 paper-low on
";

/// Parses a script; the error names the line.
pub fn parse(text: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let step = match fields.as_slice() {
            [at, name, level] => {
                let at_ms = at
                    .parse()
                    .map_err(|_| format!("line {}: {at:?} is not milliseconds", index + 1))?;
                let on = match *level {
                    "on" => true,
                    "off" => false,
                    other => return Err(format!("line {}: {other:?} is not on or off", index + 1)),
                };
                Step {
                    at_ms,
                    name: name.to_string(),
                    on,
                }
            }
            _ => return Err(format!("line {}: expected `MILLISECONDS NAME on|off`", index + 1)),
        };
        if steps.last().is_some_and(|last: &Step| last.at_ms > step.at_ms) {
            return Err(format!("line {}: steps must be in time order", index + 1));
        }
        steps.push(step);
    }
    Ok(steps)
}

/// Plays a script on the simulated GPIO as time passes.
pub struct Player {
    steps: Vec<Step>,
    next: usize,
}

impl Player {
    /// Checks every step's input name against the simulated board first.
    pub fn new(steps: Vec<Step>, sim: &SimGpio) -> Result<Player, GpioError> {
        for step in &steps {
            sim.input_level(&step.name)?;
        }
        Ok(Player { steps, next: 0 })
    }

    /// Applies every step due by `elapsed_ms`.
    pub fn play_until(&mut self, elapsed_ms: u64, sim: &SimGpio) -> Result<(), GpioError> {
        while let Some(step) = self.steps.get(self.next).filter(|s| s.at_ms <= elapsed_ms) {
            sim.set_input(&step.name, step.on)?;
            self.next += 1;
        }
        Ok(())
    }

    pub fn done(&self) -> bool {
        self.next == self.steps.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_script_parses_and_errors_name_the_line() {
        let steps = parse(BUILT_IN).unwrap();
        assert_eq!(steps.len(), 9);
        assert_eq!(
            steps[0],
            Step {
                at_ms: 500,
                name: "presence".into(),
                on: true
            }
        );
        assert_eq!(
            parse("10 presence maybe").unwrap_err(),
            "line 1: \"maybe\" is not on or off"
        );
        assert_eq!(
            parse("\n# x\n20 a on\n10 a off").unwrap_err(),
            "line 4: steps must be in time order"
        );
        assert!(parse("soon presence on").unwrap_err().contains("not milliseconds"));
    }
}
