//! The 语音播报 switch through Slint's testing backend, with the silent voice behind the app:
//! on the welcome page next to 长辈模式 and in the frame's header on the pages after it, it
//! shows (checked / not checked) whether prompts are spoken, follows elderly mode until the
//! citizen chooses, and silences the speaker when switched off. A kiosk without a speaker
//! has no switch.

use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use slint::ComponentHandle;
use std::rc::Rc;
use township_kiosk::app::kiosk::{AppParts, KioskApp};
use township_kiosk::app::sim_controls::SimControls;
use township_kiosk::app::view::PageId;
use township_kiosk::app::voice_prompts::{prompt, Cue};
use township_kiosk::config::Config;
use township_kiosk::devices::printer::profile::profile;
use township_kiosk::devices::voice::SilentVoice;
use township_kiosk::ui::generated::*;
use township_kiosk::ui::Shell;

fn shell(speaker: bool) -> (Rc<Shell>, SilentVoice) {
    i_slint_backend_testing::init_no_event_loop();
    let mut config = Config::default();
    config.voice.enabled = speaker;
    let catalogue = township_kiosk::app::load_catalogue(&config).unwrap();
    let voice = SilentVoice::new();
    let mut parts = AppParts::bare(profile("generic-80mm").unwrap());
    parts.sim = Some(SimControls::new(None, None));
    parts.voice = Some(Box::new(voice.clone()));
    let shell = Shell::new(KioskApp::new(config, catalogue, parts)).unwrap();
    shell.window.show().unwrap();
    shell.set_size(1080, 1920);
    (shell, voice)
}

fn buttons(shell: &Rc<Shell>, label: &str) -> Vec<ElementHandle> {
    ElementHandle::find_by_accessible_label(&shell.window, label)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .collect()
}

fn tap(shell: &Rc<Shell>, label: &str) {
    buttons(shell, label)
        .first()
        .unwrap_or_else(|| panic!("no button {label:?}"))
        .invoke_accessible_default_action();
}

/// The one voice switch on screen: whether it is checked.
fn switch(shell: &Rc<Shell>) -> bool {
    let found = buttons(shell, "语音播报");
    assert_eq!(found.len(), 1, "one switch on the page");
    assert_eq!(found[0].accessible_checkable(), Some(true));
    found[0].accessible_checked().unwrap()
}

fn page(page: PageId) -> String {
    prompt(Cue::Page(page)).zh.to_string()
}

#[test]
fn the_switch_follows_elderly_mode_and_the_citizens_choice() {
    let (shell, voice) = shell(true);
    let adapter = || shell.window.global::<AppAdapter>();
    assert_eq!(adapter().get_page(), Page::Welcome);
    assert!(!switch(&shell), "off in normal mode");

    tap(&shell, "长辈模式");
    assert!(switch(&shell), "on in elderly mode");
    tap(&shell, "开始办理");
    assert_eq!(adapter().get_page(), Page::Catalogue);
    assert!(switch(&shell), "the header's switch shows the same state");
    assert_eq!(voice.said(), [page(PageId::Welcome), page(PageId::Catalogue)]);

    tap(&shell, "语音播报");
    assert!(!switch(&shell));
    assert_eq!(voice.stops(), 1, "switching off silences the speaker");
    tap(&shell, "上一步");
    assert_eq!(adapter().get_page(), Page::Welcome);
    assert!(!switch(&shell), "the choice holds for the session");
    assert_eq!(voice.said().len(), 2, "nothing said while off");

    tap(&shell, "语音播报");
    assert!(switch(&shell));
    assert_eq!(voice.said().last(), Some(&page(PageId::Welcome)));

    // The session ends: the next citizen starts in normal mode, voice off.
    tap(&shell, "开始办理");
    tap(&shell, "退出办理");
    assert_eq!(adapter().get_page(), Page::Welcome);
    assert!(!switch(&shell));
}

#[test]
fn a_kiosk_without_a_speaker_has_no_switch() {
    let (shell, voice) = shell(false);
    assert!(buttons(&shell, "语音播报").is_empty());
    tap(&shell, "长辈模式");
    tap(&shell, "开始办理");
    assert!(buttons(&shell, "语音播报").is_empty());
    assert!(voice.said().is_empty());
}
