//! The view layer: what every page shows, computed from the app's state without any UI
//! toolkit — labels from the catalogue in the citizen's language, masking, field limits,
//! material counts, deadlines, QR pictures. Each page has one function here returning a
//! plain struct; the UI's page presenters copy it onto the page's adapter. Tested without
//! Slint. Texts written in the .slint files use `@tr()`; texts computed here come from the
//! catalogue (data) or the message catalogue (`i18n`), never from per-language literals.

pub mod address;
pub mod appointment;
pub mod catalogue;
pub mod consult;
pub mod form;
pub mod guide;
/// The message catalogue (shared with the app, which words promises and notices).
pub use super::i18n;
pub mod identify;
pub mod keyboard;
pub mod materials;
pub mod payment;
pub mod progress;
pub mod rating;
pub mod receipt;
pub mod review;
pub mod technician;
pub mod welcome;

use super::kiosk::KioskApp;
use crate::domain::session::Step;
use crate::domain::Lang;

/// A black-and-white picture (a receipt preview, a QR code) for the screen.
pub use crate::devices::camera::PreviewFrame as Photo;
pub use crate::devices::printer::raster::Bitmap as Picture;

pub use super::page::PageId;

/// What the window around every page shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameView {
    pub page: PageId,
    pub lang: Lang,
    pub elderly: bool,
    pub simulated: bool,
    /// No mouse pointer on a real kiosk.
    pub hide_cursor: bool,
    pub idle_warning: bool,
    pub idle_seconds: u64,
    pub site_name: String,
    /// `HH:MM`.
    pub clock: String,
    /// Seconds until the session is cleared without a touch; `None`: no timer on this page.
    pub seconds_left: Option<u64>,
    pub staff_called: bool,
    /// 退出办理? is on screen.
    pub exit_asked: bool,
    /// The writing pad is on screen: the page must not scroll under the finger.
    pub writing: bool,
    /// 请取回身份证 covers the screen.
    pub card_reminder: bool,
    /// Where the citizen is in the six steps (0 选择事项 … 5 核对缴费, 6 all done), `None`
    /// on pages outside the journey.
    pub progress_step: Option<u8>,
    /// 语音播报: whether prompts are spoken; `None` when the kiosk has no speaker (no switch).
    pub voice: Option<bool>,
}

pub fn frame(app: &KioskApp) -> FrameView {
    let session = app.session();
    FrameView {
        page: if app.technician().is_active() {
            PageId::Technician
        } else if app.address().is_some() {
            PageId::Address
        } else {
            PageId::of(session.step)
        },
        lang: session.lang,
        // The technician's screens keep the normal sizes (their tabs need the room).
        elderly: session.elderly && !app.technician().is_active(),
        simulated: app.simulated(),
        hide_cursor: !app.simulated(),
        idle_warning: session.warning_since_ms.is_some(),
        idle_seconds: session.seconds_until_wipe(app.clock_ms()).unwrap_or(0),
        site_name: match session.lang {
            Lang::Zh => app.config().kiosk.site_name.clone(),
            Lang::En => app.config().kiosk.site_name_en.clone(),
        },
        clock: app.clock_text(),
        seconds_left: session.seconds_left(app.clock_ms()),
        staff_called: app.staff_called(),
        exit_asked: app.exit_asked(),
        card_reminder: app.card_reminder().showing() && !app.technician().is_active(),
        writing: app.keyboard().mode == crate::app::text_entry::KeyMode::Handwriting
            && !app.technician().is_active()
            && (app.address().is_some() || matches!(session.step, Step::Form | Step::Consult)),
        progress_step: match session.step {
            Step::Welcome | Step::Farewell | Step::Progress | Step::Appointment | Step::Consult => None,
            Step::ChooseService => Some(0),
            Step::Guide => Some(1),
            Step::Identify => Some(2),
            Step::Form => Some(3),
            Step::Materials => Some(4),
            Step::Review | Step::Payment => Some(5),
            Step::Submitting | Step::Receipt | Step::Rating => Some(6),
        },
        voice: app.voice_available().then(|| app.voice_on()),
    }
}

/// The error to show on `step`'s page, in the citizen's language (empty when none).
pub(crate) fn error_on(app: &KioskApp, step: Step) -> String {
    let session = app.session();
    match session.data.error {
        Some(message) if session.step == step => i18n::text(message, session.lang).to_string(),
        _ => String::new(),
    }
}

/// An amount in yuan (`￥40.00`), the same in every language; `None` when free.
pub fn yuan(fen: u32) -> Option<String> {
    (fen > 0).then(|| format!("￥{}.{:02}", fen / 100, fen % 100))
}

#[cfg(test)]
pub(crate) mod tests;
