//! Presenter of the identify page: reader state, keypad, proxy phase.

use super::intents;
use crate::app::intent::{Intent, JourneyIntent};
use crate::app::kiosk::KioskApp;
use crate::app::view::identify::identify;
use crate::ui::convert::s;
use crate::ui::generated::*;
use crate::ui::Shell;
use slint::ComponentHandle;
use std::rc::Rc;

pub fn connect(shell: &Rc<Shell>) {
    let journey = Intent::Journey;
    intents!(shell, IdentifyAdapter {
        on_key(key) => journey(JourneyIntent::IdKey(key.to_string()));
        on_submit_typed() => journey(JourneyIntent::SubmitTypedId);
        back_and_cancel;
    });
}

pub fn render(w: &AppWindow, app: &KioskApp) {
    let view = identify(app);
    let a = w.global::<IdentifyAdapter>();
    a.set_proxy(view.proxy);
    a.set_agent_phase(view.agent_phase);
    a.set_reader_state(s(view.reader.code()));
    a.set_typed(s(&view.typed));
    a.set_reader_side(s(view.reader_side));
    if view.typing {
        a.set_manual(true);
    }
    a.set_message(s(&view.message));
}
