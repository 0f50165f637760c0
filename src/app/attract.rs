//! The attract loop (待机轮播): when nobody has touched the welcome page for a minute, or the
//! GPIO dimmed the screen because nobody is there, the welcome page shows what the kiosk
//! offers, one slide every six seconds, and 轻触屏幕开始. A touch, or the presence sensor
//! waking the screen, ends it at once. A controller of its own: it keeps the session clock of
//! the last input and of the dimming, and answers which slide shows.

use crate::app::gpio_policy::Screen;

/// Untouched this long on the welcome page, the loop starts (also without GPIO).
pub const ATTRACT_AFTER_MS: u64 = 60_000;
/// Each slide shows this long.
pub const SLIDE_MS: u64 = 6_000;
/// How many slides the loop has (the page holds their texts).
pub const SLIDES: u64 = 5;

/// The attract loop's clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attract {
    /// The session clock of the last input.
    last_input_ms: u64,
    /// When the GPIO dimmed the screen.
    dimmed_at_ms: u64,
}

impl Attract {
    /// The slide shown at `now` on the welcome page (`idle`: nobody's journey or technician
    /// on screen) with the screen in state `screen`; `None` while someone is there.
    pub fn slide(&self, idle: bool, now: u64, screen: Screen) -> Option<usize> {
        if !idle {
            return None;
        }
        let idle_from = self.last_input_ms.saturating_add(ATTRACT_AFTER_MS);
        let dimmed_from =
            (screen == Screen::Dimmed && self.dimmed_at_ms >= self.last_input_ms).then_some(self.dimmed_at_ms);
        let from = match (now >= idle_from, dimmed_from) {
            (true, Some(dimmed)) => idle_from.min(dimmed),
            (true, None) => idle_from,
            (false, Some(dimmed)) => dimmed,
            (false, None) => return None,
        };
        Some((now.saturating_sub(from) / SLIDE_MS % SLIDES) as usize)
    }

    /// A citizen's input (any intent), or the presence sensor waking the screen.
    pub fn note_input(&mut self, now_ms: u64) {
        self.last_input_ms = self.last_input_ms.max(now_ms);
    }

    /// The GPIO dimmed or woke the screen.
    pub fn note_screen(&mut self, screen: Screen, now_ms: u64) {
        match screen {
            Screen::Dimmed => self.dimmed_at_ms = now_ms,
            Screen::Awake => self.note_input(now_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::gpio_policy::Screen;
    use crate::app::gpio_service::GpioReport;
    use crate::app::inbox::Inbound;
    use crate::app::intent::Intent;
    use crate::app::kiosk::{AppParts, KioskApp};
    use crate::config::Config;
    use crate::devices::printer::profile::profile;

    fn app() -> KioskApp {
        let config = Config::default();
        let catalogue = crate::app::load_catalogue(&config).unwrap();
        KioskApp::new(config, catalogue, AppParts::bare(profile("generic-80mm").unwrap()))
    }

    #[test]
    fn the_loop_starts_after_a_minute_alone_and_a_touch_ends_it() {
        let mut app = app();
        app.handle_at(Intent::Touch, 1_000);
        app.tick_at(1_000 + ATTRACT_AFTER_MS - 1);
        assert_eq!(app.attract_slide(), None);
        app.tick_at(1_000 + ATTRACT_AFTER_MS);
        assert_eq!(app.attract_slide(), Some(0));
        app.tick_at(1_000 + ATTRACT_AFTER_MS + SLIDE_MS * 6);
        assert_eq!(app.attract_slide(), Some(1), "the slides go round");
        let touched = 1_000 + ATTRACT_AFTER_MS + SLIDE_MS * 7;
        app.handle_at(Intent::Touch, touched);
        app.tick_at(touched + 250);
        assert_eq!(app.attract_slide(), None);
        // Not on a citizen's pages.
        app.handle_at(Intent::Start, touched + 500);
        app.tick_at(touched + 10 * ATTRACT_AFTER_MS);
        assert_eq!(app.attract_slide(), None);
    }

    #[test]
    fn the_gpio_dimming_starts_it_and_the_presence_sensor_ends_it() {
        let mut app = app();
        app.handle_at(Intent::Touch, 1_000);
        app.on_report_at(Inbound::Gpio(GpioReport::Screen(Screen::Dimmed)), 20_000);
        app.tick_at(20_000);
        // Without a GPIO thread behind the link the screen state is still the app's to keep.
        assert_eq!(app.screen(), Screen::Dimmed);
        assert_eq!(app.attract_slide(), Some(0));
        app.on_report_at(Inbound::Gpio(GpioReport::Screen(Screen::Awake)), 30_000);
        app.tick_at(30_100);
        assert_eq!(app.attract_slide(), None, "someone came: the presence sensor woke it");
    }
}
