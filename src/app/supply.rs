//! 补交材料 from the progress page: the citizen whose application waits for a material
//! (the back office asked for it) photographs it here. The draft names the receipt number,
//! the service and the back office's words; the photos are the materials camera's, as on
//! the materials page. 提交 hands them to the worker, which queues them durably for the
//! central system (`storage::supplements`); the page then says they are on their way. The
//! draft is personal and goes with the session.

use crate::central_api::{CaseStatus, StatusResponse};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplyDraft {
    pub receipt_no: String,
    pub item_code: String,
    /// What the back office asked for, in its words.
    pub message: Option<String>,
    pub state: SupplyState,
    /// What proves the citizen is the applicant (the receipt's token or the card): set
    /// when the draft opens, queued with the photos.
    pub proof: Option<crate::central_api::SupplementProof>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SupplyState {
    /// Photographing.
    Capturing,
    /// Handed to the worker, not yet stored.
    Queueing,
    /// Stored in the queue: it goes up now or when the network is back.
    Queued,
    /// Could not be stored (the disk): bring the paper to the window.
    Failed,
}

impl SupplyDraft {
    /// A draft for `receipt_no` if the answer on screen lists it as waiting for a material.
    pub fn for_answer(answer: &[StatusResponse], receipt_no: &str) -> Option<SupplyDraft> {
        let row = answer
            .iter()
            .find(|r| r.receipt_no == receipt_no && r.status == CaseStatus::Supplement)?;
        Some(SupplyDraft {
            receipt_no: row.receipt_no.clone(),
            item_code: row.item_code.clone(),
            message: row.message.clone(),
            state: SupplyState::Capturing,
            proof: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(receipt: &str, status: CaseStatus) -> StatusResponse {
        StatusResponse {
            receipt_no: receipt.into(),
            item_code: "ID-003".into(),
            status,
            message: Some("请补充清晰的户口簿首页照片".into()),
            expected_on: None,
        }
    }

    #[test]
    fn only_an_application_waiting_for_a_material_takes_one() {
        let answer = vec![row("A-1", CaseStatus::Approved), row("A-2", CaseStatus::Supplement)];
        assert_eq!(SupplyDraft::for_answer(&answer, "A-1"), None);
        assert_eq!(SupplyDraft::for_answer(&answer, "A-9"), None);
        let draft = SupplyDraft::for_answer(&answer, "A-2").unwrap();
        assert_eq!(
            (draft.item_code.as_str(), draft.state),
            ("ID-003", SupplyState::Capturing)
        );
        assert_eq!(draft.message.as_deref(), Some("请补充清晰的户口簿首页照片"));
    }
}
