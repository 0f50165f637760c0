//! Presenter of the technician screens (PIN pad and tabs); the welcome page's hidden corner
//! sends its taps here too.

use super::intents;
use crate::app::intent::Intent;
use crate::app::kiosk::KioskApp;
use crate::app::technician_desk::TechAction as A;
use crate::app::view::technician::technician;
use crate::ui::convert::{model, photo_image, s};
use crate::ui::generated::*;
use crate::ui::Shell;
use slint::ComponentHandle;
use std::rc::Rc;

pub fn connect(shell: &Rc<Shell>) {
    let act = Intent::Technician;
    intents!(shell, TechnicianAdapter {
        on_secret_tap() => act(A::SecretTap);
        on_pin_key(key) => act(A::PinKey(key.to_string()));
        on_pin_submit() => act(A::PinSubmit);
        on_choose_tab(code) => act(A::Tab(code.to_string()));
        on_refresh() => act(A::Refresh);
        on_read_card() => act(A::ReadCard);
        on_test_print() => act(A::TestPrint);
        on_capture() => act(A::Capture);
        on_toggle_leds() => act(A::ToggleLeds);
        on_retry(id) => act(A::Retry(i64::from(id)));
        on_reprint(receipt) => act(A::Reprint(receipt.to_string()));
        on_setting_step(index, up) => act(A::SettingStep(usize::try_from(index).unwrap_or(usize::MAX), up));
        on_save_settings() => act(A::SaveSettings);
        on_restart() => act(A::Restart);
        on_close() => act(A::Close);
    });
}

pub fn render(w: &AppWindow, app: &KioskApp) {
    let view = technician(app);
    let t = w.global::<TechnicianAdapter>();
    t.set_stage(s(view.stage));
    t.set_tab(s(view.tab));
    t.set_pin_digits(i32::try_from(view.pin_digits).unwrap_or(0));
    t.set_checking(view.checking);
    t.set_notice(s(&view.notice));
    t.set_notice_bad(view.notice_bad);
    t.set_devices(model(
        view.devices
            .iter()
            .map(|r| TechStatusVm {
                code: s(r.code),
                state: s(&r.state),
                detail: s(&r.detail),
                ok: r.ok,
            })
            .collect(),
    ));
    t.set_outbox(model(
        view.outbox
            .iter()
            .map(|r| TechOutboxVm {
                id: i32::try_from(r.id).unwrap_or(-1),
                receipt: s(&r.receipt_no),
                item: s(&r.item_code),
                state: s(r.state),
                attempts: i32::try_from(r.attempts).unwrap_or(i32::MAX),
                error: s(&r.last_error),
                dead: r.dead,
            })
            .collect(),
    ));
    t.set_outbox_summary(s(&view.outbox_summary));
    t.set_reprints(model(
        view.reprints
            .iter()
            .map(|r| TechReprintVm {
                receipt: s(&r.receipt_no),
                at: s(&r.at),
                why: s(&r.why),
            })
            .collect(),
    ));
    t.set_settings(model(
        view.settings
            .iter()
            .map(|r| TechSettingVm {
                label: s(&r.label),
                value: s(&r.value),
                changed: r.changed,
            })
            .collect(),
    ));
    t.set_settings_changed(view.settings_changed);
    t.set_overrides_file(s(&view.overrides_file));
    t.set_logs(model(
        view.logs
            .iter()
            .map(|l| TechLogVm {
                at: s(&l.at),
                level: s(l.level),
                text: s(&l.text),
            })
            .collect(),
    ));
    t.set_has_still(view.still.is_some());
    t.set_still(view.still.as_ref().map(photo_image).unwrap_or_default());
    if view.tab == "tests" {
        super::materials::refresh_preview(w, app, &mut 0);
    } else {
        w.global::<MaterialsAdapter>().set_live(false);
    }
}
