//! `kiosk gpio watch` prints the configured board's input edges (debounced, named, timed)
//! until Ctrl-C or `--for SECONDS`; it claims only the inputs, so it changes no output.
//! `kiosk gpio set NAME on|off` drives one output. On the simulated backend `watch` plays a
//! script on the inputs (`--sim-script FILE`, or a built-in one that it prints first) and
//! `set` shows what the wire would do.

use super::{exit, Cli};
use crate::app::gpio_service::{open_configured, SAMPLE_PERIOD};
use crate::devices::gpio::script::{self, Player};
use crate::devices::gpio::{Claim, GpioError};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(Subcommand, Debug)]
pub enum GpioCommand {
    /// Print input edges with names and times until Ctrl-C.
    Watch(WatchArgs),
    /// Drive a named output (see the board map) on or off.
    Set(SetArgs),
}

#[derive(Args, Debug)]
pub struct WatchArgs {
    /// Stop after this many seconds.
    #[arg(long = "for", value_name = "SECONDS")]
    pub for_secs: Option<f64>,
    /// Simulated backend: play this script on the inputs (`MS NAME on|off` per line)
    /// instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub sim_script: Option<PathBuf>,
    /// One JSON object per edge.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Args, Debug)]
pub struct SetArgs {
    /// An output of the board map (led-ready, led-busy, led-attention, …).
    pub name: String,
    pub level: OnOff,
    /// Keep the line claimed this many seconds before exiting (gpiocdev may release it to
    /// its default level at exit).
    #[arg(long, value_name = "SECONDS")]
    pub hold: Option<u64>,
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn interrupted(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

pub fn run(cli: &Cli, command: &GpioCommand) -> i32 {
    let loaded = match super::load_config(cli) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    match command {
        GpioCommand::Watch(args) => watch(&loaded.config, args),
        GpioCommand::Set(args) => set(&loaded.config, args),
    }
}

fn failed(e: &GpioError) -> i32 {
    eprintln!("kiosk: gpio: {e}");
    match e {
        GpioError::UnknownName { .. } => exit::CONFIG,
        _ => exit::DEVICE,
    }
}

fn watch(config: &crate::config::Config, args: &WatchArgs) -> i32 {
    let opened = match open_configured(config, &Claim::Inputs) {
        Ok(opened) => opened,
        Err(e) => return failed(&e),
    };
    let mut gpio = opened.gpio;
    let mut player = match (&opened.sim, &args.sim_script) {
        (None, Some(_)) => {
            eprintln!("kiosk: --sim-script needs [devices.gpio] kind = \"sim\"");
            return exit::CONFIG;
        }
        (None, None) => None,
        (Some(sim), _) => match script_player(sim, args) {
            Ok(player) => Some(player),
            Err(code) => return code,
        },
    };
    if !args.json {
        println!("watching {}", gpio.describe());
        println!("(Ctrl-C to stop)");
    }
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, interrupted as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, interrupted as *const () as libc::sighandler_t);
    }
    let started = Instant::now();
    let limit = args.for_secs.map(|s| Duration::from_secs_f64(s.max(0.0)));
    // The board's clock started when it was opened, just before `started`.
    let mut edges_seen = 0usize;
    while !INTERRUPTED.load(Ordering::SeqCst) && limit.is_none_or(|l| started.elapsed() < l) {
        if let (Some(player), Some(sim)) = (&mut player, &opened.sim) {
            if let Err(e) = player.play_until(started.elapsed().as_millis() as u64, sim) {
                return failed(&e);
            }
        }
        match gpio.poll() {
            Ok(edges) => {
                edges_seen += edges.len();
                edges.iter().for_each(|edge| print_edge(edge, args.json));
            }
            Err(e) => return failed(&e),
        }
        std::thread::sleep(SAMPLE_PERIOD);
    }
    if !args.json {
        println!("{edges_seen} edge(s)");
    }
    exit::OK
}

/// The player of the simulated inputs' script: `--sim-script`'s, else the built-in one
/// (printed unless JSON is asked for).
fn script_player(sim: &crate::devices::gpio::sim::SimGpio, args: &WatchArgs) -> Result<Player, i32> {
    let text = match &args.sim_script {
        Some(path) => std::fs::read_to_string(path).map_err(|e| {
            eprintln!("kiosk: cannot read {}: {e}", path.display());
            exit::CONFIG
        })?,
        None => script::BUILT_IN.to_string(),
    };
    let steps = script::parse(&text).map_err(|e| {
        eprintln!("kiosk: sim script: {e}");
        exit::CONFIG
    })?;
    if !args.json && args.sim_script.is_none() {
        println!("simulated inputs, playing the built-in script:");
        for line in script::BUILT_IN.lines() {
            println!("  {line}");
        }
    }
    Player::new(steps, sim).map_err(|e| failed(&e))
}

/// One input edge, as a JSON line or a line of text.
fn print_edge(edge: &crate::devices::gpio::Edge, json: bool) {
    if json {
        println!("{}", serde_json::to_string(edge).unwrap_or_default());
    } else {
        println!(
            "{:>9.3} s  {:<16} {}",
            edge.at_ms as f64 / 1000.0,
            edge.name,
            if edge.on { "on" } else { "off" }
        );
    }
}

fn set(config: &crate::config::Config, args: &SetArgs) -> i32 {
    let opened = match open_configured(config, &Claim::Output(args.name.clone())) {
        Ok(opened) => opened,
        Err(e) => return failed(&e),
    };
    let mut gpio = opened.gpio;
    let on = args.level == OnOff::On;
    if let Err(e) = gpio.set(&args.name, on) {
        return failed(&e);
    }
    let pin = &gpio.board().output[&args.name];
    let wire = if on != pin.active_low { "high" } else { "low" };
    let level = if on { "on" } else { "off" };
    match &opened.sim {
        Some(sim) => {
            println!(
                "{} (pin {}) {level}: wire {wire} (simulated; board {})",
                args.name,
                pin.pin,
                gpio.board().name
            );
            for change in sim.log() {
                println!(
                    "  {:>6} ms  {} {} (wire {})",
                    change.at_ms,
                    change.name,
                    if change.on { "on" } else { "off" },
                    if change.high { "high" } else { "low" }
                );
            }
        }
        None => println!("{} (pin {}) {level}: wire {wire}", args.name, pin.pin),
    }
    if let Some(secs) = args.hold {
        std::thread::sleep(Duration::from_secs(secs));
    }
    exit::OK
}
