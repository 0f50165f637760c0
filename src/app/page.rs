//! Which page of the touchscreen the citizen is on: one per step of the session, plus the
//! pages opened over it (address picker, technician). The view layer computes each page's
//! content; the voice guide speaks each page's prompt.

use crate::domain::session::Step;

/// The pages of the touchscreen, one per step (submitting shares the receipt page).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageId {
    Welcome,
    Catalogue,
    Guide,
    Identify,
    Form,
    Materials,
    Review,
    Payment,
    Receipt,
    Rating,
    Farewell,
    /// The delivery address picker (opened from the review page).
    Address,
    /// 查询进度: applications by receipt number or ID card.
    Progress,
    /// 预约: a time at the window.
    Appointment,
    /// 咨询投诉: a question or complaint.
    Consult,
    /// 技术人员维护: the PIN pad and the technician's tabs (over any citizen page).
    Technician,
}

impl PageId {
    pub fn of(step: Step) -> PageId {
        match step {
            Step::Welcome => PageId::Welcome,
            Step::ChooseService => PageId::Catalogue,
            Step::Guide => PageId::Guide,
            Step::Identify => PageId::Identify,
            Step::Form => PageId::Form,
            Step::Materials => PageId::Materials,
            Step::Review => PageId::Review,
            Step::Payment => PageId::Payment,
            Step::Submitting | Step::Receipt => PageId::Receipt,
            Step::Rating => PageId::Rating,
            Step::Farewell => PageId::Farewell,
            Step::Progress => PageId::Progress,
            Step::Appointment => PageId::Appointment,
            Step::Consult => PageId::Consult,
        }
    }
}
