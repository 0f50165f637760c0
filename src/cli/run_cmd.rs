//! `kiosk run`: starts the kiosk — storage, the outbox worker, the configured devices
//! (simulators with the production drivers when no hardware is configured) and the
//! touchscreen UI. `--headless` (or no display) runs the services without the window and
//! says so.

use super::{exit, Cli};
use crate::app::central::CentralSystem;
use crate::app::outbox_worker::DeliveryOptions;
use crate::app::services::{self, systemd};
use clap::Args;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Stop after this many seconds (for smoke tests and demonstrations).
    #[arg(long)]
    pub exit_after: Option<u64>,
    /// Run the services without the touchscreen window.
    #[arg(long)]
    pub headless: bool,
    /// For `kiosk bench ui`: report the first frame and take scripted journeys on stdin.
    #[arg(long, hide = true)]
    pub bench: bool,
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn request_stop(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

fn install_signal_handlers() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, request_stop as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, request_stop as *const () as libc::sighandler_t);
    }
}

/// The device sections an installed kiosk's configuration must name (a missing one would
/// quietly be simulated), unless it says `kiosk.simulated = true`.
const REQUIRED_DEVICES: [&str; 2] = ["reader", "printer"];

/// Why a configuration file cannot start a kiosk: a required device section is missing and
/// simulation was not asked for. The embedded defaults (no file: the demonstration) may.
fn missing_devices(loaded: &crate::config::LoadedConfig) -> Option<String> {
    let path = loaded.source.as_ref()?;
    if loaded.config.kiosk.simulated {
        return None;
    }
    let mut texts: Vec<String> = std::fs::read_to_string(path).into_iter().collect();
    texts.extend(loaded.overrides.as_ref().and_then(|o| std::fs::read_to_string(o).ok()));
    let named = |device: &str| {
        texts.iter().any(|text| {
            text.parse::<toml::Table>()
                .ok()
                .and_then(|t| t.get("devices")?.as_table()?.get(device).cloned())
                .is_some()
        })
    };
    let missing: Vec<&str> = REQUIRED_DEVICES.into_iter().filter(|d| !named(d)).collect();
    (!missing.is_empty()).then(|| {
        format!(
            "{} has no {} section: configure the device (see packaging/kiosk.toml), or set `simulated = true` under [kiosk] for a demonstration or lab kiosk",
            path.display(),
            missing.iter().map(|d| format!("[devices.{d}]")).collect::<Vec<_>>().join(" or ")
        )
    })
}

pub fn run(cli: &Cli, args: &RunArgs) -> i32 {
    let loaded = match super::load_config(cli) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if let Some(problem) = missing_devices(&loaded) {
        eprintln!("kiosk: {problem}");
        return exit::CONFIG;
    }
    let config = loaded.config.clone();
    let (start, mut store, tidied) = match start_catalogue(&config).and_then(|start| {
        let (store, tidied) = open_and_tidy_store(&loaded)?;
        Ok((start, store, tidied))
    }) {
        Ok(started) => started,
        Err(code) => return code,
    };
    print_banner(&loaded, &start, &store, &tidied);
    crate::app::telemetry::start();
    let central = connect_central(&config);
    install_signal_handlers();
    start_background_work(&config, central.clone(), start.synced);

    #[cfg(feature = "ui")]
    if !args.headless {
        let paths = crate::config::ConfigPaths {
            source: loaded.source.clone(),
            overrides: cli
                .overrides
                .clone()
                .unwrap_or_else(|| config.kiosk.state_dir.join("overrides.toml")),
        };
        return run_ui(config, start.catalogue, store, central, paths, args);
    }
    let _ = &mut store;
    run_headless(&config, args)
}

/// The catalogue to start with: the central system's, else the cached copy, else the
/// packaged one (warnings printed).
fn start_catalogue(config: &crate::config::Config) -> Result<crate::app::catalogue_cache::StartCatalogue, i32> {
    let central = services::central_from_config(config).ok();
    match crate::app::catalogue_cache::for_start(config, central) {
        Ok(start) => {
            for warning in &start.warnings {
                eprintln!("kiosk: warning: {warning}");
            }
            Ok(start)
        }
        Err(e) => {
            eprintln!("kiosk: {e}");
            Err(exit::CONFIG)
        }
    }
}

/// Opens the store, resumes what a crash left in flight and purges expired personal data;
/// returns the store and a summary of both.
fn open_and_tidy_store(loaded: &crate::config::LoadedConfig) -> Result<(crate::storage::Store, String), i32> {
    let mut store = super::open_store(loaded)?;
    let now = crate::storage::now_unix();
    let recovered =
        store.outbox_recover_in_flight(now).unwrap_or(0) + store.supplement_recover_in_flight(now).unwrap_or(0);
    let purged = match store.purge_and_record(now) {
        Ok(n) => format!("{n} purged"),
        Err(e) => {
            eprintln!("kiosk: ALARM: purge of expired personal data failed: {e} (see `kiosk status`)");
            "purge FAILED".to_string()
        }
    };
    Ok((store, format!("{recovered} resumed, {purged}")))
}

/// What is starting: version, site, configuration, catalogue and storage.
fn print_banner(
    loaded: &crate::config::LoadedConfig,
    start: &crate::app::catalogue_cache::StartCatalogue,
    store: &crate::storage::Store,
    tidied: &str,
) {
    let config = &loaded.config;
    let stats = start.catalogue.stats();
    println!(
        "township-kiosk {} — {}",
        env!("CARGO_PKG_VERSION"),
        config.kiosk.site_name
    );
    println!("  configuration: {}", crate::app::describe_source(loaded));
    println!(
        "  catalogue:     {} ({} services, {} at most one trip; {})",
        start.catalogue.version,
        stats.items,
        stats.at_most_once,
        start.origin.describe()
    );
    println!(
        "  storage:       {} (schema v{}; {tidied})",
        store.path().display(),
        store.schema_version().unwrap_or(0)
    );
    if let Some(aside) = &store.report.moved_aside {
        println!("  ALARM:         damaged database moved aside to {}", aside.display());
    }
}

/// The configured central system (or the in-process simulation), said which; `None` when
/// it cannot be set up (applications then stay queued).
fn connect_central(config: &crate::config::Config) -> Option<Arc<dyn CentralSystem>> {
    match services::central_from_config(config) {
        Ok(central) if config.central.url == "sim" => {
            println!("  central:       in-process simulation (applications are accepted locally)");
            Some(central)
        }
        Ok(central) => {
            println!(
                "  central:       {} (mutual TLS as {})",
                crate::config::redact_url(&config.central.url),
                config.central.kiosk_id.as_deref().unwrap_or(&config.kiosk.id)
            );
            Some(central)
        }
        Err(e) => {
            println!("  central:       NOT CONNECTED: {e} — applications stay queued");
            crate::app::central::REACHABLE.store(false, Ordering::Relaxed);
            None
        }
    }
}

/// The background threads: delivery, catalogue sync and heartbeat (with a central
/// system), and the local status endpoint.
fn start_background_work(config: &crate::config::Config, central: Option<Arc<dyn CentralSystem>>, synced: bool) {
    if let Some(central) = central {
        services::spawn_outbox_worker(
            config.kiosk.state_dir.clone(),
            central.clone(),
            DeliveryOptions::for_config(config),
            &STOP,
        );
        if config.central.url != "sim" {
            let first = if synced {
                crate::app::catalogue_cache::SYNC_EVERY
            } else {
                crate::app::catalogue_cache::RETRY_AFTER_FAILURE
            };
            crate::app::catalogue_cache::spawn_sync(config.kiosk.state_dir.clone(), central.clone(), first, &STOP);
        }
        crate::app::firmware::start(
            crate::app::firmware::ImagePaths::system(&config.kiosk.state_dir),
            config.central.update_window.clone(),
            central.clone(),
        );
        services::spawn_heartbeat(config.clone(), central, &STOP);
    }
    if config.status.enabled {
        let source = Arc::new(services::RuntimeStatus::new(config.clone()));
        match crate::app::local_status::serve(&config.status.listen, source, config.status.token.clone()) {
            Ok(addr) => println!("  local status:  http://{addr}/status (also /healthz, /metrics)"),
            Err(e) => println!("  local status:  cannot listen on {}: {e}", config.status.listen),
        }
    }
}

/// Starts the configured devices and says what they are.
fn start_devices(
    config: &crate::config::Config,
    listener: Option<crate::devices::card_reader::ReaderListener>,
) -> Result<crate::app::devices::Devices, i32> {
    let devices = crate::app::devices::start_with(config, listener).map_err(|e| {
        eprintln!("kiosk: {e}");
        exit::DEVICE
    })?;
    println!("  card reader:   {}", devices.reader_description);
    println!("  printer:       {}", devices.printer_description);
    println!(
        "  camera:        {} (opened on the materials page)",
        devices.camera_description
    );
    let simulated = devices.simulated();
    let camera = devices.camera.initial_state();
    crate::app::telemetry::set_devices(|d| {
        let state = if simulated { "sim" } else { "ok" };
        d.reader = state.into();
        d.printer = state.into();
        d.camera = camera.into();
    });
    Ok(devices)
}

/// Starts the GPIO thread (its outputs go to their safe states at once). The kiosk serves
/// citizens without GPIO, so a GPIO that cannot start is reported, not fatal.
fn start_gpio(
    config: &crate::config::Config,
    report: impl FnMut(crate::app::gpio_service::GpioReport) + Send + 'static,
) -> Option<(
    crate::app::gpio_service::GpioService,
    crate::app::gpio_service::GpioLink,
)> {
    match crate::app::gpio_service::GpioService::start(config, report) {
        Ok((service, link)) => {
            println!("  gpio:          {}", service.description);
            Some((service, link))
        }
        Err(e) => {
            println!("  gpio:          NOT AVAILABLE: {e}");
            crate::app::telemetry::record_error(&format!("gpio: {e}"));
            crate::app::telemetry::set_devices(|d| d.gpio = format!("fault: {e}"));
            None
        }
    }
}

/// The speaker for spoken prompts (`[voice] enabled`). Missing programs are reported here;
/// the kiosk runs silently then, and tries again at each prompt.
#[cfg(feature = "ui")]
fn start_voice(voice: &crate::config::VoiceSection) -> Option<Box<dyn crate::devices::voice::Voice>> {
    use crate::devices::voice::{espeak, EspeakOptions, EspeakVoice, Voice, VoiceErrorKind};
    if !voice.enabled {
        println!("  voice:         none ([voice] enabled = false)");
        return None;
    }
    let options = EspeakOptions::new(&voice.device, voice.rate);
    let missing = espeak::missing_programs(&options);
    match EspeakVoice::start(options) {
        Ok(speaker) if missing.is_empty() => {
            println!("  voice:         {} (on in elderly mode)", speaker.describe());
            Some(Box::new(speaker))
        }
        Ok(speaker) => {
            let kind = VoiceErrorKind::MissingProgram;
            println!(
                "  voice:         SILENT: {}: {} not installed ({})",
                kind.as_str(),
                missing.join(" and "),
                kind.hint()
            );
            Some(Box::new(speaker))
        }
        Err(e) => {
            println!("  voice:         SILENT: cannot start the voice thread: {e}");
            None
        }
    }
}

fn run_headless(config: &crate::config::Config, args: &RunArgs) -> i32 {
    let devices = match start_devices(config, None) {
        Ok(devices) => devices,
        Err(code) => return code,
    };
    let gpio = start_gpio(config, |_| {});
    println!("  UI:            headless — services only, no touchscreen window");
    println!("Press Ctrl-C to stop.");
    systemd::ready();
    let mut watchdog = systemd::Watchdog::from_env();
    let started = Instant::now();
    let deadline = args.exit_after.map(Duration::from_secs);
    while !STOP.load(Ordering::SeqCst) && deadline.is_none_or(|d| started.elapsed() < d) {
        watchdog.tick();
        std::thread::sleep(Duration::from_millis(100));
    }
    STOP.store(true, Ordering::SeqCst);
    systemd::stopping();
    // The GPIO thread puts every output in its safe state before it ends.
    drop(gpio);
    drop(devices);
    std::thread::sleep(Duration::from_millis(300));
    println!("kiosk stopped");
    exit::OK
}

#[cfg(feature = "ui")]
fn run_ui(
    config: crate::config::Config,
    catalogue: crate::domain::catalogue::Catalogue,
    store: crate::storage::Store,
    central: Option<Arc<dyn CentralSystem>>,
    config_paths: crate::config::ConfigPaths,
    args: &RunArgs,
) -> i32 {
    use crate::ui::{self, Shell};
    // Rotation applies on the kiosk board's linuxkms backend (the desktop window manager
    // rotates on its own); touch calibration goes in a udev rule (see README).
    let rotation_from_config = config.ui.rotation != 0 && std::env::var_os("SLINT_KMS_ROTATION").is_none();
    if rotation_from_config {
        std::env::set_var("SLINT_KMS_ROTATION", config.ui.rotation.to_string());
    }
    let (width, height) = (config.ui.width, config.ui.height);
    let (app, gpio, simulated) = match build_app(config, catalogue, store, central, config_paths) {
        Ok(built) => built,
        Err(code) => return code,
    };
    let shell = match Shell::new(app) {
        Ok(shell) => shell,
        Err(e) => {
            eprintln!("kiosk: cannot open the touchscreen window ({e}); is there a display? Use --headless to run the services only.");
            return exit::DEVICE;
        }
    };
    ui::install(&shell);
    if args.bench {
        ui::bench_probe::install(&shell);
    }
    shell.set_size(width, height);
    println!(
        "  UI:            touchscreen window {width}×{height} ({})",
        if simulated {
            "simulated devices: F1–F6 place test cards, F7 lifts, F8 paper out"
        } else {
            "hardware"
        }
    );
    let timers = start_ui_timers(args.exit_after);
    systemd::ready();
    let result = shell.run();
    let restart = shell.app().restart_requested() && result.is_ok();
    if restart {
        // A setting being saved and the restart's audit entry are written first.
        shell.app_mut().technician_mut().shutdown(Duration::from_secs(3));
    }
    // Under systemd the unit starts again by itself (`Restart=always`), with its
    // `ExecStartPre` (the touch calibration for a new rotation): exit. Elsewhere, exec.
    let supervised = std::env::var_os("INVOCATION_ID").is_some();
    if !restart || supervised {
        systemd::stopping();
    }
    STOP.store(true, Ordering::SeqCst);
    // Outputs to their safe states (also on SIGTERM: the stop flag ended the event loop).
    drop(gpio);
    drop(timers);
    if restart {
        return restart_after_ui(shell, supervised, rotation_from_config);
    }
    println!("kiosk stopped");
    match result {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("kiosk: UI: {e}");
            exit::DEVICE
        }
    }
}

/// The app on the configured devices, GPIO and voice: the app, the GPIO service (kept
/// alive while the UI runs) and whether the devices are simulated.
#[cfg(feature = "ui")]
fn build_app(
    config: crate::config::Config,
    catalogue: crate::domain::catalogue::Catalogue,
    store: crate::storage::Store,
    central: Option<Arc<dyn CentralSystem>>,
    config_paths: crate::config::ConfigPaths,
) -> Result<
    (
        crate::app::kiosk::KioskApp,
        Option<crate::app::gpio_service::GpioService>,
        bool,
    ),
    i32,
> {
    // The inbox exists before the reader starts: its first reports wait there for the UI.
    let inbox = crate::app::inbox::channel();
    let devices = start_devices(&config, Some(inbox.0.reader_listener()))?;
    let simulated = devices.simulated();
    let gpio_sink = inbox.0.gpio_sink();
    let (gpio, gpio_link) = start_gpio(&config, gpio_sink).unzip();
    let mut parts = devices.into_app_parts(Some(store), inbox);
    // Progress lookups (and later payment, appointments, rating) use the same client.
    parts.central = central;
    parts.voice = start_voice(&config.voice);
    parts.config_paths = Some(config_paths);
    let mut app = crate::app::kiosk::KioskApp::new(config, catalogue, parts);
    if let Some(link) = gpio_link {
        app.attach_gpio(link);
    }
    Ok((app, gpio, simulated))
}

/// The UI loop's timers: the tick (which also feeds systemd's watchdog, so a frozen UI
/// gets the kiosk restarted) and the optional stop. The camera preview's timer is the
/// shell's: it runs only while a page with a camera shows.
#[cfg(feature = "ui")]
fn start_ui_timers(exit_after: Option<u64>) -> [slint::Timer; 2] {
    use crate::ui;
    let tick = slint::Timer::default();
    let mut watchdog = systemd::Watchdog::from_env();
    tick.start(slint::TimerMode::Repeated, TICK_PERIOD, move || {
        watchdog.tick();
        if STOP.load(Ordering::SeqCst) {
            let _ = slint::quit_event_loop();
        }
        ui::with_shell(|shell| shell.tick());
    });
    let stopper = slint::Timer::default();
    if let Some(secs) = exit_after {
        stopper.start(slint::TimerMode::SingleShot, Duration::from_secs(secs), || {
            let _ = slint::quit_event_loop();
        });
    }
    [tick, stopper]
}

/// The UI clock's period: the countdowns and the header's clock move by the second, and the
/// idle kiosk wakes once a second for them (and for systemd's watchdog and a stop request).
#[cfg(feature = "ui")]
const TICK_PERIOD: Duration = Duration::from_secs(1);

/// The technician asked for a restart: under systemd, exit (the unit starts again);
/// elsewhere, exec this program again.
#[cfg(feature = "ui")]
fn restart_after_ui(shell: std::rc::Rc<crate::ui::Shell>, supervised: bool, rotation_from_config: bool) -> i32 {
    if supervised {
        println!("kiosk restarting (asked on the technician screen): systemd starts it again");
        return exit::OK;
    }
    drop(shell);
    // Let the GPIO thread and the devices finish putting outputs safe.
    std::thread::sleep(Duration::from_millis(300));
    if rotation_from_config {
        // The configuration (maybe just changed) decides the rotation again.
        std::env::remove_var("SLINT_KMS_ROTATION");
    }
    restart_self()
}

#[cfg(feature = "ui")]
fn restart_self() -> i32 {
    use std::os::unix::process::CommandExt;
    println!("kiosk restarting (asked on the technician screen)");
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("kiosk: cannot restart: {e}");
            return exit::DEVICE;
        }
    };
    let error = std::process::Command::new(exe).args(std::env::args_os().skip(1)).exec();
    eprintln!("kiosk: cannot restart: {error}");
    exit::DEVICE
}
