//! The page presenters, one module per page: each connects its adapter's callbacks to
//! intents and renders its adapter from the view layer's struct for that page.

mod address;
mod appointment;
mod catalogue;
mod consult;
mod form;
mod guide;
mod identify;
pub(super) mod materials;
pub(crate) mod payment;
mod progress;
mod rating;
mod receipt;
mod review;
mod technician;
mod welcome;

use super::convert::{model, s};
use super::generated::*;
use super::Shell;
use crate::app::intent::{Intent, SimAction};
use crate::app::kiosk::KioskApp;
use crate::app::view::PageId;
use slint::{ComponentHandle, Image};
use std::rc::Rc;

/// Connects `$callback` of `$global` so that it sends the intent `$intent` (built from the
/// callback's arguments) to the shell.
macro_rules! on {
    ($shell:expr, $global:ident, $callback:ident, || $intent:expr) => {
        $crate::ui::pages::on!($shell, $global, $callback, | | $intent)
    };
    ($shell:expr, $global:ident, $callback:ident, |$($arg:ident),*| $intent:expr) => {{
        let weak = std::rc::Rc::downgrade($shell);
        $shell.window.global::<$global>().$callback(move |$($arg),*| {
            if let Some(shell) = weak.upgrade() {
                shell.handle($intent);
            }
        });
    }};
}
pub(crate) use on;

/// Connects several callbacks of one adapter, one line each: `callback(args) => intent;`,
/// and `back_and_cancel;` for the two every page has (a step back, end the session).
macro_rules! intents {
    ($shell:expr, $global:ident { $($body:tt)* }) => {
        $crate::ui::pages::intents!(@each $shell, $global, $($body)*)
    };
    (@each $shell:expr, $global:ident, ) => {};
    (@each $shell:expr, $global:ident, back_and_cancel; $($rest:tt)*) => {
        $crate::ui::pages::on!($shell, $global, on_back, || $crate::app::intent::Intent::Session(
            $crate::domain::session::Event::Back
        ));
        $crate::ui::pages::on!($shell, $global, on_cancel, || $crate::app::intent::Intent::Session(
            $crate::domain::session::Event::Cancel
        ));
        $crate::ui::pages::intents!(@each $shell, $global, $($rest)*)
    };
    (@each $shell:expr, $global:ident, $callback:ident($($arg:ident),*) => $intent:expr; $($rest:tt)*) => {
        $crate::ui::pages::on!($shell, $global, $callback, |$($arg),*| $intent);
        $crate::ui::pages::intents!(@each $shell, $global, $($rest)*)
    };
}
pub(crate) use intents;

/// Wires every page, and the frame's own callbacks.
pub fn connect(shell: &Rc<Shell>) {
    use crate::domain::session::Event;
    intents!(shell, AppAdapter {
        on_more_time() => Intent::Session(Event::MoreTime);
        on_touched() => Intent::Touch;
        on_end_session() => Intent::Session(Event::Cancel);
        on_card_taken() => Intent::CardTaken;
    });
    on!(shell, FrameAdapter, on_call_staff, || Intent::CallStaff);
    on!(shell, FrameAdapter, on_ask_exit, |ask| Intent::AskExit(ask));
    on!(shell, LanguageAdapter, on_toggle, || Intent::ToggleLanguage);
    on!(shell, VoiceAdapter, on_toggle, || Intent::ToggleVoice);
    let weak = Rc::downgrade(shell);
    shell.window.global::<AppAdapter>().on_sim_key(move |key| {
        if let (Some(shell), Some(action)) = (weak.upgrade(), sim_action(key.as_str())) {
            shell.handle(Intent::Sim(action));
        }
    });
    welcome::connect(shell);
    address::connect(shell);
    catalogue::connect(shell);
    guide::connect(shell);
    identify::connect(shell);
    form::connect(shell);
    materials::connect(shell);
    review::connect(shell);
    payment::connect(shell);
    receipt::connect(shell);
    rating::connect(shell);
    progress::connect(shell);
    appointment::connect(shell);
    consult::connect(shell);
    technician::connect(shell);
}

/// Hot keys on simulated devices: F1–F6 place the fixture cards, F7 lifts the card, F8
/// toggles the printer's paper.
fn sim_action(key: &str) -> Option<SimAction> {
    use slint::platform::Key;
    let f = |k: Key| slint::SharedString::from(k);
    let fkeys = [Key::F1, Key::F2, Key::F3, Key::F4, Key::F5, Key::F6].map(f);
    if let Some(index) = fkeys.iter().position(|k| k.as_str() == key) {
        Some(SimAction::PlaceCard(index))
    } else if key == f(Key::F7).as_str() {
        Some(SimAction::LiftCard)
    } else if key == f(Key::F8).as_str() {
        Some(SimAction::TogglePaper)
    } else {
        None
    }
}

/// Renders the page that is on screen.
pub fn render(w: &AppWindow, app: &KioskApp, page: PageId) {
    match page {
        PageId::Welcome => welcome::render(w, app),
        PageId::Catalogue => catalogue::render(w, app),
        PageId::Guide => guide::render(w, app),
        PageId::Identify => identify::render(w, app),
        PageId::Form => {
            form::render(w, app);
            address::render_keyboard(w, app);
        }
        PageId::Materials => materials::render(w, app),
        PageId::Review => review::render(w, app),
        PageId::Payment => payment::render(w, app),
        PageId::Receipt => receipt::render(w, app),
        PageId::Address => address::render(w, app),
        PageId::Progress => progress::render(w, app),
        PageId::Appointment => appointment::render(w, app),
        PageId::Consult => {
            consult::render(w, app);
            address::render_keyboard(w, app);
        }
        PageId::Rating => rating::render(w, app),
        PageId::Technician => technician::render(w, app),
        PageId::Farewell => {}
    }
}

/// After a wipe: every model or property that could hold personal data is emptied.
pub fn clear_personal(w: &AppWindow) {
    w.global::<FormAdapter>().set_fields(model(vec![]));
    w.global::<ReviewAdapter>().set_rows(model(vec![]));
    w.global::<MaterialsAdapter>().set_materials(model(vec![]));
    w.global::<MaterialsAdapter>().set_ink(s(""));
    w.global::<MaterialsAdapter>().set_promise_open(false);
    // The camera's last frame (a citizen's document).
    w.global::<MaterialsAdapter>().set_preview(Image::default());
    w.global::<IdentifyAdapter>().set_typed(s(""));
    w.global::<IdentifyAdapter>().set_message(s(""));
    w.global::<IdentifyAdapter>().set_manual(false);
    w.global::<ReceiptAdapter>().set_number(s(""));
    w.global::<ReceiptAdapter>().set_preview(Image::default());
    w.global::<ReceiptAdapter>().set_qr(Image::default());
    w.global::<PaymentAdapter>().set_qr(Image::default());
    w.global::<ProgressAdapter>().set_rows(model(vec![]));
    w.global::<ProgressAdapter>().set_typed(s(""));
    w.global::<ProgressAdapter>().set_supply_open(false);
    w.global::<ProgressAdapter>().set_supply_message(s(""));
    w.global::<AppointmentAdapter>().set_phone(s(""));
    w.global::<AppointmentAdapter>().set_qr(Image::default());
    w.global::<ConsultAdapter>().set_text(s(""));
    w.global::<ConsultAdapter>().set_phone(s(""));
    w.global::<RatingAdapter>().set_chosen(0);
    w.global::<RatingAdapter>().set_reason_rows(model(vec![]));
    w.global::<TechnicianAdapter>().set_still(Image::default());
    w.global::<TechnicianAdapter>().set_has_still(false);
    w.global::<TechnicianAdapter>().set_notice(s(""));
}
