//! The production voice for real: `espeak-ng -v cmn-latn-pinyin | aplay` into ALSA's file
//! plugin (an `.asoundrc` in a temporary HOME sends the default device and a second named
//! device to files through the null device), so the test hears what a speaker would get —
//! non-trivial 16-bit audio — without a sound card. A missing device is a `voice.no-device`
//! error; a new prompt kills the one still playing (shown with stand-in programs that play
//! for 30 s). Needs espeak-ng and alsa-utils (scripts/setup-debian.sh installs them).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use township_kiosk::app::view::PageId;
use township_kiosk::app::voice_prompts::{self, Cue};
use township_kiosk::devices::voice::espeak::{speak_and_wait, EspeakOptions, EspeakVoice};
use township_kiosk::devices::voice::{Utterance, Voice, VoiceErrorKind};

/// The temporary HOME with its `.asoundrc`, made once for the whole test binary (HOME is
/// process-wide, and the children inherit it).
fn home() -> &'static Path {
    static HOME: OnceLock<tempfile::TempDir> = OnceLock::new();
    HOME.get_or_init(|| {
        for program in ["espeak-ng", "aplay"] {
            assert!(
                std::process::Command::new(program).arg("--version").output().is_ok(),
                "{program} is missing: install espeak-ng and alsa-utils (scripts/setup-debian.sh test)"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let file_pcm = |name: &str, file: &str| {
            format!(
                "pcm.{name} {{\n  type file\n  slave.pcm \"null\"\n  file \"{}\"\n  format \"raw\"\n}}\n",
                dir.path().join(file).display()
            )
        };
        let asoundrc = file_pcm("!default", "default.raw") + &file_pcm("second", "second.raw");
        std::fs::write(dir.path().join(".asoundrc"), asoundrc).unwrap();
        std::env::set_var("HOME", dir.path());
        dir
    })
    .path()
}

fn prompt(cue: Cue) -> Utterance {
    voice_prompts::utterance(&[cue])
}

/// 16-bit little-endian samples of a raw capture.
fn samples(path: &Path) -> Vec<i16> {
    let bytes = std::fs::read(path).unwrap_or_default();
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// Speech, not silence or noise floor: at least half a second at espeak's 22 050 Hz, and
/// a real share of loud samples.
fn assert_speech(path: &Path) {
    let samples = samples(path);
    assert!(
        samples.len() > 11_025,
        "{}: only {} samples",
        path.display(),
        samples.len()
    );
    let loud = samples.iter().filter(|s| s.unsigned_abs() > 1000).count();
    assert!(
        loud * 20 > samples.len(),
        "{}: {loud} loud samples of {}",
        path.display(),
        samples.len()
    );
}

#[test]
fn espeak_ng_speaks_a_prompt_into_the_default_alsa_device() {
    let out = home().join("default.raw");
    let options = EspeakOptions::new("default", 140);
    speak_and_wait(&options, &prompt(Cue::Page(PageId::Identify))).unwrap();
    assert_speech(&out);
}

#[test]
fn the_voice_thread_plays_without_blocking_the_caller() {
    let out = home().join("second.raw");
    let voice = EspeakVoice::start(EspeakOptions::new("second", 160)).unwrap();
    let started = Instant::now();
    voice.say(&prompt(Cue::TakeReceiptAndCard));
    assert!(started.elapsed() < Duration::from_millis(50), "say() returns at once");
    let deadline = Instant::now() + Duration::from_secs(20);
    while samples(&out).len() < 11_025 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_speech(&out);
    assert_eq!(voice.last_error(), None);
}

#[test]
fn an_unknown_device_is_a_no_device_error() {
    home();
    let error = speak_and_wait(&EspeakOptions::new("no-such-speaker", 140), &prompt(Cue::CardRead)).unwrap_err();
    assert_eq!(error.kind, VoiceErrorKind::NoDevice, "{error}");
    assert!(error.to_string().starts_with("voice.no-device: aplay: "), "{error}");
}

/// A stand-in espeak-ng that "plays" its text: writes it, its pid, then lasts 30 s when the
/// text says so; a stand-in aplay that appends what it gets to the file named as device.
fn stand_ins(dir: &Path) -> EspeakOptions {
    let espeak = dir.join("espeak-ng");
    let aplay = dir.join("aplay");
    let script = |path: &PathBuf, body: &str| {
        std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
        let mut permissions = std::fs::metadata(path).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(path, permissions).unwrap();
    };
    let pids = dir.join("pids");
    script(
        &espeak,
        &format!(
            "eval text=\\${{$#}}\necho $$ >> {}\necho \"$text\"\ncase \"$text\" in *slow*) exec sleep 30;; esac",
            pids.display()
        ),
    );
    script(&aplay, "exec cat >> \"$3\"");
    let mut options = EspeakOptions::new(&dir.join("played").display().to_string(), 140);
    options.espeak = espeak;
    options.aplay = aplay;
    options
}

#[test]
fn a_new_prompt_kills_the_one_still_playing() {
    let dir = tempfile::tempdir().unwrap();
    let options = stand_ins(dir.path());
    let played = dir.path().join("played");
    let voice = EspeakVoice::start(options).unwrap();
    let said = |text: &str| std::fs::read_to_string(&played).unwrap_or_default().contains(text);
    let wait = |what: &str| {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !said(what) {
            assert!(Instant::now() < deadline, "{what:?} was not played in time");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let line = |pinyin: &str| Utterance {
        text: "测试".into(),
        pinyin: pinyin.into(),
    };
    voice.say(&line("slow1"));
    wait("slow1");
    voice.say(&line("quick2"));
    wait("quick2");
    let first: u32 = std::fs::read_to_string(dir.path().join("pids"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        !Path::new(&format!("/proc/{first}")).exists(),
        "the first prompt's process was killed and reaped"
    );

    voice.say(&line("slow3"));
    wait("slow3");
    voice.stop();
    voice.say(&line("quick4"));
    wait("quick4");
    assert_eq!(voice.last_error(), None);
    drop(voice);
}
