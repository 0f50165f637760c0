//! What a scripted citizen does on the pages that are a desk of their own — 预约, 咨询投诉,
//! the materials camera — and the keypad: one step per call, through the pages' callbacks.
//! The steps that can fail say so (true: the page showed an error and the citizen went back).

use super::super::generated::*;
use slint::{Model, SharedString};

/// A phone number, a key at a time.
pub fn type_phone(phone: &str, mut key: impl FnMut(SharedString)) {
    for digit in phone.chars() {
        key(digit.to_string().into());
    }
}

/// 预约: the first service, the first free slot, the number, 确认预约, then back.
pub fn appointment(a: &AppointmentAdapter, phone: &str) -> bool {
    if a.get_busy() {
        return false;
    }
    if !a.get_error().is_empty() {
        a.invoke_back();
        return true;
    }
    match a.get_stage().as_str() {
        "service" => match a.get_items().iter().next() {
            Some(item) => a.invoke_service(item.code),
            None => a.invoke_category("id-card".into()),
        },
        "time" => {
            let free = a
                .get_slot_rows()
                .iter()
                .flat_map(|row| row.iter().collect::<Vec<_>>())
                .find(|s| s.free > 0);
            match free {
                Some(slot) => a.invoke_slot(slot.id),
                None => {
                    a.invoke_back();
                    return true;
                }
            }
        }
        "phone" => {
            if a.get_phone().is_empty() {
                type_phone(phone, |key| a.invoke_phone_key(key));
            }
            a.invoke_book();
        }
        _ => a.invoke_back(),
    }
    false
}

/// 投诉: the kind and topic, a phrase, the number, 提交, then back.
pub fn complaint(c: &ConsultAdapter, phone: &str) -> bool {
    if c.get_busy() {
        return false;
    }
    if !c.get_error().is_empty() {
        c.invoke_back();
        return true;
    }
    match c.get_stage().as_str() {
        "topic" => {
            c.invoke_choose_kind("complaint".into());
            c.invoke_choose_topic("staff".into());
        }
        "text" => {
            c.invoke_phrase("等候时间太长。".into());
            c.invoke_to_phone();
        }
        "phone" => {
            if c.get_phone().is_empty() {
                type_phone(phone, |key| c.invoke_phone_key(key));
            }
            c.invoke_send();
        }
        _ => c.invoke_back(),
    }
    false
}

/// The materials page: one photo at a time, as a citizen does (waiting while one is being
/// taken), the promise signed for the optional ones, then done.
pub fn photograph_materials(materials: &MaterialsAdapter) {
    if materials.get_busy() || !materials.get_live() {
        return;
    }
    let rows: Vec<_> = materials.get_materials().iter().collect();
    if let Some(row) = rows.iter().find(|r| r.mandatory && !r.has_thumbnail) {
        return materials.invoke_capture(row.code.clone());
    }
    if materials.get_promise_open() {
        return materials.invoke_sign(crate::app::staging::SAMPLE_SIGNATURE.into());
    }
    if let Some(row) = rows.iter().find(|r| !r.mandatory && r.state.as_str() != "promised") {
        return materials.invoke_promise(row.code.clone());
    }
    materials.invoke_done();
}
