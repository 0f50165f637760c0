//! `kiosk ime query PINYIN`: the candidates the on-screen keyboard would offer, best first,
//! for a technician checking the engine or replacement data files. Nothing is remembered.

use super::exit;
use crate::ime::{DivisionTable, Engine, QueryOptions};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum ImeCommand {
    /// Print the candidates for a pinyin input, best first.
    Query(QueryArgs),
}

/// Replacement data files (default: the ones embedded in the binary).
#[derive(Args, Debug, Clone, Default)]
pub struct DataArgs {
    /// Word list (`word<TAB>pin yin<TAB>weight`), like packaging/pinyin/words.tsv.
    #[arg(long, value_name = "PATH")]
    pub words: Option<PathBuf>,
    /// Division table, like packaging/divisions.tsv.
    #[arg(long, value_name = "PATH")]
    pub divisions: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct QueryArgs {
    /// What the citizen typed: pinyin, initials or both; `'` separates syllables.
    pub pinyin: String,
    /// Division code whose place names are boosted (e.g. 330225 for 象山县).
    #[arg(long, value_name = "CODE")]
    pub region: Option<String>,
    /// How many candidates to print.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub top: u16,
    /// Print `{"candidates": [...]}`.
    #[arg(long)]
    pub json: bool,
    /// Switch the fuzzy rules (z/zh, c/ch, s/sh, n/l, an/ang, en/eng, in/ing) off.
    #[arg(long)]
    pub no_fuzzy: bool,
    #[command(flatten)]
    pub data: DataArgs,
}

pub fn run(command: &ImeCommand) -> i32 {
    let ImeCommand::Query(args) = command;
    let table = match load_table(&args.data) {
        Ok(table) => table,
        Err(code) => return code,
    };
    if let Some(region) = &args.region {
        if table.get(region).is_none() {
            eprintln!("kiosk ime: --region {region}: no such division code");
            return exit::CONFIG;
        }
    }
    let words = match &args.data.words {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("kiosk ime: {}: {e}", path.display());
                return exit::CONFIG;
            }
        },
        None => crate::ime::default_words().into_owned(),
    };
    let engine = match Engine::build(&words, &table) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("kiosk ime: {e}");
            return exit::CONFIG;
        }
    };
    let options = QueryOptions {
        region: args.region.as_deref(),
        fuzzy: !args.no_fuzzy,
        limit: args.top.into(),
    };
    let candidates = engine.query(&args.pinyin, &options);
    if args.json {
        let texts: Vec<&str> = candidates.iter().map(|c| c.text.as_str()).collect();
        super::print_json(&serde_json::json!({ "candidates": texts }));
    } else {
        for (i, candidate) in candidates.iter().enumerate() {
            let rest = args.pinyin[candidate.consumed..].trim_start_matches('\'');
            let place = if candidate.place { "  (place)" } else { "" };
            if rest.is_empty() {
                println!("{:>3}  {}{place}", i + 1, candidate.text);
            } else {
                println!("{:>3}  {}{place}  (leaves {rest})", i + 1, candidate.text);
            }
        }
    }
    exit::OK
}

/// The division table from `--divisions` or the embedded one.
pub(crate) fn load_table(data: &DataArgs) -> Result<DivisionTable, i32> {
    let table = match &data.divisions {
        Some(path) => DivisionTable::load_file(path),
        None => DivisionTable::load_default(),
    };
    table.map_err(|e| {
        eprintln!("kiosk: division table: {e}");
        exit::CONFIG
    })
}
