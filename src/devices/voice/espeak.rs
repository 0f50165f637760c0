//! The production voice: `espeak-ng -v cmn-latn-pinyin -s RATE --stdout PINYIN | aplay -q -D
//! DEVICE`, two subprocesses joined by a pipe, run from the voice's own thread so the UI
//! thread never waits. A new prompt kills the one still playing (both processes) and starts
//! at once; a run of prompts sent faster than they start plays only the newest.
//!
//! A missing program or sound device is logged once per [`VoiceErrorKind`] and the kiosk
//! carries on silently; the next prompt tries again (a technician may plug the speaker in).

use super::{Utterance, Voice, VoiceError, VoiceErrorKind};
use std::collections::HashSet;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the voice thread looks whether playback ended (and for a newer prompt).
const POLL: Duration = Duration::from_millis(20);

/// Where and how to speak.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EspeakOptions {
    /// The ALSA device for `aplay -D` (`default`, `plughw:1,0`, …).
    pub device: String,
    /// Words per minute for `espeak-ng -s` (80–450).
    pub rate: u32,
    /// The programs (found on `PATH` unless given with a directory).
    pub espeak: PathBuf,
    pub aplay: PathBuf,
}

impl EspeakOptions {
    pub fn new(device: &str, rate: u32) -> EspeakOptions {
        EspeakOptions {
            device: device.to_string(),
            rate,
            espeak: "espeak-ng".into(),
            aplay: "aplay".into(),
        }
    }
}

enum Order {
    Say(Utterance),
    Stop,
}

/// `espeak-ng | aplay` on the voice thread.
pub struct EspeakVoice {
    options: EspeakOptions,
    commands: Sender<Order>,
    last_error: Arc<Mutex<Option<VoiceErrorKind>>>,
}

impl EspeakVoice {
    /// Starts the voice thread (nothing is spawned until the first prompt).
    pub fn start(options: EspeakOptions) -> std::io::Result<EspeakVoice> {
        let (commands, inbox) = mpsc::channel();
        let last_error = Arc::new(Mutex::new(None));
        let (thread_options, status) = (options.clone(), Arc::clone(&last_error));
        std::thread::Builder::new()
            .name("voice".into())
            .spawn(move || run(&thread_options, &inbox, &status))?;
        Ok(EspeakVoice {
            options,
            commands,
            last_error,
        })
    }

    /// Why the last prompt was not heard (`None` after one that played).
    pub fn last_error(&self) -> Option<VoiceErrorKind> {
        *self.last_error.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Voice for EspeakVoice {
    fn say(&self, utterance: &Utterance) {
        let _ = self.commands.send(Order::Say(utterance.clone()));
    }

    fn stop(&self) {
        let _ = self.commands.send(Order::Stop);
    }

    fn describe(&self) -> String {
        format!(
            "espeak-ng (cmn-latn-pinyin, {} words/min) through ALSA device {:?}",
            self.options.rate, self.options.device
        )
    }
}

/// The programs of `options` that are not installed (looked up on `PATH` like the shell).
pub fn missing_programs(options: &EspeakOptions) -> Vec<String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    [&options.espeak, &options.aplay]
        .into_iter()
        .filter(|program| {
            let found = if program.components().count() > 1 {
                program.is_file()
            } else {
                std::env::split_paths(&path).any(|dir| dir.join(program).is_file())
            };
            !found
        })
        .map(|program| program.display().to_string())
        .collect()
}

/// Speaks `utterance` and waits until it was played (`kiosk voice say`, tests).
pub fn speak_and_wait(options: &EspeakOptions, utterance: &Utterance) -> Result<(), VoiceError> {
    let mut playing = Playing::start(options, utterance)?;
    loop {
        if let Some(result) = playing.finished() {
            return result;
        }
        std::thread::sleep(POLL);
    }
}

/// The voice thread: one prompt at a time, the newest wins.
fn run(options: &EspeakOptions, inbox: &Receiver<Order>, status: &Mutex<Option<VoiceErrorKind>>) {
    let mut logged = HashSet::new();
    let mut report = |result: Result<(), VoiceError>| {
        let kind = result.as_ref().err().map(|e| e.kind);
        *status.lock().unwrap_or_else(|e| e.into_inner()) = kind;
        if let Err(error) = result {
            if logged.insert(error.kind) {
                log::warn!("{error}; the kiosk carries on without spoken prompts");
            } else {
                log::debug!("{}", error.kind.as_str());
            }
        }
    };
    let mut next = None;
    loop {
        let utterance = match next.take() {
            Some(utterance) => utterance,
            None => match inbox.recv() {
                Ok(Order::Say(utterance)) => newest(utterance, inbox),
                Ok(Order::Stop) => continue,
                Err(_) => return,
            },
        };
        let Some(utterance) = utterance else { continue };
        log::debug!("voice: {}", utterance.text);
        let mut playing = match Playing::start(options, &utterance) {
            Ok(playing) => playing,
            Err(error) => {
                report(Err(error));
                continue;
            }
        };
        loop {
            match inbox.recv_timeout(POLL) {
                Ok(Order::Say(utterance)) => {
                    playing.kill();
                    next = Some(newest(utterance, inbox));
                    break;
                }
                Ok(Order::Stop) => {
                    playing.kill();
                    break;
                }
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(result) = playing.finished() {
                        report(result);
                        break;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    playing.kill();
                    return;
                }
            }
        }
    }
}

/// The newest of the commands already waiting after `first` (`None`: a stop came last).
fn newest(first: Utterance, inbox: &Receiver<Order>) -> Option<Utterance> {
    let mut newest = Some(first);
    while let Ok(command) = inbox.try_recv() {
        newest = match command {
            Order::Say(utterance) => Some(utterance),
            Order::Stop => None,
        };
    }
    newest
}

/// One prompt being played: the synthesiser writing into the player.
struct Playing {
    espeak: Child,
    aplay: Child,
}

impl Playing {
    fn start(options: &EspeakOptions, utterance: &Utterance) -> Result<Playing, VoiceError> {
        if utterance.pinyin.trim_start().starts_with('-') || utterance.pinyin.trim().is_empty() {
            return Err(VoiceError {
                kind: VoiceErrorKind::Synthesis,
                detail: "the prompt has no pinyin to speak".into(),
            });
        }
        let mut espeak = Command::new(&options.espeak)
            .args(["-v", "cmn-latn-pinyin", "-s", &options.rate.to_string(), "--stdout"])
            .arg(&utterance.pinyin)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| spawn_error(&options.espeak, e))?;
        let Some(wave) = espeak.stdout.take() else {
            let _ = espeak.kill();
            let _ = espeak.wait();
            return Err(VoiceError {
                kind: VoiceErrorKind::Synthesis,
                detail: "no output pipe from espeak-ng".into(),
            });
        };
        let aplay = Command::new(&options.aplay)
            .args(["-q", "-D", &options.device])
            .stdin(Stdio::from(wave))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        match aplay {
            Ok(aplay) => Ok(Playing { espeak, aplay }),
            Err(e) => {
                let _ = espeak.kill();
                let _ = espeak.wait();
                Err(spawn_error(&options.aplay, e))
            }
        }
    }

    /// The outcome once the player ended (`None` while it plays).
    fn finished(&mut self) -> Option<Result<(), VoiceError>> {
        let played = match self.aplay.try_wait() {
            Ok(None) => return None,
            Ok(Some(status)) => status,
            Err(e) => {
                self.kill();
                return Some(Err(VoiceError {
                    kind: VoiceErrorKind::Playback,
                    detail: format!("aplay: {e}"),
                }));
            }
        };
        // The player is gone: the synthesiser's pipe is closed, it ends now if not already.
        let synthesised = match self.espeak.try_wait() {
            Ok(Some(status)) => status.success(),
            _ => {
                let _ = self.espeak.kill();
                self.espeak.wait().is_ok_and(|s| s.success())
            }
        };
        let player_said = stderr_text(&mut self.aplay);
        let espeak_said = stderr_text(&mut self.espeak);
        Some(if !played.success() && no_device(&player_said) {
            Err(VoiceError {
                kind: VoiceErrorKind::NoDevice,
                detail: said_by("aplay", &player_said),
            })
        } else if !synthesised {
            Err(VoiceError {
                kind: VoiceErrorKind::Synthesis,
                detail: said_by("espeak-ng", &espeak_said),
            })
        } else if !played.success() {
            Err(VoiceError {
                kind: VoiceErrorKind::Playback,
                detail: said_by("aplay", &player_said),
            })
        } else {
            Ok(())
        })
    }

    fn kill(&mut self) {
        for child in [&mut self.espeak, &mut self.aplay] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Playing {
    fn drop(&mut self) {
        // Never leave a process behind (kill after exit is harmless).
        if matches!(self.aplay.try_wait(), Ok(None)) || matches!(self.espeak.try_wait(), Ok(None)) {
            self.kill();
        }
    }
}

fn spawn_error(program: &std::path::Path, error: std::io::Error) -> VoiceError {
    let kind = if error.kind() == std::io::ErrorKind::NotFound {
        VoiceErrorKind::MissingProgram
    } else {
        VoiceErrorKind::Playback
    };
    VoiceError {
        kind,
        detail: format!("cannot start {}: {error}", program.display()),
    }
}

/// What a program wrote to its error output (after it ended).
fn stderr_text(child: &mut Child) -> String {
    let mut text = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut text);
    }
    text
}

/// aplay's words when ALSA has no such device (or no sound card at all).
fn no_device(stderr: &str) -> bool {
    ["audio open error", "Unknown PCM", "cannot find card", "No such device"]
        .iter()
        .any(|sign| stderr.contains(sign))
}

/// The program's last words, naming it once.
fn said_by(program: &str, stderr: &str) -> String {
    let line = last_line(stderr);
    if line.starts_with(program) {
        line.to_string()
    } else {
        format!("{program}: {line}")
    }
}

fn last_line(text: &str) -> &str {
    let line = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    if line.is_empty() {
        "failed without a message"
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt() -> Utterance {
        Utterance {
            text: "读卡成功。".into(),
            pinyin: "du2 ka3 cheng2 gong1.".into(),
        }
    }

    #[test]
    fn a_missing_program_is_a_missing_program_error() {
        let mut options = EspeakOptions::new("default", 150);
        options.espeak = "/nonexistent/espeak-ng".into();
        let error = speak_and_wait(&options, &prompt()).unwrap_err();
        assert_eq!(error.kind, VoiceErrorKind::MissingProgram);
        assert!(error.to_string().starts_with("voice.missing-program: "), "{error}");
    }

    #[test]
    fn the_voice_thread_carries_on_after_an_error_and_remembers_it() {
        let mut options = EspeakOptions::new("default", 150);
        options.aplay = "/nonexistent/aplay".into();
        let voice = EspeakVoice::start(options).unwrap();
        voice.say(&prompt());
        voice.say(&prompt());
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while voice.last_error().is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(POLL);
        }
        assert_eq!(voice.last_error(), Some(VoiceErrorKind::MissingProgram));
        assert!(voice.describe().contains("\"default\""));
    }

    #[test]
    fn aplay_words_for_a_missing_device() {
        assert!(no_device(
            "ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM nosuch\naplay: main:831: audio open error: No such file or directory"
        ));
        assert!(!no_device("aplay: read_header:2912: read error"));
        assert_eq!(last_line("a\nb\n\n"), "b");
        assert_eq!(last_line(""), "failed without a message");
        assert_eq!(
            said_by("aplay", "x\naplay: main:831: audio open error"),
            "aplay: main:831: audio open error"
        );
        assert_eq!(said_by("espeak-ng", "Error: no voice"), "espeak-ng: Error: no voice");
    }
}
