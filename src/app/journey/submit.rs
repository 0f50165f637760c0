//! Handing the application to the worker when the session says "submit". The outcome comes
//! back as `Submitted` or `SubmitFailed`. A retry after a failure reuses the first attempt's
//! UUID, so the store and the central system see one application, not two.

use super::Journey;
use crate::app::shared::Shared;
use crate::app::worker::Job;
use crate::domain::application::Application;
use crate::domain::message::Message;
use crate::domain::session::Event;

impl Journey {
    pub fn submit(&mut self, s: &mut Shared) {
        let data = &s.session.data;
        let (Some(plan), Some(applicant)) = (&data.plan, &data.applicant) else {
            return s.push(Event::SubmitFailed(Message::SubmitIncomplete));
        };
        let uuid = self
            .submission_key
            .get_or_insert_with(|| uuid::Uuid::new_v4().to_string())
            .clone();
        let application = Application {
            uuid,
            item_code: plan.item.code.clone(),
            applicant: applicant.clone(),
            agent: data.agent.clone(),
            form: data.form.clone(),
            materials: data.materials.clone(),
            delivery: data.delivery.clone(),
            urgent: data.urgent,
            payment: data.payment.clone(),
            submitted_on: s.today(),
        };
        let problems = application.problems(&s.catalogue, &plan.item);
        if !problems.is_empty() {
            log::warn!("application refused before storing: {problems:?}");
            return s.push(Event::SubmitFailed(Message::SubmitIncomplete));
        }
        let photos = s.camera.photos_for_upload();
        s.worker.send(Job::Submit {
            application: Box::new(application),
            photos,
        });
    }
}
