//! `kiosk doctor` (checks a board and prints what to fix; exit 1 when something must be
//! fixed) and `kiosk board touch-rule [--apply]` (the touchscreen's udev calibration rule).

use super::{exit, Cli};
use crate::app::board;
use crate::app::doctor::{self, Level};
use clap::{Args, Subcommand};
use std::path::Path;

#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// The user the device and group checks are for (default: the service user
    /// township-kiosk when it exists, else you).
    #[arg(long)]
    pub user: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum BoardCommand {
    /// Print the udev rule that calibrates the touchscreen from [ui] rotation or
    /// touch-calibration; --apply writes it to /run/udev/rules.d and re-triggers the input
    /// devices (root; the kiosk's unit does it at every start).
    TouchRule {
        #[arg(long)]
        apply: bool,
    },
}

pub fn doctor(cli: &Cli, args: &DoctorArgs) -> i32 {
    let loaded = match super::load_config(cli) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    println!("configuration: {}", crate::app::describe_source(&loaded));
    let facts = doctor::probe::gather(&loaded.config, args.user.as_deref());
    let findings = doctor::diagnose(&facts);
    for f in &findings {
        let tag = match f.level {
            Level::Ok => "ok  ",
            Level::Warn => "WARN",
            Level::Fail => "FAIL",
        };
        println!("{tag}  {:<13} {}", f.check, f.detail);
        if let Some(fix) = &f.fix {
            println!("      {:<13} fix: {fix}", "");
        }
    }
    let fails = findings.iter().filter(|f| f.level == Level::Fail).count();
    let warns = findings.iter().filter(|f| f.level == Level::Warn).count();
    println!("{fails} to fix, {warns} to look at");
    if fails > 0 {
        exit::INVALID
    } else {
        exit::OK
    }
}

pub fn board(cli: &Cli, command: &BoardCommand) -> i32 {
    let loaded = match super::load_config(cli) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let BoardCommand::TouchRule { apply } = command;
    let rule = board::touch_rule(&loaded.config.ui);
    if !apply {
        print!("{rule}");
        return exit::OK;
    }
    let path = Path::new(board::TOUCH_RULE_PATH);
    if std::fs::read_to_string(path).ok().as_deref() == Some(rule.as_str()) {
        return exit::OK;
    }
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(path, &rule));
    if let Err(e) = written {
        eprintln!("kiosk board: {}: {e}", path.display());
        return exit::STORAGE;
    }
    // Best effort: without udev (a container) the rule applies at the next boot.
    let _ = std::process::Command::new("udevadm")
        .args(["trigger", "--action=change", "--subsystem-match=input"])
        .status();
    println!("{}", path.display());
    exit::OK
}
