//! Tests of `technician_desk`.

use super::*;

#[test]
fn five_taps_within_four_seconds_open_the_pin_pad() {
    let mut desk = TechDesk::new(PathBuf::from("/nonexistent"), None, None);
    for t in [0, 1000, 2000, 3000] {
        assert!(!desk.secret_tap(t));
    }
    assert!(!desk.secret_tap(5000), "the first tap fell out of the window");
    assert!(!desk.secret_tap(5100), "and the second");
    assert_eq!(desk.stage(), Stage::Closed);
    assert!(desk.secret_tap(5200), "five within four seconds: 2000 … 5200");
    assert_eq!(desk.stage(), Stage::Pin);
    for key in ["1", "2", "x", "3", "DEL", "4"] {
        desk.pin_key(key);
    }
    assert_eq!(desk.pin_len(), 3);
    desk.submit_pin(None);
    assert_eq!(
        desk.notice(),
        Some(&TechNotice::PinBadFormat),
        "too short: refused before any check"
    );
    assert_eq!(desk.pin_len(), 0, "the pad empties at every submit");
    assert!(!desk.idle(5200 + IDLE_CLOSE_MS - 1));
    assert!(desk.idle(5200 + IDLE_CLOSE_MS));
    desk.close();
    assert!(!desk.is_active());
}

#[test]
fn a_pin_checked_after_close_opens_nothing_and_a_save_marks_only_what_it_wrote() {
    let config = crate::config::Config::default();
    let mut desk = TechDesk::new(PathBuf::from("/nonexistent"), None, None);
    let open_pad = |desk: &mut TechDesk, from: u64| {
        for n in 0..SECRET_TAPS as u64 {
            desk.secret_tap(from + n * 100);
        }
    };
    open_pad(&mut desk, 0);
    // The right PIN is being checked (opening 0) when the technician closes the pad;
    // someone opens it again before the answer comes.
    desk.close();
    open_pad(&mut desk, 10_000);
    let accepted = |opening| TechReport {
        opening,
        outcome: TechOutcome::Pin(Ok(())),
    };
    desk.finished(accepted(0), &config);
    assert_eq!(desk.stage(), Stage::Pin, "a stale answer opens nothing");
    desk.finished(accepted(1), &config);
    assert_eq!(desk.tab(), Some(TechTab::Devices));
    // Settings: two steps tapped, only one of them written when the answer comes.
    desk.open_tab(TechTab::Settings, &config);
    desk.settings.as_mut().unwrap().step(1, true);
    let written = desk.settings.as_ref().unwrap().changes();
    desk.settings.as_mut().unwrap().step(2, true);
    let mut next_start = config.clone();
    next_start.ui.elderly_mode_default = true;
    desk.finished(
        TechReport {
            opening: 1,
            outcome: TechOutcome::Saved(Ok((written, Box::new(next_start)))),
        },
        &config,
    );
    let changes = desk.settings().unwrap().changes();
    assert_eq!(
        changes.len(),
        1,
        "the step tapped meanwhile is still to save: {changes:?}"
    );
    assert_eq!(changes[0].0, "voice.enabled");
    // Opened again, the tab starts from what the next start loads.
    desk.open_tab(TechTab::Settings, &config);
    assert_eq!(
        desk.settings().unwrap().rows[1].1,
        toml::Value::Boolean(true),
        "elderly mode by default, as saved"
    );
}

#[test]
fn tabs_have_codes() {
    for tab in TechTab::ALL {
        assert_eq!(TechTab::from_code(tab.code()), Some(tab));
    }
    assert_eq!(TechTab::from_code("nope"), None);
}
