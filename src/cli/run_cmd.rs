//! `kiosk run`: starts the kiosk. Until the touchscreen UI lands it runs headless and says
//! so: storage, the outbox worker and the configured devices, with a one-line status.

use super::{exit, Cli};
use crate::app::central::{CentralSystem, SimCentral};
use crate::app::outbox_worker::{self, Outcome};
use clap::Args;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Stop after this many seconds (for smoke tests and demonstrations).
    #[arg(long)]
    pub exit_after: Option<u64>,
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

pub fn run(cli: &Cli, args: &RunArgs) -> i32 {
    let loaded = match super::load_config(cli) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let config = &loaded.config;
    let catalogue = match crate::app::load_catalogue(config) {
        Ok(catalogue) => catalogue,
        Err(e) => {
            eprintln!("kiosk: {e}");
            return exit::CONFIG;
        }
    };
    let mut store = match super::open_store(&loaded) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let now = crate::storage::now_unix();
    let recovered = store.outbox_recover_in_flight(now).unwrap_or(0);
    let purged = store.purge_expired(now).unwrap_or(0);
    let stats = catalogue.stats();

    println!(
        "township-kiosk {} — {}",
        env!("CARGO_PKG_VERSION"),
        config.kiosk.site_name
    );
    println!("  configuration: {}", crate::app::describe_source(&loaded));
    println!(
        "  catalogue:     {} ({} services, {} at most one trip)",
        catalogue.version, stats.items, stats.at_most_once
    );
    println!(
        "  storage:       {} (schema v{}; {recovered} resumed, {purged} purged)",
        store.path().display(),
        store.schema_version().unwrap_or(0)
    );
    if let Some(aside) = &store.report.moved_aside {
        println!("  ALARM:         damaged database moved aside to {}", aside.display());
    }
    let devices = match crate::app::devices::start(config) {
        Ok(devices) => devices,
        Err(e) => {
            eprintln!("kiosk: {e}");
            return exit::DEVICE;
        }
    };
    println!("  card reader:   {}", devices.reader_description);
    println!("  printer:       {}", devices.printer_description);
    println!("  UI:            not built yet — running headless (no touchscreen pages in this version)");
    let central: Option<Box<dyn CentralSystem>> = if config.central.url == "sim" {
        println!("  central:       in-process simulation (applications are accepted locally)");
        Some(Box::new(SimCentral::default()))
    } else {
        println!(
            "  central:       {} — no network client in this version: applications stay queued",
            config.central.url
        );
        None
    };
    println!("Press Ctrl-C to stop.");

    install_signal_handlers();
    let started = Instant::now();
    let deadline = args.exit_after.map(Duration::from_secs);
    while !STOP.load(Ordering::SeqCst) && deadline.is_none_or(|d| started.elapsed() < d) {
        if let Some(central) = &central {
            loop {
                match outbox_worker::try_send_next(&mut store, central.as_ref(), crate::storage::now_unix()) {
                    Ok(Outcome::Idle) => break,
                    Ok(_) => continue,
                    Err(e) => {
                        log::error!("outbox worker: {e}");
                        break;
                    }
                }
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(devices);
    println!("kiosk stopped");
    exit::OK
}
