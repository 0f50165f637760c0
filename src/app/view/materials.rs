//! The materials page: each material of the service, photographed, promised (容缺, with
//! its deadline) or still missing.

use super::error_on;
use crate::app::kiosk::KioskApp;
use crate::domain::application::MaterialState;
use crate::domain::session::Step;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaterialStatus {
    Missing,
    Captured,
    Promised,
}

impl MaterialStatus {
    pub fn code(self) -> &'static str {
        match self {
            MaterialStatus::Missing => "missing",
            MaterialStatus::Captured => "captured",
            MaterialStatus::Promised => "promised",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MaterialRow {
    pub code: String,
    pub name: String,
    pub mandatory: bool,
    pub status: MaterialStatus,
    /// `YYYY-MM-DD` for a promised material, else empty.
    pub deadline: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MaterialsView {
    pub rows: Vec<MaterialRow>,
    pub captured: usize,
    pub promised: usize,
    pub error: String,
}

pub fn materials(app: &KioskApp) -> MaterialsView {
    let data = &app.session().data;
    let Some(plan) = &data.plan else {
        return MaterialsView::default();
    };
    let lang = app.lang();
    let rows: Vec<MaterialRow> = plan
        .item
        .materials()
        .map(|(code, mandatory)| {
            let (status, deadline) = match data.materials.get(code) {
                Some(MaterialState::Captured { .. }) => (MaterialStatus::Captured, String::new()),
                Some(MaterialState::Promised { deadline }) => (MaterialStatus::Promised, deadline.to_string()),
                _ => (MaterialStatus::Missing, String::new()),
            };
            MaterialRow {
                code: code.to_string(),
                name: app
                    .catalogue()
                    .material(code)
                    .map_or(code.as_str(), |m| m.name.get(lang))
                    .to_string(),
                mandatory,
                status,
                deadline,
            }
        })
        .collect();
    let count = |status| rows.iter().filter(|r| r.status == status).count();
    MaterialsView {
        captured: count(MaterialStatus::Captured),
        promised: count(MaterialStatus::Promised),
        rows,
        error: error_on(app, Step::Materials),
    }
}
