//! `kiosk sim reader`: runs a simulated ID card reader on a pseudo-terminal and prints its
//! path, so a technician can point `kiosk read-card` or any serial tool at it. Commands on
//! standard input script it: `place FIXTURE`, `lift`, `fault KIND`, `sam-status XX|ok`,
//! `unplug`, `replug`, `fixtures`, `quit`.

use super::{exit, SimReply};
use crate::devices::card_reader::fixtures::{fixture, FIXTURE_NAMES};
use crate::devices::card_reader::sim::{SimCardReader, SimFault, SimReaderOptions};
use clap::{Args, Subcommand};
use std::io::BufRead;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum SimCommand {
    /// A simulated 2nd-generation ID card reader (SAM protocol) on a pty.
    Reader(SimReaderArgs),
    /// A simulated ESC/POS receipt printer on a pty and a TCP port.
    Printer(super::printer_cmd::SimPrinterArgs),
}

#[derive(Args, Debug)]
pub struct SimReaderArgs {
    /// Place this fixture card at start (see `fixtures` at the prompt).
    #[arg(long)]
    pub card: Option<String>,
    /// Pace the line like a UART at this baud rate (default: unpaced).
    #[arg(long)]
    pub pace: Option<u32>,
    /// Stable path for the device link (default: a runtime directory).
    #[arg(long)]
    pub link: Option<PathBuf>,
}

const HELP: &str = "commands: place FIXTURE | lift | fault bad-checksum|garbage|split|silence|read-status XX | sam-status XX|ok | unplug | replug | fixtures | quit";

pub fn run(command: &SimCommand) -> i32 {
    let args = match command {
        SimCommand::Reader(args) => args,
        SimCommand::Printer(args) => return super::printer_cmd::sim(args),
    };
    let options = SimReaderOptions {
        baud: args.pace,
        link_path: args.link.clone(),
        no_fingerprint_command: false,
    };
    let sim = match SimCardReader::start(options) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("kiosk: cannot start the simulated reader: {e}");
            return exit::DEVICE;
        }
    };
    if let Some(name) = &args.card {
        match fixture(name) {
            Some(card) => sim.place(card),
            None => {
                eprintln!("kiosk: no fixture {name:?}; fixtures: {}", FIXTURE_NAMES.join(", "));
                return exit::CONFIG;
            }
        }
    }
    println!("{}", sim.path().display());
    eprintln!(
        "simulated ID card reader (SAM protocol, 115200 8N1) at {}",
        sim.path().display()
    );
    eprintln!("try: kiosk read-card --port {}", sim.path().display());
    eprintln!("{HELP}");
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        match reader_command(&sim, &line) {
            SimReply::Quit => return exit::OK,
            SimReply::Say(reply) => eprintln!("{reply}"),
            SimReply::Nothing => {}
        }
    }
    // Standard input closed (e.g. started in the background): keep serving until killed.
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        loop {
            std::thread::park();
        }
    }
    exit::OK
}

fn inject(sim: &SimCardReader, fault: SimFault) -> String {
    let shown = format!("{fault:?}");
    sim.inject(fault);
    format!("next response: {shown}")
}

/// A status byte as typed: `6F` or `0x6F`.
fn hex_status(code: &str) -> Result<u8, String> {
    u8::from_str_radix(code.trim_start_matches("0x"), 16).map_err(|_| format!("not a hex status: {code}"))
}

/// Carries out one command line of the simulated reader's prompt.
fn reader_command(sim: &SimCardReader, line: &str) -> SimReply {
    let words: Vec<&str> = line.split_whitespace().collect();
    SimReply::Say(match words.as_slice() {
        [] => return SimReply::Nothing,
        ["quit" | "exit"] => return SimReply::Quit,
        ["fixtures"] => FIXTURE_NAMES.join(", "),
        ["place", name] => match fixture(name) {
            Some(card) => {
                sim.place(card);
                format!("placed {name}")
            }
            None => format!("no fixture {name:?}"),
        },
        ["lift"] => {
            sim.lift();
            "lifted".into()
        }
        ["unplug"] => {
            sim.unplug();
            "unplugged".into()
        }
        ["replug"] => {
            sim.replug();
            "plugged in again".into()
        }
        ["sam-status", "ok"] => {
            sim.set_sam_status(None);
            "SAM answers normally".into()
        }
        ["sam-status", code] => match hex_status(code) {
            Ok(code) => {
                sim.set_sam_status(Some(code));
                format!("SAM answers 0x{code:02X} to everything")
            }
            Err(e) => e,
        },
        ["fault", kind, rest @ ..] => match (*kind, rest) {
            ("bad-checksum", []) => inject(sim, SimFault::BadChecksum),
            ("garbage", []) => inject(sim, SimFault::Garbage),
            ("split", []) => inject(sim, SimFault::SplitChunks),
            ("silence", []) => inject(sim, SimFault::Silence),
            ("read-status", [code]) => {
                hex_status(code).map_or_else(|e| e, |code| inject(sim, SimFault::ReadStatus(code)))
            }
            _ => HELP.into(),
        },
        _ => HELP.into(),
    })
}
