//! Spoken prompts (语音播报) behind the [`Voice`] trait: the app says what a page asks of the
//! citizen, in Mandarin, when voice is on (by default in elderly mode).
//!
//! An [`Utterance`] carries the Chinese text (for logs, tests and the screen) and the same
//! words in pinyin with tone numbers, which is what the production backend speaks: Debian's
//! espeak-ng reads Chinese characters wrongly with `-v cmn`, but `-v cmn-latn-pinyin` with
//! pinyin input speaks correct Mandarin. [`espeak::EspeakVoice`] runs `espeak-ng | aplay`
//! (ALSA) on its own thread; [`silent::SilentVoice`] records what it was asked to say, for
//! tests and kiosks without a speaker. No audio library is linked: subprocesses only.
//!
//! Saying never blocks and never fails towards the caller: a kiosk whose speaker is missing
//! carries on silently, and the backend logs the [`VoiceErrorKind`] once.

pub mod espeak;
pub mod silent;

pub use espeak::{EspeakOptions, EspeakVoice};
pub use silent::SilentVoice;

/// One prompt to speak: the Chinese text and its pinyin (tone numbers 1–5, e.g.
/// `"qing3 ba3 shen1 fen4 zheng4 fang4 zai4 du2 ka3 qu1."`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Utterance {
    pub text: String,
    pub pinyin: String,
}

/// What the app needs from a speaker.
pub trait Voice: Send {
    /// Starts speaking `utterance`, interrupting whatever is still being spoken. Returns at
    /// once; problems are logged by the backend (once per kind), never raised.
    fn say(&self, utterance: &Utterance);
    /// Stops speaking (voice turned off, the session ended).
    fn stop(&self);
    /// The backend and its device, for humans (`kiosk run`, `kiosk voice`).
    fn describe(&self) -> String;
}

/// Why a prompt could not be heard, in terms the log and the technician can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VoiceErrorKind {
    /// espeak-ng or aplay is not installed.
    MissingProgram,
    /// ALSA has no such device (no sound card, wrong `[voice] device`).
    NoDevice,
    /// espeak-ng failed (e.g. its Mandarin voice data is missing).
    Synthesis,
    /// aplay failed after the device opened, or could not be started.
    Playback,
}

impl VoiceErrorKind {
    /// The log's name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            VoiceErrorKind::MissingProgram => "voice.missing-program",
            VoiceErrorKind::NoDevice => "voice.no-device",
            VoiceErrorKind::Synthesis => "voice.synthesis-failed",
            VoiceErrorKind::Playback => "voice.playback-failed",
        }
    }

    /// What a technician should do about it.
    pub fn hint(self) -> &'static str {
        match self {
            VoiceErrorKind::MissingProgram => "install espeak-ng and alsa-utils",
            VoiceErrorKind::NoDevice => "check the speaker and [voice] device (aplay -L lists the devices)",
            VoiceErrorKind::Synthesis => "check that espeak-ng has the cmn-latn-pinyin voice (espeak-ng --voices=cmn)",
            VoiceErrorKind::Playback => "check the speaker and the ALSA mixer",
        }
    }
}

/// A prompt that could not be heard: the kind and the program's own words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {detail} ({})", kind.as_str(), kind.hint())]
pub struct VoiceError {
    pub kind: VoiceErrorKind,
    pub detail: String,
}
