//! Presenter of the materials page.

use super::intents;
use crate::app::intent::{Intent, JourneyIntent};
use crate::app::kiosk::KioskApp;
use crate::app::view::materials::materials;
use crate::domain::session::Event;
use crate::ui::convert::{model, photo_image, s};
use crate::ui::generated::*;
use crate::ui::Shell;
use slint::ComponentHandle;
use std::rc::Rc;

pub fn connect(shell: &Rc<Shell>) {
    use JourneyIntent as J;
    let journey = Intent::Journey;
    intents!(shell, MaterialsAdapter {
        on_capture(code) => journey(J::CaptureMaterial(code.to_string()));
        on_promise(code) => journey(J::PromiseMaterial(code.to_string()));
        on_sign(strokes) => journey(J::SignPromise(strokes.to_string()));
        on_promise_cancel() => journey(J::PromiseCancel);
        on_signing() => Intent::Touch;
        on_done() => Intent::Session(Event::MaterialsDone);
        back_and_cancel;
    });
}

pub fn render(w: &AppWindow, app: &KioskApp) {
    let view = materials(app);
    let a = w.global::<MaterialsAdapter>();
    show_rows_and_camera(w, &view.rows, &view.camera);
    a.set_error(s(&view.error));
    match &view.promise {
        Some(promise) => {
            a.set_promise_open(true);
            a.set_promise_name(s(&promise.name));
            a.set_promise_text(s(&promise.text));
            a.set_promise_error(s(&promise.error));
        }
        None => {
            // The pad's ink lives in the page while it is open; closed, it is gone.
            a.set_promise_open(false);
            a.set_promise_text(s(""));
            a.set_promise_error(s(""));
            a.set_ink(s(""));
        }
    }
    refresh_preview(w, app, &mut 0);
}

/// The material rows and the camera panel (the materials page, and 补交材料 on the progress
/// page, which shows the same components).
pub(super) fn show_rows_and_camera(
    w: &AppWindow,
    rows: &[crate::app::view::materials::MaterialRow],
    camera: &crate::app::view::materials::CameraPanel,
) {
    let a = w.global::<MaterialsAdapter>();
    a.set_materials(model(
        rows.iter()
            .map(|r| MaterialStateVm {
                code: s(&r.code),
                name: s(&r.name),
                mandatory: r.mandatory,
                state: s(r.status.code()),
                deadline: s(&r.deadline),
                thumbnail: r.thumbnail.as_ref().map(photo_image).unwrap_or_default(),
                has_thumbnail: r.thumbnail.is_some(),
                capturing: r.capturing,
            })
            .collect(),
    ));
    a.set_live(camera.live);
    a.set_camera_note(s(&camera.note));
    a.set_camera_problem(camera.problem);
    a.set_busy(camera.busy);
}

/// Shows the camera's newest frame if it is newer than `shown` (a running number), and
/// returns whether it did. Called from the shell's preview timer: no other part of the
/// page is rebuilt for a new frame.
pub fn refresh_preview(w: &AppWindow, app: &KioskApp, shown: &mut u64) -> bool {
    let Some(frame) = app.camera().latest_preview() else {
        return false;
    };
    if frame.sequence == *shown && *shown != 0 {
        return false;
    }
    *shown = frame.sequence;
    let a = w.global::<MaterialsAdapter>();
    a.set_preview(photo_image(&frame));
    a.set_live(true);
    true
}
