//! The kiosk's GPIO at run time: its own thread samples the inputs every 10 ms, feeds the
//! debounced edges and the app's signals to [`GpioPolicy`], drives the LEDs and the
//! backlight, and reports screen wake/dim and paper-low to the app's inbox (and paper-low
//! and the GPIO's health to telemetry, for `/status` and the heartbeat). Outputs go to their
//! safe states when it starts and when it stops (`kiosk run` stops it on SIGTERM/SIGINT).
//!
//! The app's end is a [`GpioLink`]: `KioskApp` publishes its signals through it and keeps
//! the screen state the GPIO reported. [`GpioRunner::step`] is the whole loop body, so
//! tests drive it with a manual clock and the simulated GPIO instead of the thread.

use super::gpio_policy::{Desired, GpioPolicy, KioskSignals, PolicyReport, PolicySettings, Screen};
use super::printing::PrintOutcome;
use crate::config::Config;
use crate::devices::gpio::board::BoardMap;
use crate::devices::gpio::clock::{Clock, SystemClock};
use crate::devices::gpio::{role, Claim, Gpio, GpioError};
use crate::devices::nap::Nap;
use crate::devices::DeviceErrorKind;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the inputs are sampled while one is changing (debounce times are multiples of
/// this in practice).
pub const SAMPLE_PERIOD: Duration = Duration::from_millis(10);
/// How often they are sampled while every input is steady: an idle kiosk's GPIO wakes ten
/// times a second, not a hundred. A new level is seen within this, then followed at
/// [`SAMPLE_PERIOD`]; the app's signals wake the thread at once.
pub const STEADY_SAMPLE_PERIOD: Duration = Duration::from_millis(100);

/// What the GPIO tells the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GpioReport {
    Screen(Screen),
    PaperLow(bool),
}

/// The app's end of the GPIO.
pub struct GpioLink {
    signals: Arc<Mutex<KioskSignals>>,
    /// The GPIO thread's sleep: new signals wake it.
    nap: Arc<Nap>,
    screen: Screen,
    paper_low: bool,
    paper_out: bool,
    printer_fault: bool,
    activity: u64,
    led_test: Option<bool>,
    /// Whether a GPIO thread reads these signals.
    connected: bool,
}

impl Default for GpioLink {
    /// Not connected to any GPIO (tests, screenshots): publishing goes nowhere.
    fn default() -> Self {
        GpioLink::new(Arc::default(), Arc::default())
    }
}

impl GpioLink {
    fn new(signals: Arc<Mutex<KioskSignals>>, nap: Arc<Nap>) -> GpioLink {
        GpioLink {
            signals,
            nap,
            screen: Screen::Awake,
            paper_low: false,
            paper_out: false,
            printer_fault: false,
            activity: 0,
            led_test: None,
            connected: false,
        }
    }

    /// The screen as the GPIO policy has it: awake, or dimmed after inactivity.
    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// The paper-low switch (debounced).
    pub fn paper_low(&self) -> bool {
        self.paper_low
    }

    /// What the app is doing now; `activity` when a citizen did something.
    pub fn publish(&mut self, session_active: bool, staff_called: bool, reader_fault: bool, activity: bool) {
        if activity {
            self.activity += 1;
        }
        let signals = KioskSignals {
            session_active,
            staff_called,
            device_fault: reader_fault || self.printer_fault,
            paper_out: self.paper_out,
            activity: self.activity,
            led_test: self.led_test,
        };
        let mut published = self.signals.lock().unwrap_or_else(|p| p.into_inner());
        if *published != signals {
            *published = signals;
            drop(published);
            self.nap.nudge();
        }
    }

    /// A technician's LED test (`None`: the policy decides again). Takes effect at the next
    /// [`GpioLink::publish`].
    pub fn set_led_test(&mut self, test: Option<bool>) {
        self.led_test = test;
    }

    pub fn led_test(&self) -> Option<bool> {
        self.led_test
    }

    /// Whether a GPIO thread runs behind this link.
    pub fn connected(&self) -> bool {
        self.connected
    }

    /// The printer's state as the last print found it.
    pub fn note_print(&mut self, outcome: &PrintOutcome) {
        let kind = match outcome {
            PrintOutcome::Printed { .. } => None,
            PrintOutcome::ShowQrInstead { kind, .. } => Some(*kind),
        };
        self.paper_out = kind == Some(DeviceErrorKind::PaperOut);
        self.printer_fault = kind.is_some_and(|k| k != DeviceErrorKind::PaperOut);
    }

    pub fn on_report(&mut self, report: GpioReport) {
        match report {
            GpioReport::Screen(screen) => self.screen = screen,
            GpioReport::PaperLow(low) => self.paper_low = low,
        }
    }
}

type Sink = Box<dyn FnMut(GpioReport) + Send>;

/// One GPIO, its policy and the app's signals: the loop body of the GPIO thread.
pub struct GpioRunner {
    gpio: Box<dyn Gpio>,
    policy: GpioPolicy,
    signals: Arc<Mutex<KioskSignals>>,
    /// The thread's sleep between steps (the link nudges it, the service stops it).
    nap: Arc<Nap>,
    clock: Arc<dyn Clock>,
    applied: Option<Desired>,
    sink: Sink,
}

impl GpioRunner {
    /// Takes the inputs' starting levels; the outputs are already safe (opening did that),
    /// and the first step writes every output the policy drives.
    pub fn new(
        gpio: Box<dyn Gpio>,
        settings: PolicySettings,
        clock: Arc<dyn Clock>,
        mut sink: Sink,
    ) -> (GpioRunner, GpioLink) {
        let mut policy = GpioPolicy::new(settings, clock.now_ms());
        for report in policy.seed(gpio.input(role::PRESENCE), gpio.input(role::PAPER_LOW)) {
            sink(to_app(report));
        }
        let signals = Arc::new(Mutex::new(KioskSignals::default()));
        let nap = Arc::new(Nap::new());
        let mut link = GpioLink::new(Arc::clone(&signals), Arc::clone(&nap));
        link.connected = true;
        let runner = GpioRunner {
            gpio,
            policy,
            signals,
            nap,
            clock,
            applied: None,
            sink,
        };
        (runner, link)
    }

    pub fn gpio(&self) -> &dyn Gpio {
        self.gpio.as_ref()
    }

    /// Samples the inputs, runs the policy, writes the outputs that changed.
    pub fn step(&mut self) -> Result<(), GpioError> {
        let now = self.clock.now_ms();
        let edges = self.gpio.poll()?;
        for edge in &edges {
            log::debug!("gpio: {} {}", edge.name, if edge.on { "on" } else { "off" });
            for report in self.policy.on_edge(edge, now) {
                (self.sink)(to_app(report));
            }
        }
        let signals = *self.signals.lock().unwrap_or_else(|p| p.into_inner());
        let (desired, reports) = self.policy.step(&signals, now);
        for report in reports {
            (self.sink)(to_app(report));
        }
        self.apply(desired)
    }

    fn apply(&mut self, desired: Desired) -> Result<(), GpioError> {
        let before = self.applied.take();
        for (name, on) in desired.leds() {
            let changed = before.is_none_or(|b| b.leds().contains(&(name, !on)));
            if changed && self.gpio.board().output.contains_key(name) {
                self.gpio.set(name, on)?;
            }
        }
        if self.gpio.has_backlight() && before.is_none_or(|b| b.backlight_percent != desired.backlight_percent) {
            self.gpio.set_backlight(desired.backlight_percent)?;
        }
        self.applied = Some(desired);
        Ok(())
    }

    /// How long the thread sleeps before the next step: briefly while an input is settling,
    /// longer while all are steady.
    pub fn next_period(&self) -> Duration {
        if self.gpio.settling() {
            SAMPLE_PERIOD
        } else {
            STEADY_SAMPLE_PERIOD
        }
    }

    /// Every output to its safe state (the last thing the thread does).
    pub fn shutdown(&mut self) -> Result<(), GpioError> {
        self.applied = None;
        self.gpio.safe_state()
    }
}

fn to_app(report: PolicyReport) -> GpioReport {
    match report {
        PolicyReport::Screen(screen) => GpioReport::Screen(screen),
        PolicyReport::PaperLow(low) => GpioReport::PaperLow(low),
    }
}

/// The running GPIO thread.
pub struct GpioService {
    /// The thread's sleep: stopping it ends the thread.
    nap: Arc<Nap>,
    thread: Option<JoinHandle<()>>,
    pub description: String,
}

/// Opens the configured GPIO (all lines) with the system clock.
pub fn open_configured(config: &Config, claim: &Claim) -> Result<crate::devices::gpio::Opened, GpioError> {
    let gpio = &config.devices.gpio;
    let board = BoardMap::load(&gpio.board).map_err(|e| GpioError::Unavailable {
        backend: "board map",
        reason: e.to_string(),
        hint: "see `kiosk config validate`".into(),
    })?;
    crate::devices::gpio::open(
        gpio.kind,
        &board,
        gpio.chip.as_deref(),
        claim,
        Arc::new(SystemClock::new()),
    )
}

impl GpioService {
    /// Starts the GPIO thread; its reports go to `report` (the app's inbox) and telemetry.
    /// The error says why the GPIO cannot run; the kiosk runs on without it.
    pub fn start(
        config: &Config,
        mut report: impl FnMut(GpioReport) + Send + 'static,
    ) -> Result<(GpioService, GpioLink), GpioError> {
        let opened = open_configured(config, &Claim::All)?;
        let description = opened.gpio.describe();
        let simulated = opened.sim.is_some();
        let sink: Sink = Box::new(move |r: GpioReport| {
            if let GpioReport::PaperLow(low) = r {
                super::telemetry::set_devices(|d| {
                    if d.paper != "out" {
                        d.paper = if low { "low" } else { "ok" }.into();
                    }
                });
            }
            report(r)
        });
        let clock: Arc<dyn Clock> = Arc::new(SystemClock::new());
        let settings = PolicySettings::from_config(&config.devices.gpio);
        let (mut runner, link) = GpioRunner::new(opened.gpio, settings, clock, sink);
        let health = if simulated { "sim" } else { "ok" };
        super::telemetry::set_devices(|d| d.gpio = health.into());
        let nap = Arc::clone(&runner.nap);
        let thread = std::thread::Builder::new()
            .name("gpio".into())
            .spawn(move || {
                let mut failing = false;
                loop {
                    match runner.step() {
                        Ok(()) if failing => {
                            failing = false;
                            super::telemetry::set_devices(|d| d.gpio = health.into());
                        }
                        Ok(()) => {}
                        Err(e) if !failing => {
                            failing = true;
                            log::error!("gpio: {e}");
                            super::telemetry::record_error(&format!("gpio: {e}"));
                            super::telemetry::set_devices(|d| d.gpio = format!("fault: {e}"));
                        }
                        Err(_) => {}
                    }
                    if !runner.nap.sleep(runner.next_period()) {
                        break;
                    }
                }
                match runner.shutdown() {
                    Ok(()) => log::info!("gpio: every output in its safe state"),
                    Err(e) => log::error!("gpio: safe state at shutdown: {e}"),
                }
            })
            .map_err(|e| GpioError::Unavailable {
                backend: "gpio thread",
                reason: e.to_string(),
                hint: "the machine is out of threads".into(),
            })?;
        Ok((
            GpioService {
                nap,
                thread: Some(thread),
                description,
            },
            link,
        ))
    }

    /// Stops the thread after it has put every output in its safe state.
    pub fn stop(&mut self) {
        self.nap.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for GpioService {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::GpioKind;
    use crate::devices::gpio::clock::ManualClock;
    use crate::devices::gpio::sim::SimGpio;

    pub(crate) struct Rig {
        pub runner: GpioRunner,
        pub link: GpioLink,
        pub sim: SimGpio,
        pub clock: ManualClock,
        pub reports: Arc<Mutex<Vec<GpioReport>>>,
    }

    pub(crate) fn rig(board: &str) -> Rig {
        let board = BoardMap::load(board).unwrap();
        let clock = ManualClock::new();
        let opened =
            crate::devices::gpio::open(GpioKind::Sim, &board, None, &Claim::All, Arc::new(clock.clone())).unwrap();
        let reports = Arc::new(Mutex::new(Vec::new()));
        let sink_reports = Arc::clone(&reports);
        let settings = PolicySettings {
            dim_after_ms: 60_000,
            dim_percent: 20,
        };
        let (runner, link) = GpioRunner::new(
            opened.gpio,
            settings,
            Arc::new(clock.clone()),
            Box::new(move |r| sink_reports.lock().unwrap().push(r)),
        );
        Rig {
            runner,
            link,
            sim: opened.sim.unwrap(),
            clock,
            reports,
        }
    }

    impl Rig {
        /// Steps every 10 ms up to `until` (inclusive).
        pub fn run_until(&mut self, until: u64) {
            while self.clock.now_ms() <= until {
                self.runner.step().unwrap();
                self.clock.advance(10);
            }
        }

        /// (time, on) of each change of one output since `from` ms.
        pub fn changes(&self, name: &str, from: u64) -> Vec<(u64, bool)> {
            let mut last = None;
            let mut out = Vec::new();
            for c in self.sim.log().into_iter().filter(|c| c.name == name) {
                if last != Some(c.on) && c.at_ms >= from {
                    out.push((c.at_ms, c.on));
                }
                last = Some(c.on);
            }
            out
        }

        pub fn leds(&self) -> (Option<bool>, Option<bool>, Option<bool>) {
            (
                self.sim.output(role::LED_READY),
                self.sim.output(role::LED_BUSY),
                self.sim.output(role::LED_ATTENTION),
            )
        }

        pub fn take_reports(&self) -> Vec<GpioReport> {
            std::mem::take(&mut *self.reports.lock().unwrap())
        }
    }

    #[test]
    fn the_leds_follow_the_app_ready_busy_attention() {
        let mut rig = rig("raspberry-pi-4");
        rig.run_until(100);
        assert_eq!(rig.leds(), (Some(true), Some(false), Some(false)), "ready");
        rig.link.publish(true, false, false, true);
        rig.run_until(200);
        assert_eq!(rig.leds(), (Some(false), Some(true), Some(false)), "busy");
        rig.link.publish(true, true, false, true);
        rig.run_until(3000);
        assert_eq!(rig.sim.output(role::LED_READY), Some(false));
        assert_eq!(rig.sim.output(role::LED_BUSY), Some(false));
        // Blinking from 210 ms (the first step that saw the call), 500 ms on, 500 ms off.
        assert_eq!(
            rig.changes(role::LED_ATTENTION, 201),
            [
                (210, true),
                (710, false),
                (1210, true),
                (1710, false),
                (2210, true),
                (2710, false)
            ]
        );
    }

    #[test]
    fn a_print_on_an_empty_roll_blinks_attention_and_a_good_print_clears_it() {
        let mut rig = rig("raspberry-pi-4");
        rig.link.note_print(&PrintOutcome::ShowQrInstead {
            kind: DeviceErrorKind::PaperOut,
            reason: "paper out".into(),
        });
        rig.link.publish(false, false, false, false);
        rig.run_until(1500);
        // Off at opening (the safe state), then blinking from the first step.
        assert_eq!(
            rig.changes(role::LED_ATTENTION, 0),
            [(0, false), (0, true), (500, false), (1000, true), (1500, false)]
        );
        rig.link.note_print(&PrintOutcome::Printed { warning: None });
        rig.link.publish(false, false, false, false);
        rig.run_until(1600);
        assert_eq!(rig.leds(), (Some(true), Some(false), Some(false)));
    }

    #[test]
    fn the_paper_low_switch_reports_to_the_app_and_lights_attention() {
        let mut rig = rig("raspberry-pi-4");
        rig.run_until(50);
        rig.sim.set_input("paper-low", true).unwrap();
        rig.run_until(240);
        assert_eq!(rig.take_reports(), [], "not before its 200 ms debounce");
        rig.run_until(300);
        assert_eq!(rig.take_reports(), [GpioReport::PaperLow(true)]);
        assert_eq!(rig.leds(), (Some(false), Some(false), Some(true)));
        rig.run_until(3000);
        assert_eq!(
            rig.changes(role::LED_ATTENTION, 1),
            [(260, true)],
            "steady, not blinking"
        );
        rig.link.on_report(GpioReport::PaperLow(true));
        assert!(rig.link.paper_low());
    }

    #[test]
    fn presence_wakes_the_dimmed_screen_and_inactivity_dims_it() {
        let mut rig = rig("raspberry-pi-4");
        rig.run_until(59_990);
        assert_eq!(rig.take_reports(), []);
        rig.run_until(60_000);
        assert_eq!(rig.take_reports(), [GpioReport::Screen(Screen::Dimmed)]);
        assert_eq!(rig.sim.backlight_log().last(), Some(&(60_000, 20)));
        rig.clock.set(70_000);
        rig.sim.set_input("presence", true).unwrap();
        rig.run_until(70_100);
        assert_eq!(rig.take_reports(), [GpioReport::Screen(Screen::Awake)]);
        assert_eq!(
            rig.sim.backlight_log().last(),
            Some(&(70_050, 100)),
            "after the 50 ms debounce"
        );
    }

    #[test]
    fn shutdown_leaves_every_output_safe() {
        let mut rig = rig("raspberry-pi-4");
        rig.link.publish(true, true, false, true);
        rig.run_until(2000);
        rig.runner.shutdown().unwrap();
        assert_eq!(rig.leds(), (Some(false), Some(false), Some(false)));
        assert_eq!(rig.sim.backlight_log().last().map(|b| b.1), Some(100));
    }

    #[test]
    fn a_board_without_leds_or_backlight_runs_the_policy_all_the_same() {
        let text = "description = \"sensor only\"\nbackends = [\"gpiocdev\"]\n[input.presence]\npin = 1\n";
        let board = BoardMap::parse("sensor-only", text).unwrap();
        let clock = ManualClock::new();
        let opened =
            crate::devices::gpio::open(GpioKind::Sim, &board, None, &Claim::All, Arc::new(clock.clone())).unwrap();
        let settings = PolicySettings {
            dim_after_ms: 1000,
            dim_percent: 0,
        };
        let (mut runner, _link) = GpioRunner::new(opened.gpio, settings, Arc::new(clock.clone()), Box::new(|_| {}));
        for t in (0..2000).step_by(10) {
            clock.set(t);
            runner.step().unwrap();
        }
        assert!(opened.sim.unwrap().log().is_empty());
    }
}
