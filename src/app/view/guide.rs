//! The guide page (办事指南): materials, fee, time limits, delivery and proxy options.

use super::{error_on, yuan};
use crate::app::kiosk::KioskApp;
use crate::domain::catalogue::Flag;
use crate::domain::session::Step;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuideMaterial {
    pub name: String,
    pub mandatory: bool,
    pub note: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuideView {
    pub name: String,
    pub summary: String,
    pub materials: Vec<GuideMaterial>,
    /// `None`: free of charge.
    pub fee: Option<String>,
    pub promised_days: u32,
    pub statutory_days: u32,
    pub urgent_days: Option<u32>,
    pub express_allowed: bool,
    pub appointment: bool,
    pub proxy_allowed: bool,
    pub online_only: bool,
    pub proxy: bool,
    pub error: String,
}

pub fn guide(app: &KioskApp) -> GuideView {
    let data = &app.session().data;
    let Some(plan) = &data.plan else {
        return GuideView::default();
    };
    let (item, lang) = (&plan.item, app.lang());
    GuideView {
        name: item.name.get(lang).to_string(),
        summary: item.summary.as_ref().map(|t| t.get(lang)).unwrap_or("").to_string(),
        materials: item
            .materials()
            .filter_map(|(code, mandatory)| {
                app.catalogue().material(code).map(|m| GuideMaterial {
                    name: m.name.get(lang).to_string(),
                    mandatory,
                    note: m.note.as_ref().map(|n| n.get(lang)).unwrap_or("").to_string(),
                })
            })
            .collect(),
        fee: yuan(item.fee_fen),
        promised_days: item.promised_days,
        statutory_days: item.statutory_days,
        urgent_days: item.urgent_days,
        express_allowed: item.has(Flag::ExpressDelivery),
        appointment: item.has(Flag::AppointmentRequired),
        proxy_allowed: item.has(Flag::ProxyAllowed),
        online_only: item.has(Flag::ZeroTrip),
        proxy: data.proxy,
        error: error_on(app, Step::Guide),
    }
}
