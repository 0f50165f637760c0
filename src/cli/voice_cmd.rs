//! `kiosk voice say PROMPT` speaks one of the kiosk's prompts (a page such as `identify`, or
//! a moment such as `take-receipt`) on the configured speaker and waits until it was played,
//! so a technician can test the speaker; `--device` and `--rate` try other settings first.
//! `kiosk voice say --list` prints every prompt with its Chinese text and pinyin.

use super::{exit, Cli};
use crate::app::voice_prompts::{self, Cue};
use crate::devices::voice::espeak::{speak_and_wait, EspeakOptions};
use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub enum VoiceCommand {
    /// Speak a prompt and wait until it was played (or list the prompts).
    Say(SayArgs),
}

#[derive(Args, Debug)]
pub struct SayArgs {
    /// A page (welcome, catalogue, identify, …) or a moment (card-read, take-receipt, …).
    #[arg(required_unless_present = "list")]
    pub prompt: Option<String>,
    /// List the prompts (name, Chinese, pinyin) instead.
    #[arg(long, conflicts_with = "prompt")]
    pub list: bool,
    /// ALSA device instead of the configured one (`aplay -L` lists them).
    #[arg(long)]
    pub device: Option<String>,
    /// Words per minute instead of the configured rate.
    #[arg(long)]
    pub rate: Option<u32>,
}

pub fn run(cli: &Cli, command: &VoiceCommand) -> i32 {
    let VoiceCommand::Say(args) = command;
    if args.list {
        for cue in voice_prompts::all() {
            let prompt = voice_prompts::prompt(cue);
            println!("{:<18} {}  [{}]", cue.name(), prompt.zh, prompt.pinyin);
        }
        return exit::OK;
    }
    let name = args.prompt.as_deref().unwrap_or_default();
    let Some(cue) = Cue::parse(name) else {
        eprintln!("kiosk: no prompt named {name:?}; see `kiosk voice say --list`");
        return exit::NOT_FOUND;
    };
    let loaded = match super::load_config(cli) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let voice = &loaded.config.voice;
    if !voice.enabled {
        println!("note: [voice] enabled = false: the kiosk itself speaks no prompts");
    }
    let options = EspeakOptions::new(
        args.device.as_deref().unwrap_or(&voice.device),
        args.rate.unwrap_or(voice.rate).clamp(80, 450),
    );
    let utterance = voice_prompts::utterance(&[cue]);
    match speak_and_wait(&options, &utterance) {
        Ok(()) => {
            println!(
                "said {} ({}) on ALSA device {:?}",
                utterance.text,
                cue.name(),
                options.device
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("kiosk: voice: {e}");
            exit::DEVICE
        }
    }
}
