//! `KioskApp`'s side of the GPIO: it tells the GPIO policy what the kiosk is doing (a
//! session, 呼叫工作人员, a reader fault, each citizen input) and exposes the screen state
//! the GPIO reported (awake, or dimmed after inactivity) for the UI's attract loop.

use super::KioskApp;
use crate::app::gpio_policy::Screen;
use crate::app::gpio_service::{GpioLink, GpioReport};
use crate::devices::card_reader::ReaderState;
use crate::domain::session::Step;

impl KioskApp {
    /// The GPIO thread reported: the screen woke or dimmed, or the paper runs low.
    pub(super) fn on_gpio(&mut self, report: GpioReport, now_ms: u64) {
        if let GpioReport::Screen(screen) = &report {
            self.attract.note_screen(*screen, now_ms);
        }
        self.gpio.on_report(report)
    }

    /// Connects the running GPIO (`kiosk run`); without it the app publishes to nobody.
    pub fn attach_gpio(&mut self, link: GpioLink) {
        self.gpio = link;
        self.publish_gpio(false);
    }

    /// Whether the screen is awake (woken by presence or a touch) or dimmed.
    pub fn screen(&self) -> Screen {
        self.gpio.screen()
    }

    /// The paper-low switch as the GPIO last reported it.
    pub fn paper_low(&self) -> bool {
        self.gpio.paper_low()
    }

    pub(super) fn publish_gpio(&mut self, activity: bool) {
        let session_active = self.shared.session.step != Step::Welcome;
        let reader_fault = matches!(self.reader_state, ReaderState::Fault { .. });
        self.gpio
            .publish(session_active, self.staff_called, reader_fault, activity);
    }
}

#[cfg(test)]
mod tests {
    use crate::app::gpio_policy::Screen;
    use crate::app::gpio_service::GpioReport;
    use crate::app::inbox::Inbound;
    use crate::app::intent::Intent;
    use crate::app::kiosk::{AppParts, KioskApp};
    use crate::app::printing::PrintOutcome;
    use crate::app::worker::Completion;
    use crate::config::Config;
    use crate::devices::gpio::role;
    use crate::devices::printer::profile::profile;
    use crate::devices::DeviceErrorKind;

    #[test]
    fn the_app_drives_the_leds_and_hears_the_screen_and_paper_reports() {
        let config = Config::default();
        let catalogue = crate::app::load_catalogue(&config).unwrap();
        let parts = AppParts::bare(profile("generic-80mm").unwrap());
        let inbox = parts.inbox.0.clone();
        let mut app = KioskApp::new(config, catalogue, parts);
        let mut rig = crate::app::gpio_service::tests::rig("raspberry-pi-4");
        app.attach_gpio(std::mem::take(&mut rig.link));
        rig.run_until(100);
        assert_eq!(
            rig.leds(),
            (Some(true), Some(false), Some(false)),
            "ready at the welcome page"
        );

        app.handle(Intent::Start);
        rig.run_until(200);
        assert_eq!(rig.leds(), (Some(false), Some(true), Some(false)), "busy in a session");

        app.handle(Intent::CallStaff);
        rig.run_until(1300);
        let blinks = rig.changes(role::LED_ATTENTION, 201);
        assert_eq!(blinks, [(210, true), (710, false), (1210, true)], "呼叫工作人员 blinks");

        // Paper out on a print: still blinking after the session is cancelled.
        inbox.post(Inbound::Worker(Completion::Printed(PrintOutcome::ShowQrInstead {
            kind: DeviceErrorKind::PaperOut,
            reason: "paper out".into(),
        })));
        app.handle(Intent::Session(crate::domain::session::Event::Cancel));
        app.take_inbox();
        assert!(!app.staff_called());
        rig.run_until(2500);
        assert_eq!(rig.sim.output(role::LED_READY), Some(false));
        assert!(rig.changes(role::LED_ATTENTION, 1300).len() >= 2, "still blinking");

        assert_eq!(app.screen(), Screen::Awake);
        inbox.post(Inbound::Gpio(GpioReport::Screen(Screen::Dimmed)));
        inbox.post(Inbound::Gpio(GpioReport::PaperLow(true)));
        app.take_inbox();
        assert_eq!((app.screen(), app.paper_low()), (Screen::Dimmed, true));
    }
}
