//! `kiosk config validate [PATH]` and `kiosk config show`.

use super::{exit, Cli};
use crate::config;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Check a configuration file (and its overrides); each problem names file, line and key.
    Validate {
        /// The file to check (default: the effective configuration).
        path: Option<PathBuf>,
    },
    /// Print the effective configuration (defaults + file + overrides), secrets redacted.
    Show,
}

pub fn run(cli: &Cli, command: &ConfigCommand) -> i32 {
    match command {
        ConfigCommand::Validate { path } => {
            let path = path
                .clone()
                .or_else(|| cli.config.clone())
                .or_else(crate::app::default_config_path);
            match config::load(path.as_deref(), cli.overrides.as_deref()) {
                Ok(loaded) => match crate::app::load_catalogue(&loaded.config) {
                    Ok(catalogue) => {
                        println!(
                            "ok: {} ({} services in catalogue {})",
                            crate::app::describe_source(&loaded),
                            catalogue.items.len(),
                            catalogue.version
                        );
                        exit::OK
                    }
                    Err(e) => {
                        eprintln!("{e}");
                        exit::CONFIG
                    }
                },
                Err(errors) => {
                    for problem in &errors.0 {
                        eprintln!("{problem}");
                    }
                    eprintln!("{} problem(s) found", errors.0.len());
                    exit::CONFIG
                }
            }
        }
        ConfigCommand::Show => match super::load_config(cli) {
            Ok(loaded) => {
                println!(
                    "# effective configuration from {}",
                    crate::app::describe_source(&loaded)
                );
                print!("{}", loaded.config.to_redacted_toml());
                exit::OK
            }
            Err(code) => code,
        },
    }
}
