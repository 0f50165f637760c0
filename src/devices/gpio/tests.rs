//! The shared GPIO layer against the simulated backend: names, active-low on the wire,
//! debounced edges with their times, safe states, the backlight.

use super::board::BoardMap;
use super::clock::{Clock, ManualClock};
use super::sim::SimGpio;
use super::GpioKind;
use super::{open, Claim, Gpio};
use std::sync::Arc;

fn pi() -> BoardMap {
    BoardMap::load("raspberry-pi-4").unwrap()
}

fn open_sim(board: &BoardMap) -> (Box<dyn Gpio>, SimGpio, ManualClock) {
    let clock = ManualClock::new();
    let opened = open(GpioKind::Sim, board, None, &Claim::All, Arc::new(clock.clone())).unwrap();
    (opened.gpio, opened.sim.unwrap(), clock)
}

/// Polls every `step` ms from the clock's time up to `until` (inclusive); the edges.
fn poll_until(gpio: &mut dyn Gpio, clock: &ManualClock, until: u64, step: u64) -> Vec<(String, bool, u64)> {
    let mut edges = Vec::new();
    while clock.now_ms() <= until {
        edges.extend(gpio.poll().unwrap().into_iter().map(|e| (e.name, e.on, e.at_ms)));
        clock.advance(step);
    }
    edges
}

#[test]
fn a_bouncing_presence_sensor_gives_one_edge_dated_when_it_settled() {
    let (mut gpio, sim, clock) = open_sim(&pi());
    assert_eq!(gpio.input("presence"), Some(false));
    // Chatter every 5 ms (shorter than presence's 50 ms debounce), then it holds.
    for (t, on) in [(100, true), (105, false), (110, true), (115, false), (120, true)] {
        clock.set(t);
        sim.set_input("presence", on).unwrap();
        assert_eq!(gpio.poll().unwrap(), vec![], "no edge while it bounces (at {t} ms)");
    }
    let edges = poll_until(gpio.as_mut(), &clock, 400, 10);
    assert_eq!(edges, vec![("presence".to_string(), true, 120)]);
    assert_eq!(gpio.input("presence"), Some(true));
    sim.set_input("presence", false).unwrap();
    let edges = poll_until(gpio.as_mut(), &clock, 600, 10);
    assert_eq!(edges, vec![("presence".to_string(), false, 410)]);
}

#[test]
fn a_glitch_shorter_than_the_debounce_time_is_no_edge() {
    let (mut gpio, sim, clock) = open_sim(&pi());
    sim.set_input("paper-low", true).unwrap();
    clock.set(0);
    assert!(
        poll_until(gpio.as_mut(), &clock, 190, 10).is_empty(),
        "190 ms < 200 ms debounce"
    );
    sim.set_input("paper-low", false).unwrap();
    assert!(poll_until(gpio.as_mut(), &clock, 1000, 10).is_empty());
    assert_eq!(gpio.input("paper-low"), Some(false));
}

#[test]
fn active_low_inputs_and_outputs_are_inverted_on_the_wire() {
    let (mut gpio, sim, clock) = open_sim(&pi());
    // paper-low is active-low: the switch pulls the wire low when the roll is thin.
    assert!(sim.input_level("paper-low").unwrap(), "inactive = wire high");
    sim.set_input_level("paper-low", false).unwrap();
    let edges = poll_until(gpio.as_mut(), &clock, 300, 10);
    assert_eq!(edges, vec![("paper-low".to_string(), true, 0)]);
    // presence is active-high: a high wire is someone there.
    sim.set_input_level("presence", true).unwrap();
    let edges = poll_until(gpio.as_mut(), &clock, 400, 10);
    assert_eq!(edges, vec![("presence".to_string(), true, 310)]);

    let text = pi_toml().replace(
        "[output.led-busy]\npin = 23",
        "[output.led-busy]\npin = 23\nactive-low = true",
    );
    let board = BoardMap::parse("inverted", &text).unwrap();
    let (mut gpio, sim, _) = open_sim(&board);
    assert_eq!(
        sim.output_level("led-busy"),
        Some(true),
        "off = wire high on an active-low LED"
    );
    gpio.set("led-busy", true).unwrap();
    assert_eq!(
        (sim.output("led-busy"), sim.output_level("led-busy")),
        (Some(true), Some(false))
    );
    assert_eq!(gpio.output("led-busy"), Some(true));
}

fn pi_toml() -> String {
    super::board::EMBEDDED[0].1.to_string()
}

#[test]
fn opening_puts_outputs_in_their_safe_state_and_logs_writes_with_times() {
    let text = pi_toml().replace(
        "[output.led-ready]\npin = 22",
        "[output.led-ready]\npin = 22\nsafe = true",
    );
    let board = BoardMap::parse("safe-ready", &text).unwrap();
    let (mut gpio, sim, clock) = open_sim(&board);
    assert_eq!(sim.output("led-ready"), Some(true));
    assert_eq!(sim.output("led-attention"), Some(false));
    clock.set(1234);
    gpio.set("led-attention", true).unwrap();
    let last = sim.log().pop().unwrap();
    assert_eq!(
        (last.at_ms, last.name.as_str(), last.on, last.high),
        (1234, "led-attention", true, true)
    );
    clock.set(2000);
    gpio.set_backlight(20).unwrap();
    gpio.safe_state().unwrap();
    assert_eq!(sim.output("led-attention"), Some(false));
    assert_eq!(sim.output("led-ready"), Some(true));
    assert_eq!(sim.backlight_log(), vec![(0, 100), (2000, 20), (2000, 100)]);
}

#[test]
fn unknown_names_and_missing_backlights_are_refused_with_what_exists() {
    let (mut gpio, _, _) = open_sim(&pi());
    let error = gpio.set("led-red", true).unwrap_err().to_string();
    assert_eq!(
        error,
        "no GPIO output named \"led-red\" on this board (it has: led-attention, led-busy, led-ready)"
    );
    assert!(gpio.set("presence", true).is_err(), "an input is not an output");
    let generic = BoardMap::load("generic-gpiochip").unwrap();
    let (mut gpio, _, _) = open_sim(&generic);
    assert!(!gpio.has_backlight());
    assert_eq!(
        gpio.set_backlight(50).unwrap_err().to_string(),
        "this board map has no backlight"
    );
}

#[test]
fn the_real_backends_fail_here_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let chip = dir.path().join("gpiochip0");
    let generic = BoardMap::load("generic-gpiochip").unwrap();
    let clock = Arc::new(ManualClock::new());
    let error = open(GpioKind::Gpiocdev, &generic, Some(&chip), &Claim::All, clock.clone())
        .err()
        .unwrap();
    assert_eq!(error.kind(), crate::devices::DeviceErrorKind::NotConnected);
    assert!(error.to_string().contains("does not exist"), "{error}");
    // A claim for a name the board lacks fails before any hardware is touched.
    let unknown = open(GpioKind::Rppal, &pi(), None, &Claim::Output("buzzer".into()), clock)
        .err()
        .unwrap();
    assert!(
        unknown.to_string().contains("no GPIO output named \"buzzer\""),
        "{unknown}"
    );
}
