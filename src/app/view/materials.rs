//! The materials page: each material of the service, photographed, promised (容缺, with
//! its deadline) or still missing.

use super::i18n::{camera_busy, camera_hint, camera_starting, text};
use super::{error_on, Photo};
use crate::app::kiosk::KioskApp;
use crate::domain::application::MaterialState;
use crate::domain::message::Message;
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
    /// The photo the citizen took, small, so they can check it (and retake it).
    pub thumbnail: Option<Photo>,
    /// This material's photo is being taken right now.
    pub capturing: bool,
}

/// The camera panel above the list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CameraPanel {
    /// A live preview is there to show.
    pub live: bool,
    /// What the panel says under the preview (how to lay the page, or what went wrong).
    pub note: String,
    pub problem: bool,
    /// A photo is being taken (the buttons wait).
    pub busy: bool,
}

/// The 容缺 promise on the signature pad.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromiseView {
    pub code: String,
    pub name: String,
    /// `YYYY-MM-DD`.
    pub deadline: String,
    /// The words signed, with the material and the deadline.
    pub text: String,
    /// Why the last confirm was refused (an empty pad); empty when none.
    pub error: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MaterialsView {
    /// The pad is open (the camera and the list wait behind it).
    pub promise: Option<PromiseView>,
    pub camera: CameraPanel,
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
                Some(MaterialState::Promised { deadline, .. }) => (MaterialStatus::Promised, deadline.to_string()),
                _ => (MaterialStatus::Missing, String::new()),
            };
            MaterialRow {
                code: code.to_string(),
                name: material_name(app, code),
                mandatory,
                status,
                deadline,
                thumbnail: app.camera().photo(code).map(|p| p.thumbnail.clone()),
                capturing: app.camera().capturing() == Some(code.as_str()),
            }
        })
        .collect();
    let count = |status| rows.iter().filter(|r| r.status == status).count();
    MaterialsView {
        camera: camera_panel(app),
        captured: count(MaterialStatus::Captured),
        promised: count(MaterialStatus::Promised),
        promise: app.promising().map(|(code, error)| {
            let (text, deadline) = app.promise_text(code);
            PromiseView {
                code: code.to_string(),
                name: rows
                    .iter()
                    .find(|r| r.code == code)
                    .map(|r| r.name.clone())
                    .unwrap_or_default(),
                deadline: deadline.to_string(),
                text,
                error: error
                    .map(|m| super::i18n::text(m, lang).to_string())
                    .unwrap_or_default(),
            }
        }),
        rows,
        error: error_on(app, Step::Materials),
    }
}

/// 补交材料: the materials of `item_code`, each to photograph (none can wait: they are
/// what the back office asked for), with the photos taken so far.
pub fn supply_rows(app: &KioskApp, item_code: &str) -> Vec<MaterialRow> {
    let Some(item) = app.catalogue().item(item_code) else {
        return Vec::new();
    };
    item.materials()
        .map(|(code, _)| {
            let photo = app.camera().photo(code);
            MaterialRow {
                code: code.to_string(),
                name: material_name(app, code),
                mandatory: true,
                status: if photo.is_some() {
                    MaterialStatus::Captured
                } else {
                    MaterialStatus::Missing
                },
                deadline: String::new(),
                thumbnail: photo.map(|p| p.thumbnail.clone()),
                capturing: app.camera().capturing() == Some(code.as_str()),
            }
        })
        .collect()
}

/// A material's name in the citizen's language (its code when the catalogue lacks it).
fn material_name(app: &KioskApp, code: &str) -> String {
    app.catalogue()
        .material(code)
        .map_or(code, |m| m.name.get(app.lang()))
        .to_string()
}

/// The camera panel: live or not, and what it says under the picture.
pub fn camera_panel(app: &KioskApp) -> CameraPanel {
    let lang = app.lang();
    let camera = app.camera();
    let live = camera.latest_preview().is_some();
    let (note, problem) = if camera.last_error().is_some() {
        (text(Message::CameraRetake, lang).to_string(), true)
    } else if !live && (camera.open_error().is_some() || !camera.configured()) {
        (text(Message::CameraUnavailable, lang).to_string(), true)
    } else if camera.starting() && !live {
        (camera_starting(lang).to_string(), false)
    } else if camera.capturing().is_some() {
        (camera_busy(lang).to_string(), false)
    } else {
        (camera_hint(lang).to_string(), false)
    };
    CameraPanel {
        live,
        note,
        problem,
        busy: camera.capturing().is_some(),
    }
}
