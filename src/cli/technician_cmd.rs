//! `kiosk technician set-pin`: sets the technician PIN (argon2id hash in the overrides
//! file). It asks twice and never echoes; a PIN already set must be given first. PIN
//! prompts read the terminal with echo off, or, when standard input is not a terminal, one
//! line of it per PIN (for scripted lab use).

use super::{exit, Cli};
use crate::app::technician::{self, PinError};
use clap::Subcommand;
use std::io::{BufRead, Write};

#[derive(Subcommand, Debug)]
pub enum TechnicianCommand {
    /// Set or change the technician PIN (6 to 12 digits; asked twice, never shown).
    SetPin,
    /// A forgotten or locked PIN: redeem the one-time code a supervisor issued at the
    /// central (`township-central pin-recovery KIOSK`), then set a new PIN.
    Recover,
}

/// Reads one secret line: from the terminal with echo off, or one line of a pipe.
pub(crate) fn read_secret(prompt: &str) -> std::io::Result<String> {
    let fd = libc::STDIN_FILENO;
    // SAFETY: isatty only inspects the descriptor.
    let tty = unsafe { libc::isatty(fd) } == 1;
    let mut line = String::new();
    if tty {
        eprint!("{prompt}: ");
        std::io::stderr().flush()?;
        // SAFETY: termios is plain data; tcgetattr fills it for a terminal descriptor.
        let mut term: libc::termios = unsafe { std::mem::zeroed() };
        if unsafe { libc::tcgetattr(fd, &mut term) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let saved = term;
        term.c_lflag &= !libc::ECHO;
        // SAFETY: a termios obtained from tcgetattr, with ECHO cleared.
        if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &term) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let read = std::io::stdin().lock().read_line(&mut line);
        // SAFETY: restores the settings read above.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) };
        eprintln!();
        read?;
    } else if std::io::stdin().lock().read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("no input for \"{prompt}\" (standard input is not a terminal and has no line left)"),
        ));
    }
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// Exit code and message for a refused PIN.
pub(crate) fn pin_refused(error: &PinError) -> i32 {
    eprintln!("kiosk: {error}");
    match error {
        PinError::Storage(_) => exit::STORAGE,
        PinError::BadHash(_) => exit::CONFIG,
        _ => exit::DENIED,
    }
}

/// Asks for the technician PIN and checks it (with the lockout) against the store.
pub(crate) fn ask_and_check_pin(
    loaded: &crate::config::LoadedConfig,
    store: &mut crate::storage::Store,
    purpose: &str,
) -> Result<(), i32> {
    let pin_hash = loaded.config.technician.pin_hash.as_deref();
    if pin_hash.is_none() {
        return Err(pin_refused(&PinError::NotSet));
    }
    let pin = read_secret("technician PIN").map_err(|e| {
        eprintln!("kiosk: cannot read the PIN: {e}");
        exit::DENIED
    })?;
    technician::check_pin(
        store,
        pin_hash,
        &pin,
        "technician:cli",
        purpose,
        crate::storage::now_unix(),
    )
    .map_err(|e| pin_refused(&e))
}

pub fn run(cli: &Cli, command: &TechnicianCommand) -> i32 {
    let (loaded, mut store) = match super::load_config_and_store(cli) {
        Ok(pair) => pair,
        Err(code) => return code,
    };
    let action = match command {
        TechnicianCommand::SetPin if loaded.config.technician.pin_hash.is_some() => {
            if let Err(code) = ask_and_check_pin(&loaded, &mut store, "set-pin") {
                return code;
            }
            "PIN changed"
        }
        TechnicianCommand::SetPin => "PIN set",
        TechnicianCommand::Recover => match recover(&loaded, &mut store) {
            Ok(()) => "PIN set after a recovery code",
            Err(code) => return code,
        },
    };
    set_pin(cli, &loaded, &mut store, action)
}

/// Redeems a recovery code at the central; then the PIN's lock is lifted (audited).
fn recover(loaded: &crate::config::LoadedConfig, store: &mut crate::storage::Store) -> Result<(), i32> {
    let code = read_secret("recovery code from the central (12 digits)").map_err(|e| {
        eprintln!("kiosk: cannot read the code: {e}");
        exit::INVALID
    })?;
    let central = crate::app::central_http::HttpCentral::from_config(&loaded.config.central, &loaded.config.kiosk.id)
        .map_err(|e| {
        eprintln!("kiosk: {e}");
        exit::CONFIG
    })?;
    match central.redeem_pin_recovery(&code) {
        Ok(()) => {}
        Err(crate::app::central::CentralError::NotFound) => {
            let _ = store.audit(
                "technician:cli",
                "technician.recovery-refused",
                "wrong, used or expired code",
            );
            eprintln!("kiosk: the central did not accept this code (wrong, used, expired or for another kiosk)");
            return Err(exit::DENIED);
        }
        Err(e) => {
            eprintln!("kiosk: the code could not be checked: {e}");
            return Err(match e {
                crate::app::central::CentralError::Limited(..) => exit::DENIED,
                _ => exit::UNREACHABLE,
            });
        }
    }
    let lifted = store
        .set_pin_guard(crate::storage::guard::PinGuard::default())
        .and_then(|()| store.audit("technician:cli", "technician.recovered", "recovery code redeemed"));
    lifted.map_err(|e| {
        eprintln!("kiosk: the code was used but the store failed: {e}");
        exit::STORAGE
    })
}

/// Asks for a new PIN twice and writes its hash to the overrides (audited as `action`).
fn set_pin(cli: &Cli, loaded: &crate::config::LoadedConfig, store: &mut crate::storage::Store, action: &str) -> i32 {
    let read = |prompt: &str| {
        read_secret(prompt).map_err(|e| {
            eprintln!("kiosk: cannot read the PIN: {e}");
            exit::INVALID
        })
    };
    let (first, second) = match read("new technician PIN (6 to 12 digits)").and_then(|a| Ok((a, read("repeat it")?))) {
        Ok(pair) => pair,
        Err(code) => return code,
    };
    if first != second {
        eprintln!("kiosk: the two PINs differ: nothing was changed");
        return exit::INVALID;
    }
    let hash = match technician::hash_pin(&first) {
        Ok(hash) => hash,
        Err(e) => {
            eprintln!("kiosk: {e}: nothing was changed");
            return exit::INVALID;
        }
    };
    let overrides = cli
        .overrides
        .clone()
        .unwrap_or_else(|| loaded.config.kiosk.state_dir.join("overrides.toml"));
    if let Err(e) = crate::config::set_override(&overrides, "technician.pin-hash", toml::Value::String(hash)) {
        eprintln!("kiosk: cannot write {}: {e}", overrides.display());
        return exit::CONFIG;
    }
    // The hash can be attacked offline: set_override writes the file 0600 from the start.
    if let Err(e) = store.audit("technician:cli", "technician.set-pin", action) {
        eprintln!("kiosk: the PIN was written but the audit log failed: {e}");
        return exit::STORAGE;
    }
    println!("technician {action} (argon2id hash in {})", overrides.display());
    exit::OK
}
