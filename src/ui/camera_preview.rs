//! The camera preview on the pages that show one (materials, 补交材料 on the progress page,
//! the technician's camera test): a ~15 fps timer that runs only while such a page is on
//! screen, so an idle kiosk never wakes for it, and shows the newest frame.

use super::event_trace::EventKind;
use super::{pages, with_shell, Shell};
use crate::app::view::PageId;
use std::time::{Duration, Instant};

/// The camera preview's period (~15 fps).
const PREVIEW_PERIOD: Duration = Duration::from_millis(66);

impl Shell {
    /// The camera preview timer's turn: on the materials page (and 补交材料 on the progress
    /// page, and the technician's camera test), shows the newest frame if there is one;
    /// nothing else is rendered.
    pub fn refresh_preview(&self) {
        if !self.rendered.get().is_some_and(|(page, _)| has_camera(page)) {
            return;
        }
        let started = Instant::now();
        let mut shown = self.preview_shown.get();
        if pages::materials::refresh_preview(&self.window, &self.app.borrow(), &mut shown) {
            self.preview_shown.set(shown);
        }
        self.note_busy(started, || EventKind::Preview);
    }

    /// Runs the preview timer while a page with a camera shows, and stops it elsewhere: an
    /// idle kiosk wakes for nothing.
    pub(super) fn schedule_preview(&self, page: PageId) {
        let wanted = has_camera(page);
        if wanted == self.preview_timer.running() {
            return;
        }
        if wanted {
            self.preview_timer
                .start(slint::TimerMode::Repeated, PREVIEW_PERIOD, || {
                    with_shell(|shell| shell.refresh_preview())
                });
        } else {
            self.preview_timer.stop();
        }
    }

    /// Whether the camera preview's timer runs now.
    pub fn preview_running(&self) -> bool {
        self.preview_timer.running()
    }
}

/// The pages that show the camera's preview (the progress page in 补交材料, the technician's
/// camera test; the timer is a no-op while they show something else).
fn has_camera(page: PageId) -> bool {
    matches!(page, PageId::Materials | PageId::Progress | PageId::Technician)
}
