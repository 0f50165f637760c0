//! The command-line surface: `kiosk run` for the kiosk itself and the technician and
//! operator tools. One file per subcommand; each returns an exit code (see [`exit`]).
//! Output never contains a full ID number, name, address or phone unless a technician
//! asks with `--reveal`, which is audited. A panic prints where it happened, never its
//! payload (see [`install_panic_hook`]).

mod audit_cmd;
mod bench_cmd;
#[cfg(feature = "ui")]
mod bench_process;
mod board_cmd;
mod camera_bench;
mod camera_cmd;
mod catalogue_cmd;
mod central_bench;
pub mod central_cmd;
#[cfg(feature = "ui")]
mod chromium_anchor;
mod config_cmd;
mod divisions_cmd;
pub mod generate_cmd;
mod gpio_cmd;
mod handwriting_bench;
mod handwriting_cmd;
mod id_cmd;
mod ime_bench;
mod ime_cmd;
pub mod local_central;
mod outbox_cmd;
mod printer_cmd;
mod progress_cmd;
mod reader_cmd;
mod run_cmd;
mod sim_cmd;
#[cfg(feature = "ui")]
mod soak_bench;
#[cfg(feature = "ui")]
mod soak_plot;
#[cfg(feature = "ui")]
mod soak_report;
mod status_cmd;
mod storage_cmd;
mod technician_cmd;
#[cfg(feature = "ui")]
mod ui_bench;
#[cfg(feature = "ui")]
mod ui_cmd;
mod voice_cmd;

use crate::config::{self, LoadedConfig};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Exit codes, shared by every subcommand.
pub mod exit {
    pub const OK: i32 = 0;
    /// The input was checked and is not valid (e.g. `id check` on a bad number).
    pub const INVALID: i32 = 1;
    /// Bad configuration or command line.
    pub const CONFIG: i32 = 2;
    /// No card on the reader before the deadline.
    pub const NO_CARD: i32 = 3;
    /// A device failed (reader/printer error or I/O fault).
    pub const DEVICE: i32 = 4;
    /// Local storage failed (database, disk full, key file).
    pub const STORAGE: i32 = 5;
    /// Something was not found (catalogue code, outbox row).
    pub const NOT_FOUND: i32 = 6;
    /// Refused: wrong, locked or unset technician PIN.
    pub const DENIED: i32 = 7;
    /// The central system cannot be reached (or refused this kiosk's certificate).
    pub const UNREACHABLE: i32 = 8;
    /// The central system refused applications (dead letters).
    pub const REFUSED: i32 = 9;
}

const EXIT_CODES_HELP: &str = "Exit codes:
  0  success
  1  the input was checked and is invalid (e.g. a wrong check digit)
  2  bad configuration or command line
  3  no card on the reader before the deadline
  4  device error (reader or printer status, I/O fault)
  5  local storage error (database, disk full, key file)
  6  not found (catalogue code, outbox row)
  7  refused: wrong, locked or unset technician PIN
  8  the central system cannot be reached, or refused this kiosk's certificate
  9  the central system refused applications (dead letters)

Configuration: --config PATH, else $KIOSK_CONFIG, else /etc/township-kiosk/kiosk.toml if
present, else the embedded defaults (simulated devices). Technician changes go to
<state-dir>/overrides.toml.";

#[derive(Parser, Debug)]
#[command(name = "kiosk", version = version(), about = "Township police self-service kiosk (就近跑一次)", after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// Configuration file (default: $KIOSK_CONFIG or /etc/township-kiosk/kiosk.toml).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Overrides file (default: <state-dir>/overrides.toml).
    #[arg(long, global = true)]
    pub overrides: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the kiosk (simulated devices when no hardware is configured).
    Run(run_cmd::RunArgs),
    /// Check or show the configuration.
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// The service catalogue (事项清单) and service guides (办事指南).
    #[command(subcommand)]
    Catalogue(catalogue_cmd::CatalogueCommand),
    /// Identity-number tools.
    #[command(subcommand)]
    Id(id_cmd::IdCommand),
    /// The queue of applications waiting for the central system.
    #[command(subcommand)]
    Outbox(outbox_cmd::OutboxCommand),
    /// A local snapshot: version, storage and key, audit chain, outbox, last purge, alarms.
    Status(status_cmd::StatusArgs),
    /// Local storage tools (salvage of a damaged database that was moved aside).
    #[command(subcommand)]
    Storage(storage_cmd::StorageCommand),
    /// The audit log: verify its keyed chain, list it (masked).
    #[command(subcommand)]
    Audit(audit_cmd::AuditCommand),
    /// Technician access: the PIN that guards --reveal and the technician screens.
    #[command(subcommand)]
    Technician(technician_cmd::TechnicianCommand),
    /// Read one ID card and print its fields (masked unless --reveal, which asks for the
    /// technician PIN and is audited).
    ReadCard(reader_cmd::ReadCardArgs),
    /// Check the reader's SAM and print its ID.
    SamInfo(reader_cmd::SamInfoArgs),
    /// Receipts: render the preview or the printer bytes.
    #[command(subcommand)]
    Receipt(printer_cmd::ReceiptCommand),
    /// Print the sample receipt on a printer.
    TestPrint(printer_cmd::TargetArgs),
    /// Receipt printer tools.
    #[command(subcommand)]
    Printer(printer_cmd::PrinterCommand),
    /// GPIO: watch the inputs' edges, set an output (presence, paper-low, LEDs).
    #[command(subcommand)]
    Gpio(gpio_cmd::GpioCommand),
    /// Run a simulated device standalone.
    #[command(subcommand)]
    Sim(sim_cmd::SimCommand),
    /// Render a UI page headless to PNG, with sample data.
    #[cfg(feature = "ui")]
    Screenshot(ui_cmd::ScreenshotArgs),
    /// The pinyin input engine behind the on-screen keyboard.
    #[command(subcommand)]
    Ime(ime_cmd::ImeCommand),
    /// Handwriting recognition behind the writing pad (手写).
    #[command(subcommand)]
    Handwriting(handwriting_cmd::HandwritingCommand),
    /// The administrative-division table behind the address picker.
    #[command(subcommand)]
    Divisions(divisions_cmd::DivisionsCommand),
    /// Performance figures as ratios against physical limits.
    #[command(subcommand)]
    Bench(bench_cmd::BenchCommand),
    /// Enqueue an application given as JSON (lab tests, recovery); see --example.
    Submit(central_cmd::SubmitArgs),
    /// A case's progress at the central system, with a proof: the receipt's QR token, the
    /// applicant's ID tail, or their card on the reader.
    Progress(progress_cmd::ProgressArgs),
    /// The central system: reachability and authentication.
    #[command(subcommand)]
    Central(central_cmd::CentralCommand),
    /// The document camera: list cameras, take a material photo.
    #[command(subcommand)]
    Camera(camera_cmd::CameraCommand),
    /// Check this board (devices, groups, fonts, display, time, disk, central) and print
    /// what to fix; exit 1 when something must be fixed.
    Doctor(board_cmd::DoctorArgs),
    /// Spoken prompts (语音播报): speak one on the speaker, or list them.
    #[command(subcommand)]
    Voice(voice_cmd::VoiceCommand),
    /// Kiosk board setup: the touchscreen calibration rule.
    #[command(subcommand)]
    Board(board_cmd::BoardCommand),
    /// Write the man page and shell completions (for the package).
    #[command(hide = true)]
    Generate(generate_cmd::GenerateArgs),
}

pub(crate) fn version() -> &'static str {
    concat!(env!("CARGO_PKG_VERSION"), " (git ", env!("KIOSK_GIT_REVISION"), ")")
}

pub fn main() -> i32 {
    // Behave like a Unix tool when piped into `head`: end quietly on a closed pipe.
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    install_panic_hook();
    init_logging();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::CONFIG } else { exit::OK };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Run(ref args) => run_cmd::run(&cli, args),
        Command::Config(ref command) => config_cmd::run(&cli, command),
        Command::Catalogue(ref command) => catalogue_cmd::run(&cli, command),
        Command::Id(ref command) => id_cmd::run(command),
        Command::Ime(ref command) => ime_cmd::run(command),
        Command::Handwriting(ref command) => handwriting_cmd::run(command),
        Command::Divisions(ref command) => divisions_cmd::run(command),
        Command::Outbox(ref command) => outbox_cmd::run(&cli, command),
        Command::Status(ref args) => status_cmd::run(&cli, args),
        Command::Storage(ref command) => storage_cmd::run(&cli, command),
        Command::Audit(ref command) => audit_cmd::run(&cli, command),
        Command::Technician(ref command) => technician_cmd::run(&cli, command),
        Command::Bench(ref command) => bench_cmd::run(&cli, command),
        Command::Submit(ref args) => central_cmd::submit(&cli, args),
        Command::Central(ref command) => central_cmd::central(&cli, command),
        Command::Progress(ref args) => progress_cmd::run(&cli, args),
        Command::Camera(ref command) => camera_cmd::run(&cli, command),
        Command::Doctor(ref args) => board_cmd::doctor(&cli, args),
        Command::Board(ref command) => board_cmd::board(&cli, command),
        Command::Voice(ref command) => voice_cmd::run(&cli, command),
        Command::Generate(ref args) => generate_cmd::run(args),
        #[cfg(feature = "ui")]
        Command::Screenshot(ref args) => ui_cmd::screenshot(&cli, args),
        Command::ReadCard(ref args) => reader_cmd::read_card(&cli, args),
        Command::SamInfo(ref args) => reader_cmd::sam_info(args),
        Command::Sim(ref command) => sim_cmd::run(command),
        Command::Gpio(ref command) => gpio_cmd::run(&cli, command),
        Command::Receipt(printer_cmd::ReceiptCommand::Render(ref args)) => printer_cmd::render(&cli, args),
        Command::TestPrint(ref target) => printer_cmd::test_print(&cli, target),
        Command::Printer(ref command) => printer_cmd::status(&cli, command),
    }
}

/// Loads the effective configuration or prints every problem and returns the exit code.
pub(crate) fn load_config(cli: &Cli) -> Result<LoadedConfig, i32> {
    let path = cli.config.clone().or_else(crate::app::default_config_path);
    config::load(path.as_deref(), cli.overrides.as_deref()).map_err(|errors| {
        eprintln!("kiosk: invalid configuration:");
        for problem in &errors.0 {
            eprintln!("  {problem}");
        }
        exit::CONFIG
    })
}

pub(crate) fn open_store(loaded: &LoadedConfig) -> Result<crate::storage::Store, i32> {
    crate::storage::Store::open_in(&loaded.config.kiosk.state_dir).map_err(|e| {
        eprintln!("kiosk: storage in {}: {e}", loaded.config.kiosk.state_dir.display());
        exit::STORAGE
    })
}

/// The configuration and the store it names (created if need be), or the exit code.
pub(crate) fn load_config_and_store(cli: &Cli) -> Result<(LoadedConfig, crate::storage::Store), i32> {
    let loaded = load_config(cli)?;
    let store = open_store(&loaded)?;
    Ok((loaded, store))
}

/// The configured, established store only (never a new one): for audited actions, so
/// `--config` cannot point their audit entry at a throw-away store. `why` starts the error.
pub(crate) fn open_established_store(loaded: &LoadedConfig, why: &str) -> Result<crate::storage::Store, i32> {
    crate::storage::Store::open_established(&loaded.config.kiosk.state_dir).map_err(|e| {
        eprintln!("kiosk: {why}: {e}");
        exit::STORAGE
    })
}

/// What one command line at a simulator's prompt does.
pub(crate) enum SimReply {
    Quit,
    Say(String),
    Nothing,
}

/// Standard input's lines, read on a thread of their own, so a prompt loop can wait for a
/// line and do other work between lines.
pub(crate) fn stdin_lines() -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

pub(crate) fn print_json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("kiosk: cannot render JSON: {e}"),
    }
}

/// A panic's payload is whatever was formatted into it (an `expect` message, an assertion
/// with a value): it may hold personal data, so the hook prints only where it happened.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| report_panic(info, &mut std::io::stderr())));
}

fn report_panic(info: &std::panic::PanicHookInfo<'_>, out: &mut dyn std::io::Write) {
    let place = info
        .location()
        .map(|at| format!(" at {}:{}:{}", at.file(), at.line(), at.column()))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "kiosk: internal error{place}; its details are withheld because they may contain personal data. Please report this line to the maintainers."
    );
}

/// Minimal stderr logger: `KIOSK_LOG=debug|info|warn|error` (default info); every line
/// scrubbed ([`crate::domain::masking::scrub_line`]).
fn init_logging() {
    struct StderrLogger(log::LevelFilter);
    impl log::Log for StderrLogger {
        fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
            metadata.level() <= self.0
        }
        fn log(&self, record: &log::Record<'_>) {
            if self.enabled(record.metadata()) {
                let text = record.args().to_string();
                // Standard error goes to the journal: scrubbed like the technician's ring,
                // so a careless line never puts a full ID or phone number there.
                let scrubbed = crate::domain::masking::scrub_line(&text);
                eprintln!("[{} {}] {scrubbed}", record.level(), record.target());
                crate::app::log_ring::push(record.level(), record.target(), &text);
            }
        }
        fn flush(&self) {}
    }
    let level = match std::env::var("KIOSK_LOG").as_deref() {
        Ok("debug") => log::LevelFilter::Debug,
        Ok("warn") => log::LevelFilter::Warn,
        Ok("error") => log::LevelFilter::Error,
        Ok("off") => log::LevelFilter::Off,
        _ => log::LevelFilter::Info,
    };
    if log::set_boxed_logger(Box::new(StderrLogger(level))).is_ok() {
        log::set_max_level(level);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    #[test]
    fn the_panic_hook_prints_the_place_but_never_the_payload() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let mut out = sink.lock().unwrap_or_else(|e| e.into_inner());
            super::report_panic(info, &mut *out);
        }));
        let result = std::panic::catch_unwind(|| {
            panic!("parse failed for 330225198506120431 陈晓燕 1985-06-12");
        });
        std::panic::set_hook(previous);
        assert!(result.is_err());
        let text = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
        assert!(text.contains("internal error at src/cli/mod.rs:"), "{text}");
        for secret in ["330225198506120431", "陈晓燕", "1985-06-12", "parse failed"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}
