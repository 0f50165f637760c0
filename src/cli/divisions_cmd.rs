//! `kiosk divisions show CODE` and `kiosk divisions children [CODE]`: look into the
//! division table behind the address picker (embedded, or `--divisions PATH`).

use super::exit;
use super::ime_cmd::{load_table, DataArgs};
use crate::ime::{Division, Level};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum DivisionsCommand {
    /// The path from the province down to CODE.
    Show {
        code: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// The divisions directly under CODE (the provinces without CODE).
    Children {
        code: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Province => "province",
        Level::City => "city",
        Level::County => "county",
        Level::Township => "township",
        Level::Village => "village",
    }
}

fn line(division: &Division<'_>) -> String {
    format!(
        "{:<12}  {:<8}  {}",
        division.code,
        level_name(division.level),
        division.name
    )
}

pub fn run(command: &DivisionsCommand) -> i32 {
    let (DivisionsCommand::Show { data, .. } | DivisionsCommand::Children { data, .. }) = command;
    let table = match load_table(data) {
        Ok(table) => table,
        Err(code) => return code,
    };
    match command {
        DivisionsCommand::Show { code, .. } => {
            let path = table.path(code);
            if path.is_empty() {
                eprintln!("kiosk divisions: no division {code}");
                return exit::NOT_FOUND;
            }
            for division in &path {
                println!("{}", line(division));
            }
            println!("children: {}", table.children(Some(code)).len());
        }
        DivisionsCommand::Children { code, .. } => {
            if let Some(code) = code {
                if table.get(code).is_none() {
                    eprintln!("kiosk divisions: no division {code}");
                    return exit::NOT_FOUND;
                }
            }
            for division in table.children(code.as_deref()) {
                println!("{}", line(&division));
            }
        }
    }
    exit::OK
}
