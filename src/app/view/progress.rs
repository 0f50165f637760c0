//! The 查询进度 page: the receipt number being typed, the reader waiting for a card, and the
//! central system's answer — each application with its state, the back office's message
//! (what to supply) and the expected date — or a clear reason there is none.

use super::i18n::{case_status, text};
use crate::app::kiosk::KioskApp;
use crate::central_api::CaseStatus;
use crate::domain::Lang;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressRow {
    pub receipt_no: String,
    pub item: String,
    /// `received`, `approved`, `supplement`, `rejected` or `done` (the badge's tone).
    pub status: &'static str,
    pub status_label: String,
    /// The back office's words (a supplement request or a refusal); empty when none.
    pub message: String,
    /// `YYYY-MM-DD`, or empty.
    pub expected_on: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProgressView {
    /// PREFIX-YYMMDD-NNNN-C as typed so far.
    pub typed: String,
    /// The number is accepted and the last six characters of the ID number are asked.
    pub asking_tail: bool,
    /// The ID tail typed so far.
    pub id_tail: String,
    pub searching: bool,
    /// An answer is shown (the keypad gives way to it).
    pub answered: bool,
    pub rows: Vec<ProgressRow>,
    pub error: String,
    /// The answer came from the ID card (every application of the holder).
    pub by_card: bool,
    /// 补交材料 open for one of the rows.
    pub supply: Option<SupplyView>,
}

/// The supplement panel: what the back office asked for, the materials to photograph
/// (with the camera panel of the materials page), and where the photos stand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplyView {
    pub receipt_no: String,
    pub item: String,
    pub message: String,
    /// `capturing`, `queueing`, `queued` or `failed`.
    pub state: &'static str,
    pub rows: Vec<super::materials::MaterialRow>,
    pub camera: super::materials::CameraPanel,
    pub error: String,
}

pub fn progress(app: &KioskApp) -> ProgressView {
    let lookup = app.lookup();
    let lang = app.lang();
    let mut view = ProgressView {
        typed: lookup.typed_display(),
        asking_tail: lookup.id_tail().is_some(),
        id_tail: lookup.id_tail().unwrap_or_default().to_string(),
        searching: lookup.pending(),
        by_card: lookup.by_card(),
        ..Default::default()
    };
    view.supply = app.supply().map(|draft| {
        use crate::app::supply::SupplyState;
        SupplyView {
            receipt_no: draft.receipt_no.clone(),
            item: app
                .catalogue()
                .item(&draft.item_code)
                .map_or(draft.item_code.clone(), |item| item.name.get(lang).to_string()),
            message: draft.message.clone().unwrap_or_default(),
            state: match draft.state {
                SupplyState::Capturing => "capturing",
                SupplyState::Queueing => "queueing",
                SupplyState::Queued => "queued",
                SupplyState::Failed => "failed",
            },
            rows: super::materials::supply_rows(app, &draft.item_code),
            camera: super::materials::camera_panel(app),
            error: app
                .supply_error()
                .map(|m| text(m, lang).to_string())
                .unwrap_or_default(),
        }
    });
    if let Some(message) = app.supply_proof_error() {
        view.error = text(message, lang).to_string();
    }
    match lookup.answer() {
        None => {}
        Some(Err(message)) => {
            view.error = text(*message, lang).to_string();
        }
        Some(Ok(applications)) => {
            view.answered = true;
            view.rows = applications
                .iter()
                .map(|a| ProgressRow {
                    receipt_no: a.receipt_no.clone(),
                    item: app
                        .catalogue()
                        .item(&a.item_code)
                        .map_or(a.item_code.clone(), |item| item.name.get(lang).to_string()),
                    status: a.status.as_str(),
                    status_label: case_status(a.status, lang).to_string(),
                    message: a.message.clone().unwrap_or_default(),
                    expected_on: match a.status {
                        CaseStatus::Rejected | CaseStatus::Done => String::new(),
                        _ => a.expected_on.map(|d| d.to_string()).unwrap_or_default(),
                    },
                })
                .collect();
        }
    }
    view
}

/// What to do next, for a row (supplement: bring the material; approved: wait or collect).
pub fn next_step(status: &str, lang: Lang) -> &'static str {
    match (status, lang) {
        ("supplement", Lang::Zh) => "请点“拍照补交”,在这里拍下上面说明的材料;也可以带上材料到窗口补交",
        ("supplement", Lang::En) => {
            "Tap Photograph and supply to send the material described above, or bring it to the window"
        }
        ("approved", Lang::Zh) => "预审已通过,请等待办结通知",
        ("approved", Lang::En) => "Pre-review passed: wait for the notice that it is done",
        ("rejected", Lang::Zh) => "如有疑问,请到窗口咨询",
        ("rejected", Lang::En) => "If you have questions, ask at the window",
        ("done", Lang::Zh) => "已办结:窗口领取或按您选择的方式快递送达",
        ("done", Lang::En) => "Done: collect it at the window or it comes by the delivery you chose",
        (_, Lang::Zh) => "已受理,正在等待预审",
        (_, Lang::En) => "Received: waiting for pre-review",
    }
}
