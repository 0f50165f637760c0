//! Printer commands: `kiosk receipt render` (preview PNG or the ESC/POS bytes),
//! `kiosk test-print`, `kiosk printer status` and `kiosk sim printer`.

use super::{exit, Cli};
use crate::devices::printer::font::ReceiptFont;
use crate::devices::printer::profile::{self, PrinterProfile};
use crate::devices::printer::sim::{SimPrinter, SimPrinterOptions};
use crate::devices::printer::status::PrinterStatus;
use crate::devices::printer::transport::{FileSink, PrinterTransport, SerialTransport, TcpTransport, UsbLpTransport};
use crate::devices::printer::{EscPosPrinter, ReceiptPrinter};
use crate::domain::receipt::Receipt;
use crate::domain::Lang;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum ReceiptCommand {
    /// Render a receipt to PNG (what the printer shows) or to the ESC/POS bytes (.bin).
    Render(RenderArgs),
}

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// Use the built-in sample receipt.
    #[arg(long, conflicts_with = "file")]
    pub sample: bool,
    /// Use the sample whose applicant has a rare name character.
    #[arg(long, conflicts_with = "file")]
    pub rare_name: bool,
    /// A receipt as JSON (the domain's Receipt).
    pub file: Option<PathBuf>,
    #[arg(long)]
    pub profile: Option<String>,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
    /// receipt.png or receipt.bin
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args, Debug, Clone)]
pub struct TargetArgs {
    /// Serial port of the printer.
    #[arg(long, group = "target")]
    pub port: Option<PathBuf>,
    #[arg(long, default_value_t = 115_200)]
    pub baud: u32,
    /// RTS/CTS flow control on the serial port.
    #[arg(long)]
    pub flow_control: bool,
    /// Network printer, HOST:PORT (usually 9100).
    #[arg(long, group = "target")]
    pub tcp: Option<String>,
    /// USB printer class device, e.g. /dev/usb/lp0.
    #[arg(long, group = "target")]
    pub device: Option<PathBuf>,
    /// Append the bytes to a file.
    #[arg(long, group = "target")]
    pub file: Option<PathBuf>,
    /// Printer profile (default: the configured printer's, else generic-80mm).
    #[arg(long)]
    pub profile: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum PrinterCommand {
    /// Ask the printer for its real-time status.
    Status(TargetArgs),
}

#[derive(Args, Debug)]
pub struct SimPrinterArgs {
    #[arg(long, default_value = profile::DEFAULT_PROFILE)]
    pub profile: String,
    /// TCP port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 9100)]
    pub tcp_port: u16,
    /// Save every printed receipt here as PNG.
    #[arg(long, default_value = ".")]
    pub out_dir: PathBuf,
    #[arg(long)]
    pub link: Option<PathBuf>,
}

fn load_profile(cli: &Cli, name: Option<&str>) -> Result<PrinterProfile, i32> {
    let name = match name {
        Some(name) => name.to_string(),
        None => crate::config::load(
            cli.config.clone().or_else(crate::app::default_config_path).as_deref(),
            cli.overrides.as_deref(),
        )
        .map(|l| l.config.devices.printer.profile)
        .unwrap_or_else(|_| profile::DEFAULT_PROFILE.to_string()),
    };
    profile::profile(&name).map_err(|e| {
        eprintln!("kiosk: {e}");
        exit::CONFIG
    })
}

fn font() -> Option<ReceiptFont> {
    match ReceiptFont::locate() {
        Ok(font) => Some(font),
        Err(e) => {
            eprintln!("kiosk: warning: {e}; rare characters are replaced, previews show boxes");
            None
        }
    }
}

pub fn render(cli: &Cli, args: &RenderArgs) -> i32 {
    let profile = match load_profile(cli, args.profile.as_deref()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let receipt: Receipt = match (&args.file, args.rare_name) {
        (Some(path), _) => match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        {
            Ok(r) => r,
            Err(e) => {
                eprintln!("kiosk: cannot read receipt {}: {e}", path.display());
                return exit::INVALID;
            }
        },
        (None, true) => crate::app::sample::receipt_with_rare_name(),
        (None, false) if args.sample => crate::app::sample::receipt(),
        (None, false) => {
            eprintln!("kiosk: give --sample, --rare-name or a receipt JSON file");
            return exit::CONFIG;
        }
    };
    let font = font();
    let (bytes, report) = match crate::app::printing::receipt_job(&receipt, args.lang.into(), &profile, font.as_ref()) {
        Ok(job) => job,
        Err(e) => {
            eprintln!("kiosk: {e}");
            return exit::INVALID;
        }
    };
    let is_png = args.out.extension().is_some_and(|e| e.eq_ignore_ascii_case("png"));
    let written = if is_png {
        let bitmap = crate::app::printing::paper_preview(&bytes, &profile, font.map(Arc::new));
        std::fs::File::create(&args.out)
            .and_then(|f| bitmap.write_png(std::io::BufWriter::new(f)))
            .map(|_| format!("{}×{} dots", bitmap.width, bitmap.height))
    } else {
        std::fs::write(&args.out, &bytes).map(|_| "ESC/POS".to_string())
    };
    match written {
        Ok(what) => {
            println!(
                "{}: {} ({what}; {} bytes of ESC/POS, {} text lines, {} raster lines, profile {})",
                args.out.display(),
                if is_png { "preview" } else { "printer bytes" },
                bytes.len(),
                report.text_lines,
                report.raster_lines,
                profile.name
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("kiosk: cannot write {}: {e}", args.out.display());
            exit::STORAGE
        }
    }
}

fn open_target(cli: &Cli, target: &TargetArgs) -> Result<EscPosPrinter, i32> {
    let profile = load_profile(cli, target.profile.as_deref())?;
    let transport: std::io::Result<Box<dyn PrinterTransport>> = if let Some(port) = &target.port {
        SerialTransport::open(port, target.baud, target.flow_control).map(|t| Box::new(t) as _)
    } else if let Some(address) = &target.tcp {
        TcpTransport::connect(address, Duration::from_secs(3)).map(|t| Box::new(t) as _)
    } else if let Some(device) = &target.device {
        UsbLpTransport::open(device).map(|t| Box::new(t) as _)
    } else if let Some(file) = &target.file {
        FileSink::open(file).map(|t| Box::new(t) as _)
    } else {
        eprintln!("kiosk: name a printer: --port, --tcp, --device or --file");
        return Err(exit::CONFIG);
    };
    transport.map(|t| EscPosPrinter::new(t, profile)).map_err(|e| {
        eprintln!("kiosk: printer: {e}");
        exit::DEVICE
    })
}

fn print_status(status: Option<PrinterStatus>) {
    match status {
        Some(s) => {
            println!("status:      {}", s.summary());
            println!(
                "can print:   {}",
                if s.blocking_problem().is_none() { "yes" } else { "no" }
            );
        }
        None => println!("status:      not available (this printer or transport cannot report status)"),
    }
}

pub fn status(cli: &Cli, command: &PrinterCommand) -> i32 {
    let PrinterCommand::Status(target) = command;
    let mut printer = match open_target(cli, target) {
        Ok(p) => p,
        Err(code) => return code,
    };
    println!("printer:     {}", printer.describe());
    match printer.status() {
        Ok(status) => {
            print_status(status);
            if status.and_then(|s| s.blocking_problem()).is_some() {
                exit::DEVICE
            } else {
                exit::OK
            }
        }
        Err(e) => {
            eprintln!("kiosk: {e}");
            exit::DEVICE
        }
    }
}

pub fn test_print(cli: &Cli, target: &TargetArgs) -> i32 {
    let mut printer = match open_target(cli, target) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let font = font();
    let receipt = crate::app::sample::receipt();
    let job = match crate::app::printing::receipt_job(&receipt, Lang::Zh, &printer.profile, font.as_ref()) {
        Ok((bytes, _)) => bytes,
        Err(e) => {
            eprintln!("kiosk: {e}");
            return exit::INVALID;
        }
    };
    println!("printer:     {}", printer.describe());
    match printer.print(&job) {
        Ok(report) => {
            println!("printed:     sample receipt, {} bytes", report.bytes);
            print_status(report.after);
            exit::OK
        }
        Err(e) => {
            eprintln!("kiosk: not printed: {e}");
            exit::DEVICE
        }
    }
}

const SIM_HELP: &str = "commands: status ok|near-end|paper-out|cover-open|offline | no-reply on|off | pages | quit";

pub fn sim(args: &SimPrinterArgs) -> i32 {
    let profile = match profile::profile(&args.profile) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("kiosk: {e}");
            return exit::CONFIG;
        }
    };
    let options = SimPrinterOptions {
        dots_per_line: profile.dots_per_line,
        link_path: args.link.clone(),
        tcp_port: Some(args.tcp_port),
    };
    let sim = match SimPrinter::start(options) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("kiosk: cannot start the simulated printer: {e}");
            return exit::DEVICE;
        }
    };
    println!("{}", sim.path().display());
    if let Some(address) = sim.tcp_address() {
        println!("{address}");
    }
    eprintln!(
        "simulated ESC/POS printer ({}, {} dots) on {} and tcp {:?}",
        profile.name,
        profile.dots_per_line,
        sim.path().display(),
        sim.tcp_address()
    );
    eprintln!("receipts are saved as PNG in {}", args.out_dir.display());
    eprintln!("{SIM_HELP}");
    let mut saved = 0;
    let lines = super::stdin_lines();
    loop {
        save_new_pages(&sim, &args.out_dir, &mut saved);
        match lines.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => match sim_command(&sim, &line) {
                super::SimReply::Quit => return exit::OK,
                super::SimReply::Say(reply) => eprintln!("{reply}"),
                super::SimReply::Nothing => {}
            },
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            // Standard input closed: keep serving until killed.
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
}

/// Saves the pages printed since the last call as PNG files in `out_dir`, numbered from the
/// first page the simulator printed (it keeps only the latest: any older unsaved ones are
/// gone). Each file appears whole (written beside, then renamed): a reader never sees half.
fn save_new_pages(sim: &SimPrinter, out_dir: &std::path::Path, saved: &mut usize) {
    let (pages, printed) = (sim.pages(), sim.printed());
    let (first, already) = (printed.saturating_sub(pages.len()) + 1, *saved);
    for (number, page) in (first..).zip(pages.iter()).filter(|(n, _)| *n > already) {
        let path = out_dir.join(format!("sim-receipt-{number:03}.png"));
        let part = path.with_extension("png.part");
        let written = std::fs::File::create(&part)
            .and_then(|f| page.bitmap.write_png(std::io::BufWriter::new(f)))
            .and_then(|()| std::fs::rename(&part, &path));
        match written {
            Ok(()) => eprintln!(
                "printed receipt {number} → {} ({}×{} dots)",
                path.display(),
                page.bitmap.width,
                page.bitmap.height
            ),
            Err(e) => eprintln!("cannot save {}: {e}", path.display()),
        }
        *saved = number;
    }
}

/// Carries out one command line (`status STATE`, `no-reply on|off`, `pages`, `quit`).
fn sim_command(sim: &SimPrinter, line: &str) -> super::SimReply {
    use super::SimReply;
    let words: Vec<&str> = line.split_whitespace().collect();
    SimReply::Say(match words.as_slice() {
        ["quit" | "exit"] => return SimReply::Quit,
        ["status", state] => match sim_status(state) {
            Some(s) => {
                sim.set_status(s);
                format!("status: {}", s.summary())
            }
            None => SIM_HELP.into(),
        },
        ["no-reply", on] => {
            sim.set_no_reply(*on == "on");
            format!("status replies {}", if *on == "on" { "off" } else { "on" })
        }
        ["pages"] => format!("{} receipt(s) printed", sim.pages().len()),
        [] => return SimReply::Nothing,
        _ => SIM_HELP.into(),
    })
}

/// The printer status a `status` command names.
fn sim_status(state: &str) -> Option<PrinterStatus> {
    let ok = PrinterStatus::OK;
    Some(match state {
        "ok" => ok,
        "near-end" => PrinterStatus {
            paper_near_end: true,
            ..ok
        },
        "paper-out" => PrinterStatus {
            paper_end: true,
            paper_near_end: true,
            ..ok
        },
        "cover-open" => PrinterStatus { cover_open: true, ..ok },
        "offline" => PrinterStatus { online: false, ..ok },
        _ => return None,
    })
}
