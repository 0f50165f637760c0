//! The welcome page: the site, its hours, what the kiosk offers, and the network state.

use crate::app::kiosk::KioskApp;
use crate::domain::Lang;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WelcomeView {
    pub site_name: String,
    pub opening_hours: String,
    pub services: usize,
    pub at_most_once: usize,
    pub immediate: usize,
    pub express: usize,
    /// `zh_CN` or `en`: which language button is lit.
    pub language: &'static str,
    pub network_online: bool,
    /// The attract loop's slide, while nobody is there.
    pub attract: Option<usize>,
}

pub fn welcome(app: &KioskApp) -> WelcomeView {
    let config = app.config();
    let stats = app.catalogue().stats();
    let lang = app.lang();
    WelcomeView {
        site_name: match lang {
            Lang::Zh => config.kiosk.site_name.clone(),
            Lang::En => config.kiosk.site_name_en.clone(),
        },
        opening_hours: config.kiosk.opening_hours.clone(),
        services: stats.items,
        at_most_once: stats.at_most_once,
        immediate: stats.immediate,
        express: stats.express_delivery,
        language: match lang {
            Lang::Zh => "zh_CN",
            Lang::En => "en",
        },
        // False after a failed contact, or when no central client could be set up
        // (applications stay queued): the page says "working offline", the truth.
        network_online: crate::app::central::reachable(),
        attract: app.attract_slide(),
    }
}
