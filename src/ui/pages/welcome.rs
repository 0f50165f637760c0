//! Presenter of the welcome page.

use super::intents;
use crate::app::intent::{Intent, ProgressIntent};
use crate::app::kiosk::KioskApp;
use crate::app::view::welcome::welcome;
use crate::domain::Lang;
use crate::ui::convert::{int, s};
use crate::ui::generated::*;
use crate::ui::Shell;
use slint::ComponentHandle;
use std::rc::Rc;

pub fn connect(shell: &Rc<Shell>) {
    intents!(shell, WelcomeAdapter {
        on_start() => Intent::Start;
        on_progress() => Intent::Progress(ProgressIntent::Open);
        on_appointment() => Intent::OpenAppointment;
        on_consult() => Intent::OpenConsult;
        on_set_language(code) => Intent::SetLanguage(if code.as_str() == "en" { Lang::En } else { Lang::Zh });
        on_set_elderly(on) => Intent::SetElderly(on);
        on_wake() => Intent::Touch;
    });
}

pub fn render(w: &AppWindow, app: &KioskApp) {
    let view = welcome(app);
    let a = w.global::<WelcomeAdapter>();
    a.set_site_name(s(&view.site_name));
    a.set_opening_hours(s(&view.opening_hours));
    a.set_services(int(view.services));
    a.set_at_most_once(int(view.at_most_once));
    a.set_immediate(int(view.immediate));
    a.set_express(int(view.express));
    a.set_language(s(view.language));
    a.set_network_online(view.network_online);
    a.set_elderly(app.session().elderly);
    a.set_attract(view.attract.is_some());
    a.set_slide(view.attract.map_or(0, |slide| i32::try_from(slide).unwrap_or(0)));
}
