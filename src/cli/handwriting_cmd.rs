//! `kiosk handwriting recognize --strokes FILE.json [--top N] [--json]`: the characters the
//! writing pad would offer for some strokes, best first, for a technician checking the
//! engine and model, and for scoring it on a test set. Nothing is remembered.

use super::exit;
use crate::ime::handwriting::zinnia::{Zinnia, DEFAULT_MODEL};
use crate::ime::handwriting::{HandwritingEngine, Ink};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum HandwritingCommand {
    /// Print the candidates for strokes on a pad, best first.
    Recognize(RecognizeArgs),
}

#[derive(Args, Debug)]
pub struct RecognizeArgs {
    /// `{"width":W,"height":H,"strokes":[[[x,y],…],…]}` (`-`: standard input).
    #[arg(long, value_name = "FILE.json")]
    pub strokes: PathBuf,
    /// How many candidates to print.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub top: u16,
    /// Print `{"candidates": [...]}`.
    #[arg(long)]
    pub json: bool,
    /// The zinnia model (default: the one Debian's tegaki-zinnia-simplified-chinese installs).
    #[arg(long, value_name = "PATH", default_value = DEFAULT_MODEL)]
    pub model: PathBuf,
}

/// The largest strokes file read (a pad of 64 strokes × 512 points is far less).
const MAX_INPUT: u64 = 1 << 20;

pub fn run(command: &HandwritingCommand) -> i32 {
    let HandwritingCommand::Recognize(args) = command;
    let ink = match read_ink(&args.strokes) {
        Ok(ink) => ink,
        Err(message) => {
            eprintln!("kiosk handwriting: {}: {message}", args.strokes.display());
            return exit::INVALID;
        }
    };
    let engine = match Zinnia::open(&args.model) {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("kiosk handwriting: {e}");
            return exit::CONFIG;
        }
    };
    match engine.recognize(&ink, usize::from(args.top)) {
        Ok(candidates) if args.json => {
            let texts: Vec<&str> = candidates.iter().map(|c| c.text.as_str()).collect();
            println!("{}", serde_json::json!({ "candidates": texts }));
            exit::OK
        }
        Ok(candidates) => {
            for candidate in candidates {
                println!("{}\t{:.3}", candidate.text, candidate.score);
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("kiosk handwriting: {e}");
            exit::INVALID
        }
    }
}

fn read_ink(path: &std::path::Path) -> Result<Ink, String> {
    use std::io::Read;
    let mut text = String::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().take(MAX_INPUT + 1).read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_INPUT + 1).read_to_string(&mut text))
    };
    read.map_err(|e| e.to_string())?;
    if text.len() as u64 > MAX_INPUT {
        return Err(format!("larger than {} KiB", MAX_INPUT / 1024));
    }
    let ink: Ink = serde_json::from_str(&text).map_err(|e| format!("not a strokes file: {e}"))?;
    ink.validate()?;
    Ok(ink)
}
